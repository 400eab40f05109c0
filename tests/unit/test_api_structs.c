/* The rules every caller-provided struct follows (issue 8, points 1 and 2):
 * - zero means safe: each *_INIT macro equals {CURRENT_VERSION, 0...}, and a zero-filled
 *   struct with only its version set behaves exactly as its *_INIT twin through real calls
 *   (same verification result, same request sent to the sandbox, same vault behaviour);
 * - one versioning rule: versions 1..current accepted, 0 and current+1 refused with
 *   VO_EINVAL naming the struct, through every vo_<struct>_init() and a real public call;
 * - the size/limit getters, the ABI number and the feature query. */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>

#include "provider_testutil.h"
#include "kms_testutil.h"

#define ACCT "AC0123456789abcdef0123456789abcdef"
#define TOKEN "0f1e2d3c4b5a69780f1e2d3c4b5a6978"
#define VKEY "vapi-private-key-tenant-1"
#define TENANT "tenant-1"
#define NOPE "00000000-0000-4000-8000-000000000000"
#define NOW ((int64_t)1764000000)

/* Every versioned struct: X(type, MACRO_PREFIX). */
#define VO_ALL_STRUCTS(X)                                 \
  X(vo_http_options, VO_HTTP_OPTIONS)                     \
  X(vo_http_request, VO_HTTP_REQUEST)                     \
  X(vo_http_stats, VO_HTTP_STATS)                         \
  X(vo_webhook_request, VO_WEBHOOK_REQUEST)               \
  X(vo_webhook_twilio_options, VO_WEBHOOK_TWILIO_OPTIONS) \
  X(vo_webhook_vapi_options, VO_WEBHOOK_VAPI_OPTIONS)     \
  X(vo_vault_options, VO_VAULT_OPTIONS)                   \
  X(vo_public_url_options, VO_PUBLIC_URL_OPTIONS)         \
  X(vo_twilio_options, VO_TWILIO_OPTIONS)                 \
  X(vo_vapi_options, VO_VAPI_OPTIONS)                     \
  X(vo_vapi_list_options, VO_VAPI_LIST_OPTIONS)           \
  X(vo_vapi_assistant_params, VO_VAPI_ASSISTANT_PARAMS)   \
  X(vo_vapi_call_params, VO_VAPI_CALL_PARAMS)             \
  X(vo_vapi_number_params, VO_VAPI_NUMBER_PARAMS)         \
  X(vo_services_options, VO_SERVICES_OPTIONS)             \
  X(vo_number_import_options, VO_NUMBER_IMPORT_OPTIONS)

static void assert_names(const char *name)
{
    ck_assert_msg(strstr(vo_error_last()->message, name) != NULL,
                  "message does not name %s: %s", name, vo_error_last()->message);
}

static void up(void)
{
    pt_vault_dir_up("structs");
    sandbox_up();
}

static void down(void)
{
    sandbox_down();
    pt_vault_dir_down();
}

/* ---- the macros and the init functions ----------------------------------------------- */

START_TEST(init_macros_are_version_and_zeros)
{
    int n = 0;
#define CHECK_INIT(T, P)                                                                    \
  {                                                                                         \
    static const T init = P##_INIT; /* static: padding is zero too */                       \
    T zero, filled;                                                                         \
    memset(&zero, 0, sizeof(zero));                                                         \
    zero.version = P##_VERSION;                                                             \
    ck_assert_msg(memcmp(&init, &zero, sizeof(T)) == 0, #P "_INIT is not {version, 0...}"); \
    memset(&filled, 0xA5, sizeof(filled));                                                  \
    ck_assert_vo_ok(T##_init(&filled, P##_VERSION));                                        \
    ck_assert_msg(memcmp(&init, &filled, sizeof(T)) == 0,                                   \
                  #T "_init() differs from " #P "_INIT");                                   \
    n++;                                                                                    \
  }
    VO_ALL_STRUCTS(CHECK_INIT)
    ck_assert_int_eq(n, 16);
}
END_TEST

START_TEST(init_functions_follow_the_version_rule){
#define CHECK_INIT_VERSIONS(T, P)                              \
  {                                                            \
    T s;                                                       \
    memset(&s, 0xA5, sizeof(s));                               \
    ck_assert_vo_rc(T##_init(NULL, P##_VERSION), VO_EINVAL);   \
    assert_names(#T);                                          \
    ck_assert_vo_rc(T##_init(&s, 0), VO_EINVAL);               \
    assert_names(#T);                                          \
    ck_assert_vo_rc(T##_init(&s, P##_VERSION + 1), VO_EINVAL); \
    assert_names(#T);                                          \
    ck_assert_vo_ok(T##_init(&s, 1));                          \
    ck_assert_uint_eq(s.version, 1);                           \
    ck_assert_vo_ok(T##_init(&s, P##_VERSION));                \
    ck_assert_uint_eq(s.version, P##_VERSION);                 \
  }
    VO_ALL_STRUCTS(CHECK_INIT_VERSIONS)} END_TEST

    START_TEST(getters_match_the_macros)
{
    ck_assert_uint_eq(vo_vault_tenant_max(), VO_VAULT_TENANT_MAX);
    ck_assert_uint_eq(vo_vault_name_max(), VO_VAULT_NAME_MAX);
    ck_assert_uint_eq(vo_vault_kek_id_max(), VO_VAULT_KEK_ID_MAX);
    ck_assert_uint_eq(vo_vault_value_max(), VO_VAULT_VALUE_MAX);
    ck_assert_uint_eq(vo_vault_key_size(), VO_VAULT_KEY_SIZE);
    ck_assert_uint_eq(vo_vault_wrapped_max(), VO_VAULT_WRAPPED_MAX);
    ck_assert_uint_eq(vo_error_message_size(), VO_ERROR_MESSAGE_SIZE);
    ck_assert_uint_eq(vo_error_id_size(), VO_ERROR_ID_SIZE);
    ck_assert_uint_eq(vo_correlation_id_size(), VO_CORRELATION_ID_SIZE);
    ck_assert_uint_eq(vo_webhook_twilio_signature_size(), VO_WEBHOOK_TWILIO_SIGNATURE_SIZE);
    ck_assert_uint_eq(vo_routing_token_size(), VO_ROUTING_TOKEN_SIZE);
    ck_assert_uint_eq(vo_webhook_std_signature_size(), VO_WEBHOOK_STD_SIGNATURE_SIZE);
    ck_assert_int_eq(vo_webhook_std_tolerance(), VO_WEBHOOK_STD_TOLERANCE);
    ck_assert_int_eq(vo_webhook_vapi_tolerance(), VO_WEBHOOK_VAPI_TOLERANCE);
    ck_assert_uint_eq(vo_webhook_max_body(), VO_WEBHOOK_DEFAULT_MAX_BODY);
    ck_assert_uint_eq(vo_form_max_params(), VO_FORM_MAX_PARAMS);
    ck_assert_uint_eq(vo_vapi_message_max_size(), VO_VAPI_MESSAGE_MAX_SIZE);
    /* The sizes really are what the functions need. */
    char tok[VO_ROUTING_TOKEN_SIZE];
    ck_assert_uint_eq(sizeof(tok), vo_routing_token_size());
    char cid[VO_CORRELATION_ID_SIZE];
    ck_assert_vo_ok(vo_correlation_id_new(cid, vo_correlation_id_size()));
    char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    ck_assert_vo_ok(vo_webhook_twilio_sign(sig, vo_webhook_twilio_signature_size(), TOKEN,
                                           "https://example.com/x", NULL, 0));
    ck_assert_vo_rc(vo_webhook_twilio_sign(sig, vo_webhook_twilio_signature_size() - 1, TOKEN,
                                           "https://example.com/x", NULL, 0),
                    VO_ERANGE);
}
END_TEST

START_TEST(abi_version_and_features)
{
    ck_assert_int_eq(vo_abi_version(), VO_ABI_VERSION);
    ck_assert_int_eq(vo_feature_enabled("sqlite"), 1);
#ifdef VO_HAVE_POSTGRES
    ck_assert_int_eq(vo_feature_enabled("postgres"), 1);
#else
    ck_assert_int_eq(vo_feature_enabled("postgres"), 0);
#endif
    ck_assert_int_eq(vo_feature_enabled("no-such-feature"), 0);
    ck_assert_int_eq(vo_feature_enabled("SQLITE"), 0);
    ck_assert_int_eq(vo_feature_enabled(NULL), 0);
    int fuzz = vo_feature_enabled("fuzz");
    ck_assert(fuzz == 0 || fuzz == 1);
    const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
    ck_assert_int_eq(vo_feature_enabled("http2"), (cv->features & CURL_VERSION_HTTP2) ? 1 : 0);
}
END_TEST

/* ---- version 0 / 1 / current / current+1 through real public calls ------------------- */

static vo_vault *vault_open_v(unsigned version, int *rc)
{
    vo_keyring *kr = NULL;
    ck_assert_vo_ok(vo_keyring_new(&kr));
    unsigned char k[32];
    memset(k, 7, sizeof(k));
    ck_assert_vo_ok(vo_keyring_add_key(kr, "k1", k, 32));
    vo_vault_options o;
    memset(&o, 0, sizeof(o));
    o.version = version;
    o.keyring = kr;
    vo_vault *v = NULL;
    *rc = vo_vault_open(&v, pt_vault_path, &o);
    vo_keyring_free(kr);
    return v;
}

static vo_vapi_client *vapi_client(void)
{
    vo_vapi_options o = VO_VAPI_OPTIONS_INIT;
    o.base_url = sandbox.url;
    vo_vapi_client *c = NULL;
    ck_assert_vo_ok(vo_vapi_client_new(&c, VKEY, &o));
    return c;
}

static vo_twilio_credentials *tw_creds(void)
{
    vo_twilio_credentials *c = NULL;
    ck_assert_vo_ok(vo_twilio_credentials_new(&c));
    ck_assert_vo_ok(vo_twilio_credentials_set_account_sid(c, ACCT));
    ck_assert_vo_ok(vo_twilio_credentials_set_auth_token(c, TOKEN));
    return c;
}

static void fresh(void)
{
    sandbox_ctl_ok("POST", "/__sandbox/reset", NULL, 200);
    sandbox_ctl_ok("POST", "/__sandbox/twilio/accounts",
                   "{\"account_sid\":\"" ACCT "\",\"auth_token\":\"" TOKEN "\"}", 201);
    sandbox_ctl_ok("POST", "/__sandbox/twilio/accounts/" ACCT "/numbers",
                   "{\"numbers\":[\"+15005550001\",\"+15005550002\"]}", 201);
    sandbox_ctl_ok("POST", "/__sandbox/vapi/keys", "{\"api_key\":\"" VKEY "\"}", 201);
    /* A new vault file in the same directory (tests run in forked children, so the
     * directory name must stay the parent's). */
    char p[400];
    const char *files[] = {"vault.db", "vault.db-wal", "vault.db-shm", "vault.db-journal"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof(p), "%s/%s", pt_vault_dir, files[i]);
        unlink(p);
    }
}

/* One real call with struct `which` at `version`; returns the call's code. */
static int call_with_version(const char *which, unsigned version)
{
    int rc = VO_EINTERNAL;
    vo_vapi_client *vc = NULL;
    if (strncmp(which, "vo_vapi_", 8) == 0 && strcmp(which, "vo_vapi_options") != 0 &&
        strcmp(which, "vo_webhook_vapi_options") != 0)
        vc = vapi_client();
    vo_vapi_resource *res = NULL;
    vo_vapi_iter *it = NULL;
    if (strcmp(which, "vo_http_options") == 0) {
        vo_http_options o;
        ck_assert_vo_ok(vo_http_options_init(&o, VO_HTTP_OPTIONS_VERSION));
        o.version = version;
        vo_http_client *c = NULL;
        rc = vo_http_client_new(&c, &o);
        vo_http_client_free(c);
    } else if (strcmp(which, "vo_http_request") == 0 || strcmp(which, "vo_http_stats") == 0) {
        vo_http_client *c = NULL;
        ck_assert_vo_ok(vo_http_client_new(&c, NULL));
        vo_http_request r = VO_HTTP_REQUEST_INIT;
        r.base_url = sandbox.url;
        r.path = "/__sandbox/health";
        if (strcmp(which, "vo_http_request") == 0)
            r.version = version;
        vo_http_response *resp = NULL;
        rc = vo_http_send(&resp, c, &r);
        if (rc == VO_OK)
            ck_assert_int_eq(vo_http_response_status(resp), 200);
        vo_http_response_free(resp);
        if (strcmp(which, "vo_http_stats") == 0) {
            vo_http_stats st;
            memset(&st, 0xA5, sizeof(st));
            st.version = version;
            rc = vo_http_client_stats(&st, c);
            if (rc == VO_OK)
                ck_assert_uint_eq(st.requests, 1);
        }
        vo_http_client_free(c);
    } else if (strcmp(which, "vo_webhook_request") == 0) {
        vo_webhook_request r = VO_WEBHOOK_REQUEST_INIT;
        r.version = version;
        r.url = "https://example.com/hook";
        const char *secrets[] = {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"};
        vo_verify_result res2 = VO_VERIFY_RESULT_INIT;
        rc = vo_webhook_std_verify_request(&res2, secrets, 1, &r, NOW);
        ck_assert_int_eq(res2.reason,
                         rc == VO_EINVAL ? VO_VERIFY_INVALID_ARGUMENT : VO_VERIFY_MISSING_ID);
    } else if (strcmp(which, "vo_webhook_twilio_options") == 0) {
        vo_webhook_twilio_options o = VO_WEBHOOK_TWILIO_OPTIONS_INIT;
        o.version = version;
        vo_webhook_request r = VO_WEBHOOK_REQUEST_INIT;
        r.url = "https://example.com/hook";
        const char *tokens[] = {TOKEN};
        vo_verify_result res2 = VO_VERIFY_RESULT_INIT;
        rc = vo_webhook_twilio_verify_request(&res2, &o, tokens, 1, &r);
        ck_assert_int_eq(res2.reason, rc == VO_EINVAL ? VO_VERIFY_INVALID_ARGUMENT
                                                      : VO_VERIFY_MISSING_SIGNATURE);
    } else if (strcmp(which, "vo_webhook_vapi_options") == 0) {
        vo_webhook_vapi_options o = VO_WEBHOOK_VAPI_OPTIONS_INIT;
        o.version = version;
        vo_param h[] = {{"x-vapi-secret", "s3cret-value"}};
        vo_webhook_request r = VO_WEBHOOK_REQUEST_INIT;
        r.headers = h;
        r.header_count = 1;
        const char *secrets[] = {"s3cret-value"};
        vo_verify_result res2 = VO_VERIFY_RESULT_INIT;
        rc = vo_webhook_vapi_verify(&res2, &o, secrets, 1, &r, NOW);
        ck_assert_int_eq(res2.reason,
                         rc == VO_EINVAL ? VO_VERIFY_INVALID_ARGUMENT : VO_VERIFY_OK);
        if (rc == VO_OK) {
            /* and the same struct read back from the vault credentials */
            vo_vapi_credentials *cr = NULL;
            ck_assert_vo_ok(vo_vapi_credentials_new(&cr));
            ck_assert_vo_ok(vo_vapi_credentials_set_webhook(cr, &o, "s3cret-value"));
            vo_webhook_vapi_options got;
            memset(&got, 0, sizeof(got));
            got.version = version;
            rc = vo_vapi_credentials_webhook_options(&got, cr);
            vo_vapi_credentials_free(cr);
        }
    } else if (strcmp(which, "vo_vault_options") == 0) {
        vo_vault *v = vault_open_v(version, &rc);
        vo_vault_close(v);
    } else if (strcmp(which, "vo_twilio_options") == 0) {
        vo_twilio_options o = VO_TWILIO_OPTIONS_INIT;
        o.version = version;
        o.api_base_url = sandbox.url;
        vo_twilio_credentials *cr = tw_creds();
        vo_twilio_client *c = NULL;
        rc = vo_twilio_client_new(&c, cr, &o);
        if (rc == VO_OK) {
            vo_twilio_resource *acct = NULL;
            ck_assert_vo_ok(vo_twilio_account_get(&acct, c));
            vo_twilio_resource_free(acct);
        }
        vo_twilio_client_free(c);
        vo_twilio_credentials_free(cr);
    } else if (strcmp(which, "vo_vapi_options") == 0) {
        vo_vapi_options o = VO_VAPI_OPTIONS_INIT;
        o.version = version;
        o.base_url = sandbox.url;
        vo_vapi_client *c = NULL;
        rc = vo_vapi_client_new(&c, VKEY, &o);
        if (rc == VO_OK) {
            ck_assert_vo_ok(vo_vapi_assistants_list(&it, c, NULL));
            vo_vapi_iter_free(it);
            it = NULL;
        }
        vo_vapi_client_free(c);
    } else if (strcmp(which, "vo_vapi_list_options") == 0) {
        vo_vapi_list_options o = VO_VAPI_LIST_OPTIONS_INIT;
        o.version = version;
        rc = vo_vapi_assistants_list(&it, vc, &o);
    } else if (strcmp(which, "vo_vapi_assistant_params") == 0) {
        vo_vapi_assistant_params p = VO_VAPI_ASSISTANT_PARAMS_INIT;
        p.version = version;
        p.name = "versioned";
        rc = vo_vapi_assistants_create(&res, vc, &p);
    } else if (strcmp(which, "vo_vapi_call_params") == 0) {
        vo_vapi_call_params p = VO_VAPI_CALL_PARAMS_INIT;
        p.version = version;
        p.assistant_json = "{\"name\":\"transient\"}";
        p.phone_number_id = NOPE;
        p.customer_number = "+14155550123";
        rc = vo_vapi_calls_create(&res, vc, &p);
        /* valid locally: sent, and the sandbox answered */
        if (rc != VO_EINVAL && rc != VO_OK)
            ck_assert_int_ne(vo_error_last()->http_status, 0);
    } else if (strcmp(which, "vo_vapi_number_params") == 0) {
        vo_vapi_number_params p = VO_VAPI_NUMBER_PARAMS_INIT;
        p.version = version;
        p.name = "renamed";
        rc = vo_vapi_numbers_update(&res, vc, NOPE, &p);
        if (rc != VO_EINVAL)
            ck_assert_int_eq(rc, VO_ENOTFOUND); /* the sandbox has no such number */
    } else if (strcmp(which, "vo_services_options") == 0 ||
               strcmp(which, "vo_number_import_options") == 0) {
        vo_services_options s = VO_SERVICES_OPTIONS_INIT;
        vo_number_import_options o = VO_NUMBER_IMPORT_OPTIONS_INIT;
        s.twilio_api_base_url = s.vapi_base_url = s.twilio_accounts_base_url = sandbox.url;
        if (strcmp(which, "vo_services_options") == 0)
            s.version = version;
        else
            o.version = version;
        int orc;
        vo_vault *v = vault_open_v(VO_VAULT_OPTIONS_VERSION, &orc);
        ck_assert_vo_ok(orc);
        vo_number_import_report *rep = NULL;
        rc = vo_number_import_run(&rep, v, "nobody", &o, &s);
        if (rc != VO_EINVAL)
            ck_assert_int_eq(rc, VO_ENOTFOUND); /* got as far as reading the vault */
        vo_number_import_report_free(rep);
        vo_vault_close(v);
    } else if (strcmp(which, "vo_public_url_options") == 0) {
        vo_public_url_options o = VO_PUBLIC_URL_OPTIONS_INIT;
        o.version = version;
        vo_param host = {"Host", "hooks.example.com"};
        char url[128];
        rc = vo_public_url_build(url, sizeof(url), NULL, &o, "203.0.113.9", "https", "/h?a=1",
                                 &host, 1);
        if (rc == VO_OK)
            ck_assert_str_eq(url, "https://hooks.example.com/h?a=1");
    } else {
        ck_abort_msg("no call for %s", which);
    }
    vo_vapi_resource_free(res);
    vo_vapi_iter_free(it);
    vo_vapi_client_free(vc);
    return rc;
}

START_TEST(versions_through_real_calls)
{
    fresh();
    int n = 0;
#define CHECK_CALL_VERSIONS(T, P)                                                           \
  {                                                                                         \
    ck_assert_vo_rc(call_with_version(#T, 0), VO_EINVAL);                                   \
    assert_names(#T);                                                                       \
    ck_assert_vo_rc(call_with_version(#T, P##_VERSION + 1), VO_EINVAL);                     \
    assert_names(#T);                                                                       \
    int rc1 = call_with_version(#T, 1);                                                     \
    ck_assert_msg(rc1 != VO_EINVAL, #T " version 1 refused: %s", vo_error_last()->message); \
    int rcc = call_with_version(#T, P##_VERSION);                                           \
    ck_assert_msg(rcc != VO_EINVAL, #T " current version refused: %s",                      \
                  vo_error_last()->message);                                                \
    n++;                                                                                    \
  }
    VO_ALL_STRUCTS(CHECK_CALL_VERSIONS)
    ck_assert_int_eq(n, 16);
}
END_TEST

/* ---- zero-filled twins ---------------------------------------------------------------- */

#define ZERO(T, var, P)         \
  T var;                        \
  memset(&var, 0, sizeof(var)); \
  var.version = P##_VERSION

START_TEST(twin_http_options)
{
    fresh();
    /* Defaults are observable: 4 attempts against a host that keeps failing with 503. */
    vo_http_options init = VO_HTTP_OPTIONS_INIT;
    ZERO(vo_http_options, zero, VO_HTTP_OPTIONS);
    const vo_http_options *cases[] = {&init, &zero, NULL};
    char ua[3][512];
    for (int i = 0; i < 3; i++) {
        vo_http_client *c = NULL;
        ck_assert_vo_ok(vo_http_client_new(&c, cases[i]));
        snprintf(ua[i], sizeof(ua[i]), "%s", vo_http_client_user_agent(c));
        sandbox_fault("GET", "/assistant", "503", 10, NULL);
        vo_http_request r = VO_HTTP_REQUEST_INIT;
        r.base_url = sandbox.url;
        r.path = "/assistant";
        r.bearer_token = VKEY;
        vo_http_response *resp = NULL;
        ck_assert_vo_ok(vo_http_send(&resp, c, &r));
        ck_assert_int_eq(vo_http_response_status(resp), 503);
        ck_assert_int_eq(vo_http_response_attempts(resp), 4);
        vo_http_response_free(resp);
        vo_http_client_free(c);
        sandbox_ctl_ok("DELETE", "/__sandbox/faults", NULL, 200);
    }
    ck_assert_str_eq(ua[0], ua[1]);
    ck_assert_str_eq(ua[0], ua[2]);
    /* negative values are refused, the named breaker switch is not */
    zero.timeout_ms = -1;
    vo_http_client *c = NULL;
    ck_assert_vo_rc(vo_http_client_new(&c, &zero), VO_EINVAL);
    zero.timeout_ms = 0;
    zero.breaker_threshold = VO_HTTP_BREAKER_OFF;
    ck_assert_vo_ok(vo_http_client_new(&c, &zero));
    vo_http_client_free(c);
}
END_TEST

START_TEST(twin_http_request_and_stats)
{
    fresh();
    vo_http_client *c = NULL;
    ck_assert_vo_ok(vo_http_client_new(&c, NULL));
    vo_http_request init = VO_HTTP_REQUEST_INIT;
    ZERO(vo_http_request, zero, VO_HTTP_REQUEST);
    const vo_http_request *cases[] = {&init, &zero};
    for (int i = 0; i < 2; i++) {
        vo_http_request r = *cases[i];
        r.base_url = sandbox.url;
        r.path = "/assistant";
        r.bearer_token = VKEY;
        vo_http_response *resp = NULL;
        ck_assert_vo_ok(vo_http_send(&resp, c, &r));
        ck_assert_int_eq(vo_http_response_status(resp), 200);
        vo_http_response_free(resp);
    }
    cJSON *log =
        sandbox_ctl("GET", "/__sandbox/requests?method=GET&path=/assistant", NULL, 200);
    ck_assert_int_eq(cJSON_GetArraySize(log), 2);
    for (int i = 0; i < 2; i++) {
        cJSON *e = cJSON_GetArrayItem(log, i);
        ck_assert_ptr_null(cJSON_GetStringValue(cJSON_GetObjectItem(e, "content_type")));
        ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(e, "auth_kind")), "bearer");
    }
    cJSON_Delete(log);
    /* out-of-range values are refused, never sent some other way */
    vo_http_request bad = zero;
    bad.base_url = sandbox.url;
    bad.deadline_ms = -1;
    vo_http_response *none = NULL;
    ck_assert_vo_rc(vo_http_send(&none, c, &bad), VO_EINVAL);
    bad.deadline_ms = 0;
    bad.idempotency = (vo_http_idempotency)7;
    ck_assert_vo_rc(vo_http_send(&none, c, &bad), VO_EINVAL);
    ck_assert_ptr_null(none);
    /* the output struct: INIT and init() work, a zero-filled one (version 0) is refused */
    vo_http_stats st = VO_HTTP_STATS_INIT, st2, st0;
    ck_assert_vo_ok(vo_http_client_stats(&st, c));
    ck_assert_uint_eq(st.requests, 2);
    ck_assert_vo_ok(vo_http_stats_init(&st2, VO_HTTP_STATS_VERSION));
    ck_assert_vo_ok(vo_http_client_stats(&st2, c));
    ck_assert_uint_eq(st2.attempts, 2);
    memset(&st0, 0, sizeof(st0));
    ck_assert_vo_rc(vo_http_client_stats(&st0, c), VO_EINVAL);
    assert_names("vo_http_stats");
    ck_assert_uint_eq(st0.requests, 0); /* nothing written */
    vo_http_client_free(c);
}
END_TEST

START_TEST(twin_twilio_verify_options)
{
    /* Twilio signed the URL with :443; the handler sees it without the port. */
    const char *signed_url = "https://example.com:443/hook?x=1";
    char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    vo_param form[] = {{"CallSid", "CA123"}};
    ck_assert_vo_ok(vo_webhook_twilio_sign(sig, sizeof(sig), TOKEN, signed_url, form, 1));
    vo_param h[] = {{"X-Twilio-Signature", sig},
                    {"Content-Type", "application/x-www-form-urlencoded"}};
    ZERO(vo_webhook_request, req, VO_WEBHOOK_REQUEST);
    req.url = "https://example.com/hook?x=1";
    req.headers = h;
    req.header_count = 2;
    req.body = (const unsigned char *)"CallSid=CA123";
    req.body_len = strlen("CallSid=CA123");
    vo_webhook_twilio_options init = VO_WEBHOOK_TWILIO_OPTIONS_INIT;
    ZERO(vo_webhook_twilio_options, zero, VO_WEBHOOK_TWILIO_OPTIONS);
    const char *tokens[] = {TOKEN};
    vo_verify_result a = VO_VERIFY_RESULT_INIT, b = VO_VERIFY_RESULT_INIT;
    memset(&a, 0, sizeof(a)); /* padding too, for the byte comparison */
    memset(&b, 0, sizeof(b));
    a.version = b.version = VO_VERIFY_RESULT_VERSION;
    ck_assert_vo_ok(vo_webhook_twilio_verify_request(&a, &init, tokens, 1, &req));
    ck_assert_vo_ok(vo_webhook_twilio_verify_request(&b, &zero, tokens, 1, &req));
    ck_assert_int_eq(a.url_form, VO_WEBHOOK_TWILIO_URL_PORT_TOGGLED);
    ck_assert_mem_eq(&a, &b, sizeof(a));
    /* the named flag is the strict choice */
    zero.exact_url_only = 1;
    ck_assert_vo_rc(vo_webhook_twilio_verify_request(&b, &zero, tokens, 1, &req), VO_EAUTH);
    ck_assert_int_eq(b.forms_tried, 1);
}
END_TEST

/* Verify with INIT and with a zero-filled struct carrying the same changes; both results
 * must be equal; returns the code. */
static int vapi_twins(void (*tweak)(vo_webhook_vapi_options *), const vo_webhook_request *req,
                      int64_t now, vo_verify_result *out)
{
    vo_webhook_vapi_options init = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    ZERO(vo_webhook_vapi_options, zero, VO_WEBHOOK_VAPI_OPTIONS);
    tweak(&init);
    tweak(&zero);
    const char *secrets[] = {"hmac-or-token-secret"};
    vo_verify_result a = VO_VERIFY_RESULT_INIT, b = VO_VERIFY_RESULT_INIT,
                     c = VO_VERIFY_RESULT_INIT;
    memset(&a, 0, sizeof(a)); /* padding too, for the byte comparisons */
    memset(&b, 0, sizeof(b));
    memset(&c, 0, sizeof(c));
    a.version = b.version = c.version = VO_VERIFY_RESULT_VERSION;
    int ra = vo_webhook_vapi_verify(&a, &init, secrets, 1, req, now);
    int rb = vo_webhook_vapi_verify(&b, &zero, secrets, 1, req, now);
    ck_assert_int_eq(ra, rb);
    ck_assert_mem_eq(&a, &b, sizeof(a));
    /* stored in the vault credentials and read back: the same again */
    vo_vapi_credentials *cr = NULL;
    ck_assert_vo_ok(vo_vapi_credentials_new(&cr));
    ck_assert_vo_ok(vo_vapi_credentials_set_webhook(cr, &zero, secrets[0]));
    vo_webhook_vapi_options back = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    ck_assert_vo_ok(vo_vapi_credentials_webhook_options(&back, cr));
    int rcb = vo_webhook_vapi_verify(&c, &back, secrets, 1, req, now);
    vo_vapi_credentials_free(cr);
    ck_assert_int_eq(ra, rcb);
    ck_assert_mem_eq(&a, &c, sizeof(a));
    *out = a;
    return ra;
}

static void to_hmac(vo_webhook_vapi_options *o)
{
    o->type = VO_WEBHOOK_VAPI_HMAC;
}
static void to_bearer(vo_webhook_vapi_options *o)
{
    o->type = VO_WEBHOOK_VAPI_BEARER;
}
static void to_hmac_omit_ts(vo_webhook_vapi_options *o)
{
    o->type = VO_WEBHOOK_VAPI_HMAC;
    o->omit_timestamp = 1;
}
static void to_bearer_bare(vo_webhook_vapi_options *o)
{
    o->type = VO_WEBHOOK_VAPI_BEARER;
    o->bare_token = 1;
}

START_TEST(twin_vapi_verify_options)
{
    const char *body = "{\"message\":{\"type\":\"status-update\"}}";
    /* An HMAC over the body alone, no timestamp: zero-filled must not accept it. */
    vo_webhook_vapi_options bodyonly = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    bodyonly.type = VO_WEBHOOK_VAPI_HMAC;
    bodyonly.payload_format = "{body}";
    char sig[256];
    ck_assert_vo_ok(vo_webhook_vapi_sign(sig, sizeof(sig), &bodyonly, "hmac-or-token-secret",
                                         NULL, NULL, NULL, NULL, (const unsigned char *)body,
                                         strlen(body)));
    vo_param h[] = {{"x-signature", sig}, {"x-timestamp", NULL}};
    ZERO(vo_webhook_request, req, VO_WEBHOOK_REQUEST);
    req.method = "POST";
    req.url = "https://example.com/vapi";
    req.headers = h;
    req.header_count = 1;
    req.body = (const unsigned char *)body;
    req.body_len = strlen(body);
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_rc(vapi_twins(to_hmac, &req, NOW, &r), VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MISSING_TIMESTAMP);
    ck_assert_vo_ok(vapi_twins(to_hmac_omit_ts, &req, NOW, &r)); /* the named weaker choice */

    /* Signed with the timestamp (the default template): tolerance 0 means 300 s. */
    vo_webhook_vapi_options hm = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    hm.type = VO_WEBHOOK_VAPI_HMAC;
    char ts[32];
    snprintf(ts, sizeof(ts), "%lld", (long long)NOW);
    ck_assert_vo_ok(vo_webhook_vapi_sign(sig, sizeof(sig), &hm, "hmac-or-token-secret", NULL,
                                         NULL, ts, NULL, (const unsigned char *)body,
                                         strlen(body)));
    h[1].value = ts;
    req.header_count = 2;
    ck_assert_vo_ok(vapi_twins(to_hmac, &req, NOW + 299, &r));
    ck_assert_vo_rc(vapi_twins(to_hmac, &req, NOW + 301, &r), VO_EEXPIRED);
    ck_assert_int_eq(r.reason, VO_VERIFY_TIMESTAMP_TOO_OLD);
    hm.tolerance_seconds = -1;
    const char *secrets[] = {"hmac-or-token-secret"};
    ck_assert_vo_rc(vo_webhook_vapi_verify(&r, &hm, secrets, 1, &req, NOW), VO_EINVAL);
    ck_assert_int_eq(r.reason, VO_VERIFY_INVALID_ARGUMENT);

    /* BEARER: the bare token is refused unless bare_token is set. */
    vo_param hb[] = {{"Authorization", "hmac-or-token-secret"}};
    req.headers = hb;
    req.header_count = 1;
    ck_assert_vo_rc(vapi_twins(to_bearer, &req, NOW, &r), VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MALFORMED_SIGNATURE);
    ck_assert_vo_ok(vapi_twins(to_bearer_bare, &req, NOW, &r));
    hb[0].value = "Bearer hmac-or-token-secret";
    ck_assert_vo_ok(vapi_twins(to_bearer, &req, NOW, &r));
}
END_TEST

/* Old documents keep their meaning; new ones are written with the same names. */
START_TEST(stored_vapi_webhook_documents)
{
    int rc;
    vo_vault *v = vault_open_v(VO_VAULT_OPTIONS_VERSION, &rc);
    ck_assert_vo_ok(rc);
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    /* written by the previous library: bare token, timestamp signed, tolerance 120 */
    const char *old = "{\"type\":\"vapi\",\"format\":1,\"webhook_secret\":\"s3cret-value\","
                      "\"webhook_type\":1,\"webhook_bearer_prefix\":0,\"webhook_algorithm\":0,"
                      "\"webhook_include_timestamp\":1,\"webhook_encoding\":0,"
                      "\"webhook_secret_is_base64\":0,\"webhook_tolerance_seconds\":120,"
                      "\"webhook_max_body\":0}";
    ck_assert_vo_ok(
        vo_vault_secret_put(NULL, v, "t", VO_CREDENTIALS_VAPI_NAME, old, strlen(old), -1));
    vo_vapi_credentials *c = NULL;
    ck_assert_vo_ok(vo_vapi_credentials_get(&c, NULL, v, "t"));
    vo_webhook_vapi_options o = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    ck_assert_vo_ok(vo_vapi_credentials_webhook_options(&o, c));
    ck_assert_int_eq(o.type, VO_WEBHOOK_VAPI_BEARER);
    ck_assert_int_eq(o.bare_token, 1);
    ck_assert_int_eq(o.omit_timestamp, 0);
    ck_assert_int_eq(o.tolerance_seconds, 120);
    vo_vapi_credentials_free(c);
    /* a document without those fields reads as the secure choice */
    const char *sparse = "{\"type\":\"vapi\",\"format\":1,\"webhook_secret\":\"s3cret-value\","
                         "\"webhook_type\":2,\"webhook_tolerance_seconds\":300}";
    ck_assert_vo_ok(vo_vault_secret_put(NULL, v, "t", VO_CREDENTIALS_VAPI_NAME, sparse,
                                        strlen(sparse), -1));
    ck_assert_vo_ok(vo_vapi_credentials_get(&c, NULL, v, "t"));
    ck_assert_vo_ok(vo_vapi_credentials_webhook_options(&o, c));
    ck_assert_int_eq(o.bare_token, 0);
    ck_assert_int_eq(o.omit_timestamp, 0);
    vo_vapi_credentials_free(c);
    /* zero-filled options are stored with the old names and secure values */
    ZERO(vo_webhook_vapi_options, zero, VO_WEBHOOK_VAPI_OPTIONS);
    zero.type = VO_WEBHOOK_VAPI_HMAC;
    ck_assert_vo_ok(vo_vapi_credentials_new(&c));
    ck_assert_vo_ok(vo_vapi_credentials_set_webhook(c, &zero, "s3cret-value"));
    ck_assert_vo_ok(vo_vapi_credentials_put(NULL, v, "t", c, -1));
    vo_vapi_credentials_free(c);
    vo_secret *s = NULL;
    ck_assert_vo_ok(vo_vault_secret_get(&s, NULL, v, "t", VO_CREDENTIALS_VAPI_NAME, 0));
    cJSON *j = cJSON_Parse(vo_secret_str(s));
    vo_secret_free(s);
    ck_assert_int_eq(cJSON_GetObjectItem(j, "webhook_bearer_prefix")->valueint, 1);
    ck_assert_int_eq(cJSON_GetObjectItem(j, "webhook_include_timestamp")->valueint, 1);
    ck_assert_int_eq(cJSON_GetObjectItem(j, "webhook_tolerance_seconds")->valueint, 300);
    cJSON_Delete(j);
    vo_vault_close(v);
}
END_TEST

/* A KEK held by a "KMS" (libsodium AEAD) that counts its calls. */

/* Open a new vault file with options o (keyring added here), run the same workload, and
 * return the KMS calls the reads made; *gone says whether version 1 was pruned. */
static int vault_workload(vo_vault_options o, const char *file, int *gone)
{
    vo_keyring *kr = NULL;
    ck_assert_vo_ok(vo_keyring_new(&kr));
    ck_assert_vo_ok(vo_keyring_add_provider(kr, "kms", pt_kms_wrap, pt_kms_unwrap, NULL));
    o.keyring = kr;
    char path[400];
    snprintf(path, sizeof(path), "%s/%s", pt_vault_dir, file);
    vo_vault *v = NULL;
    ck_assert_vo_ok(vo_vault_open(&v, path, &o)); /* the file is created when missing */
    vo_keyring_free(kr);
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    for (int i = 0; i < 11; i++)
        ck_assert_vo_ok(vo_vault_secret_put(NULL, v, "t", "s", "value", 5, -1));
    int before = pt_kms.calls;
    for (int i = 0; i < 5; i++) {
        vo_secret *s = NULL;
        ck_assert_vo_ok(vo_vault_secret_get(&s, NULL, v, "t", "s", 0));
        vo_secret_free(s);
    }
    int reads = pt_kms.calls - before;
    vo_secret *s = NULL;
    *gone = vo_vault_secret_get(&s, NULL, v, "t", "s", 1) == VO_ENOTFOUND;
    vo_secret_free(s);
    vo_vault_close(v);
    char more[420];
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(more, sizeof(more), "%s%s", path, suffix[i]);
        unlink(more);
    }
    return reads;
}

START_TEST(twin_vault_options)
{
    randombytes_buf(pt_kms.key, sizeof(pt_kms.key));
    vo_vault_options init = VO_VAULT_OPTIONS_INIT;
    ZERO(vo_vault_options, zero, VO_VAULT_OPTIONS);
    int gone_i, gone_z, gone_n;
    int reads_i = vault_workload(init, "init.db", &gone_i);
    int reads_z = vault_workload(zero, "zero.db", &gone_z);
    ck_assert_int_eq(reads_i, reads_z);
    ck_assert_int_eq(reads_i, 0); /* the DEK cache is on by default */
    ck_assert(gone_i && gone_z);  /* 10 versions kept by default */
    zero.dek_cache_size = -1;     /* the named choice: no cache */
    ck_assert_int_eq(vault_workload(zero, "nocache.db", &gone_n), 5);
    /* no_create: a missing file is not created */
    zero.dek_cache_size = 0;
    zero.no_create = 1;
    vo_keyring *kr = NULL;
    ck_assert_vo_ok(vo_keyring_new(&kr));
    ck_assert_vo_ok(vo_keyring_add_provider(kr, "kms", pt_kms_wrap, pt_kms_unwrap, NULL));
    zero.keyring = kr;
    char path[400];
    snprintf(path, sizeof(path), "%s/missing.db", pt_vault_dir);
    vo_vault *v = NULL;
    ck_assert_vo_rc(vo_vault_open(&v, path, &zero), VO_ENOTFOUND);
    ck_assert_int_ne(access(path, F_OK), 0);
    zero.no_create = 0;
    zero.kept_versions = -1;
    ck_assert_vo_rc(vo_vault_open(&v, path, &zero), VO_EINVAL);
    vo_keyring_free(kr);
}
END_TEST

START_TEST(twin_provider_client_options)
{
    fresh();
    /* Twilio: same base URLs, the service-account fallback off. */
    int orc;
    vo_vault *v = vault_open_v(VO_VAULT_OPTIONS_VERSION, &orc);
    ck_assert_vo_ok(orc);
    ck_assert_vo_ok(vo_vault_tenant_create(v, "sa"));
    vo_twilio_credentials *cr = tw_creds();
    ck_assert_vo_ok(vo_twilio_credentials_put(NULL, v, "sa", cr, -1));
    vo_twilio_options ti = VO_TWILIO_OPTIONS_INIT;
    ZERO(vo_twilio_options, tz, VO_TWILIO_OPTIONS);
    const vo_twilio_options *tcases[] = {&ti, &tz};
    for (int i = 0; i < 2; i++) {
        vo_twilio_client *c = NULL;
        ck_assert_vo_ok(vo_twilio_client_new(&c, cr, tcases[i]));
        ck_assert_str_eq(vo_twilio_client_api_base_url(c), "https://api.twilio.com");
        vo_twilio_client_free(c);
        vo_twilio_options o = *tcases[i];
        o.service_account_tenant = "sa"; /* named, but the fallback stays off */
        ck_assert_vo_rc(vo_twilio_client_for_tenant(&c, v, "nobody", &o), VO_ENOTFOUND);
    }
    vo_twilio_credentials_free(cr);
    vo_vault_close(v);
    /* Vapi: same base URL. */
    vo_vapi_options vi = VO_VAPI_OPTIONS_INIT;
    ZERO(vo_vapi_options, vz, VO_VAPI_OPTIONS);
    vo_vapi_client *a = NULL, *b = NULL;
    ck_assert_vo_ok(vo_vapi_client_new(&a, VKEY, &vi));
    ck_assert_vo_ok(vo_vapi_client_new(&b, VKEY, &vz));
    ck_assert_str_eq(vo_vapi_client_base_url(a), "https://api.vapi.ai");
    ck_assert_str_eq(vo_vapi_client_base_url(a), vo_vapi_client_base_url(b));
    vo_vapi_client_free(a);
    vo_vapi_client_free(b);
}
END_TEST

/* The JSON bodies of the logged requests (method, path), as compact text. */
static int logged_bodies(const char *method, const char *path, char out[][1024], int max)
{
    char q[256];
    snprintf(q, sizeof(q), "/__sandbox/requests?method=%s&path=%s", method, path);
    cJSON *log = sandbox_ctl("GET", q, NULL, 200);
    int n = 0;
    for (cJSON *e = log ? log->child : NULL; e && n < max; e = e->next, n++) {
        cJSON *j = cJSON_GetObjectItem(e, "json");
        char *t = j ? cJSON_PrintUnformatted(j) : NULL;
        snprintf(out[n], 1024, "%s", t ? t : "null");
        free(t);
    }
    cJSON_Delete(log);
    return n;
}

START_TEST(twin_vapi_params_same_request)
{
    fresh();
    vo_vapi_client *c = vapi_client();
    char bodies[4][1024];
    /* list options: the same query */
    vo_vapi_list_options li = VO_VAPI_LIST_OPTIONS_INIT;
    ZERO(vo_vapi_list_options, lz, VO_VAPI_LIST_OPTIONS);
    const vo_vapi_list_options *lcases[] = {&li, &lz};
    char queries[2][512];
    for (int i = 0; i < 2; i++) {
        sandbox_ctl_ok("DELETE", "/__sandbox/requests", NULL, 200);
        vo_vapi_iter *it = NULL;
        ck_assert_vo_ok(vo_vapi_assistants_list(&it, c, lcases[i]));
        vo_vapi_iter_free(it);
        cJSON *log =
            sandbox_ctl("GET", "/__sandbox/requests?method=GET&path=/assistant", NULL, 200);
        ck_assert_int_eq(cJSON_GetArraySize(log), 1);
        char *t = cJSON_PrintUnformatted(cJSON_GetObjectItem(log->child, "query"));
        snprintf(queries[i], sizeof(queries[i]), "%s", t);
        free(t);
        cJSON_Delete(log);
    }
    ck_assert_str_eq(queries[0], queries[1]);
    /* assistant params: the same body */
    sandbox_ctl_ok("DELETE", "/__sandbox/requests", NULL, 200);
    vo_vapi_assistant_params ai = VO_VAPI_ASSISTANT_PARAMS_INIT;
    ZERO(vo_vapi_assistant_params, az, VO_VAPI_ASSISTANT_PARAMS);
    vo_vapi_resource *r = NULL;
    ck_assert_vo_ok(vo_vapi_assistants_create(&r, c, &ai));
    vo_vapi_resource_free(r);
    ck_assert_vo_ok(vo_vapi_assistants_create(&r, c, &az));
    vo_vapi_resource_free(r);
    ck_assert_int_eq(logged_bodies("POST", "/assistant", bodies, 4), 2);
    ck_assert_str_eq(bodies[0], bodies[1]);
    /* call params: both refused the same way (an assistant is required) */
    vo_vapi_call_params ci = VO_VAPI_CALL_PARAMS_INIT;
    ZERO(vo_vapi_call_params, cz, VO_VAPI_CALL_PARAMS);
    ck_assert_vo_rc(vo_vapi_calls_create(&r, c, &ci), VO_EINVAL);
    char msg[VO_ERROR_MESSAGE_SIZE];
    snprintf(msg, sizeof(msg), "%s", vo_error_last()->message);
    ck_assert_vo_rc(vo_vapi_calls_create(&r, c, &cz), VO_EINVAL);
    ck_assert_str_eq(msg, vo_error_last()->message);
    /* number params: the same import body, without smsEnabled */
    int orc;
    vo_vault *v = vault_open_v(VO_VAULT_OPTIONS_VERSION, &orc);
    ck_assert_vo_ok(orc);
    ck_assert_vo_ok(vo_vault_tenant_create(v, TENANT));
    vo_twilio_credentials *cr = tw_creds();
    ck_assert_vo_ok(vo_twilio_credentials_put(NULL, v, TENANT, cr, -1));
    vo_twilio_credentials_free(cr);
    vo_vapi_number_params ni = VO_VAPI_NUMBER_PARAMS_INIT;
    ZERO(vo_vapi_number_params, nz, VO_VAPI_NUMBER_PARAMS);
    ni.number = "+15005550001";
    nz.number = "+15005550002";
    ck_assert_vo_ok(vo_vapi_numbers_import_twilio(&r, c, v, TENANT, &ni));
    vo_vapi_resource_free(r);
    ck_assert_vo_ok(vo_vapi_numbers_import_twilio(&r, c, v, TENANT, &nz));
    vo_vapi_resource_free(r);
    vo_vault_close(v);
    ck_assert_int_eq(logged_bodies("POST", "/phone-number", bodies, 4), 2);
    ck_assert_ptr_null(strstr(bodies[0], "smsEnabled"));
    char *p = strstr(bodies[1], "+15005550002");
    ck_assert_ptr_nonnull(p);
    memcpy(p, "+15005550001", 12); /* the only difference asked for */
    ck_assert_str_eq(bodies[0], bodies[1]);
    vo_vapi_client_free(c);
}
END_TEST

START_TEST(twin_services_and_import_options)
{
    vo_services_options si = VO_SERVICES_OPTIONS_INIT;
    ZERO(vo_services_options, sz, VO_SERVICES_OPTIONS);
    vo_number_import_options oi = VO_NUMBER_IMPORT_OPTIONS_INIT;
    ZERO(vo_number_import_options, oz, VO_NUMBER_IMPORT_OPTIONS);
    vo_services_options *scases[] = {&si, &sz};
    vo_number_import_options *ocases[] = {&oi, &oz};
    char bodies[2][4][1024];
    for (int i = 0; i < 2; i++) {
        fresh(); /* the same sandbox and vault state for both runs */
        int orc;
        vo_vault *v = vault_open_v(VO_VAULT_OPTIONS_VERSION, &orc);
        ck_assert_vo_ok(orc);
        ck_assert_vo_ok(vo_vault_tenant_create(v, TENANT));
        vo_twilio_credentials *cr = tw_creds();
        ck_assert_vo_ok(vo_twilio_credentials_put(NULL, v, TENANT, cr, -1));
        vo_twilio_credentials_free(cr);
        pt_store_vapi(NULL, v, TENANT, VKEY);
        scases[i]->twilio_api_base_url = scases[i]->vapi_base_url =
            scases[i]->twilio_accounts_base_url = sandbox.url;
        vo_number_import_report *rep = NULL;
        ck_assert_vo_ok(vo_number_import_run(&rep, v, TENANT, ocases[i], scases[i]));
        ck_assert_uint_eq(vo_number_import_report_imported(rep), 2);
        vo_number_import_report_free(rep);
        vo_vault_close(v);
        ck_assert_int_eq(logged_bodies("POST", "/phone-number", bodies[i], 4), 2);
        for (int k = 0; k < 2; k++) /* the default keeps the Twilio messaging URL */
            ck_assert_ptr_nonnull(strstr(bodies[i][k], "\"smsEnabled\":false"));
    }
    ck_assert_str_eq(bodies[0][0], bodies[1][0]);
    ck_assert_str_eq(bodies[0][1], bodies[1][1]);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("api_structs");
    TCase *a = tcase_create("rules");
    tcase_add_test(a, init_macros_are_version_and_zeros);
    tcase_add_test(a, init_functions_follow_the_version_rule);
    tcase_add_test(a, getters_match_the_macros);
    tcase_add_test(a, abi_version_and_features);
    tcase_add_test(a, twin_twilio_verify_options);
    tcase_add_test(a, twin_vapi_verify_options);
    suite_add_tcase(s, a);
    TCase *b = tcase_create("real calls");
    tcase_add_unchecked_fixture(b, up, down);
    tcase_set_timeout(b, 60);
    tcase_add_test(b, versions_through_real_calls);
    tcase_add_test(b, twin_http_options);
    tcase_add_test(b, twin_http_request_and_stats);
    tcase_add_test(b, stored_vapi_webhook_documents);
    tcase_add_test(b, twin_vault_options);
    tcase_add_test(b, twin_provider_client_options);
    tcase_add_test(b, twin_vapi_params_same_request);
    tcase_add_test(b, twin_services_and_import_options);
    suite_add_tcase(s, b);
    return s;
}

VO_SANDBOX_TEST_MAIN(suite)
