/**
 * @file voiceops/error.h
 * @brief Error codes and thread-local error details.
 *
 * Every function that can fail returns `int`: VO_OK (0) or one of the negative VO_E* codes
 * below. Details of the last failure on the calling thread are available from
 * vo_error_last(). Messages never contain secrets (tokens, keys, passwords, secret values).
 */
#ifndef VOICEOPS_ERROR_H
#define VOICEOPS_ERROR_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Result codes. The numeric values are part of the ABI and never change; new codes are
 * only ever appended.
 */
typedef enum vo_error_code {
    VO_OK = 0,           /**< success */
    VO_ERROR = -1,       /**< unspecified failure */
    VO_EINVAL = -2,      /**< an argument is NULL, empty, malformed or out of range */
    VO_ENOMEM = -3,      /**< out of memory (including locked secure memory) */
    VO_ERANGE = -4,      /**< output buffer too small */
    VO_ETOOBIG = -5,     /**< input exceeds a configured size limit */
    VO_EPARSE = -6,      /**< malformed input document (form body, JSON, URL, CSV) */
    VO_EAUTH = -7,       /**< authentication failed: signature mismatch, wrong credentials */
    VO_ECRYPTO = -8,     /**< decryption or integrity check failed, or a crypto library error */
    VO_ENOTFOUND = -9,   /**< no such tenant, secret, key or remote resource */
    VO_EEXISTS = -10,    /**< the object already exists */
    VO_ECONFLICT = -11,  /**< check-and-set or remote conflict (version moved on, HTTP 409) */
    VO_ESTORAGE = -12,   /**< the storage backend failed (I/O error, disk full, corruption) */
    VO_EBUSY = -13,      /**< the resource is locked by someone else and the wait timed out */
    VO_ENETWORK = -14,   /**< connection, DNS or TLS failure */
    VO_ETIMEOUT = -15,   /**< a timeout or deadline expired */
    VO_ERATELIMIT = -16, /**< the provider rate-limited the request (HTTP 429) */
    VO_EUNAVAILABLE =
        -17,              /**< the provider failed or is unavailable (HTTP 5xx, circuit open) */
    VO_EPROTOCOL = -18,   /**< the remote answered something that could not be understood */
    VO_EVALIDATION = -19, /**< the provider rejected the request as invalid (HTTP 400/422) */
    VO_EFORBIDDEN = -20,  /**< authenticated but not allowed (HTTP 403), or unsafe file mode */
    VO_EEXPIRED = -21,    /**< a timestamp is outside the allowed tolerance */
    VO_ENOTINIT = -22,    /**< vo_init() has not been called */
    VO_EUNSUPPORTED = -23, /**< the operation or option is not supported */
    VO_EINTERNAL = -24,    /**< a bug in libvoiceops: please report it */
    VO_EHANDLE = -25,      /**< invalid handle: closed, freed or of another type (or a
                               vo_free() string given to a handle's free function) */
    VO_EREQUEST = -26,     /**< the request received from the network is malformed (a garbage
                               webhook token, an over-long URL): the sender's fault, answer
                               4xx; distinct from VO_EINVAL, which is the caller's fault */
    VO_ETLS = -27,         /**< the server's TLS certificate failed verification (expired,
                               unknown CA, host name mismatch): permanent, never retried and
                               not counted by the circuit breaker; the message says what failed */
    VO_EDUPLICATE = -28    /**< the webhook guard saw this authentic request before: a provider
                            retry; answer 200 without acting again (vo_verify_http_status) */
} vo_error_code;

/** Maximum length (including the NUL) of the message held in a vo_error. */
#define VO_ERROR_MESSAGE_SIZE 512
/** Maximum length (including the NUL) of provider_request_id and correlation_id. */
#define VO_ERROR_ID_SIZE 72
/** Maximum length (including the NUL) of more_info. */
#define VO_ERROR_MORE_INFO_SIZE 256

/** Version of the vo_error layout these headers describe. */
#define VO_ERROR_VERSION 1

/** VO_ERROR_MESSAGE_SIZE at run time (for bindings). Thread-safe; callable before vo_init(). */
VO_EXTERN size_t vo_error_message_size(void);
/** VO_ERROR_ID_SIZE at run time (for bindings). Thread-safe; callable before vo_init(). */
VO_EXTERN size_t vo_error_id_size(void);

/**
 * Details of the last failure on the calling thread.
 *
 * Owned by the library: pointers stay valid until the next libvoiceops call on the same
 * thread. String fields are never NULL (empty when not applicable). The record can grow:
 * fields are only ever appended, and `version` (set by the library, VO_ERROR_VERSION of the
 * library that was linked) says which fields exist. A caller built against version N reads
 * the fields of version N only, which every later library still provides.
 *
 * To carry an error to another thread (bindings that read it on another thread than the
 * one that made the call), copy it with vo_error_snapshot_take().
 */
typedef struct vo_error {
    unsigned int version;            /**< VO_ERROR_VERSION; set by the library */
    int code;                        /**< the VO_E* code that was returned */
    const char *message;             /**< human-readable description, no secrets */
    int http_status;                 /**< HTTP status of a remote failure, else 0 */
    long provider_code;              /**< provider error code (e.g. Twilio 20003), else 0 */
    const char *provider_request_id; /**< e.g. the Twilio-Request-Id header, else "" */
    const char *correlation_id;      /**< correlation id of the failed operation, else "" */
    const char *more_info;           /**< provider documentation URL, else "" */
    long retry_after_ms;             /**< server-requested delay, -1 when none was given */
} vo_error;

/**
 * The last error recorded on the calling thread. Never returns NULL: when nothing failed
 * yet, it returns a record with code VO_OK and message "no error". Successful calls do not
 * clear it; call vo_error_clear() for that.
 */
VO_EXTERN const vo_error *vo_error_last(void);

/** Reset the calling thread's error record to VO_OK. */
VO_EXTERN void vo_error_clear(void);

/**
 * A static English description of a code ("invalid argument"). Never NULL; unknown codes
 * give "unknown error".
 */
VO_EXTERN const char *vo_strerror(int code);

/** The symbolic name of a code ("VO_EINVAL"), or "VO_E?" when unknown. Never NULL. */
VO_EXTERN const char *vo_error_name(int code);

/** Version of the vo_error_snapshot layout these headers describe. */
#define VO_ERROR_SNAPSHOT_VERSION 1

/**
 * A self-contained copy of a vo_error: the strings live inside the struct, so a snapshot
 * can be copied with memcpy, kept, and read on any thread (vo_error_last() is only valid on
 * the thread that made the call, until its next libvoiceops call).
 *
 * Caller-owned: set `version` (VO_ERROR_SNAPSHOT_INIT or vo_error_snapshot_init()) before
 * vo_error_snapshot_take(). Fields are only ever appended; the library writes only the
 * fields of the caller's version.
 */
typedef struct vo_error_snapshot {
    unsigned int version;                       /**< set by the caller */
    int code;                                   /**< as vo_error.code */
    char message[VO_ERROR_MESSAGE_SIZE];        /**< as vo_error.message */
    int http_status;                            /**< as vo_error.http_status */
    long provider_code;                         /**< as vo_error.provider_code */
    char provider_request_id[VO_ERROR_ID_SIZE]; /**< as vo_error.provider_request_id */
    char correlation_id[VO_ERROR_ID_SIZE];      /**< as vo_error.correlation_id */
    char more_info[VO_ERROR_MORE_INFO_SIZE];    /**< as vo_error.more_info */
    long retry_after_ms;                        /**< as vo_error.retry_after_ms */
} vo_error_snapshot;

/** Initialiser for C: version set, "no error" (code VO_OK, empty strings). */
#define VO_ERROR_SNAPSHOT_INIT                             \
  {                                                        \
    VO_ERROR_SNAPSHOT_VERSION, 0, "", 0, 0, "", "", "", -1 \
  }

/**
 * Initialise a snapshot as VO_ERROR_SNAPSHOT_INIT does, for bindings that cannot see
 * macros: zero-fills the struct, sets `version` and retry_after_ms = -1.
 *
 * @param out      the snapshot; sizeof(vo_error_snapshot) of the caller's headers.
 * @param version  1..VO_ERROR_SNAPSHOT_VERSION.
 * @return VO_OK, or VO_EINVAL (out NULL, version 0 or newer than the library knows; the
 *         calling thread's error record names vo_error_snapshot).
 */
VO_EXTERN int vo_error_snapshot_init(vo_error_snapshot *out, unsigned int version);

/**
 * Copy the calling thread's last error (vo_error_last()) into `out`, strings included.
 * Thread-safe; call it on the thread that made the failing call, right after it.
 *
 * The thread's error record is left unchanged, also when this call fails, so the caller
 * can still read it.
 *
 * @param out  caller-owned, `version` set to 1..VO_ERROR_SNAPSHOT_VERSION.
 * @return VO_OK, or VO_EINVAL when out is NULL or its version is 0 or unknown (nothing is
 *         written then).
 */
VO_EXTERN int vo_error_snapshot_take(vo_error_snapshot *out);

#ifdef __cplusplus
}
#endif

#endif /* VOICEOPS_ERROR_H */
