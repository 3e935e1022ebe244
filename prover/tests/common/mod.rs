//! Shared fixtures: compiled models, an SRS and keys, built once per test binary.

#![allow(dead_code)]

pub mod cli;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use zkinfer::{compile::CompileOptions, input::read_input, CompiledModel, ProvingKeyFile, VerifyingKeyFile};

pub const MODELS: [&str; 10] = [
    "attention",
    "cnn_avgpool",
    "cnn_maxpool",
    "credit_gbt",
    "credit_logistic",
    "linear_regression",
    "logistic_regression",
    "mlp_activations",
    "mlp_relu",
    "mnist_mlp",
];

pub fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../models")
}

pub fn onnx(model: &str) -> PathBuf {
    models_dir().join(model).join("model.onnx")
}

pub fn input_path(model: &str, file: &str) -> PathBuf {
    models_dir().join(model).join(file)
}

pub fn sample(model: &str, file: &str) -> Vec<f64> {
    read_input(&input_path(model, file)).unwrap()
}

pub struct Fixture {
    pub compiled: CompiledModel,
    pub pk: ProvingKeyFile,
    pub vk: VerifyingKeyFile,
}

/// Compiled with both bundled inputs as calibration samples, keys from a dev SRS.
pub fn fixture(model: &str) -> Arc<Fixture> {
    type Cache = Mutex<Vec<(String, Arc<Fixture>)>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(Vec::new()));
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, f)) = cache.iter().find(|(m, _)| m == model) {
        return f.clone();
    }
    let samples = vec![sample(model, "input.json"), sample(model, "input2.json")];
    let compiled = zkinfer::compile(&onnx(model), &samples, &CompileOptions::default()).unwrap();
    let srs = zkinfer::srs::generate_insecure(compiled.params.k, 7).unwrap();
    let (pk, vk) = zkinfer::setup(&compiled, srs, Path::new("test-srs")).unwrap();
    let f = Arc::new(Fixture { compiled, pk, vk });
    cache.push((model.to_string(), f.clone()));
    f
}
