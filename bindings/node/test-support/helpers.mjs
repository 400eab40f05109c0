// Test helpers: the sandbox server on a free loopback port, temporary vaults, sandbox control.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const require = createRequire(import.meta.url);
export const here = path.dirname(fileURLToPath(import.meta.url));
export const pkgDir = path.resolve(here, '..');
export const repoRoot = path.resolve(pkgDir, '..', '..');
export const voiceops = require('../lib/index.js');

/** Start tools/sandbox on a free port; resolves { url, stop(), ctl(method, path, body) }. */
export function startSandbox() {
  const script = process.env.VO_SANDBOX_SCRIPT || path.join(repoRoot, 'tools', 'sandbox', 'voiceops_sandbox.py');
  const proc = spawn('python3', [script, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => { proc.kill(); reject(new Error('sandbox did not start')); }, 20000);
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error('sandbox exited ' + code)));
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      proc.removeAllListeners('exit');
      const url = m[1];
      const ctl = async (method, p, body, want) => {
        const r = await fetch(url + p, {
          method, body: body === undefined ? undefined : JSON.stringify(body),
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
        });
        const text = await r.text();
        if (want && r.status !== want) throw new Error(`${method} ${p} -> ${r.status}: ${text}`);
        return text ? JSON.parse(text) : null;
      };
      resolve({
        url, ctl, proc,
        stop: () => new Promise((res) => { proc.once('exit', res); proc.kill('SIGTERM'); }),
      });
    });
  });
}

export function tempDir(prefix = 'voiceops-node-') {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, file: (name) => path.join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A 32-byte key for tests. */
export function testKey(byte = 7) { return Buffer.alloc(32, byte); }

export async function openVault(file, extra = {}) {
  return voiceops.Vault.open(file, { keys: [{ id: 'k1', key: testKey() }], actor: 'node-test', ...extra });
}

/** A Twilio account and a Vapi key in the sandbox, onboarded into the vault as `tenant`. */
export async function provisionTenant(sb, vault, tenant, { numbers = [] } = {}) {
  const acct = await sb.ctl('POST', '/__sandbox/twilio/accounts', {}, 201);
  if (numbers.length) {
    await sb.ctl('POST', `/__sandbox/twilio/accounts/${acct.account_sid}/numbers`, numbers.map((n) => ({ phone_number: n })), 201);
  }
  const key = await sb.ctl('POST', '/__sandbox/vapi/keys', {}, 201);
  await voiceops.services.onboard(vault, tenant, {
    twilio: { accountSid: acct.account_sid, authToken: acct.auth_token },
    vapi: { apiKey: key.api_key, webhook: { secret: 'vapi-hook-secret-' + tenant } },
  }, servicesOptions(sb));
  return { accountSid: acct.account_sid, authToken: acct.auth_token, vapiKey: key.api_key };
}

export function servicesOptions(sb) {
  return { twilioApiBaseUrl: sb.url, twilioAccountsBaseUrl: sb.url, vapiBaseUrl: sb.url };
}
export function twilioOptions(sb) {
  return { apiBaseUrl: sb.url, accountsBaseUrl: sb.url, http: { maxAttempts: 2, backoffBaseMs: 10 } };
}
export function vapiOptions(sb) {
  return { baseUrl: sb.url, http: { maxAttempts: 2, backoffBaseMs: 10 } };
}
