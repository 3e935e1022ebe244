//! Where a running sum starts and where it carries on, for the dot-product gadgets:
//!
//! `acc = Σ terms` on a sum's first row, `acc = acc[prev] + Σ terms` on the rows after (`prev`
//! is `stride` rows up: 1 for the dot products, a packed value's rows for `pack`).
//!
//! Two selectors that are never on the same row, which halo2 folds into an existing selector
//! column, instead of a fixed 0/1 column: one commitment and one evaluation fewer in every
//! proof and on-chain verifier.

use crate::layout::region::RegionCtx;
use halo2_proofs::{
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Error, Expression, Selector, VirtualCells},
    poly::Rotation,
};

#[derive(Clone, Copy, Debug)]
pub struct RunningSum {
    first: Selector,
    next: Selector,
    stride: i32,
}

impl RunningSum {
    pub fn configure(meta: &mut ConstraintSystem<Fr>) -> Self {
        Self::with_stride(meta, 1)
    }

    /// A running sum whose terms are `stride` rows apart.
    pub fn with_stride(meta: &mut ConstraintSystem<Fr>, stride: usize) -> Self {
        Self { first: meta.selector(), next: meta.selector(), stride: stride as i32 }
    }

    /// `check` on every row of a sum, first or not (a per-term constraint).
    pub fn on_every_term(&self, m: &mut VirtualCells<Fr>, check: Expression<Fr>) -> [Expression<Fr>; 2] {
        [m.query_selector(self.first) * check.clone(), m.query_selector(self.next) * check]
    }

    /// The constraints that `acc` holds the running sum after this row's `terms` (two: halo2's
    /// simple selectors may only multiply).
    pub fn constraints(
        &self,
        m: &mut VirtualCells<Fr>,
        acc: Column<Advice>,
        terms: Expression<Fr>,
    ) -> Vec<Expression<Fr>> {
        let (first, next) = (m.query_selector(self.first), m.query_selector(self.next));
        let acc_cur = m.query_advice(acc, Rotation::cur());
        let acc_prev = m.query_advice(acc, Rotation(-self.stride));
        vec![first * (acc_cur.clone() - terms.clone()), next * (acc_cur - acc_prev - terms)]
    }

    /// Marks the row of a sum's `index`-th term.
    pub fn enable(&self, ctx: &mut RegionCtx, row: usize, index: usize) -> Result<(), Error> {
        ctx.enable(if index == 0 { &self.first } else { &self.next }, row)
    }
}
