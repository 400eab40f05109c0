/* Thread-local error records and the code tables. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

typedef struct error_slot {
    vo_error pub;
    char message[VO_ERROR_MESSAGE_SIZE];
    char request_id[VO_ERROR_ID_SIZE];
    char correlation_id[VO_ERROR_ID_SIZE];
    char more_info[VO_ERROR_MORE_INFO_SIZE];
} error_slot;

static _Thread_local error_slot tls_error;
static _Thread_local bool tls_error_ready;

static const vo_error no_error = {VO_ERROR_VERSION, VO_OK, "no error", 0, 0, "", "", "", -1};

static error_slot *slot(void)
{
    error_slot *s = &tls_error;
    if (!tls_error_ready) {
        memset(s, 0, sizeof(*s));
        s->pub = no_error;
        tls_error_ready = true;
    }
    return s;
}

const vo_error *vo_error_last(void)
{
    if (!tls_error_ready)
        return &no_error;
    return &tls_error.pub;
}

void vo_error_clear(void)
{
    error_slot *s = slot();
    s->pub = no_error;
}

/* Fill the rest of a record whose message is already written. */
static int finish(error_slot *s, int code)
{
    vo__strlcpy(s->correlation_id, vo_correlation_id_get(), sizeof(s->correlation_id));
    s->request_id[0] = '\0';
    s->more_info[0] = '\0';
    s->pub.version = VO_ERROR_VERSION;
    s->pub.code = code;
    s->pub.message = s->message;
    s->pub.http_status = 0;
    s->pub.provider_code = 0;
    s->pub.provider_request_id = s->request_id;
    s->pub.correlation_id = s->correlation_id;
    s->pub.more_info = s->more_info;
    s->pub.retry_after_ms = -1;
    return code;
}

int vo__error_setv(int code, const char *fmt, va_list ap)
{
    error_slot *s = slot();
    char raw[VO_ERROR_MESSAGE_SIZE];
    vsnprintf(raw, sizeof(raw), fmt, ap);
    /* Defence in depth: messages are built without secrets, and redacted anyway. */
    vo_log_redact(s->message, sizeof(s->message), raw);
    return finish(s, code);
}

int vo__error_set_static(int code, const char *prefix, const char *detail)
{
    error_slot *s = slot();
    size_t a = strlen(prefix), b = strlen(detail);
    if (a > sizeof(s->message) - 3)
        a = sizeof(s->message) - 3;
    if (b > sizeof(s->message) - 3 - a)
        b = sizeof(s->message) - 3 - a;
    memcpy(s->message, prefix, a);
    memcpy(s->message + a, ": ", 2);
    memcpy(s->message + a + 2, detail, b);
    s->message[a + 2 + b] = '\0';
    return finish(s, code);
}

int vo__error_set(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vo__error_setv(code, fmt, ap);
    va_end(ap);
    return code;
}

void vo__error_set_remote(int http_status, long provider_code, const char *request_id,
                          const char *more_info, long retry_after_ms)
{
    error_slot *s = slot();
    s->pub.http_status = http_status;
    s->pub.provider_code = provider_code;
    s->pub.retry_after_ms = retry_after_ms;
    vo__strlcpy(s->request_id, request_id ? request_id : "", sizeof(s->request_id));
    vo__strlcpy(s->more_info, more_info ? more_info : "", sizeof(s->more_info));
}

int vo_error_snapshot_init(vo_error_snapshot *out, unsigned int version)
{
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_error_snapshot_init: out is NULL");
    if (version < 1 || version > VO_ERROR_SNAPSHOT_VERSION)
        return vo__error_set(VO_EINVAL,
                             "vo_error_snapshot_init: vo_error_snapshot version %u "
                             "is not supported (1..%d)",
                             version, VO_ERROR_SNAPSHOT_VERSION);
    memset(out, 0, sizeof(*out));
    out->version = version;
    out->retry_after_ms = -1;
    return VO_OK;
}

int vo_error_snapshot_take(vo_error_snapshot *out)
{
    /* Leaves the thread's record alone even on failure: it is what the caller wants. */
    if (!out || out->version < 1 || out->version > VO_ERROR_SNAPSHOT_VERSION)
        return VO_EINVAL;
    const vo_error *e = vo_error_last();
    /* Version 1 is every field; later versions append and copy more here. */
    out->code = e->code;
    vo__strlcpy(out->message, e->message, sizeof(out->message));
    out->http_status = e->http_status;
    out->provider_code = e->provider_code;
    vo__strlcpy(out->provider_request_id, e->provider_request_id,
                sizeof(out->provider_request_id));
    vo__strlcpy(out->correlation_id, e->correlation_id, sizeof(out->correlation_id));
    vo__strlcpy(out->more_info, e->more_info, sizeof(out->more_info));
    out->retry_after_ms = e->retry_after_ms;
    return VO_OK;
}

typedef struct code_info {
    int code;
    const char *name;
    const char *text;
} code_info;

static const code_info codes[] = {
    {VO_OK, "VO_OK", "success"},
    {VO_ERROR, "VO_ERROR", "unspecified error"},
    {VO_EINVAL, "VO_EINVAL", "invalid argument"},
    {VO_ENOMEM, "VO_ENOMEM", "out of memory"},
    {VO_ERANGE, "VO_ERANGE", "output buffer too small"},
    {VO_ETOOBIG, "VO_ETOOBIG", "input exceeds the size limit"},
    {VO_EPARSE, "VO_EPARSE", "malformed input"},
    {VO_EAUTH, "VO_EAUTH", "authentication failed"},
    {VO_ECRYPTO, "VO_ECRYPTO", "decryption or integrity check failed"},
    {VO_ENOTFOUND, "VO_ENOTFOUND", "not found"},
    {VO_EEXISTS, "VO_EEXISTS", "already exists"},
    {VO_ECONFLICT, "VO_ECONFLICT", "conflict: the object changed concurrently"},
    {VO_ESTORAGE, "VO_ESTORAGE", "storage failure"},
    {VO_EBUSY, "VO_EBUSY", "resource busy"},
    {VO_ENETWORK, "VO_ENETWORK", "network failure"},
    {VO_ETIMEOUT, "VO_ETIMEOUT", "timed out"},
    {VO_ERATELIMIT, "VO_ERATELIMIT", "rate limited by the provider"},
    {VO_EUNAVAILABLE, "VO_EUNAVAILABLE", "provider unavailable"},
    {VO_EPROTOCOL, "VO_EPROTOCOL", "unexpected response from the provider"},
    {VO_EVALIDATION, "VO_EVALIDATION", "the provider rejected the request as invalid"},
    {VO_EFORBIDDEN, "VO_EFORBIDDEN", "forbidden"},
    {VO_EEXPIRED, "VO_EEXPIRED", "timestamp outside the allowed tolerance"},
    {VO_ENOTINIT, "VO_ENOTINIT", "library not initialised"},
    {VO_EUNSUPPORTED, "VO_EUNSUPPORTED", "not supported"},
    {VO_EINTERNAL, "VO_EINTERNAL", "internal error"},
    {VO_EHANDLE, "VO_EHANDLE", "invalid handle: closed, freed or of another type"},
    {VO_EREQUEST, "VO_EREQUEST", "the request received from the network is malformed"},
    {VO_ETLS, "VO_ETLS", "the server's TLS certificate failed verification"},
    {VO_EDUPLICATE, "VO_EDUPLICATE", "a duplicate of a request already accepted"},
};

static const code_info *find_code(int code)
{
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (codes[i].code == code)
            return &codes[i];
    return NULL;
}

const char *vo_strerror(int code)
{
    const code_info *c = find_code(code);
    return c ? c->text : "unknown error";
}

const char *vo_error_name(int code)
{
    const code_info *c = find_code(code);
    return c ? c->name : "VO_E?";
}
