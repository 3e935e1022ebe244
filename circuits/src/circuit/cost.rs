//! Circuit size: rows per layer, columns, and the choice of `k` and `width` for a model.

use super::config::ModelConfig;
use super::params::CircuitParams;
use super::FIRST_ROW;
use super::visibility::{ModelVisibility, Visibility};
use crate::gadgets::{poseidon, LutGadget};
use crate::layers::node_cost;
use crate::quantize::QuantizedModel;
use halo2_proofs::{halo2curves::bn256::Fr, plonk::ConstraintSystem};
use serde::{Deserialize, Serialize};

/// Widths the compiler tries when none is given.
pub const WIDTH_CANDIDATES: [usize; 7] = [6, 9, 12, 16, 24, 32, 48];
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
            LayerStats { name: node.name.clone(), op: node.op_name.clone(), shape: node.shape.clone(), scale: node.scale, rows: cost.rows, lookups: cost.lookups }
        })
        .collect();
    let vis = params.visibility;
    let param_len = model.param_values(vis.witness_params()).len();
    for (kind, visibility, len) in [("input", vis.input, model.input_node().len()), ("output", vis.output, model.output_len()), ("parameter", vis.params, param_len)] {
        if visibility == Visibility::Hashed {
            layers.push(LayerStats { name: format!("{kind} commitment"), op: "Poseidon".into(), shape: vec![1], scale: 0, rows: poseidon::rows(len), lookups: 0 });
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
        lookup_table_rows: (1 << params.table_bits()) + if params.luts > 0 { LutGadget::table_rows(params.luts, model.lut_domain_bits()) } else { 0 },
        max_gate_degree: cs.degree(),
        queries: cs.advice_queries().len() + cs.fixed_queries().len() + cs.instance_queries().len(),
        public_instances: params.visibility.num_instances(model.input_node().len(), model.output_len(), model.param_values(params.visibility.witness_params()).len()),
        layers,
    }
}

/// The smallest k at which the layers, the tables and the public values fit, for a given width
/// and number of range-check limbs.
fn smallest_k(model: &QuantizedModel, width: usize, limbs: u32, range_columns: usize, visibility: ModelVisibility) -> Result<(u32, CircuitStats), String> {
    if visibility.hashes() && width < 6 {
        return Err(format!("hashing needs a width of at least 6, got {width}"));
    }

    let extremum = model.nodes.iter().any(|n| matches!(n.op, crate::quantize::QOp::Extremum { .. }));
    // witness weights make every Linear a product of two advice vectors
    let linear = visibility.witness_params() && model.nodes.iter().any(|n| matches!(n.op, crate::quantize::QOp::Linear { .. }));
    let pair_dot = linear || model.nodes.iter().any(|n| matches!(n.op, crate::quantize::QOp::MatMul { .. }));
    let compare = model.nodes.iter().any(|n| matches!(n.op, crate::quantize::QOp::Compare { .. }));
    let shape = CircuitParams { k: 1, width, bits: model.bits, luts: model.luts.len(), extremum, pair_dot, compare, limbs, visibility, range_columns };
    let unusable = (constraint_system(shape).blinding_factors() + 1).max(super::BLINDING_MARGIN);
    let layers = layer_stats(model, &shape);
    let rows = FIRST_ROW + layers.iter().map(|l| l.rows).sum::<usize>();
    let lut_rows = if model.luts.is_empty() { 0 } else { LutGadget::table_rows(model.luts.len(), model.lut_domain_bits()) };
    let instances = visibility.num_instances(model.input_node().len(), model.output_len(), model.param_values(visibility.witness_params()).len());
    let needed = rows.max(1 << shape.table_bits()).max(lut_rows).max(instances) + unusable;
    let k = needed.next_power_of_two().trailing_zeros().max(4);
    if k > MAX_K {
        return Err(format!("the circuit needs {rows} rows (k = {k}), more than the supported 2^{MAX_K}"));
    }
    let params = CircuitParams { k, ..shape };
    Ok((k, stats(model, params)))
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
        Objective::Verifier => ((committed_columns(stats) + stats.fixed_columns + stats.queries) as u64, prover),
    }
}

/// The estimate `choose_params` minimises, for comparing layouts of two quantizations.
pub fn estimated_cost(model: &QuantizedModel, params: CircuitParams, objective: Objective) -> (u64, u64) {
    cost_of(&stats(model, params), objective)
}

/// Columns the prover commits to: advice, three per lookup argument, the permutation products.
fn committed_columns(stats: &CircuitStats) -> usize {
    let chunk = stats.max_gate_degree.saturating_sub(2).max(1);
    let permutation = (stats.params.width + 1).div_ceil(chunk);
    stats.advice_columns + 3 * stats.lookup_arguments + permutation
}

/// Estimated prover work: every committed column costs an FFT and an MSM of size 2^k.
fn prover_cost(stats: &CircuitStats) -> u64 {
    (committed_columns(stats) as u64 * 4 + stats.fixed_columns as u64) << stats.params.k
}

/// The layout for exactly this width and number of limbs (tests pin a layout with it).
pub fn params_for(model: &QuantizedModel, width: usize, limbs: u32, range_columns: usize, visibility: ModelVisibility) -> Result<CircuitParams, String> {
    smallest_k(model, width, limbs, range_columns, visibility).map(|(_, s)| s.params)
}

/// Chooses the circuit shape: the given width (or the cheapest of [`WIDTH_CANDIDATES`]), one or
/// two range-check limbs and three or one range-checked columns, whichever the cost model finds
/// cheaper.
pub fn choose_params(model: &QuantizedModel, width: Option<usize>, visibility: ModelVisibility, objective: Objective) -> Result<CircuitParams, String> {
    visibility.validate()?;
    if let Some(w) = width {
        if !(4..=256).contains(&w) {
            return Err(format!("--width must be between 4 and 256, got {w}"));
        }
    }
    let widths = width.map_or(WIDTH_CANDIDATES.to_vec(), |w| vec![w]);
    // two limbs need an even bit count
    let limb_choices: &[u32] = if model.bits % 2 == 0 { &[1, 2] } else { &[1] };
    let mut best: Option<((u64, u64), CircuitParams)> = None;
    for w in widths {
        for &limbs in limb_choices {
            for range_columns in [3, 1] {
                let (_, s) = smallest_k(model, w, limbs, range_columns, visibility)?;
                let cost = cost_of(&s, objective);
                if best.is_none_or(|(c, _)| cost < c) {
                    best = Some((cost, s.params));
                }
            }
        }
    }
    Ok(best.expect("at least one width candidate").1)
}
