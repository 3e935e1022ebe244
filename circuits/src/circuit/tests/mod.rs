//! MockProver tests of the model circuit on small hand-built graphs: honest witnesses pass, and a
//! mutated cell in each gadget (wrong product, remainder, relu output, out-of-range quotient,
//! wrong constant, wrong instance) is caught by the constraint meant to catch it.

mod adversarial;
mod freivalds;
mod lanes;
mod lint;
mod salted;
mod salted_audit;
mod verifier_layouts;

use super::config::ModelConfig;
use super::cost::{choose_params, params_for, stats, Layout};
use super::visibility::{ModelVisibility, Visibility};
use super::*;
use crate::ir::{BinaryKind, Graph, Node, Nonlinearity, Op, Tensor};
use crate::quantize::{quantize, QuantizeOptions};
use halo2_proofs::{
    circuit::Value,
    dev::{MockProver, VerifyFailure},
    plonk::{Advice, Any, Column},
};

fn node(name: &str, op: Op, inputs: Vec<usize>, shape: Vec<usize>) -> Node {
    Node { name: name.into(), op, inputs, shape }
}

/// x[1,4] -> Linear(4->3) -> Relu -> Linear(3->2) -> out, and Sigmoid of it; also
/// (x * c) + x for Binary, Relu(x), Tanh(x), a Select with zero padding, and the max and min
/// of x's two halves, that 2x2 matrix squared (MatMul of two computed tensors), and its
/// elements compared with per-column thresholds.
fn test_graph() -> Graph {
    let w1 = Tensor::new(vec![4, 3], vec![0.5, -0.25, 1.0, -0.75, 0.3, 0.2, 0.1, 0.9, -0.4, 0.6, -0.1, 0.05]);
    let b1 = Tensor::new(vec![3], vec![0.1, -0.2, 0.05]);
    let w2 = Tensor::new(vec![3, 2], vec![1.5, -0.5, 0.25, 0.75, -1.0, 0.4]);
    let c = Tensor::new(vec![4], vec![0.5, -1.5, 2.0, 0.25]);
    Graph {
        guards: Vec::new(),
        nodes: vec![
            node("x", Op::Input, vec![], vec![1, 4]),
            node("fc1", Op::Linear { weight: w1, bias: Some(b1) }, vec![0], vec![1, 3]),
            node("relu1", Op::Relu, vec![1], vec![1, 3]),
            node("fc2", Op::Linear { weight: w2, bias: None }, vec![2], vec![1, 2]),
            node("c", Op::Const(c), vec![], vec![4]),
            node("mul", Op::Binary(BinaryKind::Mul), vec![0, 4], vec![1, 4]),
            node("add", Op::Binary(BinaryKind::Add), vec![5, 0], vec![1, 4]),
            node("relu2", Op::Relu, vec![0], vec![1, 4]),
            node("sigmoid", Op::Unary(Nonlinearity::Sigmoid), vec![3], vec![1, 2]),
            node("tanh", Op::Unary(Nonlinearity::Tanh), vec![0], vec![1, 4]),
            node("padded", Op::Select { sources: vec![Some(3), None, Some(0)] }, vec![0], vec![3]),
            node("windows", Op::Reshape, vec![0], vec![2, 2]),
            node("max", Op::Extremum { max: true }, vec![11], vec![2]),
            node("min", Op::Extremum { max: false }, vec![11], vec![2]),
            node("matmul", Op::MatMul, vec![11, 11], vec![2, 2]),
            node("thresholds", Op::Const(Tensor::new(vec![2], vec![0.5, 1.0])), vec![], vec![2]),
            node("less_equal", Op::Compare { strict: false }, vec![11, 15], vec![2, 2]),
        ],
        input: 0,
        outputs: vec![3, 6, 7, 8, 9, 10, 12, 13, 14, 16],
    }
}

const SAMPLE: [f64; 4] = [0.8, -1.2, 0.5, 2.0];

struct Setup {
    circuit: ModelCircuit,
    instances: Vec<Fr>,
}

/// The test graph at 8 bits: at `width` with one-limb range checks (the layout the row
/// arithmetic of the tests below assumes), or the compiler's choice for `None`.
fn setup(width: Option<usize>) -> Setup {
    setup_with(width, 1)
}

fn setup_with(width: Option<usize>, limbs: u32) -> Setup {
    setup_visible(width, limbs, ModelVisibility::default())
}

fn setup_visible(width: Option<usize>, limbs: u32, visibility: ModelVisibility) -> Setup {
    setup_layout(width, limbs, 3, visibility)
}

fn setup_layout(width: Option<usize>, limbs: u32, range_columns: usize, visibility: ModelVisibility) -> Setup {
    setup_graph(test_graph(), &SAMPLE, |model| match width {
        Some(width) => params_for(
            model,
            Layout { width, limbs, range_columns, pack: false, fold: false, freivalds: false },
            visibility,
        )
        .unwrap(),
        None => choose_params(model, None, visibility, Default::default()).unwrap(),
    })
}

/// The circuit of `graph` quantized at 8 bits on `sample`, in the layout `choose` picks, with the
/// honest witness and instances for `sample`.
fn setup_graph(
    graph: Graph,
    sample: &[f64],
    choose: impl FnOnce(&crate::quantize::QuantizedModel) -> CircuitParams,
) -> Setup {
    setup_opened(graph, sample, choose, None)
}

/// [`setup_graph`] with a salted input's owner and salt.
fn setup_opened(
    graph: Graph,
    sample: &[f64],
    choose: impl FnOnce(&crate::quantize::QuantizedModel) -> CircuitParams,
    opening: Option<visibility::Opening>,
) -> Setup {
    let model = quantize(&graph, &[sample.to_vec()], &QuantizeOptions { bits: 8, fixed_scale: None }).unwrap();
    let params = choose(&model);
    let input = model.quantize_input(sample).unwrap();
    let witness = model.evaluate(&input).unwrap();
    let outputs: Vec<Vec<i128>> = model.outputs.iter().map(|&o| witness.out[o].clone()).collect();
    let instances = ModelCircuit::instances(&params, &model, &input, &outputs, opening.as_ref());
    Setup { circuit: ModelCircuit::new(Arc::new(model), params, Some(input)).with_opening(opening), instances }
}

/// Which advice column a tampering writes to.
#[derive(Clone, Copy)]
enum Col {
    Main(usize),
    Lookup(usize),
}

/// The model circuit with some advice cells overwritten after synthesis (halo2-axiom regions
/// use absolute rows, so a later assignment replaces the honest value).
#[derive(Clone)]
struct Tampered {
    inner: ModelCircuit,
    cells: Vec<(Col, usize, Fr)>,
}

impl Circuit<Fr> for Tampered {
    type Config = ModelConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = CircuitParams;

    fn without_witnesses(&self) -> Self {
        Self { inner: self.inner.without_witnesses(), cells: vec![] }
    }
    fn params(&self) -> CircuitParams {
        self.inner.params
    }
    fn configure_with_params(meta: &mut ConstraintSystem<Fr>, params: CircuitParams) -> ModelConfig {
        ModelConfig::configure(meta, params)
    }
    fn configure(_: &mut ConstraintSystem<Fr>) -> ModelConfig {
        unreachable!()
    }
    fn synthesize(&self, config: ModelConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        self.inner.synthesize(config.clone(), layouter.namespace(|| "model"))?;
        layouter.assign_region(
            || "tamper",
            |mut region| {
                for &(col, row, value) in &self.cells {
                    let column: Column<Advice> = match col {
                        Col::Main(i) => config.main[i],
                        Col::Lookup(i) => config.lookup[i],
                    };
                    region.assign_advice(column, row, Value::known(value));
                }
                Ok(())
            },
        )
    }
}

fn mock(
    circuit: &impl Circuit<Fr, Params = CircuitParams>,
    params: CircuitParams,
    instances: &[Fr],
) -> Result<(), Vec<VerifyFailure>> {
    MockProver::run(params.k, circuit, vec![instances.to_vec()]).unwrap().verify()
}

/// Value of an advice cell in the honest assignment.
fn honest_value(s: &Setup, col: Col, row: usize) -> Fr {
    let prover = MockProver::run(s.circuit.params.k, &s.circuit, vec![s.instances.clone()]).unwrap();
    let mut cs = ConstraintSystem::<Fr>::default();
    let config = ModelConfig::configure(&mut cs, s.circuit.params);
    let column = match col {
        Col::Main(i) => config.main[i],
        Col::Lookup(i) => config.lookup[i],
    };
    match prover.advice_values(column)[row] {
        halo2_proofs::dev::AdviceCellValue::Assigned(ref v) => v.evaluate(),
        _ => Fr::zero(),
    }
}

/// Row layout of `test_graph` (each layer starts where the previous ended).
struct Rows {
    fc1_first_dot: usize,
    fc1_first_requant: usize,
}

fn rows(s: &Setup) -> Rows {
    let st = stats(&s.circuit.model, s.circuit.params);
    let input_rows = st.layers[0].rows;
    let dot_rows = s.circuit.params.dot_rows(4) * 3;
    Rows { fc1_first_dot: FIRST_ROW + input_rows, fc1_first_requant: FIRST_ROW + input_rows + dot_rows }
}

fn tamper(s: &Setup, cells: Vec<(Col, usize, Fr)>) -> Vec<VerifyFailure> {
    let t = Tampered { inner: s.circuit.clone(), cells };
    mock(&t, s.circuit.params, &s.instances).expect_err("a tampered witness must not verify")
}

fn has_gate_failure(failures: &[VerifyFailure], gate: &str) -> bool {
    failures.iter().any(|f| matches!(f, VerifyFailure::ConstraintNotSatisfied { constraint, .. } if format!("{constraint:?}").contains(gate)))
}

/// Whether a copy constraint through the advice cell `(column, row)` fails: pinned to a constant,
/// the cell is in one copy cycle with the constants column (`RegionCtx` pins each value once and
/// copies later cells to the first).
fn copy_fails_at(failures: &[VerifyFailure], column: Column<Advice>, row: usize) -> bool {
    failures.iter().any(|f| {
        matches!(f, VerifyFailure::Permutation { column: c, location: halo2_proofs::dev::FailureLocation::OutsideRegion { row: r } }
            if c.index() == column.index() && matches!(c.column_type(), Any::Advice(_)) && *r == row)
    })
}

fn has_lookup_failure(failures: &[VerifyFailure]) -> bool {
    failures.iter().any(|f| matches!(f, VerifyFailure::Lookup { .. }))
}

#[test]
fn honest_witness_satisfies_every_width() {
    for width in [4, 6, 9, 16] {
        let s = setup(Some(width));
        assert_eq!(mock(&s.circuit, s.circuit.params, &s.instances), Ok(()), "width {width}");
    }
}

#[test]
fn layout_uses_the_rows_the_cost_model_predicts() {
    let s = setup(Some(6));
    let st = stats(&s.circuit.model, s.circuit.params);
    assert!(st.used_rows <= st.usable_rows);
    // the input's range checks: 3 lanes (one per range-checked column), so ceil(4 / 3) = 2
    // rows; fc1: 3 outputs x ceil(4 / 5) rows + 3 requant rows
    assert_eq!((st.layers[0].rows, st.layers[0].lookups), (2, 4));
    assert_eq!(st.layers[1].rows, 3 + 3);
    assert_eq!(st.layers[1].lookups, 9);
}

#[test]
fn quantized_outputs_track_the_float_graph() {
    let s = setup(None);
    let model = &s.circuit.model;
    let witness = model.evaluate(s.circuit.input.as_deref().unwrap()).unwrap();
    let float = test_graph().eval_f64(&SAMPLE);
    for (out, &o) in model.dequantized_outputs(&witness).iter().zip(&model.outputs) {
        for (q, f) in out.iter().zip(&float[o]) {
            // 8-bit activations, 1 bit of headroom: error well under 0.1 on values of magnitude ~3
            assert!((q - f).abs() < 0.1, "{q} vs {f}");
        }
    }
}

#[test]
fn wrong_public_output_fails() {
    let s = setup(None);
    let mut instances = s.instances.clone();
    *instances.last_mut().unwrap() += Fr::one();
    let failures = mock(&s.circuit, s.circuit.params, &instances).unwrap_err();
    assert!(failures.iter().any(|f| matches!(f, VerifyFailure::Permutation { .. })));
}

#[test]
fn wrong_dot_product_fails_the_dot_gate() {
    let s = setup(Some(6));
    let r = rows(&s);
    let acc = Col::Main(5);
    let v = honest_value(&s, acc, r.fc1_first_dot) + Fr::one();
    assert!(has_gate_failure(&tamper(&s, vec![(acc, r.fc1_first_dot, v)]), "dot"));
}

#[test]
fn wrong_weight_copy_fails_the_copy_constraint() {
    let s = setup(Some(6));
    let r = rows(&s);
    let v = honest_value(&s, Col::Main(0), r.fc1_first_dot) + Fr::one();
    let failures = tamper(&s, vec![(Col::Main(0), r.fc1_first_dot, v)]);
    assert!(failures.iter().any(|f| matches!(f, VerifyFailure::Permutation { .. })));
}

#[test]
fn wrong_remainder_fails_the_requant_gate() {
    let s = setup(Some(6));
    let r = rows(&s);
    let v = honest_value(&s, Col::Lookup(0), r.fc1_first_requant) + Fr::one();
    assert!(has_gate_failure(&tamper(&s, vec![(Col::Lookup(0), r.fc1_first_requant, v)]), "requant"));
}

#[test]
fn wrong_relu_output_fails_the_requant_gate() {
    let s = setup(Some(6));
    let r = rows(&s);
    let y = Col::Main(1);
    let v = honest_value(&s, y, r.fc1_first_requant) + Fr::one();
    assert!(has_gate_failure(&tamper(&s, vec![(y, r.fc1_first_requant, v)]), "requant"));
}

#[test]
fn relu_passing_a_negative_value_fails() {
    // claim q = -p: put the quotient into n instead of p; y = p = 0 is no longer what p says
    let s = setup(Some(6));
    let row = rows(&s).fc1_first_requant;
    let (p, n) = (honest_value(&s, Col::Lookup(1), row), honest_value(&s, Col::Lookup(2), row));
    let failures = tamper(&s, vec![(Col::Lookup(1), row, n), (Col::Lookup(2), row, p)]);
    assert!(has_gate_failure(&failures, "requant"));
}

#[test]
fn out_of_range_quotient_fails_the_lookup() {
    // q' = q + 1 and u' = u - 2^bits satisfy the gate equation; only the range lookup on u'
    // (now a huge field element) catches it.
    let s = setup(Some(6));
    let row = rows(&s).fc1_first_requant;
    let two_t = Fr::from(1u64 << s.circuit.params.bits);
    let (u, p, n, y) = (
        honest_value(&s, Col::Lookup(0), row),
        honest_value(&s, Col::Lookup(1), row),
        honest_value(&s, Col::Lookup(2), row),
        honest_value(&s, Col::Main(1), row),
    );
    assert_eq!(n, Fr::zero(), "the first fc1 output is positive for this sample");
    let cells = vec![
        (Col::Lookup(0), row, u - two_t),
        (Col::Lookup(1), row, p + Fr::one()),
        (Col::Main(1), row, y + Fr::one()),
    ];
    let failures = tamper(&s, cells);
    assert!(has_lookup_failure(&failures));
    assert!(!has_gate_failure(&failures, "requant"), "the gate equation itself still holds");
}

#[test]
fn wrong_binary_result_fails_the_arith_gate() {
    let s = setup(Some(6));
    let st = stats(&s.circuit.model, s.circuit.params);
    // rows before the Mul node: input, fc1, relu1 (fused), fc2, const
    let mul_row = FIRST_ROW + st.layers[..5].iter().map(|l| l.rows).sum::<usize>();
    let c = Col::Main(2);
    let v = honest_value(&s, c, mul_row) + Fr::one();
    assert!(has_gate_failure(&tamper(&s, vec![(c, mul_row, v)]), "arith"));
}

#[test]
fn wrong_constant_fails_the_constant_copy() {
    let s = setup(Some(6));
    let st = stats(&s.circuit.model, s.circuit.params);
    let const_row = FIRST_ROW + st.layers[..4].iter().map(|l| l.rows).sum::<usize>();
    let v = honest_value(&s, Col::Main(0), const_row) + Fr::one();
    let failures = tamper(&s, vec![(Col::Main(0), const_row, v)]);
    assert!(failures.iter().any(|f| matches!(f, VerifyFailure::Permutation { .. })));
}

#[test]
fn wrong_nonlinear_output_fails_the_table_lookup() {
    wrong_nonlinear_output(&setup(Some(6)));
}

fn wrong_nonlinear_output(s: &Setup) {
    let st = stats(&s.circuit.model, s.circuit.params);
    assert_eq!(s.circuit.model.luts.len(), 2, "one table per function");
    let sigmoid_row = FIRST_ROW + st.layers[..8].iter().map(|l| l.rows).sum::<usize>();
    let y = Col::Main(1);
    let v = honest_value(s, y, sigmoid_row) + Fr::one();
    let failures = tamper(s, vec![(y, sigmoid_row, v)]);
    assert!(has_lookup_failure(&failures), "{failures:?}");
    // a wrong input value breaks the copy from the Linear output
    let x = Col::Main(0);
    let v = honest_value(s, x, sigmoid_row) + Fr::one();
    assert!(tamper(s, vec![(x, sigmoid_row, v)]).iter().any(|f| matches!(f, VerifyFailure::Permutation { .. })));
}

#[test]
fn padding_zero_is_pinned_to_the_constant() {
    let s = setup(Some(6));
    let st = stats(&s.circuit.model, s.circuit.params);
    let zero_row = FIRST_ROW + st.layers[..10].iter().map(|l| l.rows).sum::<usize>();
    assert_eq!(st.layers[10].rows, 1, "one row for the zero cell");
    let failures = tamper(&s, vec![(Col::Main(0), zero_row, Fr::one())]);
    assert!(failures.iter().any(|f| matches!(f, VerifyFailure::Permutation { .. })));
}

/// Rows of the `max` layer (node 12); each of its 2 windows has 2 rows.
fn max_row(s: &Setup) -> usize {
    let st = stats(&s.circuit.model, s.circuit.params);
    FIRST_ROW + st.layers[..12].iter().map(|l| l.rows).sum::<usize>()
}

#[test]
fn max_larger_than_every_element_fails_the_zero_product() {
    // SAMPLE = [0.8, -1.2, 0.5, 2.0]: window 0 is [0.8, -1.2], its max 0.8 sits at row +0
    let s = setup(Some(6));
    let row = max_row(&s);
    let (m, d0, d1) = (
        honest_value(&s, Col::Main(0), row),
        honest_value(&s, Col::Lookup(0), row),
        honest_value(&s, Col::Lookup(0), row + 1),
    );
    assert_eq!(d0, Fr::zero(), "the first element is the max");
    // claim m + 1: both differences grow by 1 and stay in range, the products follow, but the
    // last product is no longer 0
    let p0 = d0 + Fr::one();
    let p1 = p0 * (d1 + Fr::one());
    let cells = vec![
        (Col::Main(0), row, m + Fr::one()),
        (Col::Main(0), row + 1, m + Fr::one()),
        (Col::Lookup(0), row, d0 + Fr::one()),
        (Col::Lookup(0), row + 1, d1 + Fr::one()),
        (Col::Main(2), row, p0),
        (Col::Main(2), row + 1, p1),
    ];
    let failures = tamper(&s, cells);
    assert!(!has_gate_failure(&failures, "extremum"), "the gate equations hold");
    // the last product, pinned to the constant 0, is what refuses it
    let product = ModelConfig::configure(&mut ConstraintSystem::<Fr>::default(), s.circuit.params).main[2];
    assert!(copy_fails_at(&failures, product, row + 1), "the pinned zero product catches it: {failures:?}");
}

#[test]
fn max_smaller_than_an_element_fails_the_range_check() {
    // claim m = -1.2 (the other element): d for 0.8 becomes negative, a huge field element
    let s = setup(Some(6));
    let row = max_row(&s);
    let (m, x0, x1) = (
        honest_value(&s, Col::Main(0), row),
        honest_value(&s, Col::Main(1), row),
        honest_value(&s, Col::Main(1), row + 1),
    );
    assert_eq!(m, x0);
    let cells = vec![
        (Col::Main(0), row, x1),
        (Col::Main(0), row + 1, x1),
        (Col::Lookup(0), row, x1 - x0),
        (Col::Lookup(0), row + 1, Fr::zero()),
        (Col::Main(2), row, x1 - x0),
        (Col::Main(2), row + 1, Fr::zero()),
    ];
    let failures = tamper(&s, cells);
    assert!(has_lookup_failure(&failures), "{failures:?}");
}

#[test]
fn wrong_activation_product_fails_the_pair_dot_gate() {
    let s = setup(Some(6));
    let st = stats(&s.circuit.model, s.circuit.params);
    let row = FIRST_ROW + st.layers[..14].iter().map(|l| l.rows).sum::<usize>();
    let acc = Col::Main(5);
    let v = honest_value(&s, acc, row) + Fr::one();
    assert!(has_gate_failure(&tamper(&s, vec![(acc, row, v)]), "pair dot"));
    // a wrong copy of an operand breaks the copy constraint
    let v = honest_value(&s, Col::Main(0), row) + Fr::one();
    assert!(tamper(&s, vec![(Col::Main(0), row, v)]).iter().any(|f| matches!(f, VerifyFailure::Permutation { .. })));
}

/// The first row of the `less_equal` layer (node 16): `x[0..2] <= [0.5, 1.0]` then `x[2..4]`.
fn compare_row(s: &Setup) -> usize {
    let st = stats(&s.circuit.model, s.circuit.params);
    FIRST_ROW + st.layers[..16].iter().map(|l| l.rows).sum::<usize>()
}

#[test]
fn compared_constants_keep_the_float_result() {
    let s = setup(Some(6));
    let model = &s.circuit.model;
    let witness = model.evaluate(&model.quantize_input(&SAMPLE).unwrap()).unwrap();
    // [0.8 <= 0.5, -1.2 <= 1.0, 0.5 <= 0.5, 2.0 <= 1.0]
    assert_eq!(witness.out[16], vec![0, 1, 1, 0]);
    assert_eq!(model.nodes[15].scale, model.nodes[11].scale, "thresholds re-quantized at the compared value's scale");
}

/// `e = a − b` of the comparison lane at `row` (a threshold at its operand's scale: `ca = 1`,
/// `cb = −1`).
fn compared_difference(s: &Setup, row: usize) -> Fr {
    let crate::quantize::QOp::Compare { ca: 1, cb: -1, .. } = s.circuit.model.nodes[16].op else {
        panic!("less_equal compares at one scale")
    };
    honest_value(s, Col::Main(0), row) - honest_value(s, Col::Main(1), row)
}

#[test]
fn flipped_comparison_fails_the_compare_gate() {
    let s = setup(Some(6));
    let row = compare_row(&s);
    let c = Col::Main(2);
    assert_eq!(honest_value(&s, c, row), Fr::zero(), "0.8 <= 0.5 is false");
    assert!(has_gate_failure(&tamper(&s, vec![(c, row, Fr::one())]), "compare"));
    // a non-boolean result fails too, even with r adjusted
    assert!(has_gate_failure(&tamper(&s, vec![(c, row, Fr::from(2u64))]), "compare"));
}

#[test]
fn flipped_comparison_with_a_matching_witness_fails_the_range_check() {
    // claim 0.8 <= 0.5 and give the r that satisfies the gate: r = off - 1 - e = -e, negative
    let s = setup(Some(6));
    let row = compare_row(&s);
    let e = compared_difference(&s, row);
    let cells = vec![(Col::Main(2), row, Fr::one()), (Col::Lookup(0), row, -e)];
    let failures = tamper(&s, cells);
    assert!(!has_gate_failure(&failures, "compare"), "the gate equations hold");
    assert!(has_lookup_failure(&failures), "{failures:?}");
}

// Two-limb range checks: every checked value is `lo + 2^(bits/2)·hi`, `hi` in the row below (or,
// for the max gadget, the next range-checked column).

#[test]
fn honest_witness_satisfies_two_limb_layouts() {
    for width in [4, 6, 9, 16] {
        let s = setup_with(Some(width), 2);
        assert_eq!(s.circuit.params.limbs, 2);
        assert_eq!(mock(&s.circuit, s.circuit.params, &s.instances), Ok(()), "width {width}");
    }
    // the range table shrinks from 2^8 to 2^4 rows (here the function tables still set k)
    let (one, two) = (setup(Some(6)), setup_with(Some(6), 2));
    let (t1, t2) = (
        stats(&one.circuit.model, one.circuit.params).lookup_table_rows,
        stats(&two.circuit.model, two.circuit.params).lookup_table_rows,
    );
    assert_eq!(t1 - t2, 256 - 16);
}

#[test]
fn two_limb_wrong_high_limb_fails_the_requant_gate() {
    let s = setup_with(Some(6), 2);
    let row = rows(&s).fc1_first_requant;
    let v = honest_value(&s, Col::Lookup(0), row + 1) + Fr::one();
    assert!(has_gate_failure(&tamper(&s, vec![(Col::Lookup(0), row + 1, v)]), "requant"));
}

#[test]
fn two_limb_out_of_range_quotient_fails_the_lookup() {
    // q' = q + 1 and u' = u - 2^bits: the gate holds when u's limbs encode u', but u' < 0
    // forces a limb outside the 2^(bits/2) table
    let s = setup_with(Some(6), 2);
    let row = rows(&s).fc1_first_requant;
    let half = 1u64 << (s.circuit.params.bits / 2);
    let (u_hi, p, y) = (
        honest_value(&s, Col::Lookup(0), row + 1),
        honest_value(&s, Col::Lookup(1), row),
        honest_value(&s, Col::Main(1), row),
    );
    // u' = u_lo + half·(u_hi − half): the high limb becomes negative
    let cells = vec![
        (Col::Lookup(0), row + 1, u_hi - Fr::from(half)),
        (Col::Lookup(1), row, p + Fr::one()),
        (Col::Main(1), row, y + Fr::one()),
    ];
    let failures = tamper(&s, cells);
    assert!(!has_gate_failure(&failures, "requant"), "the gate equation itself still holds");
    assert!(has_lookup_failure(&failures), "{failures:?}");
}

#[test]
fn two_limb_flipped_comparison_fails_the_range_check() {
    let s = setup_with(Some(6), 2);
    let row = compare_row(&s);
    let e = compared_difference(&s, row);
    // claim 0.8 <= 0.5 with the r that satisfies the gate, r = -e < 0, split as (0, r / 2^(bits/2)):
    // the high limb is a huge field element
    let half = Fr::from(1u64 << (s.circuit.params.bits / 2));
    let r = -e;
    let lo = Fr::zero();
    let hi = r * half.invert().unwrap();
    let failures =
        tamper(&s, vec![(Col::Main(2), row, Fr::one()), (Col::Lookup(0), row, lo), (Col::Lookup(0), row + 1, hi)]);
    assert!(!has_gate_failure(&failures, "compare"), "the gate equations hold");
    assert!(has_lookup_failure(&failures), "{failures:?}");
}

#[test]
fn two_limb_max_below_an_element_fails_the_range_check() {
    let s = setup_with(Some(6), 2);
    let row = max_row(&s);
    let (x0, x1) = (honest_value(&s, Col::Main(1), row), honest_value(&s, Col::Main(1), row + 1));
    // claim m = x1 (the smaller one): d0 = x1 - x0 < 0, written as hi limb only
    let half = Fr::from(1u64 << (s.circuit.params.bits / 2));
    let cells = vec![
        (Col::Main(0), row, x1),
        (Col::Main(0), row + 1, x1),
        (Col::Lookup(0), row, Fr::zero()),
        (Col::Lookup(1), row, (x1 - x0) * half.invert().unwrap()),
        (Col::Lookup(0), row + 1, Fr::zero()),
        (Col::Lookup(1), row + 1, Fr::zero()),
        (Col::Main(2), row, x1 - x0),
        (Col::Main(2), row + 1, Fr::zero()),
    ];
    let failures = tamper(&s, cells);
    assert!(!has_gate_failure(&failures, "extremum"), "the gate equations hold");
    assert!(has_lookup_failure(&failures), "{failures:?}");
}

// Visibility: hashed and private tensors.

fn hashed_input_private_output() -> ModelVisibility {
    ModelVisibility { input: Visibility::Hashed, output: Visibility::Private, ..ModelVisibility::default() }
}

#[test]
fn hashed_and_private_tensors_expose_only_the_commitment() {
    let s = setup_visible(Some(6), 1, hashed_input_private_output());
    assert_eq!(s.instances, vec![super::visibility::commitment(s.circuit.input.as_deref().unwrap())]);
    assert_eq!(mock(&s.circuit, s.circuit.params, &s.instances), Ok(()));
    // both hashed: two commitments
    let both = ModelVisibility { input: Visibility::Hashed, output: Visibility::Hashed, ..ModelVisibility::default() };
    let s = setup_visible(Some(6), 1, both);
    assert_eq!(s.instances.len(), 2);
    assert_eq!(mock(&s.circuit, s.circuit.params, &s.instances), Ok(()));
}

#[test]
fn a_commitment_to_another_input_fails() {
    let s = setup_visible(Some(6), 1, hashed_input_private_output());
    let mut other = s.circuit.input.as_deref().unwrap().clone();
    other[0] += 1;
    let wrong = vec![super::visibility::commitment(&other)];
    assert!(mock(&s.circuit, s.circuit.params, &wrong).is_err());
}

/// The first row of the input commitment (laid out after every layer).
fn hash_row(s: &Setup) -> usize {
    let st = stats(&s.circuit.model, s.circuit.params);
    let layers = s.circuit.model.nodes.len();
    assert_eq!(st.layers[layers].op, "Poseidon");
    FIRST_ROW + st.layers[..layers].iter().map(|l| l.rows).sum::<usize>()
}

#[test]
fn wrong_poseidon_state_fails_the_round_gate() {
    let s = setup_visible(Some(6), 1, hashed_input_private_output());
    // row +1 is the first full round: its state word 1 and its S-box square
    let row = hash_row(&s) + 1;
    let v = honest_value(&s, Col::Main(1), row + 1) + Fr::one();
    assert!(has_gate_failure(&tamper(&s, vec![(Col::Main(1), row + 1, v)]), "poseidon full round"));
    let v = honest_value(&s, Col::Main(3), row) + Fr::one();
    assert!(has_gate_failure(&tamper(&s, vec![(Col::Main(3), row, v)]), "poseidon full round"));
    // a partial round (rounds 4..61)
    let v = honest_value(&s, Col::Main(2), row + 10) + Fr::one();
    assert!(has_gate_failure(&tamper(&s, vec![(Col::Main(2), row + 10, v)]), "poseidon partial round"));
}

#[test]
fn a_different_absorbed_value_fails_the_copy_or_the_absorb_gate() {
    let s = setup_visible(Some(6), 1, hashed_input_private_output());
    let row = hash_row(&s);
    // the absorbed message word is a copy of an input cell
    let m = honest_value(&s, Col::Main(3), row) + Fr::one();
    assert!(tamper(&s, vec![(Col::Main(3), row, m)]).iter().any(|f| matches!(f, VerifyFailure::Permutation { .. })));
    // the state after absorbing must be the sum
    let v = honest_value(&s, Col::Main(0), row + 1) + Fr::one();
    assert!(has_gate_failure(&tamper(&s, vec![(Col::Main(0), row + 1, v)]), "poseidon absorb"));
}

#[test]
fn inputs_and_outputs_cannot_be_fixed() {
    let model = quantize(&test_graph(), &[SAMPLE.to_vec()], &QuantizeOptions { bits: 8, fixed_scale: None }).unwrap();
    let fixed_input = ModelVisibility { input: Visibility::Fixed, ..ModelVisibility::default() };
    assert!(choose_params(&model, None, fixed_input, Default::default()).unwrap_err().contains("input-visibility"));
}

// Witness parameters: every weight, bias and constant is an advice cell.

#[test]
fn hashed_parameters_pin_every_weight() {
    let vis = ModelVisibility { output: Visibility::Private, params: Visibility::Hashed, ..ModelVisibility::default() };
    let s = setup_visible(Some(6), 1, vis);
    assert!(s.circuit.params.pair_dot, "witness weights are multiplied with the pair-dot gadget");
    assert_eq!(mock(&s.circuit, s.circuit.params, &s.instances), Ok(()));
    // the prover swaps in one different weight: a consistent witness for that model, but its
    // parameters no longer hash to the pinned commitment (the outputs are private, so nothing else
    // could catch it)
    let mut other = (*s.circuit.model).clone();
    let crate::quantize::QOp::Linear { weight, .. } = &mut other.nodes[1].op else { panic!("node 1 is fc1") };
    weight[0] += 1;
    let swapped = ModelCircuit::new(Arc::new(other.clone()), s.circuit.params, s.circuit.input.as_deref().cloned());
    assert!(mock(&swapped, s.circuit.params, &s.instances).is_err());
    // against the commitment to its own weights it verifies: the commitment is what binds
    let input = s.circuit.input.as_deref().unwrap();
    let own = ModelCircuit::instances(&s.circuit.params, &other, input, &[], None);
    assert_ne!(own, s.instances);
    assert_eq!(mock(&swapped, s.circuit.params, &own), Ok(()));
}

#[test]
fn a_wrong_witness_weight_cell_fails_the_parameter_hash_or_the_dot_product() {
    let vis = ModelVisibility { params: Visibility::Hashed, ..ModelVisibility::default() };
    let s = setup_visible(Some(6), 1, vis);
    // fc1's weights are the first cells loaded after the input: row FIRST_ROW + input rows
    let row = FIRST_ROW + stats(&s.circuit.model, s.circuit.params).layers[0].rows;
    let v = honest_value(&s, Col::Main(0), row) + Fr::one();
    let failures = tamper(&s, vec![(Col::Main(0), row, v)]);
    assert!(failures.iter().any(|f| matches!(f, VerifyFailure::Permutation { .. })), "{failures:?}");
}

// One range-checked column: a requantization's u, p, n one under the other.

#[test]
fn honest_witness_satisfies_one_column_layouts() {
    for width in [4, 6, 9, 16] {
        let s = setup_layout(Some(width), 1, 1, ModelVisibility::default());
        assert_eq!(s.circuit.params.range_columns, 1);
        assert_eq!(mock(&s.circuit, s.circuit.params, &s.instances), Ok(()), "width {width}");
    }
    let (three, one) = (setup(Some(6)), setup_layout(Some(6), 1, 1, ModelVisibility::default()));
    let (s3, s1) = (stats(&three.circuit.model, three.circuit.params), stats(&one.circuit.model, one.circuit.params));
    assert_eq!(s3.lookup_arguments - s1.lookup_arguments, 2);
    assert_eq!(s3.advice_columns - s1.advice_columns, 2);
    // two limbs stacked in the one column, the max gadget's included
    for width in [4, 6, 9] {
        let s = setup_layout(Some(width), 2, 1, ModelVisibility::default());
        assert_eq!(mock(&s.circuit, s.circuit.params, &s.instances), Ok(()), "two limbs, width {width}");
    }
}

#[test]
fn one_column_two_limb_max_below_an_element_fails_the_range_check() {
    // as `two_limb_max_below_an_element_fails_the_range_check`, the high limb in the row below
    let s = setup_layout(Some(6), 2, 1, ModelVisibility::default());
    let row = max_row(&s);
    let (x0, x1) = (honest_value(&s, Col::Main(1), row), honest_value(&s, Col::Main(1), row + 2));
    let half = Fr::from(1u64 << (s.circuit.params.bits / 2));
    let cells = vec![
        (Col::Main(0), row, x1),
        (Col::Main(0), row + 2, x1),
        (Col::Lookup(0), row, Fr::zero()),
        (Col::Lookup(0), row + 1, (x1 - x0) * half.invert().unwrap()),
        (Col::Lookup(0), row + 2, Fr::zero()),
        (Col::Lookup(0), row + 3, Fr::zero()),
        (Col::Main(2), row, x1 - x0),
        (Col::Main(2), row + 2, Fr::zero()),
    ];
    let failures = tamper(&s, cells);
    assert!(!has_gate_failure(&failures, "extremum"), "the gate equations hold");
    assert!(has_lookup_failure(&failures), "{failures:?}");
}

#[test]
fn one_column_out_of_range_quotient_fails_the_lookup() {
    one_column_out_of_range_quotient(&setup_layout(Some(6), 1, 1, ModelVisibility::default()));
}

/// The attack of `out_of_range_quotient_fails_the_lookup`, with u, p, n at rows r, r+1, r+2.
fn one_column_out_of_range_quotient(s: &Setup) {
    let row = rows(s).fc1_first_requant;
    let two_t = Fr::from(1u64 << s.circuit.params.bits);
    let (u, p, n, y) = (
        honest_value(s, Col::Lookup(0), row),
        honest_value(s, Col::Lookup(0), row + 1),
        honest_value(s, Col::Lookup(0), row + 2),
        honest_value(s, Col::Main(1), row),
    );
    assert_eq!(n, Fr::zero(), "the first fc1 output is positive for this sample");
    let cells = vec![
        (Col::Lookup(0), row, u - two_t),
        (Col::Lookup(0), row + 1, p + Fr::one()),
        (Col::Main(1), row, y + Fr::one()),
    ];
    let failures = tamper(s, cells);
    assert!(!has_gate_failure(&failures, "requant"), "the gate equation itself still holds");
    assert!(has_lookup_failure(&failures), "{failures:?}");
    // and a wrong negative part fails the gate
    let failures = tamper(s, vec![(Col::Lookup(0), row + 2, Fr::one())]);
    assert!(has_gate_failure(&failures, "requant"));
}

#[test]
fn the_usable_rows_are_the_constraint_systems_own() {
    // one range-checked column and two limbs: u, p, n stacked with their high limbs reach six rows
    // of that column, so halo2 reserves 9 rows at the end, not 8
    let s = setup_layout(Some(6), 2, 1, ModelVisibility::default());
    let mut cs = ConstraintSystem::<Fr>::default();
    let config = ModelConfig::configure(&mut cs, s.circuit.params);
    assert!(cs.blinding_factors() + 1 >= 9, "{}", cs.blinding_factors());
    assert_eq!(config.usable_rows, (1 << s.circuit.params.k) - (cs.blinding_factors() + 1));
    let st = stats(&s.circuit.model, s.circuit.params);
    assert_eq!(st.usable_rows, config.usable_rows);
    // a circuit one row too small for its layers is refused, never written into blinding rows
    let mut tight = s.circuit.params;
    while stats(&s.circuit.model, CircuitParams { k: tight.k - 1, ..tight }).usable_rows >= st.used_rows {
        tight.k -= 1;
    }
    let small = CircuitParams { k: tight.k - 1, ..tight };
    let circuit = ModelCircuit { params: small, ..s.circuit.clone() };
    let instances = ModelCircuit::instances(&small, &s.circuit.model, s.circuit.input.as_deref().unwrap(), &[], None);
    assert!(matches!(
        crate::lint::Recording::run(small.k, &circuit, vec![instances]),
        Err(Error::NotEnoughRowsAvailable { .. })
    ));
}
