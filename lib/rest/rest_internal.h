/*
 * The REST layer under the provider clients (lib/twilio, lib/vapi), and their interface to
 * it: one call path over the transport (correlation-id scope, vo_http_send, HTTP status to
 * VO_E* mapping, JSON parse, the DELETE-after-resend rule), one reply type and one resource
 * type. A provider describes only what differs in a vo__rest_provider (its name, how its
 * error bodies read, which fields are secrets) and fills the credentials of each request
 * (Basic or Bearer); paging stays in the provider. Nothing here is exported.
 */
#ifndef VO_REST_INTERNAL_H
#define VO_REST_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "../core/internal.h"
#include "voiceops/http.h"
#include "../http/transport.h"

/* ---- providers ----------------------------------------------------------------------- */

/** What a provider's error answer says, as its read_error hook fills it. */
typedef struct vo__rest_error {
    int code;              /**< the VO_E* code to return */
    long provider_code;    /**< the provider's numeric code (Twilio 20404), 0 if none */
    const char *label;     /**< the provider's error name (Vapi "assistant_pinned"), or NULL */
    const char *more_info; /**< a documentation URL, or NULL */
    bool has_text;         /**< text holds the provider's message */
    char text[384];
} vo__rest_error;

/** What differs between providers in the call path and in results. */
typedef struct vo__rest_provider {
    const char *name; /**< "Twilio", "Vapi": the first word of error messages */
    bool object_body; /**< a 2xx body must be a JSON object (else: any JSON value) */
    /** Read an error answer. doc is its parsed body: NULL when unparseable, maybe not an
     *  object. Strings put into e may point into doc. */
    void (*read_error)(vo__rest_error *e, int status, const cJSON *doc);
    /** Remove (and wipe) secret fields of a result object; non-objects are left alone. */
    void (*strip_secrets)(cJSON *obj);
} vo__rest_provider;

/* ---- clients ------------------------------------------------------------------------- */

#define VO__REST_MAX_SECRETS 2

/** The part of a provider client the REST layer uses: the provider, the transport, and the
 *  client's own secret values (what it sends as credentials), which are scrubbed exactly from
 *  any server text before it is stored in an error message. */
typedef struct vo__rest_client {
    const vo__rest_provider *provider;
    vo_http_client *http;
    bool owns_http;
    const char *secrets[VO__REST_MAX_SECRETS]; /**< borrowed: live as long as the client */
    size_t secret_count;
} vo__rest_client;

/** Borrow `http` when non-NULL, else make a transport with http_opts (NULL: defaults). The
 *  client keeps a reference to it either way, so the caller may free a shared one first. */
int vo__rest_client_init(vo__rest_client *c, const vo__rest_provider *p, vo_http_client *http,
                         const vo_http_options *http_opts);
/** Close the transport when owned, and drop the reference. */
void vo__rest_client_clear(vo__rest_client *c);

/* ---- calls --------------------------------------------------------------------------- */

/** One request. The provider fills the credentials: username/password (Basic) or
 *  bearer_token (Bearer). Give form fields or a JSON body, not both. */
typedef struct vo__rest_request {
    const char *method;
    const char *base_url;
    const char *path;
    const vo_param *query;
    size_t query_count;
    const vo_param *form;
    size_t form_count;
    const cJSON *json; /**< JSON body: printed for the call, wiped after it */
    const char *username;
    const char *password;
    const char *bearer_token;
    vo_http_idempotency idempotency;
} vo__rest_request;

/** The outcome of one call: the parsed body (NULL when empty), status and attempts. */
typedef struct vo__rest_reply {
    cJSON *doc;
    int status;
    int attempts;
    int sends; /**< requests on the wire (includes libcurl's silent resends) */
    char request_id[VO_ERROR_ID_SIZE];
} vo__rest_reply;

/**
 * The HTTP status of a provider's error answer as a VO_E* code, the mapping every provider
 * shares (401 auth, 403 forbidden, 404 not found, 409/412 conflict, 429 rate limited,
 * 408/504 timeout, other 5xx unavailable, other 4xx validation, anything else protocol).
 * Providers apply their own error codes first (vo_twilio_error_code(), vo_vapi_error_code()).
 */
int vo__rest_status_code(int status);

/**
 * Send a request through the client's transport under one correlation id (the thread's, or
 * a new one for the call). A non-2xx answer is mapped to a VO_E* code through the provider's
 * read_error, with the details (HTTP status, provider code, request id, Retry-After) in
 * vo_error_last(). On VO_OK reply->doc holds the parsed body (the caller deletes it, or
 * hands it to vo__rest_resource_new()). reply is filled on every path that reached the
 * provider, so that vo__rest_gone() can look at it.
 */
int vo__rest_call(vo__rest_reply *reply, const vo__rest_client *c, const vo__rest_request *req);

/**
 * The DELETE rule: a 404 after our retry or libcurl's silent resend means an earlier
 * attempt deleted it and its answer was lost, so the goal is reached. True (and the error
 * cleared) in that case.
 */
bool vo__rest_gone(int rc, const vo__rest_reply *reply);

/* ---- error answers (internal entry points, also for tests/fuzz) ---------------------- */

/** Replace every occurrence of each secret (exact bytes, non-empty) in the NUL-terminated
 *  string s, in place, with "[secret]" (or as many '*' when the secret is shorter). */
void vo__rest_scrub(char *s, const char *const *secrets, size_t secret_count);

/** Why len bytes of body are not a JSON value cJSON accepts: "nested too deep (more than 1000
 *  levels)" when its brackets nest past CJSON_NESTING_LIMIT, else "not JSON". */
const char *vo__rest_not_json_reason(const char *body, size_t len);

/** A non-2xx answer, described: the VO_E* code, the provider's code and documentation URL,
 *  and the message vo_error_last() gets. */
typedef struct vo__rest_failure {
    int code;
    long provider_code;
    char more_info[VO_ERROR_MORE_INFO_SIZE];
    char message[VO_ERROR_MESSAGE_SIZE];
} vo__rest_failure;

/**
 * Describe a non-2xx answer of `status` with `body` (len bytes, may be empty) through the
 * provider's read_error: a 3xx names its Location (without query or user info) as a redirect
 * not followed; a body that does not parse says why (not JSON, nested too deep); every string
 * of the body and the final message are scrubbed of `secrets` before use. method and path
 * name the call (the path's query is dropped). No side effects: vo__rest_call() stores the
 * result in vo_error_last().
 */
void vo__rest_describe_error(vo__rest_failure *f, const vo__rest_provider *p, int status,
                             const char *body, size_t len, const char *location,
                             const char *method, const char *path, const char *const *secrets,
                             size_t secret_count);

/* ---- resources ----------------------------------------------------------------------- */

/** A JSON result with its secret fields stripped: a handle (type tag, state, references;
 *  lib/core/handle.h). A provider's public resource type is a struct whose only member is
 *  this one, so the handle header comes first. */
typedef struct vo__rest_resource {
    vo__handle h; /**< first: type tag, state, references */
    cJSON *root;  /**< owned document, or NULL for iterator items */
    cJSON *obj;   /**< the object itself */
    char *json;   /**< compact text, printed lazily for iterator items */
    char request_id[VO_ERROR_ID_SIZE];
} vo__rest_resource;

/**
 * Wrap a reply document into a new resource handle of `size` bytes and handle type `type`
 * (the provider's resource type, whose first member is a vo__rest_resource); takes
 * reply->doc in every case. A document that is not an object is VO_EPROTOCOL ("<provider>'s
 * answer to <what> is not a JSON object"); no document gives an empty object. The caller
 * frees it with vo__handle_close() (its JSON text is wiped).
 */
int vo__rest_resource_new(vo__rest_resource **out, size_t size, vo__htype type,
                          vo__rest_reply *reply, const vo__rest_provider *p, const char *what);
/** Initialise an iterator's embedded current item (a handle of `type` that lives inside the
 *  iterator). */
void vo__rest_item_init(vo__rest_resource *r, vo__htype type);
/** An iterator's current item: a view of `item`, owned by the iterator's page. */
void vo__rest_item_set(vo__rest_resource *r, cJSON *item);
/** Forget (wipe and free) the printed JSON of an iterator's previous item. */
void vo__rest_item_clear(vo__rest_resource *r);

/* Accessors (r is not NULL; the provider's public functions check their arguments). */
const char *vo__rest_resource_json(vo__rest_resource *r);
const char *vo__rest_resource_str(const vo__rest_resource *r, const char *name);
int vo__rest_resource_int(const vo__rest_resource *r, const char *name, long long *out,
                          bool decimal_strings);
int vo__rest_resource_bool(const vo__rest_resource *r, const char *name, int *out);

#endif
