/* out_text.c -- the human-readable report: one block per connection.
 *
 * Output is the sanitising boundary for people: SNI and ALPN are written
 * byte by byte with anything outside printable ASCII escaped.  Times are
 * UTC; durations are relative to the ClientHello.
 */
#include <inttypes.h>
#include <string.h>

#include "tlsdiag/certcheck.h"
#include "tlsdiag/fmt.h"
#include "tlsdiag/infer.h"
#include "tlsdiag/out_text.h"
#include "tlsdiag/tls_names.h"

static const char *const side_name[2] = {"client", "server"};

void
out_text_bytes(FILE *out, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			fputc(p[i], out);
		else
			fprintf(out, "\\x%02x", p[i]);
	}
}

/* Milliseconds from `from` to `to`, or nothing when either is unknown. */
static void
print_after(FILE *out, uint64_t from, uint64_t to)
{
	if (from == 0 || to == 0 || to < from)
		return;
	fprintf(out, ", %" PRIu64 ".%03" PRIu64 " ms after the ClientHello",
	    (to - from) / 1000u, (to - from) % 1000u);
}

static void
print_client_hello(FILE *out, const struct tls_client_hello *ch)
{
	char hex[TLS_HEX_LEN];
	const char *sep = "";
	unsigned i, n = 0;

	fprintf(out, "  client offered:");
	if (ch->sni_present) {
		fprintf(out, " sni ");
		out_text_bytes(out, ch->sni, ch->sni_len);
		fputc(',', out);
	} else {
		fprintf(out, " no sni,");
	}
	fprintf(out, " versions ");
	if (ch->versions_present) {
		for (i = 0; i < ch->nversions; i++) {
			if (tls_is_grease(ch->versions[i]))
				continue;
			fprintf(out, "%s%s", sep,
			    tls_name_or_hex(tls_version_name(ch->versions[i]),
				ch->versions[i], hex));
			sep = " ";
		}
	} else {
		fprintf(out, "up to %s",
		    tls_name_or_hex(tls_version_name(ch->legacy_version),
			ch->legacy_version, hex));
	}
	for (i = 0; i < ch->nsuites; i++)
		if (!tls_is_grease(ch->suites[i]))
			n++;
	fprintf(out, ", %u cipher suites", n);
	if (ch->alpn_present) {
		size_t off = 0;

		fprintf(out, ", alpn ");
		sep = "";
		while (off < ch->alpn_len) {
			size_t l = ch->alpn[off];

			if (l > ch->alpn_len - off - 1)
				break;
			fputs(sep, out);
			out_text_bytes(out, ch->alpn + off + 1, l);
			off += 1 + l;
			sep = ",";
		}
	}
	fputc('\n', out);
}

static void
print_alert(FILE *out, const struct tls_alert *a, uint64_t ch_ts)
{
	char hex[TLS_HEX_LEN];

	fprintf(out, "  alert: %s ", side_name[a->dir & 1]);
	if (a->encrypted) {
		fprintf(out, "encrypted (%u-byte record)", a->rec_len);
	} else {
		fprintf(out, "%s %s(%u)",
		    a->level == 2 ? "fatal" : a->level == 1 ? "warning" : "level-?",
		    tls_name_or_hex(tls_alert_name(a->desc), a->desc, hex),
		    a->desc);
	}
	if (a->after_hs_type >= 0)
		fprintf(out, " after the %s's %s",
		    side_name[a->after_hs_dir & 1],
		    tls_name_or_hex(tls_hs_type_name((uint8_t)a->after_hs_type),
			(uint16_t)a->after_hs_type, hex));
	print_after(out, ch_ts, a->ts_us);
	fputc('\n', out);
}

/* The server's leaf, the chain's verdict with each problem, and the
 * host name check. */
static void
print_certs(FILE *out, const struct certcheck *cc)
{
	const struct x509_cert *leaf = cc->server.cert[0];
	unsigned i;

	fprintf(out, "  server certificate: ");
	if (leaf->malformed) {
		fprintf(out, "malformed (%u bytes)\n", leaf->der_len);
		return;
	}
	out_text_bytes(out, (const uint8_t *)leaf->subject,
	    strlen(leaf->subject));
	fprintf(out, ", issued by ");
	out_text_bytes(out, (const uint8_t *)leaf->issuer, strlen(leaf->issuer));
	fprintf(out, " (%u in chain)\n", cc->server.n);
	if (cc->validated) {
		fprintf(out, "  chain: %s",
		    x509_code_name((enum x509_code)cc->val.status));
		if (cc->val.anchored)
			fprintf(out, ", anchored at %s", cc->val.anchor_subject);
		fputc('\n', out);
		for (i = 0; i < cc->val.nproblems; i++) {
			const struct x509_problem *pb = &cc->val.problem[i];

			fprintf(out, "    %s: ",
			    x509_code_name((enum x509_code)pb->code));
			out_text_bytes(out, (const uint8_t *)pb->detail,
			    strlen(pb->detail));
			fputc('\n', out);
		}
	}
	if (cc->host_checked)
		fprintf(out, "  host name%s: %s\n",
		    cc->host_by_ip ? " (no SNI: the server's address)" : "",
		    hm_status_name(cc->host.status));
}

/* The verdict first: what an engineer reads before anything else.  The
 * lines were escaped for printing by infer. */
static void
print_cause(const struct out_text *o, const struct infer_cause *c)
{
	unsigned i;

	if (o->color)
		fprintf(o->out, "  cause: \033[1m%s\033[0m", c->id);
	else
		fprintf(o->out, "  cause: %s", c->id);
	if (strcmp(c->fix_side, "unknown") == 0)
		fprintf(o->out, " (fix side undetermined");
	else
		fprintf(o->out, " (fix on the %s side", c->fix_side);
	fprintf(o->out, ", %s confidence)\n",
	    c->confidence != NULL ? c->confidence : "no");
	for (i = 0; i < c->nevidence; i++)
		fprintf(o->out, "    evidence: %s\n", c->evidence[i]);
	if (c->advice[0] != '\0')
		fprintf(o->out, "    advice: %s\n", c->advice);
	for (i = 0; i < c->nwarnings; i++)
		fprintf(o->out, "    warning: %s\n", c->warnings[i]);
}

void
out_text_write(void *ctx, const struct conn_result *r)
{
	struct out_text *o = ctx;
	const struct flow *f = r->flow;
	const struct tls_facts *t = r->facts;
	char ts[FMT_TS_SIZE], cli[FMT_ENDPOINT_SIZE], srv[FMT_ENDPOINT_SIZE];
	char hex[TLS_HEX_LEN], hex2[TLS_HEX_LEN];
	const uint8_t *alpn;
	size_t alpn_len;
	const char *res = conn_result_name(r->result);
	unsigned i;

	if (r->result == CONN_ESTABLISHED && !o->verbose &&
	    (r->cause == NULL || r->cause->nwarnings == 0))
		return;
	fmt_ts(ts, r->first_ts);
	fmt_endpoint(cli, f->af, f->addr[FLOW_C2S], f->port[FLOW_C2S]);
	fmt_endpoint(srv, f->af, f->addr[FLOW_S2C], f->port[FLOW_S2C]);
	fprintf(o->out, "%s %s > %s ", ts, cli, srv);
	if (o->color)
		fprintf(o->out, "\033[%sm%s\033[0m",
		    r->result == CONN_ESTABLISHED ? "32" : "1;31", res);
	else
		fputs(res, o->out);
	if (r->reason != NULL) {
		fprintf(o->out, " (%s", r->reason);
		if (r->reason_dir >= 0)
			fprintf(o->out, ", %s", side_name[r->reason_dir & 1]);
		fputc(')', o->out);
	}
	fputc('\n', o->out);
	if (r->cause != NULL && r->cause->cause != INFER_NONE)
		print_cause(o, r->cause);

	if (r->result == CONN_NOT_TLS) {
		fprintf(o->out, "  client sent: %s; server sent: %s\n",
		    tls_detect_name(r->client_bytes),
		    tls_detect_name(r->server_bytes));
	}
	if (t != NULL && t->ch_seen)
		print_client_hello(o->out, &t->ch);
	if (t != NULL && t->hrr_seen)
		fprintf(o->out, "  server asked to retry (HelloRetryRequest)"
		    " with group %s\n",
		    tls_name_or_hex(tls_group_name(t->hrr.key_share_group),
			t->hrr.key_share_group, hex));
	if (t != NULL && t->sh_seen) {
		fprintf(o->out, "  server chose: %s %s",
		    tls_name_or_hex(tls_version_name(t->version), t->version,
			hex),
		    tls_name_or_hex(tls_cipher_name(t->sh.cipher), t->sh.cipher,
			hex2));
		/* ALPN (TLS 1.3: only with a key log). */
		if (tls_facts_server_alpn(t, &alpn, &alpn_len)) {
			fputs(", alpn ", o->out);
			out_text_bytes(o->out, alpn, alpn_len);
		}
		fputc('\n', o->out);
	} else if (t != NULL && t->ch_seen && r->result != CONN_NOT_TLS)
		fprintf(o->out, "  no ServerHello\n");
	if (r->certs != NULL && r->certs->server.n > 0)
		print_certs(o->out, r->certs);
	if (t != NULL)
		for (i = 0; i < t->nalerts; i++)
			print_alert(o->out, &t->alerts[i], r->client_hello_ts);
	if (r->enc13_alert) {
		fprintf(o->out, "  alert: %s encrypted (%u-byte TLS 1.3 record,"
		    " the size of an alert)", side_name[r->enc13_alert_dir & 1],
		    r->enc13_alert_len);
		print_after(o->out, r->client_hello_ts, r->enc13_alert_ts);
		fputc('\n', o->out);
	}
	if (r->closer != CONN_CLOSER_NONE) {
		fprintf(o->out, "  closed: %s", conn_closer_name(r->closer));
		print_after(o->out, r->client_hello_ts, r->close_ts);
		fputc('\n', o->out);
	}
	fflush(o->out);
}
