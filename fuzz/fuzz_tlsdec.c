/* fuzz_tlsdec.c -- libFuzzer target: tlsdec_record() on hostile records
 * under known keys.
 *
 * The record layer hands tlsdec every protected record of a connection
 * whose secrets the key log had; the records themselves come from the
 * network.  A forged AEAD record never authenticates, but a CBC record
 * sent MAC-then-encrypt is decrypted before anything is checked, so the
 * padding and MAC arithmetic of RFC 5246 6.2.3.2 runs on plaintext the
 * sender chose (here: random).  Every suite tlsdec knows is reachable, in
 * every version it accepts, with and without encrypt_then_mac.
 *
 * Input layout:
 *   byte 0      the suite: an index into td_suites[] (modulo its size)
 *   byte 1      bits 0-1: TLS 1.0, 1.1, 1.2 (3: 1.2) for TLS <= 1.2
 *               suites; bit 2: encrypt_then_mac
 *   then        records, each [type][len16][len bytes] (the last one cut
 *               to what is left); the 5-byte header given to tlsdec is
 *               the type, the version and the length
 *
 * Each record is opened twice from the same state, into a separate buffer
 * and in place, and both must agree (status, length, content, the state
 * after).  tlsdec.h's promises are checked on every call: on success the
 * content fits in the record and the sequence number advanced by one; on
 * any error nothing is returned, `out` is zeroed and the sequence number
 * did not move (except for an authentic TLS 1.3 record that was all
 * zeros).  A broken promise calls abort().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsdiag/tlsdec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* TLS 1.3, TLS 1.2 AEAD, CBC of each MAC and cipher, and RC4 (not
 * supported: init must say so). */
static const uint16_t td_suites[] = {
    0x1301, 0x1302, 0x1303, 0x1304, 0x1305, 0xc02f, 0xc030,
    0xcca8, 0xc09e, 0xc0a3, 0x002f, 0x0035, 0x003c, 0x003d,
    0xc028, 0xc013, 0xc014, 0xc012, 0x000a, 0x0005,
};

#define TD_REC_MAX (TLSDEC_RECORD12_MAX + 64u)

static uint8_t td_rec[TD_REC_MAX], td_out[TD_REC_MAX];

static void
td_fail(const char *what)
{
	fprintf(stderr, "fuzz_tlsdec: broken promise: %s\n", what);
	abort();
}

#define TD_CHECK(cond)                                                         \
	do {                                                                   \
		if (!(cond))                                                   \
			td_fail(#cond);                                        \
	} while (0)

static bool
td_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* Check one call's promises; `before` is the state it started from. */
static void
td_promises(const struct tlsdec_dir *before, const struct tlsdec_dir *after,
	    int rc, const uint8_t *out, size_t len, size_t outlen,
	    uint8_t inner, uint8_t type)
{
	bool tls13 = before->suite->version == 13;

	TD_CHECK(rc == TLSDEC_OK || rc == TLSDEC_E_AUTH ||
		 rc == TLSDEC_E_MALFORMED || rc == TLSDEC_E_CRYPTO ||
		 rc == TLSDEC_E_UNSUPPORTED);
	if (rc == TLSDEC_OK) {
		TD_CHECK(outlen <= len);
		TD_CHECK(inner != 0);
		TD_CHECK(tls13 || inner == type);
		TD_CHECK(after->seq == before->seq + 1);
		TD_CHECK(after->records_ok == before->records_ok + 1);
		return;
	}
	TD_CHECK(outlen == 0 && inner == 0);
	TD_CHECK(td_zero(out, len));
	TD_CHECK(after->records_failed == before->records_failed + 1);
	TD_CHECK(after->seq == before->seq ||
		 (tls13 && rc == TLSDEC_E_MALFORMED &&
		  after->seq == before->seq + 1));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t secret[48] = {
	    0x5e, 0xc7, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12,
	    0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c,
	    0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26,
	    0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e};
	static const uint8_t cr[32] = {1}, sr[32] = {2};
	const struct tlsdec_suite *su;
	struct tlsdec_dir d, other, a, b;
	uint16_t id, version;
	size_t off = 2, len, la, lb;
	uint8_t hdr[5], ta, tb;
	int rc, ra, rb;

	if (size < 2)
		return 0;
	id = td_suites[data[0] % (sizeof(td_suites) / sizeof(td_suites[0]))];
	version = (uint16_t)(0x0301 + ((data[1] & 3) == 3 ? 2 : data[1] & 3));
	memset(&d, 0, sizeof(d));
	memset(&other, 0, sizeof(other));
	su = tlsdec_suite_find(id);
	if (su != NULL && su->version == 13) {
		version = 0x0303; /* the record header's legacy version */
		rc = tlsdec_dir_init(&d, id, secret, tlsdec_hash_len(su->hash));
	} else {
		rc = tlsdec_tls12_init(&d, &other, id, version,
				       (data[1] & 4) != 0, secret, 48, cr, sr);
	}
	if (su == NULL ||
	    (su->block == 0 && su->version == 12 && version != 0x0303)) {
		TD_CHECK(rc == TLSDEC_E_UNSUPPORTED && d.suite == NULL);
		return 0;
	}
	TD_CHECK(rc == TLSDEC_OK && d.suite == su);

	while (off + 3 <= size) {
		len = (size_t)data[off + 1] << 8 | data[off + 2];
		hdr[0] = data[off];
		off += 3;
		if (len > size - off)
			len = size - off;
		hdr[1] = (uint8_t)(version >> 8);
		hdr[2] = (uint8_t)version;
		hdr[3] = (uint8_t)(len >> 8);
		hdr[4] = (uint8_t)len;
		if (len > TD_REC_MAX - 5)
			break;

		/* Into a separate buffer (the record is the tail of a
		 * buffer of its own size: ASan sees any read past it). */
		a = d;
		memset(td_out, 0xee, len);
		{
			uint8_t *rec = malloc(len > 0 ? len : 1);

			TD_CHECK(rec != NULL);
			memcpy(rec, data + off, len);
			ra = tlsdec_record(&a, hdr, rec, len, td_out, &la, &ta);
			free(rec);
		}
		td_promises(&d, &a, ra, td_out, len, la, ta, hdr[0]);

		/* In place, from the same state. */
		b = d;
		memcpy(td_rec, data + off, len);
		rb = tlsdec_record(&b, hdr, td_rec, len, td_rec, &lb, &tb);
		td_promises(&d, &b, rb, td_rec, len, lb, tb, hdr[0]);

		TD_CHECK(ra == rb && la == lb && ta == tb);
		TD_CHECK(memcmp(td_out, td_rec, la) == 0);
		TD_CHECK(a.seq == b.seq &&
			 memcmp(a.iv, b.iv, sizeof(a.iv)) == 0);
		d = a;
		off += len;
	}
	tlsdec_dir_wipe(&d);
	tlsdec_dir_wipe(&other);
	TD_CHECK(d.suite == NULL);
	return 0;
}
