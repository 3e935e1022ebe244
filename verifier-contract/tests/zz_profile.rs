//! scratch: gas per phase of the reusable verifier (not committed)
mod common;
use common::{compile_and_prove, instances};
use zkinfer_verifier_contract::evm::Evm;
use zkinfer_verifier_contract::reusable::{self, ReusableKey};

#[test]
fn profile_phases() {
    let src = reusable::VERIFIER_SOURCE;
    let steps = [
        "            loadKey(key)\n",
        "            readTranscript(proof.offset, ni, instances.offset)\n",
        "            batchInvert(mload(0x1a0), fillDenominators())\n",
        "            evaluateQuotient(instances.offset)\n",
        "            shplonkScalars()\n",
    ];
    let models: Vec<String> = std::env::var("MODELS")
        .unwrap_or("linear_regression,logistic_regression,cnn_avgpool".into())
        .split(',')
        .map(String::from)
        .collect();
    for model in models {
        let (_, vk, bundle) = compile_and_prove(&model, &Default::default());
        let key = ReusableKey::encode(&vk.srs, &vk.vk, vk.info.num_instances(), vk.info.pinned_params()).unwrap();
        let proof = bundle.proof_bytes().unwrap();
        let inst = instances(&bundle);
        let mut prev = 0u64;
        let mut line = format!("{model} ({} ops, {} inst):", key.num_ops, inst.len());
        for i in 0..=steps.len() {
            let patched = if i < steps.len() {
                src.replacen(steps[i], &format!("{}            mstore(0, gas()) return(0, 0x20)\n", steps[i]), 1)
            } else {
                src.to_string()
            };
            let compiled = zkinfer_verifier_contract::solc::compile_contract(
                &[("ZkinferReusableVerifier.sol", &patched)],
                "ZkinferReusableVerifier",
                zkinfer_verifier_contract::solc::Optimizer::Full { runs: 200 },
            )
            .unwrap();
            let mut evm = Evm::new();
            let shared = evm.deploy(compiled.creation_bytes()).unwrap();
            let k = evm.deploy(key.creation_code()).unwrap();
            let r = evm.call(shared, reusable::verify_call(k, &proof, &inst)).unwrap();
            assert!(r.success);
            let used = if i < steps.len() {
                16_000_000u64 - u64::from_be_bytes(r.output[24..32].try_into().unwrap())
            } else {
                r.gas_used
            };
            line += &format!(" step{i} {used} (+{})", used as i64 - prev as i64);
            prev = used;
        }
        println!("{line} total {prev}");
    }
}
