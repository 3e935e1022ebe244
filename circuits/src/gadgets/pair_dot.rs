//! Dot product of two advice vectors, `(width − 1) / 2` pairs per row:
//!
//! `acc = acc[prev] + Σ e_i · a_i · b_i` (without `acc[prev]` on a sum's first row)
//!
//! for products of two computed tensors (attention's `Q·Kᵀ` and `P·V`, a `Linear` with witness
//! weights), chained by [`RunningSum`]. `e_i` is a fixed 0/1 cell per slot: 1 where the row
//! holds a pair of the sum, 0 in the slots a sum's last row leaves over. Without it those slots
//! would be free cells inside the sum (`a = 1, b = δ` adds any δ to the result).

use super::RunningSum;
use crate::layout::region::{RegionCtx, Wire};
use halo2_proofs::{
    circuit::Value,
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Error, Expression, Fixed},
    poly::Rotation,
};

#[derive(Clone, Debug)]
pub struct PairDotGadget {
    rows: RunningSum,
    pairs: Vec<[Column<Advice>; 2]>,
    /// Per pair, the fixed cell that includes it in the sum.
    enabled: Vec<Column<Fixed>>,
    acc: Column<Advice>,
}

impl PairDotGadget {
    pub fn configure(meta: &mut ConstraintSystem<Fr>, main: &[Column<Advice>], fixed: &[Column<Fixed>]) -> Self {
        let rows = RunningSum::configure(meta);
        let acc = main[main.len() - 1];
        let pairs: Vec<[Column<Advice>; 2]> = main[..main.len() - 1].chunks_exact(2).map(|c| [c[0], c[1]]).collect();
        let enabled = fixed[..pairs.len()].to_vec();
        meta.create_gate("pair dot", |m| {
            let sum = pairs.iter().zip(&enabled).fold(Expression::Constant(Fr::zero()), |s, ([a, b], &e)| {
                s + m.query_fixed(e, Rotation::cur())
                    * m.query_advice(*a, Rotation::cur())
                    * m.query_advice(*b, Rotation::cur())
            });
            rows.constraints(m, acc, sum)
        });
        Self { rows, pairs, enabled, acc }
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
            for (([ca, cb], e), (a, b)) in self.pairs.iter().zip(&self.enabled).zip(chunk) {
                ctx.fixed(*e, row, 1);
                ctx.copy(a, *ca, row);
                ctx.copy(b, *cb, row);
                acc = acc.zip(a.value).zip(b.value).map(|((s, a), b)| s + a * b);
            }
            acc_wire = Some(ctx.assign(self.acc, row, acc));
        }
        Ok(acc_wire.expect("a dot product has at least one row"))
    }
}
