/* Internal helpers shared by the service flows: one run's correlation id and transport,
 * tenant-scoped clients built from the run's options, and audit rows. */
#ifndef VO_SERVICES_INTERNAL_H
#define VO_SERVICES_INTERNAL_H

#include <stdbool.h>

#include "../core/internal.h"
#include "voiceops/services.h"
#include "voiceops/twilio.h"
#include "voiceops/vapi.h"

typedef struct vo__svc {
    const vo_services_options *opts; /* &given: never NULL after vo__svc_begin() */
    vo_services_options given;       /* the caller's options (zero = defaults) */
    vo__cid_scope cid; /* the run's correlation id (cid.id) and the thread's before it */
    vo_http_client *http;
    bool owns_http;
} vo__svc;

/* Check the options, set the run's correlation id on the thread, make or borrow a transport. */
int vo__svc_begin(vo__svc *s, const vo_services_options *opts, const char *fn);
/* Restore the thread's correlation id and free the transport when owned. */
void vo__svc_end(vo__svc *s);

int vo__svc_twilio_for_tenant(vo_twilio_client **out, vo__svc *s, vo_vault *vault,
                              const char *tenant);
int vo__svc_twilio_with(vo_twilio_client **out, vo__svc *s, const vo_twilio_credentials *creds);
int vo__svc_vapi_for_tenant(vo_vapi_client **out, vo__svc *s, vo_vault *vault,
                            const char *tenant);
int vo__svc_vapi_with(vo_vapi_client **out, vo__svc *s, const char *api_key);

/* Verify results of the service-level verify calls (routing, guard). Begin: the version-1
 * fields (and version-2 ones when the version has them) say "nothing verified"; an unknown
 * version is VO_EINVAL (reason VO_VERIFY_INVALID_ARGUMENT) naming `fn`. Fail: set the reason
 * of a failure whose error message is already recorded; returns rc. `res` may be NULL. */
int vo__svc_result_begin(vo_verify_result *res, const char *fn);
int vo__svc_result_fail(vo_verify_result *res, vo_verify_reason reason, int rc);

/* Append an audit row whose result is "ok" for VO_OK, else the code's name. The current
 * error record is kept (an audit failure is returned, not recorded over it, unless rc is
 * VO_OK). */
int vo__svc_audit(vo_vault *vault, const char *tenant, const char *name, const char *action,
                  int rc);
int vo__svc_audit_result(vo_vault *vault, const char *tenant, const char *name,
                         const char *action, const char *result);

#endif
