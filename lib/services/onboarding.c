/* Tenant onboarding: validate credentials against the providers, then store them. */
#include <string.h>

#include "services_internal.h"

static int validate_twilio(vo__svc *s, const vo_twilio_credentials *creds)
{
    vo_twilio_client *c = NULL;
    int rc = vo__svc_twilio_with(&c, s, creds);
    vo_twilio_resource *acct = NULL;
    if (rc == VO_OK)
        rc = vo_twilio_account_get(&acct, c);
    if (rc == VO_OK) {
        const char *st = vo_twilio_resource_status(acct);
        if (st && strcmp(st, "active") != 0)
            rc = vo__error_set(VO_EFORBIDDEN, "the Twilio account is %s, not active", st);
    } else if (rc == VO_EAUTH) {
        int st = vo_error_last()->http_status;
        long code = vo_error_last()->provider_code;
        rc = vo__error_set(VO_EAUTH, "Twilio rejected the credentials (HTTP %d, error %ld)", st,
                           code);
        vo__error_set_remote(st, code, NULL, NULL, -1);
    }
    vo_twilio_resource_free(acct);
    vo_twilio_client_free(c);
    return rc;
}

static int validate_vapi(vo__svc *s, const vo_vapi_credentials *creds)
{
    const char *key = vo_vapi_credentials_api_key(creds);
    if (!key)
        return VO_OK; /* webhook settings only: nothing to check remotely */
    vo_vapi_client *c = NULL;
    int rc = vo__svc_vapi_with(&c, s, key);
    vo_vapi_iter *it = NULL;
    if (rc == VO_OK) {
        vo_vapi_list_options lo = VO_VAPI_LIST_OPTIONS_INIT;
        lo.limit = 1;
        lo.page_size = 1;
        rc = vo_vapi_assistants_list(&it, c, &lo); /* cheapest authenticated read */
    }
    if (rc == VO_EAUTH) {
        int st = vo_error_last()->http_status;
        rc = vo__error_set(VO_EAUTH, "Vapi rejected the API key (HTTP %d)", st);
        vo__error_set_remote(st, 0, NULL, NULL, -1);
    }
    vo_vapi_iter_free(it);
    vo_vapi_client_free(c);
    return rc;
}

int vo_onboarding_run(vo_vault *vault, const char *tenant, const vo_twilio_credentials *twilio,
                      const vo_vapi_credentials *vapi, const vo_services_options *opts)
{
    VO__HANDLE_CHECK(vault, VO__H_VAULT, "vo_onboarding_run");
    VO__HANDLE_CHECK(twilio, VO__H_TWILIO_CREDENTIALS, "vo_onboarding_run");
    VO__HANDLE_CHECK(vapi, VO__H_VAPI_CREDENTIALS, "vo_onboarding_run");
    if (!vault || !tenant || !*tenant)
        return vo__error_set(VO_EINVAL, "vo_onboarding_run: vault and tenant are required");
    if (!twilio && !vapi)
        return vo__error_set(VO_EINVAL,
                             "vo_onboarding_run: give Twilio and/or Vapi credentials");
    int rc;
    if (twilio && (rc = vo_twilio_credentials_validate(twilio)) != VO_OK)
        return rc;
    if (vapi && (rc = vo_vapi_credentials_validate(vapi)) != VO_OK)
        return rc;
    vo__svc s;
    if ((rc = vo__svc_begin(&s, opts, "vo_onboarding_run")) != VO_OK)
        return rc;
    int arc = VO_OK;
    /* 1. validate everything first: nothing is stored unless all of it is good */
    if (twilio) {
        rc = validate_twilio(&s, twilio);
        arc = vo__svc_audit(vault, tenant, VO_CREDENTIALS_TWILIO_NAME, "onboard.validate", rc);
    }
    if (rc == VO_OK && arc == VO_OK && vapi) {
        rc = validate_vapi(&s, vapi);
        arc = vo__svc_audit(vault, tenant, VO_CREDENTIALS_VAPI_NAME, "onboard.validate", rc);
    }
    /* 2. store */
    if (rc == VO_OK && arc == VO_OK) {
        rc = vo_vault_tenant_create(vault, tenant);
        if (rc == VO_EEXISTS) {
            vo_error_clear();
            rc = VO_OK;
        }
        if (rc == VO_OK && twilio)
            rc = vo_twilio_credentials_put(NULL, vault, tenant, twilio, VO_VAULT_ANY_VERSION);
        if (rc == VO_OK && vapi)
            rc = vo_vapi_credentials_put(NULL, vault, tenant, vapi, VO_VAULT_ANY_VERSION);
    }
    if (arc == VO_OK)
        arc = vo__svc_audit(vault, tenant, NULL, "onboard", rc);
    if (rc == VO_OK && arc == VO_OK)
        vo__log(VO_LOG_INFO, "services", "tenant '%s' onboarded (%s%s%s)", tenant,
                twilio ? "twilio" : "", twilio && vapi ? ", " : "", vapi ? "vapi" : "");
    else
        vo__log(VO_LOG_WARN, "services", "onboarding of tenant '%s' refused: %s", tenant,
                vo_error_name(rc != VO_OK ? rc : arc));
    vo__svc_end(&s);
    return rc != VO_OK ? rc : arc;
}
