/* voiceops: the operator tool of libvoiceops. Entry point, command-line parsing, errors,
 * vault opening, secret input and progress output shared by the commands. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

volatile sig_atomic_t cli_interrupted;

static const char *const main_usage =
    "usage: voiceops [GLOBAL OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "The operator tool of libvoiceops: the credential vault, key rotation, provider\n"
    "credentials, webhook debugging, leak scanning. `voiceops COMMAND --help` for each.\n"
    "\n"
    "Commands:\n"
    "  keygen PATH                      create a key file (KEK, mode 0600)\n"
    "  vault init | vault copy DEST     create a vault / copy it to another backend\n"
    "  tenant add|list|rm               manage tenants\n"
    "  secret put|get|list|rm|history   manage a tenant's secrets (values from stdin)\n"
    "  creds set twilio|vapi|smtp T     store typed provider credentials (--check)\n"
    "  rotate kek | rotate dek T...     rotate keys (progress, resumable)\n"
    "  import plaintext FILE            import tenant,name,value rows (JSON or CSV)\n"
    "  backup FILE | restore BACKUP     online backup / restore of the vault file\n"
    "  audit show|verify                read / verify the audit hash chain\n"
    "  audit checkpoint|public-key      signed audit checkpoints; verify --checkpoint FILE\n"
    "                                   detects a rolled-back vault or a cut tail\n"
    "  twilio numbers T                 list a tenant's Twilio numbers\n"
    "  twilio rotate-token T            rotate a tenant's Twilio auth token (resumable)\n"
    "  vapi import-numbers T            import a tenant's Twilio numbers into Vapi\n"
    "  webhook verify CAPTURE           verify a captured webhook request, explain failures\n"
    "  scan PATH...                     search files for vault secrets and provider keys\n"
    "  smtp test T --to ADDRESS         send a test mail with the tenant's SMTP credentials\n"
    "  sandbox [ARGS]                   start the local Twilio/Vapi sandbox\n"
    "  demo                             run the quickstart demo\n"
    "\n"
    "Global options (before or after the command):\n"
    "  --vault PATH        the vault file (or VOICEOPS_VAULT)\n"
    "  --key-file [ID=]PATH  a key file; repeatable (or VOICEOPS_KEY_FILE); the first is\n"
    "                      the active KEK\n"
    "  --kek-id ID         id of a key file given without ID= (or VOICEOPS_KEK_ID;\n"
    "                      default \"primary\")\n"
    "  --actor NAME        recorded in audit rows (default \"voiceops-cli\")\n"
    "  --twilio-url URL    Twilio API base URL (or VOICEOPS_TWILIO_URL; the sandbox)\n"
    "  --vapi-url URL      Vapi API base URL (or VOICEOPS_VAPI_URL)\n"
    "  --json              machine-readable output on stdout (one JSON document)\n"
    "  --help              help of the command\n"
    "\n"
    "Exit codes: 0 ok; 1 a check found something (scan finding, broken audit chain,\n"
    "rollback against a checkpoint, webhook not verified, rejected import rows); 2 usage; 3 not found; 4 permission (key\n"
    "or vault file mode); 5 wrong key or tampered record; 6 exists or conflict; 7 provider\n"
    "or network failure; 8 other failure; 130 interrupted (run the same command again to\n"
    "resume).\n";

int cli_usage(const char *usage)
{
    fputs(usage, stdout);
    return EXIT_OK;
}

const char *cli_exit_name(int code)
{
    switch (code) {
    case EXIT_OK: return "ok";
    case EXIT_FINDING: return "finding";
    case EXIT_USAGE: return "usage";
    case EXIT_NOTFOUND: return "not_found";
    case EXIT_PERMISSION: return "permission";
    case EXIT_CRYPTO: return "crypto";
    case EXIT_CONFLICT: return "conflict";
    case EXIT_REMOTE: return "remote";
    case EXIT_INTERRUPTED: return "interrupted";
    default: return "error";
    }
}

int cli_exit_code(int rc)
{
    switch (rc) {
    case VO_OK: return EXIT_OK;
    case VO_EINVAL: return EXIT_USAGE;
    case VO_ENOTFOUND: return EXIT_NOTFOUND;
    case VO_EFORBIDDEN: return EXIT_PERMISSION;
    case VO_ECRYPTO: return EXIT_CRYPTO;
    case VO_EEXISTS:
    case VO_ECONFLICT: return EXIT_CONFLICT;
    case VO_EAUTH:
    case VO_ENETWORK:
    case VO_ETIMEOUT:
    case VO_ERATELIMIT:
    case VO_EUNAVAILABLE:
    case VO_EPROTOCOL:
    case VO_EVALIDATION:
    case VO_ETLS: return EXIT_REMOTE;
    default: return EXIT_ERROR;
    }
}

static void json_error(int code, const char *name, const char *message)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddFalseToObject(doc, "ok");
    cJSON *e = cJSON_AddObjectToObject(doc, "error");
    cJSON_AddStringToObject(e, "code", name);
    cJSON_AddStringToObject(e, "message", message);
    cJSON_AddNumberToObject(e, "exit", code);
    cJSON_AddStringToObject(e, "kind", cli_exit_name(code));
    cli_json_print(doc);
}

int cli_fail(const cli *c, const char *what, int rc)
{
    const vo_error *e = vo_error_last();
    const char *msg = e->code == rc && e->message[0] ? e->message : vo_strerror(rc);
    int code = cli_exit_code(rc);
    fprintf(stderr, "voiceops: %s: %s (%s)\n", what, msg, vo_error_name(rc));
    if (c && c->json) {
        char buf[1200];
        snprintf(buf, sizeof(buf), "%s: %s", what, msg);
        json_error(code, vo_error_name(rc), buf);
    }
    return code;
}

int cli_failf(const cli *c, int code, const char *fmt, ...)
{
    char buf[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    fprintf(stderr, "voiceops: %s\n", buf);
    if (c && c->json)
        json_error(code, cli_exit_name(code), buf);
    return code;
}

cJSON *cli_doc(void)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddTrueToObject(doc, "ok");
    return doc;
}

void cli_json_print(cJSON *doc)
{
    char *s = cJSON_PrintUnformatted(doc);
    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
        cJSON_free(s);
    }
    fflush(stdout);
    cJSON_Delete(doc);
}

static const cli_opt *find_opt(const cli_opt *opts, const char *name, size_t n)
{
    for (const cli_opt *o = opts; o && o->name; o++)
        if (strlen(o->name) == n && strncmp(o->name, name, n) == 0)
            return o;
    return NULL;
}

int cli_parse(cli *c, int argc, char **argv, const cli_opt *opts, const char *usage)
{
    c->pos_count = 0;
    int only_pos = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || strcmp(a, "-") == 0) {
            if (c->pos_count >= CLI_MAX_POS)
                return cli_failf(c, EXIT_USAGE, "too many arguments");
            c->pos[c->pos_count++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            c->help = 1;
            continue;
        }
        if (strncmp(a, "--", 2) != 0)
            return cli_failf(c, EXIT_USAGE, "unknown option %s (see --help)", a);
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t n = eq ? (size_t)(eq - name) : strlen(name);
        const char *value = eq ? eq + 1 : NULL;
        /* global options */
        static const char *const globals_v[] = {"vault", "key-file",   "kek-id",
                                                "actor", "twilio-url", "vapi-url"};
        int global = -1;
        for (int g = 0; g < 6; g++)
            if (strlen(globals_v[g]) == n && strncmp(globals_v[g], name, n) == 0)
                global = g;
        if (n == 4 && strncmp(name, "json", 4) == 0) {
            c->json = 1;
            continue;
        }
        const cli_opt *o = global < 0 ? find_opt(opts, name, n) : NULL;
        if (global < 0 && !o)
            return cli_failf(c, EXIT_USAGE, "unknown option --%.*s (see --help)", (int)n, name);
        if (o && o->flag) {
            if (value)
                return cli_failf(c, EXIT_USAGE, "--%s takes no value", o->name);
            *o->flag = 1;
            continue;
        }
        if (!value) {
            if (i + 1 >= argc)
                return cli_failf(c, EXIT_USAGE, "--%.*s needs a value", (int)n, name);
            value = argv[++i];
        }
        switch (global) {
        case 0: c->vault_path = value; break;
        case 1:
            if (c->key_count >= CLI_MAX_KEYS)
                return cli_failf(c, EXIT_USAGE, "at most %d --key-file", CLI_MAX_KEYS);
            c->keys[c->key_count++] = value;
            break;
        case 2: c->kek_id = value; break;
        case 3: c->actor = value; break;
        case 4: c->twilio_url = value; break;
        case 5: c->vapi_url = value; break;
        default: *o->val = value; break;
        }
    }
    (void)usage;
    return 0;
}

int cli_need(const cli *c, size_t min, size_t max, const char *usage)
{
    if (c->pos_count < min || c->pos_count > max) {
        fputs(usage, stderr);
        return cli_failf(c, EXIT_USAGE, "wrong number of arguments");
    }
    return 0;
}

int cli_parse_int64(const char *s, int64_t *out)
{
    if (!s || !*s)
        return -1;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || !end || *end)
        return -1;
    *out = v;
    return 0;
}

/* Appends n bytes of p to out (capacity size, o bytes used), truncating; keeps out a string. */
static void display_append(char *out, size_t size, size_t *o, const char *p, size_t n)
{
    if (*o + 1 >= size)
        return;
    if (n > size - 1 - *o)
        n = size - 1 - *o;
    memcpy(out + *o, p, n);
    *o += n;
    out[*o] = '\0';
}

const char *cli_vault_display(const char *location, char *out, size_t size)
{
    const char *p = location ? location : "";
    size_t o = 0;
    if (size == 0)
        return out;
    out[0] = '\0';
    const char *scheme = strstr(p, "://");
    bool uri = scheme != NULL;
    if (uri) {
        /* scheme://user:password@host...: the last '@' before the path ends the user info */
        const char *user = scheme + 3, *end = user + strcspn(user, "/?#"), *at = NULL;
        for (const char *q = user; q < end; q++)
            if (*q == '@')
                at = q;
        const char *colon = at ? memchr(user, ':', (size_t)(at - user)) : NULL;
        if (colon && at - colon > 1) {
            display_append(out, size, &o, p, (size_t)(colon + 1 - p));
            display_append(out, size, &o, "***", 3);
            p = at;
        }
    }
    /* `password` as a key: libpq's key=value pairs (plain or single-quoted values, separated
     * by blanks) or a URI's query parameters (separated by '&') */
    const char *starts = uri ? "?&" : " \t";
    while (*p) {
        const char *k = strstr(p, "password");
        if (!k) {
            display_append(out, size, &o, p, strlen(p));
            break;
        }
        const char *v = k + 8;
        while (!uri && (*v == ' ' || *v == '\t'))
            v++;
        bool key_start = uri ? k != p && strchr(starts, k[-1]) != NULL
                             : k == location || strchr(starts, k[-1]) != NULL;
        if (!key_start || *v != '=') {
            display_append(out, size, &o, p, (size_t)(k + 8 - p));
            p = k + 8;
            continue;
        }
        v++;
        while (!uri && (*v == ' ' || *v == '\t'))
            v++;
        display_append(out, size, &o, p, (size_t)(v - p));
        display_append(out, size, &o, "***", 3);
        if (!uri && *v == '\'') {
            v++;
            while (*v && *v != '\'')
                v += v[0] == '\\' && v[1] ? 2 : 1;
            if (*v == '\'')
                v++;
        } else {
            v += strcspn(v, uri ? "&#" : " \t");
        }
        p = v;
    }
    return out;
}

int cli_vault_options(const cli *c, vo_vault_options *o, vo_keyring **kr_out, int create,
                      int extra_key_active, const char *extra_key)
{
    *kr_out = NULL;
    const char *keys[CLI_MAX_KEYS + 1];
    size_t nkeys = 0;
    for (size_t i = 0; i < c->key_count; i++)
        keys[nkeys++] = c->keys[i];
    const char *env = getenv("VOICEOPS_KEY_FILE");
    if (nkeys == 0 && env && *env)
        keys[nkeys++] = env;
    if (nkeys == 0)
        return cli_failf(c, EXIT_USAGE,
                         "no key: give --key-file PATH or set VOICEOPS_KEY_FILE");
    if (extra_key)
        keys[nkeys++] = extra_key;
    const char *default_id = c->kek_id ? c->kek_id : getenv("VOICEOPS_KEK_ID");
    if (!default_id || !*default_id)
        default_id = "primary";

    vo_keyring *kr = NULL;
    int rc = vo_keyring_new(&kr);
    if (rc != VO_OK)
        return cli_fail(c, "keyring", rc);
    char active[VO_VAULT_KEK_ID_MAX + 1] = "";
    for (size_t i = 0; i < nkeys; i++) {
        char id[VO_VAULT_KEK_ID_MAX + 1];
        const char *spec = keys[i], *eq = strchr(spec, '='), *file = spec;
        if (eq && (size_t)(eq - spec) <= VO_VAULT_KEK_ID_MAX && eq != spec) {
            snprintf(id, sizeof(id), "%.*s", (int)(eq - spec), spec);
            file = eq + 1;
        } else {
            snprintf(id, sizeof(id), "%s", default_id);
        }
        rc = vo_keyring_add_file(kr, id, file);
        if (rc != VO_OK) {
            char what[600];
            snprintf(what, sizeof(what), "key file %s", file);
            int code = cli_fail(c, what, rc);
            vo_keyring_free(kr);
            return code;
        }
        if (i == 0 || (extra_key && i == nkeys - 1 && extra_key_active))
            snprintf(active, sizeof(active), "%s", id);
    }
    rc = vo_keyring_set_active(kr, active);
    if (rc != VO_OK) {
        vo_keyring_free(kr);
        return cli_fail(c, "keyring", rc);
    }
    *o = (vo_vault_options)VO_VAULT_OPTIONS_INIT;
    o->keyring = kr;
    o->actor = c->actor ? c->actor : "voiceops-cli";
    o->no_create = !create;
    const char *batch = getenv("VOICEOPS_ROTATION_BATCH");
    int64_t b = 0;
    if (batch && cli_parse_int64(batch, &b) == 0 && b > 0 && b <= 100000)
        o->rotation_batch = (int)b;
    *kr_out = kr;
    return 0;
}

int cli_open_vault(const cli *c, vo_vault **out, int create, int extra_key_active,
                   const char *extra_key)
{
    *out = NULL;
    const char *path = c->vault_path ? c->vault_path : getenv("VOICEOPS_VAULT");
    if (!path || !*path)
        return cli_failf(c, EXIT_USAGE, "no vault: give --vault PATH or set VOICEOPS_VAULT");
    vo_vault_options o;
    vo_keyring *kr = NULL;
    int rc = cli_vault_options(c, &o, &kr, create, extra_key_active, extra_key);
    if (rc)
        return rc;
    rc = vo_vault_open(out, path, &o);
    vo_keyring_free(kr);
    if (rc != VO_OK) {
        char what[600];
        char shown[512];
        snprintf(what, sizeof(what), "cannot open the vault %s",
                 cli_vault_display(path, shown, sizeof(shown)));
        int code = cli_fail(c, what, rc);
        if (rc == VO_ENOTFOUND)
            fprintf(stderr, "voiceops: hint: create it with `voiceops vault init`\n");
        return code;
    }
    return 0;
}

/* ---- secret input -------------------------------------------------------------------- */

int cli_read_secret(const cli *c, vo_secret **out, const char *prompt, int whole_input, int raw)
{
    *out = NULL;
    size_t cap = VO_VAULT_VALUE_MAX + 2, len = 0;
    unsigned char *buf = sodium_malloc(cap);
    if (!buf)
        return cli_failf(c, EXIT_ERROR, "out of secure memory");
    int tty = isatty(STDIN_FILENO);
    struct termios old, noecho;
    if (tty) {
        /* echo off before the prompt, so nothing typed after it is shown */
        if (tcgetattr(STDIN_FILENO, &old) == 0) {
            noecho = old;
            noecho.c_lflag &= ~(tcflag_t)ECHO;
            tcsetattr(STDIN_FILENO, TCSANOW, &noecho);
        } else {
            tty = 0;
        }
        fprintf(stderr, "%s: ", prompt);
        fflush(stderr);
        whole_input = 0;
    }
    for (;;) {
        if (len >= cap)
            break;
        ssize_t r = read(STDIN_FILENO, buf + len, whole_input ? cap - len : 1);
        if (r < 0 && errno == EINTR && !cli_interrupted)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
        if (!whole_input && buf[len - 1] == '\n')
            break;
    }
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
        fputc('\n', stderr);
    }
    if (cli_interrupted) {
        sodium_free(buf);
        return EXIT_INTERRUPTED;
    }
    if (len > VO_VAULT_VALUE_MAX + (size_t)1) {
        sodium_free(buf);
        return cli_failf(c, EXIT_USAGE, "the value is larger than %u bytes",
                         VO_VAULT_VALUE_MAX);
    }
    if (!raw || !whole_input) {
        if (len > 0 && buf[len - 1] == '\n')
            len--;
        if (len > 0 && buf[len - 1] == '\r')
            len--;
    }
    if (len == 0) {
        sodium_free(buf);
        return cli_failf(c, EXIT_USAGE, "%s: empty value (nothing on stdin)", prompt);
    }
    int rc = vo_secret_new(out, buf, len);
    sodium_free(buf); /* wipes */
    if (rc != VO_OK)
        return cli_fail(c, prompt, rc);
    return 0;
}

/* ---- progress -------------------------------------------------------------------------- */

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_start(progress *p, const char *label, int quiet)
{
    memset(p, 0, sizeof(*p));
    p->label = label;
    p->quiet = quiet;
    p->tty = isatty(STDERR_FILENO);
    const char *force = getenv("VOICEOPS_PROGRESS");
    if (force && strcmp(force, "plain") == 0)
        p->tty = 0;
    p->start = p->last_print = cli_now();
    p->last_decile = -1;
}

static void fmt_eta(char *out, size_t size, double seconds)
{
    if (seconds < 0 || seconds > 359999) {
        snprintf(out, size, "--:--");
        return;
    }
    long s = (long)(seconds + 0.5);
    if (s >= 3600)
        snprintf(out, size, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    else
        snprintf(out, size, "%ld:%02ld", s / 60, s % 60);
}

static void progress_draw(progress *p, int64_t done, int64_t total, int final)
{
    double now = cli_now(), el = now - p->start;
    double rate = el > 0 ? (double)done / el : 0;
    int pct = total > 0 ? (int)(done * 100 / total) : 100;
    char eta[32];
    fmt_eta(eta, sizeof(eta), rate > 0 ? (double)(total - done) / rate : -1);
    if (p->tty) {
        char bar[31];
        int fill = total > 0 ? (int)(done * 30 / total) : 30;
        for (int i = 0; i < 30; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        fprintf(stderr, "\r%s [%s] %lld/%lld %3d%% %.1f/s ETA %s\x1b[K", p->label, bar,
                (long long)done, (long long)total, pct, rate, eta);
        if (final)
            fputc('\n', stderr);
    } else {
        fprintf(stderr, "%s: %lld/%lld (%d%%) %.1f/s ETA %s\n", p->label, (long long)done,
                (long long)total, pct, rate, eta);
    }
    fflush(stderr);
    p->last_print = now;
    p->printed = 1;
}

void progress_update(progress *p, int64_t done, int64_t total)
{
    p->last_done = done;
    p->last_total = total;
    if (p->quiet)
        return;
    double now = cli_now();
    if (p->tty) {
        if (now - p->last_print >= 0.1 || !p->printed)
            progress_draw(p, done, total, 0);
        return;
    }
    int decile = total > 0 ? (int)(done * 10 / total) : 10;
    if (decile != p->last_decile || now - p->last_print >= 5.0) {
        p->last_decile = decile;
        progress_draw(p, done, total, 0);
    }
}

void progress_finish(progress *p, int64_t done, int64_t total, const char *note)
{
    if (p->quiet)
        return;
    if (p->tty || p->last_decile != (total > 0 ? (int)(done * 10 / total) : 10) || !p->printed)
        progress_draw(p, done, total, 1);
    if (note)
        fprintf(stderr, "%s: %s\n", p->label, note);
}

static void on_signal(int sig)
{
    (void)sig;
    cli_interrupted = 1;
}

void cli_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void cli_services_options(const cli *c, vo_services_options *o)
{
    vo_services_options init = VO_SERVICES_OPTIONS_INIT;
    *o = init;
    const char *t = c->twilio_url ? c->twilio_url : getenv("VOICEOPS_TWILIO_URL");
    const char *v = c->vapi_url ? c->vapi_url : getenv("VOICEOPS_VAPI_URL");
    if (t && *t) {
        o->twilio_api_base_url = t;
        o->twilio_accounts_base_url = t;
    }
    if (v && *v)
        o->vapi_base_url = v;
}

/* ---- dispatch ------------------------------------------------------------------------ */

typedef struct command {
    const char *name;
    int (*fn)(cli *, int, char **);
} command;

static const command commands[] = {
    {"keygen", cmd_keygen},   {"vault", cmd_vault},   {"tenant", cmd_tenant},
    {"secret", cmd_secret},   {"creds", cmd_creds},   {"rotate", cmd_rotate},
    {"import", cmd_import},   {"backup", cmd_backup}, {"restore", cmd_restore},
    {"audit", cmd_audit},     {"twilio", cmd_twilio}, {"vapi", cmd_vapi},
    {"webhook", cmd_webhook}, {"scan", cmd_scan},     {"smtp", cmd_smtp},
    {"sandbox", cmd_sandbox}, {"demo", cmd_demo},     {NULL, NULL},
};

int main(int argc, char **argv)
{
    cli c;
    memset(&c, 0, sizeof(c));
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    /* Global options may come before the command. */
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return cli_usage(main_usage);
        if (strcmp(a, "--version") == 0) {
            printf("voiceops %s\n", vo_version(NULL, NULL, NULL));
            return EXIT_OK;
        }
        if (strcmp(a, "--json") == 0) {
            c.json = 1;
            continue;
        }
        const char *eq = strchr(a, '=');
        const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[i + 1] : NULL);
        size_t n = eq ? (size_t)(eq - a) : strlen(a);
        if (!v)
            return cli_failf(&c, EXIT_USAGE, "%s needs a value", a);
        if (n == 7 && strncmp(a, "--vault", n) == 0)
            c.vault_path = v;
        else if (n == 10 && strncmp(a, "--key-file", n) == 0 && c.key_count < CLI_MAX_KEYS)
            c.keys[c.key_count++] = v;
        else if (n == 8 && strncmp(a, "--kek-id", n) == 0)
            c.kek_id = v;
        else if (n == 7 && strncmp(a, "--actor", n) == 0)
            c.actor = v;
        else if (n == 12 && strncmp(a, "--twilio-url", n) == 0)
            c.twilio_url = v;
        else if (n == 10 && strncmp(a, "--vapi-url", n) == 0)
            c.vapi_url = v;
        else
            return cli_failf(&c, EXIT_USAGE, "unknown option %s (see voiceops --help)", a);
        if (!eq)
            i++;
    }
    if (i >= argc) {
        fputs(main_usage, stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[i], "help") == 0)
        return cli_usage(main_usage);
    for (const command *cmd = commands; cmd->name; cmd++) {
        if (strcmp(cmd->name, argv[i]) != 0)
            continue;
        cli_install_signals();
        if (vo_init() != VO_OK) {
            fprintf(stderr, "voiceops: cannot initialise libvoiceops\n");
            return EXIT_ERROR;
        }
        int code = cmd->fn(&c, argc - i - 1, argv + i + 1);
        fflush(stdout);
        vo_shutdown();
        return code;
    }
    fputs(main_usage, stderr);
    return cli_failf(&c, EXIT_USAGE, "unknown command \"%s\"", argv[i]);
}
