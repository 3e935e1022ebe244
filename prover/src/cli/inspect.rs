use super::print_json;
use std::path::PathBuf;
use zkinfer::CompiledModel;
use zkinfer_circuits::circuit::cost::stats;

#[derive(clap::Args)]
pub struct Args {
    /// The compiled model (.zkc).
    model: PathBuf,
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let compiled = CompiledModel::load(&a.model)?;
    let st = stats(&compiled.model, compiled.params);
    if a.json {
        print_json(&serde_json::json!({ "model": compiled.name, "digest": compiled.digest(), "circuit": st, "accuracy": compiled.accuracy }));
        return Ok(());
    }
    println!("model '{}' (digest {})", compiled.name, &compiled.digest()[..16]);
    println!("k = {} ({} rows, {} usable, {} used)", st.params.k, 1usize << st.params.k, st.usable_rows, st.used_rows);
    println!("columns: {} advice, {} fixed, {} selectors, {} instance; {} lookup arguments over a {}-row table; max gate degree {}", st.advice_columns, st.fixed_columns, st.selectors, st.instance_columns, st.lookup_arguments, st.lookup_table_rows, st.max_gate_degree);
    println!("public instances: {}", st.public_instances);
    println!("{:<24} {:<16} {:<16} {:>6} {:>8} {:>8}", "layer", "op", "shape", "scale", "rows", "lookups");
    for l in &st.layers {
        println!("{:<24} {:<16} {:<16} {:>6} {:>8} {:>8}", truncate(&l.name, 24), l.op, format!("{:?}", l.shape), l.scale, l.rows, l.lookups);
    }
    Ok(())
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}
