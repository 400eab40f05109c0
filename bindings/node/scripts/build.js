#!/usr/bin/env node
// Builds the C library and the addon with meson + ninja into bindings/node/build/ (npm runs
// this on install). Offline: it uses the node headers already on the machine (see
// node-include.js). Re-running it rebuilds only what changed.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const pkgDir = path.resolve(__dirname, '..');
const root = path.resolve(pkgDir, '..', '..');
const buildDir = path.join(pkgDir, 'build');
const target = path.join('bindings', 'node', 'voiceops.node');

// Runs a build command; its output is shown only when it fails (or with VOICEOPS_BUILD_VERBOSE).
function run(cmd, args) {
  const verbose = !!process.env.VOICEOPS_BUILD_VERBOSE;
  const r = spawnSync(cmd, args, { stdio: verbose ? 'inherit' : ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.error) {
    console.error(`voiceops: cannot run ${cmd}: ${r.error.message}` +
      (r.error.code === 'ENOENT' ? ' (install meson and ninja: tools/install-deps)' : ''));
    process.exit(1);
  }
  if (r.status !== 0) {
    if (!verbose) process.stderr.write((r.stdout || '') + (r.stderr || ''));
    console.error(`voiceops: ${cmd} ${args.join(' ')} failed`);
    process.exit(r.status || 1);
  }
}

if (!fs.existsSync(path.join(root, 'include', 'voiceops.h'))) {
  console.error('voiceops: the C sources are not at ' + root +
    '; install this package from a libvoiceops checkout (npm install ./bindings/node)');
  process.exit(1);
}
if (!fs.existsSync(path.join(buildDir, 'build.ninja'))) {
  run('meson', ['setup', buildDir, root, '--buildtype=debugoptimized', '-Dnode_addon=enabled',
    '-Dtests=false', '-Dbench=false']);
}
const jobs = process.env.VOICEOPS_BUILD_JOBS || '2';
run('ninja', ['-C', buildDir, '-j', jobs, target]);
console.log('voiceops: built ' + path.join(buildDir, target));
