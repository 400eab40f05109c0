/*
 * The public URL of a request: the URL a provider called and signed, rebuilt behind load
 * balancers and proxies from a configured base URL, or from forwarded headers that only
 * trusted proxies are believed for.
 *
 * Nothing here is normalised beyond lowercasing the scheme: the URL is hashed byte for byte
 * by the verifiers, so host, port, path and query are copied as received. Parsing is written
 * out by hand rather than with curl_url() for that reason (curl_url normalises), and because
 * the grammar (RFC 7239, comma lists, host syntax) is small.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "webhook_internal.h"

#define FN "vo_public_url_build"

/* Longest host (with brackets and port) or header value piece copied for inspection. */
#define HOST_MAX 1024
#define NODE_MAX 128

typedef struct span {
    const char *p;
    size_t len;
} span;

/* ---- IP addresses and trusted ranges -------------------------------------------------- */

typedef struct ip_addr {
    int family; /* 4 or 6 */
    unsigned char b[16];
} ip_addr;

typedef struct ip_range {
    ip_addr a;
    unsigned int prefix; /* bits */
} ip_range;

static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Parse a bare IPv4 or IPv6 address (no brackets, port or zone). IPv4-mapped IPv6
 * addresses (::ffff:a.b.c.d) become IPv4, as dual-stack sockets report IPv4 peers so. */
static bool ip_parse(const char *s, size_t len, ip_addr *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (memchr(buf, ':', len)) {
        if (inet_pton(AF_INET6, buf, out->b) != 1)
            return false;
        if (memcmp(out->b, v4_mapped, sizeof(v4_mapped)) == 0) {
            memmove(out->b, out->b + 12, 4);
            out->family = 4;
        } else {
            out->family = 6;
        }
        return true;
    }
    if (inet_pton(AF_INET, buf, out->b) != 1)
        return false;
    out->family = 4;
    return true;
}

/* Parse a trusted proxy entry: an address or a CIDR range without host bits. */
static int range_parse(const char *s, size_t index, ip_range *out)
{
    if (!s)
        return vo__error_set(VO_EINVAL, FN ": trusted_proxies[%zu] is NULL", index);
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    if (!ip_parse(s, alen, &out->a))
        return vo__error_set(VO_EINVAL,
                             FN ": trusted_proxies[%zu] \"%.64s\" is not an IPv4 or IPv6 "
                                "address or CIDR range",
                             index, s);
    unsigned int max = out->a.family == 4 ? 32 : 128;
    /* "::ffff:10.0.0.0/104" was turned into IPv4 by ip_parse: rebase its prefix. */
    bool mapped = out->a.family == 4 && memchr(s, ':', alen);
    out->prefix = max;
    if (slash) {
        const char *d = slash + 1;
        size_t dl = strlen(d);
        unsigned int v = 0;
        bool ok = dl >= 1 && dl <= 3 && !(dl > 1 && d[0] == '0');
        for (size_t i = 0; ok && i < dl; i++) {
            if (d[i] < '0' || d[i] > '9')
                ok = false;
            else
                v = v * 10 + (unsigned int)(d[i] - '0');
        }
        if (mapped) {
            ok = ok && v >= 96 && v <= 128;
            v -= 96;
        }
        if (!ok || v > max)
            return vo__error_set(VO_EINVAL,
                                 FN ": trusted_proxies[%zu] \"%.64s\" has an invalid prefix "
                                    "length",
                                 index, s);
        out->prefix = v;
    }
    size_t nbytes = out->a.family == 4 ? 4 : 16;
    for (size_t bit = out->prefix; bit < nbytes * 8; bit++)
        if (out->a.b[bit / 8] & (0x80u >> (bit % 8)))
            return vo__error_set(VO_EINVAL,
                                 FN ": trusted_proxies[%zu] \"%.64s\" has bits set after "
                                    "its prefix length (write the network address)",
                                 index, s);
    return VO_OK;
}

static bool range_contains(const ip_range *r, const ip_addr *a)
{
    if (r->a.family != a->family)
        return false;
    unsigned int full = r->prefix / 8, rest = r->prefix % 8;
    if (memcmp(r->a.b, a->b, full) != 0)
        return false;
    if (rest) {
        unsigned char mask = (unsigned char)(0xffu << (8 - rest));
        if ((r->a.b[full] & mask) != (a->b[full] & mask))
            return false;
    }
    return true;
}

typedef struct trust {
    ip_range *r;
    size_t n;
} trust;

static bool trusted_addr(const trust *t, const ip_addr *a)
{
    for (size_t i = 0; i < t->n; i++)
        if (range_contains(&t->r[i], a))
            return true;
    return false;
}

/*
 * Is a node named by a proxy (X-Forwarded-For entry, Forwarded for= value, or the peer) a
 * trusted proxy? Accepts "1.2.3.4", "1.2.3.4:port", "2001:db8::1", "[2001:db8::1]" and
 * "[2001:db8::1]:port". Anything else ("unknown", "_hidden", garbage) is not trusted.
 */
static bool trusted_node(const trust *t, const char *s, size_t len)
{
    if (t->n == 0 || len == 0)
        return false;
    ip_addr a;
    if (s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (!close)
            return false;
        size_t after = len - (size_t)(close - s) - 1;
        if (after && close[1] != ':')
            return false;
        if (!ip_parse(s + 1, (size_t)(close - s) - 1, &a))
            return false;
    } else {
        const char *colon = memchr(s, ':', len);
        if (colon && memchr(colon + 1, ':', len - (size_t)(colon - s) - 1)) {
            if (!ip_parse(s, len, &a)) /* bare IPv6 */
                return false;
        } else if (!ip_parse(s, colon ? (size_t)(colon - s) : len, &a)) {
            return false;
        }
    }
    return trusted_addr(t, &a);
}

/* ---- syntax checks ------------------------------------------------------------------- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A port: 1 to 5 digits, no leading zero, 1..65535. */
static bool port_ok(const char *p, size_t len)
{
    if (len == 0 || len > 5 || p[0] == '0')
        return false;
    unsigned long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(p[i]))
            return false;
        v = v * 10 + (unsigned long)(p[i] - '0');
    }
    return v >= 1 && v <= 65535;
}

typedef struct host_parts {
    span name; /* host without port: "example.com", "[2001:db8::1]" */
    span port; /* digits after ':', len 0 when none */
} host_parts;

/*
 * uri-host [":" port] as in a Host header: a registered name or IPv4 address of letters,
 * digits, '-', '.', '_', '~'; or an IPv6 literal in brackets. No user info, no white space,
 * no empty host; the port, when present, is 1..65535.
 */
static bool host_parse(const char *h, size_t len, host_parts *out)
{
    if (len == 0 || len > HOST_MAX)
        return false;
    size_t end; /* index just after the host name */
    if (h[0] == '[') {
        const char *close = memchr(h, ']', len);
        if (!close)
            return false;
        end = (size_t)(close - h) + 1;
        ip_addr a;
        if (end < 4 || !memchr(h + 1, ':', end - 2) || !ip_parse(h + 1, end - 2, &a) ||
            a.family != 6)
            return false;
    } else {
        end = 0;
        while (end < len && h[end] != ':') {
            char c = h[end];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' ||
                  c == '.' || c == '_' || c == '~'))
                return false;
            end++;
        }
        if (end == 0)
            return false;
    }
    out->name.p = h;
    out->name.len = end;
    out->port.p = h + len;
    out->port.len = 0;
    if (end < len) {
        if (h[end] != ':' || !port_ok(h + end + 1, len - end - 1))
            return false;
        out->port.p = h + end + 1;
        out->port.len = len - end - 1;
    }
    return true;
}

/* "http" or "https" in any case; writes the lowercase form. */
static bool scheme_parse(const char *s, size_t len, const char **out)
{
    if (len == 4 && vo__strn_ieq(s, len, "http")) {
        *out = "http";
        return true;
    }
    if (len == 5 && vo__strn_ieq(s, len, "https")) {
        *out = "https";
        return true;
    }
    return false;
}

/* A path: '/' then visible ASCII without '?' or '#'. */
static bool path_ok(const char *p, size_t len)
{
    if (len == 0 || p[0] != '/')
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#')
            return false;
    }
    return true;
}

/* An origin-form request target: '/' then visible ASCII, no fragment. */
static bool target_ok(const char *t)
{
    if (t[0] != '/')
        return false;
    for (const char *p = t; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7f || c == '#')
            return false;
    }
    return true;
}

static span trim(const char *p, size_t len)
{
    while (len && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
    }
    while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    span s = {p, len};
    return s;
}

/* ---- comma lists across repeated headers, read right to left -------------------------- */

typedef struct rlist {
    const vo_param *h;
    size_t hi; /* headers before this index are still to be read */
    const char *name;
    const char *start; /* current value, NULL when none is being read */
    const char *pos;   /* end of the unread part of the current value */
} rlist;

static void rlist_init(rlist *it, const vo_param *h, size_t count, const char *name)
{
    it->h = h;
    it->hi = h ? count : 0;
    it->name = name;
    it->start = NULL;
    it->pos = NULL;
}

/* The next non-empty item from the right, trimmed; false when there is none left. */
static bool rlist_next(rlist *it, span *out)
{
    for (;;) {
        if (!it->start) {
            while (it->hi > 0) {
                const vo_param *p = &it->h[--it->hi];
                if (p->name && p->value && vo__str_ieq(p->name, it->name)) {
                    it->start = p->value;
                    it->pos = p->value + strlen(p->value);
                    break;
                }
            }
            if (!it->start)
                return false;
        }
        const char *e = it->pos, *s = e;
        while (s > it->start && s[-1] != ',')
            s--;
        if (s > it->start)
            it->pos = s - 1;
        else
            it->start = NULL;
        *out = trim(s, (size_t)(e - s));
        if (out->len)
            return true;
    }
}

/* Item `k` (0 = right-most) of a list, or when the list is shorter its left-most item.
 * False when the list is empty. */
static bool rlist_pick(const vo_param *h, size_t count, const char *name, size_t k, span *out)
{
    rlist it;
    rlist_init(&it, h, count, name);
    span s;
    bool any = false;
    for (size_t i = 0; i <= k && rlist_next(&it, &s); i++) {
        *out = s;
        any = true;
    }
    return any;
}

/* ---- RFC 7239 Forwarded --------------------------------------------------------------- */

typedef struct fwd_value {
    const char *p; /* raw text; for a quoted value, between the quotes */
    size_t len;
    bool quoted;
    bool set;
} fwd_value;

typedef struct fwd_elem {
    fwd_value v_for, v_host, v_proto, v_by;
} fwd_elem;

typedef struct fwd_list {
    fwd_elem *e;
    size_t n, cap;
} fwd_list;

static bool tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit((char)c) ||
           (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Parse one Forwarded field value, appending its elements. False when malformed. */
static bool fwd_parse_value(fwd_list *l, const char *p, bool *oom)
{
    for (;;) {
        p = skip_ows(p);
        if (!*p)
            return true;
        if (*p == ',') {
            p++;
            continue;
        }
        fwd_elem el;
        memset(&el, 0, sizeof(el));
        for (;;) {
            p = skip_ows(p);
            if (*p == ';') {
                p++;
                continue;
            }
            if (!*p || *p == ',')
                break;
            const char *name = p;
            while (tchar((unsigned char)*p))
                p++;
            size_t nlen = (size_t)(p - name);
            if (nlen == 0 || *p != '=')
                return false;
            p++;
            fwd_value v = {NULL, 0, false, true};
            if (*p == '"') {
                v.quoted = true;
                v.p = ++p;
                for (;;) {
                    unsigned char c = (unsigned char)*p;
                    if (c == '"')
                        break;
                    if (c == '\\') {
                        unsigned char n = (unsigned char)p[1];
                        if (!(n == '\t' || (n >= 0x20 && n != 0x7f)))
                            return false;
                        p += 2;
                        continue;
                    }
                    if (!(c == '\t' || (c >= 0x20 && c != 0x7f)))
                        return false; /* control character or unterminated */
                    p++;
                }
                v.len = (size_t)(p - v.p);
                p++;
            } else {
                v.p = p;
                while (tchar((unsigned char)*p))
                    p++;
                v.len = (size_t)(p - v.p);
                if (v.len == 0)
                    return false;
            }
            fwd_value *slot = NULL;
            if (vo__strn_ieq(name, nlen, "for"))
                slot = &el.v_for;
            else if (vo__strn_ieq(name, nlen, "host"))
                slot = &el.v_host;
            else if (vo__strn_ieq(name, nlen, "proto"))
                slot = &el.v_proto;
            else if (vo__strn_ieq(name, nlen, "by"))
                slot = &el.v_by;
            if (slot) {
                if (slot->set)
                    return false; /* a parameter twice in one element */
                *slot = v;
            }
            p = skip_ows(p);
            if (*p && *p != ';' && *p != ',')
                return false;
        }
        if (l->n == l->cap) {
            size_t cap = l->cap ? l->cap * 2 : 8;
            fwd_elem *ne = realloc(l->e, cap * sizeof(*ne));
            if (!ne) {
                *oom = true;
                return false;
            }
            l->e = ne;
            l->cap = cap;
        }
        l->e[l->n++] = el;
    }
}

/* Copy a Forwarded value, resolving quoted-pairs. False when it does not fit. */
static bool fwd_unquote(const fwd_value *v, char *buf, size_t size, size_t *len)
{
    size_t o = 0;
    for (size_t i = 0; i < v->len; i++) {
        char c = v->p[i];
        if (v->quoted && c == '\\')
            c = v->p[++i];
        if (o + 1 >= size)
            return false;
        buf[o++] = c;
    }
    buf[o] = '\0';
    *len = o;
    return true;
}

/* ---- options ------------------------------------------------------------------------- */

#define ALL_FLAGS                                                    \
  (VO_PUBLIC_URL_FORWARDED | VO_PUBLIC_URL_X_FORWARDED_PROTO |       \
   VO_PUBLIC_URL_X_FORWARDED_HOST | VO_PUBLIC_URL_X_FORWARDED_PORT | \
   VO_PUBLIC_URL_X_FORWARDED_PREFIX)

typedef struct base_parts {
    const char *scheme;
    span authority;
    span prefix; /* without trailing '/' */
} base_parts;

static int base_parse(const char *u, base_parts *out)
{
    const char *sep = strstr(u, "://");
    host_parts hp;
    if (!sep || !scheme_parse(u, (size_t)(sep - u), &out->scheme))
        return vo__error_set(VO_EINVAL, FN ": base_url must start with http:// or https://");
    const char *a = sep + 3, *e = a;
    while (*e && *e != '/' && *e != '?' && *e != '#')
        e++;
    if (memchr(a, '@', (size_t)(e - a)))
        return vo__error_set(VO_EINVAL, FN ": base_url must not contain user info");
    if (!host_parse(a, (size_t)(e - a), &hp))
        return vo__error_set(VO_EINVAL,
                             FN ": base_url has an invalid host or port (a name, an IPv4 "
                                "address or a bracketed IPv6 address; port 1-65535)");
    out->authority.p = a;
    out->authority.len = (size_t)(e - a);
    size_t plen = strlen(e);
    if (plen && !path_ok(e, plen))
        return vo__error_set(VO_EINVAL,
                             FN ": base_url may only add a path prefix (no query, fragment, "
                                "white space or non-ASCII bytes)");
    while (plen && e[plen - 1] == '/')
        plen--;
    out->prefix.p = e;
    out->prefix.len = plen;
    return VO_OK;
}

/* ---- building ------------------------------------------------------------------------ */

static size_t default_port_len(const char *scheme, const char **digits)
{
    *digits = scheme[4] == 's' ? "443" : "80";
    return strlen(*digits);
}

static int emit(char *out, size_t out_size, size_t *out_len, const span *parts, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += parts[i].len;
    if (out_len)
        *out_len = total;
    if (!out || total >= out_size)
        return vo__error_set(VO_ERANGE, FN ": the URL needs %zu bytes, the buffer has %zu",
                             total + 1, out ? out_size : 0);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (parts[i].len)
            memcpy(out + o, parts[i].p, parts[i].len);
        o += parts[i].len;
    }
    out[o] = '\0';
    return VO_OK;
}

static span S(const char *s)
{
    span r = {s, strlen(s)};
    return r;
}

/* The request's own Host header (or the HTTP/2 :authority pseudo-header). */
static int request_host(const vo_param *headers, size_t count, span *out)
{
    const char *names[2] = {"host", ":authority"};
    for (int k = 0; k < 2; k++) {
        const char *v = NULL;
        for (size_t i = 0; headers && i < count; i++) {
            if (!headers[i].name || !headers[i].value ||
                !vo__str_ieq(headers[i].name, names[k]))
                continue;
            if (v)
                return vo__error_set(VO_EPARSE, FN ": the request has more than one %s header",
                                     k ? ":authority" : "Host");
            v = headers[i].value;
        }
        if (v) {
            *out = trim(v, strlen(v));
            return VO_OK;
        }
    }
    return vo__error_set(VO_EPARSE, FN ": the request has no Host header");
}

typedef struct fwd_result {
    span proto; /* from a header, unvalidated */
    span host;
    bool proto_set, host_set;
    span port;
    span prefix;
    char proto_buf[16];
    char host_buf[HOST_MAX + 1];
} fwd_result;

/* Scheme and host from RFC 7239 Forwarded, walking trusted hops right to left. Sets
 * *found when a Forwarded header with at least one element is present. */
static int from_forwarded(const trust *t, const vo_param *headers, size_t count, fwd_result *r,
                          bool *found, size_t *hops)
{
    fwd_list l = {NULL, 0, 0};
    bool oom = false;
    int rc = VO_OK;
    for (size_t i = 0; headers && i < count; i++) {
        if (!headers[i].name || !headers[i].value || !vo__str_ieq(headers[i].name, "forwarded"))
            continue;
        if (!fwd_parse_value(&l, headers[i].value, &oom)) {
            rc = oom ? vo__error_set(VO_ENOMEM, FN ": out of memory")
                     : vo__error_set(VO_EPARSE, FN
                                     ": malformed Forwarded header from a "
                                     "trusted proxy (RFC 7239: name=token or "
                                     "name=\"quoted\", pairs split by ';', elements by ',')");
            goto done;
        }
    }
    *found = l.n > 0;
    *hops = 0;
    for (size_t i = l.n; i-- > 0;) {
        const fwd_elem *e = &l.e[i];
        size_t len;
        ++*hops;
        if (e->v_proto.set) {
            if (!fwd_unquote(&e->v_proto, r->proto_buf, sizeof(r->proto_buf), &len)) {
                rc = vo__error_set(VO_EPARSE, FN ": Forwarded proto= is not http or https");
                goto done;
            }
            r->proto.p = r->proto_buf;
            r->proto.len = len;
            r->proto_set = true;
        }
        if (e->v_host.set) {
            if (!fwd_unquote(&e->v_host, r->host_buf, sizeof(r->host_buf), &len)) {
                rc = vo__error_set(VO_EPARSE, FN ": Forwarded host= is too long");
                goto done;
            }
            r->host.p = r->host_buf;
            r->host.len = len;
            r->host_set = true;
        }
        char node[NODE_MAX];
        if (!e->v_for.set || !fwd_unquote(&e->v_for, node, sizeof(node), &len) ||
            !trusted_node(t, node, len))
            break; /* the hop before this one is not a trusted proxy */
    }
done:
    free(l.e);
    return rc;
}

/* Scheme, host, port and prefix from X-Forwarded-*, counting trusted hops in
 * X-Forwarded-For from the right. */
static void from_x_forwarded(const trust *t, unsigned int flags, const vo_param *headers,
                             size_t count, fwd_result *r, size_t *hops)
{
    size_t n = 1; /* the peer itself */
    rlist it;
    span s;
    rlist_init(&it, headers, count, "x-forwarded-for");
    while (rlist_next(&it, &s) && trusted_node(t, s.p, s.len))
        n++;
    *hops = n;
    if (flags & VO_PUBLIC_URL_X_FORWARDED_PROTO)
        r->proto_set = rlist_pick(headers, count, "x-forwarded-proto", n - 1, &r->proto);
    if (flags & VO_PUBLIC_URL_X_FORWARDED_HOST)
        r->host_set = rlist_pick(headers, count, "x-forwarded-host", n - 1, &r->host);
    if (flags & VO_PUBLIC_URL_X_FORWARDED_PORT)
        rlist_pick(headers, count, "x-forwarded-port", n - 1, &r->port);
}

int vo_public_url_build(char *out, size_t out_size, size_t *out_len,
                        const vo_public_url_options *opts, const char *peer_address,
                        const char *scheme, const char *target, const vo_param *headers,
                        size_t header_count)
{
    if (out && out_size)
        out[0] = '\0';
    if (out_len)
        *out_len = 0;
    vo_public_url_options copy; /* only the caller's version is read; NULL = defaults */
    int vrc = vo__struct_copy(&vo_public_url_options_info_, FN, &copy, opts);
    if (vrc != VO_OK)
        return vrc;
    opts = &copy;
    if (!out && out_size)
        return vo__error_set(VO_EINVAL, FN ": out is NULL but out_size is not 0");
    if (!target)
        return vo__error_set(VO_EINVAL, FN ": target is NULL");
    if (!headers && header_count)
        return vo__error_set(VO_EINVAL, FN ": headers is NULL but header_count is not 0");
    if (opts->forwarded_headers & ~ALL_FLAGS)
        return vo__error_set(VO_EINVAL, FN ": unknown bits 0x%x in forwarded_headers",
                             opts->forwarded_headers & ~ALL_FLAGS);
    if (opts->trusted_proxy_count && !opts->trusted_proxies)
        return vo__error_set(VO_EINVAL, FN ": trusted_proxies is NULL but "
                                           "trusted_proxy_count is not 0");
    if (opts->trusted_proxy_count && !opts->forwarded_headers)
        return vo__error_set(VO_EINVAL,
                             FN ": trusted proxies are configured but forwarded_headers is 0: "
                                "name the headers your proxies set (VO_PUBLIC_URL_*)");
    bool has_base = opts->base_url && opts->base_url[0];
    base_parts base;
    if (has_base) {
        int rc = base_parse(opts->base_url, &base);
        if (rc != VO_OK)
            return rc;
    }
    const char *own_scheme = NULL;
    if (!has_base && (!scheme || !scheme_parse(scheme, strlen(scheme), &own_scheme)))
        return vo__error_set(VO_EINVAL, FN ": scheme must be \"http\" or \"https\"");

    /* Validate every trusted entry, even when unused, so a typo shows at once. */
    trust t = {NULL, 0};
    if (opts->trusted_proxy_count) {
        if (opts->trusted_proxy_count > SIZE_MAX / sizeof(ip_range))
            return vo__error_set(VO_EINVAL, FN ": trusted_proxy_count is too large");
        t.r = malloc(opts->trusted_proxy_count * sizeof(ip_range));
        if (!t.r)
            return vo__error_set(VO_ENOMEM, FN ": out of memory");
        for (size_t i = 0; i < opts->trusted_proxy_count; i++) {
            int rc = range_parse(opts->trusted_proxies[i], i, &t.r[i]);
            if (rc != VO_OK) {
                free(t.r);
                return rc;
            }
        }
        t.n = opts->trusted_proxy_count;
    }

    int rc;
    if (!target_ok(target)) {
        rc = vo__error_set(VO_EPARSE,
                           FN ": the request target is not in origin form (/path?query, "
                              "visible ASCII, no fragment)");
        goto done;
    }
    span target_s = S(target);
    if (has_base) {
        span parts[5] = {S(base.scheme), S("://"), base.authority, base.prefix, target_s};
        rc = emit(out, out_size, out_len, parts, 5);
        goto done;
    }

    fwd_result *fr = calloc(1, sizeof(*fr));
    if (!fr) {
        rc = vo__error_set(VO_ENOMEM, FN ": out of memory");
        goto done;
    }
    const char *from = "the Host header";
    bool peer_trusted = peer_address && trusted_node(&t, peer_address, strlen(peer_address));
    if (peer_trusted) {
        bool found = false;
        size_t hops = 1;
        unsigned int f = opts->forwarded_headers;
        rc = VO_OK;
        if (f & VO_PUBLIC_URL_FORWARDED) {
            rc = from_forwarded(&t, headers, header_count, fr, &found, &hops);
            from = "the Forwarded header";
        }
        if (rc == VO_OK && !found) {
            from_x_forwarded(&t, f, headers, header_count, fr, &hops);
            from = "X-Forwarded-Host";
        }
        if (rc == VO_OK && (f & VO_PUBLIC_URL_X_FORWARDED_PREFIX))
            rlist_pick(headers, header_count, "x-forwarded-prefix", hops - 1, &fr->prefix);
        if (rc != VO_OK) {
            free(fr);
            goto done;
        }
    }

    const char *final_scheme = own_scheme;
    if (fr->proto_set && !scheme_parse(fr->proto.p, fr->proto.len, &final_scheme)) {
        rc = vo__error_set(VO_EPARSE, FN ": the forwarded protocol from a trusted proxy is "
                                         "not http or https");
        goto free_fr;
    }
    span host_text = fr->host;
    if (!fr->host_set) {
        rc = request_host(headers, header_count, &host_text);
        if (rc != VO_OK)
            goto free_fr;
        from = "the Host header";
    }
    host_parts hp;
    if (!host_parse(host_text.p, host_text.len, &hp)) {
        rc = vo__error_set(VO_EPARSE,
                           FN ": %s is not a valid host (a name, an IPv4 address or a "
                              "bracketed IPv6 address, optional port 1-65535; no user info or "
                              "white space)",
                           from);
        goto free_fr;
    }
    span port = hp.port;
    if (fr->port.len) {
        if (!port_ok(fr->port.p, fr->port.len)) {
            rc = vo__error_set(VO_EPARSE, FN ": X-Forwarded-Port from a trusted proxy is not "
                                             "a port number (1-65535)");
            goto free_fr;
        }
        const char *def;
        size_t dlen = default_port_len(final_scheme, &def);
        bool is_default = fr->port.len == dlen && memcmp(fr->port.p, def, dlen) == 0;
        bool same =
            hp.port.len == fr->port.len && memcmp(hp.port.p, fr->port.p, fr->port.len) == 0;
        if (!same)
            port = is_default ? (span){NULL, 0} : fr->port;
    }
    span prefix = {NULL, 0};
    if (fr->prefix.len) {
        if (!path_ok(fr->prefix.p, fr->prefix.len)) {
            rc = vo__error_set(VO_EPARSE, FN ": X-Forwarded-Prefix from a trusted proxy is "
                                             "not a path (/prefix)");
            goto free_fr;
        }
        prefix = fr->prefix;
        while (prefix.len && prefix.p[prefix.len - 1] == '/')
            prefix.len--;
    }
    {
        span parts[7] = {S(final_scheme), S("://"), hp.name, port.len ? S(":") : S(""), port,
                         prefix,          target_s};
        rc = emit(out, out_size, out_len, parts, 7);
    }
free_fr:
    free(fr);
done:
    free(t.r);
    if (rc != VO_OK && out && out_size)
        out[0] = '\0';
    if (rc != VO_OK && rc != VO_ERANGE && out_len)
        *out_len = 0;
    return rc;
}
