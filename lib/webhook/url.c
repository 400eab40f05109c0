/*
 * The URL forms that Twilio signature verification tries. The signed URL is hashed byte for
 * byte, so these forms are built by splitting the text, not by a URL library that would
 * normalise it (case-fold the scheme or host, re-encode the path, drop user info).
 */
#include <stdlib.h>
#include <string.h>

#include "webhook_internal.h"

typedef struct url_parts {
    size_t scheme_len;  /* bytes before "://" */
    size_t host_end;    /* index just after the host (after ']' for IPv6) */
    size_t port_start;  /* index of ':' before the port, or host_end when none */
    size_t auth_end;    /* index of the first '/', '?', '#' after the authority, or len */
    size_t query_start; /* index of '?', or (size_t)-1 */
    size_t query_end;   /* index of '#' after the query, or len */
    bool has_port;
} url_parts;

static bool split_url(const char *url, size_t len, url_parts *p)
{
    const char *sep = strstr(url, "://");
    if (!sep || sep == url)
        return false;
    p->scheme_len = (size_t)(sep - url);
    for (size_t i = 0; i < p->scheme_len; i++) {
        char c = url[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
        if (!ok)
            return false;
    }
    size_t a = p->scheme_len + 3, e = a;
    while (e < len && url[e] != '/' && url[e] != '?' && url[e] != '#')
        e++;
    p->auth_end = e;
    /* User info runs to the last '@' of the authority. */
    size_t h = a;
    for (size_t i = a; i < e; i++)
        if (url[i] == '@')
            h = i + 1;
    if (h < e && url[h] == '[') {
        const char *close = memchr(url + h, ']', e - h);
        if (!close)
            return false;
        p->host_end = (size_t)(close - url) + 1;
        if (p->host_end < e && url[p->host_end] != ':')
            return false;
    } else {
        p->host_end = e;
        for (size_t i = h; i < e; i++)
            if (url[i] == ':') {
                p->host_end = i;
                break;
            }
    }
    if (p->host_end == h || (url[h] == '[' && p->host_end == h + 2))
        return false; /* empty host */
    p->has_port = p->host_end < e;
    p->port_start = p->host_end;
    for (size_t i = p->host_end + 1; i < e; i++)
        if (url[i] < '0' || url[i] > '9')
            return false;
    p->query_start = (size_t)-1;
    p->query_end = len;
    for (size_t i = e; i < len; i++) {
        if (url[i] == '#') {
            p->query_end = i;
            break;
        }
        if (url[i] == '?' && p->query_start == (size_t)-1)
            p->query_start = i;
    }
    if (p->query_start == (size_t)-1)
        p->query_end = len;
    return true;
}

/* encodeURIComponent's unreserved set, which the legacy re-encoding leaves raw ('!'*'()). */
static bool legacy_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '!' || c == '~' || c == '*' || c == '\'' ||
           c == '(' || c == ')';
}

static void legacy_encode(vo__buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (legacy_unreserved(c)) {
            vo__buf_append_char(b, (char)c);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            vo__buf_append(b, esc, 3);
        }
    }
}

/*
 * Re-encode a query the way older Twilio helper libraries did: decode it as a form, then
 * write each name=value with encodeURIComponent's rules (spaces as %20, quote kept raw),
 * the values of a repeated name grouped at its first position. Returns false when the
 * query does not decode (then there is no legacy form).
 */
static bool legacy_query(vo__buf *b, const char *q, size_t qlen)
{
    /* Queries of real webhook URLs are short: decoded on the stack, like the body, so the
     * verification hot path allocates no form handle. */
    _Alignas(max_align_t) unsigned char space[4096];
    size_t need = vo__form_size(q, qlen);
    void *heap = need > sizeof(space) ? malloc(need) : NULL;
    if (need > sizeof(space) && !heap) {
        b->failed = true;
        return false;
    }
    vo_form *f = (vo_form *)(heap ? heap : (void *)space);
    if (vo__form_decode_into(f, heap ? need : sizeof(space), q, qlen) != VO_OK) {
        free(heap);
        return false;
    }
    bool *done = calloc(f->n ? f->n : 1, sizeof(bool));
    if (!done) {
        free(heap);
        b->failed = true;
        return false;
    }
    bool first = true;
    for (size_t i = 0; i < f->n; i++) {
        if (done[i])
            continue;
        for (size_t j = i; j < f->n; j++) {
            if (done[j] || strcmp(f->pairs[j].name, f->pairs[i].name) != 0)
                continue;
            done[j] = true;
            if (!first)
                vo__buf_append_char(b, '&');
            first = false;
            legacy_encode(b, f->pairs[j].name);
            vo__buf_append_char(b, '=');
            legacy_encode(b, f->pairs[j].value);
        }
    }
    free(done);
    free(heap);
    return true;
}

static void add_form(vo__url_forms *out, vo__buf *b, int form)
{
    if (!vo__buf_finish(b))
        return;
    for (size_t i = 0; i < out->n; i++) {
        if (out->len[i] == b->len && memcmp(out->url[i], b->data, b->len) == 0) {
            vo__buf_free(b, false);
            return;
        }
    }
    out->url[out->n] = b->data;
    out->len[out->n] = b->len;
    out->form[out->n] = form;
    out->n++;
    b->data = NULL;
    b->len = b->cap = 0;
}

void vo__url_forms_free(vo__url_forms *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->url[i]);
    memset(f, 0, sizeof(*f));
}

static int check_url(const char *url, size_t len, url_parts *p)
{
    if (len == 0)
        return vo__error_set(VO_EINVAL, "the URL is empty");
    /* The path and query come from the network: an over-long one is the sender's fault. */
    if (len > VO__URL_MAX_LEN)
        return vo__error_set(VO_EREQUEST, "the URL is longer than %d bytes", VO__URL_MAX_LEN);
    if (!split_url(url, len, p))
        return vo__error_set(
            VO_EINVAL, "URL must be absolute (scheme://host[:port]/...) with a numeric port");
    return VO_OK;
}

int vo__twilio_url_check(const char *url)
{
    url_parts p;
    return check_url(url, strlen(url), &p);
}

int vo__twilio_url_forms(vo__url_forms *out, const char *url, bool variants)
{
    memset(out, 0, sizeof(*out));
    size_t len = strlen(url);
    url_parts p;
    int rc = check_url(url, len, &p);
    if (rc != VO_OK)
        return rc;
    vo__buf b = VO__BUF_INIT;
    vo__buf_append(&b, url, len);
    add_form(out, &b, VO_WEBHOOK_TWILIO_URL_AS_GIVEN);
    if (b.failed)
        goto oom;
    if (!variants)
        return VO_OK;

    /* The port toggled: removed when present, else the scheme's default added. */
    const char *default_port = NULL;
    if (!p.has_port) {
        if (vo__strn_ieq(url, p.scheme_len, "https"))
            default_port = ":443";
        else if (vo__strn_ieq(url, p.scheme_len, "http"))
            default_port = ":80";
    }
    vo__buf toggled = VO__BUF_INIT;
    bool have_toggled = p.has_port || default_port;
    if (have_toggled) {
        vo__buf_append(&toggled, url, p.host_end);
        if (default_port)
            vo__buf_append_str(&toggled, default_port);
        vo__buf_append(&toggled, url + p.auth_end, len - p.auth_end);
        if (!vo__buf_finish(&toggled))
            goto oom_toggled;
        vo__buf copy = VO__BUF_INIT;
        vo__buf_append(&copy, toggled.data, toggled.len);
        add_form(out, &copy, VO_WEBHOOK_TWILIO_URL_PORT_TOGGLED);
        if (copy.failed)
            goto oom_toggled;
    }

    /* The legacy query re-encoding of both. */
    if (p.query_start != (size_t)-1 && p.query_end > p.query_start + 1) {
        const char *bases[2] = {url, toggled.data};
        size_t base_len[2] = {len, toggled.len};
        /* Where the authority ends in each base: the toggled URL has the same path and
         * query as the original, moved by the port change. */
        size_t auth_end[2] = {p.auth_end,
                              p.host_end + (default_port ? strlen(default_port) : 0)};
        int kinds[2] = {VO_WEBHOOK_TWILIO_URL_LEGACY_QUERY,
                        VO_WEBHOOK_TWILIO_URL_LEGACY_QUERY_PORT_TOGGLED};
        for (int k = 0; k < (have_toggled ? 2 : 1); k++) {
            size_t shift_q = p.query_start - p.auth_end + auth_end[k];
            size_t shift_e = p.query_end - p.auth_end + auth_end[k];
            vo__buf lb = VO__BUF_INIT;
            vo__buf_append(&lb, bases[k], shift_q + 1);
            if (!legacy_query(&lb, bases[k] + shift_q + 1, shift_e - shift_q - 1)) {
                bool oom = lb.failed;
                vo__buf_free(&lb, false);
                if (oom)
                    goto oom_toggled;
                break; /* the query does not decode: no legacy forms */
            }
            vo__buf_append(&lb, bases[k] + shift_e, base_len[k] - shift_e);
            add_form(out, &lb, kinds[k]);
            if (lb.failed)
                goto oom_toggled;
        }
    }
    vo__buf_free(&toggled, false);
    return VO_OK;
oom_toggled:
    vo__buf_free(&toggled, false);
oom:
    vo__buf_free(&b, false);
    vo__url_forms_free(out);
    return vo__error_set(VO_ENOMEM, "out of memory");
}
