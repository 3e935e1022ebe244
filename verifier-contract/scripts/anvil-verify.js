#!/usr/bin/env node
// Verifies a zkinfer proof on a real local chain: starts anvil (npm @foundry-rs/anvil, Osaka
// rules) on 127.0.0.1, deploys the Halo2Verifier and ZkinferVerifier from a Verifier.sol written
// by `zkinfer gen-verifier`, sends a verifyProof transaction and a tampered one, prints the gas,
// and stops anvil.
//
//   node scripts/anvil-verify.js Verifier.sol calldata.json
// where calldata.json is the output of `zkinfer calldata --proof proof.json --json`.
const fs = require('fs');
const path = require('path');
const { spawn, execFileSync } = require('child_process');

const [solPath, calldataPath] = process.argv.slice(2);
if (!solPath || !calldataPath) {
  console.error('usage: anvil-verify.js Verifier.sol calldata.json');
  process.exit(2);
}
const here = path.join(__dirname, '..');
const anvilBin = path.join(here, 'node_modules', '@foundry-rs', `anvil-${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}`, 'bin', 'anvil');
if (!fs.existsSync(anvilBin)) {
  console.error(`anvil not found at ${anvilBin}: run npm ci --prefix ${here}`);
  process.exit(1);
}

function compile(source) {
  const out = execFileSync('node', [path.join(__dirname, 'solc.js')], { input: JSON.stringify({ sources: { 'Verifier.sol': source }, optimizer_runs: null }), maxBuffer: 1 << 30 });
  const result = JSON.parse(out);
  if (result.errors.length) throw new Error(result.errors.join('\n'));
  return result.contracts;
}

const port = 20000 + Math.floor(Math.random() * 20000);
const url = `http://127.0.0.1:${port}`;
let id = 0;
async function rpc(method, params = []) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }) });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function send(from, tx) {
  const hash = await rpc('eth_sendTransaction', [{ from, gas: '0xf42400', ...tx }]);
  for (let i = 0; i < 100; i++) {
    const receipt = await rpc('eth_getTransactionReceipt', [hash]);
    if (receipt) return receipt;
    await sleep(50);
  }
  throw new Error(`no receipt for ${hash}`);
}

const pad = (n) => BigInt(n).toString(16).padStart(64, '0');

async function main() {
  const contracts = compile(fs.readFileSync(solPath, 'utf8'));
  const calldata = JSON.parse(fs.readFileSync(calldataPath, 'utf8'));
  const anvil = spawn(anvilBin, ['--host', '127.0.0.1', '--port', String(port), '--hardfork', 'osaka', '--silent'], { stdio: 'ignore' });
  try {
    for (let i = 0; ; i++) {
      try { await rpc('eth_chainId'); break; } catch (e) { if (i > 100) throw new Error('anvil did not start'); await sleep(100); }
    }
    const [from] = await rpc('eth_accounts');
    const deployed = await send(from, { data: '0x' + contracts.Halo2Verifier.bytecode });
    if (deployed.status !== '0x1') throw new Error('deploying Halo2Verifier failed (runtime size ' + contracts.Halo2Verifier.runtime.length / 2 + ' bytes; EIP-170 allows 24576)');
    const halo2 = deployed.contractAddress;
    const wrapper = (await send(from, { data: '0x' + contracts.ZkinferVerifier.bytecode + pad(halo2) + pad(calldata.instances.length) })).contractAddress;

    const ok = await send(from, { to: wrapper, data: calldata.verifyProof_calldata });
    const result = await rpc('eth_call', [{ from, to: wrapper, data: calldata.verifyProof_calldata }, 'latest']);
    const raw = await send(from, { to: halo2, data: calldata.raw_calldata });
    // flip one byte in the proof part of the raw calldata: the verifier must revert
    const bad = calldata.raw_calldata.slice(0, -10) + (calldata.raw_calldata.slice(-10, -9) === '0' ? '1' : '0') + calldata.raw_calldata.slice(-9);
    const tampered = await send(from, { to: halo2, data: bad });
    const accepted = ok.status === '0x1' && BigInt(result) === 1n && raw.status === '0x1';
    console.log(JSON.stringify({
      chain: 'anvil (Osaka)', halo2_verifier: halo2, zkinfer_verifier: wrapper,
      runtime_bytes: contracts.Halo2Verifier.runtime.length / 2,
      verifyProof_gas: parseInt(ok.gasUsed, 16), raw_verify_gas: parseInt(raw.gasUsed, 16),
      accepted, tampered_rejected: tampered.status === '0x0',
    }, null, 2));
    if (!accepted || tampered.status !== '0x0') process.exitCode = 1;
  } finally {
    anvil.kill();
  }
}
main().catch((e) => { console.error('error: ' + e.message); process.exitCode = 1; });
