/* voiceops audit checkpoint / public-key / verify --checkpoint: signed audit checkpoints
 * (issue 15). The signing key is a key file (voiceops keygen) loaded into a keyring of its
 * own, never the vault's KEK keyring. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECKPOINT_DEFAULT_KEY_ID "checkpoint"
#define CHECKPOINT_LINE_MAX 4096

/* Load --signing-key [ID=]PATH (or VOICEOPS_SIGNING_KEY) into a new keyring. */
static int load_signing_key(const cli *c, const char *spec, vo_keyring **out,
                            char id[VO_VAULT_KEK_ID_MAX + 1])
{
    *out = NULL;
    if (!spec || !*spec)
        spec = getenv("VOICEOPS_SIGNING_KEY");
    if (!spec || !*spec)
        return cli_failf(c, EXIT_USAGE,
                         "no signing key: give --signing-key [ID=]PATH or set "
                         "VOICEOPS_SIGNING_KEY (a key file from `voiceops keygen`)");
    const char *eq = strchr(spec, '='), *file = spec;
    if (eq && eq != spec && (size_t)(eq - spec) <= VO_VAULT_KEK_ID_MAX) {
        snprintf(id, VO_VAULT_KEK_ID_MAX + 1, "%.*s", (int)(eq - spec), spec);
        file = eq + 1;
    } else {
        snprintf(id, VO_VAULT_KEK_ID_MAX + 1, "%s", CHECKPOINT_DEFAULT_KEY_ID);
    }
    vo_keyring *kr = NULL;
    int rc = vo_keyring_new(&kr);
    if (rc != VO_OK)
        return cli_fail(c, "keyring", rc);
    rc = vo_keyring_add_file(kr, id, file);
    if (rc != VO_OK) {
        char what[600];
        snprintf(what, sizeof(what), "signing key file %s", file);
        vo_keyring_free(kr);
        return cli_fail(c, what, rc);
    }
    *out = kr;
    return 0;
}

/* Write text and a newline to path through a temporary file and rename, so that a reader
 * (the shipping job) never sees half a checkpoint. */
static int write_atomic(const cli *c, const char *path, const char *text)
{
    char tmp[4200];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
        return cli_failf(c, EXIT_USAGE, "--out: path too long");
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return cli_failf(c, errno == ENOENT ? EXIT_NOTFOUND : EXIT_ERROR, "cannot write %s: %s",
                         path, strerror(errno));
    size_t len = strlen(text), off = 0;
    int ok = 1;
    while (ok && off <= len) {
        const char *p = off < len ? text + off : "\n";
        size_t n = off < len ? len - off : 1;
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            ok = 0;
        else
            off += (size_t)w;
    }
    if (ok && fsync(fd) != 0)
        ok = 0;
    if (close(fd) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return cli_failf(c, EXIT_ERROR, "cannot write %s: %s", path, strerror(e));
    }
    return 0;
}

/* Emit text (one line) to --out FILE or stdout; with --json, doc gets `out` and is printed. */
static int emit(const cli *c, const char *out, const char *text, cJSON *doc)
{
    if (out) {
        int rc = write_atomic(c, out, text);
        if (rc) {
            cJSON_Delete(doc);
            return rc;
        }
        cJSON_AddStringToObject(doc, "out", out);
    }
    if (c->json) {
        cli_json_print(doc);
        return EXIT_OK;
    }
    cJSON_Delete(doc);
    if (out)
        fprintf(stderr, "voiceops: wrote %s\n", out);
    else
        printf("%s\n", text);
    return EXIT_OK;
}

int cli_audit_public_key(cli *c, const char *signing_key, const char *out)
{
    char id[VO_VAULT_KEK_ID_MAX + 1];
    vo_keyring *kr = NULL;
    int rc = load_signing_key(c, signing_key, &kr, id);
    if (rc)
        return rc;
    char pk[VO_VAULT_CHECKPOINT_PUBLIC_KEY_SIZE];
    rc = vo_keyring_public_key_get(pk, sizeof(pk), kr, id);
    vo_keyring_free(kr);
    if (rc != VO_OK)
        return cli_fail(c, "audit public-key", rc);
    cJSON *d = cli_doc();
    cJSON_AddStringToObject(d, "key_id", id);
    cJSON_AddStringToObject(d, "public_key", pk);
    return emit(c, out, pk, d);
}

/* The fields of a checkpoint for --json output (the text is the library's, as signed). */
static void checkpoint_fields(cJSON *d, const char *text)
{
    cJSON *cp = cJSON_Parse(text);
    static const char *const names[] = {"vault_id", "seq", "head", "time_ms", "key_id"};
    for (size_t i = 0; cp && i < sizeof(names) / sizeof(names[0]); i++) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(cp, names[i]);
        if (f)
            cJSON_AddItemToObject(d, names[i], cJSON_Duplicate(f, 1));
    }
    cJSON_Delete(cp);
}

int cli_audit_checkpoint(cli *c, vo_vault *v, const char *signing_key, const char *out)
{
    char id[VO_VAULT_KEK_ID_MAX + 1];
    vo_keyring *kr = NULL;
    int rc = load_signing_key(c, signing_key, &kr, id);
    if (rc)
        return rc;
    char *text = NULL;
    rc = vo_vault_audit_checkpoint(&text, v, kr, id);
    vo_keyring_free(kr);
    if (rc == VO_ECRYPTO) {
        fprintf(stderr, "voiceops: the audit chain is broken, no checkpoint taken: %s\n",
                vo_error_last()->message);
        return cli_failf(c, EXIT_FINDING, "audit checkpoint: the audit chain is broken");
    }
    if (rc != VO_OK)
        return cli_fail(c, "audit checkpoint", rc);
    cJSON *d = cli_doc();
    checkpoint_fields(d, text);
    cJSON_AddStringToObject(d, "checkpoint", text);
    rc = emit(c, out, text, d);
    vo_free(text);
    return rc;
}

/* The last non-empty line of a file ("-" = stdin), at most CHECKPOINT_LINE_MAX bytes. */
static int read_last_line(const cli *c, const char *path, const char *what, char **out)
{
    *out = NULL;
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
    if (!f)
        return cli_failf(c, errno == ENOENT ? EXIT_NOTFOUND : EXIT_ERROR, "%s %s: %s", what,
                         path, strerror(errno));
    char *line = NULL, *last = NULL;
    size_t cap = 0;
    ssize_t n;
    int too_long = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && strchr(" \t\r\n", line[n - 1]))
            line[--n] = '\0';
        size_t lead = strspn(line, " \t");
        if ((size_t)n == lead)
            continue;
        too_long = (size_t)n - lead > CHECKPOINT_LINE_MAX;
        free(last);
        last = too_long ? NULL : strdup(line + lead);
    }
    free(line);
    if (f != stdin)
        fclose(f);
    if (too_long)
        return cli_failf(c, EXIT_ERROR, "%s %s: the last line is too long", what, path);
    if (!last)
        return cli_failf(c, EXIT_ERROR, "%s %s: empty", what, path);
    *out = last;
    return 0;
}

int cli_audit_trusted_key(cli *c, const char *public_key_file, const char *signing_key,
                          char pk[VO_VAULT_CHECKPOINT_PUBLIC_KEY_SIZE])
{
    if (public_key_file && signing_key)
        return cli_failf(c, EXIT_USAGE, "give --public-key FILE or --signing-key, not both");
    if (public_key_file) {
        char *line = NULL;
        int rc = read_last_line(c, public_key_file, "public key file", &line);
        if (rc)
            return rc;
        size_t n = strlen(line);
        if (n != VO_VAULT_CHECKPOINT_PUBLIC_KEY_SIZE - 1) {
            free(line);
            return cli_failf(c, EXIT_USAGE,
                             "--public-key %s: not a checkpoint public key (the base64 line "
                             "`voiceops audit public-key` prints)",
                             public_key_file);
        }
        memcpy(pk, line, n + 1);
        free(line);
        return 0;
    }
    char id[VO_VAULT_KEK_ID_MAX + 1];
    vo_keyring *kr = NULL;
    int rc = load_signing_key(c, signing_key, &kr, id);
    if (rc)
        return rc;
    rc = vo_keyring_public_key_get(pk, VO_VAULT_CHECKPOINT_PUBLIC_KEY_SIZE, kr, id);
    vo_keyring_free(kr);
    if (rc != VO_OK)
        return cli_fail(c, "checkpoint public key", rc);
    return 0;
}

int cli_audit_read_checkpoint(cli *c, const char *path, char **out)
{
    return read_last_line(c, path, "checkpoint", out);
}

int cli_audit_verify_checkpoint(cli *c, int *vo_rc, vo_vault *v, const char *checkpoint,
                                const char *pk, cJSON *d, int64_t *rows, int64_t *bad,
                                int *reason)
{
    int rc = vo_vault_audit_verify_checkpoint(rows, bad, reason, v, checkpoint, pk);
    *vo_rc = rc;
    const char *msg = vo_error_last()->message;
    switch (rc) {
    case VO_OK:
    case VO_ECRYPTO: break;
    case VO_EAUTH:
        return cli_failf(c, EXIT_CRYPTO,
                         "checkpoint refused: its signature does not verify with the trusted "
                         "public key (forged, edited, or signed with another key)");
    case VO_ECONFLICT:
        return cli_failf(
            c, EXIT_CONFLICT,
            "checkpoint refused: it was taken of another vault (vault id differs)");
    case VO_EPARSE: return cli_failf(c, EXIT_ERROR, "checkpoint refused: malformed: %s", msg);
    default: return cli_fail(c, "audit verify --checkpoint", rc);
    }
    cJSON *cp = cJSON_AddObjectToObject(d, "checkpoint");
    checkpoint_fields(cp, checkpoint);
    return 0; /* VO_OK or VO_ECRYPTO in *vo_rc, reported by the caller */
}
