//! A constant tensor read by an element-wise op: advice cells pinned to their values through the
//! constants column, so the prover cannot change them — or, for witness parameters, free advice
//! cells that join the parameter wires (which the parameter visibility exposes or hashes).

use super::input::load;
use crate::circuit::config::ModelConfig;
use crate::layout::region::{RegionCtx, Wire};
use halo2_proofs::{circuit::Value, plonk::Error};

pub fn assign(
    cfg: &ModelConfig,
    ctx: &mut RegionCtx,
    values: &[i64],
    params: &mut Vec<Wire>,
) -> Result<Vec<Wire>, Error> {
    if !cfg.params.visibility.witness_params() {
        return pinned(cfg, ctx, values);
    }
    let wires = load(cfg, ctx, values.len(), |i| Value::known(values[i] as i128));
    params.extend(&wires);
    Ok(wires)
}

/// Cells pinned to `values` whatever the parameter visibility (structural constants such as the
/// zero that padding reads).
pub fn pinned(cfg: &ModelConfig, ctx: &mut RegionCtx, values: &[i64]) -> Result<Vec<Wire>, Error> {
    let wires = load(cfg, ctx, values.len(), |i| Value::known(values[i] as i128));
    for (wire, &v) in wires.iter().zip(values) {
        ctx.constrain_constant(wire, v as i128)?;
    }
    Ok(wires)
}
