//! Reductions and extrema: `ReduceMax`, `ReduceMin`, `ReduceSum`, `ReduceMean`, `MaxPool`, and
//! element-wise `Max`/`Min`. The reduced elements are first re-wired to a last axis; then an
//! `Extremum` (max/min gadget) or a `Linear` with weights 1 or 1/K reduces it.

use super::select::{axis, ints, rewire};
use super::{conv, OpCtx, Value};
use crate::graph_builder::Builder;
use crate::proto::Attrs;
use crate::ImportError;
use zkinfer_circuits::ir::broadcast_shapes;
use zkinfer_circuits::{Op, Tensor};

/// `[kept..., reduced...]` re-wiring of `x`, reshaped to `[kept..., K]`; returns it and `K`.
pub(super) fn reduced_last(b: &mut Builder, ctx: &OpCtx, x: &Value, axes: &[usize]) -> (Value, Vec<usize>, usize) {
    let shape = b.shape(x);
    let kept: Vec<usize> = (0..shape.len()).filter(|a| !axes.contains(a)).collect();
    let order: Vec<usize> = kept.iter().chain(axes).copied().collect();
    let permuted: Vec<usize> = order.iter().map(|&a| shape[a]).collect();
    let moved = rewire(b, &format!("{}/gather", ctx.name), x, permuted, |c| {
        let mut src = vec![0; shape.len()];
        order.iter().zip(c).for_each(|(&a, &v)| src[a] = v);
        Some(src)
    });
    let k: usize = axes.iter().map(|&a| shape[a]).product();
    let kept_shape: Vec<usize> = kept.iter().map(|&a| shape[a]).collect();
    (moved, kept_shape, k)
}

/// How a reduction combines the elements of its axis.
#[derive(Clone, Copy, PartialEq)]
pub enum Reduction {
    Sum,
    Mean,
    Max,
    Min,
}

impl Reduction {
    fn of(op: &str) -> Self {
        match op {
            "ReduceSum" => Self::Sum,
            "ReduceMean" => Self::Mean,
            "ReduceMin" | "Min" => Self::Min,
            _ => Self::Max,
        }
    }
}

/// Reduces the last axis (of size `k`) of `x` (whose other axes are `kept`).
pub(super) fn reduce_last(
    b: &mut Builder,
    ctx: &OpCtx,
    x: Value,
    kept: &[usize],
    k: usize,
    how: Reduction,
) -> Result<usize, ImportError> {
    let Value::Node(id) = x else {
        return Err(ImportError::unsupported(ctx.op(), ctx.name, "the input must be computed from the model input"));
    };
    let with_k: Vec<usize> = kept.iter().copied().chain([k]).collect();
    let id = if b.nodes[id].shape == with_k {
        id
    } else {
        b.push(&format!("{}/windows", ctx.name), Op::Reshape, vec![id], with_k)
    };
    Ok(match how {
        Reduction::Sum | Reduction::Mean => {
            let w = if how == Reduction::Sum { 1.0 } else { 1.0 / k as f32 };
            let out: Vec<usize> = kept.iter().copied().chain([1]).collect();
            let lin = b.push(
                &format!("{}/sum", ctx.name),
                Op::Linear { weight: Tensor::new(vec![k, 1], vec![w; k]), bias: None },
                vec![id],
                out,
            );
            b.push(&format!("{}/flat", ctx.name), Op::Reshape, vec![lin], kept.to_vec())
        }
        Reduction::Max | Reduction::Min => b.push(
            &format!("{}/extremum", ctx.name),
            Op::Extremum { max: how == Reduction::Max },
            vec![id],
            kept.to_vec(),
        ),
    })
}

pub fn reduce(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let x = ctx.arg(0)?.clone();
    let rank = b.shape(&x).len();
    let listed = ints(ctx, 1, "axes")?;
    let noop = Attrs(ctx.node).int("noop_with_empty_axes", 0) != 0;
    let mut axes: Vec<usize> = match listed {
        Some(a) if !a.is_empty() => a.iter().map(|&v| axis(ctx, v, rank)).collect::<Result<_, _>>()?,
        _ if noop => return Ok(x),
        _ => (0..rank).collect(),
    };
    axes.sort_unstable();
    axes.dedup();
    let keepdims = Attrs(ctx.node).int("keepdims", 1) != 0;
    reduce_axes(b, ctx, &x, &axes, keepdims, Reduction::of(ctx.op()))
}

/// `how` over `axes` of `x`, keeping them as size 1 when `keepdims`.
pub fn reduce_axes(
    b: &mut Builder,
    ctx: &OpCtx,
    x: &Value,
    axes: &[usize],
    keepdims: bool,
    how: Reduction,
) -> Result<Value, ImportError> {
    let shape = b.shape(x);
    let (moved, kept, k) = reduced_last(b, ctx, x, axes);
    let out = reduce_last(b, ctx, moved, &kept, k, how)?;
    let final_shape: Vec<usize> =
        if keepdims { (0..shape.len()).map(|a| if axes.contains(&a) { 1 } else { shape[a] }).collect() } else { kept };
    Ok(Value::Node(if b.nodes[out].shape == final_shape {
        out
    } else {
        b.push(ctx.name, Op::Reshape, vec![out], final_shape)
    }))
}

/// Element-wise `Max`/`Min` of any number of broadcastable inputs.
pub fn elementwise(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let args: Vec<Value> = ctx.args.iter().flatten().cloned().collect();
    let mut shape = b.shape(args.first().ok_or_else(|| ctx.error("no inputs"))?);
    for a in &args[1..] {
        let s = b.shape(a);
        shape = broadcast_shapes(&shape, &s)
            .ok_or_else(|| ctx.error(format!("shapes {shape:?} and {s:?} do not broadcast")))?;
    }
    if args.len() == 1 {
        return Ok(args[0].clone());
    }
    let with_one: Vec<usize> = shape.iter().copied().chain([1]).collect();
    let mut columns = Vec::new();
    for (i, a) in args.iter().enumerate() {
        let s = b.shape(a);
        let offset = with_one.len() - 1 - s.len();
        let expanded = rewire(b, &format!("{}/arg{i}", ctx.name), a, with_one.clone(), |c| {
            Some(s.iter().enumerate().map(|(d, &n)| if n == 1 { 0 } else { c[d + offset] }).collect())
        });
        columns.push(b.node_of(&expanded, ctx.name));
    }
    let stacked = b.push(
        &format!("{}/stack", ctx.name),
        Op::Concat { axis: shape.len() },
        columns,
        shape.iter().copied().chain([args.len()]).collect(),
    );
    Ok(Value::Node(reduce_last(b, ctx, Value::Node(stacked), &shape, args.len(), Reduction::of(ctx.op()))?))
}

pub fn max_pool(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    if ctx.node.output.len() > 1 {
        return Err(ImportError::unsupported("MaxPool", ctx.name, "the Indices output"));
    }
    let (windows, kept, k, _) = conv::pool_windows(b, ctx)?;
    Ok(Value::Node(reduce_last(b, ctx, Value::Node(windows), &kept, k, Reduction::Max)?))
}

/// `LayerNormalization` over the axes from `axis` on: `(x − mean) · rsqrt(var + ε) · scale + bias`,
/// built from ReduceMean, Sub, Mul and a table lookup for `1/sqrt(v + ε)`.
pub fn layer_norm(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    use super::elementwise::binary;
    use zkinfer_circuits::ir::BinaryKind;
    let x = ctx.arg(0)?.clone();
    let rank = b.shape(&x).len();
    let first = axis(ctx, Attrs(ctx.node).int("axis", -1), rank)?;
    let axes: Vec<usize> = (first..rank).collect();
    let mut y = normalized(b, ctx, &x, &axes)?;
    if let Some(scale) = ctx.opt_const(1)? {
        y = binary(b, ctx, BinaryKind::Mul, &y, &Value::Const(scale.clone()))?;
    }
    if let Some(bias) = ctx.opt_const(2)? {
        y = binary(b, ctx, BinaryKind::Add, &y, &Value::Const(bias.clone()))?;
    }
    Ok(y)
}

/// `InstanceNormalization` of `[N, C, D1, …]`: each `(n, c)` normalized over its spatial axes,
/// then `scale[c]` and `B[c]` as a per-channel affine map (the shape BatchNormalization folds to).
pub fn instance_norm(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let x = ctx.arg(0)?.clone();
    let rank = b.shape(&x).len();
    if rank < 3 {
        return Err(ctx.error(format!("the input has rank {rank}; InstanceNormalization needs [N, C, D1, ...]")));
    }
    let channels = b.shape(&x)[1];
    let param =
        |i: usize| ctx.opt_const(i)?.cloned().ok_or_else(|| ctx.error(format!("input #{i} (a constant) is missing")));
    let (scale, bias) = (param(1)?, param(2)?);
    if scale.data.len() != channels || bias.data.len() != channels {
        return Err(ctx.error(format!(
            "scale and B have {} and {} values for {channels} channels",
            scale.data.len(),
            bias.data.len()
        )));
    }
    let axes: Vec<usize> = (2..rank).collect();
    let y = normalized(b, ctx, &x, &axes)?;
    super::elementwise::per_channel_affine(b, ctx, &y, rank, scale.data, bias.data)
}

/// `(x − mean) · rsqrt(var + ε)` over `axes` (ε the node's `epsilon`, default 1e-5): the part
/// LayerNormalization and InstanceNormalization share.
fn normalized(b: &mut Builder, ctx: &OpCtx, x: &Value, axes: &[usize]) -> Result<Value, ImportError> {
    use super::elementwise::binary;
    use zkinfer_circuits::ir::{BinaryKind, Nonlinearity};
    let eps = Attrs(ctx.node).float("epsilon", 1e-5);
    let mean = reduce_axes(b, ctx, x, axes, true, Reduction::Mean)?;
    let centered = binary(b, ctx, BinaryKind::Sub, x, &mean)?;
    let squared = binary(b, ctx, BinaryKind::Mul, &centered, &centered)?;
    let var = reduce_axes(b, ctx, &squared, axes, true, Reduction::Mean)?;
    let Value::Node(var_id) = var else { unreachable!("reductions of computed tensors are nodes") };
    let inv = Value::Node(b.push(
        &format!("{}/rsqrt", ctx.name),
        Op::Unary(Nonlinearity::Rsqrt { eps }),
        vec![var_id],
        b.nodes[var_id].shape.clone(),
    ));
    binary(b, ctx, BinaryKind::Mul, &centered, &inv)
}

/// `Softmax` and `LogSoftmax`, max-subtracted: `e = exp(x − max)`, `S = Σ e`, then `e · (1/S)`
/// (or `(x − max) − log S`). Opset ≥ 13 normalizes over `axis` (default −1); older opsets over
/// all axes from `axis` on (default 1).
pub fn softmax(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let x = ctx.arg(0)?.clone();
    let rank = b.shape(&x).len();
    let axes: Vec<usize> = if ctx.opset >= 13 {
        vec![axis(ctx, Attrs(ctx.node).int("axis", -1), rank)?]
    } else {
        (axis(ctx, Attrs(ctx.node).int("axis", 1), rank)?..rank).collect()
    };
    let log = ctx.op() == "LogSoftmax";
    if let [axis] = axes.as_slice() {
        if let Some(masked) = super::masked_softmax::lower(b, ctx, &x, *axis, log)? {
            return Ok(masked);
        }
    }
    softmax_over(b, ctx, &x, &axes, log)
}

/// Softmax (or its log) of `x` normalized over `axes`.
pub fn softmax_over(b: &mut Builder, ctx: &OpCtx, x: &Value, axes: &[usize], log: bool) -> Result<Value, ImportError> {
    use super::elementwise::binary;
    use zkinfer_circuits::ir::{BinaryKind, Nonlinearity};
    let unary = |b: &mut Builder, v: &Value, f: Nonlinearity, suffix: &str| -> Value {
        let Value::Node(id) = v else { unreachable!("softmax intermediates are nodes") };
        Value::Node(b.push(&format!("{}/{suffix}", ctx.name), Op::Unary(f), vec![*id], b.nodes[*id].shape.clone()))
    };
    let max = reduce_axes(b, ctx, x, axes, true, Reduction::Max)?;
    let centered = binary(b, ctx, BinaryKind::Sub, x, &max)?;
    let exp = unary(b, &centered, Nonlinearity::Exp, "exp");
    let sum = reduce_axes(b, ctx, &exp, axes, true, Reduction::Sum)?;
    if log {
        let log_sum = unary(b, &sum, Nonlinearity::Log, "log");
        return binary(b, ctx, BinaryKind::Sub, &centered, &log_sum);
    }
    let inverse = unary(b, &sum, Nonlinearity::Reciprocal, "reciprocal");
    binary(b, ctx, BinaryKind::Mul, &exp, &inverse)
}
