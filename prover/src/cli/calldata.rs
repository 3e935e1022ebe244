use super::print_json;
use std::path::PathBuf;
use zkinfer::ProofBundle;
use zkinfer_verifier_contract::abi::{raw_verifier_call, verify_proof_call, word_to_decimal};

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    proof: PathBuf,
}

/// Prints the calldata of both verifier entry points and the instances in decimal.
pub fn run(a: Args, json: bool) -> anyhow::Result<()> {
    if super::aggregate::is_aggregate_proof(&a.proof)? {
        return super::aggregate::calldata(&a.proof, json);
    }
    let bundle = ProofBundle::load(&a.proof)?;
    anyhow::ensure!(bundle.transcript.is_evm(), "{} was proved for aggregation (Poseidon transcript): no Solidity verifier accepts it on its own; aggregate it (`zkinfer aggregate`)", a.proof.display());
    let proof = bundle.proof_bytes()?;
    let words = bundle.instance_words()?;
    let verify_call = format!("0x{}", hex::encode(verify_proof_call(&proof, &words)));
    let raw_call = format!("0x{}", hex::encode(raw_verifier_call(&proof, &words)));
    let decimals: Vec<String> = words.iter().map(word_to_decimal).collect();
    if json {
        print_json(
            &serde_json::json!({ "verifyProof_calldata": verify_call, "raw_calldata": raw_call, "proof": format!("0x{}", bundle.proof), "instances": decimals }),
        );
    } else {
        println!("ZkinferVerifier.verifyProof(bytes,uint256[]) calldata:\n{verify_call}\n");
        println!("Halo2Verifier raw calldata (instances ‖ proof):\n{raw_call}\n");
        println!("instances ({}):\n{}", decimals.len(), decimals.join("\n"));
    }
    Ok(())
}
