//! Consistent malicious witnesses: several cells moved together, as an attacker would, so that
//! every constraint holds but the one meant to stop the attack. Each test asserts that the
//! failures are exactly of that constraint: the rest of the forged witness is consistent, so that
//! constraint is what keeps the output honest.

use super::*;
use crate::layout::region;
use crate::lint::Recording;
use crate::quantize::{QOp, QuantizedModel};

/// Rows where each layer (and each exposed part after them) starts.
pub(super) fn layer_start(s: &Setup, name: &str) -> usize {
    let layers = stats(&s.circuit.model, s.circuit.params).layers;
    let at = layers.iter().position(|l| l.name == name).unwrap_or_else(|| panic!("no layer {name}"));
    FIRST_ROW + layers[..at].iter().map(|l| l.rows).sum::<usize>()
}

/// The honest witness, cell by cell.
pub(super) fn honest(s: &Setup) -> Recording {
    Recording::run(s.circuit.params.k, &s.circuit, vec![s.instances.clone()]).unwrap()
}

pub(super) fn config(s: &Setup) -> ModelConfig {
    ModelConfig::configure(&mut ConstraintSystem::<Fr>::default(), s.circuit.params)
}

pub(super) fn value(rec: &Recording, cfg: &ModelConfig, col: Col, row: usize) -> Fr {
    let column = match col {
        Col::Main(i) => cfg.main[i],
        Col::Lookup(i) => cfg.lookup[i],
    };
    rec.advice_value(column.index(), row)
}

/// Instance index of `element` of the model's output number `output` (public, unpacked values).
pub(super) fn output_instance(s: &Setup, output: usize, element: usize) -> usize {
    let model = &s.circuit.model;
    let [input_part, ..] = s.circuit.params.public_parts();
    let before: usize = model.outputs[..output].iter().map(|&o| model.nodes[o].len()).sum();
    input_part.len(model.input_node().len()) + before + element
}

/// The failures of `cells` written over the honest witness, checked against `instances`.
pub(super) fn forge(s: &Setup, cells: Vec<(Col, usize, Fr)>, instances: &[Fr]) -> Vec<VerifyFailure> {
    let t = Tampered { inner: s.circuit.clone(), cells };
    mock(&t, s.circuit.params, instances).expect_err("a forged witness must not verify")
}

pub(super) fn only_gate(failures: &[VerifyFailure], gate: &str) -> bool {
    !failures.is_empty() && failures.iter().all(|f| matches!(f, VerifyFailure::ConstraintNotSatisfied { constraint, .. } if format!("{constraint:?}").contains(gate)))
}

fn only_lookups(failures: &[VerifyFailure]) -> bool {
    !failures.is_empty() && failures.iter().all(|f| matches!(f, VerifyFailure::Lookup { .. }))
}

fn only_copies(failures: &[VerifyFailure]) -> bool {
    !failures.is_empty() && failures.iter().all(|f| matches!(f, VerifyFailure::Permutation { .. }))
}

fn graph(nodes: Vec<Node>, outputs: Vec<usize>) -> Graph {
    Graph { guards: Vec::new(), nodes, input: 0, outputs }
}

/// x[1,3] → Linear(3→1) → out: a raw-scale output, so the sum is the public instance.
fn small_linear(k: usize) -> Graph {
    let weights: Vec<f32> = [0.5, -0.25, 1.0, -0.75, 0.3, 0.2].into_iter().take(k).collect();
    let fc = Op::Linear { weight: Tensor::new(vec![k, 1], weights), bias: Some(Tensor::new(vec![1], vec![0.1])) };
    graph(vec![node("x", Op::Input, vec![], vec![1, k]), node("fc", fc, vec![0], vec![1, 1])], vec![1])
}

const SMALL_SAMPLE: [f64; 6] = [0.8, -1.2, 0.5, 2.0, -0.3, 0.6];

fn at(width: usize, limbs: u32, visibility: ModelVisibility) -> impl FnOnce(&QuantizedModel) -> CircuitParams {
    move |model| {
        params_for(
            model,
            Layout { width, limbs, range_columns: 3, pack: false, fold: false, freivalds: false },
            visibility,
        )
        .unwrap()
    }
}

/// The attack on the pair-dot gadget: in a sum's last row, a slot the sum does not use gets
/// `a = 1, b = δ`; the sum cell, and everything downstream of it, carries `+δ`.
#[test]
fn an_unused_pair_dot_slot_cannot_add_to_an_activation_product() {
    // the test graph at width 9: four pairs a row, the 2×2 MatMul's sums have two terms
    let s = setup(Some(9));
    let cfg = config(&s);
    let rec = honest(&s);
    let QOp::MatMul { requant: None } = s.circuit.model.nodes[14].op else { panic!("the MatMul output is raw") };
    let row = layer_start(&s, "matmul");
    let delta = Fr::from(1000);
    let acc = Col::Main(8);
    let cells = vec![
        (Col::Main(4), row, Fr::one()),
        (Col::Main(5), row, delta),
        (acc, row, value(&rec, &cfg, acc, row) + delta),
    ];
    let mut instances = s.instances.clone();
    instances[output_instance(&s, 8, 0)] += delta;
    let failures = forge(&s, cells, &instances);
    assert!(only_gate(&failures, "pair dot"), "{failures:?}");
}

#[test]
fn an_unused_pair_dot_slot_cannot_add_to_a_witness_weight_product() {
    // x·w with the three weights public: four pairs a row at width 9, one left over
    let vis = ModelVisibility { params: Visibility::Public, ..ModelVisibility::default() };
    let s = setup_graph(small_linear(3), &SMALL_SAMPLE[..3], at(9, 1, vis));
    let cfg = config(&s);
    let rec = honest(&s);
    let p = s.circuit.params;
    let sum_row = layer_start(&s, "fc") + p.load_rows(3) + p.load_rows(1);
    let bias_row = sum_row + p.pair_dot_rows(3);
    let delta = Fr::from(777);
    let moved = |col: Col, row: usize| (col, row, value(&rec, &cfg, col, row) + delta);
    // the slot, the sum, its copy in the bias addition and the biased result
    // the slot, the sum, and its copies in the bias addition (lanes 1 and 2 repeat lane 0) with
    // their biased results
    let mut cells =
        vec![(Col::Main(6), sum_row, Fr::one()), (Col::Main(7), sum_row, delta), moved(Col::Main(8), sum_row)];
    cells.extend(
        [0, 3, 6].into_iter().flat_map(|lane| [moved(Col::Main(lane), bias_row), moved(Col::Main(lane + 2), bias_row)]),
    );
    let mut instances = s.instances.clone();
    instances[output_instance(&s, 0, 0)] += delta;
    let failures = forge(&s, cells, &instances);
    assert!(only_gate(&failures, "pair dot"), "{failures:?}");
}

/// The attack on an unchecked private input: `x0 + D·w0⁻¹` over the field moves a single-output
/// first layer by exactly `D`, to an output no input in range produces.
fn private_input_attack(limb_cells: impl FnOnce(Fr, u32) -> Vec<(Col, usize, Fr)>) -> Vec<VerifyFailure> {
    let vis = ModelVisibility { input: Visibility::Private, ..ModelVisibility::default() };
    let s = setup_graph(small_linear(4), &SMALL_SAMPLE[..4], at(6, 1, vis));
    let cfg = config(&s);
    let rec = honest(&s);
    let QOp::Linear { weight, .. } = &s.circuit.model.nodes[1].op else { panic!("node 1 is the Linear") };
    let d = Fr::from(12_345);
    let x0 = value(&rec, &cfg, Col::Main(0), FIRST_ROW);
    let forged = x0 + d * region::fr_from_i128(weight[0] as i128).invert().unwrap();
    let dot_row = layer_start(&s, "fc");
    let mut cells = vec![
        (Col::Main(0), FIRST_ROW, forged),
        (Col::Main(0), dot_row, forged),
        (Col::Main(5), dot_row, value(&rec, &cfg, Col::Main(5), dot_row) + d),
    ];
    cells.extend(limb_cells(forged, s.circuit.model.bits));
    let mut instances = s.instances.clone();
    instances[output_instance(&s, 0, 0)] += d;
    forge(&s, cells, &instances)
}

#[test]
fn a_private_input_outside_its_range_fails_the_signed_range_gate() {
    // the forged input with its range cells left as they were
    let failures = private_input_attack(|_, _| vec![]);
    assert!(only_gate(&failures, "signed range"), "{failures:?}");
}

#[test]
fn a_private_input_outside_its_range_fails_the_range_lookup_when_the_gate_holds() {
    // the range gate satisfied by a limb that carries the whole forged value: the table refuses it
    let failures = private_input_attack(|forged, bits| {
        vec![(Col::Main(3), FIRST_ROW, Fr::zero()), (Col::Lookup(0), FIRST_ROW, forged + Fr::from(1u64 << bits))]
    });
    assert!(only_lookups(&failures), "{failures:?}");
}

#[test]
fn a_public_input_outside_its_range_is_refused() {
    // a public instance 2^bits above the honest input, matched by the cells and the sum
    let s = setup_graph(small_linear(4), &SMALL_SAMPLE[..4], at(6, 1, ModelVisibility::default()));
    let cfg = config(&s);
    let rec = honest(&s);
    let QOp::Linear { weight, .. } = &s.circuit.model.nodes[1].op else { panic!("node 1 is the Linear") };
    let step = Fr::from(1u64 << (s.circuit.model.bits + 1));
    let x0 = value(&rec, &cfg, Col::Main(0), FIRST_ROW);
    let dot_row = layer_start(&s, "fc");
    let acc = value(&rec, &cfg, Col::Main(5), dot_row) + step * region::fr_from_i128(weight[0] as i128);
    // `h` and the limb keep their values: x + 2^(bits+1) has the same low bits
    let cells =
        vec![(Col::Main(0), FIRST_ROW, x0 + step), (Col::Main(0), dot_row, x0 + step), (Col::Main(5), dot_row, acc)];
    let mut instances = s.instances.clone();
    instances[0] += step;
    instances[output_instance(&s, 0, 0)] = acc;
    let failures = forge(&s, cells, &instances);
    assert!(only_gate(&failures, "signed range"), "{failures:?}");
}

#[test]
fn a_dot_product_input_moved_with_its_sum_fails_the_copy() {
    // fc1's first sum: its first input copy +1 and the sum +w, consistent with the dot gate (and
    // the requantization that reads the sum sees a copy, which moves too)
    let s = setup(Some(6));
    let cfg = config(&s);
    let rec = honest(&s);
    let QOp::Linear { weight, .. } = &s.circuit.model.nodes[1].op else { panic!("node 1 is fc1") };
    let row = layer_start(&s, "fc1");
    let w = region::fr_from_i128(weight[0] as i128);
    let cells = vec![
        (Col::Main(0), row, value(&rec, &cfg, Col::Main(0), row) + Fr::one()),
        (Col::Main(5), row, value(&rec, &cfg, Col::Main(5), row) + w),
    ];
    let failures = forge(&s, cells, &s.instances);
    assert!(only_copies(&failures), "{failures:?}");
}

#[test]
fn a_table_input_moved_with_its_output_fails_the_copy() {
    // sigmoid's first element: (x + 1, f(x + 1)) is a table row, and the public output follows
    let s = setup(Some(6));
    let cfg = config(&s);
    let rec = honest(&s);
    let QOp::Lut { tag } = s.circuit.model.nodes[8].op else { panic!("node 8 is the sigmoid") };
    let spec = s.circuit.model.luts[tag as usize - 1];
    let row = layer_start(&s, "sigmoid");
    let fc2 = s.circuit.model.evaluate(s.circuit.input.as_deref().unwrap()).unwrap().out[3][0];
    let (x, y) = (region::fr_from_i128(fc2 + 1), region::fr_from_i128(spec.output(fc2 + 1)));
    assert_eq!(value(&rec, &cfg, Col::Main(0), row), x - Fr::one());
    let mut instances = s.instances.clone();
    instances[output_instance(&s, 3, 0)] = y;
    let failures = forge(&s, vec![(Col::Main(0), row, x), (Col::Main(1), row, y)], &instances);
    assert!(only_copies(&failures), "{failures:?}");
}

#[test]
fn a_relu_output_raised_with_both_parts_fails_the_requant_gate() {
    // relu2's first element: p and n both one higher leave the division exact (q = p − n), and
    // y = p one higher; only p · n = 0 refuses it
    let s = setup(Some(6));
    let cfg = config(&s);
    let rec = honest(&s);
    let row = layer_start(&s, "relu2");
    let [p, n] = [Col::Lookup(1), Col::Lookup(2)].map(|c| (c, value(&rec, &cfg, c, row)));
    let y = value(&rec, &cfg, Col::Main(1), row) + Fr::one();
    let cells = vec![(p.0, row, p.1 + Fr::one()), (n.0, row, n.1 + Fr::one()), (Col::Main(1), row, y)];
    let mut instances = s.instances.clone();
    instances[output_instance(&s, 2, 0)] = y;
    let failures = forge(&s, cells, &instances);
    assert!(only_gate(&failures, "requant"), "{failures:?}");
}

#[test]
fn a_commitment_to_another_input_hashed_in_full_fails_only_the_message_copies() {
    // the hash rows of a witness for another input, with its commitment as the instance: every
    // round is consistent, and only the copies from the real input into the message refuse it
    let vis = hashed_input_private_output();
    let s = setup_visible(Some(6), 1, vis);
    let mut other = s.circuit.input.as_deref().unwrap().clone();
    other[0] += 1;
    let forged = ModelCircuit::new(s.circuit.model.clone(), s.circuit.params, Some(other.clone()));
    let forged_instances = ModelCircuit::instances(&s.circuit.params, &s.circuit.model, &other, &[], None);
    let rec = Recording::run(s.circuit.params.k, &forged, vec![forged_instances.clone()]).unwrap();
    let cfg = config(&s);
    let first = layer_start(&s, "input commitment");
    let rows = first..first + crate::gadgets::poseidon::rows(other.len());
    let cells: Vec<(Col, usize, Fr)> = rows
        .flat_map(|row| (0..6).map(move |i| (Col::Main(i), row)))
        .map(|(c, row)| (c, row, value(&rec, &cfg, c, row)))
        .collect();
    let failures = forge(&s, cells, &forged_instances);
    assert!(only_copies(&failures), "{failures:?}");
}

// Found by an independent audit of the review above.

/// `y = [x ≤ 3.0]` calibrated on `x = 1.0` at 8 bits: the input scale is 6, so valid inputs reach
/// 4.0 (256). The threshold (192) used to be clamped to `2^(bits−1)` = 128 (2.0): `x = 2.5` was
/// proved `> 3.0`, and the true answer could not be proved.
#[test]
fn a_threshold_inside_the_operand_range_is_kept_exact() {
    let nodes = vec![
        node("x", Op::Input, vec![], vec![1, 1]),
        node("t", Op::Const(Tensor::new(vec![1], vec![3.0])), vec![], vec![1]),
        node("le", Op::Compare { strict: false }, vec![0, 1], vec![1, 1]),
    ];
    let s = setup_graph(graph(nodes.clone(), vec![2]), &[1.0], at(6, 1, ModelVisibility::default()));
    let model = &s.circuit.model;
    assert_eq!(model.input_node().scale, 6);
    assert!(matches!(&model.nodes[1].op, QOp::Const { values } if values == &vec![192]));
    for (x, expected) in [(2.5, 1), (3.0, 1), (3.1, 0), (-3.9, 1), (3.98, 0)] {
        let q = model.quantize_input(&[x]).unwrap();
        let proved = model.evaluate(&q).unwrap().out[2].clone();
        assert_eq!(proved, vec![expected], "x = {x}");
        let circuit = ModelCircuit::new(s.circuit.model.clone(), s.circuit.params, Some(q.clone()));
        assert_eq!(
            mock(
                &circuit,
                s.circuit.params,
                &ModelCircuit::instances(&s.circuit.params, model, &q, &[vec![expected]], None)
            ),
            Ok(()),
            "x = {x}"
        );
        assert!(
            mock(
                &circuit,
                s.circuit.params,
                &ModelCircuit::instances(&s.circuit.params, model, &q, &[vec![1 - expected]], None)
            )
            .is_err(),
            "x = {x}"
        );
    }
    // a threshold beyond every valid input decides like the input's bound (x ≤ 2^bits always)
    let far = vec![
        nodes[0].clone(),
        node("t", Op::Const(Tensor::new(vec![1], vec![1e6])), vec![], vec![1]),
        nodes[2].clone(),
    ];
    let s = setup_graph(graph(far, vec![2]), &[1.0], at(6, 1, ModelVisibility::default()));
    assert!(matches!(&s.circuit.model.nodes[1].op, QOp::Const { values } if values == &vec![256]));
}

/// A node whose declared shape claims more values than its op produces made the key expect more
/// instances than the circuit pins: the extra ones were free, and an output read from one of them
/// could be anything.
#[test]
fn a_node_declaring_more_values_than_it_holds_is_refused() {
    let w = Tensor::new(vec![2, 1], vec![0.5, -0.25]);
    let nodes = vec![
        node("x", Op::Input, vec![], vec![1, 2]),
        node("fc", Op::Linear { weight: w, bias: Some(Tensor::new(vec![1], vec![0.1])) }, vec![0], vec![1, 1]),
        node("wide", Op::Reshape, vec![1], vec![1, 3]),
    ];
    let bad = graph(nodes.clone(), vec![2, 1]);
    assert!(bad.validate().unwrap_err().contains("declares shape [1, 3]"));
    // the same inconsistency written into a quantized model directly: evaluation and synthesis
    // refuse it
    let s = setup_graph(graph(nodes[..2].to_vec(), vec![1]), &[0.8, -1.2], at(6, 1, ModelVisibility::default()));
    let mut model = (*s.circuit.model).clone();
    model.nodes.push(crate::quantize::QNode {
        name: "wide".into(),
        op_name: "Reshape".into(),
        op: QOp::Reshape,
        inputs: vec![1],
        shape: vec![1, 3],
        scale: model.nodes[1].scale,
    });
    model.outputs = vec![2, 1];
    let input = s.circuit.input.as_deref().unwrap().clone();
    assert!(matches!(model.evaluate(&input), Err(crate::quantize::QuantError::Shape { .. })));
    let circuit = ModelCircuit::new(Arc::new(model), s.circuit.params, Some(input));
    assert!(matches!(Recording::run(s.circuit.params.k, &circuit, vec![s.instances.clone()]), Err(Error::Synthesis)));
}

/// Parameters with a packing width for an input that is not public (which `compile` never
/// writes) configured neither the packing gadget nor the input's range check: the
/// `x0 + D·w0⁻¹` attack worked again. The range check now follows the input part itself.
#[test]
fn a_packing_width_on_a_private_input_keeps_the_range_check() {
    let vis = ModelVisibility { input: Visibility::Private, ..ModelVisibility::default() };
    let s = setup_graph(small_linear(4), &SMALL_SAMPLE[..4], |model| CircuitParams {
        pack_input: model.bits + 1,
        ..at(6, 1, vis)(model)
    });
    assert!(s.circuit.params.checks_input_range());
    assert!(config(&s).input_range.is_some());
    assert_eq!(mock(&s.circuit, s.circuit.params, &s.instances), Ok(()));
    // a packed public input whose slots are wider than the input's range is checked twice
    let wide = CircuitParams {
        pack_input: s.circuit.model.bits + 5,
        visibility: ModelVisibility::default(),
        ..s.circuit.params
    };
    assert!(wide.checks_input_range());
}

// Found by a second audit, of the comparison fix.

/// `y = [x^8 ≤ 1e20]` at scale 0 and 8 bits: x^8 stays at the raw scale with a static bound of
/// 2^64, so the clamped threshold does not fit the 64-bit constant; it was truncated to 0 (the
/// circuit then proved `x^8 ≤ 0`). Compiling it is now refused.
#[test]
fn a_threshold_past_64_bits_is_refused_rather_than_wrapped() {
    let nodes = vec![
        node("x", Op::Input, vec![], vec![1, 1]),
        node("x2", Op::Binary(BinaryKind::Mul), vec![0, 0], vec![1, 1]),
        node("x4", Op::Binary(BinaryKind::Mul), vec![1, 1], vec![1, 1]),
        node("x8", Op::Binary(BinaryKind::Mul), vec![2, 2], vec![1, 1]),
        node("t", Op::Const(Tensor::new(vec![1], vec![1e20])), vec![], vec![1]),
        node("le", Op::Compare { strict: false }, vec![3, 4], vec![1, 1]),
    ];
    let err =
        quantize(&graph(nodes, vec![5]), &[vec![1.0]], &QuantizeOptions { bits: 8, fixed_scale: Some(0) }).unwrap_err();
    assert!(err.contains("does not fit 64 bits"), "{err}");
}

/// `y = [x^5 ≤ x]` at scale −16: x^5 at scale −80, x at −16. The alignment `1 << 64` wrapped to
/// 1 in a release build, so 2^80 ≤ 2^16 was proved. Scales that far apart are now refused.
#[test]
fn operand_scales_too_far_apart_are_refused_rather_than_wrapped() {
    let nodes = vec![
        node("x", Op::Input, vec![], vec![1, 1]),
        node("x2", Op::Binary(BinaryKind::Mul), vec![0, 0], vec![1, 1]),
        node("x4", Op::Binary(BinaryKind::Mul), vec![1, 1], vec![1, 1]),
        node("x5", Op::Binary(BinaryKind::Mul), vec![2, 0], vec![1, 1]),
        node("le", Op::Compare { strict: false }, vec![3, 0], vec![1, 1]),
    ];
    let err = quantize(&graph(nodes, vec![4]), &[vec![65536.0]], &QuantizeOptions { bits: 8, fixed_scale: Some(-16) })
        .unwrap_err();
    assert!(err.contains("too far to align"), "{err}");
}
