/**
 * @file voiceops/vapi_message.h
 * @brief Vapi server messages: parse what Vapi posts to a server URL, build the replies.
 *
 * Vapi posts `{"message": {"type": "...", ...}}` to your server URL. Verify the request
 * first (vo_webhook_vapi_verify() in voiceops/webhook.h), then parse the body here and branch on the
 * type. Replies that Vapi waits for (`assistant-request`, `tool-calls`) are built as JSON
 * text with the helpers below, so every language produces the same shapes.
 *
 * Parsed messages are immutable and may be read from several threads at once.
 */
#ifndef VOICEOPS_VAPI_MESSAGE_H
#define VOICEOPS_VAPI_MESSAGE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest server message body accepted by vo_vapi_message_parse() (bytes). */
#define VO_VAPI_MESSAGE_MAX_SIZE (4u * 1024u * 1024u)
/** VO_VAPI_MESSAGE_MAX_SIZE at run time (for bindings). Thread-safe. */
VO_EXTERN size_t vo_vapi_message_max_size(void);

/** The message types a handler usually branches on; others are VO_VAPI_MSG_OTHER. */
typedef enum vo_vapi_message_kind {
    VO_VAPI_MSG_OTHER = 0, /**< a type not listed here: read vo_vapi_message_type() */
    VO_VAPI_MSG_ASSISTANT_REQUEST = 1,  /**< "assistant-request": reply with an assistant */
    VO_VAPI_MSG_TOOL_CALLS = 2,         /**< "tool-calls": reply with results */
    VO_VAPI_MSG_STATUS_UPDATE = 3,      /**< "status-update" */
    VO_VAPI_MSG_END_OF_CALL_REPORT = 4, /**< "end-of-call-report" */
    VO_VAPI_MSG_TRANSCRIPT = 5,         /**< "transcript" */
    VO_VAPI_MSG_HANG = 6,               /**< "hang" */
    VO_VAPI_MSG_TRANSFER_DESTINATION_REQUEST = 7, /**< "transfer-destination-request" */
    VO_VAPI_MSG_CONVERSATION_UPDATE = 8           /**< "conversation-update" */
} vo_vapi_message_kind;

typedef struct vo_vapi_message vo_vapi_message;

/**
 * Parse a server message body (the raw bytes Vapi posted).
 *
 * @param out  receives the message; free it with vo_vapi_message_free().
 * @return VO_OK; VO_ETOOBIG above VO_VAPI_MESSAGE_MAX_SIZE; VO_EPARSE when the body is not
 *         JSON, has no `message` object, or the message has no string `type`, or a
 *         `tool-calls` message has no valid `toolCallList` (each entry needs a string `id`
 *         and a `function.name`); VO_EINVAL on NULL arguments; VO_ENOMEM.
 */
VO_EXTERN int vo_vapi_message_parse(vo_vapi_message **out, const char *body, size_t len);

/**
 * Release a parsed message. Accepts NULL.
 * Closing or freeing it twice, or passing a handle of another type, is reported
 * (VO_EHANDLE in vo_error_last() and an error log line) and ignored; later calls with it
 * give VO_EHANDLE (docs/handles.md).
 */
VO_EXTERN void vo_vapi_message_free(vo_vapi_message *msg);

/** The message type as sent (e.g. "status-update"); never NULL for a parsed message. */
VO_EXTERN const char *vo_vapi_message_type(const vo_vapi_message *msg);
/** The type as an enum value (VO_VAPI_MSG_OTHER for types not listed). */
VO_EXTERN vo_vapi_message_kind vo_vapi_message_kind_of(const vo_vapi_message *msg);

/*
 * The fields handlers branch on. Each returns a string owned by the message (valid until
 * vo_vapi_message_free()), or NULL when the message does not carry it.
 */
/** `message.call.id`. */
VO_EXTERN const char *vo_vapi_message_call_id(const vo_vapi_message *msg);
/** `message.call.orgId`. */
VO_EXTERN const char *vo_vapi_message_org_id(const vo_vapi_message *msg);
/** `message.phoneNumber.id`, else `message.call.phoneNumberId`. */
VO_EXTERN const char *vo_vapi_message_phone_number_id(const vo_vapi_message *msg);
/** `message.phoneNumber.number` (the E.164 number that was called or that calls). */
VO_EXTERN const char *vo_vapi_message_phone_number(const vo_vapi_message *msg);
/** `message.customer.number`, else `message.call.customer.number`. */
VO_EXTERN const char *vo_vapi_message_customer_number(const vo_vapi_message *msg);
/** `message.status` (status-update). */
VO_EXTERN const char *vo_vapi_message_status(const vo_vapi_message *msg);
/** `message.endedReason` (status-update "ended", end-of-call-report). */
VO_EXTERN const char *vo_vapi_message_ended_reason(const vo_vapi_message *msg);
/** The whole `message` object as compact JSON text, for fields not exposed above. */
VO_EXTERN const char *vo_vapi_message_json(const vo_vapi_message *msg);

/** Number of entries in `message.toolCallList` (0 for other types). */
VO_EXTERN size_t vo_vapi_message_tool_call_count(const vo_vapi_message *msg);
/** `toolCallList[i].id`, or NULL when i is out of range. */
VO_EXTERN const char *vo_vapi_message_tool_call_id(const vo_vapi_message *msg, size_t i);
/** `toolCallList[i].function.name`, or NULL. */
VO_EXTERN const char *vo_vapi_message_tool_call_name(const vo_vapi_message *msg, size_t i);
/**
 * `toolCallList[i].function.arguments` as JSON text: Vapi sends either an object or a
 * string holding JSON; both come back as the JSON text ("{}" when absent). NULL out of range.
 */
VO_EXTERN const char *vo_vapi_message_tool_call_arguments(const vo_vapi_message *msg, size_t i);

/**
 * Build the reply to an `assistant-request`: exactly one of `assistant_id` (an existing
 * assistant), `assistant_json` (a transient assistant, a JSON object text) or `error` (the
 * call is refused; Vapi speaks the text to the caller) must be given.
 *
 * @param out  receives NUL-terminated JSON, e.g. `{"assistantId":"..."}`; free with vo_free().
 * @return VO_OK, VO_EINVAL (none or several given, or assistant_json is not a JSON object),
 *         VO_ENOMEM.
 */
VO_EXTERN int vo_vapi_message_assistant_reply(char **out, const char *assistant_id,
                                              const char *assistant_json, const char *error);

/** Results for a `tool-calls` reply, built up one tool call at a time. */
typedef struct vo_vapi_tool_results vo_vapi_tool_results;

/** Start an empty list of results. Free it with vo_vapi_tool_results_free(). */
VO_EXTERN int vo_vapi_tool_results_new(vo_vapi_tool_results **out);

/**
 * Add the outcome of one tool call: `tool_call_id` (from the message) and `name` (the
 * function name, may be NULL), then exactly one of `result` (success; text added to the
 * conversation) or `error` (failure).
 * @return VO_OK, VO_EINVAL (missing id, both or neither of result/error), VO_ENOMEM.
 */
VO_EXTERN int vo_vapi_tool_results_add(vo_vapi_tool_results *results, const char *tool_call_id,
                                       const char *name, const char *result, const char *error);

/**
 * The reply as JSON text: `{"results":[{"toolCallId":..., "name":..., "result"|"error":...}]}`.
 * @param out  receives NUL-terminated JSON; free it with vo_free().
 */
VO_EXTERN int vo_vapi_tool_results_json(char **out, const vo_vapi_tool_results *results);

/**
 * Release a result list. Accepts NULL.
 * Closing or freeing it twice, or passing a handle of another type, is reported
 * (VO_EHANDLE in vo_error_last() and an error log line) and ignored; later calls with it
 * give VO_EHANDLE (docs/handles.md).
 */
VO_EXTERN void vo_vapi_tool_results_free(vo_vapi_tool_results *results);

#ifdef __cplusplus
}
#endif

#endif /* VOICEOPS_VAPI_MESSAGE_H */
