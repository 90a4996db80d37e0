/* check_conn.c -- Check suite for conn: connection outcomes from real and
 * built handshakes driven through a real flow table.
 *
 * The handshakes are the loopback captures of tests/fixtures/tls_capture.h
 * (OpenSSL 3.0, TLS 1.2, TLS 1.3, TLS 1.3 with HelloRetryRequest), cut and
 * completed with alert and encrypted records where a failure is wanted.
 * Each test sends TCP packets (SYN, SYN+ACK, data, FIN, RST) to
 * flow_packet() and asserts what the emit callback received.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "fixtures/tls_capture.h"
#include "tlsdiag/conn.h"
#include "tlsdiag/flow.h"

#define T0 1700000000000000ull
#define MS 1000ull

/* What the emit callback saw (the result's pointers die with the call). */
struct seen {
	int n;
	enum conn_result_kind result;
	char reason[64];
	int reason_dir;
	enum conn_closer closer;
	enum tls_detect_kind client_bytes, server_bytes;
	bool enc13_alert;
	int enc13_alert_dir;
	uint16_t cport, sport;
	uint64_t first_ts, ch_ts, sh_ts, outcome_ts;
	bool tls13;
	uint16_t version, cipher;
	unsigned nalerts;
	uint8_t alert_desc, alert_level, alert_dir;
	unsigned server_certs;
	/* r->judged: the facts as they were when the client closed. */
	bool judged;
	bool judged_sh_seen;
	unsigned judged_server_certs;
	uint64_t judged_sh_ts;
};

static void
emit(void *ctx, const struct conn_result *r)
{
	struct seen *s = ctx;

	s->n++;
	s->result = r->result;
	s->reason[0] = '\0';
	if (r->reason != NULL)
		snprintf(s->reason, sizeof(s->reason), "%s", r->reason);
	s->reason_dir = r->reason_dir;
	s->closer = r->closer;
	s->client_bytes = r->client_bytes;
	s->server_bytes = r->server_bytes;
	s->enc13_alert = r->enc13_alert;
	s->enc13_alert_dir = r->enc13_alert_dir;
	s->cport = r->flow->port[FLOW_C2S];
	s->sport = r->flow->port[FLOW_S2C];
	s->first_ts = r->first_ts;
	s->ch_ts = r->client_hello_ts;
	s->sh_ts = r->server_hello_ts;
	s->outcome_ts = r->outcome_ts;
	s->tls13 = r->facts->tls13;
	s->version = r->facts->version;
	s->cipher = r->facts->sh.cipher;
	s->nalerts = r->facts->nalerts;
	if (r->facts->nalerts > 0) {
		s->alert_desc = r->facts->alerts[0].desc;
		s->alert_level = r->facts->alerts[0].level;
		s->alert_dir = r->facts->alerts[0].dir;
	}
	s->server_certs = r->facts->cert[TLS_DIR_S2C].ncerts;
	s->judged = r->judged != NULL;
	s->judged_sh_seen = false;
	s->judged_server_certs = 0;
	s->judged_sh_ts = 0;
	if (r->judged != NULL) {
		s->judged_sh_seen = r->judged->facts->sh_seen;
		s->judged_server_certs =
		    r->judged->facts->cert[TLS_DIR_S2C].ncerts;
		s->judged_sh_ts = r->judged->server_hello_ts;
	}
}

/* One test connection: a flow table with conn as its consumer. */
struct tconn {
	struct flow_table *ft;
	struct conn_ctx cx;
	struct membudget mb;
	struct seen seen;
	uint16_t cport, sport;
	uint32_t cseq, sseq;
	uint64_t ts;
};

static void
tc_init(struct tconn *t, uint16_t cport, uint16_t sport)
{
	struct flow_config cfg;

	memset(t, 0, sizeof(*t));
	flow_config_default(&cfg);
	cfg.mem = &t->mb;
	t->cx.emit = emit;
	t->cx.out_ctx = &t->seen;
	t->cx.mem = &t->mb;
	t->ft = flow_table_new(&cfg, &conn_ops, &t->cx);
	ck_assert_ptr_nonnull(t->ft);
	t->cx.ft = t->ft;
	t->cport = cport;
	t->sport = sport;
	t->cseq = 1000;
	t->sseq = 900000;
	t->ts = T0;
}

/* Free the table (flows still open end as at the end of the input) and
 * check that nothing is left charged. */
static void
tc_free(struct tconn *t)
{
	flow_table_free(t->ft);
	ck_assert_uint_eq(t->mb.used, 0);
}

static void
tc_send(struct tconn *t, bool from_client, uint8_t flags, const uint8_t *p,
	uint32_t len)
{
	struct pkt k;
	uint32_t *seq = from_client ? &t->cseq : &t->sseq;

	memset(&k, 0, sizeof(k));
	t->ts += MS;
	k.ts_us = t->ts;
	k.af = 4;
	k.ttl = 64;
	k.src[0] = k.dst[0] = 10;
	k.src[3] = from_client ? 5 : 34;
	k.dst[3] = from_client ? 34 : 5;
	k.sport = from_client ? t->cport : t->sport;
	k.dport = from_client ? t->sport : t->cport;
	k.seq = *seq;
	k.ack = from_client ? t->sseq : t->cseq;
	k.flags = flags;
	k.payload = p;
	k.payload_len = len;
	k.payload_wire = len;
	k.wirelen = 54 + len;
	k.caplen = k.wirelen;
	flow_packet(t->ft, &k);
	*seq += len + ((flags & TH_SYN) ? 1 : 0) + ((flags & TH_FIN) ? 1 : 0);
}

static void
tc_handshake(struct tconn *t)
{
	tc_send(t, true, TH_SYN, NULL, 0);
	tc_send(t, false, TH_SYN | TH_ACK, NULL, 0);
	tc_send(t, true, TH_ACK, NULL, 0);
}

/* Send n bytes as segments of at most `mss` bytes (0: one segment). */
static void tc_send(struct tconn *t, bool from_client, uint8_t flags,
    const uint8_t *p, uint32_t len);

/* Both sides close with FIN, the sender of an alert first. */
static void
tc_close_both(struct tconn *t, bool client_first)
{
	tc_send(t, client_first, TH_FIN | TH_ACK, NULL, 0);
	tc_send(t, !client_first, TH_FIN | TH_ACK, NULL, 0);
}

static void
tc_data(struct tconn *t, bool from_client, const uint8_t *p, size_t n,
	size_t mss)
{
	size_t off = 0, k;

	if (mss == 0)
		mss = n;
	while (off < n) {
		k = n - off < mss ? n - off : mss;
		tc_send(t, from_client, TH_ACK | TH_PUSH, p + off, (uint32_t)k);
		off += k;
	}
}

struct capture {
	const uint8_t *c2s, *s2c;
	size_t c2s_len, s2c_len;
	const struct cap_seg *segs;
	size_t nsegs;
};

static const struct capture cap_tls12 = {
    cap_tls12_c2s,	   cap_tls12_s2c,
    sizeof(cap_tls12_c2s), sizeof(cap_tls12_s2c),
    cap_tls12_segs,	   sizeof(cap_tls12_segs) / sizeof(cap_tls12_segs[0]),
};
static const struct capture cap_tls13 = {
    cap_tls13_c2s,	   cap_tls13_s2c,
    sizeof(cap_tls13_c2s), sizeof(cap_tls13_s2c),
    cap_tls13_segs,	   sizeof(cap_tls13_segs) / sizeof(cap_tls13_segs[0]),
};
static const struct capture cap_hrr = {
    cap_hrr_c2s,	 cap_hrr_s2c,
    sizeof(cap_hrr_c2s), sizeof(cap_hrr_s2c),
    cap_hrr_segs,	 sizeof(cap_hrr_segs) / sizeof(cap_hrr_segs[0]),
};

/* Replay the first `nsegs` segments of a capture (all if larger), each
 * cut to at most `mss` bytes. */
static void
tc_replay(struct tconn *t, const struct capture *c, size_t nsegs, size_t mss)
{
	size_t off[2] = {0, 0}, i;

	for (i = 0; i < c->nsegs && i < nsegs; i++) {
		int d = c->segs[i].dir;
		const uint8_t *p = d == 0 ? c->c2s : c->s2c;

		tc_data(t, d == 0, p + off[d], c->segs[i].len, mss);
		off[d] += c->segs[i].len;
	}
	ck_assert_uint_le(off[0], c->c2s_len);
	ck_assert_uint_le(off[1], c->s2c_len);
}

/* Replay segments [from, to) of a capture, whole. */
static void
tc_replay_from(struct tconn *t, const struct capture *c, size_t from, size_t to)
{
	size_t off[2] = {0, 0}, i;

	for (i = 0; i < c->nsegs && i < to; i++) {
		int d = c->segs[i].dir;
		const uint8_t *p = d == 0 ? c->c2s : c->s2c;

		if (i >= from)
			tc_data(t, d == 0, p + off[d], c->segs[i].len, 0);
		off[d] += c->segs[i].len;
	}
}

/* A TLS 1.3 encrypted alert: record header and 19 bytes (2 + 1 + 16). */
static const uint8_t enc13_alert[] = {
    0x17, 0x03, 0x03, 0x00, 0x13, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x02, 0x03, 0x04,
};

/*
 * Full captures, several segment sizes: the outcome must not depend on
 * how TCP cut the bytes.
 */

static const struct {
	const struct capture *cap;
	size_t mss;
	bool tls13;
	uint16_t version, cipher;
	unsigned certs;
} full_cases[] = {
    {&cap_tls12, 0, false, 0x0303, 0xc030, 2},
    {&cap_tls12, 1, false, 0x0303, 0xc030, 2},
    {&cap_tls12, 7, false, 0x0303, 0xc030, 2},
    {&cap_tls12, 100, false, 0x0303, 0xc030, 2},
    {&cap_tls13, 0, true, 0x0304, 0x1302, 0},
    {&cap_tls13, 1, true, 0x0304, 0x1302, 0},
    {&cap_tls13, 13, true, 0x0304, 0x1302, 0},
    {&cap_hrr, 0, true, 0x0304, 0x1302, 0},
    {&cap_hrr, 5, true, 0x0304, 0x1302, 0},
};

START_TEST(test_full_established)
{
	struct tconn t;

	tc_init(&t, 51514, 443);
	tc_handshake(&t);
	tc_replay(&t, full_cases[_i].cap, SIZE_MAX, full_cases[_i].mss);
	/* Without application data from the client (the TLS 1.2 capture
	 * ends with the handshake) the result waits for the end. */
	if (t.seen.n == 0)
		flow_finish(t.ft);
	ck_assert_int_eq(t.seen.n, 1);
	ck_assert_int_eq(t.seen.result, CONN_ESTABLISHED);
	ck_assert_str_eq(t.seen.reason, "");
	ck_assert(t.seen.tls13 == full_cases[_i].tls13);
	ck_assert_uint_eq(t.seen.version, full_cases[_i].version);
	ck_assert_uint_eq(t.seen.cipher, full_cases[_i].cipher);
	ck_assert_uint_eq(t.seen.server_certs, full_cases[_i].certs);
	ck_assert_uint_eq(t.seen.cport, 51514);
	ck_assert_uint_eq(t.seen.sport, 443);
	ck_assert_uint_eq(t.seen.first_ts, T0 + MS);
	ck_assert_uint_gt(t.seen.ch_ts, t.seen.first_ts);
	ck_assert_uint_gt(t.seen.sh_ts, t.seen.ch_ts);
	ck_assert_uint_ge(t.seen.outcome_ts, t.seen.sh_ts);
	ck_assert_int_eq(t.seen.closer, CONN_CLOSER_NONE);
	/* Closing afterwards changes nothing: one result per connection. */
	tc_send(&t, true, TH_FIN | TH_ACK, NULL, 0);
	tc_send(&t, false, TH_RST, NULL, 0);
	tc_free(&t);
	ck_assert_int_eq(t.seen.n, 1);
	ck_assert_uint_eq(t.cx.results[CONN_ESTABLISHED], 1);
}
END_TEST

/* TLS 1.2: the client refuses the server's certificate in plaintext. */
START_TEST(test_tls12_fatal_alert)
{
	static const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00,
					0x02, 0x02, 0x2a};
	struct tconn t;

	tc_init(&t, 40000, 443);
	tc_handshake(&t);
	tc_replay(&t, &cap_tls12, 2, 0); /* ClientHello, server flight */
	ck_assert_int_eq(t.seen.n, 0);
	tc_data(&t, true, alert, sizeof(alert), 0);
	/* Known, but handed over when the connection closes. */
	ck_assert_int_eq(t.seen.n, 0);
	tc_close_both(&t, true);
	ck_assert_int_eq(t.seen.n, 1);
	ck_assert_int_eq(t.seen.result, CONN_FAILED);
	ck_assert_str_eq(t.seen.reason, "fatal_alert");
	ck_assert_int_eq(t.seen.reason_dir, TLS_DIR_C2S);
	ck_assert_uint_eq(t.seen.nalerts, 1);
	ck_assert_uint_eq(t.seen.alert_desc, 42); /* bad_certificate */
	ck_assert_uint_eq(t.seen.alert_level, 2);
	ck_assert_uint_eq(t.seen.alert_dir, TLS_DIR_C2S);
	ck_assert(!t.seen.enc13_alert);
	/* The client's RST that follows is not a second result. */
	tc_send(&t, true, TH_RST, NULL, 0);
	tc_free(&t);
	ck_assert_int_eq(t.seen.n, 1);
}
END_TEST

/* TLS 1.2: the server answers the client's Finished with an alert after
 * its own ChangeCipherSpec (content type 21, encrypted). */
START_TEST(test_tls12_encrypted_alert)
{
	static const uint8_t ccs_alert[] = {
	    0x14, 0x03, 0x03, 0x00, 0x01, 0x01, 0x15, 0x03, 0x03, 0x00,
	    0x1a, 1,	2,    3,    4,	  5,	6,    7,    8,	  9,
	    10,	  11,	12,   13,   14,	  15,	16,   17,   18,	  19,
	    20,	  21,	22,   23,   24,	  25,	26,
	};
	struct tconn t;

	tc_init(&t, 40001, 443);
	tc_handshake(&t);
	tc_replay(&t, &cap_tls12, 3, 0); /* ..., client CKE, CCS, Finished */
	ck_assert_int_eq(t.seen.n, 0);
	tc_data(&t, false, ccs_alert, sizeof(ccs_alert), 0);
	/* Known, but handed over when the connection closes. */
	ck_assert_int_eq(t.seen.n, 0);
	tc_close_both(&t, false);
	ck_assert_int_eq(t.seen.n, 1);
	ck_assert_int_eq(t.seen.result, CONN_FAILED);
	ck_assert_str_eq(t.seen.reason, "encrypted_alert");
	ck_assert_int_eq(t.seen.reason_dir, TLS_DIR_S2C);
	tc_free(&t);
}
END_TEST

/* TLS 1.3: the client's first record after the server's flight is an
 * alert-sized one: it rejected the flight (the certificate, usually). */
START_TEST(test_tls13_client_alert)
{
	static const uint8_t ccs[] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
	struct tconn t;

	tc_init(&t, 40002, 8443);
	tc_handshake(&t);
	tc_replay(&t, &cap_tls13, 2, 0);
	ck_assert_int_eq(t.seen.n, 0);
	tc_data(&t, true, ccs, sizeof(ccs), 0);
	ck_assert_int_eq(t.seen.n, 0);
	tc_data(&t, true, enc13_alert, sizeof(enc13_alert), 0);
	/* Known, but handed over when the connection closes. */
	ck_assert_int_eq(t.seen.n, 0);
	tc_close_both(&t, true);
	ck_assert_int_eq(t.seen.n, 1);
	ck_assert_int_eq(t.seen.result, CONN_FAILED);
	ck_assert_str_eq(t.seen.reason, "encrypted_alert");
	ck_assert_int_eq(t.seen.reason_dir, TLS_DIR_C2S);
	ck_assert(t.seen.enc13_alert);
	ck_assert_int_eq(t.seen.enc13_alert_dir, TLS_DIR_C2S);
	tc_free(&t);
}
END_TEST

/* TLS 1.3: the client sent its Finished (69 bytes); the server answers
 * with an alert-sized record: it rejected the client. */
START_TEST(test_tls13_server_alert)
{
	struct tconn t;

	tc_init(&t, 40003, 443);
	tc_handshake(&t);
	tc_replay(&t, &cap_tls13, 3, 0); /* ..., client CCS + Finished */
	ck_assert_int_eq(t.seen.n, 0);
	tc_data(&t, false, enc13_alert, sizeof(enc13_alert), 0);
	/* Known, but handed over when the connection closes. */
	ck_assert_int_eq(t.seen.n, 0);
	tc_close_both(&t, false);
	ck_assert_int_eq(t.seen.n, 1);
	ck_assert_int_eq(t.seen.result, CONN_FAILED);
	ck_assert_str_eq(t.seen.reason, "encrypted_alert");
	ck_assert_int_eq(t.seen.reason_dir, TLS_DIR_S2C);
	ck_assert(t.seen.enc13_alert);
	ck_assert_int_eq(t.seen.enc13_alert_dir, TLS_DIR_S2C);
	tc_free(&t);
}
END_TEST

/* TLS 1.3: the client sent its Finished and the connection closed cleanly
 * before anything else: established. */
START_TEST(test_tls13_finished_then_fin)
{
	struct tconn t;

	tc_init(&t, 40004, 443);
	tc_handshake(&t);
	tc_replay(&t, &cap_tls13, 3, 0);
	ck_assert_int_eq(t.seen.n, 0);
	tc_send(&t, true, TH_FIN | TH_ACK, NULL, 0);
	ck_assert_int_eq(t.seen.n, 0); /* waits for the close */
	tc_send(&t, false, TH_FIN | TH_ACK, NULL, 0);
	ck_assert_int_eq(t.seen.n, 1);
	ck_assert_int_eq(t.seen.result, CONN_ESTABLISHED);
	ck_assert_int_eq(t.seen.closer, CONN_CLOSER_CLIENT_FIN);
	tc_free(&t);
}
END_TEST

/* TLS 1.3: a second client record after its Finished decides, before the
 * server sends anything more. */
START_TEST(test_tls13_second_client_record)
{
	struct tconn t;

	tc_init(&t, 40006, 443);
	tc_handshake(&t);
	tc_replay(&t, &cap_tls13, 3, 0);
	ck_assert_int_eq(t.seen.n, 0);
	tc_replay_from(&t, &cap_tls13, 3, 4);
	ck_assert_int_eq(t.seen.n, 1);
	ck_assert_int_eq(t.seen.result, CONN_ESTABLISHED);
	tc_free(&t);
}
END_TEST

/* TLS 1.3 with a client certificate: the client's first record is the
 * (large) Certificate, then its Finished; the server still refuses it with
 * an alert-sized record. */
START_TEST(test_tls13_client_cert_refused)
{
	static uint8_t cert_rec[5 + 1000];
	static const uint8_t fin_rec[5 + 69] = {0x17, 0x03, 0x03, 0x00, 69};
	struct tconn t;

	memset(cert_rec, 0xab, sizeof(cert_rec));
	cert_rec[0] = 0x17;
	cert_rec[1] = 0x03;
	cert_rec[2] = 0x03;
	cert_rec[3] = 1000 >> 8;
	cert_rec[4] = 1000 & 0xff;
	tc_init(&t, 40007, 443);
	tc_handshake(&t);
	tc_replay(&t, &cap_tls13, 2, 0);
	tc_data(&t, true, cert_rec, sizeof(cert_rec), 0);
	tc_data(&t, true, fin_rec, sizeof(fin_rec), 0);
	ck_assert_int_eq(t.seen.n, 0);
	tc_data(&t, false, enc13_alert, sizeof(enc13_alert), 0);
	/* Known, but handed over when the connection closes. */
	ck_assert_int_eq(t.seen.n, 0);
	tc_close_both(&t, false);
	ck_assert_int_eq(t.seen.n, 1);
	ck_assert_int_eq(t.seen.result, CONN_FAILED);
	ck_assert_str_eq(t.seen.reason, "encrypted_alert");
	ck_assert_int_eq(t.seen.reason_dir, TLS_DIR_S2C);
	tc_free(&t);
}
END_TEST

/* TCP ends after the ClientHello: RST (an SNI-filtering firewall) or FIN,
 * from either side, and the capture ending mid-handshake. */
static const struct {
	int segs;	  /* capture segments sent first */
	bool from_client; /* who closes */
	uint8_t flags;	  /* 0: the capture ends instead */
	enum conn_result_kind result;
	const char *reason;
	enum conn_closer closer;
} close_cases[] = {
    {1, false, TH_RST, CONN_FAILED, "reset_after_client_hello",
     CONN_CLOSER_SERVER_RST},
    {1, true, TH_RST | TH_ACK, CONN_FAILED, "reset_after_client_hello",
     CONN_CLOSER_CLIENT_RST},
    {1, false, TH_FIN | TH_ACK, CONN_FAILED, "closed_after_client_hello",
     CONN_CLOSER_SERVER_FIN},
    {2, true, TH_FIN | TH_ACK, CONN_FAILED, "closed_after_client_hello",
     CONN_CLOSER_CLIENT_FIN},
    {2, false, 0, CONN_INCOMPLETE, "input", CONN_CLOSER_NONE},
    {1, false, 0, CONN_INCOMPLETE, "input", CONN_CLOSER_NONE},
};

START_TEST(test_close_after_client_hello)
{
	struct tconn t;

	tc_init(&t, 40005, 443);
	tc_handshake(&t);
	tc_replay(&t, &cap_tls12, (size_t)close_cases[_i].segs, 0);
	ck_assert_int_eq(t.seen.n, 0);
	if ((close_cases[_i].flags & TH_RST) && close_cases[_i].from_client) {
		/* The client's RST: the server's flight may still be on its
		 * way (test_client_close_late_flight); the server's own RST
		 * ends the wait. */
		tc_send(&t, true, close_cases[_i].flags, NULL, 0);
		ck_assert_int_eq(t.seen.n, 0);
		tc_send(&t, false, TH_RST, NULL, 0);
		ck_assert_int_eq(t.seen.n, 1);
	} else if (close_cases[_i].flags & TH_RST) {
		/* The server's RST ends the connection: handed over at once. */
		tc_send(&t, close_cases[_i].from_client, close_cases[_i].flags,
			NULL, 0);
		ck_assert_int_eq(t.seen.n, 1);
	} else if (close_cases[_i].flags & TH_FIN) {
		/* One FIN: the failure is known, but the other side may still
		 * answer; its FIN closes the exchange and hands it over. */
		tc_send(&t, close_cases[_i].from_client, close_cases[_i].flags,
			NULL, 0);
		ck_assert_int_eq(t.seen.n, 0);
		tc_send(&t, !close_cases[_i].from_client, TH_FIN | TH_ACK,
			NULL, 0);
		ck_assert_int_eq(t.seen.n, 1);
	} else {
		flow_finish(t.ft);
	}
	ck_assert_int_eq(t.seen.n, 1);
	ck_assert_int_eq(t.seen.result, close_cases[_i].result);
	ck_assert_str_eq(t.seen.reason, close_cases[_i].reason);
	ck_assert_int_eq(t.seen.closer, close_cases[_i].closer);
	tc_free(&t);
	ck_assert_int_eq(t.seen.n, 1);
}
END_TEST

/* The server hangs up after the ClientHello; the client's own alert comes
 * after that FIN and is part of the report (the parser kept reading). */
START_TEST(test_late_alert_kept)
{
	static const uint8_t decode_error[] = {0x15, 0x03, 0x03, 0x00, 0x02,
					       0x02, 0x32};
	struct tconn t;

	tc_init(&t, 40100, 443);
	tc_handshake(&t);
	tc_replay(&t, &cap_tls12, 1, 0);
	tc_send(&t, false, TH_FIN | TH_ACK, NULL, 0);
	ck_assert_int_eq(t.seen.n, 0);
	tc_data(&t, true, decode_error, sizeof(decode_error), 0);
	ck_assert_int_eq(t.seen.n, 0);
	tc_send(&t, true, TH_FIN | TH_ACK, NULL, 0);
	ck_assert_int_eq(t.seen.n, 1);
	ck_assert_int_eq(t.seen.result, CONN_FAILED);
	ck_assert_str_eq(t.seen.reason, "closed_after_client_hello");
	ck_assert_int_eq(t.seen.closer, CONN_CLOSER_SERVER_FIN);
	ck_assert_uint_eq(t.seen.nalerts, 1);
	ck_assert_uint_eq(t.seen.alert_desc, 50);
	ck_assert_uint_eq(t.seen.alert_dir, TLS_DIR_C2S);
	tc_free(&t);
}
END_TEST

/* A known failure whose connection never closes is handed over once
 * CONN_LINGER (1 s of packet time) has passed, at the next packet. */
START_TEST(test_linger_bound)
{
	struct tconn t;

	tc_init(&t, 40101, 443);
	tc_handshake(&t);
	tc_replay(&t, &cap_tls12, 1, 0);
	tc_send(&t, false, TH_FIN | TH_ACK, NULL, 0);
	ck_assert_int_eq(t.seen.n, 0);
	t.ts += 900 * MS;
	tc_send(&t, true, TH_ACK, NULL, 0);
	ck_assert_int_eq(t.seen.n, 0);
	t.ts += 200 * MS;
	tc_send(&t, true, TH_ACK, NULL, 0);
	ck_assert_int_eq(t.seen.n, 1);
	ck_assert_str_eq(t.seen.reason, "closed_after_client_hello");
	tc_free(&t);
	ck_assert_int_eq(t.seen.n, 1);
}
END_TEST

/*
 * The client closes right after its ClientHello (a FIN and then an RST, or
 * an RST alone: reddit's and pinterest's clients in the corpus), and the
 * server's flight, already on its way, arrives after that.  Its
 * certificates are recorded; the result, its reason and what the judge
 * sees (r->judged) are those of the connection as the client closed it.
 */
static const struct {
	bool fin_first;	  /* the client's FIN, then its RST */
	bool late_flight; /* the server's flight after the client's close */
	uint8_t sclose;	  /* how the server ends: TH_RST, TH_FIN, 0: the
			     capture ends */
	const char *reason;
} late_cases[] = {
    {false, true, TH_RST, "reset_after_client_hello"},
    {false, false, TH_RST, "reset_after_client_hello"},
    {true, true, TH_RST, "closed_after_client_hello"},
    {true, false, TH_RST, "closed_after_client_hello"},
    {false, true, TH_FIN, "reset_after_client_hello"},
    {false, true, 0, "reset_after_client_hello"},
};

START_TEST(test_client_close_late_flight)
{
	struct tconn t;
	uint64_t close_ts;

	tc_init(&t, 40300, 443);
	tc_handshake(&t);
	tc_replay(&t, &cap_tls12, 1, 0); /* the ClientHello */
	if (late_cases[_i].fin_first) {
		tc_send(&t, true, TH_FIN | TH_ACK, NULL, 0);
		ck_assert_int_eq(t.seen.n, 0);
	}
	/* The client's close: its FIN when it sent one. */
	close_ts = t.ts + (late_cases[_i].fin_first ? 0 : MS);
	tc_send(&t, true, TH_RST | TH_ACK, NULL, 0);
	/* The failure is known, but the server's flight may be in flight. */
	ck_assert_int_eq(t.seen.n, 0);
	if (late_cases[_i].late_flight) {
		tc_replay_from(&t, &cap_tls12, 1, 2); /* SH .. SHD, 2 certs */
		ck_assert_int_eq(t.seen.n, 0);
	}
	if (late_cases[_i].sclose != 0)
		tc_send(&t, false, late_cases[_i].sclose | TH_ACK, NULL, 0);
	else
		flow_finish(t.ft);
	ck_assert_int_eq(t.seen.n, 1);
	/* The result is the client's close, whatever came after it. */
	ck_assert_int_eq(t.seen.result, CONN_FAILED);
	ck_assert_str_eq(t.seen.reason, late_cases[_i].reason);
	ck_assert_int_eq(t.seen.reason_dir, TLS_DIR_C2S);
	ck_assert_int_eq(t.seen.closer, late_cases[_i].fin_first
					    ? CONN_CLOSER_CLIENT_FIN
					    : CONN_CLOSER_CLIENT_RST);
	ck_assert_uint_eq(t.seen.outcome_ts, close_ts);
	/* The server's certificates are facts of the connection. */
	ck_assert_uint_eq(t.seen.server_certs,
			  late_cases[_i].late_flight ? 2 : 0);
	ck_assert_uint_eq(t.seen.version,
			  late_cases[_i].late_flight ? 0x0303 : 0);
	if (late_cases[_i].late_flight)
		ck_assert_uint_gt(t.seen.sh_ts, close_ts);
	else
		ck_assert_uint_eq(t.seen.sh_ts, 0);
	/* The judge's view is the connection as the client closed it: no
	 * ServerHello, no certificate, as without the late flight. */
	ck_assert(t.seen.judged);
	ck_assert(!t.seen.judged_sh_seen);
	ck_assert_uint_eq(t.seen.judged_server_certs, 0);
	ck_assert_uint_eq(t.seen.judged_sh_ts, 0);
	tc_free(&t); /* and the kept copy of the facts is released */
	ck_assert_int_eq(t.seen.n, 1);
}
END_TEST

/* The wait for the server's flight is bounded: bytes that arrive
 * CONN_LINGER (1 s of packet time) or more after the client's close are
 * not part of the connection's facts; just within it, they are. */
static const struct {
	uint64_t delay_ms; /* from the client's RST to the server's flight */
	unsigned certs;
} linger_cases[] = {
    {1100, 0},
    {1000, 0},
    {900, 2},
};

START_TEST(test_client_close_flight_too_late)
{
	struct tconn t;
	uint64_t close_ts;

	tc_init(&t, 40310, 443);
	tc_handshake(&t);
	tc_replay(&t, &cap_tls12, 1, 0);
	tc_send(&t, true, TH_RST | TH_ACK, NULL, 0);
	close_ts = t.ts;
	ck_assert_int_eq(t.seen.n, 0); /* waiting for the server */
	/* tc_send adds 1 ms per packet. */
	t.ts = close_ts + linger_cases[_i].delay_ms * MS - MS;
	tc_replay_from(&t, &cap_tls12, 1, 2);
	ck_assert_uint_eq(t.ts, close_ts + linger_cases[_i].delay_ms * MS);
	if (linger_cases[_i].certs == 0) {
		/* Handed over by the late packet, without its bytes. */
		ck_assert_int_eq(t.seen.n, 1);
	} else {
		ck_assert_int_eq(t.seen.n, 0);
		tc_send(&t, false, TH_RST | TH_ACK, NULL, 0);
		ck_assert_int_eq(t.seen.n, 1);
	}
	ck_assert_int_eq(t.seen.result, CONN_FAILED);
	ck_assert_str_eq(t.seen.reason, "reset_after_client_hello");
	ck_assert_uint_eq(t.seen.server_certs, linger_cases[_i].certs);
	ck_assert_uint_eq(t.seen.version,
			  linger_cases[_i].certs != 0 ? 0x0303 : 0);
	ck_assert_uint_eq(t.seen.outcome_ts, close_ts);
	tc_free(&t);
	ck_assert_int_eq(t.seen.n, 1);
}
END_TEST

/* No room in the budget for the copy of the facts: the result is handed
 * over at the client's close, as it was before the wait existed. */
START_TEST(test_client_close_nomem)
{
	struct tconn t;

	tc_init(&t, 40320, 443);
	tc_handshake(&t);
	tc_replay(&t, &cap_tls12, 1, 0);
	t.mb.cap = t.mb.used + 1; /* not one tls_facts more */
	tc_send(&t, true, TH_RST | TH_ACK, NULL, 0);
	ck_assert_int_eq(t.seen.n, 1);
	ck_assert_str_eq(t.seen.reason, "reset_after_client_hello");
	ck_assert(!t.seen.judged);
	ck_assert_uint_eq(t.cx.nomem, 1);
	tc_replay_from(&t, &cap_tls12, 1, 2);
	ck_assert_int_eq(t.seen.n, 1);
	ck_assert_uint_eq(t.seen.server_certs, 0);
	tc_free(&t);
}
END_TEST

/* A client that checks the host name after the handshake (curl) closes
 * with an encrypted alert instead of sending a request: the result waits
 * for it, so the report shows the alert. */
START_TEST(test_alert_after_handshake)
{
	uint8_t alert[5 + 26];
	struct tconn t;

	memset(alert, 0xab, sizeof(alert));
	alert[0] = 0x15;
	alert[1] = 0x03;
	alert[2] = 0x03;
	alert[3] = 0x00;
	alert[4] = 26;
	tc_init(&t, 40200, 443);
	tc_handshake(&t);
	tc_replay(&t, &cap_tls12, SIZE_MAX, 0);
	ck_assert_int_eq(t.seen.n, 0);
	tc_data(&t, true, alert, sizeof(alert), 0);
	tc_close_both(&t, true);
	ck_assert_int_eq(t.seen.n, 1);
	ck_assert_int_eq(t.seen.result, CONN_ESTABLISHED);
	ck_assert_uint_ge(t.seen.nalerts, 1); /* the capture's own, and ours */
	ck_assert_int_eq(t.seen.closer, CONN_CLOSER_CLIENT_FIN);
	tc_free(&t);
}
END_TEST

/* Plaintext where TLS was expected, and plaintext elsewhere. */
static const char http_req[] = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
static const char http_resp[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
static const char ssh_banner[] = "SSH-2.0-OpenSSH_9.6\r\n";
static const char smtp_banner[] = "220 mail.example.com ESMTP\r\n";

static const struct {
	uint16_t sport;
	const char *client, *server; /* NULL: the ClientHello / nothing */
	int n;
	enum tls_detect_kind cb, sb;
	const char *reason;
} plain_cases[] = {
    {443, http_req, NULL, 1, TLS_DETECT_HTTP_REQUEST, TLS_DETECT_NEED_MORE,
     "client_not_tls"},
    {993, ssh_banner, NULL, 1, TLS_DETECT_SSH, TLS_DETECT_NEED_MORE,
     "client_not_tls"},
    {80, http_req, http_resp, 0, 0, 0, NULL},
    {22, ssh_banner, ssh_banner, 0, 0, 0, NULL},
    {443, NULL, http_resp, 1, TLS_DETECT_TLS, TLS_DETECT_HTTP_RESPONSE,
     "server_not_tls"},
    /* The server speaks first on an implicit-TLS port; the client gives
     * up without a byte ("" sends nothing). */
    {465, "", smtp_banner, 1, TLS_DETECT_NEED_MORE, TLS_DETECT_SMTP_FTP,
     "server_not_tls"},
    {25, "", smtp_banner, 0, 0, 0, NULL},
    {4433, NULL, http_resp, 1, TLS_DETECT_TLS, TLS_DETECT_HTTP_RESPONSE,
     "server_not_tls"},
};

START_TEST(test_not_tls)
{
	struct tconn t;
	const char *c = plain_cases[_i].client, *s = plain_cases[_i].server;

	tc_init(&t, 50000, plain_cases[_i].sport);
	tc_handshake(&t);
	if (c != NULL)
		tc_data(&t, true, (const uint8_t *)c, strlen(c), 0);
	else
		tc_replay(&t, &cap_tls12, 1, 0);
	if (s != NULL)
		tc_data(&t, false, (const uint8_t *)s, strlen(s), 0);
	tc_send(&t, true, TH_FIN | TH_ACK, NULL, 0);
	flow_finish(t.ft);
	ck_assert_int_eq(t.seen.n, plain_cases[_i].n);
	if (plain_cases[_i].n > 0) {
		ck_assert_int_eq(t.seen.result, CONN_NOT_TLS);
		ck_assert_int_eq(t.seen.client_bytes, plain_cases[_i].cb);
		ck_assert_int_eq(t.seen.server_bytes, plain_cases[_i].sb);
		ck_assert_str_eq(t.seen.reason, plain_cases[_i].reason);
	}
	tc_free(&t);
	ck_assert_int_eq(t.seen.n, plain_cases[_i].n);
}
END_TEST

/* Only the server's side captured (a one-way tap, asymmetric routing): no
 * ClientHello, but a ServerHello and its chain.  Still a TLS connection,
 * reported once at its end as incomplete (no_client_hello) with what the
 * server sent; a server side without a ServerHello stays unreported. */
START_TEST(test_server_side_only)
{
	/* An application data record: a connection picked up after its
	 * handshake, of which nothing can be said. */
	static const uint8_t data[] = {0x17, 0x03, 0x03, 0x00, 0x04,
				       0xde, 0xad, 0xbe, 0xef};
	struct tconn t;

	tc_init(&t, 40000, 443);
	tc_handshake(&t);
	tc_replay_from(&t, &cap_tls12, 1, 2); /* the server's flight only */
	ck_assert_int_eq(t.seen.n, 0);
	flow_finish(t.ft);
	ck_assert_int_eq(t.seen.n, 1);
	ck_assert_int_eq(t.seen.result, CONN_INCOMPLETE);
	ck_assert_str_eq(t.seen.reason, "no_client_hello");
	ck_assert_uint_eq(t.seen.version, 0x0303);
	ck_assert_uint_eq(t.seen.cipher, 0xc030);
	ck_assert_uint_eq(t.seen.server_certs, 2);
	ck_assert_uint_eq(t.seen.ch_ts, 0);
	ck_assert_uint_gt(t.seen.sh_ts, 0);
	tc_free(&t);

	tc_init(&t, 40001, 443);
	tc_handshake(&t);
	tc_data(&t, false, data, sizeof(data), 0);
	flow_finish(t.ft);
	ck_assert_int_eq(t.seen.n, 0);
	tc_free(&t);
}
END_TEST

/* Picked up mid-stream (no SYN): the flow table guesses the higher port as
 * the client, which is wrong here; the ClientHello coming the other way
 * makes conn swap the sides. */
START_TEST(test_midstream_swap)
{
	struct tconn t;

	tc_init(&t, 1000, 8443);
	tc_replay(&t, full_cases[_i].cap, SIZE_MAX, full_cases[_i].mss);
	tc_free(&t);
	ck_assert_int_eq(t.seen.n, 1);
	ck_assert_int_eq(t.seen.result, CONN_ESTABLISHED);
	ck_assert_uint_eq(t.seen.cport, 1000);
	ck_assert_uint_eq(t.seen.sport, 8443);
	ck_assert_uint_eq(t.seen.version, full_cases[_i].version);
}
END_TEST

/* A TLS service on a port of its own, given in the configuration. */
START_TEST(test_not_tls_extra_port)
{
	static const uint16_t ports[] = {4433, 21401};
	struct tconn t;

	tc_init(&t, 45530, 21401);
	t.cx.tls_ports = ports;
	t.cx.ntls_ports = 2;
	tc_handshake(&t);
	tc_data(&t, true, (const uint8_t *)http_req, strlen(http_req), 0);
	ck_assert_int_eq(t.seen.n, 0); /* waits for the server's answer */
	tc_data(&t, false, (const uint8_t *)http_resp, strlen(http_resp), 0);
	tc_close_both(&t, false);
	ck_assert_int_eq(t.seen.n, 1);
	ck_assert_int_eq(t.seen.result, CONN_NOT_TLS);
	ck_assert_int_eq(t.seen.client_bytes, TLS_DETECT_HTTP_REQUEST);
	ck_assert_int_eq(t.seen.server_bytes, TLS_DETECT_HTTP_RESPONSE);
	tc_free(&t);
	ck_assert_int_eq(t.seen.n, 1);
}
END_TEST

/* Plaintext to a port that is not a usual TLS port is not_tls when the
 * same server answered another client with a ServerHello; to a server
 * that never spoke TLS it is not reported. */
START_TEST(test_not_tls_known_server)
{
	struct tconn t;

	tc_init(&t, 46000, 5555);
	tc_handshake(&t);
	tc_data(&t, true, (const uint8_t *)http_req, strlen(http_req), 0);
	tc_close_both(&t, true);
	flow_finish(t.ft);
	ck_assert_int_eq(t.seen.n, 0); /* nobody spoke TLS on 5555 yet */

	t.cport = 46001;
	tc_handshake(&t);
	tc_replay(&t, &cap_tls12, (size_t)2, 0); /* a real ServerHello */
	tc_close_both(&t, true);
	flow_finish(t.ft);
	ck_assert_int_eq(t.seen.n, 1);

	t.cport = 46002;
	tc_handshake(&t);
	tc_data(&t, true, (const uint8_t *)http_req, strlen(http_req), 0);
	tc_close_both(&t, true);
	ck_assert_int_eq(t.seen.n, 2);
	ck_assert_int_eq(t.seen.result, CONN_NOT_TLS);
	ck_assert_int_eq(t.seen.client_bytes, TLS_DETECT_HTTP_REQUEST);
	tc_free(&t);
}
END_TEST

/* Picked up mid-stream, and the packet carrying the ClientHello also
 * carries the client's FIN: the swap is still pending in the flow table
 * when the result is handed over, which must have the sides right. */
START_TEST(test_midstream_swap_same_packet)
{
	struct tconn t;

	tc_init(&t, 1000, 8443);
	tc_send(&t, true, TH_ACK | TH_PUSH | TH_FIN, cap_tls12_c2s, 236);
	ck_assert_int_eq(t.seen.n, 0); /* the server may still answer */
	flow_finish(t.ft);
	ck_assert_int_eq(t.seen.n, 1);
	ck_assert_int_eq(t.seen.result, CONN_FAILED);
	ck_assert_str_eq(t.seen.reason, "closed_after_client_hello");
	ck_assert_int_eq(t.seen.reason_dir, TLS_DIR_C2S);
	ck_assert_int_eq(t.seen.closer, CONN_CLOSER_CLIENT_FIN);
	ck_assert_uint_eq(t.seen.cport, 1000);
	ck_assert_uint_eq(t.seen.sport, 8443);
	tc_free(&t);
	ck_assert_int_eq(t.seen.n, 1);
}
END_TEST

/* A memory budget too small for one conn: the flow is not followed, and
 * that is counted. */
START_TEST(test_nomem)
{
	struct tconn t;
	struct membudget small = {0, 0, 64, 0, NULL};

	tc_init(&t, 40010, 443);
	t.cx.mem = &small;
	tc_handshake(&t);
	tc_replay(&t, &cap_tls12, SIZE_MAX, 0);
	ck_assert_int_eq(t.seen.n, 0);
	ck_assert_uint_eq(t.cx.nomem, 1);
	ck_assert_uint_ge(small.refused, 1);
	tc_free(&t);
	ck_assert_uint_eq(small.used, 0);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(conn_result_name(CONN_ESTABLISHED), "established");
	ck_assert_str_eq(conn_result_name(CONN_FAILED), "failed");
	ck_assert_str_eq(conn_result_name(CONN_INCOMPLETE), "incomplete");
	ck_assert_str_eq(conn_result_name(CONN_NOT_TLS), "not_tls");
	ck_assert_str_eq(conn_result_name(CONN_NRESULTS), "invalid");
	ck_assert_str_eq(conn_closer_name(CONN_CLOSER_SERVER_RST),
			 "server_rst");
	ck_assert(conn_port_is_tls(443));
	ck_assert(conn_port_is_tls(853));
	ck_assert(!conn_port_is_tls(80));
	ck_assert(!conn_port_is_tls(444));
}
END_TEST

static Suite *
conn_suite(void)
{
	Suite *s = suite_create("conn");
	TCase *tc = tcase_create("core");
	int nfull = (int)(sizeof(full_cases) / sizeof(full_cases[0]));

	tcase_add_loop_test(tc, test_full_established, 0, nfull);
	tcase_add_test(tc, test_tls12_fatal_alert);
	tcase_add_test(tc, test_tls12_encrypted_alert);
	tcase_add_test(tc, test_tls13_client_alert);
	tcase_add_test(tc, test_tls13_server_alert);
	tcase_add_test(tc, test_tls13_finished_then_fin);
	tcase_add_test(tc, test_tls13_second_client_record);
	tcase_add_test(tc, test_tls13_client_cert_refused);
	tcase_add_loop_test(
	    tc, test_close_after_client_hello, 0,
	    (int)(sizeof(close_cases) / sizeof(close_cases[0])));
	tcase_add_test(tc, test_late_alert_kept);
	tcase_add_test(tc, test_linger_bound);
	tcase_add_loop_test(
	    tc, test_client_close_late_flight, 0,
	    (int)(sizeof(late_cases) / sizeof(late_cases[0])));
	tcase_add_loop_test(
	    tc, test_client_close_flight_too_late, 0,
	    (int)(sizeof(linger_cases) / sizeof(linger_cases[0])));
	tcase_add_test(tc, test_client_close_nomem);
	tcase_add_test(tc, test_alert_after_handshake);
	tcase_add_loop_test(
	    tc, test_not_tls, 0,
	    (int)(sizeof(plain_cases) / sizeof(plain_cases[0])));
	tcase_add_loop_test(tc, test_midstream_swap, 0, nfull);
	tcase_add_test(tc, test_not_tls_extra_port);
	tcase_add_test(tc, test_not_tls_known_server);
	tcase_add_test(tc, test_server_side_only);
	tcase_add_test(tc, test_midstream_swap_same_packet);
	tcase_add_test(tc, test_nomem);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(conn_suite)
