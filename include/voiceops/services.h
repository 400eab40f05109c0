/**
 * @file voiceops/services.h
 * @brief Cross-provider flows for one tenant: onboarding, Twilio -> Vapi number import,
 *        per-tenant webhook routing, Twilio auth token rotation.
 *
 * Every flow runs server-side against the vault and the tenant-scoped clients
 * (voiceops/twilio.h, voiceops/vapi.h) on the shared HTTP transport. Each run uses one
 * correlation id (given in vo_services_options or generated) for its requests, log lines,
 * errors and audit rows; every step is written to the vault's audit log, never with a
 * secret. See docs/onboarding.md, docs/number-import.md, docs/webhook-routing.md and
 * docs/token-rotation.md.
 *
 * Thread-safety: every function may be called from any thread; the vault and the HTTP
 * client passed in are shared safely. Two runs of the same flow for the same tenant at once
 * are not coordinated (the vault's check-and-set rejects the loser of a concurrent token
 * rotation step with VO_ECONFLICT). Reports belong to one thread at a time.
 *
 * This header compiles alone as C99 and C++.
 */
#ifndef VOICEOPS_SERVICES_H
#define VOICEOPS_SERVICES_H

#include "common.h"
#include "http.h"
#include "vault.h"
#include "credentials.h"
#include "webhook.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VO_SERVICES_OPTIONS_VERSION 2

/** Where the providers are and how to reach them. NULL/0 fields take the defaults, so a
 *  zero-filled struct with only `version` set is the same as VO_SERVICES_OPTIONS_INIT. */
typedef struct vo_services_options {
    unsigned int version; /**< VO_SERVICES_OPTIONS_VERSION */
    const char *
        twilio_api_base_url; /**< default "https://api.twilio.com" (or the credentials' region/edge) */
    const char *twilio_accounts_base_url; /**< default "https://accounts.twilio.com" */
    const char *vapi_base_url;            /**< default "https://api.vapi.ai" */
    const vo_http_options *http;          /**< options of a transport created for the run */
    vo_http_client *http_client;          /**< or share this transport (not owned) */
    const char
        *correlation_id; /**< the run's correlation id; NULL = the thread's, else a new one */
    /* version 2 */
    int allow_insecure_http; /**< passed to the clients (vo_twilio_options, vo_vapi_options): 0 refuses http:// to hosts other than loopback */
} vo_services_options;

#define VO_SERVICES_OPTIONS_INIT                                       \
  {                                                                    \
    VO_SERVICES_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, 0 \
  }

/**
 * Fill *ptr with the defaults of struct version `version` (as VO_SERVICES_OPTIONS_INIT), for bindings,
 * which cannot see macros. @return VO_OK, or VO_EINVAL for NULL or a version outside
 * 1..VO_SERVICES_OPTIONS_VERSION. Thread-safe; callable before vo_init().
 */
VO_EXTERN int vo_services_options_init(vo_services_options *ptr, unsigned int version);

/* ------------------------------------------------------------------------------------ */
/* Tenant onboarding                                                                    */
/* ------------------------------------------------------------------------------------ */

/**
 * Onboard a tenant: validate the given credentials against the providers first (Twilio:
 * fetch the account, which must be active; Vapi: a one-item `GET /assistant` with the API
 * key, skipped when the Vapi credentials hold webhook settings only), then create the
 * tenant if needed and store the credentials (`credentials/twilio`, `credentials/vapi`).
 * Nothing is stored unless every given credential validated. Audited: one
 * `onboard.validate` row per provider and one `onboard` row with the outcome.
 *
 * @param twilio  Twilio credentials or NULL; @param vapi  Vapi credentials or NULL; at
 *                least one is required. Both are only read.
 * @return VO_OK; VO_EINVAL (bad arguments, incomplete credentials); VO_EAUTH (a provider
 *         rejected the credentials: vo_error_last() says which); VO_EFORBIDDEN (Twilio
 *         account not active); remote errors of the validation (VO_ENETWORK,
 *         VO_EUNAVAILABLE, ...); vault errors.
 */
VO_EXTERN int vo_onboarding_run(vo_vault *vault, const char *tenant,
                                const vo_twilio_credentials *twilio,
                                const vo_vapi_credentials *vapi,
                                const vo_services_options *opts);

/* ------------------------------------------------------------------------------------ */
/* Number import, Twilio -> Vapi                                                        */
/* ------------------------------------------------------------------------------------ */

/** Outcome of one number in an import report. */
typedef enum vo_number_import_status {
    VO_NUMBER_IMPORTED = 0,        /**< imported into Vapi by this run */
    VO_NUMBER_ALREADY_PRESENT = 1, /**< Vapi already had this E.164 number: left alone */
    VO_NUMBER_FAILED = 2           /**< not imported: see the reason and error code */
} vo_number_import_status;

#define VO_NUMBER_IMPORT_OPTIONS_VERSION 1

/** What to set on each imported number. Zero fields are the defaults, so a zero-filled
 *  struct with only `version` set is the same as VO_NUMBER_IMPORT_OPTIONS_INIT. */
typedef struct vo_number_import_options {
    unsigned int version;     /**< VO_NUMBER_IMPORT_OPTIONS_VERSION */
    const char *assistant_id; /**< attach this Vapi assistant (UUID); NULL = none */
    const char *server_url;   /**< per-number server URL; NULL = none */
    int sms_enabled;          /**< 0 (default): `smsEnabled: false`, the Twilio messaging URL
                                  stays as it is; 1: Vapi takes over messaging */
} vo_number_import_options;

#define VO_NUMBER_IMPORT_OPTIONS_INIT               \
  {                                                 \
    VO_NUMBER_IMPORT_OPTIONS_VERSION, NULL, NULL, 0 \
  }

/**
 * Fill *ptr with the defaults of struct version `version` (as VO_NUMBER_IMPORT_OPTIONS_INIT), for bindings,
 * which cannot see macros. @return VO_OK, or VO_EINVAL for NULL or a version outside
 * 1..VO_NUMBER_IMPORT_OPTIONS_VERSION. Thread-safe; callable before vo_init().
 */
VO_EXTERN int vo_number_import_options_init(vo_number_import_options *ptr,
                                            unsigned int version);

typedef struct vo_number_import_report vo_number_import_report;

/**
 * Import the tenant's Twilio numbers into the tenant's Vapi org. Lists the Twilio numbers
 * (all pages) and the Vapi numbers (all pages), and imports each Twilio number whose E.164
 * form Vapi does not have yet, with the tenant's Twilio credentials from the vault.
 *
 * Idempotent: a second run finds every number present and imports nothing. A number that
 * fails is reported with its reason and left un-imported; the others are unaffected, so a
 * re-run completes the import. When an import request fails in a way that leaves its
 * outcome unknown (timeout, dropped connection, 5xx), the number is looked up in Vapi before
 * it is reported, so the report matches Vapi's state. Import requests are never resent.
 * Audited under one correlation id: `import.start`, one `import.number` row per number
 * (name = the number, result = imported / present / the VO_E* name) and `import.done`.
 *
 * @param out   receives the report (free with vo_number_import_report_free()), also when
 *              some numbers failed.
 * @param opts  NULL = VO_NUMBER_IMPORT_OPTIONS_INIT.
 * @return VO_OK when every number was looked at (check the report's failed count);
 *         VO_EINVAL; VO_ENOTFOUND (tenant without Twilio or Vapi credentials); the error of
 *         a failed listing (nothing imported then); vault errors.
 */
VO_EXTERN int vo_number_import_run(vo_number_import_report **out, vo_vault *vault,
                                   const char *tenant, const vo_number_import_options *opts,
                                   const vo_services_options *sopts);

/** Number of entries (one per Twilio number); 0 for NULL. */
VO_EXTERN size_t vo_number_import_report_count(const vo_number_import_report *r);
/** E.164 number of entry i; NULL when out of range. Owned by the report. */
VO_EXTERN const char *vo_number_import_report_number(const vo_number_import_report *r,
                                                     size_t i);
/** Twilio SID (PN...) of entry i; NULL when out of range. */
VO_EXTERN const char *vo_number_import_report_twilio_sid(const vo_number_import_report *r,
                                                         size_t i);
/** A vo_number_import_status; -1 when out of range. */
VO_EXTERN int vo_number_import_report_status(const vo_number_import_report *r, size_t i);
/** Vapi phone number id of entry i ("" when failed); NULL when out of range. */
VO_EXTERN const char *vo_number_import_report_vapi_id(const vo_number_import_report *r,
                                                      size_t i);
/** Why entry i failed ("" otherwise; never a secret); NULL when out of range. */
VO_EXTERN const char *vo_number_import_report_reason(const vo_number_import_report *r,
                                                     size_t i);
/** The VO_E* code of a failed entry (VO_OK otherwise); VO_ERANGE when out of range. */
VO_EXTERN int vo_number_import_report_error(const vo_number_import_report *r, size_t i);
/** Totals per status; 0 for NULL. */
VO_EXTERN size_t vo_number_import_report_imported(const vo_number_import_report *r);
/** Number of entries already present in Vapi (left alone); 0 for NULL. */
VO_EXTERN size_t vo_number_import_report_present(const vo_number_import_report *r);
/** Number of entries that failed (see their reasons); 0 for NULL. */
VO_EXTERN size_t vo_number_import_report_failed(const vo_number_import_report *r);
/** The run's correlation id (also in its audit rows); "" for NULL. */
VO_EXTERN const char *vo_number_import_report_correlation_id(const vo_number_import_report *r);
/**
 * Free a report. Accepts NULL.
 * Closing or freeing it twice, or passing a handle of another type, is reported
 * (VO_EHANDLE in vo_error_last() and an error log line) and ignored; later calls with it
 * give VO_EHANDLE (docs/handles.md).
 */
VO_EXTERN void vo_number_import_report_free(vo_number_import_report *r);

/* ------------------------------------------------------------------------------------ */
/* Per-tenant webhook routing                                                           */
/* ------------------------------------------------------------------------------------ */

/** Vault tenant that holds the routing index (created on first use). */
#define VO_ROUTING_TENANT "voiceops-routing"
/** Buffer size for a webhook token: "whk_" + 43 base64url characters + NUL. */
#define VO_ROUTING_TOKEN_SIZE 48
/** VO_ROUTING_TOKEN_SIZE at run time (for bindings). Thread-safe. */
VO_EXTERN size_t vo_routing_token_size(void);

/** The provider whose signature a routed webhook carries. */
typedef enum vo_webhook_provider {
    VO_WEBHOOK_TWILIO = 0, /**< X-Twilio-Signature with the tenant's auth token(s) */
    VO_WEBHOOK_VAPI = 1    /**< the tenant's Vapi secret / bearer / HMAC settings */
} vo_webhook_provider;

/**
 * Mint a new random webhook URL token for a tenant (32 random bytes, base64url, prefixed
 * "whk_"), to be put in the URL path the providers call (e.g. `/hooks/<token>/voice`).
 * Only a keyed hash (BLAKE2b keyed with a random routing key held in the vault) is stored;
 * the token itself is returned once and never stored. Minting again replaces the tenant's
 * previous token (the old one stops resolving). Audited (`webhook.token.mint`).
 *
 * @param out       receives the NUL-terminated token; at least VO_ROUTING_TOKEN_SIZE bytes.
 * @return VO_OK, VO_EINVAL, VO_ERANGE, VO_ENOTFOUND (no such tenant), vault errors.
 */
VO_EXTERN int vo_routing_token_mint(char *out, size_t out_size, vo_vault *vault,
                                    const char *tenant);

/**
 * Resolve a webhook token to its tenant. The lookup is by the token's keyed hash, so its
 * time does not depend on how much of a stored token an attacker guessed; the stored hash
 * is then compared in constant time.
 *
 * @param tenant_out  receives the tenant id (at least VO_VAULT_TENANT_MAX + 1 bytes).
 * @param token       the token as it came in the URL (untrusted).
 * @return VO_OK, VO_ENOTFOUND (unknown or replaced token), VO_EREQUEST (the token is not a
 *         well-formed webhook token: the sender's fault, answer 400), VO_EINVAL (NULL
 *         arguments: the caller's fault), VO_ERANGE, vault errors.
 */
VO_EXTERN int vo_routing_token_resolve(char *tenant_out, size_t tenant_size, vo_vault *vault,
                                       const char *token);

/**
 * Resolve a token and verify the request with that tenant's keys, in one call: Twilio
 * webhooks with the tenant's auth token and, during a rotation, its secondary token
 * (vo_webhook_twilio_verify_request()); Vapi webhooks with the tenant's Vapi webhook settings
 * (vo_webhook_vapi_verify()). There is no pass without a key: a tenant without the needed
 * credentials gives VO_EINVAL (reason VO_VERIFY_NO_KEY).
 *
 * Answer with vo_verify_http_status(rc, result): 404 for an unknown token, 400 for a
 * malformed one, 403 for a bad signature, 500 only for the server's own faults.
 *
 * @param tenant_out  may be NULL; receives the resolved tenant id (also when the signature
 *                    fails), at least VO_VAULT_TENANT_MAX + 1 bytes.
 * @param now         Unix seconds (time(NULL)); used by timestamped Vapi HMAC settings.
 * @param result      may be NULL; the verification details (which token matched, ...),
 *                    filled on every path as by the verify functions in webhook.h.
 * @return VO_OK (authentic); VO_EREQUEST (malformed token, VO_VERIFY_MALFORMED_TOKEN);
 *         VO_ENOTFOUND (unknown or replaced token, VO_VERIFY_UNKNOWN_TOKEN); VO_EAUTH /
 *         VO_EEXPIRED / VO_EPARSE / VO_ETOOBIG as the verify functions; VO_EINVAL (NULL
 *         arguments, unknown provider, no key: VO_VERIFY_INVALID_ARGUMENT / NO_KEY);
 *         VO_ERANGE (tenant buffer too small); VO_ENOTINIT (VO_VERIFY_NOT_INITIALIZED);
 *         vault errors (VO_VERIFY_INTERNAL_ERROR).
 */
VO_EXTERN VO_NODISCARD int vo_routing_verify(char *tenant_out, size_t tenant_size,
                                             vo_verify_result *result, vo_vault *vault,
                                             const char *token, vo_webhook_provider provider,
                                             const vo_webhook_request *request, int64_t now);

/* ------------------------------------------------------------------------------------ */
/* Twilio auth token rotation                                                           */
/* ------------------------------------------------------------------------------------ */

/** Where a tenant's Twilio auth token rotation stands (persisted in the vault). */
typedef enum vo_token_rotation_state {
    VO_ROTATION_IDLE = 0,     /**< no rotation in progress */
    VO_ROTATION_CREATING = 1, /**< a secondary token is being created */
    VO_ROTATION_WINDOW = 2,   /**< the secondary is stored; webhooks verify with both tokens */
    VO_ROTATION_PROMOTING = 3 /**< the secondary is being promoted to primary */
} vo_token_rotation_state;

/**
 * Step 1: create the Twilio secondary auth token and store it in the tenant's credentials
 * (`secondary_auth_token`): from then on vo_routing_verify() accepts webhooks signed
 * with either token. The state is persisted (`rotation/twilio`) before and after the
 * Twilio call, so a crashed run is resumed by calling this again (a secondary token whose
 * value was lost is deleted and created anew). Calling it in the window does nothing.
 * Audited (`rotation.begin`).
 * @return VO_OK, VO_EINVAL (credentials without an auth token), VO_ECONFLICT (promotion
 *         in progress: finish it first), VO_ENOTFOUND, remote and vault errors.
 */
VO_EXTERN int vo_token_rotation_begin(vo_vault *vault, const char *tenant,
                                      const vo_services_options *opts);

/**
 * Step 2: promote the secondary token to primary on Twilio and store it as the tenant's
 * only auth token; the old token stops verifying. Resumable: when a previous run stopped
 * after Twilio promoted but before the vault was updated, the old token no longer
 * authenticates, which is detected and the stored credentials are completed without a
 * second promotion. Audited (`rotation.promote`).
 * @return VO_OK, VO_ECONFLICT (no rotation window open), remote and vault errors.
 */
VO_EXTERN int vo_token_rotation_promote(vo_vault *vault, const char *tenant,
                                        const vo_services_options *opts);

/**
 * Abandon a rotation in the window: delete the secondary token on Twilio and from the
 * stored credentials. Audited (`rotation.abort`).
 * @return VO_OK, VO_ECONFLICT (not in the window), remote and vault errors.
 */
VO_EXTERN int vo_token_rotation_abort(vo_vault *vault, const char *tenant,
                                      const vo_services_options *opts);

/**
 * The tenant's rotation state (a vo_token_rotation_state) into *out.
 * @return VO_OK, VO_EINVAL, vault errors.
 */
VO_EXTERN int vo_token_rotation_get(int *out, vo_vault *vault, const char *tenant);

/* ------------------------------------------------------------------------------------ */
/* Webhook guard: verification and the seen-request store in one call                  */
/* ------------------------------------------------------------------------------------ */

/** Default retention of untimestamped schemes (Twilio, Vapi without a signed timestamp). */
#define VO_WEBHOOK_GUARD_RETENTION 86400
/** Default Twilio retry window: a repeat within it that carries the first delivery's
 *  `I-Twilio-Idempotency-Token` is a retry. */
#define VO_WEBHOOK_GUARD_RETRY_WINDOW 300
/** Largest retention and retry window accepted (seconds, 31 days). */
#define VO_WEBHOOK_GUARD_MAX_SECONDS (31 * 86400)

/**
 * Options of the webhook guard. Every field 0 means its default, so a zero-filled struct
 * with only `version` set (and NULL options) is the same as VO_WEBHOOK_GUARD_OPTIONS_INIT.
 */
typedef struct vo_webhook_guard_options {
    unsigned int version;         /**< VO_WEBHOOK_GUARD_OPTIONS_VERSION (1..current accepted) */
    int64_t retention_seconds;    /**< how long a sighting is remembered. 0 = the scheme's
                                   default: VO_WEBHOOK_GUARD_RETENTION (24 h) for Twilio and
                                   Vapi without a signed timestamp; for timestamped schemes
                                   (Standard Webhooks, Vapi HMAC) until the signed timestamp
                                   leaves the tolerance, after which the timestamp check
                                   refuses the request anyway. Non-zero: at least this long
                                   from now (e.g. a sender's whole retry schedule, so that
                                   late retries are still recognised). 1..31 days. */
    int64_t retry_window_seconds; /**< Twilio: 0 = VO_WEBHOOK_GUARD_RETRY_WINDOW (300 s);
                                      1..31 days */
} vo_webhook_guard_options;

#define VO_WEBHOOK_GUARD_OPTIONS_VERSION 1
#define VO_WEBHOOK_GUARD_OPTIONS_INIT      \
  {                                        \
    VO_WEBHOOK_GUARD_OPTIONS_VERSION, 0, 0 \
  }

/**
 * Fill *opts with the defaults of struct version `version` (as
 * VO_WEBHOOK_GUARD_OPTIONS_INIT), for bindings. Thread-safe; callable before vo_init().
 * @return VO_OK, or VO_EINVAL for NULL or a version outside 1..VO_WEBHOOK_GUARD_OPTIONS_VERSION.
 */
VO_EXTERN int vo_webhook_guard_options_init(vo_webhook_guard_options *opts,
                                            unsigned int version);

/**
 * Verify a Twilio webhook (as vo_webhook_twilio_verify_request()) and, when it is
 * authentic, record it in the vault's seen-request store, in one call. Every process and
 * server that opens the same vault shares the store, so a retry that lands on another
 * replica is still recognised. A request that fails verification is never recorded.
 *
 * Twilio signs no timestamp and does not sign the `I-Twilio-Idempotency-Token` header, so
 * the entry is keyed by a digest of what is signed: the X-Twilio-Signature value and the
 * body (one signature covers one URL and one set of parameters). The token is kept (as a
 * keyed digest) to tell a retry from a replay: a repeat within retry_window_seconds of the
 * first sighting that carries the same token is a provider retry (VO_EDUPLICATE, reason
 * VO_VERIFY_DUPLICATE, answer 200 and do not act again); any other repeat within the
 * retention is a replay (VO_EAUTH, reason VO_VERIFY_REPLAY, answer 403). See
 * docs/webhooks.md for what this does and does not protect against.
 *
 * @param result  may be NULL; a version-2 result also gets `seen` (vo_verify_seen) and
 *                `seen_at_ms` (when the first sighting was recorded).
 * @param vault   the vault holding the store (shared by every server).
 * @param tenant  whose webhook this is (entries are per tenant).
 * @param guard   NULL for the defaults.
 * @param opts, auth_tokens, token_count, request  as vo_webhook_twilio_verify_request().
 * @param now     the current Unix time in seconds (time(NULL)); a parameter for tests.
 * @return VO_OK (authentic, first sighting: act on it); VO_EDUPLICATE (a retry: answer 200,
 *         do nothing); VO_EAUTH with VO_VERIFY_REPLAY (a replay: 403); the codes of the
 *         verify function; VO_EINVAL (NULL vault, tenant or request, bad tenant id or
 *         options); vault errors (VO_EBUSY, VO_ESTORAGE: reason VO_VERIFY_INTERNAL_ERROR,
 *         500, so that the provider retries later). vo_verify_http_status() maps each.
 *         Thread-safe.
 */
VO_EXTERN VO_NODISCARD int vo_webhook_guard_twilio(
    vo_verify_result *result, vo_vault *vault, const char *tenant,
    const vo_webhook_guard_options *guard, const vo_webhook_twilio_options *opts,
    const char *const *auth_tokens, size_t token_count, const vo_webhook_request *request,
    int64_t now);

/**
 * Verify a Standard Webhooks request (as vo_webhook_std_verify_request()) and record it in
 * the seen-request store. The entry is keyed by the signed `webhook-id`: a repeat with the
 * same id but a new signature or timestamp is the sender's retry (VO_EDUPLICATE, 200); the
 * same id with the same timestamp and signature is a replay of one delivery (VO_EAUTH,
 * VO_VERIFY_REPLAY, 403). A replay after the tolerance is refused by its timestamp
 * (VO_EEXPIRED) before the store is consulted.
 *
 * @param result, vault, tenant, guard, now  as vo_webhook_guard_twilio().
 * @param secrets, secret_count, request      as vo_webhook_std_verify_request().
 * @return as vo_webhook_guard_twilio(), with the codes of vo_webhook_std_verify_request().
 */
VO_EXTERN VO_NODISCARD int vo_webhook_guard_std(vo_verify_result *result, vo_vault *vault,
                                                const char *tenant,
                                                const vo_webhook_guard_options *guard,
                                                const char *const *secrets, size_t secret_count,
                                                const vo_webhook_request *request, int64_t now);

/**
 * Verify a request to a Vapi server URL (as vo_webhook_vapi_verify()) and record it in the
 * seen-request store. HMAC credentials whose template signs `{svix-id}`: keyed by the
 * message id, as Standard Webhooks (a new signature is a retry, the same one a replay).
 * Other HMAC templates: keyed by the signature and body; a repeat is a replay when the
 * timestamp is signed (a retry would be signed anew), else a duplicate. Shared secrets and
 * bearer tokens: keyed by the body; a repeat is a duplicate (the secret travels in every
 * request, so whoever can replay one can forge any: the guard only deduplicates here).
 *
 * @param result, vault, tenant, guard, now        as vo_webhook_guard_twilio().
 * @param opts, secrets, secret_count, request     as vo_webhook_vapi_verify().
 * @return as vo_webhook_guard_twilio(), with the codes of vo_webhook_vapi_verify().
 */
VO_EXTERN VO_NODISCARD int vo_webhook_guard_vapi(
    vo_verify_result *result, vo_vault *vault, const char *tenant,
    const vo_webhook_guard_options *guard, const vo_webhook_vapi_options *opts,
    const char *const *secrets, size_t secret_count, const vo_webhook_request *request,
    int64_t now);

/**
 * vo_routing_verify() with the webhook guard: resolve the URL token, verify the request with
 * that tenant's keys, and record it in the seen-request store (as vo_webhook_guard_twilio()
 * for VO_WEBHOOK_TWILIO, vo_webhook_guard_vapi() with the tenant's Vapi webhook settings for
 * VO_WEBHOOK_VAPI), in one call.
 *
 * @param guard  NULL for the defaults (vo_webhook_guard_options).
 * @param tenant_out, tenant_size, result, vault, token, provider, request, now  as
 *               vo_routing_verify().
 * @return as vo_routing_verify(), plus VO_EDUPLICATE (a provider retry: answer 200, do not
 *         act) and VO_EAUTH with VO_VERIFY_REPLAY (403); vo_verify_http_status() maps each.
 */
VO_EXTERN VO_NODISCARD int vo_routing_guard(char *tenant_out, size_t tenant_size,
                                            vo_verify_result *result, vo_vault *vault,
                                            const vo_webhook_guard_options *guard,
                                            const char *token, vo_webhook_provider provider,
                                            const vo_webhook_request *request, int64_t now);

#ifdef __cplusplus
}
#endif

#endif /* VOICEOPS_SERVICES_H */
