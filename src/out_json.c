/* out_json.c -- one JSON object per TLS connection, one per line.
 *
 * Implements RFC 8259 (JSON; strings in 7) over RFC 3629 (UTF-8) for the
 * escaping, and JSON Lines framing.
 *
 * It never prints an attacker-chosen byte except through out_json_string(),
 * never decides anything, and keeps no state between calls.
 */
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tlsdiag/cur.h"
#include "tlsdiag/fmt.h"
#include "tlsdiag/infer.h"
#include "tlsdiag/ja.h"
#include "tlsdiag/out_json.h"
#include "tlsdiag/tls_names.h"

/* Length of the well-formed UTF-8 sequence at p (n bytes available), or 0
 * if the bytes there are not one: RFC 3629 4, which excludes overlong
 * forms, surrogates (U+D800..U+DFFF) and code points over U+10FFFF. */
static size_t
utf8_seq(const uint8_t *p, size_t n)
{
	uint8_t b = p[0], lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (b >= 0xC2 && b <= 0xDF)
		len = 2;
	else if (b >= 0xE0 && b <= 0xEF)
		len = 3;
	else if (b >= 0xF0 && b <= 0xF4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	/* The second byte's range is narrower after E0, ED, F0 and F4. */
	if (b == 0xE0)
		lo = 0xA0;
	else if (b == 0xED)
		hi = 0x9F;
	else if (b == 0xF0)
		lo = 0x90;
	else if (b == 0xF4)
		hi = 0x8F;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return len;
}

void
out_json_string(FILE *out, const uint8_t *p, size_t n)
{
	size_t i = 0, k;

	fputc('"', out);
	while (i < n) {
		uint8_t b = p[i];
		size_t run = i;

		/* Plain printable ASCII, the common case, in one write. */
		while (run < n && p[run] >= 0x20 && p[run] < 0x7F &&
		       p[run] != '"' && p[run] != '\\')
			run++;
		if (run > i) {
			fwrite(p + i, 1, run - i, out);
			i = run;
			continue;
		}
		if (b == '"' || b == '\\') {
			fputc('\\', out);
			fputc(b, out);
			i++;
		} else if (b < 0x20 || b == 0x7F) {
			/* Control characters must be escaped (RFC 8259 7);
			 * DEL may not be, but a terminal reading the log
			 * should not see it raw either. */
			fprintf(out, "\\u%04x", (unsigned)b);
			i++;
		} else if (b < 0x80) {
			fputc(b, out);
			i++;
		} else if ((k = utf8_seq(p + i, n - i)) != 0) {
			fwrite(p + i, 1, k, out);
			i += k;
		} else {
			/* Not UTF-8: the byte's value as a code point, so
			 * the output stays valid and nothing is lost. */
			fprintf(out, "\\u%04x", (unsigned)b);
			i++;
		}
	}
	fputc('"', out);
}

/* A string we produced ourselves (names, numbers): no escaping needed, but
 * it goes through the escaper anyway so that nothing can slip. */
static void
json_str(FILE *out, const char *s)
{
	if (s == NULL) {
		fputs("null", out);
		return;
	}
	out_json_string(out, (const uint8_t *)s, strlen(s));
}

static void
json_ts(FILE *out, uint64_t ts)
{
	char buf[FMT_TS_SIZE];

	if (ts == 0) {
		fputs("null", out);
		return;
	}
	fmt_ts(buf, ts);
	json_str(out, buf);
}

static void
json_code(FILE *out, const char *name, uint16_t v)
{
	char hex[TLS_HEX_LEN];

	json_str(out, tls_name_or_hex(name, v, hex));
}

static void
json_endpoint(FILE *out, const struct flow *f, int side)
{
	char buf[FMT_ADDR_SIZE];

	fmt_addr(buf, f->af, f->addr[side]);
	fputs("{\"ip\": ", out);
	json_str(out, buf);
	fprintf(out, ", \"port\": %u}", (unsigned)f->port[side]);
}

static void
json_versions(FILE *out, const struct tls_client_hello *ch)
{
	const char *sep = "";
	unsigned i;

	fputc('[', out);
	if (ch->versions_present) {
		for (i = 0; i < ch->nversions; i++) {
			if (tls_is_grease(ch->versions[i]))
				continue;
			fputs(sep, out);
			json_code(out, tls_version_name(ch->versions[i]),
				  ch->versions[i]);
			sep = ", ";
		}
	} else {
		json_code(out, tls_version_name(ch->legacy_version),
			  ch->legacy_version);
	}
	fputc(']', out);
}

/* A list of 16-bit code points by name, GREASE left out. */
static void
json_codes(FILE *out, const uint16_t *v, unsigned n,
    const char *(*name)(uint16_t))
{
	const char *sep = "";
	unsigned i;

	fputc('[', out);
	for (i = 0; i < n; i++) {
		if (tls_is_grease(v[i]))
			continue;
		fputs(sep, out);
		json_code(out, name(v[i]), v[i]);
		sep = ", ";
	}
	fputc(']', out);
}

/* The ProtocolNameList of RFC 7301 3.1: each name a 1-byte length and its
 * bytes, attacker-chosen.  tls_msg kept whole entries only, but the bytes
 * are read through a cursor all the same. */
static void
json_alpn(FILE *out, const struct tls_client_hello *ch)
{
	struct cur c = cur_make(ch->alpn, ch->alpn_len), name;
	const char *sep = "";

	fputc('[', out);
	while (c.left > 0 && cur_vec8(&c, &name)) {
		fputs(sep, out);
		out_json_string(out, name.p, name.left);
		sep = ", ";
	}
	fputc(']', out);
}

/* The first ALPN name, for JA4. */
static void
json_fingerprints(FILE *out, const struct tls_client_hello *ch)
{
	struct ja_client jc;
	struct ja3 j3;
	char j4[JA4_LEN];

	ja_client_from_hello(ch, &jc);

	fputs(", \"ja3\": ", out);
	if (ja3_client(&jc, NULL, 0, &j3) == 0)
		json_str(out, j3.md5);
	else
		fputs("null", out);
	fputs(", \"ja4\": ", out);
	if (ja4_client(&jc, j4) == 0)
		json_str(out, j4);
	else
		fputs("null", out);
}

static void
json_client_hello(FILE *out, const struct tls_facts *fa)
{
	const struct tls_client_hello *ch = &fa->ch;

	if (!fa->ch_seen || ch->skipped) {
		fputs("null", out);
		return;
	}
	fputs("{\"versions\": ", out);
	json_versions(out, ch);
	fputs(", \"ciphers\": ", out);
	json_codes(out, ch->suites, ch->nsuites, tls_cipher_name);
	fputs(", \"sni\": ", out);
	if (ch->sni_present && ch->sni_len > 0)
		out_json_string(out, ch->sni, ch->sni_len);
	else
		fputs("null", out);
	fputs(", \"alpn\": ", out);
	json_alpn(out, ch);
	fputs(", \"groups\": ", out);
	json_codes(out, ch->groups, ch->ngroups, tls_group_name);
	json_fingerprints(out, ch);
	fputc('}', out);
}

static const char *
side_name(unsigned d)
{
	return d == TLS_DIR_C2S ? "client" : "server";
}

static void
json_alerts(FILE *out, const struct conn_result *r)
{
	const struct tls_facts *fa = r->facts;
	const char *sep = "";
	unsigned i;

	fputc('[', out);
	for (i = 0; i < fa->nalerts; i++) {
		const struct tls_alert *a = &fa->alerts[i];

		fputs(sep, out);
		fputs("{\"from\": ", out);
		json_str(out, side_name(a->dir));
		if (a->encrypted) {
			fputs(", \"level\": null, \"description\": null", out);
		} else {
			fputs(", \"level\": ", out);
			json_code(out, tls_alert_level_name(a->level),
				  a->level);
			fputs(", \"description\": ", out);
			json_code(out, tls_alert_name(a->desc), a->desc);
		}
		fprintf(out, ", \"encrypted\": %s, ",
			a->encrypted ? "true" : "false");
		/* Read from a record opened with a key log: absent
		 * otherwise, so that output without keys is unchanged. */
		if (a->decrypted)
			fputs("\"decrypted\": true, ", out);
		fputs("\"ts\": ", out);
		json_ts(out, a->ts_us);
		fputc('}', out);
		sep = ", ";
	}
	if (r->enc13_alert) {
		fputs(sep, out);
		fputs("{\"from\": ", out);
		json_str(out, side_name(r->enc13_alert_dir));
		fputs(", \"level\": null, \"description\": null, "
		      "\"encrypted\": true, \"ts\": ",
		      out);
		json_ts(out, r->enc13_alert_ts);
		fputc('}', out);
	}
	fputc(']', out);
}

/* Unix seconds as an ISO 8601 UTC time ("2045-01-01T00:00:00Z"). */
static void
json_time(FILE *out, int64_t t)
{
	char buf[FMT_TS_SIZE];
	time_t tt = (time_t)t;
	struct tm tm;

	/* Certificates carry whole seconds, and may predate 1970. */
	if (gmtime_r(&tt, &tm) == NULL) {
		fprintf(out, "%" PRId64, t);
		return;
	}
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	json_str(out, buf);
}

static void
json_str_list(FILE *out, const char *const *v, unsigned n)
{
	unsigned i;

	fputc('[', out);
	for (i = 0; i < n; i++) {
		if (i > 0)
			fputs(", ", out);
		json_str(out, v[i]);
	}
	fputc(']', out);
}

/* One decoded certificate, all but its closing brace and what depends on
 * the connection: it depends on the certificate alone, so that
 * json_cert() may keep it with the cached certificate.  Names, SANs and
 * URLs are attacker-chosen and go through the escaper like every string. */
static void
json_cert_body(FILE *out, const struct x509_cert *c)
{
	char hex[65];
	unsigned i;
	const char *sep = "";

	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", c->sha256[i]);
	fputs("{\"sha256\": ", out);
	json_str(out, hex);
	fprintf(out, ", \"der_len\": %" PRIu32, c->der_len);
	if (c->malformed) {
		fputs(", \"malformed\": true", out);
		return;
	}
	fputs(", \"subject\": ", out);
	json_str(out, c->subject);
	fputs(", \"issuer\": ", out);
	json_str(out, c->issuer);
	fputs(", \"serial\": ", out);
	json_str(out, c->serial);
	fputs(", \"san\": [", out);
	for (i = 0; i < c->nsan; i++) {
		const struct x509_san *sn = &c->san[i];
		char ip[FMT_ADDR_SIZE];

		fputs(sep, out);
		sep = ", ";
		if (sn->ip) {
			if (sn->addr_len == 4 || sn->addr_len == 16) {
				fmt_addr(ip, sn->addr_len == 4 ? 4 : 6, sn->addr);
				json_str(out, ip);
			} else {
				fputs("null", out);
			}
		} else {
			json_str(out, sn->dns);
		}
	}
	fputs("], \"not_before\": ", out);
	json_time(out, c->not_before);
	fputs(", \"not_after\": ", out);
	json_time(out, c->not_after);
	fputs(", \"key\": {\"type\": ", out);
	json_str(out, x509_key_name((enum x509_key)c->key_type));
	fprintf(out, ", \"bits\": %u}, \"sig_alg\": ", c->key_bits);
	json_str(out, c->sig_alg);
	fprintf(out, ", \"is_ca\": %s, \"self_signed\": %s",
	    c->is_ca ? "true" : "false", c->self_signed ? "true" : "false");
	fputs(", \"aia\": {\"ocsp\": ", out);
	json_str_list(out, c->ocsp_url, c->nocsp);
	fputs(", \"ca_issuers\": ", out);
	json_str_list(out, c->ca_issuers_url, c->nca_issuers);
	fputc('}', out);
}

/* One decoded certificate.  The body is rendered once per cached
 * certificate and kept with it (x509_cert_set_memo): a capture of many
 * handshakes to one server writes the same chain over and over. */
static void
json_cert(FILE *out, const struct x509_cert *c, bool decrypted)
{
	const char *memo;
	size_t len;

	memo = x509_cert_memo(c, &len);
	if (memo == NULL && x509_cert_memo_settable(c)) {
		char *buf = NULL;
		size_t n = 0;
		FILE *m = open_memstream(&buf, &n);

		if (m != NULL) {
			json_cert_body(m, c);
			if (fclose(m) == 0 && n > 0)
				(void)x509_cert_set_memo(c, buf, n);
			free(buf);
			memo = x509_cert_memo(c, &len);
		}
	}
	if (memo != NULL)
		fwrite(memo, 1, len, out);
	else
		json_cert_body(out, c);
	/* Read from TLS 1.3 records opened with a key log (a malformed
	 * certificate says only that it is). */
	if (decrypted && !c->malformed)
		fputs(", \"decrypted\": true", out);
	fputc('}', out);
}

static void
json_chain(FILE *out, const struct certcheck_chain *ch, bool decrypted)
{
	unsigned i;

	for (i = 0; i < ch->n; i++) {
		if (i > 0)
			fputs(", ", out);
		json_cert(out, ch->cert[i], decrypted);
	}
}

/* tls.validation: the chain's status, every problem found, the host name
 * check and the stapled OCSP response. */
static void
json_validation(FILE *out, const struct certcheck *cc)
{
	const struct x509_result *v = &cc->val;
	unsigned i;

	fputs(", \"validation\": {", out);
	if (cc->validated) {
		fputs("\"status\": ", out);
		json_str(out, x509_code_name((enum x509_code)v->status));
		fputs(", \"problems\": [", out);
		for (i = 0; i < v->nproblems; i++) {
			const struct x509_problem *pb = &v->problem[i];

			fputs(i > 0 ? ", {\"code\": " : "{\"code\": ", out);
			json_str(out, x509_code_name((enum x509_code)pb->code));
			fputs(", \"cert\": ", out);
			if (pb->index >= 0)
				fprintf(out, "%d", pb->index);
			else
				json_str(out, pb->index == X509_INDEX_ANCHOR
					? "anchor" : NULL);
			fprintf(out, ", \"seconds\": %" PRId64 ", \"detail\": ",
			    pb->seconds);
			json_str(out, pb->detail);
			fputc('}', out);
		}
		fputs("], \"anchor\": ", out);
		json_str(out, v->anchored ? v->anchor_subject : NULL);
		fputs(", \"missing_issuer\": ", out);
		json_str(out, v->missing_issuer[0] != '\0' ? v->missing_issuer
							   : NULL);
		fputs(", \"aia_ca_issuers\": ", out);
		json_str(out, v->aia_ca_issuers[0] != '\0' ? v->aia_ca_issuers
							   : NULL);
		fprintf(out, ", \"issuer_known_elsewhere\": %s",
		    v->issuer_known_elsewhere ? "true" : "false");
		fputs(", \"ocsp\": ", out);
		if (v->ocsp.status == X509_OCSP_NONE) {
			fputs("null", out);
		} else {
			fputs("{\"status\": ", out);
			json_str(out, x509_ocsp_status_name(
			    (enum x509_ocsp_status)v->ocsp.status));
			fprintf(out, ", \"for_leaf\": %s, \"signature_ok\": %s"
			    ", \"valid_at_capture\": %s, \"revocation_time\": ",
			    v->ocsp.for_leaf ? "true" : "false",
			    v->ocsp.sig_ok ? "true" : "false",
			    v->ocsp.time_valid ? "true" : "false");
			if (v->ocsp.status == X509_OCSP_REVOKED)
				json_time(out, v->ocsp.revocation_time);
			else
				fputs("null", out);
			fputc('}', out);
		}
		fputs(", ", out);
	}
	fputs("\"hostname_match\": ", out);
	json_str(out, cc->host_checked ? hm_status_name(cc->host.status) : NULL);
	fputs(", \"hostname_from\": ", out);
	json_str(out, !cc->host_checked ? NULL
		      : cc->host_by_ip	 ? "server_address"
					 : "sni");
	fputc('}', out);
}

static void json_detect(FILE *out, enum tls_detect_kind k);

/* What the parser found wrong on the connection (RFC limits broken, gaps,
 * records that did not decrypt...), by stable name with its count; only
 * when there is something. */
static void
json_anomalies(FILE *out, const struct tls_facts *fa)
{
	const char *sep = "";
	int a;

	for (a = 0; a < TLS_ANOM_COUNT; a++) {
		if (fa->anomaly[a] == 0)
			continue;
		fprintf(out, "%s", *sep == '\0' ? ", \"anomalies\": {" : sep);
		json_str(out, tls_anomaly_name((enum tls_anomaly)a));
		fprintf(out, ": %" PRIu32, fa->anomaly[a]);
		sep = ", ";
	}
	if (*sep != '\0')
		fputc('}', out);
}

static void
json_tls(FILE *out, const struct conn_result *r)
{
	const struct tls_facts *fa = r->facts;
	const struct tls_certs *sc = &fa->cert[TLS_DIR_S2C];
	const char *sep = "";
	const uint8_t *alpn;
	unsigned i;
	size_t len, alpn_len;

	fputs(", \"tls\": {", out);
	if (fa->dir[TLS_DIR_C2S].upgraded) {
		/* TLS after plaintext: STARTTLS, CONNECT, PROXY. */
		fputs("\"upgraded_from\": ", out);
		json_detect(out, (enum tls_detect_kind)fa->dir[TLS_DIR_C2S].detect);
		fputs(", ", out);
	}
	if (fa->dir[TLS_DIR_C2S].openvpn)
		/* The TLS of OpenVPN's control channel (OpenVPN over TCP). */
		fputs("\"carried_in\": \"openvpn\", ", out);
	fputs("\"client_hello\": ", out);
	json_client_hello(out, fa);
	fputs(", \"version\": ", out);
	if (fa->version != 0)
		json_code(out, tls_version_name(fa->version), fa->version);
	else
		fputs("null", out);
	fputs(", \"cipher\": ", out);
	if (fa->sh_seen && !fa->sh.skipped)
		json_code(out, tls_cipher_name(fa->sh.cipher), fa->sh.cipher);
	else
		fputs("null", out);
	/* The protocol the server chose (TLS 1.3: only with a key log). */
	fputs(", \"alpn\": ", out);
	if (tls_facts_server_alpn(fa, &alpn, &alpn_len))
		out_json_string(out, alpn, alpn_len);
	else
		fputs("null", out);
	fputs(", \"alerts\": ", out);
	json_alerts(out, r);
	fputs(", \"server_certificates\": [", out);
	if (r->certs != NULL && r->certs->server.n > 0) {
		json_chain(out, &r->certs->server,
			   fa->cert[TLS_DIR_S2C].decrypted);
	} else {
		for (i = 0; i < sc->ncerts; i++) {
			if (tls_cert_der(sc, i, &len) == NULL)
				break;
			fprintf(out, "%s{\"der_len\": %zu%s}", sep, len,
				sc->decrypted ? ", \"decrypted\": true" : "");
			sep = ", ";
		}
	}
	fputc(']', out);
	if (r->certs != NULL && r->certs->client.n > 0) {
		fputs(", \"client_certificates\": [", out);
		json_chain(out, &r->certs->client,
			   fa->cert[TLS_DIR_C2S].decrypted);
		fputc(']', out);
	}
	if (r->certs != NULL && r->certs->server.n > 0)
		json_validation(out, r->certs);
	json_anomalies(out, fa);
	fputc('}', out);
}

/* What a side's first bytes were; null if it sent too few to tell. */
static void
json_detect(FILE *out, enum tls_detect_kind k)
{
	json_str(out, k == TLS_DETECT_NEED_MORE ? NULL : tls_detect_name(k));
}

/* The inference engine's verdict.  Its evidence, advice and warnings were
 * escaped for printing by infer (\xNN); they still go through the JSON
 * escaper like every string. */
static void
json_cause(FILE *out, const struct infer_cause *c)
{
	unsigned i;

	fputs(", \"cause\": {\"id\": ", out);
	json_str(out, c->id);
	fputs(", \"fix_side\": ", out);
	json_str(out, c->fix_side);
	fputs(", \"confidence\": ", out);
	json_str(out, c->confidence);
	fputs(", \"rule\": ", out);
	json_str(out, c->rule);
	fprintf(out, ", \"after_handshake\": %s, \"evidence\": [",
	    c->after_handshake ? "true" : "false");
	for (i = 0; i < c->nevidence; i++) {
		if (i > 0)
			fputs(", ", out);
		json_str(out, c->evidence[i]);
	}
	fputs("], \"advice\": ", out);
	json_str(out, c->advice[0] != '\0' ? c->advice : NULL);
	fputs(", \"warnings\": [", out);
	for (i = 0; i < c->nwarnings; i++) {
		if (i > 0)
			fputs(", ", out);
		json_str(out, c->warnings[i]);
	}
	fputs("]}", out);
}

void
out_json_write(FILE *out, const struct conn_result *r)
{
	const struct flow *f = r->flow;

	fputs("{\"ts\": ", out);
	json_ts(out, r->first_ts);
	fputs(", \"client\": ", out);
	json_endpoint(out, f, FLOW_C2S);
	fputs(", \"server\": ", out);
	json_endpoint(out, f, FLOW_S2C);
	fputs(", \"result\": ", out);
	json_str(out, conn_result_name(r->result));
	fputs(", \"reason\": ", out);
	json_str(out, r->reason);
	fputs(", \"reason_from\": ", out);
	json_str(out,
		 r->reason_dir < 0 ? NULL : side_name((unsigned)r->reason_dir));
	fputs(", \"timestamps\": {\"first_packet\": ", out);
	json_ts(out, r->first_ts);
	fputs(", \"client_hello\": ", out);
	json_ts(out, r->client_hello_ts);
	fputs(", \"server_hello\": ", out);
	json_ts(out, r->server_hello_ts);
	fputs(", \"outcome\": ", out);
	json_ts(out, r->outcome_ts);
	fputs("}, \"closed_by\": ", out);
	json_str(out, conn_closer_name(r->closer));
	fputs(", \"close_ts\": ", out);
	json_ts(out, r->close_ts);
	if (r->result == CONN_NOT_TLS) {
		fputs(", \"not_tls\": {\"client_bytes\": ", out);
		json_detect(out, r->client_bytes);
		fputs(", \"server_bytes\": ", out);
		json_detect(out, r->server_bytes);
		fputc('}', out);
	}
	/* A client that spoke TLS to a server that did not still sent a
	 * ClientHello worth reporting. */
	if (r->result != CONN_NOT_TLS ||
	    (r->facts != NULL && r->facts->ch_seen))
		json_tls(out, r);
	if (r->cause != NULL)
		json_cause(out, r->cause);
	fputs("}\n", out);
	fflush(out);
}

void
out_json_emit(void *out_ctx, const struct conn_result *r)
{
	out_json_write(out_ctx, r);
}
