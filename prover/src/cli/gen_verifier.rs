use super::{print_json, progress::step};
use std::path::PathBuf;
use zkinfer::{files::check_outputs, VerifyingKeyFile};
use zkinfer_verifier_contract::deploy::{combined_source, constructor_args, VerifierArtifacts, EIP170_LIMIT};
use zkinfer_verifier_contract::generate::raw_verifier_source;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    vk: PathBuf,
    #[arg(short, long, default_value = "Verifier.sol")]
    output: PathBuf,
    /// Also compile with solc-js and report the runtime size against EIP-170's limit.
    #[arg(long)]
    compile: bool,
    /// The verifier of an aggregate: `--vk` is the aggregation verifying key `aggregate` wrote.
    #[arg(long)]
    aggregated: bool,
}

pub fn run(a: Args, json: bool) -> anyhow::Result<()> {
    check_outputs(&[("-o/--output", &a.output)], &[("--vk", &a.vk)])?;
    let aggregate_key = super::aggregate::is_aggregate_key(&a.vk)?;
    match (a.aggregated, aggregate_key) {
        (true, true) => return aggregated(a, json),
        (true, false) => anyhow::bail!(
            "--vk {} is not an aggregation verifying key (`zkinfer aggregate --out-vk` writes one)",
            a.vk.display()
        ),
        (false, true) => anyhow::bail!("--vk {} is an aggregation verifying key: add --aggregated", a.vk.display()),
        (false, false) => {}
    }
    let key = VerifyingKeyFile::load(&a.vk)?;
    let n = key.info.num_instances();
    let (raw, time) = step("generating the Solidity verifier", json, || raw_verifier_source(&key.srs, &key.vk, n));
    // what is written, and counted: the raw verifier and the stable-ABI wrapper in one file
    let source = combined_source(&raw);
    zkinfer::files::write_atomic(&a.output, |w| w.write_all(source.as_bytes()))?;
    let runtime = if a.compile {
        let (built, _) = step("compiling with solc-js", json, || {
            VerifierArtifacts::build(&key.srs, &key.vk, n, key.info.pinned_params())
        });
        Some(built?.halo2.runtime_size())
    } else {
        None
    };
    let (_, params_start, digest) = constructor_args(n, key.info.pinned_params());
    let digest = format!("0x{}", hex::encode(digest));
    if json {
        print_json(&serde_json::json!({
            "output": a.output, "num_instances": n, "source_bytes": source.len(), "runtime_bytes": runtime, "eip170_limit": EIP170_LIMIT, "seconds": time.as_secs_f64(),
            "wrapper_constructor": { "numInstances": n, "paramsStart": params_start, "paramsDigest": digest }, "caveats": key.info.caveats(),
        }));
        return Ok(());
    }
    println!("wrote {} ({} bytes of Solidity): Halo2Verifier (calldata = {n} instances ‖ proof) and ZkinferVerifier (verifyProof(bytes,uint256[]))", a.output.display(), source.len());
    println!("deploy ZkinferVerifier(halo2Verifier, numInstances = {n}, paramsStart = {params_start}, paramsDigest = {digest})");
    for caveat in key.info.caveats() {
        println!("note: {caveat}");
    }
    if let Some(size) = runtime {
        let verdict = if size <= EIP170_LIMIT { "fits" } else { "EXCEEDS" };
        println!("Halo2Verifier runtime bytecode: {size} bytes, {verdict} EIP-170's {EIP170_LIMIT}-byte limit");
        if size > EIP170_LIMIT {
            println!("  mainnet will not deploy it; a model compiled with `zkinfer compile … --optimize verifier` (narrow columns, folded lookups, public values packed several per instance) has a smaller verifier");
        }
    }
    Ok(())
}

/// The aggregate's raw verifier, and with `--compile` its runtime size.
fn aggregated(a: Args, json: bool) -> anyhow::Result<()> {
    let (generated, time) =
        step("generating the aggregate's Solidity verifier", json, || super::aggregate::verifier_source(&a.vk));
    let (source, n) = generated?;
    zkinfer::files::write_atomic(&a.output, |w| w.write_all(source.as_bytes()))?;
    let runtime = if a.compile {
        let (built, _) = step("compiling with solc-js", json, || super::aggregate::compile_verifier(&source));
        Some(built?.runtime_size())
    } else {
        None
    };
    if json {
        print_json(
            &serde_json::json!({ "output": a.output, "num_instances": n, "source_bytes": source.len(), "runtime_bytes": runtime, "eip170_limit": EIP170_LIMIT, "seconds": time.as_secs_f64() }),
        );
        return Ok(());
    }
    println!("wrote {} ({} bytes of Solidity): Halo2Verifier of the aggregate (calldata = {n} instances ‖ proof; reverts unless valid)", a.output.display(), source.len());
    if let Some(size) = runtime {
        let verdict = if size <= EIP170_LIMIT { "fits" } else { "EXCEEDS" };
        println!("runtime bytecode: {size} bytes, {verdict} EIP-170's {EIP170_LIMIT}-byte limit");
    }
    Ok(())
}
