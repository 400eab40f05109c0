/*
 * The libvoiceops demo: a local vault and the sandbox, end to end.
 *
 *   demo SANDBOX_URL WORK_DIR
 *
 * 1. Creates a key-encryption key file and an encrypted vault in WORK_DIR.
 * 2. Onboards tenant "acme": its Twilio account and Vapi org exist in the sandbox; the
 *    credentials are validated against the providers first (a wrong token is refused and
 *    nothing is stored), then kept in the vault, never anywhere else.
 * 3. A tenant-scoped Twilio client (credentials read from the vault) lists the numbers.
 * 4. Imports the tenant's Twilio numbers into its Vapi org, then again (nothing to do).
 * 5. Mints the tenant's webhook URL token; the sandbox sends signed Twilio status callbacks
 *    to a small receiver in this program, which resolves the token to the tenant and
 *    verifies the signature with that tenant's auth token, in one call: the genuine request
 *    is accepted, one signed with a wrong token is refused.
 * 6. Prints the vault's audit trail (actions, never values) and verifies its hash chain.
 *
 * tools/quickstart starts the sandbox and runs this program.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <voiceops.h>

#define TENANT "acme"
#define ACCOUNT "AC5a1e5ce00000000000000000000a5c3e"
#define VAPI_KEY "3f1c9a2e-5b7d-4e8f-9a01-23456789abcd"

static const char *sandbox;
static vo_vault *vault;
static char hook_token[VO_ROUTING_TOKEN_SIZE];

static void die(const char *what)
{
    const vo_error *e = vo_error_last();
    fprintf(stderr, "demo: %s failed: %s (%s)\n", what, e->message, vo_error_name(e->code));
    exit(1);
}

#define CHECK(expr, what) \
  do {                    \
    if ((expr) != VO_OK)  \
      die(what);          \
  } while (0)

/* A call to the sandbox's control API, through the library's own HTTP transport. */
static char *sandbox_control(vo_http_client *http, const char *path, const char *json)
{
    vo_http_request req = VO_HTTP_REQUEST_INIT;
    req.method = "POST";
    req.base_url = sandbox;
    req.path = path;
    req.body = json;
    req.body_len = strlen(json);
    vo_http_response *resp = NULL;
    CHECK(vo_http_send(&resp, http, &req), path);
    int status = vo_http_response_status(resp);
    size_t len = 0;
    const char *body = vo_http_response_body(resp, &len);
    char *copy = strndup(body ? body : "", len);
    vo_http_response_free(resp);
    if (status >= 300) {
        fprintf(stderr, "demo: sandbox %s answered %d: %s\n", path, status, copy);
        exit(1);
    }
    return copy;
}

/* ---- a minimal webhook receiver: one request per connection ------------------------- */

typedef struct receiver {
    int fd;
    int port;
    _Atomic int handled; /* read by main() while the receiver thread runs */
} receiver;

static const char *header_value(char *headers, const char *name)
{
    size_t n = strlen(name);
    for (char *line = strstr(headers, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
        char *h = line + 2;
        if (strncasecmp(h, name, n) == 0 && h[n] == ':') {
            char *v = h + n + 1;
            while (*v == ' ')
                v++;
            char *end = strstr(v, "\r\n");
            if (end)
                *end = '\0'; /* headers are consumed in order below, one at a time */
            return v;
        }
    }
    return NULL;
}

static void *serve(void *arg)
{
    receiver *r = arg;
    for (;;) {
        int c = accept(r->fd, NULL, NULL);
        if (c < 0)
            return NULL;
        char buf[65536];
        size_t got = 0;
        char *body = NULL;
        while (got < sizeof(buf) - 1) {
            ssize_t n = recv(c, buf + got, sizeof(buf) - 1 - got, 0);
            if (n <= 0)
                break;
            got += (size_t)n;
            buf[got] = '\0';
            char *eoh = strstr(buf, "\r\n\r\n");
            if (eoh) {
                body = eoh + 4;
                char *cl = strcasestr(buf, "\r\nContent-Length:");
                size_t want = cl ? strtoul(cl + 17, NULL, 10) : 0;
                if (got - (size_t)(body - buf) >= want)
                    break;
            }
        }
        if (!body) {
            close(c);
            continue;
        }
        body[-2] = '\0'; /* end the header block */
        size_t body_len = got - (size_t)(body - buf);
        char method[8] = "", path[2048] = "";
        sscanf(buf, "%7s %2047s", method, path);
        /* The public URL of this endpoint is the one the sender was told to call. */
        char url[2200];
        snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", r->port, path);
        char sig_copy[128] = "", type_copy[128] = "";
        const char *sig = header_value(buf, "X-Twilio-Signature");
        if (sig)
            snprintf(sig_copy, sizeof(sig_copy), "%s", sig);
        const char *type = header_value(buf, "Content-Type");
        if (type)
            snprintf(type_copy, sizeof(type_copy), "%s", type);

        /* The token in the path names the tenant; the tenant's keys come from the vault. */
        vo_param headers[2];
        size_t header_count = 0;
        if (sig)
            headers[header_count++] = (vo_param){"X-Twilio-Signature", sig_copy};
        if (type)
            headers[header_count++] = (vo_param){"Content-Type", type_copy};
        vo_webhook_request req = VO_WEBHOOK_REQUEST_INIT;
        req.method = method;
        req.url = url;
        req.headers = headers;
        req.header_count = header_count;
        req.body = (const unsigned char *)body;
        req.body_len = body_len;
        char token[VO_ROUTING_TOKEN_SIZE] = "", tenant[VO_VAULT_TENANT_MAX + 1] = "?";
        sscanf(path, "/hooks/%47[^/]", token);
        vo_verify_result res = VO_VERIFY_RESULT_INIT;
        int rc = vo_routing_verify(tenant, sizeof(tenant), &res, vault, token,
                                   VO_WEBHOOK_TWILIO, &req, (int64_t)time(NULL));
        /* 200, or 4xx for what the sender got wrong, 500 only for our own misconfiguration */
        int status = vo_verify_http_status(rc, &res);
        printf("   receiver: %s /hooks/whk_.../status -> tenant %s, %d (%s)\n", method, tenant,
               status, vo_verify_reason_name(res.reason));
        r->handled++; /* before the reply: the sender returns to main() once it has it */
        char reply[128];
        snprintf(reply, sizeof(reply),
                 "HTTP/1.1 %d %s\r\nContent-Length: 0\r\n"
                 "Connection: close\r\n\r\n",
                 status, status == 200 ? "OK" : "Refused");
        if (send(c, reply, strlen(reply), 0) < 0)
            perror("send");
        close(c);
    }
}

static void start_receiver(receiver *r)
{
    r->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    if (r->fd < 0 || bind(r->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(r->fd, 8) != 0 || getsockname(r->fd, (struct sockaddr *)&a, &len) != 0) {
        perror("demo: receiver");
        exit(1);
    }
    r->port = ntohs(a.sin_port);
    pthread_t t;
    pthread_create(&t, NULL, serve, r);
    pthread_detach(t);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s SANDBOX_URL WORK_DIR\n", argv[0]);
        return 2;
    }
    sandbox = argv[1];
    const char *dir = argv[2];
    CHECK(vo_init(), "vo_init");
    char cid[VO_CORRELATION_ID_SIZE];
    CHECK(vo_correlation_id_new(cid, sizeof(cid)), "correlation id");
    CHECK(vo_correlation_id_set(cid), "correlation id");
    printf("libvoiceops %s demo (correlation id %s)\n\n", vo_version(NULL, NULL, NULL), cid);

    /* 1. A key file and a vault. */
    char key_path[512], db_path[512];
    snprintf(key_path, sizeof(key_path), "%s/kek-1.key", dir);
    snprintf(db_path, sizeof(db_path), "%s/vault.db", dir);
    unlink(key_path);
    CHECK(vo_vault_keygen(key_path), "vo_vault_keygen");
    vo_keyring *kr = NULL;
    CHECK(vo_keyring_new(&kr), "vo_keyring_new");
    CHECK(vo_keyring_add_file(kr, "kek-1", key_path), "vo_keyring_add_file");
    vo_vault_options vo = VO_VAULT_OPTIONS_INIT;
    vo.keyring = kr;
    vo.actor = "demo";
    CHECK(vo_vault_open(&vault, db_path, &vo), "vo_vault_open");
    vo_keyring_free(kr);
    printf("1. vault %s, key-encryption key %s (0600)\n", db_path, key_path);

    /* 2. The tenant's Twilio account (in the sandbox) and its credentials (in the vault). */
    vo_http_client *http = NULL;
    CHECK(vo_http_client_new(&http, NULL), "vo_http_client_new");
    char token[33];
    unsigned char raw[16];
    FILE *ur = fopen("/dev/urandom", "rb");
    if (!ur || fread(raw, 1, sizeof(raw), ur) != sizeof(raw))
        return 1;
    fclose(ur);
    CHECK(vo_hex_encode(token, sizeof(token), raw, sizeof(raw)), "token");
    char json[1024];
    size_t imported_total = 0;
    snprintf(json, sizeof(json),
             "{\"account_sid\":\"%s\",\"auth_token\":\"%s\","
             "\"friendly_name\":\"Acme Voice\"}",
             ACCOUNT, token);
    free(sandbox_control(http, "/__sandbox/twilio/accounts", json));
    free(sandbox_control(http, "/__sandbox/twilio/accounts/" ACCOUNT "/numbers",
                         "{\"numbers\":[{\"phone_number\":\"+14155550100\",\"friendly_name\":"
                         "\"Front desk\"},\"+14155550101\",\"+14155550102\"]}"));
    free(sandbox_control(http, "/__sandbox/vapi/keys", "{\"api_key\":\"" VAPI_KEY "\"}"));
    vo_twilio_credentials *creds = NULL;
    CHECK(vo_twilio_credentials_new(&creds), "credentials");
    CHECK(vo_twilio_credentials_set_account_sid(creds, ACCOUNT), "account sid");
    CHECK(vo_twilio_credentials_set_auth_token(creds, "0123456789abcdef0123456789abcdef"),
          "auth token");
    vo_vapi_credentials *vapi = NULL;
    CHECK(vo_vapi_credentials_new(&vapi), "vapi credentials");
    CHECK(vo_vapi_credentials_set_api_key(vapi, VAPI_KEY), "vapi key");
    vo_services_options so = VO_SERVICES_OPTIONS_INIT;
    so.twilio_api_base_url = sandbox;
    so.twilio_accounts_base_url = sandbox;
    so.vapi_base_url = sandbox;
    so.http_client = http;
    /* A wrong auth token: Twilio (the sandbox) refuses it, and nothing is stored. */
    int rc = vo_onboarding_run(vault, TENANT, creds, vapi, &so);
    printf("2. onboarding '%s' with a wrong Twilio token: %s (%s)\n", TENANT, vo_error_name(rc),
           rc == VO_OK ? "stored" : "nothing stored");
    int refused = rc == VO_EAUTH;
    CHECK(vo_twilio_credentials_set_auth_token(creds, token), "auth token");
    CHECK(vo_onboarding_run(vault, TENANT, creds, vapi, &so), "vo_onboarding_run");
    vo_twilio_credentials_free(creds);
    vo_vapi_credentials_free(vapi);
    memset(token, 0, sizeof(token));
    printf("   onboarding with the right credentials: validated with Twilio and Vapi, "
           "encrypted in the vault\n");

    /* 3. A tenant-scoped client: the credentials come from the vault. */
    vo_twilio_options to = VO_TWILIO_OPTIONS_INIT;
    to.api_base_url = sandbox;
    to.accounts_base_url = sandbox;
    vo_twilio_client *twilio = NULL;
    CHECK(vo_twilio_client_for_tenant(&twilio, vault, TENANT, &to), "client for tenant");
    vo_twilio_resource *account = NULL;
    CHECK(vo_twilio_account_get(&account, twilio), "account fetch");
    printf("3. Twilio account %s (%s), numbers:\n", vo_twilio_resource_sid(account),
           vo_twilio_resource_friendly_name(account));
    vo_twilio_resource_free(account);
    vo_twilio_iter *it = NULL;
    CHECK(vo_twilio_numbers_list(&it, twilio, NULL, 0), "numbers list");
    const vo_twilio_resource *n = NULL;
    while (vo_twilio_iter_next(&n, it) == VO_OK && n)
        printf("   %s  %s\n", vo_twilio_resource_phone_number(n),
               vo_twilio_resource_friendly_name(n));
    vo_twilio_iter_free(it);

    /* 4. Twilio -> Vapi number import, twice. */
    for (int run = 1; run <= 2; run++) {
        vo_number_import_report *rep = NULL;
        CHECK(vo_number_import_run(&rep, vault, TENANT, NULL, &so), "number import");
        printf("4. number import, run %d: %zu imported, %zu already in Vapi, %zu failed\n", run,
               vo_number_import_report_imported(rep), vo_number_import_report_present(rep),
               vo_number_import_report_failed(rep));
        if (run == 1)
            for (size_t i = 0; i < vo_number_import_report_count(rep); i++)
                printf("   %s -> %s\n", vo_number_import_report_number(rep, i),
                       vo_number_import_report_vapi_id(rep, i)
                           ? vo_number_import_report_vapi_id(rep, i)
                           : vo_number_import_report_reason(rep, i));
        imported_total += vo_number_import_report_imported(rep);
        vo_number_import_report_free(rep);
    }

    /* 5. Signed status callbacks from the sandbox to the tenant's webhook URL. */
    CHECK(vo_routing_token_mint(hook_token, sizeof(hook_token), vault, TENANT), "token mint");
    receiver r = {.fd = -1};
    start_receiver(&r);
    printf("5. webhooks to http://127.0.0.1:%d/hooks/<tenant token>/status:\n", r.port);
    snprintf(json, sizeof(json),
             "{\"provider\":\"twilio\",\"account_sid\":\"%s\",\"url\":"
             "\"http://127.0.0.1:%d/hooks/%s/status\",\"params\":{\"CallSid\":"
             "\"CA00000000000000000000000000000001\",\"CallStatus\":\"completed\","
             "\"From\":\"+14155550123\",\"To\":\"+14155550100\"}}",
             ACCOUNT, r.port, hook_token);
    char *answer = sandbox_control(http, "/__sandbox/webhooks/send", json);
    int genuine_ok = strstr(answer, "\"status\": 200") || strstr(answer, "\"status\":200");
    free(answer);
    snprintf(json, sizeof(json),
             "{\"provider\":\"twilio\",\"account_sid\":\"%s\",\"auth_token\":"
             "\"00000000000000000000000000000000\",\"url\":"
             "\"http://127.0.0.1:%d/hooks/%s/status\",\"params\":{\"CallSid\":"
             "\"CA00000000000000000000000000000002\",\"CallStatus\":\"completed\"}}",
             ACCOUNT, r.port, hook_token);
    answer = sandbox_control(http, "/__sandbox/webhooks/send", json);
    int forged_refused = strstr(answer, "\"status\": 403") || strstr(answer, "\"status\":403");
    free(answer);

    /* 5. The audit trail: who did what, when, under which correlation id; never a value. */
    vo_audit_list *audit = NULL;
    CHECK(vo_vault_audit_list(&audit, vault, TENANT, 0, 0, 0, 0), "audit list");
    printf("6. audit trail of '%s':\n", TENANT);
    for (size_t i = 0; i < vo_audit_list_count(audit); i++)
        printf("   #%-3lld %-20s %-22s %-9s by %s\n", (long long)vo_audit_list_seq(audit, i),
               vo_audit_list_action(audit, i), vo_audit_list_name(audit, i),
               vo_audit_list_result(audit, i), vo_audit_list_actor(audit, i));
    vo_audit_list_free(audit);
    int64_t rows = 0, bad = 0;
    int reason = 0;
    CHECK(vo_vault_audit_verify(&rows, &bad, &reason, vault), "audit verify");
    printf("   hash chain verified over %lld rows\n", (long long)rows);

    vo_twilio_client_free(twilio);
    vo_http_client_free(http);
    vo_vault_close(vault);
    vo_shutdown();
    int ok = refused && imported_total == 3 && genuine_ok && forged_refused && r.handled == 2;
    printf("\n%s\n",
           ok ? "demo finished: every step behaved as expected" : "demo: UNEXPECTED RESULTS");
    return ok ? 0 : 1;
}
