//! The DeFi example (`examples/defi-risk-score/run.sh`) end to end: hashed-input proofs of the
//! credit model, a LendingPool on a real anvil chain that raises Alice's limit on her proof and
//! refuses Bob presenting it, a replay, Bob's high-risk proof and another model's proof.

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
        ("bob_with_alices_proof", "CommitmentMismatch"),
        ("replay", "ProofReplayed"),
        ("noncanonical_instance", "InvalidProof"),
        ("bob_high_risk", "RiskTooHigh"),
        ("other_model", "InvalidProof"),
    ] {
        assert_eq!(result["refusals"][refusal], reason, "{refusal}");
    }
    assert!(result["checks"].as_object().unwrap().values().all(|v| v == true), "{result}");
    assert!(result["lending_transaction_gas"].as_u64().unwrap() > 100_000);
    // the features never leave the prover: the proof carries only their commitment
    let proof: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("alice.proof.json")).unwrap()).unwrap();
    assert_eq!(proof["input"], serde_json::json!([]));
    assert_eq!(proof["instances"][0], proof["input_commitment"]);
}
