//! The float reference every quantized output is compared with: onnxruntime's outputs recorded
//! beside the model in `<stem>.reference.json` for the inputs they were recorded on (tract cannot
//! run some ops, ai.onnx.ml's ZipMap, Scaler, TreeEnsembleRegressor, and gets others wrong), else
//! tract's run of the original ONNX model.

use crate::ImportError;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use tract_onnx::prelude::*;

/// Reference outputs (every graph output, flattened) and where they came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    pub outputs: Vec<Vec<f32>>,
    /// `"tract"`, or the producer of recorded outputs (`"onnxruntime 1.32.0 (recorded)"`).
    pub source: String,
    /// Why tract was not the source, in a few words (`tract cannot run ZipMap`).
    pub tract_failure: Option<String>,
}

/// Why neither tract nor recorded outputs gave a float reference, in a few words each.
#[derive(Clone, Debug, PartialEq)]
pub struct Unavailable {
    /// `tract cannot run ZipMap`.
    pub tract_failure: String,
    /// Why the recorded outputs did not help, when there is a recorded file.
    pub recorded: Option<String>,
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.recorded {
            Some(r) => write!(f, "{}; {r}", self.tract_failure),
            None => write!(f, "{}", self.tract_failure),
        }
    }
}

/// Recorded onnxruntime outputs for exactly this input, else tract's outputs, else why neither.
pub fn float_reference(path: &Path, shape: &[usize], input: &[f32]) -> Result<Reference, Unavailable> {
    let tract = run_tract(path, shape, input);
    let file = recorded_path(path);
    // onnxruntime's outputs, where they are recorded for this input, win: tract can be wrong
    // (its Celu with alpha = 1.5 is 0.36 off onnxruntime's on an op fixture), onnxruntime is the
    // runtime the model was exported for
    let recorded = match recorded_reference(&file, input) {
        Ok(Some(found)) => return Ok(Reference { tract_failure: tract.err().map(|e| short_reason(&e)), ..found }),
        Ok(None) => None,
        Err(e) => Some(e.to_string()),
    };
    let tract_failure = match tract {
        Ok(outputs) => return Ok(Reference { outputs, source: "tract".into(), tract_failure: None }),
        Err(e) => short_reason(&e),
    };
    let name = file.file_name().map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
    let recorded = recorded.or_else(|| file.exists().then(|| format!("no outputs recorded for that input in {name}")));
    Err(Unavailable { tract_failure, recorded })
}

/// Runs `path` on `input` (flat, in `shape`) and returns every graph output, flattened.
pub fn tract_reference(path: &Path, shape: &[usize], input: &[f32]) -> Result<Vec<Vec<f32>>, ImportError> {
    run_tract(path, shape, input).map_err(|e| ImportError::Reference(format!("tract: {e:#}")))
}

/// tract's run, with a panic inside tract (it divides by zero on some constant subgraphs) turned
/// into an error: a model tract cannot run still compiles against recorded outputs.
fn run_tract(path: &Path, shape: &[usize], input: &[f32]) -> TractResult<Vec<Vec<f32>>> {
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let run = std::panic::catch_unwind(|| run_tract_unguarded(path, shape, input));
    std::panic::set_hook(quiet);
    run.unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        Err(TractError::msg(format!("tract failed inside ({what})")))
    })
}

fn run_tract_unguarded(path: &Path, shape: &[usize], input: &[f32]) -> TractResult<Vec<Vec<f32>>> {
    // a model of several inputs takes the flat input as their concatenation, in order
    let parts = crate::input_parts(path, Some(input.len())).map_err(|e| TractError::msg(e.to_string()))?;
    let shapes: Vec<Vec<usize>> = match parts.len() {
        1 => vec![shape.to_vec()],
        _ => parts.into_iter().map(|p| p.shape).collect(),
    };
    let mut model = tract_onnx::onnx().model_for_path(path)?;
    for (i, shape) in shapes.iter().enumerate() {
        model = model.with_input_fact(i, f32::fact(shape).into())?;
    }
    let model = model.into_optimized()?.into_runnable()?;
    let mut tensors = TVec::new();
    let mut offset = 0;
    for shape in &shapes {
        let len: usize = shape.iter().product();
        let span = input
            .get(offset..offset + len)
            .ok_or_else(|| TractError::msg("the input is shorter than the model's inputs"))?;
        tensors.push(Tensor::from_shape(shape, span)?.into());
        offset += len;
    }
    let outputs = model.run(tensors)?;
    outputs.iter().map(|o| Ok(o.cast_to::<f32>()?.to_plain_array_view::<f32>()?.iter().copied().collect())).collect()
}

/// tract's failure in a few words: the op it cannot run, and the detail when it gives one.
fn short_reason(e: &TractError) -> String {
    let first = e.to_string();
    // `Translating node #3 "ZipMap" Unimplemented(ZipMap) ToTypedTranslator`
    if let Some(op) = between(&first, "Unimplemented(", ")") {
        return format!("tract cannot run {op}");
    }
    // `Building node N (Op)` caused by `Node N (Op), attribute 'base_values': expected length 1 …`
    if first.starts_with("Building node ") {
        if let Some(op) = first.rfind('(').and_then(|i| between(&first[i..], "(", ")")) {
            let root = e.root_cause().to_string();
            let detail = root.split_once("), ").map_or(root.as_str(), |(_, d)| d);
            return format!("tract cannot run {op}: {detail}");
        }
    }
    let mut short: String = first.chars().take(120).collect();
    if short.len() < first.len() {
        short.push('…');
    }
    format!("tract failed: {short}")
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(&s[from..from + len])
}

#[derive(Deserialize)]
struct RecordedFile {
    producer: String,
    cases: Vec<RecordedCase>,
}

#[derive(Deserialize)]
struct RecordedCase {
    input: Vec<f32>,
    outputs: Vec<Vec<f32>>,
}

/// `model.onnx` → `model.reference.json`.
pub fn recorded_path(path: &Path) -> PathBuf {
    path.with_extension("reference.json")
}

/// The outputs recorded in `file` for this exact input (compared as f32), if it has them; none
/// when there is no such file.
pub fn recorded_reference(file: &Path, input: &[f32]) -> Result<Option<Reference>, ImportError> {
    let Ok(text) = std::fs::read_to_string(file) else { return Ok(None) };
    let recorded: RecordedFile = serde_json::from_str(&text)
        .map_err(|e| ImportError::Reference(format!("cannot read the recorded outputs {}: {e}", file.display())))?;
    let source = format!("{} (recorded)", recorded.producer);
    Ok(recorded.cases.into_iter().find(|c| c.input == input).map(|c| Reference {
        outputs: c.outputs,
        source,
        tract_failure: None,
    }))
}
