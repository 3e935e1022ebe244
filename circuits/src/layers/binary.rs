//! Add, Sub and Mul of two tensors with numpy broadcasting (either may be a constant), then the
//! requantization when the result's scale is above the output's (always for Mul).

use crate::circuit::config::ModelConfig;
use crate::ir::broadcast_source_indices;
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
    let QOp::Binary { coeffs, requant, .. } = &node.op else { unreachable!("binary::assign on {}", node.op_name) };
    let ia = broadcast_source_indices(&model.nodes[node.inputs[0]].shape, &node.shape);
    let ib = broadcast_source_indices(&model.nodes[node.inputs[1]].shape, &node.shape);
    let pairs: Vec<(Wire, Wire)> = ia.iter().zip(&ib).map(|(&i, &j)| (a[i], b[j])).collect();
    let raw = cfg.arith().assign(ctx, &pairs, *coeffs)?;
    match requant {
        Some(r) => cfg.requant().assign(ctx, &raw, *r),
        None => Ok(raw),
    }
}
