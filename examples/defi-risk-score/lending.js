#!/usr/bin/env node
// The on-chain half of the DeFi example: on a fresh anvil chain, deploys the credit model's
// verifier and a LendingPool that pins it, registers two borrowers' feature commitments (as an
// oracle would), and has them request a higher limit with their proofs. Prints one JSON summary;
// exits non-zero if anything behaves otherwise than a lender needs.
//
//   node lending.js settings.json
// settings.json: { verifier_sol, model_digest, owner_index, commitment_index, risk_index, max_risk, alice: {commitment, calldata},
//                  bob: {commitment, calldata}, other_model: {calldata} }, calldata files being
// `zkinfer calldata --json` outputs.
const fs = require('fs');
const path = require('path');
const { compile, startChain, word, signedWord, selector, wrapperArgs, addModulusAt, transact } = require('../../verifier-contract/scripts/chain');

const settings = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const contractsDir = path.join(__dirname, '..', '..', 'verifier-contract', 'contracts');
const read = (f) => fs.readFileSync(f, 'utf8');
const BASE_LIMIT = 1000n;
const RAISED_LIMIT = 25000n;

/// calldata for requestLimitIncrease(bytes,uint256[]): verifyProof's arguments, another selector.
const requestCall = (calldata) => '0x' + selector('requestLimitIncrease(bytes,uint256[])') + calldata.verifyProof_calldata.slice(10);

async function main() {
  const verifierSource = read(settings.verifier_sol);
  const contracts = compile({
    'Verifier.sol': verifierSource,
    'ZkinferVerifier.sol': read(path.join(contractsDir, 'ZkinferVerifier.sol')),
    'ZkinferInstances.sol': read(path.join(contractsDir, 'ZkinferInstances.sol')),
    'LendingPool.sol': read(path.join(contractsDir, 'LendingPool.sol')),
  });
  const runtimeBytes = contracts.Halo2Verifier.runtime.length / 2;
  const oversized = runtimeBytes > 24576;
  const chain = await startChain({ noSizeLimit: oversized });
  const checks = {};
  try {
    const { rpc, send } = chain;
    const [oracle, alice, bob] = await rpc('eth_accounts');
    const alicePlan = JSON.parse(read(settings.alice.calldata));
    const deploy = async (bytecode, args = '') => {
      const r = await send(oracle, { data: '0x' + bytecode + args });
      if (r.status !== '0x1') throw new Error('deployment failed');
      return r.contractAddress;
    };
    const halo2 = await deploy(contracts.Halo2Verifier.bytecode);
    const verifier = await deploy(contracts.ZkinferVerifier.bytecode, word(halo2) + wrapperArgs(alicePlan.instances.length));
    const pool = await deploy(contracts.LendingPool.bytecode,
      word(verifier) + settings.model_digest.replace(/^0x/, '').slice(0, 64) + word(settings.owner_index) + word(settings.commitment_index) +
      word(settings.risk_index) + signedWord(settings.max_risk) + word(BASE_LIMIT) + word(RAISED_LIMIT));
    const limit = async (who) => BigInt(await rpc('eth_call', [{ to: pool, data: '0x' + selector('creditLimit(address)') + word(who) }, 'latest']));
    const register = (who, commitment) => send(oracle, { to: pool, data: '0x' + selector('registerBorrower(address,uint256)') + word(who) + word(commitment) });
    const request = async (who, calldataFile, edit = (data) => data) => {
      const plan = JSON.parse(read(calldataFile));
      return transact(chain, contracts.LendingPool.abi, { from: who, to: pool, data: edit(requestCall(plan)) });
    };

    checks.registered = (await register(alice, settings.alice.commitment)).status === '0x1' && (await register(bob, settings.bob.commitment)).status === '0x1';
    const before = await limit(alice);
    // Bob presents Alice's proof as his own: it names Alice as its owner
    const stolen = await request(bob, settings.alice.calldata);
    // the oracle registers Bob with Alice's commitment by mistake: the proof still names Alice
    await register(bob, settings.alice.commitment);
    const misregistered = await request(bob, settings.alice.calldata);
    await register(bob, settings.bob.commitment);
    // Alice, with her own proof
    const accepted = await request(alice, settings.alice.calldata);
    const after = await limit(alice);
    // the same proof again
    const replayed = await request(alice, settings.alice.calldata);
    // the same proof with the risk instance raised by the field modulus: the same field element
    // to the pairing check, a new statement to a replay guard keyed on the bytes
    const atRisk = (data) => addModulusAt(data, (data.length - 2) / 2 - 32 * (alicePlan.instances.length - settings.risk_index));
    const noncanonical = await request(alice, settings.alice.calldata, atRisk);
    // Bob's own proof: valid, but his risk is above the pool's threshold
    const risky = await request(bob, settings.bob.calldata);
    // a proof from another model, about Alice's same committed features
    const otherModel = await request(alice, settings.other_model.calldata);

    checks.limit_raised = accepted.ok && before === BASE_LIMIT && after === RAISED_LIMIT;
    checks.other_borrower_refused = !stolen.ok && stolen.reason === 'OwnerMismatch';
    checks.other_owner_refused_even_with_the_commitment = !misregistered.ok && misregistered.reason === 'OwnerMismatch';
    checks.replay_refused = !replayed.ok && replayed.reason === 'ProofReplayed';
    checks.noncanonical_instance_refused = !noncanonical.ok && noncanonical.reason === 'InvalidProof';
    checks.high_risk_refused = !risky.ok && risky.reason === 'RiskTooHigh';
    checks.other_model_refused = !otherModel.ok && otherModel.reason === 'InvalidProof';
    console.log(JSON.stringify({
      chain: 'anvil (Osaka)' + (oversized ? ', EIP-170 lifted: the verifier is ' + runtimeBytes + ' bytes' : ''),
      lending_pool: pool, verifier, halo2_verifier: halo2, verifier_runtime_bytes: runtimeBytes,
      alice_limit_before: Number(before), alice_limit_after: Number(after), lending_transaction_gas: accepted.gas,
      refusals: { bob_with_alices_proof: stolen.reason, bob_registered_with_alices_commitment: misregistered.reason, replay: replayed.reason, noncanonical_instance: noncanonical.reason, bob_high_risk: risky.reason, other_model: otherModel.reason },
      checks,
    }, null, 2));
    if (!Object.values(checks).every(Boolean)) process.exitCode = 1;
  } finally {
    chain.stop();
  }
}
main().catch((e) => { console.error('error: ' + e.message); process.exitCode = 1; });
