//! `compile`: ONNX → IR → calibrated quantized model → circuit shape, with the accuracy of the
//! quantized model measured against tract's float run on every calibration input.

use crate::error::{Result, ZkError};
use crate::files;
use crate::input::Input;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use zkinfer_circuits::circuit::visibility::ModelVisibility;
use zkinfer_circuits::quantize::QOp;
use zkinfer_circuits::{circuit::cost::Objective, CircuitParams, Graph, QuantizeOptions, QuantizedModel};
use zkinfer_onnx::{GraphOutput, InputPart};

mod bits;
pub use bits::CalibrationTarget;

pub const COMPILED_FORMAT: &str = "zkinfer-compiled-model";
/// Version 5: a lowering guard records the magnitude of the integers it keeps exact
/// (`ExactIntegers(max)`), which a version-4 file cannot state. Version 4: per-element input scales (`input_exponents`), which a version-3 reader would drop
/// and read every feature at one scale. Version 3: max/min windows side by side and two requantizations a row (lanes); version 2:
/// circuits after the soundness review. Older files must be compiled again, and the version is
/// part of the digest, so their keys are refused too: the same `(model, params)` lays out a
/// different circuit now.
pub const COMPILED_VERSION: u32 = 5;

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
    /// The ONNX graph's outputs, names and element types, in the order of `model.outputs`
    /// (absent from files compiled before they were recorded: then the nodes' names, floats).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub graph_outputs: Vec<GraphOutput>,
    /// The ONNX graph's inputs, names and shapes, in the order the circuit reads their
    /// concatenation (absent from files compiled before they were recorded: then an input file's
    /// lists are only checked for their total length).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub graph_inputs: Vec<InputPart>,
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
    /// What calibration could not vouch for: a single sample, or requantized tensors whose
    /// calibrated values come within 10% of the range check's limit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

fn default_reference() -> String {
    "tract".into()
}

/// The float outputs of the model on `input`: tract's run of `onnx` or recorded onnxruntime
/// outputs when available, otherwise the f64 run of the imported graph; and, in one line, which
/// of them and why (`the imported graph in f64 (tract cannot run ZipMap)`).
pub fn float_outputs(onnx: Option<&Path>, graph: &Graph, input: &[f64]) -> (Vec<Vec<f64>>, String) {
    let r = float_reference(onnx, graph, input);
    let line = r.describe();
    (r.outputs, line)
}

/// Float outputs with where they came from and why that source.
pub struct FloatReference {
    pub outputs: Vec<Vec<f64>>,
    /// `tract`, `onnxruntime 1.32.0 (recorded)` or `the imported graph in f64`.
    pub source: String,
    /// Why not tract, and why not recorded outputs, in a few words each (empty for tract).
    pub reasons: Vec<String>,
}

impl FloatReference {
    /// `source (reason; reason)`.
    pub fn describe(&self) -> String {
        with_reasons(&self.source, &self.reasons)
    }
}

fn with_reasons(source: &str, reasons: &[String]) -> String {
    if reasons.is_empty() {
        source.to_string()
    } else {
        format!("{source} ({})", reasons.join("; "))
    }
}

pub fn float_reference(onnx: Option<&Path>, graph: &Graph, input: &[f64]) -> FloatReference {
    let x32: Vec<f32> = input.iter().map(|&v| v as f32).collect();
    let external = onnx.map(|path| zkinfer_onnx::float_reference(path, graph.input_shape(), &x32));
    let reasons = match external {
        Some(Ok(r)) => {
            return FloatReference {
                outputs: widened(r.outputs),
                source: r.source,
                reasons: r.tract_failure.into_iter().collect(),
            };
        }
        Some(Err(why)) => [Some(why.tract_failure), why.recorded].into_iter().flatten().collect(),
        None => vec![],
    };
    let values = graph.eval_f64(input);
    let outputs = graph.outputs.iter().map(|&o| values[o].clone()).collect();
    FloatReference { outputs, source: "the imported graph in f64".into(), reasons }
}

/// The outputs recorded for `input` in the user's `--reference` file: refused when the file
/// cannot be read, lacks this input, or records other outputs than the model has.
fn user_reference(file: &Path, graph: &Graph, input: &[f64]) -> Result<FloatReference> {
    let x32: Vec<f32> = input.iter().map(|&v| v as f32).collect();
    let bad = |reason: String| ZkError::bad_file(file, "reference file", reason);
    let found = zkinfer_onnx::recorded_reference(file, &x32).map_err(|e| bad(e.to_string()))?;
    let found = match found {
        Some(found) => found,
        None => return Err(bad("it records no outputs for this input (inputs are compared as f32)".into())),
    };
    let lens: Vec<usize> = graph.outputs.iter().map(|&o| graph.nodes[o].len()).collect();
    let recorded: Vec<usize> = found.outputs.iter().map(Vec::len).collect();
    if recorded != lens {
        return Err(bad(format!("it records outputs of {recorded:?} values for this input, the model has {lens:?}")));
    }
    Ok(FloatReference {
        outputs: widened(found.outputs),
        source: found.source,
        reasons: vec![format!("given by --reference {}", file.display())],
    })
}

/// Runtime outputs (f32) as the f64 the accuracy is measured in.
fn widened(outputs: Vec<Vec<f32>>) -> Vec<Vec<f64>> {
    outputs.into_iter().map(|o| o.into_iter().map(f64::from).collect()).collect()
}

/// The float references of several samples in one line: each source with how many samples it
/// served when there are several, then every distinct reason once.
fn summarize(references: &[FloatReference]) -> String {
    let mut sources: Vec<(&str, usize)> = Vec::new();
    let mut reasons: Vec<String> = Vec::new();
    for r in references {
        match sources.iter_mut().find(|(s, _)| *s == r.source) {
            Some((_, n)) => *n += 1,
            None => sources.push((&r.source, 1)),
        }
        reasons.extend(r.reasons.iter().filter(|x| !reasons.contains(x)).cloned().collect::<Vec<_>>());
    }
    let used = match sources.as_slice() {
        [(one, _)] => one.to_string(),
        several => several
            .iter()
            .map(|(s, n)| format!("{s} on {n} input{}", if *n == 1 { "" } else { "s" }))
            .collect::<Vec<_>>()
            .join(", "),
    };
    with_reasons(&used, &reasons)
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
    /// How `compile` chooses the bits when `exact_bits` is off: the default trade, the most
    /// bits that compile, or the cheapest circuit that stays accurate.
    pub target: CalibrationTarget,
    /// Outputs recorded by onnxruntime (`{"producer", "cases": [{"input", "outputs"}]}`) to
    /// measure the accuracy against, instead of tract's run or `<model>.reference.json`: tract
    /// can be wrong. Every calibration input must be among its cases.
    pub reference: Option<PathBuf>,
}

impl CompiledModel {
    /// Identifies the circuit (format version, quantized model and layout): keys and proofs
    /// carry it.
    pub fn digest(&self) -> String {
        let bytes = serde_json::to_vec(&(self.version, &self.model, &self.params)).expect("serializable");
        hex::encode(Sha256::digest(bytes))
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        files::write_json(path, self)
    }

    /// Loads a `.zkc`; an ONNX file or another zkinfer file is named as such (an ONNX model with
    /// the `zkinfer compile` command to run first).
    pub fn load(path: &Path) -> Result<Self> {
        let compiled: Self = files::read_versioned_json(path, "compiled model", COMPILED_FORMAT, COMPILED_VERSION)
            .map_err(|e| match files::identify_file(path).filter(|kind| kind != "a zkinfer compiled model") {
                Some(kind) if kind == "an ONNX model" => ZkError::bad_file(
                    path,
                    "compiled model",
                    format!("it is an ONNX model; compile it first: zkinfer compile {} --input sample.json -o model.zkc, then pass model.zkc", path.display()),
                ),
                Some(kind) => ZkError::bad_file(path, "compiled model", format!("it is {kind}")),
                None => e,
            })?;
        // what compile refuses, a hand-edited file does not bring back (a salted output would
        // have no opening to encode)
        compiled.params.visibility.validate().map_err(|e| ZkError::bad_file(path, "compiled model", e))?;
        Ok(compiled)
    }

    /// The float reference from the source ONNX file when it is still there unchanged, otherwise
    /// the f64 run of the imported graph stored in the compiled model, saying why.
    pub fn source_reference(&self, input: &[f64]) -> FloatReference {
        let path = Path::new(&self.source.path);
        let unchanged =
            std::fs::read(path).map(|b| hex::encode(Sha256::digest(b)) == self.source.sha256).unwrap_or(false);
        let mut reference = float_reference(unchanged.then_some(path), &self.graph, input);
        if !unchanged {
            reference.reasons.push(format!("{} is gone or changed since compile", path.display()));
        }
        reference
    }

    /// That an input of `len` values fits the model; otherwise says that the input shape (a
    /// batch size, say) was fixed at compile time, and how to compile for the new one: again
    /// with a sample of that shape when the ONNX model's batch dimension is symbolic.
    pub fn check_input_len(&self, len: usize, path: &Path) -> Result<()> {
        let node = self.model.input_node();
        if len == node.len() {
            return Ok(());
        }
        let onnx = Path::new(&self.source.path);
        let symbolic = zkinfer_onnx::import(onnx, Some(len)).is_ok_and(|g| g.input_len() == len);
        let remedy = if symbolic {
            format!(
                "compile again with a sample of that shape: zkinfer compile {} --input {}",
                onnx.display(),
                path.display()
            )
        } else {
            format!("the ONNX model's own input shape is fixed too (or {} is gone): export the model for the new shape, then compile it with a sample of that shape", onnx.display())
        };
        Err(ZkError::Input {
            path: path.display().to_string(),
            reason: format!(
                "it has {len} values, but the model was compiled for input shape {:?} ({} values). The input shape (a batch size, for instance) is fixed when compiling; to prove an input of another shape, {remedy}",
                node.shape,
                node.len(),
            ),
        })
    }

    /// That an input file fits the model: its total length ([`Self::check_input_len`]) and its
    /// lists ([`Self::check_input_lists`]); `prove` and `commit` both read a file through this.
    pub fn check_input_shape(&self, input: &Input, path: &Path) -> Result<()> {
        self.check_input_len(input.values.len(), path)?;
        self.check_input_lists(&input.list_lens, path)
    }

    /// That an input file's lists are the model's inputs, one list each in the graph's order, or
    /// one list holding their concatenation: lists split elsewhere, with the right total, would
    /// be proved as another input than the one the file meant.
    fn check_input_lists(&self, list_lens: &[usize], path: &Path) -> Result<()> {
        let lens: Vec<usize> = self.graph_inputs.iter().map(|i| i.shape.iter().product()).collect();
        if list_lens.len() <= 1 || lens.is_empty() || list_lens == lens {
            return Ok(());
        }
        let wanted: Vec<String> = self
            .graph_inputs
            .iter()
            .zip(&lens)
            .map(|(i, len)| format!("'{}' {:?} ({len} values)", i.name, i.shape))
            .collect();
        Err(ZkError::Input {
            path: path.display().to_string(),
            reason: format!(
                "input_data holds {} lists of {list_lens:?} values, but the model reads {}: {}. Give one list per model input, in that order",
                list_lens.len(),
                if lens.len() == 1 { "one input" } else { "its inputs" },
                wanted.join(", ")
            ),
        })
    }

    /// Each output's name and element type: the ONNX graph's, or for files compiled before
    /// those were recorded, the computing node's name and `float32`.
    pub fn output_names(&self) -> Vec<(String, String)> {
        if self.graph_outputs.len() == self.model.outputs.len() {
            return self.graph_outputs.iter().map(|o| (o.name.clone(), o.dtype.clone())).collect();
        }
        self.model.outputs.iter().map(|&o| (self.model.nodes[o].name.clone(), "float32".to_string())).collect()
    }
}

pub fn compile(onnx: &Path, samples: &[Vec<f64>], opts: &CompileOptions) -> Result<CompiledModel> {
    let first = samples
        .first()
        .ok_or_else(|| ZkError::Compile("at least one --input sample is needed for calibration".into()))?;
    let graph = zkinfer_onnx::import(onnx, Some(first.len()))?;
    let graph_inputs = zkinfer_onnx::input_parts(onnx, Some(first.len()))?;
    let input_lens: Vec<usize> = graph_inputs.iter().map(|p| p.shape.iter().product()).collect();
    let (samples, origins) = split_concatenated(&input_lens, samples);
    let from_its_file = |e: ZkError| match e {
        ZkError::Sample { index, reason } if index < origins.len() => {
            let Origin { file, part, parts } = origins[index];
            let reason = if parts > 1 { format!("its sample {} of {parts}: {reason}", part + 1) } else { reason };
            ZkError::Sample { index: file, reason }
        }
        e => e,
    };
    check_samples(&graph, &samples).map_err(from_its_file)?;
    if let Some(file) = &opts.reference {
        files::read_bytes(file)?;
    }
    let graph_outputs = zkinfer_onnx::graph_outputs(onnx)?;
    let (model, params) = bits::quantize_and_lay_out(&graph, &samples, opts)?;
    let names: Vec<String> = graph_outputs.iter().map(|o| o.name.clone()).collect();
    let reference = |sample: &[f64]| match &opts.reference {
        Some(file) => user_reference(file, &graph, sample),
        None => Ok(float_reference(Some(onnx), &graph, sample)),
    };
    let accuracy = measure_accuracy(&reference, &model, &samples, &names).map_err(from_its_file)?;
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
        graph_outputs,
        graph_inputs,
    })
}

/// Where a calibration sample came from: part `part` of the `parts` samples concatenated in
/// the `file`-th one given.
#[derive(Clone, Copy)]
struct Origin {
    file: usize,
    part: usize,
    parts: usize,
}

/// The samples with `m` samples in one file split into `m` (EZKL's calibration files hold all
/// their samples in one flat `input_data` list per model input, so a file read as the
/// concatenation of its lists holds, for each model input of `input_lens[i]` values, its `m`
/// samples one after the other). A file whose length is not a multiple of the input's is kept
/// whole, for [`check_samples`] to refuse with its size.
fn split_concatenated(input_lens: &[usize], samples: &[Vec<f64>]) -> (Vec<Vec<f64>>, Vec<Origin>) {
    let len: usize = input_lens.iter().sum();
    let mut split = Vec::new();
    let mut origins = Vec::new();
    for (file, sample) in samples.iter().enumerate() {
        let parts = if len > 0 && sample.len() > len && sample.len() % len == 0 { sample.len() / len } else { 1 };
        if parts == 1 {
            split.push(sample.clone());
            origins.push(Origin { file, part: 0, parts });
            continue;
        }
        for part in 0..parts {
            // input i's block starts after the blocks of the inputs before it
            let mut start = 0;
            let mut one = Vec::with_capacity(len);
            for &l in input_lens {
                one.extend_from_slice(&sample[start + part * l..start + (part + 1) * l]);
                start += parts * l;
            }
            split.push(one);
            origins.push(Origin { file, part, parts });
        }
    }
    (split, origins)
}

/// Every calibration sample has the input's size (the first fixed any batch dimension) and only
/// finite values; the error names the sample by its index.
fn check_samples(graph: &Graph, samples: &[Vec<f64>]) -> Result<()> {
    for (index, s) in samples.iter().enumerate() {
        if s.len() != graph.input_len() {
            let reason = format!(
                "it has {} values, but the model input takes {} (shape {:?}): every calibration sample must have the input's shape (a symbolic batch dimension is fixed by the first sample)",
                s.len(),
                graph.input_len(),
                graph.input_shape()
            );
            return Err(ZkError::Sample { index, reason });
        }
        if let Some((i, v)) = s.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            let reason = format!("value #{i} is {v}: NaN and infinity cannot be quantized");
            return Err(ZkError::Sample { index, reason });
        }
    }
    Ok(())
}

/// The file stem, or the folder's name for files all called `model.onnx`.
fn model_name(onnx: &Path) -> String {
    let stem = onnx.file_stem().map_or("model".into(), |s| s.to_string_lossy().into_owned());
    match onnx.parent().and_then(|p| p.file_name()) {
        Some(dir) if stem == "model" => dir.to_string_lossy().into_owned(),
        _ => stem,
    }
}

/// The quantized model's error on every sample against the float reference; `names` are the
/// outputs' (the nodes' when empty).
fn measure_accuracy(
    reference: &dyn Fn(&[f64]) -> Result<FloatReference>,
    model: &QuantizedModel,
    samples: &[Vec<f64>],
    names: &[String],
) -> Result<Accuracy> {
    let mut outputs: Vec<OutputAccuracy> = model
        .outputs
        .iter()
        .enumerate()
        .map(|(i, &o)| OutputAccuracy {
            name: names.get(i).cloned().unwrap_or_else(|| model.nodes[o].name.clone()),
            max_abs_error: 0.0,
            max_rel_error: 0.0,
            max_abs_reference: 0.0,
        })
        .collect();
    let mut references = Vec::new();
    let mut peak = vec![0i128; model.nodes.len()];
    for (index, sample) in samples.iter().enumerate() {
        let evaluated = model.quantize_input(sample).and_then(|x| model.evaluate(&x));
        let witness = evaluated.map_err(|e| ZkError::Sample { index, reason: e.to_string() })?;
        for (p, values) in peak.iter_mut().zip(&witness.out) {
            *p = values.iter().fold(*p, |m, v| m.max(v.abs()));
        }
        let quantized = model.dequantized_outputs(&witness);
        let reference = reference(sample).map_err(|e| ZkError::Sample { index, reason: e.to_string() })?;
        for ((acc, q), f) in outputs.iter_mut().zip(&quantized).zip(&reference.outputs) {
            for (a, b) in q.iter().zip(f) {
                acc.max_abs_error = acc.max_abs_error.max((a - b).abs());
                acc.max_abs_reference = acc.max_abs_reference.max(b.abs());
            }
        }
        references.push(reference);
    }
    for o in &mut outputs {
        o.max_rel_error = o.max_abs_error / o.max_abs_reference.max(f64::MIN_POSITIVE);
    }
    let warnings = calibration_warnings(model, samples.len(), &peak);
    Ok(Accuracy { samples: samples.len(), outputs, reference: summarize(&references), warnings })
}

/// A single calibration sample, and each range-checked tensor (the input, every requantized
/// result) whose largest calibrated `|q|` is above 90% of `2^bits`: an input a little beyond the
/// calibration set would not prove.
fn calibration_warnings(model: &QuantizedModel, samples: usize, peak: &[i128]) -> Vec<String> {
    let mut warnings = Vec::new();
    if samples == 1 {
        warnings.push("calibrated on a single sample: inputs unlike it may fall outside the calibrated ranges; pass more --input samples".to_string());
    }
    let limit = 1i128 << model.bits;
    for (node, &p) in model.nodes.iter().zip(peak) {
        let checked = matches!(node.op, QOp::Input) || node.op.requant().is_some();
        if checked && p * 10 > limit * 9 {
            warnings.push(format!(
                "node '{}' ({}): calibrated values reach {:.0}% of the {}-bit range, less than 10% headroom; pass samples that cover the inputs you will prove, or more --bits",
                node.name,
                node.op_name,
                100.0 * p as f64 / limit as f64,
                model.bits
            ));
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkinfer_circuits::quantize::quantize;

    #[test]
    fn calibration_warns_of_one_sample_and_of_a_range_nearly_full() {
        let onnx = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/linear_regression/model.onnx");
        let graph = zkinfer_onnx::import(&onnx, None).unwrap();
        let sample: Vec<f64> = (0..graph.input_len()).map(|i| i as f64 / 10.0).collect();
        let model = quantize(&graph, &[sample.clone(), sample], &QuantizeOptions::default()).unwrap();
        let limit = 1i128 << model.bits;
        let mut peak = vec![0; model.nodes.len()];
        assert!(calibration_warnings(&model, 2, &peak).is_empty());
        assert!(calibration_warnings(&model, 1, &peak)[0].contains("single sample"));
        // the input at 95% of its range: less than 10% headroom; at 85%, enough
        peak[model.input] = limit * 95 / 100;
        let warnings = calibration_warnings(&model, 2, &peak);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("reach 95% of the 12-bit range"), "{warnings:?}");
        peak[model.input] = limit * 85 / 100;
        assert!(calibration_warnings(&model, 2, &peak).is_empty());
    }
}
