/* Reading fields of provider JSON documents (cJSON), shared by the REST clients. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "internal.h"

const cJSON *vo__json_path(const cJSON *obj, const char *name)
{
    if (!obj || !name)
        return NULL;
    const char *dot = strchr(name, '.');
    if (!dot)
        return cJSON_GetObjectItemCaseSensitive(obj, name);
    char head[64];
    size_t n = (size_t)(dot - name);
    if (n >= sizeof(head))
        return NULL;
    memcpy(head, name, n);
    head[n] = '\0';
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(obj, head);
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, dot + 1) : NULL;
}

const char *vo__json_str(const cJSON *obj, const char *name)
{
    const cJSON *v = vo__json_path(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int vo__json_int(const cJSON *obj, const char *name, long long *out, bool decimal_strings)
{
    const cJSON *v = vo__json_path(obj, name);
    if (!v || cJSON_IsNull(v))
        return vo__error_set(VO_ENOTFOUND, "field '%s' is absent", name);
    if (cJSON_IsNumber(v) && v->valuedouble <= 9.2e18 && v->valuedouble >= -9.2e18) {
        *out = (long long)v->valuedouble;
        return VO_OK;
    }
    if (decimal_strings && cJSON_IsString(v) && v->valuestring[0]) {
        char *end;
        errno = 0;
        long long x = strtoll(v->valuestring, &end, 10);
        if (*end == '\0' && errno == 0) {
            *out = x;
            return VO_OK;
        }
    }
    return vo__error_set(VO_EPARSE, "field '%s' is not an integer", name);
}

int vo__json_bool(const cJSON *obj, const char *name, int *out)
{
    const cJSON *v = vo__json_path(obj, name);
    if (!v || cJSON_IsNull(v))
        return vo__error_set(VO_ENOTFOUND, "field '%s' is absent", name);
    if (!cJSON_IsBool(v))
        return vo__error_set(VO_EPARSE, "field '%s' is not a boolean", name);
    *out = cJSON_IsTrue(v) ? 1 : 0;
    return VO_OK;
}
