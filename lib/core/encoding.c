/* Base64 and hex on top of libsodium's constant-time codecs. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "voiceops/encoding.h"
#include "internal.h"

static int sodium_variant(vo_base64_variant v)
{
    switch (v) {
    case VO_BASE64_STANDARD: return sodium_base64_VARIANT_ORIGINAL;
    case VO_BASE64_STANDARD_NOPAD: return sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
    case VO_BASE64_URLSAFE: return sodium_base64_VARIANT_URLSAFE;
    case VO_BASE64_URLSAFE_NOPAD: return sodium_base64_VARIANT_URLSAFE_NO_PADDING;
    }
    return -1;
}

size_t vo_base64_encoded_size(size_t bin_len, vo_base64_variant variant)
{
    int v = sodium_variant(variant);
    if (v < 0 || bin_len > (SIZE_MAX / 4) * 3 - 3)
        return 0;
    return sodium_base64_encoded_len(bin_len, v);
}

int vo_base64_encode(char *out, size_t out_size, const unsigned char *bin, size_t bin_len,
                     vo_base64_variant variant)
{
    int v = sodium_variant(variant);
    if (!out || (!bin && bin_len) || v < 0)
        return vo__error_set(VO_EINVAL, "vo_base64_encode: invalid argument");
    size_t need = vo_base64_encoded_size(bin_len, variant);
    if (need == 0)
        return vo__error_set(VO_ETOOBIG, "vo_base64_encode: input too large");
    if (out_size < need)
        return vo__error_set(VO_ERANGE, "vo_base64_encode: output buffer needs %zu bytes",
                             need);
    static const unsigned char empty = 0;
    sodium_bin2base64(out, out_size, bin ? bin : &empty, bin_len, v);
    return VO_OK;
}

int vo_base64_decode(unsigned char *out, size_t out_size, size_t *out_len, const char *b64,
                     size_t b64_len, vo_base64_variant variant)
{
    int v = sodium_variant(variant);
    if (out_len)
        *out_len = 0;
    if ((!out && out_size) || (!b64 && b64_len) || v < 0)
        return vo__error_set(VO_EINVAL, "vo_base64_decode: invalid argument");
    if (b64_len == 0)
        return VO_OK;
    /* Upper bound of the decoded size, to tell "too small" from "malformed". */
    size_t max = (b64_len / 4) * 3 + ((b64_len % 4) ? 3 : 0);
    size_t n = 0;
    const char *end = NULL;
    if (out_size < max) {
        /* Decode into a scratch buffer large enough, then check it fits. The scratch may
         * hold key material: it is wiped before it is released. */
        unsigned char small[256];
        unsigned char *scratch = max <= sizeof(small) ? small : malloc(max);
        if (!scratch)
            return vo__error_set(VO_ENOMEM, "out of memory");
        int r = sodium_base642bin(scratch, max, b64, b64_len, NULL, &n, &end, v);
        int rc = VO_OK;
        if (r != 0 || end != b64 + b64_len)
            rc = vo__error_set(VO_EPARSE, "invalid or non-canonical base64");
        else if (n > out_size)
            rc = vo__error_set(VO_ERANGE, "vo_base64_decode: output buffer needs %zu bytes", n);
        else {
            if (n)
                memcpy(out, scratch, n);
            if (out_len)
                *out_len = n;
        }
        sodium_memzero(scratch, max);
        if (scratch != small)
            free(scratch);
        return rc;
    }
    if (sodium_base642bin(out, out_size, b64, b64_len, NULL, &n, &end, v) != 0 ||
        end != b64 + b64_len)
        return vo__error_set(VO_EPARSE, "invalid or non-canonical base64");
    if (out_len)
        *out_len = n;
    return VO_OK;
}

/* Standard-alphabet base64 values plus one; 0 for any other byte. */
static const unsigned char B64_STD[256] = {
    ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,  ['G'] = 7,
    ['H'] = 8,  ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14,
    ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21,
    ['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28,
    ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35,
    ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
    ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49,
    ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
    ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63,
    ['/'] = 64,
};

int vo__base64_decode_public(unsigned char *out, size_t out_size, size_t *out_len,
                             const char *b64, size_t b64_len)
{
    *out_len = 0;
    if (b64_len % 4)
        return vo__error_set(VO_EPARSE, "invalid or non-canonical base64");
    size_t pad = 0;
    if (b64_len && b64[b64_len - 1] == '=')
        pad = b64[b64_len - 2] == '=' ? 2 : 1;
    size_t n = b64_len / 4 * 3 - pad;
    const unsigned char *in = (const unsigned char *)b64;
    size_t o = 0;
    for (size_t i = 0; i < b64_len; i += 4) {
        size_t data = i + 4 == b64_len ? 4 - pad : 4; /* characters that are not padding */
        /* Table values are the digit plus one (0: not base64); padding counts as digit 0. */
        unsigned v0 = B64_STD[in[i]], v1 = B64_STD[in[i + 1]];
        unsigned v2 = data > 2 ? B64_STD[in[i + 2]] : 1u,
                 v3 = data > 3 ? B64_STD[in[i + 3]] : 1u;
        if (!v0 | !v1 | !v2 | !v3)
            return vo__error_set(VO_EPARSE, "invalid or non-canonical base64");
        uint32_t acc = (v0 - 1) << 18 | (v1 - 1) << 12 | (v2 - 1) << 6 | (v3 - 1);
        /* canonical: the bits below the last whole byte are zero */
        if ((data == 3 && (acc & 0xffu)) || (data == 2 && (acc & 0xffffu)))
            return vo__error_set(VO_EPARSE, "invalid or non-canonical base64");
        for (size_t k = 0; k + 1 < data; k++, o++)
            if (o < out_size) /* malformed input is reported as such, even when too long */
                out[o] = (unsigned char)(acc >> (16 - 8 * k));
    }
    if (n > out_size)
        return vo__error_set(VO_ERANGE, "output buffer needs %zu bytes", n);
    *out_len = o;
    return VO_OK;
}

int vo_hex_encode(char *out, size_t out_size, const unsigned char *bin, size_t bin_len)
{
    if (!out || (!bin && bin_len))
        return vo__error_set(VO_EINVAL, "vo_hex_encode: invalid argument");
    if (bin_len > (SIZE_MAX - 1) / 2)
        return vo__error_set(VO_ETOOBIG, "vo_hex_encode: input too large");
    if (out_size < bin_len * 2 + 1)
        return vo__error_set(VO_ERANGE, "vo_hex_encode: output buffer needs %zu bytes",
                             bin_len * 2 + 1);
    static const unsigned char empty = 0;
    sodium_bin2hex(out, out_size, bin ? bin : &empty, bin_len);
    return VO_OK;
}

int vo_hex_decode(unsigned char *out, size_t out_size, size_t *out_len, const char *hex,
                  size_t hex_len)
{
    if (out_len)
        *out_len = 0;
    if ((!out && out_size) || (!hex && hex_len))
        return vo__error_set(VO_EINVAL, "vo_hex_decode: invalid argument");
    if (hex_len % 2)
        return vo__error_set(VO_EPARSE, "invalid hex: odd length");
    if (out_size < hex_len / 2) {
        /* Validate first so that malformed input is reported as such. */
        for (size_t i = 0; i < hex_len; i++) {
            unsigned char c = (unsigned char)hex[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
                return vo__error_set(VO_EPARSE, "invalid hex digit");
        }
        return vo__error_set(VO_ERANGE, "vo_hex_decode: output buffer needs %zu bytes",
                             hex_len / 2);
    }
    size_t n = 0;
    const char *end = NULL;
    if (hex_len && (sodium_hex2bin(out, out_size, hex, hex_len, NULL, &n, &end) != 0 ||
                    end != hex + hex_len))
        return vo__error_set(VO_EPARSE, "invalid hex digit");
    if (out_len)
        *out_len = n;
    return VO_OK;
}
