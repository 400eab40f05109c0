/* voiceops scan: search files and trees for the vault's secrets, raw and in the encodings
 * they leak in, and for Twilio-shaped credentials that are not in the vault. Reports where,
 * never what: file, offset, tenant, secret name, encoding.
 *
 * Matching: every pattern (a secret in one encoding) is at least `m` bytes long; a
 * Wu-Manber style shift table over 2-byte blocks of the patterns' first m bytes lets the
 * scan skip up to m-1 bytes at a time, and only windows whose last block ends a prefix are
 * compared (4-byte prefix check, then memcmp). Decrypted values and every derived pattern
 * live in one libsodium guarded allocation, wiped on exit. */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

static const char *const scan_usage =
    "usage: voiceops scan PATH... [--tenant T] [--no-shapes] [--min-length N]\n"
    "                            [--max-findings N]\n"
    "Search files and directory trees (symbolic links are not followed) for every secret in\n"
    "the vault: raw, URL-encoded, form-encoded, JSON-escaped, and base64 / base64url at any\n"
    "alignment (as inside a Basic Authorization header or a data: URL). Typed credentials\n"
    "are scanned field by field (auth token, API key secret, Vapi key, webhook secret, SMTP\n"
    "password). Also reports Twilio-shaped credentials not in the vault: an AC.../SK... id\n"
    "followed within 256 bytes by a 32-character secret (--no-shapes turns this off).\n"
    "Values shorter than --min-length (default 8) are skipped. Prints file, offset, tenant,\n"
    "secret name and encoding, never a value. Exit 1 when anything is found.\n";

typedef struct scan_owner {
    char tenant[VO_VAULT_TENANT_MAX + 1];
    char name[VO_VAULT_NAME_MAX + 1];
    const char *field; /* "" or the credential field */
} scan_owner;

typedef struct pattern {
    size_t off; /* into the guarded arena */
    size_t len;
    uint32_t head; /* first 4 bytes */
    uint32_t owner;
    const char *encoding;
} pattern;

typedef struct scanner {
    unsigned char *arena; /* guarded */
    size_t arena_len, arena_cap;
    pattern *pats;
    size_t npats, cap_pats;
    scan_owner *owners;
    size_t nowners, cap_owners;
    size_t *values; /* pattern index of each raw value (for the shape check) */
    size_t nvalues;
    size_t m;               /* shortest pattern */
    uint8_t *shift;         /* 65536 entries */
    uint32_t *bucket_start; /* 65537 entries */
    uint32_t *bucket;       /* pattern indexes */
    char (*known_ids)[35];  /* AC/SK ids stored in the vault */
    size_t nknown, cap_known;
    /* results */
    cJSON *findings;
    size_t nfindings, max_findings;
    int json;
    uint64_t files, bytes, skipped;
} scanner;

static int arena_add(scanner *s, const unsigned char *p, size_t n, size_t *off)
{
    if (s->arena_len + n > s->arena_cap) {
        size_t cap = s->arena_cap ? s->arena_cap * 2 : 1u << 16;
        while (cap < s->arena_len + n)
            cap *= 2;
        unsigned char *a = sodium_malloc(cap);
        if (!a)
            return -1;
        if (s->arena) {
            memcpy(a, s->arena, s->arena_len);
            sodium_free(s->arena);
        }
        s->arena = a;
        s->arena_cap = cap;
    }
    memcpy(s->arena + s->arena_len, p, n);
    *off = s->arena_len;
    s->arena_len += n;
    return 0;
}

static int add_pattern(scanner *s, const unsigned char *p, size_t n, uint32_t who,
                       const char *enc)
{
    if (n < 4)
        return 0;
    /* an encoding equal to another of the same value adds nothing (a value's patterns are
     * the last ones added) */
    for (size_t i = s->npats; i-- > 0 && s->pats[i].owner == who;)
        if (s->pats[i].len == n && memcmp(s->arena + s->pats[i].off, p, n) == 0)
            return 0;
    if (s->npats == s->cap_pats) {
        s->cap_pats = s->cap_pats ? s->cap_pats * 2 : 256;
        pattern *np = realloc(s->pats, s->cap_pats * sizeof(*np));
        if (!np)
            return -1;
        s->pats = np;
    }
    pattern *pt = &s->pats[s->npats];
    if (arena_add(s, p, n, &pt->off) != 0)
        return -1;
    pt->len = n;
    memcpy(&pt->head, p, 4);
    pt->owner = who;
    pt->encoding = enc;
    s->npats++;
    return 0;
}

/* A scratch buffer in guarded memory for the encodings of one value. */
typedef struct gbuf {
    unsigned char *p;
    size_t len, cap;
} gbuf;

static int gbuf_reserve(gbuf *b, size_t cap)
{
    if (b->cap >= cap)
        return 0;
    unsigned char *p = sodium_malloc(cap);
    if (!p)
        return -1;
    if (b->p)
        sodium_free(b->p);
    b->p = p;
    b->cap = cap;
    return 0;
}

static int is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

static void url_encode(gbuf *b, const unsigned char *v, size_t n, int form)
{
    static const char hex[] = "0123456789ABCDEF";
    b->len = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_unreserved(v[i])) {
            b->p[b->len++] = v[i];
        } else if (form && v[i] == ' ') {
            b->p[b->len++] = '+';
        } else {
            b->p[b->len++] = '%';
            b->p[b->len++] = (unsigned char)hex[v[i] >> 4];
            b->p[b->len++] = (unsigned char)hex[v[i] & 15];
        }
    }
}

static void json_escape(gbuf *b, const unsigned char *v, size_t n, int slash)
{
    static const char hex[] = "0123456789abcdef";
    b->len = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = v[i];
        if (c == '"' || c == '\\' || (slash && c == '/')) {
            b->p[b->len++] = '\\';
            b->p[b->len++] = c;
        } else if (c < 0x20) {
            const char *e = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
            if (e) {
                memcpy(b->p + b->len, e, 2);
                b->len += 2;
            } else {
                memcpy(b->p + b->len, "\\u00", 4);
                b->p[b->len + 4] = (unsigned char)hex[c >> 4];
                b->p[b->len + 5] = (unsigned char)hex[c & 15];
                b->len += 6;
            }
        } else {
            b->p[b->len++] = c;
        }
    }
}

/* The base64 characters that depend only on the value's bytes when it starts `lead` bytes
 * into a 3-byte group: what any base64 text containing the value (a Basic header
 * "user:secret", a JSON blob) must contain. */
static int add_base64(scanner *s, gbuf *tmp, gbuf *enc, const unsigned char *v, size_t n,
                      uint32_t who)
{
    for (int lead = 0; lead < 3; lead++) {
        size_t tl = (size_t)lead + n;
        if (gbuf_reserve(tmp, tl + 1) ||
            gbuf_reserve(enc, sodium_base64_ENCODED_LEN(tl, sodium_base64_VARIANT_ORIGINAL)))
            return -1;
        memset(tmp->p, 0, (size_t)lead);
        memcpy(tmp->p + lead, v, n);
        sodium_bin2base64((char *)enc->p, enc->cap, tmp->p, tl, sodium_base64_VARIANT_ORIGINAL);
        /* character j covers bits 6j..6j+5 of the input */
        size_t first = ((size_t)lead * 8 + 5) / 6, end = (tl * 8) / 6; /* [first, end) */
        if (end <= first)
            continue;
        unsigned char *core = enc->p + first;
        size_t cl = end - first;
        if (add_pattern(s, core, cl, who, "base64"))
            return -1;
        int url = 0;
        for (size_t i = 0; i < cl; i++) {
            if (core[i] == '+') {
                core[i] = '-';
                url = 1;
            } else if (core[i] == '/') {
                core[i] = '_';
                url = 1;
            }
        }
        if (url && add_pattern(s, core, cl, who, "base64url"))
            return -1;
    }
    return 0;
}

static int add_value(scanner *s, const char *tenant, const char *name, const char *field,
                     const unsigned char *v, size_t n, size_t min_len)
{
    if (!v || n < min_len)
        return 0;
    if (s->nowners == s->cap_owners) {
        s->cap_owners = s->cap_owners ? s->cap_owners * 2 : 64;
        scan_owner *no = realloc(s->owners, s->cap_owners * sizeof(*no));
        size_t *nv = realloc(s->values, s->cap_owners * sizeof(*nv));
        if (!no || !nv) {
            free(no ? no : NULL);
            return -1;
        }
        s->owners = no;
        s->values = nv;
    }
    uint32_t o = (uint32_t)s->nowners++;
    snprintf(s->owners[o].tenant, sizeof(s->owners[o].tenant), "%s", tenant);
    snprintf(s->owners[o].name, sizeof(s->owners[o].name), "%s", name);
    s->owners[o].field = field;
    s->values[s->nvalues++] = s->npats;
    gbuf enc = {0}, tmp = {0};
    int rc = -1;
    if (gbuf_reserve(&enc, n * 6 + 8))
        goto out;
    if (add_pattern(s, v, n, o, "raw"))
        goto out;
    url_encode(&enc, v, n, 0);
    if (add_pattern(s, enc.p, enc.len, o, "url-encoded"))
        goto out;
    url_encode(&enc, v, n, 1);
    if (add_pattern(s, enc.p, enc.len, o, "form-encoded"))
        goto out;
    json_escape(&enc, v, n, 0);
    if (add_pattern(s, enc.p, enc.len, o, "json-escaped"))
        goto out;
    json_escape(&enc, v, n, 1);
    if (add_pattern(s, enc.p, enc.len, o, "json-escaped"))
        goto out;
    if (add_base64(s, &tmp, &enc, v, n, o))
        goto out;
    rc = 0;
out:
    if (enc.p)
        sodium_free(enc.p);
    if (tmp.p)
        sodium_free(tmp.p);
    return rc;
}

static void add_known_id(scanner *s, const char *id)
{
    if (!id || strlen(id) != 34)
        return;
    if (s->nknown == s->cap_known) {
        s->cap_known = s->cap_known ? s->cap_known * 2 : 16;
        void *k = realloc(s->known_ids, s->cap_known * sizeof(*s->known_ids));
        if (!k)
            return;
        s->known_ids = k;
    }
    memcpy(s->known_ids[s->nknown++], id, 35);
}

#define STRV(x) (const unsigned char *)(x), ((x) ? strlen(x) : 0)

/* Every secret of one tenant: typed credentials field by field, others whole. */
static int load_tenant(const cli *c, scanner *s, vo_vault *v, const char *tenant,
                       size_t min_len)
{
    vo_secret_list *l = NULL;
    int rc = vo_vault_secret_list(&l, v, tenant);
    if (rc != VO_OK)
        return cli_fail(c, "scan: listing secrets", rc);
    int code = EXIT_OK;
    for (size_t i = 0; i < vo_secret_list_count(l) && code == EXIT_OK; i++) {
        const char *name = vo_secret_list_name(l, i);
        int r = 0;
        if (strcmp(name, VO_CREDENTIALS_TWILIO_NAME) == 0) {
            vo_twilio_credentials *cr = NULL;
            if ((rc = vo_twilio_credentials_get(&cr, NULL, v, tenant)) == VO_OK) {
                add_known_id(s, vo_twilio_credentials_account_sid(cr));
                add_known_id(s, vo_twilio_credentials_api_key_sid(cr));
                r |= add_value(s, tenant, name, "auth_token",
                               STRV(vo_twilio_credentials_auth_token(cr)), min_len);
                r |= add_value(s, tenant, name, "secondary_auth_token",
                               STRV(vo_twilio_credentials_secondary_auth_token(cr)), min_len);
                r |= add_value(s, tenant, name, "api_key_secret",
                               STRV(vo_twilio_credentials_api_key_secret(cr)), min_len);
            }
            vo_twilio_credentials_free(cr);
        } else if (strcmp(name, VO_CREDENTIALS_VAPI_NAME) == 0) {
            vo_vapi_credentials *cr = NULL;
            if ((rc = vo_vapi_credentials_get(&cr, NULL, v, tenant)) == VO_OK) {
                r |= add_value(s, tenant, name, "api_key",
                               STRV(vo_vapi_credentials_api_key(cr)), min_len);
                r |= add_value(s, tenant, name, "webhook_secret",
                               STRV(vo_vapi_credentials_webhook_secret(cr)), min_len);
            }
            vo_vapi_credentials_free(cr);
        } else if (strcmp(name, VO_CREDENTIALS_SMTP_NAME) == 0) {
            vo_smtp_credentials *cr = NULL;
            if ((rc = vo_smtp_credentials_get(&cr, NULL, v, tenant)) == VO_OK)
                r |= add_value(s, tenant, name, "password",
                               STRV(vo_smtp_credentials_password(cr)), min_len);
            vo_smtp_credentials_free(cr);
        } else {
            vo_secret *val = NULL;
            if ((rc = vo_vault_secret_get(&val, NULL, v, tenant, name, 0)) == VO_OK)
                r |= add_value(s, tenant, name, "", vo_secret_data(val), vo_secret_len(val),
                               min_len);
            vo_secret_free(val);
        }
        if (rc != VO_OK && rc != VO_ENOTFOUND) {
            char what[300];
            snprintf(what, sizeof(what), "scan: reading %s/%s", tenant, name);
            code = cli_fail(c, what, rc);
        } else if (r) {
            code = cli_failf(c, EXIT_ERROR, "scan: out of secure memory");
        }
    }
    vo_secret_list_free(l);
    return code;
}

static int build_tables(scanner *s)
{
    s->m = SIZE_MAX;
    for (size_t i = 0; i < s->npats; i++)
        if (s->pats[i].len < s->m)
            s->m = s->pats[i].len;
    if (s->npats == 0)
        return 0;
    if (s->m > 255)
        s->m = 255;
    s->shift = malloc(65536);
    s->bucket_start = calloc(65537, sizeof(uint32_t));
    s->bucket = malloc(s->npats * sizeof(uint32_t));
    if (!s->shift || !s->bucket_start || !s->bucket)
        return -1;
    size_t m = s->m;
    memset(s->shift, (int)(m - 1), 65536);
    for (size_t i = 0; i < s->npats; i++) {
        const unsigned char *p = s->arena + s->pats[i].off;
        for (size_t j = 0; j + 2 <= m; j++) {
            unsigned b = (unsigned)p[j] << 8 | p[j + 1];
            size_t sh = m - 2 - j;
            if (sh < s->shift[b])
                s->shift[b] = (uint8_t)sh;
        }
        unsigned last = (unsigned)p[m - 2] << 8 | p[m - 1];
        s->bucket_start[last + 1]++;
    }
    for (size_t b = 0; b < 65536; b++)
        s->bucket_start[b + 1] += s->bucket_start[b];
    uint32_t *fill = malloc(65536 * sizeof(uint32_t));
    if (!fill)
        return -1;
    memcpy(fill, s->bucket_start, 65536 * sizeof(uint32_t));
    for (size_t i = 0; i < s->npats; i++) {
        const unsigned char *p = s->arena + s->pats[i].off;
        unsigned last = (unsigned)p[m - 2] << 8 | p[m - 1];
        s->bucket[fill[last]++] = (uint32_t)i;
    }
    free(fill);
    return 0;
}

static void report(scanner *s, const char *path, uint64_t off, const char *kind,
                   const scan_owner *o, const char *encoding, const char *id)
{
    s->nfindings++;
    if (s->nfindings > s->max_findings)
        return;
    if (!s->json) {
        if (o)
            printf("%s:%llu: %s/%s%s%s (%s)\n", path, (unsigned long long)off, o->tenant,
                   o->name, o->field[0] ? "#" : "", o->field, encoding);
        else
            printf("%s:%llu: %s %s with a secret, not in the vault\n", path,
                   (unsigned long long)off, kind, id);
        return;
    }
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "file", path);
    cJSON_AddNumberToObject(e, "offset", (double)off);
    cJSON_AddStringToObject(e, "kind", kind);
    if (o) {
        cJSON_AddStringToObject(e, "tenant", o->tenant);
        cJSON_AddStringToObject(e, "name", o->name);
        if (o->field[0])
            cJSON_AddStringToObject(e, "field", o->field);
        cJSON_AddStringToObject(e, "encoding", encoding);
    } else {
        cJSON_AddStringToObject(e, "id", id);
    }
    cJSON_AddItemToArray(s->findings, e);
}

static void scan_secrets(scanner *s, const char *path, const unsigned char *t, size_t n)
{
    size_t m = s->m;
    if (s->npats == 0 || n < m)
        return;
    const uint8_t *shift = s->shift;
    size_t i = m - 1;
    while (i < n) {
        unsigned b = (unsigned)t[i - 1] << 8 | t[i];
        size_t sh = shift[b];
        if (sh) {
            i += sh;
            continue;
        }
        size_t start = i + 1 - m;
        uint32_t head;
        memcpy(&head, t + start, 4);
        for (uint32_t k = s->bucket_start[b]; k < s->bucket_start[b + 1]; k++) {
            const pattern *p = &s->pats[s->bucket[k]];
            if (p->head != head || p->len > n - start ||
                memcmp(s->arena + p->off, t + start, p->len) != 0)
                continue;
            report(s, path, start, "vault_secret", &s->owners[p->owner], p->encoding, NULL);
        }
        i++;
    }
}

static int is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int is_alnum(unsigned char c)
{
    return is_hex(c) || (c >= 'g' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* An AC/SK id at t[i] (2 letters + 32 lowercase hex, not inside a longer word). */
static int twilio_id_at(const unsigned char *t, size_t n, size_t i)
{
    if (i + 34 > n || (i > 0 && is_alnum(t[i - 1])) || (i + 34 < n && is_alnum(t[i + 34])))
        return 0;
    for (size_t k = 2; k < 34; k++)
        if (!is_hex(t[i + k]))
            return 0;
    return 1;
}

static int in_vault(const scanner *s, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < s->nvalues; i++) {
        const pattern *pt = &s->pats[s->values[i]];
        if (pt->len == n && memcmp(s->arena + pt->off, p, n) == 0)
            return 1;
    }
    return 0;
}

static void scan_shapes(scanner *s, const char *path, const unsigned char *t, size_t n)
{
    static const char *const needles[] = {"AC", "SK"};
    for (int w = 0; w < 2; w++) {
        const unsigned char *p = t, *end = t + n;
        while (p < end) {
            p = memmem(p, (size_t)(end - p), needles[w], 2);
            if (!p)
                break;
            size_t i = (size_t)(p - t);
            p++;
            if (!twilio_id_at(t, n, i))
                continue;
            /* a secret within 256 bytes after the id: 32 hex (auth token) or, for a key,
             * 32 letters/digits; not itself an id */
            size_t lim = i + 34 + 256 < n ? i + 34 + 256 : n;
            for (size_t j = i + 34; j + 32 <= lim; j++) {
                if (is_alnum(t[j - 1]))
                    continue;
                size_t k = 0;
                while (j + k < n && (w == 0 ? is_hex(t[j + k]) : is_alnum(t[j + k])))
                    k++;
                if (k != 32) {
                    j += k;
                    continue;
                }
                if (in_vault(s, t + j, 32))
                    break; /* reported as a vault secret */
                char id[35];
                memcpy(id, t + i, 34);
                id[34] = '\0';
                report(s, path, j,
                       w == 0 ? "twilio_account_credential_not_in_vault"
                              : "twilio_api_key_credential_not_in_vault",
                       NULL, NULL, id);
                break;
            }
        }
    }
}

static void scan_file(scanner *s, const char *path, int shapes)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        else
            fprintf(stderr, "voiceops: scan: cannot read %s: %s\n", path, strerror(errno));
        s->skipped++;
        return;
    }
    s->files++;
    if (st.st_size == 0) {
        close(fd);
        return;
    }
    size_t n = (size_t)st.st_size;
    unsigned char *t = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (t == MAP_FAILED) {
        fprintf(stderr, "voiceops: scan: cannot map %s\n", path);
        s->skipped++;
        return;
    }
    madvise(t, n, MADV_SEQUENTIAL);
    s->bytes += n;
    scan_secrets(s, path, t, n);
    if (shapes)
        scan_shapes(s, path, t, n);
    munmap(t, n);
}

static int strcmp_ptr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void scan_path(scanner *s, const char *path, int shapes, int depth)
{
    struct stat st;
    if (cli_interrupted)
        return;
    if (lstat(path, &st) != 0) {
        fprintf(stderr, "voiceops: scan: %s: %s\n", path, strerror(errno));
        s->skipped++;
        return;
    }
    if (S_ISREG(st.st_mode)) {
        scan_file(s, path, shapes);
        return;
    }
    if (!S_ISDIR(st.st_mode) || depth > 64)
        return; /* links, devices, sockets: not followed */
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "voiceops: scan: %s: %s\n", path, strerror(errno));
        s->skipped++;
        return;
    }
    /* sorted, so reports are stable */
    size_t cap = 64, nn = 0;
    char **names = malloc(cap * sizeof(*names));
    struct dirent *e;
    while (names && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (nn == cap) {
            char **nb = realloc(names, (cap *= 2) * sizeof(*names));
            if (!nb)
                break;
            names = nb;
        }
        names[nn++] = strdup(e->d_name);
    }
    closedir(d);
    if (!names)
        return;
    qsort(names, nn, sizeof(*names), strcmp_ptr);
    for (size_t i = 0; i < nn; i++) {
        size_t pl = strlen(path);
        char *child = malloc(pl + strlen(names[i]) + 2);
        if (child) {
            sprintf(child, "%s%s%s", path, pl && path[pl - 1] == '/' ? "" : "/", names[i]);
            scan_path(s, child, shapes, depth + 1);
            free(child);
        }
        free(names[i]);
    }
    free(names);
}

int cmd_scan(cli *c, int argc, char **argv)
{
    const char *tenant = NULL, *min_s = NULL, *max_s = NULL;
    int no_shapes = 0;
    const cli_opt opts[] = {{"tenant", &tenant, NULL},
                            {"min-length", &min_s, NULL},
                            {"max-findings", &max_s, NULL},
                            {"no-shapes", NULL, &no_shapes},
                            {NULL, NULL, NULL}};
    int rc = cli_parse(c, argc, argv, opts, scan_usage);
    if (rc)
        return rc;
    if (c->help)
        return cli_usage(scan_usage);
    if ((rc = cli_need(c, 1, CLI_MAX_POS, scan_usage)))
        return rc;
    int64_t min_len = 8, max_f = 10000;
    if ((min_s && (cli_parse_int64(min_s, &min_len) || min_len < 4 || min_len > 1024)) ||
        (max_s && (cli_parse_int64(max_s, &max_f) || max_f < 1)))
        return cli_failf(c, EXIT_USAGE, "--min-length 4-1024, --max-findings from 1");
    if (sodium_init() < 0)
        return cli_failf(c, EXIT_ERROR, "scan: libsodium failed to initialise");
    vo_vault *v = NULL;
    if ((rc = cli_open_vault(c, &v, 0, 0, NULL)))
        return rc;
    scanner s;
    memset(&s, 0, sizeof(s));
    s.json = c->json;
    s.max_findings = (size_t)max_f;
    s.findings = cJSON_CreateArray();
    int code = EXIT_OK;
    size_t ntenants = 0;
    if (tenant) {
        code = load_tenant(c, &s, v, tenant, (size_t)min_len);
        ntenants = 1;
    } else {
        char after[VO_VAULT_TENANT_MAX + 1] = "";
        for (;;) {
            vo_tenant_list *l = NULL;
            if ((rc = vo_vault_tenant_list(&l, v, after, 500)) != VO_OK) {
                code = cli_fail(c, "scan: listing tenants", rc);
                break;
            }
            size_t k = vo_tenant_list_count(l);
            for (size_t i = 0; i < k && code == EXIT_OK; i++)
                code = load_tenant(c, &s, v, vo_tenant_list_id(l, i), (size_t)min_len);
            ntenants += k;
            if (k)
                snprintf(after, sizeof(after), "%s", vo_tenant_list_id(l, k - 1));
            vo_tenant_list_free(l);
            if (k < 500 || code != EXIT_OK)
                break;
        }
    }
    vo_vault_close(v); /* the values stay only in the guarded arena */
    v = NULL;
    if (code == EXIT_OK && build_tables(&s) != 0)
        code = cli_failf(c, EXIT_ERROR, "scan: out of memory");
    double t0 = cli_now();
    if (code == EXIT_OK) {
        if (!c->json)
            fprintf(stderr, "scanning for %zu secrets of %zu tenants (%zu patterns)\n",
                    s.nowners, ntenants, s.npats);
        for (size_t i = 0; i < c->pos_count; i++)
            scan_path(&s, c->pos[i], !no_shapes, 0);
    }
    double secs = cli_now() - t0;
    if (code == EXIT_OK && cli_interrupted)
        code = EXIT_INTERRUPTED;
    if (code == EXIT_OK) {
        code = s.nfindings ? EXIT_FINDING : EXIT_OK;
        if (c->json) {
            cJSON *d = cli_doc();
            cJSON_AddNumberToObject(d, "tenants", (double)ntenants);
            cJSON_AddNumberToObject(d, "secrets", (double)s.nowners);
            cJSON_AddNumberToObject(d, "patterns", (double)s.npats);
            cJSON_AddNumberToObject(d, "files", (double)s.files);
            cJSON_AddNumberToObject(d, "bytes", (double)s.bytes);
            cJSON_AddNumberToObject(d, "unreadable", (double)s.skipped);
            cJSON_AddNumberToObject(d, "seconds", secs);
            cJSON_AddNumberToObject(d, "finding_count", (double)s.nfindings);
            cJSON_AddBoolToObject(d, "truncated", s.nfindings > s.max_findings);
            cJSON_AddItemToObject(d, "findings", s.findings);
            s.findings = NULL;
            cli_json_print(d);
        } else {
            fprintf(stderr, "%llu files, %llu bytes in %.2f s: %zu finding(s)\n",
                    (unsigned long long)s.files, (unsigned long long)s.bytes, secs,
                    s.nfindings);
        }
    }
    cJSON_Delete(s.findings);
    if (s.arena)
        sodium_free(s.arena); /* wipes every value and pattern */
    free(s.pats);
    free(s.owners);
    free(s.values);
    free(s.shift);
    free(s.bucket_start);
    free(s.bucket);
    free(s.known_ids);
    return code;
}
