//! The float reference every quantized output is compared with: tract's run of the original
//! ONNX model, or, for models tract cannot run (ai.onnx.ml's ZipMap, Scaler,
//! TreeEnsembleRegressor), onnxruntime's outputs recorded beside the model in
//! `<stem>.reference.json` for the inputs they were recorded on.

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
}

/// tract's outputs for `input`, else recorded outputs for exactly this input; the error names
/// both failures.
pub fn float_reference(path: &Path, shape: &[usize], input: &[f32]) -> Result<Reference, ImportError> {
    let tract_error = match tract_reference(path, shape, input) {
        Ok(outputs) => return Ok(Reference { outputs, source: "tract".into() }),
        Err(e) => e,
    };
    match recorded_reference(path, input)? {
        Some(found) => Ok(found),
        None => Err(ImportError::Reference(format!(
            "{tract_error}; and {} holds no recorded outputs for this input",
            recorded_path(path).display()
        ))),
    }
}

/// Runs `path` on `input` (flat, in `shape`) and returns every graph output, flattened.
pub fn tract_reference(path: &Path, shape: &[usize], input: &[f32]) -> Result<Vec<Vec<f32>>, ImportError> {
    let err = |e: TractError| ImportError::Reference(format!("tract: {e:#}"));
    let model = tract_onnx::onnx()
        .model_for_path(path)
        .and_then(|m| m.with_input_fact(0, f32::fact(shape).into()))
        .and_then(|m| m.into_optimized())
        .and_then(|m| m.into_runnable())
        .map_err(err)?;
    let tensor = Tensor::from_shape(shape, input).map_err(err)?;
    let outputs = model.run(tvec!(tensor.into())).map_err(err)?;
    outputs
        .iter()
        .map(|o| {
            let o = o.cast_to::<f32>().map_err(err)?;
            Ok(o.to_plain_array_view::<f32>().map_err(err)?.iter().copied().collect())
        })
        .collect()
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

/// The recorded outputs for this exact input (compared as f32), if the file has them.
pub fn recorded_reference(path: &Path, input: &[f32]) -> Result<Option<Reference>, ImportError> {
    let file = recorded_path(path);
    let Ok(text) = std::fs::read_to_string(&file) else { return Ok(None) };
    let recorded: RecordedFile =
        serde_json::from_str(&text).map_err(|e| ImportError::Reference(format!("{}: {e}", file.display())))?;
    let source = format!("{} (recorded)", recorded.producer);
    Ok(recorded.cases.into_iter().find(|c| c.input == input).map(|c| Reference { outputs: c.outputs, source }))
}
