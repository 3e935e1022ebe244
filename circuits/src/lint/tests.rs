//! The lint on toy circuits that break each rule on purpose: a check must be seen to fail.

use super::{lint, Rule};
use halo2_proofs::{
    circuit::{Layouter, SimpleFloorPlanner, Value},
    halo2curves::bn256::Fr,
    plonk::{Advice, Circuit, Column, ConstraintSystem, Error, Fixed, Selector},
    poly::Rotation,
};

/// `q · (c − f·a·b − a[next])`: the product of `a` and `b` (scaled by a fixed `f`) plus the `a`
/// of the row below. Each case assigns a different subset of the row.
#[derive(Clone, Default)]
struct Toy {
    /// (a, b, c) at row 1, `None` to leave a cell unassigned.
    cells: [Option<u64>; 3],
    /// `a` at row 2 (read through the rotation), and whether `c` is copied to row 2's `b`.
    next_a: Option<u64>,
    copy_c: bool,
    f: u64,
    /// the row the gate is enabled on (a row past the usable ones reads a blinding row)
    row: usize,
}

#[derive(Clone)]
struct ToyConfig {
    q: Selector,
    abc: [Column<Advice>; 3],
    f: Column<Fixed>,
}

impl Circuit<Fr> for Toy {
    type Config = ToyConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        self.clone()
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> ToyConfig {
        let q = meta.selector();
        let abc = [meta.advice_column(), meta.advice_column(), meta.advice_column()];
        abc.iter().for_each(|&c| meta.enable_equality(c));
        let f = meta.fixed_column();
        meta.create_gate("toy", |m| {
            let [a, b, c] = abc.map(|col| m.query_advice(col, Rotation::cur()));
            let next = m.query_advice(abc[0], Rotation::next());
            vec![m.query_selector(q) * (c - m.query_fixed(f, Rotation::cur()) * a * b - next)]
        });
        ToyConfig { q, abc, f }
    }

    fn synthesize(&self, config: ToyConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        layouter.assign_region(
            || "toy",
            |mut region| {
                config.q.enable(&mut region, self.row)?;
                region.assign_fixed(config.f, self.row, Fr::from(self.f));
                let mut c_cell = None;
                for (i, v) in self.cells.iter().enumerate() {
                    if let Some(v) = v {
                        let cell = region.assign_advice(config.abc[i], self.row, Value::known(Fr::from(*v))).cell();
                        if i == 2 {
                            c_cell = Some(cell);
                        }
                    }
                }
                if let Some(v) = self.next_a {
                    region.assign_advice(config.abc[0], self.row + 1, Value::known(Fr::from(v)));
                }
                if let (true, Some(c)) = (self.copy_c, c_cell) {
                    let copy = region
                        .assign_advice(config.abc[1], self.row + 1, Value::known(Fr::from(self.cells[2].unwrap_or(0))))
                        .cell();
                    region.constrain_equal(c, copy);
                }
                Ok(())
            },
        )
    }
}

const K: u32 = 5;

fn rules(toy: &Toy) -> Vec<(Rule, usize)> {
    let report = lint(K, toy, vec![]).unwrap();
    report.findings.iter().map(|f| (f.rule, f.cell.row)).collect()
}

/// 2·3·5 + 1 = 31, with `c` copied to the row below.
fn honest() -> Toy {
    Toy { cells: [Some(3), Some(5), Some(31)], next_a: Some(1), copy_c: true, f: 2, row: 1 }
}

#[test]
fn an_honest_toy_is_clean() {
    let report = lint(K, &honest(), vec![]).unwrap();
    assert!(report.is_clean(), "{report}");
    // a and b pinned by the gate, c by its copy, a[next] by the gate
    assert_eq!(report.counts.active_constraints, 1);
    assert_eq!((report.counts.pinned_by_copy, report.counts.pinned_by_gate), (1, 3));
}

#[test]
fn a_gate_reading_an_unassigned_cell_is_flagged() {
    // b unassigned (the prover's choice; zero when honest), which also leaves a free in a·0
    let toy = Toy { cells: [Some(3), None, Some(1)], next_a: Some(1), f: 2, ..honest() };
    assert_eq!(rules(&toy), vec![(Rule::Unassigned, 1), (Rule::Free, 1)]);
    // the rotation's cell too
    let toy = Toy { next_a: None, ..honest() };
    assert_eq!(rules(&toy), vec![(Rule::Unassigned, 2)]);
}

#[test]
fn a_query_under_a_fixed_zero_is_not_read() {
    // with f = 0, a and b are multiplied by zero: leaving them unassigned is harmless
    let toy = Toy { cells: [None, None, Some(1)], next_a: Some(1), f: 0, ..honest() };
    assert_eq!(rules(&toy), vec![]);
}

#[test]
fn a_factor_of_a_zero_product_is_free() {
    // a = b = 0: either alone can take any value and the gate still holds (the pair-dot bug)
    let toy = Toy { cells: [Some(0), Some(0), Some(1)], next_a: Some(1), ..honest() };
    assert_eq!(rules(&toy), vec![(Rule::Free, 1), (Rule::Free, 1)]);
}

#[test]
fn an_unpinned_term_is_free_and_a_copied_one_is_not() {
    // c − a·b − next = 0 pins each alone; without the copy c is still pinned by the gate
    let toy = Toy { copy_c: false, ..honest() };
    assert_eq!(rules(&toy), vec![]);
}

#[test]
fn a_read_of_a_blinding_row_is_flagged() {
    // the gate enabled on the last usable row reads `a` in the first blinding row
    let usable = super::Recording::run(K, &honest(), vec![]).unwrap().usable;
    let toy = Toy { row: usable - 1, next_a: None, copy_c: false, ..honest() };
    let found = rules(&toy);
    assert!(found.contains(&(Rule::BlindingRow, usable)), "{found:?}");
}
