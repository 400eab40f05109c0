/* Vapi results: REST resources (lib/rest) with Vapi's secret fields stripped, and list
 * iterators that walk the legacy endpoints in createdAt windows or follow /v2 metadata. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vapi_internal.h"

static void vapi_iter_destroy(void *self);

static const char *const secret_fields[] = {"twilioAuthToken", "twilioApiSecret", "authToken",
                                            "apiSecret", "secret"};

void vo__vapi_strip_secrets(cJSON *obj)
{
    if (!cJSON_IsObject(obj))
        return;
    for (size_t i = 0; i < sizeof(secret_fields) / sizeof(secret_fields[0]); i++) {
        /* every member of that name: a duplicate key must not keep a second copy */
        cJSON *v;
        while ((v = cJSON_DetachItemFromObjectCaseSensitive(obj, secret_fields[i])) != NULL) {
            if (cJSON_IsString(v) && v->valuestring)
                sodium_memzero(v->valuestring, strlen(v->valuestring));
            cJSON_Delete(v);
        }
    }
}

void vo_vapi_resource_free(vo_vapi_resource *r)
{
    vo__handle_close(r, VO__H_VAPI_RESOURCE, "vo_vapi_resource_free");
}

int vo__vapi_resource_from_reply(vo_vapi_resource **out, vo__rest_reply *reply,
                                 const char *what)
{
    vo__rest_resource *r = NULL;
    int rc = vo__rest_resource_new(&r, sizeof(vo_vapi_resource), VO__H_VAPI_RESOURCE, reply,
                                   &vo__vapi_provider, what);
    if (rc == VO_OK)
        *out = (vo_vapi_resource *)(void *)r; /* r is the first member of a vo_vapi_resource */
    return rc;
}

const char *vo_vapi_resource_json(const vo_vapi_resource *cr)
{
    vo_vapi_resource *r = vo__handle_or_null(cr, VO__H_VAPI_RESOURCE, "vo_vapi_resource_json");
    return r ? vo__rest_resource_json(&r->rest) : NULL;
}

const char *vo_vapi_resource_str(const vo_vapi_resource *r, const char *name)
{
    r = vo__handle_or_null(r, VO__H_VAPI_RESOURCE, "vo_vapi_resource_str");
    return r ? vo__rest_resource_str(&r->rest, name) : NULL;
}

int vo_vapi_resource_int(long long *out, const vo_vapi_resource *r, const char *name)
{
    VO__HANDLE_CHECK(r, VO__H_VAPI_RESOURCE, "vo_vapi_resource_int");
    if (!r || !name || !out)
        return vo__error_set(VO_EINVAL, "vo_vapi_resource_int: NULL argument");
    return vo__rest_resource_int(&r->rest, name, out, false);
}

int vo_vapi_resource_bool(int *out, const vo_vapi_resource *r, const char *name)
{
    VO__HANDLE_CHECK(r, VO__H_VAPI_RESOURCE, "vo_vapi_resource_bool");
    if (!r || !name || !out)
        return vo__error_set(VO_EINVAL, "vo_vapi_resource_bool: NULL argument");
    return vo__rest_resource_bool(&r->rest, name, out);
}

const char *vo_vapi_resource_id(const vo_vapi_resource *r)
{
    return vo_vapi_resource_str(r, "id");
}
const char *vo_vapi_resource_status(const vo_vapi_resource *r)
{
    return vo_vapi_resource_str(r, "status");
}
const char *vo_vapi_resource_number(const vo_vapi_resource *r)
{
    return vo_vapi_resource_str(r, "number");
}
const char *vo_vapi_resource_created_at(const vo_vapi_resource *r)
{
    return vo_vapi_resource_str(r, "createdAt");
}

const char *vo_vapi_resource_request_id(const vo_vapi_resource *r)
{
    r = vo__handle_or_null(r, VO__H_VAPI_RESOURCE, "vo_vapi_resource_request_id");
    return r ? r->rest.request_id : "";
}

/* ---- single-resource operations ------------------------------------------------------ */

int vo__vapi_get(vo_vapi_resource **out, vo_vapi_client *c, const char *path)
{
    vo__rest_reply reply;
    int rc = vo__vapi_call(&reply, c, "GET", path, NULL, 0, NULL, VO_HTTP_IDEMPOTENT_AUTO);
    return rc == VO_OK ? vo__vapi_resource_from_reply(out, &reply, path) : rc;
}

int vo__vapi_delete(vo_vapi_resource **out, vo_vapi_client *c, const char *path,
                    const cJSON *body)
{
    vo__rest_reply reply;
    int rc = vo__vapi_call(&reply, c, "DELETE", path, NULL, 0, body, VO_HTTP_IDEMPOTENT_AUTO);
    if (vo__rest_gone(rc, &reply))
        return VO_OK;
    if (rc != VO_OK)
        return rc;
    if (!out) {
        cJSON_Delete(reply.doc);
        return VO_OK;
    }
    return vo__vapi_resource_from_reply(out, &reply, path);
}

int vo__vapi_send_obj(vo_vapi_resource **out, vo_vapi_client *c, const char *method,
                      const char *path, cJSON *body, vo_http_idempotency idem)
{
    vo__rest_reply reply;
    int rc = vo__vapi_call(&reply, c, method, path, NULL, 0, body, idem);
    cJSON_Delete(body);
    return rc == VO_OK ? vo__vapi_resource_from_reply(out, &reply, path) : rc;
}

/* ---- iterators ----------------------------------------------------------------------- */

static void seen_clear(vo_vapi_iter *it)
{
    for (size_t i = 0; i < it->n_seen; i++)
        free(it->seen_ids[i]);
    it->n_seen = 0;
}

static void vapi_iter_destroy(void *self)
{
    vo_vapi_iter *it = self;
    vo__rest_item_clear(&it->current.rest);
    cJSON_Delete(it->page_doc);
    for (size_t i = 0; i < it->nf; i++) {
        free(it->fname[i]);
        free(it->fvalue[i]);
    }
    seen_clear(it);
    free(it->seen_ids);
    free(it->boundary);
    free(it->path);
    free(it->search);
    free(it->sort);
    vo__handle_release(it->client);
}

void vo_vapi_iter_free(vo_vapi_iter *it)
{
    vo__handle_close(it, VO__H_VAPI_ITER, "vo_vapi_iter_free");
}

int vo_vapi_iter_pages(const vo_vapi_iter *it)
{
    it = vo__handle_or_null(it, VO__H_VAPI_ITER, "vo_vapi_iter_pages");
    return it ? it->pages : 0;
}

static bool seen(const vo_vapi_iter *it, const char *id)
{
    for (size_t i = 0; i < it->n_seen; i++)
        if (strcmp(it->seen_ids[i], id) == 0)
            return true;
    return false;
}

static int seen_add(vo_vapi_iter *it, const char *id)
{
    if (it->n_seen == it->cap_seen) {
        size_t cap = it->cap_seen ? it->cap_seen * 2 : 16;
        char **p = realloc(it->seen_ids, cap * sizeof(*p));
        if (!p)
            return vo__error_set(VO_ENOMEM, "out of memory");
        it->seen_ids = p;
        it->cap_seen = cap;
    }
    if (!(it->seen_ids[it->n_seen] = strdup(id)))
        return vo__error_set(VO_ENOMEM, "out of memory");
    it->n_seen++;
    return VO_OK;
}

static int add_filter(vo_vapi_iter *it, const char *name, const char *value)
{
    if (!value)
        return VO_OK;
    if (!*value)
        return vo__error_set(VO_EINVAL, "list filter %s is empty", name);
    if (it->nf >= VO__VAPI_MAX_FILTERS)
        return vo__error_set(VO_EINVAL, "too many list filters");
    it->fname[it->nf] = strdup(name);
    it->fvalue[it->nf] = strdup(value);
    it->nf++;
    if (!it->fname[it->nf - 1] || !it->fvalue[it->nf - 1])
        return vo__error_set(VO_ENOMEM, "out of memory");
    return VO_OK;
}

/* Fetch the next legacy page: the caller's filters, limit, and createdAtLe = boundary. */
static int fetch_legacy(vo_vapi_iter *it)
{
    vo_param q[VO__VAPI_MAX_FILTERS + 2];
    size_t n = 0;
    for (size_t i = 0; i < it->nf; i++) {
        if (it->boundary && strcmp(it->fname[i], "createdAtLe") == 0)
            continue; /* replaced by the (older) boundary */
        q[n].name = it->fname[i];
        q[n++].value = it->fvalue[i];
    }
    long want = it->page_size;
    if (it->limit > 0 && it->limit - it->returned < want)
        want = it->limit - it->returned;
    /* the items at the boundary come again (createdAtLe): ask for that many more */
    want += (long)it->n_seen;
    if (want > 1000)
        want = 1000;
    char lim[24];
    snprintf(lim, sizeof(lim), "%ld", want);
    q[n].name = "limit";
    q[n++].value = lim;
    if (it->boundary) {
        q[n].name = "createdAtLe";
        q[n++].value = it->boundary;
    }
    vo__rest_reply reply;
    int rc =
        vo__vapi_call(&reply, it->client, "GET", it->path, q, n, NULL, VO_HTTP_IDEMPOTENT_AUTO);
    if (rc != VO_OK)
        return rc;
    return vo__vapi_iter_take_legacy(it, &reply, want);
}

int vo__vapi_iter_take_legacy(vo_vapi_iter *it, vo__rest_reply *reply, long want)
{
    int rc = VO_OK;
    if (!cJSON_IsArray(reply->doc)) {
        cJSON_Delete(reply->doc);
        rc = vo__error_set(VO_EPROTOCOL, "Vapi list %s did not answer a JSON array", it->path);
        vo__error_set_remote(reply->status, 0, reply->request_id, NULL, -1);
        return rc;
    }
    int raw = cJSON_GetArraySize(reply->doc);
    /* drop items already handed out (same createdAt as the previous boundary) */
    cJSON *item = reply->doc->child;
    while (item) {
        cJSON *next = item->next;
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");
        if (!cJSON_IsObject(item) || (cJSON_IsString(id) && seen(it, id->valuestring)))
            cJSON_Delete(cJSON_DetachItemViaPointer(reply->doc, item));
        else
            vo__vapi_strip_secrets(item);
        item = next;
    }
    int fresh = cJSON_GetArraySize(reply->doc);
    it->more = raw >= want;
    if (it->more && fresh == 0) {
        cJSON_Delete(reply->doc);
        return vo__error_set(
            VO_EPROTOCOL,
            "Vapi list %s: more than %ld items share one createdAt; raise page_size", it->path,
            want);
    }
    /* the new boundary: the oldest createdAt of this page, and the ids that carry it */
    if (it->more) {
        const cJSON *last = cJSON_GetArrayItem(reply->doc, fresh - 1);
        const cJSON *ca = cJSON_GetObjectItemCaseSensitive(last, "createdAt");
        if (!cJSON_IsString(ca) || !ca->valuestring[0]) {
            cJSON_Delete(reply->doc);
            return vo__error_set(VO_EPROTOCOL,
                                 "Vapi list %s: an item has no createdAt to page by", it->path);
        }
        if (!it->boundary || strcmp(it->boundary, ca->valuestring) != 0) {
            seen_clear(it);
            free(it->boundary);
            if (!(it->boundary = strdup(ca->valuestring))) {
                cJSON_Delete(reply->doc);
                return vo__error_set(VO_ENOMEM, "out of memory");
            }
        }
        const cJSON *x;
        cJSON_ArrayForEach(x, reply->doc)
        {
            const cJSON *xc = cJSON_GetObjectItemCaseSensitive(x, "createdAt");
            const cJSON *xi = cJSON_GetObjectItemCaseSensitive(x, "id");
            if (cJSON_IsString(xc) && cJSON_IsString(xi) &&
                strcmp(xc->valuestring, it->boundary) == 0 &&
                (rc = seen_add(it, xi->valuestring)) != VO_OK) {
                cJSON_Delete(reply->doc);
                return rc;
            }
        }
    }
    cJSON_Delete(it->page_doc);
    it->page_doc = reply->doc;
    it->item = reply->doc->child;
    it->pages++;
    vo__strlcpy(it->request_id, reply->request_id, sizeof(it->request_id));
    return VO_OK;
}

static int fetch_v2(vo_vapi_iter *it)
{
    char page[24], lim[24];
    snprintf(page, sizeof(page), "%ld", it->page);
    snprintf(lim, sizeof(lim), "%ld", it->page_size);
    vo_param q[4] = {{"page", page}, {"limit", lim}};
    size_t n = 2;
    if (it->sort) {
        q[n].name = "sortOrder";
        q[n++].value = it->sort;
    }
    if (it->search) {
        q[n].name = "search";
        q[n++].value = it->search;
    }
    vo__rest_reply reply;
    int rc =
        vo__vapi_call(&reply, it->client, "GET", it->path, q, n, NULL, VO_HTTP_IDEMPOTENT_AUTO);
    if (rc != VO_OK)
        return rc;
    return vo__vapi_iter_take_v2(it, &reply);
}

int vo__vapi_iter_take_v2(vo_vapi_iter *it, vo__rest_reply *reply)
{
    int rc = VO_OK;
    cJSON *results = cJSON_GetObjectItemCaseSensitive(reply->doc, "results");
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(reply->doc, "metadata");
    if (!cJSON_IsArray(results) || !cJSON_IsObject(meta)) {
        cJSON_Delete(reply->doc);
        rc = vo__error_set(VO_EPROTOCOL, "Vapi %s page has no 'results' array and 'metadata'",
                           it->path);
        vo__error_set_remote(reply->status, 0, reply->request_id, NULL, -1);
        return rc;
    }
    cJSON *x;
    cJSON_ArrayForEach(x, results) vo__vapi_strip_secrets(x);
    it->more = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(meta, "hasNextPage")) &&
               cJSON_GetArraySize(results) > 0;
    it->page++;
    cJSON_Delete(it->page_doc);
    it->page_doc = reply->doc;
    it->item = results->child;
    it->pages++;
    vo__strlcpy(it->request_id, reply->request_id, sizeof(it->request_id));
    return VO_OK;
}

static int fetch(vo_vapi_iter *it)
{
    return it->mode == VO__VAPI_V2 ? fetch_v2(it) : fetch_legacy(it);
}

int vo__vapi_iter_alloc(vo_vapi_iter **out, vo_vapi_client *c, const char *path,
                        vo__vapi_list_mode mode)
{
    vo_vapi_iter *it = vo__handle_new(sizeof(*it), VO__H_VAPI_ITER, vapi_iter_destroy);
    if (!it || !(it->path = strdup(path))) {
        vo__handle_release(it);
        return vo__error_set(VO_ENOMEM, "out of memory");
    }
    vo__rest_item_init(&it->current.rest, VO__H_VAPI_RESOURCE);
    /* The iterator keeps its client alive: the caller may free the client first. */
    it->client = c;
    vo__handle_retain(c);
    it->mode = mode;
    *out = it;
    return VO_OK;
}

int vo__vapi_list_legacy(vo_vapi_iter **out, vo_vapi_client *c, const char *path,
                         const vo_vapi_list_options *o, bool call_filters)
{
    vo_vapi_list_options given;
    int vrc = vo__struct_copy(&vo_vapi_list_options_info_, NULL, &given, o);
    if (vrc != VO_OK)
        return vrc;
    o = &given;
    if (o && (o->limit < 0 || o->page_size < 0 || o->page_size > 1000))
        return vo__error_set(VO_EINVAL, "list limit must be >= 0 and page_size 0-1000");
    if (o && !call_filters && (o->id || o->assistant_id || o->phone_number_id))
        return vo__error_set(VO_EINVAL,
                             "id, assistant_id and phone_number_id filter calls only");
    vo_vapi_iter *it = NULL;
    int rc = vo__vapi_iter_alloc(&it, c, path, VO__VAPI_LEGACY);
    if (rc != VO_OK)
        return rc;
    it->page_size = o && o->page_size ? o->page_size : 100;
    it->limit = o ? o->limit : 0;
    if (o) {
        const struct {
            const char *n, *v;
        } f[] = {
            {"createdAtGt", o->created_at_gt},
            {"createdAtLt", o->created_at_lt},
            {"createdAtGe", o->created_at_ge},
            {"createdAtLe", o->created_at_le},
            {"updatedAtGt", o->updated_at_gt},
            {"updatedAtLt", o->updated_at_lt},
            {"updatedAtGe", o->updated_at_ge},
            {"updatedAtLe", o->updated_at_le},
            {"id", o->id},
            {"assistantId", o->assistant_id},
            {"phoneNumberId", o->phone_number_id},
        };
        for (size_t i = 0; i < sizeof(f) / sizeof(f[0]) && rc == VO_OK; i++)
            rc = add_filter(it, f[i].n, f[i].v);
    }
    if (rc == VO_OK)
        rc = fetch(it);
    if (rc != VO_OK) {
        vo_vapi_iter_free(it);
        return rc;
    }
    *out = it;
    return VO_OK;
}

int vo__vapi_list_v2(vo_vapi_iter **out, vo_vapi_client *c, const char *path,
                     const char *search, long page_size, const char *sort_order)
{
    if (page_size < 0 || page_size > 1000)
        return vo__error_set(VO_EINVAL, "page_size must be 0-1000");
    if (sort_order && strcmp(sort_order, "ASC") != 0 && strcmp(sort_order, "DESC") != 0)
        return vo__error_set(VO_EINVAL, "sort_order must be ASC or DESC");
    vo_vapi_iter *it = NULL;
    int rc = vo__vapi_iter_alloc(&it, c, path, VO__VAPI_V2);
    if (rc != VO_OK)
        return rc;
    it->page = 1;
    it->page_size = page_size ? page_size : 100;
    if ((search && !(it->search = strdup(search))) ||
        (sort_order && !(it->sort = strdup(sort_order))))
        rc = vo__error_set(VO_ENOMEM, "out of memory");
    if (rc == VO_OK)
        rc = fetch(it);
    if (rc != VO_OK) {
        vo_vapi_iter_free(it);
        return rc;
    }
    *out = it;
    return VO_OK;
}

int vo_vapi_iter_next(const vo_vapi_resource **item, vo_vapi_iter *it)
{
    VO__HANDLE_CHECK(it, VO__H_VAPI_ITER, "vo_vapi_iter_next");
    if (!item || !it)
        return vo__error_set(VO_EINVAL, "vo_vapi_iter_next: NULL argument");
    *item = NULL;
    vo__rest_item_clear(&it->current.rest);
    if (it->limit > 0 && it->returned >= it->limit)
        return VO_OK;
    while (!it->item && it->more) {
        int rc = fetch(it);
        if (rc != VO_OK)
            return rc;
    }
    if (!it->item)
        return VO_OK;
    vo__rest_item_set(&it->current.rest, it->item);
    vo__strlcpy(it->current.rest.request_id, it->request_id,
                sizeof(it->current.rest.request_id));
    it->item = it->item->next;
    it->returned++;
    *item = &it->current;
    return VO_OK;
}
