/* check_out_json.c -- Check suite for out_json: RFC 8259 escaping of
 * attacker-chosen bytes, and whole objects parsed back by Python's json.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "tlsdiag/out_json.h"
#include "tlsdiag/tls_names.h"
#include "tlsdiag/x509.h"

/* out_json_string() of n bytes, as a C string (caller frees). */
static char *
capture_string(const uint8_t *p, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(m);
	out_json_string(m, p, n);
	fclose(m);
	return buf;
}

static const struct {
	const char *in;
	size_t n;
	const char *out;
} esc_cases[] = {
    {"", 0, "\"\""},
    {"api.example.com", 15, "\"api.example.com\""},
    {"a\"b", 3, "\"a\\\"b\""},
    {"a\\b", 3, "\"a\\\\b\""},
    {"\n\r\t\b\f", 5, "\"\\u000a\\u000d\\u0009\\u0008\\u000c\""},
    {"a\0b", 3, "\"a\\u0000b\""},
    {"\x1f\x7f", 2, "\"\\u001f\\u007f\""},
    /* Valid UTF-8 stays as it is: 2, 3 and 4-byte sequences. */
    {"caf\xc3\xa9", 5, "\"caf\xc3\xa9\""},
    {"\xe2\x82\xac", 3, "\"\xe2\x82\xac\""},
    {"\xf0\x9f\x94\x92", 4, "\"\xf0\x9f\x94\x92\""},
    /* Not UTF-8: each offending byte as \u00XX. */
    {"\xff", 1, "\"\\u00ff\""},
    {"\x80x", 2, "\"\\u0080x\""},
    {"\xc3", 1, "\"\\u00c3\""},			      /* truncated sequence */
    {"\xc3(", 2, "\"\\u00c3(\""},		      /* bad continuation */
    {"\xc0\xaf", 2, "\"\\u00c0\\u00af\""},	      /* overlong '/' */
    {"\xe0\x80\xaf", 3, "\"\\u00e0\\u0080\\u00af\""}, /* overlong */
    {"\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\""}, /* surrogate */
    {"\xf4\x90\x80\x80", 4, "\"\\u00f4\\u0090\\u0080\\u0080\""},
    {"\xe2\x82", 2, "\"\\u00e2\\u0082\""}, /* cut 3-byte */
};

START_TEST(test_escape)
{
	char *s =
	    capture_string((const uint8_t *)esc_cases[_i].in, esc_cases[_i].n);

	ck_assert_str_eq(s, esc_cases[_i].out);
	free(s);
}
END_TEST

/* Every single byte value between two ASCII letters: nothing below 0x20
 * and no DEL reaches the output, and printable ASCII other than the quote
 * and the backslash comes out unchanged. */
START_TEST(test_escape_every_byte)
{
	uint8_t in[3] = {'x', (uint8_t)_i, 'y'};
	char *s = capture_string(in, sizeof(in));
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		ck_assert((unsigned char)s[i] >= 0x20 &&
			  (unsigned char)s[i] != 0x7f);
	if (_i >= 0x20 && _i < 0x7f && _i != '"' && _i != '\\') {
		char want[6] = {'"', 'x', (char)_i, 'y', '"', '\0'};

		ck_assert_str_eq(s, want);
	}
	free(s);
}
END_TEST

/* Write the text to a file and let Python parse it and evaluate `expr`
 * over the object `o`; return its printed value (caller frees). */
static char *
py_eval(const char *json, const char *expr)
{
	char path[] = "/tmp/check_out_json.XXXXXX";
	char cmd[1024], *line = NULL;
	size_t cap = 0;
	ssize_t got;
	int fd = mkstemp(path);
	FILE *f, *p;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(json, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json,sys\n"
		 "t = open(sys.argv[1], encoding=\"utf-8\").read()\n"
		 "assert t.endswith(\"\\n\") and t.count(\"\\n\") == 1\n"
		 "o = json.loads(t)\n"
		 "print(json.dumps(%s, ensure_ascii=True))' %s",
		 expr, path);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	got = getline(&line, &cap, p);
	ck_assert_int_eq(pclose(p), 0);
	unlink(path);
	ck_assert_int_gt(got, 0);
	if (line[got - 1] == '\n')
		line[got - 1] = '\0';
	return line;
}

/* The DER bytes the hand-built facts point at. */
static uint8_t certbuf[100];

struct fixture {
	struct flow f;
	struct tls_facts fa;
	struct conn_result r;
};

static void
fixture_init(struct fixture *x)
{
	static const uint16_t suites[] = {0x2a2a, 0x1301, 0xc02f, 0x0a0b};
	static const uint16_t versions[] = {0x5a5a, 0x0304, 0x0303};
	static const uint16_t groups[] = {0x4a4a, 0x001d, 0x0017, 0x7777};
	static const uint8_t sni[] = "api.\"ex\\ample\".com\xff\n";
	static const uint8_t alpn[] = "\x02h2\x08http/1.1\x03\x01\"\x80";

	memset(x, 0, sizeof(*x));
	x->f.af = 4;
	x->f.addr[0][0] = 10;
	x->f.addr[0][3] = 5;
	x->f.addr[1][0] = 93;
	x->f.addr[1][1] = 184;
	x->f.addr[1][2] = 216;
	x->f.addr[1][3] = 34;
	x->f.port[0] = 51514;
	x->f.port[1] = 443;

	tls_facts_init(&x->fa);
	x->fa.ch_seen = true;
	x->fa.ch.legacy_version = 0x0303;
	memcpy(x->fa.ch.suites, suites, sizeof(suites));
	x->fa.ch.nsuites = 4;
	x->fa.ch.versions_present = true;
	memcpy(x->fa.ch.versions, versions, sizeof(versions));
	x->fa.ch.nversions = 3;
	x->fa.ch.groups_present = true;
	memcpy(x->fa.ch.groups, groups, sizeof(groups));
	x->fa.ch.ngroups = 4;
	x->fa.ch.sni_present = true;
	x->fa.ch.sni_len = sizeof(sni) - 1;
	memcpy(x->fa.ch.sni, sni, sizeof(sni) - 1);
	x->fa.ch.alpn_present = true;
	x->fa.ch.alpn_len = sizeof(alpn) - 1;
	x->fa.ch.nalpn = 3;
	memcpy(x->fa.ch.alpn, alpn, sizeof(alpn) - 1);
	x->fa.sh_seen = true;
	x->fa.sh.cipher = 0xc02f;
	x->fa.version = 0x0303;
	x->fa.nalerts = 2;
	x->fa.alerts[0].dir = 0;
	x->fa.alerts[0].level = 2;
	x->fa.alerts[0].desc = 45;
	x->fa.alerts[0].ts_us = 1795687923123456ull;
	x->fa.alerts[1].dir = 1;
	x->fa.alerts[1].encrypted = true;
	x->fa.cert[1].present = true;
	x->fa.cert[1].ncerts = 2;
	x->fa.cert[1].cert[0].off = 0;
	x->fa.cert[1].cert[0].len = 60;
	x->fa.cert[1].cert[1].off = 60;
	x->fa.cert[1].cert[1].len = 40;
	x->fa.cert[1].buf = certbuf;
	x->fa.cert[1].buf_len = sizeof(certbuf);

	x->r.flow = &x->f;
	x->r.facts = &x->fa;
	x->r.result = CONN_FAILED;
	x->r.reason = "fatal_alert";
	x->r.reason_dir = 0;
	x->r.first_ts = 1795687923000001ull; /* 2026-11-26T10:12:03.000001Z */
	x->r.client_hello_ts = 1795687923000100ull;
	x->r.outcome_ts = 1795687923123456ull;
	x->r.closer = CONN_CLOSER_CLIENT_RST;
	x->r.close_ts = 1795687923200000ull;
}

static char *
write_object(const struct conn_result *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(m);
	out_json_write(m, r);
	fclose(m);
	return buf;
}

/* Python expression over `o`, and what it must print. */
static const struct {
	const char *expr, *want;
} obj_cases[] = {
    {"list(o.keys())", "[\"ts\", \"client\", \"server\", \"result\", "
		       "\"reason\", \"reason_from\", \"timestamps\", "
		       "\"closed_by\", \"close_ts\", \"tls\"]"},
    {"o[\"ts\"]", "\"2026-11-26T10:12:03.000001Z\""},
    {"o[\"client\"]", "{\"ip\": \"10.0.0.5\", \"port\": 51514}"},
    {"o[\"server\"]", "{\"ip\": \"93.184.216.34\", \"port\": 443}"},
    {"[o[\"result\"], o[\"reason\"], o[\"reason_from\"]]",
     "[\"failed\", \"fatal_alert\", \"client\"]"},
    {"o[\"timestamps\"]", "{\"first_packet\": \"2026-11-26T10:12:03.000001Z\", "
			  "\"client_hello\": \"2026-11-26T10:12:03.000100Z\", "
			  "\"server_hello\": null, "
			  "\"outcome\": \"2026-11-26T10:12:03.123456Z\"}"},
    {"[o[\"closed_by\"], o[\"close_ts\"]]",
     "[\"client_rst\", \"2026-11-26T10:12:03.200000Z\"]"},
    {"list(o[\"tls\"].keys())",
     "[\"client_hello\", \"version\", \"cipher\", \"alpn\", \"alerts\", "
     "\"server_certificates\"]"},
    {"o[\"tls\"][\"client_hello\"][\"versions\"]",
     "[\"TLSv1.3\", \"TLSv1.2\"]"},
    {"o[\"tls\"][\"client_hello\"][\"ciphers\"]",
     "[\"TLS_AES_128_GCM_SHA256\", "
     "\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\", \"0x0a0b\"]"},
    {"o[\"tls\"][\"client_hello\"][\"sni\"]",
     "\"api.\\\"ex\\\\ample\\\".com\\u00ff\\n\""},
    {"o[\"tls\"][\"client_hello\"][\"alpn\"]",
     "[\"h2\", \"http/1.1\", \"\\u0001\\\"\\u0080\"]"},
    {"o[\"tls\"][\"client_hello\"][\"groups\"]",
     "[\"x25519\", \"secp256r1\", \"0x7777\"]"},
    {"len(o[\"tls\"][\"client_hello\"][\"ja3\"])", "32"},
    {"o[\"tls\"][\"client_hello\"][\"ja4\"][:10]", "\"t13d0300h2\""},
    {"[o[\"tls\"][\"version\"], o[\"tls\"][\"cipher\"]]",
     "[\"TLSv1.2\", \"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\"]"},
    {"o[\"tls\"][\"alerts\"]",
     "[{\"from\": \"client\", \"level\": \"fatal\", "
     "\"description\": \"certificate_expired\", \"encrypted\": false, "
     "\"ts\": \"2026-11-26T10:12:03.123456Z\"}, "
     "{\"from\": \"server\", \"level\": null, \"description\": null, "
     "\"encrypted\": true, \"ts\": null}]"},
    {"o[\"tls\"][\"server_certificates\"]",
     "[{\"der_len\": 60}, {\"der_len\": 40}]"},
};

START_TEST(test_object)
{
	struct fixture x;
	char *json, *got;

	fixture_init(&x);
	json = write_object(&x.r);
	got = py_eval(json, obj_cases[_i].expr);
	ck_assert_str_eq(got, obj_cases[_i].want);
	free(got);
	free(json);
}
END_TEST

/* A TLS 1.3 alert known only by its size is listed after the others. */
START_TEST(test_object_enc13_alert)
{
	struct fixture x;
	char *json, *got;

	fixture_init(&x);
	x.fa.nalerts = 0;
	x.fa.version = 0x0304;
	x.fa.tls13 = true;
	x.fa.sh.cipher = 0x1302;
	x.r.reason = "encrypted_alert";
	x.r.enc13_alert = true;
	x.r.enc13_alert_dir = 0;
	x.r.enc13_alert_len = 19;
	x.r.enc13_alert_ts = 1795687923123456ull;
	json = write_object(&x.r);
	got = py_eval(json, "[o[\"tls\"][\"alerts\"], o[\"tls\"][\"cipher\"]]");
	ck_assert_str_eq(got, "[[{\"from\": \"client\", \"level\": null, "
			      "\"description\": null, \"encrypted\": true, "
			      "\"ts\": \"2026-11-26T10:12:03.123456Z\"}], "
			      "\"TLS_AES_256_GCM_SHA384\"]");
	free(got);
	free(json);
}
END_TEST

/* The server's ALPN choice: the ServerHello's in TLS 1.2 (attacker's bytes,
 * escaped), EncryptedExtensions' in TLS 1.3, null when neither says. */
START_TEST(test_object_alpn)
{
	static const uint8_t odd[] = {'h', '2', '"', 0x01};
	struct fixture x;
	char *json, *got;

	fixture_init(&x);
	x.fa.sh.alpn_present = true;
	x.fa.sh.alpn_len = sizeof(odd);
	memcpy(x.fa.sh.alpn, odd, sizeof(odd));
	json = write_object(&x.r);
	got = py_eval(json, "o[\"tls\"][\"alpn\"]");
	ck_assert_str_eq(got, "\"h2\\\"\\u0001\"");
	free(got);
	free(json);

	/* TLS 1.3: a ServerHello never carries it; EncryptedExtensions do,
	 * once decrypted. */
	x.fa.version = 0x0304;
	x.fa.tls13 = true;
	json = write_object(&x.r);
	got = py_eval(json, "o[\"tls\"][\"alpn\"]");
	ck_assert_str_eq(got, "null");
	free(got);
	free(json);
	x.fa.ee.present = true;
	x.fa.ee.alpn_present = true;
	x.fa.ee.alpn_len = 8;
	memcpy(x.fa.ee.alpn, "http/1.1", 8);
	json = write_object(&x.r);
	got = py_eval(json, "o[\"tls\"][\"alpn\"]");
	ck_assert_str_eq(got, "\"http/1.1\"");
	free(got);
	free(json);
}
END_TEST

/* What the parser found wrong is listed by name with its count, after
 * everything else in "tls"; nothing is listed when nothing was found (the
 * keys of test_object). */
START_TEST(test_object_anomalies)
{
	struct fixture x;
	char *json, *got;

	fixture_init(&x);
	x.fa.anomaly[TLS_ANOM_MALFORMED_EXTENSION] = 2;
	x.fa.anomaly[TLS_ANOM_DECRYPT_FAILED] = 1;
	json = write_object(&x.r);
	got = py_eval(json, "[list(o[\"tls\"].keys())[-1], "
			    "o[\"tls\"][\"anomalies\"]]");
	ck_assert_str_eq(got, "[\"anomalies\", {\"malformed_extension\": 2, "
			      "\"decrypt_failed\": 1}]");
	free(got);
	free(json);
}
END_TEST

/* Without supported_versions the legacy version is the offer; no
 * ClientHello decoded gives null, no ServerHello a null cipher. */
START_TEST(test_object_legacy)
{
	struct fixture x;
	char *json, *got;

	fixture_init(&x);
	x.fa.ch.versions_present = false;
	x.fa.ch.nversions = 0;
	x.fa.ch.sni_present = false;
	x.fa.ch.alpn_len = 0;
	x.fa.sh_seen = false;
	x.fa.version = 0;
	x.r.result = CONN_INCOMPLETE;
	x.r.reason = "timeout";
	x.r.reason_dir = -1;
	json = write_object(&x.r);
	got = py_eval(json, "[o[\"tls\"][\"client_hello\"][\"versions\"], "
			    "o[\"tls\"][\"client_hello\"][\"sni\"], "
			    "o[\"tls\"][\"client_hello\"][\"alpn\"], "
			    "o[\"tls\"][\"version\"], o[\"tls\"][\"cipher\"], "
			    "o[\"result\"], o[\"reason_from\"]]");
	ck_assert_str_eq(got, "[[\"TLSv1.2\"], null, [], null, null, "
			      "\"incomplete\", null]");
	free(got);
	free(json);

	x.fa.ch_seen = false;
	json = write_object(&x.r);
	got = py_eval(json, "o[\"tls\"][\"client_hello\"]");
	ck_assert_str_eq(got, "null");
	free(got);
	free(json);
}
END_TEST

/* not_tls: what the bytes were; no "tls" object when the client sent no
 * ClientHello, and its ClientHello when it did (the server was not TLS). */
START_TEST(test_object_not_tls)
{
	struct fixture x;
	char *json, *got;

	fixture_init(&x);
	x.fa.ch_seen = false;
	x.r.result = CONN_NOT_TLS;
	x.r.reason = "client_not_tls";
	x.r.client_bytes = TLS_DETECT_HTTP_REQUEST;
	x.r.server_bytes = TLS_DETECT_NEED_MORE;
	json = write_object(&x.r);
	got = py_eval(json, "[o[\"result\"], \"tls\" in o, o[\"not_tls\"]]");
	ck_assert_str_eq(got, "[\"not_tls\", false, {\"client_bytes\": "
			      "\"http_request\", \"server_bytes\": null}]");
	free(got);
	free(json);

	fixture_init(&x);
	x.r.result = CONN_NOT_TLS;
	x.r.reason = "server_not_tls";
	x.r.client_bytes = TLS_DETECT_TLS;
	x.r.server_bytes = TLS_DETECT_HTTP_RESPONSE;
	json = write_object(&x.r);
	got = py_eval(json, "[o[\"not_tls\"][\"server_bytes\"], "
			    "o[\"tls\"][\"client_hello\"] is not None]");
	ck_assert_str_eq(got, "[\"http_response\", true]");
	free(got);
	free(json);
}
END_TEST


/* Decoded certificates are written the same whether their JSON was kept
 * with the cached certificate (x509_cert_set_memo) or made afresh: the
 * first object through a cache makes the memos, the second is written
 * from them, and both equal the object of certificates decoded without a
 * cache.  A malformed one too, and with "decrypted" after the memo. */
static const char *const memo_files[] = {
    "tests/fixtures/x509/tls12-openssl-cert_incomplete_chain.leaf.der",
    "tests/fixtures/x509/rdn20.der",
    "tests/fixtures/x509/critext.der",
};

START_TEST(test_object_cert_memo)
{
	static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x07};
	struct membudget mb = {0};
	struct x509_cache *c = x509_cache_new(16, 16, &mb);
	struct fixture x;
	struct certcheck cached, fresh;
	uint8_t *der[3];
	size_t len[3], mlen;
	char *first, *second, *plain;
	unsigned i;

	ck_assert_ptr_nonnull(c);
	fixture_init(&x);
	x.fa.cert[1].decrypted = _i == 1;
	memset(&cached, 0, sizeof(cached));
	memset(&fresh, 0, sizeof(fresh));
	for (i = 0; i < 3; i++) {
		der[i] = tu_read_file(memo_files[i], &len[i]);
		cached.server.cert[i] = x509_cert_get(c, der[i], len[i]);
		fresh.server.cert[i] = x509_cert_get(NULL, der[i], len[i]);
	}
	cached.server.cert[3] = x509_cert_get(c, junk, sizeof(junk));
	fresh.server.cert[3] = x509_cert_get(NULL, junk, sizeof(junk));
	ck_assert(cached.server.cert[3]->malformed);
	cached.server.n = fresh.server.n = 4;

	x.r.certs = &fresh;
	plain = write_object(&x.r);
	x.r.certs = &cached;
	for (i = 0; i < 4; i++)
		ck_assert_ptr_null(x509_cert_memo(cached.server.cert[i], &mlen));
	first = write_object(&x.r);
	for (i = 0; i < 4; i++) {
		ck_assert_ptr_nonnull(
		    x509_cert_memo(cached.server.cert[i], &mlen));
		ck_assert_uint_gt(mlen, 0);
	}
	second = write_object(&x.r);
	ck_assert_str_eq(first, plain);
	ck_assert_str_eq(second, plain);
	ck_assert_ptr_nonnull(strstr(plain, "\"subject\": "));
	ck_assert_ptr_nonnull(strstr(plain, "\"malformed\": true}"));
	ck_assert((strstr(plain, "\"decrypted\": true") != NULL) == (_i == 1));
	free(plain);
	free(first);
	free(second);
	for (i = 0; i < 4; i++) {
		x509_cert_put(c, cached.server.cert[i]);
		x509_cert_put(NULL, fresh.server.cert[i]);
	}
	for (i = 0; i < 3; i++)
		free(der[i]);
	x509_cache_free(c);
	ck_assert_uint_eq(mb.used, 0);
}
END_TEST

static Suite *
out_json_suite(void)
{
	Suite *s = suite_create("out_json");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_escape, 0,
			    (int)(sizeof(esc_cases) / sizeof(esc_cases[0])));
	tcase_add_loop_test(tc, test_escape_every_byte, 0, 256);
	tcase_add_loop_test(tc, test_object, 0,
			    (int)(sizeof(obj_cases) / sizeof(obj_cases[0])));
	tcase_add_test(tc, test_object_enc13_alert);
	tcase_add_test(tc, test_object_alpn);
	tcase_add_test(tc, test_object_anomalies);
	tcase_add_test(tc, test_object_legacy);
	tcase_add_test(tc, test_object_not_tls);
	tcase_add_loop_test(tc, test_object_cert_memo, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(out_json_suite)
