/* Account, subaccounts, API keys and auth token rotation. */
#include <stdio.h>
#include <string.h>

#include "twilio_internal.h"

int vo_twilio_account_get(vo_twilio_resource **out, vo_twilio_client *c)
{
    VO__HANDLE_CHECK(c, VO__H_TWILIO_CLIENT, "vo_twilio_account_get");
    if (!out || !c)
        return vo__error_set(VO_EINVAL, "vo_twilio_account_get: NULL argument");
    *out = NULL;
    char path[128];
    int rc = vo__twilio_account_path(path, sizeof(path), c, ".json");
    return rc == VO_OK ? vo__twilio_fetch(out, c, path) : rc;
}

int vo_twilio_subaccounts_list(vo_twilio_iter **out, vo_twilio_client *c,
                               const vo_param *filters, size_t nf)
{
    VO__HANDLE_CHECK(c, VO__H_TWILIO_CLIENT, "vo_twilio_subaccounts_list");
    if (!out || !c)
        return vo__error_set(VO_EINVAL, "vo_twilio_subaccounts_list: NULL argument");
    *out = NULL;
    return vo__twilio_list(out, c, VO__TWILIO_API_VERSION "/Accounts.json", "accounts", filters,
                           nf);
}

/* POST, then move the secret field `take` out of the document into *secret. */
static int create_with_secret(vo_twilio_resource **out, vo_secret **secret, vo_twilio_client *c,
                              vo__twilio_host host, const char *path, const vo_param *form,
                              size_t nf, const char *take)
{
    vo__rest_reply reply;
    int rc = vo__twilio_call(&reply, c, host, "POST", path, NULL, 0, form, nf,
                             VO_HTTP_IDEMPOTENT_NO);
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

int vo_twilio_subaccounts_create(vo_twilio_resource **out, vo_secret **auth_token,
                                 vo_twilio_client *c, const char *friendly_name)
{
    VO__HANDLE_CHECK(c, VO__H_TWILIO_CLIENT, "vo_twilio_subaccounts_create");
    if (!out || !c)
        return vo__error_set(VO_EINVAL, "vo_twilio_subaccounts_create: NULL argument");
    *out = NULL;
    if (auth_token)
        *auth_token = NULL;
    vo_param form[] = {{"FriendlyName", friendly_name}};
    return create_with_secret(out, auth_token, c, VO__TWILIO_API,
                              VO__TWILIO_API_VERSION "/Accounts.json", form,
                              friendly_name ? 1 : 0, "auth_token");
}

int vo_twilio_keys_list(vo_twilio_iter **out, vo_twilio_client *c, const vo_param *filters,
                        size_t nf)
{
    VO__HANDLE_CHECK(c, VO__H_TWILIO_CLIENT, "vo_twilio_keys_list");
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
    VO__HANDLE_CHECK(c, VO__H_TWILIO_CLIENT, "vo_twilio_keys_create");
    if (!out || !secret || !c)
        return vo__error_set(
            VO_EINVAL,
            "vo_twilio_keys_create: NULL argument (the secret out-parameter is required)");
    *out = NULL;
    *secret = NULL;
    char path[128];
    int rc = vo__twilio_account_path(path, sizeof(path), c, "/Keys.json");
    if (rc != VO_OK)
        return rc;
    vo_param form[] = {{"FriendlyName", friendly_name}};
    return create_with_secret(out, secret, c, VO__TWILIO_API, path, form, friendly_name ? 1 : 0,
                              "secret");
}

int vo_twilio_keys_create_in_vault(vo_twilio_resource **out, vo_twilio_client *c,
                                   vo_vault *vault, const char *tenant,
                                   const char *friendly_name)
{
    VO__HANDLE_CHECK(vault, VO__H_VAULT, "vo_twilio_keys_create_in_vault");
    VO__HANDLE_CHECK(c, VO__H_TWILIO_CLIENT, "vo_twilio_keys_create_in_vault");
    if (!out || !c || !vault || !tenant)
        return vo__error_set(VO_EINVAL, "vo_twilio_keys_create_in_vault: NULL argument");
    *out = NULL;
    /* Read the tenant's credentials first: the key is added to them (the auth tokens,
     * region and edge are kept), written back check-and-set on the version read. */
    vo_twilio_credentials *creds = NULL;
    int64_t version = 0;
    int rc = vo_twilio_credentials_get(&creds, &version, vault, tenant);
    if (rc == VO_ENOTFOUND) {
        vo_tenant_list *t = NULL;
        rc = vo_vault_tenant_get(&t, vault, tenant); /* VO_ENOTFOUND: no such tenant */
        vo_tenant_list_free(t);
        if (rc == VO_OK)
            rc = vo_twilio_credentials_new(&creds);
        if (rc == VO_OK)
            rc = vo_twilio_credentials_set_account_sid(creds, vo_twilio_client_account_sid(c));
        version = 0; /* must still not exist when written */
    }
    if (rc != VO_OK) {
        vo_twilio_credentials_free(creds);
        return rc;
    }
    if (strcmp(vo_twilio_credentials_account_sid(creds), vo_twilio_client_account_sid(c)) !=
        0) {
        vo_twilio_credentials_free(creds);
        return vo__error_set(VO_EINVAL,
                             "tenant '%s' has Twilio credentials for another "
                             "account than this client's",
                             tenant);
    }
    vo_secret *secret = NULL;
    vo_twilio_resource *key = NULL;
    rc = vo_twilio_keys_create(&key, &secret, c, friendly_name);
    if (rc == VO_OK)
        rc = vo_twilio_credentials_set_api_key(creds, vo_twilio_resource_sid(key),
                                               vo_secret_str(secret));
    if (rc == VO_OK)
        rc = vo_twilio_credentials_put(NULL, vault, tenant, creds, version);
    vo_secret_free(secret);
    vo_twilio_credentials_free(creds);
    if (rc != VO_OK && key) {
        /* The secret exists nowhere else: delete the key rather than leave an orphan, and
         * report the failure that mattered. */
        const vo_error *e = vo_error_last();
        char msg[VO_ERROR_MESSAGE_SIZE], request_id[VO_ERROR_ID_SIZE], more[256];
        vo__strlcpy(msg, e->message, sizeof(msg));
        vo__strlcpy(request_id, e->provider_request_id, sizeof(request_id));
        vo__strlcpy(more, e->more_info, sizeof(more));
        int http_status = e->http_status;
        long provider_code = e->provider_code, retry_after = e->retry_after_ms;
        if (vo_twilio_keys_delete(c, vo_twilio_resource_sid(key)) != VO_OK)
            vo__log(VO_LOG_WARN, "twilio",
                    "API key %s was created but could not be stored "
                    "nor deleted: delete it in the Twilio console",
                    vo_twilio_resource_sid(key));
        vo_twilio_resource_free(key);
        vo__error_set(rc, "%s", msg);
        vo__error_set_remote(http_status, provider_code, request_id, more, retry_after);
        return rc;
    }
    *out = key;
    return rc;
}

int vo_twilio_keys_delete(vo_twilio_client *c, const char *key_sid)
{
    VO__HANDLE_CHECK(c, VO__H_TWILIO_CLIENT, "vo_twilio_keys_delete");
    if (!c)
        return vo__error_set(VO_EINVAL, "vo_twilio_keys_delete: NULL client");
    if (!vo__twilio_sid_ok(key_sid, "SK"))
        return vo__error_set(VO_EINVAL, "API key SID must be SK followed by 32 characters");
    char suffix[64], path[160];
    snprintf(suffix, sizeof(suffix), "/Keys/%s.json", key_sid);
    int rc = vo__twilio_account_path(path, sizeof(path), c, suffix);
    return rc == VO_OK ? vo__twilio_delete(c, VO__TWILIO_API, path) : rc;
}

int vo_twilio_auth_token_secondary_create(vo_twilio_resource **out, vo_secret **token,
                                          vo_twilio_client *c)
{
    VO__HANDLE_CHECK(c, VO__H_TWILIO_CLIENT, "vo_twilio_auth_token_secondary_create");
    if (!out || !token || !c)
        return vo__error_set(VO_EINVAL, "vo_twilio_auth_token_secondary_create: NULL argument");
    *out = NULL;
    *token = NULL;
    return create_with_secret(out, token, c, VO__TWILIO_ACCOUNTS, "/v1/AuthTokens/Secondary",
                              NULL, 0, "secondary_auth_token");
}

int vo_twilio_auth_token_secondary_delete(vo_twilio_client *c)
{
    VO__HANDLE_CHECK(c, VO__H_TWILIO_CLIENT, "vo_twilio_auth_token_secondary_delete");
    if (!c)
        return vo__error_set(VO_EINVAL, "vo_twilio_auth_token_secondary_delete: NULL client");
    return vo__twilio_delete(c, VO__TWILIO_ACCOUNTS, "/v1/AuthTokens/Secondary");
}

int vo_twilio_auth_token_promote(vo_twilio_resource **out, vo_secret **token,
                                 vo_twilio_client *c)
{
    VO__HANDLE_CHECK(c, VO__H_TWILIO_CLIENT, "vo_twilio_auth_token_promote");
    if (!out || !c)
        return vo__error_set(VO_EINVAL, "vo_twilio_auth_token_promote: NULL argument");
    *out = NULL;
    if (token)
        *token = NULL;
    return create_with_secret(out, token, c, VO__TWILIO_ACCOUNTS, "/v1/AuthTokens/Promote",
                              NULL, 0, "auth_token");
}
