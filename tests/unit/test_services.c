/* The cross-provider services against the sandbox over loopback and real SQLite vault
 * files: onboarding, number import, webhook routing (signed webhooks sent by the sandbox to
 * a receiver in this test), token rotation, and no secret in logs, errors or audit rows. */
#include <arpa/inet.h>
#include <pthread.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "core/internal.h"
#include "provider_testutil.h"
#include "verify_testutil.h"

#define ACCT "AC0123456789abcdef0123456789abcdef"
#define TOKEN "0f1e2d3c4b5a69780f1e2d3c4b5a6978"
#define ACCT2 "ACfedcba9876543210fedcba9876543210"
#define TOKEN2 "a1b2c3d4e5f60718a1b2c3d4e5f60718"
#define BADTOKEN "99999999999999999999999999999999"
#define VKEY "vapi-private-key-tenant-a"
#define VKEY2 "vapi-private-key-tenant-b"
#define VSECRET "vapi-webhook-secret-a"
#define VSECRET2 "vapi-webhook-secret-b"

static void up(void)
{
    pt_vault_dir_up("services");
    sandbox_up();
}

static void down(void)
{
    sandbox_down();
    pt_vault_dir_down();
}

static void fresh(void)
{
    sandbox_ctl_ok("POST", "/__sandbox/reset", NULL, 200);
    sandbox_ctl_ok("POST", "/__sandbox/twilio/accounts",
                   "{\"account_sid\":\"" ACCT "\",\"auth_token\":\"" TOKEN "\"}", 201);
    sandbox_ctl_ok("POST", "/__sandbox/twilio/accounts",
                   "{\"account_sid\":\"" ACCT2 "\",\"auth_token\":\"" TOKEN2 "\"}", 201);
    sandbox_ctl_ok("POST", "/__sandbox/vapi/keys", "{\"api_key\":\"" VKEY "\"}", 201);
    sandbox_ctl_ok("POST", "/__sandbox/vapi/keys", "{\"api_key\":\"" VKEY2 "\"}", 201);
    pt_vault_dir_down();
    pt_vault_dir_up("services");
}

static vo_services_options sopts(void)
{
    static vo_http_options h = VO_HTTP_OPTIONS_INIT;
    h.backoff_base_ms = 10;
    h.backoff_max_ms = 50;
    h.breaker_threshold = -1;
    vo_services_options o = VO_SERVICES_OPTIONS_INIT;
    o.twilio_api_base_url = sandbox.url;
    o.twilio_accounts_base_url = sandbox.url;
    o.vapi_base_url = sandbox.url;
    o.http = &h;
    return o;
}

static vo_twilio_credentials *tw_creds(const char *sid, const char *token)
{
    vo_twilio_credentials *c = NULL;
    ck_assert_vo_ok(vo_twilio_credentials_new(&c));
    ck_assert_vo_ok(vo_twilio_credentials_set_account_sid(c, sid));
    ck_assert_vo_ok(vo_twilio_credentials_set_auth_token(c, token));
    return c;
}

static vo_vapi_credentials *va_creds(const char *key, const char *secret)
{
    vo_vapi_credentials *c = NULL;
    ck_assert_vo_ok(vo_vapi_credentials_new(&c));
    if (key)
        ck_assert_vo_ok(vo_vapi_credentials_set_api_key(c, key));
    if (secret)
        ck_assert_vo_ok(vo_vapi_credentials_set_webhook(c, NULL, secret));
    return c;
}

static void onboard(vo_vault *v, const char *tenant, const char *sid, const char *token,
                    const char *key, const char *secret)
{
    vo_twilio_credentials *t = tw_creds(sid, token);
    vo_vapi_credentials *a = va_creds(key, secret);
    vo_services_options o = sopts();
    ck_assert_vo_ok(vo_onboarding_run(v, tenant, t, a, &o));
    vo_twilio_credentials_free(t);
    vo_vapi_credentials_free(a);
}

/* No audit row of the vault carries any of the given strings. */
static void audit_has_no(vo_vault *v, const char *const *secrets, size_t n)
{
    vo_audit_list *l = NULL;
    ck_assert_vo_ok(vo_vault_audit_list(&l, v, NULL, 0, 0, 0, 100000));
    for (size_t i = 0; i < vo_audit_list_count(l); i++) {
        const char *f[] = {vo_audit_list_tenant(l, i),         vo_audit_list_name(l, i),
                           vo_audit_list_action(l, i),         vo_audit_list_actor(l, i),
                           vo_audit_list_correlation_id(l, i), vo_audit_list_result(l, i)};
        for (size_t k = 0; k < 6; k++)
            for (size_t s = 0; s < n; s++)
                ck_assert_msg(!strstr(f[k], secrets[s]), "audit row %zu carries a secret", i);
    }
    vo_audit_list_free(l);
}

static size_t audit_count(vo_vault *v, const char *tenant, const char *action, const char *cid)
{
    vo_audit_list *l = NULL;
    ck_assert_vo_ok(vo_vault_audit_list(&l, v, tenant, 0, 0, 0, 100000));
    size_t n = 0;
    for (size_t i = 0; i < vo_audit_list_count(l); i++)
        if (strcmp(vo_audit_list_action(l, i), action) == 0 &&
            (!cid || strcmp(vo_audit_list_correlation_id(l, i), cid) == 0))
            n++;
    vo_audit_list_free(l);
    return n;
}

/* ---- onboarding ---------------------------------------------------------------------- */

START_TEST(onboarding_refuses_bad_credentials_and_stores_nothing)
{
    fresh();
    pt_log_start();
    vo_vault *v = pt_vault_open();
    vo_services_options o = sopts();
    vo_twilio_credentials *bad = tw_creds(ACCT, BADTOKEN), *good = tw_creds(ACCT, TOKEN);
    vo_vapi_credentials *badv = va_creds("wrong-vapi-key-123", NULL),
                        *goodv = va_creds(VKEY, VSECRET);
    ck_assert_vo_rc(vo_onboarding_run(v, "t-bad", bad, goodv, &o), VO_EAUTH);
    ck_assert_int_eq(vo_error_last()->http_status, 401);
    ck_assert_ptr_null(strstr(vo_error_last()->message, BADTOKEN));
    ck_assert_vo_rc(vo_onboarding_run(v, "t-bad", good, badv, &o), VO_EAUTH);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "Vapi"));
    /* nothing stored: not even the tenant */
    vo_tenant_list *tl = NULL;
    ck_assert_vo_rc(vo_vault_tenant_get(&tl, v, "t-bad"), VO_ENOTFOUND);
    /* bad input gets typed errors */
    ck_assert_vo_rc(vo_onboarding_run(v, "t-bad", NULL, NULL, &o), VO_EINVAL);
    ck_assert_vo_rc(vo_onboarding_run(NULL, "t-bad", good, NULL, &o), VO_EINVAL);
    ck_assert_vo_rc(vo_onboarding_run(v, "", good, NULL, &o), VO_EINVAL);
    vo_twilio_credentials *incomplete = NULL;
    ck_assert_vo_ok(vo_twilio_credentials_new(&incomplete));
    ck_assert_vo_rc(vo_onboarding_run(v, "t-bad", incomplete, NULL, &o), VO_EINVAL);
    vo_twilio_credentials_free(incomplete);
    vo_services_options bo = o;
    bo.version = 42;
    ck_assert_vo_rc(vo_onboarding_run(v, "t-bad", good, NULL, &bo), VO_EINVAL);
    /* issue 9: a cleartext base URL to a non-loopback host is refused unless the run opts in
     * (0.0.0.0 is not loopback by the rule, and refuses connections at once) */
    vo_services_options io = o;
    io.vapi_base_url = "http://0.0.0.0:9";
    ck_assert_vo_rc(vo_onboarding_run(v, "t-insecure", NULL, goodv, &io), VO_EINVAL);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "clear text"));
    io.allow_insecure_http = 1;
    int irc = vo_onboarding_run(v, "t-insecure", NULL, goodv, &io);
    ck_assert_msg(irc != VO_EINVAL && irc != VO_OK, "got %s", vo_error_name(irc));
    /* good credentials are stored */
    ck_assert_vo_ok(vo_onboarding_run(v, "t-good", good, goodv, &o));
    vo_twilio_credentials *got = NULL;
    ck_assert_vo_ok(vo_twilio_credentials_get(&got, NULL, v, "t-good"));
    ck_assert_str_eq(vo_twilio_credentials_auth_token(got), TOKEN);
    vo_twilio_credentials_free(got);
    vo_vapi_credentials *gotv = NULL;
    ck_assert_vo_ok(vo_vapi_credentials_get(&gotv, NULL, v, "t-good"));
    ck_assert_str_eq(vo_vapi_credentials_api_key(gotv), VKEY);
    vo_vapi_credentials_free(gotv);
    ck_assert_uint_eq(audit_count(v, "t-bad", "onboard.validate", NULL), 3);
    ck_assert_uint_eq(audit_count(v, "t-bad", "onboard", NULL), 2);
    ck_assert_uint_eq(audit_count(v, "t-good", "onboard", NULL), 1);
    pt_log_stop();
    const char *secrets[] = {TOKEN, BADTOKEN, VKEY, "wrong-vapi-key-123", VSECRET};
    audit_has_no(v, secrets, 5);
    for (size_t i = 0; i < 5; i++)
        ck_assert_msg(!strstr(pt_log, secrets[i]), "a log line carries a secret");
    vo_twilio_credentials_free(bad);
    vo_twilio_credentials_free(good);
    vo_vapi_credentials_free(badv);
    vo_vapi_credentials_free(goodv);
    vo_vault_close(v);
}
END_TEST

/* ---- number import ------------------------------------------------------------------- */

/* Successful (201) POST /phone-number per number, from the sandbox log. */
static int posts_for(const char *number, int *ok)
{
    cJSON *log =
        sandbox_ctl("GET", "/__sandbox/requests?method=POST&path=/phone-number", NULL, 200);
    int n = 0;
    *ok = 0;
    cJSON *e;
    cJSON_ArrayForEach(e, log)
    {
        cJSON *num = cJSON_GetObjectItem(cJSON_GetObjectItem(e, "json"), "number");
        if (cJSON_IsString(num) && strcmp(num->valuestring, number) == 0) {
            n++;
            cJSON *st = cJSON_GetObjectItem(e, "status");
            cJSON *ps = cJSON_GetObjectItem(e, "processed_status");
            if ((cJSON_IsNumber(st) && st->valueint == 201) ||
                (cJSON_IsNumber(ps) && ps->valueint == 201))
                (*ok)++;
        }
    }
    cJSON_Delete(log);
    return n;
}

static vo_number_import_report *run_import(vo_vault *v)
{
    vo_services_options o = sopts();
    vo_number_import_report *r = NULL;
    ck_assert_vo_ok(vo_number_import_run(&r, v, "tenant-a", NULL, &o));
    return r;
}

START_TEST(number_import_end_to_end)
{
    fresh();
    sandbox_ctl_ok(
        "POST", "/__sandbox/twilio/accounts/" ACCT "/numbers",
        "[{\"phone_number\":\"+15005550001\",\"sms_url\":\"https://tenant.example/sms\"},"
        "\"+15005550002\",\"+15005550003\",\"+15005550004\",\"+15005550005\"]",
        201);
    vo_vault *v = pt_vault_open();
    onboard(v, "tenant-a", ACCT, TOKEN, VKEY, VSECRET);
    vo_services_options o = sopts();
    vo_number_import_report *r = NULL;
    ck_assert_vo_rc(vo_number_import_run(NULL, v, "tenant-a", NULL, &o), VO_EINVAL);
    ck_assert_vo_rc(vo_number_import_run(&r, v, "nobody", NULL, &o), VO_ENOTFOUND);
    vo_number_import_options bad = VO_NUMBER_IMPORT_OPTIONS_INIT;
    bad.sms_enabled = 5;
    ck_assert_vo_rc(vo_number_import_run(&r, v, "tenant-a", &bad, &o), VO_EINVAL);

    /* a fault on the third import: reported by name, the others imported */
    sandbox_fault("POST", "/phone-number", "500", 1, "\"skip\":2");
    r = run_import(v);
    ck_assert_uint_eq(vo_number_import_report_count(r), 5);
    ck_assert_uint_eq(vo_number_import_report_imported(r), 4);
    ck_assert_uint_eq(vo_number_import_report_failed(r), 1);
    ck_assert_int_eq(vo_number_import_report_status(r, 2), VO_NUMBER_FAILED);
    char failed[24];
    snprintf(failed, sizeof(failed), "%s", vo_number_import_report_number(r, 2));
    ck_assert_int_eq(vo_number_import_report_error(r, 2), VO_EUNAVAILABLE);
    ck_assert_ptr_nonnull(strstr(vo_number_import_report_reason(r, 2), "HTTP 500"));
    ck_assert_str_eq(vo_number_import_report_vapi_id(r, 2), "");
    ck_assert_str_eq(vo_number_import_report_reason(r, 0), "");
    ck_assert_int_eq(vo_number_import_report_status(r, 9), -1);
    ck_assert_ptr_null(vo_number_import_report_number(r, 9));
    ck_assert_int_eq(vo_number_import_report_error(r, 9), VO_ERANGE);
    ck_assert_ptr_nonnull(vo_number_import_report_twilio_sid(r, 0));
    /* consistent state: Vapi has exactly the four reported as imported */
    vo_vapi_client *vc = NULL;
    vo_vapi_options vo = VO_VAPI_OPTIONS_INIT;
    vo.base_url = sandbox.url;
    ck_assert_vo_ok(vo_vapi_client_for_tenant(&vc, v, "tenant-a", &vo));
    vo_vapi_iter *it = NULL;
    ck_assert_vo_ok(vo_vapi_numbers_list(&it, vc, NULL));
    const vo_vapi_resource *item = NULL;
    int n = 0;
    while (vo_vapi_iter_next(&item, it) == VO_OK && item) {
        ck_assert_str_ne(vo_vapi_resource_number(item), failed);
        int sms = 1;
        ck_assert_vo_ok(vo_vapi_resource_bool(&sms, item, "smsEnabled"));
        ck_assert_int_eq(sms, 0);
        n++;
    }
    ck_assert_int_eq(n, 4);
    vo_vapi_iter_free(it);
    /* every step audited under the run's correlation id */
    const char *cid = vo_number_import_report_correlation_id(r);
    ck_assert_str_ne(cid, "");
    ck_assert_uint_eq(audit_count(v, "tenant-a", "import.number", cid), 5);
    ck_assert_uint_eq(audit_count(v, "tenant-a", "import.start", cid), 1);
    ck_assert_uint_eq(audit_count(v, "tenant-a", "import.done", cid), 1);
    vo_number_import_report_free(r);

    /* second run: imports the failed one only */
    r = run_import(v);
    ck_assert_uint_eq(vo_number_import_report_imported(r), 1);
    ck_assert_uint_eq(vo_number_import_report_present(r), 4);
    ck_assert_int_eq(vo_number_import_report_status(r, 2), VO_NUMBER_IMPORTED);
    vo_number_import_report_free(r);
    /* third run: nothing */
    r = run_import(v);
    ck_assert_uint_eq(vo_number_import_report_imported(r), 0);
    ck_assert_uint_eq(vo_number_import_report_present(r), 5);
    ck_assert_uint_eq(vo_number_import_report_failed(r), 0);
    vo_number_import_report_free(r);

    /* a dropped answer after Vapi processed the import: reconciled, not resent */
    sandbox_ctl_ok("POST", "/__sandbox/twilio/accounts/" ACCT "/numbers", "[\"+15005550006\"]",
                   201);
    sandbox_fault("POST", "/phone-number", "drop_after_read", 1, NULL);
    r = run_import(v);
    ck_assert_uint_eq(vo_number_import_report_imported(r), 1);
    ck_assert_uint_eq(vo_number_import_report_failed(r), 0);
    vo_number_import_report_free(r);

    /* the request log: no number was imported twice, the failed one was posted twice
     * (the first time refused unprocessed), every other number once */
    const char *nums[] = {"+15005550001", "+15005550002", "+15005550003",
                          "+15005550004", "+15005550005", "+15005550006"};
    for (int i = 0; i < 6; i++) {
        int ok = 0;
        int posts = posts_for(nums[i], &ok);
        ck_assert_int_eq(ok, 1);
        ck_assert_int_eq(posts, strcmp(nums[i], failed) == 0 ? 2 : 1);
    }
    /* the Twilio messaging URL was kept (smsEnabled false) */
    vo_twilio_client *tc = NULL;
    vo_twilio_options to = VO_TWILIO_OPTIONS_INIT;
    to.api_base_url = sandbox.url;
    ck_assert_vo_ok(vo_twilio_client_for_tenant(&tc, v, "tenant-a", &to));
    vo_param f[] = {{"PhoneNumber", "+15005550001"}};
    vo_twilio_iter *ti = NULL;
    ck_assert_vo_ok(vo_twilio_numbers_list(&ti, tc, f, 1));
    const vo_twilio_resource *tn = NULL;
    ck_assert_vo_ok(vo_twilio_iter_next(&tn, ti));
    ck_assert_str_eq(vo_twilio_resource_str(tn, "sms_url"), "https://tenant.example/sms");
    vo_twilio_iter_free(ti);
    vo_twilio_client_free(tc);
    const char *secrets[] = {TOKEN, VKEY, VSECRET};
    audit_has_no(v, secrets, 3);
    vo_vapi_client_free(vc);
    vo_vault_close(v);
}
END_TEST

/* ---- a webhook receiver for the sandbox's signed webhooks ----------------------------- */

typedef struct received {
    char head[8192];
    char body[16384];
    size_t body_len;
    char path[1024];
    vo_param headers[64];
    size_t header_count;
} received;

static int recv_fd;
static int recv_port;
static received got;

static void *receiver_main(void *arg)
{
    (void)arg;
    int c = accept(recv_fd, NULL, NULL);
    if (c < 0)
        return NULL;
    char buf[32768];
    size_t len = 0;
    char *end = NULL;
    while (!end && len < sizeof(buf) - 1) {
        ssize_t k = read(c, buf + len, sizeof(buf) - 1 - len);
        if (k <= 0)
            break;
        len += (size_t)k;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    if (!end) {
        close(c);
        return NULL;
    }
    size_t hlen = (size_t)(end - buf);
    memcpy(got.head, buf, hlen);
    got.head[hlen] = '\0';
    size_t clen = 0;
    sscanf(got.head, "%*s %1023s", got.path);
    /* headers: split lines in place */
    got.header_count = 0;
    char *p = strstr(got.head, "\r\n");
    while (p && got.header_count < 64) {
        *p = '\0';
        char *l = p + 2;
        char *next = strstr(l, "\r\n");
        if (next)
            *next = '\0';
        char *colon = strchr(l, ':');
        if (colon) {
            *colon = '\0';
            char *val = colon + 1;
            while (*val == ' ')
                val++;
            got.headers[got.header_count].name = l;
            got.headers[got.header_count].value = val;
            got.header_count++;
            if (strcasecmp(l, "Content-Length") == 0)
                clen = (size_t)strtoul(val, NULL, 10);
        }
        p = next;
    }
    size_t have = len - hlen - 4;
    memcpy(got.body, end + 4, have);
    while (have < clen && have < sizeof(got.body)) {
        ssize_t k = read(c, got.body + have, sizeof(got.body) - have);
        if (k <= 0)
            break;
        have += (size_t)k;
    }
    got.body_len = have;
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    ssize_t w = write(c, resp, strlen(resp));
    (void)w;
    close(c);
    return NULL;
}

static void receiver_up(void)
{
    recv_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(recv_fd, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t l = sizeof(a);
    getsockname(recv_fd, (struct sockaddr *)&a, &l);
    recv_port = ntohs(a.sin_port);
    ck_assert_int_eq(listen(recv_fd, 8), 0);
}

/* Have the sandbox send one signed webhook (spec has @URL@ for the URL) and wait for it. */
static void deliver(char *url_out, size_t url_size, const char *token, const char *suffix,
                    const char *tmpl)
{
    snprintf(url_out, url_size, "http://127.0.0.1:%d/hooks/%s/%s", recv_port, token, suffix);
    char spec[4096];
    const char *at = strstr(tmpl, "@URL@");
    ck_assert_ptr_nonnull(at);
    snprintf(spec, sizeof(spec), "%.*s%s%s", (int)(at - tmpl), tmpl, url_out, at + 5);
    memset(&got, 0, sizeof(got));
    pthread_t th;
    pthread_create(&th, NULL, receiver_main, NULL);
    cJSON *j = sandbox_ctl("POST", "/__sandbox/webhooks/send", spec, 200);
    pthread_join(th, NULL);
    ck_assert_int_eq(cJSON_GetObjectItem(j, "status")->valueint, 200);
    cJSON_Delete(j);
}

static vo_webhook_request as_request(const char *url)
{
    vo_webhook_request r = VO_WEBHOOK_REQUEST_INIT;
    r.method = "POST";
    r.url = url;
    r.headers = got.headers;
    r.header_count = got.header_count;
    r.body = (const unsigned char *)got.body;
    r.body_len = got.body_len;
    return r;
}

/* The token in the path /hooks/<token>/... that the receiver saw. */
static void token_from_path(char *out, size_t size)
{
    const char *p = got.path + strlen("/hooks/");
    size_t n = strcspn(p, "/");
    snprintf(out, size, "%.*s", (int)n, p);
}

#define TW_SPEC(acct)                                                        \
  "{\"provider\":\"twilio\",\"account_sid\":\"" acct "\",\"url\":\"@URL@\"," \
  "\"params\":{\"CallSid\":\"CA0123456789abcdef0123456789abcdef\",\"CallStatus\":\"ringing\"}}"
#define TW_SPEC_TOKEN                                                 \
  "{\"provider\":\"twilio\",\"auth_token\":\"%s\",\"url\":\"@URL@\"," \
  "\"params\":{\"CallSid\":\"CA0123456789abcdef0123456789abcdef\"}}"
#define VA_SPEC(secret)                                                                \
  "{\"provider\":\"vapi\",\"url\":\"@URL@\",\"message\":{\"type\":\"status-update\"}," \
  "\"auth\":{\"type\":\"secret\",\"secret\":\"" secret "\"}}"

START_TEST(webhook_routing)
{
    fresh();
    receiver_up();
    vo_vault *v = pt_vault_open();
    onboard(v, "tenant-a", ACCT, TOKEN, VKEY, VSECRET);
    onboard(v, "tenant-b", ACCT2, TOKEN2, VKEY2, VSECRET2);
    char ta[VO_ROUTING_TOKEN_SIZE], tb[VO_ROUTING_TOKEN_SIZE];
    ck_assert_vo_ok(vo_routing_token_mint(ta, sizeof(ta), v, "tenant-a"));
    ck_assert_vo_ok(vo_routing_token_mint(tb, sizeof(tb), v, "tenant-b"));
    ck_assert_str_ne(ta, tb);
    ck_assert_int_eq((int)strlen(ta), VO_ROUTING_TOKEN_SIZE - 1);
    char small[8];
    ck_assert_vo_rc(vo_routing_token_mint(small, sizeof(small), v, "tenant-a"), VO_ERANGE);
    char scratch[VO_ROUTING_TOKEN_SIZE];
    ck_assert_vo_rc(vo_routing_token_mint(scratch, sizeof(scratch), v, "nobody"), VO_ENOTFOUND);
    ck_assert_str_eq(scratch, "");
    ck_assert_vo_rc(vo_routing_token_mint(scratch, sizeof(scratch), v, VO_ROUTING_TENANT),
                    VO_EINVAL);
    /* the token is stored only as a keyed hash */
    vo_secret_list *sl = NULL;
    ck_assert_vo_rc(vo_vault_secret_list(&sl, v, VO_ROUTING_TENANT), VO_EINVAL); /* reserved */
    bool prev = vo__vault_reserved_enter();
    ck_assert_vo_ok(vo_vault_secret_list(&sl, v, VO_ROUTING_TENANT));
    vo__vault_reserved_leave(prev);
    for (size_t i = 0; i < vo_secret_list_count(sl); i++)
        ck_assert_ptr_null(strstr(vo_secret_list_name(sl, i), ta + 4));
    vo_secret_list_free(sl);

    char url[512], tok[128], tenant[VO_VAULT_TENANT_MAX + 1];
    vo_verify_result res = VO_VERIFY_RESULT_INIT;
    /* Twilio webhook for tenant A, signed with A's token */
    deliver(url, sizeof(url), ta, "voice", TW_SPEC(ACCT));
    token_from_path(tok, sizeof(tok));
    vo_webhook_request rq = as_request(url);
    ck_assert_vo_ok(vo_routing_verify(tenant, sizeof(tenant), &res, v, tok, VO_WEBHOOK_TWILIO,
                                      &rq, time(NULL)));
    ck_assert_str_eq(tenant, "tenant-a");
    ck_assert_int_eq(res.key_index, 0);
    /* a request to A's URL signed with B's token is rejected */
    deliver(url, sizeof(url), ta, "voice", TW_SPEC(ACCT2));
    rq = as_request(url);
    ck_assert_vo_rc(vo_routing_verify(tenant, sizeof(tenant), &res, v, ta, VO_WEBHOOK_TWILIO,
                                      &rq, time(NULL)),
                    VO_EAUTH);
    ck_assert_str_eq(tenant, "tenant-a");
    ck_assert_int_eq(res.reason, VO_VERIFY_MISMATCH);
    /* and B's own webhook verifies under B's token */
    deliver(url, sizeof(url), tb, "voice", TW_SPEC(ACCT2));
    rq = as_request(url);
    ck_assert_vo_ok(vo_routing_verify(tenant, sizeof(tenant), NULL, v, tb, VO_WEBHOOK_TWILIO,
                                      &rq, time(NULL)));
    ck_assert_str_eq(tenant, "tenant-b");
    /* Vapi: A's secret on A's URL passes, B's secret fails */
    deliver(url, sizeof(url), ta, "vapi", VA_SPEC(VSECRET));
    rq = as_request(url);
    ck_assert_vo_ok(vo_routing_verify(tenant, sizeof(tenant), &res, v, ta, VO_WEBHOOK_VAPI, &rq,
                                      time(NULL)));
    ck_assert_str_eq(tenant, "tenant-a");
    deliver(url, sizeof(url), ta, "vapi", VA_SPEC(VSECRET2));
    rq = as_request(url);
    ck_assert_vo_rc(vo_routing_verify(NULL, 0, &res, v, ta, VO_WEBHOOK_VAPI, &rq, time(NULL)),
                    VO_EAUTH);
    /* unknown, malformed and replaced tokens */
    char forged[VO_ROUTING_TOKEN_SIZE];
    snprintf(forged, sizeof(forged), "%s", ta);
    forged[10] = forged[10] == 'A' ? 'B' : 'A';
    ck_assert_vo_rc(vo_routing_token_resolve(tenant, sizeof(tenant), v, forged), VO_ENOTFOUND);
    ck_assert_vo_rc(vo_routing_token_resolve(tenant, sizeof(tenant), v, "whk_short"),
                    VO_EREQUEST);
    ck_assert_vo_rc(vo_routing_token_resolve(tenant, sizeof(tenant), v, NULL), VO_EINVAL);
    ck_assert_vo_rc(vo_routing_token_resolve(tenant, 4, v, ta), VO_ERANGE);
    ck_assert_vo_rc(vo_routing_verify(NULL, 0, NULL, v, ta, (vo_webhook_provider)7, &rq, 0),
                    VO_EINVAL);
    ck_assert_vo_rc(vo_routing_verify(NULL, 0, NULL, v, ta, VO_WEBHOOK_VAPI, NULL, 0),
                    VO_EINVAL);
    char ta2[VO_ROUTING_TOKEN_SIZE];
    ck_assert_vo_ok(vo_routing_token_mint(ta2, sizeof(ta2), v, "tenant-a"));
    ck_assert_vo_rc(vo_routing_token_resolve(tenant, sizeof(tenant), v, ta), VO_ENOTFOUND);
    ck_assert_vo_ok(vo_routing_token_resolve(tenant, sizeof(tenant), v, ta2));
    ck_assert_str_eq(tenant, "tenant-a");
    /* a tenant without Vapi webhook settings: no key is an error, never a pass */
    pt_store_twilio(v, "tenant-c", ACCT, TOKEN);
    char tc[VO_ROUTING_TOKEN_SIZE];
    ck_assert_vo_ok(vo_routing_token_mint(tc, sizeof(tc), v, "tenant-c"));
    ck_assert_vo_rc(vo_routing_verify(NULL, 0, &res, v, tc, VO_WEBHOOK_VAPI, &rq, time(NULL)),
                    VO_EINVAL);
    ck_assert_int_eq(res.reason, VO_VERIFY_NO_KEY);

    /* Every path of vo_routing_verify() fills the result (pre-filled with garbage),
     * and maps to 4xx for what came from the network, 500 for the server's own faults. */
    const char *fn = "vo_routing_verify";
    deliver(url, sizeof(url), ta2, "voice", TW_SPEC(ACCT));
    rq = as_request(url);
    VT_EXPECT(res,
              vo_routing_verify(tenant, sizeof(tenant), &res, v, ta2, VO_WEBHOOK_TWILIO, &rq,
                                time(NULL)),
              VO_OK, VO_VERIFY_OK, 0, fn);
    ck_assert_int_eq(res.key_index, 0);
    VT_EXPECT(
        res,
        vo_routing_verify(tenant, sizeof(tenant), &res, v, ta2, (vo_webhook_provider)7, &rq, 0),
        VO_EINVAL, VO_VERIFY_INVALID_ARGUMENT, 0, fn);
    VT_EXPECT(
        res,
        vo_routing_verify(tenant, sizeof(tenant), &res, NULL, ta2, VO_WEBHOOK_TWILIO, &rq, 0),
        VO_EINVAL, VO_VERIFY_INVALID_ARGUMENT, 0, fn);
    VT_EXPECT(
        res,
        vo_routing_verify(tenant, sizeof(tenant), &res, v, NULL, VO_WEBHOOK_TWILIO, &rq, 0),
        VO_EINVAL, VO_VERIFY_INVALID_ARGUMENT, 0, fn);
    VT_EXPECT(
        res,
        vo_routing_verify(tenant, sizeof(tenant), &res, v, ta2, VO_WEBHOOK_TWILIO, NULL, 0),
        VO_EINVAL, VO_VERIFY_INVALID_ARGUMENT, 0, fn);
    VT_EXPECT(res, vo_routing_verify(tenant, 4, &res, v, ta2, VO_WEBHOOK_TWILIO, &rq, 0),
              VO_ERANGE, VO_VERIFY_INVALID_ARGUMENT, 0, fn);
    VT_EXPECT(res,
              vo_routing_verify(tenant, sizeof(tenant), &res, v, "whk_short", VO_WEBHOOK_TWILIO,
                                &rq, 0),
              VO_EREQUEST, VO_VERIFY_MALFORMED_TOKEN, 0, "vo_routing_token_resolve");
    VT_EXPECT(res,
              vo_routing_verify(tenant, sizeof(tenant), &res, v, "../../etc/passwd",
                                VO_WEBHOOK_VAPI, &rq, 0),
              VO_EREQUEST, VO_VERIFY_MALFORMED_TOKEN, 0, "vo_routing_token_resolve");
    VT_EXPECT(
        res,
        vo_routing_verify(tenant, sizeof(tenant), &res, v, forged, VO_WEBHOOK_TWILIO, &rq, 0),
        VO_ENOTFOUND, VO_VERIFY_UNKNOWN_TOKEN, 0, "vo_routing_token_resolve");
    VT_EXPECT(res,
              vo_routing_verify(tenant, sizeof(tenant), &res, v, ta, VO_WEBHOOK_TWILIO, &rq, 0),
              VO_ENOTFOUND, VO_VERIFY_UNKNOWN_TOKEN, 0, "vo_routing_token_resolve");
    VT_EXPECT(res, vo_routing_verify(NULL, 0, &res, v, tc, VO_WEBHOOK_VAPI, &rq, 0), VO_EINVAL,
              VO_VERIFY_NO_KEY, 0, fn);
    /* the request to ta2's URL signed with another account's token */
    deliver(url, sizeof(url), ta2, "voice", TW_SPEC(ACCT2));
    rq = as_request(url);
    VT_EXPECT(
        res, vo_routing_verify(tenant, sizeof(tenant), &res, v, ta2, VO_WEBHOOK_TWILIO, &rq, 0),
        VO_EAUTH, VO_VERIFY_MISMATCH, 0, "vo_webhook_twilio_verify_request");
    /* an over-long URL is the sender's doing: 414, not a 500 */
    char *long_url = malloc(VO_WEBHOOK_MAX_URL + 128);
    ck_assert_ptr_nonnull(long_url);
    int lu = snprintf(long_url, 128, "http://127.0.0.1/hooks/%s/voice?x=", ta2);
    ck_assert_int_lt(lu, 128);
    memset(long_url + lu, 'a', VO_WEBHOOK_MAX_URL);
    long_url[lu + VO_WEBHOOK_MAX_URL] = '\0';
    rq.url = long_url;
    VT_EXPECT(
        res, vo_routing_verify(tenant, sizeof(tenant), &res, v, ta2, VO_WEBHOOK_TWILIO, &rq, 0),
        VO_EREQUEST, VO_VERIFY_URL_TOO_LONG, 0, "vo_webhook_twilio_verify_request");
    ck_assert_int_eq(vo_verify_http_status(VO_EREQUEST, &res), 414);
    free(long_url);
    /* a result that was never initialised is refused, not passed */
    memset(&res, 0, sizeof(res));
    ck_assert_vo_rc(
        vo_routing_verify(tenant, sizeof(tenant), &res, v, ta2, VO_WEBHOOK_TWILIO, &rq, 0),
        VO_EINVAL);
    ck_assert_int_eq(res.reason, VO_VERIFY_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "vo_verify_result"));
    ck_assert_uint_eq(audit_count(v, "tenant-a", "webhook.token.mint", NULL), 2);
    const char *secrets[] = {TOKEN, TOKEN2, VSECRET, VSECRET2, ta + 4, tb + 4, ta2 + 4};
    audit_has_no(v, secrets, 7);
    close(recv_fd);
    vo_vault_close(v);
}
END_TEST

/* The webhook guard behind routing, with webhooks signed and sent by the sandbox over HTTP:
 * a redelivery carrying the same idempotency token is a retry, the same signed request an
 * hour later or with another token is a replay. */
START_TEST(webhook_routing_guard)
{
    fresh();
    receiver_up();
    vo_vault *v = pt_vault_open();
    onboard(v, "tenant-a", ACCT, TOKEN, VKEY, VSECRET);
    char ta[VO_ROUTING_TOKEN_SIZE], url[512], tenant[VO_VAULT_TENANT_MAX + 1];
    ck_assert_vo_ok(vo_routing_token_mint(ta, sizeof(ta), v, "tenant-a"));
    const int64_t now = (int64_t)time(NULL);
    vo_verify_result res = VO_VERIFY_RESULT_INIT;
    deliver(url, sizeof(url), ta, "status", TW_SPEC(ACCT));
    vo_webhook_request rq = as_request(url);
    int rc = vo_routing_guard(tenant, sizeof(tenant), &res, v, NULL, ta, VO_WEBHOOK_TWILIO, &rq,
                              now);
    ck_assert_vo_ok(rc);
    ck_assert_str_eq(tenant, "tenant-a");
    ck_assert_int_eq(res.seen, VO_VERIFY_SEEN_FIRST);
    /* Twilio's retry: the same request with the same I-Twilio-Idempotency-Token */
    rc = vo_routing_guard(tenant, sizeof(tenant), &res, v, NULL, ta, VO_WEBHOOK_TWILIO, &rq,
                          now + 4);
    ck_assert_vo_rc(rc, VO_EDUPLICATE);
    ck_assert_int_eq(res.seen_at_ms, now * 1000);
    ck_assert_int_eq(vo_verify_http_status(rc, &res), 200);
    rc = vo_routing_guard(NULL, 0, &res, v, NULL, ta, VO_WEBHOOK_TWILIO, &rq, now + 3600);
    ck_assert_vo_rc(rc, VO_EAUTH);
    ck_assert_int_eq(res.reason, VO_VERIFY_REPLAY);
    ck_assert_int_eq(vo_verify_http_status(rc, &res), 403);
    /* the same signed content sent again by the sandbox, with a fresh token: still a replay */
    deliver(url, sizeof(url), ta, "status", TW_SPEC(ACCT));
    rq = as_request(url);
    ck_assert_vo_rc(
        vo_routing_guard(NULL, 0, &res, v, NULL, ta, VO_WEBHOOK_TWILIO, &rq, now + 10),
        VO_EAUTH);
    /* the plain verify call still accepts it: signatures alone cannot tell */
    ck_assert_vo_ok(vo_routing_verify(NULL, 0, &res, v, ta, VO_WEBHOOK_TWILIO, &rq, now + 10));
    /* Vapi with the tenant's shared secret: a repeat is a duplicate */
    deliver(url, sizeof(url), ta, "vapi", VA_SPEC(VSECRET));
    rq = as_request(url);
    ck_assert_vo_ok(vo_routing_guard(NULL, 0, &res, v, NULL, ta, VO_WEBHOOK_VAPI, &rq, now));
    ck_assert_vo_rc(vo_routing_guard(NULL, 0, &res, v, NULL, ta, VO_WEBHOOK_VAPI, &rq, now + 1),
                    VO_EDUPLICATE);
    /* a forged request is refused as by vo_routing_verify and not recorded */
    int64_t rows = 0;
    ck_assert_vo_ok(vo_vault_seen_count(&rows, v));
    deliver(url, sizeof(url), ta, "status", TW_SPEC(ACCT2));
    rq = as_request(url);
    ck_assert_vo_rc(vo_routing_guard(NULL, 0, &res, v, NULL, ta, VO_WEBHOOK_TWILIO, &rq, now),
                    VO_EAUTH);
    ck_assert_int_eq(res.reason, VO_VERIFY_MISMATCH);
    int64_t after = 0;
    ck_assert_vo_ok(vo_vault_seen_count(&after, v));
    ck_assert_int_eq(after, rows);
    close(recv_fd);
    vo_vault_close(v);
}
END_TEST

/* ---- token rotation ------------------------------------------------------------------ */

static void sandbox_tokens(char *primary, char *secondary)
{
    cJSON *a = sandbox_ctl("GET", "/__sandbox/twilio/accounts/" ACCT, NULL, 200);
    cJSON *p = cJSON_GetObjectItem(a, "auth_token"),
          *s = cJSON_GetObjectItem(a, "secondary_auth_token");
    snprintf(primary, 40, "%s", p->valuestring);
    snprintf(secondary, 40, "%s", cJSON_IsString(s) ? s->valuestring : "");
    cJSON_Delete(a);
}

static int verify_signed_with(vo_vault *v, const char *wtok, const char *auth_token,
                              int *key_index)
{
    char url[512], tmpl[1024];
    snprintf(tmpl, sizeof(tmpl), TW_SPEC_TOKEN, auth_token);
    deliver(url, sizeof(url), wtok, "status", tmpl);
    vo_webhook_request rq = as_request(url);
    vo_verify_result res = VO_VERIFY_RESULT_INIT;
    int rc = vo_routing_verify(NULL, 0, &res, v, wtok, VO_WEBHOOK_TWILIO, &rq, time(NULL));
    if (key_index)
        *key_index = res.key_index;
    return rc;
}

/* A webhook token minted before its tenant was deleted and created again never resolves to
 * the new tenant of the same name (its webhooks would be verified with the new tenant's
 * keys), and a token minted for the new tenant does. */
START_TEST(webhook_token_of_a_deleted_tenant)
{
    fresh();
    vo_vault *v = pt_vault_open();
    ck_assert_vo_ok(vo_vault_tenant_create(v, "tenant-r"));
    char old[VO_ROUTING_TOKEN_SIZE], tenant[VO_VAULT_TENANT_MAX + 1];
    ck_assert_vo_ok(vo_routing_token_mint(old, sizeof(old), v, "tenant-r"));
    ck_assert_vo_ok(vo_routing_token_resolve(tenant, sizeof(tenant), v, old));
    ck_assert_vo_ok(vo_vault_tenant_delete(v, "tenant-r"));
    ck_assert_vo_rc(vo_routing_token_resolve(tenant, sizeof(tenant), v, old), VO_ENOTFOUND);
    ck_assert_vo_ok(vo_vault_tenant_create(v, "tenant-r"));
    ck_assert_vo_rc(vo_routing_token_resolve(tenant, sizeof(tenant), v, old), VO_ENOTFOUND);
    ck_assert_str_eq(tenant, "");
    char fresh_token[VO_ROUTING_TOKEN_SIZE];
    ck_assert_vo_ok(vo_routing_token_mint(fresh_token, sizeof(fresh_token), v, "tenant-r"));
    ck_assert_vo_ok(vo_routing_token_resolve(tenant, sizeof(tenant), v, fresh_token));
    ck_assert_str_eq(tenant, "tenant-r");
    ck_assert_vo_rc(vo_routing_token_resolve(tenant, sizeof(tenant), v, old), VO_ENOTFOUND);
    vo_vault_close(v);
}
END_TEST

/* An operator's credentials edit that commits while a rotation step is talking to Twilio
 * (the sandbox holds the Twilio answer for 700 ms): the rotation step gets VO_ECONFLICT and
 * the edit survives; the step writes nothing over it. */
typedef struct edit_arg {
    vo_vault *v;
    int rc;
} edit_arg;

static void *edit_during_twilio_call(void *p)
{
    edit_arg *a = p;
    struct timespec ts = {0, 250 * 1000 * 1000};
    nanosleep(&ts, NULL);
    vo_twilio_credentials *c = NULL;
    int64_t ver = 0;
    a->rc = vo_twilio_credentials_get(&c, &ver, a->v, "tenant-e");
    if (a->rc == VO_OK)
        a->rc = vo_twilio_credentials_set_region(c, "ie1");
    if (a->rc == VO_OK)
        a->rc = vo_twilio_credentials_put(NULL, a->v, "tenant-e", c, ver);
    vo_twilio_credentials_free(c);
    return NULL;
}

static int step_with_concurrent_edit(vo_vault *v, const char *method, const char *path,
                                     int (*step)(vo_vault *, const char *,
                                                 const vo_services_options *))
{
    sandbox_fault(method, path, "delay", 1, "\"delay_ms\":700");
    vo_services_options o = sopts();
    edit_arg a = {v, VO_ERROR};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, edit_during_twilio_call, &a), 0);
    int rc = step(v, "tenant-e", &o);
    pthread_join(t, NULL);
    ck_assert_msg(a.rc == VO_OK, "the edit failed: %s", vo_error_name(a.rc));
    vo_twilio_credentials *c = NULL;
    ck_assert_vo_ok(vo_twilio_credentials_get(&c, NULL, v, "tenant-e"));
    ck_assert_str_eq(vo_twilio_credentials_region(c), "ie1"); /* the edit survived */
    vo_twilio_credentials_free(c);
    /* back to no region for the next step */
    ck_assert_vo_ok(vo_twilio_credentials_get(&c, NULL, v, "tenant-e"));
    ck_assert_vo_ok(vo_twilio_credentials_set_region(c, NULL));
    ck_assert_vo_ok(vo_twilio_credentials_put(NULL, v, "tenant-e", c, VO_VAULT_ANY_VERSION));
    vo_twilio_credentials_free(c);
    return rc;
}

START_TEST(rotation_loses_to_a_concurrent_edit)
{
    fresh();
    vo_vault *v = pt_vault_open();
    onboard(v, "tenant-e", ACCT, TOKEN, VKEY, VSECRET);
    vo_services_options o = sopts();
    /* begin: Twilio created a secondary token, but the vault keeps the operator's edit */
    ck_assert_vo_rc(step_with_concurrent_edit(v, "POST", "/v1/AuthTokens/Secondary",
                                              vo_token_rotation_begin),
                    VO_ECONFLICT);
    vo_twilio_credentials *c = NULL;
    ck_assert_vo_ok(vo_twilio_credentials_get(&c, NULL, v, "tenant-e"));
    ck_assert_ptr_null(vo_twilio_credentials_secondary_auth_token(c));
    vo_twilio_credentials_free(c);
    /* a run without interference completes the rotation's first step */
    ck_assert_vo_ok(vo_token_rotation_begin(v, "tenant-e", &o));
    /* abort, interrupted the same way */
    ck_assert_vo_rc(step_with_concurrent_edit(v, "DELETE", "/v1/AuthTokens/Secondary",
                                              vo_token_rotation_abort),
                    VO_ECONFLICT);
    /* the abort again, without interference, completes; then a fresh window */
    ck_assert_vo_ok(vo_token_rotation_abort(v, "tenant-e", &o));
    int st = -1;
    ck_assert_vo_ok(vo_token_rotation_get(&st, v, "tenant-e"));
    ck_assert_int_eq(st, VO_ROTATION_IDLE);
    ck_assert_vo_ok(vo_token_rotation_begin(v, "tenant-e", &o));
    /* promote, interrupted the same way */
    ck_assert_vo_rc(step_with_concurrent_edit(v, "POST", "/v1/AuthTokens/Promote",
                                              vo_token_rotation_promote),
                    VO_ECONFLICT);
    vo_vault_close(v);
}
END_TEST

START_TEST(token_rotation)
{
    fresh();
    receiver_up();
    vo_vault *v = pt_vault_open();
    onboard(v, "tenant-a", ACCT, TOKEN, VKEY, VSECRET);
    char wt[VO_ROUTING_TOKEN_SIZE];
    ck_assert_vo_ok(vo_routing_token_mint(wt, sizeof(wt), v, "tenant-a"));
    vo_services_options o = sopts();
    int st = -1;
    ck_assert_vo_ok(vo_token_rotation_get(&st, v, "tenant-a"));
    ck_assert_int_eq(st, VO_ROTATION_IDLE);
    ck_assert_vo_rc(vo_token_rotation_promote(v, "tenant-a", &o), VO_ECONFLICT);
    ck_assert_vo_rc(vo_token_rotation_begin(v, NULL, &o), VO_EINVAL);
    ck_assert_vo_rc(vo_token_rotation_get(NULL, v, "tenant-a"), VO_EINVAL);

    ck_assert_vo_ok(vo_token_rotation_begin(v, "tenant-a", &o));
    ck_assert_vo_ok(vo_token_rotation_get(&st, v, "tenant-a"));
    ck_assert_int_eq(st, VO_ROTATION_WINDOW);
    ck_assert_vo_ok(vo_token_rotation_begin(v, "tenant-a", &o)); /* no-op in the window */
    ck_assert_int_eq(sandbox_count("POST", "/v1/AuthTokens/Secondary"), 1);
    char primary[40], secondary[40];
    sandbox_tokens(primary, secondary);
    ck_assert_str_eq(primary, TOKEN);
    ck_assert_str_ne(secondary, "");
    /* the window: both tokens verify */
    int ki = -1;
    ck_assert_vo_ok(verify_signed_with(v, wt, TOKEN, &ki));
    ck_assert_int_eq(ki, 0);
    ck_assert_vo_ok(verify_signed_with(v, wt, secondary, &ki));
    ck_assert_int_eq(ki, 1);
    ck_assert_vo_rc(verify_signed_with(v, wt, BADTOKEN, NULL), VO_EAUTH);

    ck_assert_vo_ok(vo_token_rotation_promote(v, "tenant-a", &o));
    ck_assert_vo_ok(vo_token_rotation_get(&st, v, "tenant-a"));
    ck_assert_int_eq(st, VO_ROTATION_IDLE);
    char p2[40], s2[40];
    sandbox_tokens(p2, s2);
    ck_assert_str_eq(p2, secondary);
    /* after promote only the new one */
    ck_assert_vo_rc(verify_signed_with(v, wt, TOKEN, NULL), VO_EAUTH);
    ck_assert_vo_ok(verify_signed_with(v, wt, secondary, &ki));
    ck_assert_int_eq(ki, 0);
    vo_twilio_credentials *c = NULL;
    ck_assert_vo_ok(vo_twilio_credentials_get(&c, NULL, v, "tenant-a"));
    ck_assert_str_eq(vo_twilio_credentials_auth_token(c), secondary);
    ck_assert_ptr_null(vo_twilio_credentials_secondary_auth_token(c));
    vo_twilio_credentials_free(c);

    /* resumable: a run that stopped after Twilio promoted but before the vault was updated */
    ck_assert_vo_ok(vo_token_rotation_begin(v, "tenant-a", &o));
    char p3[40], s3[40];
    sandbox_tokens(p3, s3);
    ck_assert_vo_ok(vo_vault_secret_put(NULL, v, "tenant-a", "rotation/twilio", "promoting", 9,
                                        VO_VAULT_ANY_VERSION));
    vo_twilio_credentials *direct = tw_creds(ACCT, s3);
    vo_twilio_options to = VO_TWILIO_OPTIONS_INIT;
    to.api_base_url = sandbox.url;
    to.accounts_base_url = sandbox.url;
    vo_twilio_client *tc = NULL;
    ck_assert_vo_ok(vo_twilio_client_new(&tc, direct, &to));
    vo_twilio_resource *r = NULL;
    ck_assert_vo_ok(
        vo_twilio_auth_token_promote(&r, NULL, tc)); /* the "crashed" run's promote */
    vo_twilio_resource_free(r);
    vo_twilio_client_free(tc);
    vo_twilio_credentials_free(direct);
    sandbox_ctl_ok("DELETE", "/__sandbox/requests", NULL, 200);
    ck_assert_vo_ok(vo_token_rotation_promote(v, "tenant-a", &o));
    ck_assert_int_eq(sandbox_count("POST", "/v1/AuthTokens/Promote"),
                     0); /* not promoted twice */
    ck_assert_vo_ok(vo_twilio_credentials_get(&c, NULL, v, "tenant-a"));
    ck_assert_str_eq(vo_twilio_credentials_auth_token(c), s3);
    vo_twilio_credentials_free(c);
    /* resumable: a run that stopped after creating a secondary it never stored */
    ck_assert_vo_ok(vo_vault_secret_put(NULL, v, "tenant-a", "rotation/twilio", "creating", 8,
                                        VO_VAULT_ANY_VERSION));
    ck_assert_vo_ok(vo_token_rotation_begin(v, "tenant-a", &o));
    ck_assert_vo_ok(vo_token_rotation_get(&st, v, "tenant-a"));
    ck_assert_int_eq(st, VO_ROTATION_WINDOW);
    /* abort closes the window */
    ck_assert_vo_ok(vo_token_rotation_abort(v, "tenant-a", &o));
    ck_assert_vo_ok(vo_token_rotation_get(&st, v, "tenant-a"));
    ck_assert_int_eq(st, VO_ROTATION_IDLE);
    ck_assert_vo_rc(vo_token_rotation_abort(v, "tenant-a", &o), VO_ECONFLICT);
    ck_assert_uint_ge(audit_count(v, "tenant-a", "rotation.begin", NULL), 3);
    ck_assert_uint_ge(audit_count(v, "tenant-a", "rotation.promote", NULL), 2);
    const char *secrets[] = {TOKEN, secondary, s3};
    audit_has_no(v, secrets, 3);
    close(recv_fd);
    vo_vault_close(v);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("services");
    TCase *t = tcase_create("sandbox");
    tcase_add_unchecked_fixture(t, up, down);
    tcase_set_timeout(t, 90);
    tcase_add_test(t, onboarding_refuses_bad_credentials_and_stores_nothing);
    tcase_add_test(t, number_import_end_to_end);
    tcase_add_test(t, webhook_routing);
    tcase_add_test(t, webhook_routing_guard);
    tcase_add_test(t, token_rotation);
    tcase_add_test(t, rotation_loses_to_a_concurrent_edit);
    tcase_add_test(t, webhook_token_of_a_deleted_tenant);
    suite_add_tcase(s, t);
    return s;
}

VO_SANDBOX_TEST_MAIN(suite)
