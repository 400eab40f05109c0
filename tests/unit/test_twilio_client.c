/* The Twilio REST client against the sandbox server over real loopback HTTP: every
 * operation, paging, error mapping, the retry policy proven from the sandbox request log,
 * timeouts, the circuit breaker, 16 threads on one client, and logs without secrets. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "sandbox.h"

#include <dirent.h>
#include <sqlite3.h>
#include <sys/stat.h>

#define ACCT "AC0123456789abcdef0123456789abcdef"
#define TOKEN "0f1e2d3c4b5a69780f1e2d3c4b5a6978"
#define ACCT2 "ACfedcba9876543210fedcba9876543210"
#define TOKEN2 "a1b2c3d4e5f60718a1b2c3d4e5f60718"
#define NUMBERS_PATH "/2010-04-01/Accounts/" ACCT "/IncomingPhoneNumbers.json"
#define CALLS_PATH "/2010-04-01/Accounts/" ACCT "/Calls.json"
#define MESSAGES_PATH "/2010-04-01/Accounts/" ACCT "/Messages.json"
#define ACCOUNT_PATH "/2010-04-01/Accounts/" ACCT ".json"

static vo_test_server fixture; /* http fixture, for error shapes the sandbox does not make */

#define KEYS_PATH "/2010-04-01/Accounts/" ACCT "/Keys.json"
static void clear_log(void);

static void vault_dir_up(void);
static void vault_dir_down(void);

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void seed(void)
{
    vault_dir_up();
    sandbox_up();
    sandbox_ctl_ok("POST", "/__sandbox/twilio/accounts",
                   "{\"account_sid\":\"" ACCT "\",\"auth_token\":\"" TOKEN
                   "\",\"friendly_name\":\"Tenant 42\"}",
                   201);
    sandbox_ctl_ok("POST", "/__sandbox/twilio/accounts",
                   "{\"account_sid\":\"" ACCT2 "\",\"auth_token\":\"" TOKEN2 "\"}", 201);
    sandbox_ctl_ok(
        "POST", "/__sandbox/twilio/accounts/" ACCT "/numbers",
        "{\"numbers\":[\"+15005550001\",\"+15005550002\",\"+15005550003\",\"+15005550004\","
        "\"+15005550005\",\"+15005550006\",{\"phone_number\":\"+15005550007\",\"friendly_name\":\"front desk\"}]}",
        201);
}

static void unseed(void)
{
    sandbox_down();
    vault_dir_down();
}

static vo_twilio_credentials *creds(const char *sid, const char *token)
{
    vo_twilio_credentials *c = NULL;
    ck_assert_vo_ok(vo_twilio_credentials_new(&c));
    ck_assert_vo_ok(vo_twilio_credentials_set_account_sid(c, sid));
    if (token)
        ck_assert_vo_ok(vo_twilio_credentials_set_auth_token(c, token));
    return c;
}

/* The tests' vault: a temporary SQLite file, opened per use (tests run in forked children). */
static char vault_dir[256], vault_path[300];

static void vault_dir_up(void)
{
    snprintf(vault_dir, sizeof(vault_dir), "/tmp/vo-twilio-test-XXXXXX");
    if (!mkdtemp(vault_dir))
        exit(2);
    snprintf(vault_path, sizeof(vault_path), "%s/vault.db", vault_dir);
}

static void vault_dir_down(void)
{
    char p[400];
    const char *files[] = {"vault.db", "vault.db-wal", "vault.db-shm", "vault.db-journal"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof(p), "%s/%s", vault_dir, files[i]);
        unlink(p);
    }
    rmdir(vault_dir);
}

static vo_vault *vault_open(void)
{
    vo_keyring *kr = NULL;
    ck_assert_vo_ok(vo_keyring_new(&kr));
    unsigned char k[32];
    for (int i = 0; i < 32; i++)
        k[i] = (unsigned char)(i * 7 + 3);
    ck_assert_vo_ok(vo_keyring_add_key(kr, "k1", k, 32));
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    o.actor = "twilio-tests";
    vo_vault *v = NULL;
    ck_assert_vo_ok(vo_vault_open(&v, vault_path, &o));
    vo_keyring_free(kr);
    return v;
}

/* Store (sid, token) as the tenant's Twilio credentials. */
static void vault_store(vo_vault *v, const char *tenant, const char *sid, const char *token)
{
    int rc = vo_vault_tenant_create(v, tenant);
    ck_assert_msg(rc == VO_OK || rc == VO_EEXISTS, "tenant_create: %s", vo_error_name(rc));
    vo_twilio_credentials *c = creds(sid, token);
    ck_assert_vo_ok(vo_twilio_credentials_put(NULL, v, tenant, c, VO_VAULT_ANY_VERSION));
    vo_twilio_credentials_free(c);
}

/* Every client of these tests is tenant-scoped: credentials go into the vault and the
 * client comes from vo_twilio_client_for_tenant(). */
static vo_twilio_client *client_opts(const char *sid, const char *token,
                                     const vo_http_options *http)
{
    char tenant[64];
    snprintf(tenant, sizeof(tenant), "tenant-%.12s", sid + 2);
    vo_vault *v = vault_open();
    vault_store(v, tenant, sid, token);
    vo_twilio_options o = VO_TWILIO_OPTIONS_INIT;
    o.api_base_url = sandbox.url;
    o.accounts_base_url = sandbox.url;
    o.http = http;
    vo_twilio_client *c = NULL;
    ck_assert_vo_ok(vo_twilio_client_for_tenant(&c, v, tenant, &o));
    ck_assert_int_eq(vo_twilio_client_is_fallback(c), 0);
    vo_vault_close(v);
    return c;
}

static vo_twilio_client *client(void)
{
    vo_http_options h = VO_HTTP_OPTIONS_INIT;
    h.backoff_base_ms = 20;
    h.backoff_max_ms = 100;
    return client_opts(ACCT, TOKEN, &h);
}

static const char *sid_of_number(vo_twilio_client *c, const char *e164, char *out, size_t size)
{
    vo_param f[] = {{"PhoneNumber", e164}};
    vo_twilio_iter *it = NULL;
    ck_assert_vo_ok(vo_twilio_numbers_list(&it, c, f, 1));
    const vo_twilio_resource *item = NULL;
    ck_assert_vo_ok(vo_twilio_iter_next(&item, it));
    ck_assert_ptr_nonnull(item);
    snprintf(out, size, "%s", vo_twilio_resource_sid(item));
    vo_twilio_iter_free(it);
    return out;
}

/* ---- construction -------------------------------------------------------------------- */

START_TEST(construction_and_base_urls)
{
    vo_twilio_credentials *cr = creds(ACCT, TOKEN);
    vo_twilio_client *c = NULL;
    ck_assert_vo_ok(vo_twilio_client_new(&c, cr, NULL));
    ck_assert_str_eq(vo_twilio_client_api_base_url(c), "https://api.twilio.com");
    ck_assert_str_eq(vo_twilio_client_account_sid(c), ACCT);
    ck_assert_ptr_nonnull(vo_twilio_client_http(c));
    vo_twilio_client_free(c);

    vo_twilio_options o = VO_TWILIO_OPTIONS_INIT;
    o.region = "ie1";
    o.edge = "dublin";
    ck_assert_vo_ok(vo_twilio_client_new(&c, cr, &o));
    ck_assert_str_eq(vo_twilio_client_api_base_url(c), "https://api.dublin.ie1.twilio.com");
    vo_twilio_client_free(c);
    o.region = "au1";
    o.edge = NULL;
    ck_assert_vo_ok(vo_twilio_client_new(&c, cr, &o));
    ck_assert_str_eq(vo_twilio_client_api_base_url(c), "https://api.au1.twilio.com");
    vo_twilio_client_free(c);
    o.region = NULL;
    o.edge = "sydney";
    ck_assert_vo_ok(vo_twilio_client_new(&c, cr, &o));
    ck_assert_str_eq(vo_twilio_client_api_base_url(c), "https://api.sydney.us1.twilio.com");
    vo_twilio_client_free(c);
    o.edge = "evil.com/x";
    ck_assert_vo_rc(vo_twilio_client_new(&c, cr, &o), VO_EINVAL);

    /* a shared transport */
    vo_http_client *h = NULL;
    ck_assert_vo_ok(vo_http_client_new(&h, NULL));
    vo_twilio_options so = VO_TWILIO_OPTIONS_INIT;
    so.http_client = h;
    so.api_base_url = "http://127.0.0.1:9/";
    ck_assert_vo_ok(vo_twilio_client_new(&c, cr, &so));
    ck_assert_ptr_eq(vo_twilio_client_http(c), h);
    ck_assert_str_eq(vo_twilio_client_api_base_url(c), "http://127.0.0.1:9");
    vo_twilio_client_free(c);
    vo_http_client_free(h);

    /* region and edge stored with the credentials */
    ck_assert_vo_ok(vo_twilio_credentials_set_region(cr, "ie1"));
    ck_assert_vo_ok(vo_twilio_credentials_set_edge(cr, "dublin"));
    ck_assert_vo_ok(vo_twilio_client_new(&c, cr, NULL));
    ck_assert_str_eq(vo_twilio_client_api_base_url(c), "https://api.dublin.ie1.twilio.com");
    vo_twilio_client_free(c);

    /* incomplete credentials are refused before any request */
    vo_twilio_credentials *bad = creds(ACCT, NULL);
    ck_assert_vo_rc(vo_twilio_client_new(&c, bad, NULL), VO_EINVAL); /* no secret */
    ck_assert_ptr_null(c);
    vo_twilio_credentials_free(bad);
    ck_assert_vo_rc(vo_twilio_client_new(&c, NULL, NULL), VO_EINVAL);
    /* with both an API key and a token, the API key is used */
    ck_assert_vo_ok(vo_twilio_credentials_set_api_key(cr, "SK0123456789abcdef0123456789abcdef",
                                                      "abcdefABCDEF0123456789abcdefABCD"));
    ck_assert_vo_ok(vo_twilio_client_new(&c, cr, NULL));
    vo_twilio_client_free(c);
    vo_twilio_credentials_free(cr);
    vo_twilio_client_free(NULL);
}
END_TEST

START_TEST(error_code_table)
{
    ck_assert_int_eq(vo_twilio_error_code(401, 20003), VO_EAUTH);
    ck_assert_int_eq(vo_twilio_error_code(404, 20404), VO_ENOTFOUND);
    ck_assert_int_eq(vo_twilio_error_code(400, 21211), VO_EVALIDATION);
    ck_assert_int_eq(vo_twilio_error_code(422, 0), VO_EVALIDATION);
    ck_assert_int_eq(vo_twilio_error_code(429, 20429), VO_ERATELIMIT);
    ck_assert_int_eq(vo_twilio_error_code(403, 0), VO_EFORBIDDEN);
    ck_assert_int_eq(vo_twilio_error_code(401, 20005), VO_EFORBIDDEN);
    ck_assert_int_eq(vo_twilio_error_code(409, 0), VO_ECONFLICT);
    ck_assert_int_eq(vo_twilio_error_code(500, 0), VO_EUNAVAILABLE);
    ck_assert_int_eq(vo_twilio_error_code(503, 20503), VO_EUNAVAILABLE);
    ck_assert_int_eq(vo_twilio_error_code(504, 0), VO_ETIMEOUT);
    ck_assert_int_eq(vo_twilio_error_code(302, 0), VO_EPROTOCOL);
}
END_TEST

/* ---- tenant scoping ------------------------------------------------------------------ */

/* Audit rows recording a Twilio fallback for a tenant (the chain must verify too). */
static long fallback_rows(vo_vault *v, const char *tenant)
{
    int64_t rows = 0, bad = 0;
    int reason = 0;
    ck_assert_vo_ok(vo_vault_audit_verify(&rows, &bad, &reason, v));
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open_v2(vault_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    ck_assert_int_eq(
        sqlite3_prepare_v2(db,
                           "SELECT count(*) FROM audit WHERE action = 'twilio.fallback'"
                           " AND tenant = ?1 AND name = 'credentials/twilio'",
                           -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    long n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

START_TEST(tenant_without_credentials_and_fallback)
{
    vo_vault *v = vault_open();
    vault_store(v, "service-account", ACCT2, TOKEN2);
    ck_assert_int_ge(vo_vault_tenant_create(v, "tenant-empty"), VO_EEXISTS);
    vo_twilio_options o = VO_TWILIO_OPTIONS_INIT;
    o.api_base_url = sandbox.url;
    vo_twilio_client *c = NULL;
    /* default: no fallback, a clear error */
    ck_assert_vo_rc(vo_twilio_client_for_tenant(&c, v, "tenant-empty", &o), VO_ENOTFOUND);
    ck_assert_ptr_null(c);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "fallback is off"));
    ck_assert_vo_rc(vo_twilio_client_for_tenant(&c, v, "tenant-empty", NULL), VO_ENOTFOUND);
    /* explicit fallback without naming the service account is refused */
    o.allow_service_account_fallback = 1;
    ck_assert_vo_rc(vo_twilio_client_for_tenant(&c, v, "tenant-empty", &o), VO_EINVAL);
    /* explicit fallback: works, flagged, and audited */
    o.service_account_tenant = "service-account";
    ck_assert_int_eq(fallback_rows(v, "tenant-empty"), 0);
    ck_assert_vo_ok(vo_twilio_client_for_tenant(&c, v, "tenant-empty", &o));
    ck_assert_int_eq(vo_twilio_client_is_fallback(c), 1);
    ck_assert_str_eq(vo_twilio_client_account_sid(c), ACCT2);
    ck_assert_int_eq(fallback_rows(v, "tenant-empty"), 1);
    vo_twilio_resource *r = NULL;
    ck_assert_vo_ok(vo_twilio_account_get(&r, c));
    vo_twilio_resource_free(r);
    vo_twilio_client_free(c);
    /* a tenant with its own credentials never falls back */
    vault_store(v, "tenant-own", ACCT, TOKEN);
    ck_assert_vo_ok(vo_twilio_client_for_tenant(&c, v, "tenant-own", &o));
    ck_assert_int_eq(vo_twilio_client_is_fallback(c), 0);
    ck_assert_str_eq(vo_twilio_client_account_sid(c), ACCT);
    vo_twilio_client_free(c);
    ck_assert_vo_rc(vo_twilio_client_for_tenant(&c, v, "", &o), VO_EINVAL);
    ck_assert_vo_rc(vo_twilio_client_for_tenant(&c, NULL, "x", &o), VO_EINVAL);
    vo_vault_close(v);
}
END_TEST

/* Issue 9: the fallback is taken only when it is allowed and only for a tenant that has no
 * credentials at all; a service account named but not allowed changes nothing, and a
 * tenant whose credentials are corrupt gets that error, never the service account. */
START_TEST(fallback_only_when_allowed_and_absent)
{
    vo_vault *v = vault_open();
    vault_store(v, "service-account", ACCT2, TOKEN2);
    ck_assert_int_ge(vo_vault_tenant_create(v, "tenant-bare"), VO_EEXISTS);
    vo_twilio_options o = VO_TWILIO_OPTIONS_INIT;
    o.api_base_url = sandbox.url;
    o.service_account_tenant = "service-account"; /* configured ... */
    o.allow_service_account_fallback = 0;         /* ... but not allowed */
    vo_twilio_client *c = NULL;
    ck_assert_vo_rc(vo_twilio_client_for_tenant(&c, v, "tenant-bare", &o), VO_ENOTFOUND);
    ck_assert_ptr_null(c);
    ck_assert_int_eq(fallback_rows(v, "tenant-bare"), 0);
    /* corrupt credentials (not the JSON credentials document) with fallback allowed */
    ck_assert_int_ge(vo_vault_tenant_create(v, "tenant-corrupt"), VO_EEXISTS);
    ck_assert_vo_ok(vo_vault_secret_put(NULL, v, "tenant-corrupt", VO_CREDENTIALS_TWILIO_NAME,
                                        "{not json", 9, VO_VAULT_ANY_VERSION));
    o.allow_service_account_fallback = 1;
    int rc = vo_twilio_client_for_tenant(&c, v, "tenant-corrupt", &o);
    ck_assert_msg(rc != VO_OK && rc != VO_ENOTFOUND, "got %s", vo_error_name(rc));
    ck_assert_ptr_null(c);
    ck_assert_int_eq(fallback_rows(v, "tenant-corrupt"), 0);
    vo_vault_close(v);
}
END_TEST

/* Issue 9: an http:// base URL to a host other than loopback sent Basic credentials in clear
 * text; user info in a base URL was logged verbatim. Both are refused when the client is
 * created; loopback stays allowed (the sandbox), and allow_insecure_http opts in. */
START_TEST(cleartext_and_user_info_refused)
{
    vo_twilio_credentials *cr = creds(ACCT, TOKEN);
    vo_twilio_client *c = NULL;
    vo_twilio_options o = VO_TWILIO_OPTIONS_INIT;
    static const char *const refused[] = {
        "http://api.example.com",
        "http://127.0.0.1.evil.example:8080",
        "http://10.0.0.1",
        "http://[2001:db8::1]:80",
        "http://localhost.example.com",
        "HTTP://api.example.com",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        o.api_base_url = refused[i];
        ck_assert_msg(vo_twilio_client_new(&c, cr, &o) == VO_EINVAL, "accepted %s", refused[i]);
        ck_assert_ptr_null(c);
        if (refused[i][0] == 'h')
            ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "clear text"));
    }
    o.api_base_url = "https://api.example.com";
    o.accounts_base_url = "http://accounts.example.com";
    ck_assert_vo_rc(vo_twilio_client_new(&c, cr, &o), VO_EINVAL);
    o.accounts_base_url = NULL;
    static const char *const loopback[] = {"http://127.0.0.1:9", "http://127.1.2.3:9/p",
                                           "http://localhost:9", "http://LOCALHOST",
                                           "http://[::1]:9"};
    for (size_t i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++) {
        o.api_base_url = loopback[i];
        ck_assert_msg(vo_twilio_client_new(&c, cr, &o) == VO_OK, "refused %s: %s", loopback[i],
                      vo_error_last()->message);
        vo_twilio_client_free(c);
    }
    /* the explicit opt-in */
    o.api_base_url = "http://api.example.com";
    o.allow_insecure_http = 1;
    ck_assert_vo_ok(vo_twilio_client_new(&c, cr, &o));
    vo_twilio_client_free(c);
    /* user info: refused, with or without the opt-in, and never echoed */
    o.api_base_url = "https://AC1:hunter2@api.example.com";
    ck_assert_vo_rc(vo_twilio_client_new(&c, cr, &o), VO_EINVAL);
    ck_assert_ptr_null(strstr(vo_error_last()->message, "hunter2"));
    o.api_base_url = "http://u:hunter2@127.0.0.1:9";
    ck_assert_vo_rc(vo_twilio_client_new(&c, cr, &o), VO_EINVAL);
    /* a version-1 caller (without the field) gets the safe default */
    vo_twilio_options v1 = VO_TWILIO_OPTIONS_INIT;
    v1.version = 1;
    v1.api_base_url = "http://api.example.com";
    ck_assert_vo_rc(vo_twilio_client_new(&c, cr, &v1), VO_EINVAL);
    vo_twilio_credentials_free(cr);
}
END_TEST

/* ---- operations ---------------------------------------------------------------------- */

START_TEST(account_fetch_and_auth_errors)
{
    vo_twilio_client *c = client();
    vo_twilio_resource *a = NULL;
    ck_assert_vo_ok(vo_twilio_account_get(&a, c));
    ck_assert_str_eq(vo_twilio_resource_sid(a), ACCT);
    ck_assert_str_eq(vo_twilio_resource_status(a), "active");
    ck_assert_str_eq(vo_twilio_resource_friendly_name(a), "Tenant 42");
    ck_assert_ptr_null(strstr(vo_twilio_resource_json(a), TOKEN)); /* auth_token stripped */
    ck_assert_ptr_null(vo_twilio_resource_str(a, "auth_token"));
    ck_assert_str_ne(vo_twilio_resource_request_id(a), "");
    vo_twilio_resource_free(a);
    vo_twilio_client_free(c);

    c = client_opts(ACCT, "00000000000000000000000000000000", NULL);
    ck_assert_vo_rc(vo_twilio_account_get(&a, c), VO_EAUTH);
    ck_assert_ptr_null(a);
    const vo_error *e = vo_error_last();
    ck_assert_int_eq(e->http_status, 401);
    ck_assert_int_eq(e->provider_code, 20003);
    ck_assert_str_ne(e->provider_request_id, "");
    ck_assert_str_ne(e->correlation_id, "");
    ck_assert_str_eq(e->more_info, "https://www.twilio.com/docs/errors/20003");
    vo_twilio_client_free(c);
}
END_TEST

START_TEST(numbers_list_pages_and_filters)
{
    vo_twilio_client *c = client();
    vo_param f[] = {{"PageSize", "3"}};
    vo_twilio_iter *it = NULL;
    ck_assert_vo_ok(vo_twilio_numbers_list(&it, c, f, 1));
    int n = 0;
    const vo_twilio_resource *item = NULL;
    for (;;) {
        ck_assert_vo_ok(vo_twilio_iter_next(&item, it));
        if (!item)
            break;
        n++;
        ck_assert_str_eq(vo_twilio_resource_account_sid(item), ACCT);
        ck_assert_ptr_nonnull(vo_twilio_resource_phone_number(item));
        ck_assert_ptr_nonnull(strstr(vo_twilio_resource_json(item), "\"sid\":\"PN"));
        int voice = 0;
        ck_assert_vo_ok(vo_twilio_resource_bool(&voice, item, "capabilities.voice"));
    }
    ck_assert_int_ge(n, 7);
    ck_assert_int_ge(vo_twilio_iter_pages(it), 3);
    ck_assert_vo_ok(vo_twilio_iter_next(&item, it)); /* stays at the end */
    ck_assert_ptr_null(item);
    vo_twilio_iter_free(it);

    vo_param byname[] = {{"FriendlyName", "front desk"}};
    ck_assert_vo_ok(vo_twilio_numbers_list(&it, c, byname, 1));
    ck_assert_vo_ok(vo_twilio_iter_next(&item, it));
    ck_assert_ptr_nonnull(item);
    ck_assert_str_eq(vo_twilio_resource_phone_number(item), "+15005550007");
    ck_assert_vo_ok(vo_twilio_iter_next(&item, it));
    ck_assert_ptr_null(item);
    vo_twilio_iter_free(it);
    vo_twilio_client_free(c);
}
END_TEST

START_TEST(numbers_fetch_update_not_found)
{
    vo_twilio_client *c = client();
    char sid[64];
    sid_of_number(c, "+15005550002", sid, sizeof(sid));
    vo_param upd[] = {{"VoiceUrl", "https://example.com/voice"},
                      {"VoiceMethod", "POST"},
                      {"SmsUrl", "https://example.com/sms"},
                      {"FriendlyName", "support line"},
                      {"StatusCallback", "https://example.com/status"}};
    vo_twilio_resource *r = NULL;
    ck_assert_vo_ok(vo_twilio_numbers_update(&r, c, sid, upd, 5));
    ck_assert_str_eq(vo_twilio_resource_str(r, "voice_url"), "https://example.com/voice");
    vo_twilio_resource_free(r);
    ck_assert_vo_ok(vo_twilio_numbers_get(&r, c, sid));
    ck_assert_str_eq(vo_twilio_resource_friendly_name(r), "support line");
    ck_assert_str_eq(vo_twilio_resource_str(r, "sms_url"), "https://example.com/sms");
    ck_assert_str_eq(vo_twilio_resource_str(r, "status_callback"),
                     "https://example.com/status");
    vo_twilio_resource_free(r);

    ck_assert_vo_rc(vo_twilio_numbers_get(&r, c, "PN00000000000000000000000000000000"),
                    VO_ENOTFOUND);
    ck_assert_int_eq(vo_error_last()->provider_code, 20404);
    ck_assert_int_eq(vo_error_last()->http_status, 404);
    /* SIDs are validated: nothing can be smuggled into the path */
    ck_assert_vo_rc(vo_twilio_numbers_get(&r, c, "PN../../../Accounts.json?x=1234567890"),
                    VO_EINVAL);
    ck_assert_vo_rc(vo_twilio_numbers_update(&r, c, sid, NULL, 0), VO_EINVAL);
    vo_twilio_client_free(c);
}
END_TEST

START_TEST(available_search_purchase_release)
{
    vo_twilio_client *c = client();
    vo_param f[] = {{"PageSize", "2"}, {"VoiceEnabled", "true"}};
    vo_twilio_iter *it = NULL;
    ck_assert_vo_ok(vo_twilio_available_numbers_search(&it, c, "US", "Local", f, 2));
    const vo_twilio_resource *item = NULL;
    ck_assert_vo_ok(vo_twilio_iter_next(&item, it));
    ck_assert_ptr_nonnull(item);
    char pn[32];
    snprintf(pn, sizeof(pn), "%s", vo_twilio_resource_phone_number(item));
    int n = 1;
    while (vo_twilio_iter_next(&item, it) == VO_OK && item)
        n++;
    ck_assert_int_ge(n, 3); /* crossed a page boundary */
    vo_twilio_iter_free(it);
    ck_assert_vo_rc(vo_twilio_available_numbers_search(&it, c, "us", "Local", NULL, 0),
                    VO_EINVAL);
    ck_assert_vo_rc(vo_twilio_available_numbers_search(&it, c, "US", "Cheap", NULL, 0),
                    VO_EINVAL);

    vo_param buy[] = {
        {"PhoneNumber", pn}, {"FriendlyName", "bought"}, {"VoiceUrl", "https://example.com/v"}};
    vo_twilio_resource *r = NULL;
    ck_assert_vo_ok(vo_twilio_numbers_purchase(&r, c, buy, 3));
    ck_assert_str_eq(vo_twilio_resource_phone_number(r), pn);
    char sid[64];
    snprintf(sid, sizeof(sid), "%s", vo_twilio_resource_sid(r));
    vo_twilio_resource_free(r);
    ck_assert_int_eq(sandbox_count("POST", NUMBERS_PATH), 1);
    ck_assert_vo_rc(vo_twilio_numbers_purchase(&r, c, buy + 1, 1), VO_EINVAL);

    ck_assert_vo_ok(vo_twilio_numbers_release(c, sid));
    ck_assert_vo_rc(vo_twilio_numbers_get(&r, c, sid), VO_ENOTFOUND);
    ck_assert_vo_rc(vo_twilio_numbers_release(c, sid), VO_ENOTFOUND);
    vo_twilio_client_free(c);
}
END_TEST

START_TEST(calls_create_fetch_list_update)
{
    vo_twilio_client *c = client();
    vo_param p[] = {{"Url", "https://example.com/twiml"},
                    {"StatusCallback", "https://example.com/cb"},
                    {"StatusCallbackEvent", "initiated"},
                    {"StatusCallbackEvent", "completed"},
                    {"Timeout", "20"},
                    {"MachineDetection", "Enable"}};
    vo_twilio_resource *r = NULL;
    ck_assert_vo_ok(vo_twilio_calls_create(&r, c, "+14155550123", "+15005550001", p, 6));
    char sid[64];
    snprintf(sid, sizeof(sid), "%s", vo_twilio_resource_sid(r));
    ck_assert_int_eq(strncmp(sid, "CA", 2), 0);
    ck_assert_ptr_nonnull(vo_twilio_resource_status(r));
    vo_twilio_resource_free(r);

    ck_assert_vo_ok(vo_twilio_calls_get(&r, c, sid));
    ck_assert_str_eq(vo_twilio_resource_str(r, "to"), "+14155550123");
    vo_twilio_resource_free(r);

    vo_param f[] = {{"To", "+14155550123"}};
    vo_twilio_iter *it = NULL;
    ck_assert_vo_ok(vo_twilio_calls_list(&it, c, f, 1));
    const vo_twilio_resource *item = NULL;
    ck_assert_vo_ok(vo_twilio_iter_next(&item, it));
    ck_assert_ptr_nonnull(item);
    ck_assert_str_eq(vo_twilio_resource_sid(item), sid);
    vo_twilio_iter_free(it);

    vo_param hang[] = {{"Status", "completed"}};
    ck_assert_vo_ok(vo_twilio_calls_update(&r, c, sid, hang, 1));
    ck_assert_str_eq(vo_twilio_resource_status(r), "completed");
    vo_twilio_resource_free(r);

    /* validation: missing Url/Twiml/ApplicationSid locally, bad number at Twilio */
    ck_assert_vo_rc(vo_twilio_calls_create(&r, c, "+14155550123", "+15005550001", NULL, 0),
                    VO_EINVAL);
    ck_assert_vo_rc(vo_twilio_calls_create(&r, c, "not-a-number", "+15005550001", p, 1),
                    VO_EVALIDATION);
    ck_assert_int_eq(vo_error_last()->provider_code, 21211);
    ck_assert_int_eq(vo_error_last()->http_status, 400);
    ck_assert_vo_rc(vo_twilio_calls_get(&r, c, "CA00000000000000000000000000000000"),
                    VO_ENOTFOUND);
    vo_twilio_client_free(c);
}
END_TEST

START_TEST(messages_create_fetch_list)
{
    vo_twilio_client *c = client();
    vo_param p[] = {{"From", "+15005550001"}, {"Body", "Your code is 1234"}};
    vo_twilio_resource *r = NULL;
    ck_assert_vo_ok(vo_twilio_messages_create(&r, c, "+14155550199", p, 2));
    char sid[64];
    snprintf(sid, sizeof(sid), "%s", vo_twilio_resource_sid(r));
    ck_assert_str_eq(vo_twilio_resource_str(r, "body"), "Your code is 1234");
    vo_twilio_resource_free(r);
    ck_assert_vo_ok(vo_twilio_messages_get(&r, c, sid));
    ck_assert_str_eq(vo_twilio_resource_str(r, "to"), "+14155550199");
    vo_twilio_resource_free(r);
    vo_param f[] = {{"To", "+14155550199"}, {"PageSize", "1"}};
    vo_twilio_iter *it = NULL;
    ck_assert_vo_ok(vo_twilio_messages_list(&it, c, f, 2));
    const vo_twilio_resource *item = NULL;
    ck_assert_vo_ok(vo_twilio_iter_next(&item, it));
    ck_assert_ptr_nonnull(item);
    ck_assert_str_eq(vo_twilio_resource_sid(item), sid);
    vo_twilio_iter_free(it);
    ck_assert_vo_rc(vo_twilio_messages_create(&r, c, "+14155550199", p, 1),
                    VO_EINVAL); /* no Body */
    ck_assert_vo_rc(vo_twilio_messages_create(&r, c, "+14155550199", p + 1, 1),
                    VO_EINVAL); /* no From */
    vo_twilio_client_free(c);
}
END_TEST

START_TEST(subaccounts_and_api_keys)
{
    vo_twilio_client *c = client();
    vo_twilio_resource *r = NULL;
    vo_secret *sub_token = NULL;
    ck_assert_vo_ok(vo_twilio_subaccounts_create(&r, &sub_token, c, "tenant-43"));
    ck_assert_ptr_nonnull(sub_token);
    ck_assert_uint_eq(vo_secret_len(sub_token), 32);
    ck_assert_ptr_null(strstr(vo_twilio_resource_json(r), vo_secret_str(sub_token)));
    char sub_sid[64];
    snprintf(sub_sid, sizeof(sub_sid), "%s", vo_twilio_resource_sid(r));
    vo_twilio_resource_free(r);
    vo_param f[] = {{"FriendlyName", "tenant-43"}};
    vo_twilio_iter *it = NULL;
    ck_assert_vo_ok(vo_twilio_subaccounts_list(&it, c, f, 1));
    const vo_twilio_resource *item = NULL;
    ck_assert_vo_ok(vo_twilio_iter_next(&item, it));
    ck_assert_ptr_nonnull(item);
    ck_assert_str_eq(vo_twilio_resource_sid(item), sub_sid);
    ck_assert_ptr_null(strstr(vo_twilio_resource_json(item), vo_secret_str(sub_token)));
    vo_twilio_iter_free(it);
    /* the subaccount's own credentials work */
    vo_twilio_client *sc = client_opts(sub_sid, vo_secret_str(sub_token), NULL);
    ck_assert_vo_ok(vo_twilio_account_get(&r, sc));
    vo_twilio_resource_free(r);
    vo_twilio_client_free(sc);
    vo_secret_free(sub_token);

    vo_secret *secret = NULL;
    ck_assert_vo_ok(vo_twilio_keys_create(&r, &secret, c, "ci key"));
    ck_assert_ptr_nonnull(secret);
    ck_assert_uint_gt(vo_secret_len(secret), 8);
    ck_assert_ptr_null(vo_twilio_resource_str(r, "secret"));
    ck_assert_ptr_null(strstr(vo_twilio_resource_json(r), vo_secret_str(secret)));
    char key_sid[64];
    snprintf(key_sid, sizeof(key_sid), "%s", vo_twilio_resource_sid(r));
    vo_twilio_resource_free(r);
    ck_assert_vo_rc(vo_twilio_keys_create(&r, NULL, c, "x"), VO_EINVAL);

    /* an API key stored in the vault authenticates a tenant's client (seeded here with a
     * known letters-and-digits secret, like Twilio's). */
#define SEEDED_KEY "SKabcdef0123456789abcdef0123456789"
#define SEEDED_SECRET "Zq3xV9mK2pL7wN4rT8yB1cF6hJ0dG5sA"
    sandbox_ctl_ok("POST", "/__sandbox/twilio/accounts/" ACCT "/keys",
                   "{\"sid\":\"" SEEDED_KEY "\",\"secret\":\"" SEEDED_SECRET "\"}", 201);
    vo_vault *v = vault_open();
    ck_assert_int_ge(vo_vault_tenant_create(v, "tenant-keyed"), VO_EEXISTS);
    vo_twilio_credentials *kc = creds(ACCT, NULL);
    ck_assert_vo_ok(vo_twilio_credentials_set_api_key(kc, SEEDED_KEY, SEEDED_SECRET));
    ck_assert_vo_ok(
        vo_twilio_credentials_put(NULL, v, "tenant-keyed", kc, VO_VAULT_ANY_VERSION));
    vo_twilio_credentials_free(kc);
    vo_twilio_options o = VO_TWILIO_OPTIONS_INIT;
    o.api_base_url = sandbox.url;
    vo_twilio_client *kcl = NULL;
    ck_assert_vo_ok(vo_twilio_client_for_tenant(&kcl, v, "tenant-keyed", &o));
    vo_vault_close(v);
    ck_assert_vo_ok(vo_twilio_account_get(&r, kcl));
    vo_twilio_resource_free(r);

    ck_assert_vo_ok(vo_twilio_keys_list(&it, c, NULL, 0));
    bool found = false;
    while (vo_twilio_iter_next(&item, it) == VO_OK && item) {
        ck_assert_ptr_null(vo_twilio_resource_str(item, "secret"));
        found = found || strcmp(vo_twilio_resource_sid(item), key_sid) == 0;
    }
    ck_assert(found);
    vo_twilio_iter_free(it);
    ck_assert_vo_ok(vo_twilio_keys_delete(c, key_sid));
    ck_assert_vo_ok(vo_twilio_keys_delete(c, SEEDED_KEY));
    ck_assert_vo_rc(vo_twilio_account_get(&r, kcl), VO_EAUTH);
    vo_twilio_client_free(kcl);
    vo_secret_free(secret);
    vo_twilio_client_free(c);
}
END_TEST

START_TEST(api_key_created_into_vault)
{
    vo_twilio_client *c = client();
    vo_vault *v = vault_open();
    /* The tenant already has an auth token: the key is added, the token kept. */
    vault_store(v, "tenant-vaulted", ACCT, TOKEN);
    vo_twilio_resource *key = NULL;
    ck_assert_vo_ok(vo_twilio_keys_create_in_vault(&key, c, v, "tenant-vaulted", "vaulted"));
    ck_assert_ptr_null(vo_twilio_resource_str(key, "secret"));
    char key_sid[64];
    snprintf(key_sid, sizeof(key_sid), "%s", vo_twilio_resource_sid(key));
    vo_twilio_resource_free(key);
    vo_twilio_credentials *got = NULL;
    int64_t version = 0;
    ck_assert_vo_ok(vo_twilio_credentials_get(&got, &version, v, "tenant-vaulted"));
    ck_assert_int_ge(version, 2);
    ck_assert_str_eq(vo_twilio_credentials_api_key_sid(got), key_sid);
    ck_assert_uint_eq(strlen(vo_twilio_credentials_api_key_secret(got)), 32);
    ck_assert_str_eq(vo_twilio_credentials_auth_token(got), TOKEN);
    /* The stored key authenticates: a client from the key alone works. */
    vo_twilio_credentials *only_key = creds(ACCT, NULL);
    ck_assert_vo_ok(vo_twilio_credentials_set_api_key(
        only_key, key_sid, vo_twilio_credentials_api_key_secret(got)));
    vo_twilio_options o = VO_TWILIO_OPTIONS_INIT;
    o.api_base_url = sandbox.url;
    vo_twilio_client *kc = NULL;
    ck_assert_vo_ok(vo_twilio_client_new(&kc, only_key, &o));
    vo_twilio_resource *r = NULL;
    ck_assert_vo_ok(vo_twilio_account_get(&r, kc));
    vo_twilio_resource_free(r);
    vo_twilio_client_free(kc);
    vo_twilio_credentials_free(only_key);
    vo_twilio_credentials_free(got);

    /* A tenant without credentials gets them from the client's account SID. */
    ck_assert_vo_ok(vo_vault_tenant_create(v, "tenant-fresh"));
    ck_assert_vo_ok(vo_twilio_keys_create_in_vault(&key, c, v, "tenant-fresh", NULL));
    vo_twilio_resource_free(key);
    ck_assert_vo_ok(vo_twilio_credentials_get(&got, NULL, v, "tenant-fresh"));
    ck_assert_str_eq(vo_twilio_credentials_account_sid(got), ACCT);
    ck_assert_ptr_nonnull(vo_twilio_credentials_api_key_sid(got));
    vo_twilio_credentials_free(got);

    /* No such tenant: nothing is created at Twilio. */
    clear_log();
    ck_assert_vo_rc(vo_twilio_keys_create_in_vault(&key, c, v, "tenant-missing", NULL),
                    VO_ENOTFOUND);
    ck_assert_ptr_null(key);
    ck_assert_int_eq(sandbox_count("POST", KEYS_PATH), 0);
    /* Credentials of another account: refused before anything is created. */
    vault_store(v, "tenant-other", ACCT2, TOKEN2);
    ck_assert_vo_rc(vo_twilio_keys_create_in_vault(&key, c, v, "tenant-other", NULL),
                    VO_EINVAL);
    ck_assert_int_eq(sandbox_count("POST", KEYS_PATH), 0);
    ck_assert_vo_rc(vo_twilio_keys_create_in_vault(&key, c, NULL, "tenant-fresh", NULL),
                    VO_EINVAL);
    vo_vault_close(v);
    vo_twilio_client_free(c);
}
END_TEST

/* A concurrent writer that changes the tenant's credentials right after Twilio created the
 * key (from the transport's log line of that POST), so the check-and-set write loses. */
static int interloper_fired;

static void interloper(const vo_log_record *rec, void *payload)
{
    (void)payload;
    if (interloper_fired || !strstr(rec->message, "/Keys.json -> 201"))
        return;
    interloper_fired = 1;
    vo_vault *other = vault_open(); /* another handle: another writer */
    vo_twilio_credentials *c = creds(ACCT, "ffffffffffffffffffffffffffffffff");
    ck_assert_vo_ok(
        vo_twilio_credentials_put(NULL, other, "tenant-raced", c, VO_VAULT_ANY_VERSION));
    vo_twilio_credentials_free(c);
    vo_vault_close(other);
}

START_TEST(api_key_not_left_behind_when_storing_fails)
{
    vo_twilio_client *c = client();
    vo_vault *v = vault_open();
    vault_store(v, "tenant-raced", ACCT, TOKEN);
    clear_log();
    interloper_fired = 0;
    vo_log_set_callback(interloper, VO_LOG_DEBUG, NULL);
    vo_twilio_resource *key = NULL;
    int rc = vo_twilio_keys_create_in_vault(&key, c, v, "tenant-raced", "raced");
    vo_log_set_callback(NULL, VO_LOG_NONE, NULL);
    ck_assert_int_eq(interloper_fired, 1);
    ck_assert_msg(rc == VO_ECONFLICT, "got %s: %s", vo_error_name(rc),
                  vo_error_last()->message);
    ck_assert_ptr_null(key);
    /* The key was created, then deleted again: none is left whose secret is lost. */
    ck_assert_int_eq(sandbox_count("POST", KEYS_PATH), 1);
    ck_assert_int_eq(sandbox_count("DELETE", "/2010-04-01/Accounts/" ACCT "/Keys/*"), 1);
    vo_twilio_iter *it = NULL;
    const vo_twilio_resource *item = NULL;
    ck_assert_vo_ok(vo_twilio_keys_list(&it, c, NULL, 0));
    while (vo_twilio_iter_next(&item, it) == VO_OK && item)
        ck_assert_str_ne(vo_twilio_resource_friendly_name(item)
                             ? vo_twilio_resource_friendly_name(item)
                             : "",
                         "raced");
    vo_twilio_iter_free(it);
    /* The other writer's credentials stand, without a key. */
    vo_twilio_credentials *got = NULL;
    ck_assert_vo_ok(vo_twilio_credentials_get(&got, NULL, v, "tenant-raced"));
    ck_assert_str_eq(vo_twilio_credentials_auth_token(got), "ffffffffffffffffffffffffffffffff");
    ck_assert_ptr_null(vo_twilio_credentials_api_key_sid(got));
    vo_twilio_credentials_free(got);
    vo_vault_close(v);
    vo_twilio_client_free(c);
}
END_TEST

START_TEST(auth_token_rotation)
{
    vo_twilio_client *c = client_opts(ACCT2, TOKEN2, NULL);
    vo_twilio_resource *r = NULL;
    vo_secret *second = NULL;
    ck_assert_vo_ok(vo_twilio_auth_token_secondary_create(&r, &second, c));
    ck_assert_uint_eq(vo_secret_len(second), 32);
    ck_assert_ptr_null(strstr(vo_twilio_resource_json(r), vo_secret_str(second)));
    vo_twilio_resource_free(r);
    ck_assert_vo_ok(vo_twilio_auth_token_secondary_delete(c));
    vo_secret_free(second);
    ck_assert_vo_ok(vo_twilio_auth_token_secondary_create(&r, &second, c));
    vo_twilio_resource_free(r);
    vo_secret *primary = NULL;
    ck_assert_vo_ok(vo_twilio_auth_token_promote(&r, &primary, c));
    ck_assert_str_eq(vo_secret_str(primary), vo_secret_str(second));
    ck_assert_ptr_null(strstr(vo_twilio_resource_json(r), vo_secret_str(primary)));
    vo_twilio_resource_free(r);
    /* the old token no longer works; the promoted one does */
    ck_assert_vo_rc(vo_twilio_account_get(&r, c), VO_EAUTH);
    vo_twilio_client *nc = client_opts(ACCT2, vo_secret_str(primary), NULL);
    ck_assert_vo_ok(vo_twilio_account_get(&r, nc));
    vo_twilio_resource_free(r);
    vo_twilio_client_free(nc);
    vo_secret_free(second);
    vo_secret_free(primary);
    vo_twilio_client_free(c);
}
END_TEST

/* ---- the retry policy, proven from the sandbox request log ---------------------------- */

static void clear_log(void)
{
    sandbox_ctl_ok("DELETE", "/__sandbox/requests", NULL, 200);
    sandbox_ctl_ok("DELETE", "/__sandbox/faults", NULL, 200);
}

static vo_param call_params[] = {{"Url", "https://example.com/twiml"}};

START_TEST(post_500_not_sent_twice)
{
    clear_log();
    vo_twilio_client *c = client();
    sandbox_fault("POST", CALLS_PATH, "500", 1, NULL);
    vo_twilio_resource *r = NULL;
    ck_assert_vo_rc(
        vo_twilio_calls_create(&r, c, "+14155550100", "+15005550001", call_params, 1),
        VO_EUNAVAILABLE);
    ck_assert_int_eq(vo_error_last()->http_status, 500);
    ck_assert_int_eq(vo_error_last()->provider_code, 20500);
    ck_assert_str_ne(vo_error_last()->provider_request_id, "");
    ck_assert_int_eq(sandbox_count("POST", CALLS_PATH), 1);
    vo_twilio_client_free(c);
}
END_TEST

START_TEST(post_dropped_after_read_not_sent_twice)
{
    clear_log();
    vo_twilio_client *c = client();
    vo_twilio_resource *r = NULL;
    /* once on a fresh connection, once on a reused keep-alive connection */
    for (int reuse = 0; reuse < 2; reuse++) {
        if (reuse) {
            ck_assert_vo_ok(vo_twilio_account_get(&r, c));
            vo_twilio_resource_free(r);
        }
        sandbox_fault("POST", MESSAGES_PATH, "drop_after_read", 1, NULL);
        vo_param p[] = {{"From", "+15005550001"}, {"Body", "once only"}};
        ck_assert_vo_rc(vo_twilio_messages_create(&r, c, "+14155550111", p, 2), VO_ENETWORK);
        ck_assert_int_eq(sandbox_count("POST", MESSAGES_PATH), reuse + 1);
    }
    vo_twilio_client_free(c);
}
END_TEST

START_TEST(post_429_waits_retry_after_and_succeeds)
{
    clear_log();
    vo_twilio_client *c = client();
    sandbox_fault("POST", CALLS_PATH, "429", 1, "\"retry_after\":\"1\"");
    vo_twilio_resource *r = NULL;
    long t0 = now_ms();
    ck_assert_vo_ok(
        vo_twilio_calls_create(&r, c, "+14155550100", "+15005550001", call_params, 1));
    long took = now_ms() - t0;
    ck_assert_msg(took >= 950, "waited for Retry-After (took %ld ms)", took);
    ck_assert_int_eq(sandbox_count("POST", CALLS_PATH), 2);
    vo_twilio_resource_free(r);

    /* Retry-After beyond the cap: no wait, VO_ERATELIMIT with the delay in the error */
    sandbox_fault("POST", CALLS_PATH, "429", 1, "\"retry_after\":\"3600\"");
    t0 = now_ms();
    ck_assert_vo_rc(
        vo_twilio_calls_create(&r, c, "+14155550100", "+15005550001", call_params, 1),
        VO_ERATELIMIT);
    ck_assert_int_lt(now_ms() - t0, 900);
    ck_assert_int_eq(vo_error_last()->retry_after_ms, 3600000);
    ck_assert_int_eq(vo_error_last()->provider_code, 20429);
    ck_assert_int_eq(sandbox_count("POST", CALLS_PATH), 3);
    vo_twilio_client_free(c);
}
END_TEST

START_TEST(get_retried_on_503_and_drop)
{
    clear_log();
    vo_twilio_client *c = client();
    sandbox_fault("GET", ACCOUNT_PATH, "503", 2, "\"retry_after\":\"0\"");
    vo_twilio_resource *r = NULL;
    ck_assert_vo_ok(vo_twilio_account_get(&r, c));
    vo_twilio_resource_free(r);
    ck_assert_int_eq(sandbox_count("GET", ACCOUNT_PATH), 3);
    sandbox_fault("GET", ACCOUNT_PATH, "drop", 1, NULL);
    ck_assert_vo_ok(vo_twilio_account_get(&r, c));
    vo_twilio_resource_free(r);
    ck_assert_int_eq(sandbox_count("GET", ACCOUNT_PATH), 5);
    /* a DELETE whose answer was lost, retried, finds the resource gone: success */
    vo_param buy[] = {{"PhoneNumber", "+14155550177"}};
    sandbox_ctl_ok("POST", "/__sandbox/twilio/available", "{\"numbers\":[\"+14155550177\"]}",
                   201);
    ck_assert_vo_ok(vo_twilio_numbers_purchase(&r, c, buy, 1));
    char path[160];
    snprintf(path, sizeof(path), "/2010-04-01/Accounts/" ACCT "/IncomingPhoneNumbers/%s.json",
             vo_twilio_resource_sid(r));
    sandbox_fault("DELETE", path, "drop_after_read", 1, NULL);
    ck_assert_vo_ok(vo_twilio_numbers_release(c, vo_twilio_resource_sid(r)));
    ck_assert_int_eq(sandbox_count("DELETE", path), 2);
    vo_twilio_resource_free(r);
    vo_twilio_client_free(c);
}
END_TEST

START_TEST(deadline_stops_retries)
{
    clear_log();
    vo_http_options h = VO_HTTP_OPTIONS_INIT;
    h.deadline_ms = 700;
    h.max_attempts = 100;
    h.backoff_base_ms = 100;
    h.backoff_max_ms = 200;
    h.breaker_threshold = -1;
    vo_twilio_client *c = client_opts(ACCT, TOKEN, &h);
    sandbox_fault("GET", ACCOUNT_PATH, "503", 1000, NULL);
    vo_twilio_resource *r = NULL;
    long t0 = now_ms();
    int rc = vo_twilio_account_get(&r, c);
    long took = now_ms() - t0;
    ck_assert_msg(rc == VO_EUNAVAILABLE || rc == VO_ETIMEOUT, "rc %s", vo_error_name(rc));
    ck_assert_msg(took < 1200, "deadline respected (%ld ms)", took);
    int n = sandbox_count("GET", ACCOUNT_PATH);
    ck_assert_msg(n >= 2 && n < 20, "%d attempts", n);
    sandbox_ctl_ok("DELETE", "/__sandbox/faults", NULL, 200);
    vo_twilio_client_free(c);
}
END_TEST

START_TEST(timeout_against_slow_endpoint)
{
    clear_log();
    vo_http_options h = VO_HTTP_OPTIONS_INIT;
    h.timeout_ms = 300;
    h.max_attempts = 1;
    vo_twilio_client *c = client_opts(ACCT, TOKEN, &h);
    sandbox_fault("GET", ACCOUNT_PATH, "delay", 1, "\"delay_ms\":2000");
    vo_twilio_resource *r = NULL;
    long t0 = now_ms();
    ck_assert_vo_rc(vo_twilio_account_get(&r, c), VO_ETIMEOUT);
    ck_assert_int_lt(now_ms() - t0, 1500);
    ck_assert_str_ne(vo_error_last()->correlation_id, "");
    vo_twilio_client_free(c);
}
END_TEST

START_TEST(malformed_body_is_protocol_error)
{
    clear_log();
    vo_twilio_client *c = client();
    sandbox_fault("GET", ACCOUNT_PATH, "malformed", 1, NULL);
    vo_twilio_resource *r = NULL;
    ck_assert_vo_rc(vo_twilio_account_get(&r, c), VO_EPROTOCOL);
    ck_assert_int_eq(vo_error_last()->http_status, 200);
    vo_twilio_client_free(c);
}
END_TEST

START_TEST(circuit_breaker_opens_and_recovers)
{
    clear_log();
    vo_http_options h = VO_HTTP_OPTIONS_INIT;
    h.max_attempts = 1;
    h.breaker_threshold = 3;
    h.breaker_cooldown_ms = 400;
    vo_twilio_client *c = client_opts(ACCT, TOKEN, &h);
    sandbox_fault("GET", ACCOUNT_PATH, "500", 4, NULL);
    vo_twilio_resource *r = NULL;
    for (int i = 0; i < 3; i++)
        ck_assert_vo_rc(vo_twilio_account_get(&r, c), VO_EUNAVAILABLE);
    ck_assert_int_eq(sandbox_count("GET", ACCOUNT_PATH), 3);
    ck_assert_vo_rc(vo_twilio_account_get(&r, c), VO_EUNAVAILABLE);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "circuit"));
    ck_assert_int_eq(sandbox_count("GET", ACCOUNT_PATH), 3); /* not sent */
    usleep(500 * 1000);
    ck_assert_vo_rc(vo_twilio_account_get(&r, c),
                    VO_EUNAVAILABLE); /* probe hits the 4th fault */
    ck_assert_int_eq(sandbox_count("GET", ACCOUNT_PATH), 4);
    usleep(500 * 1000);
    ck_assert_vo_ok(vo_twilio_account_get(&r, c)); /* probe succeeds: closed */
    vo_twilio_resource_free(r);
    ck_assert_vo_ok(vo_twilio_account_get(&r, c));
    vo_twilio_resource_free(r);
    vo_twilio_client_free(c);
}
END_TEST

/* ---- concurrency --------------------------------------------------------------------- */

#define THREADS 16
#define PER_THREAD 15
static atomic_int failures;

static void *worker(void *arg)
{
    vo_twilio_client *c = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        vo_twilio_iter *it = NULL;
        vo_param f[] = {{"PageSize", "5"}};
        if (vo_twilio_numbers_list(&it, c, f, 1) != VO_OK) {
            atomic_fetch_add(&failures, 1);
            continue;
        }
        const vo_twilio_resource *item = NULL;
        if (vo_twilio_iter_next(&item, it) != VO_OK || !item)
            atomic_fetch_add(&failures, 1);
        vo_twilio_iter_free(it);
    }
    return NULL;
}

START_TEST(sixteen_threads_share_one_client)
{
    vo_twilio_client *c = client();
    long before = sandbox_stat("api_connections");
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, worker, c);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    long opened = sandbox_stat("api_connections") - before;
    ck_assert_int_eq(atomic_load(&failures), 0);
    vo_http_stats st = VO_HTTP_STATS_INIT;
    ck_assert_vo_ok(vo_http_client_stats(&st, vo_twilio_client_http(c)));
    ck_assert_uint_eq(st.requests, THREADS * PER_THREAD);
    ck_assert_msg(opened <= 2 * THREADS, "connections reused: %ld opened for %d requests",
                  opened, THREADS * PER_THREAD);
    ck_assert_msg(st.connects <= 2 * THREADS, "curl opened %llu connections",
                  (unsigned long long)st.connects);
    vo_twilio_client_free(c);
}
END_TEST

/* ---- logs ---------------------------------------------------------------------------- */

static char log_text[1 << 17];
static size_t log_len;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

static void capture(const vo_log_record *rec, void *payload)
{
    (void)payload;
    pthread_mutex_lock(&log_mu);
    int n = snprintf(log_text + log_len, sizeof(log_text) - log_len, "%s %s %s\n", rec->module,
                     rec->correlation_id, rec->message);
    if (n > 0 && log_len + (size_t)n < sizeof(log_text))
        log_len += (size_t)n;
    pthread_mutex_unlock(&log_mu);
}

START_TEST(logs_never_carry_tokens_or_secrets)
{
    clear_log();
    log_len = 0;
    vo_log_set_callback(capture, VO_LOG_TRACE, NULL);
    vo_twilio_client *c = client();
    vo_twilio_resource *r = NULL;
    vo_secret *key_secret = NULL, *sub_token = NULL;
    ck_assert_vo_ok(vo_correlation_id_set("tenant-42-op-1"));
    ck_assert_vo_ok(vo_twilio_keys_create(&r, &key_secret, c, "log test"));
    vo_twilio_resource_free(r);
    ck_assert_vo_ok(vo_twilio_subaccounts_create(&r, &sub_token, c, "log sub"));
    vo_twilio_resource_free(r);
    sandbox_fault("GET", ACCOUNT_PATH, "503", 1, "\"retry_after\":\"0\"");
    ck_assert_vo_ok(vo_twilio_account_get(&r, c));
    vo_twilio_resource_free(r);
    vo_twilio_client *bad = client_opts(ACCT, "11111111111111111111111111111111", NULL);
    ck_assert_vo_rc(vo_twilio_account_get(&r, bad), VO_EAUTH);
    vo_twilio_client_free(bad);
    vo_correlation_id_set(NULL);
    vo_log_set_callback(NULL, VO_LOG_NONE, NULL);

    ck_assert_uint_gt(log_len, 0);
    ck_assert_ptr_nonnull(strstr(log_text, "http tenant-42-op-1 POST /2010-04-01/Accounts/" ACCT
                                           "/Keys.json -> 201"));
    ck_assert_ptr_nonnull(strstr(log_text, "retrying"));
    ck_assert_ptr_null(strstr(log_text, TOKEN));
    ck_assert_ptr_null(strstr(log_text, "11111111111111111111111111111111"));
    ck_assert_ptr_null(strstr(log_text, vo_secret_str(key_secret)));
    ck_assert_ptr_null(strstr(log_text, vo_secret_str(sub_token)));
    /* and the sandbox saw correlation ids on the requests */
    cJSON *reqs = sandbox_ctl("GET", "/__sandbox/requests?method=POST", NULL, 200);
    cJSON *first = cJSON_GetArrayItem(reqs, 0);
    ck_assert_str_eq(cJSON_GetObjectItem(first, "correlation_id")->valuestring,
                     "tenant-42-op-1");
    cJSON_Delete(reqs);
    vo_secret_free(key_secret);
    vo_secret_free(sub_token);
    vo_twilio_client_free(c);
}
END_TEST

/* ---- error shapes the sandbox does not produce (HTTP fixture) ------------------------ */

static void fixture_up(void)
{
    if (vo_test_server_start(&fixture, "tests/fixtures/http_fixture.py", NULL) != 0)
        exit(2);
}

static void fixture_down(void)
{
    vo_test_server_stop(&fixture);
}

static int fetch_shape(const char *shape)
{
    char base[256];
    snprintf(base, sizeof(base), "%s/shape/%s", fixture.url, shape);
    vo_twilio_credentials *cr = creds(ACCT, TOKEN);
    vo_twilio_options o = VO_TWILIO_OPTIONS_INIT;
    o.api_base_url = base;
    vo_http_options h = VO_HTTP_OPTIONS_INIT;
    h.max_attempts = 1;
    o.http = &h;
    vo_twilio_client *c = NULL;
    ck_assert_vo_ok(vo_twilio_client_new(&c, cr, &o));
    vo_twilio_credentials_free(cr);
    vo_twilio_resource *r = NULL;
    int rc = vo_twilio_numbers_get(&r, c, "PN0123456789abcdef0123456789abcdef");
    ck_assert_ptr_null(r);
    vo_twilio_client_free(c);
    return rc;
}

START_TEST(error_shapes_mapped)
{
    ck_assert_int_eq(fetch_shape("problem404"), VO_ENOTFOUND);
    const vo_error *e = vo_error_last();
    ck_assert_int_eq(e->provider_code, 20404);
    ck_assert_int_eq(e->http_status, 404);
    ck_assert_ptr_nonnull(strstr(e->message, "Not Found: No such number"));
    ck_assert_str_eq(e->more_info, "https://www.twilio.com/docs/errors/20404");
    ck_assert_str_ne(e->provider_request_id, "");

    ck_assert_int_eq(fetch_shape("forbidden"), VO_EFORBIDDEN);
    ck_assert_int_eq(vo_error_last()->provider_code, 20005);
    ck_assert_int_eq(fetch_shape("conflict"), VO_ECONFLICT);
    ck_assert_int_eq(vo_error_last()->provider_code, 21422);
    ck_assert_int_eq(fetch_shape("unprocessable"), VO_EVALIDATION);
    ck_assert_int_eq(fetch_shape("plain500"), VO_EUNAVAILABLE);
    ck_assert_int_eq(fetch_shape("html502"), VO_EUNAVAILABLE);
    ck_assert_int_eq(vo_error_last()->http_status, 502);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "error body not JSON"));
}
END_TEST

/* Issue 9: {"code": 1e300} was converted to long with undefined behaviour (x86: LONG_MIN),
 * and 20404.5 was read as 20404 (not found). Neither is a Twilio code: no code. */
START_TEST(huge_or_fractional_code_is_no_code)
{
    ck_assert_int_eq(fetch_shape("hugecode"), VO_EVALIDATION);
    ck_assert_int_eq(vo_error_last()->provider_code, 0);
    ck_assert_msg(strstr(vo_error_last()->message, "Twilio HTTP 400 on GET") != NULL, "%s",
                  vo_error_last()->message);
    ck_assert_int_eq(fetch_shape("fraccode"), VO_EVALIDATION);
    ck_assert_int_eq(vo_error_last()->provider_code, 0);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "fractional code"));
}
END_TEST

/* Issue 9: a 3xx said "unparseable error body"; JSON nested past cJSON's limit said "not
 * JSON". */
START_TEST(redirect_and_deep_nesting_are_named)
{
    ck_assert_int_eq(fetch_shape("redirect302"), VO_EPROTOCOL);
    const char *m = vo_error_last()->message;
    ck_assert_msg(strstr(m, "redirect to https://elsewhere.example/next not followed") != NULL,
                  "%s", m);
    ck_assert_ptr_null(strstr(m, "hunter2")); /* no user info, no query */
    ck_assert_ptr_null(strstr(m, "token=abc"));
    ck_assert_int_eq(fetch_shape("deep400"), VO_EVALIDATION);
    ck_assert_msg(strstr(vo_error_last()->message, "nested too deep") != NULL, "%s",
                  vo_error_last()->message);
}
END_TEST

/* Issue 9: a provider that echoes the credentials it got. The auth token and the API key
 * secret never reach vo_error_last() (message, more_info), whatever the words around them. */
START_TEST(echoed_credentials_are_scrubbed)
{
    char base[256];
    snprintf(base, sizeof(base), "%s/echoauth", fixture.url);
    const char *key_secret = "Zq9xW3vB7nM2kL5pR8tY1uI4oP6aS0dF";
    for (int use_key = 0; use_key < 2; use_key++) {
        vo_twilio_credentials *cr = NULL;
        ck_assert_vo_ok(vo_twilio_credentials_new(&cr));
        ck_assert_vo_ok(vo_twilio_credentials_set_account_sid(cr, ACCT));
        if (use_key) {
            ck_assert_vo_ok(vo_twilio_credentials_set_api_key(
                cr, "SK0123456789abcdef0123456789abcdef", key_secret));
        } else {
            ck_assert_vo_ok(vo_twilio_credentials_set_auth_token(cr, TOKEN));
        }
        vo_twilio_options o = VO_TWILIO_OPTIONS_INIT;
        o.api_base_url = base;
        vo_twilio_client *c = NULL;
        ck_assert_vo_ok(vo_twilio_client_new(&c, cr, &o));
        vo_twilio_credentials_free(cr);
        vo_twilio_resource *r = NULL;
        ck_assert_vo_rc(vo_twilio_account_get(&r, c), VO_EAUTH);
        const vo_error *e = vo_error_last();
        const char *secret = use_key ? key_secret : TOKEN;
        ck_assert_msg(strstr(e->message, secret) == NULL, "secret in: %s", e->message);
        ck_assert_msg(strstr(e->more_info, secret) == NULL, "secret in: %s", e->more_info);
        ck_assert_msg(strstr(e->message, "credentials [secret] rejected") != NULL, "%s",
                      e->message);
        vo_twilio_client_free(c);
    }
}
END_TEST

/* A result that names a secret member twice: both copies are stripped (cJSON's detach removes
 * the first member of a name only). */
START_TEST(duplicated_secret_members_stripped)
{
    char base[256];
    snprintf(base, sizeof(base), "%s/dupsecret", fixture.url);
    vo_twilio_credentials *cr = creds(ACCT, TOKEN);
    vo_twilio_options o = VO_TWILIO_OPTIONS_INIT;
    o.api_base_url = base;
    vo_twilio_client *c = NULL;
    ck_assert_vo_ok(vo_twilio_client_new(&c, cr, &o));
    vo_twilio_credentials_free(cr);
    vo_twilio_resource *r = NULL;
    ck_assert_vo_ok(vo_twilio_account_get(&r, c));
    ck_assert_msg(strstr(vo_twilio_resource_json(r), "copy-0001") == NULL &&
                      strstr(vo_twilio_resource_json(r), "copy-0002") == NULL,
                  "%s", vo_twilio_resource_json(r));
    ck_assert_ptr_null(vo_twilio_resource_str(r, "auth_token"));
    vo_twilio_resource_free(r);
    vo_twilio_client_free(c);
}
END_TEST

/* Issue 9: a list page whose next_page_uri names itself made the iterator loop forever. */
START_TEST(self_referencing_next_page_stops)
{
    char base[256];
    snprintf(base, sizeof(base), "%s/loop", fixture.url);
    vo_twilio_credentials *cr = creds(ACCT, TOKEN);
    vo_twilio_options o = VO_TWILIO_OPTIONS_INIT;
    o.api_base_url = base;
    vo_twilio_client *c = NULL;
    ck_assert_vo_ok(vo_twilio_client_new(&c, cr, &o));
    vo_twilio_credentials_free(cr);
    vo_twilio_iter *it = NULL;
    ck_assert_vo_ok(vo_twilio_calls_list(&it, c, NULL, 0));
    const vo_twilio_resource *item = NULL;
    int items = 0, rc;
    while ((rc = vo_twilio_iter_next(&item, it)) == VO_OK && item && items < 50)
        items++;
    ck_assert_vo_rc(rc, VO_EPROTOCOL);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "repeats an earlier page"));
    ck_assert_int_le(items, 2);
    /* the listing is over: no further request */
    ck_assert_vo_ok(vo_twilio_iter_next(&item, it));
    ck_assert_ptr_null(item);
    vo_twilio_iter_free(it);
    vo_twilio_client_free(c);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("twilio_client");
    TCase *u = tcase_create("local");
    tcase_add_test(u, construction_and_base_urls);
    tcase_add_test(u, error_code_table);
    tcase_add_test(u, cleartext_and_user_info_refused);
    suite_add_tcase(s, u);
    TCase *ops = tcase_create("operations");
    tcase_add_unchecked_fixture(ops, seed, unseed);
    tcase_set_timeout(ops, 30);
    tcase_add_test(ops, tenant_without_credentials_and_fallback);
    tcase_add_test(ops, fallback_only_when_allowed_and_absent);
    tcase_add_test(ops, account_fetch_and_auth_errors);
    tcase_add_test(ops, numbers_list_pages_and_filters);
    tcase_add_test(ops, numbers_fetch_update_not_found);
    tcase_add_test(ops, available_search_purchase_release);
    tcase_add_test(ops, calls_create_fetch_list_update);
    tcase_add_test(ops, messages_create_fetch_list);
    tcase_add_test(ops, subaccounts_and_api_keys);
    tcase_add_test(ops, api_key_created_into_vault);
    tcase_add_test(ops, api_key_not_left_behind_when_storing_fails);
    tcase_add_test(ops, auth_token_rotation);
    suite_add_tcase(s, ops);
    TCase *f = tcase_create("faults");
    tcase_add_unchecked_fixture(f, seed, unseed);
    tcase_set_timeout(f, 30);
    tcase_add_test(f, post_500_not_sent_twice);
    tcase_add_test(f, post_dropped_after_read_not_sent_twice);
    tcase_add_test(f, post_429_waits_retry_after_and_succeeds);
    tcase_add_test(f, get_retried_on_503_and_drop);
    tcase_add_test(f, deadline_stops_retries);
    tcase_add_test(f, timeout_against_slow_endpoint);
    tcase_add_test(f, malformed_body_is_protocol_error);
    tcase_add_test(f, circuit_breaker_opens_and_recovers);
    tcase_add_test(f, sixteen_threads_share_one_client);
    tcase_add_test(f, logs_never_carry_tokens_or_secrets);
    suite_add_tcase(s, f);
    TCase *sh = tcase_create("error_shapes");
    tcase_add_unchecked_fixture(sh, fixture_up, fixture_down);
    tcase_add_test(sh, error_shapes_mapped);
    tcase_add_test(sh, huge_or_fractional_code_is_no_code);
    tcase_add_test(sh, redirect_and_deep_nesting_are_named);
    tcase_add_test(sh, echoed_credentials_are_scrubbed);
    tcase_add_test(sh, self_referencing_next_page_stops);
    tcase_add_test(sh, duplicated_secret_members_stripped);
    suite_add_tcase(s, sh);
    return s;
}

VO_SANDBOX_TEST_MAIN(suite)
