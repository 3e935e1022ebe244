//! The Solidity verifier: generate it, and verify a proof with it on an in-process EVM.

use crate::{run, to_json};
use pyo3::prelude::*;
use std::path::PathBuf;
use zkinfer::{ProofBundle, VerifyingKeyFile};
use zkinfer_verifier_contract::deploy::{combined_source, constructor_args, VerifierArtifacts, EIP170_LIMIT};
use zkinfer_verifier_contract::generate::raw_verifier_source;

/// Writes the Solidity verifier (Halo2Verifier and the ZkinferVerifier wrapper) of a verifying
/// key; with `compile=True` also compiles it with solc-js and reports its runtime size.
#[pyfunction]
#[pyo3(signature = (vk, output, compile=false))]
pub fn gen_verifier(py: Python<'_>, vk: PathBuf, output: PathBuf, compile: bool) -> PyResult<String> {
    run(py, || {
        let key = VerifyingKeyFile::load(&vk)?;
        let n = key.info.num_instances();
        let source = combined_source(&raw_verifier_source(&key.srs, &key.vk, n));
        zkinfer::files::write_atomic(&output, |w| w.write_all(source.as_bytes()))?;
        let runtime = match compile {
            true => {
                Some(VerifierArtifacts::build(&key.srs, &key.vk, n, key.info.pinned_params())?.halo2.runtime_size())
            }
            false => None,
        };
        let (_, params_start, digest) = constructor_args(n, key.info.pinned_params());
        Ok(to_json(serde_json::json!({
            "output": output, "num_instances": n, "source_bytes": source.len(), "runtime_bytes": runtime,
            "eip170_limit": EIP170_LIMIT, "caveats": key.info.caveats(),
            "wrapper_constructor": { "numInstances": n, "paramsStart": params_start, "paramsDigest": format!("0x{}", hex::encode(digest)) },
        })))
    })
}

/// Deploys the model's verifier on an in-process EVM (revm, Osaka rules) and verifies the proof
/// there. Raises `VerificationError` when the EVM rejects it; reports gas either way it runs.
#[pyfunction]
#[pyo3(signature = (vk, proof, no_size_limit=false))]
pub fn verify_evm(py: Python<'_>, vk: PathBuf, proof: PathBuf, no_size_limit: bool) -> PyResult<String> {
    run(py, || {
        let key = VerifyingKeyFile::load(&vk)?;
        let bundle = ProofBundle::load(&proof)?;
        let (proof_bytes, words) = (bundle.proof_bytes()?, bundle.instance_words()?);
        let built = VerifierArtifacts::build(&key.srs, &key.vk, key.info.num_instances(), key.info.pinned_params())?;
        let size = built.halo2.runtime_size();
        anyhow::ensure!(
            no_size_limit || built.fits_eip170(),
            "this model's verifier is {size} bytes of runtime code, over EIP-170's {EIP170_LIMIT}-byte limit: mainnet would refuse to deploy it (measure it anyway with no_size_limit=True)"
        );
        let result = built.verify_on_evm(&proof_bytes, &words, no_size_limit).map_err(anyhow::Error::msg)?;
        if !result.accepted() {
            return Err(zkinfer::ZkError::Rejected("the EVM verifier rejected the proof".into()).into());
        }
        Ok(to_json(serde_json::json!({
            "accepted": true, "raw_gas": result.raw.gas_used, "verifyProof_gas": result.wrapped.gas_used,
            "runtime_bytes": size, "eip170_limit": EIP170_LIMIT,
        })))
    })
}
