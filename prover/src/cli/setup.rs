//! `zkinfer setup`: the SRS fitted to the model's k (downsized and cached when larger), then the
//! proving and verifying keys.

use super::{print_json, progress::step};
use std::path::{Path, PathBuf};
use std::time::Duration;
use zkinfer::files::check_outputs;
use zkinfer::srs::{self, Downsizing, Srs};
use zkinfer::CompiledModel;

#[derive(clap::Args)]
pub struct Args {
    /// The compiled model (.zkc).
    model: PathBuf,
    /// The SRS file (from `zkinfer srs gen` or a trusted setup, standard halo2 params format).
    /// A larger one is downsized to the model's k, and the result cached beside it.
    #[arg(long)]
    srs: PathBuf,
    #[arg(long, default_value = "pk.bin")]
    pk: PathBuf,
    #[arg(long, default_value = "vk.bin")]
    vk: PathBuf,
}

pub fn run(a: Args, json: bool) -> anyhow::Result<()> {
    check_outputs(&[("--pk", &a.pk), ("--vk", &a.vk)], &[("the compiled model", &a.model), ("--srs", &a.srs)])?;
    let compiled = CompiledModel::load(&a.model)?;
    let k = compiled.params.k;
    let ((srs, file_k, downsizing), srs_time) = fit_srs(&a.srs, k, json)?;
    let (keys, time) = step("generating proving and verifying keys", json, || zkinfer::setup(&compiled, srs, &a.srs));
    let (pk, vk) = keys?;
    vk.save(&a.vk)?;
    if let Err(e) = pk.save(&a.pk) {
        let _ = std::fs::remove_file(&a.vk);
        return Err(e.into());
    }
    let size = |p: &PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let srs_report = srs_json(&a.srs, file_k, k, &downsizing, srs_time);
    if json {
        print_json(&serde_json::json!({
            "pk": a.pk, "vk": a.vk, "k": k, "keygen_seconds": time.as_secs_f64(), "pk_bytes": size(&a.pk), "vk_bytes": size(&a.vk), "srs": srs_report,
        }));
        return Ok(());
    }
    if let Some(line) = downsizing_line(file_k, k, &downsizing, srs_time) {
        println!("{line}");
    }
    println!(
        "keys for k = {k} in {:.2}s: {} ({} bytes), {} ({} bytes)",
        time.as_secs_f64(),
        a.pk.display(),
        size(&a.pk),
        a.vk.display(),
        size(&a.vk)
    );
    Ok(())
}

/// Loads the SRS cut to `k` under a progress line that says whether it is being downsized (and
/// from the cache); a cache that cannot be written is a note, not a failure.
fn fit_srs(path: &Path, k: u32, json: bool) -> anyhow::Result<((Srs, u32, Downsizing), Duration)> {
    let file_k = srs::file_k(path)?;
    let label = match file_k {
        f if f > k && srs::cache_path(path, k).exists() => {
            format!("downsizing the SRS from k = {f} to k = {k} (cached)")
        }
        f if f > k => format!("downsizing the SRS from k = {f} to k = {k}"),
        _ => "loading the SRS".to_string(),
    };
    let (fitted, time) = step(&label, json, || srs::load_fitted(path, k));
    let fitted = fitted?;
    if let Downsizing::Uncached(reason) = &fitted.2 {
        eprintln!("note: could not cache the downsized SRS beside '{}' ({reason}); the next setup at k = {k} will downsize it again", path.display());
    }
    Ok((fitted, time))
}

fn downsizing_line(file_k: u32, k: u32, how: &Downsizing, time: Duration) -> Option<String> {
    let what = format!("the SRS downsized from k = {file_k} to k = {k} in {:.2}s", time.as_secs_f64());
    match how {
        Downsizing::None => None,
        Downsizing::Cached(cache) => Some(format!("{what} (cached: {})", cache.display())),
        Downsizing::Computed(cache) => Some(format!("{what} (now cached in {} for the next setup)", cache.display())),
        Downsizing::Uncached(_) => Some(what),
    }
}

fn srs_json(path: &Path, file_k: u32, k: u32, how: &Downsizing, time: Duration) -> serde_json::Value {
    let (cache, cached) = match how {
        Downsizing::Cached(c) => (Some(c), true),
        Downsizing::Computed(c) => (Some(c), false),
        Downsizing::None | Downsizing::Uncached(_) => (None, false),
    };
    serde_json::json!({
        "path": path, "k": file_k, "downsized_to": (file_k > k).then_some(k), "cached": cached, "cache": cache, "seconds": time.as_secs_f64(),
    })
}
