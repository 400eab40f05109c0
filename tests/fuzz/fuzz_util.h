/* Shared helpers for the libFuzzer targets: split the input into NUL-separated fields. */
#ifndef VO_FUZZ_UTIL_H
#define VO_FUZZ_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "voiceops.h"

/* Once per process: the library must be initialised, as an embedding program would. */
static inline void fuzz_init(void)
{
    static int done;
    if (!done) {
        if (vo_init() != VO_OK)
            abort();
        done = 1;
    }
}

typedef struct fuzz_fields {
    char *copy;       /* NUL-terminated copy of the input */
    const char *f[8]; /* up to 8 fields; missing ones are NULL */
    size_t len[8];
    size_t n;
} fuzz_fields;

/* Split data at NUL bytes into at most `max` fields; the last field takes the rest. */
static inline void fuzz_split(fuzz_fields *ff, const uint8_t *data, size_t size, size_t max)
{
    memset(ff, 0, sizeof(*ff));
    ff->copy = malloc(size + 1);
    if (!ff->copy)
        abort();
    memcpy(ff->copy, data, size);
    ff->copy[size] = '\0';
    size_t start = 0;
    for (size_t i = 0; i <= size && ff->n < max; i++) {
        if (i == size || (ff->copy[i] == '\0' && ff->n + 1 < max)) {
            ff->f[ff->n] = ff->copy + start;
            ff->len[ff->n] = i - start;
            ff->n++;
            start = i + 1;
        }
    }
}

static inline void fuzz_free(fuzz_fields *ff)
{
    free(ff->copy);
}

#endif
