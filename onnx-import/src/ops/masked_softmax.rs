//! Softmax over masked rows: `Softmax(s + M)` with a constant additive mask `M` (a causal mask of
//! −1e4, −1e9 or −∞ above the diagonal; `Where(mask, −1e9, s)` arrives in this form too).
//!
//! Lowered as it is written, the mask's −1e4 would set the calibrated scale of `s + M` and round
//! the scores to nothing. But `M` is a constant, so which positions it masks is known when
//! compiling: an entry at least `MASK_GAP` below its row's largest is masked. Its exp is 0 in any
//! float runtime only if the scores cannot close the gap: with `|s| ≤ B` for every accepted
//! input, a masked logit is at least `gap − 2B` below the row's max, so the importer records a
//! guard `B ≤ (gap − 50)/2` that the quantizer checks against the scores' static bound (their
//! range-checked magnitude at their scale), refusing the model otherwise; then every masked term
//! is below `e^−50` ≈ 2·10⁻²² of the row's largest. So the softmax is taken over the unmasked
//! positions only, with the ONNX result there to that margin, and the masked outputs are the
//! constant 0:
//!
//! - the row max reads each masked position as a repeat of an unmasked one of its row (as
//!   `MaxPool` pads), so a masked score never sets it;
//! - `exp(s − max)` is taken of those same scores (a masked position's exp input is that of an
//!   open one, never its own score, which may be far above the row's open ones and would set the
//!   exp's scale), then replaced by a pinned 0 at masked positions before the sum (a `Select`
//!   with no source), so it adds nothing, and the product with `1/sum` is 0 there.
//!
//! The unmasked entries of `M` (usually 0; relative position biases, which stay far below the
//! gap, otherwise) are added as they are, less their row's largest, which softmax does not see. Nothing here is assumed of the
//! witness: the masked positions are constants of the circuit, the rest are the usual layers.

use super::elementwise::binary;
use super::reduce::{reduce_last, reduced_last, Reduction};
use super::select::axis_back;
use super::{OpCtx, Value};
use crate::graph_builder::Builder;
use crate::proto::ConstTensor;
use crate::ImportError;
use zkinfer_circuits::ir::{broadcast_source_indices, BinaryKind, GuardKind, Nonlinearity};
use zkinfer_circuits::Op;

/// A mask entry at least this far below its row's largest entry is a masked position (−1e4,
/// −1e9 and −∞ masks are; a learned bias tens below its row's largest is a bias).
pub const MASK_GAP: f64 = 1e3;
/// How far below the row's max a masked logit must stay: `e^−50` ≈ 2·10⁻²².
const MASKED_MARGIN: f64 = 50.0;

/// The softmax of `x` over `axis` when `x` is a score plus a constant mask with masked
/// positions; None when it is not (the plain lowering applies). A `LogSoftmax` (`log`) over
/// masked positions is refused: ONNX gives them about `M − log Σ`, values of −1e4 to −∞ that no
/// scale holds beside the open ones.
pub fn lower(b: &mut Builder, ctx: &OpCtx, x: &Value, axis: usize, log: bool) -> Result<Option<Value>, ImportError> {
    let Some((scores, mask)) = additive_mask(b, x) else { return Ok(None) };
    let shape = b.shape(x);
    let (k, inner) = (shape[axis], shape[axis + 1..].iter().product::<usize>());
    if k == 0 || inner == 0 {
        return Ok(None);
    }
    let rows = mask.len() / k;
    // row r = (outer o, inner i); its element j sits at (o·k + j)·inner + i
    let at = |r: usize, j: usize| ((r / inner) * k + j) * inner + r % inner;
    let row_max: Vec<f64> =
        (0..rows).map(|r| (0..k).map(|j| mask[at(r, j)]).fold(f64::NEG_INFINITY, f64::max)).collect();
    refuse_fully_masked_rows(ctx, &row_max)?;
    let mut masked = vec![false; mask.len()];
    let mut bias = vec![0f64; mask.len()];
    for (r, &top) in row_max.iter().enumerate() {
        for j in 0..k {
            let m = mask[at(r, j)];
            masked[at(r, j)] = m <= top - MASK_GAP;
            bias[at(r, j)] = if masked[at(r, j)] { 0.0 } else { m - top };
        }
    }
    if !masked.contains(&true) {
        return Ok(None);
    }
    if log {
        return Err(ctx.error(
            "LogSoftmax over masked positions is not supported: ONNX gives them about the mask's value (−1e4 to −∞), \
             which no scale holds beside the open ones; take Softmax, or mask after the LogSoftmax",
        ));
    }
    let gap =
        (0..mask.len()).filter(|&e| masked[e]).map(|e| row_max[e_row(e, k, inner)] - mask[e]).fold(f64::MAX, f64::min);
    guard_scores(b, &scores, gap);
    let scores = broadcast_to(b, ctx, scores, &shape);
    let biased = if bias.iter().all(|&v| v == 0.0) {
        scores
    } else {
        binary(b, ctx, BinaryKind::Add, &scores, &Value::Const(ConstTensor { shape: shape.clone(), data: bias }))?
    };
    // rows last: element f of the moved tensor is row f / k, position f % k
    let (moved, kept, _) = reduced_last(b, ctx, &biased, &[axis]);
    let hidden = |f: usize| masked[at(f / k, f % k)];
    let first_open: Vec<usize> =
        (0..rows).map(|r| (0..k).find(|&j| !masked[at(r, j)]).expect("a row's largest entry is not masked")).collect();
    let pick = |b: &mut Builder, v: &Value, suffix: &str, source: &dyn Fn(usize) -> Option<u32>| -> Value {
        let Value::Node(id) = v else { unreachable!("softmax intermediates are nodes") };
        let sources = (0..rows * k).map(source).collect();
        Value::Node(b.push(
            &format!("{}/{suffix}", ctx.name),
            Op::Select { sources },
            vec![*id],
            b.nodes[*id].shape.clone(),
        ))
    };
    // the max over the open positions: a hidden one repeats its row's first open one
    let open_only = pick(b, &moved, "open_scores", &|f| {
        Some(if hidden(f) { (f / k * k + first_open[f / k]) as u32 } else { f as u32 })
    });
    let max = reduce_last(b, ctx, open_only.clone(), &kept, k, Reduction::Max)?;
    let with_one: Vec<usize> = kept.iter().copied().chain([1]).collect();
    let max = Value::Node(b.push(&format!("{}/max", ctx.name), Op::Reshape, vec![max], with_one.clone()));
    // centred on the open scores only, so every exp input is ≤ 0 and a hidden score (which may
    // be far above the open ones) never reaches the exp table or its calibration
    let centered = binary(b, ctx, BinaryKind::Sub, &open_only, &max)?;
    let Value::Node(centered) = centered else { unreachable!("a difference of computed tensors is a node") };
    let exp = Value::Node(b.push(
        &format!("{}/exp", ctx.name),
        Op::Unary(Nonlinearity::Exp),
        vec![centered],
        b.nodes[centered].shape.clone(),
    ));
    // e^(s − max) at the open positions, a pinned 0 at the hidden ones
    let exp = pick(b, &exp, "open_exp", &|f| (!hidden(f)).then_some(f as u32));
    let sum = reduce_last(b, ctx, exp.clone(), &kept, k, Reduction::Sum)?;
    let sum = b.push(&format!("{}/sum_row", ctx.name), Op::Reshape, vec![sum], with_one);
    let inverse = Value::Node(b.push(
        &format!("{}/reciprocal", ctx.name),
        Op::Unary(Nonlinearity::Reciprocal),
        vec![sum],
        b.nodes[sum].shape.clone(),
    ));
    let probabilities = binary(b, ctx, BinaryKind::Mul, &exp, &inverse)?;
    Ok(Some(axis_back(b, ctx, &probabilities, &shape, axis)))
}

/// A row whose every entry is far below 0 has no open position: ONNX's result there is what f32
/// rounding makes of `s + M` (uniform for −1e9, which absorbs the scores; about `softmax(s)` for
/// −1e4; NaN for −∞), which the proof cannot follow.
fn refuse_fully_masked_rows(ctx: &OpCtx, row_max: &[f64]) -> Result<(), ImportError> {
    match row_max.iter().position(|&top| top <= -MASK_GAP || !top.is_finite()) {
        Some(r) => Err(ctx.error(format!(
            "row {r} of the additive mask leaves no position open (its largest entry is {}): ONNX's result there \
             depends on how f32 rounds the scores into the mask; leave every row an open position",
            row_max[r]
        ))),
        None => Ok(()),
    }
}

/// The scores at the softmax input's shape: scores the mask broadcasts (one row of scores for
/// several mask rows) are repeated by a `Select`.
fn broadcast_to(b: &mut Builder, ctx: &OpCtx, scores: Value, shape: &[usize]) -> Value {
    let Value::Node(id) = scores else { return scores };
    if b.nodes[id].shape == shape {
        return scores;
    }
    let sources = broadcast_source_indices(&b.nodes[id].shape, shape).into_iter().map(|i| Some(i as u32)).collect();
    Value::Node(b.push(&format!("{}/broadcast_scores", ctx.name), Op::Select { sources }, vec![id], shape.to_vec()))
}

/// The row (outer, inner) of flat element `e` of a tensor whose softmax axis has `k` entries
/// and `inner` elements after it.
fn e_row(e: usize, k: usize, inner: usize) -> usize {
    (e / (k * inner)) * inner + e % inner
}

/// Records that the scores must stay within `(gap − 50)/2`, so that no input lifts a masked
/// logit to within `e^−50` of its row's max.
fn guard_scores(b: &mut Builder, scores: &Value, gap: f64) {
    let Value::Node(id) = scores else { return };
    let limit = (gap - MASKED_MARGIN) / 2.0;
    if limit.is_finite() {
        let why = format!(
            "that the masked softmax allows: its mask hides positions {gap} below their row's largest, and scores beyond \
             ±{limit} could lift a hidden logit to the row's max (make the mask more negative, e.g. −1e9)"
        );
        b.guard(*id, GuardKind::MaxMagnitude(limit), why);
    }
}

/// `x` read as `s + M`: the computed `s` and the constant `M` at `x`'s shape.
fn additive_mask(b: &Builder, x: &Value) -> Option<(Value, Vec<f64>)> {
    let Value::Node(id) = x else { return None };
    let node = &b.nodes[*id];
    let (Op::Binary(BinaryKind::Add), [p, q]) = (&node.op, node.inputs.as_slice()) else { return None };
    let (scores, constant) = match (&b.nodes[*p].op, &b.nodes[*q].op) {
        (_, Op::Const(t)) => (*p, t),
        (Op::Const(t), _) => (*q, t),
        _ => return None,
    };
    let mask =
        broadcast_source_indices(&constant.shape, &node.shape).iter().map(|&i| constant.data[i] as f64).collect();
    Some((Value::Node(scores), mask))
}
