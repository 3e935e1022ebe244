//! Verifying an aggregate natively, as the generated Solidity verifier does: the aggregation
//! circuit's SHPLONK proof over the Keccak transcript, then the accumulator's deferred pairing.

use crate::{accumulator, catching, Srs};
use halo2_proofs::{
    halo2curves::bn256::{Bn256, Fr, G1Affine},
    plonk::{verify_proof, VerifyingKey},
    poly::{
        commitment::ParamsProver,
        kzg::{commitment::KZGCommitmentScheme, multiopen::VerifierSHPLONK, strategy::AccumulatorStrategy},
        VerificationStrategy,
    },
    transcript::TranscriptReadBuffer,
};
use snark_verifier_sdk::snark_verifier::{loader::native::NativeLoader, system::halo2::transcript::evm::EvmTranscript};

/// Why an aggregate does not verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// The aggregation circuit's own proof fails for these instances.
    Proof,
    /// The proof holds but the accumulator's pairing does not: some inner proof is invalid.
    Accumulator,
}

/// Both checks; malformed bytes are a rejection, never a panic.
pub fn verify(srs: &Srs, vk: &VerifyingKey<G1Affine>, instances: &[Fr], proof: &[u8]) -> Result<(), Rejection> {
    let proof_holds = catching(|| {
        let mut transcript = EvmTranscript::<G1Affine, NativeLoader, _, _>::init(proof);
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
    .unwrap_or(false);
    if !proof_holds {
        return Err(Rejection::Proof);
    }
    if !accumulator::decides(srs, instances) {
        return Err(Rejection::Accumulator);
    }
    Ok(())
}
