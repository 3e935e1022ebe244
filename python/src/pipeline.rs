//! Compile, SRS, setup, inspect and commit: the steps before proving.

use crate::{run, to_json};
use halo2_proofs::poly::commitment::Params;
use pyo3::prelude::*;
use std::path::PathBuf;
use std::time::Instant;
use zkinfer::compile::{CalibrationTarget, CompileOptions};
use zkinfer::files::check_outputs;
use zkinfer::srs::Downsizing;
use zkinfer::CompiledModel;
use zkinfer_circuits::circuit::cost::{stats, Objective};
use zkinfer_circuits::circuit::visibility::{ModelVisibility, Visibility};
use zkinfer_circuits::QuantizeOptions;

/// The flat values of an input file in EZKL's layout, `{"input_data": [[...]]}`.
#[pyfunction]
pub fn read_input(py: Python<'_>, path: PathBuf) -> PyResult<Vec<f64>> {
    run(py, || Ok(zkinfer::input::read_input(&path)?))
}

/// Imports, calibrates on `samples`, quantizes and sizes the circuit; writes the compiled model
/// to `output`. The options are the CLI's (`zkinfer compile --help`).
#[pyfunction]
#[pyo3(signature = (model, samples, output, bits=None, scale=None, width=None, input_visibility="public", output_visibility="public", param_visibility="fixed", optimize="prover", calibration_target="balanced", reference=None))]
#[allow(clippy::too_many_arguments)]
pub fn compile(
    py: Python<'_>,
    model: PathBuf,
    samples: Vec<Vec<f64>>,
    output: PathBuf,
    bits: Option<u32>,
    scale: Option<i32>,
    width: Option<usize>,
    input_visibility: &str,
    output_visibility: &str,
    param_visibility: &str,
    optimize: &str,
    calibration_target: &str,
    reference: Option<PathBuf>,
) -> PyResult<String> {
    let visibility = parse_visibility(input_visibility, output_visibility, param_visibility)?;
    let objective: Objective = optimize.parse().map_err(crate::ZkinferError::new_err)?;
    let target: CalibrationTarget = calibration_target.parse().map_err(crate::ZkinferError::new_err)?;
    if bits.is_some() && target != CalibrationTarget::Balanced {
        return Err(crate::ZkinferError::new_err(
            "bits fixes the bits that calibration_target would choose; give one of them",
        ));
    }
    let opts = CompileOptions {
        quantize: QuantizeOptions { bits: bits.unwrap_or(12), fixed_scale: scale },
        width,
        exact_bits: bits.is_some(),
        visibility,
        objective,
        target,
        reference,
    };
    run(py, || {
        check_outputs(&[("output", &output)], &[("the ONNX model", &model)])?;
        let start = Instant::now();
        let compiled = zkinfer::compile(&model, &samples, &opts)?;
        let seconds = start.elapsed().as_secs_f64();
        compiled.save(&output)?;
        let st = stats(&compiled.model, compiled.params);
        Ok(to_json(serde_json::json!({
            "output": output, "model": compiled.name, "digest": compiled.digest(), "k": st.params.k, "width": st.params.width,
            "bits": st.params.bits, "limbs": st.params.limbs, "rows": st.used_rows, "usable_rows": st.usable_rows,
            "accuracy": compiled.accuracy, "compile_seconds": seconds,
        })))
    })
}

fn parse_visibility(input: &str, output: &str, params: &str) -> PyResult<ModelVisibility> {
    let parse = |s: &str| s.parse::<Visibility>().map_err(crate::ZkinferError::new_err);
    let visibility = ModelVisibility { input: parse(input)?, output: parse(output)?, params: parse(params)? };
    visibility.validate().map_err(crate::ZkinferError::new_err)?;
    Ok(visibility)
}

/// The k a compiled model's circuit needs (the smallest SRS that sets it up).
#[pyfunction]
pub fn srs_k_for(py: Python<'_>, model: PathBuf) -> PyResult<u32> {
    run(py, || Ok(CompiledModel::load(&model)?.params.k))
}

/// Writes an INSECURE development SRS of 2^k powers, deterministic from `seed`.
#[pyfunction]
#[pyo3(signature = (k, output, seed=0))]
pub fn gen_srs(py: Python<'_>, k: u32, output: PathBuf, seed: u64) -> PyResult<String> {
    run(py, || {
        check_outputs(&[("output", &output)], &[])?;
        let start = Instant::now();
        let srs = zkinfer::srs::generate_insecure(k, seed)?;
        zkinfer::srs::save(&srs, &output)?;
        Ok(to_json(serde_json::json!({
            "output": output, "k": k, "insecure": true, "seconds": start.elapsed().as_secs_f64(),
        })))
    })
}

/// Checks an SRS file (halo2's KZG params format) and reports its size.
#[pyfunction]
pub fn srs_info(py: Python<'_>, path: PathBuf) -> PyResult<String> {
    run(py, || {
        let srs = zkinfer::srs::load(&path)?;
        Ok(to_json(serde_json::json!({ "path": path, "k": srs.k(), "g1_powers": srs.n() })))
    })
}

/// Generates the proving and verifying keys of a compiled model and writes both (or neither).
/// A larger SRS is downsized to the model's k, and the result cached beside it, as by the CLI.
#[pyfunction]
pub fn setup(py: Python<'_>, model: PathBuf, srs: PathBuf, pk: PathBuf, vk: PathBuf) -> PyResult<String> {
    run(py, || {
        check_outputs(&[("pk", &pk), ("vk", &vk)], &[("the compiled model", &model), ("srs", &srs)])?;
        let compiled = CompiledModel::load(&model)?;
        let (params, file_k, downsizing) = zkinfer::srs::load_fitted(&srs, compiled.params.k)?;
        let start = Instant::now();
        let (proving_key, verifying_key) = zkinfer::setup(&compiled, params, &srs)?;
        let seconds = start.elapsed().as_secs_f64();
        verifying_key.save(&vk)?;
        if let Err(e) = proving_key.save(&pk) {
            let _ = std::fs::remove_file(&vk);
            return Err(e.into());
        }
        let size = |p: &PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        Ok(to_json(serde_json::json!({
            "pk": pk, "vk": vk, "k": compiled.params.k, "keygen_seconds": seconds, "pk_bytes": size(&pk), "vk_bytes": size(&vk),
            "srs": { "file_k": file_k, "downsized": file_k > compiled.params.k, "cached": matches!(downsizing, Downsizing::Cached(_)) },
        })))
    })
}

/// The circuit of a compiled model: k, rows, columns, lookups, per layer, and its public layout.
#[pyfunction]
pub fn inspect(py: Python<'_>, model: PathBuf) -> PyResult<String> {
    run(py, || {
        let compiled = CompiledModel::load(&model)?;
        let m = &compiled.model;
        let params_len = m.param_values(compiled.params.visibility.witness_params()).len();
        let public: Vec<_> = compiled
            .params
            .public_layout(m.input_node().len(), m.output_len(), params_len)
            .iter()
            .map(|(part, start, count, encoding)| {
                serde_json::json!({ "part": part, "start": start, "instances": count, "encoding": encoding })
            })
            .collect();
        Ok(to_json(serde_json::json!({
            "model": compiled.name, "digest": compiled.digest(), "circuit": stats(m, compiled.params),
            "public": public, "accuracy": compiled.accuracy,
        })))
    })
}

/// A salted input's owner and salt from Python (both or neither), as the input file takes them.
pub fn opening(owner: Option<String>, salt: Option<String>) -> anyhow::Result<Option<zkinfer::input::Opening>> {
    use zkinfer::input::field_element;
    match (owner, salt) {
        (None, None) => Ok(None),
        (Some(owner), Some(salt)) => Ok(Some(zkinfer::input::Opening {
            owner: field_element(&owner, "owner").map_err(anyhow::Error::msg)?,
            salt: field_element(&salt, "salt").map_err(anyhow::Error::msg)?,
        })),
        _ => anyhow::bail!("owner and salt go together (a salted input's commitment opens with both)"),
    }
}

/// The Poseidon commitment to an input (or, with `input=None`, to the parameters) that a proof
/// with hashed input (or hashed parameters) exposes; a salted input takes its owner and salt.
#[pyfunction]
#[pyo3(signature = (model, input=None, owner=None, salt=None))]
pub fn commit(
    py: Python<'_>,
    model: PathBuf,
    input: Option<Vec<f64>>,
    owner: Option<String>,
    salt: Option<String>,
) -> PyResult<String> {
    run(py, || {
        let compiled = CompiledModel::load(&model)?;
        let opening = opening(owner, salt)?;
        Ok(to_json(match input {
            Some(x) => {
                serde_json::json!({ "input_commitment": zkinfer::proof::input_commitment(&compiled, &x, opening.as_ref())? })
            }
            None => serde_json::json!({ "params_commitment": zkinfer::proof::params_commitment(&compiled) }),
        }))
    })
}
