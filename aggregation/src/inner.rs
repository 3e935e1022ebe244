//! The proofs an aggregate is made of: SHPLONK proofs with snark-verifier's Poseidon transcript
//! (the one the aggregation circuit replays cheaply), and the `Snark` each becomes: its
//! verifying key compiled to snark-verifier's protocol, its instances, its proof bytes.

use crate::shplonk::{self, Poseidon};
use crate::{accumulator, same_ceremony, AggregationError, Result, Srs};
use halo2_proofs::{
    halo2curves::bn256::{Fr, G1Affine},
    plonk::VerifyingKey,
    poly::commitment::Params,
};
use snark_verifier_sdk::halo2::gen_dummy_snark_from_vk;
use snark_verifier_sdk::snark_verifier::system::halo2::{compile, Config};
use snark_verifier_sdk::{Snark, SHPLONK};

/// A stand-in for a proof of the model with verifying key `vk` and `num_instances` instances:
/// the shape key generation needs, without a proof (it does not verify). The aggregation keys
/// are made from these, so they depend on the inner verifying keys alone and anyone holding
/// those keys makes the same ones.
pub fn placeholder(srs: &Srs, vk: &VerifyingKey<G1Affine>, num_instances: usize) -> Snark {
    gen_dummy_snark_from_vk::<SHPLONK>(srs, vk, vec![num_instances], None)
}

/// The instance cells of an aggregate that hold its accumulator: a compression layer reads the
/// accumulator there and folds it (without them it would never check the first layer's pairing).
fn accumulator_indices() -> Option<Vec<(usize, usize)>> {
    <crate::circuit::Circuit as snark_verifier_sdk::CircuitExt<Fr>>::accumulator_indices()
}

/// [`placeholder`] for a first-layer aggregate with verifying key `vk`, for a compression
/// layer's key generation.
pub fn aggregate_placeholder(srs: &Srs, vk: &VerifyingKey<G1Affine>, num_instances: usize) -> Snark {
    gen_dummy_snark_from_vk::<SHPLONK>(srs, vk, vec![num_instances], accumulator_indices())
}

/// Aggregate `index` of a layer (proved with the Poseidon transcript) as a `Snark` the
/// compression layer above verifies, after checking its proof and its accumulator's pairing: the
/// compression layer defers that pairing again, so a failing one would only show as a final
/// proof no verifier accepts.
pub fn aggregate_snark(
    index: usize,
    srs: &Srs,
    vk: &VerifyingKey<G1Affine>,
    instances: Vec<Fr>,
    proof: Vec<u8>,
) -> Result<Snark> {
    let refuse = |reason: &str| AggregationError::InvalidInner {
        index,
        label: "an aggregate of the layer below".into(),
        reason: reason.into(),
    };
    if !shplonk::verifies::<_, Poseidon<&[u8]>>(srs, vk, &instances, &proof) {
        return Err(refuse("its proof does not verify (Poseidon transcript)"));
    }
    if !accumulator::decides(srs, &instances) {
        return Err(refuse("its accumulator's pairing does not hold"));
    }
    let config = Config::kzg().with_num_instance(vec![instances.len()]).with_accumulator_indices(accumulator_indices());
    Ok(Snark::new(compile(srs, vk, config), vec![instances], proof))
}

/// Whether a model set up with `srs` can be aggregated with `aggregation_srs`: a k it holds,
/// and the same ceremony (the accumulator's pairing is decided with the aggregation SRS).
pub fn fits(index: usize, label: &str, srs: &Srs, aggregation_srs: &Srs) -> Result<()> {
    let label = label.to_string();
    if srs.k() > aggregation_srs.k() {
        return Err(AggregationError::SrsTooSmall { index, label, needed: srs.k(), available: aggregation_srs.k() });
    }
    if !same_ceremony(srs, aggregation_srs) {
        return Err(AggregationError::OtherCeremony { index, label });
    }
    Ok(())
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
        fits(index, &self.label, self.srs, aggregation_srs)?;
        let label = self.label.clone();
        if !shplonk::verifies::<_, Poseidon<&[u8]>>(self.srs, self.vk, &self.instances, &self.proof) {
            let reason = "not a valid proof for its public instances with the Poseidon transcript (prove it with --for-aggregation)".into();
            return Err(AggregationError::InvalidInner { index, label, reason });
        }
        let config = Config::kzg().with_num_instance(vec![self.instances.len()]);
        let protocol = compile(self.srs, self.vk, config);
        Ok(Snark::new(protocol, vec![self.instances.clone()], self.proof.clone()))
    }
}
