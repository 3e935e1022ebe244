//! Element-wise arithmetic on two tensors, `(width / 3)` triples per row:
//!
//! `c = ca * a + cb * b + mul * a * b`
//!
//! with `ca`, `cb`, `mul` fixed per row (one op per row, so one set of coefficients): Add and
//! Sub align the operands' scales through `ca`/`cb`, Mul uses `mul = 1`.

use crate::layout::region::{RegionCtx, Wire};
use crate::quantize::BinaryCoeffs;
use halo2_proofs::{
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Error, Fixed, Selector},
    poly::Rotation,
};

#[derive(Clone, Debug)]
pub struct ArithGadget {
    selector: Selector,
    lanes: Vec<[Column<Advice>; 3]>,
    coeffs: [Column<Fixed>; 3],
}

impl ArithGadget {
    pub fn configure(meta: &mut ConstraintSystem<Fr>, main: &[Column<Advice>], fixed: &[Column<Fixed>]) -> Self {
        let selector = meta.selector();
        let lanes: Vec<[Column<Advice>; 3]> = main.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
        let coeffs = [fixed[0], fixed[1], fixed[2]];
        meta.create_gate("arith", |m| {
            let q = m.query_selector(selector);
            let [ca, cb, mul] = coeffs.map(|c| m.query_fixed(c, Rotation::cur()));
            lanes
                .iter()
                .map(|lane| {
                    let [a, b, c] = lane.map(|col| m.query_advice(col, Rotation::cur()));
                    q.clone() * (c - ca.clone() * a.clone() - cb.clone() * b.clone() - mul.clone() * a * b)
                })
                .collect::<Vec<_>>()
        });
        Self { selector, lanes, coeffs }
    }

    pub fn rows(&self, len: usize) -> usize {
        len.div_ceil(self.lanes.len())
    }

    /// `c[i] = op(a[i], b[i])` for paired operand wires (already broadcast).
    pub fn assign(
        &self,
        ctx: &mut RegionCtx,
        pairs: &[(Wire, Wire)],
        coeffs: BinaryCoeffs,
    ) -> Result<Vec<Wire>, Error> {
        let first = ctx.take_rows(self.rows(pairs.len()));
        let mut out = Vec::with_capacity(pairs.len());
        for (r, chunk) in pairs.chunks(self.lanes.len()).enumerate() {
            let row = first + r;
            ctx.enable(&self.selector, row)?;
            for (column, value) in self.coeffs.iter().zip([coeffs.ca, coeffs.cb, coeffs.mul]) {
                ctx.fixed(*column, row, value as i128);
            }
            // lanes past the last pair repeat the row's first: every cell the gate reads is a
            // copy or determined by one
            for (lane, [ca, cb, cc]) in self.lanes.iter().enumerate() {
                let (a, b) = chunk.get(lane).unwrap_or(&chunk[0]);
                let a = ctx.copy(a, *ca, row);
                let b = ctx.copy(b, *cb, row);
                let c = a
                    .value
                    .zip(b.value)
                    .map(|(a, b)| coeffs.ca as i128 * a + coeffs.cb as i128 * b + coeffs.mul as i128 * a * b);
                let c = ctx.assign(*cc, row, c);
                if lane < chunk.len() {
                    out.push(c);
                }
            }
        }
        Ok(out)
    }
}
