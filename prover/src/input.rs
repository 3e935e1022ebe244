//! Input files in the layout EZKL uses, `{"input_data": [[x0, x1, ...]]}`: one flat list per
//! model input (zkinfer models have one).

use crate::error::{Result, ZkError};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Serialize, Deserialize)]
pub struct InputFile {
    pub input_data: Vec<Vec<serde_json::Value>>,
}

/// The flat input values of `path`. NaN and infinity, which JSON cannot carry as numbers, are
/// accepted as the strings "NaN", "inf" and "-inf" so that they are rejected with a clear error.
pub fn read_input(path: &Path) -> Result<Vec<f64>> {
    let err = |reason: String| ZkError::Input { path: path.display().to_string(), reason };
    let text = std::fs::read_to_string(path).map_err(|e| ZkError::io("read", path, e))?;
    let file: InputFile =
        serde_json::from_str(&text).map_err(|e| err(format!("expected {{\"input_data\": [[numbers...]]}} ({e})")))?;
    let [values] = file.input_data.as_slice() else {
        return Err(err(format!("input_data holds {} inputs; the model has exactly one", file.input_data.len())));
    };
    values
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            serde_json::Value::Number(n) => n.as_f64().ok_or_else(|| err(format!("value #{i} is not a number"))),
            serde_json::Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "nan" => Ok(f64::NAN),
                "inf" | "infinity" => Ok(f64::INFINITY),
                "-inf" | "-infinity" => Ok(f64::NEG_INFINITY),
                _ => Err(err(format!("value #{i} is the string {s:?}, not a number"))),
            },
            other => Err(err(format!("value #{i} is {other}, not a number"))),
        })
        .collect()
}
