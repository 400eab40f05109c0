/* Shared body of fuzz_twilio_error and fuzz_vapi_error: a provider's error answer through
 * vo__rest_describe_error() (lib/rest), which runs the provider's read_error. Input: byte 0
 * picks the HTTP status, then the body, a NUL, and a Location header value. Checks that the
 * client's secret never survives into the message or more_info, and that the code is a
 * VO_E* error. */
#ifndef VO_FUZZ_REST_ERROR_H
#define VO_FUZZ_REST_ERROR_H

#include "fuzz_util.h"
#include "rest/rest_internal.h"

static const int fuzz_statuses[] = {301, 302, 307, 400, 401, 403, 404, 408, 409,
                                    412, 422, 429, 500, 502, 503, 504, 100, 299};

static inline int fuzz_rest_error(const vo__rest_provider *p, const uint8_t *data, size_t size)
{
    fuzz_init();
    if (size < 1)
        return 0;
    int status = fuzz_statuses[data[0] % (sizeof(fuzz_statuses) / sizeof(fuzz_statuses[0]))];
    fuzz_fields ff;
    fuzz_split(&ff, data + 1, size - 1, 2);
    static const char *const secrets[] = {"s3cretKEYvalue42", "Ab1"};
    vo__rest_failure f;
    vo__rest_describe_error(&f, p, status, ff.f[0], ff.len[0], ff.n > 1 ? ff.f[1] : NULL, "GET",
                            "/fuzz?x=1", secrets, 2);
    if (f.code >= 0 || !f.message[0])
        abort();
    if (strstr(f.message, secrets[0]) || strstr(f.more_info, secrets[0]) ||
        strstr(f.message, secrets[1]) || strstr(f.more_info, secrets[1]))
        abort();
    /* the message names the provider first (server text comes after it) */
    if (strncmp(f.message, p->name, strlen(p->name)) != 0)
        abort();
    fuzz_free(&ff);
    return 0;
}

#endif
