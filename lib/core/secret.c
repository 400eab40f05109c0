/* vo_secret: secret bytes in libsodium's guarded heap, wiped on free. */
#include <string.h>

#include <sodium.h>

#include "voiceops/secret.h"
#include "internal.h"

struct vo_secret {
    size_t len;
    unsigned char *data; /* sodium_malloc'd, len + 1 bytes, NUL-terminated */
};

int vo_secret_new(vo_secret **out, const void *data, size_t len)
{
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_secret_new: out is NULL");
    *out = NULL;
    if (!data && len)
        return vo__error_set(VO_EINVAL, "vo_secret_new: data is NULL");
    int rc = vo__require_init();
    if (rc != VO_OK)
        return rc;
    if (len == SIZE_MAX)
        return vo__error_set(VO_ETOOBIG, "vo_secret_new: too large");
    vo_secret *s = sodium_malloc(sizeof(*s));
    if (!s)
        return vo__error_set(VO_ENOMEM, "out of secure memory");
    s->data = sodium_malloc(len + 1);
    if (!s->data) {
        sodium_free(s);
        return vo__error_set(VO_ENOMEM, "out of secure memory");
    }
    if (len)
        memcpy(s->data, data, len);
    s->data[len] = '\0';
    s->len = len;
    *out = s;
    return VO_OK;
}

const unsigned char *vo_secret_data(const vo_secret *s)
{
    return s ? s->data : NULL;
}

const char *vo_secret_str(const vo_secret *s)
{
    return s ? (const char *)s->data : "";
}

size_t vo_secret_len(const vo_secret *s)
{
    return s ? s->len : 0;
}

void vo_secret_free(vo_secret *s)
{
    if (!s)
        return;
    sodium_free(s->data); /* sodium_free wipes before releasing */
    sodium_free(s);
}

int vo_secure_equal(const void *a, size_t a_len, const void *b, size_t b_len)
{
    if (!a || !b || a_len != b_len)
        return 0;
    if (a_len == 0)
        return 1;
    return sodium_memcmp(a, b, a_len) == 0 ? 1 : 0;
}
