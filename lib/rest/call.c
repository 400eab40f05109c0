/* The REST call path: correlation-id scope, the transport, status mapping, JSON parse. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "rest_internal.h"

int vo__rest_client_init(vo__rest_client *c, const vo__rest_provider *p, vo_http_client *http,
                         const vo_http_options *http_opts)
{
    c->provider = p;
    c->owns_http = false;
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

/* A non-2xx answer: the provider reads its body; the message names the call without its
 * query (query values may carry personal data). */
static int map_error(const vo_http_response *resp, const vo__rest_provider *p,
                     const char *method, const char *path)
{
    int status = vo_http_response_status(resp);
    const char *rid = vo_http_response_request_id(resp);
    cJSON *doc = cJSON_Parse(vo_http_response_body(resp, NULL));
    vo__rest_error e;
    memset(&e, 0, sizeof(e));
    p->read_error(&e, status, doc);
    if (!e.has_text)
        snprintf(e.text, sizeof(e.text), "%s",
                 doc ? "no error message" : "unparseable error body");
    char where[160];
    snprintf(where, sizeof(where), "%s", path);
    where[strcspn(where, "?")] = '\0';
    if (e.provider_code)
        vo__error_set(e.code, "%s error %ld (HTTP %d) on %s %s: %s", p->name, e.provider_code,
                      status, method, where, e.text);
    else if (e.label)
        vo__error_set(e.code, "%s HTTP %d (%s) on %s %s: %s", p->name, status, e.label, method,
                      where, e.text);
    else
        vo__error_set(e.code, "%s HTTP %d on %s %s: %s", p->name, status, method, where,
                      e.text);
    vo__error_set_remote(status, e.provider_code, rid, e.more_info,
                         vo_http_response_retry_after_ms(resp));
    cJSON_Delete(doc);
    return e.code;
}

static int interpret(vo__rest_reply *reply, const vo_http_response *resp,
                     const vo__rest_provider *p, const char *method, const char *path)
{
    reply->status = vo_http_response_status(resp);
    reply->attempts = vo_http_response_attempts(resp);
    reply->sends = vo__http_response_sends(resp);
    const char *rid = vo_http_response_request_id(resp);
    vo__strlcpy(reply->request_id, rid ? rid : "", sizeof(reply->request_id));
    if (reply->status < 200 || reply->status > 299)
        return map_error(resp, p, method, path);
    size_t len = 0;
    const char *body = vo_http_response_body(resp, &len);
    if (reply->status == 204 || len == 0)
        return VO_OK;
    reply->doc = cJSON_ParseWithLength(body, len);
    if (p->object_body ? cJSON_IsObject(reply->doc) : reply->doc != NULL)
        return VO_OK;
    cJSON_Delete(reply->doc);
    reply->doc = NULL;
    int rc = vo__error_set(
        VO_EPROTOCOL, "%s answered %s %s with HTTP %d and a body that is not %s", p->name,
        method, path, reply->status, p->object_body ? "a JSON object" : "JSON");
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
            rc = interpret(reply, resp, c->provider, req.method, req.path);
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
