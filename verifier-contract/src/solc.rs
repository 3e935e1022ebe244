//! Solidity compilation with the solc-js pinned in `verifier-contract/package.json` (npm `solc`
//! 0.8.19, the version snark-verifier's pragma names), driven through `scripts/solc.js`.

use serde::Deserialize;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Debug, thiserror::Error)]
pub enum SolcError {
    #[error("solc-js is not installed: run `npm ci --prefix {0}` (needs Node.js and npm)")]
    NotInstalled(String),
    #[error("could not run node: {0} (install Node.js to compile Solidity)")]
    Node(String),
    #[error("solc reported errors:\n{0}")]
    Compile(String),
    #[error("contract '{0}' is not in the compiled output")]
    Missing(String),
}

/// One compiled contract.
#[derive(Clone, Debug, Deserialize)]
pub struct Compiled {
    /// Creation (deployment) bytecode, hex.
    pub bytecode: String,
    /// Runtime bytecode, hex: what EIP-170's 24,576-byte limit applies to.
    pub runtime: String,
    pub abi: serde_json::Value,
}

impl Compiled {
    pub fn creation_bytes(&self) -> Vec<u8> {
        hex::decode(&self.bytecode).expect("solc emits hex")
    }

    pub fn runtime_size(&self) -> usize {
        self.runtime.len() / 2
    }
}

#[derive(Deserialize)]
struct Output {
    contracts: HashMap<String, Compiled>,
    errors: Vec<String>,
}

/// The folder holding package.json and node_modules (overridable with ZKINFER_SOLC_DIR).
pub fn tooling_dir() -> PathBuf {
    std::env::var_os("ZKINFER_SOLC_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf())
}

/// How solc optimizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Optimizer {
    Off,
    /// The full optimizer (Yul and opcode passes), tuned for `runs` calls.
    Full {
        runs: u32,
    },
    /// Only the opcode-level passes (deduplication, common subexpressions, constants): the
    /// generated verifier's single deep assembly block runs the Yul optimizer out of stack.
    OpcodeOnly {
        runs: u32,
    },
}

impl Optimizer {
    fn request(self) -> serde_json::Value {
        match self {
            Self::Off => serde_json::Value::Null,
            Self::Full { runs } => serde_json::json!({ "runs": runs, "yul": true }),
            Self::OpcodeOnly { runs } => serde_json::json!({ "runs": runs, "yul": false }),
        }
    }
}

/// Compiles `sources` (file name → source) and returns every contract by name.
pub fn compile(sources: &[(&str, &str)], optimizer: Optimizer) -> Result<HashMap<String, Compiled>, SolcError> {
    let dir = tooling_dir();
    if !dir.join("node_modules/solc/package.json").exists() {
        return Err(SolcError::NotInstalled(dir.display().to_string()));
    }
    let request = serde_json::json!({
        "sources": sources.iter().map(|(f, s)| (f.to_string(), serde_json::Value::String(s.to_string()))).collect::<serde_json::Map<_, _>>(),
        "optimizer": optimizer.request(),
    });
    let mut child = Command::new("node")
        .arg(dir.join("scripts/solc.js"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| SolcError::Node(e.to_string()))?;
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(request.to_string().as_bytes())
        .map_err(|e| SolcError::Node(e.to_string()))?;
    let out = child.wait_with_output().map_err(|e| SolcError::Node(e.to_string()))?;
    if !out.status.success() {
        return Err(SolcError::Node(String::from_utf8_lossy(&out.stderr).into_owned()));
    }
    let output: Output =
        serde_json::from_slice(&out.stdout).map_err(|e| SolcError::Node(format!("unexpected solc-js output: {e}")))?;
    if !output.errors.is_empty() {
        return Err(SolcError::Compile(output.errors.join("\n")));
    }
    Ok(output.contracts)
}

/// Compiles and returns one named contract.
pub fn compile_contract(sources: &[(&str, &str)], name: &str, optimizer: Optimizer) -> Result<Compiled, SolcError> {
    compile(sources, optimizer)?.remove(name).ok_or_else(|| SolcError::Missing(name.to_string()))
}
