/* Helpers shared by the vault suites: temp dirs, keyrings, direct SQL on the vault file.
 *
 * One suite, two backends: when VO_TEST_PG holds a PostgreSQL URI (set by
 * tests/pg/with_postgres.py, which meson uses for the `*_pg` entries), tv_path is a
 * `postgresql://...?schema=vt_<pid>_<n>` URI of a fresh schema per test instead of a file,
 * and tv_sql / tv_sql_int run the same statements there (a few SQLite spellings are
 * translated). Tests that are about files (modes, WAL, SQLite backups) check tv_pg. */
#ifndef VO_VAULT_TESTUTIL_H
#define VO_VAULT_TESTUTIL_H

#include <dirent.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#ifdef VO_HAVE_POSTGRES
#  include <libpq-fe.h>
#endif

static char tv_dir[256];
static char tv_path[300];
static int tv_pg;            /* the suite runs against PostgreSQL */
static char tv_pg_base[200]; /* the server's URI, without a schema */
static char tv_schema[64];   /* this test's schema */
static int tv_schema_n;

/* A URI of the same server for another schema (PostgreSQL runs). */
static inline void tv_pg_uri(char *out, size_t size, const char *schema)
{
    snprintf(out, size, "%s%cschema=%s", tv_pg_base, strchr(tv_pg_base, '?') ? '&' : '?',
             schema);
}

static inline int tv_is_pg(const char *path)
{
    return strncmp(path, "postgres", 8) == 0;
}

/* A fresh temp dir and a vault path inside it (per test, so forked tests do not clash). */
static inline void tv_setup(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tv_dir, sizeof(tv_dir), "%s/vo-vault-XXXXXX", base && *base ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(tv_dir));
    snprintf(tv_path, sizeof(tv_path), "%s/vault.db", tv_dir);
    const char *pg = getenv("VO_TEST_PG");
    tv_pg = pg && *pg;
    if (tv_pg) {
        snprintf(tv_pg_base, sizeof(tv_pg_base), "%s", pg);
        snprintf(tv_schema, sizeof(tv_schema), "vt_%d_%d", (int)getpid(), tv_schema_n++);
        tv_pg_uri(tv_path, sizeof(tv_path), tv_schema);
    }
}

static inline void tv_pg_drop_schemas(void);

static inline void tv_teardown(void)
{
    if (tv_pg)
        tv_pg_drop_schemas();
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

#ifdef VO_HAVE_POSTGRES
/* The schema named in a tv_path-style URI. */
static inline void tv_pg_schema_of(const char *path, char *out, size_t size)
{
    const char *s = strstr(path, "schema=");
    ck_assert_ptr_nonnull(s);
    snprintf(out, size, "%.*s", (int)strcspn(s + 7, "&"), s + 7);
}

/* The SQLite spellings the shared test statements use, in PostgreSQL. */
static inline void tv_pg_translate(char *out, size_t size, const char *sql)
{
    static const char *const map[][2] = {
        {"zeroblob(70000)", "decode(repeat('00', 70000), 'hex')"},
        {"randomblob(2000)", "decode(repeat('a5', 2000), 'hex')"},
        {"x'00'", "'\\x00'::bytea"},
        {"PRAGMA user_version = 999", "INSERT INTO schema_migrations (version) VALUES (999)"},
    };
    size_t o = 0;
    while (*sql && o + 1 < size) {
        size_t i = 0;
        for (; i < sizeof(map) / sizeof(map[0]); i++)
            if (strncmp(sql, map[i][0], strlen(map[i][0])) == 0)
                break;
        if (i < sizeof(map) / sizeof(map[0])) {
            o += (size_t)snprintf(out + o, size - o, "%s", map[i][1]);
            sql += strlen(map[i][0]);
        } else {
            out[o++] = *sql++;
        }
    }
    out[o < size ? o : size - 1] = '\0';
}

/* Run SQL in a schema of the test server; the result (or NULL for commands). */
static inline PGresult *tv_pg_exec(const char *schema, const char *sql)
{
    PGconn *c = PQconnectdb(tv_pg_base);
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
    static char buf[1 << 16];
    char tr[1 << 15];
    tv_pg_translate(tr, sizeof(tr), sql);
    snprintf(buf, sizeof(buf), "SET client_min_messages = warning; %s%s%s%s",
             schema ? "SET search_path TO " : "", schema ? schema : "", schema ? "; " : "", tr);
    PGresult *r = PQexec(c, buf);
    ExecStatusType st = PQresultStatus(r);
    ck_assert_msg(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "SQL failed: %s: %s", sql,
                  PQresultErrorMessage(r));
    PQfinish(c);
    return r;
}

static inline void tv_pg_drop_schemas(void)
{
    char sql[512];
    snprintf(sql, sizeof(sql),
             "DO $$DECLARE s text; BEGIN FOR s IN SELECT nspname FROM pg_namespace WHERE"
             " nspname LIKE 'vt\\_%d\\_%%' LOOP EXECUTE format('DROP SCHEMA %%I CASCADE', s);"
             " END LOOP; END$$",
             (int)getpid());
    PQclear(tv_pg_exec(NULL, sql));
}

/* Copy a vault schema (tables and rows) into a new schema: the PostgreSQL counterpart of
 * copying a vault file in the tamper tests. */
static inline void tv_pg_clone(const char *from, const char *to)
{
    static const char *const tables[] = {
        "schema_migrations", "meta",  "keks",    "tenants", "heads",
        "secrets",           "audit", "commits", "seen"};
    char sql[4096];
    int o = snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s;",
                     to, to);
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
        o += snprintf(sql + o, sizeof(sql) - (size_t)o,
                      "CREATE TABLE %s.%s (LIKE %s.%s INCLUDING ALL);"
                      " INSERT INTO %s.%s SELECT * FROM %s.%s;",
                      to, tables[i], from, tables[i], to, tables[i], from, tables[i]);
    PQclear(tv_pg_exec(NULL, sql));
}
/* Scan every file of the server's data directory (tables, WAL) for any of the values;
 * the index of one found, or -1. Runs a CHECKPOINT first so the tables are on disk. */
static inline int tv_pg_disk_find(const char (*values)[64], int n, const char *dir)
{
    if (!dir) {
        PQclear(tv_pg_exec(NULL, "CHECKPOINT"));
        dir = getenv("VO_TEST_PG_DATA");
        ck_assert_ptr_nonnull(dir);
    }
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int found = -1;
    struct dirent *e;
    while (found < 0 && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[1024];
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            found = tv_pg_disk_find(values, n, p);
            continue;
        }
        if (!S_ISREG(st.st_mode) || st.st_size == 0)
            continue;
        FILE *f = fopen(p, "rb");
        if (!f)
            continue;
        unsigned char *buf = malloc((size_t)st.st_size);
        size_t got = fread(buf, 1, (size_t)st.st_size, f);
        fclose(f);
        for (int k = 0; found < 0 && k < n; k++) {
            size_t len = strlen(values[k]);
            for (size_t i = 0; found < 0 && i + len <= got; i++)
                if (buf[i] == (unsigned char)values[k][0] &&
                    memcmp(buf + i, values[k], len) == 0)
                    found = k;
        }
        free(buf);
    }
    closedir(d);
    return found;
}
#else
static inline void tv_pg_drop_schemas(void)
{
}
#endif

/* Run SQL directly on the vault file (another connection, as an attacker would). */
static inline void tv_sql(const char *path, const char *sql)
{
#ifdef VO_HAVE_POSTGRES
    if (tv_is_pg(path)) {
        char schema[64];
        tv_pg_schema_of(path, schema, sizeof(schema));
        PQclear(tv_pg_exec(schema, sql));
        return;
    }
#endif
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
#ifdef VO_HAVE_POSTGRES
    if (tv_is_pg(path)) {
        char schema[64];
        tv_pg_schema_of(path, schema, sizeof(schema));
        PGresult *r = tv_pg_exec(schema, sql);
        int64_t v = -1;
        if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
            v = atoll(PQgetvalue(r, 0, 0));
        PQclear(r);
        return v;
    }
#endif
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
