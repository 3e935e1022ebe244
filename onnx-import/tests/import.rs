//! The importer against tract: every bundled model's IR, run in f64, matches tract's float run
//! of the original ONNX file; and bad models give errors that name what is wrong.

use std::path::{Path, PathBuf};
use zkinfer_circuits::Op;
use zkinfer_onnx::{import, tract_reference, ImportError};

fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../models")
}

/// The first sample of an input file (`model` is a folder under models/).
fn sample(model: &str, file: &str) -> Vec<f64> {
    let text = std::fs::read_to_string(models_dir().join(model).join(file)).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["input_data"][0].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect()
}

fn ir_matches_tract(model: &str) {
    for file in ["input.json", "input2.json"] {
        assert_ir_matches_tract(&models_dir().join(model).join("model.onnx"), &sample(model, file));
    }
}

/// Imports `path` and asserts that its IR, run in f64 on `x`, matches tract's run; returns the IR.
fn assert_ir_matches_tract(path: &Path, x: &[f64]) -> zkinfer_circuits::Graph {
    let graph = import(path, Some(x.len())).unwrap();
    let ours = graph.eval_f64(x);
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let theirs = tract_reference(path, graph.input_shape(), &x32).unwrap();
    assert_eq!(theirs.len(), graph.outputs.len());
    for (&o, reference) in graph.outputs.iter().zip(&theirs) {
        assert_eq!(ours[o].len(), reference.len());
        for (a, b) in ours[o].iter().zip(reference) {
            // f64 against f32 arithmetic: relative 1e-4 of the value's magnitude
            assert!((a - *b as f64).abs() <= 1e-4 * (1.0 + a.abs()), "{}: {a} vs {b}", path.display());
        }
    }
    graph
}

#[test]
fn linear_regression_matches_tract() {
    ir_matches_tract("linear_regression");
}

#[test]
fn mlp_relu_matches_tract() {
    ir_matches_tract("mlp_relu");
}

#[test]
fn mnist_mlp_matches_tract() {
    ir_matches_tract("mnist_mlp");
}

#[test]
fn logistic_regression_matches_tract() {
    ir_matches_tract("logistic_regression");
}

#[test]
fn cnn_avgpool_matches_tract() {
    ir_matches_tract("cnn_avgpool");
}

#[test]
fn conv_pooling_batchnorm_transpose_match_tract() {
    fixture_matches_tract("ops_conv.onnx", "ops_conv.json", 2);
}

#[test]
fn slice_gather_expand_tile_pad_split_concat_match_tract() {
    fixture_matches_tract("ops_select.onnx", "ops_select.json", 10);
}

#[test]
fn maxpool_reductions_max_min_match_tract() {
    fixture_matches_tract("ops_reduce.onnx", "ops_reduce.json", 7);
}

#[test]
fn cnn_maxpool_matches_tract() {
    ir_matches_tract("cnn_maxpool");
}

#[test]
fn layer_normalization_matches_tract() {
    fixture_matches_tract("ops_layernorm.onnx", "ops_layernorm.json", 1);
}

#[test]
fn softmax_and_log_softmax_match_tract_at_opset_11_and_13() {
    fixture_matches_tract("ops_softmax_opset11.onnx", "ops_softmax.json", 2);
    fixture_matches_tract("ops_softmax_opset13.onnx", "ops_softmax.json", 2);
}

#[test]
fn mlp_activations_matches_tract() {
    ir_matches_tract("mlp_activations");
}

#[test]
fn attention_matches_tract() {
    ir_matches_tract("attention");
}

#[test]
fn nonlinear_functions_match_tract() {
    fixture_matches_tract("ops_nonlinear.onnx", "ops_nonlinear.json", 16);
}

fn fixture_matches_tract(model: &str, input: &str, outputs: usize) {
    let path = models_dir().join("fixtures").join(model);
    let x = sample("fixtures", input);
    let graph = import(&path, Some(x.len())).unwrap();
    assert_eq!(graph.outputs.len(), outputs);
    let ours = graph.eval_f64(&x);
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let theirs = tract_reference(&path, graph.input_shape(), &x32).unwrap();
    for (&o, reference) in graph.outputs.iter().zip(&theirs) {
        for (a, b) in ours[o].iter().zip(reference) {
            // erf is a 1.2e-7 approximation; everything else is f64 against f32
            assert!((a - *b as f64).abs() <= 1e-4 * (1.0 + a.abs()), "{}: {a} vs {b}", graph.nodes[o].name);
        }
    }
}

#[test]
fn matmul_plus_constant_becomes_a_biased_linear() {
    let graph = import(&models_dir().join("mlp_relu/model.onnx"), Some(8)).unwrap();
    assert!(graph.nodes.iter().all(|n| !matches!(n.op, Op::Binary(_) | Op::Const(_))));
    assert!(matches!(&graph.nodes[1].op, Op::Linear { bias: Some(_), .. }));
}

#[test]
fn symbolic_batch_is_fixed_from_the_input_size() {
    let graph = import(&models_dir().join("mlp_relu/model.onnx"), Some(24)).unwrap();
    assert_eq!(graph.input_shape(), &[3, 8]);
    assert_eq!(graph.nodes[*graph.outputs.first().unwrap()].shape, vec![3, 3]);
    let err = import(&models_dir().join("mlp_relu/model.onnx"), Some(13)).unwrap_err();
    assert!(matches!(err, ImportError::Input(_)), "{err}");
}

#[test]
fn unsupported_op_names_the_op_and_the_node() {
    let err = import(&models_dir().join("fixtures/unsupported_op.onnx"), None).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ImportError::Unsupported { .. }));
    assert!(msg.contains("'Hardmax'") && msg.contains("'pick_max'"), "{msg}");
}

#[test]
fn malformed_file_is_a_read_error() {
    let err = import(&models_dir().join("fixtures/malformed.onnx"), None).unwrap_err();
    assert!(matches!(err, ImportError::Read { .. }), "{err}");
    let err = import(&models_dir().join("fixtures/does_not_exist.onnx"), None).unwrap_err();
    assert!(err.to_string().contains("does_not_exist.onnx"), "{err}");
}

/// The fixture's BatchNormalization after a grouped Conv is folded into the Conv's weights and
/// bias: no element-wise op is left, and the IR still matches tract.
#[test]
fn batch_norm_after_a_conv_folds_into_its_weights_and_matches_tract() {
    let x = sample("fixtures", "ops_conv.json");
    let graph = assert_ir_matches_tract(&models_dir().join("fixtures/ops_conv.onnx"), &x);
    let binary: Vec<&str> =
        graph.nodes.iter().filter(|n| matches!(n.op, Op::Binary(_))).map(|n| n.name.as_str()).collect();
    assert!(binary.is_empty(), "element-wise ops left after folding: {binary:?}");
}

#[test]
fn a_masked_softmax_keeps_no_mask_constant_and_pins_masked_outputs_to_zero() {
    let path = models_dir().join("fixtures/ops_masked_attention.onnx");
    let graph = import(&path, None).unwrap();
    // neither −1e4 nor −1e9 survives into the graph: no tensor is calibrated to them
    for node in &graph.nodes {
        if let Op::Const(t) = &node.op {
            assert!(t.data.iter().all(|v| v.abs() < 1e3), "'{}' still holds a mask value", node.name);
        }
    }
    // the second output (the filled mask's probabilities, [1, 8, 8]): each row i has i + 1 open
    // positions, the rest are pinned zeros (a Select with no source)
    let exps: Vec<&zkinfer_circuits::Node> = graph.nodes.iter().filter(|n| n.name.ends_with("/open_exp")).collect();
    assert_eq!(exps.len(), 2);
    for node in exps {
        let Op::Select { sources } = &node.op else { panic!("{} is a Select", node.name) };
        let open = sources.iter().filter(|s| s.is_some()).count();
        assert_eq!(open, (1..=8).sum::<usize>(), "{}", node.name);
        assert!(sources[1].is_none() && sources[8].is_some() && sources[9].is_some(), "{}", node.name);
    }
    // and the graph still computes onnxruntime's probabilities there: exactly 0 where masked
    let x = vec![0.5; graph.input_len()];
    let values = graph.eval_f64(&x);
    let probabilities = &values[graph.outputs[1]];
    assert!((0..8).all(|i| (i + 1..8).all(|j| probabilities[i * 8 + j] == 0.0)));
    assert!((0..8).all(|i| ((0..=i).map(|j| probabilities[i * 8 + j]).sum::<f64>() - 1.0).abs() < 1e-9));
}
