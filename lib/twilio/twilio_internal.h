/* Internal interface of the Twilio REST client. */
#ifndef VO_TWILIO_INTERNAL_H
#define VO_TWILIO_INTERNAL_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "../core/internal.h"
#include "../rest/rest_internal.h"
#include "voiceops/secret.h"
#include "voiceops/twilio.h"

#define VO__TWILIO_API_VERSION "/2010-04-01"

/* The most pages one Twilio list iterator follows (a server that pages forever without
 * repeating a URI ends here; 10000 pages of up to 1000 items). */
#define VO__TWILIO_MAX_PAGES 10000

struct vo_twilio_client {
    vo__handle h;         /* first: type tag, state, references */
    vo__rest_client rest; /* the transport (a reference), and the Twilio provider */
    char *api_base;
    char *accounts_base;
    char account_sid[40];
    char username[40];   /* account SID or API key SID */
    vo_secret *password; /* auth token or API key secret */
    bool fallback;       /* created through the service-account fallback */
};

/* A Twilio result is a REST resource (lib/rest); its handle header comes first. */
struct vo_twilio_resource {
    vo__rest_resource rest;
};

struct vo_twilio_iter {
    vo__handle h; /* first: type tag, state, references */
    vo_twilio_client *client;
    char *list_key;
    cJSON *page;
    cJSON *item; /* next item to hand out */
    char *next_uri;
    int pages;
    char **seen_uris; /* every next_page_uri followed: a repeat is a loop */
    size_t seen_count, seen_cap;
    vo_twilio_resource current;
};

typedef enum vo__twilio_host {
    VO__TWILIO_API,
    VO__TWILIO_ACCOUNTS
} vo__twilio_host;

/* What the REST layer needs to know about Twilio: its error bodies ({"code", "message",
 * "more_info"} or RFC 7807 problems), its secret fields; 2xx bodies are JSON objects. */
extern const vo__rest_provider vo__twilio_provider;

/* Send a request through lib/rest with the client's Basic credentials; a non-2xx answer is
 * mapped to a VO_E* code with the details in vo_error_last(). On VO_OK, reply->doc holds the
 * parsed body (caller deletes it). */
int vo__twilio_call(vo__rest_reply *reply, vo_twilio_client *c, vo__twilio_host host,
                    const char *method, const char *path, const vo_param *query, size_t nq,
                    const vo_param *form, size_t nf, vo_http_idempotency idem);

/* "/2010-04-01/Accounts/{AccountSid}" + suffix, into out. */
int vo__twilio_account_path(char *out, size_t size, const vo_twilio_client *c,
                            const char *suffix);

/* True when sid is prefix + 32 hex-ish alphanumerics (no path tricks). */
bool vo__twilio_sid_ok(const char *sid, const char *prefix);

/* Remove secret fields from obj; when take_field names one of them, move its value into
 * *take. Returns true when something was removed. */
bool vo__twilio_strip_secrets(cJSON *obj, const char *take_field, vo_secret **take, int *rc);

/* vo__twilio_strip_secrets() for result objects (the provider's strip_secrets). */
void vo__twilio_strip_result(cJSON *obj);

/* Wrap a reply document into a resource (takes ownership of reply->doc). */
int vo__twilio_resource_from_reply(vo_twilio_resource **out, vo__rest_reply *reply);

/* DELETE; a 404 after a retried attempt counts as success. */
int vo__twilio_delete(vo_twilio_client *c, vo__twilio_host host, const char *path);

/* GET a single resource. */
int vo__twilio_fetch(vo_twilio_resource **out, vo_twilio_client *c, const char *path);

/* A list iterator without a client or page yet (NULL: out of memory); vo__twilio_list() and
 * the fuzz targets use it. */
vo_twilio_iter *vo__twilio_iter_alloc(const char *list_key);

/* Install a fetched list page (takes reply->doc in every case): its items under the list key,
 * with secrets stripped, and its next_page_uri, which must be a path on the API host that was
 * not followed before, within VO__TWILIO_MAX_PAGES. VO_EPROTOCOL otherwise (the listing ends). */
int vo__twilio_iter_take_page(vo_twilio_iter *it, vo__rest_reply *reply);

/* Start a list: GET path with filters, items under list_key. */
int vo__twilio_list(vo_twilio_iter **out, vo_twilio_client *c, const char *path,
                    const char *list_key, const vo_param *filters, size_t nf);

#endif
