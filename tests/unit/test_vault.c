/* The credential vault: round trips, typed errors, security properties, rotation, import,
 * backup, audit chain. Real SQLite files in a temp dir. */
#include <pthread.h>
#include <sodium.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kms_testutil.h"
#include "vault_testutil.h"

/* ---- opening and files -------------------------------------------------------------- */

START_TEST(open_creates_0600_and_rejects_bad_input)
{
    vo_vault *v = tv_open();
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t1"));
    tv_put(v, "t1", "a", "value-one");
    if (tv_pg) {
        /* The same schema through a libpq key=value string. */
        vo_vault_close(v);
        char kv[300];
        snprintf(kv, sizeof(kv),
                 "host=127.0.0.1 port=%s user=postgres dbname=postgres schema=%s",
                 getenv("VO_TEST_PG_PORT"), tv_schema);
        v = tv_open_with(kv, "k1", NULL, 16);
        tv_expect(v, "t1", "a", "value-one");
        vo_vault_close(v);
        vo_keyring *kr = tv_keyring("k1", NULL);
        vo_vault_options o = VO_VAULT_OPTIONS_INIT;
        o.keyring = kr;
        /* A schema that is not the vault's own, or a bad name. */
        char bad[300];
        tv_pg_uri(bad, sizeof(bad), "public");
        ck_assert_vo_rc(vo_vault_open(&v, bad, &o), VO_EINVAL);
        tv_pg_uri(bad, sizeof(bad), "Bad-Name");
        ck_assert_vo_rc(vo_vault_open(&v, bad, &o), VO_EINVAL);
        /* A missing schema with no_create. */
        tv_pg_uri(bad, sizeof(bad), "vt_missing_schema");
        o.no_create = 1;
        ck_assert_vo_rc(vo_vault_open(&v, bad, &o), VO_ENOTFOUND);
        vo_keyring_free(kr);
        return;
    }
    struct stat st;
    ck_assert_int_eq(stat(tv_path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    char side[400];
    snprintf(side, sizeof(side), "%s-wal", tv_path);
    ck_assert_int_eq(stat(side, &st), 0);
    ck_assert_int_eq(st.st_mode & 077, 0);
    snprintf(side, sizeof(side), "%s-shm", tv_path);
    if (stat(side, &st) == 0)
        ck_assert_int_eq(st.st_mode & 077, 0);
    vo_vault_close(v);

    /* The same file through the sqlite: scheme. */
    char uri[400];
    snprintf(uri, sizeof(uri), "sqlite:%s", tv_path);
    v = tv_open_with(uri, "k1", NULL, 16);
    tv_expect(v, "t1", "a", "value-one");
    vo_vault_close(v);

    /* A group-readable file is refused. */
    chmod(tv_path, 0640);
    vo_keyring *kr = tv_keyring("k1", NULL);
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    ck_assert_vo_rc(vo_vault_open(&v, tv_path, &o), VO_EFORBIDDEN);
    ck_assert_ptr_null(v);
    chmod(tv_path, 0600);

    ck_assert_vo_rc(vo_vault_open(&v, "mysql://db/vault", &o), VO_EUNSUPPORTED);
    /* Without the PostgreSQL backend a postgres URI is unsupported; with it, a server that
     * does not answer is unavailable (not a storage error). */
    ck_assert_vo_rc(vo_vault_open(&v, "postgresql://postgres@127.0.0.1:1/vault", &o),
                    vo_feature_enabled("postgres") ? VO_EUNAVAILABLE : VO_EUNSUPPORTED);
    ck_assert_ptr_null(v);
    ck_assert_vo_rc(vo_vault_open(NULL, tv_path, &o), VO_EINVAL);
    ck_assert_vo_rc(vo_vault_open(&v, NULL, &o), VO_EINVAL);
    ck_assert_vo_rc(vo_vault_open(&v, "", &o), VO_EINVAL);
    ck_assert_vo_rc(vo_vault_open(&v, tv_path, NULL), VO_EINVAL);
    char missing[400];
    snprintf(missing, sizeof(missing), "%s/missing.db", tv_dir);
    o.no_create = 1;
    ck_assert_vo_rc(vo_vault_open(&v, missing, &o), VO_ENOTFOUND);
    o.no_create = 0;
    o.kept_versions = -1;
    ck_assert_vo_rc(vo_vault_open(&v, tv_path, &o), VO_EINVAL);
    o.kept_versions = 0;
    o.version = 99;
    ck_assert_vo_rc(vo_vault_open(&v, tv_path, &o), VO_EINVAL);
    o.version = VO_VAULT_OPTIONS_VERSION;
    o.keyring = NULL;
    ck_assert_vo_rc(vo_vault_open(&v, tv_path, &o), VO_EINVAL);
    vo_keyring_free(kr);
    /* Not a database. */
    char junk[400];
    snprintf(junk, sizeof(junk), "%s/junk.db", tv_dir);
    int fd = open(junk, O_CREAT | O_WRONLY, 0600);
    ck_assert_int_eq(write(fd, "this is not a sqlite database, just text padding.....", 52),
                     52);
    close(fd);
    kr = tv_keyring("k1", NULL);
    o.keyring = kr;
    ck_assert_vo_rc(vo_vault_open(&v, junk, &o), VO_ESTORAGE);
    vo_keyring_free(kr);
    vo_vault_close(NULL);
}
END_TEST

START_TEST(schema_newer_than_library_refused)
{
    vo_vault *v = tv_open();
    vo_vault_close(v);
    tv_sql(tv_path, "PRAGMA user_version = 999");
    vo_keyring *kr = tv_keyring("k1", NULL);
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    ck_assert_vo_rc(vo_vault_open(&v, tv_path, &o), VO_EUNSUPPORTED);
    vo_keyring_free(kr);
}
END_TEST

/* ---- keyring ------------------------------------------------------------------------ */

START_TEST(keyring_sources)
{
    vo_keyring *kr = NULL;
    ck_assert_vo_rc(vo_keyring_new(NULL), VO_EINVAL);
    ck_assert_vo_ok(vo_keyring_new(&kr));
    unsigned char k[32];
    tv_key_bytes(k, 5);
    ck_assert_vo_rc(vo_keyring_add_key(kr, "a", k, 31), VO_EINVAL);
    ck_assert_vo_rc(vo_keyring_add_key(kr, "", k, 32), VO_EINVAL);
    ck_assert_vo_rc(vo_keyring_add_key(kr, "bad id", k, 32), VO_EINVAL);
    ck_assert_vo_rc(vo_keyring_add_key(kr, NULL, k, 32), VO_EINVAL);
    ck_assert_vo_ok(vo_keyring_add_key(kr, "a", k, 32));
    ck_assert_vo_rc(vo_keyring_add_key(kr, "a", k, 32), VO_EEXISTS);
    ck_assert_vo_rc(vo_keyring_set_active(kr, "nope"), VO_ENOTFOUND);

    /* Key files: keygen (base64 text, 0600), raw 32 bytes, refused when group-readable. */
    char kf[400], raw[400], loose[400];
    snprintf(kf, sizeof(kf), "%s/kek.key", tv_dir);
    ck_assert_vo_ok(vo_vault_keygen(kf));
    ck_assert_vo_rc(vo_vault_keygen(kf), VO_EEXISTS);
    ck_assert_vo_rc(vo_vault_keygen(NULL), VO_EINVAL);
    struct stat st;
    ck_assert_int_eq(stat(kf, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(st.st_size, 45);
    ck_assert_vo_ok(vo_keyring_add_file(kr, "file", kf));
    snprintf(raw, sizeof(raw), "%s/raw.key", tv_dir);
    int fd = open(raw, O_CREAT | O_WRONLY, 0600);
    ck_assert_int_eq(write(fd, k, 32), 32);
    close(fd);
    ck_assert_vo_ok(vo_keyring_add_file(kr, "raw", raw));
    snprintf(loose, sizeof(loose), "%s/loose.key", tv_dir);
    fd = open(loose, O_CREAT | O_WRONLY, 0644);
    ck_assert_int_eq(write(fd, k, 32), 32);
    close(fd);
    chmod(loose, 0644);
    ck_assert_vo_rc(vo_keyring_add_file(kr, "loose", loose), VO_EFORBIDDEN);
    chmod(loose, 0604);
    ck_assert_vo_rc(vo_keyring_add_file(kr, "loose", loose), VO_EFORBIDDEN);
    chmod(loose, 0600);
    fd = open(loose, O_WRONLY | O_TRUNC);
    ck_assert_int_eq(write(fd, "not a key\n", 10), 10);
    close(fd);
    ck_assert_vo_rc(vo_keyring_add_file(kr, "loose", loose), VO_EPARSE);
    ck_assert_vo_rc(vo_keyring_add_file(kr, "gone", "/nonexistent/key"), VO_ENOTFOUND);

    /* Environment variable. */
    char b64[64];
    ck_assert_vo_ok(vo_base64_encode(b64, sizeof(b64), k, 32, VO_BASE64_STANDARD));
    setenv("VO_TEST_KEK", b64, 1);
    ck_assert_vo_ok(vo_keyring_add_env(kr, "env", "VO_TEST_KEK"));
    setenv("VO_TEST_KEK_BAD", "AAAA", 1);
    ck_assert_vo_rc(vo_keyring_add_env(kr, "env2", "VO_TEST_KEK_BAD"), VO_EPARSE);
    unsetenv("VO_TEST_KEK_UNSET");
    ck_assert_vo_rc(vo_keyring_add_env(kr, "env3", "VO_TEST_KEK_UNSET"), VO_ENOTFOUND);
    ck_assert_uint_eq(vo_keyring_count(kr), 4);

    /* A vault works with every one of them as the active KEK. */
    const char *ids[] = {"a", "file", "raw", "env"};
    for (int i = 0; i < 4; i++) {
        char path[400];
        snprintf(path, sizeof(path), "%s/v%d.db", tv_dir, i);
        ck_assert_vo_ok(vo_keyring_set_active(kr, ids[i]));
        vo_vault_options o = VO_VAULT_OPTIONS_INIT;
        o.keyring = kr;
        vo_vault *v = NULL;
        ck_assert_vo_ok(vo_vault_open(&v, path, &o));
        ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
        tv_put(v, "t", "s", "hello");
        vo_tenant_list *tl = NULL;
        ck_assert_vo_ok(vo_vault_tenant_get(&tl, v, "t"));
        ck_assert_str_eq(vo_tenant_list_kek_id(tl, 0), ids[i]);
        vo_tenant_list_free(tl);
        vo_vault_close(v);
    }
    vo_keyring_free(kr);
    vo_keyring_free(NULL);
}
END_TEST

START_TEST(passphrase_kek)
{
    vo_keyring *kr = NULL;
    ck_assert_vo_ok(vo_keyring_new(&kr));
    ck_assert_vo_rc(vo_keyring_add_passphrase(kr, "pw", "", 0, 0, 0), VO_EINVAL);
    ck_assert_vo_rc(vo_keyring_add_passphrase(kr, "pw", "x", 1, 0, 1), VO_EINVAL);
    ck_assert_vo_ok(vo_keyring_add_passphrase(
        kr, "pw", "correct horse", 13, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN));
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    vo_vault *v = NULL;
    ck_assert_vo_ok(vo_vault_open(&v, tv_path, &o));
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    tv_put(v, "t", "s", "pass-protected");
    vo_vault_close(v);
    vo_keyring_free(kr);
    /* Salt and limits are stored in the vault. */
    ck_assert_int_eq(tv_sql_int(tv_path, "SELECT length(kdf_salt) FROM keks WHERE kek_id='pw'"),
                     16);
    /* Reopen with the same passphrase (other limits given: the stored ones win). */
    ck_assert_vo_ok(vo_keyring_new(&kr));
    ck_assert_vo_ok(vo_keyring_add_passphrase(kr, "pw", "correct horse", 13, 0, 0));
    o.keyring = kr;
    ck_assert_vo_ok(vo_vault_open(&v, tv_path, &o));
    tv_expect(v, "t", "s", "pass-protected");
    vo_vault_close(v);
    vo_keyring_free(kr);
    /* The wrong passphrase fails cleanly at open. */
    ck_assert_vo_ok(vo_keyring_new(&kr));
    ck_assert_vo_ok(vo_keyring_add_passphrase(
        kr, "pw", "wrong horse", 11, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN));
    o.keyring = kr;
    ck_assert_vo_rc(vo_vault_open(&v, tv_path, &o), VO_ECRYPTO);
    ck_assert_ptr_null(v);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "pw"));
    ck_assert_ptr_null(strstr(vo_error_last()->message, "wrong horse"));
    vo_keyring_free(kr);
}
END_TEST

/* A toy "KMS": AEAD with its own key, binding the associated data. */
START_TEST(provider_kek)
{
    randombytes_buf(pt_kms.key, 32);
    vo_keyring *kr = NULL;
    ck_assert_vo_ok(vo_keyring_new(&kr));
    ck_assert_vo_rc(vo_keyring_add_provider(kr, "kms", NULL, pt_kms_unwrap, NULL), VO_EINVAL);
    ck_assert_vo_ok(
        vo_keyring_add_provider(kr, "kms", pt_kms_wrap, pt_kms_unwrap, &pt_kms.calls));
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    o.dek_cache_size = -1; /* no cache: every read unwraps through the provider */
    vo_vault *v = NULL;
    ck_assert_vo_ok(vo_vault_open(&v, tv_path, &o));
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    tv_put(v, "t", "s", "kms-protected");
    int before = pt_kms.calls;
    tv_expect(v, "t", "s", "kms-protected");
    ck_assert_int_gt(pt_kms.calls, before); /* no cache: the provider unwrapped */
    vo_vault_close(v);
    /* Another provider key under the same id fails at open. */
    randombytes_buf(pt_kms.key, 32);
    ck_assert_vo_rc(vo_vault_open(&v, tv_path, &o), VO_ECRYPTO);
    vo_keyring_free(kr);
}
END_TEST

START_TEST(wrong_or_missing_kek_fails_cleanly)
{
    vo_vault *v = tv_open();
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    tv_put(v, "t", "s", "guarded");
    vo_vault_close(v);
    /* Same id, other bytes. */
    vo_keyring *kr = NULL;
    ck_assert_vo_ok(vo_keyring_new(&kr));
    unsigned char k[32];
    tv_key_bytes(k, 999);
    ck_assert_vo_ok(vo_keyring_add_key(kr, "k1", k, 32));
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    ck_assert_vo_rc(vo_vault_open(&v, tv_path, &o), VO_ECRYPTO);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "k1"));
    vo_keyring_free(kr);
    /* Only an unrelated KEK: the audit key cannot be unwrapped. */
    kr = tv_keyring("other", NULL);
    o.keyring = kr;
    ck_assert_vo_rc(vo_vault_open(&v, tv_path, &o), VO_ECRYPTO);
    vo_keyring_free(kr);
}
END_TEST

/* ---- tenants ------------------------------------------------------------------------ */

START_TEST(tenants_round_trip)
{
    vo_vault *v = tv_open();
    ck_assert_vo_ok(vo_vault_tenant_create(v, "acme"));
    ck_assert_vo_ok(vo_vault_tenant_create(v, "beta-2"));
    ck_assert_vo_ok(vo_vault_tenant_create(v, "c.d_e"));
    ck_assert_vo_rc(vo_vault_tenant_create(v, "acme"), VO_EEXISTS);
    const char *bad[] = {"", "-lead", ".dot", "has space", "slash/no", "ümlaut", NULL};
    for (int i = 0; bad[i]; i++) {
        ck_assert_vo_rc(vo_vault_tenant_create(v, bad[i]), VO_EINVAL);
        ck_assert_str_ne(vo_error_last()->message, "");
    }
    ck_assert_vo_rc(vo_vault_tenant_create(v, NULL), VO_EINVAL);
    ck_assert_vo_rc(vo_vault_tenant_create(NULL, "x"), VO_EINVAL);
    char longid[80];
    memset(longid, 'a', 65);
    longid[65] = 0;
    ck_assert_vo_rc(vo_vault_tenant_create(v, longid), VO_EINVAL);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "too long"));
    longid[64] = 0;
    ck_assert_vo_ok(vo_vault_tenant_create(v, longid));

    tv_put(v, "acme", "a", "1");
    tv_put(v, "acme", "b", "2");
    vo_tenant_list *l = NULL;
    ck_assert_vo_ok(vo_vault_tenant_get(&l, v, "acme"));
    ck_assert_uint_eq(vo_tenant_list_count(l), 1);
    ck_assert_str_eq(vo_tenant_list_id(l, 0), "acme");
    ck_assert_str_eq(vo_tenant_list_kek_id(l, 0), "k1");
    ck_assert_int_eq(vo_tenant_list_dek_generation(l, 0), 1);
    ck_assert_int_eq(vo_tenant_list_secret_count(l, 0), 2);
    ck_assert_int_gt(vo_tenant_list_created_at(l, 0), 1600000000000LL);
    ck_assert_ptr_null(vo_tenant_list_id(l, 1));
    vo_tenant_list_free(l);
    ck_assert_vo_rc(vo_vault_tenant_get(&l, v, "nope"), VO_ENOTFOUND);
    ck_assert_ptr_null(l);

    ck_assert_vo_ok(vo_vault_tenant_list(&l, v, NULL, 0));
    ck_assert_uint_eq(vo_tenant_list_count(l), 4);
    ck_assert_str_eq(vo_tenant_list_id(l, 0), longid);
    ck_assert_str_eq(vo_tenant_list_id(l, 1), "acme");
    vo_tenant_list_free(l);
    ck_assert_vo_ok(vo_vault_tenant_list(&l, v, "acme", 1));
    ck_assert_uint_eq(vo_tenant_list_count(l), 1);
    ck_assert_str_eq(vo_tenant_list_id(l, 0), "beta-2");
    vo_tenant_list_free(l);

    ck_assert_vo_ok(vo_vault_tenant_delete(v, "acme"));
    ck_assert_vo_rc(vo_vault_tenant_delete(v, "acme"), VO_ENOTFOUND);
    ck_assert_vo_rc(tv_get_rc(v, "acme", "a", 0), VO_ENOTFOUND);
    ck_assert_int_eq(tv_sql_int(tv_path, "SELECT count(*) FROM secrets"), 0);
    /* Recreated: a new DEK, nothing of the old tenant visible. */
    ck_assert_vo_ok(vo_vault_tenant_create(v, "acme"));
    ck_assert_vo_rc(tv_get_rc(v, "acme", "a", 0), VO_ENOTFOUND);
    vo_vault_close(v);
    vo_tenant_list_free(NULL);
}
END_TEST

/* ---- secrets ------------------------------------------------------------------------ */

START_TEST(secrets_round_trip_versions_cas)
{
    vo_vault *v = tv_open();
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    int64_t ver = 0;
    ck_assert_vo_ok(vo_vault_secret_put(&ver, v, "t", "twilio/token", "v1", 2, 0));
    ck_assert_int_eq(ver, 1);
    ck_assert_vo_rc(vo_vault_secret_put(&ver, v, "t", "twilio/token", "x", 1, 0), VO_ECONFLICT);
    ck_assert_vo_rc(vo_vault_secret_put(&ver, v, "t", "twilio/token", "x", 1, 5), VO_ECONFLICT);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "version 1"));
    ck_assert_vo_ok(vo_vault_secret_put(&ver, v, "t", "twilio/token", "v2", 2, 1));
    ck_assert_int_eq(ver, 2);
    ck_assert_vo_ok(vo_vault_secret_put(&ver, v, "t", "twilio/token", "v3", 2, -1));
    ck_assert_int_eq(ver, 3);
    ck_assert_vo_rc(vo_vault_secret_put(&ver, v, "t", "twilio/token", "x", 1, -2), VO_EINVAL);

    vo_secret *s = NULL;
    int64_t got = 0;
    ck_assert_vo_ok(vo_vault_secret_get(&s, &got, v, "t", "twilio/token", 0));
    ck_assert_str_eq(vo_secret_str(s), "v3");
    ck_assert_int_eq(got, 3);
    vo_secret_free(s);
    ck_assert_vo_ok(vo_vault_secret_get(&s, &got, v, "t", "twilio/token", 1));
    ck_assert_str_eq(vo_secret_str(s), "v1");
    ck_assert_int_eq(got, 1);
    vo_secret_free(s);
    ck_assert_vo_rc(vo_vault_secret_get(&s, &got, v, "t", "twilio/token", 9), VO_ENOTFOUND);
    ck_assert_ptr_null(s);
    ck_assert_vo_rc(vo_vault_secret_get(&s, &got, v, "t", "twilio/token", -1), VO_EINVAL);
    ck_assert_vo_rc(vo_vault_secret_get(&s, &got, v, "t", "nope", 0), VO_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "no secret"));
    ck_assert_vo_rc(vo_vault_secret_get(&s, &got, v, "nobody", "x", 0), VO_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "no tenant"));
    ck_assert_vo_rc(vo_vault_secret_get(NULL, &got, v, "t", "x", 0), VO_EINVAL);

    /* Binary values and the caller-buffer variant. */
    unsigned char bin[300];
    for (int i = 0; i < 300; i++)
        bin[i] = (unsigned char)i;
    ck_assert_vo_ok(vo_vault_secret_put(NULL, v, "t", "bin", bin, sizeof(bin), 0));
    unsigned char out[400];
    size_t len = 0;
    ck_assert_vo_ok(vo_vault_secret_get_into(out, sizeof(out), &len, &got, v, "t", "bin", 0));
    ck_assert_uint_eq(len, 300);
    ck_assert_mem_eq(out, bin, 300);
    ck_assert_vo_rc(vo_vault_secret_get_into(out, 10, &len, &got, v, "t", "bin", 0), VO_ERANGE);
    ck_assert_uint_eq(len, 300);

    /* Bad inputs. */
    ck_assert_vo_rc(vo_vault_secret_put(NULL, v, "t", "e", "", 0, -1), VO_EINVAL);
    ck_assert_vo_rc(vo_vault_secret_put(NULL, v, "t", "e", NULL, 3, -1), VO_EINVAL);
    ck_assert_vo_rc(vo_vault_secret_put(NULL, v, "t", "e", bin, VO_VAULT_VALUE_MAX + 1, -1),
                    VO_ETOOBIG);
    ck_assert_vo_rc(vo_vault_secret_put(NULL, v, "missing", "e", "x", 1, -1), VO_ENOTFOUND);
    const char *bad_names[] = {"",      "/lead",  "trail/", "a//b", "a/../b",
                               "a/./b", "sp ace", "q?",     "_x",   NULL};
    for (int i = 0; bad_names[i]; i++)
        ck_assert_vo_rc(vo_vault_secret_put(NULL, v, "t", bad_names[i], "x", 1, -1), VO_EINVAL);
    char longname[200];
    memset(longname, 'n', 129);
    longname[129] = 0;
    ck_assert_vo_rc(vo_vault_secret_put(NULL, v, "t", longname, "x", 1, -1), VO_EINVAL);
    longname[128] = 0;
    ck_assert_vo_ok(vo_vault_secret_put(NULL, v, "t", longname, "x", 1, -1));
    char *big = malloc(VO_VAULT_VALUE_MAX);
    memset(big, 'z', VO_VAULT_VALUE_MAX);
    ck_assert_vo_ok(vo_vault_secret_put(NULL, v, "t", "big", big, VO_VAULT_VALUE_MAX, -1));
    ck_assert_vo_ok(vo_vault_secret_get(&s, NULL, v, "t", "big", 0));
    ck_assert_uint_eq(vo_secret_len(s), VO_VAULT_VALUE_MAX);
    vo_secret_free(s);
    free(big);

    /* List: metadata only. */
    vo_secret_list *l = NULL;
    ck_assert_vo_ok(vo_vault_secret_list(&l, v, "t"));
    ck_assert_uint_eq(vo_secret_list_count(l), 4);
    ck_assert_str_eq(vo_secret_list_name(l, 0), "big");
    ck_assert_str_eq(vo_secret_list_name(l, 3), "twilio/token");
    ck_assert_int_eq(vo_secret_list_version(l, 3), 3);
    ck_assert_int_eq(vo_secret_list_versions_kept(l, 3), 3);
    ck_assert_int_ge(vo_secret_list_updated_at(l, 3), vo_secret_list_created_at(l, 3));
    vo_secret_list_free(l);
    ck_assert_vo_rc(vo_vault_secret_list(&l, v, "missing"), VO_ENOTFOUND);

    /* Delete with check-and-set; the version counter survives. */
    ck_assert_vo_rc(vo_vault_secret_delete(v, "t", "twilio/token", 2), VO_ECONFLICT);
    ck_assert_vo_ok(vo_vault_secret_delete(v, "t", "twilio/token", 3));
    ck_assert_vo_rc(vo_vault_secret_delete(v, "t", "twilio/token", -1), VO_ENOTFOUND);
    ck_assert_vo_rc(tv_get_rc(v, "t", "twilio/token", 0), VO_ENOTFOUND);
    ck_assert_vo_rc(tv_get_rc(v, "t", "twilio/token", 1), VO_ENOTFOUND);
    ck_assert_vo_rc(vo_vault_secret_put(&ver, v, "t", "twilio/token", "v4", 2, 3),
                    VO_ECONFLICT);
    ck_assert_vo_ok(vo_vault_secret_put(&ver, v, "t", "twilio/token", "v4", 2, 0));
    ck_assert_int_eq(ver, 4);
    vo_vault_close(v);
}
END_TEST

START_TEST(kept_versions_bounded)
{
    vo_keyring *kr = tv_keyring("k1", NULL);
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    o.kept_versions = 3;
    vo_vault *v = NULL;
    ck_assert_vo_ok(vo_vault_open(&v, tv_path, &o));
    vo_keyring_free(kr);
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    for (int i = 1; i <= 10; i++) {
        char val[16];
        snprintf(val, sizeof(val), "v%d", i);
        tv_put(v, "t", "s", val);
    }
    ck_assert_int_eq(tv_sql_int(tv_path, "SELECT count(*) FROM secrets"), 3);
    ck_assert_vo_rc(tv_get_rc(v, "t", "s", 7), VO_ENOTFOUND);
    ck_assert_vo_ok(tv_get_rc(v, "t", "s", 8));
    tv_expect(v, "t", "s", "v10");
    vo_vault_close(v);
}
END_TEST

/* ---- security properties ------------------------------------------------------------ */

START_TEST(moved_ciphertext_fails)
{
    vo_vault *v = tv_open_with(tv_path, "k1", NULL, 0);
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t1"));
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t2"));
    tv_put(v, "t1", "a", "alpha-1");
    tv_put(v, "t1", "a", "alpha-2");
    tv_put(v, "t1", "b", "beta-1");
    tv_put(v, "t2", "a", "other-tenant");
    /* Same DEK generation everywhere, so only the AD binding can catch the moves. */
    /* 1. to another name of the same tenant */
    tv_sql(tv_path,
           "UPDATE secrets SET ct = (SELECT ct FROM secrets WHERE name='a' AND version=1"
           " AND tid=(SELECT tid FROM tenants WHERE name='t1'))"
           " WHERE name='b' AND tid=(SELECT tid FROM tenants WHERE name='t1')");
    ck_assert_vo_rc(tv_get_rc(v, "t1", "b", 0), VO_ECRYPTO);
    /* 2. to another version of the same name */
    tv_sql(tv_path,
           "UPDATE secrets SET ct = (SELECT ct FROM secrets WHERE name='a' AND version=1"
           " AND tid=(SELECT tid FROM tenants WHERE name='t1'))"
           " WHERE name='a' AND version=2 AND tid=(SELECT tid FROM tenants WHERE name='t1')");
    ck_assert_vo_rc(tv_get_rc(v, "t1", "a", 0), VO_ECRYPTO);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "authentication"));
    /* 3. to another tenant (different DEK, and the AD names the tenant) */
    tv_sql(tv_path,
           "UPDATE secrets SET ct = (SELECT ct FROM secrets WHERE name='a' AND version=1"
           " AND tid=(SELECT tid FROM tenants WHERE name='t1'))"
           " WHERE name='a' AND tid=(SELECT tid FROM tenants WHERE name='t2')");
    ck_assert_vo_rc(tv_get_rc(v, "t2", "a", 0), VO_ECRYPTO);
    /* 4. a wrapped DEK moved to another tenant */
    tv_sql(tv_path, "UPDATE tenants SET wrapped_dek = (SELECT wrapped_dek FROM tenants WHERE"
                    " name='t1') WHERE name='t2'");
    ck_assert_vo_rc(tv_get_rc(v, "t2", "a", 0), VO_ECRYPTO);
    /* 5. the row re-labelled as another version keeps failing */
    ck_assert_vo_ok(tv_get_rc(v, "t1", "a", 1));
    tv_sql(tv_path, "UPDATE secrets SET version = 7 WHERE name='a' AND version=1 AND"
                    " tid=(SELECT tid FROM tenants WHERE name='t1')");
    ck_assert_vo_rc(tv_get_rc(v, "t1", "a", 7), VO_ECRYPTO);
    vo_vault_close(v);
}
END_TEST

static void xor_blob_byte(const char *path, const char *table, const char *col,
                          const char *where, int byte, unsigned char mask)
{
    if (tv_is_pg(path)) {
        char q[600];
        snprintf(q, sizeof(q),
                 "UPDATE %s SET %s = set_byte(%s, %d, get_byte(%s, %d) # %d)"
                 " WHERE %s",
                 table, col, col, byte, col, byte, mask, where);
        tv_sql(path, q);
        return;
    }
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_exec(db, "PRAGMA synchronous=OFF", NULL, NULL, NULL);
    char sql[600];
    snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE %s", col, table, where);
    sqlite3_stmt *s = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    int n = sqlite3_column_bytes(s, 0);
    unsigned char *b = malloc((size_t)n);
    memcpy(b, sqlite3_column_blob(s, 0), (size_t)n);
    sqlite3_finalize(s);
    ck_assert_int_lt(byte, n);
    b[byte] ^= mask;
    snprintf(sql, sizeof(sql), "UPDATE %s SET %s = ?1 WHERE %s", table, col, where);
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_blob(s, 1, b, n, SQLITE_TRANSIENT);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    sqlite3_close(db);
    free(b);
}

START_TEST(flipped_bit_anywhere_fails)
{
    vo_vault *v = tv_open_with(tv_path, "k1", NULL, 0);
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    tv_put(v, "t", "s", "bit-flip-target");
    int n = (int)tv_sql_int(tv_path, "SELECT length(ct) FROM secrets");
    ck_assert_int_eq(n, 1 + 24 + 15 + 16);
    const char *where = "name='s'";
    for (int byte = 0; byte < n; byte++)
        for (int bit = 0; bit < 8; bit++) {
            xor_blob_byte(tv_path, "secrets", "ct", where, byte, (unsigned char)(1u << bit));
            ck_assert_msg(tv_get_rc(v, "t", "s", 0) == VO_ECRYPTO, "byte %d bit %d", byte, bit);
            xor_blob_byte(tv_path, "secrets", "ct", where, byte, (unsigned char)(1u << bit));
        }
    tv_expect(v, "t", "s", "bit-flip-target");
    /* The other columns of the secret row. */
    const char *edits[][2] = {
        {"UPDATE secrets SET created_ms = created_ms + 1",
         "UPDATE secrets SET created_ms = created_ms - 1"},
        {"UPDATE secrets SET dek_gen = 2", "UPDATE secrets SET dek_gen = 1"},
        {"UPDATE secrets SET version = 2; UPDATE heads SET latest = 2",
         "UPDATE secrets SET version = 1; UPDATE heads SET latest = 1"},
    };
    for (size_t i = 0; i < 3; i++) {
        tv_sql(tv_path, edits[i][0]);
        ck_assert_msg(tv_get_rc(v, "t", "s", 0) == VO_ECRYPTO, "edit %zu", i);
        tv_sql(tv_path, edits[i][1]);
        tv_expect(v, "t", "s", "bit-flip-target");
    }
    /* A changed name or tenant id makes the row unreachable under its old key and fail
     * under the new one. */
    tv_sql(tv_path, "UPDATE secrets SET name = 'r'; UPDATE heads SET name = 'r'");
    ck_assert_vo_rc(tv_get_rc(v, "t", "s", 0), VO_ENOTFOUND);
    ck_assert_vo_rc(tv_get_rc(v, "t", "r", 0), VO_ECRYPTO);
    tv_sql(tv_path, "UPDATE secrets SET name = 's'; UPDATE heads SET name = 's'");
    /* The tenant row: every bit of the wrapped DEK, and its other columns. */
    int wn = (int)tv_sql_int(tv_path, "SELECT length(wrapped_dek) FROM tenants");
    for (int byte = 0; byte < wn; byte++) {
        xor_blob_byte(tv_path, "tenants", "wrapped_dek", "name='t'", byte, 0x10);
        ck_assert_msg(tv_get_rc(v, "t", "s", 0) == VO_ECRYPTO, "dek byte %d", byte);
        xor_blob_byte(tv_path, "tenants", "wrapped_dek", "name='t'", byte, 0x10);
    }
    const char *tedits[][2] = {
        {"UPDATE tenants SET created_ms = created_ms + 1",
         "UPDATE tenants SET created_ms = created_ms - 1"},
        {"UPDATE tenants SET dek_gen = 2; UPDATE secrets SET dek_gen = 2",
         "UPDATE tenants SET dek_gen = 1; UPDATE secrets SET dek_gen = 1"},
        {"UPDATE tenants SET kek_id = 'k2'", "UPDATE tenants SET kek_id = 'k1'"},
    };
    for (size_t i = 0; i < 3; i++) {
        tv_sql(tv_path, tedits[i][0]);
        ck_assert_msg(tv_get_rc(v, "t", "s", 0) == VO_ECRYPTO, "tenant edit %zu", i);
        tv_sql(tv_path, tedits[i][1]);
        tv_expect(v, "t", "s", "bit-flip-target");
    }
    vo_vault_close(v);
}
END_TEST

static char log_seen[1 << 16];
static size_t log_len;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static void capture_log(const vo_log_record *r, void *payload)
{
    (void)payload;
    pthread_mutex_lock(&log_mu);
    size_t n = strlen(r->message);
    if (log_len + n + 2 < sizeof(log_seen)) {
        memcpy(log_seen + log_len, r->message, n);
        log_len += n;
        log_seen[log_len++] = '\n';
        log_seen[log_len] = 0;
    }
    pthread_mutex_unlock(&log_mu);
}

START_TEST(no_plaintext_on_disk_logs_errors_or_audit)
{
    vo_log_set_callback(capture_log, VO_LOG_TRACE, NULL);
    char errors[1 << 15];
    size_t elen = 0;
#define NOTE_ERR()                                         \
  do {                                                     \
    size_t n_ = strlen(vo_error_last()->message);          \
    if (elen + n_ + 2 < sizeof(errors)) {                  \
      memcpy(errors + elen, vo_error_last()->message, n_); \
      elen += n_;                                          \
      errors[elen++] = '\n';                               \
      errors[elen] = 0;                                    \
    }                                                      \
  } while (0)
    errors[0] = 0;
    vo_vault *v = tv_open();
    /* Distinctive values, some shaped like identifiers that might end up in messages. */
    char values[40][64];
    for (int i = 0; i < 40; i++) {
        unsigned char r[12];
        randombytes_buf(r, sizeof(r));
        char hex[25];
        sodium_bin2hex(hex, sizeof(hex), r, sizeof(r));
        snprintf(values[i], sizeof(values[i]), "%sPLAIN%02d%s", i % 2 ? "s" : "AC", i, hex);
    }
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t1"));
    for (int i = 0; i < 20; i++) {
        char name[32];
        snprintf(name, sizeof(name), "n%d", i);
        tv_put(v, "t1", name, values[i]);
        /* failing writes and reads whose messages must not echo the value */
        ck_assert_vo_rc(
            vo_vault_secret_put(NULL, v, "t1", name, values[i], strlen(values[i]), 0),
            VO_ECONFLICT);
        NOTE_ERR();
        ck_assert_vo_rc(
            vo_vault_secret_put(NULL, v, "t1", "bad name", values[i], strlen(values[i]), 0),
            VO_EINVAL);
        NOTE_ERR();
        ck_assert_vo_rc(
            vo_vault_secret_put(NULL, v, "nope", name, values[i], strlen(values[i]), 0),
            VO_ENOTFOUND);
        NOTE_ERR();
        tv_expect(v, "t1", name, values[i]);
    }
    /* Import the others (including rejected rows and a conflicting value). */
    char csv[8192] = "tenant,name,value\n";
    for (int i = 20; i < 40; i++) {
        char line[200];
        snprintf(line, sizeof(line), "%s,imp%d,%s\n", i < 35 ? "t2" : "bad tenant", i,
                 values[i]);
        strcat(csv, line);
    }
    strcat(csv, "t1,n0,");
    strcat(csv, values[21]);
    strcat(csv, "\n");
    vo_import_report *rep = NULL;
    ck_assert_vo_ok(vo_vault_import_buffer(&rep, v, csv, strlen(csv), VO_IMPORT_CSV,
                                           VO_IMPORT_CREATE_TENANTS));
    ck_assert_int_eq(vo_import_report_imported(rep), 15);
    ck_assert_int_eq(vo_import_report_rejected(rep), 6);
    for (size_t i = 0; i < vo_import_report_rejection_count(rep); i++)
        for (int k = 0; k < 40; k++)
            ck_assert_ptr_null(strstr(vo_import_report_rejection_reason(rep, i), values[k]));
    vo_import_report_free(rep);
    ck_assert_vo_ok(vo_vault_tenant_rotate_dek(v, "t1"));
    ck_assert_vo_ok(vo_vault_audit_flush(v));

    /* Audit rows never carry values. */
    vo_audit_list *al = NULL;
    ck_assert_vo_ok(vo_vault_audit_list(&al, v, NULL, 0, 0, 0, 100000));
    ck_assert_uint_gt(vo_audit_list_count(al), 60);
    for (size_t i = 0; i < vo_audit_list_count(al); i++)
        for (int k = 0; k < 40; k++) {
            ck_assert_ptr_null(strstr(vo_audit_list_name(al, i), values[k]));
            ck_assert_ptr_null(strstr(vo_audit_list_result(al, i), values[k]));
        }
    vo_audit_list_free(al);

#ifdef VO_HAVE_POSTGRES
    /* PostgreSQL: every file of the server's data directory (tables, indexes, WAL). */
    if (tv_pg) {
        int k = tv_pg_disk_find((const char(*)[64])values, 40, NULL);
        ck_assert_msg(k < 0, "value %d in the PostgreSQL data directory", k);
        vo_vault_close(v);
        for (int i = 0; i < 40; i++) {
            ck_assert_ptr_null(strstr(log_seen, values[i]));
            ck_assert_ptr_null(strstr(errors, values[i]));
        }
        vo_log_set_callback(NULL, VO_LOG_NONE, NULL);
        return;
    }
#endif
    /* Database file and WAL, while open and after close (checkpointed). */
    char wal[400];
    snprintf(wal, sizeof(wal), "%s-wal", tv_path);
    for (int round = 0; round < 2; round++) {
        for (int k = 0; k < 40; k++) {
            ck_assert_msg(!tv_file_contains(tv_path, values[k], strlen(values[k])),
                          "value %d in db file", k);
            ck_assert_msg(!tv_file_contains(wal, values[k], strlen(values[k])),
                          "value %d in WAL", k);
            /* not even a 12-character fragment */
            ck_assert(!tv_file_contains(tv_path, values[k] + 8, 12));
        }
        if (round == 0)
            vo_vault_close(v);
    }
    for (int k = 0; k < 40; k++) {
        ck_assert_ptr_null(strstr(log_seen, values[k]));
        ck_assert_ptr_null(strstr(errors, values[k]));
    }
    vo_log_set_callback(NULL, VO_LOG_NONE, NULL);
#undef NOTE_ERR
}
END_TEST

/* ---- typed credentials -------------------------------------------------------------- */

#define SID "AC0123456789abcdef0123456789abcdef"
#define TOKEN "0123456789abcdef0123456789abcdef"

START_TEST(twilio_credentials)
{
    vo_vault *v = tv_open();
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    vo_twilio_credentials *c = NULL;
    ck_assert_vo_ok(vo_twilio_credentials_new(&c));
    ck_assert_vo_rc(vo_twilio_credentials_validate(c), VO_EINVAL);
    ck_assert_vo_rc(vo_twilio_credentials_set_account_sid(c, "AC123"), VO_EINVAL);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "account SID"));
    ck_assert_vo_rc(
        vo_twilio_credentials_set_account_sid(c, "SK0123456789abcdef0123456789abcdef"),
        VO_EINVAL);
    ck_assert_vo_rc(
        vo_twilio_credentials_set_account_sid(c, "AC0123456789abcdef0123456789abcdeg"),
        VO_EINVAL);
    ck_assert_vo_ok(vo_twilio_credentials_set_account_sid(c, SID));
    ck_assert_vo_rc(vo_twilio_credentials_validate(c), VO_EINVAL);
    ck_assert_vo_rc(vo_twilio_credentials_put(NULL, v, "t", c, 0), VO_EINVAL);
    ck_assert_vo_rc(vo_twilio_credentials_set_auth_token(c, "short"), VO_EINVAL);
    ck_assert_vo_ok(vo_twilio_credentials_set_auth_token(c, TOKEN));
    ck_assert_vo_rc(
        vo_twilio_credentials_set_api_key(c, "SK0123456789abcdef0123456789abcdef", NULL),
        VO_EINVAL);
    ck_assert_vo_rc(vo_twilio_credentials_set_api_key(c, "AC0123456789abcdef0123456789abcdef",
                                                      "secretsecretsecret12"),
                    VO_EINVAL);
    ck_assert_vo_ok(vo_twilio_credentials_set_api_key(c, "SK0123456789abcdef0123456789abcdef",
                                                      "secretsecretsecret12"));
    ck_assert_vo_ok(
        vo_twilio_credentials_set_secondary_auth_token(c, "fedcba9876543210fedcba9876543210"));
    ck_assert_vo_rc(vo_twilio_credentials_set_region(c, "US 1"), VO_EINVAL);
    ck_assert_vo_ok(vo_twilio_credentials_set_region(c, "ie1"));
    ck_assert_vo_ok(vo_twilio_credentials_set_edge(c, "dublin"));
    ck_assert_vo_ok(vo_twilio_credentials_validate(c));
    int64_t ver = 0;
    ck_assert_vo_ok(vo_twilio_credentials_put(&ver, v, "t", c, 0));
    ck_assert_int_eq(ver, 1);
    ck_assert_vo_rc(vo_twilio_credentials_put(&ver, v, "t", c, 0), VO_ECONFLICT);
    vo_twilio_credentials_free(c);
    ck_assert_vo_ok(vo_twilio_credentials_get(&c, NULL, v, "t"));
    ck_assert_str_eq(vo_twilio_credentials_account_sid(c), SID);
    ck_assert_str_eq(vo_twilio_credentials_auth_token(c), TOKEN);
    ck_assert_str_eq(vo_twilio_credentials_api_key_sid(c),
                     "SK0123456789abcdef0123456789abcdef");
    ck_assert_str_eq(vo_twilio_credentials_api_key_secret(c), "secretsecretsecret12");
    ck_assert_str_eq(vo_twilio_credentials_secondary_auth_token(c),
                     "fedcba9876543210fedcba9876543210");
    ck_assert_str_eq(vo_twilio_credentials_region(c), "ie1");
    ck_assert_str_eq(vo_twilio_credentials_edge(c), "dublin");
    /* Clearing optional fields. */
    ck_assert_vo_ok(vo_twilio_credentials_set_edge(c, NULL));
    ck_assert_ptr_null(vo_twilio_credentials_edge(c));
    vo_twilio_credentials_free(c);
    ck_assert_vo_rc(vo_twilio_credentials_get(&c, NULL, v, "none"), VO_ENOTFOUND);
    ck_assert_vo_ok(vo_vault_tenant_create(v, "u"));
    ck_assert_vo_rc(vo_twilio_credentials_get(&c, NULL, v, "u"), VO_ENOTFOUND);
    /* A stored document that is not credentials. */
    tv_put(v, "u", VO_CREDENTIALS_TWILIO_NAME,
           "{\"type\":\"twilio\",\"account_sid\":\"nope\"}");
    ck_assert_vo_rc(vo_twilio_credentials_get(&c, NULL, v, "u"), VO_EPARSE);
    tv_put(v, "u", VO_CREDENTIALS_TWILIO_NAME, "not json");
    ck_assert_vo_rc(vo_twilio_credentials_get(&c, NULL, v, "u"), VO_EPARSE);
    ck_assert_ptr_null(c);
    vo_twilio_credentials_free(NULL);
    vo_vault_close(v);
}
END_TEST

START_TEST(vapi_and_smtp_credentials)
{
    vo_vault *v = tv_open();
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    vo_vapi_credentials *c = NULL;
    ck_assert_vo_ok(vo_vapi_credentials_new(&c));
    ck_assert_vo_rc(vo_vapi_credentials_validate(c), VO_EINVAL);
    ck_assert_vo_rc(vo_vapi_credentials_set_api_key(c, "short"), VO_EINVAL);
    ck_assert_vo_ok(vo_vapi_credentials_set_api_key(c, "3f4e5d6c-1111-2222-3333-444455556666"));
    vo_webhook_vapi_options o = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    o.type = VO_WEBHOOK_VAPI_HMAC;
    o.signature_header = "x-sig";
    o.signature_prefix = "sha256=";
    o.tolerance_seconds = 120;
    ck_assert_vo_rc(vo_vapi_credentials_set_webhook(c, &o, NULL), VO_EINVAL);
    o.signature_header = "bad header";
    ck_assert_vo_rc(vo_vapi_credentials_set_webhook(c, &o, "hmac-key"), VO_EINVAL);
    o.signature_header = "x-sig";
    o.type = (vo_webhook_vapi_auth)7;
    ck_assert_vo_rc(vo_vapi_credentials_set_webhook(c, &o, "hmac-key"), VO_EINVAL);
    o.type = VO_WEBHOOK_VAPI_HMAC;
    ck_assert_vo_ok(vo_vapi_credentials_set_webhook(c, &o, "hmac-key"));
    ck_assert_vo_ok(vo_vapi_credentials_put(NULL, v, "t", c, -1));
    vo_vapi_credentials_free(c);
    ck_assert_vo_ok(vo_vapi_credentials_get(&c, NULL, v, "t"));
    ck_assert_str_eq(vo_vapi_credentials_api_key(c), "3f4e5d6c-1111-2222-3333-444455556666");
    ck_assert_str_eq(vo_vapi_credentials_webhook_secret(c), "hmac-key");
    ck_assert_int_eq(vo_vapi_credentials_webhook_type(c), VO_WEBHOOK_VAPI_HMAC);
    vo_webhook_vapi_options got = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    ck_assert_vo_ok(vo_vapi_credentials_webhook_options(&got, c));
    ck_assert_int_eq(got.tolerance_seconds, 120);
    ck_assert_str_eq(got.signature_prefix, "sha256=");
    /* The stored settings verify a request signed with them. */
    const char *body = "{\"message\":{}}";
    char sig[256];
    ck_assert_vo_ok(vo_webhook_vapi_sign(sig, sizeof(sig), &got, "hmac-key", "POST",
                                         "https://x/hook", "1700000000", NULL,
                                         (const unsigned char *)body, strlen(body)));
    vo_param h[] = {{"x-sig", sig}, {"x-timestamp", "1700000000"}};
    vo_webhook_request req = VO_WEBHOOK_REQUEST_INIT;
    req.method = "POST";
    req.url = "https://x/hook";
    req.headers = h;
    req.header_count = 2;
    req.body = (const unsigned char *)body;
    req.body_len = strlen(body);
    const char *secrets[] = {vo_vapi_credentials_webhook_secret(c)};
    ck_assert_vo_ok(vo_webhook_vapi_verify(NULL, &got, secrets, 1, &req, 1700000010));
    vo_vapi_credentials_free(c);
    /* Key only. */
    ck_assert_vo_ok(vo_vapi_credentials_new(&c));
    ck_assert_vo_ok(vo_vapi_credentials_set_api_key(c, "private-key-123"));
    ck_assert_vo_ok(vo_vapi_credentials_put(NULL, v, "t", c, -1));
    vo_vapi_credentials_free(c);
    ck_assert_vo_ok(vo_vapi_credentials_get(&c, NULL, v, "t"));
    ck_assert_int_eq(vo_vapi_credentials_webhook_type(c), -1);
    ck_assert_vo_rc(vo_vapi_credentials_webhook_options(&got, c), VO_ENOTFOUND);
    vo_vapi_credentials_free(c);

    vo_smtp_credentials *m = NULL;
    ck_assert_vo_ok(vo_smtp_credentials_new(&m));
    ck_assert_vo_rc(vo_smtp_credentials_validate(m), VO_EINVAL);
    ck_assert_vo_rc(vo_smtp_credentials_set_host(m, "bad host"), VO_EINVAL);
    ck_assert_vo_ok(vo_smtp_credentials_set_host(m, "smtp.example.com"));
    ck_assert_vo_rc(vo_smtp_credentials_set_port(m, 0), VO_EINVAL);
    ck_assert_vo_rc(vo_smtp_credentials_set_port(m, 70000), VO_EINVAL);
    ck_assert_vo_ok(vo_smtp_credentials_set_port(m, 465));
    ck_assert_vo_rc(vo_smtp_credentials_set_tls(m, 9), VO_EINVAL);
    ck_assert_vo_ok(vo_smtp_credentials_set_tls(m, VO_SMTP_TLS_IMPLICIT));
    ck_assert_vo_ok(vo_smtp_credentials_set_username(m, "mailer@example.com"));
    ck_assert_vo_rc(vo_smtp_credentials_validate(m), VO_EINVAL); /* password missing */
    ck_assert_vo_ok(vo_smtp_credentials_set_password(m, "p\"w\\d with spaces"));
    ck_assert_vo_ok(vo_smtp_credentials_put(NULL, v, "t", m, 0));
    vo_smtp_credentials_free(m);
    ck_assert_vo_ok(vo_smtp_credentials_get(&m, NULL, v, "t"));
    ck_assert_str_eq(vo_smtp_credentials_host(m), "smtp.example.com");
    ck_assert_int_eq(vo_smtp_credentials_port(m), 465);
    ck_assert_int_eq(vo_smtp_credentials_tls(m), VO_SMTP_TLS_IMPLICIT);
    ck_assert_str_eq(vo_smtp_credentials_username(m), "mailer@example.com");
    ck_assert_str_eq(vo_smtp_credentials_password(m), "p\"w\\d with spaces");
    vo_smtp_credentials_free(m);
    vo_vault_close(v);
}
END_TEST

/* ---- rotation ----------------------------------------------------------------------- */

static int stop_after_first(int64_t done, int64_t total, void *payload)
{
    int *calls = payload;
    (*calls)++;
    ck_assert_int_le(done, total);
    return *calls == 1 ? 1 : 0;
}

START_TEST(kek_rotation_and_retire)
{
    vo_keyring *kr = tv_keyring("k1", NULL);
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    o.rotation_batch = 7;
    vo_vault *v = NULL;
    ck_assert_vo_ok(vo_vault_open(&v, tv_path, &o));
    vo_keyring_free(kr);
    for (int i = 0; i < 40; i++) {
        char t[16], val[32];
        snprintf(t, sizeof(t), "t%02d", i);
        snprintf(val, sizeof(val), "value-%d", i);
        ck_assert_vo_ok(vo_vault_tenant_create(v, t));
        tv_put(v, t, "s", val);
    }
    char ct_before[200];
    snprintf(ct_before, sizeof(ct_before), "%lld",
             (long long)tv_sql_int(tv_path, "SELECT sum(length(ct)) FROM secrets"));
    vo_vault_close(v);

    /* k2 joins and becomes active; k1 still unwraps. */
    kr = tv_keyring("k1,k2", "k2");
    o.keyring = kr;
    ck_assert_vo_ok(vo_vault_open(&v, tv_path, &o));
    int64_t n = 0;
    ck_assert_vo_ok(vo_vault_kek_usage(&n, v, "k1"));
    ck_assert_int_eq(n, 41); /* 40 DEKs + the audit key */
    ck_assert_vo_rc(vo_vault_kek_retire(v, "k1"), VO_ECONFLICT);
    ck_assert_vo_rc(vo_vault_kek_retire(v, "k2"), VO_ECONFLICT); /* active */
    ck_assert_vo_rc(vo_vault_kek_rotate(&n, v, "k9", NULL, NULL), VO_ENOTFOUND);
    int calls = 0;
    int64_t remaining = -1;
    ck_assert_vo_ok(vo_vault_kek_rotate(&remaining, v, NULL, stop_after_first, &calls));
    ck_assert_int_eq(remaining, 33);
    ck_assert_int_eq(calls, 1);
    /* Mixed state: everything still reads. */
    tv_expect(v, "t00", "s", "value-0");
    tv_expect(v, "t39", "s", "value-39");
    ck_assert_vo_ok(vo_vault_kek_rotate(&remaining, v, NULL, stop_after_first, &calls));
    ck_assert_int_eq(remaining, 0);
    ck_assert_int_ge(calls, 2);
    ck_assert_vo_ok(vo_vault_kek_usage(&n, v, "k1"));
    ck_assert_int_eq(n, 0);
    ck_assert_vo_ok(vo_vault_kek_usage(&n, v, "k2"));
    ck_assert_int_eq(n, 41);
    /* Secrets were not touched. */
    char ct_after[200];
    snprintf(ct_after, sizeof(ct_after), "%lld",
             (long long)tv_sql_int(tv_path, "SELECT sum(length(ct)) FROM secrets"));
    ck_assert_str_eq(ct_before, ct_after);
    ck_assert_vo_ok(vo_vault_kek_retire(v, "k1"));
    ck_assert_vo_rc(vo_vault_kek_retire(v, "zz"), VO_ENOTFOUND);
    vo_vault_close(v);
    vo_keyring_free(kr);
    /* k1 can be destroyed: the vault opens with k2 alone. */
    v = tv_open_with(tv_path, "k2", NULL, 8);
    for (int i = 0; i < 40; i++) {
        char t[16], val[32];
        snprintf(t, sizeof(t), "t%02d", i);
        snprintf(val, sizeof(val), "value-%d", i);
        tv_expect(v, t, "s", val);
    }
    ck_assert_vo_ok(vo_vault_audit_verify(NULL, NULL, NULL, v));
    vo_vault_close(v);
    /* A retired KEK cannot become active again. */
    kr = tv_keyring("k1,k2", "k1");
    o.keyring = kr;
    ck_assert_vo_rc(vo_vault_open(&v, tv_path, &o), VO_EINVAL);
    vo_keyring_free(kr);
}
END_TEST

START_TEST(tenant_dek_rotation)
{
    vo_vault *v = tv_open();
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    ck_assert_vo_ok(vo_vault_tenant_create(v, "u"));
    tv_put(v, "t", "a", "a1");
    tv_put(v, "t", "a", "a2");
    tv_put(v, "t", "b", "b1");
    tv_put(v, "u", "a", "ua");
    ck_assert_vo_ok(vo_vault_secret_delete(v, "t", "b", -1));
    tv_put(v, "t", "b", "b2");
    vo_vault_close(v);
    tv_sql(tv_path, "CREATE TABLE old AS SELECT * FROM secrets");
    v = tv_open();
    ck_assert_vo_ok(vo_vault_tenant_rotate_dek(v, "t"));
    ck_assert_vo_rc(vo_vault_tenant_rotate_dek(v, "none"), VO_ENOTFOUND);
    vo_tenant_list *l = NULL;
    ck_assert_vo_ok(vo_vault_tenant_get(&l, v, "t"));
    ck_assert_int_eq(vo_tenant_list_dek_generation(l, 0), 2);
    vo_tenant_list_free(l);
    tv_expect(v, "t", "a", "a2");
    tv_expect(v, "t", "b", "b2");
    tv_expect(v, "u", "a", "ua");
    vo_secret *s = NULL;
    ck_assert_vo_ok(vo_vault_secret_get(&s, NULL, v, "t", "a", 1));
    ck_assert_str_eq(vo_secret_str(s), "a1");
    vo_secret_free(s);
    ck_assert_int_eq(tv_sql_int(tv_path, "SELECT count(*) FROM secrets s JOIN old o USING (tid,"
                                         " name, version) WHERE s.ct = o.ct AND s.tid = (SELECT"
                                         " tid FROM tenants WHERE name = 't')"),
                     0);
    ck_assert_vo_ok(vo_vault_tenant_rotate_dek(v, "t"));
    /* An old ciphertext (encrypted under generation 1) copied back no longer decrypts. */
    tv_sql(tv_path, "UPDATE secrets SET ct = (SELECT o.ct FROM old o WHERE o.tid = secrets.tid"
                    " AND o.name = secrets.name AND o.version = secrets.version)"
                    " WHERE name = 'a' AND version = 2 AND tid = (SELECT tid FROM tenants WHERE"
                    " name = 't')");
    ck_assert_vo_rc(tv_get_rc(v, "t", "a", 2), VO_ECRYPTO);
    /* ... and DEK rotation refuses to re-encrypt a tenant with a tampered record. */
    ck_assert_vo_rc(vo_vault_tenant_rotate_dek(v, "t"), VO_ECRYPTO);
    tv_expect(v, "t", "b", "b2");
    vo_vault_close(v);
}
END_TEST

/* ---- import ------------------------------------------------------------------------- */

/* VO_IMPORT_BATCHED: a process killed during a long import leaves whole batches only, and the
 * same import run again finishes it. */
static vo_vault *open_batched(int batch)
{
    vo_keyring *kr = tv_keyring("k1", NULL);
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    o.actor = "test-suite";
    o.rotation_batch = batch;
    vo_vault *v = NULL;
    int rc = vo_vault_open(&v, tv_path, &o);
    vo_keyring_free(kr);
    ck_assert_msg(rc == VO_OK, "vo_vault_open: %s", vo_error_last()->message);
    return v;
}

static size_t batched_count(vo_vault *v)
{
    vo_secret_list *l = NULL;
    int rc = vo_vault_secret_list(&l, v, "bt");
    if (rc == VO_ENOTFOUND)
        return 0;
    ck_assert_vo_ok(rc);
    size_t n = vo_secret_list_count(l);
    vo_secret_list_free(l);
    return n;
}

START_TEST(import_batched_whole_batches_then_resumes)
{
    enum {
        ROWS = 3000,
        BATCH = 50
    };
    size_t cap = ROWS * 40 + 64, len = 0;
    char *csv = malloc(cap);
    ck_assert_ptr_nonnull(csv);
    len += (size_t)snprintf(csv, cap, "tenant,name,value\n");
    for (int i = 0; i < ROWS; i++)
        len += (size_t)snprintf(csv + len, cap - len, "bt,k%04d,value-%04d\n", i, i);
    vo_vault *v = open_batched(BATCH);
    vo_import_report *r = NULL;
    ck_assert_vo_rc(vo_vault_import_buffer(&r, v, csv, len, VO_IMPORT_CSV, 8u), VO_EINVAL);
    vo_vault_close(v);

    /* Kill an importing child ever later until it dies mid-import. */
    size_t seen = 0;
    for (int delay_ms = 20; delay_ms <= 5120 && (seen == 0 || seen == ROWS); delay_ms *= 2) {
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            vo_vault *c = open_batched(BATCH);
            vo_import_report *cr = NULL;
            int rc = vo_vault_import_buffer(&cr, c, csv, len, VO_IMPORT_CSV,
                                            VO_IMPORT_CREATE_TENANTS | VO_IMPORT_BATCHED);
            _exit(rc == VO_OK ? 0 : 1);
        }
        usleep((useconds_t)delay_ms * 1000);
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        v = open_batched(BATCH);
        seen = batched_count(v);
        vo_vault_close(v);
        ck_assert_msg(seen % BATCH == 0, "a killed batched import left %zu rows (batch %d)",
                      seen, BATCH);
    }
    ck_assert_msg(seen > 0 && seen < ROWS, "never killed mid-import (%zu rows)", seen);

    /* The same import again finishes it: the committed rows are skipped. */
    v = open_batched(BATCH);
    ck_assert_vo_ok(vo_vault_import_buffer(&r, v, csv, len, VO_IMPORT_CSV,
                                           VO_IMPORT_CREATE_TENANTS | VO_IMPORT_BATCHED));
    ck_assert_int_eq(vo_import_report_imported(r), (int64_t)(ROWS - seen));
    ck_assert_int_eq(vo_import_report_skipped(r), (int64_t)seen);
    vo_import_report_free(r);
    ck_assert_uint_eq(batched_count(v), ROWS);
    tv_expect(v, "bt", "k0000", "value-0000");
    tv_expect(v, "bt", "k2999", "value-2999");
    int64_t rows = 0, bad = 0;
    int reason = -1;
    ck_assert_vo_ok(vo_vault_audit_verify(&rows, &bad, &reason, v));
    ck_assert_int_eq(reason, VO_AUDIT_INTACT);
    vo_vault_close(v);
    sodium_memzero(csv, cap);
    free(csv);
}
END_TEST

START_TEST(import_csv_json_idempotent)
{
    vo_vault *v = tv_open();
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t1"));
    const char *csv = "tenant,name,value\r\n"
                      "t1,twilio/token,plain-1\r\n"
                      "t1,quoted,\"with, comma and \"\"quotes\"\"\nand newline\"\n"
                      "t2,smtp/password,pw2\n"
                      "bad tenant,x,y\n"
                      "t1,bad name,y\n"
                      "t1,empty,\n"
                      "\n"
                      "t1,too,many,fields\n";
    vo_import_report *r = NULL;
    ck_assert_vo_ok(vo_vault_import_buffer(&r, v, csv, strlen(csv), VO_IMPORT_AUTO, 0));
    ck_assert_int_eq(vo_import_report_imported(r), 2);
    ck_assert_int_eq(vo_import_report_skipped(r), 0);
    ck_assert_int_eq(vo_import_report_rejected(r), 5);
    ck_assert_uint_eq(vo_import_report_rejection_count(r), 5);
    ck_assert_int_eq(vo_import_report_rejection_row(r, 0), 3);
    ck_assert_ptr_nonnull(strstr(vo_import_report_rejection_reason(r, 0), "no tenant"));
    ck_assert_ptr_nonnull(strstr(vo_import_report_rejection_reason(r, 1), "tenant id"));
    vo_import_report_free(r);
    tv_expect(v, "t1", "quoted", "with, comma and \"quotes\"\nand newline");
    /* Re-run with tenant creation: the earlier rows are skipped, t2 is created. */
    ck_assert_vo_ok(vo_vault_import_buffer(&r, v, csv, strlen(csv), VO_IMPORT_CSV,
                                           VO_IMPORT_CREATE_TENANTS));
    ck_assert_int_eq(vo_import_report_imported(r), 1);
    ck_assert_int_eq(vo_import_report_skipped(r), 2);
    vo_import_report_free(r);
    tv_expect(v, "t2", "smtp/password", "pw2");
    /* JSON, through a file; a changed value is a conflict unless overwriting. */
    char path[400];
    snprintf(path, sizeof(path), "%s/export.json", tv_dir);
    FILE *f = fopen(path, "w");
    fputs("[{\"tenant\":\"t1\",\"name\":\"twilio/token\",\"value\":\"plain-CHANGED\"},"
          " {\"tenant\":\"t2\",\"name\":\"smtp/password\",\"value\":\"pw2\"},"
          " {\"tenant\":\"t3\",\"name\":\"k\",\"value\":\"\\u00e9t\\u00e9\"}, 42]",
          f);
    fclose(f);
    ck_assert_vo_ok(
        vo_vault_import_file(&r, v, path, VO_IMPORT_AUTO, VO_IMPORT_CREATE_TENANTS));
    ck_assert_int_eq(vo_import_report_imported(r), 1);
    ck_assert_int_eq(vo_import_report_skipped(r), 1);
    ck_assert_int_eq(vo_import_report_rejected(r), 2);
    vo_import_report_free(r);
    tv_expect(v, "t1", "twilio/token", "plain-1");
    tv_expect(v, "t3", "k", "\xc3\xa9t\xc3\xa9");
    ck_assert_vo_ok(vo_vault_import_file(&r, v, path, VO_IMPORT_JSON,
                                         VO_IMPORT_CREATE_TENANTS | VO_IMPORT_OVERWRITE));
    ck_assert_int_eq(vo_import_report_imported(r), 1);
    vo_import_report_free(r);
    tv_expect(v, "t1", "twilio/token", "plain-CHANGED");
    /* Malformed documents import nothing. */
    ck_assert_vo_rc(vo_vault_import_buffer(&r, v, "[{", 2, VO_IMPORT_JSON, 0), VO_EPARSE);
    ck_assert_vo_rc(vo_vault_import_buffer(&r, v, "{}", 2, VO_IMPORT_JSON, 0), VO_EPARSE);
    ck_assert_vo_rc(vo_vault_import_buffer(&r, v, "a,b\n", 4, VO_IMPORT_CSV, 0), VO_EPARSE);
    const char *badq = "tenant,name,value\nt1,x,\"unterminated\n";
    ck_assert_vo_rc(vo_vault_import_buffer(&r, v, badq, strlen(badq), VO_IMPORT_CSV, 0),
                    VO_EPARSE);
    ck_assert_vo_rc(vo_vault_import_buffer(&r, v, "", 0, VO_IMPORT_CSV, 0), VO_EPARSE);
    ck_assert_vo_rc(vo_vault_import_buffer(&r, v, "x", 1, 9, 0), VO_EINVAL);
    ck_assert_vo_rc(vo_vault_import_buffer(&r, v, "x", 1, 0, 64), VO_EINVAL);
    ck_assert_vo_rc(vo_vault_import_file(&r, v, "/nonexistent.csv", 0, 0), VO_ENOTFOUND);
    ck_assert_ptr_null(r);
    vo_vault_close(v);
}
END_TEST

/* ---- backup / restore --------------------------------------------------------------- */

START_TEST(backup_and_restore)
{
    vo_vault *v = tv_open();
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    tv_put(v, "t", "a", "before-backup");
    char bk[400], restored[400];
    snprintf(bk, sizeof(bk), "%s/backup.db", tv_dir);
    snprintf(restored, sizeof(restored), "%s/restored.db", tv_dir);
    ck_assert_vo_ok(vo_vault_backup(v, bk));
    ck_assert_vo_rc(vo_vault_backup(v, bk), VO_EEXISTS);
    ck_assert_vo_rc(vo_vault_backup(v, NULL), VO_EINVAL);
    struct stat st;
    ck_assert_int_eq(stat(bk, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert(!tv_file_contains(bk, "before-backup", 13));
    tv_put(v, "t", "a", "after-backup");
    vo_vault_close(v);

    ck_assert_vo_ok(vo_vault_restore(bk, restored));
    ck_assert_int_eq(stat(restored, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    v = tv_open_with(restored, "k1", NULL, 8);
    tv_expect(v, "t", "a", "before-backup");
    ck_assert_vo_ok(vo_vault_audit_verify(NULL, NULL, NULL, v));
    vo_vault_close(v);
    /* Restore over the live file (stopped), then it serves the backup's state. On
     * PostgreSQL: copy the backup file into a new schema with vo_vault_copy(). */
    char live[300];
    if (tv_pg) {
        char schema[80];
        snprintf(schema, sizeof(schema), "%s_restored", tv_schema);
        tv_pg_uri(live, sizeof(live), schema);
        vo_keyring *kr = tv_keyring("k1", NULL);
        vo_vault_options o = VO_VAULT_OPTIONS_INIT;
        o.keyring = kr;
        ck_assert_vo_ok(vo_vault_copy(live, bk, &o));
        vo_keyring_free(kr);
        ck_assert_vo_rc(vo_vault_restore(bk, tv_path), VO_EUNSUPPORTED);
    } else {
        ck_assert_vo_ok(vo_vault_restore(bk, tv_path));
        snprintf(live, sizeof(live), "%s", tv_path);
    }
    v = tv_open_with(live, "k1", NULL, 1024);
    tv_expect(v, "t", "a", "before-backup");
    vo_vault_close(v);
    /* Bad backups. */
    ck_assert_vo_rc(vo_vault_restore("/nonexistent", restored), VO_ENOTFOUND);
    char junk[400];
    snprintf(junk, sizeof(junk), "%s/junk", tv_dir);
    FILE *f = fopen(junk, "w");
    fputs("junk junk junk junk junk junk junk junk junk junk junk junk junk junk junk", f);
    fclose(f);
    ck_assert_vo_rc(vo_vault_restore(junk, restored), VO_ESTORAGE);
    char plain[400];
    snprintf(plain, sizeof(plain), "%s/plain.db", tv_dir);
    tv_sql(plain, "CREATE TABLE x (y)");
    ck_assert_vo_rc(vo_vault_restore(plain, restored), VO_EUNSUPPORTED);
    ck_assert_vo_rc(vo_vault_restore(NULL, restored), VO_EINVAL);
}
END_TEST

/* ---- audit -------------------------------------------------------------------------- */

START_TEST(audit_records_everything)
{
    vo_vault *v = tv_open();
    ck_assert_vo_ok(vo_correlation_id_set("req-42"));
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    tv_put(v, "t", "a", "x");
    tv_expect(v, "t", "a", "x");
    ck_assert_vo_rc(tv_get_rc(v, "t", "zz", 0), VO_ENOTFOUND);
    ck_assert_vo_ok(vo_vault_secret_delete(v, "t", "a", -1));
    ck_assert_vo_ok(vo_vault_audit_append(v, "t", "service-account", "twilio.fallback", "ok"));
    ck_assert_vo_rc(vo_vault_audit_append(v, "t", "x", "Bad Action", "ok"), VO_EINVAL);
    ck_assert_vo_rc(vo_vault_audit_append(v, "t", "x", "a", "bad result!"), VO_EINVAL);
    ck_assert_vo_rc(vo_vault_audit_append(v, "bad tenant", "x", "a", "ok"), VO_EINVAL);
    ck_assert_vo_rc(vo_vault_audit_append(v, "t", "x", NULL, "ok"), VO_EINVAL);
    vo_correlation_id_set(NULL);
    vo_audit_list *l = NULL;
    ck_assert_vo_ok(vo_vault_audit_list(&l, v, "t", 0, 0, 0, 0));
    const char *want[][2] = {{"tenant.create", "ok"}, {"secret.put", "ok"},
                             {"secret.get", "ok"},    {"secret.get", "VO_ENOTFOUND"},
                             {"secret.delete", "ok"}, {"twilio.fallback", "ok"}};
    ck_assert_uint_eq(vo_audit_list_count(l), 6);
    for (size_t i = 0; i < 6; i++) {
        ck_assert_str_eq(vo_audit_list_action(l, i), want[i][0]);
        ck_assert_str_eq(vo_audit_list_result(l, i), want[i][1]);
        ck_assert_str_eq(vo_audit_list_actor(l, i), "test-suite");
        ck_assert_str_eq(vo_audit_list_correlation_id(l, i), "req-42");
        ck_assert_str_eq(vo_audit_list_tenant(l, i), "t");
        if (i > 0)
            ck_assert_int_gt(vo_audit_list_seq(l, i), vo_audit_list_seq(l, i - 1));
    }
    ck_assert_str_eq(vo_audit_list_name(l, 1), "a");
    int64_t t0 = vo_audit_list_time(l, 0);
    int64_t last_seq = vo_audit_list_seq(l, 5);
    ck_assert_ptr_null(vo_audit_list_action(l, 6));
    vo_audit_list_free(l);
    /* Time and sequence filters. */
    ck_assert_vo_ok(vo_vault_audit_list(&l, v, NULL, 0, t0, 0, 0));
    for (size_t i = 0; i < vo_audit_list_count(l); i++)
        ck_assert_int_lt(vo_audit_list_time(l, i), t0);
    vo_audit_list_free(l);
    ck_assert_vo_ok(vo_vault_audit_list(&l, v, NULL, t0, 0, last_seq - 2, 0));
    ck_assert_uint_eq(vo_audit_list_count(l), 2);
    vo_audit_list_free(l);
    ck_assert_vo_ok(vo_vault_audit_list(&l, v, NULL, 0, 0, 0, 1));
    ck_assert_uint_eq(vo_audit_list_count(l), 1);
    ck_assert_str_eq(vo_audit_list_action(l, 0), "kek.register");
    vo_audit_list_free(l);
    ck_assert_vo_rc(vo_vault_audit_list(&l, v, NULL, -1, 0, 0, 0), VO_EINVAL);
    int64_t rows = 0, bad = -1;
    int reason = -1;
    ck_assert_vo_ok(vo_vault_audit_verify(&rows, &bad, &reason, v));
    ck_assert_int_eq(bad, 0);
    ck_assert_int_eq(reason, VO_AUDIT_INTACT);
    ck_assert_int_ge(rows, 7);
    vo_vault_close(v);
}
END_TEST

static void verify_broken(const char *path, int64_t want_seq, int want_reason)
{
    vo_vault *v = tv_open_with(path, "k1", NULL, 8);
    int64_t rows = 0, bad = 0;
    int reason = 0;
    ck_assert_vo_rc(vo_vault_audit_verify(&rows, &bad, &reason, v), VO_ECRYPTO);
    ck_assert_int_eq(bad, want_seq);
    ck_assert_int_eq(reason, want_reason);
    char needle[64];
    snprintf(needle, sizeof(needle), "row %lld", (long long)want_seq);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, needle));
    vo_vault_close(v);
}

/* A fresh copy of the pristine vault at `work`: a restored file, or (PostgreSQL) a copy of
 * the test's schema. */
static void tv_fresh_copy(const char *pristine, const char *work, const char *work_schema)
{
#ifdef VO_HAVE_POSTGRES
    if (tv_pg) {
        tv_pg_clone(tv_schema, work_schema);
        return;
    }
#endif
    (void)work_schema;
    unlink(work);
    ck_assert_vo_ok(vo_vault_restore(pristine, work));
}

START_TEST(audit_tampering_detected)
{
    vo_keyring *kr = tv_keyring("k1", NULL);
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    o.audit_reads = VO_VAULT_AUDIT_READS_OFF;
    vo_vault *v = NULL;
    ck_assert_vo_ok(vo_vault_open(&v, tv_path, &o));
    vo_keyring_free(kr);
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    for (int i = 0; i < 10; i++)
        tv_put(v, "t", "s", "v");
    int64_t rows = 0;
    ck_assert_vo_ok(vo_vault_audit_verify(&rows, NULL, NULL, v));
    vo_vault_close(v);
    ck_assert_int_eq(rows, 12); /* kek.register, tenant.create, 10 puts */
    char pristine[400];
    snprintf(pristine, sizeof(pristine), "%s/pristine.db", tv_dir);
    v = tv_open();
    ck_assert_vo_ok(vo_vault_backup(v, pristine)); /* adds row 13 (vault.backup) */
    vo_vault_close(v);
    /* Each tampering on a fresh copy of the pristine vault. */
    struct {
        const char *sql;
        int64_t seq;
        int reason;
    } cases[] = {
        {"UPDATE audit SET result = 'VO_EAUTH' WHERE seq = 5", 5, VO_AUDIT_MAC_MISMATCH},
        {"UPDATE audit SET actor = 'someone-else' WHERE seq = 9", 9, VO_AUDIT_MAC_MISMATCH},
        {"UPDATE audit SET ts_ms = ts_ms - 1000 WHERE seq = 3", 3, VO_AUDIT_MAC_MISMATCH},
        {"DELETE FROM audit WHERE seq = 7", 8, VO_AUDIT_SEQ_GAP},
        {"DELETE FROM audit WHERE seq = 1", 2, VO_AUDIT_SEQ_GAP},
        /* reorder: swap the contents of rows 4 and 6 (keeping their seq) */
        {"CREATE TABLE tmp AS SELECT * FROM audit WHERE seq IN (4, 6);"
         "UPDATE audit SET ts_ms = (SELECT ts_ms FROM tmp WHERE seq = 10 - audit.seq),"
         " tenant = (SELECT tenant FROM tmp WHERE seq = 10 - audit.seq),"
         " name = (SELECT name FROM tmp WHERE seq = 10 - audit.seq),"
         " action = (SELECT action FROM tmp WHERE seq = 10 - audit.seq),"
         " mac = (SELECT mac FROM tmp WHERE seq = 10 - audit.seq) WHERE seq IN (4, 6)",
         4, VO_AUDIT_MAC_MISMATCH},
        /* renumber to hide a deletion */
        {"DELETE FROM audit WHERE seq = 6; UPDATE audit SET seq = seq - 1 WHERE seq > 6", 6,
         VO_AUDIT_MAC_MISMATCH},
        /* truncate the tail */
        {"DELETE FROM audit WHERE seq = 13", 13, VO_AUDIT_TAIL_MISMATCH},
    };
    char work[400], work_schema[80];
    snprintf(work, sizeof(work), "%s/work.db", tv_dir);
    snprintf(work_schema, sizeof(work_schema), "%s_work", tv_schema);
    if (tv_pg) /* PostgreSQL: tamper with a copy of the vault's schema (row 13 included) */
        tv_pg_uri(work, sizeof(work), work_schema);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tv_fresh_copy(pristine, work, work_schema);
        tv_sql(work, cases[i].sql);
        verify_broken(work, cases[i].seq, cases[i].reason);
    }
    /* The untouched copy verifies. */
    tv_fresh_copy(pristine, work, work_schema);
    v = tv_open_with(work, "k1", NULL, 8);
    ck_assert_vo_ok(vo_vault_audit_verify(&rows, NULL, NULL, v));
    vo_vault_close(v);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("vault");
    TCase *b = tcase_create("basics");
    tcase_add_checked_fixture(b, tv_setup, tv_teardown);
    tcase_set_timeout(b, 60);
    tcase_add_test(b, open_creates_0600_and_rejects_bad_input);
    tcase_add_test(b, schema_newer_than_library_refused);
    tcase_add_test(b, keyring_sources);
    tcase_add_test(b, passphrase_kek);
    tcase_add_test(b, provider_kek);
    tcase_add_test(b, wrong_or_missing_kek_fails_cleanly);
    tcase_add_test(b, tenants_round_trip);
    tcase_add_test(b, secrets_round_trip_versions_cas);
    tcase_add_test(b, kept_versions_bounded);
    suite_add_tcase(s, b);
    TCase *sec = tcase_create("security");
    tcase_add_checked_fixture(sec, tv_setup, tv_teardown);
    tcase_set_timeout(sec, 120);
    tcase_add_test(sec, moved_ciphertext_fails);
    tcase_add_test(sec, flipped_bit_anywhere_fails);
    tcase_add_test(sec, no_plaintext_on_disk_logs_errors_or_audit);
    suite_add_tcase(s, sec);
    TCase *c = tcase_create("credentials");
    tcase_add_checked_fixture(c, tv_setup, tv_teardown);
    tcase_add_test(c, twilio_credentials);
    tcase_add_test(c, vapi_and_smtp_credentials);
    suite_add_tcase(s, c);
    TCase *r = tcase_create("operations");
    tcase_add_checked_fixture(r, tv_setup, tv_teardown);
    tcase_set_timeout(r, 60);
    tcase_add_test(r, kek_rotation_and_retire);
    tcase_add_test(r, tenant_dek_rotation);
    tcase_add_test(r, import_csv_json_idempotent);
    tcase_add_test(r, import_batched_whole_batches_then_resumes);
    tcase_add_test(r, backup_and_restore);
    tcase_add_test(r, audit_records_everything);
    tcase_add_test(r, audit_tampering_detected);
    suite_add_tcase(s, r);
    return s;
}

VO_TEST_MAIN(suite)
