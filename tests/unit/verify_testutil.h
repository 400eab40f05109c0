/* Checks shared by the suites that test verify outcomes: the result is filled on every path,
 * consistently with the return code, and maps to the HTTP status a handler should answer. */
#ifndef VO_VERIFY_TESTUTIL_H
#define VO_VERIFY_TESTUTIL_H

#include "testutil.h"

/* Don't-care value for the expected timestamp. */
#define VT_ANY_TS INT64_MIN

/* A result full of garbage apart from a valid version: every field must be overwritten. */
static inline void vt_garbage(vo_verify_result *r)
{
    memset(r, 0xA5, sizeof(*r));
    r->version = VO_VERIFY_RESULT_VERSION;
}

/* The status each reason stands for, written out independently of the library's table. */
static inline int vt_status_of(vo_verify_reason reason)
{
    switch (reason) {
    case VO_VERIFY_OK:
    case VO_VERIFY_DUPLICATE: return 200;
    case VO_VERIFY_REPLAY: return 403;
    case VO_VERIFY_MISSING_SIGNATURE:
    case VO_VERIFY_EMPTY_SIGNATURE:
    case VO_VERIFY_MALFORMED_SIGNATURE:
    case VO_VERIFY_MISMATCH:
    case VO_VERIFY_BODY_HASH_MISMATCH:
    case VO_VERIFY_MISSING_BODY_HASH:
    case VO_VERIFY_MISSING_TIMESTAMP:
    case VO_VERIFY_MALFORMED_TIMESTAMP:
    case VO_VERIFY_TIMESTAMP_TOO_OLD:
    case VO_VERIFY_TIMESTAMP_TOO_NEW:
    case VO_VERIFY_MISSING_ID: return 403;
    case VO_VERIFY_MALFORMED_BODY:
    case VO_VERIFY_MALFORMED_TOKEN: return 400;
    case VO_VERIFY_BODY_TOO_LARGE: return 413;
    case VO_VERIFY_UNKNOWN_TOKEN: return 404;
    case VO_VERIFY_URL_TOO_LONG: return 414;
    case VO_VERIFY_NO_KEY:
    case VO_VERIFY_MALFORMED_URL:
    case VO_VERIFY_INVALID_ARGUMENT:
    case VO_VERIFY_INTERNAL_ERROR:
    case VO_VERIFY_NOT_INITIALIZED: return 500;
    }
    return -1;
}

/*
 * Check one outcome: the code, the reason, every other field consistent with a failure (or
 * with want_key on success), the thread's error record and the HTTP status.
 */
static inline void vt_check_at(const char *where, int rc, const vo_verify_result *r,
                               int want_rc, vo_verify_reason want_reason, int64_t want_ts,
                               const char *fn)
{
    ck_assert_msg(rc == want_rc, "%s: returned %s, want %s (%s)", where, vo_error_name(rc),
                  vo_error_name(want_rc), vo_error_last()->message);
    ck_assert_msg(r->version == VO_VERIFY_RESULT_VERSION, "%s: version changed", where);
    ck_assert_msg(r->reason == want_reason, "%s: reason %s, want %s", where,
                  vo_verify_reason_name(r->reason), vo_verify_reason_name(want_reason));
    ck_assert_msg((rc == VO_OK) == (r->reason == VO_VERIFY_OK), "%s: rc and reason disagree",
                  where);
    if (rc != VO_OK && r->reason == VO_VERIFY_BODY_HASH_MISMATCH) {
        /* documented: the URL's signature matched; these say which token and form */
        ck_assert_int_ge(r->key_index, 0);
        ck_assert_int_ge(r->url_form, 0);
    } else if (rc != VO_OK) {
        ck_assert_msg(r->key_index == -1 && r->url_form == -1 && r->signature_index == -1,
                      "%s: a failure with a match index (%d %d %d)", where, r->key_index,
                      r->url_form, r->signature_index);
    }
    if (rc != VO_OK) {
        ck_assert_int_eq(vo_error_last()->code, rc);
        const char *m = vo_error_last()->message;
        ck_assert_msg(strstr(m, "[REDACTED]") == NULL, "%s: message '%s'", where, m);
        ck_assert_msg(strstr(m, fn) != NULL, "%s: message '%s' does not name %s", where, m, fn);
    } else {
        ck_assert_int_ge(r->key_index, 0);
    }
    ck_assert_msg(r->forms_tried >= 0 && r->forms_tried <= 4, "%s: forms_tried %d", where,
                  r->forms_tried);
    if (want_ts != VT_ANY_TS)
        ck_assert_msg(r->timestamp == want_ts, "%s: timestamp %lld, want %lld", where,
                      (long long)r->timestamp, (long long)want_ts);
    int st = vo_verify_http_status(rc, r);
    ck_assert_msg(st == vt_status_of(want_reason), "%s: status %d, want %d", where, st,
                  vt_status_of(want_reason));
    /* Never a 500 for what the network sent; 500 only for the server's own faults. */
    if (st == 500)
        ck_assert_msg(rc == VO_EINVAL || rc == VO_ENOTINIT || rc == VO_ENOMEM ||
                          rc == VO_ECRYPTO || rc == VO_EINTERNAL || rc == VO_ERANGE ||
                          rc == VO_ESTORAGE,
                      "%s: 500 for %s", where, vo_error_name(rc));
}

#define VT_STR2(x) #x
#define VT_STR(x) VT_STR2(x)
/* Pre-fill `res` with garbage, evaluate `call` (which writes `res`), check the outcome. */
#define VT_EXPECT(res, call, want_rc, want_reason, want_ts, fn)                          \
  do {                                                                                   \
    vt_garbage(&(res));                                                                  \
    vo_error_clear();                                                                    \
    int vt_rc_ = (call);                                                                 \
    vt_check_at(__FILE__ ":" VT_STR(__LINE__), vt_rc_, &(res), (want_rc), (want_reason), \
                (want_ts), (fn));                                                        \
  } while (0)

#endif
