/* What the vault and guard benchmarks share: a monotonic clock and CHECK(), which ends the
 * run with the library's error when a call that must succeed fails. */
#ifndef VO_BENCH_UTIL_H
#define VO_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "voiceops.h"

static inline double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void die(const char *what, int rc)
{
    fprintf(stderr, "%s: %s: %s\n", what, vo_error_name(rc), vo_error_last()->message);
    exit(1);
}

#define CHECK(expr)    \
  do {                 \
    int rc_ = (expr);  \
    if (rc_ != VO_OK)  \
      die(#expr, rc_); \
  } while (0)

#endif
