/* Twilio -> Vapi number import for one tenant: idempotent, per-number report, audited. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services_internal.h"

static void number_import_report_destroy(void *self);

typedef struct entry {
    char number[24];
    char twilio_sid[40];
    char vapi_id[40];
    int status;
    int error;
    char *reason;
} entry;

struct vo_number_import_report {
    vo__handle h; /* first: type tag, state, references */
    entry *e;
    size_t n, cap;
    size_t imported, present, failed;
    char cid[VO_CORRELATION_ID_SIZE];
};

static void number_import_report_destroy(void *self)
{
    vo_number_import_report *r = self;
    for (size_t i = 0; i < r->n; i++)
        free(r->e[i].reason);
    free(r->e);
}

void vo_number_import_report_free(vo_number_import_report *r)
{
    vo__handle_close(r, VO__H_NUMBER_IMPORT_REPORT, "vo_number_import_report_free");
}

size_t vo_number_import_report_count(const vo_number_import_report *r)
{
    r = vo__handle_or_null(r, VO__H_NUMBER_IMPORT_REPORT, __func__);
    return r ? r->n : 0;
}
size_t vo_number_import_report_imported(const vo_number_import_report *r)
{
    r = vo__handle_or_null(r, VO__H_NUMBER_IMPORT_REPORT, __func__);
    return r ? r->imported : 0;
}
size_t vo_number_import_report_present(const vo_number_import_report *r)
{
    r = vo__handle_or_null(r, VO__H_NUMBER_IMPORT_REPORT, __func__);
    return r ? r->present : 0;
}
size_t vo_number_import_report_failed(const vo_number_import_report *r)
{
    r = vo__handle_or_null(r, VO__H_NUMBER_IMPORT_REPORT, __func__);
    return r ? r->failed : 0;
}

const char *vo_number_import_report_correlation_id(const vo_number_import_report *r)
{
    r = vo__handle_or_null(r, VO__H_NUMBER_IMPORT_REPORT,
                           "vo_number_import_report_correlation_id");
    return r ? r->cid : "";
}

static const entry *entry_at(const vo_number_import_report *r, size_t i, const char *fn)
{
    r = vo__handle_or_null(r, VO__H_NUMBER_IMPORT_REPORT, fn);
    return r && i < r->n ? &r->e[i] : NULL;
}

#define ENTRY(r, i) entry_at((r), (i), __func__)

const char *vo_number_import_report_number(const vo_number_import_report *r, size_t i)
{
    const entry *e = ENTRY(r, i);
    return e ? e->number : NULL;
}

const char *vo_number_import_report_twilio_sid(const vo_number_import_report *r, size_t i)
{
    const entry *e = ENTRY(r, i);
    return e ? e->twilio_sid : NULL;
}

int vo_number_import_report_status(const vo_number_import_report *r, size_t i)
{
    const entry *e = ENTRY(r, i);
    return e ? e->status : -1;
}

const char *vo_number_import_report_vapi_id(const vo_number_import_report *r, size_t i)
{
    const entry *e = ENTRY(r, i);
    return e ? e->vapi_id : NULL;
}

const char *vo_number_import_report_reason(const vo_number_import_report *r, size_t i)
{
    const entry *e = ENTRY(r, i);
    return e ? (e->reason ? e->reason : "") : NULL;
}

int vo_number_import_report_error(const vo_number_import_report *r, size_t i)
{
    const entry *e = ENTRY(r, i);
    return e ? e->error : VO_ERANGE;
}

static entry *add_entry(vo_number_import_report *r)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        entry *p = realloc(r->e, cap * sizeof(*p));
        if (!p)
            return NULL;
        r->e = p;
        r->cap = cap;
    }
    entry *e = &r->e[r->n++];
    memset(e, 0, sizeof(*e));
    return e;
}

/* The tenant's Vapi numbers: E.164 -> id, as parallel arrays. */
typedef struct vapi_set {
    char (*number)[24];
    char (*id)[40];
    size_t n, cap;
} vapi_set;

static const char *vapi_find(const vapi_set *s, const char *number)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->number[i], number) == 0)
            return s->id[i];
    return NULL;
}

static int vapi_add(vapi_set *s, const char *number, const char *id)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        char(*nn)[24] = realloc(s->number, cap * sizeof(*nn));
        if (!nn)
            return vo__error_set(VO_ENOMEM, "out of memory");
        s->number = nn;
        char(*ni)[40] = realloc(s->id, cap * sizeof(*ni));
        if (!ni)
            return vo__error_set(VO_ENOMEM, "out of memory");
        s->id = ni;
        s->cap = cap;
    }
    vo__strlcpy(s->number[s->n], number, sizeof(s->number[0]));
    vo__strlcpy(s->id[s->n], id ? id : "", sizeof(s->id[0]));
    s->n++;
    return VO_OK;
}

static int load_vapi_numbers(vapi_set *s, vo_vapi_client *vc)
{
    vo_vapi_iter *it = NULL;
    int rc = vo_vapi_numbers_list(&it, vc, NULL);
    const vo_vapi_resource *item = NULL;
    while (rc == VO_OK && (rc = vo_vapi_iter_next(&item, it)) == VO_OK && item) {
        const char *num = vo_vapi_resource_number(item);
        if (num)
            rc = vapi_add(s, num, vo_vapi_resource_id(item));
    }
    vo_vapi_iter_free(it);
    return rc;
}

/* After an import whose outcome is unknown: does Vapi have the number now? */
static bool reconcile(vo_vapi_client *vc, const char *number, char *id_out, size_t id_size)
{
    vo_vapi_iter *it = NULL;
    bool found = false;
    if (vo_vapi_numbers_list_v2(&it, vc, number, 100, NULL) != VO_OK)
        return false;
    const vo_vapi_resource *item = NULL;
    while (!found && vo_vapi_iter_next(&item, it) == VO_OK && item) {
        const char *num = vo_vapi_resource_number(item);
        if (num && strcmp(num, number) == 0) {
            vo__strlcpy(id_out, vo_vapi_resource_id(item) ? vo_vapi_resource_id(item) : "",
                        id_size);
            found = true;
        }
    }
    vo_vapi_iter_free(it);
    return found;
}

static bool ambiguous(int rc)
{
    return rc == VO_ENETWORK || rc == VO_ETIMEOUT || rc == VO_EUNAVAILABLE ||
           rc == VO_EPROTOCOL;
}

static int import_one(vo_number_import_report *r, entry *e, vo_vapi_client *vc, vo_vault *vault,
                      const char *tenant, const vo_number_import_options *o)
{
    vo_vapi_number_params p = VO_VAPI_NUMBER_PARAMS_INIT;
    p.number = e->number;
    p.assistant_id = o->assistant_id;
    p.server_url = o->server_url;
    p.sms = o->sms_enabled ? VO_VAPI_SMS_ENABLED : VO_VAPI_SMS_DISABLED;
    vo_vapi_resource *res = NULL;
    int rc = vo_vapi_numbers_import_twilio(&res, vc, vault, tenant, &p);
    if (rc == VO_OK) {
        const char *id = vo_vapi_resource_id(res);
        vo__strlcpy(e->vapi_id, id ? id : "", sizeof(e->vapi_id));
        vo_vapi_resource_free(res);
        e->status = VO_NUMBER_IMPORTED;
        r->imported++;
        return VO_OK;
    }
    char reason[VO_ERROR_MESSAGE_SIZE];
    vo__strlcpy(reason, vo_error_last()->message, sizeof(reason));
    if (ambiguous(rc) && reconcile(vc, e->number, e->vapi_id, sizeof(e->vapi_id))) {
        /* the request went through and only its answer was lost */
        e->status = VO_NUMBER_IMPORTED;
        r->imported++;
        vo__log(VO_LOG_WARN, "services",
                "import of %s: %s, but Vapi has it: counted as imported", e->number,
                vo_error_name(rc));
        return VO_OK;
    }
    e->status = VO_NUMBER_FAILED;
    e->error = rc;
    e->reason = strdup(reason);
    r->failed++;
    return rc;
}

int vo_number_import_run(vo_number_import_report **out, vo_vault *vault, const char *tenant,
                         const vo_number_import_options *opts, const vo_services_options *sopts)
{
    VO__HANDLE_CHECK(vault, VO__H_VAULT, "vo_number_import_run");
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_number_import_run: out is NULL");
    *out = NULL;
    if (!vault || !tenant || !*tenant)
        return vo__error_set(VO_EINVAL, "vo_number_import_run: vault and tenant are required");
    vo_number_import_options o;
    int vrc =
        vo__struct_copy(&vo_number_import_options_info_, "vo_number_import_run", &o, opts);
    if (vrc != VO_OK)
        return vrc;
    if (o.sms_enabled != 0 && o.sms_enabled != 1)
        return vo__error_set(VO_EINVAL, "sms_enabled must be 0 or 1");
    vo__svc s;
    int rc = vo__svc_begin(&s, sopts, "vo_number_import_run");
    if (rc != VO_OK)
        return rc;
    vo_number_import_report *r =
        vo__handle_new(sizeof(*r), VO__H_NUMBER_IMPORT_REPORT, number_import_report_destroy);
    vo_twilio_client *tc = NULL;
    vo_vapi_client *vc = NULL;
    vo_twilio_iter *tit = NULL;
    vapi_set have = {0};
    if (!r) {
        rc = vo__error_set(VO_ENOMEM, "out of memory");
        goto done;
    }
    vo__strlcpy(r->cid, s.cid.id, sizeof(r->cid));
    if ((rc = vo__svc_audit_result(vault, tenant, NULL, "import.start", "ok")) != VO_OK)
        goto done;
    rc = vo__svc_twilio_for_tenant(&tc, &s, vault, tenant);
    if (rc == VO_OK)
        rc = vo__svc_vapi_for_tenant(&vc, &s, vault, tenant);
    if (rc == VO_OK)
        rc = load_vapi_numbers(&have, vc);
    if (rc == VO_OK)
        rc = vo_twilio_numbers_list(&tit, tc, NULL, 0);
    const vo_twilio_resource *tn = NULL;
    while (rc == VO_OK && (rc = vo_twilio_iter_next(&tn, tit)) == VO_OK && tn) {
        const char *num = vo_twilio_resource_phone_number(tn);
        const char *sid = vo_twilio_resource_sid(tn);
        if (!num)
            continue;
        entry *e = add_entry(r);
        if (!e) {
            rc = vo__error_set(VO_ENOMEM, "out of memory");
            break;
        }
        vo__strlcpy(e->number, num, sizeof(e->number));
        vo__strlcpy(e->twilio_sid, sid ? sid : "", sizeof(e->twilio_sid));
        const char *existing = vapi_find(&have, num);
        int arc;
        if (existing) {
            e->status = VO_NUMBER_ALREADY_PRESENT;
            vo__strlcpy(e->vapi_id, existing, sizeof(e->vapi_id));
            r->present++;
            arc = vo__svc_audit_result(vault, tenant, e->number, "import.number", "present");
        } else {
            int irc = import_one(r, e, vc, vault, tenant, &o);
            if (irc == VO_OK && (rc = vapi_add(&have, e->number, e->vapi_id)) != VO_OK)
                break;
            arc = irc == VO_OK ? vo__svc_audit_result(vault, tenant, e->number, "import.number",
                                                      "imported")
                               : vo__svc_audit(vault, tenant, e->number, "import.number", irc);
        }
        if (arc != VO_OK) { /* an unaudited import does not go on */
            rc = arc;
            break;
        }
    }
done:;
    int drc = VO_OK;
    if (r) {
        char result[32];
        snprintf(result, sizeof(result), "%s",
                 rc != VO_OK ? vo_error_name(rc)
                 : r->failed ? "partial"
                             : "ok");
        vo_error saved = *vo_error_last();
        char msg[VO_ERROR_MESSAGE_SIZE];
        vo__strlcpy(msg, saved.message, sizeof(msg));
        drc = vo__svc_audit_result(vault, tenant, NULL, "import.done", result);
        if (rc != VO_OK)
            vo__error_set(saved.code, "%s", msg);
        vo__log(VO_LOG_INFO, "services",
                "number import for tenant '%s': %zu imported, %zu present, %zu failed (%s)",
                tenant, r->imported, r->present, r->failed, result);
    }
    if (rc == VO_OK && drc != VO_OK)
        rc = drc;
    vo_twilio_iter_free(tit);
    vo_twilio_client_free(tc);
    vo_vapi_client_free(vc);
    free(have.number);
    free(have.id);
    vo__svc_end(&s);
    if (rc != VO_OK) {
        vo_number_import_report_free(r);
        return rc;
    }
    *out = r;
    return VO_OK;
}
