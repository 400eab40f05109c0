// @ts-check
// Shared by the Express and Next.js examples: the vault and, by default, the local sandbox
// standing in for Twilio and Vapi, with two demo tenants onboarded through the vault.
//
// Environment (all optional):
//   VOICEOPS_VAULT        vault file (default: a temporary directory)
//   VOICEOPS_KEY_FILE     key file (created with Vault.keygen when missing)
//   VOICEOPS_SANDBOX_URL  a running sandbox; when unset, one is started on a free port
//   PUBLIC_BASE_URL       the URL Twilio and Vapi call (default http://127.0.0.1:<port>)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Vault, services, routing } from 'voiceops';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..', '..');

/**
 * Start the sandbox (tools/sandbox) on a free loopback port.
 * @returns {Promise<{ url: string, stop: () => void }>}
 */
export function startSandbox() {
  const script = path.join(repoRoot, 'tools', 'sandbox', 'voiceops_sandbox.py');
  const proc = spawn('python3', [script, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.once('error', reject);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1], stop: () => { proc.kill('SIGTERM'); } });
    });
  });
}

/**
 * @param {string} sandboxUrl
 * @param {string} method
 * @param {string} p
 * @param {unknown} body
 */
async function ctl(sandboxUrl, method, p, body) {
  const r = await fetch(sandboxUrl + p, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${await r.text()}`);
  return r.json();
}

/**
 * Open the vault (creating its key file if needed).
 * @param {{ vaultFile?: string, keyFile?: string }} [where]
 */
export async function openVault(where = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'voiceops-example-'));
  const vaultFile = where.vaultFile || process.env.VOICEOPS_VAULT || path.join(dir, 'vault.db');
  const keyFile = where.keyFile || process.env.VOICEOPS_KEY_FILE || path.join(dir, 'vault.key');
  if (!existsSync(keyFile)) await Vault.keygen(keyFile);
  return Vault.open(vaultFile, { keys: [{ id: 'main', file: keyFile }], actor: 'example' });
}

/** Base URLs of the clients and services: the sandbox. @param {string} sandboxUrl */
export function providerOptions(sandboxUrl) {
  return {
    twilio: { apiBaseUrl: sandboxUrl, accountsBaseUrl: sandboxUrl },
    vapi: { baseUrl: sandboxUrl },
    services: { twilioApiBaseUrl: sandboxUrl, twilioAccountsBaseUrl: sandboxUrl, vapiBaseUrl: sandboxUrl },
  };
}

/**
 * Create a Twilio account (with numbers) and a Vapi key in the sandbox for each tenant, onboard
 * them into the vault (credentials validated against the "providers" before they are stored)
 * and mint their webhook URL tokens.
 * @param {import('voiceops').Vault} vault
 * @param {string} sandboxUrl
 * @param {Record<string, string[]>} tenants tenant id -> phone numbers
 * @returns {Promise<Record<string, { token: string, accountSid: string, authToken: string, vapiSecret: string }>>}
 */
export async function provisionDemoTenants(vault, sandboxUrl, tenants) {
  /** @type {Record<string, { token: string, accountSid: string, authToken: string, vapiSecret: string }>} */
  const out = {};
  for (const [tenant, numbers] of Object.entries(tenants)) {
    const acct = await ctl(sandboxUrl, 'POST', '/__sandbox/twilio/accounts', {});
    await ctl(sandboxUrl, 'POST', `/__sandbox/twilio/accounts/${acct.account_sid}/numbers`, numbers.map((n) => ({ phone_number: n })));
    const key = await ctl(sandboxUrl, 'POST', '/__sandbox/vapi/keys', {});
    const vapiSecret = `vapi-server-secret-${tenant}-${Math.random().toString(36).slice(2)}`;
    await services.onboard(vault, tenant, {
      twilio: { accountSid: acct.account_sid, authToken: acct.auth_token },
      vapi: { apiKey: key.api_key, webhook: { secret: vapiSecret } },
    }, providerOptions(sandboxUrl).services);
    out[tenant] = { token: await routing.mint(vault, tenant), accountSid: acct.account_sid, authToken: acct.auth_token, vapiSecret };
  }
  return out;
}

export const DEMO_TENANTS = {
  'acme-dental': ['+14155550101', '+14155550102'],
  'globex-clinic': ['+12125550201'],
};
