/* The vault and the typed credentials: every call runs on the libuv pool. */
#include "addon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- opening ------------------------------------------------------------------------ */

enum {
    KEY_RAW,
    KEY_FILE,
    KEY_ENV,
    KEY_PASSPHRASE
};

typedef struct keyspec {
    int kind;
    char *id;
    unsigned char *key; /* raw key or passphrase bytes */
    size_t key_len;
    char *where; /* file path or variable name */
    int64_t opslimit, memlimit;
} keyspec;

typedef struct open_ctx {
    keyspec *keys;
    size_t key_count;
    char *active, *actor, *uri;
    char *dest; /* vaultCopy: the destination URI (the source is `uri`) */
    vo_vault_options vo;
} open_ctx;

/* options.keys ([{ id, key | file | env | passphrase, opslimit, memlimit }]) into specs
 * (*out and *count are set as soon as allocated, so the caller frees them on failure). */
static int parse_keys(napi_env env, napi_value keys, keyspec **out, size_t *count)
{
    bool is = false;
    if (keys && !vn_is_nullish(env, keys)) {
        if (napi_is_array(env, keys, &is) != napi_ok || !is) {
            vn_throw_type(env, "options.keys must be an array");
            return -1;
        }
        uint32_t n = 0;
        napi_get_array_length(env, keys, &n);
        *out = calloc(n ? n : 1, sizeof(keyspec));
        if (!*out) {
            vn_throw_code(env, VO_ENOMEM, "out of memory");
            return -1;
        }
        for (uint32_t i = 0; i < n; i++) {
            napi_value e, kv = NULL, pv = NULL;
            keyspec *k = &(*out)[i];
            *count = i + 1;
            napi_get_element(env, keys, i, &e);
            if (vn_prop_str(env, e, "id", &k->id) || vn_prop_get(env, e, "key", &kv) ||
                vn_prop_get(env, e, "passphrase", &pv))
                return -1;
            if (kv && !vn_is_nullish(env, kv)) {
                k->kind = KEY_RAW;
                if (vn_bytes_copy(env, kv, "key", &k->key, &k->key_len))
                    return -1;
            } else if (pv && !vn_is_nullish(env, pv)) {
                k->kind = KEY_PASSPHRASE;
                if (vn_bytes_copy(env, pv, "passphrase", &k->key, &k->key_len) ||
                    vn_prop_int64(env, e, "opslimit", &k->opslimit, 0) ||
                    vn_prop_int64(env, e, "memlimit", &k->memlimit, 0))
                    return -1;
            } else {
                if (vn_prop_str(env, e, "file", &k->where))
                    return -1;
                k->kind = KEY_FILE;
                if (!k->where) {
                    k->kind = KEY_ENV;
                    if (vn_prop_str(env, e, "env", &k->where))
                        return -1;
                }
                if (!k->where) {
                    vn_throw_type(env, "each key needs one of key, file, env or passphrase");
                    return -1;
                }
            }
        }
    }
    return 0;
}

static void keyspecs_free(keyspec *keys, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(keys[i].id);
        free(keys[i].where);
        if (keys[i].key) {
            explicit_bzero(keys[i].key, keys[i].key_len);
            free(keys[i].key);
        }
    }
    free(keys);
}

/* A keyring from specs (on a pool thread: files, Argon2id). */
static int keyring_build(vo_keyring **out, const keyspec *keys, size_t count,
                         const char *active)
{
    vo_keyring *kr = NULL;
    int rc = vo_keyring_new(&kr);
    for (size_t i = 0; rc == VO_OK && i < count; i++) {
        const keyspec *k = &keys[i];
        switch (k->kind) {
        case KEY_RAW: rc = vo_keyring_add_key(kr, k->id, k->key, k->key_len); break;
        case KEY_FILE: rc = vo_keyring_add_file(kr, k->id, k->where); break;
        case KEY_ENV: rc = vo_keyring_add_env(kr, k->id, k->where); break;
        default:
            rc =
                vo_keyring_add_passphrase(kr, k->id, (const char *)k->key, k->key_len,
                                          (unsigned long long)k->opslimit, (size_t)k->memlimit);
        }
    }
    if (rc == VO_OK && active)
        rc = vo_keyring_set_active(kr, active);
    if (rc != VO_OK) {
        vo_keyring_free(kr);
        kr = NULL;
    }
    *out = kr;
    return rc;
}

static void open_cleanup(vn_job *job)
{
    open_ctx *c = job->ctx;
    keyspecs_free(c->keys, c->key_count);
    free(c->active);
    free(c->actor);
    free(c->uri);
    free(c->dest);
    if (job->out[0])
        vo_vault_close(job->out[0]);
}

static void open_exec(vn_job *job)
{
    open_ctx *c = job->ctx;
    vo_keyring *kr = NULL;
    int rc = keyring_build(&kr, c->keys, c->key_count, c->active);
    if (rc == VO_OK) {
        c->vo.keyring = kr;
        c->vo.actor = c->actor;
        vo_vault *v = NULL;
        rc = vo_vault_open(&v, c->uri, &c->vo);
        job->out[0] = v;
    }
    vn_job_result(job, rc);
    vo_keyring_free(kr); /* the vault keeps its own copy */
}

static napi_value open_done(napi_env env, vn_job *job)
{
    napi_value v = vn_handle_wrap(env, VN_VAULT, job->out[0]);
    job->out[0] = NULL;
    return v;
}

/* The options of vaultOpen and vaultCopy: { keys: [{ id, key | file | env | passphrase,
 * opslimit, memlimit }], activeKey, actor, busyTimeoutMs, ... } into c (0, or -1 with a
 * pending exception). */
static int open_opts_from(napi_env env, napi_value o, open_ctx *c)
{
    napi_value keys = NULL;
    int64_t busy, cache, kept, reads, rows, batch;
    vo_vault_options_init(&c->vo, VO_VAULT_OPTIONS_VERSION);
    if (vn_prop_get(env, o, "keys", &keys) || vn_prop_str(env, o, "activeKey", &c->active) ||
        vn_prop_str(env, o, "actor", &c->actor) ||
        vn_prop_int64(env, o, "busyTimeoutMs", &busy, 0) ||
        vn_prop_int64(env, o, "dekCacheSize", &cache, 0) ||
        vn_prop_int64(env, o, "keptVersions", &kept, 0) ||
        vn_prop_bool(env, o, "noCreate", &c->vo.no_create) ||
        vn_prop_int64(env, o, "auditReads", &reads, 0) ||
        vn_prop_int64(env, o, "auditBufferRows", &rows, 0) ||
        vn_prop_int64(env, o, "rotationBatch", &batch, 0))
        return -1;
    c->vo.busy_timeout_ms = (int)busy;
    c->vo.dek_cache_size = (int)cache;
    c->vo.kept_versions = (int)kept;
    c->vo.audit_reads = (int)reads;
    c->vo.audit_buffer_rows = (int)rows;
    c->vo.rotation_batch = (int)batch;
    return parse_keys(env, keys, &c->keys, &c->key_count);
}

/* vaultOpen(uri, { keys: [{ id, key | file | env | passphrase, opslimit, memlimit }],
 *                  activeKey, actor, busyTimeoutMs, ... }) -> Promise<handle> */
static napi_value n_vault_open(napi_env env, napi_callback_info info)
{
    VN_ARGS(2);
    vn_job *job = vn_job_new(env, sizeof(open_ctx));
    if (!job)
        return NULL;
    open_ctx *c = job->ctx;
    job->cleanup = open_cleanup;
    if (vn_str(env, argv[0], "path", 0, &c->uri) || open_opts_from(env, argv[1], c)) {
        vn_job_discard(env, job);
        return NULL;
    }
    job->exec = open_exec;
    job->done = open_done;
    return vn_job_queue(env, job, "voiceops.vaultOpen");
}

static void copy_exec(vn_job *job)
{
    open_ctx *c = job->ctx;
    vo_keyring *kr = NULL;
    int rc = keyring_build(&kr, c->keys, c->key_count, c->active);
    if (rc == VO_OK) {
        c->vo.keyring = kr;
        c->vo.actor = c->actor;
        rc = vo_vault_copy(c->dest, c->uri, &c->vo);
    }
    vn_job_result(job, rc);
    vo_keyring_free(kr);
}

/* vaultCopy(destUri, srcUri, options as vaultOpen) -> Promise<void> (vo_vault_copy). */
static napi_value n_vault_copy(napi_env env, napi_callback_info info)
{
    VN_ARGS(3);
    vn_job *job = vn_job_new(env, sizeof(open_ctx));
    if (!job)
        return NULL;
    open_ctx *c = job->ctx;
    job->cleanup = open_cleanup;
    if (vn_str(env, argv[0], "destUri", 0, &c->dest) ||
        vn_str(env, argv[1], "srcUri", 0, &c->uri) || open_opts_from(env, argv[2], c)) {
        vn_job_discard(env, job);
        return NULL;
    }
    job->exec = copy_exec;
    return vn_job_queue(env, job, "voiceops.vaultCopy");
}

/* ---- list conversions --------------------------------------------------------------- */

static napi_value tenants_value(napi_env env, const vo_tenant_list *l)
{
    size_t n = vo_tenant_list_count(l);
    napi_value arr;
    napi_create_array_with_length(env, n, &arr);
    for (size_t i = 0; i < n; i++) {
        napi_value o = vn_object(env);
        vn_set_str(env, o, "id", vo_tenant_list_id(l, i));
        vn_set_int(env, o, "createdAt", vo_tenant_list_created_at(l, i));
        vn_set_str(env, o, "kekId", vo_tenant_list_kek_id(l, i));
        vn_set_int(env, o, "dekGeneration", vo_tenant_list_dek_generation(l, i));
        vn_set_int(env, o, "secretCount", vo_tenant_list_secret_count(l, i));
        napi_set_element(env, arr, (uint32_t)i, o);
    }
    return arr;
}

static napi_value secrets_value(napi_env env, const vo_secret_list *l)
{
    size_t n = vo_secret_list_count(l);
    napi_value arr;
    napi_create_array_with_length(env, n, &arr);
    for (size_t i = 0; i < n; i++) {
        napi_value o = vn_object(env);
        vn_set_str(env, o, "name", vo_secret_list_name(l, i));
        vn_set_int(env, o, "version", vo_secret_list_version(l, i));
        vn_set_int(env, o, "versionsKept", vo_secret_list_versions_kept(l, i));
        vn_set_int(env, o, "createdAt", vo_secret_list_created_at(l, i));
        vn_set_int(env, o, "updatedAt", vo_secret_list_updated_at(l, i));
        napi_set_element(env, arr, (uint32_t)i, o);
    }
    return arr;
}

static napi_value audit_value(napi_env env, const vo_audit_list *l)
{
    size_t n = vo_audit_list_count(l);
    napi_value arr;
    napi_create_array_with_length(env, n, &arr);
    for (size_t i = 0; i < n; i++) {
        napi_value o = vn_object(env);
        vn_set_int(env, o, "seq", vo_audit_list_seq(l, i));
        vn_set_int(env, o, "time", vo_audit_list_time(l, i));
        vn_set_str(env, o, "tenant", vo_audit_list_tenant(l, i));
        vn_set_str(env, o, "name", vo_audit_list_name(l, i));
        vn_set_str(env, o, "action", vo_audit_list_action(l, i));
        vn_set_str(env, o, "actor", vo_audit_list_actor(l, i));
        vn_set_str(env, o, "correlationId", vo_audit_list_correlation_id(l, i));
        vn_set_str(env, o, "result", vo_audit_list_result(l, i));
        napi_set_element(env, arr, (uint32_t)i, o);
    }
    return arr;
}

static napi_value import_report_value(napi_env env, const vo_import_report *r)
{
    napi_value o = vn_object(env);
    vn_set_int(env, o, "imported", vo_import_report_imported(r));
    vn_set_int(env, o, "skipped", vo_import_report_skipped(r));
    vn_set_int(env, o, "rejected", vo_import_report_rejected(r));
    size_t n = vo_import_report_rejection_count(r);
    napi_value arr;
    napi_create_array_with_length(env, n, &arr);
    for (size_t i = 0; i < n; i++) {
        napi_value e = vn_object(env);
        vn_set_int(env, e, "row", vo_import_report_rejection_row(r, i));
        vn_set_str(env, e, "reason", vo_import_report_rejection_reason(r, i));
        napi_set_element(env, arr, (uint32_t)i, e);
    }
    vn_set(env, o, "rejections", arr);
    return o;
}

/* A copy of a C string as a Secret handle (NULL -> null). */
static napi_value secret_value(napi_env env, const char *s)
{
    if (!s)
        return vn_null(env);
    vo_secret *sec = NULL;
    if (vo_secret_new(&sec, s, strlen(s)) != VO_OK)
        return vn_throw_last(env);
    return vn_handle_wrap(env, VN_SECRET, sec);
}

static napi_value twilio_creds_value(napi_env env, const vo_twilio_credentials *c)
{
    napi_value o = vn_object(env);
    vn_set_str(env, o, "accountSid", vo_twilio_credentials_account_sid(c));
    vn_set(env, o, "authToken", secret_value(env, vo_twilio_credentials_auth_token(c)));
    vn_set_str(env, o, "apiKeySid", vo_twilio_credentials_api_key_sid(c));
    vn_set(env, o, "apiKeySecret", secret_value(env, vo_twilio_credentials_api_key_secret(c)));
    vn_set(env, o, "secondaryAuthToken",
           secret_value(env, vo_twilio_credentials_secondary_auth_token(c)));
    vn_set_str(env, o, "region", vo_twilio_credentials_region(c));
    vn_set_str(env, o, "edge", vo_twilio_credentials_edge(c));
    return o;
}

static napi_value vapi_creds_value(napi_env env, const vo_vapi_credentials *c)
{
    napi_value o = vn_object(env);
    vn_set(env, o, "apiKey", secret_value(env, vo_vapi_credentials_api_key(c)));
    const char *ws = vo_vapi_credentials_webhook_secret(c);
    if (!ws) {
        vn_set(env, o, "webhook", vn_null(env));
        return o;
    }
    vo_webhook_vapi_options w;
    vo_webhook_vapi_options_init(&w, VO_WEBHOOK_VAPI_OPTIONS_VERSION);
    vo_vapi_credentials_webhook_options(&w, c);
    napi_value wo = vn_object(env);
    vn_set(env, wo, "secret", secret_value(env, ws));
    vn_set_int(env, wo, "type", w.type);
    vn_set_str(env, wo, "headerName", w.header_name);
    vn_set(env, wo, "bareToken", vn_bool(env, w.bare_token));
    vn_set_int(env, wo, "algorithm", w.algorithm);
    vn_set_str(env, wo, "signatureHeader", w.signature_header);
    vn_set_str(env, wo, "timestampHeader", w.timestamp_header);
    vn_set_str(env, wo, "messageIdHeader", w.message_id_header);
    vn_set_str(env, wo, "payloadFormat", w.payload_format);
    vn_set(env, wo, "omitTimestamp", vn_bool(env, w.omit_timestamp));
    vn_set_int(env, wo, "encoding", w.encoding);
    vn_set_str(env, wo, "signaturePrefix", w.signature_prefix);
    vn_set(env, wo, "secretIsBase64", vn_bool(env, w.secret_is_base64));
    vn_set_int(env, wo, "toleranceSeconds", w.tolerance_seconds);
    vn_set_int(env, wo, "maxBody", (int64_t)w.max_body);
    vn_set(env, o, "webhook", wo);
    return o;
}

static napi_value smtp_creds_value(napi_env env, const vo_smtp_credentials *c)
{
    napi_value o = vn_object(env);
    vn_set_str(env, o, "host", vo_smtp_credentials_host(c));
    vn_set_int(env, o, "port", vo_smtp_credentials_port(c));
    vn_set_str(env, o, "username", vo_smtp_credentials_username(c));
    vn_set(env, o, "password", secret_value(env, vo_smtp_credentials_password(c)));
    vn_set_int(env, o, "tls", vo_smtp_credentials_tls(c));
    return o;
}

/* ---- operations on an open vault ---------------------------------------------------- */

enum vault_op {
    OP_TENANT_CREATE,
    OP_TENANT_DELETE,
    OP_TENANT_GET,
    OP_TENANT_LIST,
    OP_SECRET_PUT,
    OP_SECRET_GET,
    OP_SECRET_DELETE,
    OP_SECRET_LIST,
    OP_KEK_ROTATE,
    OP_KEK_USAGE,
    OP_KEK_RETIRE,
    OP_ROTATE_DEK,
    OP_IMPORT_BUFFER,
    OP_IMPORT_FILE,
    OP_BACKUP,
    OP_AUDIT_APPEND,
    OP_AUDIT_FLUSH,
    OP_AUDIT_VERIFY,
    OP_AUDIT_LIST,
    OP_TWILIO_CREDS_GET,
    OP_VAPI_CREDS_GET,
    OP_SMTP_CREDS_GET,
    OP_ROUTING_MINT,
    OP_ROUTING_RESOLVE,
    OP_ROTATION_GET,
    OP_TWILIO_CREDS_PUT,
    OP_VAPI_CREDS_PUT,
    OP_SMTP_CREDS_PUT,
    OP_SEEN_PUT,
    OP_SEEN_PRUNE,
    OP_SEEN_COUNT,
    OP_AUDIT_CHECKPOINT,
    OP_AUDIT_VERIFY_CHECKPOINT,
    OP_COUNT
};

typedef struct vault_ctx {
    int op;
    vo_vault *v;
    void *creds;   /* for the *_CREDS_PUT operations */
    keyspec *keys; /* OP_AUDIT_CHECKPOINT: the signing keys */
    size_t key_count;
} vault_ctx;

static void vault_exec(vn_job *job)
{
    vault_ctx *c = job->ctx;
    vo_vault *v = c->v;
    char **s = job->s;
    int64_t *i = job->i;
    int rc = VO_EINTERNAL;
    switch (c->op) {
    case OP_TENANT_CREATE: rc = vo_vault_tenant_create(v, s[0]); break;
    case OP_TENANT_DELETE: rc = vo_vault_tenant_delete(v, s[0]); break;
    case OP_TENANT_GET:
        rc = vo_vault_tenant_get((vo_tenant_list **)&job->out[0], v, s[0]);
        break;
    case OP_TENANT_LIST:
        rc = vo_vault_tenant_list((vo_tenant_list **)&job->out[0], v, s[0], (size_t)i[0]);
        break;
    case OP_SECRET_PUT:
        rc = vo_vault_secret_put(&job->o[0], v, s[0], s[1], job->buf, job->buf_len, i[0]);
        break;
    case OP_SECRET_GET:
        rc = vo_vault_secret_get((vo_secret **)&job->out[0], &job->o[0], v, s[0], s[1], i[0]);
        break;
    case OP_SECRET_DELETE: rc = vo_vault_secret_delete(v, s[0], s[1], i[0]); break;
    case OP_SECRET_LIST:
        rc = vo_vault_secret_list((vo_secret_list **)&job->out[0], v, s[0]);
        break;
    case OP_KEK_ROTATE: rc = vo_vault_kek_rotate(&job->o[0], v, s[0], NULL, NULL); break;
    case OP_KEK_USAGE: rc = vo_vault_kek_usage(&job->o[0], v, s[0]); break;
    case OP_KEK_RETIRE: rc = vo_vault_kek_retire(v, s[0]); break;
    case OP_ROTATE_DEK: rc = vo_vault_tenant_rotate_dek(v, s[0]); break;
    case OP_IMPORT_BUFFER:
        rc =
            vo_vault_import_buffer((vo_import_report **)&job->out[0], v, (const char *)job->buf,
                                   job->buf_len, (int)i[0], (unsigned int)i[1]);
        break;
    case OP_IMPORT_FILE:
        rc = vo_vault_import_file((vo_import_report **)&job->out[0], v, s[0], (int)i[0],
                                  (unsigned int)i[1]);
        break;
    case OP_BACKUP: rc = vo_vault_backup(v, s[0]); break;
    case OP_AUDIT_APPEND: rc = vo_vault_audit_append(v, s[0], s[1], s[2], s[3]); break;
    case OP_AUDIT_FLUSH: rc = vo_vault_audit_flush(v); break;
    case OP_AUDIT_VERIFY: {
        int reason = 0;
        rc = vo_vault_audit_verify(&job->o[0], &job->o[1], &reason, v);
        job->o[2] = reason;
        break;
    }
    case OP_AUDIT_LIST:
        rc = vo_vault_audit_list((vo_audit_list **)&job->out[0], v, s[0], i[0], i[1], i[2],
                                 (size_t)i[3]);
        break;
    case OP_TWILIO_CREDS_GET:
        rc = vo_twilio_credentials_get((vo_twilio_credentials **)&job->out[0], &job->o[0], v,
                                       s[0]);
        break;
    case OP_VAPI_CREDS_GET:
        rc = vo_vapi_credentials_get((vo_vapi_credentials **)&job->out[0], &job->o[0], v, s[0]);
        break;
    case OP_SMTP_CREDS_GET:
        rc = vo_smtp_credentials_get((vo_smtp_credentials **)&job->out[0], &job->o[0], v, s[0]);
        break;
    case OP_ROUTING_MINT: {
        char tok[VO_ROUTING_TOKEN_SIZE];
        rc = vo_routing_token_mint(tok, sizeof(tok), v, s[0]);
        if (rc == VO_OK)
            job->ostr = strdup(tok);
        explicit_bzero(tok, sizeof(tok));
        break;
    }
    case OP_ROUTING_RESOLVE: {
        char tenant[VO_VAULT_TENANT_MAX + 1];
        rc = vo_routing_token_resolve(tenant, sizeof(tenant), v, s[0]);
        if (rc == VO_OK)
            job->ostr = strdup(tenant);
        break;
    }
    case OP_ROTATION_GET: {
        int state = 0;
        rc = vo_token_rotation_get(&state, v, s[0]);
        job->o[0] = state;
        break;
    }
    case OP_TWILIO_CREDS_PUT:
        rc = vo_twilio_credentials_put(&job->o[0], v, s[0], c->creds, i[0]);
        break;
    case OP_VAPI_CREDS_PUT:
        rc = vo_vapi_credentials_put(&job->o[0], v, s[0], c->creds, i[0]);
        break;
    case OP_SMTP_CREDS_PUT:
        rc = vo_smtp_credentials_put(&job->o[0], v, s[0], c->creds, i[0]);
        break;
    case OP_SEEN_PUT: {
        int same = 0;
        rc = vo_vault_seen_put(&job->o[0], &same, v, s[0], s[1], s[2], s[2] ? strlen(s[2]) : 0,
                               s[3], s[3] ? strlen(s[3]) : 0, i[0], i[1]);
        job->o[1] = same;
        job->o[2] = rc == VO_OK; /* first sighting; VO_EEXISTS is an answer, not a failure */
        if (rc == VO_EEXISTS)
            rc = VO_OK;
        break;
    }
    case OP_SEEN_PRUNE: rc = vo_vault_seen_prune(&job->o[0], v, i[0], (size_t)i[1]); break;
    case OP_SEEN_COUNT: rc = vo_vault_seen_count(&job->o[0], v); break;
    case OP_AUDIT_CHECKPOINT: {
        vo_keyring *kr = NULL;
        rc = keyring_build(&kr, c->keys, c->key_count, NULL);
        if (rc == VO_OK)
            rc = vo_vault_audit_checkpoint(&job->ostr_c, v, kr, s[0]);
        vo_keyring_free(kr);
        break;
    }
    case OP_AUDIT_VERIFY_CHECKPOINT: {
        int reason = 0;
        rc = vo_vault_audit_verify_checkpoint(&job->o[0], &job->o[1], &reason, v, s[0], s[1]);
        job->o[2] = reason;
        break;
    }
    default: break;
    }
    if ((c->op == OP_ROUTING_MINT || c->op == OP_ROUTING_RESOLVE) && rc == VO_OK && !job->ostr)
        rc = VO_ENOMEM;
    vn_job_result(job, rc);
}

static napi_value vault_done(napi_env env, vn_job *job)
{
    vault_ctx *c = job->ctx;
    napi_value o;
    switch (c->op) {
    case OP_TENANT_GET: {
        napi_value arr = tenants_value(env, job->out[0]), first;
        napi_get_element(env, arr, 0, &first);
        return first;
    }
    case OP_TENANT_LIST: return tenants_value(env, job->out[0]);
    case OP_SECRET_LIST: return secrets_value(env, job->out[0]);
    case OP_AUDIT_LIST: return audit_value(env, job->out[0]);
    case OP_IMPORT_BUFFER:
    case OP_IMPORT_FILE: return import_report_value(env, job->out[0]);
    case OP_SECRET_GET:
        o = vn_object(env);
        vn_set(env, o, "secret", vn_handle_wrap(env, VN_SECRET, job->out[0]));
        job->out[0] = NULL;
        vn_set_int(env, o, "version", job->o[0]);
        return o;
    case OP_SECRET_PUT:
    case OP_KEK_ROTATE:
    case OP_KEK_USAGE:
    case OP_ROTATION_GET:
    case OP_TWILIO_CREDS_PUT:
    case OP_VAPI_CREDS_PUT:
    case OP_SMTP_CREDS_PUT: return vn_int(env, job->o[0]);
    case OP_SEEN_PUT:
        o = vn_object(env);
        vn_set(env, o, "first", vn_bool(env, (int)job->o[2]));
        vn_set_int(env, o, "seenAtMs", job->o[0]);
        vn_set(env, o, "sameMark", vn_bool(env, (int)job->o[1]));
        return o;
    case OP_SEEN_PRUNE:
    case OP_SEEN_COUNT: return vn_int(env, job->o[0]);
    case OP_AUDIT_CHECKPOINT: return vn_string(env, job->ostr_c);
    case OP_AUDIT_VERIFY_CHECKPOINT:
    case OP_AUDIT_VERIFY:
        o = vn_object(env);
        vn_set_int(env, o, "rows", job->o[0]);
        vn_set_int(env, o, "badSeq", job->o[1]);
        vn_set_int(env, o, "reason", job->o[2]);
        vn_set(env, o, "intact", vn_bool(env, job->o[2] == VO_AUDIT_INTACT));
        return o;
    case OP_TWILIO_CREDS_GET:
    case OP_VAPI_CREDS_GET:
    case OP_SMTP_CREDS_GET:
        o = vn_object(env);
        vn_set(env, o, "credentials",
               c->op == OP_TWILIO_CREDS_GET ? twilio_creds_value(env, job->out[0])
               : c->op == OP_VAPI_CREDS_GET ? vapi_creds_value(env, job->out[0])
                                            : smtp_creds_value(env, job->out[0]));
        vn_set_int(env, o, "version", job->o[0]);
        return o;
    case OP_ROUTING_MINT: /* a URL token, not a credential: requests still need signatures */
    case OP_ROUTING_RESOLVE: return vn_string(env, job->ostr);
    default: return vn_undefined(env);
    }
}

static void vault_cleanup(vn_job *job)
{
    vault_ctx *c = job->ctx;
    void *p = job->out[0];
    switch (c->op) {
    case OP_TENANT_GET:
    case OP_TENANT_LIST: vo_tenant_list_free(p); break;
    case OP_SECRET_LIST: vo_secret_list_free(p); break;
    case OP_AUDIT_LIST: vo_audit_list_free(p); break;
    case OP_IMPORT_BUFFER:
    case OP_IMPORT_FILE: vo_import_report_free(p); break;
    case OP_SECRET_GET: vo_secret_free(p); break;
    case OP_TWILIO_CREDS_GET: vo_twilio_credentials_free(p); break;
    case OP_VAPI_CREDS_GET: vo_vapi_credentials_free(p); break;
    case OP_SMTP_CREDS_GET: vo_smtp_credentials_free(p); break;
    default: break;
    }
    vo_free(job->ostr_c);
    job->ostr_c = NULL;
    keyspecs_free(c->keys, c->key_count);
    if (c->op == OP_TWILIO_CREDS_PUT)
        vo_twilio_credentials_free(c->creds);
    else if (c->op == OP_VAPI_CREDS_PUT)
        vo_vapi_credentials_free(c->creds);
    else if (c->op == OP_SMTP_CREDS_PUT)
        vo_smtp_credentials_free(c->creds);
}

/* ---- credentials from JS objects ----------------------------------------------------- */

/* A property that is a string or a Secret handle, as a malloc'd string (wipe it). */
static int secret_prop(napi_env env, napi_value obj, const char *name, char **out)
{
    napi_value v;
    *out = NULL;
    if (vn_prop_get(env, obj, name, &v))
        return -1;
    if (!v || vn_is_nullish(env, v))
        return 0;
    napi_valuetype t;
    napi_typeof(env, v, &t);
    if (t == napi_external) {
        vn_handle *h = vn_handle_get(env, v, VN_SECRET);
        if (!h)
            return -1;
        size_t len = vo_secret_len(h->ptr);
        *out = malloc(len + 1);
        if (!*out) {
            vn_throw_code(env, VO_ENOMEM, "out of memory");
            return -1;
        }
        memcpy(*out, vo_secret_data(h->ptr), len);
        (*out)[len] = 0;
        return 0;
    }
    return vn_str(env, v, name, 1, out);
}

int vn_twilio_creds_from(napi_env env, napi_value obj, vo_twilio_credentials **out)
{
    char *sid = NULL, *tok = NULL, *ksid = NULL, *ksec = NULL, *sec = NULL, *region = NULL,
         *edge = NULL;
    vo_twilio_credentials *c = NULL;
    int rc = -1;
    *out = NULL;
    if (vn_prop_str(env, obj, "accountSid", &sid) || secret_prop(env, obj, "authToken", &tok) ||
        vn_prop_str(env, obj, "apiKeySid", &ksid) ||
        secret_prop(env, obj, "apiKeySecret", &ksec) ||
        secret_prop(env, obj, "secondaryAuthToken", &sec) ||
        vn_prop_str(env, obj, "region", &region) || vn_prop_str(env, obj, "edge", &edge))
        goto done;
    if (vo_twilio_credentials_new(&c) != VO_OK ||
        (sid && vo_twilio_credentials_set_account_sid(c, sid) != VO_OK) ||
        (tok && vo_twilio_credentials_set_auth_token(c, tok) != VO_OK) ||
        ((ksid || ksec) && vo_twilio_credentials_set_api_key(c, ksid, ksec) != VO_OK) ||
        (sec && vo_twilio_credentials_set_secondary_auth_token(c, sec) != VO_OK) ||
        (region && vo_twilio_credentials_set_region(c, region) != VO_OK) ||
        (edge && vo_twilio_credentials_set_edge(c, edge) != VO_OK) ||
        vo_twilio_credentials_validate(c) != VO_OK) {
        vn_throw_last(env);
        vo_twilio_credentials_free(c);
        goto done;
    }
    *out = c;
    rc = 0;
done:
    free(sid);
    vn_wipe_free(tok);
    free(ksid);
    vn_wipe_free(ksec);
    vn_wipe_free(sec);
    free(region);
    free(edge);
    return rc;
}

int vn_vapi_creds_from(napi_env env, napi_value obj, vo_vapi_credentials **out)
{
    char *key = NULL, *wsec = NULL, *store[6] = {0};
    napi_value wh = NULL;
    vo_vapi_credentials *c = NULL;
    vo_webhook_vapi_options w;
    int rc = -1;
    *out = NULL;
    if (secret_prop(env, obj, "apiKey", &key) || vn_prop_get(env, obj, "webhook", &wh))
        goto done;
    if (wh && !vn_is_nullish(env, wh) &&
        (secret_prop(env, wh, "secret", &wsec) || vn_vapi_opts_from(env, wh, &w, store)))
        goto done;
    if (vo_vapi_credentials_new(&c) != VO_OK ||
        (key && vo_vapi_credentials_set_api_key(c, key) != VO_OK) ||
        (wsec && vo_vapi_credentials_set_webhook(c, &w, wsec) != VO_OK) ||
        vo_vapi_credentials_validate(c) != VO_OK) {
        vn_throw_last(env);
        vo_vapi_credentials_free(c);
        goto done;
    }
    *out = c;
    rc = 0;
done:
    vn_wipe_free(key);
    vn_wipe_free(wsec);
    for (int k = 0; k < 6; k++)
        free(store[k]);
    return rc;
}

static int smtp_creds_from(napi_env env, napi_value obj, vo_smtp_credentials **out)
{
    char *host = NULL, *user = NULL, *pass = NULL;
    int64_t port = 0, tls = 0;
    napi_value tv = NULL;
    vo_smtp_credentials *c = NULL;
    int rc = -1;
    *out = NULL;
    if (vn_prop_str(env, obj, "host", &host) || vn_prop_int64(env, obj, "port", &port, 0) ||
        vn_prop_str(env, obj, "username", &user) || secret_prop(env, obj, "password", &pass) ||
        vn_prop_get(env, obj, "tls", &tv) || vn_prop_int64(env, obj, "tls", &tls, 0))
        goto done;
    if (vo_smtp_credentials_new(&c) != VO_OK ||
        (host && vo_smtp_credentials_set_host(c, host) != VO_OK) ||
        (port && vo_smtp_credentials_set_port(c, (int)port) != VO_OK) ||
        (user && vo_smtp_credentials_set_username(c, user) != VO_OK) ||
        (pass && vo_smtp_credentials_set_password(c, pass) != VO_OK) ||
        (tv && !vn_is_nullish(env, tv) && vo_smtp_credentials_set_tls(c, (int)tls) != VO_OK) ||
        vo_smtp_credentials_validate(c) != VO_OK) {
        vn_throw_last(env);
        vo_smtp_credentials_free(c);
        goto done;
    }
    *out = c;
    rc = 0;
done:
    free(host);
    free(user);
    vn_wipe_free(pass);
    return rc;
}

/* vaultCall(handle, op, strings, ints, bytes | credentials) -> Promise */
static napi_value n_vault_call(napi_env env, napi_callback_info info)
{
    VN_ARGS(5);
    int64_t op = 0;
    if (vn_int64(env, argv[1], "op", &op))
        return NULL;
    if (op < 0 || op >= OP_COUNT)
        return vn_throw_type(env, "unknown vault operation");
    vn_job *job = vn_job_new(env, sizeof(vault_ctx));
    if (!job)
        return NULL;
    vault_ctx *c = job->ctx;
    c->op = (int)op;
    job->exec = vault_exec;
    job->done = vault_done;
    job->cleanup = vault_cleanup;
    c->v = vn_job_pin(env, job, argv[0], VN_VAULT);
    if (!c->v)
        goto fail;
    bool is = false;
    if (!vn_is_nullish(env, argv[2])) {
        if (napi_is_array(env, argv[2], &is) != napi_ok || !is) {
            vn_throw_type(env, "strings must be an array");
            goto fail;
        }
        uint32_t n = 0;
        napi_get_array_length(env, argv[2], &n);
        for (uint32_t k = 0; k < n && k < VN_JOB_STRINGS; k++) {
            napi_value e;
            napi_get_element(env, argv[2], k, &e);
            if (vn_str(env, e, "argument", 1, &job->s[k]))
                goto fail;
        }
    }
    if (!vn_is_nullish(env, argv[3])) {
        uint32_t n = 0;
        napi_get_array_length(env, argv[3], &n);
        for (uint32_t k = 0; k < n && k < VN_JOB_INTS; k++) {
            napi_value e;
            napi_get_element(env, argv[3], k, &e);
            if (vn_int64(env, e, "argument", &job->i[k]))
                goto fail;
        }
    }
    if (op == OP_TWILIO_CREDS_PUT || op == OP_VAPI_CREDS_PUT || op == OP_SMTP_CREDS_PUT) {
        int bad = op == OP_TWILIO_CREDS_PUT
                      ? vn_twilio_creds_from(env, argv[4], (vo_twilio_credentials **)&c->creds)
                  : op == OP_VAPI_CREDS_PUT
                      ? vn_vapi_creds_from(env, argv[4], (vo_vapi_credentials **)&c->creds)
                      : smtp_creds_from(env, argv[4], (vo_smtp_credentials **)&c->creds);
        if (bad)
            goto fail;
    } else if (op == OP_AUDIT_CHECKPOINT) {
        if (parse_keys(env, argv[4], &c->keys, &c->key_count))
            goto fail;
    } else if (!vn_is_nullish(env, argv[4]) &&
               vn_bytes_copy(env, argv[4], "value", &job->buf, &job->buf_len)) {
        goto fail;
    }
    return vn_job_queue(env, job, "voiceops.vault");
fail:
    vn_job_discard(env, job);
    return NULL;
}

/* ---- calls without a vault handle ----------------------------------------------------- */

static void keygen_exec(vn_job *job)
{
    vn_job_result(job, vo_vault_keygen(job->s[0]));
}

static void restore_exec(vn_job *job)
{
    vn_job_result(job, vo_vault_restore(job->s[0], job->s[1]));
}

/* vaultKeygen(path) -> Promise<void> */
static napi_value n_vault_keygen(napi_env env, napi_callback_info info)
{
    VN_ARGS(1);
    vn_job *job = vn_job_new(env, 0);
    if (!job)
        return NULL;
    job->exec = keygen_exec;
    if (vn_str(env, argv[0], "path", 0, &job->s[0])) {
        vn_job_discard(env, job);
        return NULL;
    }
    return vn_job_queue(env, job, "voiceops.vaultKeygen");
}

/* vaultRestore(backupPath, destPath) -> Promise<void> */
static napi_value n_vault_restore(napi_env env, napi_callback_info info)
{
    VN_ARGS(2);
    vn_job *job = vn_job_new(env, 0);
    if (!job)
        return NULL;
    job->exec = restore_exec;
    if (vn_str(env, argv[0], "backupPath", 0, &job->s[0]) ||
        vn_str(env, argv[1], "destPath", 0, &job->s[1])) {
        vn_job_discard(env, job);
        return NULL;
    }
    return vn_job_queue(env, job, "voiceops.vaultRestore");
}

typedef struct pubkey_ctx {
    keyspec *keys;
    size_t key_count;
} pubkey_ctx;

static void pubkey_exec(vn_job *job)
{
    pubkey_ctx *c = job->ctx;
    vo_keyring *kr = NULL;
    char out[VO_VAULT_CHECKPOINT_PUBLIC_KEY_SIZE];
    int rc = keyring_build(&kr, c->keys, c->key_count, NULL);
    if (rc == VO_OK)
        rc = vo_keyring_public_key_get(out, sizeof(out), kr, job->s[0]);
    if (rc == VO_OK && !(job->ostr = strdup(out)))
        rc = VO_ENOMEM;
    vo_keyring_free(kr);
    vn_job_result(job, rc);
}

static napi_value pubkey_done(napi_env env, vn_job *job)
{
    return vn_string(env, job->ostr);
}

static void pubkey_cleanup(vn_job *job)
{
    pubkey_ctx *c = job->ctx;
    keyspecs_free(c->keys, c->key_count);
}

/* checkpointPublicKey(keys, keyId) -> Promise<string>: the Ed25519 public key that verifies
 * checkpoints signed with that key (vo_keyring_public_key_get). */
static napi_value n_checkpoint_public_key(napi_env env, napi_callback_info info)
{
    VN_ARGS(2);
    vn_job *job = vn_job_new(env, sizeof(pubkey_ctx));
    if (!job)
        return NULL;
    pubkey_ctx *c = job->ctx;
    job->exec = pubkey_exec;
    job->done = pubkey_done;
    job->cleanup = pubkey_cleanup;
    if (parse_keys(env, argv[0], &c->keys, &c->key_count) ||
        vn_str(env, argv[1], "keyId", 0, &job->s[0])) {
        vn_job_discard(env, job);
        return NULL;
    }
    return vn_job_queue(env, job, "voiceops.checkpointPublicKey");
}

/* credentialsValidate(kind, obj): the setters' and validate()'s checks, synchronously. */
static napi_value n_credentials_validate(napi_env env, napi_callback_info info)
{
    VN_ARGS(2);
    char *kind = NULL;
    if (vn_str(env, argv[0], "kind", 0, &kind))
        return NULL;
    int bad;
    if (strcmp(kind, "twilio") == 0) {
        vo_twilio_credentials *c = NULL;
        bad = vn_twilio_creds_from(env, argv[1], &c);
        vo_twilio_credentials_free(c);
    } else if (strcmp(kind, "vapi") == 0) {
        vo_vapi_credentials *c = NULL;
        bad = vn_vapi_creds_from(env, argv[1], &c);
        vo_vapi_credentials_free(c);
    } else {
        vo_smtp_credentials *c = NULL;
        bad = smtp_creds_from(env, argv[1], &c);
        vo_smtp_credentials_free(c);
    }
    free(kind);
    return bad ? NULL : vn_undefined(env);
}

/* ---- SMTP (smtp.h) ------------------------------------------------------------------ */

typedef struct smtp_ctx {
    vo_vault *vault;
    vo_smtp_credentials *creds; /* smtpCheck */
    vo_smtp_message msg;
    vo_smtp_options opts;
    char **to;
    size_t to_count;
} smtp_ctx;

static void smtp_exec(vn_job *job)
{
    smtp_ctx *c = job->ctx;
    int rc = c->creds ? vo_smtp_check(c->creds, &c->opts)
                      : vo_smtp_send(c->vault, job->s[0], &c->msg, &c->opts);
    vn_job_result(job, rc);
}

static void smtp_cleanup(vn_job *job)
{
    smtp_ctx *c = job->ctx;
    vo_smtp_credentials_free(c->creds);
    vn_str_array_free(c->to, c->to_count);
}

static int smtp_opts_from(napi_env env, napi_value obj, vn_job *job, smtp_ctx *c)
{
    int64_t timeout = 0;
    vo_smtp_options_init(&c->opts, VO_SMTP_OPTIONS_VERSION);
    if (vn_prop_str(env, obj, "caFile", &job->s[5]) ||
        vn_prop_int64(env, obj, "timeoutMs", &timeout, 0))
        return -1;
    c->opts.ca_file = job->s[5];
    c->opts.timeout_ms = (long)timeout;
    return 0;
}

/* smtpSend(vault, tenant, { from, to, subject, text, html }, opts) -> Promise<void> */
static napi_value n_smtp_send(napi_env env, napi_callback_info info)
{
    VN_ARGS(4);
    vn_job *job = vn_job_new(env, sizeof(smtp_ctx));
    if (!job)
        return NULL;
    smtp_ctx *c = job->ctx;
    job->exec = smtp_exec;
    job->cleanup = smtp_cleanup;
    vo_smtp_message_init(&c->msg, VO_SMTP_MESSAGE_VERSION);
    napi_value to = NULL;
    c->vault = vn_job_pin(env, job, argv[0], VN_VAULT);
    if (!c->vault || vn_str(env, argv[1], "tenant", 0, &job->s[0]) ||
        vn_prop_str(env, argv[2], "from", &job->s[1]) ||
        vn_prop_str(env, argv[2], "subject", &job->s[2]) ||
        vn_prop_str(env, argv[2], "text", &job->s[3]) ||
        vn_prop_str(env, argv[2], "html", &job->s[4]) || vn_prop_get(env, argv[2], "to", &to) ||
        (to && !vn_is_nullish(env, to) && vn_str_array(env, to, "to", &c->to, &c->to_count)) ||
        smtp_opts_from(env, argv[3], job, c)) {
        vn_job_discard(env, job);
        return NULL;
    }
    c->msg.from = job->s[1];
    c->msg.subject = job->s[2];
    c->msg.text = job->s[3];
    c->msg.html = job->s[4];
    c->msg.to = (const char *const *)c->to;
    c->msg.to_count = c->to_count;
    return vn_job_queue(env, job, "voiceops.smtpSend");
}

/* smtpCheck(credentials, opts) -> Promise<void> */
static napi_value n_smtp_check(napi_env env, napi_callback_info info)
{
    VN_ARGS(2);
    vn_job *job = vn_job_new(env, sizeof(smtp_ctx));
    if (!job)
        return NULL;
    smtp_ctx *c = job->ctx;
    job->exec = smtp_exec;
    job->cleanup = smtp_cleanup;
    if (smtp_creds_from(env, argv[0], &c->creds) || smtp_opts_from(env, argv[1], job, c)) {
        vn_job_discard(env, job);
        return NULL;
    }
    return vn_job_queue(env, job, "voiceops.smtpCheck");
}

void vn_vault_exports(napi_env env, napi_value exports)
{
    static const vn_fn fns[] = {
        {"vaultOpen", n_vault_open},
        {"vaultCall", n_vault_call},
        {"vaultKeygen", n_vault_keygen},
        {"vaultRestore", n_vault_restore},
        {"vaultCopy", n_vault_copy},
        {"credentialsValidate", n_credentials_validate},
        {"checkpointPublicKey", n_checkpoint_public_key},
        {"smtpSend", n_smtp_send},
        {"smtpCheck", n_smtp_check},
        {NULL, NULL},
    };
    vn_export(env, exports, fns);
}
