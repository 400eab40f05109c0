// The event loop is never blocked; finalizers release memory; worker_threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { here, tempDir, voiceops } from '../test-support/helpers.mjs';

function runChild(args, env = {}) {
  const r = spawnSync(process.execPath, args, { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

test('event loop: a 10 ms timer keeps firing while 50 slow sandbox calls are in flight', () => {
  // Each call waits 600 ms in the sandbox; the pool has a thread for each (UV_THREADPOOL_SIZE).
  const m = runChild([path.join(here, '..', 'test-support', 'eventloop-child.mjs')], { UV_THREADPOOL_SIZE: '64', DELAY_MS: '600' });
  console.log('# event loop while 50 slow calls are in flight:', JSON.stringify(m));
  assert.equal(m.calls, 50);
  assert.ok(m.elapsedMs >= 600 && m.elapsedMs < 600 * 50 / 4, `the calls overlapped: ${m.elapsedMs} ms`);
  assert.ok(m.ticks >= m.elapsedMs / 10 / 3, `the timer fired ${m.ticks} times in ${m.elapsedMs} ms`);
  // a blocked loop would be late by a whole call (600 ms); allow for a shared, loaded machine
  assert.ok(m.maxLateMs < 300, `timer late by ${m.maxLateMs} ms`);
  assert.ok(m.medianLateMs < 20, `median lateness ${m.medianLateMs} ms`);
});

test('finalizers: 10,000 clients created and dropped do not grow memory', () => {
  const m = runChild(['--expose-gc', path.join(here, '..', 'test-support', 'gc-child.mjs')], { CLIENTS: '10000' });
  console.log('# memory around 10,000 dropped clients:', JSON.stringify(m));
  assert.ok(m.rssAfterMB - m.rssBeforeMB < 16, `RSS grew ${(m.rssAfterMB - m.rssBeforeMB).toFixed(1)} MB`);
  assert.ok(m.mapsAfter - m.mapsBefore < 64, `mappings grew from ${m.mapsBefore} to ${m.mapsAfter}`);
});

test('the addon loads and works in two worker_threads at once', async () => {
  const d = tempDir();
  try {
    const run = (n) => new Promise((resolve, reject) => {
      const w = new Worker(path.join(here, '..', 'test-support', 'worker.mjs'), { workerData: { n, file: d.file(`w${n}.db`) } });
      w.once('message', resolve);
      w.once('error', reject);
    });
    const [a, b] = await Promise.all([run(1), run(2)]);
    for (const [r, n] of [[a, 1], [b, 2]]) {
      assert.equal(r.ok, 50);
      assert.equal(r.secret, 'v49');
      assert.equal(r.err, 'NotFoundError');
      assert.equal(r.threadTenant, 'worker-' + n);
    }
    // and the main thread's instance still works after the workers exited
    assert.equal(voiceops.version().abi, 1);
    const again = await run(3);
    assert.equal(again.ok, 50);
  } finally { d.remove(); }
});

test('loggers set and cleared while pool threads log do not deadlock', { timeout: 60000 }, async () => {
  const d = tempDir();
  try {
    const vault = await voiceops.Vault.open(d.file('log.db'), { keys: [{ id: 'k', key: Buffer.alloc(32, 4) }], auditReads: 'sync' });
    await vault.createTenant('t');
    let seen = 0;
    const work = [];
    for (let i = 0; i < 300; i++) work.push(vault.putSecret('t', 's' + (i % 7), 'v' + i).catch(() => {}));
    for (let i = 0; i < 300; i++) {
      voiceops.setLogger(i % 2 ? (() => { seen++; }) : null, 'trace');
      if (i % 10 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(work);
    voiceops.setLogger(null);
    vault.close();
    assert.ok(seen >= 0);
  } finally { d.remove(); }
});
