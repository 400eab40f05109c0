/*
 * The one HTTP transport: a pool of libcurl easy handles sharing DNS and TLS sessions
 * (pool.c), the retry policy of DESIGN.md section 7 (send.c), a circuit breaker per host
 * (breaker.c), correlation ids and log lines that never carry a credential. This file:
 * the client's construction, options, User-Agent and counters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "http_internal.h"

static void http_client_destroy(void *self);

int64_t vo__http_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
    int n = snprintf(ua, sizeof(ua), "libvoiceops/%s (%s %s) curl/%s%s%s",
                     vo_version(NULL, NULL, NULL), os, arch, cv ? cv->version : "?",
                     suffix && *suffix ? " " : "", suffix && *suffix ? suffix : "");
    if (n < 0 || (size_t)n >= sizeof(ua))
        return vo__error_set(VO_EINVAL, "vo_http_client_new: user_agent_suffix too long");
    for (const char *p = ua; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
            return vo__error_set(VO_EINVAL,
                                 "vo_http_client_new: control character in user_agent_suffix");
    c->user_agent = dupstr(ua);
    return c->user_agent ? VO_OK : vo__error_set(VO_ENOMEM, "out of memory");
}

/* A zero field takes its default (voiceops/http.h documents them). */
static void apply_defaults(vo_http_options *o)
{
    if (o->connect_timeout_ms == 0)
        o->connect_timeout_ms = 5000;
    if (o->timeout_ms == 0)
        o->timeout_ms = 30000;
    if (o->deadline_ms == 0)
        o->deadline_ms = 60000;
    if (o->max_attempts == 0)
        o->max_attempts = 4;
    if (o->backoff_base_ms == 0)
        o->backoff_base_ms = 250;
    if (o->backoff_max_ms == 0)
        o->backoff_max_ms = 8000;
    if (o->retry_after_max_ms == 0)
        o->retry_after_max_ms = 30000;
    if (o->breaker_threshold == 0)
        o->breaker_threshold = 5;
    if (o->breaker_cooldown_ms == 0)
        o->breaker_cooldown_ms = 30000;
    if (o->max_response_bytes == 0)
        o->max_response_bytes = (size_t)16 * 1024 * 1024;
    if (o->max_idle_handles == 0)
        o->max_idle_handles = 32;
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
    if ((rc = vo__struct_copy(&vo_http_options_info_, "vo_http_client_new", &given, opts)) !=
        VO_OK)
        return rc;
    opts = &given;
    vo_http_client *c = vo__handle_new(sizeof(*c), VO__H_HTTP_CLIENT, http_client_destroy);
    if (!c)
        return vo__error_set(VO_ENOMEM, "out of memory");
    c->opts = given;
    apply_defaults(&c->opts);
    const vo_http_options *o = &c->opts;
    if (o->connect_timeout_ms < 0 || o->timeout_ms < 0 || o->deadline_ms < 0 ||
        o->max_attempts < 0 || o->backoff_base_ms < 0 || o->backoff_max_ms < 0 ||
        o->retry_after_max_ms < 0 || o->breaker_threshold < VO_HTTP_BREAKER_OFF ||
        o->breaker_cooldown_ms < 0 || o->max_idle_handles < 0) {
        c->h.destroy = NULL; /* nothing set up yet */
        vo__handle_release(c);
        return vo__error_set(VO_EINVAL, "vo_http_client_new: negative option value");
    }
    vo__http_pool_init(c);
    vo__http_breakers_init(c);
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
    rc = vo__http_pool_open(c);
    if (rc != VO_OK) {
        vo_http_client_free(c);
        return rc;
    }
    vo__log(
        VO_LOG_DEBUG, MODULE,
        "client created: connect_timeout_ms=%ld timeout_ms=%ld deadline_ms=%ld max_attempts=%d",
        c->opts.connect_timeout_ms, c->opts.timeout_ms, c->opts.deadline_ms,
        c->opts.max_attempts);
    *out = c;
    return VO_OK;
}

static void http_client_destroy(void *self)
{
    vo_http_client *c = self;
    vo__http_pool_close(c);
    vo__http_breakers_free(c);
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
