//! Each supported op against tract: small fixtures that exercise one op family each (Mul/Sub/Add
//! with broadcasting and constants, Relu, a product of two activations, two outputs; Unsqueeze,
//! Squeeze, Identity, MatMul, Reshape, Flatten, Gemm with alpha/beta/transB, at opsets 11 and 13;
//! the table-lookup functions; Conv, pooling, BatchNorm, Transpose; Slice, Gather, Expand, Tile,
//! Pad, Split, Concat; comparisons, Where, ArgMax; padded pools) are compiled, proved and verified, and the
//! proved outputs are compared with tract's. scikit-learn models in the ai.onnx.ml domain (tree
//! ensembles, linear models, Scaler, Normalizer, ZipMap), which tract cannot always run, are
//! compared with onnxruntime outputs recorded beside them.

mod common;

use common::models_dir;
use std::path::Path;
use zkinfer::input::read_input;

/// Compiles the fixture calibrated on all `inputs`, proves and verifies each, and returns per
/// output the largest |proved - reference| and the largest |reference| value. The reference is
/// tract's run, or onnxruntime's recorded outputs where tract cannot run the model.
fn errors_against_reference(model: &str, inputs: &[&str]) -> Vec<(String, f64, f64)> {
    errors_on_the_first(model, inputs, inputs.len())
}

/// As [`errors_against_reference`], proving only the first `proved` inputs (the big fixtures,
/// whose proofs take most of a test's time).
fn errors_on_the_first(model: &str, inputs: &[&str], proved: usize) -> Vec<(String, f64, f64)> {
    let dir = models_dir().join("fixtures");
    let xs: Vec<Vec<f64>> = inputs.iter().map(|i| read_input(&dir.join(i)).unwrap()).collect();
    let compiled = zkinfer::compile(&dir.join(model), &xs, &Default::default()).unwrap();
    let srs = zkinfer::srs::generate_insecure(compiled.params.k, 5).unwrap();
    let (pk, vk) = zkinfer::setup(&compiled, srs, Path::new("test-srs")).unwrap();
    let mut errors: Vec<(String, f64, f64)> = Vec::new();
    for x in &xs[..proved] {
        let bundle = zkinfer::prove(&compiled, &pk, x).unwrap();
        zkinfer::verify(&vk, &bundle).unwrap();
        for reference in references(&dir.join(model), compiled.graph.input_shape(), x) {
            assert_eq!(reference.len(), bundle.outputs.len());
            for (i, (o, r)) in bundle.outputs.iter().zip(&reference).enumerate() {
                assert_eq!(o.values.len(), r.len(), "{model}/{}", o.name);
                let err = o.values.iter().zip(r).fold(0f64, |m, (p, f)| m.max((p - *f as f64).abs()));
                let range = r.iter().fold(0f64, |m, f| m.max(f.abs() as f64));
                match errors.get_mut(i) {
                    Some(e) => *e = (e.0.clone(), e.1.max(err), e.2.max(range)),
                    None => errors.push((o.name.clone(), err, range)),
                }
            }
        }
    }
    errors
}

/// The float reference for one input: onnxruntime's outputs where they are recorded beside the
/// model, else tract's run.
fn references(model: &Path, shape: &[usize], x: &[f64]) -> Vec<Vec<Vec<f32>>> {
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    vec![zkinfer_onnx::float_reference(model, shape, &x32).unwrap().outputs]
}

/// Asserts every output is within `tolerance` × max(its largest |value|, 1) of the reference.
fn assert_within(model: &str, input: &str, tolerance: f64) {
    assert_all_within(model, &[input], tolerance);
}

fn assert_all_within(model: &str, inputs: &[&str], tolerance: f64) {
    assert_bounded(model, errors_against_reference(model, inputs), tolerance);
}

fn assert_bounded(model: &str, errors: Vec<(String, f64, f64)>, tolerance: f64) {
    for (name, err, range) in errors {
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

#[test]
fn comparisons_where_not_argmax_match_tract() {
    // 0/1 results and indices are exact (ties included); Where carries the input's rounding
    for (name, err, _) in errors_against_reference("ops_compare.onnx", &["ops_compare.json"]) {
        let bound = if name.contains("where") { 0.01 } else { 0.0 };
        assert!(err <= bound, "{name}: error {err}");
    }
}

/// A fixture with two inputs (both calibrate, both are proved): the ai.onnx.ml ones (two
/// borrowers each) and those in the shapes torch.onnx.export writes, against tract and
/// onnxruntime's recorded outputs.
fn on_both_inputs(model: &str, tolerance: f64) {
    let inputs = [format!("{model}.json"), format!("{model}_2.json")];
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    assert_all_within(&format!("{model}.onnx"), &inputs, tolerance);
}

#[test]
fn random_forest_regressor_matches_onnxruntime() {
    // TreeEnsembleRegressor, AVERAGE over 6 trees: only the leaf weights are rounded
    on_both_inputs("ml_forest_regressor", 0.005);
}

#[test]
fn random_forest_classifier_matches_onnxruntime() {
    // TreeEnsembleClassifier with three classes, ZipMap; labels exact
    on_both_inputs("ml_forest_multiclass", 0.005);
}

#[test]
fn scaler_softmax_logistic_regression_with_normalizer_matches_onnxruntime() {
    // MinMax Scaler, LinearClassifier with SOFTMAX, L1 Normalizer, ZipMap
    on_both_inputs("ml_logistic_multiclass", 0.03);
}

#[test]
fn binary_linear_svc_with_one_score_column_matches_onnxruntime() {
    // LinearClassifier with one coefficient row for two classes, ArrayFeatureExtractor
    on_both_inputs("ml_linear_svc", 0.01);
}

#[test]
fn l2_normalizer_then_linear_regressor_matches_onnxruntime() {
    on_both_inputs("ml_normalizer_regressor", 0.01);
}

#[test]
fn padded_max_and_average_pools_match_tract() {
    // MaxPool ignores the padding (mostly negative inputs would otherwise max to 0);
    // AveragePool divides by the real elements (count_include_pad = 0) or the whole window
    assert_within("ops_pool_padded.onnx", "ops_pool_padded.json", 0.01);
}

/// A classifier fixture's labels equal the reference's on every input; its probabilities are
/// within 1%.
fn labels_exact(model: &str, inputs: &[String]) {
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    for (name, err, range) in errors_against_reference(&format!("{model}.onnx"), &inputs) {
        let bound = if name.contains("label") { 0.0 } else { 0.01 * range.max(1.0) };
        assert!(err <= bound, "{model}/{name}: error {err}");
    }
}

#[test]
fn mlp_classifier_label_looked_up_by_argmax_matches_onnxruntime() {
    // skl2onnx's label: ArrayFeatureExtractor(classes = [0, 2, 7], ArgMax(probabilities)), a
    // lookup by a computed index; labels exact, probabilities within 1%
    ["ml_mlp_classifier", "ml_mlp_binary"].into_iter().for_each(labels_exact_on_both);
}

/// [`labels_exact`] on the two inputs beside the fixture.
fn labels_exact_on_both(model: &str) {
    labels_exact(model, &[format!("{model}.json"), format!("{model}_2.json")]);
}

#[test]
fn conv1d_prelu_and_1d_pools_match_onnxruntime() {
    on_both_inputs("ops_conv1d", 0.01);
}

#[test]
fn conv3d_and_3d_pools_match_onnxruntime() {
    on_both_inputs("ops_conv3d", 0.01);
}

#[test]
fn conv_transpose_1d_and_2d_match_onnxruntime() {
    on_both_inputs("ops_conv_transpose", 0.01);
}

#[test]
fn torch_activations_scalar_prelu_and_constant_pad_match_onnxruntime() {
    on_both_inputs("ops_activations_torch", 0.01);
}

#[test]
fn gelu_exact_and_tanh_at_opset_20_match_onnxruntime() {
    on_both_inputs("ops_gelu", 0.01);
}

/// The eight calibration borrowers of a natural-units fixture.
fn natural_unit_inputs(model: &str) -> Vec<String> {
    (1..=8).map(|i| if i == 1 { format!("{model}.json") } else { format!("{model}_{i}.json") }).collect()
}

#[test]
fn boosted_trees_on_natural_unit_features_decide_as_onnxruntime() {
    // incomes and loans in dollars beside ratios in [0, 1]: per-feature input scales, every label
    // identical to onnxruntime's on the calibration set, probabilities within 1%
    for model in ["ml_xgboost_natural_units", "ml_lightgbm_natural_units"] {
        labels_exact(model, &natural_unit_inputs(model));
    }
}

#[test]
fn per_feature_input_scales_are_used_stated_and_checked() {
    let dir = models_dir().join("fixtures");
    let model = "ml_xgboost_natural_units";
    let xs: Vec<Vec<f64>> = natural_unit_inputs(model).iter().map(|i| read_input(&dir.join(i)).unwrap()).collect();
    let compiled = zkinfer::compile(&dir.join(format!("{model}.onnx")), &xs, &Default::default()).unwrap();
    let exponents = &compiled.model.input_exponents;
    // the income in dollars keeps the input's scale; the ratios get 17 and 18 more bits
    assert_eq!(exponents.len(), 8);
    assert_eq!(exponents[1], 0, "{exponents:?}");
    assert!(exponents[2] >= 16 && exponents[3] >= 16, "{exponents:?}");
    let srs = zkinfer::srs::generate_insecure(compiled.params.k, 5).unwrap();
    let (pk, vk) = zkinfer::setup(&compiled, srs, Path::new("test-srs")).unwrap();
    let bundle = zkinfer::prove(&compiled, &pk, &xs[0]).unwrap();
    zkinfer::verify(&vk, &bundle).unwrap();
    // the proof file states each feature at its own scale: the ratio to half a step of 2^-15,
    // where one scale for all would round it to a multiple of 8
    let step = 2f64.powi(-vk.info.input.scale_of(2));
    assert!(step <= 2f64.powi(-12), "{step}");
    assert!((bundle.input[2] - xs[0][2]).abs() <= step / 2.0, "{} for {}", bundle.input[2], xs[0][2]);
    // one step at the ratio's scale, stated in the file, no longer matches the instances
    let mut moved = bundle.clone();
    moved.input[2] += 2f64.powi(-vk.info.input.scale_of(2));
    let err = zkinfer::verify(&vk, &moved).unwrap_err().to_string();
    assert!(err.contains("input written in the proof file differs"), "{err}");
}

#[test]
fn mask_constant_subgraphs_trilu_range_where_match_onnxruntime() {
    // ConstantOfShape → Trilu → Cast as a Where's constant condition, Trilu of a computed tensor,
    // Range added as positions
    on_both_inputs("ops_mask_constants", 0.01);
}

#[test]
fn causal_attention_with_additive_and_filled_masks_matches_onnxruntime() {
    // Softmax(scores + mask of −1e4) and Softmax(Where(mask, −1e9, scores)): the masked positions
    // are left out of the max and the sum, so the mask does not set the scores' scale
    on_both_inputs("ops_masked_attention", 0.01);
}

#[test]
fn resize_and_upsample_nearest_and_linear_match_onnxruntime() {
    // nn.Upsample as torch exports it (nearest asymmetric floor, bilinear pytorch_half_pixel,
    // align_corners by sizes), a nearest downscale, and Upsample at opset 9 (tract cannot run it)
    on_both_inputs("ops_resize", 0.01);
    on_both_inputs("ops_upsample_opset9", 0.01);
}

#[test]
fn instance_normalization_over_2d_and_1d_spatial_axes_matches_onnxruntime() {
    on_both_inputs("ops_instance_norm", 0.01);
}

/// Calibrated on both inputs beside the fixture, proved on the first.
fn proved_on_the_first(model: &str, tolerance: f64) {
    let inputs = [format!("{model}.json"), format!("{model}_2.json")];
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    assert_bounded(model, errors_on_the_first(&format!("{model}.onnx"), &inputs, 1), tolerance);
}

#[test]
fn a_two_layer_causal_decoder_as_torch_exports_it_matches_onnxruntime() {
    // seq 16, d 32, 2 heads: LayerNorm as ReduceMean/Sub/Pow/Sqrt/Div, heads split by Reshape and
    // Transpose, scores / √d_head + a causal mask of −1e4, Softmax, Erf-GELU written out
    proved_on_the_first("decoder_2layer", 0.01);
}

#[test]
fn a_gpt2_block_with_tanh_gelu_matches_onnxruntime() {
    // GPT-2's gelu_new written out: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·Pow(x, 3))))
    proved_on_the_first("gpt2_block", 0.01);
}

#[test]
fn token_ids_read_through_an_embedding_gather_match_onnxruntime() {
    // INT64 token ids as the model input: Gather(wte, ids) + positions, then a decoder block
    proved_on_the_first("decoder_token_ids", 0.01);
}

#[test]
fn a_model_of_two_inputs_reads_their_concatenation_and_matches_onnxruntime() {
    // y = Relu((a * b) @ W + b @ V): each input file lists a, then b
    on_both_inputs("ops_two_inputs", 0.01);
    let dir = models_dir().join("fixtures");
    let x: Vec<f32> = read_input(&dir.join("ops_two_inputs.json")).unwrap().iter().map(|&v| v as f32).collect();
    assert_eq!(x.len(), 8, "two inputs of 4 values, concatenated");
    // tract runs the model on the two spans of the same flat input, as onnxruntime did
    let tract = zkinfer_onnx::tract_reference(&dir.join("ops_two_inputs.onnx"), &[8], &x).unwrap();
    let recorded = zkinfer_onnx::recorded_reference(&dir.join("ops_two_inputs.reference.json"), &x).unwrap().unwrap();
    for (t, r) in tract[0].iter().zip(&recorded.outputs[0]) {
        assert!((t - r).abs() < 1e-5, "tract {tract:?}, onnxruntime {:?}", recorded.outputs);
    }
}

#[test]
fn linear_svc_one_vs_one_matches_onnxruntime() {
    // SVC(kernel="linear") through skl2onnx: SVMClassifier's pairwise scores as one Linear, votes,
    // label; for three classes skl2onnx's vote-and-confidence graph (Less, Neg, Sum, Abs, Div)
    ["ml_svc_linear", "ml_svc_linear_multiclass"].into_iter().for_each(labels_exact_on_both);
}

#[test]
fn lstm_gru_and_rnn_unrolled_match_onnxruntime() {
    // a bidirectional LSTM with biases and peepholes; GRUs with linear_before_reset 1 (PyTorch's)
    // and 0 (reverse, from a constant initial state); a plain RNN: sequence 5, hidden 4
    proved_on_the_first("ops_lstm", 0.01);
    proved_on_the_first("ops_gru", 0.01);
    on_both_inputs("ops_rnn", 0.01);
}
