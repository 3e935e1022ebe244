//! Fixed-point quantization of an IR graph: per-tensor power-of-two scales chosen by calibration,
//! quantized weights, and the requantization (rescale, optionally fused with Relu) after every op
//! whose result lives at a higher scale than its output.

mod bounds;
mod calibrate;
mod eval;
pub mod fixed;
mod guards;
pub mod input_scales;

pub use calibrate::{quantize, QuantizeOptions};
pub use eval::Witness;

use crate::ir::{BinaryKind, NodeId, Nonlinearity};
use serde::{Deserialize, Serialize};

/// Rescale of an op's raw result: a rounded division by `2^shift`, then Relu when `relu`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requant {
    pub shift: u32,
    pub relu: bool,
}

/// `raw = ca * a + cb * b + mul * a * b`: the arithmetic gate's coefficients for one binary op.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BinaryCoeffs {
    pub ca: i64,
    pub cb: i64,
    pub mul: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum QOp {
    Input,
    /// Constant tensor at the node's scale.
    Const {
        values: Vec<i64>,
    },
    /// Weights `[k, n]` at scale `weight_scale`, bias at the raw scale (input + weight scale).
    Linear {
        k: usize,
        n: usize,
        weight: Vec<i64>,
        weight_scale: i32,
        bias: Vec<i64>,
        requant: Option<Requant>,
    },
    Binary {
        kind: BinaryKind,
        coeffs: BinaryCoeffs,
        requant: Option<Requant>,
    },
    /// A standalone requantization (a Relu that could not be fused into its producer).
    Requant(Requant),
    /// `y = table(x)`: the table `model.luts[tag - 1]`, looked up with `(tag, x, y)`.
    Lut {
        tag: u32,
    },
    /// Same values, new shape; also what a fused Relu becomes.
    Reshape,
    /// `output[i] = input[sources[i]]` or 0 (see `ir::Op::Select`).
    Select {
        sources: Vec<Option<u32>>,
    },
    /// Concatenation along `axis`; input `j` is brought to the output's scale by `2^rescale[j]`:
    /// an exact multiplication when positive, a requantization (rounded division) when negative.
    Concat {
        axis: usize,
        rescale: Vec<i32>,
    },
    /// Max (or min) over the last axis of the input.
    Extremum {
        max: bool,
    },
    /// Product of two computed tensors (raw scale: the sum of theirs), then `requant`.
    MatMul {
        requant: Option<Requant>,
    },
    /// `[ca·a + cb·b < 0]` (`strict`) or `≤ 0` with broadcasting: 0 or 1 at scale 0. `ca`, `cb`
    /// align the operands' scales (`cb` carries the minus sign).
    Compare {
        strict: bool,
        ca: i64,
        cb: i64,
    },
}

impl QOp {
    pub fn requant(&self) -> Option<Requant> {
        match self {
            QOp::Linear { requant, .. } | QOp::Binary { requant, .. } | QOp::MatMul { requant } => *requant,
            QOp::Requant(r) => Some(*r),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QNode {
    pub name: String,
    /// The ONNX-level op this node implements (for reports).
    pub op_name: String,
    pub op: QOp,
    pub inputs: Vec<NodeId>,
    pub shape: Vec<usize>,
    /// Power-of-two scale exponent of the node's output.
    pub scale: i32,
}

impl QNode {
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A quantized model: what the circuit constrains and what the witness generator runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuantizedModel {
    pub nodes: Vec<QNode>,
    pub input: NodeId,
    pub outputs: Vec<NodeId>,
    /// Requantized values satisfy `|q| < 2^bits`; also the size of the range-check table.
    pub bits: u32,
    /// The nonlinear functions' tables, one per (function, input scale, output scale).
    #[serde(default)]
    pub luts: Vec<LutSpec>,
    /// The tables' input domain, `[-2^(lut_bits-1), 2^(lut_bits-1))` (0 in files from before it
    /// existed: then `bits`). Tables need `2^lut_bits` rows each, so they stay at 12 bits while
    /// the other activations may use more.
    #[serde(default)]
    pub lut_bits: u32,
    /// Per flat input element, how many bits above the input node's scale it is quantized at
    /// (`input_scales`: features of very different magnitudes); empty when all share one scale.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_exponents: Vec<i32>,
}

/// One lookup table: `q_out = round(f(q_in / 2^in_scale) * 2^out_scale)` for every
/// `q_in` in `[-2^(bits-1), 2^(bits-1))`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LutSpec {
    pub func: Nonlinearity,
    pub in_scale: i32,
    pub out_scale: i32,
}

impl LutSpec {
    pub fn output(&self, q_in: i128) -> i128 {
        let y = self.func.apply(fixed::from_fixed(q_in, self.in_scale));
        fixed::to_fixed(y, self.out_scale).expect("apply() returns finite values")
    }

    /// The inputs a table covers: `[-2^(bits-1), 2^(bits-1))`.
    pub fn input_range(bits: u32) -> std::ops::Range<i128> {
        -(1i128 << (bits - 1))..(1i128 << (bits - 1))
    }
}

impl QuantizedModel {
    /// Bits of the function tables' input domain.
    pub fn lut_domain_bits(&self) -> u32 {
        if self.lut_bits == 0 {
            self.bits
        } else {
            self.lut_bits
        }
    }

    pub fn input_node(&self) -> &QNode {
        &self.nodes[self.input]
    }

    /// The scale of each flat input element: the input node's, plus its feature's exponent.
    pub fn input_scales(&self) -> Vec<i32> {
        let node = self.input_node();
        (0..node.len()).map(|i| node.scale + self.input_exponents.get(i).copied().unwrap_or(0)).collect()
    }

    /// Every parameter value, in layout order: each constant tensor, and (when `with_linear`,
    /// i.e. witness parameters) each `Linear`'s weights `[k, n]` row-major, then its bias.
    pub fn param_values(&self, with_linear: bool) -> Vec<i128> {
        let mut values = Vec::new();
        for node in &self.nodes {
            match &node.op {
                QOp::Const { values: v } => values.extend(v.iter().map(|&x| x as i128)),
                QOp::Linear { weight, bias, .. } if with_linear => {
                    values.extend(weight.iter().chain(bias).map(|&x| x as i128))
                }
                _ => {}
            }
        }
        values
    }

    pub fn output_len(&self) -> usize {
        self.outputs.iter().map(|&o| self.nodes[o].len()).sum()
    }
}

/// Why a value could not be represented in the quantized model.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum QuantError {
    #[error("input has {got} values but the model expects {expected} (shape {shape:?})")]
    InputLength { got: usize, expected: usize, shape: Vec<usize> },
    #[error("input value #{index} is {value}: NaN and infinity cannot be quantized")]
    NonFinite { index: usize, value: f64 },
    #[error("input value #{index} ({value}) is outside the quantized input range ±{limit} (scale 2^{scale}, {bits} bits); recompile with calibration inputs that cover it")]
    InputOutOfRange { index: usize, value: f64, limit: f64, scale: i32, bits: u32 },
    #[error("node '{node}' ({op}): input {value} is outside its lookup table's range ±{limit} (scale 2^{scale}, {bits}-bit tables); recompile with calibration inputs that cover this input, or with more --bits")]
    LutRange { node: String, op: String, value: f64, limit: f64, scale: i32, bits: u32 },
    #[error("node '{node}' ({op}): a window spans {spread} (scale 2^{scale}), more than the {bits}-bit range check allows; recompile with more --bits")]
    WindowSpread { node: String, op: String, spread: f64, scale: i32, bits: u32 },
    #[error(
        "node '{node}' ({op}) declares shape {declared:?} but its op produces {got} values: the model is malformed"
    )]
    Shape { node: String, op: String, declared: Vec<usize>, got: usize },
    #[error("node '{node}' ({op}): value {value} at scale 2^{scale} exceeds the {bits}-bit quantized range (|q| < 2^{bits}); recompile with calibration inputs that cover this input, or with more --bits")]
    OutOfRange { node: String, op: String, value: f64, scale: i32, bits: u32 },
}
