//! Subcommands of `zkinfer`, one file each. Human-readable text goes to stdout, progress to
//! stderr; `--json` prints one JSON object to stdout instead of text.

mod bench;
mod calldata;
mod commit;
mod compile;
mod evm_verify;
mod gen_verifier;
mod inspect;
mod progress;
mod prove;
mod setup;
mod srs;
mod verify;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "zkinfer", version, about = "Zero-knowledge proofs of ONNX model inference (halo2, KZG on BN254)")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import an ONNX model, calibrate and quantize it, and size its circuit.
    Compile(compile::Args),
    /// Generate or inspect a KZG structured reference string.
    #[command(subcommand)]
    Srs(srs::Command),
    /// Generate the proving and verifying keys of a compiled model.
    Setup(setup::Args),
    /// Prove one inference.
    Prove(prove::Args),
    /// Verify a proof.
    Verify(verify::Args),
    /// The Poseidon commitment to an input (or to the parameters), as a hashed proof exposes it.
    Commit(commit::Args),
    /// Show a compiled model's circuit: k, rows, columns, lookups, per layer.
    Inspect(inspect::Args),
    /// Write the Solidity verifier of a verifying key.
    GenVerifier(gen_verifier::Args),
    /// ABI-encoded calldata and decimal instances of a proof, for cast, ethers or a contract test.
    Calldata(calldata::Args),
    /// Verify a proof with the generated Solidity verifier on an in-process EVM; report gas.
    EvmVerify(evm_verify::Args),
    /// Run the whole pipeline on a model and report circuit size, times, memory, proof size, error.
    Bench(bench::Args),
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Compile(a) => compile::run(a),
        Command::Srs(c) => srs::run(c),
        Command::Setup(a) => setup::run(a),
        Command::Prove(a) => prove::run(a),
        Command::Verify(a) => verify::run(a),
        Command::Commit(a) => commit::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::GenVerifier(a) => gen_verifier::run(a),
        Command::Calldata(a) => calldata::run(a),
        Command::EvmVerify(a) => evm_verify::run(a),
        Command::Bench(a) => bench::run(a),
    }
}

/// Prints `value` as JSON on stdout.
fn print_json(value: &serde_json::Value) {
    println!("{}", serde_json::to_string_pretty(value).expect("serializable"));
}
