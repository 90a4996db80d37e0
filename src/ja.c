/* ja.c -- JA3, JA3S and JA4 fingerprints of TLS hellos.
 *
 * Implements JA3/JA3S (Salesforce) and JA4 (FoxIO, BSD-3-Clause), with
 * RFC 8701 GREASE skipped as those methods require.
 * Must never: read packet bytes, keep state between calls, or hash a
 * truncated string: digests are fed incrementally from the whole input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/md5.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "tlsdiag/ja.h"
#include "tlsdiag/cur.h"
#include "tlsdiag/tls_names.h"

static const char hexdig[] = "0123456789abcdef";

/*
 * JA3 strings are unbounded (a cipher list may hold 32767 values), so they
 * are produced through a sink that feeds every byte to MD5 and copies only
 * what fits into the caller's buffer.
 */
struct ja3_sink {
	wc_Md5 md5;
	char *buf;  /* caller's buffer, may be NULL when cap is 0 */
	size_t cap; /* its size, NUL included */
	size_t len; /* bytes of the full string so far */
	int err;    /* sticky wolfCrypt error */
};

static void
sink_put(struct ja3_sink *k, const char *s, size_t n)
{
	if (k->err == 0 && wc_Md5Update(&k->md5, (const byte *)s, (word32)n))
		k->err = -1;
	if (k->cap > 0 && k->len < k->cap - 1) {
		size_t room = k->cap - 1 - k->len;

		memcpy(k->buf + k->len, s, n < room ? n : room);
	}
	k->len += n;
}

static void
sink_dec(struct ja3_sink *k, unsigned v)
{
	char d[8];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	sink_put(k, d + i, sizeof(d) - i);
}

/* Decimal values joined by '-', GREASE skipped: a JA3 list field. */
static void
sink_list16(struct ja3_sink *k, const uint16_t *v, size_t n)
{
	bool first = true;

	for (size_t i = 0; i < n; i++) {
		if (tls_is_grease(v[i]))
			continue;
		if (!first)
			sink_put(k, "-", 1);
		sink_dec(k, v[i]);
		first = false;
	}
}

static int
sink_open(struct ja3_sink *k, char *str, size_t strsz, struct ja3 *out)
{
	memset(out, 0, sizeof(*out));
	k->buf = str;
	k->cap = str != NULL ? strsz : 0;
	k->len = 0;
	k->err = 0;
	if (k->cap > 0)
		str[0] = '\0';
	return wc_InitMd5(&k->md5) == 0 ? 0 : -1;
}

static int
sink_close(struct ja3_sink *k, struct ja3 *out)
{
	byte dg[WC_MD5_DIGEST_SIZE];

	if (k->cap > 0)
		k->buf[k->len < k->cap ? k->len : k->cap - 1] = '\0';
	out->len = k->len;
	out->truncated = k->len >= k->cap;
	if (k->err == 0 && wc_Md5Final(&k->md5, dg) != 0)
		k->err = -1;
	wc_Md5Free(&k->md5);
	if (k->err != 0)
		return -1;
	for (size_t i = 0; i < sizeof(dg); i++) {
		out->md5[2 * i] = hexdig[dg[i] >> 4];
		out->md5[2 * i + 1] = hexdig[dg[i] & 0x0F];
	}
	out->md5[2 * sizeof(dg)] = '\0';
	return 0;
}

int
ja3_client(const struct ja_client *c, char *str, size_t strsz, struct ja3 *out)
{
	struct ja3_sink k;

	if (sink_open(&k, str, strsz, out) != 0)
		return -1;
	sink_dec(&k, c->version);
	sink_put(&k, ",", 1);
	sink_list16(&k, c->ciphers, c->nciphers);
	sink_put(&k, ",", 1);
	sink_list16(&k, c->exts, c->nexts);
	sink_put(&k, ",", 1);
	sink_list16(&k, c->groups, c->ngroups);
	sink_put(&k, ",", 1);
	/* Point formats are 8-bit: GREASE (a 16-bit pattern) cannot occur. */
	for (size_t i = 0; i < c->npointfmts; i++) {
		if (i > 0)
			sink_put(&k, "-", 1);
		sink_dec(&k, c->pointfmts[i]);
	}
	return sink_close(&k, out);
}

int
ja3s(const struct ja_server *s, char *str, size_t strsz, struct ja3 *out)
{
	struct ja3_sink k;

	if (sink_open(&k, str, strsz, out) != 0)
		return -1;
	sink_dec(&k, s->version);
	sink_put(&k, ",", 1);
	sink_dec(&k, s->cipher);
	sink_put(&k, ",", 1);
	sink_list16(&k, s->exts, s->nexts);
	return sink_close(&k, out);
}

/* JA4 section a: the two characters naming the version. */
static const char *
ja4_version(uint16_t v)
{
	switch (v) {
	case TLS_VERSION_TLS13:
		return "13";
	case TLS_VERSION_TLS12:
		return "12";
	case TLS_VERSION_TLS11:
		return "11";
	case TLS_VERSION_TLS10:
		return "10";
	case TLS_VERSION_SSL3:
		return "s3";
	case TLS_VERSION_SSL2:
		return "s2";
	case TLS_VERSION_DTLS10:
		return "d1";
	case TLS_VERSION_DTLS12:
		return "d2";
	case TLS_VERSION_DTLS13:
		return "d3";
	default:
		return "00";
	}
}

static bool
is_alnum(uint8_t b)
{
	return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') ||
	       (b >= 'a' && b <= 'z');
}

/*
 * JA4 section a, ALPN: the first and last characters of the first ALPN
 * value; "00" without one; if either is not ASCII alphanumeric, the first
 * and last characters of the value's hex form instead.
 */
static void
ja4_alpn(const struct ja_client *c, char alpn[3])
{
	const uint8_t *a = c->alpn_first;
	size_t n = c->alpn_first_len;

	if (a == NULL || n == 0) {
		alpn[0] = '0';
		alpn[1] = '0';
	} else if (is_alnum(a[0]) && is_alnum(a[n - 1])) {
		alpn[0] = (char)a[0];
		alpn[1] = (char)a[n - 1];
	} else {
		alpn[0] = hexdig[a[0] >> 4];
		alpn[1] = hexdig[a[n - 1] & 0x0F];
	}
	alpn[2] = '\0';
}

static int
cmp_u16(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;

	return (x > y) - (x < y);
}

/*
 * Feed "xxxx,yyyy,..." (4 lowercase hex digits per value) to SHA-256.
 * Lists are streamed value by value, so no string of unbounded size is
 * ever built.
 */
static int
sha_list(wc_Sha256 *sha, const uint16_t *v, size_t n, bool skip_grease)
{
	bool first = true;

	for (size_t i = 0; i < n; i++) {
		char h[5];
		size_t off = first ? 1 : 0;

		if (skip_grease && tls_is_grease(v[i]))
			continue;
		h[0] = ',';
		h[1] = hexdig[v[i] >> 12];
		h[2] = hexdig[(v[i] >> 8) & 0x0F];
		h[3] = hexdig[(v[i] >> 4) & 0x0F];
		h[4] = hexdig[v[i] & 0x0F];
		if (wc_Sha256Update(sha, (const byte *)h + off,
				    (word32)(sizeof(h) - off)) != 0)
			return -1;
		first = false;
	}
	return 0;
}

/* The first 12 hex digits of the digest, JA4's truncated hash. */
static int
sha_final12(wc_Sha256 *sha, char out[13])
{
	byte dg[WC_SHA256_DIGEST_SIZE];

	if (wc_Sha256Final(sha, dg) != 0)
		return -1;
	for (size_t i = 0; i < 6; i++) {
		out[2 * i] = hexdig[dg[i] >> 4];
		out[2 * i + 1] = hexdig[dg[i] & 0x0F];
	}
	out[12] = '\0';
	return 0;
}

/*
 * Copy the values of v that are not GREASE (and, if drop_sni_alpn, not
 * server_name or ALPN) into dst, sorted.  Returns how many.
 */
static size_t
sorted_copy(const uint16_t *v, size_t n, bool drop_sni_alpn, uint16_t *dst)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		if (tls_is_grease(v[i]))
			continue;
		if (drop_sni_alpn &&
		    (v[i] == TLS_EXT_SERVER_NAME || v[i] == TLS_EXT_ALPN))
			continue;
		dst[m++] = v[i];
	}
	qsort(dst, m, sizeof(*dst), cmp_u16);
	return m;
}

static size_t
count_non_grease(const uint16_t *v, size_t n)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		m += !tls_is_grease(v[i]);
	return m;
}

/*
 * Sorting needs a copy of the cipher or extension list.  Real hellos carry
 * at most a few dozen of each, so a small stack buffer serves them; a
 * longer list (up to 32767 values fit in a ClientHello) goes to the heap.
 */
#define JA4_SORT_STACK 256

int
ja4_client(const struct ja_client *c, char out[JA4_LEN])
{
	uint16_t stackbuf[JA4_SORT_STACK], *tmp = stackbuf;
	size_t need, nc, ne, ncount, necount, nsig;
	uint16_t ver = c->version;
	char alpn[3], hb[13], hc[13];
	wc_Sha256 sha;
	bool sha_live = false;
	int rc = -1;

	out[0] = '\0';
	need = c->nciphers > c->nexts ? c->nciphers : c->nexts;
	if (need > JA4_SORT_STACK) {
		tmp = calloc(need, sizeof(*tmp));
		if (tmp == NULL)
			return -1;
	}

	/* Version: the highest supported_versions value, else legacy. */
	if (c->nsv > 0) {
		bool any = false;

		for (size_t i = 0; i < c->nsv; i++) {
			uint16_t v = c->supported_versions[i];

			if (tls_is_grease(v) || (any && v <= ver))
				continue;
			ver = v;
			any = true;
		}
	}
	ja4_alpn(c, alpn);
	ncount = count_non_grease(c->ciphers, c->nciphers);
	necount = count_non_grease(c->exts, c->nexts);
	nsig = count_non_grease(c->sigalgs, c->nsigalgs);

	/* b: sorted cipher list. */
	nc = sorted_copy(c->ciphers, c->nciphers, false, tmp);
	if (nc == 0) {
		memcpy(hb, "000000000000", 13);
	} else {
		if (wc_InitSha256(&sha) != 0)
			goto out;
		sha_live = true;
		if (sha_list(&sha, tmp, nc, false) != 0 ||
		    sha_final12(&sha, hb) != 0)
			goto out;
		wc_Sha256Free(&sha);
		sha_live = false;
	}

	/* c: sorted extensions without SNI and ALPN, '_', sigalgs as sent. */
	ne = sorted_copy(c->exts, c->nexts, true, tmp);
	if (ne == 0) {
		memcpy(hc, "000000000000", 13);
	} else {
		if (wc_InitSha256(&sha) != 0)
			goto out;
		sha_live = true;
		if (sha_list(&sha, tmp, ne, false) != 0)
			goto out;
		if (nsig > 0 &&
		    (wc_Sha256Update(&sha, (const byte *)"_", 1) != 0 ||
		     sha_list(&sha, c->sigalgs, c->nsigalgs, true) != 0))
			goto out;
		if (sha_final12(&sha, hc) != 0)
			goto out;
		wc_Sha256Free(&sha);
		sha_live = false;
	}

	/* Counts are two digits: 99 stands for 99 or more. */
	(void)snprintf(out, JA4_LEN, "%c%s%c%02u%02u%s_%s_%s",
		       c->quic ? 'q' : 't', ja4_version(ver),
		       c->sni ? 'd' : 'i',
		       (unsigned)(ncount > 99 ? 99 : ncount),
		       (unsigned)(necount > 99 ? 99 : necount), alpn, hb, hc);
	rc = 0;
out:
	if (sha_live)
		wc_Sha256Free(&sha);
	if (tmp != stackbuf)
		free(tmp);
	return rc;
}

void
ja_client_from_hello(const struct tls_client_hello *ch, struct ja_client *jc)
{
	/* The ALPN list holds whole entries only, but is read through a
	 * cursor all the same: attacker-chosen lengths. */
	struct cur c = cur_make(ch->alpn, ch->alpn_len), name;

	memset(jc, 0, sizeof(*jc));
	jc->version = ch->legacy_version;
	jc->ciphers = ch->suites;
	jc->nciphers = ch->nsuites;
	jc->exts = ch->ext;
	jc->nexts = ch->next;
	jc->groups = ch->groups;
	jc->ngroups = ch->ngroups;
	jc->pointfmts = ch->point_formats;
	jc->npointfmts = ch->npoint_formats;
	jc->sigalgs = ch->sigalgs;
	jc->nsigalgs = ch->nsigalgs;
	jc->supported_versions = ch->versions;
	jc->nsv = ch->nversions;
	if (ch->alpn_len > 0 && cur_vec8(&c, &name)) {
		jc->alpn_first = name.p;
		jc->alpn_first_len = name.left;
	}
	jc->sni = ch->sni_present && ch->sni_len > 0;
}
