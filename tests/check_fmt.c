/* check_fmt.c -- times and addresses as every output writes them. */
#include <string.h>

#include "testutil.h"
#include "tlsdiag/fmt.h"

static const struct {
	uint64_t ts;
	const char *want;
} ts_cases[] = {
    {0, "1970-01-01T00:00:00.000000Z"},
    {1764152523123456ull, "2025-11-26T10:22:03.123456Z"},
    {951782400000001ull, "2000-02-29T00:00:00.000001Z"}, /* leap day */
    {4102444799999999ull, "2099-12-31T23:59:59.999999Z"},
};

START_TEST(test_ts)
{
	char buf[FMT_TS_SIZE];

	fmt_ts(buf, ts_cases[_i].ts);
	ck_assert_str_eq(buf, ts_cases[_i].want);
}
END_TEST

static const struct {
	int af;
	uint8_t addr[16];
	uint16_t port;
	const char *want;
} ep_cases[] = {
    {4, {10, 0, 0, 5}, 51514, "10.0.0.5:51514"},
    {4, {255, 255, 255, 255}, 65535, "255.255.255.255:65535"},
    {6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 443,
     "[2001:db8::1]:443"},
    {6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 0, "[::1]:0"},
    /* RFC 5952 4.2.2: a single zero field is not compressed. */
    {6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, 8443,
     "[2001:db8:0:1:1:1:1:1]:8443"},
    {6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1}, 80,
     "[::ffff:192.0.2.1]:80"},
};

START_TEST(test_endpoint)
{
	char buf[FMT_ENDPOINT_SIZE];

	fmt_endpoint(buf, ep_cases[_i].af, ep_cases[_i].addr,
	    ep_cases[_i].port);
	ck_assert_str_eq(buf, ep_cases[_i].want);
}
END_TEST

/* The longest IPv6 endpoint fits its buffer whole. */
START_TEST(test_endpoint_longest)
{
	uint8_t a[16];
	char buf[FMT_ENDPOINT_SIZE];

	memset(a, 0xff, sizeof(a));
	a[15] = 0xfe;
	fmt_endpoint(buf, 6, a, 65535);
	ck_assert_str_eq(buf,
	    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe]:65535");
}
END_TEST

static Suite *
fmt_suite(void)
{
	Suite *s = suite_create("fmt");
	TCase *tc = tcase_create("fmt");

	tcase_add_loop_test(tc, test_ts, 0,
	    (int)(sizeof(ts_cases) / sizeof(ts_cases[0])));
	tcase_add_loop_test(tc, test_endpoint, 0,
	    (int)(sizeof(ep_cases) / sizeof(ep_cases[0])));
	tcase_add_test(tc, test_endpoint_longest);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(fmt_suite)
