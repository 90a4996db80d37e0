/* conn.c -- the outcome of each TLS connection, from the TLS facts and TCP.
 *
 * Implements the outcome rules of conn.h over RFC 8446 (TLS 1.3 record
 * sizes: 5.2, alerts 6, Finished 4.4.4) and RFC 5246 (ChangeCipherSpec
 * 7.1, alerts 7.2, Finished 7.4.9).
 *
 * It never reads packet bytes (tls_record does), never formats output and
 * never keeps memory for a flow after handing over its result.
 */
#include <stdlib.h>
#include <string.h>

#include "tlsdiag/conn.h"
#include "tlsdiag/pcapout.h"
#include "tlsdiag/tls_names.h"

/* What one flow costs while its handshake is undecided. */
struct conn {
	struct tls_conn tc;

	/* The sides were swapped during the current packet: the flow table
	 * applies the swap once the packet is done, so until then its
	 * direction indexes are the old ones (ours are already swapped). */
	bool flip;

	uint64_t ch_ts, sh_ts;
	uint16_t seen_alerts; /* alerts[] entries looked at */
	uint64_t seen_enc[2]; /* unreadable records looked at, by side */

	/* TLS <= 1.2: an encrypted Finished or application data, by side. */
	bool fin[2], app[2];

	/* TLS 1.3, by record sizes. */
	bool s_flight; /* the server's encrypted flight began */
	bool c_first;  /* the client's first record after it */
	uint16_t c_first_len;
	uint8_t c_first_inner; /* its content type if it was decrypted */

	/* A failure (or not_tls) is known but not yet handed over: the peer's
	 * answer (its own alert, often the more telling one) and the close follow
	 * within milliseconds, so the parser keeps reading until the
	 * connection closes, CONN_LINGER_US pass, or the flow ends. */
	/* -w: the connection's frames so far, each a struct kept_hdr then
	 * its bytes (owned, charged to the budget, at most CONN_KEEP_MAX). */
	uint8_t *keep;
	uint32_t keep_len, keep_cap;
	uint32_t keep_dropped;
	const struct pkt *last_kept; /* the last packet appended */

	bool pending;
	/* The client closed (FIN or RST) after its ClientHello while the
	 * server had not: the server's flight may be in flight still.  When
	 * the result would have been handed over, the facts are kept as they
	 * are then (p_facts, for the judge) and the server's bytes are still
	 * parsed, so that its certificates are recorded, until the server
	 * closes too or CONN_LINGER_US pass since the client's close.  The
	 * result and its cause stay what they were without the wait. */
	bool p_client_closed;
	struct tls_facts *p_facts; /* owned, charged; non-NULL: waiting for
				      the server.  A shallow copy: its
				      buffers are the live facts', which
				      never replace them */
	uint64_t p_sh_ts; /* sh_ts when p_facts was taken */
	uint64_t p_app; /* client data records (facts data_records) when it
			  became pending */
	enum conn_result_kind p_kind;
	const char *p_reason;
	int8_t p_dir;
	uint64_t p_ts;
};

/* How long a known failure waits for the rest of the exchange (the other
 * side's alert, the close) before it is handed over anyway, in packet time.
 * Long enough for a round trip on any sane path, short enough for a live
 * report to feel immediate. */
#define CONN_LINGER_US 1000000u

static const char *const result_names[CONN_NRESULTS] = {
    "established",
    "failed",
    "incomplete",
    "not_tls",
};

static const char *const closer_names[CONN_NCLOSERS] = {
    "none", "client_fin", "client_rst", "server_fin", "server_rst",
};

const char *
conn_result_name(enum conn_result_kind k)
{
	if ((unsigned)k >= CONN_NRESULTS)
		return "invalid";
	return result_names[k];
}

const char *
conn_closer_name(enum conn_closer c)
{
	if ((unsigned)c >= CONN_NCLOSERS)
		return "invalid";
	return closer_names[c];
}

bool
conn_port_is_tls(uint16_t port)
{
	switch (port) {
	case 443:  /* https */
	case 465:  /* submissions, RFC 8314 */
	case 636:  /* ldaps */
	case 853:  /* DNS over TLS, RFC 7858 */
	case 993:  /* imaps, RFC 8314 */
	case 995:  /* pop3s, RFC 8314 */
	case 8443: /* the usual alternative https port */
		return true;
	default:
		return false;
	}
}

/* The flow table's index of our side `side`. */
static int
fidx(const struct conn *c, int side)
{
	return c->flip ? 1 - side : side;
}

/* AEAD tag length of a TLS 1.3 suite (RFC 8446 B.4): 8 for
 * TLS_AES_128_CCM_8_SHA256, 16 for the others. */
static unsigned
tag_len(const struct tls_facts *fa)
{
	return fa->sh.cipher == 0x1305 ? 8 : 16;
}

/* An encrypted alert: 2 bytes of alert, the inner content type, the tag. */
static unsigned
alert_len(const struct tls_facts *fa)
{
	return 2 + 1 + tag_len(fa);
}

/* A Finished alone: verify_data of a SHA-256 or SHA-384 hash, its 4-byte
 * handshake header, the inner content type and the tag. */
static bool
finished_len(const struct tls_facts *fa, unsigned len)
{
	unsigned t = tag_len(fa);

	return len == 32 + 4 + 1 + t || len == 48 + 4 + 1 + t;
}

/* A TLS 1.3 record that is an alert: by its decrypted content type when
 * the key log opened it, else by its size. */
static bool
is_alert13(const struct tls_facts *fa, uint8_t inner, unsigned len)
{
	return inner != 0 ? inner == 21 : len == alert_len(fa);
}

static void
closer_of(const struct flow *f, struct conn_result *r)
{
	static const enum conn_closer kinds[2][2] = {
	    {CONN_CLOSER_CLIENT_FIN, CONN_CLOSER_CLIENT_RST},
	    {CONN_CLOSER_SERVER_FIN, CONN_CLOSER_SERVER_RST},
	};
	int d;

	r->closer = CONN_CLOSER_NONE;
	r->close_ts = 0;
	for (d = 0; d < 2; d++) {
		const struct flow_dir *fd = &f->dir[d];

		/* An RST is what ends a connection, even after a FIN. */
		if (fd->rst && (r->closer == CONN_CLOSER_NONE ||
				fd->rst_ts < r->close_ts)) {
			r->closer = kinds[d][1];
			r->close_ts = fd->rst_ts;
		}
		if (fd->fin && (r->closer == CONN_CLOSER_NONE ||
				fd->fin_ts < r->close_ts)) {
			r->closer = kinds[d][0];
			r->close_ts = fd->fin_ts;
		}
	}
}

/* The client already sent application data after its handshake messages.
 * In TLS 1.3 its Finished is its first type-23 record, unless a key log
 * showed it for what it is; a record decrypted as a handshake message (a
 * KeyUpdate) or an alert is not data either. */
static bool
client_sent_data(const struct conn *c)
{
	const struct tls_facts *fa = &c->tc.facts;
	uint64_t n = fa->dir[TLS_DIR_C2S].data_records;

	if (fa->tls13 && fa->finished_len[TLS_DIR_C2S] == 0)
		return n >= 2;
	return n >= 1;
}

/* Marks a decided flow whose later packets -w writes (f->app). */
static char conn_dumping;

struct kept_hdr {
	uint64_t ts_us;
	uint32_t caplen, wirelen;
	int32_t dlt;
};

/* The budget the -w copies are charged to. */
static struct membudget *
keep_mem(struct conn_ctx *cx)
{
	return cx->keep_mem != NULL ? cx->keep_mem : cx->mem;
}

/* -w: keep a copy of a frame until the connection's result is known. */
static void
keep_packet(struct conn_ctx *cx, struct conn *c, const struct pkt *p)
{
	struct kept_hdr h;
	uint32_t need = (uint32_t)sizeof(h) + p->caplen, cap;
	uint8_t *nb;

	c->last_kept = p;
	if (p->raw == NULL)
		return;
	if (need > CONN_KEEP_MAX - c->keep_len) {
		c->keep_dropped++;
		return;
	}
	if (c->keep_len + need > c->keep_cap) {
		cap = c->keep_cap != 0 ? c->keep_cap : 4096;
		while (cap < c->keep_len + need)
			cap *= 2;
		if (cap > CONN_KEEP_MAX)
			cap = CONN_KEEP_MAX;
		if (!mem_reserve(keep_mem(cx), cap - c->keep_cap)) {
			c->keep_dropped++;
			return;
		}
		if ((nb = realloc(c->keep, cap)) == NULL) {
			mem_release(keep_mem(cx), cap - c->keep_cap);
			c->keep_dropped++;
			return;
		}
		c->keep = nb;
		c->keep_cap = cap;
	}
	h.ts_us = p->ts_us;
	h.caplen = p->caplen;
	h.wirelen = p->wirelen;
	h.dlt = p->dlt;
	memcpy(c->keep + c->keep_len, &h, sizeof(h));
	memcpy(c->keep + c->keep_len + sizeof(h), p->raw, p->caplen);
	c->keep_len += need;
}

/* Write the kept frames (and the one being processed, if it was not kept
 * yet: the packet that decided). */
static void
keep_write(struct conn_ctx *cx, struct conn *c, const struct flow *f)
{
	struct kept_hdr h;
	uint32_t off = 0;

	while (off + sizeof(h) <= c->keep_len) {
		memcpy(&h, c->keep + off, sizeof(h));
		pcapout_write(cx->pcap, h.ts_us, h.caplen, h.wirelen, h.dlt,
		    c->keep + off + sizeof(h));
		off += (uint32_t)sizeof(h) + h.caplen;
	}
	if (f->cur_pkt != NULL && f->cur_pkt != c->last_kept &&
	    f->cur_pkt->raw != NULL)
		pcapout_write(cx->pcap, f->cur_pkt->ts_us, f->cur_pkt->caplen,
		    f->cur_pkt->wirelen, f->cur_pkt->dlt, f->cur_pkt->raw);
	pcapout_count_dropped(cx->pcap, c->keep_dropped);
}

static void
keep_free(struct conn_ctx *cx, struct conn *c)
{
	free(c->keep);
	mem_release(keep_mem(cx), c->keep_cap);
	c->keep = NULL;
	c->keep_len = c->keep_cap = 0;
}

/* Hand the result over and let the flow go: from now on the flow table
 * only counts its packets, and this conn is gone (f->app is NULL). */
static void
conn_finish(struct conn_ctx *cx, struct flow *f, struct conn *c, bool emit,
	    enum conn_result_kind kind, const char *reason, int rdir,
	    uint64_t ts, bool ending)
{
	struct conn_result r;
	struct certcheck cc, jcc;
	struct conn_judged judged;
	struct flow view;
	const struct flow *fv = f;

	if (emit && !ending && !c->pending &&
	    !(kind == CONN_ESTABLISHED && client_sent_data(c)) &&
	    !(f->dir[0].rst || f->dir[1].rst || (f->dir[0].fin && f->dir[1].fin))) {
		/* An established handshake waits too, for the client's first
		 * application data: a client that checks the host name or an
		 * OCSP staple only after the handshake (curl) closes with an
		 * alert instead, and that belongs in the report. */
		c->pending = true;
		c->p_kind = kind;
		c->p_reason = reason;
		c->p_dir = (int8_t)rdir;
		c->p_ts = ts;
		c->p_app = c->tc.facts.dir[TLS_DIR_C2S].data_records;
		return;
	}
	if (emit) {
		/* While a swap is pending the flow's sides are still the old
		 * ones: the writers get a view with the sides right. */
		if (c->flip) {
			view = *f;
			memcpy(view.addr[0], f->addr[1], 16);
			memcpy(view.addr[1], f->addr[0], 16);
			view.port[0] = f->port[1];
			view.port[1] = f->port[0];
			view.dir[0] = f->dir[1];
			view.dir[1] = f->dir[0];
			view.client_guessed = false;
			fv = &view;
		}
		memset(&r, 0, sizeof(r));
		r.flow = fv;
		r.facts = &c->tc.facts;
		r.result = kind;
		r.reason = reason;
		r.reason_dir = (int8_t)rdir;
		r.client_bytes = c->tc.facts.dir[0].detect;
		r.server_bytes = c->tc.facts.dir[1].detect;
		r.first_ts = f->first_ts;
		r.client_hello_ts = c->ch_ts;
		r.server_hello_ts = c->sh_ts;
		r.outcome_ts = ts;
		if (kind == CONN_FAILED && reason != NULL &&
		    strcmp(reason, "encrypted_alert") == 0 &&
		    c->tc.facts.tls13) {
			r.enc13_alert = true;
			r.enc13_alert_dir = (uint8_t)rdir;
			r.enc13_alert_len = (uint16_t)alert_len(&c->tc.facts);
			r.enc13_alert_ts = ts;
		}
		closer_of(fv, &r);
		cx->results[kind]++;
		if (cx->certs != NULL &&
		    (c->tc.facts.cert[TLS_DIR_S2C].present ||
		     c->tc.facts.cert[TLS_DIR_C2S].present)) {
			/* Judged when the chain was seen: the ServerHello's
			 * time (the Certificate follows it in the flight). */
			/* Without the ClientHello there is no SNI to check
			 * the leaf against, nor a reason to take the address
			 * for the name the client asked for. */
			certcheck_run(cx->certs, &c->tc.facts,
			    (int64_t)((c->sh_ts != 0 ? c->sh_ts : f->first_ts) /
				      1000000u),
			    c->tc.facts.ch_seen ? fv->af : 0,
			    fv->addr[FLOW_S2C], &cc);
			r.certs = &cc;
		}
		if (c->p_facts != NULL) {
			/* The judge's view: the connection when the client
			 * closed, its certificates judged as they were. */
			memset(&judged, 0, sizeof(judged));
			judged.facts = c->p_facts;
			judged.server_hello_ts = c->p_sh_ts;
			if (cx->certs != NULL &&
			    (c->p_facts->cert[TLS_DIR_S2C].present ||
			     c->p_facts->cert[TLS_DIR_C2S].present)) {
				certcheck_run(cx->certs, c->p_facts,
				    (int64_t)((c->p_sh_ts != 0 ? c->p_sh_ts
							       : f->first_ts) /
					      1000000u),
				    fv->af, fv->addr[FLOW_S2C], &jcc);
				judged.certs = &jcc;
			}
			r.judged = &judged;
		}
		if (cx->emit != NULL)
			cx->emit(cx->out_ctx, &r);
		if (r.certs != NULL)
			certcheck_release(cx->certs, &cc);
		if (r.judged != NULL && judged.certs != NULL)
			certcheck_release(cx->certs, &jcc);
		if (cx->pcap != NULL && kind != CONN_ESTABLISHED)
			keep_write(cx, c, f);
	}
	keep_free(cx, c);
	if (c->p_facts != NULL) {
		free(c->p_facts);
		mem_release(cx->mem, sizeof(*c->p_facts));
	}
	if (!ending && cx->ft != NULL)
		flow_decided(cx->ft, f);
	tls_conn_free(&c->tc);
	free(c);
	mem_release(cx->mem, sizeof(*c));
	/* -w: the rest of a connection that did not establish (its last
	 * ACKs, a late RST) goes to the file too. */
	f->app = emit && !ending && cx->pcap != NULL &&
			 kind != CONN_ESTABLISHED
		     ? &conn_dumping
		     : NULL;
}

/* The server's port, wherever the flow table has it now. */
static uint16_t
server_port(const struct conn *c, const struct flow *f)
{
	return f->port[fidx(c, FLOW_S2C)];
}

/* not_tls, or silence for a non-TLS flow on a port that is not TLS's.
 * Returns true if the flow was finished. */
/* The slot of a server endpoint in cx->tls_servers (FNV-1a: fixed, so
 * offline runs are deterministic). */
static struct conn_tls_server *
tls_server_slot(struct conn_ctx *cx, const struct flow *f, int sdir)
{
	uint32_t h = 2166136261u;
	unsigned i;

	for (i = 0; i < 16; i++)
		h = (h ^ f->addr[sdir][i]) * 16777619u;
	h = (h ^ (f->port[sdir] & 0xff)) * 16777619u;
	h = (h ^ (f->port[sdir] >> 8)) * 16777619u;
	if (cx->shared_servers != NULL)
		return &cx->shared_servers[h % CONN_TLS_SERVERS];
	return &cx->tls_servers[h % CONN_TLS_SERVERS];
}

static bool
tls_server_known(struct conn_ctx *cx, const struct flow *f, int sdir)
{
	const struct conn_tls_server *s = tls_server_slot(cx, f, sdir);
	bool known;

	if (cx->servers_lock != NULL)
		pthread_mutex_lock(cx->servers_lock);
	known = s->used && s->af == f->af && s->port == f->port[sdir] &&
		memcmp(s->addr, f->addr[sdir], 16) == 0;
	if (cx->servers_lock != NULL)
		pthread_mutex_unlock(cx->servers_lock);
	return known;
}

static void
tls_server_note(struct conn_ctx *cx, const struct flow *f, int sdir)
{
	struct conn_tls_server *s = tls_server_slot(cx, f, sdir);

	if (cx->servers_lock != NULL)
		pthread_mutex_lock(cx->servers_lock);
	s->used = true;
	s->af = f->af;
	s->port = f->port[sdir];
	memcpy(s->addr, f->addr[sdir], 16);
	if (cx->servers_lock != NULL)
		pthread_mutex_unlock(cx->servers_lock);
}

static bool
check_not_tls(struct conn_ctx *cx, struct flow *f, struct conn *c, uint64_t ts,
	      bool ending)
{
	const struct tls_facts *fa = &c->tc.facts;
	enum tls_detect_kind d0 = fa->dir[0].detect;
	enum tls_detect_kind d1 = fa->dir[1].detect;
	uint16_t port = server_port(c, f);
	bool tls_port = conn_port_is_tls(port);
	size_t i;

	for (i = 0; i < cx->ntls_ports && !tls_port; i++)
		tls_port = cx->tls_ports[i] == port;
	if (!tls_port)
		tls_port = tls_server_known(cx, f, fidx(c, TLS_DIR_S2C));

	if (d0 != TLS_DETECT_NEED_MORE && !tls_detect_is_tls(d0) &&
	    !fa->dir[0].upgraded) {
		/* A flow picked up mid-stream starts anywhere in the byte
		 * stream: only a recognised protocol says "not TLS" there. */
		bool sure = !f->client_guessed || d0 != TLS_DETECT_UNKNOWN;

		/* Elsewhere than a TLS port, plaintext may still turn into
		 * TLS (STARTTLS, CONNECT): wait until the parser gave up
		 * looking, then let the flow go without a report. */
		if (!tls_port && !ending &&
		    fa->dir[0].stop != TLS_STOP_NOT_TLS)
			return false;
		conn_finish(cx, f, c, tls_port && sure, CONN_NOT_TLS,
			    "client_not_tls", TLS_DIR_C2S, ts, ending);
		return true;
	}
	/* After an upgrade the server's plaintext is the protocol's own. */
	if (d1 != TLS_DETECT_NEED_MORE && !tls_detect_is_tls(d1) &&
	    !fa->dir[0].upgraded && !fa->dir[1].upgraded) {
		if (fa->ch_seen) {
			conn_finish(cx, f, c, true, CONN_NOT_TLS,
				    "server_not_tls", TLS_DIR_S2C, ts, ending);
			return true;
		}
		/* A server that speaks first (a banner) on a TLS port, and a
		 * client that never sent a byte. */
		if (ending && fa->dir[0].bytes == 0) {
			bool sure =
			    !f->client_guessed || d1 != TLS_DETECT_UNKNOWN;

			conn_finish(cx, f, c, tls_port && sure, CONN_NOT_TLS,
				    "server_not_tls", TLS_DIR_S2C, ts, ending);
			return true;
		}
	}
	return false;
}

/* Plaintext fatal alerts, and TLS <= 1.2 encrypted alerts before both
 * Finished.  Returns true if the flow was finished. */
static bool
check_alerts(struct conn_ctx *cx, struct flow *f, struct conn *c)
{
	const struct tls_facts *fa = &c->tc.facts;

	while (c->seen_alerts < fa->nalerts) {
		const struct tls_alert *a = &fa->alerts[c->seen_alerts++];

		/* A decrypted TLS <= 1.2 warning (close_notify before both
		 * Finished) decides as its encrypted record did without
		 * keys; TLS 1.3 has no warning that ends a handshake
		 * (RFC 8446 6: every error alert is fatal). */
		if (a->encrypted ||
		    (a->decrypted && !fa->tls13 &&
		     a->level != TLS_ALERT_LEVEL_FATAL)) {
			/* Only a TLS <= 1.2 alert record after CCS lands
			 * here; both Finished would have decided already.
			 * From a side that already sent application data it
			 * is the close_notify of a session whose other half
			 * the capture lost: no failure, and the flow's end
			 * says what is known (incomplete). */
			if (fa->dir[a->dir & 1].appdata_records > 0)
				continue;
			conn_finish(cx, f, c, true, CONN_FAILED,
				    "encrypted_alert", a->dir, a->ts_us, false);
			return true;
		}
		if (a->level == TLS_ALERT_LEVEL_FATAL) {
			conn_finish(cx, f, c, true, CONN_FAILED, "fatal_alert",
				    a->dir, a->ts_us, false);
			return true;
		}
	}
	return false;
}

/* One unreadable record of side d.  Returns true if the flow was
 * finished. */
static bool
enc_record(struct conn_ctx *cx, struct flow *f, struct conn *c, int d,
	   uint8_t type, uint8_t inner, uint16_t len, uint64_t ts)
{
	const struct tls_facts *fa = &c->tc.facts;

	/* Before a ServerHello an encrypted record is 0-RTT early data
	 * (or noise): it says nothing about the handshake. */
	if (!fa->sh_seen)
		return false;
	if (!fa->tls13) {
		if (type == 22)
			c->fin[d] = true;
		else if (type == 23)
			c->app[d] = true;
		if ((c->fin[0] || c->app[0]) && (c->fin[1] || c->app[1])) {
			conn_finish(cx, f, c, true, CONN_ESTABLISHED, NULL, -1,
				    ts, false);
			return true;
		}
		return false;
	}
	if (type != 23)
		return false;
	if (d == TLS_DIR_S2C) {
		if (!c->c_first) {
			c->s_flight = true;
			return false;
		}
		/* The server's first record after the client's answer:
		 * an alert means it rejected the client (for instance
		 * certificate_required), anything else is a ticket or
		 * data.  A decrypted alert is decided by check_alerts()
		 * with its description. */
		if (inner == 21)
			return false;
		if (is_alert13(fa, inner, len))
			conn_finish(cx, f, c, true, CONN_FAILED,
				    "encrypted_alert", TLS_DIR_S2C, ts, false);
		else
			conn_finish(cx, f, c, true, CONN_ESTABLISHED, NULL, -1,
				    ts, false);
		return true;
	}
	if (!c->s_flight)
		return false;
	if (!c->c_first) {
		c->c_first = true;
		c->c_first_len = len;
		c->c_first_inner = inner;
		if (inner == 21)
			return false; /* check_alerts() has its description */
		if (is_alert13(fa, inner, len)) {
			/* The client rejected the server's flight. */
			conn_finish(cx, f, c, true, CONN_FAILED,
				    "encrypted_alert", TLS_DIR_C2S, ts, false);
			return true;
		}
		return false;
	}
	/* A second client record after a Finished: the client is done
	 * and sends data (or close_notify).  After a larger first record
	 * (a client certificate) the Finished is still to come, and only
	 * the server's answer tells.  Decrypted, the Finished is seen; but
	 * a server that asked for a certificate may still refuse it. */
	if (c->c_first_inner != 0 ? fa->finished_len[TLS_DIR_C2S] != 0 &&
					!fa->cert_req.present
				  : finished_len(fa, c->c_first_len)) {
		conn_finish(cx, f, c, true, CONN_ESTABLISHED, NULL, -1, ts,
			    false);
		return true;
	}
	return false;
}

/* Look at what the last feed of side d added.  Returns true if the flow
 * was finished. */
static bool
conn_eval(struct conn_ctx *cx, struct flow *f, struct conn *c, int d,
	  uint64_t ts)
{
	struct tls_facts *fa = &c->tc.facts;

	if (fa->ch_seen && c->ch_ts == 0)
		c->ch_ts = ts;
	if (fa->sh_seen && c->sh_ts == 0) {
		c->sh_ts = ts;
		tls_server_note(cx, f, fidx(c, TLS_DIR_S2C));
	}

	/* Picked up mid-stream, or the guess of sides was wrong. */
	if (fa->client_dir == TLS_DIR_S2C) {
		uint64_t e = c->seen_enc[0];
		bool b;

		tls_conn_swap(&c->tc);
		if (cx->ft != NULL)
			flow_swap_sides(cx->ft, f);
		c->flip = !c->flip;
		c->seen_enc[0] = c->seen_enc[1];
		c->seen_enc[1] = e;
		b = c->fin[0], c->fin[0] = c->fin[1], c->fin[1] = b;
		b = c->app[0], c->app[0] = c->app[1], c->app[1] = b;
		d = 1 - d;
	}

	if (check_not_tls(cx, f, c, ts, false))
		return true;

	/* XXX: records past TLS_ENC_RECORDS_MAX have no length kept; they
	 * are taken as data, never as an alert. */
	while (c->seen_enc[d] < fa->dir[d].enc_total) {
		uint64_t i = c->seen_enc[d]++;
		uint8_t type = 23, inner = 0;
		uint16_t len = 0;
		uint64_t rts = ts;

		if (i < fa->dir[d].nenc) {
			type = fa->dir[d].enc[i].type;
			len = fa->dir[d].enc[i].len;
			inner = fa->dir[d].enc[i].inner;
			rts = fa->dir[d].enc[i].ts_us;
		}
		if (enc_record(cx, f, c, d, type, inner, len, rts))
			return true;
	}
	return check_alerts(cx, f, c);
}

/* Flows whose state could not be allocated point here, so that the refusal
 * is counted once and not retried on every segment. */
static struct conn conn_refused;

static struct conn *conn_get(struct conn_ctx *cx, struct flow *f);

static void
conn_start(void *ctx, struct flow *f)
{
	struct conn_ctx *cx = ctx;

	/* Nothing yet: a SYN flood must not cost a parser per SYN.  The state
	 * is made when the first payload byte arrives (conn_get), unless -w
	 * wants every packet from the SYN on. */
	f->app = NULL;
	if (cx->pcap != NULL)
		(void)conn_get(cx, f);
}

/* The flow's state, made on first use; NULL if it could not be. */
static struct conn *
conn_get(struct conn_ctx *cx, struct flow *f)
{
	struct conn *c = f->app;

	if (c == &conn_refused || f->app == (void *)&conn_dumping)
		return NULL;
	if (c != NULL)
		return c;
	if (!mem_reserve(cx->mem, sizeof(*c))) {
		cx->nomem++;
		f->app = &conn_refused;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		mem_release(cx->mem, sizeof(*c));
		cx->nomem++;
		f->app = &conn_refused;
		return NULL;
	}
	tls_conn_init(&c->tc, cx->lim.hs_msg_max != 0 ? &cx->lim : NULL,
		      cx->mem);
	if (cx->keys != NULL)
		tls_conn_set_keys(&c->tc, cx->keys, cx->keys_arg);
	f->app = c;
	return c;
}

/* The flow's state if it has one (packets and ends need no new one). */
static struct conn *
conn_of(struct flow *f)
{
	return f->app == &conn_refused || f->app == (void *)&conn_dumping
		   ? NULL
		   : f->app;
}

static void conn_flush(struct conn_ctx *cx, struct flow *f, struct conn *c,
    bool ending);

static void
conn_data(void *ctx, struct flow *f, int dir, const uint8_t *p, uint32_t len,
	  uint64_t ts_us)
{
	struct conn_ctx *cx = ctx;
	struct conn *c = conn_get(cx, f);
	int d, st;

	if (c == NULL)
		return;
	d = fidx(c, dir);
	/* Waiting for the server's flight after the client's close: bytes
	 * that come CONN_LINGER_US or more after it are no part of it (the
	 * flow table hands a packet's bytes over before the packet). */
	if (c->p_facts != NULL && ts_us - c->p_ts >= CONN_LINGER_US) {
		conn_flush(cx, f, c, false);
		return;
	}
	st = tls_conn_feed(&c->tc, d, p, len, ts_us);
	if (st < 0)
		flow_dir_done(f, dir);
	if (c->p_facts != NULL) {
		/* The server's flight, for the record only (the judge has
		 * p_facts): when its ServerHello came. */
		if (c->tc.facts.sh_seen && c->sh_ts == 0)
			c->sh_ts = ts_us;
		return;
	}
	/* A client that turned out to upgrade to TLS (a PROXY header in its
	 * own segment before the ClientHello) is not "not TLS" after all. */
	if (c->pending && c->p_kind == CONN_NOT_TLS &&
	    c->tc.facts.dir[TLS_DIR_C2S].upgraded)
		c->pending = false;
	/* Established, and the client sent its first data: confirmed. */
	if (c->pending && c->p_kind == CONN_ESTABLISHED &&
	    c->tc.facts.dir[TLS_DIR_C2S].data_records > c->p_app) {
		conn_flush(cx, f, c, false);
		return;
	}
	if (!c->pending)
		(void)conn_eval(cx, f, c, d, ts_us);
}

static void
conn_gap(void *ctx, struct flow *f, int dir, uint64_t len, uint64_t ts_us)
{
	struct conn_ctx *cx = ctx;
	struct conn *c = conn_get(cx, f);
	int d;

	if (c == NULL)
		return;
	d = fidx(c, dir);
	if (tls_conn_gap(&c->tc, d, len, ts_us) < 0)
		flow_dir_done(f, dir);
	if (!c->pending)
		(void)conn_eval(cx, f, c, d, ts_us);
}

/* Hand over a pending result with the reason found first. */
static void
conn_flush(struct conn_ctx *cx, struct flow *f, struct conn *c, bool ending)
{
	conn_finish(cx, f, c, true, c->p_kind, c->p_reason, c->p_dir,
		    c->p_ts, ending);
}

/* TLS 1.3: the client answered the server's flight with something that is
 * not an alert, and nothing bad came since: the handshake went through. */
static bool
tls13_client_done(const struct conn *c)
{
	return c->tc.facts.tls13 && c->c_first &&
	       !is_alert13(&c->tc.facts, c->c_first_inner, c->c_first_len);
}

/* The client went on with the handshake (a ClientKeyExchange, its
 * ChangeCipherSpec) although the capture shows no answer from the server:
 * the server's half was lost (a gap, or a one-sided capture).  A close then
 * says nothing about the handshake; the flow's end reports it incomplete. */
static bool
server_half_lost(const struct conn *c)
{
	const struct tls_facts *fa = &c->tc.facts;
	const struct tls_dir_facts *cd = &fa->dir[TLS_DIR_C2S];

	/* A ClientKeyExchange, or a CCS that switched to encryption (not
	 * TLS 1.3's compatibility CCS, and not 0-RTT data, which both come
	 * before any answer). */
	return !fa->sh_seen && !fa->hrr_seen &&
	       ((cd->hs_mask & (1u << 16)) || cd->encrypted);
}

/* The client closed after its ClientHello, the server has not: the
 * failure is known, but the server's flight may still be on its way, and
 * its certificates are facts worth having.  The result waits, as a pending
 * one (see conn_packet). */
static void
conn_pend_client_close(struct conn *c, const char *reason, uint64_t ts)
{
	c->pending = true;
	c->p_client_closed = true;
	c->p_kind = CONN_FAILED;
	c->p_reason = reason;
	c->p_dir = TLS_DIR_C2S;
	c->p_ts = ts;
	c->p_app = c->tc.facts.dir[TLS_DIR_C2S].data_records;
}

/* Keep the facts as they are now for the judge, and go on waiting for the
 * server's bytes.  False (nothing kept) when the budget refuses: the
 * result is then handed over now, as it would have been. */
static bool
conn_snapshot(struct conn_ctx *cx, struct conn *c)
{
	if (!mem_reserve(cx->mem, sizeof(*c->p_facts))) {
		cx->nomem++;
		return false;
	}
	c->p_facts = malloc(sizeof(*c->p_facts));
	if (c->p_facts == NULL) {
		mem_release(cx->mem, sizeof(*c->p_facts));
		cx->nomem++;
		return false;
	}
	*c->p_facts = c->tc.facts;
	c->p_sh_ts = c->sh_ts;
	return true;
}

static void
conn_packet(void *ctx, struct flow *f, int dir, const struct pkt *p)
{
	struct conn_ctx *cx = ctx;
	struct conn *c = conn_of(f);
	const struct flow_dir *sd;
	int s;

	(void)dir;
	if (f->app == (void *)&conn_dumping) {
		pcapout_write(cx->pcap, p->ts_us, p->caplen, p->wirelen,
		    p->dlt, p->raw);
		return;
	}
	if (c == NULL)
		return;
	if (cx->pcap != NULL)
		keep_packet(cx, c, p);
	if (c->pending) {
		sd = &f->dir[fidx(c, TLS_DIR_S2C)];
		if (c->p_facts != NULL) {
			/* Waiting for the rest of the server's flight. */
			if (sd->rst || sd->fin ||
			    p->ts_us - c->p_ts >= CONN_LINGER_US)
				conn_flush(cx, f, c, false);
			else
				c->flip = false;
			return;
		}
		/* Closed (an RST, or FINs both ways), or waited long enough. */
		if (!(f->dir[0].rst || f->dir[1].rst ||
		      (f->dir[0].fin && f->dir[1].fin) ||
		      p->ts_us - c->p_ts >= CONN_LINGER_US)) {
			c->flip = false;
			return;
		}
		if (c->p_client_closed && !sd->rst && !sd->fin &&
		    p->ts_us - c->p_ts < CONN_LINGER_US &&
		    conn_snapshot(cx, c)) {
			c->flip = false;
			return;
		}
		conn_flush(cx, f, c, false);
		return;
	}
	if (c->tc.facts.ch_seen && !server_half_lost(c)) {
		sd = &f->dir[fidx(c, TLS_DIR_S2C)];
		/* An RST after the ClientHello, before the outcome. */
		for (s = 0; s < 2; s++) {
			if (!f->dir[fidx(c, s)].rst)
				continue;
			if (s == TLS_DIR_C2S && !sd->rst && !sd->fin &&
			    conn_snapshot(cx, c)) {
				conn_pend_client_close(c,
				    "reset_after_client_hello", p->ts_us);
				c->flip = false;
				return;
			}
			conn_finish(cx, f, c, true, CONN_FAILED,
				    "reset_after_client_hello", s, p->ts_us,
				    false);
			return;
		}
		for (s = 0; s < 2; s++) {
			if (!f->dir[fidx(c, s)].fin)
				continue;
			if (tls13_client_done(c)) {
				conn_finish(cx, f, c, true, CONN_ESTABLISHED,
					    NULL, -1, p->ts_us, false);
				return;
			}
			if (s == TLS_DIR_C2S && !sd->fin && !sd->rst) {
				/* Pending as before; the wait for the server
				 * begins where it would have been handed
				 * over. */
				conn_pend_client_close(c,
				    "closed_after_client_hello", p->ts_us);
				c->flip = false;
				return;
			}
			conn_finish(cx, f, c, true, CONN_FAILED,
				    "closed_after_client_hello", s, p->ts_us,
				    false);
			return;
		}
	}
	/* The flow table applies a pending swap once this call returns. */
	c->flip = false;
}

static void
conn_end(void *ctx, struct flow *f, enum flow_end why)
{
	struct conn_ctx *cx = ctx;
	struct conn *c = conn_of(f);

	if (c == NULL)
		return;
	/* The flow table applied any pending swap before this call. */
	c->flip = false;
	if (c->pending) {
		conn_flush(cx, f, c, true);
		return;
	}
	if (check_not_tls(cx, f, c, f->last_ts, true))
		return;
	if (!c->tc.facts.ch_seen && c->tc.facts.sh_seen)
		/* The server's side only: the capture missed the client's
		 * direction (asymmetric routing, a one-way tap) or started
		 * after its ClientHello.  Still a TLS connection, with the
		 * server's hello and certificates to show. */
		conn_finish(cx, f, c, true, CONN_INCOMPLETE, "no_client_hello",
			    -1, f->last_ts, true);
	else if (!c->tc.facts.ch_seen)
		conn_finish(cx, f, c, false, CONN_INCOMPLETE, NULL, -1,
			    f->last_ts, true);
	else if (tls13_client_done(c))
		conn_finish(cx, f, c, true, CONN_ESTABLISHED, NULL, -1,
			    f->last_ts, true);
	else
		conn_finish(cx, f, c, true, CONN_INCOMPLETE, flow_end_name(why),
			    -1, f->last_ts, true);
}

const struct flow_ops conn_ops = {
    .start = conn_start,
    .data = conn_data,
    .gap = conn_gap,
    .packet = conn_packet,
    .end = conn_end,
};
