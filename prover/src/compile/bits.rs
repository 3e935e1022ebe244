//! How many bits every requantized value gets when the user leaves the choice to `compile`
//! (`--calibration-target`, as EZKL's `calibrate-settings` has it): the default trade (more bits
//! where they cost at most 10% more), `accuracy` (the most bits that compile and evaluate on every
//! sample) or `resources` (the cheapest circuit whose quantization error stays small).

use super::CompileOptions;
use crate::error::{Result, ZkError};
use zkinfer_circuits::circuit::cost::{choose_params, estimated_cost, Objective};
use zkinfer_circuits::quantize::quantize;
use zkinfer_circuits::{CircuitParams, Graph, QuantizeOptions, QuantizedModel};

/// What the choice of bits optimizes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CalibrationTarget {
    /// The requested bits, or 14/16 where that raises the estimated cost by at most 10%.
    #[default]
    Balanced,
    /// The most bits (16, 14, then the requested) that quantize, evaluate and lay out.
    Accuracy,
    /// The cheapest of 8, 10 and the requested bits whose outputs stay within
    /// [`RESOURCES_ERROR`] of the imported graph's f64 run on every sample.
    Resources,
}

impl std::str::FromStr for CalibrationTarget {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "balanced" => Ok(Self::Balanced),
            "accuracy" => Ok(Self::Accuracy),
            "resources" => Ok(Self::Resources),
            other => Err(format!("unknown calibration target '{other}' (balanced, accuracy or resources)")),
        }
    }
}

/// Bit counts tried above the requested one.
const MORE_BITS: [u32; 2] = [16, 14];
/// Bit counts `resources` tries below the requested one.
const FEWER_BITS: [u32; 2] = [8, 10];
/// The largest error `resources` accepts, relative to each output's largest magnitude (at least
/// 1) on the calibration samples: the bound the tests assert for bundled models.
pub const RESOURCES_ERROR: f64 = 0.02;

/// The quantized model and its layout, at the bits `opts` asks for or the target chooses.
pub fn quantize_and_lay_out(
    graph: &Graph,
    samples: &[Vec<f64>],
    opts: &CompileOptions,
) -> Result<(QuantizedModel, CircuitParams)> {
    let model = quantize(graph, samples, &opts.quantize).map_err(ZkError::Compile)?;
    let params = choose_params(&model, opts.width, opts.visibility, opts.objective).map_err(ZkError::Compile)?;
    if opts.exact_bits {
        return Ok((model, params));
    }
    let base = opts.quantize.bits;
    let cost = |m: &QuantizedModel, p: CircuitParams| estimated_cost(m, p, opts.objective);
    match opts.target {
        CalibrationTarget::Balanced => {
            let mut wider =
                MORE_BITS.into_iter().filter(|&b| b > base).filter_map(|b| candidate(graph, samples, opts, b));
            let base_cost = cost(&model, params);
            Ok(wider.find(|(m, p)| within_tolerance(cost(m, *p), base_cost, opts.objective)).unwrap_or((model, params)))
        }
        CalibrationTarget::Accuracy => {
            let mut wider =
                MORE_BITS.into_iter().filter(|&b| b > base).filter_map(|b| candidate(graph, samples, opts, b));
            Ok(wider.next().unwrap_or((model, params)))
        }
        CalibrationTarget::Resources => {
            let fewer = FEWER_BITS.into_iter().filter(|&b| b < base).filter_map(|b| candidate(graph, samples, opts, b));
            let accurate = fewer.filter(|(m, _)| within_error(graph, m, samples, RESOURCES_ERROR));
            Ok(accurate.chain([(model, params)]).min_by_key(|(m, p)| cost(m, *p)).expect("the base is a candidate"))
        }
    }
}

/// The model at `bits`, when it quantizes, every sample evaluates, and a layout fits.
fn candidate(
    graph: &Graph,
    samples: &[Vec<f64>],
    opts: &CompileOptions,
    bits: u32,
) -> Option<(QuantizedModel, CircuitParams)> {
    let model = quantize(graph, samples, &QuantizeOptions { bits, ..opts.quantize.clone() }).ok()?;
    let evaluates = samples.iter().all(|s| model.quantize_input(s).ok().is_some_and(|x| model.evaluate(&x).is_ok()));
    let params = choose_params(&model, opts.width, opts.visibility, opts.objective).ok()?;
    evaluates.then_some((model, params))
}

/// Whether every output of `model` stays within `tolerance` × max(its largest |value|, 1) of
/// the imported graph's f64 run on every sample.
fn within_error(graph: &Graph, model: &QuantizedModel, samples: &[Vec<f64>], tolerance: f64) -> bool {
    samples.iter().all(|s| {
        let Some(witness) = model.quantize_input(s).ok().and_then(|x| model.evaluate(&x).ok()) else { return false };
        let values = graph.eval_f64(s);
        model.dequantized_outputs(&witness).iter().zip(&graph.outputs).all(|(q, &o)| {
            let range = values[o].iter().fold(1f64, |m, v| m.max(v.abs()));
            q.iter().zip(&values[o]).all(|(a, b)| (a - b).abs() <= tolerance * range)
        })
    })
}

/// Whether a layout's cost is close enough to the base's to take the extra bits: the price
/// `compile` pays by default for precision. For the prover objective, at most 10% more work.
/// For the verifier objective, a verifier at most 2% dearer (a queried limb or two) and at most
/// four times the prover's work (two more k) — bits matter to a score a contract acts on.
fn within_tolerance(wider: (u64, u64), base: (u64, u64), objective: Objective) -> bool {
    let within = |a: u64, b: u64, factor: f64| a as f64 <= b as f64 * factor;
    match objective {
        Objective::Prover => within(wider.0, base.0, 1.10),
        Objective::Verifier => within(wider.0, base.0, 1.02) && within(wider.1, base.1, 4.0),
    }
}
