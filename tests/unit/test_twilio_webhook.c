/* Twilio signature computation and verification: published vectors and edge cases. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdbool.h>
#include <stdio.h>

#include "testutil.h"
#include "webhook/webhook_internal.h" /* the URL form builder, tested alone */

static const char TOKEN[] = "12345";
static const char URL[] = "https://mycompany.com/myapp.php?foo=1&bar=2";
static const vo_param PARAMS[] = {
    {"CallSid", "CA1234567890ABCDE"}, {"Caller", "+14158675309"}, {"Digits", "1234"},
    {"From", "+14158675309"},         {"To", "+18005551212"},
};
static const char FORM_BODY[] =
    "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309"
    "&To=%2B18005551212";
static const char FORM_CT[] = "application/x-www-form-urlencoded";
static const char EXPECTED[] = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

static const char *const TOKENS[] = {TOKEN};

static int verify_form(const char *url, const char *sig, vo_verify_result *r)
{
    return vo_webhook_twilio_verify(r, TOKENS, 1, url, sig, FORM_CT,
                                    (const unsigned char *)FORM_BODY, strlen(FORM_BODY));
}

START_TEST(vector_signature)
{
    char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    ck_assert_vo_ok(vo_webhook_twilio_sign(sig, sizeof(sig), TOKEN, URL, PARAMS, 5));
    ck_assert_str_eq(sig, EXPECTED);
    ck_assert_uint_eq(strlen(sig), 28);
}
END_TEST

START_TEST(vector_signature_param_order_irrelevant)
{
    vo_param reversed[5];
    for (int i = 0; i < 5; i++)
        reversed[i] = PARAMS[4 - i];
    char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    ck_assert_vo_ok(vo_webhook_twilio_sign(sig, sizeof(sig), TOKEN, URL, reversed, 5));
    ck_assert_str_eq(sig, EXPECTED);
}
END_TEST

START_TEST(vector_verify_form_body)
{
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_ok(verify_form(URL, EXPECTED, &r));
    ck_assert_int_eq(r.reason, VO_VERIFY_OK);
    ck_assert_int_eq(r.key_index, 0);
    ck_assert_int_eq(r.url_form, VO_WEBHOOK_TWILIO_URL_AS_GIVEN);
    ck_assert_int_eq(r.forms_tried, 1);
}
END_TEST

START_TEST(vector_port_removed)
{
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_ok(
        verify_form("https://mycompany.com:1234/myapp.php?foo=1&bar=2", EXPECTED, &r));
    ck_assert_int_eq(r.url_form, VO_WEBHOOK_TWILIO_URL_PORT_TOGGLED);
    ck_assert_int_eq(r.forms_tried, 2);
}
END_TEST

START_TEST(vector_port_kept)
{
    const char *url = "http://mycompany.com:1234/myapp.php?foo=1&bar=2";
    char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    ck_assert_vo_ok(vo_webhook_twilio_sign(sig, sizeof(sig), TOKEN, url, PARAMS, 5));
    ck_assert_str_eq(sig, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=");
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_ok(verify_form(url, sig, &r));
    ck_assert_int_eq(r.url_form, VO_WEBHOOK_TWILIO_URL_AS_GIVEN);
}
END_TEST

START_TEST(vector_userinfo)
{
    const char *url = "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2";
    char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    ck_assert_vo_ok(vo_webhook_twilio_sign(sig, sizeof(sig), TOKEN, url, PARAMS, 5));
    ck_assert_str_eq(sig, "CukzLTc1tT5dXEDIHm/tKBanW10=");
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_ok(verify_form(url, sig, &r));
    /* The port-added form keeps the user info. */
    ck_assert_vo_ok(
        verify_form("https://user:pass@mycompany.com:443/myapp.php?foo=1&bar=2", sig, &r));
    ck_assert_int_eq(r.url_form, VO_WEBHOOK_TWILIO_URL_PORT_TOGGLED);
    /* Signed with user info: the URL without it does not verify. */
    ck_assert_vo_rc(verify_form(URL, sig, &r), VO_EAUTH);
}
END_TEST

START_TEST(vector_repeated_keys)
{
    const vo_param p[] = {{"Sid", "CA123"},
                          {"SidAccount", "AC123"},
                          {"Digits", "5678"},
                          {"Digits", "1234"},
                          {"Digits", "1234"}};
    char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    ck_assert_vo_ok(vo_webhook_twilio_sign(sig, sizeof(sig), TOKEN, URL, p, 5));
    ck_assert_str_eq(sig, "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
    const char *body = "Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234&Digits=1234";
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_ok(vo_webhook_twilio_verify(&r, TOKENS, 1, URL, sig, FORM_CT,
                                             (const unsigned char *)body, strlen(body)));
}
END_TEST

static const char JSON_BODY[] = "{\"property\": \"value\", \"boolean\": true}";
static const char JSON_URL[] =
    "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256="
    "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";

START_TEST(vector_json_body)
{
    char hash[65];
    ck_assert_vo_ok(vo_webhook_twilio_body_sha256(
        hash, sizeof(hash), (const unsigned char *)JSON_BODY, strlen(JSON_BODY)));
    ck_assert_str_eq(hash, "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620");
    char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    ck_assert_vo_ok(vo_webhook_twilio_sign(sig, sizeof(sig), TOKEN, JSON_URL, NULL, 0));
    ck_assert_str_eq(sig, "a9nBmqA0ju/hNViExpshrM61xv4=");
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_ok(vo_webhook_twilio_verify(&r, TOKENS, 1, JSON_URL, sig, "application/json",
                                             (const unsigned char *)JSON_BODY,
                                             strlen(JSON_BODY)));
    ck_assert_int_eq(r.reason, VO_VERIFY_OK);
}
END_TEST

START_TEST(json_body_one_byte_changed)
{
    char body[sizeof(JSON_BODY)];
    memcpy(body, JSON_BODY, sizeof(body));
    for (size_t i = 0; i < strlen(body); i++) {
        body[i] ^= 0x01;
        vo_verify_result r = VO_VERIFY_RESULT_INIT;
        ck_assert_vo_rc(
            vo_webhook_twilio_verify(&r, TOKENS, 1, JSON_URL,
                                     "a9nBmqA0ju/hNViExpshrM61xv4=", "application/json",
                                     (const unsigned char *)body, strlen(body)),
            VO_EAUTH);
        ck_assert_int_eq(r.reason, VO_VERIFY_BODY_HASH_MISMATCH);
        body[i] ^= 0x01;
    }
}
END_TEST

START_TEST(json_body_without_hash_rejected)
{
    char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    ck_assert_vo_ok(vo_webhook_twilio_sign(sig, sizeof(sig), TOKEN, URL, NULL, 0));
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    /* A valid URL-only signature must not let an unhashed JSON body through. */
    ck_assert_vo_rc(vo_webhook_twilio_verify(&r, TOKENS, 1, URL, sig, "application/json",
                                             (const unsigned char *)JSON_BODY,
                                             strlen(JSON_BODY)),
                    VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MISSING_BODY_HASH);
    /* "{}" is a body too: it is not silently skipped. */
    ck_assert_vo_rc(vo_webhook_twilio_verify(&r, TOKENS, 1, URL, sig, "application/json",
                                             (const unsigned char *)"{}", 2),
                    VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MISSING_BODY_HASH);
    /* A body without any content type is not treated as "no body". */
    ck_assert_vo_rc(
        vo_webhook_twilio_verify(&r, TOKENS, 1, URL, sig, NULL, (const unsigned char *)"{}", 2),
        VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MISSING_BODY_HASH);
}
END_TEST

START_TEST(signature_wrong_empty_missing)
{
    vo_verify_result r1 = VO_VERIFY_RESULT_INIT, r2 = VO_VERIFY_RESULT_INIT,
                     r3 = VO_VERIFY_RESULT_INIT, r4 = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_rc(verify_form(URL, "WRONG_SIGNATURE", &r1), VO_EAUTH);
    ck_assert_vo_rc(verify_form(URL, "", &r2), VO_EAUTH);
    ck_assert_vo_rc(verify_form(URL, NULL, &r3), VO_EAUTH);
    /* Well-formed base64 of 20 bytes, wrong value. */
    ck_assert_vo_rc(verify_form(URL, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", &r4), VO_EAUTH);
    ck_assert_int_eq(r1.reason, VO_VERIFY_MALFORMED_SIGNATURE);
    ck_assert_int_eq(r2.reason, VO_VERIFY_EMPTY_SIGNATURE);
    ck_assert_int_eq(r3.reason, VO_VERIFY_MISSING_SIGNATURE);
    ck_assert_int_eq(r4.reason, VO_VERIFY_MISMATCH);
    ck_assert_int_ne(r1.reason, r2.reason);
    ck_assert_int_ne(r2.reason, r3.reason);
    ck_assert_int_eq(r4.key_index, -1);
    ck_assert_int_eq(r4.url_form, -1);
    ck_assert_str_eq(vo_verify_reason_name(r1.reason), "malformed_signature");
    ck_assert_str_eq(vo_verify_reason_name(r2.reason), "empty_signature");
    ck_assert_str_eq(vo_verify_reason_name(r3.reason), "missing_signature");
    ck_assert_str_eq(vo_verify_reason_name(r4.reason), "mismatch");
}
END_TEST

START_TEST(signature_noncanonical_base64)
{
    /* Last base64 digit with non-zero trailing bits: the same bytes, another spelling. */
    char sig[] = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
    sig[26] = '9';
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_rc(verify_form(URL, sig, &r), VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MALFORMED_SIGNATURE);
    /* Surrounding whitespace of a header value is tolerated. */
    ck_assert_vo_ok(verify_form(URL, "  RSOYDt4T1cUTdK1PDd93/VVr8B8=\t", &r));
}
END_TEST

START_TEST(no_token_is_error)
{
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_rc(vo_webhook_twilio_verify(&r, NULL, 0, URL, EXPECTED, FORM_CT,
                                             (const unsigned char *)FORM_BODY,
                                             strlen(FORM_BODY)),
                    VO_EINVAL);
    ck_assert_int_eq(r.reason, VO_VERIFY_NO_KEY);
    const char *empty[] = {""};
    ck_assert_vo_rc(vo_webhook_twilio_verify(&r, empty, 1, URL, EXPECTED, FORM_CT,
                                             (const unsigned char *)FORM_BODY,
                                             strlen(FORM_BODY)),
                    VO_EINVAL);
    ck_assert_int_eq(r.reason, VO_VERIFY_NO_KEY);
    const char *with_null[] = {TOKEN, NULL};
    ck_assert_vo_rc(vo_webhook_twilio_verify(&r, with_null, 2, URL, EXPECTED, FORM_CT,
                                             (const unsigned char *)FORM_BODY,
                                             strlen(FORM_BODY)),
                    VO_EINVAL);
}
END_TEST

START_TEST(several_tokens)
{
    const char *tokens[] = {"old-primary-token", TOKEN};
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_ok(vo_webhook_twilio_verify(&r, tokens, 2, URL, EXPECTED, FORM_CT,
                                             (const unsigned char *)FORM_BODY,
                                             strlen(FORM_BODY)));
    ck_assert_int_eq(r.key_index, 1);
    ck_assert_int_eq(r.url_form, VO_WEBHOOK_TWILIO_URL_AS_GIVEN);
    /* The first token was tried on both distinct forms before the second matched. */
    ck_assert_int_eq(r.forms_tried, 2);
    const char *wrong[] = {"a", "b", "c"};
    ck_assert_vo_rc(vo_webhook_twilio_verify(&r, wrong, 3, URL, EXPECTED, FORM_CT,
                                             (const unsigned char *)FORM_BODY,
                                             strlen(FORM_BODY)),
                    VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MISMATCH);
}
END_TEST

START_TEST(null_arguments)
{
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    ck_assert_vo_rc(vo_webhook_twilio_verify(&r, TOKENS, 1, NULL, EXPECTED, FORM_CT, NULL, 0),
                    VO_EINVAL);
    ck_assert_int_eq(r.reason, VO_VERIFY_MALFORMED_URL);
    ck_assert_vo_rc(vo_webhook_twilio_verify(&r, TOKENS, 1, URL, EXPECTED, FORM_CT, NULL, 5),
                    VO_EINVAL);
    ck_assert_int_eq(r.reason, VO_VERIFY_INVALID_ARGUMENT);
    /* result may be NULL */
    ck_assert_vo_rc(verify_form(URL, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", NULL), VO_EAUTH);
    ck_assert_vo_ok(verify_form(URL, EXPECTED, NULL));
    ck_assert_vo_rc(vo_webhook_twilio_sign(NULL, 29, TOKEN, URL, NULL, 0), VO_EINVAL);
    ck_assert_vo_rc(vo_webhook_twilio_sign(sig, sizeof(sig), NULL, URL, NULL, 0), VO_EINVAL);
    ck_assert_vo_rc(vo_webhook_twilio_sign(sig, sizeof(sig), "", URL, NULL, 0), VO_EINVAL);
    ck_assert_vo_rc(vo_webhook_twilio_sign(sig, sizeof(sig), TOKEN, NULL, NULL, 0), VO_EINVAL);
    ck_assert_vo_rc(vo_webhook_twilio_sign(sig, sizeof(sig), TOKEN, URL, NULL, 1), VO_EINVAL);
    ck_assert_vo_rc(vo_webhook_twilio_sign(sig, 28, TOKEN, URL, NULL, 0), VO_ERANGE);
    /* What cannot be verified is not signed either. */
    ck_assert_vo_rc(vo_webhook_twilio_sign(sig, sizeof(sig), TOKEN, "/myapp.php", NULL, 0),
                    VO_EINVAL);
    /* A configuration error is reported before anything about the request. */
    ck_assert_vo_rc(vo_webhook_twilio_verify(&r, TOKENS, 1, "/myapp.php", NULL, FORM_CT,
                                             (const unsigned char *)"a=%zz", 5),
                    VO_EINVAL);
    ck_assert_int_eq(r.reason, VO_VERIFY_MALFORMED_URL);
    const vo_param bad[] = {{"a", NULL}};
    ck_assert_vo_rc(vo_webhook_twilio_sign(sig, sizeof(sig), TOKEN, URL, bad, 1), VO_EINVAL);
}
END_TEST

START_TEST(malformed_urls)
{
    const char *bad[] = {"",
                         "mycompany.com/x",
                         "://host/x",
                         "https://",
                         "https:///path",
                         "https://host:12a/x",
                         "https://[::1/x",
                         "https://[::1]x/y",
                         "1http://host/"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        vo_verify_result r = VO_VERIFY_RESULT_INIT;
        ck_assert_vo_rc(verify_form(bad[i], EXPECTED, &r), VO_EINVAL);
        ck_assert_msg(r.reason == VO_VERIFY_MALFORMED_URL, "url '%s' reason %s", bad[i],
                      vo_verify_reason_name(r.reason));
    }
}
END_TEST

/* Sign `signed_url` and check that verification at `seen_url` finds form `form`. */
static void check_form(const char *signed_url, const char *seen_url, int form)
{
    char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    ck_assert_vo_ok(vo_webhook_twilio_sign(sig, sizeof(sig), TOKEN, signed_url, PARAMS, 5));
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    int rc = verify_form(seen_url, sig, &r);
    ck_assert_msg(rc == VO_OK, "signed '%s', seen '%s': %s", signed_url, seen_url,
                  vo_verify_reason_name(r.reason));
    ck_assert_msg(r.url_form == form, "signed '%s', seen '%s': form %d, want %d", signed_url,
                  seen_url, r.url_form, form);
}

START_TEST(url_forms_ports)
{
    check_form("https://example.com:443/hook", "https://example.com/hook",
               VO_WEBHOOK_TWILIO_URL_PORT_TOGGLED);
    check_form("http://example.com:80/hook", "http://example.com/hook",
               VO_WEBHOOK_TWILIO_URL_PORT_TOGGLED);
    check_form("https://example.com/hook", "https://example.com:8443/hook",
               VO_WEBHOOK_TWILIO_URL_PORT_TOGGLED);
    /* Empty path, with and without the default port. */
    check_form("https://example.com:443", "https://example.com",
               VO_WEBHOOK_TWILIO_URL_PORT_TOGGLED);
    check_form("https://example.com", "https://example.com:443",
               VO_WEBHOOK_TWILIO_URL_PORT_TOGGLED);
    check_form("https://example.com?x=1", "https://example.com:443?x=1",
               VO_WEBHOOK_TWILIO_URL_PORT_TOGGLED);
    /* IPv6 hosts: the port is after the bracket, the colons inside are not ports. */
    check_form("https://[2001:db8::1]:443/hook", "https://[2001:db8::1]/hook",
               VO_WEBHOOK_TWILIO_URL_PORT_TOGGLED);
    check_form("https://[2001:db8::1]/hook", "https://[2001:db8::1]:9000/hook",
               VO_WEBHOOK_TWILIO_URL_PORT_TOGGLED);
    check_form("http://[::1]:8080/hook", "http://[::1]:8080/hook",
               VO_WEBHOOK_TWILIO_URL_AS_GIVEN);
    /* User info without password, and with a colon in the password. */
    check_form("https://user@example.com:443/hook", "https://user@example.com/hook",
               VO_WEBHOOK_TWILIO_URL_PORT_TOGGLED);
    check_form("https://us%40er:p:a@ss@example.com/hook",
               "https://us%40er:p:a@ss@example.com:443/hook",
               VO_WEBHOOK_TWILIO_URL_PORT_TOGGLED);
    /* An @ in the query is not user info. */
    check_form("https://example.com:443/hook?email=a@b.c",
               "https://example.com/hook?email=a@b.c", VO_WEBHOOK_TWILIO_URL_PORT_TOGGLED);
}
END_TEST

START_TEST(url_forms_no_case_folding)
{
    char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    ck_assert_vo_ok(
        vo_webhook_twilio_sign(sig, sizeof(sig), TOKEN, "HTTPS://Example.COM/Hook", PARAMS, 5));
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_ok(verify_form("HTTPS://Example.COM/Hook", sig, &r));
    ck_assert_vo_rc(verify_form("https://example.com/Hook", sig, &r), VO_EAUTH);
    /* The default port is still known for an upper-case scheme. */
    ck_assert_vo_ok(verify_form("HTTPS://Example.COM:443/Hook", sig, &r));
    ck_assert_int_eq(r.url_form, VO_WEBHOOK_TWILIO_URL_PORT_TOGGLED);
}
END_TEST

START_TEST(url_forms_legacy_query)
{
    /* The URL Twilio signed had the query encoded the legacy way (quote raw, %20). */
    check_form("https://example.com/hook?name=O'hara&city=San%20Jose",
               "https://example.com/hook?name=O%27hara&city=San+Jose",
               VO_WEBHOOK_TWILIO_URL_LEGACY_QUERY);
    check_form("https://example.com:443/hook?name=O'hara",
               "https://example.com/hook?name=O%27hara",
               VO_WEBHOOK_TWILIO_URL_LEGACY_QUERY_PORT_TOGGLED);
    /* And the plain O'hara URL as given verifies as given. */
    check_form("https://example.com/hook?name=O'hara", "https://example.com/hook?name=O'hara",
               VO_WEBHOOK_TWILIO_URL_AS_GIVEN);
    /* UTF-8 in the query is percent-encoded by the legacy form. */
    check_form("https://example.com/hook?q=%C3%A9t%C3%A9",
               "https://example.com/hook?q=\xC3\xA9t\xC3\xA9",
               VO_WEBHOOK_TWILIO_URL_LEGACY_QUERY);
}
END_TEST

/* The forms of `url` built with the shortcut (a query the legacy encoding leaves as it is
 * is not re-encoded) equal those built the long way; returns how many there are. */
static size_t forms_both_ways(const char *url)
{
    vo__url_parts parts;
    size_t len = strlen(url);
    ck_assert_vo_ok(vo__twilio_url_split(url, len, &parts));
    vo__url_forms fast, slow;
    ck_assert_vo_ok(
        vo__twilio_url_forms_split(&fast, url, len, &parts, VO__URL_FORMS_VARIANTS));
    ck_assert_vo_ok(vo__twilio_url_forms_split(
        &slow, url, len, &parts, VO__URL_FORMS_VARIANTS | VO__URL_FORMS_NO_SHORTCUT));
    ck_assert_uint_eq(fast.n, slow.n);
    for (size_t i = 0; i < fast.n; i++) {
        ck_assert_int_eq(fast.form[i], slow.form[i]);
        ck_assert_str_eq(fast.url[i], slow.url[i]);
        ck_assert_uint_eq(fast.len[i], strlen(fast.url[i]));
    }
    ck_assert_ptr_eq(fast.url[0], url); /* the URL as given is not copied */
    size_t n = fast.n;
    vo__url_forms_free(&fast);
    vo__url_forms_free(&slow);
    return n;
}

START_TEST(url_forms_shortcut_matches_reencoding)
{
    /* Queries the shortcut recognises as unchanged: 2 forms (as given, :443). */
    ck_assert_uint_eq(forms_both_ways("https://e.com/h?tenant=acme"), 2);
    ck_assert_uint_eq(forms_both_ways("https://e.com/h?a=1&b=2&c=x-y_z.~!*'()"), 2);
    ck_assert_uint_eq(forms_both_ways("https://e.com/h?=v&b="), 2); /* empty name, value */
    ck_assert_uint_eq(forms_both_ways("https://e.com/h?a=1#frag"), 2);
    /* Queries it leaves to the long way, which may or may not change them. */
    const char *const others[] = {
        "https://e.com/h?a=1&a=2",     /* a repeated name, already grouped */
        "https://e.com/h?a=1&b=2&a=3", /* a repeated name that grouping moves */
        "https://e.com/h?a",           /* no '=' */
        "https://e.com/h?a=1&",        /* an empty segment */
        "https://e.com/h?a=1&&b=2",    /* an empty segment in the middle */
        "https://e.com/h?a=b=c",       /* '=' in a value */
        "https://e.com/h?a=%41",       /* an escape */
        "https://e.com/h?a=b+c",       /* '+' */
        "https://e.com/h?a=%zz",       /* does not decode: no legacy forms */
        "https://e.com/h?a=\xc3\xa9",  /* UTF-8 */
        ("https://e.com/h?a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10&k=11&l=12&m=13&n=14&o=15"
         "&p=16&q=17"), /* more segments than the shortcut looks at */
        "https://e.com:8443/h?x=a b",
        "https://e.com/h?",
    };
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        size_t n = forms_both_ways(others[i]);
        ck_assert_uint_ge(n, 1);
        ck_assert_uint_le(n, VO__URL_FORMS);
    }
    /* A URL whose forms outgrow the room inside vo__url_forms: one allocation, same forms. */
    static char long_url[3000];
    strcpy(long_url, "https://e.com/h?q=");
    memset(long_url + strlen(long_url), '+', sizeof(long_url) - 1 - strlen(long_url));
    ck_assert_uint_eq(forms_both_ways(long_url), 4);
}
END_TEST

START_TEST(url_forms_distinct_only)
{
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    /* No port and a query that the legacy form leaves unchanged: two distinct forms. */
    ck_assert_vo_rc(verify_form(URL, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", &r), VO_EAUTH);
    ck_assert_int_eq(r.forms_tried, 2);
    /* A query that changes under the legacy encoding: four forms. */
    ck_assert_vo_rc(
        verify_form("https://example.com/hook?a=b+c", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", &r),
        VO_EAUTH);
    ck_assert_int_eq(r.forms_tried, 4);
    /* A scheme without a default port and no port: one form. */
    ck_assert_vo_rc(verify_form("wss://example.com/hook", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", &r),
                    VO_EAUTH);
    ck_assert_int_eq(r.forms_tried, 1);
}
END_TEST

START_TEST(percent_encoded_and_utf8_values)
{
    const vo_param p[] = {
        {"Body", "caf\xC3\xA9 & cr\xC3\xA8me +1"}, {"Empty", ""}, {"Path", "/a b/%41"}};
    const char *body = "Body=caf%C3%A9+%26+cr%c3%a8me+%2B1&Empty=&Path=%2Fa%20b%2F%2541";
    const char *url = "https://example.com/caf%C3%A9/\xE2\x98\x83?x=%20";
    char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    ck_assert_vo_ok(vo_webhook_twilio_sign(sig, sizeof(sig), TOKEN, url, p, 3));
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_ok(vo_webhook_twilio_verify(&r, TOKENS, 1, url, sig,
                                             "Application/X-WWW-Form-Urlencoded; charset=UTF-8",
                                             (const unsigned char *)body, strlen(body)));
    ck_assert_int_eq(r.url_form, VO_WEBHOOK_TWILIO_URL_AS_GIVEN);
    /* A key without '=' is a key with an empty value. */
    const char *body2 = "Body=caf%C3%A9+%26+cr%c3%a8me+%2B1&Empty&Path=%2Fa%20b%2F%2541";
    ck_assert_vo_ok(vo_webhook_twilio_verify(&r, TOKENS, 1, url, sig, FORM_CT,
                                             (const unsigned char *)body2, strlen(body2)));
}
END_TEST

START_TEST(malformed_form_body)
{
    const char *bodies[] = {"a=%", "a=%4", "a=%zz", "a=%00", "%G0=1"};
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        vo_verify_result r = VO_VERIFY_RESULT_INIT;
        ck_assert_vo_rc(vo_webhook_twilio_verify(&r, TOKENS, 1, URL, EXPECTED, FORM_CT,
                                                 (const unsigned char *)bodies[i],
                                                 strlen(bodies[i])),
                        VO_EPARSE);
        ck_assert_int_eq(r.reason, VO_VERIFY_MALFORMED_BODY);
    }
    const unsigned char nul_body[] = {'a', '=', 0, 'b'};
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_rc(
        vo_webhook_twilio_verify(&r, TOKENS, 1, URL, EXPECTED, FORM_CT, nul_body, 4),
        VO_EPARSE);
}
END_TEST

START_TEST(huge_body)
{
    size_t n = VO_WEBHOOK_DEFAULT_MAX_BODY + 1;
    unsigned char *body = malloc(n);
    ck_assert_ptr_nonnull(body);
    memset(body, 'a', n);
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_rc(vo_webhook_twilio_verify(&r, TOKENS, 1, URL, EXPECTED, FORM_CT, body, n),
                    VO_ETOOBIG);
    ck_assert_int_eq(r.reason, VO_VERIFY_BODY_TOO_LARGE);
    /* Just under the limit: parsed, and simply not matching. */
    ck_assert_vo_rc(
        vo_webhook_twilio_verify(&r, TOKENS, 1, URL, EXPECTED, FORM_CT, body, n - 1), VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MISMATCH);
    /* A smaller limit through the request API. */
    vo_webhook_twilio_options o = VO_WEBHOOK_TWILIO_OPTIONS_INIT;
    o.max_body = 10;
    vo_param h[] = {{"Content-Type", FORM_CT}, {"X-Twilio-Signature", EXPECTED}};
    vo_webhook_request req = VO_WEBHOOK_REQUEST_INIT;
    req.url = URL;
    req.headers = h;
    req.header_count = 2;
    req.body = body;
    req.body_len = 11;
    ck_assert_vo_rc(vo_webhook_twilio_verify_request(&r, &o, TOKENS, 1, &req), VO_ETOOBIG);
    free(body);
}
END_TEST

START_TEST(get_request_without_body)
{
    const char *url = "https://example.com/status?CallSid=CA1&CallStatus=completed";
    char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    ck_assert_vo_ok(vo_webhook_twilio_sign(sig, sizeof(sig), TOKEN, url, NULL, 0));
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_ok(vo_webhook_twilio_verify(&r, TOKENS, 1, url, sig, NULL, NULL, 0));
    /* An empty form body is the same as no parameters. */
    ck_assert_vo_ok(vo_webhook_twilio_verify(&r, TOKENS, 1, url, sig, FORM_CT, NULL, 0));
}
END_TEST

START_TEST(request_api_headers)
{
    vo_param h[] = {{"content-type", FORM_CT}, {"x-twilio-signature", EXPECTED}, {"Host", "x"}};
    vo_webhook_request req = VO_WEBHOOK_REQUEST_INIT;
    req.method = "POST";
    req.url = URL;
    req.headers = h;
    req.header_count = 3;
    req.body = (const unsigned char *)FORM_BODY;
    req.body_len = strlen(FORM_BODY);
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_ok(vo_webhook_twilio_verify_request(&r, NULL, TOKENS, 1, &req));
    /* Two different signature headers are ambiguous. */
    vo_param h2[] = {{"Content-Type", FORM_CT},
                     {"X-Twilio-Signature", EXPECTED},
                     {"X-Twilio-Signature", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}};
    req.headers = h2;
    ck_assert_vo_rc(vo_webhook_twilio_verify_request(&r, NULL, TOKENS, 1, &req), VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MALFORMED_SIGNATURE);
    /* Without the header. */
    req.headers = h;
    req.header_count = 1;
    ck_assert_vo_rc(vo_webhook_twilio_verify_request(&r, NULL, TOKENS, 1, &req), VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MISSING_SIGNATURE);
    /* Variants switched off: the port-removed form is not tried. */
    vo_webhook_twilio_options o = VO_WEBHOOK_TWILIO_OPTIONS_INIT;
    o.exact_url_only = 1;
    req.header_count = 3;
    req.url = "https://mycompany.com:1234/myapp.php?foo=1&bar=2";
    ck_assert_vo_rc(vo_webhook_twilio_verify_request(&r, &o, TOKENS, 1, &req), VO_EAUTH);
    ck_assert_int_eq(r.forms_tried, 1);
    ck_assert_vo_ok(vo_webhook_twilio_verify_request(&r, NULL, TOKENS, 1, &req));
    ck_assert_vo_rc(vo_webhook_twilio_verify_request(&r, NULL, TOKENS, 1, NULL), VO_EINVAL);
}
END_TEST

START_TEST(error_message_has_no_secret)
{
    const char *tokens[] = {"0123456789abcdef0123456789abcdef"};
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_rc(vo_webhook_twilio_verify(&r, tokens, 1, URL, EXPECTED, FORM_CT,
                                             (const unsigned char *)FORM_BODY,
                                             strlen(FORM_BODY)),
                    VO_EAUTH);
    ck_assert_ptr_null(strstr(vo_error_last()->message, tokens[0]));
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "mismatch"));
}
END_TEST

/* ---- differential: the packed, streamed signing equals the signing string ------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(unsigned bound)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % bound);
}

typedef struct gen_pair {
    char name[24];
    char value[40];
} gen_pair;

static int cmp_gen(const void *a, const void *b)
{
    const gen_pair *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

/* Random text from a small set (so names and pairs repeat) with the bytes that need
 * encoding: space, '+', '&', '=', '%', a UTF-8 letter. */
static void gen_text(char *out, size_t size, bool is_name)
{
    static const char *const pieces[] = {"a", "B", "Ca",       "ll", "Sid", " ", "+", "&",
                                         "=", "%", "\xc3\xa9", "1",  "Z",   "_", "-", "~"};
    size_t len = 0, count = rnd(is_name ? 4 : 7);
    out[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        const char *p = pieces[rnd(is_name ? 10 : 16)];
        if (len + strlen(p) + 1 > size)
            break;
        memcpy(out + len, p, strlen(p) + 1);
        len += strlen(p);
    }
}

static size_t encode_part(char *out, const char *s)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '~';
        if (plain && rnd(8)) /* now and then escaped although it need not be */
            out[o++] = (char)*p;
        else if (*p == ' ' && rnd(2))
            out[o++] = '+';
        else
            o += (size_t)sprintf(out + o, "%%%02X", *p);
    }
    return o;
}

/* base64(HMAC-SHA1(token, url + sorted, de-duplicated name+value pairs)), built the plain
 * way: the whole signing string, OpenSSL's one-shot HMAC(). */
static void oracle_signature(char out[29], const char *token, const char *url, gen_pair *pairs,
                             size_t n)
{
    static char signing[16384];
    size_t len = (size_t)sprintf(signing, "%s", url);
    qsort(pairs, n, sizeof(*pairs), cmp_gen);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || cmp_gen(&pairs[i - 1], &pairs[i]) != 0)
            len += (size_t)sprintf(signing + len, "%s%s", pairs[i].name, pairs[i].value);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(EVP_sha1(), token, (int)strlen(token), (const unsigned char *)signing, len, mac,
         &mac_len);
    ck_assert_uint_eq(mac_len, 20);
    ck_assert_int_eq(EVP_EncodeBlock((unsigned char *)out, mac, 20), 28);
}

START_TEST(differential_against_signing_string)
{
    static char body[65536];
    static char long_url[1200];
    snprintf(long_url, sizeof(long_url), "https://example.com/");
    memset(long_url + 20, 'p', 700); /* longer than the room kept for the URL */
    strcpy(long_url + 720, "?x=1");
    const char *urls[] = {"https://voice.example.com/twilio/voice?tenant=t-42",
                          "http://h:8080/a b?q=%41&r", long_url};
    const char *tokens[] = {"0123456789abcdef0123456789abcdef"};
    int sorted_runs = 0, unsorted_runs = 0;
    for (int iter = 0; iter < 3000; iter++) {
        /* Mostly webhook-sized; now and then hundreds of pairs (past the stack area). */
        size_t n = iter % 100 == 99 ? 300 + rnd(400) : rnd(30);
        gen_pair *pairs = calloc(n ? n : 1, sizeof(*pairs));
        for (size_t i = 0; i < n; i++) {
            if (i > 0 && rnd(6) == 0) { /* the same name again, sometimes the same pair */
                pairs[i] = pairs[rnd((unsigned)i)];
                if (rnd(2))
                    gen_text(pairs[i].value, sizeof(pairs[i].value), false);
            } else {
                gen_text(pairs[i].name, sizeof(pairs[i].name), true);
                gen_text(pairs[i].value, sizeof(pairs[i].value), false);
            }
        }
        if (rnd(2)) /* half the bodies come sorted, as Twilio sends them */
            qsort(pairs, n, sizeof(*pairs), cmp_gen);
        size_t len = 0;
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                body[len++] = '&';
            if (rnd(20) == 0)
                body[len++] = '&'; /* an empty segment: skipped */
            if (!*pairs[i].name && !*pairs[i].value) {
                body[len++] = '='; /* "=": an empty name and value, still a pair */
                continue;
            }
            len += encode_part(body + len, pairs[i].name);
            if (*pairs[i].value || rnd(2)) { /* "name" alone: an empty value */
                body[len++] = '=';
                len += encode_part(body + len, pairs[i].value);
            }
        }
        ck_assert_uint_lt(len, sizeof(body));
        const char *url = urls[rnd(3)];
        char want[29];
        bool was_sorted = true;
        for (size_t i = 1; i < n; i++)
            if (cmp_gen(&pairs[i - 1], &pairs[i]) >= 0)
                was_sorted = false;
        if (was_sorted)
            sorted_runs++;
        else
            unsorted_runs++;
        oracle_signature(want, tokens[0], url, pairs, n);

        vo_verify_result r = VO_VERIFY_RESULT_INIT;
        int rc = vo_webhook_twilio_verify(&r, tokens, 1, url, want, FORM_CT,
                                          (const unsigned char *)body, len);
        if (rc != VO_OK)
            ck_abort_msg("iteration %d: %s (body %.*s)", iter, vo_verify_reason_name(r.reason),
                         (int)(len < 200 ? len : 200), body);
        ck_assert_int_eq(r.url_form, VO_WEBHOOK_TWILIO_URL_AS_GIVEN);
        /* the same signature with its first byte changed is refused */
        char bad[29];
        memcpy(bad, want, sizeof(bad));
        bad[0] = bad[0] == 'A' ? 'B' : 'A';
        ck_assert_vo_rc(vo_webhook_twilio_verify(&r, tokens, 1, url, bad, FORM_CT,
                                                 (const unsigned char *)body, len),
                        VO_EAUTH);
        ck_assert_int_eq(r.reason, VO_VERIFY_MISMATCH);
        /* and the signing function agrees with the same pairs, given in any order */
        vo_param *params = calloc(n ? n : 1, sizeof(*params));
        for (size_t i = 0; i < n; i++)
            params[i] = (vo_param){pairs[(i * 7) % n].name, pairs[(i * 7) % n].value};
        bool permutation = n % 7 != 0;
        if (permutation) {
            char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
            ck_assert_vo_ok(
                vo_webhook_twilio_sign(sig, sizeof(sig), tokens[0], url, params, n));
            ck_assert_str_eq(sig, want);
        }
        free(params);
        free(pairs);
    }
    ck_assert_int_gt(sorted_runs, 500);
    ck_assert_int_gt(unsorted_runs, 500);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("twilio_webhook");
    TCase *v = tcase_create("vectors");
    tcase_add_test(v, vector_signature);
    tcase_add_test(v, vector_signature_param_order_irrelevant);
    tcase_add_test(v, vector_verify_form_body);
    tcase_add_test(v, vector_port_removed);
    tcase_add_test(v, vector_port_kept);
    tcase_add_test(v, vector_userinfo);
    tcase_add_test(v, vector_repeated_keys);
    tcase_add_test(v, vector_json_body);
    tcase_add_test(v, json_body_one_byte_changed);
    tcase_add_test(v, json_body_without_hash_rejected);
    tcase_add_test(v, signature_wrong_empty_missing);
    suite_add_tcase(s, v);
    TCase *e = tcase_create("edges");
    tcase_add_test(e, signature_noncanonical_base64);
    tcase_add_test(e, no_token_is_error);
    tcase_add_test(e, several_tokens);
    tcase_add_test(e, null_arguments);
    tcase_add_test(e, malformed_urls);
    tcase_add_test(e, url_forms_ports);
    tcase_add_test(e, url_forms_no_case_folding);
    tcase_add_test(e, url_forms_legacy_query);
    tcase_add_test(e, url_forms_distinct_only);
    tcase_add_test(e, url_forms_shortcut_matches_reencoding);
    tcase_add_test(e, percent_encoded_and_utf8_values);
    tcase_add_test(e, malformed_form_body);
    tcase_add_test(e, huge_body);
    tcase_add_test(e, get_request_without_body);
    tcase_add_test(e, request_api_headers);
    tcase_add_test(e, error_message_has_no_secret);
    suite_add_tcase(s, e);
    TCase *d = tcase_create("differential");
    tcase_add_test(d, differential_against_signing_string);
    tcase_set_timeout(d, 60);
    suite_add_tcase(s, d);
    return s;
}

VO_TEST_MAIN(suite)
