/* testutil.h -- what every Check suite shares: a main() that runs one suite.
 *
 * Each tests/check_MODULE.c defines `Suite *MODULE_suite(void)` and ends with
 * TEST_MAIN(MODULE_suite).  CK_FORK is left to Check's default (fork), so a
 * crash in one test is reported as an error, not the end of the run.
 */
#ifndef TLSDIAG_TESTUTIL_H
#define TLSDIAG_TESTUTIL_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* A whole file (a fixture, a capture), NUL-terminated for PEM text; the
 * test fails if it cannot be read.  The caller frees it. */
static inline uint8_t *
tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_msg(n >= 0, "%s: cannot tell its size", path);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = 0;
	*len = (size_t)n;
	return buf;
}

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
