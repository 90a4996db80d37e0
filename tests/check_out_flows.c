/* check_out_flows.c -- the --flows line: counts, who closed, extras. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tlsdiag/out_flows.h"

static struct flow
mkflow(void)
{
	struct flow f;

	memset(&f, 0, sizeof(f));
	f.af = 4;
	memcpy(f.addr[FLOW_C2S], "\x0a\x00\x00\x05", 4);
	memcpy(f.addr[FLOW_S2C], "\x5d\xb8\xd8\x22", 4);
	f.port[FLOW_C2S] = 51514;
	f.port[FLOW_S2C] = 443;
	f.first_ts = 1764152523123456ull;
	f.last_ts = f.first_ts + 84211;
	f.dir[FLOW_C2S].pkts = 9;
	f.dir[FLOW_C2S].wire_bytes = 1180;
	f.dir[FLOW_C2S].rs.delivered = 517;
	f.dir[FLOW_S2C].pkts = 8;
	f.dir[FLOW_S2C].wire_bytes = 5442;
	f.dir[FLOW_S2C].rs.delivered = 4900;
	return f;
}

static char *
line(const struct flow *f, enum flow_end why)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(m);
	out_flows_line(m, f, why);
	fclose(m);
	return buf;
}

START_TEST(test_basic)
{
	struct flow f = mkflow();
	char *s;

	f.dir[FLOW_C2S].fin = true;
	f.dir[FLOW_C2S].fin_ts = f.first_ts + 80000;
	f.dir[FLOW_S2C].fin = true;
	f.dir[FLOW_S2C].fin_ts = f.first_ts + 80100;
	s = line(&f, FLOW_END_INPUT);
	ck_assert_str_eq(s, "2025-11-26T10:22:03.123456Z 10.0.0.5:51514 > "
	    "93.184.216.34:443 c2s 9 pkts 1180 bytes 517 data s2c 8 pkts "
	    "5442 bytes 4900 data close fin-by-client end input dur 0.084211");
	free(s);
}
END_TEST

/* Who closed: the first RST wins over any FIN; one FIN is a half close. */
static const struct {
	bool crst, srst, cfin, sfin;
	uint64_t crst_ts, srst_ts, cfin_ts, sfin_ts;
	const char *want;
} close_cases[] = {
    {false, false, false, false, 0, 0, 0, 0, " close none "},
    {true, false, false, false, 5, 0, 0, 0, " close rst-by-client "},
    {false, true, true, false, 0, 9, 5, 0, " close rst-by-server "},
    {true, true, false, false, 7, 6, 0, 0, " close rst-by-server "},
    {false, false, false, true, 0, 0, 0, 3, " close fin-by-server-half "},
    {false, false, true, true, 0, 0, 4, 3, " close fin-by-server "},
};

START_TEST(test_close)
{
	struct flow f = mkflow();
	char *s;

	f.dir[FLOW_C2S].rst = close_cases[_i].crst;
	f.dir[FLOW_S2C].rst = close_cases[_i].srst;
	f.dir[FLOW_C2S].fin = close_cases[_i].cfin;
	f.dir[FLOW_S2C].fin = close_cases[_i].sfin;
	f.dir[FLOW_C2S].rst_ts = close_cases[_i].crst_ts;
	f.dir[FLOW_S2C].rst_ts = close_cases[_i].srst_ts;
	f.dir[FLOW_C2S].fin_ts = close_cases[_i].cfin_ts;
	f.dir[FLOW_S2C].fin_ts = close_cases[_i].sfin_ts;
	s = line(&f, FLOW_END_TIMEOUT);
	ck_assert_msg(strstr(s, close_cases[_i].want) != NULL, "%s", s);
	ck_assert_msg(strstr(s, " end timeout ") != NULL, "%s", s);
	free(s);
}
END_TEST

/* Extras appear only when non-zero, as client/server pairs. */
START_TEST(test_extras)
{
	struct flow f = mkflow();
	char *s;

	s = line(&f, FLOW_END_EVICTED);
	ck_assert_ptr_null(strstr(s, "gaps"));
	ck_assert_ptr_null(strstr(s, "retrans"));
	ck_assert_ptr_null(strstr(s, "sides-guessed"));
	free(s);
	f.dir[FLOW_S2C].rs.gaps = 2;
	f.dir[FLOW_S2C].rs.gap_bytes = 2896;
	f.dir[FLOW_C2S].rs.retrans = 1;
	f.dir[FLOW_S2C].rs.conflicts = 3;
	f.client_guessed = true;
	f.af = 6;
	memset(f.addr[FLOW_C2S], 0, 16);
	f.addr[FLOW_C2S][15] = 1;
	s = line(&f, FLOW_END_EVICTED);
	ck_assert_msg(strstr(s, " [::1]:51514 > ") != NULL, "%s", s);
	ck_assert_msg(strstr(s, " end evicted ") != NULL, "%s", s);
	ck_assert_msg(strstr(s, " gaps 0/2 gap-bytes 0/2896 retrans 1/0 "
	    "conflicts 0/3 sides-guessed") != NULL, "%s", s);
	free(s);
}
END_TEST

static Suite *
out_flows_suite(void)
{
	Suite *s = suite_create("out_flows");
	TCase *tc = tcase_create("line");

	tcase_add_test(tc, test_basic);
	tcase_add_loop_test(tc, test_close, 0,
	    (int)(sizeof(close_cases) / sizeof(close_cases[0])));
	tcase_add_test(tc, test_extras);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(out_flows_suite)
