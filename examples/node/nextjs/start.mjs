// @ts-check
// Start the Next.js example against the local sandbox: starts the sandbox, onboards two demo
// tenants into a fresh vault, prints their webhook URLs, then runs `next start` (build first
// with `npx next build nextjs`).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_TENANTS, openVault, provisionDemoTenants, startSandbox } from '../shared/demo.mjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const here = path.dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.PORT || 3001);
const dir = mkdtempSync(path.join(tmpdir(), 'voiceops-next-'));
const vaultFile = path.join(dir, 'vault.db');
const keyFile = path.join(dir, 'vault.key');
const sandbox = await startSandbox();
const vault = await openVault({ vaultFile, keyFile });
const tenants = await provisionDemoTenants(vault, sandbox.url, DEMO_TENANTS);
vault.close();
const base = process.env.PUBLIC_BASE_URL || `http://127.0.0.1:${port}`;
for (const [tenant, t] of Object.entries(tenants)) {
  console.log(`${tenant}: Twilio ${base}/api/twilio/${t.token}/voice  Vapi ${base}/api/vapi/${t.token}`);
}
const next = spawn(process.execPath, [path.join(here, '..', 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', here, '-p', String(port), '-H', '127.0.0.1'], {
  stdio: 'inherit',
  env: { ...process.env, VOICEOPS_VAULT: vaultFile, VOICEOPS_KEY_FILE: keyFile, VOICEOPS_SANDBOX_URL: sandbox.url, PUBLIC_BASE_URL: base },
});
const stop = () => { next.kill('SIGTERM'); sandbox.stop(); };
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
next.on('exit', (code) => { sandbox.stop(); process.exit(code ?? 0); });
