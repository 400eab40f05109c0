/* The vault under crashes (SIGKILL mid-write and mid-rotation), a full disk, and concurrent
 * threads and processes. Set VO_VAULT_SOAK=N to multiply the iteration counts. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "vault_testutil.h"

static int soak(void)
{
    const char *s = getenv("VO_VAULT_SOAK");
    int n = s ? atoi(s) : 1;
    return n < 1 ? 1 : n;
}

static void value_for(char *out, size_t size, int i)
{
    snprintf(out, size, "bulk-value-%d-%08x", i, (unsigned)(i * 2654435761u));
}

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void check_integrity(const char *path)
{
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *s = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "ok");
    sqlite3_finalize(s);
    sqlite3_close(db);
}

/* ---- crash during bulk puts --------------------------------------------------------- */

START_TEST(crash_during_bulk_puts)
{
    vo_vault *v = tv_open();
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    vo_vault_close(v);
    int iterations = 10 * soak();
    int next = 0, progressed = 0; /* secrets 0..next-1 have been acknowledged so far */
    unsigned seed = (unsigned)time(NULL);
    for (int it = 0; it < iterations; it++) {
        int fds[2];
        ck_assert_int_eq(pipe(fds), 0);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            close(fds[0]);
            vo_vault *cv = tv_open();
            for (int i = next;; i++) {
                char name[32], val[64];
                snprintf(name, sizeof(name), "s%05d", i);
                value_for(val, sizeof(val), i);
                if (vo_vault_secret_put(NULL, cv, "t", name, val, strlen(val), 0) != VO_OK)
                    _exit(3);
                /* Acknowledged only after the commit returned. */
                if (write(fds[1], &i, sizeof(i)) != sizeof(i))
                    _exit(4);
            }
        }
        close(fds[1]);
        sleep_us(2000 + (long)(rand_r(&seed) % 40000));
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        ck_assert(WIFSIGNALED(status));
        int idx, acked = next;
        while (read(fds[0], &idx, sizeof(idx)) == sizeof(idx)) {
            ck_assert_int_eq(idx, acked);
            acked++;
        }
        close(fds[0]);
        /* Everything acknowledged is there and decrypts; a put in flight may or may not
         * have committed (the next child's check-and-set would notice if it had). */
        v = tv_open();
        for (int i = 0; i < acked; i++) {
            char name[32], val[64];
            snprintf(name, sizeof(name), "s%05d", i);
            value_for(val, sizeof(val), i);
            tv_expect(v, "t", name, val);
        }
        char name[32];
        snprintf(name, sizeof(name), "s%05d", acked);
        if (tv_get_rc(v, "t", name, 0) == VO_OK)
            acked++; /* committed, acknowledgement lost with the process */
        ck_assert_vo_ok(vo_vault_audit_verify(NULL, NULL, NULL, v));
        vo_vault_close(v);
        if (getenv("VO_VAULT_VERBOSE"))
            fprintf(stderr, "bulk iteration %d: %d acknowledged in this run\n", it,
                    acked - next);
        if (acked > next)
            progressed++;
        next = acked;
    }
    check_integrity(tv_path);
    ck_assert_int_ge(progressed, iterations / 2);
}
END_TEST

/* ---- crash during KEK rotation ------------------------------------------------------ */

#define ROT_TENANTS 300

static int progress_fd = -1;
static int report_progress(int64_t done, int64_t total, void *payload)
{
    (void)done;
    (void)total;
    (void)payload;
    if (write(progress_fd, "b", 1) != 1)
        _exit(6);
    return 0;
}

START_TEST(crash_during_kek_rotation)
{
    vo_keyring *kr = tv_keyring("k1,k2", "k1");
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    vo_vault *v = NULL;
    ck_assert_vo_ok(vo_vault_open(&v, tv_path, &o));
    vo_keyring_free(kr);
    char csv[ROT_TENANTS * 64 + 64] = "tenant,name,value\n";
    size_t off = strlen(csv);
    for (int i = 0; i < ROT_TENANTS; i++) {
        char val[64];
        value_for(val, sizeof(val), i);
        off += (size_t)snprintf(csv + off, sizeof(csv) - off, "t%04d,s,%s\n", i, val);
    }
    vo_import_report *rep = NULL;
    ck_assert_vo_ok(
        vo_vault_import_buffer(&rep, v, csv, off, VO_IMPORT_CSV, VO_IMPORT_CREATE_TENANTS));
    ck_assert_int_eq(vo_import_report_imported(rep), ROT_TENANTS);
    vo_import_report_free(rep);
    vo_vault_close(v);

    int iterations = 12 * soak(), mixed = 0;
    unsigned seed = (unsigned)time(NULL) ^ 0x5a5a;
    for (int it = 0; it < iterations; it++) {
        const char *target = it % 2 ? "k1" : "k2";
        int fds[2];
        ck_assert_int_eq(pipe(fds), 0);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            close(fds[0]);
            progress_fd = fds[1];
            vo_keyring *ckr = tv_keyring("k1,k2", target);
            vo_vault_options co = VO_VAULT_OPTIONS_INIT;
            co.keyring = ckr;
            co.rotation_batch = 5;
            vo_vault *cv = NULL;
            if (vo_vault_open(&cv, tv_path, &co) != VO_OK)
                _exit(3);
            int64_t remaining = -1;
            int rc = vo_vault_kek_rotate(&remaining, cv, NULL, report_progress, NULL);
            _exit(rc == VO_OK && remaining == 0 ? 0 : 5);
        }
        /* Kill after a random number of committed batches (of 60), plus a random delay,
         * so the kill lands inside a batch transaction or between two. */
        close(fds[1]);
        int batches = 1 + (int)(rand_r(&seed) % 50), seen = 0;
        char byte;
        while (seen < batches && read(fds[0], &byte, 1) == 1)
            seen++;
        sleep_us((long)(rand_r(&seed) % 3000));
        kill(pid, SIGKILL);
        close(fds[0]);
        int status = 0;
        waitpid(pid, &status, 0);
        ck_assert_msg(WIFSIGNALED(status) || WEXITSTATUS(status) == 0, "child exit %d",
                      WEXITSTATUS(status));
        int64_t under_k1 =
            tv_sql_int(tv_path, "SELECT count(*) FROM tenants WHERE kek_id='k1'");
        if (under_k1 > 0 && under_k1 < ROT_TENANTS)
            mixed++;
        ck_assert_int_eq(under_k1 % 5, 0); /* batches of 5 commit atomically */
        if (getenv("VO_VAULT_VERBOSE"))
            fprintf(stderr, "rotation iteration %d: %lld tenants under k1\n", it,
                    (long long)under_k1);
        /* Mixed KEKs after the crash: every secret still decrypts. */
        v = tv_open_with(tv_path, "k1,k2", target, 0);
        for (int i = 0; i < ROT_TENANTS; i += 7) {
            char t[16], val[64];
            snprintf(t, sizeof(t), "t%04d", i);
            value_for(val, sizeof(val), i);
            tv_expect(v, t, "s", val);
        }
        vo_vault_close(v);
    }
    /* Most kills must land mid-rotation, or this test proves nothing. */
    ck_assert_int_ge(mixed, iterations / 2);
    /* Resume to k2 and finish; then k1 can go. */
    kr = tv_keyring("k1,k2", "k2");
    o.keyring = kr;
    ck_assert_vo_ok(vo_vault_open(&v, tv_path, &o));
    vo_keyring_free(kr);
    int64_t remaining = -1, used = -1;
    ck_assert_vo_ok(vo_vault_kek_rotate(&remaining, v, NULL, NULL, NULL));
    ck_assert_int_eq(remaining, 0);
    ck_assert_vo_ok(vo_vault_kek_usage(&used, v, "k1"));
    ck_assert_int_eq(used, 0);
    ck_assert_vo_ok(vo_vault_kek_retire(v, "k1"));
    ck_assert_vo_ok(vo_vault_audit_verify(NULL, NULL, NULL, v));
    vo_vault_close(v);
    v = tv_open_with(tv_path, "k2", NULL, 64);
    for (int i = 0; i < ROT_TENANTS; i++) {
        char t[16], val[64];
        snprintf(t, sizeof(t), "t%04d", i);
        value_for(val, sizeof(val), i);
        tv_expect(v, t, "s", val);
    }
    vo_vault_close(v);
    check_integrity(tv_path);
}
END_TEST

/* ---- disk full ---------------------------------------------------------------------- */

static off_t file_size(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? st.st_size : 0;
}

START_TEST(disk_full_is_a_clear_storage_error)
{
    vo_vault *v = tv_open();
    ck_assert_vo_ok(vo_vault_tenant_create(v, "t"));
    tv_put(v, "t", "seed", "seed-value");
    vo_vault_close(v);
    char wal[400];
    snprintf(wal, sizeof(wal), "%s-wal", tv_path);
    off_t base = file_size(tv_path) > file_size(wal) ? file_size(tv_path) : file_size(wal);
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        signal(SIGXFSZ, SIG_IGN); /* get EFBIG instead of a signal */
        struct rlimit rl = {(rlim_t)base + 256 * 1024, (rlim_t)base + 256 * 1024};
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
            _exit(2);
        vo_vault *cv = tv_open();
        char val[8192];
        int rc = VO_OK, i;
        for (i = 0; i < 100000; i++) {
            snprintf(val, sizeof(val), "%d", i);
            memset(val + strlen(val), 'x', sizeof(val) - 1 - strlen(val));
            val[sizeof(val) - 1] = 0;
            char name[32];
            snprintf(name, sizeof(name), "fill%05d", i);
            rc = vo_vault_secret_put(NULL, cv, "t", name, val, strlen(val), 0);
            if (rc != VO_OK)
                break;
            if (write(fds[1], &i, sizeof(i)) != sizeof(i))
                _exit(4);
        }
        char msg[600];
        snprintf(msg, sizeof(msg), "%d %s", rc, vo_error_last()->message);
        int end = -1;
        if (write(fds[1], &end, sizeof(end)) != sizeof(end) ||
            write(fds[1], msg, strlen(msg) + 1) < 0)
            _exit(4);
        vo_vault_close(cv);
        _exit(rc == VO_ESTORAGE ? 0 : 1);
    }
    close(fds[1]);
    int status = 0;
    char buf[8192];
    size_t got = 0;
    ssize_t r;
    while ((r = read(fds[0], buf + got, sizeof(buf) - 1 - got)) > 0)
        got += (size_t)r;
    close(fds[0]);
    waitpid(pid, &status, 0);
    buf[got] = 0;
    /* Parse: ints for each acknowledged put, then the final index and the message. */
    ck_assert_uint_ge(got, 2 * sizeof(int));
    size_t nints = 0;
    int last_ok = -1;
    while ((nints + 1) * sizeof(int) <= got) {
        int x;
        memcpy(&x, buf + nints * sizeof(int), sizeof(int));
        if (x != (int)nints) {
            break;
        }
        last_ok = x;
        nints++;
    }
    const char *msg = buf + (nints + 1) * sizeof(int);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d: %s", status,
                  msg);
    ck_assert_int_gt(last_ok, 0);
    ck_assert_ptr_nonnull(strstr(msg, "storage"));
    /* No corruption: everything acknowledged is there, and the vault keeps working. */
    check_integrity(tv_path);
    v = tv_open();
    tv_expect(v, "t", "seed", "seed-value");
    for (int i = 0; i <= last_ok; i++) {
        char name[32];
        snprintf(name, sizeof(name), "fill%05d", i);
        ck_assert_vo_ok(tv_get_rc(v, "t", name, 0));
    }
    tv_put(v, "t", "after", "disk-has-room-again");
    tv_expect(v, "t", "after", "disk-has-room-again");
    ck_assert_vo_ok(vo_vault_audit_verify(NULL, NULL, NULL, v));
    vo_vault_close(v);
}
END_TEST

/* ---- concurrency -------------------------------------------------------------------- */

typedef struct worker {
    vo_vault *v;
    int increments;
    int conflicts;
    int reads;
    int failures;
} worker;

/* Increment the counter with check-and-set, retrying on conflicts. */
static int increment(vo_vault *v, int *conflicts)
{
    for (;;) {
        vo_secret *s = NULL;
        int64_t ver = 0;
        int rc = vo_vault_secret_get(&s, &ver, v, "shared", "counter", 0);
        if (rc == VO_EBUSY)
            continue;
        if (rc != VO_OK)
            return rc;
        long n = strtol(vo_secret_str(s), NULL, 10);
        vo_secret_free(s);
        char buf[32];
        snprintf(buf, sizeof(buf), "%ld", n + 1);
        rc = vo_vault_secret_put(NULL, v, "shared", "counter", buf, strlen(buf), ver);
        if (rc == VO_OK)
            return VO_OK;
        if (rc != VO_ECONFLICT && rc != VO_EBUSY)
            return rc;
        if (rc == VO_ECONFLICT)
            (*conflicts)++;
    }
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < w->increments; i++) {
        if (increment(w->v, &w->conflicts) != VO_OK)
            w->failures++;
        /* and some plain reads of other tenants' secrets */
        char t[16];
        snprintf(t, sizeof(t), "r%d", i % 8);
        vo_secret *s = NULL;
        if (vo_vault_secret_get(&s, NULL, w->v, t, "s", 0) == VO_OK &&
            strcmp(vo_secret_str(s), t) == 0)
            w->reads++;
        else
            w->failures++;
        vo_secret_free(s);
    }
    return NULL;
}

static vo_vault *open_small_batch(void)
{
    vo_keyring *kr = tv_keyring("k1", NULL);
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    o.busy_timeout_ms = 20000;
    o.audit_buffer_rows = 16;
    vo_vault *v = NULL;
    int rc = vo_vault_open(&v, tv_path, &o);
    vo_keyring_free(kr);
    return rc == VO_OK ? v : NULL;
}

START_TEST(threads_and_processes_with_cas)
{
    vo_vault *v = open_small_batch();
    ck_assert_ptr_nonnull(v);
    ck_assert_vo_ok(vo_vault_tenant_create(v, "shared"));
    ck_assert_vo_ok(vo_vault_secret_put(NULL, v, "shared", "counter", "0", 1, 0));
    for (int i = 0; i < 8; i++) {
        char t[16];
        snprintf(t, sizeof(t), "r%d", i);
        ck_assert_vo_ok(vo_vault_tenant_create(v, t));
        tv_put(v, t, "s", t);
    }
    const int per = 40 * soak(), nthreads = 6, nprocs = 2;
    pid_t pids[2];
    for (int p = 0; p < nprocs; p++) {
        pids[p] = fork();
        ck_assert_int_ge(pids[p], 0);
        if (pids[p] == 0) {
            /* A second process: its own handle with two threads. */
            vo_vault *cv = open_small_batch();
            if (!cv)
                _exit(3);
            worker w[2] = {{cv, per, 0, 0, 0}, {cv, per, 0, 0, 0}};
            pthread_t th[2];
            for (int i = 0; i < 2; i++)
                pthread_create(&th[i], NULL, worker_main, &w[i]);
            for (int i = 0; i < 2; i++)
                pthread_join(th[i], NULL);
            vo_vault_close(cv);
            _exit(w[0].failures + w[1].failures == 0 ? 0 : 1);
        }
    }
    worker w[6];
    pthread_t th[6];
    for (int i = 0; i < nthreads; i++) {
        w[i] = (worker){v, per, 0, 0, 0};
        pthread_create(&th[i], NULL, worker_main, &w[i]);
    }
    int conflicts = 0, failures = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(th[i], NULL);
        conflicts += w[i].conflicts;
        failures += w[i].failures;
    }
    for (int p = 0; p < nprocs; p++) {
        int status = 0;
        waitpid(pids[p], &status, 0);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d status %d", p,
                      status);
    }
    ck_assert_int_eq(failures, 0);
    /* Every increment landed exactly once: no lost update. */
    char want[32];
    snprintf(want, sizeof(want), "%d", per * (nthreads + 2 * nprocs));
    tv_expect(v, "shared", "counter", want);
    ck_assert_int_gt(conflicts, 0); /* the races were real and were detected */
    /* Audit rows from 3 processes and 10 threads form one intact chain. */
    int64_t rows = 0;
    ck_assert_vo_ok(vo_vault_audit_verify(&rows, NULL, NULL, v));
    ck_assert_int_gt(rows, per * (nthreads + 2 * nprocs) * 2);
    vo_vault_close(v);
    check_integrity(tv_path);
}
END_TEST

START_TEST(cas_conflict_between_two_handles)
{
    vo_vault *a = tv_open();
    vo_vault *b = tv_open();
    ck_assert_vo_ok(vo_vault_tenant_create(a, "t"));
    ck_assert_vo_ok(vo_vault_secret_put(NULL, a, "t", "s", "1", 1, 0));
    int64_t va = 0, vb = 0;
    vo_secret *s = NULL;
    ck_assert_vo_ok(vo_vault_secret_get(&s, &va, a, "t", "s", 0));
    vo_secret_free(s);
    ck_assert_vo_ok(vo_vault_secret_get(&s, &vb, b, "t", "s", 0));
    vo_secret_free(s);
    ck_assert_vo_ok(vo_vault_secret_put(NULL, a, "t", "s", "2", 1, va));
    ck_assert_vo_rc(vo_vault_secret_put(NULL, b, "t", "s", "3", 1, vb), VO_ECONFLICT);
    ck_assert_vo_rc(vo_vault_secret_put(NULL, b, "t", "s", "3", 1, 0), VO_ECONFLICT);
    /* A tenant DEK rotation by one handle is seen by the other (its cache is per DEK
     * generation). */
    tv_expect(b, "t", "s", "2");
    ck_assert_vo_ok(vo_vault_tenant_rotate_dek(a, "t"));
    tv_expect(b, "t", "s", "2");
    ck_assert_vo_ok(vo_vault_secret_put(NULL, b, "t", "s", "4", 1, va + 1));
    tv_expect(a, "t", "s", "4");
    /* A tenant deleted and recreated by one handle: the other never uses the old DEK. */
    ck_assert_vo_ok(vo_vault_tenant_delete(a, "t"));
    ck_assert_vo_ok(vo_vault_tenant_create(a, "t"));
    ck_assert_vo_ok(vo_vault_secret_put(NULL, a, "t", "s", "5", 1, 0));
    tv_expect(b, "t", "s", "5");
    vo_vault_close(a);
    vo_vault_close(b);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("vault_stress");
    TCase *c = tcase_create("crash");
    tcase_add_checked_fixture(c, tv_setup, tv_teardown);
    tcase_set_timeout(c, 600);
    tcase_add_test(c, crash_during_bulk_puts);
    tcase_add_test(c, crash_during_kek_rotation);
    suite_add_tcase(s, c);
    TCase *d = tcase_create("disk");
    tcase_add_checked_fixture(d, tv_setup, tv_teardown);
    tcase_set_timeout(d, 300);
    tcase_add_test(d, disk_full_is_a_clear_storage_error);
    suite_add_tcase(s, d);
    TCase *k = tcase_create("concurrency");
    tcase_add_checked_fixture(k, tv_setup, tv_teardown);
    tcase_set_timeout(k, 600);
    tcase_add_test(k, threads_and_processes_with_cas);
    tcase_add_test(k, cas_conflict_between_two_handles);
    suite_add_tcase(s, k);
    return s;
}

VO_TEST_MAIN(suite)
