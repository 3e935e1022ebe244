//! MatMul of two computed tensors (attention's `Q·Kᵀ` and `P·V`): one pairwise dot product per
//! output element, then the requantization.

use crate::circuit::config::ModelConfig;
use crate::ir::matmul_pairs;
use crate::layout::region::{RegionCtx, Wire};
use crate::quantize::{QNode, QOp, QuantizedModel};
use halo2_proofs::plonk::Error;

pub fn assign(
    cfg: &ModelConfig,
    ctx: &mut RegionCtx,
    model: &QuantizedModel,
    node: &QNode,
    a: &[Wire],
    b: &[Wire],
) -> Result<Vec<Wire>, Error> {
    let QOp::MatMul { requant } = &node.op else { unreachable!("matmul::assign on {}", node.op_name) };
    let gadget = cfg.pair_dot.as_ref().expect("a model with activation MatMuls is configured with the pair-dot gadget");
    let pairs = matmul_pairs(&model.nodes[node.inputs[0]].shape, &model.nodes[node.inputs[1]].shape);
    let raw = pairs
        .iter()
        .map(|p| gadget.assign(ctx, &p.iter().map(|&(i, j)| (a[i], b[j])).collect::<Vec<_>>()))
        .collect::<Result<Vec<_>, _>>()?;
    match requant {
        Some(r) => cfg.requant().assign(ctx, &raw, *r),
        None => Ok(raw),
    }
}
