//! Element-wise functions by table lookup, one element per row:
//!
//! `(q · tag, q · x, q · y) ∈ {(tag, q_in, f(q_in))} ∪ {(0, 0, 0)}`
//!
//! with `q` a selector, `tag` a fixed cell naming the table (one per function and pair of
//! scales, from 1), `x` the copied input and `y` the output. All nonlinear layers share one lookup
//! argument over a three-column table.
//!
//! **Folded range checks.** With one range-checked column `v`, the range check joins this
//! lookup instead of taking its own: the input becomes `(q · tag, q · x + (1 - q) · v, q · y)`
//! and the table also holds `(0, i, 0)` for every `i < 2^t`. Off the function rows that reads
//! `(0, v, 0)`, in the table exactly when `v < 2^t` (function entries have a tag of 1 or more);
//! on them, `(tag, x, y)` as before (the range-checked column is unused on those rows). One
//! lookup argument and one table column fewer: four commitments less in every proof.

use crate::layout::region::{fr_from_i128, RegionCtx, Wire};
use crate::quantize::LutSpec;
use halo2_proofs::{
    circuit::{Layouter, Value},
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Error, Expression, Fixed, Selector, TableColumn},
    poly::Rotation,
};

/// A range check folded into the function lookup: the range-checked column and the table's bits.
#[derive(Clone, Copy, Debug)]
pub struct FoldedRange {
    pub column: Column<Advice>,
    pub bits: u32,
}

#[derive(Clone, Debug)]
pub struct LutGadget {
    selector: Selector,
    tag: Column<Fixed>,
    x: Column<Advice>,
    y: Column<Advice>,
    table: [TableColumn; 3],
    folded: Option<FoldedRange>,
}

impl LutGadget {
    pub fn configure(
        meta: &mut ConstraintSystem<Fr>,
        main: &[Column<Advice>],
        fixed: &[Column<Fixed>],
        folded: Option<FoldedRange>,
    ) -> Self {
        let selector = meta.complex_selector();
        let table = [meta.lookup_table_column(), meta.lookup_table_column(), meta.lookup_table_column()];
        let (tag, x, y) = (fixed[0], main[0], main[1]);
        meta.lookup("nonlinear", |m| {
            let q = m.query_selector(selector);
            let [tag, x, y] = [
                m.query_fixed(tag, Rotation::cur()),
                m.query_advice(x, Rotation::cur()),
                m.query_advice(y, Rotation::cur()),
            ];
            let x = match folded {
                Some(r) => {
                    q.clone() * x
                        + (Expression::Constant(Fr::one()) - q.clone()) * m.query_advice(r.column, Rotation::cur())
                }
                None => q.clone() * x,
            };
            vec![(q.clone() * tag, table[0]), (x, table[1]), (q * y, table[2])]
        });
        Self { selector, tag, x, y, table, folded }
    }

    /// Rows of the table for these specs: the all-zero row (or, folded, the range entries,
    /// which include it), then each function's.
    pub fn table_rows(specs: usize, bits: u32, folded_bits: Option<u32>) -> usize {
        folded_bits.map_or(1, |b| 1 << b) + specs * LutSpec::input_range(bits).count()
    }

    pub fn load(&self, layouter: &mut impl Layouter<Fr>, specs: &[LutSpec], bits: u32) -> Result<(), Error> {
        layouter.assign_table(
            || "nonlinear tables",
            |mut table| {
                let mut row = 0;
                let mut put = |table: &mut halo2_proofs::circuit::Table<'_, Fr>,
                               tag: u64,
                               x: i128,
                               y: i128|
                 -> Result<(), Error> {
                    for (col, v) in self.table.iter().zip([Fr::from(tag), fr_from_i128(x), fr_from_i128(y)]) {
                        table.assign_cell(|| "lut", *col, row, || Value::known(v))?;
                    }
                    row += 1;
                    Ok(())
                };
                match self.folded {
                    Some(r) => (0..1i128 << r.bits).try_for_each(|i| put(&mut table, 0, i, 0))?,
                    None => put(&mut table, 0, 0, 0)?,
                }
                for (i, spec) in specs.iter().enumerate() {
                    for q in LutSpec::input_range(bits) {
                        put(&mut table, i as u64 + 1, q, spec.output(q))?;
                    }
                }
                Ok(())
            },
        )
    }

    /// `y[i] = f(x[i])` for the table `tag` (`spec` is that table).
    pub fn assign(&self, ctx: &mut RegionCtx, xs: &[Wire], tag: u32, spec: &LutSpec) -> Result<Vec<Wire>, Error> {
        assert!(tag >= 1, "tag 0 names the range entries");
        let first = ctx.take_rows(xs.len());
        let mut out = Vec::with_capacity(xs.len());
        for (i, x) in xs.iter().enumerate() {
            let row = first + i;
            ctx.enable(&self.selector, row)?;
            ctx.fixed(self.tag, row, tag as i128);
            let x = ctx.copy(x, self.x, row);
            out.push(ctx.assign(self.y, row, x.value.map(|q| spec.output(q))));
        }
        Ok(out)
    }
}
