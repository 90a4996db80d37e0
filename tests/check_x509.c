/* check_x509.c -- tests of x509: decoding against openssl's view of the test
 * PKI, validation results at the capture time, caches, CRL, OCSP, hostile
 * DER.
 *
 * Inputs: captures/pki/ (the committed test PKI, read relative to the
 * repository top, where tests run) and tests/fixtures/x509/.  Expected
 * decode values were taken from `openssl x509 -noout -text`, `-subject
 * -issuer -nameopt RFC2253`, `-serial`, `-dates` and `-fingerprint -sha256`
 * of the same files.  Must never: depend on the wall clock.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/coding.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"
#include "tlsdiag/x509.h"

#define PKI "captures/pki/"
#define FIX "tests/fixtures/x509/"

/* 2026-11-27 00:00:00 UTC: the day the captures were made. */
#define T_CAPTURE 1795737600LL
#define T_2024 1717200000LL    /* 2024-06-01 */
#define T_2046 2411510400LL    /* 2046-06-01 */
#define T_2025_05 1746057600LL /* 2025-05-01: before the revocation */

#define CHAIN_MAX 8

struct chain {
	unsigned n;
	uint8_t *der[CHAIN_MAX];
	size_t len[CHAIN_MAX];
};

/* Append the certificates of a PEM file (or one DER file) to ch. */
static void
chain_add_file(struct chain *ch, const char *path)
{
	size_t len;
	uint8_t *buf = tu_read_file(path, &len);
	const char *b = (const char *)buf, *e;
	static const char beg[] = "-----BEGIN CERTIFICATE-----";
	static const char end[] = "-----END CERTIFICATE-----";

	if (strstr(b, beg) == NULL) {
		ck_assert_uint_lt(ch->n, CHAIN_MAX);
		ch->der[ch->n] = buf;
		ch->len[ch->n++] = len;
		return;
	}
	while ((b = strstr(b, beg)) != NULL) {
		word32 outl;

		b += sizeof(beg) - 1;
		e = strstr(b, end);
		ck_assert_ptr_nonnull(e);
		ck_assert_uint_lt(ch->n, CHAIN_MAX);
		outl = (word32)(e - b);
		ch->der[ch->n] = malloc(outl);
		ck_assert_int_eq(Base64_Decode((const byte *)b, (word32)(e - b),
					       ch->der[ch->n], &outl),
				 0);
		ch->len[ch->n++] = outl;
		b = e;
	}
	free(buf);
}

static void
chain_free(struct chain *ch)
{
	unsigned i;

	for (i = 0; i < ch->n; i++)
		free(ch->der[i]);
	ch->n = 0;
}

/* A store holding only the test root (as the test clients trust), plus
 * the intermediate's CRL when asked. */
static struct x509_store *
test_store(bool with_crl)
{
	char err[256];
	struct x509_store *s = x509_store_new();

	ck_assert_ptr_nonnull(s);
	ck_assert_msg(
	    x509_store_add_file(s, PKI "root.crt", err, sizeof(err)) == 0, "%s",
	    err);
	if (with_crl)
		ck_assert_msg(x509_store_add_crl(s, PKI "inter.crl", err,
						 sizeof(err)) == 0,
			      "%s", err);
	return s;
}

static const struct x509_problem *
find_problem(const struct x509_result *r, enum x509_code code)
{
	unsigned i;

	for (i = 0; i < r->nproblems; i++)
		if (r->problem[i].code == code)
			return &r->problem[i];
	return NULL;
}

static enum x509_code
validate(struct x509_cache *c, const struct x509_store *s,
	 const struct chain *ch, int64_t t, enum x509_purpose p,
	 struct x509_result *r)
{
	return x509_validate(c, s, (const uint8_t *const *)ch->der, ch->len,
			     ch->n, t, p, NULL, 0, r);
}

/*
 * Decoding, against openssl's output for the same files.
 */

static const struct decode_case {
	const char *file;
	const char *subject, *issuer, *cn, *serial;
	int64_t not_before, not_after;
	enum x509_key key;
	unsigned bits;
	const char *sig_alg;
	bool sig_weak, is_ca;
	int pathlen;
	const char *san0; /* NULL: no SAN */
	uint8_t eku;	  /* 0: no EKU extension */
	const char *ocsp, *crl_dp;
	bool self_signed;
	const char *sha256;
} decode_cases[] = {
    {"good.crt", "CN=good.test.tlsdiag",
     "CN=tlsdiag Test Intermediate CA,O=tlsdiag test PKI", "good.test.tlsdiag",
     "1001", 1735689600, 2366841600, X509_KEY_RSA, 2048,
     "sha256WithRSAEncryption", false, false, -1, "good.test.tlsdiag",
     X509_EKU_SERVER_AUTH, "http://ocsp.test.tlsdiag/",
     "http://crl.test.tlsdiag/inter.crl", false,
     "97CDB165EC39BC7B5C9F75C9F5DD5BFF124E0D05C4210C64D12D083FEAB04E47"},
    {"inter.crt", "CN=tlsdiag Test Intermediate CA,O=tlsdiag test PKI",
     "CN=tlsdiag Test Root CA,O=tlsdiag test PKI",
     "tlsdiag Test Intermediate CA", "02", 1577836800, 2398377600, X509_KEY_RSA,
     2048, "sha256WithRSAEncryption", false, true, 0, NULL, 0, NULL,
     "http://crl.test.tlsdiag/inter.crl", false,
     "EC425C243AB44541A8F3A7E2666AB4CDD800C2FFDE4B6AB29892E45E12D85BE8"},
    {"root.crt", "CN=tlsdiag Test Root CA,O=tlsdiag test PKI",
     "CN=tlsdiag Test Root CA,O=tlsdiag test PKI", "tlsdiag Test Root CA", "01",
     1577836800, 2398377600, X509_KEY_RSA, 2048, "sha256WithRSAEncryption",
     false, true, -1, NULL, 0, NULL, NULL, true,
     "82A7ADD015E5D3A2144BD2AD4B4CE4CABFE0D593B343F6D5DE684928C98E4189"},
    {"weak.crt", "CN=weak.test.tlsdiag",
     "CN=tlsdiag Test Intermediate CA,O=tlsdiag test PKI", "weak.test.tlsdiag",
     "1008", 1735689600, 2366841600, X509_KEY_RSA, 1024,
     "sha256WithRSAEncryption", false, false, -1, "weak.test.tlsdiag",
     X509_EKU_SERVER_AUTH, "http://ocsp.test.tlsdiag/",
     "http://crl.test.tlsdiag/inter.crl", false,
     "7D63C766205F28D4A5046B5308DD08C78F77AE3CDE63583B2D93F9BA34F657F5"},
    {"sha1.crt", "CN=sha1.test.tlsdiag",
     "CN=tlsdiag Test Intermediate CA,O=tlsdiag test PKI", "sha1.test.tlsdiag",
     "1009", 1735689600, 2366841600, X509_KEY_RSA, 2048,
     "sha1WithRSAEncryption", true, false, -1, "sha1.test.tlsdiag",
     X509_EKU_SERVER_AUTH, "http://ocsp.test.tlsdiag/",
     "http://crl.test.tlsdiag/inter.crl", false,
     "8BD0DADDB0DE8D4F90BAD73369CB912735EBA00DC146480839D4EBC994602870"},
    {"selfsigned.crt", "CN=selfsigned.test.tlsdiag",
     "CN=selfsigned.test.tlsdiag", "selfsigned.test.tlsdiag", "01", 1735689600,
     2366841600, X509_KEY_RSA, 2048, "sha256WithRSAEncryption", false, false,
     -1, "selfsigned.test.tlsdiag", X509_EKU_SERVER_AUTH, NULL, NULL, true,
     "DD1095A6DEB7513E95F970A8BF5EDD50D14C765F7921E5366095E3C22B1EABE8"},
    {"client.crt", "CN=tlsdiag test client,O=tlsdiag test PKI",
     "CN=tlsdiag Test Intermediate CA,O=tlsdiag test PKI",
     "tlsdiag test client", "100A", 1735689600, 2366841600, X509_KEY_RSA, 2048,
     "sha256WithRSAEncryption", false, false, -1, NULL, X509_EKU_CLIENT_AUTH,
     NULL, NULL, false,
     "5BA9BA798B97E422F5427ADC3556F2A5DDC9B1E876EF809582A97EF6AA2B51F2"},
    {"expired.crt", "CN=expired.test.tlsdiag",
     "CN=tlsdiag Test Intermediate CA,O=tlsdiag test PKI",
     "expired.test.tlsdiag", "1003", 1704067200, 1735689600, X509_KEY_RSA, 2048,
     "sha256WithRSAEncryption", false, false, -1, "expired.test.tlsdiag",
     X509_EKU_SERVER_AUTH, "http://ocsp.test.tlsdiag/",
     "http://crl.test.tlsdiag/inter.crl", false,
     "B8460B02913016C436591D6D6825E7D4847652ED24B3723B9013314DA9B2626D"},
};

static void
assert_str(const char *got, const char *want, const char *what)
{
	if (want == NULL)
		ck_assert_msg(got == NULL, "%s: want none, got %s", what, got);
	else {
		ck_assert_msg(got != NULL, "%s: want %s, got none", what, want);
		ck_assert_str_eq(got, want);
	}
}

START_TEST(test_decode)
{
	const struct decode_case *d = &decode_cases[_i];
	struct chain ch = {0};
	const struct x509_cert *c;
	char path[256], hex[65];
	unsigned i;

	snprintf(path, sizeof(path), PKI "%s", d->file);
	chain_add_file(&ch, path);
	c = x509_cert_get(NULL, ch.der[0], ch.len[0]);
	ck_assert_ptr_nonnull(c);
	ck_assert(!c->malformed);
	ck_assert_str_eq(c->subject, d->subject);
	ck_assert_str_eq(c->issuer, d->issuer);
	assert_str(c->cn, d->cn, "cn");
	ck_assert_str_eq(c->serial, d->serial);
	ck_assert_int_eq(c->version, 3);
	ck_assert_int_eq(c->not_before, d->not_before);
	ck_assert_int_eq(c->not_after, d->not_after);
	ck_assert_int_eq(c->key_type, d->key);
	ck_assert_uint_eq(c->key_bits, d->bits);
	ck_assert_str_eq(c->sig_alg, d->sig_alg);
	ck_assert_int_eq(c->sig_weak, d->sig_weak);
	ck_assert(c->bc_present);
	ck_assert_int_eq(c->is_ca, d->is_ca);
	ck_assert_int_eq(c->pathlen, d->pathlen);
	if (d->san0 == NULL)
		ck_assert_uint_eq(c->nsan, 0);
	else {
		ck_assert_uint_eq(c->nsan, 1);
		ck_assert_uint_eq(c->san_total, 1);
		ck_assert(!c->san[0].ip);
		ck_assert_str_eq(c->san[0].dns, d->san0);
	}
	ck_assert_int_eq(c->eku_present, d->eku != 0);
	ck_assert_uint_eq(c->eku, d->eku);
	ck_assert(c->ku_present);
	if (d->is_ca)
		ck_assert(c->key_usage & X509_KU_KEY_CERT_SIGN);
	else
		ck_assert(c->key_usage & X509_KU_DIGITAL_SIGNATURE);
	assert_str(c->nocsp ? c->ocsp_url[0] : NULL, d->ocsp, "ocsp");
	assert_str(c->ncrl_dp ? c->crl_dp[0] : NULL, d->crl_dp, "crl_dp");
	ck_assert_uint_eq(c->nca_issuers, 0);
	ck_assert_int_eq(c->self_signed, d->self_signed);
	ck_assert_int_eq(c->self_issued, d->self_signed);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02X", c->sha256[i]);
	ck_assert_str_eq(hex, d->sha256);
	x509_cert_put(NULL, c);
	chain_free(&ch);
}
END_TEST

START_TEST(test_asn1_time)
{
	int64_t t;

	ck_assert(
	    x509_asn1_time(0x17, (const uint8_t *)"250101000000Z", 13, &t));
	ck_assert_int_eq(t, 1735689600);
	ck_assert(
	    x509_asn1_time(0x17, (const uint8_t *)"491231235959Z", 13, &t));
	ck_assert_int_eq(t, 2524607999); /* 2049: UTCTime's last year */
	ck_assert(
	    x509_asn1_time(0x17, (const uint8_t *)"500101000000Z", 13, &t));
	ck_assert_int_eq(t, -631152000); /* 1950 */
	ck_assert(
	    x509_asn1_time(0x18, (const uint8_t *)"20460101000000Z", 15, &t));
	ck_assert_int_eq(t, 2398377600);
	ck_assert(
	    x509_asn1_time(0x18, (const uint8_t *)"20250601000000.5Z", 17, &t));
	ck_assert_int_eq(t, 1748736000);
	ck_assert(
	    !x509_asn1_time(0x17, (const uint8_t *)"2501010000Z", 11, &t));
	ck_assert(
	    !x509_asn1_time(0x17, (const uint8_t *)"251301000000Z", 13, &t));
	ck_assert(
	    !x509_asn1_time(0x18, (const uint8_t *)"2046010100000+", 15, &t));
	ck_assert(
	    !x509_asn1_time(0x04, (const uint8_t *)"250101000000Z", 13, &t));
}
END_TEST

/*
 * Validation results at the capture time.
 */

static const struct validate_case {
	const char *files[3]; /* concatenated, in order */
	bool crl;
	enum x509_purpose purpose;
	enum x509_code status;
	enum x509_code problem; /* X509_RES_OK: none */
	int index;		/* of that problem */
	int64_t seconds;	/* of that problem */
	unsigned nproblems;
} validate_cases[] = {
    {{PKI "good-chain.pem"},
     false,
     X509_PURPOSE_SERVER,
     X509_RES_OK,
     X509_RES_OK,
     0,
     0,
     0},
    {{PKI "good-chain.pem"},
     true,
     X509_PURPOSE_SERVER,
     X509_RES_OK,
     X509_RES_OK,
     0,
     0,
     0},
    {{PKI "wild-chain.pem"},
     false,
     X509_PURPOSE_SERVER,
     X509_RES_OK,
     X509_RES_OK,
     0,
     0,
     0},
    {{PKI "expired-chain.pem"},
     false,
     X509_PURPOSE_SERVER,
     X509_RES_EXPIRED,
     X509_RES_EXPIRED,
     0,
     T_CAPTURE - 1735689600,
     1},
    {{PKI "notyet-chain.pem"},
     false,
     X509_PURPOSE_SERVER,
     X509_RES_NOT_YET_VALID,
     X509_RES_NOT_YET_VALID,
     0,
     2208988800 - T_CAPTURE,
     1},
    {{PKI "selfsigned.crt"},
     false,
     X509_PURPOSE_SERVER,
     X509_RES_SELF_SIGNED,
     X509_RES_SELF_SIGNED,
     0,
     0,
     1},
    {{PKI "good.crt"},
     false,
     X509_PURPOSE_SERVER,
     X509_RES_INCOMPLETE_CHAIN,
     X509_RES_INCOMPLETE_CHAIN,
     0,
     0,
     1},
    {{PKI "untrusted-chain.pem"},
     false,
     X509_PURPOSE_SERVER,
     X509_RES_UNTRUSTED_ROOT,
     X509_RES_UNTRUSTED_ROOT,
     1,
     0,
     1},
    {{PKI "untrusted.crt"},
     false,
     X509_PURPOSE_SERVER,
     X509_RES_INCOMPLETE_CHAIN,
     X509_RES_INCOMPLETE_CHAIN,
     0,
     0,
     1},
    {{PKI "good.crt", PKI "root.crt", PKI "inter.crt"},
     false,
     X509_PURPOSE_SERVER,
     X509_RES_WRONG_ORDER,
     X509_RES_WRONG_ORDER,
     2,
     0,
     1},
    {{PKI "good.crt", PKI "inter.crt", PKI "root.crt"},
     false,
     X509_PURPOSE_SERVER,
     X509_RES_OK,
     X509_RES_OK,
     0,
     0,
     0},
    {{PKI "noeku-chain.pem"},
     false,
     X509_PURPOSE_SERVER,
     X509_RES_BAD_USAGE,
     X509_RES_BAD_USAGE,
     0,
     0,
     1},
    {{PKI "client-chain.pem"},
     false,
     X509_PURPOSE_SERVER,
     X509_RES_BAD_USAGE,
     X509_RES_BAD_USAGE,
     0,
     0,
     1},
    {{PKI "client-chain.pem"},
     false,
     X509_PURPOSE_CLIENT,
     X509_RES_OK,
     X509_RES_OK,
     0,
     0,
     0},
    /* good.crt is not a CA, and the intermediate's pathlen:0 allows no
     * certificate between it and the leaf: two bad_usage problems. */
    {{FIX "nonca-leaf.crt", PKI "good-chain.pem"},
     false,
     X509_PURPOSE_SERVER,
     X509_RES_BAD_USAGE,
     X509_RES_BAD_USAGE,
     1,
     0,
     2},
    {{PKI "weak-chain.pem"},
     false,
     X509_PURPOSE_SERVER,
     X509_RES_OK,
     X509_RES_WEAK_KEY,
     0,
     0,
     1},
    {{PKI "sha1-chain.pem"},
     false,
     X509_PURPOSE_SERVER,
     X509_RES_OK,
     X509_RES_WEAK_SIGNATURE,
     0,
     0,
     1},
    {{PKI "revoked-chain.pem"},
     true,
     X509_PURPOSE_SERVER,
     X509_RES_REVOKED,
     X509_RES_REVOKED,
     0,
     0,
     1},
    {{PKI "revoked-chain.pem"},
     false,
     X509_PURPOSE_SERVER,
     X509_RES_OK,
     X509_RES_OK,
     0,
     0,
     0},
    {{FIX "tls12-openssl-cert_incomplete_chain.leaf.der"},
     false,
     X509_PURPOSE_SERVER,
     X509_RES_INCOMPLETE_CHAIN,
     X509_RES_INCOMPLETE_CHAIN,
     0,
     0,
     1},
};

START_TEST(test_validate)
{
	const struct validate_case *v = &validate_cases[_i];
	struct x509_store *s = test_store(v->crl);
	struct chain ch = {0};
	struct x509_result r;
	const struct x509_problem *p;
	unsigned i;

	for (i = 0; i < 3 && v->files[i] != NULL; i++)
		chain_add_file(&ch, v->files[i]);
	ck_assert_int_eq(validate(NULL, s, &ch, T_CAPTURE, v->purpose, &r),
			 v->status);
	ck_assert_int_eq(r.status, v->status);
	ck_assert_msg(r.nproblems == v->nproblems,
		      "want %u problems, got %u (first: %s %s)", v->nproblems,
		      r.nproblems,
		      r.nproblems ? x509_code_name(r.problem[0].code) : "-",
		      r.nproblems ? r.problem[0].detail : "");
	ck_assert(!r.cached);
	if (v->problem == X509_RES_OK) {
		ck_assert_uint_eq(r.codes, 1u << X509_RES_OK);
		ck_assert(r.anchored);
		ck_assert_str_eq(r.anchor_subject,
				 "CN=tlsdiag Test Root CA,O=tlsdiag test PKI");
	} else {
		p = find_problem(&r, v->problem);
		ck_assert_msg(p != NULL, "no %s", x509_code_name(v->problem));
		ck_assert_int_eq(p->index, v->index);
		ck_assert_int_eq(p->seconds, v->seconds);
		ck_assert(r.codes & (1u << v->problem));
		ck_assert(p->detail[0] != '\0');
	}
	if (v->status == X509_RES_INCOMPLETE_CHAIN) {
		ck_assert(!r.anchored);
		ck_assert(!r.issuer_known_elsewhere);
		ck_assert(strstr(r.missing_issuer, "Intermediate CA") != NULL ||
			  strstr(r.missing_issuer, "Private Untrusted") !=
			      NULL);
	}
	chain_free(&ch);
	x509_store_free(s);
}
END_TEST

/* One validation error must not hide another: an expired leaf, sent with
 * a SHA-1 ... here: the expired leaf alone is both expired and
 * incomplete. */
START_TEST(test_independent_facts)
{
	struct x509_store *s = test_store(false);
	struct chain ch = {0};
	struct x509_result r;

	chain_add_file(&ch, PKI "expired.crt");
	ck_assert_int_eq(
	    validate(NULL, s, &ch, T_CAPTURE, X509_PURPOSE_SERVER, &r),
	    X509_RES_INCOMPLETE_CHAIN);
	ck_assert_ptr_nonnull(find_problem(&r, X509_RES_EXPIRED));
	ck_assert_ptr_nonnull(find_problem(&r, X509_RES_INCOMPLETE_CHAIN));
	ck_assert_str_eq(r.missing_issuer,
			 "CN=tlsdiag Test Intermediate CA,O=tlsdiag test PKI");
	chain_free(&ch);

	/* A broken signature on the leaf (last byte of the signature
	 * flipped) is bad_signature, and the chain is still followed to the
	 * anchor. */
	chain_add_file(&ch, PKI "good-chain.pem");
	ch.der[0][ch.len[0] - 1] ^= 0x01;
	ck_assert_int_eq(
	    validate(NULL, s, &ch, T_CAPTURE, X509_PURPOSE_SERVER, &r),
	    X509_RES_BAD_SIGNATURE);
	ck_assert_int_eq(find_problem(&r, X509_RES_BAD_SIGNATURE)->index, 0);
	ck_assert(r.anchored);
	ck_assert_uint_eq(r.path_len, 2);
	chain_free(&ch);
	x509_store_free(s);
}
END_TEST

/* The good chain judged at other times. */
static const struct time_case {
	int64_t t;
	enum x509_code status;
	unsigned nproblems; /* date problems: leaf, inter, anchor */
} time_cases[] = {
    {T_2024, X509_RES_NOT_YET_VALID, 1},
    {1735689600, X509_RES_OK, 0},      /* notBefore itself */
    {2366841600, X509_RES_OK, 0},      /* notAfter itself */
    {2366841601, X509_RES_EXPIRED, 1}, /* one second later */
    {T_2046, X509_RES_EXPIRED, 3},
};

START_TEST(test_times)
{
	const struct time_case *tc = &time_cases[_i];
	struct x509_store *s = test_store(false);
	struct chain ch = {0};
	struct x509_result r;
	unsigned i;

	chain_add_file(&ch, PKI "good-chain.pem");
	ck_assert_int_eq(validate(NULL, s, &ch, tc->t, X509_PURPOSE_SERVER, &r),
			 tc->status);
	ck_assert_uint_eq(r.nproblems, tc->nproblems);
	for (i = 0; i < r.nproblems; i++)
		ck_assert_int_eq(r.problem[i].code, tc->status);
	if (tc->nproblems == 3) {
		ck_assert_int_eq(r.problem[0].index, 0);
		ck_assert_int_eq(r.problem[0].seconds, T_2046 - 2366841600);
		ck_assert_int_eq(r.problem[1].index, 1);
		ck_assert_int_eq(r.problem[2].index, X509_INDEX_ANCHOR);
	}
	chain_free(&ch);
	x509_store_free(s);
}
END_TEST

/* The CRL lists 1006 from 2025-06-01: before that, not revoked. */
START_TEST(test_crl_dates)
{
	struct x509_store *s = test_store(true);
	struct chain ch = {0};
	struct x509_result r;
	const struct x509_problem *p;

	ck_assert_uint_eq(x509_store_crl_count(s), 1);
	chain_add_file(&ch, PKI "revoked-chain.pem");
	ck_assert_int_eq(
	    validate(NULL, s, &ch, T_2025_05, X509_PURPOSE_SERVER, &r),
	    X509_RES_OK);
	ck_assert_int_eq(
	    validate(NULL, s, &ch, T_CAPTURE, X509_PURPOSE_SERVER, &r),
	    X509_RES_REVOKED);
	p = find_problem(&r, X509_RES_REVOKED);
	ck_assert(strstr(p->detail, "keyCompromise") != NULL);
	ck_assert(strstr(p->detail, "2025-06-01") != NULL);
	ck_assert(strstr(p->detail, "unverified") == NULL);
	chain_free(&ch);
	x509_store_free(s);
}
END_TEST

/*
 * OCSP.
 */

static const struct ocsp_case {
	const char *chain, *resp;
	int64_t t;
	enum x509_ocsp_status status;
	bool for_leaf, time_valid;
	enum x509_code vstatus;
} ocsp_cases[] = {
    {PKI "good-chain.pem", PKI "good.ocsp.der", T_CAPTURE, X509_OCSP_GOOD, true,
     true, X509_RES_OK},
    {PKI "revoked-chain.pem", PKI "revoked.ocsp.der", T_CAPTURE,
     X509_OCSP_REVOKED, true, true, X509_RES_REVOKED},
    /* A response for another certificate does not revoke this one. */
    {PKI "good-chain.pem", PKI "revoked.ocsp.der", T_CAPTURE, X509_OCSP_REVOKED,
     false, true, X509_RES_OK},
    /* Before thisUpdate (2025-06-01) the response is not yet valid. */
    {PKI "good-chain.pem", PKI "good.ocsp.der", T_2025_05, X509_OCSP_GOOD, true,
     false, X509_RES_OK},
    /* After nextUpdate (2045-05-27) it is stale. */
    {PKI "good-chain.pem", PKI "good.ocsp.der", 2400000000LL, X509_OCSP_GOOD,
     true, false, X509_RES_EXPIRED},
};

START_TEST(test_ocsp)
{
	const struct ocsp_case *oc = &ocsp_cases[_i];
	struct x509_store *s = test_store(false);
	struct chain ch = {0};
	struct x509_result r;
	uint8_t *resp;
	size_t rlen;

	chain_add_file(&ch, oc->chain);
	resp = tu_read_file(oc->resp, &rlen);
	ck_assert_int_eq(x509_validate(NULL, s, (const uint8_t *const *)ch.der,
				       ch.len, ch.n, oc->t, X509_PURPOSE_SERVER,
				       resp, rlen, &r),
			 oc->vstatus);
	ck_assert_int_eq(r.ocsp.status, oc->status);
	ck_assert_int_eq(r.ocsp.resp_status, 0);
	ck_assert_int_eq(r.ocsp.for_leaf, oc->for_leaf);
	ck_assert(r.ocsp.issuer_checked);
	ck_assert(r.ocsp.sig_checked);
	ck_assert(r.ocsp.sig_ok);
	ck_assert_int_eq(r.ocsp.time_valid, oc->time_valid);
	ck_assert_int_eq(r.ocsp.this_update, 1748736000);
	ck_assert_int_eq(r.ocsp.produced_at, 1748736000);
	ck_assert_int_eq(r.ocsp.next_update, 1748736000 + 7300LL * 86400);
	ck_assert_uint_eq(r.ocsp.nresponses, 1);
	if (oc->status == X509_OCSP_REVOKED) {
		ck_assert_int_eq(r.ocsp.revocation_time, 1748736000);
		ck_assert_int_eq(r.ocsp.revocation_reason, 1);
	}
	ck_assert_str_eq(x509_ocsp_status_name(r.ocsp.status),
			 oc->status == X509_OCSP_GOOD ? "good" : "revoked");
	/* A flipped byte in the signature (the RSA-2048 BIT STRING, 03 82
	 * 01 01 00, before the responder certificate the response carries):
	 * still decoded, no longer verified. */
	{
		size_t k;

		for (k = 0; k + 6 < rlen; k++)
			if (memcmp(resp + k, "\x03\x82\x01\x01\x00", 5) == 0)
				break;
		ck_assert_uint_lt(k + 6, rlen);
		resp[k + 5] ^= 0x01;
	}
	x509_validate(NULL, s, (const uint8_t *const *)ch.der, ch.len, ch.n,
		      oc->t, X509_PURPOSE_SERVER, resp, rlen, &r);
	ck_assert(!r.ocsp.sig_ok);
	/* Every truncation: malformed, never a crash. */
	for (size_t n = 0; n < rlen; n++) {
		struct x509_ocsp o;
		const struct x509_cert *leaf =
		    x509_cert_get(NULL, ch.der[0], ch.len[0]);

		x509_ocsp_check(resp, n, leaf, NULL, oc->t, &o);
		ck_assert_int_eq(o.status,
				 n == 0 ? X509_OCSP_NONE : X509_OCSP_MALFORMED);
		x509_cert_put(NULL, leaf);
	}
	free(resp);
	chain_free(&ch);
	x509_store_free(s);
}
END_TEST

/*
 * Caches.
 */

START_TEST(test_cache)
{
	struct membudget mb = {0};
	struct x509_cache *c = x509_cache_new(16, 16, &mb);
	struct x509_store *s = test_store(false);
	struct x509_cache_stats st;
	struct chain ch = {0};
	struct x509_result r;
	const struct x509_cert *a, *b;

	chain_add_file(&ch, PKI "good-chain.pem");
	a = x509_cert_get(c, ch.der[0], ch.len[0]);
	b = x509_cert_get(c, ch.der[0], ch.len[0]);
	ck_assert_ptr_eq(a, b); /* decoded once */
	x509_cache_get_stats(c, &st);
	ck_assert_uint_eq(st.cert_misses, 1);
	ck_assert_uint_eq(st.cert_hits, 1);
	ck_assert_uint_eq(st.certs, 1);
	ck_assert_uint_gt(mb.used, ch.len[0]);
	x509_cert_put(c, a);
	x509_cert_put(c, b);

	ck_assert_int_eq(
	    validate(c, s, &ch, T_CAPTURE, X509_PURPOSE_SERVER, &r),
	    X509_RES_OK);
	ck_assert(!r.cached);
	/* Same chain, same hour: from the cache. */
	ck_assert_int_eq(
	    validate(c, s, &ch, T_CAPTURE + 1800, X509_PURPOSE_SERVER, &r),
	    X509_RES_OK);
	ck_assert(r.cached);
	x509_cache_get_stats(c, &st);
	ck_assert_uint_eq(st.chain_misses, 1);
	ck_assert_uint_eq(st.chain_hits, 1);
	/* Next hour: validated again. */
	validate(c, s, &ch, T_CAPTURE + 3600, X509_PURPOSE_SERVER, &r);
	ck_assert(!r.cached);
	/* Another purpose: another key. */
	ck_assert_int_eq(
	    validate(c, s, &ch, T_CAPTURE, X509_PURPOSE_CLIENT, &r),
	    X509_RES_BAD_USAGE);
	x509_cache_get_stats(c, &st);
	ck_assert_uint_eq(st.chain_misses, 3);
	ck_assert_uint_eq(st.chain_hits, 1);
	ck_assert_uint_eq(st.chains, 3);
	/* A changed store changes the key. */
	{
		char err[256];

		ck_assert_int_eq(x509_store_add_file(s,
						     PKI "untrusted-root.crt",
						     err, sizeof(err)),
				 0);
	}
	validate(c, s, &ch, T_CAPTURE, X509_PURPOSE_SERVER, &r);
	ck_assert(!r.cached);
	chain_free(&ch);
	x509_store_free(s);
	x509_cache_free(c);
	ck_assert_uint_eq(mb.used, 0);
}
END_TEST

/* Shedding (memory short): the least recently used certificate goes
 * first, then validation results; each counted, its bytes given back; a
 * certificate still held stays valid until it is put. */
START_TEST(test_cache_shed)
{
	struct membudget mb = {0};
	struct x509_cache *c = x509_cache_new(16, 16, &mb);
	struct x509_store *s = test_store(false);
	struct x509_cache_stats st;
	struct chain ch = {0};
	struct x509_result r;
	const struct x509_cert *leaf, *held;
	size_t before;

	chain_add_file(&ch, PKI "good-chain.pem");
	ck_assert_uint_ge(ch.n, 2);
	validate(c, s, &ch, T_CAPTURE, X509_PURPOSE_SERVER, &r);
	/* Touch the leaf: the other certificate is now the LRU. */
	leaf = x509_cert_get(c, ch.der[0], ch.len[0]);
	held = x509_cert_get(c, ch.der[1], ch.len[1]);
	x509_cert_put(c, leaf);
	leaf = x509_cert_get(c, ch.der[0], ch.len[0]);
	x509_cert_put(c, leaf);
	x509_cache_get_stats(c, &st);
	ck_assert_uint_eq(st.certs, ch.n);
	ck_assert_uint_eq(st.chains, 1);
	before = mb.used;
	ck_assert(x509_cache_shed(c)); /* the held one: LRU */
	ck_assert_uint_lt(mb.used, before);
	ck_assert_ptr_nonnull(held->subject); /* still readable */
	x509_cert_put(c, held);
	x509_cache_get_stats(c, &st);
	ck_assert_uint_eq(st.cert_shed, 1);
	ck_assert_uint_eq(st.certs, ch.n - 1);
	/* The leaf is still cached. */
	before = st.cert_hits;
	leaf = x509_cert_get(c, ch.der[0], ch.len[0]);
	x509_cache_get_stats(c, &st);
	ck_assert_uint_eq(st.cert_hits, before + 1);
	x509_cert_put(c, leaf);
	while (x509_cache_shed(c))
		;
	x509_cache_get_stats(c, &st);
	ck_assert_uint_eq(st.certs, 0);
	ck_assert_uint_eq(st.chains, 0);
	ck_assert_uint_eq(st.cert_shed, ch.n);
	ck_assert_uint_eq(st.chain_shed, 1);
	ck_assert_uint_eq(mb.used, 0);
	chain_free(&ch);
	x509_store_free(s);
	x509_cache_free(c);
}
END_TEST

/* The exact seconds of a date problem are those of each call, even when
 * the rest comes from the cache. */
START_TEST(test_cache_exact_dates)
{
	struct x509_cache *c = x509_cache_new(0, 0, NULL);
	struct x509_store *s = test_store(false);
	struct chain ch = {0};
	struct x509_result r;

	chain_add_file(&ch, PKI "expired-chain.pem");
	ck_assert_int_eq(
	    validate(c, s, &ch, T_CAPTURE, X509_PURPOSE_SERVER, &r),
	    X509_RES_EXPIRED);
	ck_assert(!r.cached);
	ck_assert_int_eq(find_problem(&r, X509_RES_EXPIRED)->seconds,
			 T_CAPTURE - 1735689600);
	ck_assert_int_eq(
	    validate(c, s, &ch, T_CAPTURE + 1000, X509_PURPOSE_SERVER, &r),
	    X509_RES_EXPIRED);
	ck_assert(r.cached);
	ck_assert_int_eq(find_problem(&r, X509_RES_EXPIRED)->seconds,
			 T_CAPTURE + 1000 - 1735689600);
	chain_free(&ch);
	x509_store_free(s);
	x509_cache_free(c);
}
END_TEST

START_TEST(test_cache_eviction)
{
	static const char *const files[] = {
	    PKI "good.crt",   PKI "wild.crt",  PKI "expired.crt",
	    PKI "notyet.crt", PKI "other.crt", PKI "revoked.crt"};
	struct membudget mb = {0};
	struct x509_cache *c = x509_cache_new(4, 4, &mb);
	struct x509_cache_stats st;
	struct chain ch = {0};
	const struct x509_cert *held, *x;
	unsigned i;

	for (i = 0; i < 6; i++)
		chain_add_file(&ch, files[i]);
	/* Holding a reference keeps the certificate usable even once
	 * evicted. */
	held = x509_cert_get(c, ch.der[0], ch.len[0]);
	for (i = 1; i < 6; i++)
		x509_cert_put(c, x509_cert_get(c, ch.der[i], ch.len[i]));
	x509_cache_get_stats(c, &st);
	ck_assert_uint_eq(st.certs, 4);
	ck_assert_uint_eq(st.cert_evictions, 2);
	ck_assert_str_eq(held->subject, "CN=good.test.tlsdiag");
	x509_cert_put(c, held);
	/* The least recently used (good, wild) are gone; revoked is here. */
	x = x509_cert_get(c, ch.der[5], ch.len[5]);
	x509_cert_put(c, x);
	x = x509_cert_get(c, ch.der[1], ch.len[1]);
	x509_cert_put(c, x);
	x509_cache_get_stats(c, &st);
	ck_assert_uint_eq(st.cert_hits, 1);
	ck_assert_uint_eq(st.cert_misses, 7);
	chain_free(&ch);
	x509_cache_free(c);
	ck_assert_uint_eq(mb.used, 0);
}
END_TEST

/*
 * Two certificates whose fast hash (x509_der_hash64) is the same: one
 * bucket, one 64-bit key, different bytes.  The hash is not cryptographic,
 * and a colliding pair is made by changing one 8-byte block and undoing its
 * effect on the state with the next.  h64_collide() needs the hash's step
 * to do that; the test checks with x509_der_hash64() itself that the pair
 * collides, so a change to the hash fails here rather than passing on a
 * stale copy.
 */
#define H64_M 0x9E3779B97F4A7C15ull
#define H64_SEED 0xCBF29CE484222325ull

static uint64_t
h64_step(uint64_t h, uint64_t v)
{
	h = (h ^ v) * H64_M;
	return h ^ (h >> 29);
}

/* Change the 8-byte block at byte `blk` of p (len bytes, blk a multiple
 * of 8 with two whole blocks there) and the block after it so that the
 * hash stays the same. */
static void
h64_collide(uint8_t *p, size_t len, size_t blk)
{
	uint64_t h = H64_SEED ^ len, v, w, ta, tb;
	size_t i;

	ck_assert_uint_eq(blk % 8, 0);
	ck_assert_uint_le(blk + 16, len);
	for (i = 0; i < blk; i += 8) {
		memcpy(&v, p + i, sizeof(v));
		h = h64_step(h, v);
	}
	memcpy(&v, p + blk, sizeof(v));
	memcpy(&w, p + blk + 8, sizeof(w));
	ta = h64_step(h, v);
	v ^= 0x0101010101010101ull;
	tb = h64_step(h, v);
	w ^= ta ^ tb;
	memcpy(p + blk, &v, sizeof(v));
	memcpy(p + blk + 8, &w, sizeof(w));
}

START_TEST(test_cache_collision)
{
	struct membudget mb = {0};
	struct x509_cache *c = x509_cache_new(16, 16, &mb);
	struct x509_cache_stats st;
	struct chain ch = {0};
	const struct x509_cert *a, *b, *x;
	uint8_t *der_b;
	size_t len, blk;

	chain_add_file(&ch, PKI "good.crt");
	len = ch.len[0];
	der_b = malloc(len);
	ck_assert_ptr_nonnull(der_b);
	memcpy(der_b, ch.der[0], len);
	/* In the signature, at the end: the same certificate to the
	 * decoder, other bytes. */
	blk = (len / 8 - 3) * 8;
	h64_collide(der_b, len, blk);
	ck_assert(memcmp(der_b, ch.der[0], len) != 0);
	ck_assert(x509_der_hash64(der_b, len) ==
		  x509_der_hash64(ch.der[0], len));

	a = x509_cert_get(c, ch.der[0], len);
	b = x509_cert_get(c, der_b, len);
	ck_assert_ptr_ne(a, b);
	ck_assert(!a->malformed);
	ck_assert(!b->malformed);
	ck_assert_str_eq(b->subject, a->subject);
	ck_assert(memcmp(a->sha256, b->sha256, 32) != 0);
	x509_cache_get_stats(c, &st);
	ck_assert_uint_eq(st.cert_misses, 2);
	ck_assert_uint_eq(st.cert_hits, 0);
	ck_assert_uint_eq(st.certs, 2);
	/* Each finds its own entry again, whichever is first in the bucket. */
	x = x509_cert_get(c, ch.der[0], len);
	ck_assert_ptr_eq(x, a);
	x509_cert_put(c, x);
	x = x509_cert_get(c, der_b, len);
	ck_assert_ptr_eq(x, b);
	x509_cert_put(c, x);
	x509_cache_get_stats(c, &st);
	ck_assert_uint_eq(st.cert_hits, 2);
	x509_cert_put(c, a);
	x509_cert_put(c, b);
	free(der_b);
	chain_free(&ch);
	x509_cache_free(c);
	ck_assert_uint_eq(mb.used, 0);
}
END_TEST

/* Too large to keep: the entry holds no DER, and is told apart by its
 * SHA-256 (of the first X509_DER_MAX bytes, as it always was). */
START_TEST(test_cache_collision_too_large)
{
	struct x509_cache *c = x509_cache_new(16, 16, NULL);
	struct x509_cache_stats st;
	uint8_t *p = calloc(1, X509_DER_MAX + 1),
		*q = calloc(1, X509_DER_MAX + 1);
	const struct x509_cert *a, *b, *x;

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(q);
	h64_collide(q, X509_DER_MAX + 1, 64);
	ck_assert(x509_der_hash64(p, X509_DER_MAX + 1) ==
		  x509_der_hash64(q, X509_DER_MAX + 1));
	a = x509_cert_get(c, p, X509_DER_MAX + 1);
	b = x509_cert_get(c, q, X509_DER_MAX + 1);
	ck_assert(a->malformed && b->malformed);
	ck_assert_ptr_ne(a, b);
	ck_assert(memcmp(a->sha256, b->sha256, 32) != 0);
	x = x509_cert_get(c, p, X509_DER_MAX + 1);
	ck_assert_ptr_eq(x, a);
	x509_cert_put(c, x);
	x = x509_cert_get(c, q, X509_DER_MAX + 1);
	ck_assert_ptr_eq(x, b);
	x509_cert_put(c, x);
	x509_cache_get_stats(c, &st);
	ck_assert_uint_eq(st.cert_misses, 2);
	ck_assert_uint_eq(st.cert_hits, 2);
	x509_cert_put(c, a);
	x509_cert_put(c, b);
	x509_cache_free(c);
	free(p);
	free(q);
}
END_TEST

/* A memo (an output's rendering kept with a cached certificate) is
 * charged to the cache's budget with its entry, and released with it when
 * the entry leaves the cache, even while the certificate is still held. */
START_TEST(test_cert_memo)
{
	static char buf[X509_MEMO_MAX + 1];
	struct membudget mb = {0}, mb_b = {0};
	struct x509_cache *c = x509_cache_new(1, 1, &mb);
	struct x509_cache *cb = x509_cache_new(1, 1, &mb_b);
	struct chain ch = {0};
	const struct x509_cert *a, *b, *u;
	const char *m;
	size_t len, used;

	memset(buf, 'j', sizeof(buf));
	chain_add_file(&ch, PKI "good.crt");
	chain_add_file(&ch, PKI "wild.crt");
	/* What b alone costs, in a cache of its own. */
	x509_cert_put(cb, x509_cert_get(cb, ch.der[1], ch.len[1]));
	ck_assert_uint_gt(mb_b.used, 0);

	a = x509_cert_get(c, ch.der[0], ch.len[0]);
	used = mb.used;
	ck_assert_ptr_null(x509_cert_memo(a, &len));
	ck_assert_uint_eq(len, 0);
	ck_assert(x509_cert_memo_settable(a));
	ck_assert(x509_cert_set_memo(a, "{\"x\": 1", 7));
	ck_assert_uint_eq(mb.used, used + 7);
	m = x509_cert_memo(a, &len);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(len, 7);
	ck_assert(memcmp(m, "{\"x\": 1", 7) == 0);
	/* One memo per entry. */
	ck_assert(!x509_cert_memo_settable(a));
	ck_assert(!x509_cert_set_memo(a, "{}", 2));
	ck_assert_uint_eq(mb.used, used + 7);

	/* b pushes a out of the one-certificate cache; a is still held, its
	 * memo is gone and nothing of a stays charged. */
	b = x509_cert_get(c, ch.der[1], ch.len[1]);
	ck_assert_ptr_null(x509_cert_memo(a, &len));
	ck_assert_uint_eq(len, 0);
	ck_assert_uint_eq(mb.used, mb_b.used);
	ck_assert(!x509_cert_memo_settable(a));
	ck_assert(!x509_cert_set_memo(a, "{}", 2));
	ck_assert_uint_eq(mb.used, mb_b.used);
	ck_assert_str_eq(a->subject, "CN=good.test.tlsdiag");
	x509_cert_put(c, a);
	ck_assert_uint_eq(mb.used, mb_b.used);

	/* Too long, or the budget refuses: not kept, nothing charged. */
	ck_assert(!x509_cert_set_memo(b, buf, X509_MEMO_MAX + 1));
	ck_assert_uint_eq(mb.used, mb_b.used);
	mb.cap = mb.used + 10;
	ck_assert(!x509_cert_set_memo(b, buf, 11));
	ck_assert_uint_eq(mb.used, mb_b.used);
	ck_assert(x509_cert_memo_settable(b));
	mb.cap = 0;
	ck_assert(x509_cert_set_memo(b, buf, X509_MEMO_MAX));
	ck_assert_uint_eq(mb.used, mb_b.used + X509_MEMO_MAX);
	x509_cert_put(c, b);

	/* Not in a cache: nowhere to keep it. */
	u = x509_cert_get(NULL, ch.der[0], ch.len[0]);
	ck_assert(!x509_cert_memo_settable(u));
	ck_assert(!x509_cert_set_memo(u, "{}", 2));
	ck_assert_ptr_null(x509_cert_memo(u, &len));
	x509_cert_put(NULL, u);

	x509_cache_free(c);
	ck_assert_uint_eq(mb.used, 0);
	x509_cache_free(cb);
	chain_free(&ch);
}
END_TEST

/* A budget too small for any entry: everything still works, uncached. */
START_TEST(test_cache_budget)
{
	struct membudget mb = {.cap = 100};
	struct x509_cache *c = x509_cache_new(0, 0, &mb);
	struct x509_store *s = test_store(false);
	struct x509_cache_stats st;
	struct chain ch = {0};
	struct x509_result r;

	chain_add_file(&ch, PKI "expired-chain.pem");
	ck_assert_int_eq(
	    validate(c, s, &ch, T_CAPTURE, X509_PURPOSE_SERVER, &r),
	    X509_RES_EXPIRED);
	ck_assert_int_eq(
	    validate(c, s, &ch, T_CAPTURE, X509_PURPOSE_SERVER, &r),
	    X509_RES_EXPIRED);
	ck_assert(!r.cached);
	x509_cache_get_stats(c, &st);
	ck_assert_uint_eq(st.certs, 0);
	ck_assert_uint_eq(st.chains, 0);
	ck_assert_uint_ge(st.mem_refused, 6);
	ck_assert_uint_gt(mb.refused, 0);
	chain_free(&ch);
	x509_store_free(s);
	x509_cache_free(c);
}
END_TEST

/* The missing intermediate was sent by another connection: evidence, not
 * a repair. */
START_TEST(test_known_elsewhere)
{
	struct x509_cache *c = x509_cache_new(0, 0, NULL);
	struct x509_store *s = test_store(false);
	struct chain full = {0}, leaf = {0};
	struct x509_result r;

	chain_add_file(&full, PKI "good-chain.pem");
	chain_add_file(&leaf,
		       FIX "tls12-openssl-cert_incomplete_chain.leaf.der");
	ck_assert_int_eq(
	    validate(c, s, &leaf, T_CAPTURE, X509_PURPOSE_SERVER, &r),
	    X509_RES_INCOMPLETE_CHAIN);
	ck_assert(!r.issuer_known_elsewhere);
	ck_assert_int_eq(
	    validate(c, s, &full, T_CAPTURE, X509_PURPOSE_SERVER, &r),
	    X509_RES_OK);
	ck_assert(x509_issuer_known_elsewhere(
	    c, "CN=tlsdiag Test Intermediate CA,O=tlsdiag test PKI"));
	/* Next hour: the leaf alone is still incomplete, now with
	 * evidence. */
	ck_assert_int_eq(
	    validate(c, s, &leaf, T_CAPTURE + 3600, X509_PURPOSE_SERVER, &r),
	    X509_RES_INCOMPLETE_CHAIN);
	ck_assert(r.issuer_known_elsewhere);
	ck_assert(!r.anchored);
	chain_free(&full);
	chain_free(&leaf);
	x509_store_free(s);
	x509_cache_free(c);
}
END_TEST

/*
 * Certificates wolfSSL refuses but the walk decodes (made by
 * tests/fixtures/x509/gen-nowolf.sh; the expected values are the output of
 * `openssl x509 -noout -subject -issuer -nameopt RFC2253 -dates -serial
 * -fingerprint -sha256 -text` for each file), and one pre-1970 certificate
 * wolfSSL takes.
 */

#define T_2025 1735689600LL	  /* 2025-01-01 */
#define T_2044_12_31 2366755200LL /* 2044-12-31 */
#define T_1969_12_31 (-86400LL)	  /* 1969-12-31 */
#define INTER "CN=tlsdiag Test Intermediate CA,O=tlsdiag test PKI"
#define OCSP_URL "http://ocsp.test.tlsdiag/"
#define CRL_URL "http://crl.test.tlsdiag/inter.crl"
#define RDN17                                                                  \
	"CN=rdn17-self.test.tlsdiag,OU=unit 15,OU=unit 14,OU=unit 13,OU=unit " \
	"12,OU=unit 11,OU=unit 10,OU=unit 9,OU=unit 8,OU=unit 7,OU=unit "      \
	"6,OU=unit 5,OU=unit 4,OU=unit 3,OU=unit 2,OU=unit 1,O=tlsdiag test "  \
	"PKI"

static const struct nowolf_case {
	const char *file;
	const char *subject, *issuer, *cn, *serial;
	int64_t not_before, not_after;
	enum x509_key key;
	unsigned bits;
	const char *sig_alg;
	bool is_ca;
	uint16_t ku;
	uint8_t eku;	  /* 0: no EKU extension */
	const char *san0; /* NULL: no SAN */
	const char *ocsp, *crl_dp;
	const char *sha256;
	const char *why;       /* the malformed problem's reason; NULL: wolfSSL
				  decodes it */
	enum x509_code status; /* at T_CAPTURE, sent with inter.crt unless
				  self-issued */
} nowolf_cases[] = {
    {"rdn20.der",
     "CN=rdn20.test.tlsdiag,OU=unit 18,OU=unit 17,OU=unit 16,OU=unit 15,OU="
     "unit 14,OU=unit 13,OU=unit 12,OU=unit 11,OU=unit 10,OU=unit 9,OU=unit "
     "8,OU=unit 7,OU=unit 6,OU=unit 5,OU=unit 4,OU=unit 3,OU=unit 2,OU=unit "
     "1,O=tlsdiag test PKI",
     INTER, "rdn20.test.tlsdiag", "3001", T_2025, T_2044_12_31, X509_KEY_RSA,
     2048, "sha256WithRSAEncryption", false,
     X509_KU_DIGITAL_SIGNATURE | X509_KU_KEY_ENCIPHERMENT, X509_EKU_SERVER_AUTH,
     "rdn20.test.tlsdiag", OCSP_URL, CRL_URL,
     "22D6F7AD7C2AC526AFE1E6BEB92FA2D027C4A2EE61459B55D8F0FC4A0B70C03B",
     "a name of 20 attributes (wolfSSL takes 16)", X509_RES_MALFORMED},
    {"pre1970.der", "CN=pre1970.test.tlsdiag,O=tlsdiag test PKI", INTER,
     "pre1970.test.tlsdiag", "3002", T_1969_12_31, T_2044_12_31, X509_KEY_EC,
     256, "sha256WithRSAEncryption", false,
     X509_KU_DIGITAL_SIGNATURE | X509_KU_KEY_ENCIPHERMENT, X509_EKU_SERVER_AUTH,
     "pre1970.test.tlsdiag", OCSP_URL, CRL_URL,
     "5B95C6C4319057065E3BC342F7FE7308095F363FF49F0C69BD0199B06E424B1D", NULL,
     X509_RES_OK},
    {"pre1970-emptysan.der",
     "CN=pre1970-emptysan.test.tlsdiag,O=tlsdiag test PKI", INTER,
     "pre1970-emptysan.test.tlsdiag", "3004", T_1969_12_31, T_2044_12_31,
     X509_KEY_EC, 256, "sha256WithRSAEncryption", false,
     X509_KU_DIGITAL_SIGNATURE | X509_KU_KEY_ENCIPHERMENT, X509_EKU_SERVER_AUTH,
     NULL, NULL, NULL,
     "ECC9A0067EC5C5FD3C56E969463DD790CE86C425FB2046E6D78AF019E313EFAD",
     "an empty subjectAltName", X509_RES_MALFORMED},
    {"critext.der", "CN=critext.test.tlsdiag,O=tlsdiag test PKI", INTER,
     "critext.test.tlsdiag", "3003", T_2025, T_2044_12_31, X509_KEY_RSA, 2048,
     "sha256WithRSAEncryption", false,
     X509_KU_DIGITAL_SIGNATURE | X509_KU_KEY_ENCIPHERMENT, X509_EKU_SERVER_AUTH,
     "critext.test.tlsdiag", OCSP_URL, CRL_URL,
     "ACEC9FF2F8A71F50C6964F2110CC901827CC7860E80197980405BD693C47D8CF",
     "unsupported critical extension 1.2.3.4", X509_RES_MALFORMED},
    {"rdn17-self.der", RDN17, RDN17, "rdn17-self.test.tlsdiag", "3005", T_2025,
     T_2044_12_31, X509_KEY_EC, 256, "ecdsa-with-SHA256", true,
     X509_KU_KEY_CERT_SIGN | X509_KU_CRL_SIGN, 0, NULL, NULL, NULL,
     "65B9BBF6293BC2F9FD35BC6E8179213849E8FCDBB289A1D4BBBC2237C0DF63F8",
     "a name of 17 attributes (wolfSSL takes 16)", X509_RES_MALFORMED},
};

static const struct x509_problem *
problem_at(const struct x509_result *r, enum x509_code code, int index)
{
	unsigned i;

	for (i = 0; i < r->nproblems; i++)
		if (r->problem[i].code == code && r->problem[i].index == index)
			return &r->problem[i];
	return NULL;
}

START_TEST(test_nowolf)
{
	const struct nowolf_case *d = &nowolf_cases[_i];
	struct x509_store *s = test_store(false);
	struct x509_cache *cache = x509_cache_new(16, 16, NULL);
	struct chain ch = {0};
	struct x509_result r, r2;
	const struct x509_cert *c;
	const struct x509_problem *p;
	char path[256], hex[65], want[X509_DETAIL_MAX];
	size_t i;
	bool self;

	snprintf(path, sizeof(path), FIX "%s", d->file);
	chain_add_file(&ch, path);
	c = x509_cert_get(NULL, ch.der[0], ch.len[0]);
	ck_assert_ptr_nonnull(c);
	/* Decoded, not malformed: every field the walk reads is there. */
	ck_assert(!c->malformed);
	ck_assert_int_eq(c->malformed_why, X509_MALFORMED_NONE);
	ck_assert_str_eq(c->subject, d->subject);
	ck_assert_str_eq(c->issuer, d->issuer);
	ck_assert(!c->names_truncated);
	assert_str(c->cn, d->cn, "cn");
	ck_assert_str_eq(c->serial, d->serial);
	ck_assert_int_eq(c->version, 3);
	ck_assert_int_eq(c->not_before, d->not_before);
	ck_assert_int_eq(c->not_after, d->not_after);
	ck_assert_int_eq(c->key_type, d->key);
	ck_assert_uint_eq(c->key_bits, d->bits);
	if (d->key == X509_KEY_EC)
		assert_str(c->key_curve, "prime256v1", "curve");
	ck_assert_str_eq(c->sig_alg, d->sig_alg);
	ck_assert(!c->sig_weak);
	ck_assert(c->bc_present);
	ck_assert_int_eq(c->is_ca, d->is_ca);
	ck_assert_int_eq(c->pathlen, -1);
	ck_assert(c->ku_present);
	ck_assert_uint_eq(c->key_usage, d->ku);
	ck_assert_int_eq(c->eku_present, d->eku != 0);
	ck_assert_uint_eq(c->eku, d->eku);
	if (d->san0 == NULL)
		ck_assert_uint_eq(c->nsan, 0);
	else {
		ck_assert_uint_eq(c->nsan, 1);
		ck_assert_str_eq(c->san[0].dns, d->san0);
	}
	assert_str(c->nocsp ? c->ocsp_url[0] : NULL, d->ocsp, "ocsp");
	assert_str(c->ncrl_dp ? c->crl_dp[0] : NULL, d->crl_dp, "crl_dp");
	self = strcmp(d->subject, d->issuer) == 0;
	ck_assert_int_eq(c->self_issued, self);
	/* wolfSSL alone could tell that the signature is its own. */
	ck_assert(!c->self_signed);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02X", c->sha256[i]);
	ck_assert_str_eq(hex, d->sha256);
	x509_cert_put(NULL, c);

	if (!self)
		chain_add_file(&ch, PKI "inter.crt");
	ck_assert_int_eq(
	    validate(NULL, s, &ch, T_CAPTURE, X509_PURPOSE_SERVER, &r),
	    d->status);
	/* No signature was found bad: wolfSSL could not check it. */
	ck_assert(find_problem(&r, X509_RES_BAD_SIGNATURE) == NULL);
	if (self) {
		ck_assert(!r.anchored);
		ck_assert_ptr_nonnull(problem_at(&r, X509_RES_SELF_SIGNED, 0));
	} else {
		/* The path is still found by names: leaf, inter, root. */
		ck_assert(r.anchored);
		ck_assert_uint_eq(r.path_len, 2);
		ck_assert_str_eq(r.anchor_subject,
				 "CN=tlsdiag Test Root CA,O=tlsdiag test PKI");
	}
	if (d->why == NULL) {
		ck_assert_uint_eq(r.codes, 1u << X509_RES_OK);
	} else {
		ck_assert_int_ne(r.status, X509_RES_OK);
		ck_assert(!(r.codes & (1u << X509_RES_OK)));
		p = problem_at(&r, X509_RES_MALFORMED, 0);
		ck_assert_ptr_nonnull(p);
		snprintf(want, sizeof(want), "wolfSSL cannot verify: %s",
			 d->why);
		ck_assert_str_eq(p->detail, want);
		/* Through the cache: the same answer, twice. */
		validate(cache, s, &ch, T_CAPTURE, X509_PURPOSE_SERVER, &r2);
		ck_assert_int_eq(validate(cache, s, &ch, T_CAPTURE,
					  X509_PURPOSE_SERVER, &r2),
				 d->status);
		ck_assert(r2.cached);
		ck_assert_str_eq(problem_at(&r2, X509_RES_MALFORMED, 0)->detail,
				 want);
		/* Nothing can be verified with it: not an anchor. */
		ck_assert_int_eq(x509_store_add_der(s, ch.der[0], ch.len[0],
						    path, sizeof(path)),
				 -1);
	}
	/* One second before notBefore (before 1970 for two of them): not
	 * yet valid by exactly one second. */
	validate(NULL, s, &ch, d->not_before - 1, X509_PURPOSE_SERVER, &r);
	p = problem_at(&r, X509_RES_NOT_YET_VALID, 0);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->seconds, 1);
	if (d->not_before < 0)
		ck_assert_msg(strstr(p->detail, "1969-12-31 00:00:00Z") != NULL,
			      "%s", p->detail);
	chain_free(&ch);
	x509_cache_free(cache);
	x509_store_free(s);
}
END_TEST

/* A refused certificate the path does not use still makes the chain
 * not ok: the peer sent something nobody can check. */
START_TEST(test_nowolf_unused)
{
	struct x509_store *s = test_store(false);
	struct chain ch = {0};
	struct x509_result r;
	const struct x509_problem *p;

	chain_add_file(&ch, PKI "good-chain.pem");
	chain_add_file(&ch, FIX "critext.der");
	ck_assert_uint_eq(ch.n, 3);
	ck_assert_int_eq(
	    validate(NULL, s, &ch, T_CAPTURE, X509_PURPOSE_SERVER, &r),
	    X509_RES_MALFORMED);
	ck_assert(r.anchored);
	ck_assert_uint_eq(r.path_len, 2);
	ck_assert_uint_eq(r.unused, 1);
	ck_assert_uint_eq(r.nproblems, 1);
	p = problem_at(&r, X509_RES_MALFORMED, 2);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->detail, "wolfSSL cannot verify: unsupported "
				    "critical extension 1.2.3.4");
	chain_free(&ch);
	x509_store_free(s);
}
END_TEST

/*
 * Hostile DER.
 */

START_TEST(test_truncated)
{
	struct x509_store *s = test_store(false);
	struct chain ch = {0};
	struct x509_result r;
	size_t full, n;

	chain_add_file(&ch, PKI "good-chain.pem");
	full = ch.len[0];
	for (n = 0; n < full; n++) {
		const struct x509_cert *c = x509_cert_get(NULL, ch.der[0], n);

		ck_assert(c->malformed);
		x509_cert_put(NULL, c);
		ch.len[0] = n;
		ck_assert_int_eq(
		    validate(NULL, s, &ch, T_CAPTURE, X509_PURPOSE_SERVER, &r),
		    X509_RES_MALFORMED);
	}
	ch.len[0] = full;
	chain_free(&ch);
	x509_store_free(s);
}
END_TEST

START_TEST(test_flipped)
{
	struct x509_store *s = test_store(true);
	struct x509_cache *c = x509_cache_new(64, 64, NULL);
	struct chain ch = {0};
	struct x509_result r;
	size_t i;
	unsigned ok = 0;

	chain_add_file(&ch, PKI "good-chain.pem");
	for (i = 0; i < ch.len[0]; i++) {
		ch.der[0][i] ^= 0xff;
		validate(c, s, &ch, T_CAPTURE, X509_PURPOSE_SERVER, &r);
		/* Any result but ok: every byte is covered by the
		 * signature or the DER framing. */
		ok += r.status == X509_RES_OK;
		ck_assert_uint_le(r.nproblems, X509_PROBLEMS_MAX);
		ch.der[0][i] ^= 0xff;
	}
	ck_assert_uint_eq(ok, 0);
	ck_assert_int_eq(
	    validate(c, s, &ch, T_CAPTURE, X509_PURPOSE_SERVER, &r),
	    X509_RES_OK);
	chain_free(&ch);
	x509_cache_free(c);
	x509_store_free(s);
}
END_TEST

START_TEST(test_too_large)
{
	uint8_t *big = calloc(1, X509_DER_MAX + 1);
	const struct x509_cert *c;

	ck_assert_ptr_nonnull(big);
	c = x509_cert_get(NULL, big, X509_DER_MAX + 1);
	ck_assert(c->malformed);
	ck_assert_int_eq(c->malformed_why, X509_MALFORMED_TOO_LARGE);
	x509_cert_put(NULL, c);
	free(big);
}
END_TEST

/*
 * The trust store.
 */

START_TEST(test_store_files)
{
	struct x509_store *s = x509_store_new();
	char err[256];
	uint64_t g;

	ck_assert_int_eq(
	    x509_store_add_file(s, PKI "trust.pem", err, sizeof(err)), 0);
	ck_assert_uint_eq(x509_store_count(s), 1);
	g = x509_store_generation(s);
	/* The same certificate again is not a second anchor. */
	ck_assert_int_eq(
	    x509_store_add_file(s, PKI "root.crt", err, sizeof(err)), 0);
	ck_assert_uint_eq(x509_store_count(s), 1);
	ck_assert_int_eq(x509_store_add_file(s, PKI "trust-with-intercept.pem",
					     err, sizeof(err)),
			 0);
	ck_assert_uint_eq(x509_store_count(s), 2);
	ck_assert_uint_ne(x509_store_generation(s), g);

	ck_assert_int_eq(
	    x509_store_add_file(s, PKI "no-such-file.pem", err, sizeof(err)),
	    -1);
	ck_assert(strstr(err, PKI "no-such-file.pem") != NULL);
	ck_assert_int_eq(
	    x509_store_add_file(s, PKI "good.key", err, sizeof(err)), -1);
	ck_assert(strstr(err, "good.key") != NULL);
	ck_assert_int_eq(
	    x509_store_add_crl(s, PKI "good.crt", err, sizeof(err)), -1);
	ck_assert(strstr(err, "good.crt") != NULL);
	ck_assert_int_eq(
	    x509_store_add_dir(s, "tests/no-such-dir", err, sizeof(err)), -1);
	ck_assert(strstr(err, "tests/no-such-dir") != NULL);
	/* captures/pki holds the 18 certificates of the PKI, one per *.crt
	 * file (and keys, chains and a CRL, which add nothing new): all
	 * load, once each. */
	ck_assert_int_eq(x509_store_add_dir(s, PKI, err, sizeof(err)), 0);
	ck_assert_uint_eq(x509_store_count(s), 18);
	x509_store_free(s);
}
END_TEST

START_TEST(test_store_system)
{
	struct x509_store *s = x509_store_new();
	char err[256];

	if (x509_store_load_default(s, err, sizeof(err)) != 0) {
		/* Not every build machine has ca-certificates. */
		ck_assert(strstr(err, X509_SYSTEM_BUNDLE) != NULL);
	} else
		ck_assert_uint_gt(x509_store_count(s), 50);
	x509_store_free(s);
}
END_TEST

START_TEST(test_names)
{
	unsigned i;

	for (i = 0; i < X509_NCODES; i++) {
		ck_assert_ptr_nonnull(x509_code_name(i));
		ck_assert_str_ne(x509_code_name(i), "?");
	}
	ck_assert_str_eq(x509_code_name(X509_RES_OK), "ok");
	ck_assert_str_eq(x509_code_name(X509_RES_EXPIRED), "expired");
	ck_assert_str_eq(x509_code_name(X509_RES_NOT_YET_VALID),
			 "not_yet_valid");
	ck_assert_str_eq(x509_code_name(X509_RES_SELF_SIGNED), "self_signed");
	ck_assert_str_eq(x509_code_name(X509_RES_INCOMPLETE_CHAIN),
			 "incomplete_chain");
	ck_assert_str_eq(x509_code_name(X509_RES_UNTRUSTED_ROOT),
			 "untrusted_root");
	ck_assert_str_eq(x509_code_name(X509_RES_BAD_SIGNATURE),
			 "bad_signature");
	ck_assert_str_eq(x509_code_name(X509_RES_WRONG_ORDER), "wrong_order");
	ck_assert_str_eq(x509_code_name(X509_RES_BAD_USAGE), "bad_usage");
	ck_assert_str_eq(x509_code_name(X509_RES_WEAK_KEY), "weak_key");
	ck_assert_str_eq(x509_code_name(X509_RES_WEAK_SIGNATURE),
			 "weak_signature");
	ck_assert_str_eq(x509_code_name(X509_RES_REVOKED), "revoked");
	ck_assert(x509_code_is_warning(X509_RES_WEAK_KEY));
	ck_assert(!x509_code_is_warning(X509_RES_EXPIRED));
	ck_assert_str_eq(x509_key_name(X509_KEY_ED25519), "ed25519");
}
END_TEST

/* Per-call time of decode + validate of one chain, uncached and cached
 * (printed for the issue note; asserts the tenfold gain). */
START_TEST(test_bench)
{
	struct x509_store *s = test_store(false);
	struct x509_cache *c = x509_cache_new(0, 0, NULL);
	struct chain ch = {0};
	struct x509_result r;
	struct timespec a, b;
	double unc, cac;
	unsigned i, n = 200;

	chain_add_file(&ch, PKI "good-chain.pem");
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		validate(NULL, s, &ch, T_CAPTURE, X509_PURPOSE_SERVER, &r);
	clock_gettime(CLOCK_MONOTONIC, &b);
	unc = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n * 50; i++)
		validate(c, s, &ch, T_CAPTURE, X509_PURPOSE_SERVER, &r);
	clock_gettime(CLOCK_MONOTONIC, &b);
	cac =
	    ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (n * 50);
	fprintf(stderr,
		"x509 bench: decode+validate uncached %.1f us, cached %.2f us "
		"(%.0fx)\n",
		unc / 1000, cac / 1000, unc / cac);
	ck_assert(unc > 10 * cac);
	chain_free(&ch);
	x509_cache_free(c);
	x509_store_free(s);
}
END_TEST

static Suite *
x509_suite(void)
{
	Suite *s = suite_create("x509");
	TCase *tc = tcase_create("x509");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_decode, 0,
			    sizeof(decode_cases) / sizeof(decode_cases[0]));
	tcase_add_test(tc, test_asn1_time);
	tcase_add_loop_test(tc, test_validate, 0,
			    sizeof(validate_cases) / sizeof(validate_cases[0]));
	tcase_add_test(tc, test_independent_facts);
	tcase_add_loop_test(tc, test_times, 0,
			    sizeof(time_cases) / sizeof(time_cases[0]));
	tcase_add_test(tc, test_crl_dates);
	tcase_add_loop_test(tc, test_ocsp, 0,
			    sizeof(ocsp_cases) / sizeof(ocsp_cases[0]));
	tcase_add_test(tc, test_cache);
	tcase_add_test(tc, test_cache_shed);
	tcase_add_test(tc, test_cache_exact_dates);
	tcase_add_test(tc, test_cache_eviction);
	tcase_add_test(tc, test_cache_budget);
	tcase_add_test(tc, test_cache_collision);
	tcase_add_test(tc, test_cache_collision_too_large);
	tcase_add_test(tc, test_cert_memo);
	tcase_add_test(tc, test_known_elsewhere);
	tcase_add_loop_test(tc, test_nowolf, 0,
			    sizeof(nowolf_cases) / sizeof(nowolf_cases[0]));
	tcase_add_test(tc, test_nowolf_unused);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_flipped);
	tcase_add_test(tc, test_too_large);
	tcase_add_test(tc, test_store_files);
	tcase_add_test(tc, test_store_system);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_bench);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(x509_suite)
