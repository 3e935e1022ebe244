//! Concat: inputs at a lower scale are first multiplied up to the output's scale (exactly, by a
//! power of two, with the arithmetic gate); then the output is their wires in order.

use crate::circuit::config::ModelConfig;
use crate::circuit::params::CircuitParams;
use crate::circuit::region::{RegionCtx, Wire};
use crate::ir::concat_sources;
use crate::quantize::{BinaryCoeffs, QNode, QOp, QuantizedModel};
use halo2_proofs::plonk::Error;

pub fn assign(cfg: &ModelConfig, ctx: &mut RegionCtx, model: &QuantizedModel, node: &QNode, inputs: &[&[Wire]]) -> Result<Vec<Wire>, Error> {
    let QOp::Concat { axis, multipliers } = &node.op else { unreachable!("concat::assign on {}", node.op_name) };
    let mut scaled: Vec<Vec<Wire>> = Vec::with_capacity(inputs.len());
    for (wires, &m) in inputs.iter().zip(multipliers) {
        scaled.push(if m == 1 {
            wires.to_vec()
        } else {
            let pairs: Vec<(Wire, Wire)> = wires.iter().map(|w| (*w, *w)).collect();
            cfg.arith.assign(ctx, &pairs, BinaryCoeffs { ca: m, cb: 0, mul: 0 })?
        });
    }
    let shapes: Vec<&[usize]> = node.inputs.iter().map(|&i| model.nodes[i].shape.as_slice()).collect();
    Ok(concat_sources(&shapes, *axis).iter().map(|&(j, i)| scaled[j][i]).collect())
}

pub fn rows(params: &CircuitParams, model: &QuantizedModel, node: &QNode) -> usize {
    let QOp::Concat { multipliers, .. } = &node.op else { return 0 };
    node.inputs.iter().zip(multipliers).filter(|(_, &m)| m != 1).map(|(&i, _)| params.arith_rows(model.nodes[i].len())).sum()
}
