/*
 * The URL forms that Twilio signature verification tries. The signed URL is hashed byte for
 * byte, so these forms are built by splitting the text, not by a URL library that would
 * normalise it (case-fold the scheme or host, re-encode the path, drop user info).
 *
 * Building them is on the path of every invalid signature, so it allocates nothing for
 * the URLs real webhooks have: the forms are written into room inside vo__url_forms (one
 * allocation of their bound only for long ones), the URL as given is not copied, and a
 * query that the legacy re-encoding would leave as it is is recognised without decoding.
 */
#include <stdlib.h>
#include <string.h>

#include "webhook_internal.h"

int vo__twilio_url_split(const char *url, size_t len, vo__url_parts *p)
{
    if (len == 0)
        return vo__error_set(VO_EINVAL, "the URL is empty");
    /* The path and query come from the network: an over-long one is the sender's fault. */
    if (len > VO__URL_MAX_LEN)
        return vo__error_set(VO_EREQUEST, "the URL is longer than %d bytes", VO__URL_MAX_LEN);
    static const char malformed[] =
        "URL must be absolute (scheme://host[:port]/...) with a numeric port";
    /* The scheme: letters, then letters, digits, '+', '-' or '.', up to "://" (a scheme
     * has no ':', so the first one must start it). */
    size_t i = 0;
    while (i < len && url[i] != ':') {
        char c = url[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
        if (!ok)
            return vo__error_set(VO_EINVAL, malformed);
        i++;
    }
    if (i == 0 || len - i < 3 || url[i + 1] != '/' || url[i + 2] != '/')
        return vo__error_set(VO_EINVAL, malformed);
    p->scheme_len = i;
    /* The authority runs to the first '/', '?' or '#'; user info to its last '@'. */
    size_t a = i + 3, e = a, h = a;
    for (; e < len; e++) {
        char c = url[e];
        if (c == '/' || c == '?' || c == '#')
            break;
        if (c == '@')
            h = e + 1;
    }
    p->auth_end = e;
    if (h < e && url[h] == '[') {
        const char *close = memchr(url + h, ']', e - h);
        if (!close)
            return vo__error_set(VO_EINVAL, malformed);
        p->host_end = (size_t)(close - url) + 1;
        if (p->host_end < e && url[p->host_end] != ':')
            return vo__error_set(VO_EINVAL, malformed);
    } else {
        const char *colon = memchr(url + h, ':', e - h);
        p->host_end = colon ? (size_t)(colon - url) : e;
    }
    if (p->host_end == h || (url[h] == '[' && p->host_end == h + 2))
        return vo__error_set(VO_EINVAL, malformed); /* empty host */
    p->has_port = p->host_end < e;
    for (i = p->host_end + 1; i < e; i++)
        if (url[i] < '0' || url[i] > '9')
            return vo__error_set(VO_EINVAL, malformed);
    /* The query: from the first '?' after the authority to the first '#' (a '#' before
     * any '?' ends the URL's query-less part: then there is no query). */
    p->query_start = (size_t)-1;
    p->query_end = len;
    const char *hash = memchr(url + e, '#', len - e);
    size_t frag = hash ? (size_t)(hash - url) : len;
    const char *q = memchr(url + e, '?', frag - e);
    if (q) {
        p->query_start = (size_t)(q - url);
        p->query_end = frag;
    }
    return VO_OK;
}

int vo__twilio_url_check(const char *url)
{
    vo__url_parts p;
    return vo__twilio_url_split(url, strlen(url), &p);
}

/* encodeURIComponent's unreserved set, which the legacy re-encoding leaves raw ('!'*'()). */
static bool legacy_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '!' || c == '~' || c == '*' || c == '\'' ||
           c == '(' || c == ')';
}

/*
 * True when the legacy re-encoding (below) gives the query back byte for byte, decided
 * without decoding it: every segment is non-empty and has exactly one '=', every other
 * byte is one the encoding leaves raw (so nothing is escaped or decoded), and no name
 * repeats (so grouping the values of a name moves nothing). Queries outside this are
 * re-encoded the long way, which may still give them back unchanged.
 */
static bool legacy_is_identity(const char *q, size_t qlen)
{
#define IDENTITY_MAX_SEGMENTS 16
    const char *name[IDENTITY_MAX_SEGMENTS];
    size_t name_len[IDENTITY_MAX_SEGMENTS];
    size_t segs = 0;
    size_t start = 0;
    while (start <= qlen) {
        const char *amp = memchr(q + start, '&', qlen - start);
        size_t end = amp ? (size_t)(amp - q) : qlen;
        if (end == start || segs == IDENTITY_MAX_SEGMENTS)
            return false;
        size_t eq = (size_t)-1;
        for (size_t i = start; i < end; i++) {
            unsigned char c = (unsigned char)q[i];
            if (c == '=' && eq == (size_t)-1)
                eq = i;
            else if (!legacy_unreserved(c))
                return false;
        }
        if (eq == (size_t)-1)
            return false;
        for (size_t k = 0; k < segs; k++)
            if (name_len[k] == eq - start && memcmp(name[k], q + start, eq - start) == 0)
                return false;
        name[segs] = q + start;
        name_len[segs] = eq - start;
        segs++;
        start = end + 1;
    }
    return true;
#undef IDENTITY_MAX_SEGMENTS
}

/* Where the forms are written: bounded up front, so nothing moves once written. */
typedef struct writer {
    char *p, *end;
} writer;

static void put(writer *w, const char *s, size_t n)
{
    /* The room was sized for the worst case; running out would be a bug, caught rather
     * than written past. */
    if (!w->p || (size_t)(w->end - w->p) < n) {
        w->p = NULL;
        return;
    }
    memcpy(w->p, s, n);
    w->p += n;
}

static void legacy_encode(writer *w, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (legacy_unreserved(c)) {
            put(w, (const char *)&c, 1);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            put(w, esc, 3);
        }
    }
}

/*
 * Re-encode a query the way older Twilio helper libraries did: decode it as a form, then
 * write each name=value with encodeURIComponent's rules (spaces as %20, quote kept raw),
 * the values of a repeated name grouped at its first position. Returns VO_OK, VO_EPARSE
 * when the query does not decode (then there is no legacy form) or VO_ENOMEM.
 */
static int legacy_query(writer *w, const char *q, size_t qlen)
{
    /* Queries of real webhook URLs are short: decoded on the stack, like the body. */
    _Alignas(max_align_t) unsigned char space[4096];
    size_t need = vo__form_size(q, qlen);
    void *heap = need > sizeof(space) ? malloc(need) : NULL;
    if (need > sizeof(space) && !heap)
        return VO_ENOMEM;
    vo_form *f = (vo_form *)(heap ? heap : (void *)space);
    if (vo__form_decode_into(f, heap ? need : sizeof(space), q, qlen) != VO_OK) {
        free(heap);
        return VO_EPARSE;
    }
    bool small[64] = {false};
    bool *done = f->n <= 64 ? small : calloc(f->n, sizeof(bool));
    if (!done) {
        free(heap);
        return VO_ENOMEM;
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
                put(w, "&", 1);
            first = false;
            legacy_encode(w, f->pairs[j].name);
            put(w, "=", 1);
            legacy_encode(w, f->pairs[j].value);
        }
    }
    if (done != small)
        free(done);
    free(heap);
    return VO_OK;
}

/* Record the form written at [start, w->p), unless it repeats one already there; then its
 * room is given back, unless `keep` (its text is read again, as the toggled URL is). */
static void add_form(vo__url_forms *out, writer *w, char *start, int form, bool keep)
{
    if (!w->p)
        return;
    size_t len = (size_t)(w->p - start);
    put(w, "", 1); /* NUL-terminated */
    if (!w->p)
        return;
    for (size_t i = 0; i < out->n; i++) {
        if (out->len[i] == len && memcmp(out->url[i], start, len) == 0) {
            if (!keep)
                w->p = start; /* reuse the room */
            return;
        }
    }
    out->url[out->n] = start;
    out->len[out->n] = len;
    out->form[out->n] = form;
    out->n++;
}

void vo__url_forms_free(vo__url_forms *f)
{
    free(f->heap);
    f->heap = NULL;
    f->n = 0;
}

int vo__twilio_url_forms_split(vo__url_forms *out, const char *url, size_t len,
                               const vo__url_parts *p, unsigned flags)
{
    out->n = 1;
    out->heap = NULL;
    out->url[0] = url; /* the URL as given, not copied */
    out->len[0] = len;
    out->form[0] = VO_WEBHOOK_TWILIO_URL_AS_GIVEN;
    if (!(flags & VO__URL_FORMS_VARIANTS))
        return VO_OK;

    bool has_query = p->query_start != (size_t)-1 && p->query_end > p->query_start + 1;
    size_t qlen = has_query ? p->query_end - p->query_start - 1 : 0;
    bool legacy = has_query && ((flags & VO__URL_FORMS_NO_SHORTCUT) ||
                                !legacy_is_identity(url + p->query_start + 1, qlen));
    /* The room: the toggled form (+ ":443" at most), and each legacy form, whose query
     * is at most 3 bytes per decoded byte plus '=' and '&' for each pair. */
    size_t bound = len + 5;
    if (legacy)
        bound += 2 * (len + 5 + 5 * qlen + 2);
    writer w = {out->space, out->space + sizeof(out->space)};
    if (bound > sizeof(out->space)) {
        if (!(out->heap = malloc(bound)))
            goto oom;
        w = (writer){out->heap, out->heap + bound};
    }

    /* The port toggled: removed when present, else the scheme's default added. */
    const char *default_port = NULL;
    if (!p->has_port) {
        if (vo__strn_ieq(url, p->scheme_len, "https"))
            default_port = ":443";
        else if (vo__strn_ieq(url, p->scheme_len, "http"))
            default_port = ":80";
    }
    bool have_toggled = p->has_port || default_port;
    const char *toggled = NULL;
    size_t toggled_len = 0;
    if (have_toggled) {
        char *start = w.p;
        put(&w, url, p->host_end);
        if (default_port)
            put(&w, default_port, strlen(default_port));
        put(&w, url + p->auth_end, len - p->auth_end);
        toggled = start;
        toggled_len = w.p ? (size_t)(w.p - start) : 0;
        /* kept in place even if it repeated a form: the legacy forms below read it */
        add_form(out, &w, start, VO_WEBHOOK_TWILIO_URL_PORT_TOGGLED, true);
    }

    /* The legacy query re-encoding of both. */
    if (legacy && w.p) {
        const char *bases[2] = {url, toggled};
        size_t base_len[2] = {len, toggled_len};
        /* Where the authority ends in each base: the toggled URL has the same path and
         * query as the original, moved by the port change. */
        size_t auth_end[2] = {p->auth_end,
                              p->host_end + (default_port ? strlen(default_port) : 0)};
        int kinds[2] = {VO_WEBHOOK_TWILIO_URL_LEGACY_QUERY,
                        VO_WEBHOOK_TWILIO_URL_LEGACY_QUERY_PORT_TOGGLED};
        for (int k = 0; k < (have_toggled ? 2 : 1) && w.p; k++) {
            size_t shift_q = p->query_start - p->auth_end + auth_end[k];
            size_t shift_e = p->query_end - p->auth_end + auth_end[k];
            char *start = w.p;
            put(&w, bases[k], shift_q + 1);
            int rc = legacy_query(&w, bases[k] + shift_q + 1, shift_e - shift_q - 1);
            if (rc == VO_ENOMEM)
                goto oom;
            if (rc != VO_OK) {
                w.p = start;
                break; /* the query does not decode: no legacy forms */
            }
            put(&w, bases[k] + shift_e, base_len[k] - shift_e);
            add_form(out, &w, start, kinds[k], false);
        }
    }
    if (!w.p) {
        vo__url_forms_free(out);
        return vo__error_set(VO_EINTERNAL, "the Twilio URL forms outgrew their bound");
    }
    return VO_OK;
oom:
    vo__url_forms_free(out);
    return vo__error_set(VO_ENOMEM, "out of memory");
}

int vo__twilio_url_forms(vo__url_forms *out, const char *url, bool variants)
{
    out->n = 0;
    out->heap = NULL;
    size_t len = strlen(url);
    vo__url_parts p;
    int rc = vo__twilio_url_split(url, len, &p);
    if (rc != VO_OK)
        return rc;
    return vo__twilio_url_forms_split(out, url, len, &p, variants ? VO__URL_FORMS_VARIANTS : 0);
}
