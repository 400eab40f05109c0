/* The PostgreSQL vault across processes and under faults: many servers migrating at once,
 * check-and-set from 8 processes, one audit chain from 8 appenders, reads during KEK and DEK
 * rotation, tenant delete seen by every server, SIGKILL mid-transaction, the database
 * restarted under a running vault, a connection cut between COMMIT and its answer, pg_dump /
 * pg_restore, and copies SQLite -> PostgreSQL -> SQLite. Runs only under
 * tests/pg/with_postgres.py (VO_TEST_PG). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "vault_testutil.h"

#define NPROC 8

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Open without ck_assert (usable in forked children): NULL on failure. */
static vo_vault *open_quiet(const char *uri, const char *ids, const char *active, int cache)
{
    vo_keyring *kr = NULL;
    if (vo_keyring_new(&kr) != VO_OK)
        return NULL;
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", ids);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        unsigned char k[32];
        unsigned seed = 0;
        for (const char *p = tok; *p; p++)
            seed = seed * 131u + (unsigned char)*p;
        tv_key_bytes(k, (int)(seed & 0x7fffffff));
        vo_keyring_add_key(kr, tok, k, 32);
    }
    if (active)
        vo_keyring_set_active(kr, active);
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    o.actor = "pg-suite";
    o.dek_cache_size = cache;
    o.kept_versions = 100000;
    o.busy_timeout_ms = 30000;
    vo_vault *v = NULL;
    int rc = vo_vault_open(&v, uri, &o);
    vo_keyring_free(kr);
    return rc == VO_OK ? v : NULL;
}

static void wait_all(pid_t *pids, int n)
{
    for (int i = 0; i < n; i++) {
        int status = 0;
        ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                      "child %d failed (status %d)", i, status);
    }
}

/* ---- many servers starting at once -------------------------------------------------- */

START_TEST(many_servers_migrate_once)
{
    pid_t pids[NPROC];
    for (int p = 0; p < NPROC; p++) {
        pids[p] = fork();
        ck_assert_int_ge(pids[p], 0);
        if (pids[p] == 0) {
            vo_vault *v = open_quiet(tv_path, "k1", NULL, 64);
            _exit(v ? 0 : 3);
        }
    }
    wait_all(pids, NPROC);
    /* Each schema version applied once (a second run of a migration would fail on the
     * primary key of schema_migrations and on its CREATE TABLEs). */
    ck_assert_int_eq(tv_sql_int(tv_path, "SELECT count(*) FROM schema_migrations"), 2);
    ck_assert_int_eq(tv_sql_int(tv_path, "SELECT max(version) FROM schema_migrations"), 2);
    /* One vault id, one registration of the KEK, one audit key. */
    ck_assert_int_eq(tv_sql_int(tv_path, "SELECT count(*) FROM meta WHERE key = 'vault_id'"),
                     1);
    ck_assert_int_eq(
        tv_sql_int(tv_path, "SELECT count(*) FROM audit WHERE action = 'kek.register'"), 1);
    vo_vault *v = tv_open();
    int64_t rows = 0;
    ck_assert_vo_ok(vo_vault_audit_verify(&rows, NULL, NULL, v));
    vo_vault_close(v);
}
END_TEST

/* ---- check-and-set from 8 processes ------------------------------------------------- */

START_TEST(check_and_set_from_8_processes)
{
    vo_vault *v = tv_open();
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    vo_vault_close(v);
    const int per = 25;
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pids[NPROC];
    for (int p = 0; p < NPROC; p++) {
        pids[p] = fork();
        ck_assert_int_ge(pids[p], 0);
        if (pids[p] == 0) {
            close(fds[0]);
            vo_vault *cv = open_quiet(tv_path, "k1", NULL, 64);
            if (!cv)
                _exit(3);
            int done = 0;
            for (int attempt = 0; done < per && attempt < 100000; attempt++) {
                const char *name = attempt % 2 ? "a" : "b";
                vo_secret *s = NULL;
                int64_t cur = 0;
                int rc = vo_vault_secret_get(&s, &cur, cv, "t", name, 0);
                vo_secret_free(s);
                if (rc == VO_ENOTFOUND)
                    cur = 0;
                else if (rc != VO_OK)
                    _exit(4);
                char val[64];
                snprintf(val, sizeof(val), "p%d-i%d-%s", p, done, name);
                int64_t got = 0;
                rc = vo_vault_secret_put(&got, cv, "t", name, val, strlen(val), cur);
                if (rc == VO_ECONFLICT)
                    continue;
                if (rc != VO_OK)
                    _exit(5);
                /* Record: which secret, which version this writer got, what it wrote. */
                char line[128];
                int n = snprintf(line, sizeof(line), "%s %lld %s\n", name, (long long)got, val);
                if (write(fds[1], line, (size_t)n) != n)
                    _exit(6);
                done++;
            }
            vo_vault_close(cv);
            _exit(done == per ? 0 : 7);
        }
    }
    close(fds[1]);
    static char acks[1 << 16];
    size_t len = 0;
    ssize_t r;
    while ((r = read(fds[0], acks + len, sizeof(acks) - 1 - len)) > 0)
        len += (size_t)r;
    acks[len] = 0;
    close(fds[0]);
    wait_all(pids, NPROC);

    /* Every acknowledged version is unique, the versions of each secret are exactly
     * 1..latest (no lost update, no gap) and each stored version holds what its writer
     * was told it wrote. */
    v = tv_open();
    int total = 0;
    static char seen[2][1024];
    memset(seen, 0, sizeof(seen));
    for (char *line = strtok(acks, "\n"); line; line = strtok(NULL, "\n")) {
        char name[8], val[64];
        long long ver = 0;
        ck_assert_int_eq(sscanf(line, "%7s %lld %63s", name, &ver, val), 3);
        int which = name[0] == 'a' ? 0 : 1;
        ck_assert(ver >= 1 && ver < 1024);
        ck_assert_msg(!seen[which][ver], "version %lld of %s acknowledged twice", ver, name);
        seen[which][ver] = 1;
        vo_secret *s = NULL;
        ck_assert_vo_ok(vo_vault_secret_get(&s, NULL, v, "t", name, ver));
        ck_assert_str_eq(vo_secret_str(s), val);
        vo_secret_free(s);
        total++;
    }
    ck_assert_int_eq(total, NPROC * per);
    int64_t la = 0, lb = 0;
    vo_secret *s = NULL;
    ck_assert_vo_ok(vo_vault_secret_get(&s, &la, v, "t", "a", 0));
    vo_secret_free(s);
    ck_assert_vo_ok(vo_vault_secret_get(&s, &lb, v, "t", "b", 0));
    vo_secret_free(s);
    ck_assert_int_eq(la + lb, total);
    for (int64_t i = 1; i <= la; i++)
        ck_assert(seen[0][i]);
    for (int64_t i = 1; i <= lb; i++)
        ck_assert(seen[1][i]);
    int64_t rows = 0;
    ck_assert_vo_ok(vo_vault_audit_verify(&rows, NULL, NULL, v));
    vo_vault_close(v);
}
END_TEST

/* ---- one audit chain from 8 appenders ----------------------------------------------- */

START_TEST(one_audit_chain_from_8_processes)
{
    vo_vault *v = tv_open();
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    vo_vault_close(v);
    int64_t before = tv_sql_int(tv_path, "SELECT count(*) FROM audit");
    const int per = 30;
    pid_t pids[NPROC];
    for (int p = 0; p < NPROC; p++) {
        pids[p] = fork();
        ck_assert_int_ge(pids[p], 0);
        if (pids[p] == 0) {
            vo_keyring *kr = NULL;
            vo_vault *cv = open_quiet(tv_path, "k1", NULL, 64);
            (void)kr;
            if (!cv)
                _exit(3);
            for (int i = 0; i < per; i++) {
                char name[32];
                snprintf(name, sizeof(name), "p%d-%d", p, i);
                /* a write (appends under the lock) and a read (queued, flushed at close) */
                if (vo_vault_secret_put(NULL, cv, "t", name, "x", 1, 0) != VO_OK)
                    _exit(4);
                vo_secret *s = NULL;
                if (vo_vault_secret_get(&s, NULL, cv, "t", name, 0) != VO_OK)
                    _exit(5);
                vo_secret_free(s);
            }
            vo_vault_close(cv);
            _exit(0);
        }
    }
    wait_all(pids, NPROC);
    v = tv_open();
    ck_assert_vo_ok(vo_vault_audit_flush(v));
    int64_t rows = 0;
    ck_assert_vo_ok(vo_vault_audit_verify(&rows, NULL, NULL, v));
    vo_vault_close(v);
    /* Every put and every get, once, in one gap-free sequence. */
    ck_assert_int_eq(
        tv_sql_int(tv_path, "SELECT count(*) FROM audit WHERE action = 'secret.put'"),
        NPROC * per);
    ck_assert_int_eq(
        tv_sql_int(tv_path, "SELECT count(*) FROM audit WHERE action = 'secret.get'"),
        NPROC * per);
    ck_assert_int_ge(rows, before + 2 * NPROC * per);
    ck_assert_int_eq(tv_sql_int(tv_path, "SELECT max(seq) - count(*) FROM audit"), 0);
}
END_TEST

/* ---- reads while another process rotates the KEK and a tenant DEK ------------------- */

#define NTEN 12

static void tenant_value(char *out, size_t size, int t, int k)
{
    snprintf(out, size, "tenant%02d-secret%d-value", t, k);
}

START_TEST(reads_during_kek_and_dek_rotation)
{
    vo_vault *v = tv_open_with(tv_path, "k1,k2", "k1", 64);
    for (int t = 0; t < NTEN; t++) {
        char tn[16];
        snprintf(tn, sizeof(tn), "t%02d", t);
        ck_assert_vo_ok(vo_vault_tenant_create(v, tn));
        for (int k = 0; k < 3; k++) {
            char name[16], val[64];
            snprintf(name, sizeof(name), "s%d", k);
            tenant_value(val, sizeof(val), t, k);
            tv_put(v, tn, name, val);
        }
    }
    vo_vault_close(v);
    const int readers = 4;
    pid_t pids[5];
    volatile int *stop = NULL;
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    for (int p = 0; p < readers; p++) {
        pids[p] = fork();
        ck_assert_int_ge(pids[p], 0);
        if (pids[p] == 0) {
            close(fds[1]);
            vo_vault *cv = open_quiet(tv_path, "k1,k2", "k1", 1024);
            if (!cv)
                _exit(3);
            struct pollfd pf = {fds[0], POLLIN, 0};
            long reads = 0;
            for (int i = 0; poll(&pf, 1, 0) == 0; i++) {
                int t = (i + p) % NTEN, k = i % 3;
                char tn[16], name[16], want[64];
                snprintf(tn, sizeof(tn), "t%02d", t);
                snprintf(name, sizeof(name), "s%d", k);
                tenant_value(want, sizeof(want), t, k);
                vo_secret *s = NULL;
                int rc = vo_vault_secret_get(&s, NULL, cv, tn, name, 0);
                if (rc != VO_OK) {
                    fprintf(stderr, "reader %d: %s: %s\n", p, vo_error_name(rc),
                            vo_error_last()->message);
                    _exit(4);
                }
                if (strcmp(vo_secret_str(s), want) != 0)
                    _exit(5);
                vo_secret_free(s);
                reads++;
            }
            vo_vault_close(cv);
            _exit(reads > 0 ? 0 : 6);
        }
    }
    (void)stop;
    /* The rotator: KEK k1 -> k2 in small batches, DEK rotations of every tenant, and back. */
    pids[readers] = fork();
    ck_assert_int_ge(pids[readers], 0);
    if (pids[readers] == 0) {
        vo_vault *rv = open_quiet(tv_path, "k1,k2", "k2", 64);
        if (!rv)
            _exit(3);
        for (int round = 0; round < 2; round++) {
            if (vo_vault_kek_rotate(NULL, rv, round ? "k1" : "k2", NULL, NULL) != VO_OK)
                _exit(4);
            for (int t = 0; t < NTEN; t++) {
                char tn[16];
                snprintf(tn, sizeof(tn), "t%02d", t);
                if (vo_vault_tenant_rotate_dek(rv, tn) != VO_OK)
                    _exit(5);
            }
        }
        vo_vault_close(rv);
        _exit(0);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pids[readers], &status, 0), pids[readers]);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "rotator status %d", status);
    close(fds[1]); /* readers stop */
    wait_all(pids, readers);
    close(fds[0]);
    /* Every tenant went through two DEK generations more; new DEKs are wrapped by the
     * rotator's active KEK. */
    ck_assert_int_eq(tv_sql_int(tv_path, "SELECT min(dek_gen) FROM tenants"), 3);
    ck_assert_int_eq(tv_sql_int(tv_path, "SELECT count(*) FROM tenants WHERE kek_id <> 'k2'"),
                     0);
    v = tv_open_with(tv_path, "k1,k2", "k1", 64);
    ck_assert_vo_ok(vo_vault_audit_verify(NULL, NULL, NULL, v));
    vo_vault_close(v);
}
END_TEST

/* ---- a DEK change or a tenant delete by another server ------------------------------ */

START_TEST(other_servers_see_dek_change_and_delete)
{
    vo_vault *a = tv_open_with(tv_path, "k1", NULL, 64); /* server A, with a DEK cache */
    vo_vault *b = tv_open_with(tv_path, "k1", NULL, 64); /* server B */
    ck_assert_vo_ok(vo_vault_tenant_create(a, "t"));
    tv_put(a, "t", "s", "one");
    tv_expect(a, "t", "s", "one"); /* A caches the DEK */
    /* B rotates the DEK and writes under the new one: A decrypts with the new key. */
    ck_assert_vo_ok(vo_vault_tenant_rotate_dek(b, "t"));
    tv_put(b, "t", "s", "two");
    tv_expect(a, "t", "s", "two");
    /* B deletes the tenant: A cannot read it any more, from cache or otherwise. */
    ck_assert_vo_ok(vo_vault_tenant_delete(b, "t"));
    ck_assert_vo_rc(tv_get_rc(a, "t", "s", 0), VO_ENOTFOUND);
    ck_assert_int_eq(tv_sql_int(tv_path, "SELECT count(*) FROM secrets"), 0);
    /* A tenant of the same name is a new tenant with a new key. */
    ck_assert_vo_ok(vo_vault_tenant_create(b, "t"));
    tv_put(b, "t", "s", "three");
    tv_expect(a, "t", "s", "three");
    vo_vault_close(a);
    vo_vault_close(b);
}
END_TEST

/* ---- threads of one handle: reads in parallel through the pool ---------------------- */

typedef struct tharg {
    vo_vault *v;
    int id, errors;
    long reads;
} tharg;

static void *reader_thread(void *p)
{
    tharg *a = p;
    for (int i = 0; i < 300; i++) {
        char tn[16], name[16], want[64];
        int t = (i + a->id) % NTEN, k = i % 3;
        snprintf(tn, sizeof(tn), "t%02d", t);
        snprintf(name, sizeof(name), "s%d", k);
        tenant_value(want, sizeof(want), t, k);
        unsigned char buf[128];
        size_t len = 0;
        if (vo_vault_secret_get_into(buf, sizeof(buf), &len, NULL, a->v, tn, name, 0) !=
                VO_OK ||
            len != strlen(want) || memcmp(buf, want, len) != 0)
            a->errors++;
        a->reads++;
    }
    return NULL;
}

static void *writer_thread(void *p)
{
    tharg *a = p;
    for (int i = 0; i < 40; i++) {
        int64_t cur = 0;
        vo_secret *s = NULL;
        if (vo_vault_secret_get(&s, &cur, a->v, "t00", "counter", 0) != VO_OK)
            cur = 0;
        vo_secret_free(s);
        if (vo_vault_secret_put(NULL, a->v, "t00", "counter", "c", 1, cur) != VO_OK)
            a->errors++;
    }
    return NULL;
}

START_TEST(threads_share_one_handle)
{
    char uri[320];
    snprintf(uri, sizeof(uri), "%s&pool=3", tv_path);
    vo_vault *v = tv_open_with(uri, "k1", NULL, 64);
    for (int t = 0; t < NTEN; t++) {
        char tn[16];
        snprintf(tn, sizeof(tn), "t%02d", t);
        ck_assert_vo_ok(vo_vault_tenant_create(v, tn));
        for (int k = 0; k < 3; k++) {
            char name[16], val[64];
            snprintf(name, sizeof(name), "s%d", k);
            tenant_value(val, sizeof(val), t, k);
            tv_put(v, tn, name, val);
        }
    }
    /* 8 readers on 3 pooled connections, and a check-and-set writer on the main one. */
    pthread_t th[9];
    tharg args[9];
    memset(args, 0, sizeof(args));
    for (int i = 0; i < 9; i++) {
        args[i].v = v;
        args[i].id = i;
        pthread_create(&th[i], NULL, i < 8 ? reader_thread : writer_thread, &args[i]);
    }
    for (int i = 0; i < 9; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(args[i].errors, 0);
    }
    int64_t ver = 0;
    vo_secret *s = NULL;
    ck_assert_vo_ok(vo_vault_secret_get(&s, &ver, v, "t00", "counter", 0));
    vo_secret_free(s);
    ck_assert_int_eq(ver, 40);
    ck_assert_vo_ok(vo_vault_audit_verify(NULL, NULL, NULL, v));
    vo_vault_close(v);
    /* Every read was audited once (buffered rows flushed at close). */
    ck_assert_int_eq(tv_sql_int(tv_path,
                                "SELECT count(*) FROM audit WHERE action = 'secret.get'"
                                " AND tenant <> 't00'"),
                     8 * 300 - 8 * 300 / NTEN);
    /* pool=0: reads under the vault lock on the one connection; a bad pool size. */
    snprintf(uri, sizeof(uri), "%s&pool=0", tv_path);
    v = tv_open_with(uri, "k1", NULL, 64);
    tv_expect(v, "t03", "s1", "tenant03-secret1-value");
    vo_vault_close(v);
    vo_keyring *kr = tv_keyring("k1", NULL);
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    snprintf(uri, sizeof(uri), "%s&pool=65", tv_path);
    ck_assert_vo_rc(vo_vault_open(&v, uri, &o), VO_EINVAL);
    vo_keyring_free(kr);
}
END_TEST

/* ---- SIGKILL of a writer mid-transaction -------------------------------------------- */

START_TEST(sigkill_mid_transaction)
{
    vo_vault *v = tv_open_with(tv_path, "k1,k2", "k1", 64);
    for (int t = 0; t < 40; t++) {
        char tn[16];
        snprintf(tn, sizeof(tn), "t%02d", t);
        ck_assert_vo_ok(vo_vault_tenant_create(v, tn));
        tv_put(v, tn, "s", tn);
    }
    vo_vault_close(v);
    unsigned seed = (unsigned)time(NULL);
    for (int it = 0; it < 6; it++) {
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            /* Writes, an import-sized transaction and a KEK rotation in batches of 1. */
            vo_keyring *kr = tv_keyring("k1,k2", it % 2 ? "k1" : "k2");
            vo_vault_options o = VO_VAULT_OPTIONS_INIT;
            o.keyring = kr;
            o.rotation_batch = 1;
            vo_vault *cv = NULL;
            if (vo_vault_open(&cv, tv_path, &o) != VO_OK)
                _exit(3);
            for (int i = 0;; i++) {
                char tn[16];
                snprintf(tn, sizeof(tn), "t%02d", i % 40);
                vo_vault_secret_put(NULL, cv, tn, "s", tn, strlen(tn), VO_VAULT_ANY_VERSION);
                if (i % 10 == 0)
                    vo_vault_kek_rotate(NULL, cv, NULL, NULL, NULL);
            }
        }
        sleep_ms(100 + (long)(rand_r(&seed) % 300));
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        ck_assert(WIFSIGNALED(status));
        /* Nothing half-done: every tenant opens and reads, the chain verifies, and the next
         * writer is not blocked by the dead one's lock. */
        v = tv_open_with(tv_path, "k1,k2", it % 2 ? "k2" : "k1", 64);
        for (int t = 0; t < 40; t++) {
            char tn[16];
            snprintf(tn, sizeof(tn), "t%02d", t);
            tv_expect(v, tn, "s", tn);
        }
        ck_assert_vo_ok(vo_vault_audit_verify(NULL, NULL, NULL, v));
        tv_put(v, "t00", "after-kill", "ok");
        vo_vault_close(v);
    }
    /* The rotation resumes and finishes. */
    vo_keyring *kr = tv_keyring("k1,k2", "k2");
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    o.rotation_batch = 7;
    ck_assert_vo_ok(vo_vault_open(&v, tv_path, &o));
    vo_keyring_free(kr);
    ck_assert_vo_ok(vo_vault_kek_rotate(NULL, v, NULL, NULL, NULL));
    ck_assert_int_eq(tv_sql_int(tv_path, "SELECT count(*) FROM tenants WHERE kek_id <> 'k2'"),
                     0);
    tv_expect(v, "t39", "s", "t39");
    vo_vault_close(v);
}
END_TEST

/* ---- the database restarted under a running vault ----------------------------------- */

static void pg_ctl(const char *what)
{
    const char *ctl = getenv("VO_TEST_PG_CTL");
    ck_assert_ptr_nonnull(ctl);
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "%s %s >/dev/null 2>&1", ctl, what);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(database_restart_unavailable_then_recovers)
{
    vo_vault *v = tv_open();
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    tv_put(v, "t", "s", "before");
    tv_expect(v, "t", "s", "before");
    pg_ctl("-m fast stop");
    /* Down: unavailable (not a storage error, not corruption), reads and writes alike. */
    ck_assert_vo_rc(tv_get_rc(v, "t", "s", 0), VO_EUNAVAILABLE);
    ck_assert_vo_rc(vo_vault_secret_put(NULL, v, "t", "s", "x", 1, VO_VAULT_ANY_VERSION),
                    VO_EUNAVAILABLE);
    vo_vault *other = NULL;
    vo_keyring *kr = tv_keyring("k1", NULL);
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    ck_assert_vo_rc(vo_vault_open(&other, tv_path, &o), VO_EUNAVAILABLE);
    pg_ctl("start");
    /* Back: the same handle reconnects by itself. */
    tv_expect(v, "t", "s", "before");
    tv_put(v, "t", "s", "after");
    tv_expect(v, "t", "s", "after");
    /* A restart between two calls is invisible to reads. */
    pg_ctl("-m fast restart");
    tv_expect(v, "t", "s", "after");
    ck_assert_vo_ok(vo_vault_audit_verify(NULL, NULL, NULL, v));
    vo_vault_close(v);
    vo_keyring_free(kr);
}
END_TEST

/* ---- a connection cut between COMMIT and its answer --------------------------------- */

/* A TCP proxy in front of the server that, when armed, cuts the connection at the first
 * client message containing "COMMIT": after forwarding it (the answer is lost) or
 * instead of forwarding it. */
enum {
    CUT_NONE,
    CUT_AFTER_COMMIT,
    CUT_BEFORE_COMMIT
};
typedef struct proxy {
    int lfd, port, upstream_port;
    atomic_int mode, cuts, stop, active;
    pthread_t th;
} proxy;

typedef struct pconn {
    proxy *px;
    int c, s;
} pconn;

static int contains(const char *buf, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(buf + i, needle, k) == 0)
            return 1;
    return 0;
}

static void *pump(void *arg)
{
    pconn *pc = arg;
    char buf[65536];
    struct pollfd pf[2] = {{pc->c, POLLIN, 0}, {pc->s, POLLIN, 0}};
    while (!atomic_load(&pc->px->stop)) {
        if (poll(pf, 2, 200) <= 0)
            continue;
        if (pf[0].revents) {
            ssize_t n = read(pc->c, buf, sizeof(buf));
            if (n <= 0)
                break;
            int mode = atomic_load(&pc->px->mode);
            if (mode != CUT_NONE && contains(buf, (size_t)n, "COMMIT") &&
                atomic_compare_exchange_strong(&pc->px->mode, &mode, CUT_NONE)) {
                if (mode == CUT_AFTER_COMMIT && write(pc->s, buf, (size_t)n) != n)
                    break;
                atomic_fetch_add(&pc->px->cuts, 1);
                break;
            }
            if (write(pc->s, buf, (size_t)n) != n)
                break;
        }
        if (pf[1].revents) {
            ssize_t n = read(pc->s, buf, sizeof(buf));
            if (n <= 0 || write(pc->c, buf, (size_t)n) != n)
                break;
        }
    }
    close(pc->c);
    close(pc->s);
    atomic_fetch_sub(&pc->px->active, 1);
    free(pc);
    return NULL;
}

static void *proxy_main(void *arg)
{
    proxy *px = arg;
    while (!atomic_load(&px->stop)) {
        struct pollfd pf = {px->lfd, POLLIN, 0};
        if (poll(&pf, 1, 200) <= 0)
            continue;
        int c = accept(px->lfd, NULL, NULL);
        if (c < 0)
            continue;
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {0};
        a.sin_family = AF_INET;
        a.sin_port = htons((uint16_t)px->upstream_port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(s, (struct sockaddr *)&a, sizeof(a)) != 0) {
            close(c);
            close(s);
            continue;
        }
        pconn *pc = malloc(sizeof(*pc));
        pc->px = px;
        pc->c = c;
        pc->s = s;
        atomic_fetch_add(&px->active, 1);
        pthread_t t;
        pthread_create(&t, NULL, pump, pc);
        pthread_detach(t);
    }
    return NULL;
}

static void proxy_start(proxy *px)
{
    memset(px, 0, sizeof(*px));
    atomic_init(&px->mode, CUT_NONE);
    atomic_init(&px->cuts, 0);
    atomic_init(&px->stop, 0);
    atomic_init(&px->active, 0);
    px->upstream_port = atoi(getenv("VO_TEST_PG_PORT"));
    px->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(px->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t len = sizeof(a);
    getsockname(px->lfd, (struct sockaddr *)&a, &len);
    px->port = ntohs(a.sin_port);
    ck_assert_int_eq(listen(px->lfd, 16), 0);
    pthread_create(&px->th, NULL, proxy_main, px);
}

/* Stop accepting, and wait until every connection's pump has ended (they poll `stop`). */
static void proxy_stop(proxy *px)
{
    atomic_store(&px->stop, 1);
    pthread_join(px->th, NULL);
    close(px->lfd);
    while (atomic_load(&px->active) > 0)
        sleep_ms(20);
}

static proxy px; /* static: its pump threads may outlive a stack frame */

START_TEST(commit_answer_lost_is_checked_not_replayed)
{
    proxy_start(&px);
    char uri[300];
    /* sslmode=disable: the proxy looks at the protocol in clear (loopback only). */
    snprintf(uri, sizeof(uri),
             "postgresql://postgres@127.0.0.1:%d/postgres?sslmode=disable&schema=%s", px.port,
             tv_schema);
    vo_vault *v = tv_open_with(uri, "k1", NULL, 64);
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    int64_t ver = 0;
    ck_assert_vo_ok(vo_vault_secret_put(&ver, v, "t", "s", "v1", 2, 0));
    ck_assert_int_eq(ver, 1);

    /* The COMMIT reaches the server, its answer never comes back: the backend reconnects,
     * finds its commit token and reports success, once. */
    atomic_store(&px.mode, CUT_AFTER_COMMIT);
    ck_assert_vo_ok(vo_vault_secret_put(&ver, v, "t", "s", "v2", 2, 1));
    ck_assert_int_eq(atomic_load(&px.cuts), 1);
    ck_assert_int_eq(ver, 2);
    ck_assert_int_eq(tv_sql_int(tv_path, "SELECT max(version) FROM secrets"), 2);
    ck_assert_int_eq(tv_sql_int(tv_path, "SELECT count(*) FROM secrets"), 2);
    tv_expect(v, "t", "s", "v2");

    /* The COMMIT never reaches the server: reported unavailable, nothing applied, and the
     * check-and-set that follows sees the old version. */
    atomic_store(&px.mode, CUT_BEFORE_COMMIT);
    ck_assert_vo_rc(vo_vault_secret_put(&ver, v, "t", "s", "v3", 2, 2), VO_EUNAVAILABLE);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "not applied"));
    ck_assert_int_eq(atomic_load(&px.cuts), 2);
    ck_assert_int_eq(tv_sql_int(tv_path, "SELECT max(version) FROM secrets"), 2);
    tv_expect(v, "t", "s", "v2");
    ck_assert_vo_ok(vo_vault_secret_put(&ver, v, "t", "s", "v3", 2, 2));
    ck_assert_int_eq(ver, 3);
    ck_assert_vo_ok(vo_vault_audit_verify(NULL, NULL, NULL, v));
    vo_vault_close(v);
    proxy_stop(&px);
}
END_TEST

/* ---- pg_dump / pg_restore ----------------------------------------------------------- */

START_TEST(pg_dump_restore_round_trip)
{
    vo_vault *v = tv_open();
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    tv_put(v, "t", "s", "dumped-value");
    tv_put(v, "t", "s", "dumped-value-2");
    vo_vault_close(v);
    const char *bin = getenv("VO_TEST_PG_BIN");
    ck_assert_ptr_nonnull(bin);
    char dump[400], cmd[1500];
    snprintf(dump, sizeof(dump), "%s/vault.dump", tv_dir);
    snprintf(cmd, sizeof(cmd), "'%s/pg_dump' --format=custom --schema=%s --file='%s' '%s'", bin,
             tv_schema, dump, tv_pg_base);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert(!tv_file_contains(dump, "dumped-value", 12));
    tv_pg_drop_schemas();
    snprintf(cmd, sizeof(cmd), "'%s/pg_restore' --dbname='%s' '%s'", bin, tv_pg_base, dump);
    ck_assert_int_eq(system(cmd), 0);
    /* Restored: the same keys open it, values and chain intact, CAS continues. */
    v = tv_open();
    tv_expect(v, "t", "s", "dumped-value-2");
    ck_assert_vo_ok(vo_vault_audit_verify(NULL, NULL, NULL, v));
    int64_t ver = 0;
    ck_assert_vo_ok(vo_vault_secret_put(&ver, v, "t", "s", "next", 4, 2));
    ck_assert_int_eq(ver, 3);
    vo_vault_close(v);
    /* Without the KEK the dump is useless. */
    vo_keyring *kr = tv_keyring("other", NULL);
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    o.no_create = 1;
    ck_assert_vo_rc(vo_vault_open(&v, tv_path, &o), VO_ECRYPTO);
    vo_keyring_free(kr);
}
END_TEST

/* ---- copies between backends -------------------------------------------------------- */

START_TEST(copy_sqlite_to_pg_and_back)
{
    char file[400], back[400];
    snprintf(file, sizeof(file), "%s/source.db", tv_dir);
    snprintf(back, sizeof(back), "%s/back.db", tv_dir);
    vo_vault *v = tv_open_with(file, "k1,k2", "k1", 64);
    for (int t = 0; t < 5; t++) {
        char tn[16];
        snprintf(tn, sizeof(tn), "t%d", t);
        ck_assert_vo_ok(vo_vault_tenant_create(v, tn));
        tv_put(v, tn, "a", "a-value");
        tv_put(v, tn, "a", "a-value-2");
        tv_put(v, tn, "b", tn);
    }
    ck_assert_vo_ok(vo_vault_tenant_rotate_dek(v, "t1"));
    /* A signed checkpoint of the source's chain, kept outside (as an operator would). */
    vo_keyring *kr = tv_keyring("k1,k2", "k1");
    char pk[VO_VAULT_CHECKPOINT_PUBLIC_KEY_SIZE];
    ck_assert_vo_ok(vo_keyring_public_key_get(pk, sizeof(pk), kr, "k2"));
    char *cp = NULL;
    ck_assert_vo_ok(vo_vault_audit_checkpoint(&cp, v, kr, "k2"));
    vo_vault_close(v);
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    ck_assert_vo_ok(vo_vault_copy(tv_path, file, &o));
    /* A second copy into the same place is refused, nothing changed. */
    ck_assert_vo_rc(vo_vault_copy(tv_path, file, &o), VO_EEXISTS);
    ck_assert_vo_rc(vo_vault_copy(tv_path, NULL, &o), VO_EINVAL);
    /* Ciphertexts moved as they are. */
    const char *sum = "SELECT sum(length(ct)) FROM secrets";
    ck_assert_int_eq(tv_sql_int(tv_path, sum), tv_sql_int(file, sum));
    v = tv_open_with(tv_path, "k1,k2", "k1", 64);
    tv_expect(v, "t1", "a", "a-value-2");
    tv_expect(v, "t4", "b", "t4");
    vo_secret *s = NULL;
    ck_assert_vo_ok(vo_vault_secret_get(&s, NULL, v, "t3", "a", 1));
    ck_assert_str_eq(vo_secret_str(s), "a-value");
    vo_secret_free(s);
    int64_t rows = 0;
    ck_assert_vo_ok(vo_vault_audit_verify(&rows, NULL, NULL, v));
    ck_assert_int_ge(rows, 1 + 5 * 4 + 1);
    /* The source's checkpoint verifies against the copy: same vault, same chain. */
    int64_t bad = -1;
    int reason = -1;
    ck_assert_vo_ok(vo_vault_audit_verify_checkpoint(NULL, &bad, &reason, v, cp, pk));
    ck_assert_int_eq(reason, VO_AUDIT_INTACT);
    vo_free(cp);
    tv_put(v, "t0", "c", "written-in-pg");
    vo_vault_close(v);
    /* And back into a new SQLite file. */
    ck_assert_vo_ok(vo_vault_copy(back, tv_path, &o));
    vo_keyring_free(kr);
    v = tv_open_with(back, "k1,k2", "k1", 64);
    tv_expect(v, "t0", "c", "written-in-pg");
    tv_expect(v, "t1", "a", "a-value-2");
    ck_assert_vo_ok(vo_vault_audit_verify(NULL, NULL, NULL, v));
    vo_vault_close(v);
    /* The same vault on both sides: the ciphertexts, and the PostgreSQL chain is the start
     * of the copy's (which then went on with its own rows). */
    ck_assert_int_eq(tv_sql_int(back, sum), tv_sql_int(tv_path, sum));
    int64_t pg_rows = tv_sql_int(tv_path, "SELECT max(seq) FROM audit");
    char q[128];
    snprintf(q, sizeof(q), "SELECT count(*) FROM audit WHERE seq <= %lld", (long long)pg_rows);
    ck_assert_int_eq(tv_sql_int(back, q), pg_rows);
    ck_assert_int_eq(tv_sql_int(back, "SELECT count(*) FROM audit WHERE action = 'vault.copy'"),
                     2);
    /* A tampered source is not copied. */
    tv_sql(file, "UPDATE audit SET actor = 'x' WHERE seq = 3");
    char schema[80], dest[300];
    snprintf(schema, sizeof(schema), "%s_tampered", tv_schema);
    tv_pg_uri(dest, sizeof(dest), schema);
    kr = tv_keyring("k1,k2", "k1");
    o.keyring = kr;
    ck_assert_vo_rc(vo_vault_copy(dest, file, &o), VO_ECRYPTO);
    vo_keyring_free(kr);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("vault_pg");
    TCase *m = tcase_create("many_servers");
    tcase_add_checked_fixture(m, tv_setup, tv_teardown);
    tcase_set_timeout(m, 240);
    tcase_add_test(m, many_servers_migrate_once);
    tcase_add_test(m, check_and_set_from_8_processes);
    tcase_add_test(m, one_audit_chain_from_8_processes);
    tcase_add_test(m, reads_during_kek_and_dek_rotation);
    tcase_add_test(m, other_servers_see_dek_change_and_delete);
    tcase_add_test(m, threads_share_one_handle);
    suite_add_tcase(s, m);
    TCase *f = tcase_create("faults");
    tcase_add_checked_fixture(f, tv_setup, tv_teardown);
    tcase_set_timeout(f, 240);
    tcase_add_test(f, sigkill_mid_transaction);
    tcase_add_test(f, database_restart_unavailable_then_recovers);
    tcase_add_test(f, commit_answer_lost_is_checked_not_replayed);
    suite_add_tcase(s, f);
    TCase *o = tcase_create("operations");
    tcase_add_checked_fixture(o, tv_setup, tv_teardown);
    tcase_set_timeout(o, 120);
    tcase_add_test(o, pg_dump_restore_round_trip);
    tcase_add_test(o, copy_sqlite_to_pg_and_back);
    suite_add_tcase(s, o);
    return s;
}

static Suite *suite_or_skip(void)
{
    if (!getenv("VO_TEST_PG")) {
        fprintf(stderr,
                "vault_pg: VO_TEST_PG is not set: run through tests/pg/with_postgres.py\n");
        exit(1);
    }
    return suite();
}

VO_TEST_MAIN(suite_or_skip)
