//! ONNX `Add`, `Sub`, `Mul` (and the variadic `Sum`, `Mean`) with numpy broadcasting; folded when
//! both operands are constant.

use super::{OpCtx, Value};
use crate::graph_builder::Builder;
use crate::proto::ConstTensor;
use crate::ImportError;
use zkinfer_circuits::ir::{broadcast_shapes, broadcast_source_indices, BinaryKind};
use zkinfer_circuits::Op;

pub fn lower(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let kind = match ctx.op() {
        "Add" => BinaryKind::Add,
        "Sub" => BinaryKind::Sub,
        _ => BinaryKind::Mul,
    };
    binary(b, ctx, kind, ctx.arg(0)?, ctx.arg(1)?)
}

/// `Sum` and `Mean` of any number of inputs (broadcast together): a chain of additions, the mean
/// then times `1/n`.
pub fn sum(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let args: Vec<Value> = (0..ctx.args.len()).map(|i| ctx.arg(i).cloned()).collect::<Result<_, _>>()?;
    let (first, rest) = args.split_first().ok_or_else(|| ctx.error("it has no inputs"))?;
    let mut total = first.clone();
    for x in rest {
        total = binary(b, ctx, BinaryKind::Add, &total, x)?;
    }
    if ctx.op() == "Mean" && args.len() > 1 {
        total = binary(b, ctx, BinaryKind::Mul, &total, &Value::Const(ConstTensor::scalar(1.0 / args.len() as f64)))?;
    }
    Ok(total)
}

/// `kind(x, y)` as a node, or folded when both are constant.
pub fn binary(b: &mut Builder, ctx: &OpCtx, kind: BinaryKind, x: &Value, y: &Value) -> Result<Value, ImportError> {
    let (sx, sy) = (b.shape(x), b.shape(y));
    let shape =
        broadcast_shapes(&sx, &sy).ok_or_else(|| ctx.error(format!("shapes {sx:?} and {sy:?} do not broadcast")))?;
    if let (Value::Const(x), Value::Const(y)) = (x, y) {
        return Ok(Value::Const(fold(kind, x, y, shape)));
    }
    let xi = b.node_of(x, ctx.name);
    let yi = b.node_of(y, ctx.name);
    Ok(Value::Node(b.push(ctx.name, Op::Binary(kind), vec![xi, yi], shape)))
}

fn fold(kind: BinaryKind, x: &ConstTensor, y: &ConstTensor, shape: Vec<usize>) -> ConstTensor {
    let ix = broadcast_source_indices(&x.shape, &shape);
    let iy = broadcast_source_indices(&y.shape, &shape);
    let data = ix
        .iter()
        .zip(&iy)
        // in f32, as ONNX computes a float tensor: a folded `0.1 + 0.2` must compare like onnxruntime's
        .map(|(&i, &j)| {
            let (a, b) = (x.data[i] as f32, y.data[j] as f32);
            (match kind {
                BinaryKind::Add => a + b,
                BinaryKind::Sub => a - b,
                BinaryKind::Mul => a * b,
            }) as f64
        })
        .collect();
    ConstTensor { shape, data }
}

/// Inference-mode `BatchNormalization`: `x * a + c` per channel (axis 1), with
/// `a = scale / sqrt(var + eps)` and `c = bias - mean * a` computed at import.
pub fn batch_norm(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let x = ctx.arg(0)?;
    let rank = b.shape(x).len();
    let param =
        |i: usize| ctx.opt_const(i)?.cloned().ok_or_else(|| ctx.error(format!("input #{i} (a constant) is missing")));
    let (scale, bias, mean, var) = (param(1)?, param(2)?, param(3)?, param(4)?);
    let eps = crate::proto::Attrs(ctx.node).float("epsilon", 1e-5) as f64;
    let a: Vec<f64> = scale.data.iter().zip(&var.data).map(|(s, v)| s / (v + eps).sqrt()).collect();
    let c: Vec<f64> = bias.data.iter().zip(&mean.data).zip(&a).map(|((bi, m), ai)| bi - m * ai).collect();
    per_channel_affine(b, ctx, x, rank, a, c)
}

/// `a[c] · x + c[c]` along axis 1 of a rank-`rank` tensor (BatchNormalization folded, or
/// InstanceNormalization's scale and B).
pub fn per_channel_affine(
    b: &mut Builder,
    ctx: &OpCtx,
    x: &Value,
    rank: usize,
    a: Vec<f64>,
    c: Vec<f64>,
) -> Result<Value, ImportError> {
    // shape [C, 1, ...] so the constants broadcast along axis 1
    let shape: Vec<usize> = std::iter::once(a.len()).chain(std::iter::repeat_n(1, rank.saturating_sub(2))).collect();
    let scaled = binary(b, ctx, BinaryKind::Mul, x, &Value::Const(ConstTensor { shape: shape.clone(), data: a }))?;
    binary(b, ctx, BinaryKind::Add, &scaled, &Value::Const(ConstTensor { shape, data: c }))
}
