/*
 * The SQLite storage backend: WAL, synchronous=FULL, BEGIN IMMEDIATE for writes,
 * busy_timeout, file mode 0600, forward-only schema migrations (PRAGMA user_version).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "backend.h"

/* ---- schema ------------------------------------------------------------------------- */

/* Forward-only migrations: migrations[i] brings the schema from version i to i + 1.
 * Never edit a released entry; append a new one. */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE keks (kek_id TEXT PRIMARY KEY, kind INTEGER NOT NULL,"
    "  created_ms INTEGER NOT NULL, retired_ms INTEGER NOT NULL DEFAULT 0,"
    "  check_blob BLOB NOT NULL, kdf_salt BLOB, kdf_ops INTEGER, kdf_mem INTEGER)"
    "  WITHOUT ROWID;"
    "CREATE TABLE tenants (tid INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,"
    "  created_ms INTEGER NOT NULL, kek_id TEXT NOT NULL, dek_gen INTEGER NOT NULL,"
    "  wrapped_dek BLOB NOT NULL);"
    "CREATE INDEX tenants_by_kek ON tenants(kek_id);"
    "CREATE TABLE heads (tid INTEGER NOT NULL, name TEXT NOT NULL, latest INTEGER NOT NULL,"
    "  deleted INTEGER NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (tid, name)) WITHOUT ROWID;"
    "CREATE TABLE secrets (tid INTEGER NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,"
    "  dek_gen INTEGER NOT NULL, created_ms INTEGER NOT NULL, ct BLOB NOT NULL,"
    "  PRIMARY KEY (tid, name, version)) WITHOUT ROWID;"
    "CREATE TABLE audit (seq INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL,"
    "  tenant TEXT NOT NULL, name TEXT NOT NULL, action TEXT NOT NULL, actor TEXT NOT NULL,"
    "  correlation_id TEXT NOT NULL, result TEXT NOT NULL, mac BLOB NOT NULL);"
    "CREATE INDEX audit_by_time ON audit(ts_ms);",
    /* 1 -> 2: the seen-request store (lib/vault/seen.c): keyed digests and times only */
    "CREATE TABLE seen (key BLOB PRIMARY KEY, mark BLOB NOT NULL, seen_ms INTEGER NOT NULL,"
    "  expires_ms INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX seen_by_expiry ON seen(expires_ms);",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* ---- statements --------------------------------------------------------------------- */

enum {
    S_BEGIN_W,
    S_BEGIN_R,
    S_COMMIT,
    S_ROLLBACK,
    S_META_GET,
    S_META_SET,
    S_META_DEL,
    S_KEK_GET,
    S_KEK_INS,
    S_KEK_RETIRE,
    S_T_GET,
    S_T_INS,
    S_T_SETKEY,
    S_T_DEL,
    S_T_DEL_HEADS,
    S_T_DEL_SECRETS,
    S_T_COUNT_ALL,
    S_T_COUNT_KEK,
    S_T_COUNT_NOTKEK,
    S_H_GET,
    S_H_PUT,
    S_H_LIST,
    S_S_READ_LATEST,
    S_S_READ_VER,
    S_S_INS,
    S_S_PRUNE,
    S_S_DEL,
    S_S_ROWS,
    S_S_UPD,
    S_A_TAIL,
    S_A_INS,
    S_SEEN_INS,
    S_SEEN_GET,
    S_SEEN_PRUNE,
    S_SEEN_COUNT,
    S_COUNT
};

static const char *const sql_text[S_COUNT] = {
    [S_BEGIN_W] = "BEGIN IMMEDIATE",
    [S_BEGIN_R] = "BEGIN DEFERRED",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [S_META_SET] = "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
    [S_META_DEL] = "DELETE FROM meta WHERE key = ?1",
    [S_KEK_GET] = "SELECT kek_id, kind, created_ms, retired_ms, check_blob, kdf_salt, kdf_ops,"
                  " kdf_mem FROM keks WHERE kek_id = ?1",
    [S_KEK_INS] =
        "INSERT INTO keks (kek_id, kind, created_ms, retired_ms, check_blob, kdf_salt,"
        " kdf_ops, kdf_mem) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [S_KEK_RETIRE] = "UPDATE keks SET retired_ms = ?2 WHERE kek_id = ?1",
    [S_T_GET] = "SELECT tid, name, created_ms, kek_id, dek_gen, wrapped_dek,"
                " (SELECT count(*) FROM heads h WHERE h.tid = t.tid AND h.deleted = 0)"
                " FROM tenants t WHERE name = ?1",
    [S_T_INS] = "INSERT INTO tenants (name, created_ms, kek_id, dek_gen, wrapped_dek)"
                " VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_T_SETKEY] =
        "UPDATE tenants SET kek_id = ?2, dek_gen = ?3, wrapped_dek = ?4 WHERE tid = ?1",
    [S_T_DEL] = "DELETE FROM tenants WHERE tid = ?1",
    [S_T_DEL_HEADS] = "DELETE FROM heads WHERE tid = ?1",
    [S_T_DEL_SECRETS] = "DELETE FROM secrets WHERE tid = ?1",
    [S_T_COUNT_ALL] = "SELECT count(*) FROM tenants",
    [S_T_COUNT_KEK] = "SELECT count(*) FROM tenants WHERE kek_id = ?1",
    [S_T_COUNT_NOTKEK] = "SELECT count(*) FROM tenants WHERE kek_id <> ?1",
    [S_H_GET] = "SELECT latest, deleted, created_ms, updated_ms FROM heads"
                " WHERE tid = ?1 AND name = ?2",
    [S_H_PUT] = "INSERT OR REPLACE INTO heads (tid, name, latest, deleted, created_ms,"
                " updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [S_H_LIST] = "SELECT h.name, h.latest, h.created_ms, h.updated_ms,"
                 " (SELECT count(*) FROM secrets s WHERE s.tid = h.tid AND s.name = h.name)"
                 " FROM heads h WHERE h.tid = ?1 AND h.deleted = 0 ORDER BY h.name",
    [S_S_READ_LATEST] =
        "SELECT t.tid, t.created_ms, t.kek_id, t.dek_gen, t.wrapped_dek, s.version, s.dek_gen,"
        " s.created_ms, s.ct FROM tenants t JOIN secrets s ON s.tid = t.tid"
        " WHERE t.name = ?1 AND s.name = ?2 ORDER BY s.version DESC LIMIT 1",
    [S_S_READ_VER] =
        "SELECT t.tid, t.created_ms, t.kek_id, t.dek_gen, t.wrapped_dek, s.version, s.dek_gen,"
        " s.created_ms, s.ct FROM tenants t JOIN secrets s ON s.tid = t.tid"
        " WHERE t.name = ?1 AND s.name = ?2 AND s.version = ?3",
    [S_S_INS] = "INSERT INTO secrets (tid, name, version, dek_gen, created_ms, ct)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [S_S_PRUNE] = "DELETE FROM secrets WHERE tid = ?1 AND name = ?2 AND version < ?3",
    [S_S_DEL] = "DELETE FROM secrets WHERE tid = ?1 AND name = ?2",
    [S_S_ROWS] = "SELECT name, version, dek_gen, created_ms, ct FROM secrets WHERE tid = ?1"
                 " ORDER BY name, version",
    [S_S_UPD] = "UPDATE secrets SET dek_gen = ?4, ct = ?5 WHERE tid = ?1 AND name = ?2"
                " AND version = ?3",
    [S_A_TAIL] = "SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1",
    [S_A_INS] = "INSERT INTO audit (seq, ts_ms, tenant, name, action, actor, correlation_id,"
                " result, mac) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [S_SEEN_INS] = "INSERT INTO seen (key, mark, seen_ms, expires_ms) VALUES (?1, ?2, ?3, ?4)"
                   " ON CONFLICT (key) DO UPDATE SET mark = excluded.mark,"
                   " seen_ms = excluded.seen_ms, expires_ms = excluded.expires_ms"
                   " WHERE seen.expires_ms <= ?5",
    [S_SEEN_GET] = "SELECT mark, seen_ms, expires_ms FROM seen WHERE key = ?1",
    [S_SEEN_PRUNE] =
        "DELETE FROM seen WHERE key IN (SELECT key FROM seen WHERE expires_ms <= ?1"
        " ORDER BY expires_ms LIMIT ?2)",
    [S_SEEN_COUNT] = "SELECT count(*) FROM seen",
};

struct vo__backend {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *st[S_COUNT];
    bool in_tx;
};

/* ---- errors ------------------------------------------------------------------------- */

static int sq_fail(vo__backend *be, int rc, const char *what)
{
    int prim = rc & 0xff;
    const char *msg = be && be->db ? sqlite3_errmsg(be->db) : sqlite3_errstr(rc);
    switch (prim) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return vo__error_set(VO_EBUSY, "vault storage busy (%s): %s", what, msg);
    case SQLITE_NOMEM:
        return vo__error_set(VO_ENOMEM, "vault storage out of memory (%s)", what);
    case SQLITE_FULL:
        return vo__error_set(VO_ESTORAGE, "vault storage full (%s): %s", what, msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return vo__error_set(VO_ESTORAGE, "vault storage corrupt (%s): %s", what, msg);
    case SQLITE_CONSTRAINT:
        return vo__error_set(VO_EEXISTS, "vault record already exists (%s)", what);
    default: return vo__error_set(VO_ESTORAGE, "vault storage error (%s): %s", what, msg);
    }
}

static int prep(vo__backend *be, int id, sqlite3_stmt **out)
{
    if (!be->st[id]) {
        int rc = sqlite3_prepare_v3(be->db, sql_text[id], -1, SQLITE_PREPARE_PERSISTENT,
                                    &be->st[id], NULL);
        if (rc != SQLITE_OK)
            return sq_fail(be, rc, "prepare");
    }
    *out = be->st[id];
    return VO_OK;
}

static void done(sqlite3_stmt *s)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

/* Run a statement that returns no rows. */
static int exec_done(vo__backend *be, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    done(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return sq_fail(be, rc, what);
    return VO_OK;
}

static void col_text(sqlite3_stmt *s, int i, char *dst, size_t size)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    vo__strlcpy(dst, t ? (const char *)t : "", size);
}

static size_t col_blob(sqlite3_stmt *s, int i, unsigned char *dst, size_t size)
{
    const void *p = sqlite3_column_blob(s, i);
    int n = sqlite3_column_bytes(s, i);
    if (!p || n <= 0)
        return 0;
    if ((size_t)n > size)
        return size + 1; /* too big: the caller's length check fails */
    memcpy(dst, p, (size_t)n);
    return (size_t)n;
}

/* ---- files -------------------------------------------------------------------------- */

int vo__file_prepare(const char *path, bool create, bool excl)
{
    int flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW;
    if (create)
        flags |= O_CREAT | (excl ? O_EXCL : 0);
    int fd = open(path, flags, 0600);
    if (fd < 0) {
        if (errno == ENOENT)
            return vo__error_set(VO_ENOTFOUND, "vault file '%s' does not exist", path);
        if (errno == EEXIST)
            return vo__error_set(VO_EEXISTS, "file '%s' already exists", path);
        if (errno == ELOOP)
            return vo__error_set(VO_EFORBIDDEN, "'%s' is a symbolic link", path);
        return vo__error_set(VO_ESTORAGE, "cannot open '%s': %s", path, strerror(errno));
    }
    struct stat st;
    int rc = VO_OK;
    if (fstat(fd, &st) != 0)
        rc = vo__error_set(VO_ESTORAGE, "cannot stat '%s': %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = vo__error_set(VO_EFORBIDDEN, "'%s' is not a regular file", path);
    else if (st.st_mode & 077)
        rc = vo__error_set(VO_EFORBIDDEN,
                           "'%s' is accessible by group or others (mode %03o): chmod 600 it",
                           path, (unsigned)(st.st_mode & 0777));
    close(fd);
    return rc;
}

/* SQLite gives -wal/-shm the permissions of the database file; make sure anyway. */
static void tighten_sidecars(const char *path)
{
    static const char *const suffixes[] = {"-wal", "-shm", "-journal"};
    char buf[4096];
    for (size_t i = 0; i < 3; i++) {
        int n = snprintf(buf, sizeof(buf), "%s%s", path, suffixes[i]);
        if (n < 0 || (size_t)n >= sizeof(buf))
            continue;
        struct stat st;
        if (lstat(buf, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077))
            if (chmod(buf, 0600) != 0)
                vo__log(VO_LOG_WARN, "vault", "cannot chmod %s: %s", buf, strerror(errno));
    }
}

/* ---- open / close / transactions ---------------------------------------------------- */

static int exec_sql(vo__backend *be, const char *sql, const char *what)
{
    char *err = NULL;
    int rc = sqlite3_exec(be->db, sql, NULL, NULL, &err);
    sqlite3_free(err);
    if (rc != SQLITE_OK)
        return sq_fail(be, rc, what);
    return VO_OK;
}

static int pragma_int(vo__backend *be, const char *sql, int *out)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(be->db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return sq_fail(be, rc, "pragma");
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sq_fail(be, rc, "pragma");
    return VO_OK;
}

static int migrate(vo__backend *be)
{
    int ver = 0;
    int rc = pragma_int(be, "PRAGMA user_version", &ver);
    if (rc != VO_OK)
        return rc;
    if (ver > SCHEMA_VERSION)
        return vo__error_set(VO_EUNSUPPORTED,
                             "vault schema version %d is newer than this library supports (%d)",
                             ver, SCHEMA_VERSION);
    if (ver == SCHEMA_VERSION)
        return VO_OK;
    rc = exec_sql(be, "BEGIN IMMEDIATE", "begin migration");
    if (rc != VO_OK)
        return rc;
    /* Another process may have migrated while we waited for the lock. */
    rc = pragma_int(be, "PRAGMA user_version", &ver);
    for (; rc == VO_OK && ver < SCHEMA_VERSION; ver++) {
        rc = exec_sql(be, migrations[ver], "migration");
        if (rc == VO_OK) {
            char sql[64];
            snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", ver + 1);
            rc = exec_sql(be, sql, "migration");
        }
        if (rc == VO_OK)
            vo__log(VO_LOG_INFO, "vault", "migrated vault schema to version %d", ver + 1);
    }
    if (rc == VO_OK)
        rc = exec_sql(be, "COMMIT", "commit migration");
    if (rc != VO_OK)
        sqlite3_exec(be->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static void sq_close(vo__backend *be)
{
    if (!be)
        return;
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(be->st[i]);
    if (be->db) {
        if (be->in_tx)
            sqlite3_exec(be->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close_v2(be->db);
    }
    free(be->path);
    free(be);
}

static int sq_open(vo__backend **out, const char *location, const vo__backend_config *cfg)
{
    *out = NULL;
    if (!location || !*location || strcmp(location, ":memory:") == 0 ||
        strncmp(location, "file:", 5) == 0)
        return vo__error_set(VO_EINVAL, "vault: a file path is required");
    int rc = vo__file_prepare(location, cfg->create != 0, false);
    if (rc != VO_OK)
        return rc;
    vo__backend *be = calloc(1, sizeof(*be));
    if (!be || !(be->path = strdup(location))) {
        free(be);
        return vo__error_set(VO_ENOMEM, "out of memory");
    }
    int src = sqlite3_open_v2(
        location, &be->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
        NULL);
    if (src != SQLITE_OK) {
        rc = sq_fail(be, src, "open");
        sq_close(be);
        return rc;
    }
    sqlite3_extended_result_codes(be->db, 1);
    sqlite3_busy_timeout(be->db, cfg->busy_timeout_ms);
    rc = exec_sql(be, "PRAGMA journal_mode = WAL", "journal_mode");
    if (rc == VO_OK)
        rc = exec_sql(
            be,
            "PRAGMA synchronous = FULL; PRAGMA secure_delete = ON; PRAGMA cache_size = -16384;"
            " PRAGMA foreign_keys = OFF; PRAGMA trusted_schema = OFF",
            "pragmas");
    if (rc == VO_OK) {
        /* Fail early on a file that is not a database. */
        int jm = 0;
        rc = pragma_int(be, "PRAGMA schema_version", &jm);
    }
    if (rc == VO_OK)
        rc = migrate(be);
    tighten_sidecars(location);
    if (rc != VO_OK) {
        sq_close(be);
        return rc;
    }
    *out = be;
    return VO_OK;
}

static int sq_begin(vo__backend *be, bool write)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(be, write ? S_BEGIN_W : S_BEGIN_R, &s);
    if (rc != VO_OK)
        return rc;
    rc = exec_done(be, s, "begin");
    if (rc == VO_OK)
        be->in_tx = true;
    return rc;
}

static int sq_commit(vo__backend *be)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(be, S_COMMIT, &s);
    if (rc != VO_OK)
        return rc;
    rc = exec_done(be, s, "commit");
    if (rc == VO_OK)
        be->in_tx = false;
    return rc;
}

static void sq_rollback(vo__backend *be)
{
    if (!be->in_tx && sqlite3_get_autocommit(be->db))
        return;
    sqlite3_stmt *s = NULL;
    int saved_code = vo_error_last()->code;
    (void)saved_code;
    if (prep(be, S_ROLLBACK, &s) == VO_OK) {
        sqlite3_step(s);
        done(s);
    }
    be->in_tx = false;
}

/* ---- meta --------------------------------------------------------------------------- */

static int sq_meta_get(vo__backend *be, const char *key, vo__buf *out)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(be, S_META_GET, &s);
    if (rc != VO_OK)
        return rc;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    int src = sqlite3_step(s);
    if (src == SQLITE_ROW) {
        out->len = 0;
        const void *p = sqlite3_column_blob(s, 0);
        int n = sqlite3_column_bytes(s, 0);
        if (!vo__buf_append(out, p ? p : "", (size_t)n) || !vo__buf_finish(out))
            rc = vo__error_set(VO_ENOMEM, "out of memory");
    } else if (src == SQLITE_DONE) {
        rc = VO_ENOTFOUND;
    } else {
        rc = sq_fail(be, src, "meta read");
    }
    done(s);
    return rc;
}

static int sq_meta_set(vo__backend *be, const char *key, const void *data, size_t len)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(be, S_META_SET, &s);
    if (rc != VO_OK)
        return rc;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, data, (int)len, SQLITE_STATIC);
    return exec_done(be, s, "meta write");
}

static int sq_meta_delete(vo__backend *be, const char *key)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(be, S_META_DEL, &s);
    if (rc != VO_OK)
        return rc;
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    return exec_done(be, s, "meta delete");
}

/* ---- keks --------------------------------------------------------------------------- */

static int sq_kek_get(vo__backend *be, const char *kek_id, vo__kek_rec *r)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(be, S_KEK_GET, &s);
    if (rc != VO_OK)
        return rc;
    sqlite3_bind_text(s, 1, kek_id, -1, SQLITE_STATIC);
    int src = sqlite3_step(s);
    if (src == SQLITE_ROW) {
        memset(r, 0, sizeof(*r));
        col_text(s, 0, r->kek_id, sizeof(r->kek_id));
        r->kind = sqlite3_column_int(s, 1);
        r->created_ms = sqlite3_column_int64(s, 2);
        r->retired_ms = sqlite3_column_int64(s, 3);
        r->check_len = col_blob(s, 4, r->check, sizeof(r->check));
        r->salt_len = col_blob(s, 5, r->salt, sizeof(r->salt));
        r->kdf_ops = sqlite3_column_int64(s, 6);
        r->kdf_mem = sqlite3_column_int64(s, 7);
    } else if (src == SQLITE_DONE) {
        rc = VO_ENOTFOUND;
    } else {
        rc = sq_fail(be, src, "key read");
    }
    done(s);
    return rc;
}

static int sq_kek_insert(vo__backend *be, const vo__kek_rec *r)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(be, S_KEK_INS, &s);
    if (rc != VO_OK)
        return rc;
    sqlite3_bind_text(s, 1, r->kek_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, r->kind);
    sqlite3_bind_int64(s, 3, r->created_ms);
    sqlite3_bind_int64(s, 4, r->retired_ms);
    sqlite3_bind_blob(s, 5, r->check, (int)r->check_len, SQLITE_STATIC);
    if (r->salt_len) {
        sqlite3_bind_blob(s, 6, r->salt, (int)r->salt_len, SQLITE_STATIC);
        sqlite3_bind_int64(s, 7, r->kdf_ops);
        sqlite3_bind_int64(s, 8, r->kdf_mem);
    }
    return exec_done(be, s, "key registration");
}

static int sq_kek_retire(vo__backend *be, const char *kek_id, int64_t when)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(be, S_KEK_RETIRE, &s);
    if (rc != VO_OK)
        return rc;
    sqlite3_bind_text(s, 1, kek_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, when);
    return exec_done(be, s, "key retire");
}

/* ---- tenants ------------------------------------------------------------------------ */

static void read_tenant(sqlite3_stmt *s, vo__tenant_rec *t)
{
    t->tid = sqlite3_column_int64(s, 0);
    col_text(s, 1, t->name, sizeof(t->name));
    t->created_ms = sqlite3_column_int64(s, 2);
    col_text(s, 3, t->kek_id, sizeof(t->kek_id));
    t->dek_gen = sqlite3_column_int64(s, 4);
    t->wrapped_len = col_blob(s, 5, t->wrapped, sizeof(t->wrapped));
    t->secret_count = sqlite3_column_int64(s, 6);
}

static int sq_tenant_get(vo__backend *be, const char *name, vo__tenant_rec *t)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(be, S_T_GET, &s);
    if (rc != VO_OK)
        return rc;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    int src = sqlite3_step(s);
    if (src == SQLITE_ROW)
        read_tenant(s, t);
    else if (src == SQLITE_DONE)
        rc = VO_ENOTFOUND;
    else
        rc = sq_fail(be, src, "tenant read");
    done(s);
    return rc;
}

static int sq_tenant_insert(vo__backend *be, vo__tenant_rec *t)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(be, S_T_INS, &s);
    if (rc != VO_OK)
        return rc;
    sqlite3_bind_text(s, 1, t->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, t->created_ms);
    sqlite3_bind_text(s, 3, t->kek_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, t->dek_gen);
    sqlite3_bind_blob(s, 5, t->wrapped, (int)t->wrapped_len, SQLITE_STATIC);
    rc = exec_done(be, s, "tenant insert");
    if (rc == VO_OK)
        t->tid = sqlite3_last_insert_rowid(be->db);
    return rc;
}

static int sq_tenant_set_key(vo__backend *be, int64_t tid, const char *kek_id, int64_t gen,
                             const unsigned char *wrapped, size_t len)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(be, S_T_SETKEY, &s);
    if (rc != VO_OK)
        return rc;
    sqlite3_bind_int64(s, 1, tid);
    sqlite3_bind_text(s, 2, kek_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, gen);
    sqlite3_bind_blob(s, 4, wrapped, (int)len, SQLITE_STATIC);
    return exec_done(be, s, "tenant key update");
}

static int sq_tenant_delete(vo__backend *be, int64_t tid)
{
    static const int ids[] = {S_T_DEL_SECRETS, S_T_DEL_HEADS, S_T_DEL};
    for (size_t i = 0; i < 3; i++) {
        sqlite3_stmt *s = NULL;
        int rc = prep(be, ids[i], &s);
        if (rc != VO_OK)
            return rc;
        sqlite3_bind_int64(s, 1, tid);
        rc = exec_done(be, s, "tenant delete");
        if (rc != VO_OK)
            return rc;
    }
    return VO_OK;
}

/* Room for one more element in a growing array of `n` used out of *cap: the array (moved
 * when it had to grow), or NULL with VO_ENOMEM recorded (the old array is still valid). */
static void *grow(void *arr, size_t *cap, size_t n, size_t elem, size_t first)
{
    if (n < *cap)
        return arr;
    size_t nc = *cap ? *cap * 2 : first;
    void *p = realloc(arr, nc * elem);
    if (!p) {
        vo__error_set(VO_ENOMEM, "out of memory");
        return NULL;
    }
    *cap = nc;
    return p;
}

static int sq_tenant_list(vo__backend *be, const char *after, const char *not_kek, size_t limit,
                          vo__tenant_rec **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    char sql[512];
    snprintf(sql, sizeof(sql),
             "SELECT tid, name, created_ms, kek_id, dek_gen, wrapped_dek, %s FROM tenants t"
             " WHERE name > ?1 %s ORDER BY name LIMIT ?3",
             not_kek ? "0"
                     : "(SELECT count(*) FROM heads h WHERE h.tid = t.tid AND h.deleted = 0)",
             not_kek ? "AND kek_id <> ?2" : "");
    sqlite3_stmt *s = NULL;
    int src = sqlite3_prepare_v2(be->db, sql, -1, &s, NULL);
    if (src != SQLITE_OK)
        return sq_fail(be, src, "tenant list");
    sqlite3_bind_text(s, 1, after ? after : "", -1, SQLITE_STATIC);
    if (not_kek)
        sqlite3_bind_text(s, 2, not_kek, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, limit ? (sqlite3_int64)limit : -1);
    size_t cap = 0;
    vo__tenant_rec *arr = NULL;
    int rc = VO_OK;
    while ((src = sqlite3_step(s)) == SQLITE_ROW) {
        vo__tenant_rec *grown = grow(arr, &cap, *n, sizeof(*arr), 64);
        if (!grown) {
            rc = VO_ENOMEM;
            break;
        }
        arr = grown;
        read_tenant(s, &arr[(*n)++]);
    }
    if (rc == VO_OK && src != SQLITE_DONE)
        rc = sq_fail(be, src, "tenant list");
    sqlite3_finalize(s);
    if (rc != VO_OK) {
        free(arr);
        *n = 0;
        return rc;
    }
    *out = arr;
    return VO_OK;
}

static int sq_tenant_count(vo__backend *be, const char *kek_id, bool not_kek, int64_t *n)
{
    sqlite3_stmt *s = NULL;
    int id = !kek_id ? S_T_COUNT_ALL : not_kek ? S_T_COUNT_NOTKEK : S_T_COUNT_KEK;
    int rc = prep(be, id, &s);
    if (rc != VO_OK)
        return rc;
    if (kek_id)
        sqlite3_bind_text(s, 1, kek_id, -1, SQLITE_STATIC);
    int src = sqlite3_step(s);
    if (src == SQLITE_ROW)
        *n = sqlite3_column_int64(s, 0);
    else
        rc = sq_fail(be, src, "tenant count");
    done(s);
    return rc;
}

/* ---- heads -------------------------------------------------------------------------- */

static int sq_head_get(vo__backend *be, int64_t tid, const char *name, vo__head_rec *h)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(be, S_H_GET, &s);
    if (rc != VO_OK)
        return rc;
    sqlite3_bind_int64(s, 1, tid);
    sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
    int src = sqlite3_step(s);
    if (src == SQLITE_ROW) {
        memset(h, 0, sizeof(*h));
        h->tid = tid;
        vo__strlcpy(h->name, name, sizeof(h->name));
        h->latest = sqlite3_column_int64(s, 0);
        h->deleted = sqlite3_column_int(s, 1);
        h->created_ms = sqlite3_column_int64(s, 2);
        h->updated_ms = sqlite3_column_int64(s, 3);
    } else if (src == SQLITE_DONE) {
        rc = VO_ENOTFOUND;
    } else {
        rc = sq_fail(be, src, "secret head read");
    }
    done(s);
    return rc;
}

static int sq_head_put(vo__backend *be, const vo__head_rec *h)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(be, S_H_PUT, &s);
    if (rc != VO_OK)
        return rc;
    sqlite3_bind_int64(s, 1, h->tid);
    sqlite3_bind_text(s, 2, h->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, h->latest);
    sqlite3_bind_int(s, 4, h->deleted);
    sqlite3_bind_int64(s, 5, h->created_ms);
    sqlite3_bind_int64(s, 6, h->updated_ms);
    return exec_done(be, s, "secret head write");
}

static int sq_head_list(vo__backend *be, int64_t tid, vo__head_rec **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    int rc = prep(be, S_H_LIST, &s);
    if (rc != VO_OK)
        return rc;
    sqlite3_bind_int64(s, 1, tid);
    size_t cap = 0;
    vo__head_rec *arr = NULL;
    int src;
    while ((src = sqlite3_step(s)) == SQLITE_ROW) {
        vo__head_rec *grown = grow(arr, &cap, *n, sizeof(*arr), 16);
        if (!grown) {
            rc = VO_ENOMEM;
            break;
        }
        arr = grown;
        vo__head_rec *h = &arr[(*n)++];
        memset(h, 0, sizeof(*h));
        h->tid = tid;
        col_text(s, 0, h->name, sizeof(h->name));
        h->latest = sqlite3_column_int64(s, 1);
        h->created_ms = sqlite3_column_int64(s, 2);
        h->updated_ms = sqlite3_column_int64(s, 3);
        h->versions = sqlite3_column_int64(s, 4);
    }
    if (rc == VO_OK && src != SQLITE_DONE)
        rc = sq_fail(be, src, "secret list");
    done(s);
    if (rc != VO_OK) {
        free(arr);
        *n = 0;
        return rc;
    }
    *out = arr;
    return VO_OK;
}

/* ---- secrets ------------------------------------------------------------------------ */

static int sq_secret_read(vo__backend *be, const char *tenant, const char *name,
                          int64_t version, vo__tenant_rec *t, vo__secret_rec *r, vo__buf *ct)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(be, version > 0 ? S_S_READ_VER : S_S_READ_LATEST, &s);
    if (rc != VO_OK)
        return rc;
    sqlite3_bind_text(s, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
    if (version > 0)
        sqlite3_bind_int64(s, 3, version);
    int src = sqlite3_step(s);
    if (src == SQLITE_ROW) {
        t->tid = sqlite3_column_int64(s, 0);
        vo__strlcpy(t->name, tenant, sizeof(t->name));
        t->created_ms = sqlite3_column_int64(s, 1);
        col_text(s, 2, t->kek_id, sizeof(t->kek_id));
        t->dek_gen = sqlite3_column_int64(s, 3);
        t->wrapped_len = col_blob(s, 4, t->wrapped, sizeof(t->wrapped));
        vo__strlcpy(r->name, name, sizeof(r->name));
        r->version = sqlite3_column_int64(s, 5);
        r->dek_gen = sqlite3_column_int64(s, 6);
        r->created_ms = sqlite3_column_int64(s, 7);
        const void *p = sqlite3_column_blob(s, 8);
        int n = sqlite3_column_bytes(s, 8);
        ct->len = 0;
        if (n > 0 && !vo__buf_append(ct, p, (size_t)n))
            rc = vo__error_set(VO_ENOMEM, "out of memory");
    } else if (src == SQLITE_DONE) {
        rc = VO_ENOTFOUND;
    } else {
        rc = sq_fail(be, src, "secret read");
    }
    done(s);
    return rc;
}

static int sq_secret_insert(vo__backend *be, int64_t tid, const vo__secret_rec *r)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(be, S_S_INS, &s);
    if (rc != VO_OK)
        return rc;
    sqlite3_bind_int64(s, 1, tid);
    sqlite3_bind_text(s, 2, r->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, r->version);
    sqlite3_bind_int64(s, 4, r->dek_gen);
    sqlite3_bind_int64(s, 5, r->created_ms);
    sqlite3_bind_blob(s, 6, r->ct, (int)r->ct_len, SQLITE_STATIC);
    return exec_done(be, s, "secret write");
}

static int sq_secret_prune(vo__backend *be, int64_t tid, const char *name, int64_t min_version)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(be, S_S_PRUNE, &s);
    if (rc != VO_OK)
        return rc;
    sqlite3_bind_int64(s, 1, tid);
    sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, min_version);
    return exec_done(be, s, "secret prune");
}

static int sq_secret_delete_all(vo__backend *be, int64_t tid, const char *name)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(be, S_S_DEL, &s);
    if (rc != VO_OK)
        return rc;
    sqlite3_bind_int64(s, 1, tid);
    sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
    return exec_done(be, s, "secret delete");
}

void vo__secret_rows_free(vo__secret_rec *rows, size_t n)
{
    if (!rows)
        return;
    for (size_t i = 0; i < n; i++)
        free(rows[i].ct);
    free(rows);
}

static int sq_secret_rows(vo__backend *be, int64_t tid, vo__secret_rec **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    int rc = prep(be, S_S_ROWS, &s);
    if (rc != VO_OK)
        return rc;
    sqlite3_bind_int64(s, 1, tid);
    size_t cap = 0;
    vo__secret_rec *arr = NULL;
    int src;
    while ((src = sqlite3_step(s)) == SQLITE_ROW) {
        vo__secret_rec *grown = grow(arr, &cap, *n, sizeof(*arr), 16);
        if (!grown) {
            rc = VO_ENOMEM;
            break;
        }
        arr = grown;
        vo__secret_rec *r = &arr[*n];
        memset(r, 0, sizeof(*r));
        col_text(s, 0, r->name, sizeof(r->name));
        r->version = sqlite3_column_int64(s, 1);
        r->dek_gen = sqlite3_column_int64(s, 2);
        r->created_ms = sqlite3_column_int64(s, 3);
        int len = sqlite3_column_bytes(s, 4);
        const void *p = sqlite3_column_blob(s, 4);
        r->ct = malloc(len > 0 ? (size_t)len : 1);
        if (!r->ct) {
            rc = vo__error_set(VO_ENOMEM, "out of memory");
            break;
        }
        if (len > 0)
            memcpy(r->ct, p, (size_t)len);
        r->ct_len = (size_t)(len > 0 ? len : 0);
        (*n)++;
    }
    if (rc == VO_OK && src != SQLITE_DONE)
        rc = sq_fail(be, src, "secret rows");
    done(s);
    if (rc != VO_OK) {
        vo__secret_rows_free(arr, *n);
        *n = 0;
        return rc;
    }
    *out = arr;
    return VO_OK;
}

static int sq_secret_update(vo__backend *be, int64_t tid, const vo__secret_rec *r)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(be, S_S_UPD, &s);
    if (rc != VO_OK)
        return rc;
    sqlite3_bind_int64(s, 1, tid);
    sqlite3_bind_text(s, 2, r->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, r->version);
    sqlite3_bind_int64(s, 4, r->dek_gen);
    sqlite3_bind_blob(s, 5, r->ct, (int)r->ct_len, SQLITE_STATIC);
    return exec_done(be, s, "secret re-encrypt");
}

/* ---- audit -------------------------------------------------------------------------- */

static int sq_audit_tail(vo__backend *be, int64_t *seq, unsigned char mac[VO__MAC_SIZE])
{
    sqlite3_stmt *s = NULL;
    int rc = prep(be, S_A_TAIL, &s);
    if (rc != VO_OK)
        return rc;
    int src = sqlite3_step(s);
    if (src == SQLITE_ROW) {
        *seq = sqlite3_column_int64(s, 0);
        memset(mac, 0, VO__MAC_SIZE);
        col_blob(s, 1, mac, VO__MAC_SIZE);
    } else if (src == SQLITE_DONE) {
        rc = VO_ENOTFOUND;
    } else {
        rc = sq_fail(be, src, "audit tail");
    }
    done(s);
    return rc;
}

static int sq_audit_insert(vo__backend *be, const vo__audit_rec *a)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(be, S_A_INS, &s);
    if (rc != VO_OK)
        return rc;
    sqlite3_bind_int64(s, 1, a->seq);
    sqlite3_bind_int64(s, 2, a->ts_ms);
    sqlite3_bind_text(s, 3, a->tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, a->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, a->action, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, a->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, a->correlation_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, a->result, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 9, a->mac, VO__MAC_SIZE, SQLITE_STATIC);
    return exec_done(be, s, "audit append");
}

static int sq_audit_query(vo__backend *be, const vo__audit_filter *f, vo__audit_rec **out,
                          size_t *n)
{
    *out = NULL;
    *n = 0;
    char sql[512];
    snprintf(sql, sizeof(sql),
             "SELECT seq, ts_ms, tenant, name, action, actor, correlation_id, result, mac"
             " FROM audit WHERE seq > ?1 %s %s %s ORDER BY seq LIMIT ?5",
             f->tenant ? "AND tenant = ?2" : "", f->since_ms ? "AND ts_ms >= ?3" : "",
             f->until_ms ? "AND ts_ms < ?4" : "");
    sqlite3_stmt *s = NULL;
    int src = sqlite3_prepare_v2(be->db, sql, -1, &s, NULL);
    if (src != SQLITE_OK)
        return sq_fail(be, src, "audit query");
    sqlite3_bind_int64(s, 1, f->after_seq);
    if (f->tenant)
        sqlite3_bind_text(s, 2, f->tenant, -1, SQLITE_STATIC);
    if (f->since_ms)
        sqlite3_bind_int64(s, 3, f->since_ms);
    if (f->until_ms)
        sqlite3_bind_int64(s, 4, f->until_ms);
    sqlite3_bind_int64(s, 5, f->limit ? (sqlite3_int64)f->limit : -1);
    size_t cap = 0;
    vo__audit_rec *arr = NULL;
    int rc = VO_OK;
    while ((src = sqlite3_step(s)) == SQLITE_ROW) {
        vo__audit_rec *grown = grow(arr, &cap, *n, sizeof(*arr), 64);
        if (!grown) {
            rc = VO_ENOMEM;
            break;
        }
        arr = grown;
        vo__audit_rec *a = &arr[(*n)++];
        memset(a, 0, sizeof(*a));
        a->seq = sqlite3_column_int64(s, 0);
        a->ts_ms = sqlite3_column_int64(s, 1);
        col_text(s, 2, a->tenant, sizeof(a->tenant));
        col_text(s, 3, a->name, sizeof(a->name));
        col_text(s, 4, a->action, sizeof(a->action));
        col_text(s, 5, a->actor, sizeof(a->actor));
        col_text(s, 6, a->correlation_id, sizeof(a->correlation_id));
        col_text(s, 7, a->result, sizeof(a->result));
        if (col_blob(s, 8, a->mac, sizeof(a->mac)) != VO__MAC_SIZE)
            memset(a->mac, 0, sizeof(a->mac)); /* malformed: verification will flag it */
    }
    if (rc == VO_OK && src != SQLITE_DONE)
        rc = sq_fail(be, src, "audit query");
    sqlite3_finalize(s);
    if (rc != VO_OK) {
        free(arr);
        *n = 0;
        return rc;
    }
    *out = arr;
    return VO_OK;
}

/* ---- backup ------------------------------------------------------------------------- */

static int sq_backup(vo__backend *be, const char *dest_path)
{
    int rc = vo__file_prepare(dest_path, true, true);
    if (rc != VO_OK)
        return rc;
    sqlite3 *dst = NULL;
    int src =
        sqlite3_open_v2(dest_path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (src == SQLITE_OK) {
        sqlite3_backup *b = sqlite3_backup_init(dst, "main", be->db, "main");
        if (!b) {
            rc = vo__error_set(VO_ESTORAGE, "backup failed: %s", sqlite3_errmsg(dst));
        } else {
            /* Copy in steps so writers of other connections are not blocked for long. */
            do {
                src = sqlite3_backup_step(b, 256);
                if (src == SQLITE_BUSY || src == SQLITE_LOCKED)
                    sqlite3_sleep(5);
            } while (src == SQLITE_OK || src == SQLITE_BUSY || src == SQLITE_LOCKED);
            sqlite3_backup_finish(b);
            if (src != SQLITE_DONE)
                rc = vo__error_set(VO_ESTORAGE, "backup failed: %s", sqlite3_errstr(src));
        }
    } else {
        rc = vo__error_set(VO_ESTORAGE, "cannot open backup file: %s", sqlite3_errstr(src));
    }
    sqlite3_close_v2(dst);
    if (rc != VO_OK)
        unlink(dest_path);
    return rc;
}

/* ---- seen-request store ------------------------------------------------------------- */

static int sq_seen_insert(vo__backend *be, const vo__seen_rec *r, int64_t now_ms,
                          vo__seen_rec *existing)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(be, S_SEEN_INS, &s);
    if (rc != VO_OK)
        return rc;
    sqlite3_bind_blob(s, 1, r->key, VO__MAC_SIZE, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, r->mark, VO__MAC_SIZE, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, r->seen_ms);
    sqlite3_bind_int64(s, 4, r->expires_ms);
    sqlite3_bind_int64(s, 5, now_ms);
    rc = exec_done(be, s, "seen insert");
    if (rc != VO_OK || sqlite3_changes(be->db) == 1)
        return rc;
    /* a live entry was there: return it (same transaction, so it cannot go away) */
    rc = prep(be, S_SEEN_GET, &s);
    if (rc != VO_OK)
        return rc;
    sqlite3_bind_blob(s, 1, r->key, VO__MAC_SIZE, SQLITE_STATIC);
    int src = sqlite3_step(s);
    if (src == SQLITE_ROW) {
        memset(existing, 0, sizeof(*existing));
        memcpy(existing->key, r->key, VO__MAC_SIZE);
        if (col_blob(s, 0, existing->mark, VO__MAC_SIZE) != VO__MAC_SIZE)
            memset(existing->mark, 0, VO__MAC_SIZE); /* a tampered mark matches nothing */
        existing->seen_ms = sqlite3_column_int64(s, 1);
        existing->expires_ms = sqlite3_column_int64(s, 2);
        rc = VO_EEXISTS;
    } else {
        rc = sq_fail(be, src == SQLITE_DONE ? SQLITE_ERROR : src, "seen read");
    }
    done(s);
    return rc;
}

static int sq_seen_prune(vo__backend *be, int64_t now_ms, size_t max_rows, int64_t *removed)
{
    sqlite3_stmt *s = NULL;
    *removed = 0;
    int rc = prep(be, S_SEEN_PRUNE, &s);
    if (rc != VO_OK)
        return rc;
    sqlite3_bind_int64(s, 1, now_ms);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)max_rows);
    rc = exec_done(be, s, "seen prune");
    if (rc == VO_OK)
        *removed = sqlite3_changes(be->db);
    return rc;
}

static int sq_seen_count(vo__backend *be, int64_t *n)
{
    sqlite3_stmt *s = NULL;
    int rc = prep(be, S_SEEN_COUNT, &s);
    if (rc != VO_OK)
        return rc;
    int src = sqlite3_step(s);
    if (src == SQLITE_ROW)
        *n = sqlite3_column_int64(s, 0);
    else
        rc = sq_fail(be, src, "seen count");
    done(s);
    return rc;
}

/* ---- enumeration (copies between backends) ------------------------------------------ */

static int sq_meta_keys(vo__backend *be, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    int src = sqlite3_prepare_v2(be->db, "SELECT key FROM meta ORDER BY key", -1, &s, NULL);
    if (src != SQLITE_OK)
        return sq_fail(be, src, "meta keys");
    size_t cap = 0;
    char **arr = NULL;
    int rc = VO_OK;
    while ((src = sqlite3_step(s)) == SQLITE_ROW) {
        char **grown = grow(arr, &cap, *n, sizeof(*arr), 16);
        const unsigned char *t = sqlite3_column_text(s, 0);
        char *k = grown ? strdup(t ? (const char *)t : "") : NULL;
        if (grown)
            arr = grown;
        if (!k) {
            rc = vo__error_set(VO_ENOMEM, "out of memory");
            break;
        }
        arr[(*n)++] = k;
    }
    if (rc == VO_OK && src != SQLITE_DONE)
        rc = sq_fail(be, src, "meta keys");
    sqlite3_finalize(s);
    if (rc != VO_OK) {
        for (size_t i = 0; i < *n; i++)
            free(arr[i]);
        free(arr);
        *n = 0;
        return rc;
    }
    *out = arr;
    return VO_OK;
}

static int sq_kek_list(vo__backend *be, vo__kek_rec **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    char **ids = NULL;
    size_t nids = 0;
    sqlite3_stmt *s = NULL;
    int src =
        sqlite3_prepare_v2(be->db, "SELECT kek_id FROM keks ORDER BY kek_id", -1, &s, NULL);
    if (src != SQLITE_OK)
        return sq_fail(be, src, "key list");
    size_t cap = 0;
    int rc = VO_OK;
    while ((src = sqlite3_step(s)) == SQLITE_ROW) {
        char **grown = grow(ids, &cap, nids, sizeof(*ids), 8);
        const unsigned char *t = sqlite3_column_text(s, 0);
        char *k = grown ? strdup(t ? (const char *)t : "") : NULL;
        if (grown)
            ids = grown;
        if (!k) {
            rc = vo__error_set(VO_ENOMEM, "out of memory");
            break;
        }
        ids[nids++] = k;
    }
    if (rc == VO_OK && src != SQLITE_DONE)
        rc = sq_fail(be, src, "key list");
    sqlite3_finalize(s);
    vo__kek_rec *arr = rc == VO_OK ? calloc(nids ? nids : 1, sizeof(*arr)) : NULL;
    if (rc == VO_OK && !arr)
        rc = vo__error_set(VO_ENOMEM, "out of memory");
    for (size_t i = 0; rc == VO_OK && i < nids; i++)
        rc = sq_kek_get(be, ids[i], &arr[i]);
    for (size_t i = 0; i < nids; i++)
        free(ids[i]);
    free(ids);
    if (rc != VO_OK) {
        free(arr);
        return rc;
    }
    *out = arr;
    *n = nids;
    return VO_OK;
}

const vo__backend_ops vo__sqlite_backend = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .meta_get = sq_meta_get,
    .meta_set = sq_meta_set,
    .meta_delete = sq_meta_delete,
    .kek_get = sq_kek_get,
    .kek_insert = sq_kek_insert,
    .kek_retire = sq_kek_retire,
    .tenant_get = sq_tenant_get,
    .tenant_insert = sq_tenant_insert,
    .tenant_set_key = sq_tenant_set_key,
    .tenant_delete = sq_tenant_delete,
    .tenant_list = sq_tenant_list,
    .tenant_count = sq_tenant_count,
    .head_get = sq_head_get,
    .head_put = sq_head_put,
    .head_list = sq_head_list,
    .secret_read = sq_secret_read,
    .secret_insert = sq_secret_insert,
    .secret_prune = sq_secret_prune,
    .secret_delete_all = sq_secret_delete_all,
    .secret_rows = sq_secret_rows,
    .secret_update = sq_secret_update,
    .audit_tail = sq_audit_tail,
    .audit_insert = sq_audit_insert,
    .audit_query = sq_audit_query,
    .backup = sq_backup,
    .seen_insert = sq_seen_insert,
    .seen_prune = sq_seen_prune,
    .seen_count = sq_seen_count,
    .meta_keys = sq_meta_keys,
    .kek_list = sq_kek_list,
};

/* ---- restore (SQLite-specific, used by vo_vault_restore) ---------------------------- */

int vo__sqlite_restore(const char *backup_path, const char *dest_path);

int vo__sqlite_restore(const char *backup_path, const char *dest_path)
{
    sqlite3 *src_db = NULL, *dst = NULL;
    int rc = VO_OK;
    struct stat st;
    if (stat(backup_path, &st) != 0)
        return vo__error_set(VO_ENOTFOUND, "backup '%s' does not exist", backup_path);
    int src = sqlite3_open_v2(backup_path, &src_db, SQLITE_OPEN_READONLY, NULL);
    if (src != SQLITE_OK) {
        rc = vo__error_set(VO_ESTORAGE, "cannot open backup: %s", sqlite3_errstr(src));
        goto out;
    }
    sqlite3_stmt *s = NULL;
    src = sqlite3_prepare_v2(src_db, "PRAGMA integrity_check", -1, &s, NULL);
    if (src == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(s, 0);
        if (!t || strcmp((const char *)t, "ok") != 0)
            rc = vo__error_set(VO_ESTORAGE, "backup fails the integrity check");
    } else {
        rc = vo__error_set(VO_ESTORAGE, "backup is not a readable database: %s",
                           sqlite3_errmsg(src_db));
    }
    sqlite3_finalize(s);
    if (rc != VO_OK)
        goto out;
    s = NULL;
    int ver = -1;
    if (sqlite3_prepare_v2(src_db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        ver = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    s = NULL;
    int has_meta = 0;
    if (sqlite3_prepare_v2(src_db, "SELECT count(*) FROM meta WHERE key = 'vault_id'", -1, &s,
                           NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        has_meta = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    if (ver < 1 || ver > SCHEMA_VERSION || !has_meta) {
        rc = vo__error_set(VO_EUNSUPPORTED, "'%s' is not a vault this library can restore",
                           backup_path);
        goto out;
    }
    rc = vo__file_prepare(dest_path, true, false);
    if (rc != VO_OK)
        goto out;
    src = sqlite3_open_v2(dest_path, &dst, SQLITE_OPEN_READWRITE, NULL);
    if (src != SQLITE_OK) {
        rc = vo__error_set(VO_ESTORAGE, "cannot open restore target: %s", sqlite3_errstr(src));
        goto out;
    }
    sqlite3_busy_timeout(dst, 5000);
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src_db, "main");
    if (!b) {
        rc = vo__error_set(VO_ESTORAGE, "restore failed: %s", sqlite3_errmsg(dst));
        goto out;
    }
    src = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (src == SQLITE_BUSY || src == SQLITE_LOCKED)
        rc = vo__error_set(VO_EBUSY, "restore target is in use");
    else if (src != SQLITE_DONE)
        rc = vo__error_set(VO_ESTORAGE, "restore failed: %s", sqlite3_errstr(src));
    if (rc == VO_OK)
        sqlite3_exec(dst, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
out:
    sqlite3_close_v2(src_db);
    sqlite3_close_v2(dst);
    if (rc == VO_OK)
        tighten_sidecars(dest_path);
    return rc;
}
