'use strict';
// What the Express middleware and the Next.js helper share: the public URL, the choice of
// verifier (static keys or a vault routing token) and the parsed result. The decisions are
// the C library's; this only moves bytes.

const voiceops = require('./index.js');

function checkPublicUrlOptions(publicUrl, where) {
  if (!publicUrl || (!publicUrl.baseUrl && !(publicUrl.trustedProxies && publicUrl.trustedProxies.length))) {
    throw new TypeError(`${where}: set publicUrl.baseUrl (the URL the provider calls, e.g. ` +
      `'https://hooks.example.com') or publicUrl.trustedProxies with forwardedHeaders: the ` +
      'signature covers the URL, and a Host header alone is whatever the client sent');
  }
  if (!publicUrl.baseUrl && !publicUrl.forwardedHeaders) {
    throw new TypeError(`${where}: publicUrl.trustedProxies needs publicUrl.forwardedHeaders ` +
      "(the headers your proxies set, e.g. ['x_forwarded_proto', 'x_forwarded_host'])");
  }
}

function checkProvider(provider, where) {
  const p = String(provider || '').toLowerCase();
  if (p !== 'twilio' && p !== 'vapi') throw new TypeError(`${where}: provider must be 'twilio' or 'vapi'`);
  return p;
}

/** A failed verification or request as { status, result, message } (never a secret). */
function failure(status, result, message) {
  return { ok: false, status, result, message };
}

function headerOf(headers, name) {
  const lower = name.toLowerCase();
  for (const [k, v] of headers) if (k.toLowerCase() === lower) return v;
  return null;
}

async function resolveKeys(keys, ctx) {
  const v = typeof keys === 'function' ? await keys(ctx) : keys;
  if (v == null) return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * Check the guard options once, when the middleware is made (a configuration error throws).
 * guard: true | { retentionSeconds, retryWindowSeconds } records authentic requests in the
 * vault's seen-request store; it needs `vault` (the store) and, with fixed keys, `tenant`
 * (whose keys they are). Without `tenant`, a vault means routing. onDuplicate: 'answer'
 * (default: 200, the handler is not called) or 'call' (the handler runs with duplicate: true).
 */
function checkGuardOptions(opts, where) {
  const g = opts.guard;
  if (g !== undefined && g !== null && g !== false && g !== true && (typeof g !== 'object' || Array.isArray(g))) {
    throw new TypeError(`${where}: guard must be true or { retentionSeconds, retryWindowSeconds }`);
  }
  if (g && typeof g === 'object') {
    for (const k of Object.keys(g)) {
      if (k !== 'retentionSeconds' && k !== 'retryWindowSeconds') throw new TypeError(`${where}: unknown guard option ${JSON.stringify(k)}`);
      if (!Number.isInteger(g[k]) || g[k] < 0) throw new TypeError(`${where}: guard.${k} must be a non-negative integer (0: the default)`);
    }
  }
  if (g && !opts.vault) {
    throw new TypeError(`${where}: the guard records requests in a vault; give vault (and tenant with fixed keys)`);
  }
  const keys = opts.provider === 'twilio' ? opts.authTokens : opts.secrets;
  if (opts.tenant != null) {
    if (typeof opts.tenant !== 'string' || !opts.tenant) throw new TypeError(`${where}: tenant must be a non-empty string`);
    if (keys == null) throw new TypeError(`${where}: tenant is for fixed keys; give ${opts.provider === 'twilio' ? 'authTokens' : 'secrets'}`);
  }
  const od = opts.onDuplicate === undefined ? 'answer' : opts.onDuplicate;
  if (od !== 'answer' && od !== 'call') throw new TypeError(`${where}: onDuplicate must be 'answer' or 'call'`);
  return od;
}

/** Keys come from the vault through the URL token (else: fixed keys). */
function isRouted(options) {
  return !!options.vault && options.tenant == null;
}

/**
 * Verify one request (and with the guard, record it). parts: { url, headers: [[name, value]],
 * body: Buffer, method }. options: { provider, vault + token | authTokens | secrets (+ tenant),
 * guard, onDuplicate, vapiOptions, maxBody, exactUrlOnly }. ctx is handed to key functions
 * (the Express req or the Web Request). A duplicate is a failure with status 200 and
 * duplicate: true, unless onDuplicate is 'call': then it is ok with duplicate: true.
 */
async function verifyParts(options, parts, ctx, token) {
  const provider = options.provider;
  const request = { method: parts.method || 'POST', url: parts.url, headers: parts.headers, body: parts.body };
  const guardOpts = options.guard && options.guard !== true ? options.guard : undefined;
  let result;
  let tenant = null;
  if (isRouted(options)) {
    if (!token) return failure(404, null, 'no webhook token in the URL');
    result = options.guard
      ? await voiceops.routing.guard(options.vault, token, provider, request, { guard: guardOpts })
      : await voiceops.routing.verify(options.vault, token, provider, request);
    tenant = result.tenant || null;
  } else if (options.guard) {
    tenant = options.tenant;
    if (provider === 'twilio') {
      const authTokens = await resolveKeys(options.authTokens, ctx);
      result = await voiceops.guard.twilio(options.vault, tenant, {
        authTokens, request, maxBody: options.maxBody, exactUrlOnly: options.exactUrlOnly, guard: guardOpts,
      });
    } else {
      const secrets = await resolveKeys(options.secrets, ctx);
      result = await voiceops.guard.vapi(options.vault, tenant, { secrets, request, options: options.vapiOptions, guard: guardOpts });
    }
  } else if (provider === 'twilio' && options.verifier) {
    // static tokens: kept in guarded memory by a TwilioVerifier made when the middleware was
    result = options.verifier.verify(parts.url, headerOf(parts.headers, 'x-twilio-signature'),
      headerOf(parts.headers, 'content-type'), parts.body);
  } else if (provider === 'twilio') {
    const tokens = await resolveKeys(options.authTokens, ctx);
    result = voiceops.verifyTwilio({
      authTokens: tokens, url: parts.url, signature: headerOf(parts.headers, 'x-twilio-signature'),
      contentType: headerOf(parts.headers, 'content-type'), body: parts.body,
      maxBody: options.maxBody, exactUrlOnly: options.exactUrlOnly,
    });
  } else {
    const secrets = await resolveKeys(options.secrets, ctx);
    result = voiceops.verifyVapi({ secrets, request, options: options.vapiOptions });
  }
  if (tenant == null && options.tenant != null) tenant = options.tenant;
  const duplicate = result.codeName === 'VO_EDUPLICATE';
  if (duplicate && options.onDuplicate !== 'call') {
    // a provider retry of a request already accepted: answer (200), do not act again
    return { ...failure(result.httpStatus, result, 'duplicate webhook: already processed'), duplicate: true, tenant };
  }
  if (!result.valid && !duplicate) return failure(result.httpStatus, result, `webhook verification failed: ${result.reasonName}`);
  const out = { ok: true, status: 200, duplicate, tenant, result, body: parts.body, params: null, pairs: null, json: null, message: null };
  const ct = (headerOf(parts.headers, 'content-type') || '').toLowerCase();
  if (provider === 'twilio' && !ct.startsWith('application/json')) {
    out.pairs = voiceops.parseForm(parts.body);
    out.params = voiceops.parseFormObject(parts.body);
  } else {
    try {
      out.json = JSON.parse(parts.body.toString('utf8'));
    } catch (_) {
      return failure(400, result, 'the verified body is not JSON');
    }
    if (provider === 'vapi') {
      try { out.message = voiceops.vapi.parseMessage(parts.body); } catch (_) { /* not a server message */ }
    }
  }
  return out;
}

/** Build the public URL; returns { url } or a failure (400 for what the network sent). */
function buildUrl(publicUrl, args) {
  try {
    return { url: voiceops.publicUrl(publicUrl, args) };
  } catch (e) {
    if (e instanceof voiceops.ParseError || e instanceof voiceops.RequestError) return failure(400, null, 'cannot rebuild the request URL: ' + e.message);
    throw e; // the configuration is wrong: a server error, let the framework answer 500
  }
}

/** [[name, value], ...] from Node's rawHeaders (repeated lines kept). */
function pairsFromRaw(raw) {
  const out = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
  return out;
}

module.exports = { checkPublicUrlOptions, checkProvider, checkGuardOptions, isRouted, verifyParts, buildUrl, pairsFromRaw, failure, headerOf };
