/* Handles that fail safe, misused the way a garbage collector or a careless caller does:
 * double free, use after close, the wrong destructor (including vo_free() on a handle and a
 * handle's free function on a vo_free() string) for every handle type; a vault closed
 * before its clients; a shared HTTP client freed before the clients that use it; a client
 * freed before its iterator; and all of it from several threads. Real SQLite vault, real
 * HTTP against the sandbox. Under ASan every late call reads quarantined, valid memory. */
#include <pthread.h>
#include <stdatomic.h>

#include "provider_testutil.h"
#include "core/handle.h"
#include "core/internal.h"

#define ACCT "AC0123456789abcdef0123456789abcdef"
#define TOKEN "0f1e2d3c4b5a69780f1e2d3c4b5a6978"
#define VKEY "vapi-private-key-tenant-1"
#define TENANT "tenant-1"
#define UUID0 "00000000-0000-4000-8000-000000000000"

/* The last call recorded VO_EHANDLE with a message naming fn and containing what. */
#define ck_assert_ehandle(fn, what)                                                        \
  do {                                                                                     \
    const vo_error *e_ = vo_error_last();                                                  \
    ck_assert_msg(e_->code == VO_EHANDLE, "want VO_EHANDLE, got %s (%s)",                  \
                  vo_error_name(e_->code), e_->message);                                   \
    const char *fn_ = (fn);                                                                \
    ck_assert_msg(strncmp(e_->message, fn_, strlen(fn_)) == 0 &&                           \
                      strncmp(e_->message + strlen(fn_), ": ", 2) == 0,                    \
                  "message does not start with %s: %s", fn_, e_->message);                 \
    ck_assert_msg(strstr(e_->message, what), "message lacks '%s': %s", what, e_->message); \
  } while (0)

/* ---- fixtures ------------------------------------------------------------------------- */

static void up(void)
{
    pt_vault_dir_up("handles");
    sandbox_up();
}

static void down(void)
{
    sandbox_down();
    pt_vault_dir_down();
}

/* Fresh sandbox state: a Twilio account with numbers and a Vapi org; a vault tenant with
 * credentials for both. */
static void fresh(void)
{
    sandbox_ctl_ok("POST", "/__sandbox/reset", NULL, 200);
    sandbox_ctl_ok("POST", "/__sandbox/twilio/accounts",
                   "{\"account_sid\":\"" ACCT "\",\"auth_token\":\"" TOKEN "\"}", 201);
    sandbox_ctl_ok("POST", "/__sandbox/twilio/accounts/" ACCT "/numbers",
                   "{\"numbers\":[\"+15005550001\",\"+15005550002\",\"+15005550003\","
                   "\"+15005550004\",\"+15005550005\"]}",
                   201);
    sandbox_ctl_ok("POST", "/__sandbox/vapi/keys", "{\"api_key\":\"" VKEY "\"}", 201);
    vo_vault *v = pt_vault_open();
    pt_store_twilio(v, TENANT, ACCT, TOKEN);
    pt_store_vapi(NULL, v, TENANT, VKEY);
    vo_vault_close(v);
}

static vo_http_options quick_http(void)
{
    vo_http_options h = VO_HTTP_OPTIONS_INIT;
    h.backoff_base_ms = 10;
    h.backoff_max_ms = 50;
    h.breaker_threshold = -1;
    return h;
}

static vo_twilio_client *twilio_client(vo_vault *v, vo_http_client *shared)
{
    vo_twilio_options o = VO_TWILIO_OPTIONS_INIT;
    o.api_base_url = sandbox.url;
    o.accounts_base_url = sandbox.url;
    vo_http_options h = quick_http();
    o.http = &h;
    o.http_client = shared;
    vo_twilio_client *c = NULL;
    ck_assert_vo_ok(vo_twilio_client_for_tenant(&c, v, TENANT, &o));
    return c;
}

static vo_vapi_client *vapi_client(vo_vault *v, vo_http_client *shared)
{
    vo_vapi_options o = VO_VAPI_OPTIONS_INIT;
    o.base_url = sandbox.url;
    vo_http_options h = quick_http();
    o.http = &h;
    o.http_client = shared;
    vo_vapi_client *c = NULL;
    ck_assert_vo_ok(vo_vapi_client_for_tenant(&c, v, TENANT, &o));
    return c;
}

static size_t count_twilio(vo_twilio_iter *it)
{
    size_t n = 0;
    const vo_twilio_resource *r = NULL;
    for (;;) {
        ck_assert_vo_ok(vo_twilio_iter_next(&r, it));
        if (!r)
            return n;
        ck_assert_ptr_nonnull(vo_twilio_resource_phone_number(r));
        n++;
    }
}

/* ---- every handle type: double free, use after close, wrong destructor ------------------ */

/* One handle type: how to make one, one public call that must refuse it once freed, and its
 * destructor. use() returns what the call returned mapped to an int (VO_EHANDLE, or for
 * accessors VO_OK when they answered as for NULL). */
typedef struct kind {
    const char *name;
    const char *free_fn;
    void *(*make)(void);
    int (*use)(void *h);
    void (*destroy)(void *h);
} kind;

static int accessor_refused(const void *got)
{
    return got == NULL && vo_error_last()->code == VO_EHANDLE ? VO_EHANDLE : VO_OK;
}

static void *make_vault(void)
{
    return pt_vault_open();
}
static int use_vault(void *h)
{
    return vo_vault_tenant_create(h, "tenant-x");
}
static void free_vault(void *h)
{
    vo_vault_close(h);
}

static void *make_keyring(void)
{
    vo_keyring *k = NULL;
    ck_assert_vo_ok(vo_keyring_new(&k));
    return k;
}
static int use_keyring(void *h)
{
    unsigned char key[32] = {1};
    return vo_keyring_add_key(h, "k2", key, sizeof(key));
}
static void free_keyring(void *h)
{
    vo_keyring_free(h);
}

static void *make_secret(void)
{
    vo_secret *s = NULL;
    ck_assert_vo_ok(vo_secret_new(&s, "tenant-a-value", 14));
    return s;
}
static int use_secret(void *h)
{
    return accessor_refused(vo_secret_data(h));
}
static void free_secret(void *h)
{
    vo_secret_free(h);
}

static void *make_http(void)
{
    vo_http_client *c = NULL;
    ck_assert_vo_ok(vo_http_client_new(&c, NULL));
    return c;
}
static int use_http(void *h)
{
    vo_http_stats st;
    return vo_http_client_stats(&st, h);
}
static void free_http(void *h)
{
    vo_http_client_free(h);
}

static void *make_twilio_creds(void)
{
    vo_twilio_credentials *c = NULL;
    ck_assert_vo_ok(vo_twilio_credentials_new(&c));
    ck_assert_vo_ok(vo_twilio_credentials_set_account_sid(c, ACCT));
    ck_assert_vo_ok(vo_twilio_credentials_set_auth_token(c, TOKEN));
    return c;
}
static int use_twilio_creds(void *h)
{
    return vo_twilio_credentials_set_auth_token(h, TOKEN);
}
static void free_twilio_creds(void *h)
{
    vo_twilio_credentials_free(h);
}

static void *make_vapi_creds(void)
{
    vo_vapi_credentials *c = NULL;
    ck_assert_vo_ok(vo_vapi_credentials_new(&c));
    return c;
}
static int use_vapi_creds(void *h)
{
    return vo_vapi_credentials_set_api_key(h, VKEY);
}
static void free_vapi_creds(void *h)
{
    vo_vapi_credentials_free(h);
}

static void *make_smtp_creds(void)
{
    vo_smtp_credentials *c = NULL;
    ck_assert_vo_ok(vo_smtp_credentials_new(&c));
    return c;
}
static int use_smtp_creds(void *h)
{
    return vo_smtp_credentials_set_port(h, 465);
}
static void free_smtp_creds(void *h)
{
    vo_smtp_credentials_free(h);
}

static void *make_twilio_client(void)
{
    vo_twilio_credentials *cr = make_twilio_creds();
    vo_twilio_options o = VO_TWILIO_OPTIONS_INIT;
    o.api_base_url = sandbox.url;
    o.accounts_base_url = sandbox.url;
    vo_twilio_client *c = NULL;
    ck_assert_vo_ok(vo_twilio_client_new(&c, cr, &o));
    vo_twilio_credentials_free(cr);
    return c;
}
static int use_twilio_client(void *h)
{
    vo_twilio_resource *r = NULL;
    return vo_twilio_account_get(&r, h);
}
static void free_twilio_client(void *h)
{
    vo_twilio_client_free(h);
}

static void *make_vapi_client(void)
{
    vo_vapi_options o = VO_VAPI_OPTIONS_INIT;
    o.base_url = sandbox.url;
    vo_vapi_client *c = NULL;
    ck_assert_vo_ok(vo_vapi_client_new(&c, VKEY, &o));
    return c;
}
static int use_vapi_client(void *h)
{
    vo_vapi_resource *r = NULL;
    return vo_vapi_assistants_get(&r, h, UUID0);
}
static void free_vapi_client(void *h)
{
    vo_vapi_client_free(h);
}

static void *make_form(void)
{
    vo_form *f = NULL;
    ck_assert_vo_ok(vo_form_parse(&f, "a=1&b=2", 7));
    return f;
}
static int use_form(void *h)
{
    return accessor_refused(vo_form_get(h, "a"));
}
static void free_form(void *h)
{
    vo_form_free(h);
}

static void *make_tenant_list(void)
{
    vo_vault *v = pt_vault_open();
    pt_tenant(v, "tenant-l");
    vo_tenant_list *l = NULL;
    ck_assert_vo_ok(vo_vault_tenant_list(&l, v, NULL, 10));
    vo_vault_close(v);
    return l;
}
static int use_tenant_list(void *h)
{
    return accessor_refused(vo_tenant_list_id(h, 0));
}
static void free_tenant_list(void *h)
{
    vo_tenant_list_free(h);
}

static void *make_secret_list(void)
{
    vo_vault *v = pt_vault_open();
    pt_tenant(v, "tenant-l");
    ck_assert_vo_ok(
        vo_vault_secret_put(NULL, v, "tenant-l", "s1", "v", 1, VO_VAULT_ANY_VERSION));
    vo_secret_list *l = NULL;
    ck_assert_vo_ok(vo_vault_secret_list(&l, v, "tenant-l"));
    vo_vault_close(v);
    return l;
}
static int use_secret_list(void *h)
{
    return accessor_refused(vo_secret_list_name(h, 0));
}
static void free_secret_list(void *h)
{
    vo_secret_list_free(h);
}

static void *make_audit_list(void)
{
    vo_vault *v = pt_vault_open();
    pt_tenant(v, "tenant-l");
    ck_assert_vo_ok(vo_vault_audit_flush(v));
    vo_audit_list *l = NULL;
    ck_assert_vo_ok(vo_vault_audit_list(&l, v, NULL, 0, 0, 0, 10));
    vo_vault_close(v);
    return l;
}
static int use_audit_list(void *h)
{
    return accessor_refused(vo_audit_list_action(h, 0));
}
static void free_audit_list(void *h)
{
    vo_audit_list_free(h);
}

static void *make_import_report(void)
{
    vo_vault *v = pt_vault_open();
    const char csv[] = "tenant,name,value\ntenant-i,n1,v1\n";
    vo_import_report *r = NULL;
    ck_assert_vo_ok(vo_vault_import_buffer(&r, v, csv, sizeof(csv) - 1, VO_IMPORT_CSV,
                                           VO_IMPORT_CREATE_TENANTS));
    vo_vault_close(v);
    return r;
}
static int use_import_report(void *h)
{
    vo_error_clear();
    int64_t n = vo_import_report_imported(h);
    return n == 0 && vo_error_last()->code == VO_EHANDLE ? VO_EHANDLE : VO_OK;
}
static void free_import_report(void *h)
{
    vo_import_report_free(h);
}

static void *make_vapi_message(void)
{
    const char body[] = "{\"message\":{\"type\":\"status-update\",\"status\":\"ended\"}}";
    vo_vapi_message *m = NULL;
    ck_assert_vo_ok(vo_vapi_message_parse(&m, body, sizeof(body) - 1));
    return m;
}
static int use_vapi_message(void *h)
{
    return accessor_refused(vo_vapi_message_status(h));
}
static void free_vapi_message(void *h)
{
    vo_vapi_message_free(h);
}

static void *make_tool_results(void)
{
    vo_vapi_tool_results *r = NULL;
    ck_assert_vo_ok(vo_vapi_tool_results_new(&r));
    return r;
}
static int use_tool_results(void *h)
{
    return vo_vapi_tool_results_add(h, "call-1", NULL, "ok", NULL);
}
static void free_tool_results(void *h)
{
    vo_vapi_tool_results_free(h);
}

/* Types made without the network; the rest (HTTP response, Twilio/Vapi resources and
 * iterators, number import report) are in the sandbox cases below. */
static const kind kinds[] = {
    {"vo_vault", "vo_vault_close", make_vault, use_vault, free_vault},
    {"vo_keyring", "vo_keyring_free", make_keyring, use_keyring, free_keyring},
    {"vo_secret", "vo_secret_free", make_secret, use_secret, free_secret},
    {"vo_http_client", "vo_http_client_free", make_http, use_http, free_http},
    {"vo_twilio_credentials", "vo_twilio_credentials_free", make_twilio_creds, use_twilio_creds,
     free_twilio_creds},
    {"vo_vapi_credentials", "vo_vapi_credentials_free", make_vapi_creds, use_vapi_creds,
     free_vapi_creds},
    {"vo_smtp_credentials", "vo_smtp_credentials_free", make_smtp_creds, use_smtp_creds,
     free_smtp_creds},
    {"vo_twilio_client", "vo_twilio_client_free", make_twilio_client, use_twilio_client,
     free_twilio_client},
    {"vo_vapi_client", "vo_vapi_client_free", make_vapi_client, use_vapi_client,
     free_vapi_client},
    {"vo_form", "vo_form_free", make_form, use_form, free_form},
    {"vo_tenant_list", "vo_tenant_list_free", make_tenant_list, use_tenant_list,
     free_tenant_list},
    {"vo_secret_list", "vo_secret_list_free", make_secret_list, use_secret_list,
     free_secret_list},
    {"vo_audit_list", "vo_audit_list_free", make_audit_list, use_audit_list, free_audit_list},
    {"vo_import_report", "vo_import_report_free", make_import_report, use_import_report,
     free_import_report},
    {"vo_vapi_message", "vo_vapi_message_free", make_vapi_message, use_vapi_message,
     free_vapi_message},
    {"vo_vapi_tool_results", "vo_vapi_tool_results_free", make_tool_results, use_tool_results,
     free_tool_results},
};
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

/* A string from a char ** out-parameter, freed with vo_free(). */
static char *out_string(void)
{
    char *s = NULL;
    ck_assert_vo_ok(vo_vapi_message_assistant_reply(&s, UUID0, NULL, NULL));
    ck_assert_ptr_nonnull(strstr(s, UUID0));
    return s;
}

START_TEST(double_free_and_use_after_free)
{
    const kind *k = &kinds[_i];
    void *h = k->make();
    vo_error_clear();
    k->destroy(h);
    ck_assert_int_eq(vo_error_last()->code, VO_OK);
    /* a late call: refused, not a read of freed memory */
    ck_assert_msg(k->use(h) == VO_EHANDLE, "%s: use after free not refused", k->name);
    ck_assert_int_eq(vo_error_last()->code, VO_EHANDLE);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, k->name));
    /* a second free: reported and ignored */
    vo_error_clear();
    k->destroy(h);
    ck_assert_ehandle(k->free_fn, "already");
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, k->name));
    /* and a third, for a finalizer that runs after close() and a second close() */
    vo_error_clear();
    k->destroy(h);
    ck_assert_ehandle(k->free_fn, "already");
}
END_TEST

START_TEST(wrong_destructor)
{
    const kind *k = &kinds[_i];
    const kind *other = &kinds[(_i + 1) % N_KINDS];
    void *h = k->make();
    /* vo_free() on a handle */
    vo_error_clear();
    vo_free(h);
    ck_assert_ehandle("vo_free", k->name);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, k->free_fn));
    /* another type's destructor */
    vo_error_clear();
    other->destroy(h);
    ck_assert_ehandle(other->free_fn, k->name);
    ck_assert_ptr_nonnull(strstr(vo_error_last()->message, other->name));
    /* the handle is untouched and still works */
    vo_error_clear();
    ck_assert_int_ne(k->use(h), VO_EHANDLE);
    k->destroy(h);
    /* a handle's free function on a vo_free() string */
    char *s = out_string();
    vo_error_clear();
    k->destroy(s);
    ck_assert_ehandle(k->free_fn, "vo_free()");
    ck_assert_ptr_nonnull(strstr(s, UUID0)); /* untouched */
    vo_free(s);
}
END_TEST

/* ---- vo_secret: never two holders on one block ----------------------------------------- */

START_TEST(secret_double_free_never_aliases)
{
    pt_log_start();
    vo_secret *a = NULL;
    ck_assert_vo_ok(vo_secret_new(&a, "tenant-A-secret", 15));
    vo_secret_free(a);
    vo_error_clear();
    vo_secret_free(a); /* a finalizer after close() */
    ck_assert_ehandle("vo_secret_free", "already freed");
    pt_log_stop();
    ck_assert_msg(strstr(pt_log, "handle") && strstr(pt_log, "already freed"),
                  "no error log line: %s", pt_log);

    /* The next two secrets are distinct blocks holding their own bytes. */
    vo_secret *b = NULL, *c = NULL;
    ck_assert_vo_ok(vo_secret_new(&b, "tenant-B-secret", 15));
    ck_assert_vo_ok(vo_secret_new(&c, "tenant-C-secret", 15));
    ck_assert_ptr_ne(b, c);
    ck_assert_ptr_ne(vo_secret_data(b), vo_secret_data(c));
    ck_assert_str_eq(vo_secret_str(b), "tenant-B-secret");
    ck_assert_str_eq(vo_secret_str(c), "tenant-C-secret");
    /* the freed holder stays dead: it never becomes one of them */
    ck_assert_ptr_ne(a, b);
    ck_assert_ptr_ne(a, c);
    ck_assert_ptr_null(vo_secret_data(a));
    ck_assert_uint_eq(vo_secret_len(a), 0);
    vo_secret_free(b);
    vo_secret_free(c);
}
END_TEST

START_TEST(secure_pool_double_free_is_ignored)
{
    /* The pool under vo_secret: a block freed twice is pooled once, so two allocations
     * after it get two different blocks. */
    unsigned char *p = vo__secure_alloc(40);
    ck_assert_ptr_nonnull(p);
    vo__secure_free(p);
    vo_error_clear();
    vo__secure_free(p);
    ck_assert_int_eq(vo_error_last()->code, VO_EHANDLE);
    unsigned char *x = vo__secure_alloc(40), *y = vo__secure_alloc(40);
    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_nonnull(y);
    ck_assert_ptr_ne(x, y);
    memset(x, 'x', 40);
    memset(y, 'y', 40);
    ck_assert_int_eq(x[0], 'x');
    vo__secure_free(x);
    vo__secure_free(y);
}
END_TEST

START_TEST(vo_free_strings)
{
    char *s = out_string();
    vo_vapi_tool_results *r = make_tool_results();
    ck_assert_vo_ok(vo_vapi_tool_results_add(r, "call-1", "lookup", "found", NULL));
    char *j = NULL;
    ck_assert_vo_ok(vo_vapi_tool_results_json(&j, r));
    ck_assert_ptr_nonnull(strstr(j, "call-1"));
    vo_vapi_tool_results_free(r);
    vo_error_clear();
    vo_free(s);
    vo_free(j);
    ck_assert_int_eq(vo_error_last()->code, VO_OK);
    vo_free(s);
    ck_assert_ehandle("vo_free", "double free");
    vo_free(NULL);
    /* memory the library never handed out is refused (and leaked, not freed) */
    static char not_ours[64] = "0123456789abcdef0123456789abcdef0123456789abcdef";
    vo_error_clear();
    vo_free(not_ours + 32);
    ck_assert_ehandle("vo_free", "not memory");
}
END_TEST

START_TEST(closed_states)
{
    /* Every free function accepts NULL without an error. */
    vo_error_clear();
    for (size_t i = 0; i < N_KINDS; i++)
        kinds[i].destroy(NULL);
    ck_assert_int_eq(vo_error_last()->code, VO_OK);
    ck_assert_str_eq(vo_error_name(VO_EHANDLE), "VO_EHANDLE");
    ck_assert_str_eq(vo_strerror(VO_EHANDLE),
                     "invalid handle: closed, freed or of another type");
    /* NULL still means what it meant: VO_EINVAL for calls, NULL/0 for accessors */
    ck_assert_vo_rc(vo_vault_tenant_create(NULL, "t"), VO_EINVAL);
    ck_assert_ptr_null(vo_secret_data(NULL));
    ck_assert_str_eq(vo_secret_str(NULL), "");
}
END_TEST

/* ---- closing in any order (sandbox) ------------------------------------------------------- */

START_TEST(vault_closed_before_its_clients)
{
    fresh();
    vo_vault *v = pt_vault_open();
    vo_twilio_client *tc = twilio_client(v, NULL);
    vo_vapi_client *vc = vapi_client(v, NULL);
    vo_vault_close(v);
    /* the clients do not depend on the vault */
    vo_twilio_resource *acct = NULL;
    ck_assert_vo_ok(vo_twilio_account_get(&acct, tc));
    ck_assert_str_eq(vo_twilio_resource_sid(acct), ACCT);
    vo_twilio_resource_free(acct);
    vo_vapi_iter *it = NULL;
    ck_assert_vo_ok(vo_vapi_assistants_list(&it, vc, NULL));
    vo_vapi_iter_free(it);
    /* a Vapi call given the closed vault is refused, not a read of freed memory */
    vo_vapi_number_params p = VO_VAPI_NUMBER_PARAMS_INIT;
    p.number = "+15005550001";
    vo_vapi_resource *res = NULL;
    ck_assert_vo_rc(vo_vapi_numbers_import_twilio(&res, vc, v, TENANT, &p), VO_EHANDLE);
    ck_assert_ehandle("vo_vapi_numbers_import_twilio", "vo_vault");
    vo_twilio_client *tc2 = NULL;
    ck_assert_vo_rc(vo_twilio_client_for_tenant(&tc2, v, TENANT, NULL), VO_EHANDLE);
    /* a webhook routed through the closed vault: the result says why, the handler answers 500
     * (the server's own bug), never a pass */
    vo_verify_result vr;
    memset(&vr, 0x5a, sizeof(vr));
    vr.version = VO_VERIFY_RESULT_VERSION;
    vo_webhook_request wr = VO_WEBHOOK_REQUEST_INIT;
    wr.url = "https://hooks.example.com/t";
    int vrc = vo_routing_verify(NULL, 0, &vr, v, "whk_x", VO_WEBHOOK_TWILIO, &wr, 0);
    ck_assert_vo_rc(vrc, VO_EHANDLE);
    ck_assert_int_eq(vr.reason, VO_VERIFY_INVALID_ARGUMENT);
    ck_assert_int_eq(vr.key_index, -1);
    ck_assert_int_eq(vo_verify_http_status(vrc, &vr), 500);
    vo_error_clear();
    vo_vault_close(v);
    ck_assert_ehandle("vo_vault_close", "already");
    vo_twilio_client_free(tc);
    vo_vapi_client_free(vc);
}
END_TEST

START_TEST(shared_http_client_freed_first)
{
    fresh();
    vo_http_options h = quick_http();
    vo_http_client *http = NULL;
    ck_assert_vo_ok(vo_http_client_new(&http, &h));
    vo_vault *v = pt_vault_open();
    vo_twilio_client *tc = twilio_client(v, http);
    vo_vapi_client *vc = vapi_client(v, http);
    vo_vault_close(v);
    ck_assert_ptr_eq(vo_twilio_client_http(tc), http);
    /* the owner lets go of the transport first (a GC finalizing in any order) */
    vo_http_client_free(http);
    /* for the owner it is closed */
    vo_http_stats st;
    ck_assert_vo_rc(vo_http_client_stats(&st, http), VO_EHANDLE);
    ck_assert_ehandle("vo_http_client_stats", "closed");
    vo_http_request rq = VO_HTTP_REQUEST_INIT;
    rq.base_url = sandbox.url;
    vo_http_response *resp = NULL;
    ck_assert_vo_rc(vo_http_send(&resp, http, &rq), VO_EHANDLE);
    vo_error_clear();
    vo_http_client_free(http);
    ck_assert_ehandle("vo_http_client_free", "already closed");
    /* the clients keep it alive and keep working */
    vo_twilio_iter *it = NULL;
    ck_assert_vo_ok(vo_twilio_numbers_list(&it, tc, NULL, 0));
    ck_assert_uint_eq(count_twilio(it), 5);
    vo_twilio_iter_free(it);
    vo_twilio_client_free(tc);
    vo_vapi_iter *vit = NULL;
    ck_assert_vo_ok(vo_vapi_numbers_list(&vit, vc, NULL));
    vo_vapi_iter_free(vit);
    vo_vapi_client_free(vc); /* the last reference: the transport goes now (LSan checks) */
}
END_TEST

START_TEST(client_freed_before_its_iterator)
{
    fresh();
    vo_vault *v = pt_vault_open();
    vo_twilio_client *tc = twilio_client(v, NULL);
    vo_vapi_client *vc = vapi_client(v, NULL);
    vo_vault_close(v);
    vo_param f[] = {{"PageSize", "2"}};
    vo_twilio_iter *it = NULL;
    ck_assert_vo_ok(vo_twilio_numbers_list(&it, tc, f, 1));
    vo_twilio_client_free(tc);
    /* a closed client is refused for new calls ... */
    vo_twilio_resource *r = NULL;
    ck_assert_vo_rc(vo_twilio_account_get(&r, tc), VO_EHANDLE);
    /* ... while the iterator, holding a reference, fetches its next pages with it */
    int before =
        sandbox_count("GET", "/2010-04-01/Accounts/" ACCT "/IncomingPhoneNumbers.json");
    ck_assert_uint_eq(count_twilio(it), 5);
    ck_assert_int_eq(vo_twilio_iter_pages(it), 3);
    ck_assert_int_eq(
        sandbox_count("GET", "/2010-04-01/Accounts/" ACCT "/IncomingPhoneNumbers.json"),
        before + 2);
    /* its current item is part of the iterator: its own free is refused */
    const vo_twilio_resource *item = NULL;
    vo_twilio_iter *it2 = NULL;
    vo_twilio_client *tc2 = NULL;
    vo_vault *v2 = pt_vault_open();
    tc2 = twilio_client(v2, NULL);
    vo_vault_close(v2);
    ck_assert_vo_ok(vo_twilio_numbers_list(&it2, tc2, NULL, 0));
    ck_assert_vo_ok(vo_twilio_iter_next(&item, it2));
    vo_error_clear();
    vo_twilio_resource_free((vo_twilio_resource *)item);
    ck_assert_ehandle("vo_twilio_resource_free", "iterator");
    ck_assert_ptr_nonnull(vo_twilio_resource_sid(item));
    vo_twilio_client_free(tc2);
    vo_twilio_iter_free(it2);
    vo_twilio_iter_free(it);
    vo_error_clear();
    vo_twilio_iter_free(it);
    ck_assert_ehandle("vo_twilio_iter_free", "already");
    ck_assert_vo_rc(vo_twilio_iter_next(&item, it), VO_EHANDLE);

    /* the same for Vapi: three assistants, one per page */
    for (int i = 0; i < 3; i++) {
        vo_vapi_assistant_params ap = VO_VAPI_ASSISTANT_PARAMS_INIT;
        ap.name = "handles";
        vo_vapi_resource *a = NULL;
        ck_assert_vo_ok(vo_vapi_assistants_create(&a, vc, &ap));
        vo_vapi_resource_free(a);
    }
    vo_vapi_list_options lo = VO_VAPI_LIST_OPTIONS_INIT;
    lo.page_size = 1;
    vo_vapi_iter *vit = NULL;
    ck_assert_vo_ok(vo_vapi_assistants_list(&vit, vc, &lo));
    vo_vapi_client_free(vc);
    int got = 0;
    const vo_vapi_resource *vr = NULL;
    for (;;) {
        ck_assert_vo_ok(vo_vapi_iter_next(&vr, vit));
        if (!vr)
            break;
        ck_assert_ptr_nonnull(vo_vapi_resource_id(vr));
        got++;
    }
    ck_assert_int_eq(got, 3);
    ck_assert_int_ge(vo_vapi_iter_pages(vit), 3);
    vo_vapi_iter_free(vit);
    vo_error_clear();
    vo_vapi_iter_free(vit);
    ck_assert_ehandle("vo_vapi_iter_free", "already");
}
END_TEST

START_TEST(network_handles)
{
    /* The handle types that need a provider to exist: HTTP response, Twilio and Vapi
     * resources, number import report. Double free, use after free, wrong destructor. */
    fresh();
    vo_vault *v = pt_vault_open();
    vo_http_client *http = make_http();
    vo_http_request rq = VO_HTTP_REQUEST_INIT;
    rq.base_url = sandbox.url;
    rq.path = "/__sandbox/stats";
    vo_http_response *resp = NULL;
    ck_assert_vo_ok(vo_http_send(&resp, http, &rq));
    ck_assert_int_eq(vo_http_response_status(resp), 200);
    vo_error_clear();
    vo_free(resp);
    ck_assert_ehandle("vo_free", "vo_http_response");
    vo_http_client_free((vo_http_client *)resp);
    ck_assert_ehandle("vo_http_client_free", "vo_http_response");
    ck_assert_int_eq(vo_http_response_status(resp), 200);
    vo_http_response_free(resp);
    vo_error_clear();
    ck_assert_ptr_null(vo_http_response_body(resp, NULL));
    ck_assert_ehandle("vo_http_response_body", "already freed");
    vo_http_response_free(resp);
    ck_assert_ehandle("vo_http_response_free", "already");
    const char *n = NULL, *val = NULL;
    ck_assert_vo_rc(vo_http_response_header_at(&n, &val, resp, 0), VO_EHANDLE);
    vo_http_client_free(http);

    vo_twilio_client *tc = twilio_client(v, NULL);
    vo_twilio_resource *acct = NULL;
    ck_assert_vo_ok(vo_twilio_account_get(&acct, tc));
    vo_error_clear();
    vo_vapi_resource_free((vo_vapi_resource *)acct);
    ck_assert_ehandle("vo_vapi_resource_free", "vo_twilio_resource");
    ck_assert_str_eq(vo_twilio_resource_sid(acct), ACCT);
    vo_twilio_resource_free(acct);
    vo_error_clear();
    ck_assert_ptr_null(vo_twilio_resource_json(acct));
    ck_assert_ehandle("vo_twilio_resource_json", "already freed");
    long long x = 0;
    ck_assert_vo_rc(vo_twilio_resource_int(&x, acct, "x"), VO_EHANDLE);
    vo_twilio_resource_free(acct);
    ck_assert_ehandle("vo_twilio_resource_free", "already");
    /* a Twilio client given to a Vapi call */
    vo_vapi_resource *vr = NULL;
    ck_assert_vo_rc(vo_vapi_assistants_get(&vr, (vo_vapi_client *)tc, UUID0), VO_EHANDLE);
    ck_assert_ehandle("vo_vapi_assistants_get", "vo_twilio_client");
    vo_twilio_client_free(tc);

    vo_vapi_client *vc = vapi_client(v, NULL);
    vo_vapi_assistant_params ap = VO_VAPI_ASSISTANT_PARAMS_INIT;
    ap.name = "handles";
    ck_assert_vo_ok(vo_vapi_assistants_create(&vr, vc, &ap));
    ck_assert_ptr_nonnull(vo_vapi_resource_id(vr));
    vo_error_clear();
    vo_twilio_resource_free((vo_twilio_resource *)vr);
    ck_assert_ehandle("vo_twilio_resource_free", "vo_vapi_resource");
    vo_vapi_resource_free(vr);
    vo_error_clear();
    ck_assert_ptr_null(vo_vapi_resource_id(vr));
    ck_assert_ehandle("vo_vapi_resource_str", "already freed");
    vo_vapi_resource_free(vr);
    ck_assert_ehandle("vo_vapi_resource_free", "already");
    vo_vapi_client_free(vc);

    vo_services_options so = VO_SERVICES_OPTIONS_INIT;
    vo_http_options h = quick_http();
    so.twilio_api_base_url = sandbox.url;
    so.twilio_accounts_base_url = sandbox.url;
    so.vapi_base_url = sandbox.url;
    so.http = &h;
    vo_number_import_report *rep = NULL;
    ck_assert_vo_ok(vo_number_import_run(&rep, v, TENANT, NULL, &so));
    ck_assert_uint_eq(vo_number_import_report_imported(rep), 5);
    vo_error_clear();
    vo_import_report_free((vo_import_report *)rep);
    ck_assert_ehandle("vo_import_report_free", "vo_number_import_report");
    vo_number_import_report_free(rep);
    vo_error_clear();
    ck_assert_uint_eq(vo_number_import_report_count(rep), 0);
    ck_assert_int_eq(vo_error_last()->code, VO_EHANDLE);
    ck_assert_ptr_null(vo_number_import_report_number(rep, 0));
    vo_number_import_report_free(rep);
    ck_assert_ehandle("vo_number_import_report_free", "already");
    vo_vault_close(v);
}
END_TEST

/* ---- threads ---------------------------------------------------------------------------- */

#define THREADS 8

static vo_vault *shared_vault;
static atomic_int close_ok, close_refused;

static void *close_race(void *arg)
{
    (void)arg;
    vo_error_clear();
    vo_vault_close(shared_vault);
    if (vo_error_last()->code == VO_EHANDLE)
        atomic_fetch_add(&close_refused, 1);
    else
        atomic_fetch_add(&close_ok, 1);
    return NULL;
}

START_TEST(threads_closing_one_handle)
{
    /* A finalizer thread and close() on others: exactly one close wins. */
    for (int round = 0; round < 5; round++) {
        shared_vault = pt_vault_open();
        atomic_store(&close_ok, 0);
        atomic_store(&close_refused, 0);
        pthread_t t[THREADS];
        for (int i = 0; i < THREADS; i++)
            ck_assert_int_eq(pthread_create(&t[i], NULL, close_race, NULL), 0);
        for (int i = 0; i < THREADS; i++)
            pthread_join(t[i], NULL);
        ck_assert_int_eq(atomic_load(&close_ok), 1);
        ck_assert_int_eq(atomic_load(&close_refused), THREADS - 1);
    }
}
END_TEST

static void *churn(void *arg)
{
    (void)arg;
    /* Every thread makes, misuses and frees handles of every offline type. Detection of a
     * use after free is promised while fewer than VO__HANDLE_QUARANTINE handles were freed
     * since (docs/handles.md), so all threads together free fewer than that in this test
     * (at most 3 handles per kind and round, plus the secrets), whatever the scheduling. */
    size_t per_round = THREADS * (N_KINDS * 3 + 3);
    size_t rounds = (VO__HANDLE_QUARANTINE - 64) / per_round;
    if (rounds < 1)
        return (void *)4;
    for (size_t round = 0; round < rounds; round++) {
        for (size_t k = 0; k < N_KINDS; k++) {
            if (kinds[k].make == make_vault || kinds[k].make == make_tenant_list ||
                kinds[k].make == make_secret_list || kinds[k].make == make_audit_list ||
                kinds[k].make == make_import_report)
                continue; /* SQLite-backed: one file, covered above */
            void *h = kinds[k].make();
            kinds[k].destroy(h);
            kinds[k].destroy(h);
            vo_error_clear();
            if (kinds[k].use(h) != VO_EHANDLE)
                return (void *)1;
        }
        vo_secret *a = NULL, *b = NULL;
        if (vo_secret_new(&a, "A", 1) != VO_OK || vo_secret_new(&b, "B", 1) != VO_OK)
            return (void *)2;
        if (a == b || strcmp(vo_secret_str(a), "A") != 0 || strcmp(vo_secret_str(b), "B") != 0)
            return (void *)3;
        vo_secret_free(a);
        vo_secret_free(b);
        vo_secret_free(a);
    }
    return NULL;
}

START_TEST(threads_misusing_handles)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, churn, NULL), 0);
    for (int i = 0; i < THREADS; i++) {
        void *r = NULL;
        pthread_join(t[i], &r);
        ck_assert_ptr_null(r);
    }
}
END_TEST

static vo_twilio_client *thread_clients[THREADS];

static void *use_and_free_client(void *arg)
{
    vo_twilio_client *c = thread_clients[(intptr_t)arg];
    vo_twilio_resource *r = NULL;
    int rc = vo_twilio_account_get(&r, c);
    vo_twilio_resource_free(r);
    vo_twilio_client_free(c);
    return (void *)(intptr_t)rc;
}

START_TEST(threads_sharing_a_freed_transport)
{
    /* Clients on several threads share one HTTP client that its owner already freed; each
     * thread frees its client, and the last one takes the transport with it. */
    fresh();
    vo_http_options h = quick_http();
    vo_http_client *http = NULL;
    ck_assert_vo_ok(vo_http_client_new(&http, &h));
    vo_vault *v = pt_vault_open();
    for (int i = 0; i < THREADS; i++)
        thread_clients[i] = twilio_client(v, http);
    vo_vault_close(v);
    vo_http_client_free(http);
    pthread_t t[THREADS];
    for (intptr_t i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, use_and_free_client, (void *)i), 0);
    for (int i = 0; i < THREADS; i++) {
        void *r = NULL;
        pthread_join(t[i], &r);
        ck_assert_int_eq((int)(intptr_t)r, VO_OK);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("handles");
    TCase *off = tcase_create("offline");
    tcase_add_unchecked_fixture(off, up, down);
    tcase_set_timeout(off, 60);
    tcase_add_loop_test(off, double_free_and_use_after_free, 0, (int)N_KINDS);
    tcase_add_loop_test(off, wrong_destructor, 0, (int)N_KINDS);
    tcase_add_test(off, secret_double_free_never_aliases);
    tcase_add_test(off, secure_pool_double_free_is_ignored);
    tcase_add_test(off, vo_free_strings);
    tcase_add_test(off, closed_states);
    suite_add_tcase(s, off);
    TCase *net = tcase_create("sandbox");
    tcase_add_unchecked_fixture(net, up, down);
    tcase_set_timeout(net, 60);
    tcase_add_test(net, vault_closed_before_its_clients);
    tcase_add_test(net, shared_http_client_freed_first);
    tcase_add_test(net, client_freed_before_its_iterator);
    tcase_add_test(net, network_handles);
    suite_add_tcase(s, net);
    TCase *thr = tcase_create("threads");
    tcase_add_unchecked_fixture(thr, up, down);
    tcase_set_timeout(thr, 120);
    tcase_add_test(thr, threads_closing_one_handle);
    tcase_add_test(thr, threads_misusing_handles);
    tcase_add_test(thr, threads_sharing_a_freed_transport);
    suite_add_tcase(s, thr);
    return s;
}

VO_SANDBOX_TEST_MAIN(suite)
