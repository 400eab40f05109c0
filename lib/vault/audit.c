/*
 * The audit log: rows hash-chained with HMAC-SHA256 under the audit key (random, stored
 * wrapped by a KEK like a DEK). mac[n] = HMAC(key, "voiceops.audit.v1" || mac[n-1] || seq ||
 * time || tenant || name || action || actor || correlation id || result), length-prefixed.
 * The meta record `audit_head` holds the last seq and mac to detect a truncated tail.
 */
#include <stdlib.h>
#include <string.h>

#include "vault_internal.h"

static void printable(char *dst, size_t size, const char *src)
{
    /* Audit fields are identifiers; anything else is replaced so a row stays one line. */
    size_t j = 0;
    for (size_t i = 0; src && src[i] && j + 1 < size; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[j++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    dst[j] = '\0';
}

void vo__audit_event(vo_vault *v, vo__audit_rec *e, const char *tenant, const char *name,
                     const char *action, int result)
{
    memset(e, 0, sizeof(*e));
    e->ts_ms = vo__now_ms();
    printable(e->tenant, sizeof(e->tenant), tenant);
    printable(e->name, sizeof(e->name), name);
    printable(e->action, sizeof(e->action), action);
    vo__strlcpy(e->actor, v->actor, sizeof(e->actor));
    printable(e->correlation_id, sizeof(e->correlation_id), vo_correlation_id_get());
    vo__strlcpy(e->result, result == VO_OK ? "ok" : vo_error_name(result), sizeof(e->result));
}

static void mac_str(crypto_auth_hmacsha256_state *st, const char *s)
{
    size_t n = strlen(s);
    unsigned char len[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                            (unsigned char)(n >> 8), (unsigned char)n};
    crypto_auth_hmacsha256_update(st, len, 4);
    crypto_auth_hmacsha256_update(st, (const unsigned char *)s, n);
}

/* Append a field to a row's MAC input: a string with its 4-byte big-endian length, or a
 * 64-bit big-endian integer. */
static size_t put_str(unsigned char *out, const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    out[0] = (unsigned char)(n >> 24);
    out[1] = (unsigned char)(n >> 16);
    out[2] = (unsigned char)(n >> 8);
    out[3] = (unsigned char)n;
    memcpy(out + 4, s, n);
    return 4 + n;
}

static size_t put_u64(unsigned char *out, int64_t v)
{
    uint64_t u = (uint64_t)v;
    for (int i = 7; i >= 0; i--) {
        out[i] = (unsigned char)u;
        u >>= 8;
    }
    return 8;
}

/* The keyed state with the prefix every row shares ("voiceops.audit.v1", the vault id):
 * the key schedule and the prefix are hashed once per audit key, not once per row. */
static void audit_mac_setup(vo_vault *v)
{
    crypto_auth_hmacsha256_init(v->audit_mac, v->audit_key, VO_VAULT_KEY_SIZE);
    mac_str(v->audit_mac, "voiceops.audit.v1");
    mac_str(v->audit_mac, v->vault_id);
    v->audit_mac_ready = true;
}

/* mac = HMAC(key, prefix || prev || seq || time || tenant || name || action || actor ||
 * correlation id || result): the fields encoded into one buffer, hashed in one update. */
static void row_mac(vo_vault *v, const unsigned char prev[VO__MAC_SIZE], const vo__audit_rec *a,
                    unsigned char out[VO__MAC_SIZE])
{
    if (!v->audit_mac_ready)
        audit_mac_setup(v);
    unsigned char msg[VO__MAC_SIZE + 16 + 6 * 4 + sizeof(a->tenant) + sizeof(a->name) +
                      sizeof(a->action) + sizeof(a->actor) + sizeof(a->correlation_id) +
                      sizeof(a->result)];
    size_t n = 0;
    memcpy(msg, prev, VO__MAC_SIZE);
    n += VO__MAC_SIZE;
    n += put_u64(msg + n, a->seq);
    n += put_u64(msg + n, a->ts_ms);
    n += put_str(msg + n, a->tenant, sizeof(a->tenant));
    n += put_str(msg + n, a->name, sizeof(a->name));
    n += put_str(msg + n, a->action, sizeof(a->action));
    n += put_str(msg + n, a->actor, sizeof(a->actor));
    n += put_str(msg + n, a->correlation_id, sizeof(a->correlation_id));
    n += put_str(msg + n, a->result, sizeof(a->result));
    crypto_auth_hmacsha256_state st = *v->audit_mac;
    crypto_auth_hmacsha256_update(&st, msg, n);
    crypto_auth_hmacsha256_final(&st, out);
    sodium_memzero(&st, sizeof(st));
}

static int append_one(vo_vault *v, vo__audit_rec *a, int64_t *seq, unsigned char prev[32])
{
    a->seq = ++*seq;
    row_mac(v, prev, a, a->mac);
    int rc = v->ops->audit_insert(v->be, a);
    if (rc == VO_OK)
        memcpy(prev, a->mac, VO__MAC_SIZE);
    return rc;
}

int vo__audit_write_tx(vo_vault *v, const vo__audit_rec *e)
{
    int64_t seq = 0;
    unsigned char prev[VO__MAC_SIZE] = {0};
    int rc = v->ops->audit_tail(v->be, &seq, prev);
    if (rc == VO_ENOTFOUND) {
        seq = 0;
        memset(prev, 0, sizeof(prev));
        rc = VO_OK;
    }
    for (size_t i = 0; rc == VO_OK && i < v->qn; i++)
        rc = append_one(v, &v->queue[i], &seq, prev);
    if (rc == VO_OK && e) {
        vo__audit_rec copy = *e;
        rc = append_one(v, &copy, &seq, prev);
    }
    if (rc == VO_OK) {
        unsigned char head[8 + VO__MAC_SIZE];
        uint64_t u = (uint64_t)seq;
        for (int i = 7; i >= 0; i--) {
            head[i] = (unsigned char)u;
            u >>= 8;
        }
        memcpy(head + 8, prev, VO__MAC_SIZE);
        rc = v->ops->meta_set(v->be, "audit_head", head, sizeof(head));
    }
    return rc;
}

void vo__audit_queue_committed(vo_vault *v)
{
    v->qn = 0;
}

/* relaxed: a full buffer of queued events (buffered mode), committed through the
 * backend's commit_relaxed when it has one (PostgreSQL: no wait for the WAL flush). */
static int audit_flush(vo_vault *v, bool relaxed)
{
    if (v->qn == 0)
        return VO_OK;
    int rc = v->ops->begin(v->be, true);
    if (rc != VO_OK)
        return rc;
    rc = vo__audit_write_tx(v, NULL);
    if (rc == VO_OK)
        rc = relaxed && v->ops->commit_relaxed ? v->ops->commit_relaxed(v->be)
                                               : v->ops->commit(v->be);
    if (rc != VO_OK) {
        v->ops->rollback(v->be);
        return rc;
    }
    v->qn = 0;
    return VO_OK;
}

int vo__audit_flush_locked(vo_vault *v)
{
    return audit_flush(v, false);
}

#define AUDIT_QUEUE_HARD_MAX 65536

static int queue_grow(vo_vault *v)
{
    if (v->qn < v->qcap)
        return VO_OK;
    size_t nc = v->qcap ? v->qcap * 2 : 64;
    vo__audit_rec *p = realloc(v->queue, nc * sizeof(*p));
    if (!p)
        return vo__error_set(VO_ENOMEM, "out of memory for the audit queue");
    v->queue = p;
    v->qcap = nc;
    return VO_OK;
}

int vo__audit_queue_tx(vo_vault *v, const vo__audit_rec *e)
{
    int rc = queue_grow(v);
    if (rc == VO_OK)
        v->queue[v->qn++] = *e;
    return rc;
}

int vo__audit_queue(vo_vault *v, const vo__audit_rec *e, bool is_read)
{
    if (is_read && v->audit_reads == VO_VAULT_AUDIT_READS_OFF)
        return VO_OK;
    if (v->qn >= AUDIT_QUEUE_HARD_MAX) {
        /* Storage has been failing for a long time: fail closed. */
        int rc = vo__audit_flush_locked(v);
        if (rc != VO_OK)
            return rc;
    }
    int rc = queue_grow(v);
    if (rc != VO_OK)
        return rc;
    v->queue[v->qn++] = *e;
    if (is_read && v->audit_reads == VO_VAULT_AUDIT_READS_SYNC)
        return vo__audit_flush_locked(v);
    if (v->qn >= (size_t)v->audit_buffer_rows)
        return audit_flush(v, true);
    return VO_OK;
}

int vo__audit_read(vo_vault *v, const char *tenant, const char *name, const char *action,
                   int result)
{
    if (v->audit_reads == VO_VAULT_AUDIT_READS_OFF)
        return VO_OK; /* not even the event is built */
    vo__audit_rec e;
    vo__audit_event(v, &e, tenant, name, action, result);
    return vo__audit_queue(v, &e, true);
}

int vo__audit_failure(vo_vault *v, const char *tenant, const char *name, const char *action,
                      int rc)
{
    /* Preserve the caller's error details across the queueing. */
    vo_error saved = *vo_error_last();
    char msg[VO_ERROR_MESSAGE_SIZE];
    vo__strlcpy(msg, saved.message, sizeof(msg));
    vo__audit_rec e;
    vo__audit_event(v, &e, tenant, name, action, rc);
    if (vo__audit_queue(v, &e, false) != VO_OK)
        vo__log(VO_LOG_WARN, "vault", "could not record a failed %s in the audit log", action);
    vo__error_set(rc, "%s", msg);
    return rc;
}

/* ---- public ------------------------------------------------------------------------- */

static int check_field(const char *what, const char *s, size_t max, bool allow_upper,
                       bool free_text)
{
    size_t n = strlen(s);
    if (n > max)
        return vo__error_set(VO_EINVAL, "audit %s is longer than %zu characters", what, max);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool ok = free_text ? (c >= 0x20 && c < 0x7f)
                            : ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                               c == '_' || c == '-' || (allow_upper && c >= 'A' && c <= 'Z'));
        if (!ok)
            return vo__error_set(VO_EINVAL, "audit %s contains a disallowed character", what);
    }
    return VO_OK;
}

int vo_vault_audit_append(vo_vault *v, const char *tenant, const char *name, const char *action,
                          const char *result)
{
    VO__HANDLE_CHECK(v, VO__H_VAULT, "vo_vault_audit_append");
    if (!v || !action || !result || !*action || !*result)
        return vo__error_set(VO_EINVAL, "vo_vault_audit_append: vault, action and result are "
                                        "required");
    int rc;
    if (tenant && *tenant && (rc = vo__check_tenant(tenant)) != VO_OK)
        return rc;
    if ((rc = check_field("name", name ? name : "", VO_VAULT_NAME_MAX, true, true)) != VO_OK ||
        (rc = check_field("action", action, 32, false, false)) != VO_OK ||
        (rc = check_field("result", result, 32, true, false)) != VO_OK)
        return rc;
    pthread_mutex_lock(&v->lock);
    vo__audit_rec e;
    vo__audit_event(v, &e, tenant, name, action, VO_OK);
    vo__strlcpy(e.result, result, sizeof(e.result));
    rc = v->ops->begin(v->be, true);
    if (rc == VO_OK) {
        rc = vo__audit_write_tx(v, &e);
        if (rc == VO_OK)
            rc = v->ops->commit(v->be);
        if (rc == VO_OK)
            v->qn = 0;
        else
            v->ops->rollback(v->be);
    }
    pthread_mutex_unlock(&v->lock);
    return rc;
}

int vo_vault_audit_flush(vo_vault *v)
{
    VO__HANDLE_CHECK(v, VO__H_VAULT, "vo_vault_audit_flush");
    if (!v)
        return vo__error_set(VO_EINVAL, "vo_vault_audit_flush: vault is NULL");
    pthread_mutex_lock(&v->lock);
    int rc = vo__audit_flush_locked(v);
    pthread_mutex_unlock(&v->lock);
    return rc;
}

int vo__audit_walk(vo_vault *v, vo__audit_walk_state *w)
{
    unsigned char prev[VO__MAC_SIZE] = {0};
    int64_t expect = 1, rows = 0, bad = 0;
    int reason = VO_AUDIT_INTACT, rc = VO_OK;
    w->anchor_found = false;
    vo__audit_filter f = {NULL, 0, 0, 0, 2000};
    for (;;) {
        vo__audit_rec *recs = NULL;
        size_t n = 0;
        rc = v->ops->audit_query(v->be, &f, &recs, &n);
        if (rc != VO_OK)
            break;
        for (size_t i = 0; i < n && !bad; i++) {
            vo__audit_rec *a = &recs[i];
            unsigned char mac[VO__MAC_SIZE];
            if (a->seq != expect) {
                bad = a->seq;
                reason = a->seq > expect ? VO_AUDIT_SEQ_GAP : VO_AUDIT_MAC_MISMATCH;
                break;
            }
            row_mac(v, prev, a, mac);
            if (!vo__ct_equal(mac, a->mac, VO__MAC_SIZE)) {
                bad = a->seq;
                reason = VO_AUDIT_MAC_MISMATCH;
                break;
            }
            memcpy(prev, a->mac, VO__MAC_SIZE);
            if (w->anchor_seq > 0 && a->seq == w->anchor_seq) {
                memcpy(w->anchor_mac, a->mac, VO__MAC_SIZE);
                w->anchor_found = true;
            }
            rows++;
            expect++;
        }
        if (n)
            f.after_seq = recs[n - 1].seq;
        free(recs);
        if (bad || n < f.limit)
            break;
    }
    if (rc == VO_OK && !bad) {
        vo__buf head = VO__BUF_INIT;
        int hrc = vo__be_meta_get(v, "audit_head", &head);
        int64_t hseq = 0;
        if (hrc == VO_OK && head.len == 8 + VO__MAC_SIZE) {
            for (int i = 0; i < 8; i++)
                hseq = (int64_t)(((uint64_t)hseq << 8) | (unsigned char)head.data[i]);
            if (hseq != rows || !vo__ct_equal(head.data + 8, prev, VO__MAC_SIZE)) {
                bad = rows + 1;
                reason = VO_AUDIT_TAIL_MISMATCH;
            }
        } else if (hrc == VO_ENOTFOUND) {
            if (rows != 0) {
                bad = rows;
                reason = VO_AUDIT_TAIL_MISMATCH;
            }
        } else {
            rc = hrc == VO_OK ? vo__error_set(VO_ECRYPTO, "audit head marker is malformed")
                              : hrc;
        }
        vo__buf_free(&head, false);
    }
    w->rows = rows;
    w->bad = bad;
    w->reason = reason;
    memcpy(w->last_mac, prev, VO__MAC_SIZE);
    return rc;
}

int vo__audit_break_report(int64_t bad, int reason)
{
    static const char *const why[] = {
        "",
        "MAC mismatch: the row was edited or moved, or the row before it was replaced",
        "sequence gap: rows before it were deleted",
        "the last rows were deleted (head marker disagrees)",
        ("the log ends before this row of a checkpoint: the vault was rolled back to an "
         "older copy, or its tail was cut"),
        ("this row differs from the checkpoint: the log was rolled back and written "
         "again")};
    if (reason < 0 || reason >= (int)(sizeof(why) / sizeof(why[0])))
        reason = 0;
    return vo__error_set(VO_ECRYPTO, "audit chain broken at row %lld: %s", (long long)bad,
                         why[reason]);
}

int vo_vault_audit_verify(int64_t *out_rows, int64_t *out_bad, int *out_reason, vo_vault *v)
{
    VO__HANDLE_CHECK(v, VO__H_VAULT, "vo_vault_audit_verify");
    if (out_rows)
        *out_rows = 0;
    if (out_bad)
        *out_bad = 0;
    if (out_reason)
        *out_reason = VO_AUDIT_INTACT;
    if (!v)
        return vo__error_set(VO_EINVAL, "vo_vault_audit_verify: vault is NULL");
    pthread_mutex_lock(&v->lock);
    int rc = vo__audit_flush_locked(v);
    /* One read snapshot, so concurrent appends by other processes do not race the check. */
    if (rc == VO_OK)
        rc = v->ops->begin(v->be, false);
    if (rc != VO_OK) {
        pthread_mutex_unlock(&v->lock);
        return rc;
    }
    vo__audit_walk_state w;
    memset(&w, 0, sizeof(w));
    rc = vo__audit_walk(v, &w);
    v->ops->rollback(v->be); /* end the read snapshot */
    pthread_mutex_unlock(&v->lock);
    if (out_rows)
        *out_rows = w.rows;
    if (rc != VO_OK)
        return rc;
    if (out_bad)
        *out_bad = w.bad;
    if (out_reason)
        *out_reason = w.reason;
    return w.bad ? vo__audit_break_report(w.bad, w.reason) : VO_OK;
}

int vo_vault_audit_list(vo_audit_list **out, vo_vault *v, const char *tenant, int64_t since_ms,
                        int64_t until_ms, int64_t after_seq, size_t limit)
{
    VO__HANDLE_CHECK(v, VO__H_VAULT, "vo_vault_audit_list");
    if (!out || !v)
        return vo__error_set(VO_EINVAL, "vo_vault_audit_list: NULL argument");
    *out = NULL;
    int rc;
    if (tenant && *tenant && (rc = vo__check_tenant(tenant)) != VO_OK)
        return rc;
    if (since_ms < 0 || until_ms < 0 || after_seq < 0)
        return vo__error_set(VO_EINVAL, "audit filter bounds must not be negative");
    pthread_mutex_lock(&v->lock);
    rc = vo__audit_flush_locked(v);
    vo__audit_rec *recs = NULL;
    size_t n = 0;
    if (rc == VO_OK) {
        vo__audit_filter f = {tenant && *tenant ? tenant : NULL, since_ms, until_ms, after_seq,
                              limit ? limit : 1000};
        rc = v->ops->audit_query(v->be, &f, &recs, &n);
    }
    pthread_mutex_unlock(&v->lock);
    if (rc != VO_OK)
        return rc;
    return vo__audit_list_from(out, recs, n);
}

int vo__audit_key_load(vo_vault *v)
{
    vo__buf kek = VO__BUF_INIT, wrapped = VO__BUF_INIT;
    int rc = vo__be_meta_get(v, "audit_kek", &kek);
    if (rc == VO_OK)
        rc = vo__be_meta_get(v, "audit_key", &wrapped);
    if (rc == VO_ENOTFOUND)
        rc = vo__error_set(VO_ESTORAGE, "vault has no audit key");
    if (rc == VO_OK) {
        vo__strlcpy(v->audit_kek, kek.data, sizeof(v->audit_kek));
        const vo__kek *k = vo__keyring_find(v->kr, v->audit_kek);
        if (!k) {
            rc = vo__error_set(
                VO_ECRYPTO, "the audit key is wrapped by KEK '%s', which is not in the keyring",
                v->audit_kek);
        } else {
            vo__ad ad;
            vo__ad_init(&ad, "voiceops.audit-key.v1");
            vo__ad_str(&ad, v->vault_id);
            vo__ad_str(&ad, v->audit_kek);
            rc = vo__kek_unwrap(k, (const unsigned char *)wrapped.data, wrapped.len, ad.b, ad.n,
                                v->audit_key);
            v->audit_mac_ready = false;
            if (rc == VO_OK)
                audit_mac_setup(v);
        }
    }
    vo__buf_free(&kek, false);
    vo__buf_free(&wrapped, false);
    return rc;
}
