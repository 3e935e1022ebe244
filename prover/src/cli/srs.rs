use super::{print_json, progress::step};
use halo2_proofs::poly::commitment::Params;
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Generate an INSECURE SRS locally, deterministic from a seed (development only).
    Gen {
        /// log2 of the number of G1 powers; must be at least the circuit's k.
        #[arg(long)]
        k: u32,
        #[arg(short, long, default_value = "srs.bin")]
        output: PathBuf,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long)]
        json: bool,
    },
    /// Check an SRS file (standard halo2 KZG params format) and print its size.
    Info { srs: PathBuf },
}

pub fn run(c: Command) -> anyhow::Result<()> {
    match c {
        Command::Gen { k, output, seed, json } => {
            let (srs, time) = step("generating SRS", json, || zkinfer::srs::generate_insecure(k, seed));
            zkinfer::srs::save(&srs?, &output)?;
            eprintln!("WARNING: this SRS is INSECURE: its secret comes from seed {seed}, so anyone can forge proofs with it. Use it for development only; for production load an SRS from a trusted setup ceremony.");
            if json {
                print_json(
                    &serde_json::json!({ "output": output, "k": k, "insecure": true, "seconds": time.as_secs_f64() }),
                );
            } else {
                println!("wrote {} (k = {k}) in {:.2}s", output.display(), time.as_secs_f64());
            }
        }
        Command::Info { srs } => {
            let params = zkinfer::srs::load(&srs)?;
            println!("{}: valid KZG SRS, k = {} ({} G1 powers)", srs.display(), params.k(), params.n());
        }
    }
    Ok(())
}
