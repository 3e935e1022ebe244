use super::{print_json, progress::step};
use std::path::{Path, PathBuf};
use zkinfer::{
    compile::{CalibrationTarget, CompileOptions},
    files::check_outputs,
    input::read_input,
    ZkError,
};
use zkinfer_circuits::circuit::cost::Objective;
use zkinfer_circuits::circuit::visibility::{ModelVisibility, Visibility};
use zkinfer_circuits::{circuit::cost::stats, QuantizeOptions};

#[derive(clap::Args)]
pub struct Args {
    /// The ONNX model.
    model: PathBuf,
    /// Sample input(s) for calibration, `{"input_data": [[...]]}`; repeat for more samples.
    #[arg(long = "input", required = true)]
    inputs: Vec<PathBuf>,
    /// Output file.
    #[arg(short, long, default_value = "model.zkc")]
    output: PathBuf,
    /// Fix every activation scale to 2^SCALE instead of calibrating.
    #[arg(long)]
    scale: Option<i32>,
    /// Bits of every requantized value (|q| < 2^bits), also the domain of function tables.
    /// Default: 12, or 14/16 where that keeps the circuit's size (k).
    #[arg(long)]
    bits: Option<u32>,
    /// Main advice columns (default: the cheapest of several widths).
    #[arg(long)]
    width: Option<usize>,
    #[command(flatten)]
    visibility: VisibilityArgs,
    /// What the circuit layout minimises: `prover` (proving time and memory) or `verifier` (fewest
    /// commitments: cheaper on-chain verification and a smaller Solidity verifier).
    #[arg(long, default_value = "prover")]
    optimize: Objective,
    /// How compile chooses the bits when --bits is not given: `balanced` (12, or 14/16 where
    /// that costs at most 10% more), `accuracy` (the most bits that compile: 16, 14, 12) or
    /// `resources` (the cheapest of 8, 10 and 12 bits whose outputs stay within 2% of the
    /// imported graph's f64 run on every calibration input).
    #[arg(long, default_value = "balanced", value_name = "TARGET")]
    calibration_target: CalibrationTarget,
    /// onnxruntime's outputs on the calibration inputs, `{"producer": ..., "cases": [{"input":
    /// [...], "outputs": [[...]]}]}`: the accuracy is measured against them instead of tract's
    /// run (which can be wrong). Default: `<model>.reference.json` beside the model, if present.
    #[arg(long, value_name = "FILE")]
    reference: Option<PathBuf>,
}

/// What the verifier sees of each tensor kind (also taken by `bench`).
#[derive(clap::Args)]
pub struct VisibilityArgs {
    /// The model input: public (instances), private (witness only) or hashed (a Poseidon
    /// commitment is the public instance).
    #[arg(long, default_value = "public")]
    input_visibility: Visibility,
    /// The model outputs: public, private or hashed.
    #[arg(long, default_value = "public")]
    output_visibility: Visibility,
    /// The weights and constants: fixed (fixed columns committed in the verifying key, which pins
    /// the model), hashed (witness, with their Poseidon commitment public), private or public.
    #[arg(long, default_value = "fixed")]
    param_visibility: Visibility,
}

impl VisibilityArgs {
    pub fn get(&self) -> ModelVisibility {
        ModelVisibility { input: self.input_visibility, output: self.output_visibility, params: self.param_visibility }
    }
}

pub fn run(a: Args, json: bool) -> anyhow::Result<()> {
    let inputs: Vec<(&str, &Path)> = std::iter::once(("the ONNX model", a.model.as_path()))
        .chain(a.inputs.iter().map(|p| ("--input", p.as_path())))
        .chain(a.reference.iter().map(|p| ("--reference", p.as_path())))
        .collect();
    check_outputs(&[("-o/--output", &a.output)], &inputs)?;
    if a.bits.is_some() && a.calibration_target != CalibrationTarget::Balanced {
        anyhow::bail!("--bits fixes the bits that --calibration-target would choose; give one of them");
    }
    let visibility = a.visibility.get();
    let samples = a.inputs.iter().map(|p| read_input(p)).collect::<Result<Vec<_>, _>>()?;
    let opts = CompileOptions {
        quantize: QuantizeOptions { bits: a.bits.unwrap_or(12), fixed_scale: a.scale },
        width: a.width,
        exact_bits: a.bits.is_some(),
        visibility,
        objective: a.optimize,
        target: a.calibration_target,
        reference: a.reference.clone(),
    };
    let (compiled, time) = step("compiling and calibrating", json, || zkinfer::compile(&a.model, &samples, &opts));
    let compiled = compiled.map_err(|e| name_the_sample(e, &a.inputs))?;
    compiled.save(&a.output)?;
    let st = stats(&compiled.model, compiled.params);
    if json {
        print_json(&serde_json::json!({
            "output": a.output, "k": st.params.k, "width": st.params.width, "bits": st.params.bits, "limbs": st.params.limbs, "rows": st.used_rows,
            "accuracy": compiled.accuracy, "compile_seconds": time.as_secs_f64(),
        }));
        return Ok(());
    }
    println!("compiled {} -> {} in {:.2}s", a.model.display(), a.output.display(), time.as_secs_f64());
    let checks = if st.params.limbs == 1 {
        format!("{}-bit range table", st.params.bits)
    } else {
        format!(
            "{}-bit values checked as {} limbs over a {}-bit table",
            st.params.bits,
            st.params.limbs,
            st.params.table_bits()
        )
    };
    println!(
        "circuit: k = {}, {} of {} rows used, width {}, {checks}",
        st.params.k, st.used_rows, st.usable_rows, st.params.width
    );
    println!("float reference: {}", compiled.accuracy.reference);
    println!("accuracy on {} calibration input(s):", compiled.accuracy.samples);
    for o in &compiled.accuracy.outputs {
        println!(
            "  {}: max abs error {:.6}, relative to the output's max |value| {:.3}%",
            o.name,
            o.max_abs_error,
            100.0 * o.max_rel_error
        );
    }
    for w in &compiled.accuracy.warnings {
        eprintln!("warning: {w}");
    }
    Ok(())
}

/// A calibration sample's error, naming its file rather than its position (also for `bench`).
pub(super) fn name_the_sample(e: ZkError, inputs: &[PathBuf]) -> anyhow::Error {
    match e {
        ZkError::Sample { index, reason } if index < inputs.len() => {
            anyhow::anyhow!("calibration input '{}': {reason}", inputs[index].display())
        }
        e => e.into(),
    }
}
