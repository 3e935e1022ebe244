"""Generates the benchmark models of benches/models/ (committed; re-run to regenerate).

- cifar_cnn: a CIFAR-10-size CNN, 3x32x32 -> three (Conv 3x3 pad 1 + BatchNormalization + Relu)
  stages of 16, 32 and 64 channels, MaxPool 2x2 after the first two, GlobalAveragePool, Gemm to
  10 classes: about 2.8 M multiply-adds, the model of the scale issue.
- cifar_cnn_x2: the same with every width doubled (32, 64, 128 channels).
- mlp_1m: an MLP 784-1024-1024-10 with Relu, about 1.86 M parameters.
- cnn28: models/cnn_maxpool (1x28x28, Conv-Relu-MaxPool x2, Gemm) with every Conv attribute
  written out (strides, dilations, kernel_shape, group), which EZKL needs to import it; the
  weights are the bundled model's.
- credit_mlp: a credit MLP 16-64-32-1 (Relu, Sigmoid) with a symbolic batch dimension, and
  input files of 32, 256 and 1,024 borrowers (`input_b32.json`, …): the batch fixes the shape.

Weights are random (He-scaled) and the BatchNormalization statistics non-trivial, so folding and
quantization are exercised as on a trained model. Needs `onnx` and `numpy`.

    python3 benches/models/make_bench_models.py
"""

import json
import os
import shutil

import numpy as np
from onnx import TensorProto, helper, load, numpy_helper, save

HERE = os.path.dirname(os.path.abspath(__file__))


def save_model(name: str, nodes, inits, input_info, output_info) -> str:
    """Writes benches/models/<name>/model.onnx (opset 13, one float input and output); returns the folder."""
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info(input_info[0], TensorProto.FLOAT, input_info[1])],
        [helper.make_tensor_value_info(output_info[0], TensorProto.FLOAT, output_info[1])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="zkinfer-benches")
    model.ir_version = 8
    folder = os.path.join(HERE, name)
    os.makedirs(folder, exist_ok=True)
    save(model, os.path.join(folder, "model.onnx"))
    return folder


def cnn(name: str, widths, seed: int) -> None:
    rng = np.random.default_rng(seed)
    nodes, inits = [], []

    def init(n, a):
        inits.append(numpy_helper.from_array(np.asarray(a, dtype=np.float32), n))

    x, channels = "input", 3
    for i, width in enumerate(widths, start=1):
        init(f"w{i}", rng.normal(scale=np.sqrt(2.0 / (9 * channels)), size=(width, channels, 3, 3)))
        init(f"b{i}", rng.normal(scale=0.05, size=width))
        for part, values in (("scale", rng.uniform(0.6, 1.4, width)), ("bias", rng.normal(scale=0.1, size=width)),
                             ("mean", rng.normal(scale=0.1, size=width)), ("var", rng.uniform(0.5, 1.5, width))):
            init(f"bn{i}_{part}", values)
        nodes += [
            helper.make_node("Conv", [x, f"w{i}", f"b{i}"], [f"c{i}"], name=f"c{i}", kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
            helper.make_node("BatchNormalization", [f"c{i}", f"bn{i}_scale", f"bn{i}_bias", f"bn{i}_mean", f"bn{i}_var"], [f"bn{i}"], name=f"bn{i}"),
            helper.make_node("Relu", [f"bn{i}"], [f"r{i}"], name=f"r{i}"),
        ]
        x = f"r{i}"
        if i < len(widths):
            nodes.append(helper.make_node("MaxPool", [x], [f"p{i}"], name=f"p{i}", kernel_shape=[2, 2], strides=[2, 2]))
            x = f"p{i}"
        channels = width
    init("fc_w", rng.normal(scale=np.sqrt(1.0 / channels), size=(10, channels)))
    init("fc_b", rng.normal(scale=0.05, size=10))
    nodes += [
        helper.make_node("GlobalAveragePool", [x], ["gap"], name="gap"),
        helper.make_node("Flatten", ["gap"], ["flat"], name="flat"),
        helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["logits"], name="fc", transB=1),
    ]
    folder = save_model(name, nodes, inits, ("input", [1, 3, 32, 32]), ("logits", [1, 10]))
    for file in ("input.json", "input2.json"):
        image = rng.uniform(-1.0, 1.0, size=3 * 32 * 32)  # a normalized image
        with open(os.path.join(folder, file), "w") as fh:
            json.dump({"input_data": [[round(float(v), 4) for v in image]]}, fh)


def dense(name: str, sizes, batch: str, activations, seed: int, inputs) -> None:
    """A chain of Gemm layers; `activations[i]` follows layer i (None: nothing)."""
    rng = np.random.default_rng(seed)
    nodes, inits, x = [], [], "input"
    for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        inits.append(numpy_helper.from_array(rng.normal(scale=np.sqrt(2.0 / fan_in), size=(fan_in, fan_out)).astype(np.float32), f"w{i}"))
        inits.append(numpy_helper.from_array(rng.normal(scale=0.05, size=fan_out).astype(np.float32), f"b{i}"))
        nodes.append(helper.make_node("Gemm", [x, f"w{i}", f"b{i}"], [f"fc{i}"], name=f"fc{i}"))
        x = f"fc{i}"
        if activations[i]:
            nodes.append(helper.make_node(activations[i], [x], [f"act{i}"], name=f"act{i}"))
            x = f"act{i}"
    folder = save_model(name, nodes, inits, ("input", [batch, sizes[0]]), (x, [batch, sizes[-1]]))
    for file, rows in inputs:
        data = rng.normal(size=rows * sizes[0]).clip(-3, 3)
        with open(os.path.join(folder, file), "w") as fh:
            json.dump({"input_data": [[round(float(v), 4) for v in data]]}, fh)


def explicit_conv_attributes(name: str, source: str) -> None:
    """Copies a bundled model with its Conv nodes' default attributes written out."""
    bundled = os.path.join(HERE, "..", "..", "models", source)
    model = load(os.path.join(bundled, "model.onnx"))
    weights = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type != "Conv":
            continue
        present = {a.name for a in node.attribute}
        spatial = weights[node.input[1]].shape[2:]
        defaults = {"kernel_shape": list(spatial), "strides": [1] * len(spatial), "dilations": [1] * len(spatial), "group": 1}
        node.attribute.extend(helper.make_attribute(k, v) for k, v in defaults.items() if k not in present)
    folder = os.path.join(HERE, name)
    os.makedirs(folder, exist_ok=True)
    save(model, os.path.join(folder, "model.onnx"))
    for file in ("input.json", "input2.json"):
        shutil.copy(os.path.join(bundled, file), os.path.join(folder, file))


if __name__ == "__main__":
    cnn("cifar_cnn", [16, 32, 64], seed=10)
    cnn("cifar_cnn_x2", [32, 64, 128], seed=11)
    explicit_conv_attributes("cnn28", "cnn_maxpool")
    dense("mlp_1m", [784, 1024, 1024, 10], 1, ["Relu", "Relu", None], 12, [("input.json", 1), ("input2.json", 1)])
    batches = [(f"input_b{n}.json", n) for n in (32, 256, 1024)] + [(f"input2_b{n}.json", n) for n in (32, 256, 1024)]
    dense("credit_mlp", [16, 64, 32, 1], "N", ["Relu", "Relu", "Sigmoid"], 13, batches)
