/* The REST call path: correlation-id scope, the transport, status mapping, JSON parse. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "rest_internal.h"

int vo__rest_client_init(vo__rest_client *c, const vo__rest_provider *p, vo_http_client *http,
                         const vo_http_options *http_opts)
{
    memset(c, 0, sizeof(*c));
    c->provider = p;
    if (http) {
        c->http = http;
    } else {
        int rc = vo_http_client_new(&c->http, http_opts);
        if (rc != VO_OK)
            return rc;
        c->owns_http = true;
    }
    vo__handle_retain(c->http);
    return VO_OK;
}

void vo__rest_client_clear(vo__rest_client *c)
{
    if (c->owns_http)
        vo__handle_close_quiet(c->http);
    vo__handle_release(c->http);
    c->http = NULL;
    c->owns_http = false;
}

void vo__rest_scrub(char *s, const char *const *secrets, size_t secret_count)
{
    static const char MARK[] = "[secret]";
    for (size_t i = 0; s && i < secret_count; i++) {
        const char *x = secrets[i];
        size_t xl = x ? strlen(x) : 0;
        if (xl == 0)
            continue;
        char *hit = s;
        while ((hit = strstr(hit, x)) != NULL) {
            if (xl >= sizeof(MARK) - 1) {
                memcpy(hit, MARK, sizeof(MARK) - 1);
                memmove(hit + sizeof(MARK) - 1, hit + xl, strlen(hit + xl) + 1);
                hit += sizeof(MARK) - 1;
            } else {
                memset(hit, '*', xl);
                hit += xl;
            }
        }
    }
}

/* Every string (and member name) of a parsed document, scrubbed in place (strings only
 * shrink). The document parsed, so it nests at most CJSON_NESTING_LIMIT deep. */
static void scrub_doc(cJSON *j, const char *const *secrets, size_t n)
{
    for (; j; j = j->next) {
        if (j->string)
            vo__rest_scrub(j->string, secrets, n);
        if (cJSON_IsString(j) && j->valuestring)
            vo__rest_scrub(j->valuestring, secrets, n);
        if (j->child)
            scrub_doc(j->child, secrets, n);
    }
}

#define STR_(x) #x
#define STR(x) STR_(x)
#define NESTING_LIMIT_TEXT STR(CJSON_NESTING_LIMIT)

const char *vo__rest_not_json_reason(const char *body, size_t len)
{
    /* Depth of brackets outside strings; cJSON refuses more than CJSON_NESTING_LIMIT. */
    size_t depth = 0;
    bool in_str = false;
    for (size_t i = 0; body && i < len; i++) {
        char ch = body[i];
        if (in_str) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_str = false;
        } else if (ch == '"') {
            in_str = true;
        } else if (ch == '[' || ch == '{') {
            if (++depth > CJSON_NESTING_LIMIT)
                return "nested too deep (more than " NESTING_LIMIT_TEXT " levels)";
        } else if ((ch == ']' || ch == '}') && depth > 0) {
            depth--;
        }
    }
    return "not JSON";
}

/* A Location header for a message: printable, at most 200 bytes, without user info, query or
 * fragment (they may carry tokens). */
static void location_for_message(char *out, size_t size, const char *loc)
{
    size_t n = 0;
    const char *p = loc;
    const char *scheme = strstr(loc, "://");
    if (scheme) {
        const char *auth = scheme + 3;
        size_t alen = strcspn(auth, "/?#");
        const char *at = memchr(auth, '@', alen);
        for (; p < auth && n + 1 < size; p++)
            out[n++] = *p;
        if (at)
            p = at + 1;
    }
    for (; *p && *p != '?' && *p != '#' && n + 1 < size && n < 200; p++)
        out[n++] = ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) ? '?' : *p;
    out[n] = '\0';
}

void vo__rest_describe_error(vo__rest_failure *f, const vo__rest_provider *p, int status,
                             const char *body, size_t len, const char *location,
                             const char *method, const char *path, const char *const *secrets,
                             size_t secret_count)
{
    memset(f, 0, sizeof(*f));
    cJSON *doc = body && len ? cJSON_ParseWithLength(body, len) : NULL;
    if (doc)
        scrub_doc(doc, secrets, secret_count);
    vo__rest_error e;
    memset(&e, 0, sizeof(e));
    p->read_error(&e, status, doc);
    if (!e.has_text) {
        if (status >= 300 && status <= 399) {
            char loc[224];
            location_for_message(loc, sizeof(loc), location ? location : "");
            if (loc[0])
                snprintf(e.text, sizeof(e.text), "redirect to %s not followed", loc);
            else
                snprintf(e.text, sizeof(e.text), "redirect (no Location) not followed");
        } else if (doc) {
            snprintf(e.text, sizeof(e.text), "no error message");
        } else if (!body || len == 0) {
            snprintf(e.text, sizeof(e.text), "empty error body");
        } else {
            snprintf(e.text, sizeof(e.text), "error body %s",
                     vo__rest_not_json_reason(body, len));
        }
    }
    char where[160];
    snprintf(where, sizeof(where), "%s", path ? path : "");
    where[strcspn(where, "?")] = '\0';
    int n; /* truncation is fine: vo_error_last() holds VO_ERROR_MESSAGE_SIZE bytes */
    if (e.provider_code)
        n = snprintf(f->message, sizeof(f->message), "%s error %ld (HTTP %d) on %s %s: %s",
                     p->name, e.provider_code, status, method, where, e.text);
    else if (e.label)
        n = snprintf(f->message, sizeof(f->message), "%s HTTP %d (%s) on %s %s: %s", p->name,
                     status, e.label, method, where, e.text);
    else
        n = snprintf(f->message, sizeof(f->message), "%s HTTP %d on %s %s: %s", p->name, status,
                     method, where, e.text);
    if (n < 0)
        f->message[0] = '\0';
    /* a secret cut by the text limits leaves a prefix no exact match finds: scrub the
     * assembled message too (it holds whole echoes that the cut spared) */
    vo__rest_scrub(f->message, secrets, secret_count);
    vo__strlcpy(f->more_info, e.more_info ? e.more_info : "", sizeof(f->more_info));
    vo__rest_scrub(f->more_info, secrets, secret_count);
    f->code = e.code;
    f->provider_code = e.provider_code;
    cJSON_Delete(doc);
}

/* A non-2xx answer: the provider reads its body; the message names the call without its
 * query (query values may carry personal data) and holds none of the client's secrets. */
static int map_error(const vo_http_response *resp, const vo__rest_client *c, const char *method,
                     const char *path)
{
    int status = vo_http_response_status(resp);
    const char *rid = vo_http_response_request_id(resp);
    size_t len = 0;
    const char *body = vo_http_response_body(resp, &len);
    vo__rest_failure f;
    vo__rest_describe_error(&f, c->provider, status, body, len,
                            vo_http_response_header(resp, "Location"), method, path, c->secrets,
                            c->secret_count);
    vo__error_set(f.code, "%s", f.message);
    vo__error_set_remote(status, f.provider_code, rid, f.more_info[0] ? f.more_info : NULL,
                         vo_http_response_retry_after_ms(resp));
    int code = f.code ? f.code : VO_EPROTOCOL;
    sodium_memzero(&f, sizeof(f));
    return code;
}

static int interpret(vo__rest_reply *reply, const vo_http_response *resp,
                     const vo__rest_client *c, const char *method, const char *path)
{
    const vo__rest_provider *p = c->provider;
    reply->status = vo_http_response_status(resp);
    reply->attempts = vo_http_response_attempts(resp);
    reply->sends = vo__http_response_sends(resp);
    const char *rid = vo_http_response_request_id(resp);
    vo__strlcpy(reply->request_id, rid ? rid : "", sizeof(reply->request_id));
    if (reply->status < 200 || reply->status > 299)
        return map_error(resp, c, method, path);
    size_t len = 0;
    const char *body = vo_http_response_body(resp, &len);
    if (reply->status == 204 || len == 0)
        return VO_OK;
    reply->doc = cJSON_ParseWithLength(body, len);
    if (p->object_body ? cJSON_IsObject(reply->doc) : reply->doc != NULL)
        return VO_OK;
    bool parsed = reply->doc != NULL;
    cJSON_Delete(reply->doc);
    reply->doc = NULL;
    char why[64] = "";
    const char *reason = parsed ? NULL : vo__rest_not_json_reason(body, len);
    if (reason && strcmp(reason, "not JSON") != 0)
        snprintf(why, sizeof(why), " (%s)", reason);
    int rc = vo__error_set(
        VO_EPROTOCOL, "%s answered %s %s with HTTP %d and a body that is not %s%s", p->name,
        method, path, reply->status, p->object_body ? "a JSON object" : "JSON", why);
    vo__error_set_remote(reply->status, 0, rid, NULL, -1);
    return rc;
}

int vo__rest_status_code(int status)
{
    if (status == 401)
        return VO_EAUTH;
    if (status == 403)
        return VO_EFORBIDDEN;
    if (status == 404)
        return VO_ENOTFOUND;
    if (status == 409 || status == 412)
        return VO_ECONFLICT;
    if (status == 429)
        return VO_ERATELIMIT;
    if (status == 408 || status == 504)
        return VO_ETIMEOUT;
    if (status >= 500)
        return VO_EUNAVAILABLE;
    if (status >= 400)
        return VO_EVALIDATION;
    return VO_EPROTOCOL;
}

int vo__rest_call(vo__rest_reply *reply, const vo__rest_client *c, const vo__rest_request *rq)
{
    memset(reply, 0, sizeof(*reply));
    char *text = NULL;
    if (rq->json) {
        text = cJSON_PrintUnformatted(rq->json);
        if (!text)
            return vo__error_set(VO_ENOMEM, "out of memory");
    }
    vo_http_request req = VO_HTTP_REQUEST_INIT;
    req.method = rq->method;
    req.base_url = rq->base_url;
    req.path = rq->path;
    req.query = rq->query;
    req.query_count = rq->query_count;
    req.form = rq->form;
    req.form_count = rq->form_count;
    if (text) {
        req.body = text;
        req.body_len = strlen(text);
        req.content_type = "application/json";
    }
    req.username = rq->username;
    req.password = rq->password;
    req.bearer_token = rq->bearer_token;
    req.idempotency = rq->idempotency;
    /* One correlation id for the whole operation, so that the transport's log lines and
     * the provider's errors carry the same id. */
    vo__cid_scope cid;
    int rc = vo__cid_scope_enter(&cid, NULL);
    if (rc == VO_OK) {
        req.correlation_id = cid.id;
        vo_http_response *resp = NULL;
        rc = vo__http_send(&resp, c->http, &req); /* the client holds a reference */
        if (rc == VO_OK)
            rc = interpret(reply, resp, c, req.method, req.path);
        vo_http_response_free(resp);
        vo__cid_scope_leave(&cid);
    }
    if (text) {
        sodium_memzero(text, strlen(text)); /* may hold credentials (the number import's) */
        cJSON_free(text);
    }
    return rc;
}

bool vo__rest_gone(int rc, const vo__rest_reply *reply)
{
    if (rc != VO_ENOTFOUND || (reply->attempts <= 1 && reply->sends <= 1))
        return false;
    vo_error_clear();
    return true;
}
