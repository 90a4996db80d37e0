/* testutil.h -- what every Check suite shares: a main() that runs one suite.
 *
 * Each tests/check_MODULE.c defines `Suite *MODULE_suite(void)` and ends with
 * TEST_MAIN(MODULE_suite).  CK_FORK is left to Check's default (fork), so a
 * crash in one test is reported as an error, not the end of the run.
 */
#ifndef TLSDIAG_TESTUTIL_H
#define TLSDIAG_TESTUTIL_H

#include <check.h>
#include <stdlib.h>

#define TEST_MAIN(suite_fn)                                                 \
	int main(void)                                                      \
	{                                                                   \
		SRunner *sr = srunner_create(suite_fn());                   \
		int nfail;                                                  \
		srunner_run_all(sr, CK_NORMAL);                             \
		nfail = srunner_ntests_failed(sr);                          \
		srunner_free(sr);                                           \
		return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;            \
	}

#endif
