//! Circuit size: rows per layer, columns, and the choice of `k` and `width` for a model.

use super::config::ModelConfig;
use super::params::CircuitParams;
use super::public::PublicPart;
use super::visibility::{ModelVisibility, Visibility};
use super::FIRST_ROW;
use crate::gadgets::{poseidon, LutGadget, PackGadget};
use crate::layers::node_cost;
use crate::quantize::QuantizedModel;
use halo2_proofs::{halo2curves::bn256::Fr, plonk::ConstraintSystem};
use serde::{Deserialize, Serialize};

/// Widths the compiler tries when none is given.
pub const WIDTH_CANDIDATES: [usize; 7] = [6, 9, 12, 16, 24, 32, 48];
/// Narrower widths the verifier objective also tries: every main column is an advice
/// commitment, a fixed weight commitment and a permutation commitment in the proof.
pub const NARROW_WIDTHS: [usize; 4] = [2, 3, 4, 5];
/// Range-checked columns the compiler tries: three (one requantization a row), six (two), one
/// (stacked: fewest lookup arguments). The verifier objective skips six: three more lookup
/// arguments are nine more commitments, and fewer rows are worth nothing to the verifier.
pub const RANGE_COLUMN_CHOICES: [usize; 3] = [3, 6, 1];
/// The largest circuit we accept (2^26 rows is already far beyond this machine's memory).
pub const MAX_K: u32 = 26;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerStats {
    pub name: String,
    pub op: String,
    pub shape: Vec<usize>,
    pub scale: i32,
    pub rows: usize,
    pub lookups: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircuitStats {
    pub params: CircuitParams,
    /// Rows the layers use (including the empty first row).
    pub used_rows: usize,
    /// Rows available at this k (2^k minus the blinding rows).
    pub usable_rows: usize,
    pub advice_columns: usize,
    pub fixed_columns: usize,
    pub selectors: usize,
    pub instance_columns: usize,
    pub lookup_arguments: usize,
    pub lookup_table_rows: usize,
    pub max_gate_degree: usize,
    /// Columns in the permutation argument (equality-enabled): one commitment each in the
    /// verifying key.
    #[serde(default)]
    pub permutation_columns: usize,
    /// Distinct (column, rotation) queries: each is an evaluation in the proof and in the
    /// on-chain verifier's code.
    #[serde(default)]
    pub queries: usize,
    pub public_instances: usize,
    pub layers: Vec<LayerStats>,
}

/// Column counts and blinding rows of the constraint system for `params`.
fn constraint_system(params: CircuitParams) -> ConstraintSystem<Fr> {
    let mut cs = ConstraintSystem::<Fr>::default();
    ModelConfig::configure(&mut cs, params);
    cs
}

/// Per layer, and per hashed tensor (the commitments are laid out after the layers).
pub fn layer_stats(model: &QuantizedModel, params: &CircuitParams) -> Vec<LayerStats> {
    let mut layers: Vec<LayerStats> = model
        .nodes
        .iter()
        .map(|node| {
            let cost = node_cost(params, model, node);
            LayerStats {
                name: node.name.clone(),
                op: node.op_name.clone(),
                shape: node.shape.clone(),
                scale: node.scale,
                rows: cost.rows,
                lookups: cost.lookups,
            }
        })
        .collect();
    let vis = params.visibility;
    let param_len = model.param_values(vis.witness_params()).len();
    let lens = [model.input_node().len(), model.output_len(), param_len];
    for ((kind, part), len) in ["input", "output", "parameter"].into_iter().zip(params.public_parts()).zip(lens) {
        match part {
            PublicPart::Commitment | PublicPart::SaltedCommitment => layers.push(LayerStats {
                name: format!("{kind} commitment"),
                op: "Poseidon".into(),
                shape: vec![1],
                scale: 0,
                // a salted input absorbs its owner and salt first
                rows: poseidon::rows(len + if part == PublicPart::SaltedCommitment { 2 } else { 0 }),
                lookups: 0,
            }),
            PublicPart::Packed(p) => {
                let rows = PackGadget::rows(&p, len);
                layers.push(LayerStats {
                    name: format!("{kind} packing"),
                    op: "Pack".into(),
                    shape: vec![p.words(len)],
                    scale: 0,
                    rows,
                    lookups: rows,
                });
            }
            PublicPart::Values | PublicPart::Nothing => {}
        }
    }
    layers
}

pub fn stats(model: &QuantizedModel, params: CircuitParams) -> CircuitStats {
    let cs = constraint_system(params);
    let layers = layer_stats(model, &params);
    CircuitStats {
        params,
        used_rows: FIRST_ROW + layers.iter().map(|l| l.rows).sum::<usize>(),
        usable_rows: (1usize << params.k) - (cs.blinding_factors() + 1),
        advice_columns: cs.num_advice_columns(),
        fixed_columns: cs.num_fixed_columns(),
        selectors: cs.num_selectors(),
        instance_columns: cs.num_instance_columns(),
        lookup_arguments: cs.lookups().len(),
        lookup_table_rows: table_rows(model, &params).into_iter().sum(),
        max_gate_degree: cs.degree(),
        permutation_columns: cs.permutation().get_columns().len(),
        queries: cs.advice_queries().len() + cs.fixed_queries().len() + cs.instance_queries().len(),
        public_instances: params.num_instances(
            model.input_node().len(),
            model.output_len(),
            model.param_values(params.visibility.witness_params()).len(),
        ),
        layers,
    }
}

/// Rows of the range table and of the function table (the range entries inside the latter when
/// folded); each must fit the circuit.
fn table_rows(model: &QuantizedModel, params: &CircuitParams) -> [usize; 2] {
    let range_rows = 1 << params.table_bits();
    let folded = params.folded_range.then(|| params.table_bits());
    let lut_rows = if model.luts.is_empty() {
        0
    } else {
        LutGadget::table_rows(model.luts.len(), model.lut_domain_bits(), folded)
    };
    if params.folded_range {
        [0, lut_rows]
    } else {
        [range_rows, lut_rows]
    }
}

/// The choices `choose_params` searches over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub width: usize,
    /// Range-check limbs, 1 or 2.
    pub limbs: u32,
    /// Range-checked columns, 3, 6 or 1.
    pub range_columns: usize,
    /// Pack the public input and outputs into few instances where their values are bounded.
    pub pack: bool,
    /// Fold the range check into the function lookup (where `CircuitParams::can_fold_range`).
    pub fold: bool,
    /// Check matrix products with many rows by a random challenge (`gadgets::freivalds`).
    pub freivalds: bool,
}

/// Slot bits of a packed input value and of a packed output value (0: not packed).
fn packing_slots(model: &QuantizedModel, visibility: ModelVisibility) -> (u32, u32) {
    let slot = |bits: Option<u32>| {
        bits.map(super::public::Packing::slot_for).filter(|&s| s <= super::public::MAX_SLOT_BITS).unwrap_or(0)
    };
    let input = if visibility.input == Visibility::Public { slot(Some(model.bits)) } else { 0 };
    let output = if visibility.output == Visibility::Public { slot(model.output_magnitude_bits()) } else { 0 };
    (input, output)
}

/// The smallest k at which the layers, the tables and the public values fit, for a given layout.
fn smallest_k(
    model: &QuantizedModel,
    layout: Layout,
    visibility: ModelVisibility,
) -> Result<(u32, CircuitStats), String> {
    let shape = shape(model, layout, visibility);
    let min = shape.min_width();
    if layout.width < min {
        return Err(format!("this model needs a circuit width of at least {min} (hashing needs 6, comparisons 4, arithmetic, max and products of activations 3), got {}", layout.width));
    }
    let unusable = constraint_system(shape).blinding_factors() + 1;
    let layers = layer_stats(model, &shape);
    let rows = FIRST_ROW + layers.iter().map(|l| l.rows).sum::<usize>();
    let instances = shape.num_instances(
        model.input_node().len(),
        model.output_len(),
        model.param_values(visibility.witness_params()).len(),
    );
    let [range_rows, lut_rows] = table_rows(model, &shape);
    let constant_rows = crate::layers::constant_rows_bound(model);
    let needed = rows.max(range_rows).max(lut_rows).max(instances).max(constant_rows) + unusable;
    let k = needed.next_power_of_two().trailing_zeros().max(4);
    if k > MAX_K {
        return Err(format!("the circuit needs {rows} rows (k = {k}), more than the supported 2^{MAX_K}"));
    }
    let params = CircuitParams { k, ..shape };
    Ok((k, stats(model, params)))
}

/// The circuit shape of `layout` for this model, before `k` is known: which gadgets its layers
/// need, and how its public values are laid out.
fn shape(model: &QuantizedModel, layout: Layout, visibility: ModelVisibility) -> CircuitParams {
    use crate::quantize::QOp;
    let Layout { width, limbs, range_columns, pack, fold, freivalds } = layout;
    let has = |f: fn(&QOp) -> bool| model.nodes.iter().any(|n| f(&n.op));
    let extremum = has(|op| matches!(op, QOp::Extremum { .. }));
    // witness weights make every Linear a product of two advice vectors
    let linear = visibility.witness_params() && has(|op| matches!(op, QOp::Linear { .. }));
    let pair_dot = linear || has(|op| matches!(op, QOp::MatMul { .. }));
    let compare = has(|op| matches!(op, QOp::Compare { .. }));
    let (pack_input, pack_output) = if pack { packing_slots(model, visibility) } else { (0, 0) };
    let requant = crate::layers::needs_requant(model);
    // the random-challenge check pins cells to 1
    let constants = crate::layers::needs_constants(model, visibility) || freivalds;
    let arith = crate::layers::needs_arith(model, visibility);
    let shape = CircuitParams {
        k: 1,
        width,
        bits: model.bits,
        luts: model.luts.len(),
        extremum,
        pair_dot,
        compare,
        limbs,
        visibility,
        range_columns,
        requant,
        constants,
        arith,
        min_degree: 0,
        folded_range: false,
        pack_input,
        pack_output,
        freivalds,
    };
    CircuitParams { folded_range: fold && shape.can_fold_range(), ..shape }
}

/// The narrowest width the gadgets this model uses fit in.
pub fn min_width(model: &QuantizedModel, visibility: ModelVisibility) -> usize {
    shape(
        model,
        Layout {
            width: super::config::MIN_WIDTH,
            limbs: 1,
            range_columns: 1,
            pack: false,
            fold: false,
            freivalds: false,
        },
        visibility,
    )
    .min_width()
}

/// What `choose_params` minimises.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Objective {
    /// The prover's work: `2^k × committed columns`.
    #[default]
    Prover,
    /// The on-chain verifier: fewest commitments and queried evaluations (elliptic-curve
    /// multiplications and generated code in the verifier), then the prover's work.
    Verifier,
}

impl std::str::FromStr for Objective {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "prover" => Ok(Self::Prover),
            "verifier" => Ok(Self::Verifier),
            other => Err(format!("unknown objective '{other}' (prover or verifier)")),
        }
    }
}

/// The cost a layout has under `objective`; lower is better.
fn cost_of(stats: &CircuitStats, objective: Objective) -> (u64, u64) {
    let prover = prover_cost(stats);
    match objective {
        Objective::Prover => (prover, 0),
        Objective::Verifier => (verifier_cost(stats), prover),
    }
}

/// The estimate `choose_params` minimises, for comparing layouts of two quantizations.
pub fn estimated_cost(model: &QuantizedModel, params: CircuitParams, objective: Objective) -> (u64, u64) {
    cost_of(&stats(model, params), objective)
}

/// Permutation product columns: each holds `degree - 2` permuted columns.
fn permutation_products(stats: &CircuitStats) -> usize {
    let chunk = stats.max_gate_degree.saturating_sub(2).max(1);
    stats.permutation_columns.div_ceil(chunk)
}

/// Columns the prover commits to: advice, three per lookup argument, the permutation products.
fn committed_columns(stats: &CircuitStats) -> usize {
    stats.advice_columns + 3 * stats.lookup_arguments + permutation_products(stats)
}

/// The on-chain verifier's work in rough gas: every commitment (proof or verifying key) is an
/// elliptic-curve multiplication plus calldata, every evaluation calldata plus field arithmetic.
/// Selectors count as half a fixed column each: keygen compresses those never on the same row.
pub fn verifier_cost(stats: &CircuitStats) -> u64 {
    let products = permutation_products(stats);
    let quotient_chunks = stats.max_gate_degree.saturating_sub(1);
    let commitments = committed_columns(stats)
        + stats.fixed_columns
        + stats.selectors.div_ceil(2)
        + stats.permutation_columns
        + quotient_chunks;
    // product columns open at x and ωx, all but the last also at the last usable row;
    // a lookup opens its product at x and ωx, its permuted input at x and ω⁻¹x, its table at x
    let evaluations = stats.queries + stats.permutation_columns + 3 * products - 1 + 5 * stats.lookup_arguments;
    // a public instance is calldata and a Lagrange basis evaluation
    (commitments * 7_000 + evaluations * 700 + stats.public_instances * 450) as u64
}

/// Estimated prover work: every committed column (the quotient's pieces too) costs an FFT and
/// an MSM of size 2^k, every fixed column an extended-domain FFT.
fn prover_cost(stats: &CircuitStats) -> u64 {
    let quotient_chunks = stats.max_gate_degree.saturating_sub(1);
    ((committed_columns(stats) + quotient_chunks) as u64 * 4 + stats.fixed_columns as u64) << stats.params.k
}

/// The layout for exactly this width and number of limbs (tests pin a layout with it).
pub fn params_for(
    model: &QuantizedModel,
    layout: Layout,
    visibility: ModelVisibility,
) -> Result<CircuitParams, String> {
    smallest_k(model, layout, visibility).map(|(_, s)| s.params)
}

/// The layouts `choose_params` compares for this model: the given width (or every candidate
/// the gadgets fit), one or two range-check limbs, three, six or one range-checked columns, and for
/// the verifier packed public values; each with and without the range check folded into the
/// function lookup.
pub fn candidate_layouts(
    model: &QuantizedModel,
    width: Option<usize>,
    visibility: ModelVisibility,
    objective: Objective,
) -> Vec<Layout> {
    let min = min_width(model, visibility);
    let candidates = match objective {
        Objective::Prover => WIDTH_CANDIDATES.to_vec(),
        Objective::Verifier => NARROW_WIDTHS.iter().chain(&WIDTH_CANDIDATES).copied().collect(),
    };
    let widths = width.map_or_else(|| candidates.into_iter().filter(|&w| w >= min).collect(), |w| vec![w]);
    // two limbs need an even bit count
    let limb_choices: &[u32] = if model.bits.is_multiple_of(2) { &[1, 2] } else { &[1] };
    let range_choices: &[usize] = match objective {
        Objective::Prover => &RANGE_COLUMN_CHOICES,
        Objective::Verifier => &[3, 1],
    };
    // packing only ever saves the verifier work
    let pack_choices: &[bool] = match objective {
        Objective::Prover => &[false],
        Objective::Verifier => &[false, true],
    };
    // the random-challenge check only pays for a Linear over many rows
    let freivalds_choices: &[bool] = if has_batched_linear(model) { &[false, true] } else { &[false] };
    let mut layouts = Vec::new();
    for &width in &widths {
        for &limbs in limb_choices {
            for range_columns in range_choices.iter().copied() {
                for &pack in pack_choices {
                    for &freivalds in freivalds_choices {
                        layouts.extend([false, true].map(|fold| Layout {
                            width,
                            limbs,
                            range_columns,
                            pack,
                            fold,
                            freivalds,
                        }));
                    }
                }
            }
        }
    }
    layouts
}

/// Whether some Linear multiplies a matrix of several rows (a convolution, a batch).
fn has_batched_linear(model: &QuantizedModel) -> bool {
    use crate::quantize::QOp;
    model.nodes.iter().any(|n| matches!(&n.op, QOp::Linear { k, n: cols, .. } if n.len() / cols > 1 && *k > 1))
}

/// Chooses the circuit shape among [`candidate_layouts`] and, for the verifier, a floor on the
/// degree — whichever the cost model finds cheaper.
pub fn choose_params(
    model: &QuantizedModel,
    width: Option<usize>,
    visibility: ModelVisibility,
    objective: Objective,
) -> Result<CircuitParams, String> {
    visibility.validate()?;
    if let Some(w) = width {
        if !(super::config::MIN_WIDTH..=256).contains(&w) {
            return Err(format!("--width must be between {} and 256, got {w}", super::config::MIN_WIDTH));
        }
    }
    // 0: the gates' own degree
    let degree_floors: &[usize] = match objective {
        Objective::Prover => &[0, 5],
        Objective::Verifier => &[0, 4, 5],
    };
    let mut best: Option<((u64, u64), CircuitParams)> = None;
    for layout in candidate_layouts(model, width, visibility, objective) {
        let (_, s) = smallest_k(model, layout, visibility)?;
        for &min_degree in degree_floors {
            let s = if min_degree == 0 { s.clone() } else { stats(model, CircuitParams { min_degree, ..s.params }) };
            let cost = cost_of(&s, objective);
            if best.is_none_or(|(c, _)| cost < c) {
                best = Some((cost, s.params));
            }
        }
    }
    Ok(best.expect("at least one width candidate").1)
}
