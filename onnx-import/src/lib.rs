//! zkinfer-onnx: ONNX models into zkinfer's graph IR, and tract's float run of the same file.
//!
//! The importer reads the ONNX protobuf through tract-onnx's types and lowers each node itself,
//! so an unsupported op is reported with its op type and node name (and ops tract cannot
//! translate, such as ai.onnx.ml tree ensembles, remain within reach). Constants are folded,
//! per-column affine ops (a BatchNormalization after a Conv or Gemm, a bias after a MatMul) are
//! folded into the Linear before them, symbolic dimensions are fixed from the input's size, and
//! nodes no output depends on are dropped.

#[cfg(test)]
mod audit3_tests;
#[cfg(test)]
mod audit4_tests;
#[cfg(test)]
mod audit_tests;
mod error;
mod fold;
mod graph_builder;
mod ops;
mod outputs;
mod proto;
mod reference;
#[cfg(test)]
mod semantics_tests;

pub use error::ImportError;
pub use graph_builder::InputPart;
pub use outputs::{graph_outputs, is_integer, GraphOutput};
pub use reference::{float_reference, recorded_reference, tract_reference, Reference, Unavailable};

use std::path::Path;
use zkinfer_circuits::Graph;

/// The model's inputs in the graph's order (the circuit reads their flat concatenation), with
/// symbolic dimensions fixed as [`import`] fixes them.
pub fn input_parts(path: &Path, input_len: Option<usize>) -> Result<Vec<InputPart>, ImportError> {
    graph_builder::input_parts(&proto::read_model(path)?, input_len)
}

/// Imports `path`. `input_len` (the number of values in the user's input) fixes symbolic
/// dimensions such as the batch size; without it they are 1.
pub fn import(path: &Path, input_len: Option<usize>) -> Result<Graph, ImportError> {
    let model = proto::read_model(path)?;
    graph_builder::build(&model, path, input_len)
}
