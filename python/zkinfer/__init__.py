"""zkinfer: zero-knowledge proofs of ONNX model inference (halo2, KZG on BN254), from Python.

The functions mirror the ``zkinfer`` CLI and read like EZKL's Python API::

    import zkinfer
    zkinfer.compile("model.onnx", samples=[x0, x1], output="model.zkc")
    zkinfer.gen_srs(model="model.zkc", output="srs.bin")          # INSECURE, for development
    zkinfer.setup("model.zkc", srs="srs.bin", pk="pk.bin", vk="vk.bin")
    proof = zkinfer.prove("model.zkc", pk="pk.bin", input=x0, output="proof.json")
    zkinfer.verify(vk="vk.bin", proof="proof.json")             # raises VerificationError if not

Inputs are numpy arrays, lists, or paths of EZKL-style input files (``{"input_data": [[...]]}``).
Results are dicts; proved outputs hold numpy arrays in the output's shape. Every failure raises
:class:`ZkinferError` (a rejected proof :class:`VerificationError`) with the CLI's message.
The long steps release the GIL.
"""

from __future__ import annotations

import json
import os
from typing import Iterable, Optional, Sequence, Union

import numpy as np

from . import _native
from ._native import VerificationError, ZkinferError

__version__ = _native.__version__
__all__ = [
    "ZkinferError",
    "VerificationError",
    "compile",
    "gen_srs",
    "srs_info",
    "setup",
    "prove",
    "verify",
    "gen_verifier",
    "verify_evm",
    "inspect",
    "commit",
    "read_input",
    "Prover",
    "Verifier",
]

PathLike = Union[str, "os.PathLike[str]"]
ArrayLike = Union[PathLike, np.ndarray, Sequence[float]]
# a field element: an int, or a string of 0x hex (an address) or decimal digits
FieldLike = Union[int, str]


def _path(p: Optional[PathLike]) -> Optional[str]:
    return None if p is None else os.fspath(p)


def _field(v: Optional[FieldLike]) -> Optional[str]:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise ZkinferError(f"a field element is a non-negative int or a 0x hex or decimal string, not {v!r}")
    return str(v)


def _values(x: ArrayLike) -> list:
    """The flat float values of one input: an input file's, or an array's in C order."""
    if isinstance(x, (str, os.PathLike)):
        return _native.read_input(os.fspath(x))
    try:
        array = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ZkinferError(f"an input must be numbers (an array or a list) or an input file's path: {e}") from None
    return array.ravel().tolist()


def _samples(samples: Union[ArrayLike, Iterable[ArrayLike]]) -> list:
    """Calibration samples: one path or array, or a list of paths and arrays (one sample each)."""
    if isinstance(samples, (str, os.PathLike, np.ndarray)):
        return [_values(samples)]
    samples = list(samples)
    if samples and all(isinstance(v, (int, float)) for v in samples):
        return [_values(samples)]
    return [_values(s) for s in samples]


def _with_arrays(report: dict) -> dict:
    """Proved outputs as numpy arrays in their shapes (values and exact quantized integers)."""
    for output in report.get("outputs", []):
        shape = tuple(output["shape"])
        integer = output.get("dtype", "float32").startswith(("int", "uint", "bool"))
        output["values"] = np.asarray(output["values"], dtype=np.int64 if integer else np.float64).reshape(shape)
        output["quantized"] = np.asarray(output["quantized"], dtype=object).reshape(shape)
    if report.get("float_reference") is not None:
        outputs = report.get("outputs", [])
        report["float_reference"] = [
            np.asarray(r, dtype=np.float64).reshape(o["shape"]) if o and len(r) == np.prod(o["shape"]) else np.asarray(r)
            for r, o in zip(report["float_reference"], outputs + [None] * len(report["float_reference"]))
        ]
    return report


def read_input(path: PathLike) -> np.ndarray:
    """The flat values of an EZKL-style input file."""
    return np.asarray(_native.read_input(os.fspath(path)), dtype=np.float64)


def compile(
    model: PathLike,
    samples: Union[ArrayLike, Iterable[ArrayLike]],
    output: PathLike = "model.zkc",
    *,
    bits: Optional[int] = None,
    scale: Optional[int] = None,
    width: Optional[int] = None,
    input_visibility: str = "public",
    output_visibility: str = "public",
    param_visibility: str = "fixed",
    optimize: str = "prover",
    calibration_target: str = "balanced",
    reference: Optional[PathLike] = None,
) -> dict:
    """Imports an ONNX model, calibrates it on ``samples``, quantizes it and sizes its circuit.

    Writes the compiled model to ``output``; returns k, rows, width, bits and the accuracy
    against the float reference on the samples. Options are ``zkinfer compile``'s:
    ``calibration_target`` is ``balanced``, ``accuracy`` or ``resources`` (not with ``bits``);
    ``reference`` is a file of onnxruntime-recorded outputs to measure the accuracy against.
    """
    report = _native.compile(
        os.fspath(model),
        _samples(samples),
        os.fspath(output),
        bits=bits,
        scale=scale,
        width=width,
        input_visibility=input_visibility,
        output_visibility=output_visibility,
        param_visibility=param_visibility,
        optimize=optimize,
        calibration_target=calibration_target,
        reference=None if reference is None else os.fspath(reference),
    )
    return json.loads(report)


def gen_srs(k: Optional[int] = None, output: PathLike = "srs.bin", *, model: Optional[PathLike] = None, seed: int = 0) -> dict:
    """Writes an INSECURE development SRS (its secret comes from ``seed``: anyone can forge
    proofs with it). Give ``k``, or ``model`` (a compiled model) to take the k its circuit needs."""
    if (k is None) == (model is None):
        raise ZkinferError("gen_srs takes k or model (a compiled model whose k to use), exactly one")
    if k is None:
        k = _native.srs_k_for(os.fspath(model))
    return json.loads(_native.gen_srs(int(k), os.fspath(output), seed=seed))


def srs_info(path: PathLike) -> dict:
    """Checks an SRS file and returns its k and number of G1 powers."""
    return json.loads(_native.srs_info(os.fspath(path)))


def setup(model: PathLike, srs: PathLike, pk: PathLike = "pk.bin", vk: PathLike = "vk.bin") -> dict:
    """Generates the proving and verifying keys of a compiled model."""
    return json.loads(_native.setup(os.fspath(model), os.fspath(srs), os.fspath(pk), os.fspath(vk)))


class Prover:
    """A compiled model and its proving key, loaded once: for proving many inputs (a batch
    worker keeps one). ``prove`` returns the report of :func:`prove`."""

    def __init__(self, model: PathLike, pk: PathLike):
        self._native = _native.Prover(os.fspath(model), os.fspath(pk))

    @property
    def model_name(self) -> str:
        return self._native.model_name

    @property
    def input_len(self) -> int:
        return self._native.input_len

    @property
    def load_seconds(self) -> float:
        return self._native.load_seconds

    def prove(
        self,
        input: ArrayLike,
        output: Optional[PathLike] = None,
        *,
        reference: bool = True,
        owner: Optional[FieldLike] = None,
        salt: Optional[FieldLike] = None,
    ) -> dict:
        """Proves one inference; ``reference=False`` skips the float reference run (for batches).
        A model compiled with a salted input takes its ``owner`` and ``salt``."""
        report = self._native.prove(_values(input), _path(output), reference, _field(owner), _field(salt))
        return _with_arrays(json.loads(report))


def prove(
    model: PathLike,
    pk: PathLike,
    input: ArrayLike,
    output: Optional[PathLike] = "proof.json",
    *,
    owner: Optional[FieldLike] = None,
    salt: Optional[FieldLike] = None,
) -> dict:
    """Proves one inference. Returns the proved outputs (numpy arrays), the float reference,
    commitments, timings, and under ``bundle`` the proof file's JSON (also written to ``output``
    unless it is None). A salted input takes its ``owner`` (public) and ``salt`` (private)."""
    return Prover(model, pk).prove(input, output, owner=owner, salt=salt)


class Verifier:
    """A verifying key, loaded once. ``verify`` takes a proof file's path or, as returned by
    :func:`prove` under ``bundle``, its JSON."""

    def __init__(self, vk: PathLike):
        self._native = _native.Verifier(os.fspath(vk))

    @property
    def model_name(self) -> str:
        return self._native.model_name

    def verify(self, proof: Union[PathLike, dict]) -> dict:
        if isinstance(proof, dict):
            proof = proof["bundle"] if "bundle" in proof else json.dumps(proof)
            return _with_arrays(json.loads(self._native.verify(bundle=proof)))
        if isinstance(proof, str) and proof.lstrip().startswith("{"):
            return _with_arrays(json.loads(self._native.verify(bundle=proof)))
        return _with_arrays(json.loads(self._native.verify(path=os.fspath(proof))))


def verify(vk: PathLike, proof: Union[PathLike, dict]) -> dict:
    """Verifies a proof against a verifying key. Returns the verified outputs (and the caveats of
    the key's visibility); raises :class:`VerificationError` when the proof is rejected."""
    return Verifier(vk).verify(proof)


def gen_verifier(vk: PathLike, output: PathLike = "Verifier.sol", *, compile: bool = False) -> dict:
    """Writes the Solidity verifier of a verifying key (with ``compile=True`` also compiles it
    with solc-js, which needs the npm tooling, and reports its runtime size)."""
    return json.loads(_native.gen_verifier(os.fspath(vk), os.fspath(output), compile=compile))


def verify_evm(vk: PathLike, proof: PathLike, *, no_size_limit: bool = False) -> dict:
    """Verifies a proof with the generated Solidity verifier on an in-process EVM; reports gas."""
    return json.loads(_native.verify_evm(os.fspath(vk), os.fspath(proof), no_size_limit=no_size_limit))


def inspect(model: PathLike) -> dict:
    """A compiled model's circuit: k, rows, columns, lookups per layer, and its public layout."""
    return json.loads(_native.inspect(os.fspath(model)))


def commit(
    model: PathLike,
    input: Optional[ArrayLike] = None,
    *,
    owner: Optional[FieldLike] = None,
    salt: Optional[FieldLike] = None,
) -> str:
    """The Poseidon commitment to ``input`` (or, without one, to the model's parameters) that a
    proof with hashed input (or hashed parameters) exposes, as 0x-prefixed hex; for a salted
    input, to its ``owner``, ``salt`` and values."""
    values = None if input is None else _values(input)
    report = json.loads(_native.commit(os.fspath(model), values, _field(owner), _field(salt)))
    return report.get("input_commitment") or report["params_commitment"]

