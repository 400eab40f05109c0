/* The HTTP transport over real loopback HTTP against tests/fixtures/http_fixture.py:
 * request building, retries per policy, timeouts, deadline, circuit breaker, size cap,
 * concurrency with connection reuse, and logs without secrets. */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "testserver.h"
#include "testutil.h"

static vo_test_server fixture;
static const char *BASE;

static void fixture_up(void)
{
    if (vo_test_server_start(&fixture, "tests/fixtures/http_fixture.py", NULL) != 0) {
        fprintf(stderr, "cannot start the HTTP fixture\n");
        exit(2);
    }
    BASE = fixture.url;
}

static void fixture_down(void)
{
    vo_test_server_stop(&fixture);
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static vo_http_client *client_with(int max_attempts, long deadline_ms, long timeout_ms)
{
    vo_http_options o = VO_HTTP_OPTIONS_INIT;
    o.max_attempts = max_attempts;
    o.deadline_ms = deadline_ms;
    o.timeout_ms = timeout_ms;
    o.backoff_base_ms = 20;
    o.backoff_max_ms = 100;
    o.breaker_threshold = -1;
    vo_http_client *c = NULL;
    ck_assert_vo_ok(vo_http_client_new(&c, &o));
    return c;
}

static int do_req(vo_http_client *c, const char *method, const char *path,
                  vo_http_response **out)
{
    vo_http_request r = VO_HTTP_REQUEST_INIT;
    r.method = method;
    r.base_url = BASE;
    r.path = path;
    static const vo_param form[] = {{"To", "+15005550006"}, {"Body", "hello"}};
    if (method && strcmp(method, "POST") == 0) {
        r.form = form;
        r.form_count = 2;
    }
    return vo_http_send(out, c, &r);
}

/* Hits recorded by the fixture for a key. */
static int hits(const char *key)
{
    vo_http_client *c = client_with(1, 5000, 5000);
    char path[128];
    snprintf(path, sizeof(path), "/__hits/%s", key);
    vo_http_response *resp = NULL;
    ck_assert_vo_ok(do_req(c, "GET", path, &resp));
    cJSON *j = cJSON_Parse(vo_http_response_body(resp, NULL));
    int n = cJSON_GetObjectItem(j, "hits")->valueint;
    cJSON_Delete(j);
    vo_http_response_free(resp);
    vo_http_client_free(c);
    return n;
}

static int fixture_connections(void)
{
    vo_http_client *c = client_with(1, 5000, 5000);
    vo_http_response *resp = NULL;
    ck_assert_vo_ok(do_req(c, "GET", "/__connections", &resp));
    cJSON *j = cJSON_Parse(vo_http_response_body(resp, NULL));
    int n = cJSON_GetObjectItem(j, "connections")->valueint;
    cJSON_Delete(j);
    vo_http_response_free(resp);
    vo_http_client_free(c);
    return n;
}

static void unique_key(char *out, size_t size, const char *prefix)
{
    static atomic_int counter;
    snprintf(out, size, "%s-%d-%d", prefix, (int)getpid(), atomic_fetch_add(&counter, 1));
}

/* ---- request building ---------------------------------------------------------------- */

START_TEST(get_echo_query_headers)
{
    vo_http_client *c = client_with(1, 5000, 5000);
    vo_http_request r = VO_HTTP_REQUEST_INIT;
    r.base_url = BASE;
    r.path = "/echo";
    vo_param q[] = {{"PhoneNumber", "+1 415&x=y"}, {"PageSize", "20"}};
    vo_param h[] = {{"X-Extra", "yes"}};
    r.query = q;
    r.query_count = 2;
    r.headers = h;
    r.header_count = 1;
    vo_http_response *resp = NULL;
    ck_assert_vo_ok(vo_http_send(&resp, c, &r));
    ck_assert_int_eq(vo_http_response_status(resp), 200);
    ck_assert_int_eq(vo_http_response_attempts(resp), 1);
    cJSON *j = cJSON_Parse(vo_http_response_body(resp, NULL));
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(cJSON_GetObjectItem(j, "method")->valuestring, "GET");
    ck_assert_str_eq(cJSON_GetObjectItem(j, "query")->valuestring,
                     "PhoneNumber=%2B1%20415%26x%3Dy&PageSize=20");
    cJSON *hd = cJSON_GetObjectItem(j, "headers");
    ck_assert_str_eq(cJSON_GetObjectItem(hd, "x-extra")->valuestring, "yes");
    ck_assert_str_eq(cJSON_GetObjectItem(hd, "accept")->valuestring, "application/json");
    const char *ua = cJSON_GetObjectItem(hd, "user-agent")->valuestring;
    ck_assert_msg(strncmp(ua, "libvoiceops/" VO_VERSION_STRING " (", 19) == 0, "UA %s", ua);
    ck_assert_ptr_nonnull(strstr(ua, ") curl/"));
    const char *cid = cJSON_GetObjectItem(hd, "x-correlation-id")->valuestring;
    ck_assert_uint_eq(strlen(cid), 36); /* generated UUID */
    ck_assert_str_eq(cid, vo_http_response_correlation_id(resp));
    ck_assert_str_eq(vo_correlation_id_get(), ""); /* the thread's id is restored */
    ck_assert_str_eq(vo_http_response_header(resp, "content-type"), "application/json");
    ck_assert_ptr_nonnull(vo_http_response_request_id(resp));
    ck_assert_uint_eq(strlen(vo_http_response_request_id(resp)), 34);
    ck_assert_uint_gt(vo_http_response_header_count(resp), 2);
    const char *n, *v;
    ck_assert_vo_ok(vo_http_response_header_at(&n, &v, resp, 0));
    ck_assert_vo_rc(vo_http_response_header_at(&n, &v, resp, 999), VO_ERANGE);
    cJSON_Delete(j);
    vo_http_response_free(resp);
    vo_http_client_free(c);
}
END_TEST

START_TEST(post_form_and_json_bodies)
{
    vo_http_client *c = client_with(1, 5000, 5000);
    vo_http_request r = VO_HTTP_REQUEST_INIT;
    r.method = "POST";
    r.base_url = BASE;
    r.path = "/echo";
    vo_param f[] = {{"Body", "a b+c&d=é"},
                    {"StatusCallbackEvent", "initiated"},
                    {"StatusCallbackEvent", "answered"}};
    r.form = f;
    r.form_count = 3;
    r.correlation_id = "req-42_abc";
    vo_http_response *resp = NULL;
    ck_assert_vo_ok(vo_http_send(&resp, c, &r));
    cJSON *j = cJSON_Parse(vo_http_response_body(resp, NULL));
    ck_assert_str_eq(
        cJSON_GetObjectItem(j, "body")->valuestring,
        "Body=a%20b%2Bc%26d%3D%C3%A9&StatusCallbackEvent=initiated&StatusCallbackEvent=answered");
    cJSON *hd = cJSON_GetObjectItem(j, "headers");
    ck_assert_str_eq(cJSON_GetObjectItem(hd, "content-type")->valuestring,
                     "application/x-www-form-urlencoded");
    ck_assert_str_eq(cJSON_GetObjectItem(hd, "x-correlation-id")->valuestring, "req-42_abc");
    ck_assert_ptr_null(cJSON_GetObjectItem(hd, "expect"));
    cJSON_Delete(j);
    vo_http_response_free(resp);

    vo_http_request jr = VO_HTTP_REQUEST_INIT;
    jr.method = "PATCH";
    jr.base_url = BASE;
    jr.path = "/echo";
    jr.body = "{\"a\":1}";
    jr.body_len = 7;
    jr.bearer_token = "tok";
    ck_assert_vo_ok(vo_http_send(&resp, c, &jr));
    j = cJSON_Parse(vo_http_response_body(resp, NULL));
    ck_assert_str_eq(cJSON_GetObjectItem(j, "method")->valuestring, "PATCH");
    ck_assert_str_eq(cJSON_GetObjectItem(j, "body")->valuestring, "{\"a\":1}");
    hd = cJSON_GetObjectItem(j, "headers");
    ck_assert_str_eq(cJSON_GetObjectItem(hd, "content-type")->valuestring, "application/json");
    ck_assert_str_eq(cJSON_GetObjectItem(hd, "authorization")->valuestring, "Bearer tok");
    cJSON_Delete(j);
    vo_http_response_free(resp);
    vo_http_client_free(c);
}
END_TEST

START_TEST(methods_and_basic_auth)
{
    vo_http_client *c = client_with(1, 5000, 5000);
    const char *methods[] = {"DELETE", "PUT", "HEAD", "GET"};
    for (int i = 0; i < 4; i++) {
        vo_http_request r = VO_HTTP_REQUEST_INIT;
        r.method = methods[i];
        r.base_url = BASE;
        r.path = "/echo";
        r.username = "ACuser";
        r.password = "pw";
        vo_http_response *resp = NULL;
        ck_assert_vo_ok(vo_http_send(&resp, c, &r));
        ck_assert_int_eq(vo_http_response_status(resp), 200);
        if (strcmp(methods[i], "HEAD") != 0) {
            cJSON *j = cJSON_Parse(vo_http_response_body(resp, NULL));
            ck_assert_str_eq(cJSON_GetObjectItem(j, "method")->valuestring, methods[i]);
            ck_assert_str_eq(
                cJSON_GetObjectItem(cJSON_GetObjectItem(j, "headers"), "authorization")
                    ->valuestring,
                "Basic QUN1c2VyOnB3");
            cJSON_Delete(j);
        }
        vo_http_response_free(resp);
    }
    vo_http_client_free(c);
}
END_TEST

START_TEST(user_agent_suffix_and_thread_correlation)
{
    vo_http_options o = VO_HTTP_OPTIONS_INIT;
    o.user_agent_suffix = "python/3.11";
    vo_http_client *c = NULL;
    ck_assert_vo_ok(vo_http_client_new(&c, &o));
    const char *ua = vo_http_client_user_agent(c);
    size_t n = strlen(ua);
    ck_assert_str_eq(ua + n - strlen(" python/3.11"), " python/3.11");
    ck_assert_vo_ok(vo_correlation_id_set("thread-cid-1"));
    vo_http_response *resp = NULL;
    ck_assert_vo_ok(do_req(c, "GET", "/echo", &resp));
    ck_assert_str_eq(vo_http_response_correlation_id(resp), "thread-cid-1");
    ck_assert_str_eq(vo_correlation_id_get(), "thread-cid-1");
    vo_http_response_free(resp);
    vo_correlation_id_set(NULL);
    vo_http_client_free(c);

    vo_http_options bad = VO_HTTP_OPTIONS_INIT;
    bad.user_agent_suffix = "x\r\nInjected: 1";
    ck_assert_vo_rc(vo_http_client_new(&c, &bad), VO_EINVAL);
    ck_assert_ptr_null(c);
}
END_TEST

START_TEST(invalid_arguments)
{
    vo_http_client *c = client_with(1, 5000, 5000);
    vo_http_response *resp = (vo_http_response *)1;
    vo_http_request r = VO_HTTP_REQUEST_INIT;
    ck_assert_vo_rc(vo_http_send(&resp, c, &r), VO_EINVAL); /* no base URL */
    ck_assert_ptr_null(resp);
    r.base_url = "ftp://example.com";
    ck_assert_vo_rc(vo_http_send(&resp, c, &r), VO_EINVAL);
    r.base_url = BASE;
    vo_param h[] = {{"X-Bad", "a\r\nInjected: yes"}};
    r.headers = h;
    r.header_count = 1;
    ck_assert_vo_rc(vo_http_send(&resp, c, &r), VO_EINVAL);
    r.header_count = 0;
    r.correlation_id = "bad id with spaces";
    ck_assert_vo_rc(vo_http_send(&resp, c, &r), VO_EINVAL);
    r.correlation_id = NULL;
    r.version = 99;
    ck_assert_vo_rc(vo_http_send(&resp, c, &r), VO_EINVAL);
    ck_assert_vo_rc(vo_http_send(NULL, c, &r), VO_EINVAL);
    ck_assert_vo_rc(vo_http_send(&resp, NULL, &r), VO_EINVAL);
    vo_http_options o = VO_HTTP_OPTIONS_INIT;
    o.version = 7;
    vo_http_client *c2 = NULL;
    ck_assert_vo_rc(vo_http_client_new(&c2, &o), VO_EINVAL);
    o.version = VO_HTTP_OPTIONS_VERSION;
    o.timeout_ms = -5;
    ck_assert_vo_rc(vo_http_client_new(&c2, &o), VO_EINVAL);
    /* What libcurl refuses as too long is VO_ETOOBIG, not "out of memory" */
    size_t big = 8000001;
    char *long_text = malloc(big + 1);
    ck_assert_ptr_nonnull(long_text);
    memset(long_text, 'a', big);
    long_text[big] = '\0';
    vo_http_request lr = VO_HTTP_REQUEST_INIT;
    lr.base_url = BASE;
    vo_param lq[] = {{"q", long_text}};
    lr.query = lq;
    lr.query_count = 1;
    ck_assert_vo_rc(vo_http_send(&resp, c, &lr), VO_ETOOBIG);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "libcurl"));
    lr.query_count = 0;
    lr.form = lq;
    lr.form_count = 1;
    lr.method = "POST";
    ck_assert_vo_rc(vo_http_send(&resp, c, &lr), VO_ETOOBIG);
    lr.form_count = 0;
    long_text[0] = '/';
    lr.path = long_text; /* each part fits, the whole URL does not */
    ck_assert_vo_rc(vo_http_send(&resp, c, &lr), VO_ETOOBIG);
    ck_assert_ptr_null(resp);
    free(long_text);
    vo_http_client_free(NULL);
    vo_http_response_free(NULL);
    ck_assert_int_eq(vo_http_response_status(NULL), 0);
    ck_assert_ptr_null(vo_http_response_header(NULL, "x"));
    vo_http_client_free(c);
}
END_TEST

START_TEST(retry_after_parsing)
{
    ck_assert_int_eq(vo_http_parse_retry_after("120", 0), 120000);
    ck_assert_int_eq(vo_http_parse_retry_after(" 0 ", 0), 0);
    ck_assert_int_eq(vo_http_parse_retry_after("1.5", 0), -1);
    ck_assert_int_eq(vo_http_parse_retry_after("soon", 0), -1);
    ck_assert_int_eq(vo_http_parse_retry_after(NULL, 0), -1);
    /* Wed, 21 Oct 2015 07:28:00 GMT = 1445412480 */
    ck_assert_int_eq(
        vo_http_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480LL - 30), 30000);
    ck_assert_int_eq(
        vo_http_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480LL + 30), 0);
}
END_TEST

/* ---- retry policy -------------------------------------------------------------------- */

START_TEST(get_retried_on_5xx)
{
    char key[64], path[128];
    unique_key(key, sizeof(key), "get5xx");
    snprintf(path, sizeof(path), "/flaky/%s?fail=2&code=503", key);
    vo_http_client *c = client_with(4, 10000, 5000);
    vo_http_response *resp = NULL;
    ck_assert_vo_ok(do_req(c, "GET", path, &resp));
    ck_assert_int_eq(vo_http_response_status(resp), 200);
    ck_assert_int_eq(vo_http_response_attempts(resp), 3);
    ck_assert_int_eq(hits(key), 3);
    vo_http_stats st = VO_HTTP_STATS_INIT;
    ck_assert_vo_ok(vo_http_client_stats(&st, c));
    ck_assert_uint_eq(st.retries, 2);
    vo_http_response_free(resp);
    vo_http_client_free(c);
}
END_TEST

START_TEST(post_not_retried_on_5xx)
{
    char key[64], path[128];
    unique_key(key, sizeof(key), "post5xx");
    snprintf(path, sizeof(path), "/flaky/%s?fail=1&code=500", key);
    vo_http_client *c = client_with(4, 10000, 5000);
    vo_http_response *resp = NULL;
    ck_assert_vo_ok(do_req(c, "POST", path, &resp));
    ck_assert_int_eq(vo_http_response_status(resp), 500);
    ck_assert_int_eq(vo_http_response_attempts(resp), 1);
    ck_assert_int_eq(hits(key), 1);
    vo_http_response_free(resp);
    vo_http_client_free(c);
}
END_TEST

START_TEST(post_marked_idempotent_is_retried)
{
    char key[64], path[128];
    unique_key(key, sizeof(key), "postidem");
    snprintf(path, sizeof(path), "/flaky/%s?fail=1&code=502", key);
    vo_http_client *c = client_with(4, 10000, 5000);
    vo_http_request r = VO_HTTP_REQUEST_INIT;
    r.method = "POST";
    r.base_url = BASE;
    r.path = path;
    vo_param f[] = {{"FriendlyName", "x"}};
    r.form = f;
    r.form_count = 1;
    r.idempotency = VO_HTTP_IDEMPOTENT_YES;
    vo_http_response *resp = NULL;
    ck_assert_vo_ok(vo_http_send(&resp, c, &r));
    ck_assert_int_eq(vo_http_response_status(resp), 201);
    ck_assert_int_eq(hits(key), 2);
    vo_http_response_free(resp);
    vo_http_client_free(c);
}
END_TEST

START_TEST(post_retried_on_429_after_retry_after)
{
    char key[64], path[128];
    unique_key(key, sizeof(key), "post429");
    snprintf(path, sizeof(path), "/flaky/%s?fail=1&code=429&retry_after=1", key);
    vo_http_client *c = client_with(4, 10000, 5000);
    vo_http_response *resp = NULL;
    long t0 = now_ms();
    ck_assert_vo_ok(do_req(c, "POST", path, &resp));
    long took = now_ms() - t0;
    ck_assert_int_eq(vo_http_response_status(resp), 201);
    ck_assert_int_eq(vo_http_response_attempts(resp), 2);
    ck_assert_msg(took >= 950, "Retry-After: 1 honoured (took %ld ms)", took);
    ck_assert_int_eq(hits(key), 2);
    vo_http_response_free(resp);
    vo_http_client_free(c);
}
END_TEST

START_TEST(retry_after_over_cap_is_not_waited)
{
    vo_http_options o = VO_HTTP_OPTIONS_INIT;
    o.retry_after_max_ms = 1000;
    o.breaker_threshold = -1;
    vo_http_client *c = NULL;
    ck_assert_vo_ok(vo_http_client_new(&c, &o));
    vo_http_response *resp = NULL;
    long t0 = now_ms();
    ck_assert_vo_ok(do_req(c, "GET", "/status/429?retry_after=120", &resp));
    ck_assert_int_lt(now_ms() - t0, 900);
    ck_assert_int_eq(vo_http_response_status(resp), 429);
    ck_assert_int_eq(vo_http_response_attempts(resp), 1);
    ck_assert_int_eq(vo_http_response_retry_after_ms(resp), 120000);
    vo_http_response_free(resp);
    vo_http_client_free(c);
}
END_TEST

/* A POST whose connection drops after the server read it must not be sent again, on a
 * fresh connection (libvoiceops' retry) and on a reused one (libcurl's silent resend). */
START_TEST(post_dropped_after_read_not_resent)
{
    vo_http_client *c = client_with(4, 10000, 5000);
    for (int reuse = 0; reuse < 2; reuse++) {
        vo_http_response *resp = NULL;
        if (reuse) {
            ck_assert_vo_ok(
                do_req(c, "GET", "/echo", &resp)); /* warm a keep-alive connection */
            vo_http_response_free(resp);
            resp = NULL;
        }
        char key[64], path[128];
        unique_key(key, sizeof(key), reuse ? "dropreuse" : "dropfresh");
        snprintf(path, sizeof(path), "/drop/%s", key);
        ck_assert_vo_rc(do_req(c, "POST", path, &resp), VO_ENETWORK);
        ck_assert_ptr_null(resp);
        ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "not resent"));
        ck_assert_int_eq(hits(key), 1);
    }
    vo_http_client_free(c);
}
END_TEST

START_TEST(get_dropped_is_retried)
{
    char key[64], path[128];
    unique_key(key, sizeof(key), "getdrop");
    snprintf(path, sizeof(path), "/dropflaky/%s?fail=1", key);
    vo_http_client *c = client_with(4, 10000, 5000);
    vo_http_response *resp = NULL;
    ck_assert_vo_ok(do_req(c, "GET", path, &resp));
    ck_assert_int_eq(vo_http_response_status(resp), 200);
    ck_assert_int_ge(hits(key), 2);
    vo_http_response_free(resp);
    vo_http_client_free(c);
}
END_TEST

/* Connection refused: nothing was sent, so even a POST is retried. */
START_TEST(post_retried_when_connect_fails)
{
    vo_http_client *c = client_with(3, 10000, 2000);
    vo_http_request r = VO_HTTP_REQUEST_INIT;
    r.method = "POST";
    r.base_url = "http://127.0.0.1:1"; /* nothing listens on port 1 */
    r.path = "/x";
    vo_param f[] = {{"To", "+1"}};
    r.form = f;
    r.form_count = 1;
    vo_http_response *resp = NULL;
    ck_assert_vo_rc(vo_http_send(&resp, c, &r), VO_ENETWORK);
    vo_http_stats st = VO_HTTP_STATS_INIT;
    ck_assert_vo_ok(vo_http_client_stats(&st, c));
    ck_assert_uint_eq(st.attempts, 3);
    ck_assert_uint_eq(st.retries, 2);
    ck_assert_str_ne(vo_error_last()->correlation_id, "");
    vo_http_client_free(c);
}
END_TEST

START_TEST(deadline_stops_retries)
{
    char key[64], path[128];
    unique_key(key, sizeof(key), "deadline");
    snprintf(path, sizeof(path), "/flaky/%s?fail=100&code=503", key);
    vo_http_options o = VO_HTTP_OPTIONS_INIT;
    o.max_attempts = 50;
    o.deadline_ms = 800;
    o.backoff_base_ms = 100;
    o.backoff_max_ms = 400;
    o.breaker_threshold = -1;
    vo_http_client *c = NULL;
    ck_assert_vo_ok(vo_http_client_new(&c, &o));
    vo_http_response *resp = NULL;
    long t0 = now_ms();
    int rc = do_req(c, "GET", path, &resp);
    long took = now_ms() - t0;
    ck_assert_msg(rc == VO_OK || rc == VO_ETIMEOUT, "rc %d", rc);
    ck_assert_msg(took < 1100, "stopped by the deadline (took %ld ms)", took);
    int n = hits(key);
    ck_assert_msg(n >= 2 && n < 50, "retried within the deadline only (%d)", n);
    if (resp)
        ck_assert_int_eq(vo_http_response_status(resp), 503);
    vo_http_response_free(resp);
    vo_http_client_free(c);
}
END_TEST

START_TEST(timeout_against_slow_endpoint)
{
    vo_http_client *c = client_with(1, 10000, 300);
    vo_http_response *resp = NULL;
    long t0 = now_ms();
    ck_assert_vo_rc(do_req(c, "GET", "/slow/3000", &resp), VO_ETIMEOUT);
    ck_assert_int_lt(now_ms() - t0, 1500);
    vo_http_client_free(c);

    /* A per-call deadline shorter than the attempt timeout wins, retries included. */
    c = client_with(5, 60000, 5000);
    char key[64], path[128];
    unique_key(key, sizeof(key), "slowdl");
    snprintf(path, sizeof(path), "/slow/3000/%s", key);
    vo_http_request r = VO_HTTP_REQUEST_INIT;
    r.base_url = BASE;
    r.path = path;
    r.deadline_ms = 400;
    t0 = now_ms();
    ck_assert_vo_rc(vo_http_send(&resp, c, &r), VO_ETIMEOUT);
    ck_assert_int_lt(now_ms() - t0, 1500);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "deadline"));
    ck_assert_int_eq(hits(key), 1);
    vo_http_client_free(c);
}
END_TEST

START_TEST(circuit_breaker_opens_and_recovers)
{
    vo_http_options o = VO_HTTP_OPTIONS_INIT;
    o.max_attempts = 1;
    o.breaker_threshold = 3;
    o.breaker_cooldown_ms = 500;
    vo_http_client *c = NULL;
    ck_assert_vo_ok(vo_http_client_new(&c, &o));
    char key[64], path[160];
    unique_key(key, sizeof(key), "breaker");
    snprintf(path, sizeof(path), "/status/503?key=%s", key);
    char hkey[96];
    snprintf(hkey, sizeof(hkey), "status-503-%s", key);
    vo_http_response *resp = NULL;
    for (int i = 0; i < 3; i++) {
        ck_assert_vo_ok(do_req(c, "GET", path, &resp));
        ck_assert_int_eq(vo_http_response_status(resp), 503);
        vo_http_response_free(resp);
    }
    ck_assert_int_eq(hits(hkey), 3);
    /* open: refused without reaching the server, for any path on the host */
    ck_assert_vo_rc(do_req(c, "GET", path, &resp), VO_EUNAVAILABLE);
    ck_assert_vo_rc(do_req(c, "GET", "/echo", &resp), VO_EUNAVAILABLE);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, "circuit"));
    ck_assert_int_gt(vo_error_last()->retry_after_ms, 0);
    ck_assert_int_eq(hits(hkey), 3);
    /* half-open after the cool-down: a failed probe opens it again */
    usleep(600 * 1000);
    ck_assert_vo_ok(do_req(c, "GET", path, &resp));
    vo_http_response_free(resp);
    ck_assert_vo_rc(do_req(c, "GET", "/echo", &resp), VO_EUNAVAILABLE);
    /* a successful probe closes it */
    usleep(600 * 1000);
    ck_assert_vo_ok(do_req(c, "GET", "/echo", &resp));
    ck_assert_int_eq(vo_http_response_status(resp), 200);
    vo_http_response_free(resp);
    ck_assert_vo_ok(do_req(c, "GET", "/echo", &resp));
    vo_http_response_free(resp);
    /* closed again, failures count from zero (requests and successes take a path without
     * the breaker lock while no breaker has failures): 2 failures and a success leave it
     * closed, 3 consecutive failures open it again */
    for (int i = 0; i < 2; i++) {
        ck_assert_vo_ok(do_req(c, "GET", path, &resp));
        vo_http_response_free(resp);
    }
    ck_assert_vo_ok(do_req(c, "GET", "/echo", &resp));
    vo_http_response_free(resp);
    for (int i = 0; i < 2; i++) {
        ck_assert_vo_ok(do_req(c, "GET", path, &resp));
        vo_http_response_free(resp);
    }
    ck_assert_vo_ok(do_req(c, "GET", "/echo", &resp)); /* 2 failures: still closed */
    vo_http_response_free(resp);
    for (int i = 0; i < 3; i++) {
        ck_assert_vo_ok(do_req(c, "GET", path, &resp));
        vo_http_response_free(resp);
    }
    ck_assert_vo_rc(do_req(c, "GET", "/echo", &resp), VO_EUNAVAILABLE);
    vo_http_stats st = VO_HTTP_STATS_INIT;
    ck_assert_vo_ok(vo_http_client_stats(&st, c));
    ck_assert_uint_eq(st.breaker_rejections, 4);
    vo_http_client_free(c);
}
END_TEST

START_TEST(response_size_cap)
{
    vo_http_options o = VO_HTTP_OPTIONS_INIT;
    o.max_response_bytes = 1000;
    vo_http_client *c = NULL;
    ck_assert_vo_ok(vo_http_client_new(&c, &o));
    vo_http_response *resp = NULL;
    ck_assert_vo_ok(do_req(c, "GET", "/big/1000", &resp));
    size_t len = 0;
    vo_http_response_body(resp, &len);
    ck_assert_uint_eq(len, 1000);
    vo_http_response_free(resp);
    ck_assert_vo_rc(do_req(c, "GET", "/big/5000", &resp), VO_ETOOBIG);
    ck_assert_ptr_null(resp);
    vo_http_client_free(c);
}
END_TEST

/* ---- concurrency --------------------------------------------------------------------- */

#define THREADS 16
#define PER_THREAD 40

static atomic_int thread_failures;

static void *worker(void *arg)
{
    vo_http_client *c = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        vo_http_response *resp = NULL;
        vo_http_request r = VO_HTTP_REQUEST_INIT;
        r.base_url = BASE;
        r.path = "/echo";
        if (vo_http_send(&resp, c, &r) != VO_OK || vo_http_response_status(resp) != 200)
            atomic_fetch_add(&thread_failures, 1);
        vo_http_response_free(resp);
    }
    return NULL;
}

START_TEST(sixteen_threads_share_one_client)
{
    vo_http_client *c = client_with(3, 20000, 10000);
    int before = fixture_connections();
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, worker, c);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    int opened = fixture_connections() - before - 1; /* minus the counting request itself */
    ck_assert_int_eq(atomic_load(&thread_failures), 0);
    vo_http_stats st = VO_HTTP_STATS_INIT;
    ck_assert_vo_ok(vo_http_client_stats(&st, c));
    ck_assert_uint_eq(st.requests, THREADS * PER_THREAD);
    ck_assert_msg(st.connects <= 2 * THREADS, "connections reused: %llu opened for %d requests",
                  (unsigned long long)st.connects, THREADS * PER_THREAD);
    ck_assert_msg(opened <= 2 * THREADS, "server saw %d connections", opened);
    vo_http_client_free(c);
}
END_TEST

/* Issue 9: a 429 whose Retry-After exceeds retry_after_max_ms (but not the deadline) ends
 * after one attempt, without waiting, and reports the delay. */
START_TEST(retry_after_over_cap_ends_without_waiting)
{
    vo_http_options o = VO_HTTP_OPTIONS_INIT;
    o.max_attempts = 4;
    o.retry_after_max_ms = 1000;
    o.deadline_ms = 60000; /* 5 s would fit the deadline */
    o.breaker_threshold = VO_HTTP_BREAKER_OFF;
    vo_http_client *c = NULL;
    ck_assert_vo_ok(vo_http_client_new(&c, &o));
    char key[64], path[128];
    unique_key(key, sizeof(key), "racap");
    snprintf(path, sizeof(path), "/flaky/%s?fail=3&code=429&retry_after=5", key);
    vo_http_request r = VO_HTTP_REQUEST_INIT;
    r.base_url = BASE;
    r.path = path;
    vo_http_response *resp = NULL;
    long t0 = now_ms();
    ck_assert_vo_ok(vo_http_send(&resp, c, &r));
    long took = now_ms() - t0;
    ck_assert_int_eq(vo_http_response_status(resp), 429);
    ck_assert_int_eq(vo_http_response_attempts(resp), 1);
    ck_assert_int_eq(vo_http_response_retry_after_ms(resp), 5000);
    ck_assert_msg(took < 1000, "waited %ld ms", took);
    vo_http_response_free(resp);
    vo_http_client_free(c);
}
END_TEST

static char log_text[65536];
static size_t log_len;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static void capture(const vo_log_record *rec, void *payload);

/* Issue 9: user info in a base URL given straight to vo_http_send is never logged (the
 * circuit breaker's host key, which appears in warnings, leaves it out). */
START_TEST(user_info_never_logged)
{
    log_len = 0;
    log_text[0] = '\0';
    vo_log_set_callback(capture, VO_LOG_TRACE, NULL);
    vo_http_options o = VO_HTTP_OPTIONS_INIT;
    o.max_attempts = 1;
    o.breaker_threshold = 1;
    o.breaker_cooldown_ms = 60000;
    vo_http_client *c = NULL;
    ck_assert_vo_ok(vo_http_client_new(&c, &o));
    char base[256];
    snprintf(base, sizeof(base), "http://user:hunter2@%s", BASE + strlen("http://"));
    vo_http_request r = VO_HTTP_REQUEST_INIT;
    r.base_url = base;
    r.path = "/status/503";
    vo_http_response *resp = NULL;
    ck_assert_vo_ok(vo_http_send(&resp, c, &r));
    vo_http_response_free(resp);
    ck_assert_vo_rc(vo_http_send(&resp, c, &r), VO_EUNAVAILABLE); /* the circuit is open */
    ck_assert_ptr_null(strstr(vo_error_last()->message, "hunter2"));
    ck_assert_ptr_nonnull(
        strstr(vo_error_last()->message, "circuit breaker open for http://127.0.0.1"));
    vo_log_set_callback(NULL, VO_LOG_NONE, NULL);
    ck_assert_ptr_nonnull(strstr(log_text, "circuit open"));
    ck_assert_ptr_null(strstr(log_text, "hunter2"));
    ck_assert_ptr_null(strstr(log_text, "user:"));
    vo_http_client_free(c);
}
END_TEST

/* ---- TLS ----------------------------------------------------------------------------- */

/* Issue 9: a certificate failure was treated as transient: retried four times (a POST
 * included) and counted by the circuit breaker. It is VO_ETLS after one attempt, without a
 * breaker record, and the message says what failed. Certificates are made at test time with
 * openssl (tests/fixtures/make_test_certs.sh) and served by the fixture with --tls. */
static char cert_dir[256];

static void certs_up(void)
{
    snprintf(cert_dir, sizeof(cert_dir), "%s/vo-test-certs-%ld",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long)getpid());
    char script[1024], cmd[2048];
    vo_test_source_path("tests/fixtures/make_test_certs.sh", script, sizeof(script));
    snprintf(cmd, sizeof(cmd), "sh '%s' '%s'", script, cert_dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot make test certificates (openssl)\n");
        exit(2);
    }
}

static void certs_down(void)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cert_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", cert_dir);
}

/* POST to a TLS fixture serving certificate `which`, trusting `trust` (NULL: the system's
 * CA bundle); returns the code, with the client's attempt and breaker figures. */
static int tls_post(const char *which, const char *trust, vo_http_stats *st, int *status)
{
    vo_test_server tls;
    char arg[512], ca[512];
    snprintf(arg, sizeof(arg), "--tls=%s/%s", cert_dir, which);
    ck_assert_int_eq(vo_test_server_start(&tls, "tests/fixtures/http_fixture.py", arg), 0);
    ck_assert_ptr_nonnull(strstr(tls.url, "https://127.0.0.1:"));
    vo_http_options o = VO_HTTP_OPTIONS_INIT;
    o.max_attempts = 4;
    o.backoff_base_ms = 1;
    o.backoff_max_ms = 2;
    o.breaker_threshold = 1; /* one counted failure would open the circuit */
    o.disable_http2 = 1;
    if (trust) {
        snprintf(ca, sizeof(ca), "%s/%s/cert.pem", cert_dir, trust);
        o.ca_bundle_path = ca;
    }
    vo_http_client *c = NULL;
    ck_assert_vo_ok(vo_http_client_new(&c, &o));
    vo_http_request r = VO_HTTP_REQUEST_INIT;
    r.method = "POST";
    r.base_url = tls.url;
    r.path = "/echo";
    r.body = "{}";
    r.body_len = 2;
    r.idempotency = VO_HTTP_IDEMPOTENT_YES; /* even a request that may be resent is not */
    vo_http_response *resp = NULL;
    int rc = vo_http_send(&resp, c, &r);
    *status = resp ? vo_http_response_status(resp) : 0;
    vo_http_response_free(resp);
    if (rc == VO_ETLS) /* again: not refused by an open circuit */
        ck_assert_vo_rc(vo_http_send(&resp, c, &r), VO_ETLS);
    st->version = VO_HTTP_STATS_VERSION;
    ck_assert_vo_ok(vo_http_client_stats(st, c));
    vo_http_client_free(c);
    vo_test_server_stop(&tls);
    return rc;
}

START_TEST(tls_certificate_failures_are_permanent)
{
    vo_http_stats st;
    int status = 0;
    /* control: the certificate given as the trust anchor is accepted */
    ck_assert_vo_ok(tls_post("valid", "valid", &st, &status));
    ck_assert_int_eq(status, 200);
    struct {
        const char *cert, *trust, *what;
    } cases[] = {
        {"valid", NULL, "unknown CA"},
        {"expired", "expired", "certificate expired"},
        {"wrongname", "wrongname", "host name mismatch"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = tls_post(cases[i].cert, cases[i].trust, &st, &status);
        ck_assert_msg(rc == VO_ETLS, "%s: %s (%s)", cases[i].cert, vo_error_name(rc),
                      vo_error_last()->message);
        ck_assert_msg(strstr(vo_error_last()->message, cases[i].what) != NULL, "%s: %s",
                      cases[i].cert, vo_error_last()->message);
        ck_assert_msg(st.retries == 0 && st.attempts == 2, "%s: %llu attempts, %llu retries",
                      cases[i].cert, (unsigned long long)st.attempts,
                      (unsigned long long)st.retries);
        ck_assert_msg(st.breaker_rejections == 0, "%s: the breaker counted it", cases[i].cert);
    }
}
END_TEST

/* ---- logging ------------------------------------------------------------------------- */

static void capture(const vo_log_record *rec, void *payload)
{
    (void)payload;
    pthread_mutex_lock(&log_mu);
    int n = snprintf(log_text + log_len, sizeof(log_text) - log_len, "[%s] %s\n",
                     rec->correlation_id, rec->message);
    if (n > 0 && log_len + (size_t)n < sizeof(log_text))
        log_len += (size_t)n;
    pthread_mutex_unlock(&log_mu);
}

START_TEST(logs_never_carry_credentials)
{
    static const char TOKEN[] = "0123456789abcdef0123456789abcdef";
    static const char SECRET[] = "sk_live_VeryS3cretValue";
    log_len = 0;
    log_text[0] = '\0';
    vo_log_set_callback(capture, VO_LOG_TRACE, NULL);
    vo_http_client *c = client_with(3, 10000, 5000);
    char key[64], path[128];
    unique_key(key, sizeof(key), "logs");
    snprintf(path, sizeof(path), "/flaky/%s?fail=1&code=429&retry_after=0", key);
    vo_http_request r = VO_HTTP_REQUEST_INIT;
    r.method = "POST";
    r.base_url = BASE;
    r.path = path;
    r.username = "ACxxxxxxxx";
    r.password = TOKEN;
    r.correlation_id = "log-test-1";
    vo_param f[] = {{"AuthToken", TOKEN}, {"Secret", SECRET}, {"TwilioAuthToken", TOKEN}};
    r.form = f;
    r.form_count = 3;
    vo_http_response *resp = NULL;
    ck_assert_vo_ok(vo_http_send(&resp, c, &r));
    vo_http_response_free(resp);
    r.path = "/drop/x";
    ck_assert_vo_rc(vo_http_send(&resp, c, &r), VO_ENETWORK);
    ck_assert_ptr_null(strstr(vo_error_last()->message, TOKEN));
    vo_log_set_callback(NULL, VO_LOG_NONE, NULL);
    ck_assert_msg(log_len > 0, "something was logged");
    ck_assert_ptr_nonnull(strstr(log_text, "[log-test-1] POST /flaky/"));
    ck_assert_ptr_nonnull(strstr(log_text, "-> 429 attempt=1"));
    ck_assert_ptr_nonnull(strstr(log_text, "retrying"));
    ck_assert_ptr_null(strstr(log_text, TOKEN));
    ck_assert_ptr_null(strstr(log_text, SECRET));
    ck_assert_ptr_null(strstr(log_text, "QUN4")); /* base64 of "ACx..." credentials */
    ck_assert_ptr_null(strstr(log_text, "Authorization"));
    vo_http_client_free(c);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("http");
    TCase *b = tcase_create("requests");
    tcase_add_unchecked_fixture(b, fixture_up, fixture_down);
    tcase_set_timeout(b, 30);
    tcase_add_test(b, get_echo_query_headers);
    tcase_add_test(b, post_form_and_json_bodies);
    tcase_add_test(b, methods_and_basic_auth);
    tcase_add_test(b, user_agent_suffix_and_thread_correlation);
    tcase_add_test(b, invalid_arguments);
    tcase_add_test(b, retry_after_parsing);
    suite_add_tcase(s, b);
    TCase *r = tcase_create("retries");
    tcase_add_unchecked_fixture(r, fixture_up, fixture_down);
    tcase_set_timeout(r, 30);
    tcase_add_test(r, get_retried_on_5xx);
    tcase_add_test(r, post_not_retried_on_5xx);
    tcase_add_test(r, post_marked_idempotent_is_retried);
    tcase_add_test(r, post_retried_on_429_after_retry_after);
    tcase_add_test(r, retry_after_over_cap_is_not_waited);
    tcase_add_test(r, post_dropped_after_read_not_resent);
    tcase_add_test(r, get_dropped_is_retried);
    tcase_add_test(r, post_retried_when_connect_fails);
    tcase_add_test(r, deadline_stops_retries);
    tcase_add_test(r, timeout_against_slow_endpoint);
    tcase_add_test(r, circuit_breaker_opens_and_recovers);
    tcase_add_test(r, response_size_cap);
    tcase_add_test(r, retry_after_over_cap_ends_without_waiting);
    tcase_add_test(r, user_info_never_logged);
    suite_add_tcase(s, r);
    TCase *tls = tcase_create("tls");
    tcase_add_unchecked_fixture(tls, certs_up, certs_down);
    tcase_set_timeout(tls, 30);
    tcase_add_test(tls, tls_certificate_failures_are_permanent);
    suite_add_tcase(s, tls);
    TCase *t = tcase_create("threads_and_logs");
    tcase_add_unchecked_fixture(t, fixture_up, fixture_down);
    tcase_set_timeout(t, 60);
    tcase_add_test(t, sixteen_threads_share_one_client);
    tcase_add_test(t, logs_never_carry_credentials);
    suite_add_tcase(s, t);
    return s;
}

VO_TEST_MAIN(suite)
