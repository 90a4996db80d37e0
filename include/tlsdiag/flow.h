/* flow.h -- the table of TCP connections and the per-packet path into it.
 *
 * flow owns every `struct flow`: it creates one per bidirectional 5-tuple,
 * decides which side is the client, keeps per-direction counters and a
 * reasm_dir per direction, expires flows by idle time in packet time (so
 * offline runs are deterministic), and evicts the least recently active flow
 * when the table is full or, through flow_shed(), when memory is short.  It hands ordered bytes, gaps, each packet and the
 * end of each flow to a consumer through `struct flow_ops`; it never looks
 * at the payload.
 *
 * The client is the sender of a SYN without ACK (or the receiver of a
 * SYN+ACK).  For a flow picked up mid-stream the client is guessed (the side
 * with the higher port, or the first sender when ports tie) and marked so;
 * the consumer corrects the guess with flow_swap_sides() when it sees, say,
 * a ClientHello coming the other way.
 *
 * States and their idle timeouts (caps.h): OPENING (SYN seen, no payload),
 * ACTIVE (payload seen, or picked up mid-stream, consumer undecided), DECIDED (the consumer called
 * flow_decided(): from then on only counters are updated, a hash lookup per
 * packet), CLOSED (RST seen, or FIN seen both ways).  A SYN on a closed
 * 5-tuple ends the old flow and starts a new one (port reuse).
 *
 * Callbacks may call flow_decided(), flow_dir_done() and flow_swap_sides();
 * they must not call flow_packet() or flow_table_free() (flow_expire() and
 * flow_finish() do nothing when called from a callback).
 */
#ifndef TLSDIAG_FLOW_H
#define TLSDIAG_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "tlsdiag/decode.h"
#include "tlsdiag/mem.h"
#include "tlsdiag/reasm.h"

enum flow_state {
	FLOW_OPENING,
	FLOW_ACTIVE,
	FLOW_DECIDED,
	FLOW_CLOSED,
	FLOW_NSTATES
};

/* Why a flow ended. */
enum flow_end {
	FLOW_END_TIMEOUT,	/* idle longer than its state's timeout */
	FLOW_END_EVICTED,	/* the table was full */
	FLOW_END_REUSED,	/* a new SYN on the same 5-tuple after a close */
	FLOW_END_INPUT,		/* end of the capture */
	FLOW_END_NREASONS
};

/* Direction indexes: FLOW_C2S is the client sending to the server. */
#define FLOW_C2S 0
#define FLOW_S2C 1

struct flow_dir {
	struct reasm_dir rs;
	uint64_t pkts;		/* packets sent in this direction */
	uint64_t wire_bytes;	/* their length on the wire (frame length) */
	uint64_t payload_bytes; /* TCP payload on the wire, retransmissions too */
	uint64_t syn_ts, fin_ts, rst_ts; /* first SYN / FIN / RST, 0 if none */
	uint8_t ttl_first;	/* TTL / hop limit of the first packet */
	uint8_t ttl_min, ttl_max;
	bool syn, fin, rst;
};

struct flow {
	uint64_t id;		/* creation order, from 1 */
	uint8_t af;		/* 4 or 6 */
	uint8_t addr[2][16];	/* [FLOW_C2S] client, [FLOW_S2C] server */
	uint16_t port[2];
	enum flow_state state;
	bool client_guessed;	/* no SYN seen: sides are a guess */
	uint64_t first_ts, last_ts;
	struct flow_dir dir[2];	/* indexed by FLOW_C2S / FLOW_S2C */
	void *app;		/* the consumer's; it frees it in ops->end */

	/* The packet being processed, during the callbacks it causes (NULL
	 * otherwise): a consumer that keeps a flow's packets can take the one
	 * that made it decide. */
	const struct pkt *cur_pkt;

	/* Private to flow.c. */
	struct flow *hnext;
	struct flow *lprev, *lnext; /* the list of its state, oldest first */
	uint32_t hash;
	bool swap_pending;
	bool in_dispatch;
};

/* What the consumer is told.  Every member may be NULL.  `dir` is FLOW_C2S
 * or FLOW_S2C.  `end` is the last call for a flow; the flow is freed after
 * it returns. */
struct flow_ops {
	void (*start)(void *ctx, struct flow *f);
	void (*data)(void *ctx, struct flow *f, int dir, const uint8_t *p,
	    uint32_t len, uint64_t ts_us);
	void (*gap)(void *ctx, struct flow *f, int dir, uint64_t len,
	    uint64_t ts_us);
	/* After each packet has been counted and its bytes delivered. */
	void (*packet)(void *ctx, struct flow *f, int dir, const struct pkt *p);
	void (*end)(void *ctx, struct flow *f, enum flow_end why);
};

struct flow_config {
	uint32_t max_flows;
	uint32_t timeout[FLOW_NSTATES];	/* seconds, by state */
	struct reasm_limits reasm;
	struct membudget *mem;		/* flow entries are charged here; may
					   be NULL */
	struct membudget *reasm_mem;	/* reassembly buffers; NULL: mem */
	struct membudget *table_mem;	/* the bucket array (fixed, 8 bytes
					   per max_flows rounded up to a power
					   of two); may be NULL */
};

struct flow_stats {
	uint64_t packets;		/* TCP packets given to flow_packet() */
	uint64_t created;
	uint64_t active;		/* flows in the table now */
	uint64_t peak_active;
	uint64_t ended[FLOW_END_NREASONS];
	uint64_t timed_out[FLOW_NSTATES]; /* FLOW_END_TIMEOUT by state */
	uint64_t decided_pkts;		/* packets that took the fast path */
	uint64_t dropped_nomem;		/* packets dropped: no flow could be
					   created (budget or malloc refused) */
	uint64_t shed[FLOW_NSTATES];	/* FLOW_END_EVICTED because memory
					   was short, by state */
};

/* Fill *cfg with the defaults of caps.h. */
void flow_config_default(struct flow_config *cfg);

/* The bytes of the bucket array of a table of max_flows, charged to
 * cfg->table_mem. */
size_t flow_table_bytes(uint32_t max_flows);

/* A new table; NULL if memory (or table_mem) is short.  `ops` and `ctx` are borrowed. */
struct flow_table *flow_table_new(const struct flow_config *cfg,
    const struct flow_ops *ops, void *ctx);

/* The per-packet path: find or create the flow, count, reassemble, call the
 * consumer, and now and then expire idle flows (packet time). */
void flow_packet(struct flow_table *ft, const struct pkt *p);

/* End flows idle past their timeout at time `now_us`. */
void flow_expire(struct flow_table *ft, uint64_t now_us);

/* End every flow (in creation order), as at the end of the input. */
void flow_finish(struct flow_table *ft);

/* Free the table; flows still in it end with FLOW_END_INPUT. */
void flow_table_free(struct flow_table *ft);

/* Memory is short: end the one flow whose loss costs the diagnosis least
 * (closed, then opening, then whichever active or decided flow was idle
 * longest; with `cheap_only`, closed and opening flows only), ended with
 * FLOW_END_EVICTED and counted in flow_stats.shed.  False if there was none,
 * or if called from a callback (flows in use are never ended). */
bool flow_shed(struct flow_table *ft, bool cheap_only);

const struct flow_stats *flow_stats(const struct flow_table *ft);

/* The consumer has decided this flow: free its reassembly buffers; from now
 * on its packets only update counters and reach ops->packet. */
void flow_decided(struct flow_table *ft, struct flow *f);

/* The consumer wants no more bytes in one direction. */
void flow_dir_done(struct flow *f, int dir);

/* The guess of sides was wrong: swap client and server.  Safe to call from
 * inside ops->data; it takes effect once the current packet is processed. */
void flow_swap_sides(struct flow_table *ft, struct flow *f);

const char *flow_state_name(enum flow_state s);
const char *flow_end_name(enum flow_end e);

#endif
