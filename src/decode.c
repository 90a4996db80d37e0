/* decode.c -- link, network and transport headers of one captured packet.
 *
 * Implements: RFC 791 (IPv4), RFC 8200 (IPv6 and its extension headers),
 * RFC 4302 (AH, for its length), RFC 6946 (atomic fragments), RFC 9293 (TCP
 * header), IEEE 802.1Q / 802.1ad tags, and the tcpdump.org link-layer
 * header types LINKTYPE_NULL, _LOOP, _LINUX_SLL, _LINUX_SLL2, _RAW, _IPV4,
 * _IPV6.
 *
 * It must never read past data[caplen - 1], allocate, copy the payload, keep
 * state between packets, or look into the TCP payload.  It runs once per
 * packet, so it reads bytes at offsets it has checked, without a cursor
 * object: every read is preceded by dec_need() against the two limits below.
 *
 * Two limits are carried down the layers (struct dec_win):
 *   end    the bytes the packet holds according to the wire length, cut by
 *          each enclosing length field (the IP total length cuts Ethernet
 *          padding);
 *   avail  the bytes that may be read: caplen, cut by the same lengths.
 * A header that does not fit `end` is a lie (DEC_MALFORMED); one that fits
 * `end` but not `avail` was cut by the snaplen (DEC_TRUNCATED).  So a
 * complete frame (caplen == wirelen) that is too short for its own headers is
 * malformed, never truncated: raising the snaplen would not help it.
 * Invariant: off <= avail <= end at every dec_need() call.
 */
#include <netinet/in.h>
#include <string.h>

#include <pcap/pcap.h>

#include "tlsdiag/caps.h"
#include "tlsdiag/decode.h"

/* Older libpcap headers lack the newer DLT values; the numbers are fixed by
 * tcpdump.org's link-layer header type registry. */
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

/* LINKTYPE_RAW as written in capture files.  pcap_datalink() maps it to
 * DLT_RAW, but no DLT uses 101 (libpcap reserves 100-103 for file header
 * values), so a caller that passes the file's link type straight through is
 * understood too. */
#define DEC_LINKTYPE_RAW 101


/* Ethertypes (IEEE registry).  Below 0x0600 the field is an 802.3 length. */
#define ETYPE_IPV4 0x0800
#define ETYPE_IPV6 0x86dd
#define ETYPE_8021Q 0x8100
#define ETYPE_8021AD 0x88a8
#define ETYPE_QINQ_OLD 0x9100 /* pre-802.1ad vendor QinQ */
#define ETYPE_MPLS 0x8847
#define ETYPE_PPPOE_SESSION 0x8864

/* PPPoE session stage (RFC 2516 4): version/type, code, session id,
 * length, then the PPP protocol number (RFC 1661 2); 0x0021 is IPv4,
 * 0x0057 IPv6 (RFC 5072). */
#define PPPOE_HDR 8
#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057

/* An MPLS label stack entry (RFC 3032 2.1); bit 8 of its third byte marks
 * the bottom of the stack, after which IP follows (the version nibble says
 * which).  The stack is bounded like VLAN tags. */
#define MPLS_ENTRY 4

/* Address families in DLT_NULL / DLT_LOOP headers: AF_INET is 2 everywhere,
 * AF_INET6 differs: 24 on NetBSD/OpenBSD/BSD/OS, 28 on FreeBSD/DragonFly,
 * 30 on macOS, 10 on Linux. */
#define NULL_AF_INET 2
#define NULL_AF_INET6_BSD 24
#define NULL_AF_INET6_FREEBSD 28
#define NULL_AF_INET6_DARWIN 30
#define NULL_AF_INET6_LINUX 10

#define ETH_HDR 14
#define VLAN_TAG 4
#define SLL_HDR 16
#define SLL2_HDR 20
#define NULL_HDR 4
#define IP4_HDR 20
#define IP6_HDR 40
#define IP6_FRAG_HDR 8
#define TCP_HDR 20

struct dec_win {
	const uint8_t *data; /* the packet (borrowed) */
	uint32_t avail;	     /* bytes that may be read */
	uint32_t end;	     /* bytes the packet holds by its lengths */
};

/* Can n bytes at off be read?  See the two limits at the top. */
static inline int
dec_need(const struct dec_win *w, uint32_t off, uint32_t n)
{
	if (n > w->end - off)
		return DEC_MALFORMED;
	if (n > w->avail - off)
		return DEC_TRUNCATED;
	return DEC_OK;
}

/* An enclosing length says the packet ends at off + len (len already checked
 * against end - off): padding after it is not ours to read. */
static inline void
dec_cut(struct dec_win *w, uint32_t off, uint32_t len)
{
	w->end = off + len;
	if (w->avail > w->end)
		w->avail = w->end;
}

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* TCP header, RFC 9293 3.1: ports, numbers, flags, window and the data
 * offset that says where the payload starts. */
static int
dec_tcp(const struct dec_win *w, uint32_t off, struct pkt *out)
{
	const uint8_t *t;
	uint32_t doff;
	int rc;

	if ((rc = dec_need(w, off, TCP_HDR)) != DEC_OK)
		return rc;
	t = w->data + off;
	doff = (uint32_t)(t[12] >> 4) * 4;
	if (doff < TCP_HDR || doff > w->end - off)
		return DEC_MALFORMED;
	if (doff > w->avail - off)
		return DEC_TRUNCATED;
	out->sport = rd16(t);
	out->dport = rd16(t + 2);
	out->seq = rd32(t + 4);
	out->ack = rd32(t + 8);
	out->flags = t[13] & 0x3f;
	out->win = rd16(t + 14);
	off += doff;
	/* With no payload this points just past the headers: valid to form,
	 * never to read, as payload_len says. */
	out->payload = w->data + off;
	out->payload_len = w->avail - off;
	out->payload_wire = w->end - off;
	return DEC_OK;
}

/* IPv4 header, RFC 791 3.1. */
static int
dec_ipv4(struct dec_win *w, uint32_t off, struct pkt *out)
{
	const uint8_t *h;
	uint32_t hlen, tlen;
	int rc;

	if ((rc = dec_need(w, off, IP4_HDR)) != DEC_OK)
		return rc;
	h = w->data + off;
	if (h[0] >> 4 != 4)
		return DEC_MALFORMED;
	hlen = (uint32_t)(h[0] & 0x0f) * 4;
	tlen = rd16(h + 2);
	/* A total length of 0 is what TCP segmentation offload leaves in
	 * packets captured on the sending host (Windows LSO, Linux BIG TCP
	 * over 64 KiB): the frame length is the only length there is, as
	 * tcpdump and Wireshark assume.  Such packets carry the server's
	 * certificate flight, so dropping them would hide what matters. */
	if (tlen == 0)
		tlen = w->end - off;
	if (hlen < IP4_HDR || tlen < hlen || tlen > w->end - off)
		return DEC_MALFORMED;
	/* The protocol is known before the fragment test so that fragmented
	 * UDP (DNS, QUIC) is not counted as TCP data we had to skip. */
	if (h[9] != IPPROTO_TCP)
		return DEC_NOT_TCP;
	/* More-fragments flag or a fragment offset (the low 14 bits; the
	 * reserved and DF bits do not matter). */
	if ((rd16(h + 6) & 0x3fff) != 0)
		return DEC_FRAGMENT;
	/* Options are skipped; only their presence in the capture matters. */
	if (hlen > w->avail - off)
		return DEC_TRUNCATED;
	dec_cut(w, off, tlen);
	out->af = 4;
	out->ttl = h[8];
	memcpy(out->src, h + 12, 4);
	memset(out->src + 4, 0, sizeof(out->src) - 4);
	memcpy(out->dst, h + 16, 4);
	memset(out->dst + 4, 0, sizeof(out->dst) - 4);
	return dec_tcp(w, off + hlen, out);
}

/* May a fragment whose first header is nh be carrying TCP? */
static inline bool
dec_ip6_maybe_tcp(uint8_t nh)
{
	return nh == IPPROTO_TCP || nh == IPPROTO_HOPOPTS ||
	       nh == IPPROTO_ROUTING || nh == IPPROTO_DSTOPTS ||
	       nh == IPPROTO_AH;
}

/* IPv6 header and extension headers, RFC 8200 3 and 4. */
static int
dec_ipv6(struct dec_win *w, uint32_t off, struct pkt *out)
{
	const uint8_t *h;
	uint32_t plen, tlen, elen;
	unsigned next;
	uint8_t nh;
	int rc;

	if ((rc = dec_need(w, off, IP6_HDR)) != DEC_OK)
		return rc;
	h = w->data + off;
	if (h[0] >> 4 != 6)
		return DEC_MALFORMED;
	plen = rd16(h + 4);
	/* A payload length of 0 means the length is elsewhere: an RFC 2675
	 * jumbogram (its hop-by-hop Jumbo option), or Linux BIG TCP, which
	 * sends over 64 KiB with no length at all.  As tcpdump does, the
	 * frame length is taken; the Jumbo option is skipped unread. */
	tlen = plen != 0 ? IP6_HDR + plen : w->end - off;
	if (tlen > w->end - off)
		return DEC_MALFORMED;
	dec_cut(w, off, tlen);
	out->af = 6;
	out->ttl = h[7];
	memcpy(out->src, h + 8, 16);
	memcpy(out->dst, h + 24, 16);
	nh = h[6];
	off += IP6_HDR;

	for (next = 0;; next++) {
		const uint8_t *e;

		switch (nh) {
		case IPPROTO_TCP:
			return dec_tcp(w, off, out);
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
		case IPPROTO_AH:
		case IPPROTO_FRAGMENT:
			break;
		default:
			/* UDP, ICMPv6, ESP (50: the rest is encrypted), No
			 * Next Header (59), IP-in-IPv6: not for us. */
			return DEC_NOT_TCP;
		}
		if (next == DEC_IP6_EXT_MAX)
			return DEC_MALFORMED;
		if ((rc = dec_need(w, off, 2)) != DEC_OK)
			return rc;
		e = w->data + off;
		if (nh == IPPROTO_FRAGMENT) {
			/* RFC 8200 4.5.  Offset in the top 13 bits, M in bit
			 * 0.  An atomic fragment (offset 0, M 0; RFC 6946) is
			 * a whole packet and is decoded as one. */
			if ((rc = dec_need(w, off, IP6_FRAG_HDR)) != DEC_OK)
				return rc;
			if ((rd16(e + 2) & 0xfff9) != 0)
				return dec_ip6_maybe_tcp(e[0]) ? DEC_FRAGMENT
							       : DEC_NOT_TCP;
			elen = IP6_FRAG_HDR;
		} else if (nh == IPPROTO_AH) {
			/* RFC 4302 2.2: 4-byte units, minus 2. */
			elen = ((uint32_t)e[1] + 2) * 4;
		} else {
			/* RFC 8200 4.3-4.6: 8-byte units, not counting the
			 * first 8 bytes. */
			elen = ((uint32_t)e[1] + 1) * 8;
		}
		if ((rc = dec_need(w, off, elen)) != DEC_OK)
			return rc;
		nh = e[0];
		off += elen;
	}
}

/* The payload of an Ethernet-style header (Ethernet II, Linux cooked):
 * follow VLAN tags to the ethertype, then the IP version it names. */
static int
dec_ethertype(struct dec_win *w, uint32_t off, uint16_t type, struct pkt *out)
{
	unsigned ntags = 0;
	int rc;

	while (type == ETYPE_8021Q || type == ETYPE_8021AD ||
	       type == ETYPE_QINQ_OLD) {
		if (ntags++ == DEC_VLAN_MAX)
			return DEC_MALFORMED;
		if ((rc = dec_need(w, off, VLAN_TAG)) != DEC_OK)
			return rc;
		/* 2 bytes of priority/DEI/VLAN id, then the next type. */
		type = rd16(w->data + off + 2);
		off += VLAN_TAG;
	}
	switch (type) {
	case ETYPE_IPV4:
		return dec_ipv4(w, off, out);
	case ETYPE_IPV6:
		return dec_ipv6(w, off, out);
	case ETYPE_PPPOE_SESSION:
		if ((rc = dec_need(w, off, PPPOE_HDR)) != DEC_OK)
			return rc;
		switch (rd16(w->data + off + 6)) {
		case PPP_IPV4:
			return dec_ipv4(w, off + PPPOE_HDR, out);
		case PPP_IPV6:
			return dec_ipv6(w, off + PPPOE_HDR, out);
		default:
			return DEC_NOT_IP; /* LCP, IPCP, ... */
		}
	case ETYPE_MPLS:
		for (ntags = 0;; ntags++) {
			if (ntags == DEC_VLAN_MAX)
				return DEC_MALFORMED;
			if ((rc = dec_need(w, off, MPLS_ENTRY)) != DEC_OK)
				return rc;
			off += MPLS_ENTRY;
			if (w->data[off - 2] & 0x01)
				break;
		}
		if ((rc = dec_need(w, off, 1)) != DEC_OK)
			return rc;
		switch (w->data[off] >> 4) {
		case 4:
			return dec_ipv4(w, off, out);
		case 6:
			return dec_ipv6(w, off, out);
		default:
			return DEC_NOT_IP; /* pseudowire, Ethernet over MPLS */
		}
	default:
		/* ARP, LLDP, PPPoE discovery, an 802.3 length (<= 1500) with
		 * LLC/SNAP: none carries TCP we follow. */
		return DEC_NOT_IP;
	}
}

/* Raw IP: the version nibble says which. */
static int
dec_raw(struct dec_win *w, struct pkt *out)
{
	int rc;

	if ((rc = dec_need(w, 0, 1)) != DEC_OK)
		return rc;
	switch (w->data[0] >> 4) {
	case 4:
		return dec_ipv4(w, 0, out);
	case 6:
		return dec_ipv6(w, 0, out);
	default:
		return DEC_MALFORMED;
	}
}

static inline bool
dec_null_af6(uint32_t af)
{
	return af == NULL_AF_INET6_BSD || af == NULL_AF_INET6_FREEBSD ||
	       af == NULL_AF_INET6_DARWIN || af == NULL_AF_INET6_LINUX;
}

/* BSD loopback: a 4-byte address family.  DLT_NULL writes it in the
 * capturing host's byte order, DLT_LOOP in network order; both orders are
 * accepted for both, which is unambiguous (a family fits one byte, so the
 * swapped value is at least 2^24). */
static int
dec_null(struct dec_win *w, struct pkt *out)
{
	uint32_t be, le;
	int rc;

	if ((rc = dec_need(w, 0, NULL_HDR)) != DEC_OK)
		return rc;
	be = rd32(w->data);
	le = (uint32_t)w->data[3] << 24 | (uint32_t)w->data[2] << 16 |
	     (uint32_t)w->data[1] << 8 | w->data[0];
	if (be == NULL_AF_INET || le == NULL_AF_INET)
		return dec_ipv4(w, NULL_HDR, out);
	if (dec_null_af6(be) || dec_null_af6(le))
		return dec_ipv6(w, NULL_HDR, out);
	return DEC_NOT_IP;
}

bool
decode_link_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DEC_LINKTYPE_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return true;
	default:
		return false;
	}
}

int
decode_packet(int dlt, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
	      uint64_t ts_us, struct pkt *out)
{
	struct dec_win w;
	int rc;

	w.data = data;
	w.avail = caplen;
	/* A corrupt file can claim fewer bytes on the wire than it holds;
	 * the captured bytes are real, so the packet is at least that long. */
	w.end = wirelen > caplen ? wirelen : caplen;
	out->ts_us = ts_us;
	out->caplen = caplen;
	out->wirelen = wirelen;

	switch (dlt) {
	case DLT_EN10MB:
		/* Destination, source, then the ethertype or 802.3 length. */
		if ((rc = dec_need(&w, 0, ETH_HDR)) != DEC_OK)
			return rc;
		return dec_ethertype(&w, ETH_HDR, rd16(data + 12), out);
	case DLT_LINUX_SLL:
		/* Packet type, ARPHRD type, address length, 8 address bytes,
		 * protocol (an ethertype for the families we care about). */
		if ((rc = dec_need(&w, 0, SLL_HDR)) != DEC_OK)
			return rc;
		return dec_ethertype(&w, SLL_HDR, rd16(data + 14), out);
	case DLT_LINUX_SLL2:
		/* Protocol first, then reserved, ifindex, ARPHRD type, packet
		 * type, address length, 8 address bytes. */
		if ((rc = dec_need(&w, 0, SLL2_HDR)) != DEC_OK)
			return rc;
		return dec_ethertype(&w, SLL2_HDR, rd16(data), out);
	case DLT_RAW:
	case DEC_LINKTYPE_RAW:
		return dec_raw(&w, out);
	case DLT_IPV4:
		return dec_ipv4(&w, 0, out);
	case DLT_IPV6:
		return dec_ipv6(&w, 0, out);
	case DLT_NULL:
	case DLT_LOOP:
		return dec_null(&w, out);
	default:
		return DEC_UNSUPPORTED_LINK;
	}
}

const char *
decode_status_name(int status)
{
	/* Indexed by -status.  Public names (counters, metrics): never
	 * renamed or reused. */
	static const char *const names[DEC_NSTATUS] = {
	    [-DEC_OK] = "ok",
	    [-DEC_NOT_IP] = "not_ip",
	    [-DEC_NOT_TCP] = "not_tcp",
	    [-DEC_TRUNCATED] = "truncated",
	    [-DEC_MALFORMED] = "malformed",
	    [-DEC_FRAGMENT] = "fragment",
	    [-DEC_UNSUPPORTED_LINK] = "unsupported_link",
	};

	if (status > 0 || status <= -DEC_NSTATUS)
		return "unknown";
	return names[-status];
}
