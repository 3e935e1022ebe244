//! `zkinfer srs gen` and `zkinfer srs info`.

use super::{print_json, progress::step};
use halo2_proofs::poly::commitment::Params;
use std::path::PathBuf;
use zkinfer::files::check_outputs;
use zkinfer::CompiledModel;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Generate an INSECURE SRS locally, deterministic from a seed (development only).
    Gen(GenArgs),
    /// Check an SRS file (standard halo2 KZG params format) and print its size.
    Info {
        /// The SRS file.
        srs: PathBuf,
    },
}

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("size").required(true).args(["k", "for_model"])))]
pub struct GenArgs {
    /// log2 of the number of G1 powers; must be at least the circuit's k.
    #[arg(long)]
    k: Option<u32>,
    /// Take k from a compiled model (the k `zkinfer compile` chose for it).
    #[arg(long = "for", value_name = "MODEL.zkc")]
    for_model: Option<PathBuf>,
    #[arg(short, long, default_value = "srs.bin")]
    output: PathBuf,
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

pub fn run(c: Command, json: bool) -> anyhow::Result<()> {
    match c {
        Command::Gen(a) => gen(a, json),
        Command::Info { srs } => info(srs, json),
    }
}

fn gen(a: GenArgs, json: bool) -> anyhow::Result<()> {
    let inputs: Vec<(&str, &std::path::Path)> = a.for_model.iter().map(|m| ("--for", m.as_path())).collect();
    check_outputs(&[("-o/--output", &a.output)], &inputs)?;
    let k = match (&a.for_model, a.k) {
        (Some(model), _) => CompiledModel::load(model)?.params.k,
        (None, Some(k)) => k,
        (None, None) => anyhow::bail!("give --k N or --for MODEL.zkc"),
    };
    let (srs, time) =
        step(&format!("generating an SRS for k = {k}"), json, || zkinfer::srs::generate_insecure(k, a.seed));
    zkinfer::srs::save(&srs?, &a.output)?;
    eprintln!("WARNING: this SRS is INSECURE: its secret comes from seed {}, so anyone can forge proofs with it. Use it for development only; for production load an SRS from a trusted setup ceremony.", a.seed);
    if json {
        print_json(&serde_json::json!({ "output": a.output, "k": k, "insecure": true, "seconds": time.as_secs_f64() }));
    } else {
        println!("wrote {} (k = {k}) in {:.2}s", a.output.display(), time.as_secs_f64());
    }
    Ok(())
}

fn info(path: PathBuf, json: bool) -> anyhow::Result<()> {
    let params = zkinfer::srs::load(&path)?;
    if json {
        print_json(&serde_json::json!({ "path": path, "k": params.k(), "g1_powers": params.n() }));
    } else {
        println!("{}: valid KZG SRS, k = {} ({} G1 powers)", path.display(), params.k(), params.n());
    }
    Ok(())
}
