/* Helpers for tests that run against the sandbox server (tools/sandbox/voiceops_sandbox.py):
 * start it on a free port, and use its control API (/__sandbox/...) to seed state, inject
 * faults and read the request log and connection counts. */
#ifndef VO_TEST_SANDBOX_H
#define VO_TEST_SANDBOX_H

#include <cjson/cJSON.h>

#include "testserver.h"
#include "testutil.h"

static vo_test_server sandbox;

/* The sandbox script: $VO_SANDBOX_SCRIPT, else tools/sandbox/voiceops_sandbox.py. */
static inline const char *sandbox_script(char *buf, size_t size)
{
    const char *env = getenv("VO_SANDBOX_SCRIPT");
    if (env && *env) {
        snprintf(buf, size, "%s", env);
        return buf;
    }
    return vo_test_source_path("tools/sandbox/voiceops_sandbox.py", buf, size);
}

static inline int sandbox_available(void)
{
    char p[1024];
    return access(sandbox_script(p, sizeof(p)), R_OK) == 0;
}

static inline void sandbox_up(void)
{
    char p[1024];
    sandbox_script(p, sizeof(p));
    if (vo_test_server_start(&sandbox, p, NULL) != 0) {
        fprintf(stderr, "cannot start the sandbox %s\n", p);
        exit(2);
    }
}

static inline void sandbox_down(void)
{
    vo_test_server_stop(&sandbox);
}

/* One control call; returns the parsed JSON answer (caller deletes) and checks the status. */
static inline cJSON *sandbox_ctl(const char *method, const char *path, const char *json,
                                 int want)
{
    vo_http_options o = VO_HTTP_OPTIONS_INIT;
    o.max_attempts = 1;
    o.breaker_threshold = -1;
    vo_http_client *c = NULL;
    ck_assert_vo_ok(vo_http_client_new(&c, &o));
    vo_http_request r = VO_HTTP_REQUEST_INIT;
    r.method = method;
    r.base_url = sandbox.url;
    r.path = path;
    if (json) {
        r.body = json;
        r.body_len = strlen(json);
    }
    vo_http_response *resp = NULL;
    ck_assert_vo_ok(vo_http_send(&resp, c, &r));
    ck_assert_msg(vo_http_response_status(resp) == want, "%s %s -> %d: %s", method, path,
                  vo_http_response_status(resp), vo_http_response_body(resp, NULL));
    cJSON *j = cJSON_Parse(vo_http_response_body(resp, NULL));
    vo_http_response_free(resp);
    vo_http_client_free(c);
    return j;
}

static inline void sandbox_ctl_ok(const char *method, const char *path, const char *json,
                                  int want)
{
    cJSON_Delete(sandbox_ctl(method, path, json, want));
}

/* Inject a fault: kind is "429", "500", "503", "delay", "drop", "drop_after_read", "malformed". */
static inline void sandbox_fault(const char *method, const char *path, const char *kind,
                                 int count, const char *extra_json_fields)
{
    char body[1024];
    snprintf(body, sizeof(body),
             "{\"method\":\"%s\",\"path\":\"%s\",\"kind\":\"%s\",\"count\":%d%s%s}", method,
             path, kind, count, extra_json_fields ? "," : "",
             extra_json_fields ? extra_json_fields : "");
    sandbox_ctl_ok("POST", "/__sandbox/faults", body, 201);
}

/* Requests of a method to a path in the sandbox log. */
static inline int sandbox_count(const char *method, const char *path)
{
    char q[512];
    snprintf(q, sizeof(q), "/__sandbox/requests?method=%s&path=%s", method, path);
    cJSON *j = sandbox_ctl("GET", q, NULL, 200);
    int n = cJSON_GetArraySize(j);
    cJSON_Delete(j);
    return n;
}

static inline long sandbox_stat(const char *name)
{
    cJSON *j = sandbox_ctl("GET", "/__sandbox/stats", NULL, 200);
    long v = (long)cJSON_GetObjectItem(j, name)->valuedouble;
    cJSON_Delete(j);
    return v;
}

/* Main for suites that need the sandbox: skip (TAP "1..0 # SKIP") when it is missing. */
#define VO_SANDBOX_TEST_MAIN(suite_fn)                                                    \
  int main(void)                                                                          \
  {                                                                                       \
    if (!sandbox_available()) {                                                           \
      printf("1..0 # SKIP sandbox server tools/sandbox/voiceops_sandbox.py not found\n"); \
      return 0;                                                                           \
    }                                                                                     \
    if (vo_init() != VO_OK)                                                               \
      return 2;                                                                           \
    SRunner *sr = srunner_create(suite_fn());                                             \
    srunner_run_all(sr, CK_ENV);                                                          \
    int failed = srunner_ntests_failed(sr);                                               \
    srunner_free(sr);                                                                     \
    vo_shutdown();                                                                        \
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;                                     \
  }

#endif
