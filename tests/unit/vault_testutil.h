/* Helpers shared by the vault suites: temp dirs, keyrings, direct SQL on the vault file. */
#ifndef VO_VAULT_TESTUTIL_H
#define VO_VAULT_TESTUTIL_H

#include <dirent.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static char tv_dir[256];
static char tv_path[300];

/* A fresh temp dir and a vault path inside it (per test, so forked tests do not clash). */
static inline void tv_setup(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tv_dir, sizeof(tv_dir), "%s/vo-vault-XXXXXX", base && *base ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(tv_dir));
    snprintf(tv_path, sizeof(tv_path), "%s/vault.db", tv_dir);
}

static inline void tv_teardown(void)
{
    DIR *d = opendir(tv_dir);
    if (!d)
        return;
    struct dirent *e;
    char p[600];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "%s/%s", tv_dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(tv_dir);
}

static inline void tv_key_bytes(unsigned char k[32], int seed)
{
    for (int i = 0; i < 32; i++)
        k[i] = (unsigned char)(seed * 31 + i * 7 + 1);
}

/* A keyring with the given KEK ids (seeded keys); the first is active unless `active`. */
static vo_keyring *tv_keyring(const char *ids, const char *active)
{
    vo_keyring *kr = NULL;
    ck_assert_vo_ok(vo_keyring_new(&kr));
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", ids);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        unsigned char k[32];
        unsigned seed = 0; /* unsigned: the hash is meant to wrap */
        for (const char *p = tok; *p; p++)
            seed = seed * 131u + (unsigned char)*p;
        tv_key_bytes(k, (int)(seed & 0x7fffffff));
        ck_assert_vo_ok(vo_keyring_add_key(kr, tok, k, 32));
    }
    if (active)
        ck_assert_vo_ok(vo_keyring_set_active(kr, active));
    return kr;
}

static vo_vault *tv_open_with(const char *path, const char *ids, const char *active, int cache)
{
    vo_keyring *kr = tv_keyring(ids, active);
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    o.actor = "test-suite";
    o.dek_cache_size = cache > 0 ? cache : -1; /* cache 0 here: no DEK cache */
    vo_vault *v = NULL;
    int rc = vo_vault_open(&v, path, &o);
    vo_keyring_free(kr);
    ck_assert_msg(rc == VO_OK, "vo_vault_open: %s: %s", vo_error_name(rc),
                  vo_error_last()->message);
    return v;
}

static vo_vault *tv_open(void)
{
    return tv_open_with(tv_path, "k1", NULL, 1024);
}

/* Run SQL directly on the vault file (another connection, as an attacker would). */
static inline void tv_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    ck_assert_msg(rc == SQLITE_OK, "SQL failed: %s: %s", sql, err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
}

static inline int64_t tv_sql_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *s = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    int64_t v = -1;
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

static inline void tv_put(vo_vault *v, const char *tenant, const char *name, const char *value)
{
    ck_assert_vo_ok(
        vo_vault_secret_put(NULL, v, tenant, name, value, strlen(value), VO_VAULT_ANY_VERSION));
}

static inline void tv_expect(vo_vault *v, const char *tenant, const char *name,
                             const char *value)
{
    vo_secret *s = NULL;
    int rc = vo_vault_secret_get(&s, NULL, v, tenant, name, 0);
    ck_assert_msg(rc == VO_OK, "get %s/%s: %s: %s", tenant, name, vo_error_name(rc),
                  vo_error_last()->message);
    ck_assert_str_eq(vo_secret_str(s), value);
    vo_secret_free(s);
}

static inline int tv_get_rc(vo_vault *v, const char *tenant, const char *name, int64_t version)
{
    vo_secret *s = NULL;
    int rc = vo_vault_secret_get(&s, NULL, v, tenant, name, version);
    vo_secret_free(s);
    return rc;
}

/* Does the file contain the byte string? (0 when the file is missing) */
static inline int tv_file_contains(const char *path, const void *needle, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)size + 1);
    size_t got = fread(buf, 1, (size_t)size, f);
    fclose(f);
    int found = 0;
    for (size_t i = 0; !found && i + n <= got; i++)
        if (memcmp(buf + i, needle, n) == 0)
            found = 1;
    free(buf);
    return found;
}

#endif
