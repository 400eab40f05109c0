// Loading, ABI check, errors, secrets, logging: no network, no disk beyond temp files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import util from 'node:util';
import { voiceops, tempDir, pkgDir, openVault } from '../test-support/helpers.mjs';
import * as esm from '../lib/index.mjs';

const node = process.execPath;

test('require() and import give the same objects, without environment variables', () => {
  assert.equal(esm.Vault, voiceops.Vault);
  assert.equal(esm.default.verifyTwilio, voiceops.verifyTwilio);
  const env = { PATH: process.env.PATH };
  for (const code of [
    "const v = require('voiceops'); if (typeof v.Vault.open !== 'function') process.exit(3)",
  ]) {
    // resolve the package by name through a node_modules link, as an application would
    const t = tempDir();
    try {
      execFileSync('mkdir', ['-p', t.file('node_modules')]);
      execFileSync('ln', ['-s', pkgDir, t.file('node_modules/voiceops')]);
      const r1 = spawnSync(node, ['-e', code], { cwd: t.dir, env, encoding: 'utf8' });
      assert.equal(r1.status, 0, r1.stderr);
      writeFileSync(t.file('m.mjs'), "import { Vault, version } from 'voiceops'; import d from 'voiceops';\n" +
        "if (typeof Vault.open !== 'function' || d.Vault !== Vault || version().abi !== 1) process.exit(3);\n");
      const r2 = spawnSync(node, [t.file('m.mjs')], { cwd: t.dir, env, encoding: 'utf8' });
      assert.equal(r2.status, 0, r2.stderr);
    } finally { t.remove(); }
  }
});

test('version and ABI of the loaded library', () => {
  const v = voiceops.version();
  assert.match(v.version, /^\d+\.\d+\.\d+$/);
  assert.equal(v.abi, 1);
  assert.equal(v.addonAbi, v.abi);
});

test('the addon refuses a C library with another ABI version', (t) => {
  const d = tempDir();
  try {
    writeFileSync(d.file('shim.c'), 'int vo_abi_version(void) { return 99; }\n');
    writeFileSync(d.file('shim.map'), 'VOICEOPS_1 { global: vo_abi_version; local: *; };\n');
    const cc = spawnSync('cc', ['-shared', '-fPIC', '-Wl,--version-script=' + d.file('shim.map'),
      '-o', d.file('shim.so'), d.file('shim.c')], { encoding: 'utf8' });
    if (cc.error) { t.skip('no C compiler'); return; }
    assert.equal(cc.status, 0, cc.stderr);
    const r = spawnSync(node, ['-e', `require(${JSON.stringify(pkgDir)})`], {
      env: { ...process.env, LD_PRELOAD: d.file('shim.so') }, encoding: 'utf8',
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /ABI version 99 but this addon was built for 1/);
  } finally { d.remove(); }
});

test('error classes mirror the C error kinds', () => {
  const { CODES, errorClass, VoiceOpsError } = voiceops;
  const expected = {
    VO_EINVAL: 'InvalidArgumentError', VO_EAUTH: 'AuthError', VO_ENOTFOUND: 'NotFoundError',
    VO_ECONFLICT: 'ConflictError', VO_ERATELIMIT: 'RateLimitError', VO_ETIMEOUT: 'TimeoutError',
    VO_EUNAVAILABLE: 'UnavailableError', VO_EVALIDATION: 'ValidationError',
    VO_EHANDLE: 'HandleError', VO_EREQUEST: 'RequestError', VO_ETLS: 'TlsError',
    VO_ENETWORK: 'NetworkError', VO_ESTORAGE: 'StorageError', VO_ECRYPTO: 'CryptoError',
    VO_EEXISTS: 'ExistsError', VO_EFORBIDDEN: 'ForbiddenError', VO_EEXPIRED: 'ExpiredError',
  };
  for (const [code, name] of Object.entries(expected)) {
    const Cls = errorClass(CODES[code]);
    assert.equal(Cls.name, name);
    const e = new Cls('m', { errno: CODES[code] });
    assert.ok(e instanceof VoiceOpsError && e instanceof Error);
    assert.equal(e.code, code);
    assert.equal(e.name, name);
  }
  // every C code has a class, and the library's own names agree with ours
  for (const [code, errno] of Object.entries(CODES)) {
    if (errno === -1) continue;
    assert.notEqual(errorClass(errno), VoiceOpsError, code);
  }
});

test('a C error arrives as a typed error with its fields, thrown synchronously', () => {
  assert.throws(() => voiceops.parseForm('a=%zz'), (e) => {
    assert.ok(e instanceof voiceops.ParseError);
    assert.equal(e.code, 'VO_EPARSE');
    assert.equal(e.errno, -6);
    assert.equal(e.httpStatus, 0);
    assert.equal(e.retryAfter, null);
    assert.match(e.message, /percent-escape/);
    return true;
  });
  assert.throws(() => voiceops.twilio.sign('', 'https://x.example/', []), voiceops.InvalidArgumentError);
  assert.throws(() => voiceops.parseForm(42), TypeError);
});

test('a secret never prints its value and can be wiped', () => {
  const value = 'sk_live_very_secret_value_123';
  const s = voiceops.Secret.from(value);
  for (const shown of [util.inspect(s), String(s), `${s}`, JSON.stringify({ s }), s + '',
    util.inspect({ nested: { s } }, { depth: 5 }), util.format('%s %o %O %j', s, s, s, { s })]) {
    assert.ok(!shown.includes(value), shown);
  }
  assert.equal(s.reveal(), value);
  assert.equal(s.length, value.length);
  assert.ok(s.equals(value));
  assert.ok(!s.equals(value + 'x'));
  assert.deepEqual(s.bytes(), Buffer.from(value));
  assert.equal(Object.keys(s).length, 0);
  s.wipe();
  assert.ok(s.wiped);
  assert.throws(() => s.reveal(), voiceops.HandleError);
  s.wipe(); // twice is fine
  assert.equal(util.inspect(s), 'Secret [wiped]');
});

test('no secret in an error message or stack (wrong key, bad credentials)', async () => {
  const d = tempDir();
  try {
    const vault = await openVault(d.file('v.db'));
    await vault.createTenant('t1');
    const token = 'f00dfacecafebeef0123456789abcdef';
    await vault.putTwilioCredentials('t1', { accountSid: 'AC' + 'a'.repeat(32), authToken: token });
    vault.close();
    // the same file with another key: a crypto error that must not echo anything secret
    const wrongKey = Buffer.alloc(32, 9);
    await assert.rejects(voiceops.Vault.open(d.file('v.db'), { keys: [{ id: 'k1', key: wrongKey }] }), (e) => {
      assert.ok(e instanceof voiceops.CryptoError);
      for (const text of [e.message, e.stack, util.inspect(e)]) {
        assert.ok(!text.includes(token) && !text.includes(wrongKey.toString('hex')));
      }
      return true;
    });
    assert.throws(() => voiceops.validateCredentials('twilio', { accountSid: 'AC' + 'b'.repeat(32), authToken: 'short\u0001bad' }),
      (e) => !e.message.includes('short\u0001bad') && !e.stack.includes('short\u0001bad'));
  } finally { d.remove(); }
});

test('logging reaches a callback through the thread-safe function, redacted', async () => {
  const records = [];
  voiceops.setLogger((r) => records.push(r), 'debug');
  const d = tempDir();
  try {
    const vault = await openVault(d.file('v.db'));
    await vault.createTenant('logged');
    await vault.putSecret('logged', 'api', 'Bearer abcdefghijklmnop0123456789');
    vault.close();
    // a handle misuse is logged at error level by the C library
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(records.length > 0, 'no log records arrived');
    for (const r of records) {
      assert.equal(typeof r.message, 'string');
      assert.ok(['trace', 'debug', 'info', 'warn', 'error'].includes(r.levelName), r.levelName);
      assert.ok(!r.message.includes('abcdefghijklmnop0123456789'));
    }
    assert.equal(voiceops.redact('Authorization: Bearer abcdefghijklmnop0123456789').includes('abcdefghijklmnop'), false);
  } finally {
    voiceops.setLogger(null);
    d.remove();
  }
});

test('limits and constants match the C library', () => {
  const l = voiceops.limits();
  assert.equal(l.vaultTenantMax, 64);
  assert.equal(l.vaultKeySize, 32);
  assert.equal(l.routingTokenSize, 48);
  assert.equal(voiceops.verifyHttpStatus(-7, voiceops.VerifyReason.MISMATCH), 403);
  assert.equal(voiceops.verifyHttpStatus(-9, voiceops.VerifyReason.UNKNOWN_TOKEN), 404);
  assert.equal(voiceops.verifyHttpStatus(-2, voiceops.VerifyReason.NO_KEY), 500);
  assert.match(voiceops.newCorrelationId(), /^[0-9a-f-]{36}$/);
});
