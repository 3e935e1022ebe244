#!/usr/bin/env node
// Verifies a zkinfer proof on a real local chain: starts anvil (npm @foundry-rs/anvil, Osaka
// rules) on 127.0.0.1, deploys the Halo2Verifier and ZkinferVerifier from a Verifier.sol written
// by `zkinfer gen-verifier`, sends a verifyProof transaction, a tampered proof and a
// non-canonical instance (the first instance plus the field modulus), prints the gas, and stops
// anvil.
//
//   node path/to/verifier-contract/scripts/anvil-verify.js Verifier.sol calldata.json [gen-verifier.json]
//   node path/to/verifier-contract/scripts/anvil-verify.js --reusable ZkinferReusableVerifier.sol verifier-key.json calldata.json
// where calldata.json is the output of `zkinfer calldata --proof proof.json --json` and the
// optional gen-verifier.json that of `zkinfer gen-verifier --json` (it names the parameters a
// witness-parameter model's ZkinferVerifier pins). With --reusable, the files are those of
// `zkinfer gen-verifier --reusable -o ZkinferReusableVerifier.sol --key-out verifier-key.json`:
// the shared verifier and the model's key contract are deployed, and verifyProof(key, proof,
// instances) is sent, then called with a tampered proof, a non-canonical instance and a contract
// that is not a key. It runs from any working directory: the
// file arguments are relative to the current directory, and what the script itself needs
// (chain.js, solc-js, anvil) is found relative to this file.
const fs = require('fs');
const path = require('path');

const packageDir = path.join(__dirname, '..');
const fail = (message) => {
  console.error('error: ' + message);
  process.exit(2);
};
const args = process.argv.slice(2);
const reusableMode = args[0] === '--reusable';
const usage = 'usage: anvil-verify.js Verifier.sol calldata.json [gen-verifier.json]\n       anvil-verify.js --reusable ZkinferReusableVerifier.sol verifier-key.json calldata.json';
if (reusableMode ? args.length !== 4 : !args[0] || !args[1]) fail(usage);
if (!fs.existsSync(path.join(packageDir, 'node_modules', 'solc'))) fail(`solc-js and anvil are not installed: run npm ci --prefix ${packageDir}`);
/// The text of a file argument (relative to the current directory), or a clear error.
const readArg = (file, what) => {
  const resolved = path.resolve(process.cwd(), file);
  if (!fs.existsSync(resolved)) fail(`${what} '${file}' does not exist (looked for ${resolved})`);
  return fs.readFileSync(resolved, 'utf8');
};
const { compile, compileWith, startChain, word, selector, wrapperArgs, addModulusAt } = require(path.join(__dirname, 'chain.js'));
const { keccak256 } = require(path.join(packageDir, 'node_modules', 'js-sha3'));

async function main() {
  return reusableMode ? reusable(...args.slice(1)) : perModel(...args);
}

async function perModel(solPath, calldataPath, genPath) {
  const contracts = compile({ 'Verifier.sol': readArg(solPath, 'the verifier source') });
  const calldata = JSON.parse(readArg(calldataPath, 'the calldata file'));
  const pinned = genPath ? JSON.parse(readArg(genPath, 'the gen-verifier output')).wrapper_constructor : null;
  const chain = await startChain();
  try {
    const { rpc, send } = chain;
    const [from] = await rpc('eth_accounts');
    const deployed = await send(from, { data: '0x' + contracts.Halo2Verifier.bytecode });
    if (deployed.status !== '0x1') throw new Error('deploying Halo2Verifier failed (runtime size ' + contracts.Halo2Verifier.runtime.length / 2 + ' bytes; EIP-170 allows 24576)');
    const halo2 = deployed.contractAddress;
    const n = calldata.instances.length;
    const wrapper = (await send(from, { data: '0x' + contracts.ZkinferVerifier.bytecode + word(halo2) + wrapperArgs(n, pinned) })).contractAddress;

    const ok = await send(from, { to: wrapper, data: calldata.verifyProof_calldata });
    const result = await rpc('eth_call', [{ from, to: wrapper, data: calldata.verifyProof_calldata }, 'latest']);
    const raw = await send(from, { to: halo2, data: calldata.raw_calldata });
    // flip one byte in the proof part of the raw calldata: the verifier must revert
    const bad = calldata.raw_calldata.slice(0, -10) + (calldata.raw_calldata.slice(-10, -9) === '0' ? '1' : '0') + calldata.raw_calldata.slice(-9);
    const tampered = await send(from, { to: halo2, data: bad });
    // instance 0 + r: the same field element to the pairing check, another number to a reader
    const wrappedBytes = (calldata.verifyProof_calldata.length - 2) / 2;
    const noncanonical = addModulusAt(calldata.verifyProof_calldata, wrappedBytes - 32 * n);
    const noncanonicalResult = await rpc('eth_call', [{ from, to: wrapper, data: noncanonical }, 'latest']);
    const noncanonicalRaw = await send(from, { to: halo2, data: addModulusAt(calldata.raw_calldata, 0) });
    const noncanonicalRejected = BigInt(noncanonicalResult) === 0n && noncanonicalRaw.status === '0x0';
    const accepted = ok.status === '0x1' && BigInt(result) === 1n && raw.status === '0x1';
    console.log(JSON.stringify({
      chain: 'anvil (Osaka)', halo2_verifier: halo2, zkinfer_verifier: wrapper,
      runtime_bytes: contracts.Halo2Verifier.runtime.length / 2,
      verifyProof_gas: parseInt(ok.gasUsed, 16), raw_verify_gas: parseInt(raw.gasUsed, 16),
      accepted, tampered_rejected: tampered.status === '0x0', noncanonical_instance_rejected: noncanonicalRejected,
    }, null, 2));
    if (!accepted || tampered.status !== '0x0' || !noncanonicalRejected) process.exitCode = 1;
  } finally {
    chain.stop();
  }
}
/// Calldata of ZkinferReusableVerifier.verifyProof(address key, bytes proof, uint256[] instances).
const reusableCall = (key, proofHex, instances) => {
  const proof = proofHex.replace(/^0x/, '');
  const padded = proof.padEnd(Math.ceil(proof.length / 64) * 64, '0');
  const instancesAt = 0x60 + 32 + padded.length / 2;
  return '0x' + selector('verifyProof(address,bytes,uint256[])') + word(key) + word(0x60) + word(instancesAt) +
    word(proof.length / 2) + padded + word(instances.length) + instances.map(word).join('');
};

async function reusable(solPath, keyPath, calldataPath) {
  // as the Rust side compiles it (reusable::compile_verifier): the full optimizer, 200 runs
  const shared = compileWith({ 'ZkinferReusableVerifier.sol': readArg(solPath, 'the verifier source') }, { runs: 200, yul: true }).ZkinferReusableVerifier;
  if (!shared) fail(`'${solPath}' does not hold ZkinferReusableVerifier (write it with zkinfer gen-verifier --reusable)`);
  const key = JSON.parse(readArg(keyPath, 'the key file'));
  if (key.format !== 'zkinfer-reusable-key-v2') fail(`'${keyPath}' is not a key file of zkinfer gen-verifier --reusable`);
  const calldata = JSON.parse(readArg(calldataPath, 'the calldata file'));
  if (calldata.instances.length !== key.num_instances) fail(`the proof has ${calldata.instances.length} instances, the key ${key.num_instances}: another model's proof`);
  const chain = await startChain();
  try {
    const { rpc, send } = chain;
    const [from] = await rpc('eth_accounts');
    const verifierTx = await send(from, { data: '0x' + shared.bytecode });
    const keyTx = await send(from, { data: key.creation_code });
    if (verifierTx.status !== '0x1' || keyTx.status !== '0x1') throw new Error('deploying the verifier or the key failed');
    const [verifier, keyAddress] = [verifierTx.contractAddress, keyTx.contractAddress];
    const code = await rpc('eth_getCode', [keyAddress, 'latest']);
    const codehashMatches = '0x' + keccak256(Buffer.from(code.slice(2), 'hex')) === key.codehash;
    const returnsTrue = async (data) => BigInt(await rpc('eth_call', [{ from, to: verifier, data }, 'latest'])) === 1n;
    const good = reusableCall(keyAddress, calldata.proof, calldata.instances);
    const ok = await send(from, { to: verifier, data: good });
    const accepted = ok.status === '0x1' && (await returnsTrue(good));
    const proof = calldata.proof;
    const flipped = proof.slice(0, 100) + (proof[100] === '0' ? '1' : '0') + proof.slice(101);
    const tamperedRejected = !(await returnsTrue(reusableCall(keyAddress, flipped, calldata.instances)));
    const raised = [(BigInt(calldata.instances[0]) + 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001n).toString(), ...calldata.instances.slice(1)];
    const noncanonicalRejected = !(await returnsTrue(reusableCall(keyAddress, proof, raised)));
    const notAKeyRejected = !(await returnsTrue(reusableCall(verifier, proof, calldata.instances)));
    console.log(JSON.stringify({
      chain: 'anvil (Osaka)', reusable_verifier: verifier, key: keyAddress,
      verifier_runtime_bytes: shared.runtime.length / 2, key_runtime_bytes: (code.length - 2) / 2, key_codehash_matches: codehashMatches,
      verifyProof_gas: parseInt(ok.gasUsed, 16), accepted, tampered_rejected: tamperedRejected,
      noncanonical_instance_rejected: noncanonicalRejected, not_a_key_rejected: notAKeyRejected,
    }, null, 2));
    if (!accepted || !tamperedRejected || !noncanonicalRejected || !notAKeyRejected || !codehashMatches) process.exitCode = 1;
  } finally {
    chain.stop();
  }
}

main().catch((e) => { console.error('error: ' + e.message); process.exitCode = 1; });
