/*
 * Bounded LRU cache of unwrapped DEKs, keyed by (tenant row id, DEK generation). The keys
 * live in one sodium_malloc'd block (guard pages, mlock, no core dump) that is wiped when an
 * entry is evicted and when the cache is freed. Not thread-safe: the vault lock guards it.
 */
#include <stdlib.h>
#include <string.h>

#include "vault_internal.h"

static unsigned hash_key(int64_t tid, int64_t gen, int nb)
{
    uint64_t h = (uint64_t)tid * 0x9E3779B97F4A7C15ull ^ (uint64_t)gen * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 29;
    return (unsigned)(h & (uint64_t)(nb - 1));
}

int vo__cache_init(vo__dek_cache *c, int cap)
{
    memset(c, 0, sizeof(*c));
    c->cap = cap < 0 ? 0 : cap;
    c->head = c->tail = c->free_head = -1;
    /* One extra key slot: scratch for an uncached DEK when the cache is disabled. */
    c->keys = sodium_malloc(((size_t)c->cap + 1) * VO_VAULT_KEY_SIZE);
    if (!c->keys)
        return vo__error_set(VO_ENOMEM, "out of secure memory for the DEK cache");
    sodium_memzero(c->keys, ((size_t)c->cap + 1) * VO_VAULT_KEY_SIZE);
    if (c->cap == 0)
        return VO_OK;
    c->nbuckets = 16;
    while (c->nbuckets < c->cap * 2)
        c->nbuckets *= 2;
    c->slots = calloc((size_t)c->cap, sizeof(*c->slots));
    c->buckets = malloc((size_t)c->nbuckets * sizeof(int));
    if (!c->slots || !c->buckets) {
        vo__cache_free(c);
        return vo__error_set(VO_ENOMEM, "out of memory");
    }
    for (int i = 0; i < c->nbuckets; i++)
        c->buckets[i] = -1;
    /* Unused slots form a free list through hnext. */
    for (int i = 0; i < c->cap; i++)
        c->slots[i].hnext = i + 1 < c->cap ? i + 1 : -1;
    c->free_head = 0;
    return VO_OK;
}

void vo__cache_free(vo__dek_cache *c)
{
    if (c->keys)
        sodium_free(c->keys); /* wipes */
    free(c->slots);
    free(c->buckets);
    memset(c, 0, sizeof(*c));
    c->head = c->tail = -1;
}

static unsigned char *key_at(vo__dek_cache *c, int i)
{
    return c->keys + (size_t)i * VO_VAULT_KEY_SIZE;
}

static void lru_unlink(vo__dek_cache *c, int i)
{
    vo__cache_slot *s = &c->slots[i];
    if (s->prev >= 0)
        c->slots[s->prev].next = s->next;
    else
        c->head = s->next;
    if (s->next >= 0)
        c->slots[s->next].prev = s->prev;
    else
        c->tail = s->prev;
    s->prev = s->next = -1;
}

static void lru_push_front(vo__dek_cache *c, int i)
{
    vo__cache_slot *s = &c->slots[i];
    s->prev = -1;
    s->next = c->head;
    if (c->head >= 0)
        c->slots[c->head].prev = i;
    c->head = i;
    if (c->tail < 0)
        c->tail = i;
}

static void hash_remove(vo__dek_cache *c, int i)
{
    vo__cache_slot *s = &c->slots[i];
    int *pp = &c->buckets[hash_key(s->tid, s->gen, c->nbuckets)];
    while (*pp >= 0) {
        if (*pp == i) {
            *pp = s->hnext;
            break;
        }
        pp = &c->slots[*pp].hnext;
    }
    s->hnext = -1;
}

unsigned char *vo__cache_get(vo__dek_cache *c, int64_t tid, int64_t gen)
{
    if (c->cap == 0)
        return NULL;
    for (int i = c->buckets[hash_key(tid, gen, c->nbuckets)]; i >= 0; i = c->slots[i].hnext) {
        if (c->slots[i].tid == tid && c->slots[i].gen == gen) {
            if (c->head != i) {
                lru_unlink(c, i);
                lru_push_front(c, i);
            }
            return key_at(c, i);
        }
    }
    return NULL;
}

static void evict(vo__dek_cache *c, int i)
{
    hash_remove(c, i);
    lru_unlink(c, i);
    sodium_memzero(key_at(c, i), VO_VAULT_KEY_SIZE);
    c->slots[i].used = false;
    c->slots[i].hnext = c->free_head;
    c->free_head = i;
    c->count--;
}

unsigned char *vo__cache_put(vo__dek_cache *c, int64_t tid, int64_t gen,
                             const unsigned char *key)
{
    if (c->cap == 0) {
        memcpy(key_at(c, 0), key, VO_VAULT_KEY_SIZE);
        return key_at(c, 0);
    }
    unsigned char *have = vo__cache_get(c, tid, gen);
    if (have) {
        memcpy(have, key, VO_VAULT_KEY_SIZE);
        return have;
    }
    if (c->free_head < 0)
        evict(c, c->tail);
    int i = c->free_head;
    c->free_head = c->slots[i].hnext;
    vo__cache_slot *s = &c->slots[i];
    s->tid = tid;
    s->gen = gen;
    s->used = true;
    unsigned b = hash_key(tid, gen, c->nbuckets);
    s->hnext = c->buckets[b];
    c->buckets[b] = i;
    lru_push_front(c, i);
    c->count++;
    memcpy(key_at(c, i), key, VO_VAULT_KEY_SIZE);
    return key_at(c, i);
}

void vo__cache_remove_tenant(vo__dek_cache *c, int64_t tid)
{
    for (int i = 0; i < c->cap; i++)
        if (c->slots[i].used && c->slots[i].tid == tid)
            evict(c, i);
    if (c->cap == 0)
        sodium_memzero(key_at(c, 0), VO_VAULT_KEY_SIZE);
}
