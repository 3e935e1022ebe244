//! The model input: every value range-checked to the quantized bound `[−2^bits, 2^bits)` by the
//! signed-range gadget, or, when the input is packed into instances (whose slots check the same
//! bound), loaded into plain main cells. Whatever the visibility, a valid proof's input is one
//! that `quantize_input` can produce (or `−2^bits`, the one extra value a power-of-two range
//! holds), never an arbitrary field element.

use crate::circuit::config::ModelConfig;
use crate::layout::region::{RegionCtx, Wire};
use halo2_proofs::{circuit::Value, plonk::Error};

pub fn assign(cfg: &ModelConfig, ctx: &mut RegionCtx, len: usize, values: Option<&[i128]>) -> Result<Vec<Wire>, Error> {
    let value = |i: usize| values.map_or(Value::unknown(), |v| Value::known(v[i]));
    match &cfg.input_range {
        Some(gadget) => gadget.assign(ctx, &(0..len).map(value).collect::<Vec<_>>()),
        None => Ok(load(cfg, ctx, len, value)),
    }
}

/// Assigns `len` values into main cells, row by row.
pub(super) fn load(
    cfg: &ModelConfig,
    ctx: &mut RegionCtx,
    len: usize,
    value: impl Fn(usize) -> Value<i128>,
) -> Vec<Wire> {
    let width = cfg.main.len();
    let first = ctx.take_rows(cfg.params.load_rows(len));
    (0..len).map(|i| ctx.assign(cfg.main[i % width], first + i / width, value(i))).collect()
}
