/* check_hostmatch.c -- RFC 6125 / RFC 9525 host name matching, and its traps.
 *
 * Every input is copied into a heap buffer of exactly its length before it
 * is handed over, so that a read one byte too far is an ASan report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tlsdiag/hostmatch.h"

struct tb {
	const char *s; /* NULL: absent */
	size_t n;
};

/* A byte string literal with its exact length, NULs included. */
/* clang-format off */
#define B(x) {x, sizeof(x) - 1}
/* clang-format on */

#define A10 "aaaaaaaaaa"
#define L61 A10 A10 A10 A10 A10 A10 "a"
#define L62 L61 "b"
#define L63 L61 "bc"
#define L64 L63 "d"
/* 253 bytes: the longest name (RFC 1035 2.3.4), then one and two more. */
#define N253 L63 "." L63 "." L63 "." L61
#define N254 L63 "." L63 "." L63 "." L62
#define N255 L63 "." L63 "." L63 "." L63

#define V4_192_0_2_1 "\xc0\x00\x02\x01"
#define V4_192_0_2_2 "\xc0\x00\x02\x02"
#define V6_DB8_1                                                               \
	"\x20\x01\x0d\xb8"                                                     \
	"\x00\x00\x00\x00"                                                     \
	"\x00\x00\x00\x00"                                                     \
	"\x00\x00\x00\x01"
#define V6_MAPPED_192_0_2_1                                                    \
	"\x00\x00\x00\x00"                                                     \
	"\x00\x00\x00\x00"                                                     \
	"\x00\x00\xff\xff"                                                     \
	"\xc0\x00\x02\x01"

static uint8_t *
dup_exact(struct tb b)
{
	uint8_t *p;

	if (b.s == NULL || b.n == 0)
		return NULL;
	p = malloc(b.n);
	ck_assert_ptr_nonnull(p);
	memcpy(p, b.s, b.n);
	return p;
}

/*
 * One certificate against one reference.  Fields left out are zero, which
 * reads as: DNS match at index 0, first verdict "match", nothing unusable.
 * v0 is the verdict listed first; vcn the CN's verdict when there is a CN.
 */
struct mrow {
	const char *what;
	struct tb ref; /* SNI bytes, used when af is 0 */
	int af;	       /* else hm_ref_from_ip(af, addr) */
	const char *addr;
	struct tb dns[3];
	struct tb ip[3];
	struct tb cn;
	enum hm_status want;
	enum hm_id_kind kind;
	size_t index;
	enum hm_verdict v0;
	enum hm_syntax s0;
	enum hm_verdict vcn;
	enum hm_syntax why; /* for HM_BAD_REFERENCE */
	size_t unusable;
};

static const struct mrow mrows[] = {
    /* Plain names, RFC 6125 6.4.1: case-insensitive, whole-name. */
    {"exact", B("www.example.com"), .dns = {B("www.example.com")},
     .want = HM_MATCH},
    {"reference case", B("WWW.Example.COM"), .dns = {B("www.example.com")},
     .want = HM_MATCH},
    {"presented case", B("www.example.com"), .dns = {B("WwW.ExAmPlE.cOm")},
     .want = HM_MATCH},
    {"parent is not child", B("www.example.com"), .dns = {B("example.com")},
     .want = HM_NO_MATCH, .v0 = HM_V_MISMATCH},
    {"child is not parent", B("example.com"), .dns = {B("www.example.com")},
     .want = HM_NO_MATCH, .v0 = HM_V_MISMATCH},
    {"suffix without dot", B("evilexample.com"), .dns = {B("example.com")},
     .want = HM_NO_MATCH, .v0 = HM_V_MISMATCH},
    {"second SAN matches", B("b.example.com"),
     .dns = {B("a.example.com"), B("b.example.com")}, .want = HM_MATCH,
     .index = 1, .v0 = HM_V_MISMATCH},
    {"single label", B("localhost"), .dns = {B("localhost")}, .want = HM_MATCH},
    {"hyphens", B("a-b.x--y.example.com"), .dns = {B("a-b.x--y.example.com")},
     .want = HM_MATCH},

    /* A final dot is ignored once, on either side. */
    {"dot on reference", B("example.com."), .dns = {B("example.com")},
     .want = HM_MATCH},
    {"dot on presented", B("example.com"), .dns = {B("example.com.")},
     .want = HM_MATCH},
    {"dot on both", B("example.com."), .dns = {B("example.com.")},
     .want = HM_MATCH},
    {"wildcard with dots", B("www.example.com."), .dns = {B("*.example.com.")},
     .want = HM_MATCH},
    {"two dots on reference", B("example.com.."), .dns = {B("example.com")},
     .want = HM_BAD_REFERENCE, .why = HM_SYN_EMPTY_LABEL},
    {"two dots on presented", B("example.com"), .dns = {B("example.com..")},
     .want = HM_NO_MATCH, .v0 = HM_V_MALFORMED, .s0 = HM_SYN_EMPTY_LABEL,
     .unusable = 1},
    {"root alone", B("."), .dns = {B("example.com")}, .want = HM_BAD_REFERENCE,
     .why = HM_SYN_EMPTY},

    /* Wildcards: one, complete left-most label, exactly one label. */
    {"RFC 6125 *.example.com", B("foo.example.com"),
     .dns = {B("*.example.com")}, .want = HM_MATCH},
    {"RFC 6125 two labels", B("bar.foo.example.com"),
     .dns = {B("*.example.com")}, .want = HM_NO_MATCH, .v0 = HM_V_MISMATCH},
    {"RFC 6125 zero labels", B("example.com"), .dns = {B("*.example.com")},
     .want = HM_NO_MATCH, .v0 = HM_V_MISMATCH},
    {"*.a.com vs x.a.com", B("x.a.com"), .dns = {B("*.a.com")},
     .want = HM_MATCH},
    {"*.a.com vs a.com", B("a.com"), .dns = {B("*.a.com")}, .want = HM_NO_MATCH,
     .v0 = HM_V_MISMATCH},
    {"*.a.com vs x.y.a.com", B("x.y.a.com"), .dns = {B("*.a.com")},
     .want = HM_NO_MATCH, .v0 = HM_V_MISMATCH},
    {"*.a.com vs xa.com", B("xa.com"), .dns = {B("*.a.com")},
     .want = HM_NO_MATCH, .v0 = HM_V_MISMATCH},
    {"wildcard case", B("Foo.example.COM"), .dns = {B("*.EXAMPLE.com")},
     .want = HM_MATCH},
    {"f*.a.com", B("foo.a.com"), .dns = {B("f*.a.com")}, .want = HM_NO_MATCH,
     .v0 = HM_V_WILDCARD_PARTIAL, .unusable = 1},
    {"RFC 6125 baz*", B("baz1.example.net"), .dns = {B("baz*.example.net")},
     .want = HM_NO_MATCH, .v0 = HM_V_WILDCARD_PARTIAL, .unusable = 1},
    {"RFC 6125 *baz", B("foobaz.example.net"), .dns = {B("*baz.example.net")},
     .want = HM_NO_MATCH, .v0 = HM_V_WILDCARD_PARTIAL, .unusable = 1},
    {"RFC 6125 b*z", B("buzz.example.net"), .dns = {B("b*z.example.net")},
     .want = HM_NO_MATCH, .v0 = HM_V_WILDCARD_PARTIAL, .unusable = 1},
    {"*.com", B("a.com"), .dns = {B("*.com")}, .want = HM_NO_MATCH,
     .v0 = HM_V_WILDCARD_TOO_BROAD, .unusable = 1},
    {"* alone", B("localhost"), .dns = {B("*")}, .want = HM_NO_MATCH,
     .v0 = HM_V_WILDCARD_TOO_BROAD, .unusable = 1},
    {"*.*.a.com", B("x.y.a.com"), .dns = {B("*.*.a.com")}, .want = HM_NO_MATCH,
     .v0 = HM_V_WILDCARD_MISPLACED, .unusable = 1},
    {"a.*.com", B("a.b.com"), .dns = {B("a.*.com")}, .want = HM_NO_MATCH,
     .v0 = HM_V_WILDCARD_MISPLACED, .unusable = 1},
    {"**.a.com", B("x.a.com"), .dns = {B("**.a.com")}, .want = HM_NO_MATCH,
     .v0 = HM_V_WILDCARD_MISPLACED, .unusable = 1},
    {"www.a.*", B("www.a.com"), .dns = {B("www.a.*")}, .want = HM_NO_MATCH,
     .v0 = HM_V_WILDCARD_MISPLACED, .unusable = 1},
    /* The documented limit (XXX in hostmatch.c): no Public Suffix List. */
    {"*.co.uk without a PSL", B("example.co.uk"), .dns = {B("*.co.uk")},
     .want = HM_MATCH},
    {"refused wildcard then a good one", B("x.a.com"),
     .dns = {B("f*.a.com"), B("*.a.com")}, .want = HM_MATCH, .index = 1,
     .v0 = HM_V_WILDCARD_PARTIAL, .unusable = 1},
    {"wildcard in reference", B("*.a.com"), .dns = {B("*.a.com")},
     .want = HM_BAD_REFERENCE, .why = HM_SYN_BAD_BYTE},
    {"empty left label", B(".a.com"), .dns = {B("*.a.com")},
     .want = HM_BAD_REFERENCE, .why = HM_SYN_EMPTY_LABEL},

    /* IDNA: A-labels compared as they are. */
    {"A-label exact", B("xn--bcher-kva.example.com"),
     .dns = {B("xn--bcher-kva.example.com")}, .want = HM_MATCH},
    {"A-label case", B("XN--BCHER-KVA.example.com"),
     .dns = {B("xn--bcher-kva.example.com")}, .want = HM_MATCH},
    {"A-label under a whole wildcard", B("xn--bcher-kva.example.com"),
     .dns = {B("*.example.com")}, .want = HM_MATCH},
    {"A-label vs *.example", B("xn--bcher-kva.example"),
     .dns = {B("*.example")}, .want = HM_NO_MATCH,
     .v0 = HM_V_WILDCARD_TOO_BROAD, .unusable = 1},
    {"wildcard inside xn--", B("xn--bcher-kva.example.com"),
     .dns = {B("xn--*.example.com")}, .want = HM_NO_MATCH,
     .v0 = HM_V_WILDCARD_PARTIAL, .unusable = 1},
    {"wildcard ending an A-label", B("xn--bcher-kva.example.com"),
     .dns = {B("xn--bcher-*.example.com")}, .want = HM_NO_MATCH,
     .v0 = HM_V_WILDCARD_PARTIAL, .unusable = 1},
    {"U-label reference vs A-label", B("b\303\274cher.example.com"),
     .dns = {B("xn--bcher-kva.example.com")}, .want = HM_BAD_REFERENCE,
     .why = HM_SYN_NON_ASCII},
    {"U-label reference vs wildcard", B("b\303\274cher.example.com"),
     .dns = {B("*.example.com")}, .want = HM_BAD_REFERENCE,
     .why = HM_SYN_NON_ASCII},
    {"U-label on both sides", B("b\303\274cher.example.com"),
     .dns = {B("b\303\274cher.example.com")}, .want = HM_BAD_REFERENCE,
     .why = HM_SYN_NON_ASCII},
    {"U-label presented", B("xn--bcher-kva.example.com"),
     .dns = {B("b\303\274cher.example.com")}, .want = HM_NO_MATCH,
     .v0 = HM_V_MALFORMED, .s0 = HM_SYN_NON_ASCII, .unusable = 1},

    /* The subject CN: only without dNSName and iPAddress SANs. */
    {"CN without SANs", B("www.example.com"), .cn = B("www.example.com"),
     .want = HM_MATCH, .kind = HM_ID_CN, .v0 = HM_V_MATCH, .vcn = HM_V_MATCH},
    {"CN case", B("www.example.com"), .cn = B("WWW.EXAMPLE.COM"),
     .want = HM_MATCH, .kind = HM_ID_CN, .vcn = HM_V_MATCH},
    {"CN wildcard", B("www.example.com"), .cn = B("*.example.com"),
     .want = HM_MATCH, .kind = HM_ID_CN, .vcn = HM_V_MATCH},
    {"CN ignored beside a DNS SAN", B("www.example.com"),
     .dns = {B("other.example.com")}, .cn = B("www.example.com"),
     .want = HM_NO_MATCH, .v0 = HM_V_MISMATCH, .vcn = HM_V_CN_IGNORED},
    {"CN ignored beside an IP SAN", B("www.example.com"),
     .ip = {B(V4_192_0_2_1)}, .cn = B("www.example.com"), .want = HM_NO_MATCH,
     .v0 = HM_V_WRONG_KIND, .vcn = HM_V_CN_IGNORED},
    {"CN ignored beside a broken SAN", B("good.com"),
     .dns = {B("good.com\0.evil.com")}, .cn = B("good.com"),
     .want = HM_NO_MATCH, .v0 = HM_V_MALFORMED, .s0 = HM_SYN_NUL,
     .vcn = HM_V_CN_IGNORED, .unusable = 1},
    {"SAN matches, CN ignored", B("www.example.com"),
     .dns = {B("www.example.com")}, .cn = B("evil.example.com"),
     .want = HM_MATCH, .vcn = HM_V_CN_IGNORED},
    {"CN free text", B("www.example.com"), .cn = B("Example Server"),
     .want = HM_NO_MATCH, .v0 = HM_V_MALFORMED, .s0 = HM_SYN_BAD_BYTE,
     .vcn = HM_V_MALFORMED, .unusable = 1},
    {"CN empty", B("www.example.com"), .cn = B(""), .want = HM_NO_MATCH,
     .v0 = HM_V_MALFORMED, .s0 = HM_SYN_EMPTY, .vcn = HM_V_MALFORMED,
     .unusable = 1},
    {"CN never for an address", B("192.0.2.1"), .cn = B("192.0.2.1"),
     .want = HM_NO_MATCH, .v0 = HM_V_WRONG_KIND, .vcn = HM_V_WRONG_KIND},
    {"nothing presented", B("www.example.com"), .want = HM_NO_IDENTIFIERS},

    /* IP literals: iPAddress SANs only, same family, byte for byte. */
    {"IPv4 vs IP SAN", B("192.0.2.1"), .ip = {B(V4_192_0_2_1)},
     .want = HM_MATCH, .kind = HM_ID_IP},
    {"IPv4 vs other IP SAN", B("192.0.2.1"), .ip = {B(V4_192_0_2_2)},
     .want = HM_NO_MATCH, .v0 = HM_V_MISMATCH},
    {"IPv4 vs DNS SAN 1.2.3.4", B("1.2.3.4"), .dns = {B("1.2.3.4")},
     .want = HM_NO_MATCH, .v0 = HM_V_MALFORMED, .s0 = HM_SYN_NUMERIC_TLD,
     .unusable = 1},
    {"IPv4: DNS SAN skipped, IP SAN matches", B("1.2.3.4"),
     .dns = {B("1.2.3.4")}, .ip = {B("\x01\x02\x03\x04")}, .want = HM_MATCH,
     .kind = HM_ID_IP, .v0 = HM_V_MALFORMED, .s0 = HM_SYN_NUMERIC_TLD,
     .unusable = 1},
    {"IPv4 vs a DNS name", B("192.0.2.1"), .dns = {B("www.example.com")},
     .ip = {B(V4_192_0_2_2), B(V4_192_0_2_1)}, .want = HM_MATCH,
     .kind = HM_ID_IP, .index = 1, .v0 = HM_V_WRONG_KIND},
    {"IPv6 vs IP SAN", B("2001:db8::1"), .ip = {B(V6_DB8_1)}, .want = HM_MATCH,
     .kind = HM_ID_IP},
    {"IPv6 full form, upper case", B("2001:DB8:0:0:0:0:0:1"),
     .ip = {B(V6_DB8_1)}, .want = HM_MATCH, .kind = HM_ID_IP},
    {"IPv6 vs DNS SAN of its text", B("2001:db8::1"), .dns = {B("2001:db8::1")},
     .want = HM_NO_MATCH, .v0 = HM_V_MALFORMED, .s0 = HM_SYN_BAD_BYTE,
     .unusable = 1},
    {"mapped IPv6 vs IPv4 SAN", B("::ffff:192.0.2.1"), .ip = {B(V4_192_0_2_1)},
     .want = HM_NO_MATCH, .v0 = HM_V_MISMATCH},
    {"IPv4 vs mapped IPv6 SAN", B("192.0.2.1"), .ip = {B(V6_MAPPED_192_0_2_1)},
     .want = HM_NO_MATCH, .v0 = HM_V_MISMATCH},
    {"mapped IPv6 vs mapped SAN", B("::FFFF:192.0.2.1"),
     .ip = {B(V6_MAPPED_192_0_2_1)}, .want = HM_MATCH, .kind = HM_ID_IP},
    {"name vs IP SAN only", B("www.example.com"), .ip = {B(V4_192_0_2_1)},
     .want = HM_NO_MATCH, .v0 = HM_V_WRONG_KIND},
    {"IP SAN of 5 bytes", B("192.0.2.1"), .ip = {B(V4_192_0_2_1 "\x00")},
     .want = HM_NO_MATCH, .v0 = HM_V_MALFORMED, .s0 = HM_SYN_BAD_IP,
     .unusable = 1},
    {"inet_aton 1.2.3", B("1.2.3"), .ip = {B("\x01\x02\x00\x03")},
     .want = HM_BAD_REFERENCE, .why = HM_SYN_NUMERIC_TLD},
    {"octal 010.0.0.1", B("010.0.0.1"),
     .ip = {B("\x08\x00\x00\x01"), B("\x0a\x00\x00\x01")},
     .want = HM_BAD_REFERENCE, .why = HM_SYN_NUMERIC_TLD},
    {"hex 0x7f.0.0.1", B("0x7f.0.0.1"), .ip = {B("\x7f\x00\x00\x01")},
     .want = HM_BAD_REFERENCE, .why = HM_SYN_NUMERIC_TLD},
    {"octet 256", B("1.2.3.256"), .ip = {B("\x01\x02\x03\x00")},
     .want = HM_BAD_REFERENCE, .why = HM_SYN_NUMERIC_TLD},
    {"IPv4 with final dot", B("192.0.2.1."), .ip = {B(V4_192_0_2_1)},
     .want = HM_BAD_REFERENCE, .why = HM_SYN_NUMERIC_TLD},
    {"IPv6 with zone", B("fe80::1%eth0"), .ip = {B(V6_DB8_1)},
     .want = HM_BAD_REFERENCE, .why = HM_SYN_BAD_IP},
    {"IPv6 in brackets", B("[2001:db8::1]"), .ip = {B(V6_DB8_1)},
     .want = HM_BAD_REFERENCE, .why = HM_SYN_BAD_IP},
    {"server address, IPv4", .af = 4, .addr = V4_192_0_2_1,
     .ip = {B(V4_192_0_2_1)}, .want = HM_MATCH, .kind = HM_ID_IP},
    {"server address, IPv6", .af = 6, .addr = V6_DB8_1, .ip = {B(V6_DB8_1)},
     .want = HM_MATCH, .kind = HM_ID_IP},
    {"server address vs name and CN", .af = 4, .addr = V4_192_0_2_1,
     .dns = {B("www.example.com")}, .cn = B("192.0.2.1"), .want = HM_NO_MATCH,
     .v0 = HM_V_WRONG_KIND, .vcn = HM_V_CN_IGNORED},
    {"unknown address family", .af = 5, .addr = V6_DB8_1, .ip = {B(V6_DB8_1)},
     .want = HM_BAD_REFERENCE, .why = HM_SYN_BAD_IP},

    /* Embedded NUL: the 2009 "good.com\0.evil.com" certificate trick. */
    {"NUL in SAN vs its prefix", B("good.com"),
     .dns = {B("good.com\0.evil.com")}, .want = HM_NO_MATCH,
     .v0 = HM_V_MALFORMED, .s0 = HM_SYN_NUL, .unusable = 1},
    {"NUL in SAN vs its suffix", B("evil.com"),
     .dns = {B("good.com\0.evil.com")}, .want = HM_NO_MATCH,
     .v0 = HM_V_MALFORMED, .s0 = HM_SYN_NUL, .unusable = 1},
    {"NUL in SAN vs itself", B("good.com\0.evil.com"),
     .dns = {B("good.com\0.evil.com")}, .want = HM_BAD_REFERENCE,
     .why = HM_SYN_NUL},
    {"NUL in SNI", B("good.com\0.evil.com"), .dns = {B("good.com")},
     .want = HM_BAD_REFERENCE, .why = HM_SYN_NUL},
    {"NUL in CN", B("good.com"), .cn = B("good.com\0"), .want = HM_NO_MATCH,
     .v0 = HM_V_MALFORMED, .s0 = HM_SYN_NUL, .vcn = HM_V_MALFORMED,
     .unusable = 1},

    /* Lengths: 253 bytes (254 with the final dot) and no more. */
    {"253 bytes", B(N253), .dns = {B(N253)}, .want = HM_MATCH},
    {"253 bytes and a dot", B(N253 "."), .dns = {B(N253)}, .want = HM_MATCH},
    {"253 bytes under a wildcard", B(N253),
     .dns = {B("*." L63 "." L63 "." L61)}, .want = HM_MATCH},
    {"254 bytes", B(N254), .dns = {B(N254)}, .want = HM_BAD_REFERENCE,
     .why = HM_SYN_TOO_LONG},
    {"255 bytes", B(N255), .dns = {B(N255)}, .want = HM_BAD_REFERENCE,
     .why = HM_SYN_TOO_LONG},
    {"255 bytes presented", B(N253), .dns = {B(N255)}, .want = HM_NO_MATCH,
     .v0 = HM_V_MALFORMED, .s0 = HM_SYN_TOO_LONG, .unusable = 1},
    {"63-byte label", B(L63 ".example.com"), .dns = {B(L63 ".example.com")},
     .want = HM_MATCH},
    {"63-byte label under a wildcard", B(L63 ".example.com"),
     .dns = {B("*.example.com")}, .want = HM_MATCH},
    {"64-byte label", B(L64 ".example.com"), .dns = {B("*.example.com")},
     .want = HM_BAD_REFERENCE, .why = HM_SYN_LONG_LABEL},
    {"64-byte label presented", B("www.example.com"),
     .dns = {B("www." L64 ".com")}, .want = HM_NO_MATCH, .v0 = HM_V_MALFORMED,
     .s0 = HM_SYN_LONG_LABEL, .unusable = 1},

    /* Empty and odd bytes. */
    {"empty reference", B(""), .dns = {B("example.com")},
     .want = HM_BAD_REFERENCE, .why = HM_SYN_EMPTY},
    {"empty SAN", B("example.com"), .dns = {B("")}, .want = HM_NO_MATCH,
     .v0 = HM_V_MALFORMED, .s0 = HM_SYN_EMPTY, .unusable = 1},
    {"SAN with empty first label", B("example.com"), .dns = {B(".example.com")},
     .want = HM_NO_MATCH, .v0 = HM_V_MALFORMED, .s0 = HM_SYN_EMPTY_LABEL,
     .unusable = 1},
    {"underscore in reference", B("my_host.example.com"),
     .dns = {B("my_host.example.com")}, .want = HM_BAD_REFERENCE,
     .why = HM_SYN_BAD_BYTE},
    {"space in reference", B("www example.com"), .dns = {B("example.com")},
     .want = HM_BAD_REFERENCE, .why = HM_SYN_BAD_BYTE},
    {"DEL in SAN", B("example.com"), .dns = {B("example.com\x7f")},
     .want = HM_NO_MATCH, .v0 = HM_V_MALFORMED, .s0 = HM_SYN_BAD_BYTE,
     .unusable = 1},
};

START_TEST(test_match)
{
	const struct mrow *r = &mrows[_i];
	struct hm_bytes dns[3], ip[3], cn;
	uint8_t *bufs[8] = {NULL};
	struct hm_presented ids = {dns, 0, ip, 0, NULL};
	struct hm_result res;
	struct hm_ref ref;
	size_t nb = 0, i, want_tried;
	uint8_t *refbuf = NULL;

	if (r->af != 0) {
		hm_ref_from_ip(&ref, r->af, (const uint8_t *)r->addr);
	} else {
		refbuf = dup_exact(r->ref);
		hm_ref_from_name(&ref, refbuf, r->ref.n);
	}
	for (i = 0; i < 3 && r->dns[i].s != NULL; i++) {
		bufs[nb] = dup_exact(r->dns[i]);
		dns[ids.ndns++] = (struct hm_bytes){bufs[nb++], r->dns[i].n};
	}
	for (i = 0; i < 3 && r->ip[i].s != NULL; i++) {
		bufs[nb] = dup_exact(r->ip[i]);
		ip[ids.nip++] = (struct hm_bytes){bufs[nb++], r->ip[i].n};
	}
	if (r->cn.s != NULL) {
		bufs[nb] = dup_exact(r->cn);
		cn = (struct hm_bytes){bufs[nb++], r->cn.n};
		ids.cn = &cn;
	}

	ck_assert_msg(hm_match(&ref, &ids, &res) == r->want, "%s: status %s",
		      r->what, hm_status_name(res.status));
	ck_assert_int_eq(res.status, r->want);
	ck_assert_msg(res.nunusable == r->unusable, "%s: %zu unusable", r->what,
		      res.nunusable);
	if (r->want == HM_BAD_REFERENCE) {
		ck_assert_int_eq(ref.kind, HM_REF_INVALID);
		ck_assert_msg(ref.why == r->why, "%s: why %s", r->what,
			      hm_syntax_name(ref.why));
	} else {
		ck_assert_int_ne(ref.kind, HM_REF_INVALID);
	}
	want_tried = 0;
	if (r->want == HM_MATCH || r->want == HM_NO_MATCH)
		want_tried = ids.ndns + ids.nip + (ids.cn != NULL);
	ck_assert_uint_eq(res.ntried, want_tried);
	ck_assert_uint_eq(res.nlisted, want_tried);
	if (want_tried > 0) {
		ck_assert_msg(res.tried[0].verdict == r->v0, "%s: v0 %s",
			      r->what, hm_verdict_name(res.tried[0].verdict));
		ck_assert_msg(res.tried[0].syntax == r->s0, "%s: s0 %s",
			      r->what, hm_syntax_name(res.tried[0].syntax));
	}
	if (want_tried > 0 && ids.cn != NULL) {
		const struct hm_tried *t = &res.tried[res.nlisted - 1];

		ck_assert_int_eq(t->kind, HM_ID_CN);
		ck_assert_msg(t->verdict == r->vcn, "%s: CN %s", r->what,
			      hm_verdict_name(t->verdict));
	}
	if (r->want == HM_MATCH) {
		size_t at = r->index;

		ck_assert_int_eq(res.match_kind, r->kind);
		ck_assert_uint_eq(res.match_index, r->index);
		/* The listed verdict of the winner says "match" too. */
		if (r->kind != HM_ID_DNS)
			at += ids.ndns;
		if (r->kind == HM_ID_CN)
			at += ids.nip;
		ck_assert_int_eq(res.tried[at].kind, r->kind);
		ck_assert_int_eq(res.tried[at].verdict, HM_V_MATCH);
	}
	for (i = 0; i < nb; i++)
		free(bufs[i]);
	free(refbuf);
}
END_TEST

/* How a reference is classified and normalised: IP literals are strict. */
static const struct {
	struct tb in;
	enum hm_ref_kind kind;
	enum hm_syntax why;
	struct tb out; /* name or address bytes */
} refrows[] = {
    {B("Example.COM."), HM_REF_DNS, HM_SYN_OK, B("example.com")},
    {B("192.0.2.1"), HM_REF_IPV4, HM_SYN_OK, B(V4_192_0_2_1)},
    {B("0.0.0.0"), HM_REF_IPV4, HM_SYN_OK, B("\x00\x00\x00\x00")},
    {B("255.255.255.255"), HM_REF_IPV4, HM_SYN_OK, B("\xff\xff\xff\xff")},
    {B("1.2.3.04"), HM_REF_INVALID, HM_SYN_NUMERIC_TLD, B("")},
    {B("1.2.3.4.5"), HM_REF_INVALID, HM_SYN_NUMERIC_TLD, B("")},
    {B("1..2.3"), HM_REF_INVALID, HM_SYN_EMPTY_LABEL, B("")},
    {B("1234.1.1.1"), HM_REF_INVALID, HM_SYN_NUMERIC_TLD, B("")},
    {B("+1.2.3.4"), HM_REF_INVALID, HM_SYN_BAD_BYTE, B("")},
    {B("::"), HM_REF_IPV6, HM_SYN_OK,
     B("\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")},
    {B("::1"), HM_REF_IPV6, HM_SYN_OK,
     B("\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01")},
    {B("1::"), HM_REF_IPV6, HM_SYN_OK,
     B("\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")},
    {B("2001:db8::1"), HM_REF_IPV6, HM_SYN_OK, B(V6_DB8_1)},
    {B("1:2:3:4:5:6:7:8"), HM_REF_IPV6, HM_SYN_OK,
     B("\x00\x01\x00\x02\x00\x03\x00\x04\x00\x05\x00\x06\x00\x07\x00\x08")},
    {B("1:2:3:4:5:6:7::"), HM_REF_IPV6, HM_SYN_OK,
     B("\x00\x01\x00\x02\x00\x03\x00\x04\x00\x05\x00\x06\x00\x07\x00\x00")},
    {B("::2:3:4:5:6:7:8"), HM_REF_IPV6, HM_SYN_OK,
     B("\x00\x00\x00\x02\x00\x03\x00\x04\x00\x05\x00\x06\x00\x07\x00\x08")},
    {B("ffff:FFFF::abcd:0"), HM_REF_IPV6, HM_SYN_OK,
     B("\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00\xab\xcd\x00\x00")},
    {B("::ffff:192.0.2.1"), HM_REF_IPV6, HM_SYN_OK, B(V6_MAPPED_192_0_2_1)},
    {B("1:2:3:4:5:6:1.2.3.4"), HM_REF_IPV6, HM_SYN_OK,
     B("\x00\x01\x00\x02\x00\x03\x00\x04\x00\x05\x00\x06\x01\x02\x03\x04")},
    {B("1:2:3:4:5:6:7:8:9"), HM_REF_INVALID, HM_SYN_BAD_IP, B("")},
    {B("1:2:3:4:5:6:7"), HM_REF_INVALID, HM_SYN_BAD_IP, B("")},
    {B("1:2:3:4:5:6:7:8::"), HM_REF_INVALID, HM_SYN_BAD_IP, B("")},
    {B("::1:2:3:4:5:6:7:8"), HM_REF_INVALID, HM_SYN_BAD_IP, B("")},
    {B("1::2::3"), HM_REF_INVALID, HM_SYN_BAD_IP, B("")},
    {B(":::"), HM_REF_INVALID, HM_SYN_BAD_IP, B("")},
    {B(":1::"), HM_REF_INVALID, HM_SYN_BAD_IP, B("")},
    {B("1:"), HM_REF_INVALID, HM_SYN_BAD_IP, B("")},
    {B("1::2:"), HM_REF_INVALID, HM_SYN_BAD_IP, B("")},
    {B(":"), HM_REF_INVALID, HM_SYN_BAD_IP, B("")},
    {B("12345::"), HM_REF_INVALID, HM_SYN_BAD_IP, B("")},
    {B("g::1"), HM_REF_INVALID, HM_SYN_BAD_IP, B("")},
    {B("::1.2.3"), HM_REF_INVALID, HM_SYN_BAD_IP, B("")},
    {B("::01.2.3.4"), HM_REF_INVALID, HM_SYN_BAD_IP, B("")},
    {B("::1.2.3.4:5"), HM_REF_INVALID, HM_SYN_BAD_IP, B("")},
    {B("1:2:3:4:5:6:7:1.2.3.4"), HM_REF_INVALID, HM_SYN_BAD_IP, B("")},
    {B("::a1.2.3.4"), HM_REF_INVALID, HM_SYN_BAD_IP, B("")},
};

START_TEST(test_ref)
{
	struct hm_ref ref;
	uint8_t *in = dup_exact(refrows[_i].in);

	hm_ref_from_name(&ref, in, refrows[_i].in.n);
	free(in);
	ck_assert_msg(ref.kind == refrows[_i].kind, "%s: kind %d",
		      refrows[_i].in.s, ref.kind);
	ck_assert_int_eq(ref.why, refrows[_i].why);
	switch (ref.kind) {
	case HM_REF_DNS:
		ck_assert_uint_eq(ref.len, refrows[_i].out.n);
		ck_assert_mem_eq(ref.name, refrows[_i].out.s, ref.len);
		break;
	case HM_REF_IPV4:
	case HM_REF_IPV6:
		ck_assert_uint_eq(ref.kind == HM_REF_IPV4 ? 4 : 16,
				  refrows[_i].out.n);
		ck_assert_mem_eq(ref.ip, refrows[_i].out.s, refrows[_i].out.n);
		break;
	case HM_REF_INVALID:
		break;
	}
}
END_TEST

/* A certificate with more SANs than are listed is still judged whole: the
 * match past the list is found, and every verdict is counted. */
START_TEST(test_many_sans)
{
	enum { N = HM_TRIED_MAX + 50 };
	static char names[N][16];
	struct hm_bytes dns[N], cn = {(const uint8_t *)"n1.example", 10};
	struct hm_presented ids = {dns, N, NULL, 0, &cn};
	struct hm_result res;
	struct hm_ref ref;
	size_t i;

	for (i = 0; i < N; i++) {
		int len =
		    snprintf(names[i], sizeof(names[i]), "n%zu.example", i);

		dns[i] =
		    (struct hm_bytes){(const uint8_t *)names[i], (size_t)len};
	}
	hm_ref_from_name(&ref, (const uint8_t *)"N140.Example.", 13);
	ck_assert_int_eq(hm_match(&ref, &ids, &res), HM_MATCH);
	ck_assert_int_eq(res.match_kind, HM_ID_DNS);
	ck_assert_uint_eq(res.match_index, 140);
	ck_assert_uint_eq(res.ntried, N + 1);
	ck_assert_uint_eq(res.nlisted, HM_TRIED_MAX);
	ck_assert_uint_eq(res.ncompared, N);
	for (i = 0; i < HM_TRIED_MAX; i++) {
		ck_assert_uint_eq(res.tried[i].index, i);
		ck_assert_int_eq(res.tried[i].verdict, HM_V_MISMATCH);
	}
}
END_TEST

/* Every prefix of inputs that walk the IP and name parsers to their ends:
 * whatever the answer, nothing is read past the given length. */
static const struct tb prefix_inputs[] = {
    B("2001:db8:0:1:2:3:192.168.100.200"),
    B("::ffff:255.255.255.255"),
    B("255.255.255.255"),
    B("xn--bcher-kva.Example.COM."),
    B("a.b..c\0d\xff"),
};

START_TEST(test_prefixes)
{
	struct tb in = prefix_inputs[_i];
	struct hm_bytes b;
	struct hm_presented ids = {&b, 1, &b, 1, &b};
	struct hm_result res;
	struct hm_ref ref;
	size_t n;

	for (n = 0; n <= in.n; n++) {
		uint8_t *p = dup_exact((struct tb){in.s, n});

		b = (struct hm_bytes){p, n};
		hm_ref_from_name(&ref, p, n);
		(void)hm_match(&ref, &ids, &res);
		ck_assert_uint_le(res.nlisted, 3);
		free(p);
	}
}
END_TEST

/* The names are public (JSON, metrics): fixed strings, one per value. */
START_TEST(test_names)
{
	ck_assert_str_eq(hm_status_name(HM_MATCH), "match");
	ck_assert_str_eq(hm_status_name(HM_NO_MATCH), "no_match");
	ck_assert_str_eq(hm_status_name(HM_NO_IDENTIFIERS), "no_identifiers");
	ck_assert_str_eq(hm_status_name(HM_BAD_REFERENCE), "bad_reference");
	ck_assert_str_eq(hm_id_kind_name(HM_ID_DNS), "dns");
	ck_assert_str_eq(hm_id_kind_name(HM_ID_IP), "ip");
	ck_assert_str_eq(hm_id_kind_name(HM_ID_CN), "cn");
	ck_assert_str_eq(hm_verdict_name(HM_V_WILDCARD_PARTIAL),
			 "wildcard_partial");
	ck_assert_str_eq(hm_verdict_name(HM_V_CN_IGNORED), "cn_ignored");
	ck_assert_str_eq(hm_syntax_name(HM_SYN_NUL), "nul");
	ck_assert_str_eq(hm_syntax_name(HM_SYN_NUMERIC_TLD), "numeric_tld");
	ck_assert_ptr_null(hm_status_name((enum hm_status)99));
	ck_assert_ptr_null(hm_verdict_name((enum hm_verdict)99));
	ck_assert_ptr_null(hm_syntax_name((enum hm_syntax)99));
}
END_TEST

static Suite *
hostmatch_suite(void)
{
	Suite *s = suite_create("hostmatch");
	TCase *tc = tcase_create("hostmatch");

	tcase_add_loop_test(tc, test_match, 0,
			    (int)(sizeof(mrows) / sizeof(mrows[0])));
	tcase_add_loop_test(tc, test_ref, 0,
			    (int)(sizeof(refrows) / sizeof(refrows[0])));
	tcase_add_loop_test(
	    tc, test_prefixes, 0,
	    (int)(sizeof(prefix_inputs) / sizeof(prefix_inputs[0])));
	tcase_add_test(tc, test_many_sans);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(hostmatch_suite)
