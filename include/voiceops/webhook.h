/**
 * @file voiceops/webhook.h
 * @brief Webhook signature verification: Twilio, Vapi, Standard Webhooks; form bodies.
 *
 * Verification takes what an HTTP handler really has: the public URL the provider called,
 * the request headers, the raw body bytes and the content type. The library parses
 * `application/x-www-form-urlencoded` bodies itself, so every language binding agrees.
 *
 * Verification is mandatory by construction: there is no "skip when no key is configured"
 * path. Passing no key is an error (VO_EINVAL, reason VO_VERIFY_NO_KEY), never a pass.
 * All comparisons of signatures and hashes are constant-time.
 *
 * Return codes shared by every verify function:
 * - VO_OK: the request is authentic;
 * - VO_EAUTH: the request is not authentic (missing, empty, malformed or wrong signature,
 *   body hash mismatch, missing timestamp) - answer 403;
 * - VO_EEXPIRED: a correctly formed timestamp lies outside the tolerance (replay) - 403;
 * - VO_EPARSE: the body is not a valid form body (reason VO_VERIFY_MALFORMED_BODY) - 400;
 * - VO_ETOOBIG: the body exceeds the size limit (reason VO_VERIFY_BODY_TOO_LARGE) - 413;
 * - VO_EINVAL: the caller's configuration or arguments are wrong (no key, NULL URL,
 *   malformed URL or secret) - a server-side bug, answer 500;
 * - VO_ENOTINIT before vo_init(), VO_ENOMEM, VO_ECRYPTO on crypto library failure.
 * The optional vo_verify_result says exactly why, and on success which key matched.
 *
 * All functions here are thread-safe and keep no state between calls.
 */
#ifndef VOICEOPS_WEBHOOK_H
#define VOICEOPS_WEBHOOK_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Default and hard cap for the body size verification accepts (bytes). */
#define VO_WEBHOOK_DEFAULT_MAX_BODY (4u * 1024u * 1024u)
/** Maximum number of parameters accepted in a form body. */
#define VO_FORM_MAX_PARAMS 4096

/** VO_WEBHOOK_DEFAULT_MAX_BODY at run time (for bindings). Thread-safe. */
VO_EXTERN size_t vo_webhook_max_body(void);
/** VO_FORM_MAX_PARAMS at run time (for bindings). Thread-safe. */
VO_EXTERN size_t vo_form_max_params(void);

/** Why a verification failed (or VO_VERIFY_OK). Values are part of the ABI. */
typedef enum vo_verify_reason {
    VO_VERIFY_OK = 0,
    VO_VERIFY_MISSING_SIGNATURE = 1,   /**< no signature header at all */
    VO_VERIFY_EMPTY_SIGNATURE = 2,     /**< the signature header is present but empty */
    VO_VERIFY_MALFORMED_SIGNATURE = 3, /**< not a signature of the expected encoding/size */
    VO_VERIFY_NO_KEY = 4,              /**< no token / secret was given to verify with */
    VO_VERIFY_MISMATCH = 5,            /**< well-formed, but no key and URL form matches */
    VO_VERIFY_BODY_HASH_MISMATCH = 6,  /**< Twilio: signature ok, bodySHA256 != sha256(body) */
    VO_VERIFY_MISSING_BODY_HASH = 7,   /**< Twilio: non-form body, URL has no bodySHA256 */
    VO_VERIFY_MALFORMED_BODY = 8,      /**< the form body is not valid url-encoding */
    VO_VERIFY_BODY_TOO_LARGE = 9,      /**< the body exceeds the size limit */
    VO_VERIFY_MALFORMED_URL = 10,      /**< the URL given by the caller cannot be used */
    VO_VERIFY_MISSING_TIMESTAMP = 11,  /**< a timestamped scheme without its timestamp */
    VO_VERIFY_MALFORMED_TIMESTAMP = 12,/**< the timestamp is not only digits / overflows */
    VO_VERIFY_TIMESTAMP_TOO_OLD = 13,  /**< older than the tolerance */
    VO_VERIFY_TIMESTAMP_TOO_NEW = 14,  /**< further in the future than the tolerance */
    VO_VERIFY_MISSING_ID = 15,         /**< Standard Webhooks: no webhook-id */
    VO_VERIFY_INVALID_ARGUMENT = 16,   /**< NULL or invalid argument / option / secret */
    VO_VERIFY_INTERNAL_ERROR = 17      /**< out of memory or crypto library failure */
} vo_verify_reason;

/** The URL forms tried by Twilio verification, in order. */
typedef enum vo_webhook_twilio_url_form {
    VO_WEBHOOK_TWILIO_URL_AS_GIVEN = 0,                /**< the URL exactly as given */
    VO_WEBHOOK_TWILIO_URL_PORT_TOGGLED = 1,            /**< default port added, or port removed */
    VO_WEBHOOK_TWILIO_URL_LEGACY_QUERY = 2,            /**< as given, query re-encoded the legacy way */
    VO_WEBHOOK_TWILIO_URL_LEGACY_QUERY_PORT_TOGGLED = 3/**< port toggled and legacy query */
} vo_webhook_twilio_url_form;

/** Outcome details of a verification. Filled on success and on failure. */
typedef struct vo_verify_result {
    vo_verify_reason reason;  /**< VO_VERIFY_OK on success */
    int key_index;            /**< index of the token/secret that matched, else -1 */
    int url_form;             /**< Twilio: the vo_webhook_twilio_url_form that matched, else -1 */
    int signature_index;      /**< index of the matching signature in a list, else -1 */
    int forms_tried;          /**< Twilio: distinct URL forms computed (0 if none) */
    int64_t timestamp;        /**< timestamped schemes: the timestamp in seconds, else 0 */
} vo_verify_result;

/** Short stable name of a reason ("mismatch", "missing_signature", ...); never NULL. */
VO_EXTERN const char *vo_verify_reason_name(vo_verify_reason reason);

/**
 * An incoming HTTP request as a handler sees it. Header names are matched
 * case-insensitively. The library reads these fields during the call only.
 */
typedef struct vo_webhook_request {
    unsigned int version;        /**< VO_WEBHOOK_REQUEST_VERSION */
    const char *method;          /**< "POST", "GET", ... (needed by templates using {method}) */
    const char *url;             /**< the full public URL the provider called */
    const vo_param *headers;     /**< request headers */
    size_t header_count;
    const unsigned char *body;   /**< raw body bytes; may be NULL when body_len is 0 */
    size_t body_len;
} vo_webhook_request;

#define VO_WEBHOOK_REQUEST_VERSION 1
#define VO_WEBHOOK_REQUEST_INIT { VO_WEBHOOK_REQUEST_VERSION, NULL, NULL, NULL, 0, NULL, 0 }

/**
 * Fill *req with an empty request of struct version `version` (as VO_WEBHOOK_REQUEST_INIT).
 * @return VO_OK, or VO_EINVAL for NULL or a version outside 1..VO_WEBHOOK_REQUEST_VERSION.
 */
VO_EXTERN int vo_webhook_request_init(vo_webhook_request *req, unsigned int version);

/* ------------------------------------------------------------------------------------ */
/* Form bodies                                                                          */
/* ------------------------------------------------------------------------------------ */

/** A parsed application/x-www-form-urlencoded body. */
typedef struct vo_form vo_form;

/**
 * Parse a form body: pairs separated by `&`, name and value separated by the first `=`,
 * `+` decoded to a space, `%XX` decoded (either hex case). Repeated names are kept in order;
 * a pair without `=` has an empty value; empty segments (`a=1&&b=2`) are skipped.
 * Rejected (VO_EPARSE): an invalid escape (`%`, `%4`, `%zz`), an escaped NUL (`%00`), a raw
 * NUL byte, more than VO_FORM_MAX_PARAMS pairs. VO_ETOOBIG above VO_WEBHOOK_DEFAULT_MAX_BODY.
 *
 * @param out   receives the parsed form; free it with vo_form_free().
 * @param body  the raw bytes (not NUL-terminated); may be NULL when len is 0.
 */
VO_EXTERN int vo_form_parse(vo_form **out, const char *body, size_t len);
/** Number of pairs; 0 for NULL. */
VO_EXTERN size_t vo_form_count(const vo_form *form);
/** Decoded name of pair i, or NULL when out of range. Valid until vo_form_free(). */
VO_EXTERN const char *vo_form_name(const vo_form *form, size_t i);
/** Decoded value of pair i, or NULL when out of range. */
VO_EXTERN const char *vo_form_value(const vo_form *form, size_t i);
/** First value of the named pair, or NULL when absent. */
VO_EXTERN const char *vo_form_get(const vo_form *form, const char *name);
/**
 * Release a parsed form. Accepts NULL.
 * Closing or freeing it twice, or passing a handle of another type, is reported
 * (VO_EHANDLE in vo_error_last() and an error log line) and ignored; later calls with it
 * give VO_EHANDLE (docs/handles.md).
 */
VO_EXTERN void vo_form_free(vo_form *form);

/* ------------------------------------------------------------------------------------ */
/* Twilio (X-Twilio-Signature)                                                          */
/* ------------------------------------------------------------------------------------ */

/** Size of a buffer for a Twilio signature: 28 base64 characters and the NUL. */
#define VO_WEBHOOK_TWILIO_SIGNATURE_SIZE 29
/** VO_WEBHOOK_TWILIO_SIGNATURE_SIZE at run time (for bindings). */
VO_EXTERN size_t vo_webhook_twilio_signature_size(void);

/**
 * Compute Twilio's signature: base64(HMAC-SHA1(auth_token, url + sorted params)).
 * Parameters are sorted by name in byte order; a repeated name contributes each of its
 * distinct values in byte order. The URL is used byte for byte as given. For a JSON body,
 * put `bodySHA256=<hex>` (see vo_webhook_twilio_body_sha256()) in the URL and pass no params.
 *
 * @param out        receives the NUL-terminated 28-character signature.
 * @param out_size   at least VO_WEBHOOK_TWILIO_SIGNATURE_SIZE.
 * @param params     may be NULL when param_count is 0; every name and value must be non-NULL.
 * @return VO_OK, VO_EINVAL (also for a URL that is not absolute, see vo_webhook_twilio_verify()),
 *         VO_ERANGE, VO_ENOTINIT, VO_ENOMEM, VO_ECRYPTO.
 */
VO_EXTERN int vo_webhook_twilio_sign(char *out, size_t out_size, const char *auth_token,
                                  const char *url, const vo_param *params, size_t param_count);

/**
 * Verify an X-Twilio-Signature.
 *
 * The body is interpreted by content_type: `application/x-www-form-urlencoded` (parameters
 * after `;` ignored, case-insensitive) is parsed into the signed parameters. Any other
 * (non-empty) content type, or a non-empty body without a content type, is treated as a
 * JSON-style body: the URL must carry `bodySHA256`, the URL alone is signed, and the hash
 * of the body is checked too; without `bodySHA256` the request is rejected
 * (VO_VERIFY_MISSING_BODY_HASH). A request without body and content type (GET callbacks)
 * is verified over the URL alone.
 *
 * URL forms are tried in order, skipping byte-identical repeats: as given; with the
 * scheme's default port added (443/80) or, when a port is present, removed; then both with
 * the query re-encoded the legacy way. User info is kept in every form; nothing is
 * case-folded. Each token is tried in order (primary, then secondary during rotation).
 *
 * @param auth_tokens  array of token_count auth tokens (NULL or empty entries are invalid).
 * @param signature    the X-Twilio-Signature header value, or NULL when absent.
 * @param content_type the Content-Type header value, or NULL when absent.
 * @param body         raw body bytes (NULL allowed when body_len is 0).
 * @param result       may be NULL.
 * @return VO_OK when valid, VO_EAUTH when no token matches; other codes as listed above.
 */
VO_EXTERN int vo_webhook_twilio_verify(vo_verify_result *result, const char *const *auth_tokens,
                               size_t token_count, const char *url, const char *signature,
                               const char *content_type, const unsigned char *body,
                               size_t body_len);

/**
 * Options for vo_webhook_twilio_verify_request(). Every field 0 means the default, so a zero-filled
 * struct with only `version` set is the same as VO_WEBHOOK_TWILIO_OPTIONS_INIT.
 */
typedef struct vo_webhook_twilio_options {
    unsigned int version;   /**< VO_WEBHOOK_TWILIO_OPTIONS_VERSION (1..current accepted) */
    size_t max_body;        /**< 0 = VO_WEBHOOK_DEFAULT_MAX_BODY; larger values are capped */
    int exact_url_only;     /**< 0 (default): try the URL forms listed at vo_webhook_twilio_verify()
                                 (port added/removed, legacy query); non-zero: the URL as
                                 given only */
} vo_webhook_twilio_options;

#define VO_WEBHOOK_TWILIO_OPTIONS_VERSION 1
#define VO_WEBHOOK_TWILIO_OPTIONS_INIT { VO_WEBHOOK_TWILIO_OPTIONS_VERSION, 0, 0 }

/**
 * Fill *opts with the defaults of struct version `version` (as
 * VO_WEBHOOK_TWILIO_OPTIONS_INIT). @return VO_OK, or VO_EINVAL for NULL or a version outside
 * 1..VO_WEBHOOK_TWILIO_OPTIONS_VERSION.
 */
VO_EXTERN int vo_webhook_twilio_options_init(vo_webhook_twilio_options *opts,
                                            unsigned int version);

/**
 * Verify a Twilio webhook from a whole request: the signature comes from the
 * `X-Twilio-Signature` header and the content type from `Content-Type`. A header given
 * twice with different values makes the signature malformed.
 * @param opts  NULL for defaults; version 0 or unknown gives VO_EINVAL
 *              (reason VO_VERIFY_INVALID_ARGUMENT).
 */
VO_EXTERN int vo_webhook_twilio_verify_request(vo_verify_result *result,
                                       const vo_webhook_twilio_options *opts,
                                       const char *const *auth_tokens, size_t token_count,
                                       const vo_webhook_request *request);

/**
 * Lowercase hex SHA-256 of a body, as Twilio puts it in the `bodySHA256` query parameter.
 * @param out  at least 65 bytes.
 */
VO_EXTERN int vo_webhook_twilio_body_sha256(char *out, size_t out_size, const unsigned char *body,
                                    size_t body_len);

/* ------------------------------------------------------------------------------------ */
/* Vapi server messages                                                                 */
/* ------------------------------------------------------------------------------------ */

typedef enum vo_webhook_vapi_auth {
    VO_WEBHOOK_VAPI_SECRET = 0,  /**< shared secret in a header (default `x-vapi-secret`) */
    VO_WEBHOOK_VAPI_BEARER = 1,  /**< token in a header (default `Authorization`), `Bearer ` prefix */
    VO_WEBHOOK_VAPI_HMAC = 2     /**< HMAC credential: signature + timestamp headers */
} vo_webhook_vapi_auth;

typedef enum vo_hmac_algorithm {
    VO_HMAC_SHA256 = 0,
    VO_HMAC_SHA1 = 1,
    VO_HMAC_SHA512 = 2
} vo_hmac_algorithm;

typedef enum vo_signature_encoding {
    VO_SIGNATURE_HEX = 0,
    VO_SIGNATURE_BASE64 = 1
} vo_signature_encoding;

/**
 * How a Vapi server URL is protected, mirroring Vapi's credential settings. Zero means the
 * secure default for every field: a zero-filled struct with only `version` set is the same
 * as VO_WEBHOOK_VAPI_OPTIONS_INIT (a shared secret in `x-vapi-secret`; for BEARER the
 * `Bearer ` prefix is required; for HMAC the timestamp is signed and checked within 300 s).
 * Weaker choices are named flags.
 */
typedef struct vo_webhook_vapi_options {
    unsigned int version;            /**< VO_WEBHOOK_VAPI_OPTIONS_VERSION (1..current accepted) */
    vo_webhook_vapi_auth type;          /**< default (0) VO_WEBHOOK_VAPI_SECRET */
    const char *header_name;         /**< SECRET: "x-vapi-secret"; BEARER: "Authorization" */
    int bare_token;                  /**< BEARER: 0 (default): the value must be
                                          "Bearer <token>"; non-zero: the bare token */
    vo_hmac_algorithm algorithm;     /**< HMAC: default (0) SHA-256 */
    const char *signature_header;    /**< HMAC: default "x-signature" */
    const char *timestamp_header;    /**< HMAC: default "x-timestamp" */
    const char *message_id_header;   /**< HMAC: header for {svix-id}; default "svix-id" */
    const char *payload_format;      /**< HMAC: NULL = "{timestamp}.{body}", or "{body}"
                                          when omit_timestamp is set. Placeholders:
                                          {timestamp} {body} {method} {url} {svix-id} */
    int omit_timestamp;              /**< HMAC: 0 (default): the default template signs the
                                          timestamp (replay protection); non-zero: it signs
                                          the body alone (no replay protection) */
    vo_signature_encoding encoding;  /**< HMAC: default (0) hex (either case accepted) */
    const char *signature_prefix;    /**< HMAC: e.g. "sha256="; NULL = none */
    int secret_is_base64;            /**< HMAC: decode the secret from base64 first */
    int64_t tolerance_seconds;       /**< HMAC with {timestamp}: 0 = VO_WEBHOOK_VAPI_TOLERANCE (300),
                                          both ways; negative: VO_EINVAL */
    size_t max_body;                 /**< 0 = VO_WEBHOOK_DEFAULT_MAX_BODY; larger are capped */
} vo_webhook_vapi_options;

#define VO_WEBHOOK_VAPI_OPTIONS_VERSION 1
#define VO_WEBHOOK_VAPI_OPTIONS_INIT \
    { VO_WEBHOOK_VAPI_OPTIONS_VERSION, VO_WEBHOOK_VAPI_SECRET, NULL, 0, VO_HMAC_SHA256, NULL, \
      NULL, NULL, NULL, 0, VO_SIGNATURE_HEX, NULL, 0, 0, 0 }

/** Default timestamp tolerance of Vapi HMAC verification (tolerance_seconds = 0), seconds. */
#define VO_WEBHOOK_VAPI_TOLERANCE 300
/** VO_WEBHOOK_VAPI_TOLERANCE at run time (for bindings), in seconds. */
VO_EXTERN int64_t vo_webhook_vapi_tolerance(void);

/**
 * Fill *opts with the defaults of struct version `version` (as VO_WEBHOOK_VAPI_OPTIONS_INIT).
 * @return VO_OK, or VO_EINVAL for NULL or a version outside 1..VO_WEBHOOK_VAPI_OPTIONS_VERSION.
 */
VO_EXTERN int vo_webhook_vapi_options_init(vo_webhook_vapi_options *opts, unsigned int version);

/**
 * Verify a request to a Vapi server URL with one of several valid secrets (or tokens).
 *
 * SECRET and BEARER compare the header value with each secret in constant time. HMAC
 * rebuilds the payload from the template, computes the HMAC with each secret and compares
 * it with the signature header (prefix stripped, hex in either case or canonical base64).
 * When the template uses {timestamp}, the timestamp header is required, must be digits
 * only, is read as milliseconds when it has 13 or more digits (seconds otherwise) and must
 * lie within tolerance_seconds of `now`.
 *
 * @param opts     NULL = VO_WEBHOOK_VAPI_OPTIONS_INIT.
 * @param secrets  secret_count secrets; none is an error (VO_VERIFY_NO_KEY).
 * @param now      current Unix time in seconds (pass time(NULL)); a parameter for tests.
 * @param result   may be NULL.
 */
VO_EXTERN int vo_webhook_vapi_verify(vo_verify_result *result, const vo_webhook_vapi_options *opts,
                             const char *const *secrets, size_t secret_count,
                             const vo_webhook_request *request, int64_t now);

/**
 * Compute the HMAC signature header value Vapi would send for an HMAC credential (prefix
 * and encoding included), for tests and for proxies that re-sign requests.
 *
 * @param timestamp  the timestamp header text (needed when the template uses it).
 * @param message_id the {svix-id} value (needed when the template uses it).
 * @param method, url used when the template contains {method} / {url}.
 * @param out        receives the NUL-terminated header value; 256 bytes always suffice.
 */
VO_EXTERN int vo_webhook_vapi_sign(char *out, size_t out_size,
                                     const vo_webhook_vapi_options *opts, const char *secret,
                                     const char *method, const char *url,
                                     const char *timestamp, const char *message_id,
                                     const unsigned char *body, size_t body_len);

/* ------------------------------------------------------------------------------------ */
/* Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature)                 */
/* ------------------------------------------------------------------------------------ */

/** Size of a buffer for one `v1,<base64>` signature, with the NUL. */
#define VO_WEBHOOK_STD_SIGNATURE_SIZE 48
/** Default timestamp tolerance in seconds, applied both ways. */
#define VO_WEBHOOK_STD_TOLERANCE 300
/** VO_WEBHOOK_STD_SIGNATURE_SIZE at run time (for bindings). */
VO_EXTERN size_t vo_webhook_std_signature_size(void);
/** VO_WEBHOOK_STD_TOLERANCE at run time (for bindings), in seconds. */
VO_EXTERN int64_t vo_webhook_std_tolerance(void);

/**
 * Sign a message: `v1,` + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)).
 *
 * @param secret  `whsec_` + base64 of a 24-64 byte key (the prefix is optional).
 * @param msg_id  the webhook-id (1-255 printable ASCII characters, no spaces or commas).
 * @param timestamp Unix seconds (>= 0).
 * @return VO_OK, VO_EINVAL (bad secret, id, timestamp), VO_ERANGE, VO_ENOTINIT.
 */
VO_EXTERN int vo_webhook_std_sign(char *out, size_t out_size, const char *secret,
                                 const char *msg_id, int64_t timestamp,
                                 const unsigned char *body, size_t body_len);

/**
 * Verify a Standard Webhooks signature header against one of several secrets.
 *
 * @param msg_id     webhook-id header (NULL: VO_VERIFY_MISSING_ID).
 * @param timestamp  webhook-timestamp header: digits only, seconds.
 * @param signatures webhook-signature header: space-separated `v1,<base64>` entries;
 *                   entries of other versions are ignored; base64 must be canonical.
 * @param now        current Unix time in seconds; tolerance VO_WEBHOOK_STD_TOLERANCE.
 * @param result     may be NULL; signature_index says which entry matched.
 */
VO_EXTERN int vo_webhook_std_verify(vo_verify_result *result, const char *const *secrets,
                                   size_t secret_count, const char *msg_id,
                                   const char *timestamp, const char *signatures,
                                   const unsigned char *body, size_t body_len, int64_t now);

/** vo_webhook_std_verify() reading the three `webhook-*` headers from a request. */
VO_EXTERN int vo_webhook_std_verify_request(vo_verify_result *result,
                                           const char *const *secrets, size_t secret_count,
                                           const vo_webhook_request *request, int64_t now);

/**
 * Generate a new random secret `whsec_<base64 of 32 bytes>` for signing outbound events.
 * @param out  at least 51 bytes.
 */
VO_EXTERN int vo_webhook_std_secret_new(char *out, size_t out_size);

#ifdef __cplusplus
}
#endif

#endif /* VOICEOPS_WEBHOOK_H */
