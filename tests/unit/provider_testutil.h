/* Shared by the Vapi client and services suites: a temporary SQLite vault, tenant
 * credentials, and a log capture to prove that no secret reaches a log line. */
#ifndef VO_PROVIDER_TESTUTIL_H
#define VO_PROVIDER_TESTUTIL_H

#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>

#include "sandbox.h"

static char pt_vault_dir[256], pt_vault_path[300];

static inline void pt_vault_dir_up(const char *tag)
{
    snprintf(pt_vault_dir, sizeof(pt_vault_dir), "/tmp/vo-%s-test-XXXXXX", tag);
    if (!mkdtemp(pt_vault_dir))
        exit(2);
    snprintf(pt_vault_path, sizeof(pt_vault_path), "%s/vault.db", pt_vault_dir);
}

static inline void pt_vault_dir_down(void)
{
    char p[400];
    const char *files[] = {"vault.db", "vault.db-wal", "vault.db-shm", "vault.db-journal"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof(p), "%s/%s", pt_vault_dir, files[i]);
        unlink(p);
    }
    rmdir(pt_vault_dir);
}

static inline vo_vault *pt_vault_open(void)
{
    vo_keyring *kr = NULL;
    ck_assert_vo_ok(vo_keyring_new(&kr));
    unsigned char k[32];
    for (int i = 0; i < 32; i++)
        k[i] = (unsigned char)(i * 7 + 3);
    ck_assert_vo_ok(vo_keyring_add_key(kr, "k1", k, 32));
    vo_vault_options o = VO_VAULT_OPTIONS_INIT;
    o.keyring = kr;
    o.actor = "provider-tests";
    vo_vault *v = NULL;
    ck_assert_vo_ok(vo_vault_open(&v, pt_vault_path, &o));
    vo_keyring_free(kr);
    return v;
}

static inline void pt_tenant(vo_vault *v, const char *tenant)
{
    int rc = vo_vault_tenant_create(v, tenant);
    ck_assert_msg(rc == VO_OK || rc == VO_EEXISTS, "tenant_create: %s", vo_error_name(rc));
}

static inline void pt_store_twilio(vo_vault *v, const char *tenant, const char *sid,
                                   const char *token)
{
    pt_tenant(v, tenant);
    vo_twilio_credentials *c = NULL;
    ck_assert_vo_ok(vo_twilio_credentials_new(&c));
    ck_assert_vo_ok(vo_twilio_credentials_set_account_sid(c, sid));
    ck_assert_vo_ok(vo_twilio_credentials_set_auth_token(c, token));
    ck_assert_vo_ok(vo_twilio_credentials_put(NULL, v, tenant, c, VO_VAULT_ANY_VERSION));
    vo_twilio_credentials_free(c);
}

static inline void pt_store_vapi(vo_vapi_credentials *extra, vo_vault *v, const char *tenant,
                                 const char *key)
{
    pt_tenant(v, tenant);
    vo_vapi_credentials *c = extra;
    if (!c)
        ck_assert_vo_ok(vo_vapi_credentials_new(&c));
    ck_assert_vo_ok(vo_vapi_credentials_set_api_key(c, key));
    ck_assert_vo_ok(vo_vapi_credentials_put(NULL, v, tenant, c, VO_VAULT_ANY_VERSION));
    if (!extra)
        vo_vapi_credentials_free(c);
}

/* ---- log capture --------------------------------------------------------------------- */
static char pt_log[1 << 20];
static size_t pt_log_len;
static pthread_mutex_t pt_log_lock = PTHREAD_MUTEX_INITIALIZER;

static inline void pt_capture(const vo_log_record *r, void *payload)
{
    (void)payload;
    pthread_mutex_lock(&pt_log_lock);
    int n = snprintf(pt_log + pt_log_len, sizeof(pt_log) - pt_log_len, "%s %s %s\n", r->module,
                     r->correlation_id, r->message);
    if (n > 0 && pt_log_len + (size_t)n < sizeof(pt_log))
        pt_log_len += (size_t)n;
    pthread_mutex_unlock(&pt_log_lock);
}

static inline void pt_log_start(void)
{
    pt_log_len = 0;
    pt_log[0] = '\0';
    vo_log_set_callback(pt_capture, VO_LOG_TRACE, NULL);
}

static inline void pt_log_stop(void)
{
    vo_log_set_callback(NULL, VO_LOG_NONE, NULL);
}

#endif
