//! Shape-only ops: `Reshape`, `Flatten`, `Squeeze`, `Unsqueeze` (data unchanged, so one IR
//! `Reshape`), `Shape` (a constant, since shapes are static) and `Cast` to a float type.

use super::{OpCtx, Value};
use crate::graph_builder::Builder;
use crate::proto::{Attrs, ConstTensor};
use crate::ImportError;
use zkinfer_circuits::Op;

pub fn reshape(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let x = ctx.arg(0)?;
    let in_shape = b.shape(x);
    let out_shape = match ctx.op() {
        "Reshape" => reshaped(ctx, &in_shape)?,
        "Flatten" => flattened(ctx, &in_shape)?,
        "Squeeze" => squeezed(ctx, &in_shape)?,
        _ => unsqueezed(ctx, &in_shape)?,
    };
    Ok(match x {
        Value::Const(t) => Value::Const(ConstTensor { shape: out_shape, data: t.data.clone() }),
        Value::Node(id) => Value::Node(b.push(ctx.name, Op::Reshape, vec![*id], out_shape)),
    })
}

pub fn shape_of(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let shape = b.shape(ctx.arg(0)?);
    Ok(Value::Const(ConstTensor { shape: vec![shape.len()], data: shape.iter().map(|&d| d as f64).collect() }))
}

// ONNX TensorProto.DataType codes
const FLOAT_TYPES: [i64; 4] = [1, 10, 11, 16]; // FLOAT, FLOAT16, DOUBLE, BFLOAT16
const BOOL: i64 = 9;
/// INT32, INT64: every integer a model computes fits them
const WIDE_INTEGERS: [i64; 2] = [6, 7];

/// A constant cast as ONNX casts it: to an integer type truncated toward zero (refused where the
/// type cannot hold the value), to BOOL `x ≠ 0`, to a float type unchanged.
fn cast_constant(ctx: &OpCtx, t: &ConstTensor, to: i64) -> Result<ConstTensor, ImportError> {
    // (min, max) of each integer type
    let range = match to {
        2 => (0.0, 255.0),
        3 => (-128.0, 127.0),
        4 => (0.0, 65535.0),
        5 => (-32768.0, 32767.0),
        6 => (i32::MIN as f64, i32::MAX as f64),
        12 => (0.0, u32::MAX as f64),
        7 | 13 => (i64::MIN as f64, i64::MAX as f64),
        _ if to == BOOL || FLOAT_TYPES.contains(&to) => (f64::NEG_INFINITY, f64::INFINITY),
        _ => return Err(ImportError::unsupported("Cast", ctx.name, format!("casting to ONNX type {to}"))),
    };
    let data = t
        .data
        .iter()
        .map(|&v| match to {
            BOOL => Ok((v != 0.0) as u8 as f64),
            _ if FLOAT_TYPES.contains(&to) => Ok(v),
            _ if v.trunc() >= range.0 && v.trunc() <= range.1 => Ok(v.trunc()),
            _ => Err(ctx.error(format!("the constant {v} does not fit ONNX type {to}"))),
        })
        .collect::<Result<Vec<f64>, _>>()?;
    Ok(ConstTensor { shape: t.shape.clone(), data })
}

/// Casts to float types keep the values; a constant is cast as ONNX casts it; a computed tensor
/// is cast to an integer type only where that changes nothing: an integral tensor (comparisons,
/// indices) to INT32/INT64, a 0/1 tensor to any integer type or BOOL.
pub fn cast(b: &Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let to = Attrs(ctx.node).int("to", 1);
    match ctx.arg(0)? {
        Value::Const(t) => Ok(Value::Const(cast_constant(ctx, t, to)?)),
        v if FLOAT_TYPES.contains(&to) => Ok(v.clone()),
        Value::Node(id) if super::compare::is_boolean(b, *id) => Ok(Value::Node(*id)),
        Value::Node(id) if WIDE_INTEGERS.contains(&to) && super::compare::is_integral(b, *id) => Ok(Value::Node(*id)),
        _ => Err(ImportError::unsupported(
            "Cast",
            ctx.name,
            format!("casting a computed tensor to ONNX type {to} (only float types; INT32/INT64 for integral tensors such as indices; any integer type or BOOL for comparison results)"),
        )),
    }
}

fn axes(ctx: &OpCtx) -> Result<Option<Vec<i64>>, ImportError> {
    // opset >= 13 passes axes as an input, older opsets as an attribute
    match ctx.opt_const(1)? {
        Some(t) => Ok(Some(t.as_i64())),
        None => Ok(Attrs(ctx.node).ints("axes")),
    }
}

fn normalize_axis(ctx: &OpCtx, axis: i64, rank: usize) -> Result<usize, ImportError> {
    let a = if axis < 0 { axis + rank as i64 } else { axis };
    if a < 0 || a as usize >= rank.max(1) && rank > 0 || (rank == 0 && a != 0) {
        return Err(ctx.error(format!("axis {axis} is out of range for rank {rank}")));
    }
    Ok(a as usize)
}

fn reshaped(ctx: &OpCtx, in_shape: &[usize]) -> Result<Vec<usize>, ImportError> {
    let target = ctx.opt_const(1)?.ok_or_else(|| ctx.error("the target shape is missing"))?.as_i64();
    let total: usize = in_shape.iter().product();
    let mut shape: Vec<usize> = Vec::with_capacity(target.len());
    let mut infer = None;
    for (i, &d) in target.iter().enumerate() {
        match d {
            0 => shape.push(
                *in_shape
                    .get(i)
                    .ok_or_else(|| ctx.error(format!("dimension {i} copies an input axis that does not exist")))?,
            ),
            -1 if infer.is_none() => {
                infer = Some(i);
                shape.push(1);
            }
            d if d > 0 => shape.push(d as usize),
            d => return Err(ctx.error(format!("invalid target dimension {d}"))),
        }
    }
    let known: usize = shape.iter().product();
    if let Some(i) = infer {
        if known == 0 || !total.is_multiple_of(known) {
            return Err(ctx.error(format!("cannot reshape {in_shape:?} to {target:?}")));
        }
        shape[i] = total / known;
    }
    if shape.iter().product::<usize>() != total {
        return Err(ctx.error(format!("cannot reshape {in_shape:?} ({total} values) to {shape:?}")));
    }
    Ok(shape)
}

fn flattened(ctx: &OpCtx, in_shape: &[usize]) -> Result<Vec<usize>, ImportError> {
    let axis = Attrs(ctx.node).int("axis", 1);
    let axis = if axis < 0 { axis + in_shape.len() as i64 } else { axis };
    if axis < 0 || axis as usize > in_shape.len() {
        return Err(ctx.error(format!("axis {axis} is out of range for rank {}", in_shape.len())));
    }
    let (outer, inner) = in_shape.split_at(axis as usize);
    Ok(vec![outer.iter().product(), inner.iter().product()])
}

fn squeezed(ctx: &OpCtx, in_shape: &[usize]) -> Result<Vec<usize>, ImportError> {
    let Some(axes) = axes(ctx)? else {
        return Ok(in_shape.iter().copied().filter(|&d| d != 1).collect());
    };
    let axes = axes.iter().map(|&a| normalize_axis(ctx, a, in_shape.len())).collect::<Result<Vec<_>, _>>()?;
    if let Some(&a) = axes.iter().find(|&&a| in_shape[a] != 1) {
        return Err(ctx.error(format!("cannot squeeze axis {a} of size {}", in_shape[a])));
    }
    Ok(in_shape.iter().enumerate().filter(|(i, _)| !axes.contains(i)).map(|(_, &d)| d).collect())
}

fn unsqueezed(ctx: &OpCtx, in_shape: &[usize]) -> Result<Vec<usize>, ImportError> {
    let axes = axes(ctx)?.ok_or_else(|| ctx.error("axes are missing"))?;
    let rank = in_shape.len() + axes.len();
    let mut axes = axes.iter().map(|&a| normalize_axis(ctx, a, rank)).collect::<Result<Vec<_>, _>>()?;
    axes.sort_unstable();
    let mut shape = in_shape.to_vec();
    for a in axes {
        shape.insert(a, 1);
    }
    Ok(shape)
}
