use super::print_json;
use std::path::PathBuf;
use zkinfer::{input::read_input_file, CompiledModel};

#[derive(clap::Args)]
pub struct Args {
    /// The compiled model (its input scale decides the quantized values that are hashed).
    model: PathBuf,
    /// The input, `{"input_data": [[...]]}` (with "owner" and "salt" for a salted input): print
    /// its commitment.
    #[arg(long, required_unless_present = "params")]
    input: Option<PathBuf>,
    /// Print the commitment to the model's parameters instead (for `--param-visibility hashed`).
    #[arg(long, conflicts_with = "input")]
    params: bool,
}

/// The Poseidon commitment a proof with hashed input (or parameters) exposes: what an oracle
/// registers on-chain for a borrower's features, or what a contract pins to pin the model.
pub fn run(a: Args, json: bool) -> anyhow::Result<()> {
    let compiled = CompiledModel::load(&a.model)?;
    let (what, commitment) = match &a.input {
        Some(path) => {
            let input = read_input_file(path)?;
            compiled.check_input_shape(&input, path)?;
            let commitment = zkinfer::proof::input_commitment(&compiled, &input.values, input.opening.as_ref())
                .map_err(|e| zkinfer::ZkError::Input { path: path.display().to_string(), reason: e.to_string() })?;
            ("input_commitment", commitment)
        }
        None => ("params_commitment", zkinfer::proof::params_commitment(&compiled)),
    };
    if json {
        print_json(&serde_json::json!({ what: commitment }));
    } else {
        println!("{commitment}");
    }
    Ok(())
}
