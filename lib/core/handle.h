/*
 * Handles that fail safe: the common header of every opaque object handed to callers.
 *
 * Every public handle type embeds a vo__handle as its FIRST member, and every string handed
 * to a caller through `char **` (freed with vo_free()) is preceded by one. The header holds
 * a magic number, the handle type, a state and an atomic reference count:
 *
 *   LIVE    the caller holds it; public functions accept it.
 *   CLOSED  the caller closed/freed it, but another handle still holds a reference
 *           (a client keeps its shared HTTP client, an iterator its client); public
 *           functions refuse it with VO_EHANDLE, the library keeps using it internally.
 *   DEAD    the last reference went: its destroy function ran, its contents were wiped,
 *           and the block waits in a bounded quarantine (the last VO__HANDLE_QUARANTINE
 *           blocks) before it really goes back to malloc, so a late call with it is
 *           detected without reading freed memory.
 *
 * Detection is not possible for a block that the quarantine has already evicted (more than
 * VO__HANDLE_QUARANTINE handles freed since), nor for pointers the library never allocated.
 *
 * Thread-safety: state changes are atomic compare-and-swaps and the reference count is a
 * C11 atomic, so two threads closing the same handle see exactly one close succeed, and
 * the last of several owners on any thread destroys it. Using a handle on one thread while
 * another thread closes it is still a caller error (as in every C library).
 */
#ifndef VO_CORE_HANDLE_H
#define VO_CORE_HANDLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VO__HANDLE_MAGIC 0xB01CE0A5u
#define VO__HANDLE_QUARANTINE 1024

typedef enum vo__htype {
    VO__H_NONE = 0,
    VO__H_STRING, /* memory for vo_free() */
    VO__H_VAULT,
    VO__H_KEYRING,
    VO__H_SECRET,
    VO__H_HTTP_CLIENT,
    VO__H_HTTP_RESPONSE,
    VO__H_TWILIO_CLIENT,
    VO__H_TWILIO_RESOURCE,
    VO__H_TWILIO_ITER,
    VO__H_VAPI_CLIENT,
    VO__H_VAPI_RESOURCE,
    VO__H_VAPI_ITER,
    VO__H_TWILIO_CREDENTIALS,
    VO__H_VAPI_CREDENTIALS,
    VO__H_SMTP_CREDENTIALS,
    VO__H_FORM,
    VO__H_TENANT_LIST,
    VO__H_SECRET_LIST,
    VO__H_AUDIT_LIST,
    VO__H_IMPORT_REPORT,
    VO__H_NUMBER_IMPORT_REPORT,
    VO__H_VAPI_MESSAGE,
    VO__H_VAPI_TOOL_RESULTS,
    VO__H_COUNT
} vo__htype;

typedef enum vo__hstate {
    VO__HS_LIVE = 1,
    VO__HS_CLOSED = 2,
    VO__HS_DEAD = 3
} vo__hstate;

typedef struct vo__handle {
    uint32_t magic;
    uint16_t type;          /* vo__htype */
    uint16_t embedded;      /* part of another handle: never freed on its own */
    _Atomic uint32_t state; /* vo__hstate */
    atomic_uint refs;
    void (*destroy)(void *self); /* releases what the handle owns (not the block) */
    size_t size;                 /* size of the block, header included */
} vo__handle;

/** Allocate a zero-filled handle block of `size` bytes (a struct whose first member is a
 *  vo__handle): LIVE, one reference (the caller's). `destroy` may be NULL. NULL when out of
 *  memory (no error recorded). */
void *vo__handle_new(size_t size, vo__htype type, void (*destroy)(void *self));

/** Initialise the header of a handle that lives inside another one (an iterator's current
 *  item): LIVE, never destroyed or quarantined on its own. */
void vo__handle_init_embedded(vo__handle *h, vo__htype type);

/** True when p is a LIVE handle of `type` (false for NULL). Never records an error. */
bool vo__handle_ok(const void *p, vo__htype type);

/**
 * Entry check of a public function: VO_OK when p is NULL (the caller's own NULL check
 * follows) or a LIVE handle of `type`; otherwise records VO_EHANDLE with a message naming
 * `fn` and the expected type, logs it at error level and returns VO_EHANDLE.
 */
int vo__handle_check(const void *p, vo__htype type, const char *fn);

/** Return VO_EHANDLE from the enclosing int function unless vo__handle_check() passes. */
#define VO__HANDLE_CHECK(p, type, fn)             \
  do {                                            \
    if ((p) && !vo__handle_ok((p), (type)))       \
      return vo__handle_check((p), (type), (fn)); \
  } while (0)

/** For accessors that return pointers or counts: p when it is a LIVE handle of `type`;
 *  NULL when p is NULL or (after recording and logging VO_EHANDLE) invalid. */
void *vo__handle_or_null(const void *p, vo__htype type, const char *fn);

/** Take one more reference (p must be a handle the caller keeps alive). Accepts NULL. */
void vo__handle_retain(void *p);

/** Drop one reference; the last one destroys the handle and quarantines its block.
 *  Accepts NULL. */
void vo__handle_release(void *p);

/**
 * The caller's *_free / *_close: when p is a LIVE handle of `type`, mark it CLOSED and drop
 * the caller's reference. Otherwise (already closed or freed, another type, a vo_free
 * string) record VO_EHANDLE, log at error level and change nothing. Accepts NULL.
 */
void vo__handle_close(void *p, vo__htype type, const char *fn);

/** Internal close of a handle the library created and may also have shown to the caller
 *  (a client's own HTTP client): mark CLOSED and drop that reference unless it was closed
 *  already. Silent. Accepts NULL. */
void vo__handle_close_quiet(void *p);

/* ---- strings for vo_free() ------------------------------------------------------------- */
/** A zero-filled block of `len` + 1 bytes that the caller frees with vo_free(); NULL when
 *  out of memory. */
char *vo__out_alloc(size_t len);
/** Copy of s (len bytes plus a NUL) for vo_free(); NULL when out of memory. */
char *vo__out_strndup(const char *s, size_t len);

/** Name of a handle type ("vo_vault"). */
const char *vo__htype_name(vo__htype type);

#endif /* VO_CORE_HANDLE_H */
