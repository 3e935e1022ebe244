//! Dot product of two advice vectors, `(width − 1) / 2` pairs per row:
//!
//! `acc = acc[prev] + Σ a_i · b_i` (without `acc[prev]` on a sum's first row)
//!
//! for products of two computed tensors (attention's `Q·Kᵀ` and `P·V`), chained by
//! [`RunningSum`].

use super::RunningSum;
use crate::circuit::region::{RegionCtx, Wire};
use halo2_proofs::{
    circuit::Value,
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Error, Expression},
    poly::Rotation,
};

#[derive(Clone, Debug)]
pub struct PairDotGadget {
    rows: RunningSum,
    pairs: Vec<[Column<Advice>; 2]>,
    acc: Column<Advice>,
}

impl PairDotGadget {
    pub fn configure(meta: &mut ConstraintSystem<Fr>, main: &[Column<Advice>]) -> Self {
        let rows = RunningSum::configure(meta);
        let acc = main[main.len() - 1];
        let pairs: Vec<[Column<Advice>; 2]> = main[..main.len() - 1].chunks_exact(2).map(|c| [c[0], c[1]]).collect();
        meta.create_gate("pair dot", |m| {
            let sum = pairs.iter().fold(Expression::Constant(Fr::zero()), |s, [a, b]| s + m.query_advice(*a, Rotation::cur()) * m.query_advice(*b, Rotation::cur()));
            rows.constraints(m, acc, sum)
        });
        Self { rows, pairs, acc }
    }

    pub fn rows(&self, len: usize) -> usize {
        len.div_ceil(self.pairs.len()).max(1)
    }

    /// `Σ a_i · b_i` over the paired wires; returns the sum's cell.
    pub fn assign(&self, ctx: &mut RegionCtx, pairs: &[(Wire, Wire)]) -> Result<Wire, Error> {
        let rows = self.rows(pairs.len());
        let first = ctx.take_rows(rows);
        let mut acc = Value::known(0i128);
        let mut acc_wire = None;
        for r in 0..rows {
            let row = first + r;
            self.rows.enable(ctx, row, r)?;
            let chunk = &pairs[(r * self.pairs.len()).min(pairs.len())..((r + 1) * self.pairs.len()).min(pairs.len())];
            for ([ca, cb], (a, b)) in self.pairs.iter().zip(chunk) {
                ctx.copy(a, *ca, row);
                ctx.copy(b, *cb, row);
                acc = acc.zip(a.value).zip(b.value).map(|((s, a), b)| s + a * b);
            }
            acc_wire = Some(ctx.assign(self.acc, row, acc));
        }
        Ok(acc_wire.expect("a dot product has at least one row"))
    }
}
