/*
 * Plaintext migration: import tenant/name/value rows from a JSON or CSV export. The input
 * is copied into guarded memory and parsed there (CSV in place; JSON through cJSON, whose
 * heap copies are wiped before release). Idempotent: equal values are skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

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

static void json_wipe(cJSON *j)
{
    for (cJSON *c = j; c; c = c->next) {
        if (c->valuestring)
            sodium_memzero(c->valuestring, strlen(c->valuestring));
        if (c->string)
            sodium_memzero(c->string, strlen(c->string));
        if (c->child)
            json_wipe(c->child);
    }
}

/* Copy the rows' strings into the guarded arena (appending after `used`). */
static char *arena_copy(char *arena, size_t cap, size_t *used, const char *s, size_t n)
{
    if (*used + n + 1 > cap)
        return NULL;
    char *p = arena + *used;
    memcpy(p, s, n);
    p[n] = '\0';
    *used += n + 1;
    return p;
}

static int parse_json(const char *data, size_t len, char *arena, size_t cap, rows *rs,
                      vo_import_report *rep)
{
    cJSON *root = cJSON_ParseWithLength(data, len);
    if (!root) {
        return vo__error_set(VO_EPARSE, "JSON: the document does not parse");
    }
    int rc = VO_OK;
    if (!cJSON_IsArray(root)) {
        rc = vo__error_set(VO_EPARSE,
                           "JSON: expected an array of {tenant, name, value} objects");
        goto out;
    }
    size_t used = 0;
    int64_t line = 0;
    for (cJSON *it = root->child; it; it = it->next) {
        line++;
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(it, "tenant");
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "value");
        if (!cJSON_IsObject(it) || !cJSON_IsString(t) || !cJSON_IsString(n) ||
            !cJSON_IsString(v)) {
            reject(rep, line, "expected an object with string fields tenant, name, value%s",
                   NULL);
            continue;
        }
        row r;
        r.line = line;
        r.value_len = strlen(v->valuestring);
        r.tenant = arena_copy(arena, cap, &used, t->valuestring, strlen(t->valuestring));
        r.name = arena_copy(arena, cap, &used, n->valuestring, strlen(n->valuestring));
        r.value = arena_copy(arena, cap, &used, v->valuestring, r.value_len);
        if (!r.tenant || !r.name || !r.value) {
            rc = vo__error_set(VO_EINTERNAL, "JSON import arena overflow");
            goto out;
        }
        if ((rc = rows_add(rs, &r)) != VO_OK)
            goto out;
    }
out:
    json_wipe(root);
    cJSON_Delete(root);
    return rc;
}

/* ---- import ------------------------------------------------------------------------- */

static int import_rows(vo_vault *v, rows *rs, unsigned int flags, vo_import_report *rep)
{
    pthread_mutex_lock(&v->lock);
    int rc = vo__write_begin(v);
    for (size_t i = 0; rc == VO_OK && i < rs->n; i++) {
        row *r = &rs->r[i];
        if (vo__check_tenant(r->tenant) != VO_OK || vo__check_name(r->name) != VO_OK) {
            reject(rep, r->line, "%s", vo_error_last()->message);
            continue;
        }
        if (r->value_len == 0 || r->value_len > VO_VAULT_VALUE_MAX) {
            reject(rep, r->line, "value is empty or larger than the limit%s", NULL);
            continue;
        }
        vo__tenant_rec t;
        rc = vo__be_tenant_get(v, r->tenant, &t);
        if (rc == VO_ENOTFOUND) {
            if (!(flags & VO_IMPORT_CREATE_TENANTS)) {
                rc = VO_OK;
                reject(rep, r->line, "no tenant '%s' (use VO_IMPORT_CREATE_TENANTS)",
                       r->tenant);
                continue;
            }
            rc = vo__tenant_create_tx(v, r->tenant, &t);
        }
        if (rc != VO_OK)
            break;
        size_t len = 0;
        int64_t expected = 0;
        int g = vo__secret_latest_tx(v, &t, r->name, &len);
        if (g == VO_OK) {
            bool same = len == r->value_len && sodium_memcmp(v->scratch, r->value, len) == 0;
            sodium_memzero(v->scratch, len);
            if (same) {
                rep->skipped++;
                continue;
            }
            if (!(flags & VO_IMPORT_OVERWRITE)) {
                reject(rep, r->line,
                       "secret '%s' exists with a different value "
                       "(use VO_IMPORT_OVERWRITE)",
                       r->name);
                continue;
            }
            expected = VO_VAULT_ANY_VERSION;
        } else if (g != VO_ENOTFOUND) {
            rc = g;
            break;
        }
        rc = vo__secret_put_tx(v, &t, r->name, r->value, r->value_len, expected, NULL);
        if (rc == VO_OK) {
            rep->imported++;
            vo__audit_rec e;
            vo__audit_event(v, &e, r->tenant, r->name, "secret.import", VO_OK);
            rc = vo__audit_queue_tx(v, &e);
        }
    }
    if (rc == VO_OK) {
        vo__audit_rec e;
        char what[VO__NAME_SIZE];
        snprintf(what, sizeof(what), "imported %lld, skipped %lld, rejected %lld",
                 (long long)rep->imported, (long long)rep->skipped, (long long)rep->rejected);
        vo__audit_event(v, &e, "", what, "import", VO_OK);
        rc = vo__audit_write_tx(v, &e);
    }
    rc = vo__write_end(v, rc);
    if (rc != VO_OK) {
        rep->imported = 0; /* nothing was committed */
        vo__audit_failure(v, "", "", "import", rc);
    }
    pthread_mutex_unlock(&v->lock);
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
    if (flags & ~(VO_IMPORT_CREATE_TENANTS | VO_IMPORT_OVERWRITE))
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
