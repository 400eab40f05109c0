/*
 * Internal interface of the core module, shared by every other module of libvoiceops.
 * Nothing here is exported from the shared library: names start with `vo__`.
 */
#ifndef VO_CORE_INTERNAL_H
#define VO_CORE_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "voiceops/common.h"
#include "voiceops/error.h"
#include "voiceops/log.h"

#include "handle.h"

#if defined(__GNUC__)
#  define VO__PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#  define VO__PRINTF(fmt, args)
#endif

/* ---- init ---------------------------------------------------------------------------- */
/** True while the library is initialised (vo_init() count > 0). */
bool vo__initialized(void);
/** Set VO_ENOTINIT and return it unless the library is initialised; else return VO_OK. */
int vo__require_init(void);

/* ---- errors -------------------------------------------------------------------------- */
/**
 * Record an error for the calling thread and return `code`. The formatted message is
 * redacted before it is stored; callers still must not format secrets into it. Remote
 * fields (HTTP status, provider code, request id) are reset.
 */
int vo__error_set(int code, const char *fmt, ...) VO__PRINTF(2, 3);
int vo__error_setv(int code, const char *fmt, va_list ap) VO__PRINTF(2, 0);
/**
 * Record an error whose message is the concatenation of static, secret-free strings
 * (`prefix`, ": ", `detail`), without formatting or redaction: for hot paths such as
 * webhook verification failures. Returns `code`.
 */
int vo__error_set_static(int code, const char *prefix, const char *detail);
/** Attach remote details to the current error record. Strings may be NULL. */
void vo__error_set_remote(int http_status, long provider_code, const char *request_id,
                          const char *more_info, long retry_after_ms);

/* ---- versioned structs ---------------------------------------------------------------
 * The one versioning rule (lib/core/structs.c) for every struct a caller passes: the first
 * member is `unsigned int version`; 1..current is accepted, anything else is VO_EINVAL naming
 * the struct; only the bytes of the caller's version are read or written.
 */
typedef struct vo__struct_info {
    const char *name;     /* the public type name, e.g. "vo_http_options" */
    unsigned int current; /* the version of this library's headers */
    const size_t *sizes;  /* sizes[v - 1]: the struct's size at version v; `current` entries.
                             When a struct grows, the old entries become
                             offsetof(type, first field added by the next version). */
} vo__struct_info;

/* The table of every versioned public struct (lib/core/structs.c), one per struct. */
extern const vo__struct_info vo_http_options_info_, vo_http_request_info_, vo_http_stats_info_,
    vo_webhook_request_info_, vo_webhook_twilio_options_info_, vo_webhook_vapi_options_info_,
    vo_vault_options_info_, vo_twilio_options_info_, vo_vapi_options_info_,
    vo_vapi_list_options_info_, vo_vapi_assistant_params_info_, vo_vapi_call_params_info_,
    vo_vapi_number_params_info_, vo_services_options_info_, vo_public_url_options_info_,
    vo_number_import_options_info_, vo_smtp_message_info_, vo_smtp_options_info_;
extern const vo__struct_info vo_webhook_guard_options_info_; /* services.h */

/** VO_OK when ptr is non-NULL and its version is 1..current; else VO_EINVAL naming the
 *  struct (and `fn`, the public function, when not NULL). */
int vo__struct_check(const vo__struct_info *info, const char *fn, const void *ptr);
/** The body of every vo_<struct>_init(): VO_EINVAL for NULL or an unknown version, else the
 *  caller's version's bytes zeroed (zero = the documented defaults) and the version set. */
int vo__struct_init(const vo__struct_info *info, void *ptr, unsigned int version);
/**
 * Copy a caller's struct into `dst` (a struct of the current version): check its version,
 * zero dst, copy the bytes of the caller's version. `src` NULL gives the defaults (all zero,
 * version = current). Returns VO_OK or VO_EINVAL.
 */
int vo__struct_copy(const vo__struct_info *info, const char *fn, void *dst, const void *src);
/**
 * Fill a caller's output struct from `full` (current version): check the version the caller
 * set in dst and copy only the bytes that exist in that version, keeping dst's version.
 */
int vo__struct_out(const vo__struct_info *info, const char *fn, void *dst, const void *full);

/* ---- logging ------------------------------------------------------------------------- */
bool vo__log_enabled(vo_log_level level);
void vo__log(vo_log_level level, const char *module, const char *fmt, ...) VO__PRINTF(3, 4);

/* ---- correlation-id scope --------------------------------------------------------------
 * "Use the given id, else the thread's, else a new one; make it the thread's id for the
 * duration of an operation, then restore the thread's previous id": the one implementation,
 * used by the transport, the REST layer and the service flows.
 */
typedef struct vo__cid_scope {
    char saved[VO_CORRELATION_ID_SIZE]; /* the thread's id before the scope ("" = none) */
    char id[VO_CORRELATION_ID_SIZE];    /* the operation's id */
} vo__cid_scope;
/** Enter a scope. `given` (may be NULL) wins when non-NULL and is set as given (an empty
 *  string clears the thread's id); an invalid one fails with vo_correlation_id_set()'s error.
 *  On failure the thread's id is unchanged and the scope must not be left. */
int vo__cid_scope_enter(vo__cid_scope *s, const char *given);
/** Restore the thread's id from before vo__cid_scope_enter(). */
void vo__cid_scope_leave(const vo__cid_scope *s);

/* ---- small string helpers ------------------------------------------------------------ */
/**
 * BLAKE2b (libsodium crypto_generichash) of `count` parts, each preceded by its length (8
 * bytes, big-endian) so that part boundaries are unambiguous. key NULL / key_len 0: unkeyed;
 * else 16-64 bytes. out_len 16-64. A part may be NULL when its length is 0.
 */
void vo__digest_parts(unsigned char *out, size_t out_len, const unsigned char *key,
                      size_t key_len, const void *const *parts, const size_t *lens,
                      size_t count);
/**
 * Constant-time equality of n bytes (n itself is not secret): libsodium's fixed-size
 * comparisons over whole 32- and 16-byte blocks, sodium_memcmp() for the rest. Faster than
 * sodium_memcmp() alone on MACs and keys, which are on every verification's path.
 */
bool vo__ct_equal(const void *a, const void *b, size_t n);
/** ASCII case-insensitive equality of NUL-terminated strings. */
bool vo__str_ieq(const char *a, const char *b);
/** ASCII case-insensitive equality of a length-delimited string with a C string. */
bool vo__strn_ieq(const char *a, size_t a_len, const char *b);
/** A provider base URL: http(s)://host, no user info, no white space or control characters,
 *  no query or fragment. */
bool vo__base_url_ok(const char *url);
/** True for an http:// URL whose host is not loopback (localhost, 127.0.0.0/8, [::1]):
 *  credentials sent there travel in clear text. */
bool vo__base_url_cleartext(const char *url);
/** Copy with truncation; always NUL-terminates when size > 0. Returns true if it fit. */
bool vo__strlcpy(char *dst, const char *src, size_t size);

/* ---- encoding --------------------------------------------------------------------------
 * Standard base64 with padding, strict and canonical like vo_base64_decode() with
 * VO_BASE64_STANDARD (same inputs accepted, same bytes), but with table-free branches
 * instead of libsodium's constant-time decoder: only for data that is not secret (a
 * signature a request carries). Returns VO_OK, VO_EPARSE or VO_ERANGE (out_size too small).
 */
int vo__base64_decode_public(unsigned char *out, size_t out_size, size_t *out_len,
                             const char *b64, size_t b64_len);

/* ---- growable byte buffer ------------------------------------------------------------ */
typedef struct vo__buf {
    char *data;
    size_t len;
    size_t cap;
    bool failed; /* an allocation failed; further appends are ignored */
} vo__buf;

#define VO__BUF_INIT  \
  {                   \
    NULL, 0, 0, false \
  }
bool vo__buf_reserve(vo__buf *b, size_t extra);
bool vo__buf_append(vo__buf *b, const void *data, size_t len);
bool vo__buf_append_str(vo__buf *b, const char *s);
bool vo__buf_append_char(vo__buf *b, char c);
/** NUL-terminate (not counted in len). Returns false when an allocation failed. */
bool vo__buf_finish(vo__buf *b);
/** Free the buffer; wipes its contents first when `wipe` is true. */
void vo__buf_free(vo__buf *b, bool wipe);

/* ---- secure memory -------------------------------------------------------------------
 * Blocks in libsodium's guarded heap (guard pages, canary, mlock, excluded from core dumps),
 * for key material and decrypted secrets. A sodium_malloc() costs several system calls, so
 * freed blocks of common sizes (up to 4 KiB) are wiped and kept in a small bounded pool for
 * reuse; they keep their guard pages and locking while pooled. The pool is emptied by
 * vo_shutdown(). Thread-safe.
 */
/** A zero-filled block of `size` bytes, or NULL (out of memory). */
void *vo__secure_alloc(size_t size);
/** Wipe and release (or pool) a block from vo__secure_alloc(). Accepts NULL. */
void vo__secure_free(void *ptr);

/* ---- provider JSON documents (cJSON) --------------------------------------------------- */
struct cJSON;
/** The member `name` of obj, or of its object member for "a.b"; NULL when absent. */
const struct cJSON *vo__json_path(const struct cJSON *obj, const char *name);
/** The string at `name`, or NULL when absent or not a string. */
const char *vo__json_str(const struct cJSON *obj, const char *name);
/** The integer at `name` (a number, or with decimal_strings a decimal string): VO_OK,
 *  VO_ENOTFOUND (absent or null) or VO_EPARSE, with an error message naming the field. */
int vo__json_int(const struct cJSON *obj, const char *name, long long *out,
                 bool decimal_strings);
/** The boolean at `name` as 0/1: VO_OK, VO_ENOTFOUND or VO_EPARSE. */
int vo__json_bool(const struct cJSON *obj, const char *name, int *out);

/* ---- MACs ----------------------------------------------------------------------------
 * Keyed MAC state that can be reset and reused for several messages with the same key
 * (the key schedule is computed once). SHA-1 comes from OpenSSL's libcrypto, SHA-256 and
 * SHA-512 from libsodium. Not thread-safe: one state per thread.
 */
typedef enum vo__mac_alg {
    VO__MAC_SHA1 = 0,
    VO__MAC_SHA256 = 1,
    VO__MAC_SHA512 = 2
} vo__mac_alg;
#define VO__MAC_MAX_SIZE 64

typedef struct vo__mac vo__mac;
/** Create a keyed MAC state (the key may be any length). */
int vo__mac_new(vo__mac **out, vo__mac_alg alg, const void *key, size_t key_len);
/** Reset to the keyed initial state. */
int vo__mac_begin(vo__mac *m);
int vo__mac_update(vo__mac *m, const void *data, size_t len);
/** Finish; writes vo__mac_size() bytes to out. */
int vo__mac_final(vo__mac *m, unsigned char *out);
size_t vo__mac_size(vo__mac_alg alg);
/** Wipe and free. Accepts NULL. */
void vo__mac_free(vo__mac *m);
/**
 * A keyed MAC state from the calling thread's cache, created on a miss. Building a keyed
 * state costs more than hashing a short message with it, so callers that see the same keys
 * again and again (webhook verification with a tenant's auth token) borrow it from here.
 * The state belongs to the cache: never free it; it stays valid until the next
 * vo__mac_cached() call on the same thread. Start each message with vo__mac_begin(). The cache is small (8 keys per thread), its
 * entries are wiped when evicted, at thread exit and by vo_shutdown() on that thread.
 */
int vo__mac_cached(vo__mac **out, vo__mac_alg alg, const void *key, size_t key_len);
/** One-shot convenience. */
int vo__mac_oneshot(vo__mac_alg alg, const void *key, size_t key_len, const void *data,
                    size_t len, unsigned char *out);

/* ---- reserved vault tenants (lib/vault/keyring.c) ---------------------------------- */
/* Tenant ids starting with VO__RESERVED_PREFIX belong to the library (the webhook routing
 * index): every public vault call refuses them (VO_EINVAL) and tenant lists hide them,
 * except on a thread inside a reserved scope. Enter returns the previous state; pass it to
 * leave. Use the scope around the calls that name a reserved tenant, nothing else. */
#define VO__RESERVED_PREFIX "voiceops-"
bool vo__vault_reserved_enter(void);
void vo__vault_reserved_leave(bool prev);

#endif /* VO_CORE_INTERNAL_H */
