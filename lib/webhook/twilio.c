/*
 * Twilio request validation (X-Twilio-Signature): base64(HMAC-SHA1(auth token,
 * URL + the POST parameters sorted by name, each as name + value)). JSON bodies are covered
 * by a `bodySHA256` query parameter that holds the hex SHA-256 of the body.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "voiceops/encoding.h"
#include "voiceops/secret.h"
#include "webhook_internal.h"

#define SHA1_LEN 20
/* Room kept in front of the parameter string for the URL (longer URLs are fed separately). */
#define URL_ROOM 512
static const char FORM_TYPE[] = "application/x-www-form-urlencoded";
static const char BODY_HASH_PARAM[] = "bodySHA256";

/* Byte order (as strcmp on the NUL-terminated strings would give): names, then values. The
 * strings may be packed (not NUL-terminated): they are compared by length. */
static inline int cmp_bytes(const char *x, size_t x_len, const char *y, size_t y_len)
{
    size_t m = x_len < y_len ? x_len : y_len;
    if (m > 32) {
        int c = memcmp(x, y, m);
        return c ? c : (x_len > y_len) - (x_len < y_len);
    }
    /* Parameter names are short and share prefixes (Called, CalledCity, Caller...): eight
     * bytes at a time, compared as big-endian numbers (byte order), then byte by byte;
     * cheaper than a call to memcmp for each pair of a webhook. */
    size_t i = 0;
    for (; i + 8 <= m; i += 8) {
        uint64_t a, b;
        memcpy(&a, x + i, 8);
        memcpy(&b, y + i, 8);
        if (a != b) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            a = __builtin_bswap64(a);
            b = __builtin_bswap64(b);
            return a < b ? -1 : 1;
#else
            break; /* the byte loop below finds the difference in these 8 bytes */
#endif
        }
    }
    for (; i < m; i++)
        if (x[i] != y[i])
            return (unsigned char)x[i] - (unsigned char)y[i];
    return (x_len > y_len) - (x_len < y_len);
}

static int cmp_pair(const vo__pair *x, const vo__pair *y)
{
    int c = cmp_bytes(x->name, x->name_len, y->name, y->name_len);
    return c ? c : cmp_bytes(x->value, x->value_len, y->value, y->value_len);
}

/*
 * Sort pairs by name then value, byte order, in place: insertion sort, which is linear on
 * the already-sorted bodies Twilio sends and fine for the few dozen parameters a webhook has
 * (the count is capped by VO_FORM_MAX_PARAMS). Returns true when the pairs were already
 * in strictly increasing order (sorted, and no pair repeated).
 */
static bool sort_pairs(vo__pair *pairs, size_t n)
{
    bool strict = true;
    for (size_t i = 1; i < n; i++) {
        int c = cmp_pair(&pairs[i - 1], &pairs[i]);
        if (c < 0)
            continue;
        strict = false;
        if (c == 0)
            continue;
        vo__pair cur = pairs[i];
        size_t j = i;
        while (j > 0 && cmp_pair(&pairs[j - 1], &cur) > 0) {
            pairs[j] = pairs[j - 1];
            j--;
        }
        pairs[j] = cur;
    }
    return strict;
}

/* Bytes of the parameter string of sorted pairs (a pair repeated counts once). */
static size_t params_size(const vo__pair *pairs, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || cmp_pair(&pairs[i - 1], &pairs[i]) != 0)
            total += pairs[i].name_len + pairs[i].value_len;
    return total;
}

/* Write the parameter string of sorted pairs to out (params_size() bytes). */
static void params_write(char *out, const vo__pair *pairs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && cmp_pair(&pairs[i - 1], &pairs[i]) == 0)
            continue;
        memcpy(out, pairs[i].name, pairs[i].name_len);
        out += pairs[i].name_len;
        memcpy(out, pairs[i].value, pairs[i].value_len);
        out += pairs[i].value_len;
    }
}

/*
 * Append the signed parameter string: pairs sorted by name then value, byte order; a value
 * repeated under the same name counts once. Sorts `pairs` in place.
 */
static bool append_params(vo__buf *b, vo__pair *pairs, size_t n)
{
    sort_pairs(pairs, n);
    size_t total = params_size(pairs, n);
    if (!vo__buf_reserve(b, total))
        return false;
    params_write(b->data + b->len, pairs, n);
    b->len += total;
    return vo__buf_finish(b);
}

/*
 * What is signed after the URL: `len` bytes at `data`, with `room` free bytes in front of
 * them, where a URL that fits is copied so that the MAC takes URL and parameters in one
 * update.
 */
typedef struct signed_params {
    char *data;
    size_t len;
    size_t room;
} signed_params;

static int sign_raw(unsigned char mac[SHA1_LEN], vo__mac *m, const char *url, size_t url_len,
                    const signed_params *params)
{
    int rc = vo__mac_begin(m);
    if (rc == VO_OK && url_len <= params->room) {
        memcpy(params->data - url_len, url, url_len);
        rc = vo__mac_update(m, params->data - url_len, url_len + params->len);
    } else {
        if (rc == VO_OK)
            rc = vo__mac_update(m, url, url_len);
        if (rc == VO_OK)
            rc = vo__mac_update(m, params->data, params->len);
    }
    if (rc == VO_OK)
        rc = vo__mac_final(m, mac);
    return rc;
}

int vo_webhook_twilio_sign(char *out, size_t out_size, const char *auth_token, const char *url,
                           const vo_param *params, size_t param_count)
{
    if (!out || !auth_token || !*auth_token || !url || !*url || (!params && param_count))
        return vo__error_set(VO_EINVAL, "vo_webhook_twilio_sign: out, auth_token and url are "
                                        "required; params may be NULL only when empty");
    if (out_size < VO_WEBHOOK_TWILIO_SIGNATURE_SIZE)
        return vo__error_set(VO_ERANGE, "vo_webhook_twilio_sign: out needs %d bytes",
                             VO_WEBHOOK_TWILIO_SIGNATURE_SIZE);
    if (param_count > VO_FORM_MAX_PARAMS)
        return vo__error_set(VO_ETOOBIG, "vo_webhook_twilio_sign: more than %d parameters",
                             VO_FORM_MAX_PARAMS);
    int rc = vo__require_init();
    if (rc != VO_OK)
        return rc;
    /* The same URL check as verification, so that what is signed can be verified. */
    rc = vo__twilio_url_check(url);
    if (rc == VO_EREQUEST) /* here the URL is the caller's, not the network's */
        return vo__error_set(VO_EINVAL, "vo_webhook_twilio_sign: url is longer than %d bytes",
                             VO_WEBHOOK_MAX_URL);
    if (rc != VO_OK)
        return vo__error_set(VO_EINVAL, "vo_webhook_twilio_sign: url must be absolute "
                                        "(scheme://host[:port]/...) with a numeric port");
    vo__pair *pairs = malloc((param_count ? param_count : 1) * sizeof(*pairs));
    if (!pairs)
        return vo__error_set(VO_ENOMEM, "out of memory");
    for (size_t i = 0; i < param_count; i++) {
        if (!params[i].name || !params[i].value) {
            free(pairs);
            return vo__error_set(VO_EINVAL,
                                 "vo_webhook_twilio_sign: parameter %zu has a NULL "
                                 "name or value",
                                 i);
        }
        pairs[i] = (vo__pair){params[i].name, params[i].value, strlen(params[i].name),
                              strlen(params[i].value)};
    }
    vo__buf b = VO__BUF_INIT;
    vo__mac *m = NULL;
    unsigned char mac[SHA1_LEN];
    if (!append_params(&b, pairs, param_count)) {
        rc = vo__error_set(VO_ENOMEM, "out of memory");
        goto done;
    }
    rc = vo__mac_new(&m, VO__MAC_SHA1, auth_token, strlen(auth_token));
    signed_params sp = {b.data, b.len, 0};
    if (rc == VO_OK)
        rc = sign_raw(mac, m, url, strlen(url), &sp);
    if (rc == VO_OK)
        rc = vo_base64_encode(out, out_size, mac, SHA1_LEN, VO_BASE64_STANDARD);
done:
    sodium_memzero(mac, sizeof(mac));
    vo__mac_free(m);
    vo__buf_free(&b, false);
    free(pairs);
    return rc;
}

int vo_webhook_twilio_body_sha256(char *out, size_t out_size, const unsigned char *body,
                                  size_t body_len)
{
    if (!out || (!body && body_len))
        return vo__error_set(VO_EINVAL, "vo_webhook_twilio_body_sha256: invalid argument");
    if (out_size < crypto_hash_sha256_BYTES * 2 + 1)
        return vo__error_set(VO_ERANGE, "vo_webhook_twilio_body_sha256: out needs 65 bytes");
    int rc = vo__require_init();
    if (rc != VO_OK)
        return rc;
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, body ? body : (const unsigned char *)"", body_len);
    return vo_hex_encode(out, out_size, h, sizeof(h));
}

typedef enum body_kind {
    BODY_NONE,
    BODY_FORM,
    BODY_OTHER
} body_kind;

static body_kind classify(const char *content_type, size_t body_len)
{
    const char *ct = NULL;
    size_t ct_len = content_type ? vo__trim(content_type, &ct) : 0;
    if (ct_len == 0)
        return body_len == 0 ? BODY_NONE : BODY_OTHER;
    const char *semi = memchr(ct, ';', ct_len);
    size_t media_len = semi ? (size_t)(semi - ct) : ct_len;
    while (media_len && (ct[media_len - 1] == ' ' || ct[media_len - 1] == '\t'))
        media_len--;
    return vo__strn_ieq(ct, media_len, FORM_TYPE) ? BODY_FORM : BODY_OTHER;
}

/* Find the single bodySHA256 query value of the URL as given. */
static bool find_body_hash(const char *url, const char **value, size_t *value_len)
{
    const char *q = strchr(url, '?');
    if (!q)
        return false;
    const char *end = strchr(q, '#');
    if (!end)
        end = q + strlen(q);
    const size_t name_len = sizeof(BODY_HASH_PARAM) - 1;
    int found = 0;
    for (const char *s = q + 1; s < end;) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        const char *seg_end = amp ? amp : end;
        size_t seg_len = (size_t)(seg_end - s);
        if (seg_len > name_len && memcmp(s, BODY_HASH_PARAM, name_len) == 0 &&
            s[name_len] == '=') {
            *value = s + name_len + 1;
            *value_len = seg_len - name_len - 1;
            found++;
        }
        s = seg_end + 1;
    }
    return found == 1;
}

/* The checks and the work of both verify functions, once vo__verify_begin() passed. */
static int verify_impl(const char *what, const char *const *tokens, size_t token_count,
                       const char *url, const char *signature, const char *content_type,
                       const unsigned char *body, size_t body_len, size_t max_body,
                       bool variants, vo_verify_result *result)
{
    int rc;
    if (!tokens || token_count == 0)
        return vo__verify_fail(result, VO_VERIFY_NO_KEY, VO_EINVAL, what);
    for (size_t i = 0; i < token_count; i++)
        if (!tokens[i] || !*tokens[i])
            return vo__verify_fail(result, VO_VERIFY_NO_KEY, VO_EINVAL, what);
    if (!url)
        return vo__verify_fail(result, VO_VERIFY_MALFORMED_URL, VO_EINVAL, what);
    size_t url_len = strlen(url);
    vo__url_parts url_parts;
    rc = vo__twilio_url_split(url, url_len, &url_parts);
    if (rc == VO_EREQUEST) /* too long: what the sender put in the path or query */
        return vo__verify_fail(result, VO_VERIFY_URL_TOO_LONG, VO_EREQUEST, what);
    if (rc != VO_OK) /* relative or malformed: how the handler built it */
        return vo__verify_fail(result, VO_VERIFY_MALFORMED_URL, VO_EINVAL, what);
    if (!body && body_len)
        return vo__verify_fail(result, VO_VERIFY_INVALID_ARGUMENT, VO_EINVAL, what);
    if (max_body == 0 || max_body > VO_WEBHOOK_DEFAULT_MAX_BODY)
        max_body = VO_WEBHOOK_DEFAULT_MAX_BODY;
    if (body_len > max_body)
        return vo__verify_fail(result, VO_VERIFY_BODY_TOO_LARGE, VO_ETOOBIG, what);

    /* The signature header: present, non-empty, canonical base64 of 20 bytes. */
    if (!signature)
        return vo__verify_fail(result, VO_VERIFY_MISSING_SIGNATURE, VO_EAUTH, what);
    const char *sig_text;
    size_t sig_len = vo__trim(signature, &sig_text);
    if (sig_len == 0)
        return vo__verify_fail(result, VO_VERIFY_EMPTY_SIGNATURE, VO_EAUTH, what);
    unsigned char given[SHA1_LEN];
    size_t given_len = 0;
    if (sig_len != 28 ||
        vo__base64_decode_public(given, sizeof(given), &given_len, sig_text, sig_len) !=
            VO_OK ||
        given_len != SHA1_LEN)
        return vo__verify_fail(result, VO_VERIFY_MALFORMED_SIGNATURE, VO_EAUTH, what);

    /* What is signed besides the URL. */
    body_kind kind = classify(content_type, body_len);
    void *heap = NULL; /* a larger body: decoded into one plain allocation */
    _Alignas(max_align_t) unsigned char space[12288];
    signed_params params = {NULL, 0, 0};
    vo__url_forms forms; /* only n and heap are set: the room is written when needed */
    forms.n = 0;
    forms.heap = NULL;
    const char *hash_hex = NULL;
    size_t hash_hex_len = 0;
    if (kind == BODY_FORM) {
        /* Decoded packed (no separators): when the pairs come sorted and none repeats, as
         * Twilio sends them, the decoded text is the parameter string itself. Otherwise the
         * sorted pairs are gathered into a second area. Each area has room in front for
         * the URL. Small bodies (every real Twilio webhook) are decoded on the stack. */
        const char *text = (const char *)(body ? body : (const unsigned char *)"");
        size_t pairs_cap = body_len / 2 + 1; /* the most a body of this size can have */
        if (pairs_cap > VO_FORM_MAX_PARAMS + 1)
            pairs_cap = VO_FORM_MAX_PARAMS + 1;
        size_t area = URL_ROOM + body_len + 8; /* body_len <= max_body: checked above */
        /* On the stack: as many pairs as fit beside the two areas (real bodies have far
         * fewer pairs than the bound); a body with more is decoded again on the heap. */
        size_t max_pairs = 0;
        if (2 * area + sizeof(vo__pair) <= sizeof(space))
            max_pairs = (sizeof(space) - 2 * area) / sizeof(vo__pair);
        if (max_pairs > pairs_cap)
            max_pairs = pairs_cap;
        vo__pair *pairs = NULL;
        char *store = NULL;
        size_t n = 0, store_len = 0;
        rc = VO_EPARSE;
        for (int attempt = 0; attempt < 2; attempt++) {
            unsigned char *mem = space;
            if (max_pairs == 0 || attempt == 1) {
                max_pairs = pairs_cap;
                if (!(mem = heap = malloc(pairs_cap * sizeof(vo__pair) + 2 * area))) {
                    rc = vo__verify_fail(result, VO_VERIFY_INTERNAL_ERROR, VO_ENOMEM, what);
                    goto done;
                }
            }
            pairs = (vo__pair *)(void *)mem;
            store = (char *)(pairs + max_pairs) + URL_ROOM;
            rc =
                vo__form_decode_packed(pairs, max_pairs, &n, store, &store_len, text, body_len);
            if (rc == VO_OK || heap || n < max_pairs)
                break; /* decoded, or malformed rather than out of room on the stack */
        }
        if (rc != VO_OK) {
            rc = vo__verify_fail(result, VO_VERIFY_MALFORMED_BODY, VO_EPARSE, what);
            goto done;
        }
        params = (signed_params){store, store_len, URL_ROOM};
        if (!sort_pairs(pairs, n)) {
            params.data = store + body_len + 8 + URL_ROOM;
            params.len = params_size(pairs, n);
            params_write(params.data, pairs, n);
        }
    } else if (kind == BODY_OTHER && !find_body_hash(url, &hash_hex, &hash_hex_len)) {
        rc = vo__verify_fail(result, VO_VERIFY_MISSING_BODY_HASH, VO_EAUTH, what);
        goto done;
    }

    /* For each token (primary first): the URL as given, then the other forms, built only
     * once and only when the URL as given does not match. The keyed HMAC state of each
     * token comes from the thread's cache. */
    int matched_token = -1, matched_form = -1, tried = 0;
    bool expanded = false;
    for (size_t t = 0; t < token_count && matched_token < 0; t++) {
        vo__mac *m;
        rc = vo__mac_cached(&m, VO__MAC_SHA1, tokens[t], strlen(tokens[t]));
        if (rc != VO_OK) {
            rc = vo__verify_fail(result, VO_VERIFY_INTERNAL_ERROR, rc, what);
            goto done;
        }
        for (size_t f = 0; matched_token < 0; f++) {
            const char *u = url;
            size_t u_len = url_len;
            if (f > 0) {
                if (!expanded && variants) {
                    expanded = true;
                    rc = vo__twilio_url_forms_split(&forms, url, url_len, &url_parts,
                                                    VO__URL_FORMS_VARIANTS);
                    if (rc != VO_OK) {
                        rc = vo__verify_fail(result, VO_VERIFY_INTERNAL_ERROR, rc, what);
                        goto done;
                    }
                }
                if (f >= forms.n)
                    break;
                u = forms.url[f]; /* forms.url[0] is the URL as given */
                u_len = forms.len[f];
            }
            if ((int)f + 1 > tried)
                tried = (int)f + 1; /* distinct forms computed so far, for any token */
            unsigned char mac[SHA1_LEN];
            rc = sign_raw(mac, m, u, u_len, &params);
            if (rc != VO_OK) {
                rc = vo__verify_fail(result, VO_VERIFY_INTERNAL_ERROR, rc, what);
                goto done;
            }
            bool equal = vo__ct_equal(mac, given, SHA1_LEN);
            sodium_memzero(mac, sizeof(mac));
            if (equal) {
                matched_token = (int)t;
                matched_form = f == 0 ? VO_WEBHOOK_TWILIO_URL_AS_GIVEN : forms.form[f];
            }
        }
    }
    if (result)
        result->forms_tried = tried;
    if (matched_token < 0) {
        rc = vo__verify_fail(result, VO_VERIFY_MISMATCH, VO_EAUTH, what);
        goto done;
    }
    if (result) {
        result->key_index = matched_token;
        result->url_form = matched_form;
    }

    /* A non-form body is authentic only if its hash is the one the URL carries. */
    if (kind == BODY_OTHER) {
        unsigned char want[crypto_hash_sha256_BYTES], have[crypto_hash_sha256_BYTES];
        size_t want_len = 0;
        crypto_hash_sha256(have, body ? body : (const unsigned char *)"", body_len);
        if (hash_hex_len != 64 ||
            vo_hex_decode(want, sizeof(want), &want_len, hash_hex, hash_hex_len) != VO_OK ||
            !vo__ct_equal(want, have, sizeof(have))) {
            rc = vo__verify_fail(result, VO_VERIFY_BODY_HASH_MISMATCH, VO_EAUTH, what);
            goto done;
        }
    }
    rc = vo__verify_fail(result, VO_VERIFY_OK, VO_OK, what);
done:
    vo__url_forms_free(&forms);
    free(heap);
    return rc;
}

int vo_webhook_twilio_verify(vo_verify_result *result, const char *const *auth_tokens,
                             size_t token_count, const char *url, const char *signature,
                             const char *content_type, const unsigned char *body,
                             size_t body_len)
{
    static const char what[] = "vo_webhook_twilio_verify: signature verification failed";
    int rc = vo__verify_begin(result, "vo_webhook_twilio_verify");
    if (rc != VO_OK)
        return rc;
    return verify_impl(what, auth_tokens, token_count, url, signature, content_type, body,
                       body_len, VO_WEBHOOK_DEFAULT_MAX_BODY, true, result);
}

int vo_webhook_twilio_verify_request(vo_verify_result *result,
                                     const vo_webhook_twilio_options *opts,
                                     const char *const *auth_tokens, size_t token_count,
                                     const vo_webhook_request *request)
{
    static const char what[] =
        "vo_webhook_twilio_verify_request: signature verification failed";
    static const char fn[] = "vo_webhook_twilio_verify_request";
    int rc = vo__verify_begin(result, fn);
    if (rc != VO_OK)
        return rc;
    if (!request)
        return vo__verify_fail(result, VO_VERIFY_INVALID_ARGUMENT, VO_EINVAL, what);
    vo_webhook_twilio_options o;
    vo_webhook_request rq;
    rc = vo__verify_struct(result, &vo_webhook_twilio_options_info_, fn, &o, opts);
    if (rc == VO_OK)
        rc = vo__verify_struct(result, &vo_webhook_request_info_, fn, &rq, request);
    if (rc != VO_OK)
        return rc;
    opts = &o;
    request = &rq;
    const char *signature, *content_type;
    if (!vo__header_get(request, "X-Twilio-Signature", &signature))
        return vo__verify_fail(result, VO_VERIFY_MALFORMED_SIGNATURE, VO_EAUTH, what);
    if (!vo__header_get(request, "Content-Type", &content_type))
        return vo__verify_fail(result, VO_VERIFY_MALFORMED_BODY, VO_EPARSE, what);
    return verify_impl(what, auth_tokens, token_count, request->url, signature, content_type,
                       request->body, request->body_len, opts->max_body,
                       opts->exact_url_only == 0, result);
}
