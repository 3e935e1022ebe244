#!/usr/bin/env python3
"""Regenerates the bundled ONNX models and their sample inputs (deterministic, offline).

Requires: numpy, onnx, scikit-learn (for its bundled 8x8 digits data set). Tests do not need
Python: they read the committed .onnx and .json files, and tract computes the float reference.

    python3 models/make_models.py
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261125)


def save(name, graph, opset=13):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="zkinfer-models")
    model.ir_version = 8
    onnx.checker.check_model(model)
    os.makedirs(os.path.join(HERE, name), exist_ok=True)
    onnx.save(model, os.path.join(HERE, name, "model.onnx"))


def save_fixture(file, graph, opset, ir_version=8):
    """A checked model under fixtures/ (the error-path and per-op test models)."""
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = ir_version
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, "fixtures", file))


def write_input(name, x, file="input.json"):
    with open(os.path.join(HERE, name, file), "w") as f:
        json.dump({"input_data": [[round(float(v), 6) for v in np.asarray(x).ravel()]]}, f)
        f.write("\n")


def init(name, array):
    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


def linear_regression():
    """10 features -> 1, least-squares fit of a noisy linear target (Gemm with bias)."""
    true_w = rng.normal(size=10)
    X = rng.normal(size=(500, 10))
    y = X @ true_w + 0.5 + 0.1 * rng.normal(size=500)
    Xb = np.hstack([X, np.ones((500, 1))])
    coef, *_ = np.linalg.lstsq(Xb, y, rcond=None)
    W, b = coef[:10].reshape(10, 1), coef[10:]
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["input", "W", "b"], ["output"], name="linear")],
        "linear_regression",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 10])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1])],
        [init("W", W), init("b", b)],
    )
    save("linear_regression", graph)
    write_input("linear_regression", X[0])
    write_input("linear_regression", X[1], "input2.json")


def mlp_relu():
    """8 -> 16 -> 8 -> 3 with Relu; the first layer is MatMul + Add (as PyTorch exports
    x @ W + b), the batch dimension is symbolic."""
    W1, b1 = rng.normal(scale=0.5, size=(8, 16)), rng.normal(scale=0.1, size=16)
    W2, b2 = rng.normal(scale=0.35, size=(16, 8)), rng.normal(scale=0.1, size=8)
    W3, b3 = rng.normal(scale=0.5, size=(8, 3)), rng.normal(scale=0.1, size=3)
    nodes = [
        helper.make_node("MatMul", ["input", "W1"], ["h1"], name="fc1_matmul"),
        helper.make_node("Add", ["h1", "b1"], ["h1b"], name="fc1_bias"),
        helper.make_node("Relu", ["h1b"], ["a1"], name="relu1"),
        helper.make_node("Gemm", ["a1", "W2", "b2"], ["h2"], name="fc2"),
        helper.make_node("Relu", ["h2"], ["a2"], name="relu2"),
        helper.make_node("Gemm", ["a2", "W3", "b3"], ["output"], name="fc3"),
    ]
    graph = helper.make_graph(
        nodes,
        "mlp_relu",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 8])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 3])],
        [init("W1", W1), init("b1", b1), init("W2", W2), init("b2", b2), init("W3", W3), init("b3", b3)],
    )
    save("mlp_relu", graph)
    write_input("mlp_relu", rng.normal(size=8))
    write_input("mlp_relu", rng.normal(size=8), "input2.json")


def digits_28x28():
    """scikit-learn's bundled 8x8 digits, upsampled to 28x28 in [0, 1]."""
    from sklearn.datasets import load_digits

    d = load_digits()
    imgs = d.images / 16.0
    idx = np.clip((np.arange(28) * 8) // 28, 0, 7)
    big = imgs[:, idx][:, :, idx]
    return big.reshape(len(big), 784), d.target


def mnist_mlp():
    """784 -> 128 -> 64 -> 10 with Relu, trained with plain SGD on the digits above."""
    X, y = digits_28x28()
    n_train = 1500
    sizes = [784, 128, 64, 10]
    Ws = [rng.normal(scale=np.sqrt(2.0 / a), size=(a, b)) for a, b in zip(sizes, sizes[1:])]
    bs = [np.zeros(b) for b in sizes[1:]]
    onehot = np.eye(10)[y]
    lr = 0.05
    for epoch in range(30):
        order = rng.permutation(n_train)
        for start in range(0, n_train, 32):
            batch = order[start:start + 32]
            acts = [X[batch]]
            for i, (W, b) in enumerate(zip(Ws, bs)):
                z = acts[-1] @ W + b
                acts.append(np.maximum(z, 0) if i < 2 else z)
            logits = acts[-1]
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            grad = (p - onehot[batch]) / len(batch)
            for i in (2, 1, 0):
                gW, gb = acts[i].T @ grad, grad.sum(axis=0)
                if i > 0:
                    grad = (grad @ Ws[i].T) * (acts[i] > 0)
                Ws[i] -= lr * gW
                bs[i] -= lr * gb

    def predict(x):
        h = x
        for i, (W, b) in enumerate(zip(Ws, bs)):
            h = h @ W + b
            h = np.maximum(h, 0) if i < 2 else h
        return h

    acc = (predict(X[n_train:]).argmax(axis=1) == y[n_train:]).mean()
    print(f"mnist_mlp: held-out accuracy {acc:.3f} on {len(X) - n_train} digits")
    nodes = [
        helper.make_node("Flatten", ["input"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "W1", "b1"], ["h1"], name="fc1"),
        helper.make_node("Relu", ["h1"], ["a1"], name="relu1"),
        helper.make_node("Gemm", ["a1", "W2", "b2"], ["h2"], name="fc2"),
        helper.make_node("Relu", ["h2"], ["a2"], name="relu2"),
        helper.make_node("Gemm", ["a2", "W3", "b3"], ["output"], name="fc3"),
    ]
    inits = []
    for i, (W, b) in enumerate(zip(Ws, bs), 1):
        inits += [init(f"W{i}", W), init(f"b{i}", b)]
    graph = helper.make_graph(
        nodes,
        "mnist_mlp",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 28, 28])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 10])],
        inits,
    )
    save("mnist_mlp", graph)
    write_input("mnist_mlp", X[n_train])
    write_input("mnist_mlp", X[n_train + 1], "input2.json")
    print(f"mnist_mlp: sample input is a {y[n_train]}, second sample a {y[n_train + 1]}")


if __name__ == "__main__":
    linear_regression()
    mlp_relu()
    mnist_mlp()


def fixtures():
    """Small invalid or unsupported models for the error-path tests."""
    os.makedirs(os.path.join(HERE, "fixtures"), exist_ok=True)
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["input", "W"], ["h"], name="fc"), helper.make_node("Hardmax", ["h"], ["output"], name="pick_max")],
        "unsupported_op",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 2])],
        [init("W", rng.normal(size=(4, 2)))],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, os.path.join(HERE, "fixtures", "unsupported_op.onnx"))
    with open(os.path.join(HERE, "fixtures", "malformed.onnx"), "wb") as f:
        f.write(b"\x08\x07\x12\xff\xff this is not an ONNX protobuf")


def op_fixtures():
    """One small model per op family, compared with tract op by op in the tests."""
    d = os.path.join(HERE, "fixtures")
    c = init("c", [0.5, -1.5, 2.0])
    dd = init("d", [[0.25], [-0.5]])
    graph = helper.make_graph(
        [
            helper.make_node("Mul", ["input", "c"], ["m"], name="mul_const"),
            helper.make_node("Sub", ["m", "input"], ["s"], name="sub"),
            helper.make_node("Add", ["s", "d"], ["a"], name="add_broadcast"),
            helper.make_node("Relu", ["a"], ["relu_out"], name="relu"),
            helper.make_node("Mul", ["input", "input"], ["square_out"], name="mul_square"),
        ],
        "ops_elementwise",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("relu_out", TensorProto.FLOAT, [2, 3]), helper.make_tensor_value_info("square_out", TensorProto.FLOAT, [2, 3])],
        [c, dd],
    )
    save_fixture("ops_elementwise.onnx", graph, 13, ir_version=8)
    with open(os.path.join(d, "ops_elementwise.json"), "w") as f:
        json.dump({"input_data": [[0.8, -1.2, 0.5, 1.5, 0.3, -0.7]]}, f)

    W = rng.normal(scale=0.6, size=(3, 4))
    W2 = rng.normal(scale=0.6, size=(2, 8))
    for opset in (11, 13):
        if opset < 13:
            unsq = helper.make_node("Unsqueeze", ["input"], ["u"], name="unsqueeze", axes=[0])
            sq = helper.make_node("Squeeze", ["u"], ["q"], name="squeeze", axes=[0, 1])
            extra = []
        else:
            unsq = helper.make_node("Unsqueeze", ["input", "ax0"], ["u"], name="unsqueeze")
            sq = helper.make_node("Squeeze", ["u", "ax01"], ["q"], name="squeeze")
            extra = [numpy_helper.from_array(np.array([0], dtype=np.int64), "ax0"), numpy_helper.from_array(np.array([0, 1], dtype=np.int64), "ax01")]
        nodes = [
            unsq,
            sq,
            helper.make_node("Identity", ["q"], ["i"], name="identity"),
            helper.make_node("MatMul", ["i", "W"], ["mm"], name="matmul"),
            helper.make_node("Reshape", ["mm", "shape"], ["r"], name="reshape"),
            helper.make_node("Flatten", ["r"], ["f"], name="flatten", axis=1),
            helper.make_node("Gemm", ["f", "W2", "C"], ["output"], name="gemm_alpha_beta_transB", alpha=0.5, beta=2.0, transB=1),
        ]
        graph = helper.make_graph(
            nodes,
            f"ops_shapes_opset{opset}",
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 2, 3])],
            [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 2])],
            [init("W", W), init("W2", W2), init("C", [0.1, -0.2]), numpy_helper.from_array(np.array([1, 8], dtype=np.int64), "shape")] + extra,
        )
        save_fixture(f"ops_shapes_opset{opset}.onnx", graph, opset, ir_version=7)
    with open(os.path.join(d, "ops_shapes.json"), "w") as f:
        json.dump({"input_data": [[1.0, -0.5, 0.25, 0.75, -1.25, 0.6]]}, f)


def nonlinear_fixture():
    """Every table-lookup function on one input, each its own output (compared with tract)."""
    d = os.path.join(HERE, "fixtures")
    f = lambda op, ins, out, **kw: helper.make_node(op, ins, [out], name=out, **kw)
    nodes = [
        f("Sigmoid", ["input"], "sigmoid"),
        f("Tanh", ["input"], "tanh"),
        f("Exp", ["input"], "exp"),
        f("Erf", ["input"], "erf"),
        f("Abs", ["input"], "abs"),
        f("Sqrt", ["abs"], "sqrt_abs"),
        f("Add", ["abs", "one"], "abs_plus_one"),
        f("Log", ["abs_plus_one"], "log"),
        f("Reciprocal", ["abs_plus_one"], "reciprocal"),
        f("Softplus", ["input"], "softplus"),
        f("Neg", ["input"], "neg"),
        f("LeakyRelu", ["input"], "leaky_relu", alpha=0.1),
        f("Elu", ["input"], "elu", alpha=0.5),
        f("HardSigmoid", ["input"], "hard_sigmoid"),
        f("Clip", ["input", "lo", "hi"], "clip"),
        f("Pow", ["input", "two"], "square"),
        f("Div", ["input", "four"], "div_const"),
        f("Div", ["input", "abs_plus_one"], "div_tensor"),
    ]
    outs = ["sigmoid", "tanh", "exp", "erf", "sqrt_abs", "log", "reciprocal", "softplus", "neg", "leaky_relu", "elu", "hard_sigmoid", "clip", "square", "div_const", "div_tensor"]
    scalar = lambda name, v: numpy_helper.from_array(np.array(v, dtype=np.float32), name)
    graph = helper.make_graph(
        nodes,
        "ops_nonlinear",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 8])],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, [1, 8]) for o in outs],
        [scalar("one", 1.0), scalar("lo", -0.5), scalar("hi", 1.0), scalar("two", 2.0), scalar("four", 4.0)],
    )
    save_fixture("ops_nonlinear.onnx", graph, 13, ir_version=8)
    with open(os.path.join(d, "ops_nonlinear.json"), "w") as fh:
        json.dump({"input_data": [[-1.9, -1.2, -0.6, -0.1, 0.2, 0.7, 1.3, 1.9]]}, fh)


def logistic_regression():
    """32-feature credit-risk model: logistic regression (Gemm + Sigmoid) fitted with numpy on a
    synthetic borrower population; the output is the probability of default."""
    n, d = 4000, 32
    X = rng.normal(size=(n, d))
    true_w = rng.normal(scale=0.8, size=d) * (rng.random(d) < 0.6)
    p = 1 / (1 + np.exp(-(X @ true_w - 1.0)))
    y = (rng.random(n) < p).astype(float)
    w, b = np.zeros(d), 0.0
    for _ in range(400):  # gradient descent on the log-loss
        pred = 1 / (1 + np.exp(-(X @ w + b)))
        w -= 0.5 * X.T @ (pred - y) / n
        b -= 0.5 * (pred - y).mean()
    acc = (((X @ w + b) > 0) == (y > 0.5)).mean()
    print(f"logistic_regression: training accuracy {acc:.3f}")
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["input", "W", "b"], ["logit"], name="linear"), helper.make_node("Sigmoid", ["logit"], ["probability"], name="sigmoid")],
        "logistic_regression",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, d])],
        [helper.make_tensor_value_info("probability", TensorProto.FLOAT, [1, 1])],
        [init("W", w.reshape(d, 1)), init("b", [b])],
    )
    save("logistic_regression", graph)
    write_input("logistic_regression", X[0])
    write_input("logistic_regression", X[1], "input2.json")


def conv_fixture():
    """Conv with ONNX defaults (no strides/pads attributes), padding, stride, dilation, groups and
    auto_pad; AveragePool, GlobalAveragePool, BatchNormalization and Transpose."""
    d = os.path.join(HERE, "fixtures")
    n = lambda op, ins, out, **kw: helper.make_node(op, ins, [out], name=out, **kw)
    nodes = [
        n("Conv", ["input", "k1", "b1"], "conv_defaults"),  # 2 -> 4 channels, 3x3, no attributes: stride 1, no padding
        n("Relu", ["conv_defaults"], "relu1"),
        n("Conv", ["relu1", "k2"], "conv_grouped", pads=[1, 1, 1, 1], strides=[2, 2], group=2),  # 4 -> 4, groups of 2
        n("BatchNormalization", ["conv_grouped", "bn_scale", "bn_bias", "bn_mean", "bn_var"], "batchnorm", epsilon=1e-3),
        n("Conv", ["batchnorm", "k3"], "conv_dilated", dilations=[2, 2], auto_pad="SAME_UPPER"),
        n("AveragePool", ["conv_dilated"], "avgpool", kernel_shape=[2, 2], strides=[1, 1]),
        n("GlobalAveragePool", ["avgpool"], "global_avg"),
        n("Transpose", ["avgpool"], "transposed", perm=[0, 2, 3, 1]),
    ]
    inits = [
        init("k1", rng.normal(scale=0.5, size=(4, 2, 3, 3))), init("b1", rng.normal(scale=0.1, size=4)),
        init("k2", rng.normal(scale=0.4, size=(4, 2, 3, 3))),
        init("bn_scale", rng.uniform(0.5, 1.5, size=4)), init("bn_bias", rng.normal(scale=0.1, size=4)),
        init("bn_mean", rng.normal(scale=0.2, size=4)), init("bn_var", rng.uniform(0.5, 2.0, size=4)),
        init("k3", rng.normal(scale=0.3, size=(3, 4, 3, 3))),
    ]
    graph = helper.make_graph(
        nodes, "ops_conv",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 2, 9, 9])],
        [helper.make_tensor_value_info("global_avg", TensorProto.FLOAT, [1, 3, 1, 1]), helper.make_tensor_value_info("transposed", TensorProto.FLOAT, [1, 3, 3, 3])],
        inits,
    )
    save_fixture("ops_conv.onnx", graph, 13, ir_version=8)
    with open(os.path.join(d, "ops_conv.json"), "w") as fh:
        json.dump({"input_data": [[round(float(v), 4) for v in rng.uniform(-1, 1, size=2 * 81)]]}, fh)


def small_cnn(name, pool, samples):
    """A small CNN on 28x28 digits: (Conv 3x3 -> Relu -> `pool` 2x2) twice, then Gemm.
    Weights are random (He initialisation): a circuit-size benchmark, not a trained classifier."""
    X, _ = digits_28x28()
    n = lambda op, ins, out, **kw: helper.make_node(op, ins, [out], name=out, **kw)
    nodes = [
        n("Conv", ["input", "k1", "b1"], "conv1", pads=[1, 1, 1, 1]),
        n("Relu", ["conv1"], "relu1"),
        n(pool, ["relu1"], "pool1", kernel_shape=[2, 2], strides=[2, 2]),
        n("Conv", ["pool1", "k2", "b2"], "conv2", pads=[1, 1, 1, 1]),
        n("Relu", ["conv2"], "relu2"),
        n(pool, ["relu2"], "pool2", kernel_shape=[2, 2], strides=[2, 2]),
        n("Flatten", ["pool2"], "flat"),
        n("Gemm", ["flat", "W", "b"], "output"),
    ]
    inits = [
        init("k1", rng.normal(scale=np.sqrt(2 / 9), size=(4, 1, 3, 3))), init("b1", np.zeros(4)),
        init("k2", rng.normal(scale=np.sqrt(2 / 36), size=(8, 4, 3, 3))), init("b2", np.zeros(8)),
        init("W", rng.normal(scale=np.sqrt(1 / 392), size=(392, 10))), init("b", np.zeros(10)),
    ]
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 28, 28])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 10])],
        inits,
    )
    save(name, graph)
    write_input(name, X[samples[0]])
    write_input(name, X[samples[1]], "input2.json")


def select_fixture():
    """Slice (negative step), Gather, Expand, Tile, Pad (constant, reflect, edge), Split and a
    Concat of branches at different scales (opset 13)."""
    d = os.path.join(HERE, "fixtures")
    n = lambda op, ins, outs, **kw: helper.make_node(op, ins, outs if isinstance(outs, list) else [outs], name=outs if isinstance(outs, str) else outs[0], **kw)
    i64 = lambda name, v: numpy_helper.from_array(np.array(v, dtype=np.int64), name)
    nodes = [
        n("Slice", ["input", "s_starts", "s_ends", "s_axes", "s_steps"], "sliced"),  # [2,3,4] -> [2,2,2]
        n("Gather", ["input", "g_idx"], "gathered", axis=2),  # [2,3,2,2]? indices [2,2] on axis 2
        n("Expand", ["col", "e_shape"], "expanded"),
        n("Tile", ["sliced", "t_reps"], "tiled"),
        n("Pad", ["input", "p_pads"], "pad_reflect", mode="reflect"),
        n("Pad", ["input", "p_pads"], "pad_edge", mode="edge"),
        n("Pad", ["input", "p_pads"], "pad_zero"),
        n("Split", ["input", "sp_sizes"], ["split_a", "split_b"], axis=2),
        n("Mul", ["input", "big"], "scaled_up"),
        n("Concat", ["input", "scaled_up", "const_block"], "concatenated", axis=1),
        n("Slice", ["input", "c_starts", "c_ends", "c_axes"], "col"),  # [2,3,1]
    ]
    # Slice must come before its use: put the column slice first
    nodes = [nodes[-1]] + nodes[:-1]
    inits = [
        i64("s_starts", [2, 3]), i64("s_ends", [0, -100]), i64("s_axes", [1, 2]), i64("s_steps", [-1, -2]),
        i64("g_idx", [[3, 0], [1, 1]]), i64("e_shape", [2, 3, 4]), i64("t_reps", [1, 2, 1]),
        i64("p_pads", [0, 1, 2, 0, 1, 1]), i64("sp_sizes", [1, 3]),
        init("big", [8.0]), init("const_block", rng.normal(size=(2, 1, 4))),
        i64("c_starts", [1]), i64("c_ends", [2]), i64("c_axes", [2]),
    ]
    outs = {"sliced": [2, 2, 2], "gathered": [2, 3, 2, 2], "expanded": [2, 3, 4], "tiled": [2, 4, 2], "pad_reflect": [2, 5, 7], "pad_edge": [2, 5, 7],
            "pad_zero": [2, 5, 7], "split_a": [2, 3, 1], "split_b": [2, 3, 3], "concatenated": [2, 7, 4]}
    graph = helper.make_graph(
        nodes, "ops_select",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [2, 3, 4])],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, shape) for o, shape in outs.items()],
        inits,
    )
    save_fixture("ops_select.onnx", graph, 13, ir_version=8)
    with open(os.path.join(d, "ops_select.json"), "w") as fh:
        json.dump({"input_data": [[round(float(v), 4) for v in rng.uniform(-1, 1, size=24)]]}, fh)


def reduce_fixture():
    """MaxPool, ReduceMax/Min/Sum/Mean (axes as attribute and as input, keepdims on and off),
    element-wise Max and Min with broadcasting and three inputs."""
    d = os.path.join(HERE, "fixtures")
    n = lambda op, ins, out, **kw: helper.make_node(op, ins, [out], name=out, **kw)
    nodes = [
        n("MaxPool", ["input"], "maxpool", kernel_shape=[2, 2], strides=[2, 2]),
        n("ReduceMax", ["input"], "reduce_max", axes=[2, 3]),
        n("ReduceMin", ["input"], "reduce_min", axes=[1], keepdims=0),
        n("ReduceSum", ["input", "axes1"], "reduce_sum"),
        n("ReduceMean", ["input"], "reduce_mean", axes=[2, 3], keepdims=0),
        n("Max", ["input", "threshold"], "max_broadcast"),
        n("Min", ["maxpool", "maxpool_shifted", "cap"], "min_three"),
        n("Add", ["maxpool", "shift"], "maxpool_shifted"),
    ]
    nodes = nodes[:6] + [nodes[7], nodes[6]]
    inits = [numpy_helper.from_array(np.array([1], dtype=np.int64), "axes1"), init("threshold", [[[[0.1]], [[-0.2]]]]), init("shift", [0.3]), init("cap", [0.5])]
    outs = {"maxpool": [1, 2, 3, 3], "reduce_max": [1, 2, 1, 1], "reduce_min": [1, 6, 6], "reduce_sum": [1, 1, 6, 6], "reduce_mean": [1, 2], "max_broadcast": [1, 2, 6, 6], "min_three": [1, 2, 3, 3]}
    graph = helper.make_graph(
        nodes, "ops_reduce",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 2, 6, 6])],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, shape) for o, shape in outs.items()],
        inits,
    )
    save_fixture("ops_reduce.onnx", graph, 13, ir_version=8)
    with open(os.path.join(d, "ops_reduce.json"), "w") as fh:
        json.dump({"input_data": [[round(float(v), 4) for v in rng.uniform(-1, 1, size=72)]]}, fh)


def layernorm_fixture():
    """LayerNormalization (opset 17) over the last two axes, with scale and bias."""
    d = os.path.join(HERE, "fixtures")
    graph = helper.make_graph(
        [helper.make_node("LayerNormalization", ["input", "gamma", "beta"], ["output"], name="layernorm", axis=1, epsilon=1e-5)],
        "ops_layernorm",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [2, 3, 4])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [2, 3, 4])],
        [init("gamma", rng.uniform(0.5, 1.5, size=(3, 4))), init("beta", rng.normal(scale=0.2, size=(3, 4)))],
    )
    save_fixture("ops_layernorm.onnx", graph, 17, ir_version=8)
    with open(os.path.join(d, "ops_layernorm.json"), "w") as fh:
        json.dump({"input_data": [[round(float(v), 4) for v in rng.normal(scale=1.5, size=24)]]}, fh)


def softmax_fixtures():
    """Softmax over a middle axis (opset 13), the pre-13 flattening semantics (opset 11), and
    LogSoftmax."""
    d = os.path.join(HERE, "fixtures")
    for opset in (11, 13):
        nodes = [
            helper.make_node("Softmax", ["input"], ["softmax_axis1"], name="softmax_axis1", axis=1),
            helper.make_node("LogSoftmax", ["input"], ["log_softmax"], name="log_softmax", axis=2),
        ]
        graph = helper.make_graph(
            nodes, f"ops_softmax_opset{opset}",
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, [2, 3, 4])],
            [helper.make_tensor_value_info("softmax_axis1", TensorProto.FLOAT, [2, 3, 4]), helper.make_tensor_value_info("log_softmax", TensorProto.FLOAT, [2, 3, 4])],
        )
        save_fixture(f"ops_softmax_opset{opset}.onnx", graph, opset, ir_version=7)
    with open(os.path.join(d, "ops_softmax.json"), "w") as fh:
        json.dump({"input_data": [[round(float(v), 4) for v in rng.normal(scale=2.0, size=24)]]}, fh)


def mlp_activations():
    """16 -> 32 (Tanh) -> 16 (Sigmoid) -> 4 (Softmax): an MLP with the common activations."""
    W1, b1 = rng.normal(scale=0.4, size=(16, 32)), rng.normal(scale=0.1, size=32)
    W2, b2 = rng.normal(scale=0.4, size=(32, 16)), rng.normal(scale=0.1, size=16)
    W3, b3 = rng.normal(scale=1.0, size=(16, 4)), rng.normal(scale=0.1, size=4)
    nodes = [
        helper.make_node("Gemm", ["input", "W1", "b1"], ["h1"], name="fc1"),
        helper.make_node("Tanh", ["h1"], ["a1"], name="tanh"),
        helper.make_node("Gemm", ["a1", "W2", "b2"], ["h2"], name="fc2"),
        helper.make_node("Sigmoid", ["h2"], ["a2"], name="sigmoid"),
        helper.make_node("Gemm", ["a2", "W3", "b3"], ["logits"], name="fc3"),
        helper.make_node("Softmax", ["logits"], ["probabilities"], name="softmax", axis=-1),
    ]
    graph = helper.make_graph(
        nodes, "mlp_activations",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 16])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [1, 4])],
        [init("W1", W1), init("b1", b1), init("W2", W2), init("b2", b2), init("W3", W3), init("b3", b3)],
    )
    save("mlp_activations", graph)
    write_input("mlp_activations", rng.normal(size=16))
    write_input("mlp_activations", rng.normal(size=16), "input2.json")


def attention():
    """One-head self-attention (seq 8, dim 16), as PyTorch exports it: Q, K, V projections,
    softmax(Q·Kᵀ / 4)·V, output projection."""
    d = 16
    W = {name: rng.normal(scale=1 / np.sqrt(d), size=(d, d)) for name in ["Wq", "Wk", "Wv", "Wo"]}
    n = lambda op, ins, out, **kw: helper.make_node(op, ins, [out], name=out, **kw)
    nodes = [
        n("MatMul", ["input", "Wq"], "q"),
        n("MatMul", ["input", "Wk"], "k"),
        n("MatMul", ["input", "Wv"], "v"),
        n("Transpose", ["k"], "k_t", perm=[0, 2, 1]),
        n("MatMul", ["q", "k_t"], "scores"),
        n("Div", ["scores", "sqrt_d"], "scaled"),
        n("Softmax", ["scaled"], "weights", axis=-1),
        n("MatMul", ["weights", "v"], "context"),
        n("MatMul", ["context", "Wo"], "output"),
    ]
    graph = helper.make_graph(
        nodes, "attention",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 8, d])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 8, d])],
        [init(k, v) for k, v in W.items()] + [init("sqrt_d", [np.sqrt(d)])],
    )
    save("attention", graph)
    write_input("attention", rng.normal(size=8 * d))
    write_input("attention", rng.normal(size=8 * d), "input2.json")


def compare_fixture():
    """Comparisons, Where, Not and ArgMax/ArgMin (with ties), compared with tract."""
    as_float = lambda src, dst: helper.make_node("Cast", [src], [dst], name=f"cast_{dst}", to=TensorProto.FLOAT)
    nodes = [
        helper.make_node("Greater", ["input", "c"], ["g"], name="greater"),
        as_float("g", "greater_out"),
        helper.make_node("LessOrEqual", ["input", "t"], ["le"], name="less_equal"),
        helper.make_node("Not", ["le"], ["n"], name="not"),
        as_float("n", "not_out"),
        helper.make_node("Mul", ["input", "input"], ["sq"], name="square"),
        helper.make_node("Less", ["input", "sq"], ["l"], name="less_computed"),
        as_float("l", "less_out"),
        helper.make_node("Relu", ["input"], ["r"], name="relu"),
        helper.make_node("Equal", ["r", "input"], ["e"], name="equal"),
        as_float("e", "equal_out"),
        helper.make_node("GreaterOrEqual", ["sq", "t"], ["ge"], name="greater_equal"),
        helper.make_node("Mul", ["input", "two"], ["x2"], name="double"),
        helper.make_node("Where", ["ge", "input", "x2"], ["where_out"], name="where"),
        helper.make_node("ArgMax", ["input"], ["am"], name="argmax", axis=1, keepdims=0),
        as_float("am", "argmax_out"),
        helper.make_node("ArgMax", ["input"], ["aml"], name="argmax_last", axis=1, keepdims=1, select_last_index=1),
        as_float("aml", "argmax_last_out"),
        helper.make_node("ArgMin", ["input"], ["amin"], name="argmin", axis=0, keepdims=1),
        as_float("amin", "argmin_out"),
    ]
    outs = ["greater_out", "not_out", "less_out", "equal_out", "where_out", "argmax_out", "argmax_last_out", "argmin_out"]
    shapes = {"argmax_out": [2], "argmax_last_out": [2, 1], "argmin_out": [1, 4]}
    graph = helper.make_graph(
        nodes, "ops_compare",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [2, 4])],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, shapes.get(o, [2, 4])) for o in outs],
        [init("c", [[0.1, -0.2, 0.5, 0.0]]), init("t", [0.3]), init("two", [2.0])],
    )
    save_fixture("ops_compare.onnx", graph, 13, ir_version=8)
    with open(os.path.join(HERE, "fixtures", "ops_compare.json"), "w") as f:
        # ties on purpose: row 0 has its max twice, column 3 its min twice
        json.dump({"input_data": [[0.5, 0.9, 0.9, -0.3, -0.6, 0.25, 1.5, -0.3]]}, f)


def padded_pool_fixture():
    """Padded MaxPool (the padding must not win: inputs are mostly negative) and padded
    AveragePool with count_include_pad 0 and 1, compared with tract."""
    n = lambda op, src, dst, **kw: helper.make_node(op, [src], [dst], name=dst, **kw)
    graph = helper.make_graph(
        [
            n("MaxPool", "input", "maxpool_out", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
            n("AveragePool", "input", "avg_exclude_pad_out", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
            n("AveragePool", "input", "avg_include_pad_out", kernel_shape=[2, 2], pads=[0, 0, 1, 1], count_include_pad=1),
        ],
        "ops_pool_padded",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 2, 5, 5])],
        [
            helper.make_tensor_value_info("maxpool_out", TensorProto.FLOAT, [1, 2, 3, 3]),
            helper.make_tensor_value_info("avg_exclude_pad_out", TensorProto.FLOAT, [1, 2, 3, 3]),
            helper.make_tensor_value_info("avg_include_pad_out", TensorProto.FLOAT, [1, 2, 5, 5]),
        ],
    )
    save_fixture("ops_pool_padded.onnx", graph, 13, ir_version=8)
    x = np.round(rng.uniform(-1.5, 0.25, size=50), 4)
    with open(os.path.join(HERE, "fixtures", "ops_pool_padded.json"), "w") as f:
        json.dump({"input_data": [x.tolist()]}, f)


if __name__ == "__main__":
    fixtures()
    op_fixtures()
    nonlinear_fixture()
    logistic_regression()
    conv_fixture()
    small_cnn("cnn_avgpool", "AveragePool", (1500, 1501))
    select_fixture()
    reduce_fixture()
    small_cnn("cnn_maxpool", "MaxPool", (1502, 1503))
    layernorm_fixture()
    softmax_fixtures()
    mlp_activations()
    attention()
    compare_fixture()
    padded_pool_fixture()
