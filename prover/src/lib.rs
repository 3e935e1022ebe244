//! zkinfer: zero-knowledge proofs that an ONNX model, on a given input, produced a given output.
//!
//! The pipeline is one module per step: [`compile`] (import, quantize, size the circuit) →
//! [`srs`] → [`keys`] (setup) → [`proof`] (prove) → [`verify`]. The `zkinfer` binary is a thin
//! CLI over these functions.

pub mod aggregate;
pub mod compile;
pub mod error;
pub mod expected;
pub mod files;
pub mod input;
pub mod keys;
pub mod profile;
pub mod proof;
pub mod report;
pub mod srs;
pub mod verify;

pub use aggregate::{aggregate, verify_aggregate, AggregateBundle, AggregateKeyFile};
pub use compile::{compile, CompileOptions, CompiledModel};
pub use error::{Result, ZkError};
pub use keys::{setup, ProvingKeyFile, VerifyingKeyFile};
pub use proof::{prove, ProofBundle};
pub use verify::verify;
