//! ONNX `Constant`: its `value` tensor (or a scalar `value_float` / `value_int`).

use super::{OpCtx, Value};
use crate::proto::{load_tensor, Attrs, ConstTensor};
use crate::ImportError;

pub fn lower(ctx: &OpCtx) -> Result<Value, ImportError> {
    let attrs = Attrs(ctx.node);
    if let Some(t) = attrs.tensor("value") {
        return Ok(Value::Const(load_tensor(t, ctx.path)?));
    }
    let found = ctx.node.attribute.iter().find(|a| a.name == "value_float" || a.name == "value_int");
    match found {
        Some(a) if a.name == "value_float" => Ok(Value::Const(ConstTensor::scalar(a.f as f64))),
        Some(a) => Ok(Value::Const(ConstTensor::scalar(a.i as f64))),
        None => Err(ctx.error("only tensor, float and int constants are supported")),
    }
}

/// `ConstantOfShape`: a constant shape filled with the `value` attribute's scalar (0 without it).
pub fn of_shape(ctx: &OpCtx) -> Result<Value, ImportError> {
    let shape = ctx.opt_const(0)?.ok_or_else(|| ctx.error("the shape is missing"))?.as_i64();
    if shape.iter().any(|&d| d < 0) {
        return Err(ctx.error(format!("shape {shape:?} has a negative dimension")));
    }
    let shape: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
    let value = match Attrs(ctx.node).tensor("value") {
        Some(t) => load_tensor(t, ctx.path)?.data.first().copied().unwrap_or(0.0),
        None => 0.0,
    };
    Ok(Value::Const(ConstTensor { data: vec![value; shape.iter().product()], shape }))
}

/// `Range(start, limit, delta)` of constants: `start + i·delta` while below `limit` (above, for a
/// negative `delta`).
pub fn range(ctx: &OpCtx) -> Result<Value, ImportError> {
    let scalar = |i: usize, what: &str| -> Result<f64, ImportError> {
        let t = ctx.opt_const(i)?.ok_or_else(|| ctx.error(format!("the {what} is missing")))?;
        t.data.first().copied().ok_or_else(|| ctx.error(format!("the {what} is empty")))
    };
    let (start, limit, delta) = (scalar(0, "start")?, scalar(1, "limit")?, scalar(2, "delta")?);
    if delta == 0.0 || !(start.is_finite() && limit.is_finite() && delta.is_finite()) {
        return Err(ctx.error(format!("Range({start}, {limit}, {delta}) is not a finite sequence")));
    }
    let count = ((limit - start) / delta).ceil().max(0.0) as usize;
    if count > 1 << 24 {
        return Err(ctx.error(format!("Range({start}, {limit}, {delta}) has {count} values")));
    }
    let data: Vec<f64> = (0..count).map(|i| start + i as f64 * delta).collect();
    Ok(Value::Const(ConstTensor { shape: vec![count], data }))
}
