//! Helpers the EVM test files share.
#![allow(dead_code)] // each test file uses its own share of these

use zkinfer_verifier_contract::evm::CallResult;

/// A bundle's public values as the 32-byte words the contracts take.
pub fn instances(bundle: &zkinfer::ProofBundle) -> Vec<[u8; 32]> {
    bundle.instances.iter().map(|h| hex::decode(&h[2..]).unwrap().try_into().unwrap()).collect()
}

/// A successful call that returned exactly `true`.
pub fn returns_true(r: &CallResult) -> bool {
    r.success && r.output.len() == 32 && r.output[31] == 1 && r.output[..31].iter().all(|&b| b == 0)
}

/// `bytes` with the lowest bit of byte `at` flipped.
pub fn flip(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[at] ^= 1;
    b
}

/// A bundled model's two sample inputs.
pub fn samples(model: &str) -> Vec<Vec<f64>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models").join(model);
    ["input.json", "input2.json"].iter().map(|f| zkinfer::input::read_input(&dir.join(f)).unwrap()).collect()
}

/// Compiles a bundled model, sets it up on an insecure SRS and proves its first sample.
pub fn compile_and_prove(
    model: &str,
    opts: &zkinfer::compile::CompileOptions,
) -> (zkinfer::CompiledModel, zkinfer::keys::VerifyingKeyFile, zkinfer::ProofBundle) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models").join(model);
    let samples = samples(model);
    let compiled = zkinfer::compile(&dir.join("model.onnx"), &samples, opts).unwrap();
    let srs = zkinfer::srs::generate_insecure(compiled.params.k, 3).unwrap();
    let (pk, vk) = zkinfer::setup(&compiled, srs, std::path::Path::new("test-srs")).unwrap();
    let bundle = zkinfer::prove(&compiled, &pk, &samples[0]).unwrap();
    (compiled, vk, bundle)
}
