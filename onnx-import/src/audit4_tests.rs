//! Fourth independent audit (the ExactIntegers guards, the table Gather, the masked softmax,
//! models of several inputs, SVMClassifier, LSTM/GRU/RNN). Each test asserts the behaviour found
//! today and states what ONNX (onnxruntime, f32) gives and what the proof gives.

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
    pb::AttributeProto { name: name.into(), i, r#type: pb::attribute_proto::AttributeType::Int as i32, ..Default::default() }
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

/// HONEST RESULT DIFFERS FROM ONNX. A classifier's label is `index · step + first` (a `Linear`
/// after the ArgMax, `label_of` in ml/classifier.rs) that carries no `ExactIntegers` guard, so
/// the quantizer gives it the calibrated scale of its magnitude: labels above 2047 at 12 bits
/// get a negative scale and are rounded to an even (or multiple-of-4) neighbour.
///
/// x = [0, −2]: pair scores s01 = 2.1, s02 = 0.8, s12 = −7.7, votes (2, 0, 1), class 0.
/// onnxruntime: label 5001. Proof: label 5000 (the label node is at scale 2^−2), a class label
/// that is not one of the model's classes. (LinearClassifier / TreeEnsembleClassifier labels go
/// through the same `label_of`.)
#[test]
fn a_large_class_label_is_rounded_at_a_negative_scale() {
    let m = svc(&[5001, 5002, 5003]);
    let x = [0.0, -2.0];
    let g = build(&m, Path::new("."), None).unwrap();
    // the float graph gives ONNX's label
    assert_eq!(g.eval_f64(&x)[g.outputs[0]], vec![5001.0]);
    let proved = proved_at(&m, &[x.to_vec()], &x, 12).unwrap();
    assert_eq!(proved, vec![5000.0], "the proof's label");
}

#[test]
fn scratch_recurrent_vs_ort() {
    let j: serde_json::Value = serde_json::from_str(&std::fs::read_to_string("/tmp/audit4/rec.json").unwrap()).unwrap();
    let x: Vec<f64> = j["x"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    for (k, outs) in j["out"].as_object().unwrap() {
        let g = crate::import(Path::new(&format!("/tmp/audit4/{k}.onnx")), None).unwrap();
        let vals = g.eval_f64(&x);
        for (o, want) in outs.as_array().unwrap().iter().enumerate() {
            let want: Vec<f64> = want.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            let got = &vals[g.outputs[o]];
            let err = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
            eprintln!("{k} out{o}: len {} vs {} max err {err}", got.len(), want.len());
        }
    }
}
