use super::*;
use crate::ir::{Node, Tensor};

fn node(name: &str, op: Op, inputs: Vec<usize>, shape: Vec<usize>) -> Node {
    Node { name: name.into(), op, inputs, shape }
}

fn constant(name: &str, shape: Vec<usize>, data: Vec<f32>) -> Node {
    node(name, Op::Const(Tensor::new(shape.clone(), data)), vec![], shape)
}

/// An income in dollars, a ratio in [0, 1] and a count, two borrowers.
const SAMPLES: [[f64; 3]; 2] = [[85_000.0, 0.35, 3.0], [42_000.0, 0.82, 0.0]];

fn samples() -> Vec<Vec<f64>> {
    SAMPLES.iter().map(|s| s.to_vec()).collect()
}

/// The rewritten graph on `x'` gives the original's outputs on `x`.
fn assert_same_outputs(original: &Graph, scaling: &InputScaling, x: &[f64]) {
    let scaled: Vec<f64> = x.iter().zip(&scaling.exponents).map(|(v, &e)| v * 2f64.powi(e)).collect();
    let (before, after) = (original.eval_f64(x), scaling.graph.eval_f64(&scaled));
    for &o in &original.outputs {
        for (a, b) in before[o].iter().zip(&after[o]) {
            assert!((a - b).abs() <= 1e-6 * a.abs().max(1.0), "output {o}: {a} became {b}");
        }
    }
}

/// `[x_income ≤ 50000, x_ratio < 0.5]` after a `Select` of those features: a tree's branches.
fn branches() -> Graph {
    Graph {
        guards: Vec::new(),
        nodes: vec![
            node("x", Op::Input, vec![], vec![1, 3]),
            node("features", Op::Select { sources: vec![Some(0), Some(1)] }, vec![0], vec![2]),
            constant("thresholds", vec![2], vec![50_000.0, 0.5]),
            node("branch", Op::Compare { strict: false }, vec![1, 2], vec![2]),
        ],
        input: 0,
        outputs: vec![3],
    }
}

#[test]
fn spread_features_get_their_own_exponents_and_trees_keep_their_decisions() {
    let graph = branches();
    let scaling = plan(&graph, &samples()).expect("17 bits between the income and the ratio");
    // the income (largest) keeps exponent 0; the ratio and the count are scaled up
    assert_eq!(scaling.exponents[0], 0);
    assert_eq!(scaling.exponents[1], (85_000f64 / 0.82).log2().floor() as i32);
    assert_eq!(scaling.exponents[2], (85_000f64 / 3.0).log2().floor() as i32);
    let Op::Const(t) = &scaling.graph.nodes[2].op else { panic!("the thresholds stay a constant") };
    assert_eq!(t.data[0], 50_000.0);
    assert_eq!(t.data[1] as f64, 0.5 * 2f64.powi(scaling.exponents[1]));
    for x in SAMPLES {
        assert_same_outputs(&graph, &scaling, &x);
    }
}

#[test]
fn scaler_then_linear_folds_into_the_constants_and_weights() {
    // (x − offset) · scale, then a linear score: skl2onnx's StandardScaler + LogisticRegression
    let graph = Graph {
        guards: Vec::new(),
        nodes: vec![
            node("x", Op::Input, vec![], vec![1, 3]),
            constant("offset", vec![3], vec![60_000.0, 0.5, 1.0]),
            node("centred", Op::Binary(BinaryKind::Sub), vec![0, 1], vec![1, 3]),
            constant("scale", vec![3], vec![1e-4, 4.0, 0.5]),
            node("scaled", Op::Binary(BinaryKind::Mul), vec![2, 3], vec![1, 3]),
            node(
                "score",
                Op::Linear { weight: Tensor::new(vec![3, 1], vec![0.7, -1.2, 0.4]), bias: None },
                vec![4],
                vec![1, 1],
            ),
        ],
        input: 0,
        outputs: vec![5],
    };
    let scaling = plan(&graph, &samples()).expect("the Scaler absorbs the factors");
    for x in [[85_000.0, 0.35, 3.0], [42_000.0, 0.82, 0.0], [61_000.0, 0.1, 7.0]] {
        assert_same_outputs(&graph, &scaling, &x);
    }
    // the Linear reads true values again: its weights are unchanged
    assert_eq!(scaling.graph.nodes[5].op, graph.nodes[5].op);
}

#[test]
fn a_linear_reading_the_input_scales_its_weight_rows() {
    let weight = Tensor::new(vec![3, 2], vec![1e-5, 2e-5, 3.0, -1.0, 0.25, 0.5]);
    let graph = Graph {
        guards: Vec::new(),
        nodes: vec![
            node("x", Op::Input, vec![], vec![1, 3]),
            node("y", Op::Linear { weight, bias: None }, vec![0], vec![1, 2]),
        ],
        input: 0,
        outputs: vec![1],
    };
    let scaling = plan(&graph, &samples()).unwrap();
    let Op::Linear { weight, .. } = &scaling.graph.nodes[1].op else { unreachable!() };
    assert_eq!(weight.data[2] as f64, 3.0 * 2f64.powi(-scaling.exponents[1]));
    assert_same_outputs(&graph, &scaling, &SAMPLES[0]);
}

#[test]
fn no_per_feature_scales_where_a_factor_cannot_be_absorbed_or_features_are_alike() {
    // a table reads the input: it needs true values
    let table = Graph {
        guards: Vec::new(),
        nodes: vec![
            node("x", Op::Input, vec![], vec![1, 3]),
            node("t", Op::Unary(crate::ir::Nonlinearity::Tanh), vec![0], vec![1, 3]),
        ],
        input: 0,
        outputs: vec![1],
    };
    assert!(plan(&table, &samples()).is_none());
    // the input itself is an output
    let identity =
        Graph { guards: Vec::new(), nodes: vec![node("x", Op::Input, vec![], vec![1, 3])], input: 0, outputs: vec![0] };
    assert!(plan(&identity, &samples()).is_none());
    // a threshold shared by two comparisons cannot be rewritten for one of them
    let mut shared = branches();
    shared.nodes.push(node("again", Op::Compare { strict: true }, vec![1, 2], vec![2]));
    shared.outputs.push(4);
    assert!(plan(&shared, &samples()).is_none());
    // features within 2^8 of each other keep one scale
    let alike = vec![vec![120.0, 0.9, 3.0]];
    assert!(plan(&branches(), &alike).is_none());
}
