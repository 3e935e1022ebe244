#!/usr/bin/env python3
"""Models as users export them, for the real-models issue: scikit-learn classifiers whose label is
`ArrayFeatureExtractor(classes, ArgMax(...))` (skl2onnx's MLPClassifier), XGBoost and LightGBM
classifiers on features in their natural units (onnxmltools), and op fixtures in the shapes
torch.onnx.export writes; each with onnxruntime's outputs recorded beside it, like
`make_sklearn_models.py` (whose borrowers and writer this reuses). The fixtures already there
are not rewritten.

Requires: numpy, onnx, onnxruntime, scikit-learn, skl2onnx, xgboost, lightgbm, onnxmltools.

    python3 models/make_real_models.py
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from make_sklearn_models import borrowers, fixture, onnxruntime_outputs

# --- gradient-boosted trees on features in their natural units --------------------------------


def natural_units(n):
    """Borrowers as a lending protocol's oracle reports them: dollars beside ratios in [0, 1]."""
    X, y = borrowers(n)
    age, income_k, dti_pct, util_pct, history, accounts, delinquencies, loan_k = X.T
    X = np.stack([age, income_k * 1000, dti_pct / 100, util_pct / 100, history, accounts, delinquencies,
                  loan_k * 1000], axis=1).astype(np.float32)
    return X, y


def boosted_fixture(name, onx, X, samples):
    path = os.path.join(FIXTURES, name + ".onnx")
    with open(path, "wb") as f:
        f.write(onx.SerializeToString())
    cases = []
    for i, x in enumerate(samples):
        suffix = "" if i == 0 else f"_{i + 1}"
        with open(os.path.join(FIXTURES, f"{name}{suffix}.json"), "w") as f:
            json.dump({"input_data": [[float(v) for v in x]]}, f)
            f.write("\n")
        cases.append({"input": [float(v) for v in x], "outputs": onnxruntime_outputs(path, x)})
    with open(os.path.join(FIXTURES, name + ".reference.json"), "w") as f:
        json.dump({"producer": f"onnxruntime {ort.__version__}", "cases": cases}, f, indent=1)
        f.write("\n")


def boosted_tree_fixtures():
    import lightgbm
    import xgboost
    from onnxmltools import convert_lightgbm, convert_xgboost
    from onnxmltools.convert.common.data_types import FloatTensorType

    X, y = natural_units(4000)
    # eight calibration borrowers: the tests assert every decision agrees with onnxruntime
    samples = X[-8:]
    types = [("input", FloatTensorType([None, X.shape[1]]))]
    xgb = xgboost.XGBClassifier(n_estimators=50, max_depth=4, learning_rate=0.1, random_state=0).fit(X[:-8], y[:-8])
    boosted_fixture("ml_xgboost_natural_units", convert_xgboost(xgb, initial_types=types, target_opset=13), X, samples)
    lgbm = lightgbm.LGBMClassifier(n_estimators=30, num_leaves=15, random_state=0, verbose=-1).fit(X[:-8], y[:-8])
    boosted_fixture("ml_lightgbm_natural_units", convert_lightgbm(lgbm, initial_types=types, target_opset=13, zipmap=False), X, samples)


# --- op fixtures in the shapes torch.onnx.export writes them --------------------------------
# Written with onnx.helper (no torch needed), each recorded with onnxruntime like the models above.

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
op_rng = np.random.default_rng(20261202)


def weight(name, *shape, scale=0.5):
    return numpy_helper.from_array(op_rng.normal(scale=scale, size=shape).astype(np.float32), name)


def const(name, array, dtype=np.float32):
    return numpy_helper.from_array(np.array(array, dtype=dtype), name)


def node(op, ins, out, **attrs):
    return helper.make_node(op, ins, [out], name=out, **attrs)


def op_fixture(name, nodes, input_shape, outputs, inits, opset, samples=2):
    """A checked model with two random inputs, and onnxruntime's outputs on them (which also
    give the declared output shapes)."""
    xs = [np.round(op_rng.uniform(-2, 2, size=input_shape), 4).astype(np.float32) for _ in range(samples)]
    graph_fixture(name, nodes, ("input", TensorProto.FLOAT, input_shape), outputs, inits, opset, xs)


def graph_fixture(name, nodes, graph_input, outputs, inits, opset, xs):
    """Writes the model of `nodes` reading `graph_input` (name, element type, shape; or a list of
    them for a model of several inputs, with each of `xs` a tuple of one array per input),
    checked, with each of `xs` as an input file (one list per model input) and onnxruntime's
    outputs on them beside it (they also give the declared output shapes; the recorded input is
    the inputs' concatenation, which the circuit reads)."""
    graph_inputs = graph_input if isinstance(graph_input, list) else [graph_input]
    xs = [x if isinstance(x, tuple) else (x,) for x in xs]
    feeds = lambda x: {i[0]: v for i, v in zip(graph_inputs, x)}

    def model(output_shapes):
        graph = helper.make_graph(
            nodes, name,
            [helper.make_tensor_value_info(n, t, shape) for n, t, shape in graph_inputs],
            [helper.make_tensor_value_info(o, TensorProto.FLOAT, s) for o, s in zip(outputs, output_shapes)],
            inits,
        )
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="zkinfer-models")
        m.ir_version = 8
        return m

    draft = ort.InferenceSession(model([None] * len(outputs)).SerializeToString(), providers=["CPUExecutionProvider"])
    shapes = [list(o.shape) for o in draft.run(None, feeds(xs[0]))]
    final = model(shapes)
    onnx.checker.check_model(final, full_check=True)
    path = os.path.join(FIXTURES, name + ".onnx")
    onnx.save(final, path)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    cases = []
    for i, x in enumerate(xs):
        suffix = "" if i == 0 else f"_{i + 1}"
        with open(os.path.join(FIXTURES, f"{name}{suffix}.json"), "w") as f:
            json.dump({"input_data": [[float(v) for v in part.ravel()] for part in x]}, f)
            f.write("\n")
        outs = sess.run(None, feeds(x))
        flat = [float(v) for part in x for v in part.ravel()]
        cases.append({"input": flat, "outputs": [[float(v) for v in o.ravel()] for o in outs]})
    with open(os.path.join(FIXTURES, name + ".reference.json"), "w") as f:
        json.dump({"producer": f"onnxruntime {ort.__version__}", "cases": cases}, f, indent=1)
        f.write("\n")


def torch_op_fixtures():
    # Conv1d, per-channel PRelu ([C, 1], as torch exports nn.PReLU(C) for 1-D), MaxPool1d,
    # AveragePool1d with padding left out of the count, GlobalAveragePool over one axis
    op_fixture("ops_conv1d", [
        node("Conv", ["input", "w1", "b1"], "conv1", pads=[1, 1]),
        node("PRelu", ["conv1", "slope"], "prelu"),
        node("MaxPool", ["prelu"], "maxpool1d", kernel_shape=[2], strides=[2]),
        node("Conv", ["prelu", "w2"], "conv_strided", strides=[2], dilations=[2]),
        node("AveragePool", ["conv_strided"], "avgpool1d", kernel_shape=[3], pads=[1, 1], count_include_pad=0),
        node("GlobalAveragePool", ["prelu"], "global1d"),
    ], [2, 4, 10], ["maxpool1d", "avgpool1d", "global1d"],
        [weight("w1", 3, 4, 3), weight("b1", 3, scale=0.1), weight("w2", 2, 3, 2),
         numpy_helper.from_array(np.array([[0.25], [-0.1], [0.6]], dtype=np.float32), "slope")], 17)
    # Conv3d with padding, MaxPool3d, GlobalAveragePool over three axes
    op_fixture("ops_conv3d", [
        node("Conv", ["input", "w", "b"], "conv3d", pads=[0, 1, 1, 0, 1, 1]),
        node("Relu", ["conv3d"], "relu"),
        node("MaxPool", ["relu"], "maxpool3d", kernel_shape=[1, 2, 2], strides=[1, 2, 2]),
        node("GlobalAveragePool", ["relu"], "global3d"),
    ], [1, 2, 4, 5, 5], ["maxpool3d", "global3d"], [weight("w", 3, 2, 2, 3, 3, scale=0.3), weight("b", 3, scale=0.1)], 17)
    # ConvTranspose 2-D (stride, padding, output_padding, bias) and 1-D (groups)
    op_fixture("ops_conv_transpose", [
        node("ConvTranspose", ["input", "w2d", "b2d"], "deconv2d", strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1]),
        node("Reshape", ["input", "shape1d"], "as1d"),
        node("ConvTranspose", ["as1d", "w1d"], "deconv1d", strides=[2], pads=[1, 1], group=2),
    ], [1, 2, 4, 4], ["deconv2d", "deconv1d"],
        [weight("w2d", 2, 3, 3, 3, scale=0.4), weight("b2d", 3, scale=0.1), weight("w1d", 2, 1, 4, scale=0.5),
         numpy_helper.from_array(np.array([1, 2, 16], dtype=np.int64), "shape1d")], 17)
    # the activations torch exports as single ops (opset 18: Mish), a scalar PRelu, and Pad
    # with a non-zero constant
    op_fixture("ops_activations_torch", [
        node("Selu", ["input"], "selu"),
        node("Celu", ["input"], "celu", alpha=1.5),
        node("HardSwish", ["input"], "hardswish"),
        node("Softsign", ["input"], "softsign"),
        node("Mish", ["input"], "mish"),
        node("PRelu", ["input", "slope"], "prelu_scalar"),
        node("Pad", ["input", "pads", "pad_value"], "pad_constant", mode="constant"),
    ], [1, 3, 4, 4], ["selu", "celu", "hardswish", "softsign", "mish", "prelu_scalar", "pad_constant"],
        [numpy_helper.from_array(np.array([0.2], dtype=np.float32), "slope"),
         numpy_helper.from_array(np.array([0, 0, 1, 2, 0, 0, 1, 0], dtype=np.int64), "pads"),
         numpy_helper.from_array(np.array(0.5, dtype=np.float32), "pad_value")], 18)
    # Gelu as an op (opset 20), exact and with approximate = "tanh" (GPT-2's)
    op_fixture("ops_gelu", [
        node("Gelu", ["input"], "gelu_exact"),
        node("Gelu", ["input"], "gelu_tanh", approximate="tanh"),
    ], [1, 16], ["gelu_exact", "gelu_tanh"], [], 20)
    # causal self-attention as torch exports it: an additive mask of -1e4 above the diagonal, and
    # masked_fill's Where(mask, -1e9, scores), each before a Softmax over the last axis
    seq, d = 8, 16
    upper = np.triu(np.ones((seq, seq), dtype=bool), 1)
    op_fixture("ops_masked_attention", [
        node("MatMul", ["input", "wq"], "q"),
        node("MatMul", ["input", "wk"], "k"),
        node("MatMul", ["input", "wv"], "v"),
        node("Transpose", ["k"], "kt", perm=[0, 2, 1]),
        node("MatMul", ["q", "kt"], "qk"),
        node("Mul", ["qk", "inv_sqrt_d"], "scores"),
        node("Add", ["scores", "additive_mask"], "masked_scores"),
        node("Softmax", ["masked_scores"], "attention", axis=-1),
        node("MatMul", ["attention", "v"], "context"),
        node("Where", ["fill_mask", "fill", "scores"], "filled_scores"),
        node("Softmax", ["filled_scores"], "filled_attention", axis=-1),
    ], [1, seq, d], ["context", "filled_attention"],
        [weight("wq", d, d, scale=0.3), weight("wk", d, d, scale=0.3), weight("wv", d, d, scale=0.3),
         const("inv_sqrt_d", 1 / np.sqrt(d)), const("additive_mask", np.where(upper, -1e4, 0.0)),
         const("fill_mask", upper, bool), const("fill", -1e9)], 17)
    # the constant subgraphs a transformer export builds its masks from: Trilu (of a constant and
    # of a computed tensor), Range, ConstantOfShape, and a Where whose condition is constant
    op_fixture("ops_mask_constants", [
        node("ConstantOfShape", ["mask_shape"], "ones", value=helper.make_tensor("one", TensorProto.FLOAT, [1], [1.0])),
        node("Trilu", ["ones"], "causal", upper=0),
        node("Cast", ["causal"], "causal_bool", to=TensorProto.BOOL),
        node("Mul", ["input", "half"], "halved"),
        node("Where", ["causal_bool", "input", "halved"], "where_masked"),
        node("Trilu", ["input", "diagonal"], "upper_from_1"),
        node("Range", ["start", "limit", "delta"], "positions"),
        node("Add", ["input", "positions"], "plus_positions"),
    ], [1, 4, 4], ["where_masked", "upper_from_1", "plus_positions"],
        [const("mask_shape", [4, 4], np.int64), const("half", 0.5), const("diagonal", 1, np.int64),
         const("start", 0.0), const("limit", 1.0), const("delta", 0.25)], 17)

    # Resize as torch exports nn.Upsample: nearest (asymmetric, floor), bilinear
    # (pytorch_half_pixel), align_corners=True by sizes, and a nearest downscale (half_pixel,
    # round_prefer_floor); Upsample at opset 9
    op_fixture("ops_resize", [
        helper.make_node("Resize", ["input", "", "up2"], ["up_nearest"], name="up_nearest", mode="nearest",
                         coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
        helper.make_node("Resize", ["input", "", "up2"], ["up_bilinear"], name="up_bilinear", mode="linear",
                         coordinate_transformation_mode="pytorch_half_pixel"),
        helper.make_node("Resize", ["input", "", "", "sizes"], ["up_align_corners"], name="up_align_corners",
                         mode="linear", coordinate_transformation_mode="align_corners"),
        helper.make_node("Resize", ["input", "", "down2"], ["down_nearest"], name="down_nearest", mode="nearest"),
    ], [1, 2, 4, 4], ["up_nearest", "up_bilinear", "up_align_corners", "down_nearest"],
        [const("up2", [1, 1, 2, 2]), const("down2", [1, 1, 0.5, 0.5]), const("sizes", [1, 2, 7, 5], np.int64)], 13)
    op_fixture("ops_upsample_opset9", [
        node("Upsample", ["input", "scales"], "upsampled", mode="nearest"),
    ], [1, 2, 3, 3], ["upsampled"], [const("scales", [1, 1, 2, 3])], 9)
    # InstanceNormalization over 2-D and (after a Reshape) 1-D spatial axes, per-channel scale and B
    op_fixture("ops_instance_norm", [
        node("InstanceNormalization", ["input", "in_scale", "in_bias"], "normalized_2d", epsilon=1e-5),
        node("Reshape", ["input", "flat_shape"], "flat"),
        node("InstanceNormalization", ["flat", "in_scale", "in_bias"], "normalized_1d", epsilon=1e-3),
    ], [1, 3, 4, 4], ["normalized_2d", "normalized_1d"],
        [weight("in_scale", 3), weight("in_bias", 3), const("flat_shape", [1, 3, 16], np.int64)], 13)


def multi_input_fixtures():
    # two model inputs, as a scorer that takes features and a per-feature weight (or a mask):
    # y = Relu((a * b) @ W + b @ V), read by the circuit as the concatenation [a, b]
    rng = np.random.default_rng(5)
    w = numpy_helper.from_array(rng.normal(size=(4, 3)).astype(np.float32), "w")
    v = numpy_helper.from_array(rng.normal(size=(4, 3)).astype(np.float32), "v")
    nodes = [
        helper.make_node("Mul", ["a", "b"], ["ab"]),
        helper.make_node("MatMul", ["ab", "w"], ["p"]),
        helper.make_node("MatMul", ["b", "v"], ["q"]),
        helper.make_node("Add", ["p", "q"], ["s"]),
        helper.make_node("Relu", ["s"], ["y"]),
    ]
    inputs = [("a", TensorProto.FLOAT, [1, 4]), ("b", TensorProto.FLOAT, [1, 4])]
    xs = [tuple(rng.normal(size=(1, 4)).astype(np.float32) for _ in range(2)) for _ in range(2)]
    graph_fixture("ops_two_inputs", nodes, inputs, ["y"], [w, v], 13, xs)


def svm_fixtures(X, y, grade, samples):
    # SVC(kernel="linear") as skl2onnx exports it: SVMClassifier (one-vs-one over the support
    # vectors); for three classes skl2onnx adds its vote-and-confidence graph (Less, Neg, Sum,
    # Abs, Div) to the scores
    few = slice(0, 600)  # libsvm's fit is quadratic in the rows
    fixture("ml_svc_linear", make_pipeline(StandardScaler(), SVC(kernel="linear")), X[few], y[few], samples)
    # borrowers of the lowest and highest grades, so the two samples decide differently
    apart = X[[np.where(grade == 0)[0][-1], np.where(grade == 2)[0][-1]]]
    fixture("ml_svc_linear_multiclass", make_pipeline(StandardScaler(), SVC(kernel="linear")), X[few], grade[few], apart)


def recurrent_fixtures():
    # LSTM, GRU and RNN nodes as torch.onnx.export writes them (sequence first, constant
    # weights), unrolled by the importer: a bidirectional LSTM with biases and peepholes, GRUs
    # with linear_before_reset 1 (PyTorch's) forward and 0 reverse from a constant initial state,
    # a plain RNN
    rng = np.random.default_rng(11)
    seq, batch, inp, hid = 5, 1, 3, 4
    t = lambda name, *shape: numpy_helper.from_array((rng.normal(size=shape) * 0.5).astype(np.float32), name)
    xs = [(rng.normal(size=(seq, batch, inp))).astype(np.float32) for _ in range(2)]
    x = ("x", TensorProto.FLOAT, [seq, batch, inp])
    lstm = [helper.make_node("LSTM", ["x", "w", "r", "b", "", "", "", "p"], ["y", "y_h", "y_c"],
                             hidden_size=hid, direction="bidirectional")]
    graph_fixture("ops_lstm", lstm, x, ["y", "y_h", "y_c"],
                  [t("w", 2, 4 * hid, inp), t("r", 2, 4 * hid, hid), t("b", 2, 8 * hid), t("p", 2, 3 * hid)], 14, xs)
    gru = [
        helper.make_node("GRU", ["x", "w", "r", "b"], ["y", "y_h"], hidden_size=hid, linear_before_reset=1),
        helper.make_node("GRU", ["x", "w2", "r2", "b2", "", "h0"], ["y2"], hidden_size=hid, direction="reverse"),
    ]
    graph_fixture("ops_gru", gru, x, ["y", "y_h", "y2"],
                  [t("w", 1, 3 * hid, inp), t("r", 1, 3 * hid, hid), t("b", 1, 6 * hid),
                   t("w2", 1, 3 * hid, inp), t("r2", 1, 3 * hid, hid), t("b2", 1, 6 * hid), t("h0", 1, batch, hid)], 14, xs)
    rnn = [helper.make_node("RNN", ["x", "w", "r", "b"], ["y", "y_h"], hidden_size=hid)]
    graph_fixture("ops_rnn", rnn, x, ["y", "y_h"], [t("w", 1, hid, inp), t("r", 1, hid, hid), t("b", 1, 2 * hid)], 14, xs)


if __name__ == "__main__" and sys.argv[1:] == ["--recurrent"]:
    recurrent_fixtures()
elif __name__ == "__main__" and sys.argv[1:] == ["--multi-input"]:
    multi_input_fixtures()
elif __name__ == "__main__" and sys.argv[1:] == ["--svm"]:
    X, y = borrowers(4000)
    svm_fixtures(X, y, np.digitize(X[:, 3], [35, 65]), X[-2:])
elif __name__ == "__main__":
    X, y = borrowers(4000)
    samples = X[-2:]
    # three risk grades labelled 0, 2 and 7: the label is a lookup of the class list by the
    # ArgMax of the probabilities, not an evenly spaced integer
    grade = np.array([0, 2, 7])[np.digitize(X[:, 3], [35, 65])]
    mlp = MLPClassifier(hidden_layer_sizes=(16,), max_iter=400, random_state=0)
    fixture("ml_mlp_classifier", make_pipeline(StandardScaler(), mlp), X, grade, samples)
    mlp = MLPClassifier(hidden_layer_sizes=(12, 8), max_iter=400, random_state=0)
    fixture("ml_mlp_binary", make_pipeline(StandardScaler(), mlp), X, y, samples)
    boosted_tree_fixtures()
    torch_op_fixtures()
    multi_input_fixtures()
    svm_fixtures(X, y, np.digitize(X[:, 3], [35, 65]), samples)
    recurrent_fixtures()
