/*
 * The PostgreSQL storage backend (libpq), for deployments where several app servers share
 * one vault. Chosen by vo_vault_open() for `postgresql://` / `postgres://` URIs and libpq
 * key=value connection strings; the extra parameter `schema=NAME` (default "voiceops")
 * names the PostgreSQL schema that holds the vault's tables, and is removed before the
 * string reaches libpq.
 *
 * Cross-process rules (docs/vault.md, "Many app servers"):
 * - Every write transaction takes one transaction-scoped advisory lock of the schema first
 *   (`pg_advisory_xact_lock`), like SQLite's BEGIN IMMEDIATE: check-and-set and "read audit
 *   tail, append" are serialised across every server, so there is no lost update and one
 *   audit chain. Waiting is bounded by lock_timeout (the vault's busy timeout): VO_EBUSY.
 * - Read transactions are REPEATABLE READ READ ONLY snapshots; single reads autocommit.
 * - Schema migrations are forward-only and run under a second advisory lock: many servers
 *   starting at once migrate exactly once.
 * - A lost connection is re-established on the next call (VO_EUNAVAILABLE while the
 *   database cannot be reached; never VO_ESTORAGE). A read outside a transaction is retried
 *   once on a fresh connection; a transaction that lost its connection is reported, never
 *   replayed.
 * - Every write transaction inserts a random commit token just before COMMIT. When the answer
 *   to COMMIT is lost, the backend reconnects, waits for the write lock (so the old session
 *   has finished) and looks the token up: present means committed (VO_OK), absent means
 *   nothing was applied (VO_EUNAVAILABLE). The write is never re-applied blindly.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "backend.h"
#include "backend_pg.h"

#define PG_SCHEMA_DEFAULT "voiceops"
#define PG_SCHEMA_MAX 63
#define PG_TOKEN_SIZE 16
#define PG_POOL_DEFAULT 4
#define PG_POOL_MAX 64

/* ---- schema ------------------------------------------------------------------------- */

/* Forward-only migrations: migrations[i] brings the schema from version i to i + 1. Never
 * edit a released entry; append a new one. Names are compared byte-wise (COLLATE "C"), as
 * SQLite does, so paging and ordering match the other backend. */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE meta (key text COLLATE \"C\" PRIMARY KEY, value bytea NOT NULL);"
    "CREATE TABLE keks (kek_id text COLLATE \"C\" PRIMARY KEY, kind bigint NOT NULL,"
    "  created_ms bigint NOT NULL, retired_ms bigint NOT NULL DEFAULT 0,"
    "  check_blob bytea NOT NULL, kdf_salt bytea, kdf_ops bigint, kdf_mem bigint);"
    "CREATE TABLE tenants (tid bigserial PRIMARY KEY, name text COLLATE \"C\" NOT NULL UNIQUE,"
    "  created_ms bigint NOT NULL, kek_id text COLLATE \"C\" NOT NULL, dek_gen bigint NOT NULL,"
    "  wrapped_dek bytea NOT NULL);"
    "CREATE INDEX tenants_by_kek ON tenants(kek_id);"
    "CREATE TABLE heads (tid bigint NOT NULL, name text COLLATE \"C\" NOT NULL,"
    "  latest bigint NOT NULL, deleted bigint NOT NULL, created_ms bigint NOT NULL,"
    "  updated_ms bigint NOT NULL, PRIMARY KEY (tid, name));"
    "CREATE TABLE secrets (tid bigint NOT NULL, name text COLLATE \"C\" NOT NULL,"
    "  version bigint NOT NULL, dek_gen bigint NOT NULL, created_ms bigint NOT NULL,"
    "  ct bytea NOT NULL, PRIMARY KEY (tid, name, version));"
    "CREATE TABLE audit (seq bigint PRIMARY KEY, ts_ms bigint NOT NULL,"
    "  tenant text NOT NULL, name text NOT NULL, action text NOT NULL, actor text NOT NULL,"
    "  correlation_id text NOT NULL, result text NOT NULL, mac bytea NOT NULL);"
    "CREATE INDEX audit_by_time ON audit(ts_ms);"
    "CREATE INDEX audit_by_tenant ON audit(tenant, seq);"
    "CREATE TABLE commits (token bytea PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());",
    /* 1 -> 2: the seen-request store (lib/vault/seen.c): keyed digests and times only */
    "CREATE TABLE seen (key bytea PRIMARY KEY, mark bytea NOT NULL, seen_ms bigint NOT NULL,"
    "  expires_ms bigint NOT NULL);"
    "CREATE INDEX seen_by_expiry ON seen(expires_ms);",
};
#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* ---- statements (prepared once per connection) -------------------------------------- */

enum {
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
    S_TOKEN_FIND,
    S_SEEN_INS,
    S_SEEN_GET,
    S_SEEN_PRUNE,
    S_SEEN_COUNT,
    S_COUNT
};

typedef struct pg_stmt {
    const char *sql;
    int nparams;
    bool read; /* safe to retry on a fresh connection outside a transaction */
} pg_stmt;

#define T_COLS "tid, name, created_ms, kek_id, dek_gen, wrapped_dek"
#define KEK_COLS "kek_id, kind, created_ms, retired_ms, check_blob, kdf_salt, kdf_ops, kdf_mem"

static const pg_stmt stmts[S_COUNT] = {
    [S_META_GET] = {"SELECT value FROM meta WHERE key = $1", 1, true},
    [S_META_SET] = {"INSERT INTO meta (key, value) VALUES ($1, $2)"
                    " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                    2, false},
    [S_META_DEL] = {"DELETE FROM meta WHERE key = $1", 1, false},
    [S_KEK_GET] = {"SELECT " KEK_COLS " FROM keks WHERE kek_id = $1", 1, true},
    [S_KEK_INS] = {"INSERT INTO keks (kek_id, kind, created_ms, retired_ms, check_blob,"
                   " kdf_salt, kdf_ops, kdf_mem) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                   8, false},
    [S_KEK_RETIRE] = {"UPDATE keks SET retired_ms = $2 WHERE kek_id = $1", 2, false},
    [S_T_GET] = {"SELECT " T_COLS ", (SELECT count(*) FROM heads h WHERE h.tid = t.tid AND"
                 " h.deleted = 0) FROM tenants t WHERE name = $1",
                 1, true},
    [S_T_INS] = {"INSERT INTO tenants (name, created_ms, kek_id, dek_gen, wrapped_dek)"
                 " VALUES ($1, $2, $3, $4, $5) RETURNING tid",
                 5, false},
    [S_T_SETKEY] = {"UPDATE tenants SET kek_id = $2, dek_gen = $3, wrapped_dek = $4"
                    " WHERE tid = $1",
                    4, false},
    [S_T_DEL] = {"DELETE FROM tenants WHERE tid = $1", 1, false},
    [S_T_DEL_HEADS] = {"DELETE FROM heads WHERE tid = $1", 1, false},
    [S_T_DEL_SECRETS] = {"DELETE FROM secrets WHERE tid = $1", 1, false},
    [S_T_COUNT_ALL] = {"SELECT count(*) FROM tenants", 0, true},
    [S_T_COUNT_KEK] = {"SELECT count(*) FROM tenants WHERE kek_id = $1", 1, true},
    [S_T_COUNT_NOTKEK] = {"SELECT count(*) FROM tenants WHERE kek_id <> $1", 1, true},
    [S_H_GET] = {"SELECT latest, deleted, created_ms, updated_ms FROM heads"
                 " WHERE tid = $1 AND name = $2",
                 2, true},
    [S_H_PUT] = {"INSERT INTO heads (tid, name, latest, deleted, created_ms, updated_ms)"
                 " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tid, name) DO UPDATE SET"
                 " latest = EXCLUDED.latest, deleted = EXCLUDED.deleted,"
                 " created_ms = EXCLUDED.created_ms, updated_ms = EXCLUDED.updated_ms",
                 6, false},
    [S_H_LIST] = {"SELECT h.name, h.latest, h.created_ms, h.updated_ms,"
                  " (SELECT count(*) FROM secrets s WHERE s.tid = h.tid AND s.name = h.name)"
                  " FROM heads h WHERE h.tid = $1 AND h.deleted = 0 ORDER BY h.name",
                  1, true},
    [S_S_READ_LATEST] = {"SELECT t.tid, t.created_ms, t.kek_id, t.dek_gen, t.wrapped_dek,"
                         " s.version, s.dek_gen, s.created_ms, s.ct FROM tenants t JOIN"
                         " secrets s ON s.tid = t.tid WHERE t.name = $1 AND s.name = $2"
                         " ORDER BY s.version DESC LIMIT 1",
                         2, true},
    [S_S_READ_VER] = {"SELECT t.tid, t.created_ms, t.kek_id, t.dek_gen, t.wrapped_dek,"
                      " s.version, s.dek_gen, s.created_ms, s.ct FROM tenants t JOIN"
                      " secrets s ON s.tid = t.tid WHERE t.name = $1 AND s.name = $2"
                      " AND s.version = $3",
                      3, true},
    [S_S_INS] = {"INSERT INTO secrets (tid, name, version, dek_gen, created_ms, ct)"
                 " VALUES ($1, $2, $3, $4, $5, $6)",
                 6, false},
    [S_S_PRUNE] = {"DELETE FROM secrets WHERE tid = $1 AND name = $2 AND version < $3", 3,
                   false},
    [S_S_DEL] = {"DELETE FROM secrets WHERE tid = $1 AND name = $2", 2, false},
    [S_S_ROWS] = {"SELECT name, version, dek_gen, created_ms, ct FROM secrets WHERE tid = $1"
                  " ORDER BY name, version",
                  1, true},
    [S_S_UPD] = {"UPDATE secrets SET dek_gen = $4, ct = $5 WHERE tid = $1 AND name = $2"
                 " AND version = $3",
                 5, false},
    [S_A_TAIL] = {"SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1", 0, true},
    [S_TOKEN_FIND] = {"SELECT count(*) FROM commits WHERE token = $1", 1, true},
    [S_SEEN_INS] = {"INSERT INTO seen (key, mark, seen_ms, expires_ms) VALUES ($1, $2, $3, $4)"
                    " ON CONFLICT (key) DO UPDATE SET mark = EXCLUDED.mark,"
                    " seen_ms = EXCLUDED.seen_ms, expires_ms = EXCLUDED.expires_ms"
                    " WHERE seen.expires_ms <= $5 RETURNING 1::bigint",
                    5, false},
    [S_SEEN_GET] = {"SELECT mark, seen_ms, expires_ms FROM seen WHERE key = $1", 1, true},
    [S_SEEN_PRUNE] = {"DELETE FROM seen WHERE key IN (SELECT key FROM seen WHERE"
                      " expires_ms <= $1 ORDER BY expires_ms LIMIT $2)",
                      2, false},
    [S_SEEN_COUNT] = {"SELECT count(*) FROM seen", 0, true},
};

struct vo__backend {
    PGconn *conn;
    char *conninfo; /* what libpq gets: the caller's string without `schema=` */
    char schema[PG_SCHEMA_MAX + 1];
    int busy_timeout_ms;
    int64_t write_lock, migrate_lock; /* advisory lock keys of this schema */
    bool prepared[S_COUNT];
    bool in_tx, tx_write, tx_lost;
    unsigned char token[PG_TOKEN_SIZE]; /* of the current write transaction */
    unsigned commits;
    /* Audit rows of the current transaction not sent yet: they go as one multi-row INSERT
     * before the next statement or the commit (one round trip instead of one per row). */
    vo__audit_rec *pending;
    size_t npending, cap_pending;
    /* The read pool: connections for secret reads outside the vault lock (several threads
     * of one handle read at once). Connected on first use; `pool=N` in the location. */
    pthread_mutex_t pool_mu;
    pthread_cond_t pool_cv;
    int pool_size;
    PGconn *pool[PG_POOL_MAX];
    bool pool_prepared[PG_POOL_MAX][2];
    bool pool_busy[PG_POOL_MAX];
};

static int audit_send(vo__backend *be);

/* ---- parameters --------------------------------------------------------------------- */

/* Up to 9 parameters, as text (numbers, names) or binary (bytea). */
typedef struct pg_params {
    int n;
    const char *val[9];
    int len[9];
    int fmt[9];
    char num[9][24];
} pg_params;

static void p_text(pg_params *p, const char *s)
{
    p->val[p->n] = s;
    p->len[p->n] = 0;
    p->fmt[p->n] = 0;
    p->n++;
}

static void p_int(pg_params *p, int64_t v)
{
    snprintf(p->num[p->n], sizeof(p->num[p->n]), "%lld", (long long)v);
    p_text(p, p->num[p->n]);
}

static void p_blob(pg_params *p, const void *data, size_t len)
{
    p->val[p->n] = data ? (const char *)data : "";
    p->len[p->n] = (int)len;
    p->fmt[p->n] = 1;
    p->n++;
}

static void p_null(pg_params *p)
{
    p->val[p->n] = NULL;
    p->len[p->n] = 0;
    p->fmt[p->n] = 0;
    p->n++;
}

/* Results come in binary: every integer column is bigint (8 bytes, big-endian). */
static int64_t col_int(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != 8)
        return 0;
    const unsigned char *b = (const unsigned char *)PQgetvalue(r, row, col);
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u = (u << 8) | b[i];
    return (int64_t)u;
}

static void col_text(const PGresult *r, int row, int col, char *dst, size_t size)
{
    int n = PQgetlength(r, row, col);
    if (PQgetisnull(r, row, col) || n <= 0) {
        dst[0] = '\0';
        return;
    }
    size_t k = (size_t)n < size - 1 ? (size_t)n : size - 1;
    memcpy(dst, PQgetvalue(r, row, col), k);
    dst[k] = '\0';
}

static size_t col_blob(const PGresult *r, int row, int col, unsigned char *dst, size_t size)
{
    int n = PQgetlength(r, row, col);
    if (PQgetisnull(r, row, col) || n <= 0)
        return 0;
    if ((size_t)n > size)
        return size + 1; /* too big: the vault's length check fails */
    memcpy(dst, PQgetvalue(r, row, col), (size_t)n);
    return (size_t)n;
}

/* ---- errors ------------------------------------------------------------------------- */

static bool conn_lost(const vo__backend *be)
{
    return !be->conn || PQstatus(be->conn) != CONNECTION_OK;
}

/* The first line of a libpq message (they end with a newline and may add DETAIL lines). */
static void first_line(char *dst, size_t size, const char *msg)
{
    size_t j = 0;
    for (size_t i = 0; msg && msg[i] && msg[i] != '\n' && j + 1 < size; i++)
        dst[j++] = msg[i];
    dst[j] = '\0';
}

/* Map a failed result (or a lost connection) of connection c to a VO_E* code. `be` is the
 * backend when c is its main connection (a running transaction is marked lost), NULL for
 * a pooled or new connection (other threads may be using the main one). */
static int pg_fail_on(vo__backend *be, PGconn *c, const PGresult *r, const char *what)
{
    char msg[256];
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    first_line(msg, sizeof(msg),
               r && PQresultErrorMessage(r)[0] ? PQresultErrorMessage(r)
               : c                             ? PQerrorMessage(c)
                                               : "no connection");
    bool lost = !c || PQstatus(c) != CONNECTION_OK;
    if (lost || (state && (strncmp(state, "08", 2) == 0 ||
                           strncmp(state, "57P", 3) == 0 /* shutdown, crash */))) {
        if (be && be->in_tx)
            be->tx_lost = true;
        return vo__error_set(VO_EUNAVAILABLE, "vault database unavailable (%s): %s", what, msg);
    }
    if (state && strcmp(state, "23505") == 0)
        return vo__error_set(VO_EEXISTS, "vault record already exists (%s)", what);
    if (state && (strcmp(state, "55P03") == 0 || strcmp(state, "40001") == 0 ||
                  strcmp(state, "40P01") == 0 || strcmp(state, "57014") == 0))
        return vo__error_set(VO_EBUSY, "vault storage busy (%s): %s", what, msg);
    if (state && strcmp(state, "53100") == 0)
        return vo__error_set(VO_ESTORAGE, "vault storage full (%s): %s", what, msg);
    return vo__error_set(VO_ESTORAGE, "vault storage error (%s): %s", what, msg);
}

static int pg_fail(vo__backend *be, const PGresult *r, const char *what)
{
    return pg_fail_on(be, be->conn, r, what);
}

/* ---- connection --------------------------------------------------------------------- */

static int64_t lock_key(const char *purpose, const char *schema)
{
    unsigned char h[8];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof(h));
    crypto_generichash_update(&st, (const unsigned char *)purpose, strlen(purpose));
    crypto_generichash_update(&st, (const unsigned char *)schema, strlen(schema));
    crypto_generichash_final(&st, h, sizeof(h));
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u = (u << 8) | h[i];
    return (int64_t)u;
}

/* Run SQL text without parameters on connection c. */
static int simple_on(vo__backend *be, PGconn *c, const char *sql, const char *what)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int rc = VO_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        rc = pg_fail_on(be, c, r, what);
    PQclear(r);
    return rc;
}

/* Run SQL text without parameters (session setup, transactions, migrations). */
static int simple(vo__backend *be, const char *sql, const char *what)
{
    return simple_on(be, be->conn, sql, what);
}

/* A new session with the vault's settings, or NULL with the error recorded. */
static PGconn *open_session(vo__backend *be)
{
    /* Defaults first: the caller's string overrides them. A dead peer (a cut the kernel
     * never hears of) is noticed within about 30 s instead of the TCP retry time. */
    const char *const keys[] = {
        "connect_timeout",  "application_name", "keepalives_idle", "keepalives_interval",
        "keepalives_count", "tcp_user_timeout", "dbname",          NULL};
    const char *const vals[] = {"5", "voiceops", "30", "10", "3", "30000", be->conninfo, NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (!c) {
        vo__error_set(VO_ENOMEM, "out of memory");
        return NULL;
    }
    if (PQstatus(c) != CONNECTION_OK) {
        char msg[256];
        first_line(msg, sizeof(msg), PQerrorMessage(c));
        PQfinish(c);
        vo__error_set(VO_EUNAVAILABLE, "vault database unavailable (connect): %s", msg);
        return NULL;
    }
    char sql[256];
    /* lock_timeout 0 would mean "wait forever"; a busy timeout of 0 means "do not wait". */
    snprintf(sql, sizeof(sql),
             "SET search_path TO \"%s\"; SET lock_timeout = %d; SET synchronous_commit = on;"
             " SET client_min_messages = warning",
             be->schema, be->busy_timeout_ms > 0 ? be->busy_timeout_ms : 1);
    if (simple_on(NULL, c, sql, "session setup") != VO_OK) {
        PQfinish(c);
        return NULL;
    }
    return c;
}

static int connect_now(vo__backend *be)
{
    if (be->conn)
        PQfinish(be->conn);
    memset(be->prepared, 0, sizeof(be->prepared));
    be->conn = open_session(be);
    return be->conn ? VO_OK : vo_error_last()->code;
}

/* A usable connection: reconnect when it was lost, unless a transaction was running on it
 * (its work is gone: the caller must see that, not a silent new transaction). */
static int ensure_conn(vo__backend *be)
{
    if (be->in_tx && (be->tx_lost || conn_lost(be))) {
        be->tx_lost = true;
        return vo__error_set(VO_EUNAVAILABLE,
                             "vault database connection lost inside a transaction (nothing "
                             "of it was applied)");
    }
    if (!conn_lost(be))
        return VO_OK;
    return connect_now(be);
}

/* Run a prepared statement; *out gets the result (PGRES_TUPLES_OK or COMMAND_OK). */
static int run(vo__backend *be, int id, const pg_params *p, PGresult **out, const char *what)
{
    *out = NULL;
    if (be->npending) {
        int rc = audit_send(be);
        if (rc != VO_OK)
            return rc;
    }
    for (int attempt = 0;; attempt++) {
        int rc = ensure_conn(be);
        if (rc != VO_OK)
            return rc;
        char name[16];
        snprintf(name, sizeof(name), "vo%d", id);
        PGresult *r = NULL;
        if (!be->prepared[id]) {
            r = PQprepare(be->conn, name, stmts[id].sql, stmts[id].nparams, NULL);
            if (r && PQresultStatus(r) == PGRES_COMMAND_OK) {
                be->prepared[id] = true;
                PQclear(r);
                r = NULL;
            }
        }
        if (be->prepared[id])
            r = PQexecPrepared(be->conn, name, p ? p->n : 0, p ? p->val : NULL,
                               p ? p->len : NULL, p ? p->fmt : NULL, 1);
        ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
            *out = r;
            return VO_OK;
        }
        /* A read outside a transaction may run again on a fresh connection (the server
         * restarted, or an idle connection was cut). Nothing else is retried. */
        if (conn_lost(be) && !be->in_tx && stmts[id].read && attempt == 0) {
            PQclear(r);
            continue;
        }
        rc = pg_fail(be, r, what);
        PQclear(r);
        return rc;
    }
}

/* Run and expect nothing back. */
static int run_done(vo__backend *be, int id, const pg_params *p, const char *what)
{
    PGresult *r = NULL;
    int rc = run(be, id, p, &r, what);
    PQclear(r);
    return rc;
}

/* ---- location parsing --------------------------------------------------------------- */

bool vo__pg_location(const char *uri)
{
    if (!uri)
        return false;
    if (strncmp(uri, "postgresql://", 13) == 0 || strncmp(uri, "postgres://", 11) == 0)
        return true;
    /* A libpq key=value string: its first word is a libpq keyword followed by '='. */
    static const char *const keys[] = {"host=",
                                       "hostaddr=",
                                       "port=",
                                       "dbname=",
                                       "user=",
                                       "service=",
                                       "passfile=",
                                       "sslmode=",
                                       "schema=",
                                       "options=",
                                       "target_session_attrs="};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strncmp(uri, keys[i], strlen(keys[i])) == 0)
            return true;
    return false;
}

static int check_schema(const char *s, size_t n)
{
    bool ok = n > 0 && n <= PG_SCHEMA_MAX && !(s[0] >= '0' && s[0] <= '9');
    for (size_t i = 0; ok && i < n; i++)
        ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_';
    if (!ok)
        return vo__error_set(VO_EINVAL,
                             "vault: the PostgreSQL schema name must be 1-%d "
                             "characters a-z, 0-9 or _, not starting with a digit",
                             PG_SCHEMA_MAX);
    if (strncmp(s, "pg_", 3) == 0 || (n == 6 && strncmp(s, "public", 6) == 0))
        return vo__error_set(VO_EINVAL, "vault: the PostgreSQL schema must be the vault's "
                                        "own (not public or pg_*)");
    return VO_OK;
}

/* Split `schema=NAME` out of the location: a query parameter of a URI, or a word of a
 * key=value string. The rest goes to libpq unchanged. */
static int split_schema(const char *location, char **conninfo, char schema[PG_SCHEMA_MAX + 1],
                        int *pool)
{
    *pool = PG_POOL_DEFAULT;
    vo__strlcpy(schema, PG_SCHEMA_DEFAULT, PG_SCHEMA_MAX + 1);
    size_t len = strlen(location);
    char *out = malloc(len + 1);
    if (!out)
        return vo__error_set(VO_ENOMEM, "out of memory");
    bool uri = strstr(location, "://") != NULL;
    const char *q = uri ? strchr(location, '?') : location;
    size_t o = 0;
    if (uri) {
        size_t head = q ? (size_t)(q - location) : len;
        memcpy(out, location, head);
        o = head;
    }
    char sep = uri ? '&' : ' ';
    bool first = true;
    const char *p = q ? q + (uri ? 1 : 0) : NULL;
    while (p && *p) {
        const char *end = strchr(p, sep);
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > 7 && strncmp(p, "schema=", 7) == 0) {
            int rc = check_schema(p + 7, n - 7);
            if (rc != VO_OK) {
                free(out);
                return rc;
            }
            memcpy(schema, p + 7, n - 7);
            schema[n - 7] = '\0';
        } else if (n > 5 && strncmp(p, "pool=", 5) == 0) {
            int v = 0;
            bool ok = n - 5 <= 2;
            for (size_t i = 5; ok && i < n; i++) {
                ok = p[i] >= '0' && p[i] <= '9';
                v = v * 10 + (p[i] - '0');
            }
            if (!ok || v > PG_POOL_MAX) {
                free(out);
                return vo__error_set(VO_EINVAL, "vault: pool must be 0-%d (read connections)",
                                     PG_POOL_MAX);
            }
            *pool = v;
        } else if (n > 0) {
            out[o++] = first ? (uri ? '?' : ' ') : sep;
            if (first && !uri)
                o--; /* no leading space */
            memcpy(out + o, p, n);
            o += n;
            first = false;
        }
        p = end ? end + 1 : NULL;
    }
    out[o] = '\0';
    *conninfo = out;
    return VO_OK;
}

/* ---- migrations --------------------------------------------------------------------- */

static int schema_version(vo__backend *be, int *ver, bool *exists)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT coalesce(max(version), 0)::bigint FROM \"%s\".schema_migrations",
             be->schema);
    *ver = 0;
    *exists = false;
    PGresult *r = PQexecParams(be->conn, sql, 0, NULL, NULL, NULL, NULL, 1);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int rc = VO_OK;
    if (st == PGRES_TUPLES_OK) {
        *ver = (int)col_int(r, 0, 0);
        *exists = true;
    } else {
        const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        /* 42P01: no such table, 3F000: no such schema: a new vault. */
        if (!(state && (strcmp(state, "42P01") == 0 || strcmp(state, "3F000") == 0)))
            rc = pg_fail(be, r, "schema version");
    }
    PQclear(r);
    return rc;
}

static int migrate(vo__backend *be, bool create)
{
    int ver = 0;
    bool exists = false;
    int rc = schema_version(be, &ver, &exists);
    if (rc != VO_OK)
        return rc;
    if (ver > SCHEMA_VERSION)
        return vo__error_set(VO_EUNSUPPORTED,
                             "vault schema version %d is newer than this library supports (%d)",
                             ver, SCHEMA_VERSION);
    if (ver == SCHEMA_VERSION)
        return VO_OK;
    if (!exists && !create)
        return vo__error_set(VO_ENOTFOUND, "vault schema '%s' does not exist", be->schema);
    char sql[512];
    snprintf(sql, sizeof(sql),
             "BEGIN; SELECT pg_advisory_xact_lock(%lld); CREATE SCHEMA IF NOT EXISTS \"%s\";"
             " CREATE TABLE IF NOT EXISTS \"%s\".schema_migrations (version bigint PRIMARY KEY,"
             " applied_at timestamptz NOT NULL DEFAULT now())",
             (long long)be->migrate_lock, be->schema, be->schema);
    rc = simple(be, sql, "begin migration");
    /* Another server may have migrated while this one waited for the lock. */
    if (rc == VO_OK)
        rc = schema_version(be, &ver, &exists);
    if (rc == VO_OK && ver > SCHEMA_VERSION)
        rc = vo__error_set(VO_EUNSUPPORTED,
                           "vault schema version %d is newer than this library supports (%d)",
                           ver, SCHEMA_VERSION);
    for (; rc == VO_OK && ver < SCHEMA_VERSION; ver++) {
        rc = simple(be, migrations[ver], "migration");
        if (rc == VO_OK) {
            snprintf(sql, sizeof(sql), "INSERT INTO schema_migrations (version) VALUES (%d)",
                     ver + 1);
            rc = simple(be, sql, "migration");
        }
        if (rc == VO_OK)
            vo__log(VO_LOG_INFO, "vault", "migrated PostgreSQL vault schema '%s' to version %d",
                    be->schema, ver + 1);
    }
    if (rc == VO_OK)
        rc = simple(be, "COMMIT", "commit migration");
    if (rc != VO_OK && !conn_lost(be)) {
        PGresult *r = PQexec(be->conn, "ROLLBACK");
        PQclear(r);
    }
    return rc;
}

/* ---- open / close / transactions ---------------------------------------------------- */

static void pg_close(vo__backend *be)
{
    if (!be)
        return;
    if (be->conn)
        PQfinish(be->conn); /* an open transaction is rolled back by the server */
    for (int i = 0; i < be->pool_size; i++)
        if (be->pool[i])
            PQfinish(be->pool[i]);
    pthread_mutex_destroy(&be->pool_mu);
    pthread_cond_destroy(&be->pool_cv);
    free(be->pending);
    free(be->conninfo);
    free(be);
}

static int pg_open(vo__backend **out, const char *location, const vo__backend_config *cfg)
{
    *out = NULL;
    vo__backend *be = calloc(1, sizeof(*be));
    if (!be)
        return vo__error_set(VO_ENOMEM, "out of memory");
    int rc = split_schema(location, &be->conninfo, be->schema, &be->pool_size);
    if (rc != VO_OK) {
        free(be);
        return rc;
    }
    pthread_mutex_init(&be->pool_mu, NULL);
    pthread_cond_init(&be->pool_cv, NULL);
    be->busy_timeout_ms = cfg->busy_timeout_ms;
    be->write_lock = lock_key("voiceops.write:", be->schema);
    be->migrate_lock = lock_key("voiceops.migrate:", be->schema);
    rc = connect_now(be);
    if (rc == VO_OK)
        rc = migrate(be, cfg->create != 0);
    /* Commit tokens only answer "did my last commit land?": an hour is plenty. */
    if (rc == VO_OK)
        rc = simple(be, "DELETE FROM commits WHERE at < now() - interval '1 hour'",
                    "commit token cleanup");
    if (rc != VO_OK) {
        pg_close(be);
        return rc;
    }
    *out = be;
    return VO_OK;
}

static int pg_begin(vo__backend *be, bool write)
{
    be->npending = 0;
    be->tx_lost = false;
    be->in_tx = false;
    int rc = ensure_conn(be);
    if (rc != VO_OK)
        return rc;
    char sql[160];
    if (write)
        snprintf(sql, sizeof(sql), "BEGIN; SELECT pg_advisory_xact_lock(%lld)",
                 (long long)be->write_lock);
    else
        snprintf(sql, sizeof(sql), "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    rc = simple(be, sql, "begin");
    if (rc != VO_OK && conn_lost(be)) /* the server restarted since the last call */
        rc = connect_now(be) == VO_OK ? simple(be, sql, "begin") : VO_EUNAVAILABLE;
    if (rc != VO_OK) {
        if (!conn_lost(be) && PQtransactionStatus(be->conn) != PQTRANS_IDLE) {
            PGresult *r = PQexec(be->conn, "ROLLBACK");
            PQclear(r);
        }
        return rc;
    }
    be->in_tx = true;
    be->tx_write = write;
    if (write)
        randombytes_buf(be->token, sizeof(be->token));
    return VO_OK;
}

/* The answer to COMMIT was lost: find out whether the transaction landed. */
static int commit_outcome(vo__backend *be)
{
    be->in_tx = false;
    if (connect_now(be) != VO_OK)
        return vo__error_set(VO_EUNAVAILABLE,
                             "vault database connection lost during commit, and the database "
                             "cannot be reached to check the outcome: the write may or may "
                             "not have been applied (read it back before retrying)");
    /* Taking the write lock waits until the old session's transaction has ended. */
    char sql[128];
    snprintf(sql, sizeof(sql), "BEGIN; SELECT pg_advisory_xact_lock(%lld)",
             (long long)be->write_lock);
    int rc = simple(be, sql, "commit check");
    int64_t found = -1;
    if (rc == VO_OK) {
        pg_params p = {0};
        p_blob(&p, be->token, sizeof(be->token));
        PGresult *r = NULL;
        rc = run(be, S_TOKEN_FIND, &p, &r, "commit check");
        if (rc == VO_OK && PQntuples(r) == 1)
            found = col_int(r, 0, 0);
        PQclear(r);
    }
    if (!conn_lost(be)) {
        PGresult *r = PQexec(be->conn, "ROLLBACK");
        PQclear(r);
    }
    if (found > 0) {
        vo__log(
            VO_LOG_WARN, "vault",
            "connection lost while committing; the commit was confirmed after reconnecting");
        return VO_OK;
    }
    if (found == 0)
        return vo__error_set(VO_EUNAVAILABLE,
                             "vault database connection lost during commit: the transaction "
                             "was not applied");
    return vo__error_set(VO_EUNAVAILABLE,
                         "vault database connection lost during commit: the outcome could not "
                         "be checked (read it back before retrying)");
}

static void pg_rollback(vo__backend *be);

/* Commit; `relaxed`: without waiting for the WAL flush (synchronous_commit off for this
 * transaction only). PostgreSQL writes the WAL in order, so a server crash can lose only the
 * last relaxed commits (a tail), and the next durable commit of any server makes every
 * earlier one durable. */
static int commit_tx(vo__backend *be, bool relaxed)
{
    if (!be->in_tx)
        return VO_OK;
    int rc = ensure_conn(be);
    if (rc != VO_OK) {
        be->in_tx = false;
        return rc;
    }
    if (!be->tx_write) {
        rc = simple(be, "COMMIT", "commit");
        be->in_tx = false;
        return rc;
    }
    if (be->npending && (rc = audit_send(be)) != VO_OK) {
        pg_rollback(be);
        return rc;
    }
    char hex[PG_TOKEN_SIZE * 2 + 1];
    sodium_bin2hex(hex, sizeof(hex), be->token, sizeof(be->token));
    char sql[128];
    snprintf(sql, sizeof(sql), "%sINSERT INTO commits (token) VALUES ('\\x%s'); COMMIT",
             relaxed ? "SET LOCAL synchronous_commit = off; " : "", hex);
    PGresult *r = PQexec(be->conn, sql);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK) {
        PQclear(r);
        be->in_tx = false;
        if (++be->commits % 4096 == 0)
            simple(be, "DELETE FROM commits WHERE at < now() - interval '1 hour'",
                   "commit token cleanup");
        return VO_OK;
    }
    if (conn_lost(be)) {
        PQclear(r);
        return commit_outcome(be);
    }
    rc = pg_fail(be, r, "commit");
    PQclear(r);
    r = PQexec(be->conn, "ROLLBACK");
    PQclear(r);
    be->in_tx = false;
    return rc;
}

static int pg_commit(vo__backend *be)
{
    return commit_tx(be, false);
}

static int pg_commit_relaxed(vo__backend *be)
{
    return commit_tx(be, true);
}

static void pg_rollback(vo__backend *be)
{
    be->npending = 0;
    bool was = be->in_tx;
    be->in_tx = false;
    be->tx_lost = false;
    if (!was || conn_lost(be))
        return;
    if (PQtransactionStatus(be->conn) != PQTRANS_IDLE) {
        PGresult *r = PQexec(be->conn, "ROLLBACK");
        PQclear(r);
    }
}

/* ---- meta --------------------------------------------------------------------------- */

static int pg_meta_get(vo__backend *be, const char *key, vo__buf *out)
{
    pg_params p = {0};
    p_text(&p, key);
    PGresult *r = NULL;
    int rc = run(be, S_META_GET, &p, &r, "meta read");
    if (rc == VO_OK && PQntuples(r) == 0)
        rc = VO_ENOTFOUND;
    else if (rc == VO_OK) {
        out->len = 0;
        if (!vo__buf_append(out, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0)) ||
            !vo__buf_finish(out))
            rc = vo__error_set(VO_ENOMEM, "out of memory");
    }
    PQclear(r);
    return rc;
}

static int pg_meta_set(vo__backend *be, const char *key, const void *data, size_t len)
{
    pg_params p = {0};
    p_text(&p, key);
    p_blob(&p, data, len);
    return run_done(be, S_META_SET, &p, "meta write");
}

static int pg_meta_delete(vo__backend *be, const char *key)
{
    pg_params p = {0};
    p_text(&p, key);
    return run_done(be, S_META_DEL, &p, "meta delete");
}

/* ---- keks --------------------------------------------------------------------------- */

static void read_kek(const PGresult *r, int row, vo__kek_rec *k)
{
    memset(k, 0, sizeof(*k));
    col_text(r, row, 0, k->kek_id, sizeof(k->kek_id));
    k->kind = (int)col_int(r, row, 1);
    k->created_ms = col_int(r, row, 2);
    k->retired_ms = col_int(r, row, 3);
    k->check_len = col_blob(r, row, 4, k->check, sizeof(k->check));
    k->salt_len = col_blob(r, row, 5, k->salt, sizeof(k->salt));
    k->kdf_ops = col_int(r, row, 6);
    k->kdf_mem = col_int(r, row, 7);
}

static int pg_kek_get(vo__backend *be, const char *kek_id, vo__kek_rec *k)
{
    pg_params p = {0};
    p_text(&p, kek_id);
    PGresult *r = NULL;
    int rc = run(be, S_KEK_GET, &p, &r, "key read");
    if (rc == VO_OK && PQntuples(r) == 0)
        rc = VO_ENOTFOUND;
    else if (rc == VO_OK) {
        read_kek(r, 0, k);
    }
    PQclear(r);
    return rc;
}

static int pg_kek_insert(vo__backend *be, const vo__kek_rec *k)
{
    pg_params p = {0};
    p_text(&p, k->kek_id);
    p_int(&p, k->kind);
    p_int(&p, k->created_ms);
    p_int(&p, k->retired_ms);
    p_blob(&p, k->check, k->check_len);
    if (k->salt_len) {
        p_blob(&p, k->salt, k->salt_len);
        p_int(&p, k->kdf_ops);
        p_int(&p, k->kdf_mem);
    } else {
        p_null(&p);
        p_null(&p);
        p_null(&p);
    }
    return run_done(be, S_KEK_INS, &p, "key registration");
}

static int pg_kek_retire(vo__backend *be, const char *kek_id, int64_t when)
{
    pg_params p = {0};
    p_text(&p, kek_id);
    p_int(&p, when);
    return run_done(be, S_KEK_RETIRE, &p, "key retire");
}

/* ---- tenants ------------------------------------------------------------------------ */

static void read_tenant(const PGresult *r, int row, vo__tenant_rec *t)
{
    t->tid = col_int(r, row, 0);
    col_text(r, row, 1, t->name, sizeof(t->name));
    t->created_ms = col_int(r, row, 2);
    col_text(r, row, 3, t->kek_id, sizeof(t->kek_id));
    t->dek_gen = col_int(r, row, 4);
    t->wrapped_len = col_blob(r, row, 5, t->wrapped, sizeof(t->wrapped));
    t->secret_count = col_int(r, row, 6);
}

static int pg_tenant_get(vo__backend *be, const char *name, vo__tenant_rec *t)
{
    pg_params p = {0};
    p_text(&p, name);
    PGresult *r = NULL;
    int rc = run(be, S_T_GET, &p, &r, "tenant read");
    if (rc == VO_OK && PQntuples(r) == 0)
        rc = VO_ENOTFOUND;
    else if (rc == VO_OK)
        read_tenant(r, 0, t);
    PQclear(r);
    return rc;
}

static int pg_tenant_insert(vo__backend *be, vo__tenant_rec *t)
{
    pg_params p = {0};
    p_text(&p, t->name);
    p_int(&p, t->created_ms);
    p_text(&p, t->kek_id);
    p_int(&p, t->dek_gen);
    p_blob(&p, t->wrapped, t->wrapped_len);
    PGresult *r = NULL;
    int rc = run(be, S_T_INS, &p, &r, "tenant insert");
    if (rc == VO_OK)
        t->tid = PQntuples(r) == 1 ? col_int(r, 0, 0) : 0;
    PQclear(r);
    return rc;
}

static int pg_tenant_set_key(vo__backend *be, int64_t tid, const char *kek_id, int64_t gen,
                             const unsigned char *wrapped, size_t len)
{
    pg_params p = {0};
    p_int(&p, tid);
    p_text(&p, kek_id);
    p_int(&p, gen);
    p_blob(&p, wrapped, len);
    return run_done(be, S_T_SETKEY, &p, "tenant key update");
}

static int pg_tenant_delete(vo__backend *be, int64_t tid)
{
    static const int ids[] = {S_T_DEL_SECRETS, S_T_DEL_HEADS, S_T_DEL};
    for (size_t i = 0; i < 3; i++) {
        pg_params p = {0};
        p_int(&p, tid);
        int rc = run_done(be, ids[i], &p, "tenant delete");
        if (rc != VO_OK)
            return rc;
    }
    return VO_OK;
}

/* Run dynamic SQL (lists with optional filters), binary results. */
static int run_dynamic(vo__backend *be, const char *sql, const pg_params *p, PGresult **out,
                       const char *what)
{
    *out = NULL;
    if (be->npending) {
        int rc = audit_send(be);
        if (rc != VO_OK)
            return rc;
    }
    for (int attempt = 0;; attempt++) {
        int rc = ensure_conn(be);
        if (rc != VO_OK)
            return rc;
        PGresult *r = PQexecParams(be->conn, sql, p->n, NULL, p->val, p->len, p->fmt, 1);
        if (r && PQresultStatus(r) == PGRES_TUPLES_OK) {
            *out = r;
            return VO_OK;
        }
        if (conn_lost(be) && !be->in_tx && attempt == 0) {
            PQclear(r);
            continue;
        }
        rc = pg_fail(be, r, what);
        PQclear(r);
        return rc;
    }
}

static int pg_tenant_list(vo__backend *be, const char *after, const char *not_kek, size_t limit,
                          vo__tenant_rec **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    char sql[512];
    snprintf(sql, sizeof(sql),
             "SELECT " T_COLS ", %s FROM tenants t WHERE name > $1 %s ORDER BY name %s",
             not_kek ? "0::bigint"
                     : "(SELECT count(*) FROM heads h WHERE h.tid = t.tid AND h.deleted = 0)",
             not_kek ? "AND kek_id <> $2" : "",
             limit ? (not_kek ? "LIMIT $3" : "LIMIT $2") : "");
    pg_params p = {0};
    p_text(&p, after ? after : "");
    if (not_kek)
        p_text(&p, not_kek);
    if (limit)
        p_int(&p, (int64_t)limit);
    PGresult *r = NULL;
    int rc = run_dynamic(be, sql, &p, &r, "tenant list");
    if (rc != VO_OK)
        return rc;
    int rows = PQntuples(r);
    vo__tenant_rec *arr = calloc(rows > 0 ? (size_t)rows : 1, sizeof(*arr));
    if (!arr) {
        PQclear(r);
        return vo__error_set(VO_ENOMEM, "out of memory");
    }
    for (int i = 0; i < rows; i++)
        read_tenant(r, i, &arr[i]);
    PQclear(r);
    *out = arr;
    *n = (size_t)rows;
    return VO_OK;
}

static int pg_tenant_count(vo__backend *be, const char *kek_id, bool not_kek, int64_t *n)
{
    int id = !kek_id ? S_T_COUNT_ALL : not_kek ? S_T_COUNT_NOTKEK : S_T_COUNT_KEK;
    pg_params p = {0};
    if (kek_id)
        p_text(&p, kek_id);
    PGresult *r = NULL;
    int rc = run(be, id, &p, &r, "tenant count");
    if (rc == VO_OK)
        *n = PQntuples(r) == 1 ? col_int(r, 0, 0) : 0;
    PQclear(r);
    return rc;
}

/* ---- heads -------------------------------------------------------------------------- */

static int pg_head_get(vo__backend *be, int64_t tid, const char *name, vo__head_rec *h)
{
    pg_params p = {0};
    p_int(&p, tid);
    p_text(&p, name);
    PGresult *r = NULL;
    int rc = run(be, S_H_GET, &p, &r, "secret head read");
    if (rc == VO_OK && PQntuples(r) == 0)
        rc = VO_ENOTFOUND;
    else if (rc == VO_OK) {
        memset(h, 0, sizeof(*h));
        h->tid = tid;
        vo__strlcpy(h->name, name, sizeof(h->name));
        h->latest = col_int(r, 0, 0);
        h->deleted = (int)col_int(r, 0, 1);
        h->created_ms = col_int(r, 0, 2);
        h->updated_ms = col_int(r, 0, 3);
    }
    PQclear(r);
    return rc;
}

static int pg_head_put(vo__backend *be, const vo__head_rec *h)
{
    pg_params p = {0};
    p_int(&p, h->tid);
    p_text(&p, h->name);
    p_int(&p, h->latest);
    p_int(&p, h->deleted);
    p_int(&p, h->created_ms);
    p_int(&p, h->updated_ms);
    return run_done(be, S_H_PUT, &p, "secret head write");
}

static int pg_head_list(vo__backend *be, int64_t tid, vo__head_rec **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    pg_params p = {0};
    p_int(&p, tid);
    PGresult *r = NULL;
    int rc = run(be, S_H_LIST, &p, &r, "secret list");
    if (rc != VO_OK)
        return rc;
    int rows = PQntuples(r);
    vo__head_rec *arr = calloc(rows > 0 ? (size_t)rows : 1, sizeof(*arr));
    if (!arr) {
        PQclear(r);
        return vo__error_set(VO_ENOMEM, "out of memory");
    }
    for (int i = 0; i < rows; i++) {
        vo__head_rec *h = &arr[i];
        h->tid = tid;
        col_text(r, i, 0, h->name, sizeof(h->name));
        h->latest = col_int(r, i, 1);
        h->created_ms = col_int(r, i, 2);
        h->updated_ms = col_int(r, i, 3);
        h->versions = col_int(r, i, 4);
    }
    PQclear(r);
    *out = arr;
    *n = (size_t)rows;
    return VO_OK;
}

/* ---- secrets ------------------------------------------------------------------------ */

/* The row of S_S_READ_*: the tenant record, the secret version and its ciphertext. */
static int read_secret_row(const PGresult *r, const char *tenant, const char *name,
                           vo__tenant_rec *t, vo__secret_rec *s, vo__buf *ct)
{
    t->tid = col_int(r, 0, 0);
    vo__strlcpy(t->name, tenant, sizeof(t->name));
    t->created_ms = col_int(r, 0, 1);
    col_text(r, 0, 2, t->kek_id, sizeof(t->kek_id));
    t->dek_gen = col_int(r, 0, 3);
    t->wrapped_len = col_blob(r, 0, 4, t->wrapped, sizeof(t->wrapped));
    vo__strlcpy(s->name, name, sizeof(s->name));
    s->version = col_int(r, 0, 5);
    s->dek_gen = col_int(r, 0, 6);
    s->created_ms = col_int(r, 0, 7);
    ct->len = 0;
    int n = PQgetlength(r, 0, 8);
    if (n > 0 && !vo__buf_append(ct, PQgetvalue(r, 0, 8), (size_t)n))
        return vo__error_set(VO_ENOMEM, "out of memory");
    return VO_OK;
}

static int pg_secret_read(vo__backend *be, const char *tenant, const char *name,
                          int64_t version, vo__tenant_rec *t, vo__secret_rec *s, vo__buf *ct)
{
    pg_params p = {0};
    p_text(&p, tenant);
    p_text(&p, name);
    if (version > 0)
        p_int(&p, version);
    PGresult *r = NULL;
    int rc = run(be, version > 0 ? S_S_READ_VER : S_S_READ_LATEST, &p, &r, "secret read");
    if (rc == VO_OK && PQntuples(r) == 0)
        rc = VO_ENOTFOUND;
    else if (rc == VO_OK) {
        rc = read_secret_row(r, tenant, name, t, s, ct);
    }
    PQclear(r);
    return rc;
}

/* The read path for several threads at once: a pooled connection, outside any transaction
 * (one statement, one consistent snapshot). A connection that was lost is replaced and the
 * read tried once more. */
static int pg_secret_read_shared(vo__backend *be, const char *tenant, const char *name,
                                 int64_t version, vo__tenant_rec *t, vo__secret_rec *s,
                                 vo__buf *ct)
{
    if (be->pool_size == 0)
        return VO_EUNSUPPORTED;
    pthread_mutex_lock(&be->pool_mu);
    int slot = -1;
    while (slot < 0) {
        for (int i = 0; i < be->pool_size && slot < 0; i++)
            if (!be->pool_busy[i])
                slot = i;
        if (slot < 0)
            pthread_cond_wait(&be->pool_cv, &be->pool_mu);
    }
    be->pool_busy[slot] = true;
    pthread_mutex_unlock(&be->pool_mu);

    int which = version > 0 ? 1 : 0, id = version > 0 ? S_S_READ_VER : S_S_READ_LATEST;
    pg_params p = {0};
    p_text(&p, tenant);
    p_text(&p, name);
    if (version > 0)
        p_int(&p, version);
    PGresult *r = NULL;
    int rc = VO_OK;
    for (int attempt = 0; attempt < 2; attempt++) {
        PGconn *c = be->pool[slot];
        if (!c || PQstatus(c) != CONNECTION_OK) {
            if (c)
                PQfinish(c);
            be->pool_prepared[slot][0] = be->pool_prepared[slot][1] = false;
            c = be->pool[slot] = open_session(be);
            if (!c) {
                rc = vo_error_last()->code;
                break;
            }
        }
        const char *stmt = which ? "vor1" : "vor0";
        if (!be->pool_prepared[slot][which]) {
            PGresult *pr = PQprepare(c, stmt, stmts[id].sql, stmts[id].nparams, NULL);
            be->pool_prepared[slot][which] = pr && PQresultStatus(pr) == PGRES_COMMAND_OK;
            PQclear(pr);
        }
        r = be->pool_prepared[slot][which]
                ? PQexecPrepared(c, stmt, p.n, p.val, p.len, p.fmt, 1)
                : NULL;
        if (r && PQresultStatus(r) == PGRES_TUPLES_OK) {
            rc = VO_OK;
            break;
        }
        rc = pg_fail_on(NULL, c, r, "secret read");
        PQclear(r);
        r = NULL;
        if (PQstatus(c) == CONNECTION_OK)
            break; /* a real error, not a lost connection */
    }
    if (rc == VO_OK && PQntuples(r) == 0)
        rc = VO_ENOTFOUND;
    else if (rc == VO_OK) {
        rc = read_secret_row(r, tenant, name, t, s, ct);
    }
    PQclear(r);
    pthread_mutex_lock(&be->pool_mu);
    be->pool_busy[slot] = false;
    pthread_cond_signal(&be->pool_cv);
    pthread_mutex_unlock(&be->pool_mu);
    return rc;
}

static int pg_secret_insert(vo__backend *be, int64_t tid, const vo__secret_rec *s)
{
    pg_params p = {0};
    p_int(&p, tid);
    p_text(&p, s->name);
    p_int(&p, s->version);
    p_int(&p, s->dek_gen);
    p_int(&p, s->created_ms);
    p_blob(&p, s->ct, s->ct_len);
    return run_done(be, S_S_INS, &p, "secret write");
}

static int pg_secret_prune(vo__backend *be, int64_t tid, const char *name, int64_t min_version)
{
    pg_params p = {0};
    p_int(&p, tid);
    p_text(&p, name);
    p_int(&p, min_version);
    return run_done(be, S_S_PRUNE, &p, "secret prune");
}

static int pg_secret_delete_all(vo__backend *be, int64_t tid, const char *name)
{
    pg_params p = {0};
    p_int(&p, tid);
    p_text(&p, name);
    return run_done(be, S_S_DEL, &p, "secret delete");
}

static int pg_secret_rows(vo__backend *be, int64_t tid, vo__secret_rec **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    pg_params p = {0};
    p_int(&p, tid);
    PGresult *r = NULL;
    int rc = run(be, S_S_ROWS, &p, &r, "secret rows");
    if (rc != VO_OK)
        return rc;
    int rows = PQntuples(r);
    vo__secret_rec *arr = calloc(rows > 0 ? (size_t)rows : 1, sizeof(*arr));
    if (!arr) {
        PQclear(r);
        return vo__error_set(VO_ENOMEM, "out of memory");
    }
    size_t k = 0;
    for (int i = 0; i < rows; i++, k++) {
        vo__secret_rec *s = &arr[i];
        col_text(r, i, 0, s->name, sizeof(s->name));
        s->version = col_int(r, i, 1);
        s->dek_gen = col_int(r, i, 2);
        s->created_ms = col_int(r, i, 3);
        int len = PQgetlength(r, i, 4);
        s->ct = malloc(len > 0 ? (size_t)len : 1);
        if (!s->ct) {
            rc = vo__error_set(VO_ENOMEM, "out of memory");
            break;
        }
        if (len > 0)
            memcpy(s->ct, PQgetvalue(r, i, 4), (size_t)len);
        s->ct_len = (size_t)(len > 0 ? len : 0);
    }
    PQclear(r);
    if (rc != VO_OK) {
        vo__secret_rows_free(arr, k);
        return rc;
    }
    *out = arr;
    *n = (size_t)rows;
    return VO_OK;
}

static int pg_secret_update(vo__backend *be, int64_t tid, const vo__secret_rec *s)
{
    pg_params p = {0};
    p_int(&p, tid);
    p_text(&p, s->name);
    p_int(&p, s->version);
    p_int(&p, s->dek_gen);
    p_blob(&p, s->ct, s->ct_len);
    return run_done(be, S_S_UPD, &p, "secret re-encrypt");
}

/* ---- audit -------------------------------------------------------------------------- */

static int pg_audit_tail(vo__backend *be, int64_t *seq, unsigned char mac[VO__MAC_SIZE])
{
    PGresult *r = NULL;
    int rc = run(be, S_A_TAIL, NULL, &r, "audit tail");
    if (rc == VO_OK && PQntuples(r) == 0)
        rc = VO_ENOTFOUND;
    else if (rc == VO_OK) {
        *seq = col_int(r, 0, 0);
        memset(mac, 0, VO__MAC_SIZE);
        if (col_blob(r, 0, 1, mac, VO__MAC_SIZE) > VO__MAC_SIZE)
            memset(mac, 0, VO__MAC_SIZE);
    }
    PQclear(r);
    return rc;
}

/* Rows per INSERT statement (9 parameters each, well under the protocol's 65535). */
#define AUDIT_ROWS_PER_INSERT 256

static int audit_send_chunk(vo__backend *be, const vo__audit_rec *rows, size_t n)
{
    size_t np = n * 9;
    const char **val = malloc(np * sizeof(*val));
    int *len = malloc(np * sizeof(*len));
    int *fmt = malloc(np * sizeof(*fmt));
    char(*num)[24] = malloc(n * 2 * sizeof(*num));
    char *sql = malloc(160 + n * 96);
    int rc = VO_OK;
    if (!val || !len || !fmt || !num || !sql) {
        rc = vo__error_set(VO_ENOMEM, "out of memory");
        goto out;
    }
    size_t o =
        (size_t)sprintf(sql, "INSERT INTO audit (seq, ts_ms, tenant, name, action, actor,"
                             " correlation_id, result, mac) VALUES ");
    for (size_t i = 0; i < n; i++) {
        const vo__audit_rec *a = &rows[i];
        size_t k = i * 9;
        snprintf(num[2 * i], sizeof(num[0]), "%lld", (long long)a->seq);
        snprintf(num[2 * i + 1], sizeof(num[0]), "%lld", (long long)a->ts_ms);
        const char *text[8] = {num[2 * i], num[2 * i + 1], a->tenant,         a->name,
                               a->action,  a->actor,       a->correlation_id, a->result};
        for (size_t j = 0; j < 8; j++) {
            val[k + j] = text[j];
            len[k + j] = 0;
            fmt[k + j] = 0;
        }
        val[k + 8] = (const char *)a->mac;
        len[k + 8] = VO__MAC_SIZE;
        fmt[k + 8] = 1;
        o += (size_t)sprintf(sql + o, "%s($%zu,$%zu,$%zu,$%zu,$%zu,$%zu,$%zu,$%zu,$%zu)",
                             i ? "," : "", k + 1, k + 2, k + 3, k + 4, k + 5, k + 6, k + 7,
                             k + 8, k + 9);
    }
    PGresult *r = PQexecParams(be->conn, sql, (int)np, NULL, val, len, fmt, 1);
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
        rc = pg_fail(be, r, "audit append");
    PQclear(r);
out:
    free(val);
    free(len);
    free(fmt);
    free(num);
    free(sql);
    return rc;
}

static int audit_send(vo__backend *be)
{
    size_t n = be->npending;
    be->npending = 0;
    int rc = ensure_conn(be);
    for (size_t i = 0; rc == VO_OK && i < n; i += AUDIT_ROWS_PER_INSERT)
        rc = audit_send_chunk(be, be->pending + i,
                              n - i < AUDIT_ROWS_PER_INSERT ? n - i : AUDIT_ROWS_PER_INSERT);
    return rc;
}

static int pg_audit_insert(vo__backend *be, const vo__audit_rec *a)
{
    if (be->npending == be->cap_pending) {
        size_t nc = be->cap_pending ? be->cap_pending * 2 : 64;
        vo__audit_rec *p = realloc(be->pending, nc * sizeof(*p));
        if (!p)
            return vo__error_set(VO_ENOMEM, "out of memory for audit rows");
        be->pending = p;
        be->cap_pending = nc;
    }
    be->pending[be->npending++] = *a;
    return be->in_tx ? VO_OK : audit_send(be);
}

static int pg_audit_query(vo__backend *be, const vo__audit_filter *f, vo__audit_rec **out,
                          size_t *n)
{
    *out = NULL;
    *n = 0;
    pg_params p = {0};
    char where[256] = "";
    size_t w = 0;
    p_int(&p, f->after_seq);
    if (f->tenant) {
        p_text(&p, f->tenant);
        w += (size_t)snprintf(where + w, sizeof(where) - w, " AND tenant = $%d", p.n);
    }
    if (f->since_ms) {
        p_int(&p, f->since_ms);
        w += (size_t)snprintf(where + w, sizeof(where) - w, " AND ts_ms >= $%d", p.n);
    }
    if (f->until_ms) {
        p_int(&p, f->until_ms);
        w += (size_t)snprintf(where + w, sizeof(where) - w, " AND ts_ms < $%d", p.n);
    }
    char limit[32] = "";
    if (f->limit) {
        p_int(&p, (int64_t)f->limit);
        snprintf(limit, sizeof(limit), " LIMIT $%d", p.n);
    }
    char sql[512];
    snprintf(sql, sizeof(sql),
             "SELECT seq, ts_ms, tenant, name, action, actor, correlation_id, result, mac"
             " FROM audit WHERE seq > $1%s ORDER BY seq%s",
             where, limit);
    PGresult *r = NULL;
    int rc = run_dynamic(be, sql, &p, &r, "audit query");
    if (rc != VO_OK)
        return rc;
    int rows = PQntuples(r);
    vo__audit_rec *arr = calloc(rows > 0 ? (size_t)rows : 1, sizeof(*arr));
    if (!arr) {
        PQclear(r);
        return vo__error_set(VO_ENOMEM, "out of memory");
    }
    for (int i = 0; i < rows; i++) {
        vo__audit_rec *a = &arr[i];
        a->seq = col_int(r, i, 0);
        a->ts_ms = col_int(r, i, 1);
        col_text(r, i, 2, a->tenant, sizeof(a->tenant));
        col_text(r, i, 3, a->name, sizeof(a->name));
        col_text(r, i, 4, a->action, sizeof(a->action));
        col_text(r, i, 5, a->actor, sizeof(a->actor));
        col_text(r, i, 6, a->correlation_id, sizeof(a->correlation_id));
        col_text(r, i, 7, a->result, sizeof(a->result));
        if (col_blob(r, i, 8, a->mac, sizeof(a->mac)) != VO__MAC_SIZE)
            memset(a->mac, 0, sizeof(a->mac)); /* malformed: verification will flag it */
    }
    PQclear(r);
    *out = arr;
    *n = (size_t)rows;
    return VO_OK;
}

/* ---- seen-request store (lib/vault/seen.c) ------------------------------------------ */

static int pg_seen_insert(vo__backend *be, const vo__seen_rec *rec, int64_t now_ms,
                          vo__seen_rec *existing)
{
    pg_params p = {0};
    p_blob(&p, rec->key, VO__MAC_SIZE);
    p_blob(&p, rec->mark, VO__MAC_SIZE);
    p_int(&p, rec->seen_ms);
    p_int(&p, rec->expires_ms);
    p_int(&p, now_ms);
    PGresult *r = NULL;
    int rc = run(be, S_SEEN_INS, &p, &r, "seen insert");
    int stored = rc == VO_OK ? PQntuples(r) : 0;
    PQclear(r);
    if (rc != VO_OK || stored == 1)
        return rc;
    /* A live entry was there: return it (this transaction holds the write lock). */
    pg_params g = {0};
    p_blob(&g, rec->key, VO__MAC_SIZE);
    rc = run(be, S_SEEN_GET, &g, &r, "seen read");
    if (rc == VO_OK && PQntuples(r) == 1) {
        memset(existing, 0, sizeof(*existing));
        memcpy(existing->key, rec->key, VO__MAC_SIZE);
        if (col_blob(r, 0, 0, existing->mark, VO__MAC_SIZE) != VO__MAC_SIZE)
            memset(existing->mark, 0, VO__MAC_SIZE); /* a tampered mark matches nothing */
        existing->seen_ms = col_int(r, 0, 1);
        existing->expires_ms = col_int(r, 0, 2);
        rc = VO_EEXISTS;
    } else if (rc == VO_OK) {
        rc = vo__error_set(VO_ESTORAGE, "vault storage error (seen read): entry vanished");
    }
    PQclear(r);
    return rc;
}

static int pg_seen_prune(vo__backend *be, int64_t now_ms, size_t max_rows, int64_t *removed)
{
    *removed = 0;
    pg_params p = {0};
    p_int(&p, now_ms);
    p_int(&p, (int64_t)max_rows);
    PGresult *r = NULL;
    int rc = run(be, S_SEEN_PRUNE, &p, &r, "seen prune");
    if (rc == VO_OK)
        *removed = atoll(PQcmdTuples(r));
    PQclear(r);
    return rc;
}

static int pg_seen_count(vo__backend *be, int64_t *n)
{
    PGresult *r = NULL;
    int rc = run(be, S_SEEN_COUNT, NULL, &r, "seen count");
    if (rc == VO_OK)
        *n = PQntuples(r) == 1 ? col_int(r, 0, 0) : 0;
    PQclear(r);
    return rc;
}

/* ---- enumeration (copies between backends) ------------------------------------------ */

static int pg_meta_keys(vo__backend *be, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    pg_params p = {0};
    PGresult *r = NULL;
    int rc = run_dynamic(be, "SELECT key FROM meta ORDER BY key", &p, &r, "meta keys");
    if (rc != VO_OK)
        return rc;
    int rows = PQntuples(r);
    char **arr = calloc(rows > 0 ? (size_t)rows : 1, sizeof(*arr));
    for (int i = 0; arr && i < rows; i++) {
        char k[VO__NAME_SIZE];
        col_text(r, i, 0, k, sizeof(k));
        if (!(arr[i] = strdup(k))) {
            for (int j = 0; j < i; j++)
                free(arr[j]);
            free(arr);
            arr = NULL;
        }
    }
    PQclear(r);
    if (!arr)
        return vo__error_set(VO_ENOMEM, "out of memory");
    *out = arr;
    *n = (size_t)rows;
    return VO_OK;
}

static int pg_kek_list(vo__backend *be, vo__kek_rec **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    pg_params p = {0};
    PGresult *r = NULL;
    int rc =
        run_dynamic(be, "SELECT " KEK_COLS " FROM keks ORDER BY kek_id", &p, &r, "key list");
    if (rc != VO_OK)
        return rc;
    int rows = PQntuples(r);
    vo__kek_rec *arr = calloc(rows > 0 ? (size_t)rows : 1, sizeof(*arr));
    if (!arr) {
        PQclear(r);
        return vo__error_set(VO_ENOMEM, "out of memory");
    }
    for (int i = 0; i < rows; i++) {
        read_kek(r, i, &arr[i]);
    }
    PQclear(r);
    *out = arr;
    *n = (size_t)rows;
    return VO_OK;
}

/* ---- backup ------------------------------------------------------------------------- */

/* vo_vault_backup() of a PostgreSQL vault: a SQLite vault file with the same records
 * (restorable with vo_vault_restore(), or copied back with vo_vault_copy()), taken from one
 * read snapshot while other servers keep working. pg_dump of the schema is the other way. */
static int pg_backup(vo__backend *be, const char *dest_path)
{
    int rc = vo__file_prepare(dest_path, true, true);
    if (rc != VO_OK)
        return rc;
    vo__backend *dst = NULL;
    vo__backend_config cfg = {be->busy_timeout_ms, 1};
    rc = vo__sqlite_backend.open(&dst, dest_path, &cfg);
    if (rc == VO_OK)
        rc = vo__backend_copy(&vo__pg_backend, be, &vo__sqlite_backend, dst, NULL);
    if (dst)
        vo__sqlite_backend.close(dst);
    if (rc != VO_OK) {
        char side[4200];
        unlink(dest_path);
        snprintf(side, sizeof(side), "%s-wal", dest_path);
        unlink(side);
        snprintf(side, sizeof(side), "%s-shm", dest_path);
        unlink(side);
    }
    return rc;
}

const vo__backend_ops vo__pg_backend = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .meta_get = pg_meta_get,
    .meta_set = pg_meta_set,
    .meta_delete = pg_meta_delete,
    .kek_get = pg_kek_get,
    .kek_insert = pg_kek_insert,
    .kek_retire = pg_kek_retire,
    .tenant_get = pg_tenant_get,
    .tenant_insert = pg_tenant_insert,
    .tenant_set_key = pg_tenant_set_key,
    .tenant_delete = pg_tenant_delete,
    .tenant_list = pg_tenant_list,
    .tenant_count = pg_tenant_count,
    .head_get = pg_head_get,
    .head_put = pg_head_put,
    .head_list = pg_head_list,
    .secret_read = pg_secret_read,
    .secret_insert = pg_secret_insert,
    .secret_prune = pg_secret_prune,
    .secret_delete_all = pg_secret_delete_all,
    .secret_rows = pg_secret_rows,
    .secret_update = pg_secret_update,
    .audit_tail = pg_audit_tail,
    .audit_insert = pg_audit_insert,
    .audit_query = pg_audit_query,
    .backup = pg_backup,
    .meta_keys = pg_meta_keys,
    .kek_list = pg_kek_list,
    .secret_read_shared = pg_secret_read_shared,
    .commit_relaxed = pg_commit_relaxed,
    .seen_insert = pg_seen_insert,
    .seen_prune = pg_seen_prune,
    .seen_count = pg_seen_count,
};
