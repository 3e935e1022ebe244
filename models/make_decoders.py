#!/usr/bin/env python3
"""Transformer decoders written node for node as torch.onnx.export (opset 17) writes them, for
the real-models issue: LayerNorm as ReduceMean/Sub/Pow/Add/Sqrt/Div, heads split by Reshape and
Transpose, scores divided by sqrt(d_head) plus an additive causal mask of -1e4, Softmax over the
last axis, Erf-GELU (BERT/torch's nn.GELU) or GPT-2's tanh-GELU written out with Pow(x, 3), and a
final LayerNorm. Each is recorded with onnxruntime like the fixtures of `make_real_models.py`
(whose writer this reuses); no torch needed.

    python3 models/make_decoders.py              # the test fixtures (seq 16)
    python3 models/make_decoders.py --bench DIR  # the 2-layer decoder at seq 16, 64 and 128, for the benchmark
"""
import argparse
import os

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from make_real_models import FIXTURES, graph_fixture, node

rng = np.random.default_rng(20261203)


class Decoder:
    """Collects the nodes and weights of one model; every tensor name is prefixed by its layer."""

    def __init__(self, seq, d, heads):
        self.seq, self.d, self.heads, self.nodes, self.inits = seq, d, heads, [], []

    def const(self, name, array, dtype=np.float32):
        self.inits.append(numpy_helper.from_array(np.array(array, dtype=dtype), name))
        return name

    def weight(self, name, *shape, scale):
        return self.const(name, rng.normal(scale=scale, size=shape))

    def op(self, op, ins, out, **attrs):
        self.nodes.append(node(op, ins, out, **attrs))
        return out

    def linear(self, p, x, d_in, d_out):
        """`x @ W + b` as torch exports nn.Linear on a 3-D tensor: MatMul then Add."""
        w = self.weight(p + ".weight", d_in, d_out, scale=1 / np.sqrt(d_in))
        b = self.weight(p + ".bias", d_out, scale=0.05)
        return self.op("Add", [self.op("MatMul", [x, w], p + "/matmul"), b], p + "/out")

    def layer_norm(self, p, x):
        """nn.LayerNorm as torch exported it before LayerNormalization: mean, centred square, eps."""
        mean = self.op("ReduceMean", [x], p + "/mean", axes=[-1], keepdims=1)
        centred = self.op("Sub", [x, mean], p + "/centred")
        square = self.op("Pow", [centred, self.const(p + "/two", 2.0)], p + "/square")
        var = self.op("ReduceMean", [square], p + "/var", axes=[-1], keepdims=1)
        std = self.op("Sqrt", [self.op("Add", [var, self.const(p + "/eps", 1e-5)], p + "/var_eps")], p + "/std")
        normed = self.op("Div", [centred, std], p + "/normed")
        gamma = self.const(p + ".weight", 1 + rng.normal(scale=0.1, size=self.d))
        beta = self.const(p + ".bias", rng.normal(scale=0.1, size=self.d))
        return self.op("Add", [self.op("Mul", [normed, gamma], p + "/scaled"), beta], p + "/out")

    def split_heads(self, p, x, perm):
        dh = self.d // self.heads
        shape = self.const(p + "/shape", [1, self.seq, self.heads, dh], np.int64)
        return self.op("Transpose", [self.op("Reshape", [x, shape], p + "/split")], p + "/heads", perm=perm)

    def attention(self, p, x):
        q = self.split_heads(p + "/q", self.linear(p + ".q_proj", x, self.d, self.d), [0, 2, 1, 3])
        k = self.split_heads(p + "/k", self.linear(p + ".k_proj", x, self.d, self.d), [0, 2, 3, 1])
        v = self.split_heads(p + "/v", self.linear(p + ".v_proj", x, self.d, self.d), [0, 2, 1, 3])
        scores = self.op("MatMul", [q, k], p + "/qk")
        scaled = self.op("Div", [scores, self.const(p + "/sqrt_dh", np.sqrt(self.d // self.heads))], p + "/scaled")
        upper = np.triu(np.ones((self.seq, self.seq), dtype=bool), 1)
        mask = self.const(p + "/causal_mask", np.where(upper, -1e4, 0.0))
        probs = self.op("Softmax", [self.op("Add", [scaled, mask], p + "/masked")], p + "/probs", axis=-1)
        context = self.op("Transpose", [self.op("MatMul", [probs, v], p + "/context")], p + "/merge", perm=[0, 2, 1, 3])
        shape = self.const(p + "/merged_shape", [1, self.seq, self.d], np.int64)
        merged = self.op("Reshape", [context, shape], p + "/merged")
        return self.linear(p + ".out_proj", merged, self.d, self.d)

    def gelu_erf(self, p, x):
        """nn.GELU(): x · 0.5 · (1 + erf(x / √2)), as torch writes it below opset 20."""
        erf = self.op("Erf", [self.op("Div", [x, self.const(p + "/sqrt2", np.sqrt(2.0))], p + "/div")], p + "/erf")
        plus_one = self.op("Add", [erf, self.const(p + "/one", 1.0)], p + "/plus_one")
        return self.op("Mul", [self.op("Mul", [x, plus_one], p + "/mul"), self.const(p + "/half", 0.5)], p + "/out")

    def gelu_tanh(self, p, x):
        """GPT-2's gelu_new: 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))."""
        cube = self.op("Pow", [x, self.const(p + "/three", 3.0)], p + "/cube")
        inner = self.op("Add", [x, self.op("Mul", [cube, self.const(p + "/c", 0.044715)], p + "/cubic")], p + "/inner")
        scaled = self.op("Mul", [inner, self.const(p + "/sqrt_2_pi", np.sqrt(2 / np.pi))], p + "/scaled")
        tanh = self.op("Tanh", [scaled], p + "/tanh")
        plus_one = self.op("Add", [tanh, self.const(p + "/one", 1.0)], p + "/plus_one")
        half_x = self.op("Mul", [x, self.const(p + "/half", 0.5)], p + "/half_x")
        return self.op("Mul", [half_x, plus_one], p + "/out")

    def block(self, p, x, gelu):
        """A pre-LN block (GPT-2's): x + attn(ln_1(x)), then h + mlp(ln_2(h))."""
        h = self.op("Add", [x, self.attention(p + ".attn", self.layer_norm(p + ".ln_1", x))], p + "/residual_1")
        up = self.linear(p + ".mlp.fc", self.layer_norm(p + ".ln_2", h), self.d, 4 * self.d)
        down = self.linear(p + ".mlp.proj", gelu(p + ".mlp.act", up), 4 * self.d, self.d)
        return self.op("Add", [h, down], p + "/residual_2")


def decoder(name, layers, seq, d, heads, gelu, token_ids=None, samples=2):
    """A decoder of `layers` blocks reading hidden states [1, seq, d] in [-2, 2], or, with
    `token_ids` = vocabulary size, token ids [1, seq] through an embedding Gather and positions."""
    m = Decoder(seq, d, heads)
    if token_ids:
        wte = m.weight("wte", token_ids, d, scale=1.0)
        wpe = m.weight("wpe", 1, seq, d, scale=0.3)
        x = m.op("Add", [m.op("Gather", [wte, "input_ids"], "embed"), wpe], "embed_positions")
        graph_input = ("input_ids", TensorProto.INT64, [1, seq])
        xs = [rng.integers(0, token_ids, size=(1, seq)).astype(np.int64) for _ in range(samples)]
    else:
        x = "input"
        graph_input = ("input", TensorProto.FLOAT, [1, seq, d])
        xs = [np.round(rng.uniform(-2, 2, size=(1, seq, d)), 4).astype(np.float32) for _ in range(samples)]
    act = m.gelu_tanh if gelu == "tanh" else m.gelu_erf
    for i in range(layers):
        x = m.block(f"h.{i}", x, act)
    m.layer_norm("ln_f", x)
    graph_fixture(name, m.nodes, graph_input, ["ln_f/out"], m.inits, 17, xs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", help="write the seq 16/64/128 decoders for the benchmark here")
    args = parser.parse_args()
    if args.bench:
        import make_real_models
        make_real_models.FIXTURES = args.bench
        os.makedirs(args.bench, exist_ok=True)
        for seq in (16, 64, 128):
            decoder(f"decoder_2l_seq{seq}", 2, seq, 32, 2, "erf")
    else:
        # the decoder: 2 layers, seq 16, d 32, 2 heads, Erf-GELU, a -1e4 causal mask
        decoder("decoder_2layer", 2, 16, 32, 2, "erf")
        # one GPT-2 block with tanh-GELU
        decoder("gpt2_block", 1, 16, 32, 2, "tanh")
        # token ids as the model's input: the embedding row is a Gather by a computed index
        decoder("decoder_token_ids", 1, 8, 16, 2, "erf", token_ids=32)
