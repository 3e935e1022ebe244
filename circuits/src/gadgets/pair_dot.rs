//! Dot product of two advice vectors, `(width − 1) / 2` pairs per row:
//!
//! `acc = chain · acc[prev] + Σ a_i · b_i`
//!
//! for products of two computed tensors (attention's `Q·Kᵀ` and `P·V`). `chain` is the dot
//! gadget's fixed column, which this gadget's rows reuse.

use crate::circuit::region::{RegionCtx, Wire};
use halo2_proofs::{
    circuit::Value,
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Error, Expression, Fixed, Selector},
    poly::Rotation,
};

#[derive(Clone, Debug)]
pub struct PairDotGadget {
    selector: Selector,
    pairs: Vec<[Column<Advice>; 2]>,
    acc: Column<Advice>,
    chain: Column<Fixed>,
}

impl PairDotGadget {
    pub fn configure(meta: &mut ConstraintSystem<Fr>, main: &[Column<Advice>], chain: Column<Fixed>) -> Self {
        let selector = meta.selector();
        let acc = main[main.len() - 1];
        let pairs: Vec<[Column<Advice>; 2]> = main[..main.len() - 1].chunks_exact(2).map(|c| [c[0], c[1]]).collect();
        meta.create_gate("pair dot", |m| {
            let q = m.query_selector(selector);
            let acc_cur = m.query_advice(acc, Rotation::cur());
            let acc_prev = m.query_advice(acc, Rotation::prev());
            let chain = m.query_fixed(chain, Rotation::cur());
            let sum = pairs.iter().fold(Expression::Constant(Fr::zero()), |s, [a, b]| s + m.query_advice(*a, Rotation::cur()) * m.query_advice(*b, Rotation::cur()));
            vec![q * (acc_cur - chain * acc_prev - sum)]
        });
        Self { selector, pairs, acc, chain }
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
            ctx.enable(&self.selector, row)?;
            ctx.fixed(self.chain, row, (r > 0) as i128);
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
