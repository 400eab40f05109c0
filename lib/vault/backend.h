/*
 * Storage backend interface of the vault.
 *
 * The vault's crypto and API layer (vault.c, rotate.c, audit.c, ...) never speaks SQL: it
 * calls the operations below, which store and fetch *opaque records*: wrapped keys,
 * ciphertexts, metadata. A backend never sees a plaintext secret or an unwrapped key, so a
 * new backend (PostgreSQL for deployments with many app servers) needs no crypto at all.
 *
 * Contract for every backend:
 * - Operations return VO_OK or a VO_E* code and set vo__error_set() details: VO_ENOTFOUND
 *   for a missing record, VO_EEXISTS for a uniqueness violation, VO_EBUSY when a lock could
 *   not be taken within the busy timeout, VO_ESTORAGE for anything else (with the backend's
 *   message; never a value, since values are ciphertexts anyway).
 * - begin(write=true) takes the write lock at once (SQLite BEGIN IMMEDIATE; PostgreSQL
 *   `BEGIN ISOLATION LEVEL SERIALIZABLE` or an advisory lock), so read-then-write sequences
 *   such as check-and-set and "read audit tail, append" are atomic across processes.
 *   begin(write=false) starts a consistent read snapshot. commit() makes the transaction
 *   durable before it returns. rollback() never fails and is a no-op outside a transaction.
 *   Calls outside begin()/commit() run in their own implicit transaction.
 * - A handle is used by one thread at a time (the vault serialises calls), except
 *   secret_read_shared, which several threads may call at once.
 * - Arrays returned through `**out` are malloc'd and freed by the caller with free();
 *   blobs written into a vo__buf are appended after clearing it (len reset to 0).
 * - tenant_delete removes the tenant row, its heads and every secret row.
 * - Stored bytes are untrusted (whoever can write the database chooses them). A blob that
 *   does not fit its fixed-size field is reported with length = field size + 1 and nothing
 *   copied past the field. The vault reads only through vo__be_* (records.c), which rejects
 *   every size the vault itself never writes (VO_ECRYPTO, the record named) before any
 *   crypto or key-provider callback sees the bytes; a backend need not check sizes itself.
 */
#ifndef VO_VAULT_BACKEND_H
#define VO_VAULT_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/internal.h"
#include "voiceops/vault.h"

#define VO__ID_SIZE (VO_VAULT_TENANT_MAX + 1)
#define VO__NAME_SIZE (VO_VAULT_NAME_MAX + 1)
#define VO__SALT_SIZE 16
#define VO__MAC_SIZE 32

typedef struct vo__backend vo__backend;

/** Kinds of KEK source, stored with the KEK registration. */
enum {
    VO__KEK_RAW = 1,
    VO__KEK_PASSPHRASE = 2,
    VO__KEK_PROVIDER = 3
};

typedef struct vo__kek_rec {
    char kek_id[VO__ID_SIZE];
    int kind;
    int64_t created_ms;
    int64_t retired_ms;                        /* 0 while usable */
    unsigned char check[VO_VAULT_WRAPPED_MAX]; /* wrap of a known value: proves the key */
    size_t check_len;
    unsigned char salt[VO__SALT_SIZE]; /* passphrase KEKs */
    size_t salt_len;
    int64_t kdf_ops, kdf_mem;
} vo__kek_rec;

typedef struct vo__tenant_rec {
    int64_t tid; /* backend-assigned, never reused */
    char name[VO__ID_SIZE];
    int64_t created_ms;
    char kek_id[VO__ID_SIZE];
    int64_t dek_gen;
    unsigned char wrapped[VO_VAULT_WRAPPED_MAX];
    size_t wrapped_len;
    int64_t secret_count; /* filled by tenant_get/tenant_list */
} vo__tenant_rec;

/** Per secret name: the version counter and metadata (kept after a delete). */
typedef struct vo__head_rec {
    int64_t tid;
    char name[VO__NAME_SIZE];
    int64_t latest; /* highest version ever written */
    int deleted;
    int64_t created_ms, updated_ms;
    int64_t versions; /* filled by head_list: stored versions */
} vo__head_rec;

/** One stored secret version (ciphertext in a caller buffer or malloc'd). */
typedef struct vo__secret_rec {
    char name[VO__NAME_SIZE];
    int64_t version, dek_gen, created_ms;
    unsigned char *ct; /* secret_rows: malloc'd; else unused */
    size_t ct_len;
} vo__secret_rec;

typedef struct vo__audit_rec {
    int64_t seq, ts_ms;
    char tenant[VO__ID_SIZE];
    char name[VO__NAME_SIZE];
    char action[33];
    char actor[VO__ID_SIZE];
    char correlation_id[VO_CORRELATION_ID_SIZE];
    char result[33];
    unsigned char mac[VO__MAC_SIZE];
} vo__audit_rec;

typedef struct vo__audit_filter {
    const char *tenant; /* NULL = all */
    int64_t since_ms, until_ms, after_seq;
    size_t limit;
} vo__audit_filter;

/** One entry of the seen-request store (lib/vault/seen.c): only keyed digests and times. */
typedef struct vo__seen_rec {
    unsigned char key[VO__MAC_SIZE];  /* keyed digest of tenant, scope and request id */
    unsigned char mark[VO__MAC_SIZE]; /* keyed digest of the first sighting's mark */
    int64_t seen_ms;                  /* when the first sighting was stored */
    int64_t expires_ms;               /* the entry counts until this time (exclusive) */
} vo__seen_rec;

typedef struct vo__backend_config {
    int busy_timeout_ms;
    int create;
} vo__backend_config;

typedef struct vo__backend_ops {
    const char *name;
    int (*open)(vo__backend **out, const char *location, const vo__backend_config *cfg);
    void (*close)(vo__backend *be);

    int (*begin)(vo__backend *be, bool write);
    int (*commit)(vo__backend *be);
    void (*rollback)(vo__backend *be);

    /* vault-wide settings: vault id, wrapped audit key, audit head marker, rotation target */
    int (*meta_get)(vo__backend *be, const char *key, vo__buf *out);
    int (*meta_set)(vo__backend *be, const char *key, const void *data, size_t len);
    int (*meta_delete)(vo__backend *be, const char *key);

    int (*kek_get)(vo__backend *be, const char *kek_id, vo__kek_rec *out);
    int (*kek_insert)(vo__backend *be, const vo__kek_rec *rec); /* VO_EEXISTS */
    int (*kek_retire)(vo__backend *be, const char *kek_id, int64_t when_ms);

    int (*tenant_get)(vo__backend *be, const char *name, vo__tenant_rec *out);
    int (*tenant_insert)(vo__backend *be, vo__tenant_rec *rec); /* sets rec->tid */
    int (*tenant_set_key)(vo__backend *be, int64_t tid, const char *kek_id, int64_t dek_gen,
                          const unsigned char *wrapped, size_t wrapped_len);
    int (*tenant_delete)(vo__backend *be, int64_t tid);
    /* Tenants in name order after `after` (NULL = start); only those whose KEK differs from
     * not_kek when given (rotation batches). limit 0 = all. */
    int (*tenant_list)(vo__backend *be, const char *after, const char *not_kek, size_t limit,
                       vo__tenant_rec **out, size_t *n);
    /* Tenants wrapped by kek_id (NULL = every tenant; not_kek: those NOT wrapped by it). */
    int (*tenant_count)(vo__backend *be, const char *kek_id, bool not_kek, int64_t *n);

    int (*head_get)(vo__backend *be, int64_t tid, const char *name, vo__head_rec *out);
    int (*head_put)(vo__backend *be, const vo__head_rec *rec); /* insert or replace */
    int (*head_list)(vo__backend *be, int64_t tid, vo__head_rec **out, size_t *n);

    /* The hot read path: tenant record and one secret version (0 = latest) in one
     * consistent read. ct is written into *ct. VO_ENOTFOUND when either is missing. */
    int (*secret_read)(vo__backend *be, const char *tenant, const char *name, int64_t version,
                       vo__tenant_rec *t, vo__secret_rec *s, vo__buf *ct);
    int (*secret_insert)(vo__backend *be, int64_t tid, const vo__secret_rec *rec);
    /* Delete versions < min_version of a secret. */
    int (*secret_prune)(vo__backend *be, int64_t tid, const char *name, int64_t min_version);
    int (*secret_delete_all)(vo__backend *be, int64_t tid, const char *name);
    /* Every stored version of every secret of a tenant (ct malloc'd per row). */
    int (*secret_rows)(vo__backend *be, int64_t tid, vo__secret_rec **out, size_t *n);
    int (*secret_update)(vo__backend *be, int64_t tid, const vo__secret_rec *rec);

    int (*audit_tail)(vo__backend *be, int64_t *seq, unsigned char mac[VO__MAC_SIZE]);
    int (*audit_insert)(vo__backend *be, const vo__audit_rec *rec);
    int (*audit_query)(vo__backend *be, const vo__audit_filter *f, vo__audit_rec **out,
                       size_t *n);

    /* Online copy of the whole store into a new file. */
    int (*backup)(vo__backend *be, const char *dest_path);

    /* ---- the seen-request store (lib/vault/seen.c); NULL in a backend without one ------
     * seen_insert: one atomic "insert if absent, else return the existing entry": store rec
     * unless an entry with the same key is live (expires_ms > now_ms); an expired entry is
     * replaced. VO_OK when rec was stored; VO_EEXISTS with *existing filled when a live
     * entry was there. Called inside a write transaction. SQLite: INSERT ... ON CONFLICT
     * (key) DO UPDATE ... WHERE seen.expires_ms <= now, then changes() / a SELECT.
     * PostgreSQL: the same statement with RETURNING, and a SELECT of the row when nothing
     * was returned (ON CONFLICT waits for a concurrent inserter, so the row is visible).
     * seen_prune: delete at most max_rows entries with expires_ms <= now_ms, earliest
     * expiry first (an index on expires_ms); never a live entry. *removed = rows deleted.
     * seen_count: number of stored entries (live and expired). */
    int (*seen_insert)(vo__backend *be, const vo__seen_rec *rec, int64_t now_ms,
                       vo__seen_rec *existing);
    int (*seen_prune)(vo__backend *be, int64_t now_ms, size_t max_rows, int64_t *removed);
    int (*seen_count)(vo__backend *be, int64_t *n);

    /* Enumeration for copying a vault between backends (copy.c): every meta key (a
     * malloc'd array of malloc'd strings) and every KEK registration. */
    int (*meta_keys)(vo__backend *be, char ***out, size_t *n);
    int (*kek_list)(vo__backend *be, vo__kek_rec **out, size_t *n);

    /* Optional (NULL: not offered): secret_read for several threads at once, outside the
     * vault lock and outside any transaction (a backend with a connection pool). It may
     * return VO_EUNSUPPORTED to send the caller to secret_read under the lock. */
    int (*secret_read_shared)(vo__backend *be, const char *tenant, const char *name,
                              int64_t version, vo__tenant_rec *t, vo__secret_rec *s,
                              vo__buf *ct);
    /* Optional (NULL: commit): commit without waiting for durability, for batches of
     * buffered audit events, which were already at risk while queued. Only a tail of such
     * commits may be lost in a crash, never one before a durable commit. */
    int (*commit_relaxed)(vo__backend *be);
} vo__backend_ops;

extern const vo__backend_ops vo__sqlite_backend;

/** Copy every record of one store into another, empty one, as stored (wrapped keys and
 *  ciphertexts are moved, never decrypted): one read snapshot of src, one write
 *  transaction on dst (all or nothing). copy.c. */
int vo__backend_copy(const vo__backend_ops *src_ops, vo__backend *src,
                     const vo__backend_ops *dst_ops, vo__backend *dst, int64_t *audit_rows);

/** Free an array of secret rows returned by secret_rows. */
void vo__secret_rows_free(vo__secret_rec *rows, size_t n);

/** Create path with O_CREAT|O_EXCL (or reuse an existing file when !excl) and mode 0600;
 *  refuse an existing file with group/other permission bits. */
int vo__file_prepare(const char *path, bool create, bool excl);

#endif
