/* Vapi server messages: envelope parsing, the fields handlers branch on, replies. */
#include <cjson/cJSON.h>

#include "testutil.h"

static vo_vapi_message *parse(const char *s)
{
    vo_vapi_message *m = NULL;
    ck_assert_vo_ok(vo_vapi_message_parse(&m, s, strlen(s)));
    return m;
}

START_TEST(assistant_request)
{
    vo_vapi_message *m = parse(
        "{\"message\":{\"type\":\"assistant-request\",\"timestamp\":1764000000000,"
        "\"call\":{\"id\":\"call-1\",\"orgId\":\"org-9\",\"phoneNumberId\":\"pn-from-call\","
        "\"customer\":{\"number\":\"+14155550123\"}},"
        "\"phoneNumber\":{\"id\":\"pn-1\",\"number\":\"+14155550100\"}}}");
    ck_assert_str_eq(vo_vapi_message_type(m), "assistant-request");
    ck_assert_int_eq(vo_vapi_message_kind_of(m), VO_VAPI_MSG_ASSISTANT_REQUEST);
    ck_assert_str_eq(vo_vapi_message_call_id(m), "call-1");
    ck_assert_str_eq(vo_vapi_message_org_id(m), "org-9");
    ck_assert_str_eq(vo_vapi_message_phone_number_id(m), "pn-1");
    ck_assert_str_eq(vo_vapi_message_phone_number(m), "+14155550100");
    ck_assert_str_eq(vo_vapi_message_customer_number(m), "+14155550123");
    ck_assert_ptr_null(vo_vapi_message_status(m));
    ck_assert_uint_eq(vo_vapi_message_tool_call_count(m), 0);
    ck_assert_ptr_null(vo_vapi_message_tool_call_id(m, 0));
    /* The JSON of the message object round-trips. */
    cJSON *j = cJSON_Parse(vo_vapi_message_json(m));
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(cJSON_GetObjectItem(j, "type")->valuestring, "assistant-request");
    cJSON_Delete(j);
    vo_vapi_message_free(m);
}
END_TEST

START_TEST(fallback_fields)
{
    vo_vapi_message *m = parse(
        "{\"message\":{\"type\":\"status-update\",\"status\":\"ended\","
        "\"endedReason\":\"customer-ended-call\",\"customer\":{\"number\":\"+1999\"},"
        "\"call\":{\"id\":\"c\",\"phoneNumberId\":\"pn-2\",\"customer\":{\"number\":\"+1888\"}}}}");
    ck_assert_int_eq(vo_vapi_message_kind_of(m), VO_VAPI_MSG_STATUS_UPDATE);
    ck_assert_str_eq(vo_vapi_message_status(m), "ended");
    ck_assert_str_eq(vo_vapi_message_ended_reason(m), "customer-ended-call");
    ck_assert_str_eq(vo_vapi_message_phone_number_id(m), "pn-2");
    ck_assert_str_eq(vo_vapi_message_customer_number(m), "+1999");
    ck_assert_ptr_null(vo_vapi_message_phone_number(m));
    vo_vapi_message_free(m);
    m = parse(
        "{\"message\":{\"type\":\"end-of-call-report\",\"call\":{\"customer\":{\"number\":\"+1888\"}}}}");
    ck_assert_int_eq(vo_vapi_message_kind_of(m), VO_VAPI_MSG_END_OF_CALL_REPORT);
    ck_assert_str_eq(vo_vapi_message_customer_number(m), "+1888");
    ck_assert_ptr_null(vo_vapi_message_call_id(m));
    vo_vapi_message_free(m);
    /* Unknown types are kept as text. */
    m = parse("{\"message\":{\"type\":\"speech-update\",\"role\":\"user\"}} \r\n");
    ck_assert_int_eq(vo_vapi_message_kind_of(m), VO_VAPI_MSG_OTHER);
    ck_assert_str_eq(vo_vapi_message_type(m), "speech-update");
    vo_vapi_message_free(m);
}
END_TEST

START_TEST(tool_calls)
{
    vo_vapi_message *m = parse(
        "{\"message\":{\"type\":\"tool-calls\",\"toolWithToolCallList\":[],\"toolCallList\":["
        "{\"id\":\"tc-1\",\"type\":\"function\",\"function\":{\"name\":\"book\","
        "\"arguments\":{\"date\":\"2026-12-01\",\"seats\":2}}},"
        "{\"id\":\"tc-2\",\"type\":\"function\",\"function\":{\"name\":\"lookup\","
        "\"arguments\":\"{\\\"q\\\":\\\"x\\\"}\"}},"
        "{\"id\":\"tc-3\",\"type\":\"function\",\"function\":{\"name\":\"noargs\"}}]}}");
    ck_assert_int_eq(vo_vapi_message_kind_of(m), VO_VAPI_MSG_TOOL_CALLS);
    ck_assert_uint_eq(vo_vapi_message_tool_call_count(m), 3);
    ck_assert_str_eq(vo_vapi_message_tool_call_id(m, 0), "tc-1");
    ck_assert_str_eq(vo_vapi_message_tool_call_name(m, 0), "book");
    ck_assert_str_eq(vo_vapi_message_tool_call_arguments(m, 0),
                     "{\"date\":\"2026-12-01\",\"seats\":2}");
    ck_assert_str_eq(vo_vapi_message_tool_call_arguments(m, 1), "{\"q\":\"x\"}");
    ck_assert_str_eq(vo_vapi_message_tool_call_arguments(m, 2), "{}");
    ck_assert_ptr_null(vo_vapi_message_tool_call_name(m, 3));
    ck_assert_ptr_null(vo_vapi_message_tool_call_arguments(m, 3));
    vo_vapi_message_free(m);
}
END_TEST

START_TEST(malformed_messages)
{
    const char *bad[] = {
        "",
        "not json",
        "[]",
        "{}",
        "{\"message\":1}",
        "{\"message\":{}}",
        "{\"message\":{\"type\":7}}",
        "{\"message\":{\"type\":\"\"}}",
        "{\"message\":{\"type\":\"status-update\"}} trailing",
        "{\"message\":{\"type\":\"tool-calls\"}}",
        "{\"message\":{\"type\":\"tool-calls\",\"toolCallList\":{}}}",
        "{\"message\":{\"type\":\"tool-calls\",\"toolCallList\":[{\"id\":\"x\"}]}}",
        "{\"message\":{\"type\":\"tool-calls\",\"toolCallList\":[{\"function\":{\"name\":\"n\"}}]}}",
        "{\"message\":{\"type\":\"status-update\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        vo_vapi_message *m = (vo_vapi_message *)1;
        int rc = vo_vapi_message_parse(&m, bad[i], strlen(bad[i]));
        ck_assert_msg(rc == VO_EPARSE, "'%s' gave %s", bad[i], vo_error_name(rc));
        ck_assert_ptr_null(m);
    }
    vo_vapi_message *m;
    ck_assert_vo_rc(vo_vapi_message_parse(NULL, "{}", 2), VO_EINVAL);
    ck_assert_vo_rc(vo_vapi_message_parse(&m, NULL, 0), VO_EINVAL);
    /* An embedded NUL ends nothing early: the length is what counts. */
    ck_assert_vo_rc(vo_vapi_message_parse(&m, "{\"message\":{\"type\":\"x\"}}\0zz", 27),
                    VO_EPARSE);
    size_t big = VO_VAPI_MESSAGE_MAX_SIZE + 1;
    char *b = malloc(big);
    ck_assert_ptr_nonnull(b);
    memset(b, ' ', big);
    ck_assert_vo_rc(vo_vapi_message_parse(&m, b, big), VO_ETOOBIG);
    free(b);
    vo_vapi_message_free(NULL);
    ck_assert_ptr_null(vo_vapi_message_type(NULL));
    ck_assert_uint_eq(vo_vapi_message_tool_call_count(NULL), 0);
}
END_TEST

START_TEST(assistant_replies)
{
    char *out = NULL;
    ck_assert_vo_ok(vo_vapi_message_assistant_reply(&out, "asst-1", NULL, NULL));
    ck_assert_str_eq(out, "{\"assistantId\":\"asst-1\"}");
    vo_free(out);
    ck_assert_vo_ok(vo_vapi_message_assistant_reply(
        &out, NULL, "{\"firstMessage\":\"Hi \\\"there\\\"\"}", NULL));
    ck_assert_str_eq(out, "{\"assistant\":{\"firstMessage\":\"Hi \\\"there\\\"\"}}");
    vo_free(out);
    ck_assert_vo_ok(
        vo_vapi_message_assistant_reply(&out, NULL, NULL, "Sorry, \"we\" are closed"));
    ck_assert_str_eq(out, "{\"error\":\"Sorry, \\\"we\\\" are closed\"}");
    vo_free(out);
    ck_assert_vo_rc(vo_vapi_message_assistant_reply(&out, NULL, NULL, NULL), VO_EINVAL);
    ck_assert_ptr_null(out);
    ck_assert_vo_rc(vo_vapi_message_assistant_reply(&out, "a", NULL, "e"), VO_EINVAL);
    ck_assert_vo_rc(vo_vapi_message_assistant_reply(&out, "", NULL, NULL), VO_EINVAL);
    ck_assert_vo_rc(vo_vapi_message_assistant_reply(&out, NULL, "[1]", NULL), VO_EINVAL);
    ck_assert_vo_rc(vo_vapi_message_assistant_reply(&out, NULL, "{bad", NULL), VO_EINVAL);
    ck_assert_vo_rc(vo_vapi_message_assistant_reply(NULL, "a", NULL, NULL), VO_EINVAL);
}
END_TEST

START_TEST(tool_replies)
{
    vo_vapi_tool_results *r = NULL;
    ck_assert_vo_ok(vo_vapi_tool_results_new(&r));
    char *out = NULL;
    ck_assert_vo_ok(vo_vapi_tool_results_json(&out, r));
    ck_assert_str_eq(out, "{\"results\":[]}");
    vo_free(out);
    ck_assert_vo_ok(vo_vapi_tool_results_add(r, "tc-1", "book", "booked for 2", NULL));
    ck_assert_vo_ok(vo_vapi_tool_results_add(r, "tc-2", NULL, NULL, "no \"seats\" left"));
    ck_assert_vo_rc(vo_vapi_tool_results_add(r, "tc-3", NULL, NULL, NULL), VO_EINVAL);
    ck_assert_vo_rc(vo_vapi_tool_results_add(r, "tc-3", NULL, "a", "b"), VO_EINVAL);
    ck_assert_vo_rc(vo_vapi_tool_results_add(r, "", NULL, "a", NULL), VO_EINVAL);
    ck_assert_vo_rc(vo_vapi_tool_results_add(NULL, "x", NULL, "a", NULL), VO_EINVAL);
    ck_assert_vo_ok(vo_vapi_tool_results_json(&out, r));
    ck_assert_str_eq(
        out,
        "{\"results\":[{\"toolCallId\":\"tc-1\",\"name\":\"book\",\"result\":"
        "\"booked for 2\"},{\"toolCallId\":\"tc-2\",\"error\":\"no \\\"seats\\\" left\"}]}");
    vo_free(out);
    vo_vapi_tool_results_free(r);
    vo_vapi_tool_results_free(NULL);
    ck_assert_vo_rc(vo_vapi_tool_results_json(&out, NULL), VO_EINVAL);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("vapi_message");
    TCase *t = tcase_create("vapi_message");
    tcase_add_test(t, assistant_request);
    tcase_add_test(t, fallback_fields);
    tcase_add_test(t, tool_calls);
    tcase_add_test(t, malformed_messages);
    tcase_add_test(t, assistant_replies);
    tcase_add_test(t, tool_replies);
    suite_add_tcase(s, t);
    return s;
}

VO_TEST_MAIN(suite)
