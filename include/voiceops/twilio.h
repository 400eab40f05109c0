/**
 * @file voiceops/twilio.h
 * @brief The Twilio REST client (API 2010-04-01 and accounts.twilio.com v1).
 *
 * A client is bound to one Twilio account (the account SID is always in the request path)
 * and authenticates with HTTP basic: the account SID + auth token, or an API key SID +
 * secret. Every request goes through the libvoiceops HTTP transport (voiceops/http.h), so
 * timeouts, retries, the circuit breaker and logging follow one policy: creates (calls,
 * messages, number purchases, keys, subaccounts) are never resent once they may have
 * reached Twilio; reads and deletes are retried on 5xx and network errors.
 *
 * Results are JSON documents (vo_twilio_resource) with accessors for the common fields and
 * the raw JSON text. Secrets that Twilio returns (`auth_token`, `secret`,
 * `secondary_auth_token`) are removed from every document; where an operation exists to
 * produce a secret it is handed over once, in a vo_secret.
 *
 * Failures map Twilio's error bodies (`code`, `message`, `more_info`, `status`, or
 * `type`/`title`/`detail`) to VO_E* codes: 401 -> VO_EAUTH, 403 -> VO_EFORBIDDEN,
 * 404 -> VO_ENOTFOUND, 409 -> VO_ECONFLICT, 400/422 -> VO_EVALIDATION, 429 -> VO_ERATELIMIT,
 * 5xx -> VO_EUNAVAILABLE. vo_error_last() then carries the HTTP status, the Twilio error
 * code (e.g. 20404), `more_info`, the Twilio-Request-Id and the correlation id.
 *
 * Thread-safety: a client may be shared by many threads; resources and iterators belong to
 * one thread at a time.
 *
 * This header compiles alone as C99 and C++.
 */
#ifndef VOICEOPS_TWILIO_H
#define VOICEOPS_TWILIO_H

#include "common.h"
#include "http.h"
#include "secret.h"
#include "vault.h"
#include "credentials.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vo_twilio_client vo_twilio_client;
/** One JSON object returned by Twilio (a call, a number, an account, ...). */
typedef struct vo_twilio_resource vo_twilio_resource;
/** Iterator over a list endpoint; fetches further pages through `next_page_uri`. */
typedef struct vo_twilio_iter vo_twilio_iter;

/*
 * Credentials are the typed `vo_twilio_credentials` of voiceops/credentials.h: build them
 * with vo_twilio_credentials_new() and its setters (account SID, then an auth token or an
 * API key SID + secret, optionally region and edge), or read a tenant's with
 * vo_twilio_credentials_get(). When both an API key and an auth token are set the client uses the
 * API key (keys can be revoked one by one).
 */

/** Version of vo_twilio_options understood by this header. */
#define VO_TWILIO_OPTIONS_VERSION 2

/** Client options. NULL, or a zero field, means the default: a zero-filled struct with
 *  only `version` set is the same as VO_TWILIO_OPTIONS_INIT. */
typedef struct vo_twilio_options {
    unsigned int version; /**< VO_TWILIO_OPTIONS_VERSION */
    const char
        *api_base_url; /**< default "https://api.twilio.com" (or built from region/edge) */
    const char *accounts_base_url; /**< default "https://accounts.twilio.com" */
    const char *
        region; /**< e.g. "ie1": api.[edge.]ie1.twilio.com; overrides the credentials' region; ignored when api_base_url is set */
    const char *
        edge; /**< e.g. "dublin": api.dublin.<region or us1>.twilio.com; overrides the credentials' edge */
    const vo_http_options *http; /**< transport options for a client-owned transport */
    vo_http_client *
        http_client; /**< share this transport instead (not owned; the client holds a reference, so it may be freed first) */
    int allow_service_account_fallback; /**< vo_twilio_client_for_tenant only; see its documentation */
    const char
        *service_account_tenant; /**< vault tenant that holds the service account credentials */
    /* version 2 */
    int allow_insecure_http; /**< 0 (default): an http:// base URL to a host other than loopback (localhost, 127.0.0.0/8, [::1]) is refused with VO_EINVAL, because Basic credentials would travel in clear text; nonzero allows it */
} vo_twilio_options;

#define VO_TWILIO_OPTIONS_INIT                                                \
  {                                                                           \
    VO_TWILIO_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, 0 \
  }

/**
 * Fill *ptr with the defaults of struct version `version` (as VO_TWILIO_OPTIONS_INIT), for bindings,
 * which cannot see macros. @return VO_OK, or VO_EINVAL for NULL or a version outside
 * 1..VO_TWILIO_OPTIONS_VERSION. Thread-safe; callable before vo_init().
 */
VO_EXTERN int vo_twilio_options_init(vo_twilio_options *ptr, unsigned int version);

/**
 * Create a client from explicit credentials. No request is made; call
 * vo_twilio_account_get() to validate the credentials.
 *
 * @param out    receives the client; free with vo_twilio_client_free().
 * @param creds  credentials (copied; the caller keeps and frees them).
 * @param opts   options or NULL.
 * @return VO_OK, VO_EINVAL (credentials incomplete per vo_twilio_credentials_validate(),
 *         malformed region/edge or base URL), VO_ENOMEM, VO_ENOTINIT.
 */
VO_EXTERN int vo_twilio_client_new(vo_twilio_client **out, const vo_twilio_credentials *creds,
                                   const vo_twilio_options *opts);

/**
 * Create a client for a tenant from the credentials stored in the vault
 * (`credentials/twilio`, see vo_twilio_credentials_put()). This is the normal constructor: every
 * request of the client is scoped to that tenant's Twilio account.
 *
 * When the tenant has no Twilio credentials the call fails with VO_ENOTFOUND, unless
 * `opts->allow_service_account_fallback` is set: then the credentials of the vault tenant
 * named by `opts->service_account_tenant` are used, and the fallback is written to the
 * vault's audit log first (action "twilio.fallback", name "credentials/twilio", the
 * requesting tenant, result "ok" or the failure). If that audit row cannot be written, no
 * client is created. The fallback is off by default.
 *
 * @param out     receives the client.
 * @param vault   an open vault (only used during the call).
 * @param tenant  the tenant id.
 * @param opts    options or NULL.
 * @return VO_OK, VO_ENOTFOUND (no credentials and no fallback), VO_EINVAL, VO_EPARSE (stored
 *         credentials unreadable), vault errors (VO_ECRYPTO, VO_ESTORAGE, VO_EBUSY), VO_ENOMEM.
 * Thread-safety: as the vault's read functions.
 */
VO_EXTERN int vo_twilio_client_for_tenant(vo_twilio_client **out, vo_vault *vault,
                                          const char *tenant, const vo_twilio_options *opts);

/** 1 when the client was created through the service-account fallback, else 0. */
VO_EXTERN int vo_twilio_client_is_fallback(const vo_twilio_client *client);

/**
 * Free a client (wipes its secret). Accepts NULL.
 * Closing or freeing it twice, or passing a handle of another type, is reported
 * (VO_EHANDLE in vo_error_last() and an error log line) and ignored; later calls with it
 * give VO_EHANDLE (docs/handles.md). Iterators made from the client hold a reference to
 * it: it may be freed before them.
 */
VO_EXTERN void vo_twilio_client_free(vo_twilio_client *client);

/** The account SID the client acts on (owned by the client); NULL when client is NULL. */
VO_EXTERN const char *vo_twilio_client_account_sid(const vo_twilio_client *client);

/** The API base URL in use, e.g. "https://api.dublin.ie1.twilio.com". */
VO_EXTERN const char *vo_twilio_client_api_base_url(const vo_twilio_client *client);

/**
 * The HTTP transport the client uses (owned by the client unless it was given one). Do not
 * free it. A shared transport whose owner already freed it is returned too; public calls
 * with it then give VO_EHANDLE.
 */
VO_EXTERN vo_http_client *vo_twilio_client_http(vo_twilio_client *client);

/* ---- resources ----------------------------------------------------------------------- */

/**
 * The resource as compact JSON text (secrets removed). Owned by the resource; valid until
 * it is freed (for iterator items: until the next vo_twilio_iter_next()).
 */
VO_EXTERN const char *vo_twilio_resource_json(const vo_twilio_resource *res);

/**
 * A top-level string field ("sid", "status", "voice_url", ...). NULL when absent, null or
 * not a string. Owned by the resource.
 */
VO_EXTERN const char *vo_twilio_resource_str(const vo_twilio_resource *res, const char *field);

/**
 * A top-level integer field, or a string holding an integer (Twilio sends "duration" as
 * "15").
 * @return VO_OK, VO_ENOTFOUND (absent or null), VO_EPARSE (not an integer), VO_EINVAL.
 */
VO_EXTERN int vo_twilio_resource_int(long long *out, const vo_twilio_resource *res,
                                     const char *field);

/**
 * A top-level boolean field (also capabilities' nested `voice`/`sms` via "capabilities.voice").
 * @return VO_OK, VO_ENOTFOUND, VO_EPARSE (not a boolean), VO_EINVAL.
 */
VO_EXTERN int vo_twilio_resource_bool(int *out, const vo_twilio_resource *res,
                                      const char *field);

/** Shortcuts for vo_twilio_resource_str(res, "sid" / "status" / "phone_number" / "friendly_name" / "account_sid"). */
VO_EXTERN const char *vo_twilio_resource_sid(const vo_twilio_resource *res);
/** The `status` field, or NULL when absent. */
VO_EXTERN const char *vo_twilio_resource_status(const vo_twilio_resource *res);
/** The `phone_number` field, or NULL when absent. */
VO_EXTERN const char *vo_twilio_resource_phone_number(const vo_twilio_resource *res);
/** The `friendly_name` field, or NULL when absent. */
VO_EXTERN const char *vo_twilio_resource_friendly_name(const vo_twilio_resource *res);
/** The `account_sid` field, or NULL when absent. */
VO_EXTERN const char *vo_twilio_resource_account_sid(const vo_twilio_resource *res);

/** The Twilio-Request-Id of the response that produced the resource, or "". */
VO_EXTERN const char *vo_twilio_resource_request_id(const vo_twilio_resource *res);

/**
 * Free a resource returned by an operation. Accepts NULL. Never free iterator items (that
 * is reported and ignored).
 * Closing or freeing it twice, or passing a handle of another type, is reported
 * (VO_EHANDLE in vo_error_last() and an error log line) and ignored; later calls with it
 * give VO_EHANDLE (docs/handles.md).
 */
VO_EXTERN void vo_twilio_resource_free(vo_twilio_resource *res);

/* ---- iterators ----------------------------------------------------------------------- */

/**
 * Advance an iterator. Fetches the next page through `next_page_uri` when the current one
 * is exhausted.
 *
 * @param item  receives the next item (owned by the iterator, valid until the next call or
 *              vo_twilio_iter_free()), or NULL at the end of the list.
 * @return VO_OK (check *item), or the error of a failed page fetch.
 */
VO_EXTERN int vo_twilio_iter_next(const vo_twilio_resource **item, vo_twilio_iter *it);

/** Pages fetched so far (at least 1 after a successful list call). */
VO_EXTERN int vo_twilio_iter_pages(const vo_twilio_iter *it);

/**
 * Free an iterator and its items. Accepts NULL. The iterator holds a reference to the
 * client that made it, so the client may be freed first; the iterator keeps working.
 * Closing or freeing it twice, or passing a handle of another type, is reported
 * (VO_EHANDLE in vo_error_last() and an error log line) and ignored; later calls with it
 * give VO_EHANDLE (docs/handles.md).
 */
VO_EXTERN void vo_twilio_iter_free(vo_twilio_iter *it);

/* ---- account ------------------------------------------------------------------------- */

/** Fetch the client's account (validates the credentials). GET /Accounts/{Sid}.json */
VO_EXTERN int vo_twilio_account_get(vo_twilio_resource **out, vo_twilio_client *client);

/** List subaccounts (filters: FriendlyName, Status, PageSize). GET /Accounts.json */
VO_EXTERN int vo_twilio_subaccounts_list(vo_twilio_iter **out, vo_twilio_client *client,
                                         const vo_param *filters, size_t filter_count);

/**
 * Create a subaccount. POST /Accounts.json. Not retried once sent.
 * @param auth_token  may be NULL; receives the new subaccount's auth token (returned once).
 */
VO_EXTERN int vo_twilio_subaccounts_create(vo_twilio_resource **out, vo_secret **auth_token,
                                           vo_twilio_client *client, const char *friendly_name);

/* ---- incoming phone numbers ---------------------------------------------------------- */

/**
 * List the account's numbers. Filters: PhoneNumber, FriendlyName, Origin, Beta, PageSize.
 * GET /IncomingPhoneNumbers.json; later pages follow `next_page_uri`.
 */
VO_EXTERN int vo_twilio_numbers_list(vo_twilio_iter **out, vo_twilio_client *client,
                                     const vo_param *filters, size_t filter_count);

/** Fetch one number by its SID ("PN..."). */
VO_EXTERN int vo_twilio_numbers_get(vo_twilio_resource **out, vo_twilio_client *client,
                                    const char *number_sid);

/**
 * Update a number's configuration: VoiceUrl, VoiceMethod, VoiceFallbackUrl, SmsUrl,
 * SmsMethod, StatusCallback, StatusCallbackMethod, FriendlyName, VoiceApplicationSid,
 * SmsApplicationSid, TrunkSid, ... Setting fields is idempotent, so this POST is retried
 * like a read.
 */
VO_EXTERN int vo_twilio_numbers_update(vo_twilio_resource **out, vo_twilio_client *client,
                                       const char *number_sid, const vo_param *params,
                                       size_t param_count);

/**
 * Buy a number: params must include PhoneNumber or AreaCode; may set FriendlyName, VoiceUrl,
 * SmsUrl, ... POST /IncomingPhoneNumbers.json. Not retried once sent (it costs money).
 */
VO_EXTERN int vo_twilio_numbers_purchase(vo_twilio_resource **out, vo_twilio_client *client,
                                         const vo_param *params, size_t param_count);

/**
 * Release a number. DELETE; retried on 5xx. A 404 on a retry (the first attempt went
 * through) counts as success.
 */
VO_EXTERN int vo_twilio_numbers_release(vo_twilio_client *client, const char *number_sid);

/* ---- available phone numbers --------------------------------------------------------- */

/**
 * Search numbers for sale.
 * @param country  ISO country code, e.g. "US".
 * @param type     "Local", "TollFree", "Mobile", "National", "Voip", "SharedCost" or
 *                 "MachineToMachine".
 * @param filters  AreaCode, Contains, SmsEnabled, VoiceEnabled, MmsEnabled, InRegion,
 *                 InPostalCode, InLocality, NearNumber, Distance, PageSize, ...
 */
VO_EXTERN int vo_twilio_available_numbers_search(vo_twilio_iter **out, vo_twilio_client *client,
                                                 const char *country, const char *type,
                                                 const vo_param *filters, size_t filter_count);

/* ---- calls --------------------------------------------------------------------------- */

/**
 * Place a call. params must include one of Url, Twiml or ApplicationSid; may include
 * StatusCallback, StatusCallbackEvent (repeatable), Timeout, MachineDetection, Record, ...
 * Not retried once sent.
 */
VO_EXTERN int vo_twilio_calls_create(vo_twilio_resource **out, vo_twilio_client *client,
                                     const char *to, const char *from, const vo_param *params,
                                     size_t param_count);

/** Fetch a call ("CA..."). */
VO_EXTERN int vo_twilio_calls_get(vo_twilio_resource **out, vo_twilio_client *client,
                                  const char *call_sid);

/** List calls (filters: To, From, Status, ParentCallSid, StartTime, StartTime>, EndTime<, PageSize). */
VO_EXTERN int vo_twilio_calls_list(vo_twilio_iter **out, vo_twilio_client *client,
                                   const vo_param *filters, size_t filter_count);

/**
 * Modify a live call: Status=completed|canceled (hang up), Url/Twiml (redirect),
 * StatusCallback... Not retried once sent (a redirect restarts the call's TwiML).
 */
VO_EXTERN int vo_twilio_calls_update(vo_twilio_resource **out, vo_twilio_client *client,
                                     const char *call_sid, const vo_param *params,
                                     size_t param_count);

/* ---- messages ------------------------------------------------------------------------ */

/**
 * Send a message. params must include From or MessagingServiceSid, and Body, MediaUrl
 * (repeatable) or ContentSid. Not retried once sent.
 */
VO_EXTERN int vo_twilio_messages_create(vo_twilio_resource **out, vo_twilio_client *client,
                                        const char *to, const vo_param *params,
                                        size_t param_count);

/** Fetch a message ("SM..." or "MM..."). */
VO_EXTERN int vo_twilio_messages_get(vo_twilio_resource **out, vo_twilio_client *client,
                                     const char *message_sid);

/** List messages (filters: To, From, DateSent, DateSent<, DateSent>, PageSize). */
VO_EXTERN int vo_twilio_messages_list(vo_twilio_iter **out, vo_twilio_client *client,
                                      const vo_param *filters, size_t filter_count);

/* ---- API keys ------------------------------------------------------------------------ */

/** List the account's API keys (never their secrets). */
VO_EXTERN int vo_twilio_keys_list(vo_twilio_iter **out, vo_twilio_client *client,
                                  const vo_param *filters, size_t filter_count);

/**
 * Create an API key. Twilio returns its secret once: it is moved into *secret and removed
 * from the resource's JSON. Not retried once sent.
 * @param secret  required; receives the key secret (free with vo_secret_free()).
 */
VO_EXTERN int vo_twilio_keys_create(vo_twilio_resource **out, vo_secret **secret,
                                    vo_twilio_client *client, const char *friendly_name);

/**
 * Create an API key and store it straight into the vault as the tenant's Twilio API key
 * (added to the tenant's existing credentials, which keep their auth tokens, region and
 * edge; created from the client's account SID when the tenant has none yet). The secret
 * never leaves the library. When storing fails (check-and-set conflict, storage error) the
 * new key is deleted at Twilio again, so no key exists whose secret is lost.
 *
 * @param out  receives the key resource (sid, friendly_name; no secret).
 * @return VO_OK; VO_ENOTFOUND (no such tenant), VO_EINVAL (the tenant's credentials belong
 *         to another account), VO_ECONFLICT (the credentials changed meanwhile), the errors
 *         of vo_twilio_keys_create() and vo_twilio_credentials_put().
 */
VO_EXTERN int vo_twilio_keys_create_in_vault(vo_twilio_resource **out, vo_twilio_client *client,
                                             vo_vault *vault, const char *tenant,
                                             const char *friendly_name);

/** Delete an API key ("SK..."). */
VO_EXTERN int vo_twilio_keys_delete(vo_twilio_client *client, const char *key_sid);

/* ---- auth token rotation (accounts.twilio.com/v1) ------------------------------------ */

/**
 * Create the account's secondary auth token (POST /v1/AuthTokens/Secondary).
 * @param token  required; receives the secondary token.
 */
VO_EXTERN int vo_twilio_auth_token_secondary_create(vo_twilio_resource **out, vo_secret **token,
                                                    vo_twilio_client *client);

/** Delete the secondary auth token (DELETE /v1/AuthTokens/Secondary). */
VO_EXTERN int vo_twilio_auth_token_secondary_delete(vo_twilio_client *client);

/**
 * Promote the secondary token to primary (POST /v1/AuthTokens/Promote); the old primary
 * stops working. A client authenticated with the old primary token must be recreated.
 * @param token  may be NULL; receives the new primary token.
 */
VO_EXTERN int vo_twilio_auth_token_promote(vo_twilio_resource **out, vo_secret **token,
                                           vo_twilio_client *client);

/**
 * Map an HTTP status and Twilio error code to a VO_E* code (the mapping the client uses).
 * Exposed for bindings and tests.
 */
VO_EXTERN int vo_twilio_error_code(int http_status, long twilio_code);

#ifdef __cplusplus
}
#endif

#endif /* VOICEOPS_TWILIO_H */
