//! Per-feature scales for the model input. One power-of-two scale for the whole input rounds a
//! ratio in [0, 1] to nothing beside an income in dollars, so trees on such features take other
//! branches. When the calibrated features' magnitudes spread over `SPREAD_BITS` bits or more,
//! feature `f` (an index of the input's last axis) gets an exponent `e_f ≥ 0`, the largest
//! feature 0: the circuit's input is `x'_f = x_f · 2^(e_f)`, all of similar size, quantized at one
//! scale `S`, so feature `f` is quantized at `S + e_f`.
//!
//! The graph is rewritten to read `x'`: the factor `2^(−e_f)` that turns `x'` back into `x` is
//! carried forward through re-wiring (`Reshape`, `Select`) and `Relu` (the factor is positive),
//! past additions of constants (`x'·g + c = (x' + c/g)·g`), and folded into the first op that can
//! absorb it: a `Linear`'s weight rows (`W'[f] = W[f] · 2^(−e_f)`, exact), a comparison with a
//! constant (`x'·g ≤ t ⟺ x' ≤ t/g`, since `g > 0`), a product by a constant (`c' = c·g`). Every
//! node keeps its id and op; only constants change, so the rewritten graph computes the same
//! outputs from `x'` as the original from `x`, exactly in real arithmetic. Where a factor reaches
//! an op that cannot absorb it (a table, a product of two computed tensors, a graph output), the
//! input keeps one scale.

use crate::ir::{broadcast_source_indices, BinaryKind, Graph, Op};

/// The features' magnitudes must spread over at least this many bits (256×) for per-feature
/// scales: below, one scale loses little and the bundled models' circuits stay as they are.
pub const SPREAD_BITS: i32 = 8;

/// The rewritten graph and, per flat input element, its exponent `e` (`x' = x · 2^e`).
pub struct InputScaling {
    pub graph: Graph,
    pub exponents: Vec<i32>,
}

/// Per-feature scales for `graph` calibrated on `samples`, if the features spread far enough
/// and every reader of the input can absorb them.
pub fn plan(graph: &Graph, samples: &[Vec<f64>]) -> Option<InputScaling> {
    let exponents = feature_exponents(graph, samples)?;
    let factors: Vec<f64> = exponents.iter().map(|&e| 2f64.powi(-e)).collect();
    let graph = fold_factors(graph, factors)?;
    Some(InputScaling { graph, exponents })
}

/// `e_f = ⌊log2(M / max_f)⌋` for each feature (the input's last axis) with `M` the largest
/// feature's magnitude over the samples, repeated over the leading axes; None when they spread
/// less than `SPREAD_BITS`.
fn feature_exponents(graph: &Graph, samples: &[Vec<f64>]) -> Option<Vec<i32>> {
    let shape = &graph.nodes[graph.input].shape;
    let features = *shape.last()?;
    let len: usize = shape.iter().product();
    if features < 2 || samples.iter().any(|s| s.len() != len) {
        return None;
    }
    let mut max_abs = vec![0f64; features];
    for (i, v) in samples.iter().flat_map(|s| s.iter().enumerate()) {
        max_abs[i % features] = max_abs[i % features].max(v.abs());
    }
    let largest = max_abs.iter().copied().fold(0f64, f64::max);
    if !largest.is_finite() || largest == 0.0 {
        return None;
    }
    let per_feature: Vec<i32> =
        max_abs.iter().map(|&m| if m > 0.0 { (largest / m).log2().floor() as i32 } else { 0 }).collect();
    let spread = per_feature.iter().copied().max()?;
    (spread >= SPREAD_BITS).then(|| (0..len).map(|i| per_feature[i % features]).collect())
}

/// The graph with the input read as `x'` (`x = x' · factors`), or None if a factor cannot be
/// absorbed before it reaches an op that needs the true value.
fn fold_factors(graph: &Graph, factors: Vec<f64>) -> Option<Graph> {
    let mut g = graph.clone();
    let consumers = graph.consumer_counts();
    // the factor still to apply to each node's value (None: the node holds its true value)
    let mut pending: Vec<Option<Vec<f64>>> = vec![None; g.nodes.len()];
    pending[g.input] = Some(factors);
    for id in 0..g.nodes.len() {
        let inputs = g.nodes[id].inputs.clone();
        if id == g.input || inputs.iter().all(|&i| pending[i].is_none()) {
            continue;
        }
        let shape = g.nodes[id].shape.clone();
        let factor_of = |i: usize, pending: &[Option<Vec<f64>>]| pending[inputs[i]].clone();
        pending[id] = match g.nodes[id].op.clone() {
            Op::Reshape | Op::Relu => factor_of(0, &pending),
            Op::Select { sources } => {
                let f = factor_of(0, &pending)?;
                Some(sources.iter().map(|s| s.map_or(1.0, |s| f[s as usize])).collect())
            }
            Op::Linear { mut weight, bias } => {
                let f = factor_of(0, &pending)?;
                let k = weight.shape[0];
                if k == 0 {
                    return None;
                }
                let row = &f[..k];
                if f.chunks(k).any(|r| r != row) {
                    return None;
                }
                let n = weight.shape[1];
                weight.data.iter_mut().enumerate().for_each(|(i, w)| *w = (*w as f64 * row[i / n]) as f32);
                g.nodes[id].op = Op::Linear { weight, bias };
                None
            }
            Op::Compare { .. } => {
                // x'·g ≤ t  ⟺  x' ≤ t/g
                absorb_into_constant(&mut g, &consumers, &pending, id, |t, f| t / f)?;
                None
            }
            Op::Binary(BinaryKind::Mul) => {
                // (x'·g)·c = x'·(g·c)
                absorb_into_constant(&mut g, &consumers, &pending, id, |c, f| c * f)?;
                None
            }
            Op::Binary(BinaryKind::Add | BinaryKind::Sub) => {
                // x'·g ± c = (x' ± c/g)·g: the factor carries on
                let f = absorb_into_constant(&mut g, &consumers, &pending, id, |c, f| c / f)?;
                Some(f)
            }
            _ => return None,
        };
        debug_assert!(pending[id].as_ref().is_none_or(|f| f.len() == shape.iter().product::<usize>()));
    }
    g.outputs.iter().all(|&o| pending[o].is_none()).then_some(g)
}

/// For a binary node with one operand carrying a factor and the other a constant read only
/// here: replaces the constant by `rewrite(c, factor)` element by element, expanded to the
/// node's shape, and returns the factor at the node's shape.
fn absorb_into_constant(
    g: &mut Graph,
    consumers: &[usize],
    pending: &[Option<Vec<f64>>],
    id: usize,
    rewrite: impl Fn(f64, f64) -> f64,
) -> Option<Vec<f64>> {
    let [a, b] = g.nodes[id].inputs[..] else { return None };
    let (scaled, constant) = match (&pending[a], &pending[b]) {
        (Some(_), None) => (a, b),
        (None, Some(_)) => (b, a),
        _ => return None,
    };
    let Op::Const(t) = &g.nodes[constant].op else { return None };
    if consumers[constant] != 1 {
        return None;
    }
    let shape = g.nodes[id].shape.clone();
    let factor = pending[scaled].as_ref()?;
    let from_factor = broadcast_source_indices(&g.nodes[scaled].shape, &shape);
    let from_constant = broadcast_source_indices(&t.shape, &shape);
    let factor: Vec<f64> = from_factor.iter().map(|&i| factor[i]).collect();
    let data: Vec<f32> =
        from_constant.iter().zip(&factor).map(|(&i, &f)| rewrite(t.data[i] as f64, f) as f32).collect();
    g.nodes[constant].op = Op::Const(crate::ir::Tensor::new(shape.clone(), data));
    g.nodes[constant].shape = shape;
    Some(factor)
}

#[cfg(test)]
mod tests;
