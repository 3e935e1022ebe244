//! Dot product with fixed weights, `width - 1` multiply-adds per row:
//!
//! `acc = acc[prev] + bias + sum_i x_i * w_i` (without `acc[prev]` on a sum's first row)
//!
//! `x_i` are advice copies of the input activations, `w_i` and `bias` are fixed cells (the
//! weights are baked into the circuit and committed once, at keygen). One sum takes
//! `ceil(len / (width - 1))` consecutive rows, chained by [`RunningSum`].

use super::RunningSum;
use crate::layout::region::{RegionCtx, Wire};
use halo2_proofs::{
    circuit::Value,
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Error, Fixed},
    poly::Rotation,
};

#[derive(Clone, Debug)]
pub struct DotGadget {
    rows: RunningSum,
    inputs: Vec<Column<Advice>>,
    acc: Column<Advice>,
    weights: Vec<Column<Fixed>>,
    bias: Column<Fixed>,
}

impl DotGadget {
    /// Uses all `main` columns but the last as inputs, the last as the running sum, and the
    /// `fixed` column under each input for its weight (the last one holds the bias).
    pub fn configure(meta: &mut ConstraintSystem<Fr>, main: &[Column<Advice>], fixed: &[Column<Fixed>]) -> Self {
        let rows = RunningSum::configure(meta);
        let (inputs, acc) = (main[..main.len() - 1].to_vec(), main[main.len() - 1]);
        let (weights, bias) = (fixed[..fixed.len() - 1].to_vec(), fixed[fixed.len() - 1]);
        meta.create_gate("dot", |m| {
            let bias = m.query_fixed(bias, Rotation::cur());
            let sum = inputs
                .iter()
                .zip(&weights)
                .fold(bias, |s, (&x, &w)| s + m.query_advice(x, Rotation::cur()) * m.query_fixed(w, Rotation::cur()));
            rows.constraints(m, acc, sum)
        });
        Self { rows, inputs, acc, weights, bias }
    }

    /// Rows one dot product of `len` terms takes.
    pub fn rows(&self, len: usize) -> usize {
        len.div_ceil(self.inputs.len()).max(1)
    }

    /// Lays out `sum_i inputs[i] * weights[i] + bias` and returns the cell holding the sum.
    pub fn assign(&self, ctx: &mut RegionCtx, inputs: &[Wire], weights: &[i64], bias: i64) -> Result<Wire, Error> {
        debug_assert_eq!(inputs.len(), weights.len());
        let per_row = self.inputs.len();
        let first = ctx.take_rows(self.rows(inputs.len()));
        let mut acc = Value::known(bias as i128);
        let mut acc_wire = None;
        for r in 0..self.rows(inputs.len()) {
            let row = first + r;
            self.rows.enable(ctx, row, r)?;
            ctx.fixed(self.bias, row, if r == 0 { bias as i128 } else { 0 });
            let start = (r * per_row).min(inputs.len());
            let end = ((r + 1) * per_row).min(inputs.len());
            for (i, (x, &w)) in inputs[start..end].iter().zip(&weights[start..end]).enumerate() {
                ctx.copy(x, self.inputs[i], row);
                ctx.fixed(self.weights[i], row, w as i128);
                acc = acc.zip(x.value).map(|(a, x)| a + x * w as i128);
            }
            acc_wire = Some(ctx.assign(self.acc, row, acc));
        }
        Ok(acc_wire.expect("a dot product has at least one row"))
    }
}
