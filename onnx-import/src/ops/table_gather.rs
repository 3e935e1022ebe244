//! `Gather` and `ArrayFeatureExtractor` of a constant table by a computed index: a class label
//! looked up by the `ArgMax` of the probabilities (skl2onnx's classifiers), an embedding row by a
//! token id.
//!
//! With `n` rows `T_0 … T_{n−1}` and `c_j = [j ≤ i]` for `j = 1 … n−1` (one comparison each),
//! `T[i] = T_0 + Σ_j c_j · (T_j − T_{j−1})`: a `Linear` over the comparisons, with the row
//! differences as weights and `T_0` as bias. For an integer `i ∈ [0, n)` exactly the steps
//! `j ≤ i` are taken, so the sum telescopes to `T_i`. The comparisons are the compare gadget's,
//! exact on the integer grid, and the sum is a `Linear`, so the lookup needs no constraint of its
//! own. An index below 0 gives `T_0` and one above `n − 1` gives `T_{n−1}`; a fractional one
//! (possible only for a model input) gives the row of its floor.
//!
//! Cost: `n − 1` comparisons per index and a `Linear` of `n − 1` terms per output element, which
//! suits class lists and small vocabularies.

use super::compare::{is_integral, less};
use super::select::rewire;
use super::{OpCtx, Value};
use crate::graph_builder::Builder;
use crate::proto::ConstTensor;
use crate::ImportError;
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
    let out_shape: Vec<usize> =
        table.shape[..axis].iter().chain(&index_shape).chain(&table.shape[axis + 1..]).copied().collect();
    // row j: every element with coordinate j on the axis, in (before, after) order
    let row = |j: usize| (0..pre * post).map(move |e| table.data[((e / post) * n + j) * post + e % post]);
    let per_index = index_shape.len();
    let source = |c: &[usize]| {
        let flat_index = flat(&c[axis..axis + per_index], &index_shape);
        let before = flat(&c[..axis], &table.shape[..axis]);
        let after = flat(&c[axis + per_index..], &table.shape[axis + 1..]);
        Some(vec![flat_index, before * post + after])
    };
    if n == 1 {
        let only: Vec<f64> = row(0).collect();
        let rows = ConstTensor { shape: vec![1, only.len()], data: only };
        return Ok(rewire(b, ctx.name, &Value::Const(rows), out_shape, |c| source(c).map(|s| vec![0, s[1]])));
    }
    let m: usize = index_shape.iter().product();
    let column = b.push(&format!("{}/index_column", ctx.name), Op::Reshape, vec![index], vec![m, 1]);
    let thresholds = ConstTensor { shape: vec![n - 1], data: (1..n).map(|j| j as f64).collect() };
    let steps = less(b, ctx, &Value::Const(thresholds), &Value::Node(column), false)?;
    let steps = b.node_of(&steps, ctx.name);
    let weight: Vec<f32> = (1..n).flat_map(|j| row(j).zip(row(j - 1)).map(|(t, prev)| (t - prev) as f32)).collect();
    let bias: Vec<f32> = row(0).map(|v| v as f32).collect();
    let d = pre * post;
    let rows = b.push(
        &format!("{}/rows", ctx.name),
        Op::Linear { weight: Tensor::new(vec![n - 1, d], weight), bias: Some(Tensor::new(vec![d], bias)) },
        vec![steps],
        vec![m, d],
    );
    Ok(rewire(b, ctx.name, &Value::Node(rows), out_shape, source))
}

/// Only an integer index telescopes to one row: one computed as an integer (an `ArgMax`, a
/// count) or the model input itself (token ids, whose rows are taken at their floor).
fn check_index(b: &Builder, ctx: &OpCtx, index: usize) -> Result<(), ImportError> {
    let is_input = matches!(b.nodes[index].op, Op::Input);
    if is_input || is_integral(b, index) {
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
