/* Account, subaccounts, API keys and auth token rotation. */
#include <stdio.h>
#include <string.h>

#include "twilio_internal.h"

int vo_twilio_account_fetch(vo_twilio_resource **out, vo_twilio_client *c)
{
    if (!out || !c)
        return vo__error_set(VO_EINVAL, "vo_twilio_account_fetch: NULL argument");
    *out = NULL;
    char path[128];
    int rc = vo__twilio_account_path(path, sizeof(path), c, ".json");
    return rc == VO_OK ? vo__twilio_fetch(out, c, path) : rc;
}

int vo_twilio_subaccounts_list(vo_twilio_iter **out, vo_twilio_client *c, const vo_param *filters,
                               size_t nf)
{
    if (!out || !c)
        return vo__error_set(VO_EINVAL, "vo_twilio_subaccounts_list: NULL argument");
    *out = NULL;
    return vo__twilio_list(out, c, VO__TWILIO_API_VERSION "/Accounts.json", "accounts", filters, nf);
}

/* POST, then move the secret field `take` out of the document into *secret. */
static int create_with_secret(vo_twilio_resource **out, vo_secret **secret, vo_twilio_client *c,
                              vo__twilio_host host, const char *path, const vo_param *form, size_t nf,
                              const char *take)
{
    vo__twilio_reply reply;
    int rc = vo__twilio_call(&reply, c, host, "POST", path, NULL, 0, form, nf, VO_HTTP_IDEMPOTENT_NO);
    if (rc != VO_OK)
        return rc;
    vo_secret *s = NULL;
    int src = VO_OK;
    vo__twilio_strip_secrets(reply.doc, take, &s, &src);
    if (src != VO_OK) {
        cJSON_Delete(reply.doc);
        return src;
    }
    rc = vo__twilio_resource_from_reply(out, &reply);
    if (rc != VO_OK) {
        vo_secret_free(s);
        return rc;
    }
    if (secret)
        *secret = s;
    else
        vo_secret_free(s);
    if (secret && !s) {
        vo_twilio_resource_free(*out);
        *out = NULL;
        return vo__error_set(VO_EPROTOCOL, "Twilio's answer to %s has no '%s'", path, take);
    }
    return VO_OK;
}

int vo_twilio_subaccounts_create(vo_twilio_resource **out, vo_secret **auth_token, vo_twilio_client *c,
                                 const char *friendly_name)
{
    if (!out || !c)
        return vo__error_set(VO_EINVAL, "vo_twilio_subaccounts_create: NULL argument");
    *out = NULL;
    if (auth_token)
        *auth_token = NULL;
    vo_param form[] = {{"FriendlyName", friendly_name}};
    return create_with_secret(out, auth_token, c, VO__TWILIO_API, VO__TWILIO_API_VERSION "/Accounts.json",
                              form, friendly_name ? 1 : 0, "auth_token");
}

int vo_twilio_keys_list(vo_twilio_iter **out, vo_twilio_client *c, const vo_param *filters, size_t nf)
{
    if (!out || !c)
        return vo__error_set(VO_EINVAL, "vo_twilio_keys_list: NULL argument");
    *out = NULL;
    char path[128];
    int rc = vo__twilio_account_path(path, sizeof(path), c, "/Keys.json");
    return rc == VO_OK ? vo__twilio_list(out, c, path, "keys", filters, nf) : rc;
}

int vo_twilio_keys_create(vo_twilio_resource **out, vo_secret **secret, vo_twilio_client *c,
                          const char *friendly_name)
{
    if (!out || !secret || !c)
        return vo__error_set(VO_EINVAL, "vo_twilio_keys_create: NULL argument (the secret out-parameter is required)");
    *out = NULL;
    *secret = NULL;
    char path[128];
    int rc = vo__twilio_account_path(path, sizeof(path), c, "/Keys.json");
    if (rc != VO_OK)
        return rc;
    vo_param form[] = {{"FriendlyName", friendly_name}};
    return create_with_secret(out, secret, c, VO__TWILIO_API, path, form, friendly_name ? 1 : 0, "secret");
}

int vo_twilio_keys_delete(vo_twilio_client *c, const char *key_sid)
{
    if (!c)
        return vo__error_set(VO_EINVAL, "vo_twilio_keys_delete: NULL client");
    if (!vo__twilio_sid_ok(key_sid, "SK"))
        return vo__error_set(VO_EINVAL, "API key SID must be SK followed by 32 characters");
    char suffix[64], path[160];
    snprintf(suffix, sizeof(suffix), "/Keys/%s.json", key_sid);
    int rc = vo__twilio_account_path(path, sizeof(path), c, suffix);
    return rc == VO_OK ? vo__twilio_delete(c, VO__TWILIO_API, path) : rc;
}

int vo_twilio_auth_token_secondary_create(vo_twilio_resource **out, vo_secret **token, vo_twilio_client *c)
{
    if (!out || !token || !c)
        return vo__error_set(VO_EINVAL, "vo_twilio_auth_token_secondary_create: NULL argument");
    *out = NULL;
    *token = NULL;
    return create_with_secret(out, token, c, VO__TWILIO_ACCOUNTS, "/v1/AuthTokens/Secondary", NULL, 0,
                              "secondary_auth_token");
}

int vo_twilio_auth_token_secondary_delete(vo_twilio_client *c)
{
    if (!c)
        return vo__error_set(VO_EINVAL, "vo_twilio_auth_token_secondary_delete: NULL client");
    return vo__twilio_delete(c, VO__TWILIO_ACCOUNTS, "/v1/AuthTokens/Secondary");
}

int vo_twilio_auth_token_promote(vo_twilio_resource **out, vo_secret **token, vo_twilio_client *c)
{
    if (!out || !c)
        return vo__error_set(VO_EINVAL, "vo_twilio_auth_token_promote: NULL argument");
    *out = NULL;
    if (token)
        *token = NULL;
    return create_with_secret(out, token, c, VO__TWILIO_ACCOUNTS, "/v1/AuthTokens/Promote", NULL, 0,
                              "auth_token");
}
