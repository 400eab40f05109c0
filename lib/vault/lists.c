/* Result lists handed to callers: tenants, secret metadata, audit rows. Plain getters so
 * that ctypes / N-API bindings need not lay out structs. */
#include <stdlib.h>
#include <string.h>

#include "vault_internal.h"

static void audit_list_destroy(void *self);
static void secret_list_destroy(void *self);
static void tenant_list_destroy(void *self);

struct vo_tenant_list {
    vo__handle h;
    size_t n;
    vo__tenant_rec *recs;
};

struct vo_secret_list {
    vo__handle h;
    size_t n;
    vo__head_rec *recs;
};

struct vo_audit_list {
    vo__handle h;
    size_t n;
    vo__audit_rec *recs;
};

int vo__tenant_list_from(vo_tenant_list **out, vo__tenant_rec *recs, size_t n)
{
    vo_tenant_list *l = vo__handle_new(sizeof(*l), VO__H_TENANT_LIST, tenant_list_destroy);
    if (!l) {
        free(recs);
        return vo__error_set(VO_ENOMEM, "out of memory");
    }
    /* Wrapped keys are not part of what callers see. */
    for (size_t i = 0; i < n; i++) {
        memset(recs[i].wrapped, 0, sizeof(recs[i].wrapped));
        recs[i].wrapped_len = 0;
    }
    l->n = n;
    l->recs = recs;
    *out = l;
    return VO_OK;
}

size_t vo_tenant_list_count(const vo_tenant_list *l)
{
    l = vo__handle_or_null(l, VO__H_TENANT_LIST, "vo_tenant_list_count");
    return l ? l->n : 0;
}

const char *vo_tenant_list_id(const vo_tenant_list *l, size_t i)
{
    l = vo__handle_or_null(l, VO__H_TENANT_LIST, "vo_tenant_list_id");
    return l && i < l->n ? l->recs[i].name : NULL;
}

int64_t vo_tenant_list_created_at(const vo_tenant_list *l, size_t i)
{
    l = vo__handle_or_null(l, VO__H_TENANT_LIST, "vo_tenant_list_created_at");
    return l && i < l->n ? l->recs[i].created_ms : 0;
}

const char *vo_tenant_list_kek_id(const vo_tenant_list *l, size_t i)
{
    l = vo__handle_or_null(l, VO__H_TENANT_LIST, "vo_tenant_list_kek_id");
    return l && i < l->n ? l->recs[i].kek_id : NULL;
}

int64_t vo_tenant_list_dek_generation(const vo_tenant_list *l, size_t i)
{
    l = vo__handle_or_null(l, VO__H_TENANT_LIST, "vo_tenant_list_dek_generation");
    return l && i < l->n ? l->recs[i].dek_gen : 0;
}

int64_t vo_tenant_list_secret_count(const vo_tenant_list *l, size_t i)
{
    l = vo__handle_or_null(l, VO__H_TENANT_LIST, "vo_tenant_list_secret_count");
    return l && i < l->n ? l->recs[i].secret_count : -1;
}

static void tenant_list_destroy(void *self)
{
    vo_tenant_list *l = self;
    free(l->recs);
}

void vo_tenant_list_free(vo_tenant_list *l)
{
    vo__handle_close(l, VO__H_TENANT_LIST, "vo_tenant_list_free");
}

int vo__secret_list_from(vo_secret_list **out, vo__head_rec *recs, size_t n)
{
    vo_secret_list *l = vo__handle_new(sizeof(*l), VO__H_SECRET_LIST, secret_list_destroy);
    if (!l) {
        free(recs);
        return vo__error_set(VO_ENOMEM, "out of memory");
    }
    l->n = n;
    l->recs = recs;
    *out = l;
    return VO_OK;
}

size_t vo_secret_list_count(const vo_secret_list *l)
{
    l = vo__handle_or_null(l, VO__H_SECRET_LIST, "vo_secret_list_count");
    return l ? l->n : 0;
}

const char *vo_secret_list_name(const vo_secret_list *l, size_t i)
{
    l = vo__handle_or_null(l, VO__H_SECRET_LIST, "vo_secret_list_name");
    return l && i < l->n ? l->recs[i].name : NULL;
}

int64_t vo_secret_list_version(const vo_secret_list *l, size_t i)
{
    l = vo__handle_or_null(l, VO__H_SECRET_LIST, "vo_secret_list_version");
    return l && i < l->n ? l->recs[i].latest : 0;
}

int64_t vo_secret_list_versions_kept(const vo_secret_list *l, size_t i)
{
    l = vo__handle_or_null(l, VO__H_SECRET_LIST, "vo_secret_list_versions_kept");
    return l && i < l->n ? l->recs[i].versions : 0;
}

int64_t vo_secret_list_created_at(const vo_secret_list *l, size_t i)
{
    l = vo__handle_or_null(l, VO__H_SECRET_LIST, "vo_secret_list_created_at");
    return l && i < l->n ? l->recs[i].created_ms : 0;
}

int64_t vo_secret_list_updated_at(const vo_secret_list *l, size_t i)
{
    l = vo__handle_or_null(l, VO__H_SECRET_LIST, "vo_secret_list_updated_at");
    return l && i < l->n ? l->recs[i].updated_ms : 0;
}

static void secret_list_destroy(void *self)
{
    vo_secret_list *l = self;
    free(l->recs);
}

void vo_secret_list_free(vo_secret_list *l)
{
    vo__handle_close(l, VO__H_SECRET_LIST, "vo_secret_list_free");
}

int vo__audit_list_from(vo_audit_list **out, vo__audit_rec *recs, size_t n)
{
    vo_audit_list *l = vo__handle_new(sizeof(*l), VO__H_AUDIT_LIST, audit_list_destroy);
    if (!l) {
        free(recs);
        return vo__error_set(VO_ENOMEM, "out of memory");
    }
    l->n = n;
    l->recs = recs;
    *out = l;
    return VO_OK;
}

size_t vo_audit_list_count(const vo_audit_list *l)
{
    l = vo__handle_or_null(l, VO__H_AUDIT_LIST, "vo_audit_list_count");
    return l ? l->n : 0;
}

#define AUDIT_GETTER(fn, type, expr, none)            \
  type fn(const vo_audit_list *l, size_t i)           \
  {                                                   \
    l = vo__handle_or_null(l, VO__H_AUDIT_LIST, #fn); \
    return l && i < l->n ? (expr) : (none);           \
  }

AUDIT_GETTER(vo_audit_list_seq, int64_t, l->recs[i].seq, 0)
AUDIT_GETTER(vo_audit_list_time, int64_t, l->recs[i].ts_ms, 0)
AUDIT_GETTER(vo_audit_list_tenant, const char *, l->recs[i].tenant, NULL)
AUDIT_GETTER(vo_audit_list_name, const char *, l->recs[i].name, NULL)
AUDIT_GETTER(vo_audit_list_action, const char *, l->recs[i].action, NULL)
AUDIT_GETTER(vo_audit_list_actor, const char *, l->recs[i].actor, NULL)
AUDIT_GETTER(vo_audit_list_correlation_id, const char *, l->recs[i].correlation_id, NULL)
AUDIT_GETTER(vo_audit_list_result, const char *, l->recs[i].result, NULL)

static void audit_list_destroy(void *self)
{
    vo_audit_list *l = self;
    free(l->recs);
}

void vo_audit_list_free(vo_audit_list *l)
{
    vo__handle_close(l, VO__H_AUDIT_LIST, "vo_audit_list_free");
}
