/*
 * The webhook guard: verification and the vault's seen-request store in one call, so a
 * retry or a replay is recognised by every server that shares the vault. A request is
 * recorded only after it verified; what is recorded is chosen so that an attacker cannot
 * change it without breaking the signature (docs/webhooks.md, "Duplicates and replays").
 */
#include <stddef.h>
#include <string.h>

#include "services_internal.h"

#define MS 1000

/* How a repeat of an entry is classified. */
enum repeat_rule {
    REPEAT_REPLAY,    /* any repeat is a replay */
    REPEAT_DUPLICATE, /* any repeat is a duplicate (nothing tells them apart) */
    REPEAT_NEW_MARK,  /* a different mark is the sender's retry, the same one a replay */
    REPEAT_TWILIO     /* the same token within the retry window is a retry */
};

typedef struct guard_entry {
    const char *scope;
    unsigned char id[32]; /* a digest of what identifies the request */
    const char *mark;     /* NULL = none */
    size_t mark_len;
    enum repeat_rule rule;
    int64_t signed_ts;          /* timestamped schemes: the signed timestamp (s), else 0 */
    int64_t tolerance;          /* with signed_ts: its tolerance (s) */
    unsigned char mark_buf[32]; /* for marks built from two headers: their digest */
} guard_entry;

typedef struct guard_call {
    const char *fn;
    vo_verify_result *res;
    vo_vault *vault;
    const char *tenant;
    vo_webhook_guard_options opts;
    const vo_webhook_request *req;
    int64_t now;
} guard_call;

/* The request's value of a header (case-insensitive name); NULL when absent or given twice
 * with different values. */
static const char *header(const vo_webhook_request *req, const char *name)
{
    const char *v = NULL;
    for (size_t i = 0; req->headers && i < req->header_count; i++) {
        const vo_param *h = &req->headers[i];
        if (!h->name || !h->value || !vo__str_ieq(h->name, name))
            continue;
        if (v && strcmp(v, h->value) != 0)
            return NULL;
        v = h->value;
    }
    return v;
}

/* A sighting's identity before the vault keys it: BLAKE2b-256 of (label, a, b). */
static void digest(unsigned char out[32], const char *label, const char *a, size_t a_len,
                   const unsigned char *b, size_t b_len)
{
    const void *p[] = {label, a, b};
    const size_t l[] = {strlen(label), a_len, b_len};
    vo__digest_parts(out, 32, NULL, 0, p, l, 3);
}

/* Checks before verification: the result's version, the vault, arguments, options. */
static int guard_begin(guard_call *c, const vo_webhook_guard_options *opts)
{
    int rc = vo__svc_result_begin(c->res, c->fn);
    if (rc != VO_OK)
        return rc;
    if (c->vault && !vo__handle_ok(c->vault, VO__H_VAULT))
        return vo__svc_result_fail(c->res, VO_VERIFY_INVALID_ARGUMENT,
                                   vo__handle_check(c->vault, VO__H_VAULT, c->fn));
    if (!c->vault || !c->tenant || !c->req)
        return vo__svc_result_fail(c->res, VO_VERIFY_INVALID_ARGUMENT,
                                   vo__error_set(VO_EINVAL, "%s: %s is NULL", c->fn,
                                                 !c->vault    ? "vault"
                                                 : !c->tenant ? "tenant"
                                                              : "request"));
    rc = vo__struct_copy(&vo_webhook_guard_options_info_, c->fn, &c->opts, opts);
    if (rc == VO_OK && (c->opts.retention_seconds < 0 ||
                        c->opts.retention_seconds > VO_WEBHOOK_GUARD_MAX_SECONDS ||
                        c->opts.retry_window_seconds < 0 ||
                        c->opts.retry_window_seconds > VO_WEBHOOK_GUARD_MAX_SECONDS))
        rc = vo__error_set(VO_EINVAL,
                           "%s: retention_seconds and retry_window_seconds must be 0 "
                           "(default) or 1-%d",
                           c->fn, VO_WEBHOOK_GUARD_MAX_SECONDS);
    if (rc == VO_OK && c->now <= 0)
        rc = vo__error_set(VO_EINVAL, "%s: now must be a positive Unix time", c->fn);
    if (rc != VO_OK)
        return vo__svc_result_fail(c->res, VO_VERIFY_INVALID_ARGUMENT, rc);
    return VO_OK;
}

/* Verification runs with a result of our own (the signed timestamp is needed even when the
 * caller passed no result); its version-1 fields are then the caller's. */
static int verified(guard_call *c, const vo_verify_result *r, int rc)
{
    if (c->res) {
        unsigned int v = c->res->version;
        memcpy(c->res, r, offsetof(vo_verify_result, seen));
        c->res->version = v;
    }
    return rc;
}

static void set_seen(vo_verify_result *res, int seen, int64_t at_ms)
{
    if (res && res->version >= 2) {
        res->seen = seen;
        res->seen_at_ms = at_ms;
    }
}

/* After a successful verification: record the sighting and classify a repeat. */
static int guard_record(guard_call *c, const guard_entry *e)
{
    int64_t now_ms = c->now * MS;
    int64_t keep = c->opts.retention_seconds;
    int64_t expires = now_ms + (keep ? keep : VO_WEBHOOK_GUARD_RETENTION) * MS;
    if (e->signed_ts) {
        /* acceptable until the timestamp leaves the tolerance; one second of margin */
        expires = (e->signed_ts + e->tolerance + 1) * MS;
        if (keep && now_ms + keep * MS > expires)
            expires = now_ms + keep * MS;
        if (expires <= now_ms)
            expires = now_ms + MS;
    }
    int64_t seen_at = 0;
    int same_mark = 0;
    int rc =
        vo_vault_seen_put(&seen_at, &same_mark, c->vault, c->tenant, e->scope, e->id,
                          sizeof(e->id), e->mark, e->mark ? e->mark_len : 0, now_ms, expires);
    if (rc == VO_OK) {
        set_seen(c->res, VO_VERIFY_SEEN_FIRST, now_ms);
        return VO_OK;
    }
    if (rc != VO_EEXISTS) {
        /* the store failed: fail closed (500), the provider retries later */
        if (c->res) {
            c->res->key_index = c->res->url_form = c->res->signature_index = -1;
        }
        return vo__svc_result_fail(
            c->res, rc == VO_EINVAL ? VO_VERIFY_INVALID_ARGUMENT : VO_VERIFY_INTERNAL_ERROR,
            rc);
    }
    bool duplicate = false;
    switch (e->rule) {
    case REPEAT_DUPLICATE: duplicate = true; break;
    case REPEAT_REPLAY: duplicate = false; break;
    case REPEAT_NEW_MARK: duplicate = !same_mark; break;
    case REPEAT_TWILIO: {
        int64_t window = c->opts.retry_window_seconds ? c->opts.retry_window_seconds
                                                      : VO_WEBHOOK_GUARD_RETRY_WINDOW;
        duplicate = e->mark && same_mark && now_ms - seen_at <= window * MS;
        break;
    }
    }
    if (duplicate) {
        set_seen(c->res, VO_VERIFY_SEEN_DUPLICATE, seen_at);
        vo__svc_result_fail(c->res, VO_VERIFY_DUPLICATE, VO_EDUPLICATE);
        return vo__error_set(VO_EDUPLICATE,
                             "%s: a retry of a request first seen at %lld ms: answer 200 and "
                             "do not act on it again",
                             c->fn, (long long)seen_at);
    }
    set_seen(c->res, VO_VERIFY_SEEN_REPLAY, seen_at);
    vo__svc_result_fail(c->res, VO_VERIFY_REPLAY, VO_EAUTH);
    return vo__error_set(VO_EAUTH,
                         "%s: replay: this signed request was already accepted at %lld ms "
                         "and is not a provider retry",
                         c->fn, (long long)seen_at);
}

int vo_webhook_guard_twilio(vo_verify_result *result, vo_vault *vault, const char *tenant,
                            const vo_webhook_guard_options *guard,
                            const vo_webhook_twilio_options *opts,
                            const char *const *auth_tokens, size_t token_count,
                            const vo_webhook_request *request, int64_t now)
{
    guard_call c = {"vo_webhook_guard_twilio", result, vault, tenant, {0}, request, now};
    int rc = guard_begin(&c, guard);
    if (rc != VO_OK)
        return rc;
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    rc = verified(
        &c, &r, vo_webhook_twilio_verify_request(&r, opts, auth_tokens, token_count, request));
    if (rc != VO_OK)
        return rc;
    guard_entry e;
    memset(&e, 0, sizeof(e));
    e.scope = "twilio";
    e.rule = REPEAT_TWILIO;
    const char *sig = header(request, "X-Twilio-Signature");
    digest(e.id, "twilio.v1", sig ? sig : "", sig ? strlen(sig) : 0, request->body,
           request->body ? request->body_len : 0);
    e.mark = header(request, "I-Twilio-Idempotency-Token");
    e.mark_len = e.mark ? strlen(e.mark) : 0;
    if (e.mark_len == 0)
        e.mark = NULL;
    return guard_record(&c, &e);
}

int vo_webhook_guard_std(vo_verify_result *result, vo_vault *vault, const char *tenant,
                         const vo_webhook_guard_options *guard, const char *const *secrets,
                         size_t secret_count, const vo_webhook_request *request, int64_t now)
{
    guard_call c = {"vo_webhook_guard_std", result, vault, tenant, {0}, request, now};
    int rc = guard_begin(&c, guard);
    if (rc != VO_OK)
        return rc;
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    rc = verified(&c, &r,
                  vo_webhook_std_verify_request(&r, secrets, secret_count, request, now));
    if (rc != VO_OK)
        return rc;
    guard_entry e;
    memset(&e, 0, sizeof(e));
    e.scope = "stdwebhooks.id";
    e.rule = REPEAT_NEW_MARK;
    const char *id = header(request, "webhook-id");
    const char *ts = header(request, "webhook-timestamp");
    const char *sig = header(request, "webhook-signature");
    /* verified, so all three are present; the id is signed, the mark tells deliveries apart */
    digest(e.id, "stdwebhooks.v1", id ? id : "", id ? strlen(id) : 0, NULL, 0);
    digest(e.mark_buf, "stdwebhooks.mark", ts ? ts : "", ts ? strlen(ts) : 0,
           (const unsigned char *)(sig ? sig : ""), sig ? strlen(sig) : 0);
    e.mark = (const char *)e.mark_buf;
    e.mark_len = 32;
    e.signed_ts = r.timestamp;
    e.tolerance = VO_WEBHOOK_STD_TOLERANCE;
    return guard_record(&c, &e);
}

int vo_webhook_guard_vapi(vo_verify_result *result, vo_vault *vault, const char *tenant,
                          const vo_webhook_guard_options *guard,
                          const vo_webhook_vapi_options *opts, const char *const *secrets,
                          size_t secret_count, const vo_webhook_request *request, int64_t now)
{
    guard_call c = {"vo_webhook_guard_vapi", result, vault, tenant, {0}, request, now};
    int rc = guard_begin(&c, guard);
    if (rc != VO_OK)
        return rc;
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    rc =
        verified(&c, &r, vo_webhook_vapi_verify(&r, opts, secrets, secret_count, request, now));
    if (rc != VO_OK)
        return rc;
    vo_webhook_vapi_options o;
    /* already accepted by the verify call */
    (void)vo__struct_copy(&vo_webhook_vapi_options_info_, c.fn, &o, opts);
    guard_entry e;
    memset(&e, 0, sizeof(e));
    const unsigned char *body = request->body ? request->body : (const unsigned char *)"";
    size_t body_len = request->body ? request->body_len : 0;
    if (o.type != VO_WEBHOOK_VAPI_HMAC) {
        /* a static secret: only the body identifies the message */
        e.scope = "vapi.body";
        e.rule = REPEAT_DUPLICATE;
        digest(e.id, "vapi.body.v1", NULL, 0, body, body_len);
        return guard_record(&c, &e);
    }
    const char *tmpl = o.payload_format   ? o.payload_format
                       : o.omit_timestamp ? "{body}"
                                          : "{timestamp}.{body}";
    bool signs_ts = strstr(tmpl, "{timestamp}") != NULL;
    const char *sig = header(request, o.signature_header ? o.signature_header : "x-signature");
    const char *ts =
        signs_ts ? header(request, o.timestamp_header ? o.timestamp_header : "x-timestamp")
                 : NULL;
    const char *mid =
        strstr(tmpl, "{svix-id}")
            ? header(request, o.message_id_header ? o.message_id_header : "svix-id")
            : NULL;
    if (signs_ts) {
        e.signed_ts = r.timestamp;
        e.tolerance = o.tolerance_seconds ? o.tolerance_seconds : VO_WEBHOOK_VAPI_TOLERANCE;
    }
    if (mid && *mid) {
        /* the message id is signed: key by it, as Standard Webhooks */
        e.scope = "vapi.id";
        e.rule = REPEAT_NEW_MARK;
        digest(e.id, "vapi.id.v1", mid, strlen(mid), NULL, 0);
        digest(e.mark_buf, "vapi.mark", ts ? ts : "", ts ? strlen(ts) : 0,
               (const unsigned char *)(sig ? sig : ""), sig ? strlen(sig) : 0);
        e.mark = (const char *)e.mark_buf;
        e.mark_len = 32;
    } else {
        e.scope = "vapi.signed";
        e.rule = signs_ts ? REPEAT_REPLAY : REPEAT_DUPLICATE;
        digest(e.id, "vapi.signed.v1", sig ? sig : "", sig ? strlen(sig) : 0, body, body_len);
    }
    return guard_record(&c, &e);
}
