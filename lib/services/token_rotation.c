/* Twilio auth token rotation for a tenant, resumable through a state persisted in the
 * vault (`rotation/twilio`), every step audited. */
#include <stdio.h>
#include <string.h>

#include "services_internal.h"

#define STATE_NAME "rotation/twilio"

static const char *const state_names[] = {"idle", "creating", "window", "promoting"};

static int state_get(int *out, vo_vault *vault, const char *tenant)
{
    char buf[64];
    size_t len = 0;
    int rc = vo_vault_secret_get_into((unsigned char *)buf, sizeof(buf) - 1, &len, NULL, vault,
                                      tenant, STATE_NAME, 0);
    if (rc == VO_ENOTFOUND) {
        vo_error_clear();
        *out = VO_ROTATION_IDLE;
        return VO_OK;
    }
    if (rc != VO_OK)
        return rc;
    buf[len] = '\0';
    for (int i = 0; i < 4; i++)
        if (strcmp(buf, state_names[i]) == 0) {
            *out = i;
            return VO_OK;
        }
    return vo__error_set(VO_EPARSE, "tenant '%s' has an unknown rotation state", tenant);
}

static int state_set(vo_vault *vault, const char *tenant, int st)
{
    const char *v = state_names[st];
    return vo_vault_secret_put(NULL, vault, tenant, STATE_NAME, v, strlen(v),
                               VO_VAULT_ANY_VERSION);
}

int vo_token_rotation_get(int *out, vo_vault *vault, const char *tenant)
{
    VO__HANDLE_CHECK(vault, VO__H_VAULT, "vo_token_rotation_get");
    if (!out || !vault || !tenant || !*tenant)
        return vo__error_set(VO_EINVAL, "vo_token_rotation_get: NULL argument");
    return state_get(out, vault, tenant);
}

/* The stored credentials; they must hold an auth token to rotate. */
/* The tenant's credentials and their version: every step writes them back check-and-set, so
 * that two rotations (or an operator's edit) racing on one tenant cannot overwrite each
 * other's tokens; the loser gets VO_ECONFLICT and can simply run its step again. */
static int load(vo_twilio_credentials **c, int64_t *version, vo_vault *vault,
                const char *tenant)
{
    int rc = vo_twilio_credentials_get(c, version, vault, tenant);
    if (rc == VO_ENOTFOUND)
        return vo__error_set(VO_ENOTFOUND, "tenant '%s' has no Twilio credentials", tenant);
    if (rc == VO_OK && !vo_twilio_credentials_auth_token(*c)) {
        vo_twilio_credentials_free(*c);
        *c = NULL;
        return vo__error_set(VO_EINVAL, "tenant '%s' has no Twilio auth token to rotate",
                             tenant);
    }
    return rc;
}

/* A client authenticated with one given token of the tenant's account. */
static int client_with_token(vo_twilio_client **out, vo__svc *s, const vo_twilio_credentials *c,
                             const char *token)
{
    vo_twilio_credentials *t = NULL;
    int rc = vo_twilio_credentials_new(&t);
    if (rc == VO_OK)
        rc = vo_twilio_credentials_set_account_sid(t, vo_twilio_credentials_account_sid(c));
    if (rc == VO_OK)
        rc = vo_twilio_credentials_set_auth_token(t, token);
    if (rc == VO_OK && vo_twilio_credentials_region(c))
        rc = vo_twilio_credentials_set_region(t, vo_twilio_credentials_region(c));
    if (rc == VO_OK && vo_twilio_credentials_edge(c))
        rc = vo_twilio_credentials_set_edge(t, vo_twilio_credentials_edge(c));
    if (rc == VO_OK)
        rc = vo__svc_twilio_with(out, s, t);
    vo_twilio_credentials_free(t);
    return rc;
}

static int finish(vo_vault *vault, const char *tenant, const char *action, int rc, vo__svc *s)
{
    int arc = vo__svc_audit(vault, tenant, VO_CREDENTIALS_TWILIO_NAME, action, rc);
    vo__svc_end(s);
    return rc != VO_OK ? rc : arc;
}

int vo_token_rotation_begin(vo_vault *vault, const char *tenant,
                            const vo_services_options *opts)
{
    VO__HANDLE_CHECK(vault, VO__H_VAULT, "vo_token_rotation_begin");
    if (!vault || !tenant || !*tenant)
        return vo__error_set(VO_EINVAL,
                             "vo_token_rotation_begin: vault and tenant are required");
    vo__svc s;
    int rc = vo__svc_begin(&s, opts, "vo_token_rotation_begin");
    if (rc != VO_OK)
        return rc;
    int st = 0;
    vo_twilio_credentials *c = NULL;
    int64_t version = 0;
    vo_twilio_client *tc = NULL;
    vo_twilio_resource *res = NULL;
    vo_secret *secondary = NULL;
    if ((rc = state_get(&st, vault, tenant)) != VO_OK ||
        (rc = load(&c, &version, vault, tenant)) != VO_OK)
        goto out;
    if (st == VO_ROTATION_PROMOTING) {
        rc = vo__error_set(
            VO_ECONFLICT,
            "tenant '%s': a promotion is in progress; finish it with vo_token_rotation_promote()",
            tenant);
        goto out;
    }
    if (st == VO_ROTATION_WINDOW)
        goto out; /* already open: nothing to do */
    if (st == VO_ROTATION_CREATING && vo_twilio_credentials_secondary_auth_token(c)) {
        rc = state_set(vault, tenant, VO_ROTATION_WINDOW); /* stopped after storing it */
        goto out;
    }
    if ((rc = client_with_token(&tc, &s, c, vo_twilio_credentials_auth_token(c))) != VO_OK)
        goto out;
    if (st == VO_ROTATION_CREATING) {
        /* a previous run may have created a secondary whose value was never stored */
        rc = vo_twilio_auth_token_secondary_delete(tc);
        if (rc == VO_ENOTFOUND)
            rc = VO_OK;
        if (rc != VO_OK)
            goto out;
        vo__log(VO_LOG_INFO, "services",
                "tenant '%s': resuming a token rotation, lost secondary deleted", tenant);
    }
    if ((rc = state_set(vault, tenant, VO_ROTATION_CREATING)) != VO_OK)
        goto out;
    if ((rc = vo_twilio_auth_token_secondary_create(&res, &secondary, tc)) != VO_OK)
        goto out;
    rc = vo_twilio_credentials_set_secondary_auth_token(c, vo_secret_str(secondary));
    if (rc == VO_OK)
        rc = vo_twilio_credentials_put(NULL, vault, tenant, c, version);
    if (rc == VO_OK)
        rc = state_set(vault, tenant, VO_ROTATION_WINDOW);
out:
    vo_secret_free(secondary);
    vo_twilio_resource_free(res);
    vo_twilio_client_free(tc);
    vo_twilio_credentials_free(c);
    return finish(vault, tenant, "rotation.begin", rc, &s);
}

int vo_token_rotation_promote(vo_vault *vault, const char *tenant,
                              const vo_services_options *opts)
{
    VO__HANDLE_CHECK(vault, VO__H_VAULT, "vo_token_rotation_promote");
    if (!vault || !tenant || !*tenant)
        return vo__error_set(VO_EINVAL,
                             "vo_token_rotation_promote: vault and tenant are required");
    vo__svc s;
    int rc = vo__svc_begin(&s, opts, "vo_token_rotation_promote");
    if (rc != VO_OK)
        return rc;
    int st = 0;
    vo_twilio_credentials *c = NULL;
    int64_t version = 0;
    vo_twilio_client *tc = NULL;
    vo_twilio_resource *res = NULL;
    if ((rc = state_get(&st, vault, tenant)) != VO_OK ||
        (rc = load(&c, &version, vault, tenant)) != VO_OK)
        goto out;
    if (st != VO_ROTATION_WINDOW && st != VO_ROTATION_PROMOTING) {
        rc = vo__error_set(VO_ECONFLICT,
                           "tenant '%s' has no token rotation window open (state %s)", tenant,
                           state_names[st]);
        goto out;
    }
    const char *secondary = vo_twilio_credentials_secondary_auth_token(c);
    if (!secondary) { /* a previous run stored the new primary but not the final state */
        rc = state_set(vault, tenant, VO_ROTATION_IDLE);
        goto out;
    }
    bool promoted = false;
    if (st == VO_ROTATION_PROMOTING) {
        /* resumed: did Twilio already promote? then the old primary no longer authenticates */
        rc = client_with_token(&tc, &s, c, vo_twilio_credentials_auth_token(c));
        if (rc == VO_OK)
            rc = vo_twilio_account_get(&res, tc);
        vo_twilio_resource_free(res);
        res = NULL;
        vo_twilio_client_free(tc);
        tc = NULL;
        if (rc == VO_EAUTH) {
            promoted = true;
            vo_error_clear();
            rc = VO_OK;
        }
        if (rc != VO_OK)
            goto out;
    }
    if ((rc = state_set(vault, tenant, VO_ROTATION_PROMOTING)) != VO_OK)
        goto out;
    if (!promoted) {
        if ((rc = client_with_token(&tc, &s, c, secondary)) != VO_OK)
            goto out;
        if ((rc = vo_twilio_auth_token_promote(&res, NULL, tc)) != VO_OK)
            goto out;
    }
    /* the secondary is the primary now; the old token is gone from the credentials */
    rc = vo_twilio_credentials_set_auth_token(c, secondary);
    if (rc == VO_OK)
        rc = vo_twilio_credentials_set_secondary_auth_token(c, NULL);
    if (rc == VO_OK)
        rc = vo_twilio_credentials_put(NULL, vault, tenant, c, version);
    if (rc == VO_OK)
        rc = state_set(vault, tenant, VO_ROTATION_IDLE);
out:
    vo_twilio_resource_free(res);
    vo_twilio_client_free(tc);
    vo_twilio_credentials_free(c);
    return finish(vault, tenant, "rotation.promote", rc, &s);
}

int vo_token_rotation_abort(vo_vault *vault, const char *tenant,
                            const vo_services_options *opts)
{
    VO__HANDLE_CHECK(vault, VO__H_VAULT, "vo_token_rotation_abort");
    if (!vault || !tenant || !*tenant)
        return vo__error_set(VO_EINVAL,
                             "vo_token_rotation_abort: vault and tenant are required");
    vo__svc s;
    int rc = vo__svc_begin(&s, opts, "vo_token_rotation_abort");
    if (rc != VO_OK)
        return rc;
    int st = 0;
    vo_twilio_credentials *c = NULL;
    int64_t version = 0;
    vo_twilio_client *tc = NULL;
    if ((rc = state_get(&st, vault, tenant)) != VO_OK ||
        (rc = load(&c, &version, vault, tenant)) != VO_OK)
        goto out;
    if (st != VO_ROTATION_WINDOW && st != VO_ROTATION_CREATING) {
        rc = vo__error_set(VO_ECONFLICT,
                           "tenant '%s' has no token rotation window to abort (state %s)",
                           tenant, state_names[st]);
        goto out;
    }
    if ((rc = client_with_token(&tc, &s, c, vo_twilio_credentials_auth_token(c))) != VO_OK)
        goto out;
    rc = vo_twilio_auth_token_secondary_delete(tc);
    if (rc == VO_ENOTFOUND)
        rc = VO_OK;
    if (rc == VO_OK && vo_twilio_credentials_secondary_auth_token(c)) {
        rc = vo_twilio_credentials_set_secondary_auth_token(c, NULL);
        if (rc == VO_OK)
            rc = vo_twilio_credentials_put(NULL, vault, tenant, c, version);
    }
    if (rc == VO_OK)
        rc = state_set(vault, tenant, VO_ROTATION_IDLE);
out:
    vo_twilio_client_free(tc);
    vo_twilio_credentials_free(c);
    return finish(vault, tenant, "rotation.abort", rc, &s);
}
