/* application/x-www-form-urlencoded parsing, shared by every verifier and binding. */
#include <stdlib.h>
#include <string.h>

#include "webhook_internal.h"

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

size_t vo__pct_decode(char *dst, const char *s, size_t len, bool plus_is_space)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= len)
                return (size_t)-1;
            int hi = hexval((unsigned char)s[i + 1]), lo = hexval((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0)
                return (size_t)-1;
            c = (unsigned char)(hi * 16 + lo);
            if (c == 0)
                return (size_t)-1;
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        } else if (c == 0) {
            return (size_t)-1;
        }
        dst[o++] = (char)c;
    }
    dst[o] = '\0';
    return o;
}

int vo__form_decode(vo_form **out, const char *body, size_t len, size_t max_len)
{
    *out = NULL;
    if (len > max_len)
        return vo__error_set(VO_ETOOBIG, "form body of %zu bytes exceeds the limit of %zu",
                             len, max_len);
    size_t segments = 0;
    for (size_t i = 0, start = 0; i <= len; i++) {
        if (i == len || body[i] == '&') {
            if (i > start)
                segments++;
            start = i + 1;
        }
    }
    if (segments > VO_FORM_MAX_PARAMS)
        return vo__error_set(VO_EPARSE, "form body has more than %d parameters",
                             VO_FORM_MAX_PARAMS);
    /* One allocation: the header, the pair array, then decoded strings (each decoded
     * string is no longer than its encoding, plus two NULs per pair). */
    size_t head = sizeof(vo_form) + segments * sizeof(vo__pair);
    vo_form *f = malloc(head + len + 2 * segments + 1);
    if (!f)
        return vo__error_set(VO_ENOMEM, "out of memory");
    f->n = 0;
    f->pairs = (vo__pair *)(f + 1);
    char *store = (char *)f + head;
    for (size_t i = 0, start = 0; i <= len; i++) {
        if (i < len && body[i] != '&')
            continue;
        size_t seg_len = i - start;
        const char *seg = body + start;
        start = i + 1;
        if (seg_len == 0)
            continue;
        const char *eq = memchr(seg, '=', seg_len);
        size_t name_len = eq ? (size_t)(eq - seg) : seg_len;
        size_t value_len = eq ? seg_len - name_len - 1 : 0;
        char *name = store;
        size_t n = vo__pct_decode(name, seg, name_len, true);
        if (n == (size_t)-1)
            goto bad;
        store += n + 1;
        char *value = store;
        size_t v = vo__pct_decode(value, eq ? eq + 1 : "", value_len, true);
        if (v == (size_t)-1)
            goto bad;
        store += v + 1;
        f->pairs[f->n].name = name;
        f->pairs[f->n].value = value;
        f->n++;
    }
    *out = f;
    return VO_OK;
bad:
    free(f);
    return vo__error_set(VO_EPARSE, "form body has an invalid percent-escape or a NUL byte");
}

int vo_form_parse(vo_form **out, const char *body, size_t len)
{
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_form_parse: out is NULL");
    *out = NULL;
    if (!body && len)
        return vo__error_set(VO_EINVAL, "vo_form_parse: body is NULL");
    return vo__form_decode(out, body ? body : "", len, VO_WEBHOOK_DEFAULT_MAX_BODY);
}

size_t vo_form_count(const vo_form *form)
{
    return form ? form->n : 0;
}

const char *vo_form_name(const vo_form *form, size_t i)
{
    return (form && i < form->n) ? form->pairs[i].name : NULL;
}

const char *vo_form_value(const vo_form *form, size_t i)
{
    return (form && i < form->n) ? form->pairs[i].value : NULL;
}

const char *vo_form_get(const vo_form *form, const char *name)
{
    if (!form || !name)
        return NULL;
    for (size_t i = 0; i < form->n; i++)
        if (strcmp(form->pairs[i].name, name) == 0)
            return form->pairs[i].value;
    return NULL;
}

void vo_form_free(vo_form *form)
{
    free(form);
}
