//! `compile`: ONNX → IR → calibrated quantized model → circuit shape, with the accuracy of the
//! quantized model measured against tract's float run on every calibration input.

use crate::error::{Result, ZkError};
use crate::files;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;
use zkinfer_circuits::circuit::visibility::ModelVisibility;
use zkinfer_circuits::quantize::quantize;
use zkinfer_circuits::{
    circuit::cost::{choose_params, estimated_cost, Objective},
    CircuitParams, Graph, QuantizeOptions, QuantizedModel,
};

pub const COMPILED_FORMAT: &str = "zkinfer-compiled-model";
/// Version 2: circuits after the soundness review; version 1 files must be compiled again.
pub const COMPILED_VERSION: u32 = 2;

/// The compiled artifact (`.zkc`, JSON): everything `setup` and `prove` need.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CompiledModel {
    pub format: String,
    pub version: u32,
    pub name: String,
    pub source: Source,
    /// The imported float graph (kept for the float reference when the ONNX file is gone).
    pub graph: Graph,
    pub model: QuantizedModel,
    pub params: CircuitParams,
    pub accuracy: Accuracy,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Source {
    pub path: String,
    pub sha256: String,
}

/// Quantized outputs against the float reference over the calibration inputs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Accuracy {
    pub samples: usize,
    pub outputs: Vec<OutputAccuracy>,
    /// What the float outputs came from: `tract`, recorded onnxruntime outputs, or (for a model
    /// no independent runtime could run on these inputs) zkinfer's own f64 run of the imported
    /// graph, which measures the quantization error only.
    #[serde(default = "default_reference")]
    pub reference: String,
}

fn default_reference() -> String {
    "tract".into()
}

/// The float outputs of the model on `input`: tract's run of `onnx` or recorded onnxruntime
/// outputs when available, otherwise the f64 run of the imported graph; and their source.
pub fn float_outputs(onnx: Option<&Path>, graph: &Graph, input: &[f64]) -> (Vec<Vec<f64>>, String) {
    let x32: Vec<f32> = input.iter().map(|&v| v as f32).collect();
    let external = onnx.map(|path| zkinfer_onnx::float_reference(path, graph.input_shape(), &x32));
    match external {
        Some(Ok(r)) => (r.outputs.into_iter().map(|o| o.into_iter().map(f64::from).collect()).collect(), r.source),
        other => {
            let values = graph.eval_f64(input);
            let why = match other {
                Some(Err(e)) => format!(" ({e})"),
                _ => String::new(),
            };
            (graph.outputs.iter().map(|&o| values[o].clone()).collect(), format!("imported graph, f64{why}"))
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OutputAccuracy {
    pub name: String,
    pub max_abs_error: f64,
    /// `max_abs_error` relative to the largest reference magnitude of that output.
    pub max_rel_error: f64,
    pub max_abs_reference: f64,
}

#[derive(Clone, Debug, Default)]
pub struct CompileOptions {
    pub quantize: QuantizeOptions,
    pub width: Option<usize>,
    /// Use exactly `quantize.bits`. Otherwise `compile` also tries 16 and 14 bits and keeps the
    /// most bits whose circuit costs at most 10% more (by the cost model's estimate): more
    /// precision almost for free, which two-limb range checks make possible where rows are spare.
    pub exact_bits: bool,
    /// What the verifier sees of the input, the outputs and the parameters.
    pub visibility: ModelVisibility,
    /// What the layout minimises: proving work (default) or the on-chain verifier.
    pub objective: Objective,
}

/// Bit counts tried above the requested one when the choice is left to `compile`.
const MORE_BITS: [u32; 2] = [16, 14];

impl CompiledModel {
    /// Identifies the circuit (quantized model and layout): keys and proofs carry it.
    pub fn digest(&self) -> String {
        let bytes = serde_json::to_vec(&(&self.model, &self.params)).expect("serializable");
        hex::encode(Sha256::digest(bytes))
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        files::write_json(path, self)
    }

    pub fn load(path: &Path) -> Result<Self> {
        files::read_versioned_json(path, "compiled model", COMPILED_FORMAT, COMPILED_VERSION)
    }
}

pub fn compile(onnx: &Path, samples: &[Vec<f64>], opts: &CompileOptions) -> Result<CompiledModel> {
    let first = samples
        .first()
        .ok_or_else(|| ZkError::Compile("at least one --input sample is needed for calibration".into()))?;
    let graph = zkinfer_onnx::import(onnx, Some(first.len()))?;
    if let Some((i, s)) = samples.iter().enumerate().find(|(_, s)| s.len() != graph.input_len()) {
        return Err(ZkError::Compile(format!(
            "calibration input #{i} has {} values, the model input {:?} takes {}",
            s.len(),
            graph.input_shape(),
            graph.input_len()
        )));
    }
    let (model, params) = quantize_and_lay_out(&graph, samples, opts)?;
    let accuracy = measure_accuracy(onnx, &graph, &model, samples)?;
    let bytes = files::read_bytes(onnx)?;
    Ok(CompiledModel {
        format: COMPILED_FORMAT.into(),
        version: COMPILED_VERSION,
        name: model_name(onnx),
        source: Source { path: onnx.display().to_string(), sha256: hex::encode(Sha256::digest(bytes)) },
        graph,
        model,
        params,
        accuracy,
    })
}

/// The quantized model and its layout at the requested bits, or at more bits when that raises
/// the estimated cost by at most 10% and every calibration sample evaluates.
fn quantize_and_lay_out(
    graph: &Graph,
    samples: &[Vec<f64>],
    opts: &CompileOptions,
) -> Result<(QuantizedModel, CircuitParams)> {
    let model = quantize(graph, samples, &opts.quantize).map_err(ZkError::Compile)?;
    let params = choose_params(&model, opts.width, opts.visibility, opts.objective).map_err(ZkError::Compile)?;
    if opts.exact_bits {
        return Ok((model, params));
    }
    for bits in MORE_BITS.into_iter().filter(|&b| b > opts.quantize.bits) {
        let Ok(wider) = quantize(graph, samples, &QuantizeOptions { bits, ..opts.quantize.clone() }) else { continue };
        let evaluates =
            samples.iter().all(|s| wider.quantize_input(s).ok().is_some_and(|x| wider.evaluate(&x).is_ok()));
        match choose_params(&wider, opts.width, opts.visibility, opts.objective) {
            Ok(p)
                if evaluates
                    && within_tolerance(
                        estimated_cost(&wider, p, opts.objective),
                        estimated_cost(&model, params, opts.objective),
                        opts.objective,
                    ) =>
            {
                return Ok((wider, p))
            }
            _ => continue,
        }
    }
    Ok((model, params))
}

/// Whether a layout's cost is close enough to the base's to take the extra bits: the price
/// `compile` pays by default for precision. For the prover objective, at most 10% more work.
/// For the verifier objective, a verifier at most 2% dearer (a queried limb or two) and at most
/// four times the prover's work (two more k) — bits matter to a score a contract acts on.
fn within_tolerance(wider: (u64, u64), base: (u64, u64), objective: Objective) -> bool {
    let within = |a: u64, b: u64, factor: f64| a as f64 <= b as f64 * factor;
    match objective {
        Objective::Prover => within(wider.0, base.0, 1.10),
        Objective::Verifier => within(wider.0, base.0, 1.02) && within(wider.1, base.1, 4.0),
    }
}

/// The file stem, or the folder's name for files all called `model.onnx`.
fn model_name(onnx: &Path) -> String {
    let stem = onnx.file_stem().map_or("model".into(), |s| s.to_string_lossy().into_owned());
    match onnx.parent().and_then(|p| p.file_name()) {
        Some(dir) if stem == "model" => dir.to_string_lossy().into_owned(),
        _ => stem,
    }
}

fn measure_accuracy(onnx: &Path, graph: &Graph, model: &QuantizedModel, samples: &[Vec<f64>]) -> Result<Accuracy> {
    let mut outputs: Vec<OutputAccuracy> = model
        .outputs
        .iter()
        .map(|&o| OutputAccuracy {
            name: model.nodes[o].name.clone(),
            max_abs_error: 0.0,
            max_rel_error: 0.0,
            max_abs_reference: 0.0,
        })
        .collect();
    let mut sources: Vec<String> = Vec::new();
    for sample in samples {
        let quantized = model.dequantized_outputs(&model.evaluate(&model.quantize_input(sample)?)?);
        let (reference, source) = float_outputs(Some(onnx), graph, sample);
        if !sources.contains(&source) {
            sources.push(source);
        }
        for ((acc, q), f) in outputs.iter_mut().zip(&quantized).zip(&reference) {
            for (a, b) in q.iter().zip(f) {
                acc.max_abs_error = acc.max_abs_error.max((a - b).abs());
                acc.max_abs_reference = acc.max_abs_reference.max(b.abs());
            }
        }
    }
    for o in &mut outputs {
        o.max_rel_error = o.max_abs_error / o.max_abs_reference.max(f64::MIN_POSITIVE);
    }
    Ok(Accuracy { samples: samples.len(), outputs, reference: sources.join("; ") })
}
