/* check_mem.c -- unit tests of the memory budget (mem.h) and of what the
 * sensor does with it (src/sensor.c): one cap across every kind of use,
 * shedding of the least costly and least recently active work first, and
 * the counts a user reads in the summary.
 *
 * Packets are real Ethernet/IPv4/TCP frames given to sensor_packet(), as a
 * capture would; a recording consumer logs which flows end, and why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tlsdiag/caps.h"
#include "tlsdiag/infer.h"
#include "tlsdiag/mem.h"
#include "tlsdiag/metrics.h"
#include "tlsdiag/sensor.h"

#define T0 (UINT64_C(1700000000) * 1000000)
#define MS UINT64_C(1000)

#define TH_FIN_ 0x01
#define TH_SYN_ 0x02
#define TH_RST_ 0x04
#define TH_ACK_ 0x10

/* Ends recorded, by order of ending. */
#define REC_MAX 20000

struct rec {
	struct sensor *sn;
	uint64_t end_id[REC_MAX];
	enum flow_end end_why[REC_MAX];
	enum flow_state end_state[REC_MAX];
	uint64_t cache_shed_at_end[REC_MAX]; /* cache entries shed by then */
	size_t nend;
	size_t shed_in_callback; /* flow_shed() from a callback that worked */
	bool try_shed_in_callback;
	/* A fake cache charged to SENSOR_MEM_CERTS: `entries` of `entry`
	 * bytes each, shed one at a time. */
	size_t entries, entry;
	uint64_t cache_shed;
};

static void
rec_end(void *ctx, struct flow *f, enum flow_end why)
{
	struct rec *r = ctx;

	if (r->nend < REC_MAX) {
		r->end_id[r->nend] = f->id;
		r->end_why[r->nend] = why;
		r->end_state[r->nend] = f->state;
		r->cache_shed_at_end[r->nend] = r->cache_shed;
		r->nend++;
	}
}

static void
rec_packet(void *ctx, struct flow *f, int dir, const struct pkt *p)
{
	struct rec *r = ctx;

	(void)f;
	(void)dir;
	(void)p;
	if (r->try_shed_in_callback && flow_shed(sensor_flows(r->sn), false))
		r->shed_in_callback++;
}

static const struct flow_ops rec_ops = {
    .end = rec_end,
    .packet = rec_packet,
};

static bool
fake_cache_shed(void *ctx)
{
	struct rec *r = ctx;

	if (r->entries == 0)
		return false;
	r->entries--;
	r->cache_shed++;
	mem_release(sensor_budget_of(r->sn, SENSOR_MEM_CERTS), r->entry);
	return true;
}

/* One Ethernet/IPv4/TCP frame from 10.x.y.z (host number `src`) port
 * `sport` to 192.0.2.10:443, given to the sensor at time `ts`. */
static void
feed(struct sensor *sn, uint64_t ts, uint32_t src, uint16_t sport,
    uint8_t flags, uint32_t seq, size_t plen)
{
	uint8_t b[14 + 20 + 20 + 64];
	struct pcap_pkthdr h;
	size_t n = 14 + 20 + 20 + plen;

	memset(b, 0, sizeof(b));
	b[12] = 0x08; /* IPv4 */
	b[14] = 0x45;
	b[16] = (uint8_t)((n - 14) >> 8);
	b[17] = (uint8_t)(n - 14);
	b[22] = 64;
	b[23] = 6; /* TCP */
	b[26] = 10;
	b[27] = (uint8_t)(src >> 16);
	b[28] = (uint8_t)(src >> 8);
	b[29] = (uint8_t)src;
	b[30] = 192;
	b[32] = 2;
	b[33] = 10;
	b[34] = (uint8_t)(sport >> 8);
	b[35] = (uint8_t)sport;
	b[36] = 443 >> 8;
	b[37] = 443 & 0xff;
	b[38] = (uint8_t)(seq >> 24);
	b[39] = (uint8_t)(seq >> 16);
	b[40] = (uint8_t)(seq >> 8);
	b[41] = (uint8_t)seq;
	b[46] = 0x50;
	b[47] = flags;
	b[48] = 0xff;
	memset(b + 54, 'x', plen);
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(ts / 1000000);
	h.ts.tv_usec = (suseconds_t)(ts % 1000000);
	h.caplen = h.len = (uint32_t)n;
	sensor_packet(sn, &h, b, DLT_EN10MB);
}

static struct sensor *
mksensor(struct rec *r, size_t cap, uint32_t max_flows)
{
	struct flow_config fc;

	memset(r, 0, sizeof(*r));
	flow_config_default(&fc);
	fc.max_flows = max_flows;
	r->sn = sensor_new(&fc, cap, &rec_ops, r);
	ck_assert_ptr_nonnull(r->sn);
	return r->sn;
}

/* Nested budgets: a child is charged to its parent, the parent's cap
 * refuses a child's reservation (counted at both), release goes up. */
START_TEST(test_nested)
{
	struct membudget root = {0, 0, 1000, 0, NULL};
	struct membudget a = {0, 0, 0, 0, &root};
	struct membudget b = {0, 0, 300, 0, &root};

	ck_assert(mem_reserve(&a, 600));
	ck_assert(mem_reserve(&b, 300));
	ck_assert_uint_eq(root.used, 900);
	ck_assert_uint_eq(mem_room(&a), 100);
	ck_assert_uint_eq(mem_room(&b), 0);
	ck_assert(!mem_reserve(&a, 101)); /* the root's cap */
	ck_assert_uint_eq(a.refused, 1);
	ck_assert_uint_eq(root.refused, 1);
	ck_assert(!mem_reserve(&b, 1)); /* b's own cap: root not asked */
	ck_assert_uint_eq(b.refused, 1);
	ck_assert_uint_eq(root.refused, 1);
	ck_assert_uint_eq(root.used, 900);
	mem_release(&a, 600);
	ck_assert_uint_eq(a.used, 0);
	ck_assert_uint_eq(root.used, 300);
	ck_assert_uint_eq(root.peak, 900);
	ck_assert(mem_reserve(&a, 700));
	ck_assert_uint_eq(root.used, 1000);
	ck_assert_uint_eq(root.peak, 1000);
}
END_TEST

/* A SYN flood into a small budget: use never passes the cap, nothing is
 * refused (shedding keeps headroom), the oldest flows go first and every
 * one shed is counted as an opening flow shed. */
START_TEST(test_flood_oldest_first)
{
	static struct rec r;
	const size_t cap = 256 * 1024;
	struct sensor *sn = mksensor(&r, cap, 4096);
	const struct flow_stats *fs = sensor_flow_stats(sn);
	size_t max_used = 0, i;
	uint32_t n;

	for (n = 0; n < 3000; n++) {
		feed(sn, T0 + n * MS, n + 1, 40000, TH_SYN_, 1000, 0);
		if (sensor_mem(sn)->used > max_used)
			max_used = sensor_mem(sn)->used;
	}
	ck_assert_uint_le(max_used, cap);
	ck_assert_uint_le(sensor_mem(sn)->peak, cap);
	ck_assert_uint_eq(sensor_mem(sn)->refused, 0);
	ck_assert_uint_gt(r.nend, 1000); /* the budget holds ~500 */
	ck_assert_uint_eq(fs->shed[FLOW_OPENING], r.nend);
	ck_assert_uint_eq(fs->ended[FLOW_END_EVICTED], r.nend);
	ck_assert_uint_eq(fs->dropped_nomem, 0);
	ck_assert_uint_gt(sensor_stats(sn)->shed_runs, 0);
	/* Oldest first: exactly flows 1..N, in that order. */
	for (i = 0; i < r.nend; i++) {
		ck_assert_uint_eq(r.end_id[i], i + 1);
		ck_assert_int_eq(r.end_why[i], FLOW_END_EVICTED);
	}
	/* Shedding stops at the low-water mark, not at an empty table. */
	ck_assert_uint_ge(sensor_mem(sn)->used,
	    cap - cap / MEM_SHED_LOW_DIV - 1024);
	sensor_free(sn);
}
END_TEST

/* Closed flows go before opening ones, even older opening ones. */
START_TEST(test_closed_before_opening)
{
	static struct rec r;
	const size_t cap = 256 * 1024;
	struct sensor *sn = mksensor(&r, cap, 4096);
	const struct flow_stats *fs = sensor_flow_stats(sn);
	uint64_t ts = T0;
	uint32_t n;
	size_t i;

	for (n = 1; n <= 50; n++) /* opening: ids 1..50 */
		feed(sn, ts += MS, n, 40000, TH_SYN_, 1000, 0);
	for (n = 51; n <= 100; n++) { /* closed: ids 51..100 */
		feed(sn, ts += MS, n, 40000, TH_SYN_, 1000, 0);
		feed(sn, ts += MS, n, 40000, TH_RST_ | TH_ACK_, 1001, 0);
	}
	for (n = 101; r.nend < 120; n++) /* flood until 120 were shed */
		feed(sn, ts += MS, n, 40000, TH_SYN_, 1000, 0);
	for (i = 0; i < 50; i++) {
		ck_assert_uint_eq(r.end_id[i], 51 + i);
		ck_assert_int_eq(r.end_state[i], FLOW_CLOSED);
	}
	for (i = 50; i < 100; i++) {
		ck_assert_uint_eq(r.end_id[i], i - 49);
		ck_assert_int_eq(r.end_state[i], FLOW_OPENING);
	}
	ck_assert_uint_eq(fs->shed[FLOW_CLOSED], 50);
	ck_assert_uint_eq(fs->shed[FLOW_OPENING] + fs->shed[FLOW_CLOSED],
	    r.nend);
	ck_assert_uint_le(sensor_mem(sn)->peak, cap);
	sensor_free(sn);
}
END_TEST

/* With only flows that carry a handshake (active), the cache is shed
 * first, every entry, and only then the active flows, oldest first. */
START_TEST(test_cache_before_active)
{
	static struct rec r;
	const size_t cap = 256 * 1024;
	struct sensor *sn = mksensor(&r, cap, 4096);
	const struct flow_stats *fs = sensor_flow_stats(sn);
	struct membudget *certs = sensor_budget_of(sn, SENSOR_MEM_CERTS);
	uint64_t ts = T0;
	uint32_t n;
	size_t i;

	sensor_set_cache_shed(sn, fake_cache_shed, &r);
	r.entry = 2000;
	for (i = 0; i < 20; i++) {
		ck_assert(mem_reserve(certs, r.entry));
		r.entries++;
	}
	/* Picked up mid-stream with data: active flows. */
	for (n = 1; r.nend < 200; n++) {
		feed(sn, ts += MS, n, 40000, TH_ACK_, 1000, 10);
		ck_assert_uint_le(sensor_mem(sn)->used, cap);
	}
	ck_assert_uint_eq(r.cache_shed, 20);
	ck_assert_uint_eq(sensor_stats(sn)->shed_cache, 20);
	ck_assert_uint_eq(certs->used, 0);
	for (i = 0; i < r.nend; i++) {
		ck_assert_uint_eq(r.cache_shed_at_end[i], 20);
		ck_assert_uint_eq(r.end_id[i], i + 1);
		ck_assert_int_eq(r.end_state[i], FLOW_ACTIVE);
	}
	ck_assert_uint_eq(fs->shed[FLOW_ACTIVE], r.nend);
	ck_assert_uint_eq(sensor_mem(sn)->refused, 0);
	sensor_free(sn);
}
END_TEST

/* A flow is never ended from inside a callback: the one being processed,
 * or one its caller holds, would be pulled away. */
START_TEST(test_no_shed_in_callback)
{
	static struct rec r;
	struct sensor *sn = mksensor(&r, 256 * 1024, 4096);
	uint32_t n;

	r.try_shed_in_callback = true;
	for (n = 1; n <= 50; n++)
		feed(sn, T0 + n * MS, n, 40000, TH_SYN_, 1000, 0);
	ck_assert_uint_eq(r.shed_in_callback, 0);
	ck_assert_uint_eq(r.nend, 0);
	r.try_shed_in_callback = false;
	ck_assert(flow_shed(sensor_flows(sn), false)); /* a safe point */
	ck_assert_uint_eq(r.nend, 1);
	ck_assert_uint_eq(r.end_id[0], 1);
	sensor_free(sn);
}
END_TEST

/* The fixed tables are charged: the flow table's buckets to their share,
 * and a table that does not fit its share is refused. */
START_TEST(test_fixed_tables)
{
	static struct rec r;
	struct flow_config fc;
	struct sensor *sn = mksensor(&r, 1024 * 1024, 4096);

	ck_assert_uint_eq(sensor_mem_fixed(sn), flow_table_bytes(4096));
	ck_assert_uint_eq(sensor_mem(sn)->used, flow_table_bytes(4096));
	ck_assert_uint_eq(flow_table_bytes(4096), 4096 * sizeof(void *));
	sensor_free(sn);
	/* 65536 buckets are 512 KiB: more than a quarter of 1 MiB. */
	flow_config_default(&fc);
	fc.max_flows = 65536;
	ck_assert_ptr_null(sensor_new(&fc, 1024 * 1024, &rec_ops, &r));
	ck_assert_ptr_nonnull(sn = sensor_new(&fc, 4 * 1024 * 1024, &rec_ops,
				  &r));
	sensor_free(sn);
}
END_TEST

/* The fleet tables take their size from the budget: halved until they
 * fit, released when freed, refused when even the smallest does not fit. */
START_TEST(test_fleet_tables)
{
	struct membudget fleet = {0, 0, 1024 * 1024, 0, NULL};
	struct infer_config ic;
	struct infer_stats st;
	struct infer *in;

	infer_config_default(&ic);
	ic.mem = &fleet;
	in = infer_new(&ic);
	ck_assert_ptr_nonnull(in);
	infer_get_stats(in, &st);
	ck_assert_uint_gt(st.halved, 0);
	ck_assert_uint_le(st.bytes, fleet.cap);
	ck_assert_uint_gt(st.bytes, fleet.cap / 2); /* halved no more than
							needed */
	ck_assert_uint_eq(fleet.used, st.bytes);
	ck_assert_uint_eq(fleet.refused, 0);
	infer_free(in);
	ck_assert_uint_eq(fleet.used, 0);

	fleet.cap = 1024;
	ck_assert_ptr_null(infer_new(&ic));
	ck_assert_uint_eq(fleet.used, 0);

	/* No budget: the default sizes. */
	ic.mem = NULL;
	in = infer_new(&ic);
	ck_assert_ptr_nonnull(in);
	infer_get_stats(in, &st);
	ck_assert_uint_eq(st.halved, 0);
	ck_assert_uint_gt(st.bytes, 4 * 1024 * 1024);
	infer_free(in);
}
END_TEST

/* The summary says the budget, the peaks and what was shed, by kind. */
START_TEST(test_summary)
{
	static struct rec r;
	struct sensor *sn = mksensor(&r, 256 * 1024, 4096);
	char buf[4096], want[128];
	FILE *f;
	size_t n;
	uint32_t i;

	for (i = 1; i <= 2000; i++)
		feed(sn, T0 + i * MS, i, 40000, TH_SYN_, 1000, 0);
	f = fmemopen(buf, sizeof(buf) - 1, "w");
	ck_assert_ptr_nonnull(f);
	sensor_print_stats(sn, f, "x: ");
	n = (size_t)ftell(f);
	fclose(f);
	buf[n] = '\0';
	ck_assert_ptr_nonnull(strstr(buf, "x: memory: budget 262144 bytes"));
	ck_assert_ptr_nonnull(strstr(buf, "fixed tables 32768"));
	snprintf(want, sizeof(want),
	    "x: memory short: shed %llu opening flows; refused nothing\n",
	    (unsigned long long)r.nend);
	ck_assert_uint_gt(r.nend, 0);
	ck_assert_ptr_nonnull(strstr(buf, want));
	sensor_free(sn);
}
END_TEST

/* The metrics say the budget, the peak, use by kind and what was shed, as
 * counters a scraper can rate. */
START_TEST(test_metrics)
{
	static struct rec r;
	struct sensor *sn = mksensor(&r, 256 * 1024, 4096);
	struct metrics *m = metrics_new();
	struct sensor_totals tt;
	char *t = NULL, want[160];
	size_t len = 0;
	FILE *f;
	uint32_t i;

	for (i = 1; i <= 2000; i++)
		feed(sn, T0 + i * MS, i, 40000, TH_SYN_, 1000, 0);
	ck_assert_ptr_nonnull(m);
	metrics_set_memory(m, sensor_mem(sn)->used);
	sensor_totals_get(sn, &tt);
	metrics_set_memory_budget(m, &tt);
	f = open_memstream(&t, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(metrics_render(m, f), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(t, "\ntlsdiag_memory_budget_bytes 262144\n"));
	snprintf(want, sizeof(want), "\ntlsdiag_memory_peak_bytes %zu\n",
	    sensor_mem(sn)->peak);
	ck_assert_ptr_nonnull(strstr(t, want));
	snprintf(want, sizeof(want),
	    "\ntlsdiag_memory_shed_total{kind=\"flow_opening\"} %zu\n", r.nend);
	ck_assert_uint_gt(r.nend, 0);
	ck_assert_ptr_nonnull(strstr(t, want));
	ck_assert_ptr_nonnull(strstr(t,
	    "\ntlsdiag_memory_kind_used_bytes{kind=\"flow_table\"} 32768\n"));
	ck_assert_ptr_nonnull(strstr(t,
	    "\ntlsdiag_memory_refused_total{kind=\"flows\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(t, "# TYPE tlsdiag_memory_shed_total "
					"counter\n"));
	free(t);
	metrics_free(m);
	sensor_free(sn);
}
END_TEST

/* -W: the workers' counters add up -- packets, flows, flows shed, every
 * budget by kind -- and a budget no sensor owns (fleet tables, key log
 * secrets shared by the workers) counts in its kind, its group and the
 * whole. */
START_TEST(test_totals)
{
	static struct rec r1, r2;
	struct sensor *a = mksensor(&r1, 256 * 1024, 4096);
	struct sensor *b = mksensor(&r2, 256 * 1024, 4096);
	struct sensor_totals ta, tb, sum;
	struct membudget shared = {.used = 1000, .peak = 1500, .cap = 4096};
	uint32_t i;
	int k;

	for (i = 1; i <= 2000; i++)
		feed(a, T0 + i * MS, i, 40000, TH_SYN_, 1000, 0);
	for (i = 1; i <= 30; i++)
		feed(b, T0 + i * MS, i, 40001, TH_SYN_, 1000, 0);
	sensor_totals_get(a, &ta);
	sensor_totals_get(b, &tb);
	memset(&sum, 0, sizeof(sum));
	sensor_totals_add(&sum, &ta);
	sensor_totals_add(&sum, &tb);
	ck_assert_uint_eq(sum.st.packets, 2030);
	ck_assert_uint_eq(sum.fs.created, ta.fs.created + tb.fs.created);
	ck_assert_uint_eq(sum.fs.shed[FLOW_OPENING], r1.nend + r2.nend);
	ck_assert_uint_gt(sum.fs.shed[FLOW_OPENING], 0);
	ck_assert_uint_eq(sum.mem.cap, 2 * 256 * 1024);
	ck_assert_uint_eq(sum.mem.used, sensor_mem(a)->used +
					    sensor_mem(b)->used);
	for (k = 0; k < SENSOR_MEM_NKINDS; k++)
		ck_assert_uint_eq(sum.kind[k].used,
		    ta.kind[k].used + tb.kind[k].used);
	sensor_totals_add_budget(&sum, SENSOR_MEM_FLEET, &shared);
	ck_assert_uint_eq(sum.kind[SENSOR_MEM_FLEET].used,
	    ta.kind[SENSOR_MEM_FLEET].used + tb.kind[SENSOR_MEM_FLEET].used +
		1000);
	ck_assert_uint_eq(sum.fixed.cap, ta.fixed.cap + tb.fixed.cap + 4096);
	ck_assert_uint_eq(sum.traffic.used, ta.traffic.used + tb.traffic.used);
	ck_assert_uint_eq(sum.mem.peak, ta.mem.peak + tb.mem.peak + 1500);
	sensor_free(a);
	sensor_free(b);
}
END_TEST

static Suite *
mem_suite(void)
{
	Suite *s = suite_create("mem");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_nested);
	tcase_add_test(tc, test_flood_oldest_first);
	tcase_add_test(tc, test_closed_before_opening);
	tcase_add_test(tc, test_cache_before_active);
	tcase_add_test(tc, test_no_shed_in_callback);
	tcase_add_test(tc, test_fixed_tables);
	tcase_add_test(tc, test_fleet_tables);
	tcase_add_test(tc, test_summary);
	tcase_add_test(tc, test_metrics);
	tcase_add_test(tc, test_totals);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(mem_suite)
