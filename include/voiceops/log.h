/**
 * @file voiceops/log.h
 * @brief Logging callback with levels and secret redaction; correlation ids.
 *
 * The library never writes to stdout/stderr by itself. Install a callback to receive its
 * log records. Every message passes through a redaction filter before it reaches the
 * callback (values of Authorization headers, `Basic`/`Bearer` credentials, fields named like
 * token/secret/password/key, `whsec_` secrets and 32-hex-digit tokens are replaced by
 * `[REDACTED]`). Redaction is the second line of defence: the library does not put secrets
 * into messages in the first place. It removes values, never the library's own words: a
 * function name of the library before a colon (`vo_vault_secret_get: out is NULL`) is not a
 * field, and a common English word after `token:` or `Bearer` (`token: missing`) is prose;
 * a quoted value, or a value after `=`, is always redacted.
 */
#ifndef VOICEOPS_LOG_H
#define VOICEOPS_LOG_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vo_log_level {
    VO_LOG_TRACE = 0,
    VO_LOG_DEBUG = 1,
    VO_LOG_INFO = 2,
    VO_LOG_WARN = 3,
    VO_LOG_ERROR = 4,
    VO_LOG_NONE = 5 /**< as a threshold: log nothing */
} vo_log_level;

/** Version of the vo_log_record layout these headers describe. */
#define VO_LOG_RECORD_VERSION 1

/**
 * One log record, owned by the library and valid only for the duration of the callback.
 * The record can grow: fields are only ever appended, and `version` (set by the library,
 * VO_LOG_RECORD_VERSION of the library that was linked) says which fields exist.
 */
typedef struct vo_log_record {
    unsigned int version; /**< VO_LOG_RECORD_VERSION; set by the library */
    vo_log_level level;
    const char *module;         /**< "core", "webhook", "vault", "http", ... never NULL */
    const char *message;        /**< already redacted; never NULL */
    const char *correlation_id; /**< the thread's current correlation id, or "" */
} vo_log_record;

/**
 * Log callback. Called on the thread that produced the record, possibly from several
 * threads at once; it must be thread-safe and must not call back into libvoiceops logging.
 */
typedef void (*vo_log_fn)(const vo_log_record *record, void *payload);

/**
 * Install (or, with fn == NULL, remove) the process-wide log callback and its threshold.
 * Records below min_level are dropped before they are formatted. Thread-safe.
 */
VO_EXTERN void vo_log_set_callback(vo_log_fn fn, vo_log_level min_level, void *payload);

/** Change the threshold of the installed callback. Thread-safe. */
VO_EXTERN void vo_log_set_level(vo_log_level min_level);

/** Name of a level: "trace", "debug", "info", "warn", "error", "none"; "?" when unknown. */
VO_EXTERN const char *vo_log_level_name(vo_log_level level);

/**
 * Redact secrets from a text, the way log messages are redacted. Bindings use it for their
 * own messages.
 *
 * @param out       receives the NUL-terminated redacted text (truncated to fit).
 * @param out_size  size of out, at least 1.
 * @param text      the text to redact.
 * @return VO_OK, VO_ERANGE when the result was truncated, VO_EINVAL on NULL arguments.
 */
VO_EXTERN int vo_log_redact(char *out, size_t out_size, const char *text);

/** Size of a buffer that holds any correlation id, including the NUL. */
#define VO_CORRELATION_ID_SIZE 65
/** VO_CORRELATION_ID_SIZE at run time (for bindings). Thread-safe; callable before vo_init(). */
VO_EXTERN size_t vo_correlation_id_size(void);

/**
 * Generate a new random correlation id (a UUID version 4 string, 36 characters).
 *
 * @param out       receives the NUL-terminated id.
 * @param out_size  at least 37.
 * @return VO_OK, VO_ERANGE, VO_EINVAL, or VO_ENOTINIT before vo_init().
 */
VO_EXTERN int vo_correlation_id_new(char *out, size_t out_size);

/**
 * Set the calling thread's current correlation id, attached to every log record and error
 * produced on this thread until changed. NULL or "" clears it.
 *
 * A caller-given id must be 1-64 characters of `A-Z a-z 0-9 - _ . : /` so it can travel in
 * HTTP headers and logs unchanged.
 *
 * @return VO_OK or VO_EINVAL (and the previous id is kept).
 */
VO_EXTERN int vo_correlation_id_set(const char *id);

/** The calling thread's current correlation id, or "" when none. Never NULL. */
VO_EXTERN const char *vo_correlation_id_get(void);

#ifdef __cplusplus
}
#endif

#endif /* VOICEOPS_LOG_H */
