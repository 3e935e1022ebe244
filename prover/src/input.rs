//! Input files in the layout EZKL uses, `{"input_data": [[x0, x1, ...]]}`: one flat list per
//! model input (the circuit reads them concatenated, in the graph's order), and optionally EZKL's `"output_data"`, one flat list
//! per model output, which `prove` takes as the expected outputs.

use crate::error::{Result, ZkError};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Serialize, Deserialize)]
pub struct InputFile {
    pub input_data: Vec<Vec<serde_json::Value>>,
    /// The outputs the model is expected to give (EZKL writes the float model's outputs here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_data: Option<Vec<Vec<serde_json::Value>>>,
}

/// An input file's values and, when it has `output_data`, the expected outputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    pub values: Vec<f64>,
    pub expected: Option<Vec<Vec<f64>>>,
    /// The length of each of `input_data`'s lists (one per model input).
    pub list_lens: Vec<usize>,
}

/// The flat input values of `path`. NaN and infinity, which JSON cannot carry as numbers, are
/// accepted as the strings "NaN", "inf" and "-inf" so that they are rejected with a clear error.
pub fn read_input(path: &Path) -> Result<Vec<f64>> {
    Ok(read_input_file(path)?.values)
}

/// [`read_input`] with the file's `output_data`, if any.
pub fn read_input_file(path: &Path) -> Result<Input> {
    let err = |reason: String| ZkError::Input { path: path.display().to_string(), reason };
    let text = std::fs::read_to_string(path).map_err(|e| ZkError::io("read", path, e))?;
    let file: InputFile =
        serde_json::from_str(&text).map_err(|e| err(format!("expected {{\"input_data\": [[numbers...]]}} ({e})")))?;
    if file.input_data.is_empty() {
        return Err(err("input_data holds no input list".into()));
    }
    // a model of several inputs reads their concatenation, in the graph's order
    let list_lens = file.input_data.iter().map(Vec::len).collect();
    let values = file.input_data.concat();
    let values = numbers(&values, "value").map_err(err)?;
    let expected = file
        .output_data
        .map(|outputs| {
            outputs.iter().enumerate().map(|(o, v)| numbers(v, &format!("output_data[{o}] value"))).collect()
        })
        .transpose()
        .map_err(err)?;
    Ok(Input { values, expected, list_lens })
}

/// JSON numbers (or the strings for NaN and infinity) as f64; `what` names a value in errors.
fn numbers(values: &[serde_json::Value], what: &str) -> std::result::Result<Vec<f64>, String> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            serde_json::Value::Number(n) => n.as_f64().ok_or_else(|| format!("{what} #{i} is not a number")),
            serde_json::Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "nan" => Ok(f64::NAN),
                "inf" | "infinity" => Ok(f64::INFINITY),
                "-inf" | "-infinity" => Ok(f64::NEG_INFINITY),
                _ => Err(format!("{what} #{i} is the string {s:?}, not a number")),
            },
            other => Err(format!("{what} #{i} is {other}, not a number")),
        })
        .collect()
}
