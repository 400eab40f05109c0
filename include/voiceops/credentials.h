/**
 * @file voiceops/credentials.h
 * @brief Typed provider credentials (Twilio, Vapi, SMTP) and their storage in the vault.
 *
 * Typed credentials are stored as vault secrets named `credentials/twilio`,
 * `credentials/vapi` and `credentials/smtp` holding a JSON document; they are versioned,
 * audited and rotated like any secret. The vault itself stores them as opaque values: this
 * module is the only one that knows their shape.
 *
 * This header compiles alone as C99 and C++.
 */
#ifndef VOICEOPS_CREDENTIALS_H
#define VOICEOPS_CREDENTIALS_H

#include "common.h"
#include "vault.h"
#include "webhook.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Credential objects keep their strings in guarded memory, wiped on free.
 * Setters copy their argument and validate its shape (VO_EINVAL with a message naming the
 * field); *_validate() checks the combination. Getters return NULL for unset fields and
 * pointers valid until the next setter on that field or the free.
 * Credential objects are not thread-safe; use one per thread.
 */

/** Secret names under which typed credentials are stored. */
#define VO_CREDENTIALS_TWILIO_NAME "credentials/twilio"
#define VO_CREDENTIALS_VAPI_NAME "credentials/vapi"
#define VO_CREDENTIALS_SMTP_NAME "credentials/smtp"

typedef struct vo_twilio_credentials vo_twilio_credentials;

/** Create empty Twilio credentials (free with vo_twilio_credentials_free()). @return VO_OK, VO_EINVAL, VO_ENOMEM, VO_ENOTINIT. */
VO_EXTERN int vo_twilio_credentials_new(vo_twilio_credentials **out);
/**
 * Wipe and free. Accepts NULL.
 * Closing or freeing it twice, or passing a handle of another type, is reported
 * (VO_EHANDLE in vo_error_last() and an error log line) and ignored; later calls with it
 * give VO_EHANDLE (docs/handles.md).
 */
VO_EXTERN void vo_twilio_credentials_free(vo_twilio_credentials *c);
/** `AC` + 32 hex digits. */
VO_EXTERN int vo_twilio_credentials_set_account_sid(vo_twilio_credentials *c, const char *sid);
/** 32 hex digits. NULL clears. */
VO_EXTERN int vo_twilio_credentials_set_auth_token(vo_twilio_credentials *c, const char *token);
/** API key: `SK` + 32 hex digits and its secret (16-128 letters/digits). NULLs clear. */
VO_EXTERN int vo_twilio_credentials_set_api_key(vo_twilio_credentials *c, const char *key_sid,
                                                const char *key_secret);
/** Secondary auth token during auth-token rotation (32 hex digits). NULL clears. */
VO_EXTERN int vo_twilio_credentials_set_secondary_auth_token(vo_twilio_credentials *c,
                                                             const char *token);
/** Region such as `us1`, `ie1`, `au1` (2-16 lowercase letters/digits). NULL clears. */
VO_EXTERN int vo_twilio_credentials_set_region(vo_twilio_credentials *c, const char *region);
/** Edge such as `ashburn`, `dublin`, `sydney` (2-32 of `a-z -`). NULL clears. */
VO_EXTERN int vo_twilio_credentials_set_edge(vo_twilio_credentials *c, const char *edge);
/** Getters: the field, or NULL when unset (token and secret fields point into guarded memory). */
VO_EXTERN const char *vo_twilio_credentials_account_sid(const vo_twilio_credentials *c);
/** The auth token (guarded memory), or NULL when unset. */
VO_EXTERN const char *vo_twilio_credentials_auth_token(const vo_twilio_credentials *c);
/** The API key SID (`SK...`), or NULL when unset. */
VO_EXTERN const char *vo_twilio_credentials_api_key_sid(const vo_twilio_credentials *c);
/** The API key secret (guarded memory), or NULL when unset. */
VO_EXTERN const char *vo_twilio_credentials_api_key_secret(const vo_twilio_credentials *c);
/** The secondary auth token of a rotation (guarded memory), or NULL when unset. */
VO_EXTERN const char *vo_twilio_credentials_secondary_auth_token(
    const vo_twilio_credentials *c);
/** The region (`ie1`, ...), or NULL when unset. */
VO_EXTERN const char *vo_twilio_credentials_region(const vo_twilio_credentials *c);
/** The edge (`dublin`, ...), or NULL when unset. */
VO_EXTERN const char *vo_twilio_credentials_edge(const vo_twilio_credentials *c);
/**
 * Check the combination: an account SID and an auth token or an API key (or both); a
 * secondary token only with a primary one.
 * @return VO_OK or VO_EINVAL naming the missing field.
 */
VO_EXTERN int vo_twilio_credentials_validate(const vo_twilio_credentials *c);
/** Validate and store as the tenant's `credentials/twilio` secret (check-and-set as
 *  vo_vault_secret_put()). */
VO_EXTERN int vo_twilio_credentials_put(int64_t *out_version, vo_vault *vault,
                                        const char *tenant, const vo_twilio_credentials *c,
                                        int64_t expected_version);
/**
 * Read and parse the tenant's Twilio credentials (`credentials/twilio`); the read is audited by the
 * vault.
 * @param out          receives the credentials; free with vo_twilio_credentials_free().
 * @param out_version  may be NULL; receives the version read, for a check-and-set
 *                     vo_twilio_credentials_put() of an update.
 * @return VO_OK, VO_ENOTFOUND (no such tenant or no credentials), VO_EPARSE (the stored
 *         document is not valid credentials), vault errors (VO_ECRYPTO, VO_ESTORAGE, ...).
 */
VO_EXTERN int vo_twilio_credentials_get(vo_twilio_credentials **out, int64_t *out_version,
                                        vo_vault *vault, const char *tenant);

typedef struct vo_vapi_credentials vo_vapi_credentials;

/** Create empty Vapi credentials (free with vo_vapi_credentials_free()). @return VO_OK, VO_EINVAL, VO_ENOMEM, VO_ENOTINIT. */
VO_EXTERN int vo_vapi_credentials_new(vo_vapi_credentials **out);
/**
 * Wipe and free. Accepts NULL.
 * Closing or freeing it twice, or passing a handle of another type, is reported
 * (VO_EHANDLE in vo_error_last() and an error log line) and ignored; later calls with it
 * give VO_EHANDLE (docs/handles.md).
 */
VO_EXTERN void vo_vapi_credentials_free(vo_vapi_credentials *c);
/** Vapi private API key (8-256 printable ASCII characters, no spaces). */
VO_EXTERN int vo_vapi_credentials_set_api_key(vo_vapi_credentials *c, const char *api_key);
/**
 * Webhook verification settings: how the tenant's server URL is protected and the secret
 * (shared secret, bearer token or HMAC key). Copies every field of opts (NULL = defaults;
 * zero fields mean the defaults as in vo_webhook_vapi_verify(): tolerance 0 is stored as 300);
 * the secret is required (1-512 bytes, no NUL).
 * @return VO_OK or VO_EINVAL (options version 0 or unknown, bad type/algorithm/encoding,
 *         header names not tokens, tolerance < 0).
 */
VO_EXTERN int vo_vapi_credentials_set_webhook(vo_vapi_credentials *c,
                                              const vo_webhook_vapi_options *opts,
                                              const char *secret);
/** The private API key, or NULL when unset. */
VO_EXTERN const char *vo_vapi_credentials_api_key(const vo_vapi_credentials *c);
/** The webhook secret, or NULL when no webhook settings are set. */
VO_EXTERN const char *vo_vapi_credentials_webhook_secret(const vo_vapi_credentials *c);
/** The webhook auth type (a vo_webhook_vapi_auth), or -1 when no webhook settings are set. */
VO_EXTERN int vo_vapi_credentials_webhook_type(const vo_vapi_credentials *c);
/**
 * Fill *out with the webhook verification options (string fields point into c) for
 * vo_webhook_vapi_verify(). *out is an output struct: set its version first
 * (VO_WEBHOOK_VAPI_OPTIONS_INIT or vo_webhook_vapi_options_init()); only the fields of that
 * version are written. A document stored without the bearer-prefix or timestamp setting
 * reads as the secure choice (prefix required, timestamp signed).
 * @return VO_OK, VO_EINVAL (NULL, version 0 or unknown), VO_ENOTFOUND when no webhook
 *         settings.
 */
VO_EXTERN int vo_vapi_credentials_webhook_options(vo_webhook_vapi_options *out,
                                                  const vo_vapi_credentials *c);
/** At least an API key or webhook settings. */
VO_EXTERN int vo_vapi_credentials_validate(const vo_vapi_credentials *c);
/** Validate and store as the tenant's `credentials/vapi` secret (check-and-set as vo_vault_secret_put()). */
VO_EXTERN int vo_vapi_credentials_put(int64_t *out_version, vo_vault *vault, const char *tenant,
                                      const vo_vapi_credentials *c, int64_t expected_version);
/**
 * Read and parse the tenant's Vapi credentials (`credentials/vapi`); the read is audited by the
 * vault.
 * @param out          receives the credentials; free with vo_vapi_credentials_free().
 * @param out_version  may be NULL; receives the version read, for a check-and-set
 *                     vo_vapi_credentials_put() of an update.
 * @return VO_OK, VO_ENOTFOUND (no such tenant or no credentials), VO_EPARSE (the stored
 *         document is not valid credentials), vault errors (VO_ECRYPTO, VO_ESTORAGE, ...).
 */
VO_EXTERN int vo_vapi_credentials_get(vo_vapi_credentials **out, int64_t *out_version,
                                      vo_vault *vault, const char *tenant);

/** TLS mode of an SMTP connection. */
typedef enum vo_smtp_tls {
    VO_SMTP_TLS_STARTTLS = 0, /**< plain connection upgraded with STARTTLS (required) */
    VO_SMTP_TLS_IMPLICIT = 1, /**< TLS from the first byte (port 465) */
    VO_SMTP_TLS_NONE = 2      /**< no TLS (local relays only) */
} vo_smtp_tls;

typedef struct vo_smtp_credentials vo_smtp_credentials;

/** Create SMTP credentials (port 587, STARTTLS; free with vo_smtp_credentials_free()). @return VO_OK, VO_EINVAL, VO_ENOMEM, VO_ENOTINIT. */
VO_EXTERN int vo_smtp_credentials_new(vo_smtp_credentials **out);
/**
 * Wipe and free. Accepts NULL.
 * Closing or freeing it twice, or passing a handle of another type, is reported
 * (VO_EHANDLE in vo_error_last() and an error log line) and ignored; later calls with it
 * give VO_EHANDLE (docs/handles.md).
 */
VO_EXTERN void vo_smtp_credentials_free(vo_smtp_credentials *c);
/** Host name or IP literal (1-253 of `A-Z a-z 0-9 . - : [ ]`). */
VO_EXTERN int vo_smtp_credentials_set_host(vo_smtp_credentials *c, const char *host);
/** 1-65535. Default 587. */
VO_EXTERN int vo_smtp_credentials_set_port(vo_smtp_credentials *c, int port);
/** 1-256 printable characters. NULL clears. */
VO_EXTERN int vo_smtp_credentials_set_username(vo_smtp_credentials *c, const char *username);
/** 1-1024 bytes, no NUL. NULL clears. */
VO_EXTERN int vo_smtp_credentials_set_password(vo_smtp_credentials *c, const char *password);
/** A vo_smtp_tls value. Default STARTTLS. */
VO_EXTERN int vo_smtp_credentials_set_tls(vo_smtp_credentials *c, int tls_mode);
/** Host, or NULL when unset. */
VO_EXTERN const char *vo_smtp_credentials_host(const vo_smtp_credentials *c);
/** Port; 0 for NULL. */
VO_EXTERN int vo_smtp_credentials_port(const vo_smtp_credentials *c);
/** Username, or NULL when unset. */
VO_EXTERN const char *vo_smtp_credentials_username(const vo_smtp_credentials *c);
/** Password (guarded memory), or NULL when unset. */
VO_EXTERN const char *vo_smtp_credentials_password(const vo_smtp_credentials *c);
/** TLS mode (a vo_smtp_tls); -1 for NULL. */
VO_EXTERN int vo_smtp_credentials_tls(const vo_smtp_credentials *c);
/** A host; a password only with a username and vice versa. */
VO_EXTERN int vo_smtp_credentials_validate(const vo_smtp_credentials *c);
/** Validate and store as the tenant's `credentials/smtp` secret (check-and-set as vo_vault_secret_put()). */
VO_EXTERN int vo_smtp_credentials_put(int64_t *out_version, vo_vault *vault, const char *tenant,
                                      const vo_smtp_credentials *c, int64_t expected_version);
/**
 * Read and parse the tenant's SMTP credentials (`credentials/smtp`); the read is audited by the
 * vault.
 * @param out          receives the credentials; free with vo_smtp_credentials_free().
 * @param out_version  may be NULL; receives the version read, for a check-and-set
 *                     vo_smtp_credentials_put() of an update.
 * @return VO_OK, VO_ENOTFOUND (no such tenant or no credentials), VO_EPARSE (the stored
 *         document is not valid credentials), vault errors (VO_ECRYPTO, VO_ESTORAGE, ...).
 */
VO_EXTERN int vo_smtp_credentials_get(vo_smtp_credentials **out, int64_t *out_version,
                                      vo_vault *vault, const char *tenant);

#ifdef __cplusplus
}
#endif

#endif /* VOICEOPS_CREDENTIALS_H */
