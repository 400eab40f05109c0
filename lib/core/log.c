/* The log callback, secret redaction, and per-thread correlation ids. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "internal.h"

/* ---- callback ---------------------------------------------------------------------- */

static pthread_rwlock_t log_lock = PTHREAD_RWLOCK_INITIALIZER;
static vo_log_fn log_fn;                       /* guarded by log_lock */
static void *log_payload;                      /* guarded by log_lock */
static atomic_int log_threshold = VO_LOG_NONE; /* VO_LOG_NONE while no callback */

void vo_log_set_callback(vo_log_fn fn, vo_log_level min_level, void *payload)
{
    pthread_rwlock_wrlock(&log_lock);
    log_fn = fn;
    log_payload = payload;
    atomic_store(&log_threshold, fn ? (int)min_level : (int)VO_LOG_NONE);
    pthread_rwlock_unlock(&log_lock);
}

void vo_log_set_level(vo_log_level min_level)
{
    pthread_rwlock_wrlock(&log_lock);
    if (log_fn)
        atomic_store(&log_threshold, (int)min_level);
    pthread_rwlock_unlock(&log_lock);
}

const char *vo_log_level_name(vo_log_level level)
{
    static const char *names[] = {"trace", "debug", "info", "warn", "error", "none"};
    if ((int)level < 0 || (int)level > (int)VO_LOG_NONE)
        return "?";
    return names[level];
}

bool vo__log_enabled(vo_log_level level)
{
    int t = atomic_load(&log_threshold);
    return t != VO_LOG_NONE && (int)level >= t && level < VO_LOG_NONE;
}

void vo__log(vo_log_level level, const char *module, const char *fmt, ...)
{
    if (!vo__log_enabled(level))
        return;
    char raw[2048], clean[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    vo_log_redact(clean, sizeof(clean), raw);
    vo_log_record rec = {VO_LOG_RECORD_VERSION, level, module ? module : "core", clean,
                         vo_correlation_id_get()};
    pthread_rwlock_rdlock(&log_lock);
    if (log_fn)
        log_fn(&rec, log_payload);
    pthread_rwlock_unlock(&log_lock);
}

/* ---- redaction --------------------------------------------------------------------- */

static const char REDACTED[] = "[REDACTED]";

/* Identifier fragments that mark the value after them as secret. */
static const char *const sensitive_words[] = {
    "token",   "secret",        "password",   "passwd",  "passphrase", "apikey", "api_key",
    "api-key", "authorization", "credential", "private", "cookie",     "whsec",
};

typedef struct rout {
    char *p;
    size_t size, len;
    bool truncated;
} rout;

static void rput(rout *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (o->len + 1 >= o->size) {
            o->truncated = true;
            return;
        }
        o->p[o->len++] = s[i];
    }
}

static bool is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_ident(unsigned char c)
{
    return is_alnum(c) || c == '_' || c == '-';
}

static bool is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool contains_word_ci(const char *s, size_t n, const char *w)
{
    size_t wl = strlen(w);
    for (size_t i = 0; i + wl <= n; i++)
        if (vo__strn_ieq(s + i, wl, w))
            return true;
    return false;
}

static bool ident_is_sensitive(const char *s, size_t n)
{
    for (size_t k = 0; k < sizeof(sensitive_words) / sizeof(sensitive_words[0]); k++)
        if (contains_word_ci(s, n, sensitive_words[k]))
            return true;
    return false;
}

static bool value_end(unsigned char c)
{
    return c == '\0' || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '&' ||
           c == ',' || c == ';' || c == '}' || c == ')' || c == ']' || c == '"' || c == '\'';
}

/*
 * Words of the library's own prose: after "token:" or "Bearer" they start a sentence
 * ("vault token: missing", "Bearer is required"), not a value. A value equal to one of
 * these words reveals nothing, so keeping it is safe; anything else is redacted.
 */
static const char *const prose_words[] = {
    "a",           "an",      "the",       "is",      "are",     "was",      "were",
    "be",          "been",    "must",      "may",     "should",  "can",      "cannot",
    "could",       "not",     "no",        "none",    "null",    "missing",  "required",
    "empty",       "invalid", "malformed", "too",     "unknown", "expected", "need",
    "needs",       "needed",  "of",        "for",     "to",      "in",       "on",
    "and",         "or",      "with",      "without", "from",    "given",    "has",
    "have",        "had",     "does",      "do",      "did",     "this",     "that",
    "it",          "will",    "would",     "already", "wrong",   "bad",      "failed",
    "unsupported", "never",   "only",      "at",      "by",      "as",       "if",
    "when",
};

/* True when the unquoted word at s (up to a value end) is one of the prose words. */
static bool is_prose_word(const char *s)
{
    size_t n = 0;
    while (!value_end((unsigned char)s[n]))
        n++;
    if (n == 0)
        return false;
    for (size_t k = 0; k < sizeof(prose_words) / sizeof(prose_words[0]); k++)
        if (vo__strn_ieq(s, n, prose_words[k]))
            return true;
    return false;
}

/*
 * The library's own function names ("vo_vault_secret_get", "vo_routing_token_mint") start
 * its messages as "name: ..."; they are not fields whose value follows.
 */
static bool is_own_function_name(const char *s, size_t n)
{
    if (n < 4 || strncmp(s, "vo_", 3) != 0)
        return false;
    for (size_t i = 3; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

/* Length of an auth scheme word ("Basic " / "Bearer ") at s, or 0. */
static size_t auth_scheme_len(const char *s)
{
    if (strncasecmp(s, "basic ", 6) == 0)
        return 6;
    if (strncasecmp(s, "bearer ", 7) == 0)
        return 7;
    return 0;
}

/* Redact one value starting at text[i]; returns the index after it. */
static size_t redact_value(rout *o, const char *text, size_t i)
{
    char quote = 0;
    if (text[i] == '"' || text[i] == '\'') {
        quote = text[i];
        rput(o, &text[i], 1);
        i++;
    }
    size_t scheme = auth_scheme_len(text + i);
    if (scheme) {
        rput(o, text + i, scheme);
        i += scheme;
        while (text[i] == ' ')
            rput(o, &text[i++], 1);
        if (!quote && is_prose_word(text + i))
            return i; /* "Authorization: Bearer is required": prose, not a credential */
    }
    size_t start = i;
    if (quote) {
        while (text[i] && text[i] != quote)
            i++;
    } else {
        while (!value_end((unsigned char)text[i]))
            i++;
    }
    if (i > start)
        rput(o, REDACTED, sizeof(REDACTED) - 1);
    return i;
}

int vo_log_redact(char *out, size_t out_size, const char *text)
{
    if (!out || out_size == 0 || !text)
        return vo__error_set(VO_EINVAL, "vo_log_redact: NULL argument");
    rout o = {out, out_size, 0, false};
    size_t i = 0;
    while (text[i]) {
        unsigned char c = (unsigned char)text[i];
        bool at_boundary = i == 0 || !is_ident((unsigned char)text[i - 1]);

        /* whsec_<base64>: Standard Webhooks secrets. */
        if (at_boundary && strncmp(text + i, "whsec_", 6) == 0) {
            rput(&o, "whsec_", 6);
            i += 6;
            size_t start = i;
            while (is_alnum((unsigned char)text[i]) || text[i] == '+' || text[i] == '/' ||
                   text[i] == '=')
                i++;
            if (i > start)
                rput(&o, REDACTED, sizeof(REDACTED) - 1);
            continue;
        }
        /* "Basic xxx" / "Bearer xxx" anywhere. */
        if (at_boundary) {
            size_t scheme = auth_scheme_len(text + i);
            if (scheme && !value_end((unsigned char)text[i + scheme]) &&
                !is_prose_word(text + i + scheme)) {
                i = redact_value(&o, text, i);
                continue;
            }
        }
        /* A bare run of exactly 32 hex digits (the shape of a Twilio auth token). */
        if (at_boundary && is_hex(c)) {
            size_t n = 0;
            while (is_hex((unsigned char)text[i + n]))
                n++;
            if (n == 32 && !is_ident((unsigned char)text[i + n])) {
                rput(&o, REDACTED, sizeof(REDACTED) - 1);
                i += n;
                continue;
            }
        }
        /* identifier [quote] spaces (= | :) spaces value, when the identifier is sensitive. */
        if (at_boundary && is_ident(c)) {
            size_t n = 0;
            while (is_ident((unsigned char)text[i + n]))
                n++;
            size_t j = i + n;
            if (text[j] == '"' || text[j] == '\'')
                j++;
            while (text[j] == ' ' || text[j] == '\t')
                j++;
            if ((text[j] == '=' || text[j] == ':') && ident_is_sensitive(text + i, n) &&
                !(text[j] == ':' && j == i + n && is_own_function_name(text + i, n))) {
                j++;
                while (text[j] == ' ' || text[j] == '\t')
                    j++;
                rput(&o, text + i, j - i);
                if (text[j] == '"' || text[j] == '\'' || !is_prose_word(text + j))
                    i = redact_value(&o, text, j);
                else
                    i = j; /* "token: must be ...": the words go on as text */
                continue;
            }
            rput(&o, text + i, n);
            i += n;
            continue;
        }
        rput(&o, &text[i], 1);
        i++;
    }
    o.p[o.len] = '\0';
    return o.truncated ? VO_ERANGE : VO_OK;
}

/* ---- correlation ids --------------------------------------------------------------- */

static _Thread_local char tls_correlation[VO_CORRELATION_ID_SIZE];

/*
 * Random bytes for correlation ids, drawn from libsodium 256 bytes at a time per thread: an
 * id must be unique, not secret, and a draw per id was one getrandom() system call per
 * request. A forked child drops the pool it inherited, so that parent and child never hand
 * out the same ids.
 */
#define ID_POOL_SIZE 256
static _Thread_local unsigned char id_pool[ID_POOL_SIZE];
static _Thread_local size_t id_pool_used = ID_POOL_SIZE;
static pthread_once_t id_pool_once = PTHREAD_ONCE_INIT;

static void id_pool_drop(void)
{
    id_pool_used = ID_POOL_SIZE; /* in the child: the only thread is the one that forked */
}

static void id_pool_register(void)
{
    pthread_atfork(NULL, NULL, id_pool_drop);
}

static void id_random(unsigned char b[16])
{
    pthread_once(&id_pool_once, id_pool_register);
    if (id_pool_used + 16 > ID_POOL_SIZE) {
        randombytes_buf(id_pool, ID_POOL_SIZE);
        id_pool_used = 0;
    }
    memcpy(b, id_pool + id_pool_used, 16);
    memset(id_pool + id_pool_used, 0, 16); /* each byte is used once */
    id_pool_used += 16;
}

int vo_correlation_id_new(char *out, size_t out_size)
{
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_correlation_id_new: out is NULL");
    if (out_size < 37)
        return vo__error_set(VO_ERANGE, "vo_correlation_id_new: buffer needs 37 bytes");
    int rc = vo__require_init();
    if (rc != VO_OK)
        return rc;
    unsigned char b[16];
    id_random(b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[k++] = '-';
        out[k++] = hex[b[i] >> 4];
        out[k++] = hex[b[i] & 15];
    }
    out[k] = '\0';
    return VO_OK;
}

static bool valid_correlation_id(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n >= VO_CORRELATION_ID_SIZE)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)id[i];
        if (!is_alnum(c) && c != '-' && c != '_' && c != '.' && c != ':' && c != '/')
            return false;
    }
    return true;
}

int vo_correlation_id_set(const char *id)
{
    if (!id || !*id) {
        tls_correlation[0] = '\0';
        return VO_OK;
    }
    if (!valid_correlation_id(id))
        return vo__error_set(VO_EINVAL, "correlation id must be 1-64 characters of "
                                        "A-Z a-z 0-9 - _ . : /");
    vo__strlcpy(tls_correlation, id, sizeof(tls_correlation));
    return VO_OK;
}

const char *vo_correlation_id_get(void)
{
    return tls_correlation;
}

int vo__cid_scope_enter(vo__cid_scope *s, const char *given)
{
    vo__strlcpy(s->saved, tls_correlation, sizeof(s->saved));
    if (given) {
        int rc = vo_correlation_id_set(given);
        if (rc != VO_OK)
            return rc;
        vo__strlcpy(s->id, given, sizeof(s->id));
    } else if (s->saved[0]) {
        vo__strlcpy(s->id, s->saved, sizeof(s->id));
    } else {
        int rc = vo_correlation_id_new(s->id, sizeof(s->id));
        if (rc != VO_OK)
            return rc;
        vo__strlcpy(tls_correlation, s->id, sizeof(tls_correlation));
    }
    return VO_OK;
}

void vo__cid_scope_leave(const vo__cid_scope *s)
{
    vo__strlcpy(tls_correlation, s->saved, sizeof(tls_correlation));
}
