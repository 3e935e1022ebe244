//! Solidity generation: snark-verifier's EVM loader turns the verifying key into a contract whose
//! `fallback` replays the Keccak transcript and runs the SHPLONK/KZG check in inline assembly.

use halo2_proofs::{
    poly::commitment::ParamsProver,
    halo2curves::bn256::{Bn256, Fq, Fr, G1Affine},
    plonk::VerifyingKey,
    poly::kzg::commitment::ParamsKZG,
};
use snark_verifier_sdk::snark_verifier::{
    loader::evm::EvmLoader,
    system::halo2::{compile, transcript::evm::EvmTranscript, Config},
    verifier::SnarkVerifier,
};
use snark_verifier_sdk::{PlonkVerifier, SHPLONK};
use std::rc::Rc;

/// The raw verifier: calldata is the `num_instances` public values (32 bytes each, big-endian)
/// followed by the proof; it returns nothing on success and reverts otherwise.
pub fn raw_verifier_source(srs: &ParamsKZG<Bn256>, vk: &VerifyingKey<G1Affine>, num_instances: usize) -> String {
    let protocol = compile(srs, vk, Config::kzg().with_num_instance(vec![num_instances]));
    let deciding_key = (srs.get_g()[0], srs.g2(), srs.s_g2()).into();
    let loader = EvmLoader::new::<Fq, Fr>();
    let protocol = protocol.loaded(&loader);
    let mut transcript = EvmTranscript::<_, Rc<EvmLoader>, _, _>::new(&loader);
    let instances = transcript.load_instances(vec![num_instances]);
    let proof = PlonkVerifier::<SHPLONK>::read_proof(&deciding_key, &protocol, &instances, &mut transcript).expect("symbolic proof reading");
    PlonkVerifier::<SHPLONK>::verify(&deciding_key, &protocol, &instances, &proof).expect("symbolic verification");
    loader.solidity_code()
}
