/*
 * The one versioning rule for every struct a caller passes in (options, parameters,
 * requests) or hands over to be filled (output structs such as vo_http_stats):
 *
 * - the first member is `unsigned int version`, set by the caller (the *_INIT macro or the
 *   exported vo_<struct>_init() does it);
 * - a version from 1 to the current one is accepted; 0 and anything newer than this
 *   library are VO_EINVAL with a message naming the struct;
 * - the library reads (or, for an output struct, writes) only the bytes that exist in the
 *   caller's version (the table of sizes per version), so a struct can grow: a caller
 *   compiled against older headers passes a shorter struct and the fields it does not have
 *   read as zero, which means the documented default.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "voiceops/http.h"
#include "voiceops/services.h"
#include "voiceops/smtp.h"
#include "voiceops/twilio.h"
#include "voiceops/vapi.h"
#include "voiceops/vault.h"
#include "voiceops/webhook.h"

static int bad_version(const vo__struct_info *info, const char *fn, unsigned int version)
{
    return vo__error_set(VO_EINVAL, "%s: unsupported %s version %u (this library accepts 1-%u)",
                         fn ? fn : info->name, info->name, version, info->current);
}

int vo__struct_check(const vo__struct_info *info, const char *fn, const void *ptr)
{
    if (!ptr)
        return vo__error_set(VO_EINVAL, "%s: %s is NULL", fn ? fn : info->name, info->name);
    unsigned int version;
    memcpy(&version, ptr, sizeof(version));
    if (version == 0 || version > info->current)
        return bad_version(info, fn, version);
    return VO_OK;
}

int vo__struct_init(const vo__struct_info *info, void *ptr, unsigned int version)
{
    char fn[96];
    snprintf(fn, sizeof(fn), "%s_init", info->name);
    if (!ptr)
        return vo__error_set(VO_EINVAL, "%s: %s is NULL", fn, info->name);
    if (version == 0 || version > info->current)
        return bad_version(info, fn, version);
    /* Zero means the documented default for every field, so the defaults of a version are
     * its bytes set to zero and the version. */
    memset(ptr, 0, info->sizes[version - 1]);
    memcpy(ptr, &version, sizeof(version));
    return VO_OK;
}

int vo__struct_copy(const vo__struct_info *info, const char *fn, void *dst, const void *src)
{
    size_t full = info->sizes[info->current - 1];
    memset(dst, 0, full);
    if (!src) {
        memcpy(dst, &info->current, sizeof(info->current));
        return VO_OK;
    }
    int rc = vo__struct_check(info, fn, src);
    if (rc != VO_OK)
        return rc;
    unsigned int version;
    memcpy(&version, src, sizeof(version));
    memcpy(dst, src, info->sizes[version - 1]);
    return VO_OK;
}

int vo__struct_out(const vo__struct_info *info, const char *fn, void *dst, const void *full)
{
    int rc = vo__struct_check(info, fn, dst);
    if (rc != VO_OK)
        return rc;
    unsigned int version;
    memcpy(&version, dst, sizeof(version));
    size_t n = info->sizes[version - 1];
    /* Every byte of the caller's version after its version field; the field stays. */
    memcpy((unsigned char *)dst + sizeof(version),
           (const unsigned char *)full + sizeof(version), n - sizeof(version));
    return VO_OK;
}

/* ---- sizes and limits a caller must know, one function per public macro ---------------- */

size_t vo_error_message_size(void)
{
    return VO_ERROR_MESSAGE_SIZE;
}

size_t vo_error_id_size(void)
{
    return VO_ERROR_ID_SIZE;
}

size_t vo_correlation_id_size(void)
{
    return VO_CORRELATION_ID_SIZE;
}

/* ---- the table -------------------------------------------------------------------------- */

/*
 * The table: one line per struct and its exported vo_<struct>_init(). The sizes list has
 * one entry per version; when a struct grows to version 2, its line becomes
 * (type, 2, offsetof(type, first_v2_field), sizeof(type)).
 */
#define VO__STRUCT_DEFINE(type, current_version, ...)                             \
  static const size_t type##_sizes_[] = {__VA_ARGS__};                            \
  _Static_assert(sizeof(type##_sizes_) / sizeof(size_t) == (current_version),     \
                 #type ": one size per version");                                 \
  const vo__struct_info type##_info_ = {#type, (current_version), type##_sizes_}; \
  int type##_init(type *ptr, unsigned int version)                                \
  {                                                                               \
    return vo__struct_init(&type##_info_, ptr, version);                          \
  }

VO__STRUCT_DEFINE(vo_http_options, VO_HTTP_OPTIONS_VERSION, sizeof(vo_http_options))
VO__STRUCT_DEFINE(vo_http_request, VO_HTTP_REQUEST_VERSION, sizeof(vo_http_request))
VO__STRUCT_DEFINE(vo_http_stats, VO_HTTP_STATS_VERSION, sizeof(vo_http_stats))
VO__STRUCT_DEFINE(vo_webhook_request, VO_WEBHOOK_REQUEST_VERSION, sizeof(vo_webhook_request))
VO__STRUCT_DEFINE(vo_webhook_twilio_options, VO_WEBHOOK_TWILIO_OPTIONS_VERSION,
                  sizeof(vo_webhook_twilio_options))
VO__STRUCT_DEFINE(vo_webhook_vapi_options, VO_WEBHOOK_VAPI_OPTIONS_VERSION,
                  sizeof(vo_webhook_vapi_options))
VO__STRUCT_DEFINE(vo_vault_options, VO_VAULT_OPTIONS_VERSION, sizeof(vo_vault_options))
VO__STRUCT_DEFINE(vo_twilio_options, VO_TWILIO_OPTIONS_VERSION,
                  offsetof(vo_twilio_options, allow_insecure_http), sizeof(vo_twilio_options))
VO__STRUCT_DEFINE(vo_vapi_options, VO_VAPI_OPTIONS_VERSION,
                  offsetof(vo_vapi_options, allow_insecure_http), sizeof(vo_vapi_options))
VO__STRUCT_DEFINE(vo_vapi_list_options, VO_VAPI_LIST_OPTIONS_VERSION,
                  sizeof(vo_vapi_list_options))
VO__STRUCT_DEFINE(vo_vapi_assistant_params, VO_VAPI_ASSISTANT_PARAMS_VERSION,
                  sizeof(vo_vapi_assistant_params))
VO__STRUCT_DEFINE(vo_vapi_call_params, VO_VAPI_CALL_PARAMS_VERSION, sizeof(vo_vapi_call_params))
VO__STRUCT_DEFINE(vo_vapi_number_params, VO_VAPI_NUMBER_PARAMS_VERSION,
                  sizeof(vo_vapi_number_params))
VO__STRUCT_DEFINE(vo_public_url_options, VO_PUBLIC_URL_OPTIONS_VERSION,
                  sizeof(vo_public_url_options))
VO__STRUCT_DEFINE(vo_services_options, VO_SERVICES_OPTIONS_VERSION,
                  offsetof(vo_services_options, allow_insecure_http),
                  sizeof(vo_services_options))
VO__STRUCT_DEFINE(vo_number_import_options, VO_NUMBER_IMPORT_OPTIONS_VERSION,
                  sizeof(vo_number_import_options))
VO__STRUCT_DEFINE(vo_webhook_guard_options, VO_WEBHOOK_GUARD_OPTIONS_VERSION,
                  sizeof(vo_webhook_guard_options))
VO__STRUCT_DEFINE(vo_smtp_message, VO_SMTP_MESSAGE_VERSION, sizeof(vo_smtp_message))
VO__STRUCT_DEFINE(vo_smtp_options, VO_SMTP_OPTIONS_VERSION, sizeof(vo_smtp_options))
