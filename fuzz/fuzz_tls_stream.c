/* fuzz_tls_stream.c -- libFuzzer target: the TLS record and handshake
 * parser (tls_record, tls_msg) fed the two byte streams of one connection.
 *
 * Exercises RFC 8446 5.1 / RFC 5246 6.2 record framing, handshake message
 * assembly and every hello/certificate decoder behind them, through the
 * consumer's entry points only (tls_conn_init, _feed, _gap, _swap, _free).
 * It never reaches into the parser's private state, and it never writes to
 * the bytes it is given.
 *
 * Input layout (byte 0 is "flags", byte 1 seeds the chunking):
 *
 *   flags bit 0     single mode: the direction of the stream
 *   flags bit 1     0: single mode, the rest is one direction's stream, cut
 *                   into runs by a PRNG; 1: conversation mode, the rest is
 *                   a list of segments  [ctl][len16 BE][len bytes]  where
 *                   ctl bit 0 is the direction, bit 1 "report len bytes as
 *                   lost (tls_conn_gap) instead of data", bit 2 "swap the
 *                   sides before this segment" (tls_conn_swap)
 *   flags bit 2     single mode: some runs are reported as gaps
 *   flags bit 3     single mode: swap the sides now and then
 *   flags bit 4     hs_msg_max at its floor (64 KiB + 4) instead of 256 KiB
 *   flags bit 5     a small memory budget (refusals), no differential check
 *   flags bits 6-7  how the runs are cut again for the second parser
 *
 * Every input drives two parsers through the same events (same runs, gaps,
 * swaps and timestamps): parser A gets each run in one tls_conn_feed, parser
 * B gets it in smaller chunks.  tls_record.h promises that "splitting a
 * stream differently with the same timestamps yields the same facts", so
 * the return values after each event and the final facts must agree --
 * unless a direction began with plaintext: TLS after plaintext (STARTTLS,
 * CONNECT, PROXY) is looked for only at the start of a chunk or a line, so
 * there the cut matters by design and only the invariants are checked.  Both
 * are also checked for the invariants the headers promise: kept counts
 * within their caps, need agreeing with the return value, certificate and
 * OCSP slices inside their buffers, and a budget back at zero after free.
 *
 * A broken invariant calls abort(), which libFuzzer reports as a crash.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsdiag/caps.h"
#include "tlsdiag/cur.h"
#include "tlsdiag/mem.h"
#include "tlsdiag/tls_msg.h"
#include "tlsdiag/tls_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TS_F_DIR 0x01
#define TS_F_CONV 0x02
#define TS_F_GAPS 0x04
#define TS_F_SWAPS 0x08
#define TS_F_SMALL_HS 0x10
#define TS_F_BUDGET 0x20
#define TS_F_STYLE(f) (((f) >> 6) & 3)

/* A budget small enough that a Certificate flight or a second ClientHello
 * can be refused, so the refusal paths run too. */
#define TS_BUDGET_CAP (72u * 1024u)

enum ts_ev_kind { TS_EV_FEED, TS_EV_GAP, TS_EV_SWAP };

struct ts_ev {
	uint8_t kind;
	uint8_t dir;
	uint32_t len;	  /* bytes fed, or bytes lost */
	const uint8_t *p; /* TS_EV_FEED: into the fuzzer's input */
};

/* xorshift32: the chunking must be a pure function of the input. */
static uint32_t
ts_rng_next(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

static uint32_t
ts_rng_range(uint32_t *s, uint32_t lo, uint32_t hi)
{
	if (hi <= lo)
		return lo;
	return lo + ts_rng_next(s) % (hi - lo + 1);
}

static void
ts_fail(const char *what, const char *field)
{
	fprintf(stderr, "fuzz_tls_stream: %s: %s\n", what, field);
	abort();
}

#define TS_CHECK(cond)                                                         \
	do {                                                                   \
		if (!(cond))                                                   \
			ts_fail("invariant", #cond);                           \
	} while (0)

/* Bytes are summed into this so that touching them is not optimised away:
 * ASan then sees every byte the facts claim to hold. */
static volatile uint32_t ts_sink;

static void
ts_touch(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += p[i];
	ts_sink += s;
}

static void
ts_check_hello(const struct tls_client_hello *ch)
{
	TS_CHECK(ch->nsuites <= TLS_SUITES_MAX);
	TS_CHECK(ch->nsuites <= ch->suites_total);
	TS_CHECK(ch->ncomp <= TLS_COMP_MAX);
	TS_CHECK(ch->ncomp <= ch->comp_total);
	TS_CHECK(ch->next <= TLS_EXT_MAX);
	TS_CHECK(ch->next <= ch->ext_total);
	TS_CHECK(ch->sni_len <= TLS_SNI_MAX);
	TS_CHECK(ch->nversions <= TLS_VERSIONS_MAX);
	TS_CHECK(ch->ngroups <= TLS_GROUPS_MAX);
	TS_CHECK(ch->npoint_formats <= TLS_POINT_FORMATS_MAX);
	TS_CHECK(ch->nsigalgs <= TLS_SIGALGS_MAX);
	TS_CHECK(ch->alpn_len <= TLS_ALPN_MAX);
	TS_CHECK(ch->nkey_shares <= TLS_KEY_SHARES_MAX);
	TS_CHECK(ch->session_id_len <= 32);
	/* ALPN keeps whole entries only: walking them must end exactly at
	 * alpn_len, with nalpn entries. */
	{
		struct cur c = cur_make(ch->alpn, ch->alpn_len);
		unsigned n = 0;
		struct cur name;

		while (c.left > 0 && cur_vec8(&c, &name))
			n++;
		TS_CHECK(!c.bad);
		TS_CHECK(n == ch->nalpn);
	}
}

static void
ts_check_server_hello(const struct tls_server_hello *sh)
{
	TS_CHECK(sh->next <= TLS_EXT_MAX);
	TS_CHECK(sh->next <= sh->ext_total);
	TS_CHECK(sh->session_id_len <= 32);
	TS_CHECK(sh->downgrade == 0 || sh->downgrade == 11 ||
		 sh->downgrade == 12);
}

static void
ts_check_certs(const struct tls_certs *cs)
{
	unsigned i;
	size_t len;
	const uint8_t *der;

	TS_CHECK(cs->ncerts <= TLS_CERTS_MAX);
	TS_CHECK(cs->ncerts <= cs->certs_total);
	TS_CHECK(cs->buf != NULL || cs->ncerts == 0);
	for (i = 0; i < cs->ncerts; i++) {
		TS_CHECK(cs->cert[i].off <= cs->buf_len);
		TS_CHECK(cs->cert[i].len <= cs->buf_len - cs->cert[i].off);
		der = tls_cert_der(cs, i, &len);
		TS_CHECK(der != NULL);
		TS_CHECK(len == cs->cert[i].len);
		ts_touch(der, len);
	}
	TS_CHECK(tls_cert_der(cs, cs->ncerts, &len) == NULL);
	if (cs->buf != NULL)
		ts_touch(cs->buf, cs->buf_len);
}

/* Everything the headers promise about one parser after an event. */
static void
ts_check_conn(const struct tls_conn *c, const uint64_t fed[2],
	      const uint64_t lost[2], const int ret[2])
{
	const struct tls_facts *f = &c->facts;
	const struct tls_cert_status *st = &f->cert_status;
	const uint8_t *ocsp;
	size_t len;
	unsigned i;
	int d;

	for (d = 0; d < 2; d++) {
		const struct tls_dir_facts *df = &f->dir[d];

		TS_CHECK(df->bytes == fed[d]);
		TS_CHECK(df->bytes_ignored <= df->bytes);
		TS_CHECK(df->gap_bytes == lost[d]);
		TS_CHECK(df->nenc <= TLS_ENC_RECORDS_MAX);
		TS_CHECK(df->nenc <= df->enc_total);
		TS_CHECK(df->stop < TLS_STOP_NREASONS);
		TS_CHECK(tls_stop_name((enum tls_stop)df->stop) != NULL);
		/* The return value and the facts tell the same story. */
		if (ret[d] < 0) {
			TS_CHECK(df->stop != TLS_STOP_NONE);
			TS_CHECK(df->need == 0);
		} else {
			TS_CHECK(df->stop == TLS_STOP_NONE);
			TS_CHECK((uint32_t)ret[d] == df->need ||
				 (ret[d] == INT32_MAX && df->need > INT32_MAX));
		}
	}
	TS_CHECK(f->client_dir >= -1 && f->client_dir <= 1);
	TS_CHECK(f->server_dir >= -1 && f->server_dir <= 1);
	TS_CHECK(f->nalerts <= TLS_ALERTS_MAX);
	TS_CHECK(f->nalerts <= f->alerts_total);
	for (i = 0; i < f->nalerts; i++) {
		TS_CHECK(f->alerts[i].dir <= 1);
		TS_CHECK(f->alerts[i].log_index == UINT16_MAX ||
			 f->alerts[i].log_index < f->nlog);
	}
	TS_CHECK(f->nlog <= TLS_LOG_MAX);
	TS_CHECK(f->nlog <= f->log_total);
	for (i = 0; i < f->nlog; i++) {
		TS_CHECK(f->log[i].dir <= 1);
		TS_CHECK(f->log[i].kind < TLS_LOG_NKINDS);
		TS_CHECK(tls_log_kind_name((enum tls_log_kind)f->log[i].kind) !=
			 NULL);
	}
	for (i = 0; i < TLS_ANOM_COUNT; i++)
		TS_CHECK(tls_anomaly_name((enum tls_anomaly)i) != NULL);
	ts_check_hello(&f->ch);
	if (f->ch2 != NULL)
		ts_check_hello(f->ch2);
	ts_check_server_hello(&f->sh);
	ts_check_server_hello(&f->hrr);
	ts_check_certs(&f->cert[0]);
	ts_check_certs(&f->cert[1]);
	ocsp = tls_ocsp_der(st, &len);
	if (ocsp != NULL) {
		TS_CHECK(st->buf != NULL);
		TS_CHECK(st->ocsp_off <= st->buf_len);
		TS_CHECK(st->ocsp_len <= st->buf_len - st->ocsp_off);
		TS_CHECK(len == st->ocsp_len);
		ts_touch(ocsp, len);
	}
	TS_CHECK(f->cert_req.ncert_types <= TLS_CERT_TYPES_MAX);
	TS_CHECK(f->cert_req.nsigalgs <= TLS_SIGALGS_MAX);
	TS_CHECK(f->ee.next <= TLS_EXT_MAX);
	TS_CHECK(f->ske.kx < TLS_KX_NKINDS);
	TS_CHECK(tls_kx_name((enum tls_kx)f->ske.kx) != NULL);
}

#define TS_SAME(field)                                                         \
	do {                                                                   \
		if (a->field != b->field)                                      \
			ts_fail("A/B facts differ", #field);                   \
	} while (0)

/* Arrays of integers (no padding inside) compared over `n` elements. */
#define TS_SAME_ARR(arr, n)                                                    \
	do {                                                                   \
		if (memcmp(a->arr, b->arr, (size_t)(n) * sizeof(a->arr[0])))   \
			ts_fail("A/B facts differ", #arr);                     \
	} while (0)

static void
ts_same_hello(const struct tls_client_hello *a,
	      const struct tls_client_hello *b)
{
	TS_SAME(sslv2);
	TS_SAME(skipped);
	TS_SAME(malformed);
	TS_SAME(legacy_version);
	TS_SAME_ARR(random, 32);
	TS_SAME(session_id_len);
	TS_SAME(nsuites);
	TS_SAME(suites_total);
	TS_SAME_ARR(suites, a->nsuites);
	TS_SAME(ncomp);
	TS_SAME(next);
	TS_SAME(ext_total);
	TS_SAME_ARR(ext, a->next);
	TS_SAME(ext_malformed);
	TS_SAME(first_bad_ext);
	TS_SAME(sni_len);
	TS_SAME_ARR(sni, a->sni_len);
	TS_SAME(nversions);
	TS_SAME(ngroups);
	TS_SAME(nsigalgs);
	TS_SAME(alpn_len);
	TS_SAME_ARR(alpn, a->alpn_len);
	TS_SAME(nkey_shares);
	TS_SAME(grease);
}

static void
ts_same_certs(const struct tls_certs *a, const struct tls_certs *b)
{
	unsigned i;

	TS_SAME(present);
	TS_SAME(skipped);
	TS_SAME(malformed);
	TS_SAME(truncated);
	TS_SAME(tls13);
	TS_SAME(ncerts);
	TS_SAME(certs_total);
	TS_SAME(msg_len);
	TS_SAME(count);
	for (i = 0; i < a->ncerts; i++) {
		TS_SAME(cert[i].len);
		if (memcmp(a->buf + a->cert[i].off, b->buf + b->cert[i].off,
			   a->cert[i].len) != 0)
			ts_fail("A/B facts differ", "certificate bytes");
	}
}

/* The facts of two parsers fed the same events, chunked differently. */
/* A direction began with plaintext: where TLS is found after it depends on
 * the chunks (tls_record.h), so A and B may differ from then on. */
static bool
ts_plaintext(const struct tls_conn *c)
{
	int d;

	for (d = 0; d < 2; d++) {
		uint8_t k = c->facts.dir[d].detect;

		if (k != TLS_DETECT_NEED_MORE && k != TLS_DETECT_TLS &&
		    k != TLS_DETECT_SSLV2_HELLO)
			return true;
	}
	return false;
}

static void
ts_same_facts(const struct tls_facts *a, const struct tls_facts *b)
{
	unsigned i;
	int d;

	for (d = 0; d < 2; d++) {
		TS_SAME(dir[d].detect);
		TS_SAME(dir[d].stop);
		TS_SAME(dir[d].ccs);
		TS_SAME(dir[d].encrypted);
		TS_SAME(dir[d].first_record_version);
		TS_SAME(dir[d].ccs_ts);
		TS_SAME(dir[d].bytes);
		TS_SAME(dir[d].bytes_ignored);
		TS_SAME(dir[d].gap_bytes);
		TS_SAME(dir[d].gaps);
		TS_SAME(dir[d].records);
		TS_SAME(dir[d].need);
		TS_SAME(dir[d].hs_msgs);
		TS_SAME(dir[d].hs_mask);
		TS_SAME(dir[d].appdata_records);
		TS_SAME(dir[d].appdata_bytes);
		TS_SAME(dir[d].heartbeats);
		TS_SAME(dir[d].nenc);
		TS_SAME(dir[d].enc_total);
		for (i = 0; i < a->dir[d].nenc; i++) {
			TS_SAME(dir[d].enc[i].ts_us);
			TS_SAME(dir[d].enc[i].len);
			TS_SAME(dir[d].enc[i].type);
		}
	}
	TS_SAME(client_dir);
	TS_SAME(server_dir);
	TS_SAME(version);
	TS_SAME(tls13);
	TS_SAME(ch_count);
	TS_SAME(ch_seen);
	ts_same_hello(&a->ch, &b->ch);
	if ((a->ch2 == NULL) != (b->ch2 == NULL))
		ts_fail("A/B facts differ", "ch2");
	if (a->ch2 != NULL)
		ts_same_hello(a->ch2, b->ch2);
	TS_SAME(hrr_seen);
	TS_SAME(sh_count);
	TS_SAME(sh_seen);
	TS_SAME(sh.cipher);
	TS_SAME(sh.selected_version);
	TS_SAME(sh.next);
	TS_SAME_ARR(sh.ext, a->sh.next);
	TS_SAME(hrr.key_share_group);
	ts_same_certs(&a->cert[0], &b->cert[0]);
	ts_same_certs(&a->cert[1], &b->cert[1]);
	TS_SAME(cert_status.present);
	TS_SAME(cert_status.ocsp_len);
	TS_SAME(ske.present);
	TS_SAME(ske.kx);
	TS_SAME(ske.group);
	TS_SAME(cert_req.present);
	TS_SAME(nst.count);
	TS_SAME(cke_len);
	TS_SAME(finished_len[0]);
	TS_SAME(finished_len[1]);
	TS_SAME(last_hs_type);
	TS_SAME(last_hs_dir);
	TS_SAME(nalerts);
	TS_SAME(alerts_total);
	for (i = 0; i < a->nalerts; i++) {
		TS_SAME(alerts[i].ts_us);
		TS_SAME(alerts[i].rec_len);
		TS_SAME(alerts[i].dir);
		TS_SAME(alerts[i].level);
		TS_SAME(alerts[i].desc);
		TS_SAME(alerts[i].encrypted);
		TS_SAME(alerts[i].after_hs_type);
		TS_SAME(alerts[i].after_hs_dir);
	}
	TS_SAME(nlog);
	TS_SAME(log_total);
	for (i = 0; i < a->nlog; i++) {
		TS_SAME(log[i].ts_us);
		TS_SAME(log[i].len);
		TS_SAME(log[i].dir);
		TS_SAME(log[i].kind);
		TS_SAME(log[i].type);
		TS_SAME(log[i].flags);
	}
	TS_SAME_ARR(anomaly, TLS_ANOM_COUNT);
}

/* Cut the input into events.  Returns the number of events. */
static size_t
ts_make_events(uint8_t flags, uint32_t *rng, struct cur *in, struct ts_ev *ev,
	       size_t max)
{
	size_t n = 0;

	if (flags & TS_F_CONV) {
		uint8_t ctl;
		uint16_t len;

		while (in->left > 0 && n + 2 <= max) {
			if (!cur_u8(in, &ctl) || !cur_u16(in, &len))
				break;
			if (ctl & 4)
				ev[n++] =
				    (struct ts_ev){TS_EV_SWAP, 0, 0, NULL};
			if (ctl & 2) {
				ev[n++] = (struct ts_ev){TS_EV_GAP, ctl & 1,
							 len, NULL};
				continue;
			}
			if (len > in->left)
				len = (uint16_t)in->left;
			ev[n++] =
			    (struct ts_ev){TS_EV_FEED, ctl & 1, len, in->p};
			(void)cur_skip(in, len);
		}
		return n;
	}
	while (in->left > 0 && n + 2 <= max) {
		uint32_t len, pick = ts_rng_next(rng) % 8;

		if (pick < 3)
			len = ts_rng_range(rng, 1, 5);
		else if (pick < 5)
			len = ts_rng_range(rng, 1, 100);
		else if (pick < 7)
			len = ts_rng_range(rng, 1, 2000);
		else
			len = (uint32_t)(in->left > UINT32_MAX ? UINT32_MAX
							       : in->left);
		if (len > in->left)
			len = (uint32_t)in->left;
		if ((flags & TS_F_SWAPS) && ts_rng_next(rng) % 16 == 0)
			ev[n++] = (struct ts_ev){TS_EV_SWAP, 0, 0, NULL};
		if ((flags & TS_F_GAPS) && ts_rng_next(rng) % 8 == 0)
			ev[n++] = (struct ts_ev){TS_EV_GAP, flags & TS_F_DIR,
						 len, NULL};
		else
			ev[n++] = (struct ts_ev){TS_EV_FEED, flags & TS_F_DIR,
						 len, in->p};
		(void)cur_skip(in, len);
	}
	return n;
}

/* The size of parser B's next chunk of a run with `left` bytes to go. */
static uint32_t
ts_chunk_len(int style, uint32_t *rng, uint32_t left)
{
	uint32_t n;

	switch (style) {
	case 0:
		n = 1;
		break;
	case 1:
		n = ts_rng_range(rng, 1, 8);
		break;
	case 2:
		n = ts_rng_range(rng, 1, left / 2 + 1);
		break;
	default:
		n = ts_rng_next(rng) % 2 ? 1 : ts_rng_range(rng, 1, left);
		break;
	}
	return n > left ? left : n;
}

/* Apply one event to a parser, in chunks if `rng` is not NULL. */
static void
ts_apply(struct tls_conn *c, const struct ts_ev *e, uint64_t ts, int style,
	 uint32_t *rng, uint64_t fed[2], uint64_t lost[2], int ret[2])
{
	uint32_t off = 0, n;
	uint64_t t;
	int r;

	switch (e->kind) {
	case TS_EV_SWAP:
		tls_conn_swap(c);
		t = fed[0], fed[0] = fed[1], fed[1] = t;
		t = lost[0], lost[0] = lost[1], lost[1] = t;
		r = ret[0], ret[0] = ret[1], ret[1] = r;
		return;
	case TS_EV_GAP:
		ret[e->dir] = tls_conn_gap(c, e->dir, e->len, ts);
		lost[e->dir] += e->len;
		return;
	default:
		break;
	}
	if (rng == NULL) {
		ret[e->dir] = tls_conn_feed(c, e->dir, e->p, e->len, ts);
		fed[e->dir] += e->len;
		return;
	}
	/* A zero-length feed is legal and must change nothing. */
	if (e->len == 0) {
		ret[e->dir] = tls_conn_feed(c, e->dir, e->p, 0, ts);
		return;
	}
	while (off < e->len) {
		n = ts_chunk_len(style, rng, e->len - off);
		r = tls_conn_feed(c, e->dir, e->p + off, n, ts);
		fed[e->dir] += n;
		/* A stopped direction never starts again. */
		if (ret[e->dir] < 0)
			TS_CHECK(r < 0);
		ret[e->dir] = r;
		off += n;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tls_conn ca, cb; /* 10 KB each: not on the stack */
	struct membudget mba, mbb;
	struct tls_limits lim;
	struct cur in = cur_make(data, size);
	struct ts_ev *ev;
	uint64_t fed_a[2] = {0, 0}, fed_b[2] = {0, 0};
	uint64_t lost_a[2] = {0, 0}, lost_b[2] = {0, 0};
	int ret_a[2] = {0, 0}, ret_b[2] = {0, 0};
	uint8_t flags, seed;
	uint32_t rng, rng_b;
	size_t nev, max, i;
	bool differential;

	if (!cur_u8(&in, &flags) || !cur_u8(&in, &seed))
		return 0;
	rng = 0x9e3779b9u ^ ((uint32_t)seed << 8 | flags);
	rng_b = rng ^ 0x5bd1e995u;

	/* Every event but a swap consumes input or a 3-byte segment header,
	 * and each is preceded by at most one swap. */
	max = 2 * in.left + 2;
	if ((ev = calloc(max, sizeof(*ev))) == NULL)
		return 0;
	nev = ts_make_events(flags, &rng, &in, ev, max);

	tls_limits_default(&lim);
	if (flags & TS_F_SMALL_HS)
		lim.hs_msg_max = 0; /* raised to the floor by init */
	memset(&mba, 0, sizeof(mba));
	memset(&mbb, 0, sizeof(mbb));
	if (flags & TS_F_BUDGET)
		mba.cap = mbb.cap = TS_BUDGET_CAP;
	/* With a cap, how the buffer grew decides what was refused, so the
	 * two parsers may legitimately differ. */
	differential = (flags & TS_F_BUDGET) == 0;

	tls_conn_init(&ca, &lim, &mba);
	tls_conn_init(&cb, &lim, &mbb);
	for (i = 0; i < nev; i++) {
		uint64_t ts = 1000000u * (uint64_t)(i + 1);

		ts_apply(&ca, &ev[i], ts, 0, NULL, fed_a, lost_a, ret_a);
		ts_apply(&cb, &ev[i], ts, TS_F_STYLE(flags), &rng_b, fed_b,
			 lost_b, ret_b);
		if (ts_plaintext(&ca) || ts_plaintext(&cb))
			differential = false;
		if (differential &&
		    (ret_a[0] != ret_b[0] || ret_a[1] != ret_b[1]))
			ts_fail("A/B return values differ", "after an event");
	}
	ts_check_conn(&ca, fed_a, lost_a, ret_a);
	ts_check_conn(&cb, fed_b, lost_b, ret_b);
	if (differential)
		ts_same_facts(&ca.facts, &cb.facts);
	if (mba.cap != 0)
		TS_CHECK(mba.peak <= mba.cap);

	tls_conn_free(&ca);
	tls_conn_free(&cb);
	/* Everything charged was released. */
	TS_CHECK(mba.used == 0);
	TS_CHECK(mbb.used == 0);
	free(ev);
	return 0;
}
