/*
 * Interface of the HTTP module for the other modules of the library, beyond the public
 * voiceops/http.h (as lib/core/internal.h is the core's). Nothing here is exported.
 * Its one user is the REST layer (lib/rest); the provider clients use lib/rest, not this.
 * The module's own internals are in http_internal.h, which no other module includes.
 */
#ifndef VO_HTTP_LIB_INTERNAL_H
#define VO_HTTP_LIB_INTERNAL_H

#include "voiceops/http.h"

/** Requests actually put on the wire for a response, including libcurl's own silent resends
 *  on a dead keep-alive connection (vo_http_response_attempts() counts only our attempts). */
int vo__http_response_sends(const vo_http_response *r);

/** vo_http_send() without the check that the caller still holds the HTTP client: for the
 *  provider clients, which keep a reference to a shared HTTP client that its owner may have
 *  freed already. */
int vo__http_send(vo_http_response **out, vo_http_client *c, const vo_http_request *req);

#endif
