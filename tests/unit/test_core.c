/* Core: init reference counting, error model, logging and redaction, correlation ids,
 * encoding helpers, secret holders. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>

#include "core/internal.h"

#include "testutil.h"

START_TEST(version_query)
{
    int ma = -1, mi = -1, pa = -1;
    const char *v = vo_version(&ma, &mi, &pa);
    ck_assert_str_eq(v, VO_VERSION_STRING);
    ck_assert_int_eq(ma, VO_VERSION_MAJOR);
    ck_assert_int_eq(mi, VO_VERSION_MINOR);
    ck_assert_int_eq(pa, VO_VERSION_PATCH);
    ck_assert_str_eq(vo_version(NULL, NULL, NULL), VO_VERSION_STRING);
}
END_TEST

START_TEST(init_is_reference_counted)
{
    /* main() holds one reference already. */
    ck_assert_int_eq(vo_is_initialized(), 1);
    ck_assert_vo_ok(vo_init());
    ck_assert_vo_ok(vo_init());
    ck_assert_int_eq(vo_shutdown(), 2);
    ck_assert_int_eq(vo_shutdown(), 1);
    ck_assert_int_eq(vo_is_initialized(), 1);
    ck_assert_int_eq(vo_shutdown(), 0);
    ck_assert_int_eq(vo_is_initialized(), 0);
    /* Functions that need the library say so instead of initialising lazily. */
    char id[VO_CORRELATION_ID_SIZE];
    ck_assert_vo_rc(vo_correlation_id_new(id, sizeof(id)), VO_ENOTINIT);
    const char *tokens[] = {"t"};
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_rc(vo_webhook_twilio_verify(&r, tokens, 1, "https://a/", "x", NULL, NULL, 0),
                    VO_ENOTINIT);
    char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    ck_assert_vo_rc(vo_webhook_twilio_sign(sig, sizeof(sig), "t", "https://a/", NULL, 0),
                    VO_ENOTINIT);
    /* Extra shutdowns are ignored. */
    ck_assert_int_eq(vo_shutdown(), 0);
    ck_assert_vo_ok(vo_init());
    ck_assert_vo_ok(vo_webhook_twilio_sign(sig, sizeof(sig), "t", "https://a/", NULL, 0));
}
END_TEST

START_TEST(error_last_never_null)
{
    vo_error_clear();
    const vo_error *e = vo_error_last();
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->code, VO_OK);
    ck_assert_str_eq(e->message, "no error");
    ck_assert_str_eq(e->provider_request_id, "");
    ck_assert_int_eq(e->retry_after_ms, -1);
    ck_assert_uint_eq(e->version, VO_ERROR_VERSION);
    ck_assert_vo_rc(vo_hex_encode(NULL, 0, NULL, 0), VO_EINVAL);
    e = vo_error_last();
    ck_assert_int_eq(e->code, VO_EINVAL);
    ck_assert_ptr_nonnull(strstr(e->message, "vo_hex_encode"));
    ck_assert_ptr_nonnull(e->more_info);
}
END_TEST

static void *thread_error(void *arg)
{
    (void)arg;
    /* A fresh thread starts with no error, whatever the main thread did. */
    const vo_error *e = vo_error_last();
    int ok = e->code == VO_OK;
    vo_hex_encode(NULL, 0, NULL, 0);
    ok = ok && vo_error_last()->code == VO_EINVAL;
    return ok ? (void *)1 : NULL;
}

START_TEST(error_is_thread_local)
{
    vo_hex_decode(NULL, 0, NULL, "zz", 2);
    ck_assert_int_ne(vo_error_last()->code, VO_OK);
    int before = vo_error_last()->code;
    pthread_t t;
    void *res = NULL;
    ck_assert_int_eq(pthread_create(&t, NULL, thread_error, NULL), 0);
    pthread_join(t, &res);
    ck_assert_ptr_nonnull(res);
    ck_assert_int_eq(vo_error_last()->code, before);
}
END_TEST

START_TEST(strerror_and_names)
{
    const int codes[] = {
        VO_OK,         VO_ERROR,      VO_EINVAL,       VO_ENOMEM,       VO_ERANGE,
        VO_ETOOBIG,    VO_EPARSE,     VO_EAUTH,        VO_ECRYPTO,      VO_ENOTFOUND,
        VO_EEXISTS,    VO_ECONFLICT,  VO_ESTORAGE,     VO_EBUSY,        VO_ENETWORK,
        VO_ETIMEOUT,   VO_ERATELIMIT, VO_EUNAVAILABLE, VO_EPROTOCOL,    VO_EVALIDATION,
        VO_EFORBIDDEN, VO_EEXPIRED,   VO_ENOTINIT,     VO_EUNSUPPORTED, VO_EINTERNAL,
        VO_EHANDLE,    VO_EREQUEST,   VO_ETLS,         VO_EDUPLICATE};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        ck_assert_str_ne(vo_strerror(codes[i]), "unknown error");
        ck_assert_str_ne(vo_error_name(codes[i]), "VO_E?");
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(vo_error_name(codes[i]), vo_error_name(codes[j]));
    }
    ck_assert_str_eq(vo_error_name(VO_EAUTH), "VO_EAUTH");
    ck_assert_str_eq(vo_strerror(12345), "unknown error");
    ck_assert_str_eq(vo_error_name(-999), "VO_E?");
}
END_TEST

/* ---- logging ------------------------------------------------------------------------ */

typedef struct log_capture {
    int count;
    char last[2048];
    char module[32];
    char correlation[VO_CORRELATION_ID_SIZE];
    vo_log_level level;
    unsigned int version;
} log_capture;

static void capture(const vo_log_record *rec, void *payload)
{
    log_capture *c = payload;
    c->count++;
    c->level = rec->level;
    c->version = rec->version;
    snprintf(c->last, sizeof(c->last), "%s", rec->message);
    snprintf(c->module, sizeof(c->module), "%s", rec->module);
    snprintf(c->correlation, sizeof(c->correlation), "%s", rec->correlation_id);
}

static void check_redacted(const char *in, const char *secret)
{
    char out[512];
    ck_assert_vo_ok(vo_log_redact(out, sizeof(out), in));
    ck_assert_msg(strstr(out, secret) == NULL, "'%s' still contains the secret: '%s'", in, out);
    ck_assert_msg(strstr(out, "[REDACTED]") != NULL, "'%s' -> '%s'", in, out);
}

START_TEST(redaction_patterns)
{
    check_redacted("Authorization: Basic QUMxMjM6c2VjcmV0", "QUMxMjM6c2VjcmV0");
    check_redacted("authorization=Bearer 4f1c2d3e-aaaa-bbbb-cccc-1234567890ab",
                   "4f1c2d3e-aaaa-bbbb-cccc-1234567890ab");
    check_redacted("POST AuthToken=s3cr3t&FriendlyName=x", "s3cr3t");
    check_redacted("{\"twilioAuthToken\": \"abc def\", \"x\": 1}", "abc def");
    check_redacted("password: hunter2", "hunter2");
    check_redacted("api_key='k-123'", "k-123");
    check_redacted("secret=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                   "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    check_redacted("using whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw now",
                   "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    check_redacted("token 0123456789abcdef0123456789ABCDEF here",
                   "0123456789abcdef0123456789ABCDEF");
    /* Values still go after the library's words were exempted. */
    check_redacted("x-auth-token: abc123", "abc123");
    check_redacted("Authorization: Bearer sk-live-123", "sk-live-123");
    check_redacted("authorization: basic dXNlcjpwYXNz", "dXNlcjpwYXNz");
    check_redacted("token=abc", "abc");
    /* Scheme words in any letter case, with no key such as Authorization or token= before */
    check_redacted("upstream said bearer sk-live-abc123 was fine", "sk-live-abc123");
    check_redacted("proxy forwarded BASIC dXNlcjpwYXNz to us", "dXNlcjpwYXNz");
    check_redacted("header was BeArEr eyJhbGciOiJIUzI1NiJ9.e30.sig, dropped",
                   "eyJhbGciOiJIUzI1NiJ9");
    check_redacted("bAsIc QUMxMjM6c2VjcmV0", "QUMxMjM6c2VjcmV0");
    check_redacted("vo_token=abc", "abc");        /* '=' is a field, even with our prefix */
    check_redacted("password: \"is\"", "\"is\""); /* quoted: always a value */
    check_redacted("secret: hunter2 is wrong", "hunter2");
    check_redacted("Vo_Secret_X: abc", "abc"); /* not one of our (lowercase) names */
    check_redacted("secret=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_MfKQ");
    /* Not secrets: account SIDs (AC + 32 hex), sha256 hex, plain words. */
    char out[256];
    ck_assert_vo_ok(vo_log_redact(
        out, sizeof(out), "GET /Accounts/AC0123456789abcdef0123456789abcdef/Calls status=200"));
    ck_assert_str_eq(out, "GET /Accounts/AC0123456789abcdef0123456789abcdef/Calls status=200");
    ck_assert_vo_rc(vo_log_redact(out, 8, "a long message"), VO_ERANGE);
    ck_assert_str_eq(out, "a long ");
    ck_assert_vo_rc(vo_log_redact(NULL, 8, "x"), VO_EINVAL);
    ck_assert_vo_rc(vo_log_redact(out, 0, "x"), VO_EINVAL);
}
END_TEST

static void check_kept(const char *in)
{
    char out[512];
    ck_assert_vo_ok(vo_log_redact(out, sizeof(out), in));
    ck_assert_msg(strcmp(out, in) == 0, "'%s' became '%s'", in, out);
}

/* Redaction removes values, never the library's own words. */
START_TEST(redaction_keeps_library_words)
{
    check_kept("vo_vault_secret_get: out is NULL");
    check_kept("vo_routing_token_resolve: malformed webhook token");
    check_kept("vo_routing_token_mint: the buffer needs 48 bytes");
    check_kept("vo_vault_secret_put: tenant and name are required");
    check_kept("vo_twilio_credentials_secondary_auth_token: credentials is NULL");
    check_kept("vault token: missing");
    check_kept("webhook secret: must be whsec_ followed by the base64 of a 24-64 byte key");
    check_kept("Authorization: Bearer is required");
    check_kept("the header must start with Bearer and a space");
    check_kept("api_key: not set");
    /* and a real value after a kept word still goes */
    char out[256];
    ck_assert_vo_ok(
        vo_log_redact(out, sizeof(out), "vo_vapi_secret_x: out is NULL; token=abc"));
    ck_assert_str_eq(out, "vo_vapi_secret_x: out is NULL; token=[REDACTED]");
    /* the message recorded for a NULL argument keeps its words */
    ck_assert_vo_rc(vo_vault_secret_get(NULL, NULL, NULL, NULL, NULL, 0), VO_EINVAL);
    ck_assert_ptr_null(strstr(vo_error_last()->message, "[REDACTED]"));
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "vo_vault_secret_get"));
}
END_TEST

START_TEST(log_callback_levels_and_redaction)
{
    log_capture c = {0};
    /* Nothing is formatted or delivered without a callback. */
    ck_assert(!vo__log_enabled(VO_LOG_ERROR));
    vo_log_set_callback(capture, VO_LOG_WARN, &c);
    ck_assert(vo__log_enabled(VO_LOG_ERROR));
    ck_assert(!vo__log_enabled(VO_LOG_INFO));
    vo__log(VO_LOG_INFO, "http", "below the threshold");
    ck_assert_int_eq(c.count, 0);
    ck_assert_vo_ok(vo_correlation_id_set("corr-7"));
    vo__log(VO_LOG_ERROR, "http", "POST /Calls.json AuthToken=%s status=%d", "tok-s3cr3t", 401);
    ck_assert_int_eq(c.count, 1);
    ck_assert_int_eq(c.level, VO_LOG_ERROR);
    ck_assert_str_eq(c.module, "http");
    ck_assert_str_eq(c.correlation, "corr-7");
    ck_assert_uint_eq(c.version, VO_LOG_RECORD_VERSION);
    ck_assert_ptr_null(strstr(c.last, "tok-s3cr3t"));
    ck_assert_str_eq(c.last, "POST /Calls.json AuthToken=[REDACTED] status=401");
    vo_log_set_level(VO_LOG_TRACE);
    vo__log(VO_LOG_TRACE, NULL, "trace now");
    ck_assert_int_eq(c.count, 2);
    ck_assert_str_eq(c.module, "core");
    vo_log_set_callback(NULL, VO_LOG_TRACE, NULL);
    vo__log(VO_LOG_ERROR, "http", "after removal");
    ck_assert_int_eq(c.count, 2);
    /* Setting a level without a callback does not enable logging. */
    vo_log_set_level(VO_LOG_TRACE);
    ck_assert(!vo__log_enabled(VO_LOG_ERROR));
    vo_correlation_id_set(NULL);
    ck_assert_str_eq(vo_log_level_name(VO_LOG_WARN), "warn");
    ck_assert_str_eq(vo_log_level_name((vo_log_level)42), "?");
}
END_TEST

START_TEST(error_messages_are_redacted)
{
    /* An error message that would quote a credential-looking value is scrubbed. */
    char buf[8];
    vo_error_clear();
    ck_assert_vo_rc(vo_base64_encode(buf, sizeof(buf), (const unsigned char *)"0123456789", 10,
                                     VO_BASE64_STANDARD),
                    VO_ERANGE);
    ck_assert_ptr_null(strstr(vo_error_last()->message, "0123456789"));
}
END_TEST

/* ---- correlation ids ---------------------------------------------------------------- */

START_TEST(correlation_ids)
{
    char a[VO_CORRELATION_ID_SIZE], b[VO_CORRELATION_ID_SIZE];
    ck_assert_vo_ok(vo_correlation_id_new(a, sizeof(a)));
    ck_assert_vo_ok(vo_correlation_id_new(b, sizeof(b)));
    ck_assert_uint_eq(strlen(a), 36);
    ck_assert_str_ne(a, b);
    ck_assert_int_eq(a[14], '4');
    ck_assert(strchr("89ab", a[19]) != NULL);
    ck_assert_vo_rc(vo_correlation_id_new(a, 36), VO_ERANGE);
    ck_assert_vo_rc(vo_correlation_id_new(NULL, 64), VO_EINVAL);

    ck_assert_str_eq(vo_correlation_id_get(), "");
    ck_assert_vo_ok(vo_correlation_id_set("req-42:import/x_y.z"));
    ck_assert_str_eq(vo_correlation_id_get(), "req-42:import/x_y.z");
    /* Errors carry it. */
    vo_hex_decode(NULL, 0, NULL, "z", 1);
    ck_assert_str_eq(vo_error_last()->correlation_id, "req-42:import/x_y.z");
    /* Invalid ids are refused and the previous one is kept. */
    ck_assert_vo_rc(vo_correlation_id_set("has space"), VO_EINVAL);
    ck_assert_vo_rc(vo_correlation_id_set("new\nline"), VO_EINVAL);
    char long_id[80];
    memset(long_id, 'a', sizeof(long_id) - 1);
    long_id[79] = '\0';
    ck_assert_vo_rc(vo_correlation_id_set(long_id), VO_EINVAL);
    long_id[64] = '\0';
    ck_assert_vo_ok(vo_correlation_id_set(long_id));
    ck_assert_vo_ok(vo_correlation_id_set("req-42"));
    ck_assert_str_eq(vo_correlation_id_get(), "req-42");
    ck_assert_vo_ok(vo_correlation_id_set(NULL));
    ck_assert_str_eq(vo_correlation_id_get(), "");
}
END_TEST

/* ---- encoding ----------------------------------------------------------------------- */

START_TEST(base64_round_trip_and_strictness)
{
    const unsigned char bin[] = {0xfb, 0xff, 0x00, 0x10, 0x83};
    char b64[16];
    ck_assert_uint_eq(vo_base64_encoded_size(5, VO_BASE64_STANDARD), 9);
    ck_assert_vo_ok(vo_base64_encode(b64, sizeof(b64), bin, 5, VO_BASE64_STANDARD));
    ck_assert_str_eq(b64, "+/8AEIM=");
    ck_assert_vo_ok(vo_base64_encode(b64, sizeof(b64), bin, 5, VO_BASE64_URLSAFE_NOPAD));
    ck_assert_str_eq(b64, "-_8AEIM");
    unsigned char out[8];
    size_t n = 0;
    ck_assert_vo_ok(vo_base64_decode(out, sizeof(out), &n, "+/8AEIM=", 8, VO_BASE64_STANDARD));
    ck_assert_uint_eq(n, 5);
    ck_assert_mem_eq(out, bin, 5);
    /* Non-canonical: padding missing, trailing bits set, whitespace, wrong alphabet. */
    ck_assert_vo_rc(vo_base64_decode(out, sizeof(out), &n, "+/8AEIM", 7, VO_BASE64_STANDARD),
                    VO_EPARSE);
    ck_assert_vo_rc(vo_base64_decode(out, sizeof(out), &n, "+/8AEIN=", 8, VO_BASE64_STANDARD),
                    VO_EPARSE);
    ck_assert_vo_rc(vo_base64_decode(out, sizeof(out), &n, "+/8A EIM=", 9, VO_BASE64_STANDARD),
                    VO_EPARSE);
    ck_assert_vo_rc(vo_base64_decode(out, sizeof(out), &n, "-_8AEIM=", 8, VO_BASE64_STANDARD),
                    VO_EPARSE);
    /* Too small an output buffer is a range error, not a parse error. */
    ck_assert_vo_rc(vo_base64_decode(out, 4, &n, "+/8AEIM=", 8, VO_BASE64_STANDARD), VO_ERANGE);
    ck_assert_vo_rc(vo_base64_decode(out, 4, &n, "+/8AEI!=", 8, VO_BASE64_STANDARD), VO_EPARSE);
    ck_assert_vo_rc(vo_base64_encode(b64, 8, bin, 5, VO_BASE64_STANDARD), VO_ERANGE);
    ck_assert_vo_rc(vo_base64_encode(b64, 16, bin, 5, (vo_base64_variant)9), VO_EINVAL);
    ck_assert_vo_ok(vo_base64_decode(out, sizeof(out), &n, "", 0, VO_BASE64_STANDARD));
    ck_assert_uint_eq(n, 0);
}
END_TEST

/* The decoder for signatures (public data) accepts exactly what vo_base64_decode() accepts,
 * gives the same bytes and the same error codes, over many generated strings. */
START_TEST(base64_public_matches_libsodium_decoder)
{
    static const char chars[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ !\n";
    uint32_t x = 12345;
    int valid = 0;
    for (int iter = 0; iter < 200000; iter++) {
        char text[48];
        size_t len;
        x = x * 1103515245u + 12345u;
        if (x >> 30) { /* mostly the encoding of random bytes, then maybe one byte changed */
            unsigned char bin[30];
            size_t bin_len = (x >> 8) % 31;
            for (size_t i = 0; i < bin_len; i++)
                bin[i] = (unsigned char)((x = x * 1103515245u + 12345u) >> 16);
            ck_assert_vo_ok(
                vo_base64_encode(text, sizeof(text), bin, bin_len, VO_BASE64_STANDARD));
            len = strlen(text);
            x = x * 1103515245u + 12345u;
            if (len && (x >> 28) < 6)
                text[(x >> 8) % len] = chars[(x >> 16) % (sizeof(chars) - 1)];
        } else {
            len = (x >> 8) % 13;
            for (size_t i = 0; i < len; i++)
                text[i] = chars[((x = x * 1103515245u + 12345u) >> 16) % (sizeof(chars) - 1)];
        }
        x = x * 1103515245u + 12345u;
        size_t out_size = (x >> 16) % 26; /* sometimes too small */
        unsigned char a[32], b[32];
        size_t a_len = 99, b_len = 99;
        int ra = vo_base64_decode(a, out_size, &a_len, text, len, VO_BASE64_STANDARD);
        int rb = vo__base64_decode_public(b, out_size, &b_len, text, len);
        if (ra != rb)
            ck_abort_msg("'%.*s' (out_size %zu): vo_base64_decode %d, public %d", (int)len,
                         text, out_size, ra, rb);
        ck_assert_uint_eq(a_len, b_len);
        if (ra == VO_OK) {
            ck_assert_mem_eq(a, b, a_len);
            valid++;
        }
    }
    ck_assert_int_gt(valid, 50000);
}
END_TEST

START_TEST(strn_ieq)
{
    ck_assert(vo__strn_ieq("application/x-www-form-urlencoded", 33,
                           "application/x-www-form-urlencoded"));
    ck_assert(vo__strn_ieq("Application/X-WWW-Form-Urlencoded", 33,
                           "application/x-www-form-urlencoded"));
    ck_assert(vo__strn_ieq("HTTPS://x", 5, "https"));
    ck_assert(!vo__strn_ieq("https", 5, "http"));
    ck_assert(!vo__strn_ieq("http", 4, "https"));
    ck_assert(!vo__strn_ieq("httpz", 5, "https"));
    ck_assert(!vo__strn_ieq("ht\0ps", 5, "https"));
    ck_assert(vo__strn_ieq("", 0, ""));
    ck_assert(!vo__strn_ieq(NULL, 0, ""));
}
END_TEST

/* Correlation ids come from a per-thread pool of random bytes: unique across many ids and
 * threads, and a forked child never hands out the ids its parent will (the pool it
 * inherited is dropped). */
static void *ids_thread(void *arg)
{
    char(*ids)[37] = arg;
    for (int i = 0; i < 500; i++)
        ck_assert_vo_ok(vo_correlation_id_new(ids[i], 37));
    return NULL;
}

static int cmp_id(const void *a, const void *b)
{
    return strcmp(a, b);
}

START_TEST(correlation_ids_unique_threads_and_fork)
{
    static char ids[4 * 500][37];
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, ids_thread, ids[i * 500]), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    qsort(ids, 2000, 37, cmp_id);
    for (int i = 1; i < 2000; i++)
        ck_assert_str_ne(ids[i - 1], ids[i]);
    for (int i = 0; i < 2000; i++)
        ck_assert_int_eq(ids[i][14], '4'); /* version 4 */

    char first[37], parent_next[37], child_next[37] = "";
    ck_assert_vo_ok(vo_correlation_id_new(first, sizeof(first))); /* the pool is filled */
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char id[37];
        int ok = vo_correlation_id_new(id, sizeof(id)) == VO_OK &&
                 write(fds[1], id, sizeof(id)) == (ssize_t)sizeof(id);
        _exit(ok ? 0 : 1);
    }
    ck_assert_vo_ok(vo_correlation_id_new(parent_next, sizeof(parent_next)));
    ck_assert_int_eq(read(fds[0], child_next, sizeof(child_next)), (ssize_t)sizeof(child_next));
    int status = 0;
    waitpid(pid, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(fds[0]);
    close(fds[1]);
    ck_assert_str_ne(parent_next, child_next);
    ck_assert_str_ne(first, child_next);
}
END_TEST

START_TEST(hex_round_trip)
{
    const unsigned char bin[] = {0x00, 0xab, 0xff};
    char hex[7];
    ck_assert_vo_ok(vo_hex_encode(hex, sizeof(hex), bin, 3));
    ck_assert_str_eq(hex, "00abff");
    ck_assert_vo_rc(vo_hex_encode(hex, 6, bin, 3), VO_ERANGE);
    unsigned char out[3];
    size_t n;
    ck_assert_vo_ok(vo_hex_decode(out, 3, &n, "00ABff", 6));
    ck_assert_uint_eq(n, 3);
    ck_assert_mem_eq(out, bin, 3);
    ck_assert_vo_rc(vo_hex_decode(out, 3, &n, "00abf", 5), VO_EPARSE);
    ck_assert_vo_rc(vo_hex_decode(out, 3, &n, "00ag", 4), VO_EPARSE);
    ck_assert_vo_rc(vo_hex_decode(out, 3, &n, "00 a", 4), VO_EPARSE);
    ck_assert_vo_rc(vo_hex_decode(out, 1, &n, "00ab", 4), VO_ERANGE);
    ck_assert_vo_rc(vo_hex_decode(out, 1, &n, "00zz", 4), VO_EPARSE);
}
END_TEST

/* ---- secrets ------------------------------------------------------------------------ */

/* The per-thread cache of keyed MAC states: a key of the same length that differs in any one
 * byte (first, middle, last) never gets another key's state, for every algorithm. */
START_TEST(mac_cache_never_mixes_keys)
{
    const vo__mac_alg algs[] = {VO__MAC_SHA1, VO__MAC_SHA256, VO__MAC_SHA512};
    const char msg[] = "To=%2B15005550006&From=%2B15005550001";
    for (size_t a = 0; a < 3; a++) {
        unsigned char keys[4][32];
        for (int k = 0; k < 4; k++)
            memset(keys[k], 'k', sizeof(keys[k]));
        keys[1][0] = 'K';  /* first byte differs */
        keys[2][16] = 'K'; /* a middle byte differs */
        keys[3][31] = 'K'; /* the last byte differs */
        for (int round = 0; round < 3; round++) {
            for (int k = 0; k < 4; k++) {
                unsigned char want[VO__MAC_MAX_SIZE], got[VO__MAC_MAX_SIZE];
                ck_assert_vo_ok(vo__mac_oneshot(algs[a], keys[k], 32, msg, strlen(msg), want));
                vo__mac *m = NULL;
                ck_assert_vo_ok(vo__mac_cached(&m, algs[a], keys[k], 32));
                ck_assert_vo_ok(vo__mac_begin(m));
                ck_assert_vo_ok(vo__mac_update(m, msg, strlen(msg)));
                ck_assert_vo_ok(vo__mac_final(m, got));
                ck_assert_msg(memcmp(want, got, vo__mac_size(algs[a])) == 0,
                              "alg %zu key %d round %d: the cache gave another key's state", a,
                              k, round);
            }
        }
    }
}
END_TEST

START_TEST(secret_holder)
{
    vo_secret *s = NULL;
    ck_assert_vo_ok(vo_secret_new(&s, "tok\0en", 6));
    ck_assert_uint_eq(vo_secret_len(s), 6);
    ck_assert_mem_eq(vo_secret_data(s), "tok\0en", 6);
    ck_assert_int_eq(vo_secret_data(s)[6], 0);
    ck_assert_str_eq(vo_secret_str(s), "tok");
    vo_secret_free(s);
    ck_assert_vo_ok(vo_secret_new(&s, NULL, 0));
    ck_assert_uint_eq(vo_secret_len(s), 0);
    ck_assert_str_eq(vo_secret_str(s), "");
    vo_secret_free(s);
    vo_secret_free(NULL);
    ck_assert_vo_rc(vo_secret_new(NULL, "x", 1), VO_EINVAL);
    ck_assert_vo_rc(vo_secret_new(&s, NULL, 1), VO_EINVAL);
    ck_assert_ptr_null(s);
    ck_assert_ptr_null(vo_secret_data(NULL));
    ck_assert_uint_eq(vo_secret_len(NULL), 0);
    ck_assert_int_eq(vo_secure_equal("abc", 3, "abc", 3), 1);
    ck_assert_int_eq(vo_secure_equal("abc", 3, "abd", 3), 0);
    ck_assert_int_eq(vo_secure_equal("abc", 3, "abcd", 4), 0);
    ck_assert_int_eq(vo_secure_equal(NULL, 0, "", 0), 0);
    vo_free(NULL);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("core");
    TCase *t = tcase_create("core");
    tcase_add_test(t, version_query);
    tcase_add_test(t, init_is_reference_counted);
    tcase_add_test(t, error_last_never_null);
    tcase_add_test(t, error_is_thread_local);
    tcase_add_test(t, strerror_and_names);
    tcase_add_test(t, redaction_patterns);
    tcase_add_test(t, redaction_keeps_library_words);
    tcase_add_test(t, log_callback_levels_and_redaction);
    tcase_add_test(t, error_messages_are_redacted);
    tcase_add_test(t, correlation_ids);
    tcase_add_test(t, base64_round_trip_and_strictness);
    tcase_add_test(t, hex_round_trip);
    tcase_add_test(t, base64_public_matches_libsodium_decoder);
    tcase_add_test(t, strn_ieq);
    tcase_add_test(t, correlation_ids_unique_threads_and_fork);
    tcase_add_test(t, secret_holder);
    tcase_add_test(t, mac_cache_never_mixes_keys);
    suite_add_tcase(s, t);
    return s;
}

VO_TEST_MAIN(suite)
