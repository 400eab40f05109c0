/* The webhook guard (seen-request store in the vault) and signed audit checkpoints, on real
 * SQLite files, with real processes for the races. */
#include <signal.h>
#include <sys/wait.h>

#include "vault_testutil.h"

#define TENANT "acme"
#define TOKEN "twilio-auth-token-0123456789abcd"
#define URL "https://hooks.example.com/twilio/status"
#define NOW 1780000000 /* a fixed clock (seconds) */

/* ---- requests ------------------------------------------------------------------------ */

typedef struct twreq {
    char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    char body[256];
    vo_param headers[3];
    size_t header_count;
    vo_webhook_request req;
} twreq;

/* A Twilio status callback signed with TOKEN; idem = the idempotency token header or NULL. */
static void twilio_request(twreq *t, const char *call_sid, const char *idem)
{
    vo_param params[] = {{"CallSid", call_sid}, {"CallStatus", "completed"}};
    snprintf(t->body, sizeof(t->body), "CallSid=%s&CallStatus=completed", call_sid);
    ck_assert_vo_ok(vo_webhook_twilio_sign(t->sig, sizeof(t->sig), TOKEN, URL, params, 2));
    t->header_count = 0;
    t->headers[t->header_count++] = (vo_param){"X-Twilio-Signature", t->sig};
    t->headers[t->header_count++] =
        (vo_param){"Content-Type", "application/x-www-form-urlencoded"};
    if (idem)
        t->headers[t->header_count++] = (vo_param){"I-Twilio-Idempotency-Token", idem};
    vo_webhook_request r = VO_WEBHOOK_REQUEST_INIT;
    r.method = "POST";
    r.url = URL;
    r.headers = t->headers;
    r.header_count = t->header_count;
    r.body = (const unsigned char *)t->body;
    r.body_len = strlen(t->body);
    t->req = r;
}

static int guard_twilio(vo_verify_result *r, vo_vault *v, const twreq *t, int64_t now)
{
    const char *tokens[] = {TOKEN};
    *r = (vo_verify_result)VO_VERIFY_RESULT_INIT;
    return vo_webhook_guard_twilio(r, v, TENANT, NULL, NULL, tokens, 1, &t->req, now);
}

static int64_t seen_rows(vo_vault *v)
{
    int64_t n = -1;
    ck_assert_vo_ok(vo_vault_seen_count(&n, v));
    return n;
}

/* ---- Twilio ----------------------------------------------------------------------------- */

START_TEST(twilio_twice_is_duplicate)
{
    vo_vault *v = tv_open();
    twreq t;
    twilio_request(&t, "CA0123456789abcdef0123456789abcdef", "idem-7f3a9c2e");
    vo_verify_result r;
    ck_assert_vo_ok(guard_twilio(&r, v, &t, NOW));
    ck_assert_int_eq(r.reason, VO_VERIFY_OK);
    ck_assert_int_eq(r.seen, VO_VERIFY_SEEN_FIRST);
    ck_assert_int_eq(r.seen_at_ms, (int64_t)NOW * 1000);
    ck_assert_int_eq(r.key_index, 0);
    ck_assert_int_eq(vo_verify_http_status(VO_OK, &r), 200);
    /* the provider's retry a few seconds later, with the same idempotency token */
    int rc = guard_twilio(&r, v, &t, NOW + 7);
    ck_assert_vo_rc(rc, VO_EDUPLICATE);
    ck_assert_int_eq(r.reason, VO_VERIFY_DUPLICATE);
    ck_assert_int_eq(r.seen, VO_VERIFY_SEEN_DUPLICATE);
    ck_assert_int_eq(r.seen_at_ms, (int64_t)NOW * 1000); /* "a duplicate of one seen at T" */
    ck_assert_int_eq(vo_verify_http_status(rc, &r), 200);
    ck_assert_int_eq(seen_rows(v), 1);
    /* another call is another entry */
    twreq u;
    twilio_request(&u, "CA99999999999999999999999999999999", "idem-00000001");
    ck_assert_vo_ok(guard_twilio(&r, v, &u, NOW + 8));
    ck_assert_int_eq(seen_rows(v), 2);
    /* a version-1 result still works and gets no version-2 field */
    vo_verify_result r1;
    memset(&r1, 0x5A, sizeof(r1));
    r1.version = 1;
    const char *tokens[] = {TOKEN};
    ck_assert_vo_rc(
        vo_webhook_guard_twilio(&r1, v, TENANT, NULL, NULL, tokens, 1, &t.req, NOW + 9),
        VO_EDUPLICATE);
    ck_assert_int_eq(r1.reason, VO_VERIFY_DUPLICATE);
    ck_assert_int_eq(r1.seen, 0x5A5A5A5A);
    vo_vault_close(v);
    /* nothing readable in the file: neither the body, the call sid, nor the token */
    ck_assert(!tv_file_contains(tv_path, "CA0123456789abcdef", 18));
    ck_assert(!tv_file_contains(tv_path, "idem-7f3a9c2e", 13));
    ck_assert(!tv_file_contains(tv_path, t.sig, strlen(t.sig)));
    char wal[320];
    snprintf(wal, sizeof(wal), "%s-wal", tv_path);
    ck_assert(!tv_file_contains(wal, "CA0123456789abcdef", 18));
    ck_assert(!tv_file_contains(wal, "idem-7f3a9c2e", 13));
}
END_TEST

START_TEST(twilio_replay_within_window_refused)
{
    vo_vault *v = tv_open();
    twreq t;
    twilio_request(&t, "CA11111111111111111111111111111111", "idem-first");
    vo_verify_result r;
    ck_assert_vo_ok(guard_twilio(&r, v, &t, NOW));
    /* the same signed request an hour later: no retry takes an hour */
    int rc = guard_twilio(&r, v, &t, NOW + 3600);
    ck_assert_vo_rc(rc, VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_REPLAY);
    ck_assert_int_eq(r.seen, VO_VERIFY_SEEN_REPLAY);
    ck_assert_int_eq(r.seen_at_ms, (int64_t)NOW * 1000);
    ck_assert_int_eq(vo_verify_http_status(rc, &r), 403);
    /* the idempotency token is not signed: a fresh token does not make it new */
    twreq forged;
    twilio_request(&forged, "CA11111111111111111111111111111111", "idem-made-up-by-attacker");
    ck_assert_vo_rc(guard_twilio(&r, v, &forged, NOW + 10), VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_REPLAY);
    /* nor does dropping it */
    twreq bare;
    twilio_request(&bare, "CA11111111111111111111111111111111", NULL);
    ck_assert_vo_rc(guard_twilio(&r, v, &bare, NOW + 10), VO_EAUTH);
    /* a request that fails verification is refused as before and never recorded */
    int64_t before = seen_rows(v);
    twreq bad;
    twilio_request(&bad, "CA22222222222222222222222222222222", "idem-x");
    bad.sig[3] ^= 1;
    ck_assert_vo_rc(guard_twilio(&r, v, &bad, NOW + 11), VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_MISMATCH);
    ck_assert_int_eq(r.seen, VO_VERIFY_SEEN_NOT_CHECKED);
    ck_assert_int_eq(seen_rows(v), before);
    /* what it does not do: after the retention (24 h) the store has forgotten it */
    ck_assert_vo_ok(guard_twilio(&r, v, &t, NOW + 86400 + 1));
    ck_assert_int_eq(r.seen, VO_VERIFY_SEEN_FIRST);
    /* a retention of the caller's choice */
    vo_webhook_guard_options g = VO_WEBHOOK_GUARD_OPTIONS_INIT;
    g.retention_seconds = 7 * 86400;
    const char *tokens[] = {TOKEN};
    twreq w;
    twilio_request(&w, "CA33333333333333333333333333333333", "idem-w");
    ck_assert_vo_ok(vo_webhook_guard_twilio(&r, v, TENANT, &g, NULL, tokens, 1, &w.req, NOW));
    ck_assert_vo_rc(
        vo_webhook_guard_twilio(&r, v, TENANT, &g, NULL, tokens, 1, &w.req, NOW + 3 * 86400),
        VO_EAUTH);
    g.retention_seconds = -1;
    ck_assert_vo_rc(vo_webhook_guard_twilio(&r, v, TENANT, &g, NULL, tokens, 1, &w.req, NOW),
                    VO_EINVAL);
    ck_assert_int_eq(r.reason, VO_VERIFY_INVALID_ARGUMENT);
    ck_assert_int_eq(vo_verify_http_status(VO_EINVAL, &r), 500);
    /* per tenant: the same request for another tenant is another entry */
    ck_assert_vo_ok(
        vo_webhook_guard_twilio(&r, v, "other", NULL, NULL, tokens, 1, &w.req, NOW));
    vo_vault_close(v);
}
END_TEST

/* Several processes receive the same delivery at once (replicas behind a balancer): each
 * opens the vault itself; exactly one is told "first seen". */
START_TEST(twilio_race_between_processes)
{
    vo_vault *v0 = tv_open(); /* create the file and its schema */
    vo_vault_close(v0);
    enum {
        PROCS = 6,
        ROUNDS = 4
    };
    for (int round = 0; round < ROUNDS; round++) {
        char sid[40];
        snprintf(sid, sizeof(sid), "CA%032d", round + 1);
        int go[2];
        ck_assert_int_eq(pipe(go), 0);
        pid_t pids[PROCS];
        for (int p = 0; p < PROCS; p++) {
            pids[p] = fork();
            ck_assert_int_ge(pids[p], 0);
            if (pids[p] == 0) {
                close(go[1]);
                vo_vault *v = tv_open();
                twreq t;
                twilio_request(&t, sid, "idem-race");
                char c;
                if (read(go[0], &c, 1) != 0) /* wait until the parent closes the pipe */
                    _exit(90);
                vo_verify_result r;
                int rc = guard_twilio(&r, v, &t, NOW + round);
                vo_vault_close(v);
                _exit(rc == VO_OK && r.seen == VO_VERIFY_SEEN_FIRST ? 0
                      : rc == VO_EDUPLICATE && r.seen == VO_VERIFY_SEEN_DUPLICATE
                          ? 1
                          : 80 + (-rc % 10));
            }
        }
        close(go[0]);
        usleep(100 * 1000); /* let every child open its vault and block on the pipe */
        close(go[1]);       /* go */
        int first = 0, dup = 0;
        for (int p = 0; p < PROCS; p++) {
            int status = 0;
            waitpid(pids[p], &status, 0);
            ck_assert(WIFEXITED(status));
            int code = WEXITSTATUS(status);
            ck_assert_msg(code == 0 || code == 1, "child exited with %d", code);
            first += code == 0;
            dup += code == 1;
        }
        ck_assert_int_eq(first, 1);
        ck_assert_int_eq(dup, PROCS - 1);
    }
    vo_vault *v = tv_open();
    ck_assert_int_eq(seen_rows(v), ROUNDS);
    vo_vault_close(v);
}
END_TEST

/* ---- timestamped schemes ---------------------------------------------------------------- */

typedef struct stdreq {
    char sig[VO_WEBHOOK_STD_SIGNATURE_SIZE];
    char ts[24];
    vo_param headers[3];
    vo_webhook_request req;
} stdreq;

static void std_request(stdreq *s, const char *secret, const char *id, int64_t ts,
                        const char *body)
{
    snprintf(s->ts, sizeof(s->ts), "%lld", (long long)ts);
    ck_assert_vo_ok(vo_webhook_std_sign(s->sig, sizeof(s->sig), secret, id, ts,
                                        (const unsigned char *)body, strlen(body)));
    s->headers[0] = (vo_param){"webhook-id", id};
    s->headers[1] = (vo_param){"webhook-timestamp", s->ts};
    s->headers[2] = (vo_param){"webhook-signature", s->sig};
    vo_webhook_request r = VO_WEBHOOK_REQUEST_INIT;
    r.method = "POST";
    r.url = "https://hooks.example.com/std";
    r.headers = s->headers;
    r.header_count = 3;
    r.body = (const unsigned char *)body;
    r.body_len = strlen(body);
    s->req = r;
}

START_TEST(std_retry_replay_and_expiry)
{
    vo_vault *v = tv_open();
    char secret[64];
    ck_assert_vo_ok(vo_webhook_std_secret_new(secret, sizeof(secret)));
    const char *secrets[] = {secret};
    const char *body = "{\"type\":\"call.ended\",\"id\":\"evt_1\"}";
    stdreq a;
    std_request(&a, secret, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", NOW, body);
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_ok(vo_webhook_guard_std(&r, v, TENANT, NULL, secrets, 1, &a.req, NOW));
    ck_assert_int_eq(r.seen, VO_VERIFY_SEEN_FIRST);
    ck_assert_int_eq(r.timestamp, NOW);
    /* the same delivery again, inside the tolerance: a replay the timestamp cannot catch */
    int rc = vo_webhook_guard_std(&r, v, TENANT, NULL, secrets, 1, &a.req, NOW + 20);
    ck_assert_vo_rc(rc, VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_REPLAY);
    ck_assert_int_eq(vo_verify_http_status(rc, &r), 403);
    /* the sender's retry: same id, signed anew with a later timestamp */
    stdreq b;
    std_request(&b, secret, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", NOW + 60, body);
    rc = vo_webhook_guard_std(&r, v, TENANT, NULL, secrets, 1, &b.req, NOW + 60);
    ck_assert_vo_rc(rc, VO_EDUPLICATE);
    ck_assert_int_eq(r.seen, VO_VERIFY_SEEN_DUPLICATE);
    ck_assert_int_eq(r.seen_at_ms, (int64_t)NOW * 1000);
    ck_assert_int_eq(vo_verify_http_status(rc, &r), 200);
    /* after the tolerance the replay is refused by its timestamp, before the store */
    rc = vo_webhook_guard_std(&r, v, TENANT, NULL, secrets, 1, &a.req,
                              NOW + VO_WEBHOOK_STD_TOLERANCE + 1);
    ck_assert_vo_rc(rc, VO_EEXPIRED);
    ck_assert_int_eq(r.reason, VO_VERIFY_TIMESTAMP_TOO_OLD);
    ck_assert_int_eq(r.seen, VO_VERIFY_SEEN_NOT_CHECKED);
    ck_assert_int_eq(seen_rows(v), 1);
    /* so the entry is only kept that long: pruned once the timestamp has left the window */
    int64_t removed = -1;
    ck_assert_vo_ok(vo_vault_seen_prune(&removed, v, (int64_t)(NOW + 100) * 1000, 0));
    ck_assert_int_eq(removed, 0); /* still inside: kept */
    ck_assert_vo_ok(vo_vault_seen_prune(
        &removed, v, (int64_t)(NOW + VO_WEBHOOK_STD_TOLERANCE + 1) * 1000, 0));
    ck_assert_int_eq(removed, 1);
    ck_assert_int_eq(seen_rows(v), 0);
    vo_vault_close(v);
}
END_TEST

START_TEST(vapi_hmac_replay_and_secret_duplicate)
{
    vo_vault *v = tv_open();
    const char *secret = "vapi-hmac-secret-for-tests";
    vo_webhook_vapi_options o = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    o.type = VO_WEBHOOK_VAPI_HMAC;
    const char *body = "{\"message\":{\"type\":\"end-of-call-report\"}}";
    char ts[24], sig[256];
    snprintf(ts, sizeof(ts), "%d", NOW);
    ck_assert_vo_ok(vo_webhook_vapi_sign(sig, sizeof(sig), &o, secret, "POST", "https://h/v",
                                         ts, NULL, (const unsigned char *)body, strlen(body)));
    vo_param h[] = {{"x-signature", sig}, {"x-timestamp", ts}};
    vo_webhook_request q = VO_WEBHOOK_REQUEST_INIT;
    q.method = "POST";
    q.url = "https://h/v";
    q.headers = h;
    q.header_count = 2;
    q.body = (const unsigned char *)body;
    q.body_len = strlen(body);
    const char *secrets[] = {secret};
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_ok(vo_webhook_guard_vapi(&r, v, TENANT, NULL, &o, secrets, 1, &q, NOW));
    ck_assert_int_eq(r.seen, VO_VERIFY_SEEN_FIRST);
    ck_assert_vo_rc(vo_webhook_guard_vapi(&r, v, TENANT, NULL, &o, secrets, 1, &q, NOW + 5),
                    VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_REPLAY);
    ck_assert_vo_rc(vo_webhook_guard_vapi(&r, v, TENANT, NULL, &o, secrets, 1, &q, NOW + 400),
                    VO_EEXPIRED);
    /* a shared secret signs nothing: a repeat can only be called a duplicate */
    vo_param hs[] = {{"x-vapi-secret", secret}};
    q.headers = hs;
    q.header_count = 1;
    ck_assert_vo_ok(vo_webhook_guard_vapi(&r, v, TENANT, NULL, NULL, secrets, 1, &q, NOW));
    ck_assert_vo_rc(vo_webhook_guard_vapi(&r, v, TENANT, NULL, NULL, secrets, 1, &q, NOW + 1),
                    VO_EDUPLICATE);
    vo_vault_close(v);
}
END_TEST

START_TEST(seen_put_contract)
{
    vo_vault *v = tv_open();
    int64_t at = -1;
    int same = -1;
    const int64_t now = (int64_t)NOW * 1000;
    ck_assert_vo_ok(
        vo_vault_seen_put(&at, &same, v, TENANT, "custom", "id-1", 4, "m", 1, now, now + 1000));
    ck_assert_int_eq(at, now);
    ck_assert_int_eq(same, 0);
    ck_assert_vo_rc(vo_vault_seen_put(&at, &same, v, TENANT, "custom", "id-1", 4, "m", 1,
                                      now + 10, now + 5000),
                    VO_EEXISTS);
    ck_assert_int_eq(at, now);
    ck_assert_int_eq(same, 1);
    ck_assert_vo_rc(vo_vault_seen_put(&at, &same, v, TENANT, "custom", "id-1", 4, "n", 1,
                                      now + 10, now + 5000),
                    VO_EEXISTS);
    ck_assert_int_eq(same, 0);
    /* scopes and tenants never collide */
    ck_assert_vo_ok(
        vo_vault_seen_put(NULL, NULL, v, TENANT, "other", "id-1", 4, NULL, 0, now, now + 1000));
    ck_assert_vo_ok(
        vo_vault_seen_put(NULL, NULL, v, "t2", "custom", "id-1", 4, NULL, 0, now, now + 1000));
    /* an expired entry counts as absent and is replaced */
    ck_assert_vo_ok(vo_vault_seen_put(&at, NULL, v, TENANT, "custom", "id-1", 4, "m", 1,
                                      now + 1000, now + 2000));
    ck_assert_int_eq(at, now + 1000);
    /* bad arguments */
    ck_assert_vo_rc(
        vo_vault_seen_put(NULL, NULL, v, TENANT, "Bad Scope", "x", 1, NULL, 0, now, now + 1),
        VO_EINVAL);
    ck_assert_vo_rc(
        vo_vault_seen_put(NULL, NULL, v, "bad tenant!", "s", "x", 1, NULL, 0, now, now + 1),
        VO_EINVAL);
    ck_assert_vo_rc(vo_vault_seen_put(NULL, NULL, v, TENANT, "s", "x", 1, NULL, 0, now, now),
                    VO_EINVAL);
    ck_assert_vo_rc(
        vo_vault_seen_put(NULL, NULL, v, TENANT, "s", "x", 0, NULL, 0, now, now + 1),
        VO_EINVAL);
    ck_assert_vo_rc(vo_vault_seen_prune(NULL, v, 0, 10), VO_EINVAL);
    vo_vault_close(v);
}
END_TEST

/* Requests arrive every simulated second for ten minutes; each is kept 30 s. The store stays
 * bounded by the automatic pruning alone, and nothing inside the window is ever dropped. */
START_TEST(prune_under_load_bounded_and_safe)
{
    vo_vault *v = tv_open();
    enum {
        SECONDS = 200,
        PER_SECOND = 8,
        KEEP = 30
    };
    const int64_t base = (int64_t)NOW * 1000;
    int64_t max_rows = 0;
    for (int t = 0; t < SECONDS; t++) {
        int64_t now = base + (int64_t)t * 1000;
        for (int i = 0; i < PER_SECOND; i++) {
            char id[32];
            snprintf(id, sizeof(id), "%d/%d", t, i);
            ck_assert_vo_ok(vo_vault_seen_put(NULL, NULL, v, TENANT, "load", id, strlen(id),
                                              NULL, 0, now, now + KEEP * 1000));
        }
        int64_t rows = tv_sql_int(tv_path, "SELECT count(*) FROM seen");
        if (rows > max_rows)
            max_rows = rows;
        /* bounded: the live window (KEEP s of requests) plus at most one second's worth */
        ck_assert_msg(rows <= (KEEP + 1) * PER_SECOND, "%lld rows at t=%d", (long long)rows, t);
        if (t % 25 == 24) {
            /* every entry of the last KEEP seconds is still there */
            for (int back = 0; back < KEEP && back <= t; back++) {
                char id[32];
                snprintf(id, sizeof(id), "%d/%d", t - back, back % PER_SECOND);
                int rc = vo_vault_seen_put(NULL, NULL, v, TENANT, "load", id, strlen(id), NULL,
                                           0, now, now + KEEP * 1000);
                ck_assert_msg(rc == VO_EEXISTS, "entry %s (age %d s) was dropped: %s", id, back,
                              vo_error_name(rc));
            }
        }
    }
    ck_assert_int_ge(max_rows, KEEP * PER_SECOND); /* the window really filled up */
    ck_assert_int_eq(seen_rows(v), tv_sql_int(tv_path, "SELECT count(*) FROM seen"));

    /* a backlog (nobody wrote for a while): explicit batches, each bounded */
    int64_t later = base + (int64_t)(SECONDS + KEEP + 5) * 1000;
    ck_assert_vo_ok(vo_vault_seen_put(NULL, NULL, v, TENANT, "load", "fresh", 5, NULL, 0, later,
                                      later + KEEP * 1000));
    int64_t removed = 0, total = 0, prev = seen_rows(v);
    do {
        ck_assert_vo_ok(vo_vault_seen_prune(&removed, v, later, 50));
        ck_assert_int_le(removed, 50);
        total += removed;
        ck_assert_int_eq(seen_rows(v), prev - removed);
        prev -= removed;
    } while (removed == 50);
    ck_assert_int_eq(seen_rows(v), 1); /* only the live entry */
    ck_assert_vo_rc(vo_vault_seen_put(NULL, NULL, v, TENANT, "load", "fresh", 5, NULL, 0,
                                      later + 1, later + 2),
                    VO_EEXISTS);
    ck_assert_int_gt(total, 0);
    vo_vault_close(v);
}
END_TEST

/* Pruning from one process while others insert: no live entry is ever lost. */
START_TEST(prune_concurrent_with_writers)
{
    vo_vault *v = tv_open();
    enum {
        WRITERS = 2,
        PER = 150
    };
    const int64_t base = (int64_t)NOW * 1000;
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        ck_assert_int_ge(pids[w], 0);
        if (pids[w] == 0) {
            vo_vault *cv = tv_open();
            int bad = 0;
            for (int i = 0; i < PER && !bad; i++) {
                char id[32];
                snprintf(id, sizeof(id), "w%d-%d", w, i);
                /* odd entries are already expired when pruned, even ones live for long */
                int64_t now = base + i;
                int64_t exp = i % 2 ? now + 1 : base + 3600 * 1000;
                bad = vo_vault_seen_put(NULL, NULL, cv, TENANT, "mix", id, strlen(id), NULL, 0,
                                        now, exp) != VO_OK;
            }
            vo_vault_close(cv);
            _exit(bad);
        }
    }
    int64_t removed = 0;
    for (int i = 0; i < 60; i++) {
        ck_assert_vo_ok(vo_vault_seen_prune(&removed, v, base + 1000, 20));
        usleep(2000);
    }
    for (int w = 0; w < WRITERS; w++) {
        int status = 0;
        waitpid(pids[w], &status, 0);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    do
        ck_assert_vo_ok(vo_vault_seen_prune(&removed, v, base + 1000, 20));
    while (removed);
    /* every long-lived entry survived, every expired one is gone */
    ck_assert_int_eq(seen_rows(v), WRITERS * PER / 2);
    for (int w = 0; w < WRITERS; w++)
        for (int i = 0; i < PER; i += 2) {
            char id[32];
            snprintf(id, sizeof(id), "w%d-%d", w, i);
            ck_assert_vo_rc(vo_vault_seen_put(NULL, NULL, v, TENANT, "mix", id, strlen(id),
                                              NULL, 0, base + 2000, base + 3000),
                            VO_EEXISTS);
        }
    vo_vault_close(v);
}
END_TEST

START_TEST(guard_api_edges)
{
    vo_webhook_guard_options o;
    memset(&o, 0x5A, sizeof(o));
    ck_assert_vo_ok(vo_webhook_guard_options_init(&o, VO_WEBHOOK_GUARD_OPTIONS_VERSION));
    ck_assert_int_eq(o.retention_seconds, 0);
    ck_assert_int_eq(o.retry_window_seconds, 0);
    ck_assert_vo_rc(vo_webhook_guard_options_init(&o, 0), VO_EINVAL);
    ck_assert_vo_rc(vo_webhook_guard_options_init(&o, VO_WEBHOOK_GUARD_OPTIONS_VERSION + 1),
                    VO_EINVAL);
    ck_assert_vo_rc(vo_webhook_guard_options_init(NULL, 1), VO_EINVAL);

    vo_vault *v = tv_open();
    twreq t;
    twilio_request(&t, "CA44444444444444444444444444444444", "idem-edges");
    const char *tokens[] = {TOKEN};
    /* no result: the codes alone */
    ck_assert_vo_ok(
        vo_webhook_guard_twilio(NULL, v, TENANT, NULL, NULL, tokens, 1, &t.req, NOW));
    ck_assert_vo_rc(
        vo_webhook_guard_twilio(NULL, v, TENANT, NULL, NULL, tokens, 1, &t.req, NOW + 1),
        VO_EDUPLICATE);
    ck_assert_int_eq(vo_verify_http_status(VO_EDUPLICATE, NULL), 200);
    /* a zero-filled options struct with its version is the default */
    vo_webhook_guard_options zero;
    memset(&zero, 0, sizeof(zero));
    zero.version = VO_WEBHOOK_GUARD_OPTIONS_VERSION;
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    ck_assert_vo_rc(
        vo_webhook_guard_twilio(&r, v, TENANT, &zero, NULL, tokens, 1, &t.req, NOW + 2),
        VO_EDUPLICATE);
    /* ... and a retry window of the caller's choice */
    zero.retry_window_seconds = 1;
    ck_assert_vo_rc(
        vo_webhook_guard_twilio(&r, v, TENANT, &zero, NULL, tokens, 1, &t.req, NOW + 2),
        VO_EAUTH);
    ck_assert_int_eq(r.reason, VO_VERIFY_REPLAY);
    zero.version = 0; /* never initialised */
    ck_assert_vo_rc(
        vo_webhook_guard_twilio(&r, v, TENANT, &zero, NULL, tokens, 1, &t.req, NOW + 2),
        VO_EINVAL);
    ck_assert_int_eq(r.reason, VO_VERIFY_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "vo_webhook_guard_options"));
    /* a result of an unknown version is refused before anything else */
    r.version = 0;
    ck_assert_vo_rc(vo_webhook_guard_twilio(&r, v, TENANT, NULL, NULL, tokens, 1, &t.req, NOW),
                    VO_EINVAL);
    ck_assert_int_eq(r.reason, VO_VERIFY_INVALID_ARGUMENT);
    /* a closed vault: the caller's bug, reported, never a pass */
    vo_vault_close(v);
    r = (vo_verify_result)VO_VERIFY_RESULT_INIT;
    ck_assert_vo_rc(vo_webhook_guard_twilio(&r, v, TENANT, NULL, NULL, tokens, 1, &t.req, NOW),
                    VO_EHANDLE);
    ck_assert_int_eq(vo_verify_http_status(VO_EHANDLE, &r), 500);
    int64_t n = 0;
    ck_assert_vo_rc(vo_vault_seen_count(&n, v), VO_EHANDLE);
    ck_assert_vo_rc(vo_vault_seen_prune(&n, v, 1, 1), VO_EHANDLE);
}
END_TEST

/* ---- checkpoints ------------------------------------------------------------------------ */

/* A keyring with one signing key (not a KEK of the vault). */
static vo_keyring *signer(const char *id, int seed)
{
    vo_keyring *kr = NULL;
    ck_assert_vo_ok(vo_keyring_new(&kr));
    unsigned char k[32];
    tv_key_bytes(k, seed);
    ck_assert_vo_ok(vo_keyring_add_key(kr, id, k, 32));
    return kr;
}

static void some_writes(vo_vault *v, const char *tenant, int n)
{
    vo_tenant_list *tl = NULL;
    if (vo_vault_tenant_get(&tl, v, tenant) == VO_ENOTFOUND)
        ck_assert_vo_ok(vo_vault_tenant_create(v, tenant));
    vo_tenant_list_free(tl);
    for (int i = 0; i < n; i++) {
        char value[32];
        snprintf(value, sizeof(value), "value-%d", i);
        tv_put(v, tenant, "twilio/auth_token", value);
    }
}

static int verify_cp(vo_vault *v, const char *cp, const char *pk, int *reason, int64_t *bad)
{
    int64_t rows = 0;
    *reason = -1;
    *bad = -1;
    return vo_vault_audit_verify_checkpoint(&rows, bad, reason, v, cp, pk);
}

static void replace_file(const char *from, const char *to)
{
    char p[340];
    snprintf(p, sizeof(p), "%s-wal", to);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", to);
    unlink(p);
    ck_assert_int_eq(rename(from, to), 0);
}

START_TEST(checkpoint_roundtrip_and_rollback)
{
    vo_keyring *kr = signer("cp-1", 99);
    char pk[VO_VAULT_CHECKPOINT_PUBLIC_KEY_SIZE];
    ck_assert_vo_ok(vo_keyring_public_key_get(pk, sizeof(pk), kr, "cp-1"));
    ck_assert_int_eq(strlen(pk), VO_VAULT_CHECKPOINT_PUBLIC_KEY_SIZE - 1);

    vo_vault *v = tv_open();
    some_writes(v, TENANT, 3);
    char old_copy[340], old_schema[80];
    snprintf(old_copy, sizeof(old_copy), "%s/old.db", tv_dir);
    snprintf(old_schema, sizeof(old_schema), "%s_old", tv_schema);
    ck_assert_vo_ok(vo_vault_backup(v, old_copy)); /* what an attacker keeps */
#ifdef VO_HAVE_POSTGRES
    if (tv_pg) /* PostgreSQL: the attacker keeps a copy of the schema */
        tv_pg_clone(tv_schema, old_schema);
#endif
    some_writes(v, TENANT, 4);
    char *cp = NULL;
    ck_assert_vo_ok(vo_vault_audit_checkpoint(&cp, v, kr, "cp-1"));
    ck_assert_ptr_nonnull(strstr(cp, "\"format\":\"voiceops.audit-checkpoint.v1\""));
    ck_assert_uint_le(strlen(cp), VO_VAULT_CHECKPOINT_MAX);
    int reason;
    int64_t bad;
    ck_assert_vo_ok(verify_cp(v, cp, pk, &reason, &bad));
    ck_assert_int_eq(reason, VO_AUDIT_INTACT);
    ck_assert_int_eq(bad, 0);
    some_writes(v, TENANT, 2); /* appending after a checkpoint is fine */
    ck_assert_vo_ok(verify_cp(v, cp, pk, &reason, &bad));
    vo_vault_close(v);

    /* roll the vault file (the schema) back to the older copy */
#ifdef VO_HAVE_POSTGRES
    if (tv_pg)
        tv_pg_clone(old_schema, tv_schema);
    else
#endif
        replace_file(old_copy, tv_path);
    v = tv_open();
    int64_t rows = 0;
    ck_assert_vo_ok(vo_vault_audit_verify(&rows, NULL, NULL, v)); /* the chain cannot tell */
    int rc = verify_cp(v, cp, pk, &reason, &bad);
    ck_assert_vo_rc(rc, VO_ECRYPTO);
    ck_assert_int_eq(reason, VO_AUDIT_ROLLBACK);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "rolled back"));
    /* rolled back, then written past the checkpoint again: another row sits there */
    some_writes(v, TENANT, 12);
    ck_assert_vo_ok(vo_vault_audit_verify(NULL, NULL, NULL, v));
    rc = verify_cp(v, cp, pk, &reason, &bad);
    ck_assert_vo_rc(rc, VO_ECRYPTO);
    ck_assert_int_eq(reason, VO_AUDIT_FORK);
    vo_vault_close(v);
    vo_free(cp);
    vo_keyring_free(kr);
}
END_TEST

/* The attacker cuts the audit tail and rewrites the head marker to the new last row. */
START_TEST(checkpoint_detects_cut_tail)
{
    vo_keyring *kr = signer("cp-1", 7);
    char pk[VO_VAULT_CHECKPOINT_PUBLIC_KEY_SIZE];
    ck_assert_vo_ok(vo_keyring_public_key_get(pk, sizeof(pk), kr, "cp-1"));
    vo_vault *v = tv_open();
    some_writes(v, TENANT, 6);
    char *cp = NULL;
    ck_assert_vo_ok(vo_vault_audit_checkpoint(&cp, v, kr, "cp-1"));
    int64_t rows = 0;
    ck_assert_vo_ok(vo_vault_audit_verify(&rows, NULL, NULL, v));
    vo_vault_close(v);
    ck_assert_int_gt(rows, 4);
    int64_t keep = rows - 3;

    if (tv_pg) { /* the same edit in SQL on PostgreSQL: head = 8-byte seq || mac */
        char q[300];
        snprintf(
            q, sizeof(q),
            "DELETE FROM audit WHERE seq > %lld; UPDATE meta SET value = int8send(%lld::bigint)"
            " || (SELECT mac FROM audit WHERE seq = %lld) WHERE key = 'audit_head'",
            (long long)keep, (long long)keep, (long long)keep);
        tv_sql(tv_path, q);
        goto edited;
    }
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(tv_path, &db), SQLITE_OK);
    char sql[200];
    snprintf(sql, sizeof(sql), "DELETE FROM audit WHERE seq > %lld", (long long)keep);
    ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_stmt *s = NULL;
    ck_assert_int_eq(
        sqlite3_prepare_v2(db, "SELECT mac FROM audit WHERE seq = ?1", -1, &s, NULL),
        SQLITE_OK);
    sqlite3_bind_int64(s, 1, keep);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    unsigned char head[40];
    for (int i = 0; i < 8; i++)
        head[i] = (unsigned char)((uint64_t)keep >> (8 * (7 - i)));
    memcpy(head + 8, sqlite3_column_blob(s, 0), 32);
    sqlite3_finalize(s);
    ck_assert_int_eq(sqlite3_prepare_v2(db,
                                        "UPDATE meta SET value = ?1 WHERE key = 'audit_head'",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_blob(s, 1, head, 40, SQLITE_STATIC);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    sqlite3_close(db);

edited:
    v = tv_open_with(tv_path, "k1", NULL, 0);
    ck_assert_vo_ok(vo_vault_audit_verify(&rows, NULL, NULL, v)); /* invisible to the chain */
    int reason;
    int64_t bad;
    ck_assert_vo_rc(verify_cp(v, cp, pk, &reason, &bad), VO_ECRYPTO);
    ck_assert_int_eq(reason, VO_AUDIT_ROLLBACK);
    ck_assert_int_le(bad, keep + 2); /* the first missing row (opening appended one) */
    vo_vault_close(v);
    vo_free(cp);
    vo_keyring_free(kr);
}
END_TEST

START_TEST(checkpoint_refusals)
{
    vo_keyring *kr = signer("cp-1", 5), *other = signer("cp-1", 6);
    char pk[VO_VAULT_CHECKPOINT_PUBLIC_KEY_SIZE], other_pk[VO_VAULT_CHECKPOINT_PUBLIC_KEY_SIZE];
    ck_assert_vo_ok(vo_keyring_public_key_get(pk, sizeof(pk), kr, "cp-1"));
    ck_assert_vo_ok(vo_keyring_public_key_get(other_pk, sizeof(other_pk), other, "cp-1"));
    ck_assert_str_ne(pk, other_pk);
    vo_vault *v = tv_open();
    some_writes(v, TENANT, 2);
    char *cp = NULL;
    ck_assert_vo_ok(vo_vault_audit_checkpoint(&cp, v, kr, "cp-1"));
    int reason;
    int64_t bad;
    /* signed by another key */
    ck_assert_vo_rc(verify_cp(v, cp, other_pk, &reason, &bad), VO_EAUTH);
    /* a field changed: the signature no longer verifies */
    char *edited = strdup(cp);
    char *seq = strstr(edited, "\"seq\":") + 6;
    *seq = *seq == '9' ? '8' : (char)(*seq + 1);
    ck_assert_vo_rc(verify_cp(v, edited, pk, &reason, &bad), VO_EAUTH);
    free(edited);
    /* a flipped signature byte */
    edited = strdup(cp);
    char *sig = strstr(edited, "\"signature\":\"") + 13;
    sig[5] = sig[5] == 'A' ? 'B' : 'A';
    ck_assert_vo_rc(verify_cp(v, edited, pk, &reason, &bad), VO_EAUTH);
    free(edited);
    /* re-serialised JSON (white space) still verifies: the fields are signed, not bytes */
    char spaced[2 * VO_VAULT_CHECKPOINT_MAX];
    size_t j = 0;
    for (const char *p = cp; *p; p++) {
        spaced[j++] = *p;
        if (*p == ',' || *p == '{')
            spaced[j++] = '\n';
    }
    spaced[j] = '\0';
    ck_assert_vo_ok(verify_cp(v, spaced, pk, &reason, &bad));
    /* malformed */
    ck_assert_vo_rc(verify_cp(v, "{\"format\":1}", pk, &reason, &bad), VO_EPARSE);
    ck_assert_vo_rc(verify_cp(v, "not json", pk, &reason, &bad), VO_EPARSE);
    ck_assert_vo_rc(verify_cp(v, cp, "not-a-key", &reason, &bad), VO_EINVAL);

    /* another vault's checkpoint, signed with the right key */
    char path2[340];
    snprintf(path2, sizeof(path2), "%s/other.db", tv_dir);
    vo_vault *v2 = tv_open_with(path2, "k1", NULL, 0);
    some_writes(v2, TENANT, 2);
    char *cp2 = NULL;
    ck_assert_vo_ok(vo_vault_audit_checkpoint(&cp2, v2, kr, "cp-1"));
    ck_assert_vo_ok(verify_cp(v2, cp2, pk, &reason, &bad));
    ck_assert_vo_rc(verify_cp(v, cp2, pk, &reason, &bad), VO_ECONFLICT);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "of vault"));

    /* the signing key must be a raw key */
    vo_keyring *pass = NULL;
    ck_assert_vo_ok(vo_keyring_new(&pass));
    ck_assert_vo_ok(vo_keyring_add_passphrase(pass, "pp", "correct horse", 13, 0, 0));
    char *none = NULL;
    ck_assert_vo_rc(vo_vault_audit_checkpoint(&none, v, pass, "pp"), VO_EUNSUPPORTED);
    ck_assert_vo_rc(vo_vault_audit_checkpoint(&none, v, kr, "missing"), VO_ENOTFOUND);
    ck_assert_ptr_null(none);
    vo_keyring_free(pass);

    /* a broken chain gets no checkpoint */
    vo_vault_close(v);
    tv_sql(tv_path, "UPDATE audit SET action = 'secret.nothing' WHERE seq = 2");
    v = tv_open_with(tv_path, "k1", NULL, 0);
    ck_assert_vo_rc(vo_vault_audit_checkpoint(&none, v, kr, "cp-1"), VO_ECRYPTO);
    ck_assert_vo_rc(verify_cp(v, cp, pk, &reason, &bad), VO_ECRYPTO);
    ck_assert_int_eq(reason, VO_AUDIT_MAC_MISMATCH);
    ck_assert_int_eq(bad, 2);
    vo_vault_close(v);
    vo_vault_close(v2);
    vo_free(cp);
    vo_free(cp2);
    vo_keyring_free(kr);
    vo_keyring_free(other);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("guard");
    TCase *t = tcase_create("seen");
    tcase_add_checked_fixture(t, tv_setup, tv_teardown);
    tcase_set_timeout(t, 120);
    tcase_add_test(t, twilio_twice_is_duplicate);
    tcase_add_test(t, twilio_replay_within_window_refused);
    tcase_add_test(t, twilio_race_between_processes);
    tcase_add_test(t, std_retry_replay_and_expiry);
    tcase_add_test(t, vapi_hmac_replay_and_secret_duplicate);
    tcase_add_test(t, seen_put_contract);
    tcase_add_test(t, guard_api_edges);
    tcase_add_test(t, prune_under_load_bounded_and_safe);
    tcase_add_test(t, prune_concurrent_with_writers);
    suite_add_tcase(s, t);
    TCase *c = tcase_create("checkpoint");
    tcase_add_checked_fixture(c, tv_setup, tv_teardown);
    tcase_set_timeout(c, 60);
    tcase_add_test(c, checkpoint_roundtrip_and_rollback);
    tcase_add_test(c, checkpoint_detects_cut_tail);
    tcase_add_test(c, checkpoint_refusals);
    suite_add_tcase(s, c);
    return s;
}

VO_TEST_MAIN(suite)
