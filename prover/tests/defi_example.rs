//! The DeFi example (`examples/defi-risk-score/run.sh`) end to end: salted-input proofs of the
//! credit model (each names its borrower and commits to their salted features), a LendingPool on
//! a real anvil chain that raises Alice's limit on her proof and refuses Bob presenting it (even
//! registered with Alice's commitment), a replay, Bob's high-risk proof and another model's proof.

mod common;

use std::process::Command;

#[test]
fn defi_risk_score_example_raises_a_limit_and_refuses_the_rest() {
    let root = common::models_dir().join("..");
    let out = tempfile::tempdir().unwrap();
    let run = Command::new("bash")
        .arg(root.join("examples/defi-risk-score/run.sh"))
        .env("ZKINFER", env!("CARGO_BIN_EXE_zkinfer"))
        .env("OUT", out.path())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "run.sh failed:\n{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let result: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("result.json")).unwrap()).unwrap();
    assert_eq!(result["alice_limit_before"], 1000);
    assert_eq!(result["alice_limit_after"], 25000);
    for (refusal, reason) in [
        ("bob_with_alices_proof", "OwnerMismatch"),
        ("bob_registered_with_alices_commitment", "OwnerMismatch"),
        ("replay", "ProofReplayed"),
        ("noncanonical_instance", "InvalidProof"),
        ("bob_high_risk", "RiskTooHigh"),
        ("other_model", "InvalidProof"),
    ] {
        assert_eq!(result["refusals"][refusal], reason, "{refusal}");
    }
    assert!(result["checks"].as_object().unwrap().values().all(|v| v == true), "{result}");
    assert!(result["lending_transaction_gas"].as_u64().unwrap() > 100_000);
    // the features never leave the prover: the proof carries their owner and salted commitment
    let proof: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("alice.proof.json")).unwrap()).unwrap();
    assert_eq!(proof["input"], serde_json::json!([]));
    assert_eq!(proof["instances"][0], proof["input_owner"]);
    assert!(proof["input_owner"].as_str().unwrap().ends_with("70997970c51812dc3a010c7d01b50e0d17dc79c8"));
    assert_eq!(proof["instances"][1], proof["input_commitment"]);
}
