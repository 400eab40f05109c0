/*
 * Standard Webhooks (standardwebhooks.com): `v1,` + base64(HMAC-SHA256(key,
 * "<webhook-id>.<webhook-timestamp>.<body>")), secrets `whsec_<base64 key>`.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "voiceops/encoding.h"
#include "webhook_internal.h"

static const char what[] = "vo_webhook_std_verify: signature verification failed";
static const char what_request[] =
    "vo_webhook_std_verify_request: signature verification failed";

#define KEY_MIN 24
#define KEY_MAX 64
#define MAX_ID 255
#define MAX_SIGNATURES_HEADER 8192

/* Decode `whsec_<base64>` (prefix optional) into a key of 24-64 bytes. */
static int decode_secret(unsigned char key[KEY_MAX], size_t *key_len, const char *secret)
{
    if (!secret)
        return VO_EINVAL;
    if (strncmp(secret, "whsec_", 6) == 0)
        secret += 6;
    size_t len = strlen(secret);
    unsigned char tmp[KEY_MAX];
    size_t n = 0;
    if (len == 0 || len > 4 * ((KEY_MAX + 2) / 3) ||
        vo_base64_decode(tmp, sizeof(tmp), &n, secret, len, VO_BASE64_STANDARD) != VO_OK ||
        n < KEY_MIN || n > KEY_MAX) {
        sodium_memzero(tmp, sizeof(tmp));
        return vo__error_set(VO_EINVAL,
                             "webhook secret must be whsec_ followed by the "
                             "base64 of a %d-%d byte key",
                             KEY_MIN, KEY_MAX);
    }
    memcpy(key, tmp, n);
    *key_len = n;
    sodium_memzero(tmp, sizeof(tmp));
    return VO_OK;
}

static bool valid_id(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > MAX_ID)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)id[i] <= ' ' || (unsigned char)id[i] >= 0x7f || id[i] == ',')
            return false;
    return true;
}

static int compute(unsigned char mac[crypto_auth_hmacsha256_BYTES], const unsigned char *key,
                   size_t key_len, const char *id, const char *ts, size_t ts_len,
                   const unsigned char *body, size_t body_len)
{
    /* Keys are 24-64 bytes, so the init/update/final form (any key length) is needed. */
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, key_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)id, strlen(id));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, ts_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, body, body_len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(&st, sizeof(st));
    return VO_OK;
}

int vo_webhook_std_sign(char *out, size_t out_size, const char *secret, const char *msg_id,
                        int64_t timestamp, const unsigned char *body, size_t body_len)
{
    if (!out || !msg_id || !valid_id(msg_id) || timestamp < 0 || (!body && body_len))
        return vo__error_set(VO_EINVAL, "vo_webhook_std_sign: out, a valid message id "
                                        "(1-255 printable characters, no comma) and a "
                                        "non-negative timestamp are required");
    if (out_size < VO_WEBHOOK_STD_SIGNATURE_SIZE)
        return vo__error_set(VO_ERANGE, "vo_webhook_std_sign: out needs %d bytes",
                             VO_WEBHOOK_STD_SIGNATURE_SIZE);
    int rc = vo__require_init();
    if (rc != VO_OK)
        return rc;
    unsigned char key[KEY_MAX], mac[crypto_auth_hmacsha256_BYTES];
    size_t key_len;
    rc = decode_secret(key, &key_len, secret);
    if (rc != VO_OK)
        return rc;
    char ts[24];
    snprintf(ts, sizeof(ts), "%" PRId64, timestamp);
    compute(mac, key, key_len, msg_id, ts, strlen(ts), body ? body : (const unsigned char *)"",
            body_len);
    memcpy(out, "v1,", 3);
    rc = vo_base64_encode(out + 3, out_size - 3, mac, sizeof(mac), VO_BASE64_STANDARD);
    sodium_memzero(key, sizeof(key));
    sodium_memzero(mac, sizeof(mac));
    return rc;
}

int vo_webhook_std_verify(vo_verify_result *result, const char *const *secrets,
                          size_t secret_count, const char *msg_id, const char *timestamp,
                          const char *signatures, const unsigned char *body, size_t body_len,
                          int64_t now)
{
    int rc = vo__verify_begin(result, "vo_webhook_std_verify");
    if (rc != VO_OK)
        return rc;
    if (!body && body_len)
        return vo__verify_fail(result, VO_VERIFY_INVALID_ARGUMENT, VO_EINVAL, what);
    if (!secrets || secret_count == 0)
        return vo__verify_fail(result, VO_VERIFY_NO_KEY, VO_EINVAL, what);
    if (body_len > VO_WEBHOOK_DEFAULT_MAX_BODY)
        return vo__verify_fail(result, VO_VERIFY_BODY_TOO_LARGE, VO_ETOOBIG, what);
    if (!msg_id || !*msg_id)
        return vo__verify_fail(result, VO_VERIFY_MISSING_ID, VO_EAUTH, what);
    if (!valid_id(msg_id))
        return vo__verify_fail(result, VO_VERIFY_MISSING_ID, VO_EAUTH, what);
    if (!timestamp)
        return vo__verify_fail(result, VO_VERIFY_MISSING_TIMESTAMP, VO_EAUTH, what);
    int64_t ts;
    size_t ts_len = strlen(timestamp);
    if (!vo__parse_digits(timestamp, ts_len, &ts))
        return vo__verify_fail(result, VO_VERIFY_MALFORMED_TIMESTAMP, VO_EAUTH, what);
    if (result)
        result->timestamp = ts;
    if (!signatures)
        return vo__verify_fail(result, VO_VERIFY_MISSING_SIGNATURE, VO_EAUTH, what);
    size_t sig_len = strlen(signatures);
    if (sig_len > MAX_SIGNATURES_HEADER)
        return vo__verify_fail(result, VO_VERIFY_MALFORMED_SIGNATURE, VO_EAUTH, what);

    /* Decode every key first, so a bad configuration is reported as such. */
    unsigned char keys[8][KEY_MAX];
    size_t key_lens[8];
    if (secret_count > 8)
        return vo__verify_fail(result, VO_VERIFY_INVALID_ARGUMENT, VO_EINVAL, what);
    for (size_t i = 0; i < secret_count; i++) {
        if (decode_secret(keys[i], &key_lens[i], secrets[i]) != VO_OK) {
            sodium_memzero(keys, sizeof(keys));
            return vo__verify_fail(result, VO_VERIFY_INVALID_ARGUMENT, VO_EINVAL, what);
        }
    }
    unsigned char macs[8][crypto_auth_hmacsha256_BYTES];
    for (size_t i = 0; i < secret_count; i++)
        compute(macs[i], keys[i], key_lens[i], msg_id, timestamp, ts_len,
                body ? body : (const unsigned char *)"", body_len);
    sodium_memzero(keys, sizeof(keys));

    /* Space-separated entries "v1,<base64>"; other versions are ignored. */
    int well_formed = 0, entries = 0, match_key = -1, match_sig = -1;
    const char *p = signatures;
    while (*p && match_key < 0) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        size_t n = (size_t)(e - p);
        int index = entries++;
        if (n > 3 && memcmp(p, "v1,", 3) == 0) {
            unsigned char sig[crypto_auth_hmacsha256_BYTES];
            size_t got = 0;
            if (vo_base64_decode(sig, sizeof(sig), &got, p + 3, n - 3, VO_BASE64_STANDARD) ==
                    VO_OK &&
                got == sizeof(sig)) {
                well_formed++;
                for (size_t k = 0; k < secret_count; k++) {
                    if (vo__ct_equal(sig, macs[k], sizeof(sig)) && match_key < 0) {
                        match_key = (int)k;
                        match_sig = index;
                    }
                }
            }
        }
        p = e;
    }
    sodium_memzero(macs, sizeof(macs));
    if (entries == 0)
        return vo__verify_fail(result, VO_VERIFY_EMPTY_SIGNATURE, VO_EAUTH, what);
    if (match_key < 0)
        return vo__verify_fail(result,
                               well_formed ? VO_VERIFY_MISMATCH : VO_VERIFY_MALFORMED_SIGNATURE,
                               VO_EAUTH, what);
    vo_verify_reason why = vo__check_tolerance(ts, now, VO_WEBHOOK_STD_TOLERANCE);
    if (why != VO_VERIFY_OK)
        return vo__verify_fail(result, why, VO_EEXPIRED, what);
    if (result) {
        result->key_index = match_key;
        result->signature_index = match_sig;
    }
    return vo__verify_fail(result, VO_VERIFY_OK, VO_OK, what);
}

int vo_webhook_std_verify_request(vo_verify_result *result, const char *const *secrets,
                                  size_t secret_count, const vo_webhook_request *request,
                                  int64_t now)
{
    static const char fn[] = "vo_webhook_std_verify_request";
    int rc = vo__verify_begin(result, fn);
    if (rc != VO_OK)
        return rc;
    if (!request)
        return vo__verify_fail(result, VO_VERIFY_INVALID_ARGUMENT, VO_EINVAL, what_request);
    vo_webhook_request rq;
    rc = vo__verify_struct(result, &vo_webhook_request_info_, fn, &rq, request);
    if (rc != VO_OK)
        return rc;
    request = &rq;
    const char *id, *ts, *sig;
    if (!vo__header_get(request, "webhook-id", &id))
        return vo__verify_fail(result, VO_VERIFY_MISSING_ID, VO_EAUTH, what_request);
    if (!vo__header_get(request, "webhook-timestamp", &ts))
        return vo__verify_fail(result, VO_VERIFY_MALFORMED_TIMESTAMP, VO_EAUTH, what_request);
    if (!vo__header_get(request, "webhook-signature", &sig))
        return vo__verify_fail(result, VO_VERIFY_MALFORMED_SIGNATURE, VO_EAUTH, what_request);
    return vo_webhook_std_verify(result, secrets, secret_count, id, ts, sig, request->body,
                                 request->body_len, now);
}

int vo_webhook_std_secret_new(char *out, size_t out_size)
{
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_webhook_std_secret_new: out is NULL");
    size_t need = 6 + vo_base64_encoded_size(32, VO_BASE64_STANDARD);
    if (out_size < need)
        return vo__error_set(VO_ERANGE, "vo_webhook_std_secret_new: out needs %zu bytes", need);
    int rc = vo__require_init();
    if (rc != VO_OK)
        return rc;
    unsigned char key[32];
    randombytes_buf(key, sizeof(key));
    memcpy(out, "whsec_", 6);
    rc = vo_base64_encode(out + 6, out_size - 6, key, sizeof(key), VO_BASE64_STANDARD);
    sodium_memzero(key, sizeof(key));
    return rc;
}
