//! Proof aggregation: many zkinfer proofs verified inside one halo2 circuit, so that one
//! on-chain verification stands for all of them.
//!
//! The pipeline, one module per step:
//! - [`inner`]: the proofs to aggregate. The aggregation circuit replays each proof's
//!   Fiat–Shamir transcript in-circuit, where Keccak would cost millions of rows, so these proofs
//!   use snark-verifier's Poseidon transcript instead of the Keccak `EvmTranscript` of proofs
//!   verified on-chain directly; everything else (SHPLONK, the keys, the instances) is the same.
//! - [`circuit`]: snark-verifier-sdk's `AggregationCircuit`. It checks every inner proof except
//!   its final pairing, and folds those pairings into one KZG accumulator: two G1 points whose 12
//!   limbs are the first public instances; the inner proofs' instances follow, in order. Its keys
//!   pin the inner verifying keys (`VerifierUniversality::None`): only proofs of those models, in
//!   that order, aggregate under them.
//! - [`accumulator`]: decoding the limbs and the deferred pairing `e(lhs, g2) = e(rhs, s·g2)`.
//! - [`verify`]: the aggregate proof (Keccak transcript, as on-chain) and its accumulator.
//!
//! One SRS for all: the accumulator is decided with the aggregation SRS's `g2` and `s·g2`, so the
//! inner proofs must come from the same ceremony (the aggregation SRS cut to their k), or the
//! pairing fails. [`same_ceremony`] checks that before any proving.

pub mod accumulator;
pub mod circuit;
pub mod inner;
pub mod shplonk;
pub mod verify;

use halo2_proofs::{
    halo2curves::bn256::{Bn256, G1Affine},
    poly::{
        commitment::{Params, ParamsProver},
        kzg::commitment::ParamsKZG,
    },
};
use thiserror::Error;

pub use snark_verifier_sdk::halo2::aggregation::AggregationConfigParams;
pub use snark_verifier_sdk::snark_verifier::halo2_base::gates::circuit::builder::BaseCircuitBuilder;
pub use snark_verifier_sdk::Snark;

pub type Srs = ParamsKZG<Bn256>;

/// The accumulator's public instances: two G1 points, two coordinates each, 3 limbs of 88 bits.
pub const ACCUMULATOR_LIMBS: usize = 4 * snark_verifier_sdk::LIMBS;

#[derive(Debug, Error)]
pub enum AggregationError {
    #[error("nothing to aggregate: give at least one proof")]
    NoProofs,
    #[error("proof #{index} ({label}) does not verify on its own: {reason}")]
    InvalidInner { index: usize, label: String, reason: String },
    #[error("proof #{index} ({label}) was made with an SRS from another ceremony than the aggregation SRS: its g2 and s·g2 (or first G1 powers) differ, so the aggregated pairing could never hold. Prove it with the aggregation SRS (setup cuts a larger SRS to the model's k)")]
    OtherCeremony { index: usize, label: String },
    #[error("proof #{index} ({label}) needs 2^{needed} rows, the aggregation SRS has 2^{available}")]
    SrsTooSmall { index: usize, label: String, needed: u32, available: u32 },
    #[error("the aggregation circuit does not fit 2^{k} rows with the SRS given: {reason}")]
    Layout { k: u32, reason: String },
    #[error("aggregation proving failed: {0}")]
    Prove(String),
}

pub type Result<T, E = AggregationError> = std::result::Result<T, E>;

/// Whether `small` is `big` cut to a smaller k: the same `g2`, `s·g2` and first G1 powers.
pub fn same_ceremony(small: &Srs, big: &Srs) -> bool {
    let g = |srs: &Srs| srs.get_g().iter().take(2).copied().collect::<Vec<G1Affine>>();
    small.k() <= big.k() && small.g2() == big.g2() && small.s_g2() == big.s_g2() && g(small) == g(big)
}

/// Runs `f`, turning a panic inside halo2 or snark-verifier (a witness that cannot be
/// synthesized, a corrupted key or proof they read) into an error message, printing nothing.
pub fn catching<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(previous);
    result.map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic without a message".into())
    })
}
