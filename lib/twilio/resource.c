/* Twilio results: REST resources (lib/rest) with Twilio's secret fields stripped, and list
 * iterators that follow next_page_uri. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "twilio_internal.h"

static void twilio_iter_destroy(void *self);

static const char *const secret_fields[] = {"auth_token", "secret", "secondary_auth_token"};

bool vo__twilio_strip_secrets(cJSON *obj, const char *take_field, vo_secret **take, int *rc)
{
    bool removed = false;
    if (!cJSON_IsObject(obj))
        return false;
    for (size_t i = 0; i < sizeof(secret_fields) / sizeof(secret_fields[0]); i++) {
        /* every member of that name: a duplicate key must not keep a second copy */
        cJSON *v;
        while ((v = cJSON_DetachItemFromObjectCaseSensitive(obj, secret_fields[i])) != NULL) {
            removed = true;
            if (cJSON_IsString(v) && v->valuestring) {
                if (take_field && take && strcmp(take_field, secret_fields[i]) == 0 && !*take) {
                    int r = vo_secret_new(take, v->valuestring, strlen(v->valuestring));
                    if (r != VO_OK && rc)
                        *rc = r;
                }
                sodium_memzero(v->valuestring, strlen(v->valuestring));
            }
            cJSON_Delete(v);
        }
    }
    return removed;
}

void vo__twilio_strip_result(cJSON *obj)
{
    vo__twilio_strip_secrets(obj, NULL, NULL, NULL);
}

void vo_twilio_resource_free(vo_twilio_resource *r)
{
    vo__handle_close(r, VO__H_TWILIO_RESOURCE, "vo_twilio_resource_free");
}

int vo__twilio_resource_from_reply(vo_twilio_resource **out, vo__rest_reply *reply)
{
    vo__rest_resource *r = NULL;
    int rc = vo__rest_resource_new(&r, sizeof(vo_twilio_resource), VO__H_TWILIO_RESOURCE, reply,
                                   &vo__twilio_provider, "a request");
    if (rc == VO_OK)
        *out =
            (vo_twilio_resource *)(void *)r; /* r is the first member of a vo_twilio_resource */
    return rc;
}

const char *vo_twilio_resource_json(const vo_twilio_resource *cr)
{
    vo_twilio_resource *r =
        vo__handle_or_null(cr, VO__H_TWILIO_RESOURCE, "vo_twilio_resource_json");
    return r ? vo__rest_resource_json(&r->rest) : NULL;
}

const char *vo_twilio_resource_str(const vo_twilio_resource *r, const char *name)
{
    r = vo__handle_or_null(r, VO__H_TWILIO_RESOURCE, "vo_twilio_resource_str");
    return r ? vo__rest_resource_str(&r->rest, name) : NULL;
}

int vo_twilio_resource_int(long long *out, const vo_twilio_resource *r, const char *name)
{
    VO__HANDLE_CHECK(r, VO__H_TWILIO_RESOURCE, "vo_twilio_resource_int");
    if (!r || !name || !out)
        return vo__error_set(VO_EINVAL, "vo_twilio_resource_int: NULL argument");
    return vo__rest_resource_int(&r->rest, name, out, true);
}

int vo_twilio_resource_bool(int *out, const vo_twilio_resource *r, const char *name)
{
    VO__HANDLE_CHECK(r, VO__H_TWILIO_RESOURCE, "vo_twilio_resource_bool");
    if (!r || !name || !out)
        return vo__error_set(VO_EINVAL, "vo_twilio_resource_bool: NULL argument");
    return vo__rest_resource_bool(&r->rest, name, out);
}

const char *vo_twilio_resource_sid(const vo_twilio_resource *r)
{
    return vo_twilio_resource_str(r, "sid");
}
const char *vo_twilio_resource_status(const vo_twilio_resource *r)
{
    return vo_twilio_resource_str(r, "status");
}
const char *vo_twilio_resource_phone_number(const vo_twilio_resource *r)
{
    return vo_twilio_resource_str(r, "phone_number");
}
const char *vo_twilio_resource_friendly_name(const vo_twilio_resource *r)
{
    return vo_twilio_resource_str(r, "friendly_name");
}
const char *vo_twilio_resource_account_sid(const vo_twilio_resource *r)
{
    return vo_twilio_resource_str(r, "account_sid");
}

const char *vo_twilio_resource_request_id(const vo_twilio_resource *r)
{
    r = vo__handle_or_null(r, VO__H_TWILIO_RESOURCE, "vo_twilio_resource_request_id");
    return r ? r->rest.request_id : "";
}

int vo__twilio_fetch(vo_twilio_resource **out, vo_twilio_client *c, const char *path)
{
    vo__rest_reply reply;
    int rc = vo__twilio_call(&reply, c, VO__TWILIO_API, "GET", path, NULL, 0, NULL, 0,
                             VO_HTTP_IDEMPOTENT_AUTO);
    if (rc != VO_OK)
        return rc;
    return vo__twilio_resource_from_reply(out, &reply);
}

/* ---- iterators ----------------------------------------------------------------------- */

static void twilio_iter_destroy(void *self)
{
    vo_twilio_iter *it = self;
    vo__rest_item_clear(&it->current.rest);
    cJSON_Delete(it->page);
    free(it->next_uri);
    free(it->list_key);
    for (size_t i = 0; i < it->seen_count; i++)
        free(it->seen_uris[i]);
    free(it->seen_uris);
    vo__handle_release(it->client);
}

void vo_twilio_iter_free(vo_twilio_iter *it)
{
    vo__handle_close(it, VO__H_TWILIO_ITER, "vo_twilio_iter_free");
}

int vo_twilio_iter_pages(const vo_twilio_iter *it)
{
    it = vo__handle_or_null(it, VO__H_TWILIO_ITER, "vo_twilio_iter_pages");
    return it ? it->pages : 0;
}

/* Remember a next_page_uri about to be followed; VO_EPROTOCOL when it was followed before
 * (the server pages in a loop) or the page limit is reached. */
static int follow_once(vo_twilio_iter *it, const char *uri)
{
    for (size_t i = 0; i < it->seen_count; i++)
        if (strcmp(it->seen_uris[i], uri) == 0)
            return vo__error_set(VO_EPROTOCOL,
                                 "Twilio list: next_page_uri repeats an earlier page after %d "
                                 "page(s); the listing loops, stopped",
                                 it->pages);
    if (it->pages >= VO__TWILIO_MAX_PAGES)
        return vo__error_set(VO_EPROTOCOL, "Twilio list: more than %d pages; stopped",
                             VO__TWILIO_MAX_PAGES);
    if (it->seen_count == it->seen_cap) {
        size_t cap = it->seen_cap ? it->seen_cap * 2 : 8;
        char **p = realloc(it->seen_uris, cap * sizeof(*p));
        if (!p)
            return vo__error_set(VO_ENOMEM, "out of memory");
        it->seen_uris = p;
        it->seen_cap = cap;
    }
    if (!(it->seen_uris[it->seen_count] = strdup(uri)))
        return vo__error_set(VO_ENOMEM, "out of memory");
    it->seen_count++;
    return VO_OK;
}

/* Install a fetched page into the iterator. A page whose next_page_uri is unusable (another
 * host, a page already followed, past the page limit) is refused whole. */
int vo__twilio_iter_take_page(vo_twilio_iter *it, vo__rest_reply *reply)
{
    cJSON *items = cJSON_GetObjectItemCaseSensitive(reply->doc, it->list_key);
    int rc = VO_OK;
    if (!cJSON_IsArray(items))
        rc = vo__error_set(VO_EPROTOCOL, "Twilio list page has no '%s' array", it->list_key);
    const cJSON *next = cJSON_GetObjectItemCaseSensitive(reply->doc, "next_page_uri");
    bool has_next = rc == VO_OK && cJSON_IsString(next) && next->valuestring[0];
    if (has_next) {
        /* Follow only paths on the same host: credentials never go elsewhere. */
        if (next->valuestring[0] != '/' || next->valuestring[1] == '/' ||
            strstr(next->valuestring, "://"))
            rc = vo__error_set(VO_EPROTOCOL,
                               "Twilio next_page_uri is not a path on the API host");
        else
            rc = follow_once(it, next->valuestring);
    }
    if (rc != VO_OK) {
        cJSON_Delete(reply->doc);
        reply->doc = NULL;
        free(it->next_uri); /* the listing ends here */
        it->next_uri = NULL;
        vo__error_set_remote(reply->status, 0, reply->request_id, NULL, -1);
        return rc;
    }
    free(it->next_uri);
    it->next_uri = NULL;
    if (has_next && !(it->next_uri = strdup(next->valuestring))) {
        cJSON_Delete(reply->doc);
        reply->doc = NULL;
        return vo__error_set(VO_ENOMEM, "out of memory");
    }
    cJSON_Delete(it->page);
    it->page = reply->doc;
    reply->doc = NULL;
    it->pages++;
    cJSON *item;
    cJSON_ArrayForEach(item, items) vo__twilio_strip_secrets(item, NULL, NULL, NULL);
    it->item = items->child;
    vo__strlcpy(it->current.rest.request_id, reply->request_id,
                sizeof(it->current.rest.request_id));
    return VO_OK;
}

vo_twilio_iter *vo__twilio_iter_alloc(const char *list_key)
{
    vo_twilio_iter *it = vo__handle_new(sizeof(*it), VO__H_TWILIO_ITER, twilio_iter_destroy);
    if (!it || !(it->list_key = strdup(list_key))) {
        vo__handle_release(it);
        return NULL;
    }
    vo__rest_item_init(&it->current.rest, VO__H_TWILIO_RESOURCE);
    return it;
}

int vo__twilio_list(vo_twilio_iter **out, vo_twilio_client *c, const char *path,
                    const char *list_key, const vo_param *filters, size_t nf)
{
    vo_twilio_iter *it = vo__twilio_iter_alloc(list_key);
    if (!it)
        return vo__error_set(VO_ENOMEM, "out of memory");
    /* The iterator keeps its client alive: the caller may free the client first. */
    it->client = c;
    vo__handle_retain(c);
    vo__rest_reply reply;
    int rc = vo__twilio_call(&reply, c, VO__TWILIO_API, "GET", path, filters, nf, NULL, 0,
                             VO_HTTP_IDEMPOTENT_AUTO);
    if (rc == VO_OK)
        rc = vo__twilio_iter_take_page(it, &reply);
    if (rc != VO_OK) {
        vo_twilio_iter_free(it);
        return rc;
    }
    *out = it;
    return VO_OK;
}

int vo_twilio_iter_next(const vo_twilio_resource **item, vo_twilio_iter *it)
{
    VO__HANDLE_CHECK(it, VO__H_TWILIO_ITER, "vo_twilio_iter_next");
    if (!item || !it)
        return vo__error_set(VO_EINVAL, "vo_twilio_iter_next: NULL argument");
    *item = NULL;
    vo__rest_item_clear(&it->current.rest);
    while (!it->item && it->next_uri) {
        vo__rest_reply reply;
        int rc = vo__twilio_call(&reply, it->client, VO__TWILIO_API, "GET", it->next_uri, NULL,
                                 0, NULL, 0, VO_HTTP_IDEMPOTENT_AUTO);
        if (rc == VO_OK)
            rc = vo__twilio_iter_take_page(it, &reply);
        if (rc != VO_OK)
            return rc;
    }
    if (!it->item)
        return VO_OK;
    vo__rest_item_set(&it->current.rest, it->item);
    it->item = it->item->next;
    *item = &it->current;
    return VO_OK;
}
