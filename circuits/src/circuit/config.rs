//! Column layout of the model circuit.
//!
//! - `width` main advice columns (equality-enabled): gadget inputs and outputs;
//! - 3 or 1 range-checked advice columns (one or two limbs per checked value);
//! - `width` fixed columns: dot-product weights (last: bias), reused as per-row coefficients by
//!   the arithmetic and requantization gates, which never share a row with a dot product;
//! - one constants column, one instance column, one table column (the constants column and the
//!   range table only where the model needs them).

use super::params::CircuitParams;
use crate::gadgets::range::Limbs;
use crate::gadgets::{ArithGadget, CompareGadget, PoseidonGadget, DotGadget, ExtremumGadget, LutGadget, PairDotGadget, RangeTable, RequantGadget};
use halo2_proofs::{
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Instance},
};

/// The narrowest layout: the arithmetic gate's `(a, b, c)` lane and the requantization's three
/// coefficient columns need three columns.
pub const MIN_WIDTH: usize = 3;

#[derive(Clone, Debug)]
pub struct ModelConfig {
    pub params: CircuitParams,
    pub main: Vec<Column<Advice>>,
    /// Range-checked columns (`u, p, n` of each requantization lane).
    pub lookup: Vec<Column<Advice>>,
    pub instance: Column<Instance>,
    /// Present when the model range-checks values (requantizations, comparisons, max).
    pub range: Option<RangeTable>,
    pub dot: DotGadget,
    arith: Option<ArithGadget>,
    requant: Option<RequantGadget>,
    /// Present when the model takes a max or min.
    pub extremum: Option<ExtremumGadget>,
    /// Present when the model multiplies two computed tensors.
    pub pair_dot: Option<PairDotGadget>,
    /// Present when the model compares values.
    pub compare: Option<CompareGadget>,
    /// Present when the input or the outputs are hashed.
    pub poseidon: Option<PoseidonGadget>,
    /// Present when the model has nonlinear (table) layers.
    pub lut: Option<LutGadget>,
}

impl ModelConfig {
    pub fn configure(meta: &mut ConstraintSystem<Fr>, params: CircuitParams) -> Self {
        assert!(params.width >= MIN_WIDTH, "circuit width must be at least {MIN_WIDTH}");
        assert!(params.range_checks || !(params.extremum || params.compare), "max and comparisons need range checks");
        if params.min_degree > 0 {
            meta.set_minimum_degree(params.min_degree);
        }
        let main: Vec<_> = (0..params.width).map(|_| meta.advice_column()).collect();
        main.iter().for_each(|&c| meta.enable_equality(c));
        let range_columns = if params.range_checks { params.range_columns } else { 0 };
        let lookup: Vec<_> = (0..range_columns).map(|_| meta.advice_column()).collect();
        let fixed: Vec<_> = (0..params.width).map(|_| meta.fixed_column()).collect();
        if params.constants {
            let constants = meta.fixed_column();
            meta.enable_constant(constants);
        }
        let instance = meta.instance_column();
        meta.enable_equality(instance);

        let limbs = Limbs::new(params.bits, params.limbs);
        let range = params.range_checks.then(|| RangeTable::configure(meta, params.table_bits(), &lookup));
        let dot = DotGadget::configure(meta, &main, &fixed);
        let arith = params.arith.then(|| ArithGadget::configure(meta, &main, &fixed));
        let requant = params.range_checks.then(|| RequantGadget::configure(meta, &main, &lookup, &fixed, params.bits, limbs));
        let extremum = params.extremum.then(|| ExtremumGadget::configure(meta, &main, &lookup, &fixed, limbs));
        let pair_dot = params.pair_dot.then(|| PairDotGadget::configure(meta, &main));
        let compare = params.compare.then(|| CompareGadget::configure(meta, &main, &lookup, &fixed, params.bits, limbs));
        let poseidon = params.visibility.hashes().then(|| PoseidonGadget::configure(meta, &main, &fixed));
        let lut = (params.luts > 0).then(|| LutGadget::configure(meta, &main, &fixed));
        Self { params, main, lookup, instance, range, dot, arith, requant, extremum, pair_dot, compare, poseidon, lut }
    }

    /// The arithmetic gadget; configured whenever a layer adds, subtracts or multiplies.
    pub fn arith(&self) -> &ArithGadget {
        self.arith.as_ref().expect("a model with element-wise arithmetic is configured with the arithmetic gate")
    }

    /// The requantization gadget; configured whenever the model has a requantization.
    pub fn requant(&self) -> &RequantGadget {
        self.requant.as_ref().expect("a model with requantizations is configured with range checks")
    }
}
