//! Assignment helpers over the single model region.
//!
//! halo2-axiom's `SimpleFloorPlanner` gives every region row 0 as its start, so the whole model
//! is laid out in one region and every chip takes its rows from a shared cursor.

use halo2_proofs::{
    circuit::{Cell, Region, Value},
    halo2curves::bn256::Fr,
    plonk::{Advice, Challenge, Column, Fixed, Selector},
};

/// An assigned advice cell and the integer it holds (unknown during keygen).
#[derive(Clone, Copy, Debug)]
pub struct Wire {
    pub cell: Cell,
    pub value: Value<i128>,
}

/// Field encoding of a signed integer: negative values wrap to `p - |v|`.
pub fn fr_from_i128(v: i128) -> Fr {
    let m = v.unsigned_abs();
    let magnitude = Fr::from_raw([m as u64, (m >> 64) as u64, 0, 0]);
    if v < 0 {
        -magnitude
    } else {
        magnitude
    }
}

/// The model region and the next free row.
pub struct RegionCtx<'a, 'r> {
    region: &'a mut Region<'r, Fr>,
    row: usize,
    /// Set by [`Self::next_phase`]: the first-phase columns are committed from then on, so a
    /// write to one would be missing from its commitment (halo2-axiom drops it silently).
    second_phase: bool,
}

impl<'a, 'r> RegionCtx<'a, 'r> {
    pub fn new(region: &'a mut Region<'r, Fr>, first_row: usize) -> Self {
        Self { region, row: first_row, second_phase: false }
    }

    /// The next free row.
    pub fn row(&self) -> usize {
        self.row
    }

    /// Claims `n` rows and returns the first.
    pub fn take_rows(&mut self, n: usize) -> usize {
        let first = self.row;
        self.row += n;
        first
    }

    /// Assigns a first-phase cell holding an integer of the model.
    pub fn assign(&mut self, column: Column<Advice>, row: usize, value: Value<i128>) -> Wire {
        assert!(!self.second_phase, "a layout bug: a first-phase cell assigned after the first phase ended");
        let cell = self.region.assign_advice(column, row, value.map(fr_from_i128)).cell();
        Wire { cell, value }
    }

    /// Assigns a field element that is not an integer of the model (a running product); the
    /// wire's integer value is unknown.
    pub fn assign_field(&mut self, column: Column<Advice>, row: usize, value: Value<Fr>) -> Wire {
        let cell = self.region.assign_advice(column, row, value).cell();
        Wire { cell, value: Value::unknown() }
    }

    /// Assigns a copy of `wire` and constrains it equal to the original.
    pub fn copy(&mut self, wire: &Wire, column: Column<Advice>, row: usize) -> Wire {
        let copy = self.assign(column, row, wire.value);
        self.region.constrain_equal(copy.cell, wire.cell);
        copy
    }

    pub fn fixed(&mut self, column: Column<Fixed>, row: usize, value: i128) {
        self.region.assign_fixed(column, row, fr_from_i128(value));
    }

    pub fn enable(&mut self, selector: &Selector, row: usize) -> Result<(), halo2_proofs::plonk::Error> {
        selector.enable(self.region, row)
    }

    pub fn constrain_constant(&mut self, wire: &Wire, value: i128) -> Result<(), halo2_proofs::plonk::Error> {
        self.region.constrain_constant(wire.cell, fr_from_i128(value))
    }

    pub fn fixed_field(&mut self, column: Column<Fixed>, row: usize, value: Fr) {
        self.region.assign_fixed(column, row, value);
    }

    /// Assigns a copy of a field-valued cell (a hash state word) and constrains it equal.
    pub fn copy_field(&mut self, cell: Cell, value: Value<Fr>, column: Column<Advice>, row: usize) -> Cell {
        let copy = self.region.assign_advice(column, row, value).cell();
        self.region.constrain_equal(copy, cell);
        copy
    }

    pub fn constrain_equal(&mut self, left: Cell, right: Cell) {
        self.region.constrain_equal(left, right);
    }

    /// Ends the first phase: the prover commits every first-phase column, and challenges drawn
    /// after them become known (see `gadgets::freivalds`).
    pub fn next_phase(&mut self) {
        self.region.next_phase();
        self.second_phase = true;
    }

    /// A challenge's value: unknown before its phase (keygen, a mock prover's first pass).
    pub fn challenge(&self, challenge: Challenge) -> Value<Fr> {
        self.region.get_challenge(challenge)
    }

    pub fn constrain_cell_constant(&mut self, cell: Cell, value: Fr) -> Result<(), halo2_proofs::plonk::Error> {
        self.region.constrain_constant(cell, value)
    }
}
