//! Input files in the layout EZKL uses, `{"input_data": [[x0, x1, ...]]}`: one flat list per
//! model input (the circuit reads them concatenated, in the graph's order), and optionally EZKL's `"output_data"`, one flat list
//! per model output, which `prove` takes as the expected outputs. A model whose input is
//! salted (`--input-visibility salted`) also takes `"owner"` and `"salt"`: field elements as
//! `0x` hex (an address is one) or decimal strings, below BN254's scalar modulus.

use crate::error::{Result, ZkError};
use halo2_proofs::halo2curves::{bn256::Fr, ff::PrimeField};
use serde::{Deserialize, Serialize};
use std::path::Path;
pub use zkinfer_circuits::circuit::visibility::Opening;

#[derive(Debug, Serialize, Deserialize)]
pub struct InputFile {
    pub input_data: Vec<Vec<serde_json::Value>>,
    /// The outputs the model is expected to give (EZKL writes the float model's outputs here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_data: Option<Vec<Vec<serde_json::Value>>>,
    /// A salted input's owner (public) and salt (private).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
}

/// An input file's values and, when it has `output_data`, the expected outputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    pub values: Vec<f64>,
    pub expected: Option<Vec<Vec<f64>>>,
    /// The length of each of `input_data`'s lists (one per model input).
    pub list_lens: Vec<usize>,
    /// `owner` and `salt`, when the file has them (a salted input's).
    pub opening: Option<Opening>,
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
    let opening = match (&file.owner, &file.salt) {
        (None, None) => None,
        (Some(owner), Some(salt)) => Some(Opening {
            owner: field_element(owner, "owner").map_err(err)?,
            salt: field_element(salt, "salt").map_err(err)?,
        }),
        _ => {
            return Err(err("\"owner\" and \"salt\" go together (a salted input's commitment opens with both)".into()))
        }
    };
    Ok(Input { values, expected, list_lens, opening })
}

/// A field element written as `0x` hex (at most 64 digits) or a decimal string; refused at or
/// above BN254's scalar modulus, so that no owner or salt has two encodings.
pub fn field_element(text: &str, what: &str) -> std::result::Result<Fr, String> {
    let bad = |why: &str| format!("{what} '{text}' {why}");
    let mut word = [0u8; 32];
    if let Some(hex) = text.strip_prefix("0x") {
        if hex.is_empty() || hex.len() > 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad("is not 0x and 1 to 64 hex digits"));
        }
        let padded = format!("{hex:0>64}");
        for (i, byte) in word.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&padded[2 * i..2 * i + 2], 16).expect("hex digits");
        }
    } else {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("is neither 0x hex nor a decimal number"));
        }
        for digit in text.bytes() {
            // word = word * 10 + digit, big-endian, refusing 256-bit overflow
            let mut carry = (digit - b'0') as u32;
            for byte in word.iter_mut().rev() {
                let v = *byte as u32 * 10 + carry;
                *byte = v as u8;
                carry = v >> 8;
            }
            if carry > 0 {
                return Err(bad("is not below the field modulus"));
            }
        }
    }
    word.reverse();
    Option::from(Fr::from_repr(word)).ok_or_else(|| bad("is not below the field modulus"))
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
