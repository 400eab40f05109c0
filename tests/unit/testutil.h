/* Shared helpers for the Check suites. */
#ifndef VO_TESTUTIL_H
#define VO_TESTUTIL_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "voiceops.h"

/* Every suite runs with the library initialised, in fork mode unless CK_FORK=no. */
#define VO_TEST_MAIN(suite_fn)                        \
  int main(void)                                      \
  {                                                   \
    if (vo_init() != VO_OK)                           \
      return 2;                                       \
    SRunner *sr = srunner_create(suite_fn());         \
    srunner_run_all(sr, CK_ENV);                      \
    int failed = srunner_ntests_failed(sr);           \
    srunner_free(sr);                                 \
    vo_shutdown();                                    \
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE; \
  }

#define ck_assert_vo_ok(expr)                                                    \
  do {                                                                           \
    int rc_ = (expr);                                                            \
    ck_assert_msg(rc_ == VO_OK, "%s returned %s: %s", #expr, vo_error_name(rc_), \
                  vo_error_last()->message);                                     \
  } while (0)

#define ck_assert_vo_rc(expr, want)                                                         \
  do {                                                                                      \
    int rc_ = (expr);                                                                       \
    ck_assert_msg(rc_ == (want), "%s returned %s, want %s (%s)", #expr, vo_error_name(rc_), \
                  vo_error_name(want), vo_error_last()->message);                           \
  } while (0)

#endif
