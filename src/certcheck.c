/* certcheck.c -- what a connection's certificates say, at capture time.
 *
 * RFC 5280 path validation is x509's; RFC 6125/9525 name matching is
 * hostmatch's.  This file only carries facts between them.
 */
#include <string.h>

#include "tlsdiag/certcheck.h"

/* A dNSName that held a NUL byte is passed as a lone NUL, which hostmatch
 * judges malformed: its printable prefix ("good.com" of
 * "good.com\0.evil.com") must never match. */
static const uint8_t nul_name[1] = {0};

static void
decode_chain(struct certcheck_ctx *cx, const struct tls_certs *tc,
    struct certcheck_chain *out)
{
	unsigned i;

	out->n = 0;
	if (!tc->present)
		return;
	for (i = 0; i < tc->ncerts && i < TLS_CERTS_MAX; i++) {
		size_t len;
		const uint8_t *der = tls_cert_der(tc, i, &len);
		const struct x509_cert *c;

		if (der == NULL)
			break;
		c = x509_cert_get(cx->cache, der, len);
		if (c == NULL)
			break;
		out->cert[out->n++] = c;
	}
}

static void
check_host(struct certcheck *cc, const struct tls_client_hello *ch,
    const uint8_t *addr, int af)
{
	const struct x509_cert *leaf = cc->server.cert[0];
	struct hm_bytes dns[X509_SAN_MAX], ip[X509_SAN_MAX], cn;
	struct hm_presented pr;
	size_t nd = 0, ni = 0;
	unsigned i;

	for (i = 0; i < leaf->nsan && i < X509_SAN_MAX; i++) {
		const struct x509_san *s = &leaf->san[i];

		if (s->ip) {
			ip[ni].p = s->addr;
			ip[ni++].len = s->addr_len;
		} else if (s->embedded_nul || s->dns == NULL) {
			dns[nd].p = nul_name;
			dns[nd++].len = sizeof(nul_name);
		} else {
			dns[nd].p = (const uint8_t *)s->dns;
			dns[nd++].len = strlen(s->dns);
		}
	}
	memset(&pr, 0, sizeof(pr));
	pr.dns = dns;
	pr.ndns = nd;
	pr.ip = ip;
	pr.nip = ni;
	if (leaf->cn != NULL) {
		cn.p = (const uint8_t *)leaf->cn;
		cn.len = strlen(leaf->cn);
		pr.cn = &cn;
	}
	if (ch != NULL)
		hm_ref_from_name(&cc->ref, ch->sni, ch->sni_len);
	else
		hm_ref_from_ip(&cc->ref, af, addr);
	cc->host_by_ip = ch == NULL;
	(void)hm_match(&cc->ref, &pr, &cc->host);
	cc->host_checked = true;
}

void
certcheck_run(struct certcheck_ctx *cx, const struct tls_facts *facts,
    int64_t at, int server_af, const uint8_t *server_addr,
    struct certcheck *out)
{
	const uint8_t *der[TLS_CERTS_MAX];
	size_t len[TLS_CERTS_MAX];
	const uint8_t *ocsp;
	size_t ocsp_len = 0;
	unsigned i, n = 0;

	memset(out, 0, sizeof(*out));
	out->at = at;
	decode_chain(cx, &facts->cert[TLS_DIR_S2C], &out->server);
	decode_chain(cx, &facts->cert[TLS_DIR_C2S], &out->client);
	if (out->server.n == 0)
		return;
	if (cx->store != NULL) {
		const struct tls_certs *tc = &facts->cert[TLS_DIR_S2C];

		for (i = 0; i < tc->ncerts && i < TLS_CERTS_MAX; i++)
			if ((der[n] = tls_cert_der(tc, i, &len[n])) != NULL)
				n++;
		ocsp = facts->cert_status.present
			   ? tls_ocsp_der(&facts->cert_status, &ocsp_len)
			   : NULL;
		(void)x509_validate(cx->cache, cx->store, der, len, n, at,
		    X509_PURPOSE_SERVER, ocsp, ocsp_len, &out->val);
		out->validated = true;
		cx->chains++;
	}
	if (out->server.cert[0]->malformed)
		return;
	if (facts->ch_seen && facts->ch.sni_present)
		check_host(out, &facts->ch, NULL, 0);
	else if (server_af != 0)
		/* No SNI: a client that connected to an address checks that
		 * address against the IP SANs (RFC 6125 6.2.1). */
		check_host(out, NULL, server_addr, server_af);
}

void
certcheck_release(struct certcheck_ctx *cx, struct certcheck *cc)
{
	unsigned i;

	for (i = 0; i < cc->server.n; i++)
		x509_cert_put(cx->cache, cc->server.cert[i]);
	for (i = 0; i < cc->client.n; i++)
		x509_cert_put(cx->cache, cc->client.cert[i]);
	cc->server.n = cc->client.n = 0;
}
