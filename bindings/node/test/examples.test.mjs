// The examples (examples/node): TypeScript strict checks, the Express app over real HTTP, a
// real `next build` of the Next.js app served by `next start`, and a client component that
// imports voiceops failing its build with the server-only message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, fork } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { repoRoot, voiceops, startSandbox, tempDir } from '../test-support/helpers.mjs';

const examples = path.join(repoRoot, 'examples', 'node');
const bin = (name) => path.join(examples, 'node_modules', '.bin', name);
const installed = existsSync(path.join(examples, 'node_modules', 'next')) && existsSync(path.join(examples, 'node_modules', 'express'));
const skip = installed ? false : 'examples/node dependencies are not installed (tools/install-deps runs npm ci there)';
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

async function waitFor(url, ms = 60000) {
  const end = Date.now() + ms;
  for (;;) {
    try { const r = await fetch(url); if (r.status < 500) return; } catch (_) { /* not yet */ }
    if (Date.now() > end) throw new Error('timed out waiting for ' + url);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
function signedTwilio(authToken, url, params) {
  return { method: 'POST', body: new URLSearchParams(params).toString(), headers: { ...FORM, 'x-twilio-signature': voiceops.twilio.sign(authToken, url, params) } };
}

test('examples: tsc --noEmit --strict passes (Express app, shared code, Next.js app)', { skip }, () => {
  for (const project of ['tsconfig.json', 'nextjs/tsconfig.json']) {
    const r = spawnSync(bin('tsc'), ['--noEmit', '--strict', '-p', project], { cwd: examples, encoding: 'utf8' });
    assert.equal(r.status, 0, `${project}: ${r.stdout}${r.stderr}`);
  }
});

test('express example: webhooks for two tenants, numbers listed and imported', { skip }, async () => {
  const port = await freePort();
  const child = fork(path.join(examples, 'express', 'server.mjs'), { env: { ...env, PORT: String(port), ADMIN_TOKEN: 'adm' }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  try {
    const ready = await new Promise((resolve, reject) => { child.once('message', resolve); child.once('exit', (c) => reject(new Error('exited ' + c))); });
    const base = `http://127.0.0.1:${port}`;
    const acme = ready.tenants['acme-dental'];
    const globex = ready.tenants['globex-clinic'];
    const params = [['CallSid', 'CA' + 'a'.repeat(32)], ['From', '+14155550123']];
    const path1 = `/twilio/${acme.token}/voice`;
    let r = await fetch(base + path1, signedTwilio(acme.authToken, base + path1, params));
    assert.equal(r.status, 200);
    assert.match(await r.text(), /Hello from acme-dental/);
    // signed with the other tenant's token: refused
    r = await fetch(base + path1, signedTwilio(globex.authToken, base + path1, params));
    assert.equal(r.status, 403);
    const vpath = `/vapi/${globex.token}`;
    r = await fetch(base + vpath, { method: 'POST', body: JSON.stringify({ message: { type: 'assistant-request' } }), headers: { 'content-type': 'application/json', 'x-vapi-secret': globex.vapiSecret } });
    assert.equal(r.status, 200);
    assert.match((await r.json()).assistant.firstMessage, /globex-clinic/);
    const auth = { authorization: 'Bearer adm' };
    r = await fetch(`${base}/tenants/acme-dental/numbers`, { headers: auth });
    assert.deepEqual((await r.json()).numbers.map((n) => n.phoneNumber).sort(), ['+14155550101', '+14155550102']);
    assert.equal((await fetch(`${base}/tenants/acme-dental/numbers`)).status, 401);
    r = await fetch(`${base}/tenants/acme-dental/import`, { method: 'POST', headers: auth });
    assert.equal((await r.json()).imported, 2);
    r = await fetch(`${base}/tenants/nobody/numbers`, { headers: auth });
    assert.equal(r.status, 404);
  } finally {
    child.kill('SIGTERM');
  }
});

let sb, dir, tenants;
before(async () => {
  if (skip) return;
  sb = await startSandbox();
  dir = tempDir('voiceops-next-test-');
});
after(async () => { await sb?.stop(); dir?.remove(); });

test('next.js example: a real next build, then webhooks and admin routes through next start', { skip, timeout: 240000 }, async () => {
  const build = spawnSync(process.execPath, [path.join(examples, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build', '--webpack', 'nextjs'],
    { cwd: examples, env, encoding: 'utf8', timeout: 200000 });
  assert.equal(build.status, 0, build.stdout + build.stderr);
  assert.match(build.stdout, /\/api\/twilio\/\[token\]\/voice/);

  const { openVault, provisionDemoTenants, DEMO_TENANTS } = await import(path.join(examples, 'shared', 'demo.mjs'));
  const vaultFile = dir.file('vault.db');
  const keyFile = dir.file('vault.key');
  const vault = await openVault({ vaultFile, keyFile });
  tenants = await provisionDemoTenants(vault, sb.url, DEMO_TENANTS);
  vault.close();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(process.execPath, [path.join(examples, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', 'nextjs', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: examples, stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...env, VOICEOPS_VAULT: vaultFile, VOICEOPS_KEY_FILE: keyFile, VOICEOPS_SANDBOX_URL: sb.url, PUBLIC_BASE_URL: 'https://hooks.example.com', ADMIN_TOKEN: 'adm' },
  });
  try {
    await waitFor(base + '/');
    const acme = tenants['acme-dental'];
    const globex = tenants['globex-clinic'];
    const p = `/api/twilio/${acme.token}/voice`;
    const params = [['CallSid', 'CA' + 'b'.repeat(32)], ['From', '+14155550777']];
    let r = await fetch(base + p, signedTwilio(acme.authToken, 'https://hooks.example.com' + p, params));
    assert.equal(r.status, 200);
    assert.equal(await r.text(), '<Response><Say>Hello acme-dental, call from +14155550777.</Say></Response>');
    r = await fetch(base + p, signedTwilio(acme.authToken, base + p, params)); // signed for the internal URL
    assert.equal(r.status, 403);
    r = await fetch(`${base}/api/twilio/whk_${'Z'.repeat(43)}/voice`, signedTwilio(acme.authToken, 'https://hooks.example.com' + p, params));
    assert.equal(r.status, 404);
    r = await fetch(`${base}/api/vapi/${globex.token}`, { method: 'POST', body: JSON.stringify({ message: { type: 'status-update', status: 'ended' } }), headers: { 'content-type': 'application/json', 'x-vapi-secret': globex.vapiSecret } });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { tenant: 'globex-clinic', received: 'status-update' });
    r = await fetch(`${base}/api/tenants/globex-clinic/numbers`, { headers: { authorization: 'Bearer adm' } });
    assert.deepEqual((await r.json()).numbers.map((n) => n.phoneNumber), ['+12125550201']);
    r = await fetch(`${base}/api/tenants/globex-clinic/import`, { method: 'POST', headers: { authorization: 'Bearer adm' } });
    const report = await r.json();
    assert.equal(report.imported, 1);
    assert.equal(report.numbers[0].status, 'imported');
  } finally {
    server.kill('SIGTERM');
  }
});

test('next.js: a client component that imports voiceops fails the build with the server-only message', { skip, timeout: 180000 }, () => {
  const app = path.join(examples, '.build-tmp', `client-import-${process.pid}`);
  rmSync(app, { recursive: true, force: true });
  mkdirSync(path.join(app, 'app'), { recursive: true });
  try {
    copyFileSync(path.join(examples, 'nextjs', 'next.config.mjs'), path.join(app, 'next.config.mjs'));
    writeFileSync(path.join(app, 'app', 'layout.jsx'), 'export default function L({ children }) { return <html><body>{children}</body></html>; }\n');
    writeFileSync(path.join(app, 'app', 'page.jsx'), "'use client';\nimport { version } from 'voiceops';\nexport default function Page() { return <p>{version().version}</p>; }\n");
    const r = spawnSync(process.execPath, [path.join(examples, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build', '--webpack', app],
      { cwd: examples, env, encoding: 'utf8', timeout: 170000 });
    const out = r.stdout + r.stderr;
    assert.notEqual(r.status, 0, 'the build must fail');
    assert.match(out, /voiceops-is-server-only--it-holds-tenant-secrets-and-must-never-be-bundled-for-a-browser/);
    assert.match(out, /app\/page\.jsx/);
  } finally {
    rmSync(path.join(examples, '.build-tmp'), { recursive: true, force: true });
  }
});

test('types: index.d.ts, express.d.ts and next.d.ts cover the API as used (tsc --strict, no skipLibCheck)', () => {
  const tsc = path.join(repoRoot, 'bindings', 'node', 'node_modules', '.bin', 'tsc');
  if (!existsSync(tsc)) return;
  const r = spawnSync(tsc, ['--noEmit', '--strict', '-p', path.join(repoRoot, 'bindings', 'node', 'test-support', 'tsconfig.json')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
