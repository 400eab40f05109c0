/* Synchronous, CPU-only calls: webhook verification and signing, form and Vapi message
 * parsing, public URLs, secrets held in C memory. */
#include "addon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

napi_value vn_verify_result(napi_env env, int rc, const vo_verify_result *r)
{
    napi_value o = vn_object(env);
    vn_set(env, o, "valid", vn_bool(env, rc == VO_OK));
    vn_set_int(env, o, "code", rc);
    vn_set_str(env, o, "codeName", vo_error_name(rc));
    vn_set_int(env, o, "reason", r->reason);
    vn_set_str(env, o, "reasonName", vo_verify_reason_name(r->reason));
    vn_set_int(env, o, "httpStatus", vo_verify_http_status(rc, r));
    vn_set_int(env, o, "keyIndex", r->key_index);
    vn_set_int(env, o, "urlForm", r->url_form);
    vn_set_int(env, o, "signatureIndex", r->signature_index);
    vn_set_int(env, o, "formsTried", r->forms_tried);
    vn_set_int(env, o, "timestamp", r->timestamp);
    vn_set_int(env, o, "seen", r->seen);
    vn_set_int(env, o, "seenAtMs", r->seen_at_ms);
    return o;
}

int vn_request_from(napi_env env, napi_value obj, vn_request *out)
{
    memset(out, 0, sizeof(*out));
    vo_webhook_request_init(&out->req, VO_WEBHOOK_REQUEST_VERSION);
    napi_value headers, body;
    if (vn_prop_str(env, obj, "method", &out->method) ||
        vn_prop_str(env, obj, "url", &out->url) || vn_prop_get(env, obj, "headers", &headers) ||
        vn_prop_get(env, obj, "body", &body))
        goto fail;
    if (headers && vn_params(env, headers, "request.headers", &out->headers, &out->header_store,
                             &out->header_count))
        goto fail;
    size_t len = 0;
    if (body && !vn_is_nullish(env, body)) {
        if (vn_bytes_copy(env, body, "request.body", &out->body, &len))
            goto fail;
    }
    out->req.method = out->method ? out->method : "POST";
    out->req.url = out->url;
    out->req.headers = out->headers;
    out->req.header_count = out->header_count;
    out->req.body = out->body;
    out->req.body_len = len;
    return 0;
fail:
    vn_request_free(out);
    return -1;
}

void vn_request_free(vn_request *r)
{
    free(r->method);
    free(r->url);
    free(r->body);
    vn_params_free(r->headers, r->header_store, r->header_count);
    memset(r, 0, sizeof(*r));
}

/* formParse(body) -> [[name, value], ...] */
static napi_value n_form_parse(napi_env env, napi_callback_info info)
{
    VN_ARGS(1);
    const unsigned char *body;
    size_t len;
    char *tmp;
    if (vn_bytes_view(env, argv[0], "body", &body, &len, &tmp))
        return NULL;
    vo_form *form = NULL;
    int rc = vo_form_parse(&form, (const char *)body, len);
    free(tmp);
    if (rc != VO_OK)
        return vn_throw_last(env);
    size_t n = vo_form_count(form);
    napi_value arr;
    napi_create_array_with_length(env, n, &arr);
    for (size_t i = 0; i < n; i++) {
        napi_value pair;
        napi_create_array_with_length(env, 2, &pair);
        napi_set_element(env, pair, 0, vn_string(env, vo_form_name(form, i)));
        napi_set_element(env, pair, 1, vn_string(env, vo_form_value(form, i)));
        napi_set_element(env, arr, (uint32_t)i, pair);
    }
    vo_form_free(form);
    return arr;
}

/* twilioSign(authToken, url, params) -> signature */
static napi_value n_twilio_sign(napi_env env, napi_callback_info info)
{
    VN_ARGS(3);
    char *token = NULL, *url = NULL, **store = NULL;
    vo_param *params = NULL;
    size_t count = 0;
    napi_value result = NULL;
    if (vn_str(env, argv[0], "authToken", 0, &token) || vn_str(env, argv[1], "url", 0, &url) ||
        vn_params(env, argv[2], "params", &params, &store, &count))
        goto done;
    char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    if (vo_webhook_twilio_sign(sig, sizeof(sig), token, url, params, count) != VO_OK)
        vn_throw_last(env);
    else
        result = vn_string(env, sig);
done:
    vn_wipe_free(token);
    free(url);
    vn_params_free(params, store, count);
    return result;
}

/* A short string argument into a caller's buffer (no allocation), else a malloc'd copy in
 * *heap. Returns the string, or NULL with an exception thrown (or for null/undefined when
 * optional). */
static const char *fast_str(napi_env env, napi_value v, char *buf, size_t size, char **heap,
                            const char *what, int optional, int *failed)
{
    size_t n = 0;
    *heap = NULL;
    *failed = 0;
    if (napi_get_value_string_utf8(env, v, buf, size, &n) == napi_ok) {
        if (n < size - 1 && strlen(buf) == n)
            return buf;
    } else if (optional && vn_is_nullish(env, v)) {
        return NULL;
    }
    if (vn_str(env, v, what, optional, heap)) {
        *failed = 1;
        return NULL;
    }
    return *heap;
}

#define FAST_TOKENS 8
#define FAST_TOKEN_SIZE 160

void vn_twilio_keys_free(vn_twilio_keys *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->count; i++)
        vo_secret_free(k->secrets[i]);
    free(k->secrets);
    free((void *)k->tokens);
    free(k);
}

/* maxBody (nullish: 0, the library's bound) and exactUrlOnly (truthy) of a verification. */
static int twilio_verify_options(napi_env env, napi_value max_v, napi_value exact_v,
                                 int64_t *max_body, bool *exact)
{
    *max_body = 0;
    *exact = false;
    /* What lib/index.js passes on every one-shot call, a number and a boolean, is read with
     * one call each; anything else takes the checked path. */
    if (vn_opt_int64(env, max_v, "maxBody", max_body))
        return -1;
    if (napi_get_value_bool(env, exact_v, exact) != napi_ok && !vn_is_nullish(env, exact_v)) {
        napi_value b;
        if (napi_coerce_to_bool(env, exact_v, &b) != napi_ok ||
            napi_get_value_bool(env, b, exact) != napi_ok)
            return -1;
    }
    return 0;
}

/* twilioKeysNew(tokens, maxBody, exactUrlOnly) -> handle: the tokens copied into guarded
 * memory once, and the options read once, for twilioVerifyWith() (a verifier that handlers
 * keep, whose every call is then only the request's own arguments). */
static napi_value n_twilio_keys_new(napi_env env, napi_callback_info info)
{
    VN_ARGS(3);
    char **tokens = NULL;
    size_t count = 0;
    int64_t max_body = 0;
    bool exact = false;
    if (twilio_verify_options(env, argv[1], argv[2], &max_body, &exact))
        return NULL;
    if (vn_str_array(env, argv[0], "authTokens", &tokens, &count))
        return NULL;
    vn_twilio_keys *k = calloc(1, sizeof(*k));
    if (k) {
        k->secrets = calloc(count ? count : 1, sizeof(vo_secret *));
        k->tokens = calloc(count ? count : 1, sizeof(char *));
    }
    if (!k || !k->secrets || !k->tokens) {
        vn_twilio_keys_free(k);
        vn_str_array_free(tokens, count);
        return vn_throw_code(env, VO_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < count; i++) {
        if (vo_secret_new(&k->secrets[i], tokens[i], strlen(tokens[i])) != VO_OK) {
            k->count = i;
            vn_twilio_keys_free(k);
            vn_str_array_free(tokens, count);
            return vn_throw_last(env);
        }
        k->tokens[i] = vo_secret_str(k->secrets[i]);
    }
    k->count = count;
    k->max_body = max_body;
    k->exact_url_only = exact;
    vn_str_array_free(tokens, count);
    return vn_handle_wrap(env, VN_TWILIO_KEYS, k);
}

/* The packed form of a Twilio verification (see n_twilio_verify). */
static napi_value twilio_verify_packed(napi_env env, const char *const *tok, size_t token_count,
                                       napi_value *args, int64_t max_body, bool exact)
{
    char *heap_url = NULL, *heap_sig = NULL, *heap_ct = NULL, *tmp = NULL;
    char url_buf[2048], sig_buf[128], ct_buf[128];
    const unsigned char *body = NULL;
    size_t body_len = 0;
    napi_value result = NULL;
    int failed = 0;
    const char *url =
        fast_str(env, args[0], url_buf, sizeof(url_buf), &heap_url, "url", 0, &failed);
    if (failed)
        goto done;
    const char *sig =
        fast_str(env, args[1], sig_buf, sizeof(sig_buf), &heap_sig, "signature", 1, &failed);
    if (failed)
        goto done;
    const char *ct =
        fast_str(env, args[2], ct_buf, sizeof(ct_buf), &heap_ct, "contentType", 1, &failed);
    if (failed)
        goto done;
    if (vn_bytes_view(env, args[3], "body", &body, &body_len, &tmp))
        goto done;

    vo_verify_result r;
    vo_verify_result_init(&r, VO_VERIFY_RESULT_VERSION);
    int rc;
    if (max_body > 0 || exact) {
        vo_webhook_twilio_options o;
        vo_webhook_twilio_options_init(&o, VO_WEBHOOK_TWILIO_OPTIONS_VERSION);
        o.max_body = max_body > 0 ? (size_t)max_body : 0;
        o.exact_url_only = exact;
        vo_param hdrs[2];
        size_t hn = 0;
        if (sig)
            hdrs[hn++] = (vo_param){"X-Twilio-Signature", sig};
        if (ct)
            hdrs[hn++] = (vo_param){"Content-Type", ct};
        vo_webhook_request req;
        vo_webhook_request_init(&req, VO_WEBHOOK_REQUEST_VERSION);
        req.method = "POST";
        req.url = url;
        req.headers = hdrs;
        req.header_count = hn;
        req.body = body;
        req.body_len = body_len;
        rc = vo_webhook_twilio_verify_request(&r, &o, tok, token_count, &req);
    } else {
        rc = vo_webhook_twilio_verify(&r, tok, token_count, url, sig, ct, body, body_len);
    }
    int64_t packed = (int64_t)(r.reason & 31) | ((int64_t)((r.key_index + 1) & 255) << 5) |
                     ((int64_t)((r.url_form + 1) & 7) << 13) |
                     ((int64_t)(r.forms_tried & 15) << 16) | ((int64_t)((-rc) & 63) << 20) |
                     ((int64_t)vo_verify_http_status(rc, &r) << 26);
    result = vn_int(env, packed);
done:
    free(heap_url);
    free(heap_sig);
    free(heap_ct);
    free(tmp);
    return result;
}

/* twilioVerifyWith(keys, url, signature, contentType, body) -> packed: the options are the
 * verifier's (twilioKeysNew). */
static napi_value n_twilio_verify_with(napi_env env, napi_callback_info info)
{
    VN_ARGS(5);
    vn_handle *h = vn_handle_get(env, argv[0], VN_TWILIO_KEYS);
    if (!h)
        return NULL;
    vn_twilio_keys *k = h->ptr;
    return twilio_verify_packed(env, k->tokens, k->count, argv + 1, k->max_body,
                                k->exact_url_only);
}

/* twilioVerify(tokens, url, signature, contentType, body, maxBody, exactUrlOnly) -> packed.
 * The hot path of webhook handlers: short strings go through stack buffers, and the result
 * comes back as one number that lib/index.js unpacks (building a JS object through N-API
 * costs more than the verification itself):
 *   bits 0-4 reason, 5-12 key_index + 1, 13-15 url_form + 1, 16-19 forms_tried,
 *   20-25 -rc, and above 2^26 the HTTP status of vo_verify_http_status(). */
static napi_value n_twilio_verify(napi_env env, napi_callback_info info)
{
    VN_ARGS(7);
    char tok_buf[FAST_TOKENS][FAST_TOKEN_SIZE];
    const char *tok_ptr[FAST_TOKENS];
    char **tokens = NULL;
    size_t token_count = 0;
    napi_value result = NULL;
    bool is_array = false;
    const char *const *tok = tok_ptr;

    napi_is_array(env, argv[0], &is_array);
    uint32_t n = 0;
    if (is_array)
        napi_get_array_length(env, argv[0], &n);
    size_t filled = 0; /* slots of tok_buf written (wiped before returning) */
    if (is_array && n <= FAST_TOKENS) {
        for (uint32_t i = 0; i < n; i++) {
            napi_value e;
            size_t len = 0;
            napi_get_element(env, argv[0], i, &e);
            napi_status st =
                napi_get_value_string_utf8(env, e, tok_buf[i], FAST_TOKEN_SIZE, &len);
            if (st == napi_ok)
                filled = i + 1;
            if (st != napi_ok || len >= FAST_TOKEN_SIZE - 1 || strlen(tok_buf[i]) != len) {
                n = FAST_TOKENS + 1; /* not short strings: the general path */
                break;
            }
            tok_ptr[i] = tok_buf[i];
        }
        token_count = n;
    }
    if (!is_array || n > FAST_TOKENS) {
        if (vn_str_array(env, argv[0], "authTokens", &tokens, &token_count))
            goto done;
        tok = (const char *const *)tokens;
    }
    int64_t max_body = 0;
    bool exact = false;
    if (twilio_verify_options(env, argv[5], argv[6], &max_body, &exact) == 0)
        result = twilio_verify_packed(env, tok, token_count, argv + 1, max_body, exact);
    vn_str_array_free(tokens, token_count);
done:
    /* the stack copies of the tokens: only the slots written (one 160-byte slot per token,
     * not the whole array, on every call) */
    explicit_bzero(tok_buf, filled * sizeof(tok_buf[0]));
    return result;
}

/* twilioBodySha256(body) -> hex */
static napi_value n_twilio_body_sha256(napi_env env, napi_callback_info info)
{
    VN_ARGS(1);
    const unsigned char *body;
    size_t len;
    char *tmp, out[65];
    if (vn_bytes_view(env, argv[0], "body", &body, &len, &tmp))
        return NULL;
    int rc = vo_webhook_twilio_body_sha256(out, sizeof(out), body, len);
    free(tmp);
    return rc == VO_OK ? vn_string(env, out) : vn_throw_last(env);
}

int vn_vapi_opts_from(napi_env env, napi_value obj, vo_webhook_vapi_options *o, char **store)
{
    vo_webhook_vapi_options_init(o, VO_WEBHOOK_VAPI_OPTIONS_VERSION);
    if (vn_is_nullish(env, obj))
        return 0;
    int64_t type = 0, alg = 0, enc = 0, tol = 0, max_body = 0;
    if (vn_prop_int64(env, obj, "type", &type, 0) ||
        vn_prop_int64(env, obj, "algorithm", &alg, 0) ||
        vn_prop_int64(env, obj, "encoding", &enc, 0) ||
        vn_prop_int64(env, obj, "toleranceSeconds", &tol, 0) ||
        vn_prop_int64(env, obj, "maxBody", &max_body, 0) ||
        vn_prop_bool(env, obj, "bareToken", &o->bare_token) ||
        vn_prop_bool(env, obj, "omitTimestamp", &o->omit_timestamp) ||
        vn_prop_bool(env, obj, "secretIsBase64", &o->secret_is_base64) ||
        vn_prop_str(env, obj, "headerName", &store[0]) ||
        vn_prop_str(env, obj, "signatureHeader", &store[1]) ||
        vn_prop_str(env, obj, "timestampHeader", &store[2]) ||
        vn_prop_str(env, obj, "messageIdHeader", &store[3]) ||
        vn_prop_str(env, obj, "payloadFormat", &store[4]) ||
        vn_prop_str(env, obj, "signaturePrefix", &store[5]))
        return -1;
    o->type = (vo_webhook_vapi_auth)type;
    o->algorithm = (vo_hmac_algorithm)alg;
    o->encoding = (vo_signature_encoding)enc;
    o->tolerance_seconds = tol;
    o->max_body = max_body > 0 ? (size_t)max_body : 0;
    o->header_name = store[0];
    o->signature_header = store[1];
    o->timestamp_header = store[2];
    o->message_id_header = store[3];
    o->payload_format = store[4];
    o->signature_prefix = store[5];
    return 0;
}

static void free_store(char **store, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(store[i]);
        store[i] = NULL;
    }
}

/* vapiVerify(opts, secrets, request, now) -> result */
static napi_value n_vapi_verify(napi_env env, napi_callback_info info)
{
    VN_ARGS(4);
    vo_webhook_vapi_options o;
    char *store[6] = {0}, **secrets = NULL;
    size_t count = 0;
    vn_request req;
    int64_t now = 0;
    napi_value result = NULL;
    memset(&req, 0, sizeof(req));
    if (vn_vapi_opts_from(env, argv[0], &o, store) ||
        vn_str_array(env, argv[1], "secrets", &secrets, &count) ||
        vn_request_from(env, argv[2], &req) || vn_opt_int64(env, argv[3], "now", &now))
        goto done;
    vo_verify_result r;
    vo_verify_result_init(&r, VO_VERIFY_RESULT_VERSION);
    int rc = vo_webhook_vapi_verify(&r, &o, (const char *const *)secrets, count, &req.req, now);
    result = vn_verify_result(env, rc, &r);
done:
    free_store(store, 6);
    vn_str_array_free(secrets, count);
    vn_request_free(&req);
    return result;
}

/* vapiSign(opts, secret, method, url, timestamp, messageId, body) -> signature header value */
static napi_value n_vapi_sign(napi_env env, napi_callback_info info)
{
    VN_ARGS(7);
    vo_webhook_vapi_options o;
    char *store[6] = {0}, *secret = NULL, *method = NULL, *url = NULL, *ts = NULL, *id = NULL;
    unsigned char *body = NULL;
    size_t len = 0;
    napi_value result = NULL;
    if (vn_vapi_opts_from(env, argv[0], &o, store) ||
        vn_str(env, argv[1], "secret", 0, &secret) ||
        vn_str(env, argv[2], "method", 1, &method) || vn_str(env, argv[3], "url", 1, &url) ||
        vn_str(env, argv[4], "timestamp", 1, &ts) ||
        vn_str(env, argv[5], "messageId", 1, &id) ||
        vn_bytes_copy(env, argv[6], "body", &body, &len))
        goto done;
    char out[512];
    if (vo_webhook_vapi_sign(out, sizeof(out), &o, secret, method, url, ts, id, body, len) !=
        VO_OK)
        vn_throw_last(env);
    else
        result = vn_string(env, out);
done:
    free_store(store, 6);
    vn_wipe_free(secret);
    free(method);
    free(url);
    free(ts);
    free(id);
    free(body);
    return result;
}

/* stdSign(secret, msgId, timestamp, body) -> "v1,<base64>" */
static napi_value n_std_sign(napi_env env, napi_callback_info info)
{
    VN_ARGS(4);
    char *secret = NULL, *id = NULL, *tmp = NULL;
    int64_t ts = 0;
    const unsigned char *body;
    size_t len;
    napi_value result = NULL;
    if (vn_str(env, argv[0], "secret", 0, &secret) || vn_str(env, argv[1], "msgId", 0, &id) ||
        vn_int64(env, argv[2], "timestamp", &ts) ||
        vn_bytes_view(env, argv[3], "body", &body, &len, &tmp))
        goto done;
    char out[VO_WEBHOOK_STD_SIGNATURE_SIZE];
    if (vo_webhook_std_sign(out, sizeof(out), secret, id, ts, body, len) != VO_OK)
        vn_throw_last(env);
    else
        result = vn_string(env, out);
done:
    vn_wipe_free(secret);
    free(id);
    free(tmp);
    return result;
}

/* stdVerify(secrets, msgId, timestamp, signatures, body, now) -> result */
static napi_value n_std_verify(napi_env env, napi_callback_info info)
{
    VN_ARGS(6);
    char **secrets = NULL, *id = NULL, *ts = NULL, *sigs = NULL, *tmp = NULL;
    size_t count = 0, len = 0;
    const unsigned char *body;
    int64_t now = 0;
    napi_value result = NULL;
    if (vn_str_array(env, argv[0], "secrets", &secrets, &count) ||
        vn_str(env, argv[1], "msgId", 1, &id) || vn_str(env, argv[2], "timestamp", 1, &ts) ||
        vn_str(env, argv[3], "signatures", 1, &sigs) ||
        vn_bytes_view(env, argv[4], "body", &body, &len, &tmp) ||
        vn_opt_int64(env, argv[5], "now", &now))
        goto done;
    vo_verify_result r;
    vo_verify_result_init(&r, VO_VERIFY_RESULT_VERSION);
    int rc = vo_webhook_std_verify(&r, (const char *const *)secrets, count, id, ts, sigs, body,
                                   len, now);
    result = vn_verify_result(env, rc, &r);
done:
    vn_str_array_free(secrets, count);
    free(id);
    free(ts);
    free(sigs);
    free(tmp);
    return result;
}

/* stdVerifyRequest(secrets, request, now) -> result */
static napi_value n_std_verify_request(napi_env env, napi_callback_info info)
{
    VN_ARGS(3);
    char **secrets = NULL;
    size_t count = 0;
    vn_request req;
    int64_t now = 0;
    napi_value result = NULL;
    memset(&req, 0, sizeof(req));
    if (vn_str_array(env, argv[0], "secrets", &secrets, &count) ||
        vn_request_from(env, argv[1], &req) || vn_opt_int64(env, argv[2], "now", &now))
        goto done;
    vo_verify_result r;
    vo_verify_result_init(&r, VO_VERIFY_RESULT_VERSION);
    int rc =
        vo_webhook_std_verify_request(&r, (const char *const *)secrets, count, &req.req, now);
    result = vn_verify_result(env, rc, &r);
done:
    vn_str_array_free(secrets, count);
    vn_request_free(&req);
    return result;
}

/* stdSecretNew() -> "whsec_..." as a Secret handle */
static napi_value n_std_secret_new(napi_env env, napi_callback_info info)
{
    (void)info;
    char out[128];
    if (vo_webhook_std_secret_new(out, sizeof(out)) != VO_OK)
        return vn_throw_last(env);
    vo_secret *s = NULL;
    int rc = vo_secret_new(&s, out, strlen(out));
    explicit_bzero(out, sizeof(out));
    if (rc != VO_OK)
        return vn_throw_last(env);
    return vn_handle_wrap(env, VN_SECRET, s);
}

/* verifyStatus(code, reason) -> HTTP status */
static napi_value n_verify_status(napi_env env, napi_callback_info info)
{
    VN_ARGS(2);
    int64_t rc = 0, reason = 0;
    if (vn_int64(env, argv[0], "code", &rc) || vn_int64(env, argv[1], "reason", &reason))
        return NULL;
    vo_verify_result r;
    vo_verify_result_init(&r, VO_VERIFY_RESULT_VERSION);
    r.reason = (vo_verify_reason)reason;
    napi_value o = vn_object(env);
    vn_set_int(env, o, "httpStatus", vo_verify_http_status((int)rc, &r));
    vn_set_str(env, o, "reasonName", vo_verify_reason_name(r.reason));
    return o;
}

/* publicUrlBuild(opts, peer, scheme, target, headers) -> url */
static napi_value n_public_url_build(napi_env env, napi_callback_info info)
{
    VN_ARGS(5);
    vo_public_url_options o;
    vo_public_url_options_init(&o, VO_PUBLIC_URL_OPTIONS_VERSION);
    char *base = NULL, **proxies = NULL, *peer = NULL, *scheme = NULL, *target = NULL;
    char **hstore = NULL, *out = NULL;
    size_t proxy_count = 0, hcount = 0;
    vo_param *headers = NULL;
    int64_t fwd = 0;
    napi_value result = NULL, pv = NULL;
    if (vn_prop_str(env, argv[0], "baseUrl", &base) ||
        vn_prop_int64(env, argv[0], "forwardedHeaders", &fwd, 0) ||
        vn_prop_get(env, argv[0], "trustedProxies", &pv))
        goto done;
    if (pv && !vn_is_nullish(env, pv) &&
        vn_str_array(env, pv, "trustedProxies", &proxies, &proxy_count))
        goto done;
    if (vn_str(env, argv[1], "peerAddress", 1, &peer) ||
        vn_str(env, argv[2], "scheme", 1, &scheme) ||
        vn_str(env, argv[3], "target", 0, &target) ||
        vn_params(env, argv[4], "headers", &headers, &hstore, &hcount))
        goto done;
    o.base_url = base;
    o.trusted_proxies = (const char *const *)proxies;
    o.trusted_proxy_count = proxy_count;
    o.forwarded_headers = (unsigned int)fwd;
    size_t size = VO_WEBHOOK_MAX_URL + 1, len = 0;
    out = malloc(size);
    if (!out) {
        vn_throw_code(env, VO_ENOMEM, "out of memory");
        goto done;
    }
    if (vo_public_url_build(out, size, &len, &o, peer, scheme, target, headers, hcount) !=
        VO_OK)
        vn_throw_last(env);
    else
        result = vn_string(env, out);
done:
    free(base);
    vn_str_array_free(proxies, proxy_count);
    free(peer);
    free(scheme);
    free(target);
    vn_params_free(headers, hstore, hcount);
    free(out);
    return result;
}

/* vapiMessageParse(body) -> { type, kind, callId, ..., toolCalls: [...] } */
static napi_value n_vapi_message_parse(napi_env env, napi_callback_info info)
{
    VN_ARGS(1);
    const unsigned char *body;
    size_t len;
    char *tmp;
    if (vn_bytes_view(env, argv[0], "body", &body, &len, &tmp))
        return NULL;
    vo_vapi_message *m = NULL;
    int rc = vo_vapi_message_parse(&m, (const char *)body, len);
    free(tmp);
    if (rc != VO_OK)
        return vn_throw_last(env);
    napi_value o = vn_object(env);
    vn_set_str(env, o, "type", vo_vapi_message_type(m));
    vn_set_int(env, o, "kind", vo_vapi_message_kind_of(m));
    vn_set_str(env, o, "callId", vo_vapi_message_call_id(m));
    vn_set_str(env, o, "orgId", vo_vapi_message_org_id(m));
    vn_set_str(env, o, "phoneNumberId", vo_vapi_message_phone_number_id(m));
    vn_set_str(env, o, "phoneNumber", vo_vapi_message_phone_number(m));
    vn_set_str(env, o, "customerNumber", vo_vapi_message_customer_number(m));
    vn_set_str(env, o, "status", vo_vapi_message_status(m));
    vn_set_str(env, o, "endedReason", vo_vapi_message_ended_reason(m));
    vn_set_str(env, o, "json", vo_vapi_message_json(m));
    size_t n = vo_vapi_message_tool_call_count(m);
    napi_value calls;
    napi_create_array_with_length(env, n, &calls);
    for (size_t i = 0; i < n; i++) {
        napi_value c = vn_object(env);
        vn_set_str(env, c, "id", vo_vapi_message_tool_call_id(m, i));
        vn_set_str(env, c, "name", vo_vapi_message_tool_call_name(m, i));
        vn_set_str(env, c, "arguments", vo_vapi_message_tool_call_arguments(m, i));
        napi_set_element(env, calls, (uint32_t)i, c);
    }
    vn_set(env, o, "toolCalls", calls);
    vo_vapi_message_free(m);
    return o;
}

/* vapiAssistantReply(assistantId, assistantJson, error) -> JSON string */
static napi_value n_vapi_assistant_reply(napi_env env, napi_callback_info info)
{
    VN_ARGS(3);
    char *id = NULL, *json = NULL, *error = NULL, *out = NULL;
    napi_value result = NULL;
    if (vn_str(env, argv[0], "assistantId", 1, &id) ||
        vn_str(env, argv[1], "assistant", 1, &json) || vn_str(env, argv[2], "error", 1, &error))
        goto done;
    if (vo_vapi_message_assistant_reply(&out, id, json, error) != VO_OK)
        vn_throw_last(env);
    else
        result = vn_string(env, out);
done:
    free(id);
    free(json);
    free(error);
    vo_free(out);
    return result;
}

/* vapiToolResults([{ toolCallId, name, result, error }]) -> JSON string */
static napi_value n_vapi_tool_results(napi_env env, napi_callback_info info)
{
    VN_ARGS(1);
    bool is = false;
    if (napi_is_array(env, argv[0], &is) != napi_ok || !is)
        return vn_throw_type(env, "results must be an array");
    vo_vapi_tool_results *tr = NULL;
    if (vo_vapi_tool_results_new(&tr) != VO_OK)
        return vn_throw_last(env);
    uint32_t n = 0;
    napi_get_array_length(env, argv[0], &n);
    napi_value result = NULL;
    for (uint32_t i = 0; i < n; i++) {
        napi_value e;
        char *id = NULL, *name = NULL, *res = NULL, *err = NULL;
        napi_get_element(env, argv[0], i, &e);
        int bad = vn_prop_str(env, e, "toolCallId", &id) ||
                  vn_prop_str(env, e, "name", &name) || vn_prop_str(env, e, "result", &res) ||
                  vn_prop_str(env, e, "error", &err);
        int rc = bad ? VO_EINVAL : vo_vapi_tool_results_add(tr, id, name, res, err);
        free(id);
        free(name);
        free(res);
        free(err);
        if (bad)
            goto done;
        if (rc != VO_OK) {
            vn_throw_last(env);
            goto done;
        }
    }
    char *out = NULL;
    if (vo_vapi_tool_results_json(&out, tr) != VO_OK) {
        vn_throw_last(env);
        goto done;
    }
    result = vn_string(env, out);
    vo_free(out);
done:
    vo_vapi_tool_results_free(tr);
    return result;
}

/* ---- secrets ------------------------------------------------------------------------ */

/* secretNew(bytes) -> Secret handle (the bytes are copied into guarded memory) */
static napi_value n_secret_new(napi_env env, napi_callback_info info)
{
    VN_ARGS(1);
    unsigned char *data = NULL;
    size_t len = 0;
    if (vn_bytes_copy(env, argv[0], "value", &data, &len))
        return NULL;
    vo_secret *s = NULL;
    int rc = vo_secret_new(&s, data, len);
    explicit_bzero(data, len);
    free(data);
    if (rc != VO_OK)
        return vn_throw_last(env);
    return vn_handle_wrap(env, VN_SECRET, s);
}

/* secretReveal(handle) -> string */
static napi_value n_secret_reveal(napi_env env, napi_callback_info info)
{
    VN_ARGS(1);
    vn_handle *h = vn_handle_get(env, argv[0], VN_SECRET);
    if (!h)
        return NULL;
    napi_value v;
    napi_create_string_utf8(env, (const char *)vo_secret_data(h->ptr), vo_secret_len(h->ptr),
                            &v);
    return v;
}

/* secretBytes(handle) -> Buffer (a copy the caller should fill(0) when done) */
static napi_value n_secret_bytes(napi_env env, napi_callback_info info)
{
    VN_ARGS(1);
    vn_handle *h = vn_handle_get(env, argv[0], VN_SECRET);
    if (!h)
        return NULL;
    napi_value v;
    void *copy;
    napi_create_buffer_copy(env, vo_secret_len(h->ptr), vo_secret_data(h->ptr), &copy, &v);
    return v;
}

/* secretLength(handle) -> number */
static napi_value n_secret_length(napi_env env, napi_callback_info info)
{
    VN_ARGS(1);
    vn_handle *h = vn_handle_get(env, argv[0], VN_SECRET);
    return h ? vn_int(env, (int64_t)vo_secret_len(h->ptr)) : NULL;
}

/* secretEquals(handle, bytes) -> boolean, constant time */
static napi_value n_secret_equals(napi_env env, napi_callback_info info)
{
    VN_ARGS(2);
    vn_handle *h = vn_handle_get(env, argv[0], VN_SECRET);
    if (!h)
        return NULL;
    const unsigned char *p;
    size_t len;
    char *tmp;
    vn_handle *other = NULL;
    napi_valuetype t;
    napi_typeof(env, argv[1], &t);
    if (t == napi_external) {
        other = vn_handle_get(env, argv[1], VN_SECRET);
        if (!other)
            return NULL;
        return vn_bool(env,
                       vo_secure_equal(vo_secret_data(h->ptr), vo_secret_len(h->ptr),
                                       vo_secret_data(other->ptr), vo_secret_len(other->ptr)));
    }
    if (vn_bytes_view(env, argv[1], "other", &p, &len, &tmp))
        return NULL;
    int eq = vo_secure_equal(vo_secret_data(h->ptr), vo_secret_len(h->ptr), p, len);
    if (tmp) {
        explicit_bzero(tmp, len);
        free(tmp);
    }
    return vn_bool(env, eq);
}

/* ---- error code mapping ------------------------------------------------------------- */

static napi_value n_twilio_error_code(napi_env env, napi_callback_info info)
{
    VN_ARGS(2);
    int64_t status = 0, code = 0;
    if (vn_int64(env, argv[0], "httpStatus", &status) ||
        vn_opt_int64(env, argv[1], "twilioCode", &code))
        return NULL;
    return vn_int(env, vo_twilio_error_code((int)status, (long)code));
}

static napi_value n_vapi_error_code(napi_env env, napi_callback_info info)
{
    VN_ARGS(2);
    int64_t status = 0;
    char *error = NULL;
    if (vn_int64(env, argv[0], "httpStatus", &status) ||
        vn_str(env, argv[1], "error", 1, &error))
        return NULL;
    int r = vo_vapi_error_code((int)status, error);
    free(error);
    return vn_int(env, r);
}

static napi_value n_parse_retry_after(napi_env env, napi_callback_info info)
{
    VN_ARGS(2);
    char *value = NULL;
    int64_t now = 0;
    if (vn_str(env, argv[0], "value", 0, &value) || vn_opt_int64(env, argv[1], "now", &now)) {
        free(value);
        return NULL;
    }
    long r = vo_http_parse_retry_after(value, (long long)now);
    free(value);
    return vn_int(env, r);
}

void vn_webhook_exports(napi_env env, napi_value exports)
{
    static const vn_fn fns[] = {
        {"formParse", n_form_parse},
        {"twilioSign", n_twilio_sign},
        {"twilioVerify", n_twilio_verify},
        {"twilioKeysNew", n_twilio_keys_new},
        {"twilioVerifyWith", n_twilio_verify_with},
        {"twilioBodySha256", n_twilio_body_sha256},
        {"vapiVerify", n_vapi_verify},
        {"vapiSign", n_vapi_sign},
        {"stdSign", n_std_sign},
        {"stdVerify", n_std_verify},
        {"stdVerifyRequest", n_std_verify_request},
        {"stdSecretNew", n_std_secret_new},
        {"verifyStatus", n_verify_status},
        {"publicUrlBuild", n_public_url_build},
        {"vapiMessageParse", n_vapi_message_parse},
        {"vapiAssistantReply", n_vapi_assistant_reply},
        {"vapiToolResults", n_vapi_tool_results},
        {"secretNew", n_secret_new},
        {"secretReveal", n_secret_reveal},
        {"secretBytes", n_secret_bytes},
        {"secretLength", n_secret_length},
        {"secretEquals", n_secret_equals},
        {"twilioErrorCode", n_twilio_error_code},
        {"vapiErrorCode", n_vapi_error_code},
        {"parseRetryAfter", n_parse_retry_after},
        {NULL, NULL},
    };
    vn_export(env, exports, fns);
}
