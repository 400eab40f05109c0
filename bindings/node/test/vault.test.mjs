// The vault through Node, against real SQLite files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, existsSync, statSync } from 'node:fs';
import { voiceops, tempDir, openVault, testKey, repoRoot } from '../test-support/helpers.mjs';

const { Vault, Secret } = voiceops;

test('tenants: create, get, list lazily in pages, delete', async () => {
  const d = tempDir();
  const v = await openVault(d.file('v.db'));
  try {
    const ids = Array.from({ length: 23 }, (_, i) => `tenant-${String(i).padStart(2, '0')}`);
    for (const id of ids) await v.createTenant(id);
    await assert.rejects(v.createTenant('tenant-00'), voiceops.ExistsError);
    const t = await v.getTenant('tenant-05');
    assert.equal(t.id, 'tenant-05');
    assert.equal(t.kekId, 'k1');
    assert.equal(typeof t.createdAt, 'number');
    const page = await v.listTenants({ after: 'tenant-09', limit: 5 });
    assert.deepEqual(page.map((x) => x.id), ids.slice(10, 15));
    const seen = [];
    for await (const x of v.tenants({ pageSize: 4 })) seen.push(x.id);
    assert.deepEqual(seen, ids);
    await v.deleteTenant('tenant-05');
    await assert.rejects(v.getTenant('tenant-05'), voiceops.NotFoundError);
    await assert.rejects(v.createTenant('voiceops-reserved'), voiceops.InvalidArgumentError);
  } finally { v.close(); d.remove(); }
});

test('secrets: versions, check-and-set, binary values, list, delete; the file is 0600', async () => {
  const d = tempDir();
  const v = await openVault(d.file('v.db'));
  try {
    await v.createTenant('acme');
    assert.equal(await v.putSecret('acme', 'db/password', 'first'), 1);
    assert.equal(await v.putSecret('acme', 'db/password', 'second', { expectedVersion: 1 }), 2);
    await assert.rejects(v.putSecret('acme', 'db/password', 'lost', { expectedVersion: 1 }), voiceops.ConflictError);
    const latest = await v.getSecret('acme', 'db/password');
    assert.ok(latest.secret instanceof Secret);
    assert.equal(latest.secret.reveal(), 'second');
    assert.equal(latest.version, 2);
    assert.equal((await v.getSecret('acme', 'db/password', { version: 1 })).secret.reveal(), 'first');
    const bin = Buffer.from([0, 1, 2, 255, 0, 7]);
    await v.putSecret('acme', 'bin', bin);
    assert.deepEqual((await v.getSecret('acme', 'bin')).secret.bytes(), bin);
    await v.putSecret('acme', 'from-secret', Secret.from('wrapped'));
    assert.equal((await v.getSecret('acme', 'from-secret')).secret.reveal(), 'wrapped');
    const names = (await v.listSecrets('acme')).map((s) => s.name).sort();
    assert.deepEqual(names, ['bin', 'db/password', 'from-secret']);
    await v.deleteSecret('acme', 'bin');
    await assert.rejects(v.getSecret('acme', 'bin'), voiceops.NotFoundError);
    await assert.rejects(v.getSecret('nobody', 'x'), voiceops.NotFoundError);
    assert.equal(statSync(d.file('v.db')).mode & 0o777, 0o600);
  } finally { v.close(); d.remove(); }
});

test('typed credentials round-trip with secrets as Secret objects', async () => {
  const d = tempDir();
  const v = await openVault(d.file('v.db'));
  try {
    await v.createTenant('t');
    const sid = 'AC' + '1'.repeat(32);
    await v.putTwilioCredentials('t', { accountSid: sid, authToken: 'a'.repeat(32), secondaryAuthToken: Secret.from('b'.repeat(32)) });
    const tw = await v.getTwilioCredentials('t');
    assert.equal(tw.version, 1);
    assert.equal(tw.credentials.accountSid, sid);
    assert.ok(tw.credentials.authToken instanceof Secret);
    assert.equal(tw.credentials.authToken.reveal(), 'a'.repeat(32));
    assert.equal(tw.credentials.secondaryAuthToken.reveal(), 'b'.repeat(32));
    assert.equal(JSON.stringify(tw).includes('a'.repeat(32)), false);

    await v.putVapiCredentials('t', { apiKey: 'vapi-key-123', webhook: { type: 'hmac', secret: 'hook', algorithm: 'sha512', toleranceSeconds: 60 } });
    const va = await v.getVapiCredentials('t');
    assert.equal(va.credentials.apiKey.reveal(), 'vapi-key-123');
    assert.equal(va.credentials.webhook.secret.reveal(), 'hook');
    assert.equal(va.credentials.webhook.type, voiceops.VapiAuth.HMAC);
    assert.equal(va.credentials.webhook.algorithm, voiceops.HmacAlgorithm.SHA512);
    assert.equal(va.credentials.webhook.toleranceSeconds, 60);

    await v.putSmtpCredentials('t', { host: 'smtp.example.com', port: 587, username: 'u', password: 'p4ss', tls: 'starttls' });
    const sm = await v.getSmtpCredentials('t');
    assert.equal(sm.credentials.host, 'smtp.example.com');
    assert.equal(sm.credentials.password.reveal(), 'p4ss');

    assert.throws(() => voiceops.validateCredentials('twilio', { accountSid: 'nope', authToken: 'x' }), voiceops.InvalidArgumentError);
    await assert.rejects(v.putTwilioCredentials('t', { accountSid: sid }), voiceops.InvalidArgumentError);
    await assert.rejects(v.putTwilioCredentials('t', { accountSid: sid, authToken: 'c'.repeat(32) }, { expectedVersion: 7 }), voiceops.ConflictError);
  } finally { v.close(); d.remove(); }
});

test('key files, passphrases, KEK rotation and retirement, DEK rotation', async () => {
  const d = tempDir();
  try {
    await Vault.keygen(d.file('k1.key'));
    await Vault.keygen(d.file('k2.key'));
    assert.equal(statSync(d.file('k1.key')).mode & 0o777, 0o600);
    let v = await Vault.open(d.file('v.db'), { keys: [{ id: 'k1', file: d.file('k1.key') }] });
    for (const t of ['a', 'b', 'c']) {
      await v.createTenant(t);
      await v.putSecret(t, 's', 'value-' + t);
    }
    const used = await v.kekUsage('k1');
    assert.ok(used >= 3, String(used)); // the three tenants (and the library's own scopes)
    v.close();
    v = await Vault.open(d.file('v.db'), {
      keys: [{ id: 'k1', file: d.file('k1.key') }, { id: 'k2', file: d.file('k2.key') }], activeKey: 'k2',
    });
    assert.equal(await v.rotateKek(), 0);
    assert.equal(await v.kekUsage('k1'), 0);
    assert.equal(await v.kekUsage('k2'), used);
    await v.retireKek('k1');
    await v.rotateTenantDek('b');
    assert.equal((await v.getTenant('b')).dekGeneration, 2);
    assert.equal((await v.getSecret('b', 's')).secret.reveal(), 'value-b');
    v.close();
    v = await Vault.open(d.file('v.db'), { keys: [{ id: 'k2', file: d.file('k2.key') }] });
    assert.equal((await v.getSecret('c', 's')).secret.reveal(), 'value-c');
    v.close();
    process.env.VOICEOPS_NODE_TEST_KEK = testKey(3).toString('base64');
    const e = await Vault.open(d.file('env.db'), { keys: [{ id: 'env', env: 'VOICEOPS_NODE_TEST_KEK' }] });
    await e.createTenant('x');
    e.close();
    const p = await Vault.open(d.file('pw.db'), { keys: [{ id: 'pw', passphrase: 'correct horse battery staple', opslimit: 1, memlimit: 8192 * 1024 }] });
    await p.createTenant('x');
    p.close();
    await assert.rejects(Vault.open(d.file('pw.db'), { keys: [{ id: 'pw', passphrase: 'wrong horse' }] }), voiceops.CryptoError);
  } finally { delete process.env.VOICEOPS_NODE_TEST_KEK; d.remove(); }
});

test('plaintext import, backup and restore, audit chain and its pages', async () => {
  const d = tempDir();
  const v = await openVault(d.file('v.db'), { auditReads: 'sync' });
  try {
    const csv = 'tenant,name,value\nimp1,api,one\nimp2,api,two\nbad tenant!,x,y\n';
    const rep = await v.importBuffer(csv, { format: 'csv', createTenants: true });
    assert.equal(rep.imported, 2);
    assert.equal(rep.rejected, 1);
    assert.equal(rep.rejections[0].row, 3); // 1 = the first data row
    writeFileSync(d.file('in.json'), JSON.stringify([{ tenant: 'imp3', name: 'api', value: 'three' }]));
    const batchRows = Array.from({ length: 7 }, (_, i) => `gamma,k${i},v${i}\n`).join('');
    const rep3 = await v.importBuffer('tenant,name,value\n' + batchRows, { format: 'csv', createTenants: true, batched: true });
    assert.equal(rep3.imported, 7);
    assert.equal((await v.getSecret('gamma', 'k6')).secret.reveal(), 'v6');
    const rep2 = await v.importFile(d.file('in.json'), { createTenants: true });
    assert.equal(rep2.imported, 1);
    assert.equal((await v.getSecret('imp3', 'api')).secret.reveal(), 'three');

    await v.backup(d.file('backup.db'));
    await Vault.restore(d.file('backup.db'), d.file('restored.db'));
    const r = await openVault(d.file('restored.db'));
    assert.equal((await r.getSecret('imp2', 'api')).secret.reveal(), 'two');
    r.close();

    await v.auditAppend('imp1', 'api', 'custom-check', 'ok');
    await v.auditFlush();
    const ver = await v.auditVerify();
    assert.equal(ver.intact, true);
    assert.ok(ver.rows > 3);
    const rows = [];
    for await (const row of v.audit({ pageSize: 2 })) rows.push(row);
    assert.equal(rows.length, ver.rows);
    assert.ok(rows.some((x) => x.action === 'custom-check' && x.actor === 'node-test'));
    for (const row of rows) assert.ok(!JSON.stringify(row).includes('three'));
    const only = await v.listAudit({ tenant: 'imp3' });
    assert.ok(only.length > 0 && only.every((x) => x.tenant === 'imp3'));
  } finally { v.close(); d.remove(); }
});

test('handles: closed vault refuses, closing twice is fine, a pending call finishes first', async () => {
  const d = tempDir();
  const v = await openVault(d.file('v.db'));
  await v.createTenant('p');
  const pending = [];
  for (let i = 0; i < 20; i++) pending.push(v.putSecret('p', 'n' + i, 'v' + i));
  v.close(); // while 20 writes are queued or running
  const results = await Promise.all(pending);
  assert.equal(results.length, 20);
  assert.ok(v.closed);
  await assert.rejects(v.getSecret('p', 'n1'), voiceops.HandleError);
  v.close();
  const again = await openVault(d.file('v.db'));
  assert.equal((await again.listSecrets('p')).length, 20);
  again.close();
  await assert.rejects(Vault.open(d.file('missing.db'), { keys: [{ id: 'k1', key: testKey() }], noCreate: true }), voiceops.VoiceOpsError);
  assert.equal(existsSync(d.file('missing.db')), false);
  d.remove();
});

test('a vault opens with its key given as a Secret', async () => {
  const d = tempDir();
  try {
    const key = Secret.from(testKey(5));
    const v = await Vault.open(d.file('s.db'), { keys: [{ id: 'k', key }] });
    await v.createTenant('t');
    v.close();
    assert.equal(key.length, 32); // the Secret itself is untouched
    const again = await Vault.open(d.file('s.db'), { keys: [{ id: 'k', key: testKey(5) }] });
    assert.equal((await again.getTenant('t')).id, 't');
    again.close();
  } finally { d.remove(); }
});

test('seen-request store and signed audit checkpoints', async () => {
  const d = tempDir();
  const keys = [{ id: 'k1', key: testKey() }];
  const v = await openVault(d.file('v.db'));
  try {
    await v.createTenant('t');
    const now = Date.now();
    const first = await v.seenPut('t', 'test', 'msg-1', 'mark-a', { nowMs: now, expiresAtMs: now + 60000 });
    assert.equal(first.seenAtMs, now);
    assert.equal(first.first, true);
    const again = await v.seenPut('t', 'test', 'msg-1', 'mark-a', { nowMs: now + 10, expiresAtMs: now + 60000 });
    assert.equal(again.seenAtMs, now, 'the first sighting is reported');
    assert.equal(again.sameMark, true);
    assert.equal(again.first, false);
    assert.equal((await v.seenPut('t', 'test', 'msg-1', 'mark-b', { nowMs: now + 20, expiresAtMs: now + 60000 })).sameMark, false);
    assert.equal(await v.seenCount(), 1);
    assert.equal(await v.seenPrune({ nowMs: now + 120000 }), 1);
    assert.equal(await v.seenCount(), 0);

    await v.putSecret('t', 's', 'x');
    const cp = await v.auditCheckpoint(keys, 'k1');
    assert.ok(cp.startsWith('{') && cp.length <= 512, cp);
    const pub = await Vault.checkpointPublicKey(keys, 'k1');
    assert.equal(pub.length, 44);
    const ok = await v.auditVerifyCheckpoint(cp, pub);
    assert.equal(ok.intact, true);
    const other = await Vault.checkpointPublicKey([{ id: 'k1', key: testKey(8) }], 'k1');
    await assert.rejects(v.auditVerifyCheckpoint(cp, other), voiceops.VoiceOpsError);
  } finally { v.close(); d.remove(); }
});

test('SMTP: mail sent with the tenant credentials from the vault, and a credentials check', async (t) => {
  const { spawn } = await import('node:child_process');
  const { existsSync, readFileSync } = await import('node:fs');
  const path = await import('node:path');
  const sandboxDir = path.join(repoRoot, 'tools', 'sandbox');
  if (!existsSync(path.join(sandboxDir, 'voiceops_sandbox', 'smtp_sink.py'))) { t.skip('no SMTP sink'); return; }
  const d = tempDir();
  const sink = spawn('python3', ['-m', 'voiceops_sandbox.smtp_sink', '--port', '0', '--port-file', d.file('port'), '--log', d.file('log')],
    { cwd: sandboxDir, stdio: 'ignore' });
  const v = await openVault(d.file('v.db'));
  try {
    for (let i = 0; i < 100 && !existsSync(d.file('port')); i++) await new Promise((r) => setTimeout(r, 50));
    const port = Number(readFileSync(d.file('port'), 'utf8'));
    await v.createTenant('mail');
    const creds = { host: '127.0.0.1', port, username: 'u', password: Secret.from('smtp-pass'), tls: 'none' };
    await voiceops.smtp.check(creds);
    await v.putSmtpCredentials('mail', creds);
    await voiceops.smtp.send(v, 'mail', { from: 'ops@example.com', to: ['a@example.com'], subject: 'Hello', text: 'Number import done.' });
    for (let i = 0; i < 100 && !existsSync(d.file('log')); i++) await new Promise((r) => setTimeout(r, 50));
    const msg = JSON.parse(readFileSync(d.file('log'), 'utf8').trim().split('\n').at(-1));
    assert.deepEqual(msg.rcpt_to, ['a@example.com']);
    assert.match(msg.data, /Subject: Hello/);
    assert.match(msg.data, new RegExp(Buffer.from('Number import done.').toString('base64')));
    assert.ok(!JSON.stringify(msg).includes('smtp-pass'));
    await assert.rejects(voiceops.smtp.send(v, 'nobody', { from: 'a@example.com', to: ['b@example.com'], text: 'x' }), voiceops.NotFoundError);
    await assert.rejects(voiceops.smtp.check({ ...creds, port: 1 }, { timeoutMs: 2000 }), voiceops.VoiceOpsError);
  } finally { v.close(); sink.kill('SIGTERM'); d.remove(); }
});
