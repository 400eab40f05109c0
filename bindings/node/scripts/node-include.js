// Prints the directory holding node_api.h for the node that runs this script: the headers
// shipped beside that node, else the distribution's /usr/include/node, else the npm package
// node-api-headers. Used by bindings/node/meson.build; nothing is downloaded.
'use strict';
const fs = require('fs');
const path = require('path');

const candidates = [
  path.resolve(path.dirname(process.execPath), '..', 'include', 'node'),
  '/usr/include/node',
  '/usr/local/include/node',
];
try {
  candidates.push(path.join(path.dirname(require.resolve('node-api-headers/package.json')), 'include'));
} catch (_) { /* not installed */ }

for (const dir of candidates) {
  if (fs.existsSync(path.join(dir, 'node_api.h'))) {
    process.stdout.write(dir);
    process.exit(0);
  }
}
process.stderr.write('voiceops: node_api.h not found (looked in ' + candidates.join(', ') +
  '); install the distribution\'s node headers or the npm package node-api-headers\n');
process.exit(1);
