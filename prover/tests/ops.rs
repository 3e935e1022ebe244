//! Each supported op against tract: small fixtures that exercise one op family each (Mul/Sub/Add
//! with broadcasting and constants, Relu, a product of two activations, two outputs; Unsqueeze,
//! Squeeze, Identity, MatMul, Reshape, Flatten, Gemm with alpha/beta/transB, at opsets 11 and 13;
//! the table-lookup functions; Conv, pooling, BatchNorm, Transpose; Slice, Gather, Expand, Tile,
//! Pad, Split, Concat) are compiled, proved and verified, and the proved outputs are compared
//! with tract's.

mod common;

use common::models_dir;
use std::path::Path;
use zkinfer::input::read_input;

/// Proves the fixture and returns, per output, the largest |proved - tract| and the largest
/// |tract| value.
fn errors_against_tract(model: &str, input: &str) -> Vec<(String, f64, f64)> {
    let dir = models_dir().join("fixtures");
    let x = read_input(&dir.join(input)).unwrap();
    let compiled = zkinfer::compile(&dir.join(model), std::slice::from_ref(&x), &Default::default()).unwrap();
    let srs = zkinfer::srs::generate_insecure(compiled.params.k, 5).unwrap();
    let (pk, vk) = zkinfer::setup(&compiled, srs, Path::new("test-srs")).unwrap();
    let bundle = zkinfer::prove(&compiled, &pk, &x).unwrap();
    zkinfer::verify(&vk, &bundle).unwrap();
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let reference = zkinfer_onnx::tract_reference(&dir.join(model), compiled.graph.input_shape(), &x32).unwrap();
    assert_eq!(reference.len(), bundle.outputs.len());
    bundle
        .outputs
        .iter()
        .zip(&reference)
        .map(|(o, r)| {
            assert_eq!(o.values.len(), r.len());
            let err = o.values.iter().zip(r).fold(0f64, |m, (p, f)| m.max((p - *f as f64).abs()));
            let range = r.iter().fold(0f64, |m, f| m.max(f.abs() as f64));
            (o.name.clone(), err, range)
        })
        .collect()
}

/// Asserts every output is within `tolerance` × max(its largest |value|, 1) of tract's.
fn assert_within(model: &str, input: &str, tolerance: f64) {
    for (name, err, range) in errors_against_tract(model, input) {
        assert!(err <= tolerance * range.max(1.0), "{model}/{name}: max error {err} for outputs up to {range}");
    }
}

// 12-bit activations with one bit of headroom: a single quantized step is within 1%.

#[test]
fn elementwise_ops_match_tract() {
    assert_within("ops_elementwise.onnx", "ops_elementwise.json", 0.01);
}

#[test]
fn shape_ops_and_gemm_attributes_match_tract_at_opset_11_and_13() {
    assert_within("ops_shapes_opset11.onnx", "ops_shapes.json", 0.01);
    assert_within("ops_shapes_opset13.onnx", "ops_shapes.json", 0.01);
}

#[test]
fn nonlinear_functions_match_tract() {
    assert_within("ops_nonlinear.onnx", "ops_nonlinear.json", 0.01);
}

#[test]
fn conv_pooling_batchnorm_transpose_match_tract() {
    assert_within("ops_conv.onnx", "ops_conv.json", 0.01);
}

#[test]
fn slice_gather_expand_tile_pad_split_concat_match_tract() {
    // pure re-wiring: only the input's quantization error (and exact rescaling in Concat)
    assert_within("ops_select.onnx", "ops_select.json", 0.005);
}

#[test]
fn maxpool_reductions_max_min_match_tract() {
    assert_within("ops_reduce.onnx", "ops_reduce.json", 0.01);
}

#[test]
fn layer_normalization_matches_tract() {
    // five quantized steps (mean, centre, square, variance, rsqrt table)
    assert_within("ops_layernorm.onnx", "ops_layernorm.json", 0.02);
}

#[test]
fn softmax_and_log_softmax_match_tract_at_opset_11_and_13() {
    // max, exp table, sum, reciprocal (or log) table, product
    assert_within("ops_softmax_opset11.onnx", "ops_softmax.json", 0.02);
    assert_within("ops_softmax_opset13.onnx", "ops_softmax.json", 0.02);
}
