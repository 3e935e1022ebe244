//! `zkinfer aggregate`, and the aggregate side of `verify`, `gen-verifier --aggregated`,
//! `evm-verify` and `calldata`.

use super::{print_json, progress::step};
use clap::builder::TypedValueParser;
use std::path::{Path, PathBuf};
use zkinfer::aggregate::{AggregationSrs, Compression};
use zkinfer::files::{check_outputs, AGGREGATE_VK};
use zkinfer::{AggregateBundle, AggregateKeyFile, ProofBundle, VerifyingKeyFile};
use zkinfer_aggregation::ACCUMULATOR_LIMBS;
use zkinfer_verifier_contract::abi::{raw_verifier_call, verify_proof_call, word_to_decimal};
use zkinfer_verifier_contract::deploy::{self, EIP170_LIMIT};
use zkinfer_verifier_contract::evm::Evm;
use zkinfer_verifier_contract::generate::aggregate_verifier_source;

#[derive(clap::Args)]
pub struct Args {
    /// The proofs (`prove --for-aggregation`), in the order the aggregate carries them.
    #[arg(required = true)]
    proofs: Vec<PathBuf>,
    /// The verifying key of each proof's model: one for all, or one per proof, in order.
    #[arg(long, required = true)]
    vk: Vec<PathBuf>,
    /// The aggregation SRS (k 20 or more for a few small proofs); the inner proofs must come
    /// from the same ceremony (their setup cut this SRS, or a prefix of the same, to their k).
    #[arg(long)]
    srs: PathBuf,
    #[arg(short, long, default_value = "aggregate.json")]
    output: PathBuf,
    /// Where the aggregation verifying key goes (for `verify`, `gen-verifier --aggregated`).
    #[arg(long, default_value = "aggregate.vk")]
    out_vk: PathBuf,
    #[command(flatten)]
    layers: Layers,
}

/// How many aggregation circuits, shared by `aggregate` and `aggregate-setup` (which must agree).
#[derive(clap::Args)]
pub struct Layers {
    /// Aggregate in two layers: the proofs at --first-k, then that aggregate compressed at the
    /// SRS's k in a few columns, so the on-chain verifier costs about the same for any number of
    /// proofs (the SRS must be above --first-k: k 22 or 23 for the compression).
    #[arg(long)]
    compress: bool,
    /// With --compress: the first layer's k.
    #[arg(long, default_value_t = 20, requires = "compress")]
    first_k: u32,
    /// With --compress: at most this many proofs in one first-layer circuit; more make a tree
    /// (groups of as even a size as can be, each aggregated and compressed alone, then merged).
    /// A first layer of 8 credit-score proofs peaks at about 21 GB.
    #[arg(long, default_value_t = zkinfer::aggregate::DEFAULT_GROUP, value_parser = clap::value_parser!(u16).range(1..).map(usize::from), requires = "compress")]
    group: usize,
}

impl Layers {
    /// How the proofs are aggregated when compressed.
    pub fn compression(&self) -> Option<Compression> {
        self.compress.then_some(Compression { first_k: self.first_k, group: self.group })
    }

    /// The aggregation SRS at `path` and, compressed below its k, its cut to the first layer's k
    /// from the file's downsizing cache (made on the first run: minutes at k = 20).
    pub fn load_srs(&self, path: &Path) -> anyhow::Result<AggregationSrs> {
        let file = zkinfer::srs::SrsFile::read(path)?;
        let first_layer = match self.compression() {
            Some(c) if c.first_k < file.k() => Some(file.fitted(c.first_k)?.0),
            _ => None,
        };
        Ok(AggregationSrs { srs: file.srs()?, first_layer })
    }

    /// How the layers are sized, for messages about `n` proofs.
    pub fn describe(&self, n: usize, k: u32) -> String {
        match self.compression() {
            Some(c) if n > c.group => {
                format!(
                    "in {} groups at k = {}, each compressed, then merged, at k = {k}",
                    n.div_ceil(c.group),
                    c.first_k
                )
            }
            Some(c) => format!("at k = {}, compressed at k = {k}", c.first_k),
            None => format!("at k = {k}"),
        }
    }
}

pub fn run(a: Args, json: bool) -> anyhow::Result<()> {
    anyhow::ensure!(
        a.vk.len() == 1 || a.vk.len() == a.proofs.len(),
        "give one --vk for all {} proofs, or one per proof ({} given)",
        a.proofs.len(),
        a.vk.len()
    );
    let mut inputs: Vec<(&str, &Path)> = a.proofs.iter().map(|p| ("a proof", p.as_path())).collect();
    inputs.extend(a.vk.iter().map(|v| ("--vk", v.as_path())));
    inputs.push(("--srs", &a.srs));
    check_outputs(&[("-o/--output", &a.output), ("--out-vk", &a.out_vk)], &inputs)?;
    let bundles = a.proofs.iter().map(|p| ProofBundle::load(p)).collect::<zkinfer::Result<Vec<_>>>()?;
    let keys = a.vk.iter().map(|v| VerifyingKeyFile::load(v)).collect::<zkinfer::Result<Vec<_>>>()?;
    let pairs: Vec<_> = bundles.iter().enumerate().map(|(i, b)| (b, &keys[i.min(keys.len() - 1)])).collect();
    let srs = a.layers.load_srs(&a.srs)?;
    let k = zkinfer::srs::file_k(&a.srs)?;
    let (result, time) = step(
        &format!(
            "aggregating {} proofs {} (key generation, then the proof)",
            bundles.len(),
            a.layers.describe(bundles.len(), k)
        ),
        json,
        || zkinfer::aggregate(&pairs, srs, a.layers.compression()),
    );
    let (bundle, key) = result?;
    bundle.save(&a.output)?;
    key.save(&a.out_vk)?;
    let n = key.info.layout.num_instances;
    if json {
        print_json(&serde_json::json!({
            "output": a.output, "vk": a.out_vk, "proofs": bundles.len(), "k": k, "num_instances": n,
            "layout": key.info.layout.config, "earlier_layers": key.info.earlier_layers.iter().map(|l| l.config).collect::<Vec<_>>(),
            "groups": key.info.first_layer_groups(), "proof_bytes": bundle.proof.len() / 2, "seconds": time.as_secs_f64(),
        }));
    } else {
        println!(
            "aggregated {} proofs into {} ({} bytes, {n} public instances: {ACCUMULATOR_LIMBS} accumulator limbs, then the inner instances) in {:.1}s; verifying key {}",
            bundles.len(),
            a.output.display(),
            bundle.proof.len() / 2,
            time.as_secs_f64(),
            a.out_vk.display()
        );
    }
    Ok(())
}

/// Whether `path` is an aggregation verifying key (by its magic).
pub fn is_aggregate_key(path: &Path) -> anyhow::Result<bool> {
    Ok(zkinfer::files::read_head(path)?.0.starts_with(AGGREGATE_VK.magic))
}

/// Whether `path` is an aggregate proof (by its format tag).
pub fn is_aggregate_proof(path: &Path) -> anyhow::Result<bool> {
    let (head, _) = zkinfer::files::read_head(path)?;
    Ok(String::from_utf8_lossy(&head).contains(&format!("\"{}\"", zkinfer::aggregate::AGGREGATE_FORMAT)))
}

pub fn verify(vk: &Path, proof: &Path, json: bool) -> anyhow::Result<()> {
    let key = AggregateKeyFile::load(vk)?;
    let bundle = AggregateBundle::load(proof)?;
    let (result, time) = step("verifying the aggregate", json, || zkinfer::verify_aggregate(&key, &bundle));
    result?;
    if json {
        let inner: Vec<_> = bundle
            .proofs
            .iter()
            .zip(&key.info.inner)
            .map(|(b, info)| {
                serde_json::json!({
                    "model": b.model_name, "outputs": b.outputs, "input_commitment": b.input_commitment, "input_owner": b.input_owner,
                    "output_commitment": b.output_commitment, "params_commitment": b.params_commitment,
                    "params_pin": info.params_pin, "caveats": info.caveats(),
                })
            })
            .collect();
        print_json(&serde_json::json!({ "verified": true, "proofs": inner, "verify_seconds": time.as_secs_f64() }));
        return Ok(());
    }
    println!("verified: the aggregate of {} proofs is valid ({:.3}s)", bundle.proofs.len(), time.as_secs_f64());
    for (i, b) in bundle.proofs.iter().enumerate() {
        let outputs: Vec<String> =
            b.outputs.iter().flat_map(|o| o.values.iter().map(|&v| o.format(v, 6)).collect::<Vec<_>>()).collect();
        println!("  #{i} model '{}': outputs [{}]", b.model_name, outputs.join(", "));
        if let Some(owner) = &b.input_owner {
            println!("     owner {owner}");
        }
        for (what, commitment) in b.commitments() {
            if let Some(c) = commitment {
                println!("     {what} commitment {c}");
            }
        }
        for caveat in key.info.inner[i].caveats() {
            println!("     note: {caveat}");
        }
    }
    println!(
        "(the verifying key is yours only if you made it: `zkinfer aggregate-setup` from the model keys you trust)"
    );
    Ok(())
}

/// The aggregate's raw Solidity verifier (calldata = instances ‖ proof; reverts when invalid).
pub fn verifier_source(vk: &Path) -> anyhow::Result<(String, usize)> {
    let key = AggregateKeyFile::load(vk)?;
    let n = key.info.layout.num_instances;
    Ok((aggregate_verifier_source(&key.srs, &key.vk, n, ACCUMULATOR_LIMBS), n))
}

/// `evm-verify` of an aggregate: deploys its verifier on revm and sends the proof once.
pub fn evm_verify(vk: &Path, proof: &Path, no_size_limit: bool, json: bool) -> anyhow::Result<()> {
    let bundle = AggregateBundle::load(proof)?;
    let (proof, words) = (bundle.proof_bytes()?, bundle.instance_words()?);
    let (built, _) = step("generating and compiling the aggregate's verifier", json, || {
        anyhow::Ok(deploy::compile_verifier(&verifier_source(vk)?.0)?)
    });
    let built = built?;
    let size = built.runtime_size();
    anyhow::ensure!(
        no_size_limit || size <= EIP170_LIMIT,
        "the aggregate's verifier is {size} bytes of runtime code, over EIP-170's {EIP170_LIMIT}-byte limit: mainnet would refuse to deploy it (measure it anyway with --no-size-limit)"
    );
    let mut evm = if no_size_limit { Evm::without_code_size_limit() } else { Evm::new() };
    let address = evm.deploy(built.creation_bytes()).map_err(anyhow::Error::msg)?;
    let result = evm.call(address, raw_verifier_call(&proof, &words)).map_err(anyhow::Error::msg)?;
    let per_proof = result.gas_used / bundle.proofs.len().max(1) as u64;
    if json {
        print_json(
            &serde_json::json!({ "accepted": result.success, "raw_gas": result.gas_used, "gas_per_proof": per_proof, "proofs": bundle.proofs.len(), "runtime_bytes": size, "eip170_limit": EIP170_LIMIT }),
        );
    } else {
        println!("EVM (revm, Osaka): {} — aggregate of {} proofs, {} gas ({per_proof} per proof, whole transaction); runtime {size} bytes (EIP-170 limit {EIP170_LIMIT})", if result.success { "accepted" } else { "REJECTED" }, bundle.proofs.len(), result.gas_used);
    }
    anyhow::ensure!(result.success, "the EVM verifier rejected the aggregate");
    Ok(())
}

/// `calldata` of an aggregate: the raw verifier's calldata and the instances in decimal.
pub fn calldata(proof: &Path, json: bool) -> anyhow::Result<()> {
    let bundle = AggregateBundle::load(proof)?;
    let words = bundle.instance_words()?;
    let proof_bytes = bundle.proof_bytes()?;
    let raw_call = format!("0x{}", hex::encode(raw_verifier_call(&proof_bytes, &words)));
    let wrapped_call = format!("0x{}", hex::encode(verify_proof_call(&proof_bytes, &words)));
    let decimals: Vec<String> = words.iter().map(word_to_decimal).collect();
    if json {
        print_json(&serde_json::json!({
            "raw_calldata": raw_call, "verifyProof_calldata": wrapped_call,
            "proof": format!("0x{}", bundle.proof), "instances": decimals,
        }));
    } else {
        println!("aggregate Halo2Verifier raw calldata (instances ‖ proof):\n{raw_call}\n");
        println!(
            "instances ({}: {ACCUMULATOR_LIMBS} accumulator limbs, then the inner proofs'):\n{}",
            decimals.len(),
            decimals.join("\n")
        );
    }
    Ok(())
}
