/* Calls and messages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "twilio_internal.h"

static bool has_param(const vo_param *p, size_t n, const char *name)
{
    for (size_t i = 0; p && i < n; i++)
        if (p[i].name && strcmp(p[i].name, name) == 0 && p[i].value && p[i].value[0])
            return true;
    return false;
}

/* params + leading fixed fields, into a new array (caller frees). */
static vo_param *with_fields(const vo_param *fixed, size_t nfixed, const vo_param *p, size_t n)
{
    vo_param *all = calloc(nfixed + n + 1, sizeof(*all));
    if (!all)
        return NULL;
    memcpy(all, fixed, nfixed * sizeof(*all));
    if (n)
        memcpy(all + nfixed, p, n * sizeof(*all));
    return all;
}

static int post(vo_twilio_resource **out, vo_twilio_client *c, const char *path,
                const vo_param *form, size_t n, vo_http_idempotency idem)
{
    vo__rest_reply reply;
    int rc = vo__twilio_call(&reply, c, VO__TWILIO_API, "POST", path, NULL, 0, form, n, idem);
    return rc == VO_OK ? vo__twilio_resource_from_reply(out, &reply) : rc;
}

static int sid_path(char *path, size_t size, const vo_twilio_client *c, const char *coll,
                    const char *sid, const char *p1, const char *p2)
{
    if (!vo__twilio_sid_ok(sid, p1) && !(p2 && vo__twilio_sid_ok(sid, p2)))
        return vo__error_set(VO_EINVAL, "%s SID must be %s followed by 32 characters", coll,
                             p1);
    char suffix[96];
    snprintf(suffix, sizeof(suffix), "/%s/%s.json", coll, sid);
    return vo__twilio_account_path(path, size, c, suffix);
}

int vo_twilio_calls_create(vo_twilio_resource **out, vo_twilio_client *c, const char *to,
                           const char *from, const vo_param *params, size_t n)
{
    VO__HANDLE_CHECK(c, VO__H_TWILIO_CLIENT, "vo_twilio_calls_create");
    if (!out || !c || !to || !*to || !from || !*from || (n && !params))
        return vo__error_set(VO_EINVAL,
                             "vo_twilio_calls_create: to, from and the client are required");
    *out = NULL;
    if (!has_param(params, n, "Url") && !has_param(params, n, "Twiml") &&
        !has_param(params, n, "ApplicationSid"))
        return vo__error_set(
            VO_EINVAL,
            "vo_twilio_calls_create: one of Url, Twiml or ApplicationSid is required");
    char path[128];
    int rc = vo__twilio_account_path(path, sizeof(path), c, "/Calls.json");
    if (rc != VO_OK)
        return rc;
    vo_param fixed[] = {{"To", to}, {"From", from}};
    vo_param *all = with_fields(fixed, 2, params, n);
    if (!all)
        return vo__error_set(VO_ENOMEM, "out of memory");
    rc = post(out, c, path, all, n + 2, VO_HTTP_IDEMPOTENT_NO);
    free(all);
    return rc;
}

int vo_twilio_calls_get(vo_twilio_resource **out, vo_twilio_client *c, const char *sid)
{
    VO__HANDLE_CHECK(c, VO__H_TWILIO_CLIENT, "vo_twilio_calls_get");
    if (!out || !c)
        return vo__error_set(VO_EINVAL, "vo_twilio_calls_get: NULL argument");
    *out = NULL;
    char path[160];
    int rc = sid_path(path, sizeof(path), c, "Calls", sid, "CA", NULL);
    return rc == VO_OK ? vo__twilio_fetch(out, c, path) : rc;
}

int vo_twilio_calls_list(vo_twilio_iter **out, vo_twilio_client *c, const vo_param *filters,
                         size_t nf)
{
    VO__HANDLE_CHECK(c, VO__H_TWILIO_CLIENT, "vo_twilio_calls_list");
    if (!out || !c)
        return vo__error_set(VO_EINVAL, "vo_twilio_calls_list: NULL argument");
    *out = NULL;
    char path[128];
    int rc = vo__twilio_account_path(path, sizeof(path), c, "/Calls.json");
    return rc == VO_OK ? vo__twilio_list(out, c, path, "calls", filters, nf) : rc;
}

int vo_twilio_calls_update(vo_twilio_resource **out, vo_twilio_client *c, const char *sid,
                           const vo_param *params, size_t n)
{
    VO__HANDLE_CHECK(c, VO__H_TWILIO_CLIENT, "vo_twilio_calls_update");
    if (!out || !c || !params || n == 0)
        return vo__error_set(VO_EINVAL, "vo_twilio_calls_update: nothing to update");
    *out = NULL;
    char path[160];
    int rc = sid_path(path, sizeof(path), c, "Calls", sid, "CA", NULL);
    return rc == VO_OK ? post(out, c, path, params, n, VO_HTTP_IDEMPOTENT_NO) : rc;
}

int vo_twilio_messages_create(vo_twilio_resource **out, vo_twilio_client *c, const char *to,
                              const vo_param *params, size_t n)
{
    VO__HANDLE_CHECK(c, VO__H_TWILIO_CLIENT, "vo_twilio_messages_create");
    if (!out || !c || !to || !*to || (n && !params))
        return vo__error_set(VO_EINVAL,
                             "vo_twilio_messages_create: to and the client are required");
    *out = NULL;
    if (!has_param(params, n, "From") && !has_param(params, n, "MessagingServiceSid"))
        return vo__error_set(
            VO_EINVAL, "vo_twilio_messages_create: From or MessagingServiceSid is required");
    if (!has_param(params, n, "Body") && !has_param(params, n, "MediaUrl") &&
        !has_param(params, n, "ContentSid"))
        return vo__error_set(
            VO_EINVAL, "vo_twilio_messages_create: Body, MediaUrl or ContentSid is required");
    char path[128];
    int rc = vo__twilio_account_path(path, sizeof(path), c, "/Messages.json");
    if (rc != VO_OK)
        return rc;
    vo_param fixed[] = {{"To", to}};
    vo_param *all = with_fields(fixed, 1, params, n);
    if (!all)
        return vo__error_set(VO_ENOMEM, "out of memory");
    rc = post(out, c, path, all, n + 1, VO_HTTP_IDEMPOTENT_NO);
    free(all);
    return rc;
}

int vo_twilio_messages_get(vo_twilio_resource **out, vo_twilio_client *c, const char *sid)
{
    VO__HANDLE_CHECK(c, VO__H_TWILIO_CLIENT, "vo_twilio_messages_get");
    if (!out || !c)
        return vo__error_set(VO_EINVAL, "vo_twilio_messages_get: NULL argument");
    *out = NULL;
    char path[160];
    int rc = sid_path(path, sizeof(path), c, "Messages", sid, "SM", "MM");
    return rc == VO_OK ? vo__twilio_fetch(out, c, path) : rc;
}

int vo_twilio_messages_list(vo_twilio_iter **out, vo_twilio_client *c, const vo_param *filters,
                            size_t nf)
{
    VO__HANDLE_CHECK(c, VO__H_TWILIO_CLIENT, "vo_twilio_messages_list");
    if (!out || !c)
        return vo__error_set(VO_EINVAL, "vo_twilio_messages_list: NULL argument");
    *out = NULL;
    char path[128];
    int rc = vo__twilio_account_path(path, sizeof(path), c, "/Messages.json");
    return rc == VO_OK ? vo__twilio_list(out, c, path, "messages", filters, nf) : rc;
}
