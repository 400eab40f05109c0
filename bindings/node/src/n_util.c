/* Argument conversion between JS values and C. */
#include "addon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vn_wipe_free(char *s)
{
    if (!s)
        return;
    explicit_bzero(s, strlen(s));
    free(s);
}

int vn_is_nullish(napi_env env, napi_value v)
{
    napi_valuetype t;
    if (!v || napi_typeof(env, v, &t) != napi_ok)
        return 1;
    return t == napi_undefined || t == napi_null;
}

static int type_error(napi_env env, const char *what, const char *expected)
{
    char msg[256];
    snprintf(msg, sizeof(msg), "%s must be %s", what, expected);
    vn_throw_type(env, msg);
    return -1;
}

int vn_str(napi_env env, napi_value v, const char *what, int optional, char **out)
{
    *out = NULL;
    if (optional && vn_is_nullish(env, v))
        return 0;
    size_t len = 0;
    if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok)
        return type_error(env, what, optional ? "a string or null" : "a string");
    char *s = malloc(len + 1);
    if (!s) {
        vn_throw_code(env, VO_ENOMEM, "out of memory");
        return -1;
    }
    napi_get_value_string_utf8(env, v, s, len + 1, &len);
    if (strlen(s) != len) { /* an embedded NUL would silently cut the string in C */
        explicit_bzero(s, len);
        free(s);
        return type_error(env, what, "a string without NUL characters");
    }
    *out = s;
    return 0;
}

int vn_prop_get(napi_env env, napi_value obj, const char *name, napi_value *out)
{
    *out = NULL;
    if (vn_is_nullish(env, obj))
        return 0;
    napi_valuetype t;
    napi_typeof(env, obj, &t);
    if (t != napi_object)
        return type_error(env, "options", "an object");
    if (napi_get_named_property(env, obj, name, out) != napi_ok)
        return -1;
    return 0;
}

int vn_prop_str(napi_env env, napi_value obj, const char *name, char **out)
{
    napi_value v;
    *out = NULL;
    if (vn_prop_get(env, obj, name, &v))
        return -1;
    if (!v || vn_is_nullish(env, v))
        return 0;
    return vn_str(env, v, name, 1, out);
}

/* A number, read in one call (the common case), or a BigInt, or nullish when `optional`
 * (then *out is left as it is). */
static int int64_of(napi_env env, napi_value v, const char *what, int64_t *out, int optional)
{
    double d;
    if (napi_get_value_double(env, v, &d) == napi_ok) {
        if (d != d || d < -9007199254740991.0 || d > 9007199254740991.0 ||
            (double)(int64_t)d != d)
            return type_error(env, what, "an integer");
        *out = (int64_t)d;
        return 0;
    }
    if (optional && vn_is_nullish(env, v))
        return 0;
    napi_valuetype t;
    if (v && napi_typeof(env, v, &t) == napi_ok && t == napi_bigint) {
        bool lossless;
        if (napi_get_value_bigint_int64(env, v, out, &lossless) == napi_ok && lossless)
            return 0;
        return type_error(env, what, "an integer in the int64 range");
    }
    return type_error(env, what, "an integer");
}

int vn_int64(napi_env env, napi_value v, const char *what, int64_t *out)
{
    return int64_of(env, v, what, out, 0);
}

int vn_opt_int64(napi_env env, napi_value v, const char *what, int64_t *out)
{
    return int64_of(env, v, what, out, 1);
}

int vn_prop_int64(napi_env env, napi_value obj, const char *name, int64_t *out, int64_t dflt)
{
    napi_value v;
    *out = dflt;
    if (vn_prop_get(env, obj, name, &v))
        return -1;
    return vn_opt_int64(env, v, name, out);
}

int vn_prop_bool(napi_env env, napi_value obj, const char *name, int *out)
{
    napi_value v;
    *out = 0;
    if (vn_prop_get(env, obj, name, &v))
        return -1;
    if (!v || vn_is_nullish(env, v))
        return 0;
    bool b;
    if (napi_get_value_bool(env, v, &b) != napi_ok)
        return type_error(env, name, "a boolean");
    *out = b ? 1 : 0;
    return 0;
}

int vn_bytes_view(napi_env env, napi_value v, const char *what, const unsigned char **out,
                  size_t *len, char **tmp)
{
    *tmp = NULL;
    bool is = false;
    if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
        napi_typedarray_type type;
        size_t n;
        void *data;
        /* data already points at the view's first byte: no ArrayBuffer or offset needed */
        napi_get_typedarray_info(env, v, &type, &n, &data, NULL, NULL);
        if (type != napi_uint8_array && type != napi_int8_array &&
            type != napi_uint8_clamped_array)
            return type_error(env, what, "a Buffer, a Uint8Array or a string");
        *out = data ? data : (const unsigned char *)"";
        *len = n;
        return 0;
    }
    napi_valuetype t;
    napi_typeof(env, v, &t);
    if (t == napi_string) {
        size_t n = 0;
        napi_get_value_string_utf8(env, v, NULL, 0, &n);
        char *s = malloc(n + 1);
        if (!s) {
            vn_throw_code(env, VO_ENOMEM, "out of memory");
            return -1;
        }
        napi_get_value_string_utf8(env, v, s, n + 1, &n);
        *tmp = s;
        *out = (const unsigned char *)s;
        *len = n;
        return 0;
    }
    if (t == napi_undefined || t == napi_null) {
        *out = (const unsigned char *)"";
        *len = 0;
        return 0;
    }
    return type_error(env, what, "a Buffer, a Uint8Array or a string");
}

int vn_bytes_copy(napi_env env, napi_value v, const char *what, unsigned char **out,
                  size_t *len)
{
    const unsigned char *p;
    char *tmp;
    *out = NULL;
    if (vn_bytes_view(env, v, what, &p, len, &tmp))
        return -1;
    if (tmp) {
        *out = (unsigned char *)tmp;
        return 0;
    }
    *out = malloc(*len + 1);
    if (!*out) {
        vn_throw_code(env, VO_ENOMEM, "out of memory");
        return -1;
    }
    memcpy(*out, p, *len);
    (*out)[*len] = 0;
    return 0;
}

void vn_str_array_free(char **arr, size_t count)
{
    if (!arr)
        return;
    for (size_t i = 0; i < count; i++)
        vn_wipe_free(arr[i]);
    free(arr);
}

int vn_str_array(napi_env env, napi_value v, const char *what, char ***out, size_t *count)
{
    *out = NULL;
    *count = 0;
    bool is = false;
    napi_valuetype t;
    napi_typeof(env, v, &t);
    if (t == napi_string) { /* one string is an array of one */
        char **arr = calloc(1, sizeof(char *));
        if (!arr || vn_str(env, v, what, 0, &arr[0])) {
            free(arr);
            return -1;
        }
        *out = arr;
        *count = 1;
        return 0;
    }
    if (napi_is_array(env, v, &is) != napi_ok || !is)
        return type_error(env, what, "an array of strings");
    uint32_t n = 0;
    napi_get_array_length(env, v, &n);
    char **arr = calloc(n ? n : 1, sizeof(char *));
    if (!arr) {
        vn_throw_code(env, VO_ENOMEM, "out of memory");
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        napi_value e;
        napi_get_element(env, v, i, &e);
        if (vn_str(env, e, what, 0, &arr[i])) {
            vn_str_array_free(arr, i);
            return -1;
        }
    }
    *out = arr;
    *count = n;
    return 0;
}

void vn_params_free(vo_param *params, char **store, size_t count)
{
    vn_str_array_free(store, count * 2);
    free(params);
}

/* [[name, value], ...] or { name: value, ... } (a value that is an array repeats the name). */
int vn_params(napi_env env, napi_value v, const char *what, vo_param **out, char ***store,
              size_t *count)
{
    *out = NULL;
    *store = NULL;
    *count = 0;
    if (vn_is_nullish(env, v))
        return 0;
    bool is_array = false;
    napi_is_array(env, v, &is_array);
    napi_value pairs = v;
    if (!is_array) {
        napi_valuetype t;
        napi_typeof(env, v, &t);
        if (t != napi_object)
            return type_error(env, what, "an array of [name, value] pairs or an object");
        /* Object.entries, flattening array values */
        napi_value keys;
        napi_get_property_names(env, v, &keys);
        uint32_t nk = 0;
        napi_get_array_length(env, keys, &nk);
        napi_create_array(env, &pairs);
        uint32_t k = 0;
        for (uint32_t i = 0; i < nk; i++) {
            napi_value key, val;
            napi_get_element(env, keys, i, &key);
            napi_get_property(env, v, key, &val);
            bool va = false;
            napi_is_array(env, val, &va);
            uint32_t nv = 1;
            if (va)
                napi_get_array_length(env, val, &nv);
            for (uint32_t j = 0; j < nv; j++) {
                napi_value pair, item = val;
                if (va)
                    napi_get_element(env, val, j, &item);
                napi_create_array_with_length(env, 2, &pair);
                napi_set_element(env, pair, 0, key);
                napi_set_element(env, pair, 1, item);
                napi_set_element(env, pairs, k++, pair);
            }
        }
    }
    uint32_t n = 0;
    napi_get_array_length(env, pairs, &n);
    vo_param *params = calloc(n ? n : 1, sizeof(vo_param));
    char **st = calloc(n ? 2 * (size_t)n : 1, sizeof(char *));
    if (!params || !st) {
        free(params);
        free(st);
        vn_throw_code(env, VO_ENOMEM, "out of memory");
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        napi_value pair, name, val;
        bool pa = false;
        napi_get_element(env, pairs, i, &pair);
        napi_is_array(env, pair, &pa);
        if (!pa) {
            vn_params_free(params, st, n);
            return type_error(env, what, "an array of [name, value] pairs or an object");
        }
        napi_get_element(env, pair, 0, &name);
        napi_get_element(env, pair, 1, &val);
        napi_valuetype vt;
        napi_typeof(env, val, &vt);
        if (vt == napi_number || vt == napi_boolean || vt == napi_bigint)
            napi_coerce_to_string(env, val, &val);
        if (vn_str(env, name, "a parameter name", 0, &st[2 * i]) ||
            vn_str(env, val, "a parameter value", 0, &st[2 * i + 1])) {
            vn_params_free(params, st, n);
            return -1;
        }
        params[i].name = st[2 * i];
        params[i].value = st[2 * i + 1];
    }
    *out = params;
    *store = st;
    *count = n;
    return 0;
}

napi_value vn_string(napi_env env, const char *s)
{
    napi_value v;
    if (!s)
        return vn_null(env);
    napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
    return v;
}

napi_value vn_int(napi_env env, int64_t v)
{
    napi_value r;
    napi_create_int64(env, v, &r);
    return r;
}

napi_value vn_bool(napi_env env, int v)
{
    napi_value r;
    napi_get_boolean(env, v != 0, &r);
    return r;
}

napi_value vn_undefined(napi_env env)
{
    napi_value r;
    napi_get_undefined(env, &r);
    return r;
}

napi_value vn_null(napi_env env)
{
    napi_value r;
    napi_get_null(env, &r);
    return r;
}

napi_value vn_object(napi_env env)
{
    napi_value r;
    napi_create_object(env, &r);
    return r;
}

void vn_set(napi_env env, napi_value obj, const char *name, napi_value v)
{
    napi_set_named_property(env, obj, name, v);
}

void vn_set_str(napi_env env, napi_value obj, const char *name, const char *s)
{
    vn_set(env, obj, name, vn_string(env, s));
}

void vn_set_int(napi_env env, napi_value obj, const char *name, int64_t v)
{
    vn_set(env, obj, name, vn_int(env, v));
}
