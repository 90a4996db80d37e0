/* check_tlsdec.c -- tests of tlsdec: the RFC 8448 key schedule and records
 * as known answers, real captures of four stacks and every supported AEAD
 * replayed with their key logs, and the refusals (altered bytes, wrong
 * sequence numbers, lengths, arguments).
 *
 * Inputs: tests/fixtures/tlsdec/NAME.records (the TLS records of one TCP
 * connection, "c HEX" / "s HEX" lines, cut from captures/ or from captures
 * made on 127.0.0.1 with openssl s_server / s_client; see the README there)
 * and NAME.keylog (the client's key log lines for that connection), read
 * relative to the repository top, where tests run.  RFC 8448 values were
 * typed in; each record's AEAD tag proves them.  Expected handshake logs
 * were checked against tshark's decryption of the same captures.  Must
 * never: print a secret.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tlsdiag/cur.h"
#include "tlsdiag/keylog.h"
#include "tlsdiag/tlsdec.h"

#define FIX "tests/fixtures/tlsdec/"

/* Decode hex, skipping blanks; the byte count. */
static size_t
unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned v;

	for (;;) {
		while (*s == ' ' || *s == '\n')
			s++;
		if (*s == '\0' || *s == '\r')
			break;
		ck_assert_int_eq(sscanf(s, "%2x", &v), 1);
		ck_assert_uint_lt(n, max);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/*
 * RFC 8448 3, "Simple 1-RTT Handshake" (TLS_AES_128_GCM_SHA256).
 */
struct kat_secret {
	const char *name;
	const char *secret;
	const char *key;
	const char *iv;
};

static const struct kat_secret kat_secrets[] = {
    {"server handshake",
     "b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d"
     " 42 be fd 59 d3 91 ad 38",
     "3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc",
     "5d 31 3e b2 67 12 76 ee 13 00 0b 30"},
    {"client handshake",
     "b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f 3b 1a 95 07 38 f5 2e 96"
     " 00 74 6a 0e 27 a5 5a 21",
     "db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01",
     "5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f"},
    {"server application",
     "a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a"
     " 4b 4f 1f 3f cb 63 16 43",
     "9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56",
     "cf 78 2b 88 dd 83 54 9a ad f1 e9 84"},
    {"client application",
     "9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 87"
     " f7 92 eb b7 c1 75 04 a5",
     "17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51",
     "5b 78 92 3d ee 08 57 90 33 e5 23 d9"},
};

#define KAT_SHS 0
#define KAT_CHS 1
#define KAT_SAP 2
#define KAT_CAP 3

/* The server's encrypted flight: EncryptedExtensions, Certificate,
 * CertificateVerify, Finished in one record. */
static const char kat_flight[] =
    "17 03 03 02 a2 d1 ff 33 4a 56 f5 bf f6 59 4a 07 cc 87 b5 80 23 3f 50 0f"
    " 45 e4 89 e7 f3 3a f3 5e df 78 69 fc f4 0a a4 0a a2 b8 ea 73 f8 48 a7 ca"
    " 07 61 2e f9 f9 45 cb 96 0b 40 68 90 51 23 ea 78 b1 11 b4 29 ba 91 91 cd"
    " 05 d2 a3 89 28 0f 52 61 34 aa dc 7f c7 8c 4b 72 9d f8 28 b5 ec f7 b1 3b"
    " d9 ae fb 0e 57 f2 71 58 5b 8e a9 bb 35 5c 7c 79 02 07 16 cf b9 b1 18 3e"
    " f3 ab 20 e3 7d 57 a6 b9 d7 47 76 09 ae e6 e1 22 a4 cf 51 42 73 25 25 0c"
    " 7d 0e 50 92 89 44 4c 9b 3a 64 8f 1d 71 03 5d 2e d6 5b 0e 3c dd 0c ba e8"
    " bf 2d 0b 22 78 12 cb b3 60 98 72 55 cc 74 41 10 c4 53 ba a4 fc d6 10 92"
    " 8d 80 98 10 e4 b7 ed 1a 8f d9 91 f0 6a a6 24 82 04 79 7e 36 a6 a7 3b 70"
    " a2 55 9c 09 ea d6 86 94 5b a2 46 ab 66 e5 ed d8 04 4b 4c 6d e3 fc f2 a8"
    " 94 41 ac 66 27 2f d8 fb 33 0e f8 19 05 79 b3 68 45 96 c9 60 bd 59 6e ea"
    " 52 0a 56 a8 d6 50 f5 63 aa d2 74 09 96 0d ca 63 d3 e6 88 61 1e a5 e2 2f"
    " 44 15 cf 95 38 d5 1a 20 0c 27 03 42 72 96 8a 26 4e d6 54 0c 84 83 8d 89"
    " f7 2c 24 46 1a ad 6d 26 f5 9e ca ba 9a cb bb 31 7b 66 d9 02 f4 f2 92 a3"
    " 6a c1 b6 39 c6 37 ce 34 31 17 b6 59 62 22 45 31 7b 49 ee da 0c 62 58 f1"
    " 00 d7 d9 61 ff b1 38 64 7e 92 ea 33 0f ae ea 6d fa 31 c7 a8 4d c3 bd 7e"
    " 1b 7a 6c 71 78 af 36 87 90 18 e3 f2 52 10 7f 24 3d 24 3d c7 33 9d 56 84"
    " c8 b0 37 8b f3 02 44 da 8c 87 c8 43 f5 e5 6e b4 c5 e8 28 0a 2b 48 05 2c"
    " f9 3b 16 49 9a 66 db 7c ca 71 e4 59 94 26 f7 d4 61 e6 6f 99 88 2b d8 9f"
    " c5 08 00 be cc a6 2d 6c 74 11 6d bd 29 72 fd a1 fa 80 f8 5d f8 81 ed be"
    " 5a 37 66 89 36 b3 35 58 3b 59 91 86 dc 5c 69 18 a3 96 fa 48 a1 81 d6 b6"
    " fa 4f 9d 62 d5 13 af bb 99 2f 2b 99 2f 67 f8 af e6 7f 76 91 3f a3 88 cb"
    " 56 30 c8 ca 01 e0 c6 5d 11 c6 6a 1e 2a c4 c8 59 77 b7 c7 a6 99 9b bf 10"
    " dc 35 ae 69 f5 51 56 14 63 6c 0b 9b 68 c1 9e d2 e3 1c 0b 3b 66 76 30 38"
    " eb ba 42 f3 b3 8e dc 03 99 f3 a9 f2 3f aa 63 97 8c 31 7f c9 fa 66 a7 3f"
    " 60 f0 50 4d e9 3b 5b 84 5e 27 55 92 c1 23 35 ee 34 0b bc 4f dd d5 02 78"
    " 40 16 e4 b3 be 7e f0 4d da 49 f4 b4 40 a3 0c b5 d2 af 93 98 28 fd 4a e3"
    " 79 4e 44 f9 4d f5 a6 31 ed e4 2c 17 19 bf da bf 02 53 fe 51 75 be 89 8e"
    " 75 0e dc 53 37 0d 2b";

/* The client's Finished, under the client handshake keys. */
static const char kat_cfin[] =
    "17 03 03 00 35 75 ec 4d c2 38 cc e6 0b 29 80 44 a7 1e 21 9c 56 cc 77 b0"
    " 51 7f e9 b9 3c 7a 4b fc 44 d8 7f 38 f8 03 38 ac 98 fc 46 de b3 84 bd 1c"
    " ae ac ab 68 67 d7 26 c4 05 46";

/* The client's 50 bytes of application data (00 01 .. 31). */
static const char kat_capp[] =
    "17 03 03 00 43 a2 3f 70 54 b6 2c 94 d0 af fa fe 82 28 ba 55 cb ef ac ea"
    " 42 f9 14 aa 66 bc ab 3f 2b 98 19 a8 a5 b4 6b 39 5b d5 4a 9a 20 44 1e 2b"
    " 62 97 4e 1f 5a 62 92 a2 97 70 14 bd 1e 3d ea e6 3a ee bb 21 69 49 15 e4";

/* close_notify from each side: the client's second application record,
 * the server's third (after its NewSessionTicket and its reply). */
static const char kat_calert[] = "17 03 03 00 13 c9 87 27 60 65 56 66 b7 4d 7f"
				 " f1 15 3e fd 6d b6 d0 b0 e3";
static const char kat_salert[] = "17 03 03 00 13 b5 8f d6 71 66 eb f5 99 d2 47"
				 " 20 cf be 7e fa 7a 88 64 a9";

START_TEST(t_rfc8448_keys)
{
	const struct kat_secret *k = &kat_secrets[_i];
	uint8_t secret[32], key[16], iv[12];
	struct tlsdec_dir d;

	memset(&d, 0, sizeof(d));
	ck_assert_uint_eq(unhex(k->secret, secret, sizeof(secret)), 32);
	ck_assert_uint_eq(unhex(k->key, key, sizeof(key)), 16);
	ck_assert_uint_eq(unhex(k->iv, iv, sizeof(iv)), 12);
	ck_assert_int_eq(tlsdec_dir_init(&d, 0x1301, secret, 32), TLSDEC_OK);
	ck_assert_msg(memcmp(d.key, key, 16) == 0, "%s key", k->name);
	ck_assert_msg(memcmp(d.iv, iv, 12) == 0, "%s iv", k->name);
	ck_assert_uint_eq(d.seq, 0);
	ck_assert_ptr_eq(d.suite, tlsdec_suite_find(0x1301));
}
END_TEST

/* HKDF-Expand-Label with a context: Derive-Secret(early secret, "derived",
 * "") of RFC 8448 3 is HKDF-Expand-Label(early, "derived", SHA-256(""),
 * 32). */
START_TEST(t_rfc8448_derived)
{
	uint8_t early[32], empty_hash[32], want[32], got[32];

	unhex("33 ad 0a 1c 60 7e c0 3b 09 e6 cd 98 93 68 0c e2 10 ad f3 00 aa"
	      " 1f 26 60 e1 b2 2e 10 f1 70 f9 2a",
	      early, sizeof(early));
	unhex("e3 b0 c4 42 98 fc 1c 14 9a fb f4 c8 99 6f b9 24 27 ae 41 e4 64"
	      " 9b 93 4c a4 95 99 1b 78 52 b8 55",
	      empty_hash, sizeof(empty_hash));
	unhex("6f 26 15 a1 08 c7 02 c5 67 8f 54 fc 9d ba b6 97 16 c0 76 18 9c"
	      " 48 25 0c eb ea c3 57 6c 36 11 ba",
	      want, sizeof(want));
	ck_assert_int_eq(tlsdec_hkdf_expand_label(TLSDEC_SHA256, early, 32,
						  "derived", empty_hash, 32,
						  got, 32),
			 TLSDEC_OK);
	ck_assert(memcmp(got, want, 32) == 0);
}
END_TEST

/* Open one typed-in record; returns the status. */
static int
open_kat(const char *rec, int secret, uint64_t seq, uint8_t *out,
	 size_t *outlen, uint8_t *type)
{
	uint8_t s[32], r[1024];
	struct tlsdec_dir d;
	size_t n;

	memset(&d, 0, sizeof(d));
	unhex(kat_secrets[secret].secret, s, sizeof(s));
	n = unhex(rec, r, sizeof(r));
	ck_assert_int_eq(tlsdec_dir_init(&d, 0x1301, s, 32), TLSDEC_OK);
	d.seq = seq;
	return tlsdec_record(&d, r, r + 5, n - 5, out, outlen, type);
}

/* The handshake message types in a plaintext, in order, as "8 11 15 20". */
static void
hs_types(const uint8_t *p, size_t n, char *log, size_t logsz)
{
	struct cur c = cur_make(p, n), body;
	uint8_t t;
	size_t used = 0;

	log[0] = '\0';
	while (c.left > 0) {
		cur_u8(&c, &t);
		cur_vec24(&c, &body);
		ck_assert(!c.bad);
		used += (size_t)snprintf(log + used, logsz - used, "%s%u",
					 used ? " " : "", t);
		ck_assert_uint_lt(used, logsz);
	}
}

START_TEST(t_rfc8448_records)
{
	uint8_t out[1024], type;
	size_t outlen, i;
	char log[64];

	/* The server flight: 657 bytes of handshake, padding-free. */
	ck_assert_int_eq(open_kat(kat_flight, KAT_SHS, 0, out, &outlen, &type),
			 TLSDEC_OK);
	ck_assert_uint_eq(type, 22);
	ck_assert_uint_eq(outlen, 657);
	hs_types(out, outlen, log, sizeof(log));
	ck_assert_str_eq(log, "8 11 15 20");

	ck_assert_int_eq(open_kat(kat_cfin, KAT_CHS, 0, out, &outlen, &type),
			 TLSDEC_OK);
	ck_assert_uint_eq(type, 22);
	hs_types(out, outlen, log, sizeof(log));
	ck_assert_str_eq(log, "20");
	ck_assert_uint_eq(outlen, 4 + 32);

	ck_assert_int_eq(open_kat(kat_capp, KAT_CAP, 0, out, &outlen, &type),
			 TLSDEC_OK);
	ck_assert_uint_eq(type, 23);
	ck_assert_uint_eq(outlen, 50);
	for (i = 0; i < 50; i++)
		ck_assert_uint_eq(out[i], i);

	ck_assert_int_eq(open_kat(kat_calert, KAT_CAP, 1, out, &outlen, &type),
			 TLSDEC_OK);
	ck_assert_uint_eq(type, 21);
	ck_assert_uint_eq(outlen, 2);
	ck_assert_uint_eq(out[0], 1); /* warning */
	ck_assert_uint_eq(out[1], 0); /* close_notify */

	ck_assert_int_eq(open_kat(kat_salert, KAT_SAP, 2, out, &outlen, &type),
			 TLSDEC_OK);
	ck_assert_uint_eq(type, 21);
	ck_assert_uint_eq(outlen, 2);

	/* The wrong sequence number or the other side's keys: refused. */
	ck_assert_int_eq(open_kat(kat_calert, KAT_CAP, 0, out, &outlen, &type),
			 TLSDEC_E_AUTH);
	ck_assert_int_eq(open_kat(kat_cfin, KAT_SHS, 0, out, &outlen, &type),
			 TLSDEC_E_AUTH);
	ck_assert_uint_eq(outlen, 0);
}
END_TEST

/* Every single byte of the client Finished flipped: never accepted, the
 * sequence number stays, nothing of the plaintext is left in out. */
START_TEST(t_flip)
{
	uint8_t s[32], r[128], out[128], type;
	struct tlsdec_dir d;
	size_t n, outlen, i;
	int rc;

	memset(&d, 0, sizeof(d));
	unhex(kat_secrets[KAT_CHS].secret, s, sizeof(s));
	n = unhex(kat_cfin, r, sizeof(r));
	ck_assert_uint_lt((size_t)_i, n);
	ck_assert_int_eq(tlsdec_dir_init(&d, 0x1301, s, 32), TLSDEC_OK);
	r[_i] ^= 0x01;
	memset(out, 0xaa, sizeof(out));
	rc = tlsdec_record(&d, r, r + 5, n - 5, out, &outlen, &type);
	/* A flipped length byte no longer matches len: an argument error;
	 * any other byte breaks the tag. */
	ck_assert_int_eq(rc, _i == 3 || _i == 4 ? TLSDEC_E_ARG : TLSDEC_E_AUTH);
	ck_assert_uint_eq(d.seq, 0);
	ck_assert_uint_eq(outlen, 0);
	ck_assert_uint_eq(d.records_failed, 1);
	if (rc == TLSDEC_E_AUTH)
		for (i = 0; i < n - 5; i++)
			ck_assert_uint_eq(out[i], 0);
	/* The unaltered record still opens with the same state. */
	r[_i] ^= 0x01;
	ck_assert_int_eq(
	    tlsdec_record(&d, r, r + 5, n - 5, out, &outlen, &type), TLSDEC_OK);
	ck_assert_uint_eq(d.seq, 1);
}
END_TEST

/* Seal a TLS 1.3 AES-GCM record with d's keys at d's sequence number (a
 * test-only encrypter, to make records the captures do not contain). */
static size_t
seal13(const struct tlsdec_dir *d, const uint8_t *inner, size_t n, uint8_t *rec)
{
	uint8_t nonce[12];
	Aes aes;
	int i;

	rec[0] = 23;
	rec[1] = 3;
	rec[2] = 3;
	rec[3] = (uint8_t)((n + 16) >> 8);
	rec[4] = (uint8_t)(n + 16);
	memcpy(nonce, d->iv, 12);
	for (i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(d->seq >> (8 * i));
	ck_assert_int_eq(wc_AesInit(&aes, NULL, INVALID_DEVID), 0);
	ck_assert_int_eq(wc_AesGcmSetKey(&aes, d->key, d->suite->key_len), 0);
	ck_assert_int_eq(wc_AesGcmEncrypt(&aes, rec + 5, inner, (word32)n,
					  nonce, 12, rec + 5 + n, 16, rec, 5),
			 0);
	wc_AesFree(&aes);
	return n + 5 + 16;
}

/* RFC 8446 5.4: the content type is the last non-zero byte; any amount of
 * zero padding is stripped; a content of zeros keeps its zeros. */
struct pad_case {
	size_t content; /* content bytes (all zero) */
	size_t pad;	/* padding zeros */
	uint8_t type;	/* 0: no type byte at all (all zeros) */
	int want;
};

static const struct pad_case pad_cases[] = {
    {2, 0, 21, TLSDEC_OK},	   {2, 1, 21, TLSDEC_OK},
    {0, 500, 22, TLSDEC_OK},	   {100, 100, 23, TLSDEC_OK},
    {0, 16000, 23, TLSDEC_OK},	   {0, 0, 23, TLSDEC_OK},
    {0, 1, 0, TLSDEC_E_MALFORMED}, {0, 300, 0, TLSDEC_E_MALFORMED},
    {0, 16384, 21, TLSDEC_OK}, /* 2^14 + 1 inner: 2^14 + 17 record */
};

START_TEST(t_padding)
{
	const struct pad_case *pc = &pad_cases[_i];
	static uint8_t inner[17000], rec[17100], out[17100];
	uint8_t s[32], type;
	struct tlsdec_dir d;
	size_t n = 0, rn, outlen;

	memset(&d, 0, sizeof(d));
	unhex(kat_secrets[KAT_SAP].secret, s, sizeof(s));
	ck_assert_int_eq(tlsdec_dir_init(&d, 0x1301, s, 32), TLSDEC_OK);
	d.seq = 7;
	memset(inner, 0, sizeof(inner));
	n = pc->content;
	if (pc->type != 0)
		inner[n++] = pc->type;
	n += pc->pad;
	rn = seal13(&d, inner, n, rec);
	ck_assert_int_eq(
	    tlsdec_record(&d, rec, rec + 5, rn - 5, out, &outlen, &type),
	    pc->want);
	/* The record was authentic either way: its number is used. */
	ck_assert_uint_eq(d.seq, 8);
	if (pc->want == TLSDEC_OK) {
		ck_assert_uint_eq(type, pc->type);
		ck_assert_uint_eq(outlen, pc->content);
	} else {
		ck_assert_uint_eq(outlen, 0);
	}
}
END_TEST

/* Refusals that are not authentication failures. */
START_TEST(t_errors)
{
	static uint8_t r[20000], out[20000];
	uint8_t s[48] = {0}, type, master[48] = {0};
	uint8_t cr[32] = {0}, sr[32] = {0};
	struct tlsdec_dir d, c2, s2;
	size_t outlen;

	memset(&d, 0, sizeof(d));
	/* Not initialised. */
	memcpy(r, "\x17\x03\x03\x00\x20", 5);
	ck_assert_int_eq(tlsdec_record(&d, r, r + 5, 32, out, &outlen, &type),
			 TLSDEC_E_ARG);
	/* Unknown, CBC and TLS 1.2 suites for a TLS 1.3 secret, and the
	 * reverse. */
	ck_assert_int_eq(tlsdec_dir_init(&d, 0x002f, s, 32),
			 TLSDEC_E_UNSUPPORTED);
	ck_assert_int_eq(tlsdec_dir_init(&d, 0xc02f, s, 32),
			 TLSDEC_E_UNSUPPORTED);
	ck_assert_ptr_null(
	    tlsdec_suite_find(0x0005)); /* RC4: a stream cipher */
	ck_assert_int_eq(tlsdec_tls12_init(&c2, &s2, 0x1301, 0x0303, false,
					   master, 48, cr, sr),
			 TLSDEC_E_UNSUPPORTED);
	ck_assert_ptr_null(c2.suite);
	/* Secrets of the wrong length for the suite's hash. */
	ck_assert_int_eq(tlsdec_dir_init(&d, 0x1302, s, 32), TLSDEC_E_ARG);
	ck_assert_int_eq(tlsdec_dir_init(&d, 0x1301, s, 48), TLSDEC_E_ARG);
	ck_assert_ptr_null(d.suite);
	ck_assert_int_eq(tlsdec_tls12_init(&c2, &s2, 0xc02f, 0x0303, false,
					   master, 32, cr, sr),
			 TLSDEC_E_ARG);

	/* TLS 1.3: shorter than type + tag, longer than 2^14 + 256, header
	 * length not len. */
	ck_assert_int_eq(tlsdec_dir_init(&d, 0x1303, s, 32), TLSDEC_OK);
	memcpy(r, "\x17\x03\x03\x00\x10", 5);
	ck_assert_int_eq(tlsdec_record(&d, r, r + 5, 16, out, &outlen, &type),
			 TLSDEC_E_MALFORMED);
	memcpy(r, "\x17\x03\x03\x41\x01", 5);
	ck_assert_int_eq(
	    tlsdec_record(&d, r, r + 5, 0x4101, out, &outlen, &type),
	    TLSDEC_E_MALFORMED);
	memcpy(r, "\x17\x03\x03\x00\x20", 5);
	ck_assert_int_eq(tlsdec_record(&d, r, r + 5, 33, out, &outlen, &type),
			 TLSDEC_E_ARG);
	ck_assert_uint_eq(d.seq, 0);
	ck_assert_uint_eq(d.records_failed, 4); /* with the first */

	/* TLS 1.2 GCM: shorter than explicit nonce + tag. */
	ck_assert_int_eq(tlsdec_tls12_init(&c2, &s2, 0xc02f, 0x0303, false,
					   master, 48, cr, sr),
			 TLSDEC_OK);
	memcpy(r, "\x16\x03\x03\x00\x17", 5);
	ck_assert_int_eq(tlsdec_record(&c2, r, r + 5, 23, out, &outlen, &type),
			 TLSDEC_E_MALFORMED);
	/* Exactly nonce + tag: an empty record, which only fails the tag. */
	memcpy(r, "\x16\x03\x03\x00\x18", 5);
	memset(r + 5, 0, 24);
	ck_assert_int_eq(tlsdec_record(&c2, r, r + 5, 24, out, &outlen, &type),
			 TLSDEC_E_AUTH);

	tlsdec_dir_wipe(&c2);
	ck_assert_ptr_null(c2.suite);
	ck_assert_int_eq(tlsdec_record(&c2, r, r + 5, 24, out, &outlen, &type),
			 TLSDEC_E_ARG);

	/* Versions: the AEAD suites are TLS 1.2's only; CBC from TLS 1.0,
	 * not SSL 3.0. */
	ck_assert_int_eq(tlsdec_tls12_init(&c2, &s2, 0xc02f, 0x0301, false,
					   master, 48, cr, sr),
			 TLSDEC_E_UNSUPPORTED);
	ck_assert_int_eq(tlsdec_tls12_init(&c2, &s2, 0x002f, 0x0300, false,
					   master, 48, cr, sr),
			 TLSDEC_E_UNSUPPORTED);
	ck_assert_int_eq(tlsdec_tls12_init(&c2, &s2, 0x002f, 0x0301, false,
					   master, 48, cr, sr),
			 TLSDEC_OK);
	ck_assert_int_eq(c2.suite->block, 16);
	ck_assert_int_eq(c2.suite->mac_len, 20);

	/* CBC, MAC-then-encrypt, TLS 1.2 (explicit IV): not whole blocks,
	 * or too short for IV + one block holding MAC and padding length:
	 * malformed; well formed but not from these keys: the padding or
	 * the MAC fails (auth), and nothing is left in `out`. */
	ck_assert_int_eq(tlsdec_tls12_init(&c2, &s2, 0x002f, 0x0303, false,
					   master, 48, cr, sr),
			 TLSDEC_OK);
	c2.records_failed = 0;
	memset(r + 5, 0xab, 64);
	memcpy(r, "\x15\x03\x03\x00\x3f", 5);
	ck_assert_int_eq(tlsdec_record(&c2, r, r + 5, 63, out, &outlen, &type),
			 TLSDEC_E_MALFORMED);
	memcpy(r, "\x15\x03\x03\x00\x20", 5); /* IV + 16: < MAC + 1 */
	ck_assert_int_eq(tlsdec_record(&c2, r, r + 5, 32, out, &outlen, &type),
			 TLSDEC_E_MALFORMED);
	memcpy(r, "\x15\x03\x03\x00\x30", 5);
	memset(out, 0x55, 48);
	ck_assert_int_eq(tlsdec_record(&c2, r, r + 5, 48, out, &outlen, &type),
			 TLSDEC_E_AUTH);
	ck_assert_uint_eq(outlen, 0);
	ck_assert_uint_eq(out[0] | out[17] | out[47], 0);
	ck_assert_uint_eq(c2.seq, 0);
	ck_assert_uint_eq(c2.records_failed, 3);
	/* Encrypt-then-MAC: the MAC (20 bytes after IV + ciphertext) is
	 * checked first. */
	ck_assert_int_eq(tlsdec_tls12_init(&c2, &s2, 0x002f, 0x0303, true,
					   master, 48, cr, sr),
			 TLSDEC_OK);
	memcpy(r, "\x15\x03\x03\x00\x34", 5); /* 16 + 16 + 20 */
	ck_assert_int_eq(tlsdec_record(&c2, r, r + 5, 52, out, &outlen, &type),
			 TLSDEC_E_AUTH);
	memcpy(r, "\x15\x03\x03\x00\x33", 5); /* a block short by one */
	ck_assert_int_eq(tlsdec_record(&c2, r, r + 5, 51, out, &outlen, &type),
			 TLSDEC_E_MALFORMED);
	memcpy(r, "\x15\x03\x03\x00\x10", 5); /* shorter than the MAC */
	ck_assert_int_eq(tlsdec_record(&c2, r, r + 5, 16, out, &outlen, &type),
			 TLSDEC_E_MALFORMED);
	tlsdec_dir_wipe(&c2);
	tlsdec_dir_wipe(&s2);
	ck_assert_str_eq(tlsdec_strerror(TLSDEC_E_AUTH), "auth");
}
END_TEST

START_TEST(t_hkdf_args)
{
	uint8_t s[32] = {0}, out[64];
	char label[260];

	memset(label, 'a', sizeof(label));
	label[249] = '\0';
	ck_assert_int_eq(tlsdec_hkdf_expand_label(TLSDEC_SHA256, s, 32, label,
						  NULL, 0, out, 32),
			 TLSDEC_OK);
	label[249] = 'a';
	label[250] = '\0';
	ck_assert_int_eq(tlsdec_hkdf_expand_label(TLSDEC_SHA256, s, 32, label,
						  NULL, 0, out, 32),
			 TLSDEC_E_ARG);
	ck_assert_int_eq(tlsdec_hkdf_expand_label(TLSDEC_SHA256, s, 32, "key",
						  s, 256, out, 32),
			 TLSDEC_E_ARG);
	ck_assert_int_eq(tlsdec_hkdf_expand_label(TLSDEC_SHA256, s, 32, "key",
						  NULL, 0, out, 0),
			 TLSDEC_E_ARG);
	ck_assert_uint_eq(tlsdec_hash_len(TLSDEC_SHA384), 48);
}
END_TEST

/*
 * Replays of real connections: the record layer's job done the way the
 * header tells it to (keys from the key log by client random, the
 * handshake epoch from the first protected record, the application epoch
 * after the record that completes the Finished; TLS 1.2 from each side's
 * ChangeCipherSpec), with a log of what each side sent.
 */
#define REC_MAX 64

struct rec {
	int dir;
	uint8_t *b;
	size_t len;
};

struct side {
	struct tlsdec_dir dec;
	int epoch; /* 0 plaintext, 1 handshake (1.2: after CCS), 2 app */
	uint8_t hs[1 << 16];
	size_t hslen;
	char log[1024];
	size_t loglen;
};

struct replay {
	struct rec r[REC_MAX];
	unsigned n;
	struct keylog_secrets k;
	uint16_t suite;
	uint16_t version; /* the ServerHello's (TLS <= 1.2) */
	bool tls13;
	bool etm; /* the ServerHello agreed to encrypt_then_mac */
	uint8_t crandom[32], srandom[32];
	struct tlsdec_dir tls12[2];
	struct side side[2];
};

static void
say(struct side *s, const char *fmt, unsigned a, unsigned b)
{
	int n = snprintf(s->log + s->loglen, sizeof(s->log) - s->loglen, fmt,
			 s->loglen ? " " : "", a, b);

	ck_assert(n > 0 && (size_t)n < sizeof(s->log) - s->loglen);
	s->loglen += (size_t)n;
}

static void
load(struct replay *rp, const char *name)
{
	char path[256], *line = NULL;
	size_t cap = 0, n;
	ssize_t got;
	FILE *f;

	snprintf(path, sizeof(path), FIX "%s.records", name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	while ((got = getline(&line, &cap, f)) > 0) {
		if (line[0] == '#')
			continue;
		ck_assert(line[0] == 'c' || line[0] == 's');
		ck_assert_uint_lt(rp->n, REC_MAX);
		n = (size_t)got / 2;
		rp->r[rp->n].b = malloc(n);
		ck_assert_ptr_nonnull(rp->r[rp->n].b);
		rp->r[rp->n].dir = line[0] == 'c' ? 0 : 1;
		rp->r[rp->n].len = unhex(line + 2, rp->r[rp->n].b, n);
		ck_assert_uint_ge(rp->r[rp->n].len, 5);
		rp->n++;
	}
	free(line);
	fclose(f);
}

/* The first ClientHello's random, the real ServerHello's random, suite and
 * version (an HRR, RFC 8446 4.1.3, has a fixed random: skipped). */
static void
hellos(struct replay *rp)
{
	static const uint8_t hrr[32] = {
	    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
	    0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
	    0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
	bool ch = false, sh = false;
	unsigned i;

	for (i = 0; i < rp->n; i++) {
		struct cur c = cur_make(rp->r[i].b + 5, rp->r[i].len - 5);
		struct cur sid, exts, ext;
		uint8_t t, comp, rnd[32];
		uint16_t ver, suite, et;
		uint32_t len;

		if (rp->r[i].b[0] != 22)
			continue;
		cur_u8(&c, &t);
		cur_u24(&c, &len);
		cur_u16(&c, &ver);
		cur_bytes(&c, 32, rnd);
		if (c.bad) /* a TLS 1.2 encrypted Finished */
			continue;
		if (t == 1 && !ch) {
			memcpy(rp->crandom, rnd, 32);
			ch = true;
		}
		if (t != 2 || sh || memcmp(rnd, hrr, 32) == 0)
			continue;
		memcpy(rp->srandom, rnd, 32);
		rp->version = ver;
		cur_vec8(&c, &sid);
		cur_u16(&c, &suite);
		cur_u8(&c, &comp);
		cur_vec16(&c, &exts);
		ck_assert(!c.bad);
		rp->suite = suite;
		while (exts.left > 0) {
			cur_u16(&exts, &et);
			cur_vec16(&exts, &ext);
			if (et == 22)
				rp->etm = true;
			cur_u16(&ext, &ver);
			if (et == 43 && ver == 0x0304)
				rp->tls13 = true;
		}
		ck_assert(!exts.bad);
		sh = true;
	}
	ck_assert(ch && sh);
}

/* Handshake bytes of one side: log each complete message; true if one of
 * them was a Finished. */
static bool
hs_feed(struct side *s, const uint8_t *p, size_t n, const char *fmt)
{
	bool fin = false;
	size_t mlen;

	ck_assert_uint_le(n, sizeof(s->hs) - s->hslen);
	memcpy(s->hs + s->hslen, p, n);
	s->hslen += n;
	while (s->hslen >= 4) {
		mlen = 4 + ((size_t)s->hs[1] << 16 | (size_t)s->hs[2] << 8 |
			    s->hs[3]);
		if (mlen > s->hslen)
			break;
		say(s, fmt, s->hs[0], 0);
		fin |= s->hs[0] == 20;
		memmove(s->hs, s->hs + mlen, s->hslen - mlen);
		s->hslen -= mlen;
	}
	return fin;
}

static void
start_epoch(struct replay *rp, int dir, enum keylog_kind kind, int epoch)
{
	struct side *s = &rp->side[dir];

	ck_assert_msg(keylog_has(&rp->k, kind), "no %s",
		      keylog_kind_label(kind));
	ck_assert_int_eq(tlsdec_dir_init(&s->dec, rp->suite, rp->k.secret[kind],
					 rp->k.len[kind]),
			 TLSDEC_OK);
	s->epoch = epoch;
}

static void
replay_record(struct replay *rp, const struct rec *r)
{
	static uint8_t out[20000];
	struct side *s = &rp->side[r->dir];
	uint8_t type = r->b[0], inner;
	size_t outlen, i;
	bool enc;
	int rc;

	if (type == 20) {
		say(s, "%sccs", 0, 0);
		/* TLS 1.2: this side's records are protected from here on
		 * (the TLS 1.3 CCS is the compatibility one, RFC 8446 D.4). */
		if (!rp->tls13) {
			s->dec = rp->tls12[r->dir];
			s->epoch = 1;
		}
		return;
	}
	enc = rp->tls13 ? type == 23 : s->epoch > 0;
	if (!enc) {
		if (type == 22)
			(void)hs_feed(s, r->b + 5, r->len - 5, "%sH%u");
		else if (type == 21 && r->len == 7)
			say(s, "%sA%u.%u", r->b[5], r->b[6]);
		else
			say(s, "%sP%u", type, 0);
		return;
	}
	if (rp->tls13 && s->epoch == 0)
		start_epoch(rp, r->dir,
			    r->dir == 0 ? KEYLOG_CLIENT_HANDSHAKE
					: KEYLOG_SERVER_HANDSHAKE,
			    1);
	rc = tlsdec_record(&s->dec, r->b, r->b + 5, r->len - 5, out, &outlen,
			   &inner);
	if (rc != TLSDEC_OK) {
		say(s, "%sx%u", (unsigned)-rc, 0);
		return;
	}
	switch (inner) {
	case 22:
		if (hs_feed(s, out, outlen, "%sh%u") && rp->tls13 &&
		    s->epoch == 1) {
			/* The Finished ends this side's handshake epoch;
			 * its next record uses the application secret. */
			if (keylog_has(&rp->k, r->dir == 0
						   ? KEYLOG_CLIENT_TRAFFIC_0
						   : KEYLOG_SERVER_TRAFFIC_0))
				start_epoch(rp, r->dir,
					    r->dir == 0
						? KEYLOG_CLIENT_TRAFFIC_0
						: KEYLOG_SERVER_TRAFFIC_0,
					    2);
			else
				tlsdec_dir_wipe(&s->dec);
		}
		break;
	case 21:
		for (i = 0; i + 1 < outlen; i += 2)
			say(s, "%sa%u.%u", out[i], out[i + 1]);
		break;
	case 23:
		say(s, "%sd%u", (unsigned)outlen, 0);
		break;
	default:
		say(s, "%s?%u", inner, 0);
		break;
	}
}

struct replay_case {
	const char *name;
	uint16_t suite;
	const char *client; /* the client's log */
	const char *server; /* the server's log */
};

/*
 * Logs: Hn / hn a plaintext / decrypted handshake message of type n, ccs,
 * An.m / an.m a plaintext / decrypted alert (level.description), dN N bytes
 * of application data, xN a record refused with -N.
 */
static const struct replay_case replay_cases[] = {
    /* TLS_AES_256_GCM_SHA384 from three stacks in captures/. */
    {"tls13-openssl-ok", 0x1302, "H1 ccs h20 d49 a1.0",
     "H2 ccs h8 h11 h15 h20 h4 h4 d48 a1.0"},
    {"tls13-nginx-curl-ok", 0x1302, "H1 ccs h20 d93 a1.0",
     "H2 ccs h8 h11 h15 h20 h4 h4 d150"},
    /* gnutls-cli rejects the chain: bad_certificate (42) under the
     * client's handshake keys, the alert a passive observer cannot read.
     * It never derived the application secrets, so the server's tickets
     * stay unread (x4: no keys for the epoch). */
    {"tls13-gnutls-cert_untrusted_ca", 0x1302, "H1 ccs a2.42",
     "H2 ccs h8 h11 h15 h20 x4 x4"},
    /* HelloRetryRequest: a second ClientHello, same client random. */
    {"tls13-openssl-ok-hrr", 0x1302, "H1 ccs H1 h20 d49 a1.0",
     "H2 ccs H2 h8 h11 h15 h20 h4 h4 d48 a1.0"},
    /* The other TLS 1.3 AEADs, openssl on 127.0.0.1; the ChaCha20 server
     * pads every record to a multiple of 256 (-record_padding). */
    {"tls13-aes128gcm", 0x1301, "H1 ccs h20 d18 a1.0",
     "H2 ccs h8 h11 h15 h20 h4"},
    {"tls13-chacha20-padded", 0x1303, "H1 ccs h20 d18 a1.0",
     "H2 ccs h8 h11 h15 h20 h4 h4"},
    {"tls13-aes128ccm", 0x1304, "H1 ccs h20 d18 a1.0",
     "H2 ccs h8 h11 h15 h20 h4"},
    {"tls13-aes128ccm8", 0x1305, "H1 ccs h20 d18 a1.0",
     "H2 ccs h8 h11 h15 h20 h4"},
    /* TLS 1.2 AEAD suites: each side's Finished after its CCS. */
    {"tls12-aes128gcm", 0xc02f, "H1 H16 ccs h20 d18 a1.0",
     "H2 H11 H12 H14 H4 ccs h20"},
    {"tls12-aes256gcm", 0xc030, "H1 H16 ccs h20 d18 a1.0",
     "H2 H11 H12 H14 H4 ccs h20"},
    {"tls12-chacha20", 0xcca8, "H1 H16 ccs h20 d18 a1.0",
     "H2 H11 H12 H14 H4 ccs h20"},
    {"tls12-aes128ccm", 0xc09e, "H1 H16 ccs h20 d18 a1.0",
     "H2 H11 H12 H14 H4 ccs h20"},
    {"tls12-aes256ccm8", 0xc0a3, "H1 H16 ccs h20 d18 a1.0",
     "H2 H11 H12 H14 H4 ccs h20"},
    /* CBC suites: encrypt_then_mac (TLS 1.2 and 1.1, explicit IVs),
     * MAC-then-encrypt with HMAC-SHA384, TLS 1.0 (legacy PRF, chained
     * IVs, OpenSSL's empty record before each request and page against
     * BEAST), and 3DES from GnuTLS.  The application data lengths and
     * the alerts are those tshark decrypts from the same captures with
     * the same key logs (-z follow,tls,raw). */
    {"tls12-aes128cbc-etm", 0xc013, "H1 H16 ccs h20 d18 a1.0",
     "H2 H11 H12 H14 H4 ccs h20 d2149 a1.0"},
    {"tls12-aes256cbc-sha384", 0xc028, "H1 H16 ccs h20 d18 a1.0",
     "H2 H11 H12 H14 H4 ccs h20 d2161 a1.0"},
    {"tls11-aes256cbc-etm", 0xc014, "H1 H16 ccs h20 d18 a1.0",
     "H2 H11 H12 H14 H4 ccs h20 d1605 a1.0"},
    {"tls10-aes128cbc", 0x002f, "H1 H16 ccs h20 d0 d18 a1.0",
     "H2 H11 H14 H4 ccs h20 d0 d1442 a1.0"},
    {"tls12-3des", 0xc012, "H1 H11 H16 ccs h20 d18",
     "H2 H11 H12 H13 H14 H4 ccs h20 d860 a1.0"},
};

static void
replay_run(struct replay *rp, const char *name)
{
	struct keylog_store ks;
	struct keylog_file kf;
	char path[256], err[KEYLOG_ERR_SIZE];
	unsigned i;
	int d;

	load(rp, name);
	hellos(rp);
	keylog_store_init(&ks, 0, NULL);
	snprintf(path, sizeof(path), FIX "%s.keylog", name);
	ck_assert_msg(keylog_open(&kf, path, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_gt(keylog_poll(&kf, &ks), 0);
	keylog_close(&kf);
	ck_assert(keylog_lookup(&ks, rp->crandom, &rp->k));
	keylog_store_free(&ks);
	if (!rp->tls13) {
		ck_assert(keylog_has(&rp->k, KEYLOG_MASTER));
		ck_assert_int_eq(
		    tlsdec_tls12_init(
			&rp->tls12[0], &rp->tls12[1], rp->suite, rp->version,
			rp->etm, rp->k.secret[KEYLOG_MASTER],
			rp->k.len[KEYLOG_MASTER], rp->crandom, rp->srandom),
		    TLSDEC_OK);
	}
	/* The directions are independent: each in its own wire order. */
	for (d = 0; d < 2; d++)
		for (i = 0; i < rp->n; i++)
			if (rp->r[i].dir == d)
				replay_record(rp, &rp->r[i]);
}

static void
replay_free(struct replay *rp)
{
	unsigned i;

	for (i = 0; i < rp->n; i++)
		free(rp->r[i].b);
	tlsdec_dir_wipe(&rp->side[0].dec);
	tlsdec_dir_wipe(&rp->side[1].dec);
	free(rp);
}

START_TEST(t_replay)
{
	const struct replay_case *rc = &replay_cases[_i];
	struct replay *rp = calloc(1, sizeof(*rp));

	ck_assert_ptr_nonnull(rp);
	replay_run(rp, rc->name);
	ck_assert_uint_eq(rp->suite, rc->suite);
	ck_assert_msg(strcmp(rp->side[0].log, rc->client) == 0,
		      "%s client: got \"%s\"", rc->name, rp->side[0].log);
	ck_assert_msg(strcmp(rp->side[1].log, rc->server) == 0,
		      "%s server: got \"%s\"", rc->name, rp->side[1].log);
	replay_free(rp);
}
END_TEST

/* Without the application secret, a TLS 1.3 side's records after its
 * Finished are refused, never decrypted with the handshake keys. */
START_TEST(t_epoch_needed)
{
	struct replay *rp = calloc(1, sizeof(*rp));
	struct tlsdec_dir d;
	uint8_t out[4096], type;
	size_t outlen;
	unsigned i, seen = 0;

	ck_assert_ptr_nonnull(rp);
	replay_run(rp, "tls13-openssl-ok");
	memset(&d, 0, sizeof(d));
	ck_assert_int_eq(tlsdec_dir_init(&d, 0x1302,
					 rp->k.secret[KEYLOG_SERVER_HANDSHAKE],
					 48),
			 TLSDEC_OK);
	/* Server records 2..5 (EE, Certificate, CV, Finished) open with the
	 * handshake keys, the NewSessionTicket after them does not. */
	for (i = 0; i < rp->n; i++) {
		if (rp->r[i].dir != 1 || rp->r[i].b[0] != 23)
			continue;
		ck_assert_int_eq(tlsdec_record(&d, rp->r[i].b, rp->r[i].b + 5,
					       rp->r[i].len - 5, out, &outlen,
					       &type),
				 seen < 4 ? TLSDEC_OK : TLSDEC_E_AUTH);
		if (++seen == 5)
			break;
	}
	ck_assert_uint_eq(seen, 5);
	ck_assert_uint_eq(d.seq, 4);
	replay_free(rp);
}
END_TEST

/* Decrypting in place gives the same content, TLS 1.3 and TLS 1.2 (whose
 * content sits after the explicit nonce or IV), AEAD and CBC. */
START_TEST(t_inplace)
{
	static const char *const names[] = {
	    "tls13-aes128gcm", "tls12-aes128gcm",     "tls12-chacha20",
	    "tls12-aes128ccm", "tls12-aes128cbc-etm", "tls12-aes256cbc-sha384",
	    "tls10-aes128cbc", "tls12-3des"};
	struct replay *rp = calloc(1, sizeof(*rp));
	struct tlsdec_dir a, b;
	uint8_t sep[4096], type1, type2, *rec = NULL;
	size_t len1, len2;
	unsigned i;

	ck_assert_ptr_nonnull(rp);
	replay_run(rp, names[_i]);
	/* The server's Finished, the first record after its CCS (1.2) or
	 * its EncryptedExtensions (1.3). */
	for (i = 0; i + 1 < rp->n; i++)
		if (rp->r[i].dir == 1 && rp->r[i].b[0] == 20) {
			rec = rp->r[i + 1].b;
			len1 = rp->r[i + 1].len;
			break;
		}
	ck_assert_ptr_nonnull(rec);
	if (rp->tls13) {
		memset(&a, 0, sizeof(a));
		ck_assert_int_eq(
		    tlsdec_dir_init(&a, rp->suite,
				    rp->k.secret[KEYLOG_SERVER_HANDSHAKE],
				    rp->k.len[KEYLOG_SERVER_HANDSHAKE]),
		    TLSDEC_OK);
	} else {
		a = rp->tls12[1];
	}
	b = a;
	ck_assert_int_eq(
	    tlsdec_record(&a, rec, rec + 5, len1 - 5, sep, &len2, &type1),
	    TLSDEC_OK);
	ck_assert_int_eq(
	    tlsdec_record(&b, rec, rec + 5, len1 - 5, rec + 5, &len1, &type2),
	    TLSDEC_OK);
	ck_assert_uint_eq(len1, len2);
	ck_assert_uint_eq(type1, type2);
	ck_assert(memcmp(sep, rec + 5, len1) == 0);
	replay_free(rp);
}
END_TEST

static Suite *
tlsdec_suite(void)
{
	Suite *s = suite_create("tlsdec");
	TCase *tc = tcase_create("rfc8448");
	size_t flips = 5 + 0x35;

	tcase_add_loop_test(tc, t_rfc8448_keys, 0,
			    sizeof(kat_secrets) / sizeof(kat_secrets[0]));
	tcase_add_test(tc, t_rfc8448_derived);
	tcase_add_test(tc, t_rfc8448_records);
	tcase_add_loop_test(tc, t_flip, 0, (int)flips);
	suite_add_tcase(s, tc);

	tc = tcase_create("records");
	tcase_add_loop_test(tc, t_padding, 0,
			    sizeof(pad_cases) / sizeof(pad_cases[0]));
	tcase_add_test(tc, t_errors);
	tcase_add_test(tc, t_hkdf_args);
	suite_add_tcase(s, tc);

	tc = tcase_create("captures");
	tcase_add_loop_test(tc, t_replay, 0,
			    sizeof(replay_cases) / sizeof(replay_cases[0]));
	tcase_add_test(tc, t_epoch_needed);
	tcase_add_loop_test(tc, t_inplace, 0, 8);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(tlsdec_suite)
