/* check_tls_detect.c -- unit tests for tls_detect: what a stream starts with.
 *
 * Each sample is copied into a heap buffer of exactly its length, so a read
 * past the end is an AddressSanitizer report.  Every prefix of every sample
 * must answer "need more" or the sample's final kind, never another kind:
 * the consumer calls tls_detect as bytes trickle in.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tlsdiag/caps.h"
#include "tlsdiag/tls_detect.h"

struct sample {
	const char *what;
	const uint8_t *p;
	size_t n;
	enum tls_detect_kind want;
};

#define S(w, bytes, k)                                                         \
	{                                                                      \
		w, (const uint8_t *)bytes, sizeof(bytes) - 1, k                \
	}

/* An SSLv2-compatible ClientHello header (RFC 5246 E.2): length 0x2e = 9 +
 * 21 (7 specs) + 0 + 16; msg_type 1, version 3.1. */
#define V2HELLO                                                                \
	"\x80\x2e\x01\x03\x01\x00\x15\x00\x00\x00\x10"                         \
	"\x00\x00\x39\x00\x00\x38\x00\x00\x35\x00\x00\x16\x00\x00\x13"         \
	"\x07\x00\xc0\x00\x00\x2f"                                             \
	"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10"

static const struct sample samples[] = {
    S("handshake record", "\x16\x03\x01\x00\xfa\x01", TLS_DETECT_TLS),
    S("CCS record", "\x14\x03\x03\x00\x01\x01", TLS_DETECT_TLS),
    S("alert record", "\x15\x03\x03\x00\x02\x02\x28", TLS_DETECT_TLS),
    S("appdata record", "\x17\x03\x03\x00\x13", TLS_DETECT_TLS),
    S("heartbeat record", "\x18\x03\x02\x00\x03", TLS_DETECT_TLS),
    S("SSLv3 record", "\x16\x03\x00\x00\x40", TLS_DETECT_TLS),
    S("minor 4", "\x16\x03\x04\x00\x40", TLS_DETECT_TLS),
    S("length 1", "\x16\x03\x01\x00\x01", TLS_DETECT_TLS),
    S("length 2^14+2048", "\x16\x03\x01\x48\x00", TLS_DETECT_TLS),
    S("length 2^14+2049", "\x16\x03\x01\x48\x01", TLS_DETECT_UNKNOWN),
    S("length 0", "\x16\x03\x01\x00\x00", TLS_DETECT_UNKNOWN),
    S("length 65535", "\x16\x03\x01\xff\xff", TLS_DETECT_UNKNOWN),
    S("content type 19", "\x13\x03\x01\x00\x10", TLS_DETECT_UNKNOWN),
    S("content type 25", "\x19\x03\x01\x00\x10", TLS_DETECT_UNKNOWN),
    S("major 2", "\x16\x02\x01\x00\x10", TLS_DETECT_UNKNOWN),
    S("minor 5", "\x16\x03\x05\x00\x10", TLS_DETECT_UNKNOWN),
    S("DTLS version", "\x16\xfe\xfd\x00\x00", TLS_DETECT_UNKNOWN),
    S("SSLv2 hello", V2HELLO, TLS_DETECT_SSLV2_HELLO),
    S("SSLv2 hello, v2 version", "\x80\x2e\x01\x00\x02\x00\x15\x00\x00\x00\x10",
      TLS_DETECT_SSLV2_HELLO),
    S("SSLv2 hello, session id 16",
      "\x80\x3e\x01\x03\x00\x00\x15\x00\x10\x00\x10", TLS_DETECT_SSLV2_HELLO),
    S("SSLv2 server hello", "\x80\x2e\x04\x00\x02\x00\x15\x00\x00\x00\x10",
      TLS_DETECT_UNKNOWN),
    S("SSLv2 bad version", "\x80\x2e\x01\x02\x00\x00\x15\x00\x00\x00\x10",
      TLS_DETECT_UNKNOWN),
    S("SSLv2 specs not 3n", "\x80\x2d\x01\x03\x01\x00\x14\x00\x00\x00\x10",
      TLS_DETECT_UNKNOWN),
    S("SSLv2 no specs", "\x80\x19\x01\x03\x01\x00\x00\x00\x00\x00\x10",
      TLS_DETECT_UNKNOWN),
    S("SSLv2 challenge 15", "\x80\x2d\x01\x03\x01\x00\x15\x00\x00\x00\x0f",
      TLS_DETECT_UNKNOWN),
    S("SSLv2 challenge 33", "\x80\x3f\x01\x03\x01\x00\x15\x00\x00\x00\x21",
      TLS_DETECT_UNKNOWN),
    S("SSLv2 lengths disagree", "\x80\x2f\x01\x03\x01\x00\x15\x00\x00\x00\x10",
      TLS_DETECT_UNKNOWN),
    S("SSLv2 session id 8", "\x80\x36\x01\x03\x01\x00\x15\x00\x08\x00\x10",
      TLS_DETECT_UNKNOWN),
    S("SSLv2 length under 9", "\x80\x08\x01\x03\x01", TLS_DETECT_UNKNOWN),
    S("GET", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", TLS_DETECT_HTTP_REQUEST),
    S("POST", "POST /api HTTP/1.1\r\n", TLS_DETECT_HTTP_REQUEST),
    S("OPTIONS", "OPTIONS * HTTP/1.1\r\n", TLS_DETECT_HTTP_REQUEST),
    S("CONNECT", "CONNECT example.com:443 HTTP/1.1\r\n",
      TLS_DETECT_HTTP_REQUEST),
    S("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
      TLS_DETECT_HTTP_REQUEST),
    S("extension method", "VERSION-CONTROL /x HTTP/1.1",
      TLS_DETECT_HTTP_REQUEST),
    S("method of 20", "ABCDEFGHIJKLMNOPQRST /", TLS_DETECT_HTTP_REQUEST),
    S("method of 21", "ABCDEFGHIJKLMNOPQRSTU /", TLS_DETECT_UNKNOWN),
    S("method of 2", "GO /", TLS_DETECT_UNKNOWN),
    S("lower-case method", "get / HTTP/1.1", TLS_DETECT_UNKNOWN),
    S("method, no space", "GET\t/", TLS_DETECT_UNKNOWN),
    S("HTTP response", "HTTP/1.1 400 Bad Request\r\n",
      TLS_DETECT_HTTP_RESPONSE),
    S("HTTP/1.0 response", "HTTP/1.0 200 OK\r\n", TLS_DETECT_HTTP_RESPONSE),
    S("SSH", "SSH-2.0-OpenSSH_9.6p1 Ubuntu\r\n", TLS_DETECT_SSH),
    S("SMTP", "220 mail.example.com ESMTP Postfix\r\n", TLS_DETECT_SMTP_FTP),
    S("SMTP multiline", "220-mail.example.com ESMTP\r\n", TLS_DETECT_SMTP_FTP),
    S("FTP", "220 (vsFTPd 3.0.5)\r\n", TLS_DETECT_SMTP_FTP),
    S("not 220", "221 bye\r\n", TLS_DETECT_UNKNOWN),
    S("220 no space", "2200\r\n", TLS_DETECT_UNKNOWN),
    S("POP3", "+OK POP3 server ready\r\n", TLS_DETECT_POP3),
    S("IMAP", "* OK [CAPABILITY IMAP4rev1] ready\r\n", TLS_DETECT_IMAP),
    S("IMAP BYE", "* BYE go away\r\n", TLS_DETECT_UNKNOWN),
    S("zeros", "\0\0\0\0\0\0\0\0", TLS_DETECT_UNKNOWN),
    S("binary", "\xde\xad\xbe\xef", TLS_DETECT_UNKNOWN),
    S("lone letter then binary", "G\x01", TLS_DETECT_UNKNOWN),
};

#define NSAMPLES ((int)(sizeof(samples) / sizeof(samples[0])))

static int
detect_heap(const uint8_t *p, size_t n, enum tls_detect_kind *kind)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);
	int st;

	ck_assert_ptr_nonnull(copy);
	if (n > 0)
		memcpy(copy, p, n);
	*kind = (enum tls_detect_kind) - 1;
	st = tls_detect(copy, n, kind);
	free(copy);
	return st;
}

/* The whole sample gives its kind, with status 0. */
START_TEST(test_samples)
{
	const struct sample *s = &samples[_i];
	enum tls_detect_kind kind;
	int st;

	st = detect_heap(s->p, s->n, &kind);
	ck_assert_msg(kind == s->want, "%s: got %s, want %s", s->what,
		      tls_detect_name(kind), tls_detect_name(s->want));
	ck_assert_int_eq(st, 0);
}
END_TEST

/* Every prefix says "need more" (status > 0) or already the final kind. */
START_TEST(test_prefixes)
{
	const struct sample *s = &samples[_i];
	enum tls_detect_kind kind;
	size_t k;
	int st;

	for (k = 0; k < s->n; k++) {
		st = detect_heap(s->p, k, &kind);
		if (kind == TLS_DETECT_NEED_MORE) {
			ck_assert_msg(st > 0, "%s: prefix %zu", s->what, k);
			continue;
		}
		ck_assert_msg(st == 0 && kind == s->want,
			      "%s: prefix %zu decided %s, want %s", s->what, k,
			      tls_detect_name(kind), tls_detect_name(s->want));
	}
}
END_TEST

START_TEST(test_empty_needs_more)
{
	enum tls_detect_kind kind;

	ck_assert_int_gt(tls_detect(NULL, 0, &kind), 0);
	ck_assert_int_eq(kind, TLS_DETECT_NEED_MORE);
}
END_TEST

/* TLS_DETECT_MAX bytes always decide, whatever they are. */
START_TEST(test_max_always_decides)
{
	uint8_t buf[TLS_DETECT_MAX];
	enum tls_detect_kind kind;
	unsigned seed = 12345;
	int round;
	size_t i;

	for (round = 0; round < 2000; round++) {
		for (i = 0; i < sizeof(buf); i++) {
			seed = seed * 1103515245u + 12345u;
			/* Mostly letters, to stress the method matcher. */
			buf[i] = (round & 1)
				     ? (uint8_t)('A' + (seed >> 16) % 26)
				     : (uint8_t)(seed >> 16);
		}
		ck_assert_int_eq(detect_heap(buf, sizeof(buf), &kind), 0);
		ck_assert_int_ne(kind, TLS_DETECT_NEED_MORE);
	}
	memset(buf, 'A', sizeof(buf));
	ck_assert_int_eq(detect_heap(buf, sizeof(buf), &kind), 0);
	ck_assert_int_eq(kind, TLS_DETECT_UNKNOWN);
}
END_TEST

/* A long buffer is fine; only the first bytes matter. */
START_TEST(test_long_input)
{
	size_t n = 100000;
	uint8_t *p = malloc(n);
	enum tls_detect_kind kind;

	ck_assert_ptr_nonnull(p);
	memset(p, 0x41, n);
	memcpy(p, "\x16\x03\x03\x40\x00", 5);
	ck_assert_int_eq(tls_detect(p, n, &kind), 0);
	ck_assert_int_eq(kind, TLS_DETECT_TLS);
	free(p);
}
END_TEST

START_TEST(test_names)
{
	static const char *const want[TLS_DETECT_NKINDS] = {
	    "need_more",     "tls",	"sslv2_client_hello", "http_request",
	    "http_response", "ssh",	"smtp_ftp_banner",    "pop3_banner",
	    "imap_banner",   "unknown",
	};
	int k;

	for (k = 0; k < TLS_DETECT_NKINDS; k++)
		ck_assert_str_eq(tls_detect_name((enum tls_detect_kind)k),
				 want[k]);
	ck_assert_str_eq(tls_detect_name(TLS_DETECT_NKINDS), "invalid");
	ck_assert_str_eq(tls_detect_name((enum tls_detect_kind) - 1),
			 "invalid");
	ck_assert(tls_detect_is_tls(TLS_DETECT_TLS));
	ck_assert(tls_detect_is_tls(TLS_DETECT_SSLV2_HELLO));
	ck_assert(!tls_detect_is_tls(TLS_DETECT_HTTP_REQUEST));
	ck_assert(!tls_detect_is_tls(TLS_DETECT_NEED_MORE));
	ck_assert(!tls_detect_is_tls(TLS_DETECT_UNKNOWN));
}
END_TEST

static Suite *
tls_detect_suite(void)
{
	Suite *s = suite_create("tls_detect");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_samples, 0, NSAMPLES);
	tcase_add_loop_test(tc, test_prefixes, 0, NSAMPLES);
	tcase_add_test(tc, test_empty_needs_more);
	tcase_add_test(tc, test_max_always_decides);
	tcase_add_test(tc, test_long_input);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(tls_detect_suite)
