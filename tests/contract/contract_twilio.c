/* Contract test: every request the Twilio client sends, validated by Prism against Twilio's
 * own OpenAPI descriptions (twilio_api_v2010.json, twilio_accounts_v1.json).
 *
 * Run through tests/contract/run_contract.sh, which starts `prism mock` for both specs and
 * passes their URLs in VO_CONTRACT_API_URL and VO_CONTRACT_ACCOUNTS_URL. Prints TAP: one
 * line per operation; an operation fails when Prism rejects the request (422 = the request
 * does not match the spec) or the client cannot read Prism's answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "voiceops.h"

#define ACCT "AC0123456789abcdef0123456789abcdef"

static int n_tests, n_failed;

static void report(const char *name, int rc)
{
    n_tests++;
    if (rc == VO_OK) {
        printf("ok %d - %s\n", n_tests, name);
        return;
    }
    n_failed++;
    const vo_error *e = vo_error_last();
    printf("not ok %d - %s: %s (HTTP %d%s)\n", n_tests, name, vo_error_name(rc), e->http_status,
           e->http_status == 422 ? ", the request does not match the spec" : "");
    printf("# %s\n", e->message);
}

/* An operation returning a resource. */
#define RES(name, call)         \
  do {                          \
    r = NULL;                   \
    int rc_ = (call);           \
    report(name, rc_);          \
    vo_twilio_resource_free(r); \
  } while (0)

/* A list operation: the first page only (later pages would replay Prism's canned
 * next_page_uri examples, which are not requests of ours). */
#define ITER(name, call)                      \
  do {                                        \
    it = NULL;                                \
    int rc_ = (call);                         \
    if (rc_ == VO_OK) {                       \
      const vo_twilio_resource *item_ = NULL; \
      rc_ = vo_twilio_iter_next(&item_, it);  \
    }                                         \
    report(name, rc_);                        \
    vo_twilio_iter_free(it);                  \
  } while (0)

/*
 * Prism 5 reads a repeated form key (StatusCallbackEvent=a&StatusCallbackEvent=b) as one
 * overriding value, so it reports "must be array" for the array-typed fields that Twilio
 * documents as repeated parameters (stoplightio/prism issue 2473). For an operation that
 * sends such fields and gets a 422, replay the same form with the transport, read Prism's
 * violation list, and accept the request only when every violation is exactly that one
 * about a field we sent repeated.
 */
static const char *api_url;

static int only_array_violations(const char *path, const vo_param *form, size_t n)
{
    vo_http_client *h = NULL;
    if (vo_http_client_new(&h, NULL) != VO_OK)
        return 0;
    vo_http_request q = VO_HTTP_REQUEST_INIT;
    q.method = "POST";
    q.base_url = api_url;
    q.path = path;
    q.form = form;
    q.form_count = n;
    q.username = ACCT;
    q.password = "x";
    vo_http_response *resp = NULL;
    int ok = 0;
    if (vo_http_send(&resp, h, &q) == VO_OK && vo_http_response_status(resp) == 422) {
        cJSON *j = cJSON_Parse(vo_http_response_body(resp, NULL));
        cJSON *v = cJSON_GetObjectItem(j, "validation");
        ok = cJSON_GetArraySize(v) > 0;
        cJSON *it;
        cJSON_ArrayForEach(it, v)
        {
            const cJSON *m = cJSON_GetObjectItem(it, "message");
            char field[64] = "";
            if (!cJSON_IsString(m) ||
                sscanf(m->valuestring, "Request body property %63s must be array", field) !=
                    1) {
                ok = 0;
                break;
            }
            int repeated = 0;
            for (size_t i = 0; i < n; i++)
                repeated += strcmp(form[i].name, field) == 0;
            if (repeated < 1 || strstr(m->valuestring, " must be array") == NULL) {
                ok = 0;
                break;
            }
            printf("# Prism cannot read repeated '%s' as an array (known Prism limitation)\n",
                   field);
        }
        cJSON_Delete(j);
    }
    vo_http_response_free(resp);
    vo_http_client_free(h);
    return ok;
}

#define RES_ARRAYS(name, call, path, form, n)                           \
  do {                                                                  \
    r = NULL;                                                           \
    int rc_ = (call);                                                   \
    if (rc_ == VO_EVALIDATION && vo_error_last()->http_status == 422 && \
        only_array_violations(path, form, n))                           \
      rc_ = VO_OK;                                                      \
    report(name, rc_);                                                  \
    vo_twilio_resource_free(r);                                         \
  } while (0)

int main(void)
{
    const char *api = getenv("VO_CONTRACT_API_URL");
    const char *accounts = getenv("VO_CONTRACT_ACCOUNTS_URL");
    if (!api || !accounts) {
        printf(
            "1..0 # SKIP VO_CONTRACT_API_URL / VO_CONTRACT_ACCOUNTS_URL not set (run through run_contract.sh)\n");
        return 0;
    }
    api_url = api;
    if (vo_init() != VO_OK)
        return 2;
    vo_twilio_credentials *cr = NULL;
    if (vo_twilio_credentials_new(&cr) != VO_OK ||
        vo_twilio_credentials_set_account_sid(cr, ACCT) != VO_OK ||
        vo_twilio_credentials_set_auth_token(cr, "0f1e2d3c4b5a69780f1e2d3c4b5a6978") != VO_OK)
        return 2;
    vo_http_options h = VO_HTTP_OPTIONS_INIT;
    h.max_attempts = 1;
    h.breaker_threshold = -1;
    vo_twilio_options o = VO_TWILIO_OPTIONS_INIT;
    o.api_base_url = api;
    o.accounts_base_url = accounts;
    o.http = &h;
    vo_twilio_client *c = NULL;
    if (vo_twilio_client_new(&c, cr, &o) != VO_OK)
        return 2;

    vo_twilio_client *kc = NULL;
    vo_twilio_credentials *kcr = NULL;
    if (vo_twilio_credentials_new(&kcr) != VO_OK ||
        vo_twilio_credentials_set_account_sid(kcr, ACCT) != VO_OK ||
        vo_twilio_credentials_set_api_key(kcr, "SK0123456789abcdef0123456789abcdef",
                                          "abcdefABCDEF0123456789abcdefABCD") != VO_OK ||
        vo_twilio_client_new(&kc, kcr, &o) != VO_OK)
        return 2;
    vo_twilio_credentials_free(kcr);
    vo_twilio_credentials_free(cr);

    const char *PN = "PN0123456789abcdef0123456789abcdef";
    const char *CA = "CA0123456789abcdef0123456789abcdef";
    const char *SM = "SM0123456789abcdef0123456789abcdef";
    const char *SK = "SK0123456789abcdef0123456789abcdef";
    vo_twilio_resource *r = NULL;
    vo_twilio_iter *it = NULL;
    vo_secret *s = NULL;

    RES("account fetch", vo_twilio_account_get(&r, c));
    RES("account fetch with an API key", vo_twilio_account_get(&r, kc));
    vo_param sub_f[] = {
        {"FriendlyName", "tenant-42"}, {"Status", "active"}, {"PageSize", "20"}};
    ITER("subaccounts list", vo_twilio_subaccounts_list(&it, c, sub_f, 3));
    RES("subaccounts create", vo_twilio_subaccounts_create(&r, &s, c, "tenant-43"));
    vo_secret_free(s);
    s = NULL;

    vo_param num_f[] = {
        {"PhoneNumber", "+14155550100"}, {"FriendlyName", "front desk"}, {"PageSize", "50"}};
    ITER("numbers list", vo_twilio_numbers_list(&it, c, num_f, 3));
    RES("numbers fetch", vo_twilio_numbers_get(&r, c, PN));
    vo_param upd[] = {{"VoiceUrl", "https://example.com/voice"},
                      {"VoiceMethod", "POST"},
                      {"SmsUrl", "https://example.com/sms"},
                      {"SmsMethod", "GET"},
                      {"StatusCallback", "https://example.com/status"},
                      {"StatusCallbackMethod", "POST"},
                      {"FriendlyName", "support"},
                      {"VoiceApplicationSid", "AP0123456789abcdef0123456789abcdef"},
                      {"VoiceFallbackUrl", "https://example.com/fallback"}};
    RES("numbers update", vo_twilio_numbers_update(&r, c, PN, upd, 9));
    vo_param buy[] = {{"PhoneNumber", "+14155550100"},
                      {"FriendlyName", "bought"},
                      {"VoiceUrl", "https://example.com/voice"},
                      {"SmsUrl", "https://example.com/sms"}};
    RES("numbers purchase", vo_twilio_numbers_purchase(&r, c, buy, 4));
    vo_param buy_area[] = {{"AreaCode", "415"}};
    RES("numbers purchase by area code", vo_twilio_numbers_purchase(&r, c, buy_area, 1));
    report("numbers release", vo_twilio_numbers_release(c, PN));

    vo_param av_f[] = {{"AreaCode", "415"},      {"Contains", "555"}, {"SmsEnabled", "true"},
                       {"VoiceEnabled", "true"}, {"InRegion", "CA"},  {"PageSize", "10"}};
    ITER("available numbers Local",
         vo_twilio_available_numbers_search(&it, c, "US", "Local", av_f, 6));
    ITER("available numbers TollFree",
         vo_twilio_available_numbers_search(&it, c, "US", "TollFree", av_f + 1, 2));
    ITER("available numbers Mobile",
         vo_twilio_available_numbers_search(&it, c, "GB", "Mobile", NULL, 0));

    vo_param call[] = {
        {"Url", "https://example.com/twiml"}, {"StatusCallback", "https://example.com/cb"},
        {"StatusCallbackEvent", "initiated"}, {"StatusCallbackEvent", "completed"},
        {"StatusCallbackMethod", "POST"},     {"Timeout", "20"},
        {"MachineDetection", "Enable"},       {"Record", "false"}};
    vo_param call_form[10] = {{"To", "+14155550123"}, {"From", "+14155550100"}};
    memcpy(call_form + 2, call, sizeof(call));
    RES_ARRAYS("calls create (Url, repeated StatusCallbackEvent)",
               vo_twilio_calls_create(&r, c, "+14155550123", "+14155550100", call, 8),
               "/2010-04-01/Accounts/" ACCT "/Calls.json", call_form, 10);
    vo_param twiml[] = {{"Twiml", "<Response><Say>hi</Say></Response>"}};
    RES("calls create (Twiml)",
        vo_twilio_calls_create(&r, c, "+14155550123", "+14155550100", twiml, 1));
    vo_param app[] = {{"ApplicationSid", "AP0123456789abcdef0123456789abcdef"}};
    RES("calls create (ApplicationSid)",
        vo_twilio_calls_create(&r, c, "+14155550123", "+14155550100", app, 1));
    RES("calls fetch", vo_twilio_calls_get(&r, c, CA));
    vo_param call_f[] = {{"To", "+14155550123"},
                         {"From", "+14155550100"},
                         {"Status", "completed"},
                         {"StartTime>", "2024-01-01T00:00:00Z"},
                         {"PageSize", "20"}};
    ITER("calls list", vo_twilio_calls_list(&it, c, call_f, 5));
    vo_param hang[] = {{"Status", "completed"}};
    RES("calls update (hang up)", vo_twilio_calls_update(&r, c, CA, hang, 1));
    vo_param redirect[] = {{"Url", "https://example.com/next"}, {"Method", "POST"}};
    RES("calls update (redirect)", vo_twilio_calls_update(&r, c, CA, redirect, 2));

    vo_param msg[] = {{"From", "+14155550100"},
                      {"Body", "hello"},
                      {"StatusCallback", "https://example.com/m"}};
    RES("messages create (From, Body)",
        vo_twilio_messages_create(&r, c, "+14155550123", msg, 3));
    vo_param mms[] = {{"MessagingServiceSid", "MG0123456789abcdef0123456789abcdef"},
                      {"MediaUrl", "https://example.com/a.png"},
                      {"MediaUrl", "https://example.com/b.png"}};
    vo_param mms_form[4] = {{"To", "+14155550123"}};
    memcpy(mms_form + 1, mms, sizeof(mms));
    RES_ARRAYS("messages create (service, repeated MediaUrl)",
               vo_twilio_messages_create(&r, c, "+14155550123", mms, 3),
               "/2010-04-01/Accounts/" ACCT "/Messages.json", mms_form, 4);
    RES("messages fetch", vo_twilio_messages_get(&r, c, SM));
    vo_param msg_f[] = {{"To", "+14155550123"},
                        {"From", "+14155550100"},
                        {"DateSent>", "2024-01-01T00:00:00Z"},
                        {"PageSize", "20"}};
    ITER("messages list", vo_twilio_messages_list(&it, c, msg_f, 4));

    vo_param key_f[] = {{"PageSize", "20"}};
    ITER("keys list", vo_twilio_keys_list(&it, c, key_f, 1));
    RES("keys create", vo_twilio_keys_create(&r, &s, c, "ci key"));
    vo_secret_free(s);
    s = NULL;
    report("keys delete", vo_twilio_keys_delete(c, SK));

    RES("auth token secondary create", vo_twilio_auth_token_secondary_create(&r, &s, c));
    vo_secret_free(s);
    s = NULL;
    report("auth token secondary delete", vo_twilio_auth_token_secondary_delete(c));
    RES("auth token promote", vo_twilio_auth_token_promote(&r, &s, c));
    vo_secret_free(s);

    printf("1..%d\n", n_tests);
    printf("# %d passed, %d failed\n", n_tests - n_failed, n_failed);
    vo_twilio_client_free(kc);
    vo_twilio_client_free(c);
    vo_shutdown();
    return n_failed ? 1 : 0;
}
