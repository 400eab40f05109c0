// Vault.copy (vo_vault_copy): SQLite -> SQLite in-process, and SQLite -> PostgreSQL -> SQLite
// against a throw-away PostgreSQL server (tests/pg/with_postgres.py) when its binaries are
// installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { voiceops, tempDir, testKey, here, repoRoot } from '../test-support/helpers.mjs';
import { pgRoundTrip } from '../test-support/vault-copy-pg.mjs';

const keys = [{ id: 'k1', key: testKey() }];

async function seeded(file) {
  const v = await voiceops.Vault.open(file, { keys, actor: 'node-copy' });
  await v.createTenant('acme');
  await v.createTenant('globex');
  await v.putSecret('acme', 'api', 'acme-v1');
  await v.putSecret('acme', 'api', 'acme-v2');
  await v.putSecret('globex', 'api', Buffer.from([0, 1, 2, 255]));
  await v.putSecret('acme', 'gone', 'deleted-before-copy');
  await v.deleteSecret('acme', 'gone');
  await v.putVapiCredentials('globex', { apiKey: 'vapi-private-key-xyz', webhook: { secret: 'vapi-hook' } });
  const token = await v.mintRoutingToken('acme');
  return { v, token };
}

test('Vault.copy: SQLite -> SQLite keeps tenants, secret versions, credentials, routing and the audit chain', async () => {
  const d = tempDir();
  try {
    const src = d.file('src.db');
    const { v, token } = await seeded(src);
    const srcAudit = await v.auditVerify();
    v.close();

    const dest = d.file('copy.db');
    await voiceops.Vault.copy(dest, src, { keys: [{ id: 'k1', key: voiceops.Secret.from(testKey()) }], actor: 'node-copy' });
    assert.equal(statSync(dest).mode & 0o077, 0, 'the copy is private to its owner');

    const c = await voiceops.Vault.open(dest, { keys, noCreate: true });
    assert.deepEqual((await c.listTenants()).map((t) => t.id), ['acme', 'globex']);
    assert.equal((await c.getSecret('acme', 'api')).secret.reveal(), 'acme-v2');
    assert.equal((await c.getSecret('acme', 'api')).version, 2);
    assert.equal((await c.getSecret('acme', 'api', { version: 1 })).secret.reveal(), 'acme-v1');
    assert.deepEqual((await c.getSecret('globex', 'api')).secret.bytes(), Buffer.from([0, 1, 2, 255]));
    await assert.rejects(c.getSecret('acme', 'gone'), voiceops.NotFoundError);
    assert.equal((await c.getVapiCredentials('globex')).credentials.apiKey.reveal(), 'vapi-private-key-xyz');
    assert.equal(await c.resolveRoutingToken(token), 'acme');
    const audit = await c.auditVerify();
    assert.equal(audit.intact, true);
    assert.ok(audit.rows > srcAudit.rows, `copy has ${audit.rows} rows, source had ${srcAudit.rows}`);
    const actions = [];
    for await (const row of c.audit()) actions.push(row.action);
    assert.ok(actions.includes('vault.copy'), 'the copy row of the source is in the copied chain');
    // the copy is a vault of its own: writes to it do not reach the source
    await c.putSecret('acme', 'only-in-copy', 'x');
    c.close();
    const s = await voiceops.Vault.open(src, { keys, noCreate: true });
    await assert.rejects(s.getSecret('acme', 'only-in-copy'), voiceops.NotFoundError);
    assert.equal((await s.auditVerify()).intact, true);
    s.close();
  } finally {
    d.remove();
  }
});

test('Vault.copy: refuses an existing destination, a wrong keyring and a missing source, and leaves nothing behind', async () => {
  const d = tempDir();
  try {
    const src = d.file('src.db');
    const { v } = await seeded(src);
    v.close();
    const dest = d.file('copy.db');
    await voiceops.Vault.copy(dest, src, { keys });
    await assert.rejects(voiceops.Vault.copy(dest, src, { keys }), voiceops.ExistsError);

    const wrong = d.file('wrong.db');
    await assert.rejects(voiceops.Vault.copy(wrong, src, { keys: [{ id: 'k1', key: testKey(9) }] }), voiceops.CryptoError);
    if (existsSync(wrong)) {
      // whatever file a failed copy left, it holds no vault: a later copy succeeds
      await voiceops.Vault.copy(wrong, src, { keys });
    }
    await assert.rejects(voiceops.Vault.copy(d.file('x.db'), d.file('missing.db'), { keys }), voiceops.NotFoundError);
    await assert.rejects(voiceops.Vault.copy(d.file('y.db'), src, {}), voiceops.VoiceOpsError);
    await assert.rejects(voiceops.Vault.copy(d.file('z.db'), src, { keys }).then(() => voiceops.Vault.copy('mysql://db/x', src, { keys })),
      voiceops.UnsupportedError);
    // errors never carry key material
    try {
      await voiceops.Vault.copy(d.file('w2.db'), src, { keys: [{ id: 'k1', key: testKey(9) }] });
    } catch (e) {
      assert.doesNotMatch(String(e.message), /\x09{8}|CQkJ/);
    }
    assert.ok(readdirSync(d.dir).every((f) => !f.endsWith('-journal')));
  } finally {
    d.remove();
  }
});

const initdb = (() => {
  try {
    return readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));
  } catch (_) { return false; }
})();
const pgSkip = !voiceops.featureEnabled('postgres') ? 'the C library was built without the PostgreSQL backend'
  : !initdb && !process.env.VO_TEST_PG ? 'PostgreSQL server binaries not installed (tools/install-deps installs them)' : false;

test('Vault.copy: SQLite -> PostgreSQL -> SQLite, and Vault.open on the postgresql:// URI', { skip: pgSkip, timeout: 300000 }, async () => {
  if (process.env.VO_TEST_PG) {
    const r = await pgRoundTrip(process.env.VO_TEST_PG);
    assert.ok(r.copies >= 2);
    return;
  }
  const wrapper = path.join(repoRoot, 'tests', 'pg', 'with_postgres.py');
  const child = path.join(here, 'vault-copy-pg.mjs');
  // a preloaded sanitizer runtime (a sanitized addon) is for node only: under it the
  // PostgreSQL server binaries the wrapper starts hang
  const { LD_PRELOAD: preload, ...env } = process.env;
  const cmd = preload ? ['env', `LD_PRELOAD=${preload}`, process.execPath, child] : [process.execPath, child];
  const r = spawnSync('python3', [wrapper, ...cmd], { encoding: 'utf8', env, timeout: 280000 });
  assert.equal(r.status, 0, (r.stderr || '').slice(-3000));
  assert.match(r.stdout, /^pg round trip ok \{"rows":\d+,"copies":[2-9]\}$/m);
  for (const secret of ['through-postgres-1', 'through-postgres-2', 'pg-side']) {
    assert.ok(!(r.stdout + r.stderr).includes(secret), 'no secret value in the output');
  }
});
