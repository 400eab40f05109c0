/*
 * The circuit breaker, one per scheme://host:port: after breaker_threshold consecutive
 * failures (5xx, network errors, timeouts) requests to that host fail fast for
 * breaker_cooldown_ms; then one probe is let through, whose outcome closes or reopens it.
 */
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

typedef enum {
    BREAKER_CLOSED,
    BREAKER_OPEN,
    BREAKER_HALF_OPEN
} breaker_state;

typedef struct vo__http_breaker {
    struct vo__http_breaker *next;
    breaker_state state;
    int failures;       /* consecutive */
    int64_t open_until; /* monotonic ms */
    bool probe_in_flight;
    char host[]; /* scheme://host:port */
} breaker;

void vo__http_breakers_init(vo_http_client *c)
{
    pthread_mutex_init(&c->breaker_lock, NULL);
    atomic_init(&c->breakers_unsettled, 0);
}

/* Closed with no failure counted: what a host without a breaker behaves as. */
static bool settled(const breaker *b)
{
    return b->state == BREAKER_CLOSED && b->failures == 0;
}

void vo__http_breakers_free(vo_http_client *c)
{
    for (breaker *b = c->breakers; b;) {
        breaker *n = b->next;
        free(b);
        b = n;
    }
    c->breakers = NULL;
    pthread_mutex_destroy(&c->breaker_lock);
}

/* scheme://host[:port] of a base URL (without user info), lower-cased, into out. */
void vo__http_host_key(const char *base_url, char *out, size_t size)
{
    const char *p = strstr(base_url, "://");
    p = p ? p + 3 : base_url;
    const char *end = p;
    while (*end && *end != '/' && *end != '?' && *end != '#')
        end++;
    /* user info (user:password@) is never part of the key: it is logged */
    for (const char *q = p; q < end; q++)
        if (*q == '@')
            p = q + 1;
    size_t scheme =
        (size_t)(strstr(base_url, "://") ? strstr(base_url, "://") + 3 - base_url : 0);
    size_t n = 0;
    for (size_t i = 0; i < scheme && n + 1 < size; i++)
        out[n++] = base_url[i];
    for (const char *q = p; q < end && n + 1 < size; q++)
        out[n++] = (*q >= 'A' && *q <= 'Z') ? (char)(*q + 32) : *q;
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
bool vo__http_breaker_allow(vo_http_client *c, const char *host, long *retry_in_ms)
{
    if (c->opts.breaker_threshold < 0)
        return true;
    if (atomic_load(&c->breakers_unsettled) == 0)
        return true; /* every breaker closed, no failure counted: nothing to check */
    bool ok = true;
    pthread_mutex_lock(&c->breaker_lock);
    breaker *b = breaker_get(c, host);
    if (b) {
        int64_t now = vo__http_now_ms();
        if (b->state == BREAKER_OPEN) {
            if (now >= b->open_until) {
                b->state = BREAKER_HALF_OPEN;
                b->probe_in_flight = true;
                vo__log(VO_LOG_INFO, MODULE, "circuit half-open for %s: sending one probe",
                        host);
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

void vo__http_breaker_record(vo_http_client *c, const char *host, bool failure)
{
    if (c->opts.breaker_threshold < 0)
        return;
    if (!failure && atomic_load(&c->breakers_unsettled) == 0)
        return; /* a success on a closed breaker without failures changes nothing */
    pthread_mutex_lock(&c->breaker_lock);
    breaker *b = breaker_get(c, host);
    if (b) {
        bool was_settled = settled(b);
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
                    vo__log(
                        VO_LOG_WARN, MODULE,
                        "circuit open for %s after %d consecutive failures; cooling down %ld ms",
                        host, b->failures, c->opts.breaker_cooldown_ms);
                b->state = BREAKER_OPEN;
                b->open_until = vo__http_now_ms() + c->opts.breaker_cooldown_ms;
                b->probe_in_flight = false;
            }
        }
        if (was_settled != settled(b))
            atomic_fetch_add(&c->breakers_unsettled, was_settled ? 1 : -1);
    }
    pthread_mutex_unlock(&c->breaker_lock);
}
