//! Draws the scale benchmark's charts from `docs/scale.json` (written by `benches/scale.py`):
//! prove time and peak RSS against multiply-adds on log-log axes, zkinfer's points beside
//! EZKL's where EZKL proved the model.
//!
//!     scale-plots docs/scale.json docs/img

use std::path::Path;
use zkinfer::report::plot::{log_log, Series};

fn points(models: &[serde_json::Value], tool: &str, field: &str) -> Vec<(f64, f64)> {
    models.iter().filter_map(|m| Some((m["multiply_adds"].as_f64()?, m.get(tool)?.get(field)?.as_f64()?))).collect()
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    anyhow::ensure!(args.len() == 2, "usage: scale-plots SCALE_JSON OUT_DIR");
    let data: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&args[0])?)?;
    let models = data["models"].as_array().cloned().unwrap_or_default();
    let out = Path::new(&args[1]);
    std::fs::create_dir_all(out)?;
    let charts = [
        ("scale_prove_time.svg", "prove time against multiply-adds", "seconds", "prove_s"),
        ("scale_peak_rss.svg", "peak RSS of proving against multiply-adds", "MiB", "prove_rss_mib"),
    ];
    for (file, title, unit, field) in charts {
        let mut series = vec![Series { name: "zkinfer", points: points(&models, "zkinfer", field) }];
        let ezkl = points(&models, "ezkl", field);
        if !ezkl.is_empty() {
            series.push(Series { name: "EZKL 23", points: ezkl });
        }
        let svg = log_log(title, "multiply-adds", unit, &series)?;
        zkinfer::files::write_atomic(&out.join(file), |w| w.write_all(svg.as_bytes()))?;
        println!("{}", out.join(file).display());
    }
    Ok(())
}
