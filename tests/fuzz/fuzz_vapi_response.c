/*
 * libFuzzer target: Vapi 2xx answers as the client reads them. Byte 0 picks the reader: a
 * single resource (vo__vapi_resource_from_reply and the accessors), a legacy list page (a
 * JSON array, taken twice so that the createdAt boundary and the seen ids run; byte 1 is the
 * limit asked), or a v2 page ({"results", "metadata"}). Checks that secret fields never
 * survive stripping.
 */
#include <cjson/cJSON.h>

#include "fuzz_util.h"
#include "vapi/vapi_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_all(const vo_vapi_resource *r)
{
    long long n;
    int b;
    /* no top-level secret member survives stripping (not even a duplicate key) */
    const char *json = vo_vapi_resource_json(r);
    cJSON *j = json ? cJSON_Parse(json) : NULL;
    static const char *const secret[] = {"twilioAuthToken", "twilioApiSecret", "authToken",
                                         "apiSecret", "secret"};
    for (size_t i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
        if (cJSON_GetObjectItemCaseSensitive(j, secret[i]))
            abort();
    cJSON_Delete(j);
    (void)vo_vapi_resource_id(r);
    (void)vo_vapi_resource_status(r);
    (void)vo_vapi_resource_number(r);
    (void)vo_vapi_resource_created_at(r);
    (void)vo_vapi_resource_int(&n, r, "cost");
    (void)vo_vapi_resource_bool(&b, r, "enabled");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    if (size < 2)
        return 0;
    int mode = data[0] % 3;
    long want = 1 + data[1] % 16;
    const char *body = (const char *)data + 2;
    size_t len = size - 2;
    vo__rest_reply reply;
    memset(&reply, 0, sizeof(reply));
    reply.status = 200;
    reply.doc = cJSON_ParseWithLength(body, len);
    if (mode == 0) {
        vo_vapi_resource *r = NULL;
        if (vo__vapi_resource_from_reply(&r, &reply, "/fuzz") == VO_OK) {
            read_all(r);
            vo_vapi_resource_free(r);
        }
        return 0;
    }
    vo_vapi_iter *it = NULL;
    if (vo__vapi_iter_alloc(&it, NULL, "/fuzz", mode == 1 ? VO__VAPI_LEGACY : VO__VAPI_V2) !=
        VO_OK)
        abort();
    for (int round = 0; round < 2; round++) {
        if (round == 1)
            reply.doc = cJSON_ParseWithLength(body, len);
        int rc = mode == 1 ? vo__vapi_iter_take_legacy(it, &reply, want)
                           : vo__vapi_iter_take_v2(it, &reply);
        if (rc != VO_OK)
            break;
        for (cJSON *x = it->item; x; x = x->next) {
            vo__rest_item_clear(&it->current.rest);
            vo__rest_item_set(&it->current.rest, x);
            read_all(&it->current);
        }
    }
    vo_vapi_iter_free(it);
    return 0;
}
