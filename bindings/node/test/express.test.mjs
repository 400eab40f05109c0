// The Express middleware and the Next.js helper over real HTTP on loopback.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { voiceops, require, tempDir, openVault } from '../test-support/helpers.mjs';

const express = require('express');
const { twilioWebhook, vapiWebhook, routedWebhook } = require('../lib/express.js');
const { verifyWebhook, withWebhook } = require('../lib/next.js');

const TOKEN = 'a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6';
const BASE = 'https://hooks.example.com';
let server, url, vault, d, routeToken, vapiRouteToken;

function listen(app) {
  return new Promise((resolve) => {
    const s = http.createServer(app).listen(0, '127.0.0.1', () => resolve(s));
  });
}

before(async () => {
  d = tempDir();
  vault = await openVault(d.file('v.db'));
  await vault.createTenant('acme');
  await vault.putTwilioCredentials('acme', { accountSid: 'AC' + '1'.repeat(32), authToken: TOKEN });
  await vault.putVapiCredentials('acme', { apiKey: 'vapi-private-key', webhook: { secret: 'vapi-shared' } });
  routeToken = await vault.mintRoutingToken('acme');
  vapiRouteToken = routeToken;

  const app = express();
  app.post('/twilio/voice', twilioWebhook({ authTokens: [TOKEN], publicUrl: { baseUrl: BASE } }), (req, res) => {
    res.type('text/xml').send(`<Response><Say>${req.voiceops.params.From}</Say></Response>`);
  });
  app.post('/raw/voice', express.raw({ type: () => true }), twilioWebhook({ authTokens: () => [TOKEN], publicUrl: { baseUrl: BASE } }),
    (req, res) => res.json({ params: req.voiceops.params }));
  app.post('/parsed/voice', express.urlencoded({ extended: false }), twilioWebhook({ authTokens: [TOKEN], publicUrl: { baseUrl: BASE } }),
    (req, res) => res.send('should not get here'));
  app.post('/vapi/events', vapiWebhook({ secrets: ['vapi-shared'], publicUrl: { baseUrl: BASE } }),
    (req, res) => res.json({ type: req.voiceops.message.type }));
  app.post('/t/:token/voice', routedWebhook({ vault, provider: 'twilio', publicUrl: { baseUrl: BASE } }),
    (req, res) => res.json({ tenant: req.voiceops.tenant, params: req.voiceops.params }));
  app.post('/v/:token', routedWebhook({ vault, provider: 'vapi', publicUrl: { trustedProxies: ['127.0.0.1'], forwardedHeaders: ['x_forwarded_proto', 'x_forwarded_host'] } }),
    (req, res) => res.json({ tenant: req.voiceops.tenant }));
  let guarded = 0;
  app.post('/g/:token/voice', routedWebhook({ vault, provider: 'twilio', guard: true, publicUrl: { baseUrl: BASE } }),
    (req, res) => { guarded++; res.json({ tenant: req.voiceops.tenant, guarded }); });
  app.use((err, req, res, next) => res.status(err.status || 500).send(err.message));
  server = await listen(app);
  url = `http://127.0.0.1:${server.address().port}`;
});
after(() => { server?.close(); vault?.close(); d?.remove(); });

function post(path, body, headers) {
  return fetch(url + path, { method: 'POST', body, headers });
}
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const params = [['CallSid', 'CA' + 'f'.repeat(32)], ['From', '+14155550100'], ['To', '+14155550199'], ['SpeechResult', 'héllo & bye']];
const body = new URLSearchParams(params).toString();

test('express: a signed Twilio webhook passes, with the params parsed from the raw body', async () => {
  const sig = voiceops.twilio.sign(TOKEN, BASE + '/twilio/voice', params);
  const r = await post('/twilio/voice', body, { ...FORM, 'x-twilio-signature': sig });
  assert.equal(r.status, 200);
  assert.equal(await r.text(), '<Response><Say>+14155550100</Say></Response>');
  const r2 = await post('/raw/voice?x=1', body, { ...FORM, 'x-twilio-signature': voiceops.twilio.sign(TOKEN, BASE + '/raw/voice?x=1', params) });
  assert.equal(r2.status, 200);
  assert.equal((await r2.json()).params.SpeechResult, 'héllo & bye');
});

test('express: answers the status the C library maps each outcome to', async () => {
  const sig = voiceops.twilio.sign(TOKEN, BASE + '/twilio/voice', params);
  assert.equal((await post('/twilio/voice', body + '&Extra=1', { ...FORM, 'x-twilio-signature': sig })).status, 403);
  assert.equal((await post('/twilio/voice', body, FORM)).status, 403);
  assert.equal((await post('/twilio/voice', 'a=%zz', { ...FORM, 'x-twilio-signature': sig })).status, 400);
  assert.equal((await post('/twilio/voice', 'x'.repeat(5 * 1024 * 1024), { ...FORM, 'x-twilio-signature': sig })).status, 413);
  // signed for another URL (another route): refused
  const other = voiceops.twilio.sign(TOKEN, BASE + '/raw/voice', params);
  assert.equal((await post('/twilio/voice', body, { ...FORM, 'x-twilio-signature': other })).status, 403);
  // a body parser that ran first is a configuration error, not a pass
  const parsed = await post('/parsed/voice', body, { ...FORM, 'x-twilio-signature': sig });
  assert.equal(parsed.status, 500);
  assert.match(await parsed.text(), /express\.raw/);
});

test('express: Vapi server messages, and routing through the vault by URL token', async () => {
  const msg = JSON.stringify({ message: { type: 'status-update', status: 'ended' } });
  const ok = await post('/vapi/events', msg, { 'content-type': 'application/json', 'x-vapi-secret': 'vapi-shared' });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { type: 'status-update' });
  assert.equal((await post('/vapi/events', msg, { 'content-type': 'application/json', 'x-vapi-secret': 'nope' })).status, 403);

  const path = `/t/${routeToken}/voice`;
  const sig = voiceops.twilio.sign(TOKEN, BASE + path, params);
  const r = await post(path, body, { ...FORM, 'x-twilio-signature': sig });
  assert.equal(r.status, 200);
  const j = await r.json();
  assert.equal(j.tenant, 'acme');
  assert.equal(j.params.From, '+14155550100');
  assert.equal((await post(`/t/whk_${'Q'.repeat(43)}/voice`, body, { ...FORM, 'x-twilio-signature': sig })).status, 404);
  assert.equal((await post('/t/garbage/voice', body, { ...FORM, 'x-twilio-signature': sig })).status, 400);

  // forwarded headers are believed from the trusted proxy (here: the loopback peer)
  const v = await post(`/v/${vapiRouteToken}`, msg, { 'content-type': 'application/json', 'x-vapi-secret': 'vapi-shared', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'public.example.com' });
  assert.equal(v.status, 200);
  assert.deepEqual(await v.json(), { tenant: 'acme' });
});

test('express: refuses to start without a public URL source', () => {
  assert.throws(() => twilioWebhook({ authTokens: [TOKEN] }), /publicUrl\.baseUrl/);
  assert.throws(() => twilioWebhook({ authTokens: [TOKEN], publicUrl: { trustedProxies: ['10.0.0.0/8'] } }), /forwardedHeaders/);
});

test('next helper: verifyWebhook on a Web Request resolves the tenant and returns params', async () => {
  const path = `/api/twilio/${routeToken}`;
  const sig = voiceops.twilio.sign(TOKEN, BASE + path, params);
  const mk = (b, s) => new Request('http://localhost:3000' + path, { method: 'POST', body: b, headers: { ...FORM, 'x-twilio-signature': s } });
  const v = await verifyWebhook(mk(body, sig), { vault, provider: 'twilio', publicUrl: { baseUrl: BASE } });
  assert.equal(v.ok, true);
  assert.equal(v.tenant, 'acme');
  assert.equal(v.params.SpeechResult, 'héllo & bye');
  assert.equal(v.url, BASE + path);
  const bad = await verifyWebhook(mk(body + '&x=1', sig), { vault, provider: 'twilio', publicUrl: { baseUrl: BASE } });
  assert.equal(bad.ok, false);
  assert.equal(bad.status, 403);
  assert.equal(bad.response.status, 403);
  const handler = withWebhook({ vault, provider: 'twilio', publicUrl: { baseUrl: BASE } }, (req, ctx, hook) => Response.json({ tenant: hook.tenant }));
  const res = await handler(mk(body, sig), {});
  assert.deepEqual(await res.json(), { tenant: 'acme' });
  assert.equal((await handler(mk(body, 'AAAA'), {})).status, 403);
  await assert.rejects(verifyWebhook(mk(body, sig), { vault, provider: 'twilio' }), /publicUrl/);
});

test('the browser entry fails with the server-only message', async () => {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, ['-e', "require(require('path').resolve('lib/browser.js'))"], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /voiceops is server-only/);
  // with the browser condition, resolution picks that entry
  const r2 = spawnSync(process.execPath, ['--conditions=browser', '--input-type=module', '-e', "import('voiceops').catch((e) => { console.error(e.message); process.exit(3); })"],
    { encoding: 'utf8', cwd: new URL('..', import.meta.url).pathname });
  assert.equal(r2.status, 3);
  assert.match(r2.stderr, /server-only/);
});

test('express: with the guard, a provider retry is answered 200 without running the handler again', async () => {
  const path = `/g/${routeToken}/voice`;
  const sig = voiceops.twilio.sign(TOKEN, BASE + path, params);
  const h = { ...FORM, 'x-twilio-signature': sig, 'i-twilio-idempotency-token': 'idem-x' };
  const first = await post(path, body, h);
  assert.equal(first.status, 200);
  assert.deepEqual(await first.json(), { tenant: 'acme', guarded: 1 });
  const retry = await post(path, body, h);
  assert.equal(retry.status, 200);
  assert.match(await retry.text(), /duplicate/);
  const replay = await post(path, body, { ...h, 'i-twilio-idempotency-token': 'other' });
  assert.equal(replay.status, 403);
});
