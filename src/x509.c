/* x509.c -- X.509 decoding, the certificate cache, chain validation at the
 * capture time, CRLs and stapled OCSP responses.
 *
 * RFC 5280 (certificates, CRLs, path validation), RFC 4514 (names as
 * strings), RFC 6960 (OCSP), X.690 (DER).
 *
 * Must never: judge a date by the wall clock, complete a chain with
 * certificates from other connections, read a byte of a certificate, CRL
 * or OCSP response except through a bounded cursor or wolfSSL, or fetch
 * anything from the network.
 *
 * What wolfSSL does here: parse and check the DER (wolfSSL_d2i_X509),
 * verify signatures (wolfSSL_X509_verify, EVP_DigestVerify), and give the
 * CRL distribution points, key usage, extended key usage, key type and
 * size.  What is decoded by hand, through the cursor, and why: the outer
 * structure of the certificate (the raw issuer and subject Names, needed
 * byte for byte for chain building and OCSP issuer hashes, and the raw key
 * bits), the SANs (wolfSSL leaks the directoryName entries of its SAN
 * stack), the Names themselves (wolfSSL's entry list loses multi-valued RDNs,
 * which RFC 4514 prints with '+'), the validity dates (compared with the
 * capture time, never through wolfSSL's wall-clock checks), basic
 * constraints (wolfSSL cannot tell "no pathLenConstraint" from 0), AIA
 * (this wolfSSL's d2i for it returns objects of another type than the
 * OpenSSL API promises), OCSP responses (wolfSSL 5.5.4 checks thisUpdate and
 * nextUpdate against the wall clock while decoding, so an old capture's
 * response would not even parse) and CRLs (same reason).
 *
 * When wolfSSL refuses a certificate the walk reads (a Name of more than 16
 * attributes, a critical extension it does not know, a key algorithm it
 * lacks, an empty subjectAltName), the certificate is not called malformed:
 * what the walk gives is kept (names, serial, dates, signature algorithm,
 * basic constraints, key and extended key usage, SANs, AIA, CRL
 * distribution points, the key's type and RSA size), the entry is marked
 * "nowolf", and validation reports it as malformed with the reason
 * ("wolfSSL cannot verify: ..."), because no signature made by it or over
 * it can be checked.
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/openssl/evp.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/coding.h>
#include <wolfssl/wolfcrypt/sha.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tlsdiag/cur.h"
#include "tlsdiag/x509.h"

/* wolfSSL's OpenSSL-compatible constants, spelled here so that the
 * openssl/ compatibility headers (whose X509_* macros would collide with
 * this module's prefix) need not be included. */
#define W_GEN_URI 6
#define W_NID_CRL_DIST_POINTS NID_crl_distribution_points /* 145 */
#define W_EXFLAG_KUSAGE 0x2
#define W_EXFLAG_XKUSAGE 0x4
#define W_XKU_SSL_SERVER 0x1
#define W_XKU_SSL_CLIENT 0x2
#define W_XKU_OCSP_SIGN 0x20
#define W_XKU_ANYEKU 0x100

/* Largest trust store or CRL file read: the Debian bundle is about 200 KiB;
 * a CRL of a big public CA can reach tens of MiB. */
#define X509_FILE_BYTES_MAX (64u * 1024u * 1024u)

/* An estimate of what wolfSSL's decoded WOLFSSL_X509 costs beyond the DER,
 * charged to the budget because its size is not visible here. */
#define X509_WOLF_OVERHEAD 4096u

/*
 * DER through the cursor (X.690 8.1).
 */

struct span {
	const uint8_t *p;
	size_t n;
};

/* One TLV: a one-byte tag (X.509 uses no high tag numbers; they are
 * refused), a definite length of at most 4 bytes.  *val holds the contents;
 * *whole (if not NULL) the whole TLV. */
static bool
der_next(struct cur *c, uint8_t *tag, struct cur *val, struct span *whole)
{
	const uint8_t *start = c->p;
	size_t before = c->left;
	uint8_t t, l, b;
	size_t len = 0;
	unsigned i, nb;

	*val = cur_make(NULL, 0);
	val->bad = true;
	if (!cur_u8(c, &t) || (t & 0x1f) == 0x1f || !cur_u8(c, &l))
		return cur_fail(c);
	if (l & 0x80) {
		nb = l & 0x7f;
		if (nb == 0 || nb > 4)
			return cur_fail(c);
		for (i = 0; i < nb; i++) {
			if (!cur_u8(c, &b))
				return false;
			len = len << 8 | b;
		}
	} else
		len = l;
	if (!cur_sub(c, len, val))
		return false;
	*tag = t;
	if (whole != NULL) {
		whole->p = start;
		whole->n = before - c->left;
	}
	return true;
}

static bool
der_expect(struct cur *c, uint8_t want, struct cur *val, struct span *whole)
{
	uint8_t t;

	if (!der_next(c, &t, val, whole))
		return false;
	if (t != want)
		return cur_fail(c);
	return true;
}

static bool
der_peek(const struct cur *c, uint8_t tag)
{
	return !c->bad && c->left > 0 && c->p[0] == tag;
}

static struct span
cur_span(const struct cur *c)
{
	struct span s = {c->p, c->left};
	return s;
}

static bool
span_eq(struct span a, struct span b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static bool
span_is(struct span a, const uint8_t *b, size_t n)
{
	return a.n == n && memcmp(a.p, b, n) == 0;
}

#define SPAN_IS(s, arr) span_is((s), (arr), sizeof(arr))

/* An INTEGER's content without its sign-padding zero bytes: serials are
 * compared this way (RFC 5280 4.1.2.2: positive, at most 20 octets). */
static struct span
int_trim(struct span s)
{
	while (s.n > 1 && s.p[0] == 0) {
		s.p++;
		s.n--;
	}
	return s;
}

/*
 * Times.
 */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil): no timegm, no time zone. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool
digits(const uint8_t *s, size_t n, unsigned *out)
{
	size_t i;
	unsigned v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return true;
}

bool
x509_asn1_time(uint8_t tag, const uint8_t *s, size_t n, int64_t *out)
{
	unsigned y, mo, d, h, mi, sec;
	size_t off;

	*out = 0;
	if (tag == 0x17) { /* UTCTime: YYMMDDHHMMSSZ (RFC 5280 4.1.2.5.1) */
		if (n != 13 || s[12] != 'Z' || !digits(s, 2, &y))
			return false;
		y += y >= 50 ? 1900 : 2000;
		off = 2;
	} else if (tag == 0x18) { /* GeneralizedTime (RFC 5280 4.1.2.5.2) */
		if (n < 15 || s[n - 1] != 'Z' || !digits(s, 4, &y))
			return false;
		/* Fractions of a second are not allowed in certificates but
		 * appear in OCSP responses: ignored. */
		if (n > 15 && s[14] != '.')
			return false;
		off = 4;
	} else
		return false;
	if (!digits(s + off, 2, &mo) || !digits(s + off + 2, 2, &d) ||
	    !digits(s + off + 4, 2, &h) || !digits(s + off + 6, 2, &mi) ||
	    !digits(s + off + 8, 2, &sec))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return false;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	return true;
}

static bool
der_time(struct cur *c, int64_t *out)
{
	uint8_t t;
	struct cur v;

	if (!der_next(c, &t, &v, NULL))
		return false;
	if (!x509_asn1_time(t, v.p, v.left, out))
		return cur_fail(c);
	return true;
}

/* "2025-01-01 00:00:00Z" */
static void
fmt_time(int64_t t, char *out, size_t n)
{
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	int64_t rem = t - days * 86400;
	int64_t z = days + 719468, era, doe, yoe, y, doy, mp, d, m;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	/* The fields are in range by construction; the casts tell the
	 * compiler so (it cannot prove it through the calendar arithmetic). */
	snprintf(out, n, "%04lld-%02u-%02u %02u:%02u:%02uZ", (long long)y,
		 (unsigned)m % 100u, (unsigned)d % 100u,
		 (unsigned)(rem / 3600) % 100u, (unsigned)(rem / 60 % 60),
		 (unsigned)(rem % 60));
}

/*
 * OID tables.
 */

struct oid_name {
	const uint8_t *oid;
	uint8_t len;
	const char *name;
};

#define OID(name, ...)                                                         \
	{                                                                      \
		(const uint8_t[]){__VA_ARGS__},                                \
		    sizeof((const uint8_t[]){__VA_ARGS__}), name               \
	}

/* Attribute types printed by name (RFC 4514 3 and OpenSSL's short names,
 * which `openssl x509 -nameopt RFC2253` prints). */
static const struct oid_name attr_names[] = {
    OID("CN", 0x55, 0x04, 0x03),
    OID("SN", 0x55, 0x04, 0x04),
    OID("serialNumber", 0x55, 0x04, 0x05),
    OID("C", 0x55, 0x04, 0x06),
    OID("L", 0x55, 0x04, 0x07),
    OID("ST", 0x55, 0x04, 0x08),
    OID("street", 0x55, 0x04, 0x09),
    OID("O", 0x55, 0x04, 0x0a),
    OID("OU", 0x55, 0x04, 0x0b),
    OID("title", 0x55, 0x04, 0x0c),
    OID("businessCategory", 0x55, 0x04, 0x0f),
    OID("postalCode", 0x55, 0x04, 0x11),
    OID("GN", 0x55, 0x04, 0x2a),
    OID("initials", 0x55, 0x04, 0x2b),
    OID("organizationIdentifier", 0x55, 0x04, 0x61),
    OID("emailAddress", 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01),
    OID("DC", 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19),
    OID("UID", 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01),
    OID("jurisdictionL", 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02,
	0x01, 0x01),
    OID("jurisdictionST", 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02,
	0x01, 0x02),
    OID("jurisdictionC", 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02,
	0x01, 0x03),
};

/* Signature algorithms: OpenSSL's long names; weak: MD2/MD4/MD5/SHA-1;
 * md: the digest for EVP verification of CRLs and OCSP responses. */
enum md { MD_NONE, MD_SHA1, MD_SHA224, MD_SHA256, MD_SHA384, MD_SHA512 };

struct sig_alg {
	struct oid_name o;
	bool weak;
	uint8_t md;
};

#define SIG(name, weak, md, ...)                                               \
	{                                                                      \
		OID(name, __VA_ARGS__), weak, md                               \
	}
#define PKCS1(x) 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, x
#define ECDSA(...) 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, __VA_ARGS__

static const struct sig_alg sig_algs[] = {
    SIG("md2WithRSAEncryption", true, MD_NONE, PKCS1(0x02)),
    SIG("md4WithRSAEncryption", true, MD_NONE, PKCS1(0x03)),
    SIG("md5WithRSAEncryption", true, MD_NONE, PKCS1(0x04)),
    SIG("sha1WithRSAEncryption", true, MD_SHA1, PKCS1(0x05)),
    SIG("rsassaPss", false, MD_NONE, PKCS1(0x0a)),
    SIG("sha256WithRSAEncryption", false, MD_SHA256, PKCS1(0x0b)),
    SIG("sha384WithRSAEncryption", false, MD_SHA384, PKCS1(0x0c)),
    SIG("sha512WithRSAEncryption", false, MD_SHA512, PKCS1(0x0d)),
    SIG("sha224WithRSAEncryption", false, MD_SHA224, PKCS1(0x0e)),
    SIG("ecdsa-with-SHA1", true, MD_SHA1, ECDSA(0x01)),
    SIG("ecdsa-with-SHA224", false, MD_SHA224, ECDSA(0x03, 0x01)),
    SIG("ecdsa-with-SHA256", false, MD_SHA256, ECDSA(0x03, 0x02)),
    SIG("ecdsa-with-SHA384", false, MD_SHA384, ECDSA(0x03, 0x03)),
    SIG("ecdsa-with-SHA512", false, MD_SHA512, ECDSA(0x03, 0x04)),
    SIG("ED25519", false, MD_NONE, 0x2b, 0x65, 0x70),
    SIG("ED448", false, MD_NONE, 0x2b, 0x65, 0x71),
    SIG("dsaWithSHA1", true, MD_SHA1, 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03),
    SIG("dsa_with_SHA256", false, MD_SHA256, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
	0x04, 0x03, 0x02),
    SIG("sha1WithRSA", true, MD_SHA1, 0x2b, 0x0e, 0x03, 0x02, 0x1d),
};

/* Named curves: OpenSSL's names and their sizes. */
struct curve {
	struct oid_name o;
	uint16_t bits;
};

static const struct curve curves[] = {
    {OID("prime192v1", 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x01), 192},
    {OID("prime256v1", 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07), 256},
    {OID("secp224r1", 0x2b, 0x81, 0x04, 0x00, 0x21), 224},
    {OID("secp384r1", 0x2b, 0x81, 0x04, 0x00, 0x22), 384},
    {OID("secp521r1", 0x2b, 0x81, 0x04, 0x00, 0x23), 521},
    {OID("secp256k1", 0x2b, 0x81, 0x04, 0x00, 0x0a), 256},
    {OID("brainpoolP256r1", 0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01,
	 0x07),
     256},
    {OID("brainpoolP384r1", 0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01,
	 0x0b),
     384},
    {OID("brainpoolP512r1", 0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01,
	 0x0d),
     512},
};

static const uint8_t oid_rsa[] = {PKCS1(0x01)};
static const uint8_t oid_rsa_pss[] = {PKCS1(0x0a)};
static const uint8_t oid_ec[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t oid_ed25519[] = {0x2b, 0x65, 0x70};
static const uint8_t oid_ed448[] = {0x2b, 0x65, 0x71};
static const uint8_t oid_dsa[] = {0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01};
static const uint8_t oid_bc[] = {0x55, 0x1d, 0x13};
static const uint8_t oid_san[] = {0x55, 0x1d, 0x11};
static const uint8_t oid_aia[] = {0x2b, 0x06, 0x01, 0x05,
				  0x05, 0x07, 0x01, 0x01};
static const uint8_t oid_ad_ocsp[] = {0x2b, 0x06, 0x01, 0x05,
				      0x05, 0x07, 0x30, 0x01};
static const uint8_t oid_ad_ca_issuers[] = {0x2b, 0x06, 0x01, 0x05,
					    0x05, 0x07, 0x30, 0x02};
static const uint8_t oid_ocsp_basic[] = {0x2b, 0x06, 0x01, 0x05, 0x05,
					 0x07, 0x30, 0x01, 0x01};
static const uint8_t oid_sha1[] = {0x2b, 0x0e, 0x03, 0x02, 0x1a};
static const uint8_t oid_sha256[] = {0x60, 0x86, 0x48, 0x01, 0x65,
				     0x03, 0x04, 0x02, 0x01};
static const uint8_t oid_crl_reason[] = {0x55, 0x1d, 0x15};
static const uint8_t oid_ku[] = {0x55, 0x1d, 0x0f};
static const uint8_t oid_eku[] = {0x55, 0x1d, 0x25};
static const uint8_t oid_crl_dp[] = {0x55, 0x1d, 0x1f};
static const uint8_t oid_kp_server[] = {0x2b, 0x06, 0x01, 0x05,
					0x05, 0x07, 0x03, 0x01};
static const uint8_t oid_kp_client[] = {0x2b, 0x06, 0x01, 0x05,
					0x05, 0x07, 0x03, 0x02};
static const uint8_t oid_kp_ocsp[] = {0x2b, 0x06, 0x01, 0x05,
				      0x05, 0x07, 0x03, 0x09};
static const uint8_t oid_eku_any[] = {0x55, 0x1d, 0x25, 0x00};

/* The id-ce extensions (2.5.29.N) whose critical form wolfSSL 5.5.4
 * decodes: basicConstraints 19, keyUsage 15, extKeyUsage 37, subjectAltName
 * 17, issuerAltName 18, authorityKeyIdentifier 35, subjectKeyIdentifier 14,
 * cRLDistributionPoints 31, certificatePolicies 32, nameConstraints 30,
 * policyConstraints 36, inhibitAnyPolicy 54.  A critical extension outside
 * this set (and AIA) is named when wolfSSL refuses a certificate for an
 * unsupported critical extension. */
static const uint8_t wolf_known_ce[] = {19, 15, 37, 17, 18, 35,
					14, 31, 32, 30, 36, 54};

static const struct sig_alg *
sig_alg_find(struct span oid)
{
	size_t i;

	for (i = 0; i < sizeof(sig_algs) / sizeof(sig_algs[0]); i++)
		if (span_is(oid, sig_algs[i].o.oid, sig_algs[i].o.len))
			return &sig_algs[i];
	return NULL;
}

/* Dotted form of an OID's content (X.690 8.19). */
static void
oid_dotted(struct span oid, char *out, size_t n)
{
	size_t i, o = 0;
	uint64_t v = 0;
	bool first = true;
	int w;

	if (n == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < oid.n; i++) {
		if (v > (UINT64_MAX >> 7))
			break;
		v = v << 7 | (oid.p[i] & 0x7f);
		if (oid.p[i] & 0x80)
			continue;
		if (first) {
			unsigned a = v < 40 ? 0 : v < 80 ? 1 : 2;
			w = snprintf(out + o, n - o, "%u.%llu", a,
				     (unsigned long long)(v - 40u * a));
			first = false;
		} else
			w = snprintf(out + o, n - o, ".%llu",
				     (unsigned long long)v);
		if (w < 0 || (size_t)w >= n - o)
			return;
		o += (size_t)w;
		v = 0;
	}
}

/*
 * Strings of a decoded certificate: built in a scratch buffer, then copied
 * into one allocation owned by the certificate.
 */

#define STR_SLOTS (X509_SAN_MAX + 3 * X509_URLS_MAX + 8)

struct strbuild {
	char *buf; /* X509_STRINGS_MAX bytes of scratch */
	size_t len;
	bool full;
	unsigned nslots;
	const char **slot[STR_SLOTS];
	size_t off[STR_SLOTS];
};

/* Queue a string for *slot; false (and counted) when there is no room. */
static bool
sb_add(struct strbuild *sb, const char **slot, const char *s, size_t n)
{
	if (sb->nslots == STR_SLOTS || n + 1 > X509_STRINGS_MAX - sb->len) {
		sb->full = true;
		return false;
	}
	memcpy(sb->buf + sb->len, s, n);
	sb->buf[sb->len + n] = '\0';
	sb->slot[sb->nslots] = slot;
	sb->off[sb->nslots] = sb->len;
	sb->nslots++;
	sb->len += n + 1;
	return true;
}

/*
 * RFC 4514 names.
 */

struct obuf {
	char *p;
	size_t n, len;
	bool trunc;
};

static void
ob_putc(struct obuf *o, char ch)
{
	if (o->len + 1 >= o->n) {
		o->trunc = true;
		return;
	}
	o->p[o->len++] = ch;
	o->p[o->len] = '\0';
}

static void
ob_puts(struct obuf *o, const char *s)
{
	while (*s)
		ob_putc(o, *s++);
}

static void
ob_hex(struct obuf *o, uint8_t b)
{
	static const char hx[] = "0123456789ABCDEF";

	ob_putc(o, hx[b >> 4]);
	ob_putc(o, hx[b & 15]);
}

static void
ob_utf8(struct obuf *o, uint32_t cp, uint8_t *tmp, size_t *tn)
{
	/* Encode cp as UTF-8 into tmp (4 bytes room). */
	(void)o;
	if (cp < 0x80) {
		tmp[(*tn)++] = (uint8_t)cp;
	} else if (cp < 0x800) {
		tmp[(*tn)++] = (uint8_t)(0xc0 | cp >> 6);
		tmp[(*tn)++] = (uint8_t)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		tmp[(*tn)++] = (uint8_t)(0xe0 | cp >> 12);
		tmp[(*tn)++] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		tmp[(*tn)++] = (uint8_t)(0x80 | (cp & 0x3f));
	} else {
		tmp[(*tn)++] = (uint8_t)(0xf0 | (cp >> 18 & 0x07));
		tmp[(*tn)++] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
		tmp[(*tn)++] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		tmp[(*tn)++] = (uint8_t)(0x80 | (cp & 0x3f));
	}
}

/* The value of a directory string as UTF-8 bytes: BMPString (UCS-2) and
 * UniversalString (UCS-4) are converted, the others taken as they are
 * (UTF8String, PrintableString, IA5String; T61String as bytes, as
 * OpenSSL does).  Calls put(byte) for each. */
static void
dirstr_bytes(uint8_t tag, struct cur v, void (*put)(void *, uint8_t), void *arg)
{
	uint8_t tmp[4];
	size_t i, tn;
	uint32_t cp;

	if (tag == 0x1e || tag == 0x1c) {
		unsigned w = tag == 0x1e ? 2 : 4;

		while (v.left >= w) {
			cp = 0;
			for (i = 0; i < w; i++)
				cp = cp << 8 | v.p[i];
			cur_skip(&v, w);
			if (cp > 0x10ffff)
				cp = 0xfffd;
			tn = 0;
			ob_utf8(NULL, cp, tmp, &tn);
			for (i = 0; i < tn; i++)
				put(arg, tmp[i]);
		}
		return;
	}
	for (i = 0; i < v.left; i++)
		put(arg, v.p[i]);
}

struct esc_state {
	struct obuf *o;
	size_t total, pos; /* for leading/trailing rules */
};

static void
put_escaped(void *arg, uint8_t b)
{
	struct esc_state *st = arg;
	bool first = st->pos == 0, last = st->pos + 1 == st->total;

	st->pos++;
	if (b == '"' || b == '+' || b == ',' || b == ';' || b == '<' ||
	    b == '>' || b == '\\' || (first && (b == '#' || b == ' ')) ||
	    (last && b == ' ')) {
		ob_putc(st->o, '\\');
		ob_putc(st->o, (char)b);
	} else if (b < 0x20 || b == 0x7f) {
		ob_putc(st->o, '\\');
		ob_hex(st->o, b);
	} else
		ob_putc(st->o, (char)b);
}

static void
count_byte(void *arg, uint8_t b)
{
	(void)b;
	(*(size_t *)arg)++;
}

struct raw_state {
	char *p;
	size_t n, len;
};

static void
put_raw(void *arg, uint8_t b)
{
	struct raw_state *st = arg;

	if (st->len + 1 < st->n) {
		st->p[st->len++] = (char)b;
		st->p[st->len] = '\0';
	}
}

/*
 * Name ::= SEQUENCE OF RelativeDistinguishedName (RFC 5280 4.1.2.4),
 * printed per RFC 4514 2: last RDN first, RDNs separated by ',', the
 * attributes of one RDN by '+'.  Also gives the last CN value as UTF-8
 * (raw, unescaped) in cn (cn_n bytes room; empty if none).
 */
static bool
name_string(struct span name, char *out, size_t n, bool *trunc, char *cn,
	    size_t cn_n)
{
	struct cur c = cur_make(name.p, name.n), seq, rdn, atv, oidc, val;
	struct span rdns[64];
	unsigned nrdn = 0, i, k;
	struct obuf o = {out, n, 0, false};
	uint8_t tag;

	out[0] = '\0';
	if (cn_n > 0)
		cn[0] = '\0';
	if (!der_expect(&c, 0x30, &seq, NULL))
		return false;
	while (seq.left > 0) {
		struct span whole;

		if (!der_expect(&seq, 0x31, &rdn, &whole))
			return false;
		if (nrdn == sizeof(rdns) / sizeof(rdns[0])) {
			o.trunc = true;
			break;
		}
		rdns[nrdn++] = cur_span(&rdn);
	}
	for (k = nrdn; k-- > 0;) {
		struct cur r = cur_make(rdns[k].p, rdns[k].n);
		bool first_atv = true;

		if (k + 1 != nrdn)
			ob_putc(&o, ',');
		while (r.left > 0) {
			struct span vwhole;
			const char *an = NULL;

			if (!der_expect(&r, 0x30, &atv, NULL) ||
			    !der_expect(&atv, 0x06, &oidc, NULL) ||
			    !der_next(&atv, &tag, &val, &vwhole))
				return false;
			if (!first_atv)
				ob_putc(&o, '+');
			first_atv = false;
			for (i = 0;
			     i < sizeof(attr_names) / sizeof(attr_names[0]);
			     i++)
				if (span_is(cur_span(&oidc), attr_names[i].oid,
					    attr_names[i].len))
					an = attr_names[i].name;
			if (an != NULL) {
				struct esc_state st = {&o, 0, 0};

				ob_puts(&o, an);
				ob_putc(&o, '=');
				dirstr_bytes(tag, val, count_byte, &st.total);
				dirstr_bytes(tag, val, put_escaped, &st);
				if (an[0] == 'C' && an[1] == 'N' &&
				    an[2] == '\0' && cn_n > 0) {
					struct raw_state rs = {cn, cn_n, 0};

					cn[0] = '\0';
					dirstr_bytes(tag, val, put_raw, &rs);
				}
			} else {
				/* RFC 4514 2.4: unknown types print as the
				 * dotted OID and the value's DER in hex. */
				char dot[128];
				size_t j;

				oid_dotted(cur_span(&oidc), dot, sizeof(dot));
				ob_puts(&o, dot);
				ob_puts(&o, "=#");
				for (j = 0; j < vwhole.n; j++)
					ob_hex(&o, vwhole.p[j]);
			}
		}
	}
	*trunc = o.trunc;
	return true;
}

/*
 * The hand walk of a certificate's outer structure (RFC 5280 4.1).
 */

struct walk {
	struct span tbs;		/* the whole TBSCertificate TLV */
	struct span serial;		/* INTEGER content */
	struct span issuer, subject;	/* whole Name TLVs */
	struct span key_alg, key_param; /* SPKI algorithm OID, param OID */
	struct span key_bits;		/* subjectPublicKey without the
					   unused-bits byte */
	struct span sig_oid;		/* signatureAlgorithm OID */
	struct span sig;		/* signature BIT STRING content */
	int version;
	int64_t not_before, not_after;
	bool bc_present, is_ca;
	int pathlen;
	struct span aia; /* AIA extension value (a SEQUENCE), or empty */
	struct span san; /* SAN extension value (a SEQUENCE), or empty */
	/* Read only for certificates wolfSSL refuses (its own decoding is
	 * used otherwise): the values of keyUsage (a BIT STRING),
	 * extKeyUsage and cRLDistributionPoints (SEQUENCEs). */
	struct span ku, eku, crl_dp;
	struct span crit_odd; /* OID of the first critical extension that
				 wolfSSL does not decode, or empty */
	bool san_empty;	      /* a subjectAltName without any name */
};

static bool
wolf_knows_ext(struct span oid)
{
	size_t i;

	if (SPAN_IS(oid, oid_aia))
		return true;
	if (oid.n != 3 || oid.p[0] != 0x55 || oid.p[1] != 0x1d)
		return false;
	for (i = 0; i < sizeof(wolf_known_ce); i++)
		if (oid.p[2] == wolf_known_ce[i])
			return true;
	return false;
}

static bool
walk_ext(struct walk *w, struct cur *exts)
{
	struct cur seq, ext, oid, val, inner;
	uint8_t t;
	bool crit;

	if (!der_expect(exts, 0x30, &seq, NULL))
		return false;
	while (seq.left > 0) {
		if (!der_expect(&seq, 0x30, &ext, NULL) ||
		    !der_expect(&ext, 0x06, &oid, NULL))
			return false;
		crit = false;
		if (der_peek(&ext, 0x01)) {
			if (!der_expect(&ext, 0x01, &val, NULL))
				return false;
			crit = val.left > 0 && val.p[0] != 0;
		}
		if (!der_expect(&ext, 0x04, &val, NULL))
			return false;
		if (crit && w->crit_odd.n == 0 &&
		    !wolf_knows_ext(cur_span(&oid)))
			w->crit_odd = cur_span(&oid);
		if (SPAN_IS(cur_span(&oid), oid_ku))
			w->ku = cur_span(&val);
		else if (SPAN_IS(cur_span(&oid), oid_eku))
			w->eku = cur_span(&val);
		else if (SPAN_IS(cur_span(&oid), oid_crl_dp))
			w->crl_dp = cur_span(&val);
		if (SPAN_IS(cur_span(&oid), oid_bc)) {
			/* BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT
			 * FALSE, pathLenConstraint INTEGER OPTIONAL } */
			if (!der_expect(&val, 0x30, &inner, NULL))
				return false;
			w->bc_present = true;
			if (der_peek(&inner, 0x01)) {
				struct cur b;

				if (!der_expect(&inner, 0x01, &b, NULL) ||
				    b.left != 1)
					return false;
				w->is_ca = b.p[0] != 0;
			}
			if (der_peek(&inner, 0x02)) {
				struct cur pl;
				size_t i;
				long v = 0;

				if (!der_expect(&inner, 0x02, &pl, NULL) ||
				    pl.left == 0 || pl.left > 4 ||
				    (pl.p[0] & 0x80))
					return false;
				for (i = 0; i < pl.left; i++)
					v = v << 8 | pl.p[i];
				w->pathlen = (int)v;
			}
		} else if (SPAN_IS(cur_span(&oid), oid_aia) ||
			   SPAN_IS(cur_span(&oid), oid_san)) {
			struct span whole;

			if (!der_next(&val, &t, &inner, &whole) || t != 0x30)
				return false;
			if (SPAN_IS(cur_span(&oid), oid_aia))
				w->aia = whole;
			else {
				w->san = whole;
				w->san_empty = inner.left == 0;
			}
		}
	}
	return true;
}

static bool
walk_cert(const uint8_t *der, size_t len, struct walk *w)
{
	struct cur c = cur_make(der, len), cert, tbs, v, alg, oid, validity,
		   spki, ver;
	uint8_t t;

	memset(w, 0, sizeof(*w));
	w->pathlen = -1;
	w->version = 1;
	if (!der_expect(&c, 0x30, &cert, NULL) || c.left != 0)
		return false;
	if (!der_expect(&cert, 0x30, &tbs, &w->tbs))
		return false;
	if (der_peek(&tbs, 0xa0)) {
		struct cur vi;

		if (!der_expect(&tbs, 0xa0, &ver, NULL) ||
		    !der_expect(&ver, 0x02, &vi, NULL) || vi.left != 1 ||
		    vi.p[0] > 2)
			return false;
		w->version = vi.p[0] + 1;
	}
	if (!der_expect(&tbs, 0x02, &v, NULL) || v.left == 0)
		return false;
	w->serial = cur_span(&v);
	if (!der_expect(&tbs, 0x30, &alg, NULL))
		return false;
	if (!der_expect(&tbs, 0x30, &v, &w->issuer))
		return false;
	if (!der_expect(&tbs, 0x30, &validity, NULL) ||
	    !der_time(&validity, &w->not_before) ||
	    !der_time(&validity, &w->not_after))
		return false;
	if (!der_expect(&tbs, 0x30, &v, &w->subject))
		return false;
	if (!der_expect(&tbs, 0x30, &spki, NULL) ||
	    !der_expect(&spki, 0x30, &alg, NULL) ||
	    !der_expect(&alg, 0x06, &oid, NULL))
		return false;
	w->key_alg = cur_span(&oid);
	if (der_peek(&alg, 0x06)) {
		if (!der_expect(&alg, 0x06, &oid, NULL))
			return false;
		w->key_param = cur_span(&oid);
	}
	if (!der_expect(&spki, 0x03, &v, NULL) || v.left < 1 || v.p[0] != 0)
		return false;
	cur_skip(&v, 1);
	w->key_bits = cur_span(&v);
	while (tbs.left > 0) {
		struct span whole;

		if (!der_next(&tbs, &t, &v, &whole))
			return false;
		if (t == 0xa3 && !walk_ext(w, &v))
			return false;
	}
	if (!der_expect(&cert, 0x30, &alg, NULL) ||
	    !der_expect(&alg, 0x06, &oid, NULL))
		return false;
	w->sig_oid = cur_span(&oid);
	if (!der_expect(&cert, 0x03, &v, NULL) || v.left < 1)
		return false;
	cur_skip(&v, 1);
	w->sig = cur_span(&v);
	return !cert.bad && !tbs.bad;
}

/*
 * Entries: a decoded certificate and what validation needs of it.
 */

struct x509_entry {
	struct x509_cert cert; /* first: the public part */
	uint8_t *der;	       /* owned copy; the walk's spans point here */
	struct walk w;
	WOLFSSL_X509 *x;	/* owned; NULL when malformed or nowolf */
	WOLFSSL_EVP_PKEY *pkey; /* owned; NULL when wolfSSL has no key */
	/* Decoded by the walk alone: wolfSSL refused the certificate, so no
	 * signature made by it or over it can be checked.  nowolf_why says
	 * why, for the validation problem. */
	bool nowolf;
	char nowolf_why[96];
	char *strs; /* owned: the strings of cert */
	size_t strs_len;
	size_t charge; /* bytes charged to the cache's budget */
	unsigned refs;
	bool in_cache;
	uint64_t h64; /* x509_der_hash64() of the DER: the cache's bucket */
	struct x509_cache *cache; /* holding it (in_cache), for the budget */
	char *memo; /* owned: x509_cert_set_memo()'s bytes, charged */
	size_t memo_len;
	struct x509_entry *hnext;	/* hash chain (cache or store) */
	struct x509_entry *prev, *next; /* cache LRU, most recent first */
};

static struct x509_entry *
entry_of(const struct x509_cert *c)
{
	return (struct x509_entry *)(uintptr_t)c;
}

static void
entry_free(struct x509_entry *e)
{
	if (e == NULL)
		return;
	if (e->pkey != NULL)
		wolfSSL_EVP_PKEY_free(e->pkey);
	if (e->x != NULL)
		wolfSSL_X509_free(e->x);
	free(e->der);
	free(e->strs);
	free(e->memo);
	free(e);
}

static void
url_add(struct strbuild *sb, struct x509_cert *c, const char **arr, uint8_t *n,
	const uint8_t *p, size_t len)
{
	if (*n == X509_URLS_MAX) {
		c->urls_truncated = true;
		return;
	}
	if (sb_add(sb, &arr[*n], (const char *)p, len))
		(*n)++;
}

/* AuthorityInfoAccessSyntax ::= SEQUENCE OF AccessDescription
 * (RFC 5280 4.2.2.1); only URIs ([6] IA5String) are kept. */
static void
decode_aia(struct x509_entry *e, struct strbuild *sb)
{
	struct cur c = cur_make(e->w.aia.p, e->w.aia.n), seq, ad, oid, loc;
	uint8_t t;

	if (e->w.aia.n == 0 || !der_expect(&c, 0x30, &seq, NULL))
		return;
	while (seq.left > 0) {
		if (!der_expect(&seq, 0x30, &ad, NULL) ||
		    !der_expect(&ad, 0x06, &oid, NULL) ||
		    !der_next(&ad, &t, &loc, NULL))
			return;
		if (t != 0x86)
			continue;
		if (SPAN_IS(cur_span(&oid), oid_ad_ocsp))
			url_add(sb, &e->cert, e->cert.ocsp_url, &e->cert.nocsp,
				loc.p, loc.left);
		else if (SPAN_IS(cur_span(&oid), oid_ad_ca_issuers))
			url_add(sb, &e->cert, e->cert.ca_issuers_url,
				&e->cert.nca_issuers, loc.p, loc.left);
	}
}

/* SubjectAltName ::= GeneralNames (RFC 5280 4.2.1.6): dNSName [2] and
 * iPAddress [7] are kept.  Decoded by hand: wolfSSL 5.5.4 leaks the
 * directoryName entries of its own SAN stack (seen with a root of the
 * Debian bundle), whatever free function is used. */
static void
decode_sans(struct x509_entry *e, struct strbuild *sb)
{
	struct cur c = cur_make(e->w.san.p, e->w.san.n), seq, v;
	uint8_t t;

	if (e->w.san.n == 0 || !der_expect(&c, 0x30, &seq, NULL))
		return;
	while (seq.left > 0) {
		struct x509_san *s;

		if (!der_next(&seq, &t, &v, NULL))
			return;
		if (t != 0x82 && t != 0x87)
			continue;
		e->cert.san_total++;
		if (e->cert.nsan == X509_SAN_MAX) {
			e->cert.san_truncated = true;
			continue;
		}
		s = &e->cert.san[e->cert.nsan];
		memset(s, 0, sizeof(*s));
		if (t == 0x87) {
			if (v.left != 4 && v.left != 16)
				continue;
			s->ip = true;
			s->addr_len = (uint8_t)v.left;
			memcpy(s->addr, v.p, v.left);
		} else {
			s->embedded_nul =
			    v.left > 0 && memchr(v.p, '\0', v.left) != NULL;
			if (!sb_add(sb, &s->dns, (const char *)v.p, v.left)) {
				e->cert.san_truncated = true;
				continue;
			}
		}
		e->cert.nsan++;
	}
}

static void
decode_crl_dp(struct x509_entry *e, struct strbuild *sb)
{
	WOLFSSL_STACK *sk;
	int i, j;

	sk = wolfSSL_X509_get_ext_d2i(e->x, W_NID_CRL_DIST_POINTS, NULL, NULL);
	if (sk == NULL)
		return;
	for (i = 0; i < wolfSSL_sk_DIST_POINT_num(sk); i++) {
		WOLFSSL_DIST_POINT *dp = wolfSSL_sk_DIST_POINT_value(sk, i);
		WOLFSSL_STACK *fn;

		if (dp == NULL || dp->distpoint == NULL)
			continue;
		fn = dp->distpoint->name.fullname;
		for (j = 0; fn != NULL && j < wolfSSL_sk_GENERAL_NAME_num(fn);
		     j++) {
			WOLFSSL_GENERAL_NAME *g =
			    wolfSSL_sk_GENERAL_NAME_value(fn, j);
			WOLFSSL_ASN1_STRING *a;

			if (g == NULL || g->type != W_GEN_URI)
				continue;
			a = g->d.uniformResourceIdentifier;
			if (a == NULL || wolfSSL_ASN1_STRING_length(a) < 0)
				continue;
			url_add(sb, &e->cert, e->cert.crl_dp, &e->cert.ncrl_dp,
				wolfSSL_ASN1_STRING_data(a),
				(size_t)wolfSSL_ASN1_STRING_length(a));
		}
	}
	wolfSSL_sk_DIST_POINT_pop_free(sk, wolfSSL_DIST_POINT_free);
}

/* The facts wolfSSL gives for the certificates it decodes, read from the
 * walk's spans for those it refuses. */

/* KeyUsage ::= BIT STRING (RFC 5280 4.2.1.3): bit 0 is the first octet's
 * high bit. */
static void
walk_key_usage(struct x509_entry *e)
{
	struct cur c = cur_make(e->w.ku.p, e->w.ku.n), v;
	unsigned u;

	if (e->w.ku.n == 0 || !der_expect(&c, 0x03, &v, NULL) || v.left < 1)
		return;
	e->cert.ku_present = true;
	cur_skip(&v, 1);
	if (v.left >= 1)
		for (u = 0; u < 8; u++)
			if (v.p[0] & (0x80u >> u))
				e->cert.key_usage |= (uint16_t)(1u << u);
	if (v.left >= 2 && (v.p[1] & 0x80))
		e->cert.key_usage |= X509_KU_DECIPHER_ONLY;
}

/* ExtKeyUsageSyntax ::= SEQUENCE OF KeyPurposeId (RFC 5280 4.2.1.12). */
static void
walk_ext_key_usage(struct x509_entry *e)
{
	struct cur c = cur_make(e->w.eku.p, e->w.eku.n), seq, oid;

	if (e->w.eku.n == 0 || !der_expect(&c, 0x30, &seq, NULL))
		return;
	e->cert.eku_present = true;
	while (seq.left > 0) {
		if (!der_expect(&seq, 0x06, &oid, NULL))
			return;
		if (SPAN_IS(cur_span(&oid), oid_kp_server))
			e->cert.eku |= X509_EKU_SERVER_AUTH;
		else if (SPAN_IS(cur_span(&oid), oid_kp_client))
			e->cert.eku |= X509_EKU_CLIENT_AUTH;
		else if (SPAN_IS(cur_span(&oid), oid_kp_ocsp))
			e->cert.eku |= X509_EKU_OCSP_SIGNING;
		else if (SPAN_IS(cur_span(&oid), oid_eku_any))
			e->cert.eku |= X509_EKU_ANY;
	}
}

/* CRLDistributionPoints ::= SEQUENCE OF DistributionPoint; the URIs of
 * each distributionPoint [0] fullName [0] GeneralNames (RFC 5280
 * 4.2.1.13). */
static void
walk_crl_dp(struct x509_entry *e, struct strbuild *sb)
{
	struct cur c = cur_make(e->w.crl_dp.p, e->w.crl_dp.n), seq, dp, dpn,
		   names, gn;
	uint8_t t;

	if (e->w.crl_dp.n == 0 || !der_expect(&c, 0x30, &seq, NULL))
		return;
	while (seq.left > 0) {
		if (!der_expect(&seq, 0x30, &dp, NULL))
			return;
		if (!der_peek(&dp, 0xa0))
			continue;
		if (!der_expect(&dp, 0xa0, &dpn, NULL))
			return;
		if (!der_peek(&dpn, 0xa0))
			continue;
		if (!der_expect(&dpn, 0xa0, &names, NULL))
			return;
		while (names.left > 0) {
			if (!der_next(&names, &t, &gn, NULL))
				return;
			if (t == 0x86)
				url_add(sb, &e->cert, e->cert.crl_dp,
					&e->cert.ncrl_dp, gn.p, gn.left);
		}
	}
}

/* The size of an RSA modulus: RSAPublicKey ::= SEQUENCE { modulus
 * INTEGER, publicExponent INTEGER } (RFC 8017 A.1.1). */
static uint16_t
walk_rsa_bits(struct span key)
{
	struct cur c = cur_make(key.p, key.n), seq, n;
	struct span m;
	unsigned bits;
	uint8_t b;

	if (!der_expect(&c, 0x30, &seq, NULL) ||
	    !der_expect(&seq, 0x02, &n, NULL) || n.left == 0)
		return 0;
	m = int_trim(cur_span(&n));
	if (m.n > UINT16_MAX / 8)
		return 0;
	bits = (unsigned)m.n * 8;
	for (b = m.p[0]; bits > 0 && !(b & 0x80); b = (uint8_t)(b << 1))
		bits--;
	return (uint16_t)bits;
}

/* Attributes in a Name (wolfSSL keeps MAX_NAME_ENTRIES of them and
 * refuses a certificate with more). */
static unsigned
name_attrs(struct span name)
{
	struct cur c = cur_make(name.p, name.n), seq, rdn, atv;
	unsigned n = 0;

	if (!der_expect(&c, 0x30, &seq, NULL))
		return 0;
	while (seq.left > 0) {
		if (!der_expect(&seq, 0x31, &rdn, NULL))
			return n;
		while (rdn.left > 0 && der_expect(&rdn, 0x30, &atv, NULL))
			n++;
	}
	return n;
}

/* Why wolfSSL refused a certificate the walk decodes: wolfSSL's error for
 * it, and the cause when the walk can name it (wolfSSL's own messages are
 * too general: "ASN parsing error, invalid input"). */
static void
nowolf_reason(struct x509_entry *e, char *out, size_t n)
{
	DecodedCert dc;
	int err;
	unsigned na;
	char dot[64];

	wc_InitDecodedCert(&dc, e->der, e->cert.der_len, NULL);
	err = wc_ParseCert(&dc, CERT_TYPE, NO_VERIFY, NULL);
	wc_FreeDecodedCert(&dc);
	if (err == ASN_CRIT_EXT_E && e->w.crit_odd.n > 0) {
		oid_dotted(e->w.crit_odd, dot, sizeof(dot));
		snprintf(out, n, "unsupported critical extension %s", dot);
		return;
	}
	if (err == ASN_UNKNOWN_OID_E && e->cert.key_type == X509_KEY_UNKNOWN) {
		oid_dotted(e->w.key_alg, dot, sizeof(dot));
		snprintf(out, n, "unknown key algorithm %s", dot);
		return;
	}
	if (err == ASN_UNKNOWN_OID_E && sig_alg_find(e->w.sig_oid) == NULL) {
		oid_dotted(e->w.sig_oid, dot, sizeof(dot));
		snprintf(out, n, "unknown signature algorithm %s", dot);
		return;
	}
	if (err == ASN_PARSE_E) {
		na = name_attrs(e->w.subject);
		if (name_attrs(e->w.issuer) > na)
			na = name_attrs(e->w.issuer);
		if (na > MAX_NAME_ENTRIES) {
			snprintf(out, n,
				 "a name of %u attributes (wolfSSL takes %d)",
				 na, MAX_NAME_ENTRIES);
			return;
		}
		if (e->w.san_empty) {
			snprintf(out, n, "an empty subjectAltName");
			return;
		}
	}
	if (err == 0) /* d2i refused what ParseCert took: no error code */
		snprintf(out, n, "refused by wolfSSL_d2i_X509");
	else
		snprintf(out, n, "wolfSSL error %d (%s)", err,
			 wc_GetErrorString(err));
}

static void
decode_key(struct x509_entry *e)
{
	struct x509_cert *c = &e->cert;
	size_t i;

	if (SPAN_IS(e->w.key_alg, oid_rsa) ||
	    SPAN_IS(e->w.key_alg, oid_rsa_pss))
		c->key_type = X509_KEY_RSA;
	else if (SPAN_IS(e->w.key_alg, oid_ec))
		c->key_type = X509_KEY_EC;
	else if (SPAN_IS(e->w.key_alg, oid_ed25519)) {
		c->key_type = X509_KEY_ED25519;
		c->key_bits = 256;
	} else if (SPAN_IS(e->w.key_alg, oid_ed448)) {
		c->key_type = X509_KEY_ED448;
		c->key_bits = 456;
	} else if (SPAN_IS(e->w.key_alg, oid_dsa))
		c->key_type = X509_KEY_DSA;
	if (c->key_type == X509_KEY_EC) {
		for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
			if (span_is(e->w.key_param, curves[i].o.oid,
				    curves[i].o.len)) {
				c->key_curve = curves[i].o.name;
				c->key_bits = curves[i].bits;
			}
	}
	if (e->x == NULL) {
		/* wolfSSL refused the certificate: the size of an RSA key
		 * is read by hand; DSA's is left unknown (0). */
		if (c->key_type == X509_KEY_RSA)
			c->key_bits = walk_rsa_bits(e->w.key_bits);
		return;
	}
	e->pkey = wolfSSL_X509_get_pubkey(e->x);
	if (e->pkey != NULL && c->key_bits == 0) {
		int b = wolfSSL_EVP_PKEY_bits(e->pkey);

		if (b > 0 && b <= UINT16_MAX)
			c->key_bits = (uint16_t)b;
	}
}

/* Decode a certificate into a fresh entry (never NULL unless out of
 * memory; malformed certificates come back flagged).  `verify_self`: check
 * a self-issued certificate's signature with its own key (self_signed);
 * false for trust anchors, whose own signature protects nothing (RFC 5280
 * 6.1.1: the anchor is trusted as given) -- they count as self-signed when
 * self-issued, and loading the system bundle skips ~140 signature checks. */
static struct x509_entry *
entry_decode(const uint8_t *der, size_t len, bool verify_self)
{
	struct x509_entry *e;
	struct x509_cert *c;
	struct strbuild *sb = NULL;
	const struct sig_alg *sa;
	const unsigned char *p;
	char name[X509_NAME_MAX], cn[256];
	bool trunc;
	unsigned u, ku, eku, fl;
	size_t i;

	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	c = &e->cert;
	c->der_len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	c->pathlen = -1;
	if (len > X509_DER_MAX) {
		/* Hash what we may: the fingerprint still identifies it. */
		wc_Sha256Hash(der, X509_DER_MAX, c->sha256);
		c->malformed = true;
		c->malformed_why = X509_MALFORMED_TOO_LARGE;
		return e;
	}
	wc_Sha256Hash(der, (word32)len, c->sha256);
	e->der = malloc(len > 0 ? len : 1);
	sb = calloc(1, sizeof(*sb));
	if (e->der == NULL || sb == NULL)
		goto nomem;
	sb->buf = malloc(X509_STRINGS_MAX);
	if (sb->buf == NULL)
		goto nomem;
	if (len > 0)
		memcpy(e->der, der, len);
	if (!walk_cert(e->der, len, &e->w))
		goto malformed;
	p = e->der;
	e->x = wolfSSL_d2i_X509(NULL, &p, (int)len);
	/* wolfSSL refuses some certificates the walk reads (names of more
	 * than 16 attributes, critical extensions it does not know, key
	 * algorithms it lacks, an empty subjectAltName): what the walk
	 * gives is kept, and validation reports that nothing about their
	 * signatures can be said. */
	e->nowolf = e->x == NULL;

	c->version = e->w.version;
	c->not_before = e->w.not_before;
	c->not_after = e->w.not_after;
	c->bc_present = e->w.bc_present;
	c->is_ca = e->w.is_ca;
	c->pathlen = e->w.pathlen;

	if (!name_string(e->w.subject, name, sizeof(name), &trunc, cn,
			 sizeof(cn)))
		goto malformed;
	c->names_truncated |= trunc;
	sb_add(sb, &c->subject, name, strlen(name));
	if (cn[0] != '\0')
		sb_add(sb, &c->cn, cn, strlen(cn));
	if (!name_string(e->w.issuer, name, sizeof(name), &trunc, NULL, 0))
		goto malformed;
	c->names_truncated |= trunc;
	sb_add(sb, &c->issuer, name, strlen(name));

	/* Serial: hex of the INTEGER content, sign padding removed, as
	 * `openssl x509 -serial` prints it. */
	{
		struct span s = int_trim(e->w.serial);
		static const char hx[] = "0123456789ABCDEF";
		size_t max = (sizeof(c->serial) - 1) / 2, o = 0;

		if (s.n > max) {
			c->serial_truncated = true;
			s.n = max;
		}
		for (i = 0; i < s.n; i++) {
			c->serial[o++] = hx[s.p[i] >> 4];
			c->serial[o++] = hx[s.p[i] & 15];
		}
		c->serial[o] = '\0';
	}

	sa = sig_alg_find(e->w.sig_oid);
	if (sa != NULL) {
		c->sig_alg = sa->o.name;
		c->sig_weak = sa->weak;
	} else {
		oid_dotted(e->w.sig_oid, name, sizeof(name));
		sb_add(sb, &c->sig_alg, name, strlen(name));
	}

	decode_key(e);

	if (e->nowolf) {
		walk_key_usage(e);
		walk_ext_key_usage(e);
		decode_sans(e, sb);
		decode_aia(e, sb);
		walk_crl_dp(e, sb);
		c->self_issued = span_eq(e->w.subject, e->w.issuer);
		nowolf_reason(e, e->nowolf_why, sizeof(e->nowolf_why));
		goto strings;
	}
	fl = wolfSSL_X509_get_extension_flags(e->x);
	c->ku_present = (fl & W_EXFLAG_KUSAGE) != 0;
	c->eku_present = (fl & W_EXFLAG_XKUSAGE) != 0;
	if (c->ku_present) {
		/* wolfSSL gives OpenSSL's KU_* layout: the first BIT STRING
		 * octet in the low byte, decipherOnly as 0x8000. */
		ku = wolfSSL_X509_get_key_usage(e->x);
		for (u = 0; u < 8; u++)
			if (ku & (0x80u >> u))
				c->key_usage |= (uint16_t)(1u << u);
		if (ku & 0x8000u)
			c->key_usage |= X509_KU_DECIPHER_ONLY;
	}
	if (c->eku_present) {
		eku = wolfSSL_X509_get_extended_key_usage(e->x);
		if (eku & W_XKU_SSL_SERVER)
			c->eku |= X509_EKU_SERVER_AUTH;
		if (eku & W_XKU_SSL_CLIENT)
			c->eku |= X509_EKU_CLIENT_AUTH;
		if (eku & W_XKU_OCSP_SIGN)
			c->eku |= X509_EKU_OCSP_SIGNING;
		if (eku & W_XKU_ANYEKU)
			c->eku |= X509_EKU_ANY;
	}

	decode_sans(e, sb);
	decode_aia(e, sb);
	decode_crl_dp(e, sb);

	c->self_issued = span_eq(e->w.subject, e->w.issuer);
	if (c->self_issued && !verify_self)
		c->self_signed = true;
	else if (c->self_issued && e->pkey != NULL)
		c->self_signed =
		    wolfSSL_X509_verify(e->x, e->pkey) == WOLFSSL_SUCCESS;

	/* Move the strings into their own allocation and point the fields
	 * there. */
strings:
	c->strings_truncated = sb->full;
	if (sb->len > 0) {
		e->strs = malloc(sb->len);
		if (e->strs == NULL)
			goto nomem;
		memcpy(e->strs, sb->buf, sb->len);
		e->strs_len = sb->len;
		for (u = 0; u < sb->nslots; u++)
			*sb->slot[u] = e->strs + sb->off[u];
	}
	free(sb->buf);
	free(sb);
	return e;

malformed : {
	uint8_t fp[32];

	memcpy(fp, c->sha256, sizeof(fp));
	if (e->x != NULL)
		wolfSSL_X509_free(e->x);
	if (e->pkey != NULL)
		wolfSSL_EVP_PKEY_free(e->pkey);
	free(e->der);
	memset(e, 0, sizeof(*e));
	memcpy(c->sha256, fp, sizeof(fp));
	c->der_len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	c->pathlen = -1;
	c->malformed = true;
	c->malformed_why = X509_MALFORMED_DER;
}
	if (sb != NULL)
		free(sb->buf);
	free(sb);
	return e;
nomem:
	if (sb != NULL)
		free(sb->buf);
	free(sb);
	entry_free(e);
	return NULL;
}

/* Does `child` name `issuer` as its issuer?  Byte-equal Names, or equal
 * RFC 4514 strings (the same name in another string type). */
static bool
names_match(const struct x509_entry *child, const struct x509_entry *issuer)
{
	if (span_eq(child->w.issuer, issuer->w.subject))
		return true;
	return !child->cert.names_truncated && !issuer->cert.names_truncated &&
	       child->cert.issuer != NULL && issuer->cert.subject != NULL &&
	       strcmp(child->cert.issuer, issuer->cert.subject) == 0;
}

/* 1: child's signature verifies with issuer's key; 0: it does not (or
 * wolfSSL has no key for the issuer); -1: cannot tell, wolfSSL refused one
 * of the two certificates. */
static int
sig_check(const struct x509_entry *child, const struct x509_entry *issuer)
{
	if (child->nowolf || issuer->nowolf)
		return -1;
	if (issuer->pkey == NULL || child->x == NULL)
		return 0;
	return wolfSSL_X509_verify(child->x, issuer->pkey) == WOLFSSL_SUCCESS;
}

static bool
sig_by(const struct x509_entry *child, const struct x509_entry *issuer)
{
	return sig_check(child, issuer) == 1;
}

/* Rank of an issuer candidate: a verified signature first, then one that
 * cannot be checked, then the one valid at t. */
static int
issuer_score(int sig, const struct x509_cert *issuer, int64_t t)
{
	return (sig == 1  ? 4
		: sig < 0 ? 2
			  : 0) +
	       (issuer->not_before <= t && t <= issuer->not_after);
}

/*
 * The cache.
 */

struct chain_entry {
	uint8_t key[32];
	struct x509_result core; /* the time-independent result: no date
				    or revocation problems yet */
	uint8_t npath;		 /* sent certificates on the path + anchor */
	struct path_dates {
		int8_t index;
		int64_t not_before, not_after;
		bool revoked; /* listed in a CRL of its issuer */
		bool crl_verified;
		int64_t revoked_at;
		int reason;
	} p[TLS_CERTS_MAX + 1];
	struct chain_entry *hnext, *prev, *next;
};

struct x509_cache {
	size_t max_certs, max_chains;
	struct membudget *mb;
	struct x509_entry **ctab; /* hash by fingerprint */
	size_t cmask;
	struct x509_entry *chead, *ctail;
	struct chain_entry **vtab;
	size_t vmask;
	struct chain_entry *vhead, *vtail;
	struct x509_cache_stats st;
};

static size_t
pow2_at_least(size_t n)
{
	size_t p = 16;

	while (p < n * 2 && p < ((size_t)1 << 30))
		p <<= 1;
	return p;
}

static uint64_t
key64(const uint8_t *k)
{
	uint64_t v;

	memcpy(&v, k, sizeof(v));
	return v;
}

/* A fast, non-cryptographic hash of the DER (at most X509_DER_MAX bytes),
 * eight bytes a step.  It only picks the bucket and rules out most
 * candidates: a hit is confirmed by comparing the whole DER (or, when the
 * entry kept none, the SHA-256), so a collision costs a compare, never a
 * wrong certificate.  SHA-256 of every certificate of every connection
 * was most of the time of a capture of one server's handshakes. */
uint64_t
x509_der_hash64(const uint8_t *p, size_t len)
{
	const uint64_t m = 0x9E3779B97F4A7C15u;
	uint64_t h = 0xCBF29CE484222325u ^ len, v;
	size_t i = 0;

	if (len > X509_DER_MAX)
		len = X509_DER_MAX;
	for (; i + 8 <= len; i += 8) {
		memcpy(&v, p + i, sizeof(v));
		h = (h ^ v) * m;
		h ^= h >> 29;
	}
	v = 0;
	if (i < len)
		memcpy(&v, p + i, len - i);
	h = (h ^ v) * m;
	h ^= h >> 32;
	return h;
}

struct x509_cache *
x509_cache_new(size_t max_certs, size_t max_chains, struct membudget *mb)
{
	struct x509_cache *c;

	wolfSSL_Init();
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->max_certs = max_certs ? max_certs : X509_CACHE_CERTS_DEFAULT;
	c->max_chains = max_chains ? max_chains : X509_CACHE_CHAINS_DEFAULT;
	c->mb = mb;
	c->cmask = pow2_at_least(c->max_certs) - 1;
	c->vmask = pow2_at_least(c->max_chains) - 1;
	c->ctab = calloc(c->cmask + 1, sizeof(*c->ctab));
	c->vtab = calloc(c->vmask + 1, sizeof(*c->vtab));
	if (c->ctab == NULL || c->vtab == NULL) {
		free(c->ctab);
		free(c->vtab);
		free(c);
		return NULL;
	}
	return c;
}

static void
cert_unlink(struct x509_cache *c, struct x509_entry *e)
{
	struct x509_entry **pp = &c->ctab[e->h64 & c->cmask];

	while (*pp != NULL && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp == e)
		*pp = e->hnext;
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		c->chead = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		c->ctail = e->prev;
	e->prev = e->next = e->hnext = NULL;
	e->in_cache = false;
	e->cache = NULL;
	/* The memo was charged with the entry: it goes with the charge. */
	free(e->memo);
	e->memo = NULL;
	e->memo_len = 0;
	mem_release(c->mb, e->charge);
	e->charge = 0;
	c->st.certs--;
}

static void
chain_unlink(struct x509_cache *c, struct chain_entry *v)
{
	struct chain_entry **pp = &c->vtab[key64(v->key) & c->vmask];

	while (*pp != NULL && *pp != v)
		pp = &(*pp)->hnext;
	if (*pp == v)
		*pp = v->hnext;
	if (v->prev != NULL)
		v->prev->next = v->next;
	else
		c->vhead = v->next;
	if (v->next != NULL)
		v->next->prev = v->prev;
	else
		c->vtail = v->prev;
	mem_release(c->mb, sizeof(*v));
	c->st.chains--;
	free(v);
}

void
x509_cache_free(struct x509_cache *c)
{
	if (c == NULL)
		return;
	while (c->chead != NULL) {
		struct x509_entry *e = c->chead;

		cert_unlink(c, e);
		if (e->refs == 0)
			entry_free(e);
	}
	while (c->vhead != NULL)
		chain_unlink(c, c->vhead);
	free(c->ctab);
	free(c->vtab);
	free(c);
}

bool
x509_cache_shed(struct x509_cache *c)
{
	struct x509_entry *e;

	if (c == NULL)
		return false;
	/* Certificates first: a decoded one holds its DER twice (ours and
	 * wolfSSL's), a validation result a few hundred bytes. */
	if ((e = c->ctail) != NULL) {
		cert_unlink(c, e);
		c->st.cert_shed++;
		if (e->refs == 0)
			entry_free(e);
		return true;
	}
	if (c->vtail != NULL) {
		chain_unlink(c, c->vtail);
		c->st.chain_shed++;
		return true;
	}
	return false;
}

void
x509_cache_get_stats(const struct x509_cache *c, struct x509_cache_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (c != NULL)
		*st = c->st;
}

static void
cert_to_front(struct x509_cache *c, struct x509_entry *e)
{
	if (c->chead == e)
		return;
	e->prev->next = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		c->ctail = e->prev;
	e->prev = NULL;
	e->next = c->chead;
	c->chead->prev = e;
	c->chead = e;
}

/* Is e the certificate der (len bytes, fast hash h)?  The DER the entry
 * owns decides; an entry without one (too large, or malformed) is matched
 * by its SHA-256 and length as before, *fp computed on first need. */
static bool
entry_is(const struct x509_entry *e, const uint8_t *der, size_t len, uint64_t h,
	 uint8_t fp[32], bool *have_fp)
{
	if (e->h64 != h ||
	    e->cert.der_len != (len > UINT32_MAX ? UINT32_MAX : len))
		return false;
	if (e->der != NULL && len <= X509_DER_MAX)
		return memcmp(e->der, der, len) == 0;
	if (!*have_fp) {
		wc_Sha256Hash(
		    der, (word32)(len > X509_DER_MAX ? X509_DER_MAX : len), fp);
		*have_fp = true;
	}
	return memcmp(e->cert.sha256, fp, 32) == 0;
}

const struct x509_cert *
x509_cert_get(struct x509_cache *c, const uint8_t *der, size_t len)
{
	uint8_t fp[32];
	bool have_fp = false;
	struct x509_entry *e;
	size_t charge;
	uint64_t h;

	if (c == NULL) {
		e = entry_decode(der, len, true);
		if (e != NULL)
			e->refs = 1;
		return e != NULL ? &e->cert : NULL;
	}
	h = x509_der_hash64(der, len);
	for (e = c->ctab[h & c->cmask]; e != NULL; e = e->hnext)
		if (entry_is(e, der, len, h, fp, &have_fp)) {
			c->st.cert_hits++;
			e->refs++;
			cert_to_front(c, e);
			return &e->cert;
		}
	c->st.cert_misses++;
	e = entry_decode(der, len, true);
	if (e == NULL)
		return NULL;
	e->refs = 1;
	e->h64 = h;
	charge = sizeof(*e) + (e->der != NULL ? len : 0) +
		 (e->x != NULL ? len + X509_WOLF_OVERHEAD : 0);
	charge += e->strs_len;
	/* Make room: evict the least recently used entries nobody holds. */
	while (c->st.certs >= c->max_certs && c->ctail != NULL) {
		struct x509_entry *old = c->ctail;

		cert_unlink(c, old);
		c->st.cert_evictions++;
		if (old->refs == 0)
			entry_free(old);
	}
	if (!mem_reserve(c->mb, charge)) {
		c->st.mem_refused++;
		return &e->cert; /* used once, freed by x509_cert_put() */
	}
	e->charge = charge;
	e->in_cache = true;
	e->cache = c;
	e->hnext = c->ctab[h & c->cmask];
	c->ctab[h & c->cmask] = e;
	e->next = c->chead;
	if (c->chead != NULL)
		c->chead->prev = e;
	c->chead = e;
	if (c->ctail == NULL)
		c->ctail = e;
	c->st.certs++;
	return &e->cert;
}

void
x509_cert_put(struct x509_cache *c, const struct x509_cert *cert)
{
	struct x509_entry *e;

	(void)c;
	if (cert == NULL)
		return;
	e = entry_of(cert);
	if (e->refs > 0)
		e->refs--;
	if (e->refs == 0 && !e->in_cache)
		entry_free(e);
}

const char *
x509_cert_memo(const struct x509_cert *cert, size_t *len)
{
	const struct x509_entry *e;

	*len = 0;
	if (cert == NULL)
		return NULL;
	e = entry_of(cert);
	*len = e->memo_len;
	return e->memo;
}

bool
x509_cert_memo_settable(const struct x509_cert *cert)
{
	const struct x509_entry *e;

	if (cert == NULL)
		return false;
	e = entry_of(cert);
	return e->in_cache && e->cache != NULL && e->memo == NULL;
}

bool
x509_cert_set_memo(const struct x509_cert *cert, const char *buf, size_t len)
{
	struct x509_entry *e;

	if (cert == NULL)
		return false;
	e = entry_of(cert);
	if (!e->in_cache || e->cache == NULL || e->memo != NULL || len == 0 ||
	    len > X509_MEMO_MAX)
		return false;
	if (!mem_reserve(e->cache->mb, len))
		return false;
	e->memo = malloc(len);
	if (e->memo == NULL) {
		mem_release(e->cache->mb, len);
		return false;
	}
	memcpy(e->memo, buf, len);
	e->memo_len = len;
	e->charge += len;
	return true;
}

bool
x509_issuer_known_elsewhere(const struct x509_cache *c, const char *name)
{
	const struct x509_entry *e;

	if (c == NULL || name == NULL)
		return false;
	for (e = c->chead; e != NULL; e = e->next)
		if (e->cert.subject != NULL &&
		    strcmp(e->cert.subject, name) == 0)
			return true;
	return false;
}

/*
 * The trust store.
 */

struct crl_entry {
	struct span serial; /* trimmed INTEGER content */
	int64_t date;
	int reason; /* -1: none */
};

struct crl {
	uint8_t *der;
	struct span tbs, sig_oid, sig, issuer;
	char issuer_str[X509_NAME_MAX];
	int64_t this_update, next_update;
	struct crl_entry *ent;
	size_t nent;
	char file[256];
};

#define STORE_BUCKETS 1024

struct x509_store {
	struct x509_entry **anchors;
	size_t n, cap;
	struct x509_entry *tab[STORE_BUCKETS]; /* by subject string */
	struct crl *crls;
	size_t ncrl;
	uint64_t generation;
};

static _Atomic uint64_t store_generations;

static void
bump(struct x509_store *s)
{
	s->generation = atomic_fetch_add(&store_generations, 1) + 1;
}

static unsigned
str_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (s != NULL && *s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h % STORE_BUCKETS;
}

struct x509_store *
x509_store_new(void)
{
	struct x509_store *s;

	wolfSSL_Init();
	s = calloc(1, sizeof(*s));
	if (s != NULL)
		bump(s);
	return s;
}

void
x509_store_free(struct x509_store *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		entry_free(s->anchors[i]);
	free(s->anchors);
	for (i = 0; i < s->ncrl; i++) {
		free(s->crls[i].der);
		free(s->crls[i].ent);
	}
	free(s->crls);
	free(s);
}

size_t
x509_store_count(const struct x509_store *s)
{
	return s->n;
}

size_t
x509_store_crl_count(const struct x509_store *s)
{
	return s->ncrl;
}

uint64_t
x509_store_generation(const struct x509_store *s)
{
	return s->generation;
}

static void
errf(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

/* 1 added, 0 duplicate, -1 not a certificate, -2 out of memory. */
static int
store_add(struct x509_store *s, const uint8_t *der, size_t len)
{
	struct x509_entry *e, *o;
	unsigned h;

	e = entry_decode(der, len, false);
	if (e == NULL)
		return -2;
	/* An anchor wolfSSL refused could verify nothing. */
	if (e->cert.malformed || e->nowolf) {
		entry_free(e);
		return -1;
	}
	h = str_hash(e->cert.subject);
	for (o = s->tab[h]; o != NULL; o = o->hnext)
		if (memcmp(o->cert.sha256, e->cert.sha256, 32) == 0) {
			entry_free(e);
			return 0;
		}
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		struct x509_entry **na = realloc(s->anchors, nc * sizeof(*na));

		if (na == NULL) {
			entry_free(e);
			return -2;
		}
		s->anchors = na;
		s->cap = nc;
	}
	s->anchors[s->n++] = e;
	e->hnext = s->tab[h];
	s->tab[h] = e;
	bump(s);
	return 1;
}

int
x509_store_add_der(struct x509_store *s, const uint8_t *der, size_t len,
		   char *errbuf, size_t errlen)
{
	int r = store_add(s, der, len);

	if (r == -1) {
		errf(errbuf, errlen, "not a valid DER certificate");
		return -1;
	}
	if (r == -2) {
		errf(errbuf, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int
read_file(const char *path, uint8_t **out, size_t *len, char *errbuf,
	  size_t errlen)
{
	FILE *f;
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0, r;

	*out = NULL;
	*len = 0;
	f = fopen(path, "rb");
	if (f == NULL) {
		errf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 65536;
			uint8_t *nb;

			if (nc > X509_FILE_BYTES_MAX + 1)
				nc = X509_FILE_BYTES_MAX + 1;
			if (nc == cap) {
				errf(errbuf, errlen, "%s: larger than %u bytes",
				     path, X509_FILE_BYTES_MAX);
				goto fail;
			}
			nb = realloc(buf, nc);
			if (nb == NULL) {
				errf(errbuf, errlen, "%s: out of memory", path);
				goto fail;
			}
			buf = nb;
			cap = nc;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		errf(errbuf, errlen, "%s: read error", path);
		goto fail;
	}
	fclose(f);
	*out = buf;
	*len = n;
	return 0;
fail:
	fclose(f);
	free(buf);
	return -1;
}

/* The next PEM block labelled `label` in [*pos, end): its base64 decoded
 * into a fresh buffer.  0 found, 1 none left, -1 broken block. */
static int
pem_next(const uint8_t *buf, size_t len, size_t *pos, const char *label,
	 uint8_t **der, size_t *der_len)
{
	char begin[64], end[64];
	const uint8_t *b, *e;
	size_t bl, el;
	word32 outl;

	snprintf(begin, sizeof(begin), "-----BEGIN %s-----", label);
	snprintf(end, sizeof(end), "-----END %s-----", label);
	bl = strlen(begin);
	el = strlen(end);
	b = NULL;
	for (; *pos + bl <= len; (*pos)++)
		if (memcmp(buf + *pos, begin, bl) == 0) {
			b = buf + *pos + bl;
			break;
		}
	if (b == NULL)
		return 1;
	for (e = b; (size_t)(e - buf) + el <= len; e++)
		if (memcmp(e, end, el) == 0)
			break;
	if ((size_t)(e - buf) + el > len)
		return -1;
	*pos = (size_t)(e - buf) + el;
	outl = (word32)(e - b);
	*der = malloc(outl > 0 ? outl : 1);
	if (*der == NULL)
		return -1;
	if (Base64_Decode(b, (word32)(e - b), *der, &outl) != 0) {
		free(*der);
		*der = NULL;
		return -1;
	}
	*der_len = outl;
	return 0;
}

static bool
is_pem(const uint8_t *buf, size_t len)
{
	static const char m[] = "-----BEGIN ";
	size_t i;

	for (i = 0; i + sizeof(m) - 1 <= len; i++)
		if (memcmp(buf + i, m, sizeof(m) - 1) == 0)
			return true;
	return false;
}

int
x509_store_add_file(struct x509_store *s, const char *path, char *errbuf,
		    size_t errlen)
{
	uint8_t *buf, *der;
	size_t len, pos = 0, dlen, added = 0, bad = 0;
	int r, rc = -1;

	if (read_file(path, &buf, &len, errbuf, errlen) != 0)
		return -1;
	if (is_pem(buf, len)) {
		while ((r = pem_next(buf, len, &pos, "CERTIFICATE", &der,
				     &dlen)) == 0) {
			int a = store_add(s, der, dlen);

			free(der);
			if (a == -2) {
				errf(errbuf, errlen, "%s: out of memory", path);
				goto out;
			}
			if (a < 0)
				bad++;
			else
				added++;
		}
		if (r < 0) {
			errf(errbuf, errlen,
			     "%s: broken PEM block after %zu certificates",
			     path, added);
			goto out;
		}
	} else {
		int a = store_add(s, buf, len);

		if (a == -2) {
			errf(errbuf, errlen, "%s: out of memory", path);
			goto out;
		}
		if (a < 0)
			bad++;
		else
			added++;
	}
	/* A bundle with one certificate wolfSSL refuses is still a bundle;
	 * a file with none is a mistake the user must hear about. */
	if (added == 0) {
		errf(errbuf, errlen, "%s: no certificate found%s", path,
		     bad ? " (undecodable ones only)" : "");
		goto out;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

static bool
dir_candidate(const char *name)
{
	size_t n = strlen(name), i;

	if (name[0] == '.')
		return false;
	if (n > 4 && (strcmp(name + n - 4, ".pem") == 0 ||
		      strcmp(name + n - 4, ".crt") == 0 ||
		      strcmp(name + n - 4, ".cer") == 0 ||
		      strcmp(name + n - 4, ".der") == 0))
		return true;
	/* OpenSSL's c_rehash names: 8 hex digits, '.', a number. */
	if (n < 10 || name[8] != '.')
		return false;
	for (i = 0; i < 8; i++)
		if (!((name[i] >= '0' && name[i] <= '9') ||
		      (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	for (i = 9; i < n; i++)
		if (name[i] < '0' || name[i] > '9')
			return false;
	return true;
}

int
x509_store_add_dir(struct x509_store *s, const char *path, char *errbuf,
		   size_t errlen)
{
	struct dirent **list = NULL;
	int n, i, rc = -1;
	size_t before = s->n, loaded = 0;
	char full[4096], e2[256];

	n = scandir(path, &list, NULL, alphasort);
	if (n < 0) {
		errf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct stat sta;

		if (!dir_candidate(list[i]->d_name))
			continue;
		if (snprintf(full, sizeof(full), "%s/%s", path,
			     list[i]->d_name) >= (int)sizeof(full))
			continue;
		if (stat(full, &sta) != 0 || !S_ISREG(sta.st_mode))
			continue;
		/* Files without a certificate (keys, CRLs) are skipped:
		 * a CA directory often holds them. */
		if (x509_store_add_file(s, full, e2, sizeof(e2)) == 0)
			loaded++;
	}
	if (loaded == 0 && s->n == before)
		errf(errbuf, errlen,
		     "%s: no certificate found in the directory", path);
	else
		rc = 0;
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return rc;
}

int
x509_store_load_default(struct x509_store *s, char *errbuf, size_t errlen)
{
	return x509_store_add_file(s, X509_SYSTEM_BUNDLE, errbuf, errlen);
}

/* CRL reasonCode extension value: OCTET STRING { ENUMERATED }. */
static int
reason_of(struct cur *exts)
{
	struct cur seq, ext, oid, val, en;

	if (!der_expect(exts, 0x30, &seq, NULL))
		return -1;
	while (seq.left > 0) {
		if (!der_expect(&seq, 0x30, &ext, NULL) ||
		    !der_expect(&ext, 0x06, &oid, NULL))
			return -1;
		if (der_peek(&ext, 0x01) && !der_expect(&ext, 0x01, &val, NULL))
			return -1;
		if (!der_expect(&ext, 0x04, &val, NULL))
			return -1;
		if (SPAN_IS(cur_span(&oid), oid_crl_reason)) {
			if (!der_expect(&val, 0x0a, &en, NULL) || en.left != 1)
				return -1;
			return en.p[0];
		}
	}
	return -1;
}

static int
ent_cmp(const void *a, const void *b)
{
	const struct crl_entry *x = a, *y = b;

	if (x->serial.n != y->serial.n)
		return x->serial.n < y->serial.n ? -1 : 1;
	return memcmp(x->serial.p, y->serial.p, x->serial.n);
}

/* CertificateList (RFC 5280 5.1). */
static bool
crl_parse(struct crl *r, size_t len)
{
	struct cur c, cl, tbs, v, alg, oid, revs, ent;
	size_t cap = 0;

	c = cur_make(r->der, len);
	if (!der_expect(&c, 0x30, &cl, NULL) ||
	    !der_expect(&cl, 0x30, &tbs, &r->tbs))
		return false;
	if (der_peek(&tbs, 0x02) && !der_expect(&tbs, 0x02, &v, NULL))
		return false;
	if (!der_expect(&tbs, 0x30, &alg, NULL) ||
	    !der_expect(&tbs, 0x30, &v, &r->issuer) ||
	    !der_time(&tbs, &r->this_update))
		return false;
	if ((der_peek(&tbs, 0x17) || der_peek(&tbs, 0x18)) &&
	    !der_time(&tbs, &r->next_update))
		return false;
	if (der_peek(&tbs, 0x30)) {
		if (!der_expect(&tbs, 0x30, &revs, NULL))
			return false;
		while (revs.left > 0) {
			struct crl_entry ce;

			if (!der_expect(&revs, 0x30, &ent, NULL) ||
			    !der_expect(&ent, 0x02, &v, NULL) ||
			    !der_time(&ent, &ce.date))
				return false;
			ce.serial = int_trim(cur_span(&v));
			ce.reason = ent.left > 0 ? reason_of(&ent) : -1;
			if (r->nent == cap) {
				size_t nc = cap ? cap * 2 : 16;
				struct crl_entry *ne =
				    realloc(r->ent, nc * sizeof(*ne));

				if (ne == NULL)
					return false;
				r->ent = ne;
				cap = nc;
			}
			r->ent[r->nent++] = ce;
		}
	}
	if (!der_expect(&cl, 0x30, &alg, NULL) ||
	    !der_expect(&alg, 0x06, &oid, NULL))
		return false;
	r->sig_oid = cur_span(&oid);
	if (!der_expect(&cl, 0x03, &v, NULL) || v.left < 1)
		return false;
	cur_skip(&v, 1);
	r->sig = cur_span(&v);
	if (r->nent > 1)
		qsort(r->ent, r->nent, sizeof(*r->ent), ent_cmp);
	return true;
}

int
x509_store_add_crl(struct x509_store *s, const char *path, char *errbuf,
		   size_t errlen)
{
	uint8_t *buf, *der = NULL;
	size_t len, dlen, pos = 0;
	struct crl r, *nc;
	bool trunc;

	if (read_file(path, &buf, &len, errbuf, errlen) != 0)
		return -1;
	if (is_pem(buf, len)) {
		if (pem_next(buf, len, &pos, "X509 CRL", &der, &dlen) != 0) {
			errf(errbuf, errlen, "%s: no PEM X509 CRL block", path);
			free(buf);
			return -1;
		}
		free(buf);
	} else {
		der = buf;
		dlen = len;
	}
	memset(&r, 0, sizeof(r));
	r.der = der;
	if (!crl_parse(&r, dlen)) {
		errf(errbuf, errlen, "%s: not a valid CRL", path);
		free(r.ent);
		free(der);
		return -1;
	}
	if (!name_string(r.issuer, r.issuer_str, sizeof(r.issuer_str), &trunc,
			 NULL, 0))
		r.issuer_str[0] = '\0';
	snprintf(r.file, sizeof(r.file), "%s", path);
	nc = realloc(s->crls, (s->ncrl + 1) * sizeof(*nc));
	if (nc == NULL) {
		errf(errbuf, errlen, "%s: out of memory", path);
		free(r.ent);
		free(der);
		return -1;
	}
	s->crls = nc;
	s->crls[s->ncrl++] = r;
	bump(s);
	return 0;
}

/*
 * Signatures over arbitrary data (CRLs, OCSP responses).
 */

static const WOLFSSL_EVP_MD *
md_of(uint8_t md)
{
	switch (md) {
	case MD_SHA1:
		return wolfSSL_EVP_sha1();
	case MD_SHA224:
		return wolfSSL_EVP_sha224();
	case MD_SHA256:
		return wolfSSL_EVP_sha256();
	case MD_SHA384:
		return wolfSSL_EVP_sha384();
	case MD_SHA512:
		return wolfSSL_EVP_sha512();
	default:
		return NULL;
	}
}

/* 1 verified, 0 does not verify, -1 cannot tell (algorithm not handled). */
static int
verify_data(WOLFSSL_EVP_PKEY *pk, struct span sig_oid, struct span tbs,
	    struct span sig)
{
	const struct sig_alg *sa = sig_alg_find(sig_oid);
	const WOLFSSL_EVP_MD *md;
	WOLFSSL_EVP_MD_CTX *ctx;
	int ok;

	if (pk == NULL || sa == NULL || (md = md_of(sa->md)) == NULL)
		return -1;
	ctx = wolfSSL_EVP_MD_CTX_new();
	if (ctx == NULL)
		return -1;
	ok = wolfSSL_EVP_DigestVerifyInit(ctx, NULL, md, NULL, pk) == 1 &&
	     wolfSSL_EVP_DigestVerifyUpdate(ctx, tbs.p, tbs.n) == 1 &&
	     wolfSSL_EVP_DigestVerifyFinal(ctx, sig.p, sig.n) == 1;
	wolfSSL_EVP_MD_CTX_free(ctx);
	return ok ? 1 : 0;
}

/*
 * OCSP (RFC 6960 4.2.1).
 */

const char *
x509_ocsp_status_name(enum x509_ocsp_status s)
{
	static const char *const n[] = {"none", "malformed", "error",
					"good", "revoked",   "unknown"};

	return (unsigned)s < X509_OCSP_NSTATUS ? n[s] : "?";
}

struct single {
	struct span hash_oid, name_hash, key_hash, serial;
	uint8_t status;
	int64_t rev_time;
	int reason;
	int64_t this_update, next_update;
};

static bool
ocsp_single(struct cur *c, struct single *s)
{
	struct cur sr, cid, alg, oid, v, st;
	uint8_t t;

	memset(s, 0, sizeof(*s));
	s->reason = -1;
	if (!der_expect(c, 0x30, &sr, NULL) ||
	    !der_expect(&sr, 0x30, &cid, NULL) ||
	    !der_expect(&cid, 0x30, &alg, NULL) ||
	    !der_expect(&alg, 0x06, &oid, NULL))
		return false;
	s->hash_oid = cur_span(&oid);
	if (!der_expect(&cid, 0x04, &v, NULL))
		return false;
	s->name_hash = cur_span(&v);
	if (!der_expect(&cid, 0x04, &v, NULL))
		return false;
	s->key_hash = cur_span(&v);
	if (!der_expect(&cid, 0x02, &v, NULL))
		return false;
	s->serial = int_trim(cur_span(&v));
	if (!der_next(&sr, &t, &st, NULL))
		return false;
	switch (t) {
	case 0x80:
		s->status = X509_OCSP_GOOD;
		break;
	case 0xa1:
		s->status = X509_OCSP_REVOKED;
		if (!der_time(&st, &s->rev_time))
			return false;
		if (der_peek(&st, 0xa0)) {
			struct cur rs, en;

			if (!der_expect(&st, 0xa0, &rs, NULL) ||
			    !der_expect(&rs, 0x0a, &en, NULL) || en.left != 1)
				return false;
			s->reason = en.p[0];
		}
		break;
	case 0x82:
		s->status = X509_OCSP_UNKNOWN;
		break;
	default:
		return false;
	}
	if (!der_time(&sr, &s->this_update))
		return false;
	if (der_peek(&sr, 0xa0)) {
		if (!der_expect(&sr, 0xa0, &v, NULL) ||
		    !der_time(&v, &s->next_update))
			return false;
	}
	return true;
}

static bool
hash_matches(struct span hash_oid, struct span want, struct span data)
{
	uint8_t h[32];

	if (SPAN_IS(hash_oid, oid_sha1)) {
		if (want.n != 20 || wc_ShaHash(data.p, (word32)data.n, h) != 0)
			return false;
		return memcmp(h, want.p, 20) == 0;
	}
	if (SPAN_IS(hash_oid, oid_sha256)) {
		if (want.n != 32 ||
		    wc_Sha256Hash(data.p, (word32)data.n, h) != 0)
			return false;
		return memcmp(h, want.p, 32) == 0;
	}
	return false;
}

/* The parts of an OCSP response judgement that do not depend on the time;
 * ocsp_time() adds those that do. */
static void
ocsp_core(const uint8_t *der, size_t len, const struct x509_entry *leaf,
	  const struct x509_entry *issuer, struct x509_ocsp *out)
{
	struct cur c = cur_make(der, len), resp, rb, rbs, oid, octs, basic, tbs,
		   v, resps, alg, sig, certs;
	struct span tbs_whole, sig_oid;
	struct single s, chosen;
	uint8_t t;
	bool have = false;

	memset(&chosen, 0, sizeof(chosen));
	memset(out, 0, sizeof(*out));
	out->revocation_reason = -1;
	out->status = X509_OCSP_MALFORMED;
	/* OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED,
	 * responseBytes [0] EXPLICIT ResponseBytes OPTIONAL } */
	if (!der_expect(&c, 0x30, &resp, NULL) ||
	    !der_expect(&resp, 0x0a, &v, NULL) || v.left != 1)
		return;
	out->resp_status = v.p[0];
	if (v.p[0] != 0) {
		out->status = X509_OCSP_ERROR;
		return;
	}
	if (!der_expect(&resp, 0xa0, &rb, NULL) ||
	    !der_expect(&rb, 0x30, &rbs, NULL) ||
	    !der_expect(&rbs, 0x06, &oid, NULL) ||
	    !SPAN_IS(cur_span(&oid), oid_ocsp_basic) ||
	    !der_expect(&rbs, 0x04, &octs, NULL))
		return;
	/* BasicOCSPResponse ::= SEQUENCE { tbsResponseData, signatureAlgorithm,
	 * signature BIT STRING, certs [0] EXPLICIT SEQUENCE OF Certificate
	 * OPTIONAL } */
	if (!der_expect(&octs, 0x30, &basic, NULL) ||
	    !der_expect(&basic, 0x30, &tbs, &tbs_whole))
		return;
	if (der_peek(&tbs, 0xa0) && !der_expect(&tbs, 0xa0, &v, NULL))
		return;
	if (!der_next(&tbs, &t, &v, NULL) || (t != 0xa1 && t != 0xa2))
		return;
	if (!der_time(&tbs, &out->produced_at) ||
	    !der_expect(&tbs, 0x30, &resps, NULL))
		return;
	while (resps.left > 0) {
		bool serial_ok, issuer_ok = false;

		if (!ocsp_single(&resps, &s))
			return;
		out->nresponses++;
		serial_ok =
		    leaf != NULL && span_eq(s.serial, int_trim(leaf->w.serial));
		if (issuer != NULL)
			issuer_ok = hash_matches(s.hash_oid, s.name_hash,
						 leaf ? leaf->w.issuer
						      : issuer->w.subject) &&
				    hash_matches(s.hash_oid, s.key_hash,
						 issuer->w.key_bits);
		if (!have || (serial_ok && (issuer == NULL || issuer_ok) &&
			      !out->for_leaf)) {
			chosen = s;
			have = true;
			out->for_leaf =
			    serial_ok && (issuer == NULL || issuer_ok);
			out->issuer_checked = issuer != NULL;
		}
	}
	if (!have)
		return;
	if (!der_expect(&basic, 0x30, &alg, NULL) ||
	    !der_expect(&alg, 0x06, &oid, NULL))
		return;
	sig_oid = cur_span(&oid);
	if (!der_expect(&basic, 0x03, &sig, NULL) || sig.left < 1)
		return;
	cur_skip(&sig, 1);
	out->status = chosen.status;
	out->this_update = chosen.this_update;
	out->next_update = chosen.next_update;
	out->revocation_time = chosen.rev_time;
	out->revocation_reason = chosen.reason;

	/* The signer: the issuer itself, or a responder certificate carried
	 * in the response, signed by the issuer, with id-kp-OCSPSigning. */
	if (issuer == NULL)
		return;
	{
		int r = verify_data(issuer->pkey, sig_oid, tbs_whole,
				    cur_span(&sig));

		if (r >= 0) {
			out->sig_checked = true;
			out->sig_ok = r == 1;
		}
	}
	if (out->sig_ok || !der_peek(&basic, 0xa0))
		return;
	if (!der_expect(&basic, 0xa0, &certs, NULL) ||
	    !der_expect(&certs, 0x30, &v, NULL))
		return;
	while (v.left > 0) {
		struct span whole;
		struct cur one;
		struct x509_entry *r;

		if (!der_next(&v, &t, &one, &whole))
			return;
		r = entry_decode(whole.p, whole.n, true);
		if (r == NULL)
			return;
		if (!r->cert.malformed &&
		    (r->cert.eku & X509_EKU_OCSP_SIGNING) &&
		    names_match(r, issuer) && sig_by(r, issuer)) {
			int ok = verify_data(r->pkey, sig_oid, tbs_whole,
					     cur_span(&sig));

			if (ok >= 0) {
				out->sig_checked = true;
				out->sig_ok = ok == 1;
			}
		}
		entry_free(r);
		if (out->sig_ok)
			return;
	}
}

static void
ocsp_time(struct x509_ocsp *o, int64_t t)
{
	if (o->status < X509_OCSP_GOOD)
		return;
	o->time_valid =
	    o->this_update <= t && (o->next_update == 0 || t <= o->next_update);
}

void
x509_ocsp_check(const uint8_t *der, size_t len, const struct x509_cert *leaf,
		const struct x509_cert *issuer, int64_t capture_time,
		struct x509_ocsp *out)
{
	const struct x509_entry *l = leaf ? entry_of(leaf) : NULL;
	const struct x509_entry *i = issuer ? entry_of(issuer) : NULL;

	if (l != NULL && l->cert.malformed)
		l = NULL;
	if (i != NULL && i->cert.malformed)
		i = NULL;
	if (der == NULL || len == 0) {
		memset(out, 0, sizeof(*out));
		out->revocation_reason = -1;
		out->status = X509_OCSP_NONE;
		return;
	}
	ocsp_core(der, len, l, i, out);
	ocsp_time(out, capture_time);
}

/*
 * Names of codes.
 */

static const char *const code_names[] = {
#define X509_CODE_NAME_(id, name, what) name,
    X509_CODES(X509_CODE_NAME_)
#undef X509_CODE_NAME_
};

static const char *const code_meanings[] = {
#define X509_CODE_WHAT_(id, name, what) what,
    X509_CODES(X509_CODE_WHAT_)
#undef X509_CODE_WHAT_
};

const char *
x509_code_name(enum x509_code c)
{
	return (unsigned)c < X509_NCODES ? code_names[c] : "?";
}

const char *
x509_code_meaning(enum x509_code c)
{
	return (unsigned)c < X509_NCODES ? code_meanings[c] : "?";
}

bool
x509_code_is_warning(enum x509_code c)
{
	return c == X509_RES_WEAK_KEY || c == X509_RES_WEAK_SIGNATURE;
}

const char *
x509_key_name(enum x509_key k)
{
	static const char *const n[] = {"unknown", "rsa",   "ec",
					"ed25519", "ed448", "dsa"};

	return (unsigned)k < X509_KEY_NKINDS ? n[k] : "unknown";
}

static const char *const reason_names[] = {
    "unspecified",	  "keyCompromise", "cACompromise",
    "affiliationChanged", "superseded",	   "cessationOfOperation",
    "certificateHold",	  "(7)",	   "removeFromCRL",
    "privilegeWithdrawn", "aACompromise"};

static const char *
reason_name(int r)
{
	if (r < 0)
		return "no reason given";
	if ((size_t)r < sizeof(reason_names) / sizeof(reason_names[0]))
		return reason_names[r];
	return "unknown reason";
}

/*
 * Validation.
 */

static void
problem(struct x509_result *res, enum x509_code code, int index,
	int64_t seconds, const char *fmt, ...)
{
	struct x509_problem *p;
	va_list ap;

	res->codes |= 1u << code;
	if (res->nproblems == X509_PROBLEMS_MAX) {
		res->problems_truncated = true;
		return;
	}
	p = &res->problem[res->nproblems++];
	p->code = (uint8_t)code;
	p->index = (int8_t)index;
	p->seconds = seconds;
	va_start(ap, fmt);
	vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
	va_end(ap);
}

static const struct x509_entry *
store_find_same(const struct x509_store *s, const struct x509_entry *e)
{
	const struct x509_entry *o;

	for (o = s->tab[str_hash(e->cert.subject)]; o != NULL; o = o->hnext)
		if (memcmp(o->cert.sha256, e->cert.sha256, 32) == 0 ||
		    (span_eq(o->w.subject, e->w.subject) &&
		     span_eq(o->w.key_bits, e->w.key_bits)))
			return o;
	return NULL;
}

/* The best issuer of `child` among the store's anchors: one whose
 * signature verifies, valid at t if there is a choice. */
static const struct x509_entry *
store_find_issuer(const struct x509_store *s, const struct x509_entry *child,
		  int64_t t, int *verified)
{
	const struct x509_entry *o, *best = NULL;
	int best_score = -1, score;

	*verified = 0;
	for (o = s->tab[str_hash(child->cert.issuer)]; o != NULL;
	     o = o->hnext) {
		int v;

		if (!names_match(child, o))
			continue;
		v = sig_check(child, o);
		score = issuer_score(v, &o->cert, t);
		if (score > best_score) {
			best = o;
			best_score = score;
			*verified = v;
		}
	}
	return best;
}

struct vctx {
	const struct x509_store *s;
	struct x509_cache *cache;
	const struct x509_entry *const *e; /* sent, decoded */
	unsigned n;
	int64_t t;
	enum x509_purpose purpose;
};

/* Look for child's issuer among the sent certificates not on the path. */
static int
sent_find_issuer(const struct vctx *v, const struct x509_entry *child,
		 const bool *used, int *verified)
{
	unsigned i;
	int best = -1, best_score = -1, score;

	*verified = 0;
	for (i = 0; i < v->n; i++) {
		int ok;

		if (used[i] || v->e[i]->cert.malformed ||
		    !names_match(child, v->e[i]))
			continue;
		ok = sig_check(child, v->e[i]);
		score = issuer_score(ok, &v->e[i]->cert, v->t);
		if (score > best_score) {
			best = (int)i;
			best_score = score;
			*verified = ok;
		}
	}
	return best;
}

static void
weak_checks(struct x509_result *res, const struct x509_entry *e, int index,
	    bool check_sig)
{
	const struct x509_cert *c = &e->cert;

	if ((c->key_type == X509_KEY_RSA || c->key_type == X509_KEY_DSA) &&
	    c->key_bits > 0 && c->key_bits < 2048)
		problem(res, X509_RES_WEAK_KEY, index, 0, "%s key of %u bits",
			x509_key_name(c->key_type), c->key_bits);
	if (c->key_type == X509_KEY_EC && c->key_bits > 0 && c->key_bits < 224)
		problem(res, X509_RES_WEAK_KEY, index, 0, "EC key of %u bits",
			c->key_bits);
	if (check_sig && c->sig_weak)
		problem(res, X509_RES_WEAK_SIGNATURE, index, 0,
			"signed with %s", c->sig_alg);
}

static void
crl_lookup(const struct x509_store *s, const struct x509_entry *e,
	   const struct x509_entry *issuer, struct path_dates *pd)
{
	size_t i;
	struct crl_entry key, *hit;

	key.serial = int_trim(e->w.serial);
	for (i = 0; i < s->ncrl; i++) {
		const struct crl *r = &s->crls[i];

		if (!span_eq(r->issuer, e->w.issuer) &&
		    (e->cert.issuer == NULL ||
		     strcmp(r->issuer_str, e->cert.issuer) != 0))
			continue;
		hit = r->nent ? bsearch(&key, r->ent, r->nent, sizeof(*r->ent),
					ent_cmp)
			      : NULL;
		if (hit == NULL)
			continue;
		pd->revoked = true;
		pd->revoked_at = hit->date;
		pd->reason = hit->reason;
		pd->crl_verified =
		    issuer != NULL &&
		    verify_data(issuer->pkey, r->sig_oid, r->tbs, r->sig) == 1;
		if (pd->crl_verified)
			return;
	}
}

/* Everything that does not depend on the exact second: the path, the
 * signatures, usage, weak algorithms, CRL listings, the OCSP response. */
static void
validate_core(const struct vctx *v, const uint8_t *ocsp, size_t ocsp_len,
	      struct chain_entry *ce)
{
	struct x509_result *res = &ce->core;
	bool used[TLS_CERTS_MAX] = {false};
	const struct x509_entry *cur, *anchor = NULL, *issuer_of_leaf = NULL;
	bool anchor_is_sent = false; /* the top of the path is in the store */
	unsigned i, k;

	memset(res, 0, offsetof(struct x509_result, problem));
	res->ocsp.revocation_reason = -1;
	ce->npath = 0;
	if (v->n == 0) {
		problem(res, X509_RES_MALFORMED, X509_INDEX_NONE, 0,
			"no certificate was sent");
		return;
	}
	for (i = 0; i < v->n; i++) {
		if (v->e[i]->cert.malformed)
			problem(res, X509_RES_MALFORMED, (int)i, 0,
				"certificate %u could not be decoded (%s)", i,
				v->e[i]->cert.malformed_why ==
					X509_MALFORMED_TOO_LARGE
				    ? "too large"
				    : "invalid DER");
		/* Decoded by the walk alone: its fields are reported, but
		 * no signature made by it or over it can be checked, so the
		 * chain can never be called valid. */
		else if (v->e[i]->nowolf)
			problem(res, X509_RES_MALFORMED, (int)i, 0,
				"wolfSSL cannot verify: %s",
				v->e[i]->nowolf_why);
	}
	if (v->e[0]->cert.malformed)
		return;

	cur = v->e[0];
	used[0] = true;
	res->path[res->path_len++] = 0;
	for (;;) {
		const struct x509_entry *st;
		int si, sv, tv;

		if ((st = store_find_same(v->s, cur)) != NULL) {
			anchor = st;
			anchor_is_sent = true;
			res->anchored = true;
			/* The anchor is the sent certificate itself: its
			 * dates are checked as a sent one's. */
			break;
		}
		if (cur->cert.self_signed) {
			if (res->path_len == 1)
				problem(res, X509_RES_SELF_SIGNED, 0, 0,
					"the leaf is self-signed and not in "
					"the trust store");
			else
				problem(res, X509_RES_UNTRUSTED_ROOT,
					res->path[res->path_len - 1], 0,
					"the chain ends at %s, not in the "
					"trust store",
					cur->cert.subject);
			break;
		}
		si = sent_find_issuer(v, cur, used, &sv);
		st = store_find_issuer(v->s, cur, v->t, &tv);
		/* A sent issuer is taken unless only the store's verifies;
		 * a signature that cannot be checked (-1) is no
		 * bad_signature: the malformed problem above covers it. */
		if (si >= 0 && (sv == 1 || tv != 1)) {
			if (sv == 0)
				problem(res, X509_RES_BAD_SIGNATURE,
					res->path[res->path_len - 1], 0,
					"signature does not verify with the "
					"key of certificate %d",
					si);
			if (res->path_len == 1)
				issuer_of_leaf = v->e[si];
			used[si] = true;
			res->path[res->path_len++] = (int8_t)si;
			cur = v->e[si];
			continue;
		}
		if (st != NULL) {
			if (tv == 0)
				problem(res, X509_RES_BAD_SIGNATURE,
					res->path[res->path_len - 1], 0,
					"signature does not verify with the "
					"key of the trusted %s",
					st->cert.subject);
			if (res->path_len == 1)
				issuer_of_leaf = st;
			anchor = st;
			res->anchored = true;
			break;
		}
		if (cur->cert.self_issued && cur->nowolf) {
			/* Probably self-signed, but wolfSSL could not say:
			 * the path ends here all the same. */
			if (res->path_len == 1)
				problem(res, X509_RES_SELF_SIGNED, 0, 0,
					"the leaf is self-issued (signature "
					"not checked) and not in the trust "
					"store");
			else
				problem(res, X509_RES_UNTRUSTED_ROOT,
					res->path[res->path_len - 1], 0,
					"the chain ends at self-issued %s "
					"(signature not checked), not in the "
					"trust store",
					cur->cert.subject);
			break;
		}
		if (cur->cert.self_issued) {
			problem(res, X509_RES_BAD_SIGNATURE,
				res->path[res->path_len - 1], 0,
				"self-issued, but its signature does not "
				"verify with its own key");
			break;
		}
		/* No issuer anywhere: the chain is incomplete. */
		snprintf(res->missing_issuer, sizeof(res->missing_issuer), "%s",
			 cur->cert.issuer ? cur->cert.issuer : "");
		if (cur->cert.nca_issuers > 0)
			snprintf(res->aia_ca_issuers,
				 sizeof(res->aia_ca_issuers), "%s",
				 cur->cert.ca_issuers_url[0]);
		res->issuer_known_elsewhere =
		    x509_issuer_known_elsewhere(v->cache, res->missing_issuer);
		problem(res, X509_RES_INCOMPLETE_CHAIN,
			res->path[res->path_len - 1], 0,
			"issuer %s neither sent nor trusted%s%s",
			res->missing_issuer,
			res->aia_ca_issuers[0] ? "; caIssuers " : "",
			res->aia_ca_issuers);
		break;
	}
	if (anchor != NULL)
		snprintf(res->anchor_subject, sizeof(res->anchor_subject), "%s",
			 anchor->cert.subject);

	/* wrong_order: the path used the sent certificates out of order. */
	for (k = 0; k < res->path_len; k++)
		if (res->path[k] != (int8_t)k) {
			char order[64];
			size_t o = 0;
			unsigned j;

			for (j = 0; j < res->path_len && o + 4 < sizeof(order);
			     j++)
				o += (size_t)snprintf(
				    order + o, sizeof(order) - o, "%s%d",
				    j ? "," : "", res->path[j]);
			problem(res, X509_RES_WRONG_ORDER, res->path[k], 0,
				"issuance order is %s", order);
			break;
		}
	res->unused = (uint8_t)(v->n - res->path_len);

	/* Usage.  The leaf's EKU, when present, must allow the purpose
	 * (RFC 5280 4.2.1.12); every issuer on the path that was sent must
	 * be a CA allowed to sign certificates, within its path length
	 * (RFC 5280 6.1.4 (k), (l), (n)).  Anchors are trusted as they
	 * are (RFC 5280 6.1.1 (d)). */
	{
		const struct x509_cert *l = &v->e[0]->cert;
		uint8_t want = v->purpose == X509_PURPOSE_CLIENT
				   ? X509_EKU_CLIENT_AUTH
				   : X509_EKU_SERVER_AUTH;

		if (l->eku_present && !(l->eku & (want | X509_EKU_ANY)))
			problem(res, X509_RES_BAD_USAGE, 0, 0,
				"extendedKeyUsage lacks %s",
				v->purpose == X509_PURPOSE_CLIENT
				    ? "clientAuth"
				    : "serverAuth");
	}
	for (k = 1; k < res->path_len; k++) {
		const struct x509_entry *e = v->e[res->path[k]];

		if (anchor_is_sent && k + 1 == res->path_len)
			break;
		if (!e->cert.bc_present || !e->cert.is_ca)
			problem(res, X509_RES_BAD_USAGE, res->path[k], 0,
				"issues certificates without CA:TRUE");
		else if (e->cert.ku_present &&
			 !(e->cert.key_usage & X509_KU_KEY_CERT_SIGN))
			problem(res, X509_RES_BAD_USAGE, res->path[k], 0,
				"keyUsage lacks keyCertSign");
		if (e->cert.pathlen >= 0 && (int)k - 1 > e->cert.pathlen)
			problem(res, X509_RES_BAD_USAGE, res->path[k], 0,
				"pathLenConstraint %d exceeded",
				e->cert.pathlen);
	}

	/* Weak keys and signatures.  A root's own signature protects
	 * nothing, so self-signed certificates above the leaf are not
	 * judged by it. */
	for (k = 0; k < res->path_len; k++) {
		const struct x509_entry *e = v->e[res->path[k]];

		weak_checks(res, e, res->path[k],
			    k == 0 ||
				(!e->cert.self_signed &&
				 !(anchor_is_sent && k + 1 == res->path_len)));
	}
	if (anchor != NULL && !anchor_is_sent)
		weak_checks(res, anchor, X509_INDEX_ANCHOR, false);

	/* Dates and CRL listings of each certificate on the path; judged
	 * against the time by finish(). */
	for (k = 0; k < res->path_len; k++) {
		const struct x509_entry *e = v->e[res->path[k]];
		const struct x509_entry *iss;
		struct path_dates *pd = &ce->p[ce->npath++];

		memset(pd, 0, sizeof(*pd));
		pd->index = res->path[k];
		pd->not_before = e->cert.not_before;
		pd->not_after = e->cert.not_after;
		pd->reason = -1;
		iss = k + 1 < res->path_len ? v->e[res->path[k + 1]] : anchor;
		if (!e->cert.self_signed)
			crl_lookup(v->s, e, iss, pd);
	}
	if (anchor != NULL && !anchor_is_sent) {
		struct path_dates *pd = &ce->p[ce->npath++];

		memset(pd, 0, sizeof(*pd));
		pd->index = X509_INDEX_ANCHOR;
		pd->not_before = anchor->cert.not_before;
		pd->not_after = anchor->cert.not_after;
		pd->reason = -1;
	}

	if (ocsp != NULL && ocsp_len > 0) {
		if (issuer_of_leaf == NULL && res->path_len == 1 &&
		    anchor != NULL)
			issuer_of_leaf = anchor;
		ocsp_core(ocsp, ocsp_len, v->e[0], issuer_of_leaf, &res->ocsp);
	} else
		res->ocsp.status = X509_OCSP_NONE;
}

/* The decisive error, in the order the header gives. */
static const uint8_t status_order[] = {
    X509_RES_MALFORMED,	  X509_RES_BAD_SIGNATURE,  X509_RES_REVOKED,
    X509_RES_SELF_SIGNED, X509_RES_UNTRUSTED_ROOT, X509_RES_INCOMPLETE_CHAIN,
    X509_RES_EXPIRED,	  X509_RES_NOT_YET_VALID,  X509_RES_BAD_USAGE,
    X509_RES_WRONG_ORDER};

/* Add what depends on the exact capture time. */
static void
finish(const struct chain_entry *ce, int64_t t, struct x509_result *res)
{
	unsigned k;
	char when[32];

	memcpy(res, &ce->core,
	       offsetof(struct x509_result, problem) +
		   ce->core.nproblems * sizeof(res->problem[0]));
	for (k = 0; k < ce->npath; k++) {
		const struct path_dates *pd = &ce->p[k];

		if (t > pd->not_after) {
			fmt_time(pd->not_after, when, sizeof(when));
			problem(res, X509_RES_EXPIRED, pd->index,
				t - pd->not_after,
				"notAfter %s, %lld s before the capture", when,
				(long long)(t - pd->not_after));
		}
		if (t < pd->not_before) {
			fmt_time(pd->not_before, when, sizeof(when));
			problem(res, X509_RES_NOT_YET_VALID, pd->index,
				pd->not_before - t,
				"notBefore %s, %lld s after the capture", when,
				(long long)(pd->not_before - t));
		}
		if (pd->revoked && pd->revoked_at <= t) {
			fmt_time(pd->revoked_at, when, sizeof(when));
			problem(res, X509_RES_REVOKED, pd->index, 0,
				"CRL: revoked %s, %s%s", when,
				reason_name(pd->reason),
				pd->crl_verified
				    ? ""
				    : " (CRL signature unverified)");
		}
	}
	ocsp_time(&res->ocsp, t);
	if (res->ocsp.status == X509_OCSP_REVOKED && res->ocsp.for_leaf) {
		fmt_time(res->ocsp.revocation_time, when, sizeof(when));
		problem(res, X509_RES_REVOKED, 0, 0, "OCSP: revoked %s, %s%s",
			when, reason_name(res->ocsp.revocation_reason),
			res->ocsp.sig_ok ? ""
					 : " (response signature unverified)");
	}
	res->status = X509_RES_OK;
	for (k = 0; k < sizeof(status_order); k++)
		if (res->codes & (1u << status_order[k])) {
			res->status = status_order[k];
			break;
		}
	if (res->status == X509_RES_OK)
		res->codes |= 1u << X509_RES_OK;
}

static void
chain_key(const struct x509_entry *const *e, unsigned n, int64_t t,
	  enum x509_purpose purpose, uint64_t gen, const uint8_t *ocsp,
	  size_t ocsp_len, uint8_t key[32])
{
	wc_Sha256 h;
	uint8_t b[8 + 8 + 1 + 4];
	int64_t hour = t >= 0 ? t / 3600 : (t - 3599) / 3600;
	uint8_t oh[32];
	unsigned i;

	memcpy(b, &gen, 8);
	memcpy(b + 8, &hour, 8);
	b[16] = (uint8_t)purpose;
	memcpy(b + 17, &n, 4);
	wc_InitSha256(&h);
	wc_Sha256Update(&h, b, sizeof(b));
	for (i = 0; i < n; i++)
		wc_Sha256Update(&h, e[i]->cert.sha256, 32);
	memset(oh, 0, sizeof(oh));
	if (ocsp != NULL && ocsp_len > 0)
		wc_Sha256Hash(ocsp, (word32)ocsp_len, oh);
	wc_Sha256Update(&h, oh, sizeof(oh));
	wc_Sha256Final(&h, key);
	wc_Sha256Free(&h);
}

enum x509_code
x509_validate(struct x509_cache *c, const struct x509_store *s,
	      const uint8_t *const der[], const size_t len[], unsigned n,
	      int64_t capture_time, enum x509_purpose purpose,
	      const uint8_t *ocsp, size_t ocsp_len, struct x509_result *res)
{
	const struct x509_cert *certs[TLS_CERTS_MAX];
	const struct x509_entry *ents[TLS_CERTS_MAX];
	struct chain_entry *ce = NULL, local;
	struct vctx v;
	uint8_t key[32];
	unsigned i, got = 0;
	bool fresh = false;

	if (n > TLS_CERTS_MAX)
		n = TLS_CERTS_MAX;
	for (i = 0; i < n; i++) {
		certs[i] = x509_cert_get(c, der[i], len[i]);
		if (certs[i] == NULL)
			break;
		ents[i] = entry_of(certs[i]);
		got++;
	}
	if (got < n) {
		/* Out of memory: report what can be said. */
		memset(res, 0, offsetof(struct x509_result, problem));
		problem(res, X509_RES_MALFORMED, (int)got, 0, "out of memory");
		res->status = X509_RES_MALFORMED;
		goto out;
	}
	if (c != NULL) {
		chain_key(ents, n, capture_time, purpose, s->generation, ocsp,
			  ocsp_len, key);
		for (ce = c->vtab[key64(key) & c->vmask]; ce != NULL;
		     ce = ce->hnext)
			if (memcmp(ce->key, key, 32) == 0)
				break;
	}
	if (ce != NULL) {
		c->st.chain_hits++;
		if (c->vhead != ce) {
			ce->prev->next = ce->next;
			if (ce->next != NULL)
				ce->next->prev = ce->prev;
			else
				c->vtail = ce->prev;
			ce->prev = NULL;
			ce->next = c->vhead;
			c->vhead->prev = ce;
			c->vhead = ce;
		}
		finish(ce, capture_time, res);
		res->cached = true;
		goto out;
	}
	v.s = s;
	v.cache = c;
	v.e = ents;
	v.n = n;
	v.t = capture_time;
	v.purpose = purpose;
	if (c != NULL) {
		c->st.chain_misses++;
		while (c->st.chains >= c->max_chains && c->vtail != NULL) {
			chain_unlink(c, c->vtail);
			c->st.chain_evictions++;
		}
		/* A refused budget or a failed allocation only means this
		 * result is not kept. */
		if (mem_reserve(c->mb, sizeof(*ce))) {
			ce = malloc(sizeof(*ce));
			if (ce == NULL)
				mem_release(c->mb, sizeof(*ce));
		} else
			c->st.mem_refused++;
		fresh = ce != NULL;
	}
	if (ce == NULL)
		ce = &local;
	validate_core(&v, ocsp, ocsp_len, ce);
	finish(ce, capture_time, res);
	if (fresh) {
		memcpy(ce->key, key, 32);
		ce->hnext = c->vtab[key64(key) & c->vmask];
		c->vtab[key64(key) & c->vmask] = ce;
		ce->prev = NULL;
		ce->next = c->vhead;
		if (c->vhead != NULL)
			c->vhead->prev = ce;
		c->vhead = ce;
		if (c->vtail == NULL)
			c->vtail = ce;
		c->st.chains++;
	}
out:
	for (i = 0; i < got; i++)
		x509_cert_put(c, certs[i]);
	return (enum x509_code)res->status;
}
