//! A synthesis backend that records what a circuit assigns, for the lint.
//!
//! halo2-axiom's `MockProver` starts every advice cell at zero, so it cannot tell a cell a gadget
//! assigned from one it forgot. This backend keeps the difference: an advice cell is `None`
//! until something assigns it. It records fixed values, enabled selectors, instances and copy
//! constraints the way keygen and the prover see them.

use halo2_proofs::{
    circuit::Value,
    halo2curves::{bn256::Fr, ff::Field},
    plonk::{
        Advice, Any, Assigned, Assignment, Challenge, Circuit, Column, ConstraintSystem, Error, Fixed, FloorPlanner,
        Instance, Selector,
    },
};

/// One cell of the circuit: a column of some kind and an absolute row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellRef {
    pub column: ColumnRef,
    pub row: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ColumnRef {
    Advice(usize),
    Fixed(usize),
    Instance(usize),
    Selector(usize),
}

impl From<Column<Any>> for ColumnRef {
    fn from(c: Column<Any>) -> Self {
        match c.column_type() {
            Any::Advice(_) => ColumnRef::Advice(c.index()),
            Any::Fixed => ColumnRef::Fixed(c.index()),
            Any::Instance => ColumnRef::Instance(c.index()),
        }
    }
}

/// Everything a circuit's synthesis wrote.
pub struct Recording {
    pub n: usize,
    /// Rows `0..usable` can hold witness values; the rest are halo2's blinding rows.
    pub usable: usize,
    pub cs: ConstraintSystem<Fr>,
    /// `advice[column][row]`: `None` until assigned.
    pub advice: Vec<Vec<Option<Fr>>>,
    pub fixed: Vec<Vec<Fr>>,
    pub selectors: Vec<Vec<bool>>,
    pub instance: Vec<Vec<Fr>>,
    pub copies: Vec<(CellRef, CellRef)>,
    /// Assignments, selectors and copies aimed at rows the circuit may not use.
    pub outside: Vec<(&'static str, CellRef)>,
}

impl Recording {
    /// Synthesizes `circuit` at `2^k` rows with these instance columns.
    pub fn run<C: Circuit<Fr>>(k: u32, circuit: &C, instance: Vec<Vec<Fr>>) -> Result<Self, Error> {
        let n = 1usize << k;
        let mut cs = ConstraintSystem::<Fr>::default();
        let config = C::configure_with_params(&mut cs, circuit.params());
        let usable = n - (cs.blinding_factors() + 1);
        let instance = instance
            .into_iter()
            .map(|mut column| {
                column.resize(n, Fr::ZERO);
                column
            })
            .collect();
        let mut recording = Self {
            n,
            usable,
            advice: vec![vec![None; n]; cs.num_advice_columns()],
            fixed: vec![vec![Fr::ZERO; n]; cs.num_fixed_columns()],
            selectors: vec![vec![false; n]; cs.num_selectors()],
            instance,
            copies: Vec::new(),
            outside: Vec::new(),
            cs,
        };
        let constants = recording.cs.constants().clone();
        C::FloorPlanner::synthesize(&mut recording, circuit, config, constants)?;
        Ok(recording)
    }

    /// Whether `row` may hold a witness value; records the attempt otherwise.
    fn usable_row(&mut self, what: &'static str, column: ColumnRef, row: usize) -> bool {
        let ok = row < self.usable;
        if !ok {
            self.outside.push((what, CellRef { column, row }));
        }
        ok
    }

    /// The value of an advice cell as the prover would commit it (an unassigned cell is zero).
    pub fn advice_value(&self, column: usize, row: usize) -> Fr {
        self.advice[column][row].unwrap_or(Fr::ZERO)
    }
}

/// The value, when the circuit knows it.
fn known(value: Value<Assigned<Fr>>) -> Option<Fr> {
    let mut out = None;
    value.map(|v| out = Some(v.evaluate()));
    out
}

impl Assignment<Fr> for Recording {
    fn enter_region<NR: Into<String>, N: FnOnce() -> NR>(&mut self, _: N) {}

    fn annotate_column<A: FnOnce() -> AR, AR: Into<String>>(&mut self, _: A, _: Column<Any>) {}

    fn exit_region(&mut self) {}

    fn enable_selector<A: FnOnce() -> AR, AR: Into<String>>(
        &mut self,
        _: A,
        selector: &Selector,
        row: usize,
    ) -> Result<(), Error> {
        if self.usable_row("selector", ColumnRef::Selector(selector.index()), row) {
            self.selectors[selector.index()][row] = true;
        }
        Ok(())
    }

    fn query_instance(&self, column: Column<Instance>, row: usize) -> Result<Value<Fr>, Error> {
        Ok(self.instance.get(column.index()).and_then(|c| c.get(row)).map_or(Value::unknown(), |v| Value::known(*v)))
    }

    fn assign_advice<'v>(
        &mut self,
        column: Column<Advice>,
        row: usize,
        to: Value<Assigned<Fr>>,
    ) -> Value<&'v Assigned<Fr>> {
        if self.usable_row("advice", ColumnRef::Advice(column.index()), row) {
            // a circuit synthesized without witnesses still marks its cells assigned
            self.advice[column.index()][row] = Some(known(to).unwrap_or(Fr::ZERO));
        }
        Value::unknown()
    }

    fn assign_fixed(&mut self, column: Column<Fixed>, row: usize, to: Assigned<Fr>) {
        if self.usable_row("fixed", ColumnRef::Fixed(column.index()), row) {
            self.fixed[column.index()][row] = to.evaluate();
        }
    }

    fn copy(&mut self, left: Column<Any>, left_row: usize, right: Column<Any>, right_row: usize) {
        let (l, r) = (CellRef { column: left.into(), row: left_row }, CellRef { column: right.into(), row: right_row });
        if self.usable_row("copy", l.column, left_row) && self.usable_row("copy", r.column, right_row) {
            self.copies.push((l, r));
        }
    }

    fn fill_from_row(&mut self, column: Column<Fixed>, row: usize, to: Value<Assigned<Fr>>) -> Result<(), Error> {
        let value = known(to).ok_or(Error::Synthesis)?;
        for r in row..self.usable {
            self.fixed[column.index()][r] = value;
        }
        Ok(())
    }

    /// Challenges are 1 here, as the rules substitute them: the recorded second-phase cells
    /// then satisfy the constraints the rules evaluate.
    fn get_challenge(&self, _: Challenge) -> Value<Fr> {
        Value::known(Fr::ONE)
    }

    fn push_namespace<NR: Into<String>, N: FnOnce() -> NR>(&mut self, _: N) {}

    fn pop_namespace(&mut self, _: Option<String>) {}
}
