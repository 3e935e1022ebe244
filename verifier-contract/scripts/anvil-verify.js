#!/usr/bin/env node
// Verifies a zkinfer proof on a real local chain: starts anvil (npm @foundry-rs/anvil, Osaka
// rules) on 127.0.0.1, deploys the Halo2Verifier and ZkinferVerifier from a Verifier.sol written
// by `zkinfer gen-verifier`, sends a verifyProof transaction, a tampered proof and a
// non-canonical instance (the first instance plus the field modulus), prints the gas, and stops
// anvil.
//
//   node path/to/verifier-contract/scripts/anvil-verify.js Verifier.sol calldata.json [gen-verifier.json]
// where calldata.json is the output of `zkinfer calldata --proof proof.json --json` and the
// optional gen-verifier.json that of `zkinfer gen-verifier --json` (it names the parameters a
// witness-parameter model's ZkinferVerifier pins). It runs from any working directory: the
// file arguments are relative to the current directory, and what the script itself needs
// (chain.js, solc-js, anvil) is found relative to this file.
const fs = require('fs');
const path = require('path');

const packageDir = path.join(__dirname, '..');
const fail = (message) => {
  console.error('error: ' + message);
  process.exit(2);
};
const [solPath, calldataPath, genPath] = process.argv.slice(2);
if (!solPath || !calldataPath) fail('usage: anvil-verify.js Verifier.sol calldata.json [gen-verifier.json]');
if (!fs.existsSync(path.join(packageDir, 'node_modules', 'solc'))) fail(`solc-js and anvil are not installed: run npm ci --prefix ${packageDir}`);
/// The text of a file argument (relative to the current directory), or a clear error.
const readArg = (file, what) => {
  const resolved = path.resolve(process.cwd(), file);
  if (!fs.existsSync(resolved)) fail(`${what} '${file}' does not exist (looked for ${resolved})`);
  return fs.readFileSync(resolved, 'utf8');
};
const { compile, startChain, word, wrapperArgs, addModulusAt } = require(path.join(__dirname, 'chain.js'));

async function main() {
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
main().catch((e) => { console.error('error: ' + e.message); process.exitCode = 1; });
