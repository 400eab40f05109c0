/* The REST layer (lib/rest) over real loopback HTTP against tests/fixtures/http_fixture.py,
 * with a small test provider: the correlation-id scope, status mapping through the
 * provider's error reader, body parsing rules, JSON bodies, the DELETE-after-resend rule and
 * resources with secrets stripped. */
#include <cjson/cJSON.h>

#include "rest/rest_internal.h"
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

/* ---- a test provider ----------------------------------------------------------------- */

static int read_error_calls;
static bool use_label; /* report the "code" member as a label instead of a number */

static void test_read_error(vo__rest_error *e, int status, const cJSON *doc)
{
    read_error_calls++;
    e->code = status == 404 ? VO_ENOTFOUND : status == 409 ? VO_ECONFLICT : VO_EUNAVAILABLE;
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(doc, "code");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, "message");
    if (cJSON_IsNumber(c)) {
        if (use_label)
            e->label = "a_label";
        else
            e->provider_code = (long)c->valuedouble;
    }
    if (cJSON_IsString(m)) {
        snprintf(e->text, sizeof(e->text), "%s", m->valuestring);
        e->has_text = true;
    }
    e->more_info = "https://example.com/more";
}

static void test_strip(cJSON *obj)
{
    if (cJSON_IsObject(obj))
        cJSON_DeleteItemFromObjectCaseSensitive(obj, "secret");
}

static const vo__rest_provider OBJ_PROVIDER = {"Test", true, test_read_error, test_strip};
static const vo__rest_provider ANY_PROVIDER = {"Any", false, test_read_error, test_strip};

static vo__rest_client make_client(const vo__rest_provider *p)
{
    vo_http_options o = VO_HTTP_OPTIONS_INIT;
    o.max_attempts = 3;
    o.backoff_base_ms = 5;
    o.backoff_max_ms = 20;
    o.breaker_threshold = VO_HTTP_BREAKER_OFF;
    vo__rest_client c;
    ck_assert_vo_ok(vo__rest_client_init(&c, p, NULL, &o));
    ck_assert(c.owns_http);
    read_error_calls = 0;
    use_label = false;
    return c;
}

static vo__rest_request get(const char *path)
{
    vo__rest_request r = {.method = "GET",
                          .base_url = BASE,
                          .path = path,
                          .idempotency = VO_HTTP_IDEMPOTENT_AUTO};
    return r;
}

static const char *echoed_header(const vo__rest_reply *reply, const char *name)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(reply->doc, "headers");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(h, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- correlation-id scope ------------------------------------------------------------ */

START_TEST(cid_scope_rules)
{
    vo__cid_scope s;
    /* no thread id: a new one for the scope, none again after it */
    ck_assert_vo_ok(vo_correlation_id_set(NULL));
    ck_assert_vo_ok(vo__cid_scope_enter(&s, NULL));
    ck_assert_uint_eq(strlen(s.id), 36);
    ck_assert_str_eq(vo_correlation_id_get(), s.id);
    vo__cid_scope_leave(&s);
    ck_assert_str_eq(vo_correlation_id_get(), "");
    /* the thread's id is used and kept */
    ck_assert_vo_ok(vo_correlation_id_set("req-1"));
    ck_assert_vo_ok(vo__cid_scope_enter(&s, NULL));
    ck_assert_str_eq(s.id, "req-1");
    vo__cid_scope_leave(&s);
    ck_assert_str_eq(vo_correlation_id_get(), "req-1");
    /* a given id wins for the scope; the thread's comes back */
    ck_assert_vo_ok(vo__cid_scope_enter(&s, "run-7"));
    ck_assert_str_eq(s.id, "run-7");
    ck_assert_str_eq(vo_correlation_id_get(), "run-7");
    vo__cid_scope_leave(&s);
    ck_assert_str_eq(vo_correlation_id_get(), "req-1");
    /* an invalid given id fails and changes nothing */
    ck_assert_vo_rc(vo__cid_scope_enter(&s, "bad id"), VO_EINVAL);
    ck_assert_str_eq(vo_correlation_id_get(), "req-1");
    vo_correlation_id_set(NULL);
}
END_TEST

/* ---- calls --------------------------------------------------------------------------- */

START_TEST(call_ok_carries_thread_id)
{
    vo__rest_client c = make_client(&OBJ_PROVIDER);
    vo__rest_request r = get("/echo");
    vo__rest_reply reply;
    /* without a thread id: the request carries a new one, and the thread has none after */
    vo_correlation_id_set(NULL);
    ck_assert_vo_ok(vo__rest_call(&reply, &c, &r));
    ck_assert_int_eq(reply.status, 200);
    ck_assert_int_eq(reply.attempts, 1);
    ck_assert_int_ge(reply.sends, 1);
    ck_assert_str_eq(reply.request_id, "RQ000000000000000000000000000000"
                                       "00");
    const char *cid = echoed_header(&reply, "x-correlation-id");
    ck_assert_ptr_nonnull(cid);
    ck_assert_uint_eq(strlen(cid), 36);
    ck_assert_str_eq(vo_correlation_id_get(), "");
    cJSON_Delete(reply.doc);
    /* with one: the request carries it, and it stays */
    vo_correlation_id_set("tenant-42.op-9");
    ck_assert_vo_ok(vo__rest_call(&reply, &c, &r));
    ck_assert_str_eq(echoed_header(&reply, "x-correlation-id"), "tenant-42.op-9");
    ck_assert_str_eq(vo_correlation_id_get(), "tenant-42.op-9");
    cJSON_Delete(reply.doc);
    vo_correlation_id_set(NULL);
    vo__rest_client_clear(&c);
}
END_TEST

START_TEST(call_auth_and_json_body)
{
    vo__rest_client c = make_client(&OBJ_PROVIDER);
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "name", "n");
    vo__rest_request r = {.method = "POST",
                          .base_url = BASE,
                          .path = "/echo",
                          .json = body,
                          .bearer_token = "key-0123456789",
                          .idempotency = VO_HTTP_IDEMPOTENT_NO};
    vo__rest_reply reply;
    ck_assert_vo_ok(vo__rest_call(&reply, &c, &r));
    ck_assert_str_eq(echoed_header(&reply, "authorization"), "Bearer key-0123456789");
    ck_assert_str_eq(echoed_header(&reply, "content-type"), "application/json");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(reply.doc, "body");
    ck_assert_str_eq(b->valuestring, "{\"name\":\"n\"}");
    cJSON_Delete(reply.doc);
    cJSON_Delete(body);
    /* Basic with form fields */
    static const vo_param form[] = {{"To", "+15005550006"}};
    vo__rest_request f = {.method = "POST",
                          .base_url = BASE,
                          .path = "/echo",
                          .form = form,
                          .form_count = 1,
                          .username = "AC1",
                          .password = "pw",
                          .idempotency = VO_HTTP_IDEMPOTENT_NO};
    ck_assert_vo_ok(vo__rest_call(&reply, &c, &f));
    ck_assert_str_eq(echoed_header(&reply, "authorization"), "Basic QUMxOnB3");
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(reply.doc, "body")->valuestring,
                     "To=%2B15005550006");
    cJSON_Delete(reply.doc);
    vo__rest_client_clear(&c);
}
END_TEST

START_TEST(call_error_mapping)
{
    vo__rest_client c = make_client(&OBJ_PROVIDER);
    vo__rest_reply reply;
    /* a numeric provider code; the query is not in the message */
    vo__rest_request r = get("/shape/conflict?who=alice");
    ck_assert_vo_rc(vo__rest_call(&reply, &c, &r), VO_ECONFLICT);
    ck_assert_int_eq(read_error_calls, 1);
    ck_assert_ptr_null(reply.doc);
    ck_assert_int_eq(reply.status, 409);
    const vo_error *e = vo_error_last();
    ck_assert_str_eq(
        e->message,
        "Test error 21422 (HTTP 409) on GET /shape/conflict: Number is not available");
    ck_assert_int_eq(e->http_status, 409);
    ck_assert_int_eq(e->provider_code, 21422);
    ck_assert_str_eq(e->more_info, "https://example.com/more");
    ck_assert_str_eq(e->provider_request_id, reply.request_id);
    /* a label instead */
    use_label = true;
    ck_assert_vo_rc(vo__rest_call(&reply, &c, &r), VO_ECONFLICT);
    ck_assert_str_eq(vo_error_last()->message,
                     "Test HTTP 409 (a_label) on GET /shape/conflict: Number is not available");
    ck_assert_int_eq(vo_error_last()->provider_code, 0);
    /* no message in the body; then a body that is not JSON */
    use_label = false;
    r = get("/status/404");
    ck_assert_vo_rc(vo__rest_call(&reply, &c, &r), VO_ENOTFOUND);
    ck_assert_str_eq(vo_error_last()->message,
                     "Test HTTP 404 on GET /status/404: no error message");
    r = get("/shape/html502");
    ck_assert_vo_rc(vo__rest_call(&reply, &c, &r), VO_EUNAVAILABLE);
    ck_assert_str_eq(vo_error_last()->message,
                     "Test HTTP 502 on GET /shape/html502: error body not JSON");
    ck_assert_int_eq(reply.attempts, 3); /* a GET is retried on 502 by the transport */
    vo__rest_client_clear(&c);
}
END_TEST

START_TEST(call_body_rules)
{
    vo__rest_client obj = make_client(&OBJ_PROVIDER), any = make_client(&ANY_PROVIDER);
    vo__rest_reply reply;
    vo__rest_request r = get("/big/10");
    ck_assert_vo_rc(vo__rest_call(&reply, &obj, &r), VO_EPROTOCOL);
    ck_assert_str_eq(
        vo_error_last()->message,
        "Test answered GET /big/10 with HTTP 200 and a body that is not a JSON object");
    ck_assert_int_eq(vo_error_last()->http_status, 200);
    ck_assert_ptr_null(reply.doc);
    ck_assert_vo_rc(vo__rest_call(&reply, &any, &r), VO_EPROTOCOL);
    ck_assert_str_eq(vo_error_last()->message,
                     "Any answered GET /big/10 with HTTP 200 and a body that is not JSON");
    vo__rest_client_clear(&obj);
    vo__rest_client_clear(&any);
}
END_TEST

START_TEST(gone_rule)
{
    vo__rest_client c = make_client(&OBJ_PROVIDER);
    vo__rest_reply reply;
    vo__rest_request r = {.method = "DELETE",
                          .base_url = BASE,
                          .path = "/status/404",
                          .idempotency = VO_HTTP_IDEMPOTENT_AUTO};
    int rc = vo__rest_call(&reply, &c, &r);
    ck_assert_int_eq(rc, VO_ENOTFOUND);
    /* one attempt, one send: a real 404 */
    ck_assert(!vo__rest_gone(rc, &reply));
    ck_assert_int_eq(vo_error_last()->code, VO_ENOTFOUND);
    /* the same 404 after a retry or a silent resend: an earlier attempt deleted it */
    reply.attempts = 2;
    ck_assert(vo__rest_gone(rc, &reply));
    ck_assert_int_eq(vo_error_last()->code, VO_OK);
    reply.attempts = 1;
    reply.sends = 2;
    ck_assert(vo__rest_gone(VO_ENOTFOUND, &reply));
    ck_assert(!vo__rest_gone(VO_EUNAVAILABLE, &reply));
    ck_assert(!vo__rest_gone(VO_OK, &reply));
    vo__rest_client_clear(&c);
}
END_TEST

START_TEST(borrowed_transport)
{
    vo_http_client *http = NULL;
    ck_assert_vo_ok(vo_http_client_new(&http, NULL));
    vo__rest_client c;
    ck_assert_vo_ok(vo__rest_client_init(&c, &OBJ_PROVIDER, http, NULL));
    ck_assert_ptr_eq(c.http, http);
    ck_assert(!c.owns_http);
    vo__rest_client_clear(&c); /* does not free the borrowed one */
    vo_http_stats st = VO_HTTP_STATS_INIT;
    ck_assert_vo_ok(vo_http_client_stats(&st, http)); /* still alive and usable */
    ck_assert_int_eq(st.requests, 0);
    vo_http_client_free(http);
}
END_TEST

/* ---- resources ----------------------------------------------------------------------- */

typedef struct wrapped {
    vo__rest_resource rest;
} wrapped;

START_TEST(resource_from_reply)
{
    vo__rest_reply reply = {0};
    reply.doc = cJSON_Parse("{\"sid\":\"PN1\",\"secret\":\"s3cr3t\",\"n\":\"12\",\"b\":true}");
    reply.status = 201;
    snprintf(reply.request_id, sizeof(reply.request_id), "RQ1");
    vo__rest_resource *r = NULL;
    ck_assert_vo_ok(vo__rest_resource_new(&r, sizeof(wrapped), VO__H_TWILIO_RESOURCE, &reply,
                                          &OBJ_PROVIDER, "/x"));
    ck_assert_ptr_null(reply.doc); /* taken */
    ck_assert_str_eq(vo__rest_resource_json(r), "{\"sid\":\"PN1\",\"n\":\"12\",\"b\":true}");
    ck_assert_str_eq(vo__rest_resource_str(r, "sid"), "PN1");
    ck_assert_ptr_null(vo__rest_resource_str(r, "secret"));
    ck_assert_str_eq(r->request_id, "RQ1");
    long long n = 0;
    ck_assert_vo_ok(vo__rest_resource_int(r, "n", &n, true));
    ck_assert_int_eq(n, 12);
    ck_assert_vo_rc(vo__rest_resource_int(r, "n", &n, false), VO_EPARSE);
    int b = 0;
    ck_assert_vo_ok(vo__rest_resource_bool(r, "b", &b));
    ck_assert_int_eq(b, 1);
    /* a handle of the type it was made with: freed once, a second close is refused */
    ck_assert(vo__handle_ok(r, VO__H_TWILIO_RESOURCE));
    ck_assert(!vo__handle_ok(r, VO__H_VAPI_RESOURCE));
    vo__handle_close(r, VO__H_TWILIO_RESOURCE, "test");
    ck_assert(!vo__handle_ok(r, VO__H_TWILIO_RESOURCE));

    /* no document: an empty object */
    reply.doc = NULL;
    ck_assert_vo_ok(vo__rest_resource_new(&r, sizeof(wrapped), VO__H_TWILIO_RESOURCE, &reply,
                                          &OBJ_PROVIDER, "/x"));
    ck_assert_str_eq(vo__rest_resource_json(r), "{}");
    vo__handle_close(r, VO__H_TWILIO_RESOURCE, "test");

    /* not an object */
    reply.doc = cJSON_Parse("[1,2]");
    r = NULL;
    ck_assert_vo_rc(vo__rest_resource_new(&r, sizeof(wrapped), VO__H_VAPI_RESOURCE, &reply,
                                          &ANY_PROVIDER, "/list"),
                    VO_EPROTOCOL);
    ck_assert_ptr_null(r);
    ck_assert_ptr_null(reply.doc);
    ck_assert_str_eq(vo_error_last()->message, "Any's answer to /list is not a JSON object");
    ck_assert_int_eq(vo_error_last()->http_status, 201);
}
END_TEST

START_TEST(resource_items)
{
    cJSON *page = cJSON_Parse("[{\"id\":\"a\"},{\"id\":\"b\"}]");
    vo__rest_resource cur;
    memset(&cur, 0, sizeof(cur));
    vo__rest_item_init(&cur, VO__H_VAPI_RESOURCE);
    ck_assert(vo__handle_ok(&cur, VO__H_VAPI_RESOURCE));
    vo__rest_item_set(&cur, page->child);
    ck_assert_str_eq(vo__rest_resource_json(&cur), "{\"id\":\"a\"}");
    vo__rest_item_clear(&cur);
    ck_assert_ptr_null(cur.json);
    vo__rest_item_set(&cur, page->child->next);
    ck_assert_str_eq(vo__rest_resource_str(&cur, "id"), "b");
    ck_assert_str_eq(vo__rest_resource_json(&cur), "{\"id\":\"b\"}");
    vo__rest_item_clear(&cur);
    ck_assert_ptr_null(cur.root); /* the page stays the iterator's */
    cJSON_Delete(page);
}
END_TEST

static Suite *rest_suite(void)
{
    Suite *s = suite_create("rest");
    TCase *core = tcase_create("scope");
    tcase_add_test(core, cid_scope_rules);
    suite_add_tcase(s, core);
    TCase *calls = tcase_create("calls");
    tcase_add_unchecked_fixture(calls, fixture_up, fixture_down);
    tcase_set_timeout(calls, 60);
    tcase_add_test(calls, call_ok_carries_thread_id);
    tcase_add_test(calls, call_auth_and_json_body);
    tcase_add_test(calls, call_error_mapping);
    tcase_add_test(calls, call_body_rules);
    tcase_add_test(calls, gone_rule);
    tcase_add_test(calls, borrowed_transport);
    suite_add_tcase(s, calls);
    TCase *res = tcase_create("resources");
    tcase_add_test(res, resource_from_reply);
    tcase_add_test(res, resource_items);
    suite_add_tcase(s, res);
    return s;
}

VO_TEST_MAIN(rest_suite)
