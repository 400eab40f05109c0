/*
 * The seen-request store: one atomic "insert if absent, else return the entry" per request,
 * behind the backend interface, so every process (every server, with a shared database)
 * agrees on which sighting of a webhook came first. Only keyed digests and times are
 * stored: key = BLAKE2b-256 keyed with the seen key over (tenant, scope, id), mark likewise;
 * the seen key is derived from the audit key (stored only wrapped by a KEK) and the vault
 * id, and lives on the stack for the duration of a call.
 */
#include <string.h>

#include "vault_internal.h"

/* Expired rows deleted by each put, in its transaction: more than one per insert, so a
 * backlog shrinks under steady load while the cost per request stays bounded. */
#define PRUNE_PER_PUT 8
#define PRUNE_DEFAULT 1000

/* key: a digest over (purpose, tenant, scope, data); the caller holds v->lock. */
static void seen_digest(const vo_vault *v, const char *purpose, const char *tenant,
                        const char *scope, const void *data, size_t len,
                        unsigned char out[VO__MAC_SIZE])
{
    /* the seen key: never stored, derived per call from the audit key and the vault id */
    unsigned char k[32];
    static const char label[] = "voiceops.seen-key.v1";
    const void *kp[] = {label, v->vault_id};
    const size_t kl[] = {sizeof(label) - 1, strlen(v->vault_id)};
    vo__digest_parts(k, sizeof(k), v->audit_key, VO_VAULT_KEY_SIZE, kp, kl, 2);
    const void *p[] = {purpose, tenant, scope, data};
    const size_t l[] = {strlen(purpose), strlen(tenant), strlen(scope), len};
    vo__digest_parts(out, VO__MAC_SIZE, k, sizeof(k), p, l, 4);
    sodium_memzero(k, sizeof(k));
}

static int need_store(vo_vault *v, const char *fn)
{
    VO__HANDLE_CHECK(v, VO__H_VAULT, fn);
    if (!v)
        return vo__error_set(VO_EINVAL, "%s: vault is NULL", fn);
    if (!v->ops->seen_insert || !v->ops->seen_prune || !v->ops->seen_count)
        return vo__error_set(VO_EUNSUPPORTED, "%s: the %s vault backend has no seen store", fn,
                             v->ops->name);
    return VO_OK;
}

static int check_scope(const char *scope)
{
    size_t n = scope ? strlen(scope) : 0;
    if (n == 0 || n > VO_VAULT_SEEN_SCOPE_MAX)
        return vo__error_set(VO_EINVAL, "vo_vault_seen_put: scope must be 1-%d characters",
                             VO_VAULT_SEEN_SCOPE_MAX);
    for (size_t i = 0; i < n; i++) {
        char c = scope[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-'))
            return vo__error_set(VO_EINVAL,
                                 "vo_vault_seen_put: scope may contain only a-z 0-9 . _ -");
    }
    return VO_OK;
}

int vo_vault_seen_put(int64_t *out_seen_at_ms, int *out_same_mark, vo_vault *v,
                      const char *tenant, const char *scope, const void *id, size_t id_len,
                      const void *mark, size_t mark_len, int64_t now_ms, int64_t expires_at_ms)
{
    if (out_seen_at_ms)
        *out_seen_at_ms = 0;
    if (out_same_mark)
        *out_same_mark = 0;
    int rc = need_store(v, "vo_vault_seen_put");
    if (rc != VO_OK)
        return rc;
    if (!tenant || !id || id_len == 0 || (!mark && mark_len))
        return vo__error_set(VO_EINVAL, "vo_vault_seen_put: %s is NULL or empty",
                             !tenant       ? "tenant"
                             : !id         ? "id"
                             : id_len == 0 ? "id"
                                           : "mark");
    if ((rc = vo__check_tenant(tenant)) != VO_OK || (rc = check_scope(scope)) != VO_OK)
        return rc;
    if (now_ms <= 0 || expires_at_ms <= now_ms)
        return vo__error_set(VO_EINVAL,
                             "vo_vault_seen_put: now_ms must be positive and expires_at_ms "
                             "later than now_ms");
    vo__seen_rec rec, old;
    memset(&rec, 0, sizeof(rec));
    rec.seen_ms = now_ms;
    rec.expires_ms = expires_at_ms;
    pthread_mutex_lock(&v->lock);
    seen_digest(v, "id", tenant, scope, id, id_len, rec.key);
    seen_digest(v, "mark", tenant, scope, mark ? mark : "", mark_len, rec.mark);
    rc = v->ops->begin(v->be, true);
    if (rc == VO_OK) {
        rc = v->ops->seen_insert(v->be, &rec, now_ms, &old);
        int64_t removed = 0;
        int prc = rc == VO_OK || rc == VO_EEXISTS
                      ? v->ops->seen_prune(v->be, now_ms, PRUNE_PER_PUT, &removed)
                      : VO_OK;
        if (prc != VO_OK)
            rc = prc;
        if (rc == VO_OK || rc == VO_EEXISTS) {
            int crc = v->ops->commit(v->be);
            if (crc != VO_OK) {
                v->ops->rollback(v->be);
                rc = crc;
            }
        } else {
            v->ops->rollback(v->be);
        }
    }
    pthread_mutex_unlock(&v->lock);
    if (rc == VO_OK) {
        if (out_seen_at_ms)
            *out_seen_at_ms = now_ms;
    } else if (rc == VO_EEXISTS) {
        if (out_seen_at_ms)
            *out_seen_at_ms = old.seen_ms;
        if (out_same_mark)
            *out_same_mark = vo__ct_equal(old.mark, rec.mark, VO__MAC_SIZE);
        vo__error_set(VO_EEXISTS, "vo_vault_seen_put: this %s request was already seen", scope);
    }
    return rc;
}

int vo_vault_seen_prune(int64_t *out_removed, vo_vault *v, int64_t now_ms, size_t max_rows)
{
    if (out_removed)
        *out_removed = 0;
    int rc = need_store(v, "vo_vault_seen_prune");
    if (rc != VO_OK)
        return rc;
    if (now_ms <= 0)
        return vo__error_set(VO_EINVAL, "vo_vault_seen_prune: now_ms must be positive");
    if (max_rows == 0)
        max_rows = PRUNE_DEFAULT;
    if (max_rows > VO_VAULT_SEEN_PRUNE_MAX)
        max_rows = VO_VAULT_SEEN_PRUNE_MAX;
    int64_t removed = 0;
    pthread_mutex_lock(&v->lock);
    rc = v->ops->begin(v->be, true);
    if (rc == VO_OK) {
        rc = v->ops->seen_prune(v->be, now_ms, max_rows, &removed);
        if (rc == VO_OK)
            rc = v->ops->commit(v->be);
        if (rc != VO_OK)
            v->ops->rollback(v->be);
    }
    pthread_mutex_unlock(&v->lock);
    if (rc == VO_OK && out_removed)
        *out_removed = removed;
    return rc;
}

int vo_vault_seen_count(int64_t *out_count, vo_vault *v)
{
    if (out_count)
        *out_count = 0;
    int rc = need_store(v, "vo_vault_seen_count");
    if (rc != VO_OK)
        return rc;
    if (!out_count)
        return vo__error_set(VO_EINVAL, "vo_vault_seen_count: out_count is NULL");
    pthread_mutex_lock(&v->lock);
    rc = v->ops->seen_count(v->be, out_count);
    pthread_mutex_unlock(&v->lock);
    return rc;
}
