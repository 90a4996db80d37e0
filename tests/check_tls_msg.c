/* check_tls_msg.c -- unit tests for tls_msg: handshake messages to facts.
 *
 * Messages are built with tests/fixtures/tls_build.h, which remembers every
 * length field it wrote; the sweeps set each one too long, too short, zero
 * and huge, and the decoder must flag the message (never crash, never read
 * outside it: each body is decoded from a heap copy of exactly its size).
 * Then every message type and every decoded extension is checked field by
 * field, with lists at their caps (N-1, N, N+1).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "fixtures/tls_build.h"
#include "tlsdiag/tls_msg.h"

/* Handshake types, as on the wire (tls_names.h is another module's). */
enum {
	T_CLIENT_HELLO = 1,
	T_SERVER_HELLO = 2,
	T_NEW_SESSION_TICKET = 4,
	T_ENCRYPTED_EXTENSIONS = 8,
	T_CERTIFICATE = 11,
	T_SERVER_KEY_EXCHANGE = 12,
	T_CERTIFICATE_REQUEST = 13,
	T_SERVER_HELLO_DONE = 14,
	T_CLIENT_KEY_EXCHANGE = 16,
	T_FINISHED = 20,
	T_CERTIFICATE_STATUS = 22,
};

static uint8_t *
heap_copy(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n > 0 ? n : 1);

	ck_assert_ptr_nonnull(q);
	if (n > 0)
		memcpy(q, p, n);
	return q;
}

static int
decode_ch(const uint8_t *p, size_t n, struct tls_client_hello *ch)
{
	uint8_t *q = heap_copy(p, n);
	struct cur c = cur_make(q, n);
	int st = tls_msg_client_hello(&c, ch);

	free(q);
	return st;
}

static int
decode_sh(const uint8_t *p, size_t n, struct tls_server_hello *sh)
{
	uint8_t *q = heap_copy(p, n);
	struct cur c = cur_make(q, n);
	int st = tls_msg_server_hello(&c, sh);

	free(q);
	return st;
}

static int
decode_v2(const uint8_t *p, size_t n, struct tls_client_hello *ch)
{
	uint8_t *q = heap_copy(p, n);
	struct cur c = cur_make(q, n);
	int st = tls_msg_sslv2_hello(&c, ch);

	free(q);
	return st;
}

/* Hand a message to the facts as tls_record does: in a heap buffer of
 * exactly its length, adopted or freed afterwards. */
static void
give(struct tls_facts *f, struct membudget *mb, int dir, uint8_t type,
     const struct bb *body)
{
	uint8_t *buf = body->len > 0 ? heap_copy(body->p, body->len) : NULL;

	ck_assert(mem_reserve(mb, body->len));
	tls_msg_handshake(f, mb, dir, type, &buf, (uint32_t)body->len, false,
			  1000);
	if (buf != NULL) {
		free(buf);
		mem_release(mb, body->len);
	}
}

/*
 * ClientHello.
 */

/* TLS 1.3 drafts before -22 had no session id and no compression in the
 * ServerHello (draft-ietf-tls-tls13-21 4.1.3); from -22 on, the final
 * layout.  Seen on the public corpus (drafts 14, 18, 19). */
START_TEST(test_sh_tls13_draft)
{
	static const uint8_t draft18[] = {
	    0x7f, 0x12,					/* draft-18 */
	    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
	    19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
	    0x13, 0x02,					/* cipher */
	    0x00, 0x08,					/* extensions */
	    0x00, 0x28, 0x00, 0x04, 0x00, 0x1d, 0x00, 0x00 /* key_share */
	};
	static const uint8_t draft22[] = {
	    0x03, 0x03,
	    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
	    19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
	    0x00,					/* session id */
	    0x13, 0x01, 0x00,				/* cipher, comp */
	    0x00, 0x06, 0x00, 0x2b, 0x00, 0x02, 0x7f, 0x16 /* versions */
	};
	static const uint8_t draft14_0304[] = {
	    0x03, 0x04,
	    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
	    19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
	    0xc0, 0x2b,					/* cipher */
	    0x00, 0x09,					/* extensions */
	    0x00, 0x28, 0x00, 0x05, 0x00, 0x17, 0x00, 0x01, 0x04 /* key_share */
	};
	struct tls_server_hello sh;

	ck_assert_int_eq(decode_sh(draft18, sizeof(draft18), &sh), TLS_OK);
	ck_assert(!sh.malformed);
	ck_assert_uint_eq(sh.legacy_version, 0x7f12);
	ck_assert_uint_eq(sh.cipher, 0x1302);
	ck_assert_uint_eq(sh.next, 1);
	ck_assert_int_eq(decode_sh(draft22, sizeof(draft22), &sh), TLS_OK);
	ck_assert(!sh.malformed);
	ck_assert_uint_eq(sh.cipher, 0x1301);
	ck_assert_uint_eq(sh.selected_version, 0x7f16);
	/* An early draft implementation (suricata-verify tls13-draft14)
	 * wrote 0x0304 in the draft layout; the final one never does. */
	ck_assert_int_eq(decode_sh(draft14_0304, sizeof(draft14_0304), &sh),
			 TLS_OK);
	ck_assert(!sh.malformed);
	ck_assert_uint_eq(sh.legacy_version, 0x0304);
	ck_assert_uint_eq(sh.cipher, 0xc02b);
	ck_assert_uint_eq(sh.session_id_len, 0);
	ck_assert_uint_eq(sh.next, 1);
	ck_assert_uint_eq(sh.ext[0], 0x0028); /* the draft's key_share */
}
END_TEST

START_TEST(test_ch_full)
{
	struct bb b;
	struct tls_client_hello ch;
	static const uint16_t want_ext[] = {
	    FX_GREASE_EXT, 0,	   5,  10, 11, 13, 16, 23, 35, 43, 51,
	    0xff01,	   0xfe0d, 42, 41};
	static const uint8_t want_alpn[] = "\x02h2\x08http/1.1";
	size_t i;

	bb_init(&b);
	fx_client_hello(&b, FXC_ALL);
	ck_assert_int_eq(decode_ch(b.p, b.len, &ch), TLS_OK);
	ck_assert(!ch.malformed);
	ck_assert(!ch.sslv2);
	ck_assert(ch.has_extensions);
	ck_assert_uint_eq(ch.legacy_version, 0x0303);
	ck_assert_uint_eq(ch.gmt_unix_time, 0x5f5e1000);
	ck_assert_uint_eq(ch.random[0], 0x5f);
	ck_assert_uint_eq(ch.random[31], 0xa0 + 31);
	ck_assert_uint_eq(ch.session_id_len, 32);
	ck_assert_uint_eq(ch.session_id[31], 0x11);
	ck_assert_uint_eq(ch.nsuites, 16);
	ck_assert_uint_eq(ch.suites_total, 16);
	for (i = 0; i < 16; i++)
		ck_assert_uint_eq(ch.suites[i], fx_ch_suites[i]);
	ck_assert_uint_eq(ch.ncomp, 1);
	ck_assert_uint_eq(ch.comp[0], 0);
	ck_assert_uint_eq(ch.next, sizeof(want_ext) / sizeof(want_ext[0]));
	for (i = 0; i < ch.next; i++)
		ck_assert_uint_eq(ch.ext[i], want_ext[i]);
	ck_assert_uint_eq(ch.ext_total, ch.next);
	ck_assert_uint_eq(ch.ext_malformed, 0);
	ck_assert_int_eq(ch.first_bad_ext, -1);
	ck_assert_uint_eq(ch.ext_duplicates, 0);
	ck_assert(!ch.psk_not_last);
	ck_assert(ch.grease);

	ck_assert(ch.sni_present && !ch.sni_multiple && !ch.sni_malformed);
	ck_assert_uint_eq(ch.sni_len, strlen(FX_SNI));
	ck_assert(memcmp(ch.sni, FX_SNI, strlen(FX_SNI)) == 0);
	ck_assert(ch.status_request);
	ck_assert_uint_eq(ch.status_type, 1);
	ck_assert(ch.groups_present);
	ck_assert_uint_eq(ch.ngroups, 4);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(ch.groups[i], fx_ch_groups[i]);
	ck_assert(ch.point_formats_present);
	ck_assert_uint_eq(ch.npoint_formats, 3);
	ck_assert_uint_eq(ch.point_formats[2], 2);
	ck_assert(ch.sigalgs_present);
	ck_assert_uint_eq(ch.nsigalgs, 8);
	for (i = 0; i < 8; i++)
		ck_assert_uint_eq(ch.sigalgs[i], fx_ch_sigalgs[i]);
	ck_assert(ch.alpn_present && !ch.alpn_truncated);
	ck_assert_uint_eq(ch.nalpn, 2);
	ck_assert_uint_eq(ch.alpn_len, sizeof(want_alpn) - 1);
	ck_assert(memcmp(ch.alpn, want_alpn, ch.alpn_len) == 0);
	ck_assert(ch.ems);
	ck_assert(ch.session_ticket);
	ck_assert_uint_eq(ch.session_ticket_len, 40);
	ck_assert(ch.versions_present);
	ck_assert_uint_eq(ch.nversions, 3);
	for (i = 0; i < 3; i++)
		ck_assert_uint_eq(ch.versions[i], fx_ch_versions[i]);
	ck_assert(ch.key_share_present);
	ck_assert_uint_eq(ch.nkey_shares, 2);
	ck_assert_uint_eq(ch.key_shares[0], 0x4a4a);
	ck_assert_uint_eq(ch.key_shares[1], 0x001d);
	ck_assert(ch.reneg_info);
	ck_assert_uint_eq(ch.reneg_info_len, 0);
	ck_assert(ch.ech);
	ck_assert(ch.early_data);
	ck_assert(ch.psk);
	ck_assert_uint_eq(ch.psk_identities, 1);
	bb_free(&b);
}
END_TEST

/* RFC 5246 7.4.1.2: extensions may be absent altogether. */
START_TEST(test_ch_no_extensions)
{
	struct bb b;
	struct tls_client_hello ch;

	bb_init(&b);
	bb_u16(&b, 0x0301);
	bb_fill(&b, 0x42, 32);
	bb_u8(&b, 0);
	bb_u16(&b, 4);
	bb_u16(&b, 0x002f);
	bb_u16(&b, 0x000a);
	bb_u8(&b, 2);
	bb_u8(&b, 1);
	bb_u8(&b, 0);
	ck_assert_int_eq(decode_ch(b.p, b.len, &ch), TLS_OK);
	ck_assert(!ch.has_extensions && !ch.malformed && !ch.grease);
	ck_assert_uint_eq(ch.legacy_version, 0x0301);
	ck_assert_uint_eq(ch.nsuites, 2);
	ck_assert_uint_eq(ch.suites[1], 0x000a);
	ck_assert_uint_eq(ch.ncomp, 2);
	ck_assert_uint_eq(ch.comp[0], 1);
	ck_assert_uint_eq(ch.next, 0);
	ck_assert(!ch.sni_present);
	bb_free(&b);
}
END_TEST

/* Only the empty session_ticket: offered but not resuming. */
START_TEST(test_ch_minimal_exts)
{
	struct bb b;
	struct tls_client_hello ch;

	bb_init(&b);
	fx_client_hello(&b, FXC_SNI | FXC_EMS);
	ck_assert_int_eq(decode_ch(b.p, b.len, &ch), TLS_OK);
	ck_assert_uint_eq(ch.next, 2);
	ck_assert(ch.sni_present && ch.ems);
	ck_assert(!ch.alpn_present && !ch.versions_present && !ch.psk);
	ck_assert(!ch.session_ticket && !ch.ech && !ch.early_data);
	ck_assert(ch.grease); /* the GREASE suite */
	bb_free(&b);
}
END_TEST

/* Each length field of the fixture ClientHello, set too long, too short,
 * zero and huge: the decoder flags the hello or the extension, keeps what
 * came before the vector, and never reads outside the body. */
static int ch_nlens;

START_TEST(test_ch_length_sweep)
{
	struct bb b;
	struct tls_client_hello ch;
	struct bb_len l;
	size_t vals[4], maxv;
	int k;

	bb_init(&b);
	fx_client_hello(&b, FXC_ALL);
	l = b.lens[_i];
	maxv = ((size_t)1 << (8 * l.width)) - 1;
	vals[0] = l.val + 1;
	vals[1] = l.val > 0 ? l.val - 1 : maxv;
	vals[2] = 0;
	vals[3] = maxv;
	for (k = 0; k < 4; k++) {
		if (vals[k] == l.val || vals[k] > maxv)
			continue;
		bb_setlen(&b, l.pos, l.width, vals[k]);
		(void)decode_ch(b.p, b.len, &ch);
		ck_assert_msg(
		    ch.malformed || ch.ext_malformed > 0,
		    "length field %d (at %zu, width %u, %zu -> %zu) not "
		    "flagged",
		    _i, l.pos, l.width, l.val, vals[k]);
		ck_assert_uint_eq(ch.legacy_version, 0x0303);
		ck_assert_uint_eq(ch.random[31], 0xa0 + 31);
		bb_setlen(&b, l.pos, l.width, l.val);
	}
	bb_free(&b);
}
END_TEST

/* Every proper prefix is malformed, except the one that ends where the
 * extensions begin: that is a valid extension-less hello. */
START_TEST(test_ch_truncation)
{
	struct bb b;
	struct tls_client_hello ch;
	size_t k, ext_off;
	int st;

	bb_init(&b);
	fx_client_hello(&b, FXC_ALL);
	ext_off = b.lens[3].pos; /* sid, suites, comp, then extensions */
	for (k = 0; k < b.len; k++) {
		st = decode_ch(b.p, k, &ch);
		if (k == ext_off) {
			ck_assert_int_eq(st, TLS_OK);
			ck_assert(!ch.has_extensions);
			ck_assert_uint_eq(ch.nsuites, 16);
		} else {
			ck_assert_msg(st == TLS_E_MALFORMED && ch.malformed,
				      "prefix %zu", k);
		}
	}
	bb_free(&b);
}
END_TEST

/* Empty vectors that still frame: the hello is malformed, yet what
 * follows is decoded. */
START_TEST(test_ch_empty_suites_and_comp)
{
	struct bb b;
	struct tls_client_hello ch;

	bb_init(&b);
	bb_u16(&b, 0x0303);
	bb_fill(&b, 1, 32);
	bb_u8(&b, 0);
	bb_u16(&b, 0); /* no suites */
	bb_u8(&b, 0);  /* no compression */
	bb_open(&b, 2);
	bb_u16(&b, 23);
	bb_u16(&b, 0);
	bb_close(&b);
	ck_assert_int_eq(decode_ch(b.p, b.len, &ch), TLS_E_MALFORMED);
	ck_assert(ch.malformed);
	ck_assert_uint_eq(ch.nsuites, 0);
	ck_assert(ch.ems); /* decoded anyway */
	bb_free(&b);

	/* Odd suites length, and bytes after the extensions. */
	bb_init(&b);
	bb_u16(&b, 0x0303);
	bb_fill(&b, 1, 32);
	bb_u8(&b, 0);
	bb_u16(&b, 3);
	bb_u16(&b, 0x1301);
	bb_u8(&b, 0x13);
	bb_u8(&b, 1);
	bb_u8(&b, 0);
	bb_u16(&b, 0);
	bb_u8(&b, 0xee);
	ck_assert_int_eq(decode_ch(b.p, b.len, &ch), TLS_E_MALFORMED);
	ck_assert_uint_eq(ch.nsuites, 1);
	ck_assert_uint_eq(ch.suites[0], 0x1301);
	bb_free(&b);
}
END_TEST

/* A ClientHello with one extension of the given type and data. */
static void
ch_with_ext(struct bb *b, uint16_t type, const struct bb *data)
{
	bb_u16(b, 0x0303);
	bb_fill(b, 7, 32);
	bb_u8(b, 0);
	bb_u16(b, 2);
	bb_u16(b, 0x1301);
	bb_u8(b, 1);
	bb_u8(b, 0);
	bb_u16(b, (unsigned)(4 + data->len));
	bb_u16(b, type);
	bb_u16(b, (unsigned)data->len);
	bb_cat(b, data);
}

static void
decode_one_ext(uint16_t type, const struct bb *data,
	       struct tls_client_hello *ch)
{
	struct bb b;

	bb_init(&b);
	ch_with_ext(&b, type, data);
	ck_assert_int_eq(decode_ch(b.p, b.len, ch), TLS_OK);
	bb_free(&b);
}

/* RFC 6066 3: several host_names, other name types, long and empty
 * names. */
START_TEST(test_ch_sni_variants)
{
	struct bb d;
	struct tls_client_hello ch;
	uint8_t want[300];

	/* Two host_names: the first kept, flagged. */
	bb_init(&d);
	bb_open(&d, 2);
	bb_u8(&d, 0);
	bb_open(&d, 2);
	bb_str(&d, "a.example");
	bb_close(&d);
	bb_u8(&d, 0);
	bb_open(&d, 2);
	bb_str(&d, "b.example");
	bb_close(&d);
	bb_close(&d);
	decode_one_ext(0, &d, &ch);
	ck_assert(ch.sni_present && ch.sni_multiple);
	ck_assert_uint_eq(ch.sni_len, 9);
	ck_assert(memcmp(ch.sni, "a.example", 9) == 0);
	ck_assert_uint_eq(ch.ext_malformed, 1);
	ck_assert_int_eq(ch.first_bad_ext, 0);
	bb_free(&d);

	/* An unknown name type before the host_name is skipped. */
	bb_init(&d);
	bb_open(&d, 2);
	bb_u8(&d, 7);
	bb_open(&d, 2);
	bb_str(&d, "zz");
	bb_close(&d);
	bb_u8(&d, 0);
	bb_open(&d, 2);
	bb_str(&d, "c.example");
	bb_close(&d);
	bb_close(&d);
	decode_one_ext(0, &d, &ch);
	ck_assert(!ch.sni_multiple && !ch.sni_malformed);
	ck_assert_uint_eq(ch.ext_malformed, 0);
	ck_assert(memcmp(ch.sni, "c.example", 9) == 0);
	bb_free(&d);

	/* Only an unknown name type: no host_name at all. */
	bb_init(&d);
	bb_open(&d, 2);
	bb_u8(&d, 7);
	bb_open(&d, 2);
	bb_str(&d, "zz");
	bb_close(&d);
	bb_close(&d);
	decode_one_ext(0, &d, &ch);
	ck_assert(ch.sni_malformed);
	ck_assert_uint_eq(ch.sni_len, 0);
	bb_free(&d);

	/* Names of 255 (kept whole) and 256 and 300 bytes (cut, flagged). */
	memset(want, 'x', sizeof(want));
	{
		static const size_t sizes[] = {254, 255, 256, 300};
		size_t i;

		for (i = 0; i < 4; i++) {
			bb_init(&d);
			bb_open(&d, 2);
			bb_u8(&d, 0);
			bb_open(&d, 2);
			bb_put(&d, want, sizes[i]);
			bb_close(&d);
			bb_close(&d);
			decode_one_ext(0, &d, &ch);
			ck_assert_uint_eq(ch.sni_len,
					  sizes[i] > 255 ? 255 : sizes[i]);
			ck_assert(ch.sni_truncated == (sizes[i] > 255));
			ck_assert(!ch.sni_malformed);
			bb_free(&d);
		}
	}

	/* An empty host_name. */
	bb_init(&d);
	bb_open(&d, 2);
	bb_u8(&d, 0);
	bb_open(&d, 2);
	bb_close(&d);
	bb_close(&d);
	decode_one_ext(0, &d, &ch);
	ck_assert(ch.sni_malformed);
	ck_assert_uint_eq(ch.ext_malformed, 1);
	bb_free(&d);

	/* An empty extension (what servers send back; wrong in a hello). */
	bb_init(&d);
	decode_one_ext(0, &d, &ch);
	ck_assert(ch.sni_present && ch.sni_malformed);
	bb_free(&d);
}
END_TEST

/* Decoded extensions whose content breaks their RFC while framing holds. */
START_TEST(test_ch_ext_content_rules)
{
	static const struct {
		uint16_t type;
		const char *hex; /* extension data */
	} bad[] = {
	    {10, "0000"},	/* supported_groups: empty list */
	    {10, "000300"},	/* odd list */
	    {10, "0002001d00"}, /* trailing byte */
	    {11, "00"},		/* ec_point_formats: empty */
	    {13, "0000"},	/* signature_algorithms: empty */
	    {16, "0000"},	/* ALPN: empty list */
	    {16, "00020200"},	/* a name running over the list */
	    {16, "0002026832"}, /* list shorter than its name */
	    {16, "0001"
		 "00"},		  /* list of one byte */
	    {16, "0003000161"},	  /* an empty name */
	    {23, "00"},		  /* extended_master_secret not empty */
	    {42, "00"},		  /* early_data not empty in a hello */
	    {43, "00"},		  /* supported_versions: empty */
	    {43, "03030403"},	  /* odd length */
	    {51, "0004001d0000"}, /* key_share: empty key */
	    {51, "0003001d"},	  /* entry cut */
	    {0xff01, "0200"},	  /* renegotiation_info: runs over */
	    {0xff01, "0000"},	  /* trailing byte */
	    {5, "01"},		  /* status_request: lists missing */
	    {41, "0000"
		 "0000"}, /* pre_shared_key: empty lists */
	};
	struct tls_client_hello ch;
	struct bb d;
	size_t i, j, n;
	unsigned v;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bb_init(&d);
		n = strlen(bad[i].hex);
		for (j = 0; j + 1 < n; j += 2) {
			ck_assert(sscanf(bad[i].hex + j, "%2x", &v) == 1);
			bb_u8(&d, v);
		}
		decode_one_ext(bad[i].type, &d, &ch);
		ck_assert_msg(ch.ext_malformed == 1, "case %zu (type %u)", i,
			      bad[i].type);
		ck_assert_int_eq(ch.first_bad_ext, bad[i].type);
		ck_assert(!ch.malformed);
		bb_free(&d);
	}
}
END_TEST

/* Lists at their caps: N-1 and N are kept whole, N+1 and more are cut to
 * N with the flag set and the total counted. */
START_TEST(test_ch_list_caps)
{
	static const int delta[] = {-1, 0, 1, 50};
	struct tls_client_hello ch;
	struct bb b, d;
	int i, k, n;

	for (k = 0; k < 4; k++) {
		/* Cipher suites (TLS_SUITES_MAX). */
		n = TLS_SUITES_MAX + delta[k];
		bb_init(&b);
		bb_u16(&b, 0x0303);
		bb_fill(&b, 0, 32);
		bb_u8(&b, 0);
		bb_u16(&b, (unsigned)(2 * n));
		for (i = 0; i < n; i++)
			bb_u16(&b, (unsigned)(0x0100 + i));
		bb_u8(&b, 1);
		bb_u8(&b, 0);
		ck_assert_int_eq(decode_ch(b.p, b.len, &ch), TLS_OK);
		ck_assert_uint_eq(ch.nsuites,
				  n > TLS_SUITES_MAX ? TLS_SUITES_MAX : n);
		ck_assert_uint_eq(ch.suites_total, n);
		ck_assert(ch.suites_truncated == (n > TLS_SUITES_MAX));
		ck_assert_uint_eq(ch.suites[ch.nsuites - 1],
				  0x0100 + ch.nsuites - 1);
		bb_free(&b);

		/* Extension types (TLS_EXT_MAX), all distinct. */
		n = TLS_EXT_MAX + delta[k];
		bb_init(&b);
		bb_u16(&b, 0x0303);
		bb_fill(&b, 0, 32);
		bb_u8(&b, 0);
		bb_u16(&b, 2);
		bb_u16(&b, 0x1301);
		bb_u8(&b, 1);
		bb_u8(&b, 0);
		bb_u16(&b, (unsigned)(4 * n));
		for (i = 0; i < n; i++) {
			bb_u16(&b, (unsigned)(0x1000 + i));
			bb_u16(&b, 0);
		}
		ck_assert_int_eq(decode_ch(b.p, b.len, &ch), TLS_OK);
		ck_assert_uint_eq(ch.next, n > TLS_EXT_MAX ? TLS_EXT_MAX : n);
		ck_assert_uint_eq(ch.ext_total, n);
		ck_assert(ch.ext_truncated == (n > TLS_EXT_MAX));
		bb_free(&b);

		/* supported_groups (TLS_GROUPS_MAX). */
		n = TLS_GROUPS_MAX + delta[k];
		bb_init(&d);
		bb_u16(&d, (unsigned)(2 * n));
		for (i = 0; i < n; i++)
			bb_u16(&d, (unsigned)(0x0100 + i));
		decode_one_ext(10, &d, &ch);
		ck_assert_uint_eq(ch.ngroups,
				  n > TLS_GROUPS_MAX ? TLS_GROUPS_MAX : n);
		ck_assert(ch.groups_truncated == (n > TLS_GROUPS_MAX));
		ck_assert_uint_eq(ch.ext_malformed, 0);
		bb_free(&d);

		/* signature_algorithms (TLS_SIGALGS_MAX). */
		n = TLS_SIGALGS_MAX + delta[k];
		bb_init(&d);
		bb_u16(&d, (unsigned)(2 * n));
		for (i = 0; i < n; i++)
			bb_u16(&d, (unsigned)(0x0400 + i));
		decode_one_ext(13, &d, &ch);
		ck_assert_uint_eq(ch.nsigalgs,
				  n > TLS_SIGALGS_MAX ? TLS_SIGALGS_MAX : n);
		ck_assert(ch.sigalgs_truncated == (n > TLS_SIGALGS_MAX));
		bb_free(&d);

		/* supported_versions (TLS_VERSIONS_MAX; a vec8 holds 127). */
		n = TLS_VERSIONS_MAX + delta[k];
		bb_init(&d);
		bb_u8(&d, (unsigned)(2 * n));
		for (i = 0; i < n; i++)
			bb_u16(&d, (unsigned)(0x0300 + i));
		decode_one_ext(43, &d, &ch);
		ck_assert_uint_eq(ch.nversions,
				  n > TLS_VERSIONS_MAX ? TLS_VERSIONS_MAX : n);
		ck_assert(ch.versions_truncated == (n > TLS_VERSIONS_MAX));
		bb_free(&d);

		/* key_share (TLS_KEY_SHARES_MAX). */
		n = TLS_KEY_SHARES_MAX + delta[k];
		bb_init(&d);
		bb_open(&d, 2);
		for (i = 0; i < n; i++) {
			bb_u16(&d, (unsigned)(0x0010 + i));
			bb_u16(&d, 1);
			bb_u8(&d, 0x99);
		}
		bb_close(&d);
		decode_one_ext(51, &d, &ch);
		ck_assert_uint_eq(ch.nkey_shares, n > TLS_KEY_SHARES_MAX
						      ? TLS_KEY_SHARES_MAX
						      : n);
		ck_assert(ch.key_shares_truncated == (n > TLS_KEY_SHARES_MAX));
		ck_assert_uint_eq(ch.ext_malformed, 0);
		bb_free(&d);

		/* ec_point_formats (TLS_POINT_FORMATS_MAX). */
		n = TLS_POINT_FORMATS_MAX + delta[k];
		bb_init(&d);
		bb_u8(&d, (unsigned)n);
		for (i = 0; i < n; i++)
			bb_u8(&d, (unsigned)i);
		decode_one_ext(11, &d, &ch);
		ck_assert_uint_eq(ch.npoint_formats, n > TLS_POINT_FORMATS_MAX
							 ? TLS_POINT_FORMATS_MAX
							 : n);
		ck_assert(ch.point_formats_truncated ==
			  (n > TLS_POINT_FORMATS_MAX));
		bb_free(&d);
	}
}
END_TEST

/* ALPN: whole entries are kept while they fit TLS_ALPN_MAX. */
START_TEST(test_ch_alpn_cap)
{
	struct tls_client_hello ch;
	struct bb d;
	uint8_t name[255];
	int i;

	memset(name, 'p', sizeof(name));
	/* One 255-byte name: 256 bytes with its length, exactly the cap. */
	bb_init(&d);
	bb_open(&d, 2);
	bb_u8(&d, 255);
	bb_put(&d, name, 255);
	bb_close(&d);
	decode_one_ext(16, &d, &ch);
	ck_assert_uint_eq(ch.alpn_len, 256);
	ck_assert_uint_eq(ch.nalpn, 1);
	ck_assert(!ch.alpn_truncated);
	bb_free(&d);

	/* 30 names of 9 bytes (300 bytes): 25 kept (250 bytes). */
	bb_init(&d);
	bb_open(&d, 2);
	for (i = 0; i < 30; i++) {
		bb_u8(&d, 9);
		bb_put(&d, "protocolX", 9);
	}
	bb_close(&d);
	decode_one_ext(16, &d, &ch);
	ck_assert_uint_eq(ch.nalpn, 25);
	ck_assert_uint_eq(ch.alpn_len, 250);
	ck_assert(ch.alpn_truncated);
	ck_assert_uint_eq(ch.ext_malformed, 0);
	bb_free(&d);
}
END_TEST

START_TEST(test_ch_duplicates_and_psk_order)
{
	struct tls_client_hello ch;
	struct bb b;
	struct tls_facts f;

	bb_init(&b);
	bb_u16(&b, 0x0303);
	bb_fill(&b, 0, 32);
	bb_u8(&b, 0);
	bb_u16(&b, 2);
	bb_u16(&b, 0x1301);
	bb_u8(&b, 1);
	bb_u8(&b, 0);
	bb_open(&b, 2);
	bb_u16(&b, 23);
	bb_u16(&b, 0);
	bb_u16(&b, 41); /* pre_shared_key, then more: not last */
	bb_open(&b, 2);
	bb_open(&b, 2);
	bb_open(&b, 2);
	bb_u8(&b, 1);
	bb_close(&b);
	bb_u32(&b, 0);
	bb_close(&b);
	bb_open(&b, 2);
	bb_open(&b, 1);
	bb_fill(&b, 0, 32);
	bb_close(&b);
	bb_close(&b);
	bb_close(&b);
	bb_u16(&b, 23); /* again */
	bb_u16(&b, 0);
	bb_close(&b);
	ck_assert_int_eq(decode_ch(b.p, b.len, &ch), TLS_OK);
	ck_assert_uint_eq(ch.ext_duplicates, 1);
	ck_assert(ch.psk_not_last);
	ck_assert(ch.psk);
	ck_assert_uint_eq(ch.next, 3);

	/* Through the facts: each is a named anomaly. */
	tls_facts_init(&f);
	give(&f, NULL, TLS_DIR_C2S, T_CLIENT_HELLO, &b);
	ck_assert_uint_eq(f.anomaly[TLS_ANOM_DUPLICATE_EXTENSION], 1);
	ck_assert_uint_eq(f.anomaly[TLS_ANOM_PSK_NOT_LAST], 1);
	ck_assert_uint_eq(f.anomaly[TLS_ANOM_MALFORMED_CLIENT_HELLO], 0);
	tls_facts_free(&f, NULL);
	bb_free(&b);
}
END_TEST

/*
 * SSLv2-compatible ClientHello (RFC 5246 E.2).
 */

static void
v2_hello(struct bb *b, unsigned version, const uint8_t *specs, size_t nspecs,
	 size_t sid, size_t chal)
{
	size_t i;

	bb_u8(b, 1);
	bb_u16(b, version);
	bb_u16(b, (unsigned)(3 * nspecs));
	bb_u16(b, (unsigned)sid);
	bb_u16(b, (unsigned)chal);
	bb_put(b, specs, 3 * nspecs);
	bb_fill(b, 0x5d, sid);
	for (i = 0; i < chal; i++)
		bb_u8(b, (unsigned)(0xc0 + i));
}

static const uint8_t v2_specs[] = {
    0x07, 0x00, 0xc0, /* SSL_CK_DES_192_EDE3_CBC_WITH_MD5: v2 only */
    0x00, 0x00, 0x39, 0x00, 0x00, 0x2f, 0x03, 0x00, 0x80, 0x00, 0x00, 0xff,
};

START_TEST(test_sslv2_hello)
{
	struct tls_client_hello ch;
	struct bb b;

	bb_init(&b);
	v2_hello(&b, 0x0301, v2_specs, 5, 0, 16);
	ck_assert_int_eq(decode_v2(b.p, b.len, &ch), TLS_OK);
	ck_assert(ch.sslv2 && !ch.malformed);
	ck_assert_uint_eq(ch.legacy_version, 0x0301);
	ck_assert_uint_eq(ch.sslv2_specs, 5);
	ck_assert_uint_eq(ch.nsuites, 3);
	ck_assert_uint_eq(ch.suites[0], 0x0039);
	ck_assert_uint_eq(ch.suites[1], 0x002f);
	ck_assert_uint_eq(ch.suites[2], 0x00ff);
	ck_assert_uint_eq(ch.sslv2_challenge_len, 16);
	/* Right-aligned, leading zeros. */
	ck_assert_uint_eq(ch.random[0], 0);
	ck_assert_uint_eq(ch.random[15], 0);
	ck_assert_uint_eq(ch.random[16], 0xc0);
	ck_assert_uint_eq(ch.random[31], 0xcf);
	ck_assert_uint_eq(ch.gmt_unix_time, 0);
	ck_assert_uint_eq(ch.session_id_len, 0);
	bb_free(&b);

	/* 32-byte challenge and a 16-byte session id (SSLv2 itself). */
	bb_init(&b);
	v2_hello(&b, 0x0002, v2_specs, 1, 16, 32);
	ck_assert_int_eq(decode_v2(b.p, b.len, &ch), TLS_OK);
	ck_assert_uint_eq(ch.nsuites, 0);
	ck_assert_uint_eq(ch.random[0], 0xc0);
	ck_assert_uint_eq(ch.gmt_unix_time, 0xc0c1c2c3);
	ck_assert_uint_eq(ch.session_id_len, 16);
	bb_free(&b);
}
END_TEST

START_TEST(test_sslv2_malformed)
{
	struct tls_client_hello ch;
	struct bb b;
	size_t k;

	/* Challenge of 15 and of 33 bytes; session id of 8; not 3n. */
	bb_init(&b);
	v2_hello(&b, 0x0301, v2_specs, 2, 0, 15);
	ck_assert_int_eq(decode_v2(b.p, b.len, &ch), TLS_E_MALFORMED);
	bb_free(&b);
	bb_init(&b);
	v2_hello(&b, 0x0301, v2_specs, 2, 0, 33);
	ck_assert_int_eq(decode_v2(b.p, b.len, &ch), TLS_E_MALFORMED);
	ck_assert_uint_eq(ch.random[0], 0xc1); /* its last 32 bytes */
	bb_free(&b);
	bb_init(&b);
	v2_hello(&b, 0x0301, v2_specs, 2, 8, 16);
	ck_assert_int_eq(decode_v2(b.p, b.len, &ch), TLS_E_MALFORMED);
	bb_free(&b);
	bb_init(&b);
	v2_hello(&b, 0x0301, v2_specs, 2, 0, 16);
	b.p[4] = 5; /* cipher_spec_length 5 */
	ck_assert_int_eq(decode_v2(b.p, b.len, &ch), TLS_E_MALFORMED);
	/* Every truncation. */
	b.p[4] = 6;
	for (k = 0; k < b.len; k++)
		ck_assert_int_eq(decode_v2(b.p, k, &ch), TLS_E_MALFORMED);
	ck_assert_int_eq(decode_v2(b.p, b.len, &ch), TLS_OK);
	/* A trailing byte. */
	bb_u8(&b, 0);
	ck_assert_int_eq(decode_v2(b.p, b.len, &ch), TLS_E_MALFORMED);
	bb_free(&b);
}
END_TEST

/*
 * ServerHello and HelloRetryRequest.
 */

START_TEST(test_sh_tls12)
{
	struct tls_server_hello sh;
	struct bb b;
	static const uint16_t want_ext[] = {0, 0xff01, 11, 35, 5, 23, 16};
	size_t i;

	bb_init(&b);
	fx_server_hello(&b, FXS_TLS12_EXTS, 0xc02f);
	ck_assert_int_eq(decode_sh(b.p, b.len, &sh), TLS_OK);
	ck_assert(!sh.hrr && !sh.malformed && sh.has_extensions);
	ck_assert_uint_eq(sh.legacy_version, 0x0303);
	ck_assert_uint_eq(sh.random[0], 0x30);
	ck_assert_uint_eq(sh.cipher, 0xc02f);
	ck_assert_uint_eq(sh.compression, 0);
	ck_assert_uint_eq(sh.session_id_len, 32);
	ck_assert_uint_eq(sh.next, 7);
	for (i = 0; i < 7; i++)
		ck_assert_uint_eq(sh.ext[i], want_ext[i]);
	ck_assert(sh.sni_ack && sh.reneg_info && sh.point_formats);
	ck_assert(sh.session_ticket && sh.status_request && sh.ems);
	ck_assert(sh.alpn_present);
	ck_assert_uint_eq(sh.alpn_len, 2);
	ck_assert(memcmp(sh.alpn, "h2", 2) == 0);
	ck_assert_uint_eq(sh.selected_version, 0);
	ck_assert(!sh.key_share_present);
	ck_assert_uint_eq(sh.downgrade, 0);
	ck_assert_uint_eq(sh.ext_malformed, 0);
	bb_free(&b);
}
END_TEST

START_TEST(test_sh_tls13_hrr_downgrade)
{
	struct tls_server_hello sh;
	struct bb b;

	bb_init(&b);
	fx_server_hello(&b, FXS_TLS13 | FXS_ECHO_SID, 0x1301);
	ck_assert_int_eq(decode_sh(b.p, b.len, &sh), TLS_OK);
	ck_assert(!sh.hrr);
	ck_assert_uint_eq(sh.selected_version, 0x0304);
	ck_assert(sh.key_share_present);
	ck_assert_uint_eq(sh.key_share_group, 0x001d);
	ck_assert(!sh.cookie);
	bb_free(&b);

	bb_init(&b);
	fx_server_hello(&b, FXS_HRR, 0x1301);
	ck_assert_int_eq(decode_sh(b.p, b.len, &sh), TLS_OK);
	ck_assert(sh.hrr);
	ck_assert_uint_eq(sh.selected_version, 0x0304);
	ck_assert_uint_eq(sh.key_share_group, 0x0017);
	ck_assert(sh.cookie);
	bb_free(&b);

	bb_init(&b);
	fx_server_hello(&b, FXS_DOWNGRADE, 0xc02f);
	ck_assert_int_eq(decode_sh(b.p, b.len, &sh), TLS_OK);
	ck_assert_uint_eq(sh.downgrade, 12);
	b.p[2 + 31] = 0;
	ck_assert_int_eq(decode_sh(b.p, b.len, &sh), TLS_OK);
	ck_assert_uint_eq(sh.downgrade, 11);
	b.p[2 + 31] = 2;
	ck_assert_int_eq(decode_sh(b.p, b.len, &sh), TLS_OK);
	ck_assert_uint_eq(sh.downgrade, 0);
	bb_free(&b);
}
END_TEST

/* Every length field of three ServerHello shapes, too long, too short,
 * zero and huge. */
static const unsigned sh_shapes[] = {FXS_TLS12_EXTS, FXS_TLS13, FXS_HRR};

START_TEST(test_sh_length_sweep)
{
	struct tls_server_hello sh;
	struct bb b;
	struct bb_len l;
	size_t vals[4], maxv;
	int s, i, k;

	for (s = 0; s < 3; s++) {
		bb_init(&b);
		fx_server_hello(&b, sh_shapes[s], 0x1301);
		for (i = 0; i < b.nlens; i++) {
			l = b.lens[i];
			maxv = ((size_t)1 << (8 * l.width)) - 1;
			vals[0] = l.val + 1;
			vals[1] = l.val > 0 ? l.val - 1 : maxv;
			vals[2] = 0;
			vals[3] = maxv;
			for (k = 0; k < 4; k++) {
				if (vals[k] == l.val || vals[k] > maxv)
					continue;
				bb_setlen(&b, l.pos, l.width, vals[k]);
				(void)decode_sh(b.p, b.len, &sh);
				ck_assert_msg(sh.malformed || sh.ext_malformed,
					      "shape %d field %d %zu -> %zu", s,
					      i, l.val, vals[k]);
				ck_assert_uint_eq(sh.legacy_version, 0x0303);
				bb_setlen(&b, l.pos, l.width, l.val);
			}
		}
		bb_free(&b);
	}
}
END_TEST

START_TEST(test_sh_truncation)
{
	struct tls_server_hello sh;
	struct bb b;
	size_t k, ext_off;
	int s, st;

	for (s = 0; s < 3; s++) {
		bb_init(&b);
		fx_server_hello(&b, sh_shapes[s], 0x1301);
		ext_off = b.lens[1].pos; /* after the session id vector */
		for (k = 0; k < b.len; k++) {
			st = decode_sh(b.p, k, &sh);
			if (k == ext_off)
				ck_assert_int_eq(st, TLS_OK);
			else
				ck_assert_msg(st == TLS_E_MALFORMED,
					      "shape %d prefix %zu", s, k);
		}
		bb_free(&b);
	}
}
END_TEST

/*
 * The facts: messages through tls_msg_handshake().
 */

START_TEST(test_facts_hello_flow)
{
	struct tls_facts f;
	struct membudget mb = {0, 0, 0, 0, NULL};
	struct bb ch, sh;

	bb_init(&ch);
	bb_init(&sh);
	fx_client_hello(&ch, FXC_ALL);
	fx_server_hello(&sh, FXS_TLS12_EXTS | FXS_ECHO_SID, 0xc02f);
	tls_facts_init(&f);
	give(&f, &mb, TLS_DIR_C2S, T_CLIENT_HELLO, &ch);
	ck_assert(f.ch_seen);
	ck_assert_int_eq(f.client_dir, TLS_DIR_C2S);
	ck_assert_int_eq(f.server_dir, -1);
	ck_assert_uint_eq(f.version, 0);
	give(&f, &mb, TLS_DIR_S2C, T_SERVER_HELLO, &sh);
	ck_assert(f.sh_seen && !f.hrr_seen);
	ck_assert_int_eq(f.server_dir, TLS_DIR_S2C);
	ck_assert_uint_eq(f.version, 0x0303);
	ck_assert(!f.tls13);
	ck_assert(f.sh.session_id_echoed);
	ck_assert_uint_eq(f.dir[0].hs_mask, 1u << T_CLIENT_HELLO);
	ck_assert_uint_eq(f.dir[1].hs_mask, 1u << T_SERVER_HELLO);
	ck_assert_uint_eq(f.nlog, 2);
	ck_assert_uint_eq(f.log[0].kind, TLS_LOG_HANDSHAKE);
	ck_assert_uint_eq(f.log[0].type, T_CLIENT_HELLO);
	ck_assert_uint_eq(f.log[0].len, ch.len);
	ck_assert_uint_eq(f.log[1].dir, TLS_DIR_S2C);
	ck_assert_int_eq(f.last_hs_type, T_SERVER_HELLO);
	/* A second ServerHello, and a ClientHello from the server side. */
	give(&f, &mb, TLS_DIR_S2C, T_SERVER_HELLO, &sh);
	ck_assert_uint_eq(f.sh_count, 2);
	ck_assert_uint_eq(f.anomaly[TLS_ANOM_UNEXPECTED_MESSAGE], 1);
	give(&f, &mb, TLS_DIR_S2C, T_CLIENT_HELLO, &ch);
	ck_assert_uint_eq(f.anomaly[TLS_ANOM_UNEXPECTED_MESSAGE], 3);
	tls_facts_free(&f, &mb);
	ck_assert_uint_eq(mb.used, 0);
	bb_free(&ch);
	bb_free(&sh);
}
END_TEST

START_TEST(test_facts_hrr_second_hello)
{
	struct tls_facts f;
	struct membudget mb = {0, 0, 0, 0, NULL};
	struct bb ch, ch2, hrr, sh;

	bb_init(&ch);
	bb_init(&ch2);
	bb_init(&hrr);
	bb_init(&sh);
	fx_client_hello(&ch, FXC_ALL);
	fx_client_hello(&ch2, FXC_SNI | FXC_VERSIONS | FXC_KEYSHARE);
	fx_server_hello(&hrr, FXS_HRR | FXS_ECHO_SID, 0x1301);
	fx_server_hello(&sh, FXS_TLS13 | FXS_ECHO_SID, 0x1301);
	tls_facts_init(&f);
	give(&f, &mb, 0, T_CLIENT_HELLO, &ch);
	give(&f, &mb, 1, T_SERVER_HELLO, &hrr);
	ck_assert(f.hrr_seen && !f.sh_seen && !f.tls13);
	ck_assert_uint_eq(f.version, 0x0304);
	ck_assert_uint_eq(f.hrr.key_share_group, 0x0017);
	ck_assert_uint_eq(f.log[1].flags & TLS_LOGF_HRR, TLS_LOGF_HRR);
	give(&f, &mb, 0, T_CLIENT_HELLO, &ch2);
	ck_assert_ptr_nonnull(f.ch2);
	ck_assert_uint_eq(f.ch_count, 2);
	ck_assert_uint_eq(f.ch2->next, 3);
	ck_assert_uint_eq(f.ch.next, 15);
	ck_assert_uint_eq(mb.used, sizeof(struct tls_client_hello));
	give(&f, &mb, 1, T_SERVER_HELLO, &sh);
	ck_assert(f.sh_seen && f.tls13);
	ck_assert(f.dir[0].encrypted && f.dir[1].encrypted);
	ck_assert_uint_eq(f.anomaly[TLS_ANOM_UNEXPECTED_MESSAGE], 0);
	/* A third ClientHello is one too many. */
	give(&f, &mb, 0, T_CLIENT_HELLO, &ch2);
	ck_assert_uint_eq(f.anomaly[TLS_ANOM_UNEXPECTED_MESSAGE], 1);
	tls_facts_free(&f, &mb);
	ck_assert_uint_eq(mb.used, 0);
	bb_free(&ch);
	bb_free(&ch2);
	bb_free(&hrr);
	bb_free(&sh);
}
END_TEST

START_TEST(test_facts_certificate)
{
	struct tls_facts f;
	struct membudget mb = {0, 0, 0, 0, NULL};
	struct bb b;
	const uint8_t *der;
	size_t len;
	unsigned i;

	/* TLS 1.2 form, three certificates; kept, owned, charged. */
	bb_init(&b);
	fx_certificate(&b, 3, 500, false);
	tls_facts_init(&f);
	give(&f, &mb, TLS_DIR_S2C, T_CERTIFICATE, &b);
	ck_assert(f.cert[1].present && !f.cert[1].malformed);
	ck_assert(!f.cert[0].present);
	ck_assert(!f.cert[1].tls13);
	ck_assert_uint_eq(f.cert[1].ncerts, 3);
	ck_assert_uint_eq(f.cert[1].certs_total, 3);
	ck_assert_uint_eq(f.cert[1].msg_len, b.len);
	for (i = 0; i < 3; i++) {
		der = tls_cert_der(&f.cert[1], i, &len);
		ck_assert_ptr_nonnull(der);
		ck_assert_uint_eq(len, 500);
		ck_assert_uint_eq(der[0], 0x30 + i);
		ck_assert_uint_eq(der[499], 0x30 + i);
	}
	ck_assert_ptr_null(tls_cert_der(&f.cert[1], 3, &len));
	ck_assert_uint_eq(len, 0);
	ck_assert_uint_eq(mb.used, b.len); /* adopted with its charge */
	/* A second chain from the same side is counted, not kept. */
	give(&f, &mb, TLS_DIR_S2C, T_CERTIFICATE, &b);
	ck_assert_uint_eq(f.cert[1].count, 2);
	ck_assert_uint_eq(mb.used, b.len);
	tls_facts_free(&f, &mb);
	ck_assert_uint_eq(mb.used, 0);
	bb_free(&b);

	/* The client's empty Certificate: it had none to give. */
	bb_init(&b);
	fx_certificate(&b, 0, 0, false);
	tls_facts_init(&f);
	give(&f, &mb, TLS_DIR_C2S, T_CERTIFICATE, &b);
	ck_assert(f.cert[0].present && !f.cert[0].malformed);
	ck_assert_uint_eq(f.cert[0].ncerts, 0);
	ck_assert_ptr_null(f.cert[0].buf);
	tls_facts_free(&f, &mb);
	bb_free(&b);

	/* TLS 1.3 form, without a ServerHello: recognised by its shape. */
	bb_init(&b);
	fx_certificate(&b, 2, 100, true);
	tls_facts_init(&f);
	give(&f, &mb, TLS_DIR_S2C, T_CERTIFICATE, &b);
	ck_assert(f.cert[1].tls13 && !f.cert[1].malformed);
	ck_assert_uint_eq(f.cert[1].ncerts, 2);
	der = tls_cert_der(&f.cert[1], 1, &len);
	ck_assert_uint_eq(len, 100);
	ck_assert_uint_eq(der[0], 0x31);
	tls_facts_free(&f, &mb);
	bb_free(&b);

	/* More than TLS_CERTS_MAX. */
	bb_init(&b);
	fx_certificate(&b, TLS_CERTS_MAX + 1, 10, false);
	tls_facts_init(&f);
	give(&f, &mb, TLS_DIR_S2C, T_CERTIFICATE, &b);
	ck_assert(f.cert[1].truncated);
	ck_assert_uint_eq(f.cert[1].ncerts, TLS_CERTS_MAX);
	ck_assert_uint_eq(f.cert[1].certs_total, TLS_CERTS_MAX + 1);
	ck_assert_uint_eq(f.anomaly[TLS_ANOM_CERTS_TRUNCATED], 1);
	tls_facts_free(&f, &mb);
	bb_free(&b);
	ck_assert_uint_eq(mb.used, 0);
}
END_TEST

/* Every length field of a chain lying: flagged, the good entries before
 * the fault kept. */
START_TEST(test_facts_certificate_malformed)
{
	struct tls_facts f;
	struct bb b;
	struct bb_len l;
	size_t vals[3], maxv;
	int i, k;

	bb_init(&b);
	fx_certificate(&b, 3, 40, false);
	for (i = 0; i < b.nlens; i++) {
		l = b.lens[i];
		maxv = ((size_t)1 << (8 * l.width)) - 1;
		vals[0] = l.val + 1;
		vals[1] = l.val - 1;
		vals[2] = 0;
		for (k = 0; k < 3; k++) {
			bb_setlen(&b, l.pos, l.width, vals[k]);
			tls_facts_init(&f);
			give(&f, NULL, TLS_DIR_S2C, T_CERTIFICATE, &b);
			ck_assert_msg(f.cert[1].malformed, "field %d -> %zu", i,
				      vals[k]);
			ck_assert_uint_eq(
			    f.anomaly[TLS_ANOM_MALFORMED_CERTIFICATE], 1);
			ck_assert_uint_le(f.cert[1].ncerts, 3);
			tls_facts_free(&f, NULL);
			bb_setlen(&b, l.pos, l.width, l.val);
		}
		(void)maxv;
	}
	bb_free(&b);
}
END_TEST

START_TEST(test_facts_cert_status)
{
	struct tls_facts f;
	struct membudget mb = {0, 0, 0, 0, NULL};
	struct bb b;
	const uint8_t *der;
	size_t len;

	bb_init(&b);
	bb_u8(&b, 1);
	bb_open(&b, 3);
	bb_u8(&b, 0x30);
	bb_fill(&b, 0x0c, 99);
	bb_close(&b);
	tls_facts_init(&f);
	give(&f, &mb, 1, T_CERTIFICATE_STATUS, &b);
	ck_assert(f.cert_status.present && !f.cert_status.malformed);
	ck_assert_uint_eq(f.cert_status.status_type, 1);
	der = tls_ocsp_der(&f.cert_status, &len);
	ck_assert_ptr_nonnull(der);
	ck_assert_uint_eq(len, 100);
	ck_assert_uint_eq(der[0], 0x30);
	ck_assert_uint_eq(mb.used, b.len);
	tls_facts_free(&f, &mb);
	ck_assert_uint_eq(mb.used, 0);
	bb_free(&b);

	/* ocsp_multi (RFC 6961): an empty entry, then the one kept. */
	bb_init(&b);
	bb_u8(&b, 2);
	bb_open(&b, 3);
	bb_open(&b, 3);
	bb_close(&b);
	bb_open(&b, 3);
	bb_fill(&b, 0x31, 20);
	bb_close(&b);
	bb_close(&b);
	tls_facts_init(&f);
	give(&f, &mb, 1, T_CERTIFICATE_STATUS, &b);
	der = tls_ocsp_der(&f.cert_status, &len);
	ck_assert_uint_eq(len, 20);
	ck_assert_uint_eq(der[0], 0x31);
	tls_facts_free(&f, &mb);
	bb_free(&b);

	/* An empty response, a response running over, a trailing byte. */
	{
		static const char *const bad[] = {"01000000", "0100000501",
						  "010000010100"};
		size_t i, j;
		unsigned v;

		for (i = 0; i < 3; i++) {
			bb_init(&b);
			for (j = 0; bad[i][j] != '\0'; j += 2) {
				ck_assert(sscanf(bad[i] + j, "%2x", &v) == 1);
				bb_u8(&b, v);
			}
			tls_facts_init(&f);
			give(&f, &mb, 1, T_CERTIFICATE_STATUS, &b);
			ck_assert(f.cert_status.malformed);
			ck_assert_ptr_null(tls_ocsp_der(&f.cert_status, &len));
			ck_assert_uint_eq(
			    f.anomaly[TLS_ANOM_MALFORMED_CERT_STATUS], 1);
			tls_facts_free(&f, &mb);
			bb_free(&b);
		}
	}
	ck_assert_uint_eq(mb.used, 0);
}
END_TEST

/* Feed a ServerHello with `cipher` and `version`, then `ske`. */
static void
ske_case(struct tls_facts *f, uint16_t cipher, uint16_t version,
	 const struct bb *ske)
{
	struct bb sh;

	bb_init(&sh);
	bb_u16(&sh, version);
	bb_fill(&sh, 0x44, 32);
	bb_u8(&sh, 0);
	bb_u16(&sh, cipher);
	bb_u8(&sh, 0);
	tls_facts_init(f);
	give(f, NULL, 1, T_SERVER_HELLO, &sh);
	give(f, NULL, 1, T_SERVER_KEY_EXCHANGE, ske);
	bb_free(&sh);
}

START_TEST(test_facts_ske)
{
	struct tls_facts f;
	struct bb b;

	/* ECDHE, named curve x25519, TLS 1.2 signature. */
	bb_init(&b);
	bb_u8(&b, 3);
	bb_u16(&b, 0x001d);
	bb_open(&b, 1);
	bb_fill(&b, 0x09, 32);
	bb_close(&b);
	bb_u16(&b, 0x0804);
	bb_open(&b, 2);
	bb_fill(&b, 0x5a, 256);
	bb_close(&b);
	ske_case(&f, 0xc02f, 0x0303, &b);
	ck_assert(f.ske.present && !f.ske.malformed);
	ck_assert_uint_eq(f.ske.kx, TLS_KX_ECDHE);
	ck_assert_uint_eq(f.ske.curve_type, 3);
	ck_assert_uint_eq(f.ske.group, 0x001d);
	ck_assert(f.ske.has_sigalg);
	ck_assert_uint_eq(f.ske.sigalg, 0x0804);
	ck_assert_uint_eq(f.ske.len, b.len);
	/* The same bytes under TLS 1.0 (no sigalg field) do not fit. */
	ske_case(&f, 0xc013, 0x0301, &b);
	ck_assert(f.ske.malformed);
	ck_assert_uint_eq(f.anomaly[TLS_ANOM_MALFORMED_SKE], 1);
	bb_free(&b);

	/* DHE, 2048-bit prime with a leading zero byte, TLS 1.2. */
	bb_init(&b);
	bb_open(&b, 2);
	bb_u8(&b, 0x00);
	bb_u8(&b, 0xb5);
	bb_fill(&b, 0xff, 255);
	bb_close(&b);
	bb_open(&b, 2);
	bb_u8(&b, 2);
	bb_close(&b);
	bb_open(&b, 2);
	bb_fill(&b, 0x12, 256);
	bb_close(&b);
	bb_u16(&b, 0x0401);
	bb_open(&b, 2);
	bb_fill(&b, 0x77, 256);
	bb_close(&b);
	ske_case(&f, 0x009e, 0x0303, &b);
	ck_assert(!f.ske.malformed);
	ck_assert_uint_eq(f.ske.kx, TLS_KX_DHE);
	ck_assert_uint_eq(f.ske.dh_p_bits, 2048);
	ck_assert_uint_eq(f.ske.sigalg, 0x0401);
	/* Cut by one byte. */
	b.len--;
	ske_case(&f, 0x009e, 0x0303, &b);
	ck_assert(f.ske.malformed);
	bb_free(&b);

	/* DHE under TLS 1.0: no sigalg; 1024 bits. */
	bb_init(&b);
	bb_open(&b, 2);
	bb_u8(&b, 0x80);
	bb_fill(&b, 0, 127);
	bb_close(&b);
	bb_open(&b, 2);
	bb_u8(&b, 2);
	bb_close(&b);
	bb_open(&b, 2);
	bb_u8(&b, 1);
	bb_close(&b);
	bb_open(&b, 2);
	bb_fill(&b, 0x77, 128);
	bb_close(&b);
	ske_case(&f, 0x0033, 0x0301, &b);
	ck_assert(!f.ske.malformed && !f.ske.has_sigalg);
	ck_assert_uint_eq(f.ske.dh_p_bits, 1024);
	bb_free(&b);

	/* ECDHE_PSK: a psk_identity_hint first, no signature. */
	bb_init(&b);
	bb_open(&b, 2);
	bb_str(&b, "hint");
	bb_close(&b);
	bb_u8(&b, 3);
	bb_u16(&b, 0x0017);
	bb_open(&b, 1);
	bb_fill(&b, 4, 65);
	bb_close(&b);
	ske_case(&f, 0xc035, 0x0303, &b);
	ck_assert(!f.ske.malformed);
	ck_assert_uint_eq(f.ske.kx, TLS_KX_ECDHE_PSK);
	ck_assert_uint_eq(f.ske.group, 0x0017);
	ck_assert(!f.ske.has_sigalg);
	bb_free(&b);

	/* Explicit prime curve: type kept, no group. */
	bb_init(&b);
	bb_u8(&b, 1);
	bb_fill(&b, 0x99, 60);
	ske_case(&f, 0xc02f, 0x0303, &b);
	ck_assert(!f.ske.malformed);
	ck_assert_uint_eq(f.ske.curve_type, 1);
	ck_assert_uint_eq(f.ske.group, 0);
	bb_free(&b);

	/* Unknown key exchange (static RSA suite): presence only. */
	bb_init(&b);
	bb_fill(&b, 0x99, 10);
	ske_case(&f, 0x002f, 0x0303, &b);
	ck_assert(f.ske.present && !f.ske.malformed);
	ck_assert_uint_eq(f.ske.kx, TLS_KX_RSA);
	ck_assert_uint_eq(f.ske.group, 0);
	bb_free(&b);

	/* No ServerHello seen: cannot tell the layout. */
	bb_init(&b);
	bb_u8(&b, 3);
	bb_u16(&b, 0x001d);
	tls_facts_init(&f);
	give(&f, NULL, 1, T_SERVER_KEY_EXCHANGE, &b);
	ck_assert(f.ske.present && !f.ske.malformed);
	ck_assert_uint_eq(f.ske.kx, TLS_KX_UNKNOWN);
	ck_assert_uint_eq(f.ske.group, 0);
	bb_free(&b);
}
END_TEST

START_TEST(test_facts_cert_request)
{
	struct tls_facts f;
	struct bb b, sh;

	/* TLS 1.2: types, sigalgs, two CA names. */
	bb_init(&sh);
	fx_server_hello(&sh, 0, 0xc02f);
	bb_init(&b);
	bb_open(&b, 1);
	bb_u8(&b, 1);
	bb_u8(&b, 64);
	bb_close(&b);
	bb_open(&b, 2);
	bb_u16(&b, 0x0401);
	bb_u16(&b, 0x0403);
	bb_u16(&b, 0x0804);
	bb_close(&b);
	bb_open(&b, 2);
	bb_open(&b, 2);
	bb_fill(&b, 0x30, 20);
	bb_close(&b);
	bb_open(&b, 2);
	bb_fill(&b, 0x30, 30);
	bb_close(&b);
	bb_close(&b);
	tls_facts_init(&f);
	give(&f, NULL, 1, T_SERVER_HELLO, &sh);
	give(&f, NULL, 1, T_CERTIFICATE_REQUEST, &b);
	ck_assert(f.cert_req.present && !f.cert_req.malformed);
	ck_assert(!f.cert_req.tls13);
	ck_assert_uint_eq(f.cert_req.ncert_types, 2);
	ck_assert_uint_eq(f.cert_req.cert_types[1], 64);
	ck_assert_uint_eq(f.cert_req.nsigalgs, 3);
	ck_assert_uint_eq(f.cert_req.sigalgs[2], 0x0804);
	ck_assert_uint_eq(f.cert_req.ca_names, 2);
	/* Any lying length is flagged. */
	{
		int i;
		struct bb_len l;

		for (i = 0; i < b.nlens; i++) {
			l = b.lens[i];
			bb_setlen(&b, l.pos, l.width, l.val + 1);
			tls_facts_free(&f, NULL);
			tls_facts_init(&f);
			give(&f, NULL, 1, T_SERVER_HELLO, &sh);
			give(&f, NULL, 1, T_CERTIFICATE_REQUEST, &b);
			ck_assert_msg(f.cert_req.malformed, "field %d", i);
			ck_assert_uint_eq(
			    f.anomaly[TLS_ANOM_MALFORMED_CERT_REQUEST], 1);
			bb_setlen(&b, l.pos, l.width, l.val);
		}
	}
	tls_facts_free(&f, NULL);
	bb_free(&b);
	bb_free(&sh);

	/* TLS 1.3 form (as it would look decrypted). */
	bb_init(&sh);
	fx_server_hello(&sh, FXS_TLS13, 0x1301);
	bb_init(&b);
	bb_open(&b, 1);
	bb_close(&b);
	bb_open(&b, 2);
	bb_u16(&b, 13);
	bb_open(&b, 2);
	bb_open(&b, 2);
	bb_u16(&b, 0x0804);
	bb_u16(&b, 0x0403);
	bb_close(&b);
	bb_close(&b);
	bb_u16(&b, 47);
	bb_open(&b, 2);
	bb_open(&b, 2);
	bb_open(&b, 2);
	bb_fill(&b, 0x30, 5);
	bb_close(&b);
	bb_close(&b);
	bb_close(&b);
	bb_close(&b);
	tls_facts_init(&f);
	give(&f, NULL, 1, T_SERVER_HELLO, &sh);
	give(&f, NULL, 1, T_CERTIFICATE_REQUEST, &b);
	ck_assert(f.cert_req.tls13 && !f.cert_req.malformed);
	ck_assert_uint_eq(f.cert_req.nsigalgs, 2);
	ck_assert_uint_eq(f.cert_req.ca_names, 1);
	tls_facts_free(&f, NULL);
	bb_free(&b);
	bb_free(&sh);
}
END_TEST

START_TEST(test_facts_other_messages)
{
	struct tls_facts f;
	struct bb b, sh, empty;

	tls_facts_init(&f);
	bb_init(&empty);
	/* ServerHelloDone: empty; with a byte it is malformed. */
	give(&f, NULL, 1, T_SERVER_HELLO_DONE, &empty);
	ck_assert(f.dir[1].hs_mask & (1u << T_SERVER_HELLO_DONE));
	ck_assert_uint_eq(f.anomaly[TLS_ANOM_MALFORMED_HANDSHAKE], 0);
	bb_init(&b);
	bb_u8(&b, 0);
	give(&f, NULL, 1, T_SERVER_HELLO_DONE, &b);
	ck_assert_uint_eq(f.anomaly[TLS_ANOM_MALFORMED_HANDSHAKE], 1);
	ck_assert_uint_eq(f.log[1].flags, TLS_LOGF_MALFORMED);
	bb_free(&b);
	/* ClientKeyExchange and Finished: lengths. */
	bb_init(&b);
	bb_fill(&b, 0x20, 33);
	give(&f, NULL, 0, T_CLIENT_KEY_EXCHANGE, &b);
	ck_assert_uint_eq(f.cke_len, 33);
	bb_free(&b);
	bb_init(&b);
	bb_fill(&b, 0x20, 12);
	give(&f, NULL, 0, T_FINISHED, &b);
	ck_assert_uint_eq(f.finished_len[0], 12);
	ck_assert_uint_eq(f.finished_len[1], 0);
	bb_free(&b);
	/* Unknown type. */
	give(&f, NULL, 0, 99, &empty);
	ck_assert_uint_eq(f.anomaly[TLS_ANOM_HS_UNKNOWN_TYPE], 1);
	/* NewSessionTicket, TLS 1.2 form. */
	bb_init(&b);
	bb_u32(&b, 7200);
	bb_open(&b, 2);
	bb_fill(&b, 0x7e, 176);
	bb_close(&b);
	give(&f, NULL, 1, T_NEW_SESSION_TICKET, &b);
	ck_assert_uint_eq(f.nst.count, 1);
	ck_assert_uint_eq(f.nst.lifetime, 7200);
	ck_assert_uint_eq(f.nst.ticket_len, 176);
	ck_assert(!f.nst.malformed);
	bb_free(&b);
	tls_facts_free(&f, NULL);

	/* NewSessionTicket and EncryptedExtensions, TLS 1.3 forms. */
	bb_init(&sh);
	fx_server_hello(&sh, FXS_TLS13, 0x1302);
	tls_facts_init(&f);
	give(&f, NULL, 1, T_SERVER_HELLO, &sh);
	bb_init(&b);
	bb_open(&b, 2);
	bb_u16(&b, 10);
	bb_open(&b, 2);
	bb_open(&b, 2);
	bb_u16(&b, 0x001d);
	bb_close(&b);
	bb_close(&b);
	bb_u16(&b, 16);
	bb_open(&b, 2);
	bb_open(&b, 2);
	bb_open(&b, 1);
	bb_str(&b, "http/1.1");
	bb_close(&b);
	bb_close(&b);
	bb_close(&b);
	bb_u16(&b, 0);
	bb_u16(&b, 0);
	bb_close(&b);
	give(&f, NULL, 1, T_ENCRYPTED_EXTENSIONS, &b);
	ck_assert(f.ee.present && !f.ee.malformed);
	ck_assert_uint_eq(f.ee.next, 3);
	ck_assert_uint_eq(f.ee.ext[1], 16);
	ck_assert(f.ee.alpn_present && f.ee.sni_ack);
	ck_assert_uint_eq(f.ee.alpn_len, 8);
	ck_assert(memcmp(f.ee.alpn, "http/1.1", 8) == 0);
	bb_free(&b);
	bb_init(&b);
	bb_u32(&b, 300);
	bb_u32(&b, 0x11223344);
	bb_open(&b, 1);
	bb_u8(&b, 0);
	bb_close(&b);
	bb_open(&b, 2);
	bb_fill(&b, 0x7e, 64);
	bb_close(&b);
	bb_open(&b, 2);
	bb_close(&b);
	give(&f, NULL, 1, T_NEW_SESSION_TICKET, &b);
	ck_assert(!f.nst.malformed);
	ck_assert_uint_eq(f.nst.lifetime, 300);
	ck_assert_uint_eq(f.nst.ticket_len, 64);
	bb_free(&b);
	tls_facts_free(&f, NULL);
	bb_free(&sh);
	bb_free(&empty);
}
END_TEST

/* A ClientHello that could not be assembled (over the cap or the budget)
 * is still seen, marked skipped. */
START_TEST(test_facts_skipped)
{
	struct tls_facts f;

	tls_facts_init(&f);
	tls_msg_handshake(&f, NULL, 0, T_CLIENT_HELLO, NULL, 300000, true, 5);
	ck_assert(f.ch_seen && f.ch.skipped);
	ck_assert_uint_eq(f.ch.nsuites, 0);
	ck_assert_uint_eq(f.log[0].flags, TLS_LOGF_SKIPPED);
	ck_assert_uint_eq(f.log[0].len, 300000);
	tls_msg_handshake(&f, NULL, 1, T_CERTIFICATE, NULL, 16777215, true, 6);
	ck_assert(f.cert[1].present && f.cert[1].skipped);
	ck_assert_uint_eq(f.cert[1].msg_len, 16777215);
	ck_assert_ptr_null(f.cert[1].buf);
	tls_facts_free(&f, NULL);
}
END_TEST

START_TEST(test_facts_alerts_and_log)
{
	struct tls_facts f;
	struct bb ch;
	int i;

	tls_facts_init(&f);
	/* An alert before any handshake message. */
	tls_msg_alert(&f, 1, 2, 40, 2, 10);
	ck_assert_uint_eq(f.nalerts, 1);
	ck_assert_int_eq(f.alerts[0].after_hs_type, -1);
	ck_assert_int_eq(f.alerts[0].after_hs_dir, -1);
	ck_assert_uint_eq(f.alerts[0].log_index, 0);
	bb_init(&ch);
	fx_client_hello(&ch, FXC_SNI);
	give(&f, NULL, 0, T_CLIENT_HELLO, &ch);
	bb_free(&ch);
	/* The server's fatal handshake_failure, after the ClientHello. */
	tls_msg_alert(&f, 1, 2, 40, 2, 20);
	ck_assert_uint_eq(f.alerts[1].level, 2);
	ck_assert_uint_eq(f.alerts[1].desc, 40);
	ck_assert_uint_eq(f.alerts[1].dir, 1);
	ck_assert(!f.alerts[1].encrypted);
	ck_assert_uint_eq(f.alerts[1].ts_us, 20);
	ck_assert_int_eq(f.alerts[1].after_hs_type, T_CLIENT_HELLO);
	ck_assert_int_eq(f.alerts[1].after_hs_dir, 0);
	ck_assert_uint_eq(f.alerts[1].log_index, 2);
	ck_assert_uint_eq(f.log[2].kind, TLS_LOG_ALERT);
	ck_assert_uint_eq(f.log[2].type, 40);
	/* An alert record after a TLS 1.2 CCS: encrypted, length only. */
	tls_msg_ccs(&f, 0, false, 1, 30);
	ck_assert(f.dir[0].ccs && f.dir[0].encrypted);
	ck_assert_uint_eq(f.dir[0].ccs_ts, 30);
	tls_msg_record(&f, 0, 21, 26, 40);
	ck_assert_uint_eq(f.nalerts, 3);
	ck_assert(f.alerts[2].encrypted);
	ck_assert_uint_eq(f.alerts[2].rec_len, 26);
	ck_assert_uint_eq(f.alerts[2].level, 0);
	ck_assert_uint_eq(f.dir[0].nenc, 1);
	ck_assert_uint_eq(f.dir[0].enc[0].type, 21);
	ck_assert_uint_eq(f.dir[0].enc[0].len, 26);
	ck_assert_uint_eq(f.log[4].kind, TLS_LOG_ENCRYPTED);
	/* A compatibility CCS does not make the direction encrypted. */
	tls_msg_ccs(&f, 1, true, 1, 31);
	ck_assert(f.dir[1].ccs && !f.dir[1].encrypted);
	ck_assert_uint_eq(f.log[5].flags, TLS_LOGF_COMPAT);
	/* Caps: alerts and log entries past them are counted. */
	for (i = 0; i < 40; i++)
		tls_msg_alert(&f, 0, 1, 0, 2, (uint64_t)(100 + i));
	ck_assert_uint_eq(f.nalerts, TLS_ALERTS_MAX);
	ck_assert_uint_eq(f.alerts_total, 43);
	ck_assert_uint_eq(f.nlog, TLS_LOG_MAX);
	ck_assert_uint_eq(f.log_total, 46);
	ck_assert_uint_eq(f.log_last.ts_us, 139);
	ck_assert_uint_eq(f.log_last.kind, TLS_LOG_ALERT);
	ck_assert_uint_eq(
	    f.alerts[TLS_ALERTS_MAX - 1].log_index,
	    10); /* the fifth of the 40, after 6 earlier entries */
	/* Application data: first timestamp, counts. */
	tls_msg_record(&f, 1, 23, 100, 200);
	tls_msg_record(&f, 1, 23, 50, 210);
	ck_assert_uint_eq(f.dir[1].appdata_first_ts, 200);
	ck_assert_uint_eq(f.dir[1].appdata_records, 2);
	ck_assert_uint_eq(f.dir[1].appdata_bytes, 150);
	ck_assert_uint_eq(f.dir[1].data_records, 2);
	/* Opened with a key log: a type-23 record that held a handshake
	 * message (a KeyUpdate) or an alert is not data; one that held
	 * application data is. */
	tls_msg_dec_record(&f, 1, 23, 22, 22, 220);
	tls_msg_dec_record(&f, 1, 23, 21, 19, 230);
	tls_msg_dec_record(&f, 1, 23, 23, 40, 240);
	ck_assert_uint_eq(f.dir[1].appdata_records, 5);
	ck_assert_uint_eq(f.dir[1].data_records, 3);
	ck_assert_uint_eq(f.dec_records[1], 3);
	tls_facts_free(&f, NULL);
}
END_TEST

/* The server's ALPN choice: the ServerHello's in TLS 1.2, only
 * EncryptedExtensions' in TLS 1.3 (where the ServerHello has none). */
START_TEST(test_facts_server_alpn)
{
	struct tls_facts f;
	const uint8_t *p;
	size_t n;

	tls_facts_init(&f);
	ck_assert(!tls_facts_server_alpn(&f, &p, &n));
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(n, 0);
	f.sh.alpn_present = true;
	f.sh.alpn_len = 8;
	memcpy(f.sh.alpn, "http/1.1", 8);
	ck_assert(!tls_facts_server_alpn(&f, &p, &n)); /* no ServerHello */
	f.sh_seen = true;
	ck_assert(tls_facts_server_alpn(&f, &p, &n));
	ck_assert_uint_eq(n, 8);
	ck_assert(memcmp(p, "http/1.1", 8) == 0);
	f.tls13 = true;
	ck_assert(!tls_facts_server_alpn(&f, &p, &n));
	f.ee.present = true;
	ck_assert(!tls_facts_server_alpn(&f, &p, &n));
	f.ee.alpn_present = true;
	f.ee.alpn_len = 2;
	memcpy(f.ee.alpn, "h2", 2);
	ck_assert(tls_facts_server_alpn(&f, &p, &n));
	ck_assert_uint_eq(n, 2);
	ck_assert(memcmp(p, "h2", 2) == 0);
	tls_facts_free(&f, NULL);
}
END_TEST

START_TEST(test_facts_swap)
{
	struct tls_facts f;
	struct bb ch, cert;

	tls_facts_init(&f);
	bb_init(&ch);
	bb_init(&cert);
	fx_client_hello(&ch, FXC_SNI);
	fx_certificate(&cert, 1, 10, false);
	/* The sides were guessed wrong: the ClientHello came as dir 1. */
	give(&f, NULL, 1, T_CLIENT_HELLO, &ch);
	give(&f, NULL, 0, T_CERTIFICATE, &cert);
	tls_msg_alert(&f, 1, 2, 48, 2, 9);
	tls_msg_record(&f, 0, 23, 40, 10);
	ck_assert_int_eq(f.client_dir, 1);
	tls_facts_swap(&f);
	ck_assert_int_eq(f.client_dir, 0);
	ck_assert_int_eq(f.last_hs_dir, 1);
	ck_assert(f.cert[1].present && !f.cert[0].present);
	ck_assert_uint_eq(f.cert[1].ncerts, 1);
	ck_assert(f.dir[0].hs_mask & (1u << T_CLIENT_HELLO));
	ck_assert_uint_eq(f.dir[1].nenc, 1);
	ck_assert_uint_eq(f.alerts[0].dir, 0);
	ck_assert_int_eq(f.alerts[0].after_hs_dir, 1);
	ck_assert_uint_eq(f.log[0].dir, 0);
	ck_assert_uint_eq(f.log[1].dir, 1);
	ck_assert_uint_eq(f.log_last.dir, 1);
	tls_facts_free(&f, NULL);
	bb_free(&ch);
	bb_free(&cert);
}
END_TEST

START_TEST(test_suite_kx)
{
	static const struct {
		uint16_t suite;
		enum tls_kx kx;
	} t[] = {
	    {0xc02f, TLS_KX_ECDHE},	{0xc030, TLS_KX_ECDHE},
	    {0xc02b, TLS_KX_ECDHE},	{0xcca8, TLS_KX_ECDHE},
	    {0xcca9, TLS_KX_ECDHE},	{0xc013, TLS_KX_ECDHE},
	    {0xc0ac, TLS_KX_ECDHE},	{0x009e, TLS_KX_DHE},
	    {0x009f, TLS_KX_DHE},	{0x0033, TLS_KX_DHE},
	    {0x0039, TLS_KX_DHE},	{0xccaa, TLS_KX_DHE},
	    {0x0016, TLS_KX_DHE},	{0x0034, TLS_KX_DH_ANON},
	    {0x00a6, TLS_KX_DH_ANON},	{0xc018, TLS_KX_ECDH_ANON},
	    {0x0090, TLS_KX_DHE_PSK},	{0xccad, TLS_KX_DHE_PSK},
	    {0xc035, TLS_KX_ECDHE_PSK}, {0xccac, TLS_KX_ECDHE_PSK},
	    {0x002f, TLS_KX_RSA},	{0x009c, TLS_KX_RSA},
	    {0x000a, TLS_KX_RSA},	{0x1301, TLS_KX_TLS13},
	    {0x1305, TLS_KX_TLS13},	{0xc004, TLS_KX_OTHER},
	    {0x008c, TLS_KX_OTHER},	{0x0000, TLS_KX_UNKNOWN},
	    {0x00ff, TLS_KX_UNKNOWN},	{0x5600, TLS_KX_UNKNOWN},
	    {0x0a0a, TLS_KX_UNKNOWN},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(tls_suite_kx(t[i].suite) == t[i].kx, "0x%04x: %s",
			      t[i].suite,
			      tls_kx_name(tls_suite_kx(t[i].suite)));
}
END_TEST

START_TEST(test_names)
{
	int i, j;
	const char *n, *m;

	for (i = 0; i < TLS_ANOM_COUNT; i++) {
		n = tls_anomaly_name((enum tls_anomaly)i);
		ck_assert(n != NULL && n[0] != '\0');
		ck_assert(strlen(tls_anomaly_meaning((enum tls_anomaly)i)) > 0);
		for (j = 0; n[j] != '\0'; j++)
			ck_assert(n[j] == '_' || (n[j] >= 'a' && n[j] <= 'z') ||
				  (n[j] >= '0' && n[j] <= '9'));
		for (j = 0; j < i; j++) {
			m = tls_anomaly_name((enum tls_anomaly)j);
			ck_assert_str_ne(n, m);
		}
	}
	ck_assert_str_eq(tls_anomaly_name(TLS_ANOM_RECORD_TOO_LONG),
			 "record_too_long");
	ck_assert_str_eq(tls_anomaly_name(TLS_ANOM_HS_MSG_TOO_LONG),
			 "hs_msg_too_long");
	ck_assert_str_eq(tls_anomaly_name(TLS_ANOM_GAP_STOP), "gap_stop");
	ck_assert_str_eq(tls_anomaly_name(TLS_ANOM_COUNT), "invalid");
	ck_assert_str_eq(tls_stop_name(TLS_STOP_GAP), "gap");
	ck_assert_str_eq(tls_stop_name(TLS_STOP_RECORD_TOO_LONG),
			 "record_too_long");
	ck_assert_str_eq(tls_stop_name(TLS_STOP_NREASONS), "invalid");
	ck_assert_str_eq(tls_log_kind_name(TLS_LOG_ENCRYPTED), "encrypted");
	ck_assert_str_eq(tls_log_kind_name(TLS_LOG_NKINDS), "invalid");
	ck_assert_str_eq(tls_kx_name(TLS_KX_ECDHE), "ecdhe");
	ck_assert_str_eq(tls_kx_name(TLS_KX_NKINDS), "invalid");
	for (i = 0; i < TLS_LOG_NKINDS; i++)
		ck_assert_str_ne(tls_log_kind_name((enum tls_log_kind)i),
				 "invalid");
	for (i = 0; i < TLS_STOP_NREASONS; i++)
		ck_assert_str_ne(tls_stop_name((enum tls_stop)i), "invalid");
	for (i = 0; i < TLS_KX_NKINDS; i++)
		ck_assert_str_ne(tls_kx_name((enum tls_kx)i), "invalid");
	ck_assert(tls_msg_version_is_13(0x0304));
	ck_assert(tls_msg_version_is_13(0x7f17));
	ck_assert(!tls_msg_version_is_13(0x0303));
}
END_TEST

static Suite *
tls_msg_suite(void)
{
	Suite *s = suite_create("tls_msg");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_sh_tls13_draft);
	struct bb b;

	bb_init(&b);
	fx_client_hello(&b, FXC_ALL);
	ch_nlens = b.nlens;
	bb_free(&b);

	tcase_add_test(tc, test_ch_full);
	tcase_add_test(tc, test_ch_no_extensions);
	tcase_add_test(tc, test_ch_minimal_exts);
	tcase_add_loop_test(tc, test_ch_length_sweep, 0, ch_nlens);
	tcase_add_test(tc, test_ch_truncation);
	tcase_add_test(tc, test_ch_empty_suites_and_comp);
	tcase_add_test(tc, test_ch_sni_variants);
	tcase_add_test(tc, test_ch_ext_content_rules);
	tcase_add_test(tc, test_ch_list_caps);
	tcase_add_test(tc, test_ch_alpn_cap);
	tcase_add_test(tc, test_ch_duplicates_and_psk_order);
	tcase_add_test(tc, test_sslv2_hello);
	tcase_add_test(tc, test_sslv2_malformed);
	tcase_add_test(tc, test_sh_tls12);
	tcase_add_test(tc, test_sh_tls13_hrr_downgrade);
	tcase_add_test(tc, test_sh_length_sweep);
	tcase_add_test(tc, test_sh_truncation);
	tcase_add_test(tc, test_facts_hello_flow);
	tcase_add_test(tc, test_facts_hrr_second_hello);
	tcase_add_test(tc, test_facts_certificate);
	tcase_add_test(tc, test_facts_certificate_malformed);
	tcase_add_test(tc, test_facts_cert_status);
	tcase_add_test(tc, test_facts_ske);
	tcase_add_test(tc, test_facts_cert_request);
	tcase_add_test(tc, test_facts_other_messages);
	tcase_add_test(tc, test_facts_skipped);
	tcase_add_test(tc, test_facts_alerts_and_log);
	tcase_add_test(tc, test_facts_server_alpn);
	tcase_add_test(tc, test_facts_swap);
	tcase_add_test(tc, test_suite_kx);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(tls_msg_suite)
