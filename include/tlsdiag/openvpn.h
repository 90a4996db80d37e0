/* openvpn.h -- de-framing of OpenVPN over TCP, to reach the TLS it carries.
 *
 * OpenVPN in TLS mode runs its TLS handshake inside its control channel.
 * Over TCP every OpenVPN packet is preceded by a 2-byte length; a packet is
 * an opcode/key-id byte, an 8-byte session id, with tls-auth an HMAC, a
 * replay packet id and a time, then an array of acknowledged packet ids
 * (with the peer's session id when not empty) and, on the reliable control
 * packets, the message packet id; the rest of a P_CONTROL packet is TLS
 * bytes.  (The OpenVPN protocol description, ssl_pkt.h and reliable.h of
 * OpenVPN 2.x; Wireshark's packet-openvpn.c dissects the same layout.)
 *
 * An ovpn_dir follows one direction of one connection: it is fed the
 * ordered bytes in chunks of any size and hands the payload of each
 * P_CONTROL packet of the first key (key id 0) to a callback, in message
 * packet id order; repeated packet ids (retransmissions) are dropped, and a
 * packet id that skips ahead means control bytes were lost (framing error).
 * Data-channel packets, acknowledgements and resets are skipped.
 *
 * Whether tls-auth is used (and its HMAC size) is not on the wire: like
 * Wireshark, ovpn_detect() finds it from the first packet, a hard reset,
 * whose fields are known (no acknowledgement from a client, message packet
 * id 0), trying no HMAC, then the HMAC sizes of MD5, SHA-1, SHA-224,
 * SHA-256, SHA-384 and SHA-512.  tls-crypt (encrypted control channel) is
 * not de-framed: its TLS cannot be read without the key.
 *
 * It owns no heap memory (the header is held in the struct, at most
 * OVPN_HDR_MAX bytes), reads bytes only through the bounded cursor, and
 * knows nothing of TLS.
 */
#ifndef TLSDIAG_OPENVPN_H
#define TLSDIAG_OPENVPN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsdiag/caps.h"
#include "tlsdiag/cur.h"

/* Opcodes (high 5 bits of the first byte). */
enum ovpn_op {
	OVPN_HARD_RESET_CLIENT_V1 = 1,
	OVPN_HARD_RESET_SERVER_V1 = 2,
	OVPN_SOFT_RESET_V1 = 3,
	OVPN_CONTROL_V1 = 4,
	OVPN_ACK_V1 = 5,
	OVPN_DATA_V1 = 6,
	OVPN_HARD_RESET_CLIENT_V2 = 7,
	OVPN_HARD_RESET_SERVER_V2 = 8,
	OVPN_DATA_V2 = 9,
	OVPN_HARD_RESET_CLIENT_V3 = 10,
	OVPN_CONTROL_WKC_V1 = 11
};

/* Largest HMAC tried (SHA-512). */
#define OVPN_HMAC_MAX 64

/* Longest control header: opcode, session id, HMAC + packet id + time,
 * ack count, acks, remote session id, message packet id. */
#define OVPN_HDR_MAX (1 + 8 + OVPN_HMAC_MAX + 8 + 1 + 4 * OVPN_ACKS_MAX + 8 + 4)

/* The callback that gets the control-channel payload, in order. */
typedef void (*ovpn_payload_fn)(void *ctx, struct cur *payload);

struct ovpn_dir {
	uint8_t hmac_len; /* tls-auth HMAC bytes; 0 without tls-auth */
	bool bad;	  /* framing lost: nothing more is de-framed */
	uint8_t len_have; /* bytes of the 2-byte packet length held */
	uint8_t lenb[2];
	uint16_t pkt_left; /* bytes of the current packet still to come */
	uint16_t hdr_want; /* header bytes needed, once known (0: not yet) */
	uint8_t hdr_len;   /* header bytes held */
	uint8_t hdr[OVPN_HDR_MAX];
	bool deliver;	   /* the current packet's payload goes on */
	uint32_t next_pid; /* next message packet id of key id 0 */

	/* Counters. */
	uint32_t packets;  /* OpenVPN packets framed */
	uint32_t control;  /* P_CONTROL packets whose payload went on */
	uint32_t dups;	   /* repeated message packet ids dropped */
};

/* Is the stream that starts with the n bytes at p OpenVPN over TCP?  The
 * first packet must be whole in them: a hard reset with key id 0 (a
 * client's: V1, V2 or V3; with `server`, a server's: V1 or V2), whose
 * fields parse with one of the HMAC sizes.  On true, *hmac_len is it. */
bool ovpn_detect(const uint8_t *p, size_t n, bool server, uint8_t *hmac_len);

/* Prepare a direction whose HMAC size ovpn_detect() found. */
void ovpn_init(struct ovpn_dir *d, uint8_t hmac_len);

/* De-frame the bytes of `in`, calling fn for every payload in order; all
 * are consumed while the framing holds.  Returns false once framing is lost
 * (a length that lies, an unknown opcode, too many acks, a packet id that
 * skips ahead), with `in` at the byte after the one that showed it. */
bool ovpn_feed(struct ovpn_dir *d, struct cur *in, ovpn_payload_fn fn,
	       void *ctx);

#endif
