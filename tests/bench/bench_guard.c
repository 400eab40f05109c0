/*
 * The webhook guard's cost per request: Twilio verification alone, against verification
 * with the guard (a first sighting is one durable insert in the vault's seen store; a
 * duplicate is one insert attempt and one read), beside a vault point write
 * (vo_vault_secret_put, one durable transaction) measured in the same run. Also a signed
 * audit checkpoint and its verification.
 *
 *   build/tests/bench/bench_guard [requests]     (default 2000)
 *
 * Prints a Markdown table (see docs/benchmarks.md). Uses a temp dir under $TMPDIR.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "voiceops.h"

#include "bench_util.h"

static const char TOKEN[] = "0123456789abcdef0123456789abcdef";
static const char URL[] = "https://voice.example.com/twilio/status?tenant=t-42";

/* One signed status callback per request: distinct CallSid, so each is a first sighting. */
typedef struct req {
    char body[640];
    char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    char idem[48];
    vo_param headers[3];
    vo_webhook_request r;
} req;

static void make_request(req *q, int i)
{
    char sid[40], seq[16];
    snprintf(sid, sizeof(sid), "CA%032x", (unsigned)i * 2654435761u);
    snprintf(seq, sizeof(seq), "%d", i % 7);
    vo_param p[] = {
        {"AccountSid", "AC0123456789abcdef0123456789abcdef"},
        {"ApiVersion", "2010-04-01"},
        {"CallDuration", "42"},
        {"CallSid", sid},
        {"CallStatus", "completed"},
        {"Called", "+14155550100"},
        {"Caller", "+14155550123"},
        {"Direction", "inbound"},
        {"Duration", "1"},
        {"From", "+14155550123"},
        {"SequenceNumber", seq},
        {"Timestamp", "Sun, 06 Dec 2026 07:00:00 +0000"},
        {"To", "+14155550100"},
    };
    size_t n = sizeof(p) / sizeof(p[0]), o = 0;
    for (size_t k = 0; k < n; k++)
        o += (size_t)snprintf(q->body + o, sizeof(q->body) - o, "%s%s=%s", k ? "&" : "",
                              p[k].name, p[k].value);
    /* the values above need no escaping apart from '+', ' ', ',' and ':' */
    char enc[sizeof(q->body) * 3];
    size_t e = 0;
    for (const char *c = q->body; *c; c++) {
        if (*c == '+' || *c == ',' || *c == ':')
            e += (size_t)snprintf(enc + e, sizeof(enc) - e, "%%%02X", (unsigned char)*c);
        else
            enc[e++] = *c == ' ' ? '+' : *c;
    }
    enc[e] = '\0';
    if (e >= sizeof(q->body))
        die("body too long", VO_ERANGE);
    memcpy(q->body, enc, e + 1);
    CHECK(vo_webhook_twilio_sign(q->sig, sizeof(q->sig), TOKEN, URL, p, n));
    snprintf(q->idem, sizeof(q->idem), "idem-%08x-%d", (unsigned)i * 2246822519u, i);
    q->headers[0] = (vo_param){"X-Twilio-Signature", q->sig};
    q->headers[1] = (vo_param){"Content-Type", "application/x-www-form-urlencoded"};
    q->headers[2] = (vo_param){"I-Twilio-Idempotency-Token", q->idem};
    vo_webhook_request r = VO_WEBHOOK_REQUEST_INIT;
    r.method = "POST";
    r.url = URL;
    r.headers = q->headers;
    r.header_count = 3;
    r.body = (const unsigned char *)q->body;
    r.body_len = strlen(q->body);
    q->r = r;
}

static char dir[256], path[300];

static void cleanup(void)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[600];
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
            unlink(p);
        }
    closedir(d);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    if (n < 10)
        n = 10;
    CHECK(vo_init());
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/vo-bench-guard-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof(path), "%s/vault.db", dir);
    vo_keyring *kr = NULL;
    unsigned char k[32];
    memset(k, 1, sizeof(k));
    CHECK(vo_keyring_new(&kr));
    CHECK(vo_keyring_add_key(kr, "k1", k, 32));
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    o.actor = "bench";
    vo_vault *v = NULL;
    CHECK(vo_vault_open(&v, path, &o));
    vo_keyring_free(kr);
    CHECK(vo_vault_tenant_create(v, "t-42"));

    enum {
        ROUNDS = 3
    };
    req *qs = calloc((size_t)n * ROUNDS, sizeof(req));
    for (int i = 0; i < n * ROUNDS; i++)
        make_request(&qs[i], i);
    const char *tokens[] = {TOKEN};
    int64_t clock = 1780000000;
    double best_verify = 1e9, best_first = 1e9, best_dup = 1e9, best_write = 1e9;
    for (int round = 0; round < ROUNDS; round++) {
        req *batch = qs + (size_t)round * n;
        double t0 = now();
        for (int i = 0; i < n; i++) {
            vo_verify_result r = VO_VERIFY_RESULT_INIT;
            CHECK(vo_webhook_twilio_verify_request(&r, NULL, tokens, 1, &batch[i].r));
        }
        double t1 = now();
        for (int i = 0; i < n; i++) {
            char value[64];
            snprintf(value, sizeof(value), "value-%d-%d", round, i);
            CHECK(vo_vault_secret_put(NULL, v, "t-42", "bench/point", value, strlen(value),
                                      VO_VAULT_ANY_VERSION));
        }
        double t2 = now();
        for (int i = 0; i < n; i++) {
            vo_verify_result r = VO_VERIFY_RESULT_INIT;
            CHECK(vo_webhook_guard_twilio(&r, v, "t-42", NULL, NULL, tokens, 1, &batch[i].r,
                                          clock));
        }
        double t3 = now();
        for (int i = 0; i < n; i++) {
            vo_verify_result r = VO_VERIFY_RESULT_INIT;
            int rc = vo_webhook_guard_twilio(&r, v, "t-42", NULL, NULL, tokens, 1, &batch[i].r,
                                             clock + 5);
            if (rc != VO_EDUPLICATE)
                die("duplicate expected", rc);
        }
        double t4 = now();
        clock += 10;
#define BEST(b, x) \
  if ((x) < (b))   \
  (b) = (x)
        BEST(best_verify, (t1 - t0) / n);
        BEST(best_write, (t2 - t1) / n);
        BEST(best_first, (t3 - t2) / n);
        BEST(best_dup, (t4 - t3) / n);
    }
    int64_t rows = 0;
    CHECK(vo_vault_seen_count(&rows, v));

    /* checkpoints over the audit log of this run */
    vo_keyring *signer = NULL;
    unsigned char sk[32];
    memset(sk, 9, sizeof(sk));
    CHECK(vo_keyring_new(&signer));
    CHECK(vo_keyring_add_key(signer, "cp-1", sk, 32));
    char pk[VO_VAULT_CHECKPOINT_PUBLIC_KEY_SIZE];
    CHECK(vo_keyring_public_key_get(pk, sizeof(pk), signer, "cp-1"));
    int64_t audit_rows = 0;
    double c0 = now();
    CHECK(vo_vault_audit_verify(&audit_rows, NULL, NULL, v));
    double c1 = now();
    char *cp = NULL;
    CHECK(vo_vault_audit_checkpoint(&cp, v, signer, "cp-1"));
    double c2 = now();
    CHECK(vo_vault_audit_verify_checkpoint(NULL, NULL, NULL, v, cp, pk));
    double c3 = now();
    vo_free(cp);
    vo_keyring_free(signer);

    double first_cost = best_first - best_verify, dup_cost = best_dup - best_verify;
    printf("| measurement | per request | vs vault point write |\n|---|---:|---:|\n");
    printf("| Twilio verification alone (13 params) | %.1f us | %.3f |\n", best_verify * 1e6,
           best_verify / best_write);
    printf("| vault point write (`vo_vault_secret_put`, baseline) | %.1f us | 1.00 |\n",
           best_write * 1e6);
    printf("| guard, first sighting (verify + durable insert) | %.1f us | %.2f |\n",
           best_first * 1e6, best_first / best_write);
    printf("| guard, duplicate (verify + insert attempt + read) | %.1f us | %.2f |\n",
           best_dup * 1e6, best_dup / best_write);
    printf("| cost of the guard, first sighting | %.1f us | %.2f |\n", first_cost * 1e6,
           first_cost / best_write);
    printf("| cost of the guard, duplicate | %.1f us | %.2f |\n", dup_cost * 1e6,
           dup_cost / best_write);
    printf("\nrequests per round: %d, best of %d rounds; seen-store rows at the end: %lld\n", n,
           ROUNDS, (long long)rows);
    printf("guard (first sighting) / vault point write = %.2f (target <= 2)\n",
           best_first / best_write);
    printf("audit chain of %lld rows: verify %.1f ms, checkpoint %.1f ms, verify against the "
           "checkpoint %.1f ms\n",
           (long long)audit_rows, (c1 - c0) * 1e3, (c2 - c1) * 1e3, (c3 - c2) * 1e3);
    vo_vault_close(v);
    free(qs);
    cleanup();
    vo_shutdown();
    return 0;
}
