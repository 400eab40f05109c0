/**
 * @file voiceops/vault.h
 * @brief The credential vault: per-tenant secrets encrypted at rest, key rotation, audit log.
 *
 * Key hierarchy (see docs/security.md):
 * - a keyring of key-encryption keys (KEKs), identified by id, one of them active;
 * - per tenant a random 32-byte data key (DEK), stored wrapped by a KEK with
 *   XChaCha20-Poly1305, the associated data binding it to the vault, tenant, KEK id and
 *   DEK generation;
 * - secrets encrypted with the tenant's DEK, the associated data binding each ciphertext to
 *   the vault, tenant, secret name, version, DEK generation and creation time. A ciphertext
 *   moved to another row fails to decrypt (VO_ECRYPTO).
 *
 * Storage goes through a backend interface; SQLite is the embedded default
 * (`sqlite:/path/vault.db` or a plain path); PostgreSQL (`postgresql://...`) serves several
 * app servers sharing one vault (docs/vault.md, "Many app servers").
 *
 * Threading: a vo_vault handle may be shared by any number of threads (operations on one
 * handle are serialised by an internal lock; on PostgreSQL, secret reads fetch their record
 * on a pooled connection first, so they run in parallel). Several processes may open the
 * same file at once (SQLite WAL; writers wait up to the busy timeout, then fail with
 * VO_EBUSY), or the same PostgreSQL schema from many hosts (writes serialise on an advisory
 * lock, with the same timeout).
 * A vo_keyring is not thread-safe while it is being filled; vo_vault_open() copies what it
 * needs, so the keyring may be freed right after.
 *
 * Errors: every function returning int returns VO_OK or a negative VO_E* code, with details
 * in vo_error_last(). Common codes: VO_EINVAL (NULL/empty/oversize argument, bad tenant id or
 * secret name: the message says which rule), VO_ENOTFOUND (no such tenant, secret, version or
 * key), VO_ECONFLICT (check-and-set failed), VO_ECRYPTO (a ciphertext or wrapped key failed
 * authentication, or the needed KEK is wrong or missing), VO_ESTORAGE (I/O error, disk
 * full, corruption), VO_EBUSY (locked by another process beyond the busy timeout),
 * VO_ENOTINIT (vo_init() not called). No message, log line or audit row ever contains a
 * secret value or key.
 *
 * Every reading, writing, rotating, importing or tenant-changing call is recorded in the
 * audit log (see the audit section), also when it fails.
 */
#ifndef VOICEOPS_VAULT_H
#define VOICEOPS_VAULT_H

#include "common.h"
#include "secret.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Tenant ids: 1-64 characters of `A-Z a-z 0-9 . _ -`, starting with a letter or digit. */
#define VO_VAULT_TENANT_MAX 64
/**
 * Secret names: 1-128 characters of `A-Z a-z 0-9 . _ - /`, starting with a letter or
 * digit, no empty, `.` or `..` path segment, no trailing `/`.
 */
#define VO_VAULT_NAME_MAX 128
/** KEK ids: 1-64 characters of `A-Z a-z 0-9 . _ -`, starting with a letter or digit. */
#define VO_VAULT_KEK_ID_MAX 64
/** Largest secret value in bytes. */
#define VO_VAULT_VALUE_MAX (64u * 1024u)
/** Size of a KEK (and of every DEK) in bytes. */
#define VO_VAULT_KEY_SIZE 32
/** Largest wrapped key a provider callback may produce. */
#define VO_VAULT_WRAPPED_MAX 1024
/** expected_version value meaning "write unconditionally". */
#define VO_VAULT_ANY_VERSION (-1)

/** The limits above at run time, one function per macro (for bindings, which cannot see
 *  macros). Thread-safe; callable before vo_init(). */
VO_EXTERN size_t vo_vault_tenant_max(void);  /**< VO_VAULT_TENANT_MAX */
VO_EXTERN size_t vo_vault_name_max(void);    /**< VO_VAULT_NAME_MAX */
VO_EXTERN size_t vo_vault_kek_id_max(void);  /**< VO_VAULT_KEK_ID_MAX */
VO_EXTERN size_t vo_vault_value_max(void);   /**< VO_VAULT_VALUE_MAX */
VO_EXTERN size_t vo_vault_key_size(void);    /**< VO_VAULT_KEY_SIZE */
VO_EXTERN size_t vo_vault_wrapped_max(void); /**< VO_VAULT_WRAPPED_MAX */

typedef struct vo_vault vo_vault;
typedef struct vo_keyring vo_keyring;

/* ------------------------------------------------------------------------------------ */
/* Keyring                                                                              */
/* ------------------------------------------------------------------------------------ */

/**
 * Provider callback that wraps (encrypts) a data key with a KEK held elsewhere (a KMS).
 * It must bind `ad` to the result (e.g. as a KMS encryption context) so that unwrapping
 * with other associated data fails.
 *
 * @param out       receives the wrapped key (at most VO_VAULT_WRAPPED_MAX bytes).
 * @param out_size  capacity of out (VO_VAULT_WRAPPED_MAX).
 * @param out_len   receives the number of bytes written.
 * @param key, key_len  the key to wrap (VO_VAULT_KEY_SIZE bytes; do not log it).
 * @param ad, ad_len    associated data (not secret).
 * @param payload   the pointer given to vo_keyring_add_provider().
 * @return 0 on success, a negative VO_E* code on failure (VO_ECRYPTO, VO_EUNAVAILABLE...).
 * May be called from any thread that uses the vault, never concurrently on one handle.
 */
typedef int (*vo_kek_wrap_fn)(unsigned char *out, size_t out_size, size_t *out_len,
                              const unsigned char *key, size_t key_len, const unsigned char *ad,
                              size_t ad_len, void *payload);

/**
 * Provider callback that unwraps a key wrapped by the matching vo_kek_wrap_fn.
 * @param out   receives the key (out_size is VO_VAULT_KEY_SIZE); *out_len its length.
 * @return 0, or a negative VO_E* code (VO_ECRYPTO when authentication fails).
 */
typedef int (*vo_kek_unwrap_fn)(unsigned char *out, size_t out_size, size_t *out_len,
                                const unsigned char *wrapped, size_t wrapped_len,
                                const unsigned char *ad, size_t ad_len, void *payload);

/**
 * Create an empty keyring. Free it with vo_keyring_free() (it may be freed as soon as
 * vo_vault_open() returned). Key material is held in guarded memory and wiped on free.
 * @return VO_OK, VO_EINVAL, VO_ENOMEM, VO_ENOTINIT.
 */
VO_EXTERN int vo_keyring_new(vo_keyring **out);

/**
 * Wipe and free a keyring. Accepts NULL.
 * Closing or freeing it twice, or passing a handle of another type, is reported
 * (VO_EHANDLE in vo_error_last() and an error log line) and ignored; later calls with it
 * give VO_EHANDLE (docs/handles.md).
 */
VO_EXTERN void vo_keyring_free(vo_keyring *keyring);

/**
 * Add a raw 32-byte KEK. The first KEK added becomes the active one unless
 * vo_keyring_set_active() says otherwise.
 * @return VO_OK, VO_EINVAL (bad id, key_len != 32), VO_EEXISTS (id already in the keyring),
 *         VO_ENOMEM.
 */
VO_EXTERN int vo_keyring_add_key(vo_keyring *keyring, const char *kek_id,
                                 const unsigned char *key, size_t key_len);

/**
 * Add a KEK read from a key file: exactly 32 raw bytes, or the base64 encoding of 32 bytes
 * (surrounding whitespace allowed). The file must be a regular file not accessible by group
 * or others (mode 0600 or stricter).
 * @return VO_OK, VO_EFORBIDDEN (group/other permission bits set), VO_ENOTFOUND (no file),
 *         VO_EPARSE (not 32 bytes / bad base64), VO_ESTORAGE (read error), VO_EINVAL,
 *         VO_EEXISTS.
 */
VO_EXTERN int vo_keyring_add_file(vo_keyring *keyring, const char *kek_id, const char *path);

/**
 * Add a KEK from an environment variable holding the standard base64 of 32 bytes.
 * @return VO_OK, VO_ENOTFOUND (variable unset or empty), VO_EPARSE, VO_EINVAL, VO_EEXISTS.
 */
VO_EXTERN int vo_keyring_add_env(vo_keyring *keyring, const char *kek_id, const char *env_name);

/**
 * Add a KEK derived from a passphrase with Argon2id (crypto_pwhash). The salt and limits
 * are generated and stored in the vault the first time a vault sees this KEK id; later
 * opens use the stored values (the limits given here are then ignored).
 * @param opslimit  0 = crypto_pwhash_OPSLIMIT_MODERATE; at most 16.
 * @param memlimit  0 = crypto_pwhash_MEMLIMIT_MODERATE (bytes); at most
 *                  crypto_pwhash_MEMLIMIT_SENSITIVE (1 GiB).
 * @return VO_OK, VO_EINVAL (empty passphrase, limits below libsodium's minimum or above the
 *         maximum), VO_EEXISTS, VO_ENOMEM. The derivation itself runs in vo_vault_open(),
 *         which refuses limits stored in the file above the same maximum (VO_EUNSUPPORTED):
 *         a writer of the file cannot make an open run for hours.
 */
VO_EXTERN int vo_keyring_add_passphrase(vo_keyring *keyring, const char *kek_id,
                                        const char *passphrase, size_t passphrase_len,
                                        unsigned long long opslimit, size_t memlimit);

/**
 * Add a KEK held by the application (e.g. a KMS): the vault calls wrap/unwrap with the
 * data key and associated data. Both callbacks are required; payload is passed as the last
 * argument and must stay valid while any vault opened with this keyring is open.
 * @return VO_OK, VO_EINVAL, VO_EEXISTS, VO_ENOMEM.
 */
VO_EXTERN int vo_keyring_add_provider(vo_keyring *keyring, const char *kek_id,
                                      vo_kek_wrap_fn wrap, vo_kek_unwrap_fn unwrap,
                                      void *payload);

/**
 * Choose the KEK that wraps new and rotated data keys; the others only unwrap.
 * @return VO_OK, VO_ENOTFOUND (id not in the keyring), VO_EINVAL.
 */
VO_EXTERN int vo_keyring_set_active(vo_keyring *keyring, const char *kek_id);

/** Number of KEKs in the keyring (0 for NULL). */
VO_EXTERN size_t vo_keyring_count(const vo_keyring *keyring);

/**
 * Create a new key file holding the base64 of 32 random bytes and a newline, with mode
 * 0600. Never overwrites: the file must not exist.
 * @return VO_OK, VO_EEXISTS, VO_ESTORAGE (cannot create/write), VO_EINVAL, VO_ENOTINIT.
 */
VO_EXTERN int vo_vault_keygen(const char *path);

/* ------------------------------------------------------------------------------------ */
/* Opening                                                                              */
/* ------------------------------------------------------------------------------------ */

/** How reads (secret/credential gets, lists) are recorded in the audit log. */
typedef enum vo_vault_audit_reads {
    /** Read events are queued in memory and appended in one transaction when the queue
     *  holds audit_buffer_rows rows, at the next write, vo_vault_audit_flush() or close.
     *  A crash loses at most the queued read events. (Default.) On PostgreSQL the
     *  transaction of a full queue does not wait for the WAL flush; a database crash may
     *  lose the last such batches (a tail of the chain, never rows before a durable
     *  commit); writes, vo_vault_audit_flush() and close commit durably. */
    VO_VAULT_AUDIT_READS_BUFFERED = 0,
    /** Every read commits its audit row before returning (slow: one fsync per read). */
    VO_VAULT_AUDIT_READS_SYNC = 1,
    /** Reads are not audited (writes, deletes, rotations, imports always are). */
    VO_VAULT_AUDIT_READS_OFF = 2
} vo_vault_audit_reads;

/**
 * Options of vo_vault_open(). Initialise with VO_VAULT_OPTIONS_INIT or
 * vo_vault_options_init(), then set the keyring. Every field left at 0 (or NULL) takes its
 * documented default, so a zero-filled struct with `version` and `keyring` set is the same
 * as VO_VAULT_OPTIONS_INIT; out-of-range values are refused (VO_EINVAL).
 */
typedef struct vo_vault_options {
    unsigned int version;      /**< VO_VAULT_OPTIONS_VERSION (1..current accepted) */
    const vo_keyring *keyring; /**< required: the KEKs; copied by vo_vault_open() */
    const char *actor;         /**< who acts, recorded in audit rows (1-64 printable ASCII);
                                   NULL = "unknown" */
    int busy_timeout_ms;       /**< wait for locks held by other processes; 0 = 5000;
                                   negative: do not wait (fail with VO_EBUSY at once) */
    int dek_cache_size;        /**< unwrapped DEKs kept in guarded memory (LRU), at most
                                   1000000; 0 = 1024; negative: no cache */
    int kept_versions;         /**< versions kept per secret (1-1000000); 0 = 10 */
    int no_create;             /**< 0 (default): create the vault file when missing;
                                   non-zero: a missing file is VO_ENOTFOUND */
    int audit_reads;           /**< a vo_vault_audit_reads value; 0 = BUFFERED */
    int audit_buffer_rows;     /**< BUFFERED: flush threshold (1-65536); 0 = 256 */
    int rotation_batch;        /**< DEKs rewrapped per transaction by KEK rotation (1-100000);
                                   0 = 256 */
} vo_vault_options;

#define VO_VAULT_OPTIONS_VERSION 1
/** Default options: the version and every other field 0 (= its documented default). */
#define VO_VAULT_OPTIONS_INIT                                                             \
  {                                                                                       \
    VO_VAULT_OPTIONS_VERSION, NULL, NULL, 0, 0, 0, 0, VO_VAULT_AUDIT_READS_BUFFERED, 0, 0 \
  }

/**
 * Fill *opts with the defaults of struct version `version` (as VO_VAULT_OPTIONS_INIT), for
 * bindings, which cannot see macros.
 * @return VO_OK, or VO_EINVAL for NULL or a version outside 1..VO_VAULT_OPTIONS_VERSION.
 * Thread-safe; callable before vo_init().
 */
VO_EXTERN int vo_vault_options_init(vo_vault_options *opts, unsigned int version);

/**
 * Open (and, unless opts->no_create, create) a vault.
 *
 * @param uri  `sqlite:/path/vault.db`, `sqlite:///path/vault.db` or a plain path. A new file
 *             is created with mode 0600; an existing file readable or writable by group or
 *             others is refused (VO_EFORBIDDEN). When the library was built with the
 *             PostgreSQL backend (vo_feature_enabled("postgres")): a `postgresql://` or
 *             `postgres://` URI or a libpq key=value string (`host=db dbname=app ...`),
 *             with the extra parameter `schema=NAME` (a-z, 0-9, _; default `voiceops`)
 *             naming the PostgreSQL schema of the vault's tables. Use `sslmode=verify-full`
 *             in production (docs/vault.md, "Many app servers"). Other schemes give
 *             VO_EUNSUPPORTED.
 * @param opts required (a keyring is required).
 *
 * Opening applies pending schema migrations (forward only; a file written by a newer
 * library gives VO_EUNSUPPORTED), registers new KEKs of the keyring in the vault and checks
 * every known one: a KEK whose bytes differ from the key registered under its id gives
 * VO_ECRYPTO and nothing is opened. The audit key must be unwrappable by the keyring.
 * Opening is all or nothing: a failed open registers no KEK and writes no audit row.
 *
 * @return VO_OK, VO_EINVAL, VO_EFORBIDDEN, VO_ENOTFOUND (file missing and no_create set),
 *         VO_ECRYPTO (wrong KEK, no KEK of the keyring can unwrap the audit key, or a
 *         tampered key record), VO_EUNAVAILABLE (a key provider or the PostgreSQL
 *         database is down: retry later),
 *         VO_EUNSUPPORTED (newer schema, or stored Argon2id limits above the maximum),
 *         VO_ESTORAGE, VO_EBUSY, VO_ENOMEM, VO_ENOTINIT.
 */
VO_EXTERN int vo_vault_open(vo_vault **out, const char *uri, const vo_vault_options *opts);

/**
 * Flush queued audit rows, wipe the DEK cache and key material, close the storage and free
 * the handle. Accepts NULL. No other thread may use the handle during or after the call.
 * Closing or freeing it twice, or passing a handle of another type, is reported
 * (VO_EHANDLE in vo_error_last() and an error log line) and ignored; later calls with it
 * give VO_EHANDLE (docs/handles.md). Clients made from the vault keep no pointer to it: it
 * may be closed before them.
 */
VO_EXTERN void vo_vault_close(vo_vault *vault);

/* ------------------------------------------------------------------------------------ */
/* Tenants                                                                              */
/* ------------------------------------------------------------------------------------ */

/** Tenant metadata returned by vo_vault_tenant_get()/vo_vault_tenant_list(). */
typedef struct vo_tenant_list vo_tenant_list;

/**
 * Create a tenant with a new random DEK wrapped by the active KEK.
 * @return VO_OK, VO_EEXISTS, VO_EINVAL (bad tenant id), VO_ESTORAGE, VO_EBUSY.
 */
VO_EXTERN int vo_vault_tenant_create(vo_vault *vault, const char *tenant);

/**
 * Delete a tenant, its DEK and all its secrets (crypto-shredding: the ciphertexts that may
 * survive in old backups or free pages are useless without the DEK). Note that a backup
 * taken earlier still holds the wrapped DEK until the KEK that wrapped it is destroyed.
 * @return VO_OK, VO_ENOTFOUND, VO_EINVAL, VO_ESTORAGE, VO_EBUSY.
 */
VO_EXTERN int vo_vault_tenant_delete(vo_vault *vault, const char *tenant);

/**
 * Metadata of one tenant as a one-entry list. Free with vo_tenant_list_free().
 * @return VO_OK, VO_ENOTFOUND, VO_EINVAL, VO_ESTORAGE.
 */
VO_EXTERN int vo_vault_tenant_get(vo_tenant_list **out, vo_vault *vault, const char *tenant);

/**
 * List tenants in id order (byte order), starting after `after` (NULL or "" = from the
 * start), at most `limit` entries (0 = no limit). Page with the last id of a page.
 * @return VO_OK (possibly an empty list), VO_EINVAL, VO_ESTORAGE.
 */
VO_EXTERN int vo_vault_tenant_list(vo_tenant_list **out, vo_vault *vault, const char *after,
                                   size_t limit);

/** Number of entries; 0 for NULL. */
VO_EXTERN size_t vo_tenant_list_count(const vo_tenant_list *list);
/** Tenant id of entry i; NULL when out of range. Valid until the list is freed. */
VO_EXTERN const char *vo_tenant_list_id(const vo_tenant_list *list, size_t i);
/** Creation time (Unix milliseconds) of entry i; 0 when out of range. */
VO_EXTERN int64_t vo_tenant_list_created_at(const vo_tenant_list *list, size_t i);
/** Id of the KEK wrapping entry i's DEK; NULL when out of range. */
VO_EXTERN const char *vo_tenant_list_kek_id(const vo_tenant_list *list, size_t i);
/** DEK generation of entry i (1 at creation, +1 per DEK rotation); 0 when out of range. */
VO_EXTERN int64_t vo_tenant_list_dek_generation(const vo_tenant_list *list, size_t i);
/** Number of (non-deleted) secrets of entry i; -1 when out of range. */
VO_EXTERN int64_t vo_tenant_list_secret_count(const vo_tenant_list *list, size_t i);
/**
 * Free a tenant list. Accepts NULL.
 * Closing or freeing it twice, or passing a handle of another type, is reported
 * (VO_EHANDLE in vo_error_last() and an error log line) and ignored; later calls with it
 * give VO_EHANDLE (docs/handles.md).
 */
VO_EXTERN void vo_tenant_list_free(vo_tenant_list *list);

/* ------------------------------------------------------------------------------------ */
/* Secrets                                                                              */
/* ------------------------------------------------------------------------------------ */

/**
 * Store a new version of a secret.
 *
 * @param out_version       receives the new version number; may be NULL.
 * @param value, value_len  1 to VO_VAULT_VALUE_MAX bytes (binary allowed).
 * @param expected_version  check-and-set: VO_VAULT_ANY_VERSION (-1) writes unconditionally;
 *                          0 requires that the secret does not exist (never written, or
 *                          deleted); n > 0 requires that the latest version is n.
 *                          Version numbers are never reused, also after a delete.
 * Versions older than the newest `kept_versions` are removed in the same transaction.
 * @return VO_OK, VO_ECONFLICT (check-and-set failed), VO_ENOTFOUND (no tenant), VO_EINVAL,
 *         VO_ETOOBIG (value too large), VO_ECRYPTO (tenant DEK cannot be unwrapped),
 *         VO_ESTORAGE, VO_EBUSY.
 */
VO_EXTERN int vo_vault_secret_put(int64_t *out_version, vo_vault *vault, const char *tenant,
                                  const char *name, const void *value, size_t value_len,
                                  int64_t expected_version);

/**
 * Read and decrypt a secret.
 *
 * @param out          receives a vo_secret (guarded memory); free with vo_secret_free().
 * @param out_version  receives the version read; may be NULL.
 * @param version      0 = latest, else that version.
 * @return VO_OK, VO_ENOTFOUND (no tenant, secret or version), VO_ECRYPTO (the record fails
 *         authentication: tampered, moved, or the needed KEK is missing/wrong), VO_EINVAL,
 *         VO_ESTORAGE, VO_ENOMEM.
 */
VO_EXTERN int vo_vault_secret_get(vo_secret **out, int64_t *out_version, vo_vault *vault,
                                  const char *tenant, const char *name, int64_t version);

/**
 * vo_vault_secret_get() decrypting into a caller-provided buffer instead of a new vo_secret
 * (for bindings that own their buffers). The caller is responsible for wiping the buffer. A NUL byte is written
 * after the value when it fits.
 *
 * @param out_len  receives the value length (also on VO_ERANGE: the size needed).
 * @return as vo_vault_secret_get(), plus VO_ERANGE when buf_size < value length.
 */
VO_EXTERN int vo_vault_secret_get_into(unsigned char *buf, size_t buf_size, size_t *out_len,
                                       int64_t *out_version, vo_vault *vault,
                                       const char *tenant, const char *name, int64_t version);

/**
 * Delete all versions of a secret. The version counter is kept (a later put continues
 * from it).
 * @param expected_version  VO_VAULT_ANY_VERSION, or the latest version that must match.
 * @return VO_OK, VO_ENOTFOUND, VO_ECONFLICT, VO_EINVAL, VO_ESTORAGE, VO_EBUSY.
 */
VO_EXTERN int vo_vault_secret_delete(vo_vault *vault, const char *tenant, const char *name,
                                     int64_t expected_version);

/** Secret metadata (never values) returned by vo_vault_secret_list(). */
typedef struct vo_secret_list vo_secret_list;

/**
 * List a tenant's secrets (names and metadata, no values), in name order.
 * @return VO_OK, VO_ENOTFOUND (no tenant), VO_EINVAL, VO_ESTORAGE.
 */
VO_EXTERN int vo_vault_secret_list(vo_secret_list **out, vo_vault *vault, const char *tenant);

/** Number of entries; 0 for NULL. */
VO_EXTERN size_t vo_secret_list_count(const vo_secret_list *list);
/** Name of entry i; NULL when out of range. Valid until the list is freed. */
VO_EXTERN const char *vo_secret_list_name(const vo_secret_list *list, size_t i);
/** Latest version of entry i; 0 when out of range. */
VO_EXTERN int64_t vo_secret_list_version(const vo_secret_list *list, size_t i);
/** Number of versions kept for entry i; 0 when out of range. */
VO_EXTERN int64_t vo_secret_list_versions_kept(const vo_secret_list *list, size_t i);
/** Creation time of the first version (Unix ms); 0 when out of range. */
VO_EXTERN int64_t vo_secret_list_created_at(const vo_secret_list *list, size_t i);
/** Time of the latest write (Unix ms); 0 when out of range. */
VO_EXTERN int64_t vo_secret_list_updated_at(const vo_secret_list *list, size_t i);
/**
 * Free a secret list. Accepts NULL.
 * Closing or freeing it twice, or passing a handle of another type, is reported
 * (VO_EHANDLE in vo_error_last() and an error log line) and ignored; later calls with it
 * give VO_EHANDLE (docs/handles.md).
 */
VO_EXTERN void vo_secret_list_free(vo_secret_list *list);

/* ------------------------------------------------------------------------------------ */
/* Rotation                                                                             */
/* ------------------------------------------------------------------------------------ */

/**
 * Progress of a rotation: `done` of `total` items. Return 0 to continue, non-zero to stop
 * after the current (committed) batch. Called on the rotating thread; it must not use the
 * same vault handle.
 */
typedef int (*vo_vault_progress_fn)(int64_t done, int64_t total, void *payload);

/**
 * Rewrap every DEK (and the audit key) not yet wrapped by `kek_id` with it. Secrets are not
 * touched. Works in transactions of `rotation_batch` DEKs; each committed batch stays done,
 * so after a crash or a stop simply call it again to resume.
 *
 * @param out_remaining  receives the number of DEKs still under other KEKs (0 when done);
 *                       may be NULL.
 * @param kek_id         the target KEK (NULL = the keyring's active KEK); it must be in the
 *                       keyring and not retired.
 * @param fn             progress callback, may be NULL.
 * @return VO_OK (also when stopped by the callback: see *out_remaining), VO_ENOTFOUND (KEK
 *         not in the keyring), VO_ECRYPTO (a DEK cannot be unwrapped: its KEK is missing or
 *         the record was tampered with; the rotation stops there), VO_ESTORAGE, VO_EBUSY.
 */
VO_EXTERN int vo_vault_kek_rotate(int64_t *out_remaining, vo_vault *vault, const char *kek_id,
                                  vo_vault_progress_fn fn, void *payload);

/**
 * Number of tenant DEKs (plus 1 if the audit key) wrapped by kek_id.
 * @return VO_OK, VO_EINVAL, VO_ESTORAGE.
 */
VO_EXTERN int vo_vault_kek_usage(int64_t *out_count, vo_vault *vault, const char *kek_id);

/**
 * Retire a KEK that no longer wraps anything: it is marked retired in the vault and never
 * used again by this vault (it may then be destroyed).
 * @return VO_OK, VO_ECONFLICT (still wraps DEKs or the audit key, or is the active KEK of
 *         this handle), VO_ENOTFOUND (unknown to the vault), VO_ESTORAGE, VO_EBUSY.
 */
VO_EXTERN int vo_vault_kek_retire(vo_vault *vault, const char *kek_id);

/**
 * Give the tenant a new DEK and re-encrypt all its secrets (every kept version) with it, in
 * one transaction.
 * @return VO_OK, VO_ENOTFOUND, VO_ECRYPTO (a secret fails authentication: nothing is
 *         changed), VO_EINVAL, VO_ESTORAGE, VO_EBUSY.
 */
VO_EXTERN int vo_vault_tenant_rotate_dek(vo_vault *vault, const char *tenant);

/* ------------------------------------------------------------------------------------ */
/* Plaintext import, backup                                                             */
/* ------------------------------------------------------------------------------------ */

typedef enum vo_import_format {
    VO_IMPORT_AUTO = 0, /**< JSON when the first non-blank byte is `[` or `{`, else CSV */
    VO_IMPORT_JSON = 1, /**< `[{"tenant":..,"name":..,"value":..}, ...]` */
    VO_IMPORT_CSV = 2   /**< RFC 4180 with a header row `tenant,name,value` */
} vo_import_format;

/** Import flags. */
#define VO_IMPORT_CREATE_TENANTS 1u /**< create missing tenants (else: row rejected) */
#define VO_IMPORT_OVERWRITE \
  2u /**< a different existing value gets a new version
         (else: row rejected as a conflict) */
/** Commit every `rotation_batch` rows (vault option, default 256) in a transaction of its
 * own and release the write lock between batches, so that other threads and, on
 * PostgreSQL, other servers keep writing during a long import. A failure or a killed
 * process keeps the batches committed before it (whole batches only); run the same import
 * again to finish it (rows already imported are skipped). Without this flag the import is
 * one transaction. Since 0.3.0 (older libraries refuse the flag with VO_EINVAL). */
#define VO_IMPORT_BATCHED 4u

typedef struct vo_import_report vo_import_report;

/**
 * Import plaintext tenant/name/value rows. Idempotent: a row whose value equals the latest
 * stored value is skipped, so an import can be re-run after a failure. Rows with an invalid
 * tenant id, name or value, a missing tenant (without VO_IMPORT_CREATE_TENANTS) or a
 * conflicting value (without VO_IMPORT_OVERWRITE) are rejected and reported; the others are
 * imported. All changes are committed in one transaction (in batches with
 * VO_IMPORT_BATCHED). Each imported row is audited.
 * The input is read into guarded memory and wiped.
 *
 * @return VO_OK (see the report), VO_EPARSE (malformed document: nothing imported),
 *         VO_ETOOBIG (> 256 MiB), VO_EINVAL, VO_ESTORAGE, VO_EBUSY.
 */
VO_EXTERN int vo_vault_import_buffer(vo_import_report **out, vo_vault *vault, const char *data,
                                     size_t len, int format, unsigned int flags);
/** vo_vault_import_buffer() on a file's content (VO_ENOTFOUND when missing). */
VO_EXTERN int vo_vault_import_file(vo_import_report **out, vo_vault *vault, const char *path,
                                   int format, unsigned int flags);
/** Rows imported (a new version written); 0 for NULL. */
VO_EXTERN int64_t vo_import_report_imported(const vo_import_report *r);
/** Rows skipped because the stored value was equal; 0 for NULL. */
VO_EXTERN int64_t vo_import_report_skipped(const vo_import_report *r);
/** Rows rejected (see the rejection entries); 0 for NULL. */
VO_EXTERN int64_t vo_import_report_rejected(const vo_import_report *r);
/** Number of rejection entries (at most 1000 are kept). */
VO_EXTERN size_t vo_import_report_rejection_count(const vo_import_report *r);
/** Row number (1 = first data row) of rejection i; 0 when out of range. */
VO_EXTERN int64_t vo_import_report_rejection_row(const vo_import_report *r, size_t i);
/** Reason of rejection i (never contains the value); NULL when out of range. */
VO_EXTERN const char *vo_import_report_rejection_reason(const vo_import_report *r, size_t i);
/**
 * Free an import report. Accepts NULL.
 * Closing or freeing it twice, or passing a handle of another type, is reported
 * (VO_EHANDLE in vo_error_last() and an error log line) and ignored; later calls with it
 * give VO_EHANDLE (docs/handles.md).
 */
VO_EXTERN void vo_import_report_free(vo_import_report *r);

/**
 * Online backup of the whole vault to a new file (mode 0600; it must not exist), while other
 * threads and processes keep using the vault. The copy holds wrapped keys and ciphertexts
 * only: restoring it needs the KEKs.
 * @return VO_OK, VO_EEXISTS, VO_EINVAL, VO_ESTORAGE, VO_EBUSY.
 */
VO_EXTERN int vo_vault_backup(vo_vault *vault, const char *dest_path);

/**
 * Restore a backup into dest_path (a plain path), which must not be open by anyone (stop
 * every process using it first). The backup is checked (SQLite integrity check, vault
 * schema) before anything is written; dest is created with mode 0600 or overwritten.
 * @return VO_OK, VO_ENOTFOUND, VO_ESTORAGE (backup unreadable or corrupt), VO_EUNSUPPORTED
 *         (not a vault), VO_EINVAL, VO_EBUSY.
 */
VO_EXTERN int vo_vault_restore(const char *backup_path, const char *dest_path);

/**
 * Copy a whole vault into another storage backend (SQLite -> PostgreSQL and back; any
 * vo_vault_open() URI on either side). Wrapped keys and ciphertexts are moved as stored,
 * never decrypted; the audit chain is copied row for row.
 *
 * The source is opened as a vault with `opts` (its keyring must match the vault) and its
 * audit chain is verified first; a `vault.copy` row is appended to it. The records are then
 * read from one consistent snapshot (other servers keep reading and writing the source) and
 * written to the destination in one transaction: a copy that fails or is killed leaves the
 * destination without a vault, and running it again starts over. Finally the destination
 * is opened with `opts` and its audit chain verified.
 *
 * KEKs, tenants, secret versions (and their version counters), vault settings and the
 * audit log are copied; secrets deleted in the source are not (their version counters
 * restart in the copy), nor the webhook guard's seen-request store (short-lived entries:
 * copy while no webhooks are being accepted).
 *
 * @param dest_uri where to copy to: a new SQLite file, or a PostgreSQL schema without a
 *                 vault (created when missing).
 * @param src_uri  the vault to copy; it must exist.
 * @param opts     options with the keyring of the source (required).
 * @return VO_OK; VO_EEXISTS (the destination already holds a vault); VO_EINVAL;
 *         VO_ENOTFOUND (no source vault); VO_ECRYPTO (wrong keyring, or an audit chain
 *         that does not verify, before or after the copy); VO_EUNSUPPORTED (a backend not
 *         built in); VO_EUNAVAILABLE (PostgreSQL unreachable); VO_ESTORAGE; VO_EBUSY;
 *         VO_ENOMEM; VO_ENOTINIT.
 * Thread-safe (it opens its own handles).
 */
VO_EXTERN int vo_vault_copy(const char *dest_uri, const char *src_uri,
                            const vo_vault_options *opts);

/* ------------------------------------------------------------------------------------ */
/* Audit log                                                                            */
/* ------------------------------------------------------------------------------------ */

/**
 * Append an audit row (time, actor and the thread's correlation id are added). For other
 * modules (e.g. the Twilio client logs service-account fallbacks). Committed before
 * returning (queued read rows are flushed first).
 * @param tenant  a tenant id or NULL/"" for vault-wide events (need not exist).
 * @param name    what the event is about (1-128 printable ASCII, no value!) or NULL/"".
 * @param action  1-32 of `a-z 0-9 . _ -`, e.g. "twilio.fallback".
 * @param result  1-32 of `A-Z a-z 0-9 . _ -`, e.g. "ok" or "VO_EAUTH".
 * @return VO_OK, VO_EINVAL, VO_ESTORAGE, VO_EBUSY.
 */
VO_EXTERN int vo_vault_audit_append(vo_vault *vault, const char *tenant, const char *name,
                                    const char *action, const char *result);

/** Commit the queued read audit rows now. @return VO_OK, VO_ESTORAGE, VO_EBUSY. */
VO_EXTERN int vo_vault_audit_flush(vo_vault *vault);

/** Why audit verification failed. */
typedef enum vo_audit_break {
    VO_AUDIT_INTACT = 0,        /**< the chain verifies */
    VO_AUDIT_MAC_MISMATCH = 1,  /**< the row was edited, moved, or a row before it replaced */
    VO_AUDIT_SEQ_GAP = 2,       /**< rows before this one were deleted */
    VO_AUDIT_TAIL_MISMATCH = 3, /**< the last rows were deleted (head marker disagrees) */
    VO_AUDIT_ROLLBACK = 4,      /**< checkpoint: the log ends before the checkpoint's row (the
                               vault was rolled back to an older copy, or its tail was cut
                               and the head marker rewritten) */
    VO_AUDIT_FORK = 5           /**< checkpoint: the row at the checkpoint's sequence number is
                               not the one signed (rolled back, then written again) */
} vo_audit_break;

/**
 * Verify the audit hash chain from the first row (queued rows are flushed first).
 * @param out_rows     receives the number of rows checked; may be NULL.
 * @param out_bad_seq  receives the sequence number of the first broken row (0 when intact);
 *                     may be NULL.
 * @param out_reason   receives a vo_audit_break; may be NULL.
 * @return VO_OK when intact, VO_ECRYPTO when broken (the message names the row),
 *         VO_ESTORAGE.
 */
VO_EXTERN int vo_vault_audit_verify(int64_t *out_rows, int64_t *out_bad_seq, int *out_reason,
                                    vo_vault *vault);

typedef struct vo_audit_list vo_audit_list;

/**
 * Read audit rows in sequence order (queued rows are flushed first).
 * @param tenant     only this tenant's rows (NULL/"" = all).
 * @param since_ms   only rows with time >= since_ms (0 = no bound).
 * @param until_ms   only rows with time < until_ms (0 = no bound).
 * @param after_seq  only rows with seq > after_seq (paging; 0 = from the start).
 * @param limit      at most this many rows (0 = 1000).
 */
VO_EXTERN int vo_vault_audit_list(vo_audit_list **out, vo_vault *vault, const char *tenant,
                                  int64_t since_ms, int64_t until_ms, int64_t after_seq,
                                  size_t limit);
/** Number of rows; 0 for NULL. */
VO_EXTERN size_t vo_audit_list_count(const vo_audit_list *l);
/** Sequence number of row i (from 1); 0 when out of range. */
VO_EXTERN int64_t vo_audit_list_seq(const vo_audit_list *l, size_t i);
/** Time of row i in Unix milliseconds; 0 when out of range. */
VO_EXTERN int64_t vo_audit_list_time(const vo_audit_list *l, size_t i);
/* The string accessors below return NULL when i is out of range, "" for empty fields. */
/** The tenant of row i ("" for vault-wide events). */
VO_EXTERN const char *vo_audit_list_tenant(const vo_audit_list *l, size_t i);
/** What row i is about (a secret name; never a value). */
VO_EXTERN const char *vo_audit_list_name(const vo_audit_list *l, size_t i);
/** The action of row i (`secret.put`, `kek.rotate`, ...). */
VO_EXTERN const char *vo_audit_list_action(const vo_audit_list *l, size_t i);
/** Who acted in row i (vo_vault_options.actor). */
VO_EXTERN const char *vo_audit_list_actor(const vo_audit_list *l, size_t i);
/** The correlation id of row i. */
VO_EXTERN const char *vo_audit_list_correlation_id(const vo_audit_list *l, size_t i);
/** The result of row i (`ok` or a VO_E* name). */
VO_EXTERN const char *vo_audit_list_result(const vo_audit_list *l, size_t i);
/**
 * Free an audit list. Accepts NULL.
 * Closing or freeing it twice, or passing a handle of another type, is reported
 * (VO_EHANDLE in vo_error_last() and an error log line) and ignored; later calls with it
 * give VO_EHANDLE (docs/handles.md).
 */
VO_EXTERN void vo_audit_list_free(vo_audit_list *l);

/* ------------------------------------------------------------------------------------ */
/* Seen-request store (webhook duplicate and replay guard)                              */
/* ------------------------------------------------------------------------------------ */

/** Most rows one vo_vault_seen_prune() call deletes (max_rows is capped to it). */
#define VO_VAULT_SEEN_PRUNE_MAX 100000
/** Longest scope (characters) given to vo_vault_seen_put(). */
#define VO_VAULT_SEEN_SCOPE_MAX 32

/**
 * Record that a request was seen, in one atomic step shared by every process (and, with a
 * shared database backend, every server) that opens the vault: "insert if absent, else
 * report the entry already there". The building block of the webhook guard
 * (vo_webhook_guard_twilio() and the others in services.h); usable for any other scheme.
 *
 * Nothing readable is stored: the entry's key is a keyed BLAKE2b digest of the tenant, the
 * scope and the id, and the mark is stored as a keyed digest too. The digest key is derived
 * from the vault's audit key, which is itself only stored wrapped by a KEK; someone who
 * reads the vault file without the KEK cannot test a guess of a request against it.
 * Entries are not audited (one per webhook would swamp the audit log).
 *
 * Each call also deletes up to 8 expired entries in the same transaction, so under steady
 * load the store holds about (requests per second x retention) rows without any cron job;
 * vo_vault_seen_prune() deletes larger batches.
 *
 * @param out_seen_at_ms receives, on VO_OK, now_ms; on VO_EEXISTS, when the entry already
 *                       there was stored (Unix ms); may be NULL.
 * @param out_same_mark  receives, on VO_EEXISTS, 1 when `mark` equals the mark stored with
 *                       the first sighting, else 0; 0 on VO_OK; may be NULL.
 * @param tenant         a tenant id (the syntax is checked; the tenant need not exist).
 * @param scope          what kind of id this is, 1-VO_VAULT_SEEN_SCOPE_MAX characters of
 *                       `a-z 0-9 . _ -` (e.g. "twilio", "stdwebhooks.id"); ids of
 *                       different scopes never collide.
 * @param id, id_len     the request's identity (1 byte or more; e.g. a digest of the signed
 *                       request, or a signed message id).
 * @param mark, mark_len what distinguishes sightings of one id (e.g. an idempotency token or
 *                       a signature); may be NULL when mark_len is 0.
 * @param now_ms         the current time (Unix ms, > 0).
 * @param expires_at_ms  until when the entry counts (exclusive), > now_ms. An entry whose
 *                       time has passed is treated as absent and replaced.
 * @return VO_OK (first sighting: stored), VO_EEXISTS (a live entry has this id: nothing
 *         changed), VO_EINVAL, VO_EBUSY, VO_ESTORAGE, VO_EUNSUPPORTED (a backend without a
 *         seen store). Thread-safe (the handle's lock); processes are serialised by the
 *         storage's write lock, so of several concurrent calls with one id exactly one
 *         gets VO_OK.
 */
VO_EXTERN int vo_vault_seen_put(int64_t *out_seen_at_ms, int *out_same_mark, vo_vault *vault,
                                const char *tenant, const char *scope, const void *id,
                                size_t id_len, const void *mark, size_t mark_len,
                                int64_t now_ms, int64_t expires_at_ms);

/**
 * Delete expired entries of the seen-request store, at most max_rows of them, earliest
 * expiry first, in one transaction. An entry whose expiry is after now_ms is never deleted.
 * Call it again while *out_removed == max_rows to empty a backlog in bounded steps.
 *
 * @param out_removed receives the number of entries deleted; may be NULL.
 * @param now_ms      the current time (Unix ms, > 0).
 * @param max_rows    0 = 1000; at most VO_VAULT_SEEN_PRUNE_MAX (larger values are capped).
 * @return VO_OK, VO_EINVAL, VO_EBUSY, VO_ESTORAGE, VO_EUNSUPPORTED.
 */
VO_EXTERN int vo_vault_seen_prune(int64_t *out_removed, vo_vault *vault, int64_t now_ms,
                                  size_t max_rows);

/**
 * Number of entries in the seen-request store, live and expired (for monitoring: it stays
 * bounded when pruning keeps up).
 * @return VO_OK, VO_EINVAL, VO_ESTORAGE, VO_EUNSUPPORTED.
 */
VO_EXTERN int vo_vault_seen_count(int64_t *out_count, vo_vault *vault);

/* ------------------------------------------------------------------------------------ */
/* Signed audit checkpoints                                                             */
/* ------------------------------------------------------------------------------------ */

/** Buffer size for a checkpoint public key: standard base64 of 32 bytes and the NUL. */
#define VO_VAULT_CHECKPOINT_PUBLIC_KEY_SIZE 45
/** Longest checkpoint text vo_vault_audit_checkpoint() writes (without the NUL). */
#define VO_VAULT_CHECKPOINT_MAX 512

/** VO_VAULT_CHECKPOINT_PUBLIC_KEY_SIZE at run time (for bindings). Thread-safe. */
VO_EXTERN size_t vo_vault_checkpoint_public_key_size(void);

/**
 * The Ed25519 public key of a checkpoint signing key, for the verifier.
 *
 * A checkpoint signing key is held like a KEK: a raw 32-byte key in a keyring, added with
 * vo_keyring_add_key(), vo_keyring_add_file() or vo_keyring_add_env() under an id of its
 * own (keep it in a keyring apart from the vault's KEKs). The Ed25519 key pair is derived
 * from it (BLAKE2b with a label of its own, so the same bytes used as a KEK give an
 * unrelated key). Passphrase and provider entries cannot sign (VO_EUNSUPPORTED).
 *
 * @param out      receives the standard base64 of the 32-byte public key and a NUL.
 * @param out_size at least VO_VAULT_CHECKPOINT_PUBLIC_KEY_SIZE.
 * @return VO_OK, VO_EINVAL, VO_ERANGE, VO_ENOTFOUND (no such id in the keyring),
 *         VO_EUNSUPPORTED, VO_ENOMEM, VO_ENOTINIT. Thread-safe for a keyring no one fills.
 */
VO_EXTERN int vo_keyring_public_key_get(char *out, size_t out_size, const vo_keyring *keyring,
                                        const char *key_id);

/**
 * Emit a signed checkpoint of the audit log: the vault id, the last sequence number, the
 * MAC of the last row (the chain head), the time and the signing key's id, signed with
 * Ed25519. Ship it somewhere the vault's writer cannot reach (syslog, another database,
 * object storage); vo_vault_audit_verify_checkpoint() later detects a rollback of the
 * vault file or a cut tail, which the chain alone cannot see.
 *
 * Queued audit rows are flushed first, and the whole chain is verified in the same read
 * snapshot: a broken chain gets no checkpoint (VO_ECRYPTO, as vo_vault_audit_verify()).
 * Not audited (a checkpoint changes nothing; auditing it would move the head it signs).
 *
 * The text is one line of JSON, at most VO_VAULT_CHECKPOINT_MAX bytes:
 * `{"format":"voiceops.audit-checkpoint.v1","vault_id":"<32 hex>","seq":N,
 * "head":"<64 hex>","time_ms":T,"key_id":"<id>","signature":"<base64>"}`; the signature
 * covers each field (docs/security.md), so the JSON may be re-serialised.
 *
 * @param out          receives the NUL-terminated text; free it with vo_free().
 * @param signing_keys the keyring holding the signing key.
 * @param key_id       its id.
 * @return VO_OK, VO_EINVAL, VO_ENOTFOUND, VO_EUNSUPPORTED (see vo_keyring_public_key_get()),
 *         VO_ECRYPTO (the chain is broken), VO_ESTORAGE, VO_EBUSY, VO_ENOMEM.
 */
VO_EXTERN int vo_vault_audit_checkpoint(char **out, vo_vault *vault,
                                        const vo_keyring *signing_keys, const char *key_id);

/**
 * vo_vault_audit_verify() against a checkpoint taken earlier: the chain must verify, and
 * the row at the checkpoint's sequence number must exist and carry the checkpoint's MAC.
 * A vault file rolled back to an older copy, or whose tail was cut and head marker
 * rewritten, ends before that row (VO_AUDIT_ROLLBACK); one rolled back and written again
 * has another row there (VO_AUDIT_FORK). Rows appended after the checkpoint are fine.
 *
 * The checkpoint is refused before the log is read when it is malformed (VO_EPARSE), its
 * signature does not verify with `public_key` (VO_EAUTH), or it names another vault
 * (VO_ECONFLICT).
 *
 * @param out_rows, out_bad_seq, out_reason  as vo_vault_audit_verify() (reason: a
 *                   vo_audit_break, VO_AUDIT_ROLLBACK and VO_AUDIT_FORK included); may be
 *                   NULL.
 * @param checkpoint the text from vo_vault_audit_checkpoint() (surrounding white space
 *                   allowed).
 * @param public_key from vo_keyring_public_key_get(): the verifier's trusted copy, never
 *                   one read from the checkpoint or the vault.
 * @return VO_OK (intact and consistent with the checkpoint), VO_ECRYPTO (broken; the
 *         message names the row and why), VO_EPARSE, VO_EAUTH, VO_ECONFLICT, VO_EINVAL,
 *         VO_ESTORAGE.
 */
VO_EXTERN int vo_vault_audit_verify_checkpoint(int64_t *out_rows, int64_t *out_bad_seq,
                                               int *out_reason, vo_vault *vault,
                                               const char *checkpoint, const char *public_key);

#ifdef __cplusplus
}
#endif

#endif /* VOICEOPS_VAULT_H */
