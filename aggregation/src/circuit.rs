//! The aggregation circuit's keys and proofs (snark-verifier-sdk's `AggregationCircuit` over
//! SHPLONK inner proofs).
//!
//! Its layout depends only on the inner verifying keys and their number, not on the proofs: the
//! keys made once for a list of models verify every later aggregate of proofs of those models in
//! that order. halo2-base lays out its cells itself, so proving replays the key generation's
//! break points (where each column's cells wrap), kept in [`AggregationLayout`].
//!
//! Two [`Layer`]s: the first verifies model proofs; a compression layer verifies the aggregates
//! of the layer below (proved with the Poseidon transcript for it; one, or several first-layer
//! aggregates of groups of proofs) at a larger k, in a few columns, so that its verifier
//! on-chain costs the same whatever the number of model proofs. It folds their accumulators into
//! its own and exposes the same instances: its accumulator, then every model proof's instances in
//! order (the accumulator limbs of the aggregates below are not repeated).

use crate::shplonk;
use crate::{catching, AggregationError, Result, Srs};
use halo2_proofs::{
    halo2curves::bn256::{Fr, G1Affine},
    plonk::{keygen_pk, keygen_vk, ProvingKey, VerifyingKey},
    poly::commitment::Params,
    transcript::{EncodedChallenge, TranscriptWriterBuffer},
};
use serde::{Deserialize, Serialize};
use snark_verifier_sdk::halo2::aggregation::{AggregationCircuit, AggregationConfigParams, VerifierUniversality};
use snark_verifier_sdk::snark_verifier::halo2_base::gates::circuit::CircuitBuilderStage;
use snark_verifier_sdk::{CircuitExt, Snark, SHPLONK};

/// The aggregation circuit's type, for reading its keys.
pub type Circuit = AggregationCircuit;

/// What an aggregation circuit verifies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Layer {
    /// Model proofs.
    #[default]
    Models,
    /// Aggregates of the layer below, whose accumulators it folds into its own.
    Compression,
}

/// What proving needs besides the proving key: the columns chosen at key generation and where
/// each column's cells wrap.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AggregationLayout {
    pub config: AggregationConfigParams,
    pub break_points: Vec<Vec<usize>>,
    /// The number of public instances: the accumulator's limbs, then every inner instance.
    pub num_instances: usize,
    #[serde(default)]
    pub layer: Layer,
}

/// The aggregation circuit over `snarks` at `stage`, exposing the inner instances after the
/// accumulator (without the accumulator limbs of an inner aggregate, which it folds).
fn circuit(
    stage: CircuitBuilderStage,
    config: AggregationConfigParams,
    srs: &Srs,
    snarks: &[Snark],
    layer: Layer,
) -> AggregationCircuit {
    let mut circuit =
        AggregationCircuit::new::<SHPLONK>(stage, config, srs, snarks.iter().cloned(), VerifierUniversality::None);
    circuit.expose_previous_instances(layer == Layer::Compression);
    circuit
}

/// The smallest aggregation SRS: verifying one proof in-circuit takes millions of cells, which
/// below 2^18 rows would need hundreds of advice columns (keys and proofs too slow to be of use).
pub const MIN_K: u32 = 18;

/// The aggregation keys for `snarks` (placeholders from [`crate::inner::placeholder`] do: key
/// generation reads only their verifying keys and instance counts), sized at the SRS's k. With
/// `with_pk` false only the verifying key is made (a verifier's `aggregate-setup`).
pub fn keygen(srs: &Srs, snarks: &[Snark], with_pk: bool, layer: Layer) -> Result<(Keys, AggregationLayout)> {
    if snarks.is_empty() {
        return Err(AggregationError::NoProofs);
    }
    let k = srs.k();
    if k < MIN_K {
        return Err(AggregationError::Layout {
            k,
            reason: format!("aggregation needs an SRS of k ≥ {MIN_K} (20 for a few small proofs): `zkinfer srs gen --k 20`, then set up the models with it"),
        });
    }
    // halo2-base's range checks look up (k − 1)-bit limbs in a table of 2^(k−1) rows
    let sizing = AggregationConfigParams { degree: k, lookup_bits: k as usize - 1, ..Default::default() };
    let layout = |e: String| AggregationError::Layout { k, reason: e };
    let (keygen_circuit, config) = catching(|| {
        let mut c = circuit(CircuitBuilderStage::Keygen, sizing, srs, snarks, layer);
        let config = c.calculate_params(Some(10));
        (c, config)
    })
    .map_err(layout)?;
    let vk = keygen_vk(srs, &keygen_circuit).map_err(|e| layout(format!("{e:?}")))?;
    let keys = if with_pk {
        Keys::Proving(Box::new(keygen_pk(srs, vk, &keygen_circuit).map_err(|e| layout(format!("{e:?}")))?))
    } else {
        Keys::Verifying(Box::new(vk))
    };
    let num_instances = keygen_circuit.num_instance()[0];
    let break_points = keygen_circuit.break_points().into_iter().collect();
    Ok((keys, AggregationLayout { config, break_points, num_instances, layer }))
}

/// An aggregation circuit's keys: its verifying key alone, or its proving key, which holds the
/// verifying key. Never both apart: halo2's verifying key carries its domain's FFT tables (about
/// 1.8 GB at k = 22), and a second copy beside the proving key would add that to the prover's peak.
pub enum Keys {
    Verifying(Box<VerifyingKey<G1Affine>>),
    Proving(Box<ProvingKey<G1Affine>>),
}

impl Keys {
    pub fn pk(&self) -> Option<&ProvingKey<G1Affine>> {
        match self {
            Keys::Verifying(_) => None,
            Keys::Proving(pk) => Some(pk),
        }
    }

    /// The verifying key, the proving key (if any) dropped.
    pub fn into_vk(self) -> VerifyingKey<G1Affine> {
        match self {
            Keys::Verifying(vk) => *vk,
            Keys::Proving(pk) => pk.get_vk().clone(),
        }
    }
}

/// Proves the aggregate of `snarks` over transcript `T` (Keccak for the EVM, Poseidon for an
/// aggregate a compression layer verifies); returns its public instances (accumulator limbs,
/// then the inner instances) and the proof.
pub fn prove<E, T>(
    srs: &Srs,
    pk: &ProvingKey<G1Affine>,
    layout: &AggregationLayout,
    snarks: &[Snark],
) -> Result<(Vec<Fr>, Vec<u8>)>
where
    E: EncodedChallenge<G1Affine>,
    T: TranscriptWriterBuffer<Vec<u8>, G1Affine, E>,
{
    let prover = catching(|| {
        circuit(CircuitBuilderStage::Prover, layout.config, srs, snarks, layout.layer)
            .use_break_points(layout.break_points.clone())
    })
    .map_err(AggregationError::Prove)?;
    let instances = prover.instances().remove(0);
    if instances.len() != layout.num_instances {
        return Err(AggregationError::Prove(format!(
            "these proofs give {} public instances, the aggregation keys {}: aggregate proofs of the models the keys were made for",
            instances.len(),
            layout.num_instances
        )));
    }
    let proof = shplonk::prove::<_, _, T>(srs, pk, prover, &instances).map_err(AggregationError::Prove)?;
    Ok((instances, proof))
}
