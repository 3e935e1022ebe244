//! What `zkinfer bench --report DIR` and `zkinfer prove --report DIR` write: the benchmark's numbers (`bench.json`), a summary
//! (`bench.md`) and the charts it embeds: rows per layer (where the circuit's size comes from)
//! and one proof's time split beside its floor (how far proving is from what it cannot avoid).

pub mod plot;

use crate::compile::CompiledModel;
use crate::error::{Result, ZkError};
use crate::files::{write_atomic, write_json};
use crate::profile::ProveProfile;
use plot::StackedBar;
use std::path::{Path, PathBuf};
use zkinfer_circuits::circuit::cost::LayerStats;
use zkinfer_circuits::CircuitStats;

/// Layers drawn one bar each; the smallest beyond this share one bar, so a deep model's chart
/// stays readable.
const MAX_LAYER_BARS: usize = 32;

/// Creates `dir` and checks that the report can be written there, before any work: a report
/// that cannot be written would waste the whole run.
pub fn prepare_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| ZkError::io("create", dir, e))?;
    crate::files::check_writable(&dir.join("bench.json"))
}

/// What the report says about the circuit, beside the timings its caller adds: the layout
/// (`k`, rows, columns, lookups, from the caller's `st`) and the largest error against the
/// float reference.
pub fn circuit_fields(compiled: &CompiledModel, st: &CircuitStats) -> serde_json::Map<String, serde_json::Value> {
    let error = compiled.accuracy.outputs.iter().map(|o| o.max_abs_error).fold(0.0, f64::max);
    use serde_json::json;
    let fields = [
        ("model", json!(compiled.name)),
        ("k", json!(st.params.k)),
        ("rows", json!(st.used_rows)),
        ("width", json!(st.params.width)),
        ("public_instances", json!(st.public_instances)),
        ("bits", json!(st.params.bits)),
        ("advice_columns", json!(st.advice_columns)),
        ("fixed_columns", json!(st.fixed_columns)),
        ("lookup_arguments", json!(st.lookup_arguments)),
        ("max_abs_error", json!(error)),
    ];
    fields.into_iter().map(|(name, value)| (name.to_string(), value)).collect()
}

/// Writes the report into `dir` (created if missing) and returns the files written.
pub fn write_bench_report(
    dir: &Path,
    model: &str,
    report: &serde_json::Value,
    layers: &[LayerStats],
    profile: &ProveProfile,
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| ZkError::io("create", dir, e))?;
    let rows_svg = plot::horizontal_bars(&format!("{model}: rows per layer"), "rows", &layer_bars(layers))
        .map_err(|e| ZkError::io("write", &dir.join("rows_by_layer.svg"), e.to_string()))?;
    let breakdown_svg = breakdown_chart(model, profile)
        .map_err(|e| ZkError::io("write", &dir.join("prove_breakdown.svg"), e.to_string()))?;
    let files = [
        (dir.join("rows_by_layer.svg"), rows_svg),
        (dir.join("prove_breakdown.svg"), breakdown_svg),
        (dir.join("bench.md"), summary(model, report, profile)),
    ];
    for (path, text) in &files {
        write_atomic(path, |w| w.write_all(text.as_bytes()))?;
    }
    let json = dir.join("bench.json");
    write_json(&json, report)?;
    Ok(files.into_iter().map(|(p, _)| p).chain([json]).collect())
}

/// Rows per layer in graph order; beyond [`MAX_LAYER_BARS`], the smallest layers are summed into
/// one last bar.
pub fn layer_bars(layers: &[LayerStats]) -> Vec<(String, f64)> {
    let label = |l: &LayerStats| format!("{} ({})", l.name, l.op);
    if layers.len() <= MAX_LAYER_BARS {
        return layers.iter().map(|l| (label(l), l.rows as f64)).collect();
    }
    let mut by_rows: Vec<usize> = (0..layers.len()).collect();
    by_rows.sort_by_key(|&i| std::cmp::Reverse(layers[i].rows));
    let kept: std::collections::BTreeSet<usize> = by_rows[..MAX_LAYER_BARS - 1].iter().copied().collect();
    let rest: usize = (0..layers.len()).filter(|i| !kept.contains(i)).map(|i| layers[i].rows).sum();
    let mut bars: Vec<(String, f64)> = kept.iter().map(|&i| (label(&layers[i]), layers[i].rows as f64)).collect();
    bars.push((format!("{} other layers", layers.len() - kept.len()), rest as f64));
    bars
}

/// Two bars: the proof as measured (witness, synthesis and advice commitments, the rest) and its
/// floor (the commitments' MSMs, the extended-domain FFTs).
fn breakdown_chart(model: &str, p: &ProveProfile) -> plot::Svg {
    let f = &p.floor;
    let bars = [
        StackedBar {
            label: "this proof",
            parts: vec![
                ("witness (quantized evaluation)", p.witness_s),
                ("synthesis + advice commitments", p.advice_s),
                ("lookups, permutation, quotient, openings", p.rest_s),
            ],
        },
        StackedBar {
            label: "floor",
            parts: vec![
                ("commitments x MSM(2^k)", f.commitments as f64 * f.msm_s),
                ("extended-domain FFTs", f.extended_polys as f64 * f.extended_fft_s),
            ],
        },
    ];
    plot::stacked_bars(
        &format!("{model}: one proof, {:.2} s, is {:.1}x its floor", p.total_s, p.total_s / f.floor_s.max(1e-9)),
        "seconds",
        &bars,
    )
}

fn summary(model: &str, report: &serde_json::Value, p: &ProveProfile) -> String {
    let field = |name: &str| report.get(name).map(|v| v.to_string()).unwrap_or_else(|| "—".into());
    let f = &p.floor;
    format!(
        "# {model}\n\n\
         | k | rows | advice | fixed | lookups | prove s | peak RSS MiB | proof B | max abs error |\n\
         |---|---|---|---|---|---|---|---|---|\n\
         | {} | {} | {} | {} | {} | {:.3} | {:.0} | {} | {} |\n\n\
         One proof, {:.3} s: witness {:.3} s, synthesis and advice commitments {:.3} s, lookups, permutation, \
         quotient and openings {:.3} s. Floor {:.3} s = {} commitments × MSM {:.4} s + {} extended-domain FFTs × \
         {:.4} s: the proof takes {:.1}× its floor.\n\n\
         ![rows per layer](rows_by_layer.svg)\n\n![prove-time breakdown](prove_breakdown.svg)\n",
        field("k"),
        field("rows"),
        field("advice_columns"),
        field("fixed_columns"),
        field("lookup_arguments"),
        report.get("prove_s").and_then(|v| v.as_f64()).unwrap_or(f64::NAN),
        report.get("peak_rss_mib").and_then(|v| v.as_f64()).unwrap_or(f64::NAN),
        field("proof_bytes"),
        field("max_abs_error"),
        p.total_s,
        p.witness_s,
        p.advice_s,
        p.rest_s,
        f.floor_s,
        f.commitments,
        f.msm_s,
        f.extended_polys,
        f.extended_fft_s,
        p.total_s / f.floor_s.max(1e-9),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(name: &str, rows: usize) -> LayerStats {
        LayerStats { name: name.into(), op: "Linear".into(), shape: vec![1], scale: 8, rows, lookups: 0 }
    }

    #[test]
    fn a_deep_model_keeps_its_largest_layers_and_sums_the_rest() {
        let layers: Vec<LayerStats> = (0..40).map(|i| layer(&format!("l{i}"), i * 10)).collect();
        let bars = layer_bars(&layers);
        assert_eq!(bars.len(), MAX_LAYER_BARS);
        assert_eq!(bars.last().unwrap().0, "9 other layers");
        assert_eq!(bars.last().unwrap().1, (0..9).map(|i| i as f64 * 10.0).sum::<f64>());
        assert_eq!(bars.iter().map(|b| b.1).sum::<f64>(), layers.iter().map(|l| l.rows as f64).sum::<f64>());
        assert!(bars[0].0.starts_with("l9 "), "graph order is kept: {}", bars[0].0);
    }

    #[test]
    fn a_small_model_has_one_bar_per_layer() {
        let bars = layer_bars(&[layer("a", 3), layer("b", 5)]);
        assert_eq!(bars, vec![("a (Linear)".to_string(), 3.0), ("b (Linear)".to_string(), 5.0)]);
    }
}
