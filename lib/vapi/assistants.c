/* Vapi assistants: create, list, get, update (PATCH), delete. */
#include <string.h>

#include "vapi_internal.h"

static int check_client(const void *out, const vo_vapi_client *c, const char *fn)
{
    if (!out || !c)
        return vo__error_set(VO_EINVAL, "%s: NULL argument", fn);
    return VO_OK;
}

/* The JSON body of an assistant create/update; *empty says whether it has no field. */
static int assistant_body(cJSON **out, const vo_vapi_assistant_params *in, const char *fn)
{
    *out = NULL;
    vo_vapi_assistant_params given;
    const vo_vapi_assistant_params *p = NULL;
    if (in) {
        int vrc = vo__struct_copy(&vo_vapi_assistant_params_info_, fn, &given, in);
        if (vrc != VO_OK)
            return vrc;
        p = &given;
    }
    if (p && p->server_timeout_seconds < 0)
        return vo__error_set(VO_EINVAL, "server_timeout_seconds must be >= 0");
    cJSON *b = cJSON_CreateObject();
    if (!b)
        return vo__error_set(VO_ENOMEM, "out of memory");
    int rc = VO_OK;
    if (p) {
        rc = vo__vapi_merge_json(b, p->extra_json);
        if (rc == VO_OK)
            rc = vo__vapi_set_str(b, "name", p->name);
        if (rc == VO_OK)
            rc = vo__vapi_set_str(b, "firstMessage", p->first_message);
        if (rc == VO_OK)
            rc = vo__vapi_add_json(b, "model", p->model_json);
        if (rc == VO_OK)
            rc = vo__vapi_add_json(b, "voice", p->voice_json);
        if (rc == VO_OK)
            rc = vo__vapi_add_json(b, "transcriber", p->transcriber_json);
        if (rc == VO_OK &&
            (p->server_url || p->server_credential_id || p->server_timeout_seconds)) {
            cJSON *s = cJSON_GetObjectItemCaseSensitive(b, "server");
            if (!cJSON_IsObject(s)) {
                cJSON_DeleteItemFromObjectCaseSensitive(b, "server");
                s = cJSON_AddObjectToObject(b, "server");
            }
            if (!s)
                rc = vo__error_set(VO_ENOMEM, "out of memory");
            if (rc == VO_OK)
                rc = vo__vapi_set_str(s, "url", p->server_url);
            if (rc == VO_OK)
                rc = vo__vapi_set_str(s, "credentialId", p->server_credential_id);
            if (rc == VO_OK && p->server_timeout_seconds) {
                cJSON_DeleteItemFromObjectCaseSensitive(s, "timeoutSeconds");
                if (!cJSON_AddNumberToObject(s, "timeoutSeconds",
                                             (double)p->server_timeout_seconds))
                    rc = vo__error_set(VO_ENOMEM, "out of memory");
            }
        }
    }
    if (rc != VO_OK) {
        cJSON_Delete(b);
        return rc;
    }
    *out = b;
    return VO_OK;
}

int vo_vapi_assistants_create(vo_vapi_resource **out, vo_vapi_client *c,
                              const vo_vapi_assistant_params *p)
{
    VO__HANDLE_CHECK(c, VO__H_VAPI_CLIENT, "vo_vapi_assistants_create");
    int rc = check_client(out, c, "vo_vapi_assistants_create");
    if (rc != VO_OK)
        return rc;
    *out = NULL;
    cJSON *b = NULL;
    if ((rc = assistant_body(&b, p, "vo_vapi_assistants_create")) != VO_OK)
        return rc;
    return vo__vapi_send_obj(out, c, "POST", "/assistant", b, VO_HTTP_IDEMPOTENT_NO);
}

int vo_vapi_assistants_list(vo_vapi_iter **out, vo_vapi_client *c,
                            const vo_vapi_list_options *o)
{
    VO__HANDLE_CHECK(c, VO__H_VAPI_CLIENT, "vo_vapi_assistants_list");
    int rc = check_client(out, c, "vo_vapi_assistants_list");
    if (rc != VO_OK)
        return rc;
    *out = NULL;
    return vo__vapi_list_legacy(out, c, "/assistant", o, false);
}

int vo_vapi_assistants_get(vo_vapi_resource **out, vo_vapi_client *c, const char *id)
{
    VO__HANDLE_CHECK(c, VO__H_VAPI_CLIENT, "vo_vapi_assistants_get");
    int rc = check_client(out, c, "vo_vapi_assistants_get");
    if (rc != VO_OK)
        return rc;
    *out = NULL;
    char path[96];
    if ((rc = vo__vapi_id_path(path, sizeof(path), "/assistant", id, "assistant")) != VO_OK)
        return rc;
    return vo__vapi_get(out, c, path);
}

int vo_vapi_assistants_update(vo_vapi_resource **out, vo_vapi_client *c, const char *id,
                              const vo_vapi_assistant_params *p)
{
    VO__HANDLE_CHECK(c, VO__H_VAPI_CLIENT, "vo_vapi_assistants_update");
    int rc = check_client(out, c, "vo_vapi_assistants_update");
    if (rc != VO_OK)
        return rc;
    *out = NULL;
    char path[96];
    if ((rc = vo__vapi_id_path(path, sizeof(path), "/assistant", id, "assistant")) != VO_OK)
        return rc;
    cJSON *b = NULL;
    if ((rc = assistant_body(&b, p, "vo_vapi_assistants_update")) != VO_OK)
        return rc;
    if (!b->child) {
        cJSON_Delete(b);
        return vo__error_set(VO_EINVAL, "vo_vapi_assistants_update: nothing to update");
    }
    /* setting fields twice gives the same assistant: safe to retry */
    return vo__vapi_send_obj(out, c, "PATCH", path, b, VO_HTTP_IDEMPOTENT_YES);
}

int vo_vapi_assistants_delete(vo_vapi_resource **out, vo_vapi_client *c, const char *id)
{
    VO__HANDLE_CHECK(c, VO__H_VAPI_CLIENT, "vo_vapi_assistants_delete");
    if (out)
        *out = NULL;
    if (!c)
        return vo__error_set(VO_EINVAL, "vo_vapi_assistants_delete: NULL client");
    char path[96];
    int rc = vo__vapi_id_path(path, sizeof(path), "/assistant", id, "assistant");
    return rc == VO_OK ? vo__vapi_delete(out, c, path, NULL) : rc;
}
