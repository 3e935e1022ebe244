//! Calibration: run the float graph on sample inputs, then choose every tensor's scale so its
//! largest observed magnitude stays below half of the quantized range (one bit of headroom for
//! inputs the samples did not cover), and derive weight scales and rescale shifts from them.

use super::{guards, input_scales, BinaryCoeffs, LutSpec, QNode, QOp, QuantizedModel, Requant};
use crate::ir::{BinaryKind, Graph, Op};
use crate::quantize::fixed::to_fixed;

/// Largest scale exponent chosen for a tensor whose values are all tiny or zero.
const MAX_SCALE: i32 = 16;
/// The `want` that makes `requant_to` keep a raw result as it is.
const KEEP_RAW_SCALE: i32 = i32::MAX / 4;
/// Smallest scale exponent: a tensor with values up to `2^(bits-1-MIN_SCALE)` (sums of squares of
/// raw features, incomes in dollars) is kept at a resolution of `2^-MIN_SCALE`.
const MIN_SCALE: i32 = -12;
/// Largest weight scale exponent.
const MAX_WEIGHT_SCALE: i32 = 20;

/// The largest input domain of a function table: `2^12` rows per table.
pub const MAX_LUT_BITS: u32 = 12;

#[derive(Clone, Debug)]
pub struct QuantizeOptions {
    /// Bits of every requantized value: `|q| < 2^bits`. Tensors that feed a function table are
    /// calibrated to `min(bits, 12)` bits, the tables' domain.
    pub bits: u32,
    /// Use this scale for every activation and constant instead of calibrating.
    pub fixed_scale: Option<i32>,
}

impl Default for QuantizeOptions {
    fn default() -> Self {
        Self { bits: 12, fixed_scale: None }
    }
}

/// Quantizes `graph`, calibrating scales on `samples` (flat inputs; at least one).
pub fn quantize(graph: &Graph, samples: &[Vec<f64>], opts: &QuantizeOptions) -> Result<QuantizedModel, String> {
    graph.validate()?;
    if samples.is_empty() {
        return Err("calibration needs at least one sample input".into());
    }
    if !(4..=24).contains(&opts.bits) {
        return Err(format!("--bits must be between 4 and 24, got {}", opts.bits));
    }
    // features of very different magnitudes: the graph reads them rescaled to one size
    let scaling = opts.fixed_scale.is_none().then(|| input_scales::plan(graph, samples)).flatten();
    let scaled_samples: Vec<Vec<f64>>;
    let (graph, samples) = match &scaling {
        Some(s) => {
            scaled_samples =
                samples.iter().map(|x| x.iter().zip(&s.exponents).map(|(v, &e)| v * 2f64.powi(e)).collect()).collect();
            (&s.graph, scaled_samples.as_slice())
        }
        None => (graph, samples),
    };
    let max_abs = observed_max_abs(graph, samples)?;
    let fused_into = relu_fusions(graph);
    let bits = opts.bits as i32;
    let lut_bits = opts.bits.min(MAX_LUT_BITS);
    let feeds_lut = lut_inputs(graph);
    let consumers = graph.consumer_counts();
    let thresholds = compared_constants(graph, &consumers);
    let exact_integers = guards::exact_integer_nodes(&graph.guards, graph.nodes.len());

    let mut nodes: Vec<QNode> = Vec::with_capacity(graph.nodes.len());
    let mut luts: Vec<LutSpec> = Vec::new();
    for (id, node) in graph.nodes.iter().enumerate() {
        if let Op::Compare { strict } = node.op {
            align_compared_constants(graph, &consumers, &mut nodes, &luts, node, strict, opts.bits, lut_bits)?;
        }
        // a fused producer takes the scale of the Relu that follows it
        let target = fused_into[id].map_or(max_abs[id], |relu| max_abs[relu]);
        let relu = fused_into[id].is_some();
        // A model output that nothing else reads keeps the raw scale of its sum or product: no
        // later layer needs it small, so rounding it would only add error (and rows).
        let terminal = graph.outputs.contains(&id)
            && consumers[id] == 1
            && !relu
            && matches!(node.op, Op::Linear { .. } | Op::Binary(_) | Op::MatMul);
        let scale_bits = if feeds_lut[id] { lut_bits as i32 } else { bits };
        let want = if terminal {
            KEEP_RAW_SCALE
        } else {
            let want = opts.fixed_scale.unwrap_or_else(|| calibrated_scale(target, scale_bits));
            // an index or a count: a negative scale would round it to a neighbouring integer
            exact_integers[id].map_or(want, |max| guards::integer_scale(want, max, opts.bits))
        };
        let in_scale = |i: usize| nodes[node.inputs[i]].scale;
        let (op, scale) = match &node.op {
            Op::Input => (QOp::Input, want),
            // a threshold is quantized at its comparison, at the other operand's scale
            Op::Const(t) if thresholds[id] => (QOp::Const { values: vec![0; t.data.len()] }, want),
            Op::Const(t) => (QOp::Const { values: quantize_values(&t.data, want, &node.name)? }, want),
            Op::Linear { weight, bias } => {
                quantize_linear(weight, bias.as_ref(), in_scale(0), want, bits, relu, &node.name)?
            }
            Op::Binary(kind) => quantize_binary(*kind, in_scale(0), in_scale(1), want, bits, relu, &node.name)?,
            Op::Relu if fused_into[node.inputs[0]] == Some(id) => (QOp::Reshape, in_scale(0)),
            Op::Relu => (QOp::Requant(Requant { shift: 0, relu: true }), in_scale(0)),
            Op::Unary(func) => {
                let spec = LutSpec { func: *func, in_scale: in_scale(0), out_scale: want };
                let tag = luts.iter().position(|l| *l == spec).unwrap_or_else(|| {
                    luts.push(spec);
                    luts.len() - 1
                });
                (QOp::Lut { tag: tag as u32 + 1 }, want)
            }
            Op::Reshape => (QOp::Reshape, in_scale(0)),
            Op::Select { sources } => (QOp::Select { sources: sources.clone() }, in_scale(0)),
            Op::Extremum { max } => (QOp::Extremum { max: *max }, in_scale(0)),
            Op::MatMul => {
                let (requant, scale) = requant_to(in_scale(0) + in_scale(1), want, bits, relu);
                (QOp::MatMul { requant }, scale)
            }
            Op::Compare { strict } => {
                let (sa, sb) = (in_scale(0), in_scale(1));
                let s = sa.max(sb);
                (
                    QOp::Compare {
                        strict: *strict,
                        ca: alignment(s - sa, &node.name)?,
                        cb: -alignment(s - sb, &node.name)?,
                    },
                    0,
                )
            }
            Op::Concat { axis } => {
                let scales: Vec<i32> = (0..node.inputs.len()).map(in_scale).collect();
                // the calibrated scale, unless an input would need a shift beyond the range check
                let scale = want.max(scales.iter().max().expect("Concat has inputs") - bits);
                let rescale: Vec<i32> = scales.iter().map(|s| scale - s).collect();
                rescale.iter().try_for_each(|&e| alignment(e.max(0), &node.name).map(|_| ()))?;
                (QOp::Concat { axis: *axis, rescale }, scale)
            }
        };
        let op_name = match (&node.op, relu) {
            (Op::Relu, _) if matches!(op, QOp::Reshape) => "Relu (fused)".to_string(),
            (o, true) => format!("{}+Relu", o.name()),
            (o, false) => o.name().to_string(),
        };
        nodes.push(QNode {
            name: node.name.clone(),
            op_name,
            op,
            inputs: node.inputs.clone(),
            shape: node.shape.clone(),
            scale,
        });
    }
    let input_exponents = scaling.as_ref().map(|s| s.exponents.clone()).unwrap_or_default();
    let model = QuantizedModel {
        nodes,
        input: graph.input,
        outputs: graph.outputs.clone(),
        bits: opts.bits,
        luts,
        lut_bits,
        input_exponents,
    };
    guards::check(&graph.guards, &model)?;
    Ok(model)
}

/// Per node, the largest absolute value seen over all samples.
fn observed_max_abs(graph: &Graph, samples: &[Vec<f64>]) -> Result<Vec<f64>, String> {
    let mut max_abs = vec![0.0f64; graph.nodes.len()];
    for (s, sample) in samples.iter().enumerate() {
        if sample.len() != graph.input_len() {
            return Err(format!(
                "calibration input #{s} has {} values, the model expects {}",
                sample.len(),
                graph.input_len()
            ));
        }
        if let Some(v) = sample.iter().find(|v| !v.is_finite()) {
            return Err(format!("calibration input #{s} contains {v}: NaN and infinity cannot be quantized"));
        }
        for (m, values) in max_abs.iter_mut().zip(graph.eval_f64(sample)) {
            *m = values.iter().fold(*m, |acc, v| acc.max(v.abs()));
        }
    }
    Ok(max_abs)
}

/// Whether each node's values reach a function table's input, directly or through re-wiring
/// (Reshape, Select, a fused Relu): those are calibrated to the tables' domain.
fn lut_inputs(graph: &Graph) -> Vec<bool> {
    let mut feeds = vec![false; graph.nodes.len()];
    for id in (0..graph.nodes.len()).rev() {
        let node = &graph.nodes[id];
        let passes = matches!(node.op, Op::Unary(_))
            || (feeds[id] && matches!(node.op, Op::Reshape | Op::Select { .. } | Op::Relu));
        if passes {
            node.inputs.iter().for_each(|&i| feeds[i] = true);
        }
    }
    feeds
}

/// For each node, the Relu it is fused with: a Linear or Binary node whose only reader is a Relu.
fn relu_fusions(graph: &Graph) -> Vec<Option<usize>> {
    let consumers = graph.consumer_counts();
    let mut fused = vec![None; graph.nodes.len()];
    for (id, node) in graph.nodes.iter().enumerate() {
        if node.op == Op::Relu {
            let producer = node.inputs[0];
            let fusable = matches!(graph.nodes[producer].op, Op::Linear { .. } | Op::Binary(_) | Op::MatMul);
            if fusable && consumers[producer] == 1 && !graph.outputs.contains(&producer) {
                fused[producer] = Some(id);
            }
        }
    }
    fused
}

/// The constants `align_compared_constants` quantizes: read by one comparison only, whose other
/// operand is computed.
fn compared_constants(graph: &Graph, consumers: &[usize]) -> Vec<bool> {
    let mut compared = vec![false; graph.nodes.len()];
    for node in &graph.nodes {
        if let (Op::Compare { .. }, [a, b]) = (&node.op, node.inputs.as_slice()) {
            for (id, other) in [(*a, *b), (*b, *a)] {
                compared[id] |= matches!(graph.nodes[id].op, Op::Const(_))
                    && consumers[id] == 1
                    && !matches!(graph.nodes[other].op, Op::Const(_));
            }
        }
    }
    compared
}

/// A constant that only a comparison reads is re-quantized at the other operand's scale, with
/// the rounding that keeps the comparison exact on the quantized grid (a tree threshold, `x > 0`).
#[allow(clippy::too_many_arguments)]
fn align_compared_constants(
    graph: &Graph,
    consumers: &[usize],
    nodes: &mut [QNode],
    luts: &[LutSpec],
    node: &crate::ir::Node,
    strict: bool,
    bits: u32,
    lut_bits: u32,
) -> Result<(), String> {
    for side in 0..2 {
        let (id, other) = (node.inputs[side], node.inputs[1 - side]);
        let Op::Const(t) = &graph.nodes[id].op else { continue };
        if consumers[id] != 1 || matches!(graph.nodes[other].op, Op::Const(_)) {
            continue;
        }
        let scale = nodes[other].scale;
        // how far the other operand reaches over every valid input, not just the calibration set
        let bound = super::bounds::magnitude_bounds(&nodes[..=other], luts, bits, lut_bits)[other];
        let values = t
            .data
            .iter()
            .map(|&v| {
                let q = crate::quantize::fixed::compare_threshold(v as f64, scale, strict, side == 0, bound).ok_or_else(|| format!("node '{}': a compared constant ({v}) is not finite", node.name))?;
                i64::try_from(q).map_err(|_| format!("node '{}': the compared constant {v} at scale 2^{scale} does not fit 64 bits, and the other operand has no bound below it (recompile with a larger --scale or without it)", node.name))
            })
            .collect::<Result<Vec<i64>, String>>()?;
        nodes[id].op = QOp::Const { values };
        nodes[id].scale = scale;
    }
    Ok(())
}

/// The largest scale at which `max_abs` stays strictly below half of the `bits`-bit range (the
/// lookup tables of nonlinear layers take inputs in `[-2^(bits-1), 2^(bits-1))`).
fn calibrated_scale(max_abs: f64, bits: i32) -> i32 {
    if max_abs <= 0.0 || !max_abs.is_finite() {
        return MAX_SCALE.min(bits - 2);
    }
    let mut scale = ((bits - 1) as f64 - max_abs.log2()).floor() as i32;
    if max_abs * 2f64.powi(scale) >= 2f64.powi(bits - 1) {
        scale -= 1;
    }
    scale.clamp(MIN_SCALE, MAX_SCALE)
}

fn quantize_values(data: &[f32], scale: i32, node: &str) -> Result<Vec<i64>, String> {
    data.iter()
        .map(|&v| {
            to_fixed(v as f64, scale)
                .and_then(|q| i64::try_from(q).ok())
                .ok_or_else(|| format!("node '{node}': constant {v} cannot be quantized at scale 2^{scale}"))
        })
        .collect()
}

/// The raw result lives at `raw_scale`; bring it to `want` with a shift of at most `bits`.
fn requant_to(raw_scale: i32, want: i32, bits: i32, relu: bool) -> (Option<Requant>, i32) {
    let out = want.clamp(raw_scale - bits, raw_scale);
    let shift = (raw_scale - out) as u32;
    let requant = (shift > 0 || relu).then_some(Requant { shift, relu });
    (requant, out)
}

fn quantize_linear(
    weight: &crate::ir::Tensor,
    bias: Option<&crate::ir::Tensor>,
    in_scale: i32,
    want: i32,
    bits: i32,
    relu: bool,
    node: &str,
) -> Result<(QOp, i32), String> {
    // As many weight bits as the rescale can remove: the shift `in + w - out` stays within `bits`.
    let weight_scale = (bits + want - in_scale).clamp(0, MAX_WEIGHT_SCALE);
    let raw_scale = in_scale + weight_scale;
    let (requant, scale) = requant_to(raw_scale, want, bits, relu);
    let (k, n) = (weight.shape[0], weight.shape[1]);
    let bias = match bias {
        Some(b) => quantize_values(&b.data, raw_scale, node)?,
        None => vec![0; n],
    };
    let weight = quantize_values(&weight.data, weight_scale, node)?;
    Ok((QOp::Linear { k, n, weight, weight_scale, bias, requant }, scale))
}

fn quantize_binary(
    kind: BinaryKind,
    sa: i32,
    sb: i32,
    want: i32,
    bits: i32,
    relu: bool,
    node: &str,
) -> Result<(QOp, i32), String> {
    let (coeffs, raw_scale) = match kind {
        BinaryKind::Mul => (BinaryCoeffs { ca: 0, cb: 0, mul: 1 }, sa + sb),
        BinaryKind::Add | BinaryKind::Sub => {
            let s = sa.max(sb);
            let cb = alignment(s - sb, node)?;
            let cb = if kind == BinaryKind::Sub { -cb } else { cb };
            (BinaryCoeffs { ca: alignment(s - sa, node)?, cb, mul: 0 }, s)
        }
    };
    let (requant, scale) = requant_to(raw_scale, want, bits, relu);
    Ok((QOp::Binary { kind, coeffs, requant }, scale))
}

/// `2^shift`, the factor that brings an operand to a finer scale exactly; an error where the two
/// scales are too far apart for the coefficient (a shift of 64 would wrap to 1).
fn alignment(shift: i32, node: &str) -> Result<i64, String> {
    u32::try_from(shift).ok().filter(|&s| s <= 48).map(|s| 1i64 << s).ok_or_else(|| format!("node '{node}': its operands' scales are 2^{shift} apart, too far to align exactly (recompile without a very small or large --scale)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibrated_scale_leaves_one_bit_of_headroom() {
        assert_eq!(calibrated_scale(1.0, 12), 10); // 1 * 2^11 would reach 2048, the table's bound
        assert_eq!(calibrated_scale(0.99, 12), 11);
        assert_eq!(calibrated_scale(3.0, 12), 9); // 3 * 2^9 = 1536 < 2048
        assert_eq!(calibrated_scale(5000.0, 12), -2); // 5000 / 4 = 1250 < 2048
        assert_eq!(calibrated_scale(0.0, 12), 10);
    }

    #[test]
    fn requant_shift_never_exceeds_bits() {
        assert_eq!(requant_to(30, 5, 12, false), (Some(Requant { shift: 12, relu: false }), 18));
        assert_eq!(requant_to(8, 8, 12, false), (None, 8));
        assert_eq!(requant_to(8, 8, 12, true), (Some(Requant { shift: 0, relu: true }), 8));
        assert_eq!(requant_to(8, 10, 12, false), (None, 8));
    }

    #[test]
    fn function_table_inputs_stay_within_the_table_domain() {
        use crate::ir::{Node, Nonlinearity, Tensor};
        let node = |name: &str, op: Op, inputs: Vec<usize>| Node { name: name.into(), op, inputs, shape: vec![1, 2] };
        let w = Tensor::new(vec![2, 2], vec![0.5, -0.25, 1.0, 0.75]);
        let graph = Graph {
            guards: Vec::new(),
            nodes: vec![
                node("x", Op::Input, vec![]),
                node("fc", Op::Linear { weight: w.clone(), bias: None }, vec![0]),
                node("sigmoid", Op::Unary(Nonlinearity::Sigmoid), vec![1]),
                node("fc2", Op::Linear { weight: w, bias: None }, vec![0]),
                node("relu", Op::Relu, vec![3]),
            ],
            input: 0,
            outputs: vec![2, 4],
        };
        let model = quantize(&graph, &[vec![0.9, -0.4]], &QuantizeOptions { bits: 16, fixed_scale: None }).unwrap();
        assert_eq!(model.lut_domain_bits(), 12);
        // fc feeds the table: 12-bit headroom; fc2 (through its fused Relu) does not: 16 bits
        assert!(
            model.nodes[1].scale + 4 <= model.nodes[3].scale,
            "{} vs {}",
            model.nodes[1].scale,
            model.nodes[3].scale
        );
        // the input also feeds fc2 only through a Linear, so it is calibrated at 16 bits
        assert!(model.nodes[0].scale >= 14);
    }
}
