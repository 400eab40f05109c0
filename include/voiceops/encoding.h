/**
 * @file voiceops/encoding.h
 * @brief Base64 and hex helpers (libsodium underneath). Decoding is strict: canonical
 * padding, no whitespace, no stray characters, non-zero trailing bits rejected.
 */
#ifndef VOICEOPS_ENCODING_H
#define VOICEOPS_ENCODING_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vo_base64_variant {
    VO_BASE64_STANDARD = 0,       /**< RFC 4648 section 4, with `=` padding */
    VO_BASE64_STANDARD_NOPAD = 1, /**< the same alphabet, no padding */
    VO_BASE64_URLSAFE = 2,        /**< RFC 4648 section 5 (`-` and `_`), with padding */
    VO_BASE64_URLSAFE_NOPAD = 3   /**< URL-safe alphabet, no padding */
} vo_base64_variant;

/**
 * Size of the buffer needed to base64-encode bin_len bytes, including the NUL terminator.
 * @return 0 for an unknown variant.
 */
VO_EXTERN size_t vo_base64_encoded_size(size_t bin_len, vo_base64_variant variant);

/**
 * Encode bytes as NUL-terminated base64.
 * @return VO_OK, VO_ERANGE when out_size < vo_base64_encoded_size(), VO_EINVAL on NULL
 *         arguments (bin may be NULL when bin_len is 0) or an unknown variant.
 */
VO_EXTERN int vo_base64_encode(char *out, size_t out_size, const unsigned char *bin,
                               size_t bin_len, vo_base64_variant variant);

/**
 * Decode base64 text of length b64_len.
 * @param out_len  receives the number of bytes written; may be NULL.
 * @return VO_OK, VO_EPARSE on non-canonical or invalid input, VO_ERANGE when out is too
 *         small, VO_EINVAL on NULL arguments.
 */
VO_EXTERN int vo_base64_decode(unsigned char *out, size_t out_size, size_t *out_len,
                               const char *b64, size_t b64_len, vo_base64_variant variant);

/** Encode bytes as NUL-terminated lowercase hex; out_size must be at least 2*bin_len+1. */
VO_EXTERN int vo_hex_encode(char *out, size_t out_size, const unsigned char *bin,
                            size_t bin_len);

/**
 * Decode hex text (either case, even length, nothing else).
 * @return VO_OK, VO_EPARSE, VO_ERANGE or VO_EINVAL as for vo_base64_decode().
 */
VO_EXTERN int vo_hex_decode(unsigned char *out, size_t out_size, size_t *out_len,
                            const char *hex, size_t hex_len);

#ifdef __cplusplus
}
#endif

#endif /* VOICEOPS_ENCODING_H */
