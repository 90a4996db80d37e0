/* replicate.c -- grow a real capture into a large one of distinct flows.
 *
 * Used by tests/bench/gen.sh when it recorded less real traffic than the
 * size asked for (BENCH_REAL_MB below BENCH_MB, or a slow machine that hit
 * the recording time limit): this program writes the recording out again
 * N times.  Copy k (k = 0 .. N-1):
 *   - has every timestamp shifted by k * (span of the input + 1 s), so the
 *     copies follow one another like one long capture and the number of
 *     concurrent flows stays that of the real recording;
 *   - has every IPv4 address except the server's increased by k * 256
 *     (10.77.1.5 becomes 10.77.2.5, 10.77.3.5, ...), so each copy is a
 *     distinct set of 5-tuples;
 *   - has the IPv4 header checksum and the TCP/UDP checksum adjusted for the
 *     new address (RFC 1624 incremental update), so the copies stay valid.
 * Copy 0 is the input unchanged.
 *
 * Scope is deliberately small: classic pcap (either byte order, micro- or
 * nanosecond timestamps) with Ethernet link type; IPv4 and ARP payloads are
 * rewritten, anything else is copied as is.  It trusts nothing in the input:
 * every field is checked against caplen before it is read.  It must never
 * change payload bytes, packet order within a copy, or packet lengths.
 *
 * Usage: replicate IN OUT TARGET_BYTES SERVER_IPV4
 * Prints one line of statistics on stdout.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCAP_HDR_LEN 24
#define REC_HDR_LEN 16
#define LINKTYPE_ETHERNET 1
#define ETH_HDR_LEN 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
/* A pcap record larger than this is corrupt (libpcap's own ceiling). */
#define MAX_CAPLEN 262144

struct input {
	uint8_t *buf; /* whole file, owned */
	size_t len;
	bool swapped;  /* header fields in the other byte order */
	uint32_t tick; /* timestamp sub-second units per second */
};

static uint16_t
get16be(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void
put16be(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Record header fields are in the writer's byte order. */
static uint32_t
get32h(const struct input *in, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	if (in->swapped)
		v = (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) |
		    (v << 24);
	return v;
}

static void
put32h(const struct input *in, uint8_t *p, uint32_t v)
{
	if (in->swapped)
		v = (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) |
		    (v << 24);
	memcpy(p, &v, sizeof(v));
}

/*
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), applied to both 16-bit halves of
 * a changed 32-bit address.
 */
static uint16_t
csum_adjust(uint16_t hc, uint32_t old, uint32_t new)
{
	uint32_t s = (uint16_t)~hc;

	s += (uint16_t) ~(old >> 16);
	s += (uint16_t) ~(old & 0xffff);
	s += new >> 16;
	s += new & 0xffff;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static int
load(const char *path, struct input *in)
{
	FILE *f;
	long sz;
	uint32_t magic, linktype;

	f = fopen(path, "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "replicate: %s: %s\n", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	in->len = (size_t)sz;
	in->buf = malloc(in->len > 0 ? in->len : 1);
	if (in->buf == NULL || fread(in->buf, 1, in->len, f) != in->len) {
		fprintf(stderr, "replicate: %s: cannot read\n", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	if (in->len < PCAP_HDR_LEN) {
		fprintf(stderr, "replicate: %s: too short for pcap\n", path);
		return -1;
	}
	memcpy(&magic, in->buf, sizeof(magic));
	switch (magic) {
	case 0xa1b2c3d4:
		in->swapped = false, in->tick = 1000000;
		break;
	case 0xd4c3b2a1:
		in->swapped = true, in->tick = 1000000;
		break;
	case 0xa1b23c4d:
		in->swapped = false, in->tick = 1000000000;
		break;
	case 0x4d3cb2a1:
		in->swapped = true, in->tick = 1000000000;
		break;
	default:
		fprintf(stderr, "replicate: %s: not a classic pcap file\n",
			path);
		return -1;
	}
	linktype = get32h(in, in->buf + 20) & 0x0fffffff;
	if (linktype != LINKTYPE_ETHERNET) {
		fprintf(stderr,
			"replicate: %s: link type %" PRIu32
			", only Ethernet (1) is supported\n",
			path, linktype);
		return -1;
	}
	return 0;
}

/* Moves one IPv4 address by shift unless it is the server's. */
static uint32_t
move_addr(uint32_t a, uint32_t server, uint32_t shift)
{
	return a == server ? a : a + shift;
}

static void
rewrite_ipv4(uint8_t *ip, size_t caplen, uint32_t server, uint32_t shift)
{
	size_t ihl, csum_off = 0;
	uint32_t os, od, ns, nd;
	uint16_t frag;
	uint8_t proto;

	if (caplen < 20 || (ip[0] >> 4) != 4)
		return;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < 20 || ihl > caplen)
		return;
	os = get32be(ip + 12);
	od = get32be(ip + 16);
	ns = move_addr(os, server, shift);
	nd = move_addr(od, server, shift);
	if (ns == os && nd == od)
		return;
	put32be(ip + 12, ns);
	put32be(ip + 16, nd);
	put16be(ip + 10,
		csum_adjust(csum_adjust(get16be(ip + 10), os, ns), od, nd));

	/* Only a first fragment carries the transport header. */
	frag = get16be(ip + 6) & 0x1fff;
	proto = ip[9];
	if (frag != 0)
		return;
	if (proto == 6)
		csum_off = ihl + 16;
	else if (proto == 17)
		csum_off = ihl + 6;
	else
		return;
	if (csum_off + 2 > caplen)
		return;
	/* RFC 768: a zero UDP checksum means "none" and must stay zero. */
	if (proto == 17 && get16be(ip + csum_off) == 0)
		return;
	put16be(
	    ip + csum_off,
	    csum_adjust(csum_adjust(get16be(ip + csum_off), os, ns), od, nd));
}

static void
rewrite_arp(uint8_t *arp, size_t caplen, uint32_t server, uint32_t shift)
{
	/* RFC 826 for Ethernet/IPv4: sender IP at 14, target IP at 24. */
	if (caplen < 28 || get16be(arp + 2) != ETHERTYPE_IPV4 || arp[4] != 6 ||
	    arp[5] != 4)
		return;
	put32be(arp + 14, move_addr(get32be(arp + 14), server, shift));
	put32be(arp + 24, move_addr(get32be(arp + 24), server, shift));
}

static void
rewrite(uint8_t *pkt, size_t caplen, uint32_t server, uint32_t shift)
{
	uint16_t type;

	if (caplen < ETH_HDR_LEN)
		return;
	type = get16be(pkt + 12);
	if (type == ETHERTYPE_IPV4)
		rewrite_ipv4(pkt + ETH_HDR_LEN, caplen - ETH_HDR_LEN, server,
			     shift);
	else if (type == ETHERTYPE_ARP)
		rewrite_arp(pkt + ETH_HDR_LEN, caplen - ETH_HDR_LEN, server,
			    shift);
}

/* A bare SYN (no ACK) opens one TCP connection. */
static bool
is_syn(const uint8_t *pkt, size_t caplen)
{
	size_t ihl;

	if (caplen < ETH_HDR_LEN + 20 || get16be(pkt + 12) != ETHERTYPE_IPV4)
		return false;
	pkt += ETH_HDR_LEN;
	caplen -= ETH_HDR_LEN;
	ihl = (size_t)(pkt[0] & 0x0f) * 4;
	if (pkt[9] != 6 || ihl < 20 || ihl + 14 > caplen)
		return false;
	return (pkt[ihl + 13] & 0x12) == 0x02;
}

int
main(int argc, char **argv)
{
	struct input in = {0};
	struct in_addr sa;
	uint8_t rec[REC_HDR_LEN + MAX_CAPLEN];
	uint64_t target, span, step, packets = 0, syns = 0, out_bytes;
	uint64_t first = 0, last = 0;
	size_t off, end;
	unsigned long copies, k;
	uint32_t server;
	char *ep;
	FILE *out;
	int rc = 1;

	if (argc != 5) {
		fprintf(stderr,
			"usage: replicate IN OUT TARGET_BYTES SERVER_IPV4\n");
		return 2;
	}
	errno = 0;
	target = strtoull(argv[3], &ep, 10);
	if (errno != 0 || *ep != '\0' ||
	    inet_pton(AF_INET, argv[4], &sa) != 1) {
		fprintf(stderr, "replicate: bad TARGET_BYTES or SERVER_IPV4\n");
		return 2;
	}
	server = ntohl(sa.s_addr);
	if (load(argv[1], &in) != 0)
		goto out_free;

	/* First pass: validate records, find the time span, count flows. */
	end = PCAP_HDR_LEN;
	for (off = PCAP_HDR_LEN; off + REC_HDR_LEN <= in.len;) {
		uint32_t caplen = get32h(&in, in.buf + off + 8);
		uint64_t ts = (uint64_t)get32h(&in, in.buf + off) * in.tick +
			      get32h(&in, in.buf + off + 4);

		if (caplen > MAX_CAPLEN || caplen > in.len - off - REC_HDR_LEN)
			break;
		if (packets == 0)
			first = ts;
		last = ts;
		packets++;
		syns += is_syn(in.buf + off + REC_HDR_LEN, caplen);
		off += REC_HDR_LEN + caplen;
		end = off;
	}
	if (end != in.len)
		fprintf(stderr,
			"replicate: %s: ignoring %zu trailing bytes "
			"(truncated record)\n",
			argv[1], in.len - end);
	if (packets == 0) {
		fprintf(stderr, "replicate: %s: no packets\n", argv[1]);
		goto out_free;
	}
	span = last >= first ? last - first : 0;
	step = span + in.tick; /* one idle second between copies */
	copies = 1;
	if (target > end)
		copies = (unsigned long)((target - PCAP_HDR_LEN +
					  (end - PCAP_HDR_LEN) - 1) /
					 (end - PCAP_HDR_LEN));

	out = fopen(argv[2], "wb");
	if (out == NULL) {
		fprintf(stderr, "replicate: %s: %s\n", argv[2],
			strerror(errno));
		goto out_free;
	}
	setvbuf(out, NULL, _IOFBF, 1 << 20);
	fwrite(in.buf, 1, PCAP_HDR_LEN, out);
	for (k = 0; k < copies; k++) {
		uint32_t shift = (uint32_t)(k << 8);
		uint64_t delta = step * k;

		for (off = PCAP_HDR_LEN; off < end;) {
			uint32_t caplen = get32h(&in, in.buf + off + 8);
			uint64_t ts =
			    (uint64_t)get32h(&in, in.buf + off) * in.tick +
			    get32h(&in, in.buf + off + 4) + delta;

			memcpy(rec, in.buf + off, REC_HDR_LEN + caplen);
			put32h(&in, rec, (uint32_t)(ts / in.tick));
			put32h(&in, rec + 4, (uint32_t)(ts % in.tick));
			if (k > 0)
				rewrite(rec + REC_HDR_LEN, caplen, server,
					shift);
			fwrite(rec, 1, REC_HDR_LEN + caplen, out);
			off += REC_HDR_LEN + caplen;
		}
	}
	if (ferror(out) != 0 || fclose(out) != 0) {
		fprintf(stderr, "replicate: %s: write failed\n", argv[2]);
		goto out_free;
	}
	out_bytes = PCAP_HDR_LEN + (uint64_t)(end - PCAP_HDR_LEN) * copies;
	printf("input_packets %" PRIu64
	       " input_bytes %zu input_connections %" PRIu64
	       " input_span_s %.3f copies %lu output_packets %" PRIu64
	       " output_bytes %" PRIu64 " output_connections %" PRIu64 "\n",
	       packets, end, syns, (double)span / in.tick, copies,
	       packets * copies, out_bytes, syns * copies);
	rc = 0;
out_free:
	free(in.buf);
	return rc;
}
