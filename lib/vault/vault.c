/* The vault handle: open/close, tenants, secrets, envelope encryption. */
#include <stdlib.h>
#include <string.h>

#include "vault_internal.h"
#ifdef VO_HAVE_POSTGRES
#  include "backend_pg.h"
#endif

/* ---- helpers ------------------------------------------------------------------------ */

const vo__kek *vo__active_kek(const vo_vault *v)
{
    if (v->kr->active < 0)
        return NULL;
    return &v->kr->keks[v->kr->active];
}

void vo__dek_ad(const vo_vault *v, vo__ad *ad, const char *tenant, int64_t created_ms,
                const char *kek_id, int64_t gen)
{
    vo__ad_init(ad, "voiceops.dek.v1");
    vo__ad_str(ad, v->vault_id);
    vo__ad_str(ad, tenant);
    vo__ad_u64(ad, created_ms);
    vo__ad_str(ad, kek_id);
    vo__ad_u64(ad, gen);
}

static void secret_ad(const vo_vault *v, vo__ad *ad, const char *tenant,
                      const vo__secret_rec *m)
{
    vo__ad_init(ad, "voiceops.secret.v1");
    vo__ad_str(ad, v->vault_id);
    vo__ad_str(ad, tenant);
    vo__ad_str(ad, m->name);
    vo__ad_u64(ad, m->version);
    vo__ad_u64(ad, m->dek_gen);
    vo__ad_u64(ad, m->created_ms);
}

int vo__dek_unwrap(vo_vault *v, const vo__tenant_rec *t, unsigned char dek[VO_VAULT_KEY_SIZE])
{
    const vo__kek *kek = vo__keyring_find(v->kr, t->kek_id);
    if (!kek)
        return vo__error_set(
            VO_ECRYPTO,
            "tenant '%s': its data key is wrapped by KEK '%s', which is not in "
            "the keyring",
            t->name, t->kek_id);
    vo__ad ad;
    vo__dek_ad(v, &ad, t->name, t->created_ms, t->kek_id, t->dek_gen);
    int rc = vo__kek_unwrap(kek, t->wrapped, t->wrapped_len, ad.b, ad.n, dek);
    if (rc != VO_OK) {
        sodium_memzero(dek, VO_VAULT_KEY_SIZE);
        if (rc != VO_ECRYPTO) /* e.g. a KMS provider failure: keep its error */
            return rc;
        return vo__error_set(VO_ECRYPTO,
                             "tenant '%s': data key fails authentication under "
                             "KEK '%s' (tampered record or wrong key)",
                             t->name, t->kek_id);
    }
    return VO_OK;
}

int vo__tenant_dek(vo_vault *v, const vo__tenant_rec *t, const unsigned char **dek)
{
    unsigned char *k = vo__cache_get(&v->cache, t->tid, t->dek_gen);
    if (k) {
        *dek = k;
        return VO_OK;
    }
    unsigned char plain[VO_VAULT_KEY_SIZE];
    int rc = vo__dek_unwrap(v, t, plain);
    if (rc != VO_OK)
        return rc;
    *dek = vo__cache_put(&v->cache, t->tid, t->dek_gen, plain);
    sodium_memzero(plain, sizeof(plain));
    return VO_OK;
}

int vo__seal_secret(vo_vault *v, const char *tenant, const vo__secret_rec *m,
                    const unsigned char *dek, const unsigned char *pt, size_t len, vo__buf *out)
{
    vo__ad ad;
    secret_ad(v, &ad, tenant, m);
    out->len = 0;
    if (!vo__buf_reserve(out, len + VO__SEAL_OVERHEAD))
        return vo__error_set(VO_ENOMEM, "out of memory");
    unsigned char *p = (unsigned char *)out->data;
    p[0] = VO__FORMAT_VERSION;
    randombytes_buf(p + 1, VO__NONCE_SIZE);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(p + 1 + VO__NONCE_SIZE, &clen, pt, len, ad.b,
                                               ad.n, NULL, p + 1, dek);
    out->len = 1 + VO__NONCE_SIZE + (size_t)clen;
    return VO_OK;
}

int vo__open_secret(vo_vault *v, const char *tenant, const vo__secret_rec *m,
                    const unsigned char *dek, const unsigned char *ct, size_t ct_len,
                    unsigned char *out, size_t *out_len)
{
    if (ct_len < VO__SEAL_OVERHEAD || ct[0] != VO__FORMAT_VERSION)
        return vo__error_set(VO_ECRYPTO,
                             "secret '%s' of tenant '%s' version %lld: unknown record format",
                             m->name, tenant, (long long)m->version);
    vo__ad ad;
    secret_ad(v, &ad, tenant, m);
    unsigned long long mlen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &mlen, NULL, ct + 1 + VO__NONCE_SIZE,
                                                   ct_len - 1 - VO__NONCE_SIZE, ad.b, ad.n,
                                                   ct + 1, dek) != 0)
        return vo__error_set(VO_ECRYPTO,
                             "secret '%s' of tenant '%s' version %lld fails authentication "
                             "(tampered or moved record)",
                             m->name, tenant, (long long)m->version);
    *out_len = (size_t)mlen;
    return VO_OK;
}

int vo__write_begin(vo_vault *v)
{
    v->q_mark = v->qn;
    return v->ops->begin(v->be, true);
}

void vo__write_abort(vo_vault *v)
{
    /* Keep the caller's error record: rollback never reports. Events queued inside the
     * transaction describe changes that did not happen: drop them. */
    v->ops->rollback(v->be);
    v->qn = v->q_mark;
}

int vo__write_commit(vo_vault *v)
{
    int rc = v->ops->commit(v->be);
    if (rc == VO_OK)
        vo__audit_queue_committed(v);
    else
        vo__write_abort(v);
    return rc;
}

int vo__write_end(vo_vault *v, int rc)
{
    if (rc != VO_OK) {
        vo__write_abort(v);
        return rc;
    }
    return vo__write_commit(v);
}

static int tenant_not_found(const char *tenant)
{
    return vo__error_set(VO_ENOTFOUND, "no tenant '%s'", tenant);
}

static int need_vault(const vo_vault *v, const char *fn)
{
    VO__HANDLE_CHECK(v, VO__H_VAULT, fn);
    if (!v)
        return vo__error_set(VO_EINVAL, "%s: vault is NULL", fn);
    return VO_OK;
}

/* ---- open / close ------------------------------------------------------------------- */

size_t vo_vault_tenant_max(void)
{
    return VO_VAULT_TENANT_MAX;
}
size_t vo_vault_name_max(void)
{
    return VO_VAULT_NAME_MAX;
}
size_t vo_vault_kek_id_max(void)
{
    return VO_VAULT_KEK_ID_MAX;
}
size_t vo_vault_value_max(void)
{
    return VO_VAULT_VALUE_MAX;
}
size_t vo_vault_key_size(void)
{
    return VO_VAULT_KEY_SIZE;
}
size_t vo_vault_wrapped_max(void)
{
    return VO_VAULT_WRAPPED_MAX;
}

static int check_blob_ad(const vo_vault *v, const char *kek_id, vo__ad *ad)
{
    vo__ad_init(ad, "voiceops.kek-check.v1");
    vo__ad_str(ad, v->vault_id);
    vo__ad_str(ad, kek_id);
    return VO_OK;
}

/* Verify a keyring KEK against its registration (deriving passphrase keys first). */
static int verify_kek(vo_vault *v, vo__kek *k, const vo__kek_rec *r)
{
    if (k->verified)
        return VO_OK;
    if (r->kind != k->kind)
        return vo__error_set(
            VO_ECRYPTO, "KEK '%s' is registered in this vault as another kind of key", k->id);
    if (r->retired_ms) {
        k->retired = true;
        return VO_OK;
    }
    if (k->kind == VO__KEK_PASSPHRASE) {
        /* The file's writer chooses these: bound them before any work is done. */
        if (r->kdf_ops > VO__KDF_OPS_MAX || r->kdf_mem > VO__KDF_MEM_MAX)
            return vo__error_set(VO_EUNSUPPORTED,
                                 "KEK '%s': stored Argon2id limits (opslimit %lld, memlimit "
                                 "%lld) exceed what this library derives (opslimit %d, "
                                 "memlimit %lld bytes): refusing (tampered file?)",
                                 k->id, (long long)r->kdf_ops, (long long)r->kdf_mem,
                                 VO__KDF_OPS_MAX, (long long)VO__KDF_MEM_MAX);
        if (r->salt_len != VO__SALT_SIZE || r->kdf_ops < crypto_pwhash_OPSLIMIT_MIN ||
            r->kdf_mem < (int64_t)crypto_pwhash_MEMLIMIT_MIN)
            return vo__error_set(VO_ECRYPTO,
                                 "KEK '%s': stored Argon2id parameters are invalid (tampered "
                                 "record)",
                                 k->id);
        int rc = vo__kek_derive(k, r->salt, (unsigned long long)r->kdf_ops, (size_t)r->kdf_mem);
        if (rc != VO_OK)
            return rc;
    }
    vo__ad ad;
    check_blob_ad(v, k->id, &ad);
    unsigned char probe[VO_VAULT_KEY_SIZE];
    int rc = vo__kek_unwrap(k, r->check, r->check_len, ad.b, ad.n, probe);
    unsigned char zero[VO_VAULT_KEY_SIZE] = {0};
    if (rc == VO_OK && !vo__ct_equal(probe, zero, sizeof(zero)))
        rc = VO_ECRYPTO;
    sodium_memzero(probe, sizeof(probe));
    if (rc != VO_OK && rc != VO_ECRYPTO) /* e.g. VO_EUNAVAILABLE: keep the provider's error */
        return rc;
    if (rc != VO_OK)
        return vo__error_set(VO_ECRYPTO,
                             "KEK '%s' does not match the key registered under that id in this "
                             "vault (wrong key file, variable or passphrase)",
                             k->id);
    k->verified = true;
    return VO_OK;
}

static int register_kek(vo_vault *v, vo__kek *k)
{
    vo__kek_rec r;
    memset(&r, 0, sizeof(r));
    vo__strlcpy(r.kek_id, k->id, sizeof(r.kek_id));
    r.kind = k->kind;
    r.created_ms = vo__now_ms();
    if (k->kind == VO__KEK_PASSPHRASE) {
        randombytes_buf(r.salt, VO__SALT_SIZE);
        r.salt_len = VO__SALT_SIZE;
        r.kdf_ops = (int64_t)k->ops;
        r.kdf_mem = (int64_t)k->mem;
        int rc = vo__kek_derive(k, r.salt, k->ops, k->mem);
        if (rc != VO_OK)
            return rc;
    }
    vo__ad ad;
    check_blob_ad(v, k->id, &ad);
    unsigned char zero[VO_VAULT_KEY_SIZE] = {0};
    int rc = vo__kek_wrap(k, zero, ad.b, ad.n, r.check, &r.check_len);
    if (rc == VO_OK)
        rc = v->ops->kek_insert(v->be, &r);
    if (rc == VO_OK)
        k->verified = true;
    if (rc == VO_OK) {
        vo__audit_rec e;
        vo__audit_event(v, &e, NULL, k->id, "kek.register", VO_OK);
        rc = vo__audit_queue_tx(v, &e);
    }
    return rc;
}

static int create_audit_key(vo_vault *v)
{
    const vo__kek *k = vo__active_kek(v);
    unsigned char key[VO_VAULT_KEY_SIZE];
    randombytes_buf(key, sizeof(key));
    vo__ad ad;
    vo__ad_init(&ad, "voiceops.audit-key.v1");
    vo__ad_str(&ad, v->vault_id);
    vo__ad_str(&ad, k->id);
    unsigned char wrapped[VO_VAULT_WRAPPED_MAX];
    size_t wlen = 0;
    int rc = vo__kek_wrap(k, key, ad.b, ad.n, wrapped, &wlen);
    sodium_memzero(key, sizeof(key));
    if (rc == VO_OK)
        rc = v->ops->meta_set(v->be, "audit_key", wrapped, wlen);
    if (rc == VO_OK)
        rc = v->ops->meta_set(v->be, "audit_kek", k->id, strlen(k->id));
    return rc;
}

static int check_active(const vo_vault *v)
{
    const vo__kek *act = vo__active_kek(v);
    if (act && act->retired)
        return vo__error_set(VO_EINVAL, "the active KEK '%s' is retired in this vault",
                             act->id);
    return VO_OK;
}

/* Set up the vault id, KEK registrations and the audit key. */
static int setup_keys(vo_vault *v)
{
    vo__buf id = VO__BUF_INIT;
    int rc = vo__be_meta_get(v, "vault_id", &id);
    bool need_write = rc == VO_ENOTFOUND;
    if (rc == VO_OK)
        vo__strlcpy(v->vault_id, id.data, sizeof(v->vault_id));
    else if (rc != VO_ENOTFOUND)
        goto out;
    rc = VO_OK;
    /* Phase 1, without the write lock: verify the KEKs the vault already knows. */
    for (size_t i = 0; !need_write && i < v->kr->n; i++) {
        vo__kek_rec r;
        int g = vo__be_kek_get(v, v->kr->keks[i].id, &r);
        if (g == VO_ENOTFOUND) {
            need_write = true;
        } else if (g != VO_OK || (g = verify_kek(v, &v->kr->keks[i], &r)) != VO_OK) {
            rc = g;
            goto out;
        }
    }
    if (!need_write) {
        vo__buf probe = VO__BUF_INIT;
        int g = vo__be_meta_get(v, "audit_key", &probe);
        vo__buf_free(&probe, false);
        if (g == VO_ENOTFOUND)
            need_write = true;
        else if (g != VO_OK) {
            rc = g;
            goto out;
        }
    }
    if (need_write) {
        /* Phase 2: register what is new, in one write transaction. */
        rc = vo__write_begin(v);
        if (rc != VO_OK)
            goto out;
        id.len = 0;
        rc = vo__be_meta_get(v, "vault_id", &id);
        if (rc == VO_ENOTFOUND) {
            unsigned char raw[16];
            randombytes_buf(raw, sizeof(raw));
            sodium_bin2hex(v->vault_id, sizeof(v->vault_id), raw, sizeof(raw));
            rc = v->ops->meta_set(v->be, "vault_id", v->vault_id, strlen(v->vault_id));
            if (rc == VO_OK) {
                int64_t now = vo__now_ms();
                rc = v->ops->meta_set(v->be, "created_ms", &now, sizeof(now));
            }
        } else if (rc == VO_OK) {
            vo__strlcpy(v->vault_id, id.data, sizeof(v->vault_id));
        }
        for (size_t i = 0; rc == VO_OK && i < v->kr->n; i++) {
            vo__kek *k = &v->kr->keks[i];
            vo__kek_rec r;
            int g = vo__be_kek_get(v, k->id, &r);
            if (g == VO_ENOTFOUND)
                rc = register_kek(v, k);
            else if (g == VO_OK)
                rc = verify_kek(v, k, &r);
            else
                rc = g;
        }
        if (rc == VO_OK) {
            vo__buf probe = VO__BUF_INIT;
            int g = vo__be_meta_get(v, "audit_key", &probe);
            vo__buf_free(&probe, false);
            if (g == VO_ENOTFOUND)
                rc = create_audit_key(v);
            else
                rc = g;
        }
        /* All or nothing: the registrations commit only when this open succeeds (the
         * active KEK usable, the audit key unwrapped). The registration events stay
         * queued: they are appended once the transaction has committed. */
        if (rc == VO_OK)
            rc = check_active(v);
        if (rc == VO_OK)
            rc = vo__audit_key_load(v);
        if (rc == VO_OK)
            rc = v->ops->commit(v->be);
        if (rc != VO_OK) {
            vo__write_abort(v);
            goto out;
        }
    } else {
        rc = check_active(v);
        if (rc == VO_OK)
            rc = vo__audit_key_load(v);
        if (rc != VO_OK)
            goto out;
    }
    rc = vo__audit_flush_locked(v);
out:
    vo__buf_free(&id, false);
    return rc;
}

int vo__vault_parse_uri(const char *uri, const vo__backend_ops **ops, const char **location)
{
    if (strncmp(uri, "sqlite:", 7) == 0) {
        uri += 7;
        if (strncmp(uri, "//", 2) == 0)
            uri += 2; /* sqlite:///abs/path */
        *ops = &vo__sqlite_backend;
        *location = uri;
        return VO_OK;
    }
#ifdef VO_HAVE_POSTGRES
    if (vo__pg_location(uri)) { /* postgresql://, postgres://, libpq key=value */
        *ops = &vo__pg_backend;
        *location = uri;
        return VO_OK;
    }
#endif
    const char *colon = strstr(uri, "://");
    if (colon) {
        int n = (int)(colon - uri);
        return vo__error_set(VO_EUNSUPPORTED, "no vault storage backend for scheme '%.*s'",
                             n > 32 ? 32 : n, uri);
    }
    *ops = &vo__sqlite_backend;
    *location = uri;
    return VO_OK;
}

/* Copy the caller's options into *o with the defaults of the zero fields (voiceops/vault.h
 * documents them) and check the ranges. */
static int check_options(vo_vault_options *o, const vo_vault_options *in)
{
    int rc = vo__struct_copy(&vo_vault_options_info_, "vo_vault_open", o, in);
    if (rc != VO_OK)
        return rc;
    if (!o->keyring || o->keyring->n == 0)
        return vo__error_set(VO_EINVAL, "vault options: a keyring with at least one KEK is "
                                        "required");
    if (o->busy_timeout_ms == 0)
        o->busy_timeout_ms = 5000;
    else if (o->busy_timeout_ms < 0)
        o->busy_timeout_ms = 0; /* do not wait */
    if (o->dek_cache_size == 0)
        o->dek_cache_size = 1024;
    else if (o->dek_cache_size < 0)
        o->dek_cache_size = 0; /* no cache */
    if (o->kept_versions == 0)
        o->kept_versions = 10;
    if (o->audit_buffer_rows == 0)
        o->audit_buffer_rows = 256;
    if (o->rotation_batch == 0)
        o->rotation_batch = 256;
    if (o->dek_cache_size > 1000000)
        return vo__error_set(VO_EINVAL,
                             "vault options: dek_cache_size out of range (at most 1000000)");
    if (o->kept_versions < 1 || o->kept_versions > 1000000)
        return vo__error_set(VO_EINVAL,
                             "vault options: kept_versions out of range (1-1000000)");
    if (o->audit_reads < VO_VAULT_AUDIT_READS_BUFFERED ||
        o->audit_reads > VO_VAULT_AUDIT_READS_OFF)
        return vo__error_set(VO_EINVAL, "vault options: unknown audit_reads mode");
    if (o->audit_buffer_rows < 1 || o->audit_buffer_rows > 65536)
        return vo__error_set(VO_EINVAL,
                             "vault options: audit_buffer_rows out of range (1-65536)");
    if (o->rotation_batch < 1 || o->rotation_batch > 100000)
        return vo__error_set(VO_EINVAL,
                             "vault options: rotation_batch out of range (1-100000)");
    if (o->actor) {
        size_t n = strlen(o->actor);
        if (n == 0 || n > VO_VAULT_TENANT_MAX)
            return vo__error_set(VO_EINVAL, "vault options: actor must be 1-64 characters");
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)o->actor[i] < 0x20 || (unsigned char)o->actor[i] >= 0x7f)
                return vo__error_set(VO_EINVAL, "vault options: actor must be printable ASCII");
    }
    return VO_OK;
}

static void vault_destroy(void *p);

int vo_vault_open(vo_vault **out, const char *uri, const vo_vault_options *opts)
{
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_vault_open: out is NULL");
    *out = NULL;
    if (!uri || !*uri)
        return vo__error_set(VO_EINVAL, "vo_vault_open: uri is NULL or empty");
    if (!opts)
        return vo__error_set(VO_EINVAL, "vo_vault_open: options with a keyring are required");
    int rc = vo__require_init();
    if (rc != VO_OK)
        return rc;
    vo_vault_options resolved;
    if ((rc = check_options(&resolved, opts)) != VO_OK)
        return rc;
    opts = &resolved;
    const vo__backend_ops *ops = NULL;
    const char *location = NULL;
    if ((rc = vo__vault_parse_uri(uri, &ops, &location)) != VO_OK)
        return rc;

    vo_vault *v = vo__handle_new(sizeof(*v), VO__H_VAULT, vault_destroy);
    if (!v)
        return vo__error_set(VO_ENOMEM, "out of memory");
    pthread_mutex_init(&v->lock, NULL);
    v->ops = ops;
    v->kept_versions = opts->kept_versions;
    v->audit_reads = opts->audit_reads;
    v->audit_buffer_rows = opts->audit_buffer_rows;
    v->rotation_batch = opts->rotation_batch;
    vo__strlcpy(v->actor, opts->actor ? opts->actor : "unknown", sizeof(v->actor));
    vo__buf empty = VO__BUF_INIT;
    v->ct = empty;
    v->cache.keys = NULL;
    if ((rc = vo__keyring_clone(&v->kr, opts->keyring)) != VO_OK)
        goto fail;
    if ((rc = vo__cache_init(&v->cache, opts->dek_cache_size)) != VO_OK)
        goto fail;
    v->audit_key = sodium_malloc(VO_VAULT_KEY_SIZE);
    v->scratch = sodium_malloc(VO_VAULT_VALUE_MAX + 1);
    v->audit_mac = sodium_malloc(sizeof(*v->audit_mac));
    if (!v->audit_key || !v->scratch || !v->audit_mac) {
        rc = vo__error_set(VO_ENOMEM, "out of secure memory");
        goto fail;
    }
    vo__backend_config cfg = {opts->busy_timeout_ms, opts->no_create == 0};
    if ((rc = ops->open(&v->be, location, &cfg)) != VO_OK)
        goto fail;
    if ((rc = setup_keys(v)) != VO_OK)
        goto fail;
    vo__log(VO_LOG_DEBUG, "vault", "opened vault %s (%s backend)", v->vault_id, ops->name);
    *out = v;
    return VO_OK;
fail : {
    vo_error saved = *vo_error_last();
    char msg[VO_ERROR_MESSAGE_SIZE];
    vo__strlcpy(msg, saved.message, sizeof(msg));
    v->qn = 0; /* nothing to flush from a failed open */
    vo_vault_close(v);
    vo__error_set(rc, "%s", msg);
}
    return rc;
}

static void vault_destroy(void *p)
{
    vo_vault *v = p;
    if (v->be) {
        if (v->qn && vo__audit_flush_locked(v) != VO_OK)
            vo__log(VO_LOG_WARN, "vault", "could not flush %zu queued audit rows at close",
                    v->qn);
        v->ops->close(v->be);
    }
    vo__cache_free(&v->cache);
    if (v->audit_key)
        sodium_free(v->audit_key);
    if (v->scratch)
        sodium_free(v->scratch);
    if (v->audit_mac)
        sodium_free(v->audit_mac);
    vo_keyring_free(v->kr);
    vo__buf_free(&v->ct, false);
    free(v->queue);
    pthread_mutex_destroy(&v->lock);
}

void vo_vault_close(vo_vault *v)
{
    vo__handle_close(v, VO__H_VAULT, "vo_vault_close");
}

/* ---- tenants ------------------------------------------------------------------------ */

int vo__tenant_create_tx(vo_vault *v, const char *tenant, vo__tenant_rec *t)
{
    int rc = vo__be_tenant_get(v, tenant, t);
    if (rc == VO_OK)
        return vo__error_set(VO_EEXISTS, "tenant '%s' already exists", tenant);
    if (rc != VO_ENOTFOUND)
        return rc;
    const vo__kek *k = vo__active_kek(v);
    memset(t, 0, sizeof(*t));
    vo__strlcpy(t->name, tenant, sizeof(t->name));
    vo__strlcpy(t->kek_id, k->id, sizeof(t->kek_id));
    t->created_ms = vo__now_ms();
    t->dek_gen = 1;
    unsigned char dek[VO_VAULT_KEY_SIZE];
    randombytes_buf(dek, sizeof(dek));
    vo__ad ad;
    vo__dek_ad(v, &ad, tenant, t->created_ms, k->id, t->dek_gen);
    rc = vo__kek_wrap(k, dek, ad.b, ad.n, t->wrapped, &t->wrapped_len);
    if (rc == VO_OK)
        rc = v->ops->tenant_insert(v->be, t);
    if (rc == VO_OK)
        vo__cache_put(&v->cache, t->tid, t->dek_gen, dek);
    sodium_memzero(dek, sizeof(dek));
    if (rc == VO_OK) {
        vo__audit_rec e;
        vo__audit_event(v, &e, tenant, "", "tenant.create", VO_OK);
        rc = vo__audit_queue_tx(v, &e);
    }
    return rc;
}

int vo_vault_tenant_create(vo_vault *v, const char *tenant)
{
    int rc;
    if ((rc = need_vault(v, "vo_vault_tenant_create")) != VO_OK ||
        (rc = vo__check_tenant(tenant)) != VO_OK)
        return rc;
    pthread_mutex_lock(&v->lock);
    rc = vo__write_begin(v);
    if (rc == VO_OK) {
        vo__tenant_rec t;
        t.tid = 0;
        rc = vo__tenant_create_tx(v, tenant, &t);
        if (rc == VO_OK)
            rc = vo__audit_write_tx(v, NULL);
        rc = vo__write_end(v, rc);
        if (rc != VO_OK && t.tid > 0)
            vo__cache_remove_tenant(&v->cache, t.tid);
    }
    if (rc != VO_OK)
        vo__audit_failure(v, tenant, "", "tenant.create", rc);
    pthread_mutex_unlock(&v->lock);
    return rc;
}

int vo_vault_tenant_delete(vo_vault *v, const char *tenant)
{
    int rc;
    if ((rc = need_vault(v, "vo_vault_tenant_delete")) != VO_OK ||
        (rc = vo__check_tenant(tenant)) != VO_OK)
        return rc;
    pthread_mutex_lock(&v->lock);
    vo__tenant_rec t;
    t.tid = 0;
    rc = vo__write_begin(v);
    if (rc == VO_OK) {
        rc = vo__be_tenant_get(v, tenant, &t);
        if (rc == VO_ENOTFOUND)
            rc = tenant_not_found(tenant);
        if (rc == VO_OK)
            rc = v->ops->tenant_delete(v->be, t.tid);
        if (rc == VO_OK) {
            vo__audit_rec e;
            vo__audit_event(v, &e, tenant, "", "tenant.delete", VO_OK);
            rc = vo__audit_write_tx(v, &e);
        }
        rc = vo__write_end(v, rc);
    }
    if (rc == VO_OK)
        vo__cache_remove_tenant(&v->cache, t.tid);
    else
        vo__audit_failure(v, tenant, "", "tenant.delete", rc);
    pthread_mutex_unlock(&v->lock);
    return rc;
}

int vo_vault_tenant_get(vo_tenant_list **out, vo_vault *v, const char *tenant)
{
    int rc;
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_vault_tenant_get: out is NULL");
    *out = NULL;
    if ((rc = need_vault(v, "vo_vault_tenant_get")) != VO_OK ||
        (rc = vo__check_tenant(tenant)) != VO_OK)
        return rc;
    vo__tenant_rec *t = malloc(sizeof(*t));
    if (!t)
        return vo__error_set(VO_ENOMEM, "out of memory");
    pthread_mutex_lock(&v->lock);
    rc = vo__be_tenant_get(v, tenant, t);
    if (rc == VO_ENOTFOUND)
        rc = tenant_not_found(tenant);
    vo__audit_rec e;
    vo__audit_event(v, &e, tenant, "", "tenant.get", rc);
    int arc = vo__audit_queue(v, &e, true);
    if (rc == VO_OK)
        rc = arc;
    pthread_mutex_unlock(&v->lock);
    if (rc != VO_OK) {
        free(t);
        return rc;
    }
    return vo__tenant_list_from(out, t, 1);
}

int vo_vault_tenant_list(vo_tenant_list **out, vo_vault *v, const char *after, size_t limit)
{
    int rc;
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_vault_tenant_list: out is NULL");
    *out = NULL;
    if ((rc = need_vault(v, "vo_vault_tenant_list")) != VO_OK)
        return rc;
    if (after && *after && (rc = vo__check_tenant(after)) != VO_OK)
        return rc;
    vo__tenant_rec *recs = NULL;
    size_t n = 0;
    /* Reserved tenants are hidden: fetch a few more so a page is still full. */
    bool hide = !vo__vault_reserved_enter();
    vo__vault_reserved_leave(!hide);
    size_t fetch = limit && hide ? limit + 8 : limit;
    pthread_mutex_lock(&v->lock);
    rc = vo__be_tenant_list(v, after, NULL, fetch, &recs, &n);
    if (rc == VO_OK && hide) {
        size_t kept = 0;
        for (size_t i = 0; i < n; i++)
            if (!vo__tenant_reserved(recs[i].name) && (!limit || kept < limit))
                recs[kept++] = recs[i];
        n = kept;
    }
    vo__audit_rec e;
    vo__audit_event(v, &e, "", "", "tenant.list", rc);
    int arc = vo__audit_queue(v, &e, true);
    if (rc == VO_OK)
        rc = arc;
    pthread_mutex_unlock(&v->lock);
    if (rc != VO_OK) {
        free(recs);
        return rc;
    }
    return vo__tenant_list_from(out, recs, n);
}

/* ---- secrets ------------------------------------------------------------------------ */

static int check_value(const void *value, size_t len)
{
    if (!value)
        return vo__error_set(VO_EINVAL, "secret value is NULL");
    if (len == 0)
        return vo__error_set(VO_EINVAL, "secret value is empty");
    if (len > VO_VAULT_VALUE_MAX)
        return vo__error_set(VO_ETOOBIG, "secret value is %zu bytes, at most %u allowed", len,
                             VO_VAULT_VALUE_MAX);
    return VO_OK;
}

static int check_expected(int64_t expected)
{
    if (expected < VO_VAULT_ANY_VERSION)
        return vo__error_set(VO_EINVAL, "expected_version must be -1 (any), 0 (absent) or a "
                                        "version number");
    return VO_OK;
}

int vo__secret_put_tx(vo_vault *v, vo__tenant_rec *t, const char *name, const void *value,
                      size_t len, int64_t expected, int64_t *out_version)
{
    vo__head_rec h;
    int rc = v->ops->head_get(v->be, t->tid, name, &h);
    bool exists = rc == VO_OK && !h.deleted;
    if (rc == VO_ENOTFOUND) {
        memset(&h, 0, sizeof(h));
        h.tid = t->tid;
        vo__strlcpy(h.name, name, sizeof(h.name));
        h.deleted = 1;
        rc = VO_OK;
    }
    if (rc != VO_OK)
        return rc;
    if (expected == 0 && exists)
        return vo__error_set(VO_ECONFLICT,
                             "secret '%s' of tenant '%s' already exists (version %lld)", name,
                             t->name, (long long)h.latest);
    if (expected > 0 && (!exists || h.latest != expected)) {
        if (!exists)
            return vo__error_set(VO_ECONFLICT,
                                 "secret '%s' of tenant '%s' does not exist (expected version "
                                 "%lld)",
                                 name, t->name, (long long)expected);
        return vo__error_set(VO_ECONFLICT,
                             "secret '%s' of tenant '%s' is at version %lld, not %lld", name,
                             t->name, (long long)h.latest, (long long)expected);
    }
    const unsigned char *dek;
    if ((rc = vo__tenant_dek(v, t, &dek)) != VO_OK)
        return rc;
    vo__secret_rec m;
    memset(&m, 0, sizeof(m));
    vo__strlcpy(m.name, name, sizeof(m.name));
    m.version = h.latest + 1;
    m.dek_gen = t->dek_gen;
    m.created_ms = vo__now_ms();
    rc = vo__seal_secret(v, t->name, &m, dek, value, len, &v->ct);
    if (rc != VO_OK)
        return rc;
    m.ct = (unsigned char *)v->ct.data;
    m.ct_len = v->ct.len;
    rc = v->ops->secret_insert(v->be, t->tid, &m);
    if (rc == VO_OK && m.version > v->kept_versions)
        rc = v->ops->secret_prune(v->be, t->tid, name, m.version - v->kept_versions + 1);
    if (rc == VO_OK) {
        if (!exists)
            h.created_ms = m.created_ms;
        h.latest = m.version;
        h.deleted = 0;
        h.updated_ms = m.created_ms;
        rc = v->ops->head_put(v->be, &h);
    }
    if (rc == VO_OK && out_version)
        *out_version = m.version;
    return rc;
}

int vo_vault_secret_put(int64_t *out_version, vo_vault *v, const char *tenant, const char *name,
                        const void *value, size_t value_len, int64_t expected_version)
{
    int rc;
    if (out_version)
        *out_version = 0;
    if ((rc = need_vault(v, "vo_vault_secret_put")) != VO_OK ||
        (rc = vo__check_tenant(tenant)) != VO_OK || (rc = vo__check_name(name)) != VO_OK ||
        (rc = check_value(value, value_len)) != VO_OK ||
        (rc = check_expected(expected_version)) != VO_OK)
        return rc;
    pthread_mutex_lock(&v->lock);
    rc = vo__write_begin(v);
    if (rc == VO_OK) {
        vo__tenant_rec t;
        rc = vo__be_tenant_get(v, tenant, &t);
        if (rc == VO_ENOTFOUND)
            rc = tenant_not_found(tenant);
        int64_t ver = 0;
        if (rc == VO_OK)
            rc = vo__secret_put_tx(v, &t, name, value, value_len, expected_version, &ver);
        if (rc == VO_OK) {
            vo__audit_rec e;
            vo__audit_event(v, &e, tenant, name, "secret.put", VO_OK);
            rc = vo__audit_write_tx(v, &e);
        }
        rc = vo__write_end(v, rc);
        if (rc == VO_OK && out_version)
            *out_version = ver;
    }
    if (rc != VO_OK)
        vo__audit_failure(v, tenant, name, "secret.put", rc);
    pthread_mutex_unlock(&v->lock);
    return rc;
}

/* A secret record read before taking the lock, through the backend's shared read path (the
 * PostgreSQL connection pool), so that the reads of one handle run in parallel. rc
 * VO_EUNSUPPORTED: nothing read (SQLite), secret_read_locked() reads under the lock. */
typedef struct prefetch {
    int rc;
    vo__tenant_rec t;
    vo__secret_rec m;
    vo__buf ct;
} prefetch;

static void prefetch_read(vo_vault *v, const char *tenant, const char *name, int64_t version,
                          prefetch *pre)
{
    vo__buf empty = VO__BUF_INIT;
    pre->ct = empty;
    pre->rc = vo__be_secret_read_shared(v, tenant, name, version, &pre->t, &pre->m, &pre->ct);
}

/* Read (unless prefetched) + decrypt into dst (capacity cap). Caller holds the lock. */
static int secret_read_locked(vo_vault *v, const char *tenant, const char *name,
                              int64_t version, unsigned char *dst, size_t cap, size_t *out_len,
                              int64_t *out_version, prefetch *pre)
{
    vo__tenant_rec t;
    vo__secret_rec m;
    vo__buf *ct = &v->ct;
    int rc;
    if (pre && pre->rc != VO_EUNSUPPORTED) {
        rc = pre->rc;
        t = pre->t;
        m = pre->m;
        ct = &pre->ct;
    } else {
        rc = vo__be_secret_read(v, tenant, name, version, &t, &m, &v->ct);
    }
    if (rc == VO_ENOTFOUND) {
        vo__tenant_rec probe;
        int g = vo__be_tenant_get(v, tenant, &probe);
        if (g == VO_ENOTFOUND)
            return tenant_not_found(tenant);
        if (g != VO_OK)
            return g;
        if (version > 0)
            return vo__error_set(VO_ENOTFOUND, "secret '%s' of tenant '%s' has no version %lld",
                                 name, tenant, (long long)version);
        return vo__error_set(VO_ENOTFOUND, "no secret '%s' for tenant '%s'", name, tenant);
    }
    if (rc != VO_OK)
        return rc;
    if (m.dek_gen != t.dek_gen)
        return vo__error_set(VO_ECRYPTO,
                             "secret '%s' of tenant '%s' version %lld refers to data key "
                             "generation %lld, the tenant has %lld (tampered record)",
                             name, tenant, (long long)m.version, (long long)m.dek_gen,
                             (long long)t.dek_gen);
    if (ct->len < VO__SEAL_OVERHEAD)
        return vo__error_set(VO_ECRYPTO, "secret '%s' of tenant '%s': truncated record", name,
                             tenant);
    size_t plen = ct->len - VO__SEAL_OVERHEAD;
    *out_len = plen;
    if (plen > cap)
        return vo__error_set(VO_ERANGE, "buffer too small for the secret (%zu bytes needed)",
                             plen);
    const unsigned char *dek;
    if ((rc = vo__tenant_dek(v, &t, &dek)) != VO_OK)
        return rc;
    rc = vo__open_secret(v, tenant, &m, dek, (const unsigned char *)ct->data, ct->len, dst,
                         out_len);
    if (rc == VO_OK && out_version)
        *out_version = m.version;
    return rc;
}

static int read_args(const vo_vault *v, const char *fn, const char *tenant, const char *name,
                     int64_t version)
{
    int rc;
    if ((rc = need_vault(v, fn)) != VO_OK || (rc = vo__check_tenant(tenant)) != VO_OK ||
        (rc = vo__check_name(name)) != VO_OK)
        return rc;
    if (version < 0)
        return vo__error_set(VO_EINVAL, "version must be 0 (latest) or a version number");
    return VO_OK;
}

int vo_vault_secret_get(vo_secret **out, int64_t *out_version, vo_vault *v, const char *tenant,
                        const char *name, int64_t version)
{
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_vault_secret_get: out is NULL");
    *out = NULL;
    if (out_version)
        *out_version = 0;
    int rc = read_args(v, "vo_vault_secret_get", tenant, name, version);
    if (rc != VO_OK)
        return rc;
    prefetch pre;
    prefetch_read(v, tenant, name, version, &pre);
    pthread_mutex_lock(&v->lock);
    size_t len = 0;
    int64_t ver = 0;
    rc = secret_read_locked(v, tenant, name, version, v->scratch, VO_VAULT_VALUE_MAX, &len,
                            &ver, &pre);
    vo__buf_free(&pre.ct, false);
    if (rc == VO_OK) {
        rc = vo_secret_new(out, v->scratch, len);
        sodium_memzero(v->scratch, len);
    }
    int arc = vo__audit_read(v, tenant, name, "secret.get", rc);
    pthread_mutex_unlock(&v->lock);
    if (rc == VO_OK && arc != VO_OK) {
        vo_secret_free(*out);
        *out = NULL;
        return arc;
    }
    if (rc == VO_OK && out_version)
        *out_version = ver;
    return rc;
}

int vo_vault_secret_get_into(unsigned char *buf, size_t buf_size, size_t *out_len,
                             int64_t *out_version, vo_vault *v, const char *tenant,
                             const char *name, int64_t version)
{
    if (out_len)
        *out_len = 0;
    if (out_version)
        *out_version = 0;
    if (!buf && buf_size)
        return vo__error_set(VO_EINVAL, "vo_vault_secret_get_into: buf is NULL");
    int rc = read_args(v, "vo_vault_secret_get_into", tenant, name, version);
    if (rc != VO_OK)
        return rc;
    prefetch pre;
    prefetch_read(v, tenant, name, version, &pre);
    pthread_mutex_lock(&v->lock);
    size_t len = 0;
    int64_t ver = 0;
    rc = secret_read_locked(v, tenant, name, version, buf, buf_size, &len, &ver, &pre);
    vo__buf_free(&pre.ct, false);
    if (rc == VO_OK && len < buf_size)
        buf[len] = 0;
    int arc = vo__audit_read(v, tenant, name, "secret.get", rc);
    pthread_mutex_unlock(&v->lock);
    if (out_len)
        *out_len = len;
    if (rc == VO_OK && arc != VO_OK) {
        sodium_memzero(buf, len);
        return arc;
    }
    if (rc == VO_OK && out_version)
        *out_version = ver;
    return rc;
}

int vo__secret_latest_tx(vo_vault *v, const vo__tenant_rec *t, const char *name, size_t *len)
{
    int64_t ver;
    return secret_read_locked(v, t->name, name, 0, v->scratch, VO_VAULT_VALUE_MAX, len, &ver,
                              NULL);
}

int vo_vault_secret_delete(vo_vault *v, const char *tenant, const char *name,
                           int64_t expected_version)
{
    int rc;
    if ((rc = need_vault(v, "vo_vault_secret_delete")) != VO_OK ||
        (rc = vo__check_tenant(tenant)) != VO_OK || (rc = vo__check_name(name)) != VO_OK)
        return rc;
    if (expected_version == 0 || expected_version < VO_VAULT_ANY_VERSION)
        return vo__error_set(VO_EINVAL,
                             "expected_version must be -1 (any) or a version number");
    pthread_mutex_lock(&v->lock);
    rc = vo__write_begin(v);
    if (rc == VO_OK) {
        vo__tenant_rec t;
        vo__head_rec h;
        rc = vo__be_tenant_get(v, tenant, &t);
        if (rc == VO_ENOTFOUND)
            rc = tenant_not_found(tenant);
        if (rc == VO_OK) {
            rc = v->ops->head_get(v->be, t.tid, name, &h);
            if (rc == VO_ENOTFOUND || (rc == VO_OK && h.deleted))
                rc =
                    vo__error_set(VO_ENOTFOUND, "no secret '%s' for tenant '%s'", name, tenant);
        }
        if (rc == VO_OK && expected_version > 0 && h.latest != expected_version)
            rc = vo__error_set(VO_ECONFLICT,
                               "secret '%s' of tenant '%s' is at version %lld, not %lld", name,
                               tenant, (long long)h.latest, (long long)expected_version);
        if (rc == VO_OK)
            rc = v->ops->secret_delete_all(v->be, t.tid, name);
        if (rc == VO_OK) {
            h.deleted = 1;
            h.updated_ms = vo__now_ms();
            rc = v->ops->head_put(v->be, &h);
        }
        if (rc == VO_OK) {
            vo__audit_rec e;
            vo__audit_event(v, &e, tenant, name, "secret.delete", VO_OK);
            rc = vo__audit_write_tx(v, &e);
        }
        rc = vo__write_end(v, rc);
    }
    if (rc != VO_OK)
        vo__audit_failure(v, tenant, name, "secret.delete", rc);
    pthread_mutex_unlock(&v->lock);
    return rc;
}

int vo_vault_secret_list(vo_secret_list **out, vo_vault *v, const char *tenant)
{
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_vault_secret_list: out is NULL");
    *out = NULL;
    int rc;
    if ((rc = need_vault(v, "vo_vault_secret_list")) != VO_OK ||
        (rc = vo__check_tenant(tenant)) != VO_OK)
        return rc;
    vo__head_rec *recs = NULL;
    size_t n = 0;
    pthread_mutex_lock(&v->lock);
    rc = v->ops->begin(v->be, false);
    if (rc == VO_OK) {
        vo__tenant_rec t;
        rc = vo__be_tenant_get(v, tenant, &t);
        if (rc == VO_ENOTFOUND)
            rc = tenant_not_found(tenant);
        if (rc == VO_OK)
            rc = v->ops->head_list(v->be, t.tid, &recs, &n);
        v->ops->rollback(v->be);
    }
    vo__audit_rec e;
    vo__audit_event(v, &e, tenant, "", "secret.list", rc);
    int arc = vo__audit_queue(v, &e, true);
    if (rc == VO_OK)
        rc = arc;
    pthread_mutex_unlock(&v->lock);
    if (rc != VO_OK) {
        free(recs);
        return rc;
    }
    return vo__secret_list_from(out, recs, n);
}

/* ---- backup ------------------------------------------------------------------------- */

int vo__sqlite_restore(const char *backup_path, const char *dest_path);

int vo_vault_backup(vo_vault *v, const char *dest_path)
{
    int rc;
    if ((rc = need_vault(v, "vo_vault_backup")) != VO_OK)
        return rc;
    if (!dest_path || !*dest_path)
        return vo__error_set(VO_EINVAL, "vo_vault_backup: destination path is NULL or empty");
    pthread_mutex_lock(&v->lock);
    rc = vo__audit_flush_locked(v);
    if (rc == VO_OK) {
        /* Audit the backup before copying, so the copy's chain includes it. */
        rc = vo__write_begin(v);
        if (rc == VO_OK) {
            vo__audit_rec e;
            vo__audit_event(v, &e, "", "", "vault.backup", VO_OK);
            rc = vo__audit_write_tx(v, &e);
            rc = vo__write_end(v, rc);
        }
    }
    if (rc == VO_OK)
        rc = v->ops->backup(v->be, dest_path);
    if (rc != VO_OK)
        vo__audit_failure(v, "", "", "vault.backup", rc);
    pthread_mutex_unlock(&v->lock);
    return rc;
}

int vo_vault_restore(const char *backup_path, const char *dest_path)
{
    if (!backup_path || !*backup_path || !dest_path || !*dest_path)
        return vo__error_set(VO_EINVAL, "vo_vault_restore: paths must not be NULL or empty");
    int rc = vo__require_init();
    if (rc != VO_OK)
        return rc;
#ifdef VO_HAVE_POSTGRES
    if (vo__pg_location(dest_path) || vo__pg_location(backup_path))
        return vo__error_set(VO_EUNSUPPORTED, "vo_vault_restore: restores SQLite vault files; "
                                              "copy into or out of PostgreSQL with "
                                              "vo_vault_copy()");
#endif
    if (strncmp(dest_path, "sqlite:", 7) == 0)
        dest_path += 7;
    if (strncmp(backup_path, "sqlite:", 7) == 0)
        backup_path += 7;
    return vo__sqlite_restore(backup_path, dest_path);
}
