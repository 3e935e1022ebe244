//! The SRS through the CLI: `srs gen --for`, `srs info --json`, and `setup` with a larger SRS,
//! which downsizes it once and caches the result beside the SRS file (issue 16, items 1 and 2).

mod common;

use common::cli::*;
use common::*;
use std::path::Path;

fn setup_json(dir: &Path, model: &Path, srs: &Path, tag: &str) -> serde_json::Value {
    let (pk, vk) = (dir.join(format!("pk-{tag}.bin")), dir.join(format!("vk-{tag}.bin")));
    succeeds(&zkinfer(&["setup", s(model), "--srs", s(srs), "--pk", s(&pk), "--vk", s(&vk), "--json"]))
}

#[test]
fn srs_gen_for_takes_k_from_the_compiled_model() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.zkc");
    // the tutorial's case: --optimize verifier may choose another k than the default layout
    let input = input_path("credit_logistic", "input.json");
    let out = zkinfer(&[
        "compile",
        s(&onnx("credit_logistic")),
        "--input",
        s(&input),
        "--optimize",
        "verifier",
        "-o",
        s(&model),
        "--json",
    ]);
    let k = succeeds(&out)["k"].as_u64().unwrap();
    let srs = dir.path().join("srs.bin");
    let generated = succeeds(&zkinfer(&["srs", "gen", "--for", s(&model), "-o", s(&srs), "--json"]));
    assert_eq!(generated["k"], k);
    assert_eq!(generated["ok"], true);
    let info = succeeds(&zkinfer(&["srs", "info", s(&srs), "--json"]));
    assert_eq!((info["k"].as_u64(), info["g1_powers"].as_u64()), (Some(k), Some(1 << k)));
    assert_eq!((info["path"].as_str(), &info["ok"]), (Some(s(&srs)), &serde_json::Value::Bool(true)));
    let keys = setup_json(dir.path(), &model, &srs, "a");
    assert_eq!(keys["k"], k);
    assert!(keys["srs"]["downsized_to"].is_null(), "{keys}");

    // exactly one of --k and --for: usage errors (exit 2), with --json a JSON error too
    let both = zkinfer(&["srs", "gen", "--k", "5", "--for", s(&model), "-o", s(&srs), "--json"]);
    assert_eq!(both.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&both.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert!(report["error"].as_str().unwrap().contains("cannot be used with"), "{report}");
    assert_eq!(zkinfer(&["srs", "gen", "-o", s(&srs)]).status.code(), Some(2));
    // --for of something that is no compiled model: a clear error, no SRS written
    let other = dir.path().join("other.bin");
    fails_with(&zkinfer(&["srs", "gen", "--for", s(&input), "-o", s(&other)]), "not a valid compiled model");
    assert!(!other.exists());
}

#[test]
fn the_tutorial_and_the_demo_take_k_from_the_compiled_model() {
    let root = models_dir().join("..");
    let tutorial = std::fs::read_to_string(root.join("docs/tutorial.md")).unwrap();
    assert!(tutorial.contains("zkinfer srs gen --for credit.zkc"), "the tutorial's SRS step");
    assert!(!tutorial.contains("srs gen --k 13"), "the tutorial must not hard-code k");
    let demo = std::fs::read_to_string(root.join("scripts/demo.sh")).unwrap();
    assert!(demo.matches("srs gen --for").count() == 2 && !demo.contains("srs gen --k"), "demo.sh");
}

#[test]
fn a_larger_srs_is_downsized_once_and_the_cache_reused() {
    let dir = tempfile::tempdir().unwrap();
    let p = |f: &str| dir.path().join(f);
    compile(&onnx("linear_regression"), &[&input_path("linear_regression", "input.json")], &p("m.zkc"));
    succeeds(&zkinfer(&["srs", "gen", "--k", "7", "-o", s(&p("exact.bin"))]));
    succeeds(&zkinfer(&["srs", "gen", "--k", "10", "-o", s(&p("big.bin"))]));
    let exact = setup_json(dir.path(), &p("m.zkc"), &p("exact.bin"), "exact");
    assert!(exact["srs"]["downsized_to"].is_null());
    assert!(!p("exact.bin.k7.cache").exists(), "nothing to cache without downsizing");

    let first = setup_json(dir.path(), &p("m.zkc"), &p("big.bin"), "first");
    assert_eq!((first["srs"]["k"].as_u64(), first["srs"]["downsized_to"].as_u64()), (Some(10), Some(7)));
    assert_eq!(first["srs"]["cached"], false);
    let cache = p("big.bin.k7.cache");
    assert_eq!(first["srs"]["cache"].as_str(), Some(s(&cache)));
    assert!(cache.exists());
    let second = setup(&p("m.zkc"), &p("big.bin"), &p("pk2.bin"), &p("vk2.bin"));
    succeeds(&second);
    assert!(stdout(&second).contains("the SRS downsized from k = 10 to k = 7"), "{}", stdout(&second));
    assert!(stdout(&second).contains("(cached: "), "{}", stdout(&second));
    // same seed: the downsized SRS is the k = 7 one, so every key is the same
    let vk = |tag: &str| std::fs::read(p(&format!("vk-{tag}.bin"))).unwrap();
    assert_eq!(vk("first"), vk("exact"));
    assert_eq!(std::fs::read(p("vk2.bin")).unwrap(), vk("exact"));

    // a damaged cache is not used: recomputed, rewritten, and the keys are still right
    let mut bytes = std::fs::read(&cache).unwrap();
    let end = bytes.len() - 300;
    bytes[end..end + 64].fill(0);
    std::fs::write(&cache, &bytes).unwrap();
    let third = setup_json(dir.path(), &p("m.zkc"), &p("big.bin"), "third");
    assert_eq!(third["srs"]["cached"], false);
    assert_eq!(vk("third"), vk("exact"));
    assert_eq!(setup_json(dir.path(), &p("m.zkc"), &p("big.bin"), "fourth")["srs"]["cached"], true);

    // another SRS file under the same name: its own digest, so the old cache is not used
    succeeds(&zkinfer(&["srs", "gen", "--k", "10", "--seed", "5", "-o", s(&p("big.bin"))]));
    let other = setup_json(dir.path(), &p("m.zkc"), &p("big.bin"), "other");
    assert_eq!(other["srs"]["cached"], false);
    assert_ne!(vk("other"), vk("exact"));
    // the cache file is no SRS, and says what it is
    fails_with(&zkinfer(&["srs", "info", s(&cache)]), "it is a zkinfer downsized-SRS cache");
}

#[test]
fn an_unwritable_cache_is_a_note_not_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let p = |f: &str| dir.path().join(f);
    compile(&onnx("linear_regression"), &[&input_path("linear_regression", "input.json")], &p("m.zkc"));
    succeeds(&zkinfer(&["srs", "gen", "--k", "8", "-o", s(&p("big.bin"))]));
    // a folder where the cache file would go: it cannot be written
    std::fs::create_dir(p("big.bin.k7.cache")).unwrap();
    let out = setup(&p("m.zkc"), &p("big.bin"), &p("pk.bin"), &p("vk.bin"));
    succeeds(&out);
    assert!(stderr(&out).contains("note: could not cache the downsized SRS"), "{}", stderr(&out));
    assert!(p("pk.bin").exists() && p("vk.bin").exists());
}

/// docs/cli.md says which SRS layout `setup --srs` reads: halo2's `ParamsKZG` in `RawBytes`
/// (uncompressed points), exactly `4 + 2^(k+1)·64 + 256` bytes; compressed points are refused.
#[test]
fn the_srs_layout_the_docs_state_is_the_one_read() {
    let dir = tempfile::tempdir().unwrap();
    let srs = dir.path().join("srs.bin");
    succeeds(&zkinfer(&["srs", "gen", "--k", "5", "-o", s(&srs)]));
    let bytes = std::fs::read(&srs).unwrap();
    assert_eq!(bytes.len(), 4 + (1 << 6) * 64 + 256);
    assert_eq!(&bytes[..4], &5u32.to_le_bytes());
    // the same powers compressed (32 bytes per G1 point, 64 per G2), as halo2-kzg-srs's non-raw
    // files hold them: the wrong size for k = 5, refused before any point is read
    let compressed = dir.path().join("compressed.bin");
    std::fs::write(&compressed, [&bytes[..4], &vec![0u8; (1 << 6) * 32 + 128]].concat()).unwrap();
    fails_with(&zkinfer(&["srs", "info", s(&compressed)]), "bytes do not hold an SRS for k = 5");
    // a point off the curve is refused too
    let mut off_curve = bytes.clone();
    off_curve[4 + 64 * 3] ^= 1;
    std::fs::write(&compressed, &off_curve).unwrap();
    fails_with(&zkinfer(&["srs", "info", s(&compressed)]), "not a valid KZG SRS");
}
