/* Benchmark: a Twilio numbers list call against a fast local server serving a canned page,
 * with 1 and 16 threads, through
 *   - curl:      a plain libcurl loop, one easy handle per thread (connection reuse), basic auth;
 *   - transport: vo_http_send (pool, retries policy, correlation id, header capture);
 *   - twilio:    vo_twilio_numbers_list + first item (transport + cJSON parse + secret strip).
 * Prints requests/s, p50 and p99 latency and the ratio to the plain libcurl loop measured in
 * the same run. Run through tests/bench/run_bench.sh, which starts nginx.
 *
 * usage: bench_http <base url> [requests per thread count (default 4000)] [rounds (default 3)]
 *
 * Each row is measured in `rounds` interleaved rounds: the table gives the best round of
 * each implementation, its ratio to the best round of the baseline, and the median of the
 * per-round ratios. For a profiler, one implementation alone:
 *   bench_http <base url> <requests> profile-curl|profile-transport <threads>
 * e.g. valgrind --tool=callgrind --toggle-collect=run bench_http URL 2000 profile-transport 1
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "voiceops.h"

#define ACCT "AC0123456789abcdef0123456789abcdef"
#define TOKEN "0f1e2d3c4b5a69780f1e2d3c4b5a6978"
#define PATH "/2010-04-01/Accounts/" ACCT "/IncomingPhoneNumbers.json"

typedef enum {
    IMPL_CURL,
    IMPL_TRANSPORT,
    IMPL_CURL_PARSE,
    IMPL_TWILIO,
    IMPL_COUNT
} impl;
static const char *impl_name[] = {"libcurl loop", "vo_http_send", "libcurl loop + cJSON_Parse",
                                  "vo_twilio_numbers_list"};

static const char *base;
static vo_http_client *shared_http;
static vo_twilio_client *shared_twilio;

typedef struct job {
    impl which;
    int count;
    double *lat_us;
    int failures;
} job;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

typedef struct sink {
    char *data;
    size_t len, cap;
} sink;

static size_t on_data(char *p, size_t s, size_t n, void *u)
{
    sink *k = u;
    size_t add = s * n;
    if (k->len + add > k->cap) {
        k->cap = (k->len + add) * 2;
        k->data = realloc(k->data, k->cap);
    }
    memcpy(k->data + k->len, p, add);
    k->len += add;
    return add;
}

static void *run(void *arg)
{
    job *j = arg;
    CURL *h = NULL;
    sink k = {NULL, 0, 0};
    char url[512];
    snprintf(url, sizeof(url), "%s%s?PageSize=20", base, PATH);
    if (j->which == IMPL_CURL || j->which == IMPL_CURL_PARSE) {
        h = curl_easy_init();
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_USERNAME, ACCT);
        curl_easy_setopt(h, CURLOPT_PASSWORD, TOKEN);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &k);
    }
    vo_param q[] = {{"PageSize", "20"}};
    for (int i = 0; i < j->count; i++) {
        double t0 = now_us();
        int ok = 0;
        if (j->which == IMPL_CURL || j->which == IMPL_CURL_PARSE) {
            k.len = 0;
            long status = 0;
            ok = curl_easy_perform(h) == CURLE_OK &&
                 curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
                 status == 200;
            if (ok && j->which == IMPL_CURL_PARSE) {
                cJSON *doc = cJSON_ParseWithLength(k.data, k.len);
                ok = cJSON_GetArraySize(cJSON_GetObjectItem(doc, "incoming_phone_numbers")) ==
                     20;
                cJSON_Delete(doc);
            }
        } else if (j->which == IMPL_TRANSPORT) {
            vo_http_request r = VO_HTTP_REQUEST_INIT;
            r.base_url = base;
            r.path = PATH;
            r.query = q;
            r.query_count = 1;
            r.username = ACCT;
            r.password = TOKEN;
            vo_http_response *resp = NULL;
            ok = vo_http_send(&resp, shared_http, &r) == VO_OK &&
                 vo_http_response_status(resp) == 200;
            vo_http_response_free(resp);
        } else {
            vo_twilio_iter *it = NULL;
            const vo_twilio_resource *item = NULL;
            ok = vo_twilio_numbers_list(&it, shared_twilio, q, 1) == VO_OK &&
                 vo_twilio_iter_next(&item, it) == VO_OK && item != NULL;
            vo_twilio_iter_free(it);
        }
        j->lat_us[i] = now_us() - t0;
        if (!ok)
            j->failures++;
    }
    if (h)
        curl_easy_cleanup(h);
    free(k.data);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct result {
    double rps, p50, p99;
    int failures;
} result;

static result measure(impl which, int threads, int total)
{
    int per = total / threads;
    job *jobs = calloc((size_t)threads, sizeof(*jobs));
    pthread_t *t = calloc((size_t)threads, sizeof(*t));
    double *all = calloc((size_t)per * (size_t)threads, sizeof(double));
    double t0 = now_us();
    for (int i = 0; i < threads; i++) {
        jobs[i].which = which;
        jobs[i].count = per;
        jobs[i].lat_us = all + (size_t)i * (size_t)per;
        pthread_create(&t[i], NULL, run, &jobs[i]);
    }
    result r = {0, 0, 0, 0};
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        r.failures += jobs[i].failures;
    }
    double secs = (now_us() - t0) / 1e6;
    size_t n = (size_t)per * (size_t)threads;
    qsort(all, n, sizeof(double), cmp);
    r.rps = (double)n / secs;
    r.p50 = all[n / 2];
    r.p99 = all[(size_t)((double)n * 0.99)];
    free(all);
    free(t);
    free(jobs);
    return r;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s <base url> [requests]\n", argv[0]);
        return 2;
    }
    base = argv[1];
    int total = argc > 2 ? atoi(argv[2]) : 4000;
    if (vo_init() != VO_OK)
        return 2;
    vo_http_options ho = VO_HTTP_OPTIONS_INIT;
    if (vo_http_client_new(&shared_http, &ho) != VO_OK)
        return 2;
    vo_twilio_credentials *cr = NULL;
    if (vo_twilio_credentials_new(&cr) != VO_OK ||
        vo_twilio_credentials_set_account_sid(cr, ACCT) != VO_OK ||
        vo_twilio_credentials_set_auth_token(cr, TOKEN) != VO_OK)
        return 2;
    vo_twilio_options to = VO_TWILIO_OPTIONS_INIT;
    to.api_base_url = base;
    if (vo_twilio_client_new(&shared_twilio, cr, &to) != VO_OK)
        return 2;
    vo_twilio_credentials_free(cr);

    if (argc > 3 && strncmp(argv[3], "profile-", 8) == 0) {
        impl which = strcmp(argv[3] + 8, "transport") == 0 ? IMPL_TRANSPORT
                     : strcmp(argv[3] + 8, "curl") == 0    ? IMPL_CURL
                                                           : IMPL_COUNT;
        int nt = argc > 4 ? atoi(argv[4]) : 1;
        if (which == IMPL_COUNT || nt < 1)
            return 2;
        measure(which, nt, nt * 20); /* warm up connections */
        result r = measure(which, nt, total);
        vo_twilio_client_free(shared_twilio);
        vo_http_client_free(shared_http);
        vo_shutdown();
        return r.failures ? 1 : 0;
    }
    int rounds = argc > 3 ? atoi(argv[3]) : 3;
    if (rounds < 1 || rounds > 99)
        return 2;
    printf("| threads | implementation | req/s | p50 (us) | p99 (us) | time per request vs "
           "baseline (best of %d rounds) | median of the rounds' ratios |\n",
           rounds);
    printf("|---|---|---|---|---|---|---|\n");
    int threads[] = {1, 16};
    int failures = 0;
    for (int ti = 0; ti < 2; ti++) {
        /* warm up connections on every path */
        for (int w = 0; w < IMPL_COUNT; w++)
            measure((impl)w, threads[ti], threads[ti] * 20);
        /* vo_http_send is compared with the plain loop, the Twilio call (which parses the
         * page) with the plain loop that parses it too; rounds interleaved so that load
         * from other processes hits them alike */
        result best[IMPL_COUNT];
        double ratios[IMPL_COUNT][99];
        for (int round = 0; round < rounds; round++) {
            result base_r = {0, 0, 0, 0};
            for (int w = 0; w < IMPL_COUNT; w++) {
                result r = measure((impl)w, threads[ti], total);
                failures += r.failures;
                if (w == IMPL_CURL || w == IMPL_CURL_PARSE)
                    base_r = r;
                ratios[w][round] = base_r.rps / r.rps;
                if (round == 0 || r.rps > best[w].rps)
                    best[w] = r;
            }
        }
        for (int w = 0; w < IMPL_COUNT; w++) {
            bool is_base = w == IMPL_CURL || w == IMPL_CURL_PARSE;
            double base_rps =
                best[w == IMPL_TWILIO || w == IMPL_CURL_PARSE ? IMPL_CURL_PARSE : IMPL_CURL]
                    .rps;
            qsort(ratios[w], (size_t)rounds, sizeof(double), cmp);
            double med = rounds % 2 ? ratios[w][rounds / 2]
                                    : (ratios[w][rounds / 2 - 1] + ratios[w][rounds / 2]) / 2;
            printf("| %d | %s | %.0f | %.0f | %.0f | %s%.2fx | %.2fx |\n", threads[ti],
                   impl_name[w], best[w].rps, best[w].p50, best[w].p99,
                   is_base ? "baseline " : "", base_rps / best[w].rps, med);
        }
    }
    vo_http_stats st = VO_HTTP_STATS_INIT;
    vo_http_client_stats(&st, vo_twilio_client_http(shared_twilio));
    printf("\nvo_twilio client: %llu requests over %llu new connections; failures: %d\n",
           (unsigned long long)st.requests, (unsigned long long)st.connects, failures);
    vo_twilio_client_free(shared_twilio);
    vo_http_client_free(shared_http);
    vo_shutdown();
    return failures ? 1 : 0;
}
