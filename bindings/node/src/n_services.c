/* Cross-provider services: onboarding, number import, webhook routing, token rotation. */
#include "addon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int vn_services_opts_from(napi_env env, napi_value obj, vn_job *job, vn_services_ctx *ctx)
{
    vo_services_options_init(&ctx->so, VO_SERVICES_OPTIONS_VERSION);
    vo_http_options_init(&ctx->http, VO_HTTP_OPTIONS_VERSION);
    if (vn_is_nullish(env, obj))
        return 0;
    napi_value hv = NULL, hc = NULL;
    char *corr = NULL;
    if (vn_prop_str(env, obj, "twilioApiBaseUrl", &ctx->str[0]) ||
        vn_prop_str(env, obj, "twilioAccountsBaseUrl", &ctx->str[1]) ||
        vn_prop_str(env, obj, "vapiBaseUrl", &ctx->str[2]) ||
        vn_prop_str(env, obj, "correlationId", &corr) ||
        vn_prop_bool(env, obj, "allowInsecureHttp", &ctx->so.allow_insecure_http) ||
        vn_prop_get(env, obj, "http", &hv) || vn_prop_get(env, obj, "httpClient", &hc)) {
        free(corr);
        return -1;
    }
    ctx->str[3] = corr;
    if (hv && !vn_is_nullish(env, hv)) {
        char *ca = NULL, *ua = NULL;
        if (vn_http_opts_from(env, hv, &ctx->http, &ca, &ua)) {
            free(ca);
            free(ua);
            return -1;
        }
        /* the strings must outlive the job: keep them in the job's string slots */
        job->s[VN_JOB_STRINGS - 3] = ca;
        job->s[VN_JOB_STRINGS - 2] = ua;
        ctx->so.http = &ctx->http;
    }
    if (hc && !vn_is_nullish(env, hc)) {
        ctx->so.http_client = vn_job_pin(env, job, hc, VN_HTTP);
        if (!ctx->so.http_client)
            return -1;
    }
    ctx->so.twilio_api_base_url = ctx->str[0];
    ctx->so.twilio_accounts_base_url = ctx->str[1];
    ctx->so.vapi_base_url = ctx->str[2];
    ctx->so.correlation_id = ctx->str[3];
    return 0;
}

void vn_services_ctx_free(vn_services_ctx *ctx)
{
    for (int k = 0; k < 4; k++) {
        free(ctx->str[k]);
        ctx->str[k] = NULL;
    }
}

enum svc_op {
    SVC_ONBOARDING,
    SVC_IMPORT,
    SVC_ROT_BEGIN,
    SVC_ROT_PROMOTE,
    SVC_ROT_ABORT,
    SVC_ROUTE,
    SVC_GUARD,       /* vo_webhook_guard_twilio / _vapi / _std (provider 0 / 1 / 2) */
    SVC_ROUTE_GUARD, /* vo_routing_guard */
    SVC_COUNT
};

typedef struct svc_ctx {
    int op;
    vo_vault *vault;
    vn_services_ctx so;
    vo_twilio_credentials *tw;
    vo_vapi_credentials *va;
    vo_number_import_options nio;
    vn_request req;
    int64_t now;
    int provider;
    vo_verify_result vr;
    char tenant[VO_VAULT_TENANT_MAX + 1];
    vo_webhook_guard_options guard;
    vo_webhook_twilio_options tw_opts;
    vo_webhook_vapi_options vapi_opts;
    char *vapi_store[6];
    char **keys;
    size_t key_count;
} svc_ctx;

static void svc_exec(vn_job *job)
{
    svc_ctx *c = job->ctx;
    const vo_services_options *so = &c->so.so;
    char *t = job->s[0];
    int rc = VO_EINTERNAL;
    switch (c->op) {
    case SVC_ONBOARDING: rc = vo_onboarding_run(c->vault, t, c->tw, c->va, so); break;
    case SVC_IMPORT:
        rc = vo_number_import_run((vo_number_import_report **)&job->out[0], c->vault, t,
                                  &c->nio, so);
        break;
    case SVC_ROT_BEGIN: rc = vo_token_rotation_begin(c->vault, t, so); break;
    case SVC_ROT_PROMOTE: rc = vo_token_rotation_promote(c->vault, t, so); break;
    case SVC_ROT_ABORT: rc = vo_token_rotation_abort(c->vault, t, so); break;
    case SVC_ROUTE:
        /* the verify outcome is the answer, not a failure: resolve with it */
        job->o[0] = vo_routing_verify(c->tenant, sizeof(c->tenant), &c->vr, c->vault, t,
                                      (vo_webhook_provider)c->provider, &c->req.req, c->now);
        vo_error_snapshot_take(&job->err);
        rc = VO_OK;
        break;
    case SVC_GUARD: {
        const char *const *k = (const char *const *)c->keys;
        if (c->provider == 0)
            job->o[0] = vo_webhook_guard_twilio(&c->vr, c->vault, t, &c->guard, &c->tw_opts, k,
                                                c->key_count, &c->req.req, c->now);
        else if (c->provider == 1)
            job->o[0] = vo_webhook_guard_vapi(&c->vr, c->vault, t, &c->guard, &c->vapi_opts, k,
                                              c->key_count, &c->req.req, c->now);
        else
            job->o[0] = vo_webhook_guard_std(&c->vr, c->vault, t, &c->guard, k, c->key_count,
                                             &c->req.req, c->now);
        snprintf(c->tenant, sizeof(c->tenant), "%s", t);
        vo_error_snapshot_take(&job->err);
        rc = VO_OK;
        break;
    }
    case SVC_ROUTE_GUARD:
        job->o[0] = vo_routing_guard(c->tenant, sizeof(c->tenant), &c->vr, c->vault, &c->guard,
                                     t, (vo_webhook_provider)c->provider, &c->req.req, c->now);
        vo_error_snapshot_take(&job->err);
        rc = VO_OK;
        break;
    default: break;
    }
    vn_job_result(job, rc);
}

static napi_value import_report_value(napi_env env, const vo_number_import_report *r)
{
    napi_value o = vn_object(env), arr;
    size_t n = vo_number_import_report_count(r);
    static const char *const status_names[] = {"imported", "already-present", "failed"};
    napi_create_array_with_length(env, n, &arr);
    for (size_t i = 0; i < n; i++) {
        napi_value e = vn_object(env);
        int st = vo_number_import_report_status(r, i);
        int err = vo_number_import_report_error(r, i);
        vn_set_str(env, e, "number", vo_number_import_report_number(r, i));
        vn_set_str(env, e, "twilioSid", vo_number_import_report_twilio_sid(r, i));
        vn_set_str(env, e, "status", st >= 0 && st <= 2 ? status_names[st] : "unknown");
        vn_set_str(env, e, "vapiId", vo_number_import_report_vapi_id(r, i));
        vn_set_str(env, e, "reason", vo_number_import_report_reason(r, i));
        vn_set_int(env, e, "error", err);
        vn_set_str(env, e, "errorName", err ? vo_error_name(err) : NULL);
        napi_set_element(env, arr, (uint32_t)i, e);
    }
    vn_set(env, o, "numbers", arr);
    vn_set_int(env, o, "imported", (int64_t)vo_number_import_report_imported(r));
    vn_set_int(env, o, "alreadyPresent", (int64_t)vo_number_import_report_present(r));
    vn_set_int(env, o, "failed", (int64_t)vo_number_import_report_failed(r));
    vn_set_str(env, o, "correlationId", vo_number_import_report_correlation_id(r));
    return o;
}

static napi_value svc_done(napi_env env, vn_job *job)
{
    svc_ctx *c = job->ctx;
    if (c->op == SVC_IMPORT)
        return import_report_value(env, job->out[0]);
    if (c->op == SVC_ROUTE || c->op == SVC_GUARD || c->op == SVC_ROUTE_GUARD) {
        napi_value o = vn_verify_result(env, (int)job->o[0], &c->vr);
        vn_set_str(env, o, "tenant", job->o[0] == VO_OK || c->tenant[0] ? c->tenant : NULL);
        if (job->o[0] != VO_OK)
            vn_set_str(env, o, "message", job->err.message);
        return o;
    }
    return vn_undefined(env);
}

static void svc_cleanup(vn_job *job)
{
    svc_ctx *c = job->ctx;
    vo_number_import_report_free(job->out[0]);
    vo_twilio_credentials_free(c->tw);
    vo_vapi_credentials_free(c->va);
    vn_services_ctx_free(&c->so);
    vn_request_free(&c->req);
    vn_str_array_free(c->keys, c->key_count);
    for (int k = 0; k < 6; k++)
        free(c->vapi_store[k]);
}

/* servicesCall(op, vault, tenantOrToken, a, b, sopts) -> Promise
 *   onboarding: a = twilio credentials | null, b = vapi credentials | null
 *   import:     a = { assistantId, serverUrl, smsEnabled }
 *   route:      a = { provider, request, now }
 *   rotation:   nothing */
static napi_value n_services_call(napi_env env, napi_callback_info info)
{
    VN_ARGS(6);
    int64_t op = 0;
    if (vn_int64(env, argv[0], "op", &op))
        return NULL;
    if (op < SVC_ONBOARDING || op >= SVC_COUNT)
        return vn_throw_type(env, "unknown service operation");
    vn_job *job = vn_job_new(env, sizeof(svc_ctx));
    if (!job)
        return NULL;
    svc_ctx *c = job->ctx;
    c->op = (int)op;
    job->exec = svc_exec;
    job->done = svc_done;
    job->cleanup = svc_cleanup;
    vo_number_import_options_init(&c->nio, VO_NUMBER_IMPORT_OPTIONS_VERSION);
    vo_verify_result_init(&c->vr, VO_VERIFY_RESULT_VERSION);
    vo_webhook_guard_options_init(&c->guard, VO_WEBHOOK_GUARD_OPTIONS_VERSION);
    vo_webhook_twilio_options_init(&c->tw_opts, VO_WEBHOOK_TWILIO_OPTIONS_VERSION);
    vo_webhook_vapi_options_init(&c->vapi_opts, VO_WEBHOOK_VAPI_OPTIONS_VERSION);
    c->vault = vn_job_pin(env, job, argv[1], VN_VAULT);
    if (!c->vault || vn_str(env, argv[2], "tenant", 0, &job->s[0]) ||
        vn_services_opts_from(env, argv[5], job, &c->so))
        goto fail;
    switch (c->op) {
    case SVC_ONBOARDING:
        if ((!vn_is_nullish(env, argv[3]) && vn_twilio_creds_from(env, argv[3], &c->tw)) ||
            (!vn_is_nullish(env, argv[4]) && vn_vapi_creds_from(env, argv[4], &c->va)))
            goto fail;
        break;
    case SVC_IMPORT:
        if (vn_prop_str(env, argv[3], "assistantId", &job->s[1]) ||
            vn_prop_str(env, argv[3], "serverUrl", &job->s[2]) ||
            vn_prop_bool(env, argv[3], "smsEnabled", &c->nio.sms_enabled))
            goto fail;
        c->nio.assistant_id = job->s[1];
        c->nio.server_url = job->s[2];
        break;
    case SVC_ROUTE:
    case SVC_GUARD:
    case SVC_ROUTE_GUARD: {
        int64_t provider = 0, max_body = 0;
        napi_value rv = NULL, gv = NULL, kv = NULL, vo = NULL;
        if (vn_prop_int64(env, argv[3], "provider", &provider, 0) ||
            vn_prop_int64(env, argv[3], "now", &c->now, 0) ||
            vn_prop_get(env, argv[3], "request", &rv) || vn_request_from(env, rv, &c->req) ||
            vn_prop_get(env, argv[3], "guard", &gv) ||
            vn_prop_int64(env, gv, "retentionSeconds", &c->guard.retention_seconds, 0) ||
            vn_prop_int64(env, gv, "retryWindowSeconds", &c->guard.retry_window_seconds, 0) ||
            vn_prop_int64(env, argv[3], "maxBody", &max_body, 0) ||
            vn_prop_bool(env, argv[3], "exactUrlOnly", &c->tw_opts.exact_url_only) ||
            vn_prop_get(env, argv[3], "vapiOptions", &vo) ||
            vn_vapi_opts_from(env, vo, &c->vapi_opts, c->vapi_store) ||
            vn_prop_get(env, argv[3], "keys", &kv))
            goto fail;
        c->tw_opts.max_body = max_body > 0 ? (size_t)max_body : 0;
        if (kv && !vn_is_nullish(env, kv) &&
            vn_str_array(env, kv, "keys", &c->keys, &c->key_count))
            goto fail;
        c->provider = (int)provider;
        break;
    }
    default: break;
    }
    return vn_job_queue(env, job, "voiceops.services");
fail:
    vn_job_discard(env, job);
    return NULL;
}

void vn_services_exports(napi_env env, napi_value exports)
{
    static const vn_fn fns[] = {
        {"servicesCall", n_services_call},
        {NULL, NULL},
    };
    vn_export(env, exports, fns);
}
