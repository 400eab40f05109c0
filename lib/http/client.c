/*
 * The one HTTP transport: a pool of libcurl easy handles sharing DNS and TLS sessions,
 * the retry policy of DESIGN.md section 7, a circuit breaker per host, correlation ids and
 * log lines that never carry a credential.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "core/internal.h"
#include "http_internal.h"
#include "voiceops/http.h"

static void http_response_destroy(void *self);
static void http_client_destroy(void *self);

#define MODULE "http"

/* ---- time ---------------------------------------------------------------------------- */

int64_t vo__http_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---- circuit breaker ----------------------------------------------------------------- */

typedef enum { BREAKER_CLOSED, BREAKER_OPEN, BREAKER_HALF_OPEN } breaker_state;

typedef struct breaker {
    struct breaker *next;
    breaker_state state;
    int failures;        /* consecutive */
    int64_t open_until;  /* monotonic ms */
    bool probe_in_flight;
    char host[];         /* scheme://host:port */
} breaker;

/* ---- client -------------------------------------------------------------------------- */

struct vo_http_client {
    vo__handle h;                 /* first: type tag, state, references */
    vo_http_options opts;
    char *ca_bundle;
    char *user_agent;

    CURLSH *share;
    pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];

    pthread_mutex_t pool_lock;
    CURL **pool;
    int pool_len;

    pthread_mutex_t breaker_lock;
    breaker *breakers;

    atomic_uint_fast64_t n_requests, n_attempts, n_retries, n_connects, n_rejected;
};

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *userp)
{
    (void)h;
    (void)access;
    vo_http_client *c = userp;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
        pthread_mutex_lock(&c->share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *userp)
{
    (void)h;
    vo_http_client *c = userp;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
        pthread_mutex_unlock(&c->share_locks[data]);
}

static char *dupstr(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static int build_user_agent(vo_http_client *c, const char *suffix)
{
    struct utsname u;
    const char *os = "unknown", *arch = "unknown";
    if (uname(&u) == 0) {
        os = u.sysname;
        arch = u.machine;
    }
    const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
    char ua[512];
    int n = snprintf(ua, sizeof(ua), "libvoiceops/%s (%s %s) curl/%s%s%s", vo_version(NULL, NULL, NULL),
                     os, arch, cv ? cv->version : "?", suffix && *suffix ? " " : "",
                     suffix && *suffix ? suffix : "");
    if (n < 0 || (size_t)n >= sizeof(ua))
        return vo__error_set(VO_EINVAL, "vo_http_client_new: user_agent_suffix too long");
    for (const char *p = ua; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
            return vo__error_set(VO_EINVAL, "vo_http_client_new: control character in user_agent_suffix");
    c->user_agent = dupstr(ua);
    return c->user_agent ? VO_OK : vo__error_set(VO_ENOMEM, "out of memory");
}

/* A zero field takes its default (voiceops/http.h documents them). */
static void apply_defaults(vo_http_options *o)
{
    if (o->connect_timeout_ms == 0) o->connect_timeout_ms = 5000;
    if (o->timeout_ms == 0) o->timeout_ms = 30000;
    if (o->deadline_ms == 0) o->deadline_ms = 60000;
    if (o->max_attempts == 0) o->max_attempts = 4;
    if (o->backoff_base_ms == 0) o->backoff_base_ms = 250;
    if (o->backoff_max_ms == 0) o->backoff_max_ms = 8000;
    if (o->retry_after_max_ms == 0) o->retry_after_max_ms = 30000;
    if (o->breaker_threshold == 0) o->breaker_threshold = 5;
    if (o->breaker_cooldown_ms == 0) o->breaker_cooldown_ms = 30000;
    if (o->max_response_bytes == 0) o->max_response_bytes = (size_t)16 * 1024 * 1024;
    if (o->max_idle_handles == 0) o->max_idle_handles = 32;
}

int vo_http_client_new(vo_http_client **out, const vo_http_options *opts)
{
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_http_client_new: out is NULL");
    *out = NULL;
    int rc = vo__require_init();
    if (rc != VO_OK)
        return rc;
    vo_http_options given;
    if ((rc = vo__struct_copy(&vo_http_options_info_, "vo_http_client_new", &given, opts)) != VO_OK)
        return rc;
    opts = &given;
    vo_http_client *c = vo__handle_new(sizeof(*c), VO__H_HTTP_CLIENT, http_client_destroy);
    if (!c)
        return vo__error_set(VO_ENOMEM, "out of memory");
    c->opts = given;
    apply_defaults(&c->opts);
    const vo_http_options *o = &c->opts;
    if (o->connect_timeout_ms < 0 || o->timeout_ms < 0 || o->deadline_ms < 0 || o->max_attempts < 0 ||
        o->backoff_base_ms < 0 || o->backoff_max_ms < 0 || o->retry_after_max_ms < 0 ||
        o->breaker_threshold < VO_HTTP_BREAKER_OFF || o->breaker_cooldown_ms < 0 || o->max_idle_handles < 0) {
        c->h.destroy = NULL; /* nothing set up yet */
        vo__handle_release(c);
        return vo__error_set(VO_EINVAL, "vo_http_client_new: negative option value");
    }
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&c->share_locks[i], NULL);
    pthread_mutex_init(&c->pool_lock, NULL);
    pthread_mutex_init(&c->breaker_lock, NULL);
    c->opts.ca_bundle_path = NULL;
    c->opts.user_agent_suffix = NULL;
    if (opts->ca_bundle_path) {
        c->ca_bundle = dupstr(opts->ca_bundle_path);
        if (!c->ca_bundle) {
            vo_http_client_free(c);
            return vo__error_set(VO_ENOMEM, "out of memory");
        }
    }
    rc = build_user_agent(c, opts->user_agent_suffix);
    if (rc != VO_OK) {
        vo_http_client_free(c);
        return rc;
    }
    c->pool = calloc((size_t)c->opts.max_idle_handles + 1, sizeof(CURL *));
    c->share = curl_share_init();
    if (!c->pool || !c->share) {
        vo_http_client_free(c);
        return vo__error_set(VO_ENOMEM, "out of memory");
    }
    if (curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
        curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
        curl_share_setopt(c->share, CURLSHOPT_USERDATA, c) != CURLSHE_OK ||
        curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
        curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
        vo_http_client_free(c);
        return vo__error_set(VO_ENETWORK, "libcurl share interface unavailable");
    }
    vo__log(VO_LOG_DEBUG, MODULE, "client created: connect_timeout_ms=%ld timeout_ms=%ld deadline_ms=%ld max_attempts=%d",
            c->opts.connect_timeout_ms, c->opts.timeout_ms, c->opts.deadline_ms, c->opts.max_attempts);
    *out = c;
    return VO_OK;
}

static void http_client_destroy(void *self)
{
    vo_http_client *c = self;
    if (c->pool)
        for (int i = 0; i < c->pool_len; i++)
            curl_easy_cleanup(c->pool[i]);
    free(c->pool);
    if (c->share)
        curl_share_cleanup(c->share);
    for (breaker *b = c->breakers; b;) {
        breaker *n = b->next;
        free(b);
        b = n;
    }
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&c->share_locks[i]);
    pthread_mutex_destroy(&c->pool_lock);
    pthread_mutex_destroy(&c->breaker_lock);
    free(c->ca_bundle);
    free(c->user_agent);
}

void vo_http_client_free(vo_http_client *c)
{
    vo__handle_close(c, VO__H_HTTP_CLIENT, "vo_http_client_free");
}

const char *vo_http_client_user_agent(const vo_http_client *c)
{
    c = vo__handle_or_null(c, VO__H_HTTP_CLIENT, "vo_http_client_user_agent");
    return c ? c->user_agent : NULL;
}

int vo_http_client_stats(vo_http_stats *out, const vo_http_client *c)
{
    VO__HANDLE_CHECK(c, VO__H_HTTP_CLIENT, "vo_http_client_stats");
    if (!c || !out)
        return vo__error_set(VO_EINVAL, "vo_http_client_stats: NULL argument");
    vo_http_stats all;
    all.version = VO_HTTP_STATS_VERSION;
    all.requests = atomic_load(&((vo_http_client *)c)->n_requests);
    all.attempts = atomic_load(&((vo_http_client *)c)->n_attempts);
    all.retries = atomic_load(&((vo_http_client *)c)->n_retries);
    all.connects = atomic_load(&((vo_http_client *)c)->n_connects);
    all.breaker_rejections = atomic_load(&((vo_http_client *)c)->n_rejected);
    return vo__struct_out(&vo_http_stats_info_, "vo_http_client_stats", out, &all);
}

/* ---- pool ---------------------------------------------------------------------------- */

static CURL *pool_checkout(vo_http_client *c)
{
    CURL *h = NULL;
    pthread_mutex_lock(&c->pool_lock);
    if (c->pool_len > 0)
        h = c->pool[--c->pool_len];
    pthread_mutex_unlock(&c->pool_lock);
    if (!h)
        h = curl_easy_init(); /* pooled handles were reset at check-in */
    return h;
}

static void pool_checkin(vo_http_client *c, CURL *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&c->pool_lock);
    if (c->pool_len < c->opts.max_idle_handles) {
        c->pool[c->pool_len++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&c->pool_lock);
    if (h)
        curl_easy_cleanup(h);
}

/* ---- breaker ------------------------------------------------------------------------- */

/* scheme://authority of a base URL, lower-cased, into out. */
static void host_key(const char *base_url, char *out, size_t size)
{
    const char *p = strstr(base_url, "://");
    const char *start = base_url;
    p = p ? p + 3 : base_url;
    const char *end = p;
    while (*end && *end != '/' && *end != '?' && *end != '#')
        end++;
    size_t n = (size_t)(end - start);
    if (n >= size)
        n = size - 1;
    for (size_t i = 0; i < n; i++) {
        char ch = start[i];
        out[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
    }
    out[n] = '\0';
}

static breaker *breaker_get(vo_http_client *c, const char *host)
{
    for (breaker *b = c->breakers; b; b = b->next)
        if (strcmp(b->host, host) == 0)
            return b;
    size_t n = strlen(host);
    breaker *b = calloc(1, sizeof(*b) + n + 1);
    if (!b)
        return NULL;
    memcpy(b->host, host, n + 1);
    b->next = c->breakers;
    c->breakers = b;
    return b;
}

/* May a request go to host now? Returns false when the circuit is open. */
static bool breaker_allow(vo_http_client *c, const char *host, long *retry_in_ms)
{
    if (c->opts.breaker_threshold < 0)
        return true;
    bool ok = true;
    pthread_mutex_lock(&c->breaker_lock);
    breaker *b = breaker_get(c, host);
    if (b) {
        int64_t now = vo__http_now_ms();
        if (b->state == BREAKER_OPEN) {
            if (now >= b->open_until) {
                b->state = BREAKER_HALF_OPEN;
                b->probe_in_flight = true;
                vo__log(VO_LOG_INFO, MODULE, "circuit half-open for %s: sending one probe", host);
            } else {
                ok = false;
                *retry_in_ms = (long)(b->open_until - now);
            }
        } else if (b->state == BREAKER_HALF_OPEN) {
            if (b->probe_in_flight) {
                ok = false;
                *retry_in_ms = 0;
            } else {
                b->probe_in_flight = true;
            }
        }
    }
    pthread_mutex_unlock(&c->breaker_lock);
    return ok;
}

static void breaker_record(vo_http_client *c, const char *host, bool failure)
{
    if (c->opts.breaker_threshold < 0)
        return;
    pthread_mutex_lock(&c->breaker_lock);
    breaker *b = breaker_get(c, host);
    if (b) {
        if (!failure) {
            if (b->state != BREAKER_CLOSED)
                vo__log(VO_LOG_INFO, MODULE, "circuit closed for %s", host);
            b->state = BREAKER_CLOSED;
            b->failures = 0;
            b->probe_in_flight = false;
        } else {
            b->failures++;
            if (b->state == BREAKER_HALF_OPEN || b->failures >= c->opts.breaker_threshold) {
                if (b->state != BREAKER_OPEN)
                    vo__log(VO_LOG_WARN, MODULE,
                            "circuit open for %s after %d consecutive failures; cooling down %ld ms",
                            host, b->failures, c->opts.breaker_cooldown_ms);
                b->state = BREAKER_OPEN;
                b->open_until = vo__http_now_ms() + c->opts.breaker_cooldown_ms;
                b->probe_in_flight = false;
            }
        }
    }
    pthread_mutex_unlock(&c->breaker_lock);
}

/* ---- response ------------------------------------------------------------------------ */

typedef struct header {
    char *name;
    char *value;
} header;

struct vo_http_response {
    vo__handle h;                 /* first: type tag, state, references */
    int status;
    vo__buf body;
    header *headers;
    size_t header_count, cap_headers;
    char correlation_id[VO_CORRELATION_ID_SIZE];
    int attempts;
    long duration_ms;
    long new_connections;
    long retry_after_ms;
    int sends;           /* requests put on the wire, counting libcurl's own resends */
    int attempt_sends;   /* the same, for the current attempt */
    /* collection state */
    size_t max_bytes;
    bool too_big;
};

static void response_reset(vo_http_response *r)
{
    for (size_t i = 0; i < r->header_count; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    r->header_count = 0;
    r->body.len = 0;
    r->body.failed = false;
    r->too_big = false;
    r->status = 0;
    r->retry_after_ms = -1;
}

static void http_response_destroy(void *self)
{
    vo_http_response *r = self;
    response_reset(r);
    free(r->headers);
    vo__buf_free(&r->body, true); /* bodies may carry secrets (new API keys, tokens) */
}

void vo_http_response_free(vo_http_response *r)
{
    vo__handle_close(r, VO__H_HTTP_RESPONSE, "vo_http_response_free");
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
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

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
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
    if (r->header_count == r->cap_headers) {
        size_t cap = r->cap_headers ? r->cap_headers * 2 : 16;
        if (cap > 512)
            return n; /* ignore absurd header counts */
        header *h = realloc(r->headers, cap * sizeof(*h));
        if (!h)
            return 0;
        r->headers = h;
        r->cap_headers = cap;
    }
    header *h = &r->headers[r->header_count];
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

int vo_http_response_header_at(const char **name, const char **value,
                               const vo_http_response *r, size_t i)
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
static int on_prereq(void *userp, char *conn_primary_ip, char *conn_local_ip, int conn_primary_port,
                     int conn_local_port)
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

/* ---- request building ---------------------------------------------------------------- */

/* libcurl refuses strings of this many bytes or more (CURL_MAX_INPUT_LENGTH, 8 MB): in
 * curl_easy_escape() and CURLOPT_URL. Longer input is VO_ETOOBIG, not "out of memory". */
#define CURL_INPUT_MAX 8000000u

static bool too_long_for_curl(const vo_param *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(p[i].name) >= CURL_INPUT_MAX || (p[i].value && strlen(p[i].value) >= CURL_INPUT_MAX))
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
static bool failed_before_send(CURLcode cc, CURL *h, const body_src *src, const vo_http_response *r)
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
    case CURLE_SSL_CONNECT_ERROR:
        return true;
    case CURLE_OPERATION_TIMEDOUT: {
        /* a connect timeout: the transfer phase never began and nothing was written */
        curl_off_t pre = 0;
        long reqsize = 0;
        curl_easy_getinfo(h, CURLINFO_PRETRANSFER_TIME_T, &pre);
        curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &reqsize);
        return pre == 0 && reqsize == 0 && (!src || src->pos == 0);
    }
    default:
        return false;
    }
}

static int map_curl_error(CURLcode cc, bool too_big)
{
    if (too_big)
        return VO_ETOOBIG;
    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT:
        return VO_ETIMEOUT;
    case CURLE_OUT_OF_MEMORY:
        return VO_ENOMEM;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return VO_EINVAL;
    default:
        return VO_ENETWORK;
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
#define SET(opt, val) do { if (e == CURLE_OK) e = curl_easy_setopt(h, opt, val); } while (0)
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
    SET(CURLOPT_CONNECTTIMEOUT_MS,
        c->opts.connect_timeout_ms < attempt_timeout_ms ? c->opts.connect_timeout_ms : attempt_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, attempt_timeout_ms);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_USERAGENT, c->user_agent);
    SET(CURLOPT_HTTPHEADER, hdrs);
    SET(CURLOPT_ACCEPT_ENCODING, "");
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, r);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, r);
#if LIBCURL_VERSION_NUM >= 0x075000
    SET(CURLOPT_PREREQFUNCTION, on_prereq);
    SET(CURLOPT_PREREQDATA, r);
#endif
    if ((curl_off_t)c->opts.max_response_bytes > 0)
        SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->opts.max_response_bytes);
#undef SET
    return e == CURLE_OK ? VO_OK : vo__error_set(VO_ENETWORK, "libcurl rejected an option: %s",
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

typedef struct thread_cid {
    char saved[VO_CORRELATION_ID_SIZE];
} thread_cid;

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
    vo_http_request given;
    int vrc = vo__struct_copy(&vo_http_request_info_, "vo_http_send", &given, req);
    if (vrc != VO_OK)
        return vrc;
    req = &given;
    if (!req->base_url || !*req->base_url)
        return vo__error_set(VO_EINVAL, "vo_http_send: base_url is required");
    if (strncmp(req->base_url, "http://", 7) != 0 && strncmp(req->base_url, "https://", 8) != 0)
        return vo__error_set(VO_EINVAL, "vo_http_send: base_url must start with http:// or https://");
    const char *method = req->method && *req->method ? req->method : "GET";
    if (!valid_token(method))
        return vo__error_set(VO_EINVAL, "vo_http_send: invalid method");
    if (req->form_count > 0 && req->body)
        return vo__error_set(VO_EINVAL, "vo_http_send: give either form fields or a body, not both");
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
        return vo__error_set(VO_ETOOBIG, "vo_http_send: a parameter is longer than libcurl "
                             "accepts (%u bytes)", CURL_INPUT_MAX);
    if (!valid_header_value(req->path) || !valid_header_value(req->content_type) ||
        (req->path && strchr(req->path, ' ')))
        return vo__error_set(VO_EINVAL, "vo_http_send: invalid path or content type");
    if (req->deadline_ms < 0)
        return vo__error_set(VO_EINVAL, "vo_http_send: deadline_ms is negative");
    if (req->idempotency != VO_HTTP_IDEMPOTENT_AUTO && req->idempotency != VO_HTTP_IDEMPOTENT_YES &&
        req->idempotency != VO_HTTP_IDEMPOTENT_NO)
        return vo__error_set(VO_EINVAL, "vo_http_send: unknown idempotency value");

    /* Correlation id: caller-given, else the thread's, else a new one. It becomes the
     * thread's id for the duration of the call so that log records and errors carry it. */
    thread_cid tc;
    vo__strlcpy(tc.saved, vo_correlation_id_get(), sizeof(tc.saved));
    char cid[VO_CORRELATION_ID_SIZE];
    if (req->correlation_id && *req->correlation_id) {
        if (vo_correlation_id_set(req->correlation_id) != VO_OK)
            return vo__error_set(VO_EINVAL, "vo_http_send: invalid correlation id");
        vo__strlcpy(cid, req->correlation_id, sizeof(cid));
    } else if (tc.saved[0]) {
        vo__strlcpy(cid, tc.saved, sizeof(cid));
    } else {
        int rc = vo_correlation_id_new(cid, sizeof(cid));
        if (rc != VO_OK)
            return rc;
        vo_correlation_id_set(cid);
    }

    atomic_fetch_add(&c->n_requests, 1);
    int64_t t0 = vo__http_now_ms();
    long deadline_ms = req->deadline_ms > 0 ? req->deadline_ms : c->opts.deadline_ms;
    int64_t deadline = t0 + deadline_ms;
    bool idempotent = req->idempotency == VO_HTTP_IDEMPOTENT_YES ||
                      (req->idempotency == VO_HTTP_IDEMPOTENT_AUTO && method_idempotent(method));
    char host[256];
    host_key(req->base_url, host, sizeof(host));
    char logpath[256];
    path_for_log(req->path ? req->path : "", logpath, sizeof(logpath));

    int rc = VO_OK;
    CURL *h = pool_checkout(c);
    vo_http_response *r = vo__handle_new(sizeof(*r), VO__H_HTTP_RESPONSE, http_response_destroy);
    vo__buf url = VO__BUF_INIT, form = VO__BUF_INIT;
    struct curl_slist *hdrs = NULL;
    if (!h || !r) {
        rc = vo__error_set(VO_ENOMEM, "out of memory");
        goto done;
    }
    r->max_bytes = c->opts.max_response_bytes;
    r->retry_after_ms = -1;
    vo__strlcpy(r->correlation_id, cid, sizeof(r->correlation_id));

    /* URL */
    {
        size_t bl = strlen(req->base_url);
        const char *path = req->path ? req->path : "";
        if (bl > 0 && req->base_url[bl - 1] == '/' && path[0] == '/')
            bl--;
        vo__buf_append(&url, req->base_url, bl);
        vo__buf_append_str(&url, path);
        if (req->query_count > 0) {
            vo__buf_append_char(&url, strchr(path, '?') ? '&' : '?');
            append_params(&url, h, req->query, req->query_count, true);
        }
        vo__buf_finish(&url);
        if (!url.failed && url.len >= CURL_INPUT_MAX) {
            rc = vo__error_set(VO_ETOOBIG, "vo_http_send: the URL is longer than libcurl "
                               "accepts (%u bytes)", CURL_INPUT_MAX);
            goto done;
        }
    }
    /* headers */
    {
        char line[VO_CORRELATION_ID_SIZE + 32];
        snprintf(line, sizeof(line), "X-Correlation-Id: %s", cid);
        struct curl_slist *t = NULL;
#define ADDH(s) do { t = curl_slist_append(hdrs, s); if (!t) goto nomem; hdrs = t; } while (0)
        ADDH(line);
        ADDH("Expect:");
        bool has_accept = false;
        for (size_t i = 0; i < req->header_count; i++)
            if (vo__str_ieq(req->headers[i].name, "Accept"))
                has_accept = true;
        if (!has_accept)
            ADDH("Accept: application/json");
        if (req->form_count > 0)
            ADDH("Content-Type: application/x-www-form-urlencoded");
        else if (req->body) {
            vo__buf ct = VO__BUF_INIT;
            vo__buf_append_str(&ct, "Content-Type: ");
            vo__buf_append_str(&ct, req->content_type ? req->content_type : "application/json");
            if (!vo__buf_finish(&ct))
                goto nomem;
            t = curl_slist_append(hdrs, ct.data);
            vo__buf_free(&ct, false);
            if (!t)
                goto nomem;
            hdrs = t;
        }
        for (size_t i = 0; i < req->header_count; i++) {
            vo__buf hb = VO__BUF_INIT;
            vo__buf_append_str(&hb, req->headers[i].name);
            vo__buf_append_str(&hb, (req->headers[i].value && *req->headers[i].value) ? ": " : ";");
            vo__buf_append_str(&hb, req->headers[i].value ? req->headers[i].value : "");
            if (!vo__buf_finish(&hb))
                goto nomem;
            t = curl_slist_append(hdrs, hb.data);
            vo__buf_free(&hb, true);
            if (!t)
                goto nomem;
            hdrs = t;
        }
#undef ADDH
    }
    /* body */
    const char *body = NULL;
    size_t body_len = 0;
    bool has_body = false;
    if (req->form_count > 0) {
        append_params(&form, h, req->form, req->form_count, true);
        vo__buf_finish(&form);
        body = form.data ? form.data : "";
        body_len = form.len;
        has_body = true;
    } else if (req->body) {
        body = req->body;
        body_len = req->body_len;
        has_body = true;
    }
    if (url.failed || form.failed) {
    nomem:
        rc = vo__error_set(VO_ENOMEM, "out of memory");
        goto done;
    }

    body_src src = {body, body_len, 0, idempotent};
    int attempt = 0;
    int max_attempts = c->opts.max_attempts > 0 ? c->opts.max_attempts : 1;
    for (;;) {
        attempt++;
        int64_t now = vo__http_now_ms();
        long remaining = (long)(deadline - now);
        if (remaining <= 0) {
            rc = vo__error_set(VO_ETIMEOUT, "%s %s: deadline of %ld ms exceeded after %d attempt(s)",
                               method, logpath, deadline_ms, attempt - 1);
            break;
        }
        long breaker_wait = 0;
        if (!breaker_allow(c, host, &breaker_wait)) {
            atomic_fetch_add(&c->n_rejected, 1);
            rc = vo__error_set(VO_EUNAVAILABLE, "%s %s: circuit breaker open for %s (retry in %ld ms)",
                               method, logpath, host, breaker_wait);
            vo__error_set_remote(0, 0, NULL, NULL, breaker_wait);
            vo__log(VO_LOG_WARN, MODULE, "%s %s refused: circuit open for %s", method, logpath, host);
            break;
        }
        atomic_fetch_add(&c->n_attempts, 1);
        if (attempt > 1)
            atomic_fetch_add(&c->n_retries, 1);
        long attempt_timeout = c->opts.timeout_ms < remaining ? c->opts.timeout_ms : remaining;
        bool deadline_bound = attempt_timeout < c->opts.timeout_ms;

        response_reset(r);
        r->attempt_sends = 0;
        if (attempt > 1)
            curl_easy_reset(h);
        rc = set_common(c, h, url.data, hdrs, r, attempt_timeout);
        if (rc != VO_OK)
            break;
        CURLcode e = CURLE_OK;
        if (req->bearer_token) {
            e = curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
            if (e == CURLE_OK) e = curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, req->bearer_token);
        } else if (req->username) {
            e = curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
            if (e == CURLE_OK) e = curl_easy_setopt(h, CURLOPT_USERNAME, req->username);
            if (e == CURLE_OK) e = curl_easy_setopt(h, CURLOPT_PASSWORD, req->password ? req->password : "");
        }
        src.pos = 0;
        if (e == CURLE_OK) {
            if (vo__str_ieq(method, "GET") && !has_body) {
                e = curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
            } else if (vo__str_ieq(method, "HEAD")) {
                e = curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
            } else {
                if (has_body) {
                    e = curl_easy_setopt(h, CURLOPT_POST, 1L);
                    if (e == CURLE_OK) e = curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
                    if (e == CURLE_OK) e = curl_easy_setopt(h, CURLOPT_READDATA, &src);
                    if (e == CURLE_OK) e = curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
                    if (e == CURLE_OK) e = curl_easy_setopt(h, CURLOPT_SEEKDATA, &src);
                    if (e == CURLE_OK) e = curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
                } else if (vo__str_ieq(method, "POST")) {
                    e = curl_easy_setopt(h, CURLOPT_POST, 1L);
                    if (e == CURLE_OK) e = curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
                    if (e == CURLE_OK) e = curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
                }
                if (e == CURLE_OK && !vo__str_ieq(method, "POST"))
                    e = curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
            }
        }
        if (e != CURLE_OK) {
            rc = vo__error_set(VO_ENETWORK, "libcurl rejected an option: %s", curl_easy_strerror(e));
            break;
        }

        int64_t a0 = vo__http_now_ms();
        CURLcode cc = curl_easy_perform(h);
        long adur = (long)(vo__http_now_ms() - a0);
        long nconn = 0, status = 0;
        curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &nconn);
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        r->new_connections += nconn;
        atomic_fetch_add(&c->n_connects, (uint_fast64_t)nconn);
        r->attempts = attempt;

        bool retryable = false, breaker_failure = false;
        long server_delay = -1;
        const char *rid = NULL;
        char why[160];
        if (cc == CURLE_OK) {
            r->status = (int)status;
            if (!vo__buf_finish(&r->body)) {
                rc = vo__error_set(VO_ENOMEM, "out of memory");
                break;
            }
            rid = vo_http_response_request_id(r);
            const char *ra = vo_http_response_header(r, "Retry-After");
            if (ra)
                r->retry_after_ms = vo_http_parse_retry_after(ra, (long long)time(NULL));
            vo__log(VO_LOG_DEBUG, MODULE, "%s %s -> %d attempt=%d/%d duration_ms=%ld new_connections=%ld request_id=%s",
                    method, logpath, r->status, attempt, max_attempts, adur, nconn, rid ? rid : "-");
            if (status == 429) {
                retryable = true; /* the provider did not process it */
                server_delay = r->retry_after_ms;
            } else if (status == 500 || status == 502 || status == 503 || status == 504) {
                breaker_failure = true;
                retryable = idempotent;
                if (status == 503)
                    server_delay = r->retry_after_ms;
            }
            snprintf(why, sizeof(why), "HTTP %ld", status);
            rc = VO_OK;
        } else {
            bool presend = failed_before_send(cc, h, &src, r);
            rc = map_curl_error(cc, r->too_big || cc == CURLE_FILESIZE_EXCEEDED);
            if (rc == VO_ETOOBIG) {
                rid = vo_http_response_request_id(r);
                vo__error_set(VO_ETOOBIG, "%s %s: response larger than %zu bytes", method, logpath,
                              c->opts.max_response_bytes);
                vo__error_set_remote((int)status, 0, rid, NULL, -1);
                vo__log(VO_LOG_WARN, MODULE, "%s %s -> response larger than %zu bytes, aborted", method,
                        logpath, c->opts.max_response_bytes);
                break;
            }
            breaker_failure = rc == VO_ENETWORK || rc == VO_ETIMEOUT;
            retryable = breaker_failure && (idempotent || presend);
            const char *detail = curl_easy_strerror(cc);
            if (cc == CURLE_SEND_FAIL_REWIND || (!idempotent && !presend && breaker_failure))
                snprintf(why, sizeof(why), "%s (request may have been sent; not resent)", detail);
            else
                snprintf(why, sizeof(why), "%s", detail);
            if (rc == VO_ETIMEOUT && deadline_bound)
                vo__error_set(rc, "%s %s: deadline of %ld ms exceeded on attempt %d (%s)", method, logpath,
                              deadline_ms, attempt, detail);
            else
                vo__error_set(rc, "%s %s: %s (attempt %d)", method, logpath, why, attempt);
            vo__log(VO_LOG_DEBUG, MODULE, "%s %s -> error (%s) attempt=%d/%d duration_ms=%ld", method,
                    logpath, why, attempt, max_attempts, adur);
        }
        breaker_record(c, host, breaker_failure);

        if (!retryable)
            break;
        if (attempt >= max_attempts) {
            vo__log(VO_LOG_WARN, MODULE, "%s %s: giving up after %d attempts (%s)", method, logpath,
                    attempt, why);
            break;
        }
        long delay;
        if (server_delay >= 0) {
            if (server_delay > c->opts.retry_after_max_ms) {
                vo__log(VO_LOG_WARN, MODULE, "%s %s: Retry-After %ld ms exceeds the cap of %ld ms; not retrying",
                        method, logpath, server_delay, c->opts.retry_after_max_ms);
                break;
            }
            delay = server_delay;
        } else {
            delay = full_jitter(c, attempt);
        }
        if (vo__http_now_ms() + delay >= deadline) {
            vo__log(VO_LOG_WARN, MODULE, "%s %s: no retry: a %ld ms wait would pass the %ld ms deadline (%s)",
                    method, logpath, delay, deadline_ms, why);
            if (cc != CURLE_OK && rc == VO_ETIMEOUT)
                vo__error_set(rc, "%s %s: deadline of %ld ms exceeded after %d attempt(s)", method, logpath,
                              deadline_ms, attempt);
            break;
        }
        vo__log(VO_LOG_INFO, MODULE, "%s %s: retrying in %ld ms after %s (attempt %d/%d)", method, logpath,
                delay, why, attempt, max_attempts);
        sleep_ms(delay);
    }

done:
    if (r) {
        r->duration_ms = (long)(vo__http_now_ms() - t0);
        if (rc == VO_OK) {
            *out = r;
            r = NULL;
        }
    }
    vo_http_response_free(r);
    curl_slist_free_all(hdrs);
    vo__buf_free(&url, false);
    vo__buf_free(&form, true); /* form bodies may hold secrets */
    if (h) {
        /* drop borrowed pointers (credentials are copies inside curl; reset frees them) */
        curl_easy_reset(h);
        pool_checkin(c, h);
    }
    vo_correlation_id_set(tc.saved[0] ? tc.saved : NULL);
    return rc;
}
