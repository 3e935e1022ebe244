"""Shared fixtures: models from the repository's models/ folder compiled, set up and proved once
per test session in a temporary folder (small circuits: k <= 9)."""

import os
import pathlib

import pytest

import zkinfer

REPO = pathlib.Path(__file__).resolve().parents[2]
MODELS = REPO / "models"


class Pipeline:
    """A bundled model taken through compile → srs → setup → prove in `folder`."""

    def __init__(self, name: str, folder: pathlib.Path, **options):
        self.onnx = MODELS / name / "model.onnx"
        self.inputs = [MODELS / name / "input.json", MODELS / name / "input2.json"]
        self.folder = folder
        self.zkc, self.srs = folder / "model.zkc", folder / "srs.bin"
        self.pk, self.vk, self.proof = folder / "pk.bin", folder / "vk.bin", folder / "proof.json"
        self.compiled = zkinfer.compile(self.onnx, self.inputs, self.zkc, **options)
        zkinfer.gen_srs(model=self.zkc, output=self.srs)
        self.keys = zkinfer.setup(self.zkc, self.srs, self.pk, self.vk)
        self.proved = zkinfer.prove(self.zkc, self.pk, self.inputs[0], self.proof)


@pytest.fixture(scope="session")
def linear(tmp_path_factory):
    return Pipeline("linear_regression", tmp_path_factory.mktemp("linear"))


@pytest.fixture(scope="session")
def credit_hashed(tmp_path_factory):
    """The credit model with its input hashed: the proof exposes only the features' commitment."""
    return Pipeline("credit_logistic", tmp_path_factory.mktemp("credit"), input_visibility="hashed")


@pytest.fixture()
def in_tmp(tmp_path):
    """Runs a test inside its own empty folder."""
    cwd = os.getcwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(cwd)
