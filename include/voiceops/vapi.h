/**
 * @file voiceops/vapi.h
 * @brief The tenant-scoped Vapi REST client: assistants, calls and phone numbers.
 *
 * A client authenticates with one Vapi private API key (`Authorization: Bearer`), normally
 * the tenant's key read from the vault by vo_vapi_client_for_tenant(). Every request goes
 * through the libvoiceops HTTP transport (voiceops/http.h), so timeouts, retries, the
 * circuit breaker and logging follow one policy. Unlike the official Vapi SDKs, a request
 * that creates something (`POST /call`, `POST /assistant`, `POST /phone-number`) is never
 * resent once it may have reached Vapi: only an HTTP 429 or a connection that failed before
 * any byte was sent is retried. Reads and deletes are retried on 5xx and network errors;
 * PATCH requests only set fields and are retried like reads.
 *
 * Results are JSON documents (vo_vapi_resource) with accessors for the common fields and
 * the raw JSON text. Secrets that Vapi might echo (`twilioAuthToken`, `twilioApiSecret`)
 * are removed from every document.
 *
 * List calls page transparently: the legacy list endpoints (`GET /assistant`, `/call`,
 * `/phone-number`) are walked newest first in `createdAt` windows (the next page asks for
 * `createdAtLe` = the oldest `createdAt` seen, skipping ids already returned), and
 * `GET /v2/phone-number` follows its `metadata.hasNextPage`.
 *
 * Failures map Vapi's error bodies (`statusCode`, `message` as a string or an array of
 * strings, `error`) to VO_E* codes: 400/422 -> VO_EVALIDATION, 401 -> VO_EAUTH,
 * 403 -> VO_EFORBIDDEN, 404 -> VO_ENOTFOUND, 409 -> VO_ECONFLICT (e.g. `assistant_pinned`),
 * 429 -> VO_ERATELIMIT, 408/504 -> VO_ETIMEOUT, other 5xx -> VO_EUNAVAILABLE.
 * vo_error_last() then carries the HTTP status, the message (array entries joined with
 * "; "), the `error` text, the provider request id and the correlation id.
 *
 * Thread-safety: a client may be shared by many threads; resources and iterators belong to
 * one thread at a time.
 *
 * This header compiles alone as C99 and C++.
 */
#ifndef VOICEOPS_VAPI_H
#define VOICEOPS_VAPI_H

#include "common.h"
#include "http.h"
#include "vault.h"
#include "credentials.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vo_vapi_client vo_vapi_client;
/** One JSON object returned by Vapi (an assistant, a call, a phone number). */
typedef struct vo_vapi_resource vo_vapi_resource;
/** Iterator over a list endpoint; fetches further pages as needed. */
typedef struct vo_vapi_iter vo_vapi_iter;

/** Version of vo_vapi_options understood by this header. */
#define VO_VAPI_OPTIONS_VERSION 2

/** Client options. NULL, or a zero field, means the default: a zero-filled struct with
 *  only `version` set is the same as VO_VAPI_OPTIONS_INIT. */
typedef struct vo_vapi_options {
    unsigned int version; /**< VO_VAPI_OPTIONS_VERSION */
    const char *base_url; /**< default "https://api.vapi.ai" (the sandbox or a mock in tests) */
    const vo_http_options *http; /**< transport options for a client-owned transport */
    vo_http_client *
        http_client; /**< share this transport instead (not owned; the client holds a reference, so it may be freed first) */
    /* version 2 */
    int allow_insecure_http; /**< 0 (default): an http:// base URL to a host other than loopback (localhost, 127.0.0.0/8, [::1]) is refused with VO_EINVAL, because the bearer key would travel in clear text; nonzero allows it */
} vo_vapi_options;

#define VO_VAPI_OPTIONS_INIT                     \
  {                                              \
    VO_VAPI_OPTIONS_VERSION, NULL, NULL, NULL, 0 \
  }

/**
 * Fill *ptr with the defaults of struct version `version` (as VO_VAPI_OPTIONS_INIT), for bindings,
 * which cannot see macros. @return VO_OK, or VO_EINVAL for NULL or a version outside
 * 1..VO_VAPI_OPTIONS_VERSION. Thread-safe; callable before vo_init().
 */
VO_EXTERN int vo_vapi_options_init(vo_vapi_options *ptr, unsigned int version);

/**
 * Create a client from an explicit private API key. No request is made.
 *
 * @param out      receives the client; free with vo_vapi_client_free().
 * @param api_key  the Vapi private key (8-256 printable ASCII characters, no spaces);
 *                 copied into guarded memory.
 * @param opts     options or NULL.
 * @return VO_OK, VO_EINVAL (NULL out, malformed key or base URL, unknown options version),
 *         VO_ENOMEM, VO_ENOTINIT.
 */
VO_EXTERN int vo_vapi_client_new(vo_vapi_client **out, const char *api_key,
                                 const vo_vapi_options *opts);

/**
 * Create a client for a tenant from the API key stored in the vault (`credentials/vapi`,
 * see vo_vapi_credentials_put()). This is the normal constructor: every request of the client is
 * scoped to that tenant's Vapi org. The client remembers the tenant id
 * (vo_vapi_client_tenant()).
 *
 * @param vault   an open vault (only used during the call).
 * @return VO_OK, VO_ENOTFOUND (no Vapi credentials, or credentials without an API key),
 *         VO_EINVAL, VO_EPARSE (stored credentials unreadable), vault errors (VO_ECRYPTO,
 *         VO_ESTORAGE, VO_EBUSY), VO_ENOMEM, VO_ENOTINIT.
 * Thread-safety: as the vault's read functions.
 */
VO_EXTERN int vo_vapi_client_for_tenant(vo_vapi_client **out, vo_vault *vault,
                                        const char *tenant, const vo_vapi_options *opts);

/**
 * Free a client (wipes its key). Accepts NULL. No request may be in flight on it.
 * Closing or freeing it twice, or passing a handle of another type, is reported
 * (VO_EHANDLE in vo_error_last() and an error log line) and ignored; later calls with it
 * give VO_EHANDLE (docs/handles.md). Iterators made from the client hold a reference to
 * it: it may be freed before them.
 */
VO_EXTERN void vo_vapi_client_free(vo_vapi_client *client);

/** The base URL in use (owned by the client); NULL when client is NULL. */
VO_EXTERN const char *vo_vapi_client_base_url(const vo_vapi_client *client);

/** The tenant the client was created for, or NULL for vo_vapi_client_new() clients. */
VO_EXTERN const char *vo_vapi_client_tenant(const vo_vapi_client *client);

/**
 * The HTTP transport the client uses (owned by the client unless it was given one). Do not
 * free it. A shared transport whose owner already freed it is returned too; public calls
 * with it then give VO_EHANDLE.
 */
VO_EXTERN vo_http_client *vo_vapi_client_http(vo_vapi_client *client);

/* ---- resources ----------------------------------------------------------------------- */

/** The resource as compact JSON text. Owned by the resource (iterator items: until the next
 *  vo_vapi_iter_next()). NULL when res is NULL. */
VO_EXTERN const char *vo_vapi_resource_json(const vo_vapi_resource *res);

/**
 * A string field; one level of nesting with a dot ("customer.number", "server.url").
 * NULL when absent, null or not a string. Owned by the resource.
 */
VO_EXTERN const char *vo_vapi_resource_str(const vo_vapi_resource *res, const char *field);

/** A number field (dotted as above). @return VO_OK, VO_ENOTFOUND, VO_EPARSE, VO_EINVAL. */
VO_EXTERN int vo_vapi_resource_int(long long *out, const vo_vapi_resource *res,
                                   const char *field);

/** A boolean field (dotted as above). @return VO_OK, VO_ENOTFOUND, VO_EPARSE, VO_EINVAL. */
VO_EXTERN int vo_vapi_resource_bool(int *out, const vo_vapi_resource *res, const char *field);

/** Shortcuts for the "id", "status", "number" and "createdAt" string fields. */
VO_EXTERN const char *vo_vapi_resource_id(const vo_vapi_resource *res);
/** The `status` field, or NULL when absent. */
VO_EXTERN const char *vo_vapi_resource_status(const vo_vapi_resource *res);
/** The `number` field, or NULL when absent. */
VO_EXTERN const char *vo_vapi_resource_number(const vo_vapi_resource *res);
/** The `createdAt` field, or NULL when absent. */
VO_EXTERN const char *vo_vapi_resource_created_at(const vo_vapi_resource *res);

/** The provider request id of the response that produced the resource, or "". */
VO_EXTERN const char *vo_vapi_resource_request_id(const vo_vapi_resource *res);

/**
 * Free a resource returned by an operation. Accepts NULL. Never free iterator items (that
 * is reported and ignored).
 * Closing or freeing it twice, or passing a handle of another type, is reported
 * (VO_EHANDLE in vo_error_last() and an error log line) and ignored; later calls with it
 * give VO_EHANDLE (docs/handles.md).
 */
VO_EXTERN void vo_vapi_resource_free(vo_vapi_resource *res);

/* ---- iterators ----------------------------------------------------------------------- */

/**
 * Advance an iterator, fetching the next page when the current one is exhausted.
 * @param item  receives the next item (owned by the iterator, valid until the next call or
 *              vo_vapi_iter_free()), or NULL at the end of the list.
 * @return VO_OK (check *item), or the error of a failed page fetch (the iterator may be
 *         advanced again to retry that page).
 */
VO_EXTERN int vo_vapi_iter_next(const vo_vapi_resource **item, vo_vapi_iter *it);

/** Pages fetched so far (at least 1 after a successful list call). */
VO_EXTERN int vo_vapi_iter_pages(const vo_vapi_iter *it);

/**
 * Free an iterator and its items. Accepts NULL. The iterator holds a reference to the
 * client that made it, so the client may be freed first; the iterator keeps working.
 * Closing or freeing it twice, or passing a handle of another type, is reported
 * (VO_EHANDLE in vo_error_last() and an error log line) and ignored; later calls with it
 * give VO_EHANDLE (docs/handles.md).
 */
VO_EXTERN void vo_vapi_iter_free(vo_vapi_iter *it);

/* ---- list options -------------------------------------------------------------------- */

#define VO_VAPI_LIST_OPTIONS_VERSION 1

/**
 * Filters and paging of the legacy list endpoints. Dates are ISO 8601 strings as Vapi
 * writes them ("2025-01-31T12:00:00.000Z"). NULL/0 fields are not sent.
 */
typedef struct vo_vapi_list_options {
    unsigned int version; /**< VO_VAPI_LIST_OPTIONS_VERSION */
    long limit;           /**< most items returned over all pages; 0 = all */
    long page_size;       /**< items per request (1-1000); 0 = 100 */
    const char *created_at_gt, *created_at_lt, *created_at_ge, *created_at_le;
    const char *updated_at_gt, *updated_at_lt, *updated_at_ge, *updated_at_le;
    const char *id;              /**< calls only: filter by call id */
    const char *assistant_id;    /**< calls only */
    const char *phone_number_id; /**< calls only */
} vo_vapi_list_options;

#define VO_VAPI_LIST_OPTIONS_INIT                                                             \
  {                                                                                           \
    VO_VAPI_LIST_OPTIONS_VERSION, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
        NULL, NULL                                                                            \
  }

/**
 * Fill *ptr with the defaults of struct version `version` (as VO_VAPI_LIST_OPTIONS_INIT), for bindings,
 * which cannot see macros. @return VO_OK, or VO_EINVAL for NULL or a version outside
 * 1..VO_VAPI_LIST_OPTIONS_VERSION. Thread-safe; callable before vo_init().
 */
VO_EXTERN int vo_vapi_list_options_init(vo_vapi_list_options *ptr, unsigned int version);

/* ---- assistants ---------------------------------------------------------------------- */

#define VO_VAPI_ASSISTANT_PARAMS_VERSION 1

/**
 * Fields of an assistant to create or update. NULL fields are not sent. JSON fields take
 * JSON text (an object), checked to parse before anything is sent.
 */
typedef struct vo_vapi_assistant_params {
    unsigned int version; /**< VO_VAPI_ASSISTANT_PARAMS_VERSION */
    const char *name;     /**< at most 40 characters */
    const char *first_message;
    const char *server_url; /**< `server.url`: where Vapi sends server messages */
    const char
        *server_credential_id;   /**< `server.credentialId`: how Vapi authenticates to it */
    long server_timeout_seconds; /**< `server.timeoutSeconds`; 0 = not sent */
    const char *model_json; /**< `model` object, e.g. {"provider":"openai","model":"gpt-4o"} */
    const char *voice_json; /**< `voice` object, e.g. {"provider":"11labs","voiceId":"..."} */
    const char *transcriber_json; /**< `transcriber` object */
    const char *extra_json;       /**< an object whose members are added as they are
                                      (other assistant fields); named fields above win */
} vo_vapi_assistant_params;

#define VO_VAPI_ASSISTANT_PARAMS_INIT                                                   \
  {                                                                                     \
    VO_VAPI_ASSISTANT_PARAMS_VERSION, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL \
  }

/**
 * Fill *ptr with empty parameters of struct version `version` (as VO_VAPI_ASSISTANT_PARAMS_INIT), for bindings,
 * which cannot see macros. @return VO_OK, or VO_EINVAL for NULL or a version outside
 * 1..VO_VAPI_ASSISTANT_PARAMS_VERSION. Thread-safe; callable before vo_init().
 */
VO_EXTERN int vo_vapi_assistant_params_init(vo_vapi_assistant_params *ptr,
                                            unsigned int version);

/**
 * Create an assistant (POST /assistant). Not retried once sent.
 * @param params  may be NULL (an empty assistant).
 * @return VO_OK, VO_EINVAL (malformed JSON field), remote errors as listed in the file comment.
 */
VO_EXTERN int vo_vapi_assistants_create(vo_vapi_resource **out, vo_vapi_client *client,
                                        const vo_vapi_assistant_params *params);

/** List assistants, newest first (GET /assistant; `limit`, createdAt/updatedAt filters). */
VO_EXTERN int vo_vapi_assistants_list(vo_vapi_iter **out, vo_vapi_client *client,
                                      const vo_vapi_list_options *opts);

/** Fetch an assistant (GET /assistant/{id}). The id must be a UUID (else VO_EINVAL). */
VO_EXTERN int vo_vapi_assistants_get(vo_vapi_resource **out, vo_vapi_client *client,
                                     const char *assistant_id);

/**
 * Update an assistant (PATCH /assistant/{id}): server URL and credential, voice and model
 * settings as raw JSON, name, ... At least one field is required (VO_EINVAL).
 */
VO_EXTERN int vo_vapi_assistants_update(vo_vapi_resource **out, vo_vapi_client *client,
                                        const char *assistant_id,
                                        const vo_vapi_assistant_params *params);

/**
 * Delete an assistant (DELETE /assistant/{id}). A 404 after a retried attempt counts as
 * success. An assistant Vapi refuses to delete (HTTP 409 `assistant_pinned`) gives
 * VO_ECONFLICT with Vapi's reason in the message; nothing is deleted.
 * @param out  may be NULL; receives the deleted assistant when Vapi returns it.
 */
VO_EXTERN int vo_vapi_assistants_delete(vo_vapi_resource **out, vo_vapi_client *client,
                                        const char *assistant_id);

/* ---- calls --------------------------------------------------------------------------- */

#define VO_VAPI_CALL_PARAMS_VERSION 1

/** An outbound phone call. Exactly one of assistant_id and assistant_json is required. */
typedef struct vo_vapi_call_params {
    unsigned int version;        /**< VO_VAPI_CALL_PARAMS_VERSION */
    const char *assistant_id;    /**< an existing assistant (UUID) */
    const char *assistant_json;  /**< or a transient assistant (JSON object text) */
    const char *phone_number_id; /**< the Vapi phone number to call from (UUID); required */
    const char *customer_number; /**< the number to call, E.164 ("+14155550123"); required */
    const char *customer_name;   /**< optional */
    const char *name;            /**< optional call name (at most 40 characters) */
    const char
        *extra_json; /**< optional object merged into the body (assistantOverrides, ...) */
} vo_vapi_call_params;

#define VO_VAPI_CALL_PARAMS_INIT                                          \
  {                                                                       \
    VO_VAPI_CALL_PARAMS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL \
  }

/**
 * Fill *ptr with empty parameters of struct version `version` (as VO_VAPI_CALL_PARAMS_INIT), for bindings,
 * which cannot see macros. @return VO_OK, or VO_EINVAL for NULL or a version outside
 * 1..VO_VAPI_CALL_PARAMS_VERSION. Thread-safe; callable before vo_init().
 */
VO_EXTERN int vo_vapi_call_params_init(vo_vapi_call_params *ptr, unsigned int version);

/**
 * Create an outbound phone call (POST /call). Never resent once it may have reached Vapi
 * (an HTTP 5xx, a timeout or a dropped connection after sending is reported, not retried:
 * the call may exist; look for it with vo_vapi_calls_list()).
 * @return VO_OK, VO_EINVAL (missing assistant, phone number id or customer number, a number
 *         not in E.164, malformed JSON), remote errors.
 */
VO_EXTERN int vo_vapi_calls_create(vo_vapi_resource **out, vo_vapi_client *client,
                                   const vo_vapi_call_params *params);

/** Fetch a call (GET /call/{id}). */
VO_EXTERN int vo_vapi_calls_get(vo_vapi_resource **out, vo_vapi_client *client,
                                const char *call_id);

/** List calls, newest first (GET /call; id, assistantId, phoneNumberId, date filters). */
VO_EXTERN int vo_vapi_calls_list(vo_vapi_iter **out, vo_vapi_client *client,
                                 const vo_vapi_list_options *opts);

/** Update a call (PATCH /call/{id}); Vapi lets a call's `name` change. */
VO_EXTERN int vo_vapi_calls_update(vo_vapi_resource **out, vo_vapi_client *client,
                                   const char *call_id, const char *name);

/** Delete a call's data (DELETE /call/{id}). @param out may be NULL. */
VO_EXTERN int vo_vapi_calls_delete(vo_vapi_resource **out, vo_vapi_client *client,
                                   const char *call_id);

/* ---- phone numbers ------------------------------------------------------------------- */

#define VO_VAPI_NUMBER_PARAMS_VERSION 1

/** The `smsEnabled` setting of a phone number. 0 means: not sent. */
typedef enum vo_vapi_sms {
    VO_VAPI_SMS_UNSET = 0,   /**< not sent: Vapi's default applies (true on import: Vapi
                                 takes over the Twilio messaging URL); unchanged on update */
    VO_VAPI_SMS_ENABLED = 1, /**< `smsEnabled: true` */
    VO_VAPI_SMS_DISABLED = 2 /**< `smsEnabled: false` (the Twilio messaging URL stays) */
} vo_vapi_sms;

/** Fields of a phone number to import or update. NULL / 0 fields are not sent, so a
 *  zero-filled struct with only `version` set is the same as VO_VAPI_NUMBER_PARAMS_INIT. */
typedef struct vo_vapi_number_params {
    unsigned int version; /**< VO_VAPI_NUMBER_PARAMS_VERSION */
    const char
        *number;      /**< import only: the E.164 number owned by the tenant's Twilio account */
    const char *name; /**< at most 40 characters */
    const char *assistant_id;         /**< attach an assistant (UUID) */
    const char *server_url;           /**< `server.url` for this number */
    const char *server_credential_id; /**< `server.credentialId` */
    vo_vapi_sms sms;                  /**< `smsEnabled`; 0 (VO_VAPI_SMS_UNSET) = not sent */
    const char *extra_json;           /**< optional object merged into the body */
} vo_vapi_number_params;

#define VO_VAPI_NUMBER_PARAMS_INIT                                                       \
  {                                                                                      \
    VO_VAPI_NUMBER_PARAMS_VERSION, NULL, NULL, NULL, NULL, NULL, VO_VAPI_SMS_UNSET, NULL \
  }

/**
 * Fill *ptr with empty parameters of struct version `version` (as VO_VAPI_NUMBER_PARAMS_INIT), for bindings,
 * which cannot see macros. @return VO_OK, or VO_EINVAL for NULL or a version outside
 * 1..VO_VAPI_NUMBER_PARAMS_VERSION. Thread-safe; callable before vo_init().
 */
VO_EXTERN int vo_vapi_number_params_init(vo_vapi_number_params *ptr, unsigned int version);

/**
 * Import one of the tenant's Twilio numbers into Vapi (POST /phone-number with
 * `provider: "twilio"`, `number`, `twilioAccountSid` and the tenant's Twilio API key +
 * secret, or else its auth token). The Twilio credentials are read from the vault
 * (`credentials/twilio` of `tenant`) during the call and never come from the caller; the
 * read is audited by the vault. Not retried once sent.
 *
 * @param vault   the vault holding the tenant's Twilio credentials.
 * @param tenant  the tenant; when the client was made by vo_vapi_client_for_tenant() it
 *                must be the same tenant (else VO_EINVAL: one tenant's numbers never go
 *                into another tenant's Vapi org).
 * @param params  number is required (E.164).
 * @return VO_OK, VO_EINVAL, VO_ENOTFOUND (no Twilio credentials), vault errors, remote
 *         errors (an already imported number gives VO_EVALIDATION).
 */
VO_EXTERN int vo_vapi_numbers_import_twilio(vo_vapi_resource **out, vo_vapi_client *client,
                                            vo_vault *vault, const char *tenant,
                                            const vo_vapi_number_params *params);

/** List phone numbers, newest first (legacy GET /phone-number, a JSON array, paged by createdAt). */
VO_EXTERN int vo_vapi_numbers_list(vo_vapi_iter **out, vo_vapi_client *client,
                                   const vo_vapi_list_options *opts);

/**
 * List phone numbers through the paginated GET /v2/phone-number (`page`, `limit`,
 * `sortOrder`, `search`), following `metadata.hasNextPage`.
 * @param search      NULL or a substring of the number or name.
 * @param page_size   1-1000; 0 = 100.
 * @param sort_order  NULL, "ASC" or "DESC".
 */
VO_EXTERN int vo_vapi_numbers_list_v2(vo_vapi_iter **out, vo_vapi_client *client,
                                      const char *search, long page_size,
                                      const char *sort_order);

/** Fetch a phone number (GET /phone-number/{id}). */
VO_EXTERN int vo_vapi_numbers_get(vo_vapi_resource **out, vo_vapi_client *client,
                                  const char *phone_number_id);

/**
 * Update a Twilio phone number (PATCH /phone-number/{id}, sent with `provider: "twilio"`):
 * assistant, server URL/credential, smsEnabled, name. `number` must be NULL (VO_EINVAL).
 * At least one field is required.
 */
VO_EXTERN int vo_vapi_numbers_update(vo_vapi_resource **out, vo_vapi_client *client,
                                     const char *phone_number_id,
                                     const vo_vapi_number_params *params);

/** Delete a phone number from Vapi (DELETE /phone-number/{id}). @param out may be NULL. */
VO_EXTERN int vo_vapi_numbers_delete(vo_vapi_resource **out, vo_vapi_client *client,
                                     const char *phone_number_id);

/**
 * Map an HTTP status (and Vapi's `error` text, may be NULL) to a VO_E* code: the mapping the
 * client uses. Exposed for bindings and tests.
 */
VO_EXTERN int vo_vapi_error_code(int http_status, const char *error);

#ifdef __cplusplus
}
#endif

#endif /* VOICEOPS_VAPI_H */
