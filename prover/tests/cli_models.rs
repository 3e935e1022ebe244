//! What `compile`, `prove` and `verify` say about a model's outputs and inputs (issue 16, items
//! 5 to 8): one line for the float reference, the ONNX outputs' names and integer types, EZKL's
//! `output_data` checked against the proved outputs, and input errors that name their file.

mod common;

use common::cli::*;
use common::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The skl2onnx credit model (Scaler, LinearClassifier, ZipMap: tract runs none of it), with
/// keys: `m.zkc`, `srs.bin`, `pk.bin`, `vk.bin`.
fn credit() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let inputs = [input_path("credit_logistic", "input.json"), input_path("credit_logistic", "input2.json")];
        compiled_with_keys(dir.path(), &onnx("credit_logistic"), &[&inputs[0], &inputs[1]]);
        dir
    })
    .path()
}

fn c(name: &str) -> PathBuf {
    credit().join(name)
}

/// An input near the bundled ones that onnxruntime has no recorded outputs for.
const UNRECORDED: &str = "[48.0, 89.0, 40.0, 60.0, 9.0, 6.0, 2.0, 7.0]";

fn prove_credit(dir: &Path, input: &Path, json: bool) -> std::process::Output {
    let (model, pk, proof) = (c("m.zkc"), c("pk.bin"), dir.join("proof.json"));
    let mut args = vec!["prove", s(&model), "--pk", s(&pk), "--input", s(input)];
    args.extend(["-o", s(&proof)]);
    if json {
        args.push("--json");
    }
    zkinfer(&args)
}

#[test]
fn the_float_reference_is_one_short_line_without_repetition() {
    let dir = tempfile::tempdir().unwrap();
    let extra = write_file(dir.path(), "x.json", &format!(r#"{{"input_data": [{UNRECORDED}]}}"#));
    let recorded = input_path("credit_logistic", "input.json");
    let compiled = compile(&onnx("credit_logistic"), &[&recorded, &extra], &dir.path().join("m.zkc"));
    let reference = compiled["accuracy"]["reference"].as_str().unwrap();
    assert_eq!(
        reference,
        "onnxruntime 1.32.0 (recorded) on 1 input, the imported graph in f64 on 1 input (tract cannot run Scaler; no outputs recorded for that input in model.reference.json)"
    );
    let text = prove_credit(dir.path(), &extra, false);
    let out = stdout(&succeeds(&text).is_null().then_some(text).unwrap());
    let lines: Vec<&str> = out.lines().filter(|l| l.contains("tract")).collect();
    assert_eq!(
        lines,
        ["float reference: the imported graph in f64 (tract cannot run Scaler; no outputs recorded for that input in model.reference.json)"]
    );
    assert!(!out.contains("could not run"), "{out}");
    let json = succeeds(&prove_credit(dir.path(), &recorded, true));
    assert_eq!(json["reference_source"], "onnxruntime 1.32.0 (recorded) (tract cannot run Scaler)");
}

#[test]
fn outputs_keep_their_onnx_names_and_integer_types() {
    let dir = tempfile::tempdir().unwrap();
    let json = succeeds(&prove_credit(dir.path(), &input_path("credit_logistic", "input.json"), true));
    let names: Vec<&str> = json["outputs"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["output_label", "output_probability"]);
    let label = &json["outputs"][0];
    assert_eq!(label["dtype"], "int64");
    assert!(label["values"][0].is_i64() || label["values"][0].is_u64(), "{label}");
    assert_eq!(json["outputs"][1]["dtype"], "float32");
    assert!(json["outputs"][1]["values"][0].is_f64());
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("proof.json")).unwrap()).unwrap();
    assert_eq!(file["outputs"][0]["values"], serde_json::json!([1]));
    let verified = zkinfer(&["verify", "--vk", s(&c("vk.bin")), "--proof", s(&dir.path().join("proof.json"))]);
    let text = stdout(&verified);
    assert!(text.contains("output_label (int64) = [1]\n"), "{text}");
    assert!(!text.contains("1.0]"), "{text}");
    let inspect = succeeds(&zkinfer(&["inspect", s(&c("m.zkc")), "--json"]));
    assert_eq!(inspect["accuracy"]["outputs"][0]["name"], "output_label");
    let proved = stdout(&prove_credit(dir.path(), &input_path("credit_logistic", "input.json"), false));
    assert!(proved.contains("output 'output_label' [1] int64"), "{proved}");
    assert!(proved.contains("  [  0]            1            1"), "{proved}");
}

#[test]
fn ezkl_output_data_is_checked_against_the_proved_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let with = |name: &str, output: &str| {
        write_file(dir.path(), name, &format!(r#"{{"input_data": [{UNRECORDED}], "output_data": {output}}}"#))
    };
    // within the tolerance (the measured error plus a quantization step): no warning
    let close = with("close.json", "[[1], [0.2966, 0.7034]]");
    let out = prove_credit(dir.path(), &close, true);
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    let json = succeeds(&out);
    assert_eq!(json["warnings"], serde_json::json!([]));
    assert!(json["expected_output"]["tolerances"][1]["total"].as_f64().unwrap() > 0.0);
    // a wrong label and far probabilities: warned about, on stderr and in the JSON; still proved
    let far = with("far.json", "[[0], [0.25, 0.75]]");
    let out = prove_credit(dir.path(), &far, true);
    let json = succeeds(&out);
    let warnings = json["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 3, "{json}");
    assert!(warnings[0]
        .as_str()
        .unwrap()
        .starts_with("output 'output_label'[0]: proved 1, but the input file's output_data says 0"));
    assert_eq!(json["expected_output"]["mismatches"][1]["output"], "output_probability");
    assert_eq!(stderr(&out).matches("warning: output '").count(), 3, "{}", stderr(&out));
    let text = stdout(&prove_credit(dir.path(), &far, false));
    assert!(text.contains("expected (the input file's output_data)"), "{text}");
    // output_data of another shape: an error before any work, no proof
    std::fs::remove_file(dir.path().join("proof.json")).unwrap();
    let wrong = with("wrong.json", "[[0.29, 0.71]]");
    fails_with(&prove_credit(dir.path(), &wrong, false), "output_data holds 1 outputs, the model has 2");
    assert!(!dir.path().join("proof.json").exists());
}

#[test]
fn input_errors_name_their_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = input_path("linear_regression", "input.json");
    let nan = write_file(dir.path(), "nan.json", r#"{"input_data": [["NaN", 0, 0, 0, 0, 0, 0, 0, 0, 0]]}"#);
    let short = write_file(dir.path(), "short.json", r#"{"input_data": [[1, 2, 3]]}"#);
    let model = dir.path().join("m.zkc");
    let lr = onnx("linear_regression");
    let compile_with = |inputs: &[&Path]| {
        let mut args = vec!["compile", s(&lr)];
        for i in inputs {
            args.extend(["--input", s(i)]);
        }
        args.extend(["-o", s(&model)]);
        zkinfer(&args)
    };
    fails_with(&compile_with(&[&good, &nan]), "calibration input '");
    fails_with(&compile_with(&[&good, &nan]), "nan.json': value #0 is NaN: NaN and infinity cannot be quantized");
    fails_with(&compile_with(&[&good, &short]), "short.json': it has 3 values, but the model input takes 10");
    assert!(!model.exists());
    compile(&onnx("linear_regression"), &[&good], &model);
    let big = write_file(dir.path(), "big.json", r#"{"input_data": [[1000000, 0, 0, 0, 0, 0, 0, 0, 0, 0]]}"#);
    fails_with(&zkinfer(&["commit", s(&model), "--input", s(&big)]), "big.json': input value #0 (1000000) is outside");
}

#[test]
fn another_batch_size_says_how_to_compile_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = |f: &str| dir.path().join(f);
    // mlp_relu's batch dimension is symbolic: compiling again with a batch of two works
    let one = sample("mlp_relu", "input.json");
    let two: Vec<f64> = one.iter().chain(&one).copied().collect();
    let batch = write_file(dir.path(), "batch.json", &serde_json::json!({ "input_data": [two] }).to_string());
    compiled_with_keys(dir.path(), &onnx("mlp_relu"), &[&input_path("mlp_relu", "input.json")]);
    let out = prove(&p("m.zkc"), &p("pk.bin"), &batch, &p("proof.json"));
    fails_with(
        &out,
        &format!("batch.json': it has {} values, but the model was compiled for input shape [1, 8]", two.len()),
    );
    fails_with(&out, "compile again with a sample of that shape: zkinfer compile");
    assert!(!p("proof.json").exists());
    let recompiled = compile(&onnx("mlp_relu"), &[&batch], &p("batch.zkc"));
    assert!(recompiled["k"].as_u64().is_some());
    // linear_regression's input shape is fixed in the ONNX file: recompiling cannot help
    let lr = p("lr.zkc");
    compile(&onnx("linear_regression"), &[&input_path("linear_regression", "input.json")], &lr);
    let lr_input = sample("linear_regression", "input.json");
    let twice: Vec<f64> = lr_input.iter().chain(&lr_input).copied().collect();
    let lr_batch = write_file(dir.path(), "lr-batch.json", &serde_json::json!({ "input_data": [twice] }).to_string());
    fails_with(&zkinfer(&["commit", s(&lr), "--input", s(&lr_batch)]), "export the model for the new shape");
}

#[test]
fn files_from_before_output_names_and_types_still_work() {
    // a compiled model without `graph_outputs` and a proof without `dtype`, as this zkinfer's
    // previous commits wrote them: the nodes' names, float values, and both still verify
    let dir = tempfile::tempdir().unwrap();
    let p = |f: &str| dir.path().join(f);
    let mut zkc: serde_json::Value = serde_json::from_slice(&std::fs::read(c("m.zkc")).unwrap()).unwrap();
    zkc.as_object_mut().unwrap().remove("graph_outputs").expect("recorded now");
    std::fs::write(p("old.zkc"), zkc.to_string()).unwrap();
    succeeds(&setup(&p("old.zkc"), &c("srs.bin"), &p("pk.bin"), &p("vk.bin")));
    let input = input_path("credit_logistic", "input.json");
    succeeds(&prove(&p("old.zkc"), &p("pk.bin"), &input, &p("proof.json")));
    let mut proof: serde_json::Value = serde_json::from_slice(&std::fs::read(p("proof.json")).unwrap()).unwrap();
    assert_eq!(proof["outputs"][0]["name"], "LinearClassifier/labels");
    assert_eq!(proof["outputs"][0]["dtype"], "float32");
    for o in proof["outputs"].as_array_mut().unwrap() {
        o.as_object_mut().unwrap().remove("dtype");
    }
    std::fs::write(p("proof.json"), proof.to_string()).unwrap();
    let verified = succeeds(&zkinfer(&["verify", "--vk", s(&p("vk.bin")), "--proof", s(&p("proof.json")), "--json"]));
    assert_eq!(verified["verified"], true);
}

/// `--reference FILE`: onnxruntime's outputs kept anywhere measure the accuracy; a file without
/// the calibration input, or with other outputs, is refused with what is wrong, and nothing is
/// written.
#[test]
fn compile_measures_against_the_reference_file_it_is_given() {
    let dir = tempfile::tempdir().unwrap();
    // the model alone in a folder: no recorded outputs beside it, and tract cannot run Scaler
    let model = dir.path().join("credit.onnx");
    std::fs::copy(onnx("credit_logistic"), &model).unwrap();
    let recorded = models_dir().join("credit_logistic/model.reference.json");
    let input = input_path("credit_logistic", "input.json");
    let out = dir.path().join("m.zkc");
    let args = ["compile", s(&model), "--input", s(&input), "-o", s(&out), "--json"];
    let given = succeeds(&zkinfer(&[&args[..], &["--reference", s(&recorded)]].concat()));
    let reference = given["accuracy"]["reference"].as_str().unwrap();
    assert!(reference.starts_with("onnxruntime 1.32.0 (recorded)"), "{reference}");
    assert!(reference.contains("given by --reference"), "{reference}");
    // without it, the same compile falls back to the imported graph
    std::fs::remove_file(&out).unwrap();
    let fallback = succeeds(&zkinfer(&args));
    assert!(fallback["accuracy"]["reference"].as_str().unwrap().starts_with("the imported graph in f64"));
    std::fs::remove_file(&out).unwrap();
    // a file without this input, one recording another model's outputs, and a missing file
    let other = write_file(dir.path(), "other.json", &format!(r#"{{"input_data": [{UNRECORDED}]}}"#));
    let other_args = ["compile", s(&model), "--input", s(&other), "-o", s(&out), "--reference", s(&recorded)];
    fails_with(&zkinfer(&other_args), "records no outputs for this input");
    let x: Vec<f64> = sample("credit_logistic", "input.json");
    let wrong = format!(r#"{{"producer": "onnxruntime", "cases": [{{"input": {x:?}, "outputs": [[1.0]]}}]}}"#);
    let wrong = write_file(dir.path(), "wrong.json", &wrong);
    fails_with(&zkinfer(&[&args[..6], &["--reference", s(&wrong)]].concat()), "records outputs of [1] values");
    let missing = dir.path().join("missing.json");
    fails_with(&zkinfer(&[&args[..6], &["--reference", s(&missing)]].concat()), "cannot read");
    assert!(!out.exists(), "a refused compile writes nothing");
}
