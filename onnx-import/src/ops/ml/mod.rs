//! The `ai.onnx.ml` domain that scikit-learn models arrive in (via skl2onnx): tree ensembles,
//! linear models, linear-kernel SVMs, `Scaler`, `Normalizer`, and `ZipMap`, which only re-packages the probability
//! tensor as a list of maps and is lowered to that tensor itself. Classifiers share one output
//! stage (post-transform, ONNX's binary layout, labels).

mod classifier;
mod linear_model;
mod normalizer;
mod scaler;
mod svm;
mod tree_ensemble;

use super::{OpCtx, Value};
use crate::graph_builder::Builder;
use crate::ImportError;
use zkinfer_circuits::Op;

pub fn lower(b: &mut Builder, ctx: &OpCtx) -> Result<Vec<Value>, ImportError> {
    match ctx.op() {
        "TreeEnsembleRegressor" => tree_ensemble::regressor(b, ctx).map(|v| vec![v]),
        "TreeEnsembleClassifier" => tree_ensemble::classifier(b, ctx),
        "LinearRegressor" => linear_model::regressor(b, ctx).map(|v| vec![v]),
        "LinearClassifier" => linear_model::classifier(b, ctx),
        "SVMClassifier" => svm::classifier(b, ctx),
        "Scaler" => scaler::lower(b, ctx).map(|v| vec![v]),
        "Normalizer" => normalizer::lower(b, ctx).map(|v| vec![v]),
        "ZipMap" => Ok(vec![ctx.arg(0)?.clone()]),
        "ArrayFeatureExtractor" => array_feature_extractor(b, ctx).map(|v| vec![v]),
        other => Err(ImportError::unsupported(&format!("ai.onnx.ml:{other}"), ctx.name, "")),
    }
}

/// `X[..., indices]` along the last axis, the indices flattened; as onnxruntime, a 1-D `X` gives
/// `[1, indices]`. Constant indices re-wire; computed ones (skl2onnx's label: the class list
/// indexed by an `ArgMax`) look up a constant `X` (`table_gather`).
fn array_feature_extractor(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let x = ctx.arg(0)?;
    let shape = b.shape(x);
    let last = *shape.last().ok_or_else(|| ctx.error("a scalar input"))?;
    let mut out_shape = if shape.len() == 1 { vec![1, last] } else { shape.clone() };
    let rank = out_shape.len();
    if let Value::Node(index) = ctx.arg(1)? {
        let Value::Const(table) = x else {
            return Err(ImportError::unsupported(ctx.op(), ctx.name, "a computed index into a computed tensor"));
        };
        let m = b.nodes[*index].len();
        let flat = b.push(&format!("{}/flat_index", ctx.name), Op::Reshape, vec![*index], vec![m]);
        let gathered = super::table_gather::gather(b, ctx, table, shape.len() - 1, flat)?;
        out_shape[rank - 1] = m;
        let gathered = b.node_of(&gathered, ctx.name);
        return Ok(Value::Node(b.push(ctx.name, Op::Reshape, vec![gathered], out_shape)));
    }
    let indices = ctx.opt_const(1)?.ok_or_else(|| ctx.error("the indices are missing"))?.as_i64();
    if let Some(bad) = indices.iter().find(|&&i| i < 0 || i as usize >= last) {
        return Err(ctx.error(format!("index {bad} is out of range for a last axis of {last}")));
    }
    out_shape[rank - 1] = indices.len();
    let unflat = x_with_rank(b, ctx, x, rank);
    Ok(super::select::rewire(b, ctx.name, &unflat, out_shape, |c| {
        let mut src = c.to_vec();
        src[rank - 1] = indices[c[rank - 1]] as usize;
        Some(src)
    }))
}

/// `x` reshaped to rank `rank` by leading ones (a 1-D feature row as `[1, F]`).
fn x_with_rank(b: &mut Builder, ctx: &OpCtx, x: &Value, rank: usize) -> Value {
    let shape = b.shape(x);
    if shape.len() == rank {
        return x.clone();
    }
    let shape: Vec<usize> = std::iter::repeat_n(1, rank - shape.len()).chain(shape).collect();
    match x {
        Value::Const(t) => Value::Const(crate::proto::ConstTensor { shape, data: t.data.clone() }),
        Value::Node(id) => Value::Node(b.push(&format!("{}/rank", ctx.name), Op::Reshape, vec![*id], shape)),
    }
}

/// The model input of an `ai.onnx.ml` op as a computed `[N, F]` tensor.
fn features(b: &Builder, ctx: &OpCtx) -> Result<(usize, Vec<usize>), ImportError> {
    match ctx.arg(0)? {
        Value::Node(id) if b.nodes[*id].shape.len() == 2 => Ok((*id, b.nodes[*id].shape.clone())),
        Value::Node(id) => {
            Err(ctx.error(format!("the input must be [N, features], its shape is {:?}", b.nodes[*id].shape)))
        }
        Value::Const(_) => Err(ImportError::unsupported(ctx.op(), ctx.name, "a constant input")),
    }
}
