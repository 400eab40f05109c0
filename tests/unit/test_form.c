/* The application/x-www-form-urlencoded parser behind every verifier and binding. */
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

static Suite *suite(void)
{
    Suite *s = suite_create("form");
    TCase *t = tcase_create("form");
    tcase_add_test(t, decoding);
    tcase_add_test(t, repeated_and_empty_segments);
    tcase_add_test(t, invalid_escapes_rejected);
    tcase_add_test(t, limits);
    suite_add_tcase(s, t);
    return s;
}

VO_TEST_MAIN(suite)
