//! `SVMClassifier` with a linear kernel (scikit-learn's `SVC(kernel="linear")` through skl2onnx),
//! as onnxruntime computes it: one-vs-one classifiers over the support vectors.
//!
//! For classes `i < j`, onnxruntime's score is
//! `s_ij = Σ_{v ∈ i} a_{j−1,v} K(x, sv_v) + Σ_{v ∈ j} a_{i,v} K(x, sv_v) + ρ_ij`. With the linear
//! kernel `K(x, sv) = x · sv`, that is `x · w_ij + ρ_ij` with `w_ij` the coefficient-weighted sum
//! of the two classes' support vectors: every pairwise score is one column of a single `Linear`,
//! whatever the number of support vectors. Each pair votes for `i` when `s_ij > 0`, else for `j`
//! (a comparison with 0), the votes are a fixed `Linear` over those bits, and the label is the
//! class list at the first most-voted class (onnxruntime's `max_element`), the ArgMax of the
//! shared classifier stage. The scores output is the pairwise scores, or `[−s, s]` for two
//! classes, as onnxruntime lays them out.
//!
//! Refused: other kernels, `prob_a`/`prob_b` (Platt scaling couples the pairwise probabilities
//! by an iterative solve), a `post_transform` other than `NONE`, and the liblinear layout without
//! support vectors (scikit-learn's `LinearSVC` arrives as `LinearClassifier` instead).

use super::classifier::{label_of, Labels};
use super::features;
use crate::graph_builder::Builder;
use crate::ops::compare::{arg_index, less, ArgOptions};
use crate::ops::elementwise::binary;
use crate::ops::{OpCtx, Value};
use crate::proto::{Attrs, ConstTensor};
use crate::ImportError;
use zkinfer_circuits::ir::BinaryKind;
use zkinfer_circuits::{Op, Tensor};

/// `(label, scores)` of an `SVMClassifier`.
pub fn classifier(b: &mut Builder, ctx: &OpCtx) -> Result<Vec<Value>, ImportError> {
    let svm = Svm::of(ctx)?;
    let (x, shape) = features(b, ctx)?;
    if shape[1] != svm.features {
        return Err(ctx.error(format!("{} features, the support vectors have {}", shape[1], svm.features)));
    }
    let n = shape[0];
    let (weight, bias) = svm.pairwise_linear();
    let pairs = bias.len();
    let scores = b.push(
        &format!("{}/pair_scores", ctx.name),
        Op::Linear {
            weight: Tensor::new(vec![svm.features, pairs], weight),
            bias: Some(Tensor::new(vec![pairs], bias)),
        },
        vec![x],
        vec![n, pairs],
    );
    // a vote for i where s_ij > 0, else for j
    let wins = less(b, ctx, &Value::Const(ConstTensor::scalar(0.0)), &Value::Node(scores), true)?;
    let wins = b.node_of(&wins, ctx.name);
    let (vote_weight, vote_bias) = svm.vote_linear();
    let classes = svm.classes;
    let votes = b.push(
        &format!("{}/votes", ctx.name),
        Op::Linear {
            weight: Tensor::new(vec![pairs, classes], vote_weight),
            bias: Some(Tensor::new(vec![classes], vote_bias)),
        },
        vec![wins],
        vec![n, classes],
    );
    let index = arg_index(b, ctx, &Value::Node(votes), 1, ArgOptions { is_max: true, keepdims: true, last: false })?;
    let label = label_of(b, ctx, index, &svm.labels);
    let scores = if classes == 2 {
        let negated = binary(b, ctx, BinaryKind::Sub, &Value::Const(ConstTensor::scalar(0.0)), &Value::Node(scores))?;
        let negated = b.node_of(&negated, ctx.name);
        Value::Node(b.push(&format!("{}/scores", ctx.name), Op::Concat { axis: 1 }, vec![negated, scores], vec![n, 2]))
    } else {
        Value::Node(scores)
    };
    Ok(vec![label, scores])
}

/// The attributes of a linear-kernel SVC.
struct Svm {
    labels: Labels,
    classes: usize,
    features: usize,
    /// Support vectors per class, in class order.
    per_class: Vec<usize>,
    /// `[vectors, features]`, row-major.
    support_vectors: Vec<f64>,
    /// `[classes − 1, vectors]`, row-major.
    coefficients: Vec<f64>,
    /// One per pair `(i, j)`, `i < j`, in that order.
    rho: Vec<f64>,
}

impl Svm {
    fn of(ctx: &OpCtx) -> Result<Self, ImportError> {
        let attrs = Attrs(ctx.node);
        let refuse = |what: &str| Err(ImportError::unsupported(ctx.op(), ctx.name, what));
        let kernel = attrs.string("kernel_type").unwrap_or_else(|| "LINEAR".into());
        if kernel != "LINEAR" {
            return refuse(&format!("kernel_type {kernel} (the LINEAR kernel is supported)"));
        }
        if attrs.floats("prob_a").is_some_and(|p| !p.is_empty()) {
            return refuse("prob_a/prob_b (SVC(probability=True)): Platt scaling couples the pairwise probabilities by an iterative solve; export without probability");
        }
        if let Some(post) = attrs.string("post_transform").filter(|p| p != "NONE") {
            return refuse(&format!("post_transform {post} (NONE is supported)"));
        }
        let labels = Labels::of(ctx, "classlabels_ints")?;
        let per_class: Vec<usize> = attrs
            .ints("vectors_per_class")
            .unwrap_or_default()
            .iter()
            .map(|&v| usize::try_from(v).map_err(|_| ctx.error(format!("vectors_per_class holds {v}"))))
            .collect::<Result<_, _>>()?;
        if per_class.is_empty() {
            return refuse(
                "the layout without support vectors (liblinear); scikit-learn's LinearSVC exports a LinearClassifier",
            );
        }
        let floats = |name: &str| -> Result<Vec<f64>, ImportError> {
            Ok(attrs
                .floats(name)
                .ok_or_else(|| ctx.error(format!("attribute {name} is missing")))?
                .iter()
                .map(|&v| v as f64)
                .collect())
        };
        let (support_vectors, coefficients, rho) =
            (floats("support_vectors")?, floats("coefficients")?, floats("rho")?);
        let classes = labels.count;
        let vectors = per_class
            .iter()
            .try_fold(0usize, |sum, &c| sum.checked_add(c))
            .ok_or_else(|| ctx.error("vectors_per_class overflows"))?;
        let pairs = classes * classes.saturating_sub(1) / 2;
        let consistent = classes >= 2
            && per_class.len() == classes
            && vectors > 0
            && support_vectors.len() % vectors == 0
            && (classes - 1).checked_mul(vectors) == Some(coefficients.len())
            && rho.len() == pairs;
        if !consistent {
            return Err(ctx.error(format!(
                "inconsistent attributes: {classes} classes, vectors_per_class {per_class:?}, {} support-vector values, {} coefficients, {} rho",
                support_vectors.len(),
                coefficients.len(),
                rho.len()
            )));
        }
        let features = support_vectors.len() / vectors;
        Ok(Self { labels, classes, features, per_class, support_vectors, coefficients, rho })
    }

    /// The pairwise scores as `x · W + ρ`: `W` is `[features, pairs]`.
    fn pairwise_linear(&self) -> (Vec<f32>, Vec<f32>) {
        let (f, vectors) = (self.features, self.per_class.iter().sum::<usize>());
        let starts: Vec<usize> = self.per_class.iter().scan(0, |s, &c| Some(std::mem::replace(s, *s + c))).collect();
        let mut columns: Vec<Vec<f64>> = Vec::new();
        for i in 0..self.classes {
            for j in i + 1..self.classes {
                let mut w = vec![0f64; f];
                // class i's vectors weighted by row j − 1, class j's by row i
                for (class, row) in [(i, j - 1), (j, i)] {
                    for v in starts[class]..starts[class] + self.per_class[class] {
                        let a = self.coefficients[row * vectors + v];
                        w.iter_mut().zip(&self.support_vectors[v * f..(v + 1) * f]).for_each(|(w, s)| *w += a * s);
                    }
                }
                columns.push(w);
            }
        }
        let weight = (0..f * columns.len()).map(|e| columns[e % columns.len()][e / columns.len()] as f32).collect();
        (weight, self.rho.iter().map(|&r| r as f32).collect())
    }

    /// Votes per class from the pair bits `[s_ij > 0]`: `+bit` for `i`, `1 − bit` for `j`.
    fn vote_linear(&self) -> (Vec<f32>, Vec<f32>) {
        let c = self.classes;
        let pairs: Vec<(usize, usize)> = (0..c).flat_map(|i| (i + 1..c).map(move |j| (i, j))).collect();
        let mut weight = vec![0f32; pairs.len() * c];
        let mut bias = vec![0f32; c];
        for (p, &(i, j)) in pairs.iter().enumerate() {
            weight[p * c + i] += 1.0;
            weight[p * c + j] -= 1.0;
            bias[j] += 1.0;
        }
        (weight, bias)
    }
}

#[cfg(test)]
mod tests {
    use crate::graph_builder::build;
    use crate::semantics_tests::{value_info, FLOAT, INT64};
    use std::path::Path;
    use tract_onnx::pb;

    fn attr(name: &str, value: pb::AttributeProto) -> pb::AttributeProto {
        pb::AttributeProto { name: name.into(), ..value }
    }

    fn floats(v: &[f32]) -> pb::AttributeProto {
        pb::AttributeProto {
            floats: v.to_vec(),
            r#type: pb::attribute_proto::AttributeType::Floats as i32,
            ..Default::default()
        }
    }

    fn ints(v: &[i64]) -> pb::AttributeProto {
        pb::AttributeProto {
            ints: v.to_vec(),
            r#type: pb::attribute_proto::AttributeType::Ints as i32,
            ..Default::default()
        }
    }

    fn string(s: &str) -> pb::AttributeProto {
        pb::AttributeProto {
            s: s.as_bytes().to_vec(),
            r#type: pb::attribute_proto::AttributeType::String as i32,
            ..Default::default()
        }
    }

    /// Three classes of one support vector each over two features: pair scores
    /// `s_01 = a·(x·sv0) + b·(x·sv1) + ρ`, as onnxruntime sums them.
    fn svc(extra: Vec<pb::AttributeProto>) -> pb::ModelProto {
        let mut attribute = vec![
            attr("classlabels_ints", ints(&[0, 1, 2])),
            attr("vectors_per_class", ints(&[1, 1, 1])),
            attr("support_vectors", floats(&[1.0, 0.0, 0.0, 1.0, -1.0, -1.0])),
            attr("coefficients", floats(&[1.0, -1.0, 0.5, 0.5, 2.0, -2.0])),
            attr("rho", floats(&[0.1, -0.2, 0.3])),
            attr("kernel_type", string("LINEAR")),
        ];
        for a in extra {
            attribute.retain(|b| b.name != a.name);
            attribute.push(a);
        }
        let node = pb::NodeProto {
            op_type: "SVMClassifier".into(),
            domain: "ai.onnx.ml".into(),
            name: "svc".into(),
            input: vec!["x".into()],
            output: vec!["label".into(), "scores".into()],
            attribute,
            ..Default::default()
        };
        let graph = pb::GraphProto {
            node: vec![node],
            input: vec![value_info("x", FLOAT, &[1, 2])],
            output: vec![value_info("label", INT64, &[1]), value_info("scores", FLOAT, &[1, 3])],
            ..Default::default()
        };
        pb::ModelProto {
            ir_version: 8,
            opset_import: vec![
                pb::OperatorSetIdProto { domain: String::new(), version: 13 },
                pb::OperatorSetIdProto { domain: "ai.onnx.ml".into(), version: 3 },
            ],
            graph: Some(graph),
            ..Default::default()
        }
    }

    #[test]
    fn pairwise_scores_votes_and_label_follow_onnxruntime() {
        let g = build(&svc(vec![]), Path::new("."), None).unwrap();
        let x = [0.5, 2.0];
        // kernels k = (x·sv0, x·sv1, x·sv2) = (0.5, 2, −2.5); coefficient rows r0, r1:
        // s_01 = r0[sv0]·k0 + r0[sv1]·k1 + ρ0 (class 0 by row j−1 = 0, class 1 by row i = 0)
        let k = [0.5, 2.0, -2.5];
        let (r0, r1) = ([1.0, -1.0, 0.5], [0.5, 2.0, -2.0]);
        let s01 = r0[0] * k[0] + r0[1] * k[1] + 0.1;
        let s02 = r1[0] * k[0] + r0[2] * k[2] - 0.2;
        let s12 = r1[1] * k[1] + r1[2] * k[2] + 0.3;
        let values = g.eval_f64(&x);
        let scores = &values[g.outputs[1]];
        for (got, want) in scores.iter().zip([s01, s02, s12]) {
            assert!((got - want).abs() < 1e-6, "{scores:?} vs {:?}", [s01, s02, s12]);
        }
        // votes: s01 < 0 → 1, s02 < 0 → 2, s12 > 0 → 1: class 1
        assert!(s01 < 0.0 && s02 < 0.0 && s12 > 0.0);
        assert_eq!(values[g.outputs[0]], vec![1.0]);
    }

    #[test]
    fn kernels_probabilities_and_post_transforms_it_cannot_follow_are_refused() {
        for (extra, needle) in [
            (attr("kernel_type", string("RBF")), "kernel_type RBF"),
            (attr("prob_a", floats(&[1.0, 1.0, 1.0])), "Platt"),
            (attr("post_transform", string("LOGISTIC")), "post_transform LOGISTIC"),
            (attr("vectors_per_class", ints(&[])), "liblinear"),
            (attr("rho", floats(&[0.1])), "inconsistent"),
        ] {
            let err = build(&svc(vec![extra]), Path::new("."), None).map(|_| ()).unwrap_err().to_string();
            assert!(err.contains(needle), "{needle}: {err}");
        }
    }
}
