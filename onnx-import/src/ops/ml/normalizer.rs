//! `Normalizer` over each row: `x / max(x)`, `x / Σ|x|` (L1) or `x / sqrt(Σ x²)` (L2), with the
//! division by a table lookup (`Reciprocal`, or `Rsqrt` for L2) and a product.

use crate::graph_builder::Builder;
use crate::ops::elementwise::binary;
use crate::ops::reduce::{reduce_axes, Reduction};
use crate::ops::{OpCtx, Value};
use crate::proto::Attrs;
use crate::ImportError;
use zkinfer_circuits::ir::{BinaryKind, Nonlinearity};
use zkinfer_circuits::Op;

pub fn lower(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let x = ctx.arg(0)?.clone();
    let Value::Node(id) = x else { return Err(ImportError::unsupported("Normalizer", ctx.name, "a constant input")) };
    let last = b.nodes[id].shape.len() - 1;
    let unary = |b: &mut Builder, v: &Value, f: Nonlinearity| -> Value {
        let id = b.node_of(v, ctx.name);
        Value::Node(b.push(&format!("{}/{}", ctx.name, f.name()), Op::Unary(f), vec![id], b.nodes[id].shape.clone()))
    };
    let inverse = match Attrs(ctx.node).string("norm").as_deref().unwrap_or("MAX") {
        "MAX" => {
            let max = reduce_axes(b, ctx, &x, &[last], true, Reduction::Max)?;
            unary(b, &max, Nonlinearity::Reciprocal)
        }
        "L1" => {
            let abs = unary(b, &x, Nonlinearity::Abs);
            let sum = reduce_axes(b, ctx, &abs, &[last], true, Reduction::Sum)?;
            unary(b, &sum, Nonlinearity::Reciprocal)
        }
        "L2" => {
            let squared = binary(b, ctx, BinaryKind::Mul, &x, &x)?;
            let sum = reduce_axes(b, ctx, &squared, &[last], true, Reduction::Sum)?;
            unary(b, &sum, Nonlinearity::Rsqrt { eps: 0.0 })
        }
        other => return Err(ctx.error(format!("unknown norm {other}"))),
    };
    binary(b, ctx, BinaryKind::Mul, &x, &inverse)
}
