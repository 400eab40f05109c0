/*
 * The connection pool: idle libcurl easy handles (one checked out per request; their
 * connections stay open for the next request) and the share handle through which every
 * handle of a client shares DNS answers and TLS sessions.
 */
#include <stdlib.h>

#include "http_internal.h"

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *userp)
{
    (void)h;
    (void)access;
    vo_http_client *c = userp;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
        pthread_mutex_lock(&c->share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *userp)
{
    (void)h;
    vo_http_client *c = userp;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
        pthread_mutex_unlock(&c->share_locks[data]);
}

void vo__http_pool_init(vo_http_client *c)
{
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&c->share_locks[i], NULL);
    pthread_mutex_init(&c->pool_lock, NULL);
}

int vo__http_pool_open(vo_http_client *c)
{
    c->pool = calloc((size_t)c->opts.max_idle_handles + 1, sizeof(CURL *));
    c->share = curl_share_init();
    if (!c->pool || !c->share)
        return vo__error_set(VO_ENOMEM, "out of memory");
    if (curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
        curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
        curl_share_setopt(c->share, CURLSHOPT_USERDATA, c) != CURLSHE_OK ||
        curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
        curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK)
        return vo__error_set(VO_ENETWORK, "libcurl share interface unavailable");
    return VO_OK;
}

void vo__http_pool_close(vo_http_client *c)
{
    if (c->pool)
        for (int i = 0; i < c->pool_len; i++)
            curl_easy_cleanup(c->pool[i]);
    free(c->pool);
    c->pool = NULL;
    c->pool_len = 0;
    if (c->share)
        curl_share_cleanup(c->share);
    c->share = NULL;
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&c->share_locks[i]);
    pthread_mutex_destroy(&c->pool_lock);
}

CURL *vo__http_pool_checkout(vo_http_client *c)
{
    CURL *h = NULL;
    pthread_mutex_lock(&c->pool_lock);
    if (c->pool_len > 0)
        h = c->pool[--c->pool_len];
    pthread_mutex_unlock(&c->pool_lock);
    if (!h)
        h = curl_easy_init(); /* pooled handles were reset at check-in */
    return h;
}

void vo__http_pool_checkin(vo_http_client *c, CURL *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&c->pool_lock);
    if (c->pool_len < c->opts.max_idle_handles) {
        c->pool[c->pool_len++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&c->pool_lock);
    if (h)
        curl_easy_cleanup(h);
}
