// Twilio webhook verification from Node: voiceops against querystring.parse +
// twilio.validateRequest, in the same process, on the same 25-parameter voice webhook, both
// starting from the raw body. Prints the rates and the ratios (docs/benchmarks.md).
//
//   node bindings/node/bench/verify.mjs [seconds per case, default 2]
import querystring from 'node:querystring';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const voiceops = require('../lib/index.js');
const twilio = require('twilio');

const seconds = Number(process.argv[2] || 2);
const token = '0123456789abcdef0123456789abcdef';
const url = 'https://voice.example.com/twilio/voice?tenant=acme';
const params = [
  ['AccountSid', 'AC' + '1'.repeat(32)], ['ApiVersion', '2010-04-01'], ['CallSid', 'CA' + '2'.repeat(32)],
  ['CallStatus', 'ringing'], ['Called', '+14155550100'], ['CalledCity', 'SAN FRANCISCO'],
  ['CalledCountry', 'US'], ['CalledState', 'CA'], ['CalledZip', '94105'], ['Caller', '+14155550199'],
  ['CallerCity', 'OAKLAND'], ['CallerCountry', 'US'], ['CallerState', 'CA'], ['CallerZip', '94612'],
  ['Direction', 'inbound'], ['From', '+14155550199'], ['FromCity', 'OAKLAND'], ['FromCountry', 'US'],
  ['FromState', 'CA'], ['FromZip', '94612'], ['To', '+14155550100'], ['ToCity', 'SAN FRANCISCO'],
  ['ToCountry', 'US'], ['ToState', 'CA'], ['ToZip', '94105'],
];
if (params.length !== 25) throw new Error('25 parameters expected');
const body = Buffer.from(new URLSearchParams(params).toString());
const valid = voiceops.twilio.sign(token, url, params);
const invalid = valid.slice(0, 10) + (valid[10] === 'A' ? 'B' : 'A') + valid.slice(11);
const ct = 'application/x-www-form-urlencoded';

// as a handler does: the verifier is made once, at start-up, with the configured token(s)
const verifier = voiceops.twilio.verifier([token]);
const ours = (sig) => verifier.verify(url, sig, ct, body).valid;
const oursOneShot = (sig) => voiceops.verifyTwilio({ authTokens: [token], url, signature: sig, contentType: ct, body }).valid;
const theirs = (sig) => twilio.validateRequest(token, sig, url, querystring.parse(body.toString('utf8')));

// both must agree before anything is timed
if (!ours(valid) || !theirs(valid) || ours(invalid) || theirs(invalid) || !oursOneShot(valid) || oursOneShot(invalid)) {
  throw new Error('the verifiers disagree');
}

function rate(fn, sig) {
  let n = 0;
  let sink = 0;
  const batch = 200;
  const t0 = process.hrtime.bigint();
  const end = t0 + BigInt(Math.round(seconds * 1e9));
  let now = t0;
  while (now < end) {
    for (let i = 0; i < batch; i++) sink += fn(sig) ? 1 : 0;
    n += batch;
    now = process.hrtime.bigint();
  }
  if (sink < 0) console.log(sink);
  return n / (Number(now - t0) / 1e9);
}

// warm up both (JIT), then alternate rounds and keep the best of each
for (const f of [ours, oursOneShot, theirs]) rate(f, valid), rate(f, invalid);
const best = { oursValid: 0, theirsValid: 0, oursInvalid: 0, theirsInvalid: 0, oneShotValid: 0, oneShotInvalid: 0 };
for (let round = 0; round < 3; round++) {
  best.oursValid = Math.max(best.oursValid, rate(ours, valid));
  best.theirsValid = Math.max(best.theirsValid, rate(theirs, valid));
  best.oneShotValid = Math.max(best.oneShotValid, rate(oursOneShot, valid));
  best.oursInvalid = Math.max(best.oursInvalid, rate(ours, invalid));
  best.theirsInvalid = Math.max(best.theirsInvalid, rate(theirs, invalid));
  best.oneShotInvalid = Math.max(best.oneShotInvalid, rate(oursOneShot, invalid));
}
const fmt = (x) => Math.round(x).toLocaleString('en-US');
console.log(`node ${process.version}, twilio ${require('twilio/package.json').version}, voiceops ${voiceops.version().version}; 25-parameter voice webhook (${body.length} bytes)`);
console.log(`valid signature:   voiceops TwilioVerifier ${fmt(best.oursValid)}/s, querystring.parse + twilio.validateRequest ${fmt(best.theirsValid)}/s, ratio ${(best.oursValid / best.theirsValid).toFixed(1)}x (target >= 5x)`);
console.log(`invalid signature: voiceops TwilioVerifier ${fmt(best.oursInvalid)}/s, querystring.parse + twilio.validateRequest ${fmt(best.theirsInvalid)}/s, ratio ${(best.oursInvalid / best.theirsInvalid).toFixed(1)}x (target >= 20x)`);
console.log(`one-shot verifyTwilio({ authTokens, ... }) (tokens passed per call): valid ${fmt(best.oneShotValid)}/s (${(best.oneShotValid / best.theirsValid).toFixed(1)}x), invalid ${fmt(best.oneShotInvalid)}/s (${(best.oneShotInvalid / best.theirsInvalid).toFixed(1)}x)`);
