//! Layer chips: one file per quantized op. Each lays out its node with the shared gadgets and
//! returns the wires holding the node's output; `cost` mirrors each layout's row count.

mod binary;
mod compare;
mod concat;
mod constant;
mod extremum;
mod input;
mod linear;
mod matmul;
mod nonlinear;
mod relu;
mod select;

use crate::circuit::config::ModelConfig;
use crate::circuit::params::CircuitParams;
use crate::circuit::visibility::ModelVisibility;
use crate::gadgets::freivalds::PendingCheck;
use crate::layout::region::{RegionCtx, Wire};
use crate::quantize::{QNode, QOp, QuantizedModel};
use halo2_proofs::plonk::Error;

/// The wires of the model's input, its outputs (in output order) and, for witness parameters,
/// every parameter (in `QuantizedModel::param_values` order), for the instance column.
pub struct ModelWires {
    pub input: Vec<Wire>,
    pub outputs: Vec<Vec<Wire>>,
    pub params: Vec<Wire>,
    /// Matrix products whose random-challenge check finishes in the second phase.
    pub checks: Vec<PendingCheck>,
}

/// Lays out every node of `model`. `input` is the quantized input (None during keygen).
pub fn assign_model(
    cfg: &ModelConfig,
    ctx: &mut RegionCtx,
    model: &QuantizedModel,
    input: Option<&[i128]>,
) -> Result<ModelWires, Error> {
    let mut wires: Vec<Vec<Wire>> = Vec::with_capacity(model.nodes.len());
    let mut params: Vec<Wire> = Vec::new();
    let mut checks = Vec::new();
    for node in &model.nodes {
        let arg = |i: usize| &wires[node.inputs[i]];
        let out = match &node.op {
            QOp::Input => input::assign(cfg, ctx, node.len(), input)?,
            QOp::Const { values } => constant::assign(cfg, ctx, values, &mut params)?,
            QOp::Linear { .. } => linear::assign(cfg, ctx, node, arg(0), &mut params, &mut checks)?,
            QOp::Binary { .. } => binary::assign(cfg, ctx, model, node, arg(0), arg(1))?,
            QOp::Requant(r) => relu::assign(cfg, ctx, arg(0), *r)?,
            QOp::Lut { .. } => nonlinear::assign(cfg, ctx, model, node, arg(0))?,
            QOp::Select { sources } => select::assign(cfg, ctx, sources, arg(0))?,
            QOp::Compare { .. } => compare::assign(cfg, ctx, model, node, arg(0), arg(1))?,
            QOp::MatMul { .. } => matmul::assign(cfg, ctx, model, node, arg(0), arg(1))?,
            QOp::Extremum { max } => extremum::assign(cfg, ctx, model, node, arg(0), *max)?,
            QOp::Concat { .. } => {
                let inputs: Vec<&[Wire]> = node.inputs.iter().map(|&i| wires[i].as_slice()).collect();
                concat::assign(cfg, ctx, model, node, &inputs)?
            }
            // a reshape (or a Relu fused into its producer) only renames wires
            QOp::Reshape => arg(0).clone(),
        };
        // every wire a node declares must exist: the public part is laid out from the shapes
        if out.len() != node.len() {
            return Err(Error::Synthesis);
        }
        wires.push(out);
    }
    let outputs = model.outputs.iter().map(|&o| wires[o].clone()).collect();
    Ok(ModelWires { input: wires.swap_remove(model.input), outputs, params, checks })
}

/// Whether any node requantizes: a rescale, a Relu, or a Concat that rescales down.
pub fn needs_requant(model: &QuantizedModel) -> bool {
    model.nodes.iter().any(|n| {
        n.op.requant().is_some() || matches!(&n.op, QOp::Concat { rescale, .. } if rescale.iter().any(|&e| e < 0))
    })
}

/// Whether any layer uses the arithmetic gate: Add/Sub/Mul, a Concat that rescales up, or a
/// Linear with witness weights (its bias).
pub fn needs_arith(model: &QuantizedModel, visibility: ModelVisibility) -> bool {
    model.nodes.iter().any(|n| match &n.op {
        QOp::Binary { .. } => true,
        QOp::Concat { rescale, .. } => rescale.iter().any(|&e| e > 0),
        QOp::Linear { .. } => visibility.witness_params(),
        _ => false,
    })
}

/// Whether any cell is pinned to a constant: a constant tensor with fixed parameters, a padding
/// zero, a max's closing zero, or a hash's initial state and padding.
pub fn needs_constants(model: &QuantizedModel, visibility: ModelVisibility) -> bool {
    visibility.hashes()
        || model.nodes.iter().any(|n| match &n.op {
            QOp::Const { .. } => !visibility.witness_params(),
            QOp::Select { sources } => sources.iter().any(Option::is_none),
            QOp::Extremum { .. } => true,
            _ => false,
        })
}

/// At most how many rows of the constants column the layout uses: one per distinct pinned
/// value (`RegionCtx::constrain_cell_constant`), so at most every constant tensor's values plus
/// the structural 0 and 1 (padding, a window's closing zero, the random-challenge check's one).
pub fn constant_rows_bound(model: &QuantizedModel) -> usize {
    let tensors: usize = model.nodes.iter().filter(|n| matches!(n.op, QOp::Const { .. })).map(|n| n.len()).sum();
    tensors + 2
}

/// Rows and range-checked cells one node takes under `params`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeCost {
    pub rows: usize,
    pub lookups: usize,
}

pub fn node_cost(params: &CircuitParams, model: &QuantizedModel, node: &QNode) -> NodeCost {
    let len = node.len();
    // range-checked cells: one per limb
    let limbs = params.limbs as usize;
    let requant = |n: usize| NodeCost { rows: params.requant_rows(n), lookups: 3 * n * limbs };
    let base = match &node.op {
        QOp::Input if params.checks_input_range() => NodeCost { rows: params.input_rows(len), lookups: len * limbs },
        QOp::Input | QOp::Const { .. } => NodeCost { rows: params.load_rows(len), lookups: 0 },
        QOp::Linear { k, n, .. } => NodeCost { rows: linear::rows(params, *k, *n, len), lookups: 0 },
        QOp::Binary { .. } => NodeCost { rows: params.arith_rows(len), lookups: 0 },
        QOp::Lut { .. } => NodeCost { rows: len, lookups: len },
        QOp::Compare { .. } => NodeCost { rows: params.compare_rows(len), lookups: len * limbs },
        QOp::Select { sources } => NodeCost { rows: select::rows(params, sources), lookups: 0 },
        QOp::MatMul { .. } => {
            let k = *model.nodes[node.inputs[0]].shape.last().unwrap_or(&1);
            NodeCost { rows: len * params.pair_dot_rows(k), lookups: 0 }
        }
        QOp::Extremum { .. } => {
            let input = &model.nodes[node.inputs[0]];
            let window = *input.shape.last().unwrap_or(&1);
            NodeCost { rows: params.extremum_rows(input.len(), window), lookups: input.len() * limbs }
        }
        QOp::Concat { .. } => {
            let (rows, lookups) = concat::cost(params, model, node);
            NodeCost { rows, lookups }
        }
        QOp::Requant(_) | QOp::Reshape => NodeCost::default(),
    };
    match node.op.requant() {
        Some(_) => {
            let r = requant(len);
            NodeCost { rows: base.rows + r.rows, lookups: base.lookups + r.lookups }
        }
        None => base,
    }
}
