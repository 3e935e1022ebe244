//! The credit model as the DeFi example compiles it decides like the float model on inputs
//! across the whole accepted range, not just near the calibration samples: an independent audit
//! found tree thresholds on income above 128 clamped to 128, so that a borrower the model scores
//! 0.351 was proved at 0.298 (under the lending pool's 0.30 bar).

mod common;

use common::*;
use zkinfer::compile::CompileOptions;
use zkinfer_circuits::circuit::cost::Objective;
use zkinfer_circuits::circuit::visibility::{ModelVisibility, Visibility};

fn credit_gbt_as_the_defi_example_compiles_it() -> zkinfer::CompiledModel {
    let example = models_dir().join("../examples/defi-risk-score");
    let mut samples = vec![sample("credit_gbt", "input.json"), sample("credit_gbt", "input2.json")];
    samples.extend(["alice.json", "bob.json"].map(|f| zkinfer::input::read_input(&example.join(f)).unwrap()));
    let opts = CompileOptions {
        visibility: ModelVisibility { input: Visibility::Hashed, ..ModelVisibility::default() },
        objective: Objective::Verifier,
        ..Default::default()
    };
    zkinfer::compile(&onnx("credit_gbt"), &samples, &opts).unwrap()
}

/// The proved label and probabilities, and those of the imported graph in f64.
fn both(compiled: &zkinfer::CompiledModel, x: &[f64]) -> (Vec<Vec<f64>>, Vec<f64>) {
    let m = &compiled.model;
    let proved = m.dequantized_outputs(&m.evaluate(&m.quantize_input(x).unwrap()).unwrap());
    let float = compiled.graph.eval_f64(x);
    (proved, compiled.graph.outputs.iter().flat_map(|&o| float[o].clone()).collect())
}

#[test]
fn the_audited_borrowers_get_the_models_decision() {
    let compiled = credit_gbt_as_the_defi_example_compiles_it();
    for x in [[47.0, 151.0, 35.0, 34.0, 20.0, 6.0, 10.0, 89.0], [48.0, 134.0, 23.0, 1.0, 31.0, 19.0, 6.0, 139.0]] {
        let (proved, float) = both(&compiled, &x);
        assert_eq!(proved[0][0], float[0], "{x:?}: label");
        assert!(
            (proved[1][1] - float[2]).abs() < 0.005,
            "{x:?}: P(default) proved {} float {}",
            proved[1][1],
            float[2]
        );
    }
}

#[test]
fn every_income_in_range_gets_the_models_decision() {
    let compiled = credit_gbt_as_the_defi_example_compiles_it();
    let alice = zkinfer::input::read_input(&models_dir().join("../examples/defi-risk-score/alice.json")).unwrap();
    let mut checked = 0;
    for income in 0..256 {
        let mut x = alice.clone();
        x[1] = income as f64;
        let Ok(_) = compiled.model.quantize_input(&x) else { continue };
        let (proved, float) = both(&compiled, &x);
        assert_eq!(proved[0][0], float[0], "income {income}: label");
        assert!(
            (proved[1][1] - float[2]).abs() < 0.005,
            "income {income}: P(default) proved {} float {}",
            proved[1][1],
            float[2]
        );
        checked += 1;
    }
    assert!(checked > 200, "{checked} incomes in range");
}
