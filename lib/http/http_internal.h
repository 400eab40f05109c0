/* Internal helpers of the HTTP module shared with the provider clients. */
#ifndef VO_HTTP_INTERNAL_H
#define VO_HTTP_INTERNAL_H

#include <stdint.h>

/** Monotonic clock in milliseconds. */
int64_t vo__now_ms(void);

#endif
