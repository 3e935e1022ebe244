//! The circuit lint over every bundled model, in the layouts the compiler can choose: no gadget
//! may leave a cell it reads unassigned or unpinned (see `zkinfer_circuits::lint`).
//!
//! Small models are linted in every candidate layout of both objectives; the large ones (where a
//! layout takes seconds) in the layout each objective picks and, at the prover's width, in every
//! variant of the gadget options the prover searches (limbs, range-checked columns, folding;
//! packing is linted on the small models and the chosen verifier layouts).

mod common;

use common::*;
use std::collections::HashSet;
use zkinfer::compile::CompileOptions;
use zkinfer_circuits::circuit::cost::{candidate_layouts, choose_params, params_for, Layout, Objective};
use zkinfer_circuits::circuit::visibility::{ModelVisibility, Visibility};
use zkinfer_circuits::lint::lint_model;
use zkinfer_circuits::{CircuitParams, ModelCircuit, QuantizedModel};

const LARGE: [&str; 4] = ["attention", "cnn_avgpool", "cnn_maxpool", "mnist_mlp"];

fn quantized(model: &str, visibility: ModelVisibility) -> QuantizedModel {
    let samples = vec![sample(model, "input.json"), sample(model, "input2.json")];
    zkinfer::compile(&onnx(model), &samples, &CompileOptions { visibility, ..Default::default() }).unwrap().model
}

/// Every layout to lint for `model`, deduplicated by the circuit they make.
fn layouts(model: &QuantizedModel, name: &str, visibility: ModelVisibility) -> Vec<CircuitParams> {
    let objectives = [Objective::Prover, Objective::Verifier];
    let in_layout = |l: Layout| params_for(model, l, visibility).ok();
    let all: Vec<CircuitParams> = if LARGE.contains(&name) {
        let chosen: Vec<CircuitParams> =
            objectives.iter().map(|&o| choose_params(model, None, visibility, o).unwrap()).collect();
        let variants = candidate_layouts(model, Some(chosen[0].width), visibility, Objective::Prover);
        chosen.into_iter().chain(variants.into_iter().filter_map(in_layout)).collect()
    } else {
        objectives.iter().flat_map(|&o| candidate_layouts(model, None, visibility, o)).filter_map(in_layout).collect()
    };
    let mut seen = HashSet::new();
    all.into_iter().filter(|p| seen.insert(serde_json::to_string(p).unwrap())).collect()
}

fn lint_all(name: &str, visibility: ModelVisibility) -> usize {
    let model = quantized(name, visibility);
    let input = model.quantize_input(&sample(name, "input.json")).unwrap();
    let witness = model.evaluate(&input).unwrap();
    let outputs: Vec<Vec<i128>> = model.outputs.iter().map(|&o| witness.out[o].clone()).collect();
    let model = std::sync::Arc::new(model);
    let layouts = layouts(&model, name, visibility);
    for params in &layouts {
        let instances = ModelCircuit::instances(params, &model, &input, &outputs, None);
        let circuit = ModelCircuit::new(model.clone(), *params, Some(input.clone()));
        let report = lint_model(&circuit, &instances).unwrap();
        assert!(report.is_clean(), "{name} {visibility:?} {params:?}:\n{report}");
        assert!(
            report.counts.active_constraints > 0 && report.counts.cells_read > 0,
            "{name}: the lint looked at nothing"
        );
    }
    layouts.len()
}

#[test]
fn every_bundled_model_is_clean_in_its_layouts() {
    let mut total = 0;
    for name in MODELS {
        total += lint_all(name, ModelVisibility::default());
    }
    println!("{total} circuits linted");
    assert!(total > 100, "{total}");
}

#[test]
fn small_models_are_clean_in_every_visibility() {
    use Visibility::*;
    let v = |input, output, params| ModelVisibility { input, output, params };
    for visibility in [
        v(Hashed, Public, Fixed),
        v(Private, Hashed, Fixed),
        v(Public, Public, Public),
        v(Public, Public, Hashed),
        v(Public, Private, Private),
    ] {
        for name in ["linear_regression", "credit_gbt", "mlp_activations"] {
            lint_all(name, visibility);
        }
    }
}
