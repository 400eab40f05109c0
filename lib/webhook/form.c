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

/* Index of the lowest set bit of m (m != 0). */
static inline unsigned lowest_bit(uint64_t m)
{
#if defined(__GNUC__)
    return (unsigned)__builtin_ctzll(m);
#else
    unsigned k = 0;
    while (!(m & 1)) {
        m >>= 1;
        k++;
    }
    return k;
#endif
}

/*
 * The special bytes (& = % + NUL) of in[base, base + 64) as bits, bit k for in[base + k];
 * bytes at or past len are left out. Whole windows are tested 16 bytes at a time (SSE2,
 * which every x86-64 has); the last partial window and other machines byte by byte.
 */
#if defined(__SSE2__)
static inline uint64_t special_mask64(const unsigned char *p)
{
    const __m128i amp = _mm_set1_epi8('&'), eq = _mm_set1_epi8('='), pct = _mm_set1_epi8('%'),
                  plus = _mm_set1_epi8('+'), zero = _mm_setzero_si128();
    uint64_t m = 0;
    for (int b = 0; b < 4; b++) {
        __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * b));
        __m128i sp = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(w, amp), _mm_cmpeq_epi8(w, eq)),
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(w, pct), _mm_cmpeq_epi8(w, plus)),
                         _mm_cmpeq_epi8(w, zero)));
        m |= (uint64_t)(unsigned)_mm_movemask_epi8(sp) << (16 * b);
    }
    return m;
}
#endif

static inline uint64_t special_mask(const unsigned char *in, size_t len, size_t base)
{
    size_t avail = len - base;
    uint64_t m = 0;
#if defined(__SSE2__)
    if (avail >= 64)
        return special_mask64(in + base);
    if (avail > 0 && len >= 64) {
        /* The last partial window of a longer text: the 64 bytes that end the text, tested
         * whole, shifted so that bit 0 is in[base] (nothing is read past the end). */
        return special_mask64(in + len - 64) >> (64 - avail);
    }
#endif

    size_t n = avail < 64 ? avail : 64;
    for (size_t k = 0; k < n; k++)
        if (FORM_CLASS[in[base + k]] != C_PLAIN)
            m |= (uint64_t)1 << k;
    return m;
}

/*
 * Copy a run of n ordinary bytes; avail input bytes remain from src. Whole blocks of 16 are
 * stored only while 16 input bytes remain, so the writes stay within the decoded text's
 * bound (the decoded text is never longer than its input, plus the NULs of the vo_form
 * layout); the bytes stored past n are overwritten by what follows.
 */
static inline void copy_run(char *out, const unsigned char *src, size_t n, size_t avail)
{
    size_t k = 0;
#if defined(__SSE2__)
    if (avail >= 32) {
        /* Most names and values are shorter than 32 bytes: one copy of 32 without a loop
         * whose trip count the branch predictor would have to guess for each run. */
        _mm_storeu_si128((__m128i *)(void *)out,
                         _mm_loadu_si128((const __m128i *)(const void *)src));
        _mm_storeu_si128((__m128i *)(void *)(out + 16),
                         _mm_loadu_si128((const __m128i *)(const void *)(src + 16)));
        if (n <= 32)
            return;
        k = 32;
    }
    for (; k < n && avail - k >= 16; k += 16)
        _mm_storeu_si128((__m128i *)(void *)(out + k),
                         _mm_loadu_si128((const __m128i *)(const void *)(src + k)));
#endif
    if (k < n)
        memcpy(out + k, src + k, n - k);
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
    /* The special bytes are found 64 at a time (a bit mask per window); the ordinary run
     * before each is copied whole, then the special byte is handled. */
    size_t i = 0, base = 0;
    uint64_t mask = len ? special_mask(in, len, 0) : 0;
    for (;;) {
        while (!mask && base + 64 < len)
            mask = special_mask(in, len, base += 64);
        size_t j = len; /* the next special byte, or the end */
        if (mask) {
            j = base + lowest_bit(mask);
            mask &= mask - 1;
        }
        copy_run(o, in + i, j - i, len - i);
        o += j - i;
        i = j + 1;
        unsigned cls = j == len ? C_AMP : FORM_CLASS[in[j]];
        switch (cls) {
        case C_AMP: {
            if (o == name && !value) /* empty segment */
                break;
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
            if (n == VO_FORM_MAX_PARAMS || n == max_pairs) {
                *count = n;
                return vo__error_set(VO_EPARSE, "form body has more than %d parameters",
                                     VO_FORM_MAX_PARAMS);
            }
            pairs[n++] = (vo__pair){name, value, name_len, value_len};
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
            /* the two hex digits are never special bytes: the mask has no bits for them */
            if (len - j < 3 || !is_hex(in[j + 1]) || !is_hex(in[j + 2])) {
                *count = n;
                return vo__error_set(VO_EPARSE, "form body has an invalid percent-escape");
            }
            unsigned char c = (unsigned char)(HEX[in[j + 1]] << 4 | HEX[in[j + 2]]);
            if (c == 0) {
                *count = n;
                return vo__error_set(VO_EPARSE, "form body has an escaped NUL byte (%%00)");
            }
            *o++ = (char)c;
            i = j + 3;
            break;
        }
        case C_PLUS: *o++ = ' '; break;
        default: *count = n; return vo__error_set(VO_EPARSE, "form body has a NUL byte");
        }
        if (j == len)
            break;
    }
    *count = n; /* kept in a register in the loop: `store` may alias it */
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
