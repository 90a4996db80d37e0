/* reasm.c -- per-direction TCP stream reassembly.
 *
 * Implements the receiver's reordering of RFC 9293 3.10.7.4 with the
 * first-copy-wins overlap policy described in reasm.h, and sequence number
 * arithmetic modulo 2^32 (RFC 9293 3.4, RFC 1982).
 *
 * It must never drop a byte silently: every byte of sequence space it is
 * shown is either handed to sink->data exactly once or counted in a gap.
 * The documented exceptions: bytes behind next_seq or past a FIN (counted
 * in `retrans`), bytes buffered under an ISN that a new SYN replaced, and
 * whatever is buffered when the consumer calls reasm_done().  It never
 * allocates before reserving the bytes on the budget, never reads the caller's
 * buffer past `len`, and never calls the sink after reasm_done().
 */
#include "tlsdiag/reasm.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* One buffered out-of-order segment.  Header and bytes are one allocation,
 * charged to the budget as sizeof(struct reasm_seg) + len.  A segment is
 * never trimmed in place once linked: readers skip its stale head with an
 * offset, so the amount to release is always known from `len`. */
struct reasm_seg {
	struct reasm_seg *next;
	uint32_t seq;
	uint32_t len;
	uint8_t data[];
};

/* A segment longer than this is clamped to it.  Decode cannot produce one
 * (an IPv4 total length is 16 bits and the snaplen is far below this), but
 * sequence comparisons are only meaningful for distances under 2^31, so a
 * hostile or buggy caller must not be able to step outside that window. */
#define REASM_SEG_CLAMP 0x40000000u

/* The largest window TCP allows (RFC 7323 2.3: 2^30 with the largest window
 * scale).  Data further ahead of next_seq cannot be new data of this stream
 * (RFC 7323 5 calls it an old duplicate when the sequence space has
 * wrapped); refusing it also keeps every buffered byte less than 2^31 ahead
 * of next_seq, where SEQ_LT orders them consistently. */
#define REASM_WINDOW_MAX 0x40000000u

/* While `hist` is NULL, a non-zero `hist_pos` records that the budget
 * refused the history ring once: asking again for every packet would only
 * inflate the budget's refusal counter, and the history matters most at the
 * start of a stream anyway. */
#define HIST_REFUSED 1u

static uint32_t
min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static size_t
seg_cost(uint32_t len)
{
	return sizeof(struct reasm_seg) + (size_t)len;
}

static void
seg_free(struct reasm_dir *d, struct reasm_seg *s)
{
	mem_release(d->mb, seg_cost(s->len));
	free(s);
}

/* Free every buffered segment without delivering it. */
static void
ooo_free(struct reasm_dir *d)
{
	struct reasm_seg *s, *next;

	for (s = d->ooo; s != NULL; s = next) {
		next = s->next;
		seg_free(d, s);
	}
	d->ooo = NULL;
	d->ooo_bytes = 0;
	d->ooo_segs = 0;
}

static void
hist_free(struct reasm_dir *d)
{
	if (d->hist != NULL) {
		mem_release(d->mb, d->limits->history);
		free(d->hist);
		d->hist = NULL;
	}
	d->hist_len = 0;
	d->hist_pos = 0;
}

/* A new segment holding a copy of [seq, seq + len), or NULL when a cap or
 * the budget (or malloc) refuses it.  The caller links it. */
static struct reasm_seg *
seg_new(struct reasm_dir *d, uint32_t seq, const uint8_t *p, uint32_t len)
{
	struct reasm_seg *s;

	if (d->ooo_segs >= d->limits->segs_max ||
	    len > d->limits->dir_max - min32(d->ooo_bytes, d->limits->dir_max))
		return NULL;
	if (!mem_reserve(d->mb, seg_cost(len)))
		return NULL;
	s = malloc(seg_cost(len));
	if (s == NULL) {
		mem_release(d->mb, seg_cost(len));
		return NULL;
	}
	s->next = NULL;
	s->seq = seq;
	s->len = len;
	memcpy(s->data, p, len);
	d->ooo_bytes += len;
	d->ooo_segs++;
	return s;
}

/* Unlink the first buffered segment; the caller frees it. */
static struct reasm_seg *
ooo_pop(struct reasm_dir *d)
{
	struct reasm_seg *s = d->ooo;

	d->ooo = s->next;
	d->ooo_bytes -= s->len;
	d->ooo_segs--;
	s->next = NULL;
	return s;
}

/* Append delivered bytes to the history ring, allocating it on first use. */
static void
hist_add(struct reasm_dir *d, const uint8_t *p, uint32_t n)
{
	uint32_t cap = d->limits->history, chunk;

	if (cap == 0 || n == 0)
		return;
	if (d->hist == NULL) {
		if (d->hist_pos == HIST_REFUSED)
			return;
		if (!mem_reserve(d->mb, cap)) {
			d->hist_pos = HIST_REFUSED;
			return;
		}
		d->hist = malloc(cap);
		if (d->hist == NULL) {
			mem_release(d->mb, cap);
			d->hist_pos = HIST_REFUSED;
			return;
		}
		d->hist_len = 0;
		d->hist_pos = 0;
	}
	if (n >= cap) {
		memcpy(d->hist, p + (n - cap), cap);
		d->hist_pos = 0;
		d->hist_len = cap;
		return;
	}
	chunk = min32(n, cap - d->hist_pos);
	memcpy(d->hist + d->hist_pos, p, chunk);
	memcpy(d->hist, p + chunk, n - chunk);
	d->hist_pos = (d->hist_pos + n) % cap;
	d->hist_len = min32(cap, d->hist_len + n);
}

/* Count the bytes of [seq, seq + n) at p (all before next_seq) that differ
 * from the delivered copy, where the history still holds it. */
static uint32_t
hist_diff(const struct reasm_dir *d, uint32_t seq, const uint8_t *p, uint32_t n)
{
	uint32_t cap = d->limits->history, lo, skip, back, idx, i, diff = 0;

	if (d->hist == NULL || d->hist_len == 0 || n == 0)
		return 0;
	lo = d->next_seq - d->hist_len;
	if (SEQ_LT(seq, lo)) {
		skip = lo - seq;
		if (skip >= n)
			return 0;
		seq = lo;
		p += skip;
		n -= skip;
	}
	back = d->next_seq - seq; /* 1 .. hist_len */
	idx =
	    d->hist_pos >= back ? d->hist_pos - back : d->hist_pos + cap - back;
	for (i = 0; i < n && i < back; i++) {
		if (d->hist[idx] != p[i])
			diff++;
		if (++idx == cap)
			idx = 0;
	}
	return diff;
}

static uint32_t
bytes_diff(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	uint32_t i, diff = 0;

	for (i = 0; i < n; i++)
		diff += a[i] != b[i];
	return diff;
}

/* Hand n in-order bytes to the sink.  The history is written first: the
 * sink may call reasm_done(), which frees it. */
static void
emit(struct reasm_dir *d, const uint8_t *p, uint32_t n, uint64_t ts,
     const struct reasm_sink *sink)
{
	d->next_seq += n;
	d->delivered += n;
	hist_add(d, p, n);
	if (sink != NULL && sink->data != NULL)
		sink->data(sink->ctx, p, n, ts);
}

/* Give up n bytes.  The history maps sequence numbers back from next_seq,
 * so it no longer matches once next_seq jumps: it is emptied (its write
 * position may stay anywhere). */
static void
emit_gap(struct reasm_dir *d, uint32_t n, uint64_t ts,
	 const struct reasm_sink *sink)
{
	d->next_seq += n;
	d->gap_bytes += n;
	d->gaps++;
	d->hist_len = 0;
	if (sink != NULL && sink->gap != NULL)
		sink->gap(sink->ctx, n, ts);
}

/* Move next_seq forward to `end`, then on through the buffered segments
 * that follow without a hole.  Each byte comes from a buffered segment
 * when one holds it (the first copy), else from the caller's bytes
 * [s, s + len) at p, else it is reported as a gap.  Overlaps between the
 * caller's bytes and buffered ones are compared and set *seen.  Returns at
 * once if the sink calls reasm_done(). */
static void
advance(struct reasm_dir *d, uint32_t end, uint32_t s, const uint8_t *p,
	uint32_t len, bool *seen, uint64_t ts, const struct reasm_sink *sink)
{
	struct reasm_seg *h;
	uint32_t stop, off, n, a, b;

	while (!d->done) {
		h = d->ooo;
		if (h != NULL && SEQ_LEQ(h->seq, d->next_seq)) {
			h = ooo_pop(d);
			off = d->next_seq - h->seq;
			if (off < h->len) {
				n = h->len - off;
				/* The caller's copy of the same bytes. */
				a = d->next_seq;
				b = a + n;
				if (len != 0 && SEQ_LT(a, s + len) &&
				    SEQ_GT(b, s)) {
					if (SEQ_LT(a, s))
						a = s;
					if (SEQ_GT(b, s + len))
						b = s + len;
					d->conflicts +=
					    bytes_diff(h->data + (a - h->seq),
						       p + (a - s), b - a);
					*seen = true;
				}
				emit(d, h->data + off, n, ts, sink);
			}
			seg_free(d, h);
			continue;
		}
		if (!SEQ_LT(d->next_seq, end))
			break;
		stop = end;
		if (h != NULL && SEQ_LT(h->seq, stop))
			stop = h->seq;
		if (len != 0 && SEQ_GEQ(d->next_seq, s) &&
		    SEQ_LT(d->next_seq, s + len)) {
			off = d->next_seq - s;
			n = min32(len - off, stop - d->next_seq);
			emit(d, p + off, n, ts, sink);
		} else {
			if (len != 0 && SEQ_LT(d->next_seq, s) &&
			    SEQ_LT(s, stop))
				stop = s;
			emit_gap(d, stop - d->next_seq, ts, sink);
		}
	}
}

/* A cap refused to buffer bytes starting at s (after next_seq).  Give up
 * the first hole: up to the first buffered segment, or only up to s when s
 * comes first (the caller's bytes are then in order and need no buffer),
 * and deliver whatever became in order. */
static void
give_up(struct reasm_dir *d, uint32_t s, uint64_t ts,
	const struct reasm_sink *sink)
{
	uint32_t target = s;
	bool seen = false;

	if (d->ooo != NULL && SEQ_LT(d->ooo->seq, s))
		target = d->ooo->seq;
	d->cap_hits++;
	advance(d, target, 0, NULL, 0, &seen, ts, sink);
}

/* Place the caller's bytes [seq, seq + len) at p, of which the segment
 * covers [seq, wire_end) on the wire, with seq after next_seq.  Parts
 * already buffered are compared, not copied again (first copy wins); the
 * missing tail is simply not received, so a later fill, flush or cap hit
 * accounts for it. */
static void
place(struct reasm_dir *d, uint32_t seq, const uint8_t *p, uint32_t len,
      uint32_t wire_end, bool *seen, uint64_t ts, const struct reasm_sink *sink)
{
	struct reasm_seg *prev, *cur, *ns;
	uint32_t s = seq, e = seq + len, cend, n, pe;

again:
	if (d->done)
		return;
	if (SEQ_LEQ(s, d->next_seq)) {
		/* In order now (a cap gave up the hole before it).  A give-up
		 * stops at s or at buffered bytes, so next_seq == s here. */
		advance(d, wire_end, s, s == e ? NULL : p + (s - seq), e - s,
			seen, ts, sink);
		return;
	}
	prev = NULL;
	cur = d->ooo;
	while (SEQ_LT(s, e)) {
		while (cur != NULL && SEQ_LEQ(cur->seq + cur->len, s)) {
			prev = cur;
			cur = cur->next;
		}
		if (cur != NULL && SEQ_LEQ(cur->seq, s)) {
			/* Buffered already: the first copy stays. */
			cend = cur->seq + cur->len;
			n = SEQ_LT(e, cend) ? e - s : cend - s;
			d->conflicts += bytes_diff(cur->data + (s - cur->seq),
						   p + (s - seq), n);
			*seen = true;
			s += n;
			continue;
		}
		pe = cur != NULL && SEQ_LT(cur->seq, e) ? cur->seq : e;
		ns = seg_new(d, s, p + (s - seq), pe - s);
		if (ns == NULL) {
			/* The list may change under give_up(): start over.
			 * Each round frees a buffered segment or makes s in
			 * order, so this ends. */
			give_up(d, s, ts, sink);
			goto again;
		}
		ns->next = cur;
		if (prev == NULL)
			d->ooo = ns;
		else
			prev->next = ns;
		prev = ns;
		s = pe;
	}
}

void
reasm_init(struct reasm_dir *d, const struct reasm_limits *limits,
	   struct membudget *mb)
{
	memset(d, 0, sizeof(*d));
	d->limits = limits;
	d->mb = mb;
}

void
reasm_syn(struct reasm_dir *d, uint32_t seq)
{
	if (d->done)
		return;
	if (d->syn_seen && d->isn == seq)
		return;
	/* Once bytes (or gaps) were handed on, a SYN with another ISN is late
	 * or bogus: the stream cannot be taken back. */
	if (d->started && (d->delivered != 0 || d->gaps != 0))
		return;
	/* A new ISN before any data: the first attempt was abandoned (or its
	 * SYN was a stray).  Its buffered bytes live in the old sequence space;
	 * reporting them as a gap of the new stream would be wrong. */
	if (d->syn_seen) {
		d->fin_seen = false;
		d->fin_seq = 0;
		d->isn_alt_seen = true;
		d->isn_alt = d->isn;
	}
	ooo_free(d);
	d->syn_seen = true;
	d->isn = seq;
	d->next_seq = seq + 1;
	d->started = true;
}

/* Counters only, after reasm_done(): next_seq keeps following the stream so
 * that `retrans` stays roughly meaningful. */
static void
segment_done(struct reasm_dir *d, uint32_t seq, uint32_t wire_len, bool fin)
{
	if (fin && !d->fin_seen) {
		d->fin_seen = true;
		d->fin_seq = seq + wire_len;
	}
	if (!d->started || wire_len == 0)
		return;
	if (SEQ_LT(seq, d->next_seq))
		d->retrans++;
	else if (SEQ_GT(seq + wire_len, d->next_seq))
		d->next_seq = seq + wire_len;
}

void
reasm_segment(struct reasm_dir *d, uint32_t seq, const uint8_t *p, uint32_t len,
	      uint32_t wire_len, bool fin, uint64_t ts_us,
	      const struct reasm_sink *sink)
{
	uint32_t old, skip;
	bool seen = false;

	if (len > REASM_SEG_CLAMP)
		len = REASM_SEG_CLAMP;
	if (wire_len > REASM_SEG_CLAMP)
		wire_len = REASM_SEG_CLAMP;
	if (wire_len < len)
		wire_len = len;
	if (len == 0)
		p = NULL;

	if (d->done) {
		segment_done(d, seq, wire_len, fin);
		return;
	}
	if (!d->started) {
		if (wire_len == 0) {
			if (fin && !d->fin_seen) {
				d->fin_seen = true;
				d->fin_seq = seq;
			}
			return;
		}
		/* XXX: without a SYN the stream starts at the first segment
		 * seen.  Should a segment with a lower sequence number turn up
		 * later (reordered before the capture started), it is taken for
		 * a retransmission and its bytes are lost uncounted as a gap;
		 * there is no way to tell the two apart afterwards. */
		d->started = true;
		d->next_seq = seq;
	}

	/* Before any byte was handed on, data that starts right after the
	 * other ISN seen (and not after the current one) shows which SYN the
	 * stream follows: the last SYN seen was a stale retransmission. */
	if (d->isn_alt_seen && wire_len > 0 && d->delivered == 0 &&
	    d->gaps == 0 && seq != d->next_seq && seq == d->isn_alt + 1) {
		reasm_syn(d, d->isn_alt);
	}

	/* The FIN closed the sequence space: bytes at or beyond it can only be
	 * a late or forged segment.  They are dropped and the segment counted
	 * in `retrans` (the first FIN wins, like the first copy of a byte). */
	if (d->fin_seen && SEQ_GT(seq + wire_len, d->fin_seq)) {
		seen = true;
		if (SEQ_GEQ(seq, d->fin_seq))
			goto out;
		wire_len = d->fin_seq - seq;
		len = min32(len, wire_len);
	}
	if (fin && !d->fin_seen) {
		d->fin_seen = true;
		d->fin_seq = seq + wire_len;
	}
	if (wire_len == 0)
		goto out;

	if (SEQ_LT(seq, d->next_seq)) {
		seen = true;
		old = d->next_seq - seq;
		/* A keepalive probe (RFC 9293 3.8.4) repeats the byte before
		 * next_seq, often as garbage: not an injection signal.  XXX: a
		 * forged 1-byte segment there goes unnoticed; telling them
		 * apart would need the ACK and window, which reasm never sees.
		 */
		if (!(wire_len == 1 && old == 1))
			d->conflicts += hist_diff(d, seq, p, min32(old, len));
		if (old >= wire_len)
			goto out;
		skip = min32(old, len);
		p = len > skip ? p + skip : NULL;
		len -= skip;
		wire_len -= old;
		seq = d->next_seq;
	}

	if (seq == d->next_seq) {
		advance(d, seq + wire_len, seq, p, len, &seen, ts_us, sink);
	} else if (seq - d->next_seq >= REASM_WINDOW_MAX) {
		/* Outside any window TCP allows: an old duplicate from the
		 * previous trip round the sequence space, or a forgery.
		 * Counted with the retransmissions. */
		seen = true;
	} else {
		d->ooo_seen++;
		place(d, seq, p, len, seq + wire_len, &seen, ts_us, sink);
	}
out:
	if (seen)
		d->retrans++;
}

void
reasm_flush(struct reasm_dir *d, uint64_t ts_us, const struct reasm_sink *sink)
{
	struct reasm_seg *s;
	uint32_t end;
	bool seen = false;

	if (d->done || !d->started)
		return;
	end = d->next_seq;
	for (s = d->ooo; s != NULL; s = s->next)
		end = s->seq + s->len;
	/* A FIN fixes where the stream ends: the bytes before it that never
	 * came are as lost as a hole between buffered segments. */
	if (d->fin_seen && SEQ_GT(d->fin_seq, end))
		end = d->fin_seq;
	advance(d, end, 0, NULL, 0, &seen, ts_us, sink);
}

void
reasm_done(struct reasm_dir *d)
{
	ooo_free(d);
	hist_free(d);
	d->done = true;
}

void
reasm_free(struct reasm_dir *d)
{
	reasm_done(d);
}
