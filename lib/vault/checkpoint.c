/*
 * Signed audit checkpoints: (vault id, last sequence number, chain head MAC, time, key id)
 * signed with an Ed25519 key derived from a raw keyring entry. Shipped elsewhere, a
 * checkpoint anchors the chain: a vault file rolled back or cut below it is detected.
 *
 * The signature covers a canonical message built from the validated fields (one per line,
 * each of a character set without a newline), never the JSON bytes, so the text may be
 * re-serialised without breaking it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "vault_internal.h"
#include "voiceops/encoding.h"

#define FORMAT "voiceops.audit-checkpoint.v1"
#define PK_SIZE crypto_sign_PUBLICKEYBYTES
#define SIG_SIZE crypto_sign_BYTES
#define SIG_B64 89                 /* standard base64 of 64 bytes and the NUL */
#define MAX_INT ((int64_t)1 << 53) /* integers JSON numbers carry exactly */

typedef struct checkpoint {
    char vault_id[33];
    int64_t seq;
    unsigned char head[VO__MAC_SIZE];
    int64_t time_ms;
    char key_id[VO__ID_SIZE];
    unsigned char sig[SIG_SIZE];
} checkpoint;

size_t vo_vault_checkpoint_public_key_size(void)
{
    return VO_VAULT_CHECKPOINT_PUBLIC_KEY_SIZE;
}

/* The message the signature covers. */
static void signed_message(const checkpoint *c, char *out, size_t size)
{
    char head[2 * VO__MAC_SIZE + 1];
    sodium_bin2hex(head, sizeof(head), c->head, sizeof(c->head));
    snprintf(out, size, "%s\n%s\n%lld\n%s\n%lld\n%s\n", FORMAT, c->vault_id, (long long)c->seq,
             head, (long long)c->time_ms, c->key_id);
}

/* The key pair of a raw keyring entry; sk (64 bytes) from vo__secure_alloc(). */
static int signing_keys(unsigned char pk[PK_SIZE], unsigned char **sk, const vo_keyring *kr,
                        const char *key_id, const char *fn)
{
    *sk = NULL;
    VO__HANDLE_CHECK(kr, VO__H_KEYRING, fn);
    int rc = vo__require_init();
    if (rc != VO_OK)
        return rc;
    if (!kr || !key_id)
        return vo__error_set(VO_EINVAL, "%s: %s is NULL", fn, !kr ? "keyring" : "key_id");
    if ((rc = vo__check_kek_id(key_id)) != VO_OK)
        return rc;
    const vo__kek *k = vo__keyring_find(kr, key_id);
    if (!k)
        return vo__error_set(VO_ENOTFOUND, "%s: no key '%s' in the keyring", fn, key_id);
    if (k->kind != VO__KEK_RAW || !k->key)
        return vo__error_set(VO_EUNSUPPORTED,
                             "%s: key '%s' is not a raw key (a key file, environment variable "
                             "or bytes); passphrase and provider keys cannot sign checkpoints",
                             fn, key_id);
    unsigned char *seed = vo__secure_alloc(crypto_sign_SEEDBYTES);
    *sk = vo__secure_alloc(crypto_sign_SECRETKEYBYTES);
    if (!seed || !*sk) {
        vo__secure_free(seed);
        vo__secure_free(*sk);
        *sk = NULL;
        return vo__error_set(VO_ENOMEM, "%s: out of secure memory", fn);
    }
    /* a key of its own: the same bytes used as a KEK give an unrelated signing key */
    static const char label[] = "voiceops.audit-checkpoint-signing-key.v1";
    crypto_generichash(seed, crypto_sign_SEEDBYTES, (const unsigned char *)label,
                       sizeof(label) - 1, k->key, VO_VAULT_KEY_SIZE);
    rc = crypto_sign_seed_keypair(pk, *sk, seed) == 0
             ? VO_OK
             : vo__error_set(VO_ECRYPTO, "%s: key pair derivation failed", fn);
    vo__secure_free(seed);
    if (rc != VO_OK) {
        vo__secure_free(*sk);
        *sk = NULL;
    }
    return rc;
}

int vo_keyring_public_key_get(char *out, size_t out_size, const vo_keyring *kr,
                              const char *key_id)
{
    if (out && out_size)
        out[0] = '\0';
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_keyring_public_key_get: out is NULL");
    if (out_size < VO_VAULT_CHECKPOINT_PUBLIC_KEY_SIZE)
        return vo__error_set(VO_ERANGE, "vo_keyring_public_key_get: the buffer needs %d bytes",
                             VO_VAULT_CHECKPOINT_PUBLIC_KEY_SIZE);
    unsigned char pk[PK_SIZE], *sk = NULL;
    int rc = signing_keys(pk, &sk, kr, key_id, "vo_keyring_public_key_get");
    vo__secure_free(sk);
    if (rc == VO_OK)
        rc = vo_base64_encode(out, out_size, pk, sizeof(pk), VO_BASE64_STANDARD);
    return rc;
}

/* The chain walked in one read snapshot (queued rows flushed first); the caller's lock. */
static int walk_locked(vo_vault *v, vo__audit_walk_state *w)
{
    int rc = vo__audit_flush_locked(v);
    if (rc == VO_OK)
        rc = v->ops->begin(v->be, false);
    if (rc != VO_OK)
        return rc;
    rc = vo__audit_walk(v, w);
    v->ops->rollback(v->be); /* end the read snapshot */
    return rc;
}

int vo_vault_audit_checkpoint(char **out, vo_vault *v, const vo_keyring *kr, const char *key_id)
{
    static const char fn[] = "vo_vault_audit_checkpoint";
    VO__HANDLE_CHECK(v, VO__H_VAULT, fn);
    if (out)
        *out = NULL;
    if (!out || !v)
        return vo__error_set(VO_EINVAL, "%s: %s is NULL", fn, !out ? "out" : "vault");
    unsigned char pk[PK_SIZE], *sk = NULL;
    int rc = signing_keys(pk, &sk, kr, key_id, fn);
    if (rc != VO_OK)
        return rc;
    vo__audit_walk_state w;
    memset(&w, 0, sizeof(w));
    checkpoint c;
    memset(&c, 0, sizeof(c));
    pthread_mutex_lock(&v->lock);
    rc = walk_locked(v, &w);
    vo__strlcpy(c.vault_id, v->vault_id, sizeof(c.vault_id));
    pthread_mutex_unlock(&v->lock);
    if (rc == VO_OK && w.bad)
        rc = vo__audit_break_report(w.bad, w.reason);
    char msg[512], head[2 * VO__MAC_SIZE + 1], sig[SIG_B64];
    if (rc == VO_OK) {
        c.seq = w.rows;
        memcpy(c.head, w.last_mac, VO__MAC_SIZE);
        c.time_ms = vo__now_ms();
        vo__strlcpy(c.key_id, key_id, sizeof(c.key_id));
        signed_message(&c, msg, sizeof(msg));
        crypto_sign_detached(c.sig, NULL, (const unsigned char *)msg, strlen(msg), sk);
        sodium_bin2hex(head, sizeof(head), c.head, sizeof(c.head));
        rc = vo_base64_encode(sig, sizeof(sig), c.sig, sizeof(c.sig), VO_BASE64_STANDARD);
    }
    vo__secure_free(sk);
    if (rc != VO_OK)
        return rc;
    char text[VO_VAULT_CHECKPOINT_MAX + 1];
    int n = snprintf(text, sizeof(text),
                     "{\"format\":\"%s\",\"vault_id\":\"%s\",\"seq\":%lld,\"head\":\"%s\","
                     "\"time_ms\":%lld,\"key_id\":\"%s\",\"signature\":\"%s\"}",
                     FORMAT, c.vault_id, (long long)c.seq, head, (long long)c.time_ms, c.key_id,
                     sig);
    if (n < 0 || (size_t)n >= sizeof(text))
        return vo__error_set(VO_EINTERNAL, "%s: checkpoint longer than expected", fn);
    *out = vo__out_strndup(text, (size_t)n);
    return *out ? VO_OK : vo__error_set(VO_ENOMEM, "%s: out of memory", fn);
}

/* ---- parsing ------------------------------------------------------------------------ */

static int bad_checkpoint(const char *why)
{
    return vo__error_set(VO_EPARSE,
                         "vo_vault_audit_verify_checkpoint: malformed checkpoint: %s", why);
}

static const char *member_str(const cJSON *doc, const char *name)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, name);
    return cJSON_IsString(m) ? m->valuestring : NULL;
}

static bool member_int(const cJSON *doc, const char *name, int64_t *out)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, name);
    if (!cJSON_IsNumber(m) || m->valuedouble < 0 || m->valuedouble > (double)MAX_INT)
        return false;
    *out = (int64_t)m->valuedouble;
    return (double)*out == m->valuedouble;
}

static bool hex_exact(const char *s, size_t n)
{
    if (!s || strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static int parse_checkpoint(checkpoint *c, const char *text)
{
    memset(c, 0, sizeof(*c));
    size_t len = strlen(text);
    if (len > 4 * VO_VAULT_CHECKPOINT_MAX)
        return bad_checkpoint("too long");
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    while (doc && end && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
        end++;
    int rc = VO_OK;
    if (!doc || !cJSON_IsObject(doc) || (end && *end))
        rc = bad_checkpoint("not one JSON object");
    const char *format = NULL, *vid = NULL, *head = NULL, *kid = NULL, *sig = NULL;
    if (rc == VO_OK) {
        format = member_str(doc, "format");
        vid = member_str(doc, "vault_id");
        head = member_str(doc, "head");
        kid = member_str(doc, "key_id");
        sig = member_str(doc, "signature");
        if (cJSON_GetArraySize(doc) != 7)
            rc = bad_checkpoint("it must have exactly the seven members of its format");
        else if (!format || strcmp(format, FORMAT) != 0)
            rc = bad_checkpoint("unknown format");
        else if (!hex_exact(vid, 32))
            rc = bad_checkpoint("vault_id is not 32 lowercase hex digits");
        else if (!member_int(doc, "seq", &c->seq) || !member_int(doc, "time_ms", &c->time_ms))
            rc = bad_checkpoint("seq and time_ms must be non-negative integers");
        else if (!hex_exact(head, 2 * VO__MAC_SIZE))
            rc = bad_checkpoint("head is not 64 lowercase hex digits");
        else if (!kid || vo__check_kek_id(kid) != VO_OK)
            rc = bad_checkpoint("key_id is not a key id");
    }
    size_t got = 0;
    if (rc == VO_OK && (!sig ||
                        vo_base64_decode(c->sig, sizeof(c->sig), &got, sig, strlen(sig),
                                         VO_BASE64_STANDARD) != VO_OK ||
                        got != SIG_SIZE))
        rc = bad_checkpoint("signature is not the base64 of 64 bytes");
    if (rc == VO_OK) {
        vo__strlcpy(c->vault_id, vid, sizeof(c->vault_id));
        vo__strlcpy(c->key_id, kid, sizeof(c->key_id));
        sodium_hex2bin(c->head, sizeof(c->head), head, strlen(head), NULL, NULL, NULL);
    }
    cJSON_Delete(doc);
    return rc;
}

int vo_vault_audit_verify_checkpoint(int64_t *out_rows, int64_t *out_bad, int *out_reason,
                                     vo_vault *v, const char *text, const char *public_key)
{
    static const char fn[] = "vo_vault_audit_verify_checkpoint";
    VO__HANDLE_CHECK(v, VO__H_VAULT, fn);
    if (out_rows)
        *out_rows = 0;
    if (out_bad)
        *out_bad = 0;
    if (out_reason)
        *out_reason = VO_AUDIT_INTACT;
    if (!v || !text || !public_key)
        return vo__error_set(VO_EINVAL, "%s: %s is NULL", fn,
                             !v      ? "vault"
                             : !text ? "checkpoint"
                                     : "public_key");
    unsigned char pk[PK_SIZE];
    size_t pk_len = 0;
    if (vo_base64_decode(pk, sizeof(pk), &pk_len, public_key, strlen(public_key),
                         VO_BASE64_STANDARD) != VO_OK ||
        pk_len != PK_SIZE)
        return vo__error_set(VO_EINVAL, "%s: public_key is not the base64 of 32 bytes", fn);
    checkpoint c;
    int rc = parse_checkpoint(&c, text);
    if (rc != VO_OK)
        return rc;
    char msg[512];
    signed_message(&c, msg, sizeof(msg));
    if (crypto_sign_verify_detached(c.sig, (const unsigned char *)msg, strlen(msg), pk) != 0)
        return vo__error_set(VO_EAUTH,
                             "%s: the checkpoint's signature does not verify with the given "
                             "public key (forged, altered, or signed by another key)",
                             fn);
    if (strcmp(c.vault_id, v->vault_id) != 0)
        return vo__error_set(VO_ECONFLICT,
                             "%s: the checkpoint is of vault %s, not of this vault (%s)", fn,
                             c.vault_id, v->vault_id);
    vo__audit_walk_state w;
    memset(&w, 0, sizeof(w));
    w.anchor_seq = c.seq;
    pthread_mutex_lock(&v->lock);
    rc = walk_locked(v, &w);
    pthread_mutex_unlock(&v->lock);
    if (out_rows)
        *out_rows = w.rows;
    if (rc != VO_OK)
        return rc;
    if (!w.bad && w.rows < c.seq) {
        w.bad = w.rows + 1;
        w.reason = VO_AUDIT_ROLLBACK;
    } else if (!w.bad && c.seq > 0 &&
               (!w.anchor_found || !vo__ct_equal(w.anchor_mac, c.head, VO__MAC_SIZE))) {
        w.bad = c.seq;
        w.reason = VO_AUDIT_FORK;
    }
    if (out_bad)
        *out_bad = w.bad;
    if (out_reason)
        *out_reason = w.reason;
    return w.bad ? vo__audit_break_report(w.bad, w.reason) : VO_OK;
}
