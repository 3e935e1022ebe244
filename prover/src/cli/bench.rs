//! `zkinfer bench`: the whole pipeline on a user's model, in one process, with per-step times.

use super::print_json;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use zkinfer::{compile::CompileOptions, input::read_input};
use zkinfer_circuits::{circuit::cost::stats, QuantizeOptions};

#[derive(clap::Args)]
pub struct Args {
    /// The ONNX model.
    model: PathBuf,
    /// Sample input(s): the first is proved, all calibrate.
    #[arg(long = "input", required = true)]
    inputs: Vec<PathBuf>,
    /// Proofs to time (the median is reported).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Bits of every requantized value (default: 12, or 14/16 where that keeps k).
    #[arg(long)]
    bits: Option<u32>,
    #[arg(long)]
    width: Option<usize>,
    #[command(flatten)]
    visibility: super::compile::VisibilityArgs,
    /// What the circuit layout minimises: prover or verifier.
    #[arg(long, default_value = "prover")]
    optimize: zkinfer_circuits::circuit::cost::Objective,
    /// Also verify on an in-process EVM and report gas (needs solc-js: npm ci --prefix verifier-contract).
    #[arg(long)]
    evm: bool,
    /// Also write the report into this folder: bench.json, bench.md and SVG charts (rows per
    /// layer, one proof's time split beside its floor).
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Peak resident memory of this process so far, in MiB.
pub(super) fn peak_rss_mib() -> f64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    usage.ru_maxrss as f64 / 1024.0
}

pub fn run(a: Args, json: bool) -> anyhow::Result<()> {
    anyhow::ensure!(a.runs >= 1, "--runs must be at least 1");
    let steps = 6 + a.runs as u64 + a.evm as u64;
    let bar = if json { ProgressBar::hidden() } else { ProgressBar::new(steps) };
    bar.set_style(ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} [{elapsed}]").expect("valid template"));
    let step = |msg: &str| {
        bar.set_message(msg.to_string());
        bar.inc(1);
    };
    if let Some(dir) = &a.report {
        zkinfer::report::prepare_dir(dir)?;
    }
    let samples = a.inputs.iter().map(|p| read_input(p)).collect::<Result<Vec<_>, _>>()?;
    let opts = CompileOptions {
        quantize: QuantizeOptions { bits: a.bits.unwrap_or(12), fixed_scale: None },
        width: a.width,
        exact_bits: a.bits.is_some(),
        visibility: a.visibility.get(),
        objective: a.optimize,
        target: Default::default(),
        reference: None,
    };

    step("compiling");
    let t = Instant::now();
    let compiled =
        zkinfer::compile(&a.model, &samples, &opts).map_err(|e| super::compile::name_the_sample(e, &a.inputs))?;
    let compile_time = t.elapsed();
    let st = stats(&compiled.model, compiled.params);

    step("generating a development SRS");
    let srs = zkinfer::srs::generate_insecure(compiled.params.k, 0)?;
    step("keygen");
    let t = Instant::now();
    let (pk, vk) = zkinfer::setup(&compiled, srs, std::path::Path::new("bench-srs"))?;
    let keygen_time = t.elapsed();

    step("witness");
    let t = Instant::now();
    let q_input = compiled.model.quantize_input(&samples[0])?;
    compiled.model.evaluate(&q_input)?;
    let witness_time = t.elapsed();

    let mut prove_times = Vec::with_capacity(a.runs);
    let mut bundle = None;
    for i in 0..a.runs {
        step(&format!("proof {}/{}", i + 1, a.runs));
        let t = Instant::now();
        bundle = Some(zkinfer::prove(&compiled, &pk, &samples[0])?);
        prove_times.push(t.elapsed());
    }
    let bundle = bundle.expect("at least one run");
    let prove_time = median(prove_times);
    step("profiling one proof");
    // a salted input is measured with a stand-in owner and salt (they cost the same rows)
    let opening = (compiled.params.visibility.input == zkinfer_circuits::circuit::visibility::Visibility::Salted)
        .then_some(zkinfer::input::Opening { owner: 1.into(), salt: 2.into() });
    let (profile, _) = zkinfer::profile::profile(&compiled, &pk, &samples[0], opening.as_ref())?;
    step("verifying");
    let t = Instant::now();
    zkinfer::verify(&vk, &bundle)?;
    let verify_time = t.elapsed();
    let gas = if a.evm {
        step("EVM verification");
        let built = zkinfer_verifier_contract::deploy::VerifierArtifacts::build(
            &vk.srs,
            &vk.vk,
            vk.info.num_instances(),
            vk.info.pinned_params(),
        )?;
        let words = bundle.instance_words()?;
        // an oversized verifier is still measured (its size is reported beside the gas)
        let result =
            built.verify_on_evm(&bundle.proof_bytes()?, &words, !built.fits_eip170()).map_err(anyhow::Error::msg)?;
        anyhow::ensure!(result.accepted(), "the EVM verifier rejected the proof");
        let key = super::gen_verifier::encode_key(&vk)?;
        let reusable = zkinfer_verifier_contract::reusable::verify_on_evm(&key, &bundle.proof_bytes()?, &words)
            .map_err(anyhow::Error::msg)?;
        anyhow::ensure!(reusable.accepted(), "the reusable verifier rejected the proof");
        Some(serde_json::json!({
            "evm_gas": result.raw.gas_used, "evm_verifyProof_gas": result.wrapped.gas_used, "verifier_runtime_bytes": built.halo2.runtime_size(),
            "reusable_gas": reusable.call.gas_used, "reusable_key_bytes": key.runtime_size(), "reusable_verifier_bytes": reusable.verifier_runtime_bytes,
        }))
    } else {
        None
    };
    bar.finish_and_clear();

    let mut report = zkinfer::report::circuit_fields(&compiled, &st);
    let timings = serde_json::json!({
        "compile_s": compile_time.as_secs_f64(), "keygen_s": keygen_time.as_secs_f64(), "witness_s": witness_time.as_secs_f64(),
        "prove_s": prove_time.as_secs_f64(), "verify_s": verify_time.as_secs_f64(),
        "peak_rss_mib": peak_rss_mib(), "proof_bytes": bundle.proof.len() / 2,
        "profile": profile,
    });
    report.extend(timings.as_object().cloned().unwrap_or_default());
    report.extend(gas.as_ref().and_then(|g| g.as_object().cloned()).unwrap_or_default());
    let report = serde_json::Value::Object(report);
    if let Some(dir) = &a.report {
        let written = zkinfer::report::write_bench_report(dir, &compiled.name, &report, &st.layers, &profile)?;
        if !json {
            let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
            println!("report: {}", names.join(", "));
        }
    }
    if json {
        print_json(&report);
        return Ok(());
    }
    println!(
        "{}: k = {}, {} rows, width {}, {} advice / {} fixed columns, {} lookup arguments",
        compiled.name,
        st.params.k,
        st.used_rows,
        st.params.width,
        st.advice_columns,
        st.fixed_columns,
        st.lookup_arguments
    );
    println!(
        "compile {:.3}s, keygen {:.3}s, witness {:.3}s, prove {:.3}s (median of {}), verify {:.3}s",
        compile_time.as_secs_f64(),
        keygen_time.as_secs_f64(),
        witness_time.as_secs_f64(),
        prove_time.as_secs_f64(),
        a.runs,
        verify_time.as_secs_f64()
    );
    println!(
        "peak RSS {:.0} MiB (whole process), proof {} bytes, max abs error {:.6} vs {}",
        peak_rss_mib(),
        bundle.proof.len() / 2,
        report["max_abs_error"].as_f64().unwrap_or(f64::NAN),
        compiled.accuracy.reference
    );
    print_profile(&profile);
    if let Some(g) = gas {
        println!(
            "EVM verification: {} gas (raw), verifyProof {} gas, verifier runtime {} bytes; reusable verifier {} gas with a {}-byte key",
            g["evm_gas"], g["evm_verifyProof_gas"], g["verifier_runtime_bytes"], g["reusable_gas"], g["reusable_key_bytes"]
        );
    }
    Ok(())
}

/// One proof split into its parts, beside the floor measured at its k.
pub(super) fn print_profile(p: &zkinfer::profile::ProveProfile) {
    let f = &p.floor;
    println!(
        "one proof, {:.3}s: witness {:.3}s; synthesis and advice commitments {:.3}s; lookups, permutation, quotient and openings {:.3}s",
        p.total_s, p.witness_s, p.advice_s, p.rest_s
    );
    println!(
        "floor {:.3}s = {} commitments x MSM {:.4}s + {} extended-domain FFTs x {:.4}s: this proof takes {:.1}x its floor",
        f.floor_s,
        f.commitments,
        f.msm_s,
        f.extended_polys,
        f.extended_fft_s,
        p.total_s / f.floor_s.max(1e-9)
    );
}
