//! Gemm / MatMul with constant weights: one dot product per output element, then the
//! requantization (fused with Relu when one follows). Fixed parameters are the dot gadget's
//! fixed weights; witness parameters are loaded into advice cells (joining the parameter wires),
//! multiplied with the pair-dot gadget, and the bias added with the arith gate. A Linear with
//! many rows (a convolution's positions, a batch) is instead checked as one matrix product by a
//! random challenge where that takes fewer rows (`gadgets::freivalds`).

use super::input::load;
use crate::circuit::config::ModelConfig;
use crate::circuit::params::CircuitParams;
use crate::gadgets::freivalds::{FreivaldsGadget, Operand, PendingCheck};
use crate::layout::region::{RegionCtx, Wire};
use crate::quantize::{BinaryCoeffs, QNode, QOp};
use halo2_proofs::{circuit::Value, plonk::Error};

pub fn assign(
    cfg: &ModelConfig,
    ctx: &mut RegionCtx,
    node: &QNode,
    x: &[Wire],
    params: &mut Vec<Wire>,
    checks: &mut Vec<PendingCheck>,
) -> Result<Vec<Wire>, Error> {
    let QOp::Linear { k, n, weight, bias, requant, .. } = &node.op else {
        unreachable!("linear::assign on {}", node.op_name)
    };
    let raw = if uses_freivalds(&cfg.params, *k, *n, x.len() / k * n) {
        let gadget = cfg.freivalds.as_ref().expect("uses_freivalds implies the gadget is configured");
        let p = x.len() / k;
        let (y, check) = if cfg.params.visibility.witness_params() {
            let (w, b) = load_params(cfg, ctx, weight, bias, params);
            gadget.assign(ctx, x, Operand::Wires(&w), Operand::Wires(&b), (p, *k, *n))?
        } else {
            gadget.assign(ctx, x, Operand::Fixed(weight), Operand::Fixed(bias), (p, *k, *n))?
        };
        checks.push(check);
        y
    } else if cfg.params.visibility.witness_params() {
        witness_weights(cfg, ctx, x, *k, *n, weight, bias, params)?
    } else {
        fixed_weights(cfg, ctx, x, *k, *n, weight, bias)?
    };
    match requant {
        Some(r) => cfg.requant().assign(ctx, &raw, *r),
        None => Ok(raw),
    }
}

/// Rows of a Linear with `len` outputs (mirrors `assign`).
pub fn rows(params: &CircuitParams, k: usize, n: usize, len: usize) -> usize {
    if uses_freivalds(params, k, n, len) {
        freivalds_rows(params, k, n, len)
    } else {
        direct_rows(params, k, n, len)
    }
}

/// Whether this Linear is checked by a random challenge: where the circuit has the gadget and
/// the check takes fewer rows than the dot products.
pub fn uses_freivalds(params: &CircuitParams, k: usize, n: usize, len: usize) -> bool {
    params.freivalds && freivalds_rows(params, k, n, len) < direct_rows(params, k, n, len)
}

fn direct_rows(params: &CircuitParams, k: usize, n: usize, len: usize) -> usize {
    if params.visibility.witness_params() {
        load_rows(params, k, n) + len * params.pair_dot_rows(k) + params.arith_rows(len)
    } else {
        len * params.dot_rows(k)
    }
}

fn freivalds_rows(params: &CircuitParams, k: usize, n: usize, len: usize) -> usize {
    let loads = if params.visibility.witness_params() { load_rows(params, k, n) } else { 0 };
    loads + FreivaldsGadget::rows_for(params.width, len / n, k, n)
}

/// Rows of a Linear's witness weights and bias.
fn load_rows(params: &CircuitParams, k: usize, n: usize) -> usize {
    params.load_rows(k * n) + params.load_rows(n)
}

/// Loads witness weights and bias into advice cells, joining the parameter wires.
fn load_params(
    cfg: &ModelConfig,
    ctx: &mut RegionCtx,
    weight: &[i64],
    bias: &[i64],
    params: &mut Vec<Wire>,
) -> (Vec<Wire>, Vec<Wire>) {
    let w = load(cfg, ctx, weight.len(), |i| Value::known(weight[i] as i128));
    let b = load(cfg, ctx, bias.len(), |j| Value::known(bias[j] as i128));
    params.extend(&w);
    params.extend(&b);
    (w, b)
}

fn fixed_weights(
    cfg: &ModelConfig,
    ctx: &mut RegionCtx,
    x: &[Wire],
    k: usize,
    n: usize,
    weight: &[i64],
    bias: &[i64],
) -> Result<Vec<Wire>, Error> {
    let mut column = vec![0i64; k];
    let mut raw = Vec::with_capacity(x.len() / k * n);
    for row in x.chunks(k) {
        for j in 0..n {
            column.iter_mut().enumerate().for_each(|(i, w)| *w = weight[i * n + j]);
            raw.push(cfg.dot.assign(ctx, row, &column, bias[j])?);
        }
    }
    Ok(raw)
}

#[allow(clippy::too_many_arguments)]
fn witness_weights(
    cfg: &ModelConfig,
    ctx: &mut RegionCtx,
    x: &[Wire],
    k: usize,
    n: usize,
    weight: &[i64],
    bias: &[i64],
    params: &mut Vec<Wire>,
) -> Result<Vec<Wire>, Error> {
    let (w, b) = load_params(cfg, ctx, weight, bias, params);
    let gadget = cfg.pair_dot.as_ref().expect("witness parameters configure the pair-dot gadget");
    let mut sums = Vec::with_capacity(x.len() / k * n);
    let mut with_bias = Vec::with_capacity(sums.capacity());
    for row in x.chunks(k) {
        for j in 0..n {
            let pairs: Vec<(Wire, Wire)> = (0..k).map(|i| (row[i], w[i * n + j])).collect();
            sums.push(gadget.assign(ctx, &pairs)?);
            with_bias.push(b[j]);
        }
    }
    let pairs: Vec<(Wire, Wire)> = sums.into_iter().zip(with_bias).collect();
    cfg.arith().assign(ctx, &pairs, BinaryCoeffs { ca: 1, cb: 1, mul: 0 })
}
