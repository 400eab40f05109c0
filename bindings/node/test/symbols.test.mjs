// Every public C function is either called by the addon (src/*.c) or named in docs/node.md's
// "Not bound, on purpose" list: a function added to the C API without a decision for Node
// fails here. The exported symbols come from the built library (nm -D), cross-checked with
// the VO_EXTERN declarations of the public headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pkgDir, repoRoot } from '../test-support/helpers.mjs';

function declared() {
  const dir = path.join(repoRoot, 'include', 'voiceops');
  const names = new Set();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.h'))) {
    const text = readFileSync(path.join(dir, f), 'utf8');
    // VO_EXTERN <return type> vo_name(  (the return type may hold '*' and 'const')
    for (const m of text.matchAll(/^VO_EXTERN\b[^(;]*?\b(vo_[a-z0-9_]+)\s*\(/gm)) names.add(m[1]);
  }
  return names;
}

function exported() {
  const lib = path.join(pkgDir, 'build', 'lib', 'libvoiceops.so');
  if (!existsSync(lib)) return null;
  const r = spawnSync('nm', ['-D', '--defined-only', lib], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  const names = new Set();
  for (const line of r.stdout.split('\n')) {
    const m = /\s[TW]\s+(vo_[a-z0-9_]+)(@.*)?$/.exec(line);
    if (m) names.add(m[1]);
  }
  return names;
}

function notBoundList() {
  const doc = readFileSync(path.join(repoRoot, 'docs', 'node.md'), 'utf8');
  const start = doc.indexOf('Not bound, on purpose');
  assert.ok(start >= 0, 'docs/node.md has its "Not bound, on purpose" list');
  const end = doc.indexOf('\n## ', start);
  const section = doc.slice(start, end < 0 ? undefined : end);
  return new Set([...section.matchAll(/`(vo_[a-z0-9_]+)`/g)].map((m) => m[1]));
}

test('symbols: the headers declare what the library exports', () => {
  const decl = declared();
  assert.ok(decl.size > 300, `only ${decl.size} declarations parsed`);
  const exp = exported();
  if (!exp) return; // no nm or no build: the header list alone is checked below
  assert.deepEqual([...exp].filter((s) => !decl.has(s)), [], 'exported but not parsed from the headers');
  assert.deepEqual([...decl].filter((s) => !exp.has(s)), [], 'declared but not exported');
});

test('symbols: every public C function is bound by the addon or listed as not bound in docs/node.md', () => {
  const src = readdirSync(path.join(pkgDir, 'src')).filter((f) => /\.[ch]$/.test(f))
    .map((f) => readFileSync(path.join(pkgDir, 'src', f), 'utf8')).join('\n');
  const used = new Set(src.match(/\bvo_[a-z0-9_]+\b/g));
  const skipped = notBoundList();
  const all = exported() || declared();
  const missing = [...all].filter((s) => !used.has(s) && !skipped.has(s) && !/_free$/.test(s) && s !== 'vo_free');
  assert.deepEqual(missing, [], 'bind these, or name them in docs/node.md "Not bound, on purpose"');
  // the list names real functions only (a renamed or removed one is taken off)
  assert.deepEqual([...skipped].filter((s) => !all.has(s)), [], 'docs/node.md lists functions the library does not have');
});
