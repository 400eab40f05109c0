/* vo_public_url_build(): the URL a provider signed, rebuilt behind the proxies users run. */
#include "testutil.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Build and compare; on failure the message says what came back. */
static void expect_url_(int line, const vo_public_url_options *o, const char *peer,
                        const char *scheme, const char *target, const vo_param *h, size_t hc,
                        const char *want)
{
    char out[512];
    size_t len = 12345;
    int rc = vo_public_url_build(out, sizeof(out), &len, o, peer, scheme, target, h, hc);
    ck_assert_msg(rc == VO_OK, "line %d: %s: %s", line, vo_error_name(rc),
                  vo_error_last()->message);
    ck_assert_msg(strcmp(out, want) == 0, "line %d: got %s, want %s", line, out, want);
    ck_assert_uint_eq(len, strlen(want));
}
#define EXPECT(o, peer, scheme, target, h, want) \
  expect_url_(__LINE__, o, peer, scheme, target, h, N(h), want)

/* Expect a failure code; the output is emptied and the message is the library's own. */
static void expect_rc_(int line, const vo_public_url_options *o, const char *peer,
                       const char *scheme, const char *target, const vo_param *h, size_t hc,
                       int want)
{
    char out[512] = "sentinel";
    int rc = vo_public_url_build(out, sizeof(out), NULL, o, peer, scheme, target, h, hc);
    ck_assert_msg(rc == want, "line %d: got %s (%s, url %s), want %s", line, vo_error_name(rc),
                  vo_error_last()->message, out, vo_error_name(want));
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(vo_error_last()->code, want);
    ck_assert_msg(strstr(vo_error_last()->message, "vo_public_url_build") != NULL,
                  "line %d: %s", line, vo_error_last()->message);
    ck_assert_ptr_null(strstr(vo_error_last()->message, "REDACTED"));
}
#define EXPECT_RC(o, peer, scheme, target, h, want) \
  expect_rc_(__LINE__, o, peer, scheme, target, h, N(h), want)

static const char *const private_nets[] = {"10.0.0.0/8", "192.168.1.1", "fd00::/8"};

static vo_public_url_options trusting(unsigned int flags)
{
    vo_public_url_options o = VO_PUBLIC_URL_OPTIONS_INIT;
    o.trusted_proxies = private_nets;
    o.trusted_proxy_count = N(private_nets);
    o.forwarded_headers = flags;
    return o;
}

#define XF_ALL                                                        \
  (VO_PUBLIC_URL_X_FORWARDED_PROTO | VO_PUBLIC_URL_X_FORWARDED_HOST | \
   VO_PUBLIC_URL_X_FORWARDED_PORT)

START_TEST(no_proxy_uses_host_and_own_scheme)
{
    vo_param h[] = {{"Content-Type", "application/x-www-form-urlencoded"},
                    {"host", "voice.example.com"}};
    EXPECT(NULL, "203.0.113.9", "http", "/twilio/voice?Tenant=a%20b", h,
           "http://voice.example.com/twilio/voice?Tenant=a%20b");
    /* The scheme is lowercased; host, path and query are kept byte for byte. */
    vo_param h2[] = {{"HOST", "Voice.Example.COM:8080"}};
    EXPECT(NULL, NULL, "HTTPS", "/A/%7e/b?Q=%2F", h2,
           "https://Voice.Example.COM:8080/A/%7e/b?Q=%2F");
    /* An explicit default port is what the client sent: kept. */
    vo_param h3[] = {{"Host", "example.com:443"}};
    EXPECT(NULL, NULL, "https", "/", h3, "https://example.com:443/");
    /* HTTP/2 requests carry :authority instead of Host. */
    vo_param h4[] = {{":authority", "example.com"}};
    EXPECT(NULL, NULL, "https", "/x", h4, "https://example.com/x");
    vo_param h5[] = {{"Host", "[2001:db8::1]:8443"}};
    EXPECT(NULL, NULL, "https", "/x", h5, "https://[2001:db8::1]:8443/x");
    vo_param h6[] = {{"Host", "10.1.2.3"}};
    EXPECT(NULL, NULL, "http", "/x", h6, "http://10.1.2.3/x");
}
END_TEST

START_TEST(zero_filled_options)
{
    const char *const proxies[] = {"0.0.0.0/0", "::/0"};
    vo_param h[] = {{"Host", "internal:3000"},
                    {"X-Forwarded-Proto", "https"},
                    {"X-Forwarded-Host", "evil.example"},
                    {"Forwarded", "for=10.0.0.1;host=evil.example;proto=https"}};
    /* All zero but the version: nothing trusted, no forwarded header read. */
    vo_public_url_options z;
    memset(&z, 0, sizeof(z));
    z.version = 1;
    EXPECT(&z, "10.0.0.1", "http", "/v", h, "http://internal:3000/v");
    /* Same as the INIT macro and as NULL options. */
    vo_public_url_options init = VO_PUBLIC_URL_OPTIONS_INIT;
    EXPECT(&init, "10.0.0.1", "http", "/v", h, "http://internal:3000/v");
    EXPECT(NULL, "10.0.0.1", "http", "/v", h, "http://internal:3000/v");
    /* Entirely zero, version included (ctypes Structure()): refused, not guessed. */
    memset(&z, 0, sizeof(z));
    EXPECT_RC(&z, "10.0.0.1", "http", "/v", h, VO_EINVAL);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "version 0"));
    z.version = VO_PUBLIC_URL_OPTIONS_VERSION + 1;
    EXPECT_RC(&z, "10.0.0.1", "http", "/v", h, VO_EINVAL);
    /* Trusted proxies without naming the headers they set: refused, never "all". */
    vo_public_url_options o = VO_PUBLIC_URL_OPTIONS_INIT;
    o.trusted_proxies = proxies;
    o.trusted_proxy_count = 2;
    EXPECT_RC(&o, "10.0.0.1", "http", "/v", h, VO_EINVAL);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "forwarded_headers"));
}
END_TEST

START_TEST(options_init)
{
    vo_public_url_options o, want = VO_PUBLIC_URL_OPTIONS_INIT;
    memset(&o, 0xa5, sizeof(o));
    ck_assert_vo_ok(vo_public_url_options_init(&o, VO_PUBLIC_URL_OPTIONS_VERSION));
    ck_assert_uint_eq(o.version, VO_PUBLIC_URL_OPTIONS_VERSION);
    ck_assert_ptr_eq(o.base_url, want.base_url);
    ck_assert_ptr_eq(o.trusted_proxies, want.trusted_proxies);
    ck_assert_uint_eq(o.trusted_proxy_count, want.trusted_proxy_count);
    ck_assert_uint_eq(o.forwarded_headers, want.forwarded_headers);
    ck_assert_vo_ok(vo_public_url_options_init(&o, 1));
    ck_assert_uint_eq(o.version, 1);
    ck_assert_vo_rc(vo_public_url_options_init(&o, 0), VO_EINVAL);
    ck_assert_vo_rc(vo_public_url_options_init(&o, VO_PUBLIC_URL_OPTIONS_VERSION + 1),
                    VO_EINVAL);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "vo_public_url_options"));
    ck_assert_vo_rc(vo_public_url_options_init(NULL, 1), VO_EINVAL);
    ck_assert_ptr_null(strstr(vo_error_last()->message, "REDACTED"));
}
END_TEST

/* AWS ALB style: TLS ends at the balancer, which overwrites X-Forwarded-Proto/-Port, appends
 * to X-Forwarded-For and passes Host through. The rebuilt URL verifies Twilio's signature. */
START_TEST(tls_terminated_at_balancer)
{
    vo_public_url_options o =
        trusting(VO_PUBLIC_URL_X_FORWARDED_PROTO | VO_PUBLIC_URL_X_FORWARDED_PORT);
    vo_param h[] = {{"Host", "voice.example.com"},
                    {"X-Forwarded-For", "54.172.60.1"},
                    {"X-Forwarded-Proto", "https"},
                    {"X-Forwarded-Port", "443"},
                    {"Content-Type", "application/x-www-form-urlencoded"}};
    EXPECT(&o, "10.0.3.17", "http", "/twilio/voice", h,
           "https://voice.example.com/twilio/voice");

    char url[256];
    ck_assert_vo_ok(vo_public_url_build(url, sizeof(url), NULL, &o, "10.0.3.17", "http",
                                        "/twilio/voice", h, N(h)));
    const char *token = "12345678901234567890123456789012";
    vo_param params[] = {{"CallSid", "CA123"}, {"From", "+15551230000"}};
    char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    ck_assert_vo_ok(vo_webhook_twilio_sign(
        sig, sizeof(sig), token, "https://voice.example.com/twilio/voice", params, 2));
    const char *body = "CallSid=CA123&From=%2B15551230000";
    const char *tokens[] = {token};
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_ok(vo_webhook_twilio_verify(&r, tokens, 1, url, sig,
                                             "application/x-www-form-urlencoded",
                                             (const unsigned char *)body, strlen(body)));
    ck_assert_int_eq(r.url_form, VO_WEBHOOK_TWILIO_URL_AS_GIVEN);
    /* The app's own view (http, internal) would not have verified. */
    vo_verify_result r2 = VO_VERIFY_RESULT_INIT;
    int rc = vo_webhook_twilio_verify(&r2, tokens, 1, "http://voice.example.com/twilio/voice",
                                      sig, "application/x-www-form-urlencoded",
                                      (const unsigned char *)body, strlen(body));
    ck_assert_int_eq(rc, VO_EAUTH);

    /* The same balancer without the flags for what it sets: headers not read. */
    vo_public_url_options host_only = trusting(VO_PUBLIC_URL_X_FORWARDED_HOST);
    EXPECT(&host_only, "10.0.3.17", "http", "/twilio/voice", h,
           "http://voice.example.com/twilio/voice");
    /* A trusted peer that sends no forwarded header at all (a health check). */
    vo_param plain[] = {{"Host", "voice.example.com"}};
    EXPECT(&o, "10.0.3.17", "http", "/health", plain, "http://voice.example.com/health");
}
END_TEST

START_TEST(non_default_port)
{
    vo_public_url_options o = trusting(XF_ALL);
    vo_param h[] = {{"Host", "app.internal:3000"},
                    {"X-Forwarded-Proto", "https"},
                    {"X-Forwarded-Host", "voice.example.com"},
                    {"X-Forwarded-Port", "8443"}};
    EXPECT(&o, "10.0.0.2", "http", "/hook", h, "https://voice.example.com:8443/hook");
    /* The port from X-Forwarded-Port replaces the internal one; a default one is not added. */
    vo_param h2[] = {{"Host", "voice.example.com:3000"},
                     {"X-Forwarded-Proto", "https"},
                     {"X-Forwarded-Port", "443"}};
    EXPECT(&o, "10.0.0.2", "http", "/hook", h2, "https://voice.example.com/hook");
    /* A port the forwarded host already carries is kept, even the default one. */
    vo_param h3[] = {{"Host", "x"},
                     {"X-Forwarded-Proto", "https"},
                     {"X-Forwarded-Host", "voice.example.com:443"},
                     {"X-Forwarded-Port", "443"}};
    EXPECT(&o, "10.0.0.2", "http", "/hook", h3, "https://voice.example.com:443/hook");
    vo_param h4[] = {{"Host", "x"}, {"X-Forwarded-Host", "voice.example.com:8080"}};
    EXPECT(&o, "10.0.0.2", "http", "/hook", h4, "http://voice.example.com:8080/hook");
    /* Port 80 is the default for http only. */
    vo_param h5[] = {{"Host", "voice.example.com"},
                     {"X-Forwarded-Proto", "https"},
                     {"X-Forwarded-Port", "80"}};
    EXPECT(&o, "10.0.0.2", "http", "/hook", h5, "https://voice.example.com:80/hook");
    /* Forwarded host= carries the port, quoted. */
    vo_public_url_options f = trusting(VO_PUBLIC_URL_FORWARDED);
    vo_param h6[] = {{"Host", "x"},
                     {"Forwarded", "proto=https;host=\"voice.example.com:8443\""}};
    EXPECT(&f, "10.0.0.2", "http", "/hook", h6, "https://voice.example.com:8443/hook");
}
END_TEST

START_TEST(base_url_with_prefix)
{
    vo_public_url_options o = VO_PUBLIC_URL_OPTIONS_INIT;
    o.base_url = "https://voice.example.com/api/";
    vo_param h[] = {{"Host", "internal:3000"},
                    {"X-Forwarded-Host", "evil.example"},
                    {"Forwarded", "garbage;;=="}};
    EXPECT(&o, "10.0.0.1", "http", "/twilio/voice?a=b%20c", h,
           "https://voice.example.com/api/twilio/voice?a=b%20c");
    /* No scheme needed, no header read (not even Host). */
    vo_param none[1] = {{"X-Other", "1"}};
    expect_url_(__LINE__, &o, NULL, NULL, "/v", none, 0, "https://voice.example.com/api/v");
    o.base_url = "HTTPS://Voice.Example.com:8443";
    EXPECT(&o, NULL, NULL, "/v?x", h, "https://Voice.Example.com:8443/v?x");
    o.base_url = "http://[2001:db8::5]:8080/p/q";
    EXPECT(&o, NULL, NULL, "/", h, "http://[2001:db8::5]:8080/p/q/");
    /* A base URL wins over trusted proxies. */
    vo_public_url_options both = trusting(XF_ALL);
    both.base_url = "https://public.example.com";
    vo_param fwd[] = {{"Host", "x"}, {"X-Forwarded-Host", "other.example"}};
    EXPECT(&both, "10.0.0.1", "http", "/v", fwd, "https://public.example.com/v");

    const char *bad[] = {"ftp://example.com",
                         "https://user:pw@example.com",
                         "https://example.com?x=1",
                         "https://example.com/#f",
                         "https:// example.com",
                         "https://example.com:0",
                         "https://example.com:65536",
                         "https://example.com:",
                         "https://[::1",
                         "https://::1/",
                         "example.com",
                         "https://",
                         "https://ex ample.com",
                         "https://example.com/a b",
                         "//example.com",
                         "https://[10.0.0.1]/"};
    for (size_t i = 0; i < N(bad); i++) {
        o.base_url = bad[i];
        EXPECT_RC(&o, NULL, "http", "/v", h, VO_EINVAL);
        ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "base_url"));
    }
}
END_TEST

/* client -> edge (192.168.1.1, trusted) -> inner (10.0.0.2, trusted) -> app. Each proxy
 * appends; the client put its own values in front. */
START_TEST(chain_of_proxies)
{
    vo_public_url_options o = trusting(XF_ALL);
    vo_param h[] = {{"Host", "internal.local"},
                    {"X-Forwarded-For", "10.9.9.9, 198.51.100.9, 192.168.1.1"},
                    {"X-Forwarded-Host", "evil.example, public.example.com, internal.local"},
                    {"X-Forwarded-Proto", "http, https, http"}};
    EXPECT(&o, "10.0.0.2", "http", "/v", h, "https://public.example.com/v");
    /* The same lists split over repeated header lines. */
    vo_param h2[] = {{"Host", "internal.local"},
                     {"X-Forwarded-For", "10.9.9.9"},
                     {"x-forwarded-for", "198.51.100.9,192.168.1.1"},
                     {"X-Forwarded-Host", "evil.example"},
                     {"X-Forwarded-Host", "public.example.com"},
                     {"X-Forwarded-Host", "internal.local"},
                     {"X-Forwarded-Proto", "http, https,"},
                     {"X-Forwarded-Proto", "http"}};
    EXPECT(&o, "10.0.0.2", "http", "/v", h2, "https://public.example.com/v");
    /* Proxies that overwrite instead of appending: the single value is theirs. */
    vo_param h3[] = {{"Host", "internal.local"},
                     {"X-Forwarded-For", "198.51.100.9, 192.168.1.1"},
                     {"X-Forwarded-Host", "public.example.com"},
                     {"X-Forwarded-Proto", "https"}};
    EXPECT(&o, "10.0.0.2", "http", "/v", h3, "https://public.example.com/v");
    /* When the edge is not trusted, the walk stops at it: the inner proxy's values. */
    vo_public_url_options inner_only = VO_PUBLIC_URL_OPTIONS_INIT;
    const char *const just_inner[] = {"10.0.0.2"};
    inner_only.trusted_proxies = just_inner;
    inner_only.trusted_proxy_count = 1;
    inner_only.forwarded_headers = XF_ALL;
    EXPECT(&inner_only, "10.0.0.2", "http", "/v", h, "http://internal.local/v");
    /* Every hop trusted (an internal caller): the left-most values. */
    vo_param h4[] = {{"Host", "internal.local"},
                     {"X-Forwarded-For", "10.1.1.1, 192.168.1.1"},
                     {"X-Forwarded-Host", "a.example, b.example, c.example"},
                     {"X-Forwarded-Proto", "https"}};
    EXPECT(&o, "10.0.0.2", "http", "/v", h4, "https://a.example/v");

    /* The same chain with RFC 7239 Forwarded. */
    vo_public_url_options f = trusting(VO_PUBLIC_URL_FORWARDED);
    vo_param fh[] = {{"Host", "internal.local"},
                     {"Forwarded", "for=10.9.9.9;host=evil.example;proto=http, "
                                   "for=198.51.100.9;host=public.example.com;proto=https, "
                                   "for=192.168.1.1;host=internal.local;proto=http"}};
    EXPECT(&f, "10.0.0.2", "http", "/v", fh, "https://public.example.com/v");
    vo_param fh2[] = {{"Host", "internal.local"},
                      {"Forwarded", "for=10.9.9.9;host=evil.example;proto=http"},
                      {"Forwarded", "for=198.51.100.9;host=public.example.com;proto=https"},
                      {"forwarded", "for=192.168.1.1;host=internal.local"}};
    EXPECT(&f, "10.0.0.2", "http", "/v", fh2, "https://public.example.com/v");
    /* An element whose for= is unknown or obfuscated ends the walk. */
    vo_param fh3[] = {{"Host", "internal.local"},
                      {"Forwarded", "for=198.51.100.9;host=public.example.com;proto=https, "
                                    "for=unknown;host=mid.example, "
                                    "for=_hidden;proto=https"}};
    EXPECT(&f, "10.0.0.2", "http", "/v", fh3, "https://internal.local/v");
    /* With Forwarded present and enabled, X-Forwarded-* are not read. */
    vo_public_url_options fx = trusting(VO_PUBLIC_URL_FORWARDED | XF_ALL);
    vo_param fh4[] = {{"Host", "internal.local"},
                      {"X-Forwarded-Host", "xfh.example"},
                      {"X-Forwarded-Port", "9999"},
                      {"Forwarded", "for=198.51.100.9;host=public.example.com;proto=https"}};
    EXPECT(&fx, "10.0.0.2", "http", "/v", fh4, "https://public.example.com/v");
    /* ... and without Forwarded they are. */
    vo_param fh5[] = {{"Host", "internal.local"}, {"X-Forwarded-Host", "xfh.example"}};
    EXPECT(&fx, "10.0.0.2", "http", "/v", fh5, "http://xfh.example/v");
    /* Forwarded not enabled: not read, not even validated. */
    vo_param fh6[] = {{"Host", "internal.local"},
                      {"Forwarded", "for=\"unterminated"},
                      {"X-Forwarded-Proto", "https"}};
    EXPECT(&o, "10.0.0.2", "http", "/v", fh6, "https://internal.local/v");
}
END_TEST

START_TEST(untrusted_peer_spoofing_ignored)
{
    vo_public_url_options o =
        trusting(VO_PUBLIC_URL_FORWARDED | XF_ALL | VO_PUBLIC_URL_X_FORWARDED_PREFIX);
    vo_param h[] = {{"Host", "voice.example.com"},   {"X-Forwarded-Host", "evil.example"},
                    {"X-Forwarded-Proto", "https"},  {"X-Forwarded-Port", "8443"},
                    {"X-Forwarded-Prefix", "/evil"}, {"X-Forwarded-For", "10.0.0.5"}};
    EXPECT(&o, "203.0.113.50", "http", "/v", h, "http://voice.example.com/v");
    /* Malformed forwarded headers from an untrusted peer are not even parsed. */
    vo_param bad[] = {{"Host", "voice.example.com"},
                      {"Forwarded", "for=\"x;;==\"\""},
                      {"X-Forwarded-Port", "banana"},
                      {"X-Forwarded-Host", "a b@c"}};
    EXPECT(&o, "203.0.113.50", "https", "/v", bad, "https://voice.example.com/v");
    const char *peers[] = {NULL,        "",           "garbage",      "unix:/run/app.sock",
                           "10.0.0.5 ", "10.0.0.300", "fe80::1%eth0", "[fd00::1",
                           "11.0.0.1"};
    for (size_t i = 0; i < N(peers); i++)
        EXPECT(&o, peers[i], "http", "/v", h, "http://voice.example.com/v");
    /* The same request from the trusted proxy does use them. */
    EXPECT(&o, "10.0.0.9", "http", "/v", h, "https://evil.example:8443/evil/v");
}
END_TEST

START_TEST(ipv6_peers_and_cidrs)
{
    const char *const nets[] = {"2001:db8::/32", "::1", "10.0.0.0/8", "172.16.0.0/31"};
    vo_public_url_options o = VO_PUBLIC_URL_OPTIONS_INIT;
    o.trusted_proxies = nets;
    o.trusted_proxy_count = N(nets);
    o.forwarded_headers = XF_ALL | VO_PUBLIC_URL_FORWARDED;
    vo_param h[] = {{"Host", "in"}, {"X-Forwarded-Host", "out.example"}};
    const char *yes[] = {"2001:db8::1",
                         "2001:DB8:ffff:1::5",
                         "[2001:db8::2]",
                         "::1",
                         "[::1]",
                         "0:0:0:0:0:0:0:1",
                         "::ffff:10.1.2.3",
                         "[::ffff:10.1.2.3]",
                         "10.255.255.255",
                         "172.16.0.0",
                         "172.16.0.1",
                         "10.0.0.1:5555",
                         "[2001:db8::1]:443"};
    for (size_t i = 0; i < N(yes); i++)
        EXPECT(&o, yes[i], "http", "/v", h, "http://out.example/v");
    const char *no[] = {"2001:db9::1", "2001:db7:ffff::1", "::2",        "11.0.0.1",
                        "172.16.0.2",  "::ffff:11.0.0.1",  "::10.1.2.3", "fe80::1"};
    for (size_t i = 0; i < N(no); i++)
        EXPECT(&o, no[i], "http", "/v", h, "http://in/v");

    /* IPv6 addresses inside the chain: bare or bracketed in X-Forwarded-For, quoted with a
     * port in Forwarded. */
    vo_param x[] = {{"Host", "in"},
                    {"X-Forwarded-For", "2001:db9::66, [2001:db8::7]:443, 2001:db8::8"},
                    {"X-Forwarded-Host", "spoof.example, public.example, mid.example, in"}};
    EXPECT(&o, "::1", "http", "/v", x, "http://public.example/v");
    vo_param f[] = {{"Host", "in"},
                    {"Forwarded", "for=\"[2001:db9::66]:1234\";host=public.example;proto=https,"
                                  "for=\"[2001:db8:cafe::17]:4711\";host=mid.example"}};
    EXPECT(&o, "2001:db8::3", "http", "/v", f, "https://public.example/v");

    /* Everything in one family: 0.0.0.0/0 does not trust IPv6, ::/0 does not trust IPv4. */
    const char *const v4all[] = {"0.0.0.0/0"};
    o.trusted_proxies = v4all;
    o.trusted_proxy_count = 1;
    EXPECT(&o, "192.0.2.1", "http", "/v", h, "http://out.example/v");
    EXPECT(&o, "2001:db8::1", "http", "/v", h, "http://in/v");
    const char *const v6all[] = {"::/0"};
    o.trusted_proxies = v6all;
    EXPECT(&o, "2001:db8::1", "http", "/v", h, "http://out.example/v");
    EXPECT(&o, "192.0.2.1", "http", "/v", h, "http://in/v");
    /* An IPv4-mapped range counts as its IPv4 range. */
    const char *const mapped[] = {"::ffff:10.0.0.0/104"};
    o.trusted_proxies = mapped;
    EXPECT(&o, "10.200.0.1", "http", "/v", h, "http://out.example/v");
    EXPECT(&o, "11.0.0.1", "http", "/v", h, "http://in/v");
}
END_TEST

START_TEST(forwarded_quoting_and_case)
{
    vo_public_url_options o = trusting(VO_PUBLIC_URL_FORWARDED);
    vo_param h[] = {
        {"Host", "in"},
        {"FORWARDED", "For=\"[fd00::1]:4711\";PROTO=HTTPS;Host=\"Voice.Example.COM:8443\""}};
    EXPECT(&o, "10.0.0.2", "http", "/v", h, "https://Voice.Example.COM:8443/v");
    /* Quoted-pairs, quoted tokens, white space around ';' and ',', unknown parameters,
     * empty elements and pairs. */
    vo_param h2[] = {{"Host", "in"},
                     {"Forwarded", " , for=198.51.100.1 ; by=\"[fd00::9]\";ext=\"a,b;c\" ;"
                                   "host=\"vo\\ice.example.com\" ; proto=\"https\" ,, "}};
    EXPECT(&o, "10.0.0.2", "http", "/v", h2, "https://voice.example.com/v");
    /* Only proto: the host comes from Host. */
    vo_param h3[] = {{"Host", "voice.example.com"}, {"Forwarded", "proto=https"}};
    EXPECT(&o, "10.0.0.2", "http", "/v", h3, "https://voice.example.com/v");
    /* Inner hop gives the host, outer the proto: each from the outermost hop that has it. */
    vo_param h4[] = {
        {"Host", "in"},
        {"Forwarded", "for=198.51.100.1;proto=https, for=10.0.0.8;host=public.example"}};
    EXPECT(&o, "10.0.0.2", "http", "/v", h4, "https://public.example/v");
}
END_TEST

START_TEST(malformed_network_input)
{
    vo_public_url_options f = trusting(VO_PUBLIC_URL_FORWARDED);
    const char *bad_fwd[] = {"for",
                             "for=",
                             "for=\"unterminated",
                             "host=a;host=b",
                             "for=[2001:db8::1]",
                             "=x",
                             "for=a b",
                             "for=a;;host",
                             "proto=ftp",
                             "host=\"a b\"",
                             "host=\"user@example.com\"",
                             "for=\"a\x01\"",
                             "host=\"example.com:0\"",
                             "host=\"\"",
                             "proto=\"\"",
                             "proto=\"https\\\"\"",
                             "for=a\"b\""};
    for (size_t i = 0; i < N(bad_fwd); i++) {
        vo_param h[] = {{"Host", "in"}, {"Forwarded", bad_fwd[i]}};
        EXPECT_RC(&f, "10.0.0.2", "http", "/v", h, VO_EPARSE);
    }
    vo_param dup_host_el[] = {{"Host", "in"}, {"Forwarded", "Host=a;HOST=b"}};
    EXPECT_RC(&f, "10.0.0.2", "http", "/v", dup_host_el, VO_EPARSE);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "Forwarded"));

    vo_public_url_options x = trusting(XF_ALL | VO_PUBLIC_URL_X_FORWARDED_PREFIX);
    const vo_param bad_x[][2] = {
        {{"Host", "in"}, {"X-Forwarded-Proto", "ftp"}},
        {{"Host", "in"}, {"X-Forwarded-Proto", "https x"}},
        {{"Host", "in"}, {"X-Forwarded-Port", "0"}},
        {{"Host", "in"}, {"X-Forwarded-Port", "65536"}},
        {{"Host", "in"}, {"X-Forwarded-Port", "443x"}},
        {{"Host", "in"}, {"X-Forwarded-Port", "-1"}},
        {{"Host", "in"}, {"X-Forwarded-Port", "0443"}},
        {{"Host", "in"}, {"X-Forwarded-Host", "user@example.com"}},
        {{"Host", "in"}, {"X-Forwarded-Host", "exa mple.com"}},
        {{"Host", "in"}, {"X-Forwarded-Host", "example.com:99999"}},
        {{"Host", "in"}, {"X-Forwarded-Host", "[::1"}},
        {{"Host", "in"}, {"X-Forwarded-Prefix", "api"}},
        {{"Host", "in"}, {"X-Forwarded-Prefix", "/a?b"}},
    };
    for (size_t i = 0; i < N(bad_x); i++)
        expect_rc_(__LINE__, &x, "10.0.0.2", "http", "/v", bad_x[i], 2, VO_EPARSE);

    /* The Host header itself, from any peer. */
    const char *bad_host[] = {"",
                              "   ",
                              "exa mple.com",
                              "user@example.com",
                              "example.com:",
                              "example.com:0",
                              "example.com:99999",
                              "example.com:08",
                              "example.com:80:80",
                              "2001:db8::1",
                              "[2001:db8::1",
                              "[]",
                              "[1.2.3.4]",
                              "[2001:db8::1]x",
                              "example.com/path",
                              "ex\x01.com",
                              "\xc3\xa9.example",
                              "[fe80::1%25eth0]"};
    for (size_t i = 0; i < N(bad_host); i++) {
        vo_param h[] = {{"Host", bad_host[i]}};
        EXPECT_RC(NULL, "203.0.113.1", "http", "/v", h, VO_EPARSE);
        ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "Host"));
    }
    vo_param none[] = {{"X-Forwarded-Host", "a.example"}};
    EXPECT_RC(NULL, NULL, "http", "/v", none, VO_EPARSE);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "no Host"));
    vo_param twice[] = {{"Host", "a.example"}, {"host", "a.example"}};
    EXPECT_RC(NULL, NULL, "http", "/v", twice, VO_EPARSE);

    /* The request target must be origin form. */
    vo_param ok[] = {{"Host", "a.example"}};
    const char *bad_target[] = {"",
                                "http://a.example/v",
                                "*",
                                "v",
                                "/a b",
                                "/a#frag",
                                "/a\tb",
                                "/\x7f",
                                "/caf\xc3\xa9",
                                "/a\r\nX-Injected: 1"};
    for (size_t i = 0; i < N(bad_target); i++) {
        EXPECT_RC(NULL, NULL, "http", bad_target[i], ok, VO_EPARSE);
        ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "origin form"));
    }
}
END_TEST

START_TEST(caller_errors)
{
    vo_param h[] = {{"Host", "a.example"}};
    char out[64];
    ck_assert_vo_rc(vo_public_url_build(out, sizeof(out), NULL, NULL, NULL, "http", NULL, h, 1),
                    VO_EINVAL);
    EXPECT_RC(NULL, NULL, NULL, "/v", h, VO_EINVAL);
    EXPECT_RC(NULL, NULL, "ftp", "/v", h, VO_EINVAL);
    EXPECT_RC(NULL, NULL, "https ", "/v", h, VO_EINVAL);
    ck_assert_vo_rc(
        vo_public_url_build(out, sizeof(out), NULL, NULL, NULL, "http", "/v", NULL, 2),
        VO_EINVAL);
    /* No headers at all: no Host, a network problem (HTTP/1.0 client). */
    ck_assert_vo_rc(
        vo_public_url_build(out, sizeof(out), NULL, NULL, NULL, "http", "/v", NULL, 0),
        VO_EPARSE);

    const char *bad[] = {"10.0.0.1/8",
                         "10.0.0.0/33",
                         "10.0.0.0/",
                         "10.0.0.0/08",
                         "10.0.0.0/-1",
                         "::/129",
                         "2001:db8::1/32",
                         "banana",
                         "",
                         "[::1]",
                         "10.0.0.0/8 ",
                         " 10.0.0.1",
                         "10.0.0.1:80",
                         "fe80::1%eth0",
                         "::ffff:10.0.0.0/95",
                         "::ffff:10.0.0.0/104x",
                         "1.2.3"};
    for (size_t i = 0; i < N(bad); i++) {
        const char *const list[] = {"10.0.0.0/8", bad[i]};
        vo_public_url_options o = VO_PUBLIC_URL_OPTIONS_INIT;
        o.trusted_proxies = list;
        o.trusted_proxy_count = 2;
        o.forwarded_headers = XF_ALL;
        /* Refused whatever the peer, so a typo shows on the first request. */
        EXPECT_RC(&o, "203.0.113.1", "http", "/v", h, VO_EINVAL);
        ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "trusted_proxies[1]"));
    }
    const char *const with_null[] = {"10.0.0.0/8", NULL};
    vo_public_url_options o = trusting(XF_ALL);
    o.trusted_proxies = with_null;
    o.trusted_proxy_count = 2;
    EXPECT_RC(&o, NULL, "http", "/v", h, VO_EINVAL);
    o.trusted_proxies = NULL;
    EXPECT_RC(&o, NULL, "http", "/v", h, VO_EINVAL);
    o = trusting(0x20);
    EXPECT_RC(&o, NULL, "http", "/v", h, VO_EINVAL);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "unknown bits"));
    /* Headers named without any trusted proxy: harmless, nothing is read. */
    vo_public_url_options dev = VO_PUBLIC_URL_OPTIONS_INIT;
    dev.forwarded_headers = XF_ALL;
    vo_param spoof[] = {{"Host", "a.example"}, {"X-Forwarded-Host", "evil.example"}};
    EXPECT(&dev, "127.0.0.1", "http", "/v", spoof, "http://a.example/v");
}
END_TEST

START_TEST(buffer_too_small)
{
    vo_param h[] = {{"Host", "voice.example.com"}};
    const char *want = "https://voice.example.com/twilio/voice?x=1";
    size_t wl = strlen(want);
    char out[128];
    size_t len = 0;
    /* Exactly enough. */
    ck_assert_vo_ok(
        vo_public_url_build(out, wl + 1, &len, NULL, NULL, "https", "/twilio/voice?x=1", h, 1));
    ck_assert_str_eq(out, want);
    ck_assert_uint_eq(len, wl);
    /* One short: VO_ERANGE, empty output, the length needed, nothing written past it. */
    memset(out, 'Z', sizeof(out));
    len = 0;
    ck_assert_vo_rc(
        vo_public_url_build(out, wl, &len, NULL, NULL, "https", "/twilio/voice?x=1", h, 1),
        VO_ERANGE);
    ck_assert_str_eq(out, "");
    ck_assert_uint_eq(len, wl);
    for (size_t i = 1; i < sizeof(out); i++)
        ck_assert_int_eq(out[i], 'Z');
    /* Length query with no buffer. */
    len = 0;
    ck_assert_vo_rc(
        vo_public_url_build(NULL, 0, &len, NULL, NULL, "https", "/twilio/voice?x=1", h, 1),
        VO_ERANGE);
    ck_assert_uint_eq(len, wl);
    ck_assert_vo_rc(
        vo_public_url_build(out, 0, NULL, NULL, NULL, "https", "/twilio/voice?x=1", h, 1),
        VO_ERANGE);
    ck_assert_vo_rc(vo_public_url_build(NULL, 10, &len, NULL, NULL, "https", "/", h, 1),
                    VO_EINVAL);
    /* Other failures report length 0. */
    len = 99;
    ck_assert_vo_rc(vo_public_url_build(out, sizeof(out), &len, NULL, NULL, "https", "x", h, 1),
                    VO_EPARSE);
    ck_assert_uint_eq(len, 0);
}
END_TEST

START_TEST(forwarded_prefix)
{
    vo_public_url_options o =
        trusting(VO_PUBLIC_URL_X_FORWARDED_PROTO | VO_PUBLIC_URL_X_FORWARDED_PREFIX);
    vo_param h[] = {{"Host", "voice.example.com"},
                    {"X-Forwarded-Proto", "https"},
                    {"X-Forwarded-Prefix", "/tenant-api/"}};
    EXPECT(&o, "10.0.0.2", "http", "/twilio/voice", h,
           "https://voice.example.com/tenant-api/twilio/voice");
    /* Not enabled: ignored. */
    vo_public_url_options p = trusting(VO_PUBLIC_URL_X_FORWARDED_PROTO);
    EXPECT(&p, "10.0.0.2", "http", "/twilio/voice", h,
           "https://voice.example.com/twilio/voice");
    /* "/" adds nothing. */
    vo_param h2[] = {{"Host", "voice.example.com"}, {"X-Forwarded-Prefix", "/"}};
    EXPECT(&o, "10.0.0.2", "http", "/v", h2, "http://voice.example.com/v");
    /* Also next to Forwarded, one entry per trusted hop. */
    vo_public_url_options f =
        trusting(VO_PUBLIC_URL_FORWARDED | VO_PUBLIC_URL_X_FORWARDED_PREFIX);
    vo_param h3[] = {
        {"Host", "in"},
        {"Forwarded", "for=198.51.100.1;host=public.example;proto=https,for=10.0.0.7"},
        {"X-Forwarded-Prefix", "/evil, /outer, /inner"}};
    EXPECT(&f, "10.0.0.2", "http", "/v", h3, "https://public.example/outer/v");
}
END_TEST

static Suite *public_url_suite(void)
{
    Suite *s = suite_create("public_url");
    TCase *t = tcase_create("public_url");
    tcase_add_test(t, no_proxy_uses_host_and_own_scheme);
    tcase_add_test(t, zero_filled_options);
    tcase_add_test(t, options_init);
    tcase_add_test(t, tls_terminated_at_balancer);
    tcase_add_test(t, non_default_port);
    tcase_add_test(t, base_url_with_prefix);
    tcase_add_test(t, chain_of_proxies);
    tcase_add_test(t, untrusted_peer_spoofing_ignored);
    tcase_add_test(t, ipv6_peers_and_cidrs);
    tcase_add_test(t, forwarded_quoting_and_case);
    tcase_add_test(t, malformed_network_input);
    tcase_add_test(t, caller_errors);
    tcase_add_test(t, buffer_too_small);
    tcase_add_test(t, forwarded_prefix);
    suite_add_tcase(s, t);
    return s;
}

VO_TEST_MAIN(public_url_suite)
