//! Shared setup for the criterion benchmarks in `benches/micro.rs`: the bundled models, compiled
//! the way `zkinfer compile` does (both sample inputs calibrate).

use std::path::{Path, PathBuf};
use zkinfer::{compile::CompileOptions, input::read_input, CompiledModel};

pub fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../models")
}

/// A bundled model compiled on its two sample inputs, and its first input.
pub fn compiled(model: &str) -> (CompiledModel, Vec<f64>) {
    let dir = models_dir().join(model);
    let samples: Vec<Vec<f64>> =
        ["input.json", "input2.json"].iter().map(|f| read_input(&dir.join(f)).expect("bundled input")).collect();
    let compiled = zkinfer::compile(&dir.join("model.onnx"), &samples, &CompileOptions::default())
        .expect("bundled model compiles");
    (compiled, samples[0].clone())
}
