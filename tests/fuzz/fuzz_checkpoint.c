/*
 * libFuzzer target: the audit checkpoint reader (vo_vault_audit_verify_checkpoint) on a real
 * vault file. The input is the checkpoint text. Invariants: only the documented codes come
 * back, and nothing the fuzzer writes gets past the signature: whenever the signature
 * verified (VO_OK, VO_ECRYPTO, VO_ECONFLICT), the signed fields are those of the one genuine
 * checkpoint this process made.
 */
#include <stdio.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static vo_vault *vault;
static char path[128], pk[VO_VAULT_CHECKPOINT_PUBLIC_KEY_SIZE];
static cJSON *genuine;

static void cleanup(void)
{
    vo_vault_close(vault);
    cJSON_Delete(genuine);
    char side[160];
    unlink(path);
    snprintf(side, sizeof(side), "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", path);
    unlink(side);
}

static void open_vault(void)
{
    fuzz_init();
    snprintf(path, sizeof(path), "%s/vo-fuzz-checkpoint-%ld.db",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", (long)getpid());
    unlink(path);
    vo_keyring *kr = NULL, *signer = NULL;
    unsigned char key[32], skey[32];
    memset(key, 3, sizeof(key));
    memset(skey, 4, sizeof(skey));
    if (vo_keyring_new(&kr) != VO_OK || vo_keyring_add_key(kr, "k1", key, 32) != VO_OK ||
        vo_keyring_new(&signer) != VO_OK ||
        vo_keyring_add_key(signer, "cp-1", skey, 32) != VO_OK)
        abort();
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    char *cp = NULL;
    if (vo_vault_open(&vault, path, &o) != VO_OK ||
        vo_vault_audit_append(vault, NULL, "fuzz", "fuzz.start", "ok") != VO_OK ||
        vo_vault_audit_checkpoint(&cp, vault, signer, "cp-1") != VO_OK ||
        vo_keyring_public_key_get(pk, sizeof(pk), signer, "cp-1") != VO_OK)
        abort();
    genuine = cJSON_Parse(cp);
    if (!genuine || vo_vault_audit_verify_checkpoint(NULL, NULL, NULL, vault, cp, pk) != VO_OK)
        abort();
    vo_free(cp);
    vo_keyring_free(kr);
    vo_keyring_free(signer);
    atexit(cleanup);
}

/* The signed fields of doc equal the genuine checkpoint's. */
static int same_fields(const cJSON *doc)
{
    static const char *const names[] = {"vault_id", "seq", "head", "time_ms", "key_id"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(doc, names[i]);
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(genuine, names[i]);
        if (!a || !cJSON_Compare(a, b, 1))
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!vault)
        open_vault();
    char *text = malloc(size + 1);
    if (!text)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    int64_t rows = -1, bad = -1;
    int reason = -1;
    int rc = vo_vault_audit_verify_checkpoint(&rows, &bad, &reason, vault, text, pk);
    switch (rc) {
    case VO_EPARSE:
    case VO_EAUTH: break;
    case VO_OK:
    case VO_ECRYPTO:
    case VO_ECONFLICT: {
        cJSON *doc = cJSON_Parse(text);
        if (!doc || !same_fields(doc))
            abort(); /* a forged checkpoint passed the signature */
        cJSON_Delete(doc);
        if (rc == VO_OK && (bad != 0 || reason != VO_AUDIT_INTACT))
            abort();
        break;
    }
    default: abort();
    }
    if (strlen(vo_error_last()->message) == 0)
        abort();
    free(text);
    return 0;
}
