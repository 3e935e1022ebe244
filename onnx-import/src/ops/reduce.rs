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
fn reduced_last(b: &mut Builder, ctx: &OpCtx, x: &Value, axes: &[usize]) -> (Value, Vec<usize>, usize) {
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

/// Reduces the last axis (of size `k`) of `x` (whose other axes are `kept`).
fn reduce_last(b: &mut Builder, ctx: &OpCtx, x: Value, kept: &[usize], k: usize) -> Result<usize, ImportError> {
    let Value::Node(id) = x else { return Err(ImportError::unsupported(ctx.op(), ctx.name, "the input must be computed from the model input")) };
    let with_k: Vec<usize> = kept.iter().copied().chain([k]).collect();
    let id = if b.nodes[id].shape == with_k { id } else { b.push(&format!("{}/windows", ctx.name), Op::Reshape, vec![id], with_k) };
    Ok(match ctx.op() {
        "ReduceSum" | "ReduceMean" => {
            let w = if ctx.op() == "ReduceSum" { 1.0 } else { 1.0 / k as f32 };
            let out: Vec<usize> = kept.iter().copied().chain([1]).collect();
            let lin = b.push(&format!("{}/sum", ctx.name), Op::Linear { weight: Tensor::new(vec![k, 1], vec![w; k]), bias: None }, vec![id], out);
            b.push(&format!("{}/flat", ctx.name), Op::Reshape, vec![lin], kept.to_vec())
        }
        op => b.push(&format!("{}/extremum", ctx.name), Op::Extremum { max: matches!(op, "ReduceMax" | "Max" | "MaxPool") }, vec![id], kept.to_vec()),
    })
}

pub fn reduce(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let x = ctx.arg(0)?.clone();
    let shape = b.shape(&x);
    let rank = shape.len();
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
    let (moved, kept, k) = reduced_last(b, ctx, &x, &axes);
    let out = reduce_last(b, ctx, moved, &kept, k)?;
    let final_shape: Vec<usize> = if keepdims { (0..rank).map(|a| if axes.contains(&a) { 1 } else { shape[a] }).collect() } else { kept };
    Ok(Value::Node(if b.nodes[out].shape == final_shape { out } else { b.push(ctx.name, Op::Reshape, vec![out], final_shape) }))
}

/// Element-wise `Max`/`Min` of any number of broadcastable inputs.
pub fn elementwise(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let args: Vec<Value> = ctx.args.iter().flatten().cloned().collect();
    let mut shape = b.shape(args.first().ok_or_else(|| ctx.error("no inputs"))?);
    for a in &args[1..] {
        let s = b.shape(a);
        shape = broadcast_shapes(&shape, &s).ok_or_else(|| ctx.error(format!("shapes {shape:?} and {s:?} do not broadcast")))?;
    }
    if args.len() == 1 {
        return Ok(args[0].clone());
    }
    let with_one: Vec<usize> = shape.iter().copied().chain([1]).collect();
    let mut columns = Vec::new();
    for (i, a) in args.iter().enumerate() {
        let s = b.shape(a);
        let offset = with_one.len() - 1 - s.len();
        let expanded = rewire(b, &format!("{}/arg{i}", ctx.name), a, with_one.clone(), |c| Some(s.iter().enumerate().map(|(d, &n)| if n == 1 { 0 } else { c[d + offset] }).collect()));
        columns.push(b.node_of(&expanded, ctx.name));
    }
    let stacked = b.push(&format!("{}/stack", ctx.name), Op::Concat { axis: shape.len() }, columns, shape.iter().copied().chain([args.len()]).collect());
    Ok(Value::Node(reduce_last(b, ctx, Value::Node(stacked), &shape, args.len())?))
}

pub fn max_pool(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    if ctx.node.output.len() > 1 {
        return Err(ImportError::unsupported("MaxPool", ctx.name, "the Indices output"));
    }
    let (windows, kept, k) = conv::pool_windows(b, ctx)?;
    Ok(Value::Node(reduce_last(b, ctx, Value::Node(windows), &kept, k)?))
}
