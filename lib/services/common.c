/* Shared plumbing of the service flows. */
#include <string.h>

#include "services_internal.h"

int vo__svc_begin(vo__svc *s, const vo_services_options *o, const char *fn)
{
    memset(s, 0, sizeof(*s));
    int rc = vo__require_init();
    if (rc != VO_OK)
        return rc;
    if ((rc = vo__struct_copy(&vo_services_options_info_, fn, &s->given, o)) != VO_OK)
        return rc;
    s->opts = o = &s->given;
    VO__HANDLE_CHECK(o->http_client, VO__H_HTTP_CLIENT, fn);
    if ((rc = vo__cid_scope_enter(&s->cid, o->correlation_id)) != VO_OK)
        return rc;
    if (o && o->http_client) {
        s->http = o->http_client;
    } else {
        rc = vo_http_client_new(&s->http, o ? o->http : NULL);
        if (rc != VO_OK) {
            vo__cid_scope_leave(&s->cid);
            return rc;
        }
        s->owns_http = true;
    }
    return VO_OK;
}

void vo__svc_end(vo__svc *s)
{
    if (s->owns_http)
        vo_http_client_free(s->http);
    s->http = NULL;
    vo__cid_scope_leave(&s->cid);
}

static void twilio_opts(vo_twilio_options *t, const vo__svc *s)
{
    vo_twilio_options d = VO_TWILIO_OPTIONS_INIT;
    *t = d;
    if (s->opts) {
        t->api_base_url = s->opts->twilio_api_base_url;
        t->accounts_base_url = s->opts->twilio_accounts_base_url;
        t->allow_insecure_http = s->opts->allow_insecure_http;
    }
    t->http_client = s->http;
}

int vo__svc_twilio_for_tenant(vo_twilio_client **out, vo__svc *s, vo_vault *vault,
                              const char *tenant)
{
    vo_twilio_options t;
    twilio_opts(&t, s);
    return vo_twilio_client_for_tenant(out, vault, tenant, &t);
}

int vo__svc_twilio_with(vo_twilio_client **out, vo__svc *s, const vo_twilio_credentials *creds)
{
    vo_twilio_options t;
    twilio_opts(&t, s);
    return vo_twilio_client_new(out, creds, &t);
}

static void vapi_opts(vo_vapi_options *v, const vo__svc *s)
{
    vo_vapi_options d = VO_VAPI_OPTIONS_INIT;
    *v = d;
    v->base_url = s->opts ? s->opts->vapi_base_url : NULL;
    v->allow_insecure_http = s->opts ? s->opts->allow_insecure_http : 0;
    v->http_client = s->http;
}

int vo__svc_vapi_for_tenant(vo_vapi_client **out, vo__svc *s, vo_vault *vault,
                            const char *tenant)
{
    vo_vapi_options v;
    vapi_opts(&v, s);
    return vo_vapi_client_for_tenant(out, vault, tenant, &v);
}

int vo__svc_vapi_with(vo_vapi_client **out, vo__svc *s, const char *api_key)
{
    vo_vapi_options v;
    vapi_opts(&v, s);
    return vo_vapi_client_new(out, api_key, &v);
}

int vo__svc_audit_result(vo_vault *vault, const char *tenant, const char *name,
                         const char *action, const char *result)
{
    return vo_vault_audit_append(vault, tenant, name, action, result);
}

int vo__svc_audit(vo_vault *vault, const char *tenant, const char *name, const char *action,
                  int rc)
{
    if (rc == VO_OK)
        return vo_vault_audit_append(vault, tenant, name, action, "ok");
    /* keep the failure's details for the caller */
    vo_error saved = *vo_error_last();
    char msg[VO_ERROR_MESSAGE_SIZE], rid[VO_ERROR_ID_SIZE], more[VO_ERROR_MESSAGE_SIZE];
    vo__strlcpy(msg, saved.message, sizeof(msg));
    vo__strlcpy(rid, saved.provider_request_id, sizeof(rid));
    vo__strlcpy(more, saved.more_info, sizeof(more));
    int arc = vo_vault_audit_append(vault, tenant, name, action, vo_error_name(rc));
    if (arc != VO_OK)
        return arc;
    vo__error_set(saved.code, "%s", msg);
    vo__error_set_remote(saved.http_status, saved.provider_code, rid, more,
                         saved.retry_after_ms);
    return VO_OK;
}

int vo__svc_result_fail(vo_verify_result *res, vo_verify_reason reason, int rc)
{
    if (res)
        res->reason = reason;
    return rc;
}

int vo__svc_result_begin(vo_verify_result *res, const char *fn)
{
    if (!res)
        return VO_OK;
    res->reason = VO_VERIFY_INTERNAL_ERROR;
    res->key_index = res->url_form = res->signature_index = -1;
    res->forms_tried = 0;
    res->timestamp = 0;
    if (res->version >= 2 && res->version <= VO_VERIFY_RESULT_VERSION) {
        res->seen = VO_VERIFY_SEEN_NOT_CHECKED;
        res->seen_at_ms = 0;
    }
    if (res->version < 1 || res->version > VO_VERIFY_RESULT_VERSION)
        return vo__svc_result_fail(res, VO_VERIFY_INVALID_ARGUMENT,
                                   vo__error_set(VO_EINVAL,
                                                 "%s: vo_verify_result version %u is not "
                                                 "supported (1..%d)",
                                                 fn, res->version, VO_VERIFY_RESULT_VERSION));
    return VO_OK;
}
