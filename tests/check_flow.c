/* check_flow.c -- unit tests of the TCP flow table (src/flow.c).
 *
 * Packets are built as `struct pkt` values, no pcap; a recording consumer
 * logs every start, data, gap, packet and end call so that each test can
 * assert what a consumer of flow.h sees: sides, directions, ordered bytes,
 * timeouts, eviction, port reuse, the decided fast path and memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"
#include "tlsdiag/caps.h"
#include "tlsdiag/flow.h"

#define T0 (UINT64_C(1700000000) * 1000000)
#define SEC UINT64_C(1000000)
#define MS UINT64_C(1000)

#define REC_EVMAX 512
#define REC_FLOWS 16
#define REC_IDS 200010

enum ev_type { EV_START, EV_DATA, EV_GAP, EV_PACKET, EV_END };

struct ev {
	enum ev_type type;
	uint64_t id;
	int dir;
	uint64_t len;
	enum flow_end why;
	bool guessed; /* f->client_guessed at the time of the call */
};

/* The recording consumer. */
struct rec {
	struct flow_table *ft;
	struct ev ev[REC_EVMAX];
	size_t nev;
	size_t n[EV_END + 1];
	size_t pkt_dir[2]; /* ops->packet calls by dir */
	size_t bad; /* impossible arguments seen (no ck_assert in callbacks:
		       Check reports every passing assertion, too slow for the
		       flood) */
	struct flow *flow[REC_FLOWS];	   /* live flows by id, small ids */
	uint8_t stream[REC_FLOWS][2][256]; /* data delivered, by id and dir */
	size_t slen[REC_FLOWS][2];
	uint8_t *ends; /* ops->end calls by id */
	/* Behaviour. */
	bool swap_on_ch;     /* swap sides when S2C data starts with "CH" */
	bool decide_on_data; /* flow_decided() on the first data */
	bool log;	     /* keep events in ev[] (off for the flood) */
};

static void
rec_log(struct rec *r, enum ev_type t, struct flow *f, int dir, uint64_t len,
	enum flow_end why)
{
	struct ev *e;

	r->n[t]++;
	if (!r->log || r->nev >= REC_EVMAX)
		return;
	e = &r->ev[r->nev++];
	e->type = t;
	e->id = f->id;
	e->dir = dir;
	e->len = len;
	e->why = why;
	e->guessed = f->client_guessed;
}

static void
rec_start(void *ctx, struct flow *f)
{
	struct rec *r = ctx;

	if (f->id < REC_FLOWS)
		r->flow[f->id] = f;
	rec_log(r, EV_START, f, -1, 0, FLOW_END_NREASONS);
}

static void
rec_data(void *ctx, struct flow *f, int dir, const uint8_t *p, uint32_t len,
	 uint64_t ts_us)
{
	struct rec *r = ctx;

	(void)ts_us;
	if (dir != FLOW_C2S && dir != FLOW_S2C)
		r->bad++;
	rec_log(r, EV_DATA, f, dir, len, FLOW_END_NREASONS);
	if (f->id < REC_FLOWS &&
	    r->slen[f->id][dir] + len <= sizeof(r->stream[0][0])) {
		memcpy(r->stream[f->id][dir] + r->slen[f->id][dir], p, len);
		r->slen[f->id][dir] += len;
	}
	if (r->swap_on_ch && dir == FLOW_S2C && len >= 2 && p[0] == 'C' &&
	    p[1] == 'H')
		flow_swap_sides(r->ft, f);
	if (r->decide_on_data)
		flow_decided(r->ft, f);
}

static void
rec_gap(void *ctx, struct flow *f, int dir, uint64_t len, uint64_t ts_us)
{
	(void)ts_us;
	rec_log(ctx, EV_GAP, f, dir, len, FLOW_END_NREASONS);
}

static void
rec_packet(void *ctx, struct flow *f, int dir, const struct pkt *p)
{
	struct rec *r = ctx;

	(void)p;
	r->pkt_dir[dir == FLOW_S2C]++;
	rec_log(ctx, EV_PACKET, f, dir, 0, FLOW_END_NREASONS);
}

static void
rec_end(void *ctx, struct flow *f, enum flow_end why)
{
	struct rec *r = ctx;

	if (f->id >= REC_IDS || f->id == 0)
		r->bad++;
	else
		r->ends[f->id]++;
	if (f->id < REC_FLOWS)
		r->flow[f->id] = NULL;
	rec_log(r, EV_END, f, -1, 0, why);
}

static const struct flow_ops rec_ops = {
    rec_start, rec_data, rec_gap, rec_packet, rec_end,
};

static struct rec *
rec_new(void)
{
	struct rec *r = calloc(1, sizeof(*r));

	ck_assert_ptr_nonnull(r);
	r->ends = calloc(REC_IDS, 1);
	ck_assert_ptr_nonnull(r->ends);
	r->log = true;
	return r;
}

/* Free the table, then check that every flow created got exactly one end. */
static void
rec_free(struct rec *r)
{
	uint64_t created = flow_stats(r->ft)->created, i;

	flow_table_free(r->ft);
	ck_assert_uint_eq(r->bad, 0);
	for (i = 1; i <= created && i < REC_IDS; i++)
		if (r->ends[i] != 1)
			ck_abort_msg("flow %llu ended %u times",
				     (unsigned long long)i, r->ends[i]);
	free(r->ends);
	free(r);
}

static struct flow_table *
table(struct rec *r, uint32_t max_flows, struct membudget *mb)
{
	struct flow_config cfg;

	flow_config_default(&cfg);
	if (max_flows != 0)
		cfg.max_flows = max_flows;
	cfg.mem = mb;
	r->ft = flow_table_new(&cfg, &rec_ops, r);
	ck_assert_ptr_nonnull(r->ft);
	return r->ft;
}

/* An address for host number `h`: 10.x.x.x, or 2001:db8::x for IPv6. */
static void
addr(uint8_t out[16], int af, uint32_t h)
{
	memset(out, 0, 16);
	if (af == 4) {
		out[0] = 10;
		out[1] = (uint8_t)(h >> 16);
		out[2] = (uint8_t)(h >> 8);
		out[3] = (uint8_t)h;
	} else {
		out[0] = 0x20;
		out[1] = 0x01;
		out[2] = 0x0d;
		out[3] = 0xb8;
		out[12] = (uint8_t)(h >> 24);
		out[13] = (uint8_t)(h >> 16);
		out[14] = (uint8_t)(h >> 8);
		out[15] = (uint8_t)h;
	}
}

static struct pkt
mkpkt(uint64_t ts, int af, uint32_t sh, uint16_t sport, uint32_t dh,
      uint16_t dport, uint8_t flags, uint32_t seq, const char *data)
{
	struct pkt p;
	uint32_t len = data != NULL ? (uint32_t)strlen(data) : 0;

	memset(&p, 0, sizeof(p));
	p.ts_us = ts;
	p.af = (uint8_t)af;
	p.ttl = 64;
	addr(p.src, af, sh);
	addr(p.dst, af, dh);
	p.sport = sport;
	p.dport = dport;
	p.seq = seq;
	p.flags = flags;
	p.payload = (const uint8_t *)data;
	p.payload_len = len;
	p.payload_wire = len;
	p.wirelen = (af == 4 ? 54 : 74) + len;
	p.caplen = p.wirelen;
	return p;
}

/* One test connection; sequence numbers advance as packets are sent. */
struct tconn {
	int af;
	uint32_t ch, sh; /* client and server host numbers */
	uint16_t cport, sport;
	uint32_t cseq, sseq;
};

static struct pkt
tpkt(struct tconn *c, bool from_client, uint64_t ts, uint8_t flags,
     const char *data)
{
	uint32_t *seq = from_client ? &c->cseq : &c->sseq;
	struct pkt p;

	if (from_client)
		p = mkpkt(ts, c->af, c->ch, c->cport, c->sh, c->sport, flags,
			  *seq, data);
	else
		p = mkpkt(ts, c->af, c->sh, c->sport, c->ch, c->cport, flags,
			  *seq, data);
	*seq += p.payload_len + ((flags & TH_SYN) ? 1 : 0) +
		((flags & TH_FIN) ? 1 : 0);
	return p;
}

static void
tsend(struct flow_table *ft, struct tconn *c, bool from_client, uint64_t ts,
      uint8_t flags, const char *data)
{
	struct pkt p = tpkt(c, from_client, ts, flags, data);

	flow_packet(ft, &p);
}

static void
handshake(struct flow_table *ft, struct tconn *c, uint64_t ts)
{
	tsend(ft, c, true, ts, TH_SYN, NULL);
	tsend(ft, c, false, ts + 1 * MS, TH_SYN | TH_ACK, NULL);
	tsend(ft, c, true, ts + 2 * MS, TH_ACK, NULL);
}

static struct tconn
conn(int af, uint32_t n)
{
	struct tconn c;

	c.af = af;
	c.ch = 1000 + n;
	c.sh = 1;
	c.cport = (uint16_t)(40000 + n);
	c.sport = 443;
	c.cseq = 1000 * n + 17;
	c.sseq = 900000 + 1000 * n;
	return c;
}

/* The index of the n-th event of type t (from 0), or -1. */
static int
ev_find(const struct rec *r, enum ev_type t, size_t nth)
{
	size_t i;

	for (i = 0; i < r->nev; i++)
		if (r->ev[i].type == t && nth-- == 0)
			return (int)i;
	return -1;
}

/*
 * Sides and directions.
 */

/* Both directions of a connection are one flow, with the SYN sender as the
 * client, for IPv4 and IPv6. */
START_TEST(both_directions_one_flow)
{
	int af = _i == 0 ? 4 : 6;
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 0, NULL);
	struct tconn c = conn(af, 1);
	struct pkt p;
	struct flow *f;
	uint8_t a[16];
	int i, dirs[] = {FLOW_C2S, FLOW_S2C, FLOW_C2S, FLOW_C2S,
			 FLOW_S2C, FLOW_C2S, FLOW_S2C};

	handshake(ft, &c, T0);
	tsend(ft, &c, true, T0 + 3 * MS, TH_ACK | TH_PUSH, "hello");
	p = tpkt(&c, false, T0 + 4 * MS, TH_ACK | TH_PUSH, "world!");
	p.ttl = 50;
	flow_packet(ft, &p);
	tsend(ft, &c, true, T0 + 5 * MS, TH_ACK | TH_FIN, NULL);
	p = tpkt(&c, false, T0 + 6 * MS, TH_ACK | TH_FIN, NULL);
	p.ttl = 70;
	flow_packet(ft, &p);

	ck_assert_uint_eq(flow_stats(ft)->created, 1);
	ck_assert_uint_eq(flow_stats(ft)->active, 1);
	ck_assert_uint_eq(flow_stats(ft)->packets, 7);
	ck_assert_uint_eq(r->n[EV_START], 1);
	ck_assert_uint_eq(r->n[EV_PACKET], 7);
	for (i = 0; i < 7; i++)
		ck_assert_int_eq(r->ev[ev_find(r, EV_PACKET, (size_t)i)].dir,
				 dirs[i]);

	f = r->flow[1];
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->af, af);
	ck_assert(!f->client_guessed);
	addr(a, af, c.ch);
	ck_assert_mem_eq(f->addr[FLOW_C2S], a, 16);
	addr(a, af, c.sh);
	ck_assert_mem_eq(f->addr[FLOW_S2C], a, 16);
	ck_assert_uint_eq(f->port[FLOW_C2S], c.cport);
	ck_assert_uint_eq(f->port[FLOW_S2C], 443);
	ck_assert_int_eq(f->state, FLOW_CLOSED);
	ck_assert_uint_eq(f->first_ts, T0);
	ck_assert_uint_eq(f->last_ts, T0 + 6 * MS);

	ck_assert_uint_eq(f->dir[FLOW_C2S].pkts, 4);
	ck_assert_uint_eq(f->dir[FLOW_S2C].pkts, 3);
	ck_assert_uint_eq(f->dir[FLOW_C2S].payload_bytes, 5);
	ck_assert_uint_eq(f->dir[FLOW_S2C].payload_bytes, 6);
	ck_assert_uint_eq(f->dir[FLOW_C2S].wire_bytes,
			  4 * (af == 4 ? 54 : 74) + 5);
	ck_assert(f->dir[FLOW_C2S].syn && f->dir[FLOW_S2C].syn);
	ck_assert_uint_eq(f->dir[FLOW_C2S].syn_ts, T0);
	ck_assert_uint_eq(f->dir[FLOW_S2C].syn_ts, T0 + 1 * MS);
	ck_assert(f->dir[FLOW_C2S].fin && f->dir[FLOW_S2C].fin);
	ck_assert_uint_eq(f->dir[FLOW_S2C].fin_ts, T0 + 6 * MS);
	ck_assert(!f->dir[FLOW_C2S].rst && !f->dir[FLOW_S2C].rst);
	ck_assert_uint_eq(f->dir[FLOW_C2S].rst_ts, 0);
	ck_assert_uint_eq(f->dir[FLOW_S2C].ttl_first, 64);
	ck_assert_uint_eq(f->dir[FLOW_S2C].ttl_min, 50);
	ck_assert_uint_eq(f->dir[FLOW_S2C].ttl_max, 70);
	ck_assert_uint_eq(f->dir[FLOW_C2S].ttl_min, 64);

	ck_assert_uint_eq(r->slen[1][FLOW_C2S], 5);
	ck_assert_mem_eq(r->stream[1][FLOW_C2S], "hello", 5);
	ck_assert_uint_eq(r->slen[1][FLOW_S2C], 6);
	ck_assert_mem_eq(r->stream[1][FLOW_S2C], "world!", 6);
	rec_free(r);
}
END_TEST

/* The SYN was missed: the sender of SYN+ACK is the server, and the sides
 * are known, not guessed. */
START_TEST(client_by_synack)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 0, NULL);
	struct tconn c = conn(4, 2);
	struct flow *f;

	/* A server port above the client's: a guess would get it wrong. */
	c.cport = 40000;
	c.sport = 60000;
	tsend(ft, &c, false, T0, TH_SYN | TH_ACK, NULL);
	tsend(ft, &c, true, T0 + MS, TH_ACK, NULL);
	f = r->flow[1];
	ck_assert_ptr_nonnull(f);
	ck_assert(!f->client_guessed);
	ck_assert_uint_eq(f->port[FLOW_C2S], 40000);
	ck_assert_uint_eq(f->port[FLOW_S2C], 60000);
	ck_assert_int_eq(f->state, FLOW_ACTIVE); /* answered */
	ck_assert_int_eq(r->ev[ev_find(r, EV_PACKET, 0)].dir, FLOW_S2C);
	ck_assert_int_eq(r->ev[ev_find(r, EV_PACKET, 1)].dir, FLOW_C2S);
	ck_assert(f->dir[FLOW_S2C].syn && !f->dir[FLOW_C2S].syn);
	rec_free(r);
}
END_TEST

/* Mid-stream pickups: the side with the higher port is guessed to be the
 * client; on a tie, the sender of the first packet. */
static const struct {
	uint16_t sport, dport;
	const char *data;
	bool src_is_client;
} guess_cases[] = {
    {443, 51000, "x", false},  {51000, 443, "x", true},
    {51000, 443, NULL, true}, /* a pure ACK */
    {443, 51000, NULL, false}, {5000, 5000, "x", true},
    {5000, 5000, NULL, true},  {1000, 2000, "x", false},
};

START_TEST(midstream_guess)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 0, NULL);
	struct pkt p =
	    mkpkt(T0, 4, 7, guess_cases[_i].sport, 9, guess_cases[_i].dport,
		  TH_ACK, 12345, guess_cases[_i].data);
	struct flow *f;
	uint8_t a[16];

	flow_packet(ft, &p);
	f = r->flow[1];
	ck_assert_ptr_nonnull(f);
	ck_assert(f->client_guessed);
	/* Both a data packet and a pure ACK mean an established
	 * connection. */
	ck_assert_int_eq(f->state, FLOW_ACTIVE);
	addr(a, 4, guess_cases[_i].src_is_client ? 7 : 9);
	ck_assert_mem_eq(f->addr[FLOW_C2S], a, 16);
	ck_assert_uint_eq(f->port[FLOW_C2S], guess_cases[_i].src_is_client
						 ? guess_cases[_i].sport
						 : guess_cases[_i].dport);
	ck_assert_int_eq(r->ev[ev_find(r, EV_PACKET, 0)].dir,
			 guess_cases[_i].src_is_client ? FLOW_C2S : FLOW_S2C);
	if (guess_cases[_i].data != NULL) {
		ck_assert_uint_eq(r->n[EV_DATA], 1);
		ck_assert_int_eq(r->ev[ev_find(r, EV_DATA, 0)].dir,
				 guess_cases[_i].src_is_client ? FLOW_C2S
							       : FLOW_S2C);
	}
	rec_free(r);
}
END_TEST

/* The consumer sees a ClientHello coming from the guessed server and swaps
 * the sides from inside ops->data: the packet being processed keeps its
 * direction, everything after it is reported the right way round. */
START_TEST(swap_from_data)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 0, NULL);
	struct pkt p;
	struct flow *f;
	uint8_t a[16];

	r->swap_on_ch = true;
	/* The real client uses port 1000, the server 2000. */
	p = mkpkt(T0, 4, 7, 1000, 9, 2000, TH_ACK | TH_PUSH, 100, "CHello");
	flow_packet(ft, &p);
	f = r->flow[1];
	ck_assert_int_eq(r->ev[ev_find(r, EV_DATA, 0)].dir, FLOW_S2C);
	ck_assert(r->ev[ev_find(r, EV_DATA, 0)].guessed);
	/* ops->packet of the same packet still sees the old sides. */
	ck_assert_int_eq(r->ev[ev_find(r, EV_PACKET, 0)].dir, FLOW_S2C);
	ck_assert(r->ev[ev_find(r, EV_PACKET, 0)].guessed);

	ck_assert(!f->client_guessed);
	ck_assert(!f->swap_pending);
	addr(a, 4, 7);
	ck_assert_mem_eq(f->addr[FLOW_C2S], a, 16);
	ck_assert_uint_eq(f->port[FLOW_C2S], 1000);
	ck_assert_uint_eq(f->port[FLOW_S2C], 2000);
	/* The counters moved with their side. */
	ck_assert_uint_eq(f->dir[FLOW_C2S].pkts, 1);
	ck_assert_uint_eq(f->dir[FLOW_C2S].payload_bytes, 6);
	ck_assert_uint_eq(f->dir[FLOW_S2C].pkts, 0);

	p = mkpkt(T0 + MS, 4, 9, 2000, 7, 1000, TH_ACK | TH_PUSH, 5000,
		  "SHello");
	flow_packet(ft, &p);
	ck_assert_int_eq(r->ev[ev_find(r, EV_DATA, 1)].dir, FLOW_S2C);
	ck_assert_int_eq(r->ev[ev_find(r, EV_PACKET, 1)].dir, FLOW_S2C);
	/* The client stream continues where it was: the reassembly state
	 * moved with the side. */
	p = mkpkt(T0 + 2 * MS, 4, 7, 1000, 9, 2000, TH_ACK, 106, "more");
	flow_packet(ft, &p);
	ck_assert_int_eq(r->ev[ev_find(r, EV_DATA, 2)].dir, FLOW_C2S);
	ck_assert_uint_eq(r->slen[1][FLOW_C2S], 4);
	ck_assert_mem_eq(r->stream[1][FLOW_C2S], "more", 4);
	ck_assert_uint_eq(r->slen[1][FLOW_S2C], 12);
	ck_assert_mem_eq(r->stream[1][FLOW_S2C], "CHelloSHello", 12);
	ck_assert_uint_eq(r->n[EV_GAP], 0);
	ck_assert_uint_eq(f->dir[FLOW_C2S].pkts, 2);

	/* Outside a callback the swap is immediate. */
	flow_swap_sides(ft, f);
	ck_assert_uint_eq(f->port[FLOW_C2S], 2000);
	ck_assert_uint_eq(f->dir[FLOW_S2C].pkts, 2);
	ck_assert_uint_eq(flow_stats(ft)->created, 1);
	rec_free(r);
}
END_TEST

/* A flow picked up from a pure ACK with the wrong guess is corrected by the
 * SYN that follows (the ACK was a stray of the previous connection). */
START_TEST(syn_settles_guess)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 0, NULL);
	struct pkt p;
	struct flow *f;

	/* Guess: 2000 is the client. */
	p = mkpkt(T0, 4, 7, 1000, 9, 2000, TH_ACK, 1, NULL);
	flow_packet(ft, &p);
	f = r->flow[1];
	ck_assert_uint_eq(f->port[FLOW_C2S], 2000);
	ck_assert(f->client_guessed);
	/* But 1000 sends the SYN. */
	p = mkpkt(T0 + MS, 4, 7, 1000, 9, 2000, TH_SYN, 500, NULL);
	flow_packet(ft, &p);
	ck_assert_ptr_eq(r->flow[1], f);
	ck_assert(!f->client_guessed);
	ck_assert_uint_eq(f->port[FLOW_C2S], 1000);
	ck_assert(f->dir[FLOW_C2S].syn);
	p = mkpkt(T0 + 2 * MS, 4, 9, 2000, 7, 1000, TH_ACK, 9000, "hi");
	flow_packet(ft, &p);
	ck_assert_int_eq(r->ev[ev_find(r, EV_DATA, 0)].dir, FLOW_S2C);
	ck_assert_uint_eq(flow_stats(ft)->created, 1);
	rec_free(r);
}
END_TEST

/*
 * Delivery.
 */

/* Segments out of order reach ops->data in order and in the right
 * direction; at the end, the hole before buffered bytes is reported as a
 * gap, the buffered bytes are delivered, and only then does ops->end come. */
START_TEST(data_in_order)
{
	struct rec *r = rec_new();
	struct membudget mb = {0, 0, 0, 0, NULL};
	struct flow_table *ft = table(r, 0, &mb);
	struct tconn c = conn(6, 3);
	struct pkt p1, p2, p3;
	int g, d, e;

	handshake(ft, &c, T0);
	p1 = tpkt(&c, true, T0 + 10 * MS, TH_ACK, "hello ");
	p2 = tpkt(&c, true, T0 + 11 * MS, TH_ACK, "world");
	c.cseq += 10; /* ten bytes never captured */
	p3 = tpkt(&c, true, T0 + 12 * MS, TH_ACK, "late");
	flow_packet(ft, &p2);
	ck_assert_uint_eq(r->n[EV_DATA], 0);
	ck_assert_int_eq(r->flow[1]->state, FLOW_ACTIVE);
	flow_packet(ft, &p1);
	ck_assert_uint_eq(r->slen[1][FLOW_C2S], 11);
	ck_assert_mem_eq(r->stream[1][FLOW_C2S], "hello world", 11);
	tsend(ft, &c, false, T0 + 13 * MS, TH_ACK, "reply");
	ck_assert_uint_eq(r->slen[1][FLOW_S2C], 5);
	flow_packet(ft, &p3);
	ck_assert_uint_eq(r->slen[1][FLOW_C2S], 11);
	ck_assert_uint_gt(mb.used, sizeof(struct flow));

	r->nev = 0;
	flow_finish(ft);
	g = ev_find(r, EV_GAP, 0);
	d = ev_find(r, EV_DATA, 0);
	e = ev_find(r, EV_END, 0);
	ck_assert_int_ge(g, 0);
	ck_assert_int_eq(r->ev[g].dir, FLOW_C2S);
	ck_assert_uint_eq(r->ev[g].len, 10);
	ck_assert_int_gt(d, g);
	ck_assert_int_gt(e, d);
	ck_assert_int_eq(r->ev[e].why, FLOW_END_INPUT);
	ck_assert_uint_eq(r->slen[1][FLOW_C2S], 15);
	ck_assert_mem_eq(r->stream[1][FLOW_C2S], "hello worldlate", 15);
	ck_assert_uint_eq(mb.used, 0);
	ck_assert_uint_eq(flow_stats(ft)->active, 0);
	rec_free(r);
}
END_TEST

/* The payload of an RST is diagnostic text, not stream data (RFC 9293
 * 3.5.3): it is counted but never delivered. */
START_TEST(rst_payload_not_delivered)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 0, NULL);
	struct tconn c = conn(4, 1);
	struct flow *f;

	handshake(ft, &c, T0);
	tsend(ft, &c, false, T0 + 3 * MS, TH_RST | TH_ACK, "blocked");
	f = r->flow[1];
	ck_assert_uint_eq(r->n[EV_DATA], 0);
	ck_assert_uint_eq(f->dir[FLOW_S2C].payload_bytes, 7);
	ck_assert(f->dir[FLOW_S2C].rst);
	ck_assert_uint_eq(f->dir[FLOW_S2C].rst_ts, T0 + 3 * MS);
	ck_assert_int_eq(f->state, FLOW_CLOSED);
	rec_free(r);
}
END_TEST

/* Data on a SYN (TCP Fast Open) starts one past the SYN's sequence number
 * and joins the bytes that follow without a gap. */
START_TEST(syn_with_data)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 0, NULL);
	struct tconn c = conn(4, 1);

	tsend(ft, &c, true, T0, TH_SYN, "early");
	ck_assert_int_eq(r->flow[1]->state, FLOW_ACTIVE);
	tsend(ft, &c, false, T0 + MS, TH_SYN | TH_ACK, NULL);
	tsend(ft, &c, true, T0 + 2 * MS, TH_ACK, "more");
	ck_assert_uint_eq(r->n[EV_GAP], 0);
	ck_assert_uint_eq(r->slen[1][FLOW_C2S], 9);
	ck_assert_mem_eq(r->stream[1][FLOW_C2S], "earlymore", 9);
	rec_free(r);
}
END_TEST

/* One FIN is a half-close: the flow is CLOSED only once both sides sent
 * theirs.  A flow decided after it closed stays CLOSED. */
START_TEST(half_close)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 0, NULL);
	struct tconn c = conn(4, 1);
	struct flow *f;

	handshake(ft, &c, T0);
	tsend(ft, &c, true, T0 + 3 * MS, TH_ACK | TH_FIN, "bye");
	f = r->flow[1];
	ck_assert_int_eq(f->state, FLOW_ACTIVE);
	tsend(ft, &c, false, T0 + 4 * MS, TH_ACK, "late reply");
	ck_assert_uint_eq(r->slen[1][FLOW_S2C], 10);
	tsend(ft, &c, false, T0 + 5 * MS, TH_ACK | TH_FIN, NULL);
	ck_assert_int_eq(f->state, FLOW_CLOSED);
	flow_decided(ft, f);
	ck_assert_int_eq(f->state, FLOW_CLOSED);
	ck_assert(f->dir[FLOW_C2S].rs.done);
	rec_free(r);
}
END_TEST

/*
 * Timeouts, in packet time.
 */

enum setup { SU_OPENING, SU_ACTIVE, SU_DECIDED, SU_CLOSED_RST, SU_CLOSED_FIN };

static const struct {
	enum setup setup;
	uint64_t idle_us;
	bool ends;
	enum flow_state state;
} timeout_cases[] = {
#define TO(st) ((uint64_t)FLOW_TIMEOUT_##st * SEC)
    {SU_OPENING, TO(OPENING) - SEC, false, FLOW_OPENING},
    {SU_OPENING, TO(OPENING), false, FLOW_OPENING},
    {SU_OPENING, TO(OPENING) + 1, true, FLOW_OPENING},
    {SU_OPENING, TO(OPENING) + SEC, true, FLOW_OPENING},
    {SU_ACTIVE, TO(ACTIVE) - SEC, false, FLOW_ACTIVE},
    {SU_ACTIVE, TO(ACTIVE) + SEC, true, FLOW_ACTIVE},
    {SU_DECIDED, TO(DECIDED) / 2, false, FLOW_DECIDED},
    {SU_DECIDED, TO(DECIDED) - SEC, false, FLOW_DECIDED},
    {SU_DECIDED, TO(DECIDED) + SEC, true, FLOW_DECIDED},
    {SU_CLOSED_RST, TO(CLOSED) - SEC, false, FLOW_CLOSED},
    {SU_CLOSED_RST, TO(CLOSED) + SEC, true, FLOW_CLOSED},
    {SU_CLOSED_FIN, TO(CLOSED) + SEC, true, FLOW_CLOSED},
};

/* Bring flow 1 to a state; its last packet is at T0. */
static void
setup_state(struct rec *r, struct flow_table *ft, enum setup s)
{
	struct tconn c = conn(4, 1);

	switch (s) {
	case SU_OPENING:
		tsend(ft, &c, true, T0, TH_SYN, NULL);
		break;
	case SU_ACTIVE:
		handshake(ft, &c, T0 - 10 * MS);
		tsend(ft, &c, true, T0, TH_ACK, "data");
		break;
	case SU_DECIDED:
		handshake(ft, &c, T0 - 10 * MS);
		tsend(ft, &c, true, T0 - 5 * MS, TH_ACK, "data");
		flow_decided(ft, r->flow[1]);
		tsend(ft, &c, false, T0, TH_ACK, "bulk");
		break;
	case SU_CLOSED_RST:
		tsend(ft, &c, true, T0 - 10 * MS, TH_SYN, NULL);
		tsend(ft, &c, false, T0, TH_RST | TH_ACK, NULL);
		break;
	case SU_CLOSED_FIN:
		handshake(ft, &c, T0 - 10 * MS);
		tsend(ft, &c, true, T0 - 2 * MS, TH_FIN | TH_ACK, NULL);
		tsend(ft, &c, false, T0, TH_FIN | TH_ACK, NULL);
		break;
	}
}

START_TEST(timeouts)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 0, NULL);
	struct tconn other = conn(4, 9);
	const struct flow_stats *st = flow_stats(ft);
	int e;

	setup_state(r, ft, timeout_cases[_i].setup);
	ck_assert_int_eq(r->flow[1]->state, timeout_cases[_i].state);
	/* Another flow's packet moves packet time on. */
	tsend(ft, &other, true, T0 + timeout_cases[_i].idle_us, TH_SYN, NULL);
	e = ev_find(r, EV_END, 0);
	if (timeout_cases[_i].ends) {
		ck_assert_int_ge(e, 0);
		ck_assert_uint_eq(r->ev[e].id, 1);
		ck_assert_int_eq(r->ev[e].why, FLOW_END_TIMEOUT);
		ck_assert_uint_eq(st->ended[FLOW_END_TIMEOUT], 1);
		ck_assert_uint_eq(st->timed_out[timeout_cases[_i].state], 1);
		ck_assert_uint_eq(st->active, 1);
		ck_assert_ptr_null(r->flow[1]);
	} else {
		ck_assert_int_lt(e, 0);
		ck_assert_uint_eq(st->ended[FLOW_END_TIMEOUT], 0);
		ck_assert_uint_eq(st->active, 2);
		ck_assert_ptr_nonnull(r->flow[1]);
	}
	rec_free(r);
}
END_TEST

/* A CLOSED flow stays in the table: a late packet is still counted to it,
 * and restarts its idle time. */
START_TEST(closed_keeps_counting)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 0, NULL);
	struct tconn c = conn(4, 1), other = conn(4, 2);

	tsend(ft, &c, true, T0, TH_SYN, NULL);
	tsend(ft, &c, false, T0 + MS, TH_RST | TH_ACK, NULL);
	tsend(ft, &c, true, T0 + 8 * SEC, TH_ACK, NULL);
	ck_assert_uint_eq(flow_stats(ft)->created, 1);
	ck_assert_uint_eq(r->flow[1]->dir[FLOW_C2S].pkts, 2);
	ck_assert_int_eq(r->flow[1]->state, FLOW_CLOSED);
	tsend(ft, &other, true, T0 + TO(CLOSED) + 7 * SEC, TH_SYN, NULL);
	ck_assert_ptr_nonnull(r->flow[1]);
	tsend(ft, &other, true, T0 + TO(CLOSED) + 8 * SEC + 1, TH_SYN, NULL);
	ck_assert_ptr_null(r->flow[1]);
	ck_assert_uint_eq(flow_stats(ft)->timed_out[FLOW_CLOSED], 1);
	rec_free(r);
}
END_TEST

/* The scan for idle flows runs at most once per FLOW_EXPIRE_INTERVAL of
 * packet time; flow_expire() itself ends what is idle at once. */
START_TEST(expire_interval)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 0, NULL);
	struct tconn a = conn(4, 1), b = conn(4, 2);

	ck_assert_int_eq(FLOW_EXPIRE_INTERVAL, 1);
	tsend(ft, &a, true, T0, TH_SYN, NULL);
	tsend(ft, &b, true, T0 + TO(OPENING) - 100 * MS, TH_SYN,
	    NULL); /* scans */
	ck_assert_ptr_nonnull(r->flow[1]);
	tsend(ft, &b, true, T0 + TO(OPENING) + 500 * MS, TH_ACK,
	    NULL); /* no scan */
	ck_assert_ptr_nonnull(r->flow[1]);
	tsend(ft, &b, true, T0 + TO(OPENING) + 900 * MS, TH_ACK,
	    NULL); /* scans */
	ck_assert_ptr_null(r->flow[1]);
	ck_assert_uint_eq(r->ends[1], 1);

	flow_expire(ft, T0 + TO(OPENING) + 900 * MS + TO(ACTIVE));
	ck_assert_ptr_null(r->flow[2]);
	/* Flow 2 never carried payload: still OPENING. */
	ck_assert_uint_eq(flow_stats(ft)->timed_out[FLOW_OPENING], 2);
	ck_assert_uint_eq(flow_stats(ft)->active, 0);
	rec_free(r);
}
END_TEST

/*
 * The cap on flows.
 */

/* Among flows in the same state, the least recently active one goes. */
START_TEST(evict_least_recent)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 3, NULL);
	struct tconn c[4] = {conn(4, 1), conn(4, 2), conn(4, 3), conn(4, 4)};
	const struct flow_stats *st = flow_stats(ft);
	struct pkt p;
	int e;

	tsend(ft, &c[0], true, T0, TH_SYN, NULL);
	tsend(ft, &c[1], true, T0 + 1 * MS, TH_SYN, NULL);
	tsend(ft, &c[2], true, T0 + 2 * MS, TH_SYN, NULL);
	/* A retransmitted SYN makes flow 1 the most recent, and packets of
	 * existing flows never evict. */
	c[0].cseq--;
	tsend(ft, &c[0], true, T0 + 3 * MS, TH_SYN, NULL);
	ck_assert_uint_eq(st->active, 3);
	ck_assert_uint_eq(st->ended[FLOW_END_EVICTED], 0);
	tsend(ft, &c[3], true, T0 + 4 * MS, TH_SYN, NULL);
	e = ev_find(r, EV_END, 0);
	ck_assert_int_ge(e, 0);
	ck_assert_uint_eq(r->ev[e].id, 2);
	ck_assert_int_eq(r->ev[e].why, FLOW_END_EVICTED);
	ck_assert_uint_eq(st->ended[FLOW_END_EVICTED], 1);
	ck_assert_uint_eq(st->active, 3);
	ck_assert_uint_eq(st->peak_active, 3);
	ck_assert_uint_eq(st->created, 4);
	/* The evicted end came before the new flow's start. */
	ck_assert_int_lt(e, ev_find(r, EV_START, 3));
	/* Next in line: flow 3, idle since T0 + 2 ms. */
	p = mkpkt(T0 + 5 * MS, 4, 77, 1, 78, 2, TH_ACK, 0, NULL);
	flow_packet(ft, &p);
	ck_assert_uint_eq(st->active, 3);
	ck_assert_uint_eq(st->ended[FLOW_END_EVICTED], 2);
	ck_assert_uint_eq(r->ends[3], 1);
	ck_assert_uint_eq(r->ends[1], 0);
	rec_free(r);
}
END_TEST

/* CLOSED flows go first, then OPENING, then the idlest of the others,
 * whatever their age: a flood of SYNs cannot push out live handshakes. */
START_TEST(evict_preference)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 3, NULL);
	struct tconn a = conn(4, 1), b = conn(4, 2), c = conn(4, 3);
	struct tconn d = conn(4, 4), e = conn(4, 5), f = conn(4, 6);
	int i;
	static const uint64_t want[] = {3, 2, 4};

	handshake(ft, &a, T0);
	tsend(ft, &a, true, T0 + 3 * MS, TH_ACK, "hi"); /* 1: ACTIVE, oldest */
	tsend(ft, &b, true, T0 + 4 * MS, TH_SYN, NULL); /* 2: OPENING */
	tsend(ft, &c, true, T0 + 5 * MS, TH_SYN, NULL);
	tsend(ft, &c, false, T0 + 6 * MS, TH_RST | TH_ACK,
	      NULL); /* 3: CLOSED */
	ck_assert_int_eq(r->flow[1]->state, FLOW_ACTIVE);
	ck_assert_int_eq(r->flow[2]->state, FLOW_OPENING);
	ck_assert_int_eq(r->flow[3]->state, FLOW_CLOSED);
	tsend(ft, &d, true, T0 + 7 * MS, TH_SYN, NULL); /* evicts 3 */
	tsend(ft, &e, true, T0 + 8 * MS, TH_SYN, NULL); /* evicts 2 */
	tsend(ft, &f, true, T0 + 9 * MS, TH_SYN, NULL); /* evicts 4 */
	for (i = 0; i < 3; i++) {
		int k = ev_find(r, EV_END, (size_t)i);

		ck_assert_int_ge(k, 0);
		ck_assert_uint_eq(r->ev[k].id, want[i]);
		ck_assert_int_eq(r->ev[k].why, FLOW_END_EVICTED);
	}
	ck_assert_ptr_nonnull(r->flow[1]);
	ck_assert_uint_eq(flow_stats(ft)->ended[FLOW_END_EVICTED], 3);
	rec_free(r);
}
END_TEST

/* Between ACTIVE and DECIDED, the one idle longer goes. */
START_TEST(evict_active_or_decided)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 2, NULL);
	struct tconn a = conn(4, 1), b = conn(4, 2), c = conn(4, 3);

	handshake(ft, &a, T0);
	tsend(ft, &a, true, T0 + 3 * MS, TH_ACK, "x");
	flow_decided(ft, r->flow[1]);
	handshake(ft, &b, T0 + 4 * MS);
	tsend(ft, &b, true, T0 + 7 * MS, TH_ACK, "y");
	/* The decided flow 1 now speaks last. */
	tsend(ft, &a, false, T0 + 8 * MS, TH_ACK, "z");
	tsend(ft, &c, true, T0 + 9 * MS, TH_SYN, NULL);
	ck_assert_ptr_null(r->flow[2]);
	ck_assert_ptr_nonnull(r->flow[1]);
	ck_assert_int_eq(r->flow[1]->state, FLOW_DECIDED);
	rec_free(r);
}
END_TEST

/* The memory budget refuses a new flow: the oldest is evicted and the
 * reservation tried once more; if it still fails, the packet is dropped
 * and counted. */
START_TEST(mem_budget)
{
	struct rec *r = rec_new();
	struct membudget mb = {0, 0, 2 * sizeof(struct flow) + 100, 0, NULL};
	struct flow_table *ft = table(r, 0, &mb);
	struct tconn a = conn(4, 1), b = conn(4, 2), c = conn(4, 3);
	const struct flow_stats *st = flow_stats(ft);
	struct rec *r2;
	struct membudget tiny = {0, 0, sizeof(struct flow) - 1, 0, NULL};
	struct flow_table *ft2;

	tsend(ft, &a, true, T0, TH_SYN, NULL);
	tsend(ft, &b, true, T0 + MS, TH_SYN, NULL);
	ck_assert_uint_eq(mb.used, 2 * sizeof(struct flow));
	tsend(ft, &c, true, T0 + 2 * MS, TH_SYN, NULL);
	ck_assert_uint_eq(mb.refused, 1);
	ck_assert_uint_eq(st->ended[FLOW_END_EVICTED], 1);
	ck_assert_uint_eq(r->ends[1], 1);
	ck_assert_uint_eq(st->active, 2);
	ck_assert_uint_eq(st->dropped_nomem, 0);
	rec_free(r);
	ck_assert_uint_eq(mb.used, 0);

	r2 = rec_new();
	ft2 = table(r2, 0, &tiny);
	a = conn(4, 1);
	tsend(ft2, &a, true, T0, TH_SYN, NULL);
	ck_assert_uint_eq(flow_stats(ft2)->dropped_nomem, 1);
	ck_assert_uint_eq(flow_stats(ft2)->packets, 1);
	ck_assert_uint_eq(flow_stats(ft2)->created, 0);
	ck_assert_uint_eq(r2->n[EV_START] + r2->n[EV_PACKET], 0);
	rec_free(r2);
	ck_assert_uint_eq(tiny.used, 0);
}
END_TEST

/*
 * Port reuse.
 */

enum closing { CL_FINS, CL_FIN_CLIENT, CL_RST_CLIENT, CL_RST_SERVER, CL_NONE };

static const struct {
	enum closing how;
	bool new_isn;
	bool reused;
} reuse_cases[] = {
    {CL_FINS, true, true},
    {CL_FIN_CLIENT, true, true},
    {CL_RST_CLIENT, true, true},
    {CL_RST_SERVER, true, true},
    {CL_RST_SERVER, false, false}, /* the SYN retransmitted */
    {CL_FINS, false, false},
    {CL_NONE, true, false}, /* no close: not a new connection */
};

START_TEST(port_reuse)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 0, NULL);
	struct tconn c = conn(4, 1);
	const struct flow_stats *st = flow_stats(ft);
	uint32_t isn = c.cseq;
	int e;

	handshake(ft, &c, T0);
	tsend(ft, &c, true, T0 + 3 * MS, TH_ACK, "GET");
	switch (reuse_cases[_i].how) {
	case CL_FINS:
		tsend(ft, &c, true, T0 + 4 * MS, TH_FIN | TH_ACK, NULL);
		tsend(ft, &c, false, T0 + 5 * MS, TH_FIN | TH_ACK, NULL);
		break;
	case CL_FIN_CLIENT:
		tsend(ft, &c, true, T0 + 4 * MS, TH_FIN | TH_ACK, NULL);
		break;
	case CL_RST_CLIENT:
		tsend(ft, &c, true, T0 + 4 * MS, TH_RST, NULL);
		break;
	case CL_RST_SERVER:
		tsend(ft, &c, false, T0 + 4 * MS, TH_RST | TH_ACK, NULL);
		break;
	case CL_NONE:
		break;
	}
	c.cseq = reuse_cases[_i].new_isn ? isn + 1000000 : isn;
	c.sseq += 777777;
	tsend(ft, &c, true, T0 + 1 * SEC, TH_SYN, NULL);
	tsend(ft, &c, false, T0 + 1 * SEC + MS, TH_SYN | TH_ACK, NULL);
	e = ev_find(r, EV_END, 0);
	if (reuse_cases[_i].reused) {
		ck_assert_int_ge(e, 0);
		ck_assert_uint_eq(r->ev[e].id, 1);
		ck_assert_int_eq(r->ev[e].why, FLOW_END_REUSED);
		ck_assert_uint_eq(st->ended[FLOW_END_REUSED], 1);
		ck_assert_uint_eq(st->created, 2);
		ck_assert_ptr_nonnull(r->flow[2]);
		ck_assert_int_eq(r->flow[2]->state, FLOW_ACTIVE);
		ck_assert_uint_eq(r->flow[2]->port[FLOW_C2S], c.cport);
		ck_assert_uint_eq(r->flow[2]->dir[FLOW_C2S].pkts, 1);
		ck_assert_uint_eq(r->flow[2]->dir[FLOW_S2C].pkts, 1);
		ck_assert(!r->flow[2]->dir[FLOW_C2S].fin);
		/* The new connection's data is its own stream. */
		tsend(ft, &c, true, T0 + 1 * SEC + 2 * MS, TH_ACK, "NEW");
		ck_assert_uint_eq(r->slen[2][FLOW_C2S], 3);
		ck_assert_mem_eq(r->stream[2][FLOW_C2S], "NEW", 3);
	} else {
		ck_assert_int_lt(e, 0);
		ck_assert_uint_eq(st->created, 1);
		ck_assert_uint_eq(st->active, 1);
	}
	rec_free(r);
}
END_TEST

/* RFC 9293 3.10.7.3: the client's SYN meets a stray ACK (the server still
 * holds an old incarnation of the 4-tuple); the client answers it with
 * <SEQ=SEG.ACK><CTL=RST>, stays in SYN-SENT and retransmits the SYN (same
 * ISN), which the server then answers.  That RST closes nothing: one flow,
 * open, its bytes delivered.  An RST at the client's own sequence number
 * (its abort) still closes. */
START_TEST(rst_rejecting_stray_ack)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 0, NULL);
	struct tconn c = conn(4, 1);
	const struct flow_stats *st = flow_stats(ft);
	struct pkt p;
	uint32_t isn = c.cseq;

	tsend(ft, &c, true, T0, TH_SYN, NULL);
	p = mkpkt(T0 + MS, 4, c.sh, c.sport, c.ch, c.cport, TH_ACK, 555555,
		  NULL);
	flow_packet(ft, &p);
	p = mkpkt(T0 + 2 * MS, 4, c.ch, c.cport, c.sh, c.sport, TH_RST,
		  123456789, NULL);
	flow_packet(ft, &p);
	ck_assert(!r->flow[1]->dir[FLOW_C2S].rst);
	ck_assert_int_eq(r->flow[1]->state, FLOW_OPENING);
	c.cseq = isn;
	tsend(ft, &c, true, T0 + 1 * SEC, TH_SYN, NULL);
	tsend(ft, &c, false, T0 + 1 * SEC + MS, TH_SYN | TH_ACK, NULL);
	tsend(ft, &c, true, T0 + 1 * SEC + 2 * MS, TH_ACK, "HELLO");
	ck_assert_uint_eq(st->created, 1);
	ck_assert_int_eq(r->flow[1]->state, FLOW_ACTIVE);
	ck_assert_uint_eq(r->flow[1]->dir[FLOW_C2S].pkts, 4);
	ck_assert_uint_eq(r->slen[1][FLOW_C2S], 5);
	ck_assert_mem_eq(r->stream[1][FLOW_C2S], "HELLO", 5);
	rec_free(r);

	/* The client's abort, at its next sequence number, does close. */
	r = rec_new();
	ft = table(r, 0, NULL);
	c = conn(4, 1);
	tsend(ft, &c, true, T0, TH_SYN, NULL);
	tsend(ft, &c, true, T0 + MS, TH_RST, NULL);
	ck_assert(r->flow[1]->dir[FLOW_C2S].rst);
	ck_assert_int_eq(r->flow[1]->state, FLOW_CLOSED);
	rec_free(r);
}
END_TEST

/*
 * The decided fast path.
 */

/* After flow_decided() (here from inside ops->data, as a consumer does),
 * payload no longer reaches ops->data, but every packet is still counted
 * and reaches ops->packet. */
START_TEST(decided_fast_path)
{
	struct rec *r = rec_new();
	struct membudget mb = {0, 0, 0, 0, NULL};
	struct flow_table *ft = table(r, 0, &mb);
	struct tconn c = conn(4, 1);
	const struct flow_stats *st = flow_stats(ft);
	struct flow *f;

	handshake(ft, &c, T0);
	r->decide_on_data = true;
	tsend(ft, &c, true, T0 + 3 * MS, TH_ACK, "hello");
	f = r->flow[1];
	ck_assert_int_eq(f->state, FLOW_DECIDED);
	ck_assert(f->dir[FLOW_C2S].rs.done && f->dir[FLOW_S2C].rs.done);
	ck_assert_uint_eq(mb.used, sizeof(struct flow));
	ck_assert_uint_eq(st->decided_pkts, 0);
	tsend(ft, &c, false, T0 + 4 * MS, TH_ACK, "world");
	tsend(ft, &c, true, T0 + 5 * MS, TH_ACK, "again");
	ck_assert_uint_eq(r->n[EV_DATA], 1);
	ck_assert_uint_eq(r->n[EV_PACKET], 6);
	ck_assert_uint_eq(st->decided_pkts, 2);
	ck_assert_uint_eq(f->dir[FLOW_C2S].payload_bytes, 10);
	ck_assert_uint_eq(f->dir[FLOW_S2C].payload_bytes, 5);
	ck_assert_uint_eq(f->dir[FLOW_S2C].pkts, 2);
	/* A close still moves it to CLOSED, with its short timeout. */
	tsend(ft, &c, false, T0 + 6 * MS, TH_RST, NULL);
	ck_assert_int_eq(f->state, FLOW_CLOSED);
	ck_assert(f->dir[FLOW_S2C].rst);
	ck_assert_uint_eq(st->decided_pkts, 3);
	flow_finish(ft);
	ck_assert_uint_eq(r->n[EV_DATA], 1);
	ck_assert_uint_eq(r->n[EV_GAP], 0);
	ck_assert_uint_eq(r->n[EV_END], 1);
	rec_free(r);
	ck_assert_uint_eq(mb.used, 0);
}
END_TEST

/* Deciding while reasm is delivering buffered segments stops the delivery:
 * the bytes after the decision never reach the consumer, and the buffers
 * are released. */
START_TEST(decided_during_delivery)
{
	struct rec *r = rec_new();
	struct membudget mb = {0, 0, 0, 0, NULL};
	struct flow_table *ft = table(r, 0, &mb);
	struct tconn c = conn(4, 1);
	struct pkt p1, p2, p3;

	handshake(ft, &c, T0);
	p1 = tpkt(&c, true, T0 + 3 * MS, TH_ACK, "one");
	p2 = tpkt(&c, true, T0 + 4 * MS, TH_ACK, "two");
	p3 = tpkt(&c, true, T0 + 5 * MS, TH_ACK, "three");
	flow_packet(ft, &p3);
	flow_packet(ft, &p2);
	ck_assert_uint_gt(mb.used, sizeof(struct flow));
	r->decide_on_data = true;
	flow_packet(ft, &p1);
	ck_assert_uint_eq(r->n[EV_DATA], 1);
	ck_assert_uint_eq(r->slen[1][FLOW_C2S], 3);
	ck_assert_uint_eq(mb.used, sizeof(struct flow));
	rec_free(r);
	ck_assert_uint_eq(mb.used, 0);
}
END_TEST

/* flow_dir_done() stops one direction only. */
START_TEST(dir_done)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 0, NULL);
	struct tconn c = conn(4, 1);

	handshake(ft, &c, T0);
	flow_dir_done(r->flow[1], FLOW_S2C);
	tsend(ft, &c, false, T0 + 3 * MS, TH_ACK, "server");
	tsend(ft, &c, true, T0 + 4 * MS, TH_ACK, "client");
	ck_assert_uint_eq(r->n[EV_DATA], 1);
	ck_assert_uint_eq(r->slen[1][FLOW_C2S], 6);
	ck_assert_uint_eq(r->slen[1][FLOW_S2C], 0);
	ck_assert_uint_eq(r->flow[1]->dir[FLOW_S2C].payload_bytes, 6);
	ck_assert_uint_eq(flow_stats(ft)->decided_pkts, 0);
	rec_free(r);
}
END_TEST

/*
 * The end of the input.
 */

/* flow_finish() ends every flow in creation order, whatever their states
 * and activity, exactly once, and the table is usable afterwards. */
START_TEST(finish_in_id_order)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 0, NULL);
	struct tconn c[5] = {conn(4, 1), conn(6, 2), conn(4, 3), conn(6, 4),
			     conn(4, 5)};
	struct tconn late = conn(4, 6);
	const struct flow_stats *st = flow_stats(ft);
	int i, k;

	handshake(ft, &c[0], T0);
	tsend(ft, &c[1], true, T0 + 10 * MS, TH_SYN, NULL);
	handshake(ft, &c[2], T0 + 20 * MS);
	tsend(ft, &c[2], true, T0 + 30 * MS, TH_ACK, "x");
	flow_decided(ft, r->flow[3]);
	tsend(ft, &c[3], false, T0 + 40 * MS, TH_ACK, "mid-stream");
	tsend(ft, &c[4], true, T0 + 50 * MS, TH_SYN, NULL);
	tsend(ft, &c[4], false, T0 + 60 * MS, TH_RST | TH_ACK, NULL);
	tsend(ft, &c[0], true, T0 + 70 * MS, TH_ACK, "y");
	tsend(ft, &c[1], true, T0 + 80 * MS, TH_ACK, NULL);
	ck_assert_uint_eq(st->active, 5);

	r->nev = 0;
	flow_finish(ft);
	for (i = 0; i < 5; i++) {
		k = ev_find(r, EV_END, (size_t)i);
		ck_assert_int_ge(k, 0);
		ck_assert_uint_eq(r->ev[k].id, (uint64_t)i + 1);
		ck_assert_int_eq(r->ev[k].why, FLOW_END_INPUT);
	}
	ck_assert_uint_eq(r->n[EV_END], 5);
	ck_assert_uint_eq(st->active, 0);
	ck_assert_uint_eq(st->ended[FLOW_END_INPUT], 5);
	flow_finish(ft);
	ck_assert_uint_eq(r->n[EV_END], 5);

	tsend(ft, &late, true, T0 + 90 * MS, TH_SYN, NULL);
	tsend(ft, &late, false, T0 + 91 * MS, TH_SYN | TH_ACK, NULL);
	ck_assert_uint_eq(st->created, 6);
	ck_assert_uint_eq(st->active, 1);
	rec_free(r);
}
END_TEST

/* Swapping and deciding from inside the final flush: the end comes once,
 * after the flushed bytes, with the sides corrected. */
START_TEST(callbacks_during_end)
{
	struct rec *r = rec_new();
	struct membudget mb = {0, 0, 0, 0, NULL};
	struct flow_table *ft = table(r, 0, &mb);
	struct pkt p;
	int e;

	/* The real client is port 1000; a hole keeps its "CH" buffered. */
	p = mkpkt(T0, 4, 7, 1000, 9, 2000, TH_ACK, 100, "ab");
	flow_packet(ft, &p);
	p = mkpkt(T0 + MS, 4, 7, 1000, 9, 2000, TH_ACK, 200, "CH...");
	flow_packet(ft, &p);
	ck_assert_uint_eq(r->n[EV_DATA], 1);
	r->swap_on_ch = true;
	r->decide_on_data = true;
	flow_table_free(ft);
	ck_assert_uint_eq(r->n[EV_GAP], 1);
	ck_assert_uint_eq(r->n[EV_DATA], 2);
	e = ev_find(r, EV_END, 0);
	ck_assert_int_gt(e, ev_find(r, EV_DATA, 1));
	ck_assert(!r->ev[e].guessed);
	ck_assert_uint_eq(r->n[EV_END], 1);
	ck_assert_uint_eq(r->ends[1], 1);
	ck_assert_uint_eq(mb.used, 0);
	free(r->ends);
	free(r);
}
END_TEST

/* Many flows of both families: every reply finds its flow. */
START_TEST(many_flows_lookup)
{
	struct rec *r = rec_new();
	struct flow_table *ft = table(r, 8192, NULL);
	struct pkt p;
	uint32_t i;

	r->log = false;
	for (i = 0; i < 5000; i++) {
		p = mkpkt(T0 + i, i % 2 ? 6 : 4, i * 7919 % 65536,
			  (uint16_t)(1024 + i % 50000), i % 13, 443, TH_SYN, i,
			  NULL);
		flow_packet(ft, &p);
	}
	for (i = 0; i < 5000; i++) {
		p = mkpkt(T0 + 5000 + i, i % 2 ? 6 : 4, i % 13, 443,
			  i * 7919 % 65536, (uint16_t)(1024 + i % 50000),
			  TH_SYN | TH_ACK, i, NULL);
		flow_packet(ft, &p);
	}
	ck_assert_uint_eq(flow_stats(ft)->created, 5000);
	ck_assert_uint_eq(flow_stats(ft)->active, 5000);
	ck_assert_uint_eq(r->n[EV_PACKET], 10000);
	ck_assert_uint_eq(r->pkt_dir[FLOW_C2S], 5000);
	ck_assert_uint_eq(r->pkt_dir[FLOW_S2C], 5000);
	rec_free(r);
}
END_TEST

/* A flood of SYNs from distinct sources against a small table: it stays
 * within its cap, a live handshake survives it, and it runs fast. */
START_TEST(syn_flood)
{
	struct rec *r = rec_new();
	struct membudget mb = {0, 0, 0, 0, NULL};
	struct flow_table *ft = table(r, 1000, &mb);
	const struct flow_stats *st = flow_stats(ft);
	struct tconn live = conn(4, 0);
	struct timespec a, b;
	struct pkt p;
	uint32_t i;
	size_t base;
	double secs;

	r->log = false;
	handshake(ft, &live, T0);
	tsend(ft, &live, true, T0 + 3 * MS, TH_ACK, "ClientHello");
	base = mb.used;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < 100000; i++) {
		p = mkpkt(T0 + 4 * MS + i, 6, 0x01000000 + i,
			  (uint16_t)(1024 + i % 60000), 1, 443, TH_SYN,
			  i * 2654435761u, NULL);
		flow_packet(ft, &p);
		if (st->active > 1000)
			ck_abort_msg("active %llu > 1000",
				     (unsigned long long)st->active);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	ck_assert_uint_eq(st->created, 100001);
	ck_assert_uint_eq(st->active, 1000);
	ck_assert_uint_eq(st->peak_active, 1000);
	ck_assert_uint_eq(st->ended[FLOW_END_EVICTED], 99001);
	ck_assert_ptr_nonnull(r->flow[1]);
	ck_assert_int_eq(r->flow[1]->state, FLOW_ACTIVE);
	/* Evicted flows gave their memory back. */
	ck_assert_uint_eq(mb.used, base + 999 * sizeof(struct flow));
	/* Generous enough for valgrind (~0.6 s); -O2 takes ~20 ms. */
	ck_assert_msg(secs < 5.0, "100000 SYNs took %.2f s", secs);
	rec_free(r);
	ck_assert_uint_eq(mb.used, 0);
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(flow_state_name(FLOW_OPENING), "opening");
	ck_assert_str_eq(flow_state_name(FLOW_ACTIVE), "active");
	ck_assert_str_eq(flow_state_name(FLOW_DECIDED), "decided");
	ck_assert_str_eq(flow_state_name(FLOW_CLOSED), "closed");
	ck_assert_str_eq(flow_end_name(FLOW_END_TIMEOUT), "timeout");
	ck_assert_str_eq(flow_end_name(FLOW_END_EVICTED), "evicted");
	ck_assert_str_eq(flow_end_name(FLOW_END_REUSED), "reused");
	ck_assert_str_eq(flow_end_name(FLOW_END_INPUT), "input");
}
END_TEST

START_TEST(config_default)
{
	struct flow_config cfg;

	flow_config_default(&cfg);
	ck_assert_uint_eq(cfg.max_flows, FLOW_MAX_DEFAULT);
	ck_assert_uint_eq(cfg.timeout[FLOW_OPENING], FLOW_TIMEOUT_OPENING);
	ck_assert_uint_eq(cfg.timeout[FLOW_ACTIVE], FLOW_TIMEOUT_ACTIVE);
	ck_assert_uint_eq(cfg.timeout[FLOW_DECIDED], FLOW_TIMEOUT_DECIDED);
	ck_assert_uint_eq(cfg.timeout[FLOW_CLOSED], FLOW_TIMEOUT_CLOSED);
	ck_assert_uint_eq(cfg.reasm.dir_max, REASM_DIR_MAX_DEFAULT);
	ck_assert_uint_eq(cfg.reasm.segs_max, REASM_DIR_SEGS_MAX);
	ck_assert_uint_eq(cfg.reasm.history, REASM_HISTORY_MAX);
	ck_assert_ptr_null(cfg.mem);
}
END_TEST

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *
flow_suite(void)
{
	Suite *s = suite_create("flow");
	TCase *tc;

	tc = tcase_create("sides");
	tcase_add_loop_test(tc, both_directions_one_flow, 0, 2);
	tcase_add_test(tc, client_by_synack);
	tcase_add_loop_test(tc, midstream_guess, 0, NELEM(guess_cases));
	tcase_add_test(tc, swap_from_data);
	tcase_add_test(tc, syn_settles_guess);
	suite_add_tcase(s, tc);

	tc = tcase_create("delivery");
	tcase_add_test(tc, data_in_order);
	tcase_add_test(tc, decided_fast_path);
	tcase_add_test(tc, decided_during_delivery);
	tcase_add_test(tc, dir_done);
	tcase_add_test(tc, rst_payload_not_delivered);
	tcase_add_test(tc, syn_with_data);
	tcase_add_test(tc, half_close);
	suite_add_tcase(s, tc);

	tc = tcase_create("timeouts");
	tcase_add_loop_test(tc, timeouts, 0, NELEM(timeout_cases));
	tcase_add_test(tc, closed_keeps_counting);
	tcase_add_test(tc, expire_interval);
	suite_add_tcase(s, tc);

	tc = tcase_create("cap");
	tcase_add_test(tc, evict_least_recent);
	tcase_add_test(tc, evict_preference);
	tcase_add_test(tc, evict_active_or_decided);
	tcase_add_test(tc, mem_budget);
	tcase_add_test(tc, syn_flood);
	tcase_add_test(tc, many_flows_lookup);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("lifecycle");
	tcase_add_loop_test(tc, port_reuse, 0, NELEM(reuse_cases));
	tcase_add_test(tc, rst_rejecting_stray_ack);
	tcase_add_test(tc, finish_in_id_order);
	tcase_add_test(tc, callbacks_during_end);
	tcase_add_test(tc, names);
	tcase_add_test(tc, config_default);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(flow_suite)
