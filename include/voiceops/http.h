/**
 * @file voiceops/http.h
 * @brief The one HTTP transport of libvoiceops: pooled libcurl handles, timeouts, a retry
 *        policy that never duplicates a side effect, a circuit breaker per host, correlation
 *        ids and secret-free logging.
 *
 * Every provider client (Twilio, Vapi) sends its requests through a vo_http_client, so the
 * timeouts, retries and log lines are the same for every call. Applications may use it
 * directly for other JSON/form APIs.
 *
 * Retry policy (see docs/http.md for the reasons):
 * - idempotent requests (GET, HEAD, PUT, DELETE, or any request marked idempotent) are
 *   retried on network errors, timeouts, HTTP 5xx and HTTP 429;
 * - non-idempotent requests (POST, PATCH) are retried only on HTTP 429 (the provider did not
 *   process them) or when the connection failed before any byte of the request was sent
 *   (DNS failure, connection refused, TLS handshake failure, connect timeout). libcurl's own
 *   silent resend on a dead keep-alive connection is disabled for them too;
 * - backoff is exponential with full jitter, `Retry-After` (seconds or HTTP date) is
 *   honoured up to a cap, and no attempt starts after the total deadline.
 *
 * TLS peer and host verification are always on; there is no option to turn them off.
 * Proxies come from libcurl's usual environment variables (`https_proxy`, `no_proxy`, ...).
 *
 * This header compiles alone as C99 and C++.
 */
#ifndef VOICEOPS_HTTP_H
#define VOICEOPS_HTTP_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An HTTP client: a pool of connections and the policy applied to every request. */
typedef struct vo_http_client vo_http_client;

/** A response: status, headers and body of the final attempt of a request. */
typedef struct vo_http_response vo_http_response;

/** Version of vo_http_options understood by this header. */
#define VO_HTTP_OPTIONS_VERSION 1

/**
 * Options of an HTTP client. Initialise with VO_HTTP_OPTIONS_INIT or vo_http_options_init()
 * and change what you need. Every field left at 0 (or NULL) takes the documented default,
 * so a zero-filled struct with only `version` set is the same as VO_HTTP_OPTIONS_INIT
 * (ctypes `Structure()`, `= {0}`). Negative values are refused (VO_EINVAL), except
 * `breaker_threshold` = -1.
 */
typedef struct vo_http_options {
    unsigned int version;    /**< VO_HTTP_OPTIONS_VERSION (1..current accepted) */
    long connect_timeout_ms; /**< TCP + TLS connect timeout per attempt; 0 = 5000 */
    long timeout_ms;         /**< whole-attempt timeout (connect to last byte); 0 = 30000 */
    long deadline_ms;        /**< total time for all attempts and backoff; 0 = 60000 */
    int max_attempts; /**< attempts per request including the first; 0 = 4; 1 disables retries */
    long backoff_base_ms; /**< first backoff ceiling; doubles each retry; 0 = 250 */
    long backoff_max_ms;  /**< backoff ceiling cap; 0 = 8000 */
    long
        retry_after_max_ms; /**< longest Retry-After honoured; 0 = 30000. A longer one ends the retries */
    int breaker_threshold; /**< consecutive failures that open a host's circuit; 0 = 5;
                               -1 (VO_HTTP_BREAKER_OFF) disables the breaker */
    long
        breaker_cooldown_ms; /**< time an open circuit waits before one probe (half-open); 0 = 30000 */
    size_t max_response_bytes; /**< larger responses fail with VO_ETOOBIG; 0 = 16 MiB */
    int max_idle_handles; /**< easy handles (and their connections) kept in the pool; 0 = 32 */
    const char *ca_bundle_path; /**< CA bundle file (PEM); NULL = libcurl's built-in default */
    const char
        *user_agent_suffix; /**< appended to the User-Agent, e.g. "python/3.11"; NULL = none */
    int disable_http2; /**< non-zero: HTTP/1.1 only. 0: HTTP/2 when the server offers it over TLS */
} vo_http_options;

/** breaker_threshold value that turns the circuit breaker off. */
#define VO_HTTP_BREAKER_OFF (-1)

/** Default options: the version and every other field 0 (= its documented default). */
#define VO_HTTP_OPTIONS_INIT                                                \
  {                                                                         \
    VO_HTTP_OPTIONS_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL, NULL, 0 \
  }

/**
 * Fill *opts with the defaults of struct version `version` (what VO_HTTP_OPTIONS_INIT gives
 * for the current one): for bindings, which cannot see macros.
 * @return VO_OK, or VO_EINVAL for NULL or a version outside 1..VO_HTTP_OPTIONS_VERSION.
 * Thread-safe; callable before vo_init().
 */
VO_EXTERN int vo_http_options_init(vo_http_options *opts, unsigned int version);

/** Idempotency of a request, which decides what may be retried. */
typedef enum vo_http_idempotency {
    VO_HTTP_IDEMPOTENT_AUTO =
        0, /**< from the method: GET, HEAD, PUT, DELETE, OPTIONS are idempotent */
    VO_HTTP_IDEMPOTENT_YES = 1, /**< safe to send twice (e.g. a POST that only sets fields) */
    VO_HTTP_IDEMPOTENT_NO = 2   /**< never resend once any byte may have reached the server */
} vo_http_idempotency;

/** Version of vo_http_request understood by this header. */
#define VO_HTTP_REQUEST_VERSION 1

/**
 * One request. Strings are borrowed for the duration of vo_http_send() only.
 *
 * The URL is `base_url` + `path` + `?` + the encoded `query` parameters (`&` when `path`
 * already has a query, as Twilio's `next_page_uri` does). `path` must already be
 * percent-encoded; query and form values are encoded here.
 *
 * Body: either `form` (sent as application/x-www-form-urlencoded) or `body` with
 * `content_type` (e.g. JSON), not both.
 */
typedef struct vo_http_request {
    unsigned int version;  /**< VO_HTTP_REQUEST_VERSION */
    const char *method;    /**< "GET", "POST", "DELETE", ...; NULL = "GET" */
    const char *base_url;  /**< scheme://host[:port][/prefix], e.g. "https://api.twilio.com" */
    const char *path;      /**< "/2010-04-01/Accounts.json"; may be NULL or "" */
    const vo_param *query; /**< query parameters (repeated names allowed) */
    size_t query_count;
    const vo_param *form; /**< form fields (repeated names allowed, e.g. StatusCallbackEvent) */
    size_t form_count;
    const char *body; /**< raw body, used when form_count == 0 */
    size_t body_len;
    const char *content_type; /**< content type of `body`; default "application/json" */
    const vo_param *headers;  /**< extra request headers */
    size_t header_count;
    const char *username;     /**< HTTP basic user (never logged) */
    const char *password;     /**< HTTP basic password (never logged) */
    const char *bearer_token; /**< sent as `Authorization: Bearer` (never logged) */
    const char *
        correlation_id; /**< sent as X-Correlation-Id; NULL = the thread's id, else a new one */
    long deadline_ms;   /**< total deadline for this call; 0 = the client's deadline_ms;
                            negative: VO_EINVAL */
    vo_http_idempotency idempotency; /**< what may be retried; default from the method */
} vo_http_request;

/** A GET request with every other field empty (all zero: zero-filled is the same). */
#define VO_HTTP_REQUEST_INIT                                                                   \
  {                                                                                            \
    VO_HTTP_REQUEST_VERSION, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, 0, NULL, NULL, 0, NULL, \
        NULL, NULL, NULL, 0, VO_HTTP_IDEMPOTENT_AUTO                                           \
  }

/**
 * Fill *req with an empty request of struct version `version` (as VO_HTTP_REQUEST_INIT).
 * @return VO_OK, or VO_EINVAL for NULL or a version outside 1..VO_HTTP_REQUEST_VERSION.
 */
VO_EXTERN int vo_http_request_init(vo_http_request *req, unsigned int version);

/** Version of vo_http_stats understood by this header. */
#define VO_HTTP_STATS_VERSION 1

/**
 * Counters of a client since it was created (all requests, all threads). An output struct
 * that can grow: the caller sets `version` (VO_HTTP_STATS_INIT or vo_http_stats_init())
 * and the library fills only the fields of that version. As for every caller-provided
 * struct, version 0 or a version newer than the library is refused with VO_EINVAL.
 */
typedef struct vo_http_stats {
    unsigned int version; /**< set by the caller: VO_HTTP_STATS_VERSION */
    uint64_t requests;    /**< calls to vo_http_send() */
    uint64_t attempts;    /**< HTTP attempts made (requests + retries) */
    uint64_t retries;     /**< attempts after the first */
    uint64_t connects;    /**< new TCP connections opened (libcurl CURLINFO_NUM_CONNECTS) */
    uint64_t breaker_rejections; /**< requests refused because a host's circuit was open */
} vo_http_stats;

/** An output struct ready for vo_http_client_stats(): the version, counters 0. */
#define VO_HTTP_STATS_INIT               \
  {                                      \
    VO_HTTP_STATS_VERSION, 0, 0, 0, 0, 0 \
  }

/**
 * Prepare *stats for vo_http_client_stats() with struct version `version` (counters 0).
 * @return VO_OK, or VO_EINVAL for NULL or a version outside 1..VO_HTTP_STATS_VERSION.
 */
VO_EXTERN int vo_http_stats_init(vo_http_stats *stats, unsigned int version);

/**
 * Create an HTTP client.
 *
 * @param out   receives the client; free it with vo_http_client_free().
 * @param opts  options, or NULL for defaults. Strings are copied.
 * @return VO_OK, VO_EINVAL (NULL out, options version 0 or unknown, negative values),
 *         VO_ENOMEM, VO_ENOTINIT before vo_init(), VO_ENETWORK when libcurl lacks a feature.
 *
 * Thread-safety: the client may be used from any number of threads at once; each request
 * checks out its own libcurl handle from the pool. DNS results and TLS sessions are shared
 * between handles.
 */
VO_EXTERN int vo_http_client_new(vo_http_client **out, const vo_http_options *opts);

/**
 * Free a client and close its connections. Accepts NULL. No request may be in flight on it.
 * Closing or freeing it twice, or passing a handle of another type, is reported
 * (VO_EHANDLE in vo_error_last() and an error log line) and ignored; later calls with it
 * give VO_EHANDLE (docs/handles.md). Clients given it as `http_client` hold a reference:
 * it may be freed before them, and goes when the last of them is freed.
 */
VO_EXTERN void vo_http_client_free(vo_http_client *client);

/** The User-Agent the client sends (owned by the client). NULL when client is NULL. */
VO_EXTERN const char *vo_http_client_user_agent(const vo_http_client *client);

/**
 * Copy the client's counters into *out, whose `version` the caller has set (fields of
 * later versions are not written). Thread-safe.
 * @return VO_OK, or VO_EINVAL (NULL argument, out->version 0 or unknown).
 */
VO_EXTERN int vo_http_client_stats(vo_http_stats *out, const vo_http_client *client);

/**
 * Send a request, retrying per the client's policy, and return the final response.
 *
 * Any HTTP response that ends the retries counts as success here: check
 * vo_http_response_status(). Provider clients map statuses to VO_E* codes themselves.
 *
 * @param out     receives the response; free it with vo_http_response_free(). Set to NULL
 *                on failure.
 * @param client  the client.
 * @param req     the request.
 * @return VO_OK when a response was received;
 *         VO_EINVAL (bad request fields), VO_ENOMEM,
 *         VO_ENETWORK (DNS, connect, TLS, connection dropped) after the retries,
 *         VO_ETIMEOUT (attempt timeout or total deadline),
 *         VO_EUNAVAILABLE (the host's circuit breaker is open),
 *         VO_ETOOBIG (response larger than max_response_bytes, or a URL or parameter of
 *         8,000,000 bytes or more, which libcurl refuses).
 *         vo_error_last() carries the correlation id and, after a response, the HTTP status
 *         and provider request id.
 *
 * Thread-safety: safe to call concurrently on one client.
 */
VO_EXTERN int vo_http_send(vo_http_response **out, vo_http_client *client,
                           const vo_http_request *req);

/**
 * Free a response. Accepts NULL.
 * Closing or freeing it twice, or passing a handle of another type, is reported
 * (VO_EHANDLE in vo_error_last() and an error log line) and ignored; later calls with it
 * give VO_EHANDLE (docs/handles.md).
 */
VO_EXTERN void vo_http_response_free(vo_http_response *resp);

/** HTTP status code of the final attempt; 0 when resp is NULL. */
VO_EXTERN int vo_http_response_status(const vo_http_response *resp);

/**
 * The response body, NUL-terminated (the NUL is not counted in *len). Owned by the
 * response. Never NULL for a non-NULL resp (empty body gives "").
 * @param len  may be NULL; receives the body length in bytes.
 */
VO_EXTERN const char *vo_http_response_body(const vo_http_response *resp, size_t *len);

/**
 * Value of a response header (case-insensitive name; the last one when repeated), with
 * surrounding whitespace trimmed. Owned by the response. NULL when absent.
 */
VO_EXTERN const char *vo_http_response_header(const vo_http_response *resp, const char *name);

/** Number of response headers of the final attempt. */
VO_EXTERN size_t vo_http_response_header_count(const vo_http_response *resp);

/**
 * The i-th response header (in arrival order).
 * @return VO_OK, or VO_ERANGE when i is out of range, VO_EINVAL on NULL arguments.
 */
VO_EXTERN int vo_http_response_header_at(const char **name, const char **value,
                                         const vo_http_response *resp, size_t i);

/**
 * The provider's request id: the `Twilio-Request-Id`, `X-Request-Id` or `Request-Id`
 * header, whichever comes first. NULL when none.
 */
VO_EXTERN const char *vo_http_response_request_id(const vo_http_response *resp);

/** The correlation id the request was sent with. Never NULL for a non-NULL resp. */
VO_EXTERN const char *vo_http_response_correlation_id(const vo_http_response *resp);

/** Attempts made for this request (1 when it was not retried). */
VO_EXTERN int vo_http_response_attempts(const vo_http_response *resp);

/** Wall time of the whole call including retries and backoff, in milliseconds. */
VO_EXTERN long vo_http_response_duration_ms(const vo_http_response *resp);

/** New TCP connections opened for this request over all attempts (0: a connection was reused). */
VO_EXTERN long vo_http_response_new_connections(const vo_http_response *resp);

/**
 * The delay the server asked for with `Retry-After` on the final response, in
 * milliseconds, as vo_http_parse_retry_after() reads it: clamped to 100,000,000 seconds
 * (about three years), not to retry_after_max_ms (which only decides whether the transport
 * waits and retries); -1 when there was none or it could not be parsed.
 */
VO_EXTERN long vo_http_response_retry_after_ms(const vo_http_response *resp);

/**
 * Parse a `Retry-After` value: delta-seconds ("120") or an HTTP date
 * ("Wed, 21 Oct 2015 07:28:00 GMT", relative to now_unix). Exposed for bindings and tests.
 *
 * @param value     the header value.
 * @param now_unix  current time in seconds since the epoch (for the date form).
 * @return the delay in milliseconds (0 for a date in the past; at most 100,000,000 s, about
 *         three years: larger values and dates are clamped), or -1 when malformed.
 */
VO_EXTERN long vo_http_parse_retry_after(const char *value, long long now_unix);

#ifdef __cplusplus
}
#endif

#endif /* VOICEOPS_HTTP_H */
