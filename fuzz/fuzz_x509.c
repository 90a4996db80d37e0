/* fuzz_x509.c -- libFuzzer target: the certificate path (x509) fed DER
 * certificates, chains and stapled OCSP responses.
 *
 * Exercises x509_cert_get (RFC 5280 decoding through wolfSSL and x509's own
 * DER walk), the certificate and chain caches, x509_validate (RFC 5280 path
 * building at a given time, RFC 6960 stapled OCSP) and x509_ocsp_check.
 * It never writes to the bytes it is given and never touches the network;
 * the only files it reads are the test PKI under captures/pki (once).
 *
 * Input layout:
 *   byte 0 bits 0-1   0: one certificate, decoded without a cache;
 *                     1: one certificate, decoded twice through a cache
 *                        (the second must be the same decoded facts);
 *                     2: a chain, validated against a store holding the
 *                        test root (captures/pki/root.crt);
 *                     3: a stapled OCSP response judged for the test
 *                        leaf and intermediate (captures/pki)
 *   byte 0 bit 2      chains: validate for a client (clientAuth)
 *   byte 0 bit 3      chains: the last entry is a stapled OCSP response
 *   byte 0 bits 4-5   the capture time: 2026-11-27, 2000-01-01, 2050-01-01
 *                     or 1970-01-01
 *   the rest          modes 0, 1, 3: the DER bytes; mode 2: entries
 *                     [len16 BE][bytes], at most TLS_CERTS_MAX certificates
 *                     (then the OCSP response)
 *
 * The promises of x509.h are checked: strings NUL-terminated and kept
 * counts within their caps, codes and statuses named, at most
 * X509_PROBLEMS_MAX problems, and the cache's budget back at zero once it
 * is freed.  A broken promise calls abort().
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsdiag/caps.h"
#include "tlsdiag/cur.h"
#include "tlsdiag/mem.h"
#include "tlsdiag/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small caches and budget so that eviction and refusal run too. */
#define FX_CACHE_CERTS 4
#define FX_CACHE_CHAINS 2
#define FX_MEM (256u * 1024u)

static const int64_t fx_times[4] = {
    1795737600, /* 2026-11-27T00:00:00Z: when the captures were made */
    946684800,	/* 2000-01-01: before every test certificate */
    2524608000, /* 2050-01-01: after every test certificate */
    0,
};

static volatile size_t fx_sink;

static void
fx_fail(const char *what)
{
	fprintf(stderr, "fuzz_x509: broken promise: %s\n", what);
	abort();
}

#define FX_CHECK(cond)                                                         \
	do {                                                                   \
		if (!(cond))                                                   \
			fx_fail(#cond);                                        \
	} while (0)

/* A NUL-terminated string (strlen makes ASan read every byte). */
static void
fx_str(const char *s)
{
	if (s != NULL)
		fx_sink += strlen(s);
}

/* A char array that must hold its NUL. */
#define FX_ARRSTR(a) FX_CHECK(memchr((a), '\0', sizeof(a)) != NULL)

static void
fx_check_cert(const struct x509_cert *c)
{
	unsigned i;

	FX_CHECK(c != NULL);
	if (c->malformed) {
		FX_CHECK(c->malformed_why != X509_MALFORMED_NONE);
		return;
	}
	fx_str(c->subject);
	fx_str(c->issuer);
	fx_str(c->cn);
	fx_str(c->key_curve);
	fx_str(c->sig_alg);
	FX_ARRSTR(c->serial);
	FX_CHECK(c->key_type < X509_KEY_NKINDS);
	FX_CHECK(x509_key_name((enum x509_key)c->key_type) != NULL);
	FX_CHECK(c->nsan <= X509_SAN_MAX);
	FX_CHECK(c->nsan <= c->san_total);
	for (i = 0; i < c->nsan; i++) {
		if (c->san[i].ip) {
			FX_CHECK(c->san[i].addr_len == 4 ||
				 c->san[i].addr_len == 16);
		} else {
			FX_CHECK(c->san[i].dns != NULL);
			fx_str(c->san[i].dns);
		}
	}
	FX_CHECK(c->nocsp <= X509_URLS_MAX);
	FX_CHECK(c->nca_issuers <= X509_URLS_MAX);
	FX_CHECK(c->ncrl_dp <= X509_URLS_MAX);
	for (i = 0; i < c->nocsp; i++)
		fx_str(c->ocsp_url[i]);
	for (i = 0; i < c->nca_issuers; i++)
		fx_str(c->ca_issuers_url[i]);
	for (i = 0; i < c->ncrl_dp; i++)
		fx_str(c->crl_dp[i]);
}

static void
fx_check_ocsp(const struct x509_ocsp *o)
{
	FX_CHECK(o->status < X509_OCSP_NSTATUS);
	FX_CHECK(x509_ocsp_status_name((enum x509_ocsp_status)o->status) !=
		 NULL);
}

static void
fx_check_result(const struct x509_result *r, enum x509_code code, unsigned n)
{
	unsigned i;

	FX_CHECK(code < X509_NCODES);
	FX_CHECK(x509_code_name(code) != NULL);
	FX_CHECK(r->status < X509_NCODES);
	FX_CHECK(!x509_code_is_warning((enum x509_code)r->status));
	FX_CHECK(r->nproblems <= X509_PROBLEMS_MAX);
	FX_CHECK(r->path_len <= n);
	for (i = 0; i < r->path_len; i++)
		FX_CHECK(r->path[i] >= 0 && (unsigned)r->path[i] < n);
	for (i = 0; i < r->nproblems; i++) {
		FX_CHECK(r->problem[i].code < X509_NCODES);
		FX_CHECK(r->problem[i].index >= X509_INDEX_NONE &&
			 r->problem[i].index < (int)n);
		FX_ARRSTR(r->problem[i].detail);
	}
	FX_ARRSTR(r->anchor_subject);
	FX_ARRSTR(r->missing_issuer);
	FX_ARRSTR(r->aia_ca_issuers);
	fx_check_ocsp(&r->ocsp);
}

/* The test PKI, loaded once and kept (reachable) for the process. */
static struct x509_store *fx_store;
static const struct x509_cert *fx_leaf, *fx_issuer;

/* Base64 (RFC 4648 4) value of a character; -1 for any other byte. */
static int
fx_b64(int ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* The first certificate of a PEM file (RFC 7468), decoded: the test PKI
 * is PEM and x509_cert_get() takes DER. */
static const struct x509_cert *
fx_load_cert(const char *top, const char *name)
{
	char path[4096], line[256];
	uint8_t der[16384];
	size_t n = 0;
	uint32_t acc = 0;
	int bits = 0, in = 0, v;
	FILE *f;
	char *p;

	snprintf(path, sizeof(path), "%s/captures/pki/%s.crt", top, name);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "-----BEGIN CERTIFICATE-----", 27) == 0) {
			in = 1;
			continue;
		}
		if (strncmp(line, "-----END", 8) == 0 && in)
			break;
		for (p = line; in && *p != '\0'; p++) {
			if ((v = fx_b64((unsigned char)*p)) < 0)
				continue;
			acc = acc << 6 | (uint32_t)v;
			if ((bits += 6) >= 8) {
				bits -= 8;
				if (n < sizeof(der))
					der[n++] = (uint8_t)(acc >> bits);
			}
		}
	}
	fclose(f);
	return n > 0 ? x509_cert_get(NULL, der, n) : NULL;
}

static void
fx_init(void)
{
	static bool done;
	const char *top = getenv("TOP");
	char path[4096], err[256];

	if (done)
		return;
	done = true;
	if (top == NULL || *top == '\0')
		top = ".";
	if ((fx_store = x509_store_new()) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/captures/pki/root.crt", top);
	/* Without the file the store stays empty: still worth fuzzing. */
	if (x509_store_add_file(fx_store, path, err, sizeof(err)) != 0)
		fprintf(stderr, "fuzz_x509: %s (store left empty)\n", err);
	fx_leaf = fx_load_cert(top, "good");
	fx_issuer = fx_load_cert(top, "inter");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *der[TLS_CERTS_MAX + 1];
	size_t len[TLS_CERTS_MAX + 1];
	struct membudget mb;
	struct x509_cache *cache;
	struct x509_result *res;
	struct cur in = cur_make(data, size);
	const struct x509_cert *a, *b;
	struct x509_ocsp ocsp;
	enum x509_code code, first;
	uint8_t flags;
	int64_t t;
	unsigned n = 0;
	bool with_ocsp;

	if (!cur_u8(&in, &flags))
		return 0;
	fx_init();
	t = fx_times[(flags >> 4) & 3];
	memset(&mb, 0, sizeof(mb));
	mb.cap = FX_MEM;

	switch (flags & 3) {
	case 0:
		a = x509_cert_get(NULL, in.p, in.left);
		fx_check_cert(a);
		x509_cert_put(NULL, a);
		break;
	case 1:
		if ((cache = x509_cache_new(FX_CACHE_CERTS, FX_CACHE_CHAINS,
					    &mb)) == NULL)
			abort();
		a = x509_cert_get(cache, in.p, in.left);
		b = x509_cert_get(cache, in.p, in.left);
		fx_check_cert(a);
		fx_check_cert(b);
		FX_CHECK(memcmp(a->sha256, b->sha256, 32) == 0);
		FX_CHECK(a->malformed == b->malformed);
		x509_cert_put(cache, a);
		x509_cert_put(cache, b);
		x509_cache_free(cache);
		FX_CHECK(mb.used == 0);
		break;
	case 2:
		while (in.left > 0 && n < TLS_CERTS_MAX + 1) {
			struct cur e;

			if (!cur_vec16(&in, &e))
				break;
			der[n] = e.p;
			len[n] = e.left;
			n++;
		}
		with_ocsp = (flags & 8) != 0 && n > 1;
		if (with_ocsp)
			n--;
		if (n > TLS_CERTS_MAX)
			n = TLS_CERTS_MAX;
		if ((cache = x509_cache_new(FX_CACHE_CERTS, FX_CACHE_CHAINS,
					    &mb)) == NULL ||
		    (res = malloc(sizeof(*res))) == NULL)
			abort();
		code = x509_validate(
		    cache, fx_store, der, len, n, t,
		    (flags & 4) ? X509_PURPOSE_CLIENT : X509_PURPOSE_SERVER,
		    with_ocsp ? der[n] : NULL, with_ocsp ? len[n] : 0, res);
		fx_check_result(res, code, n);
		first = code;
		/* The same question again: the cached answer must agree. */
		code = x509_validate(
		    cache, fx_store, der, len, n, t,
		    (flags & 4) ? X509_PURPOSE_CLIENT : X509_PURPOSE_SERVER,
		    with_ocsp ? der[n] : NULL, with_ocsp ? len[n] : 0, res);
		fx_check_result(res, code, n);
		FX_CHECK(code == first);
		free(res);
		x509_cache_free(cache);
		FX_CHECK(mb.used == 0);
		break;
	default:
		x509_ocsp_check(in.p, in.left, fx_leaf, fx_issuer, t, &ocsp);
		fx_check_ocsp(&ocsp);
		break;
	}
	return 0;
}
