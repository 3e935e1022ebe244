//! Subcommands of `zkinfer`, one file each. Human-readable text goes to stdout, progress and
//! warnings to stderr. `--json` (global, so every subcommand takes it) prints one JSON object on
//! stdout instead of text: `"ok": true` and the results, or, on failure, `"ok": false` and the
//! error message stderr shows.

mod aggregate;
mod aggregate_setup;
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
    /// Print one JSON object on stdout (`"ok": true` and the results, or `"ok": false` and the error).
    #[arg(long, global = true)]
    pub json: bool,
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
    /// Verify a proof, or an aggregate (given the aggregation verifying key).
    Verify(verify::Args),
    /// Aggregate proofs made with `prove --for-aggregation` into one proof, verified once.
    Aggregate(aggregate::Args),
    /// The aggregation verifying key, from the model keys you trust (verify aggregates with it).
    AggregateSetup(aggregate_setup::Args),
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
    let json = cli.json;
    match cli.command {
        Command::Compile(a) => compile::run(a, json),
        Command::Srs(c) => srs::run(c, json),
        Command::Setup(a) => setup::run(a, json),
        Command::Prove(a) => prove::run(a, json),
        Command::Verify(a) => verify::run(a, json),
        Command::Aggregate(a) => aggregate::run(a, json),
        Command::AggregateSetup(a) => aggregate_setup::run(a, json),
        Command::Commit(a) => commit::run(a, json),
        Command::Inspect(a) => inspect::run(a, json),
        Command::GenVerifier(a) => gen_verifier::run(a, json),
        Command::Calldata(a) => calldata::run(a, json),
        Command::EvmVerify(a) => evm_verify::run(a, json),
        Command::Bench(a) => bench::run(a, json),
    }
}

/// Prints a command's result object as JSON on stdout, with `"ok": true`.
fn print_json(value: &serde_json::Value) {
    let mut value = value.clone();
    if let Some(object) = value.as_object_mut() {
        object.insert("ok".into(), true.into());
    }
    println!("{}", serde_json::to_string_pretty(&value).expect("serializable"));
}

/// What `--json` prints on stdout for a failed command: the message stderr shows, `"ok": false`.
pub fn print_json_error(message: &str) {
    let value = serde_json::json!({ "ok": false, "error": message });
    println!("{}", serde_json::to_string_pretty(&value).expect("serializable"));
}
