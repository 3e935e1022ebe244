use super::{print_json, progress::step};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use zkinfer::{input::read_input, CompiledModel, ProvingKeyFile};

#[derive(clap::Args)]
pub struct Args {
    /// The compiled model (.zkc).
    model: PathBuf,
    #[arg(long)]
    pk: PathBuf,
    /// The input, `{"input_data": [[...]]}`.
    #[arg(long)]
    input: PathBuf,
    #[arg(short, long, default_value = "proof.json")]
    output: PathBuf,
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let compiled = CompiledModel::load(&a.model)?;
    let input = read_input(&a.input)?;
    let (key, load_time) = step("loading the proving key", a.json, || ProvingKeyFile::load(&a.pk));
    let key = key?;
    let (bundle, prove_time) = step("proving", a.json, || zkinfer::prove(&compiled, &key, &input));
    let bundle = bundle?;
    bundle.save(&a.output)?;
    let (reference, source) = float_reference(&compiled, &input);
    if a.json {
        print_json(&serde_json::json!({
            "proof": a.output, "outputs": bundle.outputs, "input_commitment": bundle.input_commitment, "output_commitment": bundle.output_commitment, "params_commitment": bundle.params_commitment, "float_reference": reference, "reference_source": source,
            "proof_bytes": bundle.proof.len() / 2, "prove_seconds": prove_time.as_secs_f64(), "key_load_seconds": load_time.as_secs_f64(),
        }));
        return Ok(());
    }
    println!(
        "proof written to {} ({} bytes) in {:.2}s (+{:.2}s loading the key)",
        a.output.display(),
        bundle.proof.len() / 2,
        prove_time.as_secs_f64(),
        load_time.as_secs_f64()
    );
    if bundle.outputs.is_empty() {
        println!("the outputs are {}: the proof file does not contain them", compiled.params.visibility.output);
    }
    for (what, c) in bundle.commitments() {
        if let Some(c) = c {
            println!("Poseidon commitment to the {what} (a public instance): {c}");
        }
    }
    for (o, f) in bundle.outputs.iter().zip(&reference) {
        println!("output '{}' {:?}: proved (quantized) vs float ({source})", o.name, o.shape);
        for (i, (p, r)) in o.values.iter().zip(f).enumerate() {
            println!("  [{i:>3}] {p:>12.5} {r:>12.5}   |diff| {:.5}", (p - r).abs());
        }
        if o.values.len() > 1 {
            println!("  argmax: proved {} / float {}", argmax(&o.values), argmax(f));
        }
    }
    Ok(())
}

/// The float reference from the source ONNX file when it is still there unchanged, otherwise
/// the f64 run of the imported graph stored in the compiled model.
fn float_reference(compiled: &CompiledModel, input: &[f64]) -> (Vec<Vec<f64>>, String) {
    let path = Path::new(&compiled.source.path);
    let unchanged =
        std::fs::read(path).map(|b| hex::encode(Sha256::digest(b)) == compiled.source.sha256).unwrap_or(false);
    zkinfer::compile::float_outputs(unchanged.then_some(path), &compiled.graph, input)
}

fn argmax(v: &[f64]) -> usize {
    v.iter().enumerate().fold(0, |best, (i, &x)| if x > v[best] { i } else { best })
}
