//! `LinearRegressor` and `LinearClassifier`: `X · Wᵀ + intercepts` as one `Linear`, then (for the
//! classifier) the shared post-transform and label stage.

use super::classifier::{self, Labels, PostTransform};
use super::features;
use crate::graph_builder::Builder;
use crate::ops::{OpCtx, Value};
use crate::proto::Attrs;
use crate::ImportError;
use zkinfer_circuits::{Op, Tensor};

/// `[N, F] · coefficientsᵀ + intercepts` with `coefficients` stored row per output.
fn linear_scores(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let (x, shape) = features(b, ctx)?;
    let f = shape[1];
    let attrs = Attrs(ctx.node);
    let coefficients = attrs.floats("coefficients").ok_or_else(|| ctx.error("attribute coefficients is missing"))?;
    if coefficients.is_empty() || coefficients.len() % f != 0 {
        return Err(ctx.error(format!("{} coefficients do not fill rows of {f} features", coefficients.len())));
    }
    let outputs = coefficients.len() / f;
    let intercepts = attrs.floats("intercepts").unwrap_or_default();
    if !intercepts.is_empty() && intercepts.len() != outputs {
        return Err(ctx.error(format!("{} intercepts for {outputs} outputs", intercepts.len())));
    }
    let weight: Vec<f32> = (0..f * outputs).map(|i| coefficients[(i % outputs) * f + i / outputs]).collect();
    let bias = (!intercepts.is_empty()).then(|| Tensor::new(vec![outputs], intercepts));
    Ok(Value::Node(b.push(
        ctx.name,
        Op::Linear { weight: Tensor::new(vec![f, outputs], weight), bias },
        vec![x],
        vec![shape[0], outputs],
    )))
}

pub fn regressor(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let scores = linear_scores(b, ctx)?;
    PostTransform::of(ctx)?.apply(b, ctx, scores)
}

pub fn classifier(b: &mut Builder, ctx: &OpCtx) -> Result<Vec<Value>, ImportError> {
    let labels = Labels::of(ctx, "classlabels_ints")?;
    let scores = linear_scores(b, ctx)?;
    classifier::outputs(b, ctx, scores, &labels, PostTransform::of(ctx)?, false)
}
