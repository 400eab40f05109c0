/*
 * Keyed MAC states. HMAC-SHA1 comes from OpenSSL's libcrypto (libsodium has no SHA-1);
 * HMAC-SHA256/512 from libsodium. The key schedule is computed once per state and reused
 * for each message (vo__mac_begin), which is what makes trying several URL forms or
 * several payloads with the same key cheap.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>

#include "internal.h"
#include "mac_internal.h"

/* Fetched once at vo_init(): EVP_MAC_fetch is expensive and thread-safe objects. */
static EVP_MAC *hmac_impl;

int vo__mac_global_init(void)
{
    hmac_impl = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!hmac_impl)
        return vo__error_set(VO_ECRYPTO, "libcrypto has no HMAC implementation");
    return VO_OK;
}

/* Bumped at every global cleanup so that threads drop states built before it. */
static atomic_uint cache_generation;

void vo__mac_global_cleanup(void)
{
    vo__mac_cache_clear();
    atomic_fetch_add(&cache_generation, 1);
    EVP_MAC_free(hmac_impl);
    hmac_impl = NULL;
}

struct vo__mac {
    vo__mac_alg alg;
    EVP_MAC_CTX *ossl; /* SHA-1 */
    union {
        crypto_auth_hmacsha256_state s256;
        crypto_auth_hmacsha512_state s512;
    } keyed, work; /* SHA-256 / SHA-512 */
};

size_t vo__mac_size(vo__mac_alg alg)
{
    switch (alg) {
    case VO__MAC_SHA1: return 20;
    case VO__MAC_SHA256: return crypto_auth_hmacsha256_BYTES;
    case VO__MAC_SHA512: return crypto_auth_hmacsha512_BYTES;
    }
    return 0;
}

int vo__mac_new(vo__mac **out, vo__mac_alg alg, const void *key, size_t key_len)
{
    *out = NULL;
    int rc = vo__require_init();
    if (rc != VO_OK)
        return rc;
    if (!key && key_len > 0)
        return vo__error_set(VO_EINVAL, "MAC key is NULL");
    static const unsigned char empty = 0;
    if (!key)
        key = &empty;
    vo__mac *m = calloc(1, sizeof(*m));
    if (!m)
        return vo__error_set(VO_ENOMEM, "out of memory");
    m->alg = alg;
    switch (alg) {
    case VO__MAC_SHA1: {
        OSSL_PARAM params[2];
        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA1", 0);
        params[1] = OSSL_PARAM_construct_end();
        m->ossl = EVP_MAC_CTX_new(hmac_impl);
        if (!m->ossl || !EVP_MAC_init(m->ossl, key, key_len, params)) {
            vo__mac_free(m);
            return vo__error_set(VO_ECRYPTO, "libcrypto failed to set up HMAC-SHA1");
        }
        break;
    }
    case VO__MAC_SHA256:
        crypto_auth_hmacsha256_init(&m->keyed.s256, key, key_len);
        m->work.s256 = m->keyed.s256;
        break;
    case VO__MAC_SHA512:
        crypto_auth_hmacsha512_init(&m->keyed.s512, key, key_len);
        m->work.s512 = m->keyed.s512;
        break;
    default: free(m); return vo__error_set(VO_EINVAL, "unknown MAC algorithm");
    }
    *out = m;
    return VO_OK;
}

int vo__mac_begin(vo__mac *m)
{
    switch (m->alg) {
    case VO__MAC_SHA1:
        /* A NULL key re-initialises with the key schedule already computed. */
        if (!EVP_MAC_init(m->ossl, NULL, 0, NULL))
            return vo__error_set(VO_ECRYPTO, "libcrypto failed to reset HMAC-SHA1");
        break;
    case VO__MAC_SHA256: m->work.s256 = m->keyed.s256; break;
    case VO__MAC_SHA512: m->work.s512 = m->keyed.s512; break;
    }
    return VO_OK;
}

int vo__mac_update(vo__mac *m, const void *data, size_t len)
{
    if (len == 0)
        return VO_OK;
    switch (m->alg) {
    case VO__MAC_SHA1:
        if (!EVP_MAC_update(m->ossl, data, len))
            return vo__error_set(VO_ECRYPTO, "libcrypto HMAC-SHA1 update failed");
        break;
    case VO__MAC_SHA256: crypto_auth_hmacsha256_update(&m->work.s256, data, len); break;
    case VO__MAC_SHA512: crypto_auth_hmacsha512_update(&m->work.s512, data, len); break;
    }
    return VO_OK;
}

int vo__mac_final(vo__mac *m, unsigned char *out)
{
    switch (m->alg) {
    case VO__MAC_SHA1: {
        size_t n = 0;
        if (!EVP_MAC_final(m->ossl, out, &n, 20) || n != 20)
            return vo__error_set(VO_ECRYPTO, "libcrypto HMAC-SHA1 final failed");
        break;
    }
    case VO__MAC_SHA256: crypto_auth_hmacsha256_final(&m->work.s256, out); break;
    case VO__MAC_SHA512: crypto_auth_hmacsha512_final(&m->work.s512, out); break;
    }
    return VO_OK;
}

void vo__mac_free(vo__mac *m)
{
    if (!m)
        return;
    EVP_MAC_CTX_free(m->ossl); /* OpenSSL cleanses the key material */
    sodium_memzero(m, sizeof(*m));
    free(m);
}

int vo__mac_oneshot(vo__mac_alg alg, const void *key, size_t key_len, const void *data,
                    size_t len, unsigned char *out)
{
    vo__mac *m;
    int rc = vo__mac_new(&m, alg, key, key_len);
    if (rc != VO_OK)
        return rc;
    rc = vo__mac_update(m, data, len);
    if (rc == VO_OK)
        rc = vo__mac_final(m, out);
    vo__mac_free(m);
    return rc;
}

/* ---- per-thread cache of keyed states ------------------------------------------------ */

#define CACHE_SLOTS 8

typedef struct cache_entry {
    vo__mac *mac;
    unsigned char *key; /* a copy, to recognise the key; wiped on eviction */
    size_t key_len;
    uint64_t used;
} cache_entry;

typedef struct mac_cache {
    cache_entry e[CACHE_SLOTS];
    uint64_t clock;
    unsigned generation;
    bool registered;
} mac_cache;

static _Thread_local mac_cache tls_cache;
static pthread_key_t cache_key;
static pthread_once_t cache_key_once = PTHREAD_ONCE_INIT;

static void entry_clear(cache_entry *e)
{
    vo__mac_free(e->mac);
    if (e->key) {
        sodium_memzero(e->key, e->key_len);
        free(e->key);
    }
    memset(e, 0, sizeof(*e));
}

static void cache_clear(mac_cache *c)
{
    for (int i = 0; i < CACHE_SLOTS; i++)
        entry_clear(&c->e[i]);
}

static void cache_thread_exit(void *p)
{
    cache_clear(p);
}

static void cache_key_create(void)
{
    pthread_key_create(&cache_key, cache_thread_exit);
}

void vo__mac_cache_clear(void)
{
    cache_clear(&tls_cache);
}

int vo__mac_cached(vo__mac **out, vo__mac_alg alg, const void *key, size_t key_len)
{
    mac_cache *c = &tls_cache;
    *out = NULL;
    unsigned gen = atomic_load(&cache_generation);
    if (c->generation != gen) {
        cache_clear(c);
        c->generation = gen;
    }
    if (!c->registered) {
        /* Register the thread's cache so that its states are wiped when the thread ends. */
        pthread_once(&cache_key_once, cache_key_create);
        pthread_setspecific(cache_key, c);
        c->registered = true;
    }
    cache_entry *victim = &c->e[0];
    for (int i = 0; i < CACHE_SLOTS; i++) {
        cache_entry *e = &c->e[i];
        if (e->mac && e->mac->alg == alg && e->key_len == key_len &&
            (key_len == 0 || vo__ct_equal(e->key, key, key_len))) {
            e->used = ++c->clock;
            *out = e->mac; /* the caller starts each message with vo__mac_begin() */
            return VO_OK;
        }
        if (!e->mac || (victim->mac && e->used < victim->used))
            victim = e;
    }
    entry_clear(victim);
    unsigned char *copy = malloc(key_len ? key_len : 1);
    if (!copy)
        return vo__error_set(VO_ENOMEM, "out of memory");
    if (key_len)
        memcpy(copy, key, key_len);
    int rc = vo__mac_new(&victim->mac, alg, key, key_len);
    if (rc != VO_OK) {
        free(copy);
        victim->mac = NULL;
        return rc;
    }
    victim->key = copy;
    victim->key_len = key_len;
    victim->used = ++c->clock;
    *out = victim->mac;
    return VO_OK;
}
