/*
 * vo_http_send: validate the request, build its URL, headers and body once, then the retry
 * loop of DESIGN.md section 7: each attempt is gated (deadline, circuit breaker), prepared,
 * performed and classified; a retryable outcome waits (Retry-After or full jitter) unless
 * the wait would pass the deadline.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "http_internal.h"
#include "transport.h"

static void sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---- request building ---------------------------------------------------------------- */

/* libcurl refuses strings of this many bytes or more (CURL_MAX_INPUT_LENGTH, 8 MB): in
 * curl_easy_escape() and CURLOPT_URL. Longer input is VO_ETOOBIG, not "out of memory". */
#define CURL_INPUT_MAX 8000000u

static bool too_long_for_curl(const vo_param *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(p[i].name) >= CURL_INPUT_MAX ||
            (p[i].value && strlen(p[i].value) >= CURL_INPUT_MAX))
            return true;
    return false;
}

static bool append_escaped(vo__buf *b, CURL *h, const char *s)
{
    if (!*s)
        return true;
    char *e = curl_easy_escape(h, s, 0);
    if (!e) {
        b->failed = true;
        return false;
    }
    bool ok = vo__buf_append_str(b, e);
    curl_free(e);
    return ok;
}

static bool append_params(vo__buf *b, CURL *h, const vo_param *p, size_t n, bool first)
{
    for (size_t i = 0; i < n; i++) {
        if (!first)
            vo__buf_append_char(b, '&');
        first = false;
        append_escaped(b, h, p[i].name);
        vo__buf_append_char(b, '=');
        append_escaped(b, h, p[i].value ? p[i].value : "");
    }
    return !b->failed;
}

static bool method_idempotent(const char *m)
{
    return vo__str_ieq(m, "GET") || vo__str_ieq(m, "HEAD") || vo__str_ieq(m, "PUT") ||
           vo__str_ieq(m, "DELETE") || vo__str_ieq(m, "OPTIONS");
}

static bool valid_token(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch <= 0x20 || ch >= 0x7f || strchr("()<>@,;:\\\"/[]?={}", ch))
            return false;
    }
    return true;
}

static bool valid_header_value(const char *s)
{
    for (; s && *s; s++)
        if (*s == '\r' || *s == '\n')
            return false;
    return true;
}

/* Body source for non-idempotent requests: libcurl may not rewind it once it was read, so
 * its silent resend on a dead keep-alive connection fails instead of duplicating a POST. */
typedef struct body_src {
    const char *data;
    size_t len, pos;
    bool allow_rewind;
} body_src;

static size_t on_read(char *buf, size_t size, size_t nitems, void *userp)
{
    body_src *s = userp;
    size_t n = size * nitems, left = s->len - s->pos;
    if (n > left)
        n = left;
    memcpy(buf, s->data + s->pos, n);
    s->pos += n;
    return n;
}

static int on_seek(void *userp, curl_off_t offset, int origin)
{
    body_src *s = userp;
    if (origin != SEEK_SET || offset != 0)
        return CURL_SEEKFUNC_CANTSEEK;
    if (s->pos > 0 && !s->allow_rewind)
        return CURL_SEEKFUNC_CANTSEEK;
    s->pos = 0;
    return CURL_SEEKFUNC_OK;
}

/* Did this curl failure happen before any byte of the request could reach the server? */
static bool failed_before_send(CURLcode cc, CURL *h, const body_src *src,
                               const vo_http_response *r)
{
#if LIBCURL_VERSION_NUM >= 0x075000
    /* the pre-request callback never ran: no connection was ready, nothing was sent */
    if (r->attempt_sends == 0 && cc != CURLE_SEND_FAIL_REWIND)
        return true;
#else
    (void)r;
#endif
    switch (cc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR: return true;
    case CURLE_OPERATION_TIMEDOUT: {
        /* a connect timeout: the transfer phase never began and nothing was written */
        curl_off_t pre = 0;
        long reqsize = 0;
        curl_easy_getinfo(h, CURLINFO_PRETRANSFER_TIME_T, &pre);
        curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &reqsize);
        return pre == 0 && reqsize == 0 && (!src || src->pos == 0);
    }
    default: return false;
    }
}

/* A failure of the server's certificate (or of our trust store): no retry can fix it. */
static bool tls_cert_failure(CURLcode cc)
{
    switch (cc) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH: return true;
    default: return false;
    }
}

/* What failed, in words, from the TLS library's verify result and libcurl's error text. */
static const char *tls_what(CURLcode cc, long verify, const char *errbuf)
{
    switch (verify) {
    case 9: return "certificate not yet valid"; /* X509_V_ERR_CERT_NOT_YET_VALID */
    case 10: return "certificate expired";      /* X509_V_ERR_CERT_HAS_EXPIRED */
    case 2:                                     /* unable to get issuer certificate */
    case 18:                                    /* self-signed certificate */
    case 19:                                    /* self-signed certificate in chain */
    case 20:                                    /* unable to get local issuer certificate */
    case 21: return "unknown CA (issuer not trusted)"; /* unable to verify the first cert */
    case 23: return "certificate revoked";
    case 62: return "host name mismatch"; /* X509_V_ERR_HOSTNAME_MISMATCH */
    default: break;
    }
    if (strstr(errbuf, "expired"))
        return "certificate expired";
    if (strstr(errbuf, "subject name") || strstr(errbuf, "does not match") ||
        strstr(errbuf, "host name"))
        return "host name mismatch";
    if (strstr(errbuf, "self-signed") || strstr(errbuf, "self signed") ||
        strstr(errbuf, "issuer"))
        return "unknown CA (issuer not trusted)";
    if (cc == CURLE_SSL_CACERT_BADFILE)
        return "the CA bundle cannot be read";
    if (cc == CURLE_SSL_PINNEDPUBKEYNOTMATCH)
        return "pinned public key mismatch";
    return "certificate not accepted";
}

static int map_curl_error(CURLcode cc, bool too_big)
{
    if (too_big)
        return VO_ETOOBIG;
    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT: return VO_ETIMEOUT;
    case CURLE_OUT_OF_MEMORY: return VO_ENOMEM;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL: return VO_EINVAL;
    default: return VO_ENETWORK;
    }
}

/* Log the path without its query string (query values may carry personal data). */
static void path_for_log(const char *path, char *out, size_t size)
{
    size_t n = 0;
    for (; path && path[n] && path[n] != '?' && n + 1 < size; n++)
        out[n] = path[n];
    out[n] = '\0';
}

static int set_common(vo_http_client *c, CURL *h, const char *url, struct curl_slist *hdrs,
                      vo_http_response *r, long attempt_timeout_ms)
{
    CURLcode e = CURLE_OK;
#define SET(opt, val)                    \
  do {                                   \
    if (e == CURLE_OK)                   \
      e = curl_easy_setopt(h, opt, val); \
  } while (0)
    SET(CURLOPT_SHARE, c->share);
    SET(CURLOPT_URL, url);
    SET(CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->ca_bundle)
        SET(CURLOPT_CAINFO, c->ca_bundle);
    SET(CURLOPT_HTTP_VERSION,
        c->opts.disable_http2 ? (long)CURL_HTTP_VERSION_1_1 : (long)CURL_HTTP_VERSION_2TLS);
    SET(CURLOPT_CONNECTTIMEOUT_MS, c->opts.connect_timeout_ms < attempt_timeout_ms
                                       ? c->opts.connect_timeout_ms
                                       : attempt_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, attempt_timeout_ms);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_USERAGENT, c->user_agent);
    SET(CURLOPT_HTTPHEADER, hdrs);
    SET(CURLOPT_ACCEPT_ENCODING, "");
    SET(CURLOPT_WRITEFUNCTION, vo__http_on_body);
    SET(CURLOPT_WRITEDATA, r);
    SET(CURLOPT_HEADERFUNCTION, vo__http_on_header);
    SET(CURLOPT_HEADERDATA, r);
#if LIBCURL_VERSION_NUM >= 0x075000
    SET(CURLOPT_PREREQFUNCTION, vo__http_on_prereq);
    SET(CURLOPT_PREREQDATA, r);
#endif
    if ((curl_off_t)c->opts.max_response_bytes > 0)
        SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->opts.max_response_bytes);
#undef SET
    return e == CURLE_OK ? VO_OK
                         : vo__error_set(VO_ENETWORK, "libcurl rejected an option: %s",
                                         curl_easy_strerror(e));
}

static long full_jitter(const vo_http_client *c, int retry_no)
{
    long ceiling = c->opts.backoff_base_ms;
    for (int i = 1; i < retry_no && ceiling < c->opts.backoff_max_ms; i++)
        ceiling *= 2;
    if (ceiling > c->opts.backoff_max_ms)
        ceiling = c->opts.backoff_max_ms;
    if (ceiling <= 0)
        return 0;
    return (long)randombytes_uniform((uint32_t)ceiling + 1);
}

/* ---- vo_http_send, step by step ------------------------------------------------------ */

/* Everything one vo_http_send call works with. */
typedef struct send_ctx {
    vo_http_client *c;
    const vo_http_request *req;
    const char *method;
    vo__cid_scope cid;
    int64_t t0, deadline;
    long deadline_ms;
    bool idempotent;
    int max_attempts;
    char host[256];    /* the breaker's key */
    char logpath[256]; /* the path without its query */
    CURL *h;
    vo_http_response *r;
    vo__buf url, form;
    struct curl_slist *hdrs;
    char errbuf[CURL_ERROR_SIZE]; /* libcurl's detail of the last failure */
    body_src src;
    bool has_body;
} send_ctx;

/* The outcome of one attempt. */
typedef struct attempt_outcome {
    CURLcode cc;
    bool stop; /* fatal (out of memory, response too big, TLS certificate): no breaker record,
                  no retry */
    bool retryable;
    bool breaker_failure;
    long server_delay; /* a Retry-After to honour, or -1 */
    char why[160];     /* for log lines and messages */
} attempt_outcome;

/* Step 1: the request is well formed. */
static int validate_request(const vo_http_request *req, const char **method)
{
    if (!req->base_url || !*req->base_url)
        return vo__error_set(VO_EINVAL, "vo_http_send: base_url is required");
    if (strncmp(req->base_url, "http://", 7) != 0 && strncmp(req->base_url, "https://", 8) != 0)
        return vo__error_set(VO_EINVAL,
                             "vo_http_send: base_url must start with http:// or https://");
    *method = req->method && *req->method ? req->method : "GET";
    if (!valid_token(*method))
        return vo__error_set(VO_EINVAL, "vo_http_send: invalid method");
    if (req->form_count > 0 && req->body)
        return vo__error_set(VO_EINVAL,
                             "vo_http_send: give either form fields or a body, not both");
    if ((req->form_count && !req->form) || (req->query_count && !req->query) ||
        (req->header_count && !req->headers))
        return vo__error_set(VO_EINVAL, "vo_http_send: parameter array is NULL");
    for (size_t i = 0; i < req->header_count; i++)
        if (!valid_token(req->headers[i].name) || !valid_header_value(req->headers[i].value))
            return vo__error_set(VO_EINVAL, "vo_http_send: invalid header '%s'",
                                 req->headers[i].name ? req->headers[i].name : "(null)");
    for (size_t i = 0; i < req->query_count; i++)
        if (!req->query[i].name)
            return vo__error_set(VO_EINVAL, "vo_http_send: query parameter without a name");
    for (size_t i = 0; i < req->form_count; i++)
        if (!req->form[i].name)
            return vo__error_set(VO_EINVAL, "vo_http_send: form field without a name");
    if (too_long_for_curl(req->query, req->query_count) ||
        too_long_for_curl(req->form, req->form_count))
        return vo__error_set(VO_ETOOBIG,
                             "vo_http_send: a parameter is longer than libcurl "
                             "accepts (%u bytes)",
                             CURL_INPUT_MAX);
    if (!valid_header_value(req->path) || !valid_header_value(req->content_type) ||
        (req->path && strchr(req->path, ' ')))
        return vo__error_set(VO_EINVAL, "vo_http_send: invalid path or content type");
    if (req->deadline_ms < 0)
        return vo__error_set(VO_EINVAL, "vo_http_send: deadline_ms is negative");
    if (req->idempotency != VO_HTTP_IDEMPOTENT_AUTO &&
        req->idempotency != VO_HTTP_IDEMPOTENT_YES && req->idempotency != VO_HTTP_IDEMPOTENT_NO)
        return vo__error_set(VO_EINVAL, "vo_http_send: unknown idempotency value");
    return VO_OK;
}

/* Step 2: base URL + path + escaped query. An allocation failure shows in s->url.failed;
 * a URL libcurl would refuse is VO_ETOOBIG. */
static int build_url(send_ctx *s)
{
    const vo_http_request *req = s->req;
    size_t bl = strlen(req->base_url);
    const char *path = req->path ? req->path : "";
    if (bl > 0 && req->base_url[bl - 1] == '/' && path[0] == '/')
        bl--;
    vo__buf_append(&s->url, req->base_url, bl);
    vo__buf_append_str(&s->url, path);
    if (req->query_count > 0) {
        vo__buf_append_char(&s->url, strchr(path, '?') ? '&' : '?');
        append_params(&s->url, s->h, req->query, req->query_count, true);
    }
    vo__buf_finish(&s->url);
    if (!s->url.failed && s->url.len >= CURL_INPUT_MAX)
        return vo__error_set(VO_ETOOBIG,
                             "vo_http_send: the URL is longer than libcurl "
                             "accepts (%u bytes)",
                             CURL_INPUT_MAX);
    return VO_OK;
}

static bool add_header(struct curl_slist **hdrs, const char *line)
{
    struct curl_slist *t = curl_slist_append(*hdrs, line);
    if (!t)
        return false;
    *hdrs = t;
    return true;
}

/* name + sep + value as one header line. */
static bool add_header_pair(struct curl_slist **hdrs, const char *name, const char *sep,
                            const char *value, bool wipe)
{
    vo__buf b = VO__BUF_INIT;
    vo__buf_append_str(&b, name);
    vo__buf_append_str(&b, sep);
    vo__buf_append_str(&b, value ? value : "");
    bool ok = vo__buf_finish(&b) && add_header(hdrs, b.data);
    vo__buf_free(&b, wipe);
    return ok;
}

/* Step 3: the header list (false: out of memory). */
static bool build_headers(send_ctx *s)
{
    const vo_http_request *req = s->req;
    char line[VO_CORRELATION_ID_SIZE + 32];
    snprintf(line, sizeof(line), "X-Correlation-Id: %s", s->cid.id);
    if (!add_header(&s->hdrs, line) || !add_header(&s->hdrs, "Expect:"))
        return false;
    bool has_accept = false;
    for (size_t i = 0; i < req->header_count; i++)
        if (vo__str_ieq(req->headers[i].name, "Accept"))
            has_accept = true;
    if (!has_accept && !add_header(&s->hdrs, "Accept: application/json"))
        return false;
    if (req->form_count > 0) {
        if (!add_header(&s->hdrs, "Content-Type: application/x-www-form-urlencoded"))
            return false;
    } else if (req->body) {
        if (!add_header_pair(&s->hdrs, "Content-Type", ": ",
                             req->content_type ? req->content_type : "application/json", false))
            return false;
    }
    /* caller headers may carry credentials: their buffers are wiped; "Name;" sends an empty value */
    for (size_t i = 0; i < req->header_count; i++) {
        const char *v = req->headers[i].value;
        if (!add_header_pair(&s->hdrs, req->headers[i].name, (v && *v) ? ": " : ";", v, true))
            return false;
    }
    return true;
}

/* Step 4: the body (encoded form fields or the caller's bytes); false: out of memory. */
static bool build_body(send_ctx *s)
{
    const vo_http_request *req = s->req;
    s->src.allow_rewind = s->idempotent;
    if (req->form_count > 0) {
        append_params(&s->form, s->h, req->form, req->form_count, true);
        vo__buf_finish(&s->form);
        s->src.data = s->form.data ? s->form.data : "";
        s->src.len = s->form.len;
        s->has_body = true;
    } else if (req->body) {
        s->src.data = req->body;
        s->src.len = req->body_len;
        s->has_body = true;
    }
    return !s->url.failed && !s->form.failed;
}

/* Step 5: may this attempt start? Not past the deadline, and the host's circuit allows it. */
static int attempt_gate(send_ctx *s, int attempt, long *remaining)
{
    *remaining = (long)(s->deadline - vo__http_now_ms());
    if (*remaining <= 0)
        return vo__error_set(VO_ETIMEOUT,
                             "%s %s: deadline of %ld ms exceeded after %d attempt(s)",
                             s->method, s->logpath, s->deadline_ms, attempt - 1);
    long breaker_wait = 0;
    if (!vo__http_breaker_allow(s->c, s->host, &breaker_wait)) {
        atomic_fetch_add(&s->c->n_rejected, 1);
        int rc = vo__error_set(VO_EUNAVAILABLE,
                               "%s %s: circuit breaker open for %s (retry in %ld ms)",
                               s->method, s->logpath, s->host, breaker_wait);
        vo__error_set_remote(0, 0, NULL, NULL, breaker_wait);
        vo__log(VO_LOG_WARN, MODULE, "%s %s refused: circuit open for %s", s->method,
                s->logpath, s->host);
        return rc;
    }
    return VO_OK;
}

/* Step 6: the easy handle for this attempt: common options, authentication, method, body. */
static int attempt_prepare(send_ctx *s, int attempt, long attempt_timeout)
{
    const vo_http_request *req = s->req;
    const char *method = s->method;
    CURL *h = s->h;
    vo__http_response_reset(s->r);
    s->r->attempt_sends = 0;
    if (attempt > 1)
        curl_easy_reset(h);
    int rc = set_common(s->c, h, s->url.data, s->hdrs, s->r, attempt_timeout);
    if (rc != VO_OK)
        return rc;
    s->errbuf[0] = '\0';
    CURLcode e = curl_easy_setopt(h, CURLOPT_ERRORBUFFER, s->errbuf);
    if (req->bearer_token) {
        e = curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
        if (e == CURLE_OK)
            e = curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, req->bearer_token);
    } else if (req->username) {
        e = curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        if (e == CURLE_OK)
            e = curl_easy_setopt(h, CURLOPT_USERNAME, req->username);
        if (e == CURLE_OK)
            e = curl_easy_setopt(h, CURLOPT_PASSWORD, req->password ? req->password : "");
    }
    s->src.pos = 0;
    if (e == CURLE_OK) {
        if (vo__str_ieq(method, "GET") && !s->has_body) {
            e = curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
        } else if (vo__str_ieq(method, "HEAD")) {
            e = curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
        } else {
            if (s->has_body) {
                e = curl_easy_setopt(h, CURLOPT_POST, 1L);
                if (e == CURLE_OK)
                    e = curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
                if (e == CURLE_OK)
                    e = curl_easy_setopt(h, CURLOPT_READDATA, &s->src);
                if (e == CURLE_OK)
                    e = curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
                if (e == CURLE_OK)
                    e = curl_easy_setopt(h, CURLOPT_SEEKDATA, &s->src);
                if (e == CURLE_OK)
                    e = curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                                         (curl_off_t)s->src.len);
            } else if (vo__str_ieq(method, "POST")) {
                e = curl_easy_setopt(h, CURLOPT_POST, 1L);
                if (e == CURLE_OK)
                    e = curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
                if (e == CURLE_OK)
                    e = curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
            }
            if (e == CURLE_OK && !vo__str_ieq(method, "POST"))
                e = curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        }
    }
    if (e != CURLE_OK)
        return vo__error_set(VO_ENETWORK, "libcurl rejected an option: %s",
                             curl_easy_strerror(e));
    return VO_OK;
}

/* Step 7a: classify an HTTP answer. 429: the provider did not process it, so any request may
 * be resent (after its Retry-After); 5xx: counts against the breaker, resent only when
 * idempotent. The call's result is VO_OK: the status is the caller's to interpret. */
static int classify_answer(send_ctx *s, int attempt, long status, long adur, long nconn,
                           attempt_outcome *o)
{
    vo_http_response *r = s->r;
    r->status = (int)status;
    if (!vo__buf_finish(&r->body)) {
        o->stop = true;
        return vo__error_set(VO_ENOMEM, "out of memory");
    }
    const char *rid = vo_http_response_request_id(r);
    const char *ra = vo_http_response_header(r, "Retry-After");
    if (ra)
        r->retry_after_ms = vo_http_parse_retry_after(ra, (long long)time(NULL));
    vo__log(VO_LOG_DEBUG, MODULE,
            "%s %s -> %d attempt=%d/%d duration_ms=%ld new_connections=%ld request_id=%s",
            s->method, s->logpath, r->status, attempt, s->max_attempts, adur, nconn,
            rid ? rid : "-");
    if (status == 429) {
        o->retryable = true; /* the provider did not process it */
        o->server_delay = r->retry_after_ms;
    } else if (status == 500 || status == 502 || status == 503 || status == 504) {
        o->breaker_failure = true;
        o->retryable = s->idempotent;
        if (status == 503)
            o->server_delay = r->retry_after_ms;
    }
    snprintf(o->why, sizeof(o->why), "HTTP %ld", status);
    return VO_OK;
}

/* Step 7b: classify a transport failure. A network error or timeout counts against the
 * breaker and is resent when the request is idempotent or provably never left (a request
 * that may have been sent is never resent unless idempotent). */
static int classify_failure(send_ctx *s, int attempt, long status, long adur,
                            bool deadline_bound, attempt_outcome *o)
{
    vo_http_response *r = s->r;
    CURLcode cc = o->cc;
    bool presend = failed_before_send(cc, s->h, &s->src, r);
    int rc = map_curl_error(cc, r->too_big || cc == CURLE_FILESIZE_EXCEEDED);
    if (rc == VO_ETOOBIG) {
        const char *rid = vo_http_response_request_id(r);
        vo__error_set(VO_ETOOBIG, "%s %s: response larger than %zu bytes", s->method,
                      s->logpath, s->c->opts.max_response_bytes);
        vo__error_set_remote((int)status, 0, rid, NULL, -1);
        vo__log(VO_LOG_WARN, MODULE, "%s %s -> response larger than %zu bytes, aborted",
                s->method, s->logpath, s->c->opts.max_response_bytes);
        o->stop = true;
        return rc;
    }
    if (tls_cert_failure(cc)) {
        /* permanent: the same certificate fails the same way on every attempt, and it says
         * nothing about the host's health (no breaker record) */
        long verify = 0;
        curl_easy_getinfo(s->h, CURLINFO_SSL_VERIFYRESULT, &verify);
        s->errbuf[sizeof(s->errbuf) - 1] = '\0';
        const char *what = tls_what(cc, verify, s->errbuf);
        snprintf(o->why, sizeof(o->why), "TLS: %s", what);
        vo__error_set(VO_ETLS,
                      "%s %s: TLS certificate verification failed for %s: %s (%s); not retried",
                      s->method, s->logpath, s->host, what,
                      s->errbuf[0] ? s->errbuf : curl_easy_strerror(cc));
        vo__log(VO_LOG_WARN, MODULE, "%s %s -> TLS certificate verification failed for %s: %s",
                s->method, s->logpath, s->host, what);
        o->stop = true;
        return VO_ETLS;
    }
    o->breaker_failure = rc == VO_ENETWORK || rc == VO_ETIMEOUT;
    o->retryable = o->breaker_failure && (s->idempotent || presend);
    const char *detail = curl_easy_strerror(cc);
    if (cc == CURLE_SEND_FAIL_REWIND || (!s->idempotent && !presend && o->breaker_failure))
        snprintf(o->why, sizeof(o->why), "%s (request may have been sent; not resent)", detail);
    else
        snprintf(o->why, sizeof(o->why), "%s", detail);
    if (rc == VO_ETIMEOUT && deadline_bound)
        vo__error_set(rc, "%s %s: deadline of %ld ms exceeded on attempt %d (%s)", s->method,
                      s->logpath, s->deadline_ms, attempt, detail);
    else
        vo__error_set(rc, "%s %s: %s (attempt %d)", s->method, s->logpath, o->why, attempt);
    vo__log(VO_LOG_DEBUG, MODULE, "%s %s -> error (%s) attempt=%d/%d duration_ms=%ld",
            s->method, s->logpath, o->why, attempt, s->max_attempts, adur);
    return rc;
}

/* Step 7: perform the attempt and classify it; returns the call's result so far. */
static int attempt_run(send_ctx *s, int attempt, bool deadline_bound, attempt_outcome *o)
{
    o->stop = o->retryable = o->breaker_failure = false;
    o->server_delay = -1;
    o->why[0] = '\0';
    int64_t a0 = vo__http_now_ms();
    o->cc = curl_easy_perform(s->h);
    long adur = (long)(vo__http_now_ms() - a0);
    long nconn = 0, status = 0;
    curl_easy_getinfo(s->h, CURLINFO_NUM_CONNECTS, &nconn);
    curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
    s->r->new_connections += nconn;
    atomic_fetch_add(&s->c->n_connects, (uint_fast64_t)nconn);
    s->r->attempts = attempt;
    if (o->cc == CURLE_OK)
        return classify_answer(s, attempt, status, adur, nconn, o);
    return classify_failure(s, attempt, status, adur, deadline_bound, o);
}

/* Step 8: the wait before the next attempt: the server's Retry-After (up to
 * retry_after_max_ms) or exponential backoff with full jitter. False when there is no next
 * attempt: attempts used up, Retry-After over the cap, or a wait that would pass the
 * deadline. */
static bool backoff(send_ctx *s, int attempt, int rc, const attempt_outcome *o, long *delay)
{
    const vo_http_client *c = s->c;
    if (attempt >= s->max_attempts) {
        vo__log(VO_LOG_WARN, MODULE, "%s %s: giving up after %d attempts (%s)", s->method,
                s->logpath, attempt, o->why);
        return false;
    }
    if (o->server_delay >= 0) {
        if (o->server_delay > c->opts.retry_after_max_ms) {
            vo__log(VO_LOG_WARN, MODULE,
                    "%s %s: Retry-After %ld ms exceeds the cap of %ld ms; not retrying",
                    s->method, s->logpath, o->server_delay, c->opts.retry_after_max_ms);
            return false;
        }
        *delay = o->server_delay;
    } else {
        *delay = full_jitter(c, attempt);
    }
    if (vo__http_now_ms() + *delay >= s->deadline) {
        vo__log(VO_LOG_WARN, MODULE,
                "%s %s: no retry: a %ld ms wait would pass the %ld ms deadline (%s)", s->method,
                s->logpath, *delay, s->deadline_ms, o->why);
        if (o->cc != CURLE_OK && rc == VO_ETIMEOUT)
            vo__error_set(rc, "%s %s: deadline of %ld ms exceeded after %d attempt(s)",
                          s->method, s->logpath, s->deadline_ms, attempt);
        return false;
    }
    return true;
}

/* The retry loop: gate, prepare, run and classify, record for the breaker, back off. */
static int send_loop(send_ctx *s)
{
    vo_http_client *c = s->c;
    int rc = VO_OK;
    for (int attempt = 1;; attempt++) {
        long remaining;
        if ((rc = attempt_gate(s, attempt, &remaining)) != VO_OK)
            break;
        atomic_fetch_add(&c->n_attempts, 1);
        if (attempt > 1)
            atomic_fetch_add(&c->n_retries, 1);
        long attempt_timeout = c->opts.timeout_ms < remaining ? c->opts.timeout_ms : remaining;
        bool deadline_bound = attempt_timeout < c->opts.timeout_ms;
        if ((rc = attempt_prepare(s, attempt, attempt_timeout)) != VO_OK)
            break;
        attempt_outcome o;
        rc = attempt_run(s, attempt, deadline_bound, &o);
        if (o.stop)
            break;
        vo__http_breaker_record(c, s->host, o.breaker_failure);
        long delay = 0;
        if (!o.retryable || !backoff(s, attempt, rc, &o, &delay))
            break;
        vo__log(VO_LOG_INFO, MODULE, "%s %s: retrying in %ld ms after %s (attempt %d/%d)",
                s->method, s->logpath, delay, o.why, attempt, s->max_attempts);
        sleep_ms(delay);
    }
    return rc;
}

int vo_http_send(vo_http_response **out, vo_http_client *c, const vo_http_request *req)
{
    VO__HANDLE_CHECK(c, VO__H_HTTP_CLIENT, "vo_http_send");
    return vo__http_send(out, c, req);
}

/* The send itself, also for clients that keep a shared HTTP client alive after its
 * owner closed it (no user-state check: the caller holds a reference). */
int vo__http_send(vo_http_response **out, vo_http_client *c, const vo_http_request *req)
{
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_http_send: out is NULL");
    *out = NULL;
    if (!c || !req)
        return vo__error_set(VO_EINVAL, "vo_http_send: NULL argument");
    /* the caller's version of the request, as a current one (later fields zero) */
    vo_http_request given;
    int rc = vo__struct_copy(&vo_http_request_info_, "vo_http_send", &given, req);
    if (rc != VO_OK)
        return rc;
    req = &given;
    const char *method = NULL;
    if ((rc = validate_request(req, &method)) != VO_OK)
        return rc;

    send_ctx s;
    memset(&s, 0, sizeof(s));
    /* Correlation id: caller-given, else the thread's, else a new one. It becomes the
     * thread's id for the duration of the call so that log records and errors carry it. */
    const char *cid = req->correlation_id && *req->correlation_id ? req->correlation_id : NULL;
    if ((rc = vo__cid_scope_enter(&s.cid, cid)) != VO_OK)
        return cid ? vo__error_set(VO_EINVAL, "vo_http_send: invalid correlation id") : rc;

    s.c = c;
    s.req = req;
    s.method = method;
    atomic_fetch_add(&c->n_requests, 1);
    s.t0 = vo__http_now_ms();
    s.deadline_ms = req->deadline_ms > 0 ? req->deadline_ms : c->opts.deadline_ms;
    s.deadline = s.t0 + s.deadline_ms;
    s.idempotent = req->idempotency == VO_HTTP_IDEMPOTENT_YES ||
                   (req->idempotency == VO_HTTP_IDEMPOTENT_AUTO && method_idempotent(method));
    s.max_attempts = c->opts.max_attempts > 0 ? c->opts.max_attempts : 1;
    vo__http_host_key(req->base_url, s.host, sizeof(s.host));
    path_for_log(req->path ? req->path : "", s.logpath, sizeof(s.logpath));

    s.h = vo__http_pool_checkout(c);
    s.r = vo__http_response_new();
    if (!s.h || !s.r) {
        rc = vo__error_set(VO_ENOMEM, "out of memory");
    } else {
        s.r->max_bytes = c->opts.max_response_bytes;
        s.r->retry_after_ms = -1;
        vo__strlcpy(s.r->correlation_id, s.cid.id, sizeof(s.r->correlation_id));
        if ((rc = build_url(&s)) != VO_OK)
            ; /* too long for libcurl */
        else if (!build_headers(&s) || !build_body(&s))
            rc = vo__error_set(VO_ENOMEM, "out of memory");
        else
            rc = send_loop(&s);
    }

    if (s.r) {
        s.r->duration_ms = (long)(vo__http_now_ms() - s.t0);
        if (rc == VO_OK) {
            *out = s.r;
            s.r = NULL;
        }
    }
    vo_http_response_free(s.r);
    curl_slist_free_all(s.hdrs);
    vo__buf_free(&s.url, false);
    vo__buf_free(&s.form, true); /* form bodies may hold secrets */
    if (s.h) {
        /* drop borrowed pointers (credentials are copies inside curl; reset frees them) */
        curl_easy_reset(s.h);
        vo__http_pool_checkin(c, s.h);
    }
    vo__cid_scope_leave(&s.cid);
    return rc;
}
