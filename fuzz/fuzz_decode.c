/* fuzz_decode.c -- libFuzzer target: decode_packet() on one raw frame.
 *
 * Exercises the link, IPv4/IPv6 and TCP header decoding of decode.c
 * (RFC 791, RFC 8200, RFC 9293 as implemented there) for every link type it
 * supports and one it does not.  It never writes to the bytes it is given.
 *
 * Input layout:
 *   byte 0, low nibble    the link type: an index into dc_links[] (the
 *                         order fuzz/seeds.sh writes seeds in)
 *   byte 0, high nibble   0: the frame is whole (wirelen = caplen); k > 0:
 *                         it was cut by the snaplen, wirelen = caplen + 64k
 *   bytes 1..             the frame as captured (caplen bytes)
 *
 * The frame is the tail of the fuzzer's buffer, so any read past caplen is
 * a read past the allocation: ASan reports it.  On DEC_OK the promises of
 * decode.h are checked: the payload lies inside the frame, payload_len is
 * at most payload_wire, af is 4 or 6; on failure the status is one of the
 * named ones.  A broken promise calls abort().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <pcap/pcap.h>

#include "tlsdiag/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LINKTYPE_ values written in capture files that pcap_datalink() may hand
 * over unchanged (decode.c knows them by number). */
#define DC_LINKTYPE_RAW 101
#define DC_DLT_IPV4 228
#define DC_DLT_IPV6 229
#define DC_DLT_LINUX_SLL2 276

static const int dc_links[16] = {
    DLT_EN10MB,	     DLT_LINUX_SLL,  DC_DLT_LINUX_SLL2, DLT_RAW,
    DC_LINKTYPE_RAW, DC_DLT_IPV4,    DC_DLT_IPV6,	DLT_NULL,
    DLT_LOOP,	     DLT_IEEE802_11, /* not supported: must say so */
    DLT_EN10MB,	     DLT_EN10MB,     DLT_LINUX_SLL,	DLT_RAW,
    DLT_NULL,	     DLT_LOOP,
};

static volatile uint32_t dc_sink;

static void
dc_fail(const char *what)
{
	fprintf(stderr, "fuzz_decode: broken promise: %s\n", what);
	abort();
}

#define DC_CHECK(cond)                                                         \
	do {                                                                   \
		if (!(cond))                                                   \
			dc_fail(#cond);                                        \
	} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *frame, *end;
	uint32_t caplen, wirelen, i, s = 0;
	struct pkt p;
	int dlt, rc;

	if (size < 1 || size - 1 > UINT32_MAX / 2)
		return 0;
	dlt = dc_links[data[0] & 15];
	frame = data + 1;
	caplen = (uint32_t)(size - 1);
	wirelen = caplen + 64u * (uint32_t)(data[0] >> 4);
	end = frame + caplen;

	rc = decode_packet(dlt, frame, caplen, wirelen, 1700000000000000u, &p);
	DC_CHECK(decode_status_name(rc) != NULL);
	if (!decode_link_supported(dlt)) {
		DC_CHECK(rc == DEC_UNSUPPORTED_LINK);
		return 0;
	}
	if (rc != DEC_OK) {
		DC_CHECK(rc < 0 && -rc < DEC_NSTATUS);
		DC_CHECK(rc != DEC_UNSUPPORTED_LINK);
		/* A whole frame cannot be "cut by the snaplen". */
		if (wirelen == caplen)
			DC_CHECK(rc != DEC_TRUNCATED);
		return 0;
	}
	DC_CHECK(p.af == 4 || p.af == 6);
	DC_CHECK(p.caplen == caplen && p.wirelen == wirelen);
	DC_CHECK(p.payload != NULL);
	DC_CHECK(p.payload >= frame && p.payload <= end);
	DC_CHECK(p.payload_len <= (uint32_t)(end - p.payload));
	DC_CHECK(p.payload_len <= p.payload_wire);
	if (wirelen == caplen)
		DC_CHECK(p.payload_len == p.payload_wire);
	/* Touch every payload byte: ASan checks they are in the frame. */
	for (i = 0; i < p.payload_len; i++)
		s += p.payload[i];
	dc_sink += s;
	return 0;
}
