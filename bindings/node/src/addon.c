/* The voiceops N-API addon: module init, per-instance state, handles, errors, async jobs
 * and the logging bridge. See addon.h for the rules. */
#include "addon.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- per-instance state ------------------------------------------------------------- */

vn_state *vn_state_of(napi_env env)
{
    void *data = NULL;
    if (napi_get_instance_data(env, &data) != napi_ok)
        return NULL;
    return data;
}

/* ---- logging bridge ----------------------------------------------------------------- */

/* The C logger is process-wide (vo_log_set_callback), so the sinks of all instances (the
 * main thread and every worker that set a callback) live in one list guarded by a mutex;
 * each sink is the thread-safe function of its own instance, which runs the JS callback on
 * that instance's thread. */
typedef struct vn_logsink {
    napi_threadsafe_function tsfn;
    int min_level;
    struct vn_logsink *next;
} vn_logsink;

typedef struct vn_logmsg {
    int level;
    char *module, *message, *correlation_id;
} vn_logmsg;

/* log_lock guards the list and is taken by log_cb, which the C logger calls while it holds
 * its own lock; so vo_log_set_callback() (which takes the logger's lock) is never called with
 * log_lock held. install_lock, taken only by setters, orders concurrent reinstalls. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;
static vn_logsink *log_sinks;

static void logmsg_free(vn_logmsg *m)
{
    if (!m)
        return;
    free(m->module);
    free(m->message);
    free(m->correlation_id);
    free(m);
}

static void log_cb(const vo_log_record *rec, void *payload)
{
    (void)payload;
    pthread_mutex_lock(&log_lock);
    for (vn_logsink *s = log_sinks; s; s = s->next) {
        if ((int)rec->level < s->min_level)
            continue;
        vn_logmsg *m = calloc(1, sizeof(*m));
        if (!m)
            break;
        m->level = (int)rec->level;
        m->module = strdup(rec->module ? rec->module : "");
        m->message = strdup(rec->message ? rec->message : "");
        m->correlation_id = strdup(rec->correlation_id ? rec->correlation_id : "");
        if (!m->module || !m->message || !m->correlation_id ||
            napi_call_threadsafe_function(s->tsfn, m, napi_tsfn_nonblocking) != napi_ok)
            logmsg_free(m); /* queue full or closing: the record is dropped */
    }
    pthread_mutex_unlock(&log_lock);
}

/* With install_lock held and log_lock NOT held: install the C callback with the lowest
 * threshold of all sinks. */
static void log_reinstall(void)
{
    int min = VO_LOG_NONE, any;
    pthread_mutex_lock(&log_lock);
    for (vn_logsink *s = log_sinks; s; s = s->next)
        if (s->min_level < min)
            min = s->min_level;
    any = log_sinks != NULL;
    pthread_mutex_unlock(&log_lock);
    if (any)
        vo_log_set_callback(log_cb, (vo_log_level)min, NULL);
    else
        vo_log_set_callback(NULL, VO_LOG_NONE, NULL);
}

static void log_call_js(napi_env env, napi_value js_cb, void *context, void *data)
{
    (void)context;
    vn_logmsg *m = data;
    if (env && js_cb && m) {
        napi_value rec = vn_object(env);
        vn_set_int(env, rec, "level", m->level);
        vn_set_str(env, rec, "levelName", vo_log_level_name((vo_log_level)m->level));
        vn_set_str(env, rec, "module", m->module);
        vn_set_str(env, rec, "message", m->message);
        vn_set_str(env, rec, "correlationId", m->correlation_id);
        napi_value undef = vn_undefined(env), ignored;
        if (napi_call_function(env, undef, js_cb, 1, &rec, &ignored) ==
            napi_pending_exception) {
            napi_value exc;
            napi_get_and_clear_last_exception(env, &exc); /* a throwing logger is ignored */
        }
    }
    logmsg_free(m);
}

static void log_detach(vn_state *st)
{
    if (!st->log)
        return;
    pthread_mutex_lock(&install_lock);
    pthread_mutex_lock(&log_lock);
    for (vn_logsink **p = &log_sinks; *p; p = &(*p)->next) {
        if (*p == st->log) {
            *p = st->log->next;
            break;
        }
    }
    pthread_mutex_unlock(&log_lock);
    log_reinstall();
    pthread_mutex_unlock(&install_lock);
    /* no log_cb can reach the sink any more: it was unlinked under log_lock */
    napi_release_threadsafe_function(st->log->tsfn, napi_tsfn_abort);
    free(st->log);
    st->log = NULL;
}

/* logSet(fn | null, level) */
static napi_value n_log_set(napi_env env, napi_callback_info info)
{
    VN_ARGS(2);
    vn_state *st = vn_state_of(env);
    int64_t level = VO_LOG_INFO;
    if (argc > 1 && vn_opt_int64(env, argv[1], "level", &level))
        return NULL;
    if (level < VO_LOG_TRACE || level > VO_LOG_NONE)
        return vn_throw_type(env, "log level must be 0 (trace) .. 5 (none)");
    log_detach(st);
    if (argc < 1 || vn_is_nullish(env, argv[0]) || level == VO_LOG_NONE)
        return vn_undefined(env);
    napi_valuetype t;
    napi_typeof(env, argv[0], &t);
    if (t != napi_function)
        return vn_throw_type(env, "the log callback must be a function or null");
    vn_logsink *s = calloc(1, sizeof(*s));
    if (!s)
        return vn_throw_code(env, VO_ENOMEM, "out of memory");
    napi_value name;
    napi_create_string_utf8(env, "voiceops.log", NAPI_AUTO_LENGTH, &name);
    if (napi_create_threadsafe_function(env, argv[0], NULL, name, 4096, 1, NULL, NULL, NULL,
                                        log_call_js, &s->tsfn) != napi_ok) {
        free(s);
        return NULL;
    }
    napi_unref_threadsafe_function(env, s->tsfn); /* logging never keeps the process alive */
    s->min_level = (int)level;
    st->log = s;
    pthread_mutex_lock(&install_lock);
    pthread_mutex_lock(&log_lock);
    s->next = log_sinks;
    log_sinks = s;
    pthread_mutex_unlock(&log_lock);
    log_reinstall();
    pthread_mutex_unlock(&install_lock);
    return vn_undefined(env);
}

/* ---- errors ------------------------------------------------------------------------- */

napi_value vn_error_value(napi_env env, const vo_error_snapshot *snap)
{
    napi_value props = vn_object(env);
    vn_set_int(env, props, "code", snap->code);
    vn_set_str(env, props, "name", vo_error_name(snap->code));
    vn_set_str(env, props, "message",
               snap->message[0] ? snap->message : vo_strerror(snap->code));
    vn_set_int(env, props, "httpStatus", snap->http_status);
    vn_set_int(env, props, "providerCode", snap->provider_code);
    vn_set_str(env, props, "requestId", snap->provider_request_id);
    vn_set_str(env, props, "correlationId", snap->correlation_id);
    vn_set_str(env, props, "moreInfo", snap->more_info);
    if (snap->retry_after_ms >= 0)
        vn_set_int(env, props, "retryAfterMs", snap->retry_after_ms);
    else
        vn_set(env, props, "retryAfterMs", vn_null(env));

    vn_state *st = vn_state_of(env);
    napi_value factory = NULL, err = NULL;
    if (st && st->error_factory &&
        napi_get_reference_value(env, st->error_factory, &factory) == napi_ok && factory) {
        if (napi_call_function(env, vn_undefined(env), factory, 1, &props, &err) == napi_ok)
            return err;
        napi_value exc;
        napi_get_and_clear_last_exception(env, &exc);
    }
    napi_value msg, code;
    napi_create_string_utf8(env, snap->message, NAPI_AUTO_LENGTH, &msg);
    napi_create_string_utf8(env, vo_error_name(snap->code), NAPI_AUTO_LENGTH, &code);
    napi_create_error(env, code, msg, &err);
    return err;
}

napi_value vn_throw_last(napi_env env)
{
    vo_error_snapshot snap;
    vo_error_snapshot_init(&snap, VO_ERROR_SNAPSHOT_VERSION);
    vo_error_snapshot_take(&snap);
    if (snap.code == VO_OK) {
        snap.code = VO_ERROR;
        snprintf(snap.message, sizeof(snap.message), "unspecified failure");
    }
    napi_throw(env, vn_error_value(env, &snap));
    return NULL;
}

napi_value vn_throw_code(napi_env env, int code, const char *message)
{
    vo_error_snapshot snap;
    vo_error_snapshot_init(&snap, VO_ERROR_SNAPSHOT_VERSION);
    snap.code = code;
    snprintf(snap.message, sizeof(snap.message), "%s", message);
    napi_throw(env, vn_error_value(env, &snap));
    return NULL;
}

napi_value vn_throw_type(napi_env env, const char *message)
{
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending)
        napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return NULL;
}

/* setErrorFactory(fn) */
static napi_value n_set_error_factory(napi_env env, napi_callback_info info)
{
    VN_ARGS(1);
    vn_state *st = vn_state_of(env);
    if (st->error_factory)
        napi_delete_reference(env, st->error_factory);
    st->error_factory = NULL;
    if (napi_create_reference(env, argv[0], 1, &st->error_factory) != napi_ok)
        return NULL;
    return vn_undefined(env);
}

/* ---- handles ------------------------------------------------------------------------ */

static const napi_type_tag handle_tag = {0x766f6963656f7073ULL, 0x68616e646c650001ULL};

static const char *const kind_names[VN_KIND_COUNT] = {
    "?",          "Vault",  "TwilioClient",  "VapiClient", "twilio iterator", "vapi iterator",
    "HttpClient", "Secret", "TwilioVerifier"};

const char *vn_kind_name(vn_kind kind)
{
    return kind > 0 && kind < VN_KIND_COUNT ? kind_names[kind] : "?";
}

void vn_handle_release_c(napi_env env, vn_handle *h)
{
    void *p = h->ptr;
    h->ptr = NULL;
    if (!p)
        return;
    if (env && h->cost) {
        int64_t ignored;
        napi_adjust_external_memory(env, -h->cost, &ignored);
    }
    h->cost = 0;
    switch (h->kind) {
    case VN_VAULT: vo_vault_close(p); break;
    case VN_TWILIO: vo_twilio_client_free(p); break;
    case VN_VAPI: vo_vapi_client_free(p); break;
    case VN_TWILIO_ITER: vo_twilio_iter_free(p); break;
    case VN_VAPI_ITER: vo_vapi_iter_free(p); break;
    case VN_HTTP: vo_http_client_free(p); break;
    case VN_SECRET: vo_secret_free(p); break;
    case VN_TWILIO_KEYS: vn_twilio_keys_free(p); break;
    default: break;
    }
}

static void handle_finalize(napi_env env, void *data, void *hint)
{
    (void)env;
    (void)hint;
    vn_handle *h = data;
    vn_handle_release_c(env,
                        h); /* no job holds it: each job keeps a reference to the external */
    free(h);
}

napi_value vn_handle_wrap(napi_env env, vn_kind kind, void *ptr)
{
    vn_handle *h = calloc(1, sizeof(*h));
    napi_value ext;
    if (!h) {
        vn_handle tmp = {kind, ptr, 0, 0, 0};
        vn_handle_release_c(env, &tmp);
        return vn_throw_code(env, VO_ENOMEM, "out of memory");
    }
    h->kind = kind;
    h->ptr = ptr;
    if (napi_create_external(env, h, handle_finalize, NULL, &ext) != napi_ok) {
        vn_handle_release_c(env, h);
        free(h);
        return NULL;
    }
    napi_type_tag_object(env, ext, &handle_tag);
    /* Guarded memory (sodium_malloc: guard pages, several mappings per block), curl handles
     * and SQLite connections are invisible to V8: report a weight so that dropped handles are
     * collected before the process runs out of mappings. */
    static const int64_t cost[VN_KIND_COUNT] = {0,        1 << 20,  64 << 10, 64 << 10,
                                                16 << 10, 16 << 10, 64 << 10, 32 << 10};
    h->cost = cost[kind];
    int64_t ignored;
    napi_adjust_external_memory(env, h->cost, &ignored);
    return ext;
}

static vn_handle *handle_any(napi_env env, napi_value value)
{
    bool ok = false;
    napi_valuetype t;
    if (napi_typeof(env, value, &t) != napi_ok || t != napi_external ||
        napi_check_object_type_tag(env, value, &handle_tag, &ok) != napi_ok || !ok) {
        vn_throw_type(env, "not a voiceops handle");
        return NULL;
    }
    void *data = NULL;
    napi_get_value_external(env, value, &data);
    return data;
}

vn_handle *vn_handle_peek(napi_env env, napi_value value)
{
    bool ok = false;
    napi_valuetype t;
    void *data = NULL;
    if (napi_typeof(env, value, &t) != napi_ok || t != napi_external ||
        napi_check_object_type_tag(env, value, &handle_tag, &ok) != napi_ok || !ok ||
        napi_get_value_external(env, value, &data) != napi_ok)
        return NULL;
    return data;
}

vn_handle *vn_handle_get(napi_env env, napi_value value, vn_kind kind)
{
    vn_handle *h = handle_any(env, value);
    if (!h)
        return NULL;
    char msg[128];
    if (h->kind != kind) {
        snprintf(msg, sizeof(msg), "expected a %s, got a %s", vn_kind_name(kind),
                 vn_kind_name(h->kind));
        vn_throw_type(env, msg);
        return NULL;
    }
    if (h->closed || !h->ptr) {
        snprintf(msg, sizeof(msg), "this %s was closed", vn_kind_name(kind));
        vn_throw_code(env, VO_EHANDLE, msg);
        return NULL;
    }
    return h;
}

/* close(handle): frees the C handle now, or when the last pending job using it ends. */
static napi_value n_close(napi_env env, napi_callback_info info)
{
    VN_ARGS(1);
    vn_handle *h = handle_any(env, argv[0]);
    if (!h)
        return NULL;
    h->closed = 1;
    if (h->pending == 0)
        vn_handle_release_c(env, h);
    return vn_undefined(env);
}

/* isClosed(handle) */
static napi_value n_is_closed(napi_env env, napi_callback_info info)
{
    VN_ARGS(1);
    vn_handle *h = handle_any(env, argv[0]);
    if (!h)
        return NULL;
    return vn_bool(env, h->closed || !h->ptr);
}

/* ---- async jobs --------------------------------------------------------------------- */

vn_job *vn_job_new(napi_env env, size_t ctx_size)
{
    vn_job *job = calloc(1, sizeof(*job));
    if (job && ctx_size) {
        job->ctx = calloc(1, ctx_size);
        if (!job->ctx) {
            free(job);
            job = NULL;
        }
    }
    if (!job) {
        vn_throw_code(env, VO_ENOMEM, "out of memory");
        return NULL;
    }
    vo_error_snapshot_init(&job->err, VO_ERROR_SNAPSHOT_VERSION);
    return job;
}

void *vn_job_pin(napi_env env, vn_job *job, napi_value value, vn_kind kind)
{
    vn_handle *h = vn_handle_get(env, value, kind);
    if (!h)
        return NULL;
    for (int k = 0; k < VN_JOB_HANDLES; k++) {
        if (job->h[k])
            continue;
        if (napi_create_reference(env, value, 1, &job->href[k]) != napi_ok)
            return NULL;
        job->h[k] = h;
        h->pending++;
        return h->ptr;
    }
    vn_throw_code(env, VO_EINTERNAL, "too many handles in one call");
    return NULL;
}

static void job_unpin(napi_env env, vn_job *job)
{
    for (int k = 0; k < VN_JOB_HANDLES; k++) {
        vn_handle *h = job->h[k];
        if (!h)
            continue;
        job->h[k] = NULL;
        if (--h->pending == 0 && h->closed)
            vn_handle_release_c(env, h);
        if (env)
            napi_delete_reference(env, job->href[k]);
    }
}

static void job_free(vn_job *job)
{
    if (job->cleanup)
        job->cleanup(job);
    for (int k = 0; k < VN_JOB_STRINGS; k++)
        vn_wipe_free(job->s[k]);
    if (job->buf) {
        explicit_bzero(job->buf, job->buf_len);
        free(job->buf);
    }
    vn_params_free(job->params, job->param_store, job->param_count);
    vn_wipe_free(job->ostr);
    free(job->ctx);
    free(job);
}

void vn_job_discard(napi_env env, vn_job *job)
{
    if (!job)
        return;
    job_unpin(env, job);
    job_free(job);
}

void vn_job_result(vn_job *job, int rc)
{
    job->rc = rc;
    if (rc < 0) {
        vo_error_snapshot_take(&job->err);
        if (job->err.code == VO_OK) { /* not recorded: still report the code returned */
            job->err.code = rc;
            snprintf(job->err.message, sizeof(job->err.message), "%s", vo_strerror(rc));
        }
    }
}

static void job_execute(napi_env env, void *data)
{
    (void)env;
    vn_job *job = data;
    vo_error_clear();
    job->exec(job);
}

static void job_complete(napi_env env, napi_status status, void *data)
{
    vn_job *job = data;
    napi_value value = NULL;
    int reject = 0;
    if (status != napi_ok) {
        vo_error_snapshot snap;
        vo_error_snapshot_init(&snap, VO_ERROR_SNAPSHOT_VERSION);
        snap.code = VO_ERROR;
        snprintf(snap.message, sizeof(snap.message), "the operation was cancelled");
        value = vn_error_value(env, &snap);
        reject = 1;
    } else if (job->rc < 0) {
        value = vn_error_value(env, &job->err);
        reject = 1;
    } else {
        value = job->done ? job->done(env, job) : vn_undefined(env);
        if (!value) {
            napi_get_and_clear_last_exception(env, &value);
            reject = 1;
        }
    }
    job_unpin(env, job);
    if (reject)
        napi_reject_deferred(env, job->deferred, value);
    else
        napi_resolve_deferred(env, job->deferred, value);
    napi_delete_async_work(env, job->work);
    job_free(job);
}

napi_value vn_job_queue(napi_env env, vn_job *job, const char *name)
{
    napi_value promise, resource_name;
    if (napi_create_promise(env, &job->deferred, &promise) != napi_ok)
        goto fail;
    napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name);
    if (napi_create_async_work(env, NULL, resource_name, job_execute, job_complete, job,
                               &job->work) != napi_ok)
        goto fail;
    if (napi_queue_async_work(env, job->work) != napi_ok) {
        napi_delete_async_work(env, job->work);
        goto fail;
    }
    return promise;
fail:
    job_unpin(env, job);
    job_free(job);
    return NULL;
}

/* ---- core functions ----------------------------------------------------------------- */

static napi_value n_version(napi_env env, napi_callback_info info)
{
    (void)info;
    int major = 0, minor = 0, patch = 0;
    const char *v = vo_version(&major, &minor, &patch);
    napi_value o = vn_object(env);
    vn_set_str(env, o, "version", v);
    vn_set_int(env, o, "major", major);
    vn_set_int(env, o, "minor", minor);
    vn_set_int(env, o, "patch", patch);
    vn_set_int(env, o, "abi", vo_abi_version());
    vn_set_int(env, o, "addonAbi", VO_ABI_VERSION);
    return o;
}

static napi_value n_strerror(napi_env env, napi_callback_info info)
{
    VN_ARGS(1);
    int64_t code = 0;
    if (vn_int64(env, argv[0], "code", &code))
        return NULL;
    napi_value o = vn_object(env);
    vn_set_str(env, o, "name", vo_error_name((int)code));
    vn_set_str(env, o, "description", vo_strerror((int)code));
    return o;
}

static napi_value n_feature_enabled(napi_env env, napi_callback_info info)
{
    VN_ARGS(1);
    char *name = NULL;
    if (vn_str(env, argv[0], "name", 0, &name))
        return NULL;
    int r = vo_feature_enabled(name);
    free(name);
    return vn_int(env, r);
}

static napi_value n_correlation_id_new(napi_env env, napi_callback_info info)
{
    (void)info;
    char id[VO_CORRELATION_ID_SIZE];
    if (vo_correlation_id_new(id, sizeof(id)) != VO_OK)
        return vn_throw_last(env);
    return vn_string(env, id);
}

static napi_value n_log_redact(napi_env env, napi_callback_info info)
{
    VN_ARGS(1);
    char *text = NULL;
    if (vn_str(env, argv[0], "text", 0, &text))
        return NULL;
    size_t size = strlen(text) + 64;
    char *out = malloc(size);
    if (!out) {
        vn_wipe_free(text);
        return vn_throw_code(env, VO_ENOMEM, "out of memory");
    }
    int rc = vo_log_redact(out, size, text);
    vn_wipe_free(text);
    napi_value v = rc < 0 ? vn_throw_last(env) : vn_string(env, out);
    vn_wipe_free(out);
    return v;
}

static napi_value n_limits(napi_env env, napi_callback_info info)
{
    (void)info;
    napi_value o = vn_object(env);
    vn_set_int(env, o, "webhookMaxBody", (int64_t)vo_webhook_max_body());
    vn_set_int(env, o, "formMaxParams", (int64_t)vo_form_max_params());
    vn_set_int(env, o, "vaultTenantMax", (int64_t)vo_vault_tenant_max());
    vn_set_int(env, o, "vaultNameMax", (int64_t)vo_vault_name_max());
    vn_set_int(env, o, "vaultKekIdMax", (int64_t)vo_vault_kek_id_max());
    vn_set_int(env, o, "vaultValueMax", (int64_t)vo_vault_value_max());
    vn_set_int(env, o, "vaultKeySize", (int64_t)vo_vault_key_size());
    vn_set_int(env, o, "vaultWrappedMax", (int64_t)vo_vault_wrapped_max());
    vn_set_int(env, o, "vapiTolerance", vo_webhook_vapi_tolerance());
    vn_set_int(env, o, "stdTolerance", vo_webhook_std_tolerance());
    vn_set_int(env, o, "vapiMessageMaxSize", (int64_t)vo_vapi_message_max_size());
    vn_set_int(env, o, "routingTokenSize", (int64_t)vo_routing_token_size());
    vn_set_int(env, o, "errorMessageSize", (int64_t)vo_error_message_size());
    vn_set_int(env, o, "correlationIdSize", (int64_t)vo_correlation_id_size());
    return o;
}

/* ---- module ------------------------------------------------------------------------- */

static void instance_cleanup(void *arg)
{
    vn_state *st = arg;
    log_detach(st);
    if (st->initialized)
        vo_shutdown();
    st->initialized = 0;
}

static void instance_finalize(napi_env env, void *data, void *hint)
{
    (void)hint;
    vn_state *st = data;
    if (st->error_factory)
        napi_delete_reference(env, st->error_factory);
    free(st);
}

void vn_export(napi_env env, napi_value exports, const vn_fn *fns)
{
    for (const vn_fn *f = fns; f->name; f++) {
        napi_value fn;
        if (napi_create_function(env, f->name, NAPI_AUTO_LENGTH, f->cb, NULL, &fn) == napi_ok)
            napi_set_named_property(env, exports, f->name, fn);
    }
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */)
{
    int abi = vo_abi_version();
    if (abi != VO_ABI_VERSION) {
        char msg[256];
        snprintf(msg, sizeof(msg),
                 "voiceops: the C library has ABI version %d but this addon was built for %d;"
                 " rebuild the addon against the library it loads (npm rebuild voiceops)",
                 abi, VO_ABI_VERSION);
        napi_throw_error(env, "VOICEOPS_ABI_MISMATCH", msg);
        return NULL;
    }
    vn_state *st = calloc(1, sizeof(*st));
    if (!st) {
        napi_throw_error(env, NULL, "voiceops: out of memory");
        return NULL;
    }
    if (napi_set_instance_data(env, st, instance_finalize, NULL) != napi_ok) {
        free(st);
        return NULL;
    }
    if (vo_init() != VO_OK)
        return vn_throw_last(env);
    st->initialized = 1;
    napi_add_env_cleanup_hook(env, instance_cleanup, st);

    static const vn_fn core[] = {
        {"version", n_version},
        {"strerror", n_strerror},
        {"featureEnabled", n_feature_enabled},
        {"correlationIdNew", n_correlation_id_new},
        {"logRedact", n_log_redact},
        {"logSet", n_log_set},
        {"limits", n_limits},
        {"setErrorFactory", n_set_error_factory},
        {"close", n_close},
        {"isClosed", n_is_closed},
        {NULL, NULL},
    };
    vn_export(env, exports, core);
    vn_webhook_exports(env, exports);
    vn_vault_exports(env, exports);
    vn_clients_exports(env, exports);
    vn_services_exports(env, exports);
    return exports;
}
