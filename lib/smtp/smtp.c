/*
 * Sending mail with a tenant's SMTP credentials (voiceops/smtp.h), over libcurl's SMTP.
 * TLS policy: STARTTLS required (loopback: used when offered), implicit TLS, or plain for
 * loopback relays only; certificates always verified. Every send is audited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "../core/internal.h"
#include "voiceops/credentials.h"
#include "voiceops/smtp.h"

#define SMTP_TIMEOUT_DEFAULT_MS 30000L
#define SMTP_SUBJECT_MAX 900
#define SMTP_ADDRESS_MAX 254

/* local@domain: printable ASCII without specials in the local part, a host name or an
 * address literal as the domain. Enough to refuse header and command injection. */
static bool address_ok(const char *a)
{
    size_t n = a ? strlen(a) : 0;
    const char *at = a ? strchr(a, '@') : NULL;
    if (n < 3 || n > SMTP_ADDRESS_MAX || !at || at == a || strchr(at + 1, '@') || !at[1])
        return false;
    for (const char *p = a; p < at; p++)
        if (*p <= 0x20 || *p >= 0x7f || strchr("\"(),:;<>[\\]", *p))
            return false;
    const char *d = at + 1;
    if (*d == '[')
        return d[strlen(d) - 1] == ']' &&
               strspn(d + 1, "0123456789abcdefABCDEF.:") == strlen(d) - 2;
    if (*d == '.' || d[strlen(d) - 1] == '.' || strstr(d, ".."))
        return false;
    return strspn(d, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") ==
           strlen(d);
}

static bool has_crlf(const char *s)
{
    return s && strpbrk(s, "\r\n") != NULL;
}

/* Body text as base64 in lines of 76 characters. */
static void append_base64(vo__buf *b, const char *text)
{
    size_t n = strlen(text);
    for (size_t off = 0; off < n; off += 57) {
        size_t k = n - off < 57 ? n - off : 57;
        char line[80];
        sodium_bin2base64(line, sizeof(line), (const unsigned char *)text + off, k,
                          sodium_base64_VARIANT_ORIGINAL);
        vo__buf_append_str(b, line);
        vo__buf_append_str(b, "\r\n");
    }
}

static void append_subject(vo__buf *b, const char *s)
{
    bool ascii = true;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p >= 0x80 || (unsigned char)*p < 0x20)
            ascii = false;
    vo__buf_append_str(b, "Subject: ");
    if (ascii) {
        vo__buf_append_str(b, s);
    } else {
        /* RFC 2047 encoded words of at most 45 bytes, cut at UTF-8 character boundaries */
        size_t n = strlen(s), off = 0;
        while (off < n) {
            size_t k = n - off < 45 ? n - off : 45;
            while (k > 1 && off + k < n && ((unsigned char)s[off + k] & 0xC0) == 0x80)
                k--;
            char enc[80];
            sodium_bin2base64(enc, sizeof(enc), (const unsigned char *)s + off, k,
                              sodium_base64_VARIANT_ORIGINAL);
            if (off)
                vo__buf_append_str(b, "\r\n ");
            vo__buf_append_str(b, "=?UTF-8?B?");
            vo__buf_append_str(b, enc);
            vo__buf_append_str(b, "?=");
            off += k;
        }
    }
    vo__buf_append_str(b, "\r\n");
}

static void random_hex(char *out, size_t bytes)
{
    unsigned char r[16];
    randombytes_buf(r, bytes);
    sodium_bin2hex(out, bytes * 2 + 1, r, bytes);
}

static bool build_message(vo__buf *b, const vo_smtp_message *m)
{
    char date[64], id[33], boundary[33];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
    random_hex(id, 16);
    random_hex(boundary, 12);
    vo__buf_append_str(b, "Date: ");
    vo__buf_append_str(b, date);
    vo__buf_append_str(b, "\r\nFrom: ");
    vo__buf_append_str(b, m->from);
    vo__buf_append_str(b, "\r\nTo: ");
    for (size_t i = 0; i < m->to_count; i++) {
        if (i)
            vo__buf_append_str(b, ",\r\n ");
        vo__buf_append_str(b, m->to[i]);
    }
    vo__buf_append_str(b, "\r\nMessage-ID: <");
    vo__buf_append_str(b, id);
    vo__buf_append_str(b, strchr(m->from, '@'));
    vo__buf_append_str(b, ">\r\n");
    if (m->subject)
        append_subject(b, m->subject);
    vo__buf_append_str(b, "MIME-Version: 1.0\r\nX-Mailer: libvoiceops\r\n");
    if (!m->html) {
        vo__buf_append_str(b, "Content-Type: text/plain; charset=utf-8\r\n"
                              "Content-Transfer-Encoding: base64\r\n\r\n");
        append_base64(b, m->text);
    } else {
        vo__buf_append_str(b, "Content-Type: multipart/alternative; boundary=\"=_vo_");
        vo__buf_append_str(b, boundary);
        vo__buf_append_str(b, "\"\r\n\r\n");
        const char *parts[2] = {m->text, m->html};
        const char *types[2] = {"text/plain", "text/html"};
        for (int i = 0; i < 2; i++) {
            vo__buf_append_str(b, "--=_vo_");
            vo__buf_append_str(b, boundary);
            vo__buf_append_str(b, "\r\nContent-Type: ");
            vo__buf_append_str(b, types[i]);
            vo__buf_append_str(b,
                               "; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n");
            append_base64(b, parts[i]);
        }
        vo__buf_append_str(b, "--=_vo_");
        vo__buf_append_str(b, boundary);
        vo__buf_append_str(b, "--\r\n");
    }
    return vo__buf_finish(b);
}

typedef struct reader {
    const char *data;
    size_t len, pos;
} reader;

static size_t read_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    reader *r = userdata;
    size_t room = size * nmemb, left = r->len - r->pos;
    size_t k = left < room ? left : room;
    memcpy(ptr, r->data + r->pos, k);
    r->pos += k;
    return k;
}

/* "to:example.com,example.org" for the audit row (domains only, at most 128 characters). */
static void audit_name(char *out, size_t size, const vo_smtp_message *m)
{
    vo__strlcpy(out, "to:", size);
    for (size_t i = 0; m && m->to && i < m->to_count; i++) {
        const char *at = m->to[i] ? strrchr(m->to[i], '@') : NULL;
        if (!at || !address_ok(m->to[i]))
            continue;
        size_t len = strlen(out);
        const char *dom = at + 1;
        /* skip a domain already listed */
        const char *p = out + 3;
        bool seen = false;
        while (*p) {
            size_t k = strcspn(p, ",");
            if (k == strlen(dom) && strncmp(p, dom, k) == 0)
                seen = true;
            p += k + (p[k] == ',');
        }
        if (seen || len + strlen(dom) + 1 >= size)
            continue;
        if (len > 3)
            out[len++] = ',';
        vo__strlcpy(out + len, dom, size - len);
    }
    if (strlen(out) == 3)
        vo__strlcpy(out, "to:-", size);
}

static int map_curl(CURLcode cc, long response, const char *errbuf, const char *host)
{
    switch (cc) {
    case CURLE_LOGIN_DENIED:
        return vo__error_set(VO_EAUTH, "vo_smtp: %s refused the login (SMTP %ld)", host,
                             response);
    case CURLE_USE_SSL_FAILED:
        return vo__error_set(VO_EPROTOCOL,
                             "vo_smtp: %s does not offer STARTTLS, which the "
                             "credentials require for a host that is not loopback",
                             host);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
        return vo__error_set(VO_ETLS, "vo_smtp: TLS with %s failed: %s", host,
                             errbuf[0] ? errbuf : curl_easy_strerror(cc));
    case CURLE_OPERATION_TIMEDOUT:
        return vo__error_set(VO_ETIMEOUT, "vo_smtp: %s: timed out", host);
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        if (response >= 400)
            break;
        return vo__error_set(VO_ENETWORK, "vo_smtp: %s: %s", host,
                             errbuf[0] ? errbuf : curl_easy_strerror(cc));
    default: break;
    }
    if (response >= 400)
        return vo__error_set(VO_EPROTOCOL,
                             "vo_smtp: %s answered %ld (sender, recipient or message "
                             "refused)",
                             host, response);
    return vo__error_set(VO_EPROTOCOL, "vo_smtp: %s: %s", host,
                         errbuf[0] ? errbuf : curl_easy_strerror(cc));
}

/* The URL of the credentials' server, the TLS decision, and a handle set up for it. */
static int open_handle(CURL **out, char *host_out, size_t host_size,
                       const vo_smtp_credentials *cr, const vo_smtp_options *o, char *errbuf)
{
    *out = NULL;
    const char *host = vo_smtp_credentials_host(cr);
    int port = vo_smtp_credentials_port(cr), tls = vo_smtp_credentials_tls(cr);
    vo__strlcpy(host_out, host, host_size);
    bool v6 = strchr(host, ':') && host[0] != '[';
    char probe[300], url[320];
    snprintf(probe, sizeof(probe), "http://%s%s%s", v6 ? "[" : "", host, v6 ? "]" : "");
    bool loopback = !vo__base_url_cleartext(probe);
    if (tls == VO_SMTP_TLS_NONE && !loopback)
        return vo__error_set(VO_EFORBIDDEN,
                             "vo_smtp: the credentials say no TLS, which is allowed for "
                             "loopback hosts only (%s is not)",
                             host);
    snprintf(url, sizeof(url), "%s://%s%s%s:%d", tls == VO_SMTP_TLS_IMPLICIT ? "smtps" : "smtp",
             v6 ? "[" : "", host, v6 ? "]" : "", port);
    CURL *h = curl_easy_init();
    if (!h)
        return vo__error_set(VO_ENOMEM, "vo_smtp: out of memory");
    long timeout = o->timeout_ms ? o->timeout_ms : SMTP_TIMEOUT_DEFAULT_MS;
    curl_easy_setopt(h, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
    curl_easy_setopt(h, CURLOPT_USE_SSL,
                     tls == VO_SMTP_TLS_NONE ? (long)CURLUSESSL_NONE
                     : loopback              ? (long)CURLUSESSL_TRY
                                             : (long)CURLUSESSL_ALL);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (o->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file);
    if (vo_smtp_credentials_username(cr)) {
        curl_easy_setopt(h, CURLOPT_USERNAME, vo_smtp_credentials_username(cr));
        if (vo_smtp_credentials_password(cr))
            curl_easy_setopt(h, CURLOPT_PASSWORD, vo_smtp_credentials_password(cr));
    }
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    *out = h;
    return VO_OK;
}

/* Run the handle; map the outcome. The handle (and libcurl's copies of the credentials) is
 * freed. */
static int perform(CURL *h, const char *host, char *errbuf)
{
    CURLcode cc = curl_easy_perform(h);
    long response = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response);
    curl_easy_cleanup(h);
    return cc == CURLE_OK ? VO_OK : map_curl(cc, response, errbuf, host);
}

static int do_send(const vo_smtp_credentials *cr, const vo_smtp_message *m,
                   const vo_smtp_options *o)
{
    char host[256], errbuf[CURL_ERROR_SIZE] = "";
    CURL *h = NULL;
    int rc = open_handle(&h, host, sizeof(host), cr, o, errbuf);
    if (rc != VO_OK)
        return rc;
    vo__buf msg = VO__BUF_INIT;
    struct curl_slist *rcpt = NULL;
    bool ok = build_message(&msg, m);
    for (size_t i = 0; ok && i < m->to_count; i++) {
        char a[SMTP_ADDRESS_MAX + 3];
        snprintf(a, sizeof(a), "<%s>", m->to[i]);
        struct curl_slist *n = curl_slist_append(rcpt, a);
        ok = n != NULL;
        if (n)
            rcpt = n;
    }
    if (!ok) {
        curl_slist_free_all(rcpt);
        curl_easy_cleanup(h);
        vo__buf_free(&msg, true);
        return vo__error_set(VO_ENOMEM, "vo_smtp_send: out of memory");
    }
    char from[SMTP_ADDRESS_MAX + 3];
    snprintf(from, sizeof(from), "<%s>", m->from);
    reader rd = {msg.data, msg.len, 0};
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(h, CURLOPT_READDATA, &rd);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg.len);
    rc = perform(h, host, errbuf);
    curl_slist_free_all(rcpt);
    vo__buf_free(&msg, true);
    return rc;
}

int vo_smtp_check(const vo_smtp_credentials *creds, const vo_smtp_options *opts)
{
    int rc = vo__require_init();
    if (rc != VO_OK)
        return rc;
    if (!creds)
        return vo__error_set(VO_EINVAL, "vo_smtp_check: creds is required");
    vo_smtp_options o;
    if ((rc = vo__struct_copy(&vo_smtp_options_info_, "vo_smtp_check", &o, opts)) != VO_OK)
        return rc;
    if (o.timeout_ms < 0)
        return vo__error_set(VO_EINVAL, "vo_smtp_check: opts->timeout_ms is negative");
    if ((rc = vo_smtp_credentials_validate(creds)) != VO_OK)
        return rc;
    char host[256], errbuf[CURL_ERROR_SIZE] = "";
    CURL *h = NULL;
    if ((rc = open_handle(&h, host, sizeof(host), creds, &o, errbuf)) != VO_OK)
        return rc;
    /* greeting, EHLO, TLS, login, then one NOOP: nothing is sent to anyone */
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "NOOP");
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    return perform(h, host, errbuf);
}

static int check_message(const vo_smtp_message *m)
{
    if (!address_ok(m->from) || has_crlf(m->from))
        return vo__error_set(VO_EINVAL, "vo_smtp_send: msg->from is not an address "
                                        "(local@domain)");
    if (!m->to || m->to_count == 0 || m->to_count > VO_SMTP_RECIPIENTS_MAX)
        return vo__error_set(VO_EINVAL, "vo_smtp_send: msg->to must hold 1 to %d addresses",
                             VO_SMTP_RECIPIENTS_MAX);
    for (size_t i = 0; i < m->to_count; i++)
        if (!address_ok(m->to[i]))
            return vo__error_set(
                VO_EINVAL, "vo_smtp_send: msg->to[%zu] is not an address (local@domain)", i);
    if (m->subject && (has_crlf(m->subject) || strlen(m->subject) > SMTP_SUBJECT_MAX))
        return vo__error_set(VO_EINVAL,
                             "vo_smtp_send: msg->subject holds a line break or is "
                             "longer than %d bytes",
                             SMTP_SUBJECT_MAX);
    if (!m->text)
        return vo__error_set(VO_EINVAL, "vo_smtp_send: msg->text is required");
    if (strlen(m->text) > VO_SMTP_BODY_MAX || (m->html && strlen(m->html) > VO_SMTP_BODY_MAX))
        return vo__error_set(VO_ETOOBIG, "vo_smtp_send: a body is larger than %u bytes",
                             VO_SMTP_BODY_MAX);
    return VO_OK;
}

int vo_smtp_send(vo_vault *vault, const char *tenant, const vo_smtp_message *msg,
                 const vo_smtp_options *opts)
{
    int rc = vo__require_init();
    if (rc != VO_OK)
        return rc;
    if (!vault || !tenant || !msg)
        return vo__error_set(VO_EINVAL, "vo_smtp_send: vault, tenant and msg are required");
    vo_smtp_message m;
    vo_smtp_options o;
    if ((rc = vo__struct_copy(&vo_smtp_message_info_, "vo_smtp_send", &m, msg)) != VO_OK ||
        (rc = vo__struct_copy(&vo_smtp_options_info_, "vo_smtp_send", &o, opts)) != VO_OK)
        return rc;
    if (o.timeout_ms < 0)
        return vo__error_set(VO_EINVAL, "vo_smtp_send: opts->timeout_ms is negative");
    rc = check_message(&m);
    if (rc == VO_OK) {
        vo_smtp_credentials *cr = NULL;
        rc = vo_smtp_credentials_get(&cr, NULL, vault, tenant);
        if (rc == VO_OK)
            rc = do_send(cr, &m, &o);
        vo_smtp_credentials_free(cr);
    }
    /* audit, also failures; keep the send's error for the caller */
    char name[VO_VAULT_NAME_MAX + 1], saved[VO_ERROR_MESSAGE_SIZE] = "";
    audit_name(name, sizeof(name), &m);
    if (rc != VO_OK)
        vo__strlcpy(saved, vo_error_last()->message, sizeof(saved));
    int arc = vo_vault_audit_append(vault, tenant, name, "smtp.send",
                                    rc == VO_OK ? "ok" : vo_error_name(rc));
    if (rc != VO_OK)
        return vo__error_set(rc, "%s", saved);
    if (arc != VO_OK)
        return vo__error_set(arc,
                             "vo_smtp_send: the mail was sent, but its audit row could "
                             "not be written: %s",
                             vo_error_last()->message);
    return VO_OK;
}
