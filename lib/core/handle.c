/* Handles that fail safe: type tags, states, reference counts and the free quarantine. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "handle.h"
#include "internal.h"

static const char *const type_names[VO__H_COUNT] = {
    [VO__H_NONE] = "?",
    [VO__H_STRING] = "string from a char ** out-parameter",
    [VO__H_VAULT] = "vo_vault",
    [VO__H_KEYRING] = "vo_keyring",
    [VO__H_SECRET] = "vo_secret",
    [VO__H_HTTP_CLIENT] = "vo_http_client",
    [VO__H_HTTP_RESPONSE] = "vo_http_response",
    [VO__H_TWILIO_CLIENT] = "vo_twilio_client",
    [VO__H_TWILIO_RESOURCE] = "vo_twilio_resource",
    [VO__H_TWILIO_ITER] = "vo_twilio_iter",
    [VO__H_VAPI_CLIENT] = "vo_vapi_client",
    [VO__H_VAPI_RESOURCE] = "vo_vapi_resource",
    [VO__H_VAPI_ITER] = "vo_vapi_iter",
    [VO__H_TWILIO_CREDENTIALS] = "vo_twilio_credentials",
    [VO__H_VAPI_CREDENTIALS] = "vo_vapi_credentials",
    [VO__H_SMTP_CREDENTIALS] = "vo_smtp_credentials",
    [VO__H_FORM] = "vo_form",
    [VO__H_TENANT_LIST] = "vo_tenant_list",
    [VO__H_SECRET_LIST] = "vo_secret_list",
    [VO__H_AUDIT_LIST] = "vo_audit_list",
    [VO__H_IMPORT_REPORT] = "vo_import_report",
    [VO__H_NUMBER_IMPORT_REPORT] = "vo_number_import_report",
    [VO__H_VAPI_MESSAGE] = "vo_vapi_message",
    [VO__H_VAPI_TOOL_RESULTS] = "vo_vapi_tool_results",
};

/* The destructor a caller should have used, for the wrong-destructor message. */
static const char *const type_free[VO__H_COUNT] = {
    [VO__H_STRING] = "vo_free",
    [VO__H_VAULT] = "vo_vault_close",
    [VO__H_KEYRING] = "vo_keyring_free",
    [VO__H_SECRET] = "vo_secret_free",
    [VO__H_HTTP_CLIENT] = "vo_http_client_free",
    [VO__H_HTTP_RESPONSE] = "vo_http_response_free",
    [VO__H_TWILIO_CLIENT] = "vo_twilio_client_free",
    [VO__H_TWILIO_RESOURCE] = "vo_twilio_resource_free",
    [VO__H_TWILIO_ITER] = "vo_twilio_iter_free",
    [VO__H_VAPI_CLIENT] = "vo_vapi_client_free",
    [VO__H_VAPI_RESOURCE] = "vo_vapi_resource_free",
    [VO__H_VAPI_ITER] = "vo_vapi_iter_free",
    [VO__H_TWILIO_CREDENTIALS] = "vo_twilio_credentials_free",
    [VO__H_VAPI_CREDENTIALS] = "vo_vapi_credentials_free",
    [VO__H_SMTP_CREDENTIALS] = "vo_smtp_credentials_free",
    [VO__H_FORM] = "vo_form_free",
    [VO__H_TENANT_LIST] = "vo_tenant_list_free",
    [VO__H_SECRET_LIST] = "vo_secret_list_free",
    [VO__H_AUDIT_LIST] = "vo_audit_list_free",
    [VO__H_IMPORT_REPORT] = "vo_import_report_free",
    [VO__H_NUMBER_IMPORT_REPORT] = "vo_number_import_report_free",
    [VO__H_VAPI_MESSAGE] = "vo_vapi_message_free",
    [VO__H_VAPI_TOOL_RESULTS] = "vo_vapi_tool_results_free",
};

const char *vo__htype_name(vo__htype type)
{
    return (type > VO__H_NONE && type < VO__H_COUNT) ? type_names[type] : "?";
}

static bool tagged(const vo__handle *h)
{
    return h->magic == VO__HANDLE_MAGIC && h->type > VO__H_NONE && h->type < VO__H_COUNT;
}

/* ---- quarantine ------------------------------------------------------------------------ */

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static void *quarantine[VO__HANDLE_QUARANTINE];
static size_t q_next;

static void quarantine_push(void *block)
{
    pthread_mutex_lock(&q_lock);
    void *old = quarantine[q_next];
    quarantine[q_next] = block;
    q_next = (q_next + 1) % VO__HANDLE_QUARANTINE;
    pthread_mutex_unlock(&q_lock);
    free(old);
}

/* ---- reports --------------------------------------------------------------------------- */

static int report(const void *p, vo__htype want, const char *fn)
{
    char detail[256];
    const char *wname = vo__htype_name(want);
    const vo__handle *h = p;
    if (tagged(h)) {
        uint32_t st = atomic_load(&((vo__handle *)h)->state);
        if (h->type != want)
            snprintf(detail, sizeof(detail),
                     "invalid handle: expected a %s, got a %s (free it with %s())", wname,
                     vo__htype_name((vo__htype)h->type), type_free[h->type]);
        else if (st == VO__HS_CLOSED)
            snprintf(detail, sizeof(detail),
                     "invalid handle: this %s was already closed or freed", wname);
        else
            snprintf(
                detail, sizeof(detail),
                "invalid handle: this %s was already freed (use after free or double free)",
                wname);
    } else if (want != VO__H_STRING && tagged((const vo__handle *)p - 1) &&
               ((const vo__handle *)p - 1)->type == VO__H_STRING) {
        snprintf(detail, sizeof(detail),
                 "invalid handle: expected a %s, got a string from a char ** out-parameter "
                 "(free it with vo_free())",
                 wname);
    } else {
        snprintf(detail, sizeof(detail),
                 "invalid handle: not a %s allocated by libvoiceops (or freed long ago)",
                 wname);
    }
    vo__error_set_static(VO_EHANDLE, fn, detail);
    vo__log(VO_LOG_ERROR, "handle", "%s: %s", fn, detail);
    return VO_EHANDLE;
}

/* ---- handles --------------------------------------------------------------------------- */

static void header_init(vo__handle *h, vo__htype type, size_t size, void (*destroy)(void *))
{
    h->magic = VO__HANDLE_MAGIC;
    h->type = (uint16_t)type;
    h->embedded = 0;
    atomic_init(&h->state, VO__HS_LIVE);
    atomic_init(&h->refs, 1);
    h->destroy = destroy;
    h->size = size;
}

void *vo__handle_new(size_t size, vo__htype type, void (*destroy)(void *self))
{
    if (size < sizeof(vo__handle))
        size = sizeof(vo__handle);
    vo__handle *h = calloc(1, size);
    if (!h)
        return NULL;
    header_init(h, type, size, destroy);
    return h;
}

void vo__handle_init_embedded(vo__handle *h, vo__htype type)
{
    header_init(h, type, sizeof(*h), NULL);
    h->embedded = 1;
}

bool vo__handle_ok(const void *p, vo__htype type)
{
    const vo__handle *h = p;
    return h && h->magic == VO__HANDLE_MAGIC && h->type == type &&
           atomic_load(&((vo__handle *)h)->state) == VO__HS_LIVE;
}

int vo__handle_check(const void *p, vo__htype type, const char *fn)
{
    if (!p || vo__handle_ok(p, type))
        return VO_OK;
    return report(p, type, fn);
}

void *vo__handle_or_null(const void *p, vo__htype type, const char *fn)
{
    if (!p)
        return NULL;
    if (vo__handle_ok(p, type))
        return (void *)p;
    report(p, type, fn);
    return NULL;
}

void vo__handle_retain(void *p)
{
    if (p)
        atomic_fetch_add(&((vo__handle *)p)->refs, 1);
}

void vo__handle_release(void *p)
{
    vo__handle *h = p;
    if (!h || h->embedded)
        return;
    if (atomic_fetch_sub(&h->refs, 1) != 1)
        return;
    atomic_store(&h->state, VO__HS_DEAD);
    if (h->destroy)
        h->destroy(h);
    /* Wipe everything but the header, which keeps the tag and the DEAD state for the
     * checks of late calls while the block waits in the quarantine. */
    sodium_memzero((unsigned char *)h + sizeof(*h), h->size - sizeof(*h));
    h->destroy = NULL;
    quarantine_push(h);
}

static bool mark_closed(vo__handle *h)
{
    uint32_t live = VO__HS_LIVE;
    return atomic_compare_exchange_strong(&h->state, &live, VO__HS_CLOSED);
}

void vo__handle_close(void *p, vo__htype type, const char *fn)
{
    vo__handle *h = p;
    if (!h)
        return;
    if (h->magic != VO__HANDLE_MAGIC || h->type != type || h->embedded || !mark_closed(h)) {
        if (h->embedded && vo__handle_ok(h, type)) {
            char detail[160];
            snprintf(detail, sizeof(detail),
                     "this %s belongs to its iterator and is freed with it",
                     vo__htype_name(type));
            vo__error_set_static(VO_EHANDLE, fn, detail);
            vo__log(VO_LOG_ERROR, "handle", "%s: %s", fn, detail);
            return;
        }
        report(p, type, fn);
        return;
    }
    vo__handle_release(h);
}

void vo__handle_close_quiet(void *p)
{
    vo__handle *h = p;
    if (h && !h->embedded && mark_closed(h))
        vo__handle_release(h);
}

/* ---- strings for vo_free() --------------------------------------------------------------- */

char *vo__out_alloc(size_t len)
{
    /* At least a header's worth of payload, so that a string passed to a handle's free
     * function can be read as a (non-matching) header without reading past the block. */
    size_t payload = len + 1 < sizeof(vo__handle) ? sizeof(vo__handle) : len + 1;
    if (len >= SIZE_MAX - sizeof(vo__handle) - 1)
        return NULL;
    vo__handle *h = vo__handle_new(sizeof(vo__handle) + payload, VO__H_STRING, NULL);
    return h ? (char *)(h + 1) : NULL;
}

char *vo__out_strndup(const char *s, size_t len)
{
    char *out = vo__out_alloc(len);
    if (out && len)
        memcpy(out, s, len);
    return out;
}

void vo_free(void *ptr)
{
    if (!ptr)
        return;
    const vo__handle *h = ptr;
    if (tagged(h) && h->type != VO__H_STRING) { /* a handle, not a string */
        report(ptr, VO__H_STRING, "vo_free");
        return;
    }
    vo__handle *sh = (vo__handle *)ptr - 1;
    if (!tagged(sh) || sh->type != VO__H_STRING) {
        char detail[160];
        snprintf(detail, sizeof(detail),
                 "invalid handle: not memory that libvoiceops handed "
                 "out through a char ** out-parameter; ignored");
        vo__error_set_static(VO_EHANDLE, "vo_free", detail);
        vo__log(VO_LOG_ERROR, "handle", "vo_free: %s", detail);
        return;
    }
    if (!mark_closed(sh)) {
        vo__error_set_static(VO_EHANDLE, "vo_free",
                             "invalid handle: this string was already freed (double free)");
        vo__log(VO_LOG_ERROR, "handle", "vo_free: this string was already freed (double free)");
        return;
    }
    vo__handle_release(sh);
}
