/* Vapi server messages: parsing the envelope and building assistant/tool-call replies. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "voiceops/vapi_message.h"
#include "../core/internal.h"

static void vapi_tool_results_destroy(void *self);
static void vapi_message_destroy(void *self);

typedef struct tool_call {
    const char *id;
    const char *name;
    char *arguments; /* JSON text, owned */
} tool_call;

struct vo_vapi_message {
    vo__handle h; /* first: type tag, state, references */
    cJSON *root;
    cJSON *message;
    const char *type;
    vo_vapi_message_kind kind;
    char *json; /* compact text of `message` */
    tool_call *calls;
    size_t n_calls;
};

static const struct {
    const char *type;
    vo_vapi_message_kind kind;
} kinds[] = {
    {"assistant-request", VO_VAPI_MSG_ASSISTANT_REQUEST},
    {"tool-calls", VO_VAPI_MSG_TOOL_CALLS},
    {"status-update", VO_VAPI_MSG_STATUS_UPDATE},
    {"end-of-call-report", VO_VAPI_MSG_END_OF_CALL_REPORT},
    {"transcript", VO_VAPI_MSG_TRANSCRIPT},
    {"hang", VO_VAPI_MSG_HANG},
    {"transfer-destination-request", VO_VAPI_MSG_TRANSFER_DESTINATION_REQUEST},
    {"conversation-update", VO_VAPI_MSG_CONVERSATION_UPDATE},
};

/* The string at a path of object keys, or NULL. */
static const char *str_at(const cJSON *obj, const char *a, const char *b, const char *c)
{
    const char *keys[3] = {a, b, c};
    const cJSON *node = obj;
    for (int i = 0; i < 3 && keys[i] && node; i++)
        node = cJSON_IsObject(node) ? cJSON_GetObjectItemCaseSensitive(node, keys[i]) : NULL;
    return cJSON_IsString(node) ? node->valuestring : NULL;
}

static int parse_tool_calls(vo_vapi_message *m)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(m->message, "toolCallList");
    if (!cJSON_IsArray(list))
        return vo__error_set(VO_EPARSE, "Vapi tool-calls message has no toolCallList array");
    int n = cJSON_GetArraySize(list);
    m->calls = calloc(n > 0 ? (size_t)n : 1, sizeof(*m->calls));
    if (!m->calls)
        return vo__error_set(VO_ENOMEM, "out of memory");
    const cJSON *item;
    cJSON_ArrayForEach(item, list)
    {
        tool_call *tc = &m->calls[m->n_calls];
        tc->id = str_at(item, "id", NULL, NULL);
        tc->name = str_at(item, "function", "name", NULL);
        if (!tc->id || !tc->name)
            return vo__error_set(VO_EPARSE,
                                 "Vapi tool call %zu has no string id or "
                                 "function.name",
                                 m->n_calls);
        const cJSON *args = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(item, "function"), "arguments");
        if (cJSON_IsString(args))
            tc->arguments = strdup(args->valuestring);
        else if (args && !cJSON_IsNull(args))
            tc->arguments = cJSON_PrintUnformatted(args);
        else
            tc->arguments = strdup("{}");
        m->n_calls++;
        if (!tc->arguments)
            return vo__error_set(VO_ENOMEM, "out of memory");
    }
    return VO_OK;
}

int vo_vapi_message_parse(vo_vapi_message **out, const char *body, size_t len)
{
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_vapi_message_parse: out is NULL");
    *out = NULL;
    if (!body)
        return vo__error_set(VO_EINVAL, "vo_vapi_message_parse: body is NULL");
    if (len > VO_VAPI_MESSAGE_MAX_SIZE)
        return vo__error_set(VO_ETOOBIG, "Vapi message of %zu bytes exceeds the limit of %u",
                             len, VO_VAPI_MESSAGE_MAX_SIZE);
    vo_vapi_message *m = vo__handle_new(sizeof(*m), VO__H_VAPI_MESSAGE, vapi_message_destroy);
    if (!m)
        return vo__error_set(VO_ENOMEM, "out of memory");
    const char *end = NULL;
    m->root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
    int rc = VO_OK;
    if (!m->root) {
        rc = vo__error_set(VO_EPARSE, "Vapi message is not valid JSON (at byte %zu)",
                           end ? (size_t)(end - body) : (size_t)0);
        goto fail;
    }
    /* Nothing but white space may follow the document. */
    for (; end && end < body + len; end++)
        if (*end != ' ' && *end != '\t' && *end != '\r' && *end != '\n') {
            rc = vo__error_set(VO_EPARSE, "Vapi message has trailing data after the JSON");
            goto fail;
        }
    m->message = cJSON_GetObjectItemCaseSensitive(m->root, "message");
    if (!cJSON_IsObject(m->message)) {
        rc = vo__error_set(VO_EPARSE, "Vapi message has no \"message\" object");
        goto fail;
    }
    m->type = str_at(m->message, "type", NULL, NULL);
    if (!m->type || !*m->type) {
        rc = vo__error_set(VO_EPARSE, "Vapi message has no string \"type\"");
        goto fail;
    }
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(m->type, kinds[i].type) == 0)
            m->kind = kinds[i].kind;
    if (m->kind == VO_VAPI_MSG_TOOL_CALLS && (rc = parse_tool_calls(m)) != VO_OK)
        goto fail;
    /* Built now, so that a parsed message is read-only and can be shared by threads. */
    m->json = cJSON_PrintUnformatted(m->message);
    if (!m->json) {
        rc = vo__error_set(VO_ENOMEM, "out of memory");
        goto fail;
    }
    *out = m;
    return VO_OK;
fail:
    vo_vapi_message_free(m);
    return rc;
}

static void vapi_message_destroy(void *self)
{
    vo_vapi_message *m = self;
    for (size_t i = 0; i < m->n_calls; i++)
        free(m->calls[i].arguments);
    free(m->calls);
    cJSON_free(m->json);
    cJSON_Delete(m->root);
}

void vo_vapi_message_free(vo_vapi_message *m)
{
    vo__handle_close(m, VO__H_VAPI_MESSAGE, "vo_vapi_message_free");
}

const char *vo_vapi_message_type(const vo_vapi_message *m)
{
    m = vo__handle_or_null(m, VO__H_VAPI_MESSAGE, "vo_vapi_message_type");
    return m ? m->type : NULL;
}

vo_vapi_message_kind vo_vapi_message_kind_of(const vo_vapi_message *m)
{
    m = vo__handle_or_null(m, VO__H_VAPI_MESSAGE, "vo_vapi_message_kind_of");
    return m ? m->kind : VO_VAPI_MSG_OTHER;
}

const char *vo_vapi_message_call_id(const vo_vapi_message *m)
{
    m = vo__handle_or_null(m, VO__H_VAPI_MESSAGE, "vo_vapi_message_call_id");
    return m ? str_at(m->message, "call", "id", NULL) : NULL;
}

const char *vo_vapi_message_org_id(const vo_vapi_message *m)
{
    m = vo__handle_or_null(m, VO__H_VAPI_MESSAGE, "vo_vapi_message_org_id");
    return m ? str_at(m->message, "call", "orgId", NULL) : NULL;
}

const char *vo_vapi_message_phone_number_id(const vo_vapi_message *m)
{
    m = vo__handle_or_null(m, VO__H_VAPI_MESSAGE, "vo_vapi_message_phone_number_id");
    if (!m)
        return NULL;
    const char *id = str_at(m->message, "phoneNumber", "id", NULL);
    return id ? id : str_at(m->message, "call", "phoneNumberId", NULL);
}

const char *vo_vapi_message_phone_number(const vo_vapi_message *m)
{
    m = vo__handle_or_null(m, VO__H_VAPI_MESSAGE, "vo_vapi_message_phone_number");
    return m ? str_at(m->message, "phoneNumber", "number", NULL) : NULL;
}

const char *vo_vapi_message_customer_number(const vo_vapi_message *m)
{
    m = vo__handle_or_null(m, VO__H_VAPI_MESSAGE, "vo_vapi_message_customer_number");
    if (!m)
        return NULL;
    const char *n = str_at(m->message, "customer", "number", NULL);
    return n ? n : str_at(m->message, "call", "customer", "number");
}

const char *vo_vapi_message_status(const vo_vapi_message *m)
{
    m = vo__handle_or_null(m, VO__H_VAPI_MESSAGE, "vo_vapi_message_status");
    return m ? str_at(m->message, "status", NULL, NULL) : NULL;
}

const char *vo_vapi_message_ended_reason(const vo_vapi_message *m)
{
    m = vo__handle_or_null(m, VO__H_VAPI_MESSAGE, "vo_vapi_message_ended_reason");
    return m ? str_at(m->message, "endedReason", NULL, NULL) : NULL;
}

const char *vo_vapi_message_json(const vo_vapi_message *m)
{
    m = vo__handle_or_null(m, VO__H_VAPI_MESSAGE, "vo_vapi_message_json");
    return m ? m->json : NULL;
}

size_t vo_vapi_message_tool_call_count(const vo_vapi_message *m)
{
    m = vo__handle_or_null(m, VO__H_VAPI_MESSAGE, "vo_vapi_message_tool_call_count");
    return m ? m->n_calls : 0;
}

const char *vo_vapi_message_tool_call_id(const vo_vapi_message *m, size_t i)
{
    m = vo__handle_or_null(m, VO__H_VAPI_MESSAGE, "vo_vapi_message_tool_call_id");
    return (m && i < m->n_calls) ? m->calls[i].id : NULL;
}

const char *vo_vapi_message_tool_call_name(const vo_vapi_message *m, size_t i)
{
    m = vo__handle_or_null(m, VO__H_VAPI_MESSAGE, "vo_vapi_message_tool_call_name");
    return (m && i < m->n_calls) ? m->calls[i].name : NULL;
}

const char *vo_vapi_message_tool_call_arguments(const vo_vapi_message *m, size_t i)
{
    m = vo__handle_or_null(m, VO__H_VAPI_MESSAGE, "vo_vapi_message_tool_call_arguments");
    return (m && i < m->n_calls) ? m->calls[i].arguments : NULL;
}

/* ---- replies ----------------------------------------------------------------------- */

/* Print a cJSON tree into a tagged string the caller frees with vo_free(). */
static int print_owned(cJSON *root, char **out)
{
    char *text = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return vo__error_set(VO_ENOMEM, "out of memory");
    *out = vo__out_strndup(text, strlen(text));
    cJSON_free(text);
    return *out ? VO_OK : vo__error_set(VO_ENOMEM, "out of memory");
}

int vo_vapi_message_assistant_reply(char **out, const char *assistant_id,
                                    const char *assistant_json, const char *error)
{
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_vapi_message_assistant_reply: out is NULL");
    *out = NULL;
    int given = (assistant_id != NULL) + (assistant_json != NULL) + (error != NULL);
    if (given != 1)
        return vo__error_set(VO_EINVAL, "vo_vapi_message_assistant_reply: give exactly one of "
                                        "assistant_id, assistant_json, error");
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return vo__error_set(VO_ENOMEM, "out of memory");
    if (assistant_id) {
        if (!*assistant_id) {
            cJSON_Delete(root);
            return vo__error_set(VO_EINVAL,
                                 "vo_vapi_message_assistant_reply: empty assistant_id");
        }
        cJSON_AddStringToObject(root, "assistantId", assistant_id);
    } else if (assistant_json) {
        cJSON *a = cJSON_Parse(assistant_json);
        if (!cJSON_IsObject(a)) {
            cJSON_Delete(a);
            cJSON_Delete(root);
            return vo__error_set(VO_EINVAL,
                                 "vo_vapi_message_assistant_reply: assistant_json is "
                                 "not a JSON object");
        }
        cJSON_AddItemToObject(root, "assistant", a);
    } else {
        cJSON_AddStringToObject(root, "error", error);
    }
    return print_owned(root, out);
}

struct vo_vapi_tool_results {
    vo__handle h;   /* first: type tag, state, references */
    cJSON *results; /* array */
};

int vo_vapi_tool_results_new(vo_vapi_tool_results **out)
{
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_vapi_tool_results_new: out is NULL");
    *out = vo__handle_new(sizeof(**out), VO__H_VAPI_TOOL_RESULTS, vapi_tool_results_destroy);
    if (!*out || !((*out)->results = cJSON_CreateArray())) {
        vo__handle_release(*out);
        *out = NULL;
        return vo__error_set(VO_ENOMEM, "out of memory");
    }
    return VO_OK;
}

int vo_vapi_tool_results_add(vo_vapi_tool_results *r, const char *tool_call_id,
                             const char *name, const char *result, const char *error)
{
    VO__HANDLE_CHECK(r, VO__H_VAPI_TOOL_RESULTS, "vo_vapi_tool_results_add");
    if (!r || !tool_call_id || !*tool_call_id || (result == NULL) == (error == NULL))
        return vo__error_set(VO_EINVAL, "vo_vapi_tool_results_add: a tool_call_id and exactly "
                                        "one of result or error are required");
    cJSON *item = cJSON_CreateObject();
    if (!item || !cJSON_AddStringToObject(item, "toolCallId", tool_call_id) ||
        (name && !cJSON_AddStringToObject(item, "name", name)) ||
        !cJSON_AddStringToObject(item, result ? "result" : "error", result ? result : error)) {
        cJSON_Delete(item);
        return vo__error_set(VO_ENOMEM, "out of memory");
    }
    cJSON_AddItemToArray(r->results, item);
    return VO_OK;
}

int vo_vapi_tool_results_json(char **out, const vo_vapi_tool_results *r)
{
    VO__HANDLE_CHECK(r, VO__H_VAPI_TOOL_RESULTS, "vo_vapi_tool_results_json");
    if (!r || !out)
        return vo__error_set(VO_EINVAL, "vo_vapi_tool_results_json: NULL argument");
    *out = NULL;
    cJSON *root = cJSON_CreateObject();
    cJSON *copy = cJSON_Duplicate(r->results, 1);
    if (!root || !copy) {
        cJSON_Delete(root);
        cJSON_Delete(copy);
        return vo__error_set(VO_ENOMEM, "out of memory");
    }
    cJSON_AddItemToObject(root, "results", copy);
    return print_owned(root, out);
}

static void vapi_tool_results_destroy(void *self)
{
    vo_vapi_tool_results *r = self;
    cJSON_Delete(r->results);
}

void vo_vapi_tool_results_free(vo_vapi_tool_results *r)
{
    vo__handle_close(r, VO__H_VAPI_TOOL_RESULTS, "vo_vapi_tool_results_free");
}
