//! ONNX `Relu`.

use super::{OpCtx, Value};
use crate::graph_builder::Builder;
use crate::ImportError;
use zkinfer_circuits::Op;

pub fn lower(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    Ok(match ctx.arg(0)? {
        Value::Const(t) => {
            let mut t = t.clone();
            t.data.iter_mut().for_each(|v| *v = v.max(0.0));
            Value::Const(t)
        }
        Value::Node(x) => Value::Node(b.push(ctx.name, Op::Relu, vec![*x], b.nodes[*x].shape.clone())),
    })
}
