/* The keyring of KEKs, key wrapping, key files, name validation, associated data. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "voiceops/encoding.h"
#include "vault_internal.h"

/* ---- validation --------------------------------------------------------------------- */

static bool is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int check_id(const char *what, const char *s, size_t max)
{
    if (!s)
        return vo__error_set(VO_EINVAL, "%s is NULL", what);
    size_t n = strlen(s);
    if (n == 0)
        return vo__error_set(VO_EINVAL, "%s is empty", what);
    if (n > max)
        return vo__error_set(VO_EINVAL, "%s is too long (%zu characters, at most %zu)", what, n,
                             max);
    if (!is_alnum(s[0]))
        return vo__error_set(VO_EINVAL, "%s must start with a letter or digit", what);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!is_alnum(c) && c != '.' && c != '_' && c != '-')
            return vo__error_set(VO_EINVAL,
                                 "%s contains a character outside A-Z a-z 0-9 . _ - "
                                 "(at offset %zu)",
                                 what, i);
    }
    return VO_OK;
}

static _Thread_local bool tls_reserved;

bool vo__vault_reserved_enter(void)
{
    bool prev = tls_reserved;
    tls_reserved = true;
    return prev;
}

void vo__vault_reserved_leave(bool prev)
{
    tls_reserved = prev;
}

bool vo__tenant_reserved(const char *tenant)
{
    return strncmp(tenant, VO__RESERVED_PREFIX, strlen(VO__RESERVED_PREFIX)) == 0;
}

int vo__check_tenant(const char *tenant)
{
    int rc = check_id("tenant id", tenant, VO_VAULT_TENANT_MAX);
    if (rc == VO_OK && !tls_reserved && vo__tenant_reserved(tenant))
        return vo__error_set(
            VO_EINVAL,
            "tenant id '%s' is reserved: ids starting with '" VO__RESERVED_PREFIX
            "' belong to the library (docs/vault.md)",
            tenant);
    return rc;
}

int vo__check_kek_id(const char *id)
{
    return check_id("KEK id", id, VO_VAULT_KEK_ID_MAX);
}

int vo__check_name(const char *name)
{
    if (!name)
        return vo__error_set(VO_EINVAL, "secret name is NULL");
    size_t n = strlen(name);
    if (n == 0)
        return vo__error_set(VO_EINVAL, "secret name is empty");
    if (n > VO_VAULT_NAME_MAX)
        return vo__error_set(VO_EINVAL, "secret name is too long (%zu characters, at most %d)",
                             n, VO_VAULT_NAME_MAX);
    if (!is_alnum(name[0]))
        return vo__error_set(VO_EINVAL, "secret name must start with a letter or digit");
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!is_alnum(c) && c != '.' && c != '_' && c != '-' && c != '/')
            return vo__error_set(VO_EINVAL,
                                 "secret name contains a character outside A-Z a-z 0-9 . _ - / "
                                 "(at offset %zu)",
                                 i);
    }
    if (name[n - 1] == '/')
        return vo__error_set(VO_EINVAL, "secret name ends with '/'");
    /* No empty, "." or ".." segments. */
    const char *seg = name;
    for (const char *p = name;; p++) {
        if (*p == '/' || *p == '\0') {
            size_t len = (size_t)(p - seg);
            if (len == 0 || (len == 1 && seg[0] == '.') ||
                (len == 2 && seg[0] == '.' && seg[1] == '.'))
                return vo__error_set(VO_EINVAL,
                                     "secret name has an empty, '.' or '..' path segment");
            if (*p == '\0')
                break;
            seg = p + 1;
        }
    }
    return VO_OK;
}

/* ---- associated data ---------------------------------------------------------------- */

void vo__ad_init(vo__ad *ad, const char *purpose)
{
    ad->n = 0;
    vo__ad_str(ad, purpose);
}

void vo__ad_bytes(vo__ad *ad, const unsigned char *p, size_t n)
{
    /* Length-prefixed, so field boundaries are unambiguous. Fields are bounded by the
     * validation rules, the buffer always fits. */
    if (ad->n + 4 + n > sizeof(ad->b))
        n = 0;
    ad->b[ad->n++] = (unsigned char)(n >> 24);
    ad->b[ad->n++] = (unsigned char)(n >> 16);
    ad->b[ad->n++] = (unsigned char)(n >> 8);
    ad->b[ad->n++] = (unsigned char)n;
    if (n)
        memcpy(ad->b + ad->n, p, n);
    ad->n += n;
}

void vo__ad_str(vo__ad *ad, const char *s)
{
    vo__ad_bytes(ad, (const unsigned char *)s, strlen(s));
}

void vo__ad_u64(vo__ad *ad, int64_t v)
{
    unsigned char b[8];
    uint64_t u = (uint64_t)v;
    for (int i = 7; i >= 0; i--) {
        b[i] = (unsigned char)u;
        u >>= 8;
    }
    vo__ad_bytes(ad, b, 8);
}

int64_t vo__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- keyring ------------------------------------------------------------------------ */

static void keyring_destroy(void *p);

int vo_keyring_new(vo_keyring **out)
{
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_keyring_new: out is NULL");
    *out = NULL;
    int rc = vo__require_init();
    if (rc != VO_OK)
        return rc;
    vo_keyring *kr = vo__handle_new(sizeof(*kr), VO__H_KEYRING, keyring_destroy);
    if (!kr)
        return vo__error_set(VO_ENOMEM, "out of memory");
    kr->active = -1;
    *out = kr;
    return VO_OK;
}

static void kek_wipe(vo__kek *k)
{
    if (k->key)
        sodium_free(k->key);
    if (k->pass)
        sodium_free(k->pass);
    k->key = NULL;
    k->pass = NULL;
}

static void keyring_destroy(void *p)
{
    vo_keyring *kr = p;
    for (size_t i = 0; i < kr->n; i++)
        kek_wipe(&kr->keks[i]);
    free(kr->keks);
}

void vo_keyring_free(vo_keyring *kr)
{
    vo__handle_close(kr, VO__H_KEYRING, "vo_keyring_free");
}

vo__kek *vo__keyring_find(const vo_keyring *kr, const char *id)
{
    for (size_t i = 0; i < kr->n; i++)
        if (strcmp(kr->keks[i].id, id) == 0)
            return &kr->keks[i];
    return NULL;
}

/* Reserve a new entry with a validated, unique id. */
static int add_entry(const char *fn, vo_keyring *kr, const char *id, vo__kek **out)
{
    if (!kr)
        return vo__error_set(VO_EINVAL, "%s: keyring is NULL", fn);
    int rc = vo__check_kek_id(id);
    if (rc != VO_OK)
        return rc;
    if (vo__keyring_find(kr, id))
        return vo__error_set(VO_EEXISTS, "KEK '%s' is already in the keyring", id);
    if (kr->n == kr->cap) {
        size_t nc = kr->cap ? kr->cap * 2 : 4;
        vo__kek *p = realloc(kr->keks, nc * sizeof(*p));
        if (!p)
            return vo__error_set(VO_ENOMEM, "out of memory");
        kr->keks = p;
        kr->cap = nc;
    }
    vo__kek *k = &kr->keks[kr->n];
    memset(k, 0, sizeof(*k));
    vo__strlcpy(k->id, id, sizeof(k->id));
    *out = k;
    return VO_OK;
}

static void commit_entry(vo_keyring *kr)
{
    kr->n++;
    if (kr->active < 0)
        kr->active = (int)kr->n - 1;
}

int vo_keyring_add_key(vo_keyring *kr, const char *kek_id, const unsigned char *key,
                       size_t key_len)
{
    VO__HANDLE_CHECK(kr, VO__H_KEYRING, "vo_keyring_add_key");
    vo__kek *k;
    int rc = add_entry(__func__, kr, kek_id, &k);
    if (rc != VO_OK)
        return rc;
    if (!key || key_len != VO_VAULT_KEY_SIZE)
        return vo__error_set(VO_EINVAL, "KEK '%s' must be %d bytes", kek_id, VO_VAULT_KEY_SIZE);
    k->key = sodium_malloc(VO_VAULT_KEY_SIZE);
    if (!k->key)
        return vo__error_set(VO_ENOMEM, "out of secure memory");
    memcpy(k->key, key, VO_VAULT_KEY_SIZE);
    k->kind = VO__KEK_RAW;
    commit_entry(kr);
    return VO_OK;
}

/* Decode a key from text: base64 of 32 bytes, surrounding whitespace ignored. */
static int key_from_text(const char *what, const unsigned char *text, size_t len,
                         unsigned char out[VO_VAULT_KEY_SIZE])
{
    while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' ' ||
                   text[len - 1] == '\t'))
        len--;
    while (len && (text[0] == ' ' || text[0] == '\t' || text[0] == '\n' || text[0] == '\r')) {
        text++;
        len--;
    }
    size_t got = 0;
    if (vo_base64_decode(out, VO_VAULT_KEY_SIZE, &got, (const char *)text, len,
                         VO_BASE64_STANDARD) != VO_OK ||
        got != VO_VAULT_KEY_SIZE) {
        sodium_memzero(out, VO_VAULT_KEY_SIZE);
        return vo__error_set(VO_EPARSE,
                             "%s does not hold a key: expected 32 raw bytes or the base64 of "
                             "32 bytes",
                             what);
    }
    return VO_OK;
}

int vo_keyring_add_file(vo_keyring *kr, const char *kek_id, const char *path)
{
    VO__HANDLE_CHECK(kr, VO__H_KEYRING, "vo_keyring_add_file");
    vo__kek *k;
    int rc = add_entry(__func__, kr, kek_id, &k);
    if (rc != VO_OK)
        return rc;
    if (!path || !*path)
        return vo__error_set(VO_EINVAL, "key file path is NULL or empty");
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return vo__error_set(VO_ENOTFOUND, "key file '%s' does not exist", path);
        return vo__error_set(errno == EACCES || errno == ELOOP ? VO_EFORBIDDEN : VO_ESTORAGE,
                             "cannot open key file '%s': %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return vo__error_set(VO_EFORBIDDEN, "key file '%s' is not a regular file", path);
    }
    if (st.st_mode & 077) {
        close(fd);
        return vo__error_set(VO_EFORBIDDEN,
                             "key file '%s' is accessible by group or others (mode %03o): "
                             "chmod 600 it",
                             path, (unsigned)(st.st_mode & 0777));
    }
    if (st.st_size > 4096) {
        close(fd);
        return vo__error_set(VO_EPARSE, "key file '%s' is too large to be a key", path);
    }
    unsigned char *buf = sodium_malloc(4097);
    k->key = sodium_malloc(VO_VAULT_KEY_SIZE);
    if (!buf || !k->key) {
        close(fd);
        if (buf)
            sodium_free(buf);
        kek_wipe(k);
        return vo__error_set(VO_ENOMEM, "out of secure memory");
    }
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fd, buf + len, 4097 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = vo__error_set(VO_ESTORAGE, "cannot read key file '%s': %s", path,
                               strerror(errno));
            break;
        }
        if (r == 0 || (len += (size_t)r) >= 4097)
            break;
    }
    close(fd);
    if (rc == VO_OK) {
        if (len == VO_VAULT_KEY_SIZE) {
            /* 32 bytes: raw, unless it happens to be a (44-char) base64 text -- impossible. */
            memcpy(k->key, buf, VO_VAULT_KEY_SIZE);
        } else {
            char what[300];
            snprintf(what, sizeof(what), "key file '%s'", path);
            rc = key_from_text(what, buf, len, k->key);
        }
    }
    sodium_free(buf);
    if (rc != VO_OK) {
        kek_wipe(k);
        return rc;
    }
    k->kind = VO__KEK_RAW;
    commit_entry(kr);
    return VO_OK;
}

int vo_keyring_add_env(vo_keyring *kr, const char *kek_id, const char *env_name)
{
    VO__HANDLE_CHECK(kr, VO__H_KEYRING, "vo_keyring_add_env");
    vo__kek *k;
    int rc = add_entry(__func__, kr, kek_id, &k);
    if (rc != VO_OK)
        return rc;
    if (!env_name || !*env_name)
        return vo__error_set(VO_EINVAL, "environment variable name is NULL or empty");
    const char *v = getenv(env_name);
    if (!v || !*v)
        return vo__error_set(VO_ENOTFOUND, "environment variable %s is not set", env_name);
    k->key = sodium_malloc(VO_VAULT_KEY_SIZE);
    if (!k->key)
        return vo__error_set(VO_ENOMEM, "out of secure memory");
    char what[128];
    snprintf(what, sizeof(what), "environment variable %.64s", env_name);
    rc = key_from_text(what, (const unsigned char *)v, strlen(v), k->key);
    if (rc != VO_OK) {
        kek_wipe(k);
        return rc;
    }
    k->kind = VO__KEK_RAW;
    commit_entry(kr);
    return VO_OK;
}

int vo_keyring_add_passphrase(vo_keyring *kr, const char *kek_id, const char *passphrase,
                              size_t passphrase_len, unsigned long long opslimit,
                              size_t memlimit)
{
    VO__HANDLE_CHECK(kr, VO__H_KEYRING, "vo_keyring_add_passphrase");
    vo__kek *k;
    int rc = add_entry(__func__, kr, kek_id, &k);
    if (rc != VO_OK)
        return rc;
    if (!passphrase || passphrase_len == 0)
        return vo__error_set(VO_EINVAL, "passphrase is NULL or empty");
    if (passphrase_len > 4096)
        return vo__error_set(VO_EINVAL, "passphrase is longer than 4096 bytes");
    if (opslimit == 0)
        opslimit = crypto_pwhash_OPSLIMIT_MODERATE;
    if (memlimit == 0)
        memlimit = crypto_pwhash_MEMLIMIT_MODERATE;
    if (opslimit < crypto_pwhash_OPSLIMIT_MIN || memlimit < crypto_pwhash_MEMLIMIT_MIN)
        return vo__error_set(VO_EINVAL, "Argon2id limits below libsodium's minimum");
    if (opslimit > VO__KDF_OPS_MAX || (int64_t)memlimit > VO__KDF_MEM_MAX)
        return vo__error_set(VO_EINVAL,
                             "Argon2id limits above this library's maximum (opslimit %d, "
                             "memlimit %lld bytes)",
                             VO__KDF_OPS_MAX, (long long)VO__KDF_MEM_MAX);
    k->pass = sodium_malloc(passphrase_len);
    if (!k->pass)
        return vo__error_set(VO_ENOMEM, "out of secure memory");
    memcpy(k->pass, passphrase, passphrase_len);
    k->pass_len = passphrase_len;
    k->ops = opslimit;
    k->mem = memlimit;
    k->kind = VO__KEK_PASSPHRASE;
    commit_entry(kr);
    return VO_OK;
}

int vo_keyring_add_provider(vo_keyring *kr, const char *kek_id, vo_kek_wrap_fn wrap,
                            vo_kek_unwrap_fn unwrap, void *payload)
{
    VO__HANDLE_CHECK(kr, VO__H_KEYRING, "vo_keyring_add_provider");
    vo__kek *k;
    int rc = add_entry(__func__, kr, kek_id, &k);
    if (rc != VO_OK)
        return rc;
    if (!wrap || !unwrap)
        return vo__error_set(VO_EINVAL, "provider KEK '%s' needs wrap and unwrap callbacks",
                             kek_id);
    k->wrap = wrap;
    k->unwrap = unwrap;
    k->payload = payload;
    k->kind = VO__KEK_PROVIDER;
    commit_entry(kr);
    return VO_OK;
}

int vo_keyring_set_active(vo_keyring *kr, const char *kek_id)
{
    VO__HANDLE_CHECK(kr, VO__H_KEYRING, "vo_keyring_set_active");
    if (!kr || !kek_id)
        return vo__error_set(VO_EINVAL, "vo_keyring_set_active: NULL argument");
    for (size_t i = 0; i < kr->n; i++)
        if (strcmp(kr->keks[i].id, kek_id) == 0) {
            kr->active = (int)i;
            return VO_OK;
        }
    return vo__error_set(VO_ENOTFOUND, "KEK '%s' is not in the keyring", kek_id);
}

size_t vo_keyring_count(const vo_keyring *kr)
{
    kr = vo__handle_or_null(kr, VO__H_KEYRING, "vo_keyring_count");
    return kr ? kr->n : 0;
}

int vo__keyring_clone(vo_keyring **out, const vo_keyring *src)
{
    *out = NULL;
    vo_keyring *kr = vo__handle_new(sizeof(*kr), VO__H_KEYRING, keyring_destroy);
    if (!kr)
        return vo__error_set(VO_ENOMEM, "out of memory");
    kr->active = src->active;
    kr->keks = calloc(src->n ? src->n : 1, sizeof(vo__kek));
    if (!kr->keks) {
        vo_keyring_free(kr);
        return vo__error_set(VO_ENOMEM, "out of memory");
    }
    kr->cap = src->n ? src->n : 1;
    for (size_t i = 0; i < src->n; i++) {
        const vo__kek *s = &src->keks[i];
        vo__kek *d = &kr->keks[i];
        *d = *s;
        d->key = NULL;
        d->pass = NULL;
        kr->n = i + 1;
        if (s->key) {
            d->key = sodium_malloc(VO_VAULT_KEY_SIZE);
            if (!d->key)
                goto nomem;
            memcpy(d->key, s->key, VO_VAULT_KEY_SIZE);
        }
        if (s->pass) {
            d->pass = sodium_malloc(s->pass_len);
            if (!d->pass)
                goto nomem;
            memcpy(d->pass, s->pass, s->pass_len);
        }
    }
    *out = kr;
    return VO_OK;
nomem:
    vo_keyring_free(kr);
    return vo__error_set(VO_ENOMEM, "out of secure memory");
}

int vo__kek_derive(vo__kek *k, const unsigned char *salt, unsigned long long ops, size_t mem)
{
    if (!k->key) {
        k->key = sodium_malloc(VO_VAULT_KEY_SIZE);
        if (!k->key)
            return vo__error_set(VO_ENOMEM, "out of secure memory");
    }
    if (crypto_pwhash(k->key, VO_VAULT_KEY_SIZE, k->pass, k->pass_len, salt, ops, mem,
                      crypto_pwhash_ALG_ARGON2ID13) != 0)
        return vo__error_set(VO_ENOMEM,
                             "Argon2id derivation of KEK '%s' failed (out of memory?)", k->id);
    return VO_OK;
}

/* ---- wrapping ----------------------------------------------------------------------- */

int vo__kek_wrap(const vo__kek *k, const unsigned char key[VO_VAULT_KEY_SIZE],
                 const unsigned char *ad, size_t ad_len, unsigned char *out, size_t *out_len)
{
    if (k->kind == VO__KEK_PROVIDER) {
        size_t n = 0;
        int rc = k->wrap(out, VO_VAULT_WRAPPED_MAX, &n, key, VO_VAULT_KEY_SIZE, ad, ad_len,
                         k->payload);
        if (rc == VO_EUNAVAILABLE)
            return vo__error_set(VO_EUNAVAILABLE,
                                 "key provider '%s' is unavailable: cannot wrap a key (retry "
                                 "later)",
                                 k->id);
        if (rc != 0 || n == 0 || n > VO_VAULT_WRAPPED_MAX)
            return vo__error_set(rc < 0 ? rc : VO_ECRYPTO,
                                 "key provider '%s' failed to wrap a key", k->id);
        *out_len = n;
        return VO_OK;
    }
    if (!k->key)
        return vo__error_set(VO_EINTERNAL, "KEK '%s' has no key material", k->id);
    out[0] = VO__FORMAT_VERSION;
    randombytes_buf(out + 1, VO__NONCE_SIZE);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out + 1 + VO__NONCE_SIZE, &clen, key,
                                               VO_VAULT_KEY_SIZE, ad, ad_len, NULL, out + 1,
                                               k->key);
    *out_len = 1 + VO__NONCE_SIZE + (size_t)clen;
    return VO_OK;
}

int vo__kek_unwrap(const vo__kek *k, const unsigned char *blob, size_t blob_len,
                   const unsigned char *ad, size_t ad_len, unsigned char out[VO_VAULT_KEY_SIZE])
{
    if (k->kind == VO__KEK_PROVIDER) {
        size_t n = 0;
        int rc = k->unwrap(out, VO_VAULT_KEY_SIZE, &n, blob, blob_len, ad, ad_len, k->payload);
        if (rc != 0 || n != VO_VAULT_KEY_SIZE) {
            sodium_memzero(out, VO_VAULT_KEY_SIZE);
            if (rc == VO_EUNAVAILABLE)
                return vo__error_set(VO_EUNAVAILABLE,
                                     "key provider '%s' is unavailable: cannot unwrap a key "
                                     "(retry later)",
                                     k->id);
            return vo__error_set(rc < 0 && rc != VO_ERROR ? rc : VO_ECRYPTO,
                                 "key provider '%s' failed to unwrap a key", k->id);
        }
        return VO_OK;
    }
    if (!k->key)
        return vo__error_set(VO_EINTERNAL, "KEK '%s' has no key material", k->id);
    if (blob_len != VO__SEAL_OVERHEAD + VO_VAULT_KEY_SIZE || blob[0] != VO__FORMAT_VERSION)
        return vo__error_set(VO_ECRYPTO, "wrapped key has an unknown format");
    unsigned long long mlen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &mlen, NULL, blob + 1 + VO__NONCE_SIZE,
                                                   blob_len - 1 - VO__NONCE_SIZE, ad, ad_len,
                                                   blob + 1, k->key) != 0)
        return vo__error_set(VO_ECRYPTO, "wrapped key fails authentication under KEK '%s'",
                             k->id);
    return VO_OK;
}

/* ---- key files ---------------------------------------------------------------------- */

int vo_vault_keygen(const char *path)
{
    if (!path || !*path)
        return vo__error_set(VO_EINVAL, "vo_vault_keygen: path is NULL or empty");
    int rc = vo__require_init();
    if (rc != VO_OK)
        return rc;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return vo__error_set(VO_EEXISTS, "key file '%s' already exists", path);
        return vo__error_set(VO_ESTORAGE, "cannot create key file '%s': %s", path,
                             strerror(errno));
    }
    /* The umask may have removed bits but never adds any; make sure anyway. */
    if (fchmod(fd, 0600) != 0) {
        close(fd);
        unlink(path);
        return vo__error_set(VO_ESTORAGE, "cannot chmod key file '%s'", path);
    }
    unsigned char *key = sodium_malloc(VO_VAULT_KEY_SIZE + 64);
    if (!key) {
        close(fd);
        unlink(path);
        return vo__error_set(VO_ENOMEM, "out of secure memory");
    }
    char *text = (char *)key + VO_VAULT_KEY_SIZE;
    randombytes_buf(key, VO_VAULT_KEY_SIZE);
    vo_base64_encode(text, 64, key, VO_VAULT_KEY_SIZE, VO_BASE64_STANDARD);
    size_t len = strlen(text);
    text[len++] = '\n';
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = vo__error_set(VO_ESTORAGE, "cannot write key file '%s': %s", path,
                               strerror(errno));
            break;
        }
        off += (size_t)w;
    }
    sodium_free(key);
    if (rc == VO_OK && fsync(fd) != 0)
        rc = vo__error_set(VO_ESTORAGE, "cannot sync key file '%s': %s", path, strerror(errno));
    close(fd);
    if (rc != VO_OK)
        unlink(path);
    return rc;
}
