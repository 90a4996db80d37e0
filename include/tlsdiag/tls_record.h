/* tls_record.h -- TLS record framing and handshake message assembly for
 * the two byte streams of one TCP connection.
 *
 * A `struct tls_conn` is the TLS parser of one connection: the consumer
 * (conn) feeds it the ordered bytes of each direction as reassembly
 * delivers them, in chunks of any size down to one byte, with their
 * timestamps, and reports lost bytes as gaps.  It reads `conn->facts`
 * (struct tls_facts, tls_msg.h) at any time; nothing else in the struct is
 * for the consumer.
 *
 * What it does, per direction:
 *   - tls_detect on the first bytes: a TLS record or an SSLv2-compatible
 *     ClientHello goes on; anything else (facts dir[d].detect says what)
 *     is plaintext scanned for TLS starting later, at the start of a chunk
 *     or a line or after a PROXY v2 header: STARTTLS, HTTP CONNECT, PROXY
 *     (facts dir[d].upgraded), or OpenVPN over TCP, whose control-channel
 *     payload is then the direction's TLS stream (openvpn.h; facts
 *     dir[d].openvpn); after TLS_UPGRADE_SCAN_MAX bytes without
 *     it the direction stops (stop = not_tls).
 *   - Record framing (RFC 8446 5.1, RFC 5246 6.2): records are streamed,
 *     never buffered whole, so a record split over many feeds and many
 *     records in one feed cost nothing extra.  A record longer than
 *     TLS_RECORD_MAX, an unknown content type or a version major other
 *     than 3 is a violation: counted, and the direction stops (framing can
 *     no longer be trusted).
 *   - Handshake messages (content type 22) are assembled across records
 *     (one message over several records, several messages in one record)
 *     into a buffer that grows with the bytes that actually arrive, is
 *     charged to the membudget before each growth, and is capped by
 *     limits->hs_msg_max: a message declaring more is counted
 *     (hs_msg_too_long) and its body skipped without allocating, framing
 *     goes on.  Messages whose content is not decoded (ClientKeyExchange,
 *     CertificateVerify, Finished, unknown types) are never buffered.
 *   - Alerts (2 bytes each, several per record, or one split over records),
 *     ChangeCipherSpec, heartbeat and application data records.
 *   - Encryption: after a ChangeCipherSpec in a direction (TLS <= 1.2), its
 *     handshake and alert records are unreadable; once a TLS 1.3
 *     ServerHello is seen (not an HRR), every content-type-23 record in
 *     both directions is, while CCS (the middlebox-compatibility one,
 *     RFC 8446 D.4, changes nothing), plaintext alerts (sent before keys
 *     exist) and type 22 records are still parsed.  A client CCS before
 *     any ServerHello, while the server has sent nothing, is the TLS 1.3
 *     compatibility CCS of RFC 8446 D.4 (a TLS <= 1.2 client cannot send
 *     CCS before the ServerHello), so it switches nothing.  Unreadable
 *     records are noted with content type and length (facts dir[d].enc);
 *     content type 23 is never parsed.
 *   - Gaps: a gap that falls inside a record whose content is not parsed
 *     (encrypted or application data) and ends inside or at the end of it
 *     is skipped with framing intact (gap_skipped); any other gap stops
 *     the direction (gap_stop), as no record boundary can be found again.
 *
 * Ownership: the consumer owns the struct tls_conn (it may embed it); the
 * conn owns its handshake buffers and, through its facts, the kept
 * certificates and OCSP responses, all charged to the membudget given to
 * tls_conn_init() and released by tls_conn_free().  `limits` is read once
 * at init; the budget is borrowed for the conn's lifetime.  Without any
 * buffered message or kept certificate a conn holds no heap memory; the
 * struct itself is about 5 KB.  Pointers in the facts (certificate and
 * OCSP bytes, ch2) stay valid until tls_conn_free().
 *
 * Use, from the flow callbacks:
 *
 *	tls_conn_init(&tc, &limits, &budget);       flow start
 *	st = tls_conn_feed(&tc, dir, p, len, ts);   ops->data
 *	st = tls_conn_gap(&tc, dir, len, ts);       ops->gap
 *	... read tc.facts, decide ...               any time
 *	tls_conn_free(&tc);                         ops->end
 *
 * A negative st means the direction will parse nothing more (its
 * reassembly may stop); the other direction goes on.  If the sides were
 * guessed wrong (facts.client_dir == TLS_DIR_S2C), call tls_conn_swap()
 * together with flow_swap_sides().
 *
 * Decryption (optional): with a key source set (tls_conn_set_keys(), the
 * secrets of an NSS key log looked up by the ClientHello random), the
 * protected records are opened with tlsdec and their content goes through
 * the same handshake assembly and alert code as plaintext, with
 * facts.decrypting set so that what is decoded from them is marked.  TLS
 * 1.3: each type-23 record after the ServerHello is buffered whole (at most
 * TLS_RECORD_MAX, charged to the membudget) and opened with the sender's
 * handshake traffic secret, then, from the record after its Finished,
 * with its *_TRAFFIC_SECRET_0 for at most TLS_DEC_APP_RECORDS records
 * (after a KeyUpdate, with the next secret derived from it, RFC 8446 7.2).
 * TLS <= 1.2 (CLIENT_RANDOM; AEAD and CBC suites, tlsdec.h; with the
 * ServerHello's version and encrypt_then_mac): each direction switches to its
 * keys at its ChangeCipherSpec, for its Finished and at most
 * TLS_DEC_APP_RECORDS records in all.  Every such record is still counted
 * as an encrypted record (facts dir[d].enc, with its inner content type).
 * A record that does not open is counted (dec_failed, the decrypt_failed
 * anomaly), its direction's keys are forgotten, and it and every later
 * record of that direction get the size-only treatment of a conn without
 * keys.  Without a key source nothing changes and nothing is buffered.
 *
 * It never allocates before the budget agreed, never reads outside the
 * chunk it is given, never blocks, never decides an outcome (that is the
 * consumer's: established, failed, incomplete, not_tls), and never writes
 * a secret, key or decrypted byte anywhere but its own buffers, which are
 * zeroed before they are freed.
 */
#ifndef TLSDIAG_TLS_RECORD_H
#define TLSDIAG_TLS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsdiag/caps.h"
#include "tlsdiag/keylog.h"
#include "tlsdiag/mem.h"
#include "tlsdiag/openvpn.h"
#include "tlsdiag/tls_detect.h"
#include "tlsdiag/tls_msg.h"
#include "tlsdiag/tlsdec.h"

/* Records opened per direction after its handshake ends (TLS 1.3: under
 * its application traffic secret; TLS 1.2: after its Finished).  The
 * handshake's fate shows in the first few (a NewSessionTicket or two, an
 * alert, the first request); opening a whole download would cost time and
 * say nothing more. */
#define TLS_DEC_APP_RECORDS 8

/* Where a key source looks secrets up: fill *out with those known for
 * `client_random` and return true, or return false.  It may read key log
 * files that grew since the last call. */
typedef bool (*tls_keys_fn)(void *arg, const uint8_t client_random[32],
			    struct keylog_secrets *out);

/* Lookups made per connection at most: at the ServerHello, then again at
 * the first record that needs a secret not found yet (a live client may
 * write its key log line just after the capture saw the message). */
#define TLS_KEYS_TRIES 4

struct tls_limits {
	/* Largest handshake message assembled (TLS_HS_MSG_MAX_DEFAULT);
	 * values under 64 KiB + 4 are raised to that, so that every hello
	 * and any sane server flight fits whatever the configuration. */
	uint32_t hs_msg_max;
};

/* Private: the parser state of one direction. */
struct tls_rdir {
	uint8_t mode;	 /* detect, sslv2, records, plain, stopped */
	bool line_start; /* plain: the last byte seen ended a line */
	uint32_t plain_seen; /* plain: bytes scanned so far */
	bool ccs_enc;	 /* TLS <= 1.2 CCS seen: 21, 22 unreadable */
	bool ccs_guess;	 /* last CCS judged compat only by the silent peer */
	bool ovpn;	 /* bytes are OpenVPN over TCP: de-framed first */
	bool ovpn_inner; /* running on de-framed control payload */
	struct ovpn_dir ov;
	uint8_t pre_len; /* bytes held for tls_detect */
	uint8_t pre[TLS_DETECT_MAX];

	uint8_t hdr_len; /* record header bytes held */
	uint8_t hdr[5];
	uint8_t rclass; /* how the current record's body is read */
	uint8_t rtype;
	uint16_t rlen;	/* current record's length */
	uint16_t rleft; /* its bytes still to come */
	bool ccs_bad;	/* current CCS record is not the byte 1 */

	uint8_t al_len; /* alert bytes held (a split alert) */
	uint8_t al[2];

	uint8_t hsh_len; /* handshake header bytes held */
	uint8_t hsh[4];
	uint8_t hs_type;
	bool hs_keep;	  /* buffer the body (decoded later) */
	bool hs_skipped;  /* over the cap or refused by the budget */
	uint32_t hs_len;  /* declared body length */
	uint32_t hs_have; /* body bytes seen */
	uint8_t *hs_buf;  /* owned; hs_alloc bytes charged */
	uint32_t hs_alloc;

	/* Decryption of this direction (see above). */
	uint8_t dec_epoch;   /* none, tls12 pending, handshake, app, off */
	bool dec_fin;	     /* TLS 1.3: its Finished ended the epoch */
	uint8_t dec_app_left; /* records still opened after the handshake */
	bool dec_ku;	      /* TLS 1.3: a KeyUpdate; next record, next keys */
	struct tlsdec_dir dec; /* secret keys */
	uint8_t *rec_buf;      /* owned; rec_alloc bytes charged */
	uint32_t rec_alloc;
	uint16_t rec_have; /* body bytes of the current record held */
};

struct tls_conn {
	struct tls_facts facts; /* for the consumer to read */

	/* Private. */
	struct tls_rdir rd[2];
	uint32_t hs_msg_max;
	struct membudget *mb;
	tls_keys_fn keys; /* NULL: no decryption */
	void *keys_arg;
	uint8_t keys_tries;
	struct keylog_secrets sec; /* secret; zeroed by tls_conn_free() */
};

/* Fill *lim with the defaults of caps.h. */
void tls_limits_default(struct tls_limits *lim);

/* Prepare a conn.  `lim` may be NULL (defaults); `mb` may be NULL
 * (unlimited, uncounted).  Allocates nothing. */
void tls_conn_init(struct tls_conn *c, const struct tls_limits *lim,
		   struct membudget *mb);

/* Give the conn a key source (before the first byte; `fn` NULL: none). */
void tls_conn_set_keys(struct tls_conn *c, tls_keys_fn fn, void *arg);

/* Feed n ordered bytes of direction `dir` (TLS_DIR_C2S / TLS_DIR_S2C)
 * that arrived at ts_us.  Returns:
 *   0   at a boundary: no record or handshake message is unfinished;
 *   > 0 a record or handshake message is unfinished: at least that many
 *       more bytes are needed to finish it (also in dir[d].need);
 *   < 0 the direction has stopped (TLS_E_NOT_TLS, TLS_E_VIOLATION,
 *       TLS_E_GAP; facts dir[d].stop says which): later bytes are only
 *       counted, so the consumer may stop reassembling it;
 *   TLS_E_ARG for a direction out of range (nothing done).
 * Facts are updated as each unit completes; a unit's timestamp is that of
 * the feed that completed it, so splitting a stream differently with the
 * same timestamps yields the same facts -- except where TLS starts after
 * plaintext, which is looked for at chunk and line starts only. */
int tls_conn_feed(struct tls_conn *c, int dir, const uint8_t *p, size_t n,
		  uint64_t ts_us) __attribute__((warn_unused_result));

/* `len` bytes of direction `dir` were lost at ts_us.  Returns as
 * tls_conn_feed() (TLS_E_GAP if the direction stopped because of it). */
int tls_conn_gap(struct tls_conn *c, int dir, uint64_t len, uint64_t ts_us);

/* The consumer found the sides guessed wrong (flow_swap_sides()): exchange
 * the two directions' parsers and facts. */
void tls_conn_swap(struct tls_conn *c);

/* Free everything the conn owns (buffers, kept certificates) and release
 * its charge on the budget.  The facts are gone afterwards; the struct may
 * be initialised again. */
void tls_conn_free(struct tls_conn *c);

#endif
