use super::print_json;
use std::path::PathBuf;
use zkinfer::CompiledModel;
use zkinfer_circuits::circuit::cost::stats;

#[derive(clap::Args)]
pub struct Args {
    /// The compiled model (.zkc).
    model: PathBuf,
}

pub fn run(a: Args, json: bool) -> anyhow::Result<()> {
    let compiled = CompiledModel::load(&a.model)?;
    let st = stats(&compiled.model, compiled.params);
    let m = &compiled.model;
    let layout = compiled.params.public_layout(
        m.input_node().len(),
        m.output_len(),
        m.param_values(compiled.params.visibility.witness_params()).len(),
    );
    if json {
        let public: Vec<_> = layout.iter().map(|(part, start, count, encoding)| serde_json::json!({ "part": part, "start": start, "instances": count, "encoding": encoding })).collect();
        print_json(
            &serde_json::json!({ "model": compiled.name, "digest": compiled.digest(), "circuit": st, "public": public, "accuracy": compiled.accuracy }),
        );
        return Ok(());
    }
    println!("model '{}' (digest {})", compiled.name, &compiled.digest()[..16]);
    println!("k = {} ({} rows, {} usable, {} used)", st.params.k, 1usize << st.params.k, st.usable_rows, st.used_rows);
    println!("columns: {} advice, {} fixed, {} selectors, {} instance; {} lookup arguments over a {}-row table; max gate degree {}", st.advice_columns, st.fixed_columns, st.selectors, st.instance_columns, st.lookup_arguments, st.lookup_table_rows, st.max_gate_degree);
    println!("public instances: {}", st.public_instances);
    for (part, start, count, encoding) in layout.iter().filter(|(_, _, count, _)| *count > 0) {
        println!("  {part}: instances {start}..{}: {encoding}", start + count);
    }
    println!("{:<24} {:<16} {:<16} {:>6} {:>8} {:>8}", "layer", "op", "shape", "scale", "rows", "lookups");
    for l in &st.layers {
        println!(
            "{:<24} {:<16} {:<16} {:>6} {:>8} {:>8}",
            truncate(&l.name, 24),
            l.op,
            format!("{:?}", l.shape),
            l.scale,
            l.rows,
            l.lookups
        );
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
