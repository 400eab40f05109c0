/* The shared HTTP transport, the Twilio and Vapi clients and their iterators. Requests run
 * on the libuv pool; a client is thread-safe (docs/http.md), an iterator is used by one job
 * at a time (lib/index.js chains its next() calls). */
#include "addon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- option objects ----------------------------------------------------------------- */

int vn_http_opts_from(napi_env env, napi_value obj, vo_http_options *o, char **ca, char **ua)
{
    vo_http_options_init(o, VO_HTTP_OPTIONS_VERSION);
    *ca = *ua = NULL;
    if (vn_is_nullish(env, obj))
        return 0;
    int64_t v[11];
    static const char *const names[11] = {
        "connectTimeoutMs",  "timeoutMs",        "deadlineMs",      "maxAttempts",
        "backoffBaseMs",     "backoffMaxMs",     "retryAfterMaxMs", "breakerThreshold",
        "breakerCooldownMs", "maxResponseBytes", "maxIdleHandles"};
    for (int k = 0; k < 11; k++)
        if (vn_prop_int64(env, obj, names[k], &v[k], 0))
            return -1;
    if (vn_prop_str(env, obj, "caBundlePath", ca) ||
        vn_prop_str(env, obj, "userAgentSuffix", ua) ||
        vn_prop_bool(env, obj, "disableHttp2", &o->disable_http2))
        return -1;
    o->connect_timeout_ms = (long)v[0];
    o->timeout_ms = (long)v[1];
    o->deadline_ms = (long)v[2];
    o->max_attempts = (int)v[3];
    o->backoff_base_ms = (long)v[4];
    o->backoff_max_ms = (long)v[5];
    o->retry_after_max_ms = (long)v[6];
    o->breaker_threshold = (int)v[7];
    o->breaker_cooldown_ms = (long)v[8];
    o->max_response_bytes = (size_t)v[9];
    o->max_idle_handles = (int)v[10];
    o->ca_bundle_path = *ca;
    o->user_agent_suffix = *ua;
    return 0;
}

/* Options of a client: Twilio, Vapi and the services share the HTTP part. */
typedef struct client_opts {
    vo_twilio_options tw;
    vo_vapi_options va;
    vo_http_options http;
    char *str[8];
    int has_http;
} client_opts;

static void client_opts_free(client_opts *o)
{
    for (int k = 0; k < 8; k++) {
        free(o->str[k]);
        o->str[k] = NULL;
    }
}

/* The shared HTTP client of `obj.httpClient`: pinned when a job is given, else borrowed for
 * the duration of a synchronous call. */
static int http_client_prop(napi_env env, napi_value obj, vn_job *job, vo_http_client **out)
{
    napi_value hv = NULL;
    *out = NULL;
    if (vn_prop_get(env, obj, "httpClient", &hv))
        return -1;
    if (!hv || vn_is_nullish(env, hv))
        return 0;
    if (job) {
        *out = vn_job_pin(env, job, hv, VN_HTTP);
        return *out ? 0 : -1;
    }
    vn_handle *h = vn_handle_get(env, hv, VN_HTTP);
    if (!h)
        return -1;
    *out = h->ptr;
    return 0;
}

static int client_opts_from(napi_env env, napi_value obj, vn_job *job, client_opts *o)
{
    memset(o, 0, sizeof(*o));
    vo_twilio_options_init(&o->tw, VO_TWILIO_OPTIONS_VERSION);
    vo_vapi_options_init(&o->va, VO_VAPI_OPTIONS_VERSION);
    if (vn_is_nullish(env, obj)) {
        vo_http_options_init(&o->http, VO_HTTP_OPTIONS_VERSION);
        return 0;
    }
    napi_value hv = NULL;
    vo_http_client *hc = NULL;
    if (vn_prop_str(env, obj, "apiBaseUrl", &o->str[0]) ||
        vn_prop_str(env, obj, "accountsBaseUrl", &o->str[1]) ||
        vn_prop_str(env, obj, "region", &o->str[2]) ||
        vn_prop_str(env, obj, "edge", &o->str[3]) ||
        vn_prop_str(env, obj, "serviceAccountTenant", &o->str[4]) ||
        vn_prop_str(env, obj, "baseUrl", &o->str[5]) ||
        vn_prop_bool(env, obj, "allowServiceAccountFallback",
                     &o->tw.allow_service_account_fallback) ||
        vn_prop_bool(env, obj, "allowInsecureHttp", &o->tw.allow_insecure_http) ||
        vn_prop_get(env, obj, "http", &hv) ||
        vn_http_opts_from(env, hv, &o->http, &o->str[6], &o->str[7]) ||
        http_client_prop(env, obj, job, &hc))
        return -1;
    o->has_http = hv && !vn_is_nullish(env, hv);
    o->tw.api_base_url = o->str[0];
    o->tw.accounts_base_url = o->str[1];
    o->tw.region = o->str[2];
    o->tw.edge = o->str[3];
    o->tw.service_account_tenant = o->str[4];
    o->tw.http = o->has_http ? &o->http : NULL;
    o->tw.http_client = hc;
    o->va.base_url = o->str[5];
    o->va.http = o->tw.http;
    o->va.http_client = hc;
    o->va.allow_insecure_http = o->tw.allow_insecure_http;
    return 0;
}

/* ---- HTTP client -------------------------------------------------------------------- */

/* httpClientNew(opts) -> handle */
static napi_value n_http_client_new(napi_env env, napi_callback_info info)
{
    VN_ARGS(1);
    vo_http_options o;
    char *ca = NULL, *ua = NULL;
    if (vn_http_opts_from(env, argv[0], &o, &ca, &ua)) {
        free(ca);
        free(ua);
        return NULL;
    }
    vo_http_client *c = NULL;
    int rc = vo_http_client_new(&c, &o);
    free(ca);
    free(ua);
    if (rc != VO_OK)
        return vn_throw_last(env);
    return vn_handle_wrap(env, VN_HTTP, c);
}

/* httpClientInfo(handle) -> { userAgent, requests, attempts, retries, connects, ... } */
static napi_value n_http_client_info(napi_env env, napi_callback_info info)
{
    VN_ARGS(1);
    vn_handle *h = vn_handle_get(env, argv[0], VN_HTTP);
    if (!h)
        return NULL;
    vo_http_stats st;
    vo_http_stats_init(&st, VO_HTTP_STATS_VERSION);
    if (vo_http_client_stats(&st, h->ptr) != VO_OK)
        return vn_throw_last(env);
    napi_value o = vn_object(env);
    vn_set_str(env, o, "userAgent", vo_http_client_user_agent(h->ptr));
    vn_set_int(env, o, "requests", (int64_t)st.requests);
    vn_set_int(env, o, "attempts", (int64_t)st.attempts);
    vn_set_int(env, o, "retries", (int64_t)st.retries);
    vn_set_int(env, o, "connects", (int64_t)st.connects);
    vn_set_int(env, o, "breakerRejections", (int64_t)st.breaker_rejections);
    return o;
}

typedef struct send_ctx {
    vo_http_client *client;
    vo_http_request req;
    vo_param *query, *form, *headers;
    char **qs, **fs, **hs;
    size_t qn, fn, hn;
    char *str[9];
} send_ctx;

static void send_exec(vn_job *job)
{
    send_ctx *c = job->ctx;
    vn_job_result(job, vo_http_send((vo_http_response **)&job->out[0], c->client, &c->req));
}

static napi_value send_done(napi_env env, vn_job *job)
{
    vo_http_response *r = job->out[0];
    napi_value o = vn_object(env), body, headers;
    size_t len = 0;
    const char *b = vo_http_response_body(r, &len);
    void *copy;
    napi_create_buffer_copy(env, len, b ? b : "", &copy, &body);
    vn_set_int(env, o, "status", vo_http_response_status(r));
    vn_set(env, o, "body", body);
    size_t n = vo_http_response_header_count(r);
    napi_create_array_with_length(env, n, &headers);
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL, *value = NULL;
        napi_value pair;
        vo_http_response_header_at(&name, &value, r, i);
        napi_create_array_with_length(env, 2, &pair);
        napi_set_element(env, pair, 0, vn_string(env, name));
        napi_set_element(env, pair, 1, vn_string(env, value));
        napi_set_element(env, headers, (uint32_t)i, pair);
    }
    vn_set(env, o, "headers", headers);
    vn_set_str(env, o, "requestId", vo_http_response_request_id(r));
    vn_set_str(env, o, "correlationId", vo_http_response_correlation_id(r));
    vn_set_int(env, o, "attempts", vo_http_response_attempts(r));
    vn_set_int(env, o, "durationMs", vo_http_response_duration_ms(r));
    vn_set_int(env, o, "newConnections", vo_http_response_new_connections(r));
    vn_set_int(env, o, "retryAfterMs", vo_http_response_retry_after_ms(r));
    return o;
}

static void send_cleanup(vn_job *job)
{
    send_ctx *c = job->ctx;
    vo_http_response_free(job->out[0]);
    vn_params_free(c->query, c->qs, c->qn);
    vn_params_free(c->form, c->fs, c->fn);
    vn_params_free(c->headers, c->hs, c->hn);
    for (int k = 0; k < 9; k++)
        vn_wipe_free(c->str[k]);
}

/* httpSend(handle, request) -> Promise<response> */
static napi_value n_http_send(napi_env env, napi_callback_info info)
{
    VN_ARGS(2);
    vn_job *job = vn_job_new(env, sizeof(send_ctx));
    if (!job)
        return NULL;
    send_ctx *c = job->ctx;
    job->exec = send_exec;
    job->done = send_done;
    job->cleanup = send_cleanup;
    vo_http_request_init(&c->req, VO_HTTP_REQUEST_VERSION);
    napi_value o = argv[1], q, f, h;
    int64_t deadline = 0, idem = 0;
    c->client = vn_job_pin(env, job, argv[0], VN_HTTP);
    if (!c->client || vn_prop_str(env, o, "method", &c->str[0]) ||
        vn_prop_str(env, o, "baseUrl", &c->str[1]) || vn_prop_str(env, o, "path", &c->str[2]) ||
        vn_prop_str(env, o, "contentType", &c->str[3]) ||
        vn_prop_str(env, o, "username", &c->str[4]) ||
        vn_prop_str(env, o, "password", &c->str[5]) ||
        vn_prop_str(env, o, "bearerToken", &c->str[6]) ||
        vn_prop_str(env, o, "correlationId", &c->str[7]) ||
        vn_prop_int64(env, o, "deadlineMs", &deadline, 0) ||
        vn_prop_int64(env, o, "idempotency", &idem, 0) || vn_prop_get(env, o, "query", &q) ||
        vn_prop_get(env, o, "form", &f) || vn_prop_get(env, o, "headers", &h) ||
        vn_params(env, q, "query", &c->query, &c->qs, &c->qn) ||
        vn_params(env, f, "form", &c->form, &c->fs, &c->fn) ||
        vn_params(env, h, "headers", &c->headers, &c->hs, &c->hn))
        goto fail;
    napi_value bv;
    if (vn_prop_get(env, o, "body", &bv))
        goto fail;
    if (bv && !vn_is_nullish(env, bv) &&
        vn_bytes_copy(env, bv, "body", &job->buf, &job->buf_len))
        goto fail;
    c->req.method = c->str[0];
    c->req.base_url = c->str[1];
    c->req.path = c->str[2];
    c->req.content_type = c->str[3];
    c->req.username = c->str[4];
    c->req.password = c->str[5];
    c->req.bearer_token = c->str[6];
    c->req.correlation_id = c->str[7];
    c->req.deadline_ms = (long)deadline;
    c->req.idempotency = (vo_http_idempotency)idem;
    c->req.query = c->query;
    c->req.query_count = c->qn;
    c->req.form = c->form;
    c->req.form_count = c->fn;
    c->req.headers = c->headers;
    c->req.header_count = c->hn;
    c->req.body = (const char *)job->buf;
    c->req.body_len = job->buf_len;
    return vn_job_queue(env, job, "voiceops.httpSend");
fail:
    vn_job_discard(env, job);
    return NULL;
}

/* ---- resources ---------------------------------------------------------------------- */

static napi_value twilio_resource_value(napi_env env, const vo_twilio_resource *r)
{
    napi_value o = vn_object(env);
    vn_set_str(env, o, "json", vo_twilio_resource_json(r));
    vn_set_str(env, o, "requestId", vo_twilio_resource_request_id(r));
    return o;
}

static napi_value vapi_resource_value(napi_env env, const vo_vapi_resource *r)
{
    napi_value o = vn_object(env);
    vn_set_str(env, o, "json", vo_vapi_resource_json(r));
    vn_set_str(env, o, "requestId", vo_vapi_resource_request_id(r));
    return o;
}

/* ---- client construction ------------------------------------------------------------ */

/* twilioClientNew(credentials, opts) -> handle (no I/O: the credentials are given) */
static napi_value n_twilio_client_new(napi_env env, napi_callback_info info)
{
    VN_ARGS(2);
    vo_twilio_credentials *creds = NULL;
    client_opts o;
    napi_value result = NULL;
    if (vn_twilio_creds_from(env, argv[0], &creds))
        return NULL;
    if (!client_opts_from(env, argv[1], NULL, &o)) {
        vo_twilio_client *c = NULL;
        if (vo_twilio_client_new(&c, creds, &o.tw) != VO_OK)
            vn_throw_last(env);
        else
            result = vn_handle_wrap(env, VN_TWILIO, c);
    }
    client_opts_free(&o);
    vo_twilio_credentials_free(creds);
    return result;
}

/* vapiClientNew(apiKey, opts) -> handle */
static napi_value n_vapi_client_new(napi_env env, napi_callback_info info)
{
    VN_ARGS(2);
    char *key = NULL;
    client_opts o;
    napi_value result = NULL;
    napi_valuetype t;
    napi_typeof(env, argv[0], &t);
    if (t == napi_external) {
        vn_handle *h = vn_handle_get(env, argv[0], VN_SECRET);
        if (!h)
            return NULL;
        key = strndup((const char *)vo_secret_data(h->ptr), vo_secret_len(h->ptr));
        if (!key)
            return vn_throw_code(env, VO_ENOMEM, "out of memory");
    } else if (vn_str(env, argv[0], "apiKey", 0, &key)) {
        return NULL;
    }
    if (!client_opts_from(env, argv[1], NULL, &o)) {
        vo_vapi_client *c = NULL;
        if (vo_vapi_client_new(&c, key, &o.va) != VO_OK)
            vn_throw_last(env);
        else
            result = vn_handle_wrap(env, VN_VAPI, c);
    }
    client_opts_free(&o);
    vn_wipe_free(key);
    return result;
}

typedef struct for_tenant_ctx {
    vo_vault *vault;
    client_opts o;
    int vapi;
} for_tenant_ctx;

static void for_tenant_exec(vn_job *job)
{
    for_tenant_ctx *c = job->ctx;
    int rc = c->vapi ? vo_vapi_client_for_tenant((vo_vapi_client **)&job->out[0], c->vault,
                                                 job->s[0], &c->o.va)
                     : vo_twilio_client_for_tenant((vo_twilio_client **)&job->out[0], c->vault,
                                                   job->s[0], &c->o.tw);
    vn_job_result(job, rc);
}

static napi_value for_tenant_done(napi_env env, vn_job *job)
{
    for_tenant_ctx *c = job->ctx;
    napi_value v = vn_handle_wrap(env, c->vapi ? VN_VAPI : VN_TWILIO, job->out[0]);
    job->out[0] = NULL;
    return v;
}

static void for_tenant_cleanup(vn_job *job)
{
    for_tenant_ctx *c = job->ctx;
    if (c->vapi)
        vo_vapi_client_free(job->out[0]);
    else
        vo_twilio_client_free(job->out[0]);
    client_opts_free(&c->o);
}

/* clientForTenant(kind "twilio" | "vapi", vault, tenant, opts) -> Promise<handle> */
static napi_value n_client_for_tenant(napi_env env, napi_callback_info info)
{
    VN_ARGS(4);
    char *kind = NULL;
    if (vn_str(env, argv[0], "kind", 0, &kind))
        return NULL;
    vn_job *job = vn_job_new(env, sizeof(for_tenant_ctx));
    if (!job) {
        free(kind);
        return NULL;
    }
    for_tenant_ctx *c = job->ctx;
    c->vapi = strcmp(kind, "vapi") == 0;
    free(kind);
    job->exec = for_tenant_exec;
    job->done = for_tenant_done;
    job->cleanup = for_tenant_cleanup;
    c->vault = vn_job_pin(env, job, argv[1], VN_VAULT);
    if (!c->vault || vn_str(env, argv[2], "tenant", 0, &job->s[0]) ||
        client_opts_from(env, argv[3], job, &c->o)) {
        vn_job_discard(env, job);
        return NULL;
    }
    return vn_job_queue(env, job, "voiceops.clientForTenant");
}

/* twilioClientInfo(handle) -> { accountSid, apiBaseUrl, isFallback } */
static napi_value n_twilio_client_info(napi_env env, napi_callback_info info)
{
    VN_ARGS(1);
    vn_handle *h = vn_handle_get(env, argv[0], VN_TWILIO);
    if (!h)
        return NULL;
    napi_value o = vn_object(env);
    vn_set_str(env, o, "accountSid", vo_twilio_client_account_sid(h->ptr));
    vn_set_str(env, o, "apiBaseUrl", vo_twilio_client_api_base_url(h->ptr));
    vn_set(env, o, "isFallback", vn_bool(env, vo_twilio_client_is_fallback(h->ptr) == 1));
    return o;
}

/* vapiClientInfo(handle) -> { baseUrl, tenant } */
static napi_value n_vapi_client_info(napi_env env, napi_callback_info info)
{
    VN_ARGS(1);
    vn_handle *h = vn_handle_get(env, argv[0], VN_VAPI);
    if (!h)
        return NULL;
    napi_value o = vn_object(env);
    vn_set_str(env, o, "baseUrl", vo_vapi_client_base_url(h->ptr));
    vn_set_str(env, o, "tenant", vo_vapi_client_tenant(h->ptr));
    return o;
}

/* ---- Twilio operations -------------------------------------------------------------- */

enum twilio_op {
    TW_ACCOUNT_GET,
    TW_SUBACCOUNTS_LIST,
    TW_SUBACCOUNTS_CREATE,
    TW_NUMBERS_LIST,
    TW_NUMBERS_GET,
    TW_NUMBERS_UPDATE,
    TW_NUMBERS_PURCHASE,
    TW_NUMBERS_RELEASE,
    TW_AVAILABLE_SEARCH,
    TW_CALLS_CREATE,
    TW_CALLS_GET,
    TW_CALLS_LIST,
    TW_CALLS_UPDATE,
    TW_MESSAGES_CREATE,
    TW_MESSAGES_GET,
    TW_MESSAGES_LIST,
    TW_KEYS_LIST,
    TW_KEYS_CREATE,
    TW_KEYS_CREATE_IN_VAULT,
    TW_KEYS_DELETE,
    TW_AUTH_SECONDARY_CREATE,
    TW_AUTH_SECONDARY_DELETE,
    TW_AUTH_PROMOTE,
    TW_COUNT
};

#define CORR_SLOT (VN_JOB_STRINGS - 1)

typedef struct client_ctx {
    int op;
    void *client;
    vo_vault *vault;
    /* Vapi parameter structs */
    vo_vapi_assistant_params ap;
    vo_vapi_call_params cp;
    vo_vapi_number_params np;
    vo_vapi_list_options lo;
    char *pstr[16];
} client_ctx;

static void twilio_exec(vn_job *job)
{
    client_ctx *c = job->ctx;
    vo_twilio_client *cl = c->client;
    vo_twilio_resource **res = (vo_twilio_resource **)&job->out[0];
    vo_secret **sec = (vo_secret **)&job->out[1];
    vo_twilio_iter **it = (vo_twilio_iter **)&job->out[2];
    const vo_param *p = job->params;
    size_t pn = job->param_count;
    char **s = job->s;
    int rc = VO_EINTERNAL;
    if (s[CORR_SLOT])
        vo_correlation_id_set(s[CORR_SLOT]);
    switch (c->op) {
    case TW_ACCOUNT_GET: rc = vo_twilio_account_get(res, cl); break;
    case TW_SUBACCOUNTS_LIST: rc = vo_twilio_subaccounts_list(it, cl, p, pn); break;
    case TW_SUBACCOUNTS_CREATE: rc = vo_twilio_subaccounts_create(res, sec, cl, s[0]); break;
    case TW_NUMBERS_LIST: rc = vo_twilio_numbers_list(it, cl, p, pn); break;
    case TW_NUMBERS_GET: rc = vo_twilio_numbers_get(res, cl, s[0]); break;
    case TW_NUMBERS_UPDATE: rc = vo_twilio_numbers_update(res, cl, s[0], p, pn); break;
    case TW_NUMBERS_PURCHASE: rc = vo_twilio_numbers_purchase(res, cl, p, pn); break;
    case TW_NUMBERS_RELEASE: rc = vo_twilio_numbers_release(cl, s[0]); break;
    case TW_AVAILABLE_SEARCH:
        rc = vo_twilio_available_numbers_search(it, cl, s[0], s[1], p, pn);
        break;
    case TW_CALLS_CREATE: rc = vo_twilio_calls_create(res, cl, s[0], s[1], p, pn); break;
    case TW_CALLS_GET: rc = vo_twilio_calls_get(res, cl, s[0]); break;
    case TW_CALLS_LIST: rc = vo_twilio_calls_list(it, cl, p, pn); break;
    case TW_CALLS_UPDATE: rc = vo_twilio_calls_update(res, cl, s[0], p, pn); break;
    case TW_MESSAGES_CREATE: rc = vo_twilio_messages_create(res, cl, s[0], p, pn); break;
    case TW_MESSAGES_GET: rc = vo_twilio_messages_get(res, cl, s[0]); break;
    case TW_MESSAGES_LIST: rc = vo_twilio_messages_list(it, cl, p, pn); break;
    case TW_KEYS_LIST: rc = vo_twilio_keys_list(it, cl, p, pn); break;
    case TW_KEYS_CREATE: rc = vo_twilio_keys_create(res, sec, cl, s[0]); break;
    case TW_KEYS_CREATE_IN_VAULT:
        rc = vo_twilio_keys_create_in_vault(res, cl, c->vault, s[0], s[1]);
        break;
    case TW_KEYS_DELETE: rc = vo_twilio_keys_delete(cl, s[0]); break;
    case TW_AUTH_SECONDARY_CREATE:
        rc = vo_twilio_auth_token_secondary_create(res, sec, cl);
        break;
    case TW_AUTH_SECONDARY_DELETE: rc = vo_twilio_auth_token_secondary_delete(cl); break;
    case TW_AUTH_PROMOTE: rc = vo_twilio_auth_token_promote(res, sec, cl); break;
    default: break;
    }
    vn_job_result(job, rc);
    if (s[CORR_SLOT])
        vo_correlation_id_set(NULL);
}

static napi_value twilio_done(napi_env env, vn_job *job)
{
    if (job->out[2]) {
        napi_value v = vn_handle_wrap(env, VN_TWILIO_ITER, job->out[2]);
        job->out[2] = NULL;
        return v;
    }
    if (!job->out[0])
        return vn_undefined(env);
    napi_value o = twilio_resource_value(env, job->out[0]);
    if (job->out[1]) {
        vn_set(env, o, "secret", vn_handle_wrap(env, VN_SECRET, job->out[1]));
        job->out[1] = NULL;
    }
    return o;
}

static void twilio_cleanup(vn_job *job)
{
    vo_twilio_resource_free(job->out[0]);
    vo_secret_free(job->out[1]);
    vo_twilio_iter_free(job->out[2]);
}

/* Common argument handling of twilioCall / vapiCall: (handle, op, strings, extra). */
static vn_job *client_job(napi_env env, napi_value *argv, vn_kind kind, int op_count)
{
    int64_t op = 0;
    if (vn_int64(env, argv[1], "op", &op))
        return NULL;
    if (op < 0 || op >= op_count) {
        vn_throw_type(env, "unknown client operation");
        return NULL;
    }
    vn_job *job = vn_job_new(env, sizeof(client_ctx));
    if (!job)
        return NULL;
    client_ctx *c = job->ctx;
    c->op = (int)op;
    c->client = vn_job_pin(env, job, argv[0], kind);
    if (!c->client)
        goto fail;
    if (!vn_is_nullish(env, argv[2])) {
        uint32_t n = 0;
        napi_get_array_length(env, argv[2], &n);
        for (uint32_t k = 0; k < n && k < VN_JOB_STRINGS; k++) {
            napi_value e;
            napi_get_element(env, argv[2], k, &e);
            if (vn_str(env, e, "argument", 1, &job->s[k]))
                goto fail;
        }
    }
    return job;
fail:
    vn_job_discard(env, job);
    return NULL;
}

/* twilioCall(handle, op, strings, params, vault) -> Promise */
static napi_value n_twilio_call(napi_env env, napi_callback_info info)
{
    VN_ARGS(5);
    vn_job *job = client_job(env, argv, VN_TWILIO, TW_COUNT);
    if (!job)
        return NULL;
    client_ctx *c = job->ctx;
    job->exec = twilio_exec;
    job->done = twilio_done;
    job->cleanup = twilio_cleanup;
    if (vn_params(env, argv[3], "params", &job->params, &job->param_store, &job->param_count))
        goto fail;
    if (c->op == TW_KEYS_CREATE_IN_VAULT &&
        !(c->vault = vn_job_pin(env, job, argv[4], VN_VAULT)))
        goto fail;
    return vn_job_queue(env, job, "voiceops.twilio");
fail:
    vn_job_discard(env, job);
    return NULL;
}

/* ---- Vapi operations ---------------------------------------------------------------- */

enum vapi_op {
    VA_ASSISTANTS_CREATE,
    VA_ASSISTANTS_LIST,
    VA_ASSISTANTS_GET,
    VA_ASSISTANTS_UPDATE,
    VA_ASSISTANTS_DELETE,
    VA_CALLS_CREATE,
    VA_CALLS_GET,
    VA_CALLS_LIST,
    VA_CALLS_UPDATE,
    VA_CALLS_DELETE,
    VA_NUMBERS_IMPORT_TWILIO,
    VA_NUMBERS_LIST,
    VA_NUMBERS_LIST_V2,
    VA_NUMBERS_GET,
    VA_NUMBERS_UPDATE,
    VA_NUMBERS_DELETE,
    VA_COUNT
};

static void vapi_exec(vn_job *job)
{
    client_ctx *c = job->ctx;
    vo_vapi_client *cl = c->client;
    vo_vapi_resource **res = (vo_vapi_resource **)&job->out[0];
    vo_vapi_iter **it = (vo_vapi_iter **)&job->out[2];
    char **s = job->s;
    int rc = VO_EINTERNAL;
    if (s[CORR_SLOT])
        vo_correlation_id_set(s[CORR_SLOT]);
    switch (c->op) {
    case VA_ASSISTANTS_CREATE: rc = vo_vapi_assistants_create(res, cl, &c->ap); break;
    case VA_ASSISTANTS_LIST: rc = vo_vapi_assistants_list(it, cl, &c->lo); break;
    case VA_ASSISTANTS_GET: rc = vo_vapi_assistants_get(res, cl, s[0]); break;
    case VA_ASSISTANTS_UPDATE: rc = vo_vapi_assistants_update(res, cl, s[0], &c->ap); break;
    case VA_ASSISTANTS_DELETE: rc = vo_vapi_assistants_delete(res, cl, s[0]); break;
    case VA_CALLS_CREATE: rc = vo_vapi_calls_create(res, cl, &c->cp); break;
    case VA_CALLS_GET: rc = vo_vapi_calls_get(res, cl, s[0]); break;
    case VA_CALLS_LIST: rc = vo_vapi_calls_list(it, cl, &c->lo); break;
    case VA_CALLS_UPDATE: rc = vo_vapi_calls_update(res, cl, s[0], s[1]); break;
    case VA_CALLS_DELETE: rc = vo_vapi_calls_delete(res, cl, s[0]); break;
    case VA_NUMBERS_IMPORT_TWILIO:
        rc = vo_vapi_numbers_import_twilio(res, cl, c->vault, s[0], &c->np);
        break;
    case VA_NUMBERS_LIST: rc = vo_vapi_numbers_list(it, cl, &c->lo); break;
    case VA_NUMBERS_LIST_V2:
        rc = vo_vapi_numbers_list_v2(it, cl, s[0], (long)job->i[0], s[1]);
        break;
    case VA_NUMBERS_GET: rc = vo_vapi_numbers_get(res, cl, s[0]); break;
    case VA_NUMBERS_UPDATE: rc = vo_vapi_numbers_update(res, cl, s[0], &c->np); break;
    case VA_NUMBERS_DELETE: rc = vo_vapi_numbers_delete(res, cl, s[0]); break;
    default: break;
    }
    vn_job_result(job, rc);
    if (s[CORR_SLOT])
        vo_correlation_id_set(NULL);
}

static napi_value vapi_done(napi_env env, vn_job *job)
{
    if (job->out[2]) {
        napi_value v = vn_handle_wrap(env, VN_VAPI_ITER, job->out[2]);
        job->out[2] = NULL;
        return v;
    }
    if (!job->out[0])
        return vn_undefined(env);
    return vapi_resource_value(env, job->out[0]);
}

static void vapi_cleanup(vn_job *job)
{
    client_ctx *c = job->ctx;
    vo_vapi_resource_free(job->out[0]);
    vo_vapi_iter_free(job->out[2]);
    for (int k = 0; k < 16; k++)
        free(c->pstr[k]);
}

/* Read `names` of obj into c->pstr from slot `first`; returns -1 on a thrown error. */
static int read_strs(napi_env env, napi_value obj, client_ctx *c, int first,
                     const char *const *names, int n)
{
    for (int k = 0; k < n; k++)
        if (vn_prop_str(env, obj, names[k], &c->pstr[first + k]))
            return -1;
    return 0;
}

static int vapi_params_from(napi_env env, napi_value obj, client_ctx *c)
{
    vo_vapi_assistant_params_init(&c->ap, VO_VAPI_ASSISTANT_PARAMS_VERSION);
    vo_vapi_call_params_init(&c->cp, VO_VAPI_CALL_PARAMS_VERSION);
    vo_vapi_number_params_init(&c->np, VO_VAPI_NUMBER_PARAMS_VERSION);
    vo_vapi_list_options_init(&c->lo, VO_VAPI_LIST_OPTIONS_VERSION);
    if (vn_is_nullish(env, obj))
        return 0;
    char **p = c->pstr;
    int64_t a = 0, b = 0;
    switch (c->op) {
    case VA_ASSISTANTS_CREATE:
    case VA_ASSISTANTS_UPDATE: {
        static const char *const n[] = {
            "name",  "firstMessage", "serverUrl",   "serverCredentialId",
            "model", "voice",        "transcriber", "extra"};
        if (read_strs(env, obj, c, 0, n, 8) ||
            vn_prop_int64(env, obj, "serverTimeoutSeconds", &a, 0))
            return -1;
        c->ap.name = p[0];
        c->ap.first_message = p[1];
        c->ap.server_url = p[2];
        c->ap.server_credential_id = p[3];
        c->ap.model_json = p[4];
        c->ap.voice_json = p[5];
        c->ap.transcriber_json = p[6];
        c->ap.extra_json = p[7];
        c->ap.server_timeout_seconds = (long)a;
        return 0;
    }
    case VA_CALLS_CREATE: {
        static const char *const n[] = {"assistantId",    "assistant",    "phoneNumberId",
                                        "customerNumber", "customerName", "name",
                                        "extra"};
        if (read_strs(env, obj, c, 0, n, 7))
            return -1;
        c->cp.assistant_id = p[0];
        c->cp.assistant_json = p[1];
        c->cp.phone_number_id = p[2];
        c->cp.customer_number = p[3];
        c->cp.customer_name = p[4];
        c->cp.name = p[5];
        c->cp.extra_json = p[6];
        return 0;
    }
    case VA_NUMBERS_IMPORT_TWILIO:
    case VA_NUMBERS_UPDATE: {
        static const char *const n[] = {
            "number", "name", "assistantId", "serverUrl", "serverCredentialId", "extra"};
        if (read_strs(env, obj, c, 0, n, 6) || vn_prop_int64(env, obj, "sms", &a, 0))
            return -1;
        c->np.number = p[0];
        c->np.name = p[1];
        c->np.assistant_id = p[2];
        c->np.server_url = p[3];
        c->np.server_credential_id = p[4];
        c->np.extra_json = p[5];
        c->np.sms = (vo_vapi_sms)a;
        return 0;
    }
    case VA_ASSISTANTS_LIST:
    case VA_CALLS_LIST:
    case VA_NUMBERS_LIST: {
        static const char *const n[] = {"createdAtGt", "createdAtLt",  "createdAtGe",
                                        "createdAtLe", "updatedAtGt",  "updatedAtLt",
                                        "updatedAtGe", "updatedAtLe",  "id",
                                        "assistantId", "phoneNumberId"};
        if (read_strs(env, obj, c, 0, n, 11) || vn_prop_int64(env, obj, "limit", &a, 0) ||
            vn_prop_int64(env, obj, "pageSize", &b, 0))
            return -1;
        c->lo.limit = (long)a;
        c->lo.page_size = (long)b;
        c->lo.created_at_gt = p[0];
        c->lo.created_at_lt = p[1];
        c->lo.created_at_ge = p[2];
        c->lo.created_at_le = p[3];
        c->lo.updated_at_gt = p[4];
        c->lo.updated_at_lt = p[5];
        c->lo.updated_at_ge = p[6];
        c->lo.updated_at_le = p[7];
        c->lo.id = p[8];
        c->lo.assistant_id = p[9];
        c->lo.phone_number_id = p[10];
        return 0;
    }
    default: return 0;
    }
}

/* vapiCall(handle, op, strings, params, vault, ints) -> Promise */
static napi_value n_vapi_call(napi_env env, napi_callback_info info)
{
    VN_ARGS(6);
    vn_job *job = client_job(env, argv, VN_VAPI, VA_COUNT);
    if (!job)
        return NULL;
    client_ctx *c = job->ctx;
    job->exec = vapi_exec;
    job->done = vapi_done;
    job->cleanup = vapi_cleanup;
    if (vapi_params_from(env, argv[3], c))
        goto fail;
    if (c->op == VA_NUMBERS_IMPORT_TWILIO &&
        !(c->vault = vn_job_pin(env, job, argv[4], VN_VAULT)))
        goto fail;
    if (argc > 5 && !vn_is_nullish(env, argv[5])) {
        uint32_t n = 0;
        napi_get_array_length(env, argv[5], &n);
        for (uint32_t k = 0; k < n && k < VN_JOB_INTS; k++) {
            napi_value e;
            napi_get_element(env, argv[5], k, &e);
            if (vn_int64(env, e, "argument", &job->i[k]))
                goto fail;
        }
    }
    return vn_job_queue(env, job, "voiceops.vapi");
fail:
    vn_job_discard(env, job);
    return NULL;
}

/* ---- iterators ---------------------------------------------------------------------- */

typedef struct iter_ctx {
    void *it;
    int vapi;
} iter_ctx;

static void iter_exec(vn_job *job)
{
    iter_ctx *c = job->ctx;
    int rc = c->vapi ? vo_vapi_iter_next((const vo_vapi_resource **)&job->out[0], c->it)
                     : vo_twilio_iter_next((const vo_twilio_resource **)&job->out[0], c->it);
    vn_job_result(job, rc);
    job->o[0] = c->vapi ? vo_vapi_iter_pages(c->it) : vo_twilio_iter_pages(c->it);
}

/* The item belongs to the iterator, which this job still pins: convert it here. */
static napi_value iter_done(napi_env env, vn_job *job)
{
    iter_ctx *c = job->ctx;
    napi_value o = vn_object(env);
    vn_set_int(env, o, "pages", job->o[0]);
    if (!job->out[0]) { /* NULL item: the list is exhausted */
        vn_set(env, o, "item", vn_null(env));
        return o;
    }
    vn_set(env, o, "item",
           c->vapi ? vapi_resource_value(env, job->out[0])
                   : twilio_resource_value(env, job->out[0]));
    return o;
}

/* iterNext(handle) -> Promise<{ item, pages }> */
static napi_value n_iter_next(napi_env env, napi_callback_info info)
{
    VN_ARGS(1);
    vn_job *job = vn_job_new(env, sizeof(iter_ctx));
    if (!job)
        return NULL;
    iter_ctx *c = job->ctx;
    job->exec = iter_exec;
    job->done = iter_done;
    napi_value ext = argv[0];
    vn_handle *peek = vn_handle_peek(env, ext);
    c->vapi = peek && peek->kind == VN_VAPI_ITER;
    c->it = vn_job_pin(env, job, ext, c->vapi ? VN_VAPI_ITER : VN_TWILIO_ITER);
    if (!c->it) {
        vn_job_discard(env, job);
        return NULL;
    }
    return vn_job_queue(env, job, "voiceops.iterNext");
}

void vn_clients_exports(napi_env env, napi_value exports)
{
    static const vn_fn fns[] = {
        {"httpClientNew", n_http_client_new},
        {"httpClientInfo", n_http_client_info},
        {"httpSend", n_http_send},
        {"twilioClientNew", n_twilio_client_new},
        {"vapiClientNew", n_vapi_client_new},
        {"clientForTenant", n_client_for_tenant},
        {"twilioClientInfo", n_twilio_client_info},
        {"vapiClientInfo", n_vapi_client_info},
        {"twilioCall", n_twilio_call},
        {"vapiCall", n_vapi_call},
        {"iterNext", n_iter_next},
        {NULL, NULL},
    };
    vn_export(env, exports, fns);
}
