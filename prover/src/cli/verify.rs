use super::{print_json, progress::step};
use std::path::PathBuf;
use zkinfer::{ProofBundle, VerifyingKeyFile};

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    vk: PathBuf,
    #[arg(long)]
    proof: PathBuf,
}

pub fn run(a: Args, json: bool) -> anyhow::Result<()> {
    if super::aggregate::is_aggregate_key(&a.vk)? {
        return super::aggregate::verify(&a.vk, &a.proof, json);
    }
    let key = VerifyingKeyFile::load(&a.vk)?;
    let bundle = ProofBundle::load(&a.proof)?;
    let (result, time) = step("verifying", json, || zkinfer::verify(&key, &bundle));
    result?;
    if json {
        print_json(&serde_json::json!({
            "verified": true, "model": key.info.model_name, "outputs": bundle.outputs, "verify_seconds": time.as_secs_f64(),
            "input_commitment": bundle.input_commitment, "input_owner": bundle.input_owner, "output_commitment": bundle.output_commitment, "params_commitment": bundle.params_commitment,
            "params_pin": key.info.params_pin, "caveats": key.info.caveats(),
            // public input instances are q / 2^scale, per element where features have their own
            "input_scale": key.info.input.scale, "input_element_scales": key.info.input.element_scales,
        }));
    } else {
        println!("verified: the proof is valid for model '{}' ({:.3}s)", key.info.model_name, time.as_secs_f64());
        for o in &bundle.outputs {
            let values: Vec<String> = o.values.iter().map(|&v| o.format(v, 6)).collect();
            println!("  {} ({}) = [{}]", o.name, o.dtype, values.join(", "));
        }
        if let Some(owner) = &bundle.input_owner {
            println!("  owner of the salted input: {owner}");
        }
        for (what, c) in bundle.commitments() {
            if let Some(c) = c {
                println!("  Poseidon commitment to the {what}: {c}");
            }
        }
        for caveat in key.info.caveats() {
            println!("note: {caveat}");
        }
    }
    Ok(())
}
