/* Small string and buffer helpers shared by the modules. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

void vo__digest_parts(unsigned char *out, size_t out_len, const unsigned char *key,
                      size_t key_len, const void *const *parts, const size_t *lens,
                      size_t count)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, key_len ? key : NULL, key_len, out_len);
    for (size_t i = 0; i < count; i++) {
        unsigned char len[8];
        uint64_t u = (uint64_t)lens[i];
        for (int k = 7; k >= 0; k--) {
            len[k] = (unsigned char)u;
            u >>= 8;
        }
        crypto_generichash_update(&st, len, sizeof(len));
        if (lens[i])
            crypto_generichash_update(&st, parts[i], lens[i]);
    }
    crypto_generichash_final(&st, out, out_len);
    sodium_memzero(&st, sizeof(st));
}

bool vo__str_ieq(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    for (; *a && *b; a++, b++)
        if (lower((unsigned char)*a) != lower((unsigned char)*b))
            return false;
    return *a == *b;
}

bool vo__ct_equal(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    int d = 0;
    for (; n >= 32; n -= 32, x += 32, y += 32)
        d |= crypto_verify_32(x, y);
    if (n >= 16) {
        d |= crypto_verify_16(x, y);
        n -= 16;
        x += 16;
        y += 16;
    }
    if (n)
        d |= sodium_memcmp(x, y, n);
    return d == 0;
}

bool vo__strn_ieq(const char *a, size_t a_len, const char *b)
{
    if (!a || !b)
        return false;
    if (strlen(b) != a_len)
        return false;
    if (memcmp(a, b, a_len) == 0) /* the common case: the same bytes */
        return true;
    size_t i = 0;
    for (; i < a_len && b[i]; i++)
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
            return false;
    return i == a_len && b[i] == '\0';
}

bool vo__strlcpy(char *dst, const char *src, size_t size)
{
    if (size == 0)
        return false;
    size_t n = strlen(src);
    if (n < size) {
        memcpy(dst, src, n + 1);
        return true;
    }
    memcpy(dst, src, size - 1);
    dst[size - 1] = '\0';
    return false;
}

bool vo__buf_reserve(vo__buf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (extra > SIZE_MAX - b->len - 1) {
        b->failed = true;
        return false;
    }
    size_t need = b->len + extra + 1; /* room for the NUL of vo__buf_finish */
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

bool vo__buf_append(vo__buf *b, const void *data, size_t len)
{
    if (!vo__buf_reserve(b, len))
        return false;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    return true;
}

bool vo__buf_append_str(vo__buf *b, const char *s)
{
    return vo__buf_append(b, s, strlen(s));
}

bool vo__buf_append_char(vo__buf *b, char c)
{
    return vo__buf_append(b, &c, 1);
}

bool vo__buf_finish(vo__buf *b)
{
    if (!vo__buf_reserve(b, 0))
        return false;
    b->data[b->len] = '\0';
    return true;
}

void vo__buf_free(vo__buf *b, bool wipe)
{
    if (b->data && wipe)
        sodium_memzero(b->data, b->cap);
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}

bool vo__base_url_ok(const char *u)
{
    if (!u || (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0))
        return false;
    const char *auth = strstr(u, "://") + 3;
    size_t alen = strcspn(auth, "/");
    if (alen == 0 || memchr(auth, '@', alen)) /* no host, or user info */
        return false;
    for (; *u; u++)
        if ((unsigned char)*u <= 0x20 || *u == '?' || *u == '#')
            return false;
    return true;
}

bool vo__base_url_cleartext(const char *u)
{
    if (!u || strncmp(u, "http://", 7) != 0)
        return false;
    const char *h = u + 7;
    size_t alen = strcspn(h, "/");
    char host[256];
    size_t hl;
    if (h[0] == '[') { /* [v6]:port */
        const char *end = memchr(h, ']', alen);
        if (!end)
            return true;
        hl = (size_t)(end - h - 1);
        h++;
    } else {
        const char *colon = memchr(h, ':', alen);
        hl = colon ? (size_t)(colon - h) : alen;
    }
    if (hl == 0 || hl >= sizeof(host))
        return true;
    memcpy(host, h, hl);
    host[hl] = '\0';
    if (vo__str_ieq(host, "localhost"))
        return false;
    struct in_addr a4;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) != 127; /* 127.0.0.0/8 */
    struct in6_addr a6;
    if (inet_pton(AF_INET6, host, &a6) == 1)
        return !IN6_IS_ADDR_LOOPBACK(&a6);
    return true;
}
