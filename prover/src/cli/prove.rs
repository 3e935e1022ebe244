//! `zkinfer prove`: checks the input (its size, its range, the outputs it may say to expect)
//! before loading the key, proves, and prints the proved outputs beside the float reference and
//! the expected outputs.

use super::{print_json, progress::step};
use std::path::{Path, PathBuf};
use zkinfer::compile::FloatReference;
use zkinfer::expected::{self, Mismatch};
use zkinfer::files::check_outputs;
use zkinfer::input::{read_input_file, Input};
use zkinfer::{CompiledModel, ProofBundle, ProvingKeyFile};

#[derive(clap::Args)]
pub struct Args {
    /// The compiled model (.zkc).
    model: PathBuf,
    #[arg(long)]
    pk: PathBuf,
    /// The input, `{"input_data": [[...]]}`; with EZKL's `"output_data": [[...], ...]` (one list
    /// per output), a proved output further from it than the model's measured error is reported.
    #[arg(long)]
    input: PathBuf,
    #[arg(short, long, default_value = "proof.json")]
    output: PathBuf,
}

pub fn run(a: Args, json: bool) -> anyhow::Result<()> {
    check_outputs(
        &[("-o/--output", &a.output)],
        &[("the compiled model", &a.model), ("--pk", &a.pk), ("--input", &a.input)],
    )?;
    let compiled = CompiledModel::load(&a.model)?;
    let input = read_input_file(&a.input)?;
    let outputs = check_input(&compiled, &input, &a.input)?;
    let (key, load_time) = step("loading the proving key", json, || ProvingKeyFile::load(&a.pk));
    let key = key?;
    let (bundle, prove_time) = step("proving", json, || zkinfer::prove(&compiled, &key, &input.values));
    let bundle = bundle?;
    bundle.save(&a.output)?;
    let reference = compiled.source_reference(&input.values);
    let mismatches = input.expected.as_ref().map(|e| expected::compare(&compiled, &outputs, e)).unwrap_or_default();
    for m in &mismatches {
        eprintln!("warning: {}", m.warning());
    }
    if json {
        let warnings: Vec<String> = mismatches.iter().map(Mismatch::warning).collect();
        let expected_output = input.expected.as_ref().map(|e| serde_json::json!({ "values": e, "tolerances": expected::tolerances(&compiled), "mismatches": mismatches }));
        print_json(&serde_json::json!({
            "proof": a.output, "outputs": bundle.outputs, "input_commitment": bundle.input_commitment, "output_commitment": bundle.output_commitment, "params_commitment": bundle.params_commitment,
            "float_reference": reference.outputs, "reference_source": reference.describe(), "expected_output": expected_output, "warnings": warnings,
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
    print_outputs(&compiled, &bundle, &reference, input.expected.as_deref());
    Ok(())
}

/// The input's size, the outputs it says to expect, and that the model evaluates on it (range,
/// lookup tables), before the proving key is loaded; errors name the file. Returns the outputs
/// (dequantized) the proof will show.
fn check_input(compiled: &CompiledModel, input: &Input, path: &Path) -> anyhow::Result<Vec<Vec<f64>>> {
    compiled.check_input_len(input.values.len(), path)?;
    if let Some(e) = &input.expected {
        expected::check_shape(compiled, e, path)?;
    }
    let model = &compiled.model;
    let witness = model.quantize_input(&input.values).and_then(|q| model.evaluate(&q));
    let witness =
        witness.map_err(|e| zkinfer::ZkError::Input { path: path.display().to_string(), reason: e.to_string() })?;
    Ok(model.dequantized_outputs(&witness))
}

fn print_outputs(
    compiled: &CompiledModel,
    bundle: &ProofBundle,
    reference: &FloatReference,
    expected: Option<&[Vec<f64>]>,
) {
    if bundle.outputs.is_empty() {
        println!("the outputs are {}: the proof file does not contain them", compiled.params.visibility.output);
    }
    for (what, c) in bundle.commitments() {
        if let Some(c) = c {
            println!("Poseidon commitment to the {what} (a public instance): {c}");
        }
    }
    if !bundle.outputs.is_empty() {
        println!("float reference: {}", reference.describe());
    }
    let also = if expected.is_some() { ", expected (the input file's output_data)" } else { "" };
    for (i, (o, f)) in bundle.outputs.iter().zip(&reference.outputs).enumerate() {
        println!("output '{}' {:?} {}: proved (quantized), float{also}", o.name, o.shape, o.dtype);
        let e = expected.and_then(|e| e.get(i));
        for (j, (p, r)) in o.values.iter().zip(f).enumerate() {
            let wanted = e.and_then(|e| e.get(j)).map_or(String::new(), |x| format!(" {:>12}", o.format(*x, 5)));
            println!(
                "  [{j:>3}] {:>12} {:>12}{wanted}   |diff| {:.5}",
                o.format(*p, 5),
                o.format(*r, 5),
                (p - r).abs()
            );
        }
        if o.values.len() > 1 {
            println!("  argmax: proved {} / float {}", argmax(&o.values), argmax(f));
        }
    }
}

fn argmax(v: &[f64]) -> usize {
    v.iter().enumerate().fold(0, |best, (i, &x)| if x > v[best] { i } else { best })
}
