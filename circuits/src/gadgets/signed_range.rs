//! A signed range check, `v ∈ [−2^B, 2^B)` with `B` the model's bits, `lanes` values per row
//! group (each lane: `v, h` in main columns and the limbs in a range-checked column):
//!
//! - `v + 2^B = L + 2^B · h`, with `L = lo (+ 2^(B/2)·hi)` the range-checked limbs, so
//!   `L ∈ [0, 2^B)`;
//! - `h · (1 − h) = 0`.
//!
//! Then `v + 2^B ∈ [0, 2^(B+1))` as an integer, and no field element outside the range has a
//! witness: the sum of a limb value below `2^B` and `0` or `2^B` covers exactly `2^(B+1)` field
//! elements. This is how the model input is checked: without it a private input is any field
//! element, and a first `Linear` layer reaches any output (solve `x·w = y` over the field).

use super::range::Limbs;
use crate::layout::region::{RegionCtx, Wire};
use halo2_proofs::{
    circuit::Value,
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Error, Expression, Selector},
    poly::Rotation,
};

/// One lane: the value and its high bit in main columns, the limbs in a range-checked column
/// (the high limb, with two, in the row below).
#[derive(Clone, Copy, Debug)]
struct Lane {
    v: Column<Advice>,
    h: Column<Advice>,
    limbs: Column<Advice>,
}

#[derive(Clone, Debug)]
pub struct SignedRangeGadget {
    selector: Selector,
    lanes: Vec<Lane>,
    bits: u32,
    limbs: Limbs,
}

impl SignedRangeGadget {
    /// One lane per range-checked column, as far as the main columns hold two cells a lane.
    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        main: &[Column<Advice>],
        range_checked: &[Column<Advice>],
        bits: u32,
        limbs: Limbs,
    ) -> Self {
        let selector = meta.selector();
        let count = Self::lanes_for(main.len(), range_checked.len());
        let lanes: Vec<Lane> =
            (0..count).map(|i| Lane { v: main[i], h: main[count + i], limbs: range_checked[i] }).collect();
        let two_b = Expression::Constant(Fr::from(1u64 << bits));
        meta.create_gate("signed range", |m| {
            let q = m.query_selector(selector);
            let one = Expression::Constant(Fr::one());
            lanes
                .iter()
                .flat_map(|lane| {
                    let [v, h] = [lane.v, lane.h].map(|c| m.query_advice(c, Rotation::cur()));
                    let l = limbs.join(m.query_advice(lane.limbs, Rotation::cur()), || {
                        m.query_advice(lane.limbs, Rotation::next())
                    });
                    [
                        q.clone() * (v + two_b.clone() - l - two_b.clone() * h.clone()),
                        q.clone() * h.clone() * (one.clone() - h),
                    ]
                })
                .collect::<Vec<_>>()
        });
        Self { selector, lanes, bits, limbs }
    }

    /// Lanes for a layout: one per range-checked column, two main cells each.
    pub fn lanes_for(width: usize, range_columns: usize) -> usize {
        range_columns.min(width / 2).max(1)
    }

    /// Rows `len` checked values take with `lanes` lanes and `limbs` limbs each.
    pub fn rows_for(len: usize, lanes: usize, limbs: u32) -> usize {
        len.div_ceil(lanes) * limbs as usize
    }

    /// Assigns `values` (each in range, or the lookups fail) and returns their wires.
    pub fn assign(&self, ctx: &mut RegionCtx, values: &[Value<i128>]) -> Result<Vec<Wire>, Error> {
        let rows = Self::rows_for(values.len(), self.lanes.len(), self.limbs.count);
        let first = ctx.take_rows(rows);
        let mut out: Vec<Wire> = Vec::with_capacity(values.len());
        for (group, chunk) in values.chunks(self.lanes.len()).enumerate() {
            let row = first + group * self.limbs.count as usize;
            ctx.enable(&self.selector, row)?;
            for (i, lane) in self.lanes.iter().enumerate() {
                // a lane past the last value checks a copy of the group's first
                let v = match chunk.get(i) {
                    Some(&value) => ctx.assign(lane.v, row, value),
                    None => ctx.copy(&out[group * self.lanes.len()], lane.v, row),
                };
                let offset = v.value.map(|v| v + (1i128 << self.bits));
                // a value outside the range gets `h` and limbs outside their checks
                ctx.assign(lane.h, row, offset.map(|o| o >> self.bits));
                self.limbs.assign(ctx, lane.limbs, row, offset.map(|o| o & ((1i128 << self.bits) - 1)));
                if i < chunk.len() {
                    out.push(v);
                }
            }
        }
        Ok(out)
    }
}
