/* check_metrics.c -- the Prometheus registry, its exposition and its
 * HTTP endpoint.
 *
 * The exposition is checked line by line as a scraper reads it; the
 * server-name series are checked for their bound (K + 1 whatever the
 * names), their sum, their monotonicity and the escaping of hostile names;
 * the endpoint is fetched over a real socket.  When promtool (Debian's
 * prometheus package) is installed, it validates the exposition too.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "testutil.h"
#include "tlsdiag/metrics.h"

/* The whole exposition of m, NUL-terminated; the caller frees it. */
static char *
render_str(struct metrics *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(metrics_render(m, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

/* True if `line` (without its newline) is a whole line of text. */
static bool
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
		p++;
	}
	return false;
}

/* Lines starting with prefix. */
static size_t
count_prefix(const char *text, const char *prefix)
{
	size_t n = 0, plen = strlen(prefix);
	const char *p = text;

	for (; *p != '\0'; p = strchr(p, '\n') + 1) {
		if (strncmp(p, prefix, plen) == 0)
			n++;
		if (strchr(p, '\n') == NULL)
			break;
	}
	return n;
}

/* Sum of the values of the lines starting with prefix. */
static uint64_t
sum_prefix(const char *text, const char *prefix)
{
	uint64_t sum = 0;
	size_t plen = strlen(prefix);
	const char *p = text, *sp;

	for (; *p != '\0'; p = strchr(p, '\n') + 1) {
		if (strncmp(p, prefix, plen) == 0) {
			sp = strchr(p, '\n');
			while (sp > p && sp[-1] != ' ')
				sp--;
			sum += strtoull(sp, NULL, 10);
		}
		if (strchr(p, '\n') == NULL)
			break;
	}
	return sum;
}

/* A task id from /proc (digits only), or -1. */
static pid_t
task_id(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s != '\0' && *end == '\0' ? (pid_t)v : -1;
}

static void
count_failure(struct metrics *m, const char *cause, const char *sni)
{
	metrics_count_result(m, "failed", cause, "server", (const uint8_t *)sni,
			     sni != NULL ? strlen(sni) : 0);
}

/* A fresh registry: every family announced, every scalar at 0, the four
 * results at 0, no cause yet, server="other" at 0 and no drops (not a live
 * capture). */
static const char empty_exposition[] =
    "# HELP tlsdiag_handshakes_total TLS handshakes whose outcome is known, "
    "by result.\n"
    "# TYPE tlsdiag_handshakes_total counter\n"
    "tlsdiag_handshakes_total{result=\"established\"} 0\n"
    "tlsdiag_handshakes_total{result=\"failed\"} 0\n"
    "tlsdiag_handshakes_total{result=\"incomplete\"} 0\n"
    "tlsdiag_handshakes_total{result=\"not_tls\"} 0\n"
    "# HELP tlsdiag_failures_total Failed TLS handshakes by cause and the "
    "side that must fix it.\n"
    "# TYPE tlsdiag_failures_total counter\n"
    "# HELP tlsdiag_server_failures_total Failed TLS handshakes by server "
    "name (SNI), for the servers with the most failures; the rest are "
    "server=\"other\".\n"
    "# TYPE tlsdiag_server_failures_total counter\n"
    "tlsdiag_server_failures_total{server=\"other\"} 0\n"
    "# HELP tlsdiag_metrics_labels_rejected_total Results with an unknown "
    "result name, or failures whose cause label was invalid or past the "
    "series cap (counted as cause=\"other\").\n"
    "# TYPE tlsdiag_metrics_labels_rejected_total counter\n"
    "tlsdiag_metrics_labels_rejected_total 0\n"
    "# HELP tlsdiag_capture_packets_total Packets read from the capture.\n"
    "# TYPE tlsdiag_capture_packets_total counter\n"
    "tlsdiag_capture_packets_total 0\n"
    "# HELP tlsdiag_capture_bytes_total Bytes of the packets read, as long "
    "as they were on the wire.\n"
    "# TYPE tlsdiag_capture_bytes_total counter\n"
    "tlsdiag_capture_bytes_total 0\n"
    "# HELP tlsdiag_capture_drops_total Packets dropped before tlsdiag read "
    "them: by the kernel (its buffer was full) or by the interface.  Live "
    "captures only.\n"
    "# TYPE tlsdiag_capture_drops_total counter\n"
    "# HELP tlsdiag_flows_active TCP connections in the flow table.\n"
    "# TYPE tlsdiag_flows_active gauge\n"
    "tlsdiag_flows_active 0\n"
    "# HELP tlsdiag_flows_created_total TCP connections added to the flow "
    "table.\n"
    "# TYPE tlsdiag_flows_created_total counter\n"
    "tlsdiag_flows_created_total 0\n"
    "# HELP tlsdiag_flows_evicted_total TCP connections evicted because the "
    "flow table was full or memory was short (tlsdiag_memory_shed_total).\n"
    "# TYPE tlsdiag_flows_evicted_total counter\n"
    "tlsdiag_flows_evicted_total 0\n"
    "# HELP tlsdiag_cert_cache_hits_total Certificates found in the cache "
    "(already parsed and judged).\n"
    "# TYPE tlsdiag_cert_cache_hits_total counter\n"
    "tlsdiag_cert_cache_hits_total 0\n"
    "# HELP tlsdiag_cert_cache_misses_total Certificates not in the cache, "
    "parsed and judged.\n"
    "# TYPE tlsdiag_cert_cache_misses_total counter\n"
    "tlsdiag_cert_cache_misses_total 0\n"
    "# HELP tlsdiag_memory_used_bytes Bytes of buffers and per-connection "
    "state charged to the memory budget.\n"
    "# TYPE tlsdiag_memory_used_bytes gauge\n"
    "tlsdiag_memory_used_bytes 0\n"
    "# HELP tlsdiag_memory_budget_bytes The memory budget (--max-memory).\n"
    "# TYPE tlsdiag_memory_budget_bytes gauge\n"
    "tlsdiag_memory_budget_bytes 0\n"
    "# HELP tlsdiag_memory_peak_bytes The highest use of the memory budget so "
    "far.\n"
    "# TYPE tlsdiag_memory_peak_bytes gauge\n"
    "tlsdiag_memory_peak_bytes 0\n"
    "# HELP tlsdiag_memory_kind_used_bytes Bytes charged to the memory "
    "budget, by what uses them.\n"
    "# TYPE tlsdiag_memory_kind_used_bytes gauge\n"
    "tlsdiag_memory_kind_used_bytes{kind=\"flows\"} 0\n"
    "tlsdiag_memory_kind_used_bytes{kind=\"reassembly\"} 0\n"
    "tlsdiag_memory_kind_used_bytes{kind=\"connections\"} 0\n"
    "tlsdiag_memory_kind_used_bytes{kind=\"kept_packets\"} 0\n"
    "tlsdiag_memory_kind_used_bytes{kind=\"cert_cache\"} 0\n"
    "tlsdiag_memory_kind_used_bytes{kind=\"keylog\"} 0\n"
    "tlsdiag_memory_kind_used_bytes{kind=\"flow_table\"} 0\n"
    "tlsdiag_memory_kind_used_bytes{kind=\"fleet_tables\"} 0\n"
    "# HELP tlsdiag_memory_shed_total Items dropped to bring the memory "
    "budget back under its low-water mark: flows by state, certificate cache "
    "entries.\n"
    "# TYPE tlsdiag_memory_shed_total counter\n"
    "tlsdiag_memory_shed_total{kind=\"flow_opening\"} 0\n"
    "tlsdiag_memory_shed_total{kind=\"flow_active\"} 0\n"
    "tlsdiag_memory_shed_total{kind=\"flow_decided\"} 0\n"
    "tlsdiag_memory_shed_total{kind=\"flow_closed\"} 0\n"
    "tlsdiag_memory_shed_total{kind=\"cert_cache\"} 0\n"
    "# HELP tlsdiag_memory_refused_total Allocations refused because the "
    "memory budget was full, by what asked.\n"
    "# TYPE tlsdiag_memory_refused_total counter\n"
    "tlsdiag_memory_refused_total{kind=\"flows\"} 0\n"
    "tlsdiag_memory_refused_total{kind=\"reassembly\"} 0\n"
    "tlsdiag_memory_refused_total{kind=\"connections\"} 0\n"
    "tlsdiag_memory_refused_total{kind=\"kept_packets\"} 0\n"
    "tlsdiag_memory_refused_total{kind=\"cert_cache\"} 0\n"
    "tlsdiag_memory_refused_total{kind=\"keylog\"} 0\n"
    "tlsdiag_memory_refused_total{kind=\"flow_table\"} 0\n"
    "tlsdiag_memory_refused_total{kind=\"fleet_tables\"} 0\n";

START_TEST(test_empty)
{
	struct metrics *m = metrics_new();
	char *t = render_str(m);

	ck_assert_str_eq(t, empty_exposition);
	free(t);
	metrics_free(m);
}
END_TEST

/* Stats snapshots replace the values; drops appear once the capture is
 * live. */
START_TEST(test_setters)
{
	struct metrics *m = metrics_new();
	struct cap_stats cs = {.packets = 1234,
			       .bytes = 987654321,
			       .have_kernel = true,
			       .kernel_drop = 17,
			       .iface_drop = 3};
	struct flow_stats fs;
	char *t;

	memset(&fs, 0, sizeof(fs));
	fs.active = 42;
	fs.created = 1000;
	fs.ended[FLOW_END_EVICTED] = 9;
	fs.ended[FLOW_END_TIMEOUT] = 500;
	metrics_set_capture(m, &cs);
	metrics_set_flows(m, &fs);
	metrics_set_memory(m, (size_t)3 << 30);
	metrics_set_cert_cache(m, 77, 5);
	fs.active = 40; /* a later snapshot wins */
	metrics_set_flows(m, &fs);
	t = render_str(m);
	ck_assert(has_line(t, "tlsdiag_capture_packets_total 1234"));
	ck_assert(has_line(t, "tlsdiag_capture_bytes_total 987654321"));
	ck_assert(
	    has_line(t, "tlsdiag_capture_drops_total{where=\"kernel\"} 17"));
	ck_assert(
	    has_line(t, "tlsdiag_capture_drops_total{where=\"interface\"} 3"));
	ck_assert(has_line(t, "tlsdiag_flows_active 40"));
	ck_assert(has_line(t, "tlsdiag_flows_created_total 1000"));
	ck_assert(has_line(t, "tlsdiag_flows_evicted_total 9"));
	ck_assert(has_line(t, "tlsdiag_memory_used_bytes 3221225472"));
	ck_assert(has_line(t, "tlsdiag_cert_cache_hits_total 77"));
	ck_assert(has_line(t, "tlsdiag_cert_cache_misses_total 5"));
	free(t);
	metrics_free(m);
}
END_TEST

/* Which results count as failures, and under which labels. */
static const struct {
	const char *result, *cause, *fix;
	const char *hs_line;   /* the handshakes line that must read 1 */
	const char *fail_line; /* the failures line, NULL: no failure */
	uint64_t rejected;
} result_cases[] = {
    {"established", NULL, NULL,
     "tlsdiag_handshakes_total{result=\"established\"} 1", NULL, 0},
    /* An established handshake is never a failure, whatever the caller
     * passes as a cause. */
    {"established", "cert_expired", "server",
     "tlsdiag_handshakes_total{result=\"established\"} 1", NULL, 0},
    {"failed", "cert_expired", "server",
     "tlsdiag_handshakes_total{result=\"failed\"} 1",
     "tlsdiag_failures_total{cause=\"cert_expired\",fix_side=\"server\"} 1", 0},
    /* A failure with no cause is an honest "unknown". */
    {"failed", NULL, NULL, "tlsdiag_handshakes_total{result=\"failed\"} 1",
     "tlsdiag_failures_total{cause=\"unknown\",fix_side=\"unknown\"} 1", 0},
    {"failed", "client_clock", NULL,
     "tlsdiag_handshakes_total{result=\"failed\"} 1",
     "tlsdiag_failures_total{cause=\"client_clock\",fix_side=\"unknown\"} 1",
     0},
    /* incomplete and not_tls are failures only when given a cause. */
    {"incomplete", NULL, NULL,
     "tlsdiag_handshakes_total{result=\"incomplete\"} 1", NULL, 0},
    {"incomplete", "no_server_response", "server",
     "tlsdiag_handshakes_total{result=\"incomplete\"} 1",
     "tlsdiag_failures_total{cause=\"no_server_response\","
     "fix_side=\"server\"} 1",
     0},
    {"not_tls", "not_tls", "client",
     "tlsdiag_handshakes_total{result=\"not_tls\"} 1",
     "tlsdiag_failures_total{cause=\"not_tls\",fix_side=\"client\"} 1", 0},
    /* Labels that are not [a-z][a-z0-9_]* are not written as given. */
    {"failed", "Cert-Expired", "server",
     "tlsdiag_handshakes_total{result=\"failed\"} 1",
     "tlsdiag_failures_total{cause=\"other\",fix_side=\"other\"} 1", 1},
    {"failed", "x\"} 1\nevil", "server",
     "tlsdiag_handshakes_total{result=\"failed\"} 1",
     "tlsdiag_failures_total{cause=\"other\",fix_side=\"other\"} 1", 1},
    {"failed", "cert_expired", "",
     "tlsdiag_handshakes_total{result=\"failed\"} 1",
     "tlsdiag_failures_total{cause=\"other\",fix_side=\"other\"} 1", 1},
    {"failed", "a_cause_label_that_is_33_bytes_xx", "server",
     "tlsdiag_handshakes_total{result=\"failed\"} 1",
     "tlsdiag_failures_total{cause=\"other\",fix_side=\"other\"} 1", 1},
    {"failed", "a_cause_label_that_is_32_bytes_x", "server",
     "tlsdiag_handshakes_total{result=\"failed\"} 1",
     "tlsdiag_failures_total{cause=\"a_cause_label_that_is_32_bytes_x\","
     "fix_side=\"server\"} 1",
     0},
    /* An unknown result counts nowhere but in the rejected counter. */
    {"succeeded", NULL, NULL, "tlsdiag_metrics_labels_rejected_total 1", NULL,
     1},
};

START_TEST(test_results)
{
	struct metrics *m = metrics_new();
	char *t, rej[64];

	metrics_count_result(m, result_cases[_i].result, result_cases[_i].cause,
			     result_cases[_i].fix, (const uint8_t *)"a.example",
			     9);
	t = render_str(m);
	ck_assert_msg(has_line(t, result_cases[_i].hs_line), "%s", t);
	ck_assert_uint_eq(sum_prefix(t, "tlsdiag_handshakes_total{"),
			  result_cases[_i].rejected != 0 &&
				  result_cases[_i].fail_line == NULL
			      ? 0
			      : 1);
	if (result_cases[_i].fail_line != NULL) {
		ck_assert_msg(has_line(t, result_cases[_i].fail_line), "%s", t);
		ck_assert_uint_eq(count_prefix(t, "tlsdiag_failures_total{"),
				  1);
		ck_assert(has_line(
		    t,
		    "tlsdiag_server_failures_total{server=\"a.example\"} 1"));
	} else {
		ck_assert_uint_eq(count_prefix(t, "tlsdiag_failures_total{"),
				  0);
		ck_assert_uint_eq(
		    sum_prefix(t, "tlsdiag_server_failures_total{"), 0);
	}
	snprintf(rej, sizeof(rej), "tlsdiag_metrics_labels_rejected_total %u",
		 (unsigned)result_cases[_i].rejected);
	ck_assert(has_line(t, rej));
	free(t);
	metrics_free(m);
}
END_TEST

/* Causes sort by label, not by arrival, so two scrapes of the same counts
 * read the same. */
START_TEST(test_cause_order)
{
	struct metrics *m = metrics_new();
	char *t;

	count_failure(m, "cert_self_signed", "a");
	count_failure(m, "cert_expired", "a");
	count_failure(m, "cert_self_signed", "a");
	metrics_count_result(m, "failed", "cert_expired", "client", NULL, 0);
	t = render_str(m);
	ck_assert_ptr_nonnull(
	    strstr(t, "tlsdiag_failures_total{cause=\"cert_expired\",fix_side="
		      "\"client\"} 1\n"
		      "tlsdiag_failures_total{cause=\"cert_expired\",fix_side="
		      "\"server\"} 1\n"
		      "tlsdiag_failures_total{cause=\"cert_self_signed\","
		      "fix_side=\"server\"} 2\n"));
	free(t);
	metrics_free(m);
}
END_TEST

/* The cause pairs are capped: past METRICS_CAUSES_MAX they all go to
 * cause="other" and each is counted as rejected. */
START_TEST(test_cause_cap)
{
	struct metrics *m = metrics_new();
	char cause[32], *t, line[128];
	int i;

	for (i = 0; i < METRICS_CAUSES_MAX + 10; i++) {
		snprintf(cause, sizeof(cause), "cause_%03d", i);
		count_failure(m, cause, "a");
	}
	count_failure(m, "cause_000", "a"); /* a known pair still counts */
	t = render_str(m);
	ck_assert_uint_eq(count_prefix(t, "tlsdiag_failures_total{"),
			  METRICS_CAUSES_MAX + 1);
	ck_assert(has_line(t, "tlsdiag_failures_total{cause=\"cause_000\",fix_"
			      "side=\"server\"} 2"));
	snprintf(line, sizeof(line),
		 "tlsdiag_failures_total{cause=\"cause_%03d\",fix_side="
		 "\"server\"} 1",
		 METRICS_CAUSES_MAX - 1);
	ck_assert(has_line(t, line));
	ck_assert(has_line(
	    t,
	    "tlsdiag_failures_total{cause=\"other\",fix_side=\"other\"} 10"));
	ck_assert(has_line(t, "tlsdiag_metrics_labels_rejected_total 10"));
	ck_assert_uint_eq(sum_prefix(t, "tlsdiag_failures_total{"),
			  METRICS_CAUSES_MAX + 11);
	free(t);
	metrics_free(m);
}
END_TEST

/* Hostile and odd server names, as the exposition must carry them. */
static const struct {
	const char *sni;
	size_t len;
	const char *line;
} sni_cases[] = {
    {"www.example.com", 15,
     "tlsdiag_server_failures_total{server=\"www.example.com\"} 1"},
    /* DNS is case-insensitive and the root dot is implied. */
    {"WWW.Example.COM..", 17,
     "tlsdiag_server_failures_total{server=\"www.example.com\"} 1"},
    /* The text format's three escapes. */
    {"a\"b", 3, "tlsdiag_server_failures_total{server=\"a\\\"b\"} 1"},
    {"a\\b", 3, "tlsdiag_server_failures_total{server=\"a\\\\b\"} 1"},
    {"a\nb", 3, "tlsdiag_server_failures_total{server=\"a\\nb\"} 1"},
    /* An attempt to forge a second series. */
    {"x\"} 99\ntlsdiag_flows_active{a=\"", 31,
     "tlsdiag_server_failures_total{server=\"x\\\"} 99\\ntlsdiag_flows_active"
     "{a=\\\"\"} 1"},
    /* Control bytes, NUL, DEL, non-ASCII (valid UTF-8 or not) and '%'
     * itself are percent-encoded. */
    {"a\rb\tc\x7f", 6,
     "tlsdiag_server_failures_total{server=\"a%0Db%09c%7F\"} 1"},
    {"nul\0byte", 8, "tlsdiag_server_failures_total{server=\"nul%00byte\"} 1"},
    {"b\xc3\xbc"
     "cher.de",
     10, "tlsdiag_server_failures_total{server=\"b%C3%BCcher.de\"} 1"},
    {"\xff\xfe", 2, "tlsdiag_server_failures_total{server=\"%FF%FE\"} 1"},
    {"\xe2\x80\xae"
     "moc.evil",
     11, "tlsdiag_server_failures_total{server=\"%E2%80%AEmoc.evil\"} 1"},
    {"100%.example", 12,
     "tlsdiag_server_failures_total{server=\"100%25.example\"} 1"},
    /* No SNI, an empty one, or only dots. */
    {NULL, 0, "tlsdiag_server_failures_total{server=\"none\"} 1"},
    {"", 0, "tlsdiag_server_failures_total{server=\"none\"} 1"},
    {"..", 2, "tlsdiag_server_failures_total{server=\"none\"} 1"},
    /* Names that would collide with the reserved values. */
    {"other", 5, "tlsdiag_server_failures_total{server=\"other.\"} 1"},
    {"OTHER.", 6, "tlsdiag_server_failures_total{server=\"other.\"} 1"},
    {"none", 4, "tlsdiag_server_failures_total{server=\"none.\"} 1"},
    {"others", 6, "tlsdiag_server_failures_total{server=\"others\"} 1"},
};

START_TEST(test_sni)
{
	struct metrics *m = metrics_new();
	char *t;

	metrics_count_result(m, "failed", "sni", "server",
			     (const uint8_t *)sni_cases[_i].sni,
			     sni_cases[_i].len);
	t = render_str(m);
	ck_assert_msg(has_line(t, sni_cases[_i].line), "%s", t);
	/* Exactly one name series plus other. */
	ck_assert_uint_eq(count_prefix(t, "tlsdiag_server_failures_total{"), 2);
	ck_assert(
	    has_line(t, "tlsdiag_server_failures_total{server=\"other\"} 0"));
	free(t);
	metrics_free(m);
}
END_TEST

/* Names longer than a DNS name are cut at METRICS_SERVER_MAX bytes;
 * names differing only past the cut share a series. */
START_TEST(test_sni_long)
{
	struct metrics *m = metrics_new();
	uint8_t sni[300];
	char line[400], *t;

	memset(sni, 'a', sizeof(sni));
	metrics_count_result(m, "failed", "sni", "server", sni, sizeof(sni));
	sni[299] = 'b';
	metrics_count_result(m, "failed", "sni", "server", sni, sizeof(sni));
	metrics_count_result(m, "failed", "sni", "server", sni,
			     METRICS_SERVER_MAX);
	t = render_str(m);
	snprintf(line, sizeof(line),
		 "tlsdiag_server_failures_total{server=\"%.*s\"} 3",
		 METRICS_SERVER_MAX, (const char *)sni);
	ck_assert_msg(has_line(t, line), "%s", t);
	free(t);
	metrics_free(m);
}
END_TEST

/* 10,000 distinct names: at most K + 1 series, adding up to the failures;
 * a heavy hitter among them keeps its series with (nearly) its whole
 * count: Space-Saving overestimates by at most N/K, and the exposed value
 * is the estimate less that error. */
static const size_t topk_ks[] = {METRICS_TOPK_DEFAULT, 100, 1, 10, 0};

START_TEST(test_topk_bound)
{
	size_t k = topk_ks[_i];
	struct metrics *m = metrics_new_topk(k);
	char name[64], *t;
	uint64_t big;
	int i;

	ck_assert_ptr_nonnull(m);
	for (i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "host%05d.example", i);
		count_failure(m, "cert_expired", name);
		if (i % 20 == 0)
			count_failure(m, "cert_expired", "big.example");
	}
	t = render_str(m);
	ck_assert_uint_le(count_prefix(t, "tlsdiag_server_failures_total{"),
			  k + 1);
	ck_assert_uint_eq(sum_prefix(t, "tlsdiag_server_failures_total{"),
			  10500);
	ck_assert_uint_eq(sum_prefix(t, "tlsdiag_failures_total{"), 10500);
	if (k == 0) {
		ck_assert(has_line(
		    t,
		    "tlsdiag_server_failures_total{server=\"other\"} 10500"));
	} else if (500 > 10500 / k) {
		/* A heavy hitter (over N/K of the N failures) is the first
		 * series and has lost at most N/K of its 500 failures to the
		 * error.  With a smaller K, 500 in 10,500 is no heavy
		 * hitter and nothing is promised. */
		ck_assert_msg(
		    strstr(
			t,
			"# TYPE tlsdiag_server_failures_total "
			"counter\ntlsdiag_server_failures_total{server=\"big."
			"example\"} ") != NULL,
		    "%s", t);
		big = sum_prefix(
		    t, "tlsdiag_server_failures_total{server=\"big.example\"}");
		ck_assert_uint_le(big, 500);
		ck_assert_uint_ge(big, 500 - 10500 / k);
	}
	free(t);
	metrics_free(m);
}
END_TEST

/* A fixed set of servers that fits in K is counted exactly. */
START_TEST(test_topk_exact)
{
	struct metrics *m = metrics_new_topk(3);
	char *t;
	int i;

	for (i = 0; i < 30; i++) {
		count_failure(m, "cert_expired", "a.example");
		if (i % 2 == 0)
			count_failure(m, "cert_expired", "b.example");
		if (i % 3 == 0)
			count_failure(m, "cert_expired", "c.example");
	}
	t = render_str(m);
	ck_assert_ptr_nonnull(
	    strstr(t, "tlsdiag_server_failures_total{server=\"a.example\"} 30\n"
		      "tlsdiag_server_failures_total{server=\"b.example\"} 15\n"
		      "tlsdiag_server_failures_total{server=\"c.example\"} 10\n"
		      "tlsdiag_server_failures_total{server=\"other\"} 0\n"));
	free(t);
	metrics_free(m);
}
END_TEST

/* What Prometheus requires of a counter, where the design promises it:
 * "other" never goes down, and neither does the series of a server that
 * stays in the table -- here the five servers with 12% of the failures
 * each, far above 1/K, among a churning tail of a thousand rare ones.
 * (A tail entry evicted and readmitted between two scrapes restarts from
 * its new count: a counter reset, which rate() handles; not checked.) */
START_TEST(test_topk_monotonic)
{
	static const char other[] =
	    "tlsdiag_server_failures_total{server=\"other\"}";
	struct metrics *m = metrics_new_topk(8);
	char name[64], prefix[128], *prev = NULL, *t;
	unsigned seed = 12345;
	int round, i, j;

	for (round = 0; round < 50; round++) {
		for (i = 0; i < 200; i++) {
			seed = seed * 1103515245u + 12345u;
			/* A few servers often, many servers rarely. */
			j = (int)((seed >> 16) % 1000);
			j = j < 600 ? j % 5 : j;
			snprintf(name, sizeof(name), "s%d.example", j);
			count_failure(m, "cert_expired", name);
		}
		t = render_str(m);
		ck_assert_uint_le(
		    count_prefix(t, "tlsdiag_server_failures_total{"), 9);
		ck_assert_uint_eq(
		    sum_prefix(t, "tlsdiag_server_failures_total{"),
		    (uint64_t)(round + 1) * 200);
		for (j = 0; j < 5; j++) {
			snprintf(prefix, sizeof(prefix),
				 "tlsdiag_server_failures_total{server=\"s%d."
				 "example\"}",
				 j);
			ck_assert_msg(count_prefix(t, prefix) == 1, "%s", t);
			if (prev != NULL)
				ck_assert_uint_ge(sum_prefix(t, prefix),
						  sum_prefix(prev, prefix));
		}
		if (prev != NULL)
			ck_assert_uint_ge(sum_prefix(t, other),
					  sum_prefix(prev, other));
		free(prev);
		prev = t;
	}
	/* The tail did churn: most of its failures ended in "other". */
	ck_assert_uint_gt(sum_prefix(prev, other), 2000);
	free(prev);
	metrics_free(m);
}
END_TEST

START_TEST(test_topk_limits)
{
	struct metrics *m;

	ck_assert_ptr_null(metrics_new_topk(METRICS_TOPK_MAX + 1));
	m = metrics_new_topk(METRICS_TOPK_MAX);
	ck_assert_ptr_nonnull(m);
	metrics_free(m);
	/* No --metrics: every call is a no-op. */
	metrics_count_result(NULL, "failed", NULL, NULL, NULL, 0);
	metrics_set_memory(NULL, 1);
	metrics_set_cert_cache(NULL, 1, 1);
	metrics_set_capture(NULL, &(struct cap_stats){.packets = 1});
	metrics_set_flows(NULL, &(struct flow_stats){.active = 1});
	metrics_free(NULL);
}
END_TEST

/* A write error is reported, not swallowed. */
START_TEST(test_render_error)
{
	struct metrics *m;
	FILE *f = fopen("/dev/full", "w");

	if (f == NULL)
		return; /* no /dev/full: nothing to test here */
	m = metrics_new();
	ck_assert_int_eq(metrics_render(m, f), -1);
	fclose(f);
	metrics_free(m);
}
END_TEST

/* --metrics ADDR:PORT, strictly. */
static const struct {
	const char *in;
	int family;	  /* 0: must fail */
	const char *addr; /* inet_ntop form */
	unsigned port;
	bool any;
	const char *err; /* the reason, after the quoted input */
} addr_cases[] = {
    {"127.0.0.1:9797", AF_INET, "127.0.0.1", 9797, false, NULL},
    {"0.0.0.0:80", AF_INET, "0.0.0.0", 80, false, NULL},
    {"[::1]:9797", AF_INET6, "::1", 9797, false, NULL},
    {"[::]:9797", AF_INET6, "::", 9797, false, NULL},
    {"[2001:db8::5]:65535", AF_INET6, "2001:db8::5", 65535, false, NULL},
    {":9797", AF_INET6, "::", 9797, true, NULL},
    {"127.0.0.1:0", AF_INET, "127.0.0.1", 0, false, NULL},
    {"", 0, NULL, 0, false, "expected ADDR:PORT, [ADDR]:PORT or :PORT"},
    {"9797", 0, NULL, 0, false, "expected ADDR:PORT, [ADDR]:PORT or :PORT"},
    {"127.0.0.1", 0, NULL, 0, false,
     "expected ADDR:PORT, [ADDR]:PORT or :PORT"},
    {"127.0.0.1:", 0, NULL, 0, false,
     "the port must be a number from 0 to 65535"},
    {"127.0.0.1:65536", 0, NULL, 0, false,
     "the port must be a number from 0 to 65535"},
    {"127.0.0.1:009797", 0, NULL, 0, false,
     "the port must be a number from 0 to 65535"},
    {"127.0.0.1:+80", 0, NULL, 0, false,
     "the port must be a number from 0 to 65535"},
    {"127.0.0.1:80 ", 0, NULL, 0, false,
     "the port must be a number from 0 to 65535"},
    {"127.0.0.1:http", 0, NULL, 0, false,
     "the port must be a number from 0 to 65535"},
    {"localhost:9797", 0, NULL, 0, false,
     "not a numeric IPv4 address (host names are not looked up)"},
    {"127.1:9797", 0, NULL, 0, false,
     "not a numeric IPv4 address (host names are not looked up)"},
    {"256.0.0.1:9797", 0, NULL, 0, false,
     "not a numeric IPv4 address (host names are not looked up)"},
    {" 127.0.0.1:9797", 0, NULL, 0, false,
     "not a numeric IPv4 address (host names are not looked up)"},
    {"::1:9797", 0, NULL, 0, false,
     "an IPv6 address goes in brackets: [ADDR]:PORT"},
    {"[::1]", 0, NULL, 0, false, "expected [ADDR]:PORT"},
    {"[::1]9797", 0, NULL, 0, false, "expected [ADDR]:PORT"},
    {"[::1:9797", 0, NULL, 0, false, "missing ']'"},
    {"[127.0.0.1]:9797", 0, NULL, 0, false, "not a numeric IPv6 address"},
    {"[fe80::1%eth0]:9797", 0, NULL, 0, false, "not a numeric IPv6 address"},
    {"[]:9797", 0, NULL, 0, false, "not a numeric IPv6 address"},
    {"*:9797", 0, NULL, 0, false,
     "not a numeric IPv4 address (host names are not looked up)"},
};

START_TEST(test_addr)
{
	struct metrics_addr a;
	char err[METRICS_ERR_SIZE], want[METRICS_ERR_SIZE], buf[64];
	const void *ip;
	unsigned port;
	int rc;

	err[0] = '\0';
	rc = metrics_parse_addr(addr_cases[_i].in, &a, err, sizeof(err));
	if (addr_cases[_i].family == 0) {
		ck_assert_int_eq(rc, -1);
		snprintf(want, sizeof(want),
			 "--metrics: invalid address '%s': %s",
			 addr_cases[_i].in, addr_cases[_i].err);
		ck_assert_str_eq(err, want);
		return;
	}
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_int_eq(a.ss.ss_family, addr_cases[_i].family);
	ck_assert_int_eq(a.any, addr_cases[_i].any);
	if (a.ss.ss_family == AF_INET) {
		ip = &((struct sockaddr_in *)&a.ss)->sin_addr;
		port = ntohs(((struct sockaddr_in *)&a.ss)->sin_port);
		ck_assert_uint_eq(a.len, sizeof(struct sockaddr_in));
	} else {
		ip = &((struct sockaddr_in6 *)&a.ss)->sin6_addr;
		port = ntohs(((struct sockaddr_in6 *)&a.ss)->sin6_port);
		ck_assert_uint_eq(a.len, sizeof(struct sockaddr_in6));
	}
	ck_assert_ptr_nonnull(inet_ntop(a.ss.ss_family, ip, buf, sizeof(buf)));
	ck_assert_str_eq(buf, addr_cases[_i].addr);
	ck_assert_uint_eq(port, addr_cases[_i].port);
}
END_TEST

/* HTTP over a real socket. */

/* Send req to host:port and read the whole answer (the request asks the
 * server to close).  NULL if the connection failed. */
static char *
http(int family, uint16_t port, const char *req)
{
	struct sockaddr_storage ss;
	struct timeval tv = {.tv_sec = 10};
	socklen_t len;
	size_t n = 0, cap = 1 << 16;
	char *buf = malloc(cap + 1);
	ssize_t r;
	int fd;

	ck_assert_ptr_nonnull(buf);
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		in6->sin6_addr = in6addr_loopback;
		len = sizeof(*in6);
	}
	fd = socket(family, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
		close(fd);
		free(buf);
		return NULL;
	}
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (n < cap && (r = read(fd, buf + n, cap - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = '\0';
	return buf;
}

static struct metrics *
serve(const char *addr)
{
	struct metrics *m = metrics_new();
	char err[METRICS_ERR_SIZE];

	ck_assert_msg(metrics_listen(m, addr, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_uint_ne(metrics_port(m), 0);
	ck_assert_msg(metrics_start(m, err, sizeof(err)) == 0, "%s", err);
	return m;
}

static const struct {
	const char *req;
	const char *status; /* the status line; NULL: no answer */
	const char *header; /* a header line that must be there */
	const char *body;   /* a body line that must be there, or NULL */
	bool empty_body;
} http_cases[] = {
    {"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
     "HTTP/1.1 200 OK",
     "Content-Type: text/plain; version=0.0.4; charset=utf-8",
     "tlsdiag_server_failures_total{server=\"live.example\"} 1", false},
    /* HTTP/1.0 scrapers close by default; the answer says which version
     * the server speaks (RFC 9110 2.5). */
    {"GET /metrics HTTP/1.0\r\n\r\n", "HTTP/1.1 200 OK",
     "Content-Type: text/plain; version=0.0.4; charset=utf-8",
     "tlsdiag_handshakes_total{result=\"failed\"} 1", false},
    /* The query string is not part of the path. */
    {"GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
     "HTTP/1.1 200 OK", NULL, "tlsdiag_handshakes_total{result=\"failed\"} 1",
     false},
    {"HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
     "HTTP/1.1 200 OK",
     "Content-Type: text/plain; version=0.0.4; charset=utf-8", NULL, true},
    {"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
     "HTTP/1.1 404 Not Found", NULL, NULL, false},
    {"GET /metrics/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
     "HTTP/1.1 404 Not Found", NULL, NULL, false},
    {"GET /metricsx HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
     "HTTP/1.1 404 Not Found", NULL, NULL, false},
    {"POST /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
     "Content-Length: 5\r\n\r\nhello",
     "HTTP/1.1 405 Method Not Allowed", "Allow: GET, HEAD", NULL, false},
    {"DELETE /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
     "HTTP/1.1 405 Method Not Allowed", "Allow: GET, HEAD", NULL, false},
    /* Not HTTP at all (a TLS ClientHello): libmicrohttpd closes the
     * connection, and keeps serving others. */
    {"\x16\x03\x01\x02\x1f\x01\x01\x02\x1b\x03\x03\r\n\r\n", NULL, NULL, NULL,
     false},
};

START_TEST(test_http)
{
	struct metrics *m = serve("127.0.0.1:0");
	char *resp, *body, line[256];

	metrics_count_result(m, "failed", "cert_expired", "server",
			     (const uint8_t *)"live.example", 12);
	resp = http(AF_INET, metrics_port(m), http_cases[_i].req);
	ck_assert_ptr_nonnull(resp);
	if (http_cases[_i].status == NULL) {
		ck_assert_str_eq(resp, "");
		goto again;
	}
	snprintf(line, sizeof(line), "%s\r\n", http_cases[_i].status);
	ck_assert_msg(strncmp(resp, line, strlen(line)) == 0, "%s", resp);
	if (http_cases[_i].header != NULL) {
		snprintf(line, sizeof(line), "\r\n%s\r\n",
			 http_cases[_i].header);
		ck_assert_msg(strstr(resp, line) != NULL, "%s", resp);
	}
	body = strstr(resp, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	body += 4;
	if (http_cases[_i].body != NULL)
		ck_assert_msg(has_line(body, http_cases[_i].body), "%s", resp);
	if (http_cases[_i].empty_body)
		ck_assert_str_eq(body, "");
again:
	free(resp);
	/* The server is still serving after any of these. */
	resp = http(AF_INET, metrics_port(m), "GET /metrics HTTP/1.0\r\n\r\n");
	ck_assert_ptr_nonnull(resp);
	ck_assert_msg(strncmp(resp, "HTTP/1.1 200 OK\r\n", 17) == 0, "%s",
		      resp);
	free(resp);
	metrics_free(m);
}
END_TEST

/* A client that sends half a request and waits does not hold up a
 * scrape: the server thread polls every connection. */
START_TEST(test_http_stalled_client)
{
	struct metrics *m = serve("127.0.0.1:0");
	struct sockaddr_in in = {.sin_family = AF_INET};
	struct timeval t0, t1;
	char *resp;
	int fd;

	in.sin_port = htons(metrics_port(m));
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&in, sizeof(in)), 0);
	ck_assert_int_eq(write(fd, "GET /met", 8), 8);
	gettimeofday(&t0, NULL);
	resp = http(AF_INET, metrics_port(m), "GET /metrics HTTP/1.0\r\n\r\n");
	gettimeofday(&t1, NULL);
	ck_assert_ptr_nonnull(resp);
	ck_assert_msg(strncmp(resp, "HTTP/1.1 200 OK\r\n", 17) == 0, "%s",
		      resp);
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 3);
	free(resp);
	close(fd);
	metrics_free(m);
}
END_TEST

/* The server thread blocks the signals main handles, so SIGINT, SIGTERM,
 * SIGHUP and SIGUSR1 reach the packet thread: read from the kernel's view
 * of every other thread's mask. */
START_TEST(test_http_thread_signals)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2};
	struct metrics *m = serve("127.0.0.1:0");
	char path[64], line[256];
	unsigned long long blk;
	struct dirent *de;
	pid_t tid;
	int others = 0;
	size_t i;
	DIR *d;
	FILE *f;

	d = opendir("/proc/self/task");
	if (d == NULL) {
		fprintf(stderr, "check_metrics: no /proc, skipped\n");
		metrics_free(m);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		tid = task_id(de->d_name);
		if (tid < 0 || tid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%d/status",
			 (int)tid);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		blk = 0;
		while (fgets(line, sizeof(line), f) != NULL)
			if (strncmp(line, "SigBlk:", 7) == 0)
				blk = strtoull(line + 7, NULL, 16);
		fclose(f);
		for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			ck_assert_msg(blk & (1ull << (sigs[i] - 1)),
				      "thread %d does not block signal %d",
				      (int)tid, sigs[i]);
		others++;
	}
	closedir(d);
	ck_assert_int_ge(others, 1);
	metrics_free(m);
}
END_TEST

/* The body served is the rendered exposition, byte for byte. */
START_TEST(test_http_body)
{
	struct metrics *m = serve("127.0.0.1:0");
	char *resp, *t;

	count_failure(m, "cert_expired", "b\xc3\xbc\"cher\n.de");
	t = render_str(m);
	resp = http(AF_INET, metrics_port(m), "GET /metrics HTTP/1.0\r\n\r\n");
	ck_assert_ptr_nonnull(resp);
	ck_assert_str_eq(strstr(resp, "\r\n\r\n") + 4, t);
	free(resp);
	free(t);
	metrics_free(m);
}
END_TEST

/* IPv6 loopback, where the host has it. */
START_TEST(test_http_ipv6)
{
	struct metrics *m = metrics_new();
	char err[METRICS_ERR_SIZE], *resp;

	if (metrics_listen(m, "[::1]:0", err, sizeof(err)) != 0) {
		fprintf(stderr,
			"check_metrics: no IPv6 loopback, skipped: %s\n", err);
		metrics_free(m);
		return;
	}
	ck_assert_msg(metrics_start(m, err, sizeof(err)) == 0, "%s", err);
	resp = http(AF_INET6, metrics_port(m), "GET /metrics HTTP/1.0\r\n\r\n");
	ck_assert_ptr_nonnull(resp);
	ck_assert_msg(strncmp(resp, "HTTP/1.1 200 OK\r\n", 17) == 0, "%s",
		      resp);
	free(resp);
	metrics_free(m);
}
END_TEST

/* ":PORT" answers on IPv4 (and IPv6 when there is IPv6). */
START_TEST(test_http_any)
{
	struct metrics *m = serve(":0");
	char *resp;

	resp = http(AF_INET, metrics_port(m), "GET /metrics HTTP/1.0\r\n\r\n");
	ck_assert_ptr_nonnull(resp);
	ck_assert_msg(strncmp(resp, "HTTP/1.1 200 OK\r\n", 17) == 0, "%s",
		      resp);
	free(resp);
	metrics_free(m);
}
END_TEST

/* Before metrics_start() nothing answers, but the connection waits in the
 * backlog and is served once the server starts: the socket can be opened
 * as root and served after the drop without losing a scrape. */
START_TEST(test_listen_then_start)
{
	struct metrics *m = metrics_new();
	char err[METRICS_ERR_SIZE], *resp;

	ck_assert_int_eq(metrics_listen(m, "127.0.0.1:0", err, sizeof(err)), 0);
	ck_assert_int_eq(metrics_listen(m, "127.0.0.1:0", err, sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "--metrics: already listening");
	ck_assert_int_eq(metrics_start(m, err, sizeof(err)), 0);
	ck_assert_int_eq(metrics_start(m, err, sizeof(err)), 0);
	resp = http(AF_INET, metrics_port(m), "GET /metrics HTTP/1.0\r\n\r\n");
	ck_assert_ptr_nonnull(resp);
	ck_assert_msg(strncmp(resp, "HTTP/1.1 200 OK\r\n", 17) == 0, "%s",
		      resp);
	free(resp);
	metrics_free(m);
}
END_TEST

START_TEST(test_start_without_listen)
{
	struct metrics *m = metrics_new();
	char err[METRICS_ERR_SIZE];

	ck_assert_int_eq(metrics_start(m, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "--metrics: no listening socket");
	ck_assert_uint_eq(metrics_port(m), 0);
	metrics_free(m);
}
END_TEST

/* A port in use is reported with the address and the system's reason. */
START_TEST(test_listen_busy)
{
	struct metrics *a = serve("127.0.0.1:0"), *b = metrics_new();
	char addr[64], err[METRICS_ERR_SIZE], want[METRICS_ERR_SIZE];

	snprintf(addr, sizeof(addr), "127.0.0.1:%u", metrics_port(a));
	ck_assert_int_eq(metrics_listen(b, addr, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "--metrics: cannot listen on %s: %s", addr,
		 strerror(EADDRINUSE));
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(metrics_listen(b, "bad", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "--metrics: invalid address 'bad': expected "
			      "ADDR:PORT, [ADDR]:PORT or :PORT");
	metrics_free(b);
	metrics_free(a);
}
END_TEST

/* Scrapes while the packet thread counts: every scrape is consistent (the
 * server series add up to the failures by cause, and the failures never
 * exceed the failed handshakes). */
static void *
counter_thread(void *arg)
{
	struct metrics *m = arg;
	char name[32];
	int i;

	for (i = 0; i < 200000; i++) {
		snprintf(name, sizeof(name), "h%d", i % 97);
		count_failure(m, i % 3 ? "cert_expired" : "sni", name);
	}
	return NULL;
}

START_TEST(test_concurrent)
{
	struct metrics *m = serve("127.0.0.1:0");
	pthread_t th;
	char *resp, *body;
	uint64_t fails, prev = 0;
	int i;

	ck_assert_int_eq(pthread_create(&th, NULL, counter_thread, m), 0);
	for (i = 0; i < 30; i++) {
		resp = http(AF_INET, metrics_port(m),
			    "GET /metrics HTTP/1.0\r\n\r\n");
		ck_assert_ptr_nonnull(resp);
		body = strstr(resp, "\r\n\r\n");
		ck_assert_ptr_nonnull(body);
		fails = sum_prefix(body, "tlsdiag_failures_total{");
		ck_assert_uint_eq(
		    sum_prefix(body, "tlsdiag_server_failures_total{"), fails);
		ck_assert_uint_eq(
		    sum_prefix(body,
			       "tlsdiag_handshakes_total{result=\"failed\"}"),
		    fails);
		ck_assert_uint_ge(fails, prev);
		prev = fails;
		free(resp);
	}
	pthread_join(th, NULL);
	metrics_free(m);
}
END_TEST

/* promtool, when installed, accepts the exposition (hostile names
 * included) as valid and lint-clean. */
START_TEST(test_promtool)
{
	struct metrics *m;
	struct cap_stats cs = {.packets = 10, .have_kernel = true};
	char path[] = "/tmp/check_metrics_XXXXXX", cmd[256];
	FILE *f;
	int fd, rc, i;

	if (system("command -v promtool >/dev/null 2>&1") != 0) {
		fprintf(
		    stderr,
		    "check_metrics: promtool not installed "
		    "(Debian package prometheus): exposition not validated\n");
		return;
	}
	m = metrics_new_topk(10);
	for (i = 0; i < (int)(sizeof(sni_cases) / sizeof(sni_cases[0])); i++)
		metrics_count_result(m, "failed", "sni", "server",
				     (const uint8_t *)sni_cases[i].sni,
				     sni_cases[i].len);
	metrics_count_result(m, "established", NULL, NULL, NULL, 0);
	metrics_count_result(m, "failed", "Bad\"label", "server", NULL, 0);
	metrics_set_capture(m, &cs);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(metrics_render(m, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s >&2", path);
	rc = system(cmd);
	unlink(path);
	ck_assert_msg(rc == 0, "promtool check metrics failed (%d)", rc);
	metrics_free(m);
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("registry");
	TCase *th = tcase_create("http");

	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_setters);
	tcase_add_loop_test(
	    tc, test_results, 0,
	    (int)(sizeof(result_cases) / sizeof(result_cases[0])));
	tcase_add_test(tc, test_cause_order);
	tcase_add_test(tc, test_cause_cap);
	tcase_add_loop_test(tc, test_sni, 0,
			    (int)(sizeof(sni_cases) / sizeof(sni_cases[0])));
	tcase_add_test(tc, test_sni_long);
	tcase_add_loop_test(tc, test_topk_bound, 0,
			    (int)(sizeof(topk_ks) / sizeof(topk_ks[0])));
	tcase_add_test(tc, test_topk_exact);
	tcase_add_test(tc, test_topk_monotonic);
	tcase_add_test(tc, test_topk_limits);
	tcase_add_test(tc, test_render_error);
	tcase_add_loop_test(tc, test_addr, 0,
			    (int)(sizeof(addr_cases) / sizeof(addr_cases[0])));
	tcase_add_test(tc, test_promtool);
	suite_add_tcase(s, tc);

	tcase_set_timeout(th, 60);
	tcase_add_loop_test(th, test_http, 0,
			    (int)(sizeof(http_cases) / sizeof(http_cases[0])));
	tcase_add_test(th, test_http_stalled_client);
	tcase_add_test(th, test_http_thread_signals);
	tcase_add_test(th, test_http_body);
	tcase_add_test(th, test_http_ipv6);
	tcase_add_test(th, test_http_any);
	tcase_add_test(th, test_listen_then_start);
	tcase_add_test(th, test_start_without_listen);
	tcase_add_test(th, test_listen_busy);
	tcase_add_test(th, test_concurrent);
	suite_add_tcase(s, th);
	return s;
}

TEST_MAIN(metrics_suite)
