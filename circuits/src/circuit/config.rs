//! Column layout of the model circuit.
//!
//! - `width` main advice columns (equality-enabled): gadget inputs and outputs;
//! - 3 or 1 range-checked advice columns (one or two limbs per checked value), in every circuit:
//!   the model input is always range-checked;
//! - `width` fixed columns: dot-product weights (last: bias), reused as per-row coefficients by
//!   the arithmetic and requantization gates, which never share a row with a dot product;
//! - one constants column, one instance column, one table column (the constants column and the
//!   range table only where the model needs them).

use super::params::CircuitParams;
use super::public::PublicPart;
use crate::gadgets::lut::FoldedRange;
use crate::gadgets::range::Limbs;
use crate::gadgets::{
    ArithGadget, CompareGadget, DotGadget, ExtremumGadget, FreivaldsGadget, LutGadget, PackGadget, PairDotGadget,
    PoseidonGadget, RangeTable, RequantGadget, SignedRangeGadget,
};
use halo2_proofs::{
    halo2curves::bn256::Fr,
    plonk::{Advice, Column, ConstraintSystem, Instance},
};

pub use super::params::MIN_WIDTH;

#[derive(Clone, Debug)]
pub struct ModelConfig {
    pub params: CircuitParams,
    pub main: Vec<Column<Advice>>,
    /// Range-checked columns (`u, p, n` of each requantization lane).
    pub lookup: Vec<Column<Advice>>,
    pub instance: Column<Instance>,
    /// The range table; absent when the check is folded into the function lookup.
    pub range: Option<RangeTable>,
    /// Rows `0..usable_rows` may hold witness values; halo2 blinds the rest.
    pub usable_rows: usize,
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
    /// Checks the model input's range; absent when packing checks it.
    pub input_range: Option<SignedRangeGadget>,
    /// Present when the input (or the output) is packed into few instances.
    pub pack_input: Option<PackGadget>,
    pub pack_output: Option<PackGadget>,
    /// Present when matrix products are checked by a random challenge (a second phase).
    pub freivalds: Option<FreivaldsGadget>,
}

impl ModelConfig {
    pub fn configure(meta: &mut ConstraintSystem<Fr>, params: CircuitParams) -> Self {
        assert!(params.width >= params.min_width(), "this circuit needs a width of at least {}", params.min_width());
        if params.min_degree > 0 {
            meta.set_minimum_degree(params.min_degree);
        }
        let main: Vec<_> = (0..params.width).map(|_| meta.advice_column()).collect();
        main.iter().for_each(|&c| meta.enable_equality(c));
        let lookup: Vec<_> = (0..params.range_columns).map(|_| meta.advice_column()).collect();
        let fixed: Vec<_> = (0..params.width).map(|_| meta.fixed_column()).collect();
        if params.constants {
            let constants = meta.fixed_column();
            meta.enable_constant(constants);
        }
        let instance = meta.instance_column();
        meta.enable_equality(instance);

        let limbs = Limbs::new(params.bits, params.limbs);
        assert!(
            !params.folded_range || params.can_fold_range(),
            "range checks fold only into function tables, from one column"
        );
        // folded, the function lookup checks the one range-checked column
        let range = (!params.folded_range).then(|| RangeTable::configure(meta, params.table_bits(), &lookup));
        let dot = DotGadget::configure(meta, &main, &fixed);
        let arith = params.arith.then(|| ArithGadget::configure(meta, &main, &fixed));
        let input_range =
            params.checks_input_range().then(|| SignedRangeGadget::configure(meta, &main, &lookup, params.bits, limbs));
        let requant = params.requant.then(|| {
            RequantGadget::configure(meta, &main, &lookup, &fixed, params.bits, limbs, params.requant_lanes())
        });
        let extremum = params
            .extremum
            .then(|| ExtremumGadget::configure(meta, &main, &lookup, &fixed, limbs, params.extremum_lanes()));
        let pair_dot = params.pair_dot.then(|| PairDotGadget::configure(meta, &main, &fixed));
        let compare =
            params.compare.then(|| CompareGadget::configure(meta, &main, &lookup, &fixed, params.bits, limbs));
        let poseidon = params.visibility.hashes().then(|| PoseidonGadget::configure(meta, &main, &fixed));
        let folded = params.folded_range.then(|| FoldedRange { column: lookup[0], bits: params.table_bits() });
        let lut = (params.luts > 0).then(|| LutGadget::configure(meta, &main, &fixed, folded));
        let packing = |part: PublicPart| match part {
            PublicPart::Packed(p) => Some(p),
            _ => None,
        };
        let [input_part, output_part, _] = params.public_parts();
        let pack_input = packing(input_part).map(|p| PackGadget::configure(meta, &main, lookup[0], &fixed, p));
        let pack_output = packing(output_part).map(|p| match &pack_input {
            Some(g) if g.packing() == p => g.clone(),
            _ => PackGadget::configure(meta, &main, lookup[0], &fixed, p),
        });
        // last: its column is the only second-phase one
        let freivalds = params.freivalds.then(|| FreivaldsGadget::configure(meta, &main, &fixed));
        // every gate and lookup is configured: the blinding rows are known
        let usable_rows = (1usize << params.k) - (meta.blinding_factors() + 1);
        Self {
            params,
            main,
            lookup,
            instance,
            range,
            usable_rows,
            dot,
            arith,
            requant,
            extremum,
            pair_dot,
            compare,
            poseidon,
            lut,
            input_range,
            pack_input,
            pack_output,
            freivalds,
        }
    }

    /// The arithmetic gadget; configured whenever a layer adds, subtracts or multiplies.
    pub fn arith(&self) -> &ArithGadget {
        self.arith.as_ref().expect("a model with element-wise arithmetic is configured with the arithmetic gate")
    }

    /// The requantization gadget; configured whenever the model has a requantization.
    pub fn requant(&self) -> &RequantGadget {
        self.requant.as_ref().expect("a model with requantizations is configured with the requantization gate")
    }
}
