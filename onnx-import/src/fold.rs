//! Folding per-column affine ops into the `Linear` before them, as inference engines do.
//!
//! `Mul(Y, a)` and `Add(Y, c)` with a constant that is the same along everything but `Y`'s
//! output column — a `BatchNormalization` after a `Conv` or `Gemm`, a bias added after a
//! `MatMul`, a per-channel scale — become part of the Linear: `W[:, n] · a_n`, `b_n · a_n + c_n`.
//! `Y` may reach the op through re-wirings (the Conv's NHWC → NCHW `Select`, a `Reshape`)
//! that nothing else reads. The circuit then proves one Linear and one requantization instead of
//! three requantized ops, and the quantized model rounds once instead of three times.

use zkinfer_circuits::ir::{broadcast_source_indices, BinaryKind, Graph, Node, NodeId, Op};
use zkinfer_circuits::Tensor;

/// Folds every foldable `Mul`/`Add` into its Linear; a folded op becomes an identity `Reshape`
/// of its other operand (pruned or passed through later).
pub fn fold_affine_into_linear(mut graph: Graph) -> Graph {
    for id in 0..graph.nodes.len() {
        let Op::Binary(kind @ (BinaryKind::Mul | BinaryKind::Add)) = graph.nodes[id].op else { continue };
        let Some(fold) = foldable(&graph, id) else { continue };
        let Op::Linear { weight, bias } = &mut graph.nodes[fold.linear].op else { unreachable!() };
        let n = fold.per_column.len();
        match kind {
            BinaryKind::Mul => {
                for row in weight.data.chunks_mut(n) {
                    row.iter_mut().zip(&fold.per_column).for_each(|(w, &a)| *w *= a);
                }
                if let Some(b) = bias {
                    b.data.iter_mut().zip(&fold.per_column).for_each(|(b, &a)| *b *= a);
                }
            }
            _ => match bias {
                Some(b) => b.data.iter_mut().zip(&fold.per_column).for_each(|(b, &c)| *b += c),
                None => *bias = Some(Tensor::new(vec![n], fold.per_column.clone())),
            },
        }
        graph.nodes[id].op = Op::Reshape;
        graph.nodes[id].inputs = vec![fold.operand];
    }
    graph
}

/// `Relu(rewire(Linear))` becomes `rewire(Relu(Linear))` when the re-wirings (`Reshape`s and
/// `Select`s: a Conv's NHWC → NCHW transpose, a folded BatchNormalization) have no other reader:
/// a Relu commutes with any re-wiring (and with its zero padding, Relu(0) = 0), and next to its
/// Linear it fuses into the Linear's requantization instead of being a requantization of its own.
pub fn sink_relu_into_linear(mut graph: Graph) -> Graph {
    for id in 0..graph.nodes.len() {
        if graph.nodes[id].op != Op::Relu {
            continue;
        }
        let consumers = graph.consumer_counts();
        let Some(chain) = rewiring_chain(&graph, graph.nodes[id].inputs[0], &consumers) else { continue };
        // chain: the re-wirings from the Linear's reader up to the Relu's input; shift each op up
        // one node and put the Relu at the bottom, so every id keeps its readers
        let linear = graph.nodes[chain[0]].inputs[0];
        let mut slots = chain.clone();
        slots.push(id);
        let moved: Vec<Node> = slots.iter().map(|&n| graph.nodes[n].clone()).collect();
        graph.nodes[slots[0]] = Node {
            op: Op::Relu,
            inputs: vec![linear],
            shape: graph.nodes[linear].shape.clone(),
            ..moved[slots.len() - 1].clone()
        };
        for (i, &slot) in slots.iter().enumerate().skip(1) {
            graph.nodes[slot] = Node { inputs: vec![slots[i - 1]], ..moved[i - 1].clone() };
        }
    }
    graph
}

/// The single-reader `Reshape`/`Select` nodes from a Linear's only reader up to `top`, bottom
/// first; `None` unless `top` is such a chain over a Linear.
fn rewiring_chain(graph: &Graph, top: NodeId, consumers: &[usize]) -> Option<Vec<NodeId>> {
    let mut chain = vec![];
    let mut at = top;
    while matches!(graph.nodes[at].op, Op::Reshape | Op::Select { .. }) && consumers[at] == 1 {
        chain.push(at);
        at = *graph.nodes[at].inputs.first()?;
    }
    let is_linear = matches!(graph.nodes[at].op, Op::Linear { .. }) && consumers[at] == 1;
    (is_linear && !chain.is_empty()).then(|| chain.into_iter().rev().collect())
}

struct Fold {
    linear: NodeId,
    /// The binary op's computed operand (the Linear, or the re-wiring that leads to it).
    operand: NodeId,
    /// The constant's value for each output column of the Linear.
    per_column: Vec<f32>,
}

/// The fold of binary op `id`, when one operand is a constant, the other a Linear reached
/// through single-reader re-wirings, and the constant depends only on the Linear's column.
fn foldable(graph: &Graph, id: NodeId) -> Option<Fold> {
    let node = &graph.nodes[id];
    let [a, b] = node.inputs[..] else { return None };
    let (operand, constant) = match (&graph.nodes[a].op, &graph.nodes[b].op) {
        (_, Op::Const(t)) => (a, t),
        (Op::Const(t), _) => (b, t),
        _ => return None,
    };
    if graph.nodes[operand].shape != node.shape {
        return None; // the constant would broadcast the operand itself
    }
    let consumers = graph.consumer_counts();
    let (linear, positions) = trace_to_linear(graph, operand, &consumers)?;
    let n = *graph.nodes[linear].shape.last()?;
    let values = broadcast_source_indices(&constant.shape, &node.shape);
    let mut per_column: Vec<Option<f32>> = vec![None; n];
    for (out, &src) in positions.iter().zip(&values) {
        let v = constant.data[src];
        match &mut per_column[out % n] {
            Some(seen) if *seen != v => return None,
            slot => *slot = Some(v),
        }
    }
    // a column no position reads keeps its value (1 for a scale, 0 for a shift would also do)
    let neutral = if matches!(node.op, Op::Binary(BinaryKind::Mul)) { 1.0 } else { 0.0 };
    Some(Fold { linear, operand, per_column: per_column.into_iter().map(|v| v.unwrap_or(neutral)).collect() })
}

/// The Linear that `id` re-wires (through `Reshape`s and zero-free `Select`s that only one
/// node reads), and for each of `id`'s elements the flat index of the Linear output it is.
fn trace_to_linear(graph: &Graph, id: NodeId, consumers: &[usize]) -> Option<(NodeId, Vec<usize>)> {
    let mut positions: Vec<usize> = (0..graph.nodes[id].shape.iter().product()).collect();
    let mut at = id;
    loop {
        if consumers[at] != 1 {
            return None; // another reader (or a graph output) needs the unfolded values
        }
        match &graph.nodes[at].op {
            Op::Linear { .. } => return Some((at, positions)),
            Op::Reshape => {}
            Op::Select { sources } => {
                positions = positions.iter().map(|&p| sources[p].map(|s| s as usize)).collect::<Option<_>>()?;
            }
            _ => return None,
        }
        at = *graph.nodes[at].inputs.first()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, op: Op, inputs: Vec<NodeId>, shape: Vec<usize>) -> Node {
        Node { name: name.into(), op, inputs, shape }
    }

    /// x [1, 2] → Linear (2 → 3) → Select (reverse) → Mul [3] → Add [3]: both fold.
    fn graph(scale: Vec<f32>, extra_reader: bool) -> Graph {
        let weight = Tensor::new(vec![2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let bias = Some(Tensor::new(vec![3], vec![0.5, 0.25, -1.0]));
        let mut nodes = vec![
            node("x", Op::Input, vec![], vec![1, 2]),
            node("lin", Op::Linear { weight, bias }, vec![0], vec![1, 3]),
            node("rev", Op::Select { sources: vec![Some(2), Some(1), Some(0)] }, vec![1], vec![1, 3]),
            node("a", Op::Const(Tensor::new(vec![3], scale)), vec![], vec![3]),
            node("mul", Op::Binary(BinaryKind::Mul), vec![2, 3], vec![1, 3]),
            node("c", Op::Const(Tensor::new(vec![3], vec![10.0, 20.0, 30.0])), vec![], vec![3]),
            node("add", Op::Binary(BinaryKind::Add), vec![4, 5], vec![1, 3]),
        ];
        let mut outputs = vec![6];
        if extra_reader {
            nodes.push(node("other", Op::Relu, vec![2], vec![1, 3]));
            outputs.push(7);
        }
        Graph { guards: Vec::new(), nodes, input: 0, outputs }
    }

    #[test]
    fn a_per_column_scale_and_shift_fold_into_the_linear_with_the_same_outputs() {
        let g = graph(vec![2.0, -1.0, 0.5], false);
        let x = [0.3, -0.7];
        let before = g.eval_f64(&x)[6].clone();
        let folded = fold_affine_into_linear(g);
        assert!(matches!(folded.nodes[4].op, Op::Reshape) && matches!(folded.nodes[6].op, Op::Reshape));
        let after = folded.eval_f64(&x)[6].clone();
        for (b, a) in before.iter().zip(&after) {
            assert!((b - a).abs() < 1e-5, "{before:?} vs {after:?}");
        }
        // the scale reached the Linear's columns through the reversal: column 2 was scaled by 2
        let Op::Linear { weight, bias } = &folded.nodes[1].op else { panic!() };
        assert_eq!(weight.data[2], 6.0);
        let (b, a, c) = (-1.0, 2.0, 10.0);
        assert_eq!(bias.as_ref().unwrap().data[2], b * a + c);
    }

    #[test]
    fn nothing_folds_when_another_node_reads_the_linear_output() {
        let folded = fold_affine_into_linear(graph(vec![2.0, -1.0, 0.5], true));
        assert!(matches!(folded.nodes[4].op, Op::Binary(BinaryKind::Mul)));
        assert!(matches!(folded.nodes[6].op, Op::Binary(BinaryKind::Add)));
    }

    #[test]
    fn a_constant_that_varies_within_a_column_does_not_fold() {
        // Linear output [2, 3] (two rows), the constant [2, 1] differs between the rows
        let mut g = graph(vec![1.0; 3], false);
        g.nodes[0].shape = vec![2, 2];
        for id in [1, 2, 4, 6] {
            g.nodes[id].shape = vec![2, 3];
        }
        g.nodes[2].op = Op::Select { sources: (0..6).map(Some).collect() };
        g.nodes[3].op = Op::Const(Tensor::new(vec![2, 1], vec![1.0, 3.0]));
        g.nodes[3].shape = vec![2, 1];
        let folded = fold_affine_into_linear(g);
        assert!(matches!(folded.nodes[4].op, Op::Binary(BinaryKind::Mul)), "a row-dependent scale was folded");
        // nor does the shift after it: the unfolded Mul stands between it and the Linear
        assert!(matches!(folded.nodes[6].op, Op::Binary(BinaryKind::Add)));
    }

    #[test]
    fn a_relu_after_a_transpose_and_a_reshape_sinks_next_to_its_linear_with_the_same_outputs() {
        // x → Linear → Select (reverse) → Reshape → Relu → (output)
        let mut g = graph(vec![1.0; 3], false);
        g.nodes.truncate(3);
        g.nodes.push(node("reshape", Op::Reshape, vec![2], vec![3]));
        g.nodes.push(node("relu", Op::Relu, vec![3], vec![3]));
        g.outputs = vec![4];
        let x = [0.9, -0.3];
        let before = g.eval_f64(&x)[4].clone();
        let sunk = sink_relu_into_linear(g);
        assert!(matches!(sunk.nodes[2].op, Op::Relu) && sunk.nodes[2].inputs == [1], "{:?}", sunk.nodes[2]);
        assert_eq!(sunk.nodes[2].shape, vec![1, 3]);
        assert!(matches!(sunk.nodes[3].op, Op::Select { .. }) && matches!(sunk.nodes[4].op, Op::Reshape));
        assert!(before.contains(&0.0) && before.iter().any(|&v| v > 0.0), "the sample exercises the Relu");
        assert_eq!(sunk.eval_f64(&x)[4], before);
    }

    #[test]
    fn a_relu_stays_when_the_rewired_tensor_has_another_reader() {
        let mut g = graph(vec![1.0; 3], true); // `other` reads the Select
        g.nodes.truncate(3);
        g.nodes.push(node("relu", Op::Relu, vec![2], vec![1, 3]));
        g.nodes.push(node("other", Op::Relu, vec![2], vec![1, 3]));
        g.outputs = vec![3, 4];
        let sunk = sink_relu_into_linear(g);
        assert!(matches!(sunk.nodes[2].op, Op::Select { .. }) && matches!(sunk.nodes[3].op, Op::Relu));
    }
}
