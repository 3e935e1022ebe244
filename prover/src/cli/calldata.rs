use super::print_json;
use std::path::PathBuf;
use zkinfer::ProofBundle;
use zkinfer_verifier_contract::abi::{raw_verifier_call, verify_proof_call, word_to_decimal};

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    proof: PathBuf,
}

/// The instances of a proof bundle as 32-byte words.
pub fn instance_words(bundle: &ProofBundle) -> anyhow::Result<Vec<[u8; 32]>> {
    bundle
        .instances
        .iter()
        .map(|h| {
            let bytes = hex::decode(h.trim_start_matches("0x"))?;
            bytes.try_into().map_err(|_| anyhow::anyhow!("instance {h} is not 32 bytes"))
        })
        .collect()
}

pub fn run(a: Args, json: bool) -> anyhow::Result<()> {
    let bundle = ProofBundle::load(&a.proof)?;
    let proof = bundle.proof_bytes()?;
    let words = instance_words(&bundle)?;
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
