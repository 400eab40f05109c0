/* libFuzzer target: the captured-HTTP-request parser of `voiceops webhook verify`
 * (tools/voiceops/capture.c). Invariants: what it accepts is well-formed (a token method,
 * an HTTP/x.y version, header names that are tokens, a body no longer than the input), and
 * the request written back in raw form parses again to the same request. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void append(unsigned char **buf, size_t *len, const void *p, size_t n)
{
    memcpy(*buf + *len, p, n);
    *len += n;
}

static int skip_framing(const char *name)
{
    return strcasecmp(name, "Content-Length") == 0 ||
           strcasecmp(name, "Transfer-Encoding") == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    capture c;
    char err[200];
    capture_status st = capture_parse(&c, data, size, err, sizeof(err));
    if (st != CAPTURE_OK) {
        /* a failed parse leaves nothing allocated and says why */
        if (c.method || c.headers || c.body || err[0] == '\0' || strlen(err) >= sizeof(err))
            abort();
        return 0;
    }
    if (!c.method || !*c.method || !c.target || !*c.target || !c.version || !c.body)
        abort();
    if (strncmp(c.version, "HTTP/", 5) != 0 || strlen(c.version) != 8)
        abort();
    if (c.header_count > CAPTURE_MAX_HEADERS || c.body_len > size)
        abort();
    if (c.format == CAPTURE_CURL && c.body_len != 0)
        abort();
    size_t total = strlen(c.method) + strlen(c.target) + strlen(c.version) + 64 + c.body_len;
    for (size_t i = 0; i < c.header_count; i++) {
        const char *n = c.headers[i].name;
        if (!*n || strchr(n, ':') || strchr(n, ' ') || !c.headers[i].value)
            abort();
        if (capture_header_get(&c, n) == NULL)
            abort();
        total += strlen(n) + strlen(c.headers[i].value) + 4;
    }

    /* Write it back (raw form, CRLF, our own Content-Length) and parse again. */
    unsigned char *buf = malloc(total);
    size_t len = 0;
    if (!buf)
        abort();
    append(&buf, &len, c.method, strlen(c.method));
    append(&buf, &len, " ", 1);
    append(&buf, &len, c.target, strlen(c.target));
    append(&buf, &len, " ", 1);
    append(&buf, &len, c.version, strlen(c.version));
    append(&buf, &len, "\r\n", 2);
    size_t kept = 0;
    for (size_t i = 0; i < c.header_count; i++) {
        if (skip_framing(c.headers[i].name))
            continue;
        /* a value that would start a folded line or hold a line break cannot round-trip */
        if (strchr(c.headers[i].value, '\n'))
            abort();
        append(&buf, &len, c.headers[i].name, strlen(c.headers[i].name));
        append(&buf, &len, ": ", 2);
        append(&buf, &len, c.headers[i].value, strlen(c.headers[i].value));
        append(&buf, &len, "\r\n", 2);
        kept++;
    }
    if (kept >= CAPTURE_MAX_HEADERS) {
        /* a request at the header limit has no room for the Content-Length written back:
         * the second parse must refuse it, as it refuses any request over the limit */
        char cl0[48];
        int n0 = snprintf(cl0, sizeof(cl0), "Content-Length: %zu\r\n\r\n", c.body_len);
        append(&buf, &len, cl0, (size_t)n0);
        append(&buf, &len, c.body, c.body_len);
        capture over;
        if (capture_parse(&over, buf, len, err, sizeof(err)) == CAPTURE_OK)
            abort();
        free(buf);
        capture_free(&c);
        return 0;
    }
    char cl[48];
    int cln = snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n\r\n", c.body_len);
    append(&buf, &len, cl, (size_t)cln);
    append(&buf, &len, c.body, c.body_len);

    capture again;
    if (capture_parse(&again, buf, len, err, sizeof(err)) != CAPTURE_OK)
        abort();
    if (strcmp(again.method, c.method) != 0 || strcmp(again.target, c.target) != 0 ||
        again.header_count != kept + 1 || again.body_len != c.body_len ||
        memcmp(again.body, c.body, c.body_len) != 0 || again.body_truncated)
        abort();
    capture_free(&again);
    free(buf);
    capture_free(&c);
    return 0;
}
