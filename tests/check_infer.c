/* check_infer.c -- the inference engine's rules, traps and fleet knowledge.
 *
 * Every case is a hand-built connection (facts, TCP events, certificates
 * judged at capture time) as conn would hand it over, and the cause, fix
 * side and confidence a user relies on.  The traps are the ones that make
 * an alert code alone a wrong answer: unknown_ca(48) for three different
 * chain faults, bad_certificate(42) for not-yet-valid and for a name
 * mismatch, a TLS 1.3 rejection whose certificate is encrypted.  The fleet
 * cases run several connections through one engine, in order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tlsdiag/infer.h"
#include "tlsdiag/tls_names.h"

/* 2026-11-27 00:00:00Z, the day the captures were made. */
#define T0 1795737600LL
#define US(s) ((uint64_t)(s)*1000000u)
#define DAY 86400LL

/* One connection under construction. */
struct fx {
	struct flow fl;
	struct tls_facts f;
	struct certcheck cc;
	struct x509_cert leaf, inter;
	struct x509_san san[2];
	struct conn_result r;
};

static struct fx *
fx_new(void)
{
	static const uint16_t suites[] = {0x1301, 0x1302, 0x1303, 0xC02F,
					  0xC030, 0xC02B, 0xC02C};
	static const char sni[] = "good.example";
	struct fx *x = calloc(1, sizeof(*x));
	struct tls_client_hello *ch;

	ck_assert_ptr_nonnull(x);
	x->fl.af = 4;
	x->fl.addr[FLOW_C2S][0] = 10;
	x->fl.addr[FLOW_C2S][3] = 1;
	x->fl.addr[FLOW_S2C][0] = 10;
	x->fl.addr[FLOW_S2C][3] = 2;
	x->fl.port[FLOW_C2S] = 40000;
	x->fl.port[FLOW_S2C] = 443;
	x->fl.dir[FLOW_S2C].ttl_first = x->fl.dir[FLOW_S2C].ttl_min =
	    x->fl.dir[FLOW_S2C].ttl_max = 64;

	x->f.client_dir = TLS_DIR_C2S;
	x->f.server_dir = -1;
	x->f.last_hs_type = -1;
	x->f.ch_seen = true;
	x->f.ch_count = 1;
	ch = &x->f.ch;
	ch->legacy_version = 0x0303;
	ch->has_extensions = true;
	ch->first_bad_ext = -1;
	memcpy(ch->suites, suites, sizeof(suites));
	ch->nsuites = ch->suites_total = sizeof(suites) / sizeof(suites[0]);
	ch->versions_present = true;
	ch->versions[0] = 0x0304;
	ch->versions[1] = 0x0303;
	ch->nversions = 2;
	ch->groups_present = true;
	ch->groups[0] = 0x001d;
	ch->groups[1] = 0x0017;
	ch->ngroups = 2;
	ch->sni_present = true;
	ch->sni_len = sizeof(sni) - 1;
	memcpy(ch->sni, sni, sizeof(sni) - 1);
	x->f.dir[TLS_DIR_C2S].bytes = 300;

	x->r.flow = &x->fl;
	x->r.facts = &x->f;
	x->r.result = CONN_FAILED;
	x->r.reason = "fatal_alert";
	x->r.reason_dir = -1;
	x->r.first_ts = US(T0);
	x->r.client_hello_ts = US(T0) + 100;
	x->r.outcome_ts = US(T0) + 5000;
	return x;
}

static void
fx_versions(struct fx *x, uint16_t lo, uint16_t hi)
{
	unsigned n = 0;
	uint16_t v;

	for (v = hi; v >= lo && v >= 0x0301; v--)
		x->f.ch.versions[n++] = v;
	x->f.ch.nversions = (uint8_t)n;
	x->f.ch.legacy_version = hi > 0x0303 ? 0x0303 : hi;
	if (hi < 0x0304)
		x->f.ch.versions_present = false, x->f.ch.nversions = 0;
}

static void
fx_suites(struct fx *x, const uint16_t *s, unsigned n)
{
	memcpy(x->f.ch.suites, s, n * sizeof(*s));
	x->f.ch.nsuites = x->f.ch.suites_total = (uint16_t)n;
}

static void
fx_no_sni(struct fx *x)
{
	x->f.ch.sni_present = false;
	x->f.ch.sni_len = 0;
}

static void
fx_sni(struct fx *x, const char *name)
{
	x->f.ch.sni_len = (uint8_t)strlen(name);
	memcpy(x->f.ch.sni, name, x->f.ch.sni_len);
}

static void
fx_server(struct fx *x, uint8_t last)
{
	x->fl.addr[FLOW_S2C][3] = last;
}

static void
fx_client(struct fx *x, uint8_t last)
{
	x->fl.addr[FLOW_C2S][3] = last;
}

static void
fx_sh(struct fx *x, uint16_t version, uint16_t cipher)
{
	x->f.sh_seen = true;
	x->f.sh_count = 1;
	x->f.server_dir = TLS_DIR_S2C;
	x->f.version = version;
	x->f.tls13 = version == 0x0304;
	x->f.sh.legacy_version = 0x0303;
	x->f.sh.cipher = cipher;
	x->f.sh.selected_version = version == 0x0304 ? version : 0;
	x->f.dir[TLS_DIR_S2C].bytes = 3000;
	x->r.server_hello_ts = US(T0) + 1000;
}

static void
fx_alert(struct fx *x, int dir, uint8_t desc, uint64_t off)
{
	struct tls_alert *a = &x->f.alerts[x->f.nalerts++];

	a->ts_us = US(T0) + off;
	a->rec_len = 2;
	a->dir = (uint8_t)dir;
	a->level = TLS_ALERT_LEVEL_FATAL;
	a->desc = desc;
	a->after_hs_type = -1;
	a->after_hs_dir = -1;
	x->f.alerts_total++;
	if (dir == TLS_DIR_S2C && x->f.dir[TLS_DIR_S2C].bytes == 0)
		x->f.dir[TLS_DIR_S2C].bytes = 7;
	x->r.reason_dir = (int8_t)dir;
}

static void
fx_enc(struct fx *x, int dir, uint16_t len, uint8_t type, uint64_t off)
{
	struct tls_dir_facts *d = &x->f.dir[dir];
	struct tls_enc_record *e = &d->enc[d->nenc++];

	e->len = len;
	e->type = type;
	e->ts_us = US(T0) + off;
	d->enc_total++;
}

static void
fx_close(struct fx *x, enum conn_closer c, uint64_t off)
{
	x->r.closer = c;
	x->r.close_ts = US(T0) + off;
}

/* A two-certificate chain for good.example from "CN=Example CA", judged
 * with the given codes (X509_RES_OK alone: valid). */
static void
fx_chain(struct fx *x, uint32_t codes, uint8_t status, bool anchored)
{
	x->leaf.subject = "CN=good.example";
	x->leaf.issuer = "CN=Example CA,O=Example";
	x->leaf.cn = "good.example";
	snprintf(x->leaf.serial, sizeof(x->leaf.serial), "1001");
	x->leaf.not_before = T0 - 100 * DAY;
	x->leaf.not_after = T0 + 300 * DAY;
	x->leaf.sha256[0] = 0xaa;
	x->san[0].dns = "good.example";
	x->leaf.san[0] = x->san[0];
	x->leaf.nsan = 1;
	x->leaf.san_total = 1;
	x->inter.subject = "CN=Example CA,O=Example";
	x->inter.issuer = "CN=Example Root,O=Example";
	x->inter.is_ca = true;

	x->cc.at = T0;
	x->cc.server.n = 2;
	x->cc.server.cert[0] = &x->leaf;
	x->cc.server.cert[1] = &x->inter;
	x->cc.validated = true;
	x->cc.val.codes = codes;
	x->cc.val.status = status;
	x->cc.val.anchored = anchored;
	snprintf(x->cc.val.anchor_subject, sizeof(x->cc.val.anchor_subject),
		 "%s", anchored ? "CN=Example Root,O=Example" : "");
	x->cc.host_checked = x->f.ch.sni_present;
	x->cc.host.status = HM_MATCH;
	x->f.cert[TLS_DIR_S2C].present = true;
	x->f.cert[TLS_DIR_S2C].ncerts = 2;
	x->r.certs = &x->cc;
}

static void
fx_problem(struct fx *x, enum x509_code c, int index, int64_t seconds)
{
	struct x509_problem *p = &x->cc.val.problem[x->cc.val.nproblems++];

	p->code = (uint8_t)c;
	p->index = (int8_t)index;
	p->seconds = seconds;
}

#define BIT(c) (1u << (c))

/* Established, TLS 1.2, valid chain. */
static void
fx_ok12(struct fx *x)
{
	x->r.result = CONN_ESTABLISHED;
	x->r.reason = NULL;
	fx_sh(x, 0x0303, 0xC02F);
	fx_chain(x, BIT(X509_RES_OK), X509_RES_OK, true);
}

static bool
has_line(const char (*lines)[INFER_LINE_MAX], unsigned n, const char *s)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (strstr(lines[i], s) != NULL)
			return true;
	return false;
}

static bool
ev_has(const struct infer_cause *c, const char *s)
{
	return has_line(c->evidence, c->nevidence, s);
}

/*
 * Table-driven single-connection cases.
 */

static const uint16_t legacy_suites[] = {0x002F, 0x0035, 0x00FF};
static const uint16_t chacha12[] = {0xCCA9, 0xCCA8, 0xCCAA};
static const uint16_t chacha13[] = {0x1303, 0x00FF};
static const uint16_t gcm12[] = {0xC02B, 0xC02F, 0xCCA9, 0x009C};

static void
c_not_tls_client(struct fx *x)
{
	x->r.result = CONN_NOT_TLS;
	x->r.reason = "client_not_tls";
	x->r.client_bytes = TLS_DETECT_HTTP_REQUEST;
	x->r.server_bytes = TLS_DETECT_HTTP_RESPONSE;
	x->f.ch_seen = false;
	x->f.dir[TLS_DIR_S2C].bytes = 400;
}

static void
c_not_tls_server(struct fx *x)
{
	x->r.result = CONN_NOT_TLS;
	x->r.reason = "server_not_tls";
	x->r.server_bytes = TLS_DETECT_SSH;
	x->f.dir[TLS_DIR_S2C].bytes = 21;
}

static void
c_hello_malformed(struct fx *x)
{
	x->f.ch.ext_malformed = 1;
	x->f.ch.first_bad_ext = 0;
	x->f.ch.sni_malformed = true;
	fx_alert(x, TLS_DIR_S2C, TLS_ALERT_DECODE_ERROR, 200);
}

static void
c_hello_refused(struct fx *x)
{
	fx_alert(x, TLS_DIR_S2C, TLS_ALERT_ILLEGAL_PARAMETER, 200);
}

static void
c_alpn(struct fx *x)
{
	static const uint8_t alpn[] = {8,   'h', 't', 't', 'p',
				       '/', '1', '.', '1'};

	x->f.ch.alpn_present = true;
	memcpy(x->f.ch.alpn, alpn, sizeof(alpn));
	x->f.ch.alpn_len = sizeof(alpn);
	x->f.ch.nalpn = 1;
	fx_alert(x, TLS_DIR_S2C, TLS_ALERT_NO_APPLICATION_PROTOCOL, 200);
}

static void
c_sni_alert(struct fx *x)
{
	fx_no_sni(x);
	fx_alert(x, TLS_DIR_S2C, TLS_ALERT_UNRECOGNIZED_NAME, 200);
}

/* A warning-level unrecognized_name is not a refusal (RFC 6066 3): the
 * server went on, and the connection failed for another reason. */
static void
c_sni_warning_only(struct fx *x)
{
	c_sni_alert(x);
	x->f.alerts[0].level = TLS_ALERT_LEVEL_WARNING;
	fx_close(x, CONN_CLOSER_SERVER_FIN, 300);
}

static void
c_version_old_client(struct fx *x)
{
	fx_versions(x, 0x0301, 0x0301);
	fx_alert(x, TLS_DIR_S2C, TLS_ALERT_PROTOCOL_VERSION, 200);
}

static void
c_version_server13only(struct fx *x)
{
	fx_versions(x, 0x0303, 0x0303);
	fx_alert(x, TLS_DIR_S2C, TLS_ALERT_PROTOCOL_VERSION, 200);
}

static void
c_version_client13only(struct fx *x)
{
	x->f.ch.versions[0] = 0x0304;
	x->f.ch.nversions = 1;
	fx_alert(x, TLS_DIR_S2C, TLS_ALERT_PROTOCOL_VERSION, 200);
}

static void
c_hsfail_old_versions(struct fx *x)
{
	fx_versions(x, 0x0301, 0x0302);
	fx_alert(x, TLS_DIR_S2C, TLS_ALERT_HANDSHAKE_FAILURE, 200);
}

static void
c_internal_error_tls10(struct fx *x)
{
	fx_versions(x, 0x0301, 0x0301);
	fx_alert(x, TLS_DIR_S2C, TLS_ALERT_INTERNAL_ERROR, 200);
}

static void
c_hsfail_legacy_suites(struct fx *x)
{
	fx_versions(x, 0x0303, 0x0303);
	fx_suites(x, legacy_suites, 3);
	fx_alert(x, TLS_DIR_S2C, TLS_ALERT_HANDSHAKE_FAILURE, 200);
}

static void
c_hsfail_chacha12(struct fx *x)
{
	fx_versions(x, 0x0303, 0x0303);
	fx_suites(x, chacha12, 3);
	fx_alert(x, TLS_DIR_S2C, TLS_ALERT_HANDSHAKE_FAILURE, 200);
}

static void
c_hsfail_chacha13(struct fx *x)
{
	x->f.ch.versions[0] = 0x0304;
	x->f.ch.nversions = 1;
	fx_suites(x, chacha13, 2);
	fx_alert(x, TLS_DIR_S2C, TLS_ALERT_HANDSHAKE_FAILURE, 200);
}

static void
c_hsfail_groups(struct fx *x)
{
	x->f.ch.ngroups = 1; /* x25519 only */
	fx_alert(x, TLS_DIR_S2C, TLS_ALERT_HANDSHAKE_FAILURE, 200);
}

static void
c_hsfail_gcm12(struct fx *x)
{
	fx_versions(x, 0x0303, 0x0303);
	fx_suites(x, gcm12, 4);
	fx_alert(x, TLS_DIR_S2C, TLS_ALERT_HANDSHAKE_FAILURE, 200);
}

/* A modern TLS 1.3 offer refused with nothing that says why. */
static void
c_hsfail_modern(struct fx *x)
{
	fx_alert(x, TLS_DIR_S2C, TLS_ALERT_HANDSHAKE_FAILURE, 200);
}

static void
c_reset(struct fx *x)
{
	x->r.reason = "reset_after_client_hello";
	fx_close(x, CONN_CLOSER_SERVER_RST, 300);
}

static void
c_reset_ttl(struct fx *x)
{
	c_reset(x);
	x->fl.dir[FLOW_S2C].ttl_min = 61;
}

static void
c_no_response(struct fx *x)
{
	x->r.reason = "closed_after_client_hello";
	fx_close(x, CONN_CLOSER_CLIENT_FIN, 3000000);
}

static void
c_incomplete(struct fx *x)
{
	x->r.result = CONN_INCOMPLETE;
	x->r.reason = "timeout";
}

/* Only the server's side was captured: its ServerHello, no ClientHello. */
static void
c_one_sided(struct fx *x)
{
	x->f.ch_seen = false;
	x->r.client_hello_ts = 0;
	fx_sh(x, 0x0303, 0xC02F);
	x->r.result = CONN_INCOMPLETE;
	x->r.reason = "no_client_hello";
}

static void
c_client_cert12(struct fx *x)
{
	fx_sh(x, 0x0303, 0xC02F);
	fx_chain(x, BIT(X509_RES_OK), X509_RES_OK, true);
	x->f.cert_req.present = true;
	x->f.cert[TLS_DIR_C2S].present = true;
	x->f.cert[TLS_DIR_C2S].ncerts = 0;
	fx_alert(x, TLS_DIR_S2C, TLS_ALERT_HANDSHAKE_FAILURE, 3000);
}

/* GnuTLS answers a missing client certificate with decode_error. */
static void
c_client_cert12_decode(struct fx *x)
{
	c_client_cert12(x);
	x->f.alerts[0].desc = TLS_ALERT_DECODE_ERROR;
}

static void
c_client_cert13(struct fx *x)
{
	fx_sh(x, 0x0304, 0x1302);
	fx_enc(x, TLS_DIR_S2C, 23, 23, 1100);
	fx_enc(x, TLS_DIR_S2C, 130, 23, 1100);
	fx_enc(x, TLS_DIR_S2C, 1944, 23, 1100);
	fx_enc(x, TLS_DIR_C2S, 25, 23, 2000);
	fx_enc(x, TLS_DIR_C2S, 69, 23, 2000);
	x->r.reason = "encrypted_alert";
	x->r.enc13_alert = true;
	x->r.enc13_alert_dir = TLS_DIR_S2C;
	x->r.enc13_alert_len = 19;
	x->r.enc13_alert_ts = US(T0) + 2500;
	fx_close(x, CONN_CLOSER_SERVER_FIN, 2600);
}

/* The client rejected the chain with `desc` after a TLS 1.2 flight. */
static void
reject12(struct fx *x, uint8_t desc, uint32_t codes, uint8_t status,
	 bool anchored)
{
	fx_sh(x, 0x0303, 0xC02F);
	fx_chain(x, codes, status, anchored);
	fx_alert(x, TLS_DIR_C2S, desc, 2000);
	fx_close(x, CONN_CLOSER_CLIENT_FIN, 2100);
}

static void
c_48_self_signed(struct fx *x)
{
	reject12(x, TLS_ALERT_UNKNOWN_CA, BIT(X509_RES_SELF_SIGNED),
		 X509_RES_SELF_SIGNED, false);
	x->cc.server.n = 1;
	x->leaf.issuer = x->leaf.subject;
	x->leaf.self_signed = true;
	fx_problem(x, X509_RES_SELF_SIGNED, 0, 0);
}

static void
c_48_incomplete(struct fx *x)
{
	reject12(x, TLS_ALERT_UNKNOWN_CA, BIT(X509_RES_INCOMPLETE_CHAIN),
		 X509_RES_INCOMPLETE_CHAIN, false);
	x->cc.server.n = 1;
	snprintf(x->cc.val.missing_issuer, sizeof(x->cc.val.missing_issuer),
		 "CN=Example CA,O=Example");
	snprintf(x->cc.val.aia_ca_issuers, sizeof(x->cc.val.aia_ca_issuers),
		 "http://ca.example/inter.crt");
	fx_problem(x, X509_RES_INCOMPLETE_CHAIN, 0, 0);
}

static void
c_48_untrusted(struct fx *x)
{
	reject12(x, TLS_ALERT_UNKNOWN_CA, BIT(X509_RES_UNTRUSTED_ROOT),
		 X509_RES_UNTRUSTED_ROOT, false);
	x->inter.subject = "CN=Private Root,O=Corp";
	x->inter.self_signed = true;
	fx_problem(x, X509_RES_UNTRUSTED_ROOT, 1, 0);
}

static void
c_42_not_yet_valid(struct fx *x)
{
	reject12(x, TLS_ALERT_BAD_CERTIFICATE, BIT(X509_RES_NOT_YET_VALID),
		 X509_RES_NOT_YET_VALID, true);
	x->leaf.not_before = T0 + 4780 * DAY;
	fx_problem(x, X509_RES_NOT_YET_VALID, 0, 4780 * DAY);
}

static void
c_42_name(struct fx *x)
{
	reject12(x, TLS_ALERT_BAD_CERTIFICATE, BIT(X509_RES_OK), X509_RES_OK,
		 true);
	x->cc.host.status = HM_NO_MATCH;
	x->san[0].dns = "other.example";
	x->leaf.san[0] = x->san[0];
}

static void
c_42_clean(struct fx *x)
{
	reject12(x, TLS_ALERT_BAD_CERTIFICATE, BIT(X509_RES_OK), X509_RES_OK,
		 true);
}

static void
c_45_clean(struct fx *x)
{
	reject12(x, TLS_ALERT_CERTIFICATE_EXPIRED, BIT(X509_RES_OK),
		 X509_RES_OK, true);
}

static void
c_45_expired(struct fx *x)
{
	reject12(x, TLS_ALERT_CERTIFICATE_EXPIRED, BIT(X509_RES_EXPIRED),
		 X509_RES_EXPIRED, true);
	x->leaf.not_before = 1704067200; /* 2024-01-01 */
	x->leaf.not_after = 1735689600;	 /* 2025-01-01 */
	fx_problem(x, X509_RES_EXPIRED, 0, T0 - 1735689600);
}

/* unknown_ca with an expired leaf that also lacks its issuer: OpenSSL
 * checks trust first, so the alert is about the chain, not the date. */
static void
c_48_expired_and_incomplete(struct fx *x)
{
	c_48_incomplete(x);
	x->cc.val.codes |= BIT(X509_RES_EXPIRED);
	x->leaf.not_after = T0 - 10 * DAY;
	fx_problem(x, X509_RES_EXPIRED, 0, 10 * DAY);
}

static void
c_44_revoked(struct fx *x)
{
	reject12(x, TLS_ALERT_CERTIFICATE_REVOKED, BIT(X509_RES_REVOKED),
		 X509_RES_REVOKED, true);
	x->cc.val.ocsp.status = X509_OCSP_REVOKED;
	x->cc.val.ocsp.revocation_time = 1748736000;
	x->cc.val.ocsp.revocation_reason = 1;
	fx_problem(x, X509_RES_REVOKED, 0, 0);
}

static void
c_42_revoked_gnutls(struct fx *x)
{
	c_44_revoked(x);
	x->f.alerts[0].desc = TLS_ALERT_BAD_CERTIFICATE;
}

static void
c_42_weak_key(struct fx *x)
{
	reject12(x, TLS_ALERT_BAD_CERTIFICATE,
		 BIT(X509_RES_OK) | BIT(X509_RES_WEAK_KEY), X509_RES_OK, true);
	x->leaf.key_bits = 1024;
}

static void
c_43_noeku(struct fx *x)
{
	reject12(x, TLS_ALERT_UNSUPPORTED_CERTIFICATE, BIT(X509_RES_BAD_USAGE),
		 X509_RES_BAD_USAGE, true);
}

static void
c_48_clean(struct fx *x)
{
	reject12(x, TLS_ALERT_UNKNOWN_CA, BIT(X509_RES_OK), X509_RES_OK, true);
}

static void
c_no_sni_ip(struct fx *x)
{
	fx_no_sni(x);
	reject12(x, TLS_ALERT_BAD_CERTIFICATE, BIT(X509_RES_OK), X509_RES_OK,
		 true);
}

/* A client connecting by address to a certificate that has it. */
static void
c_no_sni_ip_san(struct fx *x)
{
	c_no_sni_ip(x);
	x->san[1].ip = true;
	x->san[1].addr_len = 4;
	memcpy(x->san[1].addr, x->fl.addr[FLOW_S2C], 4);
	x->leaf.san[1] = x->san[1];
	x->leaf.nsan = 2;
}

/* TLS 1.3, the certificate encrypted, the client's rejection encrypted. */
static void
c_13_enc_reject(struct fx *x)
{
	fx_sh(x, 0x0304, 0x1302);
	x->r.reason = "encrypted_alert";
	x->r.enc13_alert = true;
	x->r.enc13_alert_dir = TLS_DIR_C2S;
	x->r.enc13_alert_len = 19;
	x->r.enc13_alert_ts = US(T0) + 2000;
	fx_close(x, CONN_CLOSER_CLIENT_FIN, 2100);
}

static void
c_13_plain(struct fx *x, uint8_t desc)
{
	fx_sh(x, 0x0304, 0x1302);
	fx_alert(x, TLS_DIR_C2S, desc, 2000);
	fx_close(x, CONN_CLOSER_CLIENT_FIN, 2100);
}

static void
c_13_plain48(struct fx *x)
{
	c_13_plain(x, TLS_ALERT_UNKNOWN_CA);
}

static void
c_13_plain44(struct fx *x)
{
	c_13_plain(x, TLS_ALERT_CERTIFICATE_REVOKED);
}

static void
c_13_plain45(struct fx *x)
{
	c_13_plain(x, TLS_ALERT_CERTIFICATE_EXPIRED);
}

static void
c_13_plain42(struct fx *x)
{
	c_13_plain(x, TLS_ALERT_BAD_CERTIFICATE);
}

/* The server hangs up after its ServerHello; the client's decode_error
 * comes after the FIN (OpenSSL's reaction to the cut). */
static void
c_relay(struct fx *x)
{
	fx_sh(x, 0x0303, 0xC02F);
	x->r.reason = "closed_after_client_hello";
	fx_close(x, CONN_CLOSER_SERVER_FIN, 1100);
	fx_alert(x, TLS_DIR_C2S, TLS_ALERT_DECODE_ERROR, 1200);
}

static void
c_established(struct fx *x)
{
	fx_ok12(x);
}

static void
c_established_self_signed(struct fx *x)
{
	fx_ok12(x);
	x->cc.val.codes = BIT(X509_RES_SELF_SIGNED);
	x->cc.val.status = X509_RES_SELF_SIGNED;
	x->cc.val.anchored = false;
}

static void
c_established_weak(struct fx *x)
{
	fx_versions(x, 0x0301, 0x0301);
	fx_ok12(x);
	x->f.version = 0x0301;
	x->f.sh.cipher = 0x000A; /* TLS_RSA_WITH_3DES_EDE_CBC_SHA */
}

/* curl checks the host name after the handshake: it completes, then
 * closes with an alert before sending any request. */
static void
c_after_handshake(struct fx *x)
{
	fx_ok12(x);
	x->cc.host.status = HM_NO_MATCH;
	fx_enc(x, TLS_DIR_C2S, 40, TLS_CT_HANDSHAKE, 2000);
	fx_enc(x, TLS_DIR_C2S, 26, TLS_CT_ALERT, 2500);
}

static void
c_after_handshake_request(struct fx *x)
{
	c_after_handshake(x);
	x->f.dir[TLS_DIR_C2S].enc[1].type = TLS_CT_APPLICATION_DATA;
}

/* The same with ALPN http/1.1 negotiated, the server's Finished at 1900 us
 * and the client's turnaround to the first flight 1000 - 2000 us: the
 * client, which must speak first, closed at once: a refusal. */
static void
fx_alpn(struct fx *x, const char *offer, const char *sel)
{
	size_t n = strlen(offer);

	x->f.ch.alpn_present = true;
	x->f.ch.alpn[0] = (uint8_t)n;
	memcpy(x->f.ch.alpn + 1, offer, n);
	x->f.ch.alpn_len = (uint16_t)(n + 1);
	x->f.ch.nalpn = 1;
	if (sel != NULL) {
		x->f.sh.alpn_present = true;
		x->f.sh.alpn_len = (uint8_t)strlen(sel);
		memcpy(x->f.sh.alpn, sel, strlen(sel));
	}
}

/* Gave up after the handshake with this ALPN offer and choice (NULL:
 * none), the server's Finished at 1900 us. */
static void
gave_up_alpn(struct fx *x, const char *offer, const char *sel)
{
	c_after_handshake(x);
	fx_alpn(x, offer, sel);
	fx_enc(x, TLS_DIR_S2C, 40, TLS_CT_HANDSHAKE, 1900);
}

static void
c_after_handshake_http(struct fx *x)
{
	gave_up_alpn(x, "http/1.1", "http/1.1");
}

/* The server chose no ALPN, but the client offered only HTTP. */
static void
c_after_handshake_http_offer(struct fx *x)
{
	gave_up_alpn(x, "h2", NULL);
}

/* acme-tls/1 validators only look at the certificate (RFC 8737). */
static void
c_after_handshake_acme(struct fx *x)
{
	gave_up_alpn(x, "acme-tls/1", "acme-tls/1");
}

/* HTTP, but the close came 3 s after the server's Finished: an idle
 * connection given up, not a refusal. */
static void
c_after_handshake_http_late(struct fx *x)
{
	c_after_handshake_http(x);
	x->f.dir[TLS_DIR_C2S].enc[1].ts_us = US(T0) + 3001900;
}

/* TLS 1.3 with the key log: EncryptedExtensions chose h2; Finished (53)
 * then close_notify (19) 1 ms later. */
static void
c_after_handshake_13(struct fx *x)
{
	fx_ok12(x);
	fx_sh(x, 0x0304, 0x1301);
	x->cc.host.status = HM_NO_MATCH;
	x->f.ee.present = true;
	x->f.ee.alpn_present = true;
	x->f.ee.alpn_len = 2;
	memcpy(x->f.ee.alpn, "h2", 2);
	fx_alpn(x, "h2", NULL);
	fx_enc(x, TLS_DIR_C2S, 53, TLS_CT_APPLICATION_DATA, 2000);
	fx_enc(x, TLS_DIR_C2S, 19, TLS_CT_APPLICATION_DATA, 3000);
}

/* TLS 1.3: the server's choice is unknown without EncryptedExtensions. */
static void
c_after_handshake_13_no_ee(struct fx *x)
{
	c_after_handshake_13(x);
	x->f.ee.present = false;
	x->f.ee.alpn_present = false;
}

/* The same read with the key log, the client having updated its keys
 * first: Finished (53, handshake), KeyUpdate (22, handshake), then
 * close_notify (19, alert).  A handshake message is no request. */
static void
c_after_handshake_13_key_update(struct fx *x)
{
	struct tls_dir_facts *d = &x->f.dir[TLS_DIR_C2S];

	c_after_handshake_13(x);
	d->nenc = 1;
	d->enc_total = 1;
	fx_enc(x, TLS_DIR_C2S, 22, TLS_CT_APPLICATION_DATA, 2500);
	fx_enc(x, TLS_DIR_C2S, 19, TLS_CT_APPLICATION_DATA, 3000);
	d->enc[0].inner = TLS_CT_HANDSHAKE;
	d->enc[1].inner = TLS_CT_HANDSHAKE;
	d->enc[2].inner = TLS_CT_ALERT;
}

/* Decrypted, the alert-sized record after the Finished is data: a request
 * was sent, whatever its size. */
static void
c_after_handshake_13_short_request(struct fx *x)
{
	c_after_handshake_13(x);
	x->f.dir[TLS_DIR_C2S].enc[0].inner = TLS_CT_HANDSHAKE;
	x->f.dir[TLS_DIR_C2S].enc[1].inner = TLS_CT_APPLICATION_DATA;
}

struct single {
	const char *name;
	void (*build)(struct fx *);
	const char *cause;
	const char *fix;
	const char *conf;     /* NULL: any */
	const char *evidence; /* a substring one evidence line must hold */
};

static const struct single singles[] = {
    {"not_tls client", c_not_tls_client, "not_tls", "client", "high",
     "a plain HTTP request"},
    {"not_tls server", c_not_tls_server, "not_tls", "server", "high",
     "an SSH banner"},
    {"malformed hello", c_hello_malformed, "client_software", "client", "high",
     "server_name"},
    {"decode_error, sound hello", c_hello_refused, "client_software", "client",
     "low", "no fault"},
    {"alpn", c_alpn, "alpn_mismatch", "server", "high", "http/1.1"},
    {"sni alert", c_sni_alert, "sni", "server", "high", "no server_name"},
    {"sni warning only", c_sni_warning_only, "unknown", NULL, NULL, NULL},
    {"70, TLS 1.0 client", c_version_old_client, "protocol_mismatch", "client",
     "high", "offering TLSv1.0"},
    {"70, TLS 1.2 client", c_version_server13only, "protocol_mismatch",
     "server", "high", "protocol_version(70)"},
    {"70, TLS 1.3-only client", c_version_client13only, "protocol_mismatch",
     "server", "high", NULL},
    {"40, TLS 1.0-1.1 client", c_hsfail_old_versions, "protocol_mismatch",
     "client", "high", "deprecated"},
    {"80, TLS 1.0 client", c_internal_error_tls10, "protocol_mismatch",
     "client", "medium", NULL},
    {"40, legacy suites", c_hsfail_legacy_suites, "cipher_mismatch", "client",
     "medium", "TLS_RSA_WITH_AES_128_CBC_SHA"},
    {"40, chacha only 1.2", c_hsfail_chacha12, "cipher_mismatch", "server",
     "medium", "CHACHA20"},
    {"40, chacha only 1.3", c_hsfail_chacha13, "cipher_mismatch", "server",
     "medium", "TLS_AES_128_GCM_SHA256"},
    {"40, x25519 only", c_hsfail_groups, "cipher_mismatch", "server", "medium",
     "x25519"},
    {"40, TLS 1.2 with ECDHE-GCM", c_hsfail_gcm12, "protocol_mismatch",
     "server", "low", "AES-GCM"},
    {"40, modern offer", c_hsfail_modern, "unknown", NULL, "low",
     "handshake_failure(40)"},
    {"rst after hello", c_reset, "connection_reset", "network", "medium",
     "RST"},
    {"rst with TTL jump", c_reset_ttl, "connection_reset", "network", "high",
     "TTLs from 61 to 64"},
    {"no answer", c_no_response, "no_server_response", "server", "high",
     "sent no byte"},
    {"no answer, timeout", c_incomplete, "no_server_response", "server",
     "medium", "flow ended"},
    {"server side only", c_one_sided, "unknown", "unknown", "low",
     "no ClientHello was captured"},
    {"client cert 1.2", c_client_cert12, "client_cert_required", "client",
     "high", "empty Certificate"},
    {"client cert 1.2 gnutls", c_client_cert12_decode, "client_cert_required",
     "client", "high", "decode_error(50)"},
    {"client cert 1.3 sizes", c_client_cert13, "client_cert_required", "client",
     "medium", "25 bytes"},
    {"48 self-signed", c_48_self_signed, "cert_self_signed", "server", "high",
     "self-signed"},
    {"48 incomplete", c_48_incomplete, "cert_incomplete_chain", "server",
     "high", "CN=Example CA"},
    {"48 untrusted root", c_48_untrusted, "cert_untrusted_ca", "server", "high",
     "CN=Private Root"},
    {"48 incomplete and expired", c_48_expired_and_incomplete,
     "cert_incomplete_chain", "server", "medium", "2 faults"},
    {"42 not yet valid", c_42_not_yet_valid, "cert_expired", "server", "high",
     "not valid before"},
    {"42 name mismatch", c_42_name, "cert_name_mismatch", "server", "high",
     "other.example"},
    {"42 clean chain", c_42_clean, "client_clock", "client", "medium",
     "valid from"},
    {"45 clean chain", c_45_clean, "client_clock", "client", "high",
     "at the capture time"},
    {"45 expired", c_45_expired, "cert_expired", "server", "high",
     "expired 2025-01-01 00:00:00Z, 695 days before the capture"},
    {"44 revoked", c_44_revoked, "cert_revoked", "server", "high", "OCSP"},
    {"42 revoked (gnutls)", c_42_revoked_gnutls, "cert_revoked", "server",
     "high", NULL},
    {"42 weak key", c_42_weak_key, "unknown", "server", "low", "weak key"},
    {"43 no serverAuth", c_43_noeku, "unknown", "server", "low", "serverAuth"},
    {"48 on a chain we trust", c_48_clean, "cert_untrusted_ca", "client", "low",
     "validates against"},
    {"no SNI, name by address", c_no_sni_ip, "cert_name_mismatch", "server",
     "low", "10.0.0.2"},
    {"no SNI, address in the SAN", c_no_sni_ip_san, "client_clock", "client",
     "medium", NULL},
    {"1.3 encrypted rejection", c_13_enc_reject, "unknown", "unknown", "low",
     "key log"},
    {"1.3 plaintext 48", c_13_plain48, "unknown", "unknown", "low",
     "self-signed, missing intermediate, untrusted root"},
    {"1.3 plaintext 44", c_13_plain44, "cert_revoked", "server", "medium",
     "key log"},
    {"1.3 plaintext 45", c_13_plain45, "cert_expired", "server", "low",
     "clock"},
    {"1.3 plaintext 42", c_13_plain42, "unknown", "unknown", "low", "key log"},
    {"relay cut", c_relay, "unknown", "unknown", "low",
     "after the server had closed"},
    {"established", c_established, "none", "none", NULL, NULL},
    {"established self-signed", c_established_self_signed, "none", "none", NULL,
     NULL},
    {"established weak", c_established_weak, "none", "none", NULL, NULL},
    {"gave up after handshake", c_after_handshake, "cert_name_mismatch",
     "server", "medium", "without sending a request"},
    {"request after handshake", c_after_handshake_request, "none", "none", NULL,
     NULL},
    {"gave up at once over HTTP", c_after_handshake_http, "cert_name_mismatch",
     "server", "high", "ALPN http/1.1, in which the client speaks first"},
    {"gave up at once, HTTP offered", c_after_handshake_http_offer,
     "cert_name_mismatch", "server", "high", "ALPN h2,"},
    {"gave up, acme-tls/1", c_after_handshake_acme, "cert_name_mismatch",
     "server", "medium", "cannot be ruled out"},
    {"gave up late over HTTP", c_after_handshake_http_late,
     "cert_name_mismatch", "server", "medium", "cannot be ruled out"},
    {"1.3 gave up at once over h2", c_after_handshake_13, "cert_name_mismatch",
     "server", "high", "closed 1.0 ms after"},
    {"1.3 gave up, no EncryptedExtensions", c_after_handshake_13_no_ee,
     "cert_name_mismatch", "server", "medium", "cannot be ruled out"},
    {"1.3 KeyUpdate, then gave up", c_after_handshake_13_key_update,
     "cert_name_mismatch", "server", "high", "closed 1.0 ms after"},
    {"1.3 decrypted short request", c_after_handshake_13_short_request, "none",
     "none", NULL, NULL},
};

START_TEST(test_single)
{
	const struct single *t = &singles[_i];
	struct infer *in = infer_new(NULL);
	struct fx *x = fx_new();
	struct infer_cause c;
	unsigned k;

	ck_assert_ptr_nonnull(in);
	t->build(x);
	infer_judge(in, &x->r, &c);
	if (strcmp(c.id, t->cause) != 0 ||
	    (t->fix != NULL && strcmp(c.fix_side, t->fix) != 0) ||
	    (t->conf != NULL &&
	     (c.confidence == NULL || strcmp(c.confidence, t->conf) != 0)) ||
	    (t->evidence != NULL && !ev_has(&c, t->evidence))) {
		fprintf(stderr, "%s: got %s/%s/%s (rule %s)\n", t->name, c.id,
			c.fix_side, c.confidence ? c.confidence : "-",
			c.rule ? c.rule : "-");
		for (k = 0; k < c.nevidence; k++)
			fprintf(stderr, "  - %s\n", c.evidence[k]);
	}
	ck_assert_str_eq(c.id, t->cause);
	ck_assert_int_eq(c.cause, infer_cause_from_label(t->cause));
	if (t->fix != NULL)
		ck_assert_str_eq(c.fix_side, t->fix);
	if (t->conf != NULL) {
		ck_assert_ptr_nonnull(c.confidence);
		ck_assert_str_eq(c.confidence, t->conf);
	}
	if (t->evidence != NULL)
		ck_assert_msg(ev_has(&c, t->evidence),
			      "%s: no evidence with "
			      "\"%s\"",
			      t->name, t->evidence);
	/* Every failure explains itself and says what to do. */
	if (strcmp(t->cause, "none") != 0) {
		ck_assert_uint_gt(c.nevidence, 0);
		ck_assert_uint_gt(strlen(c.advice), 0);
		ck_assert_ptr_nonnull(c.rule);
	} else {
		ck_assert_ptr_null(c.confidence);
		ck_assert_str_eq(c.advice, "");
	}
	free(x);
	infer_free(in);
}
END_TEST

/* The incomplete chain's advice names the missing issuer and its URL. */
START_TEST(test_incomplete_advice)
{
	struct infer *in = infer_new(NULL);
	struct fx *x = fx_new();
	struct infer_cause c;

	c_48_incomplete(x);
	infer_judge(in, &x->r, &c);
	ck_assert_str_eq(c.id, "cert_incomplete_chain");
	ck_assert_ptr_nonnull(strstr(c.advice, "CN=Example CA,O=Example"));
	ck_assert_ptr_nonnull(strstr(c.advice, "http://ca.example/inter.crt"));
	free(x);
	infer_free(in);
}
END_TEST

/* The clock advice gives the certificate's validity, the expiry advice
 * the date to renew. */
START_TEST(test_date_advice)
{
	struct infer *in = infer_new(NULL);
	struct fx *x = fx_new();
	struct infer_cause c;

	c_45_clean(x);
	infer_judge(in, &x->r, &c);
	ck_assert_ptr_nonnull(strstr(c.advice, "clock"));
	ck_assert_ptr_nonnull(strstr(c.advice, "2026-08-19 00:00:00Z"));
	ck_assert_ptr_nonnull(strstr(c.advice, "2027-09-23 00:00:00Z"));
	free(x);
	x = fx_new();
	c_45_expired(x);
	infer_judge(in, &x->r, &c);
	ck_assert_ptr_nonnull(strstr(c.advice, "Renew"));
	ck_assert_ptr_nonnull(strstr(c.advice, "2025-01-01 00:00:00Z"));
	free(x);
	infer_free(in);
}
END_TEST

/* Warnings of established handshakes. */
START_TEST(test_warnings)
{
	struct infer *in = infer_new(NULL);
	struct fx *x = fx_new();
	struct infer_cause c;

	c_established(x);
	infer_judge(in, &x->r, &c);
	ck_assert_uint_eq(c.nwarnings, 0);
	free(x);

	x = fx_new();
	c_established_self_signed(x);
	infer_judge(in, &x->r, &c);
	ck_assert(has_line(c.warnings, c.nwarnings, "accepted"));
	ck_assert(has_line(c.warnings, c.nwarnings, "self_signed"));
	free(x);

	x = fx_new();
	c_established_weak(x);
	infer_judge(in, &x->r, &c);
	ck_assert(has_line(c.warnings, c.nwarnings, "TLSv1.0"));
	ck_assert(has_line(c.warnings, c.nwarnings, "3DES"));
	free(x);
	infer_free(in);
}
END_TEST

/* Attacker-chosen names reach the evidence escaped. */
START_TEST(test_escaping)
{
	static const uint8_t evil[] = {'a', 0x01, '\\', 0xff, '"', 'b'};
	struct infer *in = infer_new(NULL);
	struct fx *x = fx_new();
	struct infer_cause c;
	char buf[16];
	unsigned i;
	size_t j;

	memcpy(x->f.ch.sni, evil, sizeof(evil));
	x->f.ch.sni_len = sizeof(evil);
	fx_alert(x, TLS_DIR_S2C, TLS_ALERT_UNRECOGNIZED_NAME, 200);
	infer_judge(in, &x->r, &c);
	ck_assert_str_eq(c.id, "sni");
	ck_assert(ev_has(&c, "a\\x01\\x5c\\xff\"b"));
	for (i = 0; i < c.nevidence; i++)
		for (j = 0; c.evidence[i][j] != '\0'; j++)
			ck_assert((unsigned char)c.evidence[i][j] >= 0x20 &&
				  (unsigned char)c.evidence[i][j] < 0x7f);
	for (j = 0; c.advice[j] != '\0'; j++)
		ck_assert((unsigned char)c.advice[j] >= 0x20 &&
			  (unsigned char)c.advice[j] < 0x7f);

	/* A certificate issuer with control bytes, in the interception
	 * evidence path and the chain evidence. */
	free(x);
	x = fx_new();
	c_48_untrusted(x);
	x->inter.subject = "CN=\x1b[31mRoot";
	infer_judge(in, &x->r, &c);
	ck_assert(ev_has(&c, "CN=\\x1b[31mRoot"));

	/* infer_escape cuts visibly and always terminates. */
	infer_escape(buf, sizeof(buf), (const uint8_t *)"\x01\x02\x03\x04", 4);
	ck_assert_str_eq(buf, "\\x01\\x02\\x03...");
	infer_escape(buf, 1, (const uint8_t *)"abc", 3);
	ck_assert_str_eq(buf, "");
	infer_escape(buf, sizeof(buf), (const uint8_t *)"plain", 5);
	ck_assert_str_eq(buf, "plain");
	free(x);
	infer_free(in);
}
END_TEST

/* The registry holds every label of DESIGN.md, once, with its fix side. */
START_TEST(test_registry)
{
	static const char *const labels[][2] = {
	    {"client_clock", "client"},
	    {"client_software", "client"},
	    {"interception", "network"},
	    {"protocol_mismatch", "server"},
	    {"cipher_mismatch", "server"},
	    {"sni", "server"},
	    {"cert_name_mismatch", "server"},
	    {"cert_incomplete_chain", "server"},
	    {"cert_expired", "server"},
	    {"cert_revoked", "server"},
	    {"cert_self_signed", "server"},
	    {"cert_untrusted_ca", "server"},
	    {"client_cert_required", "client"},
	    {"alpn_mismatch", "server"},
	    {"not_tls", "server"},
	    {"no_server_response", "server"},
	    {"connection_reset", "network"},
	    {"unknown", "unknown"},
	    {"none", "none"},
	};
	unsigned i;
	int id;

	ck_assert_int_eq(INFER_NCAUSES, sizeof(labels) / sizeof(labels[0]));
	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		id = infer_cause_from_label(labels[i][0]);
		ck_assert_int_ge(id, 0);
		ck_assert_str_eq(infer_cause_label((enum infer_cause_id)id),
				 labels[i][0]);
		ck_assert_str_eq(
		    infer_cause_default_fix((enum infer_cause_id)id),
		    labels[i][1]);
		ck_assert_uint_gt(
		    strlen(infer_cause_meaning((enum infer_cause_id)id)), 10);
	}
	ck_assert_int_eq(infer_cause_from_label("cert_bad"), -1);
	ck_assert_ptr_null(infer_cause_label(INFER_NCAUSES));
}
END_TEST

/*
 * Fleet knowledge: several connections through one engine, in order.
 */

/* The same name presented with issuer X to three clients, then with Y
 * (chaining nowhere) to one that refuses it: interception.  Without the
 * first three, the same last connection is an untrusted CA. */
START_TEST(test_fleet_interception)
{
	struct infer *in = infer_new(NULL);
	struct infer_cause c;
	struct fx *x;
	int i;

	x = fx_new();
	c_48_untrusted(x);
	x->leaf.issuer = "CN=Inspection CA,O=Corp";
	infer_judge(in, &x->r, &c);
	ck_assert_str_eq(c.id, "cert_untrusted_ca");
	free(x);
	infer_free(in);

	in = infer_new(NULL);
	for (i = 0; i < 3; i++) {
		x = fx_new();
		fx_client(x, (uint8_t)(20 + i));
		fx_server(x, 80); /* the real server */
		fx_ok12(x);
		infer_judge(in, &x->r, &c);
		ck_assert_str_eq(c.id, "none");
		ck_assert_uint_eq(c.nwarnings, 0);
		free(x);
	}
	x = fx_new();
	c_48_untrusted(x);
	x->leaf.issuer = "CN=Inspection CA,O=Corp";
	x->inter.subject = "CN=Inspection CA,O=Corp";
	infer_judge(in, &x->r, &c);
	ck_assert_str_eq(c.id, "interception");
	ck_assert_str_eq(c.fix_side, "network");
	ck_assert_str_eq(c.confidence, "high");
	ck_assert(ev_has(&c, "CN=Inspection CA,O=Corp"));
	ck_assert(ev_has(&c, "3 other connection(s)"));
	free(x);

	/* An established connection with the minted certificate: warned. */
	x = fx_new();
	fx_ok12(x);
	x->leaf.issuer = "CN=Inspection CA,O=Corp";
	x->cc.val.codes = BIT(X509_RES_UNTRUSTED_ROOT);
	x->cc.val.status = X509_RES_UNTRUSTED_ROOT;
	x->cc.val.anchored = false;
	infer_judge(in, &x->r, &c);
	ck_assert_str_eq(c.id, "none");
	ck_assert(has_line(c.warnings, c.nwarnings, "possible interception"));
	free(x);
	infer_free(in);
}
END_TEST

/* One client refuses certificates valid at the capture time from three
 * servers: its clock, with rising confidence. */
START_TEST(test_fleet_clock)
{
	struct infer *in = infer_new(NULL);
	struct infer_cause c;
	struct fx *x;
	static const char *const conf[3] = {"medium", "high", "high"};
	int i;

	for (i = 0; i < 3; i++) {
		x = fx_new();
		fx_server(x, (uint8_t)(100 + i));
		c_42_clean(x);
		infer_judge(in, &x->r, &c);
		ck_assert_str_eq(c.id, "client_clock");
		ck_assert_str_eq(c.confidence, conf[i]);
		free(x);
	}
	ck_assert(ev_has(&c, "from 3 different servers"));

	/* The same client at a fourth server in TLS 1.3: the certificate is
	 * invisible, but its record decides. */
	x = fx_new();
	fx_server(x, 110);
	c_13_plain45(x);
	infer_judge(in, &x->r, &c);
	ck_assert_str_eq(c.id, "client_clock");
	ck_assert_str_eq(c.confidence, "medium");
	free(x);

	/* Another client, same TLS 1.3 evidence, no history: the alert
	 * alone says "expired", weakly. */
	x = fx_new();
	fx_client(x, 99);
	fx_server(x, 111);
	fx_sni(x, "fresh.example");
	c_13_plain45(x);
	infer_judge(in, &x->r, &c);
	ck_assert_str_eq(c.id, "cert_expired");
	ck_assert_str_eq(c.confidence, "low");
	free(x);
	infer_free(in);
}
END_TEST

/* A chain path whose certificates are valid [nb, na] (days from T0). */
static void
fx_path(struct fx *x, int64_t nb, int64_t na)
{
	x->leaf.not_before = T0 + nb * DAY;
	x->leaf.not_after = T0 + na * DAY;
	x->inter.not_before = T0 - 2000 * DAY;
	x->inter.not_after = T0 + 4000 * DAY;
	x->cc.val.path_len = 2;
	x->cc.val.path[0] = 0;
	x->cc.val.path[1] = 1;
}

/* The client accepted a chain, then refused one of the same root with
 * bad_certificate although it is valid at the capture time. */
static bool other_software;

static void
clock_after_accept(int64_t acc_nb, int64_t acc_na, const char **conf,
		   struct infer_cause *c)
{
	static const uint16_t other[] = {0xC02F, 0xC030};
	struct infer *in = infer_new(NULL);
	struct fx *x = fx_new();

	/* Accepted: established, then application data. */
	fx_server(x, 50);
	if (other_software) /* another program on the same address */
		fx_suites(x, other, 2);
	/* Random hellos: no hello clock to agree on. */
	x->f.ch.gmt_unix_time = 0x11223344;
	fx_ok12(x);
	if (acc_na < 0) {
		x->cc.val.codes = BIT(X509_RES_EXPIRED);
		x->cc.val.status = X509_RES_EXPIRED;
	}
	fx_path(x, acc_nb, acc_na);
	fx_enc(x, TLS_DIR_C2S, 40, TLS_CT_HANDSHAKE, 2000);
	fx_enc(x, TLS_DIR_C2S, 300, TLS_CT_APPLICATION_DATA, 2500);
	infer_judge(in, &x->r, c);
	ck_assert_str_eq(c->id, "none");
	free(x);

	/* Refused: valid from 100 days ago for 300 days. */
	x = fx_new();
	fx_server(x, 51);
	x->f.ch.gmt_unix_time = 0xa0b0c0d0;
	c_42_clean(x);
	fx_path(x, -100, 300);
	infer_judge(in, &x->r, c);
	*conf = c->confidence;
	free(x);
	infer_free(in);
}

/* A client that closed early is judged as the connection was then
 * (conn_result.judged): its refusal of a clean chain, not the server's
 * later flight that completed nothing. */
START_TEST(test_judged_view)
{
	struct infer *in = infer_new(NULL);
	struct fx *x = fx_new(), *later = fx_new();
	struct conn_judged jv;
	struct infer_cause c;

	c_42_clean(x);
	c_established(later);
	jv.facts = &x->f;
	jv.certs = &x->cc;
	jv.server_hello_ts = x->r.server_hello_ts;
	/* The live facts: a completed handshake, no alert. */
	later->r.result = CONN_FAILED;
	later->r.reason = "fatal_alert";
	later->r.judged = &jv;
	infer_judge(in, &later->r, &c);
	ck_assert_str_eq(c.id, "client_clock");
	ck_assert(ev_has(&c, "bad_certificate(42)"));
	/* Without the judged view, the live facts have no refusal. */
	later->r.judged = NULL;
	infer_judge(in, &later->r, &c);
	ck_assert_str_ne(c.id, "client_clock");
	free(x);
	free(later);
	infer_free(in);
}
END_TEST

START_TEST(test_fleet_clock_accepted)
{
	struct infer_cause c;
	const char *conf;

	/* Alone: medium (an untrusted root looks the same with GnuTLS). */
	{
		struct infer *in = infer_new(NULL);
		struct fx *x = fx_new();

		c_42_clean(x);
		fx_path(x, -100, 300);
		infer_judge(in, &x->r, &c);
		ck_assert_str_eq(c.id, "client_clock");
		ck_assert_str_eq(c.confidence, "medium");
		free(x);
		infer_free(in);
	}
	/* It accepted a chain that expired 150 days ago (valid from 400 to 150
	 * days ago): its clock is in that window, before this leaf. */
	clock_after_accept(-400, -150, &conf, &c);
	ck_assert_str_eq(c.id, "client_clock");
	ck_assert_str_eq(conf, "high");
	ck_assert(ev_has(&c, "accepted 1 chain(s) from this root"));
	ck_assert(ev_has(&c, "this certificate is not valid"));
	ck_assert(!ev_has(&c, "for part of it"));
	/* It accepted one valid from 1000 days ago to 1000 days ahead: a
	 * clock 200 days behind is in it and outside this leaf's. */
	clock_after_accept(-1000, 1000, &conf, &c);
	ck_assert_str_eq(c.id, "client_clock");
	ck_assert_str_eq(conf, "high");
	ck_assert(ev_has(&c, "not valid for part of it"));
	/* It accepted one valid only inside this leaf's window: no clock
	 * explains both, so not the clock. */
	clock_after_accept(-50, 200, &conf, &c);
	ck_assert_str_ne(c.id, "client_clock");
	/* What another program (another JA4) on the same address accepted
	 * says nothing of this one's clock or roots. */
	other_software = true;
	clock_after_accept(-400, -150, &conf, &c);
	other_software = false;
	ck_assert_str_eq(c.id, "client_clock");
	ck_assert_str_eq(conf, "medium");
}
END_TEST

/* TLS 1.3 without keys: what a TLS 1.2 connection showed of the same
 * name's certificate decides. */
START_TEST(test_fleet_name_13)
{
	struct infer *in = infer_new(NULL);
	struct infer_cause c;
	struct fx *x;

	x = fx_new();
	fx_client(x, 50);
	c_45_expired(x);
	infer_judge(in, &x->r, &c);
	ck_assert_str_eq(c.id, "cert_expired");
	free(x);

	x = fx_new();
	c_13_enc_reject(x);
	infer_judge(in, &x->r, &c);
	ck_assert_str_eq(c.id, "cert_expired");
	ck_assert_str_eq(c.confidence, "low");
	ck_assert(ev_has(&c, "other connections"));
	free(x);

	x = fx_new();
	c_13_plain45(x);
	infer_judge(in, &x->r, &c);
	ck_assert_str_eq(c.id, "cert_expired");
	ck_assert_str_eq(c.confidence, "medium");
	free(x);
	infer_free(in);
}
END_TEST

/* One server sends the leaf without its intermediate, another with it:
 * a hidden TLS 1.3 failure is judged by its own server's chain, and the
 * disagreeing name tells a third server nothing. */
START_TEST(test_fleet_chain_per_server)
{
	struct infer *in = infer_new(NULL);
	struct infer_cause c;
	struct fx *x;

	x = fx_new();
	fx_server(x, 60);
	fx_ok12(x);
	infer_judge(in, &x->r, &c);
	free(x);
	x = fx_new();
	fx_server(x, 61);
	c_48_incomplete(x);
	infer_judge(in, &x->r, &c);
	ck_assert_str_eq(c.id, "cert_incomplete_chain");
	free(x);

	x = fx_new();
	fx_server(x, 61);
	c_13_enc_reject(x);
	infer_judge(in, &x->r, &c);
	ck_assert_str_eq(c.id, "cert_incomplete_chain");
	ck_assert_str_eq(c.confidence, "low");
	free(x);

	x = fx_new();
	fx_server(x, 62);
	c_13_enc_reject(x);
	infer_judge(in, &x->r, &c);
	ck_assert_str_eq(c.id, "unknown");
	free(x);
	infer_free(in);
}
END_TEST

/* What the same server accepted from others decides the mismatch. */
START_TEST(test_fleet_server)
{
	static const uint16_t only13[] = {0x1301, 0x1302};
	struct infer *in = infer_new(NULL);
	struct infer_cause c;
	struct fx *x;
	int i;

	/* Two clients get TLS 1.2 with ECDHE-RSA-AES128-GCM. */
	for (i = 0; i < 2; i++) {
		x = fx_new();
		fx_client(x, (uint8_t)(30 + i));
		fx_ok12(x);
		infer_judge(in, &x->r, &c);
		free(x);
	}
	/* A TLS 1.2 client offering only ChaCha20: the suites. */
	x = fx_new();
	c_hsfail_chacha12(x);
	infer_judge(in, &x->r, &c);
	ck_assert_str_eq(c.id, "cipher_mismatch");
	ck_assert_str_eq(c.fix_side, "server");
	ck_assert_str_eq(c.confidence, "high");
	ck_assert(ev_has(&c, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
	ck_assert_str_eq(c.rule, "refusal_fleet");
	free(x);
	/* A TLS 1.3-only client offering the server's group and suites: the
	 * version (the server spoke only TLS 1.2 to everyone). */
	x = fx_new();
	x->f.ch.versions[0] = 0x0304;
	x->f.ch.nversions = 1;
	fx_suites(x, only13, 2);
	fx_alert(x, TLS_DIR_S2C, TLS_ALERT_HANDSHAKE_FAILURE, 200);
	infer_judge(in, &x->r, &c);
	ck_assert_str_eq(c.id, "protocol_mismatch");
	ck_assert_str_eq(c.fix_side, "server");
	ck_assert_str_eq(c.confidence, "high");
	ck_assert(ev_has(&c, "in TLSv1.2"));
	free(x);
	/* A client without SNI refused where clients with SNI succeed. */
	x = fx_new();
	fx_no_sni(x);
	c_hsfail_modern(x);
	infer_judge(in, &x->r, &c);
	ck_assert_str_eq(c.id, "sni");
	free(x);
	infer_free(in);
}
END_TEST

/* A fingerprint that fails at several servers and never succeeds, where
 * other clients succeed: client software, only when nothing else
 * decided. */
START_TEST(test_fleet_cohort)
{
	static const uint16_t odd[] = {0xC02F, 0x1301, 0x0033};
	struct infer *in = infer_new(NULL);
	struct infer_cause c;
	struct fx *x;
	int i;

	x = fx_new();
	fx_server(x, 200);
	fx_ok12(x);
	infer_judge(in, &x->r, &c);
	free(x);
	for (i = 0; i < 3; i++) {
		x = fx_new();
		fx_suites(x, odd, 3);
		fx_server(x, (uint8_t)(198 + i));
		fx_sh(x, 0x0303, 0xC02F);
		x->r.reason = "closed_after_client_hello";
		fx_close(x, CONN_CLOSER_SERVER_FIN, 1500);
		infer_judge(in, &x->r, &c);
		ck_assert_str_eq(c.id, i < 2 ? "unknown" : "client_software");
		free(x);
	}
	ck_assert_str_eq(c.confidence, "low");
	ck_assert(ev_has(&c, "JA4 t13d"));
	infer_free(in);
}
END_TEST

/* Knowledge fades: the same three connections a day earlier teach
 * nothing, and full sets evict (counted). */
START_TEST(test_fleet_decay_evict)
{
	struct infer_config cfg;
	struct infer_stats st;
	struct infer *in;
	struct infer_cause c;
	struct fx *x;
	int i;

	infer_config_default(&cfg);
	cfg.max_servers = cfg.max_names = cfg.max_clients = 4;
	cfg.max_cohorts = 4;
	in = infer_new(&cfg);
	ck_assert_ptr_nonnull(in);
	for (i = 0; i < 3; i++) {
		x = fx_new();
		fx_client(x, (uint8_t)(20 + i));
		fx_ok12(x);
		x->r.first_ts = x->r.outcome_ts = US(T0 - 2 * DAY);
		x->cc.at = T0 - 2 * DAY;
		infer_judge(in, &x->r, &c);
		free(x);
	}
	x = fx_new();
	c_48_untrusted(x);
	x->leaf.issuer = "CN=Inspection CA,O=Corp";
	infer_judge(in, &x->r, &c);
	ck_assert_str_eq(c.id, "cert_untrusted_ca");
	free(x);

	for (i = 0; i < 40; i++) {
		x = fx_new();
		fx_client(x, (uint8_t)i);
		fx_server(x, (uint8_t)(i + 1));
		fx_ok12(x);
		infer_judge(in, &x->r, &c);
		free(x);
	}
	infer_get_stats(in, &st);
	ck_assert_uint_eq(st.judged, 44);
	ck_assert_uint_eq(st.by_cause[INFER_NONE], 43);
	ck_assert_uint_gt(st.evicted_servers, 0);
	ck_assert_uint_gt(st.evicted_clients, 0);
	ck_assert_uint_gt(st.bytes, 0);
	infer_free(in);
}
END_TEST

/* A half-life of one hour halves the evidence: two connections an hour
 * and a half ago count as one, so interception drops to medium. */
START_TEST(test_fleet_half_life)
{
	struct infer *in = infer_new(NULL);
	struct infer_cause c;
	struct fx *x;
	int i;

	for (i = 0; i < 2; i++) {
		x = fx_new();
		fx_client(x, (uint8_t)(20 + i));
		fx_ok12(x);
		x->r.first_ts = x->r.outcome_ts = US(T0 - 5400);
		x->cc.at = T0 - 5400;
		infer_judge(in, &x->r, &c);
		free(x);
	}
	x = fx_new();
	c_48_untrusted(x);
	x->leaf.issuer = "CN=Inspection CA,O=Corp";
	infer_judge(in, &x->r, &c);
	ck_assert_str_eq(c.id, "interception");
	ck_assert_str_eq(c.confidence, "medium");
	free(x);
	infer_free(in);
}
END_TEST

static Suite *
infer_suite(void)
{
	Suite *s = suite_create("infer");
	TCase *tc = tcase_create("rules");

	tcase_add_loop_test(tc, test_single, 0,
			    (int)(sizeof(singles) / sizeof(singles[0])));
	tcase_add_test(tc, test_incomplete_advice);
	tcase_add_test(tc, test_date_advice);
	tcase_add_test(tc, test_warnings);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_registry);
	suite_add_tcase(s, tc);

	tc = tcase_create("fleet");
	tcase_add_test(tc, test_fleet_interception);
	tcase_add_test(tc, test_fleet_clock);
	tcase_add_test(tc, test_fleet_clock_accepted);
	tcase_add_test(tc, test_judged_view);
	tcase_add_test(tc, test_fleet_name_13);
	tcase_add_test(tc, test_fleet_chain_per_server);
	tcase_add_test(tc, test_fleet_server);
	tcase_add_test(tc, test_fleet_cohort);
	tcase_add_test(tc, test_fleet_decay_evict);
	tcase_add_test(tc, test_fleet_half_life);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(infer_suite)
