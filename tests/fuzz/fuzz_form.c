/* libFuzzer target: the form parser, checking its output invariants. */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    vo_form *f = NULL;
    int rc = vo_form_parse(&f, (const char *)data, size);
    if (rc == VO_OK) {
        size_t n = vo_form_count(f);
        if (n > VO_FORM_MAX_PARAMS)
            abort();
        size_t total = 0;
        for (size_t i = 0; i < n; i++) {
            /* Decoding never grows the text. */
            total += strlen(vo_form_name(f, i)) + strlen(vo_form_value(f, i));
            if (vo_form_get(f, vo_form_name(f, i)) == NULL)
                abort();
        }
        if (total > size)
            abort();
        if (vo_form_name(f, n) != NULL)
            abort();
    } else if (f != NULL || (rc != VO_EPARSE && rc != VO_ETOOBIG)) {
        abort();
    }
    vo_form_free(f);
    return 0;
}
