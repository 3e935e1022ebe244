//! The verifier of one model as it is deployed: the generated `Halo2Verifier`, and the
//! `ZkinferVerifier` that gives it the stable ABI.

use crate::abi::{encode, Token};
use crate::evm::Evm;
use crate::generate::raw_verifier_source;
use crate::solc::{compile_contract, Compiled, SolcError};
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

/// Solidity of a model's verifier and its compiled forms.
pub struct VerifierArtifacts {
    pub halo2_source: String,
    pub halo2: Compiled,
    pub wrapper: Compiled,
    pub num_instances: usize,
}

impl VerifierArtifacts {
    pub fn build(srs: &ParamsKZG<Bn256>, vk: &VerifyingKey<G1Affine>, num_instances: usize) -> Result<Self, SolcError> {
        let halo2_source = raw_verifier_source(srs, vk, num_instances);
        // the generated assembly is too deep for solc's optimizer ("stack too deep"), as snark-verifier compiles it
        let halo2 = compile_contract(&[("Halo2Verifier.sol", &halo2_source)], "Halo2Verifier", None)?;
        let wrapper = compile_contract(&[("ZkinferVerifier.sol", WRAPPER_SOURCE)], "ZkinferVerifier", Some(200))?;
        Ok(Self { halo2_source, halo2, wrapper, num_instances })
    }

    pub fn fits_eip170(&self) -> bool {
        self.halo2.runtime_size() <= EIP170_LIMIT
    }

    /// Deploys both contracts; returns (Halo2Verifier, ZkinferVerifier) addresses.
    pub fn deploy(&self, evm: &mut Evm) -> Result<(Address, Address), String> {
        let halo2 = evm.deploy(self.halo2.creation_bytes())?;
        let mut creation = self.wrapper.creation_bytes();
        creation.extend(encode(&[Token::address(halo2), Token::uint(self.num_instances as u64)]));
        Ok((halo2, evm.deploy(creation)?))
    }
}

/// One Solidity file with the generated `Halo2Verifier` and the `ZkinferVerifier` wrapper.
pub fn combined_source(halo2_source: &str) -> String {
    let wrapper_body: String = WRAPPER_SOURCE.lines().filter(|l| !l.starts_with("// SPDX") && !l.starts_with("pragma solidity")).collect::<Vec<_>>().join("\n");
    format!("{}\n{}\n", halo2_source.trim_end(), wrapper_body)
}
