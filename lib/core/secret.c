/* Secure memory (pooled sodium_malloc blocks) and vo_secret holders on top of it. */
#include <pthread.h>
#include <string.h>

#include <sodium.h>

#include "voiceops/secret.h"
#include "internal.h"
#include "secure_internal.h"

/* ---- pooled guarded blocks ------------------------------------------------------------ */

/* Each block starts with a 16-byte prefix holding its usable size; sizes that are multiples
 * of 16 keep the user pointer aligned (sodium_malloc places the region against its trailing
 * guard page). */
#define PREFIX 16
#define CLASSES 7          /* usable sizes 64, 128, ..., 4096 */
#define POOL_PER_CLASS 8

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static void *pool[CLASSES][POOL_PER_CLASS]; /* blocks (prefix start), wiped */
static int pool_n[CLASSES];

static int size_class(size_t size)
{
    size_t c = 64;
    for (int i = 0; i < CLASSES; i++, c <<= 1)
        if (size <= c)
            return i;
    return -1;
}

void *vo__secure_alloc(size_t size)
{
    int cls = size_class(size);
    size_t usable = cls >= 0 ? (size_t)64 << cls : (size + 15) & ~(size_t)15;
    if (usable < size || usable > SIZE_MAX - PREFIX)
        return NULL;
    unsigned char *block = NULL;
    if (cls >= 0) {
        pthread_mutex_lock(&pool_lock);
        if (pool_n[cls] > 0)
            block = pool[cls][--pool_n[cls]];
        pthread_mutex_unlock(&pool_lock);
    }
    if (!block) {
        block = sodium_malloc(PREFIX + usable);
        if (!block)
            return NULL;
        memcpy(block, &usable, sizeof(usable));
    }
    sodium_memzero(block + PREFIX, usable);
    return block + PREFIX;
}

void vo__secure_free(void *ptr)
{
    if (!ptr)
        return;
    unsigned char *block = (unsigned char *)ptr - PREFIX;
    size_t usable;
    memcpy(&usable, block, sizeof(usable));
    sodium_memzero(ptr, usable);
    int cls = size_class(usable);
    if (cls >= 0 && ((size_t)64 << cls) == usable) {
        pthread_mutex_lock(&pool_lock);
        if (pool_n[cls] < POOL_PER_CLASS) {
            pool[cls][pool_n[cls]++] = block;
            block = NULL;
        }
        pthread_mutex_unlock(&pool_lock);
    }
    if (block)
        sodium_free(block);
}

void vo__secure_pool_drain(void)
{
    pthread_mutex_lock(&pool_lock);
    for (int c = 0; c < CLASSES; c++)
        while (pool_n[c] > 0)
            sodium_free(pool[c][--pool_n[c]]);
    pthread_mutex_unlock(&pool_lock);
}

/* ---- vo_secret ------------------------------------------------------------------------ */

struct vo_secret {
    size_t len;
    unsigned char *data; /* len + 1 bytes right after the struct, NUL-terminated */
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
    if (len > SIZE_MAX - sizeof(vo_secret) - 1)
        return vo__error_set(VO_ETOOBIG, "vo_secret_new: too large");
    /* One guarded block: the holder, then the bytes. */
    vo_secret *s = vo__secure_alloc(sizeof(*s) + len + 1);
    if (!s)
        return vo__error_set(VO_ENOMEM, "out of secure memory");
    s->data = (unsigned char *)(s + 1);
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
    vo__secure_free(s); /* wipes */
}

int vo_secure_equal(const void *a, size_t a_len, const void *b, size_t b_len)
{
    if (!a || !b || a_len != b_len)
        return 0;
    if (a_len == 0)
        return 1;
    return sodium_memcmp(a, b, a_len) == 0 ? 1 : 0;
}
