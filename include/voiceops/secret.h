/**
 * @file voiceops/secret.h
 * @brief The vo_secret holder: secret bytes in guarded memory, wiped on free.
 *
 * Secrets handed to the caller (decrypted vault values, generated API secrets) come in a
 * vo_secret. Its bytes live in libsodium's guarded heap (sodium_malloc: guard pages, mlock,
 * excluded from core dumps where the OS allows it) and are wiped by vo_secret_free().
 * The data is always followed by a NUL byte, so text secrets can be read as C strings.
 */
#ifndef VOICEOPS_SECRET_H
#define VOICEOPS_SECRET_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vo_secret vo_secret;

/**
 * Copy len bytes into a new secret holder.
 * @return VO_OK, VO_EINVAL (NULL out, or NULL data with len > 0), VO_ENOMEM,
 *         VO_ENOTINIT before vo_init().
 */
VO_EXTERN int vo_secret_new(vo_secret **out, const void *data, size_t len);

/** Pointer to the secret bytes (NUL-terminated); NULL when s is NULL. Read-only. */
VO_EXTERN const unsigned char *vo_secret_data(const vo_secret *s);

/** The secret bytes as a C string (the same bytes); "" when s is NULL. */
VO_EXTERN const char *vo_secret_str(const vo_secret *s);

/** Length of the secret in bytes, not counting the trailing NUL; 0 when s is NULL. */
VO_EXTERN size_t vo_secret_len(const vo_secret *s);

/**
 * Wipe and release a secret holder. Accepts NULL.
 * Closing or freeing it twice, or passing a handle of another type, is reported
 * (VO_EHANDLE in vo_error_last() and an error log line) and ignored; later calls with it
 * give VO_EHANDLE (docs/handles.md).
 */
VO_EXTERN void vo_secret_free(vo_secret *s);

/**
 * Compare two byte strings in constant time with respect to their contents (the lengths
 * are not secret). @return 1 when equal, 0 otherwise (including NULL arguments).
 */
VO_EXTERN int vo_secure_equal(const void *a, size_t a_len, const void *b, size_t b_len);

#ifdef __cplusplus
}
#endif

#endif /* VOICEOPS_SECRET_H */
