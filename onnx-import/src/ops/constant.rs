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
