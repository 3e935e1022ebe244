//! Where a running sum starts and where it carries on, for the dot-product gadgets:
//!
//! `acc = Σ terms` on a sum's first row, `acc = acc[prev] + Σ terms` on the rows after.
//!
//! Two selectors that are never on the same row, which halo2 folds into an existing selector
//! column, instead of a fixed 0/1 column: one commitment and one evaluation fewer in every
//! proof and on-chain verifier.

use crate::circuit::region::RegionCtx;
use halo2_proofs::{
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Error, Expression, Selector, VirtualCells},
    poly::Rotation,
};

#[derive(Clone, Copy, Debug)]
pub struct RunningSum {
    first: Selector,
    next: Selector,
}

impl RunningSum {
    pub fn configure(meta: &mut ConstraintSystem<Fr>) -> Self {
        Self { first: meta.selector(), next: meta.selector() }
    }

    /// The constraints that `acc` holds the running sum after this row's `terms` (two: halo2's
    /// simple selectors may only multiply).
    pub fn constraints(&self, m: &mut VirtualCells<Fr>, acc: Column<Advice>, terms: Expression<Fr>) -> Vec<Expression<Fr>> {
        let (first, next) = (m.query_selector(self.first), m.query_selector(self.next));
        let acc_cur = m.query_advice(acc, Rotation::cur());
        let acc_prev = m.query_advice(acc, Rotation::prev());
        vec![first * (acc_cur.clone() - terms.clone()), next * (acc_cur - acc_prev - terms)]
    }

    /// Marks the `index`-th row of a sum.
    pub fn enable(&self, ctx: &mut RegionCtx, row: usize, index: usize) -> Result<(), Error> {
        ctx.enable(if index == 0 { &self.first } else { &self.next }, row)
    }
}
