//! Sigmoid, Tanh, Exp, Erf, Gelu and the other functions of one variable: one table lookup per
//! element (the tables are built at compile time from the calibrated scales).

use crate::circuit::config::ModelConfig;
use crate::layout::region::{RegionCtx, Wire};
use crate::quantize::{QNode, QOp, QuantizedModel};
use halo2_proofs::plonk::Error;

pub fn assign(
    cfg: &ModelConfig,
    ctx: &mut RegionCtx,
    model: &QuantizedModel,
    node: &QNode,
    x: &[Wire],
) -> Result<Vec<Wire>, Error> {
    let QOp::Lut { tag } = node.op else { unreachable!("nonlinear::assign on {}", node.op_name) };
    let lut = cfg.lut.as_ref().expect("a model with nonlinear layers is configured with the lookup gadget");
    lut.assign(ctx, x, tag, &model.luts[tag as usize - 1])
}
