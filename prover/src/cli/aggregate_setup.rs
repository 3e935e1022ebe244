//! `zkinfer aggregate-setup`: the aggregation verifying key made from the model keys a verifier
//! trusts, so that it need not take the aggregator's `aggregate.vk` (which `zkinfer aggregate`
//! writes on the prover's machine, and whose every byte `verify` would otherwise believe).

use super::{print_json, progress::step};
use std::path::{Path, PathBuf};
use zkinfer::files::check_outputs;
use zkinfer::VerifyingKeyFile;

#[derive(clap::Args)]
pub struct Args {
    /// The verifying key of each slot's model, in aggregation order (one for all with --count).
    #[arg(long, required = true)]
    vk: Vec<PathBuf>,
    /// How many proofs the aggregate holds, when one --vk stands for all of them.
    #[arg(long)]
    count: Option<usize>,
    /// The aggregation SRS the aggregator used (the models' SRS comes from the same ceremony).
    #[arg(long)]
    srs: PathBuf,
    #[arg(long, default_value = "aggregate.vk")]
    out_vk: PathBuf,
    /// As the aggregator aggregated (--compress, --first-k).
    #[command(flatten)]
    layers: super::aggregate::Layers,
}

pub fn run(a: Args, json: bool) -> anyhow::Result<()> {
    let slots = match (a.count, a.vk.len()) {
        (None, n) => n,
        (Some(n), 1) if n > 0 => n,
        (Some(n), given) => {
            anyhow::bail!("--count {n} takes exactly one --vk ({given} given) and a count of at least 1")
        }
    };
    let mut inputs: Vec<(&str, &Path)> = a.vk.iter().map(|v| ("--vk", v.as_path())).collect();
    inputs.push(("--srs", &a.srs));
    check_outputs(&[("--out-vk", &a.out_vk)], &inputs)?;
    let keys = a.vk.iter().map(|v| VerifyingKeyFile::load(v)).collect::<zkinfer::Result<Vec<_>>>()?;
    let models: Vec<&VerifyingKeyFile> = (0..slots).map(|i| &keys[i.min(keys.len() - 1)]).collect();
    let srs = a.layers.load_srs(&a.srs)?;
    let k = zkinfer::srs::file_k(&a.srs)?;
    let (result, time) = step(
        &format!("generating the aggregation verifying key for {slots} proofs {}", a.layers.describe(slots, k)),
        json,
        || zkinfer::aggregate::aggregation_keys(&models, srs, a.layers.compression()),
    );
    let key = result?;
    key.save(&a.out_vk)?;
    let n = key.info.layout.num_instances;
    if json {
        print_json(
            &serde_json::json!({ "vk": a.out_vk, "proofs": slots, "k": k, "num_instances": n, "layout": key.info.layout.config, "earlier_layers": key.info.earlier_layers.iter().map(|l| l.config).collect::<Vec<_>>(), "seconds": time.as_secs_f64() }),
        );
    } else {
        println!("wrote {} ({slots} proofs, {n} public instances) in {:.1}s: verify aggregates with it, not with the aggregator's", a.out_vk.display(), time.as_secs_f64());
    }
    Ok(())
}
