//! tract's float run of the original ONNX model: the reference every quantized output is
//! compared with.

use crate::ImportError;
use std::path::Path;
use tract_onnx::prelude::*;

/// Runs `path` on `input` (flat, in `shape`) and returns every graph output, flattened.
pub fn tract_reference(path: &Path, shape: &[usize], input: &[f32]) -> Result<Vec<Vec<f32>>, ImportError> {
    let err = |e: TractError| ImportError::Reference(format!("{e:#}"));
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
