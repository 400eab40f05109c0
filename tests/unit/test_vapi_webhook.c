/* Vapi server URL verification: shared secret, bearer token, HMAC credentials. The expected
 * HMACs are computed independently with OpenSSL's one-shot HMAC(). */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>

#include "testutil.h"

static const char BODY[] = "{\"message\":{\"type\":\"status-update\",\"status\":\"ended\"}}";
static const int64_t NOW = 1764000000;

static vo_webhook_request request(vo_param *h, size_t n)
{
    vo_webhook_request req = VO_WEBHOOK_REQUEST_INIT;
    req.method = "POST";
    req.url = "https://api.example.com/vapi/events?tenant=t1";
    req.headers = h;
    req.header_count = n;
    req.body = (const unsigned char *)BODY;
    req.body_len = strlen(BODY);
    return req;
}

/* hex or base64 of HMAC(md, key, payload) */
static void expected(char *out, size_t out_size, const EVP_MD *md, const void *key,
                     size_t key_len, const char *payload, int base64)
{
    unsigned char mac[64];
    unsigned int n = 0;
    HMAC(md, key, (int)key_len, (const unsigned char *)payload, strlen(payload), mac, &n);
    if (base64)
        ck_assert_vo_ok(vo_base64_encode(out, out_size, mac, n, VO_BASE64_STANDARD));
    else
        ck_assert_vo_ok(vo_hex_encode(out, out_size, mac, n));
}

START_TEST(shared_secret)
{
    const char *secrets[] = {"old-secret", "s3cret-value"};
    vo_param h[] = {{"X-Vapi-Secret", "s3cret-value"}};
    vo_webhook_request req = request(h, 1);
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_ok(vo_webhook_vapi_verify(&r, NULL, secrets, 2, &req, NOW));
    ck_assert_int_eq(r.key_index, 1);
    h[0].value = "s3cret-valuf";
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, NULL, secrets, 2, &req, NOW), VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MISMATCH);
    h[0].value = "s3cret-value-longer";
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, NULL, secrets, 2, &req, NOW), VO_EAUTH);
    h[0].value = "";
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, NULL, secrets, 2, &req, NOW), VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_EMPTY_SIGNATURE);
    req.header_count = 0;
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, NULL, secrets, 2, &req, NOW), VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MISSING_SIGNATURE);
    /* No secret configured is an error, never a pass. */
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, NULL, NULL, 0, &req, NOW), VO_EINVAL);
    ck_assert_int_eq(r.reason, VO_VERIFY_NO_KEY);
    const char *empty[] = {""};
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, NULL, empty, 1, &req, NOW), VO_EINVAL);
    ck_assert_int_eq(r.reason, VO_VERIFY_NO_KEY);
}
END_TEST

START_TEST(custom_header_name)
{
    vo_webhook_vapi_options o = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    o.header_name = "X-My-Secret";
    const char *secrets[] = {"abc"};
    vo_param h[] = {{"x-vapi-secret", "abc"}};
    vo_webhook_request req = request(h, 1);
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW), VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MISSING_SIGNATURE);
    h[0].name = "x-my-secret";
    ck_assert_vo_ok(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW));
}
END_TEST

START_TEST(bearer)
{
    vo_webhook_vapi_options o = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    o.type = VO_WEBHOOK_VAPI_BEARER;
    const char *secrets[] = {"tok-123"};
    vo_param h[] = {{"Authorization", "Bearer tok-123"}};
    vo_webhook_request req = request(h, 1);
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_ok(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW));
    h[0].value = "bearer   tok-123 ";
    ck_assert_vo_ok(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW));
    h[0].value = "tok-123";
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW), VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MALFORMED_SIGNATURE);
    h[0].value = "Bearer ";
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW), VO_EAUTH);
    h[0].value = "Basic tok-123";
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW), VO_EAUTH);
    /* Without the prefix, in a custom header. */
    o.bare_token = 1;
    o.header_name = "X-Token";
    vo_param h2[] = {{"x-token", "tok-123"}};
    req = request(h2, 1);
    ck_assert_vo_ok(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW));
}
END_TEST

START_TEST(hmac_default_sha256_hex)
{
    vo_webhook_vapi_options o = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    o.type = VO_WEBHOOK_VAPI_HMAC;
    const char *secrets[] = {"hmac-key"};
    char ts[32], payload[512], sig[200];
    snprintf(ts, sizeof(ts), "%lld", (long long)NOW);
    snprintf(payload, sizeof(payload), "%s.%s", ts, BODY);
    expected(sig, sizeof(sig), EVP_sha256(), "hmac-key", 8, payload, 0);
    vo_param h[] = {{"x-signature", sig}, {"x-timestamp", ts}};
    vo_webhook_request req = request(h, 2);
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_ok(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW));
    ck_assert_int_eq(r.timestamp, NOW);
    /* Our signer agrees with OpenSSL. */
    char mine[200];
    ck_assert_vo_ok(vo_webhook_vapi_sign(mine, sizeof(mine), &o, "hmac-key", NULL, NULL, ts,
                                         NULL, (const unsigned char *)BODY, strlen(BODY)));
    ck_assert_str_eq(mine, sig);
    /* Upper-case hex is the same signature. */
    for (char *p = sig; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 32);
    ck_assert_vo_ok(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW));
    /* Body changed. */
    req.body_len--;
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW), VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MISMATCH);
    req.body_len++;
    /* Replayed later than the tolerance; signature fine. */
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW + 301), VO_EEXPIRED);
    ck_assert_int_eq(r.reason, VO_VERIFY_TIMESTAMP_TOO_OLD);
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW - 301), VO_EEXPIRED);
    ck_assert_int_eq(r.reason, VO_VERIFY_TIMESTAMP_TOO_NEW);
    o.tolerance_seconds = 1000;
    ck_assert_vo_ok(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW + 999));
}
END_TEST

/* A custom template that signs {timestamp} keeps replay protection even with
 * omit_timestamp set (that flag only chooses the default template): an hour-old request
 * with a valid signature is refused. */
START_TEST(hmac_custom_template_with_timestamp_checks_age)
{
    vo_webhook_vapi_options o = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    o.type = VO_WEBHOOK_VAPI_HMAC;
    o.omit_timestamp = 1;
    o.payload_format = "{timestamp}:{method}:{body}";
    const char *secrets[] = {"hmac-key"};
    char ts[32], sig[256];
    snprintf(ts, sizeof(ts), "%lld", (long long)(NOW - 3600));
    ck_assert_vo_ok(vo_webhook_vapi_sign(sig, sizeof(sig), &o, "hmac-key", "POST", NULL, ts,
                                         NULL, (const unsigned char *)BODY, strlen(BODY)));
    vo_param h[] = {{"x-signature", sig}, {"x-timestamp", ts}};
    vo_webhook_request req = request(h, 2);
    req.method = "POST";
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW), VO_EEXPIRED);
    ck_assert_int_eq(r.reason, VO_VERIFY_TIMESTAMP_TOO_OLD);
    /* the same request when it is fresh verifies: the signature itself is right */
    ck_assert_vo_ok(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW - 3600 + 10));
    /* without the timestamp header the template cannot be built: refused */
    vo_webhook_request no_ts = request(h, 1);
    no_ts.method = "POST";
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, &o, secrets, 1, &no_ts, NOW), VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MISSING_TIMESTAMP);
}
END_TEST

START_TEST(hmac_milliseconds_and_missing_timestamp)
{
    vo_webhook_vapi_options o = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    o.type = VO_WEBHOOK_VAPI_HMAC;
    const char *secrets[] = {"k"};
    char ts[32], payload[512], sig[200];
    snprintf(ts, sizeof(ts), "%lld", (long long)NOW * 1000 + 123);
    snprintf(payload, sizeof(payload), "%s.%s", ts, BODY);
    expected(sig, sizeof(sig), EVP_sha256(), "k", 1, payload, 0);
    vo_param h[] = {{"x-signature", sig}, {"x-timestamp", ts}};
    vo_webhook_request req = request(h, 2);
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_ok(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW + 10));
    ck_assert_int_eq(r.timestamp, NOW);
    req.header_count = 1;
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW), VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MISSING_TIMESTAMP);
    h[1].value = "17640000x0";
    req.header_count = 2;
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW), VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MALFORMED_TIMESTAMP);
}
END_TEST

START_TEST(hmac_variants)
{
    static const struct {
        vo_hmac_algorithm alg;
        int base64;
        const char *prefix;
        const char *format;
        int include_ts;
    } cases[] = {
        {VO_HMAC_SHA1, 0, NULL, NULL, 1},
        {VO_HMAC_SHA512, 1, NULL, NULL, 1},
        {VO_HMAC_SHA256, 0, "sha256=", NULL, 1},
        {VO_HMAC_SHA256, 1, "v1=", "{method} {url}|{svix-id}|{timestamp}|{body}", 1},
        {VO_HMAC_SHA256, 0, NULL, NULL, 0},
        {VO_HMAC_SHA256, 0, NULL, "{unknown}{body}", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        vo_webhook_vapi_options o = VO_WEBHOOK_VAPI_OPTIONS_INIT;
        o.type = VO_WEBHOOK_VAPI_HMAC;
        o.algorithm = cases[i].alg;
        o.encoding = cases[i].base64 ? VO_SIGNATURE_BASE64 : VO_SIGNATURE_HEX;
        o.signature_prefix = cases[i].prefix;
        o.payload_format = cases[i].format;
        o.omit_timestamp = !cases[i].include_ts;
        o.signature_header = "X-Hub-Signature";
        o.timestamp_header = "X-Hub-Time";
        const EVP_MD *md = cases[i].alg == VO_HMAC_SHA1     ? EVP_sha1()
                           : cases[i].alg == VO_HMAC_SHA512 ? EVP_sha512()
                                                            : EVP_sha256();
        char payload[512], mac[200], sig[220];
        const char *ts = "1764000000";
        if (cases[i].format && strstr(cases[i].format, "{method}"))
            snprintf(payload, sizeof(payload), "POST %s|msg_1|%s|%s",
                     "https://api.example.com/vapi/events?tenant=t1", ts, BODY);
        else if (cases[i].format)
            snprintf(payload, sizeof(payload), "{unknown}%s", BODY);
        else if (cases[i].include_ts)
            snprintf(payload, sizeof(payload), "%s.%s", ts, BODY);
        else
            snprintf(payload, sizeof(payload), "%s", BODY);
        expected(mac, sizeof(mac), md, "key-1", 5, payload, cases[i].base64);
        snprintf(sig, sizeof(sig), "%s%s", cases[i].prefix ? cases[i].prefix : "", mac);
        vo_param h[] = {{"x-hub-signature", sig}, {"x-hub-time", ts}, {"svix-id", "msg_1"}};
        vo_webhook_request req = request(h, 3);
        const char *secrets[] = {"wrong", "key-1"};
        vo_verify_result r = VO_VERIFY_RESULT_INIT;
        int rc = vo_webhook_vapi_verify(&r, &o, secrets, 2, &req, NOW);
        ck_assert_msg(rc == VO_OK, "case %zu: %s", i, vo_verify_reason_name(r.reason));
        ck_assert_int_eq(r.key_index, 1);
        char mine[220];
        ck_assert_vo_ok(vo_webhook_vapi_sign(mine, sizeof(mine), &o, "key-1", "POST", req.url,
                                             ts, "msg_1", req.body, req.body_len));
        ck_assert_str_eq(mine, sig);
        /* Prefix missing when one is configured. */
        if (cases[i].prefix) {
            h[0].value = mac;
            ck_assert_vo_rc(vo_webhook_vapi_verify(&r, &o, secrets, 2, &req, NOW), VO_EAUTH);
            ck_assert_int_eq(r.reason, VO_VERIFY_MALFORMED_SIGNATURE);
        }
    }
}
END_TEST

START_TEST(hmac_base64_secret)
{
    vo_webhook_vapi_options o = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    o.type = VO_WEBHOOK_VAPI_HMAC;
    o.secret_is_base64 = 1;
    const unsigned char raw[] = {0x00, 0xff, 0x10, 0x20, 0x30};
    char b64[16];
    ck_assert_vo_ok(vo_base64_encode(b64, sizeof(b64), raw, 5, VO_BASE64_STANDARD));
    char payload[512], sig[200];
    snprintf(payload, sizeof(payload), "1764000000.%s", BODY);
    expected(sig, sizeof(sig), EVP_sha256(), raw, 5, payload, 0);
    vo_param h[] = {{"x-signature", sig}, {"x-timestamp", "1764000000"}};
    vo_webhook_request req = request(h, 2);
    const char *secrets[] = {b64};
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_ok(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW));
    const char *bad[] = {"not base64!"};
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, &o, bad, 1, &req, NOW), VO_EINVAL);
    ck_assert_int_eq(r.reason, VO_VERIFY_INVALID_ARGUMENT);
}
END_TEST

START_TEST(hmac_malformed_signatures)
{
    vo_webhook_vapi_options o = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    o.type = VO_WEBHOOK_VAPI_HMAC;
    const char *secrets[] = {"k"};
    const char *bad[] = {"zz", "abcd", "not hex at all", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        vo_param h[] = {{"x-signature", bad[i]}, {"x-timestamp", "1764000000"}};
        vo_webhook_request req = request(h, 2);
        vo_verify_result r = VO_VERIFY_RESULT_INIT;
        ck_assert_vo_rc(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW), VO_EAUTH);
        ck_assert(r.reason == VO_VERIFY_MALFORMED_SIGNATURE ||
                  r.reason == VO_VERIFY_EMPTY_SIGNATURE);
    }
    /* Two different signature headers are ambiguous. */
    vo_param h[] = {
        {"x-signature", "aa"}, {"X-Signature", "bb"}, {"x-timestamp", "1764000000"}};
    vo_webhook_request req = request(h, 3);
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW), VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MALFORMED_SIGNATURE);
}
END_TEST

START_TEST(invalid_options)
{
    const char *secrets[] = {"k"};
    vo_param h[] = {{"x-vapi-secret", "k"}};
    vo_webhook_request req = request(h, 1);
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    vo_webhook_vapi_options o = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    o.version = 99;
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW), VO_EINVAL);
    o = (vo_webhook_vapi_options)VO_WEBHOOK_VAPI_OPTIONS_INIT;
    o.type = (vo_webhook_vapi_auth)7;
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW), VO_EINVAL);
    o = (vo_webhook_vapi_options)VO_WEBHOOK_VAPI_OPTIONS_INIT;
    o.type = VO_WEBHOOK_VAPI_HMAC;
    o.algorithm = (vo_hmac_algorithm)9;
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW), VO_EINVAL);
    o.algorithm = VO_HMAC_SHA256;
    o.payload_format = "";
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW), VO_EINVAL);
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, NULL, secrets, 1, NULL, NOW), VO_EINVAL);
    /* {method} used but the request has none. */
    o.payload_format = "{method}{body}";
    req.method = NULL;
    vo_param h2[] = {{"x-signature", "00"}};
    req.headers = h2;
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW), VO_EINVAL);
    char out[8];
    o.payload_format = NULL;
    ck_assert_vo_rc(
        vo_webhook_vapi_sign(out, sizeof(out), &o, "k", NULL, NULL, "1", NULL, NULL, 0),
        VO_ERANGE);
    ck_assert_vo_rc(
        vo_webhook_vapi_sign(out, sizeof(out), &o, "k", NULL, NULL, NULL, NULL, NULL, 0),
        VO_EINVAL);
    ck_assert_vo_rc(
        vo_webhook_vapi_sign(out, sizeof(out), NULL, "k", NULL, NULL, "1", NULL, NULL, 0),
        VO_EINVAL);
}
END_TEST

START_TEST(body_limit)
{
    vo_webhook_vapi_options o = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    o.max_body = 10;
    const char *secrets[] = {"k"};
    vo_param h[] = {{"x-vapi-secret", "k"}};
    vo_webhook_request req = request(h, 1);
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, &o, secrets, 1, &req, NOW), VO_ETOOBIG);
    ck_assert_int_eq(r.reason, VO_VERIFY_BODY_TOO_LARGE);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("vapi_webhook");
    TCase *t = tcase_create("vapi");
    tcase_add_test(t, shared_secret);
    tcase_add_test(t, custom_header_name);
    tcase_add_test(t, bearer);
    tcase_add_test(t, hmac_default_sha256_hex);
    tcase_add_test(t, hmac_milliseconds_and_missing_timestamp);
    tcase_add_test(t, hmac_custom_template_with_timestamp_checks_age);
    tcase_add_test(t, hmac_variants);
    tcase_add_test(t, hmac_base64_secret);
    tcase_add_test(t, hmac_malformed_signatures);
    tcase_add_test(t, invalid_options);
    tcase_add_test(t, body_limit);
    suite_add_tcase(s, t);
    return s;
}

VO_TEST_MAIN(suite)
