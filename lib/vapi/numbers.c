/* Vapi phone numbers: import a tenant's Twilio number (credentials from the vault), list
 * (legacy and /v2), get, update, delete. */
#include <string.h>

#include <sodium.h>

#include "vapi_internal.h"

/* Common fields of an import or update body. */
static int number_body(cJSON **out, const vo_vapi_number_params *p)
{
    *out = NULL;
    if (p->sms < VO_VAPI_SMS_UNSET || p->sms > VO_VAPI_SMS_DISABLED)
        return vo__error_set(VO_EINVAL, "sms must be VO_VAPI_SMS_UNSET, _ENABLED or _DISABLED");
    if (p->assistant_id && !vo__vapi_uuid_ok(p->assistant_id))
        return vo__error_set(VO_EINVAL, "assistant id must be a UUID");
    if (p->name && strlen(p->name) > 40)
        return vo__error_set(VO_EINVAL, "phone number name is longer than 40 characters");
    cJSON *b = cJSON_CreateObject();
    if (!b)
        return vo__error_set(VO_ENOMEM, "out of memory");
    int rc = vo__vapi_merge_json(b, p->extra_json);
    /* never let extra_json smuggle credentials in: they come from the vault only */
    cJSON_DeleteItemFromObjectCaseSensitive(b, "twilioAuthToken");
    cJSON_DeleteItemFromObjectCaseSensitive(b, "twilioApiKey");
    cJSON_DeleteItemFromObjectCaseSensitive(b, "twilioApiSecret");
    cJSON_DeleteItemFromObjectCaseSensitive(b, "twilioAccountSid");
    if (rc == VO_OK)
        rc = vo__vapi_set_str(b, "provider", "twilio");
    if (rc == VO_OK)
        rc = vo__vapi_set_str(b, "name", p->name);
    if (rc == VO_OK)
        rc = vo__vapi_set_str(b, "assistantId", p->assistant_id);
    if (rc == VO_OK && p->sms != VO_VAPI_SMS_UNSET) {
        cJSON_DeleteItemFromObjectCaseSensitive(b, "smsEnabled");
        if (!cJSON_AddBoolToObject(b, "smsEnabled", p->sms == VO_VAPI_SMS_ENABLED))
            rc = vo__error_set(VO_ENOMEM, "out of memory");
    }
    if (rc == VO_OK && (p->server_url || p->server_credential_id)) {
        cJSON *s = cJSON_GetObjectItemCaseSensitive(b, "server");
        if (!cJSON_IsObject(s)) {
            cJSON_DeleteItemFromObjectCaseSensitive(b, "server");
            s = cJSON_AddObjectToObject(b, "server");
        }
        rc = s ? vo__vapi_set_str(s, "url", p->server_url)
               : vo__error_set(VO_ENOMEM, "out of memory");
        if (rc == VO_OK)
            rc = vo__vapi_set_str(s, "credentialId", p->server_credential_id);
    }
    if (rc != VO_OK) {
        cJSON_Delete(b);
        return rc;
    }
    *out = b;
    return VO_OK;
}

int vo_vapi_numbers_import_twilio(vo_vapi_resource **out, vo_vapi_client *c, vo_vault *vault,
                                  const char *tenant, const vo_vapi_number_params *p)
{
    VO__HANDLE_CHECK(c, VO__H_VAPI_CLIENT, "vo_vapi_numbers_import_twilio");
    VO__HANDLE_CHECK(vault, VO__H_VAULT, "vo_vapi_numbers_import_twilio");
    if (!out || !c || !vault || !tenant || !*tenant || !p)
        return vo__error_set(VO_EINVAL, "vo_vapi_numbers_import_twilio: NULL argument");
    *out = NULL;
    vo_vapi_number_params given;
    int vrc = vo__struct_copy(&vo_vapi_number_params_info_, "vo_vapi_numbers_import_twilio",
                              &given, p);
    if (vrc != VO_OK)
        return vrc;
    p = &given;
    if (c->tenant[0] && strcmp(c->tenant, tenant) != 0)
        return vo__error_set(
            VO_EINVAL,
            "vo_vapi_numbers_import_twilio: the client belongs to tenant '%s', not '%s'",
            c->tenant, tenant);
    if (!vo__vapi_e164_ok(p->number))
        return vo__error_set(VO_EINVAL, "number must be an E.164 number such as +14155550123");
    cJSON *b = NULL;
    int rc = number_body(&b, p);
    if (rc != VO_OK)
        return rc;
    vo_twilio_credentials *cr = NULL;
    rc = vo_twilio_credentials_get(&cr, NULL, vault, tenant);
    if (rc != VO_OK) {
        cJSON_Delete(b);
        if (rc == VO_ENOTFOUND)
            return vo__error_set(VO_ENOTFOUND,
                                 "tenant '%s' has no Twilio credentials in the vault", tenant);
        return rc;
    }
    const char *key = vo_twilio_credentials_api_key_sid(cr);
    const char *secret = vo_twilio_credentials_api_key_secret(cr);
    const char *token = vo_twilio_credentials_auth_token(cr);
    rc = vo__vapi_set_str(b, "number", p->number);
    if (rc == VO_OK)
        rc = vo__vapi_set_str(b, "twilioAccountSid", vo_twilio_credentials_account_sid(cr));
    if (rc == VO_OK && key && secret) {
        rc = vo__vapi_set_str(b, "twilioApiKey", key);
        if (rc == VO_OK)
            rc = vo__vapi_set_str(b, "twilioApiSecret", secret);
    } else if (rc == VO_OK && token) {
        rc = vo__vapi_set_str(b, "twilioAuthToken", token);
    } else if (rc == VO_OK) {
        rc = vo__error_set(
            VO_EINVAL, "tenant '%s' has Twilio credentials without an auth token or API key",
            tenant);
    }
    vo_twilio_credentials_free(cr);
    if (rc != VO_OK) {
        cJSON_Delete(b);
        return rc;
    }
    vo__rest_reply reply;
    rc = vo__vapi_call(&reply, c, "POST", "/phone-number", NULL, 0, b, VO_HTTP_IDEMPOTENT_NO);
    /* wipe the credentials held in the body before freeing it */
    const char *secret_fields[] = {"twilioAuthToken", "twilioApiSecret"};
    for (size_t i = 0; i < 2; i++) {
        cJSON *v = cJSON_GetObjectItemCaseSensitive(b, secret_fields[i]);
        if (cJSON_IsString(v))
            sodium_memzero(v->valuestring, strlen(v->valuestring));
    }
    cJSON_Delete(b);
    return rc == VO_OK ? vo__vapi_resource_from_reply(out, &reply, "/phone-number") : rc;
}

int vo_vapi_numbers_list(vo_vapi_iter **out, vo_vapi_client *c, const vo_vapi_list_options *o)
{
    VO__HANDLE_CHECK(c, VO__H_VAPI_CLIENT, "vo_vapi_numbers_list");
    if (!out || !c)
        return vo__error_set(VO_EINVAL, "vo_vapi_numbers_list: NULL argument");
    *out = NULL;
    return vo__vapi_list_legacy(out, c, "/phone-number", o, false);
}

int vo_vapi_numbers_list_v2(vo_vapi_iter **out, vo_vapi_client *c, const char *search,
                            long page_size, const char *sort_order)
{
    VO__HANDLE_CHECK(c, VO__H_VAPI_CLIENT, "vo_vapi_numbers_list_v2");
    if (!out || !c)
        return vo__error_set(VO_EINVAL, "vo_vapi_numbers_list_v2: NULL argument");
    *out = NULL;
    return vo__vapi_list_v2(out, c, "/v2/phone-number", search, page_size, sort_order);
}

int vo_vapi_numbers_get(vo_vapi_resource **out, vo_vapi_client *c, const char *id)
{
    VO__HANDLE_CHECK(c, VO__H_VAPI_CLIENT, "vo_vapi_numbers_get");
    if (!out || !c)
        return vo__error_set(VO_EINVAL, "vo_vapi_numbers_get: NULL argument");
    *out = NULL;
    char path[96];
    int rc = vo__vapi_id_path(path, sizeof(path), "/phone-number", id, "phone number");
    return rc == VO_OK ? vo__vapi_get(out, c, path) : rc;
}

int vo_vapi_numbers_update(vo_vapi_resource **out, vo_vapi_client *c, const char *id,
                           const vo_vapi_number_params *p)
{
    VO__HANDLE_CHECK(c, VO__H_VAPI_CLIENT, "vo_vapi_numbers_update");
    if (!out || !c || !p)
        return vo__error_set(VO_EINVAL, "vo_vapi_numbers_update: NULL argument");
    *out = NULL;
    vo_vapi_number_params given;
    int vrc =
        vo__struct_copy(&vo_vapi_number_params_info_, "vo_vapi_numbers_update", &given, p);
    if (vrc != VO_OK)
        return vrc;
    p = &given;
    if (p->number)
        return vo__error_set(VO_EINVAL,
                             "vo_vapi_numbers_update: the number itself cannot be changed");
    char path[96];
    int rc = vo__vapi_id_path(path, sizeof(path), "/phone-number", id, "phone number");
    if (rc != VO_OK)
        return rc;
    cJSON *b = NULL;
    if ((rc = number_body(&b, p)) != VO_OK)
        return rc;
    if (cJSON_GetArraySize(b) <= 1) { /* only "provider" */
        cJSON_Delete(b);
        return vo__error_set(VO_EINVAL, "vo_vapi_numbers_update: nothing to update");
    }
    return vo__vapi_send_obj(out, c, "PATCH", path, b, VO_HTTP_IDEMPOTENT_YES);
}

int vo_vapi_numbers_delete(vo_vapi_resource **out, vo_vapi_client *c, const char *id)
{
    VO__HANDLE_CHECK(c, VO__H_VAPI_CLIENT, "vo_vapi_numbers_delete");
    if (out)
        *out = NULL;
    if (!c)
        return vo__error_set(VO_EINVAL, "vo_vapi_numbers_delete: NULL client");
    char path[96];
    int rc = vo__vapi_id_path(path, sizeof(path), "/phone-number", id, "phone number");
    return rc == VO_OK ? vo__vapi_delete(out, c, path, NULL) : rc;
}
