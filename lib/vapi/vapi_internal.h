/* Internal interface of the Vapi REST client. */
#ifndef VO_VAPI_INTERNAL_H
#define VO_VAPI_INTERNAL_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "../core/internal.h"
#include "../rest/rest_internal.h"
#include "voiceops/secret.h"
#include "voiceops/vapi.h"

struct vo_vapi_client {
    vo__handle h;         /* first: type tag, state, references */
    vo__rest_client rest; /* the transport (a reference), and the Vapi provider */
    char *base;
    vo_secret *api_key;
    char tenant[VO_VAULT_TENANT_MAX + 1]; /* "" when made from an explicit key */
};

/* A Vapi result is a REST resource (lib/rest); its handle header comes first. */
struct vo_vapi_resource {
    vo__rest_resource rest;
};

typedef enum vo__vapi_list_mode {
    VO__VAPI_LEGACY,
    VO__VAPI_V2
} vo__vapi_list_mode;

#define VO__VAPI_MAX_FILTERS 16

struct vo_vapi_iter {
    vo__handle h; /* first: type tag, state, references */
    vo_vapi_client *client;
    vo__vapi_list_mode mode;
    char *path;
    /* legacy: the caller's filters (owned copies), the createdAt window */
    char *fname[VO__VAPI_MAX_FILTERS];
    char *fvalue[VO__VAPI_MAX_FILTERS];
    size_t nf;
    long limit; /* 0 = unlimited */
    long page_size;
    long returned;   /* items handed out */
    char *boundary;  /* oldest createdAt seen so far */
    char **seen_ids; /* ids already returned whose createdAt == boundary */
    size_t n_seen, cap_seen;
    bool more; /* another page may exist */
    /* v2 */
    long page;
    char *search;
    char *sort;
    /* the current page */
    cJSON *page_doc;
    cJSON *item; /* next item to hand out */
    int pages;
    char request_id[VO_ERROR_ID_SIZE];
    vo_vapi_resource current;
};

/* What the REST layer needs to know about Vapi: its error bodies ({"error", "message"} with
 * a message string or array), its secret fields; 2xx bodies may be any JSON value. */
extern const vo__rest_provider vo__vapi_provider;

/* Send a request through lib/rest with the client's Bearer key and an optional JSON body; a
 * non-2xx answer is mapped to a VO_E* code with the details in vo_error_last(). On VO_OK
 * reply->doc holds the parsed body (any JSON value; the caller deletes it). */
int vo__vapi_call(vo__rest_reply *reply, vo_vapi_client *c, const char *method,
                  const char *path, const vo_param *query, size_t nq, const cJSON *body,
                  vo_http_idempotency idem);

/* A Vapi id: a UUID (8-4-4-4-12 hex). */
bool vo__vapi_uuid_ok(const char *id);
/* E.164: '+', a non-zero digit, 1-14 more digits. */
bool vo__vapi_e164_ok(const char *number);

/* Remove fields Vapi should never echo but that are secrets if it does. */
void vo__vapi_strip_secrets(cJSON *obj);

/* Wrap a reply document (an object) into a resource (takes ownership of reply->doc). */
int vo__vapi_resource_from_reply(vo_vapi_resource **out, vo__rest_reply *reply,
                                 const char *what);

/* GET a single resource / DELETE one (a 404 after a retried attempt counts as success). */
int vo__vapi_get(vo_vapi_resource **out, vo_vapi_client *c, const char *path);
int vo__vapi_delete(vo_vapi_resource **out, vo_vapi_client *c, const char *path,
                    const cJSON *body);
/* POST or PATCH a JSON object (takes ownership of body). */
int vo__vapi_send_obj(vo_vapi_resource **out, vo_vapi_client *c, const char *method,
                      const char *path, cJSON *body, vo_http_idempotency idem);

/* Start a legacy list (array answer, createdAt windows) or a /v2 list. */
int vo__vapi_list_legacy(vo_vapi_iter **out, vo_vapi_client *c, const char *path,
                         const vo_vapi_list_options *opts, bool call_filters);
int vo__vapi_list_v2(vo_vapi_iter **out, vo_vapi_client *c, const char *path,
                     const char *search, long page_size, const char *sort_order);

/* JSON body helpers: add a JSON-text field (must parse to an object); merge an object's
 * members (extra_json). Return VO_OK, VO_EINVAL naming the field, or VO_ENOMEM. */
int vo__vapi_add_json(cJSON *obj, const char *field, const char *json_text);
int vo__vapi_merge_json(cJSON *obj, const char *json_text);
/* Replace obj[field] with a string (when value is non-NULL). */
int vo__vapi_set_str(cJSON *obj, const char *field, const char *value);

/* "/assistant/" + id, into out; VO_EINVAL when id is not a UUID. */
int vo__vapi_id_path(char *out, size_t size, const char *prefix, const char *id,
                     const char *what);

/* A list iterator of `mode` on `path` without a page yet (c may be NULL: the fuzz targets);
 * it holds a reference to c. */
int vo__vapi_iter_alloc(vo_vapi_iter **out, vo_vapi_client *c, const char *path,
                        vo__vapi_list_mode mode);

/* Install a fetched legacy page (a JSON array; takes reply->doc in every case), `want` being
 * the limit it was asked with: items already handed out are dropped, secrets stripped, the
 * createdAt boundary moved. VO_EPROTOCOL for an answer that cannot be paged. */
int vo__vapi_iter_take_legacy(vo_vapi_iter *it, vo__rest_reply *reply, long want);

/* Install a fetched v2 page ({"results": [...], "metadata": {...}}; takes reply->doc). */
int vo__vapi_iter_take_v2(vo_vapi_iter *it, vo__rest_reply *reply);

#endif
