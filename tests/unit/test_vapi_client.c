/* The Vapi REST client against the sandbox over real loopback HTTP: every operation,
 * tenant scoping through the vault, paging (createdAt windows and /v2), error mapping, the
 * never-resend rule for POST /call, and logs and errors without secrets. */
#include "provider_testutil.h"

#define ACCT "AC0123456789abcdef0123456789abcdef"
#define TOKEN "0f1e2d3c4b5a69780f1e2d3c4b5a6978"
#define VKEY "vapi-private-key-tenant-1"
#define VKEY2 "vapi-private-key-tenant-2"
#define TENANT "tenant-1"
#define NOPE "00000000-0000-4000-8000-000000000000"

static void up(void)
{
    pt_vault_dir_up("vapi");
    sandbox_up();
}

static void down(void)
{
    sandbox_down();
    pt_vault_dir_down();
}

/* Fresh sandbox state: a Twilio account with numbers, two Vapi orgs; a vault tenant. */
static void fresh(void)
{
    sandbox_ctl_ok("POST", "/__sandbox/reset", NULL, 200);
    sandbox_ctl_ok("POST", "/__sandbox/twilio/accounts",
                   "{\"account_sid\":\"" ACCT "\",\"auth_token\":\"" TOKEN "\"}", 201);
    sandbox_ctl_ok("POST", "/__sandbox/twilio/accounts/" ACCT "/numbers",
                   "{\"numbers\":[\"+15005550001\",\"+15005550002\",\"+15005550003\"]}", 201);
    sandbox_ctl_ok("POST", "/__sandbox/vapi/keys", "{\"api_key\":\"" VKEY "\"}", 201);
    sandbox_ctl_ok("POST", "/__sandbox/vapi/keys", "{\"api_key\":\"" VKEY2 "\"}", 201);
    vo_vault *v = pt_vault_open();
    pt_store_twilio(v, TENANT, ACCT, TOKEN);
    pt_store_vapi(NULL, v, TENANT, VKEY);
    vo_vault_close(v);
}

static vo_vapi_client *client(void)
{
    vo_vault *v = pt_vault_open();
    vo_vapi_options o = VO_VAPI_OPTIONS_INIT;
    o.base_url = sandbox.url;
    vo_http_options h = VO_HTTP_OPTIONS_INIT;
    h.backoff_base_ms = 10;
    h.backoff_max_ms = 50;
    h.breaker_threshold = -1;
    o.http = &h;
    vo_vapi_client *c = NULL;
    ck_assert_vo_ok(vo_vapi_client_for_tenant(&c, v, TENANT, &o));
    ck_assert_str_eq(vo_vapi_client_tenant(c), TENANT);
    vo_vault_close(v);
    return c;
}

static char *create_assistant(vo_vapi_client *c, const char *name)
{
    vo_vapi_assistant_params p = VO_VAPI_ASSISTANT_PARAMS_INIT;
    p.name = name;
    vo_vapi_resource *r = NULL;
    ck_assert_vo_ok(vo_vapi_assistants_create(&r, c, &p));
    char *id = strdup(vo_vapi_resource_id(r));
    vo_vapi_resource_free(r);
    return id;
}

static char *import_number(vo_vapi_client *c, const char *number)
{
    vo_vault *v = pt_vault_open();
    vo_vapi_number_params p = VO_VAPI_NUMBER_PARAMS_INIT;
    p.number = number;
    vo_vapi_resource *r = NULL;
    ck_assert_vo_ok(vo_vapi_numbers_import_twilio(&r, c, v, TENANT, &p));
    vo_vault_close(v);
    char *id = strdup(vo_vapi_resource_id(r));
    vo_vapi_resource_free(r);
    return id;
}

/* ---- construction -------------------------------------------------------------------- */

START_TEST(construction_and_bad_input)
{
    vo_vapi_client *c = NULL;
    ck_assert_vo_rc(vo_vapi_client_new(NULL, VKEY, NULL), VO_EINVAL);
    ck_assert_vo_rc(vo_vapi_client_new(&c, NULL, NULL), VO_EINVAL);
    ck_assert_vo_rc(vo_vapi_client_new(&c, "short", NULL), VO_EINVAL);
    ck_assert_vo_rc(vo_vapi_client_new(&c, "has a space in it", NULL), VO_EINVAL);
    vo_vapi_options o = VO_VAPI_OPTIONS_INIT;
    o.base_url = "ftp://x";
    ck_assert_vo_rc(vo_vapi_client_new(&c, VKEY, &o), VO_EINVAL);
    o.base_url = "https://api.vapi.ai/";
    o.version = 99;
    ck_assert_vo_rc(vo_vapi_client_new(&c, VKEY, &o), VO_EINVAL);
    o.version = VO_VAPI_OPTIONS_VERSION;
    /* issue 9: the bearer key never goes to a non-loopback host over http://, and user info
     * in a base URL is refused */
    o.base_url = "http://api.vapi.example";
    ck_assert_vo_rc(vo_vapi_client_new(&c, VKEY, &o), VO_EINVAL);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "clear text"));
    o.base_url = "http://[::1]:9";
    ck_assert_vo_ok(vo_vapi_client_new(&c, VKEY, &o));
    vo_vapi_client_free(c);
    o.base_url = "https://key:" VKEY "@api.vapi.ai";
    ck_assert_vo_rc(vo_vapi_client_new(&c, VKEY, &o), VO_EINVAL);
    ck_assert_ptr_null(strstr(vo_error_last()->message, VKEY));
    o.base_url = "http://api.vapi.example";
    o.allow_insecure_http = 1;
    ck_assert_vo_ok(vo_vapi_client_new(&c, VKEY, &o));
    vo_vapi_client_free(c);
    o.allow_insecure_http = 0;
    o.base_url = "https://api.vapi.ai/";
    ck_assert_vo_ok(vo_vapi_client_new(&c, VKEY, &o));
    ck_assert_str_eq(vo_vapi_client_base_url(c), "https://api.vapi.ai");
    ck_assert_ptr_null(vo_vapi_client_tenant(c));
    ck_assert_ptr_nonnull(vo_vapi_client_http(c));
    /* no secret in an error message */
    ck_assert_ptr_null(strstr(vo_error_last()->message, VKEY));
    vo_vapi_resource *r = NULL;
    vo_vapi_iter *it = NULL;
    ck_assert_vo_rc(vo_vapi_assistants_get(&r, c, "not-a-uuid"), VO_EINVAL);
    ck_assert_vo_rc(vo_vapi_assistants_get(NULL, c, NOPE), VO_EINVAL);
    ck_assert_vo_rc(vo_vapi_calls_get(&r, c, "../etc"), VO_EINVAL);
    ck_assert_vo_rc(vo_vapi_numbers_get(&r, c, ""), VO_EINVAL);
    vo_vapi_assistant_params ap = VO_VAPI_ASSISTANT_PARAMS_INIT;
    ap.model_json = "{not json";
    ck_assert_vo_rc(vo_vapi_assistants_create(&r, c, &ap), VO_EINVAL);
    ap.model_json = "[1]";
    ck_assert_vo_rc(vo_vapi_assistants_create(&r, c, &ap), VO_EINVAL);
    vo_vapi_assistant_params empty = VO_VAPI_ASSISTANT_PARAMS_INIT;
    ck_assert_vo_rc(vo_vapi_assistants_update(&r, c, NOPE, &empty), VO_EINVAL);
    vo_vapi_call_params cp = VO_VAPI_CALL_PARAMS_INIT;
    ck_assert_vo_rc(vo_vapi_calls_create(&r, c, &cp), VO_EINVAL); /* no assistant */
    cp.assistant_id = NOPE;
    cp.assistant_json = "{}";
    ck_assert_vo_rc(vo_vapi_calls_create(&r, c, &cp), VO_EINVAL); /* both */
    cp.assistant_json = NULL;
    cp.phone_number_id = NOPE;
    cp.customer_number = "4155550123";
    ck_assert_vo_rc(vo_vapi_calls_create(&r, c, &cp), VO_EINVAL); /* not E.164 */
    ck_assert_vo_rc(vo_vapi_calls_update(&r, c, NOPE, NULL), VO_EINVAL);
    vo_vapi_list_options lo = VO_VAPI_LIST_OPTIONS_INIT;
    lo.page_size = 5000;
    ck_assert_vo_rc(vo_vapi_assistants_list(&it, c, &lo), VO_EINVAL);
    lo.page_size = 0;
    lo.assistant_id = NOPE;
    ck_assert_vo_rc(vo_vapi_assistants_list(&it, c, &lo), VO_EINVAL); /* calls-only filter */
    ck_assert_vo_rc(vo_vapi_numbers_list_v2(&it, c, NULL, 0, "UP"), VO_EINVAL);
    vo_vapi_number_params np = VO_VAPI_NUMBER_PARAMS_INIT;
    np.number = "+15005550001";
    ck_assert_vo_rc(vo_vapi_numbers_update(&r, c, NOPE, &np), VO_EINVAL);
    np.number = NULL;
    ck_assert_vo_rc(vo_vapi_numbers_update(&r, c, NOPE, &np), VO_EINVAL); /* nothing */
    np.sms = (vo_vapi_sms)7;
    ck_assert_vo_rc(vo_vapi_numbers_update(&r, c, NOPE, &np), VO_EINVAL);
    ck_assert_ptr_null(r);
    ck_assert_ptr_null(it);
    vo_vapi_client_free(c);
    vo_vapi_client_free(NULL);
    vo_vapi_resource_free(NULL);
    vo_vapi_iter_free(NULL);
}
END_TEST

START_TEST(error_code_table)
{
    ck_assert_int_eq(vo_vapi_error_code(400, "Bad Request"), VO_EVALIDATION);
    ck_assert_int_eq(vo_vapi_error_code(422, NULL), VO_EVALIDATION);
    ck_assert_int_eq(vo_vapi_error_code(401, "Unauthorized"), VO_EAUTH);
    ck_assert_int_eq(vo_vapi_error_code(403, NULL), VO_EFORBIDDEN);
    ck_assert_int_eq(vo_vapi_error_code(404, NULL), VO_ENOTFOUND);
    ck_assert_int_eq(vo_vapi_error_code(409, NULL), VO_ECONFLICT);
    ck_assert_int_eq(vo_vapi_error_code(400, "assistant_pinned"), VO_ECONFLICT);
    ck_assert_int_eq(vo_vapi_error_code(429, NULL), VO_ERATELIMIT);
    ck_assert_int_eq(vo_vapi_error_code(504, NULL), VO_ETIMEOUT);
    ck_assert_int_eq(vo_vapi_error_code(500, NULL), VO_EUNAVAILABLE);
    ck_assert_int_eq(vo_vapi_error_code(302, NULL), VO_EPROTOCOL);
}
END_TEST

/* ---- against the sandbox ------------------------------------------------------------- */

START_TEST(tenant_scoping_and_auth)
{
    fresh();
    vo_vault *v = pt_vault_open();
    vo_vapi_client *c = NULL;
    ck_assert_vo_rc(vo_vapi_client_for_tenant(&c, v, "nobody", NULL), VO_ENOTFOUND);
    ck_assert_vo_rc(vo_vapi_client_for_tenant(&c, NULL, TENANT, NULL), VO_EINVAL);
    /* a wrong key: 401 mapped to VO_EAUTH, no key in the message */
    vo_vapi_options o = VO_VAPI_OPTIONS_INIT;
    o.base_url = sandbox.url;
    ck_assert_vo_ok(vo_vapi_client_new(&c, "wrong-key-123456", &o));
    vo_vapi_iter *it = NULL;
    ck_assert_vo_rc(vo_vapi_assistants_list(&it, c, NULL), VO_EAUTH);
    ck_assert_int_eq(vo_error_last()->http_status, 401);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "Invalid Key"));
    ck_assert_ptr_null(strstr(vo_error_last()->message, "wrong-key-123456"));
    ck_assert_str_ne(vo_error_last()->correlation_id, "");
    vo_vapi_client_free(c);
    /* the tenant's client sees its own org only */
    c = client();
    char *a = create_assistant(c, "mine");
    vo_vapi_client *other = NULL;
    ck_assert_vo_ok(vo_vapi_client_new(&other, VKEY2, &o));
    vo_vapi_resource *r = NULL;
    ck_assert_vo_rc(vo_vapi_assistants_get(&r, other, a), VO_ENOTFOUND);
    ck_assert_int_eq(vo_error_last()->http_status, 404);
    /* import for another tenant through this tenant's client is refused */
    vo_vapi_number_params np = VO_VAPI_NUMBER_PARAMS_INIT;
    np.number = "+15005550001";
    ck_assert_vo_rc(vo_vapi_numbers_import_twilio(&r, c, v, "tenant-2", &np), VO_EINVAL);
    free(a);
    vo_vapi_client_free(other);
    vo_vapi_client_free(c);
    vo_vault_close(v);
}
END_TEST

START_TEST(assistants_crud)
{
    fresh();
    vo_vapi_client *c = client();
    vo_vapi_assistant_params p = VO_VAPI_ASSISTANT_PARAMS_INIT;
    p.name = "Front desk";
    p.first_message = "Hello!";
    p.model_json = "{\"provider\":\"openai\",\"model\":\"gpt-4o\"}";
    p.voice_json = "{\"provider\":\"11labs\",\"voiceId\":\"burt\"}";
    p.extra_json = "{\"maxDurationSeconds\":600,\"name\":\"overridden\"}";
    vo_vapi_resource *r = NULL;
    ck_assert_vo_ok(vo_vapi_assistants_create(&r, c, &p));
    char id[64];
    snprintf(id, sizeof(id), "%s", vo_vapi_resource_id(r));
    ck_assert_str_eq(vo_vapi_resource_str(r, "name"), "Front desk");
    ck_assert_str_eq(vo_vapi_resource_str(r, "model.model"), "gpt-4o");
    long long n = 0;
    ck_assert_vo_ok(vo_vapi_resource_int(&n, r, "maxDurationSeconds"));
    ck_assert_int_eq(n, 600);
    ck_assert_vo_rc(vo_vapi_resource_int(&n, r, "name"), VO_EPARSE);
    ck_assert_vo_rc(vo_vapi_resource_int(&n, r, "nope"), VO_ENOTFOUND);
    ck_assert_ptr_nonnull(vo_vapi_resource_created_at(r));
    ck_assert_ptr_nonnull(strstr(vo_vapi_resource_json(r), "\"orgId\""));
    vo_vapi_resource_free(r);

    ck_assert_vo_ok(vo_vapi_assistants_get(&r, c, id));
    ck_assert_str_eq(vo_vapi_resource_id(r), id);
    vo_vapi_resource_free(r);

    vo_vapi_assistant_params u = VO_VAPI_ASSISTANT_PARAMS_INIT;
    u.server_url = "https://tenant.example/vapi";
    u.server_credential_id = "cred-123";
    u.server_timeout_seconds = 20;
    u.voice_json = "{\"provider\":\"azure\",\"voiceId\":\"andrew\"}";
    ck_assert_vo_ok(vo_vapi_assistants_update(&r, c, id, &u));
    ck_assert_str_eq(vo_vapi_resource_str(r, "server.url"), "https://tenant.example/vapi");
    ck_assert_str_eq(vo_vapi_resource_str(r, "server.credentialId"), "cred-123");
    ck_assert_str_eq(vo_vapi_resource_str(r, "voice.provider"), "azure");
    ck_assert_str_eq(vo_vapi_resource_str(r, "model.model"), "gpt-4o"); /* untouched */
    vo_vapi_resource_free(r);

    /* Vapi validation errors: message array joined */
    vo_vapi_assistant_params bad = VO_VAPI_ASSISTANT_PARAMS_INIT;
    bad.extra_json = "{\"bogus\":1,\"alsoBogus\":2}";
    ck_assert_vo_rc(vo_vapi_assistants_create(&r, c, &bad), VO_EVALIDATION);
    ck_assert_int_eq(vo_error_last()->http_status, 400);
    ck_assert_ptr_nonnull(
        strstr(vo_error_last()->message,
               "property bogus should not exist; property alsoBogus should not exist"));

    /* pinned: 409 -> VO_ECONFLICT, nothing deleted */
    char ctl[128];
    snprintf(ctl, sizeof(ctl), "/__sandbox/vapi/assistants/%s", id);
    sandbox_ctl_ok("POST", ctl, "{\"pinned\":true}", 200);
    ck_assert_vo_rc(vo_vapi_assistants_delete(NULL, c, id), VO_ECONFLICT);
    ck_assert_int_eq(vo_error_last()->http_status, 409);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "assistant_pinned"));
    ck_assert_vo_ok(vo_vapi_assistants_get(&r, c, id));
    vo_vapi_resource_free(r);
    sandbox_ctl_ok("POST", ctl, "{\"pinned\":false}", 200);
    ck_assert_vo_ok(vo_vapi_assistants_delete(&r, c, id));
    ck_assert_str_eq(vo_vapi_resource_id(r), id);
    vo_vapi_resource_free(r);
    ck_assert_vo_rc(vo_vapi_assistants_get(&r, c, id), VO_ENOTFOUND);
    ck_assert_vo_rc(vo_vapi_assistants_delete(NULL, c, id), VO_ENOTFOUND);
    vo_vapi_client_free(c);
}
END_TEST

START_TEST(assistants_list_pages_and_filters)
{
    fresh();
    vo_vapi_client *c = client();
    char *ids[7];
    char name[16];
    for (int i = 0; i < 7; i++) {
        snprintf(name, sizeof(name), "a%d", i);
        ids[i] = create_assistant(c, name);
    }
    sandbox_ctl_ok("DELETE", "/__sandbox/requests", NULL, 200);
    vo_vapi_list_options o = VO_VAPI_LIST_OPTIONS_INIT;
    o.page_size = 3;
    vo_vapi_iter *it = NULL;
    ck_assert_vo_ok(vo_vapi_assistants_list(&it, c, &o));
    const vo_vapi_resource *item = NULL;
    int n = 0;
    char middle_created[64] = "";
    while (vo_vapi_iter_next(&item, it) == VO_OK && item) {
        /* newest first, each exactly once */
        ck_assert_str_eq(vo_vapi_resource_id(item), ids[6 - n]);
        if (n == 3)
            snprintf(middle_created, sizeof(middle_created), "%s",
                     vo_vapi_resource_created_at(item));
        n++;
    }
    ck_assert_int_eq(n, 7);
    ck_assert_int_eq(vo_vapi_iter_pages(it), 3);
    vo_vapi_iter_free(it);
    ck_assert_int_eq(sandbox_count("GET", "/assistant"), 3);
    /* limit over pages */
    o.limit = 4;
    ck_assert_vo_ok(vo_vapi_assistants_list(&it, c, &o));
    n = 0;
    while (vo_vapi_iter_next(&item, it) == VO_OK && item)
        n++;
    ck_assert_int_eq(n, 4);
    vo_vapi_iter_free(it);
    /* createdAt filter: items strictly older than the 4th newest (a2, a1, a0) */
    vo_vapi_list_options f = VO_VAPI_LIST_OPTIONS_INIT;
    f.created_at_lt = middle_created;
    f.page_size = 2;
    ck_assert_vo_ok(vo_vapi_assistants_list(&it, c, &f));
    n = 0;
    while (vo_vapi_iter_next(&item, it) == VO_OK && item)
        ck_assert_str_eq(vo_vapi_resource_id(item), ids[2 - n++]);
    ck_assert_int_eq(n, 3);
    vo_vapi_iter_free(it);
    /* updatedAt filter and a bad date are mapped */
    vo_vapi_list_options g = VO_VAPI_LIST_OPTIONS_INIT;
    g.updated_at_gt = "2999-01-01T00:00:00.000Z";
    ck_assert_vo_ok(vo_vapi_assistants_list(&it, c, &g));
    ck_assert_vo_ok(vo_vapi_iter_next(&item, it));
    ck_assert_ptr_null(item);
    vo_vapi_iter_free(it);
    g.updated_at_gt = "yesterday";
    ck_assert_vo_rc(vo_vapi_assistants_list(&it, c, &g), VO_EVALIDATION);
    for (int i = 0; i < 7; i++)
        free(ids[i]);
    vo_vapi_client_free(c);
}
END_TEST

/* A tenant whose Twilio credentials are an API key (and an auth token): the import sends the
 * API key pair from the vault, and a twilioAuthToken slipped in through extra_json never
 * reaches Vapi. */
START_TEST(number_import_with_api_key_sends_no_auth_token)
{
    fresh();
    vo_vapi_client *c = client();
    vo_vault *v = pt_vault_open();
    pt_tenant(v, "tenant-k");
    vo_twilio_credentials *cr = NULL;
    ck_assert_vo_ok(vo_twilio_credentials_new(&cr));
    ck_assert_vo_ok(vo_twilio_credentials_set_account_sid(cr, ACCT));
    ck_assert_vo_ok(vo_twilio_credentials_set_auth_token(cr, TOKEN));
    ck_assert_vo_ok(vo_twilio_credentials_set_api_key(cr, "SK0123456789abcdef0123456789abcdef",
                                                      "ApiKeySecretApiKeySecretApiKey12"));
    ck_assert_vo_ok(vo_twilio_credentials_put(NULL, v, "tenant-k", cr, VO_VAULT_ANY_VERSION));
    vo_twilio_credentials_free(cr);
    /* a client with an explicit key (not bound to another tenant of the vault) */
    vo_vapi_client_free(c);
    vo_vapi_options o = VO_VAPI_OPTIONS_INIT;
    o.base_url = sandbox.url;
    ck_assert_vo_ok(vo_vapi_client_new(&c, VKEY, &o));
    sandbox_ctl_ok("DELETE", "/__sandbox/requests", NULL, 200);
    vo_vapi_number_params p = VO_VAPI_NUMBER_PARAMS_INIT;
    p.number = "+15005550001";
    p.extra_json = "{\"twilioAuthToken\":\"smuggled-token\",\"name\":\"x\"}";
    vo_vapi_resource *r = NULL;
    (void)vo_vapi_numbers_import_twilio(&r, c, v, "tenant-k", &p); /* the sandbox may refuse
                                                                   the key: the request counts */
    vo_vapi_resource_free(r);
    cJSON *log =
        sandbox_ctl("GET", "/__sandbox/requests?method=POST&path=/phone-number", NULL, 200);
    ck_assert_int_eq(cJSON_GetArraySize(log), 1);
    cJSON *j = cJSON_GetObjectItem(cJSON_GetArrayItem(log, 0), "json");
    ck_assert_ptr_null(cJSON_GetObjectItem(j, "twilioAuthToken"));
    /* the sandbox log redacts credential values, so presence is what can be asserted */
    ck_assert_ptr_nonnull(cJSON_GetObjectItem(j, "twilioApiKey"));
    ck_assert_ptr_nonnull(cJSON_GetObjectItem(j, "twilioApiSecret"));
    char *text = cJSON_PrintUnformatted(j);
    ck_assert_ptr_null(strstr(text, "smuggled-token"));
    cJSON_free(text);
    cJSON_Delete(log);
    vo_vapi_client_free(c);
    vo_vault_close(v);
}
END_TEST

START_TEST(phone_numbers)
{
    fresh();
    vo_vapi_client *c = client();
    char *asst = create_assistant(c, "router");
    vo_vault *v = pt_vault_open();
    vo_vapi_number_params p = VO_VAPI_NUMBER_PARAMS_INIT;
    p.number = "+15005550001";
    p.name = "main line";
    p.assistant_id = asst;
    p.sms = VO_VAPI_SMS_DISABLED;
    p.extra_json = "{\"twilioAuthToken\":\"caller-supplied-token\"}"; /* ignored */
    vo_vapi_resource *r = NULL;
    ck_assert_vo_ok(vo_vapi_numbers_import_twilio(&r, c, v, TENANT, &p));
    char id1[64];
    snprintf(id1, sizeof(id1), "%s", vo_vapi_resource_id(r));
    ck_assert_str_eq(vo_vapi_resource_number(r), "+15005550001");
    ck_assert_str_eq(vo_vapi_resource_str(r, "assistantId"), asst);
    ck_assert_str_eq(vo_vapi_resource_str(r, "twilioAccountSid"), ACCT);
    int b = -1;
    ck_assert_vo_ok(vo_vapi_resource_bool(&b, r, "smsEnabled"));
    ck_assert_int_eq(b, 0);
    ck_assert_ptr_null(strstr(vo_vapi_resource_json(r), TOKEN));
    vo_vapi_resource_free(r);
    /* the credentials came from the vault (the sandbox checked them), not from the caller */
    cJSON *log =
        sandbox_ctl("GET", "/__sandbox/requests?method=POST&path=/phone-number", NULL, 200);
    cJSON *j = cJSON_GetObjectItem(cJSON_GetArrayItem(log, 0), "json");
    ck_assert_str_eq(cJSON_GetObjectItem(j, "twilioAuthToken")->valuestring, "[REDACTED]");
    ck_assert_str_eq(cJSON_GetObjectItem(j, "provider")->valuestring, "twilio");
    cJSON_Delete(log);
    /* again: already imported -> validation error */
    ck_assert_vo_rc(vo_vapi_numbers_import_twilio(&r, c, v, TENANT, &p), VO_EVALIDATION);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "Already Exists"));
    /* a number the tenant's Twilio account does not own */
    p.number = "+15005559999";
    ck_assert_vo_rc(vo_vapi_numbers_import_twilio(&r, c, v, TENANT, &p), VO_EVALIDATION);
    p.number = "not-e164";
    ck_assert_vo_rc(vo_vapi_numbers_import_twilio(&r, c, v, TENANT, &p), VO_EINVAL);
    /* a tenant without Twilio credentials */
    pt_tenant(v, "empty-tenant");
    vo_vapi_options o = VO_VAPI_OPTIONS_INIT;
    o.base_url = sandbox.url;
    vo_vapi_client *plain = NULL;
    ck_assert_vo_ok(vo_vapi_client_new(&plain, VKEY, &o));
    p.number = "+15005550002";
    ck_assert_vo_rc(vo_vapi_numbers_import_twilio(&r, plain, v, "empty-tenant", &p),
                    VO_ENOTFOUND);
    vo_vapi_client_free(plain);
    vo_vault_close(v);

    char *id2 = import_number(c, "+15005550002");
    char *id3 = import_number(c, "+15005550003");
    /* legacy list, paged by createdAt */
    vo_vapi_list_options lo = VO_VAPI_LIST_OPTIONS_INIT;
    lo.page_size = 2;
    vo_vapi_iter *it = NULL;
    ck_assert_vo_ok(vo_vapi_numbers_list(&it, c, &lo));
    const vo_vapi_resource *item = NULL;
    const char *want[] = {id3, id2, id1};
    int n = 0;
    while (vo_vapi_iter_next(&item, it) == VO_OK && item)
        ck_assert_str_eq(vo_vapi_resource_id(item), want[n++]);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(vo_vapi_iter_pages(it), 2);
    vo_vapi_iter_free(it);
    /* /v2 paginated, ascending, 1 per page */
    ck_assert_vo_ok(vo_vapi_numbers_list_v2(&it, c, NULL, 1, "ASC"));
    n = 0;
    while (vo_vapi_iter_next(&item, it) == VO_OK && item)
        ck_assert_str_eq(vo_vapi_resource_id(item), want[2 - n++]);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(vo_vapi_iter_pages(it), 3);
    vo_vapi_iter_free(it);
    ck_assert_vo_ok(vo_vapi_numbers_list_v2(&it, c, "5550002", 0, NULL));
    ck_assert_vo_ok(vo_vapi_iter_next(&item, it));
    ck_assert_str_eq(vo_vapi_resource_id(item), id2);
    ck_assert_vo_ok(vo_vapi_iter_next(&item, it));
    ck_assert_ptr_null(item);
    vo_vapi_iter_free(it);
    /* get, update (assistant, server, smsEnabled), delete */
    ck_assert_vo_ok(vo_vapi_numbers_get(&r, c, id2));
    ck_assert_str_eq(vo_vapi_resource_number(r), "+15005550002");
    vo_vapi_resource_free(r);
    vo_vapi_number_params u = VO_VAPI_NUMBER_PARAMS_INIT;
    u.assistant_id = asst;
    u.server_url = "https://tenant.example/pn";
    u.sms = VO_VAPI_SMS_DISABLED;
    ck_assert_vo_ok(vo_vapi_numbers_update(&r, c, id2, &u));
    ck_assert_str_eq(vo_vapi_resource_str(r, "assistantId"), asst);
    ck_assert_str_eq(vo_vapi_resource_str(r, "server.url"), "https://tenant.example/pn");
    ck_assert_vo_ok(vo_vapi_resource_bool(&b, r, "smsEnabled"));
    ck_assert_int_eq(b, 0);
    vo_vapi_resource_free(r);
    ck_assert_vo_ok(vo_vapi_numbers_delete(NULL, c, id3));
    ck_assert_vo_rc(vo_vapi_numbers_get(&r, c, id3), VO_ENOTFOUND);
    free(id2);
    free(id3);
    free(asst);
    vo_vapi_client_free(c);
}
END_TEST

START_TEST(calls)
{
    fresh();
    vo_vapi_client *c = client();
    char *asst = create_assistant(c, "caller");
    char *pn = import_number(c, "+15005550001");
    vo_vapi_call_params p = VO_VAPI_CALL_PARAMS_INIT;
    p.assistant_id = asst;
    p.phone_number_id = pn;
    p.customer_number = "+14155550123";
    p.customer_name = "Ada";
    p.name = "follow-up";
    vo_vapi_resource *r = NULL;
    ck_assert_vo_ok(vo_vapi_calls_create(&r, c, &p));
    char id1[64];
    snprintf(id1, sizeof(id1), "%s", vo_vapi_resource_id(r));
    ck_assert_str_eq(vo_vapi_resource_str(r, "type"), "outboundPhoneCall");
    ck_assert_str_eq(vo_vapi_resource_str(r, "customer.number"), "+14155550123");
    ck_assert_str_eq(vo_vapi_resource_status(r), "queued");
    vo_vapi_resource_free(r);
    /* transient assistant */
    vo_vapi_call_params t = VO_VAPI_CALL_PARAMS_INIT;
    t.assistant_json =
        "{\"firstMessage\":\"Hi\",\"model\":{\"provider\":\"openai\",\"model\":\"gpt-4o\"}}";
    t.phone_number_id = pn;
    t.customer_number = "+14155550124";
    ck_assert_vo_ok(vo_vapi_calls_create(&r, c, &t));
    char id2[64];
    snprintf(id2, sizeof(id2), "%s", vo_vapi_resource_id(r));
    ck_assert_str_eq(vo_vapi_resource_str(r, "assistant.firstMessage"), "Hi");
    vo_vapi_resource_free(r);
    /* unknown assistant: Vapi's 400 */
    p.assistant_id = NOPE;
    ck_assert_vo_rc(vo_vapi_calls_create(&r, c, &p), VO_EVALIDATION);
    p.assistant_id = asst;
    /* get, list with filters, update, delete */
    ck_assert_vo_ok(vo_vapi_calls_get(&r, c, id1));
    ck_assert_str_eq(vo_vapi_resource_str(r, "name"), "follow-up");
    vo_vapi_resource_free(r);
    vo_vapi_list_options lo = VO_VAPI_LIST_OPTIONS_INIT;
    lo.assistant_id = asst;
    vo_vapi_iter *it = NULL;
    ck_assert_vo_ok(vo_vapi_calls_list(&it, c, &lo));
    const vo_vapi_resource *item = NULL;
    ck_assert_vo_ok(vo_vapi_iter_next(&item, it));
    ck_assert_str_eq(vo_vapi_resource_id(item), id1);
    ck_assert_vo_ok(vo_vapi_iter_next(&item, it));
    ck_assert_ptr_null(item);
    vo_vapi_iter_free(it);
    vo_vapi_list_options all = VO_VAPI_LIST_OPTIONS_INIT;
    all.phone_number_id = pn;
    all.page_size = 1;
    ck_assert_vo_ok(vo_vapi_calls_list(&it, c, &all));
    int n = 0;
    while (vo_vapi_iter_next(&item, it) == VO_OK && item)
        n++;
    ck_assert_int_eq(n, 2);
    vo_vapi_iter_free(it);
    ck_assert_vo_ok(vo_vapi_calls_update(&r, c, id2, "renamed"));
    ck_assert_str_eq(vo_vapi_resource_str(r, "name"), "renamed");
    vo_vapi_resource_free(r);
    ck_assert_vo_ok(vo_vapi_calls_delete(NULL, c, id2));
    ck_assert_vo_rc(vo_vapi_calls_get(&r, c, id2), VO_ENOTFOUND);
    free(asst);
    free(pn);
    vo_vapi_client_free(c);
}
END_TEST

START_TEST(post_call_never_resent)
{
    fresh();
    vo_vapi_client *c = client();
    char *asst = create_assistant(c, "caller");
    char *pn = import_number(c, "+15005550001");
    vo_vapi_call_params p = VO_VAPI_CALL_PARAMS_INIT;
    p.assistant_id = asst;
    p.phone_number_id = pn;
    p.customer_number = "+14155550123";
    vo_vapi_resource *r = NULL;
    /* 500: may have been processed -> reported, not retried */
    sandbox_ctl_ok("DELETE", "/__sandbox/requests", NULL, 200);
    sandbox_fault("POST", "/call", "500", 1, NULL);
    ck_assert_vo_rc(vo_vapi_calls_create(&r, c, &p), VO_EUNAVAILABLE);
    ck_assert_int_eq(sandbox_count("POST", "/call"), 1);
    /* processed, then the connection dropped: one call exists, one request was sent */
    sandbox_ctl_ok("DELETE", "/__sandbox/requests", NULL, 200);
    sandbox_fault("POST", "/call", "drop_after_read", 1, NULL);
    int rc = vo_vapi_calls_create(&r, c, &p);
    ck_assert_msg(rc == VO_ENETWORK || rc == VO_ETIMEOUT, "got %s", vo_error_name(rc));
    ck_assert_int_eq(sandbox_count("POST", "/call"), 1);
    /* 429: Vapi did not process it -> retried after Retry-After, succeeds */
    sandbox_ctl_ok("DELETE", "/__sandbox/requests", NULL, 200);
    sandbox_fault("POST", "/call", "429", 1, "\"retry_after\":\"0\"");
    ck_assert_vo_ok(vo_vapi_calls_create(&r, c, &p));
    vo_vapi_resource_free(r);
    ck_assert_int_eq(sandbox_count("POST", "/call"), 2);
    /* GET is retried on 503 */
    sandbox_fault("GET", "/call", "503", 1, "\"retry_after\":\"0\"");
    vo_vapi_iter *it = NULL;
    ck_assert_vo_ok(vo_vapi_calls_list(&it, c, NULL));
    vo_vapi_iter_free(it);
    /* malformed JSON on a GET is a protocol error */
    sandbox_fault("GET", "/assistant", "malformed", 4, NULL);
    ck_assert_vo_rc(vo_vapi_assistants_list(&it, c, NULL), VO_EPROTOCOL);
    sandbox_ctl_ok("DELETE", "/__sandbox/faults", NULL, 200);
    free(asst);
    free(pn);
    vo_vapi_client_free(c);
}
END_TEST

START_TEST(no_secret_in_logs_or_errors)
{
    fresh();
    pt_log_start();
    vo_vapi_client *c = client();
    char *pn = import_number(c, "+15005550001");
    vo_vapi_resource *r = NULL;
    vo_vault *v = pt_vault_open();
    vo_vapi_number_params p = VO_VAPI_NUMBER_PARAMS_INIT;
    p.number = "+15005550001";
    ck_assert_vo_rc(vo_vapi_numbers_import_twilio(&r, c, v, TENANT, &p), VO_EVALIDATION);
    ck_assert_ptr_null(strstr(vo_error_last()->message, TOKEN));
    ck_assert_ptr_null(strstr(vo_error_last()->message, VKEY));
    vo_vault_close(v);
    vo_vapi_client_free(c);
    pt_log_stop();
    ck_assert_uint_gt(pt_log_len, 0);
    ck_assert_ptr_nonnull(strstr(pt_log, "POST /phone-number"));
    ck_assert_ptr_null(strstr(pt_log, TOKEN));
    ck_assert_ptr_null(strstr(pt_log, VKEY));
    free(pn);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("vapi_client");
    TCase *l = tcase_create("local");
    tcase_add_test(l, construction_and_bad_input);
    tcase_add_test(l, error_code_table);
    suite_add_tcase(s, l);
    TCase *ops = tcase_create("sandbox");
    tcase_add_unchecked_fixture(ops, up, down);
    tcase_set_timeout(ops, 60);
    tcase_add_test(ops, tenant_scoping_and_auth);
    tcase_add_test(ops, assistants_crud);
    tcase_add_test(ops, assistants_list_pages_and_filters);
    tcase_add_test(ops, phone_numbers);
    tcase_add_test(ops, number_import_with_api_key_sends_no_auth_token);
    tcase_add_test(ops, calls);
    tcase_add_test(ops, post_call_never_resent);
    tcase_add_test(ops, no_secret_in_logs_or_errors);
    suite_add_tcase(s, ops);
    return s;
}

VO_SANDBOX_TEST_MAIN(suite)
