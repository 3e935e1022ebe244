//! `zkinfer._native`: the Rust half of the `zkinfer` Python package.
//!
//! Each function runs one step of the pipeline through the same library calls as the CLI and
//! returns its report as a JSON string, which the Python half (`zkinfer/__init__.py`) turns into
//! a dict with numpy arrays. Work runs with the GIL released, and every failure — a bad file, a
//! rejected proof, even a panic — reaches Python as a `ZkinferError` with the CLI's message.

mod evm;
mod pipeline;
mod proving;

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use std::panic::AssertUnwindSafe;
use zkinfer::ZkError;

create_exception!(zkinfer, ZkinferError, PyException, "A zkinfer step failed; the message says what is wrong.");
create_exception!(zkinfer, VerificationError, ZkinferError, "A proof was rejected: it does not prove what it claims.");

/// Runs `work` without the GIL, so other Python threads (and Ray's event loop) go on, and turns
/// its error or panic into a Python exception.
fn run<T: Send>(py: Python<'_>, work: impl FnOnce() -> anyhow::Result<T> + Send) -> PyResult<T> {
    match py.detach(|| std::panic::catch_unwind(AssertUnwindSafe(work))) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(to_python_error(&e)),
        Err(panic) => Err(ZkinferError::new_err(format!(
            "internal error (a bug in zkinfer; please report it with the inputs that caused it): {}",
            panic_message(&panic)
        ))),
    }
}

/// A rejected proof is a `VerificationError`; anything else a `ZkinferError`. The message is the
/// CLI's: the whole chain of causes.
fn to_python_error(e: &anyhow::Error) -> PyErr {
    let message = format!("{e:#}");
    match e.downcast_ref::<ZkError>() {
        Some(ZkError::Rejected(_)) => VerificationError::new_err(message),
        _ => ZkinferError::new_err(message),
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into())
}

fn to_json(value: serde_json::Value) -> String {
    serde_json::to_string(&value).expect("serializable")
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // refuse to load on a CPU the field arithmetic cannot run on, instead of crashing later
    zkinfer_circuits::cpu::check().map_err(pyo3::exceptions::PyImportError::new_err)?;
    m.add("ZkinferError", m.py().get_type::<ZkinferError>())?;
    m.add("VerificationError", m.py().get_type::<VerificationError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(pipeline::read_input, m)?)?;
    m.add_function(wrap_pyfunction!(pipeline::compile, m)?)?;
    m.add_function(wrap_pyfunction!(pipeline::srs_k_for, m)?)?;
    m.add_function(wrap_pyfunction!(pipeline::gen_srs, m)?)?;
    m.add_function(wrap_pyfunction!(pipeline::srs_info, m)?)?;
    m.add_function(wrap_pyfunction!(pipeline::setup, m)?)?;
    m.add_function(wrap_pyfunction!(pipeline::inspect, m)?)?;
    m.add_function(wrap_pyfunction!(pipeline::commit, m)?)?;
    m.add_function(wrap_pyfunction!(evm::gen_verifier, m)?)?;
    m.add_function(wrap_pyfunction!(evm::verify_evm, m)?)?;
    m.add_class::<proving::Prover>()?;
    m.add_class::<proving::Verifier>()?;
    Ok(())
}
