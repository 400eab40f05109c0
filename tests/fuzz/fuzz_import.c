/*
 * libFuzzer target: the plaintext import (CSV and JSON) into a real vault file. The first
 * input byte picks the format and flags; the rest is the document. Checks the report's
 * invariants and that nothing but the documented codes comes back.
 */
#include <stdio.h>
#include <unistd.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static vo_vault *vault;
static char path[128];

static void cleanup(void)
{
    vo_vault_close(vault);
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
    snprintf(path, sizeof(path), "%s/vo-fuzz-import-%ld.db",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", (long)getpid());
    unlink(path);
    vo_keyring *kr = NULL;
    unsigned char key[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                             17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
    if (vo_keyring_new(&kr) != VO_OK || vo_keyring_add_key(kr, "k1", key, sizeof(key)) != VO_OK)
        abort();
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    if (vo_vault_open(&vault, path, &o) != VO_OK)
        abort();
    vo_keyring_free(kr);
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!vault)
        open_vault();
    if (size == 0)
        return 0;
    int format = data[0] % 3; /* AUTO, JSON, CSV */
    unsigned int flags = (data[0] >> 2) & 3u;
    vo_import_report *r = NULL;
    int rc = vo_vault_import_buffer(&r, vault, (const char *)data + 1, size - 1, format, flags);
    if (rc == VO_OK) {
        int64_t imported = vo_import_report_imported(r), skipped = vo_import_report_skipped(r),
                rejected = vo_import_report_rejected(r);
        if (imported < 0 || skipped < 0 || rejected < 0)
            abort();
        size_t n = vo_import_report_rejection_count(r);
        if ((int64_t)n > rejected || n > 1000)
            abort();
        for (size_t i = 0; i < n; i++) {
            if (vo_import_report_rejection_row(r, i) < 1 ||
                vo_import_report_rejection_reason(r, i) == NULL)
                abort();
        }
        if (vo_import_report_rejection_reason(r, n) != NULL)
            abort();
    } else if (r != NULL ||
               (rc != VO_EPARSE && rc != VO_ETOOBIG && rc != VO_EINVAL && rc != VO_ENOMEM)) {
        abort();
    }
    vo_import_report_free(r);
    return 0;
}
