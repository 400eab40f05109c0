/* voiceops webhook verify: verify a captured request with a tenant's keys from the vault and
 * explain a failure (missing header, URL forms tried, proxies, which token matched). */
#include "capture.h"
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const webhook_usage =
    "usage: voiceops webhook verify CAPTURE --tenant TENANT [--provider auto|twilio|vapi]\n"
    "                               [--url URL] [--body FILE] [--now UNIX_SECONDS]\n"
    "CAPTURE is an HTTP request as a proxy dump or `nc -l` saves it (request line, headers,\n"
    "blank line, body) or `curl -v` output (\"> \" lines); `-` reads stdin. curl -v does not\n"
    "print the body: give it with --body. --url is the public URL your app computes; without\n"
    "it the URL is rebuilt from the request line, Host and X-Forwarded-* headers, and every\n"
    "plausible form is tried. Exit 0 when the request verifies (with --url: at that URL),\n"
    "1 when it does not (the explanation says why), 2 when the capture is not HTTP.\n";

#define MAX_CANDIDATES 8

typedef struct candidate {
    char url[4096];
    const char *label;
} candidate;

static int read_all(const char *path, unsigned char **out, size_t *out_len, size_t max)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 65536, len = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        if (len == cap) {
            if (cap > max) {
                free(buf);
                buf = NULL;
                break;
            }
            unsigned char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        if (r == 0)
            break;
        len += r;
    }
    if (f != stdin)
        fclose(f);
    if (!buf)
        return -2;
    if (len > max) {
        free(buf);
        return -2;
    }
    *out = buf;
    *out_len = len;
    return 0;
}

static void add_candidate(candidate *c, size_t *n, const char *url, const char *label)
{
    if (*n >= MAX_CANDIDATES || !url || !*url)
        return;
    for (size_t i = 0; i < *n; i++)
        if (strcmp(c[i].url, url) == 0)
            return;
    snprintf(c[*n].url, sizeof(c[*n].url), "%s", url);
    c[*n].label = label;
    (*n)++;
}

static const char *form_name(int f)
{
    switch (f) {
    case VO_WEBHOOK_TWILIO_URL_AS_GIVEN: return "as_given";
    case VO_WEBHOOK_TWILIO_URL_PORT_TOGGLED: return "port_toggled";
    case VO_WEBHOOK_TWILIO_URL_LEGACY_QUERY: return "legacy_query";
    case VO_WEBHOOK_TWILIO_URL_LEGACY_QUERY_PORT_TOGGLED: return "legacy_query_port_toggled";
    default: return "none";
    }
}

static void explain(cJSON *arr, int json, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void explain(cJSON *arr, int json, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    cJSON_AddItemToArray(arr, cJSON_CreateString(buf));
    if (!json)
        printf("  - %s\n", buf);
}

/* The URLs the provider may have signed, most likely first. */
static void build_candidates(const capture *cap, const char *given, candidate *c, size_t *n)
{
    *n = 0;
    if (given)
        add_candidate(c, n, given, "--url");
    if (strncmp(cap->target, "http://", 7) == 0 || strncmp(cap->target, "https://", 8) == 0) {
        add_candidate(c, n, cap->target, "request line (absolute, proxy form)");
        return;
    }
    vo_param *h = calloc(cap->header_count + 1, sizeof(*h));
    if (!h)
        return;
    for (size_t i = 0; i < cap->header_count; i++) {
        h[i].name = cap->headers[i].name;
        h[i].value = cap->headers[i].value;
    }
    char url[4096];
    size_t len = 0;
    /* as a proxy-aware app would rebuild it (forwarded headers believed) */
    if (capture_header_get(cap, "X-Forwarded-Proto") ||
        capture_header_get(cap, "X-Forwarded-Host") || capture_header_get(cap, "Forwarded")) {
        const char *trusted[] = {"0.0.0.0/0", "::/0"};
        vo_public_url_options po = VO_PUBLIC_URL_OPTIONS_INIT;
        po.trusted_proxies = trusted;
        po.trusted_proxy_count = 2;
        po.forwarded_headers = VO_PUBLIC_URL_FORWARDED | VO_PUBLIC_URL_X_FORWARDED_PROTO |
                               VO_PUBLIC_URL_X_FORWARDED_HOST | VO_PUBLIC_URL_X_FORWARDED_PORT |
                               VO_PUBLIC_URL_X_FORWARDED_PREFIX;
        if (vo_public_url_build(url, sizeof(url), &len, &po, "127.0.0.1", "http", cap->target,
                                h, cap->header_count) == VO_OK)
            add_candidate(c, n, url, "Forwarded / X-Forwarded-* headers");
    }
    /* as an app without proxy configuration sees it: https or http + Host */
    if (vo_public_url_build(url, sizeof(url), &len, NULL, NULL, "https", cap->target, h,
                            cap->header_count) == VO_OK)
        add_candidate(c, n, url, "https + Host header");
    if (vo_public_url_build(url, sizeof(url), &len, NULL, NULL, "http", cap->target, h,
                            cap->header_count) == VO_OK)
        add_candidate(c, n, url, "http + Host header");
    free(h);
}

static int twilio_check(const cli *c, vo_vault *v, const char *tenant, const capture *cap,
                        const vo_webhook_request *req, candidate *cands, size_t ncand,
                        const char *given, cJSON *d, cJSON *why)
{
    vo_twilio_credentials *cr = NULL;
    int rc = vo_twilio_credentials_get(&cr, NULL, v, tenant);
    if (rc != VO_OK)
        return cli_fail(c, "webhook verify: the tenant's Twilio credentials", rc);
    const char *tokens[2];
    size_t nt = 0;
    if (vo_twilio_credentials_auth_token(cr))
        tokens[nt++] = vo_twilio_credentials_auth_token(cr);
    if (vo_twilio_credentials_secondary_auth_token(cr))
        tokens[nt++] = vo_twilio_credentials_secondary_auth_token(cr);
    static const char *const token_names[] = {"primary auth token", "secondary auth token"};
    if (nt == 0) {
        vo_twilio_credentials_free(cr);
        explain(why, c->json,
                "the tenant's Twilio credentials hold no auth token (API key only): Twilio "
                "signs webhooks with the account's auth token; store it with `voiceops creds "
                "set twilio`");
        cJSON_AddBoolToObject(d, "verified", 0);
        cJSON_AddStringToObject(d, "reason", "no_key");
        return EXIT_FINDING;
    }
    size_t nsig = capture_header_count(cap, "X-Twilio-Signature");
    if (nsig == 0) {
        explain(why, c->json,
                "the request has no X-Twilio-Signature header: it was not sent by Twilio, or "
                "a proxy removed the header");
    } else if (nsig > 1) {
        explain(why, c->json, "X-Twilio-Signature appears %zu times (a proxy duplicated it?)",
                nsig);
    }
    cJSON *tried = cJSON_AddArrayToObject(d, "tried");
    int match = -1, key = -1, form = -1, first_reason = -1;
    vo_webhook_twilio_options o = VO_WEBHOOK_TWILIO_OPTIONS_INIT;
    for (size_t i = 0; i < ncand; i++) {
        vo_webhook_request r = *req;
        r.url = cands[i].url;
        vo_verify_result res = VO_VERIFY_RESULT_INIT;
        rc = vo_webhook_twilio_verify_request(&res, &o, tokens, nt, &r);
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "url", cands[i].url);
        cJSON_AddStringToObject(e, "source", cands[i].label);
        cJSON_AddStringToObject(e, "reason", vo_verify_reason_name(res.reason));
        cJSON_AddNumberToObject(e, "forms_tried", res.forms_tried);
        cJSON_AddBoolToObject(e, "verified", rc == VO_OK);
        cJSON_AddItemToArray(tried, e);
        if (!c->json)
            printf("  tried %s (%s; %d URL forms): %s\n", cands[i].url, cands[i].label,
                   res.forms_tried,
                   rc == VO_OK ? "VERIFIED" : vo_verify_reason_name(res.reason));
        if (first_reason < 0)
            first_reason = (int)res.reason;
        if (rc == VO_OK && match < 0) {
            match = (int)i;
            key = res.key_index;
            form = res.url_form;
        }
        if (res.reason == VO_VERIFY_BODY_HASH_MISMATCH && res.key_index >= 0 &&
            res.key_index < 2)
            explain(why, c->json,
                    "the URL's signature matches the %s at %s, but the body's SHA-256 differs "
                    "from bodySHA256: the body was changed after signing (or not captured "
                    "whole)",
                    token_names[res.key_index], cands[i].url);
    }
    int verified = match >= 0 && (!given || match == 0);
    cJSON_AddBoolToObject(d, "verified", verified);
    cJSON_AddStringToObject(d, "reason",
                            verified ? "ok"
                            : match >= 0
                                ? "signed_for_another_url"
                                : vo_verify_reason_name((vo_verify_reason)first_reason));
    if (match >= 0) {
        cJSON *m = cJSON_AddObjectToObject(d, "matched");
        cJSON_AddStringToObject(m, "url", cands[match].url);
        cJSON_AddStringToObject(m, "source", cands[match].label);
        cJSON_AddStringToObject(m, "url_form", form_name(form));
        cJSON_AddStringToObject(m, "token", key >= 0 && key < 2 ? token_names[key] : "?");
        explain(why, c->json, "the signature matches %s (%s, URL form %s) with the %s",
                cands[match].url, cands[match].label, form_name(form),
                key >= 0 && key < 2 ? token_names[key] : "?");
        if (key == 1)
            explain(why, c->json,
                    "it matched the secondary token: Twilio already signs with the new token; "
                    "promote it (`voiceops twilio rotate-token %s --promote`) before the app "
                    "drops the old one",
                    tenant);
        if (match > 0) {
            explain(why, c->json,
                    "the app's URL %s does not verify; Twilio signed %s: the scheme, host or "
                    "port seen behind the proxy differ from the public URL. Configure the "
                    "public base URL or trust the proxy's X-Forwarded-* headers "
                    "(vo_public_url_build)",
                    cands[0].url, cands[match].url);
        }
        if (form == VO_WEBHOOK_TWILIO_URL_PORT_TOGGLED ||
            form == VO_WEBHOOK_TWILIO_URL_LEGACY_QUERY_PORT_TOGGLED)
            explain(why, c->json,
                    "it matched only with the port added or removed: the URL configured in "
                    "Twilio and the one the app sees differ in the explicit port");
    } else if (nsig > 0 && first_reason == VO_VERIFY_MISMATCH) {
        explain(why, c->json,
                "no token matched any of the %zu URLs tried (each also with the port toggled "
                "and the legacy query encoding): the tokens in the vault are not the ones "
                "that signed (another account, a rotated token), the body was changed, or the "
                "public URL differs in its path or query",
                ncand);
        if (cap->body_truncated)
            explain(why, c->json,
                    "the capture holds %zu of %zu body bytes (curl -v does not print the "
                    "body): pass it with --body FILE",
                    cap->body_len, cap->declared_length);
    } else if (nsig > 0 && first_reason >= 0) {
        explain(why, c->json, "verification failed: %s",
                vo_verify_reason_name((vo_verify_reason)first_reason));
    }
    vo_twilio_credentials_free(cr);
    return verified ? EXIT_OK : EXIT_FINDING;
}

static int vapi_check(const cli *c, vo_vault *v, const char *tenant,
                      const vo_webhook_request *req, candidate *cands, size_t ncand,
                      const char *now_s, cJSON *d, cJSON *why)
{
    vo_vapi_credentials *cr = NULL;
    int rc = vo_vapi_credentials_get(&cr, NULL, v, tenant);
    if (rc != VO_OK)
        return cli_fail(c, "webhook verify: the tenant's Vapi credentials", rc);
    vo_webhook_vapi_options o = VO_WEBHOOK_VAPI_OPTIONS_INIT;
    rc = vo_vapi_credentials_webhook_options(&o, cr);
    if (rc != VO_OK) {
        vo_vapi_credentials_free(cr);
        return cli_fail(c, "webhook verify: the tenant's Vapi webhook settings", rc);
    }
    const char *secret = vo_vapi_credentials_webhook_secret(cr);
    int64_t now = (int64_t)time(NULL);
    if (now_s && cli_parse_int64(now_s, &now) != 0) {
        vo_vapi_credentials_free(cr);
        return cli_failf(c, EXIT_USAGE, "--now: Unix seconds");
    }
    vo_webhook_request r = *req;
    r.url = ncand ? cands[0].url : NULL;
    vo_verify_result res = VO_VERIFY_RESULT_INIT;
    rc = vo_webhook_vapi_verify(&res, &o, &secret, 1, &r, now);
    static const char *const types[] = {"secret", "bearer", "hmac"};
    cJSON_AddStringToObject(d, "auth", (unsigned)o.type < 3 ? types[o.type] : "?");
    cJSON_AddBoolToObject(d, "verified", rc == VO_OK);
    cJSON_AddStringToObject(d, "reason", vo_verify_reason_name(res.reason));
    const char *hdr = o.type == VO_WEBHOOK_VAPI_HMAC
                          ? (o.signature_header ? o.signature_header : "x-signature")
                          : (o.header_name                      ? o.header_name
                             : o.type == VO_WEBHOOK_VAPI_BEARER ? "Authorization"
                                                                : "x-vapi-secret");
    switch (res.reason) {
    case VO_VERIFY_OK:
        explain(why, c->json, "verified with the tenant's Vapi webhook %s (header %s)",
                types[o.type], hdr);
        break;
    case VO_VERIFY_MISSING_SIGNATURE:
        explain(why, c->json,
                "the request has no %s header, which the tenant's Vapi credential (%s) "
                "requires: the assistant's server URL has no credential attached, or another "
                "credential type is configured in Vapi",
                hdr, types[o.type]);
        break;
    case VO_VERIFY_MISSING_TIMESTAMP:
        explain(why, c->json,
                "the HMAC template signs a timestamp, but the %s header is missing",
                o.timestamp_header ? o.timestamp_header : "x-timestamp");
        break;
    case VO_VERIFY_TIMESTAMP_TOO_OLD:
    case VO_VERIFY_TIMESTAMP_TOO_NEW: {
        /* would it verify at the time it was captured? */
        vo_verify_result r2 = VO_VERIFY_RESULT_INIT;
        int rc2 = vo_webhook_vapi_verify(&r2, &o, &secret, 1, &r, res.timestamp);
        explain(why, c->json, "the timestamp %lld is %s the %lld s tolerance of now (%lld)%s",
                (long long)res.timestamp,
                res.reason == VO_VERIFY_TIMESTAMP_TOO_OLD ? "older than" : "further ahead than",
                (long long)(o.tolerance_seconds ? o.tolerance_seconds : 300), (long long)now,
                rc2 == VO_OK ? "; the signature itself is valid (checked as of the capture "
                               "time): only replay protection rejects it, or the server clock "
                               "is off"
                             : "; the signature does not match either");
        cJSON_AddBoolToObject(d, "signature_valid_at_capture_time", rc2 == VO_OK);
        break;
    }
    case VO_VERIFY_MISMATCH:
        explain(why, c->json,
                "the %s header does not match the tenant's webhook secret: another "
                "credential is attached in Vapi, or the secret was changed on one side",
                hdr);
        break;
    default:
        explain(why, c->json, "verification failed: %s", vo_verify_reason_name(res.reason));
    }
    vo_vapi_credentials_free(cr);
    return rc == VO_OK ? EXIT_OK : EXIT_FINDING;
}

int cmd_webhook(cli *c, int argc, char **argv)
{
    const char *tenant = NULL, *provider = "auto", *url = NULL, *body_file = NULL,
               *now_s = NULL;
    const cli_opt opts[] = {{"tenant", &tenant, NULL}, {"provider", &provider, NULL},
                            {"url", &url, NULL},       {"body", &body_file, NULL},
                            {"now", &now_s, NULL},     {NULL, NULL, NULL}};
    int rc = cli_parse(c, argc, argv, opts, webhook_usage);
    if (rc)
        return rc;
    if (c->help)
        return cli_usage(webhook_usage);
    if ((rc = cli_need(c, 2, 2, webhook_usage)))
        return rc;
    if (strcmp(c->pos[0], "verify") != 0)
        return cli_failf(c, EXIT_USAGE, "webhook: verify");
    if (!tenant)
        return cli_failf(c, EXIT_USAGE, "webhook verify: --tenant is required");
    if (strcmp(provider, "auto") && strcmp(provider, "twilio") && strcmp(provider, "vapi"))
        return cli_failf(c, EXIT_USAGE, "--provider: auto, twilio or vapi");
    unsigned char *data = NULL;
    size_t len = 0;
    int r = read_all(c->pos[1], &data, &len, CAPTURE_MAX_INPUT);
    if (r == -1)
        return cli_failf(c, EXIT_NOTFOUND, "webhook verify: cannot read %s", c->pos[1]);
    if (r == -2)
        return cli_failf(c, EXIT_USAGE, "webhook verify: %s is larger than %u bytes", c->pos[1],
                         CAPTURE_MAX_INPUT);
    capture cap;
    char err[300];
    capture_status st = capture_parse(&cap, data, len, err, sizeof(err));
    free(data);
    if (st != CAPTURE_OK)
        return cli_failf(c, st == CAPTURE_NOMEM ? EXIT_ERROR : EXIT_USAGE,
                         "webhook verify: %s is not a captured HTTP request (%s): %s",
                         c->pos[1], capture_status_name(st), err);
    if (body_file) {
        unsigned char *b = NULL;
        size_t blen = 0;
        if (read_all(body_file, &b, &blen, CAPTURE_MAX_INPUT) != 0) {
            capture_free(&cap);
            return cli_failf(c, EXIT_NOTFOUND, "webhook verify: cannot read --body %s",
                             body_file);
        }
        free(cap.body);
        cap.body = b;
        cap.body_len = blen;
        cap.body_truncated = 0;
    }
    cJSON *d = cli_doc();
    cJSON *ci = cJSON_AddObjectToObject(d, "capture");
    cJSON_AddStringToObject(ci, "format", cap.format == CAPTURE_CURL ? "curl" : "raw");
    cJSON_AddStringToObject(ci, "method", cap.method);
    cJSON_AddStringToObject(ci, "target", cap.target);
    cJSON_AddNumberToObject(ci, "headers", (double)cap.header_count);
    cJSON_AddNumberToObject(ci, "body_bytes", (double)cap.body_len);
    cJSON_AddBoolToObject(ci, "body_truncated", cap.body_truncated);
    cJSON_AddStringToObject(ci, "line_endings", cap.crlf ? "crlf" : "lf");

    if (strcmp(provider, "auto") == 0)
        provider = capture_header_get(&cap, "X-Twilio-Signature") ? "twilio" : "vapi";
    cJSON_AddStringToObject(d, "provider", provider);
    cJSON_AddStringToObject(d, "tenant", tenant);
    if (!c->json)
        printf("%s %s (%s capture, %zu headers, %zu body bytes) as %s webhook of %s\n",
               cap.method, cap.target, cap.format == CAPTURE_CURL ? "curl -v" : "raw",
               cap.header_count, cap.body_len, provider, tenant);

    candidate cands[MAX_CANDIDATES];
    size_t ncand = 0;
    build_candidates(&cap, url, cands, &ncand);
    vo_param *h = calloc(cap.header_count + 1, sizeof(*h));
    for (size_t i = 0; h && i < cap.header_count; i++) {
        h[i].name = cap.headers[i].name;
        h[i].value = cap.headers[i].value;
    }
    vo_webhook_request req = VO_WEBHOOK_REQUEST_INIT;
    req.method = cap.method;
    req.headers = h;
    req.header_count = cap.header_count;
    req.body = cap.body;
    req.body_len = cap.body_len;

    cJSON *why = cJSON_CreateArray();
    vo_vault *v = NULL;
    int code = cli_open_vault(c, &v, 0, 0, NULL);
    if (code == EXIT_OK) {
        if (ncand == 0 && strcmp(provider, "twilio") == 0) {
            explain(why, c->json,
                    "no URL can be rebuilt: the request has no Host header and its target is "
                    "not absolute; give the public URL with --url");
            cJSON_AddBoolToObject(d, "verified", 0);
            cJSON_AddStringToObject(d, "reason", "malformed_url");
            code = EXIT_FINDING;
        } else if (strcmp(provider, "twilio") == 0) {
            code = twilio_check(c, v, tenant, &cap, &req, cands, ncand, url, d, why);
        } else {
            code = vapi_check(c, v, tenant, &req, cands, ncand, now_s, d, why);
        }
    }
    cJSON_AddItemToObject(d, "explanation", why);
    if (!c->json && (code == EXIT_OK || code == EXIT_FINDING))
        printf("%s\n", code == EXIT_OK ? "VERIFIED" : "NOT VERIFIED");
    if (c->json && (code == EXIT_OK || code == EXIT_FINDING))
        cli_json_print(d);
    else
        cJSON_Delete(d);
    vo_vault_close(v);
    free(h);
    capture_free(&cap);
    return code;
}
