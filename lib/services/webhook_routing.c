/* Per-tenant webhook routing: random URL tokens stored as keyed hashes, resolved to a
 * tenant and verified with that tenant's keys. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "services_internal.h"
#include "voiceops/encoding.h"

#define ROUTING VO_ROUTING_TENANT
#define KEY_NAME "routing/key"
#define TENANT_ROUTE "webhook/route"
#define PREFIX "whk_"
#define TOKEN_BYTES 32
#define TOKEN_B64 43 /* base64url without padding of 32 bytes */

/* The index lives in a reserved tenant: ordinary calls cannot reach it, these can. */
static int index_put(vo_vault *vault, const char *name, const void *value, size_t len,
                     int64_t expected)
{
    bool prev = vo__vault_reserved_enter();
    int rc = vo_vault_secret_put(NULL, vault, ROUTING, name, value, len, expected);
    vo__vault_reserved_leave(prev);
    return rc;
}

static int index_get(vo_vault *vault, const char *name, void *buf, size_t size, size_t *len)
{
    bool prev = vo__vault_reserved_enter();
    int rc = vo_vault_secret_get_into(buf, size, len, NULL, vault, ROUTING, name, 0);
    vo__vault_reserved_leave(prev);
    return rc;
}

static int index_delete(vo_vault *vault, const char *name)
{
    bool prev = vo__vault_reserved_enter();
    int rc = vo_vault_secret_delete(vault, ROUTING, name, VO_VAULT_ANY_VERSION);
    vo__vault_reserved_leave(prev);
    return rc;
}

/* The routing key: created once (check-and-set, so two minting processes agree). */
static int routing_key(unsigned char key[32], vo_vault *vault)
{
    bool prev = vo__vault_reserved_enter();
    int rc = vo_vault_tenant_create(vault, ROUTING);
    vo__vault_reserved_leave(prev);
    if (rc != VO_OK && rc != VO_EEXISTS)
        return rc;
    size_t len = 0;
    rc = index_get(vault, KEY_NAME, key, 32, &len);
    if (rc == VO_ENOTFOUND) {
        unsigned char fresh[32];
        randombytes_buf(fresh, sizeof(fresh));
        rc = index_put(vault, KEY_NAME, fresh, sizeof(fresh), 0);
        sodium_memzero(fresh, sizeof(fresh));
        if (rc == VO_OK || rc == VO_ECONFLICT) /* ours, or another writer's: read it back */
            rc = index_get(vault, KEY_NAME, key, 32, &len);
    }
    if (rc == VO_OK && len != 32)
        rc = vo__error_set(VO_ECRYPTO,
                           "the webhook routing key in the vault has the wrong size");
    if (rc != VO_OK)
        sodium_memzero(key, 32);
    return rc;
}

/* "routes/" + hex(BLAKE2b-256 keyed with the routing key, over the token). */
static int route_name(char *name, size_t size, char hex[65], vo_vault *vault, const char *token)
{
    unsigned char key[32], h[32];
    int rc = routing_key(key, vault);
    if (rc != VO_OK)
        return rc;
    crypto_generichash(h, sizeof(h), (const unsigned char *)token, strlen(token), key,
                       sizeof(key));
    sodium_memzero(key, sizeof(key));
    sodium_bin2hex(hex, 65, h, sizeof(h));
    snprintf(name, size, "routes/%s", hex);
    return VO_OK;
}

static bool token_ok(const char *t)
{
    if (!t || strlen(t) != strlen(PREFIX) + TOKEN_B64 ||
        strncmp(t, PREFIX, strlen(PREFIX)) != 0)
        return false;
    for (const char *p = t + strlen(PREFIX); *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
              (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            return false;
    return true;
}

size_t vo_routing_token_size(void)
{
    return VO_ROUTING_TOKEN_SIZE;
}

int vo_routing_token_mint(char *out, size_t out_size, vo_vault *vault, const char *tenant)
{
    VO__HANDLE_CHECK(vault, VO__H_VAULT, "vo_routing_token_mint");
    if (!out || !vault || !tenant || !*tenant)
        return vo__error_set(VO_EINVAL, "vo_routing_token_mint: NULL argument");
    if (out_size < VO_ROUTING_TOKEN_SIZE)
        return vo__error_set(VO_ERANGE, "vo_routing_token_mint: the buffer needs %d bytes",
                             VO_ROUTING_TOKEN_SIZE);
    out[0] = '\0';
    if (strcmp(tenant, ROUTING) == 0)
        return vo__error_set(VO_EINVAL,
                             "vo_routing_token_mint: '%s' is the routing index, not a tenant",
                             ROUTING);
    vo_tenant_list *tl = NULL;
    int rc = vo_vault_tenant_get(&tl, vault, tenant);
    vo_tenant_list_free(tl);
    if (rc != VO_OK)
        return rc;
    unsigned char raw[TOKEN_BYTES];
    randombytes_buf(raw, sizeof(raw));
    char token[VO_ROUTING_TOKEN_SIZE];
    memcpy(token, PREFIX, strlen(PREFIX));
    rc = vo_base64_encode(token + strlen(PREFIX), sizeof(token) - strlen(PREFIX), raw,
                          sizeof(raw), VO_BASE64_URLSAFE_NOPAD);
    sodium_memzero(raw, sizeof(raw));
    char name[80], hex[65];
    if (rc == VO_OK)
        rc = route_name(name, sizeof(name), hex, vault, token);
    /* the tenant's previous route, to be dropped once the new one is in place */
    char old[65] = "";
    size_t olen = 0;
    if (rc == VO_OK) {
        int g = vo_vault_secret_get_into((unsigned char *)old, sizeof(old), &olen, NULL, vault,
                                         tenant, TENANT_ROUTE, 0);
        if (g != VO_OK || olen != 64)
            old[0] = '\0';
        vo_error_clear();
    }
    if (rc == VO_OK)
        rc = index_put(vault, name, tenant, strlen(tenant), VO_VAULT_ANY_VERSION);
    if (rc == VO_OK)
        rc = vo_vault_secret_put(NULL, vault, tenant, TENANT_ROUTE, hex, 64,
                                 VO_VAULT_ANY_VERSION);
    if (rc == VO_OK && old[0] && strcmp(old, hex) != 0) {
        char oname[80];
        snprintf(oname, sizeof(oname), "routes/%s", old);
        int d = index_delete(vault, oname);
        if (d != VO_OK && d != VO_ENOTFOUND)
            rc = d;
    }
    int arc = vo__svc_audit(vault, tenant, TENANT_ROUTE, "webhook.token.mint", rc);
    if (rc == VO_OK && arc == VO_OK)
        memcpy(out, token, strlen(token) + 1);
    sodium_memzero(token, sizeof(token));
    return rc != VO_OK ? rc : arc;
}

int vo_routing_token_resolve(char *tenant_out, size_t tenant_size, vo_vault *vault,
                             const char *token)
{
    VO__HANDLE_CHECK(vault, VO__H_VAULT, "vo_routing_token_resolve");
    if (!tenant_out || !vault)
        return vo__error_set(VO_EINVAL, "vo_routing_token_resolve: NULL argument");
    if (tenant_size < VO_VAULT_TENANT_MAX + 1)
        return vo__error_set(VO_ERANGE, "vo_routing_token_resolve: the buffer needs %d bytes",
                             VO_VAULT_TENANT_MAX + 1);
    tenant_out[0] = '\0';
    if (!token)
        return vo__error_set(VO_EINVAL, "vo_routing_token_resolve: token is NULL");
    /* The token comes from the request URL: garbage there is the sender's fault. */
    if (!token_ok(token))
        return vo__error_set(VO_EREQUEST, "vo_routing_token_resolve: malformed webhook token");
    char name[80], hex[65];
    int rc = route_name(name, sizeof(name), hex, vault, token);
    if (rc != VO_OK)
        return rc;
    char tenant[VO_VAULT_TENANT_MAX + 1];
    size_t len = 0;
    rc = index_get(vault, name, tenant, sizeof(tenant), &len);
    if (rc == VO_ENOTFOUND || rc == VO_ERANGE)
        return vo__error_set(VO_ENOTFOUND, "vo_routing_token_resolve: unknown webhook token");
    if (rc != VO_OK)
        return rc;
    tenant[len] = '\0';
    /* the tenant's current route must be this one (a replaced token never resolves) */
    char cur[65];
    size_t clen = 0;
    rc = vo_vault_secret_get_into((unsigned char *)cur, sizeof(cur), &clen, NULL, vault, tenant,
                                  TENANT_ROUTE, 0);
    if (rc != VO_OK || clen != 64 || vo_secure_equal(cur, 64, hex, 64) != 1)
        return vo__error_set(VO_ENOTFOUND, "vo_routing_token_resolve: unknown webhook token");
    memcpy(tenant_out, tenant, len + 1);
    return VO_OK;
}

/* Resolve, verify with the tenant's keys and, when `guarded`, record the sighting in the
 * seen-request store (the guard functions do both). `fn` names the public function. */
static int route_verify(const char *fn, bool guarded, const vo_webhook_guard_options *guard,
                        char *tenant_out, size_t tenant_size, vo_verify_result *result,
                        vo_vault *vault, const char *token, vo_webhook_provider provider,
                        const vo_webhook_request *request, int64_t now)
{
    if (tenant_out && tenant_size > 0)
        tenant_out[0] = '\0';
    int rc = vo__svc_result_begin(result, fn);
    if (rc != VO_OK)
        return rc;
    if (vault &&
        !vo__handle_ok(vault, VO__H_VAULT)) /* closed or not a vault: the caller's bug */
        return vo__svc_result_fail(result, VO_VERIFY_INVALID_ARGUMENT,
                                   vo__handle_check(vault, VO__H_VAULT, fn));
    if (!vo__initialized())
        return vo__svc_result_fail(result, VO_VERIFY_NOT_INITIALIZED,
                                   vo__error_set(VO_ENOTINIT,
                                                 "%s: vo_init() has "
                                                 "not been called",
                                                 fn));
    if (provider != VO_WEBHOOK_TWILIO && provider != VO_WEBHOOK_VAPI)
        return vo__svc_result_fail(result, VO_VERIFY_INVALID_ARGUMENT,
                                   vo__error_set(VO_EINVAL, "%s: unknown provider", fn));
    if (!vault || !token || !request)
        return vo__svc_result_fail(result, VO_VERIFY_INVALID_ARGUMENT,
                                   vo__error_set(VO_EINVAL, "%s: %s is NULL", fn,
                                                 !vault   ? "vault"
                                                 : !token ? "token"
                                                          : "request"));
    if (tenant_out && tenant_size < VO_VAULT_TENANT_MAX + 1)
        return vo__svc_result_fail(result, VO_VERIFY_INVALID_ARGUMENT,
                                   vo__error_set(VO_ERANGE,
                                                 "%s: the tenant buffer "
                                                 "needs %d bytes",
                                                 fn, VO_VAULT_TENANT_MAX + 1));
    char tenant[VO_VAULT_TENANT_MAX + 1];
    rc = vo_routing_token_resolve(tenant, sizeof(tenant), vault, token);
    if (rc == VO_EREQUEST)
        return vo__svc_result_fail(result, VO_VERIFY_MALFORMED_TOKEN, rc);
    if (rc == VO_ENOTFOUND)
        return vo__svc_result_fail(result, VO_VERIFY_UNKNOWN_TOKEN, rc);
    if (rc == VO_EINVAL)
        return vo__svc_result_fail(result, VO_VERIFY_INVALID_ARGUMENT, rc);
    if (rc != VO_OK)
        return vo__svc_result_fail(result, VO_VERIFY_INTERNAL_ERROR, rc); /* the vault failed */
    if (tenant_out)
        memcpy(tenant_out, tenant, strlen(tenant) + 1);
    if (provider == VO_WEBHOOK_TWILIO) {
        vo_twilio_credentials *c = NULL;
        rc = vo_twilio_credentials_get(&c, NULL, vault, tenant);
        if (rc == VO_ENOTFOUND)
            return vo__svc_result_fail(
                result, VO_VERIFY_NO_KEY,
                vo__error_set(VO_EINVAL,
                              "%s: tenant '%s' has "
                              "no Twilio credentials to verify webhooks with",
                              fn, tenant));
        if (rc != VO_OK)
            return vo__svc_result_fail(result, VO_VERIFY_INTERNAL_ERROR, rc);
        const char *tokens[2];
        size_t n = 0;
        if (vo_twilio_credentials_auth_token(c))
            tokens[n++] = vo_twilio_credentials_auth_token(c);
        if (vo_twilio_credentials_secondary_auth_token(c))
            tokens[n++] = vo_twilio_credentials_secondary_auth_token(c);
        if (n == 0) {
            vo_twilio_credentials_free(c);
            return vo__svc_result_fail(
                result, VO_VERIFY_NO_KEY,
                vo__error_set(VO_EINVAL,
                              "%s: tenant '%s' has "
                              "no Twilio auth token (an API key cannot verify "
                              "webhooks)",
                              fn, tenant));
        }
        rc = guarded ? vo_webhook_guard_twilio(result, vault, tenant, guard, NULL, tokens, n,
                                               request, now)
                     : vo_webhook_twilio_verify_request(result, NULL, tokens, n, request);
        vo_twilio_credentials_free(c);
        return rc;
    }
    vo_vapi_credentials *c = NULL;
    rc = vo_vapi_credentials_get(&c, NULL, vault, tenant);
    vo_webhook_vapi_options o = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    if (rc == VO_OK && vo_vapi_credentials_webhook_options(&o, c) != VO_OK)
        rc = VO_ENOTFOUND;
    if (rc == VO_ENOTFOUND) {
        vo_vapi_credentials_free(c);
        return vo__svc_result_fail(result, VO_VERIFY_NO_KEY,
                                   vo__error_set(VO_EINVAL,
                                                 "%s: tenant '%s' has no "
                                                 "Vapi webhook settings to verify with",
                                                 fn, tenant));
    }
    if (rc != VO_OK) {
        vo_vapi_credentials_free(c);
        return vo__svc_result_fail(result, VO_VERIFY_INTERNAL_ERROR, rc);
    }
    const char *secret = vo_vapi_credentials_webhook_secret(c);
    rc = guarded
             ? vo_webhook_guard_vapi(result, vault, tenant, guard, &o, &secret, 1, request, now)
             : vo_webhook_vapi_verify(result, &o, &secret, 1, request, now);
    vo_vapi_credentials_free(c);
    return rc;
}

int vo_routing_verify(char *tenant_out, size_t tenant_size, vo_verify_result *result,
                      vo_vault *vault, const char *token, vo_webhook_provider provider,
                      const vo_webhook_request *request, int64_t now)
{
    return route_verify("vo_routing_verify", false, NULL, tenant_out, tenant_size, result,
                        vault, token, provider, request, now);
}

int vo_routing_guard(char *tenant_out, size_t tenant_size, vo_verify_result *result,
                     vo_vault *vault, const vo_webhook_guard_options *guard, const char *token,
                     vo_webhook_provider provider, const vo_webhook_request *request,
                     int64_t now)
{
    return route_verify("vo_routing_guard", true, guard, tenant_out, tenant_size, result, vault,
                        token, provider, request, now);
}
