//! `LSTM`, `GRU` and `RNN`, unrolled over their constant sequence length (layout 0:
//! `X [seq, batch, input]`), forward, reverse or bidirectional, with ONNX's default activations.
//!
//! The input projections of every step are one `Linear` over `X` (`[seq·batch, input]` by `Wᵀ`,
//! with both biases folded in); each step then adds `H_{t−1} · Rᵀ` (a `Linear` on the previous
//! hidden state), takes its gates as column spans (`Select`s), applies the gates' function tables
//! and combines them with the arithmetic layers, so an unrolled cell is made of layers argued
//! elsewhere and adds no constraint of its own. A constant initial state folds into the first
//! step; a zero one (the default) drops its terms.
//!
//! Gates in `W`, `R`, `B` as ONNX orders them: LSTM `i, o, f, c`; GRU `z, r, h`; RNN one.
//! - LSTM: `i = σ(·)`, `f = σ(·)`, `c̃ = tanh(·)`, `C = f⊙C' + i⊙c̃`, `o = σ(·)`, `H = o⊙tanh(C)`;
//!   peepholes `P [dirs, 3H]` add `p_i⊙C'`, `p_f⊙C'`, `p_o⊙C`.
//! - GRU: `z = σ(·)`, `r = σ(·)`, `h̃ = tanh(x·W_hᵀ + (r⊙H')·R_hᵀ + Rb_h + Wb_h)` or, with
//!   `linear_before_reset` (PyTorch's export), `tanh(x·W_hᵀ + Wb_h + r⊙(H'·R_hᵀ + Rb_h))`;
//!   `H = (1 − z)⊙h̃ + z⊙H'`.
//! - RNN: `H = tanh(x·Wᵀ + H'·Rᵀ + Wb + Rb)`.
//!
//! Refused: other activations, `clip`, `input_forget`, `layout = 1`, a `sequence_lens` that is
//! not the full length for every sequence, a computed initial state.

use super::elementwise::binary;
use super::select::rewire;
use super::{OpCtx, Value};
use crate::graph_builder::Builder;
use crate::proto::{Attrs, ConstTensor};
use crate::ImportError;
use zkinfer_circuits::ir::{BinaryKind, Nonlinearity};
use zkinfer_circuits::{Op, Tensor};

#[derive(Clone, Copy, PartialEq)]
enum Cell {
    Lstm,
    Gru { linear_before_reset: bool },
    Rnn,
}

impl Cell {
    fn gates(self) -> usize {
        match self {
            Cell::Lstm => 4,
            Cell::Gru { .. } => 3,
            Cell::Rnn => 1,
        }
    }

    /// ONNX's default activations, which are the only ones lowered.
    fn default_activations(self) -> &'static [&'static str] {
        match self {
            Cell::Lstm => &["Sigmoid", "Tanh", "Tanh"],
            Cell::Gru { .. } => &["Sigmoid", "Tanh"],
            Cell::Rnn => &["Tanh"],
        }
    }
}

/// The shapes and constants of one recurrent node.
struct Recurrence<'a> {
    cell: Cell,
    ctx: &'a OpCtx<'a>,
    seq: usize,
    batch: usize,
    hidden: usize,
    /// `[dirs, gates·H, input]`, `[dirs, gates·H, H]`, `[dirs, 2·gates·H]` (zeros when absent).
    w: ConstTensor,
    r: ConstTensor,
    bias: Vec<f64>,
    peepholes: Option<ConstTensor>,
    initial_h: Option<ConstTensor>,
    initial_c: Option<ConstTensor>,
}

/// `(Y, Y_h[, Y_c])` of an `LSTM`, `GRU` or `RNN` node.
pub fn lower(b: &mut Builder, ctx: &OpCtx) -> Result<Vec<Value>, ImportError> {
    let attrs = Attrs(ctx.node);
    let cell = match ctx.op() {
        "LSTM" => Cell::Lstm,
        "GRU" => Cell::Gru { linear_before_reset: attrs.int("linear_before_reset", 0) != 0 },
        _ => Cell::Rnn,
    };
    let Value::Node(x) = ctx.arg(0)?.clone() else {
        return Err(ImportError::unsupported(ctx.op(), ctx.name, "a constant input sequence"));
    };
    let rec = Recurrence::of(b, ctx, cell, x)?;
    let directions = match attrs.string("direction").as_deref().unwrap_or("forward") {
        "forward" => vec![false],
        "reverse" => vec![true],
        "bidirectional" => vec![false, true],
        other => return Err(ctx.error(format!("direction {other}"))),
    };
    if rec.w.shape[0] != directions.len() {
        return Err(ctx.error(format!("W has {} directions, direction needs {}", rec.w.shape[0], directions.len())));
    }
    let runs: Vec<Run> =
        directions.iter().enumerate().map(|(d, &reverse)| rec.run(b, x, d, reverse)).collect::<Result<_, _>>()?;
    Ok(rec.outputs(b, &runs))
}

/// Step `t` of direction `d`, whose input projections are the rows of `projection`.
#[derive(Clone, Copy)]
struct Step {
    projection: usize,
    t: usize,
    d: usize,
}

/// One direction's hidden states in time order, and its last hidden and cell states.
struct Run {
    hidden: Vec<usize>,
    last_h: usize,
    last_c: Option<usize>,
}

impl<'a> Recurrence<'a> {
    fn of(b: &Builder, ctx: &'a OpCtx<'a>, cell: Cell, x: usize) -> Result<Self, ImportError> {
        let attrs = Attrs(ctx.node);
        let refuse = |what: String| Err(ImportError::unsupported(ctx.op(), ctx.name, what));
        if attrs.int("layout", 0) != 0 {
            return refuse("layout = 1 (batch first); export with the sequence axis first".into());
        }
        if ctx.node.attribute.iter().any(|a| a.name == "clip") {
            return refuse("clip".into());
        }
        if attrs.int("input_forget", 0) != 0 {
            return refuse("input_forget".into());
        }
        if let Some(acts) = attrs.strings("activations").filter(|a| !a.is_empty()) {
            let defaults = cell.default_activations();
            if acts.iter().enumerate().any(|(i, a)| !a.eq_ignore_ascii_case(defaults[i % defaults.len()])) {
                return refuse(format!("activations {acts:?} (the defaults {defaults:?} are supported)"));
            }
        }
        let shape = &b.nodes[x].shape;
        let [seq, batch, _] = shape[..] else {
            return Err(ctx.error(format!("X must be [seq, batch, input], it is {shape:?}")));
        };
        let constant = |i: usize, what: &str| -> Result<Option<ConstTensor>, ImportError> {
            match ctx.args.get(i).and_then(|a| a.as_ref()) {
                None => Ok(None),
                Some(Value::Const(t)) => Ok(Some(t.clone())),
                Some(Value::Node(_)) => Err(ImportError::unsupported(ctx.op(), ctx.name, format!("a computed {what}"))),
            }
        };
        let w = constant(1, "W")?.ok_or_else(|| ctx.error("W is missing"))?;
        let r = constant(2, "R")?.ok_or_else(|| ctx.error("R is missing"))?;
        let gates = cell.gates();
        let hidden = attrs.int("hidden_size", (r.shape.last().copied().unwrap_or(0)) as i64) as usize;
        let dirs = w.shape.first().copied().unwrap_or(0);
        if w.shape != [dirs, gates * hidden, shape[2]] || r.shape != [dirs, gates * hidden, hidden] || hidden == 0 {
            return Err(ctx.error(format!(
                "W {:?} and R {:?} do not match {gates} gates of hidden size {hidden} over {} inputs",
                w.shape, r.shape, shape[2]
            )));
        }
        let bias = constant(3, "B")?.map_or_else(|| vec![0.0; dirs * 2 * gates * hidden], |t| t.data);
        if bias.len() != dirs * 2 * gates * hidden {
            return Err(ctx.error(format!("B has {} values, expected {}", bias.len(), dirs * 2 * gates * hidden)));
        }
        if let Some(lens) = constant(4, "sequence_lens")? {
            if lens.data.iter().any(|&l| l as usize != seq) {
                return refuse(format!("sequence_lens {:?} shorter than the sequence ({seq})", lens.data));
            }
        }
        let states = [dirs, batch, hidden];
        let state = |i: usize, what: &str| -> Result<Option<ConstTensor>, ImportError> {
            let t = constant(i, what)?;
            match &t {
                Some(t) if t.data.len() != states.iter().product::<usize>() => {
                    Err(ctx.error(format!("{what} has shape {:?}, expected {states:?}", t.shape)))
                }
                _ => Ok(t.filter(|t| t.data.iter().any(|&v| v != 0.0))),
            }
        };
        let (initial_h, initial_c) =
            (state(5, "initial_h")?, if cell == Cell::Lstm { state(6, "initial_c")? } else { None });
        let peepholes =
            if cell == Cell::Lstm { constant(7, "P")?.filter(|p| p.data.iter().any(|&v| v != 0.0)) } else { None };
        if peepholes.as_ref().is_some_and(|p| p.data.len() != dirs * 3 * hidden) {
            return Err(ctx.error(format!("P must be [{dirs}, {}]", 3 * hidden)));
        }
        Ok(Self { cell, ctx, seq, batch, hidden, w, r, bias, peepholes, initial_h, initial_c })
    }

    fn name(&self, what: &str) -> String {
        format!("{}/{what}", self.ctx.name)
    }

    /// `X · W_dᵀ + Wb_d (+ Rb_d where it is added before the gates)` for all steps:
    /// `[seq·batch, gates·H]`.
    fn input_projection(&self, b: &mut Builder, x: usize, d: usize) -> usize {
        let (rows, input) = (self.w.shape[1], self.w.shape[2]);
        let w = &self.w.data[d * rows * input..(d + 1) * rows * input];
        let weight: Vec<f32> = (0..input * rows).map(|e| w[(e % rows) * input + e / rows] as f32).collect();
        let bias: Vec<f32> = (0..rows).map(|g| (self.input_bias(d, g)) as f32).collect();
        let flat = b.push(&self.name(&format!("x_flat_{d}")), Op::Reshape, vec![x], vec![self.seq * self.batch, input]);
        b.push(
            &self.name(&format!("x_proj_{d}")),
            Op::Linear { weight: Tensor::new(vec![input, rows], weight), bias: Some(Tensor::new(vec![rows], bias)) },
            vec![flat],
            vec![self.seq * self.batch, rows],
        )
    }

    /// The bias of gate row `g` added to the input projection: `Wb + Rb`, except GRU's `h` rows
    /// with `linear_before_reset`, whose `Rb` is inside the reset product.
    fn input_bias(&self, d: usize, g: usize) -> f64 {
        let rows = self.cell.gates() * self.hidden;
        let (wb, rb) = (self.bias[d * 2 * rows + g], self.bias[d * 2 * rows + rows + g]);
        match self.cell {
            Cell::Gru { linear_before_reset: true } if g >= 2 * self.hidden => wb,
            _ => wb + rb,
        }
    }

    /// `H · R_dᵀ` restricted to gate rows `rows` (plus `Rb` there when `with_bias`): `[batch, len]`.
    fn recurrent_term(
        &self,
        b: &mut Builder,
        h: &Value,
        d: usize,
        rows: std::ops::Range<usize>,
        with_bias: bool,
        tag: &str,
    ) -> Value {
        let (all, hidden) = (self.r.shape[1], self.hidden);
        let r = &self.r.data[d * all * hidden..(d + 1) * all * hidden];
        let len = rows.len();
        let weight: Vec<f64> = (0..hidden * len).map(|e| r[(rows.start + e % len) * hidden + e / len]).collect();
        let bias: Vec<f64> =
            rows.clone().map(|g| if with_bias { self.bias[d * 2 * all + all + g] } else { 0.0 }).collect();
        match h {
            Value::Const(t) => Value::Const(ConstTensor {
                shape: vec![self.batch, len],
                data: (0..self.batch * len)
                    .map(|e| {
                        (0..hidden).map(|k| t.data[(e / len) * hidden + k] * weight[k * len + e % len]).sum::<f64>()
                            + bias[e % len]
                    })
                    .collect(),
            }),
            Value::Node(id) => Value::Node(b.push(
                &self.name(tag),
                Op::Linear {
                    weight: Tensor::new(vec![hidden, len], weight.iter().map(|&v| v as f32).collect()),
                    bias: with_bias.then(|| Tensor::new(vec![len], bias.iter().map(|&v| v as f32).collect())),
                },
                vec![*id],
                vec![self.batch, len],
            )),
        }
    }

    /// Columns `gate·H ..` of step `t` of the projection: `[batch, H]`.
    fn gate_of_step(&self, b: &mut Builder, projection: usize, t: usize, gate: usize, tag: &str) -> Value {
        let (batch, hidden) = (self.batch, self.hidden);
        rewire(b, &self.name(tag), &Value::Node(projection), vec![batch, hidden], |c| {
            Some(vec![t * batch + c[0], gate * hidden + c[1]])
        })
    }

    /// The initial state of direction `d` (`[batch, H]`), zero when absent.
    fn initial(&self, state: &Option<ConstTensor>, d: usize) -> Option<Value> {
        let per = self.batch * self.hidden;
        state.as_ref().map(|t| {
            Value::Const(ConstTensor {
                shape: vec![self.batch, self.hidden],
                data: t.data[d * per..(d + 1) * per].to_vec(),
            })
        })
    }

    fn run(&self, b: &mut Builder, x: usize, d: usize, reverse: bool) -> Result<Run, ImportError> {
        let projection = self.input_projection(b, x, d);
        let (mut h, mut c) = (self.initial(&self.initial_h, d), self.initial(&self.initial_c, d));
        let mut hidden = vec![0; self.seq];
        let order: Vec<usize> = if reverse { (0..self.seq).rev().collect() } else { (0..self.seq).collect() };
        for &t in &order {
            let step = Step { projection, t, d };
            let (new_h, new_c) = match self.cell {
                Cell::Lstm => self.lstm_step(b, step, h.as_ref(), c.as_ref())?,
                Cell::Gru { linear_before_reset } => (self.gru_step(b, step, h.as_ref(), linear_before_reset)?, None),
                Cell::Rnn => {
                    let pre = self.pre_activation(b, step, 0, h.as_ref(), &format!("t{t}_d{d}"))?;
                    (self.table(b, &pre, Nonlinearity::Tanh, &format!("t{t}_d{d}/h")), None)
                }
            };
            hidden[t] = b.node_of(&new_h, self.ctx.name);
            h = Some(new_h);
            c = new_c;
        }
        let last_h = hidden[*order.last().expect("seq ≥ 1")];
        let last_c = c.map(|c| b.node_of(&c, self.ctx.name));
        Ok(Run { hidden, last_h, last_c })
    }

    /// Gate `gate` of step `t` before its activation: the input projection plus `H'·R_gᵀ`.
    fn pre_activation(
        &self,
        b: &mut Builder,
        step: Step,
        gate: usize,
        h: Option<&Value>,
        tag: &str,
    ) -> Result<Value, ImportError> {
        let Step { projection, t, d } = step;
        let x_part = self.gate_of_step(b, projection, t, gate, &format!("{tag}/x_gate{gate}"));
        let Some(h) = h else { return Ok(x_part) };
        let rows = gate * self.hidden..(gate + 1) * self.hidden;
        let h_part = self.recurrent_term(b, h, d, rows, false, &format!("{tag}/h_gate{gate}"));
        binary(b, self.ctx, BinaryKind::Add, &x_part, &h_part)
    }

    fn table(&self, b: &mut Builder, v: &Value, f: Nonlinearity, tag: &str) -> Value {
        let id = b.node_of(v, self.ctx.name);
        Value::Node(b.push(&self.name(tag), Op::Unary(f), vec![id], b.nodes[id].shape.clone()))
    }

    fn mul(&self, b: &mut Builder, p: &Value, q: &Value) -> Result<Value, ImportError> {
        binary(b, self.ctx, BinaryKind::Mul, p, q)
    }

    fn add(&self, b: &mut Builder, p: &Value, q: &Value) -> Result<Value, ImportError> {
        binary(b, self.ctx, BinaryKind::Add, p, q)
    }

    /// Peephole `p_k ⊙ C` for peephole `k` (0: i, 1: o, 2: f), when the node has peepholes.
    fn peephole(&self, b: &mut Builder, c: Option<&Value>, d: usize, k: usize) -> Result<Option<Value>, ImportError> {
        let (Some(p), Some(c)) = (&self.peepholes, c) else { return Ok(None) };
        let h = self.hidden;
        let weights = ConstTensor { shape: vec![h], data: p.data[(d * 3 + k) * h..(d * 3 + k + 1) * h].to_vec() };
        self.mul(b, &Value::Const(weights), c).map(Some)
    }

    fn lstm_step(
        &self,
        b: &mut Builder,
        step: Step,
        h: Option<&Value>,
        c: Option<&Value>,
    ) -> Result<(Value, Option<Value>), ImportError> {
        let Step { t, d, .. } = step;
        let tag = format!("t{t}_d{d}");
        let gate =
            |b: &mut Builder, g: usize, peep: Option<usize>, cell: Option<&Value>| -> Result<Value, ImportError> {
                let mut pre = self.pre_activation(b, step, g, h, &tag)?;
                if let Some(p) = peep.map(|k| self.peephole(b, cell, d, k)).transpose()?.flatten() {
                    pre = self.add(b, &pre, &p)?;
                }
                Ok(pre)
            };
        // W's gate order: i, o, f, c
        let i = gate(b, 0, Some(0), c)?;
        let f = gate(b, 2, Some(2), c)?;
        let candidate = gate(b, 3, None, None)?;
        let i = self.table(b, &i, Nonlinearity::Sigmoid, &format!("{tag}/i"));
        let f = self.table(b, &f, Nonlinearity::Sigmoid, &format!("{tag}/f"));
        let candidate = self.table(b, &candidate, Nonlinearity::Tanh, &format!("{tag}/c_tilde"));
        let mut new_c = self.mul(b, &i, &candidate)?;
        if let Some(c) = c {
            let kept = self.mul(b, &f, c)?;
            new_c = self.add(b, &kept, &new_c)?;
        }
        let o = gate(b, 1, Some(1), Some(&new_c))?;
        let o = self.table(b, &o, Nonlinearity::Sigmoid, &format!("{tag}/o"));
        let squashed = self.table(b, &new_c, Nonlinearity::Tanh, &format!("{tag}/tanh_c"));
        Ok((self.mul(b, &o, &squashed)?, Some(new_c)))
    }

    fn gru_step(
        &self,
        b: &mut Builder,
        step: Step,
        h: Option<&Value>,
        linear_before_reset: bool,
    ) -> Result<Value, ImportError> {
        let Step { projection, t, d } = step;
        let tag = format!("t{t}_d{d}");
        let z = self.pre_activation(b, step, 0, h, &tag)?;
        let r = self.pre_activation(b, step, 1, h, &tag)?;
        let z = self.table(b, &z, Nonlinearity::Sigmoid, &format!("{tag}/z"));
        let r = self.table(b, &r, Nonlinearity::Sigmoid, &format!("{tag}/r"));
        let x_h = self.gate_of_step(b, projection, t, 2, &format!("{tag}/x_gate2"));
        let rows = 2 * self.hidden..3 * self.hidden;
        let candidate = match h {
            // a zero state: r⊙(0·Rᵀ + Rb) = r⊙Rb, and (r⊙0)·Rᵀ + Rb = Rb (already in the projection)
            None if linear_before_reset => {
                let zero = Value::Const(ConstTensor {
                    shape: vec![self.batch, self.hidden],
                    data: vec![0.0; self.batch * self.hidden],
                });
                let rb = self.recurrent_term(b, &zero, d, rows, true, &format!("{tag}/h_gate2"));
                let reset = self.mul(b, &r, &rb)?;
                self.add(b, &x_h, &reset)?
            }
            None => x_h,
            Some(h) if linear_before_reset => {
                let term = self.recurrent_term(b, h, d, rows, true, &format!("{tag}/h_gate2"));
                let reset = self.mul(b, &r, &term)?;
                self.add(b, &x_h, &reset)?
            }
            Some(h) => {
                let reset = self.mul(b, &r, h)?;
                let reset = Value::Node(b.node_of(&reset, self.ctx.name));
                let term = self.recurrent_term(b, &reset, d, rows, false, &format!("{tag}/h_gate2"));
                self.add(b, &x_h, &term)?
            }
        };
        let candidate = self.table(b, &candidate, Nonlinearity::Tanh, &format!("{tag}/h_tilde"));
        // H = h̃ + z⊙(H' − h̃)
        let delta = match h {
            Some(h) => binary(b, self.ctx, BinaryKind::Sub, h, &candidate)?,
            None => binary(b, self.ctx, BinaryKind::Sub, &Value::Const(ConstTensor::scalar(0.0)), &candidate)?,
        };
        let kept = self.mul(b, &z, &delta)?;
        self.add(b, &candidate, &kept)
    }

    /// `Y [seq, dirs, batch, H]`, `Y_h [dirs, batch, H]` and, for an LSTM, `Y_c`.
    fn outputs(&self, b: &mut Builder, runs: &[Run]) -> Vec<Value> {
        let (dirs, batch, hidden) = (runs.len(), self.batch, self.hidden);
        let mut y_inputs = Vec::new();
        for t in 0..self.seq {
            y_inputs.extend(runs.iter().map(|r| r.hidden[t]));
        }
        let stack = |b: &mut Builder, ids: Vec<usize>, shape: Vec<usize>, tag: &str| -> Value {
            let flat = b.push(
                &self.name(&format!("{tag}_flat")),
                Op::Concat { axis: 0 },
                ids,
                vec![shape.iter().product::<usize>() / hidden, hidden],
            );
            Value::Node(b.push(&self.name(tag), Op::Reshape, vec![flat], shape))
        };
        let y = stack(b, y_inputs, vec![self.seq, dirs, batch, hidden], "y");
        let y_h = stack(b, runs.iter().map(|r| r.last_h).collect(), vec![dirs, batch, hidden], "y_h");
        let mut out = vec![y, y_h];
        if let Some(cs) = runs.iter().map(|r| r.last_c).collect::<Option<Vec<usize>>>() {
            out.push(stack(b, cs, vec![dirs, batch, hidden], "y_c"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::graph_builder::build;
    use crate::semantics_tests::{opset_13, value_info, FLOAT};
    use std::path::Path;
    use tract_onnx::pb;

    fn weights(name: &str, dims: &[i64]) -> pb::TensorProto {
        let n: i64 = dims.iter().product();
        let float_data = (0..n).map(|i| ((i * 7 % 11) as f32 - 5.0) / 10.0).collect();
        pb::TensorProto { name: name.into(), dims: dims.to_vec(), data_type: FLOAT, float_data, ..Default::default() }
    }

    /// An RNN of hidden size 2 over `x [3, 1, 2]` with the extra attributes and inputs given.
    fn rnn(attribute: Vec<pb::AttributeProto>, inputs: &[&str], extra: Vec<pb::TensorProto>) -> pb::ModelProto {
        let mut attribute = attribute;
        attribute.push(pb::AttributeProto {
            name: "hidden_size".into(),
            i: 2,
            r#type: pb::attribute_proto::AttributeType::Int as i32,
            ..Default::default()
        });
        let node = pb::NodeProto {
            op_type: "RNN".into(),
            name: "rnn".into(),
            input: ["x", "w", "r"].iter().chain(inputs).map(|s| s.to_string()).collect(),
            output: vec!["y".into()],
            attribute,
            ..Default::default()
        };
        let mut initializer = vec![weights("w", &[1, 2, 2]), weights("r", &[1, 2, 2])];
        initializer.extend(extra);
        opset_13(pb::GraphProto {
            node: vec![node],
            initializer,
            input: vec![value_info("x", FLOAT, &[3, 1, 2])],
            output: vec![value_info("y", FLOAT, &[3, 1, 1, 2])],
            ..Default::default()
        })
    }

    fn attr(name: &str, i: i64, s: &str) -> pb::AttributeProto {
        let (kind, strings) = if s.is_empty() {
            (pb::attribute_proto::AttributeType::Int, vec![])
        } else {
            (pb::attribute_proto::AttributeType::Strings, vec![s.as_bytes().to_vec()])
        };
        pb::AttributeProto { name: name.into(), i, strings, r#type: kind as i32, ..Default::default() }
    }

    #[test]
    fn an_rnn_unrolls_to_tanh_of_the_two_projections() {
        let g = build(&rnn(vec![], &[], vec![]), Path::new("."), None).unwrap();
        let x = [0.5, -1.0, 0.25, 2.0, -0.75, 1.5];
        let w = |i: usize| ((i * 7 % 11) as f64 - 5.0) / 10.0;
        let mut h = [0.0f64; 2];
        let mut want = Vec::new();
        for t in 0..3 {
            let xt = &x[2 * t..2 * t + 2];
            let next: Vec<f64> = (0..2)
                .map(|j| (w(2 * j) * xt[0] + w(2 * j + 1) * xt[1] + w(2 * j) * h[0] + w(2 * j + 1) * h[1]).tanh())
                .collect();
            h = [next[0], next[1]];
            want.extend(next);
        }
        let y = &g.eval_f64(&x)[g.outputs[0]];
        assert!(y.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-4), "{y:?} vs {want:?}");
    }

    #[test]
    fn what_the_unrolling_cannot_follow_is_refused_by_name() {
        let lens = pb::TensorProto {
            name: "lens".into(),
            dims: vec![1],
            data_type: 6,
            int32_data: vec![2],
            ..Default::default()
        };
        for (model, needle) in [
            (rnn(vec![attr("layout", 1, "")], &[], vec![]), "layout = 1"),
            (rnn(vec![attr("activations", 0, "Relu")], &[], vec![]), "activations"),
            (rnn(vec![attr("clip", 0, "")], &[], vec![]), "clip"),
            (rnn(vec![], &["", "lens"], vec![lens]), "sequence_lens"),
        ] {
            let err = build(&model, Path::new("."), None).map(|_| ()).unwrap_err().to_string();
            assert!(err.contains(needle), "{needle}: {err}");
        }
    }
}
