/* libFuzzer target: Standard Webhooks verification; fields: id, timestamp, signatures, body. */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    fuzz_fields ff;
    fuzz_split(&ff, data, size, 4);
    if (ff.n < 4) {
        fuzz_free(&ff);
        return 0;
    }
    const char *secrets[] = {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"};
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    int rc = vo_webhook_std_verify(&r, secrets, 1, ff.f[0], ff.f[1], ff.f[2],
                                   (const unsigned char *)ff.f[3], ff.len[3], 1614265330);
    if ((rc == VO_OK) != (r.reason == VO_VERIFY_OK))
        abort();
    char sig[VO_WEBHOOK_STD_SIGNATURE_SIZE];
    if (vo_webhook_std_sign(sig, sizeof(sig), secrets[0], ff.f[0], 1614265330,
                            (const unsigned char *)ff.f[3], ff.len[3]) == VO_OK) {
        rc = vo_webhook_std_verify(&r, secrets, 1, ff.f[0], "1614265330", sig,
                                   (const unsigned char *)ff.f[3], ff.len[3], 1614265330);
        if (rc != VO_OK)
            abort();
    }
    fuzz_free(&ff);
    return 0;
}
