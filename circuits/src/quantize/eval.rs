//! Integer evaluation of a quantized model: the exact values every circuit cell will hold.

use super::fixed::{from_fixed, requant, to_fixed};
use super::{BinaryCoeffs, QNode, QOp, QuantError, QuantizedModel, Requant};
use crate::ir::{broadcast_source_indices, concat_sources, matmul_pairs};
use rayon::prelude::*;

/// Every node's integer values for one inference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Witness {
    /// Before requantization (dot-product sums, binary results); `None` for nodes without one.
    pub raw: Vec<Option<Vec<i128>>>,
    /// The node outputs.
    pub out: Vec<Vec<i128>>,
}

impl QuantizedModel {
    /// Quantizes a flat float input at its elements' scales, rejecting NaN/inf and values the
    /// range cannot hold.
    pub fn quantize_input(&self, input: &[f64]) -> Result<Vec<i128>, QuantError> {
        let node = self.input_node();
        if input.len() != node.len() {
            return Err(QuantError::InputLength { got: input.len(), expected: node.len(), shape: node.shape.clone() });
        }
        let limit = 1i128 << self.bits;
        input
            .iter()
            .zip(self.input_scales())
            .enumerate()
            .map(|(index, (&value, scale))| {
                let q = to_fixed(value, scale).ok_or(QuantError::NonFinite { index, value })?;
                if q.abs() >= limit {
                    let limit = from_fixed(limit, scale);
                    return Err(QuantError::InputOutOfRange { index, value, limit, scale, bits: self.bits });
                }
                Ok(q)
            })
            .collect()
    }

    /// Runs the quantized model on a quantized input.
    pub fn evaluate(&self, input: &[i128]) -> Result<Witness, QuantError> {
        let mut raw = Vec::with_capacity(self.nodes.len());
        let mut out: Vec<Vec<i128>> = Vec::with_capacity(self.nodes.len());
        for node in &self.nodes {
            let arg = |i: usize| &out[node.inputs[i]];
            let raw_values = match &node.op {
                QOp::Input
                | QOp::Const { .. }
                | QOp::Reshape
                | QOp::Lut { .. }
                | QOp::Select { .. }
                | QOp::Concat { .. }
                | QOp::Extremum { .. } => None,
                QOp::Linear { k, n, weight, bias, .. } => Some(linear(arg(0), *k, *n, weight, bias)),
                QOp::Binary { coeffs, .. } => Some(self.binary(node, arg(0), arg(1), *coeffs)),
                QOp::Compare { ca, cb, .. } => {
                    Some(self.binary(node, arg(0), arg(1), BinaryCoeffs { ca: *ca, cb: *cb, mul: 0 }))
                }
                QOp::MatMul { .. } => {
                    let pairs = matmul_pairs(&self.nodes[node.inputs[0]].shape, &self.nodes[node.inputs[1]].shape);
                    Some(pairs.par_iter().map(|p| p.iter().map(|&(i, j)| arg(0)[i] * arg(1)[j]).sum()).collect())
                }
                QOp::Requant(_) => Some(arg(0).clone()),
            };
            let values = match (&node.op, node.op.requant(), &raw_values) {
                (QOp::Input, ..) => input.to_vec(),
                (QOp::Const { values }, ..) => values.iter().map(|&v| v as i128).collect(),
                (QOp::Reshape, ..) => arg(0).clone(),
                (QOp::Concat { axis, rescale }, ..) => {
                    let aligned = node
                        .inputs
                        .iter()
                        .zip(rescale)
                        .map(|(&i, &e)| self.rescale(node, &out[i], e))
                        .collect::<Result<Vec<_>, _>>()?;
                    let shapes: Vec<&[usize]> = node.inputs.iter().map(|&i| self.nodes[i].shape.as_slice()).collect();
                    concat_sources(&shapes, *axis).iter().map(|&(j, i)| aligned[j][i]).collect()
                }
                (QOp::Extremum { max }, ..) => self.extremum(node, arg(0), *max)?,
                (QOp::Select { sources }, ..) => sources.iter().map(|s| s.map_or(0, |i| arg(0)[i as usize])).collect(),
                (QOp::Lut { tag }, ..) => self.lookup_all(node, arg(0), *tag)?,
                (QOp::Compare { strict, .. }, _, Some(diffs)) => self.compare_all(node, diffs, *strict)?,
                (_, Some(r), Some(values)) => self.requant_all(node, values, r)?,
                (_, None, Some(values)) => values.clone(),
                (_, _, None) => unreachable!("every other op has raw values"),
            };
            // a node whose declared shape disagrees with what its op produces would make the
            // circuit's public part and the key's instance count disagree
            if values.len() != node.len() {
                return Err(QuantError::Shape {
                    node: node.name.clone(),
                    op: node.op_name.clone(),
                    declared: node.shape.clone(),
                    got: values.len(),
                });
            }
            raw.push(raw_values);
            out.push(values);
        }
        Ok(Witness { raw, out })
    }

    /// The model's outputs, dequantized, in output order.
    pub fn dequantized_outputs(&self, witness: &Witness) -> Vec<Vec<f64>> {
        self.outputs
            .iter()
            .map(|&o| witness.out[o].iter().map(|&q| from_fixed(q, self.nodes[o].scale)).collect())
            .collect()
    }

    fn binary(&self, node: &QNode, a: &[i128], b: &[i128], c: BinaryCoeffs) -> Vec<i128> {
        let ia = broadcast_source_indices(&self.nodes[node.inputs[0]].shape, &node.shape);
        let ib = broadcast_source_indices(&self.nodes[node.inputs[1]].shape, &node.shape);
        ia.iter()
            .zip(&ib)
            .map(|(&i, &j)| c.ca as i128 * a[i] + c.cb as i128 * b[j] + c.mul as i128 * a[i] * b[j])
            .collect()
    }

    fn lookup_all(&self, node: &QNode, x: &[i128], tag: u32) -> Result<Vec<i128>, QuantError> {
        let spec = self.luts[tag as usize - 1];
        let range = super::LutSpec::input_range(self.lut_domain_bits());
        x.par_iter()
            .map(|&q| {
                if !range.contains(&q) {
                    return Err(QuantError::LutRange {
                        node: node.name.clone(),
                        op: node.op_name.clone(),
                        value: from_fixed(q, spec.in_scale),
                        limit: from_fixed(range.end, spec.in_scale),
                        scale: spec.in_scale,
                        bits: self.lut_domain_bits(),
                    });
                }
                Ok(spec.output(q))
            })
            .collect()
    }

    /// Values times `2^e` (exact) or requantized by `2^-e`.
    fn rescale(&self, node: &QNode, x: &[i128], e: i32) -> Result<Vec<i128>, QuantError> {
        match e {
            0.. => Ok(x.iter().map(|&v| v << e).collect()),
            _ => self.requant_all(node, x, Requant { shift: (-e) as u32, relu: false }),
        }
    }

    /// Max/min over the last axis; every element's distance to it must pass the range check.
    fn extremum(&self, node: &QNode, x: &[i128], max: bool) -> Result<Vec<i128>, QuantError> {
        let window = *self.nodes[node.inputs[0]].shape.last().unwrap_or(&1);
        x.chunks(window)
            .map(|w| {
                let (lo, hi) = (*w.iter().min().expect("window"), *w.iter().max().expect("window"));
                if hi - lo >= 1i128 << self.bits {
                    return Err(QuantError::WindowSpread {
                        node: node.name.clone(),
                        op: node.op_name.clone(),
                        spread: from_fixed(hi - lo, node.scale),
                        scale: node.scale,
                        bits: self.bits,
                    });
                }
                Ok(if max { hi } else { lo })
            })
            .collect()
    }

    /// `[e < 0]` or `[e ≤ 0]` for every difference, which must fit the range check.
    fn compare_all(&self, node: &QNode, diffs: &[i128], strict: bool) -> Result<Vec<i128>, QuantError> {
        let scale = self.nodes[node.inputs[0]].scale.max(self.nodes[node.inputs[1]].scale);
        diffs
            .iter()
            .map(|&e| {
                super::fixed::compare(e, strict, self.bits).map(|(c, _)| c).map_err(|e| QuantError::OutOfRange {
                    node: node.name.clone(),
                    op: node.op_name.clone(),
                    value: from_fixed(e, scale),
                    scale,
                    bits: self.bits,
                })
            })
            .collect()
    }

    fn requant_all(&self, node: &QNode, raw: &[i128], r: Requant) -> Result<Vec<i128>, QuantError> {
        raw.par_iter()
            .map(|&x| {
                requant(x, r.shift, self.bits, r.relu).map(|c| c.y).map_err(|q| QuantError::OutOfRange {
                    node: node.name.clone(),
                    op: node.op_name.clone(),
                    value: from_fixed(q, node.scale),
                    scale: node.scale,
                    bits: self.bits,
                })
            })
            .collect()
    }
}

/// `x [rows, k] @ weight [k, n] + bias`, one output row per input row, in parallel.
fn linear(x: &[i128], k: usize, n: usize, weight: &[i64], bias: &[i64]) -> Vec<i128> {
    x.par_chunks(k)
        .flat_map_iter(|row| {
            (0..n).map(move |j| {
                bias[j] as i128 + row.iter().enumerate().map(|(i, &xi)| xi * weight[i * n + j] as i128).sum::<i128>()
            })
        })
        .collect()
}
