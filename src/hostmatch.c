/* hostmatch.c -- RFC 6125 / RFC 9525 host name verification, pure.
 *
 * Implements RFC 6125 6.4 and RFC 9525 6.3-6.4 (see hostmatch.h for the
 * rules and where the two differ), RFC 1035 2.3.4 name limits, RFC 4291 2.2
 * IPv6 text.  It must never read a byte outside the (ptr, len) it was given,
 * never treat a name as NUL-terminated, and never print or allocate.
 */
#include <string.h>

#include "tlsdiag/cur.h"
#include "tlsdiag/hostmatch.h"

/* A DNS name checked and brought to the form both sides are compared in:
 * lower case, final dot removed, with what the wildcard rules need. */
struct hm_norm {
	uint8_t b[HM_NAME_MAX];
	size_t len;
	size_t nlabels;
	size_t first_len; /* bytes of the left-most label */
	size_t nstars;	  /* '*' bytes anywhere */
	bool star_later;  /* a '*' outside the left-most label */
};

/* The next byte without taking it, or -1 at the end. */
static int
hm_peek(const struct cur *c)
{
	return c->left > 0 ? c->p[0] : -1;
}

/* Take the next byte if it is ch. */
static bool
hm_take(struct cur *c, int ch)
{
	if (hm_peek(c) != ch)
		return false;
	return cur_skip(c, 1);
}

static int
hm_hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Strict dotted-quad IPv4, as inet_pton(AF_INET) reads it: four decimal
 * parts of one to three digits, no leading zeros.  inet_aton's forms
 * ("1.2.3", "0x7f.1", "010.0.0.1" in octal) are refused, because a client
 * that reads them differently from us would be asking for another host. */
static bool
hm_parse_ipv4(const uint8_t *p, size_t len, uint8_t out[4])
{
	struct cur c = cur_make(p, len);
	size_t i;

	for (i = 0; i < 4; i++) {
		unsigned v = 0;
		size_t nd = 0;
		int ch;

		if (i > 0 && !hm_take(&c, '.'))
			return false;
		while ((ch = hm_peek(&c)) >= '0' && ch <= '9') {
			if (nd == 3 || (nd == 1 && v == 0))
				return false;
			v = v * 10 + (unsigned)(ch - '0');
			nd++;
			(void)cur_skip(&c, 1);
		}
		if (nd == 0 || v > 255)
			return false;
		out[i] = (uint8_t)v;
	}
	return c.left == 0;
}

/* IPv6 text, RFC 4291 2.2: eight groups of one to four hex digits, at most
 * one "::" standing for one or more zero groups, and optionally the low 32
 * bits as a strict dotted quad.  No zone ("%eth0"), no brackets. */
static bool
hm_parse_ipv6(const uint8_t *p, size_t len, uint8_t out[16])
{
	struct cur c = cur_make(p, len);
	uint16_t g[8];
	size_t ng = 0, gap = 0, head, i;
	bool has_gap = false;

	if (hm_take(&c, ':')) {
		/* A leading colon is only the start of "::". */
		if (!hm_take(&c, ':'))
			return false;
		has_gap = true;
	}
	while (c.left > 0) {
		struct cur start = c;
		unsigned v = 0;
		size_t nd = 0;
		int d;

		if (ng == 8)
			return false;
		while ((d = hm_hexval(hm_peek(&c))) >= 0) {
			if (nd == 4)
				return false;
			v = v << 4 | (unsigned)d;
			nd++;
			(void)cur_skip(&c, 1);
		}
		if (hm_peek(&c) == '.') {
			uint8_t v4[4];

			/* The dotted quad must be last and fill two groups. */
			if (ng > 6 || !hm_parse_ipv4(start.p, start.left, v4))
				return false;
			g[ng++] = (uint16_t)(v4[0] << 8 | v4[1]);
			g[ng++] = (uint16_t)(v4[2] << 8 | v4[3]);
			break;
		}
		if (nd == 0)
			return false;
		g[ng++] = (uint16_t)v;
		if (c.left == 0)
			break;
		if (!hm_take(&c, ':'))
			return false;
		if (hm_take(&c, ':')) {
			if (has_gap)
				return false;
			has_gap = true;
			gap = ng;
		} else if (c.left == 0) {
			return false; /* a trailing single colon */
		}
	}
	if (has_gap ? ng > 7 : ng != 8)
		return false;
	memset(out, 0, 16);
	head = has_gap ? gap : ng;
	for (i = 0; i < ng; i++) {
		size_t at = i < head ? i : 8 - (ng - i);

		out[2 * at] = (uint8_t)(g[i] >> 8);
		out[2 * at + 1] = (uint8_t)g[i];
	}
	return true;
}

/* Check a DNS name and normalise it into *n.  A presented name may hold '*'
 * (judged later by hm_wildcard); a reference may not, or a reference of
 * "*.a.com" would match the presented wildcard as if it were a name. */
static enum hm_syntax
hm_norm_name(const uint8_t *p, size_t len, bool presented, struct hm_norm *n)
{
	struct cur c;
	size_t label = 0;
	bool digits = true; /* the current label is all digits so far */
	uint8_t ch;

	n->len = 0;
	n->nlabels = 1;
	n->first_len = 0;
	n->nstars = 0;
	n->star_later = false;
	if (len == 0)
		return HM_SYN_EMPTY;
	/* A final dot makes the name absolute; it names the same host, and
	 * clients strip it from both sides before comparing.  Only one. */
	if (p[len - 1] == '.')
		len--;
	if (len == 0)
		return HM_SYN_EMPTY;
	if (len > HM_NAME_MAX)
		return HM_SYN_TOO_LONG;
	c = cur_make(p, len);
	while (cur_u8(&c, &ch)) {
		if (ch == '.') {
			if (label == 0)
				return HM_SYN_EMPTY_LABEL;
			if (n->nlabels == 1)
				n->first_len = label;
			n->nlabels++;
			label = 0;
			digits = true;
		} else {
			if (ch == 0)
				return HM_SYN_NUL;
			if (ch >= 0x80)
				return HM_SYN_NON_ASCII;
			if (ch >= 'A' && ch <= 'Z') {
				ch = (uint8_t)(ch - 'A' + 'a');
				digits = false;
			} else if (ch >= '0' && ch <= '9') {
				/* stays a digit label */
			} else if ((ch >= 'a' && ch <= 'z') || ch == '-') {
				digits = false;
			} else if (ch == '*' && presented) {
				n->nstars++;
				if (n->nlabels > 1)
					n->star_later = true;
				digits = false;
			} else {
				return HM_SYN_BAD_BYTE;
			}
			if (++label > HM_LABEL_MAX)
				return HM_SYN_LONG_LABEL;
		}
		n->b[n->len++] = ch;
	}
	if (label == 0)
		return HM_SYN_EMPTY_LABEL; /* "a.." lost one dot above */
	if (n->nlabels == 1)
		n->first_len = label;
	/* RFC 3696 2: no top-level domain is all-numeric.  Such a name is an
	 * address written as a name, or a short form of one. */
	if (digits)
		return HM_SYN_NUMERIC_TLD;
	return HM_SYN_OK;
}

/* Is the wildcard (if any) one a client would honour?  HM_V_MATCH means
 * "acceptable" here: no wildcard, or a lone "*" as the left-most label with
 * at least two labels after it. */
static enum hm_verdict
hm_wildcard(const struct hm_norm *n)
{
	if (n->nstars == 0)
		return HM_V_MATCH;
	if (n->nstars > 1 || n->star_later)
		return HM_V_WILDCARD_MISPLACED;
	if (n->first_len != 1)
		return HM_V_WILDCARD_PARTIAL;
	/* XXX: without the Public Suffix List, "*.com" is refused but
	 * "*.co.uk" and "*.github.io" are not, although browsers refuse
	 * wildcards over any registry-controlled label (CA/B Forum BR
	 * 3.2.2.6).  A certificate carrying one is mis-issued, and a client
	 * would say so; tlsdiag reports it as a match until it gets a PSL. */
	if (n->nlabels < 3)
		return HM_V_WILDCARD_TOO_BROAD;
	return HM_V_MATCH;
}

/* Compare a valid presented name with a DNS reference, both normalised. */
static bool
hm_name_eq(const struct hm_ref *ref, const struct hm_norm *n)
{
	const uint8_t *dot;
	size_t rest;

	if (n->nstars == 0)
		return n->len == ref->len &&
		       memcmp(n->b, ref->name, n->len) == 0;
	/* "*" stands for the reference's whole left-most label, which is
	 * never empty; what follows it must be equal, dot included. */
	dot = memchr(ref->name, '.', ref->len);
	if (dot == NULL)
		return false;
	rest = ref->len - (size_t)(dot - ref->name);
	return n->len - 1 == rest && memcmp(n->b + 1, dot, rest) == 0;
}

static enum hm_verdict
hm_judge_name(const struct hm_ref *ref, const struct hm_bytes *b,
	      enum hm_syntax *syn)
{
	struct hm_norm n;
	enum hm_verdict v;

	*syn = hm_norm_name(b->p, b->len, true, &n);
	if (*syn != HM_SYN_OK)
		return HM_V_MALFORMED;
	if ((v = hm_wildcard(&n)) != HM_V_MATCH)
		return v;
	if (ref->kind != HM_REF_DNS)
		return HM_V_WRONG_KIND;
	return hm_name_eq(ref, &n) ? HM_V_MATCH : HM_V_MISMATCH;
}

/* iPAddress SAN: the address in network order, 4 or 16 bytes (RFC 5280
 * 4.2.1.6).  Compared byte for byte with an address of the same family;
 * an IPv4-mapped IPv6 SAN does not match the IPv4 address, as in browsers. */
static enum hm_verdict
hm_judge_ip(const struct hm_ref *ref, const struct hm_bytes *b,
	    enum hm_syntax *syn)
{
	*syn = HM_SYN_OK;
	if (b->len != 4 && b->len != 16) {
		*syn = HM_SYN_BAD_IP;
		return HM_V_MALFORMED;
	}
	if (ref->kind == HM_REF_DNS)
		return HM_V_WRONG_KIND;
	if ((ref->kind == HM_REF_IPV4 && b->len == 4) ||
	    (ref->kind == HM_REF_IPV6 && b->len == 16))
		if (memcmp(ref->ip, b->p, b->len) == 0)
			return HM_V_MATCH;
	return HM_V_MISMATCH;
}

static void
hm_record(struct hm_result *res, enum hm_id_kind kind, size_t index,
	  enum hm_verdict v, enum hm_syntax syn)
{
	switch (v) {
	case HM_V_MATCH:
		if (res->status != HM_MATCH) {
			res->status = HM_MATCH;
			res->match_kind = kind;
			res->match_index = index;
		}
		res->ncompared++;
		break;
	case HM_V_MISMATCH:
		res->ncompared++;
		break;
	case HM_V_MALFORMED:
	case HM_V_WILDCARD_PARTIAL:
	case HM_V_WILDCARD_MISPLACED:
	case HM_V_WILDCARD_TOO_BROAD:
		res->nunusable++;
		break;
	case HM_V_WRONG_KIND:
	case HM_V_CN_IGNORED:
		break;
	}
	if (res->nlisted < HM_TRIED_MAX) {
		struct hm_tried *t = &res->tried[res->nlisted++];

		t->kind = kind;
		t->index = index;
		t->verdict = v;
		t->syntax = syn;
	}
	res->ntried++;
}

void
hm_ref_from_name(struct hm_ref *ref, const uint8_t *p, size_t len)
{
	struct hm_norm n;
	enum hm_syntax syn;

	memset(ref, 0, sizeof(*ref));
	if (hm_parse_ipv4(p, len, ref->ip)) {
		ref->kind = HM_REF_IPV4;
		return;
	}
	memset(ref->ip, 0, sizeof(ref->ip));
	if (len > 0 && memchr(p, ':', len) != NULL) {
		/* A colon is never in a host name: this is IPv6 or nothing. */
		if (hm_parse_ipv6(p, len, ref->ip)) {
			ref->kind = HM_REF_IPV6;
		} else {
			memset(ref->ip, 0, sizeof(ref->ip));
			ref->kind = HM_REF_INVALID;
			ref->why = HM_SYN_BAD_IP;
		}
		return;
	}
	syn = hm_norm_name(p, len, false, &n);
	if (syn != HM_SYN_OK) {
		ref->kind = HM_REF_INVALID;
		ref->why = syn;
		return;
	}
	ref->kind = HM_REF_DNS;
	ref->len = n.len;
	memcpy(ref->name, n.b, n.len);
}

void
hm_ref_from_ip(struct hm_ref *ref, int af, const uint8_t *addr)
{
	memset(ref, 0, sizeof(*ref));
	if (af == 4) {
		ref->kind = HM_REF_IPV4;
		memcpy(ref->ip, addr, 4);
	} else if (af == 6) {
		ref->kind = HM_REF_IPV6;
		memcpy(ref->ip, addr, 16);
	} else {
		ref->kind = HM_REF_INVALID;
		ref->why = HM_SYN_BAD_IP;
	}
}

enum hm_status
hm_match(const struct hm_ref *ref, const struct hm_presented *ids,
	 struct hm_result *res)
{
	bool has_san = ids->ndns > 0 || ids->nip > 0;
	enum hm_syntax syn;
	enum hm_verdict v;
	size_t i;

	res->status = HM_NO_MATCH;
	res->match_kind = HM_ID_DNS;
	res->match_index = 0;
	res->ncompared = 0;
	res->nunusable = 0;
	res->ntried = 0;
	res->nlisted = 0;
	if (ref->kind == HM_REF_INVALID)
		return res->status = HM_BAD_REFERENCE;
	if (!has_san && ids->cn == NULL)
		return res->status = HM_NO_IDENTIFIERS;
	for (i = 0; i < ids->ndns; i++) {
		v = hm_judge_name(ref, &ids->dns[i], &syn);
		hm_record(res, HM_ID_DNS, i, v, syn);
	}
	for (i = 0; i < ids->nip; i++) {
		v = hm_judge_ip(ref, &ids->ip[i], &syn);
		hm_record(res, HM_ID_IP, i, v, syn);
	}
	if (ids->cn != NULL) {
		/* The CN is free text that names a host only by legacy
		 * convention, so its syntax matters only when it is used:
		 * never beside SANs, never for an address (RFC 6125 6.4.4). */
		syn = HM_SYN_OK;
		if (has_san)
			v = HM_V_CN_IGNORED;
		else if (ref->kind != HM_REF_DNS)
			v = HM_V_WRONG_KIND;
		else
			v = hm_judge_name(ref, ids->cn, &syn);
		hm_record(res, HM_ID_CN, 0, v, syn);
	}
	return res->status;
}

const char *
hm_status_name(enum hm_status s)
{
	switch (s) {
	case HM_MATCH:
		return "match";
	case HM_NO_MATCH:
		return "no_match";
	case HM_NO_IDENTIFIERS:
		return "no_identifiers";
	case HM_BAD_REFERENCE:
		return "bad_reference";
	}
	return NULL;
}

const char *
hm_id_kind_name(enum hm_id_kind k)
{
	switch (k) {
	case HM_ID_DNS:
		return "dns";
	case HM_ID_IP:
		return "ip";
	case HM_ID_CN:
		return "cn";
	}
	return NULL;
}

const char *
hm_verdict_name(enum hm_verdict v)
{
	switch (v) {
	case HM_V_MATCH:
		return "match";
	case HM_V_MISMATCH:
		return "mismatch";
	case HM_V_WRONG_KIND:
		return "wrong_kind";
	case HM_V_CN_IGNORED:
		return "cn_ignored";
	case HM_V_MALFORMED:
		return "malformed";
	case HM_V_WILDCARD_PARTIAL:
		return "wildcard_partial";
	case HM_V_WILDCARD_MISPLACED:
		return "wildcard_misplaced";
	case HM_V_WILDCARD_TOO_BROAD:
		return "wildcard_too_broad";
	}
	return NULL;
}

const char *
hm_syntax_name(enum hm_syntax s)
{
	switch (s) {
	case HM_SYN_OK:
		return "ok";
	case HM_SYN_EMPTY:
		return "empty";
	case HM_SYN_TOO_LONG:
		return "too_long";
	case HM_SYN_EMPTY_LABEL:
		return "empty_label";
	case HM_SYN_LONG_LABEL:
		return "label_too_long";
	case HM_SYN_NUL:
		return "nul";
	case HM_SYN_NON_ASCII:
		return "non_ascii";
	case HM_SYN_BAD_BYTE:
		return "bad_byte";
	case HM_SYN_NUMERIC_TLD:
		return "numeric_tld";
	case HM_SYN_BAD_IP:
		return "bad_ip";
	}
	return NULL;
}
