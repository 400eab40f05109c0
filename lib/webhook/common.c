/* Helpers shared by the Twilio, Vapi and Standard Webhooks verifiers. */
#include <string.h>

#include "voiceops/vapi_message.h"
#include "webhook_internal.h"

static const char *const reason_names[] = {
    "ok",
    "missing_signature",
    "empty_signature",
    "malformed_signature",
    "no_key",
    "mismatch",
    "body_hash_mismatch",
    "missing_body_hash",
    "malformed_body",
    "body_too_large",
    "malformed_url",
    "missing_timestamp",
    "malformed_timestamp",
    "timestamp_too_old",
    "timestamp_too_new",
    "missing_id",
    "invalid_argument",
    "internal_error",
    "malformed_token",
    "unknown_token",
    "not_initialized",
    "url_too_long",
    "duplicate",
    "replay",
};

const char *vo_verify_reason_name(vo_verify_reason reason)
{
    if ((int)reason < 0 || (size_t)reason >= sizeof(reason_names) / sizeof(reason_names[0]))
        return "unknown";
    return reason_names[reason];
}

size_t vo_webhook_max_body(void)
{
    return VO_WEBHOOK_DEFAULT_MAX_BODY;
}

size_t vo_form_max_params(void)
{
    return VO_FORM_MAX_PARAMS;
}

size_t vo_webhook_twilio_signature_size(void)
{
    return VO_WEBHOOK_TWILIO_SIGNATURE_SIZE;
}

size_t vo_webhook_std_signature_size(void)
{
    return VO_WEBHOOK_STD_SIGNATURE_SIZE;
}

int64_t vo_webhook_std_tolerance(void)
{
    return VO_WEBHOOK_STD_TOLERANCE;
}

size_t vo_vapi_message_max_size(void)
{
    return VO_VAPI_MESSAGE_MAX_SIZE;
}

int64_t vo_webhook_vapi_tolerance(void)
{
    return VO_WEBHOOK_VAPI_TOLERANCE;
}

int vo__verify_struct(vo_verify_result *r, const vo__struct_info *info, const char *fn,
                      void *dst, const void *src)
{
    int rc = vo__struct_copy(info, fn, dst, src);
    if (rc != VO_OK && r)
        r->reason = VO_VERIFY_INVALID_ARGUMENT;
    return rc;
}

static bool result_version_ok(const vo_verify_result *r)
{
    return r->version >= 1 && r->version <= VO_VERIFY_RESULT_VERSION;
}

/* The version-1 fields, which every version has: "nothing verified, nothing matched". */
static void result_reset(vo_verify_result *r)
{
    r->reason = VO_VERIFY_INTERNAL_ERROR;
    r->key_index = -1;
    r->url_form = -1;
    r->signature_index = -1;
    r->forms_tried = 0;
    r->timestamp = 0;
    if (r->version >= 2 && r->version <= VO_VERIFY_RESULT_VERSION) {
        r->seen = VO_VERIFY_SEEN_NOT_CHECKED;
        r->seen_at_ms = 0;
    }
}

int vo_verify_result_init(vo_verify_result *result, unsigned int version)
{
    if (!result)
        return vo__error_set(VO_EINVAL, "vo_verify_result_init: result is NULL");
    if (version < 1 || version > VO_VERIFY_RESULT_VERSION)
        return vo__error_set(VO_EINVAL,
                             "vo_verify_result_init: vo_verify_result version %u "
                             "is not supported (1..%d)",
                             version, VO_VERIFY_RESULT_VERSION);
    result->version = version;
    result_reset(result);
    return VO_OK;
}

int vo__verify_begin(vo_verify_result *r, const char *what)
{
    if (!r)
        return VO_OK;
    /* Written for any version: a zero-filled or newer struct still has these fields. */
    result_reset(r);
    if (!result_version_ok(r)) {
        r->reason = VO_VERIFY_INVALID_ARGUMENT;
        return vo__error_set(VO_EINVAL,
                             "%s: vo_verify_result version %u is not supported "
                             "(1..%d); initialise it with VO_VERIFY_RESULT_INIT or "
                             "vo_verify_result_init()",
                             what, r->version, VO_VERIFY_RESULT_VERSION);
    }
    return vo__require_init() == VO_OK
               ? VO_OK
               : vo__verify_fail(r, VO_VERIFY_NOT_INITIALIZED, VO_ENOTINIT, what);
}

int vo__verify_fail(vo_verify_result *r, vo_verify_reason reason, int code, const char *what)
{
    if (r)
        r->reason = reason;
    if (code == VO_OK)
        return VO_OK;
    return vo__error_set_static(code, what, vo_verify_reason_name(reason));
}

int vo_verify_http_status(int rc, const vo_verify_result *result)
{
    if (result && !result_version_ok(result))
        result = NULL;
    if (rc == VO_OK)
        return !result || result->reason == VO_VERIFY_OK ? 200 : 500; /* fail closed */
    switch (rc) {
    case VO_EDUPLICATE: /* a provider retry: acknowledge it, act once (fail closed) */
        return !result || result->reason == VO_VERIFY_DUPLICATE ? 200 : 500;
    case VO_EAUTH:
    case VO_EEXPIRED: return 403;
    case VO_EPARSE: return 400;
    case VO_EREQUEST: return result && result->reason == VO_VERIFY_URL_TOO_LONG ? 414 : 400;
    case VO_ETOOBIG: return 413;
    case VO_ENOTFOUND: return 404;
    default:
        /* VO_EINVAL, VO_ENOTINIT, VO_ENOMEM, VO_ECRYPTO, vault errors, ...: the server's
         * own configuration or failure. */
        return 500;
    }
}

bool vo__header_get(const vo_webhook_request *req, const char *name, const char **value)
{
    *value = NULL;
    if (!req->headers)
        return true;
    for (size_t i = 0; i < req->header_count; i++) {
        const vo_param *h = &req->headers[i];
        if (!h->name || !h->value || !vo__str_ieq(h->name, name))
            continue;
        if (*value && strcmp(*value, h->value) != 0)
            return false;
        *value = h->value;
    }
    return true;
}

size_t vo__trim(const char *s, const char **start)
{
    size_t len = strlen(s);
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    *start = s;
    return len;
}

bool vo__parse_digits(const char *s, size_t len, int64_t *out)
{
    if (len == 0 || len > 18)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

vo_verify_reason vo__check_tolerance(int64_t ts, int64_t now, int64_t tolerance)
{
    if (tolerance < 0)
        tolerance = 0;
    if (ts < now - tolerance)
        return VO_VERIFY_TIMESTAMP_TOO_OLD;
    if (ts > now + tolerance)
        return VO_VERIFY_TIMESTAMP_TOO_NEW;
    return VO_VERIFY_OK;
}
