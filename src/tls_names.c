/* tls_names.c -- IANA names of TLS code points and weak-crypto classes.
 *
 * Implements lookups over the IANA TLS registries (RFC 8447), RFC 8701
 * (GREASE) and the deprecations of RFC 7465, RFC 5469 and RFC 8996.
 * Must never: parse bytes, keep state, or name a value the tables do not.
 */
#include <stdio.h>

#include "tlsdiag/tls_names.h"

/*
 * Each lookup is a switch generated from the .def file: a duplicate value is
 * a compile error, the order of the table does not matter, and the compiler
 * picks a jump table or a binary search.
 */

const char *
tls_cipher_name(uint16_t id)
{
	switch (id) {
#define TLS_CIPHER(v, name, weak, tls13)                                       \
	case (v):                                                              \
		return (name);
#include "tlsdiag/tls_ciphers.def"
	default:
		return NULL;
	}
}

unsigned
tls_cipher_weakness(uint16_t id)
{
	switch (id) {
#define TLS_CIPHER(v, name, weak, tls13)                                       \
	case (v):                                                              \
		return (unsigned)(weak);
#include "tlsdiag/tls_ciphers.def"
	default:
		return 0;
	}
}

bool
tls_cipher_is_tls13(uint16_t id)
{
	switch (id) {
#define TLS_CIPHER(v, name, weak, tls13)                                       \
	case (v):                                                              \
		return (tls13) != 0;
#include "tlsdiag/tls_ciphers.def"
	default:
		return false;
	}
}

bool
tls_cipher_is_weak(uint16_t id, unsigned *why)
{
	unsigned w = tls_cipher_weakness(id);

	if (why != NULL)
		*why = w;
	return w != 0;
}

bool
tls_cipher_is_scsv(uint16_t id)
{
	return id == TLS_CIPHER_EMPTY_RENEGOTIATION_INFO_SCSV ||
	       id == TLS_CIPHER_FALLBACK_SCSV;
}

const char *
tls_weak_name(unsigned bit)
{
	switch (bit) {
	case TLS_WEAK_NULL:
		return "null";
	case TLS_WEAK_EXPORT:
		return "export";
	case TLS_WEAK_RC4:
		return "rc4";
	case TLS_WEAK_RC2:
		return "rc2";
	case TLS_WEAK_DES:
		return "des";
	case TLS_WEAK_3DES:
		return "3des";
	case TLS_WEAK_IDEA:
		return "idea";
	case TLS_WEAK_ANON:
		return "anon";
	case TLS_WEAK_MD5:
		return "md5";
	default:
		return NULL;
	}
}

/* One switch per 16- or 8-bit registry, all from tls_names.def. */
#define TLS_NAME_CASE(v, id, name)                                             \
	case (v):                                                              \
		return (name);

const char *
tls_group_name(uint16_t id)
{
	switch (id) {
#define TLS_GROUP TLS_NAME_CASE
#include "tlsdiag/tls_names.def"
	default:
		return NULL;
	}
}

const char *
tls_sigscheme_name(uint16_t id)
{
	switch (id) {
#define TLS_SIG TLS_NAME_CASE
#include "tlsdiag/tls_names.def"
	default:
		return NULL;
	}
}

const char *
tls_alert_name(uint8_t desc)
{
	switch (desc) {
#define TLS_ALERT TLS_NAME_CASE
#include "tlsdiag/tls_names.def"
	default:
		return NULL;
	}
}

const char *
tls_alert_level_name(uint8_t level)
{
	switch (level) {
#define TLS_ALERT_LEVEL TLS_NAME_CASE
#include "tlsdiag/tls_names.def"
	default:
		return NULL;
	}
}

const char *
tls_ext_name(uint16_t type)
{
	switch (type) {
#define TLS_EXT TLS_NAME_CASE
#include "tlsdiag/tls_names.def"
	default:
		return NULL;
	}
}

const char *
tls_hs_type_name(uint8_t type)
{
	switch (type) {
#define TLS_HS TLS_NAME_CASE
#include "tlsdiag/tls_names.def"
	default:
		return NULL;
	}
}

const char *
tls_content_type_name(uint8_t type)
{
	switch (type) {
#define TLS_CTYPE TLS_NAME_CASE
#include "tlsdiag/tls_names.def"
	default:
		return NULL;
	}
}

const char *
tls_version_name(uint16_t v)
{
	switch (v) {
#define TLS_VERSION TLS_NAME_CASE
#include "tlsdiag/tls_names.def"
	default:
		return tls_is_grease(v) ? "GREASE" : NULL;
	}
}

bool
tls_version_is_weak(uint16_t v)
{
	switch (v) {
	case TLS_VERSION_SSL2:
	case TLS_VERSION_SSL3:
	case TLS_VERSION_TLS10:
	case TLS_VERSION_TLS11:
	case TLS_VERSION_DTLS10:
		return true;
	default:
		return false;
	}
}

bool
tls_is_grease(uint16_t v)
{
	/* Both bytes equal and each of the form 0x?A (RFC 8701 2). */
	return (v & 0x0F0F) == 0x0A0A && (v >> 8) == (v & 0xFF);
}

const char *
tls_name_or_hex(const char *name, uint16_t v, char buf[TLS_HEX_LEN])
{
	if (name != NULL)
		return name;
	/* 6 characters always fit: the result needs no truncation check. */
	(void)snprintf(buf, TLS_HEX_LEN, "0x%04x", (unsigned)v);
	return buf;
}
