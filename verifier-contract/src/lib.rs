//! zkinfer-verifier-contract: the on-chain half of zkinfer.
//!
//! [`generate`] writes the Solidity verifier for a verifying key (snark-verifier's generator),
//! [`solc`] compiles Solidity with the pinned solc-js, [`deploy`] builds and deploys a model's
//! verifier behind the stable `verifyProof(bytes, uint256[])` ABI, [`evm`] runs an in-process EVM
//! (revm, Osaka rules), [`abi`] encodes calls.

pub mod abi;
pub mod deploy;
pub mod evm;
pub mod generate;
pub mod reusable;
pub mod solc;

pub use revm::primitives::Address;
