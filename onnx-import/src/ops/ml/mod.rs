//! The `ai.onnx.ml` domain that scikit-learn models arrive in (via skl2onnx): tree ensembles,
//! linear models, `Scaler`, `Normalizer`, and `ZipMap`, which only re-packages the probability
//! tensor as a list of maps and is lowered to that tensor itself. Classifiers share one output
//! stage (post-transform, ONNX's binary layout, labels).

mod classifier;
mod linear_model;
mod normalizer;
mod scaler;
mod tree_ensemble;

use super::{OpCtx, Value};
use crate::graph_builder::Builder;
use crate::ImportError;

pub fn lower(b: &mut Builder, ctx: &OpCtx) -> Result<Vec<Value>, ImportError> {
    match ctx.op() {
        "TreeEnsembleRegressor" => tree_ensemble::regressor(b, ctx).map(|v| vec![v]),
        "TreeEnsembleClassifier" => tree_ensemble::classifier(b, ctx),
        "LinearRegressor" => linear_model::regressor(b, ctx).map(|v| vec![v]),
        "LinearClassifier" => linear_model::classifier(b, ctx),
        "Scaler" => scaler::lower(b, ctx).map(|v| vec![v]),
        "Normalizer" => normalizer::lower(b, ctx).map(|v| vec![v]),
        "ZipMap" => Ok(vec![ctx.arg(0)?.clone()]),
        "ArrayFeatureExtractor" => array_feature_extractor(b, ctx).map(|v| vec![v]),
        other => Err(ImportError::unsupported(&format!("ai.onnx.ml:{other}"), ctx.name, "")),
    }
}

/// `X[..., indices]` with constant indices (a scalar index keeps a last axis of 1).
fn array_feature_extractor(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let x = ctx.arg(0)?;
    let shape = b.shape(x);
    let indices = ctx.opt_const(1)?.ok_or_else(|| ctx.error("the indices are missing"))?.as_i64();
    let last = *shape.last().ok_or_else(|| ctx.error("a scalar input"))?;
    if let Some(bad) = indices.iter().find(|&&i| i < 0 || i as usize >= last) {
        return Err(ctx.error(format!("index {bad} is out of range for a last axis of {last}")));
    }
    let mut out_shape = shape.clone();
    *out_shape.last_mut().expect("checked") = indices.len();
    let rank = shape.len();
    Ok(super::select::rewire(b, ctx.name, x, out_shape, |c| {
        let mut src = c.to_vec();
        src[rank - 1] = indices[c[rank - 1]] as usize;
        Some(src)
    }))
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
