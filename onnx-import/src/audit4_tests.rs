//! Fourth independent audit (the ExactIntegers guards, the table Gather, the masked softmax,
//! models of several inputs, SVMClassifier, LSTM/GRU/RNN): no forged output verified; these are
//! the models whose honest proof differed from ONNX (onnxruntime, f32), or that panicked. Each
//! test states what ONNX gives and asserts that the proof gives it, or that the model is refused
//! with a reason.

use crate::audit3_tests::tract_run;
use crate::audit_tests::{proved_at, tensor};
use crate::graph_builder::build;
use crate::semantics_tests::{node, opset_13, value_info, FLOAT, INT64};
use std::path::Path;
use tract_onnx::pb;
use zkinfer_circuits::quantize::{quantize, QuantizeOptions};

fn attr_ints(name: &str, v: &[i64]) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        ints: v.to_vec(),
        r#type: pb::attribute_proto::AttributeType::Ints as i32,
        ..Default::default()
    }
}

fn attr_floats(name: &str, v: &[f32]) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        floats: v.to_vec(),
        r#type: pb::attribute_proto::AttributeType::Floats as i32,
        ..Default::default()
    }
}

fn attr_int(name: &str, i: i64) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        i,
        r#type: pb::attribute_proto::AttributeType::Int as i32,
        ..Default::default()
    }
}

fn ml_model(nodes: Vec<pb::NodeProto>, input: pb::ValueInfoProto, outputs: Vec<pb::ValueInfoProto>) -> pb::ModelProto {
    let graph = pb::GraphProto { node: nodes, input: vec![input], output: outputs, ..Default::default() };
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

/// A linear-kernel SVC over two features with three classes labelled `labels`.
fn svc(labels: &[i64]) -> pb::ModelProto {
    let node = pb::NodeProto {
        op_type: "SVMClassifier".into(),
        domain: "ai.onnx.ml".into(),
        name: "svc".into(),
        input: vec!["x".into()],
        output: vec!["label".into(), "scores".into()],
        attribute: vec![
            attr_ints("classlabels_ints", labels),
            attr_ints("vectors_per_class", &[1, 1, 1]),
            attr_floats("support_vectors", &[1.0, 0.0, 0.0, 1.0, -1.0, -1.0]),
            attr_floats("coefficients", &[1.0, -1.0, 0.5, 0.5, 2.0, -2.0]),
            attr_floats("rho", &[0.1, -0.2, 0.3]),
            pb::AttributeProto {
                name: "kernel_type".into(),
                s: b"LINEAR".to_vec(),
                r#type: pb::attribute_proto::AttributeType::String as i32,
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    ml_model(
        vec![node],
        value_info("x", FLOAT, &[1, 2]),
        vec![value_info("label", INT64, &[1]), value_info("scores", FLOAT, &[1, 3])],
    )
}

/// A classifier's label is `index · step + first` (a `Linear` after the ArgMax, `label_of` in
/// ml/classifier.rs). It carried no `ExactIntegers` guard, so labels above 2047 at 12 bits got a
/// negative scale and were rounded: on x = [0, −2] (pair scores 2.1, 0.8, −7.7; votes (2, 0, 1),
/// class 0) onnxruntime gives label 5001 and the proof gave 5000, not one of the classes. The
/// label is guarded now (LinearClassifier and TreeEnsembleClassifier labels go through the same
/// code): exact where it fits the bits at scale 0, refused with the remedy where it does not.
#[test]
fn a_large_class_label_is_exact() {
    let m = svc(&[5001, 5002, 5003]);
    let x = [0.0, -2.0];
    let g = build(&m, Path::new("."), None).unwrap();
    // the float graph gives ONNX's label
    assert_eq!(g.eval_f64(&x)[g.outputs[0]], vec![5001.0]);
    // at 12 bits the labels do not fit at scale 0: refused with the remedy; at 14 bits exact
    let err = proved_at(&m, &[x.to_vec()], &x, 12).unwrap_err();
    assert!(err.contains("up to 5003") && err.contains("--bits"), "{err}");
    let proved = proved_at(&m, &[x.to_vec()], &x, 14).unwrap();
    assert_eq!(proved, vec![5001.0], "the proof's label");
    let other = proved_at(&m, &[x.to_vec()], &[0.0, 2.0], 14).unwrap();
    assert_eq!(other, g.eval_f64(&[0.0, 2.0])[g.outputs[0]]);
}

/// `SVMClassifier` with a negative `vectors_per_class` entry: the counts were cast to `usize` and
/// summed unchecked, so the consistency check passed on the wrapped sum and the lowering indexed
/// `coefficients` out of bounds (a panic). onnxruntime has no defined result for such a model;
/// the importer refuses it.
#[test]
fn a_negative_vectors_per_class_is_refused() {
    let mut m = svc(&[0, 1]);
    let n = &mut m.graph.as_mut().unwrap().node[0];
    n.attribute.retain(|a| !["vectors_per_class", "coefficients", "rho", "support_vectors"].contains(&a.name.as_str()));
    n.attribute.push(attr_ints("vectors_per_class", &[-1, 2]));
    n.attribute.push(attr_floats("support_vectors", &[1.0, 0.0]));
    n.attribute.push(attr_floats("coefficients", &[1.0]));
    n.attribute.push(attr_floats("rho", &[0.0]));
    assert_eq!(lowering_panics(&m), None, "no panic");
    let err = build(&m, Path::new("."), None).map(|_| ()).unwrap_err().to_string();
    assert!(err.contains("vectors_per_class holds -1"), "{err}");
}

/// A constant inside an index's derivation: `guard_derivation` skipped constants, and the
/// quantizer gave −3001 the calibrated scale of its magnitude (2^−1), reading it as −3002. For
/// x = [5, 1, 2] (ArgMax 0, index `0 − (−3001)` = 3001) ONNX (tract, onnxruntime) gives
/// T[3001] = 0.1 with T[i] = (i mod 10)/10 over 3004 rows; the proof gave T[3002] = 0.2. The
/// constant is guarded now, at a scale ≥ 0.
#[test]
fn a_constant_in_an_index_derivation_is_exact() {
    let rows = 3004;
    let table: Vec<f32> = (0..rows).map(|i| (i % 10) as f32 / 10.0).collect();
    let offset = pb::TensorProto {
        name: "c".into(),
        dims: vec![1, 1],
        data_type: INT64,
        int64_data: vec![-3001],
        ..Default::default()
    };
    let m = opset_13(pb::GraphProto {
        node: vec![
            node("ArgMax", &["x"], "i", vec![attr_int("axis", 1), attr_int("keepdims", 1)]),
            node("Sub", &["i", "c"], "j", vec![]),
            node("Gather", &["t", "j"], "y", vec![]),
        ],
        initializer: vec![tensor("t", &[rows as i64], &table), offset],
        input: vec![value_info("x", FLOAT, &[1, 3])],
        output: vec![value_info("y", FLOAT, &[1, 1])],
        ..Default::default()
    });
    let x = [5.0, 1.0, 2.0];
    assert_eq!(tract_run(&m, &[1, 3], &[5.0, 1.0, 2.0]), vec![0.1f32], "ONNX: T[3001]");
    let g = build(&m, Path::new("."), None).unwrap();
    assert!((g.eval_f64(&x)[g.outputs[0]][0] - 0.1).abs() < 1e-6, "the float graph agrees with ONNX");
    let q = quantize(&g, &[x.to_vec()], &QuantizeOptions { bits: 12, fixed_scale: None }).unwrap();
    let c = q.nodes.iter().find(|n| n.op_name == "Const" && n.shape == [1, 1]).map(|n| n.scale);
    assert!(c.is_some_and(|s| s >= 0), "the constant −3001 is quantized at scale {c:?}");
    let proved = proved_at(&m, &[x.to_vec()], &x, 12).unwrap();
    assert!((proved[0] - 0.1).abs() < 1e-3, "the proof reads T[3001]: {proved:?}");
}

/// A model whose lowering panics, as the caught panic message (None when it returns).
fn lowering_panics(m: &pb::ModelProto) -> Option<String> {
    let m = m.clone();
    let caught =
        std::panic::catch_unwind(move || build(&m, Path::new("."), None).map(|_| ()).map_err(|e| e.to_string()));
    caught.err().map(|p| {
        p.downcast_ref::<String>().cloned().or(p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
    })
}
