/* The voiceops N-API addon: shared declarations.
 *
 * Layout: addon.c (module init, per-instance state, logging bridge, handles, async jobs),
 * n_util.c (argument conversion), n_webhook.c (synchronous verification, signing, parsing),
 * n_vault.c (vault, credentials), n_clients.c (HTTP, Twilio and Vapi clients, iterators),
 * n_services.c (onboarding, number import, routing, token rotation).
 *
 * Rules: no process-wide JS state (everything per napi_env through instance data, so the
 * addon loads in several worker_threads); blocking calls run in napi_async_work on the
 * libuv pool; a C error is copied with vo_error_snapshot_take() on the thread that made the
 * call; strings that may hold secrets are wiped before they are freed. */
#ifndef VN_ADDON_H
#define VN_ADDON_H

#include <node_api.h>
#include <stdint.h>
#include <voiceops.h>

/* ---- per-instance state ------------------------------------------------------------- */

typedef struct vn_state {
    napi_ref error_factory; /* JS (code, props) => VoiceOpsError, set by lib/index.js */
    struct vn_logsink *log; /* this instance's log sink, or NULL */
    int initialized;        /* vo_init() succeeded for this instance */
} vn_state;

vn_state *vn_state_of(napi_env env);

/* ---- handles ------------------------------------------------------------------------ */

typedef enum vn_kind {
    VN_VAULT = 1,
    VN_TWILIO,
    VN_VAPI,
    VN_TWILIO_ITER,
    VN_VAPI_ITER,
    VN_HTTP,
    VN_SECRET,
    VN_TWILIO_KEYS, /* a vn_twilio_keys: auth tokens held for repeated verification */
    VN_KIND_COUNT
} vn_kind;

/* A C handle owned by a JS external. `pending` counts async jobs using it (each also holds
 * a napi_ref on the external, so the finalizer cannot run under them); close() frees the C
 * handle at once when nothing is pending, else the last job to finish frees it. All fields
 * are touched on the JS thread only. */
typedef struct vn_handle {
    vn_kind kind;
    void *ptr;
    int pending;
    int closed;
    int64_t cost; /* external memory reported to V8 while the C handle lives */
} vn_handle;

napi_value vn_handle_wrap(napi_env env, vn_kind kind, void *ptr);
/* The live handle in `value` of `kind`; throws and returns NULL otherwise. */
vn_handle *vn_handle_get(napi_env env, napi_value value, vn_kind kind);
void vn_handle_release_c(napi_env env, vn_handle *h);
/* The handle in `value`, or NULL (nothing thrown) when it is not one. */
vn_handle *vn_handle_peek(napi_env env, napi_value value);
const char *vn_kind_name(vn_kind kind);

/* Auth tokens kept in guarded memory (vo_secret) for repeated Twilio verification. */
typedef struct vn_twilio_keys {
    size_t count;
    vo_secret **secrets;
    const char **tokens; /* vo_secret_str() of each */
    int64_t max_body;    /* the verifier's options, read once */
    bool exact_url_only;
} vn_twilio_keys;
void vn_twilio_keys_free(vn_twilio_keys *k);

/* ---- errors ------------------------------------------------------------------------- */

/* Build the JS error for a snapshot (through the factory of lib/index.js). */
napi_value vn_error_value(napi_env env, const vo_error_snapshot *snap);
/* Throw the calling thread's last C error. Returns NULL for convenience. */
napi_value vn_throw_last(napi_env env);
/* Throw a VoiceOpsError of `code` with `message` (binding-side checks). */
napi_value vn_throw_code(napi_env env, int code, const char *message);
/* Throw a TypeError. */
napi_value vn_throw_type(napi_env env, const char *message);

/* ---- async jobs --------------------------------------------------------------------- */

#define VN_JOB_HANDLES 3
#define VN_JOB_STRINGS 12
#define VN_JOB_INTS 8

typedef struct vn_job vn_job;
typedef void (*vn_exec_fn)(vn_job *job);
typedef napi_value (*vn_done_fn)(napi_env env, vn_job *job);
typedef void (*vn_cleanup_fn)(vn_job *job);

struct vn_job {
    napi_async_work work;
    napi_deferred deferred;
    vn_handle *h[VN_JOB_HANDLES];
    napi_ref href[VN_JOB_HANDLES];
    vn_exec_fn exec;
    vn_done_fn done;       /* NULL: resolve with undefined */
    vn_cleanup_fn cleanup; /* frees outputs that done() did not take */
    int rc;
    vo_error_snapshot err;
    /* inputs: strings are owned (wiped and freed), NULL when absent */
    char *s[VN_JOB_STRINGS];
    int64_t i[VN_JOB_INTS];
    unsigned char *buf;
    size_t buf_len;
    vo_param *params;
    char **param_store;
    size_t param_count;
    void *ctx; /* a per-operation struct, freed with free() after cleanup */
    /* outputs */
    void *out[3];
    int64_t o[4];
    char *ostr;   /* malloc'd, wiped and freed with the job */
    char *ostr_c; /* from a char ** out-parameter: vo_free() (by the operation's cleanup) */
};

vn_job *vn_job_new(napi_env env, size_t ctx_size);
/* Pin a live handle for the job's lifetime; returns its C pointer, or NULL (thrown). */
void *vn_job_pin(napi_env env, vn_job *job, napi_value value, vn_kind kind);
/* Queue the job; returns the promise. Frees the job and throws on failure. */
napi_value vn_job_queue(napi_env env, vn_job *job, const char *name);
/* Free a job that was not queued (argument errors). */
void vn_job_discard(napi_env env, vn_job *job);
/* After a C call inside exec: record rc and, on failure, the snapshot. */
void vn_job_result(vn_job *job, int rc);

/* ---- argument conversion (n_util.c) ------------------------------------------------- */

#define VN_ARGS(n)                                                     \
  size_t argc = (n);                                                   \
  napi_value argv[(n) > 0 ? (n) : 1];                                  \
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) \
    return NULL;

int vn_is_nullish(napi_env env, napi_value v);
/* A malloc'd UTF-8 copy of a string value (NULL when nullish and `optional`); throws a
 * TypeError naming `what` otherwise. Returns 0 on success. */
int vn_str(napi_env env, napi_value v, const char *what, int optional, char **out);
/* The same for a property of an object (absent or nullish: NULL). */
int vn_prop_str(napi_env env, napi_value obj, const char *name, char **out);
int vn_prop_int64(napi_env env, napi_value obj, const char *name, int64_t *out, int64_t dflt);
int vn_prop_bool(napi_env env, napi_value obj, const char *name, int *out);
int vn_prop_get(napi_env env, napi_value obj, const char *name, napi_value *out);
int vn_int64(napi_env env, napi_value v, const char *what, int64_t *out);
/* vn_int64(), except that undefined or null leaves *out as it is (an optional argument). */
int vn_opt_int64(napi_env env, napi_value v, const char *what, int64_t *out);
/* Bytes of a Buffer / Uint8Array / string into a malloc'd copy (never NULL on success). */
int vn_bytes_copy(napi_env env, napi_value v, const char *what, unsigned char **out,
                  size_t *len);
/* Bytes without copying when the value is a Buffer/TypedArray (valid during the call);
 * strings are copied into *tmp (free it). */
int vn_bytes_view(napi_env env, napi_value v, const char *what, const unsigned char **out,
                  size_t *len, char **tmp);
/* An array of strings into a malloc'd array of malloc'd strings. */
int vn_str_array(napi_env env, napi_value v, const char *what, char ***out, size_t *count);
void vn_str_array_free(char **arr, size_t count);
/* An array of [name, value] pairs (or an object) into vo_param + storage. */
int vn_params(napi_env env, napi_value v, const char *what, vo_param **out, char ***store,
              size_t *count);
void vn_params_free(vo_param *params, char **store, size_t count);
/* Wipe and free a string that may hold a secret. */
void vn_wipe_free(char *s);

napi_value vn_string(napi_env env, const char *s); /* NULL -> null */
napi_value vn_int(napi_env env, int64_t v);
napi_value vn_bool(napi_env env, int v);
napi_value vn_undefined(napi_env env);
napi_value vn_null(napi_env env);
void vn_set(napi_env env, napi_value obj, const char *name, napi_value v);
void vn_set_str(napi_env env, napi_value obj, const char *name, const char *s);
void vn_set_int(napi_env env, napi_value obj, const char *name, int64_t v);
napi_value vn_object(napi_env env);

/* ---- exported function tables -------------------------------------------------------- */

typedef struct vn_fn {
    const char *name;
    napi_callback cb;
} vn_fn;

void vn_export(napi_env env, napi_value exports, const vn_fn *fns);
void vn_webhook_exports(napi_env env, napi_value exports);
void vn_vault_exports(napi_env env, napi_value exports);
void vn_clients_exports(napi_env env, napi_value exports);
void vn_services_exports(napi_env env, napi_value exports);

/* Shared by n_vault.c and n_services.c: JS credential objects to C and back. */
int vn_twilio_creds_from(napi_env env, napi_value obj, vo_twilio_credentials **out);
int vn_vapi_creds_from(napi_env env, napi_value obj, vo_vapi_credentials **out);
int vn_vapi_opts_from(napi_env env, napi_value obj, vo_webhook_vapi_options *o, char **store);
/* A verify result as a JS object ({ valid, code, reason, reasonName, httpStatus, ... }). */
napi_value vn_verify_result(napi_env env, int rc, const vo_verify_result *r);
/* The request fields of a JS request object ({ method, url, headers, body }). */
typedef struct vn_request {
    vo_webhook_request req;
    vo_param *headers;
    char **header_store;
    size_t header_count;
    char *method, *url;
    unsigned char *body;
} vn_request;
int vn_request_from(napi_env env, napi_value obj, vn_request *out);
void vn_request_free(vn_request *r);
/* Common option objects for services (n_services.c) and clients. */
typedef struct vn_services_ctx {
    vo_services_options so;
    vo_http_options http;
    char *str[4];
} vn_services_ctx;
int vn_services_opts_from(napi_env env, napi_value obj, vn_job *job, vn_services_ctx *ctx);
void vn_services_ctx_free(vn_services_ctx *ctx);
int vn_http_opts_from(napi_env env, napi_value obj, vo_http_options *o, char **ca, char **ua);

#endif /* VN_ADDON_H */
