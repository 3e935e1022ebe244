//! The shared range-check table. Every range-checked cell in the circuit lives in one of the
//! lookup columns registered here, so all layers share one table.
//!
//! A value below `2^bits` is checked either as one cell against `[0, 2^bits)` or, with two
//! limbs, as `lo + 2^(bits/2)·hi` with both cells against the smaller table `[0, 2^(bits/2))`.
//! Both bound the value to exactly `[0, 2^bits)`, so the gadgets' uniqueness arguments are the
//! same either way; two limbs trade a second cell per check for a table small enough that it no
//! longer sets the circuit's size.

use crate::layout::region::RegionCtx;
use halo2_proofs::{
    circuit::{Layouter, Value},
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Error, Expression, TableColumn},
    poly::Rotation,
};

#[derive(Clone, Debug)]
pub struct RangeTable {
    pub table: TableColumn,
    /// Bits of one limb: the table holds `[0, 2^bits)`.
    pub bits: u32,
}

impl RangeTable {
    /// Every usable row of each of `columns` must hold a value in `[0, 2^table_bits)`; unused
    /// cells are 0, which is in the table.
    pub fn configure(meta: &mut ConstraintSystem<Fr>, table_bits: u32, columns: &[Column<Advice>]) -> Self {
        let table = meta.lookup_table_column();
        for &column in columns {
            meta.lookup("range check", |m| vec![(m.query_advice(column, Rotation::cur()), table)]);
        }
        Self { table, bits: table_bits }
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

/// How a range-checked value is split into table-sized limbs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limbs {
    /// 1 or 2.
    pub count: u32,
    /// Bits of one limb.
    pub bits: u32,
}

impl Limbs {
    pub fn new(value_bits: u32, count: u32) -> Self {
        assert!(
            count == 1 || (count == 2 && value_bits.is_multiple_of(2)),
            "range checks take one limb, or two of equal size"
        );
        Self { count, bits: value_bits / count }
    }

    /// `[lo, hi]` of a value (`hi` is 0 with one limb). A value outside the range yields a limb
    /// outside the table, so a wrong witness still fails the lookup.
    pub fn split(&self, v: i128) -> [i128; 2] {
        if self.count == 1 {
            [v, 0]
        } else {
            [v.rem_euclid(1 << self.bits), v.div_euclid(1 << self.bits)]
        }
    }

    /// Assigns a range-checked value's limbs: `lo` at `row`, `hi` (with two limbs) at `row + 1`
    /// of the same column.
    pub fn assign(&self, ctx: &mut RegionCtx, column: Column<Advice>, row: usize, value: Value<i128>) {
        let parts = value.map(|v| self.split(v));
        ctx.assign(column, row, parts.map(|p| p[0]));
        if self.count == 2 {
            ctx.assign(column, row + 1, parts.map(|p| p[1]));
        }
    }

    /// The value the limbs `lo` (and `hi`) encode, for a gate.
    pub fn join(&self, lo: Expression<Fr>, hi: impl FnOnce() -> Expression<Fr>) -> Expression<Fr> {
        if self.count == 1 {
            lo
        } else {
            lo + hi() * Expression::Constant(Fr::from(1u64 << self.bits))
        }
    }
}
