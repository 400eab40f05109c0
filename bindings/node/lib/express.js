'use strict';
// Express middleware that verifies Twilio and Vapi webhooks from the raw body and answers
// with the status the C library maps the outcome to (vo_verify_http_status), as
// twilio-node's webhook() does.
//
// Body parsing: the signature covers the exact bytes, so the middleware needs them. Either
// mount nothing before it on the webhook route (it reads the stream itself), or mount
// express.raw({ type: () => true }) so req.body is a Buffer. A body already parsed by
// express.urlencoded() or express.json() cannot be verified: the middleware answers 500
// and says so (a configuration error, never a silent pass).

const voiceops = require('./index.js');
const common = require('./webhook-common.js');

const DEFAULT_MAX_BODY = voiceops.limits().webhookMaxBody;

function readBody(req, limit) {
  if (Buffer.isBuffer(req.body)) return Promise.resolve(req.body);
  if (typeof req.body === 'string') return Promise.resolve(Buffer.from(req.body, 'utf8'));
  if (req.body !== undefined && req.body !== null) {
    const err = new Error('voiceops: the request body was already parsed (express.urlencoded or express.json ' +
      'ran first); the signature covers the raw bytes: mount express.raw({ type: () => true }) on the ' +
      'webhook route, or no body parser at all');
    err.status = 500;
    return Promise.reject(err);
  }
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    let done = false;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      done = true;
      const err = new Error('body too large');
      err.status = 413;
      req.resume();
      reject(err);
      return;
    }
    req.on('data', (c) => {
      if (done) return;
      size += c.length;
      if (size > limit) {
        done = true;
        const err = new Error('body too large');
        err.status = 413;
        req.resume();
        reject(err);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => { if (!done) { done = true; resolve(Buffer.concat(chunks)); } });
    req.on('error', (e) => { if (!done) { done = true; reject(e); } });
  });
}

function middleware(kind, options) {
  const where = `voiceops/express ${kind}`;
  const opts = { ...options, provider: common.checkProvider(options.provider || kind, where) };
  common.checkPublicUrlOptions(opts.publicUrl, where);
  opts.onDuplicate = common.checkGuardOptions(opts, where);
  const routed = common.isRouted(opts);
  if (opts.provider === 'twilio' && !routed && !opts.guard && opts.authTokens != null && typeof opts.authTokens !== 'function') {
    opts.verifier = voiceops.twilio.verifier(opts.authTokens, { maxBody: opts.maxBody, exactUrlOnly: opts.exactUrlOnly });
  }
  const limit = opts.maxBody || DEFAULT_MAX_BODY;
  const tokenOf = opts.token || ((req) => req.params && req.params.token);
  const onFailure = opts.onFailure || ((req, res, f) => res.status(f.status).type('text/plain').send(f.message));

  return async function voiceopsWebhook(req, res, next) {
    try {
      let body;
      try {
        body = await readBody(req, limit);
      } catch (e) {
        if (e.status === 413) return onFailure(req, res, common.failure(413, null, 'webhook body too large'));
        throw e;
      }
      const headers = common.pairsFromRaw(req.rawHeaders);
      const built = common.buildUrl(opts.publicUrl, {
        peerAddress: req.socket && req.socket.remoteAddress,
        scheme: req.socket && req.socket.encrypted ? 'https' : 'http',
        target: req.originalUrl || req.url,
        headers,
      });
      if (!built.url) return onFailure(req, res, built);
      const out = await common.verifyParts(opts, { method: req.method, url: built.url, headers, body }, req,
        routed ? tokenOf(req) : null);
      if (!out.ok) return onFailure(req, res, out);
      req.voiceops = { ...out, url: built.url };
      if (req.body === undefined) req.body = out.params || out.json;
      return next();
    } catch (e) {
      return next(e);
    }
  };
}

/**
 * Verify Twilio webhooks. options: { authTokens: string | string[] | (req) => tokens,
 * publicUrl: { baseUrl } | { trustedProxies, forwardedHeaders }, maxBody, exactUrlOnly,
 * onFailure(req, res, failure) }. Or, routed through the vault: { vault, token: (req) => string
 * (default req.params.token), publicUrl }.
 * Opt-in guard: guard: true | { retentionSeconds, retryWindowSeconds } with the vault (routed,
 * or fixed keys plus tenant): a duplicate answers 200 without calling next() unless
 * onDuplicate: 'call' (then req.voiceops.duplicate is true); a replay answers 403.
 */
function twilioWebhook(options = {}) { return middleware('twilio', options); }

/** Verify Vapi server messages. options: { secrets | vault (+ token), vapiOptions, publicUrl, ... }. */
function vapiWebhook(options = {}) { return middleware('vapi', options); }

/** Verify through a vault routing token: { vault, provider: 'twilio' | 'vapi', token, publicUrl }. */
function routedWebhook(options = {}) {
  if (!options.vault) throw new TypeError('voiceops/express routedWebhook: options.vault is required');
  return middleware(options.provider, options);
}

module.exports = { twilioWebhook, vapiWebhook, routedWebhook, readBody };
