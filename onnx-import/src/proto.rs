//! Reading the ONNX protobuf and its tensors with tract-onnx's types.

use crate::ImportError;
use std::path::Path;
use tract_onnx::pb::{ModelProto, NodeProto, TensorProto};
use tract_onnx::prelude::{DatumType, Framework};

/// A constant tensor during import, as f64 (exact for f32 data and for int64 shape values).
#[derive(Clone, Debug, PartialEq)]
pub struct ConstTensor {
    pub shape: Vec<usize>,
    pub data: Vec<f64>,
}

impl ConstTensor {
    pub fn scalar(v: f64) -> Self {
        Self { shape: vec![], data: vec![v] }
    }

    pub fn to_ir(&self) -> zkinfer_circuits::Tensor {
        zkinfer_circuits::Tensor::new(self.shape.clone(), self.data.iter().map(|&v| v as f32).collect())
    }

    /// Values as integers (shape and axes inputs).
    pub fn as_i64(&self) -> Vec<i64> {
        self.data.iter().map(|&v| v as i64).collect()
    }
}

pub fn read_model(path: &Path) -> Result<ModelProto, ImportError> {
    let bytes = std::fs::read(path)
        .map_err(|e| ImportError::Read { path: path.display().to_string(), reason: e.to_string() })?;
    let model = tract_onnx::onnx().proto_model_for_read(&mut bytes.as_slice()).map_err(|e| ImportError::Read {
        path: path.display().to_string(),
        reason: format!("not a valid ONNX protobuf ({e})"),
    })?;
    if model.graph.is_none() {
        return Err(ImportError::Malformed(format!("'{}' has no graph", path.display())));
    }
    Ok(model)
}

/// Converts an ONNX tensor (inline or external data) to f64 values.
pub fn load_tensor(t: &TensorProto, model_path: &Path) -> Result<ConstTensor, ImportError> {
    let resolver = tract_onnx::data_resolver::MmapDataResolver;
    let tensor = tract_onnx::tensor::load_tensor(&resolver, t, model_path.to_str())
        .map_err(|e| ImportError::Malformed(format!("tensor '{}': {e}", t.name)))?;
    let shape = tensor.shape().to_vec();
    let cast = tensor.cast_to::<f64>().map_err(|e| {
        ImportError::Malformed(format!("tensor '{}' is not numeric ({:?}): {e}", t.name, tensor.datum_type()))
    })?;
    let data = cast
        .to_plain_array_view::<f64>()
        .map_err(|e| ImportError::Malformed(format!("tensor {}: {e}", t.name)))?
        .iter()
        .copied()
        .collect();
    if tensor.datum_type() == DatumType::String {
        return Err(ImportError::Malformed(format!("tensor '{}' holds strings", t.name)));
    }
    Ok(ConstTensor { shape, data })
}

/// Typed attribute access with errors that name the node.
pub struct Attrs<'a>(pub &'a NodeProto);

impl Attrs<'_> {
    fn find(&self, name: &str) -> Option<&tract_onnx::pb::AttributeProto> {
        self.0.attribute.iter().find(|a| a.name == name)
    }

    pub fn int(&self, name: &str, default: i64) -> i64 {
        self.find(name).map_or(default, |a| a.i)
    }

    pub fn float(&self, name: &str, default: f32) -> f32 {
        self.find(name).map_or(default, |a| a.f)
    }

    pub fn ints(&self, name: &str) -> Option<Vec<i64>> {
        self.find(name).map(|a| a.ints.clone())
    }

    pub fn floats(&self, name: &str) -> Option<Vec<f32>> {
        self.find(name).map(|a| a.floats.clone())
    }

    pub fn string(&self, name: &str) -> Option<String> {
        self.find(name).map(|a| String::from_utf8_lossy(&a.s).into_owned())
    }

    pub fn strings(&self, name: &str) -> Option<Vec<String>> {
        self.find(name).map(|a| a.strings.iter().map(|s| String::from_utf8_lossy(s).into_owned()).collect())
    }

    pub fn tensor(&self, name: &str) -> Option<&TensorProto> {
        self.find(name).and_then(|a| a.t.as_ref())
    }
}
