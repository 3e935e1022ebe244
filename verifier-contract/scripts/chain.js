// Shared helpers for scripts that talk to a local anvil chain: compile with the pinned solc-js,
// start and stop anvil (npm @foundry-rs/anvil, Osaka rules), JSON-RPC, transactions, ABI words.
const fs = require('fs');
const path = require('path');
const { spawn, execFileSync } = require('child_process');
const { keccak256 } = require(path.join(__dirname, '..', 'node_modules', 'js-sha3'));

const here = path.join(__dirname, '..');
const anvilBin = path.join(here, 'node_modules', '@foundry-rs', `anvil-${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}`, 'bin', 'anvil');

/// {name: {bytecode, runtime, abi}} for the given {file: source} map.
// How zkinfer compiles generated verifiers (as the Rust side's VERIFIER_OPTIMIZER): the
// opcode-level optimizer only, tuned for gas, or for size when the verifier would exceed EIP-170.
const VERIFIER_OPTIMIZER = [{ runs: 100000, yul: false }, { runs: 1, yul: false }];
const EIP170_LIMIT = 24576;

function compileWith(sources, optimizer) {
  const out = execFileSync('node', [path.join(__dirname, 'solc.js')], { input: JSON.stringify({ sources, optimizer }), maxBuffer: 1 << 30 });
  const result = JSON.parse(out);
  if (result.errors.length) throw new Error(result.errors.join('\n'));
  return result.contracts;
}

function compile(sources) {
  const forGas = compileWith(sources, VERIFIER_OPTIMIZER[0]);
  const verifier = forGas.Halo2Verifier;
  return verifier && verifier.runtime.length / 2 > EIP170_LIMIT ? compileWith(sources, VERIFIER_OPTIMIZER[1]) : forGas;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/// Starts anvil on a random local port; `noSizeLimit` lifts EIP-170 and raises the block gas limit
/// (for oversized verifiers).
async function startChain({ noSizeLimit = false } = {}) {
  if (!fs.existsSync(anvilBin)) throw new Error(`anvil not found at ${anvilBin}: run npm ci --prefix ${here}`);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const url = `http://127.0.0.1:${port}`;
  const args = ['--host', '127.0.0.1', '--port', String(port), '--hardfork', 'osaka', '--silent'];
  // an oversized verifier costs more gas to deploy than a mainnet block holds: lift that too
  if (noSizeLimit) args.push('--disable-code-size-limit', '--gas-limit', '1000000000');
  const txGas = noSizeLimit ? '0x3b9aca00' : '0xf42400';
  const proc = spawn(anvilBin, args, { stdio: 'ignore' });
  let id = 0;
  const rpc = async (method, params = []) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }) });
    const body = await res.json();
    if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
    return body.result;
  };
  for (let i = 0; ; i++) {
    try { await rpc('eth_chainId'); break; } catch (e) { if (i > 100) { proc.kill(); throw new Error('anvil did not start'); } await sleep(100); }
  }
  /// Sends a transaction and waits for its receipt (status '0x1' or '0x0').
  const send = async (from, tx) => {
    const hash = await rpc('eth_sendTransaction', [{ from, gas: txGas, ...tx }]);
    for (let i = 0; i < 200; i++) {
      const receipt = await rpc('eth_getTransactionReceipt', [hash]);
      if (receipt) return receipt;
      await sleep(50);
    }
    throw new Error(`no receipt for ${hash}`);
  };
  return { rpc, send, stop: () => proc.kill() };
}

/// A 32-byte ABI word of a non-negative integer (number, bigint, decimal or 0x string).
const word = (n) => BigInt(n).toString(16).padStart(64, '0');
/// A two's-complement ABI word of a signed integer.
const signedWord = (n) => (BigInt(n) < 0n ? (2n ** 256n + BigInt(n)).toString(16) : BigInt(n).toString(16)).padStart(64, '0');
const selector = (signature) => keccak256(signature).slice(0, 8);

/// BN254's scalar field modulus: every instance a verifier accepts is below it.
const FIELD_MODULUS = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001n;

/// ZkinferVerifier's constructor arguments after the Halo2Verifier's address: the instance count
/// and, from `zkinfer gen-verifier --json` (`wrapper_constructor`), the pinned parameter part;
/// without it, nothing pinned (fixed parameters).
const wrapperArgs = (numInstances, pinned) => {
  const p = pinned || { paramsStart: numInstances, paramsDigest: '0x' + '0'.repeat(64) };
  return word(numInstances) + word(p.paramsStart) + p.paramsDigest.replace(/^0x/, '').padStart(64, '0');
};

/// Calldata (hex) with the 32-byte word at `offset` (bytes from the start of the data, after
/// '0x') raised by the field modulus: the same field element, a non-canonical encoding.
const addModulusAt = (calldata, offset) => {
  const at = 2 + 2 * offset;
  const raised = BigInt('0x' + calldata.slice(at, at + 64)) + FIELD_MODULUS;
  return calldata.slice(0, at) + raised.toString(16).padStart(64, '0') + calldata.slice(at + 64);
};

/// The name of the custom error in `abi` that revert data `data` carries (the data itself if none).
const errorName = (abi, data) => {
  const errors = abi.filter((e) => e.type === 'error');
  const hit = errors.find((e) => data && data.startsWith('0x' + selector(`${e.name}(${e.inputs.map((i) => i.type).join(',')})`)));
  return hit ? hit.name : data;
};

/// The revert data of a failed JSON-RPC call's error.
const revertData = (e) => JSON.parse(e.message.slice(e.message.indexOf('{'))).data || '';

/// Sends `tx` from `tx.from`; a failed one is replayed as eth_call to name its custom error.
/// Returns { ok, gas, reason }.
async function transact(chain, abi, tx) {
  const receipt = await chain.send(tx.from, tx);
  let reason = null;
  if (receipt.status !== '0x1') {
    try { await chain.rpc('eth_call', [tx, 'latest']); } catch (e) { reason = errorName(abi, revertData(e)); }
  }
  return { ok: receipt.status === '0x1', gas: parseInt(receipt.gasUsed, 16), reason };
}

module.exports = { errorName, revertData, transact, compile, compileWith, VERIFIER_OPTIMIZER, startChain, word, signedWord, selector, anvilBin, wrapperArgs, addModulusAt, FIELD_MODULUS };
