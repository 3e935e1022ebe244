use thiserror::Error;

#[derive(Debug, Error)]
pub enum ImportError {
    #[error("cannot read ONNX model '{path}': {reason}")]
    Read { path: String, reason: String },
    #[error("malformed ONNX model: {0}")]
    Malformed(String),
    #[error("unsupported ONNX op '{op}' at node '{node}'{detail}")]
    Unsupported { op: String, node: String, detail: String },
    #[error("node '{node}' ({op}): {reason}")]
    BadNode { op: String, node: String, reason: String },
    #[error("model input: {0}")]
    Input(String),
    /// Why no float reference was available, in a few words.
    #[error("{0}")]
    Reference(String),
}

impl ImportError {
    pub(crate) fn unsupported(op: &str, node: &str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        let detail = if detail.is_empty() { detail } else { format!(": {detail}") };
        Self::Unsupported { op: op.into(), node: node.into(), detail }
    }
}
