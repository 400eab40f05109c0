/* The voiceops operator tool: what its command files share. Uses the public API only. */
#ifndef VOICEOPS_TOOL_CLI_H
#define VOICEOPS_TOOL_CLI_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "voiceops.h"

/* Exit codes (documented in voiceops(1) and `voiceops --help`). */
enum {
    EXIT_OK = 0,
    EXIT_FINDING = 1,      /* a check found something: scan finding, broken audit chain,
                             webhook that does not verify, rejected import rows */
    EXIT_USAGE = 2,        /* bad command line or argument */
    EXIT_NOTFOUND = 3,     /* no such tenant, secret, file or credentials */
    EXIT_PERMISSION = 4,   /* a key or vault file readable by others, or access refused */
    EXIT_CRYPTO = 5,       /* wrong key, or a record failed authentication */
    EXIT_CONFLICT = 6,     /* already exists, or a check-and-set conflict */
    EXIT_REMOTE = 7,       /* a provider or server failed or refused (auth, network, TLS) */
    EXIT_ERROR = 8,        /* any other failure (storage, parse, internal) */
    EXIT_INTERRUPTED = 130 /* stopped by a signal; resumable: run the same command again */
};

#define CLI_MAX_KEYS 8
#define CLI_MAX_POS 64

typedef struct cli {
    int json;
    int help;
    const char *vault_path;
    const char *keys[CLI_MAX_KEYS]; /* "[ID=]PATH" */
    size_t key_count;
    const char *kek_id;
    const char *actor;
    const char *twilio_url;
    const char *vapi_url;
    const char *pos[CLI_MAX_POS];
    size_t pos_count;
} cli;

/* A command option: a flag (flag != NULL) or one with a value (val != NULL). */
typedef struct cli_opt {
    const char *name; /* without the leading "--" */
    const char **val;
    int *flag;
} cli_opt;

extern volatile sig_atomic_t cli_interrupted;

/* Parse argv[0..argc) (after the command words): globals, the command's options and the
 * positionals. Returns 0, or EXIT_USAGE after printing what is wrong. */
int cli_parse(cli *c, int argc, char **argv, const cli_opt *opts, const char *usage);
/* Check the number of positionals; prints usage and returns EXIT_USAGE when wrong. */
int cli_need(const cli *c, size_t min, size_t max, const char *usage);
/* Print usage text (for --help): to stdout. */
int cli_usage(const char *usage);

/* Report a failed library call: message on stderr (and a JSON error document on stdout
 * with --json). Returns the exit code for rc. */
int cli_fail(const cli *c, const char *what, int rc);
/* Report a failure of the tool itself (no library error). */
int cli_failf(const cli *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int cli_exit_code(int rc);
const char *cli_exit_name(int code);

/* A new JSON document {"ok": true}; cli_json_print() prints and frees it. */
cJSON *cli_doc(void);
void cli_json_print(cJSON *doc);

/* Open the vault named by --vault/VOICEOPS_VAULT with the keys of --key-file. */
int cli_open_vault(const cli *c, vo_vault **out, int create, int extra_key_active,
                   const char *extra_key);
/* A vault location fit to print: the password of a `scheme://user:password@host` URI or of
 * a libpq `password=...` pair replaced by "***" (file paths are returned as they are). */
const char *cli_vault_display(const char *location, char *out, size_t size);
/* The options cli_open_vault() opens with; *kr_out (the keyring they point to) is the
 * caller's to free after use. */
int cli_vault_options(const cli *c, vo_vault_options *o, vo_keyring **kr_out, int create,
                      int extra_key_active, const char *extra_key);
int cli_parse_int64(const char *s, int64_t *out);

/* Secrets typed by the operator: from a prompt without echo on a terminal, else stdin.
 * whole_input: read all of stdin (binary allowed; one trailing newline removed unless
 * raw), else one line. */
int cli_read_secret(const cli *c, vo_secret **out, const char *prompt, int whole_input,
                    int raw);

/* Progress of a long operation: a bar with rate and ETA on a terminal (stderr), plain
 * lines otherwise. */
typedef struct progress {
    const char *label;
    int tty;
    int quiet;
    double start;
    double last_print;
    int last_decile;
    int printed;
    int64_t last_done, last_total; /* as last reported */
} progress;
void progress_start(progress *p, const char *label, int quiet);
void progress_update(progress *p, int64_t done, int64_t total);
void progress_finish(progress *p, int64_t done, int64_t total, const char *note);
double cli_now(void);
void cli_install_signals(void);

/* Commands. */
int cmd_keygen(cli *c, int argc, char **argv);
int cmd_vault(cli *c, int argc, char **argv);
int cmd_tenant(cli *c, int argc, char **argv);
int cmd_secret(cli *c, int argc, char **argv);
int cmd_creds(cli *c, int argc, char **argv);
int cmd_rotate(cli *c, int argc, char **argv);
int cmd_import(cli *c, int argc, char **argv);
int cmd_backup(cli *c, int argc, char **argv);
int cmd_restore(cli *c, int argc, char **argv);
int cmd_audit(cli *c, int argc, char **argv);
int cmd_twilio(cli *c, int argc, char **argv);
int cmd_vapi(cli *c, int argc, char **argv);
int cmd_webhook(cli *c, int argc, char **argv);
int cmd_scan(cli *c, int argc, char **argv);
int cmd_smtp(cli *c, int argc, char **argv);
int cmd_sandbox(cli *c, int argc, char **argv);
int cmd_demo(cli *c, int argc, char **argv);

/* Signed audit checkpoints (cmd_checkpoint.c). signing_key: "[ID=]PATH" or NULL for
 * VOICEOPS_SIGNING_KEY; out: a file (written atomically) or NULL for stdout. */
int cli_audit_public_key(cli *c, const char *signing_key, const char *out);
int cli_audit_checkpoint(cli *c, vo_vault *v, const char *signing_key, const char *out);
/* The trusted public key: from --public-key FILE, else derived from the signing key. */
int cli_audit_trusted_key(cli *c, const char *public_key_file, const char *signing_key,
                          char pk[VO_VAULT_CHECKPOINT_PUBLIC_KEY_SIZE]);
/* The last non-empty line of FILE (a log of checkpoints verifies against the latest). */
int cli_audit_read_checkpoint(cli *c, const char *path, char **out);
/* Verify against a checkpoint: 0 with *vo_rc VO_OK or VO_ECRYPTO (d gets "checkpoint"),
 * else the exit code of a refused checkpoint (reported). */
int cli_audit_verify_checkpoint(cli *c, int *vo_rc, vo_vault *v, const char *checkpoint,
                                const char *pk, cJSON *d, int64_t *rows, int64_t *bad,
                                int *reason);

/* The services options pointing at --twilio-url / --vapi-url (sandbox) when given. */
void cli_services_options(const cli *c, vo_services_options *o);

#endif
