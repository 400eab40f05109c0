/* REST results: a JSON object with its secret fields stripped, owned or an iterator's view. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "rest_internal.h"

static void forget_json(vo__rest_resource *r)
{
    if (r->json) {
        sodium_memzero(r->json, strlen(r->json));
        cJSON_free(r->json);
    }
    r->json = NULL;
}

static void rest_resource_destroy(void *self)
{
    vo__rest_resource *r = self;
    forget_json(r);
    cJSON_Delete(r->root);
}

int vo__rest_resource_new(vo__rest_resource **out, size_t size, vo__htype type,
                          vo__rest_reply *reply, const vo__rest_provider *p, const char *what)
{
    if (reply->doc && !cJSON_IsObject(reply->doc)) {
        cJSON_Delete(reply->doc);
        reply->doc = NULL;
        int rc = vo__error_set(VO_EPROTOCOL, "%s's answer to %s is not a JSON object", p->name,
                               what);
        vo__error_set_remote(reply->status, 0, reply->request_id, NULL, -1);
        return rc;
    }
    vo__rest_resource *r =
        vo__handle_new(size < sizeof(*r) ? sizeof(*r) : size, type, rest_resource_destroy);
    if (!r) {
        cJSON_Delete(reply->doc);
        reply->doc = NULL;
        return vo__error_set(VO_ENOMEM, "out of memory");
    }
    r->root = reply->doc ? reply->doc : cJSON_CreateObject();
    reply->doc = NULL;
    r->obj = r->root;
    vo__strlcpy(r->request_id, reply->request_id, sizeof(r->request_id));
    p->strip_secrets(r->obj);
    r->json = r->root ? cJSON_PrintUnformatted(r->obj) : NULL;
    if (!r->json) {
        vo__handle_release(r);
        return vo__error_set(VO_ENOMEM, "out of memory");
    }
    *out = r;
    return VO_OK;
}

void vo__rest_item_init(vo__rest_resource *r, vo__htype type)
{
    vo__handle_init_embedded(&r->h, type);
}

void vo__rest_item_set(vo__rest_resource *r, cJSON *item)
{
    r->obj = item;
    r->root = NULL;
}

void vo__rest_item_clear(vo__rest_resource *r)
{
    forget_json(r);
}

const char *vo__rest_resource_json(vo__rest_resource *r)
{
    if (!r->json)
        r->json = cJSON_PrintUnformatted(r->obj);
    return r->json;
}

const char *vo__rest_resource_str(const vo__rest_resource *r, const char *name)
{
    return vo__json_str(r->obj, name);
}

int vo__rest_resource_int(const vo__rest_resource *r, const char *name, long long *out,
                          bool decimal_strings)
{
    return vo__json_int(r->obj, name, out, decimal_strings);
}

int vo__rest_resource_bool(const vo__rest_resource *r, const char *name, int *out)
{
    return vo__json_bool(r->obj, name, out);
}
