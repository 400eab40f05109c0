/* libFuzzer target: the Retry-After parser (delta-seconds or an HTTP date). */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    const long long now = 1700000000LL;
    long ms = vo_http_parse_retry_after(s, now);
    /* -1 (malformed) or a delay of at most the clamp (about three years). */
    if (ms < -1 || ms > 100000000L * 1000L)
        abort();
    if (vo_http_parse_retry_after(s, now) != ms) /* no hidden state */
        abort();
    /* Digits only (surrounding blanks allowed): the delay is exactly the seconds given. */
    const char *p = s;
    while (*p == ' ' || *p == '\t')
        p++;
    const char *q = p;
    long long secs = 0;
    while (*q >= '0' && *q <= '9') {
        secs = secs * 10 + (*q - '0');
        if (secs > 100000000LL)
            secs = 100000000LL;
        q++;
    }
    const char *r = q;
    while (*r == ' ' || *r == '\t')
        r++;
    if (q > p && *r == '\0' && ms != (long)(secs * 1000))
        abort();
    free(s);
    return 0;
}
