//! The verifier of one model as it is deployed: the generated `Halo2Verifier`, and the
//! `ZkinferVerifier` that gives it the stable ABI.

use crate::abi::{encode, raw_verifier_call, verify_proof_call, Token};
use crate::evm::{CallResult, Evm};
use crate::generate::raw_verifier_source;
use crate::solc::{compile_contract, Compiled, Optimizer, SolcError};
use halo2_proofs::{
    halo2curves::bn256::{Bn256, G1Affine},
    plonk::VerifyingKey,
    poly::kzg::commitment::ParamsKZG,
};
use revm::primitives::Address;

/// EIP-170: the largest runtime bytecode mainnet accepts.
pub const EIP170_LIMIT: usize = 24_576;

pub const WRAPPER_SOURCE: &str = include_str!("../contracts/ZkinferVerifier.sol");
pub const CONSUMER_SOURCE: &str = include_str!("../contracts/RiskScoreConsumer.sol");
pub const INSTANCES_SOURCE: &str = include_str!("../contracts/ZkinferInstances.sol");
pub const BATCH_SCORES_SOURCE: &str = include_str!("../contracts/BatchRiskScores.sol");

/// How the generated verifier is compiled: the opcode-level optimizer (the Yul optimizer runs out
/// of stack on it), tuned for gas — or, when that runtime exceeds EIP-170, for size (about 2%
/// smaller, 0.5% dearer to call).
pub const VERIFIER_OPTIMIZER: [Optimizer; 2] =
    [Optimizer::OpcodeOnly { runs: 100_000 }, Optimizer::OpcodeOnly { runs: 1 }];

/// What `ZkinferVerifier` pins beyond the verifying key, for a model whose parameters are witness
/// values: `keccak256` of the instances from `start` on (the parameter values or their
/// commitment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinnedParams {
    pub start: usize,
    pub digest: [u8; 32],
}

/// Solidity of a model's verifier and its compiled forms.
pub struct VerifierArtifacts {
    pub halo2_source: String,
    pub halo2: Compiled,
    pub wrapper: Compiled,
    pub num_instances: usize,
    pub pinned: Option<PinnedParams>,
}

/// Compiles a generated `Halo2Verifier` (a model's or an aggregate's) with
/// [`VERIFIER_OPTIMIZER`]: tuned for gas, or for size when that runtime is over EIP-170.
pub fn compile_verifier(halo2_source: &str) -> Result<Compiled, SolcError> {
    let sources = [("Halo2Verifier.sol", halo2_source)];
    let for_gas = compile_contract(&sources, "Halo2Verifier", VERIFIER_OPTIMIZER[0])?;
    if for_gas.runtime_size() <= EIP170_LIMIT {
        return Ok(for_gas);
    }
    compile_contract(&sources, "Halo2Verifier", VERIFIER_OPTIMIZER[1])
}

impl VerifierArtifacts {
    pub fn build(
        srs: &ParamsKZG<Bn256>,
        vk: &VerifyingKey<G1Affine>,
        num_instances: usize,
        pinned: Option<PinnedParams>,
    ) -> Result<Self, SolcError> {
        let halo2_source = raw_verifier_source(srs, vk, num_instances);
        let halo2 = compile_verifier(&halo2_source)?;
        let wrapper = compile_contract(
            &[("ZkinferVerifier.sol", WRAPPER_SOURCE)],
            "ZkinferVerifier",
            Optimizer::Full { runs: 200 },
        )?;
        Ok(Self { halo2_source, halo2, wrapper, num_instances, pinned })
    }

    pub fn fits_eip170(&self) -> bool {
        self.halo2.runtime_size() <= EIP170_LIMIT
    }

    /// `ZkinferVerifier`'s constructor arguments after the Halo2Verifier's address:
    /// `(numInstances, paramsStart, paramsDigest)`.
    pub fn constructor_args(&self) -> (usize, usize, [u8; 32]) {
        constructor_args(self.num_instances, self.pinned)
    }

    /// Deploys both contracts; returns (Halo2Verifier, ZkinferVerifier) addresses.
    pub fn deploy(&self, evm: &mut Evm) -> Result<(Address, Address), String> {
        let halo2 = evm.deploy(self.halo2.creation_bytes())?;
        let (n, start, digest) = self.constructor_args();
        let mut creation = self.wrapper.creation_bytes();
        creation.extend(encode(&[
            Token::address(halo2),
            Token::uint(n as u64),
            Token::uint(start as u64),
            Token::Word(digest),
        ]));
        Ok((halo2, evm.deploy(creation)?))
    }
}

/// One proof verified on a fresh in-process chain, through both entry points.
pub struct EvmVerification {
    /// The generated `Halo2Verifier` called with raw calldata.
    pub raw: CallResult,
    /// `ZkinferVerifier.verifyProof`.
    pub wrapped: CallResult,
}

impl EvmVerification {
    /// The raw verifier did not revert and `verifyProof` returned true.
    pub fn accepted(&self) -> bool {
        self.raw.success && self.wrapped.success && self.wrapped.output.last() == Some(&1)
    }
}

impl VerifierArtifacts {
    /// Deploys both contracts on a fresh chain (without the EIP-170 limit when
    /// `ignore_size_limit`, to measure an oversized verifier) and verifies one proof.
    pub fn verify_on_evm(
        &self,
        proof: &[u8],
        instances: &[[u8; 32]],
        ignore_size_limit: bool,
    ) -> Result<EvmVerification, String> {
        let mut evm = if ignore_size_limit { Evm::without_code_size_limit() } else { Evm::new() };
        let (raw, wrapper) = self.deploy(&mut evm).map_err(|e| format!("deploying the verifier failed: {e}"))?;
        Ok(EvmVerification {
            raw: evm.call(raw, raw_verifier_call(proof, instances))?,
            wrapped: evm.call(wrapper, verify_proof_call(proof, instances))?,
        })
    }
}

/// `(numInstances, paramsStart, paramsDigest)` for `ZkinferVerifier`: without pinned parameters,
/// `paramsStart = numInstances` and a zero digest (nothing to compare).
pub fn constructor_args(num_instances: usize, pinned: Option<PinnedParams>) -> (usize, usize, [u8; 32]) {
    pinned.map_or((num_instances, num_instances, [0; 32]), |p| (num_instances, p.start, p.digest))
}

/// One Solidity file with the generated `Halo2Verifier` and the `ZkinferVerifier` wrapper.
pub fn combined_source(halo2_source: &str) -> String {
    let wrapper_body: String = WRAPPER_SOURCE
        .lines()
        .filter(|l| !l.starts_with("// SPDX") && !l.starts_with("pragma solidity"))
        .collect::<Vec<_>>()
        .join("\n");
    format!("{}\n{}\n", halo2_source.trim_end(), wrapper_body)
}
