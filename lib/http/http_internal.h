/* Internal helpers of the HTTP module shared with the provider clients. */
#ifndef VO_HTTP_INTERNAL_H
#define VO_HTTP_INTERNAL_H

#include <stdint.h>

/** Monotonic clock in milliseconds. */
int64_t vo__http_now_ms(void);

struct vo_http_response;
/** Requests actually put on the wire for a response, including libcurl's own resends. */
int vo__http_response_sends(const struct vo_http_response *r);

struct vo_http_client;
struct vo_http_request;
/** vo_http_send() without the check that the caller still holds the HTTP client: for the
 *  provider clients, which keep a reference to a shared HTTP client that its owner may have
 *  freed already. */
int vo__http_send(struct vo_http_response **out, struct vo_http_client *c,
                  const struct vo_http_request *req);

#endif
