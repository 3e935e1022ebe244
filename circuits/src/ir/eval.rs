//! Float (f64) evaluation of the IR. Calibration reads every intermediate value from it; tests
//! compare it with tract's run of the original ONNX model.

use super::{broadcast_source_indices, concat_sources, matmul_pairs, BinaryKind, Graph, Op};

impl Graph {
    /// Values of every node for one input (flat, row-major), in node order.
    pub fn eval_f64(&self, input: &[f64]) -> Vec<Vec<f64>> {
        let mut values: Vec<Vec<f64>> = Vec::with_capacity(self.nodes.len());
        for node in &self.nodes {
            let arg = |i: usize| &values[node.inputs[i]];
            let out = match &node.op {
                Op::Input => input.to_vec(),
                Op::Const(t) => t.data.iter().map(|&v| v as f64).collect(),
                Op::Linear { weight, bias } => {
                    let (k, n) = (weight.shape[0], weight.shape[1]);
                    let x = arg(0);
                    let mut y = Vec::with_capacity(x.len() / k * n);
                    for row in x.chunks(k) {
                        for j in 0..n {
                            let dot: f64 =
                                row.iter().enumerate().map(|(i, &xi)| xi * weight.data[i * n + j] as f64).sum();
                            y.push(dot + bias.as_ref().map_or(0.0, |b| b.data[j] as f64));
                        }
                    }
                    y
                }
                Op::Binary(kind) => self.broadcast(node, &values, |a, b| match kind {
                    BinaryKind::Add => a + b,
                    BinaryKind::Sub => a - b,
                    BinaryKind::Mul => a * b,
                }),
                Op::Compare { strict } => {
                    self.broadcast(node, &values, |a, b| if a < b || (!strict && a == b) { 1.0 } else { 0.0 })
                }
                Op::Relu => arg(0).iter().map(|&v| v.max(0.0)).collect(),
                Op::Unary(f) => arg(0).iter().map(|&v| f.apply(v)).collect(),
                Op::Reshape => arg(0).clone(),
                Op::Concat { axis } => {
                    let shapes: Vec<&[usize]> = node.inputs.iter().map(|&i| self.nodes[i].shape.as_slice()).collect();
                    concat_sources(&shapes, *axis).iter().map(|&(j, i)| values[node.inputs[j]][i]).collect()
                }
                Op::Extremum { max } => {
                    let window = *self.nodes[node.inputs[0]].shape.last().unwrap_or(&1);
                    let pick = |a: f64, b: f64| if *max { a.max(b) } else { a.min(b) };
                    arg(0).chunks(window).map(|w| w.iter().copied().reduce(pick).unwrap_or(0.0)).collect()
                }
                Op::MatMul => {
                    let (a, b) = (&self.nodes[node.inputs[0]].shape, &self.nodes[node.inputs[1]].shape);
                    matmul_pairs(a, b).iter().map(|p| p.iter().map(|&(i, j)| arg(0)[i] * arg(1)[j]).sum()).collect()
                }
                Op::Select { sources } => sources.iter().map(|s| s.map_or(0.0, |i| arg(0)[i as usize])).collect(),
            };
            values.push(out);
        }
        values
    }

    /// `f(a, b)` over the broadcast shape of a two-input node.
    fn broadcast(&self, node: &super::Node, values: &[Vec<f64>], f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
        let (a, b) = (&self.nodes[node.inputs[0]], &self.nodes[node.inputs[1]]);
        let ia = broadcast_source_indices(&a.shape, &node.shape);
        let ib = broadcast_source_indices(&b.shape, &node.shape);
        let (va, vb) = (&values[node.inputs[0]], &values[node.inputs[1]]);
        ia.iter().zip(&ib).map(|(&i, &j)| f(va[i], vb[j])).collect()
    }
}
