/*
 * Private to the HTTP module (client.c, pool.c, breaker.c, response.c, send.c): the client
 * and response structures and the steps the files share. No other module includes this.
 */
#ifndef VO_HTTP_INTERNAL_H
#define VO_HTTP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "core/internal.h"
#include "voiceops/http.h"

#define MODULE "http"

/** Monotonic clock in milliseconds. */
int64_t vo__http_now_ms(void);

/* ---- client -------------------------------------------------------------------------- */

struct vo__http_breaker;

struct vo_http_client {
    vo__handle h; /* first: type tag, state, references */
    vo_http_options opts;
    char *ca_bundle;
    char *user_agent;

    /* pool.c */
    CURLSH *share;
    pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
    pthread_mutex_t pool_lock;
    CURL **pool;
    int pool_len;

    /* breaker.c */
    pthread_mutex_t breaker_lock;
    struct vo__http_breaker *breakers;
    /* Breakers that are not closed with zero failures. While there are none, a request
     * is allowed and a success recorded without taking breaker_lock (nothing would
     * change). Changed under breaker_lock only. */
    atomic_int breakers_unsettled;

    atomic_uint_fast64_t n_requests, n_attempts, n_retries, n_connects, n_rejected;
};

/* ---- pool (pool.c): idle easy handles and the share handle (DNS, TLS sessions) ---------- */

/** Initialise the pool's locks (before anything can fail, so that close is always safe). */
void vo__http_pool_init(vo_http_client *c);
/** Allocate the idle list (opts.max_idle_handles) and the share handle. */
int vo__http_pool_open(vo_http_client *c);
/** Clean up every idle handle, the share handle and the locks. */
void vo__http_pool_close(vo_http_client *c);
/** An easy handle in its reset state: an idle one, else a new one; NULL when out of memory. */
CURL *vo__http_pool_checkout(vo_http_client *c);
/** Return a reset handle: kept when the idle list has room, else cleaned up. Accepts NULL. */
void vo__http_pool_checkin(vo_http_client *c, CURL *h);

/* ---- circuit breaker (breaker.c): one per scheme://host:port ---------------------------- */

void vo__http_breakers_init(vo_http_client *c);
void vo__http_breakers_free(vo_http_client *c);
/** scheme://authority of a base URL, lower-cased, into out. */
void vo__http_host_key(const char *base_url, char *out, size_t size);
/** May a request go to host now? False when the circuit is open (or half-open with its probe
 *  in flight); *retry_in_ms then says when to come back. */
bool vo__http_breaker_allow(vo_http_client *c, const char *host, long *retry_in_ms);
/** Record an attempt's outcome for host (failure: 5xx, network error, timeout). */
void vo__http_breaker_record(vo_http_client *c, const char *host, bool failure);

/* ---- response (response.c) ----------------------------------------------------------- */

typedef struct vo__http_header {
    char *name;
    char *value;
} vo__http_header;

struct vo_http_response {
    vo__handle h; /* first: type tag, state, references */
    int status;
    vo__buf body;
    vo__http_header *headers;
    size_t header_count, cap_headers;
    char correlation_id[VO_CORRELATION_ID_SIZE];
    int attempts;
    long duration_ms;
    long new_connections;
    long retry_after_ms;
    int sends;         /* requests put on the wire, counting libcurl's own resends */
    int attempt_sends; /* the same, for the current attempt */
    /* collection state */
    size_t max_bytes;
    bool too_big;
};

/** A new, empty response handle (VO__H_HTTP_RESPONSE); NULL when out of memory. */
vo_http_response *vo__http_response_new(void);
/** Forget what an attempt collected (headers, body, status) before the next one. */
void vo__http_response_reset(vo_http_response *r);
/** libcurl callbacks collecting into a vo_http_response (userp). */
size_t vo__http_on_body(char *data, size_t size, size_t nmemb, void *userp);
size_t vo__http_on_header(char *data, size_t size, size_t nmemb, void *userp);
#if LIBCURL_VERSION_NUM >= 0x075000
int vo__http_on_prereq(void *userp, char *conn_primary_ip, char *conn_local_ip,
                       int conn_primary_port, int conn_local_port);
#endif

#endif
