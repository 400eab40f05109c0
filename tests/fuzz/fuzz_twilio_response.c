/*
 * libFuzzer target: Twilio 2xx answers as the client reads them. Byte 0 picks the reader:
 * a single resource (vo__twilio_resource_from_reply, then every accessor), or list pages
 * (vo__twilio_iter_take_page, the input taken twice so that the repeated-page check runs,
 * then every item). Checks that secret fields never survive stripping.
 */
#include <cjson/cJSON.h>

#include "fuzz_util.h"
#include "twilio/twilio_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* No top-level secret member survives stripping (not even a duplicate key). */
static void no_secrets(const char *json)
{
    cJSON *j = json ? cJSON_Parse(json) : NULL;
    if (cJSON_GetObjectItemCaseSensitive(j, "auth_token") ||
        cJSON_GetObjectItemCaseSensitive(j, "secret") ||
        cJSON_GetObjectItemCaseSensitive(j, "secondary_auth_token"))
        abort();
    cJSON_Delete(j);
}

static void read_all(const vo_twilio_resource *r)
{
    long long n;
    int b;
    no_secrets(vo_twilio_resource_json(r));
    (void)vo_twilio_resource_sid(r);
    (void)vo_twilio_resource_status(r);
    (void)vo_twilio_resource_phone_number(r);
    (void)vo_twilio_resource_friendly_name(r);
    (void)vo_twilio_resource_account_sid(r);
    (void)vo_twilio_resource_int(&n, r, "num_segments");
    (void)vo_twilio_resource_int(&n, r, "duration");
    (void)vo_twilio_resource_bool(&b, r, "voice_enabled");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    if (size < 1)
        return 0;
    int mode = data[0] & 1;
    vo__rest_reply reply;
    memset(&reply, 0, sizeof(reply));
    reply.status = 200;
    reply.doc = cJSON_ParseWithLength((const char *)data + 1, size - 1);
    if (mode == 0) {
        vo_twilio_resource *r = NULL;
        int rc = vo__twilio_resource_from_reply(&r, &reply);
        if (rc == VO_OK) {
            read_all(r);
            vo_twilio_resource_free(r);
        } else if (r) {
            abort();
        }
        return 0;
    }
    vo_twilio_iter *it = vo__twilio_iter_alloc("calls");
    if (!it)
        abort();
    for (int round = 0; round < 2; round++) {
        if (round == 1)
            reply.doc = cJSON_ParseWithLength((const char *)data + 1, size - 1);
        int rc = vo__twilio_iter_take_page(it, &reply);
        if (reply.doc)
            abort(); /* the page is taken in every case */
        if (rc != VO_OK)
            break;
        /* a page that names a next page cannot be taken twice: the second is a loop */
        if (round == 1 && it->next_uri)
            abort();
        for (cJSON *x = it->item; x; x = x->next) {
            vo__rest_item_clear(&it->current.rest);
            vo__rest_item_set(&it->current.rest, x);
            read_all(&it->current);
        }
    }
    vo_twilio_iter_free(it);
    return 0;
}
