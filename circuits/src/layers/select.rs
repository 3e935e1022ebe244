//! Transposes, im2col patches and pooling windows: the output wires are input wires picked by
//! index. Zero padding uses one cell pinned to the constant 0.

use super::constant;
use crate::circuit::config::ModelConfig;
use crate::circuit::params::CircuitParams;
use crate::layout::region::{RegionCtx, Wire};
use halo2_proofs::plonk::Error;

pub fn assign(cfg: &ModelConfig, ctx: &mut RegionCtx, sources: &[Option<u32>], x: &[Wire]) -> Result<Vec<Wire>, Error> {
    let zero = if sources.iter().any(Option::is_none) { Some(constant::pinned(cfg, ctx, &[0])?[0]) } else { None };
    Ok(sources
        .iter()
        .map(|s| s.map_or_else(|| zero.expect("assigned when a source is None"), |i| x[i as usize]))
        .collect())
}

pub fn rows(params: &CircuitParams, sources: &[Option<u32>]) -> usize {
    if sources.iter().any(Option::is_none) {
        params.load_rows(1)
    } else {
        0
    }
}
