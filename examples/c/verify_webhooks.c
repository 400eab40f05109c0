/*
 * Sign and verify webhooks the way a backend receives them: a Twilio voice webhook (form
 * body), a Twilio JSON callback (bodySHA256), a Vapi server message with an HMAC
 * credential, and a Standard Webhooks event. Each is then tampered with and rejected.
 * Last, the webhook guard: the same Twilio webhook delivered again (a retry, answered 200
 * without acting) and replayed an hour later (refused), through a seen-request store in a
 * vault that every server would share.
 *
 *   cc verify_webhooks.c $(pkg-config --cflags --libs voiceops) -o verify_webhooks
 */
#define _XOPEN_SOURCE 700 /* mkdtemp() also under -std=c99 (tests/abi/check_install.sh) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <voiceops.h>

static int failures;

static void report(const char *what, int rc, const vo_verify_result *r, int want_ok)
{
    int ok = (rc == VO_OK) == want_ok;
    printf("%-58s %-9s %s", what, rc == VO_OK ? "accepted" : "rejected",
           vo_verify_reason_name(r->reason));
    if (rc == VO_OK && r->url_form >= 0)
        printf(" (token %d, url form %d)", r->key_index, r->url_form);
    printf("%s\n", ok ? "" : "   <-- UNEXPECTED");
    failures += !ok;
}

int main(void)
{
    if (vo_init() != VO_OK) {
        fprintf(stderr, "vo_init: %s\n", vo_error_last()->message);
        return 1;
    }
    printf("libvoiceops %s\n\n", vo_version(NULL, NULL, NULL));
    vo_verify_result r = VO_VERIFY_RESULT_INIT;

    /* 1. Twilio voice webhook: form body, signed with the tenant's auth token. During a
     *    token rotation both the primary and the secondary token are accepted. */
    const char *tokens[] = {"f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f6",
                            "0123456789abcdef0123456789abcdef"};
    const char *url = "https://voice.example.com/twilio/voice?tenant=t-42";
    const vo_param params[] = {{"CallSid", "CA5f7a9e3c1b2d4e6f8091a2b3c4d5e6f7"},
                               {"From", "+14155550123"},
                               {"To", "+14155550100"},
                               {"CallStatus", "ringing"}};
    const char *body = "CallSid=CA5f7a9e3c1b2d4e6f8091a2b3c4d5e6f7&From=%2B14155550123"
                       "&To=%2B14155550100&CallStatus=ringing";
    char sig[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
    if (vo_webhook_twilio_sign(sig, sizeof(sig), tokens[1], url, params, 4) != VO_OK)
        return 1;
    const char *form = "application/x-www-form-urlencoded";
    int rc = vo_webhook_twilio_verify(&r, tokens, 2, url, sig, form,
                                      (const unsigned char *)body, strlen(body));
    report("Twilio voice webhook, secondary token", rc, &r, 1);
    rc = vo_webhook_twilio_verify(&r, tokens, 2,
                                  "https://voice.example.com:443/twilio/voice?tenant=t-42", sig,
                                  form, (const unsigned char *)body, strlen(body));
    report("Twilio voice webhook, URL seen with :443", rc, &r, 1);
    const char *forged = "CallSid=CA5f7a9e3c1b2d4e6f8091a2b3c4d5e6f7&From=%2B19005550199"
                         "&To=%2B14155550100&CallStatus=ringing";
    rc = vo_webhook_twilio_verify(&r, tokens, 2, url, sig, form, (const unsigned char *)forged,
                                  strlen(forged));
    report("Twilio voice webhook, From changed", rc, &r, 0);
    rc = vo_webhook_twilio_verify(&r, tokens, 2, url, NULL, form, (const unsigned char *)body,
                                  strlen(body));
    report("Twilio voice webhook, no X-Twilio-Signature", rc, &r, 0);

    /* 2. Twilio JSON callback: the body hash travels in the signed URL. */
    const char *json = "{\"CallSid\":\"CA5f7a\",\"Status\":\"completed\"}";
    char hash[65], json_url[256];
    vo_webhook_twilio_body_sha256(hash, sizeof(hash), (const unsigned char *)json,
                                  strlen(json));
    snprintf(json_url, sizeof(json_url), "%s&bodySHA256=%s", url, hash);
    vo_webhook_twilio_sign(sig, sizeof(sig), tokens[0], json_url, NULL, 0);
    rc = vo_webhook_twilio_verify(&r, tokens, 2, json_url, sig, "application/json",
                                  (const unsigned char *)json, strlen(json));
    report("Twilio JSON callback", rc, &r, 1);
    rc = vo_webhook_twilio_verify(
        &r, tokens, 2, json_url, sig, "application/json",
        (const unsigned char *)"{\"CallSid\":\"CA5f7a\",\"Status\":\"failed\"}",
        strlen(json) - 3);
    report("Twilio JSON callback, body changed", rc, &r, 0);

    /* 3. Vapi server message with an HMAC credential (sha256, hex, timestamped). */
    vo_webhook_vapi_options vo = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    vo.type = VO_WEBHOOK_VAPI_HMAC;
    vo.signature_prefix = "sha256=";
    const char *vapi_secrets[] = {"vapi-hmac-secret-for-tenant-42"};
    const char *msg =
        "{\"message\":{\"type\":\"end-of-call-report\",\"call\":{\"id\":\"c1\"}}}";
    char ts[24], vsig[256];
    time_t now = time(NULL);
    snprintf(ts, sizeof(ts), "%lld", (long long)now);
    vo_webhook_vapi_sign(vsig, sizeof(vsig), &vo, vapi_secrets[0], "POST", NULL, ts, NULL,
                         (const unsigned char *)msg, strlen(msg));
    vo_param headers[] = {
        {"x-signature", vsig}, {"x-timestamp", ts}, {"content-type", "application/json"}};
    vo_webhook_request req = VO_WEBHOOK_REQUEST_INIT;
    req.method = "POST";
    req.url = "https://api.example.com/vapi/t-42";
    req.headers = headers;
    req.header_count = 3;
    req.body = (const unsigned char *)msg;
    req.body_len = strlen(msg);
    rc = vo_webhook_vapi_verify(&r, &vo, vapi_secrets, 1, &req, (int64_t)now);
    report("Vapi end-of-call-report, HMAC", rc, &r, 1);
    rc = vo_webhook_vapi_verify(&r, &vo, vapi_secrets, 1, &req, (int64_t)now + 3600);
    report("Vapi end-of-call-report, replayed an hour later", rc, &r, 0);

    /* 4. Standard Webhooks: sign an outbound event, verify it as a receiver would. */
    char secret[64], ssig[VO_WEBHOOK_STD_SIGNATURE_SIZE];
    vo_webhook_std_secret_new(secret, sizeof(secret));
    const char *event = "{\"type\":\"number.imported\",\"number\":\"+14155550100\"}";
    vo_webhook_std_sign(ssig, sizeof(ssig), secret, "evt_01", (int64_t)now,
                        (const unsigned char *)event, strlen(event));
    const char *std_secrets[] = {secret};
    rc = vo_webhook_std_verify(&r, std_secrets, 1, "evt_01", ts, ssig,
                               (const unsigned char *)event, strlen(event), (int64_t)now);
    report("Standard Webhooks event", rc, &r, 1);
    rc = vo_webhook_std_verify(&r, std_secrets, 1, "evt_02", ts, ssig,
                               (const unsigned char *)event, strlen(event), (int64_t)now);
    report("Standard Webhooks event, other id", rc, &r, 0);

    /* 5. The webhook guard: verification and the vault's seen-request store in one call. */
    char dir[] = "/tmp/vo-example-guard-XXXXXX", path[64];
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof(path), "%s/vault.db", dir);
    vo_keyring *kr = NULL;
    unsigned char kek[32];
    memset(kek, 42, sizeof(kek)); /* an example: use vo_keyring_add_file() in a real server */
    vo_vault_options vopts = VO_VAULT_OPTIONS_INIT;
    vo_vault *vault = NULL;
    if (vo_keyring_new(&kr) != VO_OK || vo_keyring_add_key(kr, "kek-1", kek, 32) != VO_OK)
        return 1;
    vopts.keyring = kr;
    if (vo_vault_open(&vault, path, &vopts) != VO_OK)
        return 1;
    vo_keyring_free(kr);
    if (vo_webhook_twilio_sign(sig, sizeof(sig), tokens[0], url, params, 4) != VO_OK)
        return 1;
    vo_param th[] = {{"X-Twilio-Signature", sig},
                     {"Content-Type", form},
                     {"I-Twilio-Idempotency-Token", "example-idempotency-token"}};
    vo_webhook_request treq = VO_WEBHOOK_REQUEST_INIT;
    treq.method = "POST";
    treq.url = url;
    treq.headers = th;
    treq.header_count = 3;
    treq.body = (const unsigned char *)body;
    treq.body_len = strlen(body);
    const int64_t t0 = (int64_t)now;
    const struct {
        const char *what;
        int64_t at;
        int want;
    } deliveries[] = {{"guard: Twilio webhook, first delivery", t0, VO_OK},
                      {"guard: the same, Twilio's retry 5 s later", t0 + 5, VO_EDUPLICATE},
                      {"guard: the same, replayed an hour later", t0 + 3600, VO_EAUTH}};
    for (size_t i = 0; i < sizeof(deliveries) / sizeof(deliveries[0]); i++) {
        rc = vo_webhook_guard_twilio(&r, vault, "t-42", NULL, NULL, tokens, 2, &treq,
                                     deliveries[i].at);
        printf("%-58s %-9s answer %d%s%s\n", deliveries[i].what,
               rc == VO_OK           ? "act"
               : rc == VO_EDUPLICATE ? "ignore"
                                     : "refuse",
               vo_verify_http_status(rc, &r),
               r.seen_at_ms && rc != VO_OK ? ", first seen at the first delivery" : "",
               rc == deliveries[i].want ? "" : "   <-- UNEXPECTED");
        failures += rc != deliveries[i].want;
    }
    vo_vault_close(vault);
    const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char p[80];
        snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
        unlink(p);
    }
    rmdir(dir);

    vo_shutdown();
    printf("\n%s\n", failures ? "UNEXPECTED RESULTS" : "all webhooks verified as expected");
    return failures ? 1 : 0;
}
