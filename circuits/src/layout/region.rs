//! Assignment helpers over the single model region.
//!
//! halo2-axiom's `SimpleFloorPlanner` gives every region row 0 as its start, so the whole model
//! is laid out in one region and every chip takes its rows from a shared cursor.

use halo2_proofs::{
    circuit::{Cell, Region, Value},
    halo2curves::{bn256::Fr, ff::PrimeField},
    plonk::{Advice, Challenge, Column, Fixed, Selector},
};
use std::collections::hash_map::{Entry, HashMap};

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
    /// The first cell pinned to each constant. The floor planner gives every pinned cell a row
    /// of its own in the constants column, which a model with many pins (a window's closing
    /// zero each, padding) would overflow; later cells pinned to the same value are copied to
    /// the first instead, so the column holds each distinct constant once.
    pinned: HashMap<[u8; 32], Cell>,
    /// Set by [`Self::next_phase`]: the first-phase columns are committed from then on, so a
    /// write to one would be missing from its commitment (halo2-axiom drops it silently).
    second_phase: bool,
}

impl<'a, 'r> RegionCtx<'a, 'r> {
    pub fn new(region: &'a mut Region<'r, Fr>, first_row: usize) -> Self {
        Self { region, row: first_row, second_phase: false, pinned: HashMap::new() }
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
        self.constrain_cell_constant(wire.cell, fr_from_i128(value))
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

    /// Pins `cell` to `value`: to the constants column the first time a value is pinned, by a
    /// copy of that first cell after (the same constraint, without another constants row).
    pub fn constrain_cell_constant(&mut self, cell: Cell, value: Fr) -> Result<(), halo2_proofs::plonk::Error> {
        match self.pinned.entry(value.to_repr()) {
            Entry::Occupied(first) => {
                self.region.constrain_equal(cell, *first.get());
                Ok(())
            }
            Entry::Vacant(slot) => {
                slot.insert(cell);
                self.region.constrain_constant(cell, value)
            }
        }
    }

    /// Rows of the constants column used so far: one per distinct pinned value.
    pub fn constant_rows(&self) -> usize {
        self.pinned.len()
    }
}

#[cfg(test)]
mod tests {
    //! More cells pinned to one constant than the circuit has rows: the constants column holds
    //! the value once and the rest are copies, and a cell holding another value still fails.

    use super::{RegionCtx, Wire};
    use halo2_proofs::{
        circuit::{Layouter, SimpleFloorPlanner, Value},
        dev::{MockProver, VerifyFailure},
        halo2curves::bn256::Fr,
        plonk::{Advice, Circuit, Column, ConstraintSystem, Error},
    };

    const K: u32 = 4;
    const COLUMNS: usize = 4;
    /// Rows written per column: 4 × 8 = 32 pinned cells, where 2^4 rows leave about 10 usable.
    const ROWS: usize = 8;

    /// Every cell pinned to 0; `odd` holds `value` instead of 0 (still pinned to 0).
    #[derive(Clone, Default)]
    struct ManyPins {
        odd: Option<(usize, usize, i128)>,
    }

    impl Circuit<Fr> for ManyPins {
        type Config = [Column<Advice>; COLUMNS];
        type FloorPlanner = SimpleFloorPlanner;
        type Params = ();

        fn without_witnesses(&self) -> Self {
            self.clone()
        }

        fn configure(meta: &mut ConstraintSystem<Fr>) -> Self::Config {
            let constants = meta.fixed_column();
            meta.enable_constant(constants);
            [(); COLUMNS].map(|_| {
                let c = meta.advice_column();
                meta.enable_equality(c);
                c
            })
        }

        fn synthesize(&self, columns: Self::Config, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
            layouter.assign_region(
                || "pins",
                |mut region| {
                    let mut ctx = RegionCtx::new(&mut region, 0);
                    for (i, &column) in columns.iter().enumerate() {
                        for row in 0..ROWS {
                            let value = match self.odd {
                                Some((c, r, v)) if (c, r) == (i, row) => v,
                                _ => 0,
                            };
                            let wire: Wire = ctx.assign(column, row, Value::known(value));
                            ctx.constrain_constant(&wire, 0)?;
                        }
                    }
                    assert_eq!(ctx.constant_rows(), 1, "one distinct constant");
                    Ok(())
                },
            )
        }
    }

    #[test]
    fn more_pins_than_rows_fit_in_one_constants_row() {
        let prover = MockProver::run(K, &ManyPins::default(), vec![]).expect("the pins fit");
        assert_eq!(prover.verify(), Ok(()));
    }

    #[test]
    fn a_cell_pinned_through_a_copy_still_fails_with_another_value() {
        // the last cell pinned, far from the constants row: only copies join it to the 0
        let prover = MockProver::run(K, &ManyPins { odd: Some((COLUMNS - 1, ROWS - 1, 5)) }, vec![]).unwrap();
        let failures = prover.verify().expect_err("a pinned cell holding 5 must fail");
        assert!(failures.iter().all(|f| matches!(f, VerifyFailure::Permutation { .. })), "{failures:?}");
    }
}
