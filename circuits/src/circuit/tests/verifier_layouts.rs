//! MockProver tests of the layouts `--optimize verifier` picks: the lean two-column layout,
//! packed public values, range checks folded into the function lookup, degree floors — honest
//! witnesses pass, and each new constraint catches the mutation meant for it.

use super::*;

/// x[1,5] -> Linear(5->2) -> out: a raw-scale output, so no requantization, constant or
/// arithmetic gate — the leanest layout the verifier objective picks (two columns; the range
/// table only checks the input).
fn linear_only() -> Setup {
    let w = Tensor::new(vec![5, 2], vec![0.5, -0.25, 1.0, -0.75, 0.3, 0.2, 0.1, 0.9, -0.4, 0.6]);
    let graph = Graph {
        guards: Vec::new(),
        nodes: vec![
            node("x", Op::Input, vec![], vec![1, 5]),
            node(
                "fc",
                Op::Linear { weight: w, bias: Some(Tensor::new(vec![2], vec![0.1, -0.2])) },
                vec![0],
                vec![1, 2],
            ),
        ],
        input: 0,
        outputs: vec![1],
    };
    setup_graph(graph, &[0.8, -1.2, 0.5, 2.0, -0.3], |model| {
        choose_params(model, None, ModelVisibility::default(), super::cost::Objective::Verifier).unwrap()
    })
}

#[test]
fn lean_layout_leaves_out_unused_gadgets() {
    let s = linear_only();
    let p = s.circuit.params;
    assert_eq!(p.width, 2);
    assert!(!p.requant && !p.constants && !p.arith, "{p:?}");
    let st = stats(&s.circuit.model, p);
    // one lookup argument: the input's range check
    assert_eq!(st.lookup_arguments, p.range_columns);
    // the two main columns and the instance column in the permutation, no constants column
    assert_eq!(st.permutation_columns, 3);
    assert_eq!(mock(&s.circuit, p, &s.instances), Ok(()));
}

#[test]
fn lean_layout_wrong_running_sum_fails_the_dot_gate() {
    let s = linear_only();
    // width 2: the input takes one range-checked row per value (one lane); the first output's
    // sum then takes 5, one input and the running sum per row
    let first = FIRST_ROW + stats(&s.circuit.model, s.circuit.params).layers[0].rows;
    let acc = Col::Main(1);
    for row in [first, first + 1] {
        let v = honest_value(&s, acc, row) + Fr::one();
        assert!(has_gate_failure(&tamper(&s, vec![(acc, row, v)]), "dot"), "row {row}");
    }
}

#[test]
fn lean_layout_wrong_public_output_fails() {
    let s = linear_only();
    let mut instances = s.instances.clone();
    *instances.last_mut().unwrap() += Fr::one();
    let failures = mock(&s.circuit, s.circuit.params, &instances).unwrap_err();
    assert!(failures.iter().any(|f| matches!(f, VerifyFailure::Permutation { .. })));
}

#[test]
fn degree_floors_keep_the_honest_witness_valid() {
    let s = setup(Some(6));
    for min_degree in [4, 5, 6] {
        let params = CircuitParams { min_degree, ..s.circuit.params };
        let circuit = ModelCircuit { params, ..s.circuit.clone() };
        assert_eq!(mock(&circuit, params, &s.instances), Ok(()), "degree {min_degree}");
    }
}

fn setup_packed(limbs: u32, range_columns: usize) -> Setup {
    setup_graph(test_graph(), &SAMPLE, |model| {
        params_for(
            model,
            Layout { width: 6, limbs, range_columns, pack: true, fold: false, freivalds: false },
            ModelVisibility::default(),
        )
        .unwrap()
    })
}

/// The first row of the input's packing (laid out after the layers).
fn packing_row(s: &Setup) -> usize {
    let st = stats(&s.circuit.model, s.circuit.params);
    let at = st.layers.iter().position(|l| l.name == "input packing").expect("the input is packed");
    FIRST_ROW + st.layers[..at].iter().map(|l| l.rows).sum::<usize>()
}

#[test]
fn packed_public_values_decode_and_verify() {
    for (limbs, range_columns) in [(1, 3), (1, 1), (2, 1)] {
        let s = setup_packed(limbs, range_columns);
        let p = s.circuit.params;
        assert!(p.pack_input > 0 && p.pack_output > 0, "{p:?}");
        let model = &s.circuit.model;
        let [input_part, ..] = p.public_parts();
        assert!(s.instances.len() < model.input_node().len() + model.output_len());
        let input = input_part.decode(&s.instances[..input_part.len(4)], 4, |_| None).unwrap();
        assert_eq!(&input, s.circuit.input.as_deref().unwrap());
        assert_eq!(mock(&s.circuit, p, &s.instances), Ok(()), "limbs {limbs}, {range_columns} range columns");
    }
}

#[test]
fn a_wrong_packed_word_fails_the_copy_to_the_instance() {
    let s = setup_packed(1, 1);
    let mut instances = s.instances.clone();
    instances[0] += Fr::one();
    let failures = mock(&s.circuit, s.circuit.params, &instances).unwrap_err();
    assert!(failures.iter().any(|f| matches!(f, VerifyFailure::Permutation { .. })));
}

#[test]
fn a_wrong_running_word_fails_the_pack_gate() {
    let s = setup_packed(1, 1);
    let row = packing_row(&s);
    let v = honest_value(&s, Col::Main(1), row) + Fr::one();
    assert!(has_gate_failure(&tamper(&s, vec![(Col::Main(1), row, v)]), "pack"));
}

#[test]
fn a_slot_limb_outside_the_table_fails_the_lookup() {
    // the same slot value from limbs (lo + 2^t, hi - 1): the gate holds, the lookup does not,
    // which is what makes a packed word decode to one list of values only
    let s = setup_packed(1, 1);
    // 8-bit values in 9-bit slots: two 8-bit limbs, the top one checked to 1 bit
    assert_eq!(s.circuit.params.pack_input, 9);
    let row = packing_row(&s);
    let (lo, hi) = (honest_value(&s, Col::Lookup(0), row), honest_value(&s, Col::Lookup(0), row + 1));
    let shifted = |hi: Fr| hi * Fr::from(1u64 << 7);
    let lower = hi - Fr::one();
    let failures = tamper(
        &s,
        vec![
            (Col::Lookup(0), row, lo + Fr::from(1u64 << 8)),
            (Col::Lookup(0), row + 1, lower),
            (Col::Lookup(0), row + 2, shifted(lower)),
        ],
    );
    assert!(has_lookup_failure(&failures));
    assert!(!has_gate_failure(&failures, "pack"), "{failures:?}");
}

#[test]
fn a_top_limb_wider_than_the_slot_fails_the_lookup() {
    // a top limb within the table but past the slot's width (what shifting a value by 2^S into
    // the next slot's place needs): its shifted copy leaves the table
    let s = setup_packed(1, 1);
    let row = packing_row(&s);
    let hi = honest_value(&s, Col::Lookup(0), row + 1) + Fr::from(2);
    let failures = tamper(&s, vec![(Col::Lookup(0), row + 1, hi), (Col::Lookup(0), row + 2, hi * Fr::from(1u64 << 7))]);
    assert!(has_lookup_failure(&failures), "{failures:?}");
}

/// x[1,4] -> Linear(4->3) -> Relu -> Linear(3->2) -> Sigmoid: dot products, both requantization
/// kinds and a table, which fit two columns.
fn narrow(layout: Layout) -> Setup {
    let w1 = Tensor::new(vec![4, 3], vec![0.5, -0.25, 1.0, -0.75, 0.3, 0.2, 0.1, 0.9, -0.4, 0.6, -0.1, 0.05]);
    let w2 = Tensor::new(vec![3, 2], vec![1.5, -0.5, 0.25, 0.75, -1.0, 0.4]);
    let graph = Graph {
        guards: Vec::new(),
        nodes: vec![
            node("x", Op::Input, vec![], vec![1, 4]),
            node(
                "fc1",
                Op::Linear { weight: w1, bias: Some(Tensor::new(vec![3], vec![0.1, -0.2, 0.05])) },
                vec![0],
                vec![1, 3],
            ),
            node("relu", Op::Relu, vec![1], vec![1, 3]),
            node("fc2", Op::Linear { weight: w2, bias: None }, vec![2], vec![1, 2]),
            node("sigmoid", Op::Unary(Nonlinearity::Sigmoid), vec![3], vec![1, 2]),
        ],
        input: 0,
        outputs: vec![4],
    };
    setup_graph(graph, &SAMPLE, |model| params_for(model, layout, ModelVisibility::default()).unwrap())
}

const TWO_COLUMNS: Layout = Layout { width: 2, limbs: 1, range_columns: 1, pack: true, fold: true, freivalds: false };

#[test]
fn two_column_layouts_verify() {
    for (pack, fold) in [(false, false), (true, false), (false, true), (true, true)] {
        let s = narrow(Layout { pack, fold, ..TWO_COLUMNS });
        assert_eq!(s.circuit.params.width, 2);
        assert_eq!(mock(&s.circuit, s.circuit.params, &s.instances), Ok(()), "pack {pack}, fold {fold}");
    }
    // and the verifier objective picks two columns for this model
    let model = narrow(TWO_COLUMNS).circuit.model;
    assert_eq!(
        choose_params(&model, None, ModelVisibility::default(), super::cost::Objective::Verifier).unwrap().width,
        2
    );
}

#[test]
fn two_column_wrong_requantized_outputs_fail_the_requant_gate() {
    let s = narrow(TWO_COLUMNS);
    let st = stats(&s.circuit.model, s.circuit.params);
    // input, fc1's dot products, then fc1's requantizations (Relu), 3 rows each
    let relu_row = FIRST_ROW + st.layers[0].rows + s.circuit.params.dot_rows(4) * 3;
    // fc2's first requantization (no Relu) follows relu's rows and fc2's dot products
    let plain_row = relu_row + 3 * 3 + s.circuit.params.dot_rows(3) * 2;
    for row in [relu_row, plain_row] {
        let v = honest_value(&s, Col::Main(1), row) + Fr::one();
        assert!(has_gate_failure(&tamper(&s, vec![(Col::Main(1), row, v)]), "requant"), "row {row}");
    }
}

#[test]
fn folded_out_of_range_quotient_fails_the_function_lookup() {
    let s = setup_folded();
    assert!(s.circuit.params.folded_range);
    assert!(s.circuit.params.luts > 0);
    one_column_out_of_range_quotient(&s);
}

/// One range-checked column, its check folded into the function-table lookup.
fn setup_folded() -> Setup {
    setup_graph(test_graph(), &SAMPLE, |model| {
        params_for(
            model,
            Layout { width: 6, limbs: 1, range_columns: 1, pack: false, fold: true, freivalds: false },
            ModelVisibility::default(),
        )
        .unwrap()
    })
}

#[test]
fn folded_layout_keeps_one_lookup_argument() {
    let s = setup_folded();
    let st = stats(&s.circuit.model, s.circuit.params);
    assert_eq!(st.lookup_arguments, 1);
    assert_eq!(mock(&s.circuit, s.circuit.params, &s.instances), Ok(()));
}

#[test]
fn folded_wrong_nonlinear_output_fails_the_table_lookup() {
    wrong_nonlinear_output(&setup_folded());
}
