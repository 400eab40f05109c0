/*
 * Typed credentials (Twilio, Vapi, SMTP) stored as JSON secrets. Field strings live in
 * guarded memory; the JSON text is built in and parsed from guarded memory, and the copies
 * cJSON makes on the ordinary heap are wiped before they are freed.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include <sodium.h>

#include "../core/internal.h"
#include "voiceops/credentials.h"

#define MAX_STR 12
#define MAX_INT 10

typedef struct cred {
    vo__handle h;     /* first: type tag, state, references */
    const char *type; /* "twilio", "vapi", "smtp" */
    char *s[MAX_STR]; /* sodium_malloc'd or NULL */
    int64_t i[MAX_INT];
    bool has_webhook; /* vapi */
} cred;

struct vo_twilio_credentials {
    cred c;
};
struct vo_vapi_credentials {
    cred c;
};
struct vo_smtp_credentials {
    cred c;
};

enum {
    TW_SID,
    TW_TOKEN,
    TW_KEY_SID,
    TW_KEY_SECRET,
    TW_TOKEN2,
    TW_REGION,
    TW_EDGE
};
enum {
    VP_KEY,
    VP_SECRET,
    VP_HEADER,
    VP_SIG_HEADER,
    VP_TS_HEADER,
    VP_ID_HEADER,
    VP_FORMAT,
    VP_PREFIX
};
enum {
    VPI_TYPE,
    VPI_BEARER_PREFIX,
    VPI_ALG,
    VPI_INCLUDE_TS,
    VPI_ENCODING,
    VPI_B64,
    VPI_TOLERANCE,
    VPI_MAX_BODY
};
enum {
    SM_HOST,
    SM_USER,
    SM_PASSWORD
};
enum {
    SMI_PORT,
    SMI_TLS
};

typedef struct field {
    const char *json;
    int idx;
    bool is_int;
} field;

static const field twilio_fields[] = {{"account_sid", TW_SID, false},
                                      {"auth_token", TW_TOKEN, false},
                                      {"api_key_sid", TW_KEY_SID, false},
                                      {"api_key_secret", TW_KEY_SECRET, false},
                                      {"secondary_auth_token", TW_TOKEN2, false},
                                      {"region", TW_REGION, false},
                                      {"edge", TW_EDGE, false},
                                      {NULL, 0, false}};
static const field vapi_fields[] = {
    {"api_key", VP_KEY, false},
    {"webhook_secret", VP_SECRET, false},
    {"webhook_header_name", VP_HEADER, false},
    {"webhook_signature_header", VP_SIG_HEADER, false},
    {"webhook_timestamp_header", VP_TS_HEADER, false},
    {"webhook_message_id_header", VP_ID_HEADER, false},
    {"webhook_payload_format", VP_FORMAT, false},
    {"webhook_signature_prefix", VP_PREFIX, false},
    /* The stored document keeps the names and meanings it always had: bearer_prefix 1 = the
     * "Bearer " prefix is required, include_timestamp 1 = the default template signs the
     * timestamp (vo_webhook_vapi_options has bare_token / omit_timestamp, their negations). */
    {"webhook_type", VPI_TYPE, true},
    {"webhook_bearer_prefix", VPI_BEARER_PREFIX, true},
    {"webhook_algorithm", VPI_ALG, true},
    {"webhook_include_timestamp", VPI_INCLUDE_TS, true},
    {"webhook_encoding", VPI_ENCODING, true},
    {"webhook_secret_is_base64", VPI_B64, true},
    {"webhook_tolerance_seconds", VPI_TOLERANCE, true},
    {"webhook_max_body", VPI_MAX_BODY, true},
    {NULL, 0, false}};
static const field smtp_fields[] = {
    {"host", SM_HOST, false}, {"username", SM_USER, false}, {"password", SM_PASSWORD, false},
    {"port", SMI_PORT, true}, {"tls", SMI_TLS, true},       {NULL, 0, false}};

/* ---- generic ------------------------------------------------------------------------ */

static void cred_destroy(void *p)
{
    cred *c = p;
    for (int i = 0; i < MAX_STR; i++)
        if (c->s[i])
            vo__secure_free(c->s[i]);
}

static int cred_new(cred **out, size_t size, const char *type, vo__htype htype)
{
    int rc = vo__require_init();
    if (rc != VO_OK)
        return rc;
    cred *c = vo__handle_new(size, htype, cred_destroy);
    if (!c)
        return vo__error_set(VO_ENOMEM, "out of memory");
    c->type = type;
    *out = c;
    return VO_OK;
}

static int cred_set(cred *c, int idx, const char *value)
{
    char *copy = NULL;
    if (value) {
        size_t n = strlen(value);
        copy = vo__secure_alloc(n + 1);
        if (!copy)
            return vo__error_set(VO_ENOMEM, "out of secure memory");
        memcpy(copy, value, n + 1);
    }
    if (c->s[idx])
        vo__secure_free(c->s[idx]);
    c->s[idx] = copy;
    return VO_OK;
}

static bool all_chars(const char *s, size_t min, size_t max, const char *allowed_extra,
                      bool lower, bool upper, bool digit, bool hex)
{
    size_t n = strlen(s);
    if (n < min || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool ok = (lower && ch >= 'a' && ch <= 'z') || (upper && ch >= 'A' && ch <= 'Z') ||
                  (digit && ch >= '0' && ch <= '9') ||
                  (hex && ((ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F') ||
                           (ch >= '0' && ch <= '9'))) ||
                  (allowed_extra && ch && strchr(allowed_extra, ch));
        if (!ok)
            return false;
    }
    return true;
}

static bool is_sid(const char *s, const char *prefix)
{
    return strlen(s) == 34 && strncmp(s, prefix, 2) == 0 &&
           all_chars(s + 2, 32, 32, NULL, false, false, false, true);
}

static bool printable_nospace(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return false;
    return true;
}

static bool is_token_header(const char *s)
{
    /* RFC 9110 token characters. */
    return s && all_chars(s, 1, 128, "!#$%&'*+-.^_`|~", true, true, true, false);
}

/* The handle type of a credentials pointer. */
#define HTYPE_OF(c) \
  _Generic((c), vo_twilio_credentials *: VO__H_TWILIO_CREDENTIALS,                    \
             const vo_twilio_credentials *: VO__H_TWILIO_CREDENTIALS,                   \
             vo_vapi_credentials *: VO__H_VAPI_CREDENTIALS,                             \
             const vo_vapi_credentials *: VO__H_VAPI_CREDENTIALS,                       \
             vo_smtp_credentials *: VO__H_SMTP_CREDENTIALS,                             \
             const vo_smtp_credentials *: VO__H_SMTP_CREDENTIALS)

#define NEED(c)                                                                    \
  do {                                                                             \
    VO__HANDLE_CHECK(c, HTYPE_OF(c), __func__);                                    \
    if (!(c))                                                                      \
      return vo__error_set(VO_EINVAL, "%s: credentials object is NULL", __func__); \
  } while (0)

/* ---- JSON --------------------------------------------------------------------------- */

static void json_wipe(cJSON *j)
{
    for (cJSON *c = j; c; c = c->next) {
        if (c->valuestring)
            sodium_memzero(c->valuestring, strlen(c->valuestring));
        if (c->child)
            json_wipe(c->child);
    }
}

static void json_delete(cJSON *j)
{
    if (!j)
        return;
    json_wipe(j);
    cJSON_Delete(j);
}

static int cred_put(int64_t *out_version, vo_vault *v, const char *tenant, const cred *c,
                    const field *fields, const char *name, int64_t expected)
{
    cJSON *root = cJSON_CreateObject();
    size_t need = 256;
    int rc = VO_OK;
    if (!root || !cJSON_AddStringToObject(root, "type", c->type) ||
        !cJSON_AddNumberToObject(root, "format", 1))
        rc = VO_ENOMEM;
    for (const field *f = fields; rc == VO_OK && f->json; f++) {
        if (f->is_int) {
            if (!cJSON_AddNumberToObject(root, f->json, (double)c->i[f->idx]))
                rc = VO_ENOMEM;
            need += strlen(f->json) + 32;
        } else if (c->s[f->idx]) {
            if (!cJSON_AddStringToObject(root, f->json, c->s[f->idx]))
                rc = VO_ENOMEM;
            need += strlen(f->json) + 8 + 6 * strlen(c->s[f->idx]);
        }
    }
    char *text = NULL;
    if (rc == VO_OK && !(text = vo__secure_alloc(need)))
        rc = VO_ENOMEM;
    if (rc == VO_OK && !cJSON_PrintPreallocated(root, text, (int)need, 0))
        rc = VO_ENOMEM;
    json_delete(root);
    if (rc != VO_OK) {
        if (text)
            vo__secure_free(text);
        return vo__error_set(rc, "out of memory building %s credentials", c->type);
    }
    rc = vo_vault_secret_put(out_version, v, tenant, name, text, strlen(text), expected);
    vo__secure_free(text);
    return rc;
}

typedef int (*setter_fn)(cred *c, int idx, const char *value);

static int cred_get(cred *c, int64_t *out_version, vo_vault *v, const char *tenant,
                    const field *fields, const char *name, setter_fn set)
{
    vo_secret *s = NULL;
    int rc = vo_vault_secret_get(&s, out_version, v, tenant, name, 0);
    if (rc != VO_OK)
        return rc;
    cJSON *root = cJSON_ParseWithLength(vo_secret_str(s), vo_secret_len(s));
    vo_secret_free(s);
    if (!root || !cJSON_IsObject(root)) {
        json_delete(root);
        return vo__error_set(VO_EPARSE,
                             "stored %s credentials of tenant '%s' are not a JSON "
                             "object",
                             c->type, tenant);
    }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, c->type) != 0) {
        json_delete(root);
        return vo__error_set(VO_EPARSE, "stored document of tenant '%s' is not %s credentials",
                             tenant, c->type);
    }
    for (const field *f = fields; rc == VO_OK && f->json; f++) {
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, f->json);
        if (!it)
            continue;
        if (f->is_int) {
            if (!cJSON_IsNumber(it))
                rc = VO_EPARSE;
            else
                c->i[f->idx] = (int64_t)it->valuedouble;
        } else if (!cJSON_IsString(it)) {
            rc = VO_EPARSE;
        } else {
            rc = set(c, f->idx, it->valuestring);
        }
        if (rc != VO_OK) {
            char msg[VO_ERROR_MESSAGE_SIZE];
            vo__strlcpy(msg, rc == VO_EPARSE ? "wrong type" : vo_error_last()->message,
                        sizeof(msg));
            rc = vo__error_set(VO_EPARSE, "stored %s credentials of tenant '%s': field %s: %s",
                               c->type, tenant, f->json, msg);
        }
    }
    json_delete(root);
    return rc;
}

/* ---- Twilio ------------------------------------------------------------------------- */

static int tw_set(cred *c, int idx, const char *value)
{
    if (value) {
        bool ok = true;
        const char *rule = "";
        switch (idx) {
        case TW_SID:
            ok = is_sid(value, "AC");
            rule = "account SID must be 'AC' followed by 32 hex digits";
            break;
        case TW_TOKEN:
        case TW_TOKEN2:
            ok = all_chars(value, 32, 32, NULL, false, false, false, true);
            rule = "auth token must be 32 hex digits";
            break;
        case TW_KEY_SID:
            ok = is_sid(value, "SK");
            rule = "API key SID must be 'SK' followed by 32 hex digits";
            break;
        case TW_KEY_SECRET:
            ok = all_chars(value, 16, 128, NULL, true, true, true, false);
            rule = "API key secret must be 16-128 letters or digits";
            break;
        case TW_REGION:
            ok = all_chars(value, 2, 16, NULL, true, false, true, false);
            rule = "region must be 2-16 lowercase letters or digits (e.g. us1, ie1)";
            break;
        case TW_EDGE:
            ok = all_chars(value, 2, 32, "-", true, false, false, false);
            rule = "edge must be 2-32 lowercase letters or '-' (e.g. ashburn, dublin)";
            break;
        default: break;
        }
        if (!ok)
            return vo__error_set(VO_EINVAL, "invalid Twilio field: %s", rule);
    }
    return cred_set(c, idx, value);
}

int vo_twilio_credentials_new(vo_twilio_credentials **out)
{
    if (!out)
        return vo__error_set(VO_EINVAL, "%s: out is NULL", __func__);
    return cred_new((cred **)out, sizeof(vo_twilio_credentials), "twilio",
                    VO__H_TWILIO_CREDENTIALS);
}

void vo_twilio_credentials_free(vo_twilio_credentials *c)
{
    vo__handle_close(c, VO__H_TWILIO_CREDENTIALS, "vo_twilio_credentials_free");
}

int vo_twilio_credentials_set_account_sid(vo_twilio_credentials *c, const char *sid)
{
    NEED(c);
    if (!sid)
        return vo__error_set(VO_EINVAL, "Twilio: account SID is NULL");
    return tw_set(&c->c, TW_SID, sid);
}

int vo_twilio_credentials_set_auth_token(vo_twilio_credentials *c, const char *token)
{
    NEED(c);
    return tw_set(&c->c, TW_TOKEN, token);
}

int vo_twilio_credentials_set_api_key(vo_twilio_credentials *c, const char *sid,
                                      const char *secret)
{
    NEED(c);
    if ((sid == NULL) != (secret == NULL))
        return vo__error_set(VO_EINVAL, "Twilio: API key SID and secret go together");
    int rc = tw_set(&c->c, TW_KEY_SID, sid);
    if (rc == VO_OK && (rc = tw_set(&c->c, TW_KEY_SECRET, secret)) != VO_OK)
        cred_set(&c->c, TW_KEY_SID, NULL);
    return rc;
}

int vo_twilio_credentials_set_secondary_auth_token(vo_twilio_credentials *c, const char *token)
{
    NEED(c);
    return tw_set(&c->c, TW_TOKEN2, token);
}

int vo_twilio_credentials_set_region(vo_twilio_credentials *c, const char *region)
{
    NEED(c);
    return tw_set(&c->c, TW_REGION, region);
}

int vo_twilio_credentials_set_edge(vo_twilio_credentials *c, const char *edge)
{
    NEED(c);
    return tw_set(&c->c, TW_EDGE, edge);
}

#define STR_GETTER(fn, type, idx)                \
  const char *fn(const type *c)                  \
  {                                              \
    c = vo__handle_or_null(c, HTYPE_OF(c), #fn); \
    return c ? c->c.s[idx] : NULL;               \
  }

STR_GETTER(vo_twilio_credentials_account_sid, vo_twilio_credentials, TW_SID)
STR_GETTER(vo_twilio_credentials_auth_token, vo_twilio_credentials, TW_TOKEN)
STR_GETTER(vo_twilio_credentials_api_key_sid, vo_twilio_credentials, TW_KEY_SID)
STR_GETTER(vo_twilio_credentials_api_key_secret, vo_twilio_credentials, TW_KEY_SECRET)
STR_GETTER(vo_twilio_credentials_secondary_auth_token, vo_twilio_credentials, TW_TOKEN2)
STR_GETTER(vo_twilio_credentials_region, vo_twilio_credentials, TW_REGION)
STR_GETTER(vo_twilio_credentials_edge, vo_twilio_credentials, TW_EDGE)

int vo_twilio_credentials_validate(const vo_twilio_credentials *c)
{
    NEED(c);
    if (!c->c.s[TW_SID])
        return vo__error_set(VO_EINVAL, "Twilio: account SID is missing");
    if (!c->c.s[TW_TOKEN] && !c->c.s[TW_KEY_SID])
        return vo__error_set(VO_EINVAL, "Twilio: an auth token or an API key is required");
    if (c->c.s[TW_TOKEN2] && !c->c.s[TW_TOKEN])
        return vo__error_set(VO_EINVAL, "Twilio: a secondary auth token needs a primary one");
    return VO_OK;
}

int vo_twilio_credentials_put(int64_t *out_version, vo_vault *v, const char *tenant,
                              const vo_twilio_credentials *c, int64_t expected_version)
{
    NEED(c);
    VO__HANDLE_CHECK(v, VO__H_VAULT, "vo_twilio_credentials_put");
    int rc = vo_twilio_credentials_validate(c);
    if (rc != VO_OK)
        return rc;
    return cred_put(out_version, v, tenant, &c->c, twilio_fields, VO_CREDENTIALS_TWILIO_NAME,
                    expected_version);
}

int vo_twilio_credentials_get(vo_twilio_credentials **out, int64_t *out_version, vo_vault *v,
                              const char *tenant)
{
    VO__HANDLE_CHECK(v, VO__H_VAULT, "vo_twilio_credentials_get");
    if (!out)
        return vo__error_set(VO_EINVAL, "%s: out is NULL", __func__);
    *out = NULL;
    vo_twilio_credentials *c;
    int rc = vo_twilio_credentials_new(&c);
    if (rc != VO_OK)
        return rc;
    rc = cred_get(&c->c, out_version, v, tenant, twilio_fields, VO_CREDENTIALS_TWILIO_NAME,
                  tw_set);
    if (rc == VO_OK && vo_twilio_credentials_validate(c) != VO_OK)
        rc = vo__error_set(VO_EPARSE, "stored Twilio credentials of tenant '%s' are incomplete",
                           tenant);
    if (rc != VO_OK) {
        vo_twilio_credentials_free(c);
        return rc;
    }
    *out = c;
    return VO_OK;
}

/* ---- Vapi --------------------------------------------------------------------------- */

static int vp_set(cred *c, int idx, const char *value)
{
    if (value) {
        bool ok = true;
        const char *rule = "";
        switch (idx) {
        case VP_KEY:
            ok = printable_nospace(value, 8, 256);
            rule = "API key must be 8-256 printable characters without spaces";
            break;
        case VP_SECRET:
            ok = strlen(value) >= 1 && strlen(value) <= 512;
            rule = "webhook secret must be 1-512 bytes";
            break;
        case VP_HEADER:
        case VP_SIG_HEADER:
        case VP_TS_HEADER:
        case VP_ID_HEADER:
            ok = is_token_header(value);
            rule = "header names must be HTTP tokens";
            break;
        case VP_FORMAT:
            ok = strlen(value) >= 1 && strlen(value) <= 256;
            rule = "payload format must be 1-256 characters";
            break;
        case VP_PREFIX:
            ok = printable_nospace(value, 1, 64);
            rule = "signature prefix must be 1-64 printable characters";
            break;
        default: break;
        }
        if (!ok)
            return vo__error_set(VO_EINVAL, "invalid Vapi field: %s", rule);
    }
    return cred_set(c, idx, value);
}

int vo_vapi_credentials_new(vo_vapi_credentials **out)
{
    if (!out)
        return vo__error_set(VO_EINVAL, "%s: out is NULL", __func__);
    return cred_new((cred **)out, sizeof(vo_vapi_credentials), "vapi", VO__H_VAPI_CREDENTIALS);
}

void vo_vapi_credentials_free(vo_vapi_credentials *c)
{
    vo__handle_close(c, VO__H_VAPI_CREDENTIALS, "vo_vapi_credentials_free");
}

int vo_vapi_credentials_set_api_key(vo_vapi_credentials *c, const char *api_key)
{
    NEED(c);
    return vp_set(&c->c, VP_KEY, api_key);
}

static int webhook_ints_valid(const int64_t *i)
{
    if (i[VPI_TYPE] < VO_WEBHOOK_VAPI_SECRET || i[VPI_TYPE] > VO_WEBHOOK_VAPI_HMAC)
        return vo__error_set(VO_EINVAL, "Vapi: unknown webhook auth type");
    if (i[VPI_ALG] < VO_HMAC_SHA256 || i[VPI_ALG] > VO_HMAC_SHA512)
        return vo__error_set(VO_EINVAL, "Vapi: unknown HMAC algorithm");
    if (i[VPI_ENCODING] < VO_SIGNATURE_HEX || i[VPI_ENCODING] > VO_SIGNATURE_BASE64)
        return vo__error_set(VO_EINVAL, "Vapi: unknown signature encoding");
    if (i[VPI_TOLERANCE] <= 0)
        return vo__error_set(VO_EINVAL, "Vapi: tolerance must be positive");
    if (i[VPI_MAX_BODY] < 0)
        return vo__error_set(VO_EINVAL, "Vapi: max_body must not be negative");
    return VO_OK;
}

int vo_vapi_credentials_set_webhook(vo_vapi_credentials *c, const vo_webhook_vapi_options *opts,
                                    const char *secret)
{
    NEED(c);
    vo_webhook_vapi_options given;
    int rc = vo__struct_copy(&vo_webhook_vapi_options_info_, "vo_vapi_credentials_set_webhook",
                             &given, opts);
    if (rc != VO_OK)
        return rc;
    opts = &given;
    if (!secret || !*secret)
        return vo__error_set(VO_EINVAL, "Vapi: webhook secret is required");
    if (opts->tolerance_seconds < 0)
        return vo__error_set(VO_EINVAL, "Vapi: tolerance must not be negative");
    int64_t ints[MAX_INT] = {0};
    ints[VPI_TYPE] = opts->type;
    ints[VPI_BEARER_PREFIX] = opts->bare_token ? 0 : 1;
    ints[VPI_ALG] = opts->algorithm;
    ints[VPI_INCLUDE_TS] = opts->omit_timestamp ? 0 : 1;
    ints[VPI_ENCODING] = opts->encoding;
    ints[VPI_B64] = opts->secret_is_base64 ? 1 : 0;
    ints[VPI_TOLERANCE] =
        opts->tolerance_seconds ? opts->tolerance_seconds : VO_WEBHOOK_VAPI_TOLERANCE;
    ints[VPI_MAX_BODY] = (int64_t)opts->max_body;
    rc = webhook_ints_valid(ints);
    /* Validate every string before changing anything. */
    const char *strs[] = {opts->header_name, opts->signature_header, opts->timestamp_header,
                          opts->message_id_header};
    for (size_t k = 0; rc == VO_OK && k < 4; k++)
        if (strs[k] && !is_token_header(strs[k]))
            rc = vo__error_set(VO_EINVAL, "Vapi: header names must be HTTP tokens");
    if (rc == VO_OK && opts->payload_format &&
        (strlen(opts->payload_format) == 0 || strlen(opts->payload_format) > 256))
        rc = vo__error_set(VO_EINVAL, "Vapi: payload format must be 1-256 characters");
    if (rc == VO_OK && opts->signature_prefix &&
        !printable_nospace(opts->signature_prefix, 1, 64))
        rc = vo__error_set(VO_EINVAL, "Vapi: signature prefix must be 1-64 "
                                      "printable characters");
    if (rc == VO_OK && strlen(secret) > 512)
        rc = vo__error_set(VO_EINVAL, "Vapi: webhook secret must be 1-512 bytes");
    if (rc != VO_OK)
        return rc;
    if ((rc = cred_set(&c->c, VP_SECRET, secret)) != VO_OK ||
        (rc = cred_set(&c->c, VP_HEADER, opts->header_name)) != VO_OK ||
        (rc = cred_set(&c->c, VP_SIG_HEADER, opts->signature_header)) != VO_OK ||
        (rc = cred_set(&c->c, VP_TS_HEADER, opts->timestamp_header)) != VO_OK ||
        (rc = cred_set(&c->c, VP_ID_HEADER, opts->message_id_header)) != VO_OK ||
        (rc = cred_set(&c->c, VP_FORMAT, opts->payload_format)) != VO_OK ||
        (rc = cred_set(&c->c, VP_PREFIX, opts->signature_prefix)) != VO_OK)
        return rc;
    memcpy(c->c.i, ints, sizeof(ints));
    c->c.has_webhook = true;
    return VO_OK;
}

STR_GETTER(vo_vapi_credentials_api_key, vo_vapi_credentials, VP_KEY)

const char *vo_vapi_credentials_webhook_secret(const vo_vapi_credentials *c)
{
    c = vo__handle_or_null(c, VO__H_VAPI_CREDENTIALS, "vo_vapi_credentials_webhook_secret");
    return c && c->c.has_webhook ? c->c.s[VP_SECRET] : NULL;
}

int vo_vapi_credentials_webhook_type(const vo_vapi_credentials *c)
{
    c = vo__handle_or_null(c, VO__H_VAPI_CREDENTIALS, "vo_vapi_credentials_webhook_type");
    return c && c->c.has_webhook ? (int)c->c.i[VPI_TYPE] : -1;
}

int vo_vapi_credentials_webhook_options(vo_webhook_vapi_options *out,
                                        const vo_vapi_credentials *c)
{
    NEED(c);
    static const char fn[] = "vo_vapi_credentials_webhook_options";
    int rc = vo__struct_check(&vo_webhook_vapi_options_info_, fn, out);
    if (rc != VO_OK)
        return rc;
    if (!c->c.has_webhook)
        return vo__error_set(VO_ENOTFOUND, "Vapi credentials have no webhook settings");
    vo_webhook_vapi_options o = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    o.type = (vo_webhook_vapi_auth)c->c.i[VPI_TYPE];
    o.header_name = c->c.s[VP_HEADER];
    o.bare_token = c->c.i[VPI_BEARER_PREFIX] ? 0 : 1;
    o.algorithm = (vo_hmac_algorithm)c->c.i[VPI_ALG];
    o.signature_header = c->c.s[VP_SIG_HEADER];
    o.timestamp_header = c->c.s[VP_TS_HEADER];
    o.message_id_header = c->c.s[VP_ID_HEADER];
    o.payload_format = c->c.s[VP_FORMAT];
    o.omit_timestamp = c->c.i[VPI_INCLUDE_TS] ? 0 : 1;
    o.encoding = (vo_signature_encoding)c->c.i[VPI_ENCODING];
    o.signature_prefix = c->c.s[VP_PREFIX];
    o.secret_is_base64 = (int)c->c.i[VPI_B64];
    o.tolerance_seconds = c->c.i[VPI_TOLERANCE];
    o.max_body = (size_t)c->c.i[VPI_MAX_BODY];
    /* Only the fields of the caller's version of the struct are written. */
    return vo__struct_out(&vo_webhook_vapi_options_info_, fn, out, &o);
}

int vo_vapi_credentials_validate(const vo_vapi_credentials *c)
{
    NEED(c);
    if (!c->c.s[VP_KEY] && !c->c.has_webhook)
        return vo__error_set(VO_EINVAL, "Vapi: an API key or webhook settings are required");
    if (c->c.has_webhook)
        return webhook_ints_valid(c->c.i);
    return VO_OK;
}

int vo_vapi_credentials_put(int64_t *out_version, vo_vault *v, const char *tenant,
                            const vo_vapi_credentials *c, int64_t expected_version)
{
    NEED(c);
    VO__HANDLE_CHECK(v, VO__H_VAULT, "vo_vapi_credentials_put");
    int rc = vo_vapi_credentials_validate(c);
    if (rc != VO_OK)
        return rc;
    /* Without webhook settings, the webhook fields are left out of the document. */
    static const field key_only[] = {{"api_key", VP_KEY, false}, {NULL, 0, false}};
    return cred_put(out_version, v, tenant, &c->c, c->c.has_webhook ? vapi_fields : key_only,
                    VO_CREDENTIALS_VAPI_NAME, expected_version);
}

int vo_vapi_credentials_get(vo_vapi_credentials **out, int64_t *out_version, vo_vault *v,
                            const char *tenant)
{
    VO__HANDLE_CHECK(v, VO__H_VAULT, "vo_vapi_credentials_get");
    if (!out)
        return vo__error_set(VO_EINVAL, "%s: out is NULL", __func__);
    *out = NULL;
    vo_vapi_credentials *c;
    int rc = vo_vapi_credentials_new(&c);
    if (rc != VO_OK)
        return rc;
    /* A document without these fields (the library always writes them) gets the secure
     * value, never the weaker one. */
    c->c.i[VPI_BEARER_PREFIX] = 1;
    c->c.i[VPI_INCLUDE_TS] = 1;
    rc = cred_get(&c->c, out_version, v, tenant, vapi_fields, VO_CREDENTIALS_VAPI_NAME, vp_set);
    if (rc == VO_OK) {
        c->c.has_webhook = c->c.s[VP_SECRET] != NULL;
        if (vo_vapi_credentials_validate(c) != VO_OK)
            rc = vo__error_set(VO_EPARSE, "stored Vapi credentials of tenant '%s' are invalid",
                               tenant);
    }
    if (rc != VO_OK) {
        vo_vapi_credentials_free(c);
        return rc;
    }
    *out = c;
    return VO_OK;
}

/* ---- SMTP --------------------------------------------------------------------------- */

static int sm_set(cred *c, int idx, const char *value)
{
    if (value) {
        bool ok = true;
        const char *rule = "";
        switch (idx) {
        case SM_HOST:
            ok = all_chars(value, 1, 253, ".-:[]", true, true, true, false);
            rule = "host must be 1-253 characters of A-Z a-z 0-9 . - : [ ]";
            break;
        case SM_USER:
            ok = printable_nospace(value, 1, 256) ||
                 (strlen(value) >= 1 && strlen(value) <= 256 && !strchr(value, '\n') &&
                  !strchr(value, '\r'));
            rule = "username must be 1-256 characters without line breaks";
            break;
        case SM_PASSWORD:
            ok = strlen(value) >= 1 && strlen(value) <= 1024;
            rule = "password must be 1-1024 bytes";
            break;
        default: break;
        }
        if (!ok)
            return vo__error_set(VO_EINVAL, "invalid SMTP field: %s", rule);
    }
    return cred_set(c, idx, value);
}

int vo_smtp_credentials_new(vo_smtp_credentials **out)
{
    if (!out)
        return vo__error_set(VO_EINVAL, "%s: out is NULL", __func__);
    int rc =
        cred_new((cred **)out, sizeof(vo_smtp_credentials), "smtp", VO__H_SMTP_CREDENTIALS);
    if (rc == VO_OK) {
        (*out)->c.i[SMI_PORT] = 587;
        (*out)->c.i[SMI_TLS] = VO_SMTP_TLS_STARTTLS;
    }
    return rc;
}

void vo_smtp_credentials_free(vo_smtp_credentials *c)
{
    vo__handle_close(c, VO__H_SMTP_CREDENTIALS, "vo_smtp_credentials_free");
}

int vo_smtp_credentials_set_host(vo_smtp_credentials *c, const char *host)
{
    NEED(c);
    if (!host)
        return vo__error_set(VO_EINVAL, "SMTP: host is NULL");
    return sm_set(&c->c, SM_HOST, host);
}

int vo_smtp_credentials_set_port(vo_smtp_credentials *c, int port)
{
    NEED(c);
    if (port < 1 || port > 65535)
        return vo__error_set(VO_EINVAL, "SMTP: port must be 1-65535");
    c->c.i[SMI_PORT] = port;
    return VO_OK;
}

int vo_smtp_credentials_set_username(vo_smtp_credentials *c, const char *username)
{
    NEED(c);
    return sm_set(&c->c, SM_USER, username);
}

int vo_smtp_credentials_set_password(vo_smtp_credentials *c, const char *password)
{
    NEED(c);
    return sm_set(&c->c, SM_PASSWORD, password);
}

int vo_smtp_credentials_set_tls(vo_smtp_credentials *c, int tls)
{
    NEED(c);
    if (tls < VO_SMTP_TLS_STARTTLS || tls > VO_SMTP_TLS_NONE)
        return vo__error_set(VO_EINVAL, "SMTP: unknown TLS mode %d", tls);
    c->c.i[SMI_TLS] = tls;
    return VO_OK;
}

STR_GETTER(vo_smtp_credentials_host, vo_smtp_credentials, SM_HOST)
STR_GETTER(vo_smtp_credentials_username, vo_smtp_credentials, SM_USER)
STR_GETTER(vo_smtp_credentials_password, vo_smtp_credentials, SM_PASSWORD)

int vo_smtp_credentials_port(const vo_smtp_credentials *c)
{
    c = vo__handle_or_null(c, VO__H_SMTP_CREDENTIALS, "vo_smtp_credentials_port");
    return c ? (int)c->c.i[SMI_PORT] : 0;
}

int vo_smtp_credentials_tls(const vo_smtp_credentials *c)
{
    c = vo__handle_or_null(c, VO__H_SMTP_CREDENTIALS, "vo_smtp_credentials_tls");
    return c ? (int)c->c.i[SMI_TLS] : -1;
}

int vo_smtp_credentials_validate(const vo_smtp_credentials *c)
{
    NEED(c);
    if (!c->c.s[SM_HOST])
        return vo__error_set(VO_EINVAL, "SMTP: host is missing");
    if ((c->c.s[SM_USER] == NULL) != (c->c.s[SM_PASSWORD] == NULL))
        return vo__error_set(VO_EINVAL, "SMTP: username and password go together");
    if (c->c.i[SMI_PORT] < 1 || c->c.i[SMI_PORT] > 65535)
        return vo__error_set(VO_EINVAL, "SMTP: port must be 1-65535");
    if (c->c.i[SMI_TLS] < VO_SMTP_TLS_STARTTLS || c->c.i[SMI_TLS] > VO_SMTP_TLS_NONE)
        return vo__error_set(VO_EINVAL, "SMTP: unknown TLS mode");
    return VO_OK;
}

int vo_smtp_credentials_put(int64_t *out_version, vo_vault *v, const char *tenant,
                            const vo_smtp_credentials *c, int64_t expected_version)
{
    NEED(c);
    VO__HANDLE_CHECK(v, VO__H_VAULT, "vo_smtp_credentials_put");
    int rc = vo_smtp_credentials_validate(c);
    if (rc != VO_OK)
        return rc;
    return cred_put(out_version, v, tenant, &c->c, smtp_fields, VO_CREDENTIALS_SMTP_NAME,
                    expected_version);
}

int vo_smtp_credentials_get(vo_smtp_credentials **out, int64_t *out_version, vo_vault *v,
                            const char *tenant)
{
    VO__HANDLE_CHECK(v, VO__H_VAULT, "vo_smtp_credentials_get");
    if (!out)
        return vo__error_set(VO_EINVAL, "%s: out is NULL", __func__);
    *out = NULL;
    vo_smtp_credentials *c;
    int rc = vo_smtp_credentials_new(&c);
    if (rc != VO_OK)
        return rc;
    rc = cred_get(&c->c, out_version, v, tenant, smtp_fields, VO_CREDENTIALS_SMTP_NAME, sm_set);
    if (rc == VO_OK && vo_smtp_credentials_validate(c) != VO_OK)
        rc = vo__error_set(VO_EPARSE, "stored SMTP credentials of tenant '%s' are invalid",
                           tenant);
    if (rc != VO_OK) {
        vo_smtp_credentials_free(c);
        return rc;
    }
    *out = c;
    return VO_OK;
}
