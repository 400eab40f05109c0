/**
 * @file voiceops/common.h
 * @brief Export macro, version query, library initialisation and shared small types.
 *
 * Every other public header includes this one. It compiles alone as C99 and C++.
 */
#ifndef VOICEOPS_COMMON_H
#define VOICEOPS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @def VO_EXTERN
 * Marks a function as part of the public ABI. The library is built with hidden symbol
 * visibility; only declarations carrying this macro are exported from the shared object.
 */
#if defined(_WIN32) || defined(__CYGWIN__)
#  if defined(VO_BUILDING_LIBRARY) && !defined(VO_STATIC)
#    define VO_EXTERN __declspec(dllexport)
#  elif !defined(VO_STATIC)
#    define VO_EXTERN __declspec(dllimport)
#  else
#    define VO_EXTERN
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define VO_EXTERN __attribute__((visibility("default")))
#else
#  define VO_EXTERN
#endif

/**
 * @def VO_NODISCARD
 * Marks a function whose return value must be used (GCC/Clang warn_unused_result): for example
 * every verify function, so that ignoring a failed verification is a compiler warning.
 */
#ifndef VO_NODISCARD
#  if defined(__GNUC__)
#    define VO_NODISCARD __attribute__((warn_unused_result))
#  else
#    define VO_NODISCARD
#  endif
#endif

/** Compile-time version of the headers. Compare with vo_version() at run time. */
#define VO_VERSION_MAJOR 0
#define VO_VERSION_MINOR 2
#define VO_VERSION_PATCH 0
#define VO_VERSION_STRING "0.2.0"
/** Version as one number: major * 10000 + minor * 100 + patch. */
#define VO_VERSION_NUMBER (VO_VERSION_MAJOR * 10000 + VO_VERSION_MINOR * 100 + VO_VERSION_PATCH)

/**
 * ABI number of these headers: the shared library's soname is `libvoiceops.so.<VO_ABI_VERSION>`.
 * It changes whenever a compiled caller could break (a struct's layout or a function's
 * signature changes incompatibly). Compare with vo_abi_version() at run time; a binding
 * refuses a library whose ABI number differs from the one it was written for.
 */
#define VO_ABI_VERSION 1

/**
 * A name/value pair of NUL-terminated strings: a form parameter, a query parameter or an
 * HTTP header. The library never takes ownership of the strings.
 */
typedef struct vo_param {
    const char *name;
    const char *value;
} vo_param;

/**
 * Version of the library that is linked at run time, e.g. "0.2.0".
 *
 * @param major, minor, patch  may each be NULL; receive the version components.
 * @return a static string; never NULL. Thread-safe; callable before vo_init().
 */
VO_EXTERN const char *vo_version(int *major, int *minor, int *patch);

/**
 * ABI number of the library linked at run time (VO_ABI_VERSION of the headers it was built
 * with). Thread-safe; callable before vo_init().
 */
VO_EXTERN int vo_abi_version(void);

/**
 * Whether an optional part was compiled into the library linked at run time. Names:
 * - "sqlite": the SQLite vault backend (always 1 today);
 * - "postgres": the PostgreSQL vault backend (built when libpq was found; meson option
 *   `postgresql`);
 * - "fuzz": a fuzzing build (libFuzzer instrumentation; never use it in production);
 * - "http2": the libcurl in use can speak HTTP/2 (a run-time property of libcurl).
 *
 * @param name  a feature name (case-sensitive).
 * @return 1 when compiled in, 0 when not, also for NULL or an unknown name.
 * Thread-safe; callable before vo_init().
 */
VO_EXTERN int vo_feature_enabled(const char *name);

/**
 * Initialise the library: libsodium (sodium_init), libcurl (curl_global_init) and the
 * crypto primitives used for webhook verification.
 *
 * Reference-counted: every successful call must be matched by one vo_shutdown(); only the
 * first call does the work. Call it once from the main thread before starting other threads
 * that use the library (libcurl's global init is not thread-safe on every platform).
 *
 * Nothing in libvoiceops is initialised lazily: functions that need the library to be
 * initialised return VO_ENOTINIT when it is not.
 *
 * @return VO_OK, or VO_ECRYPTO / VO_ENETWORK / VO_ENOMEM if a dependency fails to initialise.
 */
VO_EXTERN int vo_init(void);

/**
 * Release what vo_init() acquired once the reference count drops to zero. Extra calls
 * (more shutdowns than inits) are ignored.
 *
 * @return the remaining reference count (0 when the library is now shut down).
 */
VO_EXTERN int vo_shutdown(void);

/** @return non-zero when vo_init() has been called more times than vo_shutdown(). */
VO_EXTERN int vo_is_initialized(void);

/**
 * Free memory that the library allocated and handed to the caller (strings returned through
 * `char **` out-parameters). Accepts NULL.
 *
 * Such memory carries a hidden tag, so misuse is reported instead of corrupting the heap:
 * a handle (use its own *_free / *_close function), a string freed twice, or a pointer the
 * library never handed out is left alone, and the call records VO_EHANDLE in
 * vo_error_last() and logs it at error level. Detection of a double free lasts while the
 * block is in the library's quarantine of the last 1024 freed blocks (see docs/handles.md).
 * Thread-safe.
 */
VO_EXTERN void vo_free(void *ptr);

#ifdef __cplusplus
}
#endif

#endif /* VOICEOPS_COMMON_H */
