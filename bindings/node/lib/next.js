'use strict';
// Next.js App Router helper: takes the Web Request of a route handler, reads the raw body
// once, resolves the tenant from the webhook token in the URL (through the vault), verifies,
// and returns the parsed params. Route handlers using it must run on the Node.js runtime
// (export const runtime = 'nodejs') and list 'voiceops' in serverExternalPackages.

const voiceops = require('./index.js');
const common = require('./webhook-common.js');

const DEFAULT_MAX_BODY = voiceops.limits().webhookMaxBody;

function lastSegment(pathname) {
  const parts = pathname.split('/').filter(Boolean);
  if (!parts.length) return null;
  try {
    return decodeURIComponent(parts[parts.length - 1]);
  } catch (_) {
    return ''; // a malformed escape: no valid token (routing answers 400 for it)
  }
}

/**
 * verifyWebhook(request, options) -> Promise<result>
 * options: { provider: 'twilio' | 'vapi', vault, token?: string | (url: URL) => string
 *            (default: the last path segment), or authTokens / secrets (static keys),
 *            publicUrl: { baseUrl } | { trustedProxies, forwardedHeaders, peerAddress },
 *            vapiOptions, maxBody, exactUrlOnly,
 *            guard: true | { retentionSeconds, retryWindowSeconds } (with vault; fixed keys
 *            also need tenant), onDuplicate: 'answer' (default) | 'call' }
 * result: { ok: true, duplicate, tenant, params, pairs, json, message, result, body, url }
 *       | { ok: false, status, message, result, response: Response, duplicate? }
 * With the guard, a duplicate is { ok: false, duplicate: true, status: 200 } (its response
 * answers 200) unless onDuplicate is 'call': then it is ok with duplicate: true.
 */
async function verifyWebhook(request, options = {}) {
  const where = 'voiceops/next verifyWebhook';
  const opts = { ...options, provider: common.checkProvider(options.provider, where) };
  common.checkPublicUrlOptions(opts.publicUrl, where);
  opts.onDuplicate = common.checkGuardOptions(opts, where);
  const fail = (f) => ({ ...f, response: new Response(f.message, { status: f.status, headers: { 'content-type': 'text/plain' } }) });
  const limit = opts.maxBody || DEFAULT_MAX_BODY;
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) return fail(common.failure(413, null, 'webhook body too large'));
  const body = Buffer.from(await request.arrayBuffer()); // the one read of the body
  if (body.length > limit) return fail(common.failure(413, null, 'webhook body too large'));

  const seen = new URL(request.url);
  const target = seen.pathname + seen.search;
  const headers = [];
  request.headers.forEach((value, name) => headers.push([name, value]));
  const { baseUrl, trustedProxies, forwardedHeaders } = opts.publicUrl;
  let peer = opts.publicUrl.peerAddress;
  if (typeof peer === 'function') peer = peer(request);
  const built = common.buildUrl({ baseUrl, trustedProxies, forwardedHeaders }, {
    peerAddress: peer || null, scheme: seen.protocol.replace(':', ''), target, headers,
  });
  if (!built.url) return fail(built);
  let token = null;
  if (common.isRouted(opts)) {
    token = typeof opts.token === 'function' ? opts.token(seen) : opts.token || lastSegment(seen.pathname);
    if (token === '') return fail(common.failure(400, null, 'malformed webhook token'));
  }
  const out = await common.verifyParts(opts, { method: request.method, url: built.url, headers, body }, request, token);
  if (!out.ok) return fail(out);
  return { ...out, url: built.url };
}

/**
 * Wrap a route handler: (request, context, verified) => Response, called only when verified
 * (with the guard, a duplicate is answered 200 without calling it, unless onDuplicate: 'call').
 */
function withWebhook(options, handler) {
  return async function voiceopsRoute(request, context) {
    const v = await verifyWebhook(request, options);
    if (!v.ok) return v.response;
    return handler(request, context, v);
  };
}

module.exports = { verifyWebhook, withWebhook };
