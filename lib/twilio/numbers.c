/* Incoming phone numbers and available numbers for sale. */
#include <stdio.h>
#include <string.h>

#include "twilio_internal.h"

static int check(const void *out, const vo_twilio_client *c, const char *fn)
{
    if (!out || !c)
        return vo__error_set(VO_EINVAL, "%s: NULL argument", fn);
    return VO_OK;
}

static bool has_param(const vo_param *p, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (p[i].name && strcmp(p[i].name, name) == 0 && p[i].value && p[i].value[0])
            return true;
    return false;
}

int vo_twilio_numbers_list(vo_twilio_iter **out, vo_twilio_client *c, const vo_param *filters,
                           size_t nf)
{
    VO__HANDLE_CHECK(c, VO__H_TWILIO_CLIENT, "vo_twilio_numbers_list");
    int rc = check(out, c, "vo_twilio_numbers_list");
    if (rc != VO_OK)
        return rc;
    *out = NULL;
    char path[128];
    if ((rc = vo__twilio_account_path(path, sizeof(path), c, "/IncomingPhoneNumbers.json")) !=
        VO_OK)
        return rc;
    return vo__twilio_list(out, c, path, "incoming_phone_numbers", filters, nf);
}

static int number_path(char *path, size_t size, const vo_twilio_client *c, const char *sid)
{
    if (!vo__twilio_sid_ok(sid, "PN"))
        return vo__error_set(VO_EINVAL,
                             "phone number SID must be PN followed by 32 characters");
    char suffix[64];
    snprintf(suffix, sizeof(suffix), "/IncomingPhoneNumbers/%s.json", sid);
    return vo__twilio_account_path(path, size, c, suffix);
}

int vo_twilio_numbers_get(vo_twilio_resource **out, vo_twilio_client *c, const char *sid)
{
    VO__HANDLE_CHECK(c, VO__H_TWILIO_CLIENT, "vo_twilio_numbers_get");
    int rc = check(out, c, "vo_twilio_numbers_get");
    if (rc != VO_OK)
        return rc;
    *out = NULL;
    char path[160];
    if ((rc = number_path(path, sizeof(path), c, sid)) != VO_OK)
        return rc;
    return vo__twilio_fetch(out, c, path);
}

int vo_twilio_numbers_update(vo_twilio_resource **out, vo_twilio_client *c, const char *sid,
                             const vo_param *params, size_t n)
{
    VO__HANDLE_CHECK(c, VO__H_TWILIO_CLIENT, "vo_twilio_numbers_update");
    int rc = check(out, c, "vo_twilio_numbers_update");
    if (rc != VO_OK)
        return rc;
    *out = NULL;
    if (n == 0 || !params)
        return vo__error_set(VO_EINVAL, "vo_twilio_numbers_update: nothing to update");
    char path[160];
    if ((rc = number_path(path, sizeof(path), c, sid)) != VO_OK)
        return rc;
    vo__rest_reply reply;
    /* setting configuration fields twice gives the same number: safe to retry */
    rc = vo__twilio_call(&reply, c, VO__TWILIO_API, "POST", path, NULL, 0, params, n,
                         VO_HTTP_IDEMPOTENT_YES);
    return rc == VO_OK ? vo__twilio_resource_from_reply(out, &reply) : rc;
}

int vo_twilio_numbers_purchase(vo_twilio_resource **out, vo_twilio_client *c,
                               const vo_param *params, size_t n)
{
    VO__HANDLE_CHECK(c, VO__H_TWILIO_CLIENT, "vo_twilio_numbers_purchase");
    int rc = check(out, c, "vo_twilio_numbers_purchase");
    if (rc != VO_OK)
        return rc;
    *out = NULL;
    if (!params || (!has_param(params, n, "PhoneNumber") && !has_param(params, n, "AreaCode")))
        return vo__error_set(VO_EINVAL,
                             "vo_twilio_numbers_purchase: PhoneNumber or AreaCode is required");
    char path[128];
    if ((rc = vo__twilio_account_path(path, sizeof(path), c, "/IncomingPhoneNumbers.json")) !=
        VO_OK)
        return rc;
    vo__rest_reply reply;
    rc = vo__twilio_call(&reply, c, VO__TWILIO_API, "POST", path, NULL, 0, params, n,
                         VO_HTTP_IDEMPOTENT_NO);
    return rc == VO_OK ? vo__twilio_resource_from_reply(out, &reply) : rc;
}

int vo__twilio_delete(vo_twilio_client *c, vo__twilio_host host, const char *path)
{
    vo__rest_reply reply;
    int rc = vo__twilio_call(&reply, c, host, "DELETE", path, NULL, 0, NULL, 0,
                             VO_HTTP_IDEMPOTENT_AUTO);
    if (vo__rest_gone(rc, &reply))
        return VO_OK;
    cJSON_Delete(reply.doc);
    return rc;
}

int vo_twilio_numbers_release(vo_twilio_client *c, const char *sid)
{
    VO__HANDLE_CHECK(c, VO__H_TWILIO_CLIENT, "vo_twilio_numbers_release");
    if (!c)
        return vo__error_set(VO_EINVAL, "vo_twilio_numbers_release: NULL client");
    char path[160];
    int rc = number_path(path, sizeof(path), c, sid);
    if (rc != VO_OK)
        return rc;
    return vo__twilio_delete(c, VO__TWILIO_API, path);
}

static const char *const number_types[] = {"Local", "TollFree",   "Mobile",          "National",
                                           "Voip",  "SharedCost", "MachineToMachine"};

int vo_twilio_available_numbers_search(vo_twilio_iter **out, vo_twilio_client *c,
                                       const char *country, const char *type,
                                       const vo_param *filters, size_t nf)
{
    VO__HANDLE_CHECK(c, VO__H_TWILIO_CLIENT, "vo_twilio_available_numbers_search");
    int rc = check(out, c, "vo_twilio_available_numbers_search");
    if (rc != VO_OK)
        return rc;
    *out = NULL;
    if (!country || strlen(country) != 2 || country[0] < 'A' || country[0] > 'Z' ||
        country[1] < 'A' || country[1] > 'Z')
        return vo__error_set(VO_EINVAL, "country must be a two-letter upper-case ISO code");
    bool known = false;
    for (size_t i = 0; type && i < sizeof(number_types) / sizeof(number_types[0]); i++)
        known = known || strcmp(type, number_types[i]) == 0;
    if (!known)
        return vo__error_set(
            VO_EINVAL,
            "number type must be Local, TollFree, Mobile, National, Voip, SharedCost or MachineToMachine");
    char suffix[96], path[160];
    snprintf(suffix, sizeof(suffix), "/AvailablePhoneNumbers/%s/%s.json", country, type);
    if ((rc = vo__twilio_account_path(path, sizeof(path), c, suffix)) != VO_OK)
        return rc;
    return vo__twilio_list(out, c, path, "available_phone_numbers", filters, nf);
}
