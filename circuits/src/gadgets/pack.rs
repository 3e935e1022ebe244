//! Packing public values into few instances (see `circuit::public`), one value per `n` rows:
//!
//! - `v + 2^(S-1) = s = Σ_l limb_l · 2^(t·l)`, the `m` limbs stacked in the range-checked column
//!   (rows `r … r+m-1`), each looked up in `[0, 2^t)`; when the top limb has `b < t` bits, row
//!   `r+m` holds `top · 2^(t-b)`, also looked up, so `top < 2^b` and `s ∈ [0, 2^S)`;
//! - `acc = s · c` on a word's first value, `acc = acc[r-n] + s · c` after (a [`RunningSum`] of
//!   stride `n`), with `c = 2^(S·j)` a fixed cell: the last value's `acc` is the word, copied to
//!   the instance column.
//!
//! `v` is a copy of the tensor's wire. Since every slot is range-checked and the slots of a word
//! fill at most 252 bits, no two value lists give the same word.

use super::RunningSum;
use crate::layout::packing::Packing;
use crate::layout::region::{fr_from_i128, RegionCtx, Wire};
use halo2_proofs::{
    circuit::{Cell, Value},
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Error, Expression, Fixed},
    poly::Rotation,
};

#[derive(Clone, Debug)]
pub struct PackGadget {
    words: RunningSum,
    value: Column<Advice>,
    acc: Column<Advice>,
    limbs: Column<Advice>,
    coefficient: Column<Fixed>,
    packing: Packing,
}

impl PackGadget {
    /// `main` provides the value and the running word, `range_checked` the limbs, `fixed` the
    /// slot weights.
    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        main: &[Column<Advice>],
        range_checked: Column<Advice>,
        fixed: &[Column<Fixed>],
        packing: Packing,
    ) -> Self {
        let words = RunningSum::with_stride(meta, packing.rows_per_value());
        let (value, acc, coefficient) = (main[0], main[1], fixed[0]);
        let m = packing.limbs() as i32;
        meta.create_gate("pack", |vc| {
            let s = (0..m).rev().fold(Expression::Constant(Fr::zero()), |s, l| {
                s * Expression::Constant(Fr::from(1u64 << packing.limb_bits))
                    + vc.query_advice(range_checked, Rotation(l))
            });
            let v = vc.query_advice(value, Rotation::cur());
            let offset = Expression::Constant(fr_from_i128(packing.offset()));
            let c = vc.query_fixed(coefficient, Rotation::cur());
            let mut constraints = words.constraints(vc, acc, s.clone() * c);
            constraints.extend(words.on_every_term(vc, v + offset - s));
            if packing.checks_top() {
                let top = vc.query_advice(range_checked, Rotation(m - 1));
                let shifted = vc.query_advice(range_checked, Rotation(m));
                let scale = Expression::Constant(Fr::from(1u64 << (packing.limb_bits - packing.top_bits())));
                constraints.extend(words.on_every_term(vc, shifted - top * scale));
            }
            constraints
        });
        Self { words, value, acc, limbs: range_checked, coefficient, packing }
    }

    pub fn packing(&self) -> Packing {
        self.packing
    }

    pub fn rows(packing: &Packing, len: usize) -> usize {
        len * packing.rows_per_value()
    }

    /// Packs `wires` and returns the cells holding the words.
    pub fn assign(&self, ctx: &mut RegionCtx, wires: &[Wire]) -> Result<Vec<Cell>, Error> {
        let n = self.packing.rows_per_value();
        let first_row = ctx.take_rows(Self::rows(&self.packing, wires.len()));
        let mut words = Vec::with_capacity(self.packing.words(wires.len()));
        for (w, chunk) in wires.chunks(self.packing.per_word()).enumerate() {
            let mut word = Value::known(Fr::zero());
            let mut cell = None;
            for (j, wire) in chunk.iter().enumerate() {
                let row = first_row + (w * self.packing.per_word() + j) * n;
                self.words.enable(ctx, row, j)?;
                ctx.fixed_field(self.coefficient, row, self.packing.coefficient(j));
                ctx.copy(wire, self.value, row);
                let cells = wire.value.map(|v| self.packing.cells_of(v));
                for i in 0..n {
                    ctx.assign(self.limbs, row + i, cells.as_ref().map(|c| c[i]));
                }
                let coefficient = self.packing.coefficient(j);
                word = word.zip(wire.value).map(|(acc, v)| acc + fr_from_i128(v + self.packing.offset()) * coefficient);
                cell = Some(ctx.assign_field(self.acc, row, word).cell);
            }
            words.push(cell.expect("a word packs at least one value"));
        }
        Ok(words)
    }
}
