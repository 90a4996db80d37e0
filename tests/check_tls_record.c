/* check_tls_record.c -- unit tests for tls_record: two byte streams of one
 * connection in, facts out.
 *
 * Real handshakes captured with OpenSSL (tests/fixtures/tls_capture.h) are
 * fed in wire order, whole, split at every point, byte by byte, cut at
 * every length and with every byte flipped; the facts are compared through
 * a canonical text dump of every field.  Built fixtures
 * (tests/fixtures/tls_build.h) cover fragmentation, caps and their
 * boundaries, hostile lengths, gaps, alerts, not-TLS streams and SSLv2.
 * Every chunk is fed from a heap copy of exactly its size, so a read past
 * it is an AddressSanitizer report, and every test ends with the budget
 * back at zero.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "fixtures/tls_build.h"
#include "fixtures/tls_capture.h"
#include "tlsdiag/tls_record.h"

/* Wire values (tls_names.h is another module's). */
enum {
	CT_CCS = 20,
	CT_ALERT = 21,
	CT_HS = 22,
	CT_APP = 23,
	CT_HEARTBEAT = 24,
	T_CLIENT_HELLO = 1,
	T_SERVER_HELLO = 2,
	T_NEW_SESSION_TICKET = 4,
	T_CERTIFICATE = 11,
	T_SERVER_KEY_EXCHANGE = 12,
	T_SERVER_HELLO_DONE = 14,
	T_CLIENT_KEY_EXCHANGE = 16,
	T_FINISHED = 20,
};

/*
 * A canonical dump of every field of the facts, to compare two runs.
 */

static uint64_t
fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static void
hex(FILE *fp, const char *name, const uint8_t *p, size_t n)
{
	size_t i;

	fprintf(fp, "%s=", name);
	for (i = 0; i < n; i++)
		fprintf(fp, "%02x", p[i]);
	fputc('\n', fp);
}

static void
list16(FILE *fp, const char *name, const uint16_t *v, unsigned n)
{
	unsigned i;

	fprintf(fp, "%s[%u]=", name, n);
	for (i = 0; i < n; i++)
		fprintf(fp, "%04x,", v[i]);
	fputc('\n', fp);
}

static void
dump_ch(FILE *fp, const struct tls_client_hello *c)
{
	fprintf(fp,
		"ch sslv2=%d skipped=%d malformed=%d ext=%d grease=%d "
		"ver=%04x gmt=%08x\n",
		c->sslv2, c->skipped, c->malformed, c->has_extensions,
		c->grease, c->legacy_version, c->gmt_unix_time);
	hex(fp, "random", c->random, 32);
	hex(fp, "sid", c->session_id, c->session_id_len);
	list16(fp, "suites", c->suites, c->nsuites);
	fprintf(fp, "suites_total=%u trunc=%d v2specs=%u chal=%u\n",
		c->suites_total, c->suites_truncated, c->sslv2_specs,
		c->sslv2_challenge_len);
	hex(fp, "comp", c->comp, c->ncomp);
	fprintf(fp, "comp_total=%u trunc=%d\n", c->comp_total,
		c->comp_truncated);
	list16(fp, "ext", c->ext, c->next);
	fprintf(fp,
		"ext_total=%u trunc=%d bad=%u first_bad=%d dups=%u "
		"psk_not_last=%d\n",
		c->ext_total, c->ext_truncated, c->ext_malformed,
		(int)c->first_bad_ext, c->ext_duplicates, c->psk_not_last);
	fprintf(fp, "sni=%d multi=%d bad=%d trunc=%d\n", c->sni_present,
		c->sni_multiple, c->sni_malformed, c->sni_truncated);
	hex(fp, "sni", c->sni, c->sni_len);
	fprintf(fp, "versions=%d/%d ", c->versions_present,
		c->versions_truncated);
	list16(fp, "v", c->versions, c->nversions);
	fprintf(fp, "groups=%d/%d ", c->groups_present, c->groups_truncated);
	list16(fp, "g", c->groups, c->ngroups);
	fprintf(fp, "pf=%d/%d ", c->point_formats_present,
		c->point_formats_truncated);
	hex(fp, "pf", c->point_formats, c->npoint_formats);
	fprintf(fp, "sigalgs=%d/%d ", c->sigalgs_present, c->sigalgs_truncated);
	list16(fp, "s", c->sigalgs, c->nsigalgs);
	fprintf(fp, "alpn=%d/%d n=%u ", c->alpn_present, c->alpn_truncated,
		c->nalpn);
	hex(fp, "alpn", c->alpn, c->alpn_len);
	fprintf(fp, "ks=%d/%d ", c->key_share_present, c->key_shares_truncated);
	list16(fp, "ks", c->key_shares, c->nkey_shares);
	fprintf(fp,
		"status=%d/%u reneg=%d/%u ticket=%d/%u psk=%d/%u "
		"early=%d ech=%d ems=%d\n",
		c->status_request, c->status_type, c->reneg_info,
		c->reneg_info_len, c->session_ticket, c->session_ticket_len,
		c->psk, c->psk_identities, c->early_data, c->ech, c->ems);
}

static void
dump_sh(FILE *fp, const struct tls_server_hello *s)
{
	fprintf(fp,
		"sh hrr=%d skipped=%d malformed=%d ext=%d ver=%04x "
		"echo=%d cipher=%04x comp=%u down=%u\n",
		s->hrr, s->skipped, s->malformed, s->has_extensions,
		s->legacy_version, s->session_id_echoed, s->cipher,
		s->compression, s->downgrade);
	hex(fp, "random", s->random, 32);
	hex(fp, "sid", s->session_id, s->session_id_len);
	list16(fp, "ext", s->ext, s->next);
	fprintf(fp, "ext_total=%u trunc=%d bad=%u first_bad=%d dups=%u\n",
		s->ext_total, s->ext_truncated, s->ext_malformed,
		(int)s->first_bad_ext, s->ext_duplicates);
	fprintf(fp, "sv=%04x ks=%d/%04x alpn=%d ", s->selected_version,
		s->key_share_present, s->key_share_group, s->alpn_present);
	hex(fp, "alpn", s->alpn, s->alpn_len);
	fprintf(fp,
		"reneg=%d ems=%d ticket=%d status=%d pf=%d sni=%d psk=%d/%u "
		"cookie=%d\n",
		s->reneg_info, s->ems, s->session_ticket, s->status_request,
		s->point_formats, s->sni_ack, s->psk, s->psk_identity,
		s->cookie);
}

static void
dump_certs(FILE *fp, const struct tls_certs *c)
{
	unsigned i;

	fprintf(
	    fp,
	    "certs present=%d skipped=%d malformed=%d trunc=%d "
	    "tls13=%d ctx=%u n=%u total=%u msg=%u count=%u buf=%u "
	    "h=%016llx\n",
	    c->present, c->skipped, c->malformed, c->truncated, c->tls13,
	    c->context_len, c->ncerts, c->certs_total, c->msg_len, c->count,
	    c->buf_len,
	    (unsigned long long)(c->buf != NULL ? fnv(c->buf, c->buf_len) : 0));
	for (i = 0; i < c->ncerts; i++)
		fprintf(fp, " cert %u off=%u len=%u\n", i, c->cert[i].off,
			c->cert[i].len);
}

static void
dump_dir(FILE *fp, const struct tls_dir_facts *d)
{
	unsigned i;

	fprintf(fp,
		"dir detect=%u stop=%u ccs=%d enc=%d frv=%04x ccs_ts=%llu "
		"ts=%llu..%llu bytes=%llu ign=%llu gapb=%llu gaps=%u "
		"records=%llu need=%u hs=%u mask=%08x app=%llu/%llu/%llu "
		"hb=%u nenc=%u enc_total=%llu\n",
		d->detect, d->stop, d->ccs, d->encrypted,
		d->first_record_version, (unsigned long long)d->ccs_ts,
		(unsigned long long)d->first_ts, (unsigned long long)d->last_ts,
		(unsigned long long)d->bytes,
		(unsigned long long)d->bytes_ignored,
		(unsigned long long)d->gap_bytes, d->gaps,
		(unsigned long long)d->records, d->need, d->hs_msgs, d->hs_mask,
		(unsigned long long)d->appdata_first_ts,
		(unsigned long long)d->appdata_records,
		(unsigned long long)d->appdata_bytes, d->heartbeats, d->nenc,
		(unsigned long long)d->enc_total);
	for (i = 0; i < d->nenc; i++)
		fprintf(fp, " enc ts=%llu len=%u type=%u\n",
			(unsigned long long)d->enc[i].ts_us, d->enc[i].len,
			d->enc[i].type);
}

static void
dump_log(FILE *fp, const struct tls_log_entry *e)
{
	fprintf(fp, " log ts=%llu len=%u dir=%u kind=%u type=%u flags=%u\n",
		(unsigned long long)e->ts_us, e->len, e->dir, e->kind, e->type,
		e->flags);
}

static char *
dump(const struct tls_facts *f)
{
	char *s = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&s, &n);
	unsigned i;

	ck_assert_ptr_nonnull(fp);
	dump_dir(fp, &f->dir[0]);
	dump_dir(fp, &f->dir[1]);
	fprintf(fp,
		"client=%d server=%d version=%04x tls13=%d ch=%u/%d "
		"hrr=%d sh=%u/%d\n",
		f->client_dir, f->server_dir, f->version, f->tls13, f->ch_count,
		f->ch_seen, f->hrr_seen, f->sh_count, f->sh_seen);
	dump_ch(fp, &f->ch);
	if (f->ch2 != NULL)
		dump_ch(fp, f->ch2);
	dump_sh(fp, &f->hrr);
	dump_sh(fp, &f->sh);
	dump_certs(fp, &f->cert[0]);
	dump_certs(fp, &f->cert[1]);
	fprintf(fp,
		"status present=%d skipped=%d malformed=%d type=%u "
		"ocsp=%u+%u h=%016llx\n",
		f->cert_status.present, f->cert_status.skipped,
		f->cert_status.malformed, f->cert_status.status_type,
		f->cert_status.ocsp_off, f->cert_status.ocsp_len,
		(unsigned long long)(f->cert_status.buf != NULL
					 ? fnv(f->cert_status.buf,
					       f->cert_status.buf_len)
					 : 0));
	fprintf(fp,
		"ske present=%d skipped=%d malformed=%d kx=%u ct=%u "
		"group=%04x p=%u sig=%d/%04x len=%u\n",
		f->ske.present, f->ske.skipped, f->ske.malformed, f->ske.kx,
		f->ske.curve_type, f->ske.group, f->ske.dh_p_bits,
		f->ske.has_sigalg, f->ske.sigalg, f->ske.len);
	fprintf(fp,
		"cr present=%d skipped=%d malformed=%d tls13=%d ca=%u "
		"types_trunc=%d sig_trunc=%d ",
		f->cert_req.present, f->cert_req.skipped, f->cert_req.malformed,
		f->cert_req.tls13, f->cert_req.ca_names,
		f->cert_req.cert_types_truncated,
		f->cert_req.sigalgs_truncated);
	hex(fp, "types", f->cert_req.cert_types, f->cert_req.ncert_types);
	list16(fp, "cr_sig", f->cert_req.sigalgs, f->cert_req.nsigalgs);
	fprintf(fp,
		"ee present=%d malformed=%d trunc=%d alpn=%d early=%d "
		"sni=%d ",
		f->ee.present, f->ee.malformed, f->ee.ext_truncated,
		f->ee.alpn_present, f->ee.early_data, f->ee.sni_ack);
	list16(fp, "ee_ext", f->ee.ext, f->ee.next);
	hex(fp, "ee_alpn", f->ee.alpn, f->ee.alpn_len);
	fprintf(fp, "nst=%u/%d/%u/%u cke=%u fin=%u/%u last=%d/%d\n",
		f->nst.count, f->nst.malformed, f->nst.lifetime,
		f->nst.ticket_len, f->cke_len, f->finished_len[0],
		f->finished_len[1], f->last_hs_type, f->last_hs_dir);
	fprintf(fp, "alerts=%u/%u\n", f->nalerts, f->alerts_total);
	for (i = 0; i < f->nalerts; i++)
		fprintf(fp,
			" alert ts=%llu len=%u dir=%u level=%u desc=%u "
			"enc=%d after=%d/%d log=%u\n",
			(unsigned long long)f->alerts[i].ts_us,
			f->alerts[i].rec_len, f->alerts[i].dir,
			f->alerts[i].level, f->alerts[i].desc,
			f->alerts[i].encrypted, f->alerts[i].after_hs_type,
			f->alerts[i].after_hs_dir, f->alerts[i].log_index);
	fprintf(fp, "log=%u/%u\n", f->nlog, f->log_total);
	for (i = 0; i < f->nlog; i++)
		dump_log(fp, &f->log[i]);
	if (f->log_total > 0)
		dump_log(fp, &f->log_last);
	for (i = 0; i < TLS_ANOM_COUNT; i++)
		if (f->anomaly[i] != 0)
			fprintf(fp, "anomaly %s=%u\n",
				tls_anomaly_name((enum tls_anomaly)i),
				f->anomaly[i]);
	fclose(fp);
	return s;
}

/*
 * Feeding helpers.
 */

static int
feed(struct tls_conn *c, int dir, const uint8_t *p, size_t n, uint64_t ts)
{
	uint8_t *q = malloc(n > 0 ? n : 1);
	int st;

	ck_assert_ptr_nonnull(q);
	if (n > 0)
		memcpy(q, p, n);
	st = tls_conn_feed(c, dir, q, n, ts);
	free(q);
	return st;
}

struct capture {
	const char *name;
	const uint8_t *s[2];
	size_t n[2];
	const struct cap_seg *segs;
	size_t nsegs;
};

#define CAPTURE(x)                                                             \
	{                                                                      \
#x, {cap_##x##_c2s, cap_##x##_s2c },                           \
		     {sizeof(cap_##x##_c2s), sizeof(cap_##x##_s2c) },          \
		      cap_##x##_segs,                                          \
		      sizeof(cap_##x##_segs) / sizeof(cap_##x##_segs[0])       \
	}

static const struct capture caps[] = {
    CAPTURE(tls12),
    CAPTURE(tls13),
    CAPTURE(hrr),
};

#define NCAPS ((int)(sizeof(caps) / sizeof(caps[0])))

static size_t
cap_total(const struct capture *cp)
{
	return cp->n[0] + cp->n[1];
}

/*
 * Feed the capture in wire order.  Segment i arrives at (i + 1) ms.  Only
 * the first `limit` bytes (in wire order) are fed; each segment goes in
 * chunks of `chunk` bytes (0: whole), and the segment holding wire byte
 * `split` is cut in two there.  `s0`/`s1` replace the streams if not NULL
 * (a flipped copy).
 */
static void
feed_capture(struct tls_conn *c, const struct capture *cp, size_t limit,
	     size_t chunk, size_t split, const uint8_t *s0, const uint8_t *s1)
{
	const uint8_t *s[2] = {s0 != NULL ? s0 : cp->s[0],
			       s1 != NULL ? s1 : cp->s[1]};
	size_t off[2] = {0, 0}, wire = 0, i, len, k, step;
	int dir, st;

	for (i = 0; i < cp->nsegs && wire < limit; i++) {
		dir = cp->segs[i].dir;
		len = cp->segs[i].len;
		if (wire + len > limit)
			len = limit - wire;
		for (k = 0; k < len; k += step) {
			step = chunk != 0 ? chunk : len - k;
			if (step > len - k)
				step = len - k;
			if (split > wire + k && split < wire + k + step)
				step = split - (wire + k);
			st = feed(c, dir, s[dir] + off[dir] + k, step,
				  (uint64_t)(i + 1) * 1000);
			(void)st;
		}
		off[dir] += len;
		wire += len;
	}
}

static char *
capture_dump(const struct capture *cp, size_t limit, size_t chunk, size_t split)
{
	struct tls_conn c;
	struct membudget mb = {0, 0, 0, 0, NULL};
	char *s;

	tls_conn_init(&c, NULL, &mb);
	feed_capture(&c, cp, limit, chunk, split, NULL, NULL);
	s = dump(&c.facts);
	tls_conn_free(&c);
	ck_assert_uint_eq(mb.used, 0);
	return s;
}

/*
 * The captured handshakes, decoded.
 */

START_TEST(test_capture_tls12)
{
	struct tls_conn c;
	struct membudget mb = {0, 0, 0, 0, NULL};
	const struct tls_facts *f = &c.facts;
	static const uint16_t ch_ext[] = {0, 11, 10, 35, 5, 16, 22, 23, 13};
	static const uint16_t sh_ext[] = {0xff01, 11, 35, 23};
	static const struct {
		uint8_t dir, kind, type;
	} want_log[] = {
	    {0, TLS_LOG_HANDSHAKE, T_CLIENT_HELLO},
	    {1, TLS_LOG_HANDSHAKE, T_SERVER_HELLO},
	    {1, TLS_LOG_HANDSHAKE, T_CERTIFICATE},
	    {1, TLS_LOG_HANDSHAKE, T_SERVER_KEY_EXCHANGE},
	    {1, TLS_LOG_HANDSHAKE, T_SERVER_HELLO_DONE},
	    {0, TLS_LOG_HANDSHAKE, T_CLIENT_KEY_EXCHANGE},
	    {0, TLS_LOG_CCS, 1},
	    {0, TLS_LOG_ENCRYPTED, CT_HS},
	    {1, TLS_LOG_HANDSHAKE, T_NEW_SESSION_TICKET},
	    {1, TLS_LOG_CCS, 1},
	    {1, TLS_LOG_ENCRYPTED, CT_HS},
	    {1, TLS_LOG_ENCRYPTED, CT_ALERT},
	    {0, TLS_LOG_ENCRYPTED, CT_ALERT},
	};
	size_t i, len;
	const uint8_t *der;

	tls_conn_init(&c, NULL, &mb);
	feed_capture(&c, &caps[0], SIZE_MAX, 0, 0, NULL, NULL);

	ck_assert_uint_eq(f->dir[0].detect, TLS_DETECT_TLS);
	ck_assert_uint_eq(f->dir[1].detect, TLS_DETECT_TLS);
	ck_assert_uint_eq(f->dir[0].stop, TLS_STOP_NONE);
	ck_assert_uint_eq(f->dir[1].stop, TLS_STOP_NONE);
	ck_assert_uint_eq(f->dir[0].first_record_version, 0x0301);
	ck_assert_uint_eq(f->dir[1].first_record_version, 0x0303);
	ck_assert_uint_eq(f->dir[0].records, 5);
	ck_assert_uint_eq(f->dir[1].records, 8);
	ck_assert_uint_eq(f->dir[0].need, 0);
	ck_assert_uint_eq(f->dir[1].need, 0);
	ck_assert_int_eq(f->client_dir, 0);
	ck_assert_int_eq(f->server_dir, 1);
	ck_assert_uint_eq(f->version, 0x0303);
	ck_assert(!f->tls13);

	/* ClientHello. */
	ck_assert(f->ch_seen && !f->ch.malformed);
	ck_assert_uint_eq(f->ch_count, 1);
	ck_assert_uint_eq(f->ch.legacy_version, 0x0303);
	ck_assert_uint_eq(f->ch.nsuites, 28);
	ck_assert_uint_eq(f->ch.suites[0], 0xc02c);
	ck_assert_uint_eq(f->ch.suites[27], 0x00ff);
	ck_assert_uint_eq(f->ch.next, 9);
	for (i = 0; i < 9; i++)
		ck_assert_uint_eq(f->ch.ext[i], ch_ext[i]);
	ck_assert_uint_eq(f->ch.sni_len, 12);
	ck_assert(memcmp(f->ch.sni, "test.example", 12) == 0);
	ck_assert_uint_eq(f->ch.alpn_len, 12);
	ck_assert(memcmp(f->ch.alpn, "\x02h2\x08http/1.1", 12) == 0);
	ck_assert(f->ch.status_request && f->ch.status_type == 1);
	ck_assert(f->ch.ems && f->ch.session_ticket);
	ck_assert_uint_eq(f->ch.session_ticket_len, 0);
	ck_assert(!f->ch.versions_present && !f->ch.grease);
	ck_assert_uint_eq(f->ch.ngroups, 5);
	ck_assert_uint_eq(f->ch.groups[0], 0x001d);

	/* Server flight. */
	ck_assert(f->sh_seen && !f->hrr_seen);
	ck_assert_uint_eq(f->sh.cipher, 0xc030);
	ck_assert_uint_eq(f->sh.next, 4);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(f->sh.ext[i], sh_ext[i]);
	ck_assert(!f->sh.session_id_echoed);
	ck_assert(f->cert[1].present && !f->cert[1].malformed);
	ck_assert(!f->cert[0].present);
	ck_assert_uint_eq(f->cert[1].ncerts, 2);
	der = tls_cert_der(&f->cert[1], 0, &len);
	ck_assert_uint_eq(len, 499);
	ck_assert_uint_eq(der[0], 0x30); /* a DER SEQUENCE */
	der = tls_cert_der(&f->cert[1], 1, &len);
	ck_assert_uint_eq(len, 380);
	ck_assert_uint_eq(der[0], 0x30);
	ck_assert(f->ske.present && !f->ske.malformed);
	ck_assert_uint_eq(f->ske.kx, TLS_KX_ECDHE);
	ck_assert_uint_eq(f->ske.curve_type, 3);
	ck_assert_uint_eq(f->ske.group, 0x001d);
	ck_assert_uint_eq(f->ske.sigalg, 0x0804);
	ck_assert(!f->cert_status.present && !f->cert_req.present);
	ck_assert(f->dir[1].hs_mask & (1u << T_SERVER_HELLO_DONE));
	ck_assert_uint_eq(f->cke_len, 33);
	ck_assert_uint_eq(f->nst.count, 1);
	ck_assert_uint_eq(f->nst.lifetime, 7200);
	ck_assert_uint_eq(f->nst.ticket_len, 176);
	ck_assert_uint_eq(f->finished_len[0], 0); /* encrypted */

	/* CCS both ways, then encrypted Finished and close_notify. */
	ck_assert(f->dir[0].ccs && f->dir[0].encrypted);
	ck_assert(f->dir[1].ccs && f->dir[1].encrypted);
	ck_assert_uint_eq(f->dir[0].ccs_ts, 3000);
	ck_assert_uint_eq(f->dir[0].nenc, 2);
	ck_assert_uint_eq(f->dir[0].enc[0].type, CT_HS);
	ck_assert_uint_eq(f->dir[0].enc[0].len, 40);
	ck_assert_uint_eq(f->dir[0].enc[1].type, CT_ALERT);
	ck_assert_uint_eq(f->dir[0].enc[1].len, 26);
	ck_assert_uint_eq(f->dir[1].nenc, 2);
	ck_assert_uint_eq(f->dir[1].enc[1].ts_us, 5000);
	ck_assert_uint_eq(f->nalerts, 2);
	ck_assert_uint_eq(f->alerts[0].dir, 1);
	ck_assert(f->alerts[0].encrypted);
	ck_assert_uint_eq(f->alerts[0].rec_len, 26);
	ck_assert_int_eq(f->alerts[0].after_hs_type, T_NEW_SESSION_TICKET);
	ck_assert_int_eq(f->alerts[0].after_hs_dir, 1);
	ck_assert_uint_eq(f->alerts[0].log_index, 11);
	ck_assert_uint_eq(f->alerts[1].dir, 0);

	/* The message log, in wire order. */
	ck_assert_uint_eq(f->nlog, sizeof(want_log) / sizeof(want_log[0]));
	for (i = 0; i < f->nlog; i++) {
		ck_assert_uint_eq(f->log[i].dir, want_log[i].dir);
		ck_assert_uint_eq(f->log[i].kind, want_log[i].kind);
		ck_assert_uint_eq(f->log[i].type, want_log[i].type);
		ck_assert_uint_eq(f->log[i].flags, 0);
	}
	for (i = 0; i < TLS_ANOM_COUNT; i++)
		ck_assert_msg(f->anomaly[i] == 0, "anomaly %s",
			      tls_anomaly_name((enum tls_anomaly)i));
	ck_assert_uint_gt(mb.peak, 0);
	tls_conn_free(&c);
	ck_assert_uint_eq(mb.used, 0);
}
END_TEST

START_TEST(test_capture_tls13)
{
	struct tls_conn c;
	struct membudget mb = {0, 0, 0, 0, NULL};
	const struct tls_facts *f = &c.facts;
	static const uint16_t s2c_enc[] = {23, 914, 281, 69, 250, 250, 19};
	static const uint16_t c2s_enc[] = {69, 18, 19};
	size_t i;

	tls_conn_init(&c, NULL, &mb);
	feed_capture(&c, &caps[1], SIZE_MAX, 0, 0, NULL, NULL);
	ck_assert(f->tls13);
	ck_assert_uint_eq(f->version, 0x0304);
	ck_assert_uint_eq(f->sh.selected_version, 0x0304);
	ck_assert_uint_eq(f->sh.cipher, 0x1302);
	ck_assert_uint_eq(f->sh.key_share_group, 0x001d);
	ck_assert(f->sh.session_id_echoed); /* compatibility mode */
	ck_assert_uint_eq(f->ch.nversions, 1);
	ck_assert_uint_eq(f->ch.nkey_shares, 1);
	ck_assert_uint_eq(f->ch.key_shares[0], 0x001d);
	ck_assert_uint_eq(f->ch.alpn_len, 3);
	/* Both CCS are the compatibility ones. */
	ck_assert(f->dir[0].ccs && f->dir[1].ccs);
	ck_assert(f->dir[0].encrypted && f->dir[1].encrypted);
	ck_assert_uint_eq(f->dir[1].nenc, 7);
	for (i = 0; i < 7; i++) {
		ck_assert_uint_eq(f->dir[1].enc[i].type, CT_APP);
		ck_assert_uint_eq(f->dir[1].enc[i].len, s2c_enc[i]);
	}
	ck_assert_uint_eq(f->dir[0].nenc, 3);
	for (i = 0; i < 3; i++)
		ck_assert_uint_eq(f->dir[0].enc[i].len, c2s_enc[i]);
	/* The client's Finished (48 + 4 + 1 + 16 = 69) came after the
	 * server's flight. */
	ck_assert_uint_gt(f->dir[0].enc[0].ts_us, f->dir[1].enc[3].ts_us);
	ck_assert_uint_eq(f->nalerts, 0); /* 1.3 alerts hide in type 23 */
	ck_assert(!f->cert[1].present);
	ck_assert_uint_eq(f->log[2].kind, TLS_LOG_CCS);
	ck_assert_uint_eq(f->log[2].flags, TLS_LOGF_COMPAT);
	ck_assert_uint_eq(f->anomaly[TLS_ANOM_HS_INTERLEAVED], 0);
	for (i = 0; i < TLS_ANOM_COUNT; i++)
		ck_assert_uint_eq(f->anomaly[i], 0);
	tls_conn_free(&c);
	ck_assert_uint_eq(mb.used, 0);
}
END_TEST

START_TEST(test_capture_hrr)
{
	struct tls_conn c;
	struct membudget mb = {0, 0, 0, 0, NULL};
	const struct tls_facts *f = &c.facts;
	size_t i;

	tls_conn_init(&c, NULL, &mb);
	feed_capture(&c, &caps[2], SIZE_MAX, 0, 0, NULL, NULL);
	ck_assert(f->hrr_seen && f->hrr.hrr);
	ck_assert_uint_eq(f->hrr.key_share_group, 0x0017);
	ck_assert(f->sh_seen && !f->sh.hrr && f->tls13);
	ck_assert_uint_eq(f->sh.key_share_group, 0x0017);
	ck_assert_uint_eq(f->ch_count, 2);
	ck_assert_uint_eq(f->ch.key_shares[0], 0x001d);
	ck_assert_ptr_nonnull(f->ch2);
	ck_assert_uint_eq(f->ch2->nkey_shares, 1);
	ck_assert_uint_eq(f->ch2->key_shares[0], 0x0017);
	ck_assert_uint_eq(f->log[1].flags, TLS_LOGF_HRR);
	/* The client's CCS before its second hello changed nothing. */
	ck_assert_uint_eq(f->log[3].kind, TLS_LOG_CCS);
	ck_assert_uint_eq(f->log[3].dir, 0);
	ck_assert_uint_eq(f->log[3].flags, TLS_LOGF_COMPAT);
	ck_assert_uint_eq(f->log[4].type, T_CLIENT_HELLO);
	ck_assert_uint_eq(f->dir[0].enc[0].len, 69);
	for (i = 0; i < TLS_ANOM_COUNT; i++)
		ck_assert_msg(f->anomaly[i] == 0, "anomaly %s",
			      tls_anomaly_name((enum tls_anomaly)i));
	ck_assert_uint_eq(mb.used, sizeof(struct tls_client_hello));
	tls_conn_free(&c);
	ck_assert_uint_eq(mb.used, 0);
}
END_TEST

/*
 * The three sweeps.
 */

/* Split at every point: the same facts as whole. */
START_TEST(test_sweep_split)
{
	const struct capture *cp = &caps[_i];
	size_t total = cap_total(cp), k;
	char *whole, *split;

	whole = capture_dump(cp, SIZE_MAX, 0, 0);
	for (k = 1; k < total; k++) {
		split = capture_dump(cp, SIZE_MAX, 0, k);
		ck_assert_msg(strcmp(whole, split) == 0, "%s: split at %zu",
			      cp->name, k);
		free(split);
	}
	free(whole);
}
END_TEST

/* Byte by byte, and in chunks of 2, 3, 5, 7, 100: the same facts. */
START_TEST(test_sweep_chunks)
{
	const struct capture *cp = &caps[_i];
	static const size_t chunks[] = {1, 2, 3, 5, 7, 100};
	char *whole, *other;
	size_t i;

	whole = capture_dump(cp, SIZE_MAX, 0, 0);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		other = capture_dump(cp, SIZE_MAX, chunks[i], 0);
		ck_assert_msg(strcmp(whole, other) == 0, "%s: chunks of %zu",
			      cp->name, chunks[i]);
		free(other);
	}
	free(whole);
}
END_TEST

/* Record boundaries of one stream (test-side framing). */
static bool
at_boundary(const uint8_t *s, size_t n, size_t k)
{
	size_t off = 0;

	while (off < k && off + 5 <= n)
		off += 5 + ((size_t)s[off + 3] << 8 | s[off + 4]);
	return off == k;
}

/* Every truncation: never a stop; "need more" exactly when a record is
 * cut; the log so far is a prefix of the whole log. */
START_TEST(test_sweep_truncation)
{
	const struct capture *cp = &caps[_i];
	size_t total = cap_total(cp), k, wire, i, off[2];
	struct tls_conn c, full;
	struct membudget mb = {0, 0, 0, 0, NULL};
	int d, st;

	tls_conn_init(&full, NULL, NULL);
	feed_capture(&full, cp, SIZE_MAX, 0, 0, NULL, NULL);
	for (k = 0; k <= total; k++) {
		tls_conn_init(&c, NULL, &mb);
		feed_capture(&c, cp, k, 0, 0, NULL, NULL);
		/* How much of each stream the prefix holds. */
		off[0] = off[1] = 0;
		for (i = 0, wire = 0; i < cp->nsegs && wire < k; i++) {
			size_t len = cp->segs[i].len;

			if (wire + len > k)
				len = k - wire;
			off[cp->segs[i].dir] += len;
			wire += len;
		}
		for (d = 0; d < 2; d++) {
			ck_assert_uint_eq(c.facts.dir[d].stop, TLS_STOP_NONE);
			st = tls_conn_feed(&c, d, NULL, 0, 0);
			ck_assert_int_ge(st, 0);
			ck_assert_msg((st == 0) == at_boundary(cp->s[d],
							       cp->n[d],
							       off[d]),
				      "%s prefix %zu dir %d: status %d",
				      cp->name, k, d, st);
		}
		ck_assert_uint_le(c.facts.nlog, full.facts.nlog);
		for (i = 0; i < c.facts.nlog; i++) {
			const struct tls_log_entry *a = &c.facts.log[i];
			const struct tls_log_entry *b = &full.facts.log[i];

			ck_assert(a->ts_us == b->ts_us && a->len == b->len &&
				  a->dir == b->dir && a->kind == b->kind &&
				  a->type == b->type && a->flags == b->flags);
		}
		tls_conn_free(&c);
		ck_assert_uint_eq(mb.used, 0);
	}
	tls_conn_free(&full);
}
END_TEST

/* Every byte flipped (all bits, and the low bit): any facts, no crash, no
 * sanitizer report, no leak, and the budget back at zero. */
START_TEST(test_sweep_flip)
{
	const struct capture *cp = &caps[_i];
	uint8_t *s[2];
	struct tls_conn c;
	struct membudget mb = {0, 0, 0, 0, NULL};
	size_t pos, d, k;
	static const uint8_t masks[] = {0xff, 0x01, 0x80};
	char *out;

	for (d = 0; d < 2; d++) {
		s[d] = malloc(cp->n[d]);
		ck_assert_ptr_nonnull(s[d]);
		memcpy(s[d], cp->s[d], cp->n[d]);
	}
	for (d = 0; d < 2; d++) {
		for (pos = 0; pos < cp->n[d]; pos++) {
			for (k = 0; k < sizeof(masks); k++) {
				s[d][pos] ^= masks[k];
				tls_conn_init(&c, NULL, &mb);
				feed_capture(&c, cp, SIZE_MAX, 0, 0, s[0],
					     s[1]);
				out = dump(&c.facts);
				free(out);
				ck_assert_uint_le(c.facts.nlog, TLS_LOG_MAX);
				ck_assert_uint_le(c.facts.nalerts,
						  TLS_ALERTS_MAX);
				tls_conn_free(&c);
				ck_assert_uint_eq(mb.used, 0);
				s[d][pos] ^= masks[k];
			}
		}
	}
	free(s[0]);
	free(s[1]);
}
END_TEST

/*
 * Built handshakes: fragmentation.
 */

/* The TLS 1.2 server flight of a built handshake, as one handshake byte
 * string: ServerHello, Certificate (3 x 1000 bytes), ServerKeyExchange,
 * ServerHelloDone. */
static void
server_flight(struct bb *hs)
{
	struct bb m;

	bb_init(&m);
	fx_server_hello(&m, FXS_TLS12_EXTS, 0xc02f);
	bb_hs(hs, T_SERVER_HELLO, &m);
	bb_free(&m);
	bb_init(&m);
	fx_certificate(&m, 3, 1000, false);
	bb_hs(hs, T_CERTIFICATE, &m);
	bb_free(&m);
	bb_init(&m);
	bb_u8(&m, 3);
	bb_u16(&m, 0x0017);
	bb_open(&m, 1);
	bb_fill(&m, 4, 65);
	bb_close(&m);
	bb_u16(&m, 0x0401);
	bb_open(&m, 2);
	bb_fill(&m, 0x5a, 256);
	bb_close(&m);
	bb_hs(hs, T_SERVER_KEY_EXCHANGE, &m);
	bb_free(&m);
	bb_init(&m);
	bb_hs(hs, T_SERVER_HELLO_DONE, &m);
	bb_free(&m);
}

static void
client_hello_records(struct bb *out, unsigned which)
{
	struct bb m, hs;

	bb_init(&m);
	bb_init(&hs);
	fx_client_hello(&m, which);
	bb_hs(&hs, T_CLIENT_HELLO, &m);
	bb_records(out, CT_HS, 0x0301, hs.p, hs.len, 0);
	bb_free(&m);
	bb_free(&hs);
}

/* Feed the built client hello, then the server flight cut into records of
 * `frag` bytes, all at once or in `chunk`-byte feeds.  Returns the dump
 * with the record counts zeroed (they differ by design). */
static char *
flight_dump(size_t frag, size_t chunk)
{
	struct tls_conn c;
	struct membudget mb = {0, 0, 0, 0, NULL};
	struct bb ch, hs, rec;
	size_t k, step;
	char *s;

	bb_init(&ch);
	bb_init(&hs);
	bb_init(&rec);
	client_hello_records(&ch, FXC_ALL);
	server_flight(&hs);
	bb_records(&rec, CT_HS, 0x0303, hs.p, hs.len, frag);
	tls_conn_init(&c, NULL, &mb);
	ck_assert_int_eq(feed(&c, 0, ch.p, ch.len, 1000), 0);
	for (k = 0; k < rec.len; k += step) {
		step = chunk != 0 ? chunk : rec.len;
		if (step > rec.len - k)
			step = rec.len - k;
		(void)feed(&c, 1, rec.p + k, step, 2000);
	}
	ck_assert_uint_eq(c.facts.cert[1].ncerts, 3);
	ck_assert_uint_eq(c.facts.ske.group, 0x0017);
	ck_assert(c.facts.dir[1].hs_mask & (1u << T_SERVER_HELLO_DONE));
	ck_assert_uint_eq(c.facts.dir[1].need, 0);
	c.facts.dir[1].records = 0;
	c.facts.dir[1].bytes = 0;
	s = dump(&c.facts);
	tls_conn_free(&c);
	ck_assert_uint_eq(mb.used, 0);
	bb_free(&ch);
	bb_free(&hs);
	bb_free(&rec);
	return s;
}

START_TEST(test_fragmentation)
{
	/* Four messages in one record; the Certificate (3019 bytes) over
	 * three records of 1100; records of 1, 2, 3 and 4 bytes (headers
	 * split over records); and each fed byte by byte. */
	static const size_t frags[] = {1100, 1, 2, 3, 4, 700, 16384};
	char *one = flight_dump(0, 0), *other;
	size_t i;

	for (i = 0; i < sizeof(frags) / sizeof(frags[0]); i++) {
		other = flight_dump(frags[i], 0);
		ck_assert_msg(strcmp(one, other) == 0, "frag %zu", frags[i]);
		free(other);
		other = flight_dump(frags[i], 1);
		ck_assert_msg(strcmp(one, other) == 0, "frag %zu bytewise",
			      frags[i]);
		free(other);
	}
	free(one);
}
END_TEST

/* Status values: "need N more" while a record or message is open.  The
 * flight starts with a ServerHello of 4 + 108 bytes and a Certificate of
 * 4 + 3012, cut into records of 100 bytes. */
START_TEST(test_need_more)
{
	struct tls_conn c;
	struct bb hs, rec;
	const uint8_t *p;

	bb_init(&hs);
	bb_init(&rec);
	server_flight(&hs);
	ck_assert_uint_eq(hs.p[3], 108);
	bb_records(&rec, CT_HS, 0x0303, hs.p, 300, 100);
	p = rec.p;
	tls_conn_init(&c, NULL, NULL);
	ck_assert_int_eq(feed(&c, 1, p, 0, 1), 0);
	ck_assert_int_eq(feed(&c, 1, p, 2, 1), 1); /* detecting */
	ck_assert_int_eq(feed(&c, 1, p + 2, 2, 1), 1);
	ck_assert_int_eq(feed(&c, 1, p + 4, 1, 1), 100); /* record body */
	ck_assert_int_eq(feed(&c, 1, p + 5, 1, 1), 99);
	/* Record done; the ServerHello lacks 108 - 96 body bytes. */
	ck_assert_int_eq(feed(&c, 1, p + 6, 99, 1), 12);
	ck_assert_uint_eq(c.facts.dir[1].need, 12);
	ck_assert_int_eq(feed(&c, 1, p + 105, 3, 1), 12);
	ck_assert_int_eq(feed(&c, 1, p + 108, 2, 1), 100);
	/* The ServerHello completes; 88 bytes of the record remain. */
	ck_assert_int_eq(feed(&c, 1, p + 110, 12, 1), 88);
	ck_assert(c.facts.sh_seen);
	ck_assert_int_eq(feed(&c, 1, p + 122, 2, 1), 86);
	/* The Certificate's header is complete: 3012 - 84 to go. */
	ck_assert_int_eq(feed(&c, 1, p + 124, 86, 1), 3012 - 84);
	ck_assert_uint_eq(c.facts.dir[1].need, 3012 - 84);
	tls_conn_free(&c);
	bb_free(&hs);
	bb_free(&rec);
}
END_TEST

/*
 * Caps and hostile lengths.
 */

/* A handshake header claiming `len`, then `body` bytes of it in records of
 * at most 2^14. */
static void
feed_claim(struct tls_conn *c, uint8_t type, uint32_t len, size_t body)
{
	uint8_t *rec = malloc(5 + 16384);
	size_t sent = 0, k, first = 1;

	ck_assert_ptr_nonnull(rec);
	while (first || sent < body) {
		k = body - sent > 16384 ? 16384 : body - sent;
		rec[0] = CT_HS;
		rec[1] = 3;
		rec[2] = 3;
		memset(rec + 5, 0x41, 16384);
		if (first) {
			rec[5] = type;
			rec[6] = (uint8_t)(len >> 16);
			rec[7] = (uint8_t)(len >> 8);
			rec[8] = (uint8_t)len;
			if (k > 16384 - 4)
				k = 16384 - 4;
			rec[3] = (uint8_t)((k + 4) >> 8);
			rec[4] = (uint8_t)(k + 4);
			(void)feed(c, 1, rec, 5 + 4 + k, 2000);
			first = 0;
		} else {
			rec[3] = (uint8_t)(k >> 8);
			rec[4] = (uint8_t)k;
			(void)feed(c, 1, rec, 5 + k, 2000);
		}
		sent += k;
	}
	free(rec);
}

/* A Certificate claiming 16 MB is never allocated: its body streams by. */
START_TEST(test_cert_16mb)
{
	struct tls_conn c;
	struct membudget mb = {0, 0, 0, 0, NULL};
	struct bb shd, rec;
	int st;

	tls_conn_init(&c, NULL, &mb);
	feed_claim(&c, T_CERTIFICATE, 0xffffff, 0xffffff);
	ck_assert_uint_eq(c.facts.anomaly[TLS_ANOM_HS_MSG_TOO_LONG], 1);
	ck_assert_uint_eq(mb.peak, 0);
	ck_assert(c.facts.cert[1].present && c.facts.cert[1].skipped);
	ck_assert_uint_eq(c.facts.cert[1].msg_len, 0xffffff);
	ck_assert_uint_eq(c.facts.log[0].flags, TLS_LOGF_SKIPPED);
	/* Framing survived: the next message is read. */
	bb_init(&shd);
	bb_init(&rec);
	bb_u8(&shd, T_SERVER_HELLO_DONE);
	bb_u24(&shd, 0);
	bb_records(&rec, CT_HS, 0x0303, shd.p, shd.len, 0);
	st = feed(&c, 1, rec.p, rec.len, 3000);
	ck_assert_int_eq(st, 0);
	ck_assert(c.facts.dir[1].hs_mask & (1u << T_SERVER_HELLO_DONE));
	tls_conn_free(&c);
	ck_assert_uint_eq(mb.used, 0);
	bb_free(&shd);
	bb_free(&rec);
}
END_TEST

/* A message under the cap claiming 200 KiB but stopping after 100 bytes
 * costs what arrived, not what it claims. */
START_TEST(test_claim_costs_what_arrives)
{
	struct tls_conn c;
	struct membudget mb = {0, 0, 0, 0, NULL};

	tls_conn_init(&c, NULL, &mb);
	feed_claim(&c, T_CERTIFICATE, 200 * 1024, 100);
	ck_assert_uint_le(mb.used, 1024);
	ck_assert_uint_gt(mb.used, 0);
	ck_assert_uint_eq(c.facts.dir[1].need, 200 * 1024 - 100);
	tls_conn_free(&c);
	ck_assert_uint_eq(mb.used, 0);
}
END_TEST

/* The handshake message cap: N-1 and N are decoded, N+1 is skipped. */
START_TEST(test_hs_cap_boundary)
{
	static const long delta[] = {-1, 0, 1};
	uint32_t n = (uint32_t)(TLS_HS_MSG_MAX_DEFAULT + delta[_i]);
	struct tls_conn c;
	struct membudget mb = {0, 0, 0, 0, NULL};
	struct bb m, hs, rec;

	/* One certificate filling the message: 3 + 3 + size = n. */
	bb_init(&m);
	fx_certificate(&m, 1, n - 6, false);
	ck_assert_uint_eq(m.len, n);
	bb_init(&hs);
	bb_hs(&hs, T_CERTIFICATE, &m);
	bb_init(&rec);
	bb_records(&rec, CT_HS, 0x0303, hs.p, hs.len, 16384);
	tls_conn_init(&c, NULL, &mb);
	ck_assert_int_eq(feed(&c, 1, rec.p, rec.len, 7), 0);
	if (n <= TLS_HS_MSG_MAX_DEFAULT) {
		ck_assert_uint_eq(c.facts.cert[1].ncerts, 1);
		ck_assert_uint_eq(c.facts.cert[1].cert[0].len, n - 6);
		ck_assert_uint_eq(mb.used, n);
		ck_assert_uint_eq(c.facts.anomaly[TLS_ANOM_HS_MSG_TOO_LONG], 0);
	} else {
		ck_assert(c.facts.cert[1].skipped);
		ck_assert_uint_eq(mb.peak, 0);
		ck_assert_uint_eq(c.facts.anomaly[TLS_ANOM_HS_MSG_TOO_LONG], 1);
	}
	tls_conn_free(&c);
	ck_assert_uint_eq(mb.used, 0);
	bb_free(&m);
	bb_free(&hs);
	bb_free(&rec);
}
END_TEST

/* A configured cap is honoured above the floor; below it, raised. */
START_TEST(test_hs_cap_config)
{
	struct tls_limits lim;
	struct tls_conn c;

	tls_limits_default(&lim);
	ck_assert_uint_eq(lim.hs_msg_max, TLS_HS_MSG_MAX_DEFAULT);
	lim.hs_msg_max = 100000;
	tls_conn_init(&c, &lim, NULL);
	feed_claim(&c, T_CERTIFICATE, 100001, 10);
	ck_assert_uint_eq(c.facts.anomaly[TLS_ANOM_HS_MSG_TOO_LONG], 1);
	tls_conn_free(&c);
	lim.hs_msg_max = 10;
	tls_conn_init(&c, &lim, NULL);
	feed_claim(&c, T_CERTIFICATE, 65536, 10);
	ck_assert_uint_eq(c.facts.anomaly[TLS_ANOM_HS_MSG_TOO_LONG], 0);
	tls_conn_free(&c);
}
END_TEST

/* Record lengths: 2^14+2048 is the largest accepted; a record claiming
 * 65535 stops the direction, and later bytes are only counted. */
START_TEST(test_record_too_long)
{
	static const struct {
		uint16_t len;
		bool ok;
	} t[] = {{18431, true}, {18432, true}, {18433, false}, {65535, false}};
	struct tls_conn c;
	uint8_t *rec;
	size_t i, n;
	int st;

	for (i = 0; i < 4; i++) {
		n = 5 + (size_t)t[i].len;
		rec = calloc(1, n);
		ck_assert_ptr_nonnull(rec);
		rec[0] = CT_APP;
		rec[1] = 3;
		rec[2] = 3;
		rec[3] = (uint8_t)(t[i].len >> 8);
		rec[4] = (uint8_t)t[i].len;
		tls_conn_init(&c, NULL, NULL);
		/* A valid first record, so detection says TLS. */
		st = feed(&c, 0, (const uint8_t *)"\x17\x03\x03\x00\x01\x00", 6,
			  1);
		ck_assert_int_eq(st, 0);
		st = feed(&c, 0, rec, n, 2);
		if (t[i].ok) {
			ck_assert_int_eq(st, 0);
			ck_assert_uint_eq(c.facts.dir[0].enc[1].len, t[i].len);
		} else {
			ck_assert_int_eq(st, TLS_E_VIOLATION);
			ck_assert_uint_eq(c.facts.dir[0].stop,
					  TLS_STOP_RECORD_TOO_LONG);
			ck_assert_uint_eq(
			    c.facts.anomaly[TLS_ANOM_RECORD_TOO_LONG], 1);
			ck_assert_uint_eq(c.facts.dir[0].bytes_ignored, n - 5);
			st = feed(&c, 0, rec, 10, 3);
			ck_assert_int_eq(st, TLS_E_VIOLATION);
			ck_assert_uint_eq(c.facts.dir[0].bytes_ignored, n + 5);
			ck_assert_uint_eq(c.facts.log_last.kind, TLS_LOG_STOP);
		}
		tls_conn_free(&c);
		free(rec);
	}
}
END_TEST

START_TEST(test_record_bad_type_and_version)
{
	struct tls_conn c;
	int st;

	tls_conn_init(&c, NULL, NULL);
	st = feed(&c, 1,
		  (const uint8_t *)"\x15\x03\x03\x00\x02\x02\x28"
				   "\x30\x03\x03\x00\x02",
		  12, 1);
	ck_assert_int_eq(st, TLS_E_VIOLATION);
	ck_assert_uint_eq(c.facts.dir[1].stop, TLS_STOP_RECORD_BAD_TYPE);
	ck_assert_uint_eq(c.facts.anomaly[TLS_ANOM_RECORD_BAD_TYPE], 1);
	ck_assert_uint_eq(c.facts.nalerts, 1); /* the alert before it */
	tls_conn_free(&c);

	tls_conn_init(&c, NULL, NULL);
	st = feed(&c, 1,
		  (const uint8_t *)"\x15\x03\x03\x00\x02\x02\x28"
				   "\x16\x02\x00\x00\x02",
		  12, 1);
	ck_assert_int_eq(st, TLS_E_VIOLATION);
	ck_assert_uint_eq(c.facts.dir[1].stop, TLS_STOP_RECORD_BAD_VERSION);
	tls_conn_free(&c);
}
END_TEST

/* Under a tight budget messages are skipped, framing goes on. */
START_TEST(test_budget_refused)
{
	struct tls_conn c;
	struct membudget mb = {0, 0, 2000, 0, NULL};
	struct bb ch, hs, rec;

	bb_init(&ch);
	bb_init(&hs);
	bb_init(&rec);
	client_hello_records(&ch, FXC_ALL);
	server_flight(&hs);
	bb_records(&rec, CT_HS, 0x0303, hs.p, hs.len, 0);
	tls_conn_init(&c, NULL, &mb);
	ck_assert_int_eq(feed(&c, 0, ch.p, ch.len, 1), 0);
	ck_assert_int_eq(feed(&c, 1, rec.p, rec.len, 2), 0);
	ck_assert(c.facts.ch_seen && !c.facts.ch.skipped);
	ck_assert(c.facts.cert[1].present && c.facts.cert[1].skipped);
	ck_assert_uint_eq(c.facts.anomaly[TLS_ANOM_HS_MEM_REFUSED], 1);
	ck_assert_uint_gt(mb.refused, 0);
	ck_assert_uint_eq(c.facts.ske.group, 0x0017);
	ck_assert(c.facts.dir[1].hs_mask & (1u << T_SERVER_HELLO_DONE));
	ck_assert_uint_le(mb.peak, 2000);
	tls_conn_free(&c);
	ck_assert_uint_eq(mb.used, 0);
	bb_free(&ch);
	bb_free(&hs);
	bb_free(&rec);
}
END_TEST

/*
 * Records of every kind.
 */

START_TEST(test_alerts)
{
	struct tls_conn c;
	struct bb ch, in;
	int i;

	bb_init(&ch);
	client_hello_records(&ch, FXC_SNI);
	tls_conn_init(&c, NULL, NULL);
	ck_assert_int_eq(feed(&c, 0, ch.p, ch.len, 1), 0);
	/* Three alerts in one record. */
	bb_init(&in);
	bb_u8(&in, CT_ALERT);
	bb_u16(&in, 0x0303);
	bb_u16(&in, 6);
	bb_put(&in, "\x01\x70\x02\x28\x01\x00", 6);
	ck_assert_int_eq(feed(&c, 1, in.p, in.len, 5), 0);
	ck_assert_uint_eq(c.facts.nalerts, 3);
	ck_assert_uint_eq(c.facts.alerts[0].level, 1);
	ck_assert_uint_eq(c.facts.alerts[0].desc, 112);
	ck_assert_uint_eq(c.facts.alerts[1].desc, 40);
	ck_assert_uint_eq(c.facts.alerts[1].rec_len, 6);
	ck_assert_int_eq(c.facts.alerts[1].after_hs_type, T_CLIENT_HELLO);
	ck_assert_int_eq(c.facts.alerts[1].after_hs_dir, 0);
	ck_assert(!c.facts.alerts[2].encrypted);
	bb_free(&in);
	/* One alert split over two records. */
	bb_init(&in);
	bb_records(&in, CT_ALERT, 0x0303, (const uint8_t *)"\x02\x2a", 2, 1);
	ck_assert_int_eq(feed(&c, 1, in.p, 6, 6), 1);
	ck_assert_int_eq(feed(&c, 1, in.p + 6, 6, 7), 0);
	ck_assert_uint_eq(c.facts.nalerts, 4);
	ck_assert_uint_eq(c.facts.alerts[3].desc, 42);
	ck_assert_uint_eq(c.facts.alerts[3].ts_us, 7);
	bb_free(&in);
	/* Half an alert, then another record type: malformed. */
	bb_init(&in);
	bb_records(&in, CT_ALERT, 0x0303, (const uint8_t *)"\x02", 1, 0);
	bb_records(&in, CT_APP, 0x0303, (const uint8_t *)"\x00\x00", 2, 0);
	ck_assert_int_eq(feed(&c, 1, in.p, in.len, 8), 0);
	ck_assert_uint_eq(c.facts.anomaly[TLS_ANOM_MALFORMED_ALERT], 1);
	ck_assert_uint_eq(c.facts.nalerts, 4);
	bb_free(&in);
	/* Many alerts: the first TLS_ALERTS_MAX kept, all counted. */
	bb_init(&in);
	for (i = 0; i < 100; i++)
		bb_records(&in, CT_ALERT, 0x0303, (const uint8_t *)"\x01\x00",
			   2, 0);
	ck_assert_int_eq(feed(&c, 1, in.p, in.len, 9), 0);
	ck_assert_uint_eq(c.facts.nalerts, TLS_ALERTS_MAX);
	ck_assert_uint_eq(c.facts.alerts_total, 104);
	ck_assert_uint_eq(c.facts.nlog, TLS_LOG_MAX);
	ck_assert_uint_eq(c.facts.log_total, 1 + 4 + 1 + 100);
	ck_assert_uint_eq(c.facts.log_last.ts_us, 9);
	tls_conn_free(&c);
	bb_free(&in);
	bb_free(&ch);
}
END_TEST

START_TEST(test_many_records)
{
	struct tls_conn c;
	struct bb in;
	int i;

	bb_init(&in);
	for (i = 0; i < 10000; i++) {
		bb_u8(&in, CT_APP);
		bb_u16(&in, 0x0303);
		bb_u16(&in, (unsigned)(i % 50));
		bb_fill(&in, 0xaa, (size_t)(i % 50));
	}
	tls_conn_init(&c, NULL, NULL);
	/* Record 0 is empty: detection needs a non-empty first record. */
	ck_assert_int_eq(feed(&c, 1, in.p + 5, in.len - 5, 3), 0);
	ck_assert_uint_eq(c.facts.dir[1].records, 9999);
	ck_assert_uint_eq(c.facts.dir[1].appdata_records, 9999);
	ck_assert_uint_eq(c.facts.dir[1].enc_total, 9999);
	ck_assert_uint_eq(c.facts.dir[1].nenc, TLS_ENC_RECORDS_MAX);
	ck_assert_uint_eq(c.facts.dir[1].enc[0].len, 1);
	ck_assert_uint_eq(c.facts.dir[1].appdata_first_ts, 3);
	ck_assert_uint_eq(c.facts.anomaly[TLS_ANOM_RECORD_EMPTY], 0);
	tls_conn_free(&c);
	bb_free(&in);
}
END_TEST

START_TEST(test_empty_heartbeat_ccs)
{
	struct tls_conn c;
	struct bb in;

	bb_init(&in);
	bb_records(&in, CT_ALERT, 0x0303, (const uint8_t *)"\x01\x00", 2, 0);
	bb_records(&in, CT_HS, 0x0303, NULL, 0, 0);
	bb_records(&in, CT_HEARTBEAT, 0x0303, (const uint8_t *)"\x01\x40\x00",
		   3, 0);
	bb_records(&in, CT_CCS, 0x0303, (const uint8_t *)"\x01\x01", 2, 0);
	tls_conn_init(&c, NULL, NULL);
	ck_assert_int_eq(feed(&c, 1, in.p, in.len, 4), 0);
	ck_assert_uint_eq(c.facts.anomaly[TLS_ANOM_RECORD_EMPTY], 1);
	ck_assert_uint_eq(c.facts.anomaly[TLS_ANOM_HEARTBEAT], 1);
	ck_assert_uint_eq(c.facts.dir[1].heartbeats, 1);
	ck_assert_uint_eq(c.facts.anomaly[TLS_ANOM_MALFORMED_CCS], 1);
	ck_assert(c.facts.dir[1].ccs);
	ck_assert_uint_eq(c.facts.log[1].kind, TLS_LOG_HEARTBEAT);
	tls_conn_free(&c);
	bb_free(&in);
}
END_TEST

/* A TLS 1.2 CCS in the middle of a handshake message: the message is
 * dropped, its rest would be encrypted. */
START_TEST(test_ccs_cuts_message)
{
	struct tls_conn c;
	struct bb ch, sh, m, in;

	bb_init(&ch);
	bb_init(&sh);
	bb_init(&m);
	bb_init(&in);
	client_hello_records(&ch, FXC_SNI);
	fx_server_hello(&m, 0, 0xc02f);
	bb_hs(&sh, T_SERVER_HELLO, &m);
	bb_records(&in, CT_HS, 0x0303, sh.p, sh.len, 0);
	tls_conn_init(&c, NULL, NULL);
	ck_assert_int_eq(feed(&c, 0, ch.p, ch.len, 1), 0);
	ck_assert_int_eq(feed(&c, 1, in.p, in.len, 2), 0);
	bb_free(&in);
	bb_init(&in);
	/* Half of a ClientKeyExchange, then CCS. */
	bb_records(&in, CT_HS, 0x0303,
		   (const uint8_t *)"\x10\x00\x00\x21\x20\x01", 6, 0);
	ck_assert_int_gt(feed(&c, 0, in.p, in.len, 3), 0);
	bb_free(&in);
	bb_init(&in);
	bb_records(&in, CT_CCS, 0x0303, (const uint8_t *)"\x01", 1, 0);
	bb_records(&in, CT_HS, 0x0303, (const uint8_t *)"0123456789abcdef", 16,
		   0);
	ck_assert_int_eq(feed(&c, 0, in.p, in.len, 4), 0);
	ck_assert_uint_eq(c.facts.anomaly[TLS_ANOM_HS_INTERLEAVED], 1);
	ck_assert_uint_eq(c.facts.anomaly[TLS_ANOM_HS_CUT_BY_CCS], 1);
	ck_assert(c.facts.dir[0].encrypted);
	ck_assert_uint_eq(c.facts.dir[0].nenc, 1);
	ck_assert_uint_eq(c.facts.dir[0].enc[0].type, CT_HS);
	ck_assert_uint_eq(c.facts.dir[0].enc[0].len, 16);
	ck_assert_uint_eq(c.facts.cke_len, 0);
	tls_conn_free(&c);
	bb_free(&ch);
	bb_free(&sh);
	bb_free(&m);
	bb_free(&in);
}
END_TEST

/* A client-only capture of an abbreviated TLS 1.2 handshake: ClientHello
 * (offering 1.3 too), then CCS, an encrypted Finished and an encrypted
 * alert, the server's flight never seen.  The CCS first looks like the
 * TLS 1.3 compatibility one; the handshake record after it shows it was
 * not, so neither that record nor the alert is read as plaintext.  With a
 * second ClientHello answering an HRR the server did send, the CCS stays
 * a compatibility one (test_capture_hrr). */
START_TEST(test_ccs_client_only_resumption)
{
	struct tls_conn c;
	struct bb ch, in;
	uint8_t fin[40], al[26];
	uint16_t i;

	memset(fin, 0x14, sizeof(fin));
	memset(al, 0x00, sizeof(al));
	bb_init(&ch);
	bb_init(&in);
	client_hello_records(&ch, FXC_ALL);
	tls_conn_init(&c, NULL, NULL);
	ck_assert_int_eq(feed(&c, 0, ch.p, ch.len, 1), 0);
	bb_records(&in, CT_CCS, 0x0303, (const uint8_t *)"\x01", 1, 0);
	ck_assert_int_eq(feed(&c, 0, in.p, in.len, 2), 0);
	ck_assert(!c.facts.dir[0].encrypted); /* not yet known */
	bb_free(&in);
	bb_init(&in);
	bb_records(&in, CT_HS, 0x0303, fin, sizeof(fin), 0);
	bb_records(&in, CT_ALERT, 0x0303, al, sizeof(al), 0);
	ck_assert_int_eq(feed(&c, 0, in.p, in.len, 3), 0);
	ck_assert(c.facts.dir[0].ccs && c.facts.dir[0].encrypted);
	ck_assert_uint_eq(c.facts.nalerts, 1);
	ck_assert(c.facts.alerts[0].encrypted);
	ck_assert_uint_eq(c.facts.dir[0].nenc, 2);
	ck_assert_uint_eq(c.facts.dir[0].enc[0].type, CT_HS);
	ck_assert_uint_eq(c.facts.dir[0].enc[0].len, 40);
	ck_assert_uint_eq(c.facts.anomaly[TLS_ANOM_MALFORMED_ALERT], 0);
	for (i = 0; i < c.facts.nlog; i++)
		if (c.facts.log[i].kind == TLS_LOG_CCS)
			ck_assert(!(c.facts.log[i].flags & TLS_LOGF_COMPAT));
	tls_conn_free(&c);
	bb_free(&ch);
	bb_free(&in);
}
END_TEST

/* One OpenVPN-over-TCP packet: opcode, key id 0, session id, tls-auth
 * fields when hmac > 0, `nack` acks (with the peer's session id), the
 * message packet id unless an ack, then the payload. */
static void
ovpn_pkt(struct bb *out, unsigned op, size_t hmac, unsigned nack,
	 uint32_t pid, const uint8_t *p, size_t n)
{
	unsigned i;

	bb_open(out, 2);
	bb_u8(out, op << 3);
	bb_fill(out, 0x5e, 8);
	if (hmac > 0) {
		bb_fill(out, 0xa7, hmac);
		bb_u32(out, pid + 1); /* replay packet id */
		bb_u32(out, 0x5e3e7b98);
	}
	bb_u8(out, nack);
	for (i = 0; i < nack; i++)
		bb_u32(out, i);
	if (nack > 0)
		bb_fill(out, 0x19, 8);
	if (op != 5)
		bb_u32(out, pid);
	if (n > 0)
		bb_put(out, p, n);
	bb_close(out);
}

/* TLS inside OpenVPN over TCP, with and without tls-auth (SHA-1 HMAC):
 * the ClientHello split over two P_CONTROL packets, one of them repeated
 * (a retransmission), with acks and a data packet between; the server's
 * hello comes the same way.  The hellos are read, the JSON marker set,
 * and the OpenVPN framing never reaches the record parser. */
START_TEST(test_openvpn)
{
	static const size_t hmacs[] = {0, 20};
	struct tls_conn c;
	struct bb ch, m, sh, cl, sv;
	size_t half;

	bb_init(&ch);
	bb_init(&m);
	bb_init(&sh);
	bb_init(&cl);
	bb_init(&sv);
	client_hello_records(&ch, FXC_SNI);
	fx_server_hello(&m, 0, 0xc02f);
	bb_hs(&sh, T_SERVER_HELLO, &m);
	bb_free(&m);
	bb_init(&m);
	bb_records(&m, CT_HS, 0x0303, sh.p, sh.len, 0);
	half = ch.len / 2;
	ovpn_pkt(&cl, 7, hmacs[_i], 0, 0, NULL, 0);	      /* hard reset */
	ovpn_pkt(&cl, 5, hmacs[_i], 1, 0, NULL, 0);	      /* ack */
	ovpn_pkt(&cl, 4, hmacs[_i], 0, 1, ch.p, half);
	ovpn_pkt(&cl, 4, hmacs[_i], 0, 1, ch.p, half);	      /* repeated */
	ovpn_pkt(&cl, 6, hmacs[_i], 0, 0, (const uint8_t *)"\x16\x03", 2);
	ovpn_pkt(&cl, 4, hmacs[_i], 1, 2, ch.p + half, ch.len - half);
	ovpn_pkt(&sv, 8, hmacs[_i], 1, 0, NULL, 0);
	ovpn_pkt(&sv, 4, hmacs[_i], 2, 1, m.p, m.len);
	tls_conn_init(&c, NULL, NULL);
	ck_assert_int_ge(feed(&c, 0, cl.p, cl.len, 1), 0);
	ck_assert_int_ge(feed(&c, 1, sv.p, sv.len, 2), 0);
	ck_assert(c.facts.dir[0].openvpn && c.facts.dir[1].openvpn);
	ck_assert(c.facts.ch_seen && c.facts.sh_seen);
	ck_assert_uint_eq(c.facts.sh.cipher, 0xc02f);
	ck_assert_int_eq(c.facts.dir[0].detect, TLS_DETECT_TLS);
	ck_assert_uint_eq(c.facts.dir[0].stop, TLS_STOP_NONE);
	ck_assert_uint_eq(c.rd[0].ov.dups, 1);
	ck_assert_uint_eq(c.rd[0].ov.control, 2);
	tls_conn_free(&c);
	/* A message packet id that skips ahead: control bytes were lost. */
	bb_free(&cl);
	bb_init(&cl);
	ovpn_pkt(&cl, 7, hmacs[_i], 0, 0, NULL, 0);
	ovpn_pkt(&cl, 4, hmacs[_i], 0, 2, ch.p, ch.len);
	tls_conn_init(&c, NULL, NULL);
	ck_assert_int_lt(feed(&c, 0, cl.p, cl.len, 1), 0);
	ck_assert_uint_eq(c.facts.dir[0].stop, TLS_STOP_OPENVPN_FRAMING);
	ck_assert(!c.facts.ch_seen);
	tls_conn_free(&c);
	bb_free(&ch);
	bb_free(&m);
	bb_free(&sh);
	bb_free(&cl);
	bb_free(&sv);
}
END_TEST

/* TLS 1.3 built: the client rejects the server's flight with an
 * encrypted alert (19 bytes) instead of a Finished (53 with SHA-256). */
START_TEST(test_tls13_rejected_flight)
{
	struct tls_conn c;
	struct bb ch, m, hs, in;
	static const uint16_t flight[] = {23, 900, 264, 53};
	uint8_t body[1000];
	size_t i;

	memset(body, 0x99, sizeof(body));
	bb_init(&ch);
	bb_init(&m);
	bb_init(&hs);
	bb_init(&in);
	client_hello_records(&ch, FXC_ALL);
	fx_server_hello(&m, FXS_TLS13 | FXS_ECHO_SID, 0x1301);
	bb_hs(&hs, T_SERVER_HELLO, &m);
	bb_records(&in, CT_HS, 0x0303, hs.p, hs.len, 0);
	bb_records(&in, CT_CCS, 0x0303, (const uint8_t *)"\x01", 1, 0);
	for (i = 0; i < 4; i++)
		bb_records(&in, CT_APP, 0x0303, body, flight[i], 0);
	tls_conn_init(&c, NULL, NULL);
	ck_assert_int_eq(feed(&c, 0, ch.p, ch.len, 1), 0);
	ck_assert_int_eq(feed(&c, 1, in.p, in.len, 2), 0);
	bb_free(&in);
	bb_init(&in);
	bb_records(&in, CT_CCS, 0x0303, (const uint8_t *)"\x01", 1, 0);
	bb_records(&in, CT_APP, 0x0303, body, 19, 0);
	ck_assert_int_eq(feed(&c, 0, in.p, in.len, 3), 0);
	ck_assert(c.facts.tls13);
	ck_assert_uint_eq(c.facts.dir[1].nenc, 4);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(c.facts.dir[1].enc[i].len, flight[i]);
	ck_assert_uint_eq(c.facts.dir[0].nenc, 1);
	ck_assert_uint_eq(c.facts.dir[0].enc[0].len, 19);
	ck_assert_uint_eq(c.facts.dir[0].enc[0].ts_us, 3);
	ck_assert_uint_eq(c.facts.nalerts, 0);
	bb_free(&in);
	/* A plaintext alert from the client (sent before it had keys) is
	 * still decoded. */
	bb_init(&in);
	bb_records(&in, CT_ALERT, 0x0303, (const uint8_t *)"\x02\x2f", 2, 0);
	ck_assert_int_eq(feed(&c, 0, in.p, in.len, 4), 0);
	ck_assert_uint_eq(c.facts.nalerts, 1);
	ck_assert(!c.facts.alerts[0].encrypted);
	ck_assert_uint_eq(c.facts.alerts[0].desc, 47);
	ck_assert_int_eq(c.facts.alerts[0].after_hs_type, T_SERVER_HELLO);
	tls_conn_free(&c);
	bb_free(&ch);
	bb_free(&m);
	bb_free(&hs);
	bb_free(&in);
}
END_TEST

/*
 * Gaps.
 */

START_TEST(test_gaps)
{
	struct tls_conn c;
	struct bb ch, in;
	uint8_t body[100];
	int st;

	memset(body, 0x33, sizeof(body));
	bb_init(&ch);
	client_hello_records(&ch, FXC_ALL);

	/* In the middle of the ClientHello: the direction stops. */
	tls_conn_init(&c, NULL, NULL);
	ck_assert_int_gt(feed(&c, 0, ch.p, 50, 1), 0);
	st = tls_conn_gap(&c, 0, 10, 2);
	ck_assert_int_eq(st, TLS_E_GAP);
	ck_assert_uint_eq(c.facts.dir[0].stop, TLS_STOP_GAP);
	ck_assert_uint_eq(c.facts.anomaly[TLS_ANOM_GAP_STOP], 1);
	ck_assert_int_eq(feed(&c, 0, ch.p + 60, ch.len - 60, 3), TLS_E_GAP);
	ck_assert(!c.facts.ch_seen);
	ck_assert_uint_eq(c.facts.dir[0].gap_bytes, 10);
	/* Another gap on a stopped direction is only counted. */
	ck_assert_int_eq(tls_conn_gap(&c, 0, 5, 4), TLS_E_GAP);
	ck_assert_uint_eq(c.facts.dir[0].gaps, 2);
	ck_assert_uint_eq(c.facts.anomaly[TLS_ANOM_GAP_STOP], 1);
	tls_conn_free(&c);

	/* Inside an application data record: skipped, framing kept. */
	bb_init(&in);
	bb_records(&in, CT_APP, 0x0303, body, 100, 0);
	bb_records(&in, CT_ALERT, 0x0303, (const uint8_t *)"\x01\x00", 2, 0);
	tls_conn_init(&c, NULL, NULL);
	ck_assert_int_eq(feed(&c, 1, in.p, 5 + 20, 1), 80);
	ck_assert_int_eq(tls_conn_gap(&c, 1, 30, 2), 50);
	ck_assert_int_eq(feed(&c, 1, in.p + 55, in.len - 55, 3), 0);
	ck_assert_uint_eq(c.facts.dir[1].stop, TLS_STOP_NONE);
	ck_assert_uint_eq(c.facts.anomaly[TLS_ANOM_GAP_SKIPPED], 1);
	ck_assert_uint_eq(c.facts.nalerts, 1);
	ck_assert_uint_eq(c.facts.dir[1].enc[0].len, 100);
	/* A gap ending exactly at the record's end also keeps framing. */
	bb_free(&in);
	bb_init(&in);
	bb_records(&in, CT_APP, 0x0303, body, 40, 0);
	bb_records(&in, CT_ALERT, 0x0303, (const uint8_t *)"\x01\x00", 2, 0);
	ck_assert_int_eq(feed(&c, 1, in.p, 5, 4), 40);
	ck_assert_int_eq(tls_conn_gap(&c, 1, 40, 5), 0);
	ck_assert_int_eq(feed(&c, 1, in.p + 45, in.len - 45, 6), 0);
	ck_assert_uint_eq(c.facts.nalerts, 2);
	/* A gap running past the record's end: framing is lost. */
	ck_assert_int_eq(feed(&c, 1, in.p, 10, 7), 35);
	ck_assert_int_eq(tls_conn_gap(&c, 1, 36, 8), TLS_E_GAP);
	ck_assert_uint_eq(c.facts.log_last.kind, TLS_LOG_STOP);
	tls_conn_free(&c);
	bb_free(&in);

	/* Bad direction values. */
	tls_conn_init(&c, NULL, NULL);
	ck_assert_int_eq(tls_conn_gap(&c, 2, 1, 1), TLS_E_ARG);
	ck_assert_int_eq(tls_conn_feed(&c, -1, ch.p, 1, 1), TLS_E_ARG);
	ck_assert_int_eq(tls_conn_feed(&c, 0, NULL, 1, 1), TLS_E_ARG);
	ck_assert_uint_eq(c.facts.dir[0].bytes, 0);
	tls_conn_free(&c);
	bb_free(&ch);
}
END_TEST

/*
 * Streams that are not TLS, and SSLv2.
 */

START_TEST(test_not_tls)
{
	static const struct {
		int dir;
		const char *s;
		enum tls_detect_kind kind;
	} t[] = {
	    {0, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", TLS_DETECT_HTTP_REQUEST},
	    {1, "HTTP/1.1 400 Bad Request\r\n", TLS_DETECT_HTTP_RESPONSE},
	    {1, "SSH-2.0-OpenSSH_9.6\r\n", TLS_DETECT_SSH},
	    {1, "220 smtp.example ESMTP\r\n", TLS_DETECT_SMTP_FTP},
	    {1, "+OK ready\r\n", TLS_DETECT_POP3},
	    {1, "* OK ready\r\n", TLS_DETECT_IMAP},
	    {0, "\x00\x01\x02\x03\x04\x05", TLS_DETECT_UNKNOWN},
	};
	struct tls_conn c;
	size_t i, k, n;
	int st;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = strlen(t[i].s);
		if (n == 0)
			n = 6;
		static const uint8_t zeros[1024];

		tls_conn_init(&c, NULL, NULL);
		/* Byte by byte: "need more" until decided, then 0 while the
		 * plaintext is watched for TLS starting later. */
		for (k = 0; k < n; k++) {
			st = feed(&c, t[i].dir, (const uint8_t *)t[i].s + k, 1,
				  10);
			if (c.facts.dir[t[i].dir].detect == TLS_DETECT_NEED_MORE)
				ck_assert_int_eq(st, 1);
			else
				ck_assert_int_eq(st, 0);
		}
		ck_assert_uint_eq(c.facts.dir[t[i].dir].detect, t[i].kind);
		ck_assert_uint_eq(c.facts.dir[t[i].dir].stop, TLS_STOP_NONE);
		/* TLS_UPGRADE_SCAN_MAX bytes without TLS: not TLS. */
		for (k = n; k < TLS_UPGRADE_SCAN_MAX; k += sizeof(zeros))
			st = feed(&c, t[i].dir, zeros, sizeof(zeros), 10);
		ck_assert_int_eq(st, TLS_E_NOT_TLS);
		ck_assert(!c.facts.dir[t[i].dir].upgraded);
		n = c.facts.dir[t[i].dir].bytes;
		ck_assert_uint_eq(c.facts.dir[t[i].dir].stop, TLS_STOP_NOT_TLS);
		ck_assert_uint_eq(c.facts.anomaly[TLS_ANOM_NOT_TLS], 1);
		ck_assert_uint_eq(c.facts.dir[t[i].dir].bytes, n);
		ck_assert_uint_eq(c.facts.dir[1 - t[i].dir].detect,
				  TLS_DETECT_NEED_MORE);
		tls_conn_free(&c);
	}
}
END_TEST

/* Plaintext, then TLS: STARTTLS after a line, a ClientHello after an
 * HTTP CONNECT reply in the same chunk, after a PROXY v2 header, and not in
 * the middle of a line. */
START_TEST(test_upgrade)
{
	static const char *const pre[] = {
	    "EHLO client\r\nSTARTTLS\r\n",
	    "CONNECT example.com:443 HTTP/1.1\r\nHost: x\r\n\r\n",
	    "PROXY TCP4 192.0.2.1 192.0.2.2 5000 443\r\n",
	};
	static const uint8_t proxy2[] = {
	    0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54,
	    0x0a, 0x21, 0x11, 0x00, 0x0c, 192, 0, 2, 1, 192, 0, 2, 2, 0x13,
	    0x88, 0x01, 0xbb};
	struct tls_conn c;
	uint8_t buf[2048];
	size_t i, n;

	for (i = 0; i < 3; i++) {
		/* As a separate chunk, and in the same chunk. */
		tls_conn_init(&c, NULL, NULL);
		(void)feed(&c, 0, (const uint8_t *)pre[i], strlen(pre[i]), 10);
		ck_assert(!tls_detect_is_tls(c.facts.dir[0].detect));
		(void)feed(&c, 0, cap_tls12_c2s, sizeof(cap_tls12_c2s), 11);
		ck_assert_msg(c.facts.dir[0].upgraded, "%s", pre[i]);
		ck_assert(c.facts.ch_seen);
		ck_assert_uint_eq(c.facts.dir[0].upgrade_offset, strlen(pre[i]));
		tls_conn_free(&c);

		n = strlen(pre[i]);
		memcpy(buf, pre[i], n);
		memcpy(buf + n, cap_tls12_c2s, sizeof(cap_tls12_c2s));
		tls_conn_init(&c, NULL, NULL);
		(void)feed(&c, 0, buf, n + sizeof(cap_tls12_c2s), 10);
		ck_assert(c.facts.dir[0].upgraded);
		ck_assert(c.facts.ch_seen);
		tls_conn_free(&c);
	}

	memcpy(buf, proxy2, sizeof(proxy2));
	memcpy(buf + sizeof(proxy2), cap_tls12_c2s, sizeof(cap_tls12_c2s));
	tls_conn_init(&c, NULL, NULL);
	(void)feed(&c, 0, buf, sizeof(proxy2) + sizeof(cap_tls12_c2s), 10);
	ck_assert(c.facts.dir[0].upgraded);
	ck_assert_uint_eq(c.facts.dir[0].upgrade_offset, sizeof(proxy2));
	ck_assert(c.facts.ch_seen);
	tls_conn_free(&c);

	/* A record header in the middle of a line is plaintext. */
	memcpy(buf, "XX", 2);
	memcpy(buf + 2, cap_tls12_c2s, sizeof(cap_tls12_c2s));
	tls_conn_init(&c, NULL, NULL);
	(void)feed(&c, 0, buf, 2 + sizeof(cap_tls12_c2s), 10);
	ck_assert(!c.facts.dir[0].upgraded);
	ck_assert(!c.facts.ch_seen);
	tls_conn_free(&c);
}
END_TEST

/* PostgreSQL: the server answers SSLRequest with the byte 'S' and often
 * sends its ServerHello in the same segment. */
START_TEST(test_upgrade_postgres)
{
	static const uint8_t sslrequest[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16,
					      0x2f};
	struct tls_conn c;
	uint8_t buf[4096];

	ck_assert_uint_le(1 + sizeof(cap_tls12_s2c), sizeof(buf));
	buf[0] = 'S';
	memcpy(buf + 1, cap_tls12_s2c, sizeof(cap_tls12_s2c));
	tls_conn_init(&c, NULL, NULL);
	(void)feed(&c, 0, sslrequest, sizeof(sslrequest), 10);
	(void)feed(&c, 0, cap_tls12_c2s, sizeof(cap_tls12_c2s), 11);
	ck_assert(c.facts.dir[0].upgraded);
	(void)feed(&c, 1, buf, 1 + sizeof(cap_tls12_s2c), 12);
	ck_assert(c.facts.dir[1].upgraded);
	ck_assert_uint_eq(c.facts.dir[1].upgrade_offset, 1);
	ck_assert(c.facts.sh_seen);
	tls_conn_free(&c);
}
END_TEST

START_TEST(test_sslv2_hello)
{
	struct tls_conn c;
	struct bb v2, in, m, hs;
	int st;

	bb_init(&v2);
	bb_u16(&v2, 0x8000 | (9 + 9 + 16));
	bb_u8(&v2, 1);
	bb_u16(&v2, 0x0301);
	bb_u16(&v2, 9);
	bb_u16(&v2, 0);
	bb_u16(&v2, 16);
	bb_put(&v2, "\x07\x00\xc0\x00\x00\x35\x00\x00\x2f", 9);
	bb_fill(&v2, 0xcc, 16);
	/* Then the client goes on in TLS records (its ClientKeyExchange). */
	bb_records(&v2, CT_HS, 0x0301,
		   (const uint8_t *)"\x10\x00\x00\x02\x00\x00", 6, 0);
	bb_init(&m);
	bb_init(&hs);
	bb_init(&in);
	fx_server_hello(&m, 0, 0x0035);
	bb_hs(&hs, T_SERVER_HELLO, &m);
	bb_records(&in, CT_HS, 0x0301, hs.p, hs.len, 0);
	tls_conn_init(&c, NULL, NULL);
	st = feed(&c, 0, v2.p, 36, 1);
	ck_assert_int_eq(st, 0);
	ck_assert_int_eq(feed(&c, 1, in.p, in.len, 2), 0);
	ck_assert_int_eq(feed(&c, 0, v2.p + 36, v2.len - 36, 3), 0);
	ck_assert_uint_eq(c.facts.dir[0].detect, TLS_DETECT_SSLV2_HELLO);
	ck_assert(c.facts.ch_seen && c.facts.ch.sslv2 && !c.facts.ch.malformed);
	ck_assert_uint_eq(c.facts.ch.legacy_version, 0x0301);
	ck_assert_uint_eq(c.facts.ch.nsuites, 2);
	ck_assert_uint_eq(c.facts.ch.sslv2_specs, 3);
	ck_assert_uint_eq(c.facts.log[0].kind, TLS_LOG_SSLV2_HELLO);
	ck_assert_uint_eq(c.facts.sh.cipher, 0x0035);
	ck_assert_uint_eq(c.facts.cke_len, 2);
	ck_assert_uint_eq(c.facts.dir[0].records, 1);
	ck_assert_int_eq(c.facts.client_dir, 0);
	tls_conn_free(&c);
	bb_free(&v2);
	bb_free(&m);
	bb_free(&hs);
	bb_free(&in);
}
END_TEST

/* The sides were guessed wrong: the ClientHello came as direction 1. */
START_TEST(test_swap)
{
	struct tls_conn c;
	struct bb ch, m, hs, in;

	bb_init(&ch);
	bb_init(&m);
	bb_init(&hs);
	bb_init(&in);
	client_hello_records(&ch, FXC_SNI);
	fx_server_hello(&m, 0, 0xc02f);
	bb_hs(&hs, T_SERVER_HELLO, &m);
	bb_records(&in, CT_HS, 0x0303, hs.p, hs.len, 0);
	tls_conn_init(&c, NULL, NULL);
	/* The ClientHello, cut in the middle of the record. */
	ck_assert_int_gt(feed(&c, 1, ch.p, 20, 1), 0);
	tls_conn_swap(&c);
	ck_assert_int_eq(feed(&c, 0, ch.p + 20, ch.len - 20, 2), 0);
	ck_assert_int_eq(feed(&c, 1, in.p, in.len, 3), 0);
	ck_assert(c.facts.ch_seen && c.facts.sh_seen);
	ck_assert_int_eq(c.facts.client_dir, 0);
	ck_assert_int_eq(c.facts.server_dir, 1);
	ck_assert_uint_eq(c.facts.dir[0].bytes, ch.len);
	ck_assert_uint_eq(c.facts.anomaly[TLS_ANOM_UNEXPECTED_MESSAGE], 0);
	tls_conn_free(&c);
	bb_free(&ch);
	bb_free(&m);
	bb_free(&hs);
	bb_free(&in);
}
END_TEST

/*
 * Decryption with a key log: real handshakes of tests/fixtures/tlsdec (the
 * records of one connection and the client's key log lines), fed with a
 * key source; what was encrypted must come out in the facts exactly as
 * plaintext would, marked decrypted.
 */

#define DFIX "tests/fixtures/tlsdec/"
#define DREC_MAX 64

struct drec {
	int dir;
	uint8_t *b;
	size_t len;
};

struct dconn {
	struct drec r[DREC_MAX];
	unsigned n;
	struct keylog_store ks;
	unsigned lookups;
};

static size_t
dunhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned v;

	while (*s != '\0' && *s != '\n' && *s != '\r') {
		ck_assert_int_eq(sscanf(s, "%2x", &v), 1);
		ck_assert_uint_lt(n, max);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/* Records and key log of fixture `name`; `flip`: alter every secret (one
 * hex digit), as a key log of another run would be. */
static void
dload(struct dconn *dc, const char *name, bool flip)
{
	char path[256], *line = NULL;
	size_t cap = 0, n;
	ssize_t got;
	FILE *f;

	memset(dc, 0, sizeof(*dc));
	snprintf(path, sizeof(path), DFIX "%s.records", name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	while ((got = getline(&line, &cap, f)) > 0) {
		if (line[0] == '#')
			continue;
		ck_assert_uint_lt(dc->n, DREC_MAX);
		n = (size_t)got / 2;
		dc->r[dc->n].b = malloc(n);
		ck_assert_ptr_nonnull(dc->r[dc->n].b);
		dc->r[dc->n].dir = line[0] == 'c' ? TLS_DIR_C2S : TLS_DIR_S2C;
		dc->r[dc->n].len = dunhex(line + 2, dc->r[dc->n].b, n);
		dc->n++;
	}
	fclose(f);
	keylog_store_init(&dc->ks, 0, NULL);
	snprintf(path, sizeof(path), DFIX "%s.keylog", name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	while ((got = getline(&line, &cap, f)) > 0) {
		if (line[got - 1] == '\n')
			line[--got] = '\0';
		if (flip && got > 1 && line[0] != '#')
			line[got - 1] = line[got - 1] == '0' ? '1' : '0';
		(void)keylog_add_line(&dc->ks, line, (size_t)got);
	}
	free(line);
	fclose(f);
	ck_assert_uint_eq(dc->ks.entries, 1);
}

static void
dfree(struct dconn *dc)
{
	unsigned i;

	for (i = 0; i < dc->n; i++)
		free(dc->r[i].b);
	keylog_store_free(&dc->ks);
}

static bool
dkeys(void *arg, const uint8_t client_random[32], struct keylog_secrets *out)
{
	struct dconn *dc = arg;

	dc->lookups++;
	return keylog_lookup(&dc->ks, client_random, out);
}

/* Feed one record in chunks of `step` bytes (0: whole). */
static void
dfeed_rec(struct tls_conn *c, const struct drec *r, size_t step, uint64_t ts)
{
	size_t off, k;
	uint8_t *p;

	if (step == 0)
		step = r->len;
	for (off = 0; off < r->len; off += k) {
		k = r->len - off < step ? r->len - off : step;
		p = malloc(k);
		ck_assert_ptr_nonnull(p);
		memcpy(p, r->b + off, k);
		ck_assert_int_ge(tls_conn_feed(c, r->dir, p, k, ts), 0);
		free(p);
	}
}

/* Free a test's conn (all it was charged must come back) and fixture. */
static void
dend(struct dconn *dc, struct tls_conn *c, struct membudget *mb)
{
	tls_conn_free(c);
	ck_assert_uint_eq(mb->used, 0);
	dfree(dc);
	free(c);
	free(dc);
}

/* The fixtures list each direction's records in its own order.  Feed
 * them in an order a capture could show: the sides take turns, each
 * sending at least one record and going on while its next record is a
 * handshake or alert record (a flight), so that each hello arrives before
 * the records protected with its keys. */
static void
dfeed(struct dconn *dc, struct tls_conn *c, bool keys, size_t step)
{
	unsigned next[2] = {0, 0}, i;
	int side = TLS_DIR_C2S;
	uint64_t ts = 1000;
	bool fed;

	if (keys)
		tls_conn_set_keys(c, dkeys, dc);
	for (;;) {
		fed = false;
		for (i = next[side]; i < dc->n; i++) {
			if (dc->r[i].dir != side)
				continue;
			if (fed && dc->r[i].b[0] != CT_HS &&
			    dc->r[i].b[0] != CT_ALERT)
				break;
			dfeed_rec(c, &dc->r[i], step, ts++);
			fed = true;
		}
		next[side] = i;
		if (!fed && next[1 - side] >= dc->n)
			break;
		side = 1 - side;
		if (!fed) {
			/* This side is done: is the other? */
			for (i = next[side]; i < dc->n; i++)
				if (dc->r[i].dir == side)
					break;
			if (i >= dc->n)
				break;
		}
	}
}

struct dcase {
	const char *name;
	bool tls13;
	int alert_dir;	/* first alert's sender; -1: none */
	uint8_t alert_level, alert_desc;
	bool c_fin;	/* the client's Finished is in the records */
};

static const struct dcase dcases[] = {
    /* gnutls-cli refuses the chain: bad_certificate, under its handshake
     * keys, the alert a capture without keys cannot read. */
    {"tls13-gnutls-cert_untrusted_ca", true, TLS_DIR_C2S, 2, 42, false},
    {"tls13-openssl-ok", true, TLS_DIR_C2S, 1, 0, true},
    {"tls13-nginx-curl-ok", true, TLS_DIR_C2S, 1, 0, true},
    {"tls13-openssl-ok-hrr", true, TLS_DIR_C2S, 1, 0, true},
    {"tls13-chacha20-padded", true, TLS_DIR_C2S, 1, 0, true},
    {"tls13-aes128ccm8", true, TLS_DIR_C2S, 1, 0, true},
    {"tls12-aes128gcm", false, TLS_DIR_C2S, 1, 0, true},
    {"tls12-chacha20", false, TLS_DIR_C2S, 1, 0, true},
    {"tls12-aes256ccm8", false, TLS_DIR_C2S, 1, 0, true},
    /* CBC: encrypt_then_mac as the ServerHello agreed (TLS 1.2 and 1.1),
     * MAC-then-encrypt, TLS 1.0's chained IVs, 3DES. */
    {"tls12-aes128cbc-etm", false, TLS_DIR_C2S, 1, 0, true},
    {"tls11-aes256cbc-etm", false, TLS_DIR_C2S, 1, 0, true},
    {"tls12-aes256cbc-sha384", false, TLS_DIR_C2S, 1, 0, true},
    {"tls10-aes128cbc", false, TLS_DIR_C2S, 1, 0, true},
    {"tls12-3des", false, TLS_DIR_S2C, 1, 0, true},
};

/* Each fixture, whole records and then byte by byte: the certificate
 * chain (TLS 1.3), the Finished messages and the alerts are decoded from
 * the decrypted records and marked so; nothing fails to open; the budget
 * goes back to zero. */
START_TEST(test_keylog_decrypt)
{
	const struct dcase *dcs = &dcases[_i / 2];
	size_t step = _i % 2 == 0 ? 0 : 1;
	struct membudget mb = {0, 0, 0, 0, NULL};
	struct dconn *dc = malloc(sizeof(*dc));
	struct tls_conn *c = malloc(sizeof(*c));
	const struct tls_facts *f = &c->facts;
	const struct tls_certs *sc = &f->cert[TLS_DIR_S2C];
	const struct tls_alert *a = &f->alerts[0];
	unsigned i;

	ck_assert_ptr_nonnull(dc);
	ck_assert_ptr_nonnull(c);
	dload(dc, dcs->name, false);
	tls_conn_init(c, NULL, &mb);
	dfeed(dc, c, true, step);
	ck_assert(f->keys_found);
	ck_assert_uint_ge(dc->lookups, 1);
	ck_assert_uint_le(dc->lookups, TLS_KEYS_TRIES);
	ck_assert_int_eq(f->tls13, dcs->tls13);
	ck_assert_uint_eq(f->dec_failed[0], 0);
	ck_assert_uint_eq(f->dec_failed[1], 0);
	ck_assert_uint_eq(f->anomaly[TLS_ANOM_DECRYPT_FAILED], 0);
	ck_assert_uint_gt(f->dec_records[TLS_DIR_S2C], 0);
	ck_assert_uint_ne(f->finished_len[TLS_DIR_S2C], 0);
	ck_assert_int_eq(f->finished_len[TLS_DIR_C2S] != 0, dcs->c_fin);
	if (dcs->tls13) {
		/* RFC 8446 4.4.2: the TLS 1.3 form, read from type-23
		 * records: the leaf and the CA that signed it. */
		ck_assert(sc->present && sc->decrypted && sc->tls13);
		ck_assert(!sc->malformed);
		ck_assert_uint_ge(sc->ncerts, 1);
		for (i = 0; i < sc->ncerts; i++)
			ck_assert_uint_gt(sc->cert[i].len, 100);
		ck_assert(f->ee.present);
		ck_assert(f->dir[TLS_DIR_S2C].hs_mask & (1u << T_CERTIFICATE));
		/* Every encrypted record kept says what it really was. */
		for (i = 0; i < f->dir[TLS_DIR_S2C].nenc && i < 4; i++)
			ck_assert_uint_eq(f->dir[TLS_DIR_S2C].enc[i].inner,
					  CT_HS);
	} else {
		ck_assert(!sc->decrypted);
	}
	ck_assert_uint_ge(f->nalerts, 1);
	ck_assert_int_eq(a->dir, dcs->alert_dir);
	ck_assert_uint_eq(a->level, dcs->alert_level);
	ck_assert_uint_eq(a->desc, dcs->alert_desc);
	ck_assert(a->decrypted && !a->encrypted);
	ck_assert(f->log[a->log_index].flags & TLS_LOGF_DECRYPTED);
	dend(dc, c, &mb);
}
END_TEST

/* TLS 1.3 KeyUpdate (RFC 8446 7.2): each side's records after its
 * KeyUpdate are under the next application traffic secret, derived from
 * the current one (the key log has only *_TRAFFIC_SECRET_0).  The client
 * asks for an update, the server answers with its own; the request, the
 * page and both close_notify alerts after them are opened and read.
 * Whole records, then byte by byte. */
START_TEST(test_keylog_key_update)
{
	struct membudget mb = {0, 0, 0, 0, NULL};
	struct dconn *dc = malloc(sizeof(*dc));
	struct tls_conn *c = malloc(sizeof(*c));
	const struct tls_facts *f = &c->facts;
	unsigned i, ku[2] = {0, 0}, cn[2] = {0, 0};

	ck_assert_ptr_nonnull(dc);
	ck_assert_ptr_nonnull(c);
	dload(dc, "tls13-openssl-keyupdate", false);
	tls_conn_init(c, NULL, &mb);
	dfeed(dc, c, true, _i == 0 ? 0 : 1);
	ck_assert(f->keys_found && f->tls13);
	ck_assert_uint_eq(f->dec_failed[TLS_DIR_C2S], 0);
	ck_assert_uint_eq(f->dec_failed[TLS_DIR_S2C], 0);
	ck_assert_uint_eq(f->anomaly[TLS_ANOM_DECRYPT_FAILED], 0);
	/* Client: Finished, KeyUpdate, request, close_notify.  Server:
	 * EncryptedExtensions, Certificate, CertificateVerify, Finished, two
	 * NewSessionTickets, KeyUpdate, page, close_notify. */
	ck_assert_uint_eq(f->dec_records[TLS_DIR_C2S], 4);
	ck_assert_uint_eq(f->dec_records[TLS_DIR_S2C], 9);
	for (i = 0; i < f->nlog; i++)
		if (f->log[i].kind == TLS_LOG_HANDSHAKE &&
		    f->log[i].type == 24) {
			ck_assert(f->log[i].flags & TLS_LOGF_DECRYPTED);
			ku[f->log[i].dir & 1]++;
		}
	ck_assert_uint_eq(ku[TLS_DIR_C2S], 1);
	ck_assert_uint_eq(ku[TLS_DIR_S2C], 1);
	ck_assert_uint_eq(f->nalerts, 2);
	for (i = 0; i < f->nalerts; i++) {
		ck_assert(f->alerts[i].decrypted && !f->alerts[i].encrypted);
		ck_assert_uint_eq(f->alerts[i].level, 1);
		ck_assert_uint_eq(f->alerts[i].desc, 0);
		cn[f->alerts[i].dir & 1]++;
	}
	ck_assert_uint_eq(cn[TLS_DIR_C2S], 1);
	ck_assert_uint_eq(cn[TLS_DIR_S2C], 1);
	dend(dc, c, &mb);
}
END_TEST

/* Without a key source nothing is decrypted; with keys that do not open
 * the records (another run's), each direction's first protected record is
 * counted as failed and the facts are those of a conn without keys. */
START_TEST(test_keylog_wrong_keys)
{
	static const char *const names[] = {
	    "tls13-gnutls-cert_untrusted_ca", "tls12-aes128gcm",
	    "tls12-aes256cbc-sha384", "tls12-aes128cbc-etm"};
	const char *name = names[_i];
	struct membudget mb = {0, 0, 0, 0, NULL};
	struct dconn *dc = malloc(sizeof(*dc));
	struct tls_conn *plain = malloc(sizeof(*plain));
	struct tls_conn *bad = malloc(sizeof(*bad));
	const struct tls_facts *p = &plain->facts, *b = &bad->facts;
	int d;

	ck_assert_ptr_nonnull(dc);
	ck_assert_ptr_nonnull(plain);
	ck_assert_ptr_nonnull(bad);
	dload(dc, name, false);
	tls_conn_init(plain, NULL, &mb);
	dfeed(dc, plain, false, 0);
	ck_assert(!p->keys_found);
	ck_assert_uint_eq(dc->lookups, 0);
	dfree(dc);
	dload(dc, name, true);
	tls_conn_init(bad, NULL, &mb);
	dfeed(dc, bad, true, 0);
	ck_assert(b->keys_found);
	for (d = 0; d < 2; d++) {
		ck_assert_uint_eq(p->dec_records[d], 0);
		ck_assert_uint_eq(b->dec_records[d], 0);
		ck_assert_uint_eq(b->dec_failed[d], 1);
		ck_assert_uint_eq(b->dir[d].enc_total, p->dir[d].enc_total);
		ck_assert_uint_eq(b->dir[d].appdata_records,
				  p->dir[d].appdata_records);
		ck_assert_uint_eq(b->finished_len[d], p->finished_len[d]);
		ck_assert(!b->cert[d].decrypted);
	}
	ck_assert_uint_eq(b->anomaly[TLS_ANOM_DECRYPT_FAILED], 2);
	ck_assert_int_eq(b->cert[TLS_DIR_S2C].present,
			 p->cert[TLS_DIR_S2C].present);
	ck_assert_uint_eq(b->nalerts, p->nalerts);
	ck_assert_uint_eq(b->nalerts > 0 ? b->alerts[0].encrypted : 0,
			  p->nalerts > 0 ? p->alerts[0].encrypted : 0);
	tls_conn_free(plain);
	tls_conn_free(bad);
	ck_assert_uint_eq(mb.used, 0);
	dfree(dc);
	free(plain);
	free(bad);
	free(dc);
}
END_TEST

/* A budget too small for a whole protected record: the record is not
 * buffered (hs_mem_refused), the direction falls back to sizes, nothing
 * leaks. */
START_TEST(test_keylog_budget)
{
	struct membudget mb = {0, 0, 0, 0, NULL};
	struct dconn *dc = malloc(sizeof(*dc));
	struct tls_conn *c = malloc(sizeof(*c));
	const struct tls_facts *f = &c->facts;

	ck_assert_ptr_nonnull(dc);
	ck_assert_ptr_nonnull(c);
	dload(dc, "tls13-gnutls-cert_untrusted_ca", false);
	/* Enough for the hellos' buffers (freed or adopted as they go),
	 * not for the 1876-byte record carrying the Certificate. */
	mb.cap = 1500;
	tls_conn_init(c, NULL, &mb);
	dfeed(dc, c, true, 0);
	ck_assert_uint_gt(f->anomaly[TLS_ANOM_HS_MEM_REFUSED], 0);
	ck_assert(!f->cert[TLS_DIR_S2C].present);
	ck_assert_uint_eq(f->dir[TLS_DIR_S2C].enc_total, 6);
	dend(dc, c, &mb);
}
END_TEST

static Suite *
tls_record_suite(void)
{
	Suite *s = suite_create("tls_record");
	TCase *tc = tcase_create("core");
	TCase *sw = tcase_create("sweeps");

	tcase_add_test(tc, test_capture_tls12);
	tcase_add_test(tc, test_capture_tls13);
	tcase_add_test(tc, test_capture_hrr);
	tcase_add_test(tc, test_fragmentation);
	tcase_add_test(tc, test_need_more);
	tcase_add_test(tc, test_cert_16mb);
	tcase_add_test(tc, test_claim_costs_what_arrives);
	tcase_add_loop_test(tc, test_hs_cap_boundary, 0, 3);
	tcase_add_test(tc, test_hs_cap_config);
	tcase_add_test(tc, test_record_too_long);
	tcase_add_test(tc, test_record_bad_type_and_version);
	tcase_add_test(tc, test_budget_refused);
	tcase_add_test(tc, test_alerts);
	tcase_add_test(tc, test_many_records);
	tcase_add_test(tc, test_empty_heartbeat_ccs);
	tcase_add_test(tc, test_ccs_cuts_message);
	tcase_add_test(tc, test_ccs_client_only_resumption);
	tcase_add_loop_test(tc, test_openvpn, 0, 2);
	tcase_add_test(tc, test_tls13_rejected_flight);
	tcase_add_test(tc, test_gaps);
	tcase_add_test(tc, test_not_tls);
	tcase_add_test(tc, test_upgrade);
	tcase_add_test(tc, test_upgrade_postgres);
	tcase_add_test(tc, test_sslv2_hello);
	tcase_add_test(tc, test_swap);
	tcase_add_loop_test(tc, test_keylog_decrypt, 0,
			    2 * (int)(sizeof(dcases) / sizeof(dcases[0])));
	tcase_add_loop_test(tc, test_keylog_wrong_keys, 0, 4);
	tcase_add_loop_test(tc, test_keylog_key_update, 0, 2);
	tcase_add_test(tc, test_keylog_budget);
	suite_add_tcase(s, tc);

	/* The sweeps feed thousands of connections; under valgrind they
	 * need more than Check's default 4 seconds. */
	tcase_set_timeout(sw, 600);
	tcase_add_loop_test(sw, test_sweep_split, 0, NCAPS);
	tcase_add_loop_test(sw, test_sweep_chunks, 0, NCAPS);
	tcase_add_loop_test(sw, test_sweep_truncation, 0, NCAPS);
	tcase_add_loop_test(sw, test_sweep_flip, 0, NCAPS);
	suite_add_tcase(s, sw);
	return s;
}

TEST_MAIN(tls_record_suite)
