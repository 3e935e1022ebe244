//! `zkinfer prove`: checks the input (its size, its range, the outputs it may say to expect)
//! before loading the key, proves, and prints the proved outputs beside the float reference and
//! the expected outputs.

use super::{print_json, progress::step};
use std::path::{Path, PathBuf};
use zkinfer::compile::FloatReference;
use zkinfer::expected::{self, Mismatch};
use zkinfer::files::check_outputs;
use zkinfer::input::{read_input_file, Input};
use zkinfer::profile::ProveProfile;
use zkinfer::proof::Transcript;
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
    /// Also split the proof's time into its parts (synthesis and advice commitments; lookups,
    /// permutation, quotient and openings) and set it beside this machine's floor at the model's
    /// k (one MSM per commitment, one extended-domain FFT per polynomial the quotient reads).
    #[arg(long)]
    profile: bool,
    /// Write bench.json, bench.md and the SVG charts (rows per layer; the breakdown beside its
    /// floor) into this folder; implies --profile.
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
    /// Prove with the Poseidon transcript, for `zkinfer aggregate` (verified in Rust and inside
    /// an aggregate; the model's own Solidity verifier replays Keccak and does not accept it).
    #[arg(long, conflicts_with_all = ["profile", "report"])]
    for_aggregation: bool,
}

pub fn run(a: Args, json: bool) -> anyhow::Result<()> {
    check_outputs(
        &[("-o/--output", &a.output)],
        &[("the compiled model", &a.model), ("--pk", &a.pk), ("--input", &a.input)],
    )?;
    if let Some(dir) = &a.report {
        zkinfer::report::prepare_dir(dir)?;
    }
    let compiled = CompiledModel::load(&a.model)?;
    let input = read_input_file(&a.input)?;
    let outputs = check_input(&compiled, &input, &a.input)?;
    let (key, load_time) = step("loading the proving key", json, || ProvingKeyFile::load(&a.pk));
    let key = key?;
    let profiling = a.profile || a.report.is_some();
    let (proved, prove_time) = step("proving", json, || {
        if a.for_aggregation {
            let opening = input.opening.as_ref();
            let bundle = zkinfer::proof::prove_opened(&compiled, &key, &input.values, opening, Transcript::Poseidon)?;
            Ok((bundle, None))
        } else {
            prove_once(&compiled, &key, &input, profiling)
        }
    });
    let (bundle, profile) = proved?;
    bundle.save(&a.output)?;
    let report_files = match (&a.report, &profile) {
        (Some(dir), Some(profile)) => write_report(dir, &compiled, &bundle, profile)?,
        _ => Vec::new(),
    };
    let reference = compiled.source_reference(&input.values);
    let mismatches = input.expected.as_ref().map(|e| expected::compare(&compiled, &outputs, e)).unwrap_or_default();
    for m in &mismatches {
        eprintln!("warning: {}", m.warning());
    }
    if json {
        let warnings: Vec<String> = mismatches.iter().map(Mismatch::warning).collect();
        let expected_output = input.expected.as_ref().map(|e| serde_json::json!({ "values": e, "tolerances": expected::tolerances(&compiled), "mismatches": mismatches }));
        print_json(&serde_json::json!({
            "proof": a.output, "outputs": bundle.outputs, "input_commitment": bundle.input_commitment, "input_owner": bundle.input_owner, "output_commitment": bundle.output_commitment, "params_commitment": bundle.params_commitment,
            "float_reference": reference.outputs, "reference_source": reference.describe(), "expected_output": expected_output, "warnings": warnings,
            "proof_bytes": bundle.proof.len() / 2, "prove_seconds": prove_time.as_secs_f64(), "key_load_seconds": load_time.as_secs_f64(),
            "profile": profile, "report": report_files,
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
    if let Some(profile) = &profile {
        super::bench::print_profile(profile);
    }
    if !report_files.is_empty() {
        let names: Vec<String> = report_files.iter().map(|p| p.display().to_string()).collect();
        println!("report: {}", names.join(", "));
    }
    print_outputs(&compiled, &bundle, &reference, input.expected.as_deref());
    Ok(())
}

/// One proof; with `profiling`, its parts timed and the floor measured (which adds a partial
/// proof's synthesis and the floor's MSMs and FFTs to the time `prove` reports).
fn prove_once(
    compiled: &CompiledModel,
    key: &ProvingKeyFile,
    input: &Input,
    profiling: bool,
) -> zkinfer::Result<(ProofBundle, Option<ProveProfile>)> {
    let opening = input.opening.as_ref();
    if profiling {
        let (profile, bundle) = zkinfer::profile::profile(compiled, key, &input.values, opening)?;
        Ok((bundle, Some(profile)))
    } else {
        Ok((zkinfer::proof::prove_opened(compiled, key, &input.values, opening, Transcript::Evm)?, None))
    }
}

/// The profiled proof's report: the circuit, the proof's time and size, this process's peak RSS.
fn write_report(
    dir: &Path,
    compiled: &CompiledModel,
    bundle: &ProofBundle,
    profile: &ProveProfile,
) -> anyhow::Result<Vec<PathBuf>> {
    let st = zkinfer_circuits::circuit::cost::stats(&compiled.model, compiled.params);
    let mut report = zkinfer::report::circuit_fields(compiled, &st);
    report.insert("prove_s".into(), serde_json::json!(profile.total_s));
    report.insert("peak_rss_mib".into(), serde_json::json!(super::bench::peak_rss_mib()));
    report.insert("proof_bytes".into(), serde_json::json!(bundle.proof.len() / 2));
    report.insert("profile".into(), serde_json::json!(profile));
    let report = serde_json::Value::Object(report);
    Ok(zkinfer::report::write_bench_report(dir, &compiled.name, &report, &st.layers, profile)?)
}

/// The input's size, the outputs it says to expect, and that the model evaluates on it (range,
/// lookup tables), before the proving key is loaded; errors name the file. Returns the outputs
/// (dequantized) the proof will show.
fn check_input(compiled: &CompiledModel, input: &Input, path: &Path) -> anyhow::Result<Vec<Vec<f64>>> {
    compiled.check_input_shape(input, path)?;
    if let Some(e) = &input.expected {
        expected::check_shape(compiled, e, path)?;
    }
    let model = &compiled.model;
    // a salted input's owner and salt are refused here, before the key loads, when missing or unused
    zkinfer::proof::input_commitment(compiled, &input.values, input.opening.as_ref())
        .map_err(|e| zkinfer::ZkError::Input { path: path.display().to_string(), reason: e.to_string() })?;
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
    if let Some(owner) = &bundle.input_owner {
        println!("owner of the salted input (a public instance): {owner}");
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
