/*
 * Vault benchmark: 10,000 tenants, 100,000 secrets. Reads per second (warm and cold DEK
 * cache), writes per second, KEK rotation time, beside the raw cost of one
 * XChaCha20-Poly1305 decrypt and one SQLite point lookup measured in the same run.
 *
 *   bench_vault [tenants] [secrets_per_tenant] [rounds]     (defaults 10000 10 3)
 *
 * Prints a Markdown table (see docs/benchmarks.md). Uses a temp dir under $TMPDIR. The
 * baselines and the warm reads are measured in `rounds` interleaved rounds; each line
 * gives the best round, and the ratios also their median over the rounds.
 *
 * For a profiler, the warm read loop alone (after the import): `bench_vault T S
 * profile-buffered|profile-off [reads]` (or the baseline alone: profile-baseline), e.g.
 *   valgrind --tool=callgrind --toggle-collect=profile_reads \
 *       build/tests/bench/bench_vault 1000 10 profile-buffered 20000
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "voiceops.h"

#include "bench_util.h"

static unsigned long long rng = 88172645463325252ull;
static unsigned long long next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static vo_vault *open_vault(const char *path, const char *active, int cache, int audit_reads)
{
    vo_keyring *kr = NULL;
    CHECK(vo_keyring_new(&kr));
    unsigned char k1[32], k2[32];
    memset(k1, 1, 32);
    memset(k2, 2, 32);
    CHECK(vo_keyring_add_key(kr, "k1", k1, 32));
    CHECK(vo_keyring_add_key(kr, "k2", k2, 32));
    CHECK(vo_keyring_set_active(kr, active));
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    o.actor = "bench";
    o.dek_cache_size = cache > 0 ? cache : -1; /* cache 0 here: no DEK cache */
    o.audit_reads = audit_reads;
    vo_vault *v = NULL;
    CHECK(vo_vault_open(&v, path, &o));
    vo_keyring_free(kr);
    return v;
}

static void value_for(char *out, size_t size, int t, int s)
{
    snprintf(out, size, "tok-%06d-%03d-0123456789abcdef01234567", t, s);
}

/* ns per read over n random (tenant, secret) pairs. */
static double read_loop(vo_vault *v, int tenants, int per, int n, int use_secret)
{
    unsigned char buf[256];
    double t0 = now();
    for (int i = 0; i < n; i++) {
        int t = (int)(next_rand() % (unsigned)tenants), s = (int)(next_rand() % (unsigned)per);
        char tn[32], sn[32];
        snprintf(tn, sizeof(tn), "tenant%05d", t);
        snprintf(sn, sizeof(sn), "svc/secret%02d", s);
        if (use_secret) {
            vo_secret *sec = NULL;
            CHECK(vo_vault_secret_get(&sec, NULL, v, tn, sn, 0));
            vo_secret_free(sec);
        } else {
            size_t len;
            CHECK(vo_vault_secret_get_into(buf, sizeof(buf), &len, NULL, v, tn, sn, 0));
        }
    }
    return (now() - t0) / n * 1e9;
}

/* The warm read loop alone, for callgrind (--toggle-collect=profile_reads): no timing. */
__attribute__((noinline)) static void profile_reads(vo_vault *v, int tenants, int per, int n)
{
    read_loop(v, tenants, per, n, 0);
}

/* The baseline alone, for callgrind (--toggle-collect=profile_baseline): n point lookups
 * and n decrypts, as the timed baseline does them. */
__attribute__((noinline)) static void profile_baseline(const char *path, int tenants, int per,
                                                       int n)
{
    unsigned char key[32], nonce[24], msg[64], ct[128], pt[128], ad[160];
    randombytes_buf(key, sizeof(key));
    randombytes_buf(nonce, sizeof(nonce));
    value_for((char *)msg, sizeof(msg), 1, 1);
    memset(ad, 7, sizeof(ad));
    unsigned long long clen, plen;
    crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &clen, msg, strlen((char *)msg), ad, 120,
                                               NULL, nonce, key);
    sqlite3 *db = NULL;
    sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db,
                       "SELECT ct FROM secrets WHERE tid = ?1 AND name = ?2"
                       " ORDER BY version DESC LIMIT 1",
                       -1, &st, NULL);
    for (int i = 0; i < n; i++) {
        char sn[32];
        snprintf(sn, sizeof(sn), "svc/secret%02d", (int)(next_rand() % (unsigned)per));
        sqlite3_bind_int64(st, 1, (sqlite3_int64)(1 + next_rand() % (unsigned)tenants));
        sqlite3_bind_text(st, 2, sn, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_ROW)
            exit(1);
        sqlite3_reset(st);
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, &plen, NULL, ct, clen, ad, 120,
                                                       nonce, key) != 0)
            exit(1);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *xs, int n)
{
    qsort(xs, (size_t)n, sizeof(*xs), cmp_double);
    return n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

static int rotation_progress(int64_t done, int64_t total, void *payload)
{
    (void)done;
    (void)total;
    ++*(int *)payload;
    return 0;
}

/* Remove the temp dir and its files. */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char p[600];
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    int tenants = argc > 1 ? atoi(argv[1]) : 10000;
    int per = argc > 2 ? atoi(argv[2]) : 10;
    const char *profile = argc > 3 && strncmp(argv[3], "profile-", 8) == 0 ? argv[3] + 8 : NULL;
    int rounds = argc > 3 && !profile ? atoi(argv[3]) : 3;
    if (tenants < 1 || per < 1 || per > 99 || tenants > 99999 || rounds < 1 || rounds > 99 ||
        (profile && strcmp(profile, "buffered") && strcmp(profile, "off") &&
         strcmp(profile, "baseline"))) {
        fprintf(stderr,
                "usage: bench_vault [tenants<=99999] [secrets_per_tenant<=99] "
                "[rounds<=99 | profile-buffered|profile-off|profile-baseline [reads]]\n");
        return 2;
    }
    if (vo_init() != VO_OK)
        return 1;
    const char *tmp = getenv("TMPDIR");
    char dir[256], path[300];
    snprintf(dir, sizeof(dir), "%s/vo-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof(path), "%s/vault.db", dir);

    /* ---- populate through the plaintext import (one transaction) ---- */
    size_t cap = (size_t)tenants * (size_t)per * 96 + 64, off = 0;
    char *csv = malloc(cap);
    off += (size_t)snprintf(csv, cap, "tenant,name,value\n");
    for (int t = 0; t < tenants; t++)
        for (int s = 0; s < per; s++) {
            char val[96];
            value_for(val, sizeof(val), t, s);
            off += (size_t)snprintf(csv + off, cap - off, "tenant%05d,svc/secret%02d,%s\n", t,
                                    s, val);
        }
    vo_vault *v = open_vault(path, "k1", 1024, VO_VAULT_AUDIT_READS_BUFFERED);
    double t0 = now();
    vo_import_report *rep = NULL;
    CHECK(vo_vault_import_buffer(&rep, v, csv, off, VO_IMPORT_CSV, VO_IMPORT_CREATE_TENANTS));
    double import_s = now() - t0;
    long long imported = (long long)vo_import_report_imported(rep);
    vo_import_report_free(rep);
    sodium_memzero(csv, off);
    free(csv);
    vo_vault_close(v);

    if (profile && strcmp(profile, "baseline") == 0) {
        profile_baseline(path, tenants, per, argc > 4 ? atoi(argv[4]) : 20000);
        remove_dir(dir);
        vo_shutdown();
        return 0;
    }
    if (profile) {
        v = open_vault(path, "k1", tenants + 16,
                       strcmp(profile, "off") ? VO_VAULT_AUDIT_READS_BUFFERED
                                              : VO_VAULT_AUDIT_READS_OFF);
        read_loop(v, tenants, per, tenants * 2, 0); /* warm the DEK cache */
        profile_reads(v, tenants, per, argc > 4 ? atoi(argv[4]) : 20000);
        vo_vault_close(v);
        remove_dir(dir);
        vo_shutdown();
        return 0;
    }

    /* ---- baselines: one AEAD decrypt, one SQLite point lookup ---- */
    unsigned char key[32], nonce[24], msg[64], ct[128], pt[128];
    randombytes_buf(key, sizeof(key));
    randombytes_buf(nonce, sizeof(nonce));
    value_for((char *)msg, sizeof(msg), 1, 1);
    size_t mlen = strlen((char *)msg);
    unsigned char ad[160];
    memset(ad, 7, sizeof(ad));
    unsigned long long clen, plen;
    crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &clen, msg, mlen, ad, 120, NULL, nonce, key);
    double decrypt_ns = 1e30, lookup_ns = 1e30, warm_ns = 1e30, warm_noaudit_ns = 1e30;
    double r_warm[99], r_noaudit[99];
    for (int round = 0; round < rounds; round++) {
        int nd = 300000;
        t0 = now();
        for (int i = 0; i < nd; i++)
            if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, &plen, NULL, ct, clen, ad, 120,
                                                           nonce, key) != 0)
                return 1;
        double d_ns = (now() - t0) / nd * 1e9;

        sqlite3 *db = NULL;
        sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
        sqlite3_stmt *st = NULL;
        sqlite3_prepare_v2(db,
                           "SELECT ct FROM secrets WHERE tid = ?1 AND name = ?2"
                           " ORDER BY version DESC LIMIT 1",
                           -1, &st, NULL);
        int nl = 200000;
        long long bytes = 0;
        t0 = now();
        for (int i = 0; i < nl; i++) {
            char sn[32];
            snprintf(sn, sizeof(sn), "svc/secret%02d", (int)(next_rand() % (unsigned)per));
            sqlite3_bind_int64(st, 1, (sqlite3_int64)(1 + next_rand() % (unsigned)tenants));
            sqlite3_bind_text(st, 2, sn, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(st) == SQLITE_ROW)
                bytes += sqlite3_column_bytes(st, 0);
            sqlite3_reset(st);
        }
        double l_ns = (now() - t0) / nl * 1e9;
        sqlite3_finalize(st);
        sqlite3_close(db);
        if (bytes == 0)
            return 1;

        int nr = 100000;
        v = open_vault(path, "k1", tenants + 16, VO_VAULT_AUDIT_READS_BUFFERED);
        read_loop(v, tenants, per, tenants * 2, 0); /* warm the DEK cache */
        double w_ns = read_loop(v, tenants, per, nr, 0);
        vo_vault_close(v);
        v = open_vault(path, "k1", tenants + 16, VO_VAULT_AUDIT_READS_OFF);
        read_loop(v, tenants, per, tenants * 2, 0);
        double o_ns = read_loop(v, tenants, per, nr, 0);
        vo_vault_close(v);
        r_warm[round] = w_ns / (l_ns + d_ns);
        r_noaudit[round] = o_ns / (l_ns + d_ns);
        decrypt_ns = d_ns < decrypt_ns ? d_ns : decrypt_ns;
        lookup_ns = l_ns < lookup_ns ? l_ns : lookup_ns;
        warm_ns = w_ns < warm_ns ? w_ns : warm_ns;
        warm_noaudit_ns = o_ns < warm_noaudit_ns ? o_ns : warm_noaudit_ns;
    }
    double med_warm = median(r_warm, rounds), med_noaudit = median(r_noaudit, rounds);

    /* ---- other reads ---- */
    int nr = 200000;
    v = open_vault(path, "k1", tenants + 16, VO_VAULT_AUDIT_READS_BUFFERED);
    read_loop(v, tenants, per, tenants * 2, 0); /* warm the DEK cache */
    double warm_secret_ns = read_loop(v, tenants, per, nr / 4, 1);
    vo_vault_close(v);
    v = open_vault(path, "k1", 0, VO_VAULT_AUDIT_READS_BUFFERED);
    double cold_ns = read_loop(v, tenants, per, nr, 0);
    vo_vault_close(v);
    v = open_vault(path, "k1", tenants + 16, VO_VAULT_AUDIT_READS_SYNC);
    double sync_ns = read_loop(v, tenants, per, 2000, 0);
    vo_vault_close(v);

    /* ---- writes (each its own durable transaction) ---- */
    v = open_vault(path, "k1", tenants + 16, VO_VAULT_AUDIT_READS_BUFFERED);
    int nw = 3000;
    t0 = now();
    for (int i = 0; i < nw; i++) {
        char tn[32], val[96];
        int t = (int)(next_rand() % (unsigned)tenants);
        snprintf(tn, sizeof(tn), "tenant%05d", t);
        value_for(val, sizeof(val), t, i);
        CHECK(vo_vault_secret_put(NULL, v, tn, "svc/written", val, strlen(val),
                                  VO_VAULT_ANY_VERSION));
    }
    double write_us = (now() - t0) / nw * 1e6;
    /* tenant DEK rotation of one tenant (its secrets re-encrypted in one transaction) */
    t0 = now();
    int ndek = 200;
    for (int i = 0; i < ndek; i++) {
        char tn[32];
        snprintf(tn, sizeof(tn), "tenant%05d", i);
        CHECK(vo_vault_tenant_rotate_dek(v, tn));
    }
    double dek_rot_ms = (now() - t0) / ndek * 1e3;
    vo_vault_close(v);

    /* ---- KEK rotation of every tenant ---- */
    v = open_vault(path, "k2", 1024, VO_VAULT_AUDIT_READS_BUFFERED);
    int calls = 0;
    int64_t remaining = -1;
    t0 = now();
    CHECK(vo_vault_kek_rotate(&remaining, v, NULL, rotation_progress, &calls));
    double rot_s = now() - t0;
    int64_t rows = 0;
    t0 = now();
    CHECK(vo_vault_audit_verify(&rows, NULL, NULL, v));
    double verify_s = now() - t0;
    vo_vault_close(v);

    double base = lookup_ns + decrypt_ns;
    printf("| measure | value | ratio |\n|---|---|---|\n");
    printf("| tenants / secrets | %d / %lld | |\n", tenants, imported);
    printf("| plaintext import (one transaction) | %.2f s (%.0f secrets/s) | |\n", import_s,
           imported / import_s);
    printf("| baseline: XChaCha20-Poly1305 decrypt (40 B) | %.0f ns | |\n", decrypt_ns);
    printf("| baseline: SQLite point lookup | %.0f ns | |\n", lookup_ns);
    printf("| baseline: lookup + decrypt | %.0f ns | 1.00x |\n", base);
    printf("| read, warm DEK cache (`get_into`, audit buffered) | %.0f ns (%.0f/s) | %.2fx "
           "(median of %d rounds %.2fx) |\n",
           warm_ns, 1e9 / warm_ns, warm_ns / base, rounds, med_warm);
    printf("| read, warm DEK cache, reads not audited | %.0f ns (%.0f/s) | %.2fx (median of %d "
           "rounds %.2fx) |\n",
           warm_noaudit_ns, 1e9 / warm_noaudit_ns, warm_noaudit_ns / base, rounds, med_noaudit);
    printf(
        "| read, warm, into a new `vo_secret` (pooled guarded block) | %.0f ns (%.0f/s) | %.2fx |\n",
        warm_secret_ns, 1e9 / warm_secret_ns, warm_secret_ns / base);
    printf("| read, cold (no DEK cache: unwrap per read) | %.0f ns (%.0f/s) | %.2fx |\n",
           cold_ns, 1e9 / cold_ns, cold_ns / base);
    printf("| read, audit synchronous (fsync per read) | %.1f us (%.0f/s) | %.1fx |\n",
           sync_ns / 1e3, 1e9 / sync_ns, sync_ns / base);
    printf("| write (one durable transaction each) | %.1f us (%.0f/s) | |\n", write_us,
           1e6 / write_us);
    printf("| tenant DEK rotation (%d secrets) | %.2f ms | |\n", per, dek_rot_ms);
    printf(
        "| KEK rotation, %d tenants (batches of 256, %d callbacks) | %.3f s | target < 2 s |\n",
        tenants, calls, rot_s);
    printf("| audit chain verification (%lld rows) | %.3f s | |\n", (long long)rows, verify_s);
    printf("\nwarm read / (lookup + decrypt) = %.2f (target <= 1.5), not audited %.2f (target "
           "<= 1.1)\n",
           warm_ns / base, warm_noaudit_ns / base);

    remove_dir(dir);
    vo_shutdown();
    return 0;
}
