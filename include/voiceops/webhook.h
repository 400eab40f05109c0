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
 * Two kinds of failure are kept apart: what the network sent (a forged or malformed
 * signature, a malformed body, an over-long URL, a garbage routing token) is the sender's
 * fault and maps to a 4xx; what the caller configured or passed (no key, a NULL argument,
 * bad options, a relative URL, vo_init() not called) is the server's own fault and maps to
 * 500. vo_verify_http_status() does this mapping; use it rather than a table of your own.
 *
 * Return codes shared by every verify function (status = vo_verify_http_status()):
 * - VO_OK: the request is authentic - 200;
 * - VO_EAUTH: the request is not authentic (missing, empty, malformed or wrong signature,
 *   body hash mismatch, missing or malformed timestamp, missing id) - 403;
 * - VO_EEXPIRED: a correctly formed timestamp lies outside the tolerance (replay) - 403;
 * - VO_EPARSE: the body is not a valid form body (reason VO_VERIFY_MALFORMED_BODY) - 400;
 * - VO_EREQUEST: the request is malformed in another way: the URL is longer than
 *   VO_WEBHOOK_MAX_URL (VO_VERIFY_URL_TOO_LONG, 414), a routing token that is not a
 *   token (VO_VERIFY_MALFORMED_TOKEN, 400) - never the caller's fault;
 * - VO_ETOOBIG: the body exceeds the size limit (reason VO_VERIFY_BODY_TOO_LARGE) - 413;
 * - VO_ENOTFOUND: routing only, a well-formed token that names no tenant
 *   (VO_VERIFY_UNKNOWN_TOKEN) - 404;
 * - VO_EINVAL: the caller's configuration or arguments are wrong (no key, NULL argument,
 *   bad options, relative URL, bad secret, result not initialised) - 500;
 * - VO_ENOTINIT before vo_init() (VO_VERIFY_NOT_INITIALIZED), VO_ENOMEM, VO_ECRYPTO on a
 *   crypto library failure (VO_VERIFY_INTERNAL_ERROR), vault errors (routing) - 500.
 *
 * The optional vo_verify_result says exactly why, and on success which key matched. When it
 * is given, every verify function fills it on every path (argument errors and
 * not-initialised included) so that reason and return code always agree: VO_VERIFY_OK if
 * and only if VO_OK.
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
/** Longest URL (bytes, without the NUL) Twilio verification accepts; longer is VO_EREQUEST. */
#define VO_WEBHOOK_MAX_URL 8192

/** VO_WEBHOOK_DEFAULT_MAX_BODY at run time (for bindings). Thread-safe. */
VO_EXTERN size_t vo_webhook_max_body(void);
/** VO_FORM_MAX_PARAMS at run time (for bindings). Thread-safe. */
VO_EXTERN size_t vo_form_max_params(void);

/** Why a verification failed (or VO_VERIFY_OK). Values are part of the ABI. */
typedef enum vo_verify_reason {
    VO_VERIFY_OK = 0,
    VO_VERIFY_MISSING_SIGNATURE = 1,    /**< no signature header at all */
    VO_VERIFY_EMPTY_SIGNATURE = 2,      /**< the signature header is present but empty */
    VO_VERIFY_MALFORMED_SIGNATURE = 3,  /**< not a signature of the expected encoding/size */
    VO_VERIFY_NO_KEY = 4,               /**< no token / secret was given to verify with */
    VO_VERIFY_MISMATCH = 5,             /**< well-formed, but no key and URL form matches */
    VO_VERIFY_BODY_HASH_MISMATCH = 6,   /**< Twilio: signature ok, bodySHA256 != sha256(body) */
    VO_VERIFY_MISSING_BODY_HASH = 7,    /**< Twilio: non-form body, URL has no bodySHA256 */
    VO_VERIFY_MALFORMED_BODY = 8,       /**< the form body is not valid url-encoding */
    VO_VERIFY_BODY_TOO_LARGE = 9,       /**< the body exceeds the size limit */
    VO_VERIFY_MALFORMED_URL = 10,       /**< the URL given by the caller cannot be used */
    VO_VERIFY_MISSING_TIMESTAMP = 11,   /**< a timestamped scheme without its timestamp */
    VO_VERIFY_MALFORMED_TIMESTAMP = 12, /**< the timestamp is not only digits / overflows */
    VO_VERIFY_TIMESTAMP_TOO_OLD = 13,   /**< older than the tolerance */
    VO_VERIFY_TIMESTAMP_TOO_NEW = 14,   /**< further in the future than the tolerance */
    VO_VERIFY_MISSING_ID = 15,          /**< Standard Webhooks: no webhook-id */
    VO_VERIFY_INVALID_ARGUMENT = 16,    /**< NULL or invalid argument / option / secret */
    VO_VERIFY_INTERNAL_ERROR = 17,      /**< out of memory, crypto library or vault failure */
    VO_VERIFY_MALFORMED_TOKEN = 18,     /**< routing: the URL token is not a webhook token
                                            (VO_EREQUEST) */
    VO_VERIFY_UNKNOWN_TOKEN = 19,       /**< routing: a well-formed token of no tenant, or a
                                            replaced one (VO_ENOTFOUND) */
    VO_VERIFY_NOT_INITIALIZED = 20,     /**< vo_init() has not been called (VO_ENOTINIT) */
    VO_VERIFY_URL_TOO_LONG = 21,        /**< the URL exceeds VO_WEBHOOK_MAX_URL (VO_EREQUEST) */
    VO_VERIFY_DUPLICATE = 22, /**< guard: authentic, a provider retry of a request already
                                  accepted (VO_EDUPLICATE: answer 200, do not act again) */
    VO_VERIFY_REPLAY = 23     /**< guard: authentic signature, but the same signed request
                                  was already accepted outside any retry pattern (VO_EAUTH) */
} vo_verify_reason;

/** What the webhook guard (services.h, vo_webhook_guard_*) found in the seen-request store;
 *  the `seen` field of a version-2 vo_verify_result. Values are part of the ABI. */
typedef enum vo_verify_seen {
    VO_VERIFY_SEEN_NOT_CHECKED = 0, /**< the store was not consulted (plain verify calls,
                                        or the request failed verification first) */
    VO_VERIFY_SEEN_FIRST = 1,       /**< first sighting: recorded now, act on it */
    VO_VERIFY_SEEN_DUPLICATE = 2,   /**< a provider retry of a request seen at seen_at_ms */
    VO_VERIFY_SEEN_REPLAY = 3       /**< the same signed request again, outside any retry */
} vo_verify_seen;

/** The URL forms tried by Twilio verification, in order. */
typedef enum vo_webhook_twilio_url_form {
    VO_WEBHOOK_TWILIO_URL_AS_GIVEN = 0,     /**< the URL exactly as given */
    VO_WEBHOOK_TWILIO_URL_PORT_TOGGLED = 1, /**< default port added, or port removed */
    VO_WEBHOOK_TWILIO_URL_LEGACY_QUERY = 2, /**< as given, query re-encoded the legacy way */
    VO_WEBHOOK_TWILIO_URL_LEGACY_QUERY_PORT_TOGGLED = 3 /**< port toggled and legacy query */
} vo_webhook_twilio_url_form;

/** Version of the vo_verify_result layout these headers describe (2 added the guard's
 *  `seen` and `seen_at_ms`). */
#define VO_VERIFY_RESULT_VERSION 2

/**
 * Outcome details of a verification. Filled on success and on failure, on every path.
 *
 * Caller-provided: set `version` first (VO_VERIFY_RESULT_INIT, or vo_verify_result_init()
 * from a binding); fields are only ever appended, and the library writes only the fields of
 * the caller's version. A result whose version is 0 (zero-filled, never initialised) or newer
 * than the library knows is refused: the call verifies nothing and returns VO_EINVAL with
 * reason VO_VERIFY_INVALID_ARGUMENT (a 500, never a pass); the message names
 * vo_verify_result. The version-1 fields below are written in that case too, since every
 * version has them.
 */
typedef struct vo_verify_result {
    unsigned int version;    /**< set by the caller: VO_VERIFY_RESULT_VERSION */
    vo_verify_reason reason; /**< VO_VERIFY_OK on success */
    int key_index;           /**< index of the token/secret that matched, else -1 (always
                                 -1 on failure, except VO_VERIFY_BODY_HASH_MISMATCH: the
                                 URL's signature matched this token) */
    int url_form;        /**< Twilio: the vo_webhook_twilio_url_form that matched, else -1 */
    int signature_index; /**< index of the matching signature in a list, else -1 */
    int forms_tried;     /**< Twilio: distinct URL forms computed (0 if none) */
    int64_t timestamp;   /**< timestamped schemes: the timestamp in seconds, else 0 */
    /* version 2 */
    int seen;           /**< a vo_verify_seen: what the webhook guard found; 0
                            (VO_VERIFY_SEEN_NOT_CHECKED) from every other function */
    int64_t seen_at_ms; /**< guard: when the first sighting was recorded (Unix ms; now for a
                            first sighting), else 0 */
} vo_verify_result;

/** Initialiser for C: the current version, "not verified" (reason VO_VERIFY_INTERNAL_ERROR,
 *  indexes -1, nothing seen). */
#define VO_VERIFY_RESULT_INIT                                                  \
  {                                                                            \
    VO_VERIFY_RESULT_VERSION, VO_VERIFY_INTERNAL_ERROR, -1, -1, -1, 0, 0, 0, 0 \
  }

/**
 * Initialise a result as VO_VERIFY_RESULT_INIT does, for bindings that cannot see macros.
 *
 * @param result   sizeof(vo_verify_result) of the caller's headers.
 * @param version  1..VO_VERIFY_RESULT_VERSION (the version of the caller's headers).
 * @return VO_OK, or VO_EINVAL (result NULL, or version 0 / newer than the library; the
 *         message names vo_verify_result). Thread-safe.
 */
VO_EXTERN int vo_verify_result_init(vo_verify_result *result, unsigned int version);

/** Short stable name of a reason ("mismatch", "missing_signature", ...); never NULL. */
VO_EXTERN const char *vo_verify_reason_name(vo_verify_reason reason);

/**
 * The HTTP status a webhook handler should answer for a verification outcome.
 *
 * - 200: rc is VO_OK (and result, when given, says VO_VERIFY_OK); also VO_EDUPLICATE
 *   (the webhook guard recognised a provider retry of a request already accepted: answer
 *   200 so the provider stops retrying, and do not act on it again);
 * - 400: the request is malformed (VO_EPARSE, VO_EREQUEST: malformed body, malformed
 *   routing token);
 * - 403: bad, missing or malformed signature, timestamp or id, expired (VO_EAUTH,
 *   VO_EEXPIRED), a replay refused by the webhook guard (VO_EAUTH, VO_VERIFY_REPLAY);
 * - 404: unknown routing token (VO_ENOTFOUND);
 * - 413: body too large (VO_ETOOBIG);
 * - 414: URL too long (reason VO_VERIFY_URL_TOO_LONG; 400 without a result);
 * - 500: everything else, i.e. the server's own fault: no key, NULL or invalid arguments or
 *   options, a relative URL, not initialised, out of memory, crypto or vault failure.
 * Nothing an attacker can send produces a 500.
 *
 * The status follows `rc`; the result (the one filled by the same call; may be NULL) refines
 * it (414) and is cross-checked: VO_OK with a result that does not say VO_VERIFY_OK gives
 * 500 (fail closed). A result with an unknown version is ignored. Thread-safe; no error is
 * recorded.
 */
VO_EXTERN int vo_verify_http_status(int rc, const vo_verify_result *result);

/**
 * An incoming HTTP request as a handler sees it. Header names are matched
 * case-insensitively. The library reads these fields during the call only.
 */
typedef struct vo_webhook_request {
    unsigned int version;    /**< VO_WEBHOOK_REQUEST_VERSION */
    const char *method;      /**< "POST", "GET", ... (needed by templates using {method}) */
    const char *url;         /**< the full public URL the provider called */
    const vo_param *headers; /**< request headers */
    size_t header_count;
    const unsigned char *body; /**< raw body bytes; may be NULL when body_len is 0 */
    size_t body_len;
} vo_webhook_request;

#define VO_WEBHOOK_REQUEST_VERSION 1
#define VO_WEBHOOK_REQUEST_INIT                              \
  {                                                          \
    VO_WEBHOOK_REQUEST_VERSION, NULL, NULL, NULL, 0, NULL, 0 \
  }

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
                                     const char *url, const vo_param *params,
                                     size_t param_count);

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
VO_EXTERN VO_NODISCARD int vo_webhook_twilio_verify(vo_verify_result *result,
                                                    const char *const *auth_tokens,
                                                    size_t token_count, const char *url,
                                                    const char *signature,
                                                    const char *content_type,
                                                    const unsigned char *body, size_t body_len);

/**
 * Options for vo_webhook_twilio_verify_request(). Every field 0 means the default, so a zero-filled
 * struct with only `version` set is the same as VO_WEBHOOK_TWILIO_OPTIONS_INIT.
 */
typedef struct vo_webhook_twilio_options {
    unsigned int version; /**< VO_WEBHOOK_TWILIO_OPTIONS_VERSION (1..current accepted) */
    size_t max_body;      /**< 0 = VO_WEBHOOK_DEFAULT_MAX_BODY; larger values are capped */
    int exact_url_only; /**< 0 (default): try the URL forms listed at vo_webhook_twilio_verify()
                            (port added/removed, legacy query); non-zero: the URL as
                            given only */
} vo_webhook_twilio_options;

#define VO_WEBHOOK_TWILIO_OPTIONS_VERSION 1
#define VO_WEBHOOK_TWILIO_OPTIONS_INIT      \
  {                                         \
    VO_WEBHOOK_TWILIO_OPTIONS_VERSION, 0, 0 \
  }

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
VO_EXTERN VO_NODISCARD int vo_webhook_twilio_verify_request(
    vo_verify_result *result, const vo_webhook_twilio_options *opts,
    const char *const *auth_tokens, size_t token_count, const vo_webhook_request *request);

/**
 * Lowercase hex SHA-256 of a body, as Twilio puts it in the `bodySHA256` query parameter.
 * @param out  at least 65 bytes.
 */
VO_EXTERN int vo_webhook_twilio_body_sha256(char *out, size_t out_size,
                                            const unsigned char *body, size_t body_len);

/* ------------------------------------------------------------------------------------ */
/* Vapi server messages                                                                 */
/* ------------------------------------------------------------------------------------ */

typedef enum vo_webhook_vapi_auth {
    VO_WEBHOOK_VAPI_SECRET = 0, /**< shared secret in a header (default `x-vapi-secret`) */
    VO_WEBHOOK_VAPI_BEARER =
        1, /**< token in a header (default `Authorization`), `Bearer ` prefix */
    VO_WEBHOOK_VAPI_HMAC = 2 /**< HMAC credential: signature + timestamp headers */
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
    unsigned int version;          /**< VO_WEBHOOK_VAPI_OPTIONS_VERSION (1..current accepted) */
    vo_webhook_vapi_auth type;     /**< default (0) VO_WEBHOOK_VAPI_SECRET */
    const char *header_name;       /**< SECRET: "x-vapi-secret"; BEARER: "Authorization" */
    int bare_token;                /**< BEARER: 0 (default): the value must be
                                       "Bearer <token>"; non-zero: the bare token */
    vo_hmac_algorithm algorithm;   /**< HMAC: default (0) SHA-256 */
    const char *signature_header;  /**< HMAC: default "x-signature" */
    const char *timestamp_header;  /**< HMAC: default "x-timestamp" */
    const char *message_id_header; /**< HMAC: header for {svix-id}; default "svix-id" */
    const char *payload_format;    /**< HMAC: NULL = "{timestamp}.{body}", or "{body}"
                                       when omit_timestamp is set. Placeholders:
                                       {timestamp} {body} {method} {url} {svix-id} */
    int omit_timestamp;            /**< HMAC: 0 (default): the default template signs the
                                       timestamp (replay protection); non-zero: it signs
                                       the body alone (no replay protection) */
    vo_signature_encoding encoding; /**< HMAC: default (0) hex (either case accepted) */
    const char *signature_prefix;   /**< HMAC: e.g. "sha256="; NULL = none */
    int secret_is_base64;           /**< HMAC: decode the secret from base64 first */
    int64_t tolerance_seconds; /**< HMAC with {timestamp}: 0 = VO_WEBHOOK_VAPI_TOLERANCE (300),
                                   both ways; negative: VO_EINVAL */
    size_t max_body;           /**< 0 = VO_WEBHOOK_DEFAULT_MAX_BODY; larger are capped */
} vo_webhook_vapi_options;

#define VO_WEBHOOK_VAPI_OPTIONS_VERSION 1
#define VO_WEBHOOK_VAPI_OPTIONS_INIT                                                        \
  {                                                                                         \
    VO_WEBHOOK_VAPI_OPTIONS_VERSION, VO_WEBHOOK_VAPI_SECRET, NULL, 0, VO_HMAC_SHA256, NULL, \
        NULL, NULL, NULL, 0, VO_SIGNATURE_HEX, NULL, 0, 0, 0                                \
  }

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
VO_EXTERN VO_NODISCARD int vo_webhook_vapi_verify(
    vo_verify_result *result, const vo_webhook_vapi_options *opts, const char *const *secrets,
    size_t secret_count, const vo_webhook_request *request, int64_t now);

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
                                   const char *method, const char *url, const char *timestamp,
                                   const char *message_id, const unsigned char *body,
                                   size_t body_len);

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
VO_EXTERN VO_NODISCARD int vo_webhook_std_verify(vo_verify_result *result,
                                                 const char *const *secrets,
                                                 size_t secret_count, const char *msg_id,
                                                 const char *timestamp, const char *signatures,
                                                 const unsigned char *body, size_t body_len,
                                                 int64_t now);

/** vo_webhook_std_verify() reading the three `webhook-*` headers from a request. */
VO_EXTERN VO_NODISCARD int vo_webhook_std_verify_request(vo_verify_result *result,
                                                         const char *const *secrets,
                                                         size_t secret_count,
                                                         const vo_webhook_request *request,
                                                         int64_t now);

/**
 * Generate a new random secret `whsec_<base64 of 32 bytes>` for signing outbound events.
 * @param out  at least 51 bytes.
 */
VO_EXTERN int vo_webhook_std_secret_new(char *out, size_t out_size);

/* ------------------------------------------------------------------------------------ */
/* The public URL of a request behind proxies                                          */
/* ------------------------------------------------------------------------------------ */

/**
 * @name Forwarded headers read from trusted proxies
 * Bits of vo_public_url_options.forwarded_headers. A header is read only when its bit is
 * set AND the immediate peer is a trusted proxy. Set only the headers your proxies
 * themselves set or overwrite: a proxy that passes a header through untouched lets any
 * client choose its value.
 * @{
 */
#define VO_PUBLIC_URL_FORWARDED 0x01u          /**< RFC 7239 `Forwarded` (proto, host, for) */
#define VO_PUBLIC_URL_X_FORWARDED_PROTO 0x02u  /**< `X-Forwarded-Proto` */
#define VO_PUBLIC_URL_X_FORWARDED_HOST 0x04u   /**< `X-Forwarded-Host` */
#define VO_PUBLIC_URL_X_FORWARDED_PORT 0x08u   /**< `X-Forwarded-Port` */
#define VO_PUBLIC_URL_X_FORWARDED_PREFIX 0x10u /**< `X-Forwarded-Prefix`: stripped path */
/** @} */

/**
 * How vo_public_url_build() finds the URL a client (Twilio, Vapi) called.
 *
 * All zero apart from the version (and NULL options) is the safe default: no proxy is
 * trusted, so no forwarded header is ever read; the URL is the app's own scheme, the `Host`
 * header and the request target. Version 0 is refused (VO_EINVAL). The strings are read
 * during the call only.
 */
typedef struct vo_public_url_options {
    unsigned int version; /**< VO_PUBLIC_URL_OPTIONS_VERSION */
    /** The public base URL `scheme://host[:port][/prefix]` (http or https, no user info, query
     *  or fragment). When set, the URL is this base joined with the request target, and no
     *  header is read (neither forwarded headers nor `Host`). NULL or "" = not set. */
    const char *base_url;
    /** Peers whose forwarded headers are believed: IPv4 / IPv6 addresses ("10.0.0.7", "::1")
     *  and CIDR ranges ("10.0.0.0/8", "fd00::/8"), without brackets. Host bits set in a
     *  range ("10.0.0.1/8") are refused. May be NULL when trusted_proxy_count is 0. */
    const char *const *trusted_proxies;
    size_t trusted_proxy_count;
    /** Which forwarded headers to read from trusted proxies (VO_PUBLIC_URL_* bits). Must not
     *  be 0 when trusted_proxy_count > 0 (VO_EINVAL: say what your proxies set). */
    unsigned int forwarded_headers;
} vo_public_url_options;

#define VO_PUBLIC_URL_OPTIONS_VERSION 1
#define VO_PUBLIC_URL_OPTIONS_INIT                   \
  {                                                  \
    VO_PUBLIC_URL_OPTIONS_VERSION, NULL, NULL, 0, 0u \
  }

/**
 * Fill `opts` with the defaults of VO_PUBLIC_URL_OPTIONS_INIT for struct version `version`
 * (1 to VO_PUBLIC_URL_OPTIONS_VERSION), for bindings that cannot see the macro.
 * @return VO_OK, or VO_EINVAL (NULL opts, unknown version).
 */
VO_EXTERN int vo_public_url_options_init(vo_public_url_options *opts, unsigned int version);

/**
 * Rebuild the public URL of an incoming request: the URL the provider signed, as opposed to
 * the URL the app sees behind a TLS-terminating balancer or a chain of proxies.
 *
 * 1. With `opts->base_url`: base (trailing `/` dropped) + target, e.g. base
 *    `https://example.com/api` and target `/twilio/voice?x=1` give
 *    `https://example.com/api/twilio/voice?x=1`. Headers and the peer are not read.
 * 2. Otherwise, when `peer_address` is a trusted proxy: scheme and host come from the
 *    forwarded headers enabled in `opts->forwarded_headers`. The chain is walked right to
 *    left: the last hop was added by the peer; each further hop is believed only while the
 *    address that hop reports (`for=` / `X-Forwarded-For`) is itself trusted, so values a
 *    client put in front of the chain are ignored. When a `Forwarded` header is present and
 *    enabled, it alone gives scheme and host; otherwise X-Forwarded-Proto/-Host/-Port do.
 *    Missing values fall back to `scheme` and the `Host` header.
 * 3. Otherwise (untrusted, unparseable or NULL peer): `scheme` + `Host` header + target.
 *    Forwarded headers from an untrusted peer are never read, not even to validate them.
 *
 * Normalisation: the scheme is lowercased; host, port, path and query are kept byte for
 * byte. A port present in the (forwarded) host is kept even when it is the scheme's
 * default, since the provider signed what it sent. `X-Forwarded-Port` replaces the host's
 * port, except that its value is not added when it is the scheme's default (balancers send
 * it on every request; the signed URL had no port). Twilio verification tries the URL with
 * the default port toggled anyway.
 *
 * @param out       receives the NUL-terminated URL; "" on failure when out_size > 0.
 * @param out_size  size of out; may be 0 (with out NULL) to learn the length.
 * @param out_len   may be NULL; receives the URL length without the NUL on VO_OK and on
 *                  VO_ERANGE (then allocate *out_len + 1 and call again).
 * @param opts      NULL for the defaults (no base URL, no trusted proxy).
 * @param peer_address the immediate peer's IP address ("10.0.0.7", "2001:db8::1", "[::1]",
 *                  "::ffff:10.0.0.7" counts as 10.0.0.7; a port after it is ignored);
 *                  NULL or not an address (a Unix socket) = untrusted.
 * @param scheme    "http" or "https" as the app itself was reached (either case); may be
 *                  NULL only with a base URL.
 * @param target    the request target as received, in origin form (`/path?query`, not
 *                  decoded: Python ASGI `raw_path` + `?` + `query_string`, Node `req.url`).
 * @param headers   the request headers (names case-insensitive; a header given several
 *                  times is read as one comma-separated list); may be NULL when
 *                  header_count is 0.
 * @return VO_OK; VO_ERANGE (buffer too small); VO_EINVAL for the caller's arguments or
 *         configuration (NULL target, bad scheme, bad base URL or trusted proxy entry,
 *         unknown version or flag) - a server bug, answer 500; VO_EPARSE for a request
 *         the network sent that cannot give a URL (target not in origin form, missing,
 *         repeated or malformed `Host`, malformed `Forwarded` or enabled `X-Forwarded-*`
 *         value from a trusted proxy) - answer 400. vo_error_last() says which.
 *         Thread-safe; keeps no state; needs no vo_init().
 */
VO_EXTERN int vo_public_url_build(char *out, size_t out_size, size_t *out_len,
                                  const vo_public_url_options *opts, const char *peer_address,
                                  const char *scheme, const char *target,
                                  const vo_param *headers, size_t header_count);

#ifdef __cplusplus
}
#endif

#endif /* VOICEOPS_WEBHOOK_H */
