//! Max (or min) of a window, one row per element, windows side by side in lanes (each lane its
//! own cells, sharing the row's selector and fixed coefficients; windows are all one length):
//!
//! - `d = sign · (m − x)` with `d` range-checked (one cell, or two limbs side by side in two
//!   range-checked columns): `m ≥ x` for every element
//!   (`sign = 1`; for a min, `sign = −1` and `m ≤ x`);
//! - `P = d · (chain · P[prev] + 1 − chain)`: the running product of the `d`s over the window,
//!   and the last `P` is pinned to 0. A field has no zero divisors, so some `d` is 0: `m` is one
//!   of the elements.

use super::range::Limbs;
use crate::layout::region::{fr_from_i128, RegionCtx, Wire};
use halo2_proofs::{
    circuit::Value,
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Error, Expression, Fixed, Selector},
    poly::Rotation,
};

/// One lane's cells: the window's extremum, the element, the running product and the
/// range-checked difference.
#[derive(Clone, Copy, Debug)]
struct Lane {
    m: Column<Advice>,
    x: Column<Advice>,
    product: Column<Advice>,
    d: Column<Advice>,
    /// Where `d`'s high limb sits: the next range-checked column in the same row, or (with one
    /// range-checked column) the row below, in which case each element takes two rows.
    d_hi: (Column<Advice>, usize),
}

#[derive(Clone, Debug)]
pub struct ExtremumGadget {
    selector: Selector,
    lanes: Vec<Lane>,
    chain: Column<Fixed>,
    sign: Column<Fixed>,
    limbs: Limbs,
}

impl ExtremumGadget {
    /// `range_checked` are columns whose every cell is looked up in the range table. Lane `i`
    /// takes `m, x, product` from `main[3i..3i + 3]` and its difference's limbs from the next
    /// `limbs` range-checked columns (with one such column, one lane, limbs stacked).
    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        main: &[Column<Advice>],
        range_checked: &[Column<Advice>],
        fixed: &[Column<Fixed>],
        limbs: Limbs,
        lanes: usize,
    ) -> Self {
        let selector = meta.selector();
        let per_lane = limbs.count as usize;
        assert!(lanes >= 1 && main.len() >= 3 * lanes, "an extremum lane needs three main columns");
        let lanes: Vec<Lane> = if range_checked.len() == 1 {
            assert_eq!(lanes, 1, "stacked range checks leave room for one lane");
            let d = range_checked[0];
            vec![Lane { m: main[0], x: main[1], product: main[2], d, d_hi: (d, 1) }]
        } else {
            assert!(range_checked.len() >= per_lane * lanes, "an extremum lane needs its limbs' columns");
            (0..lanes)
                .map(|i| {
                    let d = range_checked[per_lane * i];
                    let d_hi = (range_checked[per_lane * i + per_lane - 1], 0);
                    Lane { m: main[3 * i], x: main[3 * i + 1], product: main[3 * i + 2], d, d_hi }
                })
                .collect()
        };
        let stride = Self::stride_of(limbs, lanes[0].d_hi);
        let (chain, sign) = (fixed[0], fixed[1]);
        meta.create_gate("extremum", |vc| {
            let q = vc.query_selector(selector);
            let [chain, sign] = [chain, sign].map(|c| vc.query_fixed(c, Rotation::cur()));
            let one = Expression::Constant(Fr::one());
            lanes
                .iter()
                .flat_map(|lane| {
                    let [m, x, p] = [lane.m, lane.x, lane.product].map(|c| vc.query_advice(c, Rotation::cur()));
                    let d = limbs.join(vc.query_advice(lane.d, Rotation::cur()), || {
                        vc.query_advice(lane.d_hi.0, Rotation(lane.d_hi.1 as i32))
                    });
                    let p_prev = vc.query_advice(lane.product, Rotation(-(stride as i32)));
                    [
                        q.clone() * (sign.clone() * (m - x) - d.clone()),
                        q.clone() * (p - d * (chain.clone() * p_prev + one.clone() - chain.clone())),
                    ]
                })
                .collect::<Vec<_>>()
        });
        Self { selector, lanes, chain, sign, limbs }
    }

    /// Rows per element: 2 when a two-limb `d` is stacked in one column.
    fn stride_of(limbs: Limbs, d_hi: (Column<Advice>, usize)) -> usize {
        if limbs.count == 2 {
            1 + d_hi.1
        } else {
            1
        }
    }

    fn stride(&self) -> usize {
        Self::stride_of(self.limbs, self.lanes[0].d_hi)
    }

    /// Rows of `len` elements in windows of `window` (`CircuitParams::extremum_rows`).
    pub fn rows(&self, len: usize, window: usize) -> usize {
        len.div_ceil(window.max(1)).div_ceil(self.lanes.len()) * window * self.stride()
    }

    /// The max (`is_max`) or min of each consecutive window of `window` wires.
    pub fn assign(&self, ctx: &mut RegionCtx, xs: &[Wire], window: usize, is_max: bool) -> Result<Vec<Wire>, Error> {
        assert!(window > 0 && xs.len().is_multiple_of(window), "the input is whole windows");
        let first = ctx.take_rows(self.rows(xs.len(), window));
        let stride = self.stride();
        let sign: i128 = if is_max { 1 } else { -1 };
        let windows: Vec<&[Wire]> = xs.chunks(window).collect();
        let mut out = Vec::with_capacity(windows.len());
        for (g, group) in windows.chunks(self.lanes.len()).enumerate() {
            let rows: Vec<usize> = (0..window).map(|i| first + (g * window + i) * stride).collect();
            for (i, &row) in rows.iter().enumerate() {
                ctx.enable(&self.selector, row)?;
                ctx.fixed(self.chain, row, (i > 0) as i128);
                ctx.fixed(self.sign, row, sign);
            }
            for (l, lane) in self.lanes.iter().enumerate() {
                match group.get(l) {
                    Some(chunk) => out.push(self.assign_window(ctx, lane, &rows, chunk, sign)?),
                    // an unused lane repeats the group's first window, so that every cell it
                    // holds is pinned (copies, gate, the closing zero); its extremum goes nowhere
                    None => {
                        self.assign_window(ctx, lane, &rows, group[0], sign)?;
                    }
                }
            }
        }
        Ok(out)
    }

    /// One window in one lane: `m` once and copied down, each element's difference and the
    /// running product, the last product pinned to 0. Returns `m`'s wire.
    fn assign_window(
        &self,
        ctx: &mut RegionCtx,
        lane: &Lane,
        rows: &[usize],
        chunk: &[Wire],
        sign: i128,
    ) -> Result<Wire, Error> {
        let m_value = chunk.iter().fold(Value::known(None::<i128>), |acc, x| {
            acc.zip(x.value).map(|(a, v)| Some(a.map_or(v, |a| if sign > 0 { a.max(v) } else { a.min(v) })))
        });
        let m_value = m_value.map(|m| m.expect("windows are not empty"));
        let mut m_wire: Option<Wire> = None;
        let mut product = Value::known(Fr::one());
        let mut last = None;
        for (x, &row) in chunk.iter().zip(rows) {
            let m = match &m_wire {
                None => ctx.assign(lane.m, row, m_value),
                Some(first_m) => ctx.copy(first_m, lane.m, row),
            };
            m_wire.get_or_insert(m);
            ctx.copy(x, lane.x, row);
            let d = m_value.zip(x.value).map(|(m, x)| sign * (m - x));
            self.assign_difference(ctx, lane, row, d);
            product = product.zip(d).map(|(p, d)| p * fr_from_i128(d));
            last = Some(ctx.assign_field(lane.product, row, product));
        }
        ctx.constrain_constant(&last.expect("a window has a row"), 0)?;
        Ok(m_wire.expect("a window has a row"))
    }

    fn assign_difference(&self, ctx: &mut RegionCtx, lane: &Lane, row: usize, d: Value<i128>) {
        let parts = d.map(|d| self.limbs.split(d));
        ctx.assign(lane.d, row, parts.map(|p| p[0]));
        if self.limbs.count == 2 {
            ctx.assign(lane.d_hi.0, row + lane.d_hi.1, parts.map(|p| p[1]));
        }
    }
}
