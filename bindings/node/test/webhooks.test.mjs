// The C suite's webhook vectors (tests/unit/test_twilio_webhook.c, test_vapi_webhook.c,
// test_stdwebhooks.c) from Node; expected HMACs computed independently with node:crypto.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import util from 'node:util';
import { voiceops } from '../test-support/helpers.mjs';

const { twilio, vapi, standardWebhooks, VerifyReason: R, TwilioUrlForm } = voiceops;

// ---- Twilio --------------------------------------------------------------------------------
const TOKEN = '12345';
const URL_ = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const PARAMS = [['CallSid', 'CA1234567890ABCDE'], ['Caller', '+14158675309'], ['Digits', '1234'],
  ['From', '+14158675309'], ['To', '+18005551212']];
const FORM_BODY = 'CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212';
const FORM_CT = 'application/x-www-form-urlencoded';
const EXPECTED = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';
const verifyForm = (url, signature, body = FORM_BODY) =>
  twilio.verify({ authTokens: [TOKEN], url, signature, contentType: FORM_CT, body: Buffer.from(body) });

test('twilio: published vector, order-independent, verify from the raw body', () => {
  assert.equal(twilio.sign(TOKEN, URL_, PARAMS), EXPECTED);
  assert.equal(twilio.sign(TOKEN, URL_, PARAMS.slice().reverse()), EXPECTED);
  assert.equal(twilio.sign(TOKEN, URL_, Object.fromEntries(PARAMS)), EXPECTED);
  const r = verifyForm(URL_, EXPECTED);
  assert.equal(r.valid, true);
  assert.equal(r.reason, R.OK);
  assert.equal(r.keyIndex, 0);
  assert.equal(r.urlForm, TwilioUrlForm.AS_GIVEN);
  assert.equal(r.formsTried, 1);
  assert.equal(r.httpStatus, 200);
  // a string body verifies the same
  assert.equal(twilio.verify({ authTokens: TOKEN, url: URL_, signature: EXPECTED, contentType: FORM_CT, body: FORM_BODY }).valid, true);
});

test('twilio: port toggled, port kept, user info, repeated keys', () => {
  // signed without the port, received with one (as Twilio's own SDKs try)
  let r = verifyForm('https://mycompany.com:1234/myapp.php?foo=1&bar=2', EXPECTED);
  assert.equal(r.valid, true);
  assert.equal(r.urlForm, TwilioUrlForm.PORT_TOGGLED);
  assert.equal(r.formsTried, 2);
  r = verifyForm('https://mycompany.com:443/myapp.php?foo=1&bar=2', EXPECTED);
  assert.equal(r.valid, true);
  assert.equal(r.urlForm, TwilioUrlForm.PORT_TOGGLED);
  assert.equal(r.formsTried, 2);
  const portUrl = 'http://mycompany.com:1234/myapp.php?foo=1&bar=2';
  const portSig = twilio.sign(TOKEN, portUrl, PARAMS);
  assert.equal(portSig, 'Zmvh+3yNM1Phv2jhDCwEM3q5ebU=');
  assert.equal(verifyForm(portUrl, portSig).urlForm, TwilioUrlForm.AS_GIVEN);
  const userUrl = 'https://user:pass@mycompany.com/myapp.php?foo=1&bar=2';
  const userSig = twilio.sign(TOKEN, userUrl, PARAMS);
  assert.equal(userSig, 'CukzLTc1tT5dXEDIHm/tKBanW10=');
  assert.equal(verifyForm(userUrl, userSig).valid, true);
  assert.equal(verifyForm('https://user:pass@mycompany.com:443/myapp.php?foo=1&bar=2', userSig).urlForm, TwilioUrlForm.PORT_TOGGLED);
  assert.equal(verifyForm(URL_, userSig).reason, R.MISMATCH);
  const rep = [['Sid', 'CA123'], ['SidAccount', 'AC123'], ['Digits', '5678'], ['Digits', '1234'], ['Digits', '1234']];
  const repSig = twilio.sign(TOKEN, URL_, rep);
  assert.equal(repSig, 'IK+Dwps556ElfBT0I3Rgjkr1wJU=');
  assert.equal(verifyForm(URL_, repSig, 'Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234&Digits=1234').valid, true);
});

test('twilio: JSON body through bodySHA256', () => {
  const body = '{"property": "value", "boolean": true}';
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620';
  assert.equal(twilio.bodySha256(body), '0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620');
  const sig = twilio.sign(TOKEN, url, []);
  assert.equal(sig, 'a9nBmqA0ju/hNViExpshrM61xv4=');
  const ok = twilio.verify({ authTokens: [TOKEN], url, signature: sig, contentType: 'application/json', body });
  assert.equal(ok.valid, true);
  const buf = Buffer.from(body);
  for (let i = 0; i < buf.length; i++) {
    const b = Buffer.from(buf);
    b[i] ^= 1;
    const r = twilio.verify({ authTokens: [TOKEN], url, signature: sig, contentType: 'application/json', body: b });
    assert.equal(r.valid, false);
    assert.equal(r.reason, R.BODY_HASH_MISMATCH);
    assert.equal(r.httpStatus, 403);
  }
});

test('twilio: outcomes map to the status a handler answers', () => {
  const cases = [
    [{ signature: null }, R.MISSING_SIGNATURE, 403],
    [{ signature: '' }, R.EMPTY_SIGNATURE, 403],
    [{ signature: 'not base64!' }, R.MALFORMED_SIGNATURE, 403],
    [{ signature: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' }, R.MISMATCH, 403],
    [{ body: 'a=%zz' }, R.MALFORMED_BODY, 400],
    [{ authTokens: [] }, R.NO_KEY, 500],
    [{ url: 'https://x.example/' + 'a'.repeat(9000) }, R.URL_TOO_LONG, 414],
    [{ maxBody: 10 }, R.BODY_TOO_LARGE, 413],
  ];
  for (const [over, reason, status] of cases) {
    const r = twilio.verify({ authTokens: [TOKEN], url: URL_, signature: EXPECTED, contentType: FORM_CT, body: FORM_BODY, ...over });
    assert.equal(r.valid, false, JSON.stringify(over).slice(0, 60));
    assert.equal(r.reason, reason, r.reasonName);
    assert.equal(r.httpStatus, status, r.reasonName);
  }
  // several tokens during a rotation: the index of the one that matched
  const r = twilio.verify({ authTokens: ['old-token', TOKEN], url: URL_, signature: EXPECTED, contentType: FORM_CT, body: FORM_BODY });
  assert.equal(r.keyIndex, 1);
  assert.equal(twilio.verify({ authTokens: [voiceops.Secret.from(TOKEN)], url: URL_, signature: EXPECTED, contentType: FORM_CT, body: FORM_BODY }).valid, true);
  assert.equal(twilio.verify({ authTokens: [TOKEN], url: URL_, signature: EXPECTED, contentType: FORM_CT, body: FORM_BODY, exactUrlOnly: true }).valid, true);
  assert.equal(twilio.verify({ authTokens: [TOKEN], url: 'https://mycompany.com:443/myapp.php?foo=1&bar=2', signature: EXPECTED, contentType: FORM_CT, body: FORM_BODY, exactUrlOnly: true }).valid, false);
});

// ---- Vapi ----------------------------------------------------------------------------------
const BODY = '{"message":{"type":"status-update","status":"ended"}}';
const NOW = 1764000000;
const VURL = 'https://api.example.com/vapi/events?tenant=t1';
const req = (headers, extra = {}) => ({ method: 'POST', url: VURL, headers, body: BODY, ...extra });
const hmac = (alg, key, payload, enc = 'hex') => crypto.createHmac(alg, key).update(payload).digest(enc);

test('vapi: shared secret, custom header, bearer', () => {
  const secrets = ['old-secret', 's3cret-value'];
  let r = vapi.verify({ secrets, request: req([['X-Vapi-Secret', 's3cret-value']]), now: NOW });
  assert.equal(r.valid, true);
  assert.equal(r.keyIndex, 1);
  for (const [value, reason] of [['s3cret-valuf', R.MISMATCH], ['s3cret-value-longer', R.MISMATCH], ['', R.EMPTY_SIGNATURE]]) {
    r = vapi.verify({ secrets, request: req([['X-Vapi-Secret', value]]), now: NOW });
    assert.equal(r.reason, reason);
  }
  assert.equal(vapi.verify({ secrets, request: req([]), now: NOW }).reason, R.MISSING_SIGNATURE);
  r = vapi.verify({ secrets: [], request: req([['X-Vapi-Secret', 'x']]), now: NOW });
  assert.equal(r.reason, R.NO_KEY);
  assert.equal(r.httpStatus, 500);
  assert.equal(vapi.verify({ secrets: [''], request: req([['X-Vapi-Secret', 'x']]), now: NOW }).reason, R.NO_KEY);

  const custom = { headerName: 'X-My-Secret' };
  assert.equal(vapi.verify({ options: custom, secrets: ['abc'], request: req([['x-vapi-secret', 'abc']]), now: NOW }).reason, R.MISSING_SIGNATURE);
  assert.equal(vapi.verify({ options: custom, secrets: ['abc'], request: req({ 'x-my-secret': 'abc' }), now: NOW }).valid, true);

  const bearer = { type: 'bearer' };
  assert.equal(vapi.verify({ options: bearer, secrets: ['tok-123'], request: req([['Authorization', 'Bearer tok-123']]), now: NOW }).valid, true);
  assert.equal(vapi.verify({ options: bearer, secrets: ['tok-123'], request: req([['Authorization', 'bearer   tok-123 ']]), now: NOW }).valid, true);
  assert.equal(vapi.verify({ options: bearer, secrets: ['tok-123'], request: req([['Authorization', 'tok-123']]), now: NOW }).reason, R.MALFORMED_SIGNATURE);
  assert.equal(vapi.verify({ options: bearer, secrets: ['tok-123'], request: req([['Authorization', 'Basic tok-123']]), now: NOW }).valid, false);
  assert.equal(vapi.verify({ options: { type: 'bearer', bareToken: true, headerName: 'X-Token' }, secrets: ['tok-123'], request: req([['x-token', 'tok-123']]), now: NOW }).valid, true);
});

test('vapi: HMAC default, tolerance, milliseconds, custom template keeps its age check', () => {
  const o = { type: 'hmac' };
  const ts = String(NOW);
  const sig = hmac('sha256', 'hmac-key', `${ts}.${BODY}`);
  const h = [['x-signature', sig], ['x-timestamp', ts]];
  let r = vapi.verify({ options: o, secrets: ['hmac-key'], request: req(h), now: NOW });
  assert.equal(r.valid, true);
  assert.equal(r.timestamp, NOW);
  assert.equal(vapi.sign({ options: o, secret: 'hmac-key', timestamp: ts, body: BODY }), sig);
  assert.equal(vapi.verify({ options: o, secrets: ['hmac-key'], request: req([['x-signature', sig.toUpperCase()], ['x-timestamp', ts]]), now: NOW }).valid, true);
  assert.equal(vapi.verify({ options: o, secrets: ['hmac-key'], request: req(h, { body: BODY.slice(0, -1) }), now: NOW }).reason, R.MISMATCH);
  r = vapi.verify({ options: o, secrets: ['hmac-key'], request: req(h), now: NOW + 301 });
  assert.equal(r.reason, R.TIMESTAMP_TOO_OLD);
  assert.equal(r.httpStatus, 403);
  assert.equal(vapi.verify({ options: o, secrets: ['hmac-key'], request: req(h), now: NOW - 301 }).reason, R.TIMESTAMP_TOO_NEW);
  assert.equal(vapi.verify({ options: { ...o, toleranceSeconds: 1000 }, secrets: ['hmac-key'], request: req(h), now: NOW + 999 }).valid, true);

  const ms = String(NOW * 1000 + 123);
  const msSig = hmac('sha256', 'k', `${ms}.${BODY}`);
  r = vapi.verify({ options: o, secrets: ['k'], request: req([['x-signature', msSig], ['x-timestamp', ms]]), now: NOW + 10 });
  assert.equal(r.valid, true);
  assert.equal(r.timestamp, NOW);
  assert.equal(vapi.verify({ options: o, secrets: ['k'], request: req([['x-signature', msSig]]), now: NOW }).reason, R.MISSING_TIMESTAMP);
  assert.equal(vapi.verify({ options: o, secrets: ['k'], request: req([['x-signature', msSig], ['x-timestamp', '17640000x0']]), now: NOW }).reason, R.MALFORMED_TIMESTAMP);

  const tpl = { type: 'hmac', omitTimestamp: true, payloadFormat: '{timestamp}:{method}:{body}' };
  const old = String(NOW - 3600);
  const tsig = vapi.sign({ options: tpl, secret: 'hmac-key', method: 'POST', timestamp: old, body: BODY });
  const th = [['x-signature', tsig], ['x-timestamp', old]];
  assert.equal(vapi.verify({ options: tpl, secrets: ['hmac-key'], request: req(th), now: NOW }).reason, R.TIMESTAMP_TOO_OLD);
  assert.equal(vapi.verify({ options: tpl, secrets: ['hmac-key'], request: req(th), now: NOW - 3600 + 10 }).valid, true);
});

test('vapi: HMAC variants (algorithm, encoding, prefix, template), base64 secret, malformed, limits', () => {
  const cases = [
    ['sha1', 'hex', null, null, true], ['sha512', 'base64', null, null, true],
    ['sha256', 'hex', 'sha256=', null, true],
    ['sha256', 'base64', 'v1=', '{method} {url}|{svix-id}|{timestamp}|{body}', true],
    ['sha256', 'hex', null, null, false], ['sha256', 'hex', null, '{unknown}{body}', false],
  ];
  const ts = '1764000000';
  for (const [alg, enc, prefix, format, includeTs] of cases) {
    const o = { type: 'hmac', algorithm: alg, encoding: enc, signaturePrefix: prefix, payloadFormat: format,
      omitTimestamp: !includeTs, signatureHeader: 'X-Hub-Signature', timestampHeader: 'X-Hub-Time' };
    const payload = format?.includes('{method}') ? `POST ${VURL}|msg_1|${ts}|${BODY}`
      : format ? `{unknown}${BODY}` : includeTs ? `${ts}.${BODY}` : BODY;
    const mac = hmac(alg, 'key-1', payload, enc);
    const sig = (prefix || '') + mac;
    const h = [['x-hub-signature', sig], ['x-hub-time', ts], ['svix-id', 'msg_1']];
    const r = vapi.verify({ options: o, secrets: ['wrong', 'key-1'], request: req(h), now: NOW });
    assert.equal(r.valid, true, `${alg} ${enc} ${prefix} ${format}: ${r.reasonName}`);
    assert.equal(r.keyIndex, 1);
    assert.equal(vapi.sign({ options: o, secret: 'key-1', method: 'POST', url: VURL, timestamp: ts, messageId: 'msg_1', body: BODY }), sig);
    if (prefix) {
      assert.equal(vapi.verify({ options: o, secrets: ['key-1'], request: req([['x-hub-signature', mac], ['x-hub-time', ts], ['svix-id', 'msg_1']]), now: NOW }).reason, R.MALFORMED_SIGNATURE);
    }
  }
  const raw = Buffer.from([0x00, 0xff, 0x10, 0x20, 0x30]);
  const bsig = hmac('sha256', raw, `1764000000.${BODY}`);
  const bo = { type: 'hmac', secretIsBase64: true };
  assert.equal(vapi.verify({ options: bo, secrets: [raw.toString('base64')], request: req([['x-signature', bsig], ['x-timestamp', '1764000000']]), now: NOW }).valid, true);
  const bad = vapi.verify({ options: bo, secrets: ['not base64!'], request: req([['x-signature', bsig], ['x-timestamp', '1764000000']]), now: NOW });
  assert.equal(bad.reason, R.INVALID_ARGUMENT);
  assert.equal(bad.httpStatus, 500);
  for (const s of ['zz', 'abcd', 'not hex at all', '']) {
    const r = vapi.verify({ options: { type: 'hmac' }, secrets: ['k'], request: req([['x-signature', s], ['x-timestamp', '1764000000']]), now: NOW });
    assert.ok(r.reason === R.MALFORMED_SIGNATURE || r.reason === R.EMPTY_SIGNATURE, r.reasonName);
  }
  const amb = vapi.verify({ options: { type: 'hmac' }, secrets: ['k'], request: req([['x-signature', 'aa'], ['X-Signature', 'bb'], ['x-timestamp', '1764000000']]), now: NOW });
  assert.equal(amb.reason, R.MALFORMED_SIGNATURE);
  assert.equal(vapi.verify({ options: { type: 7 }, secrets: ['k'], request: req([['x-vapi-secret', 'k']]), now: NOW }).code, -2);
  assert.throws(() => vapi.verify({ options: { type: 'rsa' }, secrets: ['k'], request: req([]) }), TypeError);
  const big = vapi.verify({ options: { maxBody: 10 }, secrets: ['k'], request: req([['x-vapi-secret', 'k']]), now: NOW });
  assert.equal(big.reason, R.BODY_TOO_LARGE);
  assert.equal(big.httpStatus, 413);
});

test('vapi server messages: parse, assistant reply, tool results', () => {
  const m = vapi.parseMessage(JSON.stringify({ message: { type: 'tool-calls', call: { id: 'call-1' },
    toolCallList: [{ id: 'tc1', function: { name: 'lookup', arguments: { q: 'x' } } }] } }));
  assert.equal(m.type, 'tool-calls');
  assert.equal(m.kind, voiceops.VapiMessageKind.TOOL_CALLS);
  assert.equal(m.callId, 'call-1');
  assert.equal(m.toolCalls.length, 1);
  assert.equal(m.toolCalls[0].name, 'lookup');
  assert.deepEqual(JSON.parse(m.toolCalls[0].arguments), { q: 'x' });
  const reply = JSON.parse(vapi.toolResults([{ toolCallId: 'tc1', name: 'lookup', result: 'found' }]));
  assert.equal(reply.results[0].toolCallId, 'tc1');
  assert.equal(reply.results[0].result, 'found');
  assert.deepEqual(JSON.parse(vapi.assistantReply({ assistantId: 'a-1' })), { assistantId: 'a-1' });
  assert.throws(() => vapi.parseMessage('{not json'), voiceops.ParseError);
});

// ---- Standard Webhooks ------------------------------------------------------------------------
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TS = '1614265330';
const SNOW = 1614265330;
const SBODY = '{"test": 2432232314}';
const SSIG = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
const sv = (o = {}) => standardWebhooks.verify({ secrets: [SECRET], id: ID, timestamp: TS, signature: SSIG, body: SBODY, now: SNOW, ...o });

test('standard webhooks: published vector, tampering, tolerance, headers, new secrets', () => {
  assert.equal(standardWebhooks.sign(SECRET, ID, SNOW, SBODY), SSIG);
  const r = sv();
  assert.equal(r.valid, true);
  assert.equal(r.signatureIndex, 0);
  assert.equal(r.timestamp, SNOW);
  assert.equal(sv({ secrets: [SECRET.slice(6)] }).valid, true);
  assert.equal(sv({ body: '{"test": 2432232315}' }).reason, R.MISMATCH);
  assert.equal(sv({ id: 'msg_other' }).valid, false);
  assert.equal(sv({ timestamp: '1614265331' }).valid, false);
  assert.equal(sv({ secrets: ['whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'] }).valid, false);
  assert.equal(sv({ now: SNOW + 300 }).valid, true);
  assert.equal(sv({ now: SNOW + 301 }).reason, R.TIMESTAMP_TOO_OLD);
  assert.equal(sv({ now: SNOW - 301 }).reason, R.TIMESTAMP_TOO_NEW);
  assert.equal(sv({ signature: 'v1,bogus ' + SSIG }).signatureIndex, 1);
  const viaHeaders = standardWebhooks.verifyRequest({ secrets: [SECRET], now: SNOW, request: {
    method: 'POST', url: 'https://x.example/hook', body: SBODY,
    headers: { 'webhook-id': ID, 'webhook-timestamp': TS, 'webhook-signature': SSIG } } });
  assert.equal(viaHeaders.valid, true);
  const fresh = standardWebhooks.newSecret();
  assert.match(fresh.reveal(), /^whsec_/);
  const sig = standardWebhooks.sign(fresh, 'msg_1', 1700000000, 'hi');
  assert.equal(standardWebhooks.verify({ secrets: [fresh], id: 'msg_1', timestamp: 1700000000, signature: sig, body: 'hi', now: 1700000000 }).valid, true);
});

test('forms and public URLs', () => {
  assert.deepEqual(voiceops.parseForm('a=1&b=%2B2&a=3&c'), [['a', '1'], ['b', '+2'], ['a', '3'], ['c', '']]);
  assert.deepEqual({ ...voiceops.parseFormObject('a=1&b=2&a=3') }, { a: ['1', '3'], b: '2' });
  const headers = { host: 'internal:8080', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'hooks.example.com' };
  assert.equal(voiceops.publicUrl({ baseUrl: 'https://hooks.example.com/api' }, { target: '/twilio?x=1', headers }),
    'https://hooks.example.com/api/twilio?x=1');
  const trusted = { trustedProxies: ['10.0.0.0/8'], forwardedHeaders: ['x_forwarded_proto', 'x_forwarded_host'] };
  assert.equal(voiceops.publicUrl(trusted, { peerAddress: '10.1.2.3', scheme: 'http', target: '/t', headers }),
    'https://hooks.example.com/t');
  // an untrusted peer's forwarded headers are never read
  assert.equal(voiceops.publicUrl(trusted, { peerAddress: '203.0.113.9', scheme: 'http', target: '/t', headers }),
    'http://internal:8080/t');
  assert.throws(() => voiceops.publicUrl({ trustedProxies: ['10.0.0.1/8'], forwardedHeaders: 2 }, { peerAddress: '10.0.0.1', scheme: 'http', target: '/', headers }), voiceops.InvalidArgumentError);
  assert.throws(() => voiceops.publicUrl({}, { scheme: 'http', target: '/', headers: {} }), voiceops.ParseError);
});

test('twilio: a TwilioVerifier keeps the tokens in guarded memory and agrees with verifyTwilio', () => {
  const v = twilio.verifier(['old-token', voiceops.Secret.from(TOKEN)]);
  const r = v.verify(URL_, EXPECTED, FORM_CT, Buffer.from(FORM_BODY));
  assert.equal(r.valid, true);
  assert.equal(r.keyIndex, 1);
  // the first token was tried with both URL forms first
  assert.deepEqual({ ...r.toJSON(), keyIndex: 0, formsTried: 1 }, verifyForm(URL_, EXPECTED).toJSON());
  assert.equal(v.verify(URL_, 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=', FORM_CT, FORM_BODY).reason, R.MISMATCH);
  assert.equal(v.verify(URL_, EXPECTED, FORM_CT, 'a=%zz').httpStatus, 400);
  const limited = twilio.verifier(TOKEN, { maxBody: 10 });
  assert.equal(limited.verify(URL_, EXPECTED, FORM_CT, FORM_BODY).httpStatus, 413);
  // a view into a larger buffer is read from its own offset, for every kind of byte view
  const framed = Buffer.concat([Buffer.from('junk&'), Buffer.from(FORM_BODY), Buffer.from('&junk')]);
  const view = framed.subarray(5, 5 + Buffer.byteLength(FORM_BODY));
  assert.equal(v.verify(URL_, EXPECTED, FORM_CT, view).valid, true);
  assert.equal(v.verify(URL_, EXPECTED, FORM_CT, new Uint8Array(view.buffer, view.byteOffset, view.length)).valid, true);
  assert.equal(v.verify(URL_, EXPECTED, FORM_CT, framed).valid, false);
  // the options are read once, at construction: they cannot drift from what the C side holds
  assert.equal(limited.maxBody, 10);
  assert.throws(() => { limited.maxBody = 0; }, TypeError);
  const exact = twilio.verifier(TOKEN, { exactUrlOnly: true });
  assert.equal(exact.verify(URL_, EXPECTED, FORM_CT, FORM_BODY).valid, true);
  assert.equal(exact.verify('https://mycompany.com:443/myapp.php?foo=1&bar=2', EXPECTED, FORM_CT, FORM_BODY).valid, false);
  assert.equal(twilio.verifier(TOKEN).verify('https://mycompany.com:443/myapp.php?foo=1&bar=2', EXPECTED, FORM_CT, FORM_BODY).valid, true);
  assert.throws(() => twilio.verifier(TOKEN, { maxBody: 'big' }), TypeError);
  assert.ok(!util.inspect(v).includes(TOKEN));
  v.close();
  assert.throws(() => v.verify(URL_, EXPECTED, FORM_CT, FORM_BODY), voiceops.HandleError);
  const none = twilio.verifier([]).verify(URL_, EXPECTED, FORM_CT, FORM_BODY);
  assert.equal(none.reasonName, 'no_key');
  assert.equal(none.httpStatus, 500);
});
