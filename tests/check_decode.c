/* check_decode.c -- unit tests for decode: link, IP and TCP headers.
 *
 * Packets are built byte by byte here from a small description (struct
 * spec), so every test knows where each header starts.  Each packet is
 * handed to decode_packet() in a heap buffer of exactly caplen bytes, so a
 * read past the end is an AddressSanitizer report, not a silent pass.
 * Sweeps: every truncation, every short complete frame, every byte flipped.
 * These tests must never depend on the host's byte order.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "testutil.h"
#include "tlsdiag/decode.h"

#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

/* How the link-layer header is written. */
enum link {
	LK_ETH,	    /* Ethernet II, with spec.tpid tags */
	LK_SLL,	    /* Linux cooked v1 */
	LK_SLL2,    /* Linux cooked v2 */
	LK_NONE,    /* DLT_RAW, DLT_IPV4, DLT_IPV6: the IP header first */
	LK_NULL_BE, /* 4-byte family, most significant byte first */
	LK_NULL_LE, /* 4-byte family, least significant byte first */
};

#define MAX_TAGS 12
#define MAX_EXT 20

struct spec {
	int dlt;
	enum link link;
	uint32_t af;		 /* LK_NULL_*: the family value */
	uint16_t tpid[MAX_TAGS]; /* VLAN tag types, outermost first, 0 ends */
	uint16_t etype;		 /* 0: from ipv */
	int ipv;		 /* 4 or 6 */
	uint8_t proto;		 /* upper protocol; 0 is TCP */
	int ip4_opt;		 /* bytes of IPv4 options, multiple of 4 */
	uint16_t ip4_frag;	 /* IPv4 flags + fragment offset field */
	int next;		 /* IPv6 extension headers, in ext[] */
	uint8_t ext[MAX_EXT];	 /* their types, in chain order */
	uint16_t frag6;		 /* IPv6 fragment header offset + M field */
	int tcp_opt;		 /* bytes of TCP options, multiple of 4 */
	int payload;		 /* TCP payload bytes */
	int trailer;		 /* link padding after the IP packet */
};

/* Where build() put things. */
struct layout {
	size_t len;    /* the whole frame */
	size_t ip;     /* IP header */
	size_t ext;    /* first IPv6 extension header (or l4) */
	size_t l4;     /* TCP header */
	size_t pay;    /* TCP payload */
	size_t ip_end; /* end of the IP packet (start of the trailer) */
};

#define BUF_MAX 4096

static const uint8_t src4[4] = {192, 0, 2, 1};
static const uint8_t dst4[4] = {198, 51, 100, 2};
static const uint8_t src6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
				 0,    0,    0,	   0,	 0, 0, 0, 1};
static const uint8_t dst6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
				 0,    0,    0,	   0,	 0, 0, 0, 2};

#define SPORT 49152
#define DPORT 443
#define SEQ 0x01020304u
#define ACK 0xa0b0c0d0u
#define WIN 0xfedc
#define TTL4 64
#define HLIM6 63
#define TCP_FLAGS (TH_PUSH | TH_ACK)

static void
put8(uint8_t *b, size_t *n, uint8_t v)
{
	if (*n >= BUF_MAX)
		ck_abort_msg("test packet too long");
	b[(*n)++] = v;
}

static void
put16(uint8_t *b, size_t *n, uint16_t v)
{
	put8(b, n, (uint8_t)(v >> 8));
	put8(b, n, (uint8_t)v);
}

static void
put32(uint8_t *b, size_t *n, uint32_t v)
{
	put16(b, n, (uint16_t)(v >> 16));
	put16(b, n, (uint16_t)v);
}

static void
putn(uint8_t *b, size_t *n, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		put8(b, n, p[i]);
}

static void
patch16(uint8_t *b, size_t at, uint16_t v)
{
	b[at] = (uint8_t)(v >> 8);
	b[at + 1] = (uint8_t)v;
}

/* One IPv6 extension header whose next header is nh. */
static void
put_ext6(uint8_t *b, size_t *n, uint8_t type, uint8_t nh, uint16_t frag6)
{
	int i;

	put8(b, n, nh);
	switch (type) {
	case 0:	 /* hop-by-hop */
	case 60: /* destination options: one PadN option filling 8 bytes */
		put8(b, n, 0);
		put8(b, n, 1);
		put8(b, n, 4);
		put32(b, n, 0);
		break;
	case 43: /* routing, 24 bytes: type 4 (SRH) with segments left 0 */
		put8(b, n, 2);
		put8(b, n, 4);
		put8(b, n, 0);
		for (i = 0; i < 20; i++)
			put8(b, n, 0);
		break;
	case 44: /* fragment */
		put8(b, n, 0);
		put16(b, n, frag6);
		put32(b, n, 0xdeadbeef);
		break;
	case 51: /* AH: (4 + 2) * 4 = 24 bytes */
		put8(b, n, 4);
		put16(b, n, 0);
		put32(b, n, 0x1000);	 /* SPI */
		put32(b, n, 1);		 /* sequence */
		for (i = 0; i < 12; i++) /* ICV */
			put8(b, n, 0xaa);
		break;
	default:
		ck_abort_msg("no builder for extension header %u", type);
	}
}

/* Build the frame described by s into b. */
static struct layout
build(const struct spec *s, uint8_t *b)
{
	struct layout l;
	size_t n = 0, lenat;
	uint8_t proto = s->proto != 0 ? s->proto : 6;
	uint16_t etype = s->etype;
	int i;

	memset(&l, 0, sizeof(l));
	if (etype == 0)
		etype = s->ipv == 6 ? 0x86dd : 0x0800;
	switch (s->link) {
	case LK_ETH:
		for (i = 0; i < 6; i++)
			put8(b, &n, (uint8_t)(0x02 + i)); /* destination */
		for (i = 0; i < 6; i++)
			put8(b, &n, (uint8_t)(0x12 + i)); /* source */
		for (i = 0; i < MAX_TAGS && s->tpid[i] != 0; i++) {
			put16(b, &n, s->tpid[i]);
			put16(b, &n, (uint16_t)(100 + i)); /* VLAN id */
		}
		put16(b, &n, etype);
		break;
	case LK_SLL:
		put16(b, &n, 0); /* to us */
		put16(b, &n, 1); /* ARPHRD_ETHER */
		put16(b, &n, 6); /* address length */
		for (i = 0; i < 8; i++)
			put8(b, &n, (uint8_t)(i < 6 ? 0x12 + i : 0));
		for (i = 0; i < MAX_TAGS && s->tpid[i] != 0; i++) {
			/* libpcap puts a stripped VLAN tag back here. */
			put16(b, &n, s->tpid[i]);
			put16(b, &n, (uint16_t)(100 + i));
		}
		put16(b, &n, etype);
		break;
	case LK_SLL2:
		put16(b, &n, etype);
		put16(b, &n, 0); /* reserved */
		put32(b, &n, 3); /* ifindex */
		put16(b, &n, 1); /* ARPHRD_ETHER */
		put8(b, &n, 0);	 /* to us */
		put8(b, &n, 6);	 /* address length */
		for (i = 0; i < 8; i++)
			put8(b, &n, (uint8_t)(i < 6 ? 0x12 + i : 0));
		break;
	case LK_NONE:
		break;
	case LK_NULL_BE:
		put32(b, &n, s->af);
		break;
	case LK_NULL_LE:
		put8(b, &n, (uint8_t)s->af);
		put8(b, &n, (uint8_t)(s->af >> 8));
		put8(b, &n, (uint8_t)(s->af >> 16));
		put8(b, &n, (uint8_t)(s->af >> 24));
		break;
	}

	l.ip = n;
	if (s->ipv == 4) {
		put8(b, &n, (uint8_t)(0x40 | (5 + s->ip4_opt / 4)));
		put8(b, &n, 0); /* DSCP/ECN */
		lenat = n;
		put16(b, &n, 0);      /* total length, patched below */
		put16(b, &n, 0x1234); /* id */
		put16(b, &n, s->ip4_frag);
		put8(b, &n, TTL4);
		put8(b, &n, proto);
		put16(b, &n, 0xbad0); /* checksum: not verified */
		putn(b, &n, src4, 4);
		putn(b, &n, dst4, 4);
		for (i = 0; i < s->ip4_opt; i++) /* NOPs, then end of list */
			put8(b, &n, i == s->ip4_opt - 1 ? 0 : 1);
		l.ext = n;
	} else {
		put32(b, &n, 0x60000000); /* version, class, flow label */
		lenat = n;
		put16(b, &n, 0); /* payload length, patched below */
		put8(b, &n, s->next > 0 ? s->ext[0] : proto);
		put8(b, &n, HLIM6);
		putn(b, &n, src6, 16);
		putn(b, &n, dst6, 16);
		l.ext = n;
		for (i = 0; i < s->next; i++)
			put_ext6(b, &n, s->ext[i],
				 i + 1 < s->next ? s->ext[i + 1] : proto,
				 s->frag6);
	}

	l.l4 = n;
	put16(b, &n, SPORT);
	put16(b, &n, DPORT);
	put32(b, &n, SEQ);
	put32(b, &n, ACK);
	put8(b, &n, (uint8_t)((5 + s->tcp_opt / 4) << 4));
	put8(b, &n, TCP_FLAGS);
	put16(b, &n, WIN);
	put16(b, &n, 0xbad1); /* checksum */
	put16(b, &n, 0);      /* urgent pointer */
	for (i = 0; i < s->tcp_opt; i++) {
		/* MSS 1460 first, then NOPs. */
		static const uint8_t mss[4] = {2, 4, 0x05, 0xb4};

		put8(b, &n, i < 4 && s->tcp_opt >= 4 ? mss[i] : 1);
	}
	l.pay = n;
	for (i = 0; i < s->payload; i++)
		put8(b, &n, (uint8_t)(0x16 + i));
	l.ip_end = n;
	if (s->ipv == 4)
		patch16(b, lenat, (uint16_t)(n - l.ip));
	else
		patch16(b, lenat, (uint16_t)(n - l.ip - 40));
	for (i = 0; i < s->trailer; i++)
		put8(b, &n, 0);
	l.len = n;
	return l;
}

/* Decode the first caplen bytes of b from a heap copy of exactly that
 * size, so that ASan sees any read past caplen. */
static int
run(int dlt, const uint8_t *b, uint32_t caplen, uint32_t wirelen, struct pkt *p,
    size_t *payoff)
{
	uint8_t *copy = malloc(caplen);
	int rc;

	if (copy == NULL && caplen > 0)
		ck_abort_msg("out of memory");
	if (caplen > 0)
		memcpy(copy, b, caplen);
	memset(p, 0xa5, sizeof(*p));
	rc = decode_packet(dlt, copy, caplen, wirelen, 1234567, p);
	/* Plain tests, with ck_abort_msg() only on failure: each passing
	 * ck_assert costs Check a write(2), too slow for the sweeps. */
	if (rc > 0 || rc <= -DEC_NSTATUS)
		ck_abort_msg("status %d out of range", rc);
	if (rc == DEC_OK) {
		/* Whatever the input, the payload lies within the capture. */
		if (p->payload < copy || (size_t)(p->payload - copy) > caplen ||
		    p->payload_len > caplen - (size_t)(p->payload - copy) ||
		    p->payload_len > p->payload_wire)
			ck_abort_msg("payload outside the capture: caplen %u "
				     "offset %td len %u wire %u",
				     caplen, p->payload - copy, p->payload_len,
				     p->payload_wire);
		if (payoff != NULL)
			*payoff = (size_t)(p->payload - copy);
	}
	free(copy);
	return rc;
}

/* Check every field of a packet built by build() and decoded whole, up to
 * caplen bytes. */
static void
check_fields(const struct spec *s, const struct layout *l, const struct pkt *p,
	     size_t payoff, size_t caplen)
{
	static const uint8_t zero[12];
	size_t present = caplen < l->ip_end ? caplen : l->ip_end;

	ck_assert_uint_eq(p->ts_us, 1234567);
	ck_assert_uint_eq(p->caplen, caplen);
	ck_assert_uint_eq(p->wirelen, l->len);
	ck_assert_uint_eq(p->af, s->ipv);
	if (s->ipv == 4) {
		ck_assert_uint_eq(p->ttl, TTL4);
		ck_assert_mem_eq(p->src, src4, 4);
		ck_assert_mem_eq(p->dst, dst4, 4);
		/* Flow hashing reads all 16 bytes. */
		ck_assert_mem_eq(p->src + 4, zero, 12);
		ck_assert_mem_eq(p->dst + 4, zero, 12);
	} else {
		ck_assert_uint_eq(p->ttl, HLIM6);
		ck_assert_mem_eq(p->src, src6, 16);
		ck_assert_mem_eq(p->dst, dst6, 16);
	}
	ck_assert_uint_eq(p->sport, SPORT);
	ck_assert_uint_eq(p->dport, DPORT);
	ck_assert_uint_eq(p->seq, SEQ);
	ck_assert_uint_eq(p->ack, ACK);
	ck_assert_uint_eq(p->win, WIN);
	ck_assert_uint_eq(p->flags, TCP_FLAGS);
	ck_assert_uint_eq(payoff, l->pay);
	ck_assert_uint_eq(p->payload_len, present - l->pay);
	ck_assert_uint_eq(p->payload_wire, l->ip_end - l->pay);
}

/* Packets that decode to a TCP segment, one per link type and header
 * shape.  Each is also fed to the truncation and byte-flip sweeps. */
static const struct spec good[] = {
    {.dlt = DLT_EN10MB, .link = LK_ETH, .ipv = 4, .payload = 30},
    {.dlt = DLT_EN10MB, .link = LK_ETH, .ipv = 6, .payload = 30},
    {.dlt = DLT_EN10MB,
     .link = LK_ETH,
     .tpid = {0x8100},
     .ipv = 4,
     .payload = 20},
    {.dlt = DLT_EN10MB,
     .link = LK_ETH,
     .tpid = {0x88a8, 0x8100},
     .ipv = 6,
     .payload = 20},
    {.dlt = DLT_EN10MB,
     .link = LK_ETH,
     .tpid = {0x9100, 0x9100, 0x8100},
     .ipv = 4,
     .payload = 5},
    {.dlt = DLT_LINUX_SLL, .link = LK_SLL, .ipv = 4, .payload = 20},
    {.dlt = DLT_LINUX_SLL, .link = LK_SLL, .ipv = 6, .payload = 20},
    {.dlt = DLT_LINUX_SLL,
     .link = LK_SLL,
     .tpid = {0x8100},
     .ipv = 4,
     .payload = 20},
    {.dlt = DLT_LINUX_SLL2, .link = LK_SLL2, .ipv = 4, .payload = 20},
    {.dlt = DLT_LINUX_SLL2, .link = LK_SLL2, .ipv = 6, .payload = 20},
    {.dlt = DLT_RAW, .link = LK_NONE, .ipv = 4, .payload = 20},
    {.dlt = DLT_RAW, .link = LK_NONE, .ipv = 6, .payload = 20},
    {.dlt = 101, .link = LK_NONE, .ipv = 4, .payload = 20},
    {.dlt = DLT_IPV4, .link = LK_NONE, .ipv = 4, .payload = 20},
    {.dlt = DLT_IPV6, .link = LK_NONE, .ipv = 6, .payload = 20},
    {.dlt = DLT_NULL, .link = LK_NULL_LE, .af = 2, .ipv = 4, .payload = 9},
    {.dlt = DLT_NULL, .link = LK_NULL_BE, .af = 2, .ipv = 4, .payload = 9},
    {.dlt = DLT_NULL, .link = LK_NULL_LE, .af = 24, .ipv = 6, .payload = 9},
    {.dlt = DLT_NULL, .link = LK_NULL_BE, .af = 28, .ipv = 6, .payload = 9},
    {.dlt = DLT_NULL, .link = LK_NULL_LE, .af = 30, .ipv = 6, .payload = 9},
    {.dlt = DLT_NULL, .link = LK_NULL_BE, .af = 30, .ipv = 6, .payload = 9},
    {.dlt = DLT_NULL, .link = LK_NULL_LE, .af = 10, .ipv = 6, .payload = 9},
    {.dlt = DLT_LOOP, .link = LK_NULL_BE, .af = 2, .ipv = 4, .payload = 9},
    {.dlt = DLT_LOOP, .link = LK_NULL_BE, .af = 24, .ipv = 6, .payload = 9},
    /* IPv4 options (the maximum, 40 bytes), TCP options. */
    {.dlt = DLT_EN10MB,
     .link = LK_ETH,
     .ipv = 4,
     .ip4_opt = 40,
     .tcp_opt = 20,
     .payload = 10},
    {.dlt = DLT_EN10MB, .link = LK_ETH, .ipv = 4, .ip4_opt = 4, .payload = 3},
    {.dlt = DLT_EN10MB, .link = LK_ETH, .ipv = 6, .tcp_opt = 40, .payload = 3},
    /* DF set, no MF, offset 0: not a fragment. */
    {.dlt = DLT_EN10MB,
     .link = LK_ETH,
     .ipv = 4,
     .ip4_frag = 0x4000,
     .payload = 3},
    /* IPv6 extension chains. */
    {.dlt = DLT_EN10MB,
     .link = LK_ETH,
     .ipv = 6,
     .next = 3,
     .ext = {0, 43, 60},
     .payload = 12},
    {.dlt = DLT_RAW, .link = LK_NONE, .ipv = 6, .next = 1, .ext = {51}},
    /* An atomic fragment (RFC 6946) is a whole packet. */
    {.dlt = DLT_EN10MB,
     .link = LK_ETH,
     .ipv = 6,
     .next = 2,
     .ext = {0, 44},
     .frag6 = 0,
     .payload = 12},
    /* A pure ACK: 54 bytes, padded to the 60-byte Ethernet minimum. */
    {.dlt = DLT_EN10MB, .link = LK_ETH, .ipv = 4, .trailer = 6},
    {.dlt = DLT_EN10MB,
     .link = LK_ETH,
     .tpid = {0x8100},
     .ipv = 4,
     .payload = 2,
     .trailer = 20},
    {.dlt = DLT_LINUX_SLL,
     .link = LK_SLL,
     .ipv = 4,
     .payload = 1,
     .trailer = 4},
};
#define NGOOD (int)(sizeof(good) / sizeof(good[0]))

/* Each good packet, whole: every field comes out right. */
START_TEST(test_good)
{
	const struct spec *s = &good[_i];
	uint8_t b[BUF_MAX];
	struct layout l = build(s, b);
	struct pkt p;
	size_t off = 0;

	ck_assert_int_eq(
	    run(s->dlt, b, (uint32_t)l.len, (uint32_t)l.len, &p, &off), DEC_OK);
	check_fields(s, &l, &p, off, l.len);
}
END_TEST

/* Snaplen cuts at every length: inside a header it is "truncated"; inside
 * the payload the segment decodes with fewer bytes present than on the
 * wire. */
START_TEST(test_truncation_sweep)
{
	const struct spec *s = &good[_i];
	uint8_t b[BUF_MAX];
	struct layout l = build(s, b);
	struct pkt p;
	size_t cap, off = 0;
	int rc;

	for (cap = 0; cap < l.len; cap++) {
		rc = run(s->dlt, b, (uint32_t)cap, (uint32_t)l.len, &p, &off);
		if (rc != (cap < l.pay ? DEC_TRUNCATED : DEC_OK))
			ck_abort_msg("caplen %zu of %zu: %s", cap, l.len,
				     decode_status_name(rc));
		if (rc == DEC_OK)
			check_fields(s, &l, &p, off, cap);
	}
}
END_TEST

/* A frame captured whole but shorter than its own headers claim is a lie,
 * not a snaplen cut: raising the snaplen would not help it.  Cutting only
 * the link padding changes nothing. */
START_TEST(test_short_frame_sweep)
{
	const struct spec *s = &good[_i];
	uint8_t b[BUF_MAX];
	struct layout l = build(s, b);
	struct pkt p;
	size_t len, off = 0;
	int rc;

	for (len = 0; len < l.len; len++) {
		rc = run(s->dlt, b, (uint32_t)len, (uint32_t)len, &p, &off);
		if (rc != (len < l.ip_end ? DEC_MALFORMED : DEC_OK))
			ck_abort_msg("length %zu of %zu: %s", len, l.len,
				     decode_status_name(rc));
		if (rc == DEC_OK &&
		    (off != l.pay || p.payload_len != l.ip_end - l.pay ||
		     p.payload_wire != l.ip_end - l.pay))
			ck_abort_msg("length %zu of %zu: payload %zu+%u/%u",
				     len, l.len, off, p.payload_len,
				     p.payload_wire);
	}
}
END_TEST

/* Every byte of every good packet set to every other value: any status,
 * but no crash, no sanitizer report, and run() checks that an accepted
 * payload lies inside the capture. */
START_TEST(test_flip_sweep)
{
	const struct spec *s = &good[_i];
	uint8_t b[BUF_MAX];
	struct layout l = build(s, b);
	struct pkt p;
	size_t i;
	unsigned x;
	int rc, seen_ok = 0;

	for (i = 0; i < l.len; i++) {
		for (x = 1; x < 256; x++) {
			b[i] ^= (uint8_t)x;
			rc = run(s->dlt, b, (uint32_t)l.len, (uint32_t)l.len,
				 &p, NULL);
			seen_ok += rc == DEC_OK;
			/* Also cut short of the wire, as with a snaplen. */
			(void)run(s->dlt, b, (uint32_t)l.len - 1,
				  (uint32_t)l.len + 100, &p, NULL);
			b[i] ^= (uint8_t)x;
		}
	}
	/* Flipping payload or checksum bytes must not matter. */
	ck_assert_int_gt(seen_ok, 0);
}
END_TEST

/* How a good packet is spoiled before decoding. */
enum mut {
	M_NONE,
	M_IHL,	  /* IPv4 header length nibble */
	M_TOTLEN, /* IPv4 total length */
	M_VER,	  /* IP version nibble */
	M_PLEN,	  /* IPv6 payload length */
	M_EXTLEN, /* length byte of the first IPv6 extension header */
	M_DOFF,	  /* TCP data offset nibble */
	M_TFLAGS, /* the TCP flags byte */
};

struct row {
	const char *name;
	struct spec s;
	enum mut m;
	unsigned val;
	int cap_adj;  /* caplen = frame length + cap_adj (<= 0) */
	int wire_adj; /* wirelen = frame length + wire_adj */
	int want;
	int want_len;  /* DEC_OK: payload_len, or -1 not checked */
	int want_wire; /* DEC_OK: payload_wire, or -1 */
};

#define ETH4(...)                                                              \
	{                                                                      \
		.dlt = DLT_EN10MB, .link = LK_ETH, .ipv = 4, __VA_ARGS__       \
	}
#define ETH6(...)                                                              \
	{                                                                      \
		.dlt = DLT_EN10MB, .link = LK_ETH, .ipv = 6, __VA_ARGS__       \
	}

static const struct row rows[] = {
    /* Not IP. */
    {"arp", ETH4(.etype = 0x0806), M_NONE, 0, 0, 0, DEC_NOT_IP, -1, -1},
    {"lldp", ETH4(.etype = 0x88cc), M_NONE, 0, 0, 0, DEC_NOT_IP, -1, -1},
    {"802.3 length", ETH4(.etype = 46), M_NONE, 0, 0, 0, DEC_NOT_IP, -1, -1},
    {"802.3 length 1500", ETH4(.etype = 1500), M_NONE, 0, 0, 0, DEC_NOT_IP, -1,
     -1},
    {"arp in vlan", ETH4(.tpid = {0x8100}, .etype = 0x0806), M_NONE, 0, 0, 0,
     DEC_NOT_IP, -1, -1},
    {"sll arp",
     {.dlt = DLT_LINUX_SLL, .link = LK_SLL, .ipv = 4, .etype = 0x0806},
     M_NONE,
     0,
     0,
     0,
     DEC_NOT_IP,
     -1,
     -1},
    {"sll2 802.2",
     {.dlt = DLT_LINUX_SLL2, .link = LK_SLL2, .ipv = 4, .etype = 0x0004},
     M_NONE,
     0,
     0,
     0,
     DEC_NOT_IP,
     -1,
     -1},
    {"null af 7",
     {.dlt = DLT_NULL, .link = LK_NULL_LE, .af = 7, .ipv = 4},
     M_NONE,
     0,
     0,
     0,
     DEC_NOT_IP,
     -1,
     -1},
    {"loop af unknown",
     {.dlt = DLT_LOOP, .link = LK_NULL_BE, .af = 0x1e000001, .ipv = 6},
     M_NONE,
     0,
     0,
     0,
     DEC_NOT_IP,
     -1,
     -1},

    /* Not TCP. */
    {"udp", ETH4(.proto = 17), M_NONE, 0, 0, 0, DEC_NOT_TCP, -1, -1},
    {"icmp", ETH4(.proto = 1), M_NONE, 0, 0, 0, DEC_NOT_TCP, -1, -1},
    {"ip-in-ip", ETH4(.proto = 4), M_NONE, 0, 0, 0, DEC_NOT_TCP, -1, -1},
    {"ipv6 in ipv4", ETH4(.proto = 41), M_NONE, 0, 0, 0, DEC_NOT_TCP, -1, -1},
    {"udp6", ETH6(.proto = 17), M_NONE, 0, 0, 0, DEC_NOT_TCP, -1, -1},
    {"icmp6 after hop-by-hop", ETH6(.proto = 58, .next = 1, .ext = {0}), M_NONE,
     0, 0, 0, DEC_NOT_TCP, -1, -1},
    {"no next header", ETH6(.proto = 59), M_NONE, 0, 0, 0, DEC_NOT_TCP, -1, -1},
    {"esp", ETH6(.proto = 50, .next = 1, .ext = {60}), M_NONE, 0, 0, 0,
     DEC_NOT_TCP, -1, -1},
    {"ipv4 in ipv6", ETH6(.proto = 4), M_NONE, 0, 0, 0, DEC_NOT_TCP, -1, -1},
    /* Fragmented UDP is not TCP data that was skipped. */
    {"udp fragment", ETH4(.proto = 17, .ip4_frag = 0x2000), M_NONE, 0, 0, 0,
     DEC_NOT_TCP, -1, -1},
    {"udp6 fragment",
     ETH6(.proto = 17, .next = 1, .ext = {44}, .frag6 = 0x0001), M_NONE, 0, 0,
     0, DEC_NOT_TCP, -1, -1},

    /* Fragments. */
    {"ipv4 MF", ETH4(.ip4_frag = 0x2000, .payload = 8), M_NONE, 0, 0, 0,
     DEC_FRAGMENT, -1, -1},
    {"ipv4 offset", ETH4(.ip4_frag = 0x00b9, .payload = 8), M_NONE, 0, 0, 0,
     DEC_FRAGMENT, -1, -1},
    {"ipv4 DF+MF", ETH4(.ip4_frag = 0x6000, .payload = 8), M_NONE, 0, 0, 0,
     DEC_FRAGMENT, -1, -1},
    {"ipv4 last", ETH4(.ip4_frag = 0x1fff, .payload = 8), M_NONE, 0, 0, 0,
     DEC_FRAGMENT, -1, -1},
    {"ipv6 first fragment",
     ETH6(.next = 1, .ext = {44}, .frag6 = 0x0001, .payload = 8), M_NONE, 0, 0,
     0, DEC_FRAGMENT, -1, -1},
    {"ipv6 later fragment",
     ETH6(.next = 1, .ext = {44}, .frag6 = 185 << 3, .payload = 8), M_NONE, 0,
     0, 0, DEC_FRAGMENT, -1, -1},
    {"ipv6 fragment of dest opts + tcp",
     ETH6(.next = 3, .ext = {0, 44, 60}, .frag6 = 8 << 3, .payload = 8), M_NONE,
     0, 0, 0, DEC_FRAGMENT, -1, -1},
    /* The reserved bits of the fragment header do not make a fragment. */
    {"ipv6 atomic, reserved bits",
     ETH6(.next = 1, .ext = {44}, .frag6 = 0x0006, .payload = 8), M_NONE, 0, 0,
     0, DEC_OK, 8, 8},

    /* Lying lengths, whole frames. */
    {"ihl 0", ETH4(.payload = 8), M_IHL, 0, 0, 0, DEC_MALFORMED, -1, -1},
    {"ihl 4", ETH4(.payload = 8), M_IHL, 4, 0, 0, DEC_MALFORMED, -1, -1},
    {"ihl past total length", ETH4(.payload = 8), M_IHL, 15, 0, 0,
     DEC_MALFORMED, -1, -1},
    {"total length 19", ETH4(.payload = 8), M_TOTLEN, 19, 0, 0, DEC_MALFORMED,
     -1, -1},
    {"total length < ihl", ETH4(.ip4_opt = 8, .payload = 8), M_TOTLEN, 24, 0, 0,
     DEC_MALFORMED, -1, -1},
    {"total length cuts the tcp header", ETH4(.payload = 8), M_TOTLEN, 39, 0, 0,
     DEC_MALFORMED, -1, -1},
    {"total length past the frame", ETH4(.payload = 8), M_TOTLEN, 49, 0, 0,
     DEC_MALFORMED, -1, -1},
    {"total length past the wire", ETH4(.payload = 8), M_TOTLEN, 49, -10, 0,
     DEC_MALFORMED, -1, -1},
    {"total length shorter: the rest is padding", ETH4(.payload = 8), M_TOTLEN,
     43, 0, 0, DEC_OK, 3, 3},
    /* TSO: the sender's NIC fills the length in later. */
    {"total length 0 (TSO)", ETH4(.payload = 1000), M_TOTLEN, 0, 0, 0, DEC_OK,
     1000, 1000},
    {"total length 0 (TSO), snaplen cut", ETH4(.payload = 1000), M_TOTLEN, 0,
     -900, 0, DEC_OK, 100, 1000},
    {"ipv4 version 6 on ethertype 0x0800", ETH4(.payload = 8), M_VER, 6, 0, 0,
     DEC_MALFORMED, -1, -1},
    {"ipv6 version 4 on ethertype 0x86dd", ETH6(.payload = 8), M_VER, 4, 0, 0,
     DEC_MALFORMED, -1, -1},
    {"raw version 5",
     {.dlt = DLT_RAW, .link = LK_NONE, .ipv = 4},
     M_VER,
     5,
     0,
     0,
     DEC_MALFORMED,
     -1,
     -1},
    {"raw version 0",
     {.dlt = DLT_RAW, .link = LK_NONE, .ipv = 6},
     M_VER,
     0,
     0,
     0,
     DEC_MALFORMED,
     -1,
     -1},
    {"DLT_IPV4 carrying ipv6",
     {.dlt = DLT_IPV4, .link = LK_NONE, .ipv = 6},
     M_NONE,
     0,
     0,
     0,
     DEC_MALFORMED,
     -1,
     -1},
    {"DLT_IPV6 carrying ipv4",
     {.dlt = DLT_IPV6, .link = LK_NONE, .ipv = 4},
     M_NONE,
     0,
     0,
     0,
     DEC_MALFORMED,
     -1,
     -1},
    {"null af 2 carrying ipv6",
     {.dlt = DLT_NULL, .link = LK_NULL_LE, .af = 2, .ipv = 6},
     M_NONE,
     0,
     0,
     0,
     DEC_MALFORMED,
     -1,
     -1},
    {"doff 0", ETH4(.payload = 8), M_DOFF, 0, 0, 0, DEC_MALFORMED, -1, -1},
    {"doff 4", ETH6(.payload = 8), M_DOFF, 4, 0, 0, DEC_MALFORMED, -1, -1},
    {"doff past the segment", ETH4(.payload = 8), M_DOFF, 15, 0, 0,
     DEC_MALFORMED, -1, -1},
    /* Past the segment on the wire, even though the capture is cut. */
    {"doff past the segment, snaplen cut", ETH4(.payload = 8), M_DOFF, 15, -8,
     0, DEC_MALFORMED, -1, -1},
    /* Within the segment, past the captured bytes. */
    {"doff past the capture", ETH4(.payload = 40), M_DOFF, 15, -30, 0,
     DEC_TRUNCATED, -1, -1},
    {"doff to the segment's end", ETH4(.payload = 40), M_DOFF, 15, 0, 0, DEC_OK,
     0, 0},
    {"ipv6 payload length past the frame", ETH6(.payload = 8), M_PLEN, 29, 0, 0,
     DEC_MALFORMED, -1, -1},
    {"ipv6 payload length cuts the tcp header", ETH6(.payload = 8), M_PLEN, 19,
     0, 0, DEC_MALFORMED, -1, -1},
    {"ipv6 payload length past the capture, within the wire",
     ETH6(.payload = 8), M_PLEN, 38, 0, 10, DEC_OK, 8, 18},
    {"ipv6 payload length 0 (jumbo / BIG TCP)",
     ETH6(.next = 1, .ext = {0}, .payload = 100), M_PLEN, 0, 0, 0, DEC_OK, 100,
     100},
    {"ipv6 ext header past the payload length",
     ETH6(.next = 1, .ext = {60}, .payload = 8), M_EXTLEN, 8, 0, 0,
     DEC_MALFORMED, -1, -1},
    {"ipv6 ext header past the capture",
     ETH6(.next = 1, .ext = {60}, .payload = 100), M_EXTLEN, 8, -60, 0,
     DEC_TRUNCATED, -1, -1},

    /* The capture may claim fewer wire bytes than it holds (a corrupt
     * file): the bytes present are used. */
    {"wirelen below caplen", ETH4(.payload = 8), M_NONE, 0, 0, -20, DEC_OK, 8,
     8},
    /* Snaplen inside the payload. */
    {"snaplen cuts the payload", ETH4(.payload = 100), M_NONE, 0, -60, 0,
     DEC_OK, 40, 100},
    {"snaplen cuts the payload, v6 chain",
     ETH6(.next = 3, .ext = {0, 43, 60}, .payload = 100), M_NONE, 0, -99, 0,
     DEC_OK, 1, 100},
    {"snaplen at the payload's start", ETH6(.payload = 100), M_NONE, 0, -100, 0,
     DEC_OK, 0, 100},
    /* The flags byte carries ECE and CWR too; only the low six are ours. */
    {"all tcp flags", ETH4(.payload = 1), M_TFLAGS, 0xff, 0, 0, DEC_OK, 1, 1},

    /* Caps: VLAN tags and IPv6 extension headers. */
    {"8 vlan tags",
     ETH4(.tpid = {0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100,
		   0x88a8},
	  .payload = 1),
     M_NONE, 0, 0, 0, DEC_OK, 1, 1},
    {"9 vlan tags",
     ETH4(.tpid = {0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100,
		   0x8100, 0x8100},
	  .payload = 1),
     M_NONE, 0, 0, 0, DEC_MALFORMED, -1, -1},
    {"16 extension headers",
     ETH6(.next = 16,
	  .ext = {0, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60,
		  60},
	  .payload = 1),
     M_NONE, 0, 0, 0, DEC_OK, 1, 1},
    {"17 extension headers",
     ETH6(.next = 17,
	  .ext = {0, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60,
		  60},
	  .payload = 1),
     M_NONE, 0, 0, 0, DEC_MALFORMED, -1, -1},
};
#define NROWS (int)(sizeof(rows) / sizeof(rows[0]))

START_TEST(test_rows)
{
	const struct row *r = &rows[_i];
	uint8_t b[BUF_MAX];
	struct layout l = build(&r->s, b);
	struct pkt p;
	uint32_t cap = (uint32_t)((long)l.len + r->cap_adj);
	uint32_t wire = (uint32_t)((long)l.len + r->wire_adj);
	size_t off = 0;
	int rc;

	switch (r->m) {
	case M_NONE:
		break;
	case M_IHL:
		b[l.ip] = (uint8_t)((b[l.ip] & 0xf0) | r->val);
		break;
	case M_TOTLEN:
		patch16(b, l.ip + 2, (uint16_t)r->val);
		break;
	case M_VER:
		b[l.ip] = (uint8_t)((b[l.ip] & 0x0f) | r->val << 4);
		break;
	case M_PLEN:
		patch16(b, l.ip + 4, (uint16_t)r->val);
		break;
	case M_EXTLEN:
		b[l.ext + 1] = (uint8_t)r->val;
		break;
	case M_DOFF:
		b[l.l4 + 12] = (uint8_t)(r->val << 4);
		break;
	case M_TFLAGS:
		b[l.l4 + 13] = (uint8_t)r->val;
		break;
	default:
		ck_abort();
	}
	rc = run(r->s.dlt, b, cap, wire, &p, &off);
	ck_assert_msg(rc == r->want, "%s: got %s, want %s", r->name,
		      decode_status_name(rc), decode_status_name(r->want));
	if (rc != DEC_OK)
		return;
	if (r->want_len >= 0)
		ck_assert_uint_eq(p.payload_len, (unsigned)r->want_len);
	if (r->want_wire >= 0)
		ck_assert_uint_eq(p.payload_wire, (unsigned)r->want_wire);
	/* The payload starts at the same place whatever the lengths say. */
	if (r->m != M_DOFF)
		ck_assert_uint_eq(off, l.pay);
	if (r->m == M_TFLAGS)
		ck_assert_uint_eq(p.flags, TH_FIN | TH_SYN | TH_RST | TH_PUSH |
					       TH_ACK | TH_URG);
}
END_TEST

/* The Ethernet minimum frame pads a bare ACK; the padding is not payload. */
/* PPPoE sessions and MPLS label stacks between Ethernet (or a VLAN tag) and
 * IP: the header bytes in `hdr` go before a raw IPv4 or IPv6 packet. */
static const struct {
	const char *name;
	int ipv;
	uint8_t hdr[40];
	size_t hdrlen;
	int want;
} encap[] = {
    {"pppoe ipv4", 4, {0x88, 0x64, 0x11, 0, 0x12, 0x34, 0, 0, 0x00, 0x21},
     10, DEC_OK},
    {"pppoe ipv6", 6, {0x88, 0x64, 0x11, 0, 0x12, 0x34, 0, 0, 0x00, 0x57},
     10, DEC_OK},
    {"pppoe lcp", 4, {0x88, 0x64, 0x11, 0, 0x12, 0x34, 0, 0, 0xc0, 0x21},
     10, DEC_NOT_IP},
    {"vlan pppoe ipv4", 4,
     {0x81, 0x00, 0, 7, 0x88, 0x64, 0x11, 0, 0, 1, 0, 0, 0x00, 0x21}, 14,
     DEC_OK},
    {"mpls one label ipv4", 4, {0x88, 0x47, 0, 0x01, 0x01, 0x40}, 6, DEC_OK},
    {"mpls two labels ipv6", 6,
     {0x88, 0x47, 0, 0x02, 0x00, 0x40, 0, 0x03, 0x01, 0x40}, 10, DEC_OK},
    /* Nine labels, none marked bottom: past DEC_VLAN_MAX. */
    {"mpls stack too deep", 4,
     {0x88, 0x47, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0,
      1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1},
     38, DEC_MALFORMED},
};

START_TEST(test_encap)
{
	struct spec sp = {.dlt = DLT_RAW, .link = LK_NONE, .payload = 12};
	uint8_t ip[BUF_MAX], frame[BUF_MAX];
	struct layout l;
	struct pkt p;
	size_t n = 12, cut;
	int rc;

	sp.ipv = encap[_i].ipv;
	l = build(&sp, ip);
	memset(frame, 0x02, 12); /* MAC addresses */
	memcpy(frame + n, encap[_i].hdr, encap[_i].hdrlen);
	n += encap[_i].hdrlen;
	memcpy(frame + n, ip, l.len);
	n += l.len;
	rc = run(DLT_EN10MB, frame, (uint32_t)n, (uint32_t)n, &p, NULL);
	ck_assert_msg(rc == encap[_i].want, "%s: status %d, want %d",
	    encap[_i].name, rc, encap[_i].want);
	if (rc == DEC_OK) {
		ck_assert_uint_eq(p.af, (unsigned)sp.ipv);
		ck_assert_uint_eq(p.sport, SPORT);
		ck_assert_uint_eq(p.dport, DPORT);
		ck_assert_uint_eq(p.payload_len, 12);
	}
	/* Cut anywhere inside the encapsulation: truncated, never more. */
	for (cut = 12; cut < 12 + encap[_i].hdrlen; cut++) {
		rc = run(DLT_EN10MB, frame, (uint32_t)cut, (uint32_t)n, &p,
		    NULL);
		ck_assert_msg(rc == DEC_TRUNCATED || rc == encap[_i].want,
		    "%s cut at %zu: status %d", encap[_i].name, cut, rc);
	}
}
END_TEST

START_TEST(test_padding_not_payload)
{
	static const struct spec s = ETH4(.trailer = 6);
	uint8_t b[BUF_MAX];
	struct layout l = build(&s, b);
	struct pkt p;
	size_t off = 0;

	ck_assert_uint_eq(l.len, 60);
	ck_assert_int_eq(
	    run(s.dlt, b, (uint32_t)l.len, (uint32_t)l.len, &p, &off), DEC_OK);
	ck_assert_uint_eq(p.payload_len, 0);
	ck_assert_uint_eq(p.payload_wire, 0);
	ck_assert_uint_eq(off, 54);
}
END_TEST

static const int unsupported[] = {
    DLT_IEEE802_11, DLT_IEEE802_11_RADIO, DLT_PPP, DLT_USB_LINUX, 100, -1,
    1000000,
};

START_TEST(test_unsupported_link)
{
	static const struct spec s = ETH4(.payload = 4);
	uint8_t b[BUF_MAX];
	struct layout l = build(&s, b);
	struct pkt p;
	int dlt = unsupported[_i];

	ck_assert(!decode_link_supported(dlt));
	ck_assert_int_eq(
	    run(dlt, b, (uint32_t)l.len, (uint32_t)l.len, &p, NULL),
	    DEC_UNSUPPORTED_LINK);
	/* Even with nothing captured. */
	ck_assert_int_eq(decode_packet(dlt, NULL, 0, 0, 0, &p),
			 DEC_UNSUPPORTED_LINK);
}
END_TEST

static const int supported[] = {
    DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,	 101,
    DLT_IPV4,	DLT_IPV6,      DLT_NULL,       DLT_LOOP,
};

/* Every supported link type says so, and a NULL buffer with caplen 0 is
 * read as nothing at all. */
START_TEST(test_supported_link)
{
	struct pkt p;
	int dlt = supported[_i];

	ck_assert(decode_link_supported(dlt));
	ck_assert_int_eq(decode_packet(dlt, NULL, 0, 100, 0, &p),
			 DEC_TRUNCATED);
	ck_assert_int_eq(decode_packet(dlt, NULL, 0, 0, 0, &p), DEC_MALFORMED);
}
END_TEST

START_TEST(test_status_names)
{
	ck_assert_str_eq(decode_status_name(DEC_OK), "ok");
	ck_assert_str_eq(decode_status_name(DEC_NOT_IP), "not_ip");
	ck_assert_str_eq(decode_status_name(DEC_NOT_TCP), "not_tcp");
	ck_assert_str_eq(decode_status_name(DEC_TRUNCATED), "truncated");
	ck_assert_str_eq(decode_status_name(DEC_MALFORMED), "malformed");
	ck_assert_str_eq(decode_status_name(DEC_FRAGMENT), "fragment");
	ck_assert_str_eq(decode_status_name(DEC_UNSUPPORTED_LINK),
			 "unsupported_link");
	ck_assert_str_eq(decode_status_name(-DEC_NSTATUS), "unknown");
	ck_assert_str_eq(decode_status_name(1), "unknown");
	ck_assert_str_eq(decode_status_name(-1000), "unknown");
}
END_TEST

static Suite *
decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *tc;

	tc = tcase_create("good");
	tcase_add_loop_test(tc, test_good, 0, NGOOD);
	tcase_add_test(tc, test_padding_not_payload);
	tcase_add_loop_test(tc, test_encap, 0,
	    (int)(sizeof(encap) / sizeof(encap[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("sweeps");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_truncation_sweep, 0, NGOOD);
	tcase_add_loop_test(tc, test_short_frame_sweep, 0, NGOOD);
	tcase_add_loop_test(tc, test_flip_sweep, 0, NGOOD);
	suite_add_tcase(s, tc);

	tc = tcase_create("status");
	tcase_add_loop_test(tc, test_rows, 0, NROWS);
	tcase_add_test(tc, test_status_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("link");
	tcase_add_loop_test(
	    tc, test_unsupported_link, 0,
	    (int)(sizeof(unsupported) / sizeof(unsupported[0])));
	tcase_add_loop_test(tc, test_supported_link, 0,
			    (int)(sizeof(supported) / sizeof(supported[0])));
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(decode_suite)
