/* libFuzzer target: Vapi verification with options chosen by the first byte; the other
 * fields are header values and the body. */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    fuzz_fields ff;
    fuzz_split(&ff, data, size, 6);
    if (ff.n < 6) {
        fuzz_free(&ff);
        return 0;
    }
    unsigned sel = ff.len[0] ? (unsigned char)ff.f[0][0] : 0;
    vo_webhook_vapi_options o = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    o.type = (vo_webhook_vapi_auth)(sel % 3);
    o.algorithm = (vo_hmac_algorithm)((sel >> 2) % 3);
    o.encoding = (vo_signature_encoding)((sel >> 4) & 1);
    o.signature_prefix = (sel & 0x20) ? "sha256=" : NULL;
    o.bare_token = (sel & 0x40) ? 1 : 0;
    o.secret_is_base64 = (sel & 0x80) ? 1 : 0;
    /* Field 1 doubles as a payload template. */
    o.payload_format = (ff.len[0] > 1 && ff.f[0][1] == 'T') ? ff.f[1] : NULL;
    vo_param h[] = {{"x-vapi-secret", ff.f[2]},
                    {"Authorization", ff.f[2]},
                    {"x-signature", ff.f[2]},
                    {"x-timestamp", ff.f[3]},
                    {"svix-id", ff.f[4]}};
    vo_webhook_request req = VO_WEBHOOK_REQUEST_INIT;
    req.method = "POST";
    req.url = ff.f[1];
    req.headers = h;
    req.header_count = 5;
    req.body = (const unsigned char *)ff.f[5];
    req.body_len = ff.len[5];
    const char *secrets[] = {"c2VjcmV0LWtleQ==", "secret"};
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    int rc = vo_webhook_vapi_verify(&r, &o, secrets, 2, &req, 1764000000);
    if ((rc == VO_OK) != (r.reason == VO_VERIFY_OK))
        abort();
    if (o.type == VO_WEBHOOK_VAPI_HMAC && rc != VO_EINVAL) {
        char sig[256];
        if (vo_webhook_vapi_sign(sig, sizeof(sig), &o, secrets[0], req.method, req.url, ff.f[3],
                                 ff.f[4], req.body, req.body_len) == VO_OK) {
            h[2].value = sig;
            rc = vo_webhook_vapi_verify(&r, &o, secrets, 2, &req, 1764000000);
            /* A correct signature can only fail on the timestamp. */
            if (rc != VO_OK && rc != VO_EEXPIRED && r.reason != VO_VERIFY_MALFORMED_TIMESTAMP &&
                r.reason != VO_VERIFY_MISSING_TIMESTAMP && r.reason != VO_VERIFY_MISSING_ID)
                abort();
        }
    }
    fuzz_free(&ff);
    return 0;
}
