// @ts-check
// An Express app receiving Twilio and Vapi webhooks for several tenants through the vault,
// and listing / importing each tenant's numbers. Against the local sandbox by default:
//
//   node examples/node/express/server.mjs          (PORT, PUBLIC_BASE_URL, ADMIN_TOKEN optional)
//
// Webhook URLs carry a per-tenant routing token (/twilio/<token>/voice, /vapi/<token>); the
// middleware resolves the tenant and verifies the signature with that tenant's keys, from the
// raw body (no body parser on these routes).
import express from 'express';
import { TwilioClient, services, setLogger, VoiceOpsError } from 'voiceops';
import { routedWebhook } from 'voiceops/express';
import { DEMO_TENANTS, openVault, provisionDemoTenants, providerOptions, startSandbox } from '../shared/demo.mjs';

const port = Number(process.env.PORT || 3000);
const publicBaseUrl = process.env.PUBLIC_BASE_URL || `http://127.0.0.1:${port}`;
const adminToken = process.env.ADMIN_TOKEN || 'change-me';

setLogger('console', 'warn');
const sandbox = process.env.VOICEOPS_SANDBOX_URL ? { url: process.env.VOICEOPS_SANDBOX_URL, stop() {} } : await startSandbox();
const vault = await openVault();
const opts = providerOptions(sandbox.url);
const tenants = process.env.VOICEOPS_SANDBOX_URL ? {} : await provisionDemoTenants(vault, sandbox.url, DEMO_TENANTS);

const app = express();

// Webhooks: the tenant comes from the token in the URL, the keys from the vault.
app.post('/twilio/:token/voice',
  routedWebhook({ vault, provider: 'twilio', publicUrl: { baseUrl: publicBaseUrl } }),
  (req, res) => {
    const hook = req.voiceops;
    if (!hook || !hook.params) { res.sendStatus(500); return; }
    res.type('text/xml').send(`<Response><Say>Hello from ${hook.tenant}.</Say></Response>`);
  });

app.post('/vapi/:token',
  routedWebhook({ vault, provider: 'vapi', publicUrl: { baseUrl: publicBaseUrl } }),
  (req, res) => {
    const msg = req.voiceops && req.voiceops.message;
    if (msg && msg.type === 'assistant-request') {
      res.type('application/json').send(JSON.stringify({ assistant: { firstMessage: `Hi, this is ${req.voiceops?.tenant}.` } }));
      return;
    }
    res.json({ received: msg ? msg.type : null, tenant: req.voiceops?.tenant });
  });

// Admin routes (a bearer token here; use your real authentication).
app.use('/tenants', (req, res, next) => {
  if (req.get('authorization') !== `Bearer ${adminToken}`) { res.sendStatus(401); return; }
  next();
});

app.get('/tenants/:tenant/numbers', async (req, res, next) => {
  try {
    const twilio = await TwilioClient.forTenant(vault, req.params.tenant, opts.twilio);
    try {
      const numbers = [];
      for await (const n of twilio.numbers.list({ PageSize: 50 })) numbers.push({ sid: n.sid, phoneNumber: n.phoneNumber });
      res.json({ tenant: req.params.tenant, numbers });
    } finally { twilio.close(); }
  } catch (e) { next(e); }
});

app.post('/tenants/:tenant/import', async (req, res, next) => {
  try {
    res.json(await services.importNumbers(vault, req.params.tenant, {}, opts.services));
  } catch (e) { next(e); }
});

// voiceops errors carry a status a program can act on and never a secret.
app.use((/** @type {unknown} */ err, /** @type {express.Request} */ req, /** @type {express.Response} */ res, /** @type {express.NextFunction} */ next) => {
  if (err instanceof VoiceOpsError) {
    const status = err.code === 'VO_ENOTFOUND' ? 404 : err.code === 'VO_EAUTH' ? 502 : 500;
    res.status(status).json({ error: err.code, message: err.message, correlationId: err.correlationId });
    return;
  }
  next(err);
});

const server = app.listen(port, '127.0.0.1', () => {
  console.log(`express example listening on http://127.0.0.1:${port} (sandbox ${sandbox.url})`);
  for (const [tenant, t] of Object.entries(tenants)) {
    console.log(`  ${tenant}: Twilio voice URL ${publicBaseUrl}/twilio/${t.token}/voice, Vapi server URL ${publicBaseUrl}/vapi/${t.token}`);
  }
  if (process.send) process.send({ ready: true, port, sandbox: sandbox.url, tenants });
});

function shutdown() {
  server.close();
  vault.close();
  sandbox.stop();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
