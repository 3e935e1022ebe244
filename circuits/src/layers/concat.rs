//! Concat: each input is first brought to the output's scale — multiplied up exactly by a power
//! of two (arithmetic gate) or requantized down (rounded division, range-checked); then the
//! output is their wires in order.

use crate::circuit::config::ModelConfig;
use crate::circuit::params::CircuitParams;
use crate::ir::concat_sources;
use crate::layout::region::{RegionCtx, Wire};
use crate::quantize::{BinaryCoeffs, QNode, QOp, QuantizedModel, Requant};
use halo2_proofs::plonk::Error;

pub fn assign(
    cfg: &ModelConfig,
    ctx: &mut RegionCtx,
    model: &QuantizedModel,
    node: &QNode,
    inputs: &[&[Wire]],
) -> Result<Vec<Wire>, Error> {
    let QOp::Concat { axis, rescale } = &node.op else { unreachable!("concat::assign on {}", node.op_name) };
    let mut scaled: Vec<Vec<Wire>> = Vec::with_capacity(inputs.len());
    for (wires, &e) in inputs.iter().zip(rescale) {
        scaled.push(match e {
            0 => wires.to_vec(),
            1.. => {
                let pairs: Vec<(Wire, Wire)> = wires.iter().map(|w| (*w, *w)).collect();
                cfg.arith().assign(ctx, &pairs, BinaryCoeffs { ca: 1 << e, cb: 0, mul: 0 })?
            }
            _ => cfg.requant().assign(ctx, wires, Requant { shift: (-e) as u32, relu: false })?,
        });
    }
    let shapes: Vec<&[usize]> = node.inputs.iter().map(|&i| model.nodes[i].shape.as_slice()).collect();
    Ok(concat_sources(&shapes, *axis).iter().map(|&(j, i)| scaled[j][i]).collect())
}

/// Rows and range-checked cells of the rescaling.
pub fn cost(params: &CircuitParams, model: &QuantizedModel, node: &QNode) -> (usize, usize) {
    let QOp::Concat { rescale, .. } = &node.op else { return (0, 0) };
    node.inputs.iter().zip(rescale).fold((0, 0), |(rows, lookups), (&i, &e)| {
        let len = model.nodes[i].len();
        match e {
            0 => (rows, lookups),
            1.. => (rows + params.arith_rows(len), lookups),
            _ => (rows + params.requant_rows(len), lookups + 3 * len * params.limbs as usize),
        }
    })
}
