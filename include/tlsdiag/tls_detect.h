/* tls_detect.h -- what the first bytes of a TCP byte stream are.
 *
 * tls_detect looks at the first bytes one side of a connection sent and says
 * whether they start a TLS record (RFC 8446 5.1, RFC 5246 6.2.1), an
 * SSLv2-compatible ClientHello (RFC 5246 Appendix E.2), or something that is
 * not TLS at all: an HTTP request or response, an SSH banner, or the
 * greeting of SMTP/FTP, POP3 or IMAP (a plaintext protocol on a TLS port,
 * or a STARTTLS port mistaken for an implicit-TLS one).  When the bytes seen
 * so far fit more than one answer it asks for more.
 *
 * It is a pure function over a borrowed buffer: it owns nothing, keeps no
 * state, allocates nothing and never reads past `n`.  It never looks further
 * than TLS_DETECT_MAX bytes, so a caller that holds TLS_DETECT_MAX bytes
 * (or the whole stream, if shorter and finished) always gets an answer.
 * The kind names are stable identifiers (JSON, metrics): never renamed or
 * reused.
 */
#ifndef TLSDIAG_TLS_DETECT_H
#define TLSDIAG_TLS_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes after which tls_detect always decides.  The longest pattern is an
 * HTTP method token (TLS_DETECT_METHOD_MAX letters) plus its space. */
#define TLS_DETECT_MAX 32

/* Longest HTTP method token recognised ("PROPPATCH", "MKCALENDAR", ... and
 * extension methods all fit; RFC 9110 9.1 sets no limit). */
#define TLS_DETECT_METHOD_MAX 20

enum tls_detect_kind {
	TLS_DETECT_NEED_MORE,	  /* "need_more": undecided yet */
	TLS_DETECT_TLS,		  /* "tls": a TLS record header */
	TLS_DETECT_SSLV2_HELLO,	  /* "sslv2_client_hello" */
	TLS_DETECT_HTTP_REQUEST,  /* "http_request": METHOD SP */
	TLS_DETECT_HTTP_RESPONSE, /* "http_response": "HTTP/" */
	TLS_DETECT_SSH,		  /* "ssh": "SSH-" (RFC 4253 4.2) */
	TLS_DETECT_SMTP_FTP,	  /* "smtp_ftp_banner": "220 " or "220-" */
	TLS_DETECT_POP3,	  /* "pop3_banner": "+OK" (RFC 1939) */
	TLS_DETECT_IMAP,	  /* "imap_banner": "* OK" (RFC 9051) */
	TLS_DETECT_UNKNOWN,	  /* "unknown": none of the above */
	TLS_DETECT_NKINDS
};

/* Classify the n bytes at p, the first bytes of a stream.  Returns 0 when
 * decided (*kind is neither NEED_MORE nor left unset), or a positive number:
 * at least that many more bytes are needed (*kind is TLS_DETECT_NEED_MORE).
 *
 * A TLS record is: content type 20..24, version major 3 and minor 0..4,
 * length 1..2^14+2048 (RFC 5246 6.2.3).  An SSLv2-compatible ClientHello
 * is: 2-byte header with the high bit set and a length of at least 9,
 * msg_type 1, version 0x0002 or 0x0300..0x0304, cipher_specs a non-zero
 * multiple of 3, session id length 0 or 16, challenge length 16..32, and
 * the three lengths adding up to the header's length.  An HTTP request is
 * 3..TLS_DETECT_METHOD_MAX characters of A-Z, '-' or '_' then a space.
 * Matching is case-sensitive, as the protocols are. */
int tls_detect(const uint8_t *p, size_t n, enum tls_detect_kind *kind);

/* The stable name of a kind ("tls", "http_request", ...); "invalid" for a
 * value out of range. */
const char *tls_detect_name(enum tls_detect_kind kind);

/* True for the two kinds the TLS parser goes on with. */
static inline bool
tls_detect_is_tls(enum tls_detect_kind kind)
{
	return kind == TLS_DETECT_TLS || kind == TLS_DETECT_SSLV2_HELLO;
}

#endif
