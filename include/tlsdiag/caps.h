/* caps.h -- every hard limit of tlsdiag, each with the reason it exists.
 *
 * A cap that is hit is always counted and reported (see the stats of the
 * module that enforces it); nothing is dropped silently.  Values that a user
 * may change at run time are defaults here and fields in a config struct.
 */
#ifndef TLSDIAG_CAPS_H
#define TLSDIAG_CAPS_H

/* tcpdump's default snaplen since 4.0: whole packets, even with jumbo GRO. */
#define CAP_SNAPLEN_DEFAULT 262144

/* Flows tracked at once.  A flow costs about 400 bytes plus buffers, so the
 * default keeps the table itself under ~100 MiB on a busy span port. */
#define FLOW_MAX_DEFAULT 262144

/* Bytes buffered out of order in one direction of one flow.  A TLS
 * handshake flight is rarely over 64 KiB; four times that absorbs reordering
 * on a fast link without letting one flow hold the budget hostage. */
#define REASM_DIR_MAX_DEFAULT (256u * 1024u)

/* Bytes buffered out of order across all flows. */
#define REASM_TOTAL_MAX_DEFAULT (256u * 1024u * 1024u)

/* Out-of-order segments held in one direction: bounds the list walk for
 * each arriving segment, so a storm of tiny segments stays linear. */
#define REASM_DIR_SEGS_MAX 512

/* Bytes of already-delivered stream kept per direction (until the consumer
 * says it is done) so that a retransmission can be compared with the first
 * copy; a differing copy is an injection signal.  Covers a handshake flight. */
#define REASM_HISTORY_MAX 4096

/* Idle timeouts by flow state, in seconds of packet time.  Opening: a SYN
 * with nothing after it (scans, SYN floods) goes quickly.  Active: a
 * handshake stalled this long has failed.  Decided: bulk transfers can be
 * quiet for minutes.  Closed: late retransmissions and the final ACKs. */
#define FLOW_TIMEOUT_OPENING 30
#define FLOW_TIMEOUT_ACTIVE 120
#define FLOW_TIMEOUT_DECIDED 600
#define FLOW_TIMEOUT_CLOSED 10

/* How often, in seconds of packet time, idle flows are looked for. */
#define FLOW_EXPIRE_INTERVAL 1

#endif
