/* Parser of captured HTTP requests (see capture.h). Strict about what it accepts as an HTTP
 * request line, lenient about line endings (CRLF or LF), and never reads past the input. */
#include "capture.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct line {
    const unsigned char *p;
    size_t len;  /* without the line ending */
    size_t next; /* offset of the following line */
    int crlf;    /* ended in CRLF */
    int at_eof;  /* no line ending: the input ended */
} line;

static void set_err(char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t err_size, const char *fmt, ...)
{
    if (!err || err_size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
}

/* The line starting at pos; 0 when pos is at the end. */
static int next_line(line *ln, const unsigned char *d, size_t len, size_t pos)
{
    if (pos >= len)
        return 0;
    const unsigned char *nl = memchr(d + pos, '\n', len - pos);
    size_t end = nl ? (size_t)(nl - d) : len;
    ln->p = d + pos;
    ln->len = end - pos;
    ln->crlf = 0;
    ln->at_eof = nl == NULL;
    if (ln->len > 0 && ln->p[ln->len - 1] == '\r') {
        ln->len--;
        ln->crlf = 1;
    }
    ln->next = nl ? end + 1 : len;
    return 1;
}

static int is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static char *dup_range(const unsigned char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* "METHOD SP target SP HTTP/d.d": 1 and the three parts when it is one. */
static int parse_request_line(const unsigned char *p, size_t n, size_t *m_len, size_t *t_off,
                              size_t *t_len, size_t *v_off)
{
    size_t i = 0;
    while (i < n && i < 32 && is_tchar(p[i]))
        i++;
    if (i == 0 || i >= n || p[i] != ' ')
        return 0;
    *m_len = i;
    size_t t = ++i;
    while (i < n && p[i] > 0x20 && p[i] < 0x7f)
        i++;
    if (i == t || i >= n || p[i] != ' ')
        return 0;
    *t_off = t;
    *t_len = i - t;
    i++;
    if (n - i != 8 || memcmp(p + i, "HTTP/", 5) != 0 || p[i + 5] < '0' || p[i + 5] > '9' ||
        p[i + 6] != '.' || p[i + 7] < '0' || p[i + 7] > '9')
        return 0;
    *v_off = i;
    return 1;
}

static int add_header(capture *c, const unsigned char *p, size_t n, size_t lineno, char *err,
                      size_t err_size, capture_status *st)
{
    const unsigned char *colon = memchr(p, ':', n);
    size_t name_len = colon ? (size_t)(colon - p) : 0;
    for (size_t i = 0; i < name_len; i++) {
        if (!is_tchar(p[i])) {
            name_len = 0;
            break;
        }
    }
    if (!colon || name_len == 0) {
        set_err(err, err_size, "line %zu: not a header (\"name: value\" expected)", lineno);
        *st = CAPTURE_MALFORMED;
        return -1;
    }
    if (memchr(p, '\0', n)) {
        set_err(err, err_size, "line %zu: NUL byte in a header", lineno);
        *st = CAPTURE_MALFORMED;
        return -1;
    }
    if (c->header_count >= CAPTURE_MAX_HEADERS) {
        set_err(err, err_size, "more than %d headers", CAPTURE_MAX_HEADERS);
        *st = CAPTURE_TOO_BIG;
        return -1;
    }
    const unsigned char *v = colon + 1, *end = p + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    capture_header *h = &c->headers[c->header_count];
    h->name = dup_range(p, name_len);
    h->value = dup_range(v, (size_t)(end - v));
    if (!h->name || !h->value) {
        free(h->name);
        free(h->value);
        *st = CAPTURE_NOMEM;
        return -1;
    }
    c->header_count++;
    return 0;
}

/* A folded continuation line (obs-fold): appended to the previous value after one space. */
static int fold_header(capture *c, const unsigned char *p, size_t n, capture_status *st)
{
    capture_header *h = &c->headers[c->header_count - 1];
    if (memchr(p, '\0', n)) {
        *st = CAPTURE_MALFORMED;
        return -1;
    }
    while (n > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    size_t old = strlen(h->value);
    char *v = realloc(h->value, old + 1 + n + 1);
    if (!v) {
        *st = CAPTURE_NOMEM;
        return -1;
    }
    v[old] = ' ';
    memcpy(v + old + 1, p, n);
    v[old + 1 + n] = '\0';
    h->value = v;
    return 0;
}

static int set_body(capture *c, const unsigned char *p, size_t n, capture_status *st)
{
    c->body = malloc(n + 1);
    if (!c->body) {
        *st = CAPTURE_NOMEM;
        return -1;
    }
    if (n)
        memcpy(c->body, p, n);
    c->body[n] = '\0';
    c->body_len = n;
    return 0;
}

/* Decode a chunked body starting at d[pos]. */
static int decode_chunked(capture *c, const unsigned char *d, size_t len, size_t pos, char *err,
                          size_t err_size, capture_status *st)
{
    unsigned char *out = malloc(len - pos + 1);
    size_t out_len = 0;
    if (!out) {
        *st = CAPTURE_NOMEM;
        return -1;
    }
    for (;;) {
        line ln;
        if (!next_line(&ln, d, len, pos) || ln.at_eof) {
            set_err(err, err_size, "chunked body ends before its last (zero-size) chunk");
            goto bad;
        }
        size_t i = 0, size = 0;
        while (i < ln.len && i < 16) {
            unsigned char ch = ln.p[i];
            int v = ch >= '0' && ch <= '9'   ? ch - '0'
                    : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                    : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                             : -1;
            if (v < 0)
                break;
            size = size * 16 + (size_t)v;
            i++;
        }
        if (i == 0 || (i < ln.len && ln.p[i] != ';' && ln.p[i] != ' ' && ln.p[i] != '\t')) {
            set_err(err, err_size, "chunked body: a chunk size is not hexadecimal");
            goto bad;
        }
        pos = ln.next;
        if (size == 0)
            break; /* trailers, if any, are ignored */
        if (size > len - pos) {
            set_err(err, err_size, "chunked body: a chunk is longer than the capture");
            goto bad;
        }
        memcpy(out + out_len, d + pos, size);
        out_len += size;
        pos += size;
        if (pos < len && d[pos] == '\r')
            pos++;
        if (pos >= len || d[pos] != '\n') {
            set_err(err, err_size, "chunked body: a chunk is not followed by a line end");
            goto bad;
        }
        pos++;
    }
    out[out_len] = '\0';
    c->body = out;
    c->body_len = out_len;
    c->body_source = CAPTURE_BODY_CHUNKED;
    return 0;
bad:
    free(out);
    *st = CAPTURE_MALFORMED;
    return -1;
}

static int is_chunked(const char *te)
{
    /* the last transfer coding decides */
    const char *last = strrchr(te, ',');
    last = last ? last + 1 : te;
    while (*last == ' ' || *last == '\t')
        last++;
    return strncasecmp(last, "chunked", 7) == 0 &&
           (last[7] == '\0' || last[7] == ' ' || last[7] == '\t' || last[7] == ';');
}

static int parse_content_length(const capture *c, size_t *out, char *err, size_t err_size)
{
    int seen = 0;
    for (size_t i = 0; i < c->header_count; i++) {
        if (strcasecmp(c->headers[i].name, "Content-Length") != 0)
            continue;
        const char *v = c->headers[i].value;
        size_t n = 0;
        if (!*v) {
            set_err(err, err_size, "Content-Length is empty");
            return -1;
        }
        for (; *v; v++) {
            if (*v < '0' || *v > '9' || n > CAPTURE_MAX_INPUT) {
                set_err(err, err_size, "Content-Length is not a number of bytes");
                return -1;
            }
            n = n * 10 + (size_t)(*v - '0');
        }
        if (seen && n != *out) {
            set_err(err, err_size, "two different Content-Length headers");
            return -1;
        }
        *out = n;
        seen = 1;
    }
    return seen;
}

/* The request line and headers from a `curl -v` capture: lines "> ..." (the first must be
 * the request line), ending at a bare ">" line or the first line of another kind. */
static capture_status parse_curl(capture *c, const unsigned char *d, size_t len, size_t pos,
                                 char *err, size_t err_size)
{
    capture_status st = CAPTURE_OK;
    size_t lineno = 0;
    line ln;
    int started = 0;
    while (next_line(&ln, d, len, pos)) {
        lineno++;
        pos = ln.next;
        if (ln.len > CAPTURE_MAX_LINE) {
            set_err(err, err_size, "line %zu is longer than %d bytes", lineno,
                    CAPTURE_MAX_LINE);
            return CAPTURE_TOO_BIG;
        }
        int is_req = ln.len >= 1 && ln.p[0] == '>' && (ln.len == 1 || ln.p[1] == ' ');
        if (!started) {
            size_t ml, to, tl, vo;
            if (is_req && ln.len > 2 &&
                parse_request_line(ln.p + 2, ln.len - 2, &ml, &to, &tl, &vo)) {
                c->method = dup_range(ln.p + 2, ml);
                c->target = dup_range(ln.p + 2 + to, tl);
                c->version = dup_range(ln.p + 2 + vo, 8);
                if (!c->method || !c->target || !c->version)
                    return CAPTURE_NOMEM;
                c->crlf = ln.crlf;
                started = 1;
            }
            continue;
        }
        if (!is_req || ln.len <= 2)
            break; /* end of the request header block */
        if ((ln.p[2] == ' ' || ln.p[2] == '\t') && c->header_count > 0) {
            if (fold_header(c, ln.p + 2, ln.len - 2, &st) != 0) {
                set_err(err, err_size, "line %zu: bad folded header line", lineno);
                return st;
            }
            continue;
        }
        if (add_header(c, ln.p + 2, ln.len - 2, lineno, err, err_size, &st) != 0)
            return st;
    }
    if (!started) {
        set_err(err, err_size, "no \"> METHOD target HTTP/x.y\" line in the curl -v output");
        return CAPTURE_NOT_HTTP;
    }
    /* curl -v does not print the request body. */
    size_t cl = 0;
    int has_cl = parse_content_length(c, &cl, err, err_size);
    if (has_cl < 0)
        return CAPTURE_MALFORMED;
    c->declared_length = has_cl ? cl : 0;
    c->body_truncated = has_cl && cl > 0;
    c->body_source = CAPTURE_BODY_NONE;
    return set_body(c, (const unsigned char *)"", 0, &st) == 0 ? CAPTURE_OK : st;
}

static int looks_like_curl(const unsigned char *d, size_t len)
{
    size_t pos = 0;
    line ln;
    while (next_line(&ln, d, len, pos)) {
        pos = ln.next;
        if (ln.len == 0)
            continue;
        size_t ml, to, tl, vo;
        /* a request line wins: "* / HTTP/1.1" (method "*") is not a curl info line */
        if (parse_request_line(ln.p, ln.len, &ml, &to, &tl, &vo))
            return 0;
        if (ln.len >= 2 &&
            (ln.p[0] == '*' || ln.p[0] == '>' || ln.p[0] == '<' || ln.p[0] == '{' ||
             ln.p[0] == '}') &&
            ln.p[1] == ' ')
            return ln.p[0] == '>' || ln.p[0] == '*';
        return 0;
    }
    return 0;
}

capture_status capture_parse(capture *out, const unsigned char *d, size_t len, char *err,
                             size_t err_size)
{
    set_err(err, err_size, "ok");
    if (!out)
        return CAPTURE_MALFORMED;
    memset(out, 0, sizeof(*out));
    if (!d && len > 0) {
        set_err(err, err_size, "no input");
        return CAPTURE_MALFORMED;
    }
    if (len > CAPTURE_MAX_INPUT) {
        set_err(err, err_size, "the capture is larger than %u bytes", CAPTURE_MAX_INPUT);
        return CAPTURE_TOO_BIG;
    }
    capture c;
    memset(&c, 0, sizeof(c));
    c.headers = calloc(CAPTURE_MAX_HEADERS, sizeof(*c.headers));
    if (!c.headers)
        return CAPTURE_NOMEM;
    capture_status st = CAPTURE_OK;

    if (looks_like_curl(d, len)) {
        c.format = CAPTURE_CURL;
        st = parse_curl(&c, d, len, 0, err, err_size);
        goto done;
    }
    c.format = CAPTURE_RAW;
    size_t pos = 0, lineno = 0;
    line ln;
    /* Blank lines before the request line are tolerated (RFC 9112, 2.2). */
    for (;;) {
        if (!next_line(&ln, d, len, pos)) {
            set_err(err, err_size, "empty capture: no request line");
            st = CAPTURE_NOT_HTTP;
            goto done;
        }
        lineno++;
        pos = ln.next;
        if (ln.len > 0)
            break;
    }
    size_t ml, to, tl, vo;
    if (ln.len > CAPTURE_MAX_LINE || !parse_request_line(ln.p, ln.len, &ml, &to, &tl, &vo)) {
        set_err(err, err_size,
                "line %zu is not an HTTP request line (\"METHOD target HTTP/1.1\" expected)",
                lineno);
        st = CAPTURE_NOT_HTTP;
        goto done;
    }
    c.method = dup_range(ln.p, ml);
    c.target = dup_range(ln.p + to, tl);
    c.version = dup_range(ln.p + vo, 8);
    if (!c.method || !c.target || !c.version) {
        st = CAPTURE_NOMEM;
        goto done;
    }
    c.crlf = ln.crlf;
    int ended = 0;
    while (next_line(&ln, d, len, pos)) {
        lineno++;
        pos = ln.next;
        if (ln.len == 0) {
            ended = 1;
            break;
        }
        if (ln.len > CAPTURE_MAX_LINE) {
            set_err(err, err_size, "line %zu is longer than %d bytes", lineno,
                    CAPTURE_MAX_LINE);
            st = CAPTURE_TOO_BIG;
            goto done;
        }
        if ((ln.p[0] == ' ' || ln.p[0] == '\t') && c.header_count > 0) {
            if (fold_header(&c, ln.p, ln.len, &st) != 0) {
                set_err(err, err_size, "line %zu: bad folded header line", lineno);
                goto done;
            }
            continue;
        }
        if (add_header(&c, ln.p, ln.len, lineno, err, err_size, &st) != 0)
            goto done;
    }
    const char *te = NULL;
    for (size_t i = 0; i < c.header_count; i++)
        if (strcasecmp(c.headers[i].name, "Transfer-Encoding") == 0)
            te = c.headers[i].value;
    size_t cl = 0;
    int has_cl = parse_content_length(&c, &cl, err, err_size);
    if (has_cl < 0) {
        st = CAPTURE_MALFORMED;
        goto done;
    }
    c.declared_length = has_cl ? cl : 0;
    size_t avail = ended ? len - pos : 0;
    if (te && is_chunked(te)) {
        if (!ended) {
            set_err(err, err_size, "chunked request without a body");
            st = CAPTURE_MALFORMED;
            goto done;
        }
        if (decode_chunked(&c, d, len, pos, err, err_size, &st) != 0)
            goto done;
    } else if (has_cl) {
        size_t n = cl < avail ? cl : avail;
        c.body_truncated = cl > avail;
        if (set_body(&c, d + pos, n, &st) != 0)
            goto done;
        c.body_source = n ? CAPTURE_BODY_CONTENT_LENGTH : CAPTURE_BODY_NONE;
    } else {
        if (set_body(&c, d + pos, avail, &st) != 0)
            goto done;
        c.body_source = avail ? CAPTURE_BODY_REST : CAPTURE_BODY_NONE;
    }

done:
    if (st != CAPTURE_OK) {
        if (st == CAPTURE_NOMEM)
            set_err(err, err_size, "out of memory");
        capture_free(&c);
        return st;
    }
    *out = c;
    return CAPTURE_OK;
}

const char *capture_header_get(const capture *c, const char *name)
{
    if (!c || !name)
        return NULL;
    for (size_t i = 0; i < c->header_count; i++)
        if (strcasecmp(c->headers[i].name, name) == 0)
            return c->headers[i].value;
    return NULL;
}

size_t capture_header_count(const capture *c, const char *name)
{
    size_t n = 0;
    if (!c || !name)
        return 0;
    for (size_t i = 0; i < c->header_count; i++)
        if (strcasecmp(c->headers[i].name, name) == 0)
            n++;
    return n;
}

void capture_free(capture *c)
{
    if (!c)
        return;
    if (c->headers) {
        for (size_t i = 0; i < c->header_count; i++) {
            free(c->headers[i].name);
            free(c->headers[i].value);
        }
        free(c->headers);
    }
    free(c->method);
    free(c->target);
    free(c->version);
    free(c->body);
    memset(c, 0, sizeof(*c));
}

const char *capture_status_name(capture_status st)
{
    switch (st) {
    case CAPTURE_OK: return "ok";
    case CAPTURE_NOT_HTTP: return "not_http";
    case CAPTURE_MALFORMED: return "malformed";
    case CAPTURE_TOO_BIG: return "too_big";
    case CAPTURE_NOMEM: return "out_of_memory";
    }
    return "unknown";
}
