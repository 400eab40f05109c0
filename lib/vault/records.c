/*
 * The backend boundary: every record read through the backend vtable passes here before
 * any crypto, key-provider callback or copy sees it. Someone who can write the vault file
 * (or the database of another backend) controls every stored byte; sizes outside what the
 * vault itself writes are tampering (VO_ECRYPTO naming the record), never a buffer size
 * taken at face value. The checks live in the vault layer, so every backend gets them.
 */
#include <stdlib.h>
#include <string.h>

#include "vault_internal.h"

/* Smallest and largest sealed secret: 1 to VO_VAULT_VALUE_MAX bytes of plaintext. */
#define CT_MIN (VO__SEAL_OVERHEAD + 1)
#define CT_MAX (VO__SEAL_OVERHEAD + VO_VAULT_VALUE_MAX)

static int check_wrapped(const vo__tenant_rec *t)
{
    if (t->wrapped_len == 0 || t->wrapped_len > VO_VAULT_WRAPPED_MAX)
        return vo__error_set(
            VO_ECRYPTO, "tenant '%s': stored data key is %s %d bytes (tampered record)",
            t->name, t->wrapped_len ? "larger than" : "empty, at most", VO_VAULT_WRAPPED_MAX);
    return VO_OK;
}

static int check_ct(const char *tenant, const vo__secret_rec *s, size_t len)
{
    if (len < CT_MIN || len > CT_MAX)
        return vo__error_set(VO_ECRYPTO,
                             "secret '%s' of tenant '%s' version %lld: stored record is %zu "
                             "bytes, outside %d-%u (tampered record)",
                             s->name, tenant, (long long)s->version, len, (int)CT_MIN,
                             (unsigned)CT_MAX);
    return VO_OK;
}

int vo__be_meta_get(vo_vault *v, const char *key, vo__buf *out)
{
    int rc = v->ops->meta_get(v->be, key, out);
    if (rc != VO_OK)
        return rc;
    bool ok = true;
    if (strcmp(key, "audit_key") == 0)
        ok = out->len > 0 && out->len <= VO_VAULT_WRAPPED_MAX;
    else if (strcmp(key, "vault_id") == 0)
        ok = out->len == 32 && strlen(out->data) == 32;
    else if (strcmp(key, "audit_kek") == 0 || strcmp(key, "rotation_target") == 0)
        ok = out->len > 0 && out->len <= VO_VAULT_KEK_ID_MAX && strlen(out->data) == out->len;
    if (!ok) {
        out->len = 0;
        return vo__error_set(VO_ECRYPTO,
                             "vault record '%s'%s has an invalid size (tampered "
                             "record)",
                             key,
                             strcmp(key, "audit_key") == 0 ? " (the wrapped audit key)" : "");
    }
    return VO_OK;
}

int vo__be_kek_get(vo_vault *v, const char *kek_id, vo__kek_rec *r)
{
    int rc = v->ops->kek_get(v->be, kek_id, r);
    if (rc != VO_OK)
        return rc;
    if (r->check_len == 0 || r->check_len > VO_VAULT_WRAPPED_MAX)
        return vo__error_set(
            VO_ECRYPTO, "KEK '%s': stored check value is %s %d bytes (tampered record)", kek_id,
            r->check_len ? "larger than" : "empty, at most", VO_VAULT_WRAPPED_MAX);
    if (r->kind == VO__KEK_PASSPHRASE ? r->salt_len != VO__SALT_SIZE : r->salt_len != 0)
        return vo__error_set(VO_ECRYPTO,
                             "KEK '%s': stored Argon2id salt has the wrong size (tampered "
                             "record)",
                             kek_id);
    return VO_OK;
}

int vo__be_tenant_get(vo_vault *v, const char *name, vo__tenant_rec *t)
{
    int rc = v->ops->tenant_get(v->be, name, t);
    return rc == VO_OK ? check_wrapped(t) : rc;
}

int vo__be_tenant_list(vo_vault *v, const char *after, const char *not_kek, size_t limit,
                       vo__tenant_rec **out, size_t *n)
{
    int rc = v->ops->tenant_list(v->be, after, not_kek, limit, out, n);
    for (size_t i = 0; rc == VO_OK && i < *n; i++)
        rc = check_wrapped(&(*out)[i]);
    if (rc != VO_OK && rc != VO_ENOTFOUND) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int vo__be_secret_read(vo_vault *v, const char *tenant, const char *name, int64_t version,
                       vo__tenant_rec *t, vo__secret_rec *s, vo__buf *ct)
{
    int rc = v->ops->secret_read(v->be, tenant, name, version, t, s, ct);
    if (rc == VO_OK)
        rc = check_wrapped(t);
    if (rc == VO_OK)
        rc = check_ct(tenant, s, ct->len);
    return rc;
}

int vo__be_secret_read_shared(vo_vault *v, const char *tenant, const char *name,
                              int64_t version, vo__tenant_rec *t, vo__secret_rec *s,
                              vo__buf *ct)
{
    if (!v->ops->secret_read_shared)
        return VO_EUNSUPPORTED;
    int rc = v->ops->secret_read_shared(v->be, tenant, name, version, t, s, ct);
    if (rc == VO_OK)
        rc = check_wrapped(t);
    if (rc == VO_OK)
        rc = check_ct(tenant, s, ct->len);
    return rc;
}

int vo__be_secret_rows(vo_vault *v, const char *tenant, int64_t tid, vo__secret_rec **out,
                       size_t *n)
{
    int rc = v->ops->secret_rows(v->be, tid, out, n);
    for (size_t i = 0; rc == VO_OK && i < *n; i++)
        rc = check_ct(tenant, &(*out)[i], (*out)[i].ct_len);
    if (rc != VO_OK) {
        vo__secret_rows_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}
