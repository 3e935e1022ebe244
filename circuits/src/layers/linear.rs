//! Gemm / MatMul with constant weights: one fixed-weight dot product per output element, then the
//! requantization (fused with Relu when one follows).

use crate::circuit::config::ModelConfig;
use crate::circuit::region::{RegionCtx, Wire};
use crate::quantize::{QNode, QOp};
use halo2_proofs::plonk::Error;

pub fn assign(cfg: &ModelConfig, ctx: &mut RegionCtx, node: &QNode, x: &[Wire]) -> Result<Vec<Wire>, Error> {
    let QOp::Linear { k, n, weight, bias, requant, .. } = &node.op else { unreachable!("linear::assign on {}", node.op_name) };
    let mut column = vec![0i64; *k];
    let mut raw = Vec::with_capacity(node.len());
    for row in x.chunks(*k) {
        for j in 0..*n {
            column.iter_mut().enumerate().for_each(|(i, w)| *w = weight[i * n + j]);
            raw.push(cfg.dot.assign(ctx, row, &column, bias[j])?);
        }
    }
    match requant {
        Some(r) => cfg.requant.assign(ctx, &raw, *r),
        None => Ok(raw),
    }
}
