/* Test helper shared by the vault suites: a toy key provider. */
#ifndef VO_KMS_TESTUTIL_H
#define VO_KMS_TESTUTIL_H

#include <sodium.h>

#include "voiceops.h"

/*
 * A toy key provider (the "KMS") for vo_keyring_add_provider(): wraps data keys with
 * XChaCha20-Poly1305 under pt_kms.key. It counts its calls, records the longest wrapped
 * blob it was handed, and answers pt_kms.fail (a VO_E* code) instead when that is set.
 * Set pt_kms.key with randombytes_buf() before use.
 */
static struct {
    unsigned char key[32];
    int calls;
    int fail;
    size_t max_len;
} pt_kms;

static inline int pt_kms_wrap(unsigned char *out, size_t out_size, size_t *out_len,
                              const unsigned char *key, size_t key_len, const unsigned char *ad,
                              size_t ad_len, void *payload)
{
    (void)payload;
    pt_kms.calls++;
    if (pt_kms.fail)
        return pt_kms.fail;
    if (out_size < 24 + key_len + 16)
        return VO_ERANGE;
    randombytes_buf(out, 24);
    unsigned long long clen;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out + 24, &clen, key, key_len, ad, ad_len, NULL,
                                               out, pt_kms.key);
    *out_len = 24 + (size_t)clen;
    return 0;
}

static inline int pt_kms_unwrap(unsigned char *out, size_t out_size, size_t *out_len,
                                const unsigned char *w, size_t wlen, const unsigned char *ad,
                                size_t ad_len, void *payload)
{
    (void)payload;
    pt_kms.calls++;
    if (wlen > pt_kms.max_len)
        pt_kms.max_len = wlen;
    if (pt_kms.fail)
        return pt_kms.fail;
    unsigned long long mlen;
    if (wlen < 40 || out_size < wlen - 40)
        return VO_ECRYPTO;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &mlen, NULL, w + 24, wlen - 24, ad,
                                                   ad_len, w, pt_kms.key) != 0)
        return VO_ECRYPTO;
    *out_len = (size_t)mlen;
    return 0;
}

#endif
