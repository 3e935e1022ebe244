#!/usr/bin/env node
// The on-chain half of the DeFi batch example: on a fresh anvil chain, deploys the aggregate's
// verifier, the ZkinferVerifier wrapper and BatchRiskScores, registers N borrowers' feature
// commitments (as an oracle would), and submits all N scores in one transaction with one
// aggregated proof. Prints one JSON summary; exits non-zero if anything behaves otherwise than a
// lender needs.
//
//   node lending-batch.js batch-settings.json
// batch-settings.json: { verifier_sol, model_digest, slot_instances, owner_index,
//   commitment_index, risk_index, max_risk, scale, calldata, borrowers: [{name, address,
//   commitment}] }, calldata being `zkinfer calldata --json` of the aggregate; each borrower's
//   address is the owner their salted commitment names.
const fs = require('fs');
const path = require('path');
const { compile, startChain, word, signedWord, selector, wrapperArgs, FIELD_MODULUS, transact, errorName, revertData } = require('../../verifier-contract/scripts/chain');

const settings = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const contractsDir = path.join(__dirname, '..', '..', 'verifier-contract', 'contracts');
const read = (f) => fs.readFileSync(f, 'utf8');
const BASE_LIMIT = 1000n;
const RAISED_LIMIT = 25000n;
const STALENESS_WINDOW = 30n * 24n * 3600n; // a month
const LIMBS = 12;

/// ABI encoding of submitScores(bytes proof, uint256[] instances, address[] borrowers).
function submitCall(proofHex, instances, borrowers) {
  const proof = proofHex.replace(/^0x/, '');
  const proofLen = proof.length / 2;
  const padded = proof + '0'.repeat((64 - (proof.length % 64)) % 64);
  const array = (xs) => word(xs.length) + xs.map((x) => word(x)).join('');
  const head = 3 * 32;
  const proofPart = word(proofLen) + padded;
  const instancesPart = array(instances);
  const offsets = [head, head + proofPart.length / 2, head + proofPart.length / 2 + instancesPart.length / 2];
  return '0x' + selector('submitScores(bytes,uint256[],address[])') + offsets.map(word).join('') + proofPart + instancesPart + array(borrowers);
}

async function main() {
  const contracts = compile({
    'AggregateVerifier.sol': read(settings.verifier_sol),
    'ZkinferVerifier.sol': read(path.join(contractsDir, 'ZkinferVerifier.sol')),
    'ZkinferInstances.sol': read(path.join(contractsDir, 'ZkinferInstances.sol')),
    'BatchRiskScores.sol': read(path.join(contractsDir, 'BatchRiskScores.sol')),
  });
  const runtimeBytes = contracts.Halo2Verifier.runtime.length / 2;
  const oversized = runtimeBytes > 24576;
  const chain = await startChain({ noSizeLimit: oversized });
  const checks = {};
  try {
    const { rpc, send } = chain;
    const accounts = await rpc('eth_accounts');
    const oracle = accounts[0];
    const plan = JSON.parse(read(settings.calldata));
    const instances = plan.instances.map(BigInt);
    const n = settings.borrowers.length;
    // one address per borrower, in the aggregate's order: the owner each slot names
    const addresses = settings.borrowers.map((b) => b.address.toLowerCase());
    const deploy = async (bytecode, args = '') => {
      const r = await send(oracle, { data: '0x' + bytecode + args });
      if (r.status !== '0x1') throw new Error('deployment failed');
      return r.contractAddress;
    };
    const halo2 = await deploy(contracts.Halo2Verifier.bytecode);
    const verifier = await deploy(contracts.ZkinferVerifier.bytecode, word(halo2) + wrapperArgs(instances.length));
    const scores = await deploy(contracts.BatchRiskScores.bytecode,
      word(verifier) + settings.model_digest.replace(/^0x/, '').slice(0, 64) + word(settings.slot_instances) + word(settings.owner_index) + word(settings.commitment_index) +
      word(settings.risk_index) + signedWord(settings.max_risk) + word(STALENESS_WINDOW) + word(BASE_LIMIT) + word(RAISED_LIMIT));
    const view = async (signature, who) => rpc('eth_call', [{ to: scores, data: '0x' + selector(signature) + word(who) }, 'latest']);
    const limit = async (who) => BigInt(await view('creditLimit(address)', who));
    const register = (who, commitment) => send(oracle, { to: scores, data: '0x' + selector('registerBorrower(address,uint256)') + word(who) + word(commitment) });
    const abi = contracts.BatchRiskScores.abi;
    const submit = (xs, who = addresses) => transact(chain, abi, { from: oracle, to: scores, data: submitCall(plan.proof, xs, who) });
    const slot = (i, at) => LIMBS + i * settings.slot_instances + at;

    let registered = true;
    for (let i = 0; i < n; i++) registered = registered && (await register(addresses[i], settings.borrowers[i].commitment)).status === '0x1';
    checks.registered = registered;
    // the borrowers named in another order: each slot names another owner
    const reordered = n > 1 ? await submit(instances, [...addresses.slice(1), addresses[0]]) : null;
    // a risk lowered in the instances: the aggregate's proof no longer holds
    const lowered = [...instances];
    lowered[slot(n - 1, settings.risk_index)] = 0n;
    const tampered = await submit(lowered);
    // a non-canonical instance: the same field element, another number to the contract
    const raised = [...instances];
    raised[slot(0, settings.risk_index)] += FIELD_MODULUS;
    const noncanonical = await submit(raised);
    // the batch, once
    const accepted = await submit(instances);
    const replayed = await submit(instances);
    const risks = instances.filter((_, i) => i >= LIMBS && (i - LIMBS) % settings.slot_instances === settings.risk_index);
    const outcome = [];
    for (let i = 0; i < n; i++) {
      const risk = Number(risks[i] > FIELD_MODULUS / 2n ? risks[i] - FIELD_MODULUS : risks[i]);
      outcome.push({ borrower: settings.borrowers[i].name, risk: Number((risk / 2 ** settings.scale).toFixed(4)), limit: Number(await limit(addresses[i])), low_risk: risk <= settings.max_risk });
    }
    let freshScore = null;
    try { freshScore = BigInt(await view('currentRisk(address)', addresses[0])); } catch (e) { freshScore = null; }
    // a month and a day later: the scores on record have expired, and the registered features
    // are stale (checked before the replay guard: the same batch is refused for that)
    await rpc('evm_increaseTime', [Number(STALENESS_WINDOW) + 86400]);
    await rpc('evm_mine');
    let expiredScore = null;
    try { await view('currentRisk(address)', addresses[0]); } catch (e) { expiredScore = errorName(abi, revertData(e)); }
    const stale = await submit(instances);

    checks.batch_accepted = accepted.ok;
    checks.limits_follow_risk = outcome.every((o) => BigInt(o.limit) === (o.low_risk ? RAISED_LIMIT : BASE_LIMIT));
    checks.reordered_refused = n === 1 || (!reordered.ok && reordered.reason === 'OwnerMismatch');
    checks.tampered_instance_refused = !tampered.ok && tampered.reason === 'InvalidProof';
    checks.noncanonical_instance_refused = !noncanonical.ok && noncanonical.reason === 'InvalidProof';
    checks.replay_refused = !replayed.ok && replayed.reason === 'ProofReplayed';
    checks.score_readable_while_fresh = freshScore !== null;
    checks.expired_score_refused = expiredScore === 'ScoreExpired';
    checks.stale_features_refused = !stale.ok && stale.reason === 'FeaturesExpired';
    console.log(JSON.stringify({
      chain: 'anvil (Osaka)' + (oversized ? ', EIP-170 lifted: the aggregate verifier is ' + runtimeBytes + ' bytes' : ''),
      batch_risk_scores: scores, verifier, halo2_verifier: halo2, verifier_runtime_bytes: runtimeBytes,
      scores: n, batch_transaction_gas: accepted.gas, gas_per_score: Math.round(accepted.gas / n), borrowers: outcome,
      refusals: { reordered: reordered && reordered.reason, tampered_instance: tampered.reason, noncanonical_instance: noncanonical.reason, replay: replayed.reason, expired_score: expiredScore, stale_features: stale.reason },
      checks,
    }, null, 2));
    if (!Object.values(checks).every(Boolean)) process.exitCode = 1;
  } finally {
    chain.stop();
  }
}
main().catch((e) => { console.error('error: ' + e.message); process.exitCode = 1; });
