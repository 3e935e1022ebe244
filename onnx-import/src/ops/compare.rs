//! Comparison and selection: `Less`, `LessOrEqual`, `Greater`, `GreaterOrEqual`, `Equal`, `Not`,
//! `Where`, `ArgMax`, `ArgMin`. Every comparison is the IR's `Compare` (`a < b` or `a ≤ b`, a
//! 0/1 tensor); the rest is arithmetic on those 0/1 values, so no new constraint is needed:
//!
//! - `Equal(a, b) = [a ≤ b] · [b ≤ a]`, `Not(c) = 1 − c`, `Where(c, x, y) = y + c · (x − y)`;
//! - `ArgMax(x)` over an axis of size `K`: with `m = max(x)` and `e_j = [m ≤ x_j]` (`x_j` is a
//!   maximum), the first maximum's index is the number of `j` whose prefix sum `Σ_{i≤j} e_i` is
//!   still 0. The last one (`select_last_index`) counts suffix sums from the end.

use super::elementwise::binary;
use super::reduce::{reduce_axes, Reduction};
use super::select::axis;
use super::{OpCtx, Value};
use crate::graph_builder::Builder;
use crate::proto::{Attrs, ConstTensor};
use crate::ImportError;
use zkinfer_circuits::ir::{broadcast_shapes, broadcast_source_indices, BinaryKind, GuardKind};
use zkinfer_circuits::{Op, Tensor};

pub fn lower(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    match ctx.op() {
        "Less" => less(b, ctx, ctx.arg(0)?, ctx.arg(1)?, true),
        "LessOrEqual" => less(b, ctx, ctx.arg(0)?, ctx.arg(1)?, false),
        "Greater" => less(b, ctx, ctx.arg(1)?, ctx.arg(0)?, true),
        "GreaterOrEqual" => less(b, ctx, ctx.arg(1)?, ctx.arg(0)?, false),
        "Equal" => equal(b, ctx, ctx.arg(0)?, ctx.arg(1)?),
        "Not" => not(b, ctx, ctx.arg(0)?),
        "Where" => select_where(b, ctx, ctx.arg(0)?, ctx.arg(1)?, ctx.arg(2)?),
        _ => arg_extremum(b, ctx),
    }
}

/// `[x < y]` (`strict`) or `[x ≤ y]` as a 0/1 tensor, folded when both are constant.
pub fn less(b: &mut Builder, ctx: &OpCtx, x: &Value, y: &Value, strict: bool) -> Result<Value, ImportError> {
    let (sx, sy) = (b.shape(x), b.shape(y));
    let shape =
        broadcast_shapes(&sx, &sy).ok_or_else(|| ctx.error(format!("shapes {sx:?} and {sy:?} do not broadcast")))?;
    if let (Value::Const(x), Value::Const(y)) = (x, y) {
        let (ix, iy) = (broadcast_source_indices(&x.shape, &shape), broadcast_source_indices(&y.shape, &shape));
        let data = ix
            .iter()
            .zip(&iy)
            .map(|(&i, &j)| (x.data[i] < y.data[j] || (!strict && x.data[i] == y.data[j])) as u8 as f64)
            .collect();
        return Ok(Value::Const(ConstTensor { shape, data }));
    }
    let (xi, yi) = (b.node_of(x, ctx.name), b.node_of(y, ctx.name));
    let name = format!("{}/{}", ctx.name, if strict { "less" } else { "less_equal" });
    Ok(Value::Node(b.push(&name, Op::Compare { strict }, vec![xi, yi], shape)))
}

pub fn equal(b: &mut Builder, ctx: &OpCtx, x: &Value, y: &Value) -> Result<Value, ImportError> {
    let below = less(b, ctx, x, y, false)?;
    let above = less(b, ctx, y, x, false)?;
    binary(b, ctx, BinaryKind::Mul, &below, &above)
}

/// `1 − c` for a 0/1 tensor.
pub fn not(b: &mut Builder, ctx: &OpCtx, c: &Value) -> Result<Value, ImportError> {
    binary(b, ctx, BinaryKind::Sub, &Value::Const(ConstTensor::scalar(1.0)), c)
}

/// `Where(c, x, y) = y + c · (x − y)`.
fn select_where(b: &mut Builder, ctx: &OpCtx, c: &Value, x: &Value, y: &Value) -> Result<Value, ImportError> {
    if let Some(mask) = fill_mask(b, ctx, c, x, y) {
        return mask;
    }
    if let Value::Node(id) = c {
        if !is_boolean(b, *id) {
            return Err(ImportError::unsupported("Where", ctx.name, "the condition must come from a comparison"));
        }
    }
    let diff = binary(b, ctx, BinaryKind::Sub, x, y)?;
    let picked = binary(b, ctx, BinaryKind::Mul, c, &diff)?;
    binary(b, ctx, BinaryKind::Add, y, &picked)
}

/// Entries this low fill masked positions (`masked_fill(mask, −1e9)`, `−1e4`, `−∞`).
const MASK_FILL: f64 = -1e3;

/// `Where(mask, fill, s)` (or `Where(mask, s, fill)`) with a constant mask and a constant fill of
/// very negative values, as `s' + M`: `s'` is `s` with a pinned 0 at the filled positions (a
/// `Select` with no source there) and `M` the fill there and 0 elsewhere. The result is exactly
/// `fill` where it is chosen and `s` elsewhere, whatever reads it (an `ArgMax` of masked logits
/// never picks a filled position), and it has the form a masked softmax recognises
/// (`masked_softmax`).
fn fill_mask(b: &mut Builder, ctx: &OpCtx, c: &Value, x: &Value, y: &Value) -> Option<Result<Value, ImportError>> {
    let Value::Const(cond) = c else { return None };
    let (fill, scores, fill_when) = match (x, y) {
        (Value::Const(f), Value::Node(_)) => (f, y, 1.0),
        (Value::Node(_), Value::Const(f)) => (f, x, 0.0),
        _ => return None,
    };
    let shape = broadcast_shapes(&broadcast_shapes(&cond.shape, &fill.shape)?, &b.shape(scores))?;
    let (ic, i_fill) = (broadcast_source_indices(&cond.shape, &shape), broadcast_source_indices(&fill.shape, &shape));
    let filled = |e: usize| (cond.data[ic[e]] != 0.0) == (fill_when == 1.0);
    let all_low = (0..ic.len()).filter(|&e| filled(e)).all(|e| fill.data[i_fill[e]] <= MASK_FILL);
    if !all_low || !(0..ic.len()).any(filled) {
        return None;
    }
    let data = (0..ic.len()).map(|e| if filled(e) { fill.data[i_fill[e]] } else { 0.0 }).collect();
    let Value::Node(id) = scores else { unreachable!("matched as a node") };
    let from = broadcast_source_indices(&b.shape(scores), &shape);
    let sources = (0..ic.len()).map(|e| (!filled(e)).then_some(from[e] as u32)).collect();
    let open = b.push(&format!("{}/open", ctx.name), Op::Select { sources }, vec![*id], shape.clone());
    Some(binary(b, ctx, BinaryKind::Add, &Value::Node(open), &Value::Const(ConstTensor { shape, data })))
}

/// Whether a node's values are 0 or 1 by construction.
pub fn is_boolean(b: &Builder, id: usize) -> bool {
    let node = &b.nodes[id];
    match &node.op {
        Op::Compare { .. } => true,
        Op::Reshape | Op::Select { .. } | Op::Extremum { .. } | Op::Relu => is_boolean(b, node.inputs[0]),
        Op::Binary(BinaryKind::Mul) => node.inputs.iter().all(|&i| is_boolean(b, i)),
        Op::Binary(BinaryKind::Sub) => {
            matches!(&b.nodes[node.inputs[0]].op, Op::Const(t) if t.data.iter().all(|&v| v == 1.0))
                && is_boolean(b, node.inputs[1])
        }
        Op::Const(t) => t.data.iter().all(|&v| v == 0.0 || v == 1.0),
        _ => false,
    }
}

/// Whether a node's values are integers by construction (a comparison, an index, a count).
pub fn is_integral(b: &Builder, id: usize) -> bool {
    let node = &b.nodes[id];
    let integral = |t: &Tensor| t.data.iter().all(|v| v.fract() == 0.0);
    match &node.op {
        Op::Compare { .. } => true,
        Op::Const(t) => integral(t),
        Op::Reshape | Op::Select { .. } | Op::Relu | Op::Extremum { .. } => is_integral(b, node.inputs[0]),
        Op::Binary(_) | Op::Concat { .. } | Op::MatMul => node.inputs.iter().all(|&i| is_integral(b, i)),
        Op::Linear { weight, bias } => {
            integral(weight) && bias.as_ref().is_none_or(integral) && is_integral(b, node.inputs[0])
        }
        _ => false,
    }
}

/// `ArgMax` / `ArgMin` over one axis (`keepdims`, `select_last_index` honoured).
fn arg_extremum(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let x = ctx.arg(0)?.clone();
    let attrs = Attrs(ctx.node);
    let ax = axis(ctx, attrs.int("axis", 0), b.shape(&x).len())?;
    let how = ArgOptions {
        is_max: ctx.op() == "ArgMax",
        keepdims: attrs.int("keepdims", 1) != 0,
        last: attrs.int("select_last_index", 0) != 0,
    };
    arg_index(b, ctx, &x, ax, how)
}

/// Which index `arg_index` returns and how it shapes the result.
#[derive(Clone, Copy)]
pub struct ArgOptions {
    pub is_max: bool,
    pub keepdims: bool,
    /// The last extremum instead of the first.
    pub last: bool,
}

/// The index of the max (or min) of `x` along `ax`.
pub fn arg_index(b: &mut Builder, ctx: &OpCtx, x: &Value, ax: usize, how: ArgOptions) -> Result<Value, ImportError> {
    let ArgOptions { is_max, keepdims, last } = how;
    let x = x.clone();
    let shape = b.shape(&x);
    let out_shape: Vec<usize> = if keepdims {
        shape.iter().enumerate().map(|(a, &d)| if a == ax { 1 } else { d }).collect()
    } else {
        [&shape[..ax], &shape[ax + 1..]].concat()
    };
    if let Value::Const(t) = &x {
        return Ok(Value::Const(ConstTensor { shape: out_shape, data: const_arg_extremum(t, ax, is_max, last) }));
    }
    let k = shape[ax];
    // the axis moved last: [kept..., K]
    let moved = super::select::move_axis_last(b, ctx, &x, ax);
    let kept: Vec<usize> = [&shape[..ax], &shape[ax + 1..]].concat();
    let with_one: Vec<usize> = kept.iter().copied().chain([1]).collect();
    let how = if is_max { Reduction::Max } else { Reduction::Min };
    let extreme = reduce_axes(b, ctx, &moved, &[kept.len()], true, how)?;
    // e_j = [x_j is the extremum]: m ≤ x_j for a max, x_j ≤ m for a min
    let hit = if is_max { less(b, ctx, &extreme, &moved, false)? } else { less(b, ctx, &moved, &extreme, false)? };
    let Value::Node(hit) = hit else { unreachable!("a comparison of computed tensors is a node") };
    // running sums from the chosen end: [i ≤ j] (first) or [i ≥ j] (last)
    let running: Vec<f32> =
        (0..k * k).map(|f| (if last { f / k >= f % k } else { f / k <= f % k }) as u8 as f32).collect();
    let sums = b.push(
        &format!("{}/running_sum", ctx.name),
        Op::Linear { weight: Tensor::new(vec![k, k], running), bias: None },
        vec![hit],
        b.nodes[hit].shape.clone(),
    );
    // the sums and the index are integers up to K: a negative scale (an axis of more than
    // 2^(bits−1) entries, or calibration inputs with many tied maxima) would round them
    let rounded = format!("the running sums of '{}' would be rounded and pick another index", ctx.name);
    b.guard(sums, GuardKind::ExactIntegers(k as f64), rounded);
    let before = less(b, ctx, &Value::Node(sums), &Value::Const(ConstTensor::scalar(0.0)), false)?;
    let Value::Node(before) = before else { unreachable!() };
    // first: index = Σ before; last: index = K − 1 − Σ after
    let (w, bias) = if last { (-1.0, Some(Tensor::new(vec![1], vec![(k - 1) as f32]))) } else { (1.0, None) };
    let index = b.push(
        &format!("{}/index", ctx.name),
        Op::Linear { weight: Tensor::new(vec![k, 1], vec![w; k]), bias },
        vec![before],
        with_one,
    );
    // the extremum is one of the entries, so some e_j is 1 and fewer than K prefix sums are 0
    b.ranges.insert(index, (0.0, (k - 1) as f64));
    let rounded = format!("the index of '{}' would be rounded to a neighbouring one", ctx.name);
    b.guard(index, GuardKind::ExactIntegers((k - 1) as f64), rounded);
    Ok(Value::Node(b.push(ctx.name, Op::Reshape, vec![index], out_shape)))
}

fn const_arg_extremum(t: &ConstTensor, ax: usize, is_max: bool, last: bool) -> Vec<f64> {
    let (outer, k): (usize, usize) = (t.shape[..ax].iter().product(), t.shape[ax]);
    let inner: usize = t.shape[ax + 1..].iter().product();
    let mut out = Vec::with_capacity(outer * inner);
    for o in 0..outer {
        for i in 0..inner {
            let at = |j: usize| t.data[(o * k + j) * inner + i];
            let better = |a: f64, b: f64| if is_max { a > b } else { a < b };
            let mut best = 0;
            for j in 1..k {
                if better(at(j), at(best)) || (last && at(j) == at(best)) {
                    best = j;
                }
            }
            out.push(best as f64);
        }
    }
    out
}
