//! The proofs an aggregate is made of: SHPLONK proofs with snark-verifier's Poseidon transcript
//! (the one the aggregation circuit replays cheaply), and the `Snark` each becomes: its
//! verifying key compiled to snark-verifier's protocol, its instances, its proof bytes.

use crate::{catching, same_ceremony, AggregationError, Result, Srs};
use halo2_proofs::{
    halo2curves::bn256::{Bn256, Fr, G1Affine},
    plonk::{create_proof, verify_proof, Circuit, ProvingKey, VerifyingKey},
    poly::{
        commitment::{Params, ParamsProver},
        kzg::{
            commitment::KZGCommitmentScheme,
            multiopen::{ProverSHPLONK, VerifierSHPLONK},
            strategy::AccumulatorStrategy,
        },
        VerificationStrategy,
    },
};
use rand::rngs::OsRng;
use snark_verifier_sdk::halo2::{PoseidonTranscript, POSEIDON_SPEC};
use snark_verifier_sdk::snark_verifier::{
    loader::native::NativeLoader,
    system::halo2::{compile, Config},
};
use snark_verifier_sdk::Snark;

/// A SHPLONK proof of `circuit` over the Poseidon transcript, for aggregation.
pub fn prove<C: Circuit<Fr>>(
    srs: &Srs,
    pk: &ProvingKey<G1Affine>,
    circuit: C,
    instances: &[Fr],
) -> std::result::Result<Vec<u8>, String> {
    let mut transcript = PoseidonTranscript::<NativeLoader, Vec<u8>>::from_spec(vec![], POSEIDON_SPEC.clone());
    create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, _, _, _, _>(
        srs,
        pk,
        &[circuit],
        &[&[instances]],
        OsRng,
        &mut transcript,
    )
    .map_err(|e| format!("{e:?}"))?;
    Ok(transcript.finalize())
}

/// Whether a Poseidon-transcript proof verifies, pairing included. Malformed bytes are a
/// rejection, never a panic.
pub fn verifies(srs: &Srs, vk: &VerifyingKey<G1Affine>, instances: &[Fr], proof: &[u8]) -> bool {
    catching(|| {
        let mut transcript = PoseidonTranscript::<NativeLoader, &[u8]>::from_spec(proof, POSEIDON_SPEC.clone());
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

/// One proof to aggregate, with what checks it on its own.
pub struct InnerProof<'a> {
    /// What messages call it (its file, or its model).
    pub label: String,
    /// The SRS it was proved with, at its circuit's k.
    pub srs: &'a Srs,
    pub vk: &'a VerifyingKey<G1Affine>,
    pub instances: Vec<Fr>,
    pub proof: Vec<u8>,
}

impl InnerProof<'_> {
    /// The proof as snark-verifier's `Snark`, after checking that it verifies on its own and
    /// comes from the aggregation SRS's ceremony: the aggregation circuit defers the pairing, so
    /// a proof that fails it would only show as an aggregate no verifier accepts.
    pub fn to_snark(&self, index: usize, aggregation_srs: &Srs) -> Result<Snark> {
        let label = self.label.clone();
        if self.srs.k() > aggregation_srs.k() {
            return Err(AggregationError::SrsTooSmall {
                index,
                label,
                needed: self.srs.k(),
                available: aggregation_srs.k(),
            });
        }
        if !same_ceremony(self.srs, aggregation_srs) {
            return Err(AggregationError::OtherCeremony { index, label });
        }
        if !verifies(self.srs, self.vk, &self.instances, &self.proof) {
            let reason = "not a valid proof for its public instances with the Poseidon transcript (prove it with --for-aggregation)".into();
            return Err(AggregationError::InvalidInner { index, label, reason });
        }
        let config = Config::kzg().with_num_instance(vec![self.instances.len()]);
        let protocol = compile(self.srs, self.vk, config);
        Ok(Snark::new(protocol, vec![self.instances.clone()], self.proof.clone()))
    }
}
