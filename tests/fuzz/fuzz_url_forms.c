/* libFuzzer target: the Twilio URL form builder (port toggling, legacy query). */
#include "fuzz_util.h"
#include "webhook/webhook_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    fuzz_fields ff;
    fuzz_split(&ff, data, size, 1);
    vo__url_forms forms;
    int rc = vo__twilio_url_forms(&forms, ff.f[0], true);
    if (rc == VO_OK) {
        if (forms.n < 1 || forms.n > VO__URL_FORMS ||
            forms.form[0] != VO_WEBHOOK_TWILIO_URL_AS_GIVEN)
            abort();
        /* Form 0 is the URL byte for byte; all forms are distinct. */
        if (forms.len[0] != strlen(ff.f[0]) || strcmp(forms.url[0], ff.f[0]) != 0)
            abort();
        for (size_t i = 0; i < forms.n; i++) {
            if (strlen(forms.url[i]) != forms.len[i])
                abort();
            for (size_t j = 0; j < i; j++)
                if (strcmp(forms.url[i], forms.url[j]) == 0)
                    abort();
        }
        /* The shortcut that skips re-encoding a query it can tell is unchanged gives the
         * same forms as re-encoding every query. */
        vo__url_parts parts;
        vo__url_forms slow;
        size_t len = strlen(ff.f[0]);
        if (vo__twilio_url_split(ff.f[0], len, &parts) != VO_OK)
            abort();
        if (vo__twilio_url_forms_split(&slow, ff.f[0], len, &parts,
                                       VO__URL_FORMS_VARIANTS | VO__URL_FORMS_NO_SHORTCUT) !=
            VO_OK)
            abort();
        if (slow.n != forms.n)
            abort();
        for (size_t i = 0; i < forms.n; i++)
            if (slow.form[i] != forms.form[i] || slow.len[i] != forms.len[i] ||
                memcmp(slow.url[i], forms.url[i], forms.len[i]) != 0)
                abort();
        vo__url_forms_free(&slow);
        vo__url_forms_free(&forms);
    } else if (rc != VO_EINVAL && rc != VO_EREQUEST) {
        abort();
    }
    fuzz_free(&ff);
    return 0;
}
