//! Column layout of the model circuit.
//!
//! - `width` main advice columns (equality-enabled): gadget inputs and outputs;
//! - 3 or 1 range-checked advice columns (one or two limbs per checked value);
//! - `width` fixed columns: dot-product weights (last: bias), reused as per-row coefficients by
//!   the arithmetic and requantization gates, which never share a row with a dot product;
//! - one fixed `chain` column, one constants column, one instance column, one table column.

use super::params::CircuitParams;
use crate::gadgets::range::Limbs;
use crate::gadgets::{ArithGadget, CompareGadget, PoseidonGadget, DotGadget, ExtremumGadget, LutGadget, PairDotGadget, RangeTable, RequantGadget};
use halo2_proofs::{
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Instance},
};

#[derive(Clone, Debug)]
pub struct ModelConfig {
    pub params: CircuitParams,
    pub main: Vec<Column<Advice>>,
    /// Range-checked columns (`u, p, n` of each requantization lane).
    pub lookup: Vec<Column<Advice>>,
    pub instance: Column<Instance>,
    pub range: RangeTable,
    pub dot: DotGadget,
    pub arith: ArithGadget,
    pub requant: RequantGadget,
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
        assert!(params.width >= 4, "circuit width must be at least 4");
        let main: Vec<_> = (0..params.width).map(|_| meta.advice_column()).collect();
        main.iter().for_each(|&c| meta.enable_equality(c));
        let lookup: Vec<_> = (0..params.range_columns).map(|_| meta.advice_column()).collect();
        let fixed: Vec<_> = (0..params.width).map(|_| meta.fixed_column()).collect();
        let chain = meta.fixed_column();
        let constants = meta.fixed_column();
        meta.enable_constant(constants);
        let instance = meta.instance_column();
        meta.enable_equality(instance);

        let limbs = Limbs::new(params.bits, params.limbs);
        let range = RangeTable::configure(meta, params.table_bits(), &lookup);
        let dot = DotGadget::configure(meta, &main, &fixed, chain);
        let arith = ArithGadget::configure(meta, &main, &fixed);
        let requant = RequantGadget::configure(meta, &main, &lookup, &fixed, params.bits, limbs);
        let extremum = params.extremum.then(|| ExtremumGadget::configure(meta, &main, &lookup, &fixed, limbs));
        let pair_dot = params.pair_dot.then(|| PairDotGadget::configure(meta, &main, chain));
        let compare = params.compare.then(|| CompareGadget::configure(meta, &main, &lookup, &fixed, params.bits, limbs));
        let poseidon = params.visibility.hashes().then(|| PoseidonGadget::configure(meta, &main, &fixed));
        let lut = (params.luts > 0).then(|| LutGadget::configure(meta, &main, &fixed));
        Self { params, main, lookup, instance, range, dot, arith, requant, extremum, pair_dot, compare, poseidon, lut }
    }
}
