use super::print_json;
use std::path::PathBuf;
use zkinfer::{input::read_input, CompiledModel};

#[derive(clap::Args)]
pub struct Args {
    /// The compiled model (its input scale decides the quantized values that are hashed).
    model: PathBuf,
    /// The input, `{"input_data": [[...]]}`.
    #[arg(long)]
    input: PathBuf,
    #[arg(long)]
    json: bool,
}

/// The Poseidon commitment a proof with `--input-visibility hashed` exposes for this input: what
/// an oracle registers on-chain so that a contract can bind a proof to data it never sees.
pub fn run(a: Args) -> anyhow::Result<()> {
    let compiled = CompiledModel::load(&a.model)?;
    let input = read_input(&a.input)?;
    let commitment = zkinfer::proof::input_commitment(&compiled, &input)?;
    if a.json {
        print_json(&serde_json::json!({ "input_commitment": commitment }));
    } else {
        println!("{commitment}");
    }
    Ok(())
}
