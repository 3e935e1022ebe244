use super::print_json;
use std::path::PathBuf;
use zkinfer::ProofBundle;
use zkinfer_verifier_contract::abi::{raw_verifier_call, verify_proof_call, word_to_decimal};
use zkinfer_verifier_contract::{reusable, Address};

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    proof: PathBuf,
    /// The address of the model's key contract: also print the calldata of the reusable
    /// verifier's verifyProof(address,bytes,uint256[]).
    #[arg(long, value_parser = parse_address)]
    key: Option<Address>,
}

fn parse_address(s: &str) -> Result<Address, String> {
    let hex = s.strip_prefix("0x").unwrap_or(s);
    let bytes = hex::decode(hex).map_err(|_| format!("'{s}' is not a hex address"))?;
    let bytes: [u8; 20] = bytes.try_into().map_err(|_| format!("'{s}' is not 20 bytes"))?;
    Ok(Address::from(bytes))
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
    let reusable_call = a.key.map(|key| format!("0x{}", hex::encode(reusable::verify_call(key, &proof, &words))));
    if json {
        print_json(
            &serde_json::json!({ "verifyProof_calldata": verify_call, "raw_calldata": raw_call, "reusable_calldata": reusable_call, "proof": format!("0x{}", bundle.proof), "instances": decimals }),
        );
    } else {
        if let Some(call) = reusable_call {
            println!("ZkinferReusableVerifier.verifyProof(address,bytes,uint256[]) calldata:\n{call}\n");
        }
        println!("ZkinferVerifier.verifyProof(bytes,uint256[]) calldata:\n{verify_call}\n");
        println!("Halo2Verifier raw calldata (instances ‖ proof):\n{raw_call}\n");
        println!("instances ({}):\n{}", decimals.len(), decimals.join("\n"));
    }
    Ok(())
}
