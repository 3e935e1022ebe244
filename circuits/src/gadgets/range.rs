//! The shared range-check table `[0, 2^bits)`. Every range-checked cell in the circuit lives in
//! one of the lookup columns registered here, so all layers share one table.

use halo2_proofs::{
    circuit::{Layouter, Value},
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Error, TableColumn},
    poly::Rotation,
};

#[derive(Clone, Debug)]
pub struct RangeTable {
    pub table: TableColumn,
    pub bits: u32,
}

impl RangeTable {
    /// Every usable row of each of `columns` must hold a value in `[0, 2^bits)`; unused cells
    /// are 0, which is in the table.
    pub fn configure(meta: &mut ConstraintSystem<Fr>, bits: u32, columns: &[Column<Advice>]) -> Self {
        let table = meta.lookup_table_column();
        for &column in columns {
            meta.lookup("range check", |m| vec![(m.query_advice(column, Rotation::cur()), table)]);
        }
        Self { table, bits }
    }

    pub fn load(&self, layouter: &mut impl Layouter<Fr>) -> Result<(), Error> {
        layouter.assign_table(
            || "range table",
            |mut table| {
                for i in 0..(1usize << self.bits) {
                    table.assign_cell(|| "range", self.table, i, || Value::known(Fr::from(i as u64)))?;
                }
                Ok(())
            },
        )
    }
}
