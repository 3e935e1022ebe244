//! Proved outputs against the outputs an input file says to expect (EZKL's `output_data`).
//!
//! The threshold is the model's own accuracy record: output `o` may differ from its expected
//! value by the largest error `compile` measured for `o` on the calibration inputs (against the
//! float reference), plus one quantization step of `o` (`2^-scale`, the rounding a value at that
//! scale cannot avoid) for a float output; an integer output (a class label) by that error
//! alone, so a flipped label is reported unless calibration already saw one flip.

use crate::compile::CompiledModel;
use crate::error::{Result, ZkError};
use serde::Serialize;
use std::path::Path;

/// A proved value further from its expected value than the output's tolerance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Mismatch {
    pub output: String,
    pub index: usize,
    pub proved: f64,
    pub expected: f64,
    pub difference: f64,
    pub tolerance: Tolerance,
}

/// How far a proved output may be from its expected value: the error `compile` measured for
/// it, plus one quantization step for a float output (0 for an integer one).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Tolerance {
    pub measured_error: f64,
    pub quantization_step: f64,
    pub total: f64,
}

impl Mismatch {
    /// The warning `prove` prints.
    pub fn warning(&self) -> String {
        let t = &self.tolerance;
        let basis = if t.quantization_step > 0.0 {
            format!(
                "the error compile measured, {:.6}, plus one quantization step, {}",
                t.measured_error, t.quantization_step
            )
        } else {
            format!("the error compile measured on the calibration inputs, {}", t.measured_error)
        };
        format!(
            "output '{}'[{}]: proved {}, but the input file's output_data says {} (off by {:.6}, more than this output's tolerance {:.6}: {basis})",
            self.output, self.index, self.proved, self.expected, self.difference, t.total
        )
    }
}

/// Each output's tolerance, in the order of the model's outputs.
pub fn tolerances(compiled: &CompiledModel) -> Vec<Tolerance> {
    let names = compiled.output_names();
    compiled
        .model
        .outputs
        .iter()
        .zip(&names)
        .enumerate()
        .map(|(i, (&o, (_, dtype)))| {
            let measured_error = compiled.accuracy.outputs.get(i).map_or(0.0, |a| a.max_abs_error);
            let quantization_step =
                if zkinfer_onnx::is_integer(dtype) { 0.0 } else { 2f64.powi(-compiled.model.nodes[o].scale) };
            Tolerance { measured_error, quantization_step, total: measured_error + quantization_step }
        })
        .collect()
}

/// That `expected` has one list per model output, each of the output's size.
pub fn check_shape(compiled: &CompiledModel, expected: &[Vec<f64>], path: &Path) -> Result<()> {
    let names = compiled.output_names();
    let sizes: Vec<usize> = compiled.model.outputs.iter().map(|&o| compiled.model.nodes[o].len()).collect();
    let described = || {
        let list: Vec<String> = names.iter().zip(&sizes).map(|((n, _), s)| format!("'{n}' ({s} values)")).collect();
        list.join(", ")
    };
    let err = |reason: String| ZkError::Input { path: path.display().to_string(), reason };
    if expected.len() != sizes.len() {
        return Err(err(format!(
            "output_data holds {} outputs, the model has {}: {}",
            expected.len(),
            sizes.len(),
            described()
        )));
    }
    for (i, (e, &size)) in expected.iter().zip(&sizes).enumerate() {
        if e.len() != size {
            return Err(err(format!(
                "output_data[{i}] holds {} values, the model's outputs are {}",
                e.len(),
                described()
            )));
        }
    }
    Ok(())
}

/// The proved values (dequantized, per output) that differ from `expected` by more than their
/// output's tolerance.
pub fn compare(compiled: &CompiledModel, proved: &[Vec<f64>], expected: &[Vec<f64>]) -> Vec<Mismatch> {
    let names = compiled.output_names();
    let mut out = Vec::new();
    for (((p, e), tolerance), (name, _)) in proved.iter().zip(expected).zip(tolerances(compiled)).zip(&names) {
        for (index, (&proved, &expected)) in p.iter().zip(e).enumerate() {
            let difference = (proved - expected).abs();
            // a hair of slack for the decimal rounding of the numbers in the file
            if difference.is_nan() || difference > tolerance.total * (1.0 + 1e-9) + 1e-12 {
                out.push(Mismatch { output: name.clone(), index, proved, expected, difference, tolerance });
            }
        }
    }
    out
}
