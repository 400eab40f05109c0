/* voiceops commands on the vault: keygen, vault init, tenant, secret, creds, rotate,
 * import, backup, restore, audit. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void fmt_time(char *out, size_t size, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- keygen, vault init ----------------------------------------------------------------- */

static const char *const keygen_usage =
    "usage: voiceops keygen PATH\n"
    "Create a key file holding a new random 32-byte key-encryption key (base64), mode 0600.\n"
    "Never overwrites a file. Keep it apart from the vault file (and from its backups).\n";

int cmd_keygen(cli *c, int argc, char **argv)
{
    int rc = cli_parse(c, argc, argv, NULL, keygen_usage);
    if (rc)
        return rc;
    if (c->help)
        return cli_usage(keygen_usage);
    if ((rc = cli_need(c, 1, 1, keygen_usage)))
        return rc;
    rc = vo_vault_keygen(c->pos[0]);
    if (rc != VO_OK)
        return cli_fail(c, "keygen", rc);
    if (c->json) {
        cJSON *d = cli_doc();
        cJSON_AddStringToObject(d, "path", c->pos[0]);
        cJSON_AddNumberToObject(d, "mode", 0600);
        cli_json_print(d);
    } else {
        printf("created key file %s (mode 0600)\n", c->pos[0]);
    }
    return EXIT_OK;
}

static const char *const vault_usage =
    "usage: voiceops vault init\n"
    "       voiceops vault copy DEST\n"
    "init creates a new vault file (--vault / VOICEOPS_VAULT, mode 0600) whose keys are\n"
    "wrapped by the key file (--key-file); it fails when the file exists.\n"
    "copy copies the vault (--vault: a file or a postgresql:// URI) into DEST (a new SQLite\n"
    "file or an empty PostgreSQL schema, e.g. postgresql://host/db?schema=voiceops):\n"
    "records move as stored, without decryption; the audit chain is verified on both sides.\n"
    "The key files must hold every KEK the source's data keys are wrapped by.\n";

static int vault_copy(cli *c)
{
    const char *src = c->vault_path ? c->vault_path : getenv("VOICEOPS_VAULT");
    if (!src || !*src)
        return cli_failf(c, EXIT_USAGE, "no vault: give --vault PATH or set VOICEOPS_VAULT");
    const char *dest = c->pos[1];
    vo_vault_options o;
    vo_keyring *kr = NULL;
    int rc = cli_vault_options(c, &o, &kr, 1, 0, NULL);
    if (rc)
        return rc;
    rc = vo_vault_copy(dest, src, &o);
    vo_keyring_free(kr);
    if (rc != VO_OK)
        return cli_fail(c, "vault copy", rc);
    char shown_src[512], shown_dest[512];
    cli_vault_display(src, shown_src, sizeof(shown_src));
    cli_vault_display(dest, shown_dest, sizeof(shown_dest));
    if (c->json) {
        cJSON *d = cli_doc();
        cJSON_AddStringToObject(d, "source", shown_src);
        cJSON_AddStringToObject(d, "destination", shown_dest);
        cli_json_print(d);
    } else {
        printf("copied the vault into %s (audit chain verified)\n", shown_dest);
    }
    return EXIT_OK;
}

int cmd_vault(cli *c, int argc, char **argv)
{
    int rc = cli_parse(c, argc, argv, NULL, vault_usage);
    if (rc)
        return rc;
    if (c->help)
        return cli_usage(vault_usage);
    if ((rc = cli_need(c, 1, 2, vault_usage)))
        return rc;
    if (strcmp(c->pos[0], "copy") == 0) {
        if (c->pos_count != 2)
            return cli_failf(c, EXIT_USAGE, "vault copy: give the destination DEST");
        return vault_copy(c);
    }
    if (c->pos_count != 1)
        return cli_failf(c, EXIT_USAGE, "vault init takes no argument");
    if (strcmp(c->pos[0], "init") != 0)
        return cli_failf(c, EXIT_USAGE, "unknown vault command \"%s\"", c->pos[0]);
    const char *path = c->vault_path ? c->vault_path : getenv("VOICEOPS_VAULT");
    struct stat st;
    if (path && stat(path, &st) == 0)
        return cli_failf(c, EXIT_CONFLICT, "vault init: %s exists already", path);
    vo_vault *v = NULL;
    if ((rc = cli_open_vault(c, &v, 1, 0, NULL)))
        return rc;
    vo_vault_close(v);
    if (c->json) {
        cJSON *d = cli_doc();
        char shown[512];
        cJSON_AddStringToObject(d, "vault", cli_vault_display(path, shown, sizeof(shown)));
        cli_json_print(d);
    } else {
        char shown[512];
        printf("created vault %s\n", cli_vault_display(path, shown, sizeof(shown)));
    }
    return EXIT_OK;
}

/* ---- tenants -------------------------------------------------------------------------- */

static const char *const tenant_usage =
    "usage: voiceops tenant add TENANT\n"
    "       voiceops tenant list\n"
    "       voiceops tenant rm TENANT --yes\n"
    "rm deletes the tenant, its data key and every secret (crypto-shredding); it needs --yes.\n";

static cJSON *tenant_json(const vo_tenant_list *l, size_t i)
{
    cJSON *t = cJSON_CreateObject();
    char ts[32];
    cJSON_AddStringToObject(t, "id", vo_tenant_list_id(l, i));
    fmt_time(ts, sizeof(ts), vo_tenant_list_created_at(l, i));
    cJSON_AddStringToObject(t, "created_at", ts);
    cJSON_AddStringToObject(t, "kek_id", vo_tenant_list_kek_id(l, i));
    cJSON_AddNumberToObject(t, "dek_generation", (double)vo_tenant_list_dek_generation(l, i));
    cJSON_AddNumberToObject(t, "secrets", (double)vo_tenant_list_secret_count(l, i));
    return t;
}

int cmd_tenant(cli *c, int argc, char **argv)
{
    int yes = 0;
    const cli_opt opts[] = {{"yes", NULL, &yes}, {NULL, NULL, NULL}};
    int rc = cli_parse(c, argc, argv, opts, tenant_usage);
    if (rc)
        return rc;
    if (c->help)
        return cli_usage(tenant_usage);
    if ((rc = cli_need(c, 1, 2, tenant_usage)))
        return rc;
    const char *sub = c->pos[0];
    int is_list = strcmp(sub, "list") == 0;
    if (!is_list && strcmp(sub, "add") != 0 && strcmp(sub, "rm") != 0)
        return cli_failf(c, EXIT_USAGE, "unknown tenant command \"%s\"", sub);
    if ((rc = cli_need(c, is_list ? 1 : 2, is_list ? 1 : 2, tenant_usage)))
        return rc;
    if (strcmp(sub, "rm") == 0 && !yes)
        return cli_failf(c, EXIT_USAGE,
                         "tenant rm destroys the tenant's key and secrets: add --yes");
    vo_vault *v = NULL;
    if ((rc = cli_open_vault(c, &v, 0, 0, NULL)))
        return rc;
    int code = EXIT_OK;
    if (is_list) {
        cJSON *d = cli_doc();
        cJSON *arr = cJSON_AddArrayToObject(d, "tenants");
        char after[VO_VAULT_TENANT_MAX + 1] = "";
        for (;;) {
            vo_tenant_list *l = NULL;
            rc = vo_vault_tenant_list(&l, v, after, 500);
            if (rc != VO_OK) {
                cJSON_Delete(d);
                code = cli_fail(c, "tenant list", rc);
                goto out;
            }
            size_t n = vo_tenant_list_count(l);
            for (size_t i = 0; i < n; i++) {
                if (c->json)
                    cJSON_AddItemToArray(arr, tenant_json(l, i));
                else
                    printf("%-32s secrets=%lld kek=%s dek_generation=%lld\n",
                           vo_tenant_list_id(l, i),
                           (long long)vo_tenant_list_secret_count(l, i),
                           vo_tenant_list_kek_id(l, i),
                           (long long)vo_tenant_list_dek_generation(l, i));
            }
            if (n > 0)
                snprintf(after, sizeof(after), "%s", vo_tenant_list_id(l, n - 1));
            vo_tenant_list_free(l);
            if (n < 500)
                break;
        }
        if (c->json)
            cli_json_print(d);
        else
            cJSON_Delete(d);
        goto out;
    }
    const char *tenant = c->pos[1];
    if (strcmp(sub, "add") == 0) {
        rc = vo_vault_tenant_create(v, tenant);
        if (rc != VO_OK) {
            code = cli_fail(c, "tenant add", rc);
            goto out;
        }
    } else {
        rc = vo_vault_tenant_delete(v, tenant);
        if (rc != VO_OK) {
            code = cli_fail(c, "tenant rm", rc);
            goto out;
        }
    }
    if (c->json) {
        cJSON *d = cli_doc();
        cJSON_AddStringToObject(d, "tenant", tenant);
        cJSON_AddStringToObject(d, "action", strcmp(sub, "add") == 0 ? "created" : "deleted");
        cli_json_print(d);
    } else {
        printf("%s tenant %s\n", strcmp(sub, "add") == 0 ? "created" : "deleted", tenant);
    }
out:
    vo_vault_close(v);
    return code;
}

/* ---- secrets -------------------------------------------------------------------------- */

static const char *const secret_usage =
    "usage: voiceops secret put TENANT NAME [--expect-version N] [--raw]\n"
    "       voiceops secret get TENANT NAME [--version N] [--reveal]\n"
    "       voiceops secret list TENANT\n"
    "       voiceops secret rm TENANT NAME [--expect-version N]\n"
    "       voiceops secret history TENANT NAME\n"
    "put reads the value from stdin (all of it, one trailing newline removed unless --raw),\n"
    "or from a prompt without echo on a terminal; never from the command line.\n"
    "get prints metadata only; the value only with --reveal.\n";

int cmd_secret(cli *c, int argc, char **argv)
{
    const char *expect = NULL, *version = NULL;
    int raw = 0, reveal = 0;
    const cli_opt opts[] = {{"expect-version", &expect, NULL},
                            {"version", &version, NULL},
                            {"raw", NULL, &raw},
                            {"reveal", NULL, &reveal},
                            {NULL, NULL, NULL}};
    int rc = cli_parse(c, argc, argv, opts, secret_usage);
    if (rc)
        return rc;
    if (c->help)
        return cli_usage(secret_usage);
    if ((rc = cli_need(c, 2, 3, secret_usage)))
        return rc;
    const char *sub = c->pos[0], *tenant = c->pos[1];
    int is_list = strcmp(sub, "list") == 0;
    if (!is_list && strcmp(sub, "put") && strcmp(sub, "get") && strcmp(sub, "rm") &&
        strcmp(sub, "history"))
        return cli_failf(c, EXIT_USAGE, "unknown secret command \"%s\"", sub);
    if ((rc = cli_need(c, is_list ? 2 : 3, is_list ? 2 : 3, secret_usage)))
        return rc;
    const char *name = is_list ? NULL : c->pos[2];
    int64_t expected = VO_VAULT_ANY_VERSION, ver = 0;
    if (expect && cli_parse_int64(expect, &expected) != 0)
        return cli_failf(c, EXIT_USAGE, "--expect-version: not a number");
    if (version && (cli_parse_int64(version, &ver) != 0 || ver < 1))
        return cli_failf(c, EXIT_USAGE, "--version: a version number from 1 expected");

    vo_secret *value = NULL;
    if (strcmp(sub, "put") == 0) {
        char prompt[300];
        snprintf(prompt, sizeof(prompt), "value of %s/%s", tenant, name);
        if ((rc = cli_read_secret(c, &value, prompt, 1, raw)))
            return rc;
    }
    vo_vault *v = NULL;
    if ((rc = cli_open_vault(c, &v, 0, 0, NULL))) {
        vo_secret_free(value);
        return rc;
    }
    int code = EXIT_OK;
    cJSON *d = cli_doc();
    cJSON_AddStringToObject(d, "tenant", tenant);
    if (name)
        cJSON_AddStringToObject(d, "name", name);

    if (strcmp(sub, "put") == 0) {
        int64_t out_ver = 0;
        rc = vo_vault_secret_put(&out_ver, v, tenant, name, vo_secret_data(value),
                                 vo_secret_len(value), expected);
        size_t len = vo_secret_len(value);
        vo_secret_free(value);
        if (rc != VO_OK) {
            code = cli_fail(c, "secret put", rc);
            goto out;
        }
        cJSON_AddNumberToObject(d, "version", (double)out_ver);
        cJSON_AddNumberToObject(d, "length", (double)len);
        if (!c->json)
            printf("stored %s/%s version %lld (%zu bytes)\n", tenant, name, (long long)out_ver,
                   len);
    } else if (strcmp(sub, "get") == 0) {
        int64_t out_ver = 0;
        rc = vo_vault_secret_get(&value, &out_ver, v, tenant, name, ver);
        if (rc != VO_OK) {
            code = cli_fail(c, "secret get", rc);
            goto out;
        }
        cJSON_AddNumberToObject(d, "version", (double)out_ver);
        cJSON_AddNumberToObject(d, "length", (double)vo_secret_len(value));
        if (reveal && c->json) {
            /* the JSON document holds the value: it is printed and the text wiped */
            cJSON_AddStringToObject(d, "value", vo_secret_str(value));
        } else if (reveal) {
            fwrite(vo_secret_data(value), 1, vo_secret_len(value), stdout);
            if (isatty(STDOUT_FILENO))
                fputc('\n', stdout);
        } else if (!c->json) {
            printf("%s/%s version %lld, %zu bytes (value hidden; --reveal prints it)\n", tenant,
                   name, (long long)out_ver, vo_secret_len(value));
        }
        vo_secret_free(value);
        if (reveal && c->json) {
            char *s = cJSON_PrintUnformatted(d);
            cJSON *val = cJSON_GetObjectItemCaseSensitive(d, "value");
            if (val && val->valuestring) /* cJSON's copy of the value: wiped before free */
                memset(val->valuestring, 0, strlen(val->valuestring));
            cJSON_Delete(d);
            d = NULL;
            if (s) {
                fputs(s, stdout);
                fputc('\n', stdout);
                fflush(stdout);
                memset(s, 0, strlen(s));
                cJSON_free(s);
            }
        }
    } else if (strcmp(sub, "rm") == 0) {
        rc = vo_vault_secret_delete(v, tenant, name, expected);
        if (rc != VO_OK) {
            code = cli_fail(c, "secret rm", rc);
            goto out;
        }
        cJSON_AddStringToObject(d, "action", "deleted");
        if (!c->json)
            printf("deleted %s/%s (every version)\n", tenant, name);
    } else {
        vo_secret_list *l = NULL;
        rc = vo_vault_secret_list(&l, v, tenant);
        if (rc != VO_OK) {
            code = cli_fail(c, is_list ? "secret list" : "secret history", rc);
            goto out;
        }
        cJSON *arr = is_list ? cJSON_AddArrayToObject(d, "secrets") : NULL;
        int found = 0;
        for (size_t i = 0; i < vo_secret_list_count(l); i++) {
            const char *n = vo_secret_list_name(l, i);
            if (!is_list && strcmp(n, name) != 0)
                continue;
            found = 1;
            char cts[32], uts[32];
            fmt_time(cts, sizeof(cts), vo_secret_list_created_at(l, i));
            fmt_time(uts, sizeof(uts), vo_secret_list_updated_at(l, i));
            cJSON *e = is_list ? cJSON_CreateObject() : d;
            if (is_list)
                cJSON_AddStringToObject(e, "name", n);
            cJSON_AddNumberToObject(e, "version", (double)vo_secret_list_version(l, i));
            cJSON_AddNumberToObject(e, "versions_kept",
                                    (double)vo_secret_list_versions_kept(l, i));
            cJSON_AddStringToObject(e, "created_at", cts);
            cJSON_AddStringToObject(e, "updated_at", uts);
            if (is_list)
                cJSON_AddItemToArray(arr, e);
            if (!c->json)
                printf("%-40s version=%lld kept=%lld updated=%s\n", n,
                       (long long)vo_secret_list_version(l, i),
                       (long long)vo_secret_list_versions_kept(l, i), uts);
        }
        vo_secret_list_free(l);
        if (!is_list) {
            /* the writes, reads and deletes of this secret, from the audit log */
            cJSON *ev = cJSON_AddArrayToObject(d, "events");
            int64_t after = 0;
            size_t nev = 0;
            for (;;) {
                vo_audit_list *a = NULL;
                rc = vo_vault_audit_list(&a, v, tenant, 0, 0, after, 1000);
                if (rc != VO_OK) {
                    code = cli_fail(c, "secret history", rc);
                    goto out;
                }
                size_t n = vo_audit_list_count(a);
                for (size_t i = 0; i < n; i++) {
                    if (strcmp(vo_audit_list_name(a, i), name) != 0)
                        continue;
                    char ts[32];
                    fmt_time(ts, sizeof(ts), vo_audit_list_time(a, i));
                    cJSON *e = cJSON_CreateObject();
                    cJSON_AddNumberToObject(e, "seq", (double)vo_audit_list_seq(a, i));
                    cJSON_AddStringToObject(e, "time", ts);
                    cJSON_AddStringToObject(e, "action", vo_audit_list_action(a, i));
                    cJSON_AddStringToObject(e, "actor", vo_audit_list_actor(a, i));
                    cJSON_AddStringToObject(e, "result", vo_audit_list_result(a, i));
                    cJSON_AddItemToArray(ev, e);
                    nev++;
                    if (!c->json)
                        printf("  %s  %-16s %-10s by %s\n", ts, vo_audit_list_action(a, i),
                               vo_audit_list_result(a, i), vo_audit_list_actor(a, i));
                }
                if (n > 0)
                    after = vo_audit_list_seq(a, n - 1);
                vo_audit_list_free(a);
                if (n < 1000)
                    break;
            }
            if (!found && nev == 0) {
                code = cli_failf(c, EXIT_NOTFOUND, "secret history: no secret %s/%s", tenant,
                                 name);
                goto out;
            }
            cJSON_AddBoolToObject(d, "exists", found);
        }
    }
    if (d && c->json) {
        cli_json_print(d);
        d = NULL;
    }
out:
    cJSON_Delete(d);
    vo_vault_close(v);
    return code;
}

/* ---- typed credentials ------------------------------------------------------------------ */

static const char *const creds_usage =
    "usage: voiceops creds set twilio TENANT --account-sid AC... [--api-key-sid SK...]\n"
    "                         [--region R] [--edge E] [--check]\n"
    "       voiceops creds set vapi TENANT [--webhook secret|bearer|hmac] [--no-api-key]\n"
    "                         [--check]\n"
    "       voiceops creds set smtp TENANT --host H [--port N] [--username U]\n"
    "                         [--tls starttls|implicit|none] [--check [--ca-file PEM]]\n"
    "Secret fields are read from stdin, one per line, or from prompts on a terminal:\n"
    "  twilio: the auth token (or, with --api-key-sid, the API key secret)\n"
    "  vapi:   the private API key (unless --no-api-key), then the webhook secret (--webhook)\n"
    "  smtp:   the password (with --username)\n"
    "--check validates against the provider before storing (Twilio: fetch the account;\n"
    "Vapi: list one assistant; SMTP: connect, TLS, log in, NOOP); nothing is stored when it\n"
    "fails. The tenant must exist.\n";

static int check_twilio(const cli *c, const vo_twilio_credentials *cr)
{
    vo_services_options so;
    cli_services_options(c, &so);
    vo_twilio_options o = VO_TWILIO_OPTIONS_INIT;
    o.api_base_url = so.twilio_api_base_url;
    o.accounts_base_url = so.twilio_accounts_base_url;
    vo_twilio_client *cl = NULL;
    int rc = vo_twilio_client_new(&cl, cr, &o);
    if (rc != VO_OK)
        return cli_fail(c, "creds check (twilio)", rc);
    vo_twilio_resource *acct = NULL;
    rc = vo_twilio_account_get(&acct, cl);
    int code = EXIT_OK;
    if (rc != VO_OK) {
        code = cli_fail(c, "creds check (twilio): the account cannot be read", rc);
    } else if (vo_twilio_resource_status(acct) &&
               strcmp(vo_twilio_resource_status(acct), "active") != 0) {
        code = cli_failf(c, EXIT_REMOTE, "creds check (twilio): the account is %s",
                         vo_twilio_resource_status(acct));
    }
    vo_twilio_resource_free(acct);
    vo_twilio_client_free(cl);
    return code;
}

static int check_vapi(const cli *c, const vo_vapi_credentials *cr)
{
    if (!vo_vapi_credentials_api_key(cr))
        return EXIT_OK;
    vo_services_options so;
    cli_services_options(c, &so);
    vo_vapi_options o = VO_VAPI_OPTIONS_INIT;
    o.base_url = so.vapi_base_url;
    vo_vapi_client *cl = NULL;
    int rc = vo_vapi_client_new(&cl, vo_vapi_credentials_api_key(cr), &o);
    if (rc != VO_OK)
        return cli_fail(c, "creds check (vapi)", rc);
    vo_vapi_list_options lo = VO_VAPI_LIST_OPTIONS_INIT;
    lo.limit = 1;
    lo.page_size = 1;
    vo_vapi_iter *it = NULL;
    rc = vo_vapi_assistants_list(&it, cl, &lo);
    const vo_vapi_resource *item = NULL;
    if (rc == VO_OK)
        rc = vo_vapi_iter_next(&item, it);
    vo_vapi_iter_free(it);
    vo_vapi_client_free(cl);
    if (rc != VO_OK && rc != VO_ENOTFOUND)
        return cli_fail(c, "creds check (vapi): the API key was not accepted", rc);
    return EXIT_OK;
}

int cmd_creds(cli *c, int argc, char **argv)
{
    const char *account_sid = NULL, *key_sid = NULL, *region = NULL, *edge = NULL;
    const char *webhook = NULL, *host = NULL, *port = NULL, *username = NULL, *tls = NULL;
    const char *ca_file = NULL;
    int check = 0, no_api_key = 0;
    const cli_opt opts[] = {{"account-sid", &account_sid, NULL},
                            {"api-key-sid", &key_sid, NULL},
                            {"region", &region, NULL},
                            {"edge", &edge, NULL},
                            {"webhook", &webhook, NULL},
                            {"no-api-key", NULL, &no_api_key},
                            {"host", &host, NULL},
                            {"port", &port, NULL},
                            {"username", &username, NULL},
                            {"tls", &tls, NULL},
                            {"check", NULL, &check},
                            {"ca-file", &ca_file, NULL},
                            {NULL, NULL, NULL}};
    int rc = cli_parse(c, argc, argv, opts, creds_usage);
    if (rc)
        return rc;
    if (c->help)
        return cli_usage(creds_usage);
    if ((rc = cli_need(c, 3, 3, creds_usage)))
        return rc;
    if (strcmp(c->pos[0], "set") != 0)
        return cli_failf(c, EXIT_USAGE, "unknown creds command \"%s\"", c->pos[0]);
    const char *kind = c->pos[1], *tenant = c->pos[2];
    int code = EXIT_OK;
    vo_vault *v = NULL;
    vo_secret *s1 = NULL, *s2 = NULL;
    int64_t ver = 0;
    if (strcmp(kind, "twilio") == 0) {
        if (!account_sid)
            return cli_failf(c, EXIT_USAGE, "creds set twilio: --account-sid is required");
        vo_twilio_credentials *cr = NULL;
        if ((rc = vo_twilio_credentials_new(&cr)) != VO_OK)
            return cli_fail(c, "creds", rc);
        rc = vo_twilio_credentials_set_account_sid(cr, account_sid);
        if (rc == VO_OK && region)
            rc = vo_twilio_credentials_set_region(cr, region);
        if (rc == VO_OK && edge)
            rc = vo_twilio_credentials_set_edge(cr, edge);
        if (rc != VO_OK) {
            code = cli_fail(c, "creds set twilio", rc);
            goto tw_out;
        }
        if ((code = cli_read_secret(c, &s1, key_sid ? "API key secret" : "auth token", 0, 0)))
            goto tw_out;
        rc = key_sid ? vo_twilio_credentials_set_api_key(cr, key_sid, vo_secret_str(s1))
                     : vo_twilio_credentials_set_auth_token(cr, vo_secret_str(s1));
        if (rc == VO_OK)
            rc = vo_twilio_credentials_validate(cr);
        if (rc != VO_OK) {
            code = cli_fail(c, "creds set twilio", rc);
            goto tw_out;
        }
        if (check && (code = check_twilio(c, cr)))
            goto tw_out;
        if ((code = cli_open_vault(c, &v, 0, 0, NULL)))
            goto tw_out;
        rc = vo_twilio_credentials_put(&ver, v, tenant, cr, VO_VAULT_ANY_VERSION);
        if (rc != VO_OK)
            code = cli_fail(c, "creds set twilio", rc);
    tw_out:
        vo_twilio_credentials_free(cr);
    } else if (strcmp(kind, "vapi") == 0) {
        vo_vapi_credentials *cr = NULL;
        if ((rc = vo_vapi_credentials_new(&cr)) != VO_OK)
            return cli_fail(c, "creds", rc);
        int wtype = -1;
        if (webhook) {
            wtype = strcmp(webhook, "secret") == 0   ? VO_WEBHOOK_VAPI_SECRET
                    : strcmp(webhook, "bearer") == 0 ? VO_WEBHOOK_VAPI_BEARER
                    : strcmp(webhook, "hmac") == 0   ? VO_WEBHOOK_VAPI_HMAC
                                                     : -2;
            if (wtype == -2) {
                code = cli_failf(c, EXIT_USAGE, "--webhook: secret, bearer or hmac");
                goto va_out;
            }
        }
        if (no_api_key && wtype < 0) {
            code = cli_failf(c, EXIT_USAGE, "--no-api-key needs --webhook");
            goto va_out;
        }
        if (!no_api_key) {
            if ((code = cli_read_secret(c, &s1, "Vapi private API key", 0, 0)))
                goto va_out;
            if ((rc = vo_vapi_credentials_set_api_key(cr, vo_secret_str(s1))) != VO_OK) {
                code = cli_fail(c, "creds set vapi", rc);
                goto va_out;
            }
        }
        if (wtype >= 0) {
            if ((code = cli_read_secret(c, &s2, "Vapi webhook secret", 0, 0)))
                goto va_out;
            vo_webhook_vapi_options wo = VO_WEBHOOK_VAPI_OPTIONS_INIT;
            wo.type = (vo_webhook_vapi_auth)wtype;
            if ((rc = vo_vapi_credentials_set_webhook(cr, &wo, vo_secret_str(s2))) != VO_OK) {
                code = cli_fail(c, "creds set vapi", rc);
                goto va_out;
            }
        }
        if (check && (code = check_vapi(c, cr)))
            goto va_out;
        if ((code = cli_open_vault(c, &v, 0, 0, NULL)))
            goto va_out;
        rc = vo_vapi_credentials_put(&ver, v, tenant, cr, VO_VAULT_ANY_VERSION);
        if (rc != VO_OK)
            code = cli_fail(c, "creds set vapi", rc);
    va_out:
        vo_vapi_credentials_free(cr);
    } else if (strcmp(kind, "smtp") == 0) {
        if (!host)
            return cli_failf(c, EXIT_USAGE, "creds set smtp: --host is required");
        vo_smtp_credentials *cr = NULL;
        if ((rc = vo_smtp_credentials_new(&cr)) != VO_OK)
            return cli_fail(c, "creds", rc);
        rc = vo_smtp_credentials_set_host(cr, host);
        int64_t p = 0;
        if (rc == VO_OK && port) {
            if (cli_parse_int64(port, &p) != 0 || p < 1 || p > 65535) {
                code = cli_failf(c, EXIT_USAGE, "--port: 1-65535");
                goto sm_out;
            }
            rc = vo_smtp_credentials_set_port(cr, (int)p);
        }
        if (rc == VO_OK && tls) {
            int mode = strcmp(tls, "starttls") == 0   ? VO_SMTP_TLS_STARTTLS
                       : strcmp(tls, "implicit") == 0 ? VO_SMTP_TLS_IMPLICIT
                       : strcmp(tls, "none") == 0     ? VO_SMTP_TLS_NONE
                                                      : -1;
            if (mode < 0) {
                code = cli_failf(c, EXIT_USAGE, "--tls: starttls, implicit or none");
                goto sm_out;
            }
            rc = vo_smtp_credentials_set_tls(cr, mode);
        }
        if (rc == VO_OK && username) {
            rc = vo_smtp_credentials_set_username(cr, username);
            if (rc == VO_OK) {
                if ((code = cli_read_secret(c, &s1, "SMTP password", 0, 0)))
                    goto sm_out;
                rc = vo_smtp_credentials_set_password(cr, vo_secret_str(s1));
            }
        }
        if (rc == VO_OK)
            rc = vo_smtp_credentials_validate(cr);
        if (rc != VO_OK) {
            code = cli_fail(c, "creds set smtp", rc);
            goto sm_out;
        }
        if (check) {
            vo_smtp_options so = VO_SMTP_OPTIONS_INIT;
            so.ca_file = ca_file;
            if ((rc = vo_smtp_check(cr, &so)) != VO_OK) {
                code = cli_fail(c, "creds check (smtp)", rc);
                goto sm_out;
            }
        }
        if ((code = cli_open_vault(c, &v, 0, 0, NULL)))
            goto sm_out;
        rc = vo_smtp_credentials_put(&ver, v, tenant, cr, VO_VAULT_ANY_VERSION);
        if (rc != VO_OK)
            code = cli_fail(c, "creds set smtp", rc);
    sm_out:
        vo_smtp_credentials_free(cr);
    } else {
        return cli_failf(c, EXIT_USAGE, "creds set: twilio, vapi or smtp");
    }
    vo_secret_free(s1);
    vo_secret_free(s2);
    vo_vault_close(v);
    if (code == EXIT_OK) {
        if (c->json) {
            cJSON *d = cli_doc();
            cJSON_AddStringToObject(d, "tenant", tenant);
            cJSON_AddStringToObject(d, "provider", kind);
            cJSON_AddNumberToObject(d, "version", (double)ver);
            cJSON_AddBoolToObject(d, "checked", check);
            cli_json_print(d);
        } else {
            printf("stored %s credentials of %s (version %lld%s)\n", kind, tenant,
                   (long long)ver, check ? ", checked with the provider" : "");
        }
    }
    return code;
}

/* ---- rotation ---------------------------------------------------------------------------- */

static const char *const rotate_usage =
    "usage: voiceops rotate kek --to [ID=]PATH [--retire]\n"
    "       voiceops rotate dek TENANT... | --all\n"
    "kek: rewrap every tenant's data key (and the audit key) with the KEK in PATH, in\n"
    "     batches; each batch stays done. Interrupted (Ctrl-C included)? Run the same command\n"
    "     again: it resumes. --retire retires the old KEKs once nothing uses them. Give the\n"
    "     current key with --key-file as usual; afterwards use the new one.\n"
    "dek: give each tenant a new data key and re-encrypt its secrets (one transaction per\n"
    "     tenant; a re-run rotates again, which is harmless).\n"
    "Progress goes to stderr: a bar with rate and ETA on a terminal, lines otherwise.\n";

static int rotate_progress(int64_t done, int64_t total, void *payload)
{
    progress_update((progress *)payload, done, total);
    return cli_interrupted ? 1 : 0;
}

int cmd_rotate(cli *c, int argc, char **argv)
{
    const char *to = NULL;
    int retire = 0, all = 0;
    const cli_opt opts[] = {
        {"to", &to, NULL}, {"retire", NULL, &retire}, {"all", NULL, &all}, {NULL, NULL, NULL}};
    int rc = cli_parse(c, argc, argv, opts, rotate_usage);
    if (rc)
        return rc;
    if (c->help)
        return cli_usage(rotate_usage);
    if ((rc = cli_need(c, 1, CLI_MAX_POS, rotate_usage)))
        return rc;
    const char *sub = c->pos[0];
    cJSON *d = cli_doc();
    int code = EXIT_OK;
    vo_vault *v = NULL;
    progress p;
    if (strcmp(sub, "kek") == 0) {
        if (c->pos_count != 1 || !to) {
            cJSON_Delete(d);
            return cli_failf(c, EXIT_USAGE, "rotate kek --to [ID=]PATH");
        }
        const char *eq = strchr(to, '=');
        if (!eq || eq == to) {
            cJSON_Delete(d);
            return cli_failf(c, EXIT_USAGE,
                             "rotate kek --to ID=PATH: the new KEK needs its own id");
        }
        if ((code = cli_open_vault(c, &v, 0, 1, to))) {
            cJSON_Delete(d);
            return code;
        }
        char new_id[VO_VAULT_KEK_ID_MAX + 1];
        snprintf(new_id, sizeof(new_id), "%.*s", (int)(eq - to), to);
        progress_start(&p, "rotate kek", c->json && !getenv("VOICEOPS_PROGRESS"));
        int64_t remaining = -1;
        double t0 = cli_now();
        rc = vo_vault_kek_rotate(&remaining, v, new_id, rotate_progress, &p);
        if (rc != VO_OK) {
            code = cli_fail(c, "rotate kek", rc);
            goto out;
        }
        int64_t usage = 0;
        vo_vault_kek_usage(&usage, v, new_id);
        progress_finish(&p, p.last_done, p.last_total,
                        remaining ? "interrupted; run the same command again to resume" : NULL);
        cJSON_AddStringToObject(d, "kek_id", new_id);
        cJSON_AddNumberToObject(d, "rewrapped_total", (double)usage);
        cJSON_AddNumberToObject(d, "remaining", (double)remaining);
        cJSON_AddNumberToObject(d, "seconds", cli_now() - t0);
        cJSON_AddBoolToObject(d, "complete", remaining == 0);
        if (remaining != 0) {
            code = EXIT_INTERRUPTED;
            cJSON_ReplaceItemInObject(d, "ok", cJSON_CreateFalse());
        } else if (retire) {
            cJSON *ret = cJSON_AddArrayToObject(d, "retired");
            for (size_t i = 0; i < c->key_count || (i == 0 && getenv("VOICEOPS_KEY_FILE"));
                 i++) {
                const char *spec = c->key_count ? c->keys[i] : getenv("VOICEOPS_KEY_FILE");
                const char *e2 = strchr(spec, '=');
                char id[VO_VAULT_KEK_ID_MAX + 1];
                const char *def = c->kek_id ? c->kek_id : getenv("VOICEOPS_KEK_ID");
                if (e2 && e2 != spec)
                    snprintf(id, sizeof(id), "%.*s", (int)(e2 - spec), spec);
                else
                    snprintf(id, sizeof(id), "%s", def && *def ? def : "primary");
                if (strcmp(id, new_id) == 0)
                    continue;
                rc = vo_vault_kek_retire(v, id);
                if (rc != VO_OK && rc != VO_ENOTFOUND) {
                    code = cli_fail(c, "rotate kek --retire", rc);
                    goto out;
                }
                if (rc == VO_OK)
                    cJSON_AddItemToArray(ret, cJSON_CreateString(id));
            }
        }
        if (!c->json && remaining == 0)
            printf("every data key is wrapped by %s (%lld in use)%s\n", new_id,
                   (long long)usage, retire ? "; old KEKs retired" : "");
        else if (!c->json)
            printf("stopped: %lld data keys still to rewrap; run the same command again\n",
                   (long long)remaining);
    } else if (strcmp(sub, "dek") == 0) {
        if ((code = cli_open_vault(c, &v, 0, 0, NULL))) {
            cJSON_Delete(d);
            return code;
        }
        /* the tenants: the arguments, or every tenant with --all */
        size_t cap = 64, n = 0;
        char **ids = malloc(cap * sizeof(*ids));
        if (all) {
            char after[VO_VAULT_TENANT_MAX + 1] = "";
            for (;;) {
                vo_tenant_list *l = NULL;
                if ((rc = vo_vault_tenant_list(&l, v, after, 500)) != VO_OK) {
                    code = cli_fail(c, "rotate dek", rc);
                    break;
                }
                size_t k = vo_tenant_list_count(l);
                for (size_t i = 0; i < k; i++) {
                    if (n == cap)
                        ids = realloc(ids, (cap *= 2) * sizeof(*ids));
                    ids[n++] = strdup(vo_tenant_list_id(l, i));
                }
                if (k)
                    snprintf(after, sizeof(after), "%s", vo_tenant_list_id(l, k - 1));
                vo_tenant_list_free(l);
                if (k < 500)
                    break;
            }
        } else {
            for (size_t i = 1; i < c->pos_count; i++) {
                if (n == cap)
                    ids = realloc(ids, (cap *= 2) * sizeof(*ids));
                ids[n++] = strdup(c->pos[i]);
            }
        }
        if (code == EXIT_OK && n == 0 && !all)
            code = cli_failf(c, EXIT_USAGE, "rotate dek: name the tenants, or --all");
        cJSON *done_arr = cJSON_AddArrayToObject(d, "rotated");
        progress_start(&p, "rotate dek", c->json && !getenv("VOICEOPS_PROGRESS"));
        size_t i = 0;
        for (; code == EXIT_OK && i < n; i++) {
            if (cli_interrupted)
                break;
            rc = vo_vault_tenant_rotate_dek(v, ids[i]);
            if (rc != VO_OK) {
                char what[200];
                snprintf(what, sizeof(what), "rotate dek %s", ids[i]);
                code = cli_fail(c, what, rc);
                break;
            }
            cJSON_AddItemToArray(done_arr, cJSON_CreateString(ids[i]));
            progress_update(&p, (int64_t)i + 1, (int64_t)n);
        }
        if (code == EXIT_OK) {
            progress_finish(&p, (int64_t)i, (int64_t)n,
                            i < n ? "interrupted; tenants not yet rotated are listed as "
                                    "\"remaining\""
                                  : NULL);
            cJSON *rem = cJSON_AddArrayToObject(d, "remaining");
            for (size_t k = i; k < n; k++)
                cJSON_AddItemToArray(rem, cJSON_CreateString(ids[k]));
            if (i < n) {
                code = EXIT_INTERRUPTED;
                cJSON_ReplaceItemInObject(d, "ok", cJSON_CreateFalse());
            }
            if (!c->json)
                printf("rotated the data key of %zu tenant(s)%s\n", i,
                       i < n ? " (interrupted)" : "");
        }
        for (size_t k = 0; k < n; k++)
            free(ids[k]);
        free(ids);
        if (code != EXIT_OK && code != EXIT_INTERRUPTED) {
            cJSON_Delete(d);
            d = NULL;
        }
    } else {
        cJSON_Delete(d);
        return cli_failf(c, EXIT_USAGE, "rotate: kek or dek");
    }
out:
    if (d && c->json && (code == EXIT_OK || code == EXIT_INTERRUPTED))
        cli_json_print(d);
    else
        cJSON_Delete(d);
    vo_vault_close(v);
    return code;
}

/* ---- import, backup, restore ------------------------------------------------------------ */

static const char *const import_usage =
    "usage: voiceops import plaintext FILE [--format auto|json|csv] [--create-tenants]\n"
    "                                     [--overwrite] [--batched]\n"
    "Import tenant,name,value rows (JSON `[{\"tenant\",\"name\",\"value\"}]` or CSV with a\n"
    "header row) in one transaction, or with --batched in transactions of\n"
    "VOICEOPS_ROTATION_BATCH rows (default 256) so that other servers keep writing (an\n"
    "interrupted import keeps whole batches); re-running is safe (equal values are\n"
    "skipped). Prints a\n"
    "summary and each rejected row with its reason (never a value). Exit 1 when rows were\n"
    "rejected. Delete the plain-text file afterwards, then run `voiceops scan` on its\n"
    "old locations.\n";

int cmd_import(cli *c, int argc, char **argv)
{
    const char *format = NULL;
    int create = 0, overwrite = 0, batched = 0;
    const cli_opt opts[] = {{"format", &format, NULL},
                            {"create-tenants", NULL, &create},
                            {"overwrite", NULL, &overwrite},
                            {"batched", NULL, &batched},
                            {NULL, NULL, NULL}};
    int rc = cli_parse(c, argc, argv, opts, import_usage);
    if (rc)
        return rc;
    if (c->help)
        return cli_usage(import_usage);
    if ((rc = cli_need(c, 2, 2, import_usage)))
        return rc;
    if (strcmp(c->pos[0], "plaintext") != 0)
        return cli_failf(c, EXIT_USAGE, "import: only `import plaintext FILE`");
    int fmt = VO_IMPORT_AUTO;
    if (format) {
        fmt = strcmp(format, "json") == 0   ? VO_IMPORT_JSON
              : strcmp(format, "csv") == 0  ? VO_IMPORT_CSV
              : strcmp(format, "auto") == 0 ? VO_IMPORT_AUTO
                                            : -1;
        if (fmt < 0)
            return cli_failf(c, EXIT_USAGE, "--format: auto, json or csv");
    }
    vo_vault *v = NULL;
    if ((rc = cli_open_vault(c, &v, 0, 0, NULL)))
        return rc;
    unsigned flags = (create ? VO_IMPORT_CREATE_TENANTS : 0u) |
                     (overwrite ? VO_IMPORT_OVERWRITE : 0u) |
                     (batched ? VO_IMPORT_BATCHED : 0u);
    vo_import_report *r = NULL;
    rc = vo_vault_import_file(&r, v, c->pos[1], fmt, flags);
    if (rc != VO_OK) {
        int code = cli_fail(c, "import", rc);
        vo_vault_close(v);
        return code;
    }
    cJSON *d = cli_doc();
    cJSON_AddStringToObject(d, "file", c->pos[1]);
    cJSON_AddNumberToObject(d, "imported", (double)vo_import_report_imported(r));
    cJSON_AddNumberToObject(d, "skipped", (double)vo_import_report_skipped(r));
    cJSON_AddNumberToObject(d, "rejected", (double)vo_import_report_rejected(r));
    cJSON *rows = cJSON_AddArrayToObject(d, "rejections");
    for (size_t i = 0; i < vo_import_report_rejection_count(r); i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "row", (double)vo_import_report_rejection_row(r, i));
        cJSON_AddStringToObject(e, "reason", vo_import_report_rejection_reason(r, i));
        cJSON_AddItemToArray(rows, e);
        if (!c->json)
            printf("row %lld: rejected: %s\n", (long long)vo_import_report_rejection_row(r, i),
                   vo_import_report_rejection_reason(r, i));
    }
    if (!c->json)
        printf("imported %lld, skipped %lld (unchanged), rejected %lld\n",
               (long long)vo_import_report_imported(r), (long long)vo_import_report_skipped(r),
               (long long)vo_import_report_rejected(r));
    int code = vo_import_report_rejected(r) > 0 ? EXIT_FINDING : EXIT_OK;
    if (c->json)
        cli_json_print(d);
    else
        cJSON_Delete(d);
    vo_import_report_free(r);
    vo_vault_close(v);
    return code;
}

static const char *const backup_usage =
    "usage: voiceops backup FILE\n"
    "Online backup of the vault into a new file (mode 0600) while it stays in use. The copy\n"
    "holds wrapped keys and ciphertexts only: restoring it needs the key files.\n";

int cmd_backup(cli *c, int argc, char **argv)
{
    int rc = cli_parse(c, argc, argv, NULL, backup_usage);
    if (rc)
        return rc;
    if (c->help)
        return cli_usage(backup_usage);
    if ((rc = cli_need(c, 1, 1, backup_usage)))
        return rc;
    vo_vault *v = NULL;
    if ((rc = cli_open_vault(c, &v, 0, 0, NULL)))
        return rc;
    rc = vo_vault_backup(v, c->pos[0]);
    vo_vault_close(v);
    if (rc != VO_OK)
        return cli_fail(c, "backup", rc);
    if (c->json) {
        cJSON *d = cli_doc();
        cJSON_AddStringToObject(d, "backup", c->pos[0]);
        cli_json_print(d);
    } else {
        printf("backed up to %s\n", c->pos[0]);
    }
    return EXIT_OK;
}

static const char *const restore_usage =
    "usage: voiceops restore BACKUP\n"
    "Restore a backup into the vault file (--vault), which no process may have open. The\n"
    "backup is checked before anything is written; then open it once with the key files\n"
    "(voiceops audit verify) to confirm.\n";

int cmd_restore(cli *c, int argc, char **argv)
{
    int rc = cli_parse(c, argc, argv, NULL, restore_usage);
    if (rc)
        return rc;
    if (c->help)
        return cli_usage(restore_usage);
    if ((rc = cli_need(c, 1, 1, restore_usage)))
        return rc;
    const char *path = c->vault_path ? c->vault_path : getenv("VOICEOPS_VAULT");
    if (!path)
        return cli_failf(c, EXIT_USAGE, "restore: give --vault PATH (the file to restore)");
    rc = vo_vault_restore(c->pos[0], path);
    if (rc != VO_OK)
        return cli_fail(c, "restore", rc);
    if (c->json) {
        cJSON *d = cli_doc();
        cJSON_AddStringToObject(d, "backup", c->pos[0]);
        cJSON_AddStringToObject(d, "vault", path);
        cli_json_print(d);
    } else {
        printf("restored %s into %s\n", c->pos[0], path);
    }
    return EXIT_OK;
}

/* ---- audit ---------------------------------------------------------------------------- */

static const char *const audit_usage =
    "usage: voiceops audit show [--tenant T] [--limit N] [--after SEQ]\n"
    "       voiceops audit verify [--checkpoint FILE [--public-key FILE | --signing-key K]]\n"
    "       voiceops audit checkpoint [--signing-key [ID=]PATH] [--out FILE]\n"
    "       voiceops audit public-key [--signing-key [ID=]PATH] [--out FILE]\n"
    "verify checks the keyed hash chain of the audit log from the first row: exit 0 when\n"
    "intact, 1 when a row was edited, deleted or the tail cut (the first broken row is named).\n"
    "\n"
    "checkpoint prints (or writes to --out, atomically) one line of JSON signed with Ed25519:\n"
    "the vault id, the last sequence number and the chain head. Ship it somewhere the vault's\n"
    "writer cannot reach. The signing key is a key file from `voiceops keygen` (--signing-key\n"
    "or VOICEOPS_SIGNING_KEY; ID defaults to \"checkpoint\"); keep it apart from the KEK.\n"
    "public-key prints its public key (base64) for the verifier; it needs no vault.\n"
    "verify --checkpoint FILE also checks the log against the checkpoint (the last non-empty\n"
    "line of FILE, - for stdin, so a log of checkpoints verifies against the latest), with\n"
    "the trusted public key from --public-key FILE or derived from --signing-key. Exit 1 (a\n"
    "finding) when the vault was rolled back to an older copy or its tail cut (rollback), or\n"
    "rolled back and written again (fork); a checkpoint whose signature does not verify is\n"
    "refused with exit 5, one of another vault with exit 6, a malformed one with exit 8.\n";

static const char *break_name(int r)
{
    switch (r) {
    case VO_AUDIT_INTACT: return "intact";
    case VO_AUDIT_MAC_MISMATCH: return "mac_mismatch";
    case VO_AUDIT_SEQ_GAP: return "seq_gap";
    case VO_AUDIT_TAIL_MISMATCH: return "tail_mismatch";
    case VO_AUDIT_ROLLBACK: return "rollback";
    case VO_AUDIT_FORK: return "fork";
    default: return "unknown";
    }
}

int cmd_audit(cli *c, int argc, char **argv)
{
    const char *tenant = NULL, *limit_s = NULL, *after_s = NULL;
    const char *checkpoint = NULL, *public_key = NULL, *signing_key = NULL, *out_file = NULL;
    const cli_opt opts[] = {
        {"tenant", &tenant, NULL},         {"limit", &limit_s, NULL},
        {"after", &after_s, NULL},         {"checkpoint", &checkpoint, NULL},
        {"public-key", &public_key, NULL}, {"signing-key", &signing_key, NULL},
        {"out", &out_file, NULL},          {NULL, NULL, NULL}};
    int rc = cli_parse(c, argc, argv, opts, audit_usage);
    if (rc)
        return rc;
    if (c->help)
        return cli_usage(audit_usage);
    if ((rc = cli_need(c, 1, 1, audit_usage)))
        return rc;
    int64_t limit = 100, after = 0;
    if ((limit_s && (cli_parse_int64(limit_s, &limit) || limit < 1 || limit > 100000)) ||
        (after_s && (cli_parse_int64(after_s, &after) || after < 0)))
        return cli_failf(c, EXIT_USAGE, "--limit 1-100000, --after a sequence number");
    int show = strcmp(c->pos[0], "show") == 0;
    int take = strcmp(c->pos[0], "checkpoint") == 0;
    if (strcmp(c->pos[0], "public-key") == 0)
        return cli_audit_public_key(c, signing_key, out_file);
    if (!show && !take && strcmp(c->pos[0], "verify") != 0)
        return cli_failf(c, EXIT_USAGE, "audit: show, verify, checkpoint or public-key");
    if (!checkpoint && (public_key || (signing_key && !take)))
        return cli_failf(c, EXIT_USAGE, "--public-key/--signing-key need --checkpoint FILE");
    if (out_file && !take)
        return cli_failf(c, EXIT_USAGE, "--out is for audit checkpoint and public-key");
    char pk[VO_VAULT_CHECKPOINT_PUBLIC_KEY_SIZE] = "";
    char *cp_text = NULL;
    if (checkpoint) { /* refuse bad arguments before the vault is opened */
        if (show || take)
            return cli_failf(c, EXIT_USAGE, "--checkpoint is for audit verify");
        if ((rc = cli_audit_trusted_key(c, public_key, signing_key, pk)) ||
            (rc = cli_audit_read_checkpoint(c, checkpoint, &cp_text)))
            return rc;
    }
    vo_vault *v = NULL;
    if ((rc = cli_open_vault(c, &v, 0, 0, NULL))) {
        free(cp_text);
        return rc;
    }
    if (take) {
        rc = cli_audit_checkpoint(c, v, signing_key, out_file);
        vo_vault_close(v);
        return rc;
    }
    int code = EXIT_OK;
    cJSON *d = cli_doc();
    if (show) {
        vo_audit_list *l = NULL;
        rc = vo_vault_audit_list(&l, v, tenant, 0, 0, after, (size_t)limit);
        if (rc != VO_OK) {
            code = cli_fail(c, "audit show", rc);
            goto out;
        }
        cJSON *rows = cJSON_AddArrayToObject(d, "rows");
        for (size_t i = 0; i < vo_audit_list_count(l); i++) {
            char ts[32];
            fmt_time(ts, sizeof(ts), vo_audit_list_time(l, i));
            if (!c->json) {
                printf("%6lld %s %-18s %-20s %-28s %-12s %s\n",
                       (long long)vo_audit_list_seq(l, i), ts, vo_audit_list_action(l, i),
                       vo_audit_list_tenant(l, i), vo_audit_list_name(l, i),
                       vo_audit_list_result(l, i), vo_audit_list_actor(l, i));
                continue;
            }
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "seq", (double)vo_audit_list_seq(l, i));
            cJSON_AddStringToObject(e, "time", ts);
            cJSON_AddStringToObject(e, "action", vo_audit_list_action(l, i));
            cJSON_AddStringToObject(e, "tenant", vo_audit_list_tenant(l, i));
            cJSON_AddStringToObject(e, "name", vo_audit_list_name(l, i));
            cJSON_AddStringToObject(e, "result", vo_audit_list_result(l, i));
            cJSON_AddStringToObject(e, "actor", vo_audit_list_actor(l, i));
            cJSON_AddStringToObject(e, "correlation_id", vo_audit_list_correlation_id(l, i));
            cJSON_AddItemToArray(rows, e);
        }
        vo_audit_list_free(l);
    } else {
        int64_t rows = 0, bad = 0;
        int reason = 0;
        if (cp_text) {
            int refused =
                cli_audit_verify_checkpoint(c, &rc, v, cp_text, pk, d, &rows, &bad, &reason);
            if (refused) {
                code = refused;
                goto out;
            }
        } else {
            rc = vo_vault_audit_verify(&rows, &bad, &reason, v);
        }
        if (rc != VO_OK && rc != VO_ECRYPTO) {
            code = cli_fail(c, "audit verify", rc);
            goto out;
        }
        cJSON_AddBoolToObject(d, "intact", rc == VO_OK);
        cJSON_AddNumberToObject(d, "rows", (double)rows);
        cJSON_AddNumberToObject(d, "bad_seq", (double)bad);
        cJSON_AddStringToObject(d, "reason", break_name(reason));
        if (rc == VO_OK) {
            if (!c->json)
                printf("audit chain intact: %lld rows verified%s\n", (long long)rows,
                       cp_text ? ", consistent with the checkpoint" : "");
        } else {
            code = EXIT_FINDING;
            if (reason == VO_AUDIT_ROLLBACK || reason == VO_AUDIT_FORK)
                fprintf(stderr,
                        "voiceops: ROLLBACK detected: the audit log %s at row %lld (%s): "
                        "%s\n",
                        reason == VO_AUDIT_FORK ? "forks from the checkpoint"
                                                : "ends before the checkpoint",
                        (long long)bad, break_name(reason), vo_error_last()->message);
            else
                fprintf(stderr, "voiceops: audit chain BROKEN at row %lld (%s): %s\n",
                        (long long)bad, break_name(reason), vo_error_last()->message);
            if (!c->json)
                printf("audit chain broken at row %lld (%s)\n", (long long)bad,
                       break_name(reason));
        }
    }
    if (c->json) {
        cli_json_print(d);
        d = NULL;
    }
out:
    cJSON_Delete(d);
    vo_vault_close(v);
    free(cp_text);
    return code;
}
