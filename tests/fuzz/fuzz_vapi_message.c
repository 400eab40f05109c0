/* libFuzzer target: the Vapi server message parser and its accessors. */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    vo_vapi_message *m = NULL;
    int rc = vo_vapi_message_parse(&m, (const char *)data, size);
    if (rc == VO_OK) {
        const char *t = vo_vapi_message_type(m);
        if (!t || !*t || !vo_vapi_message_json(m))
            abort();
        /* Touch every accessor. */
        size_t sum = strlen(t);
        const char *(*getters[])(const vo_vapi_message *) = {
            vo_vapi_message_call_id,         vo_vapi_message_org_id,
            vo_vapi_message_phone_number_id, vo_vapi_message_phone_number,
            vo_vapi_message_customer_number, vo_vapi_message_status,
            vo_vapi_message_ended_reason};
        for (size_t g = 0; g < sizeof(getters) / sizeof(getters[0]); g++) {
            const char *v = getters[g](m);
            sum += v ? strlen(v) : 0;
        }
        vo_vapi_tool_results *r;
        if (vo_vapi_tool_results_new(&r) != VO_OK)
            abort();
        for (size_t i = 0; i < vo_vapi_message_tool_call_count(m); i++) {
            const char *id = vo_vapi_message_tool_call_id(m, i);
            if (!id || !vo_vapi_message_tool_call_name(m, i) ||
                !vo_vapi_message_tool_call_arguments(m, i))
                abort();
            if (*id)
                vo_vapi_tool_results_add(r, id, vo_vapi_message_tool_call_name(m, i), "ok",
                                         NULL);
        }
        char *out = NULL;
        if (vo_vapi_tool_results_json(&out, r) != VO_OK)
            abort();
        vo_free(out);
        vo_vapi_tool_results_free(r);
        if (sum == (size_t)-1)
            abort();
        vo_vapi_message_free(m);
    } else if (m != NULL || (rc != VO_EPARSE && rc != VO_ETOOBIG)) {
        abort();
    }
    return 0;
}
