/* hostmatch.h -- does a certificate name the host the client asked for?
 *
 * Implements host name verification per RFC 6125 6.4 as updated by RFC 9525
 * 6.3 (DNS names) and 6.4 (IP addresses), in the form browsers and the
 * CA/Browser Forum Baseline Requirements (7.1.4.2) apply it.  The reference
 * identifier is what the client asked for: the SNI host_name bytes of a
 * ClientHello (attacker-chosen, raw, not NUL-terminated) or the server's IP
 * address.  The presented identifiers are the certificate's subjectAltName
 * dNSName and iPAddress entries and its subject CN, exactly as decoded.
 *
 * This module is pure: it keeps no state, allocates nothing, does no I/O,
 * and knows nothing of wolfSSL or of X.509 encoding; the x509 module hands
 * it byte strings.  It never formats or prints a name (outputs escape names;
 * the caller prints the list of identifiers tried from the indices given
 * here) and never decides what a mismatch means for a handshake.
 *
 * The rules, and where the RFCs differ:
 *
 * - dNSName and iPAddress SANs are the identifiers.  The subject CN is
 *   consulted only when the certificate has no dNSName and no iPAddress SAN
 *   at all (RFC 6125 6.4.4, and mozilla::pkix, which also counts IP SANs);
 *   a malformed SAN still counts as present, so that a broken SAN cannot
 *   revive a CN.  RFC 9525 drops CN-IDs entirely, and so do Chrome (58+)
 *   and Go (1.15+): a match through the CN is reported as kind HM_ID_CN so
 *   that the caller can flag it as one that modern clients reject.
 * - Comparison is case-insensitive ASCII; a single final dot on either side
 *   is ignored ("example.com." equals "example.com").
 * - One wildcard, only as the complete left-most label ("*.example.com"),
 *   matching exactly one whole label: "*.a.com" matches neither "a.com" nor
 *   "x.y.a.com".  RFC 6125 6.4.3 let clients accept partial wildcards
 *   ("f*.a.com"); RFC 9525 6.3 forbids them, as do browsers, so they are
 *   rejected here.  A wildcard must cover at least two labels to its right
 *   ("*.com" is rejected); see the XXX in hostmatch.c about public suffixes.
 * - IDNA: names are compared in their A-label ("xn--") form, byte for byte.
 *   A whole-label wildcard matches an A-label as it matches any label (as
 *   browsers do); a wildcard inside a label is partial, hence rejected.  A
 *   reference holding non-ASCII bytes (a raw U-label) matches nothing.
 * - A presented name with an empty label, a NUL, a byte outside letters,
 *   digits, '-', '.' and '*', a label over 63 bytes, more than 253 bytes
 *   (RFC 1035 2.3.4), or an all-numeric last label (RFC 3696 2: no TLD is
 *   all-numeric, so it is an IP address written as a name) is unusable: it
 *   is counted and never matched.  Underscores are refused too, although
 *   mozilla::pkix tolerates them (the Baseline Requirements forbid them).
 * - An IP literal reference (strict dotted-quad IPv4, or IPv6 text per RFC
 *   4291 2.2) matches only iPAddress SANs of its own length, byte for byte;
 *   never a dNSName, never the CN.  "1.2.3", octal or hex forms and leading
 *   zeros are not IP literals, and as names their last label is numeric, so
 *   they are bad references.
 */
#ifndef TLSDIAG_HOSTMATCH_H
#define TLSDIAG_HOSTMATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest DNS name in text form without its final dot: 255 octets on the
 * wire (RFC 1035 2.3.4) are 253 characters once the length octets become
 * dots and the root label is dropped. */
#define HM_NAME_MAX 253

/* Longest label (RFC 1035 2.3.4). */
#define HM_LABEL_MAX 63

/* Verdicts listed per match.  Let's Encrypt, the largest issuer, allows 100
 * SANs per certificate; a longer list is still judged whole, and counted in
 * ntried, but only its first HM_TRIED_MAX verdicts are kept for printing. */
#define HM_TRIED_MAX 100

/* What a reference identifier turned out to be. */
enum hm_ref_kind {
	HM_REF_DNS,
	HM_REF_IPV4,
	HM_REF_IPV6,
	HM_REF_INVALID, /* see hm_ref.why */
};

/* Why a name (reference or presented) or an address is not usable. */
enum hm_syntax {
	HM_SYN_OK,
	HM_SYN_EMPTY,	    /* no bytes, or only a final dot */
	HM_SYN_TOO_LONG,    /* over HM_NAME_MAX without the final dot */
	HM_SYN_EMPTY_LABEL, /* "a..b", ".a", "a.." */
	HM_SYN_LONG_LABEL,  /* a label over HM_LABEL_MAX */
	HM_SYN_NUL,	    /* embedded NUL: "good.com\0.evil.com" */
	HM_SYN_NON_ASCII,   /* a byte >= 0x80: a raw U-label, or garbage */
	HM_SYN_BAD_BYTE,    /* other byte outside LDH, '.' (and '*' when
			     * presented): '_', ' ', ':' in a name, '*' in a
			     * reference */
	HM_SYN_NUMERIC_TLD, /* all-digit last label: an address or an
			     * inet_aton short form ("1.2.3", "0x7f.1") */
	HM_SYN_BAD_IP,	    /* IPv6 text that does not parse; an iPAddress
			     * SAN neither 4 nor 16 bytes; unknown family */
};

/* The reference identifier, checked and normalised once per connection.
 * Self-contained: it copies what it keeps, so the SNI buffer may go. */
struct hm_ref {
	enum hm_ref_kind kind;
	enum hm_syntax why;	   /* HM_SYN_OK unless kind is HM_REF_INVALID */
	size_t len;		   /* bytes of name[] (HM_REF_DNS only) */
	uint8_t name[HM_NAME_MAX]; /* lower case, final dot removed, no NUL */
	uint8_t ip[16];		   /* HM_REF_IPV4 uses ip[0..3] */
};

/* A byte string borrowed from the certificate's decoder: a dNSName, an
 * iPAddress octet string, or the CN's value.  p may be NULL if len is 0. */
struct hm_bytes {
	const uint8_t *p;
	size_t len;
};

/* The certificate's presented identifiers, all borrowed, in the
 * certificate's order. */
struct hm_presented {
	const struct hm_bytes *dns; /* subjectAltName dNSName entries */
	size_t ndns;
	const struct hm_bytes *ip; /* subjectAltName iPAddress entries */
	size_t nip;
	const struct hm_bytes *cn; /* the subject's (most specific) CN, or
				    * NULL when the subject has none */
};

enum hm_id_kind {
	HM_ID_DNS, /* index into hm_presented.dns */
	HM_ID_IP,  /* index into hm_presented.ip */
	HM_ID_CN,  /* index 0 */
};

/* What happened to one presented identifier. */
enum hm_verdict {
	HM_V_MATCH,
	HM_V_MISMATCH,		 /* compared, and it names another host */
	HM_V_WRONG_KIND,	 /* a name for an address or the reverse */
	HM_V_CN_IGNORED,	 /* the certificate has SANs */
	HM_V_MALFORMED,		 /* unusable; hm_tried.syntax says why */
	HM_V_WILDCARD_PARTIAL,	 /* "f*.a.com", "*f.a.com", "xn--*.a.com" */
	HM_V_WILDCARD_MISPLACED, /* "a.*.com", "*.*.a.com", "**.a.com" */
	HM_V_WILDCARD_TOO_BROAD, /* "*", "*.com" */
};

struct hm_tried {
	enum hm_id_kind kind;
	size_t index;
	enum hm_verdict verdict;
	enum hm_syntax syntax; /* HM_SYN_OK unless verdict is MALFORMED */
};

enum hm_status {
	HM_MATCH,
	HM_NO_MATCH,	   /* identifiers were there, none names the host */
	HM_NO_IDENTIFIERS, /* no dNSName, no iPAddress SAN and no CN */
	HM_BAD_REFERENCE,  /* the reference can match nothing (ref.why):
			    * a client fault, not the certificate's */
};

struct hm_result {
	enum hm_status status;
	enum hm_id_kind match_kind; /* the first match, when HM_MATCH */
	size_t match_index;
	size_t ncompared; /* identifiers compared with the reference */
	size_t nunusable; /* malformed or refused wildcards, CN included
			   * when it was consulted */
	size_t ntried;	  /* verdicts given: every SAN, then the CN */
	size_t nlisted;	  /* min(ntried, HM_TRIED_MAX) */
	struct hm_tried tried[HM_TRIED_MAX]; /* SANs dNSName first, then
					      * iPAddress, then the CN */
};

/* The reference from SNI host_name bytes (or any host text): an IP literal
 * becomes HM_REF_IPV4/IPV6, a valid DNS name HM_REF_DNS, anything else
 * HM_REF_INVALID with the reason.  Any length is accepted. */
void hm_ref_from_name(struct hm_ref *ref, const uint8_t *p, size_t len);

/* The reference from an address (af 4 or 6, as in decode.h: IPv4 in the
 * first 4 bytes), for a client that connected by address and sent no SNI. */
void hm_ref_from_ip(struct hm_ref *ref, int af, const uint8_t *addr);

/* Judge every presented identifier against the reference; fills *res and
 * returns res->status. */
enum hm_status hm_match(const struct hm_ref *ref,
			const struct hm_presented *ids, struct hm_result *res);

/* Stable names for JSON and metrics ("match", "no_match", "dns", "cn",
 * "wildcard_partial", "nul" ...); never renamed.  NULL for a value outside
 * the enum. */
const char *hm_status_name(enum hm_status s);
const char *hm_id_kind_name(enum hm_id_kind k);
const char *hm_verdict_name(enum hm_verdict v);
const char *hm_syntax_name(enum hm_syntax s);

#endif
