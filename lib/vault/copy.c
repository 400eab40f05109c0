/*
 * Copying a vault between storage backends (SQLite -> PostgreSQL and back): every record is
 * moved as stored. Wrapped keys and ciphertexts are bound to the vault id, tenant names,
 * secret names and versions (never to backend row ids), so they open unchanged in the new
 * store; the audit chain (same vault id, same rows) verifies there too.
 */
#include <stdlib.h>
#include <string.h>

#include "vault_internal.h"

#define COPY_AUDIT_PAGE 1000

static int copy_meta(const vo__backend_ops *so, vo__backend *s, const vo__backend_ops *dops,
                     vo__backend *d)
{
    char **keys = NULL;
    size_t n = 0;
    int rc = so->meta_keys(s, &keys, &n);
    vo__buf val = VO__BUF_INIT;
    for (size_t i = 0; rc == VO_OK && i < n; i++) {
        rc = so->meta_get(s, keys[i], &val);
        if (rc == VO_OK)
            rc = dops->meta_set(d, keys[i], val.data, val.len);
    }
    vo__buf_free(&val, false);
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
    return rc;
}

static int copy_keks(const vo__backend_ops *so, vo__backend *s, const vo__backend_ops *dops,
                     vo__backend *d)
{
    vo__kek_rec *keks = NULL;
    size_t n = 0;
    int rc = so->kek_list(s, &keks, &n);
    for (size_t i = 0; rc == VO_OK && i < n; i++)
        rc = dops->kek_insert(d, &keks[i]);
    free(keks);
    return rc;
}

static int copy_tenant(const vo__backend_ops *so, vo__backend *s, const vo__backend_ops *dops,
                       vo__backend *d, const vo__tenant_rec *src)
{
    vo__tenant_rec t = *src;
    int rc = dops->tenant_insert(d, &t); /* a new tid: nothing is bound to it */
    vo__head_rec *heads = NULL;
    size_t nh = 0;
    if (rc == VO_OK)
        rc = so->head_list(s, src->tid, &heads, &nh);
    for (size_t i = 0; rc == VO_OK && i < nh; i++) {
        heads[i].tid = t.tid;
        heads[i].deleted = 0;
        rc = dops->head_put(d, &heads[i]);
    }
    free(heads);
    vo__secret_rec *rows = NULL;
    size_t nr = 0;
    if (rc == VO_OK)
        rc = so->secret_rows(s, src->tid, &rows, &nr);
    for (size_t i = 0; rc == VO_OK && i < nr; i++)
        rc = dops->secret_insert(d, t.tid, &rows[i]);
    vo__secret_rows_free(rows, nr);
    return rc;
}

static int copy_audit(const vo__backend_ops *so, vo__backend *s, const vo__backend_ops *dops,
                      vo__backend *d, int64_t *count)
{
    vo__audit_filter f;
    memset(&f, 0, sizeof(f));
    f.limit = COPY_AUDIT_PAGE;
    int rc = VO_OK;
    *count = 0;
    for (;;) {
        vo__audit_rec *recs = NULL;
        size_t n = 0;
        rc = so->audit_query(s, &f, &recs, &n);
        for (size_t i = 0; rc == VO_OK && i < n; i++)
            rc = dops->audit_insert(d, &recs[i]);
        if (rc == VO_OK && n > 0)
            f.after_seq = recs[n - 1].seq;
        free(recs);
        if (rc != VO_OK)
            return rc;
        *count += (int64_t)n;
        if (n < COPY_AUDIT_PAGE)
            return VO_OK;
    }
}

int vo__backend_copy(const vo__backend_ops *so, vo__backend *s, const vo__backend_ops *dops,
                     vo__backend *d, int64_t *audit_rows)
{
    int rc = so->begin(s, false);
    if (rc != VO_OK)
        return rc;
    rc = dops->begin(d, true);
    if (rc != VO_OK) {
        so->rollback(s);
        return rc;
    }
    vo__buf probe = VO__BUF_INIT;
    int g = dops->meta_get(d, "vault_id", &probe);
    vo__buf_free(&probe, false);
    if (g == VO_OK)
        rc = vo__error_set(VO_EEXISTS, "the destination already holds a vault");
    else if (g != VO_ENOTFOUND)
        rc = g;
    if (rc == VO_OK)
        rc = copy_meta(so, s, dops, d);
    if (rc == VO_OK)
        rc = copy_keks(so, s, dops, d);
    vo__tenant_rec *tenants = NULL;
    size_t nt = 0;
    if (rc == VO_OK)
        rc = so->tenant_list(s, NULL, NULL, 0, &tenants, &nt);
    for (size_t i = 0; rc == VO_OK && i < nt; i++)
        rc = copy_tenant(so, s, dops, d, &tenants[i]);
    free(tenants);
    int64_t n = 0;
    if (rc == VO_OK)
        rc = copy_audit(so, s, dops, d, &n);
    so->rollback(s); /* end the read snapshot */
    if (rc == VO_OK)
        rc = dops->commit(d);
    if (rc != VO_OK) {
        dops->rollback(d);
        return rc;
    }
    if (audit_rows)
        *audit_rows = n;
    return VO_OK;
}

/* Open a vault that must exist, with the caller's options. */
static int open_existing(vo_vault **out, const char *uri, const vo_vault_options *opts)
{
    vo_vault_options o;
    int rc = vo__struct_copy(&vo_vault_options_info_, "vo_vault_copy", &o, opts);
    if (rc != VO_OK)
        return rc;
    o.no_create = 1;
    return vo_vault_open(out, uri, &o);
}

int vo_vault_copy(const char *dest_uri, const char *src_uri, const vo_vault_options *opts)
{
    if (!dest_uri || !*dest_uri || !src_uri || !*src_uri)
        return vo__error_set(VO_EINVAL, "vo_vault_copy: URIs must not be NULL or empty");
    if (!opts)
        return vo__error_set(VO_EINVAL, "vo_vault_copy: options with a keyring are required");
    int rc = vo__require_init();
    if (rc != VO_OK)
        return rc;
    const vo__backend_ops *dops = NULL;
    const char *dloc = NULL;
    if ((rc = vo__vault_parse_uri(dest_uri, &dops, &dloc)) != VO_OK)
        return rc;
    /* The source opens as a vault: the keyring must match it and its chain must verify. */
    vo_vault *src = NULL;
    if ((rc = open_existing(&src, src_uri, opts)) != VO_OK)
        return rc;
    int64_t src_rows = 0;
    rc = vo_vault_audit_verify(&src_rows, NULL, NULL, src);
    vo__backend *dst = NULL;
    if (rc == VO_OK) {
        vo__backend_config cfg = {5000, 1};
        rc = dops->open(&dst, dloc, &cfg);
    }
    int64_t copied = 0;
    if (rc == VO_OK) {
        pthread_mutex_lock(&src->lock);
        rc = vo__audit_flush_locked(src);
        /* Record the copy in the source's chain first, so the copy carries it too. */
        if (rc == VO_OK)
            rc = vo__write_begin(src);
        if (rc == VO_OK) {
            vo__audit_rec e;
            vo__audit_event(src, &e, "", dops->name, "vault.copy", VO_OK);
            rc = vo__write_end(src, vo__audit_write_tx(src, &e));
        }
        if (rc == VO_OK)
            rc = vo__backend_copy(src->ops, src->be, dops, dst, &copied);
        if (rc != VO_OK)
            vo__audit_failure(src, "", dops->name, "vault.copy", rc);
        pthread_mutex_unlock(&src->lock);
    }
    if (dst)
        dops->close(dst);
    vo_vault_close(src);
    if (rc != VO_OK)
        return rc;
    /* The copy opens with the same keys and its chain verifies, row for row. */
    vo_vault *check = NULL;
    if ((rc = open_existing(&check, dest_uri, opts)) != VO_OK)
        return rc;
    int64_t rows = 0, bad = 0;
    rc = vo_vault_audit_verify(&rows, &bad, NULL, check);
    vo_vault_close(check);
    if (rc != VO_OK)
        return rc;
    if (rows < copied)
        return vo__error_set(VO_ECRYPTO,
                             "vo_vault_copy: the copy's audit chain has %lld rows, %lld were "
                             "copied",
                             (long long)rows, (long long)copied);
    vo__log(VO_LOG_INFO, "vault", "copied a vault to the %s backend (%lld audit rows verified)",
            dops->name, (long long)rows);
    return VO_OK;
}
