/* The application/x-www-form-urlencoded parser behind every verifier and binding. */
#include <stdbool.h>
#include <stdint.h>

#include "testutil.h"

static vo_form *parse(const char *s)
{
    vo_form *f = NULL;
    ck_assert_vo_ok(vo_form_parse(&f, s, strlen(s)));
    return f;
}

START_TEST(decoding)
{
    vo_form *f = parse("a=1&b=x+y&c=%41%2b%2F&d=&e&%C3%A9t%C3%A9=caf%c3%a9");
    ck_assert_uint_eq(vo_form_count(f), 6);
    ck_assert_str_eq(vo_form_name(f, 0), "a");
    ck_assert_str_eq(vo_form_value(f, 0), "1");
    ck_assert_str_eq(vo_form_value(f, 1), "x y");
    ck_assert_str_eq(vo_form_value(f, 2), "A+/");
    ck_assert_str_eq(vo_form_value(f, 3), "");
    ck_assert_str_eq(vo_form_name(f, 4), "e");
    ck_assert_str_eq(vo_form_value(f, 4), "");
    ck_assert_str_eq(vo_form_name(f, 5), "\xC3\xA9t\xC3\xA9");
    ck_assert_str_eq(vo_form_value(f, 5), "caf\xC3\xA9");
    ck_assert_ptr_null(vo_form_name(f, 6));
    ck_assert_ptr_null(vo_form_value(f, 6));
    vo_form_free(f);
}
END_TEST

START_TEST(repeated_and_empty_segments)
{
    vo_form *f = parse("&&k=1&&k=2&k=1&=v&");
    ck_assert_uint_eq(vo_form_count(f), 4);
    ck_assert_str_eq(vo_form_get(f, "k"), "1");
    ck_assert_str_eq(vo_form_value(f, 1), "2");
    ck_assert_str_eq(vo_form_value(f, 2), "1");
    ck_assert_str_eq(vo_form_name(f, 3), "");
    ck_assert_str_eq(vo_form_value(f, 3), "v");
    ck_assert_ptr_null(vo_form_get(f, "missing"));
    ck_assert_ptr_null(vo_form_get(f, NULL));
    vo_form_free(f);
    /* '=' inside a value is kept: only the first one splits. */
    f = parse("q=a=b==");
    ck_assert_str_eq(vo_form_value(f, 0), "a=b==");
    vo_form_free(f);
    f = parse("");
    ck_assert_uint_eq(vo_form_count(f), 0);
    vo_form_free(f);
}
END_TEST

START_TEST(invalid_escapes_rejected)
{
    const char *bad[] = {"a=%", "a=%4",       "a=%4g", "a=%g4",
                         "%=1", "a=1&b=%%41", "a=%00", "%00=x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        vo_form *f = (vo_form *)1;
        ck_assert_vo_rc(vo_form_parse(&f, bad[i], strlen(bad[i])), VO_EPARSE);
        ck_assert_ptr_null(f);
    }
    vo_form *f;
    ck_assert_vo_rc(vo_form_parse(&f, "a\0b", 3), VO_EPARSE);
    ck_assert_vo_rc(vo_form_parse(NULL, "a", 1), VO_EINVAL);
    ck_assert_vo_rc(vo_form_parse(&f, NULL, 1), VO_EINVAL);
    ck_assert_vo_ok(vo_form_parse(&f, NULL, 0));
    ck_assert_uint_eq(vo_form_count(f), 0);
    vo_form_free(f);
    vo_form_free(NULL);
    ck_assert_uint_eq(vo_form_count(NULL), 0);
}
END_TEST

START_TEST(limits)
{
    /* VO_FORM_MAX_PARAMS pairs are fine, one more is refused. */
    size_t n = VO_FORM_MAX_PARAMS + 1;
    char *s = malloc(n * 2 + 1);
    ck_assert_ptr_nonnull(s);
    for (size_t i = 0; i < n; i++) {
        s[2 * i] = 'a';
        s[2 * i + 1] = '&';
    }
    s[2 * n - 1] = '\0';
    vo_form *f;
    ck_assert_vo_rc(vo_form_parse(&f, s, strlen(s)), VO_EPARSE);
    s[2 * (n - 1) - 1] = '\0';
    ck_assert_vo_ok(vo_form_parse(&f, s, strlen(s)));
    ck_assert_uint_eq(vo_form_count(f), VO_FORM_MAX_PARAMS);
    vo_form_free(f);
    free(s);
    size_t big = VO_WEBHOOK_DEFAULT_MAX_BODY + 1;
    char *b = malloc(big);
    ck_assert_ptr_nonnull(b);
    memset(b, 'x', big);
    ck_assert_vo_rc(vo_form_parse(&f, b, big), VO_ETOOBIG);
    free(b);
}
END_TEST

/* ---- differential: the decoder against a plain reference, over generated bodies -------- */

static int ref_hex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode one name or value the plain way: '+' is a space, %XX a byte; false when malformed
 * (a short or non-hex escape, %00, a raw NUL). */
static bool ref_part(const char *s, size_t n, char *out, size_t *out_len)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\0')
            return false;
        if (s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%') {
            if (n - i < 3 || ref_hex((unsigned char)s[i + 1]) < 0 ||
                ref_hex((unsigned char)s[i + 2]) < 0)
                return false;
            int c = ref_hex((unsigned char)s[i + 1]) * 16 + ref_hex((unsigned char)s[i + 2]);
            if (c == 0)
                return false;
            out[o++] = (char)c;
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    *out_len = o;
    return true;
}

/* Bodies with runs of every length around the 16-byte blocks and 64-byte windows of the
 * decoder, escapes across window edges, empty segments, '=' in values, malformed escapes and
 * NUL bytes: vo_form_parse gives what the reference gives, pair by pair, or fails when the
 * reference fails. */
START_TEST(differential_against_reference)
{
    static const char *const pieces[] = {"a",   "bc",  "=",   "&",  "+",
                                         "%41", "%2B", "%e9", "%7", "%zz",
                                         "%00", "xyz", "&&",  "==", "0123456789abcdef",
                                         "Q",   "%",   "\x01"};
    uint32_t x = 7;
    char body[2048];
    int parsed = 0;
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = 0;
        x = x * 1103515245u + 12345u;
        size_t count = (x >> 16) % 60;
        bool with_nul = (x >> 8) % 50 == 0;
        for (size_t k = 0; k < count; k++) {
            x = x * 1103515245u + 12345u;
            unsigned which = (x >> 16) % (sizeof(pieces) / sizeof(pieces[0]));
            if (which >= 6 && which <= 10 && (x >> 8) % 4) /* malformed escapes are rarer */
                which = 0;
            const char *p = pieces[which];
            size_t pl = strlen(p);
            if (len + pl + 1 >= sizeof(body))
                break;
            memcpy(body + len, p, pl);
            len += pl;
        }
        if (with_nul && len > 0)
            body[(x >> 4) % len] = '\0';
        /* the reference: split on '&', then at the first '=' */
        char want_store[4096];
        size_t want_off[2048][2], want_len[2048][2], want_n = 0, w = 0;
        bool ok = true;
        for (size_t st = 0; st <= len && ok;) {
            size_t e = st;
            while (e < len && body[e] != '&')
                e++;
            if (e > st) {
                size_t eq = st;
                while (eq < e && body[eq] != '=')
                    eq++;
                size_t nl = 0, vl = 0;
                ok = ref_part(body + st, eq - st, want_store + w, &nl);
                want_off[want_n][0] = w;
                want_len[want_n][0] = nl;
                w += nl;
                if (ok && eq < e)
                    ok = ref_part(body + eq + 1, e - eq - 1, want_store + w, &vl);
                want_off[want_n][1] = w;
                want_len[want_n][1] = vl;
                w += vl;
                want_n++;
            }
            st = e + 1;
        }
        vo_form *f = NULL;
        int rc = vo_form_parse(&f, body, len);
        if (!ok) {
            ck_assert_msg(rc == VO_EPARSE, "iteration %d: accepted a malformed body", iter);
            continue;
        }
        ck_assert_msg(rc == VO_OK, "iteration %d: %s", iter, vo_error_last()->message);
        ck_assert_uint_eq(vo_form_count(f), want_n);
        for (size_t i = 0; i < want_n; i++) {
            const char *nm = vo_form_name(f, i), *vl = vo_form_value(f, i);
            ck_assert_uint_eq(strlen(nm), want_len[i][0]);
            ck_assert_uint_eq(strlen(vl), want_len[i][1]);
            ck_assert(memcmp(nm, want_store + want_off[i][0], want_len[i][0]) == 0);
            ck_assert(memcmp(vl, want_store + want_off[i][1], want_len[i][1]) == 0);
        }
        vo_form_free(f);
        parsed++;
    }
    ck_assert_int_gt(parsed, 3000);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("form");
    TCase *t = tcase_create("form");
    tcase_add_test(t, decoding);
    tcase_add_test(t, repeated_and_empty_segments);
    tcase_add_test(t, invalid_escapes_rejected);
    tcase_add_test(t, limits);
    tcase_add_test(t, differential_against_reference);
    suite_add_tcase(s, t);
    return s;
}

VO_TEST_MAIN(suite)
