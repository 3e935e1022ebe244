//! Ops that only move values: `Transpose`, `Slice`, `Gather` (constant indices; a computed index
//! into a constant table is `table_gather`'s), `Expand`,
//! `Tile`, `Pad`, `Split`. Each is a map from output coordinates to input coordinates; one helper
//! turns it into a `Select` node (or applies it to a constant).

use super::{OpCtx, Value};
use crate::graph_builder::Builder;
use crate::proto::{Attrs, ConstTensor};
use crate::ImportError;
use zkinfer_circuits::Op;

fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1usize; shape.len()];
    for a in (0..shape.len().saturating_sub(1)).rev() {
        s[a] = s[a + 1] * shape[a + 1];
    }
    s
}

/// For every output coordinate (row-major), the flat input index `source` maps it to (None: 0).
fn sources(
    in_shape: &[usize],
    out_shape: &[usize],
    source: impl Fn(&[usize]) -> Option<Vec<usize>>,
) -> Vec<Option<usize>> {
    let in_strides = strides(in_shape);
    let total: usize = out_shape.iter().product();
    let mut coord = vec![0usize; out_shape.len()];
    let mut out = Vec::with_capacity(total);
    for _ in 0..total {
        out.push(source(&coord).map(|c| c.iter().zip(&in_strides).map(|(c, s)| c * s).sum()));
        for a in (0..out_shape.len()).rev() {
            coord[a] += 1;
            if coord[a] < out_shape[a] {
                break;
            }
            coord[a] = 0;
        }
    }
    out
}

/// The value `out_shape` made of `x`'s elements picked by `source`.
pub(super) fn rewire(
    b: &mut Builder,
    name: &str,
    x: &Value,
    out_shape: Vec<usize>,
    source: impl Fn(&[usize]) -> Option<Vec<usize>>,
) -> Value {
    let picks = sources(&b.shape(x), &out_shape, source);
    match x {
        Value::Const(t) => Value::Const(ConstTensor {
            shape: out_shape,
            data: picks.iter().map(|p| p.map_or(0.0, |i| t.data[i])).collect(),
        }),
        Value::Node(id) => Value::Node(b.push(
            name,
            Op::Select { sources: picks.into_iter().map(|p| p.map(|i| i as u32)).collect() },
            vec![*id],
            out_shape,
        )),
    }
}

/// `x` with axis `ax` moved last (the other axes keep their order).
pub(super) fn move_axis_last(b: &mut Builder, ctx: &OpCtx, x: &Value, ax: usize) -> Value {
    let shape = b.shape(x);
    if ax + 1 == shape.len() {
        return x.clone();
    }
    let mut order: Vec<usize> = (0..shape.len()).filter(|&a| a != ax).collect();
    order.push(ax);
    let moved: Vec<usize> = order.iter().map(|&a| shape[a]).collect();
    rewire(b, &format!("{}/axis_last", ctx.name), x, moved, |c| {
        let mut src = vec![0; c.len()];
        order.iter().zip(c).for_each(|(&a, &v)| src[a] = v);
        Some(src)
    })
}

/// The inverse of [`move_axis_last`]: the moved `[kept…, K]` tensor back in `shape`, whose
/// axis `axis` has the `K` entries.
pub(super) fn axis_back(b: &mut Builder, ctx: &OpCtx, moved: &Value, shape: &[usize], axis: usize) -> Value {
    let rank = shape.len();
    if axis + 1 == rank {
        return moved.clone();
    }
    let order: Vec<usize> = (0..rank).filter(|&a| a != axis).chain([axis]).collect();
    rewire(b, &format!("{}/axis_back", ctx.name), moved, shape.to_vec(), |c| {
        Some(order.iter().map(|&a| c[a]).collect())
    })
}

pub(super) fn axis(ctx: &OpCtx, a: i64, rank: usize) -> Result<usize, ImportError> {
    let n = if a < 0 { a + rank as i64 } else { a };
    if n < 0 || n as usize >= rank {
        return Err(ctx.error(format!("axis {a} is out of range for rank {rank}")));
    }
    Ok(n as usize)
}

/// Integers from constant input `i` (newer opsets) or attribute `attr` (older ones).
pub(super) fn ints(ctx: &OpCtx, i: usize, attr: &str) -> Result<Option<Vec<i64>>, ImportError> {
    match ctx.opt_const(i)? {
        Some(t) => Ok(Some(t.as_i64())),
        None => Ok(Attrs(ctx.node).ints(attr)),
    }
}

pub fn transpose(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let x = ctx.arg(0)?;
    let shape = b.shape(x);
    let rank = shape.len();
    let perm: Vec<usize> = match Attrs(ctx.node).ints("perm") {
        Some(p) => p.iter().map(|&a| axis(ctx, a, rank)).collect::<Result<_, _>>()?,
        None => (0..rank).rev().collect(),
    };
    let mut seen = vec![false; rank];
    if perm.len() != rank || perm.iter().any(|&a| std::mem::replace(&mut seen[a], true)) {
        return Err(ctx.error(format!("perm {perm:?} is not a permutation of {rank} axes")));
    }
    let out_shape = perm.iter().map(|&a| shape[a]).collect();
    Ok(rewire(b, ctx.name, x, out_shape, |c| {
        let mut src = vec![0; rank];
        perm.iter().zip(c).for_each(|(&a, &v)| src[a] = v);
        Some(src)
    }))
}

pub fn slice(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let x = ctx.arg(0)?;
    let shape = b.shape(x);
    let rank = shape.len();
    let starts = ints(ctx, 1, "starts")?.ok_or_else(|| ctx.error("starts are missing"))?;
    let ends = ints(ctx, 2, "ends")?.ok_or_else(|| ctx.error("ends are missing"))?;
    let axes = ints(ctx, 3, "axes")?.unwrap_or_else(|| (0..starts.len() as i64).collect());
    let steps = ints(ctx, 4, "steps")?.unwrap_or_else(|| vec![1; starts.len()]);
    let (mut begin, mut step, mut out_shape) = (vec![0i64; rank], vec![1i64; rank], shape.clone());
    for (((&s, &e), &a), &st) in starts.iter().zip(&ends).zip(&axes).zip(&steps) {
        let a = axis(ctx, a, rank)?;
        let dim = shape[a] as i64;
        if st == 0 {
            return Err(ctx.error("a slice step is 0"));
        }
        let clamp = |v: i64, lo: i64, hi: i64| (if v < 0 { v + dim } else { v }).clamp(lo, hi);
        let (s, e) =
            if st > 0 { (clamp(s, 0, dim), clamp(e, 0, dim)) } else { (clamp(s, 0, dim - 1), clamp(e, -1, dim - 1)) };
        let span = if st > 0 { (e - s).max(0) } else { (s - e).max(0) };
        let len = (span as u64).div_ceil(st.unsigned_abs());
        (begin[a], step[a], out_shape[a]) = (s, st, len as usize);
    }
    Ok(rewire(b, ctx.name, x, out_shape, |c| {
        Some(c.iter().enumerate().map(|(a, &v)| (begin[a] + v as i64 * step[a]) as usize).collect())
    }))
}

pub fn gather(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let x = ctx.arg(0)?;
    let shape = b.shape(x);
    let a = axis(ctx, Attrs(ctx.node).int("axis", 0), shape.len())?;
    if let (Value::Const(table), Value::Node(index)) = (x, ctx.arg(1)?) {
        return super::table_gather::gather(b, ctx, table, a, *index);
    }
    let indices = ctx.opt_const(1)?.ok_or_else(|| ctx.error("indices are missing"))?.clone();
    let idx: Vec<usize> = indices
        .as_i64()
        .iter()
        .map(|&i| {
            let j = if i < 0 { i + shape[a] as i64 } else { i };
            (0..shape[a] as i64)
                .contains(&j)
                .then_some(j as usize)
                .ok_or_else(|| ctx.error(format!("index {i} is out of range for axis {a} of size {}", shape[a])))
        })
        .collect::<Result<_, _>>()?;
    let out_shape: Vec<usize> = shape[..a].iter().chain(&indices.shape).chain(&shape[a + 1..]).copied().collect();
    let (r, ir) = (indices.shape.len(), indices.shape.clone());
    Ok(rewire(b, ctx.name, x, out_shape, |c| {
        let flat = c[a..a + r].iter().zip(strides(&ir)).map(|(v, s)| v * s).sum::<usize>();
        Some(c[..a].iter().copied().chain([idx[flat]]).chain(c[a + r..].iter().copied()).collect())
    }))
}

/// `Expand` (numpy broadcasting to a shape) and `Tile` (repetition).
pub fn expand_or_tile(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let x = ctx.arg(0)?;
    let shape = b.shape(x);
    let arg = ctx.opt_const(1)?.ok_or_else(|| ctx.error("the shape or repeats input is missing"))?.as_i64();
    if ctx.op() == "Tile" {
        if arg.len() != shape.len() || arg.iter().any(|&r| r < 0) {
            return Err(ctx.error(format!("repeats {arg:?} do not match rank {}", shape.len())));
        }
        let out_shape = shape.iter().zip(&arg).map(|(&d, &r)| d * r as usize).collect();
        return Ok(rewire(b, ctx.name, x, out_shape, |c| Some(c.iter().zip(&shape).map(|(v, d)| v % d).collect())));
    }
    let target: Vec<usize> = arg.iter().map(|&d| d.max(0) as usize).collect();
    let out_shape = zkinfer_circuits::ir::broadcast_shapes(&shape, &target)
        .ok_or_else(|| ctx.error(format!("{shape:?} does not broadcast to {target:?}")))?;
    let offset = out_shape.len() - shape.len();
    Ok(rewire(b, ctx.name, x, out_shape, |c| {
        Some(shape.iter().enumerate().map(|(a, &d)| if d == 1 { 0 } else { c[a + offset] }).collect())
    }))
}

pub fn pad(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let x = ctx.arg(0)?;
    let shape = b.shape(x);
    let rank = shape.len();
    let pads = ints(ctx, 1, "pads")?.ok_or_else(|| ctx.error("pads are missing"))?;
    if pads.len() != 2 * rank || pads.iter().any(|&p| p < 0) {
        return Err(ImportError::unsupported(
            "Pad",
            ctx.name,
            format!("pads {pads:?} (negative pads or a partial axes list)"),
        ));
    }
    let value = match ctx.opt_const(2)? {
        Some(t) => t.data.first().copied().unwrap_or(0.0),
        None => Attrs(ctx.node).float("value", 0.0) as f64,
    };
    let mode = ctx
        .node
        .attribute
        .iter()
        .find(|a| a.name == "mode")
        .map(|a| String::from_utf8_lossy(&a.s).into_owned())
        .unwrap_or_else(|| "constant".into());
    let out_shape: Vec<usize> = (0..rank).map(|a| shape[a] + (pads[a] + pads[a + rank]) as usize).collect();
    let map = |v: i64, d: i64| -> Option<i64> {
        match mode.as_str() {
            _ if (0..d).contains(&v) => Some(v),
            "reflect" if d > 1 => Some(if v < 0 { -v } else { 2 * (d - 1) - v }).filter(|r| (0..d).contains(r)),
            "edge" => Some(v.clamp(0, d - 1)),
            _ => None,
        }
    };
    if !["constant", "reflect", "edge"].contains(&mode.as_str()) {
        return Err(ImportError::unsupported("Pad", ctx.name, format!("mode {mode}")));
    }
    let source = |c: &[usize]| {
        c.iter().enumerate().map(|(a, &v)| map(v as i64 - pads[a], shape[a] as i64).map(|i| i as usize)).collect()
    };
    let padded = rewire(b, ctx.name, x, out_shape.clone(), source);
    if value == 0.0 || mode != "constant" {
        return Ok(padded);
    }
    // a non-zero constant: the re-wired tensor (0 in the padding) plus `value` in the padding
    let filler = ConstTensor {
        data: sources(&shape, &out_shape, source).iter().map(|p| if p.is_none() { value } else { 0.0 }).collect(),
        shape: out_shape,
    };
    super::elementwise::binary(b, ctx, zkinfer_circuits::ir::BinaryKind::Add, &padded, &Value::Const(filler))
}

/// `Trilu`: the upper (`upper = 1`, the default) or lower triangle of the last two axes from
/// diagonal `k`, zeros elsewhere (a causal mask, or a computed tensor re-wired with zeros).
pub fn trilu(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let x = ctx.arg(0)?;
    let shape = b.shape(x);
    let rank = shape.len();
    if rank < 2 {
        return Err(ctx.error(format!("the input has rank {rank}; Trilu needs two axes")));
    }
    let k = match ctx.opt_const(1)? {
        Some(t) => t.data.first().copied().unwrap_or(0.0) as i64,
        None => 0,
    };
    let upper = Attrs(ctx.node).int("upper", 1) != 0;
    Ok(rewire(b, ctx.name, x, shape.clone(), |c| {
        let (i, j) = (c[rank - 2] as i64, c[rank - 1] as i64);
        let kept = if upper { j - i >= k } else { j - i <= k };
        kept.then(|| c.to_vec())
    }))
}

/// `Split`: one output per part along the axis.
pub fn split(b: &mut Builder, ctx: &OpCtx) -> Result<Vec<Value>, ImportError> {
    let x = ctx.arg(0)?;
    let shape = b.shape(x);
    let a = axis(ctx, Attrs(ctx.node).int("axis", 0), shape.len())?;
    let parts = ctx.node.output.len();
    let sizes: Vec<usize> = match ints(ctx, 1, "split")? {
        Some(s) => s.iter().map(|&v| v.max(0) as usize).collect(),
        None => {
            let chunk = shape[a].div_ceil(parts);
            (0..parts).map(|i| chunk.min(shape[a].saturating_sub(i * chunk))).collect()
        }
    };
    if sizes.len() != parts || sizes.iter().sum::<usize>() != shape[a] {
        return Err(ctx.error(format!("split sizes {sizes:?} do not cover axis {a} of size {}", shape[a])));
    }
    let mut start = 0;
    let mut outs = Vec::with_capacity(parts);
    for (i, &len) in sizes.iter().enumerate() {
        let mut out_shape = shape.clone();
        out_shape[a] = len;
        let name = format!("{}/{i}", ctx.name);
        outs.push(rewire(b, &name, x, out_shape, |c| {
            let mut s = c.to_vec();
            s[a] += start;
            Some(s)
        }));
        start += len;
    }
    Ok(outs)
}

/// `Concat` along an axis; constants become Const nodes unless everything is constant.
pub fn concat(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let args: Vec<Value> = ctx.args.iter().flatten().cloned().collect();
    let shapes: Vec<Vec<usize>> = args.iter().map(|v| b.shape(v)).collect();
    let first = shapes.first().ok_or_else(|| ctx.error("no inputs"))?.clone();
    let a = axis(ctx, Attrs(ctx.node).int("axis", 0), first.len())?;
    for s in &shapes {
        let compatible = s.len() == first.len() && s.iter().zip(&first).enumerate().all(|(i, (x, y))| i == a || x == y);
        if !compatible {
            return Err(ctx.error(format!("shapes {shapes:?} cannot be concatenated along axis {a}")));
        }
    }
    let mut out_shape = first.clone();
    out_shape[a] = shapes.iter().map(|s| s[a]).sum();
    if args.iter().all(|v| matches!(v, Value::Const(_))) {
        let refs: Vec<&[usize]> = shapes.iter().map(|s| s.as_slice()).collect();
        let data = zkinfer_circuits::ir::concat_sources(&refs, a)
            .iter()
            .map(|&(j, i)| match &args[j] {
                Value::Const(t) => t.data[i],
                Value::Node(_) => unreachable!(),
            })
            .collect();
        return Ok(Value::Const(ConstTensor { shape: out_shape, data }));
    }
    let inputs = args.iter().map(|v| b.node_of(v, ctx.name)).collect();
    Ok(Value::Node(b.push(ctx.name, Op::Concat { axis: a }, inputs, out_shape)))
}
