/* KEK rotation (rewrap DEKs in bounded, resumable batches), KEK retirement, tenant DEK
 * rotation (re-encrypt a tenant's secrets in one transaction). */
#include <stdlib.h>
#include <string.h>

#include "vault_internal.h"

/* Rewrap the audit key under `to` (inside a write tx). */
static int rewrap_audit_key(vo_vault *v, const vo__kek *to)
{
    const vo__kek *from = vo__keyring_find(v->kr, v->audit_kek);
    if (!from)
        return vo__error_set(VO_ECRYPTO, "the audit key's KEK '%s' is not in the keyring",
                             v->audit_kek);
    vo__ad ad;
    vo__ad_init(&ad, "voiceops.audit-key.v1");
    vo__ad_str(&ad, v->vault_id);
    vo__ad_str(&ad, to->id);
    unsigned char wrapped[VO_VAULT_WRAPPED_MAX];
    size_t wlen = 0;
    int rc = vo__kek_wrap(to, v->audit_key, ad.b, ad.n, wrapped, &wlen);
    if (rc == VO_OK)
        rc = v->ops->meta_set(v->be, "audit_key", wrapped, wlen);
    if (rc == VO_OK)
        rc = v->ops->meta_set(v->be, "audit_kek", to->id, strlen(to->id));
    (void)from;
    return rc;
}

/* Rewrap one tenant's DEK from its current KEK to `to`. */
static int rewrap_tenant(vo_vault *v, const vo__tenant_rec *t, const vo__kek *to)
{
    unsigned char dek[VO_VAULT_KEY_SIZE];
    int rc = vo__dek_unwrap(v, t, dek);
    if (rc != VO_OK)
        return rc;
    vo__ad ad;
    vo__dek_ad(v, &ad, t->name, t->created_ms, to->id, t->dek_gen);
    unsigned char wrapped[VO_VAULT_WRAPPED_MAX];
    size_t wlen = 0;
    rc = vo__kek_wrap(to, dek, ad.b, ad.n, wrapped, &wlen);
    sodium_memzero(dek, sizeof(dek));
    if (rc == VO_OK)
        rc = v->ops->tenant_set_key(v->be, t->tid, to->id, t->dek_gen, wrapped, wlen);
    return rc;
}

int vo_vault_kek_rotate(int64_t *out_remaining, vo_vault *v, const char *kek_id,
                        vo_vault_progress_fn fn, void *payload)
{
    VO__HANDLE_CHECK(v, VO__H_VAULT, "vo_vault_kek_rotate");
    if (out_remaining)
        *out_remaining = -1;
    if (!v)
        return vo__error_set(VO_EINVAL, "vo_vault_kek_rotate: vault is NULL");
    int rc;
    const vo__kek *to;
    if (kek_id) {
        if ((rc = vo__check_kek_id(kek_id)) != VO_OK)
            return rc;
        to = vo__keyring_find(v->kr, kek_id);
        if (!to)
            return vo__error_set(VO_ENOTFOUND, "KEK '%s' is not in the keyring", kek_id);
    } else {
        to = vo__active_kek(v);
    }
    if (to->retired)
        return vo__error_set(VO_EINVAL, "KEK '%s' is retired", to->id);

    int64_t total = 0, done = 0, remaining = 0;
    pthread_mutex_lock(&v->lock);
    rc = v->ops->tenant_count(v->be, to->id, true, &total);
    pthread_mutex_unlock(&v->lock);
    if (rc != VO_OK)
        return rc;
    vo__log(VO_LOG_INFO, "vault", "KEK rotation to '%s': %lld data keys to rewrap", to->id,
            (long long)total);
    for (;;) {
        pthread_mutex_lock(&v->lock);
        rc = vo__write_begin(v);
        vo__tenant_rec *batch = NULL;
        size_t n = 0;
        if (rc == VO_OK && strcmp(v->audit_kek, to->id) != 0) {
            char old[VO__ID_SIZE];
            vo__strlcpy(old, v->audit_kek, sizeof(old));
            rc = rewrap_audit_key(v, to);
            if (rc == VO_OK)
                vo__strlcpy(v->audit_kek, to->id, sizeof(v->audit_kek));
            else
                vo__strlcpy(v->audit_kek, old, sizeof(v->audit_kek));
        }
        if (rc == VO_OK)
            rc = v->ops->meta_set(v->be, "rotation_target", to->id, strlen(to->id));
        if (rc == VO_OK)
            rc = vo__be_tenant_list(v, NULL, to->id, (size_t)v->rotation_batch, &batch, &n);
        size_t i = 0;
        for (; rc == VO_OK && i < n; i++)
            rc = rewrap_tenant(v, &batch[i], to);
        char failed[VO__ID_SIZE] = "";
        if (rc != VO_OK && i > 0 && i <= n)
            vo__strlcpy(failed, batch[i - 1].name, sizeof(failed));
        bool finished = rc == VO_OK && n < (size_t)v->rotation_batch;
        if (rc == VO_OK && finished)
            rc = v->ops->meta_delete(v->be, "rotation_target");
        if (rc == VO_OK) {
            vo__audit_rec e;
            char what[VO__NAME_SIZE];
            snprintf(what, sizeof(what), "to %s: %zu keys", to->id, n);
            vo__audit_event(v, &e, "", what, "kek.rotate", VO_OK);
            rc = vo__audit_write_tx(v, &e);
        }
        rc = vo__write_end(v, rc);
        free(batch);
        if (rc != VO_OK) {
            /* Reload the audit key's KEK id: the batch that moved it may have rolled back. */
            vo__buf kek = VO__BUF_INIT;
            if (vo__be_meta_get(v, "audit_kek", &kek) == VO_OK)
                vo__strlcpy(v->audit_kek, kek.data, sizeof(v->audit_kek));
            vo__buf_free(&kek, false);
            vo__audit_failure(v, failed, to->id, "kek.rotate", rc);
            pthread_mutex_unlock(&v->lock);
            return rc;
        }
        done += (int64_t)n;
        if (finished) {
            pthread_mutex_unlock(&v->lock);
            remaining = 0;
            break;
        }
        pthread_mutex_unlock(&v->lock);
        if (fn && fn(done, total > done ? total : done, payload) != 0) {
            pthread_mutex_lock(&v->lock);
            rc = v->ops->tenant_count(v->be, to->id, true, &remaining);
            pthread_mutex_unlock(&v->lock);
            if (rc != VO_OK)
                return rc;
            break;
        }
    }
    if (remaining == 0 && fn)
        fn(done, total > done ? total : done, payload);
    if (out_remaining)
        *out_remaining = remaining;
    vo__log(VO_LOG_INFO, "vault", "KEK rotation to '%s': %lld rewrapped, %lld remaining",
            to->id, (long long)done, (long long)remaining);
    return VO_OK;
}

int vo_vault_kek_usage(int64_t *out_count, vo_vault *v, const char *kek_id)
{
    VO__HANDLE_CHECK(v, VO__H_VAULT, "vo_vault_kek_usage");
    if (!out_count || !v)
        return vo__error_set(VO_EINVAL, "vo_vault_kek_usage: NULL argument");
    *out_count = 0;
    int rc = vo__check_kek_id(kek_id);
    if (rc != VO_OK)
        return rc;
    pthread_mutex_lock(&v->lock);
    int64_t n = 0;
    rc = v->ops->tenant_count(v->be, kek_id, false, &n);
    vo__buf kek = VO__BUF_INIT;
    if (rc == VO_OK && vo__be_meta_get(v, "audit_kek", &kek) == VO_OK &&
        strcmp(kek.data, kek_id) == 0)
        n++;
    vo__buf_free(&kek, false);
    pthread_mutex_unlock(&v->lock);
    if (rc == VO_OK)
        *out_count = n;
    return rc;
}

int vo_vault_kek_retire(vo_vault *v, const char *kek_id)
{
    VO__HANDLE_CHECK(v, VO__H_VAULT, "vo_vault_kek_retire");
    if (!v)
        return vo__error_set(VO_EINVAL, "vo_vault_kek_retire: vault is NULL");
    int rc = vo__check_kek_id(kek_id);
    if (rc != VO_OK)
        return rc;
    const vo__kek *act = vo__active_kek(v);
    if (act && strcmp(act->id, kek_id) == 0)
        return vo__error_set(VO_ECONFLICT, "KEK '%s' is the active KEK of this handle", kek_id);
    pthread_mutex_lock(&v->lock);
    rc = vo__write_begin(v);
    if (rc == VO_OK) {
        vo__kek_rec r;
        int64_t n = 0;
        rc = vo__be_kek_get(v, kek_id, &r);
        if (rc == VO_ENOTFOUND)
            rc = vo__error_set(VO_ENOTFOUND, "KEK '%s' is unknown to this vault", kek_id);
        if (rc == VO_OK)
            rc = v->ops->tenant_count(v->be, kek_id, false, &n);
        if (rc == VO_OK && n > 0)
            rc = vo__error_set(VO_ECONFLICT,
                               "KEK '%s' still wraps %lld data keys: finish the rotation first",
                               kek_id, (long long)n);
        vo__buf kek = VO__BUF_INIT;
        if (rc == VO_OK && vo__be_meta_get(v, "audit_kek", &kek) == VO_OK &&
            strcmp(kek.data, kek_id) == 0)
            rc = vo__error_set(VO_ECONFLICT, "KEK '%s' still wraps the audit key", kek_id);
        vo__buf_free(&kek, false);
        if (rc == VO_OK && !r.retired_ms)
            rc = v->ops->kek_retire(v->be, kek_id, vo__now_ms());
        if (rc == VO_OK) {
            vo__audit_rec e;
            vo__audit_event(v, &e, "", kek_id, "kek.retire", VO_OK);
            rc = vo__audit_write_tx(v, &e);
        }
        rc = vo__write_end(v, rc);
    }
    if (rc == VO_OK) {
        vo__kek *k = vo__keyring_find(v->kr, kek_id);
        if (k)
            k->retired = true;
    } else {
        vo__audit_failure(v, "", kek_id, "kek.retire", rc);
    }
    pthread_mutex_unlock(&v->lock);
    return rc;
}

int vo_vault_tenant_rotate_dek(vo_vault *v, const char *tenant)
{
    VO__HANDLE_CHECK(v, VO__H_VAULT, "vo_vault_tenant_rotate_dek");
    if (!v)
        return vo__error_set(VO_EINVAL, "vo_vault_tenant_rotate_dek: vault is NULL");
    int rc = vo__check_tenant(tenant);
    if (rc != VO_OK)
        return rc;
    pthread_mutex_lock(&v->lock);
    vo__tenant_rec t;
    t.tid = 0;
    vo__secret_rec *rows = NULL;
    size_t n = 0;
    unsigned char old_dek[VO_VAULT_KEY_SIZE], new_dek[VO_VAULT_KEY_SIZE];
    rc = vo__write_begin(v);
    if (rc == VO_OK) {
        rc = vo__be_tenant_get(v, tenant, &t);
        if (rc == VO_ENOTFOUND)
            rc = vo__error_set(VO_ENOTFOUND, "no tenant '%s'", tenant);
        const unsigned char *dek = NULL;
        if (rc == VO_OK && (rc = vo__tenant_dek(v, &t, &dek)) == VO_OK)
            memcpy(old_dek, dek, sizeof(old_dek));
        if (rc == VO_OK)
            rc = vo__be_secret_rows(v, tenant, t.tid, &rows, &n);
        const vo__kek *k = vo__active_kek(v);
        int64_t gen = t.dek_gen + 1;
        randombytes_buf(new_dek, sizeof(new_dek));
        vo__buf ct = VO__BUF_INIT;
        for (size_t i = 0; rc == VO_OK && i < n; i++) {
            size_t len = 0;
            rc = vo__open_secret(v, tenant, &rows[i], old_dek, rows[i].ct, rows[i].ct_len,
                                 v->scratch, &len);
            if (rc == VO_OK && rows[i].dek_gen != t.dek_gen)
                rc = vo__error_set(VO_ECRYPTO,
                                   "secret '%s' of tenant '%s': data key generation "
                                   "mismatch",
                                   rows[i].name, tenant);
            if (rc == VO_OK) {
                rows[i].dek_gen = gen;
                rc = vo__seal_secret(v, tenant, &rows[i], new_dek, v->scratch, len, &ct);
                sodium_memzero(v->scratch, len);
            }
            if (rc == VO_OK) {
                vo__secret_rec upd = rows[i];
                upd.ct = (unsigned char *)ct.data;
                upd.ct_len = ct.len;
                rc = v->ops->secret_update(v->be, t.tid, &upd);
            }
        }
        vo__buf_free(&ct, false);
        if (rc == VO_OK) {
            vo__ad ad;
            vo__dek_ad(v, &ad, tenant, t.created_ms, k->id, gen);
            unsigned char wrapped[VO_VAULT_WRAPPED_MAX];
            size_t wlen = 0;
            rc = vo__kek_wrap(k, new_dek, ad.b, ad.n, wrapped, &wlen);
            if (rc == VO_OK)
                rc = v->ops->tenant_set_key(v->be, t.tid, k->id, gen, wrapped, wlen);
        }
        if (rc == VO_OK) {
            vo__audit_rec e;
            char what[VO__NAME_SIZE];
            snprintf(what, sizeof(what), "generation %lld, %zu records", (long long)gen, n);
            vo__audit_event(v, &e, tenant, what, "tenant.rotate_dek", VO_OK);
            rc = vo__audit_write_tx(v, &e);
        }
        rc = vo__write_end(v, rc);
        if (rc == VO_OK) {
            vo__cache_remove_tenant(&v->cache, t.tid);
            vo__cache_put(&v->cache, t.tid, gen, new_dek);
        }
    }
    sodium_memzero(old_dek, sizeof(old_dek));
    sodium_memzero(new_dek, sizeof(new_dek));
    vo__secret_rows_free(rows, n);
    if (rc != VO_OK)
        vo__audit_failure(v, tenant, "", "tenant.rotate_dek", rc);
    pthread_mutex_unlock(&v->lock);
    return rc;
}
