/* decode.h -- link, network and transport headers of one captured packet.
 *
 * decode turns the bytes libpcap hands over into a `struct pkt`: addresses,
 * ports, TCP sequence numbers and flags, and a pointer to the TCP payload.
 * It owns nothing (the payload pointer borrows the packet, valid only for
 * the packet callback) and keeps no state between packets.  It never looks
 * into the TCP payload.
 *
 * Link types: Ethernet (with 802.1Q/802.1ad/QinQ tags, PPPoE sessions and
 * MPLS label stacks), Linux cooked v1 and
 * v2, raw IPv4/IPv6 (DLT_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6), BSD loopback
 * (DLT_NULL, DLT_LOOP).  IPv4 with options; IPv6 with hop-by-hop, routing,
 * destination-options and fragment headers.  IP fragments are counted and
 * skipped: they are not reassembled (DEC_FRAGMENT).
 *
 * IPv4 total length 0 and IPv6 payload length 0 (segmentation offload,
 * jumbograms) take the frame length.  Fragments of non-TCP protocols are
 * DEC_NOT_TCP.  A complete frame too short for its own headers is
 * DEC_MALFORMED (a bigger snaplen would not help); one cut by the snaplen is
 * DEC_TRUNCATED.  With payload_len 0, payload points just past the headers.
 *
 * Each enclosing header shrinks the readable limit: trailing link padding is
 * cut by the IP total length, and a snaplen cut is told apart from a length
 * that lies (RFC 791, RFC 8200, RFC 9293).
 */
#ifndef TLSDIAG_DECODE_H
#define TLSDIAG_DECODE_H

#include <stdbool.h>
#include <stdint.h>

/* TCP flag bits, RFC 9293 3.1. */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PUSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20

struct pkt {
	uint64_t ts_us;	   /* capture time, microseconds since the epoch */
	uint32_t caplen;   /* bytes captured */
	uint32_t wirelen;  /* bytes on the wire */
	uint8_t af;	   /* 4 or 6 */
	uint8_t ttl;	   /* IPv4 TTL or IPv6 hop limit */
	uint8_t src[16];   /* IPv4 addresses use the first 4 bytes */
	uint8_t dst[16];
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t win;
	uint8_t flags;	   /* TH_* */
	const uint8_t *payload; /* borrowed: valid during the packet only */
	uint32_t payload_len;	/* payload bytes present in the capture */
	const uint8_t *raw;	/* the whole captured frame (borrowed, caplen
				   bytes), for writing packets out; set by the
				   caller of decode_packet() */
	int dlt;		/* its link type */
	uint32_t payload_wire;	/* payload bytes on the wire (from IP length);
				   more than payload_len when snaplen cut it */
};

/* Results.  0 is a TCP packet; negative values are reasons to skip. */
enum decode_status {
	DEC_OK = 0,
	DEC_NOT_IP = -1,	/* ARP, LLDP, ...: not for us */
	DEC_NOT_TCP = -2,	/* UDP, ICMP, ... */
	DEC_TRUNCATED = -3,	/* snaplen cut inside the headers */
	DEC_MALFORMED = -4,	/* a header length or version lies */
	DEC_FRAGMENT = -5,	/* an IP fragment: counted, not reassembled */
	DEC_UNSUPPORTED_LINK = -6,
};
#define DEC_NSTATUS 7

/* The link types decode_packet() understands. */
bool decode_link_supported(int dlt);

/* Decode one packet captured on link type `dlt` (a DLT_ value as returned
 * by pcap_datalink()).  On DEC_OK, *out is filled; otherwise *out is
 * undefined.  Never reads past data[caplen - 1]. */
int decode_packet(int dlt, const uint8_t *data, uint32_t caplen,
    uint32_t wirelen, uint64_t ts_us, struct pkt *out);

/* A short stable name for a status, for counters ("truncated"...). */
const char *decode_status_name(int status);

#endif
