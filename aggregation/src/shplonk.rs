//! One SHPLONK prove and one SHPLONK verify over KZG, generic over the Fiat–Shamir transcript:
//! every proof zkinfer makes or checks goes through these two — a model's proof for the EVM
//! (Keccak `EvmTranscript`), an inner proof for aggregation (Poseidon) and the aggregate itself
//! (Keccak again) — so the three cannot drift apart.

use crate::{catching, Srs};
use halo2_proofs::{
    halo2curves::bn256::{Bn256, Fr, G1Affine},
    plonk::{create_proof, verify_proof, Circuit, ProvingKey, VerifyingKey},
    poly::{
        commitment::ParamsProver,
        kzg::{
            commitment::KZGCommitmentScheme,
            multiopen::{ProverSHPLONK, VerifierSHPLONK},
            strategy::AccumulatorStrategy,
        },
        VerificationStrategy,
    },
    transcript::{EncodedChallenge, TranscriptReadBuffer, TranscriptWriterBuffer},
};
use rand::rngs::OsRng;
use snark_verifier_sdk::halo2::PoseidonTranscript;
use snark_verifier_sdk::snark_verifier::{loader::native::NativeLoader, system::halo2::transcript::evm::EvmTranscript};

/// The Keccak transcript the Solidity verifiers replay.
pub type Keccak<S> = EvmTranscript<G1Affine, NativeLoader, S, Vec<u8>>;
/// The Poseidon transcript the aggregation circuit replays in-circuit.
pub type Poseidon<S> = PoseidonTranscript<NativeLoader, S>;

/// A SHPLONK proof of `circuit` for its single instance column `instances`, over transcript `T`.
/// A panic while synthesizing the witness is an error, never a crash.
pub fn prove<C, E, T>(srs: &Srs, pk: &ProvingKey<G1Affine>, circuit: C, instances: &[Fr]) -> Result<Vec<u8>, String>
where
    C: Circuit<Fr>,
    E: EncodedChallenge<G1Affine>,
    T: TranscriptWriterBuffer<Vec<u8>, G1Affine, E>,
{
    let mut transcript = T::init(Vec::new());
    catching(|| {
        create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, _, _, _, _>(
            srs,
            pk,
            &[circuit],
            &[&[instances]],
            OsRng,
            &mut transcript,
        )
    })?
    .map_err(|e| format!("{e:?}"))?;
    Ok(transcript.finalize())
}

/// Whether `proof` is a valid SHPLONK proof over transcript `T` for `instances`, its pairing
/// included. Malformed bytes are a rejection, never a panic.
pub fn verifies<'a, E, T>(srs: &Srs, vk: &VerifyingKey<G1Affine>, instances: &[Fr], proof: &'a [u8]) -> bool
where
    E: EncodedChallenge<G1Affine>,
    T: TranscriptReadBuffer<&'a [u8], G1Affine, E>,
{
    catching(|| {
        let mut transcript = T::init(proof);
        let strategy = AccumulatorStrategy::new(srs.verifier_params());
        verify_proof::<KZGCommitmentScheme<Bn256>, VerifierSHPLONK<'_, Bn256>, _, _, _>(
            srs.verifier_params(),
            vk,
            strategy,
            &[&[instances]],
            &mut transcript,
        )
        .map(VerificationStrategy::<_, VerifierSHPLONK<'_, Bn256>>::finalize)
        .unwrap_or(false)
    })
    .unwrap_or(false)
}
