//! The lint's rules, over a [`Recording`]:
//!
//! 1. **Unassigned.** A cell that an active constraint reads must have been assigned. A
//!    constraint is active at a row when, with that row's fixed and selector values substituted,
//!    it is not identically zero; it reads the advice cells whose queries survive the
//!    substitution (a query multiplied by a fixed zero is not read). A lookup that reads an
//!    assigned cell at a row must find every other cell it reads there assigned too.
//! 2. **Free.** An assigned cell that active gates read, that no copy constraint and no active
//!    lookup touches, must be pinned by a gate: moving it alone (by two unrelated amounts) must
//!    break one of the constraints that read it. A cell every such move leaves satisfied is a
//!    free variable of the prover (`a` in `a · b` with `b = 0`).
//! 3. **Blinding rows.** No active constraint reads a row past the usable ones: halo2 fills those
//!    with random blinding values the prover chooses.
//!
//! The rules find the witness cells nothing pins; they do not prove a gadget sound (a value
//! pinned only to a table range, or several cells that move together, need the gadget's own
//! argument and adversarial tests), but they catch the gadget that forgets a cell.

use super::record::{CellRef, ColumnRef, Recording};
use halo2_proofs::{
    halo2curves::{bn256::Fr, ff::Field},
    plonk::Expression,
};
use std::collections::{HashMap, HashSet};

/// Which rule a finding breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    Unassigned,
    Free,
    BlindingRow,
}

/// One cell a rule flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    /// The gate (and constraint) or lookup that reads the cell.
    pub by: String,
    /// The row at which that constraint reads it.
    pub at_row: usize,
    pub cell: CellRef,
}

/// What the lint looked at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// (constraint, row) pairs that are active.
    pub active_constraints: usize,
    /// (lookup, row) pairs that read an assigned cell.
    pub active_lookups: usize,
    /// Distinct advice cells some active constraint or lookup reads.
    pub cells_read: usize,
    pub pinned_by_copy: usize,
    pub pinned_by_lookup: usize,
    pub pinned_by_gate: usize,
}

/// A constraint polynomial at one row, with fixed and selector values substituted: a constant,
/// or the advice queries (column, rotation) it still depends on.
enum Live {
    Const(Fr),
    Reads(Vec<(usize, i32)>),
}

impl Live {
    fn is_zero(&self) -> bool {
        matches!(self, Live::Const(c) if c.is_zero_vartime())
    }

    fn join(self, other: Live, constants: impl FnOnce(Fr, Fr) -> Fr) -> Live {
        match (self, other) {
            (Live::Const(a), Live::Const(b)) => Live::Const(constants(a, b)),
            (Live::Reads(r), Live::Const(_)) | (Live::Const(_), Live::Reads(r)) => Live::Reads(r),
            (Live::Reads(mut a), Live::Reads(b)) => {
                a.extend(b);
                Live::Reads(a)
            }
        }
    }
}

struct Evaluator<'a> {
    rec: &'a Recording,
}

impl Evaluator<'_> {
    fn at(&self, row: usize, rotation: i32) -> usize {
        (row as i64 + rotation as i64).rem_euclid(self.rec.n as i64) as usize
    }

    fn live(&self, e: &Expression<Fr>, row: usize) -> Live {
        match e {
            Expression::Constant(c) => Live::Const(*c),
            Expression::Selector(s) => Live::Const(if self.rec.selectors[s.index()][row] { Fr::ONE } else { Fr::ZERO }),
            Expression::Fixed(q) => Live::Const(self.rec.fixed[q.column_index()][self.at(row, q.rotation().0)]),
            Expression::Advice(q) => Live::Reads(vec![(q.column_index(), q.rotation().0)]),
            Expression::Instance(q) => Live::Const(self.rec.instance[q.column_index()][self.at(row, q.rotation().0)]),
            // a challenge is a random non-zero value
            Expression::Challenge(_) => Live::Const(Fr::ONE),
            Expression::Negated(a) => match self.live(a, row) {
                Live::Const(c) => Live::Const(-c),
                reads => reads,
            },
            Expression::Sum(a, b) => self.live(a, row).join(self.live(b, row), |x, y| x + y),
            Expression::Product(a, b) => {
                let left = self.live(a, row);
                if left.is_zero() {
                    return left;
                }
                let right = self.live(b, row);
                if right.is_zero() {
                    return right;
                }
                left.join(right, |x, y| x * y)
            }
            Expression::Scaled(a, c) if c.is_zero_vartime() => Live::Const(Fr::ZERO),
            Expression::Scaled(a, c) => match self.live(a, row) {
                Live::Const(v) => Live::Const(v * c),
                reads => reads,
            },
        }
    }

    /// The constraint's value at `row` with the recorded witness, one cell replaced.
    fn value(&self, e: &Expression<Fr>, row: usize, replaced: (CellRef, Fr)) -> Fr {
        let advice = |column: usize, rotation: i32| {
            let cell = CellRef { column: ColumnRef::Advice(column), row: self.at(row, rotation) };
            if cell == replaced.0 {
                replaced.1
            } else {
                self.rec.advice_value(column, cell.row)
            }
        };
        match e {
            Expression::Constant(c) => *c,
            Expression::Selector(s) => Fr::from(self.rec.selectors[s.index()][row] as u64),
            Expression::Fixed(q) => self.rec.fixed[q.column_index()][self.at(row, q.rotation().0)],
            Expression::Advice(q) => advice(q.column_index(), q.rotation().0),
            Expression::Instance(q) => self.rec.instance[q.column_index()][self.at(row, q.rotation().0)],
            Expression::Challenge(_) => Fr::ONE,
            Expression::Negated(a) => -self.value(a, row, replaced),
            Expression::Sum(a, b) => self.value(a, row, replaced) + self.value(b, row, replaced),
            Expression::Product(a, b) => self.value(a, row, replaced) * self.value(b, row, replaced),
            Expression::Scaled(a, c) => self.value(a, row, replaced) * c,
        }
    }

    /// The cells `live` reads at `row`, split by whether the circuit may use their rows.
    fn cells(&self, reads: &[(usize, i32)], row: usize) -> impl Iterator<Item = CellRef> + '_ {
        let set: HashSet<(usize, i32)> = reads.iter().copied().collect();
        set.into_iter()
            .map(move |(column, rotation)| CellRef { column: ColumnRef::Advice(column), row: self.at(row, rotation) })
    }
}

/// Runs the three rules over `rec`.
pub fn check(rec: &Recording) -> (Vec<Finding>, Counts) {
    let eval = Evaluator { rec };
    let mut findings = Vec::new();
    let mut counts = Counts::default();
    let advice = |cell: &CellRef| match cell.column {
        ColumnRef::Advice(c) => rec.advice[c][cell.row],
        _ => unreachable!("reads are advice cells"),
    };
    let flag = |findings: &mut Vec<Finding>, rule, by: &dyn Fn() -> String, at_row, cell| {
        findings.push(Finding { rule, by: by(), at_row, cell })
    };

    // gates: every constraint at every row of the domain
    let mut gate_reads: HashMap<CellRef, Vec<(usize, usize, usize)>> = HashMap::new();
    for (g, gate) in rec.cs.gates().iter().enumerate() {
        for (i, poly) in gate.polynomials().iter().enumerate() {
            let by = || format!("gate '{}' (constraint {i}{})", gate.name(), named(gate.constraint_name(i)));
            for row in 0..rec.n {
                let Live::Reads(reads) = eval.live(poly, row) else { continue };
                counts.active_constraints += 1;
                for cell in eval.cells(&reads, row) {
                    if cell.row >= rec.usable {
                        flag(&mut findings, Rule::BlindingRow, &by, row, cell);
                    } else if advice(&cell).is_none() {
                        flag(&mut findings, Rule::Unassigned, &by, row, cell);
                    } else {
                        gate_reads.entry(cell).or_default().push((g, i, row));
                    }
                }
            }
        }
    }

    // lookups: halo2 enforces them on the usable rows only
    let mut lookup_reads: HashSet<CellRef> = HashSet::new();
    for lookup in rec.cs.lookups() {
        let by = || format!("lookup '{}'", lookup.name());
        for row in 0..rec.usable {
            let reads: Vec<(usize, i32)> = lookup
                .input_expressions()
                .iter()
                .filter_map(|e| if let Live::Reads(r) = eval.live(e, row) { Some(r) } else { None })
                .flatten()
                .collect();
            let cells: Vec<CellRef> = eval.cells(&reads, row).collect();
            if !cells.iter().any(|c| c.row < rec.usable && advice(c).is_some()) {
                continue;
            }
            counts.active_lookups += 1;
            for cell in cells {
                if cell.row >= rec.usable {
                    flag(&mut findings, Rule::BlindingRow, &by, row, cell);
                } else if advice(&cell).is_none() {
                    flag(&mut findings, Rule::Unassigned, &by, row, cell);
                } else {
                    lookup_reads.insert(cell);
                }
            }
        }
    }

    // free cells: what no copy, lookup or gate pins
    let copied: HashSet<CellRef> = rec.copies.iter().flat_map(|&(a, b)| [a, b]).collect();
    counts.cells_read = gate_reads.keys().chain(&lookup_reads).collect::<HashSet<_>>().len();
    let moves =
        [Fr::from(0x9e37_79b9_7f4a_7c15u64).pow_vartime([3]), Fr::from(0x2545_f491_4f6c_dd1du64).pow_vartime([5])];
    let mut free: Vec<Finding> = Vec::new();
    for (cell, uses) in &gate_reads {
        if copied.contains(cell) {
            counts.pinned_by_copy += 1;
            continue;
        }
        if lookup_reads.contains(cell) {
            counts.pinned_by_lookup += 1;
            continue;
        }
        let value = advice(cell).expect("gate reads are assigned");
        let breaks = |delta: Fr| {
            uses.iter().any(|&(g, i, row)| {
                !eval.value(&rec.cs.gates()[g].polynomials()[i], row, (*cell, value + delta)).is_zero_vartime()
            })
        };
        if moves.iter().any(|&d| breaks(d)) {
            counts.pinned_by_gate += 1;
        } else {
            let (g, i, row) = uses[0];
            let gate = &rec.cs.gates()[g];
            free.push(Finding {
                rule: Rule::Free,
                by: format!("gate '{}' (constraint {i}{})", gate.name(), named(gate.constraint_name(i))),
                at_row: row,
                cell: *cell,
            });
        }
    }
    free.sort_by_key(|f| f.cell);
    findings.extend(free);
    findings.extend(rec.outside.iter().map(|&(what, cell)| Finding {
        rule: Rule::BlindingRow,
        by: format!("an assignment ({what})"),
        at_row: cell.row,
        cell,
    }));
    (findings, counts)
}

fn named(name: &str) -> String {
    if name.is_empty() {
        String::new()
    } else {
        format!(", '{name}'")
    }
}
