//! The model input: loaded into main cells, `width` per row, and bound to the instance column by
//! the circuit (no gate: the copy constraints to the instances are the constraint).

use crate::circuit::config::ModelConfig;
use crate::circuit::region::{RegionCtx, Wire};
use halo2_proofs::{circuit::Value, plonk::Error};

pub fn assign(cfg: &ModelConfig, ctx: &mut RegionCtx, len: usize, values: Option<&[i128]>) -> Result<Vec<Wire>, Error> {
    Ok(load(cfg, ctx, len, |i| values.map_or(Value::unknown(), |v| Value::known(v[i]))))
}

/// Assigns `len` values into main cells, row by row.
pub(super) fn load(cfg: &ModelConfig, ctx: &mut RegionCtx, len: usize, value: impl Fn(usize) -> Value<i128>) -> Vec<Wire> {
    let width = cfg.main.len();
    let first = ctx.take_rows(cfg.params.load_rows(len));
    (0..len).map(|i| ctx.assign(cfg.main[i % width], first + i / width, value(i))).collect()
}
