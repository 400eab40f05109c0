/* Twilio REST client: construction, the request path through the HTTP transport, and the
 * mapping of Twilio error bodies to VO_E* codes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../http/internal.h"
#include "twilio_internal.h"

#define MODULE "twilio"

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

bool vo__twilio_sid_ok(const char *sid, const char *prefix)
{
    if (!sid || strncmp(sid, prefix, 2) != 0 || strlen(sid) != 34)
        return false;
    for (const char *p = sid + 2; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
            return false;
    return true;
}

static bool label_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 63)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || *s == '-'))
            return false;
    return true;
}

/* Copy a base URL without its trailing slash. */
static char *base_dup(const char *u)
{
    char *d = dupstr(u);
    if (d) {
        size_t n = strlen(d);
        while (n > 0 && d[n - 1] == '/')
            d[--n] = '\0';
    }
    return d;
}

static void twilio_client_destroy(void *self);

int vo_twilio_client_new(vo_twilio_client **out, const vo_twilio_credentials *creds,
                         const vo_twilio_options *opts)
{
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_twilio_client_new: out is NULL");
    *out = NULL;
    int rc = vo__require_init();
    if (rc != VO_OK)
        return rc;
    if (!creds)
        return vo__error_set(VO_EINVAL, "vo_twilio_client_new: credentials are required");
    vo_twilio_options given;
    if ((rc = vo__struct_copy(&vo_twilio_options_info_, "vo_twilio_client_new", &given, opts)) != VO_OK)
        return rc;
    opts = &given;
    VO__HANDLE_CHECK(creds, VO__H_TWILIO_CREDENTIALS, "vo_twilio_client_new");
    VO__HANDLE_CHECK(opts->http_client, VO__H_HTTP_CLIENT, "vo_twilio_client_new");
    rc = vo_twilio_credentials_validate(creds);
    if (rc != VO_OK)
        return rc;
    const char *account_sid = vo_twilio_credentials_account_sid(creds);
    const char *key_sid = vo_twilio_credentials_api_key_sid(creds);
    const char *key_secret = vo_twilio_credentials_api_key_secret(creds);
    const char *token = vo_twilio_credentials_auth_token(creds);
    bool key = key_sid && *key_sid && key_secret && *key_secret;
    if (!vo__twilio_sid_ok(account_sid, "AC") || (key && !vo__twilio_sid_ok(key_sid, "SK")) ||
        (!key && !(token && *token)))
        return vo__error_set(VO_EINVAL, "vo_twilio_client_new: credentials need an account SID and an auth token or API key");
    const char *region_in = opts->region ? opts->region : vo_twilio_credentials_region(creds);
    const char *edge_in = opts->edge ? opts->edge : vo_twilio_credentials_edge(creds);

    char api_buf[256];
    const char *api = "https://api.twilio.com";
    if (opts->api_base_url) {
        api = opts->api_base_url;
    } else if (region_in || edge_in) {
        const char *region = region_in ? region_in : "us1";
        if (!label_ok(region) || (edge_in && !label_ok(edge_in)))
            return vo__error_set(VO_EINVAL, "vo_twilio_client_new: malformed region or edge");
        if (edge_in)
            snprintf(api_buf, sizeof(api_buf), "https://api.%s.%s.twilio.com", edge_in, region);
        else
            snprintf(api_buf, sizeof(api_buf), "https://api.%s.twilio.com", region);
        api = api_buf;
    }
    const char *accounts = opts->accounts_base_url ? opts->accounts_base_url
                                                           : "https://accounts.twilio.com";
    if (!vo__base_url_ok(api) || !vo__base_url_ok(accounts))
        return vo__error_set(VO_EINVAL, "vo_twilio_client_new: base URLs must be http(s)://host[:port][/prefix]");

    vo_twilio_client *c = vo__handle_new(sizeof(*c), VO__H_TWILIO_CLIENT, twilio_client_destroy);
    if (!c)
        return vo__error_set(VO_ENOMEM, "out of memory");
    vo__strlcpy(c->account_sid, account_sid, sizeof(c->account_sid));
    vo__strlcpy(c->username, key ? key_sid : account_sid, sizeof(c->username));
    const char *pw = key ? key_secret : token;
    rc = vo_secret_new(&c->password, pw, strlen(pw));
    if (rc != VO_OK)
        goto fail;
    c->api_base = base_dup(api);
    c->accounts_base = base_dup(accounts);
    if (!c->api_base || !c->accounts_base) {
        rc = vo__error_set(VO_ENOMEM, "out of memory");
        goto fail;
    }
    /* The client keeps a reference to its HTTP client, shared or its own, so that the
     * caller may free a shared one first. */
    if (opts->http_client) {
        c->http = opts->http_client;
    } else {
        rc = vo_http_client_new(&c->http, opts->http);
        if (rc != VO_OK)
            goto fail;
        c->owns_http = true;
    }
    vo__handle_retain(c->http);
    vo__log(VO_LOG_DEBUG, MODULE, "client for account %s via %s (%s auth)", c->account_sid, c->api_base,
            key ? "API key" : "auth token");
    *out = c;
    return VO_OK;
fail:
    vo_twilio_client_free(c);
    return rc;
}

static void twilio_client_destroy(void *self)
{
    vo_twilio_client *c = self;
    if (c->owns_http)
        vo__handle_close_quiet(c->http);
    vo__handle_release(c->http);
    vo_secret_free(c->password);
    free(c->api_base);
    free(c->accounts_base);
}

void vo_twilio_client_free(vo_twilio_client *c)
{
    vo__handle_close(c, VO__H_TWILIO_CLIENT, "vo_twilio_client_free");
}

int vo_twilio_client_for_tenant(vo_twilio_client **out, vo_vault *vault, const char *tenant,
                                const vo_twilio_options *opts)
{
    VO__HANDLE_CHECK(vault, VO__H_VAULT, "vo_twilio_client_for_tenant");
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_twilio_client_for_tenant: out is NULL");
    *out = NULL;
    if (!vault || !tenant || !*tenant)
        return vo__error_set(VO_EINVAL, "vo_twilio_client_for_tenant: vault and tenant are required");
    vo_twilio_options given;
    int rc = vo__struct_copy(&vo_twilio_options_info_, "vo_twilio_client_for_tenant", &given, opts);
    if (rc != VO_OK)
        return rc;
    opts = &given;
    vo_twilio_credentials *cr = NULL;
    bool fallback = false;
    rc = vo_twilio_credentials_get(&cr, NULL, vault, tenant);
    if (rc == VO_ENOTFOUND) {
        if (!opts->allow_service_account_fallback)
            return vo__error_set(VO_ENOTFOUND,
                                 "tenant '%s' has no Twilio credentials in the vault (service-account fallback is off)",
                                 tenant);
        const char *sa = opts->service_account_tenant;
        if (!sa || !*sa || strcmp(sa, tenant) == 0)
            return vo__error_set(VO_EINVAL, "vo_twilio_client_for_tenant: fallback needs service_account_tenant (another vault tenant)");
        rc = vo_twilio_credentials_get(&cr, NULL, vault, sa);
        /* every fallback is audited, and an unaudited fallback does not happen */
        int arc = vo_vault_audit_append(vault, tenant, VO_CREDENTIALS_TWILIO_NAME, "twilio.fallback",
                                        rc == VO_OK ? "ok" : vo_error_name(rc));
        if (arc != VO_OK) {
            vo_twilio_credentials_free(cr);
            return arc;
        }
        if (rc != VO_OK)
            return rc;
        vo__log(VO_LOG_WARN, MODULE, "tenant '%s' has no Twilio credentials: using the service account of tenant '%s' (audited)",
                tenant, sa);
        fallback = true;
    } else if (rc != VO_OK) {
        return rc;
    }
    rc = vo_twilio_client_new(out, cr, opts);
    vo_twilio_credentials_free(cr);
    if (rc == VO_OK)
        (*out)->fallback = fallback;
    return rc;
}

int vo_twilio_client_is_fallback(const vo_twilio_client *c)
{
    c = vo__handle_or_null(c, VO__H_TWILIO_CLIENT, "vo_twilio_client_is_fallback");
    return c && c->fallback ? 1 : 0;
}

const char *vo_twilio_client_account_sid(const vo_twilio_client *c)
{
    c = vo__handle_or_null(c, VO__H_TWILIO_CLIENT, "vo_twilio_client_account_sid");
    return c ? c->account_sid : NULL;
}

const char *vo_twilio_client_api_base_url(const vo_twilio_client *c)
{
    c = vo__handle_or_null(c, VO__H_TWILIO_CLIENT, "vo_twilio_client_api_base_url");
    return c ? c->api_base : NULL;
}

vo_http_client *vo_twilio_client_http(vo_twilio_client *c)
{
    c = vo__handle_or_null(c, VO__H_TWILIO_CLIENT, "vo_twilio_client_http");
    return c ? c->http : NULL;
}

int vo__twilio_account_path(char *out, size_t size, const vo_twilio_client *c, const char *suffix)
{
    int n = snprintf(out, size, VO__TWILIO_API_VERSION "/Accounts/%s%s", c->account_sid, suffix);
    if (n < 0 || (size_t)n >= size)
        return vo__error_set(VO_EINVAL, "request path too long");
    return VO_OK;
}

/* ---- errors -------------------------------------------------------------------------- */

int vo_twilio_error_code(int status, long code)
{
    switch (code) {
    case 20003: return VO_EAUTH;         /* authentication error */
    case 20005: return VO_EFORBIDDEN;    /* account not active */
    case 20008: return VO_EFORBIDDEN;    /* resource not accessible with test credentials */
    case 20404: return VO_ENOTFOUND;
    case 20429: return VO_ERATELIMIT;
    case 20500: case 20503: return VO_EUNAVAILABLE;
    default: break;
    }
    if (status == 401) return VO_EAUTH;
    if (status == 403) return VO_EFORBIDDEN;
    if (status == 404) return VO_ENOTFOUND;
    if (status == 409 || status == 412) return VO_ECONFLICT;
    if (status == 429) return VO_ERATELIMIT;
    if (status == 408 || status == 504) return VO_ETIMEOUT;
    if (status >= 500) return VO_EUNAVAILABLE;
    if (status >= 400) return VO_EVALIDATION;
    return VO_EPROTOCOL;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int map_error(const vo_http_response *resp, const char *method, const char *path)
{
    int status = vo_http_response_status(resp);
    const char *rid = vo_http_response_request_id(resp);
    cJSON *doc = cJSON_Parse(vo_http_response_body(resp, NULL));
    long code = 0;
    const char *msg = NULL, *more = NULL, *title = NULL, *detail = NULL;
    if (cJSON_IsObject(doc)) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(doc, "code");
        if (cJSON_IsNumber(c))
            code = (long)c->valuedouble;
        else if (cJSON_IsString(c))
            code = strtol(c->valuestring, NULL, 10);
        msg = jstr(doc, "message");
        more = jstr(doc, "more_info");
        title = jstr(doc, "title");
        detail = jstr(doc, "detail");
        const char *type = jstr(doc, "type");
        if (!more && type && strncmp(type, "http", 4) == 0)
            more = type;
        if (code == 0 && type) { /* ".../errors/20404" */
            const char *p = type + strlen(type);
            while (p > type && p[-1] >= '0' && p[-1] <= '9')
                p--;
            if (*p)
                code = strtol(p, NULL, 10);
        }
    }
    int rc = vo_twilio_error_code(status, code);
    char text[320];
    if (msg)
        snprintf(text, sizeof(text), "%s", msg);
    else if (title || detail)
        snprintf(text, sizeof(text), "%s%s%s", title ? title : "", title && detail ? ": " : "",
                 detail ? detail : "");
    else
        snprintf(text, sizeof(text), "%s", doc ? "no error message" : "unparseable error body");
    char where[128];
    snprintf(where, sizeof(where), "%s", path);
    char *q = strchr(where, '?');
    if (q)
        *q = '\0';
    if (code)
        vo__error_set(rc, "Twilio error %ld (HTTP %d) on %s %s: %s", code, status, method, where, text);
    else
        vo__error_set(rc, "Twilio HTTP %d on %s %s: %s", status, method, where, text);
    vo__error_set_remote(status, code, rid, more, vo_http_response_retry_after_ms(resp));
    cJSON_Delete(doc);
    return rc;
}

static int interpret(vo__twilio_reply *reply, vo_http_response *resp, const char *method,
                     const char *path);

int vo__twilio_call(vo__twilio_reply *reply, vo_twilio_client *c, vo__twilio_host host,
                    const char *method, const char *path, const vo_param *query, size_t nq,
                    const vo_param *form, size_t nf, vo_http_idempotency idem)
{
    memset(reply, 0, sizeof(*reply));
    vo_http_request req = VO_HTTP_REQUEST_INIT;
    req.method = method;
    req.base_url = host == VO__TWILIO_API ? c->api_base : c->accounts_base;
    req.path = path;
    req.query = query;
    req.query_count = nq;
    req.form = form;
    req.form_count = nf;
    req.username = c->username;
    req.password = vo_secret_str(c->password);
    req.idempotency = idem;
    /* One correlation id for the whole operation, so that the transport's log lines and
     * this module's errors carry the same id. */
    char saved[VO_CORRELATION_ID_SIZE], cid[VO_CORRELATION_ID_SIZE];
    vo__strlcpy(saved, vo_correlation_id_get(), sizeof(saved));
    if (saved[0]) {
        vo__strlcpy(cid, saved, sizeof(cid));
    } else {
        int r = vo_correlation_id_new(cid, sizeof(cid));
        if (r != VO_OK)
            return r;
        vo_correlation_id_set(cid);
    }
    req.correlation_id = cid;
    vo_http_response *resp = NULL;
    int rc = vo__http_send(&resp, c->http, &req);
    if (rc == VO_OK)
        rc = interpret(reply, resp, method, path);
    vo_http_response_free(resp);
    vo_correlation_id_set(saved[0] ? saved : NULL);
    return rc;
}

static int interpret(vo__twilio_reply *reply, vo_http_response *resp, const char *method,
                     const char *path)
{
    int rc = VO_OK;
    reply->status = vo_http_response_status(resp);
    reply->attempts = vo_http_response_attempts(resp);
    reply->sends = vo__http_response_sends(resp);
    const char *rid = vo_http_response_request_id(resp);
    vo__strlcpy(reply->request_id, rid ? rid : "", sizeof(reply->request_id));
    if (reply->status < 200 || reply->status > 299)
        return map_error(resp, method, path);
    size_t len = 0;
    const char *body = vo_http_response_body(resp, &len);
    if (reply->status != 204 && len > 0) {
        reply->doc = cJSON_ParseWithLength(body, len);
        if (!cJSON_IsObject(reply->doc)) {
            cJSON_Delete(reply->doc);
            reply->doc = NULL;
            rc = vo__error_set(VO_EPROTOCOL, "Twilio answered %s %s with HTTP %d and a body that is not a JSON object",
                               method, path, reply->status);
            vo__error_set_remote(reply->status, 0, rid, NULL, -1);
        }
    }
    return rc;
}
