/* reasm.h -- TCP stream reassembly for one direction of one connection.
 *
 * reasm turns TCP segments, in whatever order they arrive, into an ordered
 * byte stream handed to a sink, with every hole reported as a gap of N
 * bytes.  It owns the out-of-order segments it buffers and a short history
 * of delivered bytes (used to compare retransmissions with the first copy);
 * both are charged to a shared membudget before they are allocated.  It
 * knows nothing of TLS, and nothing of the other direction.
 *
 * Policy (RFC 9293 3.10.7.4 leaves overlap resolution to the receiver):
 * the FIRST copy of every byte wins.  A retransmission or overlap is compared
 * with the first copy where that copy is still held (buffered out of order,
 * or within the REASM_HISTORY_MAX delivered bytes); bytes that differ are
 * counted in `conflicts` (an injection signal).  Sequence numbers compare
 * modulo 2^32 (SEQ_LT etc.), so wrap-around is invisible to the consumer.
 *
 * A stream starts at the SYN's sequence number + 1 when a SYN was seen, or
 * at the first segment seen (mid-stream pickup).  When a direction's
 * out-of-order buffer would pass its cap, the hole before the buffered data
 * is given up as a gap and delivery goes on.  After reasm_done(), buffers are
 * freed and segments are only counted.
 */
#ifndef TLSDIAG_REASM_H
#define TLSDIAG_REASM_H

#include <stdbool.h>
#include <stdint.h>

#include "tlsdiag/mem.h"

/* Wrap-safe TCP sequence comparisons (RFC 1982 serial arithmetic). */
#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)

/* Where the ordered bytes go.  `data` gets each run of in-order bytes once;
 * `gap` reports `len` bytes that will never be delivered (lost before the
 * capture, cut by the snaplen, or given up when a buffer cap was hit). */
struct reasm_sink {
	void (*data)(void *ctx, const uint8_t *p, uint32_t len, uint64_t ts_us);
	void (*gap)(void *ctx, uint64_t len, uint64_t ts_us);
	void *ctx;
};

struct reasm_limits {
	uint32_t dir_max;  /* out-of-order bytes per direction */
	uint32_t segs_max; /* out-of-order segments per direction */
	uint32_t history;  /* delivered bytes kept for retransmission checks */
};

struct reasm_seg; /* private: one buffered out-of-order segment */

struct reasm_dir {
	const struct reasm_limits *limits; /* borrowed, from reasm_init() */
	struct membudget *mb;	/* borrowed, from reasm_init(); may be NULL */
	bool started;	   /* next_seq is meaningful */
	bool syn_seen;
	bool fin_seen;
	bool done;	   /* the consumer wants no more bytes */
	uint32_t isn;	   /* SYN's sequence number, if syn_seen */
	bool isn_alt_seen; /* an earlier SYN had another ISN (isn_alt) */
	uint32_t isn_alt;
	uint32_t next_seq; /* next byte to deliver */
	uint32_t fin_seq;  /* sequence number of the FIN, if fin_seen */

	struct reasm_seg *ooo;	/* owned: sorted by seq, non-overlapping */
	uint32_t ooo_bytes;
	uint32_t ooo_segs;

	uint8_t *hist;		/* owned: ring of the last delivered bytes */
	uint32_t hist_len;	/* bytes valid in hist (<= limits->history) */
	uint32_t hist_pos;	/* ring write position */

	/* Counters. */
	uint64_t delivered;	/* bytes handed to sink->data */
	uint64_t gap_bytes;	/* bytes reported through sink->gap */
	uint32_t gaps;		/* number of gap reports */
	uint32_t retrans;	/* segments wholly or partly already seen */
	uint32_t conflicts;	/* overlapping bytes that differ from the first copy */
	uint32_t ooo_seen;	/* segments that arrived ahead of a hole */
	uint32_t cap_hits;	/* times a cap forced a gap */
};

/* Prepare a direction.  `limits` and `mb` are borrowed for its lifetime;
 * `mb` may be NULL (unlimited, uncounted). */
void reasm_init(struct reasm_dir *d, const struct reasm_limits *limits,
    struct membudget *mb);

/* A SYN (or SYN+ACK) with sequence number `seq` was seen in this direction.
 * A second SYN with another ISN before any data resets the stream.  The ISN
 * it replaced is remembered: when SYNs of two ISNs alternate (a SYN+ACK
 * retransmitted by a stale and a fresh incarnation of the server) the
 * first data segment settles which one the stream follows. */
void reasm_syn(struct reasm_dir *d, uint32_t seq);

/* One segment: `len` payload bytes present at `p`, of `wire_len` on the
 * wire (wire_len > len when the snaplen cut the packet: the missing tail is a
 * gap).  `fin` marks a FIN at seq + wire_len.  Delivers whatever became
 * in order to `sink`. */
void reasm_segment(struct reasm_dir *d, uint32_t seq, const uint8_t *p,
    uint32_t len, uint32_t wire_len, bool fin, uint64_t ts_us,
    const struct reasm_sink *sink);

/* No more segments will come (close, timeout, end of capture): deliver
 * what is buffered, reporting the holes before it as gaps. */
void reasm_flush(struct reasm_dir *d, uint64_t ts_us,
    const struct reasm_sink *sink);

/* The consumer wants no more bytes: free buffers; later segments only
 * update counters. */
void reasm_done(struct reasm_dir *d);

/* Release everything the direction owns. */
void reasm_free(struct reasm_dir *d);

#endif
