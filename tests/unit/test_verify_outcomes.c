/* Verify outcomes a handler can act on: every verify function fills its result on every
 * path (pre-filled with garbage, checked field by field), network faults are 4xx and only
 * the server's own faults are 500, result versions, and the copyable error snapshot. */
#include <pthread.h>
#include <stdio.h>

#include "verify_testutil.h"

#define URL "https://example.com/twilio/voice?x=1"
#define FORM_CT "application/x-www-form-urlencoded"
#define FORM "CallSid=CA1&From=%2B15550001111"
static const char TOKEN[] = "a-twilio-auth-token";
static const char *const TOKENS[] = {TOKEN};
static const char *const EMPTY_TOKENS[] = {""};

#define B(s) (const unsigned char *)(s), strlen(s)

START_TEST(twilio_every_path)
{
    vo_verify_result r;
    const char *fn = "vo_webhook_twilio_verify";
    char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    vo_param p[] = {{"CallSid", "CA1"}, {"From", "+15550001111"}};
    ck_assert_vo_ok(vo_webhook_twilio_sign(sig, sizeof(sig), TOKEN, URL, p, 2));

    VT_EXPECT(r, vo_webhook_twilio_verify(&r, TOKENS, 1, URL, sig, FORM_CT, B(FORM)), VO_OK,
              VO_VERIFY_OK, 0, fn);
    ck_assert_int_eq(r.key_index, 0);
    ck_assert_int_eq(r.url_form, VO_WEBHOOK_TWILIO_URL_AS_GIVEN);
    ck_assert_int_eq(r.signature_index, -1);

    /* the caller's faults: 500 */
    VT_EXPECT(r, vo_webhook_twilio_verify(&r, NULL, 1, URL, sig, FORM_CT, B(FORM)), VO_EINVAL,
              VO_VERIFY_NO_KEY, 0, fn);
    VT_EXPECT(r, vo_webhook_twilio_verify(&r, TOKENS, 0, URL, sig, FORM_CT, B(FORM)), VO_EINVAL,
              VO_VERIFY_NO_KEY, 0, fn);
    VT_EXPECT(r, vo_webhook_twilio_verify(&r, EMPTY_TOKENS, 1, URL, sig, FORM_CT, B(FORM)),
              VO_EINVAL, VO_VERIFY_NO_KEY, 0, fn);
    VT_EXPECT(r, vo_webhook_twilio_verify(&r, TOKENS, 1, NULL, sig, FORM_CT, B(FORM)),
              VO_EINVAL, VO_VERIFY_MALFORMED_URL, 0, fn);
    VT_EXPECT(r,
              vo_webhook_twilio_verify(&r, TOKENS, 1, "/twilio/voice", sig, FORM_CT, B(FORM)),
              VO_EINVAL, VO_VERIFY_MALFORMED_URL, 0, fn);
    VT_EXPECT(r, vo_webhook_twilio_verify(&r, TOKENS, 1, URL, sig, FORM_CT, NULL, 5), VO_EINVAL,
              VO_VERIFY_INVALID_ARGUMENT, 0, fn);

    /* what the network sent: 4xx */
    size_t long_len = VO_WEBHOOK_MAX_URL + 1;
    char *long_url = malloc(long_len + 1);
    ck_assert_ptr_nonnull(long_url);
    memset(long_url, 'a', long_len);
    memcpy(long_url, "https://example.com/", 20);
    long_url[long_len] = '\0';
    VT_EXPECT(r, vo_webhook_twilio_verify(&r, TOKENS, 1, long_url, sig, FORM_CT, B(FORM)),
              VO_EREQUEST, VO_VERIFY_URL_TOO_LONG, 0, fn);
    long_url[VO_WEBHOOK_MAX_URL] = '\0'; /* at the limit: a plain mismatch */
    VT_EXPECT(r, vo_webhook_twilio_verify(&r, TOKENS, 1, long_url, sig, FORM_CT, B(FORM)),
              VO_EAUTH, VO_VERIFY_MISMATCH, 0, fn);
    free(long_url);
    size_t big_len = VO_WEBHOOK_DEFAULT_MAX_BODY + 1;
    unsigned char *big = calloc(1, big_len);
    ck_assert_ptr_nonnull(big);
    VT_EXPECT(r, vo_webhook_twilio_verify(&r, TOKENS, 1, URL, sig, FORM_CT, big, big_len),
              VO_ETOOBIG, VO_VERIFY_BODY_TOO_LARGE, 0, fn);
    free(big);
    VT_EXPECT(r, vo_webhook_twilio_verify(&r, TOKENS, 1, URL, NULL, FORM_CT, B(FORM)), VO_EAUTH,
              VO_VERIFY_MISSING_SIGNATURE, 0, fn);
    VT_EXPECT(r, vo_webhook_twilio_verify(&r, TOKENS, 1, URL, "  ", FORM_CT, B(FORM)), VO_EAUTH,
              VO_VERIFY_EMPTY_SIGNATURE, 0, fn);
    VT_EXPECT(r, vo_webhook_twilio_verify(&r, TOKENS, 1, URL, "not base64!", FORM_CT, B(FORM)),
              VO_EAUTH, VO_VERIFY_MALFORMED_SIGNATURE, 0, fn);
    VT_EXPECT(r, vo_webhook_twilio_verify(&r, TOKENS, 1, URL, sig, FORM_CT, B("a=%zz")),
              VO_EPARSE, VO_VERIFY_MALFORMED_BODY, 0, fn);
    VT_EXPECT(r, vo_webhook_twilio_verify(&r, TOKENS, 1, URL, sig, "application/json", B("{}")),
              VO_EAUTH, VO_VERIFY_MISSING_BODY_HASH, 0, fn);
    VT_EXPECT(r, vo_webhook_twilio_verify(&r, TOKENS, 1, URL, sig, FORM_CT, B("CallSid=CA2")),
              VO_EAUTH, VO_VERIFY_MISMATCH, 0, fn);
    ck_assert_int_gt(r.forms_tried, 0);
    /* a valid signature over a URL whose bodySHA256 is not the body's */
    char hash[65], json_url[256], jsig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    ck_assert_vo_ok(vo_webhook_twilio_body_sha256(hash, sizeof(hash), B("{\"a\":1}")));
    snprintf(json_url, sizeof(json_url), "https://example.com/status?bodySHA256=%s", hash);
    ck_assert_vo_ok(vo_webhook_twilio_sign(jsig, sizeof(jsig), TOKEN, json_url, NULL, 0));
    VT_EXPECT(r,
              vo_webhook_twilio_verify(&r, TOKENS, 1, json_url, jsig, "application/json",
                                       B("{\"a\":1}")),
              VO_OK, VO_VERIFY_OK, 0, fn);
    VT_EXPECT(r,
              vo_webhook_twilio_verify(&r, TOKENS, 1, json_url, jsig, "application/json",
                                       B("{\"a\":2}")),
              VO_EAUTH, VO_VERIFY_BODY_HASH_MISMATCH, 0, fn);
}
END_TEST

static vo_webhook_request req_of(const vo_param *h, size_t n, const char *body)
{
    vo_webhook_request q = VO_WEBHOOK_REQUEST_INIT;
    q.method = "POST";
    q.url = URL;
    q.headers = h;
    q.header_count = n;
    q.body = (const unsigned char *)body;
    q.body_len = body ? strlen(body) : 0;
    return q;
}

START_TEST(twilio_request_every_path)
{
    vo_verify_result r;
    const char *fn = "vo_webhook_twilio_verify_request";
    char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    vo_param p[] = {{"CallSid", "CA1"}, {"From", "+15550001111"}};
    ck_assert_vo_ok(vo_webhook_twilio_sign(sig, sizeof(sig), TOKEN, URL, p, 2));
    vo_param h[] = {{"X-Twilio-Signature", sig}, {"Content-Type", FORM_CT}};
    vo_webhook_request q = req_of(h, 2, FORM);
    VT_EXPECT(r, vo_webhook_twilio_verify_request(&r, NULL, TOKENS, 1, &q), VO_OK, VO_VERIFY_OK,
              0, fn);
    VT_EXPECT(r, vo_webhook_twilio_verify_request(&r, NULL, TOKENS, 1, NULL), VO_EINVAL,
              VO_VERIFY_INVALID_ARGUMENT, 0, fn);
    vo_webhook_request q0 = q;
    q0.version = 0;
    VT_EXPECT(r, vo_webhook_twilio_verify_request(&r, NULL, TOKENS, 1, &q0), VO_EINVAL,
              VO_VERIFY_INVALID_ARGUMENT, 0, fn);
    vo_webhook_twilio_options o = VO_WEBHOOK_TWILIO_OPTIONS_INIT;
    o.version = 999;
    VT_EXPECT(r, vo_webhook_twilio_verify_request(&r, &o, TOKENS, 1, &q), VO_EINVAL,
              VO_VERIFY_INVALID_ARGUMENT, 0, fn);
    VT_EXPECT(r, vo_webhook_twilio_verify_request(&r, NULL, NULL, 0, &q), VO_EINVAL,
              VO_VERIFY_NO_KEY, 0, fn);
    vo_param twice_sig[] = {{"X-Twilio-Signature", sig},
                            {"x-twilio-signature", "other"},
                            {"Content-Type", FORM_CT}};
    vo_webhook_request qs = req_of(twice_sig, 3, FORM);
    VT_EXPECT(r, vo_webhook_twilio_verify_request(&r, NULL, TOKENS, 1, &qs), VO_EAUTH,
              VO_VERIFY_MALFORMED_SIGNATURE, 0, fn);
    vo_param twice_ct[] = {
        {"X-Twilio-Signature", sig}, {"Content-Type", FORM_CT}, {"content-type", "text/plain"}};
    vo_webhook_request qc = req_of(twice_ct, 3, FORM);
    VT_EXPECT(r, vo_webhook_twilio_verify_request(&r, NULL, TOKENS, 1, &qc), VO_EPARSE,
              VO_VERIFY_MALFORMED_BODY, 0, fn);
    vo_webhook_request qm = req_of(h, 2, "CallSid=CA2");
    VT_EXPECT(r, vo_webhook_twilio_verify_request(&r, NULL, TOKENS, 1, &qm), VO_EAUTH,
              VO_VERIFY_MISMATCH, 0, fn);
}
END_TEST

#define VSECRET "vapi-shared-secret"
static const char *const VSECRETS[] = {VSECRET};
static const int64_t NOW = 1764000000;

START_TEST(vapi_every_path)
{
    vo_verify_result r;
    const char *fn = "vo_webhook_vapi_verify";
    /* shared secret */
    vo_param ok[] = {{"x-vapi-secret", VSECRET}};
    vo_webhook_request q = req_of(ok, 1, "{}");
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, NULL, VSECRETS, 1, &q, NOW), VO_OK, VO_VERIFY_OK, 0,
              fn);
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, NULL, VSECRETS, 1, NULL, NOW), VO_EINVAL,
              VO_VERIFY_INVALID_ARGUMENT, 0, fn);
    vo_webhook_request q0 = q;
    q0.version = 0;
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, NULL, VSECRETS, 1, &q0, NOW), VO_EINVAL,
              VO_VERIFY_INVALID_ARGUMENT, 0, fn);
    vo_webhook_request qn = q;
    qn.body = NULL;
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, NULL, VSECRETS, 1, &qn, NOW), VO_EINVAL,
              VO_VERIFY_INVALID_ARGUMENT, 0, fn);
    vo_webhook_vapi_options bad = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    bad.type = (vo_webhook_vapi_auth)42;
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, &bad, VSECRETS, 1, &q, NOW), VO_EINVAL,
              VO_VERIFY_INVALID_ARGUMENT, 0, fn);
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, NULL, NULL, 0, &q, NOW), VO_EINVAL,
              VO_VERIFY_NO_KEY, 0, fn);
    const char *empty[] = {""};
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, NULL, empty, 1, &q, NOW), VO_EINVAL,
              VO_VERIFY_NO_KEY, 0, fn);
    vo_webhook_vapi_options small = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    small.max_body = 1;
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, &small, VSECRETS, 1, &q, NOW), VO_ETOOBIG,
              VO_VERIFY_BODY_TOO_LARGE, 0, fn);
    vo_webhook_request qmiss = req_of(NULL, 0, "{}");
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, NULL, VSECRETS, 1, &qmiss, NOW), VO_EAUTH,
              VO_VERIFY_MISSING_SIGNATURE, 0, fn);
    vo_param blank[] = {{"x-vapi-secret", " "}};
    vo_webhook_request qb = req_of(blank, 1, "{}");
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, NULL, VSECRETS, 1, &qb, NOW), VO_EAUTH,
              VO_VERIFY_EMPTY_SIGNATURE, 0, fn);
    vo_param twice[] = {{"x-vapi-secret", VSECRET}, {"X-Vapi-Secret", "other"}};
    vo_webhook_request qt = req_of(twice, 2, "{}");
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, NULL, VSECRETS, 1, &qt, NOW), VO_EAUTH,
              VO_VERIFY_MALFORMED_SIGNATURE, 0, fn);
    vo_param wrong[] = {{"x-vapi-secret", "guess"}};
    vo_webhook_request qw = req_of(wrong, 1, "{}");
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, NULL, VSECRETS, 1, &qw, NOW), VO_EAUTH,
              VO_VERIFY_MISMATCH, 0, fn);
    /* bearer without its prefix */
    vo_webhook_vapi_options bo = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    bo.type = VO_WEBHOOK_VAPI_BEARER;
    vo_param bare[] = {{"Authorization", VSECRET}};
    vo_webhook_request qbare = req_of(bare, 1, "{}");
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, &bo, VSECRETS, 1, &qbare, NOW), VO_EAUTH,
              VO_VERIFY_MALFORMED_SIGNATURE, 0, fn);

    /* HMAC with a timestamp */
    vo_webhook_vapi_options ho = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    ho.type = VO_WEBHOOK_VAPI_HMAC;
    char hsig[256], ts[24], old_ts[24], old_sig[256];
    snprintf(ts, sizeof(ts), "%lld", (long long)NOW);
    snprintf(old_ts, sizeof(old_ts), "%lld", (long long)NOW - 1000);
    ck_assert_vo_ok(
        vo_webhook_vapi_sign(hsig, sizeof(hsig), &ho, VSECRET, "POST", URL, ts, NULL, B("{}")));
    ck_assert_vo_ok(vo_webhook_vapi_sign(old_sig, sizeof(old_sig), &ho, VSECRET, "POST", URL,
                                         old_ts, NULL, B("{}")));
    vo_param hh[] = {{"x-signature", hsig}, {"x-timestamp", ts}};
    vo_webhook_request hq = req_of(hh, 2, "{}");
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, &ho, VSECRETS, 1, &hq, NOW), VO_OK, VO_VERIFY_OK,
              NOW, fn);
    vo_param no_ts[] = {{"x-signature", hsig}};
    vo_webhook_request q1 = req_of(no_ts, 1, "{}");
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, &ho, VSECRETS, 1, &q1, NOW), VO_EAUTH,
              VO_VERIFY_MISSING_TIMESTAMP, 0, fn);
    vo_param bad_ts[] = {{"x-signature", hsig}, {"x-timestamp", "12a"}};
    vo_webhook_request q2 = req_of(bad_ts, 2, "{}");
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, &ho, VSECRETS, 1, &q2, NOW), VO_EAUTH,
              VO_VERIFY_MALFORMED_TIMESTAMP, 0, fn);
    vo_param no_sig[] = {{"x-timestamp", ts}};
    vo_webhook_request q3 = req_of(no_sig, 1, "{}");
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, &ho, VSECRETS, 1, &q3, NOW), VO_EAUTH,
              VO_VERIFY_MISSING_SIGNATURE, NOW, fn);
    vo_param bad_sig[] = {{"x-signature", "zz"}, {"x-timestamp", ts}};
    vo_webhook_request q4 = req_of(bad_sig, 2, "{}");
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, &ho, VSECRETS, 1, &q4, NOW), VO_EAUTH,
              VO_VERIFY_MALFORMED_SIGNATURE, NOW, fn);
    vo_webhook_request q5 = req_of(hh, 2, "{\"x\":1}");
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, &ho, VSECRETS, 1, &q5, NOW), VO_EAUTH,
              VO_VERIFY_MISMATCH, NOW, fn);
    vo_param old[] = {{"x-signature", old_sig}, {"x-timestamp", old_ts}};
    vo_webhook_request q6 = req_of(old, 2, "{}");
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, &ho, VSECRETS, 1, &q6, NOW), VO_EEXPIRED,
              VO_VERIFY_TIMESTAMP_TOO_OLD, NOW - 1000, fn);
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, &ho, VSECRETS, 1, &hq, NOW - 2000), VO_EEXPIRED,
              VO_VERIFY_TIMESTAMP_TOO_NEW, NOW, fn);
    /* a template that needs what the caller did not give, or a message id the sender did
     * not send; a secret that is not the base64 the options promise */
    vo_webhook_vapi_options mo = ho;
    mo.payload_format = "{method}.{body}";
    vo_webhook_request qnm = hq;
    qnm.method = NULL;
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, &mo, VSECRETS, 1, &qnm, NOW), VO_EINVAL,
              VO_VERIFY_INVALID_ARGUMENT, 0, fn);
    vo_webhook_vapi_options io = ho;
    io.payload_format = "{svix-id}.{body}";
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, &io, VSECRETS, 1, &hq, NOW), VO_EAUTH,
              VO_VERIFY_MISSING_ID, 0, fn);
    vo_webhook_vapi_options b64 = ho;
    b64.secret_is_base64 = 1;
    const char *not_b64[] = {"***"};
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, &b64, not_b64, 1, &hq, NOW), VO_EINVAL,
              VO_VERIFY_INVALID_ARGUMENT, NOW, fn);
}
END_TEST

static const char STD_SECRET[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
static const char *const STD_SECRETS[] = {STD_SECRET};
#define STD_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define STD_TS "1614265330"
static const int64_t STD_NOW = 1614265330;
#define STD_BODY "{\"test\": 2432232314}"
#define STD_SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

START_TEST(stdwebhooks_every_path)
{
    vo_verify_result r;
    const char *fn = "vo_webhook_std_verify";
    const int64_t T = STD_NOW;
    VT_EXPECT(
        r, vo_webhook_std_verify(&r, STD_SECRETS, 1, STD_ID, STD_TS, STD_SIG, B(STD_BODY), T),
        VO_OK, VO_VERIFY_OK, T, fn);
    ck_assert_int_eq(r.signature_index, 0);
    VT_EXPECT(r, vo_webhook_std_verify(&r, STD_SECRETS, 1, STD_ID, STD_TS, STD_SIG, NULL, 3, T),
              VO_EINVAL, VO_VERIFY_INVALID_ARGUMENT, 0, fn);
    VT_EXPECT(r, vo_webhook_std_verify(&r, NULL, 0, STD_ID, STD_TS, STD_SIG, B(STD_BODY), T),
              VO_EINVAL, VO_VERIFY_NO_KEY, 0, fn);
    const char *nine[9] = {STD_SECRET, STD_SECRET, STD_SECRET, STD_SECRET, STD_SECRET,
                           STD_SECRET, STD_SECRET, STD_SECRET, STD_SECRET};
    VT_EXPECT(r, vo_webhook_std_verify(&r, nine, 9, STD_ID, STD_TS, STD_SIG, B(STD_BODY), T),
              VO_EINVAL, VO_VERIFY_INVALID_ARGUMENT, T, fn);
    const char *bad_secret[] = {"whsec_short"};
    VT_EXPECT(r,
              vo_webhook_std_verify(&r, bad_secret, 1, STD_ID, STD_TS, STD_SIG, B(STD_BODY), T),
              VO_EINVAL, VO_VERIFY_INVALID_ARGUMENT, T, fn);
    size_t big_len = VO_WEBHOOK_DEFAULT_MAX_BODY + 1;
    unsigned char *big = calloc(1, big_len);
    ck_assert_ptr_nonnull(big);
    VT_EXPECT(
        r, vo_webhook_std_verify(&r, STD_SECRETS, 1, STD_ID, STD_TS, STD_SIG, big, big_len, T),
        VO_ETOOBIG, VO_VERIFY_BODY_TOO_LARGE, 0, fn);
    free(big);
    VT_EXPECT(r,
              vo_webhook_std_verify(&r, STD_SECRETS, 1, NULL, STD_TS, STD_SIG, B(STD_BODY), T),
              VO_EAUTH, VO_VERIFY_MISSING_ID, 0, fn);
    VT_EXPECT(r,
              vo_webhook_std_verify(&r, STD_SECRETS, 1, "a b", STD_TS, STD_SIG, B(STD_BODY), T),
              VO_EAUTH, VO_VERIFY_MISSING_ID, 0, fn);
    VT_EXPECT(r,
              vo_webhook_std_verify(&r, STD_SECRETS, 1, STD_ID, NULL, STD_SIG, B(STD_BODY), T),
              VO_EAUTH, VO_VERIFY_MISSING_TIMESTAMP, 0, fn);
    VT_EXPECT(r,
              vo_webhook_std_verify(&r, STD_SECRETS, 1, STD_ID, "-5", STD_SIG, B(STD_BODY), T),
              VO_EAUTH, VO_VERIFY_MALFORMED_TIMESTAMP, 0, fn);
    VT_EXPECT(r,
              vo_webhook_std_verify(&r, STD_SECRETS, 1, STD_ID, STD_TS, NULL, B(STD_BODY), T),
              VO_EAUTH, VO_VERIFY_MISSING_SIGNATURE, T, fn);
    char *long_sig = malloc(9000);
    ck_assert_ptr_nonnull(long_sig);
    memset(long_sig, 'v', 8999);
    long_sig[8999] = '\0';
    VT_EXPECT(
        r, vo_webhook_std_verify(&r, STD_SECRETS, 1, STD_ID, STD_TS, long_sig, B(STD_BODY), T),
        VO_EAUTH, VO_VERIFY_MALFORMED_SIGNATURE, T, fn);
    free(long_sig);
    VT_EXPECT(r,
              vo_webhook_std_verify(&r, STD_SECRETS, 1, STD_ID, STD_TS, "   ", B(STD_BODY), T),
              VO_EAUTH, VO_VERIFY_EMPTY_SIGNATURE, T, fn);
    VT_EXPECT(
        r, vo_webhook_std_verify(&r, STD_SECRETS, 1, STD_ID, STD_TS, "v1,zz", B(STD_BODY), T),
        VO_EAUTH, VO_VERIFY_MALFORMED_SIGNATURE, T, fn);
    VT_EXPECT(r, vo_webhook_std_verify(&r, STD_SECRETS, 1, STD_ID, STD_TS, STD_SIG, B("{}"), T),
              VO_EAUTH, VO_VERIFY_MISMATCH, T, fn);
    VT_EXPECT(r,
              vo_webhook_std_verify(&r, STD_SECRETS, 1, STD_ID, STD_TS, STD_SIG, B(STD_BODY),
                                    T + 1000),
              VO_EEXPIRED, VO_VERIFY_TIMESTAMP_TOO_OLD, T, fn);
    VT_EXPECT(r,
              vo_webhook_std_verify(&r, STD_SECRETS, 1, STD_ID, STD_TS, STD_SIG, B(STD_BODY),
                                    T - 1000),
              VO_EEXPIRED, VO_VERIFY_TIMESTAMP_TOO_NEW, T, fn);

    fn = "vo_webhook_std_verify_request";
    vo_param h[] = {
        {"webhook-id", STD_ID}, {"webhook-timestamp", STD_TS}, {"webhook-signature", STD_SIG}};
    vo_webhook_request q = req_of(h, 3, STD_BODY);
    VT_EXPECT(r, vo_webhook_std_verify_request(&r, STD_SECRETS, 1, &q, T), VO_OK, VO_VERIFY_OK,
              T, "vo_webhook_std_verify");
    VT_EXPECT(r, vo_webhook_std_verify_request(&r, STD_SECRETS, 1, NULL, T), VO_EINVAL,
              VO_VERIFY_INVALID_ARGUMENT, 0, fn);
    vo_param dup_id[] = {{"webhook-id", STD_ID}, {"Webhook-Id", "x"}};
    vo_webhook_request q1 = req_of(dup_id, 2, STD_BODY);
    VT_EXPECT(r, vo_webhook_std_verify_request(&r, STD_SECRETS, 1, &q1, T), VO_EAUTH,
              VO_VERIFY_MISSING_ID, 0, fn);
    vo_param dup_ts[] = {{"webhook-timestamp", "1"}, {"webhook-timestamp", "2"}};
    vo_webhook_request q2 = req_of(dup_ts, 2, STD_BODY);
    VT_EXPECT(r, vo_webhook_std_verify_request(&r, STD_SECRETS, 1, &q2, T), VO_EAUTH,
              VO_VERIFY_MALFORMED_TIMESTAMP, 0, fn);
    vo_param dup_sig[] = {{"webhook-signature", "v1,a"}, {"webhook-signature", "v1,b"}};
    vo_webhook_request q3 = req_of(dup_sig, 2, STD_BODY);
    VT_EXPECT(r, vo_webhook_std_verify_request(&r, STD_SECRETS, 1, &q3, T), VO_EAUTH,
              VO_VERIFY_MALFORMED_SIGNATURE, 0, fn);
}
END_TEST

/* Before vo_init() every verify function says so, in the code and in the reason. */
START_TEST(not_initialised_every_function)
{
    int held = 0;
    while (vo_is_initialized()) {
        vo_shutdown();
        held++;
    }
    vo_verify_result r;
    vo_param h[] = {{"x-vapi-secret", VSECRET}};
    vo_webhook_request q = req_of(h, 1, "{}");
    VT_EXPECT(r, vo_webhook_twilio_verify(&r, TOKENS, 1, URL, "x", NULL, NULL, 0), VO_ENOTINIT,
              VO_VERIFY_NOT_INITIALIZED, 0, "vo_webhook_twilio_verify");
    VT_EXPECT(r, vo_webhook_twilio_verify_request(&r, NULL, TOKENS, 1, &q), VO_ENOTINIT,
              VO_VERIFY_NOT_INITIALIZED, 0, "vo_webhook_twilio_verify_request");
    VT_EXPECT(r, vo_webhook_vapi_verify(&r, NULL, VSECRETS, 1, &q, NOW), VO_ENOTINIT,
              VO_VERIFY_NOT_INITIALIZED, 0, "vo_webhook_vapi_verify");
    VT_EXPECT(r,
              vo_webhook_std_verify(&r, STD_SECRETS, 1, STD_ID, STD_TS, STD_SIG, B(STD_BODY),
                                    STD_NOW),
              VO_ENOTINIT, VO_VERIFY_NOT_INITIALIZED, 0, "vo_webhook_std_verify");
    VT_EXPECT(r, vo_webhook_std_verify_request(&r, STD_SECRETS, 1, &q, STD_NOW), VO_ENOTINIT,
              VO_VERIFY_NOT_INITIALIZED, 0, "vo_webhook_std_verify_request");
    VT_EXPECT(r, vo_routing_verify(NULL, 0, &r, NULL, "whk_x", VO_WEBHOOK_TWILIO, &q, NOW),
              VO_ENOTINIT, VO_VERIFY_NOT_INITIALIZED, 0, "vo_routing_verify");
    while (held-- > 0)
        ck_assert_vo_ok(vo_init());
}
END_TEST

/* A result never initialised (version 0) or from newer headers is refused: no pass, a 500. */
START_TEST(result_versions)
{
    vo_verify_result r;
    ck_assert_vo_ok(vo_verify_result_init(&r, 1));
    ck_assert_int_eq(r.version, 1);
    ck_assert_int_eq(r.reason, VO_VERIFY_INTERNAL_ERROR);
    ck_assert_int_eq(r.key_index, -1);
    const vo_verify_result init = VO_VERIFY_RESULT_INIT;
    memset(&r, 0x5A, sizeof(r)); /* the version-2 fields too */
    ck_assert_vo_ok(vo_verify_result_init(&r, VO_VERIFY_RESULT_VERSION));
    ck_assert_int_eq(r.seen, VO_VERIFY_SEEN_NOT_CHECKED);
    ck_assert_int_eq(r.seen_at_ms, 0);
    ck_assert_mem_eq(&r, &init, offsetof(vo_verify_result, timestamp) + sizeof(int64_t));
    ck_assert_int_eq(init.seen, r.seen);
    ck_assert_int_eq(init.seen_at_ms, r.seen_at_ms);
    ck_assert_vo_rc(vo_verify_result_init(&r, 0), VO_EINVAL);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "vo_verify_result"));
    ck_assert_vo_rc(vo_verify_result_init(&r, VO_VERIFY_RESULT_VERSION + 1), VO_EINVAL);
    ck_assert_vo_rc(vo_verify_result_init(NULL, 1), VO_EINVAL);

    char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    ck_assert_vo_ok(vo_webhook_twilio_sign(sig, sizeof(sig), TOKEN, URL, NULL, 0));
    vo_param h[] = {{"x-vapi-secret", VSECRET}};
    vo_webhook_request q = req_of(h, 1, NULL);
    const unsigned versions[] = {0, VO_VERIFY_RESULT_VERSION + 1, 0xA5A5A5A5u};
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        int rcs[5];
        vo_verify_result rs[5];
        for (int k = 0; k < 5; k++) {
            memset(&rs[k], 0x5A, sizeof(rs[k]));
            rs[k].version = versions[i];
        }
        /* refused before anything else is looked at */
        rcs[0] = vo_webhook_twilio_verify(&rs[0], TOKENS, 1, URL, sig, NULL, NULL, 0);
        rcs[1] = vo_webhook_vapi_verify(&rs[1], NULL, VSECRETS, 1, &q, NOW);
        rcs[2] = vo_webhook_std_verify(&rs[2], STD_SECRETS, 1, STD_ID, STD_TS, STD_SIG,
                                       B(STD_BODY), STD_NOW);
        rcs[3] = vo_webhook_twilio_verify_request(&rs[3], NULL, TOKENS, 1, &q);
        rcs[4] = vo_webhook_std_verify_request(&rs[4], STD_SECRETS, 1, &q, STD_NOW);
        for (int k = 0; k < 5; k++) {
            ck_assert_msg(rcs[k] == VO_EINVAL, "call %d version %u: %s", k, versions[i],
                          vo_error_name(rcs[k]));
            ck_assert_int_eq(rs[k].version, versions[i]);
            ck_assert_int_eq(rs[k].reason, VO_VERIFY_INVALID_ARGUMENT);
            ck_assert_int_eq(rs[k].key_index, -1);
            ck_assert_int_eq(vo_verify_http_status(rcs[k], &rs[k]), 500);
        }
        ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "vo_verify_result version"));
    }
    /* the same calls pass with an initialised result, and with none */
    vo_verify_result ok = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_ok(vo_webhook_twilio_verify(&ok, TOKENS, 1, URL, sig, NULL, NULL, 0));
    ck_assert_vo_ok(vo_webhook_twilio_verify(NULL, TOKENS, 1, URL, sig, NULL, NULL, 0));
    ck_assert_vo_ok(vo_webhook_vapi_verify(&ok, NULL, VSECRETS, 1, &q, NOW));
}
END_TEST

/* The mapping for every reason (through its code) and for every code without a result. */
START_TEST(http_status_every_reason_and_code)
{
    static const struct {
        vo_verify_reason reason;
        int rc;
    } pairs[] = {
        {VO_VERIFY_OK, VO_OK},
        {VO_VERIFY_MISSING_SIGNATURE, VO_EAUTH},
        {VO_VERIFY_EMPTY_SIGNATURE, VO_EAUTH},
        {VO_VERIFY_MALFORMED_SIGNATURE, VO_EAUTH},
        {VO_VERIFY_NO_KEY, VO_EINVAL},
        {VO_VERIFY_MISMATCH, VO_EAUTH},
        {VO_VERIFY_BODY_HASH_MISMATCH, VO_EAUTH},
        {VO_VERIFY_MISSING_BODY_HASH, VO_EAUTH},
        {VO_VERIFY_MALFORMED_BODY, VO_EPARSE},
        {VO_VERIFY_BODY_TOO_LARGE, VO_ETOOBIG},
        {VO_VERIFY_MALFORMED_URL, VO_EINVAL},
        {VO_VERIFY_MISSING_TIMESTAMP, VO_EAUTH},
        {VO_VERIFY_MALFORMED_TIMESTAMP, VO_EAUTH},
        {VO_VERIFY_TIMESTAMP_TOO_OLD, VO_EEXPIRED},
        {VO_VERIFY_TIMESTAMP_TOO_NEW, VO_EEXPIRED},
        {VO_VERIFY_MISSING_ID, VO_EAUTH},
        {VO_VERIFY_INVALID_ARGUMENT, VO_EINVAL},
        {VO_VERIFY_INTERNAL_ERROR, VO_ENOMEM},
        {VO_VERIFY_MALFORMED_TOKEN, VO_EREQUEST},
        {VO_VERIFY_UNKNOWN_TOKEN, VO_ENOTFOUND},
        {VO_VERIFY_NOT_INITIALIZED, VO_ENOTINIT},
        {VO_VERIFY_URL_TOO_LONG, VO_EREQUEST},
        {VO_VERIFY_DUPLICATE, VO_EDUPLICATE},
        {VO_VERIFY_REPLAY, VO_EAUTH},
    };
    const size_t n = sizeof(pairs) / sizeof(pairs[0]);
    /* every reason has a name and is in the table above, so a new reason fails here */
    for (int reason = 0; strcmp(vo_verify_reason_name((vo_verify_reason)reason), "unknown");
         reason++) {
        size_t k = 0;
        while (k < n && (int)pairs[k].reason != reason)
            k++;
        ck_assert_msg(k < n, "reason %d (%s) has no expected status", reason,
                      vo_verify_reason_name((vo_verify_reason)reason));
        vo_verify_result r = VO_VERIFY_RESULT_INIT;
        r.reason = pairs[k].reason;
        ck_assert_msg(vo_verify_http_status(pairs[k].rc, &r) == vt_status_of(r.reason),
                      "%s -> %d", vo_verify_reason_name(r.reason),
                      vo_verify_http_status(pairs[k].rc, &r));
    }
    ck_assert_int_eq(vo_verify_http_status(VO_EREQUEST, NULL), 400);
    /* every code, without a result */
    for (int code = 0; code >= -64; code--) {
        int want = 500;
        switch (code) {
        case VO_OK:
        case VO_EDUPLICATE: want = 200; break;
        case VO_EAUTH:
        case VO_EEXPIRED: want = 403; break;
        case VO_EPARSE:
        case VO_EREQUEST: want = 400; break;
        case VO_ETOOBIG: want = 413; break;
        case VO_ENOTFOUND: want = 404; break;
        default: break;
        }
        ck_assert_msg(vo_verify_http_status(code, NULL) == want, "%s -> %d, want %d",
                      vo_error_name(code), vo_verify_http_status(code, NULL), want);
    }
    /* fail closed: success with a result that says otherwise, or garbage */
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_int_eq(vo_verify_http_status(VO_OK, &r), 500);
    r.reason = VO_VERIFY_OK;
    ck_assert_int_eq(vo_verify_http_status(VO_OK, &r), 200);
    ck_assert_int_eq(vo_verify_http_status(VO_EAUTH, &r), 403);
    /* a duplicate whose result says something else is not acknowledged */
    ck_assert_int_eq(vo_verify_http_status(VO_EDUPLICATE, &r), 500);
    r.reason = VO_VERIFY_DUPLICATE;
    ck_assert_int_eq(vo_verify_http_status(VO_EDUPLICATE, &r), 200);
    r.reason = VO_VERIFY_OK;
    r.version = 0; /* not a result: the code alone decides */
    r.reason = VO_VERIFY_URL_TOO_LONG;
    ck_assert_int_eq(vo_verify_http_status(VO_EREQUEST, &r), 400);
    ck_assert_int_eq(vo_verify_http_status(12345, NULL), 500);
}
END_TEST

START_TEST(strerror_knows_request)
{
    ck_assert_str_eq(vo_error_name(VO_EREQUEST), "VO_EREQUEST");
    ck_assert_int_eq(VO_EREQUEST, -26);
    ck_assert_str_eq(vo_strerror(VO_EREQUEST),
                     "the request received from the network is malformed");
    ck_assert_str_eq(vo_verify_reason_name(VO_VERIFY_MALFORMED_TOKEN), "malformed_token");
    ck_assert_str_eq(vo_verify_reason_name(VO_VERIFY_UNKNOWN_TOKEN), "unknown_token");
    ck_assert_str_eq(vo_verify_reason_name(VO_VERIFY_NOT_INITIALIZED), "not_initialized");
    ck_assert_str_eq(vo_verify_reason_name(VO_VERIFY_URL_TOO_LONG), "url_too_long");
    ck_assert_int_eq(vo_error_last()->version, VO_ERROR_VERSION);
}
END_TEST

/* ---- error snapshots ------------------------------------------------------------------ */

typedef struct handoff {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int ready;
    vo_error_snapshot snap; /* copied by value from the worker */
} handoff;

static void *worker(void *arg)
{
    handoff *h = arg;
    vo_correlation_id_set("req-worker-1");
    char out[4];
    int rc = vo_hex_encode(out, sizeof(out), (const unsigned char *)"abcdef", 6);
    vo_error_snapshot local;
    if (vo_error_snapshot_init(&local, VO_ERROR_SNAPSHOT_VERSION) != VO_OK ||
        vo_error_snapshot_take(&local) != VO_OK || rc == VO_OK)
        return NULL;
    /* the thread's record goes on changing; the snapshot does not */
    vo_error_clear();
    vo_hex_encode(NULL, 0, NULL, 0);
    pthread_mutex_lock(&h->lock);
    memcpy(&h->snap, &local, sizeof(local));
    h->ready = 1;
    pthread_cond_signal(&h->cond);
    pthread_mutex_unlock(&h->lock);
    return (void *)1;
}

START_TEST(error_snapshot_across_threads)
{
    handoff h = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0,
                 VO_ERROR_SNAPSHOT_INIT};
    vo_error_clear();
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, worker, &h), 0);
    pthread_mutex_lock(&h.lock);
    while (!h.ready)
        pthread_cond_wait(&h.cond, &h.lock);
    pthread_mutex_unlock(&h.lock);
    void *ok = NULL;
    pthread_join(t, &ok);
    ck_assert_ptr_nonnull(ok);
    /* read on this thread, after the worker has exited */
    ck_assert_int_eq(h.snap.version, VO_ERROR_SNAPSHOT_VERSION);
    ck_assert_int_eq(h.snap.code, VO_ERANGE);
    ck_assert_ptr_nonnull(strstr(h.snap.message, "vo_hex_encode"));
    ck_assert_str_eq(h.snap.correlation_id, "req-worker-1");
    ck_assert_str_eq(h.snap.provider_request_id, "");
    ck_assert_int_eq(h.snap.retry_after_ms, -1);
    /* this thread's own record is untouched by the worker */
    ck_assert_int_eq(vo_error_last()->code, VO_OK);
}
END_TEST

START_TEST(error_snapshot_versions)
{
    vo_error_snapshot s;
    ck_assert_vo_ok(vo_error_snapshot_init(&s, 1));
    vo_error_snapshot init = VO_ERROR_SNAPSHOT_INIT;
    ck_assert_mem_eq(&s, &init, sizeof(s));
    ck_assert_vo_rc(vo_error_snapshot_init(&s, 0), VO_EINVAL);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "vo_error_snapshot"));
    ck_assert_vo_rc(vo_error_snapshot_init(&s, VO_ERROR_SNAPSHOT_VERSION + 1), VO_EINVAL);
    ck_assert_vo_rc(vo_error_snapshot_init(NULL, 1), VO_EINVAL);
    /* a failed take leaves both the snapshot and the thread's record alone */
    vo_hex_encode(NULL, 0, NULL, 0);
    memset(&s, 0x33, sizeof(s));
    s.version = 0;
    ck_assert_int_eq(vo_error_snapshot_take(&s), VO_EINVAL);
    ck_assert_int_eq(s.code, 0x33333333);
    ck_assert_int_eq(vo_error_last()->code, VO_EINVAL);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "vo_hex_encode"));
    ck_assert_int_eq(vo_error_snapshot_take(NULL), VO_EINVAL);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "vo_hex_encode"));
    /* no error yet on a thread: "no error" */
    vo_error_clear();
    ck_assert_vo_ok(vo_error_snapshot_init(&s, 1));
    ck_assert_vo_ok(vo_error_snapshot_take(&s));
    ck_assert_int_eq(s.code, VO_OK);
    ck_assert_str_eq(s.message, "no error");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("verify_outcomes");
    TCase *t = tcase_create("outcomes");
    tcase_add_test(t, twilio_every_path);
    tcase_add_test(t, twilio_request_every_path);
    tcase_add_test(t, vapi_every_path);
    tcase_add_test(t, stdwebhooks_every_path);
    tcase_add_test(t, not_initialised_every_function);
    tcase_add_test(t, result_versions);
    tcase_add_test(t, http_status_every_reason_and_code);
    tcase_add_test(t, strerror_knows_request);
    tcase_add_test(t, error_snapshot_across_threads);
    tcase_add_test(t, error_snapshot_versions);
    suite_add_tcase(s, t);
    return s;
}

VO_TEST_MAIN(suite)
