//! zkinfer's graph IR: a topologically ordered list of nodes with static shapes.
//!
//! The IR is deliberately small: every ONNX op the importer accepts is lowered to one of these
//! ops (Gemm and MatMul-with-constant become [`Op::Linear`], Flatten/Squeeze/Unsqueeze become
//! [`Op::Reshape`], Identity disappears), so quantization and circuit layout only deal with
//! the ops that need constraints.

mod broadcast;
mod eval;
mod nonlinear;

pub use broadcast::{broadcast_shapes, broadcast_source_indices};
pub use nonlinear::Nonlinearity;
use serde::{Deserialize, Serialize};

/// Index of a node in [`Graph::nodes`].
pub type NodeId = usize;

/// A dense float tensor in row-major order (constants, weights, reference values).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

impl Tensor {
    pub fn new(shape: Vec<usize>, data: Vec<f32>) -> Self {
        debug_assert_eq!(shape.iter().product::<usize>(), data.len());
        Self { shape, data }
    }

    /// Largest absolute value, 0 for an empty tensor.
    pub fn max_abs(&self) -> f64 {
        self.data.iter().fold(0.0f64, |m, v| m.max(v.abs() as f64))
    }
}

/// Element-wise binary operation on two tensors with numpy broadcasting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BinaryKind {
    Add,
    Sub,
    Mul,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Op {
    /// The model input (one per model).
    Input,
    /// A constant tensor that an element-wise op consumes.
    Const(Tensor),
    /// `y[.., n] = sum_k x[.., k] * weight[k, n] + bias[n]` over the last axis of the input.
    Linear {
        weight: Tensor,
        bias: Option<Tensor>,
    },
    Binary(BinaryKind),
    Relu,
    /// An element-wise function of one variable, proved by table lookup.
    Unary(Nonlinearity),
    /// Same data, new shape (the node's `shape`).
    Reshape,
    /// `output[i] = input[sources[i]]`, or 0 for `None`: transposes, im2col patches (with zero
    /// padding), pooling windows. Pure re-wiring: no constraints beyond copies.
    Select {
        sources: Vec<Option<u32>>,
    },
    /// Concatenation of all inputs along `axis`.
    Concat {
        axis: usize,
    },
    /// Max (or min) over the last axis, which the output drops.
    Extremum {
        max: bool,
    },
    /// `A [.., M, K] @ B [.., K, N]` of two computed tensors with the same leading axes.
    MatMul,
    /// `1` where `a < b` (`strict`) or `a <= b`, else `0`, with numpy broadcasting. Greater and
    /// GreaterOrEqual swap the operands; Equal, Where and tree branches are built from it.
    Compare {
        strict: bool,
    },
}

impl Op {
    pub fn name(&self) -> &'static str {
        match self {
            Op::Input => "Input",
            Op::Const(_) => "Const",
            Op::Linear { .. } => "Linear",
            Op::Binary(BinaryKind::Add) => "Add",
            Op::Binary(BinaryKind::Sub) => "Sub",
            Op::Binary(BinaryKind::Mul) => "Mul",
            Op::Relu => "Relu",
            Op::Unary(f) => f.name(),
            Op::Reshape => "Reshape",
            Op::Select { .. } => "Select",
            Op::Concat { .. } => "Concat",
            Op::Extremum { max: true } => "Max",
            Op::Extremum { max: false } => "Min",
            Op::MatMul => "MatMul",
            Op::Compare { strict: true } => "Less",
            Op::Compare { strict: false } => "LessOrEqual",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// The ONNX node name (or output name) this node came from, for error messages and reports.
    pub name: String,
    pub op: Op,
    pub inputs: Vec<NodeId>,
    /// Static output shape.
    pub shape: Vec<usize>,
}

impl Node {
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A model as a DAG of nodes in topological order, with one input and one or more outputs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub input: NodeId,
    pub outputs: Vec<NodeId>,
    /// What the lowerings rely on about some nodes' values, checked by the quantizer once the
    /// scales are known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guards: Vec<Guard>,
}

/// A property of a node's values that a lowering needs for every input the circuit accepts, not
/// only the calibration samples (the masked softmax needs the scores small beside the mask's
/// gap; a table lookup needs its index exact). The quantizer proves it from the static bounds
/// and scales, or refuses the model with `why`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Guard {
    pub node: NodeId,
    pub kind: GuardKind,
    /// What breaks when the property fails, for the error.
    pub why: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum GuardKind {
    /// `|value| ≤ limit` (real units) for every accepted input.
    MaxMagnitude(f64),
    /// Integers of magnitude at most the given bound, represented exactly: every element's scale
    /// is at least 0 (the quantizer raises a calibrated negative scale to 0) and the bound fits
    /// the quantized range there.
    ExactIntegers(f64),
}

/// For every element of `A [.., M, K] @ B [.., K, N]`: the flat indices of its `K` pairs.
pub fn matmul_pairs(a: &[usize], b: &[usize]) -> Vec<Vec<(usize, usize)>> {
    let (m, k, n) = (a[a.len() - 2], a[a.len() - 1], b[b.len() - 1]);
    let batch: usize = a[..a.len() - 2].iter().product();
    let mut out = Vec::with_capacity(batch * m * n);
    for t in 0..batch {
        for i in 0..m {
            for j in 0..n {
                out.push((0..k).map(|x| (t * m * k + i * k + x, t * k * n + x * n + j)).collect());
            }
        }
    }
    out
}

/// For every element of the concatenation of tensors of `shapes` along `axis`: which input and
/// which flat index of it.
pub fn concat_sources(shapes: &[&[usize]], axis: usize) -> Vec<(usize, usize)> {
    let outer: usize = shapes[0][..axis].iter().product();
    let mut out = Vec::new();
    for o in 0..outer {
        for (j, shape) in shapes.iter().enumerate() {
            let inner: usize = shape[axis..].iter().product();
            out.extend((0..inner).map(|i| (j, o * inner + i)));
        }
    }
    out
}

impl Graph {
    pub fn input_shape(&self) -> &[usize] {
        &self.nodes[self.input].shape
    }

    pub fn input_len(&self) -> usize {
        self.nodes[self.input].len()
    }

    /// How many nodes read each node's output.
    pub fn consumer_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.nodes.len()];
        for node in &self.nodes {
            for &i in &node.inputs {
                counts[i] += 1;
            }
        }
        for &o in &self.outputs {
            counts[o] += 1;
        }
        counts
    }

    /// Checks the invariants the rest of the pipeline relies on (topological order, arity, shapes).
    pub fn validate(&self) -> Result<(), String> {
        for (id, node) in self.nodes.iter().enumerate() {
            if let Some(&bad) = node.inputs.iter().find(|&&i| i >= id) {
                return Err(format!("node {id} ({}) reads node {bad}, which is not before it", node.name));
            }
            let arity = match node.op {
                Op::Input | Op::Const(_) => 0,
                Op::Linear { .. } | Op::Relu | Op::Unary(_) | Op::Reshape | Op::Select { .. } | Op::Extremum { .. } => {
                    1
                }
                Op::Binary(_) | Op::MatMul | Op::Compare { .. } => 2,
                Op::Concat { .. } => node.inputs.len().max(1),
            };
            if node.inputs.len() != arity {
                return Err(format!(
                    "node {} ({}) has {} inputs, expected {arity}",
                    node.name,
                    node.op.name(),
                    node.inputs.len()
                ));
            }
            // ops that keep every value: the declared shape must hold as many (the circuit lays
            // the public part out from the shapes; the evaluator checks the other ops)
            let same_len = match &node.op {
                Op::Relu | Op::Unary(_) | Op::Reshape => Some(self.nodes[node.inputs[0]].len()),
                Op::Const(t) => Some(t.data.len()),
                _ => None,
            };
            if let Some(len) = same_len.filter(|&l| l != node.len()) {
                return Err(format!(
                    "node {} ({}) declares shape {:?} ({} values) but holds {len}",
                    node.name,
                    node.op.name(),
                    node.shape,
                    node.len()
                ));
            }
        }
        if !matches!(self.nodes.get(self.input).map(|n| &n.op), Some(Op::Input)) {
            return Err("graph input is not an Input node".into());
        }
        if self.outputs.is_empty() {
            return Err("graph has no outputs".into());
        }
        Ok(())
    }
}
