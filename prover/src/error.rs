//! Errors a user can act on. Every failure of the CLI ends here, with a message that says what
//! is wrong and usually what to do.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ZkError {
    #[error(transparent)]
    Import(#[from] zkinfer_onnx::ImportError),
    #[error(transparent)]
    Quantize(#[from] zkinfer_circuits::QuantError),
    #[error("compile: {0}")]
    Compile(String),
    /// A calibration sample, by its position among the samples (the CLI names its file).
    #[error("calibration input #{index}: {reason}")]
    Sample { index: usize, reason: String },
    #[error("input file '{path}': {reason}")]
    Input { path: String, reason: String },
    #[error("cannot {action} '{path}': {reason}")]
    Io { action: &'static str, path: String, reason: String },
    #[error("'{path}' is not a valid {kind}: {reason}")]
    BadFile { path: String, kind: &'static str, reason: String },
    #[error("the circuit needs 2^{needed} rows but the SRS '{path}' only supports 2^{available}; generate or load an SRS with k >= {needed}")]
    SrsTooSmall { path: String, needed: u32, available: u32 },
    #[error("{0}")]
    Mismatch(String),
    #[error("proving failed: {0}")]
    Prove(String),
    #[error("proof rejected: {0}")]
    Rejected(String),
}

pub type Result<T, E = ZkError> = std::result::Result<T, E>;

impl ZkError {
    pub fn io(action: &'static str, path: &std::path::Path, e: impl std::fmt::Display) -> Self {
        Self::Io { action, path: path.display().to_string(), reason: e.to_string() }
    }

    pub fn bad_file(path: &std::path::Path, kind: &'static str, reason: impl std::fmt::Display) -> Self {
        Self::BadFile { path: path.display().to_string(), kind, reason: reason.to_string() }
    }
}
