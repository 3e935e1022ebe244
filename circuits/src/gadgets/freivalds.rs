//! A matrix product `Y = X·W + 1·bᵀ` (`X` is `P×K`, `W` is `K×C`) checked by a random challenge
//! (Freivalds) instead of one multiply-add per term: `P·C + P·K + K·C` cells instead of `P·K·C`.
//!
//! The product `Y` is a first-phase witness, committed with `X` before the challenges `ρ, σ`
//! exist. With `a_p = σ^(P-1-p)` and `r_j = ρ^(C-1-j)` the circuit checks one equation,
//!
//! `Σ_j r_j · (Σ_p a_p Y[p,j])  =  Σ_k (Σ_j W[k,j] r_j) · (Σ_p a_p X[p,k])  +  (Σ_j b_j r_j) · (Σ_p a_p)`,
//!
//! that is `aᵀ (Y − X·W − 1·bᵀ) r = 0`. Each inner sum is a Horner run over first-phase cells
//! (`width` of them a row, `h = h[prev]·τ^width + Σ_i c_i·m_i·τ^(width-1-i)` with `c_i` fixed:
//! 1 for a value, 0 for leading padding, or the constant itself times a cell pinned to 1); the
//! outer sums are chains in the second-phase column `h`: `t = t[prev]·ρ + w` over the `Y`
//! columns' runs (two rows a term) and `t = t[prev] + u·v` over the products (three rows a
//! term). The two totals are copy-constrained equal.
//!
//! **Soundness.** A wrong `Y` makes `E = Y − X·W − 1·bᵀ` nonzero, so `Σ E[p,j] σ^(P-1-p) ρ^(C-1-j)`
//! is a nonzero polynomial in `(σ, ρ)` of total degree at most `P + C − 2`. The challenges are
//! drawn from the transcript after every first-phase commitment (Fiat–Shamir), so by
//! Schwartz–Zippel the check passes with probability at most `(P + C − 2) / r` ≈ 2^-243 for the
//! largest layers here. Every other cell is pinned by its gate or by a copy (see
//! docs/security.md).

use crate::layout::region::{fr_from_i128, RegionCtx, Wire};
use halo2_proofs::{
    circuit::{Cell, Value},
    halo2curves::bn256::Fr,
    plonk::{
        Advice, Challenge, Column, ConstraintSystem, Error, Expression, FirstPhase, Fixed, SecondPhase, Selector,
        VirtualCells,
    },
    poly::Rotation,
};

#[derive(Clone, Debug)]
pub struct FreivaldsGadget {
    main: Vec<Column<Advice>>,
    coeffs: Vec<Column<Fixed>>,
    /// The second-phase column: Horner accumulators, the two chains.
    h: Column<Advice>,
    rho: Challenge,
    sigma: Challenge,
    /// `[first, next]` rows of a Horner run with `ρ`, and with `σ`.
    horner: [[Selector; 2]; 2],
    /// `[first, next]` term of the `ρ` chain over the `Y` columns.
    chain: [Selector; 2],
    /// `[first, next]` term of the sum of products.
    product: [Selector; 2],
}

/// Which challenge a Horner run multiplies by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tau {
    Rho,
    Sigma,
}

/// One Horner run laid out in the first phase, finished in the second.
#[derive(Clone, Debug)]
struct Run {
    tau: Tau,
    first_row: usize,
    /// `(c_i, m_i)` per cell, `width` a row, padding first.
    terms: Vec<(Fr, Value<Fr>)>,
}

/// A product's first-phase layout, waiting for the challenges.
#[derive(Clone, Debug)]
pub struct PendingCheck {
    /// One run per column `j` of `Y` (over `p`, with `σ`).
    y_columns: Vec<Run>,
    /// Per `k`: the run over `W[k, ·]` (with `ρ`) and over `X[·, k]` (with `σ`); then the bias
    /// run (with `ρ`) and the ones (with `σ`).
    products: Vec<(Run, Run)>,
    chain_row: usize,
    product_row: usize,
}

/// The matrix `W` (or `b`): fixed constants, or first-phase wires (witness parameters).
pub enum Operand<'a> {
    Fixed(&'a [i64]),
    Wires(&'a [Wire]),
}

impl FreivaldsGadget {
    pub fn configure(meta: &mut ConstraintSystem<Fr>, main: &[Column<Advice>], coeffs: &[Column<Fixed>]) -> Self {
        let h = meta.advice_column_in(SecondPhase);
        meta.enable_equality(h);
        let rho = meta.challenge_usable_after(FirstPhase);
        let sigma = meta.challenge_usable_after(FirstPhase);
        let horner = [[meta.selector(), meta.selector()], [meta.selector(), meta.selector()]];
        let [chain, product] = [[meta.selector(), meta.selector()], [meta.selector(), meta.selector()]];
        let g =
            Self { main: main.to_vec(), coeffs: coeffs[..main.len()].to_vec(), h, rho, sigma, horner, chain, product };
        for (tau, [first, next]) in [(rho, horner[0]), (sigma, horner[1])] {
            meta.create_gate("freivalds horner", |m| {
                let (q_first, q_next) = (m.query_selector(first), m.query_selector(next));
                let (cur, prev) = (m.query_advice(h, Rotation::cur()), m.query_advice(h, Rotation::prev()));
                let tau = m.query_challenge(tau);
                let from_zero = g.row_horner(m, Expression::Constant(Fr::zero()), &tau);
                let from_prev = g.row_horner(m, prev, &tau);
                vec![q_first * (cur.clone() - from_zero), q_next * (cur - from_prev)]
            });
        }
        meta.create_gate("freivalds chain", |m| {
            let [q_first, q_next] = chain.map(|s| m.query_selector(s));
            let [t_prev, w, t] = [-2, -1, 0].map(|r| m.query_advice(h, Rotation(r)));
            let rho = m.query_challenge(rho);
            vec![q_first * (t.clone() - w.clone()), q_next * (t - t_prev * rho - w)]
        });
        meta.create_gate("freivalds products", |m| {
            let [q_first, q_next] = product.map(|s| m.query_selector(s));
            let [t_prev, u, v, t] = [-3, -2, -1, 0].map(|r| m.query_advice(h, Rotation(r)));
            vec![q_first * (t.clone() - u.clone() * v.clone()), q_next * (t - t_prev - u * v)]
        });
        g
    }

    /// `(((start·τ + c_0 m_0)·τ + c_1 m_1)·τ + …)` over this row's cells.
    fn row_horner(&self, m: &mut VirtualCells<Fr>, start: Expression<Fr>, tau: &Expression<Fr>) -> Expression<Fr> {
        self.main.iter().zip(&self.coeffs).fold(start, |acc, (&x, &c)| {
            acc * tau.clone() + m.query_fixed(c, Rotation::cur()) * m.query_advice(x, Rotation::cur())
        })
    }

    fn per_row(&self) -> usize {
        self.main.len()
    }

    /// Rows of a Horner run over `len` values.
    fn run_rows(&self, len: usize) -> usize {
        len.div_ceil(self.per_row()).max(1)
    }

    /// Rows of the check of a `P×K · K×C` product (all runs, both chains).
    pub fn rows(&self, p: usize, k: usize, c: usize) -> usize {
        Self::rows_for(self.per_row(), p, k, c)
    }

    /// [`Self::rows`] for a gadget `per_row` cells wide (the cost model's view).
    pub fn rows_for(per_row: usize, p: usize, k: usize, c: usize) -> usize {
        let run = |len: usize| len.div_ceil(per_row).max(1);
        c * run(p) + k * (run(c) + run(p)) + run(c) + run(p) + 2 * c + 3 * (k + 1)
    }

    /// First phase: lays out `Y = X·W + b` (`x` is `P×K` row-major, `w` `K×C`, `b` `C`) and returns
    /// `Y`'s wires (row-major) with the check to finish once the challenges exist.
    pub fn assign(
        &self,
        ctx: &mut RegionCtx,
        x: &[Wire],
        w: Operand,
        b: Operand,
        (p, k, c): (usize, usize, usize),
    ) -> Result<(Vec<Wire>, PendingCheck), Error> {
        let y_values = product_values(x, &w, &b, (p, k, c));
        self.assign_claimed(ctx, x, w, b, (p, k, c), y_values)
    }

    /// [`Self::assign`] with the product's values given: whatever the prover claims `Y` is (the
    /// check, not the witness generator, decides whether it is the product).
    pub fn assign_claimed(
        &self,
        ctx: &mut RegionCtx,
        x: &[Wire],
        w: Operand,
        b: Operand,
        (p, k, c): (usize, usize, usize),
        y_values: Vec<Value<i128>>,
    ) -> Result<(Vec<Wire>, PendingCheck), Error> {
        let mut y = vec![None; p * c];
        let mut y_columns = Vec::with_capacity(c);
        for j in 0..c {
            let cells: Vec<Entry> = (0..p).map(|pi| Entry::Value(y_values[pi * c + j])).collect();
            let (run, wires) = self.lay_run(ctx, Tau::Sigma, cells)?;
            wires.into_iter().enumerate().for_each(|(pi, wire)| y[pi * c + j] = Some(wire));
            y_columns.push(run);
        }
        let mut products = Vec::with_capacity(k + 1);
        for ki in 0..k {
            let u = self.lay_run(ctx, Tau::Rho, (0..c).map(|j| w.entry(ki * c + j)).collect())?.0;
            let v = self.lay_run(ctx, Tau::Sigma, (0..p).map(|pi| Entry::Copy(x[pi * k + ki])).collect())?.0;
            products.push((u, v));
        }
        let beta = self.lay_run(ctx, Tau::Rho, (0..c).map(|j| b.entry(j)).collect())?.0;
        let gamma = self.lay_run(ctx, Tau::Sigma, vec![Entry::Constant(1); p])?.0;
        products.push((beta, gamma));
        let chain_row = ctx.take_rows(2 * c);
        for t in 0..c {
            ctx.enable(&self.chain[(t > 0) as usize], chain_row + 2 * t + 1)?;
        }
        let product_row = ctx.take_rows(3 * products.len());
        for t in 0..products.len() {
            ctx.enable(&self.product[(t > 0) as usize], product_row + 3 * t + 2)?;
        }
        let y = y.into_iter().map(|w| w.expect("every product value is laid out")).collect();
        Ok((y, PendingCheck { y_columns, products, chain_row, product_row }))
    }

    /// Lays out one Horner run's first-phase cells (padding first) and returns the wires of its
    /// new value cells, in order.
    fn lay_run(&self, ctx: &mut RegionCtx, tau: Tau, cells: Vec<Entry>) -> Result<(Run, Vec<Wire>), Error> {
        let n = self.per_row();
        let rows = self.run_rows(cells.len());
        let first_row = ctx.take_rows(rows);
        let pad = rows * n - cells.len();
        let selectors = self.horner[(tau == Tau::Sigma) as usize];
        let mut terms = vec![(Fr::zero(), Value::known(Fr::zero())); pad];
        let mut coeffs = vec![0i128; pad];
        let mut values = Vec::new();
        for (at, cell) in cells.into_iter().enumerate() {
            let slot = pad + at;
            let (row, col) = (first_row + slot / n, slot % n);
            let (coeff, wire) = match cell {
                Entry::Value(v) => {
                    let wire = ctx.assign(self.main[col], row, v);
                    values.push(wire);
                    (1, wire)
                }
                Entry::Copy(source) => (1, ctx.copy(&source, self.main[col], row)),
                Entry::Constant(c) => {
                    let one = ctx.assign(self.main[col], row, Value::known(1));
                    ctx.constrain_constant(&one, 1)?;
                    (c as i128, one)
                }
            };
            coeffs.push(coeff);
            terms.push((fr_from_i128(coeff), wire.value.map(fr_from_i128)));
        }
        for r in 0..rows {
            ctx.enable(&selectors[(r > 0) as usize], first_row + r)?;
            for (i, &c) in coeffs[r * n..(r + 1) * n].iter().enumerate() {
                ctx.fixed(self.coeffs[i], first_row + r, c);
            }
        }
        Ok((Run { tau, first_row, terms }, values))
    }

    /// Second phase (after `ctx.next_phase()`): the accumulators, the chains and the equality.
    pub fn finish(&self, ctx: &mut RegionCtx, check: &PendingCheck) -> Result<(), Error> {
        let (rho, sigma) = (ctx.challenge(self.rho), ctx.challenge(self.sigma));
        let mut total = |run: &Run| self.fill_run(ctx, run, if run.tau == Tau::Rho { rho } else { sigma });
        let columns: Vec<(Cell, Value<Fr>)> = check.y_columns.iter().map(&mut total).collect();
        let products: Vec<[(Cell, Value<Fr>); 2]> = check.products.iter().map(|(u, v)| [total(u), total(v)]).collect();
        // Σ_j r_j w_j by Horner in ρ: rows (w_j, t_j)
        let mut t = Value::known(Fr::zero());
        let mut left = None;
        for (j, (cell, w)) in columns.iter().enumerate() {
            let row = check.chain_row + 2 * j;
            ctx.copy_field(*cell, *w, self.h, row);
            t = if j == 0 { *w } else { t * rho + *w };
            left = Some(ctx.assign_field(self.h, row + 1, t).cell);
        }
        // Σ_k u_k v_k: rows (u_k, v_k, t_k)
        let mut s = Value::known(Fr::zero());
        let mut right = None;
        for (i, [(u_cell, u), (v_cell, v)]) in products.iter().enumerate() {
            let row = check.product_row + 3 * i;
            ctx.copy_field(*u_cell, *u, self.h, row);
            ctx.copy_field(*v_cell, *v, self.h, row + 1);
            s = s + *u * *v;
            right = Some(ctx.assign_field(self.h, row + 2, s).cell);
        }
        ctx.constrain_equal(left.expect("Y has a column"), right.expect("the bias term is a product"));
        Ok(())
    }

    /// Assigns a run's accumulators; returns its last accumulator cell and value.
    fn fill_run(&self, ctx: &mut RegionCtx, run: &Run, tau: Value<Fr>) -> (Cell, Value<Fr>) {
        let mut acc = Value::known(Fr::zero());
        let mut last = None;
        for (r, row_terms) in run.terms.chunks(self.per_row()).enumerate() {
            acc = row_terms.iter().fold(acc, |a, &(c, m)| a * tau + m.map(|m| m * c));
            last = Some(ctx.assign_field(self.h, run.first_row + r, acc).cell);
        }
        (last.expect("a run has a row"), acc)
    }
}

/// What a Horner run's cell holds: a new value, a copy, or a constant (a cell pinned to 1
/// times the constant as its coefficient).
#[derive(Clone, Copy)]
enum Entry {
    Value(Value<i128>),
    Copy(Wire),
    Constant(i64),
}

impl Operand<'_> {
    /// Element `i` as a Horner run's cell: a constant coefficient, or a copy of the wire.
    fn entry(&self, i: usize) -> Entry {
        match self {
            Operand::Fixed(v) => Entry::Constant(v[i]),
            Operand::Wires(v) => Entry::Copy(v[i]),
        }
    }
}

/// `Y = X·W + b` in integers, row-major.
fn product_values(x: &[Wire], w: &Operand, b: &Operand, (p, k, c): (usize, usize, usize)) -> Vec<Value<i128>> {
    let value = |op: &Operand, i: usize| match op {
        Operand::Fixed(v) => Value::known(v[i] as i128),
        Operand::Wires(v) => v[i].value,
    };
    (0..p)
        .flat_map(|pi| (0..c).map(move |j| (pi, j)))
        .map(|(pi, j)| (0..k).fold(value(b, j), |acc, ki| acc + x[pi * k + ki].value * value(w, ki * c + j)))
        .collect()
}
