/* application/x-www-form-urlencoded parsing, shared by every verifier and binding. */
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#  include <emmintrin.h>
#endif

#include "webhook_internal.h"

/* Hex digit values; 0xff for anything else. */
static const unsigned char HEX[256] = {
    ['0'] = 0,  ['1'] = 1,  ['2'] = 2,  ['3'] = 3,  ['4'] = 4,  ['5'] = 5,
    ['6'] = 6,  ['7'] = 7,  ['8'] = 8,  ['9'] = 9,  ['a'] = 10, ['b'] = 11,
    ['c'] = 12, ['d'] = 13, ['e'] = 14, ['f'] = 15, ['A'] = 10, ['B'] = 11,
    ['C'] = 12, ['D'] = 13, ['E'] = 14, ['F'] = 15,
};

static bool is_hex(unsigned char c)
{
    return HEX[c] != 0 || c == '0';
}

/* Byte classes of the one-pass form decoder. */
enum {
    C_PLAIN = 0,
    C_AMP,
    C_EQ,
    C_PCT,
    C_PLUS,
    C_NUL
};
static const unsigned char FORM_CLASS[256] = {
    [0] = C_NUL, ['&'] = C_AMP, ['='] = C_EQ, ['%'] = C_PCT, ['+'] = C_PLUS,
};

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Bits set at the bytes of x equal to b (exact for the lowest such byte). */
static inline uint64_t bytes_equal(uint64_t x, unsigned char b)
{
    uint64_t y = x ^ (ONES * b);
    return (y - ONES) & ~y & HIGHS;
}

/*
 * Length of the run of ordinary bytes at in[0..avail) (at least 1: in[0] is ordinary),
 * copied to out. Blocks of 16 bytes (SSE2) or words of 8 are tested for the five special
 * bytes at once and copied whole, only while that many input bytes remain, so the writes
 * stay within the decoded text's bound (the decoded text is never longer than its input).
 */
static size_t plain_run(const unsigned char *in, size_t avail, char *out)
{
    size_t k = 0;
#if defined(__SSE2__)
    const __m128i amp = _mm_set1_epi8('&'), eq = _mm_set1_epi8('='), pct = _mm_set1_epi8('%'),
                  plus = _mm_set1_epi8('+'), zero = _mm_setzero_si128();
    while (avail - k >= 16) {
        __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(in + k));
        __m128i sp = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(w, amp), _mm_cmpeq_epi8(w, eq)),
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(w, pct), _mm_cmpeq_epi8(w, plus)),
                         _mm_cmpeq_epi8(w, zero)));
        _mm_storeu_si128((__m128i *)(void *)(out + k), w);
        unsigned mask = (unsigned)_mm_movemask_epi8(sp);
        if (mask)
            return k + (size_t)__builtin_ctz(mask);
        k += 16;
    }
#endif
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (avail - k >= 8) {
        uint64_t w;
        memcpy(&w, in + k, 8);
        uint64_t special = bytes_equal(w, '&') | bytes_equal(w, '=') | bytes_equal(w, '%') |
                           bytes_equal(w, '+') | bytes_equal(w, 0);
        memcpy(out + k, &w, 8);
        if (special)
            return k + (size_t)(__builtin_ctzll(special) >> 3);
        k += 8;
    }
#endif
    while (k < avail && FORM_CLASS[in[k]] == C_PLAIN) {
        out[k] = (char)in[k];
        k++;
    }
    return k;
}

size_t vo__form_size(const char *body, size_t len)
{
    (void)body;
    /* At most len/2 + 1 pairs (each non-empty segment plus its separator is >= 2 bytes):
     * the header, the pair array, decoded strings no longer than their encoding, and two
     * NULs per pair. */
    size_t pairs = len / 2 + 1;
    if (pairs > VO_FORM_MAX_PARAMS + 1)
        pairs = VO_FORM_MAX_PARAMS + 1;
    return sizeof(vo_form) + pairs * sizeof(vo__pair) + len + 2 * pairs + 1;
}

/*
 * The one-pass decoder. Pairs go to pairs[0..*count), their names and values to store.
 * With `terminate`, each name and value is followed by a NUL (the vo_form layout); without,
 * they are packed: a pair's value follows its name, and the next pair follows the value.
 * The store needs room for len bytes (+ 2 per pair with `terminate`): the decoded text is
 * never longer than its encoding. Returns VO_OK or VO_EPARSE; *store_len is what was used.
 */
static inline int decode_pairs(vo__pair *pairs, size_t max_pairs, size_t *count, char *store,
                               size_t *store_len, const char *body, size_t len, bool terminate)
{
    size_t n = 0;
    *count = 0;
    const unsigned char *in = (const unsigned char *)body;
    /* One pass: each segment's name then value are decoded straight into the store. */
    char *name = store, *value = NULL;
    char *o = store;
    for (size_t i = 0; i <= len; i++) {
        unsigned cls = i == len ? C_AMP : FORM_CLASS[in[i]];
        if (cls == C_PLAIN) {
            /* Copy the run of ordinary bytes up to the next special one, 16 or 8 at a
             * time where the run is long enough, then handle that byte at once. */
            size_t k = plain_run(in + i, len - i, o);
            o += k;
            i += k;
            cls = i == len ? C_AMP : FORM_CLASS[in[i]];
        }
        switch (cls) {
        case C_AMP: {
            if (o == name && !value) /* empty segment */
                continue;
            size_t name_len, value_len;
            if (!value) { /* no '=': empty value */
                name_len = (size_t)(o - name);
                if (terminate)
                    *o++ = '\0';
                value = o;
            } else {
                name_len = (size_t)(value - name - (terminate ? 1 : 0));
            }
            value_len = (size_t)(o - value);
            if (terminate)
                *o++ = '\0';
            if (n == VO_FORM_MAX_PARAMS || n == max_pairs)
                return vo__error_set(VO_EPARSE, "form body has more than %d parameters",
                                     VO_FORM_MAX_PARAMS);
            pairs[n++] = (vo__pair){name, value, name_len, value_len};
            *count = n;
            name = o;
            value = NULL;
            break;
        }
        case C_EQ:
            if (value) { /* '=' inside a value is data */
                *o++ = '=';
            } else {
                if (terminate)
                    *o++ = '\0';
                value = o;
            }
            break;
        case C_PCT: {
            if (len - i < 3 || !is_hex(in[i + 1]) || !is_hex(in[i + 2]))
                return vo__error_set(VO_EPARSE, "form body has an invalid percent-escape");
            unsigned char c = (unsigned char)(HEX[in[i + 1]] << 4 | HEX[in[i + 2]]);
            if (c == 0)
                return vo__error_set(VO_EPARSE, "form body has an escaped NUL byte (%%00)");
            *o++ = (char)c;
            i += 2;
            break;
        }
        case C_PLUS: *o++ = ' '; break;
        default: return vo__error_set(VO_EPARSE, "form body has a NUL byte");
        }
    }
    *store_len = (size_t)(o - store);
    return VO_OK;
}

/* Decode into f (its handle header is left alone). */
static int decode_body(vo_form *f, size_t size, const char *body, size_t len)
{
    size_t max_pairs = (size - sizeof(vo_form) - len - 1) / (sizeof(vo__pair) + 2);
    size_t used;
    f->n = 0;
    f->owned = false;
    f->pairs = (vo__pair *)(f + 1);
    return decode_pairs(f->pairs, max_pairs, &f->n, (char *)(f->pairs + max_pairs), &used, body,
                        len, true);
}

int vo__form_decode_packed(vo__pair *pairs, size_t max_pairs, size_t *count, char *store,
                           size_t *store_len, const char *body, size_t len)
{
    return decode_pairs(pairs, max_pairs, count, store, store_len, body, len, false);
}

int vo__form_decode_into(vo_form *f, size_t size, const char *body, size_t len)
{
    /* A form in the library's own memory (a stack buffer): tagged so that the public
     * getters accept it, and left alone by vo_form_free(). */
    vo__handle_init_embedded(&f->h, VO__H_FORM);
    return decode_body(f, size, body, len);
}

int vo__form_decode(vo_form **out, const char *body, size_t len, size_t max_len)
{
    *out = NULL;
    if (len > max_len)
        return vo__error_set(VO_ETOOBIG, "form body of %zu bytes exceeds the limit of %zu", len,
                             max_len);
    size_t size = vo__form_size(body, len);
    vo_form *f = vo__handle_new(size, VO__H_FORM, NULL);
    if (!f)
        return vo__error_set(VO_ENOMEM, "out of memory");
    int rc = decode_body(f, size, body, len);
    if (rc != VO_OK) {
        vo__handle_release(f);
        return rc;
    }
    f->owned = true;
    *out = f;
    return VO_OK;
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
    form = vo__handle_or_null(form, VO__H_FORM, "vo_form_count");
    return form ? form->n : 0;
}

const char *vo_form_name(const vo_form *form, size_t i)
{
    form = vo__handle_or_null(form, VO__H_FORM, "vo_form_name");
    return (form && i < form->n) ? form->pairs[i].name : NULL;
}

const char *vo_form_value(const vo_form *form, size_t i)
{
    form = vo__handle_or_null(form, VO__H_FORM, "vo_form_value");
    return (form && i < form->n) ? form->pairs[i].value : NULL;
}

const char *vo_form_get(const vo_form *form, const char *name)
{
    form = vo__handle_or_null(form, VO__H_FORM, "vo_form_get");
    if (!form || !name)
        return NULL;
    for (size_t i = 0; i < form->n; i++)
        if (strcmp(form->pairs[i].name, name) == 0)
            return form->pairs[i].value;
    return NULL;
}

void vo_form_free(vo_form *form)
{
    /* A form the library decoded into its own stack buffer is not freed. */
    if (form && form->h.magic == VO__HANDLE_MAGIC && form->h.embedded)
        return;
    vo__handle_close(form, VO__H_FORM, "vo_form_free");
}
