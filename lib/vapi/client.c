/* Vapi REST client: construction, its requests through the REST layer (Bearer auth), the
 * reading of Vapi error bodies, and JSON body helpers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vapi_internal.h"

#define MODULE "vapi"

static bool key_ok(const char *k)
{
    size_t n = k ? strlen(k) : 0;
    if (n < 8 || n > 256)
        return false;
    for (; *k; k++)
        if ((unsigned char)*k <= 0x20 || (unsigned char)*k >= 0x7f)
            return false;
    return true;
}

bool vo__vapi_uuid_ok(const char *id)
{
    if (!id || strlen(id) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        char ch = id[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (ch != '-')
                return false;
        } else if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
                     (ch >= 'A' && ch <= 'F'))) {
            return false;
        }
    }
    return true;
}

bool vo__vapi_e164_ok(const char *n)
{
    if (!n || n[0] != '+' || n[1] < '1' || n[1] > '9')
        return false;
    size_t digits = 0;
    for (const char *p = n + 1; *p; p++, digits++)
        if (*p < '0' || *p > '9')
            return false;
    return digits >= 2 && digits <= 15;
}

int vo__vapi_id_path(char *out, size_t size, const char *prefix, const char *id,
                     const char *what)
{
    if (!vo__vapi_uuid_ok(id))
        return vo__error_set(VO_EINVAL, "%s id must be a UUID", what);
    int n = snprintf(out, size, "%s/%s", prefix, id);
    if (n < 0 || (size_t)n >= size)
        return vo__error_set(VO_EINVAL, "request path too long");
    return VO_OK;
}

static void vapi_client_destroy(void *self);

int vo_vapi_client_new(vo_vapi_client **out, const char *api_key, const vo_vapi_options *opts)
{
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_vapi_client_new: out is NULL");
    *out = NULL;
    int rc = vo__require_init();
    if (rc != VO_OK)
        return rc;
    vo_vapi_options given;
    if ((rc = vo__struct_copy(&vo_vapi_options_info_, "vo_vapi_client_new", &given, opts)) !=
        VO_OK)
        return rc;
    opts = &given;
    VO__HANDLE_CHECK(opts->http_client, VO__H_HTTP_CLIENT, "vo_vapi_client_new");
    if (!key_ok(api_key))
        return vo__error_set(
            VO_EINVAL,
            "vo_vapi_client_new: the API key must be 8-256 printable ASCII characters without spaces");
    const char *base = opts->base_url ? opts->base_url : "https://api.vapi.ai";
    if (!vo__base_url_ok(base))
        return vo__error_set(
            VO_EINVAL,
            "vo_vapi_client_new: the base URL must be http(s)://host[:port][/prefix] (no user info)");
    if (!opts->allow_insecure_http && vo__base_url_cleartext(base))
        return vo__error_set(VO_EINVAL,
                             "vo_vapi_client_new: refusing http:// to a host other than "
                             "loopback: the API key would travel in clear text (use https://, "
                             "or set allow_insecure_http)");
    vo_vapi_client *c = vo__handle_new(sizeof(*c), VO__H_VAPI_CLIENT, vapi_client_destroy);
    if (!c)
        return vo__error_set(VO_ENOMEM, "out of memory");
    rc = vo_secret_new(&c->api_key, api_key, strlen(api_key));
    if (rc != VO_OK)
        goto fail;
    c->base = strdup(base);
    if (!c->base) {
        rc = vo__error_set(VO_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t n = strlen(c->base); n > 0 && c->base[n - 1] == '/';)
        c->base[--n] = '\0';
    /* The REST client keeps a reference to its HTTP client, shared or its own, so that the
     * caller may free a shared one first. */
    rc = vo__rest_client_init(&c->rest, &vo__vapi_provider, opts->http_client, opts->http);
    if (rc != VO_OK)
        goto fail;
    /* the API key the client sends never shows in an error */
    c->rest.secrets[0] = vo_secret_str(c->api_key);
    c->rest.secret_count = 1;
    vo__log(VO_LOG_DEBUG, MODULE, "client via %s", c->base);
    *out = c;
    return VO_OK;
fail:
    vo_vapi_client_free(c);
    return rc;
}

int vo_vapi_client_for_tenant(vo_vapi_client **out, vo_vault *vault, const char *tenant,
                              const vo_vapi_options *opts)
{
    VO__HANDLE_CHECK(vault, VO__H_VAULT, "vo_vapi_client_for_tenant");
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_vapi_client_for_tenant: out is NULL");
    *out = NULL;
    if (!vault || !tenant || !*tenant)
        return vo__error_set(VO_EINVAL,
                             "vo_vapi_client_for_tenant: vault and tenant are required");
    if (strlen(tenant) > VO_VAULT_TENANT_MAX)
        return vo__error_set(VO_EINVAL, "vo_vapi_client_for_tenant: tenant id too long");
    vo_vapi_options given;
    int rc = vo__struct_copy(&vo_vapi_options_info_, "vo_vapi_client_for_tenant", &given, opts);
    if (rc != VO_OK)
        return rc;
    opts = &given;
    vo_vapi_credentials *cr = NULL;
    rc = vo_vapi_credentials_get(&cr, NULL, vault, tenant);
    if (rc == VO_ENOTFOUND)
        return vo__error_set(VO_ENOTFOUND, "tenant '%s' has no Vapi credentials in the vault",
                             tenant);
    if (rc != VO_OK)
        return rc;
    const char *key = vo_vapi_credentials_api_key(cr);
    if (!key) {
        vo_vapi_credentials_free(cr);
        return vo__error_set(VO_ENOTFOUND,
                             "tenant '%s' has Vapi credentials without an API key", tenant);
    }
    rc = vo_vapi_client_new(out, key, opts);
    vo_vapi_credentials_free(cr);
    if (rc == VO_OK)
        vo__strlcpy((*out)->tenant, tenant, sizeof((*out)->tenant));
    return rc;
}

static void vapi_client_destroy(void *self)
{
    vo_vapi_client *c = self;
    vo__rest_client_clear(&c->rest);
    vo_secret_free(c->api_key);
    free(c->base);
}

void vo_vapi_client_free(vo_vapi_client *c)
{
    vo__handle_close(c, VO__H_VAPI_CLIENT, "vo_vapi_client_free");
}

const char *vo_vapi_client_base_url(const vo_vapi_client *c)
{
    c = vo__handle_or_null(c, VO__H_VAPI_CLIENT, "vo_vapi_client_base_url");
    return c ? c->base : NULL;
}

const char *vo_vapi_client_tenant(const vo_vapi_client *c)
{
    c = vo__handle_or_null(c, VO__H_VAPI_CLIENT, "vo_vapi_client_tenant");
    return c && c->tenant[0] ? c->tenant : NULL;
}

vo_http_client *vo_vapi_client_http(vo_vapi_client *c)
{
    c = vo__handle_or_null(c, VO__H_VAPI_CLIENT, "vo_vapi_client_http");
    return c ? c->rest.http : NULL;
}

/* ---- errors -------------------------------------------------------------------------- */

int vo_vapi_error_code(int status, const char *error)
{
    if (error && strcmp(error, "assistant_pinned") == 0)
        return VO_ECONFLICT;
    return vo__rest_status_code(status);
}

/* The provider's read_error: {"error": "Bad Request", "message": "..." or ["...", ...]}. */
static void read_error(vo__rest_error *e, int status, const cJSON *doc)
{
    const char *error = NULL;
    char *text = e->text;
    size_t size = sizeof(e->text);
    if (cJSON_IsObject(doc)) {
        const cJSON *er = cJSON_GetObjectItemCaseSensitive(doc, "error");
        if (cJSON_IsString(er))
            error = er->valuestring;
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, "message");
        if (cJSON_IsString(m)) {
            snprintf(text, size, "%s", m->valuestring);
        } else if (cJSON_IsArray(m)) {
            size_t used = 0;
            const cJSON *it;
            cJSON_ArrayForEach(it, m)
            {
                if (!cJSON_IsString(it) || used + 3 >= size)
                    continue;
                int n = snprintf(text + used, size - used, "%s%s", used ? "; " : "",
                                 it->valuestring);
                if (n < 0)
                    break;
                used += (size_t)n;
                if (used >= size)
                    used = size - 1;
            }
        }
    }
    e->has_text = text[0] != '\0';
    e->code = vo_vapi_error_code(status, error);
    e->label = error;
}

const vo__rest_provider vo__vapi_provider = {
    .name = "Vapi",
    .object_body = false,
    .read_error = read_error,
    .strip_secrets = vo__vapi_strip_secrets,
};

int vo__vapi_call(vo__rest_reply *reply, vo_vapi_client *c, const char *method,
                  const char *path, const vo_param *query, size_t nq, const cJSON *body,
                  vo_http_idempotency idem)
{
    vo__rest_request req = {
        .method = method,
        .base_url = c->base,
        .path = path,
        .query = query,
        .query_count = nq,
        .json = body,
        .bearer_token = vo_secret_str(c->api_key),
        .idempotency = idem,
    };
    return vo__rest_call(reply, &c->rest, &req);
}

/* ---- JSON body helpers --------------------------------------------------------------- */

int vo__vapi_set_str(cJSON *obj, const char *field, const char *value)
{
    if (!value)
        return VO_OK;
    cJSON_DeleteItemFromObjectCaseSensitive(obj, field);
    if (!cJSON_AddStringToObject(obj, field, value))
        return vo__error_set(VO_ENOMEM, "out of memory");
    return VO_OK;
}

int vo__vapi_add_json(cJSON *obj, const char *field, const char *json_text)
{
    if (!json_text)
        return VO_OK;
    cJSON *v = cJSON_Parse(json_text);
    if (!cJSON_IsObject(v)) {
        cJSON_Delete(v);
        return vo__error_set(VO_EINVAL, "%s must be a JSON object", field);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(obj, field);
    cJSON_AddItemToObject(obj, field, v);
    return VO_OK;
}

int vo__vapi_merge_json(cJSON *obj, const char *json_text)
{
    if (!json_text)
        return VO_OK;
    cJSON *v = cJSON_Parse(json_text);
    if (!cJSON_IsObject(v)) {
        cJSON_Delete(v);
        return vo__error_set(VO_EINVAL, "extra_json must be a JSON object");
    }
    cJSON *m;
    while ((m = v->child) != NULL) {
        cJSON_DetachItemViaPointer(v, m);
        cJSON_DeleteItemFromObjectCaseSensitive(obj, m->string);
        cJSON_AddItemToObject(obj, m->string, m);
    }
    cJSON_Delete(v);
    return VO_OK;
}
