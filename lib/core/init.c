/* Library initialisation: reference-counted vo_init()/vo_shutdown(). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "internal.h"
#include "mac_internal.h"
#include "secure_internal.h"

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static int init_count;                /* guarded by init_lock */
static atomic_bool init_done = false; /* read without the lock on hot paths */

const char *vo_version(int *major, int *minor, int *patch)
{
    if (major)
        *major = VO_VERSION_MAJOR;
    if (minor)
        *minor = VO_VERSION_MINOR;
    if (patch)
        *patch = VO_VERSION_PATCH;
    return VO_VERSION_STRING;
}

int vo_abi_version(void)
{
    return VO_ABI_VERSION;
}

int vo_feature_enabled(const char *name)
{
    if (!name)
        return 0;
    if (strcmp(name, "sqlite") == 0)
        return 1;
    if (strcmp(name, "postgres") == 0) {
#ifdef VO_HAVE_POSTGRES
        return 1;
#else
        return 0;
#endif
    }
    if (strcmp(name, "fuzz") == 0) {
#ifdef VO_FUZZ_BUILD
        return 1;
#else
        return 0;
#endif
    }
    if (strcmp(name, "http2") == 0) {
        const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
        return cv && (cv->features & CURL_VERSION_HTTP2) ? 1 : 0;
    }
    return 0;
}

int vo_init(void)
{
    int rc = VO_OK;
    pthread_mutex_lock(&init_lock);
    if (init_count > 0) {
        init_count++;
        goto out;
    }
    if (sodium_init() < 0) {
        rc = vo__error_set(VO_ECRYPTO, "libsodium failed to initialise");
        goto out;
    }
    CURLcode cc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (cc != CURLE_OK) {
        rc = vo__error_set(VO_ENETWORK, "libcurl failed to initialise: %s",
                           curl_easy_strerror(cc));
        goto out;
    }
    rc = vo__mac_global_init();
    if (rc != VO_OK) {
        curl_global_cleanup();
        goto out;
    }
    init_count = 1;
    atomic_store(&init_done, true);
out:
    pthread_mutex_unlock(&init_lock);
    return rc;
}

int vo_shutdown(void)
{
    int left;
    pthread_mutex_lock(&init_lock);
    if (init_count > 0 && --init_count == 0) {
        atomic_store(&init_done, false);
        vo__mac_global_cleanup();
        vo__secure_pool_drain();
        curl_global_cleanup();
    }
    left = init_count;
    pthread_mutex_unlock(&init_lock);
    return left;
}

int vo_is_initialized(void)
{
    return atomic_load(&init_done) ? 1 : 0;
}

bool vo__initialized(void)
{
    return atomic_load(&init_done);
}

int vo__require_init(void)
{
    if (atomic_load(&init_done))
        return VO_OK;
    return vo__error_set(VO_ENOTINIT, "libvoiceops is not initialised: call vo_init() first");
}
