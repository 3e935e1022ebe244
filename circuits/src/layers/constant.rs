//! A constant tensor read by an element-wise op: advice cells pinned to their values through the
//! constants column, so the prover cannot change them.

use super::input::load;
use crate::circuit::config::ModelConfig;
use crate::circuit::region::{RegionCtx, Wire};
use halo2_proofs::{circuit::Value, plonk::Error};

pub fn assign(cfg: &ModelConfig, ctx: &mut RegionCtx, values: &[i64]) -> Result<Vec<Wire>, Error> {
    let wires = load(cfg, ctx, values.len(), |i| Value::known(values[i] as i128));
    for (wire, &v) in wires.iter().zip(values) {
        ctx.constrain_constant(wire, v as i128)?;
    }
    Ok(wires)
}
