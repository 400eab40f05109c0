/* Vapi calls: create an outbound phone call, get, list, update, delete. */
#include <string.h>

#include "vapi_internal.h"

int vo_vapi_calls_create(vo_vapi_resource **out, vo_vapi_client *c,
                         const vo_vapi_call_params *p)
{
    VO__HANDLE_CHECK(c, VO__H_VAPI_CLIENT, "vo_vapi_calls_create");
    if (!out || !c || !p)
        return vo__error_set(VO_EINVAL, "vo_vapi_calls_create: NULL argument");
    *out = NULL;
    vo_vapi_call_params given;
    int vrc = vo__struct_copy(&vo_vapi_call_params_info_, "vo_vapi_calls_create", &given, p);
    if (vrc != VO_OK)
        return vrc;
    p = &given;
    if ((p->assistant_id == NULL) == (p->assistant_json == NULL))
        return vo__error_set(VO_EINVAL,
                             "a call needs exactly one of assistant_id and assistant_json");
    if (p->assistant_id && !vo__vapi_uuid_ok(p->assistant_id))
        return vo__error_set(VO_EINVAL, "assistant id must be a UUID");
    if (!vo__vapi_uuid_ok(p->phone_number_id))
        return vo__error_set(VO_EINVAL, "an outbound call needs phone_number_id (a UUID)");
    if (!vo__vapi_e164_ok(p->customer_number))
        return vo__error_set(VO_EINVAL,
                             "customer_number must be an E.164 number such as +14155550123");
    if (p->name && strlen(p->name) > 40)
        return vo__error_set(VO_EINVAL, "call name is longer than 40 characters");
    cJSON *b = cJSON_CreateObject();
    if (!b)
        return vo__error_set(VO_ENOMEM, "out of memory");
    int rc = vo__vapi_merge_json(b, p->extra_json);
    if (rc == VO_OK)
        rc = vo__vapi_set_str(b, "assistantId", p->assistant_id);
    if (rc == VO_OK)
        rc = vo__vapi_add_json(b, "assistant", p->assistant_json);
    if (rc == VO_OK)
        rc = vo__vapi_set_str(b, "phoneNumberId", p->phone_number_id);
    if (rc == VO_OK)
        rc = vo__vapi_set_str(b, "name", p->name);
    if (rc == VO_OK) {
        cJSON_DeleteItemFromObjectCaseSensitive(b, "customer");
        cJSON *cu = cJSON_AddObjectToObject(b, "customer");
        rc = cu ? vo__vapi_set_str(cu, "number", p->customer_number)
                : vo__error_set(VO_ENOMEM, "out of memory");
        if (rc == VO_OK && cu)
            rc = vo__vapi_set_str(cu, "name", p->customer_name);
    }
    if (rc != VO_OK) {
        cJSON_Delete(b);
        return rc;
    }
    /* A call must never be placed twice: only a 429 or a connection that failed before
     * sending anything is retried by the transport. */
    return vo__vapi_send_obj(out, c, "POST", "/call", b, VO_HTTP_IDEMPOTENT_NO);
}

int vo_vapi_calls_get(vo_vapi_resource **out, vo_vapi_client *c, const char *id)
{
    VO__HANDLE_CHECK(c, VO__H_VAPI_CLIENT, "vo_vapi_calls_get");
    if (!out || !c)
        return vo__error_set(VO_EINVAL, "vo_vapi_calls_get: NULL argument");
    *out = NULL;
    char path[96];
    int rc = vo__vapi_id_path(path, sizeof(path), "/call", id, "call");
    return rc == VO_OK ? vo__vapi_get(out, c, path) : rc;
}

int vo_vapi_calls_list(vo_vapi_iter **out, vo_vapi_client *c, const vo_vapi_list_options *o)
{
    VO__HANDLE_CHECK(c, VO__H_VAPI_CLIENT, "vo_vapi_calls_list");
    if (!out || !c)
        return vo__error_set(VO_EINVAL, "vo_vapi_calls_list: NULL argument");
    *out = NULL;
    if (o && ((o->id && !vo__vapi_uuid_ok(o->id)) ||
              (o->assistant_id && !vo__vapi_uuid_ok(o->assistant_id)) ||
              (o->phone_number_id && !vo__vapi_uuid_ok(o->phone_number_id))))
        return vo__error_set(VO_EINVAL, "call list id filters must be UUIDs");
    return vo__vapi_list_legacy(out, c, "/call", o, true);
}

int vo_vapi_calls_update(vo_vapi_resource **out, vo_vapi_client *c, const char *id,
                         const char *name)
{
    VO__HANDLE_CHECK(c, VO__H_VAPI_CLIENT, "vo_vapi_calls_update");
    if (!out || !c)
        return vo__error_set(VO_EINVAL, "vo_vapi_calls_update: NULL argument");
    *out = NULL;
    if (!name || strlen(name) > 40)
        return vo__error_set(VO_EINVAL, "call name is required and at most 40 characters");
    char path[96];
    int rc = vo__vapi_id_path(path, sizeof(path), "/call", id, "call");
    if (rc != VO_OK)
        return rc;
    cJSON *b = cJSON_CreateObject();
    if (!b || !cJSON_AddStringToObject(b, "name", name)) {
        cJSON_Delete(b);
        return vo__error_set(VO_ENOMEM, "out of memory");
    }
    return vo__vapi_send_obj(out, c, "PATCH", path, b, VO_HTTP_IDEMPOTENT_YES);
}

int vo_vapi_calls_delete(vo_vapi_resource **out, vo_vapi_client *c, const char *id)
{
    VO__HANDLE_CHECK(c, VO__H_VAPI_CLIENT, "vo_vapi_calls_delete");
    if (out)
        *out = NULL;
    if (!c)
        return vo__error_set(VO_EINVAL, "vo_vapi_calls_delete: NULL client");
    char path[96];
    int rc = vo__vapi_id_path(path, sizeof(path), "/call", id, "call");
    if (rc != VO_OK)
        return rc;
    /* Vapi's description requires a JSON body (DeleteCallDTO) on this route, even for one
     * call: send an empty object (the call id is in the path). */
    cJSON *body = cJSON_CreateObject();
    if (!body)
        return vo__error_set(VO_ENOMEM, "out of memory");
    rc = vo__vapi_delete(out, c, path, body);
    cJSON_Delete(body);
    return rc;
}
