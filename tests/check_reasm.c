/* check_reasm.c -- unit tests of reasm: TCP stream reassembly per direction.
 *
 * Every test feeds segments cut from one known byte pattern and asserts the
 * exact stream the sink saw: the delivered bytes, and each gap's position
 * and length.  Every test ends with reasm_free() and checks that the budget
 * is back to 0.  No test may depend on the size of the private segment
 * header.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tlsdiag/caps.h"
#include "tlsdiag/reasm.h"

#define STREAM_MAX 65536
#define GAPS_MAX 4096

/* The reference stream: byte i of every test stream. */
static uint8_t S[STREAM_MAX];

struct tgap {
	uint64_t at; /* stream offset (bytes delivered + gapped before it) */
	uint64_t len;
};

/* What the sink saw. */
struct tsink {
	uint8_t out[STREAM_MAX]; /* delivered bytes, concatenated */
	size_t nout;
	uint8_t img[STREAM_MAX]; /* delivered bytes at their stream offset */
	uint8_t have[STREAM_MAX];
	uint64_t pos; /* stream offset: delivered + gapped */
	struct tgap gap[GAPS_MAX];
	size_t ngap;
	unsigned calls;
	/* When set, the sink calls reasm_done() after its first data call,
	 * as a consumer that has seen enough would. */
	struct reasm_dir *done_dir;
};

struct fx {
	struct reasm_limits lim;
	struct membudget mb;
	struct reasm_dir d;
	struct tsink ts;
	struct reasm_sink sink;
};

static struct fx F;

static void
sink_data(void *ctx, const uint8_t *p, uint32_t len, uint64_t ts_us)
{
	struct tsink *ts = ctx;
	uint32_t i;

	(void)ts_us;
	ck_assert_uint_gt(len, 0);
	ck_assert_uint_le(ts->nout + len, STREAM_MAX);
	ck_assert_uint_le(ts->pos + len, STREAM_MAX);
	memcpy(ts->out + ts->nout, p, len);
	ts->nout += len;
	for (i = 0; i < len; i++) {
		ts->img[ts->pos + i] = p[i];
		ts->have[ts->pos + i] = 1;
	}
	ts->pos += len;
	ts->calls++;
	if (ts->done_dir != NULL)
		reasm_done(ts->done_dir);
}

static void
sink_gap(void *ctx, uint64_t len, uint64_t ts_us)
{
	struct tsink *ts = ctx;

	(void)ts_us;
	ck_assert_uint_gt(len, 0);
	ck_assert_uint_lt(ts->ngap, GAPS_MAX);
	ts->gap[ts->ngap].at = ts->pos;
	ts->gap[ts->ngap].len = len;
	ts->ngap++;
	ts->pos += len;
	ts->calls++;
}

static void
fill_stream(void)
{
	size_t i;

	for (i = 0; i < STREAM_MAX; i++)
		S[i] = (uint8_t)(i * 7u + (i >> 8) * 13u + 1u);
}

static struct fx *
fx_new(uint32_t dir_max, uint32_t segs_max, uint32_t history, size_t cap)
{
	struct fx *f = &F;

	memset(f, 0, sizeof(*f));
	fill_stream();
	f->lim.dir_max = dir_max;
	f->lim.segs_max = segs_max;
	f->lim.history = history;
	f->mb.cap = cap;
	reasm_init(&f->d, &f->lim, &f->mb);
	f->sink.data = sink_data;
	f->sink.gap = sink_gap;
	f->sink.ctx = &f->ts;
	return f;
}

/* The defaults of caps.h, no budget cap. */
static struct fx *
fx_default(void)
{
	return fx_new(REASM_DIR_MAX_DEFAULT, REASM_DIR_SEGS_MAX,
		      REASM_HISTORY_MAX, 0);
}

static void
fx_end(struct fx *f)
{
	reasm_free(&f->d);
	ck_assert_ptr_null(f->d.ooo);
	ck_assert_ptr_null(f->d.hist);
	ck_assert_uint_eq(f->mb.used, 0);
	reasm_free(&f->d); /* twice is harmless */
	ck_assert_uint_eq(f->mb.used, 0);
}

/* Stream bytes [off, off + len) at sequence number base + off. */
static void
seg(struct fx *f, uint32_t base, uint32_t off, uint32_t len)
{
	reasm_segment(&f->d, base + off, S + off, len, len, false, 0, &f->sink);
}

/* The same, with a snaplen cut: only `len` of `wire_len` bytes present. */
static void
seg_cut(struct fx *f, uint32_t base, uint32_t off, uint32_t len,
	uint32_t wire_len)
{
	reasm_segment(&f->d, base + off, S + off, len, wire_len, false, 0,
		      &f->sink);
}

static void
seg_fin(struct fx *f, uint32_t base, uint32_t off, uint32_t len)
{
	reasm_segment(&f->d, base + off, len != 0 ? S + off : NULL, len, len,
		      true, 0, &f->sink);
}

/* A copy of stream bytes [off, off + len) with `nflip` bytes changed from
 * offset `flip`, fed at base + off. */
static void
seg_forged(struct fx *f, uint32_t base, uint32_t off, uint32_t len,
	   uint32_t flip, uint32_t nflip)
{
	uint8_t buf[2048];
	uint32_t i;

	ck_assert_uint_le(len, sizeof(buf));
	memcpy(buf, S + off, len);
	for (i = flip; i < flip + nflip; i++)
		buf[i - off] ^= 0x5a;
	reasm_segment(&f->d, base + off, buf, len, len, false, 0, &f->sink);
}

/* The sink saw exactly stream bytes [0, n), no gap. */
static void
assert_whole(const struct fx *f, size_t n)
{
	ck_assert_uint_eq(f->ts.ngap, 0);
	ck_assert_uint_eq(f->ts.nout, n);
	ck_assert_mem_eq(f->ts.out, S, n);
	ck_assert_uint_eq(f->d.delivered, n);
	ck_assert_uint_eq(f->d.gap_bytes, 0);
}

/* Every delivered byte is the stream's byte at its offset, and the sink's
 * offsets add up to the direction's counters. */
static void
assert_consistent(const struct fx *f)
{
	uint64_t i, gapped = 0;
	size_t g;

	for (i = 0; i < f->ts.pos; i++)
		if (f->ts.have[i])
			ck_assert_uint_eq(f->ts.img[i], S[i]);
	for (g = 0; g < f->ts.ngap; g++)
		gapped += f->ts.gap[g].len;
	ck_assert_uint_eq(gapped, f->d.gap_bytes);
	ck_assert_uint_eq(f->ts.nout, f->d.delivered);
	ck_assert_uint_eq(f->ts.pos, f->d.delivered + f->d.gap_bytes);
	ck_assert_uint_eq(f->ts.ngap, f->d.gaps);
}

static void
assert_gap(const struct fx *f, size_t i, uint64_t at, uint64_t len)
{
	ck_assert_uint_gt(f->ts.ngap, i);
	ck_assert_uint_eq(f->ts.gap[i].at, at);
	ck_assert_uint_eq(f->ts.gap[i].len, len);
}

/* A small deterministic PRNG (xorshift32), so failures replay. */
static uint32_t
rnd(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

/* --- In order ----------------------------------------------------------- */

START_TEST(in_order_no_alloc)
{
	/* History off: the hot path must not touch the budget at all. */
	struct fx *f = fx_new(REASM_DIR_MAX_DEFAULT, REASM_DIR_SEGS_MAX, 0, 0);
	uint32_t base = 1000;

	reasm_syn(&f->d, base - 1);
	seg(f, base, 0, 100);
	seg(f, base, 100, 50);
	seg(f, base, 150, 150);
	assert_whole(f, 300);
	ck_assert_uint_eq(f->ts.calls, 3); /* no copy, one call each */
	ck_assert_uint_eq(f->mb.peak, 0);
	ck_assert_uint_eq(f->d.next_seq, base + 300);
	ck_assert_uint_eq(f->d.ooo_seen, 0);
	ck_assert_uint_eq(f->d.retrans, 0);
	fx_end(f);
}
END_TEST

START_TEST(in_order_history_only)
{
	/* With history on, the only allocation is the ring, once. */
	struct fx *f = fx_default();
	uint32_t base = 77, off;

	reasm_syn(&f->d, base - 1);
	for (off = 0; off < 6000; off += 500) {
		seg(f, base, off, 500);
		ck_assert_uint_eq(f->mb.used, REASM_HISTORY_MAX);
	}
	assert_whole(f, 6000);
	ck_assert_uint_eq(f->mb.peak, REASM_HISTORY_MAX);
	ck_assert_uint_eq(f->d.hist_len, REASM_HISTORY_MAX);
	fx_end(f);
}
END_TEST

/* --- Out of order ------------------------------------------------------- */

/* Segment sizes of the permutation test; the sum crosses 2^32 when the
 * stream starts near it. */
static const uint32_t perm_len[5] = {10, 25, 1, 64, 50};
#define PERM_N 5
#define PERM_COUNT 120 /* 5! */

START_TEST(permutations)
{
	/* _i / 120 selects the start, _i % 120 the order (Lehmer code). */
	static const uint32_t bases[] = {1000, 0xFFFFFFB0u};
	struct fx *f = fx_default();
	uint32_t base = bases[_i / PERM_COUNT], off[PERM_N], order[PERM_N];
	uint32_t code = (uint32_t)_i % PERM_COUNT, pool[PERM_N], npool, k, j;
	uint32_t total = 0;

	for (k = 0; k < PERM_N; k++) {
		off[k] = total;
		total += perm_len[k];
		pool[k] = k;
	}
	npool = PERM_N;
	for (k = 0; k < PERM_N; k++) {
		uint32_t fact = 1, pick;

		for (j = 2; j < npool; j++)
			fact *= j;
		pick = code / fact;
		code %= fact;
		order[k] = pool[pick];
		for (j = pick; j + 1 < npool; j++)
			pool[j] = pool[j + 1];
		npool--;
	}
	reasm_syn(&f->d, base - 1);
	for (k = 0; k < PERM_N; k++)
		seg(f, base, off[order[k]], perm_len[order[k]]);
	assert_whole(f, total);
	ck_assert_uint_eq(f->d.next_seq, base + total);
	ck_assert_uint_eq(f->d.ooo_bytes, 0);
	ck_assert_uint_eq(f->d.ooo_segs, 0);
	ck_assert_uint_eq(f->d.retrans, 0);
	ck_assert_uint_eq(f->d.conflicts, 0);
	ck_assert_uint_eq(f->mb.used, REASM_HISTORY_MAX);
	fx_end(f);
}
END_TEST

START_TEST(reversed)
{
	struct fx *f = fx_default();
	uint32_t base = 0xFFFFFF00u;
	int k;

	reasm_syn(&f->d, base - 1);
	for (k = 59; k >= 0; k--) {
		seg(f, base, (uint32_t)k * 10, 10);
		if (k > 0) {
			ck_assert_uint_eq(f->ts.calls, 0);
			ck_assert_uint_eq(f->d.ooo_segs, 60 - (uint32_t)k);
			ck_assert_uint_eq(f->d.ooo_bytes,
					  10 * (60 - (uint32_t)k));
		}
	}
	assert_whole(f, 600);
	ck_assert_uint_eq(f->d.ooo_seen, 59);
	ck_assert_uint_eq(f->d.ooo_segs, 0);
	ck_assert_uint_gt(f->mb.peak, REASM_HISTORY_MAX + 590);
	ck_assert_uint_eq(f->mb.used, REASM_HISTORY_MAX);
	fx_end(f);
}
END_TEST

/* --- Duplicates and overlaps -------------------------------------------- */

START_TEST(duplicates)
{
	struct fx *f = fx_default();
	uint32_t base = 5000;

	reasm_syn(&f->d, base - 1);
	seg(f, base, 0, 100);
	seg(f, base, 0, 100); /* delivered already */
	ck_assert_uint_eq(f->d.retrans, 1);
	seg(f, base, 200, 100);
	seg(f, base, 200, 100); /* buffered already */
	ck_assert_uint_eq(f->d.retrans, 2);
	ck_assert_uint_eq(f->d.ooo_segs, 1);
	ck_assert_uint_eq(f->d.ooo_bytes, 100);
	seg(f, base, 100, 100);
	seg(f, base, 100, 100);
	assert_whole(f, 300);
	ck_assert_uint_eq(f->d.retrans, 3);
	ck_assert_uint_eq(f->d.conflicts, 0);
	ck_assert_uint_eq(f->d.ooo_seen, 2);
	fx_end(f);
}
END_TEST

START_TEST(overlap_identical)
{
	struct fx *f = fx_default();
	uint32_t base = 42;

	reasm_syn(&f->d, base - 1);
	seg(f, base, 0, 100);
	seg(f, base, 50, 100); /* half delivered, half new */
	ck_assert_uint_eq(f->ts.nout, 150);
	seg(f, base, 300, 100);
	seg(f, base, 250, 100); /* half buffered, half new */
	seg(f, base, 200, 200); /* wholly buffered now */
	seg(f, base, 140, 70);	/* straddles next_seq */
	assert_whole(f, 400);
	ck_assert_uint_eq(f->d.retrans, 4);
	ck_assert_uint_eq(f->d.conflicts, 0);
	fx_end(f);
}
END_TEST

START_TEST(conflict_delivered)
{
	/* A retransmission that differs from what was delivered: the first
	 * copy stays, each differing byte is counted. */
	struct fx *f = fx_default();
	uint32_t base = 9;

	reasm_syn(&f->d, base - 1);
	seg(f, base, 0, 100);
	seg_forged(f, base, 50, 100, 60, 10);
	ck_assert_uint_eq(f->d.conflicts, 10);
	seg_forged(f, base, 0, 100, 97, 3);
	ck_assert_uint_eq(f->d.conflicts, 13);
	assert_whole(f, 150);
	ck_assert_uint_eq(f->d.retrans, 2);
	fx_end(f);
}
END_TEST

START_TEST(conflict_history_window)
{
	/* Only the last `history` bytes can be compared; the ring wraps. */
	struct fx *f = fx_new(REASM_DIR_MAX_DEFAULT, REASM_DIR_SEGS_MAX, 32, 0);
	uint32_t base = 0xFFFFFFF0u, off;

	reasm_syn(&f->d, base - 1);
	for (off = 0; off < 98; off += 7)
		seg(f, base, off, 7);
	ck_assert_uint_eq(f->d.hist_len, 32);
	seg_forged(f, base, 0, 98, 10, 20); /* long forgotten */
	ck_assert_uint_eq(f->d.conflicts, 0);
	seg_forged(f, base, 60, 38, 64, 5); /* 66..97 still held */
	ck_assert_uint_eq(f->d.conflicts, 3);
	seg_forged(f, base, 90, 8, 90, 8);
	ck_assert_uint_eq(f->d.conflicts, 11);
	assert_whole(f, 98);
	ck_assert_uint_eq(f->mb.peak, 32);
	fx_end(f);
}
END_TEST

START_TEST(conflict_history_off)
{
	struct fx *f = fx_new(REASM_DIR_MAX_DEFAULT, REASM_DIR_SEGS_MAX, 0, 0);
	uint32_t base = 1;

	reasm_syn(&f->d, base - 1);
	seg(f, base, 0, 100);
	seg_forged(f, base, 0, 100, 0, 100);
	ck_assert_uint_eq(f->d.retrans, 1);
	ck_assert_uint_eq(f->d.conflicts, 0);
	ck_assert_ptr_null(f->d.hist);
	assert_whole(f, 100);
	fx_end(f);
}
END_TEST

START_TEST(conflict_buffered)
{
	struct fx *f = fx_default();
	uint32_t base = 0xFFFFFFC0u;

	reasm_syn(&f->d, base - 1);
	seg(f, base, 100, 100);
	/* Out of order over buffered bytes: 100..124 overlap, 5 differ. */
	seg_forged(f, base, 50, 75, 120, 5);
	ck_assert_uint_eq(f->d.conflicts, 5);
	ck_assert_uint_eq(f->ts.calls, 0);
	/* In order over the buffered head: 50..119 overlap, 10 differ. */
	seg_forged(f, base, 0, 120, 100, 10);
	ck_assert_uint_eq(f->d.conflicts, 15);
	assert_whole(f, 200);
	ck_assert_uint_eq(f->d.retrans, 2);
	fx_end(f);
}
END_TEST

START_TEST(keepalive)
{
	/* RFC 9293 3.8.4: a probe repeats the byte before next_seq, often as
	 * garbage; it is a retransmission but not a conflict. */
	struct fx *f = fx_default();
	uint32_t base = 300;

	reasm_syn(&f->d, base - 1);
	seg(f, base, 0, 100);
	seg_forged(f, base, 99, 1, 99, 1);
	ck_assert_uint_eq(f->d.retrans, 1);
	ck_assert_uint_eq(f->d.conflicts, 0);
	reasm_segment(&f->d, base + 99, NULL, 0, 0, false, 0, &f->sink);
	ck_assert_uint_eq(f->d.retrans, 1);
	assert_whole(f, 100);
	fx_end(f);
}
END_TEST

/* --- Wrap-around -------------------------------------------------------- */

START_TEST(wraparound)
{
	/* Streams that start just before 2^32, fed out of order; the SYN of
	 * the last one is 0xFFFFFFFF so the data starts at sequence 0. */
	static const uint32_t isn[] = {0xFFFFFF00u, 0xFFFFFFF0u, 0xFFFFFFFEu,
				       0xFFFFFFFFu, 0x7FFFFFF0u};
	struct fx *f = fx_default();
	uint32_t base = isn[_i] + 1;

	reasm_syn(&f->d, isn[_i]);
	ck_assert_uint_eq(f->d.next_seq, base);
	seg(f, base, 400, 200);
	seg(f, base, 200, 150);
	seg(f, base, 100, 150); /* overlaps both sides of a hole */
	seg(f, base, 0, 100);
	seg(f, base, 100, 50); /* old now */
	ck_assert_uint_eq(f->ts.nout, 350);
	seg(f, base, 350, 50);
	assert_whole(f, 600);
	ck_assert_uint_eq(f->d.next_seq, base + 600);
	ck_assert_uint_eq(f->d.conflicts, 0);
	fx_end(f);
}
END_TEST

START_TEST(out_of_window)
{
	/* RFC 7323 2.3: nothing can be 2^30 or more ahead of next_seq. */
	struct fx *f = fx_default();
	uint32_t base = 0xF0000000u;

	reasm_syn(&f->d, base - 1);
	seg(f, base, 0, 10);
	reasm_segment(&f->d, base + 10 + 0x40000000u, S, 100, 100, false, 0,
		      &f->sink);
	ck_assert_uint_eq(f->d.retrans, 1);
	ck_assert_uint_eq(f->d.ooo_segs, 0);
	ck_assert_uint_eq(f->d.ooo_seen, 0);
	reasm_segment(&f->d, base + 10 + 0x3FFFFFFFu, S, 100, 100, false, 0,
		      &f->sink);
	ck_assert_uint_eq(f->d.ooo_segs, 1);
	ck_assert_uint_eq(f->d.retrans, 1);
	seg(f, base, 10, 90);
	assert_whole(f, 100);
	fx_end(f);
}
END_TEST

/* --- Gaps and flush ----------------------------------------------------- */

START_TEST(gap_then_flush)
{
	struct fx *f = fx_default();
	uint32_t base = 0xFFFFFF80u;

	reasm_syn(&f->d, base - 1);
	seg(f, base, 0, 100);
	seg(f, base, 200, 100);
	seg(f, base, 350, 50);
	ck_assert_uint_eq(f->ts.nout, 100);
	ck_assert_uint_eq(f->ts.ngap, 0);
	reasm_flush(&f->d, 0, &f->sink);
	ck_assert_uint_eq(f->ts.ngap, 2);
	assert_gap(f, 0, 100, 100);
	assert_gap(f, 1, 300, 50);
	ck_assert_uint_eq(f->ts.nout, 250);
	ck_assert_mem_eq(f->ts.out, S, 100);
	ck_assert_mem_eq(f->ts.out + 100, S + 200, 100);
	ck_assert_mem_eq(f->ts.out + 200, S + 350, 50);
	ck_assert_uint_eq(f->d.next_seq, base + 400);
	ck_assert_uint_eq(f->d.gap_bytes, 150);
	ck_assert_uint_eq(f->d.gaps, 2);
	ck_assert_uint_eq(f->d.ooo_segs, 0);
	ck_assert_uint_eq(f->mb.used, REASM_HISTORY_MAX);
	assert_consistent(f);
	/* The hole's bytes now come too late, and flushing again is a no-op. */
	seg(f, base, 100, 100);
	reasm_flush(&f->d, 0, &f->sink);
	ck_assert_uint_eq(f->ts.calls, 5);
	ck_assert_uint_eq(f->d.retrans, 1);
	fx_end(f);
}
END_TEST

START_TEST(flush_nothing)
{
	struct fx *f = fx_default();

	reasm_flush(&f->d, 0, &f->sink); /* not started */
	seg(f, 10, 0, 10);
	reasm_flush(&f->d, 0, &f->sink);
	assert_whole(f, 10);
	ck_assert_uint_eq(f->ts.calls, 1);
	fx_end(f);
}
END_TEST

/* --- Caps --------------------------------------------------------------- */

/* After a hole at [100, 200), buffer `a` bytes at 200, then `b` bytes right
 * after them, with dir_max 1000.  `cap` says whether the second one must
 * force the hole to be given up. */
static const struct {
	uint32_t a, b;
	bool cap;
} dir_cap_tab[] = {
    {998, 1, false},  /* N - 1 */
    {999, 1, false},  /* N */
    {1000, 1, true},  /* N + 1 */
    {0, 5000, true},  /* one segment larger than the cap on its own */
    {600, 600, true}, /* a segment that fits alone but not beside */
};

START_TEST(dir_cap)
{
	struct fx *f = fx_new(1000, REASM_DIR_SEGS_MAX, REASM_HISTORY_MAX, 0);
	uint32_t base = 0xFFFFFE00u, a = dir_cap_tab[_i].a;
	uint32_t b = dir_cap_tab[_i].b, end = 200 + a + b;

	reasm_syn(&f->d, base - 1);
	seg(f, base, 0, 100);
	if (a != 0)
		seg(f, base, 200, a);
	seg(f, base, 200 + a, b);
	if (dir_cap_tab[_i].cap) {
		/* The hole was given up and everything after it delivered. */
		ck_assert_uint_eq(f->d.cap_hits, 1);
		ck_assert_uint_eq(f->ts.ngap, 1);
		assert_gap(f, 0, 100, 100);
		ck_assert_uint_eq(f->ts.nout, end - 100);
		ck_assert_mem_eq(f->ts.out + 100, S + 200, a + b);
		ck_assert_uint_eq(f->d.next_seq, base + end);
		ck_assert_uint_eq(f->d.ooo_bytes, 0);
		/* The lost bytes come back too late. */
		seg(f, base, 100, 100);
		ck_assert_uint_eq(f->d.retrans, 1);
		ck_assert_uint_eq(f->ts.nout, end - 100);
		assert_consistent(f);
	} else {
		ck_assert_uint_eq(f->d.cap_hits, 0);
		ck_assert_uint_eq(f->d.ooo_bytes, a + b);
		ck_assert_uint_le(f->d.ooo_bytes, 1000);
		seg(f, base, 100, 100);
		assert_whole(f, end);
	}
	ck_assert_uint_eq(f->mb.used, REASM_HISTORY_MAX);
	fx_end(f);
}
END_TEST

START_TEST(cap_several_holes)
{
	/* Giving up the first hole may not be enough: holes go one by one
	 * until the new segment fits, and it is still kept. */
	struct fx *f = fx_new(300, REASM_DIR_SEGS_MAX, 0, 0);
	uint32_t base = 7;

	reasm_syn(&f->d, base - 1);
	seg(f, base, 100, 100);
	seg(f, base, 300, 100);
	seg(f, base, 500, 100);
	seg(f, base, 700, 250);
	ck_assert_uint_eq(f->d.cap_hits, 3);
	ck_assert_uint_eq(f->ts.ngap, 3);
	assert_gap(f, 0, 0, 100);
	assert_gap(f, 1, 200, 100);
	assert_gap(f, 2, 400, 100);
	ck_assert_uint_eq(f->d.next_seq, base + 600);
	ck_assert_uint_eq(f->d.ooo_bytes, 250);
	reasm_flush(&f->d, 0, &f->sink);
	ck_assert_uint_eq(f->ts.ngap, 4);
	assert_gap(f, 3, 600, 100);
	ck_assert_uint_eq(f->ts.pos, 950);
	ck_assert_uint_eq(f->d.delivered, 550);
	assert_consistent(f);
	fx_end(f);
}
END_TEST

START_TEST(cap_new_segment_in_first_hole)
{
	/* When the refused segment lies in the first hole, only the hole
	 * before it is given up: its bytes are in hand and in order now. */
	struct fx *f = fx_new(200, REASM_DIR_SEGS_MAX, 0, 0);
	uint32_t base = 1;

	reasm_syn(&f->d, base - 1);
	seg(f, base, 500, 200);
	seg(f, base, 100, 100);
	ck_assert_uint_eq(f->d.cap_hits, 1);
	assert_gap(f, 0, 0, 100);
	ck_assert_uint_eq(f->ts.nout, 100);
	ck_assert_mem_eq(f->ts.out, S + 100, 100);
	ck_assert_uint_eq(f->d.ooo_bytes, 200);
	seg(f, base, 200, 300);
	assert_consistent(f);
	ck_assert_uint_eq(f->ts.nout, 600);
	ck_assert_mem_eq(f->ts.out + 100, S + 200, 500);
	fx_end(f);
}
END_TEST

START_TEST(budget_refusal)
{
	/* The shared budget has room for the history and one small segment:
	 * the second is refused and the hole given up. */
	size_t cap = REASM_HISTORY_MAX + 100 + 64 + 50;
	struct fx *f = fx_new(REASM_DIR_MAX_DEFAULT, REASM_DIR_SEGS_MAX,
			      REASM_HISTORY_MAX, cap);
	uint32_t base = 0xFFFFFFFFu;

	reasm_syn(&f->d, base - 1);
	seg(f, base, 0, 100);
	seg(f, base, 200, 100);
	ck_assert_uint_eq(f->mb.refused, 0);
	ck_assert_uint_eq(f->d.ooo_bytes, 100);
	seg(f, base, 300, 100);
	ck_assert_uint_ge(f->mb.refused, 1);
	ck_assert_uint_eq(f->d.cap_hits, 1);
	assert_gap(f, 0, 100, 100);
	ck_assert_uint_eq(f->ts.nout, 300);
	ck_assert_uint_le(f->mb.peak, cap);
	assert_consistent(f);
	fx_end(f);
}
END_TEST

START_TEST(budget_refuses_history)
{
	/* No room for the history ring: bytes still flow, retransmissions are
	 * not compared, and the budget is asked only once. */
	struct fx *f = fx_new(REASM_DIR_MAX_DEFAULT, REASM_DIR_SEGS_MAX,
			      REASM_HISTORY_MAX, 1000);
	uint32_t base = 3, off;

	reasm_syn(&f->d, base - 1);
	for (off = 0; off < 1000; off += 100)
		seg(f, base, off, 100);
	seg_forged(f, base, 0, 100, 0, 50);
	assert_whole(f, 1000);
	ck_assert_ptr_null(f->d.hist);
	ck_assert_uint_eq(f->mb.refused, 1);
	ck_assert_uint_eq(f->d.conflicts, 0);
	ck_assert_uint_eq(f->mb.peak, 0);
	/* Buffering still works within the budget. */
	seg(f, base, 1100, 100);
	ck_assert_uint_eq(f->d.ooo_bytes, 100);
	seg(f, base, 1000, 100);
	assert_whole(f, 1200);
	fx_end(f);
}
END_TEST

START_TEST(segs_storm)
{
	/* One-byte segments at every other byte, so none is ever adjacent to
	 * another: the segment cap forces a give-up every time it is full. */
	struct fx *f = fx_new(REASM_DIR_MAX_DEFAULT, 16, REASM_HISTORY_MAX, 0);
	uint32_t base = 0xFFFFF000u, k;

	reasm_syn(&f->d, base - 1);
	for (k = 1; k <= 4000; k++) {
		seg(f, base, 2 * k, 1);
		ck_assert_uint_le(f->d.ooo_segs, 16);
		ck_assert_uint_le(f->d.ooo_bytes, 16);
	}
	ck_assert_uint_eq(f->d.ooo_segs, 16);
	ck_assert_uint_eq(f->d.cap_hits, 4000 - 16);
	reasm_flush(&f->d, 0, &f->sink);
	ck_assert_uint_eq(f->d.delivered, 4000);
	ck_assert_uint_eq(f->d.gap_bytes, 4001);
	ck_assert_uint_eq(f->d.next_seq, base + 8001);
	assert_consistent(f);
	fx_end(f);
}
END_TEST

START_TEST(segs_storm_reversed)
{
	/* Adjacent one-byte segments in reverse order past the segment cap:
	 * every byte ends delivered or in a gap, nothing twice. */
	struct fx *f = fx_new(REASM_DIR_MAX_DEFAULT, 8, REASM_HISTORY_MAX, 0);
	uint32_t base = 100;
	int k;

	reasm_syn(&f->d, base - 1);
	for (k = 2999; k >= 0; k--) {
		seg(f, base, (uint32_t)k, 1);
		ck_assert_uint_le(f->d.ooo_segs, 8);
	}
	reasm_flush(&f->d, 0, &f->sink);
	ck_assert_uint_eq(f->ts.pos, 3000);
	ck_assert_uint_gt(f->d.cap_hits, 0);
	assert_consistent(f);
	fx_end(f);
}
END_TEST

START_TEST(segs_max_zero)
{
	/* Nothing may be buffered: each early segment gives up its hole. */
	struct fx *f = fx_new(REASM_DIR_MAX_DEFAULT, 0, 0, 0);
	uint32_t base = 50;

	reasm_syn(&f->d, base - 1);
	seg(f, base, 100, 100);
	assert_gap(f, 0, 0, 100);
	ck_assert_uint_eq(f->ts.nout, 100);
	ck_assert_uint_eq(f->d.cap_hits, 1);
	ck_assert_uint_eq(f->mb.peak, 0);
	assert_consistent(f);
	fx_end(f);
}
END_TEST

/* --- Start of the stream ------------------------------------------------ */

START_TEST(pickup_without_syn)
{
	struct fx *f = fx_default();
	uint32_t base = 123456;

	seg(f, base, 100, 100); /* the stream starts here */
	ck_assert(f->d.started);
	ck_assert(!f->d.syn_seen);
	ck_assert_uint_eq(f->d.next_seq, base + 200);
	/* XXX in reasm.c: an earlier segment seen later cannot be placed. */
	seg(f, base, 0, 100);
	ck_assert_uint_eq(f->d.retrans, 1);
	seg(f, base, 200, 50);
	ck_assert_uint_eq(f->ts.nout, 150);
	ck_assert_mem_eq(f->ts.out, S + 100, 150);
	ck_assert_uint_eq(f->ts.ngap, 0);
	/* A SYN after data was handed on is ignored. */
	reasm_syn(&f->d, 5);
	ck_assert(!f->d.syn_seen);
	ck_assert_uint_eq(f->d.next_seq, base + 250);
	fx_end(f);
}
END_TEST

START_TEST(pickup_ignores_empty)
{
	/* A bare ACK does not start the stream; the first payload does. */
	struct fx *f = fx_default();
	uint32_t base = 1000;

	reasm_segment(&f->d, base, NULL, 0, 0, false, 0, &f->sink);
	ck_assert(!f->d.started);
	seg(f, base, 0, 10);
	assert_whole(f, 10);
	fx_end(f);
}
END_TEST

START_TEST(syn_then_data)
{
	struct fx *f = fx_default();
	uint32_t isn = 0xFFFFFFFFu;

	reasm_syn(&f->d, isn);
	ck_assert(f->d.syn_seen);
	ck_assert_uint_eq(f->d.isn, isn);
	ck_assert_uint_eq(f->d.next_seq, 0);
	seg(f, isn + 1, 0, 100);
	reasm_syn(&f->d, isn); /* retransmitted SYN */
	seg(f, isn + 1, 100, 100);
	reasm_syn(&f->d, 999); /* another ISN after data: ignored */
	ck_assert_uint_eq(f->d.isn, isn);
	seg(f, isn + 1, 200, 100);
	assert_whole(f, 300);
	ck_assert_uint_eq(f->d.next_seq, isn + 301);
	fx_end(f);
}
END_TEST

START_TEST(syn_reset)
{
	/* A new ISN before any data was delivered restarts the stream; bytes
	 * buffered in the old sequence space are freed. */
	struct fx *f = fx_default();

	reasm_syn(&f->d, 1000);
	reasm_segment(&f->d, 1101, S + 500, 50, 50, false, 0, &f->sink);
	ck_assert_uint_eq(f->d.ooo_segs, 1);
	ck_assert_uint_gt(f->mb.used, 0);
	reasm_syn(&f->d, 5000);
	ck_assert_uint_eq(f->d.isn, 5000);
	ck_assert_uint_eq(f->d.next_seq, 5001);
	ck_assert_uint_eq(f->d.ooo_segs, 0);
	ck_assert_uint_eq(f->d.ooo_bytes, 0);
	ck_assert_uint_eq(f->mb.used, 0);
	seg(f, 5001, 0, 100);
	assert_whole(f, 100);
	fx_end(f);
}
END_TEST

START_TEST(syn_alternating_isns)
{
	/* SYN+ACKs of a fresh (5000) and a stale (1000) incarnation of the
	 * server alternate; the last one seen before data is the stale one.
	 * The data follows 5000: the stream does too, from its first byte. */
	struct fx *f = fx_default();

	reasm_syn(&f->d, 1000);
	reasm_syn(&f->d, 5000);
	reasm_syn(&f->d, 1000);
	ck_assert_uint_eq(f->d.next_seq, 1001);
	seg(f, 5001, 0, 100);
	ck_assert_uint_eq(f->d.isn, 5000);
	seg(f, 5001, 100, 100);
	assert_whole(f, 200);
	ck_assert_uint_eq(f->d.gaps, 0);
	/* Once bytes were delivered, the other ISN changes nothing. */
	seg(f, 1001, 0, 100);
	ck_assert_uint_eq(f->d.isn, 5000);
	ck_assert_uint_eq(f->d.delivered, 200);
	fx_end(f);
}
END_TEST

/* --- FIN ---------------------------------------------------------------- */

START_TEST(fin_in_order)
{
	struct fx *f = fx_default();
	uint32_t base = 0xFFFFFFA0u;

	reasm_syn(&f->d, base - 1);
	seg_fin(f, base, 0, 100);
	ck_assert(f->d.fin_seen);
	ck_assert_uint_eq(f->d.fin_seq, base + 100);
	/* Data beyond the FIN is dropped and counted in `retrans`. */
	seg(f, base, 100, 50);
	ck_assert_uint_eq(f->d.retrans, 1);
	seg(f, base, 90, 30);
	ck_assert_uint_eq(f->d.retrans, 2);
	seg(f, base, 300, 10); /* far beyond: not buffered either */
	ck_assert_uint_eq(f->d.ooo_segs, 0);
	ck_assert_uint_eq(f->d.retrans, 3);
	seg_fin(f, base, 100, 0); /* the FIN again */
	ck_assert_uint_eq(f->d.retrans, 3);
	seg_fin(f, base, 120, 0); /* another FIN further on is ignored */
	ck_assert_uint_eq(f->d.fin_seq, base + 100);
	ck_assert_uint_eq(f->d.retrans, 4);
	reasm_flush(&f->d, 0, &f->sink);
	assert_whole(f, 100);
	fx_end(f);
}
END_TEST

START_TEST(fin_out_of_order)
{
	struct fx *f = fx_default();
	uint32_t base = 10;

	reasm_syn(&f->d, base - 1);
	seg_fin(f, base, 100, 100);
	ck_assert(f->d.fin_seen);
	ck_assert_uint_eq(f->d.fin_seq, base + 200);
	seg(f, base, 150, 100); /* the part past the FIN is cut off */
	ck_assert_uint_eq(f->d.ooo_bytes, 100);
	seg(f, base, 0, 100);
	assert_whole(f, 200);
	fx_end(f);
}
END_TEST

START_TEST(fin_flush_reports_missing)
{
	/* A FIN fixes the end: bytes before it that never came are a gap. */
	struct fx *f = fx_default();
	uint32_t base = 10;

	reasm_syn(&f->d, base - 1);
	seg(f, base, 0, 100);
	seg_fin(f, base, 300, 0);
	ck_assert_uint_eq(f->d.fin_seq, base + 300);
	reasm_flush(&f->d, 0, &f->sink);
	ck_assert_uint_eq(f->ts.ngap, 1);
	assert_gap(f, 0, 100, 200);
	ck_assert_uint_eq(f->d.next_seq, base + 300);
	fx_end(f);
}
END_TEST

START_TEST(fin_before_start)
{
	/* A bare FIN seen before any payload (mid-stream pickup) still bounds
	 * the stream. */
	struct fx *f = fx_default();
	uint32_t base = 2000;

	seg_fin(f, base, 100, 0);
	ck_assert(f->d.fin_seen);
	ck_assert(!f->d.started);
	seg(f, base, 0, 150);
	assert_whole(f, 100);
	ck_assert_uint_eq(f->d.retrans, 1);
	fx_end(f);
}
END_TEST

/* --- Snaplen cuts ------------------------------------------------------- */

START_TEST(cut_in_order)
{
	struct fx *f = fx_default();
	uint32_t base = 0xFFFFFFD0u;

	reasm_syn(&f->d, base - 1);
	seg_cut(f, base, 0, 60, 100);
	ck_assert_uint_eq(f->ts.nout, 60);
	ck_assert_uint_eq(f->ts.ngap, 1);
	assert_gap(f, 0, 60, 40);
	ck_assert_uint_eq(f->d.next_seq, base + 100);
	seg(f, base, 100, 100);
	ck_assert_uint_eq(f->ts.nout, 160);
	ck_assert_mem_eq(f->ts.out + 60, S + 100, 100);
	/* A cut segment with no payload at all is one gap. */
	seg_cut(f, base, 200, 0, 50);
	assert_gap(f, 1, 200, 50);
	ck_assert_uint_eq(f->d.gap_bytes, 90);
	assert_consistent(f);
	fx_end(f);
}
END_TEST

START_TEST(cut_tail_partly_buffered)
{
	/* Bytes buffered inside the cut tail are delivered; only the rest of
	 * the tail is a gap. */
	struct fx *f = fx_default();
	uint32_t base = 700;

	reasm_syn(&f->d, base - 1);
	seg(f, base, 80, 20);
	seg(f, base, 120, 30);
	seg_cut(f, base, 0, 60, 100);
	ck_assert_uint_eq(f->ts.ngap, 1);
	assert_gap(f, 0, 60, 20);
	ck_assert_uint_eq(f->ts.nout, 80);
	ck_assert_mem_eq(f->ts.out + 60, S + 80, 20);
	ck_assert_uint_eq(f->d.next_seq, base + 100);
	seg(f, base, 100, 20);
	ck_assert_uint_eq(f->ts.nout, 130);
	assert_consistent(f);
	fx_end(f);
}
END_TEST

START_TEST(cut_out_of_order)
{
	struct fx *f = fx_default();
	uint32_t base = 0xFFFFFFF8u;

	reasm_syn(&f->d, base - 1);
	seg_cut(f, base, 100, 50, 100);
	ck_assert_uint_eq(f->d.ooo_bytes, 50);
	seg(f, base, 0, 100);
	ck_assert_uint_eq(f->ts.nout, 150);
	ck_assert_uint_eq(f->ts.ngap, 0);
	seg(f, base, 200, 100);
	reasm_flush(&f->d, 0, &f->sink);
	assert_gap(f, 0, 150, 50);
	ck_assert_uint_eq(f->ts.nout, 250);
	ck_assert_mem_eq(f->ts.out + 150, S + 200, 100);
	assert_consistent(f);
	fx_end(f);
}
END_TEST

START_TEST(cut_out_of_order_refilled)
{
	/* The missing tail of a cut out-of-order segment is just not received:
	 * a full retransmission fills it. */
	struct fx *f = fx_default();
	uint32_t base = 5;

	reasm_syn(&f->d, base - 1);
	seg_cut(f, base, 100, 50, 100);
	seg(f, base, 0, 100);
	seg(f, base, 100, 100);
	assert_whole(f, 200);
	ck_assert_uint_eq(f->d.retrans, 1);
	fx_end(f);
}
END_TEST

/* --- reasm_done --------------------------------------------------------- */

START_TEST(done_stops_everything)
{
	struct fx *f = fx_default();
	uint32_t base = 40;
	unsigned calls;
	size_t peak;

	reasm_syn(&f->d, base - 1);
	seg(f, base, 0, 100);
	seg(f, base, 200, 100);
	reasm_done(&f->d);
	ck_assert(f->d.done);
	ck_assert_uint_eq(f->mb.used, 0);
	ck_assert_ptr_null(f->d.ooo);
	ck_assert_ptr_null(f->d.hist);
	calls = f->ts.calls;
	peak = f->mb.peak;
	seg(f, base, 100, 100);
	seg(f, base, 400, 100);
	seg_cut(f, base, 500, 10, 100);
	seg(f, base, 0, 100);
	ck_assert_uint_ge(f->d.retrans, 1);
	seg_fin(f, base, 600, 0);
	ck_assert(f->d.fin_seen);
	reasm_syn(&f->d, 77);
	reasm_flush(&f->d, 0, &f->sink);
	ck_assert_uint_eq(f->ts.calls, calls);
	ck_assert_uint_eq(f->mb.used, 0);
	ck_assert_uint_eq(f->mb.peak, peak);
	ck_assert_uint_eq(f->d.delivered, 100);
	fx_end(f);
}
END_TEST

START_TEST(done_from_sink)
{
	/* The consumer may say it is done while bytes are being delivered:
	 * nothing more reaches it and nothing leaks. */
	struct fx *f = fx_default();
	uint32_t base = 40;

	f->ts.done_dir = &f->d;
	reasm_syn(&f->d, base - 1);
	seg(f, base, 100, 100);
	seg(f, base, 300, 100);
	/* In order, and its own bytes go on past the buffered ones. */
	seg(f, base, 0, 300);
	ck_assert_uint_eq(f->ts.calls, 1);
	ck_assert_uint_eq(f->ts.nout, 100);
	ck_assert_uint_eq(f->mb.used, 0);
	ck_assert(f->d.done);
	fx_end(f);
}
END_TEST

START_TEST(done_from_sink_during_giveup)
{
	struct fx *f = fx_new(150, REASM_DIR_SEGS_MAX, 64, 0);
	uint32_t base = 40;

	f->ts.done_dir = &f->d;
	reasm_syn(&f->d, base - 1);
	seg(f, base, 100, 100);
	seg(f, base, 200, 100); /* cap: gap, then delivery, then done */
	ck_assert_uint_eq(f->ts.ngap, 1);
	ck_assert_uint_eq(f->ts.nout, 100);
	ck_assert(f->d.done);
	ck_assert_uint_eq(f->mb.used, 0);
	fx_end(f);
}
END_TEST

START_TEST(free_after_done_and_unused)
{
	struct fx *f = fx_default();

	reasm_done(&f->d);
	reasm_free(&f->d);
	fx_end(f);
	f = fx_default();
	fx_end(f); /* never used */
}
END_TEST

/* --- Split points ------------------------------------------------------- */

#define SPLIT_N 300

START_TEST(split_two_pieces)
{
	/* _i is the split point; the start moves across 2^32 with it. */
	uint32_t k = (uint32_t)_i + 1, base = 0xFFFFFF00u + k;
	struct fx *f = fx_default();

	reasm_syn(&f->d, base - 1);
	seg(f, base, 0, k);
	seg(f, base, k, SPLIT_N - k);
	assert_whole(f, SPLIT_N);
	fx_end(f);

	f = fx_default();
	reasm_syn(&f->d, base - 1);
	seg(f, base, k, SPLIT_N - k);
	seg(f, base, 0, k);
	assert_whole(f, SPLIT_N);
	ck_assert_uint_eq(f->ts.calls, 2);
	fx_end(f);

	/* Overlapping halves: the byte at the split point comes twice. */
	f = fx_default();
	reasm_syn(&f->d, base - 1);
	seg(f, base, k - 1, SPLIT_N - k + 1);
	seg(f, base, 0, k);
	assert_whole(f, SPLIT_N);
	ck_assert_uint_eq(f->d.retrans, 1);
	ck_assert_uint_eq(f->d.conflicts, 0);
	fx_end(f);
}
END_TEST

START_TEST(split_bytes)
{
	/* 1-byte pieces: forward, reversed, odd then even; the same stream. */
	uint32_t base = 0xFFFFFF80u, k;
	struct fx *f;
	int j;

	f = fx_default();
	reasm_syn(&f->d, base - 1);
	for (k = 0; k < SPLIT_N; k++)
		seg(f, base, k, 1);
	assert_whole(f, SPLIT_N);
	fx_end(f);

	f = fx_default();
	reasm_syn(&f->d, base - 1);
	for (j = SPLIT_N - 1; j >= 0; j--)
		seg(f, base, (uint32_t)j, 1);
	assert_whole(f, SPLIT_N);
	fx_end(f);

	f = fx_default();
	reasm_syn(&f->d, base - 1);
	for (k = 1; k < SPLIT_N; k += 2)
		seg(f, base, k, 1);
	for (k = 0; k < SPLIT_N; k += 2)
		seg(f, base, k, 1);
	assert_whole(f, SPLIT_N);
	fx_end(f);
}
END_TEST

/* --- Random orders ------------------------------------------------------ */

#define RAND_N 3000
#define RAND_SEGS 256

struct rseg {
	uint32_t off, len, wire;
};

/* Cut [0, RAND_N) into segments, add overlapping copies and (when `cut`)
 * snaplen-truncated copies, and shuffle. */
static size_t
random_segments(uint32_t *st, struct rseg *v, bool cut)
{
	size_t n = 0, i;
	uint32_t off = 0;

	while (off < RAND_N) {
		uint32_t len = 1 + rnd(st) % 150;

		if (len > RAND_N - off)
			len = RAND_N - off;
		ck_assert_uint_lt(n, RAND_SEGS);
		v[n].off = off;
		v[n].len = v[n].wire = len;
		n++;
		off += len;
	}
	while (n < RAND_SEGS) {
		uint32_t o = rnd(st) % RAND_N, len = 1 + rnd(st) % 200;

		if (len > RAND_N - o)
			len = RAND_N - o;
		v[n].off = o;
		v[n].wire = len;
		v[n].len = cut && rnd(st) % 3 == 0 ? rnd(st) % len : len;
		n++;
	}
	for (i = n - 1; i > 0; i--) {
		size_t j = rnd(st) % (i + 1);
		struct rseg t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
	return n;
}

START_TEST(random_orders)
{
	/* Any order and overlap of identical copies gives the whole stream. */
	uint32_t st = 0x9e3779b9u ^ (uint32_t)_i * 2654435761u;
	struct rseg v[RAND_SEGS];
	struct fx *f = fx_default();
	uint32_t base = rnd(&st);
	size_t n, i;

	if (_i % 4 == 0)
		base = 0xFFFFFFFFu - (uint32_t)_i; /* across 2^32 */
	n = random_segments(&st, v, false);
	reasm_syn(&f->d, base - 1);
	for (i = 0; i < n; i++)
		seg(f, base, v[i].off, v[i].len);
	assert_whole(f, RAND_N);
	ck_assert_uint_eq(f->d.conflicts, 0);
	ck_assert_uint_eq(f->d.ooo_segs, 0);
	fx_end(f);
}
END_TEST

START_TEST(random_orders_capped)
{
	/* Small caps and snaplen cuts: whatever is lost, every byte of the
	 * stream is delivered once at its place or counted in a gap. */
	uint32_t st = 0x85ebca6bu ^ (uint32_t)_i * 2246822519u;
	struct rseg v[RAND_SEGS];
	struct fx *f = fx_new(200 + (uint32_t)_i * 7, 1 + (uint32_t)_i % 9,
			      (uint32_t)_i % 3 == 0 ? 0 : 256, 0);
	uint32_t base = rnd(&st);
	size_t n, i;

	if (_i % 4 == 0)
		base = 0xFFFFFFFFu - (uint32_t)_i;
	n = random_segments(&st, v, true);
	reasm_syn(&f->d, base - 1);
	for (i = 0; i < n; i++) {
		reasm_segment(&f->d, base + v[i].off, S + v[i].off, v[i].len,
			      v[i].wire, false, 0, &f->sink);
		ck_assert_uint_le(f->d.ooo_segs, f->lim.segs_max);
		ck_assert_uint_le(f->d.ooo_bytes, f->lim.dir_max);
	}
	reasm_flush(&f->d, 0, &f->sink);
	ck_assert_uint_eq(f->ts.pos, RAND_N);
	ck_assert_uint_eq(f->d.next_seq, base + RAND_N);
	ck_assert_uint_eq(f->d.conflicts, 0);
	assert_consistent(f);
	fx_end(f);
}
END_TEST

static Suite *
reasm_suite(void)
{
	Suite *s = suite_create("reasm");
	TCase *tc;

	tc = tcase_create("order");
	tcase_add_test(tc, in_order_no_alloc);
	tcase_add_test(tc, in_order_history_only);
	tcase_add_loop_test(tc, permutations, 0, 2 * PERM_COUNT);
	tcase_add_test(tc, reversed);
	tcase_add_loop_test(tc, wraparound, 0, 5);
	tcase_add_test(tc, out_of_window);
	suite_add_tcase(s, tc);

	tc = tcase_create("overlap");
	tcase_add_test(tc, duplicates);
	tcase_add_test(tc, overlap_identical);
	tcase_add_test(tc, conflict_delivered);
	tcase_add_test(tc, conflict_history_window);
	tcase_add_test(tc, conflict_history_off);
	tcase_add_test(tc, conflict_buffered);
	tcase_add_test(tc, keepalive);
	suite_add_tcase(s, tc);

	tc = tcase_create("gaps_caps");
	tcase_add_test(tc, gap_then_flush);
	tcase_add_test(tc, flush_nothing);
	tcase_add_loop_test(
	    tc, dir_cap, 0,
	    (int)(sizeof(dir_cap_tab) / sizeof(dir_cap_tab[0])));
	tcase_add_test(tc, cap_several_holes);
	tcase_add_test(tc, cap_new_segment_in_first_hole);
	tcase_add_test(tc, budget_refusal);
	tcase_add_test(tc, budget_refuses_history);
	tcase_add_test(tc, segs_storm);
	tcase_add_test(tc, segs_storm_reversed);
	tcase_add_test(tc, segs_max_zero);
	suite_add_tcase(s, tc);

	tc = tcase_create("syn_fin");
	tcase_add_test(tc, pickup_without_syn);
	tcase_add_test(tc, pickup_ignores_empty);
	tcase_add_test(tc, syn_then_data);
	tcase_add_test(tc, syn_reset);
	tcase_add_test(tc, syn_alternating_isns);
	tcase_add_test(tc, fin_in_order);
	tcase_add_test(tc, fin_out_of_order);
	tcase_add_test(tc, fin_flush_reports_missing);
	tcase_add_test(tc, fin_before_start);
	suite_add_tcase(s, tc);

	tc = tcase_create("cut_done");
	tcase_add_test(tc, cut_in_order);
	tcase_add_test(tc, cut_tail_partly_buffered);
	tcase_add_test(tc, cut_out_of_order);
	tcase_add_test(tc, cut_out_of_order_refilled);
	tcase_add_test(tc, done_stops_everything);
	tcase_add_test(tc, done_from_sink);
	tcase_add_test(tc, done_from_sink_during_giveup);
	tcase_add_test(tc, free_after_done_and_unused);
	suite_add_tcase(s, tc);

	tc = tcase_create("sweeps");
	tcase_add_loop_test(tc, split_two_pieces, 0, SPLIT_N - 1);
	tcase_add_test(tc, split_bytes);
	tcase_add_loop_test(tc, random_orders, 0, 200);
	tcase_add_loop_test(tc, random_orders_capped, 0, 200);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	return s;
}

TEST_MAIN(reasm_suite)
