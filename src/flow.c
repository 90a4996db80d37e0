/* flow.c -- the TCP flow table: one entry per connection, both directions.
 *
 * Implements the connection bookkeeping of RFC 9293: a SYN opens a
 * connection and consumes one sequence number (3.4), FIN from both sides or
 * one RST closes it (3.6, 3.5.2), and a new SYN on a closed 4-tuple with a
 * new ISN is a new incarnation (3.4.1, port reuse).  The bucket index is
 * SipHash-2-4 (Aumasson and Bernstein, 2012) keyed with a random per-table
 * seed, so that crafted tuples cannot be made to collide.
 *
 * It must never look at payload bytes (they go to reasm untouched), let the
 * hash decide the order of anything the consumer sees, allocate on the path
 * of a packet of an existing flow, or free a flow whose callbacks are still
 * running.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "tlsdiag/caps.h"
#include "tlsdiag/flow.h"

/* Above this, the bucket array alone (8 bytes a flow) would be gigabytes and
 * the flows themselves hundreds of gigabytes: no real configuration gets
 * here, and the clamp keeps the power-of-two bucket count inside 32 bits. */
#define FLOW_MAX_CLAMP (1u << 30)

#define US_PER_S 1000000ull

struct flow_list {
	struct flow *head; /* least recently active */
	struct flow *tail; /* most recently active */
};

struct flow_table {
	struct flow_config cfg; /* a copy: reasm borrows &cfg.reasm */
	const struct flow_ops *ops;
	void *ctx;

	struct flow **bucket; /* owned: chains through f->hnext */
	uint32_t mask;	      /* bucket count - 1 */
	uint64_t k0, k1;      /* SipHash key, random per table */

	struct flow_list list[FLOW_NSTATES];
	uint64_t next_id;
	uint64_t last_expire_us; /* packet time of the last expiry scan */
	bool expire_armed;	 /* last_expire_us is meaningful */
	unsigned busy;		 /* depth of consumer callbacks running */

	struct flow_stats st;
};

/* The context of one direction's reassembly sink: built on the stack for
 * each call into reasm, so nothing in the flow points at itself and a flow
 * may be moved (its dir structs swapped) between packets. */
struct flow_sinkctx {
	struct flow_table *ft;
	struct flow *f;
	int dir;
};

/* The endpoints of a packet, addresses zero-padded to 16 bytes so that IPv4
 * and IPv6 compare and hash the same way. */
struct flow_key {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t af;
};

static const struct flow_ops flow_noops;

/*
 * Hashing.
 */

#define ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND                                                               \
	do {                                                                   \
		v0 += v1;                                                      \
		v1 = ROTL64(v1, 13);                                           \
		v1 ^= v0;                                                      \
		v0 = ROTL64(v0, 32);                                           \
		v2 += v3;                                                      \
		v3 = ROTL64(v3, 16);                                           \
		v3 ^= v2;                                                      \
		v0 += v3;                                                      \
		v3 = ROTL64(v3, 21);                                           \
		v3 ^= v0;                                                      \
		v2 += v1;                                                      \
		v1 = ROTL64(v1, 17);                                           \
		v1 ^= v2;                                                      \
		v2 = ROTL64(v2, 32);                                           \
	} while (0)

/* SipHash-2-4 of five 64-bit words: the endpoints in a canonical order (so
 * that both directions hash alike), ports and address family.  The input
 * has a fixed length, so the message is processed word by word. */
static uint32_t
flow_siphash(const struct flow_table *ft, const uint64_t m[5])
{
	uint64_t v0 = ft->k0 ^ 0x736f6d6570736575ull;
	uint64_t v1 = ft->k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = ft->k0 ^ 0x6c7967656e657261ull;
	uint64_t v3 = ft->k1 ^ 0x7465646279746573ull;
	uint64_t b = (uint64_t)40 << 56;
	int i;

	for (i = 0; i < 5; i++) {
		v3 ^= m[i];
		SIPROUND;
		SIPROUND;
		v0 ^= m[i];
	}
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	b = v0 ^ v1 ^ v2 ^ v3;
	return (uint32_t)(b ^ (b >> 32));
}

/* Hash the unordered pair of endpoints: the lower (address, port) first. */
static uint32_t
flow_hash_key(const struct flow_table *ft, const struct flow_key *k)
{
	const uint8_t *lo = k->src, *hi = k->dst;
	uint16_t plo = k->sport, phi = k->dport;
	uint64_t m[5];
	int c;

	c = memcmp(k->src, k->dst, 16);
	if (c > 0 || (c == 0 && k->sport > k->dport)) {
		lo = k->dst;
		hi = k->src;
		plo = k->dport;
		phi = k->sport;
	}
	memcpy(&m[0], lo, 16);
	memcpy(&m[2], hi, 16);
	m[4] = (uint64_t)plo << 48 | (uint64_t)phi << 32 | k->af;
	return flow_siphash(ft, m);
}

/* Mix for the fallback seed: splitmix64's finaliser. */
static uint64_t
flow_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* A random key: getrandom() first (it works inside a chroot), then
 * /dev/urandom, and only if both fail a mix of clocks, pid and an address
 * (ASLR), which is weak against a local attacker but still unknown to one
 * who only sends packets. */
static void
flow_seed(struct flow_table *ft)
{
	uint64_t k[2];
	size_t got = 0;
	ssize_t n;
	int fd;

	n = getrandom(k, sizeof(k), GRND_NONBLOCK);
	if (n == (ssize_t)sizeof(k))
		got = sizeof(k);
	if (got < sizeof(k)) {
		fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, k, sizeof(k));
			if (n == (ssize_t)sizeof(k))
				got = sizeof(k);
			close(fd);
		}
	}
	if (got < sizeof(k)) {
		struct timespec rt = {0, 0}, mt = {0, 0};

		clock_gettime(CLOCK_REALTIME, &rt);
		clock_gettime(CLOCK_MONOTONIC, &mt);
		k[0] = (uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec;
		k[0] = flow_mix64(k[0] ^ (uint64_t)(uintptr_t)ft);
		k[1] = ((uint64_t)mt.tv_sec << 30) ^ (uint64_t)mt.tv_nsec;
		k[1] = flow_mix64(k[0] ^ k[1] ^ ((uint64_t)getpid() << 40));
	}
	ft->k0 = k[0];
	ft->k1 = k[1];
}

/*
 * Lists by state, oldest activity first.
 */

static void
flow_list_unlink(struct flow_table *ft, struct flow *f)
{
	struct flow_list *l = &ft->list[f->state];

	if (f->lprev != NULL)
		f->lprev->lnext = f->lnext;
	else
		l->head = f->lnext;
	if (f->lnext != NULL)
		f->lnext->lprev = f->lprev;
	else
		l->tail = f->lprev;
	f->lprev = f->lnext = NULL;
}

static void
flow_list_append(struct flow_table *ft, struct flow *f)
{
	struct flow_list *l = &ft->list[f->state];

	f->lnext = NULL;
	f->lprev = l->tail;
	if (l->tail != NULL)
		l->tail->lnext = f;
	else
		l->head = f;
	l->tail = f;
}

/* The flow was just active: move it to the tail of its list. */
static void
flow_touch(struct flow_table *ft, struct flow *f)
{
	if (ft->list[f->state].tail == f)
		return;
	flow_list_unlink(ft, f);
	flow_list_append(ft, f);
}

static void
flow_set_state(struct flow_table *ft, struct flow *f, enum flow_state s)
{
	if (f->state == s)
		return;
	flow_list_unlink(ft, f);
	f->state = s;
	flow_list_append(ft, f);
}

/*
 * Delivery from reasm to the consumer.
 */

static void
flow_sink_data(void *ctx, const uint8_t *p, uint32_t len, uint64_t ts_us)
{
	struct flow_sinkctx *sc = ctx;

	if (sc->ft->ops->data != NULL)
		sc->ft->ops->data(sc->ft->ctx, sc->f, sc->dir, p, len, ts_us);
}

static void
flow_sink_gap(void *ctx, uint64_t len, uint64_t ts_us)
{
	struct flow_sinkctx *sc = ctx;

	if (sc->ft->ops->gap != NULL)
		sc->ft->ops->gap(sc->ft->ctx, sc->f, sc->dir, len, ts_us);
}

/* A sink that hands direction `dir` of `f` to the consumer. */
static void
flow_sink_init(struct reasm_sink *sink, struct flow_sinkctx *sc,
    struct flow_table *ft, struct flow *f, int dir)
{
	sc->ft = ft;
	sc->f = f;
	sc->dir = dir;
	sink->data = flow_sink_data;
	sink->gap = flow_sink_gap;
	sink->ctx = sc;
}

static void
flow_apply_swap(struct flow *f)
{
	uint8_t a[16];
	uint16_t port;
	struct flow_dir d;

	memcpy(a, f->addr[0], 16);
	memcpy(f->addr[0], f->addr[1], 16);
	memcpy(f->addr[1], a, 16);
	port = f->port[0];
	f->port[0] = f->port[1];
	f->port[1] = port;
	d = f->dir[0];
	f->dir[0] = f->dir[1];
	f->dir[1] = d;
	f->client_guessed = false;
	f->swap_pending = false;
}

/*
 * Ending flows.
 */

static void
flow_hash_unlink(struct flow_table *ft, struct flow *f)
{
	struct flow **pp = &ft->bucket[f->hash & ft->mask];

	while (*pp != NULL && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp == f)
		*pp = f->hnext;
	f->hnext = NULL;
}

/* End one flow: flush what reasm holds so the consumer sees every buffered
 * byte and gap, tell the consumer, free.  A flow whose callbacks are running
 * is not ended (false): freeing it would pull it from under them.  `unhash`
 * is false only when flow_finish() has already dismantled the buckets. */
static bool
flow_end(struct flow_table *ft, struct flow *f, enum flow_end why, bool unhash)
{
	struct flow_sinkctx sc;
	struct reasm_sink sink;
	int dir;

	if (f->in_dispatch)
		return false;
	f->in_dispatch = true;
	ft->busy++;
	if (why == FLOW_END_TIMEOUT)
		ft->st.timed_out[f->state]++;
	for (dir = 0; dir < 2; dir++) {
		if (f->dir[dir].rs.done)
			continue;
		flow_sink_init(&sink, &sc, ft, f, dir);
		reasm_flush(&f->dir[dir].rs, f->last_ts, &sink);
	}
	/* A swap asked for while flushing is applied before the last word,
	 * so that the consumer's report has the sides right. */
	if (f->swap_pending)
		flow_apply_swap(f);
	if (ft->ops->end != NULL)
		ft->ops->end(ft->ctx, f, why);
	ft->busy--;
	reasm_free(&f->dir[0].rs);
	reasm_free(&f->dir[1].rs);
	flow_list_unlink(ft, f);
	if (unhash)
		flow_hash_unlink(ft, f);
	ft->st.ended[why]++;
	ft->st.active--;
	mem_release(ft->cfg.mem, sizeof(*f));
	free(f);
	return true;
}

/* The first flow of a list whose callbacks are not running. */
static struct flow *
flow_list_first_idle(const struct flow_list *l)
{
	struct flow *f;

	for (f = l->head; f != NULL && f->in_dispatch; f = f->lnext)
		;
	return f;
}

/* Whether a has been idle longer than b; ties go to the older flow, so the
 * choice never depends on anything but the input. */
static bool
flow_idler(const struct flow *a, const struct flow *b)
{
	if (a->last_ts != b->last_ts)
		return a->last_ts < b->last_ts;
	return a->id < b->id;
}

/* The flow to end to make room.  The order of preference:
 *   1. CLOSED: the connection is over; only late retransmissions and final
 *      ACKs are lost, and the consumer has seen everything that matters.
 *   2. OPENING: a SYN with no payload yet.  This is what a SYN flood or a
 *      port scan fills the table with, and it carries no handshake bytes
 *      yet, so a flood churns through these and cannot push out the
 *      handshakes being diagnosed.
 *   3. ACTIVE or DECIDED, whichever was idle longer: both carry consumer
 *      state, so only idleness tells them apart.  (A decided flow has given
 *      its result already but is cheap; an active one is mid-handshake and
 *      costly, but one idle longest is the likeliest to have stalled.)
 * Within a list the head is the least recently active flow.  With
 * `cheap_only`, only classes 1 and 2: what a memory shed takes before it
 * turns to caches, which cost only time to rebuild (see sensor.c). */
static struct flow *
flow_victim(struct flow_table *ft, bool cheap_only)
{
	struct flow *f, *d;

	f = flow_list_first_idle(&ft->list[FLOW_CLOSED]);
	if (f == NULL)
		f = flow_list_first_idle(&ft->list[FLOW_OPENING]);
	if (f == NULL && !cheap_only) {
		f = flow_list_first_idle(&ft->list[FLOW_ACTIVE]);
		d = flow_list_first_idle(&ft->list[FLOW_DECIDED]);
		if (f == NULL || (d != NULL && flow_idler(d, f)))
			f = d;
	}
	return f;
}

/* End one flow to make room: the table is full, or (`mem`) the memory
 * budget is short, which is also counted by the flow's state. */
static bool
flow_evict_one(struct flow_table *ft, bool mem, bool cheap_only)
{
	struct flow *f = flow_victim(ft, cheap_only);
	enum flow_state s;

	if (f == NULL)
		return false;
	s = f->state;
	if (!flow_end(ft, f, FLOW_END_EVICTED, true))
		return false;
	if (mem)
		ft->st.shed[s]++;
	return true;
}

/*
 * Creation and lookup.
 */

static void
flow_key_make(const struct pkt *p, struct flow_key *k)
{
	size_t alen = p->af == 6 ? 16 : 4;

	memset(k, 0, sizeof(*k));
	memcpy(k->src, p->src, alen);
	memcpy(k->dst, p->dst, alen);
	k->sport = p->sport;
	k->dport = p->dport;
	k->af = p->af;
}

static int
flow_dir_of(const struct flow *f, const struct flow_key *k)
{
	if (f->port[FLOW_C2S] == k->sport &&
	    memcmp(f->addr[FLOW_C2S], k->src, 16) == 0)
		return FLOW_C2S;
	return FLOW_S2C;
}

static struct flow *
flow_lookup(const struct flow_table *ft, const struct flow_key *k, uint32_t h)
{
	struct flow *f;

	for (f = ft->bucket[h & ft->mask]; f != NULL; f = f->hnext) {
		if (f->hash != h || f->af != k->af)
			continue;
		if (f->port[0] == k->sport && f->port[1] == k->dport &&
		    memcmp(f->addr[0], k->src, 16) == 0 &&
		    memcmp(f->addr[1], k->dst, 16) == 0)
			return f;
		if (f->port[0] == k->dport && f->port[1] == k->sport &&
		    memcmp(f->addr[0], k->dst, 16) == 0 &&
		    memcmp(f->addr[1], k->src, 16) == 0)
			return f;
	}
	return NULL;
}

/* A SYN without ACK on a connection that has closed (or begun to), with an
 * ISN other than the one this side used before: a new incarnation of the
 * 4-tuple (RFC 9293 3.4.1), not a retransmission. */
static bool
flow_is_reuse(const struct flow *f, int dir, const struct pkt *p)
{
	const struct flow_dir *d = &f->dir[dir];

	if ((p->flags & (TH_SYN | TH_ACK)) != TH_SYN)
		return false;
	if (f->state != FLOW_CLOSED && !f->dir[0].fin && !f->dir[0].rst &&
	    !f->dir[1].fin && !f->dir[1].rst)
		return false;
	return !(d->rs.syn_seen && d->rs.isn == p->seq);
}

/* A new flow for packet `p`.  The client is the sender of a SYN, or the
 * receiver of a SYN+ACK; otherwise it is guessed: servers listen on the
 * lower port far more often than not, and when ports tie the first packet
 * seen is more likely the client's.  A flow picked up mid-stream starts
 * ACTIVE even on a pure ACK: an ACK means the handshake is behind it, and
 * OPENING's short timeout is for SYNs nobody answers; an idle established
 * connection that speaks again within the ACTIVE timeout keeps its flow. */
static struct flow *
flow_create(struct flow_table *ft, const struct flow_key *k, uint32_t h,
	    uint8_t flags)
{
	struct flow *f;
	bool src_is_client;
	int i;

	if (ft->st.active >= ft->cfg.max_flows &&
	    !flow_evict_one(ft, false, false)) {
		ft->st.dropped_nomem++;
		return NULL;
	}
	if (!mem_reserve(ft->cfg.mem, sizeof(*f)) &&
	    (!flow_evict_one(ft, true, false) ||
		!mem_reserve(ft->cfg.mem, sizeof(*f)))) {
		ft->st.dropped_nomem++;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL) {
		mem_release(ft->cfg.mem, sizeof(*f));
		ft->st.dropped_nomem++;
		return NULL;
	}
	f->id = ++ft->next_id;
	f->af = k->af;
	if (flags & TH_SYN) {
		src_is_client = !(flags & TH_ACK);
		f->state = FLOW_OPENING;
	} else {
		f->client_guessed = true;
		if (k->sport != k->dport)
			src_is_client = k->sport > k->dport;
		else
			src_is_client = true;
		f->state = FLOW_ACTIVE;
	}
	memcpy(f->addr[FLOW_C2S], src_is_client ? k->src : k->dst, 16);
	memcpy(f->addr[FLOW_S2C], src_is_client ? k->dst : k->src, 16);
	f->port[FLOW_C2S] = src_is_client ? k->sport : k->dport;
	f->port[FLOW_S2C] = src_is_client ? k->dport : k->sport;
	for (i = 0; i < 2; i++)
		reasm_init(&f->dir[i].rs, &ft->cfg.reasm,
		    ft->cfg.reasm_mem != NULL ? ft->cfg.reasm_mem : ft->cfg.mem);
	f->hash = h;
	f->hnext = ft->bucket[h & ft->mask];
	ft->bucket[h & ft->mask] = f;
	flow_list_append(ft, f);
	ft->st.created++;
	ft->st.active++;
	if (ft->st.active > ft->st.peak_active)
		ft->st.peak_active = ft->st.active;
	return f;
}

/*
 * The per-packet path.
 */

/* RFC 9293 3.10.7.3: a side in SYN-SENT that gets an ACK not acknowledging
 * its SYN (a leftover of an earlier incarnation of the 4-tuple) answers
 * <SEQ=SEG.ACK><CTL=RST> and stays in SYN-SENT, so its SYN retransmission
 * goes on with the same ISN.  Such an RST, from the SYN's sender before the
 * other side sent any SYN and off its sequence space, closes nothing. */
static bool
flow_rst_rejects_stray(const struct flow *f, const struct flow_dir *d,
		       const struct pkt *p)
{
	const struct flow_dir *o = d == &f->dir[0] ? &f->dir[1] : &f->dir[0];

	return (p->flags & (TH_RST | TH_SYN)) == TH_RST &&
	       f->state == FLOW_OPENING && d->syn && !o->syn &&
	       d->rs.syn_seen && p->seq != d->rs.isn + 1;
}

static void
flow_count(struct flow *f, struct flow_dir *d, const struct pkt *p)
{
	if (d->pkts == 0) {
		d->ttl_first = d->ttl_min = d->ttl_max = p->ttl;
	} else {
		if (p->ttl < d->ttl_min)
			d->ttl_min = p->ttl;
		if (p->ttl > d->ttl_max)
			d->ttl_max = p->ttl;
	}
	d->pkts++;
	d->wire_bytes += p->wirelen;
	d->payload_bytes += p->payload_wire;
	if ((p->flags & TH_SYN) && !d->syn) {
		d->syn = true;
		d->syn_ts = p->ts_us;
	}
	if ((p->flags & TH_FIN) && !d->fin) {
		d->fin = true;
		d->fin_ts = p->ts_us;
	}
	if ((p->flags & TH_RST) && !d->rst &&
	    !flow_rst_rejects_stray(f, d, p)) {
		d->rst = true;
		d->rst_ts = p->ts_us;
	}
	/* Keep last_ts monotonic even when capture time steps back (merged
	 * captures), so a flow's idle time never grows from a late packet. */
	if (p->ts_us > f->last_ts)
		f->last_ts = p->ts_us;
}

static void
flow_dispatch(struct flow_table *ft, struct flow *f, int dir,
	      const struct pkt *p)
{
	struct flow_dir *d = &f->dir[dir];
	struct flow_sinkctx sc;
	struct reasm_sink sink;
	uint8_t fl = p->flags;
	uint32_t wire;

	f->in_dispatch = true;
	f->cur_pkt = p;
	ft->busy++;
	flow_count(f, d, p);

	/* A SYN settles a guessed client: the sender of SYN without ACK is the
	 * client, the sender of SYN+ACK the server. */
	if (f->client_guessed && (fl & TH_SYN)) {
		int cdir = (fl & TH_ACK) ? 1 - dir : dir;

		if (cdir == FLOW_C2S)
			f->client_guessed = false;
		else
			f->swap_pending = true;
	}

	if (f->dir[0].rs.done && f->dir[1].rs.done) {
		/* Decided (or both directions done): counters only. */
		ft->st.decided_pkts++;
	} else if (!(fl & TH_RST)) {
		/* The payload of an RST is diagnostic text, never stream data
		 * (RFC 9293 3.5.3), so RSTs do not reach reasm. */
		wire = p->payload_wire > p->payload_len ? p->payload_wire
							: p->payload_len;
		if ((fl & TH_SYN) && !d->rs.done)
			reasm_syn(&d->rs, p->seq);
		/* A SYN+ACK answers the SYN: the connection is open, and a
		 * quiet one is no longer a half-open scan or flood. */
		if ((fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK) &&
		    f->state == FLOW_OPENING)
			flow_set_state(ft, f, FLOW_ACTIVE);
		if (wire > 0 || (fl & TH_FIN)) {
			if (wire > 0 && f->state == FLOW_OPENING)
				flow_set_state(ft, f, FLOW_ACTIVE);
			flow_sink_init(&sink, &sc, ft, f, dir);
			/* The SYN takes one sequence number (RFC 9293 3.4):
			 * data on a SYN (TCP Fast Open) starts after it. */
			reasm_segment(&d->rs, p->seq + ((fl & TH_SYN) ? 1 : 0),
				      p->payload, p->payload_len, wire,
				      (fl & TH_FIN) != 0, p->ts_us, &sink);
		}
	}

	if (f->state != FLOW_CLOSED && (f->dir[0].rst || f->dir[1].rst ||
					(f->dir[0].fin && f->dir[1].fin)))
		flow_set_state(ft, f, FLOW_CLOSED);
	flow_touch(ft, f);
	if (ft->ops->packet != NULL)
		ft->ops->packet(ft->ctx, f, dir, p);
	f->cur_pkt = NULL;
	ft->busy--;
	f->in_dispatch = false;
	if (f->swap_pending)
		flow_apply_swap(f);
}

void
flow_packet(struct flow_table *ft, const struct pkt *p)
{
	struct flow_key k;
	struct flow *f;
	uint32_t h;
	int dir = FLOW_C2S;

	ft->st.packets++;
	/* Expire before the lookup, so that an idle flow ends before a late
	 * packet of its tuple starts a new one, and so that expiry never ends
	 * the flow being dispatched.  Time that steps back re-arms the clock
	 * rather than stalling expiry until it catches up. */
	if (!ft->expire_armed || p->ts_us < ft->last_expire_us) {
		ft->expire_armed = true;
		ft->last_expire_us = p->ts_us;
	} else if (p->ts_us - ft->last_expire_us >=
		   FLOW_EXPIRE_INTERVAL * US_PER_S) {
		ft->last_expire_us = p->ts_us;
		flow_expire(ft, p->ts_us);
	}

	flow_key_make(p, &k);
	h = flow_hash_key(ft, &k);
	f = flow_lookup(ft, &k, h);
	if (f != NULL) {
		dir = flow_dir_of(f, &k);
		if (flow_is_reuse(f, dir, p) &&
		    flow_end(ft, f, FLOW_END_REUSED, true))
			f = NULL;
	}
	if (f == NULL) {
		f = flow_create(ft, &k, h, p->flags);
		if (f == NULL)
			return;
		f->first_ts = f->last_ts = p->ts_us;
		dir = flow_dir_of(f, &k);
		if (ft->ops->start != NULL) {
			f->in_dispatch = true;
			ft->busy++;
			ft->ops->start(ft->ctx, f);
			ft->busy--;
			f->in_dispatch = false;
		}
	}
	flow_dispatch(ft, f, dir, p);
}

void
flow_expire(struct flow_table *ft, uint64_t now_us)
{
	struct flow *f, *next;
	uint64_t to;
	int s;

	/* Called from a callback, an expiry could end a flow whose caller
	 * still holds it; the next packet will expire it instead. */
	if (ft->busy > 0)
		return;
	for (s = 0; s < FLOW_NSTATES; s++) {
		to = (uint64_t)ft->cfg.timeout[s] * US_PER_S;
		for (f = ft->list[s].head; f != NULL; f = next) {
			next = f->lnext;
			if (f->last_ts + to >= now_us)
				break;
			flow_end(ft, f, FLOW_END_TIMEOUT, true);
		}
	}
}

static int
flow_cmp_id(const void *a, const void *b)
{
	const struct flow *fa = *(struct flow *const *)a;
	const struct flow *fb = *(struct flow *const *)b;

	return fa->id < fb->id ? -1 : fa->id > fb->id;
}

/* End every flow in creation order.  The bucket array has room for one
 * pointer per flow (it has at least max_flows entries), so it is reused as
 * the list to sort: no allocation at the end of the input, when memory may
 * be shortest. */
void
flow_finish(struct flow_table *ft)
{
	struct flow **v = ft->bucket;
	struct flow *f;
	size_t n = 0, i;
	int s;

	if (ft->busy > 0)
		return;
	for (s = 0; s < FLOW_NSTATES; s++)
		for (f = ft->list[s].head; f != NULL; f = f->lnext)
			v[n++] = f;
	qsort(v, n, sizeof(*v), flow_cmp_id);
	for (i = 0; i < n; i++)
		flow_end(ft, v[i], FLOW_END_INPUT, false);
	memset(ft->bucket, 0, ((size_t)ft->mask + 1) * sizeof(*ft->bucket));
}

/*
 * The rest of the interface.
 */

void
flow_config_default(struct flow_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_flows = FLOW_MAX_DEFAULT;
	cfg->timeout[FLOW_OPENING] = FLOW_TIMEOUT_OPENING;
	cfg->timeout[FLOW_ACTIVE] = FLOW_TIMEOUT_ACTIVE;
	cfg->timeout[FLOW_DECIDED] = FLOW_TIMEOUT_DECIDED;
	cfg->timeout[FLOW_CLOSED] = FLOW_TIMEOUT_CLOSED;
	cfg->reasm.dir_max = REASM_DIR_MAX_DEFAULT;
	cfg->reasm.segs_max = REASM_DIR_SEGS_MAX;
	cfg->reasm.history = REASM_HISTORY_MAX;
	cfg->mem = NULL;
	cfg->reasm_mem = NULL;
	cfg->table_mem = NULL;
}

size_t
flow_table_bytes(uint32_t max_flows)
{
	uint32_t nb = 1;

	if (max_flows == 0)
		max_flows = 1;
	if (max_flows > FLOW_MAX_CLAMP)
		max_flows = FLOW_MAX_CLAMP;
	while (nb < max_flows)
		nb <<= 1;
	return (size_t)nb * sizeof(struct flow *);
}

struct flow_table *
flow_table_new(const struct flow_config *cfg, const struct flow_ops *ops,
	       void *ctx)
{
	struct flow_table *ft;
	size_t tb;

	ft = calloc(1, sizeof(*ft));
	if (ft == NULL)
		return NULL;
	ft->cfg = *cfg;
	if (ft->cfg.max_flows == 0)
		ft->cfg.max_flows = 1;
	if (ft->cfg.max_flows > FLOW_MAX_CLAMP)
		ft->cfg.max_flows = FLOW_MAX_CLAMP;
	/* The bucket array is the table's one fixed allocation, sized for the
	 * cap up front and charged to table_mem (not to mem, which is for
	 * what grows with traffic). */
	tb = flow_table_bytes(ft->cfg.max_flows);
	if (!mem_reserve(ft->cfg.table_mem, tb)) {
		free(ft);
		return NULL;
	}
	ft->bucket = calloc(1, tb);
	if (ft->bucket == NULL) {
		mem_release(ft->cfg.table_mem, tb);
		free(ft);
		return NULL;
	}
	ft->mask = (uint32_t)(tb / sizeof(*ft->bucket) - 1);
	ft->ops = ops != NULL ? ops : &flow_noops;
	ft->ctx = ctx;
	flow_seed(ft);
	return ft;
}

void
flow_table_free(struct flow_table *ft)
{
	if (ft == NULL)
		return;
	flow_finish(ft);
	free(ft->bucket);
	mem_release(ft->cfg.table_mem, flow_table_bytes(ft->cfg.max_flows));
	free(ft);
}

bool
flow_shed(struct flow_table *ft, bool cheap_only)
{
	/* From a callback the flow being processed, or one whose caller
	 * still holds it, could be pulled away: wait for a safe point. */
	if (ft->busy > 0)
		return false;
	return flow_evict_one(ft, true, cheap_only);
}

const struct flow_stats *
flow_stats(const struct flow_table *ft)
{
	return &ft->st;
}

void
flow_decided(struct flow_table *ft, struct flow *f)
{
	/* A closed flow stays CLOSED: it is over, and its short timeout and
	 * the port-reuse check must keep applying. */
	if (f->state != FLOW_CLOSED)
		flow_set_state(ft, f, FLOW_DECIDED);
	reasm_done(&f->dir[FLOW_C2S].rs);
	reasm_done(&f->dir[FLOW_S2C].rs);
}

void
flow_dir_done(struct flow *f, int dir)
{
	if (dir == FLOW_C2S || dir == FLOW_S2C)
		reasm_done(&f->dir[dir].rs);
}

void
flow_swap_sides(struct flow_table *ft, struct flow *f)
{
	(void)ft;
	f->swap_pending = true;
	if (!f->in_dispatch)
		flow_apply_swap(f);
}

const char *
flow_state_name(enum flow_state s)
{
	switch (s) {
	case FLOW_OPENING:
		return "opening";
	case FLOW_ACTIVE:
		return "active";
	case FLOW_DECIDED:
		return "decided";
	case FLOW_CLOSED:
		return "closed";
	case FLOW_NSTATES:
		break;
	}
	return "unknown";
}

const char *
flow_end_name(enum flow_end e)
{
	switch (e) {
	case FLOW_END_TIMEOUT:
		return "timeout";
	case FLOW_END_EVICTED:
		return "evicted";
	case FLOW_END_REUSED:
		return "reused";
	case FLOW_END_INPUT:
		return "input";
	case FLOW_END_NREASONS:
		break;
	}
	return "unknown";
}
