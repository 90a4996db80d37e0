/* tls_names.h -- names of TLS code points, GREASE, and weak-crypto classes.
 *
 * Implements the IANA "TLS Parameters" registries (cipher suites, supported
 * groups, signature schemes, alerts, extension types, handshake and content
 * types; RFC 8446, RFC 8447, RFC 5246), RFC 8701 (GREASE), and the
 * deprecations of RFC 7465 (RC4), RFC 5469 (DES, IDEA) and RFC 8996
 * (TLS 1.0 and 1.1).
 *
 * This module owns the tables (tls_names.def, tls_ciphers.def) and nothing
 * else: it keeps no state, allocates nothing and is safe from any thread.
 * It never parses bytes and never decides what a value means for a
 * handshake; the inference engine does that with these facts.
 *
 * Every *_name() function returns the registry's name as a static string,
 * or NULL for a value that is unassigned or GREASE, so that callers print
 * the number instead (tls_name_or_hex()).  tls_version_name() alone also
 * names GREASE, because a version list is read as a list of versions.
 * Lookups are switch statements generated from the .def files: the
 * compiler turns them into jump tables or binary searches.
 */
#ifndef TLSDIAG_TLS_NAMES_H
#define TLSDIAG_TLS_NAMES_H

#include <stdbool.h>
#include <stdint.h>

/* Named constants for the registries, generated from tls_names.def:
 * TLS_VERSION_TLS12, TLS_CT_HANDSHAKE, TLS_ALERT_LEVEL_FATAL,
 * TLS_ALERT_UNKNOWN_CA, TLS_HS_CLIENT_HELLO, TLS_EXT_SERVER_NAME,
 * TLS_GROUP_X25519, TLS_SIG_RSA_PSS_RSAE_SHA256 ... */
enum tls_version {
#define TLS_VERSION(v, id, name) TLS_VERSION_##id = (v),
#include "tlsdiag/tls_names.def"
};

enum tls_content_type {
#define TLS_CTYPE(v, id, name) TLS_CT_##id = (v),
#include "tlsdiag/tls_names.def"
};

enum tls_alert_level {
#define TLS_ALERT_LEVEL(v, id, name) TLS_ALERT_LEVEL_##id = (v),
#include "tlsdiag/tls_names.def"
};

enum tls_alert_desc {
#define TLS_ALERT(v, id, name) TLS_ALERT_##id = (v),
#include "tlsdiag/tls_names.def"
};

enum tls_hs_type {
#define TLS_HS(v, id, name) TLS_HS_##id = (v),
#include "tlsdiag/tls_names.def"
};

enum tls_ext_type {
#define TLS_EXT(v, id, name) TLS_EXT_##id = (v),
#include "tlsdiag/tls_names.def"
};

enum tls_group {
#define TLS_GROUP(v, id, name) TLS_GROUP_##id = (v),
#include "tlsdiag/tls_names.def"
};

enum tls_sigscheme {
#define TLS_SIG(v, id, name) TLS_SIG_##id = (v),
#include "tlsdiag/tls_names.def"
};

/* The two signalling cipher suite values (not real suites). */
#define TLS_CIPHER_EMPTY_RENEGOTIATION_INFO_SCSV 0x00FF /* RFC 5746 */
#define TLS_CIPHER_FALLBACK_SCSV 0x5600			/* RFC 7507 */

/* "0x" + 4 hex digits + NUL: the buffer tls_name_or_hex() needs. */
#define TLS_HEX_LEN 7

const char *tls_cipher_name(uint16_t id);
const char *tls_group_name(uint16_t id);
const char *tls_sigscheme_name(uint16_t id);
const char *tls_alert_name(uint8_t desc);
const char *tls_alert_level_name(uint8_t level);
const char *tls_ext_name(uint16_t type);
const char *tls_hs_type_name(uint8_t type);
const char *tls_content_type_name(uint8_t type);

/* "TLSv1.2", "SSLv3", "TLSv1.3-draft-23", "DTLSv1.2", "GREASE"; NULL for
 * anything else. */
const char *tls_version_name(uint16_t v);

/* name if it is not NULL, else "0x%04x" of v written into buf (lowercase,
 * as Wireshark and JA4 print code points).  Returns name or buf. */
const char *tls_name_or_hex(const char *name, uint16_t v,
			    char buf[TLS_HEX_LEN]);

/* RFC 8701: the 16 values 0x?A?A with both bytes equal (0x0A0A ... 0xFAFA),
 * reserved in every 16-bit registry so that peers tolerate unknown ones. */
bool tls_is_grease(uint16_t v);

/* True for 0x00FF and 0x5600, which signal something and encrypt nothing. */
bool tls_cipher_is_scsv(uint16_t id);

/* True for suites usable only with TLS 1.3 (RFC 8446 B.4, RFC 9150). */
bool tls_cipher_is_tls13(uint16_t id);

/*
 * Why a cipher suite is weak: a bit mask, 0 for a suite with none of these
 * flaws (or an unknown one).  The classes are facts read off the suite's
 * name; whether they explain a failure is the inference engine's call.
 */
enum tls_weak {
	TLS_WEAK_NULL = 1u << 0,   /* no encryption (RFC 4785, RFC 9150) */
	TLS_WEAK_EXPORT = 1u << 1, /* 40/56-bit export grade (FREAK, Logjam) */
	TLS_WEAK_RC4 = 1u << 2,	   /* RFC 7465 prohibits RC4 */
	TLS_WEAK_RC2 = 1u << 3,	   /* RC2, export only */
	TLS_WEAK_DES = 1u << 4,	   /* single DES, removed by RFC 5469 */
	TLS_WEAK_3DES = 1u << 5,   /* 64-bit block: Sweet32 */
	TLS_WEAK_IDEA = 1u << 6,   /* 64-bit block, removed by RFC 5469 */
	TLS_WEAK_ANON = 1u << 7,   /* no server authentication: any MITM */
	TLS_WEAK_MD5 = 1u << 8,	   /* HMAC-MD5 record MAC */
};
#define TLS_WEAK_ALL 0x1FFu

unsigned tls_cipher_weakness(uint16_t id);

/* True if id has any weakness; *why (if not NULL) gets the mask. */
bool tls_cipher_is_weak(uint16_t id, unsigned *why);

/* Stable short label of one weakness bit ("null", "export", "rc4", "rc2",
 * "des", "3des", "idea", "anon", "md5") for JSON and metrics; NULL if bit
 * is not exactly one known class. */
const char *tls_weak_name(unsigned bit);

/* RFC 8996: SSLv2, SSLv3, TLS 1.0, TLS 1.1 and DTLS 1.0 are deprecated.
 * TLS 1.3 drafts and unknown values are not called weak: they are
 * obsolete or unknown, which is a different finding. */
bool tls_version_is_weak(uint16_t v);

#endif
