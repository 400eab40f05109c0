/* voiceops commands that talk to providers: twilio numbers, twilio rotate-token,
 * vapi import-numbers; and the sandbox and demo launchers. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const twilio_usage =
    "usage: voiceops twilio numbers TENANT\n"
    "       voiceops twilio rotate-token TENANT [--promote | --abort | --status]\n"
    "numbers: the tenant's incoming phone numbers (with its credentials from the vault).\n"
    "rotate-token: rotate the tenant's Twilio auth token in two steps. Without an option:\n"
    "  create the secondary token and store it (webhooks then verify with both tokens);\n"
    "  check your traffic, then --promote makes it the only token. --abort deletes the\n"
    "  secondary. Each step is resumable: after an interruption run it again.\n"
    "Use --twilio-url to reach the sandbox.\n";

static const char *rotation_name(int st)
{
    switch (st) {
    case VO_ROTATION_IDLE: return "idle";
    case VO_ROTATION_CREATING: return "creating";
    case VO_ROTATION_WINDOW: return "window";
    case VO_ROTATION_PROMOTING: return "promoting";
    default: return "unknown";
    }
}

int cmd_twilio(cli *c, int argc, char **argv)
{
    int promote = 0, abort_ = 0, status = 0;
    const cli_opt opts[] = {{"promote", NULL, &promote},
                            {"abort", NULL, &abort_},
                            {"status", NULL, &status},
                            {NULL, NULL, NULL}};
    int rc = cli_parse(c, argc, argv, opts, twilio_usage);
    if (rc)
        return rc;
    if (c->help)
        return cli_usage(twilio_usage);
    if ((rc = cli_need(c, 2, 2, twilio_usage)))
        return rc;
    const char *sub = c->pos[0], *tenant = c->pos[1];
    int numbers = strcmp(sub, "numbers") == 0;
    if (!numbers && strcmp(sub, "rotate-token") != 0)
        return cli_failf(c, EXIT_USAGE, "twilio: numbers or rotate-token");
    if (promote + abort_ + status > 1)
        return cli_failf(c, EXIT_USAGE, "one of --promote, --abort, --status");
    vo_vault *v = NULL;
    if ((rc = cli_open_vault(c, &v, 0, 0, NULL)))
        return rc;
    vo_services_options so;
    cli_services_options(c, &so);
    cJSON *d = cli_doc();
    cJSON_AddStringToObject(d, "tenant", tenant);
    int code = EXIT_OK;
    if (numbers) {
        vo_twilio_options o = VO_TWILIO_OPTIONS_INIT;
        o.api_base_url = so.twilio_api_base_url;
        o.accounts_base_url = so.twilio_accounts_base_url;
        vo_twilio_client *cl = NULL;
        vo_twilio_iter *it = NULL;
        rc = vo_twilio_client_for_tenant(&cl, v, tenant, &o);
        if (rc == VO_OK)
            rc = vo_twilio_numbers_list(&it, cl, NULL, 0);
        cJSON *arr = cJSON_AddArrayToObject(d, "numbers");
        const vo_twilio_resource *n = NULL;
        while (rc == VO_OK && (rc = vo_twilio_iter_next(&n, it)) == VO_OK && n) {
            const char *pn = vo_twilio_resource_phone_number(n);
            const char *sid = vo_twilio_resource_sid(n);
            const char *fn = vo_twilio_resource_friendly_name(n);
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "phone_number", pn ? pn : "");
            cJSON_AddStringToObject(e, "sid", sid ? sid : "");
            cJSON_AddStringToObject(e, "friendly_name", fn ? fn : "");
            const char *vu = vo_twilio_resource_str(n, "voice_url");
            cJSON_AddStringToObject(e, "voice_url", vu ? vu : "");
            cJSON_AddItemToArray(arr, e);
            if (!c->json)
                printf("%-16s %s %s\n", pn ? pn : "?", sid ? sid : "?", fn ? fn : "");
        }
        if (rc == VO_ENOTFOUND && it)
            rc = VO_OK; /* end of the list */
        if (rc != VO_OK)
            code = cli_fail(c, "twilio numbers", rc);
        vo_twilio_iter_free(it);
        vo_twilio_client_free(cl);
    } else {
        const char *step = promote ? "promote" : abort_ ? "abort" : status ? "status" : "begin";
        rc = promote  ? vo_token_rotation_promote(v, tenant, &so)
             : abort_ ? vo_token_rotation_abort(v, tenant, &so)
             : status ? VO_OK
                      : vo_token_rotation_begin(v, tenant, &so);
        if (rc != VO_OK) {
            char what[100];
            snprintf(what, sizeof(what), "twilio rotate-token (%s)", step);
            code = cli_fail(c, what, rc);
            if (rc == VO_ECONFLICT)
                fprintf(stderr,
                        "voiceops: hint: `voiceops twilio rotate-token %s --status` "
                        "shows where the rotation stands\n",
                        tenant);
        }
        int st = -1;
        if (vo_token_rotation_get(&st, v, tenant) == VO_OK) {
            cJSON_AddStringToObject(d, "state", rotation_name(st));
            if (!c->json && code == EXIT_OK) {
                printf("rotation of %s: %s done; state: %s\n", tenant, step, rotation_name(st));
                if (st == VO_ROTATION_WINDOW)
                    printf("webhooks now verify with both tokens; when traffic is clean run\n"
                           "  voiceops twilio rotate-token %s --promote\n",
                           tenant);
            }
        }
        cJSON_AddStringToObject(d, "step", step);
    }
    if (code == EXIT_OK && c->json)
        cli_json_print(d);
    else
        cJSON_Delete(d);
    vo_vault_close(v);
    return code;
}

static const char *const vapi_usage =
    "usage: voiceops vapi import-numbers TENANT [--assistant-id UUID] [--server-url URL]\n"
    "Import every Twilio number of the tenant that Vapi does not have yet into the tenant's\n"
    "Vapi org (idempotent; audited). Prints one line per number. Exit 1 when a number\n"
    "failed (re-run to complete).\n";

int cmd_vapi(cli *c, int argc, char **argv)
{
    const char *assistant = NULL, *server_url = NULL;
    const cli_opt opts[] = {{"assistant-id", &assistant, NULL},
                            {"server-url", &server_url, NULL},
                            {NULL, NULL, NULL}};
    int rc = cli_parse(c, argc, argv, opts, vapi_usage);
    if (rc)
        return rc;
    if (c->help)
        return cli_usage(vapi_usage);
    if ((rc = cli_need(c, 2, 2, vapi_usage)))
        return rc;
    if (strcmp(c->pos[0], "import-numbers") != 0)
        return cli_failf(c, EXIT_USAGE, "vapi: import-numbers");
    const char *tenant = c->pos[1];
    vo_vault *v = NULL;
    if ((rc = cli_open_vault(c, &v, 0, 0, NULL)))
        return rc;
    vo_services_options so;
    cli_services_options(c, &so);
    vo_number_import_options io = VO_NUMBER_IMPORT_OPTIONS_INIT;
    io.assistant_id = assistant;
    io.server_url = server_url;
    vo_number_import_report *r = NULL;
    rc = vo_number_import_run(&r, v, tenant, &io, &so);
    vo_vault_close(v);
    if (rc != VO_OK) {
        vo_number_import_report_free(r);
        return cli_fail(c, "vapi import-numbers", rc);
    }
    static const char *const st_names[] = {"imported", "present", "failed"};
    cJSON *d = cli_doc();
    cJSON_AddStringToObject(d, "tenant", tenant);
    cJSON_AddStringToObject(d, "correlation_id", vo_number_import_report_correlation_id(r));
    cJSON_AddNumberToObject(d, "imported", (double)vo_number_import_report_imported(r));
    cJSON_AddNumberToObject(d, "present", (double)vo_number_import_report_present(r));
    cJSON_AddNumberToObject(d, "failed", (double)vo_number_import_report_failed(r));
    cJSON *arr = cJSON_AddArrayToObject(d, "numbers");
    for (size_t i = 0; i < vo_number_import_report_count(r); i++) {
        int st = vo_number_import_report_status(r, i);
        const char *num = vo_number_import_report_number(r, i);
        const char *vid = vo_number_import_report_vapi_id(r, i);
        const char *why = vo_number_import_report_reason(r, i);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "number", num ? num : "");
        cJSON_AddStringToObject(e, "status", st >= 0 && st <= 2 ? st_names[st] : "unknown");
        cJSON_AddStringToObject(e, "vapi_id", vid ? vid : "");
        cJSON_AddStringToObject(e, "reason", why ? why : "");
        cJSON_AddItemToArray(arr, e);
        if (!c->json)
            printf("%-16s %-9s %s%s%s\n", num ? num : "?",
                   st >= 0 && st <= 2 ? st_names[st] : "?", vid ? vid : "",
                   why && *why ? " " : "", why ? why : "");
    }
    if (!c->json)
        printf("imported %zu, already present %zu, failed %zu (correlation id %s)\n",
               vo_number_import_report_imported(r), vo_number_import_report_present(r),
               vo_number_import_report_failed(r), vo_number_import_report_correlation_id(r));
    int code = vo_number_import_report_failed(r) > 0 ? EXIT_FINDING : EXIT_OK;
    if (c->json)
        cli_json_print(d);
    else
        cJSON_Delete(d);
    vo_number_import_report_free(r);
    return code;
}

/* ---- sandbox, demo ------------------------------------------------------------------------ */

static int file_exists(const char *p)
{
    return access(p, R_OK) == 0;
}

/* The sandbox script: $VOICEOPS_SANDBOX, the source tree, then the installed copy. */
static const char *sandbox_script(char *buf, size_t size)
{
    const char *env = getenv("VOICEOPS_SANDBOX");
    if (env && *env)
        return env;
    snprintf(buf, size, "%s/tools/sandbox/voiceops_sandbox.py", VOICEOPS_SOURCE_ROOT);
    if (file_exists(buf))
        return buf;
    snprintf(buf, size, "%s/voiceops_sandbox.py", VOICEOPS_SANDBOX_DIR);
    return file_exists(buf) ? buf : NULL;
}

static const char *const sandbox_usage =
    "usage: voiceops sandbox [--port N] [--port-file PATH] [--verbose] [...]\n"
    "Start the local Twilio/Vapi sandbox (python3, loopback only) in the foreground; every\n"
    "argument is passed on (python3 voiceops_sandbox.py --help lists them). Ctrl-C stops it.\n";

int cmd_sandbox(cli *c, int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return cli_usage(sandbox_usage);
    char buf[1024];
    const char *script = sandbox_script(buf, sizeof(buf));
    if (!script)
        return cli_failf(c, EXIT_NOTFOUND,
                         "sandbox: voiceops_sandbox.py not found (set "
                         "VOICEOPS_SANDBOX)");
    char **args = calloc((size_t)argc + 3, sizeof(*args));
    if (!args)
        return EXIT_ERROR;
    args[0] = "python3";
    args[1] = (char *)script;
    for (int i = 0; i < argc; i++)
        args[i + 2] = argv[i];
    fflush(stdout);
    execvp("python3", args);
    free(args);
    return cli_failf(c, EXIT_NOTFOUND, "sandbox: cannot run python3");
}

static const char *const demo_usage =
    "usage: voiceops demo\n"
    "Run the quickstart demo: a sandbox on a free port, a vault in a temporary folder, a\n"
    "tenant onboarded, numbers imported, webhooks verified (tools/run-demo). Needs the\n"
    "build tree the tool was built in.\n";

int cmd_demo(cli *c, int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return cli_usage(demo_usage);
    char script[1024], demo[1024];
    snprintf(script, sizeof(script), "%s/tools/run-demo", VOICEOPS_SOURCE_ROOT);
    snprintf(demo, sizeof(demo), "%s/examples/demo", VOICEOPS_BUILD_ROOT);
    const char *env = getenv("VOICEOPS_DEMO");
    if (env && *env)
        snprintf(demo, sizeof(demo), "%s", env);
    if (!file_exists(script) || !file_exists(demo))
        return cli_failf(c, EXIT_NOTFOUND,
                         "demo: %s or %s is missing (the demo runs from a build tree)", script,
                         demo);
    fflush(stdout);
    execl(script, script, demo, (char *)NULL);
    return cli_failf(c, EXIT_ERROR, "demo: cannot run %s", script);
}

/* ---- smtp test ------------------------------------------------------------------------- */

static const char *const smtp_usage =
    "usage: voiceops smtp test TENANT --to ADDRESS [--from ADDRESS] [--subject TEXT]\n"
    "                                [--ca-file PEM] [--timeout-ms N]\n"
    "Send a test mail with the tenant's SMTP credentials from the vault. STARTTLS is\n"
    "required unless the credentials say implicit TLS or the host is loopback; the server\n"
    "certificate is verified (--ca-file for a private CA). --from defaults to the SMTP\n"
    "username when it is an address. The send is audited (recipient domain and result).\n";

int cmd_smtp(cli *c, int argc, char **argv)
{
    const char *to = NULL, *from = NULL, *subject = NULL, *ca = NULL, *timeout = NULL;
    const cli_opt opts[] = {
        {"to", &to, NULL},      {"from", &from, NULL},          {"subject", &subject, NULL},
        {"ca-file", &ca, NULL}, {"timeout-ms", &timeout, NULL}, {NULL, NULL, NULL}};
    int rc = cli_parse(c, argc, argv, opts, smtp_usage);
    if (rc)
        return rc;
    if (c->help)
        return cli_usage(smtp_usage);
    if ((rc = cli_need(c, 2, 2, smtp_usage)))
        return rc;
    if (strcmp(c->pos[0], "test") != 0)
        return cli_failf(c, EXIT_USAGE, "smtp: test");
    if (!to)
        return cli_failf(c, EXIT_USAGE, "smtp test: --to ADDRESS is required");
    int64_t tmo = 0;
    if (timeout && (cli_parse_int64(timeout, &tmo) != 0 || tmo < 1))
        return cli_failf(c, EXIT_USAGE, "--timeout-ms: milliseconds");
    const char *tenant = c->pos[1];
    vo_vault *v = NULL;
    if ((rc = cli_open_vault(c, &v, 0, 0, NULL)))
        return rc;
    char from_buf[300] = "";
    if (!from) {
        vo_smtp_credentials *cr = NULL;
        rc = vo_smtp_credentials_get(&cr, NULL, v, tenant);
        if (rc != VO_OK) {
            vo_vault_close(v);
            return cli_fail(c, "smtp test", rc);
        }
        const char *u = vo_smtp_credentials_username(cr);
        if (u && strchr(u, '@'))
            snprintf(from_buf, sizeof(from_buf), "%s", u);
        vo_smtp_credentials_free(cr);
        if (!from_buf[0]) {
            vo_vault_close(v);
            return cli_failf(c, EXIT_USAGE,
                             "smtp test: the SMTP username is not an address: give --from");
        }
        from = from_buf;
    }
    char text[512];
    snprintf(text, sizeof(text),
             "This is a test message from `voiceops smtp test` for tenant %s.\n"
             "If you can read it, the tenant's SMTP settings work.\n",
             tenant);
    const char *rcpt[1] = {to};
    vo_smtp_message m = VO_SMTP_MESSAGE_INIT;
    m.from = from;
    m.to = rcpt;
    m.to_count = 1;
    m.subject = subject ? subject : "voiceops SMTP test";
    m.text = text;
    vo_smtp_options o = VO_SMTP_OPTIONS_INIT;
    o.ca_file = ca;
    o.timeout_ms = (long)tmo;
    double t0 = cli_now();
    rc = vo_smtp_send(v, tenant, &m, &o);
    vo_vault_close(v);
    if (rc != VO_OK)
        return cli_fail(c, "smtp test", rc);
    if (c->json) {
        cJSON *d = cli_doc();
        cJSON_AddStringToObject(d, "tenant", tenant);
        cJSON_AddStringToObject(d, "to", to);
        cJSON_AddStringToObject(d, "from", from);
        cJSON_AddNumberToObject(d, "seconds", cli_now() - t0);
        cli_json_print(d);
    } else {
        printf("sent a test mail to %s with %s's SMTP credentials\n", to, tenant);
    }
    return EXIT_OK;
}
