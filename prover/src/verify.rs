//! Verification of a proof bundle against a verifying key: the model digest, the instance
//! encoding, the outputs shown in the bundle, and the KZG/SHPLONK proof itself.

use crate::error::{Result, ZkError};
use crate::keys::VerifyingKeyFile;
use crate::proof::{commitments_from_instances, fr_from_hex, input_from_instances, outputs_from_instances, ProofBundle};
use halo2_proofs::{
    halo2curves::bn256::{Bn256, Fr},
    plonk::verify_proof,
    poly::{
        commitment::ParamsProver,
        kzg::{commitment::KZGCommitmentScheme, multiopen::VerifierSHPLONK, strategy::AccumulatorStrategy},
        VerificationStrategy,
    },
    transcript::TranscriptReadBuffer,
};
use snark_verifier_sdk::snark_verifier::{loader::native::NativeLoader, system::halo2::transcript::evm::EvmTranscript};

/// Accepts the bundle only if the proof verifies for its public instances and the input and
/// outputs written in the bundle are exactly what those instances say.
pub fn verify(key: &VerifyingKeyFile, bundle: &ProofBundle) -> Result<()> {
    if bundle.model_digest != key.info.model_digest {
        return Err(ZkError::Rejected(format!(
            "the proof is for model '{}' ({}), the verifying key for '{}' ({})",
            bundle.model_name,
            short(&bundle.model_digest),
            key.info.model_name,
            short(&key.info.model_digest)
        )));
    }
    let instances = parse_instances(key, bundle)?;
    check_claims(key, bundle, &instances)?;
    let proof = bundle.proof_bytes()?;
    if verify_snark(key, &instances, &proof) {
        Ok(())
    } else {
        Err(ZkError::Rejected("the proof does not verify for these public inputs and outputs".into()))
    }
}

fn short(digest: &str) -> &str {
    &digest[..digest.len().min(12)]
}

fn parse_instances(key: &VerifyingKeyFile, bundle: &ProofBundle) -> Result<Vec<Fr>> {
    let expected = key.info.num_instances();
    if bundle.instances.len() != expected {
        return Err(ZkError::Rejected(format!("the proof has {} public instances, the model has {expected}", bundle.instances.len())));
    }
    bundle
        .instances
        .iter()
        .enumerate()
        .map(|(i, s)| fr_from_hex(s).ok_or_else(|| ZkError::Rejected(format!("public instance #{i} ({s}) is not a canonical field element"))))
        .collect()
}

/// The human-readable input, outputs and commitments in the bundle must match the instances
/// exactly.
fn check_claims(key: &VerifyingKeyFile, bundle: &ProofBundle, instances: &[Fr]) -> Result<()> {
    let outputs = outputs_from_instances(&key.info, instances).ok_or_else(|| ZkError::Rejected("an output instance is not a quantized value".into()))?;
    if outputs != bundle.outputs {
        return Err(ZkError::Rejected("the outputs written in the proof file differ from its public instances".into()));
    }
    let scale = 2f64.powi(key.info.input.scale);
    let input: Option<Vec<f64>> = input_from_instances(&key.info, instances).map(|q| q.iter().map(|&q| q as f64 / scale).collect());
    if input.as_deref() != Some(bundle.input.as_slice()) {
        return Err(ZkError::Rejected("the input written in the proof file differs from its public instances".into()));
    }
    let actual = commitments_from_instances(&key.info, instances);
    if bundle.commitments().iter().zip(&actual).any(|((_, stated), a)| *stated != a) {
        return Err(ZkError::Rejected("a commitment written in the proof file differs from its public instances".into()));
    }
    Ok(())
}

/// The SHPLONK check. Malformed proof bytes must be a rejection, never a crash.
fn verify_snark(key: &VerifyingKeyFile, instances: &[Fr], proof: &[u8]) -> bool {
    crate::files::catch_panic_quietly(|| {
        let mut transcript = EvmTranscript::<_, NativeLoader, _, _>::init(proof);
        let strategy = AccumulatorStrategy::new(key.srs.verifier_params());
        verify_proof::<KZGCommitmentScheme<Bn256>, VerifierSHPLONK<'_, Bn256>, _, _, _>(key.srs.verifier_params(), &key.vk, strategy, &[&[instances]], &mut transcript)
            .map(VerificationStrategy::<_, VerifierSHPLONK<'_, Bn256>>::finalize)
            .unwrap_or(false)
    })
    .unwrap_or(false)
}
