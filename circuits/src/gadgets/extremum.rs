//! Max (or min) of a window, one row per element:
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

#[derive(Clone, Debug)]
pub struct ExtremumGadget {
    selector: Selector,
    m: Column<Advice>,
    x: Column<Advice>,
    product: Column<Advice>,
    d: Column<Advice>,
    /// Where `d`'s high limb sits: the next range-checked column in the same row, or (with one
    /// range-checked column) the row below, in which case each element takes two rows.
    d_hi: (Column<Advice>, usize),
    chain: Column<Fixed>,
    sign: Column<Fixed>,
    limbs: Limbs,
}

impl ExtremumGadget {
    /// `range_checked` are columns whose every cell is looked up in the range table.
    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        main: &[Column<Advice>],
        range_checked: &[Column<Advice>],
        fixed: &[Column<Fixed>],
        limbs: Limbs,
    ) -> Self {
        let selector = meta.selector();
        let d_hi = if range_checked.len() >= 2 { (range_checked[1], 0) } else { (range_checked[0], 1) };
        let stride = Self::stride_of(limbs, d_hi);
        let (m, x, product, d, chain, sign) = (main[0], main[1], main[2], range_checked[0], fixed[0], fixed[1]);
        meta.create_gate("extremum", |vc| {
            let q = vc.query_selector(selector);
            let [m, x, p] = [m, x, product].map(|c| vc.query_advice(c, Rotation::cur()));
            let d =
                limbs.join(vc.query_advice(d, Rotation::cur()), || vc.query_advice(d_hi.0, Rotation(d_hi.1 as i32)));
            let p_prev = vc.query_advice(product, Rotation(-(stride as i32)));
            let [chain, sign] = [chain, sign].map(|c| vc.query_fixed(c, Rotation::cur()));
            let one = Expression::Constant(Fr::one());
            vec![q.clone() * (sign * (m - x) - d.clone()), q * (p - d * (chain.clone() * p_prev + one - chain))]
        });
        Self { selector, m, x, product, d, d_hi, chain, sign, limbs }
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
        Self::stride_of(self.limbs, self.d_hi)
    }

    pub fn rows(&self, len: usize) -> usize {
        len * self.stride()
    }

    /// The max (`is_max`) or min of each consecutive window of `window` wires.
    pub fn assign(&self, ctx: &mut RegionCtx, xs: &[Wire], window: usize, is_max: bool) -> Result<Vec<Wire>, Error> {
        let first = ctx.take_rows(self.rows(xs.len()));
        let stride = self.stride();
        let sign: i128 = if is_max { 1 } else { -1 };
        let mut out = Vec::with_capacity(xs.len() / window.max(1));
        for (w, chunk) in xs.chunks(window).enumerate() {
            let m_value = chunk.iter().fold(Value::known(None::<i128>), |acc, x| {
                acc.zip(x.value).map(|(a, v)| Some(a.map_or(v, |a| if is_max { a.max(v) } else { a.min(v) })))
            });
            let m_value = m_value.map(|m| m.expect("windows are not empty"));
            let mut m_wire: Option<Wire> = None;
            let mut product = Value::known(Fr::one());
            let mut last = None;
            for (i, x) in chunk.iter().enumerate() {
                let row = first + (w * window + i) * stride;
                ctx.enable(&self.selector, row)?;
                ctx.fixed(self.chain, row, (i > 0) as i128);
                ctx.fixed(self.sign, row, sign);
                let m = match &m_wire {
                    None => ctx.assign(self.m, row, m_value),
                    Some(first_m) => ctx.copy(first_m, self.m, row),
                };
                m_wire.get_or_insert(m);
                ctx.copy(x, self.x, row);
                let d = m_value.zip(x.value).map(|(m, x)| sign * (m - x));
                let parts = d.map(|d| self.limbs.split(d));
                ctx.assign(self.d, row, parts.map(|p| p[0]));
                if self.limbs.count == 2 {
                    ctx.assign(self.d_hi.0, row + self.d_hi.1, parts.map(|p| p[1]));
                }
                product = product.zip(d).map(|(p, d)| p * fr_from_i128(d));
                last = Some(ctx.assign_field(self.product, row, product));
            }
            ctx.constrain_constant(&last.expect("a window has a row"), 0)?;
            out.push(m_wire.expect("a window has a row"));
        }
        Ok(out)
    }
}
