//! Where one proof's time goes, set beside a floor measured on this machine.
//!
//! The split halo2-axiom exposes: the first phase (synthesis — every cell assigned — and the
//! first-phase advice commitments, then the second phase's for a two-phase circuit), and the
//! rest (lookups' permuted columns and products, the permutation products, the quotient on the
//! extended domain, the openings). The floor is what the proof cannot avoid: one multi-scalar
//! multiplication of `2^k` points per committed polynomial, and one extended-domain FFT per
//! polynomial the quotient reads, each timed here (fastest of three). A proof far above its
//! floor spends its time elsewhere (the quotient's arithmetic, allocation, witness work); one
//! near it is bound by its number of columns and k: fewer columns or a smaller k are the levers.

use crate::compile::CompiledModel;
use crate::error::{Result, ZkError};
use crate::input::Opening;
use crate::keys::ProvingKeyFile;
use crate::proof::ProofBundle;
use halo2_proofs::{
    arithmetic::best_multiexp,
    halo2curves::bn256::{Bn256, Fr, G1Affine},
    halo2curves::ff::Field,
    plonk::synthesize_witness,
    poly::{commitment::ParamsProver, kzg::commitment::KZGCommitmentScheme, kzg::multiopen::ProverSHPLONK},
    transcript::TranscriptWriterBuffer,
};
use rand::rngs::OsRng;
use serde::Serialize;
use snark_verifier_sdk::snark_verifier::{loader::native::NativeLoader, system::halo2::transcript::evm::EvmTranscript};
use std::time::Instant;
use zkinfer_circuits::circuit::cost::stats;

/// One proof's time, split, and its floor (seconds).
#[derive(Clone, Debug, Serialize)]
pub struct ProveProfile {
    /// Quantized evaluation of the model (every value the circuit holds) and its instances.
    pub witness_s: f64,
    /// Synthesis and the advice commitments (both phases).
    pub advice_s: f64,
    /// The whole proof.
    pub total_s: f64,
    /// Lookups, permutation, quotient, openings: `total - advice`.
    pub rest_s: f64,
    pub floor: Floor,
}

#[derive(Clone, Debug, Serialize)]
pub struct Floor {
    /// One MSM of random scalars over the `2^k` SRS points (advice columns of small integers
    /// commit faster: this bounds a commitment from above).
    pub msm_s: f64,
    /// One polynomial of `2^k` coefficients onto the extended domain.
    pub extended_fft_s: f64,
    /// Polynomials the prover commits to: advice, three per lookup, permutation products,
    /// quotient pieces.
    pub commitments: usize,
    /// Polynomials the quotient reads on the extended domain: advice and fixed columns (before
    /// selectors are compressed into fixed ones), the permutation's sigma columns and products,
    /// three per lookup, the instance column.
    pub extended_polys: usize,
    /// `commitments · msm + extended_polys · fft`.
    pub floor_s: f64,
}

/// Proves `input` once with each part timed, and measures the floor at the key's k; returns the
/// split and the proof (a whole proof, as `prove` makes it: `zkinfer prove --profile` keeps it).
pub fn profile(
    compiled: &CompiledModel,
    key: &ProvingKeyFile,
    input: &[f64],
    opening: Option<&Opening>,
) -> Result<(ProveProfile, ProofBundle)> {
    let t = Instant::now();
    let (circuit, instances, _) = crate::proof::witnessed_circuit(compiled, input, opening)?;
    let witness_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let mut transcript = EvmTranscript::<G1Affine, NativeLoader, _, _>::init(Vec::new());
    synthesize_witness::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, _, _, _, _>(
        &key.srs,
        &key.pk,
        &[circuit],
        &[&[&instances]],
        OsRng,
        &mut transcript,
    )
    .map_err(|e| ZkError::Prove(format!("{e:?}")))?;
    let advice_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let bundle = crate::proof::prove_opened(compiled, key, input, opening, crate::proof::Transcript::Evm)?;
    let total_s = t.elapsed().as_secs_f64();
    let split = ProveProfile {
        witness_s,
        advice_s,
        total_s,
        rest_s: (total_s - advice_s).max(0.0),
        floor: floor(compiled, key),
    };
    Ok((split, bundle))
}

/// The floor at the key's k, with this circuit's counts.
fn floor(compiled: &CompiledModel, key: &ProvingKeyFile) -> Floor {
    let st = stats(&compiled.model, compiled.params);
    let n = 1usize << compiled.params.k;
    let scalars: Vec<Fr> = (0..n).map(|_| Fr::random(OsRng)).collect();
    let msm_s = fastest_of_three(|| {
        std::hint::black_box(best_multiexp(&scalars, &key.srs.get_g()[..n]));
    });
    let domain = key.pk.get_vk().get_domain();
    let poly = domain.coeff_from_vec(scalars);
    let extended_fft_s = fastest_of_three(|| {
        std::hint::black_box(domain.coeff_to_extended(&poly));
    });

    let chunk = st.max_gate_degree.saturating_sub(2).max(1);
    let products = st.permutation_columns.div_ceil(chunk);
    let quotient_pieces = st.max_gate_degree.saturating_sub(1);
    let commitments = st.advice_columns + 3 * st.lookup_arguments + products + quotient_pieces;
    let extended_polys = st.advice_columns
        + st.fixed_columns
        + st.permutation_columns
        + products
        + 3 * st.lookup_arguments
        + st.instance_columns;
    let floor_s = commitments as f64 * msm_s + extended_polys as f64 * extended_fft_s;
    Floor { msm_s, extended_fft_s, commitments, extended_polys, floor_s }
}

/// The fastest of three timed runs after a warm-up (thread pool started, memory touched).
fn fastest_of_three(mut run: impl FnMut()) -> f64 {
    run();
    (0..3)
        .map(|_| {
            let t = Instant::now();
            run();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}
