/*
 * What the http module offers the REST layer (lib/rest), and no other module: the one
 * internal interface between two modules besides lib/core/internal.h and
 * lib/rest/rest_internal.h (docs/architecture.md; tests/abi/check_layering.py allows this
 * header in lib/rest only).
 */
#ifndef VO_HTTP_TRANSPORT_H
#define VO_HTTP_TRANSPORT_H

#include "voiceops/http.h"

/** Requests actually put on the wire for a response, including libcurl's own silent resends
 *  on a dead keep-alive connection (vo_http_response_attempts() counts only our attempts).
 *  For the DELETE-after-resend rule. */
int vo__http_response_sends(const vo_http_response *r);

/** vo_http_send() without the check that the caller still holds the HTTP client: for the
 *  REST clients, which keep a reference to a shared HTTP client that its owner may have
 *  closed already (docs/handles.md). */
int vo__http_send(vo_http_response **out, vo_http_client *c, const vo_http_request *req);

#endif /* VO_HTTP_TRANSPORT_H */
