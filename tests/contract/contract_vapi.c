/* Contract test: every request the Vapi client sends, validated by Prism against Vapi's
 * OpenAPI description (vapi_openapi.json). Run through tests/contract/run_contract_vapi.sh,
 * which starts `prism mock` and passes its URL in VO_CONTRACT_VAPI_URL. Prints TAP; an
 * operation fails when Prism rejects the request (422) or its answer cannot be read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "voiceops.h"

#define ID "3fa85f64-5717-4562-b3fc-2c963f66afa6"

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
    printf("not ok %d - %s: %s (HTTP %d%s)\n# %s\n", n_tests, name, vo_error_name(rc),
           e->http_status, e->http_status == 422 ? ", the request does not match the spec" : "",
           e->message);
}

#define RES(name, call)       \
  do {                        \
    r = NULL;                 \
    report(name, (call));     \
    vo_vapi_resource_free(r); \
  } while (0)

#define ITER(name, call)                    \
  do {                                      \
    it = NULL;                              \
    int rc_ = (call);                       \
    if (rc_ == VO_OK) {                     \
      const vo_vapi_resource *item_ = NULL; \
      rc_ = vo_vapi_iter_next(&item_, it);  \
    }                                       \
    report(name, rc_);                      \
    vo_vapi_iter_free(it);                  \
  } while (0)

int main(void)
{
    const char *url = getenv("VO_CONTRACT_VAPI_URL");
    if (!url) {
        printf("1..0 # SKIP VO_CONTRACT_VAPI_URL not set (run through run_contract_vapi.sh)\n");
        return 0;
    }
    if (vo_init() != VO_OK)
        return 2;
    vo_http_options h = VO_HTTP_OPTIONS_INIT;
    h.max_attempts = 1;
    vo_vapi_options o = VO_VAPI_OPTIONS_INIT;
    o.base_url = url;
    o.http = &h;
    vo_vapi_client *c = NULL;
    if (vo_vapi_client_new(&c, "contract-test-key", &o) != VO_OK)
        return 2;
    /* a vault with the tenant's Twilio credentials, for the number import */
    char dir[] = "/tmp/vo-contract-XXXXXX", path[64];
    if (!mkdtemp(dir))
        return 2;
    snprintf(path, sizeof(path), "%s/vault.db", dir);
    vo_keyring *kr = NULL;
    unsigned char k[32] = {1, 2, 3};
    vo_keyring_new(&kr);
    vo_keyring_add_key(kr, "k1", k, 32);
    vo_vault_options vopt = VO_VAULT_OPTIONS_INIT;
    vopt.keyring = kr;
    vo_vault *v = NULL;
    if (vo_vault_open(&v, path, &vopt) != VO_OK)
        return 2;
    vo_keyring_free(kr);
    vo_vault_tenant_create(v, "t1");
    vo_twilio_credentials *tw = NULL;
    vo_twilio_credentials_new(&tw);
    vo_twilio_credentials_set_account_sid(tw, "AC0123456789abcdef0123456789abcdef");
    vo_twilio_credentials_set_auth_token(tw, "0f1e2d3c4b5a69780f1e2d3c4b5a6978");
    vo_twilio_credentials_put(NULL, v, "t1", tw, VO_VAULT_ANY_VERSION);
    vo_twilio_credentials_free(tw);

    vo_vapi_resource *r;
    vo_vapi_iter *it;
    vo_vapi_assistant_params ap = VO_VAPI_ASSISTANT_PARAMS_INIT;
    ap.name = "contract";
    ap.first_message = "Hello";
    ap.model_json = "{\"provider\":\"openai\",\"model\":\"gpt-4o\"}";
    ap.voice_json = "{\"provider\":\"azure\",\"voiceId\":\"andrew\"}";
    ap.server_url = "https://tenant.example/vapi";
    ap.server_credential_id = ID;
    ap.server_timeout_seconds = 20;
    RES("assistants create", vo_vapi_assistants_create(&r, c, &ap));
    vo_vapi_list_options lo = VO_VAPI_LIST_OPTIONS_INIT;
    lo.page_size = 10;
    lo.created_at_gt = "2024-01-01T00:00:00.000Z";
    lo.updated_at_lt = "2030-01-01T00:00:00.000Z";
    ITER("assistants list", vo_vapi_assistants_list(&it, c, &lo));
    RES("assistants get", vo_vapi_assistants_get(&r, c, ID));
    vo_vapi_assistant_params up = VO_VAPI_ASSISTANT_PARAMS_INIT;
    up.server_url = "https://tenant.example/v2";
    up.voice_json = "{\"provider\":\"11labs\",\"voiceId\":\"burt\"}";
    RES("assistants update", vo_vapi_assistants_update(&r, c, ID, &up));
    RES("assistants delete", vo_vapi_assistants_delete(&r, c, ID));

    vo_vapi_call_params cp = VO_VAPI_CALL_PARAMS_INIT;
    cp.assistant_id = ID;
    cp.phone_number_id = ID;
    cp.customer_number = "+14155550123";
    cp.customer_name = "Ada";
    cp.name = "contract";
    RES("calls create (assistantId)", vo_vapi_calls_create(&r, c, &cp));
    cp.assistant_id = NULL;
    cp.assistant_json =
        "{\"firstMessage\":\"Hi\",\"model\":{\"provider\":\"openai\",\"model\":\"gpt-4o\"}}";
    RES("calls create (transient assistant)", vo_vapi_calls_create(&r, c, &cp));
    vo_vapi_list_options cl = VO_VAPI_LIST_OPTIONS_INIT;
    cl.assistant_id = ID;
    cl.phone_number_id = ID;
    cl.page_size = 5;
    ITER("calls list", vo_vapi_calls_list(&it, c, &cl));
    RES("calls get", vo_vapi_calls_get(&r, c, ID));
    RES("calls update", vo_vapi_calls_update(&r, c, ID, "renamed"));
    RES("calls delete", vo_vapi_calls_delete(&r, c, ID));

    vo_vapi_number_params np = VO_VAPI_NUMBER_PARAMS_INIT;
    np.number = "+15005550001";
    np.name = "main";
    np.assistant_id = ID;
    np.sms = VO_VAPI_SMS_DISABLED;
    RES("phone numbers import twilio", vo_vapi_numbers_import_twilio(&r, c, v, "t1", &np));
    ITER("phone numbers list", vo_vapi_numbers_list(&it, c, NULL));
    ITER("phone numbers list v2", vo_vapi_numbers_list_v2(&it, c, "+1500", 10, "DESC"));
    RES("phone numbers get", vo_vapi_numbers_get(&r, c, ID));
    vo_vapi_number_params nu = VO_VAPI_NUMBER_PARAMS_INIT;
    nu.assistant_id = ID;
    nu.server_url = "https://tenant.example/pn";
    nu.sms = VO_VAPI_SMS_DISABLED;
    RES("phone numbers update", vo_vapi_numbers_update(&r, c, ID, &nu));
    RES("phone numbers delete", vo_vapi_numbers_delete(&r, c, ID));

    printf("1..%d\n", n_tests);
    vo_vapi_client_free(c);
    vo_vault_close(v);
    const char *files[] = {"vault.db", "vault.db-wal", "vault.db-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
    vo_shutdown();
    return n_failed ? 1 : 0;
}
