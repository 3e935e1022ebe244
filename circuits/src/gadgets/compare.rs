//! Comparison of two values, `lanes` per row (each lane: `a, b, c, h` in main columns and `r`'s
//! limbs in a range-checked column), with `e = ca·a + cb·b` the scale-aligned difference (`cb`
//! carries the minus sign):
//!
//! - `c·(1 − c) = 0`, `h·(1 − h) = 0`;
//! - `r = c·(off − 1 − e) + (1 − c)·(e − off)` with `r = L + 2^bits·h` and `L` looked up in
//!   `[0, 2^bits)`: `r ∈ [0, 2^(bits+1))`.
//!
//! With `off = 0`, `c = 1` forces `e ≤ −1` and `c = 0` forces `e ≥ 0`: `c = [e < 0]`. With
//! `off = 1` the same gate proves `c = [e ≤ 0]`. The two cases accept disjoint sets of field
//! elements `e` (each `2^(bits+1)` wide, far below the field size), so exactly one `c` satisfies
//! the gate, or none: the result is never a free choice of the prover. The high bit `h` makes room
//! for the difference of two values in the quantized range (`|a|, |b| < 2^bits`), and for a
//! threshold anywhere up to just past the other operand's bound (`fixed::compare_threshold`).
//! With two limbs `L = lo + 2^(bits/2)·hi`, `hi` in the row below.

use super::range::Limbs;
use crate::layout::region::{RegionCtx, Wire};
use crate::quantize::fixed;
use halo2_proofs::{
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Error, Expression, Fixed, Selector},
    poly::Rotation,
};

#[derive(Clone, Copy, Debug)]
struct Lane {
    a: Column<Advice>,
    b: Column<Advice>,
    c: Column<Advice>,
    /// `r`'s bit above the range-checked limbs
    h: Column<Advice>,
    r: Column<Advice>,
}

#[derive(Clone, Debug)]
pub struct CompareGadget {
    selector: Selector,
    lanes: Vec<Lane>,
    ca: Column<Fixed>,
    cb: Column<Fixed>,
    off: Column<Fixed>,
    bits: u32,
    limbs: Limbs,
}

/// One comparison kind of a layer: `[ca·a + cb·b < 0]` or `≤ 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Comparison {
    pub strict: bool,
    pub ca: i64,
    pub cb: i64,
}

impl CompareGadget {
    /// `range_checked` columns have every cell looked up in `[0, 2^bits)`.
    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        main: &[Column<Advice>],
        range_checked: &[Column<Advice>],
        fixed: &[Column<Fixed>],
        bits: u32,
        limbs: Limbs,
    ) -> Self {
        let selector = meta.selector();
        let lanes: Vec<Lane> = main
            .chunks_exact(Self::MAIN_CELLS)
            .zip(range_checked)
            .map(|(m, &r)| Lane { a: m[0], b: m[1], c: m[2], h: m[3], r })
            .collect();
        let (ca, cb, off) = (fixed[0], fixed[1], fixed[2]);
        meta.create_gate("compare", |m| {
            let q = m.query_selector(selector);
            let [ca, cb, off] = [ca, cb, off].map(|col| m.query_fixed(col, Rotation::cur()));
            let one = Expression::Constant(Fr::one());
            let mut constraints = Vec::new();
            for lane in &lanes {
                let [a, b, c, h] = [lane.a, lane.b, lane.c, lane.h].map(|col| m.query_advice(col, Rotation::cur()));
                let low =
                    limbs.join(m.query_advice(lane.r, Rotation::cur()), || m.query_advice(lane.r, Rotation::next()));
                let r = low + h.clone() * Expression::Constant(Fr::from(1u64 << bits));
                let e = ca.clone() * a + cb.clone() * b;
                for bit in [&c, &h] {
                    constraints.push(q.clone() * bit.clone() * (one.clone() - bit.clone()));
                }
                let if_true = c.clone() * (off.clone() - one.clone() - e.clone());
                let if_false = (one.clone() - c) * (e - off.clone());
                constraints.push(q.clone() * (r - if_true - if_false));
            }
            constraints
        });
        Self { selector, lanes, ca, cb, off, bits, limbs }
    }

    /// Main cells a lane takes.
    pub const MAIN_CELLS: usize = 4;

    pub fn rows(&self, len: usize) -> usize {
        len.div_ceil(self.lanes.len()) * self.limbs.count as usize
    }

    /// The 0/1 result of `cmp` for every (already broadcast) operand pair.
    pub fn assign(&self, ctx: &mut RegionCtx, pairs: &[(Wire, Wire)], cmp: Comparison) -> Result<Vec<Wire>, Error> {
        let first = ctx.take_rows(self.rows(pairs.len()));
        let mut out = Vec::with_capacity(pairs.len());
        for (row_index, chunk) in pairs.chunks(self.lanes.len()).enumerate() {
            let row = first + row_index * self.limbs.count as usize;
            ctx.enable(&self.selector, row)?;
            ctx.fixed(self.ca, row, cmp.ca as i128);
            ctx.fixed(self.cb, row, cmp.cb as i128);
            ctx.fixed(self.off, row, (!cmp.strict) as i128);
            for (lane_index, lane) in self.lanes.iter().enumerate() {
                // a lane past the last pair repeats the row's first comparison
                let (a, b) = chunk.get(lane_index).unwrap_or(&chunk[0]);
                let (a, b) = (ctx.copy(a, lane.a, row).value, ctx.copy(b, lane.b, row).value);
                let e = a.zip(b).map(|(a, b)| cmp.ca as i128 * a + cmp.cb as i128 * b);
                // A difference too large for the range check was rejected by the quantized
                // evaluator; if it reaches here anyway, `r` is assigned as is and fails the lookup.
                let cells =
                    e.map(|e| fixed::compare(e, cmp.strict, self.bits).unwrap_or_else(|e| ((e < 0) as i128, e.abs())));
                let low = (1i128 << self.bits) - 1;
                self.limbs.assign(ctx, lane.r, row, cells.map(|(_, r)| r & low));
                ctx.assign(lane.h, row, cells.map(|(_, r)| r >> self.bits));
                let c = ctx.assign(lane.c, row, cells.map(|(c, _)| c));
                if lane_index < chunk.len() {
                    out.push(c);
                }
            }
        }
        Ok(out)
    }
}
