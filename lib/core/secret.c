/* Secure memory (pooled sodium_malloc blocks) and vo_secret holders on top of it. */
#include <pthread.h>
#include <string.h>

#include <sodium.h>

#include "voiceops/secret.h"
#include "handle.h"
#include "internal.h"
#include "secure_internal.h"

/* ---- pooled guarded blocks ------------------------------------------------------------ */

/* Each block starts with a 16-byte prefix holding its usable size and its state (in use or
 * free); sizes that are multiples of 16 keep the user pointer aligned (sodium_malloc places
 * the region against its trailing guard page). The state makes a second free of a block
 * that is still in the pool a reported no-op: a block can never sit in the pool twice and
 * so never be handed out twice. */
#define PREFIX 16
#define CLASSES 7 /* usable sizes 64, 128, ..., 4096 */
#define POOL_PER_CLASS 8
#define BLOCK_IN_USE 0x5EC0A11Cu
#define BLOCK_FREE 0x5EC0F4EEu

typedef struct block_prefix {
    size_t usable;
    uint32_t state;
} block_prefix;
_Static_assert(sizeof(block_prefix) <= PREFIX, "secure block prefix too large");

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
        if (pool_n[cls] > 0) {
            block = pool[cls][--pool_n[cls]];
            ((block_prefix *)block)->state = BLOCK_IN_USE;
        }
        pthread_mutex_unlock(&pool_lock);
    }
    if (!block) {
        block = sodium_malloc(PREFIX + usable);
        if (!block)
            return NULL;
        block_prefix pre = {usable, BLOCK_IN_USE};
        memcpy(block, &pre, sizeof(pre));
    }
    sodium_memzero(block + PREFIX, usable);
    return block + PREFIX;
}

void vo__secure_free(void *ptr)
{
    if (!ptr)
        return;
    unsigned char *block = (unsigned char *)ptr - PREFIX;
    block_prefix *pre = (block_prefix *)block;
    size_t usable = pre->usable;
    int cls = size_class(usable);
    bool pooled_size = cls >= 0 && ((size_t)64 << cls) == usable;
    pthread_mutex_lock(&pool_lock);
    if (pre->state != BLOCK_IN_USE) {
        pthread_mutex_unlock(&pool_lock);
        vo__error_set_static(VO_EHANDLE, "vo__secure_free",
                             "invalid handle: secure block freed twice; ignored");
        vo__log(VO_LOG_ERROR, "handle", "secure block freed twice; ignored");
        return;
    }
    pre->state = BLOCK_FREE;
    sodium_memzero(ptr, usable);
    if (pooled_size && pool_n[cls] < POOL_PER_CLASS) {
        pool[cls][pool_n[cls]++] = block;
        block = NULL;
    }
    pthread_mutex_unlock(&pool_lock);
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

/* The holder is a tagged handle in ordinary memory (so that a double free or a use after
 * free is caught by the handle quarantine); the bytes are in a guarded secure block. */
struct vo_secret {
    vo__handle h;
    size_t len;
    unsigned char *data; /* secure block of len + 1 bytes, NUL-terminated */
};

static void secret_destroy(void *p)
{
    vo_secret *s = p;
    vo__secure_free(s->data); /* wipes */
    s->data = NULL;
}

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
    if (len > SIZE_MAX - PREFIX - 1)
        return vo__error_set(VO_ETOOBIG, "vo_secret_new: too large");
    vo_secret *s = vo__handle_new(sizeof(*s), VO__H_SECRET, secret_destroy);
    if (!s)
        return vo__error_set(VO_ENOMEM, "out of memory");
    s->data = vo__secure_alloc(len + 1);
    if (!s->data) {
        vo__handle_release(s);
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
    s = vo__handle_or_null(s, VO__H_SECRET, "vo_secret_data");
    return s ? s->data : NULL;
}

const char *vo_secret_str(const vo_secret *s)
{
    s = vo__handle_or_null(s, VO__H_SECRET, "vo_secret_str");
    return s ? (const char *)s->data : "";
}

size_t vo_secret_len(const vo_secret *s)
{
    s = vo__handle_or_null(s, VO__H_SECRET, "vo_secret_len");
    return s ? s->len : 0;
}

void vo_secret_free(vo_secret *s)
{
    vo__handle_close(s, VO__H_SECRET, "vo_secret_free");
}

int vo_secure_equal(const void *a, size_t a_len, const void *b, size_t b_len)
{
    if (!a || !b || a_len != b_len)
        return 0;
    if (a_len == 0)
        return 1;
    return vo__ct_equal(a, b, a_len) ? 1 : 0;
}
