use super::{print_json, progress::step};
use std::path::PathBuf;
use zkinfer::{files::check_outputs, VerifyingKeyFile};
use zkinfer_verifier_contract::deploy::{combined_source, constructor_args, VerifierArtifacts, EIP170_LIMIT};
use zkinfer_verifier_contract::generate::raw_verifier_source;
use zkinfer_verifier_contract::reusable::{self, ReusableKey};

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
    /// The reusable verifier: `-o` gets the shared `ZkinferReusableVerifier` (the same for every
    /// model: deploy it once) and `--key-out` this model's key contract (deploy it to register the
    /// model; callers pin its address or codehash).
    #[arg(long, conflicts_with = "aggregated")]
    reusable: bool,
    /// With --reusable: the key contract's file (JSON: the creation code to deploy, its runtime
    /// size and codehash).
    #[arg(long, default_value = "verifier-key.json")]
    key_out: PathBuf,
}

pub fn run(a: Args, json: bool) -> anyhow::Result<()> {
    check_outputs(&[("-o/--output", &a.output)], &[("--vk", &a.vk)])?;
    let aggregate_key = super::aggregate::is_aggregate_key(&a.vk)?;
    anyhow::ensure!(
        !(a.reusable && aggregate_key),
        "--vk {} is an aggregation verifying key: the reusable verifier checks one model's proofs; an aggregate's verifier is `gen-verifier --aggregated`",
        a.vk.display()
    );
    match (a.aggregated, aggregate_key) {
        (true, true) => return aggregated(a, json),
        (true, false) => anyhow::bail!(
            "--vk {} is not an aggregation verifying key (`zkinfer aggregate --out-vk` writes one)",
            a.vk.display()
        ),
        (false, true) => anyhow::bail!("--vk {} is an aggregation verifying key: add --aggregated", a.vk.display()),
        (false, false) => {}
    }
    if a.reusable {
        return reusable(a, json);
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
        let (built, _) =
            step("compiling with solc-js", json, || zkinfer_verifier_contract::deploy::compile_verifier(&source));
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

/// The model's key contract for the reusable verifier (`--key-out`), as JSON.
pub fn key_json(encoded: &ReusableKey, info: &zkinfer::keys::KeyInfo) -> serde_json::Value {
    let (_, params_start, digest) = constructor_args(info.num_instances(), info.pinned_params());
    serde_json::json!({
        "format": "zkinfer-reusable-key-v2",
        "num_instances": info.num_instances(),
        "params_start": params_start,
        "params_digest": format!("0x{}", hex::encode(digest)),
        "runtime_bytes": encoded.runtime_size(),
        "codehash": format!("0x{}", hex::encode(encoded.codehash())),
        "numerator_ops": encoded.num_ops,
        "creation_code": format!("0x{}", hex::encode(encoded.creation_code())),
    })
}

/// Encodes the model's key for the reusable verifier, with a message naming what it cannot cover.
pub fn encode_key(key: &VerifyingKeyFile) -> anyhow::Result<ReusableKey> {
    ReusableKey::encode(&key.srs, &key.vk, key.info.num_instances(), key.info.pinned_params())
        .map_err(|e| anyhow::anyhow!("this model's verifying key cannot be encoded for the reusable verifier: {e}"))
}

/// `--reusable`: the shared verifier's Solidity to `-o`, the model's key contract to `--key-out`.
fn reusable(a: Args, json: bool) -> anyhow::Result<()> {
    check_outputs(&[("-o/--output", &a.output), ("--key-out", &a.key_out)], &[("--vk", &a.vk)])?;
    let key = VerifyingKeyFile::load(&a.vk)?;
    let (encoded, time) = step("encoding the key contract", json, || encode_key(&key));
    let encoded = encoded?;
    let runtime = if a.compile {
        let (built, _) = step("compiling the shared verifier with solc-js", json, reusable::compile_verifier);
        Some(built?.runtime_size())
    } else {
        None
    };
    let key_file = key_json(&encoded, &key.info);
    zkinfer::files::write_atomic(&a.key_out, |w| w.write_all(format!("{key_file:#}\n").as_bytes()))?;
    zkinfer::files::write_atomic(&a.output, |w| w.write_all(reusable::VERIFIER_SOURCE.as_bytes()))?;
    let (n, size) = (key.info.num_instances(), encoded.runtime_size());
    if json {
        print_json(&serde_json::json!({
            "output": a.output, "key_out": a.key_out, "num_instances": n, "key_runtime_bytes": size,
            "codehash": key_file["codehash"], "numerator_ops": encoded.num_ops, "source_bytes": reusable::VERIFIER_SOURCE.len(),
            "runtime_bytes": runtime, "eip170_limit": EIP170_LIMIT, "seconds": time.as_secs_f64(), "caveats": key.info.caveats(),
        }));
        return Ok(());
    }
    println!("wrote {} ({} bytes of Solidity): ZkinferReusableVerifier, verifyProof(address key, bytes proof, uint256[] instances); deploy it once for every model", a.output.display(), reusable::VERIFIER_SOURCE.len());
    println!("wrote {}: this model's key contract, {size} bytes of runtime code ({} numerator instructions, {n} instances), codehash {}", a.key_out.display(), encoded.num_ops, key_file["codehash"].as_str().unwrap_or_default());
    println!("register the model by deploying the key's creation_code; callers must pin the key's address (or its codehash): the key decides which model a proof is checked against");
    for caveat in key.info.caveats() {
        println!("note: {caveat}");
    }
    if let Some(size) = runtime {
        println!("ZkinferReusableVerifier runtime bytecode: {size} bytes (EIP-170 limit {EIP170_LIMIT})");
    }
    Ok(())
}
