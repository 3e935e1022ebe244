//! Element-wise functions by table lookup, one element per row:
//!
//! `(q · tag, q · x, q · y) ∈ {(tag, q_in, f(q_in))} ∪ {(0, 0, 0)}`
//!
//! with `q` a selector, `tag` a fixed cell naming the table (one per function and pair of
//! scales), `x` the copied input and `y` the output. All nonlinear layers share one lookup
//! argument over a three-column table.

use crate::circuit::region::{fr_from_i128, RegionCtx, Wire};
use crate::quantize::LutSpec;
use halo2_proofs::{
    circuit::{Layouter, Value},
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Error, Fixed, Selector, TableColumn},
    poly::Rotation,
};

#[derive(Clone, Debug)]
pub struct LutGadget {
    selector: Selector,
    tag: Column<Fixed>,
    x: Column<Advice>,
    y: Column<Advice>,
    table: [TableColumn; 3],
}

impl LutGadget {
    pub fn configure(meta: &mut ConstraintSystem<Fr>, main: &[Column<Advice>], fixed: &[Column<Fixed>]) -> Self {
        let selector = meta.complex_selector();
        let table = [meta.lookup_table_column(), meta.lookup_table_column(), meta.lookup_table_column()];
        let (tag, x, y) = (fixed[0], main[0], main[1]);
        meta.lookup("nonlinear", |m| {
            let q = m.query_selector(selector);
            let inputs = [m.query_fixed(tag, Rotation::cur()), m.query_advice(x, Rotation::cur()), m.query_advice(y, Rotation::cur())];
            inputs.into_iter().zip(table).map(|(e, t)| (q.clone() * e, t)).collect()
        });
        Self { selector, tag, x, y, table }
    }

    /// Rows of the table for these specs (plus the all-zero row).
    pub fn table_rows(specs: usize, bits: u32) -> usize {
        1 + specs * LutSpec::input_range(bits).count()
    }

    pub fn load(&self, layouter: &mut impl Layouter<Fr>, specs: &[LutSpec], bits: u32) -> Result<(), Error> {
        layouter.assign_table(
            || "nonlinear tables",
            |mut table| {
                let mut row = 0;
                let mut put = |table: &mut halo2_proofs::circuit::Table<'_, Fr>, tag: u64, x: i128, y: i128| -> Result<(), Error> {
                    for (col, v) in self.table.iter().zip([Fr::from(tag), fr_from_i128(x), fr_from_i128(y)]) {
                        table.assign_cell(|| "lut", *col, row, || Value::known(v))?;
                    }
                    row += 1;
                    Ok(())
                };
                put(&mut table, 0, 0, 0)?;
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
