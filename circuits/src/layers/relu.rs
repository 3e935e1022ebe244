//! A Relu that could not be fused into the op before it: a requantization with shift 0.

use crate::circuit::config::ModelConfig;
use crate::layout::region::{RegionCtx, Wire};
use crate::quantize::Requant;
use halo2_proofs::plonk::Error;

pub fn assign(cfg: &ModelConfig, ctx: &mut RegionCtx, x: &[Wire], r: Requant) -> Result<Vec<Wire>, Error> {
    cfg.requant().assign(ctx, x, r)
}
