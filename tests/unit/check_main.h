/*
 * check_main: the main() of every Check test program. Verbosity and the TAP log come from the
 * environment (CK_VERBOSITY, CK_TAP_LOG_FILE_NAME), as tests/meson.build sets them.
 */
#ifndef HYLLA_TESTS_CHECK_MAIN_H
#define HYLLA_TESTS_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

#define CHECK_MAIN(make_suite)                                                                     \
    int main(void)                                                                                 \
    {                                                                                              \
        SRunner *runner = srunner_create(make_suite());                                            \
        srunner_run_all(runner, CK_ENV);                                                           \
        int failed = srunner_ntests_failed(runner);                                                \
        srunner_free(runner);                                                                      \
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;                                               \
    }

#endif
