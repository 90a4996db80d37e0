/* x509.h -- X.509 certificates: decoding, a bounded cache, chain validation
 * at the capture time against a trust store, CRLs and stapled OCSP.
 *
 * RFC 5280 (certificates, CRLs, path validation), RFC 4514 (distinguished
 * names as strings), RFC 6960 (OCSP responses), RFC 6066 8 (stapling).
 *
 * x509 decodes DER certificates with wolfSSL into `struct x509_cert` facts
 * (names, SANs, dates, key, signature algorithm, extensions, SHA-256
 * fingerprint, self-signed).  A `struct x509_cache`, shared by every
 * connection of one worker, keeps decoded certificates by fingerprint and
 * validation results by (chain, trust store generation, capture hour), both
 * capped with LRU eviction and charged to a membudget.  A `struct x509_store`
 * holds the trust anchors and the user's CRLs.  x509_validate() builds the
 * path from the leaf through the certificates the peer sent to an anchor of
 * the store and reports every problem it finds, each on its own (a date
 * problem never hides a signature problem), at the capture time given.
 *
 * It owns: the cache, its entries, the store.  It never reads the wall
 * clock to judge a certificate (every date is compared with the capture time
 * the caller passes, and wolfSSL's own date checks are never relied on), never
 * completes a chain with certificates other connections sent (it only says
 * that such an issuer was seen: x509_issuer_known_elsewhere()), never touches
 * the network (AIA and CRL URLs are reported, not fetched), and never formats
 * attacker-chosen strings for output beyond RFC 4514 escaping: names and
 * URLs are attacker-chosen bytes that output modules escape.
 *
 * Threads: a cache and a store belong to one worker (a store may be shared
 * read-only once loaded).  wolfSSL_Init() is called by x509_store_new() and
 * x509_cache_new(); wolfSSL_Cleanup() is left to the program's end.
 */
#ifndef TLSDIAG_X509_H
#define TLSDIAG_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsdiag/caps.h"
#include "tlsdiag/mem.h"

/*
 * Caps of this module, each with its reason.  (They belong in caps.h, which
 * x509 does not own; see the report of issue 4.)
 */

/* Largest certificate decoded.  Real certificates are 1-2 KiB; the biggest
 * seen in the wild (SAN lists of CDNs) stay under 16 KiB.  A TLS Certificate
 * entry may be 2^24-1 bytes; anything over this is refused as "malformed"
 * with the reason "too_large". */
#define X509_DER_MAX (64u * 1024u)

/* Characters of an RFC 4514 name kept (NUL included).  RFC 5280 upper
 * bounds make a CN at most 64 characters and whole names of public CAs stay
 * under 200, but nothing bounds the number of attributes: a real capture of
 * the public corpus carries a 46-attribute subject of about 1,400
 * characters.  Longer ones are cut and flagged. */
#define X509_NAME_MAX 2048

/* SAN entries kept (DNS and IP together).  CDN certificates carry up to a
 * few hundred names (CA/B Forum allows any number; 100 is common); the first
 * X509_SAN_MAX are kept and the total is counted. */
#define X509_SAN_MAX 128

/* URLs kept per kind (AIA OCSP, AIA caIssuers, CRL distribution points):
 * real certificates carry one or two. */
#define X509_URLS_MAX 4

/* Bytes of all strings of one decoded certificate (names, SANs, URLs).
 * X509_SAN_MAX names of 253 bytes would need 32 KiB; real ones need under 4;
 * strings that do not fit are dropped and counted in strings_truncated. */
#define X509_STRINGS_MAX (16u * 1024u)

/* Bytes of an output's rendering kept with a cached certificate
 * (x509_cert_set_memo).  The JSON of a real certificate is 1-3 KiB; one
 * whose X509_STRINGS_MAX bytes of strings all need escaping could reach six
 * times that.  A longer rendering is not kept: it is made again each time. */
#define X509_MEMO_MAX (32u * 1024u)

/* Problems reported per validation.  A chain of TLS_CERTS_MAX certificates
 * can have a few problems each; more is noise. */
#define X509_PROBLEMS_MAX 24

/* Characters of a problem's detail text (NUL included). */
#define X509_DETAIL_MAX 128

/* Default cache sizes (entries).  One worker sees a few thousand distinct
 * server certificates an hour on a busy span port; a certificate entry costs
 * about 6 KiB plus the DER twice (wolfSSL's copy and ours), a chain entry
 * about 5 KiB (a whole result). */
#define X509_CACHE_CERTS_DEFAULT 8192
#define X509_CACHE_CHAINS_DEFAULT 4096

/* Key types. */
enum x509_key {
	X509_KEY_UNKNOWN, /* "unknown" */
	X509_KEY_RSA,	  /* "rsa" */
	X509_KEY_EC,	  /* "ec" */
	X509_KEY_ED25519, /* "ed25519" */
	X509_KEY_ED448,	  /* "ed448" */
	X509_KEY_DSA,	  /* "dsa" */
	X509_KEY_NKINDS
};

/* Key usage bits (RFC 5280 4.2.1.3), numbered as in the BIT STRING. */
#define X509_KU_DIGITAL_SIGNATURE 0x001
#define X509_KU_NON_REPUDIATION 0x002
#define X509_KU_KEY_ENCIPHERMENT 0x004
#define X509_KU_DATA_ENCIPHERMENT 0x008
#define X509_KU_KEY_AGREEMENT 0x010
#define X509_KU_KEY_CERT_SIGN 0x020
#define X509_KU_CRL_SIGN 0x040
#define X509_KU_ENCIPHER_ONLY 0x080
#define X509_KU_DECIPHER_ONLY 0x100

/* Extended key usage purposes (RFC 5280 4.2.1.12). */
#define X509_EKU_SERVER_AUTH 0x01
#define X509_EKU_CLIENT_AUTH 0x02
#define X509_EKU_OCSP_SIGNING 0x04
#define X509_EKU_ANY 0x08

/* Why a certificate could not be decoded (x509_cert.malformed_why). */
#define X509_MALFORMED_NONE 0
#define X509_MALFORMED_TOO_LARGE 1 /* over X509_DER_MAX */
#define X509_MALFORMED_DER 2	   /* wolfSSL or our walk refused it */
#define X509_MALFORMED_MEMORY 3	   /* the budget refused it */

struct x509_san {
	bool ip;	  /* iPAddress (4 or 16 bytes in addr); else dNSName */
	uint8_t addr_len; /* 4 or 16 */
	uint8_t addr[16];
	const char *dns;   /* dNSName as sent (IA5String bytes, NUL added;
			      NUL bytes inside make it "embedded_nul");
			      owned by the cert; NULL for an IP */
	bool embedded_nul; /* the dNSName held a NUL byte: never matches */
};

/*
 * A decoded certificate.  Every string field is NUL-terminated and owned by
 * the certificate (one allocation, freed with it); NULL when absent.
 * Attacker-chosen: escape before output.
 */
struct x509_cert {
	uint8_t sha256[32];    /* of the DER: the cache key */
	bool malformed;	       /* nothing below is meaningful but sha256 */
	uint8_t malformed_why; /* X509_MALFORMED_* */
	uint32_t der_len;

	const char *subject; /* RFC 4514: "CN=good.test.tlsdiag,O=..." */
	const char *issuer;
	const char *cn;	      /* last CN of the subject; NULL none */
	bool names_truncated; /* a name was cut at X509_NAME_MAX */

	char serial[2 * 20 + 1 + 8]; /* hex, uppercase, as openssl prints it
				 without the colons; RFC 5280 4.1.2.2
				 allows 20 octets (longer: cut, flagged) */
	bool serial_truncated;
	int version; /* 1..3 */

	int64_t not_before; /* Unix seconds (UTC) */
	int64_t not_after;

	uint8_t key_type; /* enum x509_key */
	uint16_t key_bits;
	const char *key_curve; /* EC: "prime256v1", ...; NULL otherwise */

	const char *sig_alg; /* "sha256WithRSAEncryption", ... (OpenSSL's
				long names) or the dotted OID */
	bool sig_weak;	     /* MD2, MD4, MD5 or SHA-1 */

	bool bc_present; /* basicConstraints */
	bool is_ca;
	int pathlen; /* -1: no pathLenConstraint */

	bool ku_present;
	uint16_t key_usage; /* X509_KU_* */
	bool eku_present;
	uint8_t eku; /* X509_EKU_* */

	uint16_t nsan; /* kept */
	uint32_t san_total;
	bool san_truncated; /* more than X509_SAN_MAX (or no room) */
	struct x509_san san[X509_SAN_MAX];

	uint8_t nocsp, nca_issuers, ncrl_dp;
	const char *ocsp_url[X509_URLS_MAX];	   /* AIA id-ad-ocsp */
	const char *ca_issuers_url[X509_URLS_MAX]; /* AIA id-ad-caIssuers */
	const char *crl_dp[X509_URLS_MAX];	   /* CRLDP fullName URIs */
	bool urls_truncated;
	bool strings_truncated; /* X509_STRINGS_MAX was reached */

	bool self_issued; /* subject == issuer */
	bool self_signed; /* and its signature verifies with its own key */
};

/* Result and problem codes: stable names (JSON, metrics).  Errors make the
 * chain invalid; warnings (weak_key, weak_signature) do not. */
#define X509_CODES(X)                                                          \
	X(OK, "ok", "the chain is valid at the capture time")                  \
	X(EXPIRED, "expired", "a certificate's notAfter is before the time")   \
	X(NOT_YET_VALID, "not_yet_valid",                                      \
	  "a certificate's notBefore is after the time")                       \
	X(SELF_SIGNED, "self_signed", "the leaf is self-signed, not trusted")  \
	X(INCOMPLETE_CHAIN, "incomplete_chain",                                \
	  "an issuer was neither sent nor in the trust store")                 \
	X(UNTRUSTED_ROOT, "untrusted_root",                                    \
	  "the chain ends at a self-signed root not in the store")             \
	X(BAD_SIGNATURE, "bad_signature",                                      \
	  "a signature does not verify with its issuer's key")                 \
	X(WRONG_ORDER, "wrong_order",                                          \
	  "the sent certificates form a chain, but not leaf first in order")   \
	X(BAD_USAGE, "bad_usage",                                              \
	  "no serverAuth EKU, or an issuer that is not a CA")                  \
	X(WEAK_KEY, "weak_key", "RSA/DSA under 2048 bits or EC under 224")     \
	X(WEAK_SIGNATURE, "weak_signature", "signed with MD5 or SHA-1")        \
	X(REVOKED, "revoked", "a CRL or the stapled OCSP says revoked")        \
	X(MALFORMED, "malformed", "a certificate could not be decoded")

enum x509_code {
#define X509_CODE_ENUM_(id, name, what) X509_RES_##id,
	X509_CODES(X509_CODE_ENUM_)
#undef X509_CODE_ENUM_
	    X509_NCODES
};

const char *x509_code_name(enum x509_code c);
const char *x509_code_meaning(enum x509_code c);
/* True for the warnings (weak_key, weak_signature). */
bool x509_code_is_warning(enum x509_code c);
const char *x509_key_name(enum x509_key k);

/* Index of a problem's certificate when it is the trust store's anchor
 * rather than a certificate the peer sent. */
#define X509_INDEX_ANCHOR (-1)
/* Index when the problem concerns no single certificate. */
#define X509_INDEX_NONE (-2)

struct x509_problem {
	uint8_t code;	 /* enum x509_code */
	int8_t index;	 /* sent index (0 = leaf), or X509_INDEX_* */
	int64_t seconds; /* expired: now - notAfter; not_yet_valid:
			    notBefore - now; else 0 */
	char detail[X509_DETAIL_MAX]; /* a sentence; may hold certificate
					 names (attacker-chosen) */
};

/* OCSP CertStatus (RFC 6960 4.2.1). */
enum x509_ocsp_status {
	X509_OCSP_NONE,	     /* "none": no response given */
	X509_OCSP_MALFORMED, /* "malformed": could not be decoded */
	X509_OCSP_ERROR,     /* "error": responseStatus not successful */
	X509_OCSP_GOOD,	     /* "good" */
	X509_OCSP_REVOKED,   /* "revoked" */
	X509_OCSP_UNKNOWN,   /* "unknown" */
	X509_OCSP_NSTATUS
};

const char *x509_ocsp_status_name(enum x509_ocsp_status s);

/* A stapled OCSP response judged at the capture time.  The signature is
 * checked with the issuer's key, or with a delegated responder certificate
 * carried in the response that the issuer signed and that has the
 * OCSPSigning EKU (RFC 6960 4.2.2.2). */
struct x509_ocsp {
	uint8_t status;	     /* enum x509_ocsp_status */
	uint8_t resp_status; /* OCSPResponseStatus (0 successful) */
	bool for_leaf;	     /* certID serial and issuer hashes match the
				leaf and its issuer */
	bool issuer_checked; /* the leaf's issuer was known, so the
				issuer hashes could be compared */
	bool sig_checked;    /* a key to check the signature was found */
	bool sig_ok;	     /* and the signature verified */
	bool time_valid;     /* thisUpdate <= t and (no nextUpdate or
				t <= nextUpdate) */
	int64_t produced_at;
	int64_t this_update;
	int64_t next_update;	 /* 0: none */
	int64_t revocation_time; /* revoked */
	int revocation_reason;	 /* CRLReason (RFC 5280 5.3.1); -1 none */
	uint16_t nresponses;	 /* SingleResponses in the response */
};

/* The outcome of validating one chain at one time. */
struct x509_result {
	uint32_t codes;	    /* bit (1u << code) for each code found;
			       X509_RES_OK alone when there is no error */
	uint8_t status;	    /* enum x509_code: OK, or the most decisive
			       error: malformed, bad_signature, revoked,
			       self_signed, untrusted_root, incomplete_chain,
			       expired, not_yet_valid, bad_usage, wrong_order
			       (warnings never) */
	uint16_t nproblems; /* kept in problem[], at most X509_PROBLEMS_MAX */
	bool problems_truncated;

	/* The path found: sent indices from the leaf up, then the anchor. */
	uint8_t path_len; /* sent certificates on the path */
	int8_t path[TLS_CERTS_MAX];
	bool anchored; /* the path reached an anchor of the store */
	char anchor_subject[X509_NAME_MAX];
	uint8_t unused; /* sent certificates not on the path */

	/* incomplete_chain: the issuer looked for, the caIssuers URL of the
	 * certificate that names it, and whether another connection sent a
	 * certificate with that subject (evidence, never used to build). */
	char missing_issuer[X509_NAME_MAX];
	char aia_ca_issuers[256];
	bool issuer_known_elsewhere;

	struct x509_ocsp ocsp;

	bool cached; /* this result came from the validation cache */

	struct x509_problem problem[X509_PROBLEMS_MAX]; /* in the order found:
			   path problems first, then dates and revocation */
};

/*
 * The cache.
 */

struct x509_cache_stats {
	uint64_t cert_hits, cert_misses, cert_evictions;
	uint64_t chain_hits, chain_misses, chain_evictions;
	uint64_t mem_refused;		/* entries not cached: budget refused */
	uint64_t cert_shed, chain_shed; /* dropped by x509_cache_shed() */
	size_t certs, chains;		/* entries now */
};

struct x509_cache;

/* A cache of at most max_certs decoded certificates and max_chains
 * validation results (0: the defaults), charged to mb (may be NULL).  NULL
 * on allocation failure. */
struct x509_cache *x509_cache_new(size_t max_certs, size_t max_chains,
				  struct membudget *mb);
void x509_cache_free(struct x509_cache *c);
void x509_cache_get_stats(const struct x509_cache *c,
			  struct x509_cache_stats *st);

/* The cache's bucket hash of a DER certificate (fast, not cryptographic:
 * a hit is confirmed by comparing bytes).  Exposed for the tests that
 * build colliding certificates. */
uint64_t x509_der_hash64(const uint8_t *p, size_t len);

/* Memory is short: drop the least recently used certificate (or, when none
 * is left, validation result), counted in cert_shed / chain_shed.  A
 * certificate still referenced is freed by its last x509_cert_put().
 * False if the cache is empty. */
bool x509_cache_shed(struct x509_cache *c);

/* Decode one DER certificate, through the cache when c is not NULL: a
 * certificate seen before is not decoded again.  Never NULL except when
 * memory runs out; a certificate that cannot be decoded comes back with
 * `malformed` set.  The reference must be given back with x509_cert_put(),
 * which frees it once the cache no longer holds it either. */
const struct x509_cert *x509_cert_get(struct x509_cache *c, const uint8_t *der,
				      size_t len);
void x509_cert_put(struct x509_cache *c, const struct x509_cert *cert);

/* A rendering of a cached certificate kept with it, so that an output
 * that writes the same certificate for many connections renders it once.
 * The bytes are opaque to x509; they must depend on the certificate alone.
 * x509_cert_memo() gives them back (NULL: none kept);
 * x509_cert_memo_settable() says whether a cache holds cert and it has no
 * memo yet, so that rendering for the memo is worth it.  x509_cert_set_memo()
 * copies len bytes in and charges them to the cache's budget, with the
 * entry; it keeps nothing (and returns false) when cert is not held by a
 * cache, already has a memo, len is over X509_MEMO_MAX, or the budget
 * refuses.  The memo goes when the entry leaves the cache.  One output
 * format per cache may use it (today: out_json). */
const char *x509_cert_memo(const struct x509_cert *cert, size_t *len);
bool x509_cert_memo_settable(const struct x509_cert *cert);
bool x509_cert_set_memo(const struct x509_cert *cert, const char *buf,
			size_t len);

/* True when the cache holds a decoded certificate whose subject is `name`
 * (RFC 4514 string, as in x509_cert.subject): the issuer a chain lacks was
 * sent by some other connection. */
bool x509_issuer_known_elsewhere(const struct x509_cache *c, const char *name);

/*
 * The trust store.
 */

struct x509_store;

/* An empty store; x509_store_load_default() fills it with the system
 * bundle. */
struct x509_store *x509_store_new(void);
void x509_store_free(struct x509_store *s);

/* The system bundle (X509_SYSTEM_BUNDLE). */
#define X509_SYSTEM_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
int x509_store_load_default(struct x509_store *s, char *errbuf, size_t errlen)
    __attribute__((warn_unused_result));

/* Add every certificate of a PEM (one or more) or DER file; every file
 * "*.pem", "*.crt" or hash-named ("0123abcd.0") in a directory.  0 on
 * success, -1 with a message naming the file in errbuf.  A file with no
 * certificate at all is an error. */
int x509_store_add_file(struct x509_store *s, const char *path, char *errbuf,
			size_t errlen) __attribute__((warn_unused_result));
int x509_store_add_dir(struct x509_store *s, const char *path, char *errbuf,
		       size_t errlen) __attribute__((warn_unused_result));
/* Add one DER certificate (tests, and callers holding bytes). */
int x509_store_add_der(struct x509_store *s, const uint8_t *der, size_t len,
		       char *errbuf, size_t errlen)
    __attribute__((warn_unused_result));

/* A CRL (PEM or DER) whose entries mark certificates of its issuer as
 * revoked.  The CRL's own signature is checked when its issuer is in the
 * store or in the chain; an unverifiable CRL still counts (the user chose
 * it) and the problem's detail says it was not verified. */
int x509_store_add_crl(struct x509_store *s, const char *path, char *errbuf,
		       size_t errlen) __attribute__((warn_unused_result));

size_t x509_store_count(const struct x509_store *s);
size_t x509_store_crl_count(const struct x509_store *s);
/* Changes each time the store changes; part of the validation cache key. */
uint64_t x509_store_generation(const struct x509_store *s);

/*
 * Validation.
 */

enum x509_purpose {
	X509_PURPOSE_SERVER, /* EKU serverAuth expected */
	X509_PURPOSE_CLIENT  /* EKU clientAuth expected */
};

/* Validate the chain a peer sent (der[0] the leaf, in the order sent) at
 * capture_time (Unix seconds), against the store, for a purpose, with the
 * stapled OCSP response if any (ocsp NULL: none).  Through the cache when c
 * is not NULL.  Fills *res completely; returns res->status.  With n == 0
 * the status is MALFORMED (nothing to validate). */
enum x509_code x509_validate(struct x509_cache *c, const struct x509_store *s,
			     const uint8_t *const der[], const size_t len[],
			     unsigned n, int64_t capture_time,
			     enum x509_purpose purpose, const uint8_t *ocsp,
			     size_t ocsp_len, struct x509_result *res);

/* Judge a stapled OCSP response alone for `leaf` issued by `issuer`
 * (issuer may be NULL: the issuer hashes and the signature are then not
 * checked). */
void x509_ocsp_check(const uint8_t *der, size_t len,
		     const struct x509_cert *leaf,
		     const struct x509_cert *issuer, int64_t capture_time,
		     struct x509_ocsp *out);

/* Convert an ASN.1 UTCTime (type 0x17) or GeneralizedTime (0x18) value,
 * "YYMMDDHHMMSSZ" or "YYYYMMDDHHMMSSZ" (fractions ignored), to Unix seconds.
 * False if it is not one of these forms. */
bool x509_asn1_time(uint8_t tag, const uint8_t *s, size_t n, int64_t *out);

#endif
