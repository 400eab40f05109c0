/* libFuzzer target: Twilio verification; fields: selector, URL, signature, body. A valid
 * signature computed for the fuzzed URL/body must verify. */
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
    unsigned sel = ff.len[0] ? (unsigned char)ff.f[0][0] : 0;
    static const char *types[] = {"application/x-www-form-urlencoded", "application/json", NULL,
                                  "application/x-www-form-urlencoded; charset=utf-8"};
    const char *ctype = types[sel % 4];
    const char *tokens[] = {"fuzz-token-primary", "fuzz-token-secondary"};
    const char *sig = (sel & 8) ? NULL : ff.f[2];
    vo_verify_result r = VO_VERIFY_RESULT_INIT;
    int rc = vo_webhook_twilio_verify(&r, tokens, 2, ff.f[1], sig, ctype,
                                      (const unsigned char *)ff.f[3], ff.len[3]);
    if (rc == VO_OK && r.reason != VO_VERIFY_OK)
        abort();
    if (rc != VO_OK && r.reason == VO_VERIFY_OK)
        abort();
    /* Round trip: sign the parsed form body and verify it. */
    if (ctype && strstr(ctype, "form")) {
        vo_form *f = NULL;
        if (vo_form_parse(&f, ff.f[3], ff.len[3]) == VO_OK) {
            size_t n = vo_form_count(f);
            vo_param *p = malloc((n ? n : 1) * sizeof(*p));
            for (size_t i = 0; i < n; i++) {
                p[i].name = vo_form_name(f, i);
                p[i].value = vo_form_value(f, i);
            }
            char good[VO_WEBHOOK_TWILIO_SIGNATURE_SIZE];
            if (vo_webhook_twilio_sign(good, sizeof(good), tokens[1], ff.f[1], p, n) == VO_OK) {
                rc = vo_webhook_twilio_verify(&r, tokens, 2, ff.f[1], good, ctype,
                                              (const unsigned char *)ff.f[3], ff.len[3]);
                if (rc != VO_OK || r.key_index != 1 ||
                    r.url_form != VO_WEBHOOK_TWILIO_URL_AS_GIVEN)
                    abort();
            }
            free(p);
            vo_form_free(f);
        }
    }
    fuzz_free(&ff);
    return 0;
}
