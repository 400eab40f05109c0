// Twilio and Vapi clients, iterators, services and routing against the sandbox over loopback.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import util from 'node:util';
import {
  voiceops, startSandbox, tempDir, openVault, provisionTenant, twilioOptions, vapiOptions,
  servicesOptions,
} from '../test-support/helpers.mjs';

const { TwilioClient, VapiClient, HttpClient, services, routing, Secret } = voiceops;
let sb, d, vault, acme, globex;
const NUMBERS = Array.from({ length: 7 }, (_, i) => `+1415555${String(200 + i).padStart(4, '0')}`);

before(async () => {
  sb = await startSandbox();
  d = tempDir();
  vault = await openVault(d.file('vault.db'));
  acme = await provisionTenant(sb, vault, 'acme', { numbers: NUMBERS });
  globex = await provisionTenant(sb, vault, 'globex', { numbers: ['+12125550300'] });
});
after(async () => {
  vault?.close();
  await sb?.stop();
  d?.remove();
});

async function requests(method, path) {
  return sb.ctl('GET', `/__sandbox/requests?method=${method}&path=${encodeURIComponent(path)}`);
}

test('TwilioClient.forTenant reads the tenant credentials; lists page lazily', async () => {
  const tw = await TwilioClient.forTenant(vault, 'acme', twilioOptions(sb));
  try {
    assert.equal(tw.accountSid, acme.accountSid);
    assert.equal(tw.apiBaseUrl, sb.url);
    assert.equal(tw.isFallback, false);
    assert.ok(!util.inspect(tw).includes(acme.authToken));
    await sb.ctl('DELETE', '/__sandbox/requests');
    const path = `/2010-04-01/Accounts/${acme.accountSid}/IncomingPhoneNumbers.json`;
    const it = tw.numbers.list({ PageSize: 3 });
    assert.equal((await requests('GET', path)).length, 0, 'nothing is fetched before iteration');
    const first = await it.next();
    assert.ok(NUMBERS.includes(first.value.phoneNumber));
    assert.equal((await requests('GET', path + '*')).length, 1, 'one page for the first item');
    const rest = [];
    for await (const n of it) rest.push(n.phoneNumber);
    assert.deepEqual([first.value.phoneNumber, ...rest].sort(), NUMBERS.slice().sort());
    assert.equal(it.pages, 3);
    assert.equal((await requests('GET', path + '*')).length, 3);
    // break closes the iterator early
    let count = 0;
    for await (const n of tw.numbers.list({ PageSize: 2 })) { assert.ok(n.sid.startsWith('PN')); if (++count === 3) break; }
    assert.equal(count, 3);
    // the other tenant sees only its own numbers
    const g = await TwilioClient.forTenant(vault, 'globex', twilioOptions(sb));
    assert.deepEqual((await g.numbers.list().toArray()).map((n) => n.phoneNumber), ['+12125550300']);
    g.close();
  } finally { tw.close(); }
});

test('Twilio resources: account, numbers, available numbers, calls, messages, keys', async () => {
  const tw = await TwilioClient.forTenant(vault, 'acme', twilioOptions(sb));
  try {
    const acct = await tw.account.get();
    assert.equal(acct.sid, acme.accountSid);
    assert.match(acct.requestId, /^RQ/);
    assert.equal(acct.get('status'), 'active');
    const avail = await tw.availableNumbers.search('US', 'Local', { AreaCode: '415' }).toArray();
    assert.ok(avail.length > 0);
    const bought = await tw.numbers.purchase({ PhoneNumber: avail[0].phoneNumber, FriendlyName: 'bought' });
    assert.equal(bought.friendlyName, 'bought');
    const upd = await tw.numbers.update(bought.sid, [['VoiceUrl', 'https://example.com/voice']]);
    assert.equal(upd.get('voice_url'), 'https://example.com/voice');
    assert.equal((await tw.numbers.get(bought.sid)).sid, bought.sid);
    await tw.numbers.release(bought.sid);
    await assert.rejects(tw.numbers.get(bought.sid), voiceops.NotFoundError);

    const call = await tw.calls.create('+14155550123', NUMBERS[0], { Url: 'https://example.com/twiml' });
    assert.match(call.sid, /^CA/);
    assert.equal((await tw.calls.get(call.sid)).sid, call.sid);
    const listed = await tw.calls.list({ To: '+14155550123' }).toArray();
    assert.ok(listed.some((c) => c.sid === call.sid));
    const ended = await tw.calls.update(call.sid, { Status: 'completed' });
    assert.equal(ended.status, 'completed');
    // checked by the C client before sending
    await assert.rejects(tw.calls.create('+14155550123', NUMBERS[0], {}), voiceops.InvalidArgumentError);
    // refused by the provider
    await assert.rejects(tw.numbers.purchase({ PhoneNumber: '+19995550000' }), (e) => {
      assert.ok(e instanceof voiceops.ValidationError, e.name);
      assert.equal(e.httpStatus, 400);
      assert.equal(e.providerCode, 21422);
      assert.match(e.requestId, /^RQ/);
      return true;
    });

    const msg = await tw.messages.create('+14155550123', { From: NUMBERS[0], Body: 'hello' });
    assert.match(msg.sid, /^(SM|MM)/);
    assert.equal((await tw.messages.get(msg.sid)).sid, msg.sid);
    assert.ok((await tw.messages.list().toArray()).length >= 1);

    const { key, secret } = await tw.keys.create('node-key');
    assert.match(key.sid, /^SK/);
    assert.ok(secret instanceof Secret && secret.length > 0);
    assert.ok(!key.json.includes(secret.reveal()), 'the resource JSON has the secret removed');
    // the new key authenticates a client
    const byKey = new TwilioClient({ accountSid: acme.accountSid, apiKeySid: key.sid, apiKeySecret: secret }, twilioOptions(sb));
    assert.equal((await byKey.account.get()).sid, acme.accountSid);
    byKey.close();
    assert.ok((await tw.keys.list().toArray()).some((k) => k.sid === key.sid));
    await tw.keys.delete(key.sid);
    const inVault = await tw.keys.createInVault(vault, 'acme', 'vault-key');
    assert.match(inVault.sid, /^SK/);
    const creds = await vault.getTwilioCredentials('acme');
    assert.equal(creds.credentials.apiKeySid, inVault.sid);

    const sub = await tw.subaccounts.create('child');
    assert.match(sub.account.sid, /^AC/);
    assert.ok(sub.authToken instanceof Secret);
    assert.ok((await tw.subaccounts.list().toArray()).some((a) => a.sid === sub.account.sid));
  } finally { tw.close(); }
});

test('errors from the network carry status, provider code, request id, retry-after', async () => {
  const tw = await TwilioClient.forTenant(vault, 'globex', { ...twilioOptions(sb), http: { maxAttempts: 1 } });
  try {
    await sb.ctl('POST', '/__sandbox/faults', { path: `/2010-04-01/Accounts/${globex.accountSid}.json`, kind: '429', retry_after: '7', count: 1 }, 201);
    await assert.rejects(tw.account.get(), (e) => {
      assert.ok(e instanceof voiceops.RateLimitError);
      assert.equal(e.httpStatus, 429);
      assert.equal(e.retryAfter, 7);
      assert.equal(e.retryAfterMs, 7000);
      assert.match(e.correlationId, /\S/);
      return true;
    });
    const bad = new TwilioClient({ accountSid: globex.accountSid, authToken: 'f'.repeat(32) }, twilioOptions(sb));
    await assert.rejects(bad.account.get(), (e) => {
      assert.ok(e instanceof voiceops.AuthError);
      assert.equal(e.providerCode, 20003);
      assert.ok(!e.message.includes('f'.repeat(32)) && !e.stack.includes('f'.repeat(32)));
      return true;
    });
    bad.close();
    const nowhere = new TwilioClient({ accountSid: globex.accountSid, authToken: 'f'.repeat(32) },
      { apiBaseUrl: 'http://127.0.0.1:1', http: { maxAttempts: 1, connectTimeoutMs: 500 } });
    await assert.rejects(nowhere.account.get(), voiceops.NetworkError);
    nowhere.close();
    assert.throws(() => new TwilioClient({ accountSid: globex.accountSid, authToken: 'f'.repeat(32) }, { apiBaseUrl: 'http://example.com' }),
      voiceops.InvalidArgumentError, 'http:// to a non-loopback host is refused');
  } finally { tw.close(); }
});

test('correlation ids travel with the calls of a view', async () => {
  const tw = await TwilioClient.forTenant(vault, 'globex', twilioOptions(sb));
  await sb.ctl('DELETE', '/__sandbox/requests');
  await tw.withCorrelationId('corr-node-42').account.get();
  const log = await requests('GET', `/2010-04-01/Accounts/${globex.accountSid}.json`);
  assert.equal(log.at(-1).correlation_id, 'corr-node-42');
  tw.close();
});

test('Vapi client: assistants, calls, numbers (v1 and v2 lists), number import from the vault', async () => {
  const va = await VapiClient.forTenant(vault, 'acme', vapiOptions(sb));
  try {
    assert.equal(va.baseUrl, sb.url);
    assert.equal(va.tenant, 'acme');
    const a = await va.assistants.create({ name: 'front desk', firstMessage: 'Hi', model: { provider: 'openai', model: 'gpt-4o' } });
    assert.match(a.id, /^[0-9a-f-]{36}$/);
    assert.equal(a.get('name'), 'front desk');
    assert.equal((await va.assistants.get(a.id)).id, a.id);
    assert.equal((await va.assistants.update(a.id, { name: 'renamed' })).get('name'), 'renamed');
    assert.ok((await va.assistants.list({ limit: 10 }).toArray()).some((x) => x.id === a.id));

    const num = await va.numbers.importTwilio(vault, 'acme', { number: NUMBERS[1], assistantId: a.id, sms: false });
    assert.equal(num.number, NUMBERS[1]);
    assert.ok(!num.json.includes(acme.authToken));
    assert.equal((await va.numbers.get(num.id)).id, num.id);
    assert.equal((await va.numbers.update(num.id, { name: 'main line' })).get('name'), 'main line');
    const v1 = await va.numbers.list().toArray();
    const v2 = await va.numbers.listV2({ pageSize: 1 }).toArray();
    assert.deepEqual(v1.map((x) => x.id).sort(), v2.map((x) => x.id).sort());

    const call = await va.calls.create({ assistantId: a.id, phoneNumberId: num.id, customerNumber: '+14155550199' });
    assert.equal((await va.calls.get(call.id)).id, call.id);
    assert.equal((await va.calls.update(call.id, 'renamed call')).get('name'), 'renamed call');
    assert.ok((await va.calls.list({ assistantId: a.id }).toArray()).some((c) => c.id === call.id));
    await va.calls.delete(call.id);
    await va.numbers.delete(num.id);
    await va.assistants.delete(a.id);
    await assert.rejects(va.assistants.get(a.id), voiceops.NotFoundError);
    await assert.rejects(va.assistants.get('not-a-uuid'), voiceops.VoiceOpsError);
  } finally { va.close(); }
  const byKey = new VapiClient(Secret.from(acme.vapiKey), vapiOptions(sb));
  assert.ok(Array.isArray(await byKey.assistants.list().toArray()));
  byKey.close();
  const wrong = new VapiClient('not-a-key', vapiOptions(sb));
  await assert.rejects(wrong.assistants.list().next(), voiceops.AuthError);
  wrong.close();
});

test('services: onboarding refuses bad credentials and stores nothing; import is idempotent', async () => {
  const acct = await sb.ctl('POST', '/__sandbox/twilio/accounts', {}, 201);
  await assert.rejects(services.onboard(vault, 'initech', { twilio: { accountSid: acct.account_sid, authToken: 'e'.repeat(32) } }, servicesOptions(sb)),
    voiceops.AuthError);
  await assert.rejects(vault.getTenant('initech'), voiceops.NotFoundError);

  const first = await services.importNumbers(vault, 'globex', {}, servicesOptions(sb));
  assert.equal(first.imported, 1);
  assert.equal(first.numbers[0].number, '+12125550300');
  assert.equal(first.numbers[0].status, 'imported');
  const second = await services.importNumbers(vault, 'globex', {}, { ...servicesOptions(sb), correlationId: 'import-2' });
  assert.equal(second.imported, 0);
  assert.equal(second.alreadyPresent, 1);
  assert.equal(second.numbers[0].status, 'already-present');
  assert.equal(second.correlationId, 'import-2');
});

test('routing tokens and verification through the vault', async () => {
  const token = await routing.mint(vault, 'acme');
  assert.equal(await routing.resolve(vault, token), 'acme');
  await assert.rejects(routing.resolve(vault, 'whk_' + 'A'.repeat(43)), voiceops.NotFoundError);
  await assert.rejects(routing.resolve(vault, 'garbage'), voiceops.RequestError);

  const url = `https://hooks.example.com/twilio/${token}/voice`;
  const params = [['CallSid', 'CA' + '1'.repeat(32)], ['From', '+14155550100']];
  const body = new URLSearchParams(params).toString();
  const signature = voiceops.twilio.sign(acme.authToken, url, params);
  const request = { method: 'POST', url, headers: { 'x-twilio-signature': signature, 'content-type': 'application/x-www-form-urlencoded' }, body };
  const ok = await routing.verify(vault, token, 'twilio', request);
  assert.equal(ok.valid, true);
  assert.equal(ok.tenant, 'acme');
  const forged = await routing.verify(vault, token, 'twilio', { ...request, body: body + '&x=1' });
  assert.equal(forged.valid, false);
  assert.equal(forged.httpStatus, 403);
  const unknown = await routing.verify(vault, 'whk_' + 'B'.repeat(43), 'twilio', request);
  assert.equal(unknown.httpStatus, 404);
  const malformed = await routing.verify(vault, 'nope', 'twilio', request);
  assert.equal(malformed.httpStatus, 400);

  const vtoken = await routing.mint(vault, 'globex');
  const vreq = { method: 'POST', url: `https://hooks.example.com/vapi/${vtoken}`, headers: [['x-vapi-secret', 'vapi-hook-secret-globex']], body: '{"message":{"type":"status-update"}}' };
  const vok = await routing.verify(vault, vtoken, 'vapi', vreq);
  assert.equal(vok.valid, true);
  assert.equal(vok.tenant, 'globex');
  const vbad = await routing.verify(vault, vtoken, 'vapi', { ...vreq, headers: [['x-vapi-secret', 'vapi-hook-secret-acme']] });
  assert.equal(vbad.httpStatus, 403);
});

test('token rotation: begin opens a window where both tokens verify, promote ends it', async () => {
  const t = await provisionTenant(sb, vault, 'rotco');
  const so = servicesOptions(sb);
  assert.equal(await services.tokenRotation.state(vault, 'rotco'), voiceops.RotationState.IDLE);
  await services.tokenRotation.begin(vault, 'rotco', so);
  assert.equal(await services.tokenRotation.state(vault, 'rotco'), voiceops.RotationState.WINDOW);
  const creds = (await vault.getTwilioCredentials('rotco')).credentials;
  assert.ok(creds.secondaryAuthToken instanceof Secret);
  const token = await routing.mint(vault, 'rotco');
  const url = `https://hooks.example.com/t/${token}`;
  for (const tok of [t.authToken, creds.secondaryAuthToken.reveal()]) {
    const sig = voiceops.twilio.sign(tok, url, [['A', '1']]);
    const r = await routing.verify(vault, token, 'twilio', { url, headers: { 'X-Twilio-Signature': sig, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'A=1' });
    assert.equal(r.valid, true);
  }
  await services.tokenRotation.promote(vault, 'rotco', so);
  assert.equal(await services.tokenRotation.state(vault, 'rotco'), voiceops.RotationState.IDLE);
  const after = (await vault.getTwilioCredentials('rotco')).credentials;
  assert.ok(after.authToken.equals(creds.secondaryAuthToken));
  const tw = await TwilioClient.forTenant(vault, 'rotco', twilioOptions(sb));
  assert.equal((await tw.account.get()).sid, t.accountSid);
  tw.close();
  await services.tokenRotation.begin(vault, 'rotco', so);
  await services.tokenRotation.abort(vault, 'rotco', so);
  assert.equal(await services.tokenRotation.state(vault, 'rotco'), voiceops.RotationState.IDLE);
});

test('a shared HttpClient: stats, raw send, and closing in any order', async () => {
  const http = new HttpClient({ maxAttempts: 1, userAgentSuffix: 'node-test/1' });
  assert.match(http.userAgent, /node-test\/1/);
  const tw = await TwilioClient.forTenant(vault, 'globex', { ...twilioOptions(sb), http: undefined, httpClient: http });
  const va = await VapiClient.forTenant(vault, 'globex', { ...vapiOptions(sb), http: undefined, httpClient: http });
  const it = tw.numbers.list({ PageSize: 1 });
  await it.next();
  http.close(); // the clients keep their reference
  await tw.account.get();
  await va.assistants.list().toArray();
  tw.close(); // the iterator keeps the client
  assert.equal((await it.next()).done, true);
  va.close();
  assert.throws(() => http.stats(), voiceops.HandleError);

  const h2 = new HttpClient({ maxAttempts: 1 });
  const r = await h2.send({ method: 'GET', baseUrl: sb.url, path: '/__sandbox/health' });
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body.toString()), { ok: true });
  assert.equal(h2.stats().requests, 1);
  h2.close();
});

test('a client closed while calls are in flight: the calls finish, later ones refuse', async () => {
  const tw = await TwilioClient.forTenant(vault, 'globex', twilioOptions(sb));
  const inflight = Array.from({ length: 8 }, () => tw.account.get());
  tw.close();
  const res = await Promise.all(inflight);
  assert.equal(res.length, 8);
  await assert.rejects(tw.account.get(), voiceops.HandleError);
  // a vault closed before the client made from it
  const d2 = tempDir();
  const v2 = await openVault(d2.file('v.db'));
  await provisionTenant(sb, v2, 'solo');
  const c = await TwilioClient.forTenant(v2, 'solo', twilioOptions(sb));
  v2.close();
  assert.match((await c.account.get()).sid, /^AC/);
  c.close();
  d2.remove();
});

test('webhook guard: a provider retry is a duplicate (200), a replay is refused (403)', async () => {
  const token = await routing.mint(vault, 'globex');
  const url = `https://hooks.example.com/g/${token}`;
  const params = [['CallSid', 'CA' + '3'.repeat(32)], ['From', '+12125550300']];
  const body = new URLSearchParams(params).toString();
  const signature = voiceops.twilio.sign(globex.authToken, url, params);
  const req = (idem) => ({ method: 'POST', url, body, headers: { 'X-Twilio-Signature': signature, 'Content-Type': 'application/x-www-form-urlencoded', 'I-Twilio-Idempotency-Token': idem } });
  const first = await routing.guard(vault, token, 'twilio', req('idem-1'));
  assert.equal(first.valid, true);
  assert.equal(first.seen, voiceops.VerifySeen.FIRST);
  assert.equal(first.tenant, 'globex');
  const retry = await routing.guard(vault, token, 'twilio', req('idem-1'));
  assert.equal(retry.codeName, 'VO_EDUPLICATE');
  assert.equal(retry.reasonName, 'duplicate');
  assert.equal(retry.httpStatus, 200);
  const replay = await routing.guard(vault, token, 'twilio', req('idem-other'));
  assert.equal(replay.reasonName, 'replay');
  assert.equal(replay.httpStatus, 403);
  // the tenant-scoped forms
  const g2 = await voiceops.guard.twilio(vault, 'globex', { authTokens: [globex.authToken], request: { ...req('idem-9'), body: body + '&X=1', headers: { ...req('idem-9').headers, 'X-Twilio-Signature': voiceops.twilio.sign(globex.authToken, url, [...params, ['X', '1']]) } } });
  assert.equal(g2.valid, true);
  const std = voiceops.standardWebhooks.newSecret();
  const ts = Math.floor(Date.now() / 1000);
  const sreq = { url, body: '{"a":1}', headers: { 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts), 'webhook-signature': voiceops.standardWebhooks.sign(std, 'msg_1', ts, '{"a":1}') } };
  assert.equal((await voiceops.guard.std(vault, 'globex', { secrets: [std], request: sreq })).valid, true);
  // the same delivery again is a replay; the sender's retry (new timestamp, new signature) a duplicate
  assert.equal((await voiceops.guard.std(vault, 'globex', { secrets: [std], request: sreq })).reasonName, 'replay');
  const retried = { ...sreq, headers: { ...sreq.headers, 'webhook-timestamp': String(ts + 1), 'webhook-signature': voiceops.standardWebhooks.sign(std, 'msg_1', ts + 1, '{"a":1}') } };
  const dup = await voiceops.guard.std(vault, 'globex', { secrets: [std], request: retried });
  assert.equal(dup.reasonName, 'duplicate');
  assert.equal(dup.httpStatus, 200);
  const vreq = { url, body: '{"message":{"type":"status-update"}}', headers: { 'x-vapi-secret': 'vs' } };
  assert.equal((await voiceops.guard.vapi(vault, 'globex', { secrets: ['vs'], request: vreq })).valid, true);
});
