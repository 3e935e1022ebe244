//! The `zkinfer` binary as a user runs it: the happy path with --json, and every kind of bad
//! input the issue lists, each with a clear message, a non-zero exit, no panic, and no output file.

mod common;

use common::cli::*;
use common::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A compiled linear regression with an SRS and keys, made through the CLI once.
struct Work {
    dir: tempfile::TempDir,
}

impl Work {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn work() -> &'static Work {
    static WORK: OnceLock<Work> = OnceLock::new();
    WORK.get_or_init(|| {
        let w = Work { dir: tempfile::tempdir().unwrap() };
        let input = input_path("linear_regression", "input.json");
        let input2 = input_path("linear_regression", "input2.json");
        succeeds(&zkinfer(&[
            "compile",
            s(&onnx("linear_regression")),
            "--input",
            s(&input),
            "--input",
            s(&input2),
            "-o",
            s(&w.path("lr.zkc")),
            "--json",
        ]));
        succeeds(&zkinfer(&["srs", "gen", "--k", "13", "-o", s(&w.path("srs.bin")), "--json"]));
        succeeds(&zkinfer(&[
            "setup",
            s(&w.path("lr.zkc")),
            "--srs",
            s(&w.path("srs.bin")),
            "--pk",
            s(&w.path("pk.bin")),
            "--vk",
            s(&w.path("vk.bin")),
            "--json",
        ]));
        succeeds(&zkinfer(&[
            "prove",
            s(&w.path("lr.zkc")),
            "--pk",
            s(&w.path("pk.bin")),
            "--input",
            s(&input),
            "-o",
            s(&w.path("proof.json")),
            "--json",
        ]));
        w
    })
}

#[test]
fn pipeline_runs_through_the_cli() {
    let w = work();
    let v =
        succeeds(&zkinfer(&["verify", "--vk", s(&w.path("vk.bin")), "--proof", s(&w.path("proof.json")), "--json"]));
    assert_eq!(v["verified"], true);
    let inspect = succeeds(&zkinfer(&["inspect", s(&w.path("lr.zkc")), "--json"]));
    // a dot product with a raw-scale output needs no requantization; the input's range check
    // takes a 64-row table (two 6-bit limbs per 12-bit value), which sets k = 7
    assert_eq!(inspect["circuit"]["params"]["k"], 7);
    assert_eq!(inspect["circuit"]["params"]["requant"], false);
    assert!(inspect["circuit"]["used_rows"].as_u64().unwrap() > 0);
    let text = zkinfer(&["inspect", s(&w.path("lr.zkc"))]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("k = 7"));
}

#[test]
fn malformed_onnx_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("m.zkc");
    let input = input_path("linear_regression", "input.json");
    let out = zkinfer(&[
        "compile",
        s(&models_dir().join("fixtures/malformed.onnx")),
        "--input",
        s(&input),
        "-o",
        s(&out_file),
    ]);
    fails_with(&out, "not a valid ONNX protobuf");
    assert!(!out_file.exists());
}

#[test]
fn unsupported_op_names_op_and_node() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_file(dir.path(), "in.json", r#"{"input_data": [[1, 2, 3, 4]]}"#);
    let out = zkinfer(&[
        "compile",
        s(&models_dir().join("fixtures/unsupported_op.onnx")),
        "--input",
        s(&input),
        "-o",
        s(&dir.path().join("u.zkc")),
    ]);
    fails_with(&out, "unsupported ONNX op 'Hardmax' at node 'pick_max'");
    assert!(!dir.path().join("u.zkc").exists());
}

#[test]
fn wrong_input_shape_is_rejected() {
    let w = work();
    let dir = tempfile::tempdir().unwrap();
    let proof = dir.path().join("p.json");
    let input = write_file(dir.path(), "in.json", r#"{"input_data": [[1, 2, 3]]}"#);
    let out = prove(&w.path("lr.zkc"), &w.path("pk.bin"), &input, &proof);
    fails_with(&out, "in.json': it has 3 values, but the model was compiled for input shape [1, 10] (10 values)");
    assert!(!proof.exists());
    let input = write_file(dir.path(), "bad.json", r#"{"data": [1, 2]}"#);
    let out = prove(&w.path("lr.zkc"), &w.path("pk.bin"), &input, &proof);
    fails_with(&out, "input_data");
}

#[test]
fn nan_and_infinity_are_rejected() {
    let w = work();
    let dir = tempfile::tempdir().unwrap();
    let proof = dir.path().join("p.json");
    for (value, needle) in [("\"NaN\"", "NaN"), ("\"inf\"", "inf")] {
        let json = format!(r#"{{"input_data": [[{value}, 0, 0, 0, 0, 0, 0, 0, 0, 0]]}}"#);
        let input = write_file(dir.path(), "in.json", &json);
        let out = prove(&w.path("lr.zkc"), &w.path("pk.bin"), &input, &proof);
        fails_with(&out, needle);
        assert!(!proof.exists());
        let out = zkinfer(&[
            "compile",
            s(&onnx("linear_regression")),
            "--input",
            s(&input),
            "-o",
            s(&dir.path().join("x.zkc")),
        ]);
        fails_with(&out, "NaN and infinity cannot be quantized");
    }
}

#[test]
fn value_outside_the_quantized_range_is_rejected() {
    let w = work();
    let dir = tempfile::tempdir().unwrap();
    let input = write_file(dir.path(), "in.json", r#"{"input_data": [[1000000, 0, 0, 0, 0, 0, 0, 0, 0, 0]]}"#);
    let out = prove(&w.path("lr.zkc"), &w.path("pk.bin"), &input, &dir.path().join("p.json"));
    fails_with(&out, "outside the quantized input range");
}

#[test]
fn intermediate_overflow_names_the_node() {
    // a scale forced far too high makes the first layer's values overflow the 12-bit range
    let dir = tempfile::tempdir().unwrap();
    let input = input_path("mnist_mlp", "input.json");
    let out = zkinfer(&[
        "compile",
        s(&onnx("mnist_mlp")),
        "--input",
        s(&input),
        "--scale",
        "11",
        "--bits",
        "12",
        "-o",
        s(&dir.path().join("m.zkc")),
    ]);
    fails_with(&out, "node 'fc1' (Linear+Relu)");
    assert!(!dir.path().join("m.zkc").exists());
}

#[test]
fn corrupted_or_swapped_key_files_are_rejected() {
    let w = work();
    let dir = tempfile::tempdir().unwrap();
    let proof = dir.path().join("p.json");
    let input = input_path("linear_regression", "input.json");
    let prove_with = |pk: &Path| prove(&w.path("lr.zkc"), pk, &input, &proof);

    fails_with(&prove_with(&w.path("vk.bin")), "it is a zkinfer verifying key");
    let bytes = std::fs::read(w.path("pk.bin")).unwrap();
    let truncated = dir.path().join("truncated.bin");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    fails_with(&prove_with(&truncated), "not a valid zkinfer proving key");
    let mut flipped = bytes.clone();
    let middle = flipped.len() / 3;
    flipped[middle..middle + 64].iter_mut().for_each(|b| *b ^= 0xa5);
    let corrupted = dir.path().join("corrupted.bin");
    std::fs::write(&corrupted, &flipped).unwrap();
    fails_with(&prove_with(&corrupted), "not a valid");
    fails_with(&prove_with(&input), "not a valid zkinfer proving key");
    assert!(!proof.exists());

    let vk = std::fs::read(w.path("vk.bin")).unwrap();
    let bad_vk = dir.path().join("vk.bin");
    std::fs::write(&bad_vk, &vk[..100]).unwrap();
    fails_with(
        &zkinfer(&["verify", "--vk", s(&bad_vk), "--proof", s(&w.path("proof.json"))]),
        "not a valid zkinfer verifying key",
    );
}

#[test]
fn corrupted_proof_files_are_rejected() {
    let w = work();
    let dir = tempfile::tempdir().unwrap();
    let verify = |proof: &Path| zkinfer(&["verify", "--vk", s(&w.path("vk.bin")), "--proof", s(proof)]);
    let text = std::fs::read_to_string(w.path("proof.json")).unwrap();
    let not_json = write_file(dir.path(), "a.json", &text[..text.len() / 2]);
    fails_with(&verify(&not_json), "is not a valid proof");
    let mut bundle: serde_json::Value = serde_json::from_str(&text).unwrap();
    let proof = bundle["proof"].as_str().unwrap().to_string();
    let flipped = format!("{}{}", &proof[..100], if &proof[100..101] == "0" { "1" } else { "0" }) + &proof[101..];
    bundle["proof"] = serde_json::Value::String(flipped);
    let tampered = write_file(dir.path(), "b.json", &bundle.to_string());
    fails_with(&verify(&tampered), "proof rejected");
    fails_with(&verify(&w.path("lr.zkc")), "is not a valid proof: it is a zkinfer-compiled-model file");
}

#[test]
fn circuit_bigger_than_the_srs_is_a_clear_error() {
    let w = work();
    let dir = tempfile::tempdir().unwrap();
    succeeds(&zkinfer(&["srs", "gen", "--k", "4", "-o", s(&dir.path().join("small.bin"))]));
    let (pk, vk) = (dir.path().join("pk.bin"), dir.path().join("vk.bin"));
    let out = setup(&w.path("lr.zkc"), &dir.path().join("small.bin"), &pk, &vk);
    fails_with(&out, "needs 2^7 rows but the SRS");
    assert!(!pk.exists() && !vk.exists());
    let junk = write_file(dir.path(), "junk.bin", "not an srs");
    let out = setup(&w.path("lr.zkc"), &junk, &pk, &vk);
    fails_with(&out, "not a valid KZG SRS");
}

#[test]
fn a_larger_srs_is_downsized() {
    let w = work();
    let dir = tempfile::tempdir().unwrap();
    succeeds(&zkinfer(&["srs", "gen", "--k", "14", "-o", s(&dir.path().join("big.bin"))]));
    let (pk, vk, proof) = (dir.path().join("pk.bin"), dir.path().join("vk.bin"), dir.path().join("p.json"));
    succeeds(&setup(&w.path("lr.zkc"), &dir.path().join("big.bin"), &pk, &vk));
    let input = input_path("linear_regression", "input2.json");
    succeeds(&prove(&w.path("lr.zkc"), &pk, &input, &proof));
    succeeds(&zkinfer(&["verify", "--vk", s(&vk), "--proof", s(&proof)]));
    // same seed, so the downsized k = 14 SRS is the k = 13 one: identical keys, interchangeable proofs
    assert_eq!(std::fs::read(&vk).unwrap(), std::fs::read(w.path("vk.bin")).unwrap());
    succeeds(&zkinfer(&["verify", "--vk", s(&vk), "--proof", s(&w.path("proof.json"))]));
    // a different seed is a different SRS: the proof does not verify under its keys
    succeeds(&zkinfer(&["srs", "gen", "--k", "13", "--seed", "9", "-o", s(&dir.path().join("other.bin"))]));
    let (pk9, vk9) = (dir.path().join("pk9.bin"), dir.path().join("vk9.bin"));
    succeeds(&setup(&w.path("lr.zkc"), &dir.path().join("other.bin"), &pk9, &vk9));
    fails_with(&zkinfer(&["verify", "--vk", s(&vk9), "--proof", s(&w.path("proof.json"))]), "proof rejected");
}

#[test]
fn solidity_verifier_and_calldata_for_a_proof() {
    let w = work();
    let dir = tempfile::tempdir().unwrap();
    let sol = dir.path().join("Verifier.sol");
    let v = succeeds(&zkinfer(&["gen-verifier", "--vk", s(&w.path("vk.bin")), "-o", s(&sol), "--compile", "--json"]));
    let source = std::fs::read_to_string(&sol).unwrap();
    assert!(source.contains("contract Halo2Verifier") && source.contains("contract ZkinferVerifier"));
    assert!(v["runtime_bytes"].as_u64().unwrap() <= 24_576, "{v}");
    let c = succeeds(&zkinfer(&["calldata", "--proof", s(&w.path("proof.json")), "--json"]));
    assert_eq!(c["instances"].as_array().unwrap().len(), 11);
    assert!(
        c["verifyProof_calldata"].as_str().unwrap().starts_with("0x1e8e1e13"),
        "selector of verifyProof(bytes,uint256[])"
    );
    let e = succeeds(&zkinfer(&[
        "evm-verify",
        "--vk",
        s(&w.path("vk.bin")),
        "--proof",
        s(&w.path("proof.json")),
        "--json",
    ]));
    assert_eq!(e["accepted"], true);
    assert!(e["raw_gas"].as_u64().unwrap() > 21_000);
    // a tampered proof is rejected on the EVM too
    let mut bundle: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("proof.json")).unwrap()).unwrap();
    let proof = bundle["proof"].as_str().unwrap().to_string();
    let flipped = format!("{}{}{}", &proof[..200], if &proof[200..201] == "0" { "1" } else { "0" }, &proof[201..]);
    bundle["proof"] = serde_json::Value::String(flipped);
    let tampered = write_file(dir.path(), "t.json", &bundle.to_string());
    fails_with(&zkinfer(&["evm-verify", "--vk", s(&w.path("vk.bin")), "--proof", s(&tampered)]), "rejected the proof");
}

#[test]
fn bench_reports_the_whole_pipeline() {
    let input = input_path("linear_regression", "input.json");
    let v =
        succeeds(&zkinfer(&["bench", s(&onnx("linear_regression")), "--input", s(&input), "--runs", "1", "--json"]));
    assert_eq!(v["k"], 7);
    assert!(v["prove_s"].as_f64().unwrap() > 0.0 && v["keygen_s"].as_f64().unwrap() > 0.0);
    assert!(v["proof_bytes"].as_u64().unwrap() > 1000);
    assert!(v["peak_rss_mib"].as_f64().unwrap() > 1.0);
    assert!(v["max_abs_error"].as_f64().unwrap() < 0.01, "{v}");
    // one proof split in two parts that add up, beside a floor counted from the circuit
    let p = &v["profile"];
    let part = |name: &str| p[name].as_f64().unwrap();
    assert!(part("advice_s") > 0.0 && part("advice_s") <= part("total_s"), "{p}");
    assert!((part("advice_s") + part("rest_s") - part("total_s")).abs() < 1e-9, "{p}");
    let f = &p["floor"];
    let advice = v["advice_columns"].as_u64().unwrap();
    assert!(f["commitments"].as_u64().unwrap() > advice && f["extended_polys"].as_u64().unwrap() > advice, "{f}");
    let expected = f["commitments"].as_f64().unwrap() * f["msm_s"].as_f64().unwrap()
        + f["extended_polys"].as_f64().unwrap() * f["extended_fft_s"].as_f64().unwrap();
    assert!(f["msm_s"].as_f64().unwrap() > 0.0 && (f["floor_s"].as_f64().unwrap() - expected).abs() < 1e-9, "{f}");
    fails_with(
        &zkinfer(&["bench", s(&onnx("linear_regression")), "--input", s(&input), "--runs", "0"]),
        "--runs must be at least 1",
    );
}

#[test]
fn bench_report_writes_its_numbers_and_charts() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report");
    let input = input_path("mlp_relu", "input.json");
    let v = succeeds(&zkinfer(&[
        "bench",
        s(&onnx("mlp_relu")),
        "--input",
        s(&input),
        "--runs",
        "1",
        "--json",
        "--report",
        s(&report),
    ]));
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("bench.json")).unwrap()).unwrap();
    assert_eq!(saved["k"], v["k"]);
    assert_eq!(saved["rows"], v["rows"]);
    let rows_chart = std::fs::read_to_string(report.join("rows_by_layer.svg")).unwrap();
    assert!(rows_chart.starts_with("<svg") && rows_chart.contains("rows per layer"), "{rows_chart}");
    let breakdown = std::fs::read_to_string(report.join("prove_breakdown.svg")).unwrap();
    assert!(breakdown.contains("its floor") && breakdown.contains("extended-domain FFTs"));
    let summary = std::fs::read_to_string(report.join("bench.md")).unwrap();
    assert!(summary.contains("rows_by_layer.svg") && summary.contains("× its floor"), "{summary}");
    // a report folder that is a file is refused before any work
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    fails_with(
        &zkinfer(&["bench", s(&onnx("mlp_relu")), "--input", s(&input), "--runs", "1", "--report", s(&file)]),
        "a-file",
    );
}

#[test]
fn prove_profile_splits_the_proof_it_keeps_and_writes_the_report() {
    let w = work();
    let dir = tempfile::tempdir().unwrap();
    let (report, proof) = (dir.path().join("report"), dir.path().join("profiled.json"));
    let input = input_path("linear_regression", "input.json");
    let (model, pk) = (w.path("lr.zkc"), w.path("pk.bin"));
    let prove = |flags: &[&str]| {
        let args = ["prove", s(&model), "--pk", s(&pk), "--input", s(&input), "-o", s(&proof)];
        zkinfer(&[&args[..], flags].concat())
    };
    let v = succeeds(&prove(&["--report", s(&report), "--json"]));
    let profile = &v["profile"];
    let total = profile["total_s"].as_f64().unwrap();
    assert!(total > 0.0 && profile["advice_s"].as_f64().unwrap() <= total, "{profile}");
    assert!(profile["floor"]["commitments"].as_u64().unwrap() > 0, "{profile}");
    // the profiled proof is the one kept, and it verifies
    let verified = succeeds(&zkinfer(&["verify", "--vk", s(&w.path("vk.bin")), "--proof", s(&proof), "--json"]));
    assert_eq!(verified["verified"], true);
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("bench.json")).unwrap()).unwrap();
    assert_eq!(saved["k"], 7);
    assert_eq!(saved["profile"]["total_s"], profile["total_s"]);
    assert!(std::fs::read_to_string(report.join("prove_breakdown.svg")).unwrap().contains("its floor"));
    // without --json the split is printed beside the floor
    let text = prove(&["--profile"]);
    assert!(stdout(&text).contains("x its floor"), "{}", stdout(&text));
    // a report folder that is a file is refused before the proof is made
    std::fs::remove_file(&proof).unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    fails_with(&prove(&["--report", s(&file)]), "a-file");
    assert!(!proof.exists(), "no proof is written when the report cannot be");
}

#[test]
fn hashed_input_through_the_cli_matches_zkinfer_commit() {
    let dir = tempfile::tempdir().unwrap();
    let p = |f: &str| dir.path().join(f);
    let input = input_path("credit_logistic", "input.json");
    let compiled = succeeds(&zkinfer(&[
        "compile",
        s(&onnx("credit_logistic")),
        "--input",
        s(&input),
        "--input-visibility",
        "hashed",
        "-o",
        s(&p("m.zkc")),
        "--json",
    ]));
    let k = compiled["k"].as_u64().unwrap().to_string();
    succeeds(&zkinfer(&["srs", "gen", "--k", &k, "-o", s(&p("srs.bin")), "--json"]));
    succeeds(&zkinfer(&[
        "setup",
        s(&p("m.zkc")),
        "--srs",
        s(&p("srs.bin")),
        "--pk",
        s(&p("pk.bin")),
        "--vk",
        s(&p("vk.bin")),
        "--json",
    ]));
    let proved = succeeds(&zkinfer(&[
        "prove",
        s(&p("m.zkc")),
        "--pk",
        s(&p("pk.bin")),
        "--input",
        s(&input),
        "-o",
        s(&p("proof.json")),
        "--json",
    ]));
    let committed = succeeds(&zkinfer(&["commit", s(&p("m.zkc")), "--input", s(&input), "--json"]));
    assert_eq!(proved["input_commitment"], committed["input_commitment"]);
    let verified = succeeds(&zkinfer(&["verify", "--vk", s(&p("vk.bin")), "--proof", s(&p("proof.json")), "--json"]));
    assert_eq!(verified["input_commitment"], committed["input_commitment"]);
    // hashed parameters: `zkinfer commit --params` is the commitment the proof pins
    succeeds(&zkinfer(&[
        "compile",
        s(&onnx("credit_logistic")),
        "--input",
        s(&input),
        "--param-visibility",
        "hashed",
        "-o",
        s(&p("hp.zkc")),
        "--json",
    ]));
    succeeds(&zkinfer(&[
        "setup",
        s(&p("hp.zkc")),
        "--srs",
        s(&p("srs.bin")),
        "--pk",
        s(&p("hp-pk.bin")),
        "--vk",
        s(&p("hp-vk.bin")),
        "--json",
    ]));
    let proved = succeeds(&zkinfer(&[
        "prove",
        s(&p("hp.zkc")),
        "--pk",
        s(&p("hp-pk.bin")),
        "--input",
        s(&input),
        "-o",
        s(&p("hp-proof.json")),
        "--json",
    ]));
    let pinned = succeeds(&zkinfer(&["commit", s(&p("hp.zkc")), "--params", "--json"]));
    assert!(pinned["params_commitment"].is_string());
    let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(p("hp-proof.json")).unwrap()).unwrap();
    assert_eq!(bundle["params_commitment"], pinned["params_commitment"]);
    assert!(proved["proof"].is_string());
    succeeds(&zkinfer(&["verify", "--vk", s(&p("hp-vk.bin")), "--proof", s(&p("hp-proof.json")), "--json"]));
    // an input cannot be fixed: a clear error, nothing written
    let out = zkinfer(&[
        "compile",
        s(&onnx("credit_logistic")),
        "--input",
        s(&input),
        "--input-visibility",
        "fixed",
        "-o",
        s(&p("h.zkc")),
    ]);
    fails_with(&out, "--input-visibility fixed");
    assert!(!p("h.zkc").exists());
}

#[test]
fn files_from_before_the_soundness_review_are_refused_with_a_remedy() {
    // version 1 compiled models and keys came from circuits with known holes, and a version 2 or 3
    // reader would drop per-element input scales: refuse, say why
    let w = work();
    let dir = tempfile::tempdir().unwrap();
    let mut zkc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(w.path("lr.zkc")).unwrap()).unwrap();
    for version in [1u32, 3] {
        zkc["version"] = version.into();
        let old = write_file(dir.path(), "old.zkc", &zkc.to_string());
        fails_with(&zkinfer(&["inspect", s(&old)]), "made by an older zkinfer");
    }
    for version in [1u32, 2] {
        let mut vk = std::fs::read(w.path("vk.bin")).unwrap();
        vk[12..16].copy_from_slice(&version.to_le_bytes());
        let old_vk = dir.path().join("old-vk.bin");
        std::fs::write(&old_vk, vk).unwrap();
        fails_with(
            &zkinfer(&["verify", "--vk", s(&old_vk), "--proof", s(&w.path("proof.json"))]),
            "make it again (compile, setup, prove)",
        );
    }
}

#[test]
fn verify_says_what_private_parameters_do_not_prove() {
    let dir = tempfile::tempdir().unwrap();
    let p = |f: &str| dir.path().join(f);
    let input = input_path("linear_regression", "input.json");
    succeeds(&zkinfer(&[
        "compile",
        s(&onnx("linear_regression")),
        "--input",
        s(&input),
        "--param-visibility",
        "private",
        "-o",
        s(&p("m.zkc")),
    ]));
    let k = succeeds(&zkinfer(&["inspect", s(&p("m.zkc")), "--json"]))["circuit"]["params"]["k"]
        .as_u64()
        .unwrap()
        .to_string();
    succeeds(&zkinfer(&["srs", "gen", "--k", &k, "-o", s(&p("srs.bin"))]));
    succeeds(&setup(&p("m.zkc"), &p("srs.bin"), &p("pk.bin"), &p("vk.bin")));
    succeeds(&prove(&p("m.zkc"), &p("pk.bin"), &input, &p("proof.json")));
    let text = zkinfer(&["verify", "--vk", s(&p("vk.bin")), "--proof", s(&p("proof.json"))]);
    assert!(
        String::from_utf8_lossy(&text.stdout).contains("note: the parameters are private"),
        "{}",
        String::from_utf8_lossy(&text.stdout)
    );
    let json = succeeds(&zkinfer(&["verify", "--vk", s(&p("vk.bin")), "--proof", s(&p("proof.json")), "--json"]));
    assert_eq!(json["params_pin"]["kind"], "unpinned");
    assert!(json["caveats"][0].as_str().unwrap().contains("not that this model does"));
}

#[test]
fn ezkl_calibration_file_with_samples_concatenated_is_split() {
    let dir = tempfile::tempdir().unwrap();
    let [a, b] = ["input.json", "input2.json"].map(|f| sample("linear_regression", f));
    let flat: Vec<f64> = a.iter().chain(&b).chain(&a).copied().collect();
    let file = write_file(dir.path(), "cal.json", &serde_json::json!({ "input_data": [flat] }).to_string());
    let out = compile(&onnx("linear_regression"), &[&file], &dir.path().join("m.zkc"));
    assert_eq!(out["accuracy"]["samples"], 3, "{out}");
    assert!(out["accuracy"].get("warnings").is_none(), "three samples: {out}");
    // one sample is calibrated, with a warning
    let one = write_file(dir.path(), "one.json", &serde_json::json!({ "input_data": [a] }).to_string());
    let (model, output) = (onnx("linear_regression"), dir.path().join("1.zkc"));
    let out = zkinfer(&["compile", s(&model), "--input", s(&one), "-o", s(&output)]);
    succeeds(&out);
    assert!(stderr(&out).contains("warning: calibrated on a single sample"), "{}", stderr(&out));

    // a list that is not a whole number of inputs is refused, naming the file and the sizes
    let ragged: Vec<f64> = a.iter().chain(&b[..3]).copied().collect();
    let file = write_file(dir.path(), "ragged.json", &serde_json::json!({ "input_data": [ragged] }).to_string());
    let out =
        zkinfer(&["compile", s(&onnx("linear_regression")), "--input", s(&file), "-o", s(&dir.path().join("r.zkc"))]);
    fails_with(&out, "ragged.json': it has 13 values, but the model input takes 10");
    assert!(!dir.path().join("r.zkc").exists());

    // a bad value in the second concatenated sample is named by its place in the file
    let mut bad = flat.clone();
    bad[12] = f64::NAN;
    let text = serde_json::to_string(
        &bad.iter()
            .map(|v| if v.is_nan() { serde_json::json!("NaN") } else { serde_json::json!(v) })
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let file = write_file(dir.path(), "nan.json", &format!(r#"{{"input_data": [{text}]}}"#));
    let out =
        zkinfer(&["compile", s(&onnx("linear_regression")), "--input", s(&file), "-o", s(&dir.path().join("n.zkc"))]);
    fails_with(&out, "nan.json': its sample 2 of 3: value #2 is NaN");
}

/// `--calibration-target`: `resources` takes fewer bits for a smaller circuit and stays within 2%
/// of the float run, `accuracy` takes the most bits; with `--bits` it is refused.
#[test]
fn the_calibration_target_trades_circuit_size_for_accuracy() {
    let dir = tempfile::tempdir().unwrap();
    let (model, a, b) =
        (onnx("mnist_mlp"), input_path("mnist_mlp", "input.json"), input_path("mnist_mlp", "input2.json"));
    let out = dir.path().join("m.zkc");
    let compiled = |target: &str| {
        let args = ["compile", s(&model), "--input", s(&a), "--input", s(&b), "-o", s(&out), "--json"];
        let json = succeeds(&zkinfer(&[&args[..], &["--calibration-target", target]].concat()));
        std::fs::remove_file(&out).unwrap();
        let error =
            json["accuracy"]["outputs"].as_array().unwrap().iter().map(|o| o["max_rel_error"].as_f64().unwrap());
        (json["k"].as_u64().unwrap(), json["bits"].as_u64().unwrap(), error.fold(0f64, f64::max))
    };
    let (resources, balanced, accuracy) = (compiled("resources"), compiled("balanced"), compiled("accuracy"));
    assert!(resources.0 < balanced.0 && resources.1 < balanced.1, "{resources:?} vs {balanced:?}");
    assert!(resources.2 <= 0.02, "{resources:?}");
    assert!(accuracy.1 == 16 && accuracy.2 < balanced.2, "{accuracy:?} vs {balanced:?}");
    let both =
        ["compile", s(&model), "--input", s(&a), "-o", s(&out), "--bits", "12", "--calibration-target", "resources"];
    fails_with(&zkinfer(&both), "give one of them");
    let unknown = ["compile", s(&model), "--input", s(&a), "-o", s(&out), "--calibration-target", "speed"];
    let err = stderr(&zkinfer(&unknown));
    assert!(err.contains("unknown calibration target 'speed'"), "{err}");
    assert!(!out.exists());
}

/// A model of two inputs: an input file lists one flat list per input, and EZKL's calibration
/// file (each input's samples concatenated in its own list) is split into samples per input.
#[test]
fn a_model_of_two_inputs_takes_one_list_per_input_and_ezkl_calibration_files() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = models_dir().join("fixtures");
    let model = fixtures.join("ops_two_inputs.onnx");
    let lists = |f: &str| -> Vec<Vec<f64>> {
        let file: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(fixtures.join(f)).unwrap()).unwrap();
        serde_json::from_value(file["input_data"].clone()).unwrap()
    };
    let (first, second) = (lists("ops_two_inputs.json"), lists("ops_two_inputs_2.json"));
    assert_eq!((first.len(), first[0].len()), (2, 4));
    let both: Vec<Vec<f64>> = (0..2).map(|i| [first[i].clone(), second[i].clone()].concat()).collect();
    let cal = write_file(dir.path(), "cal.json", &serde_json::json!({ "input_data": both }).to_string());
    let out = compile(&model, &[&cal], &dir.path().join("m.zkc"));
    assert_eq!(out["accuracy"]["samples"], 2, "{out}");
    let errors = out["accuracy"]["outputs"].as_array().unwrap().iter().map(|o| o["max_rel_error"].as_f64().unwrap());
    assert!(errors.fold(0f64, f64::max) < 0.01, "{out}");
    let p = |f: &str| dir.path().join(f);
    succeeds(&zkinfer(&["srs", "gen", "--for", s(&p("m.zkc")), "-o", s(&p("srs.bin"))]));
    succeeds(&setup(&p("m.zkc"), &p("srs.bin"), &p("pk.bin"), &p("vk.bin")));
    succeeds(&prove(&p("m.zkc"), &p("pk.bin"), &fixtures.join("ops_two_inputs_2.json"), &p("proof.json")));
    succeeds(&zkinfer(&["verify", "--vk", s(&p("vk.bin")), "--proof", s(&p("proof.json"))]));
    // one list short: the model takes 8 values
    let short = write_file(dir.path(), "short.json", &serde_json::json!({ "input_data": [first[0]] }).to_string());
    fails_with(&prove(&p("m.zkc"), &p("pk.bin"), &short, &p("bad.json")), "it has 4 values");
    // eight values split 3 + 5 would be proved as another pair of inputs: refused, naming them
    let all: Vec<f64> = first.concat();
    let split = serde_json::json!({ "input_data": [all[..3].to_vec(), all[3..].to_vec()] });
    let split = write_file(dir.path(), "split.json", &split.to_string());
    fails_with(&prove(&p("m.zkc"), &p("pk.bin"), &split, &p("bad.json")), "lists of [3, 5] values");
    assert!(!p("bad.json").exists());
    // and `commit` would commit to that other pair: refused alike
    fails_with(&zkinfer(&["commit", s(&p("m.zkc")), "--input", s(&split)]), "lists of [3, 5] values");
    // one list holding the concatenation is the circuit's own input
    let flat = write_file(dir.path(), "flat.json", &serde_json::json!({ "input_data": [all] }).to_string());
    succeeds(&prove(&p("m.zkc"), &p("pk.bin"), &flat, &p("flat-proof.json")));
}
