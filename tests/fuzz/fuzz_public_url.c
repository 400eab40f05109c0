/*
 * libFuzzer target: vo_public_url_build(). Input fields (NUL-separated): a config byte,
 * the peer address, the app's scheme, the request target, the base URL, then the headers
 * as "Name: value" lines. Checks that every URL it builds is well-formed and usable by
 * Twilio verification, that the length protocol holds, and that an untrusted peer's
 * forwarded headers change nothing.
 */
#include "fuzz_util.h"
#include "webhook/webhook_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_HEADERS 16

static const char *const trusted[] = {"10.0.0.0/8", "192.168.1.1", "fd00::/8", "::1"};

static size_t parse_headers(char *text, vo_param *h)
{
    size_t n = 0;
    char *line = text;
    while (line && *line && n < MAX_HEADERS) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *colon = strchr(line, ':');
        if (colon && colon != line) {
            *colon = '\0';
            h[n].name = line;
            h[n].value = colon[1] == ' ' ? colon + 2 : colon + 1;
            n++;
        }
        line = nl ? nl + 1 : NULL;
    }
    return n;
}

static void check_url(const char *url, size_t len, const char *target)
{
    if (strlen(url) != len)
        abort();
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
        abort();
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '#')
            abort();
    size_t tl = strlen(target);
    if (tl > len || strcmp(url + len - tl, target) != 0)
        abort(); /* the target is kept byte for byte, at the end */
    if (vo__twilio_url_check(url) != VO_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    fuzz_fields ff;
    fuzz_split(&ff, data, size, 6);
    unsigned int cfg = ff.n > 0 && ff.len[0] ? (unsigned char)ff.f[0][0] : 0;
    const char *peer = ff.n > 1 ? ff.f[1] : NULL;
    const char *scheme = ff.n > 2 ? ff.f[2] : "https";
    const char *target = ff.n > 3 ? ff.f[3] : "/";
    vo_param h[MAX_HEADERS];
    size_t hn = ff.n > 5 ? parse_headers((char *)ff.f[5], h) : 0;

    vo_public_url_options o = VO_PUBLIC_URL_OPTIONS_INIT;
    o.forwarded_headers = cfg & 0x1f;
    if (cfg & 0x20) {
        o.trusted_proxies = trusted;
        o.trusted_proxy_count = sizeof(trusted) / sizeof(trusted[0]);
        if (!o.forwarded_headers)
            o.forwarded_headers = VO_PUBLIC_URL_FORWARDED;
    }
    if ((cfg & 0x40) && ff.n > 4)
        o.base_url = ff.f[4];

    char out[1024];
    size_t len = 0;
    int rc = vo_public_url_build(out, sizeof(out), &len, &o, peer, scheme, target, h, hn);
    if (rc == VO_OK) {
        check_url(out, len, target);
        /* Exactly len + 1 bytes suffice; len do not. */
        char *exact = malloc(len + 1);
        size_t len2 = 0;
        if (!exact ||
            vo_public_url_build(exact, len + 1, &len2, &o, peer, scheme, target, h, hn) !=
                VO_OK ||
            len2 != len || strcmp(exact, out))
            abort();
        if (vo_public_url_build(exact, len, &len2, &o, peer, scheme, target, h, hn) !=
                VO_ERANGE ||
            len2 != len || exact[0] != '\0')
            abort();
        free(exact);
        /* From a peer that is certainly not trusted, the forwarded headers are not read:
         * the same result as with no proxy configured at all. */
        if (!o.base_url) {
            char a[1024], b[1024];
            int ra = vo_public_url_build(a, sizeof(a), NULL, &o, "203.0.113.7", scheme, target,
                                         h, hn);
            int rb = vo_public_url_build(b, sizeof(b), NULL, NULL, "203.0.113.7", scheme,
                                         target, h, hn);
            if (ra != rb || (ra == VO_OK && strcmp(a, b) != 0))
                abort();
        }
    } else {
        if (rc != VO_EINVAL && rc != VO_EPARSE && rc != VO_ERANGE)
            abort();
        if (out[0] != '\0')
            abort();
    }
    fuzz_free(&ff);
    return 0;
}
