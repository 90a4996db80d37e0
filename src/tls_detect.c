/* tls_detect.c -- classify the first bytes of a TCP stream.
 *
 * Implements the record header checks of RFC 5246 6.2.1 / RFC 8446 5.1, the
 * SSLv2-compatible ClientHello of RFC 5246 Appendix E.2, and the greetings
 * of HTTP (RFC 9112 3, 4), SSH (RFC 4253 4.2), SMTP (RFC 5321 4.2), FTP
 * (RFC 959 4.2), POP3 (RFC 1939 4) and IMAP (RFC 9051 7.1).
 *
 * Every byte is read through the bounded cursor; it never reads past `n`,
 * never allocates and keeps no state.
 */
#include "tlsdiag/tls_detect.h"

#include "tlsdiag/caps.h"
#include "tlsdiag/cur.h"

/* What one pattern says about the bytes seen so far. */
enum match {
	M_NO,	   /* cannot be this, whatever follows */
	M_PARTIAL, /* a prefix of this: need more bytes */
	M_YES
};

/* A literal prefix: M_PARTIAL while the bytes seen are a prefix of it. */
static enum match
match_literal(struct cur c, const char *lit, size_t litlen)
{
	size_t i;
	uint8_t b;

	for (i = 0; i < litlen; i++) {
		if (!cur_u8(&c, &b))
			return M_PARTIAL;
		if (b != (uint8_t)lit[i])
			return M_NO;
	}
	return M_YES;
}

/* A TLS record header (RFC 5246 6.2.1): type, version, length. */
static enum match
match_record(struct cur c)
{
	uint8_t type, major, minor;
	uint16_t len;

	if (!cur_u8(&c, &type))
		return M_PARTIAL;
	if (type < 20 || type > 24)
		return M_NO;
	if (!cur_u8(&c, &major))
		return M_PARTIAL;
	if (major != 3)
		return M_NO;
	if (!cur_u8(&c, &minor))
		return M_PARTIAL;
	if (minor > 4)
		return M_NO;
	if (!cur_u16(&c, &len))
		return M_PARTIAL;
	/* RFC 5246 6.2.3: a TLSCiphertext fragment is at most 2^14 + 2048;
	 * an empty first record is not how any TLS peer starts. */
	if (len == 0 || len > TLS_RECORD_MAX)
		return M_NO;
	return M_YES;
}

/* RFC 5246 Appendix E.2: the SSLv2 record header with the high bit set
 * (two-byte form, no padding), then a V2 CLIENT-HELLO. */
static enum match
match_sslv2(struct cur c)
{
	uint8_t h0, h1, type, major, minor;
	uint16_t len, cs_len, sid_len, ch_len;

	if (!cur_u8(&c, &h0))
		return M_PARTIAL;
	if ((h0 & 0x80) == 0)
		return M_NO;
	if (!cur_u8(&c, &h1))
		return M_PARTIAL;
	len = (uint16_t)((h0 & 0x7f) << 8 | h1);
	if (len < 9)
		return M_NO;
	if (!cur_u8(&c, &type))
		return M_PARTIAL;
	if (type != 1)
		return M_NO;
	if (!cur_u8(&c, &major))
		return M_PARTIAL;
	if (major != 0 && major != 3)
		return M_NO;
	if (!cur_u8(&c, &minor))
		return M_PARTIAL;
	if ((major == 0 && minor != 2) || (major == 3 && minor > 4))
		return M_NO;
	if (!cur_u16(&c, &cs_len))
		return M_PARTIAL;
	if (cs_len == 0 || cs_len % 3 != 0)
		return M_NO;
	if (!cur_u16(&c, &sid_len))
		return M_PARTIAL;
	if (sid_len != 0 && sid_len != 16)
		return M_NO;
	if (!cur_u16(&c, &ch_len))
		return M_PARTIAL;
	if (ch_len < 16 || ch_len > 32)
		return M_NO;
	if ((uint32_t)9 + cs_len + sid_len + ch_len != len)
		return M_NO;
	return M_YES;
}

/* An HTTP request line starts with a method token and a space (RFC 9112
 * 3).  Methods are case-sensitive and, in practice, upper case; digits are
 * left out so that "220 " stays a banner. */
static enum match
match_method(struct cur c)
{
	size_t i;
	uint8_t b;

	for (i = 0; i <= TLS_DETECT_METHOD_MAX; i++) {
		if (!cur_u8(&c, &b))
			return M_PARTIAL;
		if (b == ' ')
			return i >= 3 ? M_YES : M_NO;
		if (!((b >= 'A' && b <= 'Z') || b == '-' || b == '_'))
			return M_NO;
	}
	return M_NO;
}

static enum match
match_220(struct cur c)
{
	enum match m = match_literal(c, "220", 3);
	uint8_t b;

	if (m != M_YES)
		return m;
	(void)cur_skip(&c, 3);
	if (!cur_u8(&c, &b))
		return M_PARTIAL;
	return b == ' ' || b == '-' ? M_YES : M_NO;
}

int
tls_detect(const uint8_t *p, size_t n, enum tls_detect_kind *kind)
{
	struct cur c = cur_make(p, n > TLS_DETECT_MAX ? TLS_DETECT_MAX : n);
	enum match m[TLS_DETECT_NKINDS];
	int k;

	/* In order of priority: the first YES wins unless an earlier pattern
	 * is still PARTIAL, in which case more bytes decide. */
	m[TLS_DETECT_TLS] = match_record(c);
	m[TLS_DETECT_SSLV2_HELLO] = match_sslv2(c);
	m[TLS_DETECT_HTTP_RESPONSE] = match_literal(c, "HTTP/", 5);
	m[TLS_DETECT_SSH] = match_literal(c, "SSH-", 4);
	m[TLS_DETECT_SMTP_FTP] = match_220(c);
	m[TLS_DETECT_POP3] = match_literal(c, "+OK", 3);
	m[TLS_DETECT_IMAP] = match_literal(c, "* OK", 4);
	m[TLS_DETECT_HTTP_REQUEST] = match_method(c);

	static const enum tls_detect_kind order[] = {
	    TLS_DETECT_TLS,  TLS_DETECT_SSLV2_HELLO,  TLS_DETECT_HTTP_RESPONSE,
	    TLS_DETECT_SSH,  TLS_DETECT_SMTP_FTP,     TLS_DETECT_POP3,
	    TLS_DETECT_IMAP, TLS_DETECT_HTTP_REQUEST,
	};
	for (k = 0; k < (int)(sizeof(order) / sizeof(order[0])); k++) {
		if (m[order[k]] == M_PARTIAL && n < TLS_DETECT_MAX) {
			*kind = TLS_DETECT_NEED_MORE;
			return 1;
		}
		if (m[order[k]] == M_YES) {
			*kind = order[k];
			return 0;
		}
	}
	*kind = TLS_DETECT_UNKNOWN;
	return 0;
}

const char *
tls_detect_name(enum tls_detect_kind kind)
{
	static const char *const names[TLS_DETECT_NKINDS] = {
	    [TLS_DETECT_NEED_MORE] = "need_more",
	    [TLS_DETECT_TLS] = "tls",
	    [TLS_DETECT_SSLV2_HELLO] = "sslv2_client_hello",
	    [TLS_DETECT_HTTP_REQUEST] = "http_request",
	    [TLS_DETECT_HTTP_RESPONSE] = "http_response",
	    [TLS_DETECT_SSH] = "ssh",
	    [TLS_DETECT_SMTP_FTP] = "smtp_ftp_banner",
	    [TLS_DETECT_POP3] = "pop3_banner",
	    [TLS_DETECT_IMAP] = "imap_banner",
	    [TLS_DETECT_UNKNOWN] = "unknown",
	};

	if ((unsigned)kind >= TLS_DETECT_NKINDS)
		return "invalid";
	return names[kind];
}
