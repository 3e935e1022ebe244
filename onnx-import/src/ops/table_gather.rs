//! `Gather` and `ArrayFeatureExtractor` of a constant table by a computed index: a class label
//! looked up by the `ArgMax` of the probabilities (skl2onnx's classifiers), an embedding row by a
//! token id.
//!
//! The index `i` takes integer values in a range `[lo, hi]` known when compiling: `[0, K)` for an
//! `ArgMax` over `K` entries, what the ops give for a count, `[−n, n)` for the model input (ONNX
//! reads a negative index from the end, `T[i + n]`). With rows `R_i = T[i mod n]` over that range
//! and `c_j = [j ≤ i]` for `j = lo + 1 … hi` (one comparison each),
//! `T[i] = R_lo + Σ_j c_j · (R_j − R_{j−1})`: a `Linear` over the comparisons, with the row
//! differences as weights and `R_lo` as bias. For an integer `i ∈ [lo, hi]` exactly the steps
//! `j ≤ i` are taken, so the sum telescopes to `R_i`. The comparisons are the compare gadget's,
//! exact on the integer grid as long as the index is quantized at a scale ≥ 0 (a guard the
//! quantizer checks), and the sum is a `Linear`, so the lookup needs no constraint of its own.
//! An index whose range leaves `[−n, n)` is refused; a model input outside it (which ONNX
//! refuses) gives `R_lo` or `R_hi`, and a fractional one the row of its floor.
//!
//! Cost: `hi − lo` comparisons per index (`n − 1` for an `ArgMax` over the table, `2n − 1` for an
//! input) and a `Linear` of as many terms per output element, which suits class lists and small
//! vocabularies.

use super::compare::{is_integral, less};
use super::select::rewire;
use super::{OpCtx, Value};
use crate::graph_builder::Builder;
use crate::proto::ConstTensor;
use crate::ImportError;
use std::collections::HashMap;
use zkinfer_circuits::ir::{BinaryKind, GuardKind};
use zkinfer_circuits::{Op, Tensor};

/// `table` gathered along `axis` by the computed `index` (ONNX `Gather`'s output shape:
/// `table.shape[..axis] ++ index.shape ++ table.shape[axis + 1..]`).
pub fn gather(
    b: &mut Builder,
    ctx: &OpCtx,
    table: &ConstTensor,
    axis: usize,
    index: usize,
) -> Result<Value, ImportError> {
    check_index(b, ctx, index)?;
    let index_shape = b.nodes[index].shape.clone();
    let (pre, n, post) = split_at_axis(&table.shape, axis);
    if n == 0 {
        return Err(ctx.error("the table to gather from is empty"));
    }
    let (lo, hi) = index_domain(b, ctx, index, n)?;
    let out_shape: Vec<usize> =
        table.shape[..axis].iter().chain(&index_shape).chain(&table.shape[axis + 1..]).copied().collect();
    // row R_i = T[i mod n]: every element with that coordinate on the axis, in (before, after) order
    let row = |i: i64| {
        let j = i.rem_euclid(n as i64) as usize;
        (0..pre * post).map(move |e| table.data[((e / post) * n + j) * post + e % post])
    };
    let per_index = index_shape.len();
    let source = |c: &[usize]| {
        let flat_index = flat(&c[axis..axis + per_index], &index_shape);
        let before = flat(&c[..axis], &table.shape[..axis]);
        let after = flat(&c[axis + per_index..], &table.shape[axis + 1..]);
        Some(vec![flat_index, before * post + after])
    };
    if lo == hi {
        let only: Vec<f64> = row(lo).collect();
        let rows = ConstTensor { shape: vec![1, only.len()], data: only };
        return Ok(rewire(b, ctx.name, &Value::Const(rows), out_shape, |c| source(c).map(|s| vec![0, s[1]])));
    }
    let m: usize = index_shape.iter().product();
    guard_derivation(b, ctx, index, n);
    let column = b.push(&format!("{}/index_column", ctx.name), Op::Reshape, vec![index], vec![m, 1]);
    let thresholds = ConstTensor { shape: vec![(hi - lo) as usize], data: (lo + 1..=hi).map(|j| j as f64).collect() };
    let steps = less(b, ctx, &Value::Const(thresholds), &Value::Node(column), false)?;
    let steps = b.node_of(&steps, ctx.name);
    let weight: Vec<f32> =
        (lo + 1..=hi).flat_map(|j| row(j).zip(row(j - 1)).map(|(t, prev)| (t - prev) as f32)).collect();
    let bias: Vec<f32> = row(lo).map(|v| v as f32).collect();
    let d = pre * post;
    let rows = b.push(
        &format!("{}/rows", ctx.name),
        Op::Linear { weight: Tensor::new(vec![(hi - lo) as usize, d], weight), bias: Some(Tensor::new(vec![d], bias)) },
        vec![steps],
        vec![m, d],
    );
    Ok(rewire(b, ctx.name, &Value::Node(rows), out_shape, source))
}

/// The integer range `[lo, hi]` the index spans: what the ops guarantee when they bound it (which
/// must lie in ONNX's `[−n, n)`), the whole of `[−n, n)` for the model input.
fn index_domain(b: &Builder, ctx: &OpCtx, index: usize, n: usize) -> Result<(i64, i64), ImportError> {
    let n = n as i64;
    let Some((lo, hi)) = value_range(b, index, &mut HashMap::new()) else {
        if is_model_input(b, index) {
            return Ok((-n, n - 1));
        }
        return Err(ctx.error("the index is computed from the model input by ops whose range is not known when compiling, so an index outside the table's rows (which ONNX refuses) could not be told apart"));
    };
    let (lo, hi) = (lo.floor() as i64, hi.floor() as i64);
    if lo < -n || hi >= n {
        return Err(ctx.error(format!(
            "the index can take values in [{lo}, {hi}], outside the table's {n} rows (ONNX reads [−{n}, {n}))"
        )));
    }
    Ok((lo, hi))
}

/// The interval a node's values stay in for every input the circuit accepts: a lowering's known
/// range, else what the ops give (None where they give none: the model input, a function table).
pub fn value_range(b: &Builder, id: usize, memo: &mut HashMap<usize, Option<(f64, f64)>>) -> Option<(f64, f64)> {
    if let Some(&r) = b.ranges.get(&id) {
        return Some(r);
    }
    if let Some(&r) = memo.get(&id) {
        return r;
    }
    let node = &b.nodes[id];
    let mut arg = |i: usize| value_range(b, node.inputs[i], memo);
    let range = match &node.op {
        Op::Compare { .. } => Some((0.0, 1.0)),
        Op::Const(t) if !t.data.is_empty() => Some(hull(t.data.iter().map(|&v| (v as f64, v as f64)))),
        Op::Reshape | Op::Extremum { .. } => arg(0),
        Op::Select { sources } => arg(0).map(|(lo, hi)| match sources.contains(&None) {
            true => (lo.min(0.0), hi.max(0.0)),
            false => (lo, hi),
        }),
        Op::Relu => arg(0).map(|(lo, hi)| (lo.max(0.0), hi.max(0.0))),
        Op::Binary(kind) => arg(0).zip(arg(1)).map(|(p, q)| combine(*kind, p, q)),
        Op::Linear { weight, bias } => arg(0).map(|x| linear_range(weight, bias.as_ref(), x)),
        Op::Concat { .. } => (0..node.inputs.len()).map(arg).collect::<Option<Vec<_>>>().map(|r| hull(r.into_iter())),
        Op::MatMul => {
            // each output is a sum of `K` products of an entry of each side
            let terms = *b.nodes[node.inputs[0]].shape.last().unwrap_or(&0) as f64;
            arg(0).zip(arg(1)).map(|(p, q)| combine(BinaryKind::Mul, p, q)).map(|(l, h)| (terms * l, terms * h))
        }
        _ => None,
    };
    memo.insert(id, range);
    range
}

/// The interval of `p ∘ q` for intervals `p` and `q`.
fn combine(kind: BinaryKind, p: (f64, f64), q: (f64, f64)) -> (f64, f64) {
    match kind {
        BinaryKind::Add => (p.0 + q.0, p.1 + q.1),
        BinaryKind::Sub => (p.0 - q.1, p.1 - q.0),
        BinaryKind::Mul => hull([p.0 * q.0, p.0 * q.1, p.1 * q.0, p.1 * q.1].into_iter().map(|c| (c, c))),
    }
}

/// The interval of every output of `x · W + b` with each input in `x`.
fn linear_range(weight: &Tensor, bias: Option<&Tensor>, x: (f64, f64)) -> (f64, f64) {
    let (k, n) = (weight.shape[0], weight.shape[1]);
    hull((0..n).map(|j| {
        let b = bias.map_or(0.0, |b| b.data[j] as f64);
        (0..k).fold((b, b), |(l, h), i| {
            let w = weight.data[i * n + j] as f64;
            (l + (w * x.0).min(w * x.1), h + (w * x.0).max(w * x.1))
        })
    }))
}

/// The smallest interval holding every one of `intervals`.
fn hull(intervals: impl Iterator<Item = (f64, f64)>) -> (f64, f64) {
    intervals.fold((f64::MAX, f64::MIN), |(lo, hi), (l, h)| (lo.min(l), hi.max(h)))
}

/// The model input (or one of several), reached through re-wiring only (a Reshape, a Cast to an
/// integer type, the span of one input).
fn is_model_input(b: &Builder, id: usize) -> bool {
    match &b.nodes[id].op {
        Op::Input => true,
        Op::Reshape | Op::Select { .. } => is_model_input(b, b.nodes[id].inputs[0]),
        _ => false,
    }
}

/// Guards every node the index is computed through (down to the comparisons and the model input
/// it starts from, constants included): each holds integers that a negative scale would round,
/// so each must be quantized at a scale ≥ 0 with its range fitting the bits, not only the index
/// itself. A node's bound is its static range; the model input's is the table's `n` rows (ONNX
/// reads `[−n, n)`).
fn guard_derivation(b: &mut Builder, ctx: &OpCtx, index: usize, n: usize) {
    let why = format!("the index of '{}' would be rounded to a neighbouring row", ctx.name);
    guard_integers(b, index, &why, Some(n as f64));
}

/// Guards `id` and every node it is computed through, down to comparisons (whose inputs need
/// not be integers; their constants are aligned at the comparison), with `ExactIntegers` at each
/// node's static range; a node of unknown range (the model input) takes `unknown`, or is left
/// unguarded when that is None.
pub fn guard_integers(b: &mut Builder, id: usize, why: &str, unknown: Option<f64>) {
    let (mut stack, mut seen, mut memo) = (vec![id], std::collections::HashSet::new(), HashMap::new());
    let mut guarded = Vec::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) || matches!(b.nodes[id].op, Op::Compare { .. }) {
            continue;
        }
        if let Some(max) = value_range(b, id, &mut memo).map(|(lo, hi)| lo.abs().max(hi.abs())).or(unknown) {
            guarded.push((id, max));
        }
        stack.extend(&b.nodes[id].inputs);
    }
    for (id, max) in guarded {
        b.guard(id, GuardKind::ExactIntegers(max), why.to_string());
    }
}

/// Only an integer index telescopes to one row: one computed as an integer (an `ArgMax`, a
/// count) or the model input itself (token ids, whose rows are taken at their floor).
fn check_index(b: &Builder, ctx: &OpCtx, index: usize) -> Result<(), ImportError> {
    if is_model_input(b, index) || is_integral(b, index) {
        return Ok(());
    }
    Err(ImportError::unsupported(
        ctx.op(),
        ctx.name,
        "the index is computed from the model input but is not an integer by construction (an ArgMax, a comparison count or the input itself)",
    ))
}

/// (product of the dims before `axis`, the axis' size, product of the dims after it).
fn split_at_axis(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    (shape[..axis].iter().product(), shape[axis], shape[axis + 1..].iter().product())
}

/// The row-major flat index of coordinate `c` in `shape`.
fn flat(c: &[usize], shape: &[usize]) -> usize {
    c.iter().zip(shape).fold(0, |acc, (&v, &d)| acc * d + v)
}
