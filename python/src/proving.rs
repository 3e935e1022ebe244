//! Proving and verifying with keys loaded once: a `Prover` (or `Verifier`) holds its compiled
//! model and key, so a batch worker pays the key load once, not once per proof.

use crate::{run, to_json};
use pyo3::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use zkinfer::files::check_outputs;
use zkinfer::{CompiledModel, ProofBundle, ProvingKeyFile, VerifyingKeyFile};

#[pyclass(module = "zkinfer._native", frozen)]
pub struct Prover {
    compiled: Arc<CompiledModel>,
    key: Arc<ProvingKeyFile>,
    /// Seconds it took to read the compiled model and the proving key.
    #[pyo3(get)]
    load_seconds: f64,
}

#[pymethods]
impl Prover {
    #[new]
    fn new(py: Python<'_>, model: PathBuf, pk: PathBuf) -> PyResult<Self> {
        run(py, || {
            let start = Instant::now();
            let compiled = CompiledModel::load(&model)?;
            let key = ProvingKeyFile::load(&pk)?;
            anyhow::ensure!(
                key.info.model_digest == compiled.digest(),
                "the proving key '{}' was made for another compiled model than '{}' (run setup on this one)",
                pk.display(),
                model.display()
            );
            Ok(Self { compiled: Arc::new(compiled), key: Arc::new(key), load_seconds: start.elapsed().as_secs_f64() })
        })
    }

    /// Proves one inference on the flat `input`; writes the proof file to `output` when given.
    /// The report holds the proof file's JSON under `bundle`, so a remote worker can send it back,
    /// and, with `reference`, the float outputs of the source model (or of the imported graph).
    /// A salted input takes its `owner` and `salt` (field elements, 0x hex or decimal).
    #[pyo3(signature = (input, output=None, reference=true, owner=None, salt=None))]
    fn prove(
        &self,
        py: Python<'_>,
        input: Vec<f64>,
        output: Option<PathBuf>,
        reference: bool,
        owner: Option<String>,
        salt: Option<String>,
    ) -> PyResult<String> {
        run(py, || {
            if let Some(path) = &output {
                check_outputs(&[("output", path)], &[])?;
            }
            let opening = crate::pipeline::opening(owner, salt)?;
            let start = Instant::now();
            let transcript = zkinfer::proof::Transcript::Evm;
            let bundle = zkinfer::proof::prove_opened(&self.compiled, &self.key, &input, opening.as_ref(), transcript)?;
            let seconds = start.elapsed().as_secs_f64();
            if let Some(path) = &output {
                bundle.save(path)?;
            }
            let (reference, source) = match reference {
                true => {
                    let r = self.compiled.source_reference(&input);
                    (Some(r.outputs.clone()), Some(r.describe()))
                }
                false => (None, None),
            };
            Ok(to_json(serde_json::json!({
                "proof": output, "outputs": bundle.outputs, "input_commitment": bundle.input_commitment, "input_owner": bundle.input_owner,
                "output_commitment": bundle.output_commitment, "params_commitment": bundle.params_commitment,
                "float_reference": reference, "reference_source": source, "proof_bytes": bundle.proof.len() / 2,
                "prove_seconds": seconds, "bundle": bundle.to_json(),
            })))
        })
    }

    #[getter]
    fn model_name(&self) -> String {
        self.compiled.name.clone()
    }

    /// Values the model input takes (its flattened shape).
    #[getter]
    fn input_len(&self) -> usize {
        self.compiled.graph.input_len()
    }
}

#[pyclass(module = "zkinfer._native", frozen)]
pub struct Verifier {
    key: Arc<VerifyingKeyFile>,
}

#[pymethods]
impl Verifier {
    #[new]
    fn new(py: Python<'_>, vk: PathBuf) -> PyResult<Self> {
        run(py, || Ok(Self { key: Arc::new(VerifyingKeyFile::load(&vk)?) }))
    }

    /// Verifies a proof file (`path`) or a proof file's JSON held in memory (`bundle`).
    #[pyo3(signature = (path=None, bundle=None))]
    fn verify(&self, py: Python<'_>, path: Option<PathBuf>, bundle: Option<String>) -> PyResult<String> {
        run(py, || {
            let bundle = match (path, bundle) {
                (Some(p), None) => ProofBundle::load(&p)?,
                (None, Some(json)) => ProofBundle::parse(json.as_bytes(), "the proof bundle passed in memory")?,
                _ => anyhow::bail!("verify takes a proof file path or a proof bundle, exactly one"),
            };
            let start = Instant::now();
            zkinfer::verify(&self.key, &bundle)?;
            let info = &self.key.info;
            Ok(to_json(serde_json::json!({
                "verified": true, "model": info.model_name, "outputs": bundle.outputs, "verify_seconds": start.elapsed().as_secs_f64(),
                "input_commitment": bundle.input_commitment, "input_owner": bundle.input_owner, "output_commitment": bundle.output_commitment,
                "params_commitment": bundle.params_commitment, "params_pin": info.params_pin, "caveats": info.caveats(),
            })))
        })
    }

    #[getter]
    fn model_name(&self) -> String {
        self.key.info.model_name.clone()
    }
}
