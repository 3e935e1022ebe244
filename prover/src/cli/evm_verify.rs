use super::{print_json, progress::step};
use std::path::PathBuf;
use zkinfer::{ProofBundle, VerifyingKeyFile};
use zkinfer_verifier_contract::deploy::{VerifierArtifacts, EIP170_LIMIT};
use zkinfer_verifier_contract::reusable;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    vk: PathBuf,
    #[arg(long)]
    proof: PathBuf,
    /// Deploy even a verifier over EIP-170's size limit (measures it; mainnet would refuse it).
    #[arg(long)]
    no_size_limit: bool,
    /// Verify with the shared `ZkinferReusableVerifier` and the model's key contract instead of
    /// the model's own generated verifier.
    #[arg(long, conflicts_with = "no_size_limit")]
    reusable: bool,
}

/// Compiles the model's verifier, deploys it on an in-process EVM (Osaka rules) and verifies the
/// proof there, reporting gas and bytecode size.
pub fn run(a: Args, json: bool) -> anyhow::Result<()> {
    if super::aggregate::is_aggregate_key(&a.vk)? {
        return super::aggregate::evm_verify(&a.vk, &a.proof, a.no_size_limit, json);
    }
    let key = VerifyingKeyFile::load(&a.vk)?;
    let bundle = ProofBundle::load(&a.proof)?;
    anyhow::ensure!(bundle.transcript.is_evm(), "{} was proved for aggregation (Poseidon transcript), which the Solidity verifier does not replay: aggregate it (`zkinfer aggregate`), or prove again without --for-aggregation", a.proof.display());
    let (proof, words) = (bundle.proof_bytes()?, bundle.instance_words()?);
    if a.reusable {
        return reusable(&key, &proof, &words, json);
    }
    let (built, _) = step("generating and compiling the verifier", json, || {
        VerifierArtifacts::build(&key.srs, &key.vk, key.info.num_instances(), key.info.pinned_params())
    });
    let built = built?;
    let size = built.halo2.runtime_size();
    anyhow::ensure!(
        a.no_size_limit || built.fits_eip170(),
        "this model's verifier is {size} bytes of runtime code, over EIP-170's {EIP170_LIMIT}-byte limit: mainnet would refuse to deploy it (measure it anyway with --no-size-limit)"
    );
    let result = built.verify_on_evm(&proof, &words, a.no_size_limit).map_err(anyhow::Error::msg)?;
    let (accepted, raw_gas, wrapped_gas) = (result.accepted(), result.raw.gas_used, result.wrapped.gas_used);
    if json {
        print_json(
            &serde_json::json!({ "accepted": accepted, "raw_gas": raw_gas, "verifyProof_gas": wrapped_gas, "runtime_bytes": size, "eip170_limit": EIP170_LIMIT }),
        );
    } else {
        println!("EVM (revm, Osaka): {} — raw verifier {} gas, verifyProof {} gas (whole transactions); runtime {size} bytes (EIP-170 limit {EIP170_LIMIT})", if accepted { "accepted" } else { "REJECTED" }, raw_gas, wrapped_gas);
    }
    anyhow::ensure!(accepted, "the EVM verifier rejected the proof");
    Ok(())
}

/// `--reusable`: the shared verifier and the model's key on a fresh in-process chain.
fn reusable(key: &VerifyingKeyFile, proof: &[u8], words: &[[u8; 32]], json: bool) -> anyhow::Result<()> {
    let encoded = super::gen_verifier::encode_key(key)?;
    let (result, _) = step("compiling and deploying the reusable verifier and the key", json, || {
        reusable::verify_on_evm(&encoded, proof, words)
    });
    let result = result.map_err(anyhow::Error::msg)?;
    let (accepted, gas, key_bytes) = (result.accepted(), result.call.gas_used, encoded.runtime_size());
    if json {
        print_json(
            &serde_json::json!({ "accepted": accepted, "verifyProof_gas": gas, "key_runtime_bytes": key_bytes, "verifier_runtime_bytes": result.verifier_runtime_bytes, "eip170_limit": EIP170_LIMIT }),
        );
    } else {
        println!("EVM (revm, Osaka): {} — ZkinferReusableVerifier.verifyProof {gas} gas (whole transaction); key {key_bytes} bytes, shared verifier {} bytes of runtime code (EIP-170 limit {EIP170_LIMIT})", if accepted { "accepted" } else { "REJECTED" }, result.verifier_runtime_bytes);
    }
    anyhow::ensure!(accepted, "the reusable verifier rejected the proof");
    Ok(())
}
