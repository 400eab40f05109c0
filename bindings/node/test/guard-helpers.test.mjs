// The webhook guard in the framework helpers (issue 15): the Express middleware over real
// HTTP on loopback and the Next.js App Router helper with Web Request objects, both on a real
// SQLite vault. A provider retry is answered 200 without calling the handler (or calls it
// flagged as a duplicate with onDuplicate: 'call'); a replay is 403; a forged request is 403
// and leaves nothing in the seen-request store.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { voiceops, require, tempDir, openVault } from '../test-support/helpers.mjs';

const express = require('express');
const { twilioWebhook, vapiWebhook, routedWebhook } = require('../lib/express.js');
const { verifyWebhook, withWebhook } = require('../lib/next.js');

const TOKEN = 'f1e2d3c4b5a6f7e8d9c0f1e2d3c4b5a6';
const BASE = 'https://hooks.example.com';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
let server, url, vault, d, routeToken;
const calls = { routed: [], fixed: [], call: [], vapi: [] };

function listen(app) {
  return new Promise((resolve) => {
    const s = http.createServer(app).listen(0, '127.0.0.1', () => resolve(s));
  });
}

before(async () => {
  d = tempDir();
  vault = await openVault(d.file('v.db'));
  await vault.createTenant('acme');
  await vault.putTwilioCredentials('acme', { accountSid: 'AC' + '2'.repeat(32), authToken: TOKEN });
  routeToken = await vault.mintRoutingToken('acme');

  const app = express();
  const publicUrl = { baseUrl: BASE };
  app.post('/r/:token/voice', routedWebhook({ vault, provider: 'twilio', guard: true, publicUrl }), (req, res) => {
    calls.routed.push(req.voiceops.params.CallSid);
    res.json({ tenant: req.voiceops.tenant, duplicate: req.voiceops.duplicate });
  });
  app.post('/fixed/voice', twilioWebhook({ authTokens: [TOKEN], vault, tenant: 'acme', guard: { retentionSeconds: 3600, retryWindowSeconds: 120 }, publicUrl }),
    (req, res) => { calls.fixed.push(req.voiceops.params.CallSid); res.json({ tenant: req.voiceops.tenant }); });
  app.post('/call/voice', twilioWebhook({ authTokens: () => [TOKEN], vault, tenant: 'acme', guard: true, onDuplicate: 'call', publicUrl }),
    (req, res) => {
      calls.call.push(req.voiceops.duplicate);
      res.type('text/xml').send(`<Response><Say>${req.voiceops.duplicate ? 'again' : 'hello'}</Say></Response>`);
    });
  app.post('/vapi/events', vapiWebhook({ secrets: ['vapi-guard-secret'], vault, tenant: 'acme', guard: true, publicUrl }),
    (req, res) => { calls.vapi.push(req.voiceops.message.type); res.json({ ok: true }); });
  app.use((err, req, res, next) => res.status(err.status || 500).send(err.message));
  server = await listen(app);
  url = `http://127.0.0.1:${server.address().port}`;
});
after(() => { server?.close(); vault?.close(); d?.remove(); });

let sidCounter = 0;
/** A fresh signed Twilio webhook for `path` (a new CallSid each time: new content). */
function signed(path, idem) {
  const sid = 'CA' + String(++sidCounter).padStart(32, '0');
  const params = [['CallSid', sid], ['From', '+14155550100'], ['To', '+14155550199']];
  const body = new URLSearchParams(params).toString();
  const headers = { ...FORM, 'x-twilio-signature': voiceops.twilio.sign(TOKEN, BASE + path, params) };
  if (idem) headers['i-twilio-idempotency-token'] = idem;
  return { sid, body, headers };
}
const post = (path, { body, headers }) => fetch(url + path, { method: 'POST', body, headers });

test('express guard (routed): the same signed webhook twice calls the handler once, the retry gets 200', async () => {
  const path = `/r/${routeToken}/voice`;
  const w = signed(path, 'idem-r1');
  const before = await vault.seenCount();
  const first = await post(path, w);
  assert.equal(first.status, 200);
  assert.deepEqual(await first.json(), { tenant: 'acme', duplicate: false });
  const retry = await post(path, w);
  assert.equal(retry.status, 200);
  assert.match(await retry.text(), /duplicate/);
  assert.deepEqual(calls.routed, [w.sid]);
  assert.equal(await vault.seenCount(), before + 1);
  // the same signed request outside the retry pattern (another idempotency token): a replay
  const replay = await post(path, { ...w, headers: { ...w.headers, 'i-twilio-idempotency-token': 'made-up' } });
  assert.equal(replay.status, 403);
  // without the idempotency header at all: also a replay
  const { 'i-twilio-idempotency-token': _drop, ...bare } = w.headers;
  assert.equal((await post(path, { ...w, headers: bare })).status, 403);
  assert.deepEqual(calls.routed, [w.sid]);
});

test('express guard (routed): a forged request is 403 and not recorded; an unknown token 404', async () => {
  const path = `/r/${routeToken}/voice`;
  const w = signed(path, 'idem-forged');
  const before = await vault.seenCount();
  const forged = await post(path, { ...w, body: w.body + '&Extra=1' });
  assert.equal(forged.status, 403);
  assert.match(await forged.text(), /verification failed/);
  const unsigned = await post(path, { ...w, headers: FORM });
  assert.equal(unsigned.status, 403);
  assert.equal(await vault.seenCount(), before);
  // not recorded: the authentic request is still a first sighting afterwards
  assert.equal((await post(path, w)).status, 200);
  assert.equal(calls.routed.at(-1), w.sid);
  assert.equal(await vault.seenCount(), before + 1);
  const last = routeToken.at(-1);
  const other = `/r/${routeToken.slice(0, -1) + (last === 'A' ? 'B' : 'A')}/voice`;
  const r = await post(other, signed(other, 'x'));
  assert.ok(r.status === 404 || r.status === 400, `status ${r.status}`); // unknown or malformed token
  assert.equal(await vault.seenCount(), before + 1);
});

test('express guard (fixed keys + tenant): retry 200 without the handler, replay 403, forged 403 unrecorded', async () => {
  const w = signed('/fixed/voice', 'idem-f1');
  const before = await vault.seenCount();
  assert.equal((await post('/fixed/voice', { ...w, headers: { ...w.headers, 'x-twilio-signature': voiceops.twilio.sign('not-the-token', BASE + '/fixed/voice', [['CallSid', w.sid]]) } })).status, 403);
  assert.equal(await vault.seenCount(), before);
  const first = await post('/fixed/voice', w);
  assert.equal(first.status, 200);
  assert.deepEqual(await first.json(), { tenant: 'acme' });
  const retry = await post('/fixed/voice', w);
  assert.equal(retry.status, 200);
  assert.match(await retry.text(), /duplicate/);
  assert.equal((await post('/fixed/voice', { ...w, headers: { ...w.headers, 'i-twilio-idempotency-token': 'idem-other' } })).status, 403);
  assert.deepEqual(calls.fixed, [w.sid]);
  assert.equal(await vault.seenCount(), before + 1);
});

test("express guard, onDuplicate: 'call': the retry reaches the handler flagged as a duplicate (same TwiML)", async () => {
  const w = signed('/call/voice', 'idem-c1');
  const first = await post('/call/voice', w);
  assert.equal(first.status, 200);
  assert.equal(await first.text(), '<Response><Say>hello</Say></Response>');
  const retry = await post('/call/voice', w);
  assert.equal(retry.status, 200);
  assert.equal(retry.headers.get('content-type').split(';')[0], 'text/xml');
  assert.equal(await retry.text(), '<Response><Say>again</Say></Response>');
  // a replay is still refused before the handler
  assert.equal((await post('/call/voice', { ...w, headers: { ...w.headers, 'i-twilio-idempotency-token': 'zzz' } })).status, 403);
  assert.deepEqual(calls.call, [false, true]);
});

test('express guard (Vapi, fixed secret + tenant): the same message delivered twice is acted on once', async () => {
  const body = JSON.stringify({ message: { type: 'status-update', status: 'ended', call: { id: 'call-guard-1' } } });
  const h = { 'content-type': 'application/json', 'x-vapi-secret': 'vapi-guard-secret' };
  const first = await fetch(url + '/vapi/events', { method: 'POST', body, headers: h });
  assert.equal(first.status, 200);
  const again = await fetch(url + '/vapi/events', { method: 'POST', body, headers: h });
  // shared-secret Vapi signs nothing that tells a retry from a replay: keyed by the body,
  // a repeat is always a duplicate (docs/webhooks.md)
  assert.equal(again.status, 200);
  assert.match(await again.text(), /duplicate/);
  assert.deepEqual(calls.vapi, ['status-update']);
  const wrong = await fetch(url + '/vapi/events', { method: 'POST', body: body.replace('ended', 'x'), headers: { ...h, 'x-vapi-secret': 'wrong' } });
  assert.equal(wrong.status, 403);
  assert.deepEqual(calls.vapi, ['status-update']);
});

test('express/next guard options are checked when the helper is made', async () => {
  const publicUrl = { baseUrl: BASE };
  assert.throws(() => twilioWebhook({ authTokens: [TOKEN], guard: true, publicUrl }), /guard records requests in a vault/);
  assert.throws(() => twilioWebhook({ vault, tenant: 'acme', guard: true, publicUrl }), /tenant is for fixed keys; give authTokens/);
  assert.throws(() => vapiWebhook({ vault, tenant: 'acme', publicUrl }), /give secrets/);
  assert.throws(() => routedWebhook({ vault, provider: 'twilio', guard: true, onDuplicate: 'skip', publicUrl }), /onDuplicate must be 'answer' or 'call'/);
  assert.throws(() => routedWebhook({ vault, provider: 'twilio', guard: { retention: 5 }, publicUrl }), /unknown guard option "retention"/);
  assert.throws(() => routedWebhook({ vault, provider: 'twilio', guard: { retentionSeconds: -1 }, publicUrl }), /non-negative integer/);
  assert.throws(() => routedWebhook({ vault, provider: 'twilio', guard: 'yes', publicUrl }), /guard must be true or/);
  const req = new Request(BASE + '/x', { method: 'POST', body: 'a=1' });
  await assert.rejects(verifyWebhook(req, { provider: 'twilio', authTokens: [TOKEN], guard: true, publicUrl }), /guard records requests in a vault/);
});

// ---- Next.js App Router helper, with Web Request objects ----------------------------------------

function webRequest(path, w) {
  return new Request(BASE + path, { method: 'POST', body: w.body, headers: w.headers });
}

test('next guard (routed): same signed webhook twice -> handler once, retry 200; replay 403; forged 403 unrecorded', async () => {
  const seen = [];
  const route = withWebhook({ vault, provider: 'twilio', guard: true, publicUrl: { baseUrl: BASE } },
    async (_request, _ctx, hook) => { seen.push([hook.params.CallSid, hook.duplicate]); return new Response('<Response/>', { headers: { 'content-type': 'text/xml' } }); });
  const path = `/api/twilio/voice/${routeToken}`;
  const w = signed(path, 'idem-n1');
  const before = await vault.seenCount();
  const forged = await route(webRequest(path, { ...w, body: w.body.replace('%2B1415', '%2B1212') }), {});
  assert.equal(forged.status, 403);
  assert.equal(await vault.seenCount(), before);
  const first = await route(webRequest(path, w), {});
  assert.equal(first.status, 200);
  assert.equal(await first.text(), '<Response/>');
  const retry = await route(webRequest(path, w), {});
  assert.equal(retry.status, 200);
  assert.match(await retry.text(), /duplicate/);
  const replay = await route(webRequest(path, { ...w, headers: { ...w.headers, 'i-twilio-idempotency-token': 'nope' } }), {});
  assert.equal(replay.status, 403);
  assert.deepEqual(seen, [[w.sid, false]]);
  assert.equal(await vault.seenCount(), before + 1);
  // verifyWebhook itself reports the duplicate
  const v = await verifyWebhook(webRequest(path, w), { vault, provider: 'twilio', guard: true, publicUrl: { baseUrl: BASE } });
  assert.equal(v.ok, false);
  assert.equal(v.duplicate, true);
  assert.equal(v.status, 200);
  assert.equal(v.response.status, 200);
  assert.equal(v.tenant, 'acme');
});

test("next guard (fixed keys + tenant, onDuplicate: 'call'): the retry is handed over flagged", async () => {
  const seen = [];
  const route = withWebhook({ vault, tenant: 'acme', authTokens: [TOKEN], provider: 'twilio', guard: { retentionSeconds: 600 }, onDuplicate: 'call', publicUrl: { baseUrl: BASE } },
    async (_request, _ctx, hook) => { seen.push([hook.tenant, hook.duplicate]); return new Response(hook.duplicate ? 'again' : 'first'); });
  const w = signed('/api/fixed', 'idem-n2');
  assert.equal(await (await route(webRequest('/api/fixed', w), {})).text(), 'first');
  const retry = await route(webRequest('/api/fixed', w), {});
  assert.equal(retry.status, 200);
  assert.equal(await retry.text(), 'again');
  assert.equal((await route(webRequest('/api/fixed', { ...w, headers: { ...w.headers, 'i-twilio-idempotency-token': 'other' } }), {})).status, 403);
  const before = await vault.seenCount();
  const forged = signed('/api/elsewhere', 'idem-n3'); // signed for another URL
  assert.equal((await route(webRequest('/api/fixed', forged), {})).status, 403);
  assert.equal(await vault.seenCount(), before);
  assert.deepEqual(seen, [['acme', false], ['acme', true]]);
});

test('next without the guard: the same webhook twice is handed over twice (the guard is opt-in)', async () => {
  let n = 0;
  const route = withWebhook({ authTokens: [TOKEN], provider: 'twilio', publicUrl: { baseUrl: BASE } },
    async (_r, _c, hook) => { n++; assert.equal(hook.duplicate, false); return new Response('ok'); });
  const w = signed('/api/plain', 'idem-p');
  const before = await vault.seenCount();
  assert.equal((await route(webRequest('/api/plain', w), {})).status, 200);
  assert.equal((await route(webRequest('/api/plain', w), {})).status, 200);
  assert.equal(n, 2);
  assert.equal(await vault.seenCount(), before);
});
