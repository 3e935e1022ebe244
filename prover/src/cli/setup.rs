use super::{print_json, progress::step};
use std::path::PathBuf;
use zkinfer::CompiledModel;

#[derive(clap::Args)]
pub struct Args {
    /// The compiled model (.zkc).
    model: PathBuf,
    /// The SRS file (from `zkinfer srs gen` or a trusted setup, standard halo2 params format).
    #[arg(long)]
    srs: PathBuf,
    #[arg(long, default_value = "pk.bin")]
    pk: PathBuf,
    #[arg(long, default_value = "vk.bin")]
    vk: PathBuf,
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let compiled = CompiledModel::load(&a.model)?;
    let srs = zkinfer::srs::load(&a.srs)?;
    let (keys, time) = step("generating proving and verifying keys", a.json, || zkinfer::setup(&compiled, srs, &a.srs));
    let (pk, vk) = keys?;
    vk.save(&a.vk)?;
    if let Err(e) = pk.save(&a.pk) {
        let _ = std::fs::remove_file(&a.vk);
        return Err(e.into());
    }
    let size = |p: &PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    if a.json {
        print_json(
            &serde_json::json!({ "pk": a.pk, "vk": a.vk, "k": compiled.params.k, "keygen_seconds": time.as_secs_f64(), "pk_bytes": size(&a.pk), "vk_bytes": size(&a.vk) }),
        );
    } else {
        println!(
            "keys for k = {} in {:.2}s: {} ({} bytes), {} ({} bytes)",
            compiled.params.k,
            time.as_secs_f64(),
            a.pk.display(),
            size(&a.pk),
            a.vk.display(),
            size(&a.vk)
        );
    }
    Ok(())
}
