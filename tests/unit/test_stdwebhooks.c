/* Standard Webhooks: the published vector, tolerance, multiple signatures, strict parsing. */
#include "testutil.h"

static const char SECRET[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
static const char ID[] = "msg_p5jXN8AQM9LWM0D4loKWxJek";
static const char TS[] = "1614265330";
static const int64_t NOW = 1614265330;
static const char BODY[] = "{\"test\": 2432232314}";
static const char SIG[] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
static const char *const SECRETS[] = {SECRET};

static int verify(const char *const *secrets, size_t n, const char *id, const char *ts,
                  const char *sig, const char *body, int64_t now, vo_verify_result *r)
{
    return vo_webhook_std_verify(r, secrets, n, id, ts, sig, (const unsigned char *)body,
                                 body ? strlen(body) : 0, now);
}

START_TEST(published_vector)
{
    char sig[VO_WEBHOOK_STD_SIGNATURE_SIZE];
    ck_assert_vo_ok(vo_webhook_std_sign(sig, sizeof(sig), SECRET, ID, 1614265330,
                                        (const unsigned char *)BODY, strlen(BODY)));
    ck_assert_str_eq(sig, SIG);
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_ok(verify(SECRETS, 1, ID, TS, SIG, BODY, NOW, &r));
    ck_assert_int_eq(r.reason, VO_VERIFY_OK);
    ck_assert_int_eq(r.key_index, 0);
    ck_assert_int_eq(r.signature_index, 0);
    ck_assert_int_eq(r.timestamp, 1614265330);
    /* The prefix is optional in the secret. */
    const char *bare[] = {SECRET + 6};
    ck_assert_vo_ok(verify(bare, 1, ID, TS, SIG, BODY, NOW, &r));
}
END_TEST

START_TEST(tampering_fails)
{
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_rc(verify(SECRETS, 1, ID, TS, SIG, "{\"test\": 2432232315}", NOW, &r),
                    VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MISMATCH);
    ck_assert_vo_rc(verify(SECRETS, 1, "msg_other", TS, SIG, BODY, NOW, &r), VO_EAUTH);
    ck_assert_vo_rc(verify(SECRETS, 1, ID, "1614265331", SIG, BODY, NOW, &r), VO_EAUTH);
    const char *other[] = {"whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
    ck_assert_vo_rc(verify(other, 1, ID, TS, SIG, BODY, NOW, &r), VO_EAUTH);
}
END_TEST

START_TEST(tolerance_both_ways)
{
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_ok(verify(SECRETS, 1, ID, TS, SIG, BODY, NOW + 300, &r));
    ck_assert_vo_ok(verify(SECRETS, 1, ID, TS, SIG, BODY, NOW - 300, &r));
    ck_assert_vo_rc(verify(SECRETS, 1, ID, TS, SIG, BODY, NOW + 301, &r), VO_EEXPIRED);
    ck_assert_int_eq(r.reason, VO_VERIFY_TIMESTAMP_TOO_OLD);
    ck_assert_vo_rc(verify(SECRETS, 1, ID, TS, SIG, BODY, NOW - 301, &r), VO_EEXPIRED);
    ck_assert_int_eq(r.reason, VO_VERIFY_TIMESTAMP_TOO_NEW);
}
END_TEST

START_TEST(multiple_signatures_and_secrets)
{
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    const char *multi = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v2,whatever  "
                        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    ck_assert_vo_ok(verify(SECRETS, 1, ID, TS, multi, BODY, NOW, &r));
    ck_assert_int_eq(r.signature_index, 2);
    const char *two[] = {"whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", SECRET};
    ck_assert_vo_ok(verify(two, 2, ID, TS, SIG, BODY, NOW, &r));
    ck_assert_int_eq(r.key_index, 1);
    /* Only other versions: nothing to check. */
    ck_assert_vo_rc(verify(SECRETS, 1, ID, TS,
                           "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", BODY, NOW, &r),
                    VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MALFORMED_SIGNATURE);
}
END_TEST

START_TEST(strict_parsing)
{
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    const char *bad_ts[] = {"",     "+1614265330", "1614265330 ",         "1614265330.0",
                            "0x10", "-1614265330", "99999999999999999999"};
    for (size_t i = 0; i < sizeof(bad_ts) / sizeof(bad_ts[0]); i++) {
        ck_assert_vo_rc(verify(SECRETS, 1, ID, bad_ts[i], SIG, BODY, NOW, &r), VO_EAUTH);
        ck_assert_int_eq(r.reason, VO_VERIFY_MALFORMED_TIMESTAMP);
    }
    /* Non-canonical base64 (trailing bits) for the same bytes. */
    ck_assert_vo_rc(verify(SECRETS, 1, ID, TS,
                           "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OF=", BODY, NOW, &r),
                    VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MALFORMED_SIGNATURE);
    ck_assert_vo_rc(verify(SECRETS, 1, ID, TS, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE",
                           BODY, NOW, &r),
                    VO_EAUTH);
    ck_assert_vo_rc(verify(SECRETS, 1, ID, TS, NULL, BODY, NOW, &r), VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MISSING_SIGNATURE);
    ck_assert_vo_rc(verify(SECRETS, 1, ID, TS, "   ", BODY, NOW, &r), VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_EMPTY_SIGNATURE);
    ck_assert_vo_rc(verify(SECRETS, 1, NULL, TS, SIG, BODY, NOW, &r), VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MISSING_ID);
    ck_assert_vo_rc(verify(SECRETS, 1, ID, NULL, SIG, BODY, NOW, &r), VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MISSING_TIMESTAMP);
}
END_TEST

START_TEST(secrets_validated)
{
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    char sig[VO_WEBHOOK_STD_SIGNATURE_SIZE];
    /* 23-byte and 65-byte keys are outside 24..64; invalid base64 too. */
    const char *bad[] = {
        "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAA", "whsec_", "whsec_!!!!",
        "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *s[] = {bad[i]};
        ck_assert_vo_rc(verify(s, 1, ID, TS, SIG, BODY, NOW, &r), VO_EINVAL);
        ck_assert_int_eq(r.reason, VO_VERIFY_INVALID_ARGUMENT);
        ck_assert_vo_rc(vo_webhook_std_sign(sig, sizeof(sig), bad[i], ID, 1, NULL, 0),
                        VO_EINVAL);
    }
    /* 64-byte key works (needs the any-length HMAC form). */
    char big[100] = "whsec_";
    unsigned char key[64];
    memset(key, 7, sizeof(key));
    ck_assert_vo_ok(vo_base64_encode(big + 6, sizeof(big) - 6, key, 64, VO_BASE64_STANDARD));
    ck_assert_vo_ok(vo_webhook_std_sign(sig, sizeof(sig), big, ID, NOW, NULL, 0));
    const char *s64[] = {big};
    ck_assert_vo_ok(verify(s64, 1, ID, TS, sig, "", NOW, &r));
    ck_assert_vo_rc(verify(NULL, 0, ID, TS, SIG, BODY, NOW, &r), VO_EINVAL);
    ck_assert_int_eq(r.reason, VO_VERIFY_NO_KEY);
    ck_assert_vo_rc(vo_webhook_std_sign(sig, sizeof(sig), SECRET, "has space", 1, NULL, 0),
                    VO_EINVAL);
    ck_assert_vo_rc(vo_webhook_std_sign(sig, sizeof(sig), SECRET, ID, -1, NULL, 0), VO_EINVAL);
    ck_assert_vo_rc(vo_webhook_std_sign(sig, 10, SECRET, ID, 1, NULL, 0), VO_ERANGE);
}
END_TEST

START_TEST(generated_secret_round_trip)
{
    char secret[64], sig[VO_WEBHOOK_STD_SIGNATURE_SIZE], other[64];
    ck_assert_vo_ok(vo_webhook_std_secret_new(secret, sizeof(secret)));
    ck_assert_vo_ok(vo_webhook_std_secret_new(other, sizeof(other)));
    ck_assert_str_ne(secret, other);
    ck_assert_int_eq(strncmp(secret, "whsec_", 6), 0);
    ck_assert_vo_ok(vo_webhook_std_sign(sig, sizeof(sig), secret, "evt_1", 1700000000,
                                        (const unsigned char *)"{}", 2));
    const char *s[] = {secret};
    vo_param h[] = {{"Webhook-Id", "evt_1"},
                    {"webhook-timestamp", "1700000000"},
                    {"WEBHOOK-SIGNATURE", sig}};
    vo_webhook_request req = VO_WEBHOOK_REQUEST_INIT;
    req.headers = h;
    req.header_count = 3;
    req.body = (const unsigned char *)"{}";
    req.body_len = 2;
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_ok(vo_webhook_std_verify_request(&r, s, 1, &req, 1700000000));
    req.header_count = 2;
    ck_assert_vo_rc(vo_webhook_std_verify_request(&r, s, 1, &req, 1700000000), VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MISSING_SIGNATURE);
    ck_assert_vo_rc(vo_webhook_std_secret_new(secret, 20), VO_ERANGE);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("stdwebhooks");
    TCase *t = tcase_create("stdwebhooks");
    tcase_add_test(t, published_vector);
    tcase_add_test(t, tampering_fails);
    tcase_add_test(t, tolerance_both_ways);
    tcase_add_test(t, multiple_signatures_and_secrets);
    tcase_add_test(t, strict_parsing);
    tcase_add_test(t, secrets_validated);
    tcase_add_test(t, generated_secret_round_trip);
    suite_add_tcase(s, t);
    return s;
}

VO_TEST_MAIN(suite)
