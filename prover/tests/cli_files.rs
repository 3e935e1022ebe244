//! What the CLI does with the files it is given (issue 16, items 3, 4 and 8): output paths are
//! checked before any work and never overwrite an input; `--json` reports failures as JSON; a
//! file of the wrong kind is named; `gen-verifier` counts what it writes; anvil-verify.js runs
//! from anywhere.

mod common;

use common::cli::*;
use common::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A compiled linear regression with keys and a proof, made once: `m.zkc`, `srs.bin`, `pk.bin`,
/// `vk.bin`, `proof.json`.
fn work() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let input = input_path("linear_regression", "input.json");
        compiled_with_keys(dir.path(), &onnx("linear_regression"), &[&input]);
        let p = |f: &str| dir.path().join(f);
        succeeds(&prove(&p("m.zkc"), &p("pk.bin"), &input, &p("proof.json")));
        dir
    })
    .path()
}

fn w(name: &str) -> PathBuf {
    work().join(name)
}

#[test]
fn output_paths_are_checked_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let input = input_path("linear_regression", "input.json");
    // the proving key does not exist: an output checked first fails on the output, not the key
    let missing = dir.path().join("missing-dir/proof.json");
    let out = prove(&w("m.zkc"), &dir.path().join("no-pk.bin"), &input, &missing);
    fails_with(&out, "the folder '");
    fails_with(&out, "missing-dir' does not exist");
    // a bad --vk no longer costs a good --pk: nothing is written at all
    let pk = dir.path().join("pk.bin");
    let out = setup(&w("m.zkc"), &w("srs.bin"), &pk, &missing);
    fails_with(&out, "cannot write");
    assert!(!pk.exists());
    // a folder is no output file
    fails_with(&zkinfer(&["srs", "gen", "--k", "4", "-o", s(dir.path())]), "it is a folder");
    fails_with(&zkinfer(&["gen-verifier", "--vk", s(&w("vk.bin")), "-o", s(&missing)]), "does not exist");
    fails_with(
        &zkinfer(&["compile", s(&onnx("linear_regression")), "--input", s(&input), "-o", s(&missing)]),
        "does not exist",
    );
    assert!(!missing.parent().unwrap().exists());
}

#[test]
fn an_output_that_is_an_input_is_refused_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let p = |f: &str| dir.path().join(f);
    std::fs::copy(onnx("linear_regression"), p("model.onnx")).unwrap();
    std::fs::copy(input_path("linear_regression", "input.json"), p("x.json")).unwrap();
    std::fs::copy(w("m.zkc"), p("m.zkc")).unwrap();
    let before = |f: &str| std::fs::read(p(f)).unwrap();
    let (onnx_bytes, input_bytes, zkc_bytes) = (before("model.onnx"), before("x.json"), before("m.zkc"));
    let (pk, srs) = (w("pk.bin"), w("srs.bin"));
    let (pk, srs) = (s(&pk), s(&srs));
    let cases: [(&[&str], &str); 6] = [
        (
            &["compile", "model.onnx", "--input", "x.json", "-o", "model.onnx"],
            "is the same file as the ONNX model 'model.onnx'",
        ),
        (
            &["compile", "model.onnx", "--input", "x.json", "-o", "./x.json"],
            "'./x.json' is the same file as --input 'x.json'",
        ),
        (&["prove", "m.zkc", "--pk", pk, "--input", "x.json", "-o", "x.json"], "is the same file as --input 'x.json'"),
        (
            &["setup", "m.zkc", "--srs", srs, "--pk", "m.zkc"],
            "--pk 'm.zkc' is the same file as the compiled model 'm.zkc'",
        ),
        (
            &["setup", "m.zkc", "--srs", srs, "--pk", "k.bin", "--vk", "./k.bin"],
            "--vk './k.bin' is the same file as --pk 'k.bin'",
        ),
        (&["srs", "gen", "--for", "m.zkc", "-o", "m.zkc"], "is the same file as --for 'm.zkc'"),
    ];
    for (args, needle) in cases {
        fails_with(&zkinfer_in(dir.path(), args), needle);
    }
    let link = p("link.json");
    std::os::unix::fs::symlink(p("x.json"), &link).unwrap();
    fails_with(
        &zkinfer_in(dir.path(), &["prove", "m.zkc", "--pk", s(&w("pk.bin")), "--input", "x.json", "-o", "link.json"]),
        "is the same file as --input",
    );
    fails_with(&zkinfer(&["gen-verifier", "--vk", s(&w("vk.bin")), "-o", s(&w("vk.bin"))]), "the same file as --vk");
    assert_eq!((before("model.onnx"), before("x.json"), before("m.zkc")), (onnx_bytes, input_bytes, zkc_bytes));
    assert!(!p("k.bin").exists());
}

#[test]
fn json_failures_are_json_on_stdout_with_the_stderr_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = zkinfer(&["verify", "--vk", s(&w("vk.bin")), "--proof", s(&dir.path().join("none.json")), "--json"]);
    fails_with(&out, "cannot read");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(report["ok"], false);
    let message = stderr(&out).trim().strip_prefix("error: ").unwrap().to_string();
    assert_eq!(report["error"], message.as_str());
    // --json before the subcommand works the same
    let out = zkinfer(&["--json", "inspect", s(&w("proof.json"))]);
    fails_with(&out, "not a valid compiled model");
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["ok"], false);
    // a usage error too (exit 2)
    let out = zkinfer(&["prove", s(&w("m.zkc")), "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["error"].as_str().unwrap().contains("--pk <PK>"), "{report}");
    // and a success carries ok: true
    let ok = succeeds(&zkinfer(&["verify", "--vk", s(&w("vk.bin")), "--proof", s(&w("proof.json")), "--json"]));
    assert_eq!((&ok["ok"], &ok["verified"]), (&true.into(), &true.into()));
}

#[test]
fn every_subcommand_takes_json() {
    let commands: [&[&str]; 13] = [
        &["compile"],
        &["srs", "gen"],
        &["srs", "info"],
        &["setup"],
        &["prove"],
        &["verify"],
        &["commit"],
        &["inspect"],
        &["gen-verifier"],
        &["calldata"],
        &["evm-verify"],
        &["bench"],
        &["srs"],
    ];
    for command in commands {
        let help = stdout(&zkinfer(&[command, &["--help"]].concat()));
        assert!(help.contains("--json"), "zkinfer {} --help: {help}", command.join(" "));
    }
    let (model, proof) = (w("m.zkc"), w("proof.json"));
    for command in ["commit", "inspect", "calldata"] {
        let args: Vec<&str> = match command {
            "commit" => vec![command, s(&model), "--params", "--json"],
            "inspect" => vec![command, s(&model), "--json"],
            _ => vec![command, "--proof", s(&proof), "--json"],
        };
        assert_eq!(succeeds(&zkinfer(&args))["ok"], true, "{command}");
    }
}

#[test]
fn files_of_another_kind_are_named() {
    let srs_info = |p: &Path| zkinfer(&["srs", "info", s(p)]);
    fails_with(&srs_info(&w("vk.bin")), "it is a zkinfer verifying key, not an SRS");
    fails_with(&srs_info(&w("pk.bin")), "it is a zkinfer proving key, not an SRS");
    fails_with(&srs_info(&w("m.zkc")), "it is a zkinfer compiled model, not an SRS");
    fails_with(&srs_info(&w("proof.json")), "it is a zkinfer proof, not an SRS");
    fails_with(&srs_info(&onnx("linear_regression")), "it is an ONNX model, not an SRS");
    // an ONNX file where the compiled model goes: compile it first
    let dir = tempfile::tempdir().unwrap();
    let input = input_path("linear_regression", "input.json");
    let out = setup(&onnx("linear_regression"), &w("srs.bin"), &dir.path().join("pk.bin"), &dir.path().join("vk.bin"));
    fails_with(&out, "it is an ONNX model; compile it first: zkinfer compile");
    let out = prove(&onnx("linear_regression"), &w("pk.bin"), &input, &dir.path().join("p.json"));
    fails_with(&out, "it is an ONNX model; compile it first");
    fails_with(
        &prove(&w("m.zkc"), &w("srs.bin"), &input, &dir.path().join("p.json")),
        "it is a KZG SRS (halo2 params)",
    );
    fails_with(
        &setup(&w("m.zkc"), &w("vk.bin"), &dir.path().join("pk.bin"), &dir.path().join("vk.bin")),
        "it is a zkinfer verifying key",
    );
}

#[test]
fn gen_verifier_reports_the_size_of_the_file_it_writes() {
    let dir = tempfile::tempdir().unwrap();
    let sol = dir.path().join("Verifier.sol");
    let report = succeeds(&zkinfer(&["gen-verifier", "--vk", s(&w("vk.bin")), "-o", s(&sol), "--json"]));
    let size = std::fs::metadata(&sol).unwrap().len();
    assert_eq!(report["source_bytes"].as_u64(), Some(size));
    let text = stdout(&zkinfer(&["gen-verifier", "--vk", s(&w("vk.bin")), "-o", s(&sol)]));
    assert!(text.contains(&format!("({size} bytes of Solidity)")), "{text}");
}

#[test]
fn anvil_verify_runs_from_any_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let p = |f: &str| dir.path().join(f);
    succeeds(&zkinfer(&["gen-verifier", "--vk", s(&w("vk.bin")), "-o", s(&p("Verifier.sol"))]));
    std::fs::write(
        p("gen.json"),
        zkinfer(&["gen-verifier", "--vk", s(&w("vk.bin")), "-o", s(&p("Verifier.sol")), "--json"]).stdout,
    )
    .unwrap();
    std::fs::write(p("calldata.json"), zkinfer(&["calldata", "--proof", s(&w("proof.json")), "--json"]).stdout)
        .unwrap();
    let script = models_dir().join("../verifier-contract/scripts/anvil-verify.js");
    // from the files' own folder, with relative arguments, far from the script
    let run = std::process::Command::new("node")
        .arg(&script)
        .args(["Verifier.sol", "calldata.json", "gen.json"])
        .current_dir(dir.path())
        .output()
        .expect("node");
    assert!(run.status.success(), "{}{}", stdout(&run), stderr(&run));
    let result: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!((&result["accepted"], &result["tampered_rejected"]), (&true.into(), &true.into()));
    // a missing argument file is a clear error naming it, not a stack trace
    let run = std::process::Command::new("node")
        .arg(&script)
        .args(["nope.sol", "calldata.json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("the verifier source 'nope.sol' does not exist"), "{}", stderr(&run));
}

/// Aggregation's inputs, each wrong in one way, refused with a message before any proving: a
/// proof made for the EVM, a `--vk` count that matches neither one nor every proof, flags that
/// do not go together, a model key given as an aggregation key and back, and aggregate files
/// that are truncated or of another kind.
#[test]
fn aggregation_inputs_are_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = |f: &str| dir.path().join(f);
    let input = input_path("linear_regression", "input.json");
    let (vk, srs, proof) = (w("vk.bin"), w("srs.bin"), w("proof.json"));
    let (model, pk, out_json, out_vk) = (w("m.zkc"), w("pk.bin"), p("aggregate.json"), p("aggregate.vk"));
    let aggregate = |proofs: &[&Path], vks: &[&Path]| {
        let mut args = vec!["aggregate"];
        args.extend(proofs.iter().map(|q| s(q)));
        for v in vks {
            args.extend(["--vk", s(v)]);
        }
        args.extend(["--srs", s(&srs), "-o", s(&out_json), "--out-vk", s(&out_vk)]);
        zkinfer(&args)
    };
    fails_with(&aggregate(&[&proof], &[&vk]), "--for-aggregation");
    fails_with(&aggregate(&[&proof, &proof, &proof], &[&vk, &vk]), "give one --vk for all 3 proofs, or one per proof");
    assert!(!out_json.exists() && !out_vk.exists());

    // a Poseidon proof verifies in Rust; the EVM tools say why they cannot take it
    let poseidon = p("poseidon.json");
    let prove_args = ["prove", s(&model), "--pk", s(&pk), "--input", s(&input), "-o", s(&poseidon)];
    succeeds(&zkinfer(&[&prove_args[..], &["--for-aggregation"]].concat()));
    succeeds(&zkinfer(&["verify", "--vk", s(&vk), "--proof", s(&poseidon)]));
    // the model's own small SRS cannot hold the aggregation circuit
    fails_with(&aggregate(&[&poseidon], &[&vk]), "k ≥ 18");
    // compressed: the first layer goes below the SRS's k; --first-k only with --compress
    let compressed = |extra: &[&str]| {
        let args =
            ["aggregate", s(&poseidon), "--vk", s(&vk), "--srs", s(&srs), "-o", s(&out_json), "--out-vk", s(&out_vk)];
        zkinfer(&[&args[..], extra].concat())
    };
    fails_with(&compressed(&["--compress", "--first-k", "7"]), "must be below the aggregation SRS's (7)");
    usage_error(&compressed(&["--first-k", "5"]), "--compress");
    // a tree's groups hold at least one proof, and only a compressed aggregate has groups
    usage_error(&compressed(&["--compress", "--group", "0"]), "--group");
    usage_error(&compressed(&["--group", "2"]), "--compress");
    assert!(!out_json.exists() && !out_vk.exists());
    let own = p("own.vk");
    let setup_key = |extra: &[&str]| {
        zkinfer(&[&["aggregate-setup", "--vk", s(&vk), "--srs", s(&srs), "--out-vk", s(&own)], extra].concat())
    };
    fails_with(&setup_key(&["--count", "0"]), "a count of at least 1");
    fails_with(&setup_key(&["--vk", s(&vk), "--count", "2"]), "takes exactly one --vk");
    fails_with(&setup_key(&["--count", "2"]), "k ≥ 18");
    assert!(!own.exists());
    fails_with(&zkinfer(&["calldata", "--proof", s(&poseidon)]), "proved for aggregation");
    fails_with(&zkinfer(&["evm-verify", "--vk", s(&vk), "--proof", s(&poseidon)]), "proved for aggregation");
    let out = zkinfer(&[&prove_args[..], &["--for-aggregation", "--report", s(&p("r.json"))]].concat());
    assert!(!out.status.success() && stderr(&out).contains("cannot be used with"), "{}", stderr(&out));

    // a model's key is no aggregation key, and an aggregation key needs --aggregated
    let sol = p("Verifier.sol");
    fails_with(
        &zkinfer(&["gen-verifier", "--aggregated", "--vk", s(&vk), "-o", s(&sol)]),
        "is not an aggregation verifying key",
    );
    let mut truncated = b"ZKINFER-AVK\0".to_vec();
    truncated.extend([1, 0, 0]);
    std::fs::write(p("bad.vk"), &truncated).unwrap();
    fails_with(&zkinfer(&["gen-verifier", "--vk", s(&p("bad.vk")), "-o", s(&sol)]), "add --aggregated");
    fails_with(&zkinfer(&["gen-verifier", "--aggregated", "--vk", s(&p("bad.vk")), "-o", s(&sol)]), "bad.vk");
    fails_with(&zkinfer(&["verify", "--vk", s(&p("bad.vk")), "--proof", s(&proof)]), "bad.vk");
    assert!(!sol.exists());

    // an aggregate file missing its fields, and a single proof given to an aggregation key
    let partial = write_file(dir.path(), "partial.json", r#"{"format": "zkinfer-aggregate", "version": 1}"#);
    fails_with(&zkinfer(&["calldata", "--proof", s(&partial)]), "partial.json");
    fails_with(&zkinfer(&["verify", "--vk", s(&vk), "--proof", s(&partial)]), "partial.json");
}

/// `gen-verifier --reusable` writes the shared verifier and the model's key contract, which
/// `evm-verify --reusable` and anvil-verify.js --reusable check on revm and on anvil; wrong
/// combinations are refused before anything is written.
#[test]
fn the_reusable_verifier_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let p = |f: &str| dir.path().join(f);
    let (sol, key) = (p("ZkinferReusableVerifier.sol"), p("key.json"));
    let args = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> =
            ["gen-verifier", "--vk", s(&w("vk.bin")), "--reusable", "-o", s(&sol), "--key-out", s(&key)]
                .iter()
                .map(|a| a.to_string())
                .collect();
        v.extend(extra.iter().map(|a| a.to_string()));
        v
    };
    let report = succeeds(&zkinfer(&args(&["--json"]).iter().map(String::as_str).collect::<Vec<_>>()));
    let key_file: serde_json::Value = serde_json::from_slice(&std::fs::read(&key).unwrap()).unwrap();
    assert_eq!(key_file["format"], "zkinfer-reusable-key-v2");
    assert_eq!(report["key_runtime_bytes"], key_file["runtime_bytes"]);
    assert_eq!(report["codehash"], key_file["codehash"]);
    assert_eq!(report["source_bytes"].as_u64(), Some(std::fs::metadata(&sol).unwrap().len()));
    assert!(key_file["runtime_bytes"].as_u64().unwrap() <= 24_576 - 4_096);

    let (vk, proof) = (w("vk.bin"), w("proof.json"));
    let evm_verify = |extra: &str| zkinfer(&["evm-verify", "--vk", s(&vk), "--proof", s(&proof), "--reusable", extra]);
    let verified = succeeds(&evm_verify("--json"));
    assert_eq!(verified["accepted"], true);
    assert_eq!(verified["key_runtime_bytes"], key_file["runtime_bytes"]);
    assert!(verified["verifier_runtime_bytes"].as_u64().unwrap() <= 24_576 - 4_096);

    let key_address = "0x00000000000000000000000000000000000000aa";
    let calldata = succeeds(&zkinfer(&["calldata", "--proof", s(&w("proof.json")), "--key", key_address, "--json"]));
    let call = calldata["reusable_calldata"].as_str().unwrap();
    assert!(call.starts_with("0xaf83a18d") && call.contains(&key_address[2..]), "{call}");
    usage_error(&zkinfer(&["calldata", "--proof", s(&w("proof.json")), "--key", "0x12"]), "not 20 bytes");

    std::fs::write(p("calldata.json"), zkinfer(&["calldata", "--proof", s(&w("proof.json")), "--json"]).stdout)
        .unwrap();
    let script = models_dir().join("../verifier-contract/scripts/anvil-verify.js");
    let run = std::process::Command::new("node")
        .arg(&script)
        .args(["--reusable", "ZkinferReusableVerifier.sol", "key.json", "calldata.json"])
        .current_dir(dir.path())
        .output()
        .expect("node");
    assert!(run.status.success(), "{}{}", stdout(&run), stderr(&run));
    let result: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    for check in [
        "accepted",
        "tampered_rejected",
        "noncanonical_instance_rejected",
        "not_a_key_rejected",
        "key_codehash_matches",
    ] {
        assert_eq!(result[check], true, "{check}: {result}");
    }
    // the files swapped: named, exit 2
    let run = std::process::Command::new("node")
        .arg(&script)
        .args(["--reusable", "ZkinferReusableVerifier.sol", "calldata.json", "key.json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(stderr(&run).contains("is not a key file"), "{}", stderr(&run));

    // refusals, with nothing written
    let fresh = p("fresh.sol");
    let refused = |extra: &[&str], message: &str, assert_refused: fn(&std::process::Output, &str)| {
        let mut a: Vec<&str> = vec!["gen-verifier", "--vk", s(&vk), "--reusable", "-o", s(&fresh)];
        a.extend(extra);
        assert_refused(&zkinfer(&a), message);
        assert!(!fresh.exists());
    };
    refused(&["--key-out", s(&fresh)], "is the same file as -o/--output", fails_with);
    refused(&["--key-out", s(&vk)], "the same file as --vk", fails_with);
    refused(&["--aggregated"], "cannot be used with", usage_error);
    usage_error(&evm_verify("--no-size-limit"), "cannot be used with");
}

/// A salted input from the CLI: the input file carries "owner" and "salt"; `commit` gives the
/// commitment the proof shows, `verify` prints the owner; a missing, partial, malformed or unused
/// opening is refused naming the file, and no proof is written.
#[test]
fn a_salted_input_takes_its_owner_and_salt_from_the_input_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = |f: &str| dir.path().join(f);
    let input = input_path("linear_regression", "input.json");
    let m = p("salted.zkc");
    succeeds(&zkinfer(&[
        "compile",
        s(&onnx("linear_regression")),
        "--input",
        s(&input),
        "--input-visibility",
        "salted",
        "-o",
        s(&m),
        "--json",
    ]));
    // the hash of owner, salt and features takes more rows than the plain model's SRS holds
    succeeds(&zkinfer(&["srs", "gen", "--for", s(&m), "-o", s(&p("srs.bin")), "--json"]));
    succeeds(&setup(&m, &p("srs.bin"), &p("pk.bin"), &p("vk.bin")));
    let values = std::fs::read_to_string(&input).unwrap();
    let values: serde_json::Value = serde_json::from_str(&values).unwrap();
    let with = |extra: serde_json::Value, name: &str| {
        let mut v = values.clone();
        v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        write_file(dir.path(), name, &v.to_string())
    };
    let owner = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    let good = with(serde_json::json!({ "owner": owner, "salt": "0x5eed" }), "good.json");
    let proof = p("proof.json");
    let proved =
        succeeds(&zkinfer(&["prove", s(&m), "--pk", s(&p("pk.bin")), "--input", s(&good), "-o", s(&proof), "--json"]));
    let committed = succeeds(&zkinfer(&["commit", s(&m), "--input", s(&good), "--json"]));
    assert_eq!(proved["input_commitment"], committed["input_commitment"]);
    assert!(proved["input_owner"].as_str().unwrap().ends_with(&owner[2..].to_lowercase()));
    let text = stdout(&zkinfer(&["verify", "--vk", s(&p("vk.bin")), "--proof", s(&proof)]));
    assert!(text.contains("owner of the salted input: 0x") && text.contains(&owner[2..].to_lowercase()), "{text}");
    // another salt: another commitment for the same features
    let other = with(serde_json::json!({ "owner": owner, "salt": "0x5eee" }), "other.json");
    let other = succeeds(&zkinfer(&["commit", s(&m), "--input", s(&other), "--json"]));
    assert_ne!(other["input_commitment"], committed["input_commitment"]);

    let refused = p("refused.json");
    for (extra, message) in [
        (serde_json::json!({}), "needs \"owner\" and \"salt\""),
        (serde_json::json!({ "owner": owner }), "go together"),
        (serde_json::json!({ "owner": "0xzz", "salt": "1" }), "owner '0xzz' is not 0x and 1 to 64 hex digits"),
        (serde_json::json!({ "owner": owner, "salt": format!("0x{}", "f".repeat(64)) }), "below the field modulus"),
    ] {
        let file = with(extra, "bad.json");
        fails_with(
            &zkinfer(&["prove", s(&m), "--pk", s(&p("pk.bin")), "--input", s(&file), "-o", s(&refused)]),
            message,
        );
        fails_with(&zkinfer(&["commit", s(&m), "--input", s(&file)]), message);
        assert!(!refused.exists());
    }
    // a model that is not salted: the opening would go unused
    fails_with(
        &zkinfer(&["prove", s(&w("m.zkc")), "--pk", s(&w("pk.bin")), "--input", s(&good), "-o", s(&refused)]),
        "not salted",
    );
    assert!(!refused.exists());
}
