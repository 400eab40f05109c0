/* Internal interface of the webhook module (form parsing, URL forms, shared checks). */
#ifndef VO_WEBHOOK_INTERNAL_H
#define VO_WEBHOOK_INTERNAL_H

#include <stdbool.h>

#include "voiceops/webhook.h"
#include "../core/internal.h"

/* ---- forms ---------------------------------------------------------------------------- */
typedef struct vo__pair {
    const char *name;
    const char *value;
    size_t name_len;
    size_t value_len;
} vo__pair;

struct vo_form {
    vo__handle h; /* first: type tag, state, references */
    size_t n;
    vo__pair *pairs; /* n entries; strings point into the same block */
    bool owned;      /* allocated by vo__form_decode (else caller-provided memory) */
};

/**
 * Decode application/x-www-form-urlencoded text into a vo_form (one allocation).
 * Returns VO_OK, VO_EPARSE (message says why), VO_ETOOBIG or VO_ENOMEM.
 */
int vo__form_decode(vo_form **out, const char *body, size_t len, size_t max_len);
/** Size of the block that vo__form_decode_into() needs for a body of `len` bytes. */
size_t vo__form_size(const char *body, size_t len);
/**
 * Decode into caller-provided memory `f` of `size` >= vo__form_size() bytes (aligned for
 * vo_form), e.g. a stack buffer for small bodies. vo_form_free() on it does nothing.
 */
int vo__form_decode_into(vo_form *f, size_t size, const char *body, size_t len);
/**
 * Decode a form body packed, for signing: no separators, each pair's value right after its
 * name (pairs[i].value == pairs[i].name + pairs[i].name_len) and the next pair right after
 * the value, so the pairs of a body already in signing order are one run of `*store_len`
 * bytes at `store`. `store` needs `len` bytes, `pairs` room for `max_pairs` entries. The
 * strings are not NUL-terminated. Returns VO_OK or VO_EPARSE (as vo__form_decode()).
 */
int vo__form_decode_packed(vo__pair *pairs, size_t max_pairs, size_t *count, char *store,
                           size_t *store_len, const char *body, size_t len);

/* ---- Twilio URL forms ----------------------------------------------------------------- */
#define VO__URL_FORMS 4
#define VO__URL_MAX_LEN VO_WEBHOOK_MAX_URL

/* Where a URL splits (vo__twilio_url_split): indexes into the URL. */
typedef struct vo__url_parts {
    size_t scheme_len;  /* bytes before "://" */
    size_t host_end;    /* index just after the host (after ']' for IPv6) */
    size_t auth_end;    /* index of the first '/', '?', '#' after the authority, or len */
    size_t query_start; /* index of '?', or (size_t)-1 */
    size_t query_end;   /* index of '#' after the query, or len */
    bool has_port;
} vo__url_parts;

/* Room inside vo__url_forms for the forms it builds; longer ones take one allocation. */
#define VO__URL_FORMS_SPACE 1024

typedef struct vo__url_forms {
    size_t n;                       /* distinct forms, 1..4 */
    const char *url[VO__URL_FORMS]; /* NUL-terminated, distinct; url[0] is the caller's */
    size_t len[VO__URL_FORMS];
    int form[VO__URL_FORMS]; /* the vo_webhook_twilio_url_form of each entry */
    char *heap;              /* the forms' room when `space` is too small, else NULL */
    char space[VO__URL_FORMS_SPACE];
} vo__url_forms;

/* Flags of vo__twilio_url_forms_split(). */
#define VO__URL_FORMS_VARIANTS 1u    /* the port and legacy-query forms, not only the URL */
#define VO__URL_FORMS_NO_SHORTCUT 2u /* re-encode every query the long way (for tests) */

/**
 * Split a URL into the parts the forms need (no allocation): VO_OK, VO_EINVAL (empty,
 * relative or with a non-numeric port) or VO_EREQUEST (longer than VO_WEBHOOK_MAX_URL).
 */
int vo__twilio_url_split(const char *url, size_t len, vo__url_parts *parts);
/** vo__twilio_url_split() for a NUL-terminated URL, without the parts. */
int vo__twilio_url_check(const char *url);

/**
 * Build the URL forms Twilio verification tries, in order, skipping byte-identical
 * repeats, from a URL already split. url[0] is `url` itself, which must outlive `out`.
 * Nothing is allocated unless the forms outgrow `out->space`. Returns VO_OK or VO_ENOMEM;
 * release with vo__url_forms_free() (also after an error).
 */
int vo__twilio_url_forms_split(vo__url_forms *out, const char *url, size_t len,
                               const vo__url_parts *parts, unsigned flags);
/** Split, then build the forms (all of them with `variants`, else only the URL as given):
 *  VO_OK, the errors of vo__twilio_url_split(), or VO_ENOMEM. */
int vo__twilio_url_forms(vo__url_forms *out, const char *url, bool variants);
void vo__url_forms_free(vo__url_forms *f);

/* ---- shared helpers ------------------------------------------------------------------- */
/**
 * Copy a caller's versioned struct (vo__struct_copy()); when its version is refused, the
 * result's reason is VO_VERIFY_INVALID_ARGUMENT and the error message names the struct.
 * `src` NULL gives the defaults.
 */
int vo__verify_struct(vo_verify_result *r, const vo__struct_info *info, const char *fn,
                      void *dst, const void *src);
/**
 * Start a verification: reset the result (may be NULL) to "failed, nothing matched", refuse
 * a result of unknown version (VO_EINVAL, reason VO_VERIFY_INVALID_ARGUMENT) and require
 * vo_init() (VO_ENOTINIT, reason VO_VERIFY_NOT_INITIALIZED). `what` names the public
 * function in the error message. Returns VO_OK or the code to return.
 */
int vo__verify_begin(vo_verify_result *r, const char *what);
/**
 * Record the outcome: sets result->reason, an error message for non-OK reasons, and
 * returns the VO_* code that goes with the reason.
 */
int vo__verify_fail(vo_verify_result *r, vo_verify_reason reason, int code, const char *what);
/**
 * Find a header by case-insensitive name. *value is NULL when absent. Returns false when the
 * header is given more than once with different values (ambiguous).
 */
bool vo__header_get(const vo_webhook_request *req, const char *name, const char **value);
/** Trim spaces and tabs at both ends; returns the trimmed length, *start the new start. */
size_t vo__trim(const char *s, const char **start);
/**
 * Parse a digits-only decimal timestamp of at most 18 digits. Returns false on any other
 * character, on empty input or on overflow.
 */
bool vo__parse_digits(const char *s, size_t len, int64_t *out);
/** Check `ts` against `now` with `tolerance` seconds both ways; returns the reason. */
vo_verify_reason vo__check_tolerance(int64_t ts, int64_t now, int64_t tolerance);

#endif /* VO_WEBHOOK_INTERNAL_H */
