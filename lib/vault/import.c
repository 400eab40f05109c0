/*
 * Plaintext migration: import tenant/name/value rows from a JSON or CSV export. The input
 * is copied or decoded into guarded memory and parsed there (CSV in place; JSON decoded by
 * the reader below straight into the arena): no plaintext lands on the ordinary heap, and
 * the arena is wiped when freed. Idempotent: equal values are skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vault_internal.h"

static void import_report_destroy(void *self);

#define IMPORT_MAX (256u * 1024u * 1024u)
#define MAX_REJECTIONS 1000

typedef struct row {
    const char *tenant, *name;
    const char *value;
    size_t value_len;
    int64_t line;
} row;

typedef struct rejection {
    int64_t row;
    char reason[256];
} rejection;

struct vo_import_report {
    vo__handle h;
    int64_t imported, skipped, rejected;
    rejection *rej;
    size_t nrej;
};

static void reject(vo_import_report *r, int64_t rowno, const char *fmt, const char *detail)
    VO__PRINTF(3, 0);

static void reject(vo_import_report *r, int64_t rowno, const char *fmt, const char *detail)
{
    r->rejected++;
    if (r->nrej >= MAX_REJECTIONS)
        return;
    rejection *x = &r->rej[r->nrej++];
    x->row = rowno;
    char raw[256];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(raw, sizeof(raw), fmt, detail ? detail : "");
#pragma GCC diagnostic pop
    vo_log_redact(x->reason, sizeof(x->reason), raw);
}

/* ---- CSV (RFC 4180) in place -------------------------------------------------------- */

typedef struct rows {
    row *r;
    size_t n, cap;
} rows;

static int rows_add(rows *rs, const row *r)
{
    if (rs->n == rs->cap) {
        size_t nc = rs->cap ? rs->cap * 2 : 256;
        row *p = realloc(rs->r, nc * sizeof(*p));
        if (!p)
            return vo__error_set(VO_ENOMEM, "out of memory");
        rs->r = p;
        rs->cap = nc;
    }
    rs->r[rs->n++] = *r;
    return VO_OK;
}

/* Parse one field starting at *pos; unquotes in place. Returns the field's end marker:
 * ',' '\n' or '\0' (end of input), or -1 on a malformed quote. */
static int csv_field(char *buf, size_t len, size_t *pos, char **start, size_t *flen)
{
    size_t i = *pos;
    if (i < len && buf[i] == '"') {
        size_t out = i + 1, j = i + 1;
        *start = buf + out;
        for (;;) {
            if (j >= len)
                return -1;
            if (buf[j] == '"') {
                if (j + 1 < len && buf[j + 1] == '"') {
                    buf[out++] = '"';
                    j += 2;
                    continue;
                }
                j++;
                break;
            }
            buf[out++] = buf[j++];
        }
        *flen = out - (size_t)(*start - buf);
        if (j < len && buf[j] == '\r')
            j++;
        if (j >= len) {
            *pos = j;
            return '\0';
        }
        if (buf[j] != ',' && buf[j] != '\n')
            return -1;
        *pos = j + 1;
        return buf[j];
    }
    *start = buf + i;
    size_t j = i;
    while (j < len && buf[j] != ',' && buf[j] != '\n') {
        if (buf[j] == '"')
            return -1;
        j++;
    }
    size_t end = j;
    if (end > i && buf[end - 1] == '\r')
        end--;
    *flen = end - i;
    if (j >= len) {
        *pos = j;
        return '\0';
    }
    *pos = j + 1;
    return buf[j];
}

static int parse_csv(char *buf, size_t len, rows *rs, vo_import_report *rep)
{
    size_t pos = 0;
    int64_t line = 0;
    bool header = true;
    while (pos < len) {
        char *f[4] = {0};
        size_t fl[4] = {0};
        int nf = 0, end = ',';
        size_t row_start = pos;
        while (end == ',') {
            char *s;
            size_t l;
            end = csv_field(buf, len, &pos, &s, &l);
            if (end < 0)
                return vo__error_set(VO_EPARSE, "CSV: malformed quoting in data row %lld",
                                     (long long)line + 1);
            if (nf < 4) {
                f[nf] = s;
                fl[nf] = l;
            }
            nf++;
        }
        /* Terminate fields (the separator after each was consumed). */
        for (int k = 0; k < nf && k < 4; k++)
            f[k][fl[k]] = '\0';
        if (pos == row_start)
            break;
        if (nf == 1 && fl[0] == 0)
            continue; /* blank line */
        if (header) {
            header = false;
            if (nf != 3 || strcmp(f[0], "tenant") != 0 || strcmp(f[1], "name") != 0 ||
                strcmp(f[2], "value") != 0)
                return vo__error_set(VO_EPARSE, "CSV: the first row must be the header "
                                                "'tenant,name,value'");
            continue;
        }
        line++;
        if (nf != 3) {
            reject(rep, line, "expected 3 fields (tenant,name,value)%s", NULL);
            continue;
        }
        row r = {f[0], f[1], f[2], fl[2], line};
        if (memchr(f[0], 0, fl[0]) || memchr(f[1], 0, fl[1])) {
            reject(rep, line, "NUL byte in tenant or name%s", NULL);
            continue;
        }
        int rc = rows_add(rs, &r);
        if (rc != VO_OK)
            return rc;
    }
    if (header)
        return vo__error_set(VO_EPARSE, "CSV: empty input (no header row)");
    return VO_OK;
}

/* ---- JSON --------------------------------------------------------------------------- */

/*
 * A small JSON reader (RFC 8259) for this one shape: an array of objects whose "tenant",
 * "name" and "value" members are strings. It decodes those three strings straight into the
 * guarded arena with their exact length (a value may hold \u0000: binary values are stored
 * exactly), so no copy of a secret lands on the ordinary heap and nothing is truncated at a
 * NUL. Other members are validated and skipped. Raw bytes other than '"' and '\' are taken
 * as they are inside strings (as cJSON did before); nesting is limited to JSON_DEPTH.
 */
#define JSON_DEPTH 64

typedef struct jp {
    const unsigned char *s;
    size_t n, i;
    const char *err; /* first error */
} jp;

static int jfail(jp *p, const char *what)
{
    if (!p->err)
        p->err = what;
    return -1;
}

static void jws(jp *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
                           p->s[p->i] == '\r'))
        p->i++;
}

static int jhex4(jp *p, unsigned *out)
{
    if (p->n - p->i < 4)
        return jfail(p, "truncated \\u escape");
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        unsigned char c = p->s[p->i++];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return jfail(p, "bad \\u escape");
    }
    *out = v;
    return 0;
}

/* Put one decoded byte: into out while it fits (cap), always counted in *len. */
static void jput(char *out, size_t cap, size_t *len, unsigned char c)
{
    if (out && *len < cap)
        out[*len] = (char)c;
    (*len)++;
}

/* A string at p->i (the opening quote). Decodes into out (capacity cap, may be NULL to
 * only validate); *len receives the full decoded length, which may exceed cap. */
static int jstring(jp *p, char *out, size_t cap, size_t *len)
{
    *len = 0;
    p->i++; /* '"' */
    for (;;) {
        if (p->i >= p->n)
            return jfail(p, "unterminated string");
        unsigned char c = p->s[p->i++];
        if (c == '"')
            return 0;
        if (c != '\\') {
            jput(out, cap, len, c);
            continue;
        }
        if (p->i >= p->n)
            return jfail(p, "unterminated string");
        c = p->s[p->i++];
        switch (c) {
        case '"':
        case '\\':
        case '/': jput(out, cap, len, c); break;
        case 'b': jput(out, cap, len, '\b'); break;
        case 'f': jput(out, cap, len, '\f'); break;
        case 'n': jput(out, cap, len, '\n'); break;
        case 'r': jput(out, cap, len, '\r'); break;
        case 't': jput(out, cap, len, '\t'); break;
        case 'u': {
            unsigned cp;
            if (jhex4(p, &cp) != 0)
                return -1;
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return jfail(p, "lone low surrogate in \\u escape");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (p->n - p->i < 2 || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u')
                    return jfail(p, "high surrogate without its low half");
                p->i += 2;
                if (jhex4(p, &lo) != 0)
                    return -1;
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return jfail(p, "high surrogate without its low half");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            if (cp < 0x80) {
                jput(out, cap, len, (unsigned char)cp);
            } else if (cp < 0x800) {
                jput(out, cap, len, (unsigned char)(0xC0 | (cp >> 6)));
                jput(out, cap, len, (unsigned char)(0x80 | (cp & 0x3F)));
            } else if (cp < 0x10000) {
                jput(out, cap, len, (unsigned char)(0xE0 | (cp >> 12)));
                jput(out, cap, len, (unsigned char)(0x80 | ((cp >> 6) & 0x3F)));
                jput(out, cap, len, (unsigned char)(0x80 | (cp & 0x3F)));
            } else {
                jput(out, cap, len, (unsigned char)(0xF0 | (cp >> 18)));
                jput(out, cap, len, (unsigned char)(0x80 | ((cp >> 12) & 0x3F)));
                jput(out, cap, len, (unsigned char)(0x80 | ((cp >> 6) & 0x3F)));
                jput(out, cap, len, (unsigned char)(0x80 | (cp & 0x3F)));
            }
            break;
        }
        default: return jfail(p, "unknown escape in string");
        }
    }
}

static bool jdigit(const jp *p)
{
    return p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9';
}

static int jnumber(jp *p)
{
    if (p->s[p->i] == '-')
        p->i++;
    if (!jdigit(p))
        return jfail(p, "bad number");
    if (p->s[p->i] == '0')
        p->i++;
    else
        while (jdigit(p))
            p->i++;
    if (p->i < p->n && p->s[p->i] == '.') {
        p->i++;
        if (!jdigit(p))
            return jfail(p, "bad number");
        while (jdigit(p))
            p->i++;
    }
    if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
        p->i++;
        if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
            p->i++;
        if (!jdigit(p))
            return jfail(p, "bad number");
        while (jdigit(p))
            p->i++;
    }
    return 0;
}

static int jliteral(jp *p, const char *lit)
{
    size_t l = strlen(lit);
    if (p->n - p->i < l || memcmp(p->s + p->i, lit, l) != 0)
        return jfail(p, "unexpected character");
    p->i += l;
    return 0;
}

static int jvalue(jp *p, int depth);

/* Members of an object or elements of an array after the opening bracket (skipped). */
static int jcontainer(jp *p, int depth, bool object)
{
    char close = object ? '}' : ']';
    jws(p);
    if (p->i < p->n && p->s[p->i] == close) {
        p->i++;
        return 0;
    }
    for (;;) {
        jws(p);
        if (object) {
            size_t klen;
            if (p->i >= p->n || p->s[p->i] != '"')
                return jfail(p, "expected a member name");
            if (jstring(p, NULL, 0, &klen) != 0)
                return -1;
            jws(p);
            if (p->i >= p->n || p->s[p->i] != ':')
                return jfail(p, "expected ':'");
            p->i++;
        }
        if (jvalue(p, depth + 1) != 0)
            return -1;
        jws(p);
        if (p->i >= p->n)
            return jfail(p, "unterminated array or object");
        if (p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (p->s[p->i] == close) {
            p->i++;
            return 0;
        }
        return jfail(p, "expected ',' or a closing bracket");
    }
}

static int jvalue(jp *p, int depth)
{
    if (depth > JSON_DEPTH)
        return jfail(p, "nested too deep");
    jws(p);
    if (p->i >= p->n)
        return jfail(p, "unexpected end of input");
    size_t len;
    switch (p->s[p->i]) {
    case '"': return jstring(p, NULL, 0, &len);
    case '{': p->i++; return jcontainer(p, depth, true);
    case '[': p->i++; return jcontainer(p, depth, false);
    case 't': return jliteral(p, "true");
    case 'f': return jliteral(p, "false");
    case 'n': return jliteral(p, "null");
    default:
        if (p->s[p->i] == '-' || jdigit(p))
            return jnumber(p);
        return jfail(p, "unexpected character");
    }
}

enum {
    F_TENANT,
    F_NAME,
    F_VALUE,
    F_COUNT
};

/* One array element that is an object: its three fields decoded into the arena. Returns
 * -1 on a syntax error; otherwise *why is NULL (a row) or the row's rejection reason. */
static int jrow(jp *p, char *arena, size_t cap, size_t *used, row *r, const char **why)
{
    static const char *const names[F_COUNT] = {"tenant", "name", "value"};
    const char *f[F_COUNT] = {NULL, NULL, NULL};
    size_t fl[F_COUNT] = {0, 0, 0};
    bool bad_type = false, dup = false;
    *why = NULL;
    p->i++; /* '{' */
    jws(p);
    if (p->i < p->n && p->s[p->i] == '}') {
        p->i++;
        *why = "expected an object with string fields tenant, name, value";
        return 0;
    }
    for (;;) {
        jws(p);
        if (p->i >= p->n || p->s[p->i] != '"')
            return jfail(p, "expected a member name");
        char key[8];
        size_t klen;
        if (jstring(p, key, sizeof(key), &klen) != 0)
            return -1;
        int which = -1;
        for (int k = 0; k < F_COUNT && klen < sizeof(key); k++)
            if (klen == strlen(names[k]) && memcmp(key, names[k], klen) == 0)
                which = k;
        jws(p);
        if (p->i >= p->n || p->s[p->i] != ':')
            return jfail(p, "expected ':'");
        p->i++;
        jws(p);
        if (which >= 0 && f[which]) {
            dup = true;
            which = -1;
        }
        if (which >= 0 && p->i < p->n && p->s[p->i] == '"') {
            char *dst = arena + *used;
            size_t len;
            if (jstring(p, dst, cap - *used, &len) != 0)
                return -1;
            if (len >= cap - *used)
                return jfail(p, "internal: import arena overflow");
            dst[len] = '\0';
            *used += len + 1;
            f[which] = dst;
            fl[which] = len;
        } else {
            if (which >= 0)
                bad_type = true;
            if (jvalue(p, 2) != 0)
                return -1;
        }
        jws(p);
        if (p->i >= p->n)
            return jfail(p, "unterminated object");
        if (p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (p->s[p->i] == '}') {
            p->i++;
            break;
        }
        return jfail(p, "expected ',' or '}'");
    }
    if (dup)
        *why = "duplicate tenant, name or value field";
    else if (bad_type || !f[F_TENANT] || !f[F_NAME] || !f[F_VALUE])
        *why = "expected an object with string fields tenant, name, value";
    else if (memchr(f[F_TENANT], 0, fl[F_TENANT]) || memchr(f[F_NAME], 0, fl[F_NAME]))
        *why = "NUL byte in tenant or name";
    r->tenant = f[F_TENANT];
    r->name = f[F_NAME];
    r->value = f[F_VALUE];
    r->value_len = fl[F_VALUE];
    return 0;
}

static int parse_json(const char *data, size_t len, char *arena, size_t cap, rows *rs,
                      vo_import_report *rep)
{
    jp p = {(const unsigned char *)data, len, 0, NULL};
    size_t used = 0;
    int64_t line = 0;
    jws(&p);
    if (p.i >= p.n || p.s[p.i] != '[')
        return vo__error_set(VO_EPARSE,
                             "JSON: expected an array of {tenant, name, value} objects");
    p.i++;
    jws(&p);
    bool empty = p.i < p.n && p.s[p.i] == ']';
    if (empty)
        p.i++;
    while (!empty) {
        jws(&p);
        line++;
        if (p.i < p.n && p.s[p.i] == '{') {
            row r = {NULL, NULL, NULL, 0, line};
            const char *why = NULL;
            if (jrow(&p, arena, cap, &used, &r, &why) != 0)
                break;
            if (why) {
                reject(rep, line, "%s", why);
            } else {
                int rc = rows_add(rs, &r);
                if (rc != VO_OK)
                    return rc;
            }
        } else {
            if (jvalue(&p, 1) != 0)
                break;
            reject(rep, line, "expected an object with string fields tenant, name, value%s",
                   NULL);
        }
        jws(&p);
        if (p.i < p.n && p.s[p.i] == ',') {
            p.i++;
            continue;
        }
        if (p.i < p.n && p.s[p.i] == ']') {
            p.i++;
            break;
        }
        jfail(&p, "expected ',' or ']'");
        break;
    }
    if (!p.err) {
        jws(&p);
        if (p.i < p.n)
            jfail(&p, "trailing data after the array");
    }
    if (p.err)
        return vo__error_set(VO_EPARSE, "JSON: %s (at byte %zu)", p.err, p.i);
    return VO_OK;
}

/* ---- import ------------------------------------------------------------------------- */

/* One row inside the caller's write transaction. VO_OK also for a row rejected or skipped
 * (the report says which); any other code aborts the transaction. */
static int import_row(vo_vault *v, const row *r, unsigned int flags, vo_import_report *rep)
{
    if (vo__check_tenant(r->tenant) != VO_OK || vo__check_name(r->name) != VO_OK) {
        reject(rep, r->line, "%s", vo_error_last()->message);
        return VO_OK;
    }
    if (r->value_len == 0 || r->value_len > VO_VAULT_VALUE_MAX) {
        reject(rep, r->line, "value is empty or larger than the limit%s", NULL);
        return VO_OK;
    }
    vo__tenant_rec t;
    int rc = vo__be_tenant_get(v, r->tenant, &t);
    if (rc == VO_ENOTFOUND) {
        if (!(flags & VO_IMPORT_CREATE_TENANTS)) {
            reject(rep, r->line, "no tenant '%s' (use VO_IMPORT_CREATE_TENANTS)", r->tenant);
            return VO_OK;
        }
        rc = vo__tenant_create_tx(v, r->tenant, &t);
    }
    if (rc != VO_OK)
        return rc;
    size_t len = 0;
    int64_t expected = 0;
    int g = vo__secret_latest_tx(v, &t, r->name, &len);
    if (g == VO_OK) {
        bool same = len == r->value_len && vo__ct_equal(v->scratch, r->value, len);
        sodium_memzero(v->scratch, len);
        if (same) {
            rep->skipped++;
            return VO_OK;
        }
        if (!(flags & VO_IMPORT_OVERWRITE)) {
            reject(rep, r->line,
                   "secret '%s' exists with a different value (use VO_IMPORT_OVERWRITE)",
                   r->name);
            return VO_OK;
        }
        expected = VO_VAULT_ANY_VERSION;
    } else if (g != VO_ENOTFOUND) {
        return g;
    }
    rc = vo__secret_put_tx(v, &t, r->name, r->value, r->value_len, expected, NULL);
    if (rc == VO_OK) {
        rep->imported++;
        vo__audit_rec e;
        vo__audit_event(v, &e, r->tenant, r->name, "secret.import", VO_OK);
        rc = vo__audit_queue_tx(v, &e);
    }
    return rc;
}

/* All rows in one transaction, or (VO_IMPORT_BATCHED) one transaction per `rotation_batch`
 * rows with the vault's lock released between them, so that other threads and, on
 * PostgreSQL, other servers write in between. The summary audit row goes with the last
 * transaction. On failure the report counts only what was committed. */
static int import_rows(vo_vault *v, rows *rs, unsigned int flags, vo_import_report *rep)
{
    size_t batch = (flags & VO_IMPORT_BATCHED) ? (size_t)v->rotation_batch : rs->n + 1;
    int64_t committed = 0;
    size_t i = 0;
    int rc;
    do {
        size_t end = rs->n - i > batch ? i + batch : rs->n;
        pthread_mutex_lock(&v->lock);
        rc = vo__write_begin(v);
        for (; rc == VO_OK && i < end; i++)
            rc = import_row(v, &rs->r[i], flags, rep);
        if (rc == VO_OK && i >= rs->n) {
            vo__audit_rec e;
            char what[VO__NAME_SIZE];
            snprintf(what, sizeof(what), "imported %lld, skipped %lld, rejected %lld",
                     (long long)rep->imported, (long long)rep->skipped,
                     (long long)rep->rejected);
            vo__audit_event(v, &e, "", what, "import", VO_OK);
            rc = vo__audit_write_tx(v, &e);
        }
        rc = vo__write_end(v, rc);
        if (rc != VO_OK) {
            rep->imported = committed; /* the failed transaction committed nothing */
            vo__audit_failure(v, "", "", "import", rc);
        } else {
            committed = rep->imported;
        }
        pthread_mutex_unlock(&v->lock);
    } while (rc == VO_OK && i < rs->n);
    return rc;
}

static int cmp_rejection(const void *a, const void *b)
{
    int64_t x = ((const rejection *)a)->row, y = ((const rejection *)b)->row;
    return x < y ? -1 : x > y;
}

int vo_vault_import_buffer(vo_import_report **out, vo_vault *v, const char *data, size_t len,
                           int format, unsigned int flags)
{
    VO__HANDLE_CHECK(v, VO__H_VAULT, "vo_vault_import_buffer");
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_vault_import_buffer: out is NULL");
    *out = NULL;
    if (!v || (!data && len))
        return vo__error_set(VO_EINVAL, "vo_vault_import_buffer: NULL argument");
    if (len > IMPORT_MAX)
        return vo__error_set(VO_ETOOBIG, "import input larger than 256 MiB");
    if (format < VO_IMPORT_AUTO || format > VO_IMPORT_CSV)
        return vo__error_set(VO_EINVAL, "unknown import format %d", format);
    if (flags & ~(VO_IMPORT_CREATE_TENANTS | VO_IMPORT_OVERWRITE | VO_IMPORT_BATCHED))
        return vo__error_set(VO_EINVAL, "unknown import flags");
    if (format == VO_IMPORT_AUTO) {
        size_t i = 0;
        while (i < len &&
               (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
            i++;
        format = i < len && (data[i] == '[' || data[i] == '{') ? VO_IMPORT_JSON : VO_IMPORT_CSV;
    }
    vo_import_report *rep =
        vo__handle_new(sizeof(*rep), VO__H_IMPORT_REPORT, import_report_destroy);
    if (rep)
        rep->rej = calloc(MAX_REJECTIONS, sizeof(rejection));
    char *arena = sodium_malloc(len + 1);
    if (!rep || !rep->rej || !arena) {
        if (arena)
            sodium_free(arena);
        vo_import_report_free(rep);
        return vo__error_set(VO_ENOMEM, "out of memory");
    }
    rows rs = {NULL, 0, 0};
    int rc;
    if (format == VO_IMPORT_CSV) {
        if (len)
            memcpy(arena, data, len);
        arena[len] = '\0';
        rc = parse_csv(arena, len, &rs, rep);
    } else {
        rc = parse_json(data, len, arena, len + 1, &rs, rep);
    }
    if (rc == VO_OK)
        rc = import_rows(v, &rs, flags, rep);
    free(rs.r);
    sodium_free(arena);
    if (rc != VO_OK) {
        vo_import_report_free(rep);
        return rc;
    }
    qsort(rep->rej, rep->nrej, sizeof(rejection), cmp_rejection);
    vo__log(VO_LOG_INFO, "vault", "import: %lld imported, %lld skipped, %lld rejected",
            (long long)rep->imported, (long long)rep->skipped, (long long)rep->rejected);
    *out = rep;
    return VO_OK;
}

int vo_vault_import_file(vo_import_report **out, vo_vault *v, const char *path, int format,
                         unsigned int flags)
{
    VO__HANDLE_CHECK(v, VO__H_VAULT, "vo_vault_import_file");
    if (!out)
        return vo__error_set(VO_EINVAL, "vo_vault_import_file: out is NULL");
    *out = NULL;
    if (!v || !path || !*path)
        return vo__error_set(VO_EINVAL, "vo_vault_import_file: NULL argument");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vo__error_set(errno == ENOENT ? VO_ENOTFOUND : VO_ESTORAGE,
                             "cannot open import file '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return vo__error_set(VO_EINVAL, "import file '%s' is not a regular file", path);
    }
    if ((uint64_t)st.st_size > IMPORT_MAX) {
        close(fd);
        return vo__error_set(VO_ETOOBIG, "import file larger than 256 MiB");
    }
    size_t size = (size_t)st.st_size;
    char *buf = sodium_malloc(size + 1);
    if (!buf) {
        close(fd);
        return vo__error_set(VO_ENOMEM, "out of secure memory");
    }
    size_t got = 0;
    int rc = VO_OK;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = vo__error_set(VO_ESTORAGE, "cannot read import file '%s'", path);
            break;
        }
        got += (size_t)r;
    }
    close(fd);
    if (rc == VO_OK)
        rc = vo_vault_import_buffer(out, v, buf, got, format, flags);
    sodium_free(buf);
    return rc;
}

int64_t vo_import_report_imported(const vo_import_report *r)
{
    r = vo__handle_or_null(r, VO__H_IMPORT_REPORT, "vo_import_report_imported");
    return r ? r->imported : 0;
}

int64_t vo_import_report_skipped(const vo_import_report *r)
{
    r = vo__handle_or_null(r, VO__H_IMPORT_REPORT, "vo_import_report_skipped");
    return r ? r->skipped : 0;
}

int64_t vo_import_report_rejected(const vo_import_report *r)
{
    r = vo__handle_or_null(r, VO__H_IMPORT_REPORT, "vo_import_report_rejected");
    return r ? r->rejected : 0;
}

size_t vo_import_report_rejection_count(const vo_import_report *r)
{
    r = vo__handle_or_null(r, VO__H_IMPORT_REPORT, "vo_import_report_rejection_count");
    return r ? r->nrej : 0;
}

int64_t vo_import_report_rejection_row(const vo_import_report *r, size_t i)
{
    r = vo__handle_or_null(r, VO__H_IMPORT_REPORT, "vo_import_report_rejection_row");
    return r && i < r->nrej ? r->rej[i].row : 0;
}

const char *vo_import_report_rejection_reason(const vo_import_report *r, size_t i)
{
    r = vo__handle_or_null(r, VO__H_IMPORT_REPORT, "vo_import_report_rejection_reason");
    return r && i < r->nrej ? r->rej[i].reason : NULL;
}

static void import_report_destroy(void *self)
{
    vo_import_report *r = self;
    free(r->rej);
}

void vo_import_report_free(vo_import_report *r)
{
    vo__handle_close(r, VO__H_IMPORT_REPORT, "vo_import_report_free");
}
