//! A circuit lint: finds witness cells that no constraint pins (see [`rules`]).
//!
//! Under-constrained cells are the bug class a proof system cannot afford and MockProver cannot
//! see: an honest witness satisfies the circuit whether or not a cell is pinned. The lint
//! synthesizes the circuit on a recording backend that knows which cells were assigned
//! ([`record`]), then checks every constraint and lookup at every row. The test suite runs it
//! over every bundled model and test graph in the layouts the compiler can choose.

pub mod record;
pub mod rules;

pub use record::{CellRef, ColumnRef, Recording};
pub use rules::{Counts, Finding, Rule};

use crate::circuit::{config::ModelConfig, cost, ModelCircuit, FIRST_ROW};
use halo2_proofs::{
    halo2curves::bn256::Fr,
    plonk::{Circuit, ConstraintSystem, Error},
};
use std::fmt;

/// The lint's result for one circuit.
#[derive(Clone, Debug)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub counts: Counts,
    /// Words for each finding: the cell's column and layer, the constraint and the rule.
    pub described: Vec<String>,
}

impl Report {
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.counts;
        writeln!(f, "{} finding(s); {} active constraint rows, {} active lookup rows, {} cells read ({} pinned by copies, {} by lookups, {} by gates)", self.findings.len(), c.active_constraints, c.active_lookups, c.cells_read, c.pinned_by_copy, c.pinned_by_lookup, c.pinned_by_gate)?;
        for line in self.described.iter().take(20) {
            writeln!(f, "  {line}")?;
        }
        if self.described.len() > 20 {
            writeln!(f, "  … and {} more", self.described.len() - 20)?;
        }
        Ok(())
    }
}

/// Lints any circuit at `2^k` rows; cells are named by column index and row.
pub fn lint<C: Circuit<Fr>>(k: u32, circuit: &C, instances: Vec<Vec<Fr>>) -> Result<Report, Error> {
    let recording = Recording::run(k, circuit, instances)?;
    Ok(report(&recording, |c| format!("{c:?}"), |_| String::new()))
}

/// Lints a model circuit (with its witness), naming cells by their column in the layout and the
/// layer that owns their row.
pub fn lint_model(circuit: &ModelCircuit, instances: &[Fr]) -> Result<Report, Error> {
    let recording = Recording::run(circuit.params.k, circuit, vec![instances.to_vec()])?;
    let mut cs = ConstraintSystem::<Fr>::default();
    let config = ModelConfig::configure(&mut cs, circuit.params);
    let column = |c: ColumnRef| match c {
        ColumnRef::Advice(i) => {
            match (config.main.iter().position(|m| m.index() == i), config.lookup.iter().position(|m| m.index() == i)) {
                (Some(m), _) => format!("main column {m}"),
                (_, Some(l)) => format!("range-checked column {l}"),
                _ => format!("advice column {i}"),
            }
        }
        other => format!("{other:?}"),
    };
    let mut starts = Vec::new();
    let mut row = FIRST_ROW;
    for layer in cost::layer_stats(&circuit.model, &circuit.params) {
        starts.push((row, format!("{} ({})", layer.name, layer.op)));
        row += layer.rows;
    }
    let layer = |r: usize| {
        starts
            .iter()
            .rev()
            .find(|(start, _)| *start <= r)
            .map_or_else(|| "before the first layer".to_string(), |(_, name)| format!("layer {name}"))
    };
    Ok(report(&recording, column, layer))
}

fn report(recording: &Recording, column: impl Fn(ColumnRef) -> String, layer: impl Fn(usize) -> String) -> Report {
    let (findings, counts) = rules::check(recording);
    let described = findings
        .iter()
        .map(|f| {
            let what = match f.rule {
                Rule::Unassigned => "reads it, but nothing assigned it",
                Rule::Free => "reads it, and nothing pins it: any value satisfies every constraint",
                Rule::BlindingRow => "reaches it, in halo2's blinding rows",
            };
            let owner = layer(f.cell.row);
            format!("{} row {} ({owner}): {} at row {} {what}", column(f.cell.column), f.cell.row, f.by, f.at_row)
        })
        .collect();
    Report { findings, counts, described }
}

#[cfg(test)]
mod tests;
