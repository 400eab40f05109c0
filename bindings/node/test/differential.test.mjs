// Differential test against the official twilio npm package: thousands of generated parameter
// sets and URLs, verified by voiceops (from the raw body) and by twilio.validateRequest /
// validateRequestWithBody (from querystring.parse of the same body). See docs/node.md,
// "Differences from twilio-node", for the cases where twilio-node is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import querystring from 'node:querystring';
import { voiceops, require } from '../test-support/helpers.mjs';

const twilioLib = require('twilio');
const { getExpectedTwilioSignature } = require('twilio/lib/webhooks/webhooks');
const CASES = Number(process.env.VOICEOPS_DIFF_CASES || 3000);
const FORM = 'application/x-www-form-urlencoded';

function prng(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TWILIO_NAMES = ['AccountSid', 'ApiVersion', 'CallSid', 'CallStatus', 'Called', 'CalledCity',
  'CalledCountry', 'CalledState', 'CalledZip', 'Caller', 'CallerCity', 'CallerCountry', 'CallerState',
  'CallerZip', 'Direction', 'From', 'FromCity', 'FromCountry', 'FromState', 'FromZip', 'To', 'ToCity',
  'ToCountry', 'ToState', 'ToZip', 'Digits', 'SpeechResult', 'Confidence', 'RecordingUrl'];
const NAME_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.';
const VALUE_PIECES = ['a', 'Z', '0', '9', ' ', '+', '&', '=', '%', '/', '?', '#', "'", '"', 'é', 'ß',
  '日本', '😀', '\u00a0', '~', '*', '.', '-', '_', ',', ';', ':', '@', '!', '$', '(', ')', '[', ']',
  'CA0123456789abcdef', '+14155550100', 'completed', 'https://x.example/a?b=c'];
const PATH_PIECES = ['twilio', 'voice', 'hooks', 'a-b', 'x.y', '~u', '%20', '%27', 'caf%C3%A9', "it's", '123', 'A_B'];
const QUERY_VALUES = ['1', 'x y', 'a%20b', 'a+b', '%27q%27', 'caf%C3%A9', '', 'v=w', 'tenant-42'];

function pick(r, arr) { return arr[Math.floor(r() * arr.length)]; }

function genCase(r) {
  const n = Math.floor(r() * 26);
  const params = [];
  for (let i = 0; i < n; i++) {
    let name;
    const c = r();
    if (c < 0.6) name = pick(r, TWILIO_NAMES);
    else if (c < 0.95) { name = ''; const len = 1 + Math.floor(r() * 12); for (let j = 0; j < len; j++) name += pick(r, NAME_CHARS); }
    else name = 'Ünïcödé' + Math.floor(r() * 3);
    let value = '';
    const parts = Math.floor(r() * 6);
    for (let j = 0; j < parts; j++) value += pick(r, VALUE_PIECES);
    params.push([name, value]);
  }
  // The body as a form: spaces as '+' or '%20', everything else percent-encoded
  const body = params.map(([k, v]) => {
    const enc = (s) => encodeURIComponent(s).replace(/%20/g, () => (r() < 0.5 ? '+' : '%20'));
    return enc(k) + '=' + enc(v);
  }).join('&');
  const scheme = r() < 0.8 ? 'https' : 'http';
  const host = pick(r, ['hooks.example.com', 'voice.example.org', 'example.com', 'a.b.c.example.net', '127.0.0.1']);
  const portChoice = r();
  const port = portChoice < 0.6 ? '' : portChoice < 0.8 ? (scheme === 'https' ? ':443' : ':80') : ':' + (1024 + Math.floor(r() * 60000));
  let path = '';
  const segs = 1 + Math.floor(r() * 4);
  for (let i = 0; i < segs; i++) path += '/' + pick(r, PATH_PIECES);
  let query = '';
  if (r() < 0.5) {
    const q = [];
    const nq = 1 + Math.floor(r() * 3);
    for (let i = 0; i < nq; i++) q.push(pick(r, ['foo', 'bar', 'tenant', 'x', 'caf%C3%A9']) + '=' + pick(r, QUERY_VALUES));
    query = '?' + q.join('&');
  }
  const signedUrl = `${scheme}://${host}${port}${path}${query}`;
  // what the app sees: sometimes the port Twilio did not sign (default port added or removed)
  let receivedUrl = signedUrl;
  const t = r();
  if (t < 0.15 && port === '') receivedUrl = `${scheme}://${host}${scheme === 'https' ? ':443' : ':80'}${path}${query}`;
  else if (t < 0.3 && port !== '' && (port === ':443' || port === ':80')) receivedUrl = `${scheme}://${host}${path}${query}`;
  return { params, body, signedUrl, receivedUrl };
}

function ours(token, url, signature, body, contentType = FORM) {
  return voiceops.verifyTwilio({ authTokens: [token], url, signature, contentType, body }).valid;
}
function theirs(token, url, signature, body) {
  return twilioLib.validateRequest(token, signature, url, querystring.parse(body));
}

test(`form webhooks: voiceops and twilio.validateRequest agree on ${CASES} generated requests`, () => {
  const r = prng(0x5eed);
  const stats = { cases: 0, valid: 0, forged: 0, tampered: 0, signerAgrees: 0 };
  for (let i = 0; i < CASES; i++) {
    const c = genCase(r);
    const token = Math.floor(r() * 2 ** 32).toString(16).padStart(8, '0').repeat(4);
    // Twilio's signer is twilio-node's own; our signer must agree with it
    const sig = getExpectedTwilioSignature(token, c.signedUrl, querystring.parse(c.body));
    assert.equal(voiceops.twilio.sign(token, c.signedUrl, c.params), sig, `signers differ: ${c.signedUrl} ${c.body}`);
    stats.signerAgrees++;
    const a = ours(token, c.receivedUrl, sig, c.body);
    const b = theirs(token, c.receivedUrl, sig, c.body);
    assert.equal(a, b, `disagree on a valid request: ${c.receivedUrl} (signed ${c.signedUrl}) body ${c.body}`);
    assert.equal(a, true, `valid request refused: ${c.receivedUrl} body ${c.body}`);
    stats.valid++;
    // another token
    const wrong = getExpectedTwilioSignature(token + 'x', c.signedUrl, querystring.parse(c.body));
    assert.equal(ours(token, c.receivedUrl, wrong, c.body), false);
    assert.equal(theirs(token, c.receivedUrl, wrong, c.body), false);
    stats.forged++;
    // a changed parameter
    if (c.params.length) {
      const tampered = c.body + '&Injected=1';
      assert.equal(ours(token, c.receivedUrl, sig, tampered), false);
      assert.equal(theirs(token, c.receivedUrl, sig, tampered), false);
      stats.tampered++;
    }
    stats.cases++;
  }
  console.log('# differential (form):', JSON.stringify(stats));
});

test(`JSON webhooks: voiceops and twilio.validateRequestWithBody agree on ${Math.floor(CASES / 3)} generated bodies`, () => {
  const r = prng(0xb0d1);
  let n = 0;
  for (let i = 0; i < Math.floor(CASES / 3); i++) {
    const c = genCase(r);
    const body = JSON.stringify(Object.fromEntries(c.params));
    const sha = voiceops.twilio.bodySha256(body);
    const sep = c.signedUrl.includes('?') ? '&' : '?';
    const url = c.signedUrl + sep + 'bodySHA256=' + sha;
    const token = 'tok' + i;
    const sig = getExpectedTwilioSignature(token, url, null);
    const a = voiceops.verifyTwilio({ authTokens: [token], url, signature: sig, contentType: 'application/json', body }).valid;
    const b = twilioLib.validateRequestWithBody(token, sig, url, body);
    assert.equal(a, b, url);
    assert.equal(a, true);
    const changed = body.slice(0, -1) + ' }';
    assert.equal(voiceops.verifyTwilio({ authTokens: [token], url, signature: sig, contentType: 'application/json', body: changed }).valid, false);
    assert.equal(twilioLib.validateRequestWithBody(token, sig, url, changed), false);
    n++;
  }
  console.log('# differential (json):', n, 'bodies');
});

// Where twilio-node is wrong, and voiceops is right (docs/node.md).
test('known twilio-node difference: a malformed form body is accepted by twilio-node, refused (400) by voiceops', () => {
  // querystring.parse keeps an invalid escape as literal text, so a body no conforming
  // sender produces still validates when the signature was computed over the lenient parse.
  const token = 'a'.repeat(32);
  const url = 'https://hooks.example.com/voice';
  const body = 'Digits=%ZZ12&From=%2B14155550100';
  const sig = getExpectedTwilioSignature(token, url, querystring.parse(body));
  assert.equal(twilioLib.validateRequest(token, sig, url, querystring.parse(body)), true);
  const r = voiceops.verifyTwilio({ authTokens: [token], url, signature: sig, contentType: FORM, body });
  assert.equal(r.valid, false);
  assert.equal(r.reasonName, 'malformed_body');
  assert.equal(r.httpStatus, 400);
});

test('known twilio-node difference: a body with a NUL byte is refused by voiceops', () => {
  const token = 'b'.repeat(32);
  const url = 'https://hooks.example.com/voice';
  const body = 'From=%2B1415%00&To=x';
  const sig = getExpectedTwilioSignature(token, url, querystring.parse(body));
  assert.equal(twilioLib.validateRequest(token, sig, url, querystring.parse(body)), true);
  assert.equal(voiceops.verifyTwilio({ authTokens: [token], url, signature: sig, contentType: FORM, body }).httpStatus, 400);
});

test('known twilio-node difference: no token configured is an error (500), never a silent false', () => {
  // twilio-node computes an HMAC with an empty key; voiceops refuses to verify without a key
  const r = voiceops.verifyTwilio({ authTokens: [''], url: 'https://x.example/', signature: 'AAAA', contentType: FORM, body: '' });
  assert.equal(r.reasonName, 'no_key');
  assert.equal(r.httpStatus, 500);
});
