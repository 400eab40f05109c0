/* Twilio REST client: construction, its requests through the REST layer (Basic auth), and
 * the reading of Twilio error bodies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

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
    if ((rc = vo__struct_copy(&vo_twilio_options_info_, "vo_twilio_client_new", &given,
                              opts)) != VO_OK)
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
        return vo__error_set(
            VO_EINVAL,
            "vo_twilio_client_new: credentials need an account SID and an auth token or API key");
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
    const char *accounts =
        opts->accounts_base_url ? opts->accounts_base_url : "https://accounts.twilio.com";
    if (!vo__base_url_ok(api) || !vo__base_url_ok(accounts))
        return vo__error_set(
            VO_EINVAL,
            "vo_twilio_client_new: base URLs must be http(s)://host[:port][/prefix] (no user info)");
    if (!opts->allow_insecure_http &&
        (vo__base_url_cleartext(api) || vo__base_url_cleartext(accounts)))
        return vo__error_set(VO_EINVAL,
                             "vo_twilio_client_new: refusing http:// to a host other than "
                             "loopback: the credentials would travel in clear text (use "
                             "https://, or set allow_insecure_http)");

    vo_twilio_client *c =
        vo__handle_new(sizeof(*c), VO__H_TWILIO_CLIENT, twilio_client_destroy);
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
    /* The REST client keeps a reference to its HTTP client, shared or its own, so that the
     * caller may free a shared one first. */
    rc = vo__rest_client_init(&c->rest, &vo__twilio_provider, opts->http_client, opts->http);
    if (rc != VO_OK)
        goto fail;
    /* the secret the client sends (auth token or API key secret) never shows in an error */
    c->rest.secrets[0] = vo_secret_str(c->password);
    c->rest.secret_count = 1;
    vo__log(VO_LOG_DEBUG, MODULE, "client for account %s via %s (%s auth)", c->account_sid,
            c->api_base, key ? "API key" : "auth token");
    *out = c;
    return VO_OK;
fail:
    vo_twilio_client_free(c);
    return rc;
}

static void twilio_client_destroy(void *self)
{
    vo_twilio_client *c = self;
    vo__rest_client_clear(&c->rest);
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
        return vo__error_set(VO_EINVAL,
                             "vo_twilio_client_for_tenant: vault and tenant are required");
    vo_twilio_options given;
    int rc =
        vo__struct_copy(&vo_twilio_options_info_, "vo_twilio_client_for_tenant", &given, opts);
    if (rc != VO_OK)
        return rc;
    opts = &given;
    vo_twilio_credentials *cr = NULL;
    bool fallback = false;
    rc = vo_twilio_credentials_get(&cr, NULL, vault, tenant);
    if (rc == VO_ENOTFOUND) {
        if (!opts->allow_service_account_fallback)
            return vo__error_set(
                VO_ENOTFOUND,
                "tenant '%s' has no Twilio credentials in the vault (service-account fallback is off)",
                tenant);
        const char *sa = opts->service_account_tenant;
        if (!sa || !*sa || strcmp(sa, tenant) == 0)
            return vo__error_set(
                VO_EINVAL,
                "vo_twilio_client_for_tenant: fallback needs service_account_tenant (another vault tenant)");
        rc = vo_twilio_credentials_get(&cr, NULL, vault, sa);
        /* every fallback is audited, and an unaudited fallback does not happen */
        int arc =
            vo_vault_audit_append(vault, tenant, VO_CREDENTIALS_TWILIO_NAME, "twilio.fallback",
                                  rc == VO_OK ? "ok" : vo_error_name(rc));
        if (arc != VO_OK) {
            vo_twilio_credentials_free(cr);
            return arc;
        }
        if (rc != VO_OK)
            return rc;
        vo__log(
            VO_LOG_WARN, MODULE,
            "tenant '%s' has no Twilio credentials: using the service account of tenant '%s' (audited)",
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
    return c ? c->rest.http : NULL;
}

int vo__twilio_account_path(char *out, size_t size, const vo_twilio_client *c,
                            const char *suffix)
{
    int n =
        snprintf(out, size, VO__TWILIO_API_VERSION "/Accounts/%s%s", c->account_sid, suffix);
    if (n < 0 || (size_t)n >= size)
        return vo__error_set(VO_EINVAL, "request path too long");
    return VO_OK;
}

/* ---- errors -------------------------------------------------------------------------- */

int vo_twilio_error_code(int status, long code)
{
    switch (code) {
    case 20003: return VO_EAUTH;      /* authentication error */
    case 20005: return VO_EFORBIDDEN; /* account not active */
    case 20008: return VO_EFORBIDDEN; /* resource not accessible with test credentials */
    case 20404: return VO_ENOTFOUND;
    case 20429: return VO_ERATELIMIT;
    case 20500:
    case 20503: return VO_EUNAVAILABLE;
    default: break;
    }
    return vo__rest_status_code(status);
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Twilio error codes are whole numbers of at most 6 digits. Anything else (fractional,
 * negative, huge, NaN: {"code": 1e300}) is no code at all, as if the member were missing. */
#define TWILIO_CODE_MAX 999999L

static long code_from_double(double d)
{
    if (!(d >= 1 && d <= (double)TWILIO_CODE_MAX) || d != (double)(long)d)
        return 0;
    return (long)d;
}

static long code_from_text(const char *s)
{
    long v = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (*p - '0');
        if (v > TWILIO_CODE_MAX)
            return 0;
    }
    return p > s && *p == '\0' ? v : 0;
}

/* The provider's read_error: {"code": 20404, "message", "more_info"}, or an RFC 7807 problem
 * ({"type": ".../errors/20404", "title", "detail"}). */
static void read_error(vo__rest_error *e, int status, const cJSON *doc)
{
    enum {
        TEXT_MAX = 320
    }; /* Twilio messages are cut at 319 characters */
    long code = 0;
    const char *msg = NULL, *more = NULL, *title = NULL, *detail = NULL;
    if (cJSON_IsObject(doc)) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(doc, "code");
        if (cJSON_IsNumber(c))
            code = code_from_double(c->valuedouble);
        else if (cJSON_IsString(c))
            code = code_from_text(c->valuestring);
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
                code = code_from_text(p);
        }
    }
    e->code = vo_twilio_error_code(status, code);
    e->provider_code = code;
    e->more_info = more;
    if (msg) {
        snprintf(e->text, TEXT_MAX, "%s", msg);
        e->has_text = true;
    } else if (title || detail) {
        snprintf(e->text, TEXT_MAX, "%s%s%s", title ? title : "", title && detail ? ": " : "",
                 detail ? detail : "");
        e->has_text = true;
    }
}

const vo__rest_provider vo__twilio_provider = {
    .name = "Twilio",
    .object_body = true,
    .read_error = read_error,
    .strip_secrets = vo__twilio_strip_result,
};

int vo__twilio_call(vo__rest_reply *reply, vo_twilio_client *c, vo__twilio_host host,
                    const char *method, const char *path, const vo_param *query, size_t nq,
                    const vo_param *form, size_t nf, vo_http_idempotency idem)
{
    vo__rest_request req = {
        .method = method,
        .base_url = host == VO__TWILIO_API ? c->api_base : c->accounts_base,
        .path = path,
        .query = query,
        .query_count = nq,
        .form = form,
        .form_count = nf,
        .username = c->username,
        .password = vo_secret_str(c->password),
        .idempotency = idem,
    };
    return vo__rest_call(reply, &c->rest, &req);
}
