//! Requantization: a rounded division by `2^shift`, optionally fused with Relu, proved with one
//! custom gate and three range-checked cells per element.
//!
//! With `t = bits`, `half = 2^(shift-1)` (0 when shift = 0) and `mult = 2^(t - shift)`:
//!
//! - `(x + half) * mult = (p - n) * 2^t + u`, with `u, p, n` looked up in `[0, 2^t)`;
//! - `p * n = 0`, so `p` and `n` are the positive and negative parts of `q = p - n`;
//! - `y = p` (Relu) or `y = p - n`, chosen by which of the gate's two selectors the row enables.
//!
//! Multiplying by `mult` turns a remainder bound of `2^shift` into the table's `2^t`, so one
//! table serves every shift. Since `|q| < 2^t` and `u < 2^t`, `(q, u)` is unique: `q` is exactly
//! `round(x / 2^shift)`. With two limbs, `u, p, n` are each `lo + 2^(t/2)·hi`, the `lo` cells
//! in the lane's row and the `hi` cells in the row below (see `range::Limbs`).

use super::range::Limbs;
use crate::layout::region::{RegionCtx, Wire};
use crate::quantize::{fixed, Requant};
use halo2_proofs::{
    circuit::Value,
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Error, Expression, Fixed, Selector},
    poly::Rotation,
};

/// The cells of one requantization: `x, y` in the lane's row; `u, p, n` each in a range-checked
/// column at a row offset (side by side with three columns, one under the other with one).
#[derive(Clone, Copy, Debug)]
struct Lane {
    x: Column<Advice>,
    y: Column<Advice>,
    checked: [(Column<Advice>, usize); 3],
}

#[derive(Clone, Debug)]
pub struct RequantGadget {
    /// `[plain, relu]`: which output the row takes (never both on a row, so keygen folds them
    /// into one selector column).
    selectors: [Selector; 2],
    lanes: Vec<Lane>,
    half: Column<Fixed>,
    mult: Column<Fixed>,
    bits: u32,
    limbs: Limbs,
}

impl RequantGadget {
    /// `lanes` requantizations a row group: lane `i` takes `x, y` from `main[2i], main[2i + 1]`
    /// and `u, p, n` from `lookup[3i..3i + 3]` (range-checked columns; with one, the three stack
    /// in it and there is one lane).
    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        main: &[Column<Advice>],
        lookup: &[Column<Advice>],
        fixed: &[Column<Fixed>],
        bits: u32,
        limbs: Limbs,
        lanes: usize,
    ) -> Self {
        let selectors = [meta.selector(), meta.selector()];
        let stride = limbs.count as usize;
        assert!(lanes >= 1 && main.len() >= 2 * lanes, "a requantization lane needs two main columns");
        let lanes: Vec<Lane> = if lookup.len() >= 3 {
            assert!(lookup.len() >= 3 * lanes, "a requantization lane needs three range-checked columns");
            (0..lanes)
                .map(|i| {
                    let checked = [0, 1, 2].map(|j| (lookup[3 * i + j], 0));
                    Lane { x: main[2 * i], y: main[2 * i + 1], checked }
                })
                .collect()
        } else {
            assert_eq!(lanes, 1, "stacked range checks leave room for one lane");
            let checked = [(lookup[0], 0), (lookup[0], stride), (lookup[0], 2 * stride)];
            vec![Lane { x: main[0], y: main[1], checked }]
        };
        let (half, mult) = (fixed[0], fixed[1]);
        let two_t = Expression::Constant(Fr::from(1u64 << bits));
        meta.create_gate("requant", |m| {
            let [plain, relu] = selectors.map(|q| m.query_selector(q));
            let [half, mult] = [half, mult].map(|c| m.query_fixed(c, Rotation::cur()));
            let mut constraints = Vec::new();
            for lane in &lanes {
                let [x, y] = [lane.x, lane.y].map(|c| m.query_advice(c, Rotation::cur()));
                let [u, p, n] = lane.checked.map(|(c, at)| {
                    limbs.join(m.query_advice(c, Rotation(at as i32)), || m.query_advice(c, Rotation(at as i32 + 1)))
                });
                let division = (x + half.clone()) * mult.clone() - (p.clone() - n.clone()) * two_t.clone() - u;
                for q in [&plain, &relu] {
                    constraints.push(q.clone() * division.clone());
                    constraints.push(q.clone() * p.clone() * n.clone());
                }
                constraints.push(plain.clone() * (y.clone() - p.clone() + n));
                constraints.push(relu.clone() * (y - p));
            }
            constraints
        });
        Self { selectors, lanes, half, mult, bits, limbs }
    }

    /// Rows one group of lanes takes: the deepest range-checked cell's offset, plus its limbs.
    fn group_rows(&self) -> usize {
        self.lanes[0].checked.iter().map(|&(_, at)| at).max().unwrap_or(0) + self.limbs.count as usize
    }

    pub fn rows(&self, len: usize) -> usize {
        len.div_ceil(self.lanes.len()) * self.group_rows()
    }

    /// Requantizes every wire; returns the output wires.
    pub fn assign(&self, ctx: &mut RegionCtx, xs: &[Wire], r: Requant) -> Result<Vec<Wire>, Error> {
        let first = ctx.take_rows(self.rows(xs.len()));
        let mut out = Vec::with_capacity(xs.len());
        for (row_index, chunk) in xs.chunks(self.lanes.len()).enumerate() {
            let row = first + row_index * self.group_rows();
            ctx.enable(&self.selectors[r.relu as usize], row)?;
            ctx.fixed(self.half, row, fixed::requant_half(r.shift));
            ctx.fixed(self.mult, row, 1i128 << (self.bits - r.shift));
            for (lane_index, lane) in self.lanes.iter().enumerate() {
                match chunk.get(lane_index) {
                    Some(x) => {
                        let x = ctx.copy(x, lane.x, row);
                        out.push(self.assign_lane(ctx, lane, row, x.value, r));
                    }
                    // an unused lane requantizes a copy of the group's first element, so that
                    // every cell it holds is pinned; its output goes nowhere
                    None => {
                        let x = ctx.copy(&chunk[0], lane.x, row);
                        self.assign_lane(ctx, lane, row, x.value, r);
                    }
                }
            }
        }
        Ok(out)
    }

    fn assign_lane(&self, ctx: &mut RegionCtx, lane: &Lane, row: usize, x: Value<i128>, r: Requant) -> Wire {
        // Out-of-range values were rejected by the quantized evaluator before proving; a
        // quotient that does not fit is assigned anyway and fails the range lookups.
        let cells = x.map(|x| {
            fixed::requant(x, r.shift, self.bits, r.relu).unwrap_or_else(|q| fixed::RequantCells {
                x,
                u: 0,
                p: q.max(0),
                n: (-q).max(0),
                y: q,
            })
        });
        let values = [cells.map(|c| c.u), cells.map(|c| c.p), cells.map(|c| c.n)];
        for ((column, at), value) in lane.checked.into_iter().zip(values) {
            self.limbs.assign(ctx, column, row + at, value);
        }
        ctx.assign(lane.y, row, cells.map(|c| c.y))
    }
}
