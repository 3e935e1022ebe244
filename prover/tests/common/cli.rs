//! Running the `zkinfer` binary as a user does, and asserting on how it ends.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn zkinfer(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkinfer")).args(args).output().expect("run zkinfer")
}

/// `zkinfer` run from the folder `dir` (relative paths are relative to it).
pub fn zkinfer_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkinfer")).args(args).current_dir(dir).output().expect("run zkinfer")
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts a clean failure: exit status 1, `needle` in the message, no panic.
pub fn fails_with(out: &Output, needle: &str) {
    let stderr = stderr(out);
    assert!(!out.status.success(), "expected failure, got success; stderr: {stderr}");
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
}

/// Asserts a refused command line (clap's usage error): exit status 2, `needle` in the message.
pub fn usage_error(out: &Output, needle: &str) {
    let stderr = stderr(out);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    assert!(stderr.contains(needle), "expected {needle:?} in: {stderr}");
}

/// Asserts success; returns stdout as JSON (`Null` when it is text).
pub fn succeeds(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "stderr: {}", stderr(out));
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

pub fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// `zkinfer compile MODEL --input … -o OUT --json`, asserting success.
pub fn compile(model: &Path, inputs: &[&Path], out: &Path) -> serde_json::Value {
    let mut args = vec!["compile", s(model)];
    for i in inputs {
        args.extend(["--input", s(i)]);
    }
    args.extend(["-o", s(out), "--json"]);
    succeeds(&zkinfer(&args))
}

/// `zkinfer setup MODEL --srs SRS --pk PK --vk VK`.
pub fn setup(model: &Path, srs: &Path, pk: &Path, vk: &Path) -> Output {
    zkinfer(&["setup", s(model), "--srs", s(srs), "--pk", s(pk), "--vk", s(vk)])
}

/// `zkinfer prove MODEL --pk PK --input INPUT -o PROOF`.
pub fn prove(model: &Path, pk: &Path, input: &Path, proof: &Path) -> Output {
    zkinfer(&["prove", s(model), "--pk", s(pk), "--input", s(input), "-o", s(proof)])
}

/// A compiled model with a dev SRS of its k and its keys, in `dir`: `m.zkc`, `srs.bin`,
/// `pk.bin`, `vk.bin`.
pub fn compiled_with_keys(dir: &Path, model: &Path, inputs: &[&Path]) {
    let p = |f: &str| dir.join(f);
    compile(model, inputs, &p("m.zkc"));
    succeeds(&zkinfer(&["srs", "gen", "--for", s(&p("m.zkc")), "-o", s(&p("srs.bin"))]));
    succeeds(&setup(&p("m.zkc"), &p("srs.bin"), &p("pk.bin"), &p("vk.bin")));
}
