//! Static bounds on every node's quantized values, from the ops alone (any valid input):
//! what packing a public tensor into few instances needs to know, since the packed encoding is
//! unique only when each value fits its slot.

use super::{LutSpec, QNode, QOp, QuantizedModel};

impl QuantizedModel {
    /// Per node, the largest `|value|` any valid input can produce (saturating; `None` where no
    /// bound follows from the op).
    pub fn magnitude_bounds(&self) -> Vec<Option<u128>> {
        magnitude_bounds(&self.nodes, &self.luts, self.bits, self.lut_domain_bits())
    }
}

/// [`QuantizedModel::magnitude_bounds`] of the first nodes of a model (calibration asks while
/// the rest is being quantized).
pub fn magnitude_bounds(nodes: &[QNode], luts: &[LutSpec], bits: u32, lut_bits: u32) -> Vec<Option<u128>> {
    let range = (1u128 << bits) - 1;
    let mut bounds: Vec<Option<u128>> = Vec::with_capacity(nodes.len());
    for node in nodes {
        let arg = |i: usize| bounds[node.inputs[i]];
        let bound = match &node.op {
            // requantized values are `p - n` with `p, n < 2^bits`
            _ if node.op.requant().is_some() => Some(range),
            // the circuit checks the input to `[−2^bits, 2^bits)`
            QOp::Input => Some(range + 1),
            QOp::Const { values } => Some(values.iter().map(|v| v.unsigned_abs() as u128).max().unwrap_or(0)),
            QOp::Linear { k, n, weight, bias, .. } => arg(0).map(|x| {
                (0..*n)
                    .map(|j| {
                        (0..*k).fold(bias[j].unsigned_abs() as u128, |s, i| {
                            s.saturating_add((weight[i * n + j].unsigned_abs() as u128).saturating_mul(x))
                        })
                    })
                    .max()
                    .unwrap_or(0)
            }),
            QOp::Binary { coeffs, .. } => arg(0).zip(arg(1)).map(|(a, b)| {
                let term = |c: i64, v: u128| (c.unsigned_abs() as u128).saturating_mul(v);
                term(coeffs.ca, a)
                    .saturating_add(term(coeffs.cb, b))
                    .saturating_add(term(coeffs.mul, a.saturating_mul(b)))
            }),
            QOp::Lut { tag } => {
                let spec = &luts[*tag as usize - 1];
                LutSpec::input_range(lut_bits).map(|q| spec.output(q).unsigned_abs()).max()
            }
            QOp::Compare { .. } => Some(1),
            QOp::Reshape | QOp::Select { .. } | QOp::Extremum { .. } => arg(0),
            QOp::MatMul { .. } => {
                let k = *nodes[node.inputs[0]].shape.last().unwrap_or(&1) as u128;
                arg(0).zip(arg(1)).map(|(a, b)| a.saturating_mul(b).saturating_mul(k))
            }
            QOp::Concat { rescale, .. } => node
                .inputs
                .iter()
                .zip(rescale)
                .map(|(&i, &e)| bounds[i].map(|b| if e >= 0 { b.saturating_mul(1 << e) } else { range }))
                .collect::<Option<Vec<_>>>()
                .map(|b| b.into_iter().max().unwrap_or(0)),
            QOp::Requant(_) => Some(range),
        };
        bounds.push(bound.filter(|&b| b < u128::MAX));
    }
    bounds
}

impl QuantizedModel {
    /// Bits `b` with `|value| < 2^b` for every output, if bounded.
    pub fn output_magnitude_bits(&self) -> Option<u32> {
        let bounds = self.magnitude_bounds();
        self.outputs
            .iter()
            .map(|&o| bounds[o].map(|b| 128 - b.leading_zeros()))
            .try_fold(0, |acc, b| b.map(|b| acc.max(b)))
    }
}
