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
        vo__url_forms_free(&forms);
    } else if (rc != VO_EINVAL) {
        abort();
    }
    fuzz_free(&ff);
    return 0;
}
