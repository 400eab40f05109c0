/* Internal interface of the vault module: the handle, keyring, DEK cache, audit queue. */
#ifndef VO_VAULT_INTERNAL_H
#define VO_VAULT_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include <sodium.h>

#include "backend.h"

#define VO__FORMAT_VERSION 1
#define VO__NONCE_SIZE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define VO__TAG_SIZE crypto_aead_xchacha20poly1305_ietf_ABYTES
/* Upper bounds of the Argon2id limits of a passphrase KEK, given to
 * vo_keyring_add_passphrase() or read from the vault file (docs/vault.md). */
#define VO__KDF_OPS_MAX 16
#define VO__KDF_MEM_MAX ((int64_t)crypto_pwhash_MEMLIMIT_SENSITIVE) /* 1 GiB */
/* Sealed blob: format byte || nonce || ciphertext || tag. */
#define VO__SEAL_OVERHEAD (1 + VO__NONCE_SIZE + VO__TAG_SIZE)

/* ---- keyring ------------------------------------------------------------------------ */

typedef struct vo__kek {
    char id[VO__ID_SIZE];
    int kind;           /* VO__KEK_* */
    unsigned char *key; /* sodium_malloc'd 32 bytes (raw, or derived at open) */
    char *pass;         /* sodium_malloc'd passphrase (until derived) */
    size_t pass_len;
    unsigned long long ops;
    size_t mem;
    vo_kek_wrap_fn wrap;
    vo_kek_unwrap_fn unwrap;
    void *payload;
    bool retired;  /* set by the vault at open / retire */
    bool verified; /* checked against its registration at open */
} vo__kek;

struct vo_keyring {
    vo__handle h; /* first: type tag, state, references */
    vo__kek *keks;
    size_t n, cap;
    int active; /* index, -1 = none */
};

vo__kek *vo__keyring_find(const vo_keyring *kr, const char *id);
int vo__keyring_clone(vo_keyring **out, const vo_keyring *src);
/* Wrap/unwrap a 32-byte key with a KEK. Errors: VO_ECRYPTO (and provider codes). */
int vo__kek_wrap(const vo__kek *k, const unsigned char key[VO_VAULT_KEY_SIZE],
                 const unsigned char *ad, size_t ad_len, unsigned char *out, size_t *out_len);
int vo__kek_unwrap(const vo__kek *k, const unsigned char *blob, size_t blob_len,
                   const unsigned char *ad, size_t ad_len,
                   unsigned char out[VO_VAULT_KEY_SIZE]);
/* Argon2id derivation of a passphrase KEK with the given salt and limits. */
int vo__kek_derive(vo__kek *k, const unsigned char *salt, unsigned long long ops, size_t mem);

/* ---- validation --------------------------------------------------------------------- */
/* Valid tenant id, and not reserved unless inside a reserved scope (core/internal.h). */
int vo__check_tenant(const char *tenant);
bool vo__tenant_reserved(const char *tenant);
int vo__check_name(const char *name);
int vo__check_kek_id(const char *id);

/* ---- associated data ---------------------------------------------------------------- */
typedef struct vo__ad {
    unsigned char b[512];
    size_t n;
} vo__ad;
void vo__ad_init(vo__ad *ad, const char *purpose);
void vo__ad_str(vo__ad *ad, const char *s);
void vo__ad_u64(vo__ad *ad, int64_t v);
void vo__ad_bytes(vo__ad *ad, const unsigned char *p, size_t n);

/* ---- DEK cache: bounded LRU of unwrapped DEKs in guarded memory ---------------------- */
typedef struct vo__cache_slot {
    int64_t tid, gen;
    int prev, next, hnext;
    bool used;
} vo__cache_slot;

typedef struct vo__dek_cache {
    int cap, count;
    vo__cache_slot *slots;
    unsigned char *keys; /* sodium_malloc'd cap * 32 (+ 32 scratch) */
    int *buckets;
    int nbuckets;
    int head, tail; /* most / least recently used */
    int free_head;  /* free slots, linked through hnext */
} vo__dek_cache;

int vo__cache_init(vo__dek_cache *c, int cap);
void vo__cache_free(vo__dek_cache *c);
unsigned char *vo__cache_get(vo__dek_cache *c, int64_t tid, int64_t gen);
/* Store a copy of key; returns the cached copy (or the scratch slot when cap == 0). */
unsigned char *vo__cache_put(vo__dek_cache *c, int64_t tid, int64_t gen,
                             const unsigned char *key);
void vo__cache_remove_tenant(vo__dek_cache *c, int64_t tid);

/* ---- the handle --------------------------------------------------------------------- */
struct vo_vault {
    vo__handle h; /* first: type tag, state, references */
    pthread_mutex_t lock;
    const vo__backend_ops *ops;
    vo__backend *be;
    vo_keyring *kr;
    char vault_id[33];        /* hex of 16 random bytes, bound into every AD */
    unsigned char *audit_key; /* sodium_malloc'd 32 bytes */
    char audit_kek[VO__ID_SIZE];
    char actor[VO__ID_SIZE];
    int kept_versions;
    int audit_reads;
    int audit_buffer_rows;
    int rotation_batch;
    vo__dek_cache cache;
    vo__audit_rec *queue; /* queued audit events (no mac/seq yet) */
    size_t qn, qcap;
    size_t q_mark;          /* queue length when the current write tx began */
    vo__buf ct;             /* ciphertext scratch (not secret) */
    unsigned char *scratch; /* sodium_malloc'd plaintext scratch, VALUE_MAX + 1 */
};

int64_t vo__now_ms(void);
/* The backend and its location for a vault URI (vault.c); VO_EUNSUPPORTED for unknown
 * schemes. */
int vo__vault_parse_uri(const char *uri, const vo__backend_ops **ops, const char **location);
const vo__kek *vo__active_kek(const vo_vault *v);

/* ---- crypto helpers (vault.c) ------------------------------------------------------- */
void vo__dek_ad(const vo_vault *v, vo__ad *ad, const char *tenant, int64_t created_ms,
                const char *kek_id, int64_t gen);
/* The tenant's DEK (cached or unwrapped); pointer valid until the next cache operation. */
/** Unwrap a tenant's DEK with the KEK that wrapped it (no cache); wiped on failure. */
int vo__dek_unwrap(vo_vault *v, const vo__tenant_rec *t, unsigned char dek[VO_VAULT_KEY_SIZE]);
int vo__tenant_dek(vo_vault *v, const vo__tenant_rec *t, const unsigned char **dek);
int vo__seal_secret(vo_vault *v, const char *tenant, const vo__secret_rec *meta,
                    const unsigned char *dek, const unsigned char *pt, size_t len,
                    vo__buf *out);
int vo__open_secret(vo_vault *v, const char *tenant, const vo__secret_rec *meta,
                    const unsigned char *dek, const unsigned char *ct, size_t ct_len,
                    unsigned char *out, size_t *out_len);

/* Locked, in-transaction building blocks (the caller holds v->lock and a write tx). */
int vo__tenant_create_tx(vo_vault *v, const char *tenant, vo__tenant_rec *out);
int vo__secret_put_tx(vo_vault *v, vo__tenant_rec *t, const char *name, const void *value,
                      size_t len, int64_t expected, int64_t *out_version);
/* Decrypt the latest version into v->scratch; VO_ENOTFOUND when absent. */
int vo__secret_latest_tx(vo_vault *v, const vo__tenant_rec *t, const char *name,
                         size_t *out_len);
/* Generic write wrapper pieces. */
int vo__write_begin(vo_vault *v);
int vo__write_commit(vo_vault *v);
void vo__write_abort(vo_vault *v);
/** End a write transaction: commit when rc is VO_OK, else roll back; returns the outcome. */
int vo__write_end(vo_vault *v, int rc);

/* ---- audit (audit.c) ---------------------------------------------------------------- */
/* Fill an event (time, actor, correlation id). */
void vo__audit_event(vo_vault *v, vo__audit_rec *e, const char *tenant, const char *name,
                     const char *action, int result);
/* Inside a write tx: append the queued events and `e` (may be NULL) to the chain. The
 * queue is cleared by vo__write_commit() once the transaction commits. */
int vo__audit_write_tx(vo_vault *v, const vo__audit_rec *e);
/* Queue an event (read events, failed writes); flushes when the queue is full or when
 * reads are audited synchronously (force_sync). */
int vo__audit_queue(vo_vault *v, const vo__audit_rec *e, bool is_read);
/* Queue an event inside a write tx (never flushes; dropped if the tx aborts). */
int vo__audit_queue_tx(vo_vault *v, const vo__audit_rec *e);
int vo__audit_flush_locked(vo_vault *v);
/* A walk of the whole chain and the head marker, in the caller's read snapshot (v->lock
 * held). With anchor_seq > 0, the MAC stored at that row is returned when the walk reached
 * it intact (checkpoints, checkpoint.c). */
typedef struct vo__audit_walk_state {
    int64_t anchor_seq;                     /* in: 0 = none */
    bool anchor_found;                      /* out */
    unsigned char anchor_mac[VO__MAC_SIZE]; /* out */
    int64_t rows, bad;                      /* out: rows intact, first bad row (0 = none) */
    int reason;                             /* out: a vo_audit_break */
    unsigned char last_mac[VO__MAC_SIZE];   /* out: MAC of the last intact row (0s: none) */
} vo__audit_walk_state;
int vo__audit_walk(vo_vault *v, vo__audit_walk_state *w);
/* Record VO_ECRYPTO naming the broken row and why; returns VO_ECRYPTO. */
int vo__audit_break_report(int64_t bad, int reason);
void vo__audit_queue_committed(vo_vault *v);
int vo__audit_key_load(vo_vault *v);

/* Record the outcome of a failed write operation (best effort) and return rc. */
int vo__audit_failure(vo_vault *v, const char *tenant, const char *name, const char *action,
                      int rc);

/* ---- the backend boundary (records.c) ----------------------------------------------- */
/* The backend's read operations, with every stored blob's size checked before any crypto
 * or key-provider callback sees it: out-of-range sizes are VO_ECRYPTO naming the record
 * (tampered). Use these, never v->ops->... directly, for reads. */
int vo__be_meta_get(vo_vault *v, const char *key, vo__buf *out);
int vo__be_kek_get(vo_vault *v, const char *kek_id, vo__kek_rec *r);
int vo__be_tenant_get(vo_vault *v, const char *name, vo__tenant_rec *t);
int vo__be_tenant_list(vo_vault *v, const char *after, const char *not_kek, size_t limit,
                       vo__tenant_rec **out, size_t *n);
int vo__be_secret_read(vo_vault *v, const char *tenant, const char *name, int64_t version,
                       vo__tenant_rec *t, vo__secret_rec *s, vo__buf *ct);
/* The same through the backend's shared read path, without the vault lock (several threads
 * at once); VO_EUNSUPPORTED when the backend has none (then read under the lock). */
int vo__be_secret_read_shared(vo_vault *v, const char *tenant, const char *name,
                              int64_t version, vo__tenant_rec *t, vo__secret_rec *s,
                              vo__buf *ct);
int vo__be_secret_rows(vo_vault *v, const char *tenant, int64_t tid, vo__secret_rec **out,
                       size_t *n);

/* ---- lists (lists.c) ---------------------------------------------------------------- */
int vo__tenant_list_from(vo_tenant_list **out, vo__tenant_rec *recs, size_t n);
int vo__secret_list_from(vo_secret_list **out, vo__head_rec *recs, size_t n);
int vo__audit_list_from(vo_audit_list **out, vo__audit_rec *recs, size_t n);

#endif
