#!/usr/bin/env node
// Compiles Solidity with the pinned solc-js (npm "solc", works offline) through its standard-JSON
// interface. Reads {"sources": {"File.sol": "source"}, "optimizer": {"runs": N, "yul": bool} | null}
// on stdin ("yul": false keeps only the opcode-level passes, which the generated verifier's deep
// assembly survives) and prints {"contracts": {"Name": {"bytecode": hex, "runtime": hex, "abi": [...]}}, "errors": [...]}.
const path = require('path');
const solc = require(path.join(__dirname, '..', 'node_modules', 'solc'));

let raw = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => (raw += d));
process.stdin.on('end', () => {
  const request = JSON.parse(raw);
  const sources = Object.fromEntries(Object.entries(request.sources).map(([f, content]) => [f, { content }]));
  const opt = request.optimizer;
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      optimizer: opt == null ? { enabled: false } : { enabled: true, runs: opt.runs, details: opt.yul ? undefined : { yul: false } },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (out.errors || []).filter((e) => e.severity === 'error').map((e) => e.formattedMessage);
  const contracts = {};
  for (const file of Object.values(out.contracts || {})) {
    for (const [name, c] of Object.entries(file)) {
      if (!c.evm) continue;
      contracts[name] = { bytecode: c.evm.bytecode.object, runtime: c.evm.deployedBytecode.object, abi: c.abi };
    }
  }
  process.stdout.write(JSON.stringify({ version: solc.version(), contracts, errors }));
});
