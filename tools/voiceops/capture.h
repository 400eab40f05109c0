/* Captured HTTP requests, as a proxy dump or `curl -v` saves them, parsed for
 * `voiceops webhook verify`. Tool-internal (not part of the library's API); fuzzed by
 * tests/fuzz/fuzz_capture.c. */
#ifndef VOICEOPS_TOOL_CAPTURE_H
#define VOICEOPS_TOOL_CAPTURE_H

#include <stddef.h>

/** Limits: a capture bigger than these is refused, never truncated. */
#define CAPTURE_MAX_INPUT (16u * 1024u * 1024u)
#define CAPTURE_MAX_HEADERS 256
#define CAPTURE_MAX_LINE 16384

/** What the capture looked like. */
typedef enum capture_format {
    CAPTURE_RAW = 0, /* request line, headers, blank line, body (a proxy dump, `nc -l`) */
    CAPTURE_CURL = 1 /* `curl -v` / `--trace-ascii` output: request lines prefixed "> " */
} capture_format;

/** Where the body came from. */
typedef enum capture_body_source {
    CAPTURE_BODY_NONE = 0,           /* no body bytes in the capture */
    CAPTURE_BODY_CONTENT_LENGTH = 1, /* exactly Content-Length bytes */
    CAPTURE_BODY_CHUNKED = 2,        /* decoded from Transfer-Encoding: chunked */
    CAPTURE_BODY_REST = 3            /* everything after the headers (no length given) */
} capture_body_source;

/** Parse outcome. */
typedef enum capture_status {
    CAPTURE_OK = 0,
    CAPTURE_NOT_HTTP = 1,  /* no HTTP request line where one must be */
    CAPTURE_MALFORMED = 2, /* a request line was found, but headers or body are broken */
    CAPTURE_TOO_BIG = 3,   /* a limit above was exceeded */
    CAPTURE_NOMEM = 4
} capture_status;

typedef struct capture_header {
    char *name;  /* as written (case kept), NUL-free */
    char *value; /* leading and trailing blanks removed */
} capture_header;

typedef struct capture {
    capture_format format;
    char *method;  /* "POST" */
    char *target;  /* "/voice?x=1" or an absolute URL (proxy form) */
    char *version; /* "HTTP/1.1" */
    capture_header *headers;
    size_t header_count;
    unsigned char *body; /* NUL-terminated copy; body_len bytes (may hold NUL bytes) */
    size_t body_len;
    capture_body_source body_source;
    int crlf;               /* 1 when the header lines ended in CRLF, 0 for bare LF */
    int body_truncated;     /* Content-Length announced more bytes than the capture holds */
    size_t declared_length; /* the Content-Length value when present */
} capture;

/**
 * Parse `len` bytes. On CAPTURE_OK *out is filled (free with capture_free()); otherwise
 * *out is left empty and `err` (err_size bytes) says what is wrong and where (line number),
 * never quoting more than a short excerpt of the input.
 */
capture_status capture_parse(capture *out, const unsigned char *data, size_t len, char *err,
                             size_t err_size);

/** First value of the named header (case-insensitive), or NULL. */
const char *capture_header_get(const capture *c, const char *name);

/** Number of headers with that name (case-insensitive). */
size_t capture_header_count(const capture *c, const char *name);

/** Release what capture_parse() allocated; accepts NULL and empty captures. */
void capture_free(capture *c);

/** Short name of a status ("not_http", ...). */
const char *capture_status_name(capture_status st);

#endif
