//! The output stage of `TreeEnsembleClassifier`, `LinearClassifier` (and `SVMClassifier`'s label): the post-transform of the
//! scores, ONNX's binary layout (one score column for two classes, expanded to two
//! probabilities), and the label, an ArgMax mapped to the integer class labels.

use crate::graph_builder::Builder;
use crate::ops::compare::{arg_index, ArgOptions};
use crate::ops::elementwise::binary;
use crate::ops::reduce::softmax_over;
use crate::ops::{OpCtx, Value};
use crate::proto::{Attrs, ConstTensor};
use crate::ImportError;
use zkinfer_circuits::ir::{BinaryKind, GuardKind, Nonlinearity};
use zkinfer_circuits::{Op, Tensor};

/// What the classifier applies to its raw scores (ONNX's `post_transform`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostTransform {
    None,
    Logistic,
    Softmax,
}

impl PostTransform {
    pub fn of(ctx: &OpCtx) -> Result<Self, ImportError> {
        match Attrs(ctx.node).string("post_transform").as_deref().unwrap_or("NONE") {
            "NONE" => Ok(Self::None),
            "LOGISTIC" => Ok(Self::Logistic),
            "SOFTMAX" => Ok(Self::Softmax),
            other => Err(ImportError::unsupported(
                ctx.op(),
                ctx.name,
                format!("post_transform {other} (NONE, LOGISTIC and SOFTMAX are supported)"),
            )),
        }
    }

    pub fn apply(self, b: &mut Builder, ctx: &OpCtx, scores: Value) -> Result<Value, ImportError> {
        let Value::Node(id) = scores else {
            return Err(ImportError::unsupported(ctx.op(), ctx.name, "constant scores"));
        };
        Ok(match self {
            Self::None => scores,
            Self::Logistic => Value::Node(b.push(
                &format!("{}/logistic", ctx.name),
                Op::Unary(Nonlinearity::Sigmoid),
                vec![id],
                b.nodes[id].shape.clone(),
            )),
            Self::Softmax => softmax_over(b, ctx, &scores, &[1], false)?,
        })
    }
}

/// Integer class labels `first + step · i` (ONNX allows any list; evenly spaced ones cover
/// scikit-learn's `0..C`, `1..=C` and `{-1, 1}`).
pub struct Labels {
    pub count: usize,
    first: f64,
    step: f64,
}

impl Labels {
    pub fn of(ctx: &OpCtx, ints_attr: &str) -> Result<Self, ImportError> {
        let attrs = Attrs(ctx.node);
        if attrs.strings("classlabels_strings").is_some_and(|s| !s.is_empty()) {
            return Err(ImportError::unsupported(
                ctx.op(),
                ctx.name,
                "string class labels (export with integer labels)",
            ));
        }
        let labels = attrs
            .ints(ints_attr)
            .filter(|l| !l.is_empty())
            .ok_or_else(|| ctx.error(format!("attribute {ints_attr} is missing")))?;
        let step = if labels.len() > 1 { labels[1] - labels[0] } else { 1 };
        if labels.iter().enumerate().any(|(i, &l)| l != labels[0] + step * i as i64) {
            return Err(ImportError::unsupported(
                ctx.op(),
                ctx.name,
                format!("class labels {labels:?} are not evenly spaced"),
            ));
        }
        Ok(Self { count: labels.len(), first: labels[0] as f64, step: step as f64 })
    }
}

/// `(label, probabilities)` from raw scores `[N, S]`: `S = classes`, or `S = 1` for two classes,
/// where the one score is class 1's and class 0 gets `1 − p` (or `−p` for raw scores that may be
/// negative), as onnxruntime lays them out.
pub fn outputs(
    b: &mut Builder,
    ctx: &OpCtx,
    scores: Value,
    labels: &Labels,
    post: PostTransform,
    positive_scores: bool,
) -> Result<Vec<Value>, ImportError> {
    let columns = *b.shape(&scores).last().unwrap_or(&0);
    let probabilities = if columns == 1 && labels.count == 2 {
        let p = post.apply(b, ctx, scores)?;
        let complement_of = if post == PostTransform::None && !positive_scores { 0.0 } else { 1.0 };
        let q = binary(b, ctx, BinaryKind::Sub, &Value::Const(ConstTensor::scalar(complement_of)), &p)?;
        let (qi, pi) = (b.node_of(&q, ctx.name), b.node_of(&p, ctx.name));
        let n = b.nodes[pi].shape[0];
        Value::Node(b.push(&format!("{}/probabilities", ctx.name), Op::Concat { axis: 1 }, vec![qi, pi], vec![n, 2]))
    } else if columns == labels.count {
        post.apply(b, ctx, scores)?
    } else {
        return Err(ctx.error(format!("{columns} score columns for {} classes", labels.count)));
    };
    let index = arg_index(b, ctx, &probabilities, 1, ArgOptions { is_max: true, keepdims: true, last: false })?;
    Ok(vec![label_of(b, ctx, index, labels), probabilities])
}

/// The labels `[N]` of the class indices `[N, 1]`.
pub fn label_of(b: &mut Builder, ctx: &OpCtx, index: Value, labels: &Labels) -> Value {
    let label = if labels.first == 0.0 && labels.step == 1.0 {
        index
    } else {
        let id = b.node_of(&index, ctx.name);
        let shape = b.nodes[id].shape.clone();
        let weight = Tensor::new(vec![1, 1], vec![labels.step as f32]);
        let bias = Some(Tensor::new(vec![1], vec![labels.first as f32]));
        let label = b.push(&format!("{}/label", ctx.name), Op::Linear { weight, bias }, vec![id], shape);
        // class labels are integers: a negative scale (labels beyond 2^(bits−2)) would round them
        let last = labels.first + labels.step * (labels.count as f64 - 1.0);
        let why = format!("the labels of '{}' would be rounded to other integers", ctx.name);
        b.guard(label, GuardKind::ExactIntegers(labels.first.abs().max(last.abs())), why);
        Value::Node(label)
    };
    let id = b.node_of(&label, ctx.name);
    let n = b.nodes[id].shape[0];
    Value::Node(b.push(&format!("{}/labels", ctx.name), Op::Reshape, vec![id], vec![n]))
}
