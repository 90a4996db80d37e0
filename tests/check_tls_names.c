/* check_tls_names.c -- tests of the TLS name tables, GREASE and weakness.
 *
 * Covers src/tls_names.c against the IANA TLS registries (RFC 8447),
 * RFC 8701 (GREASE), RFC 7465, RFC 5469 and RFC 8996.
 * Must never: restate the tables wholesale; the known values below are
 * written from the registries, not copied from the .def files.
 */
#include <stdint.h>
#include <string.h>

#include "testutil.h"
#include "tlsdiag/tls_names.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

enum table { CIPHER, GROUP, SIG, ALERT, LEVEL, EXT, HS, CTYPE, VERSION };

static const char *
lookup(enum table t, unsigned v)
{
	switch (t) {
	case CIPHER:
		return tls_cipher_name((uint16_t)v);
	case GROUP:
		return tls_group_name((uint16_t)v);
	case SIG:
		return tls_sigscheme_name((uint16_t)v);
	case ALERT:
		return tls_alert_name((uint8_t)v);
	case LEVEL:
		return tls_alert_level_name((uint8_t)v);
	case EXT:
		return tls_ext_name((uint16_t)v);
	case HS:
		return tls_hs_type_name((uint8_t)v);
	case CTYPE:
		return tls_content_type_name((uint8_t)v);
	case VERSION:
		return tls_version_name((uint16_t)v);
	}
	return NULL;
}

/* Known names, from the IANA registries. */
static const struct {
	enum table t;
	unsigned v;
	const char *name;
} known[] = {
    {CIPHER, 0x0000, "TLS_NULL_WITH_NULL_NULL"},
    {CIPHER, 0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
    {CIPHER, 0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA"},
    {CIPHER, 0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
    {CIPHER, 0x00FF, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"},
    {CIPHER, 0x1301, "TLS_AES_128_GCM_SHA256"},
    {CIPHER, 0x1302, "TLS_AES_256_GCM_SHA384"},
    {CIPHER, 0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
    {CIPHER, 0x1305, "TLS_AES_128_CCM_8_SHA256"},
    {CIPHER, 0x5600, "TLS_FALLBACK_SCSV"},
    {CIPHER, 0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
    {CIPHER, 0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
    {CIPHER, 0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
    {CIPHER, 0xC0AA, "TLS_PSK_DHE_WITH_AES_128_CCM_8"},
    {CIPHER, 0xC0B5, "TLS_SHA384_SHA384"},
    {CIPHER, 0xC106, "TLS_GOSTR341112_256_WITH_MAGMA_MGM_S"},
    {CIPHER, 0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    {CIPHER, 0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
    {CIPHER, 0xD005, "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256"},
    {GROUP, 23, "secp256r1"},
    {GROUP, 24, "secp384r1"},
    {GROUP, 25, "secp521r1"},
    {GROUP, 29, "x25519"},
    {GROUP, 30, "x448"},
    {GROUP, 256, "ffdhe2048"},
    {GROUP, 260, "ffdhe8192"},
    {GROUP, 0x11EB, "SecP256r1MLKEM768"},
    {GROUP, 0x11EC, "X25519MLKEM768"},
    {GROUP, 0x6399, "X25519Kyber768Draft00"},
    {SIG, 0x0201, "rsa_pkcs1_sha1"},
    {SIG, 0x0401, "rsa_pkcs1_sha256"},
    {SIG, 0x0403, "ecdsa_secp256r1_sha256"},
    {SIG, 0x0503, "ecdsa_secp384r1_sha384"},
    {SIG, 0x0804, "rsa_pss_rsae_sha256"},
    {SIG, 0x0807, "ed25519"},
    {SIG, 0x0809, "rsa_pss_pss_sha256"},
    {SIG, 0x081A, "ecdsa_brainpoolP256r1tls13_sha256"},
    {ALERT, 0, "close_notify"},
    {ALERT, 10, "unexpected_message"},
    {ALERT, 20, "bad_record_mac"},
    {ALERT, 21, "decryption_failed"},
    {ALERT, 22, "record_overflow"},
    {ALERT, 30, "decompression_failure"},
    {ALERT, 40, "handshake_failure"},
    {ALERT, 41, "no_certificate"},
    {ALERT, 42, "bad_certificate"},
    {ALERT, 45, "certificate_expired"},
    {ALERT, 46, "certificate_unknown"},
    {ALERT, 48, "unknown_ca"},
    {ALERT, 60, "export_restriction"},
    {ALERT, 70, "protocol_version"},
    {ALERT, 71, "insufficient_security"},
    {ALERT, 80, "internal_error"},
    {ALERT, 86, "inappropriate_fallback"},
    {ALERT, 90, "user_canceled"},
    {ALERT, 100, "no_renegotiation"},
    {ALERT, 109, "missing_extension"},
    {ALERT, 110, "unsupported_extension"},
    {ALERT, 111, "certificate_unobtainable"},
    {ALERT, 112, "unrecognized_name"},
    {ALERT, 113, "bad_certificate_status_response"},
    {ALERT, 114, "bad_certificate_hash_value"},
    {ALERT, 115, "unknown_psk_identity"},
    {ALERT, 116, "certificate_required"},
    {ALERT, 120, "no_application_protocol"},
    {ALERT, 121, "ech_required"},
    {LEVEL, 1, "warning"},
    {LEVEL, 2, "fatal"},
    {EXT, 0, "server_name"},
    {EXT, 1, "max_fragment_length"},
    {EXT, 5, "status_request"},
    {EXT, 10, "supported_groups"},
    {EXT, 11, "ec_point_formats"},
    {EXT, 13, "signature_algorithms"},
    {EXT, 14, "use_srtp"},
    {EXT, 15, "heartbeat"},
    {EXT, 16, "application_layer_protocol_negotiation"},
    {EXT, 18, "signed_certificate_timestamp"},
    {EXT, 21, "padding"},
    {EXT, 22, "encrypt_then_mac"},
    {EXT, 23, "extended_master_secret"},
    {EXT, 27, "compress_certificate"},
    {EXT, 28, "record_size_limit"},
    {EXT, 34, "delegated_credential"},
    {EXT, 35, "session_ticket"},
    {EXT, 41, "pre_shared_key"},
    {EXT, 42, "early_data"},
    {EXT, 43, "supported_versions"},
    {EXT, 44, "cookie"},
    {EXT, 45, "psk_key_exchange_modes"},
    {EXT, 47, "certificate_authorities"},
    {EXT, 48, "oid_filters"},
    {EXT, 49, "post_handshake_auth"},
    {EXT, 50, "signature_algorithms_cert"},
    {EXT, 51, "key_share"},
    {EXT, 57, "quic_transport_parameters"},
    {EXT, 17513, "application_settings"},
    {EXT, 0xFE0D, "encrypted_client_hello"},
    {EXT, 0xFF01, "renegotiation_info"},
    {HS, 0, "hello_request"},
    {HS, 1, "client_hello"},
    {HS, 2, "server_hello"},
    {HS, 4, "new_session_ticket"},
    {HS, 5, "end_of_early_data"},
    {HS, 8, "encrypted_extensions"},
    {HS, 11, "certificate"},
    {HS, 12, "server_key_exchange"},
    {HS, 13, "certificate_request"},
    {HS, 14, "server_hello_done"},
    {HS, 15, "certificate_verify"},
    {HS, 16, "client_key_exchange"},
    {HS, 20, "finished"},
    {HS, 22, "certificate_status"},
    {HS, 24, "key_update"},
    {HS, 25, "compressed_certificate"},
    {HS, 254, "message_hash"},
    {CTYPE, 20, "change_cipher_spec"},
    {CTYPE, 21, "alert"},
    {CTYPE, 22, "handshake"},
    {CTYPE, 23, "application_data"},
    {CTYPE, 24, "heartbeat"},
    {VERSION, 0x0002, "SSLv2"},
    {VERSION, 0x0300, "SSLv3"},
    {VERSION, 0x0301, "TLSv1.0"},
    {VERSION, 0x0302, "TLSv1.1"},
    {VERSION, 0x0303, "TLSv1.2"},
    {VERSION, 0x0304, "TLSv1.3"},
    {VERSION, 0x7F0E, "TLSv1.3-draft-14"},
    {VERSION, 0x7F17, "TLSv1.3-draft-23"},
    {VERSION, 0x7F1C, "TLSv1.3-draft-28"},
    {VERSION, 0xFEFD, "DTLSv1.2"},
    {VERSION, 0x0A0A, "GREASE"},
    {VERSION, 0xFAFA, "GREASE"},
};

START_TEST(test_known)
{
	const char *got = lookup(known[_i].t, known[_i].v);

	ck_assert_msg(got != NULL, "0x%04x unnamed", known[_i].v);
	ck_assert_str_eq(got, known[_i].name);
}
END_TEST

/*
 * Unassigned, reserved, GREASE and non-IANA values have no name, so callers
 * print the number.  Includes Wireshark-only names that must not leak in:
 * draft ChaCha20 0xCC13, GOST 0x0081, ECJPAKE 0xC0FF, SSL_RSA_FIPS 0xFEFF.
 */
static const struct {
	enum table t;
	unsigned v;
} unknown[] = {
    {CIPHER, 0x001C},  {CIPHER, 0x0047},  {CIPHER, 0x0081},  {CIPHER, 0x00C8},
    {CIPHER, 0x0A0A},  {CIPHER, 0x1300},  {CIPHER, 0x1308},  {CIPHER, 0xC0B6},
    {CIPHER, 0xC0FF},  {CIPHER, 0xCC13},  {CIPHER, 0xD004},  {CIPHER, 0xE011},
    {CIPHER, 0xFEFF},  {CIPHER, 0xFFFF},  {GROUP, 0},	     {GROUP, 42},
    {GROUP, 0x0A0A},   {GROUP, 0x2F3A},	  {GROUP, 0xFFFF},   {SIG, 0x0000},
    {SIG, 0x0101},     {SIG, 0x0301},	  {SIG, 0x0A0A},     {SIG, 0xFEA0},
    {ALERT, 1},	       {ALERT, 11},	  {ALERT, 122},	     {ALERT, 255},
    {LEVEL, 0},	       {LEVEL, 3},	  {EXT, 40},	     {EXT, 46},
    {EXT, 0x0A0A},     {EXT, 0xFAFA},	  {EXT, 0xFFFF},     {HS, 6},
    {HS, 7},	       {HS, 19},	  {HS, 27},	     {HS, 255},
    {CTYPE, 0},	       {CTYPE, 19},	  {CTYPE, 27},	     {CTYPE, 255},
    {VERSION, 0x0000}, {VERSION, 0x0305}, {VERSION, 0x7F00}, {VERSION, 0x7F1D},
    {VERSION, 0x0A0B}, {VERSION, 0xFFFF},
};

START_TEST(test_unknown)
{
	const char *got = lookup(unknown[_i].t, unknown[_i].v);

	ck_assert_msg(got == NULL, "0x%04x named %s", unknown[_i].v, got);
}
END_TEST

/* Every table entry is found by its own value, and its name is well
 * formed: the switch statements and the .def files agree. */
static const struct {
	uint16_t v;
	const char *name;
} cipher_def[] = {
#define TLS_CIPHER(v, name, weak, tls13) {(v), (name)},
#include "tlsdiag/tls_ciphers.def"
};

/* IANA suite names are upper case, digits and '_', except "anon". */
static bool
iana_spelling(const char *n)
{
	for (const char *p = n; *p != '\0';) {
		if (strncmp(p, "anon", 4) == 0) {
			p += 4;
			continue;
		}
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_'))
			return false;
		p++;
	}
	return true;
}

START_TEST(test_cipher_table)
{
	unsigned named = 0, grease = 0;

	/* The registry has about 350 suites; fewer means a broken table. */
	ck_assert_uint_ge(NELEM(cipher_def), 350);
	for (size_t i = 0; i < NELEM(cipher_def); i++) {
		const char *n = tls_cipher_name(cipher_def[i].v);

		ck_assert_ptr_nonnull(n);
		ck_assert_str_eq(n, cipher_def[i].name);
		ck_assert_msg(strncmp(n, "TLS_", 4) == 0, "%s", n);
		ck_assert_msg(iana_spelling(n), "%s", n);
	}
	for (unsigned v = 0; v <= 0xFFFF; v++) {
		if (tls_cipher_name((uint16_t)v) != NULL)
			named++;
		if (tls_is_grease((uint16_t)v) &&
		    tls_cipher_name((uint16_t)v) != NULL)
			grease++;
	}
	ck_assert_uint_eq(named, NELEM(cipher_def));
	ck_assert_uint_eq(grease, 0);
}
END_TEST

#define ENTRY(v, id, name) {(v), (name)},
static const struct {
	unsigned v;
	const char *name;
} group_def[] =
    {
#define TLS_GROUP ENTRY
#include "tlsdiag/tls_names.def"
},
  sig_def[] =
      {
#define TLS_SIG ENTRY
#include "tlsdiag/tls_names.def"
},
  ext_def[] =
      {
#define TLS_EXT ENTRY
#include "tlsdiag/tls_names.def"
},
  alert_def[] =
      {
#define TLS_ALERT ENTRY
#include "tlsdiag/tls_names.def"
},
  hs_def[] =
      {
#define TLS_HS ENTRY
#include "tlsdiag/tls_names.def"
},
  version_def[] = {
#define TLS_VERSION ENTRY
#include "tlsdiag/tls_names.def"
};

START_TEST(test_def_tables)
{
	for (size_t i = 0; i < NELEM(group_def); i++)
		ck_assert_str_eq(tls_group_name((uint16_t)group_def[i].v),
				 group_def[i].name);
	for (size_t i = 0; i < NELEM(sig_def); i++)
		ck_assert_str_eq(tls_sigscheme_name((uint16_t)sig_def[i].v),
				 sig_def[i].name);
	for (size_t i = 0; i < NELEM(ext_def); i++)
		ck_assert_str_eq(tls_ext_name((uint16_t)ext_def[i].v),
				 ext_def[i].name);
	for (size_t i = 0; i < NELEM(alert_def); i++)
		ck_assert_str_eq(tls_alert_name((uint8_t)alert_def[i].v),
				 alert_def[i].name);
	for (size_t i = 0; i < NELEM(hs_def); i++)
		ck_assert_str_eq(tls_hs_type_name((uint8_t)hs_def[i].v),
				 hs_def[i].name);
	for (size_t i = 0; i < NELEM(version_def); i++)
		ck_assert_str_eq(tls_version_name((uint16_t)version_def[i].v),
				 version_def[i].name);
	/* 8-bit registries must not hold values that would wrap. */
	for (size_t i = 0; i < NELEM(alert_def); i++)
		ck_assert_uint_le(alert_def[i].v, 255);
	for (size_t i = 0; i < NELEM(hs_def); i++)
		ck_assert_uint_le(hs_def[i].v, 255);
}
END_TEST

/* The named constants are the registry values. */
START_TEST(test_enums)
{
	ck_assert_int_eq(TLS_ALERT_UNKNOWN_CA, 48);
	ck_assert_int_eq(TLS_ALERT_CERTIFICATE_REQUIRED, 116);
	ck_assert_int_eq(TLS_ALERT_LEVEL_FATAL, 2);
	ck_assert_int_eq(TLS_HS_CLIENT_HELLO, 1);
	ck_assert_int_eq(TLS_HS_CERTIFICATE_STATUS, 22);
	ck_assert_int_eq(TLS_HS_MESSAGE_HASH, 254);
	ck_assert_int_eq(TLS_CT_HANDSHAKE, 22);
	ck_assert_int_eq(TLS_EXT_SERVER_NAME, 0);
	ck_assert_int_eq(TLS_EXT_ALPN, 16);
	ck_assert_int_eq(TLS_EXT_KEY_SHARE, 51);
	ck_assert_int_eq(TLS_EXT_ENCRYPTED_CLIENT_HELLO, 0xFE0D);
	ck_assert_int_eq(TLS_GROUP_X25519, 29);
	ck_assert_int_eq(TLS_GROUP_X25519MLKEM768, 0x11EC);
	ck_assert_int_eq(TLS_SIG_RSA_PSS_RSAE_SHA256, 0x0804);
	ck_assert_int_eq(TLS_VERSION_TLS13, 0x0304);
	ck_assert_int_eq(TLS_VERSION_TLS13_DRAFT23, 0x7F17);
}
END_TEST

/* RFC 8701: exactly these 16 values are GREASE. */
static const uint16_t grease_all[] = {
    0x0A0A, 0x1A1A, 0x2A2A, 0x3A3A, 0x4A4A, 0x5A5A, 0x6A6A, 0x7A7A,
    0x8A8A, 0x9A9A, 0xAAAA, 0xBABA, 0xCACA, 0xDADA, 0xEAEA, 0xFAFA,
};

START_TEST(test_grease_values)
{
	ck_assert(tls_is_grease(grease_all[_i]));
}
END_TEST

/* Near misses: one nibble off, bytes unequal, or half a pattern. */
static const uint16_t grease_near[] = {
    0x0000, 0x0A00, 0x000A, 0x0A0B, 0x0B0A, 0x0B0B, 0x1A0A, 0x0A1A,
    0x1A2A, 0xAAAB, 0xFAFB, 0xFBFA, 0xFFFF, 0xA0A0, 0x0AA0, 0x1301,
};

START_TEST(test_grease_near_miss)
{
	ck_assert_msg(!tls_is_grease(grease_near[_i]), "0x%04x",
		      grease_near[_i]);
}
END_TEST

START_TEST(test_grease_count)
{
	unsigned n = 0;

	for (unsigned v = 0; v <= 0xFFFF; v++)
		n += tls_is_grease((uint16_t)v);
	ck_assert_uint_eq(n, 16);
}
END_TEST

/* Weakness classes of cipher suites. */
static const struct {
	uint16_t id;
	unsigned why;
} weak_cases[] = {
    {0x0000, TLS_WEAK_NULL | TLS_WEAK_ANON},
    {0x0001, TLS_WEAK_NULL | TLS_WEAK_MD5},
    {0x0002, TLS_WEAK_NULL},
    {0x0003, TLS_WEAK_EXPORT | TLS_WEAK_RC4 | TLS_WEAK_MD5},
    {0x0004, TLS_WEAK_RC4 | TLS_WEAK_MD5},
    {0x0005, TLS_WEAK_RC4},
    {0x0006, TLS_WEAK_EXPORT | TLS_WEAK_RC2 | TLS_WEAK_MD5},
    {0x0007, TLS_WEAK_IDEA},
    {0x0008, TLS_WEAK_EXPORT | TLS_WEAK_DES},
    {0x0009, TLS_WEAK_DES},
    {0x000A, TLS_WEAK_3DES},
    {0x0018, TLS_WEAK_ANON | TLS_WEAK_RC4 | TLS_WEAK_MD5},
    {0x0034, TLS_WEAK_ANON},
    {0x00A6, TLS_WEAK_ANON},
    {0xC012, TLS_WEAK_3DES},
    {0xC015, TLS_WEAK_ANON | TLS_WEAK_NULL},
    {0xC0B4, TLS_WEAK_NULL},
    /* Sound suites, signalling values and unknown values: no weakness. */
    {0x002F, 0},
    {0x009C, 0},
    {0x00FF, 0},
    {0x1301, 0},
    {0x1303, 0},
    {0x5600, 0},
    {0xC02F, 0},
    {0xCCA8, 0},
    {0x0A0A, 0},
    {0x1234, 0},
};

START_TEST(test_cipher_weak)
{
	unsigned why = 0xdead;
	bool weak = tls_cipher_is_weak(weak_cases[_i].id, &why);

	ck_assert_msg(why == weak_cases[_i].why, "0x%04x: 0x%x",
		      weak_cases[_i].id, why);
	ck_assert(weak == (weak_cases[_i].why != 0));
	ck_assert_uint_eq(tls_cipher_weakness(weak_cases[_i].id),
			  weak_cases[_i].why);
	ck_assert(tls_cipher_is_weak(weak_cases[_i].id, NULL) == weak);
}
END_TEST

/* Each class has its own stable label; masks and unknown bits have none. */
START_TEST(test_weak_names)
{
	const char *seen[16] = {0};
	unsigned n = 0;

	for (unsigned bit = 1; bit <= TLS_WEAK_ALL; bit <<= 1) {
		const char *name = tls_weak_name(bit);

		ck_assert_ptr_nonnull(name);
		for (unsigned i = 0; i < n; i++)
			ck_assert_str_ne(seen[i], name);
		seen[n++] = name;
	}
	ck_assert_uint_eq(n, 9);
	ck_assert_str_eq(tls_weak_name(TLS_WEAK_RC4), "rc4");
	ck_assert_str_eq(tls_weak_name(TLS_WEAK_3DES), "3des");
	ck_assert_ptr_null(tls_weak_name(0));
	ck_assert_ptr_null(tls_weak_name(TLS_WEAK_RC4 | TLS_WEAK_MD5));
	ck_assert_ptr_null(tls_weak_name(TLS_WEAK_ALL + 1));
}
END_TEST

/* Every suite with a weakness bit is weak by its IANA name, and the mask
 * never holds a bit outside TLS_WEAK_ALL. */
START_TEST(test_weak_consistent)
{
	for (unsigned v = 0; v <= 0xFFFF; v++) {
		unsigned w = tls_cipher_weakness((uint16_t)v);
		const char *n = tls_cipher_name((uint16_t)v);

		ck_assert_uint_eq(w & ~TLS_WEAK_ALL, 0);
		if (n == NULL) {
			ck_assert_uint_eq(w, 0);
			continue;
		}
		ck_assert(((w & TLS_WEAK_RC4) != 0) ==
			  (strstr(n, "_RC4_") != NULL));
		ck_assert(((w & TLS_WEAK_EXPORT) != 0) ==
			  (strstr(n, "EXPORT") != NULL));
		ck_assert(((w & TLS_WEAK_3DES) != 0) ==
			  (strstr(n, "3DES") != NULL));
		ck_assert(((w & TLS_WEAK_ANON) != 0) ==
			  (strstr(n, "_anon_") != NULL || v == 0x0000));
	}
}
END_TEST

START_TEST(test_scsv_tls13)
{
	ck_assert(tls_cipher_is_scsv(0x00FF));
	ck_assert(tls_cipher_is_scsv(0x5600));
	ck_assert(!tls_cipher_is_scsv(0x1301));
	ck_assert(!tls_cipher_is_scsv(0x00FE));
	ck_assert(tls_cipher_is_tls13(0x1301));
	ck_assert(tls_cipher_is_tls13(0x1305));
	ck_assert(tls_cipher_is_tls13(0xC0B4));
	ck_assert(!tls_cipher_is_tls13(0xC02F));
	ck_assert(!tls_cipher_is_tls13(0x1308));
	ck_assert(!tls_cipher_is_tls13(0x0A0A));
}
END_TEST

static const struct {
	uint16_t v;
	bool weak;
} version_weak[] = {
    {0x0002, true},  {0x0300, true},  {0x0301, true},  {0x0302, true},
    {0xFEFF, true},  {0x0303, false}, {0x0304, false}, {0xFEFD, false},
    {0x7F17, false}, {0x0A0A, false}, {0x0305, false},
};

START_TEST(test_version_weak)
{
	ck_assert_msg(tls_version_is_weak(version_weak[_i].v) ==
			  version_weak[_i].weak,
		      "0x%04x", version_weak[_i].v);
}
END_TEST

START_TEST(test_name_or_hex)
{
	char buf[TLS_HEX_LEN];

	ck_assert_str_eq(tls_name_or_hex(tls_cipher_name(0x1301), 0x1301, buf),
			 "TLS_AES_128_GCM_SHA256");
	ck_assert_str_eq(tls_name_or_hex(tls_cipher_name(0xABCD), 0xABCD, buf),
			 "0xabcd");
	ck_assert_str_eq(tls_name_or_hex(tls_ext_name(0x0A0A), 0x0A0A, buf),
			 "0x0a0a");
	ck_assert_str_eq(tls_name_or_hex(NULL, 0, buf), "0x0000");
	ck_assert_str_eq(tls_name_or_hex(NULL, 0xFFFF, buf), "0xffff");
}
END_TEST

static Suite *
tls_names_suite(void)
{
	Suite *s = suite_create("tls_names");
	TCase *tc = tcase_create("tls_names");

	tcase_add_loop_test(tc, test_known, 0, NELEM(known));
	tcase_add_loop_test(tc, test_unknown, 0, NELEM(unknown));
	tcase_add_test(tc, test_cipher_table);
	tcase_add_test(tc, test_def_tables);
	tcase_add_test(tc, test_enums);
	tcase_add_loop_test(tc, test_grease_values, 0, NELEM(grease_all));
	tcase_add_loop_test(tc, test_grease_near_miss, 0, NELEM(grease_near));
	tcase_add_test(tc, test_grease_count);
	tcase_add_loop_test(tc, test_cipher_weak, 0, NELEM(weak_cases));
	tcase_add_test(tc, test_weak_names);
	tcase_add_test(tc, test_weak_consistent);
	tcase_add_test(tc, test_scsv_tls13);
	tcase_add_loop_test(tc, test_version_weak, 0, NELEM(version_weak));
	tcase_add_test(tc, test_name_or_hex);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(tls_names_suite)
