/*
 * Verification of requests Vapi sends to a server URL: the `x-vapi-secret` shared secret,
 * bearer-style tokens, and HMAC credentials (algorithm, signature and timestamp headers,
 * payload template, hex or base64 encoding, optional prefix, optional base64 secret).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "voiceops/encoding.h"
#include "voiceops/secret.h"
#include "webhook_internal.h"

static const char what[] = "vo_webhook_vapi_verify: request verification failed";

#define MAX_TEMPLATE 1024
#define MAX_SEGMENTS 64

typedef enum seg_kind {
    SEG_LITERAL,
    SEG_TIMESTAMP,
    SEG_BODY,
    SEG_METHOD,
    SEG_URL,
    SEG_ID
} seg_kind;

typedef struct segment {
    seg_kind kind;
    const char *text;
    size_t len;
} segment;

typedef struct payload_template {
    segment seg[MAX_SEGMENTS];
    size_t n;
    bool uses[SEG_ID + 1];
} payload_template;

typedef struct payload_values {
    const char *timestamp;
    const char *method;
    const char *url;
    const char *message_id;
    const unsigned char *body;
    size_t body_len;
} payload_values;

static const struct {
    const char *name;
    seg_kind kind;
} placeholders[] = {
    {"{timestamp}", SEG_TIMESTAMP}, {"{body}", SEG_BODY},
    {"{method}", SEG_METHOD},       {"{url}", SEG_URL},
    {"{svix-id}", SEG_ID},
};

/* Split a template into literal text and placeholders; unknown braces stay literal. */
static bool parse_template(payload_template *t, const char *fmt)
{
    memset(t, 0, sizeof(*t));
    size_t len = strlen(fmt);
    if (len == 0 || len > MAX_TEMPLATE)
        return false;
    size_t lit = 0;
    for (size_t i = 0; i < len;) {
        size_t k = 0, match = (size_t)-1;
        if (fmt[i] == '{')
            for (k = 0; k < sizeof(placeholders) / sizeof(placeholders[0]); k++) {
                size_t pl = strlen(placeholders[k].name);
                if (strncmp(fmt + i, placeholders[k].name, pl) == 0) {
                    match = k;
                    break;
                }
            }
        if (match == (size_t)-1) {
            i++;
            continue;
        }
        if (t->n + 2 > MAX_SEGMENTS)
            return false;
        if (i > lit)
            t->seg[t->n++] = (segment){SEG_LITERAL, fmt + lit, i - lit};
        t->seg[t->n++] = (segment){placeholders[match].kind, NULL, 0};
        t->uses[placeholders[match].kind] = true;
        i += strlen(placeholders[match].name);
        lit = i;
    }
    if (len > lit) {
        if (t->n + 1 > MAX_SEGMENTS)
            return false;
        t->seg[t->n++] = (segment){SEG_LITERAL, fmt + lit, len - lit};
    }
    return true;
}

static int feed(vo__mac *m, const payload_template *t, const payload_values *v)
{
    int rc = vo__mac_begin(m);
    for (size_t i = 0; rc == VO_OK && i < t->n; i++) {
        const segment *s = &t->seg[i];
        switch (s->kind) {
        case SEG_LITERAL: rc = vo__mac_update(m, s->text, s->len); break;
        case SEG_TIMESTAMP: rc = vo__mac_update(m, v->timestamp, strlen(v->timestamp)); break;
        case SEG_BODY: rc = vo__mac_update(m, v->body, v->body_len); break;
        case SEG_METHOD: rc = vo__mac_update(m, v->method, strlen(v->method)); break;
        case SEG_URL: rc = vo__mac_update(m, v->url, strlen(v->url)); break;
        case SEG_ID: rc = vo__mac_update(m, v->message_id, strlen(v->message_id)); break;
        }
    }
    return rc;
}

static vo__mac_alg mac_alg(vo_hmac_algorithm a, bool *ok)
{
    *ok = true;
    switch (a) {
    case VO_HMAC_SHA1: return VO__MAC_SHA1;
    case VO_HMAC_SHA256: return VO__MAC_SHA256;
    case VO_HMAC_SHA512: return VO__MAC_SHA512;
    }
    *ok = false;
    return VO__MAC_SHA256;
}

/* Build a keyed MAC from a secret, base64-decoding it first when configured. */
static int secret_mac(vo__mac **out, vo__mac_alg alg, const char *secret, bool is_base64)
{
    size_t len = strlen(secret);
    if (!is_base64)
        return vo__mac_new(out, alg, secret, len);
    unsigned char *key = sodium_malloc(len + 1);
    if (!key)
        return vo__error_set(VO_ENOMEM, "out of secure memory");
    size_t key_len = 0;
    int rc = vo_base64_decode(key, len + 1, &key_len, secret, len, VO_BASE64_STANDARD);
    if (rc != VO_OK)
        rc = vo_base64_decode(key, len + 1, &key_len, secret, len, VO_BASE64_STANDARD_NOPAD);
    if (rc != VO_OK || key_len == 0)
        rc = vo__error_set(VO_EINVAL,
                           "HMAC secret is not valid base64 (secret_is_base64 is set)");
    else
        rc = vo__mac_new(out, alg, key, key_len);
    sodium_free(key);
    return rc;
}

typedef struct resolved {
    vo_webhook_vapi_options o;
    payload_template t;
    vo__mac_alg alg;
} resolved;

/* Copy the caller's options and fill in the defaults of the zero fields: VO_OK, or VO_EINVAL
 * with a message saying which setting is wrong. */
static int resolve(resolved *r, const vo_webhook_vapi_options *opts, const char *fn)
{
    int rc = vo__struct_copy(&vo_webhook_vapi_options_info_, fn, &r->o, opts);
    if (rc != VO_OK)
        return rc;
    bool ok;
    r->alg = mac_alg(r->o.algorithm, &ok);
    if (!ok)
        return vo__error_set(VO_EINVAL, "%s: unknown HMAC algorithm", fn);
    if (r->o.encoding != VO_SIGNATURE_HEX && r->o.encoding != VO_SIGNATURE_BASE64)
        return vo__error_set(VO_EINVAL, "%s: unknown signature encoding", fn);
    if (r->o.type != VO_WEBHOOK_VAPI_SECRET && r->o.type != VO_WEBHOOK_VAPI_BEARER &&
        r->o.type != VO_WEBHOOK_VAPI_HMAC)
        return vo__error_set(VO_EINVAL, "%s: unknown auth type", fn);
    if (r->o.tolerance_seconds < 0)
        return vo__error_set(VO_EINVAL, "%s: tolerance_seconds is negative", fn);
    if (r->o.tolerance_seconds == 0)
        r->o.tolerance_seconds = VO_WEBHOOK_VAPI_TOLERANCE;
    if (r->o.type == VO_WEBHOOK_VAPI_SECRET && !r->o.header_name)
        r->o.header_name = "x-vapi-secret";
    if (r->o.type == VO_WEBHOOK_VAPI_BEARER && !r->o.header_name)
        r->o.header_name = "Authorization";
    if (!r->o.signature_header)
        r->o.signature_header = "x-signature";
    if (!r->o.timestamp_header)
        r->o.timestamp_header = "x-timestamp";
    if (!r->o.message_id_header)
        r->o.message_id_header = "svix-id";
    if (!r->o.payload_format)
        r->o.payload_format = r->o.omit_timestamp ? "{body}" : "{timestamp}.{body}";
    if (!r->o.signature_prefix)
        r->o.signature_prefix = "";
    if (r->o.max_body == 0 || r->o.max_body > VO_WEBHOOK_DEFAULT_MAX_BODY)
        r->o.max_body = VO_WEBHOOK_DEFAULT_MAX_BODY;
    if (r->o.type == VO_WEBHOOK_VAPI_HMAC && !parse_template(&r->t, r->o.payload_format))
        return vo__error_set(VO_EINVAL, "%s: malformed payload_format", fn);
    return VO_OK;
}

static int verify_token(const resolved *r, const char *const *secrets, size_t n,
                        const vo_webhook_request *req, vo_verify_result *result)
{
    const char *value;
    if (!vo__header_get(req, r->o.header_name, &value))
        return vo__verify_fail(result, VO_VERIFY_MALFORMED_SIGNATURE, VO_EAUTH, what);
    if (!value)
        return vo__verify_fail(result, VO_VERIFY_MISSING_SIGNATURE, VO_EAUTH, what);
    const char *v;
    size_t len = vo__trim(value, &v);
    if (len == 0)
        return vo__verify_fail(result, VO_VERIFY_EMPTY_SIGNATURE, VO_EAUTH, what);
    if (r->o.type == VO_WEBHOOK_VAPI_BEARER && !r->o.bare_token) {
        if (len < 7 || !vo__strn_ieq(v, 7, "bearer "))
            return vo__verify_fail(result, VO_VERIFY_MALFORMED_SIGNATURE, VO_EAUTH, what);
        v += 7;
        len -= 7;
        while (len && *v == ' ') {
            v++;
            len--;
        }
        if (len == 0)
            return vo__verify_fail(result, VO_VERIFY_EMPTY_SIGNATURE, VO_EAUTH, what);
    }
    int match = -1;
    for (size_t i = 0; i < n; i++) {
        /* Check every secret so the time taken does not depend on which one matches. */
        if (vo_secure_equal(v, len, secrets[i], strlen(secrets[i])) && match < 0)
            match = (int)i;
    }
    if (match < 0)
        return vo__verify_fail(result, VO_VERIFY_MISMATCH, VO_EAUTH, what);
    if (result)
        result->key_index = match;
    return vo__verify_fail(result, VO_VERIFY_OK, VO_OK, what);
}

/* Gather the template values from the request; returns a reason. */
static vo_verify_reason gather(const resolved *r, const vo_webhook_request *req,
                               payload_values *v, int64_t *ts_seconds)
{
    memset(v, 0, sizeof(*v));
    v->body = req->body ? req->body : (const unsigned char *)"";
    v->body_len = req->body_len;
    v->method = req->method;
    v->url = req->url;
    if ((r->t.uses[SEG_METHOD] && !v->method) || (r->t.uses[SEG_URL] && !v->url))
        return VO_VERIFY_INVALID_ARGUMENT;
    if (r->t.uses[SEG_ID]) {
        if (!vo__header_get(req, r->o.message_id_header, &v->message_id) || !v->message_id ||
            !*v->message_id)
            return VO_VERIFY_MISSING_ID;
    }
    if (r->t.uses[SEG_TIMESTAMP]) {
        if (!vo__header_get(req, r->o.timestamp_header, &v->timestamp))
            return VO_VERIFY_MALFORMED_TIMESTAMP;
        if (!v->timestamp)
            return VO_VERIFY_MISSING_TIMESTAMP;
        int64_t ts;
        size_t len = strlen(v->timestamp);
        if (!vo__parse_digits(v->timestamp, len, &ts))
            return VO_VERIFY_MALFORMED_TIMESTAMP;
        *ts_seconds = len >= 13 ? ts / 1000 : ts; /* 13+ digits: milliseconds */
    }
    return VO_VERIFY_OK;
}

/* Decode the signature header into raw MAC bytes. */
static vo_verify_reason decode_signature(const resolved *r, const vo_webhook_request *req,
                                         unsigned char *sig, size_t want)
{
    const char *value;
    if (!vo__header_get(req, r->o.signature_header, &value))
        return VO_VERIFY_MALFORMED_SIGNATURE;
    if (!value)
        return VO_VERIFY_MISSING_SIGNATURE;
    const char *s;
    size_t len = vo__trim(value, &s);
    if (len == 0)
        return VO_VERIFY_EMPTY_SIGNATURE;
    size_t plen = strlen(r->o.signature_prefix);
    if (plen) {
        if (len < plen || strncmp(s, r->o.signature_prefix, plen) != 0)
            return VO_VERIFY_MALFORMED_SIGNATURE;
        s += plen;
        len -= plen;
    }
    size_t got = 0;
    int rc = r->o.encoding == VO_SIGNATURE_HEX
                 ? vo_hex_decode(sig, want, &got, s, len)
                 : vo_base64_decode(sig, want, &got, s, len, VO_BASE64_STANDARD);
    if (rc != VO_OK || got != want)
        return VO_VERIFY_MALFORMED_SIGNATURE;
    return VO_VERIFY_OK;
}

static int verify_hmac(const resolved *r, const char *const *secrets, size_t n,
                       const vo_webhook_request *req, int64_t now, vo_verify_result *result)
{
    payload_values v;
    int64_t ts = 0;
    vo_verify_reason why = gather(r, req, &v, &ts);
    if (why != VO_VERIFY_OK)
        return vo__verify_fail(result, why,
                               why == VO_VERIFY_INVALID_ARGUMENT ? VO_EINVAL : VO_EAUTH, what);
    if (result)
        result->timestamp = ts;
    unsigned char sig[VO__MAC_MAX_SIZE], mac[VO__MAC_MAX_SIZE];
    size_t mac_len = vo__mac_size(r->alg);
    why = decode_signature(r, req, sig, mac_len);
    if (why != VO_VERIFY_OK)
        return vo__verify_fail(result, why, VO_EAUTH, what);
    int match = -1;
    for (size_t i = 0; i < n && match < 0; i++) {
        vo__mac *m = NULL;
        int rc = secret_mac(&m, r->alg, secrets[i], r->o.secret_is_base64);
        if (rc == VO_OK)
            rc = feed(m, &r->t, &v);
        if (rc == VO_OK)
            rc = vo__mac_final(m, mac);
        vo__mac_free(m);
        if (rc != VO_OK)
            return vo__verify_fail(
                result, rc == VO_EINVAL ? VO_VERIFY_INVALID_ARGUMENT : VO_VERIFY_INTERNAL_ERROR,
                rc, what);
        if (vo__ct_equal(mac, sig, mac_len))
            match = (int)i;
    }
    sodium_memzero(mac, sizeof(mac));
    if (match < 0)
        return vo__verify_fail(result, VO_VERIFY_MISMATCH, VO_EAUTH, what);
    if (r->t.uses[SEG_TIMESTAMP]) {
        why = vo__check_tolerance(ts, now, r->o.tolerance_seconds);
        if (why != VO_VERIFY_OK)
            return vo__verify_fail(result, why, VO_EEXPIRED, what);
    }
    if (result)
        result->key_index = match;
    return vo__verify_fail(result, VO_VERIFY_OK, VO_OK, what);
}

int vo_webhook_vapi_verify(vo_verify_result *result, const vo_webhook_vapi_options *opts,
                           const char *const *secrets, size_t secret_count,
                           const vo_webhook_request *request, int64_t now)
{
    int rc = vo__verify_begin(result, "vo_webhook_vapi_verify");
    if (rc != VO_OK)
        return rc;
    static const char fn[] = "vo_webhook_vapi_verify";
    resolved r;
    vo_webhook_request rq;
    if (!request)
        return vo__verify_fail(result, VO_VERIFY_INVALID_ARGUMENT, VO_EINVAL, what);
    if ((rc = vo__verify_struct(result, &vo_webhook_request_info_, fn, &rq, request)) != VO_OK)
        return rc;
    request = &rq;
    if ((rc = resolve(&r, opts, fn)) != VO_OK) {
        if (result)
            result->reason = VO_VERIFY_INVALID_ARGUMENT;
        return rc;
    }
    if (!request->body && request->body_len)
        return vo__verify_fail(result, VO_VERIFY_INVALID_ARGUMENT, VO_EINVAL, what);
    if (!secrets || secret_count == 0)
        return vo__verify_fail(result, VO_VERIFY_NO_KEY, VO_EINVAL, what);
    for (size_t i = 0; i < secret_count; i++)
        if (!secrets[i] || !*secrets[i])
            return vo__verify_fail(result, VO_VERIFY_NO_KEY, VO_EINVAL, what);
    if (request->body_len > r.o.max_body)
        return vo__verify_fail(result, VO_VERIFY_BODY_TOO_LARGE, VO_ETOOBIG, what);
    if (r.o.type == VO_WEBHOOK_VAPI_HMAC)
        return verify_hmac(&r, secrets, secret_count, request, now, result);
    return verify_token(&r, secrets, secret_count, request, result);
}

int vo_webhook_vapi_sign(char *out, size_t out_size, const vo_webhook_vapi_options *opts,
                         const char *secret, const char *method, const char *url,
                         const char *timestamp, const char *message_id,
                         const unsigned char *body, size_t body_len)
{
    int rc = vo__require_init();
    if (rc != VO_OK)
        return rc;
    resolved r;
    if (!out || !secret || !*secret || (!body && body_len))
        return vo__error_set(VO_EINVAL, "vo_webhook_vapi_sign: invalid argument");
    if ((rc = resolve(&r, opts, "vo_webhook_vapi_sign")) != VO_OK)
        return rc;
    if (r.o.type != VO_WEBHOOK_VAPI_HMAC)
        return vo__error_set(VO_EINVAL, "vo_webhook_vapi_sign: invalid argument or options "
                                        "(type must be VO_WEBHOOK_VAPI_HMAC)");
    payload_values v = {
        timestamp, method, url, message_id, body ? body : (const unsigned char *)"", body_len};
    if ((r.t.uses[SEG_TIMESTAMP] && !timestamp) || (r.t.uses[SEG_METHOD] && !method) ||
        (r.t.uses[SEG_URL] && !url) || (r.t.uses[SEG_ID] && !message_id))
        return vo__error_set(VO_EINVAL, "vo_webhook_vapi_sign: the payload format needs a "
                                        "value that was not given");
    unsigned char mac[VO__MAC_MAX_SIZE];
    size_t mac_len = vo__mac_size(r.alg);
    vo__mac *m = NULL;
    rc = secret_mac(&m, r.alg, secret, r.o.secret_is_base64);
    if (rc == VO_OK)
        rc = feed(m, &r.t, &v);
    if (rc == VO_OK)
        rc = vo__mac_final(m, mac);
    vo__mac_free(m);
    if (rc != VO_OK)
        return rc;
    size_t plen = strlen(r.o.signature_prefix);
    size_t need = plen + (r.o.encoding == VO_SIGNATURE_HEX
                              ? mac_len * 2 + 1
                              : vo_base64_encoded_size(mac_len, VO_BASE64_STANDARD));
    if (out_size < need)
        return vo__error_set(VO_ERANGE, "vo_webhook_vapi_sign: out needs %zu bytes", need);
    memcpy(out, r.o.signature_prefix, plen);
    rc = r.o.encoding == VO_SIGNATURE_HEX
             ? vo_hex_encode(out + plen, out_size - plen, mac, mac_len)
             : vo_base64_encode(out + plen, out_size - plen, mac, mac_len, VO_BASE64_STANDARD);
    sodium_memzero(mac, sizeof(mac));
    return rc;
}
