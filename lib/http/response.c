/* HTTP responses: what libcurl's callbacks collect, the accessors, and Retry-After. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "http_internal.h"
#include "transport.h"

void vo__http_response_reset(vo_http_response *r)
{
    for (size_t i = 0; i < r->header_count; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    r->header_count = 0;
    /* What an attempt collected is wiped before it is dropped, so that only body.len
     * bytes ever hold data (the destroy function wipes those). */
    if (r->body.data)
        sodium_memzero(r->body.data, r->body.len);
    r->body.len = 0;
    r->body.failed = false;
    r->too_big = false;
    r->status = 0;
    r->retry_after_ms = -1;
}

static void http_response_destroy(void *self)
{
    vo_http_response *r = self;
    vo__http_response_reset(r);
    free(r->headers);
    /* bodies may carry secrets (new API keys, tokens): wiped (the reset above wiped the
     * body.len bytes that held data; the rest of the buffer was never written) */
    vo__buf_free(&r->body, false);
}

vo_http_response *vo__http_response_new(void)
{
    return vo__handle_new(sizeof(vo_http_response), VO__H_HTTP_RESPONSE, http_response_destroy);
}

void vo_http_response_free(vo_http_response *r)
{
    vo__handle_close(r, VO__H_HTTP_RESPONSE, "vo_http_response_free");
}

size_t vo__http_on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    vo_http_response *r = userp;
    size_t n = size * nmemb;
    if (r->body.len + n > r->max_bytes) {
        r->too_big = true;
        return 0;
    }
    if (!vo__buf_append(&r->body, data, n))
        return 0;
    return n;
}

/* Room for the whole body when the server announces its length (up to the response cap,
 * and 1 MiB at most ahead of the data), so that it is received without reallocations that
 * would copy it and leave copies behind. Anything unexpected is ignored: the buffer grows. */
static void presize_body(vo_http_response *r, const char *v, size_t len)
{
    size_t want = 0;
    if (len == 0 || len > 9)
        return;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            return;
        want = want * 10 + (size_t)(v[i] - '0');
    }
    if (want > r->max_bytes || want > (1u << 20) || want <= r->body.len)
        return;
    bool failed = r->body.failed;
    vo__buf_reserve(&r->body, want - r->body.len); /* a failure is the append's to report */
    r->body.failed = failed;
}

size_t vo__http_on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    vo_http_response *r = userp;
    size_t n = size * nmemb;
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        /* A new response (after 100 Continue, or a new attempt): start over. */
        for (size_t i = 0; i < r->header_count; i++) {
            free(r->headers[i].name);
            free(r->headers[i].value);
        }
        r->header_count = 0;
        return n;
    }
    const char *colon = memchr(data, ':', n);
    if (!colon)
        return n;
    size_t nl = (size_t)(colon - data);
    const char *v = colon + 1, *end = data + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (nl == 14 && vo__strn_ieq(data, nl, "content-length"))
        presize_body(r, v, (size_t)(end - v));
    if (r->header_count == r->cap_headers) {
        size_t cap = r->cap_headers ? r->cap_headers * 2 : 16;
        if (cap > 512)
            return n; /* ignore absurd header counts */
        vo__http_header *h = realloc(r->headers, cap * sizeof(*h));
        if (!h)
            return 0;
        r->headers = h;
        r->cap_headers = cap;
    }
    vo__http_header *h = &r->headers[r->header_count];
    h->name = malloc(nl + 1);
    h->value = malloc((size_t)(end - v) + 1);
    if (!h->name || !h->value) {
        free(h->name);
        free(h->value);
        return 0;
    }
    memcpy(h->name, data, nl);
    h->name[nl] = '\0';
    memcpy(h->value, v, (size_t)(end - v));
    h->value[end - v] = '\0';
    r->header_count++;
    return n;
}

int vo_http_response_status(const vo_http_response *r)
{
    r = vo__handle_or_null(r, VO__H_HTTP_RESPONSE, "vo_http_response_status");
    return r ? r->status : 0;
}

const char *vo_http_response_body(const vo_http_response *r, size_t *len)
{
    r = vo__handle_or_null(r, VO__H_HTTP_RESPONSE, "vo_http_response_body");
    if (len)
        *len = r ? r->body.len : 0;
    if (!r)
        return NULL;
    return r->body.data ? r->body.data : "";
}

const char *vo_http_response_header(const vo_http_response *r, const char *name)
{
    r = vo__handle_or_null(r, VO__H_HTTP_RESPONSE, "vo_http_response_header");
    if (!r || !name)
        return NULL;
    for (size_t i = r->header_count; i > 0; i--)
        if (vo__str_ieq(r->headers[i - 1].name, name))
            return r->headers[i - 1].value;
    return NULL;
}

size_t vo_http_response_header_count(const vo_http_response *r)
{
    r = vo__handle_or_null(r, VO__H_HTTP_RESPONSE, "vo_http_response_header_count");
    return r ? r->header_count : 0;
}

int vo_http_response_header_at(const char **name, const char **value, const vo_http_response *r,
                               size_t i)
{
    VO__HANDLE_CHECK(r, VO__H_HTTP_RESPONSE, "vo_http_response_header_at");
    if (!r || !name || !value)
        return vo__error_set(VO_EINVAL, "vo_http_response_header_at: NULL argument");
    if (i >= r->header_count)
        return vo__error_set(VO_ERANGE, "vo_http_response_header_at: index out of range");
    *name = r->headers[i].name;
    *value = r->headers[i].value;
    return VO_OK;
}

const char *vo_http_response_request_id(const vo_http_response *r)
{
    r = vo__handle_or_null(r, VO__H_HTTP_RESPONSE, "vo_http_response_request_id");
    static const char *const names[] = {"Twilio-Request-Id", "X-Request-Id", "Request-Id"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *v = vo_http_response_header(r, names[i]);
        if (v && *v)
            return v;
    }
    return NULL;
}

const char *vo_http_response_correlation_id(const vo_http_response *r)
{
    r = vo__handle_or_null(r, VO__H_HTTP_RESPONSE, "vo_http_response_correlation_id");
    return r ? r->correlation_id : NULL;
}

int vo_http_response_attempts(const vo_http_response *r)
{
    r = vo__handle_or_null(r, VO__H_HTTP_RESPONSE, "vo_http_response_attempts");
    return r ? r->attempts : 0;
}

long vo_http_response_duration_ms(const vo_http_response *r)
{
    r = vo__handle_or_null(r, VO__H_HTTP_RESPONSE, "vo_http_response_duration_ms");
    return r ? r->duration_ms : 0;
}

long vo_http_response_new_connections(const vo_http_response *r)
{
    r = vo__handle_or_null(r, VO__H_HTTP_RESPONSE, "vo_http_response_new_connections");
    return r ? r->new_connections : 0;
}

int vo__http_response_sends(const vo_http_response *r)
{
    return r ? r->sends : 0;
}

#if LIBCURL_VERSION_NUM >= 0x075000
/* Called by libcurl once a connection is ready and right before a request goes out,
 * including its own silent resends on a dead keep-alive connection. */
int vo__http_on_prereq(void *userp, char *conn_primary_ip, char *conn_local_ip,
                       int conn_primary_port, int conn_local_port)
{
    (void)conn_primary_ip;
    (void)conn_local_ip;
    (void)conn_primary_port;
    (void)conn_local_port;
    vo_http_response *r = userp;
    r->sends++;
    r->attempt_sends++;
    return CURL_PREREQFUNC_OK;
}
#endif

long vo_http_response_retry_after_ms(const vo_http_response *r)
{
    r = vo__handle_or_null(r, VO__H_HTTP_RESPONSE, "vo_http_response_retry_after_ms");
    return r ? r->retry_after_ms : -1;
}

/* ---- Retry-After --------------------------------------------------------------------- */

long vo_http_parse_retry_after(const char *value, long long now_unix)
{
    if (!value)
        return -1;
    while (*value == ' ' || *value == '\t')
        value++;
    if (*value >= '0' && *value <= '9') {
        long long secs = 0;
        const char *p = value;
        for (; *p >= '0' && *p <= '9'; p++) {
            secs = secs * 10 + (*p - '0');
            if (secs > 100000000LL)
                secs = 100000000LL; /* clamp: ~3 years */
        }
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p)
            return -1;
        return (long)(secs * 1000);
    }
    time_t t = curl_getdate(value, NULL);
    if (t == (time_t)-1)
        return -1;
    long long d = (long long)t - now_unix;
    if (d <= 0)
        return 0;
    if (d > 100000000LL)
        d = 100000000LL;
    return (long)(d * 1000);
}
