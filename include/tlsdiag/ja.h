/* ja.h -- JA3, JA3S and JA4 fingerprints of TLS hellos.
 *
 * Implements JA3 and JA3S (Salesforce, github.com/salesforce/ja3) and the
 * JA4 client fingerprint (FoxIO, BSD-3-Clause; github.com/FoxIO-LLC/ja4,
 * technical_details/JA4.md).  JA4S, JA4X and the other JA4+ methods are not
 * implemented: their licence differs.
 *
 * The input is the already-parsed hello as plain arrays, so this module
 * knows no wire format and reads no packet bytes; it owns nothing past a
 * call, keeps no state and is safe from any thread.  It never decides what
 * a fingerprint means.  Hashing uses wolfCrypt (MD5 for JA3, SHA-256 for
 * JA4).  GREASE values (RFC 8701) are skipped wherever the methods say so:
 * everywhere except JA3's point formats, which are 8-bit.
 */
#ifndef TLSDIAG_JA_H
#define TLSDIAG_JA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsdiag/tls_msg.h"

/*
 * Suggested size of a JA3 string buffer.  The longest string a real client
 * produces in the public corpus is 1715 bytes (a scanner offering 300+
 * suites); a ClientHello offering every assigned suite, group and
 * extension comes to about 3.1 KB.  Longer strings only come from lists
 * padded with unassigned values: they are truncated and flagged, and the
 * MD5 still covers the whole string.
 */
#define JA3_STR_MAX 4096

/* 32 lowercase hex digits of an MD5 digest, and the NUL. */
#define JA3_MD5_LEN 33

/* "t13d1516h2_8daaf6152771_e5627efa2ab1": 10 + 1 + 12 + 1 + 12, and NUL. */
#define JA4_LEN 37

/*
 * A ClientHello as the fingerprints see it.  All arrays are borrowed for the
 * duration of the call, in wire order, GREASE included (the functions skip
 * it); a NULL array must come with a count of 0.
 */
struct ja_client {
	uint16_t version;	 /* legacy_version (client_version) */
	const uint16_t *ciphers; /* cipher_suites */
	size_t nciphers;
	const uint16_t *exts; /* extension types */
	size_t nexts;
	const uint16_t *groups; /* supported_groups (10) */
	size_t ngroups;
	const uint8_t *pointfmts; /* ec_point_formats (11) */
	size_t npointfmts;
	const uint16_t *sigalgs; /* signature_algorithms (13) */
	size_t nsigalgs;
	const uint16_t *supported_versions; /* supported_versions (43) */
	size_t nsv;
	const uint8_t *alpn_first; /* first ALPN protocol name (16) */
	size_t alpn_first_len;	   /* 0: no ALPN extension or value */
	bool sni;		   /* server_name (0) carried a name */
	bool quic;		   /* hello came in QUIC CRYPTO frames */
};

/* A ServerHello as JA3S sees it. */
struct ja_server {
	uint16_t version;     /* legacy_version, not supported_versions */
	uint16_t cipher;      /* cipher_suite chosen */
	const uint16_t *exts; /* extension types, wire order */
	size_t nexts;
};

/* What a JA3 or JA3S computation produced besides its string. */
struct ja3 {
	char md5[JA3_MD5_LEN]; /* MD5 of the full string, lowercase hex */
	size_t len;	       /* length of the full string, NUL excluded */
	bool truncated;	       /* the caller's buffer held only a prefix */
};

/*
 * JA3: "version,ciphers,extensions,groups,pointformats", decimal values
 * joined by '-'.  The string goes into str (strsz bytes, always
 * NUL-terminated when strsz > 0; str may be NULL when strsz is 0); a string
 * that does not fit is cut and out->truncated set, which the caller must
 * report.  out->md5 always hashes the whole string.  Returns 0, or -1 if
 * wolfCrypt failed (out->md5 is then empty).
 */
int ja3_client(const struct ja_client *c, char *str, size_t strsz,
	       struct ja3 *out) __attribute__((warn_unused_result));

/* JA3S: "version,cipher,extensions", same conventions as ja3_client(). */
int ja3s(const struct ja_server *s, char *str, size_t strsz, struct ja3 *out)
    __attribute__((warn_unused_result));

/*
 * JA4 (client): "t13d1516h2_8daaf6152771_e5627efa2ab1".  Returns 0, or -1 if
 * memory for sorting a long list or wolfCrypt failed (out is then empty).
 */
int ja4_client(const struct ja_client *c, char out[JA4_LEN])
    __attribute__((warn_unused_result));

/* The inputs of the fingerprints, borrowed from a decoded ClientHello
 * (its lists and its first ALPN name stay owned by the hello). */
void ja_client_from_hello(const struct tls_client_hello *ch,
    struct ja_client *jc);

#endif
