#!/usr/bin/env node
// Compiles the market's contracts with solc-js (standard JSON) and prints, or writes, one artifact per contract:
// {"contractName", "abi", "bytecode"}. Settings are pinned so output is reproducible: a test compiles afresh and
// compares with the committed artifacts.
//   node contracts/compile.js                 → prints {"src": {Name: artifact}, "test": {Name: artifact}} to stdout
//   node contracts/compile.js --write         → writes the artifacts (what contracts/build.sh runs)
'use strict';
const fs = require('fs');
const path = require('path');

const here = __dirname;
const repo = path.resolve(here, '..');
const nodeModules = path.join(here, 'node_modules');
if (!fs.existsSync(path.join(nodeModules, 'solc'))) {
  console.error('compile.js: solc is missing: run scripts/install-chain-tools.sh');
  process.exit(1);
}
const solc = require(path.join(nodeModules, 'solc'));

// Which contracts become artifacts, and where they go.
const targets = {
  src: {
    dir: path.join(repo, 'src/Verity.Chain/Contracts/Artifacts'),
    contracts: ['StakeToken', 'VerityVerifierRouter', 'DevelopmentVerifier', 'VerityMarket'],
  },
  test: {
    dir: path.join(repo, 'tests/Verity.Chain.Tests/Contracts/Artifacts'),
    contracts: ['ReentrantReceiver', 'RejectingReceiver'],
  },
};

const sourceFiles = [];
for (const folder of ['src', 'test']) {
  for (const f of fs.readdirSync(path.join(here, folder)).sort()) {
    if (f.endsWith('.sol')) sourceFiles.push(`${folder}/${f}`);
  }
}

const input = {
  language: 'Solidity',
  sources: Object.fromEntries(sourceFiles.map(f => [f, { content: fs.readFileSync(path.join(here, f), 'utf8') }])),
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    metadata: { bytecodeHash: 'none' },
    outputSelection: Object.fromEntries(sourceFiles.map(f => [f, { '*': ['abi', 'evm.bytecode.object'] }])),
  },
};

function findImports(p) {
  for (const root of [here, nodeModules]) {
    const f = path.join(root, p);
    if (fs.existsSync(f)) return { contents: fs.readFileSync(f, 'utf8') };
  }
  return { error: 'File not found: ' + p };
}

const out = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const errors = (out.errors || []).filter(e => e.severity === 'error');
for (const e of out.errors || []) console.error(e.formattedMessage || e.message);
if (errors.length > 0) process.exit(1);

const result = {};
for (const [group, { dir, contracts }] of Object.entries(targets)) {
  result[group] = {};
  for (const name of contracts) {
    const file = Object.keys(out.contracts).find(f => out.contracts[f][name]);
    if (!file) { console.error(`compile.js: contract ${name} not found`); process.exit(1); }
    const c = out.contracts[file][name];
    result[group][name] = { contractName: name, abi: c.abi, bytecode: '0x' + c.evm.bytecode.object };
  }
}

if (process.argv.includes('--write')) {
  for (const [group, { dir }] of Object.entries(targets)) {
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, artifact] of Object.entries(result[group])) {
      fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(artifact, null, 2) + '\n');
      console.error(`wrote ${path.relative(repo, path.join(dir, name + '.json'))}`);
    }
  }
} else {
  process.stdout.write(JSON.stringify(result) + '\n');
}
