//! The graph outputs as the ONNX file declares them: the names a user knows them by (skl2onnx's
//! `output_label`, not the node that computes it) and their element type (an integer label is
//! an integer, not `0.0`).

use crate::proto::read_model;
use crate::ImportError;
use serde::{Deserialize, Serialize};
use std::path::Path;
use tract_onnx::pb::{tensor_proto::DataType, type_proto, ValueInfoProto};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphOutput {
    pub name: String,
    /// ONNX's element type in lower case (`float32`, `int64`, `bool`, …); `float32` for outputs
    /// that are not plain tensors (the sequence of maps skl2onnx's ZipMap returns holds floats).
    pub dtype: String,
}

/// Whether values of `dtype` are integers (and print without a fraction).
pub fn is_integer(dtype: &str) -> bool {
    dtype.starts_with("int") || dtype.starts_with("uint") || dtype == "bool"
}

/// The graph outputs of the model at `path`, in order.
pub fn graph_outputs(path: &Path) -> Result<Vec<GraphOutput>, ImportError> {
    let model = read_model(path)?;
    let graph = model.graph.as_ref().expect("checked by read_model");
    Ok(graph.output.iter().map(|o| GraphOutput { name: o.name.clone(), dtype: dtype(o).into() }).collect())
}

pub(crate) fn dtype(output: &ValueInfoProto) -> &'static str {
    let elem_type = match output.r#type.as_ref().and_then(|t| t.value.as_ref()) {
        Some(type_proto::Value::TensorType(t)) => t.elem_type,
        _ => return "float32",
    };
    match DataType::try_from(elem_type).unwrap_or(DataType::Float) {
        DataType::Uint8 => "uint8",
        DataType::Int8 => "int8",
        DataType::Uint16 => "uint16",
        DataType::Int16 => "int16",
        DataType::Int32 => "int32",
        DataType::Int64 => "int64",
        DataType::Uint32 => "uint32",
        DataType::Uint64 => "uint64",
        DataType::Bool => "bool",
        DataType::Float16 => "float16",
        DataType::Bfloat16 => "bfloat16",
        DataType::Double => "float64",
        _ => "float32",
    }
}
