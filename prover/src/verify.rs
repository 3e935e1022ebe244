//! Verification of a proof bundle against a verifying key: the model digest, the instance
//! encoding, the parameters the key pins, the input and outputs shown in the bundle, and the
//! KZG/SHPLONK proof itself.

use crate::error::{Result, ZkError};
use crate::keys::{words_keccak, KeyInfo, ParamsPin, VerifyingKeyFile};
use crate::proof::{
    commitments_from_instances, input_from_instances, outputs_from_instances, owner_from_instances,
    parse_hex_instances, requantize_exactly, ProofBundle, Transcript,
};
use halo2_proofs::halo2curves::bn256::Fr;
use zkinfer_aggregation::shplonk::{self, Keccak, Poseidon};

/// Accepts the bundle only if the proof verifies for its public instances, those instances
/// show the parameters the key pins, and the input and outputs written in the bundle are
/// exactly what the instances say.
pub fn verify(key: &VerifyingKeyFile, bundle: &ProofBundle) -> Result<()> {
    let instances = check_public(&key.info, bundle)?;
    let proof = bundle.proof_bytes()?;
    let valid = match bundle.transcript {
        Transcript::Evm => shplonk::verifies::<_, Keccak<&[u8]>>(&key.srs, &key.vk, &instances, &proof),
        Transcript::Poseidon => shplonk::verifies::<_, Poseidon<&[u8]>>(&key.srs, &key.vk, &instances, &proof),
    };
    if valid {
        Ok(())
    } else {
        Err(ZkError::Rejected("the proof does not verify for these public inputs and outputs".into()))
    }
}

/// Everything but the proof: the bundle is for the key's model, its instances are canonical and
/// show the pinned parameters, and the input, outputs and commitments it states are exactly
/// its instances. Returns the instances. (An aggregate checks each inner proof this way.)
pub fn check_public(info: &KeyInfo, bundle: &ProofBundle) -> Result<Vec<Fr>> {
    if bundle.model_digest != info.model_digest || bundle.model_name != info.model_name {
        return Err(ZkError::Rejected(format!(
            "the proof is for model '{}' ({}), the verifying key for '{}' ({})",
            bundle.model_name,
            short(&bundle.model_digest),
            info.model_name,
            short(&info.model_digest)
        )));
    }
    let instances = parse_instances(info, bundle)?;
    check_params(info, &instances)?;
    check_claims(info, bundle, &instances)?;
    Ok(instances)
}

/// A digest's first 12 characters, for messages (any string: a crafted file's may not be hex).
pub(crate) fn short(digest: &str) -> String {
    digest.chars().take(12).collect()
}

fn parse_instances(info: &KeyInfo, bundle: &ProofBundle) -> Result<Vec<Fr>> {
    let expected = info.num_instances();
    if bundle.instances.len() != expected {
        return Err(ZkError::Rejected(format!(
            "the proof has {} public instances, the model has {expected}",
            bundle.instances.len()
        )));
    }
    parse_hex_instances(&bundle.instances, "public")
}

/// With witness parameters, the parameter part of the instances must be the one recorded at
/// setup: without this check a proof made with other weights verifies under the same key.
fn check_params(info: &KeyInfo, instances: &[Fr]) -> Result<()> {
    let ParamsPin::Instances { start, count, keccak256 } = &info.params_pin else { return Ok(()) };
    let shown = instances.get(*start..start + count).filter(|_| start + count == instances.len());
    match shown {
        Some(part) if hex::encode(words_keccak(part)) == *keccak256 => Ok(()),
        _ => Err(ZkError::Rejected(format!("the proof's parameters (instances {start}..{}) are not the ones this verifying key's model has: it was made with other weights", start + count))),
    }
}

/// The human-readable input, outputs and commitments in the bundle must match the instances
/// exactly: integers compared with integers, every value within its tensor's static bound.
fn check_claims(info: &KeyInfo, bundle: &ProofBundle, instances: &[Fr]) -> Result<()> {
    let outputs = outputs_from_instances(info, instances).ok_or_else(|| ZkError::Rejected("an output instance is not a value the circuit can produce (outside the output's bound, or not a valid packing)".into()))?;
    if outputs != bundle.outputs {
        return Err(ZkError::Rejected("the outputs written in the proof file differ from its public instances".into()));
    }
    let input = input_from_instances(info, instances).ok_or_else(|| ZkError::Rejected("an input instance is not a value the circuit accepts (outside the quantized input range, or not a valid packing)".into()))?;
    let stated: Option<Vec<i128>> =
        bundle.input.iter().enumerate().map(|(i, &x)| requantize_exactly(x, info.input.scale_of(i))).collect();
    if stated.as_deref() != Some(input.as_slice()) {
        return Err(ZkError::Rejected("the input written in the proof file differs from its public instances".into()));
    }
    let actual = commitments_from_instances(info, instances);
    if bundle.commitments().iter().zip(&actual).any(|((_, stated), a)| *stated != a) {
        return Err(ZkError::Rejected(
            "a commitment written in the proof file differs from its public instances".into(),
        ));
    }
    if bundle.input_owner != owner_from_instances(info, instances) {
        return Err(ZkError::Rejected("the owner written in the proof file differs from its public instances".into()));
    }
    Ok(())
}
