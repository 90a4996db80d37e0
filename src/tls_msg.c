/* tls_msg.c -- decode TLS handshake messages and alerts into facts.
 *
 * Implements the message layouts of RFC 8446 4 (TLS 1.3), RFC 5246 7.4 (TLS
 * 1.2), RFC 5246 Appendix E.2 (SSLv2-compatible ClientHello), RFC 6066 3
 * and 8, RFC 6961, RFC 8422 5, RFC 7301, RFC 7627, RFC 5077, RFC 5746, RFC
 * 4279, RFC 5489 and RFC 8701 (GREASE); tls_msg.h lists which parts.
 *
 * Every byte is read through a bounded cursor; every TLS vector becomes a
 * sub-cursor, so an inner parser cannot run past its own length.  It must
 * never read outside the message it is given, never allocate except the
 * one counted copy of a second ClientHello, and never let a list outgrow
 * its fixed array.
 */
#include "tlsdiag/tls_msg.h"

#include <stdlib.h>
#include <string.h>

/* IANA values used here (tls_names.h has the full registries; this module
 * does not depend on it). */
enum {
	CT_ALERT = 21,
	CT_APPLICATION_DATA = 23,
	CT_HEARTBEAT = 24,
};

/* Handshake types (RFC 8446 4, RFC 5246 7.4, RFC 6066 8, RFC 8879). */
enum {
	HS_HELLO_REQUEST = 0,
	HS_CLIENT_HELLO = 1,
	HS_SERVER_HELLO = 2,
	HS_HELLO_VERIFY_REQUEST = 3,
	HS_NEW_SESSION_TICKET = 4,
	HS_END_OF_EARLY_DATA = 5,
	HS_ENCRYPTED_EXTENSIONS = 8,
	HS_CERTIFICATE = 11,
	HS_SERVER_KEY_EXCHANGE = 12,
	HS_CERTIFICATE_REQUEST = 13,
	HS_SERVER_HELLO_DONE = 14,
	HS_CERTIFICATE_VERIFY = 15,
	HS_CLIENT_KEY_EXCHANGE = 16,
	HS_FINISHED = 20,
	HS_CERTIFICATE_STATUS = 22,
	HS_KEY_UPDATE = 24,
	HS_COMPRESSED_CERTIFICATE = 25,
};

/* Extension types decoded. */
enum {
	EXT_SERVER_NAME = 0,
	EXT_STATUS_REQUEST = 5,
	EXT_SUPPORTED_GROUPS = 10,
	EXT_EC_POINT_FORMATS = 11,
	EXT_SIGNATURE_ALGORITHMS = 13,
	EXT_ALPN = 16,
	EXT_ENCRYPT_THEN_MAC = 22,
	EXT_EXTENDED_MASTER_SECRET = 23,
	EXT_SESSION_TICKET = 35,
	EXT_PRE_SHARED_KEY = 41,
	EXT_EARLY_DATA = 42,
	EXT_SUPPORTED_VERSIONS = 43,
	EXT_COOKIE = 44,
	EXT_CERTIFICATE_AUTHORITIES = 47,
	EXT_KEY_SHARE = 51,
	EXT_ENCRYPTED_CLIENT_HELLO = 0xfe0d,
	EXT_RENEGOTIATION_INFO = 0xff01,
};

#define V_TLS12 0x0303

/* RFC 8701: 0x?A?A with both bytes equal. */
static bool
is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* RFC 8446 4.1.3: a ServerHello with this random is a HelloRetryRequest
 * (the SHA-256 of "HelloRetryRequest"). */
static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
    0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
    0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* RFC 8446 4.1.3: the last 8 bytes of a downgrading server's random. */
static const uint8_t downgrade_prefix[7] = {'D', 'O', 'W', 'N', 'G', 'R', 'D'};

static const struct {
	const char *name;
	const char *what;
} anomaly_tab[TLS_ANOM_COUNT] = {
#define TLS_ANOM_TAB_(id, name, what) [TLS_ANOM_##id] = {name, what},
    TLS_ANOMALIES(TLS_ANOM_TAB_)
#undef TLS_ANOM_TAB_
};

const char *
tls_anomaly_name(enum tls_anomaly a)
{
	if ((unsigned)a >= TLS_ANOM_COUNT)
		return "invalid";
	return anomaly_tab[a].name;
}

const char *
tls_anomaly_meaning(enum tls_anomaly a)
{
	if ((unsigned)a >= TLS_ANOM_COUNT)
		return "invalid";
	return anomaly_tab[a].what;
}

const char *
tls_stop_name(enum tls_stop s)
{
	static const char *const names[TLS_STOP_NREASONS] = {
	    [TLS_STOP_NONE] = "none",
	    [TLS_STOP_NOT_TLS] = "not_tls",
	    [TLS_STOP_GAP] = "gap",
	    [TLS_STOP_RECORD_TOO_LONG] = "record_too_long",
	    [TLS_STOP_RECORD_BAD_TYPE] = "record_bad_type",
	    [TLS_STOP_RECORD_BAD_VERSION] = "record_bad_version",
	    [TLS_STOP_OPENVPN_FRAMING] = "openvpn_framing",
	};

	if ((unsigned)s >= TLS_STOP_NREASONS)
		return "invalid";
	return names[s];
}

const char *
tls_log_kind_name(enum tls_log_kind k)
{
	static const char *const names[TLS_LOG_NKINDS] = {
	    [TLS_LOG_HANDSHAKE] = "handshake",
	    [TLS_LOG_SSLV2_HELLO] = "sslv2_client_hello",
	    [TLS_LOG_CCS] = "change_cipher_spec",
	    [TLS_LOG_ALERT] = "alert",
	    [TLS_LOG_ENCRYPTED] = "encrypted",
	    [TLS_LOG_HEARTBEAT] = "heartbeat",
	    [TLS_LOG_GAP] = "gap",
	    [TLS_LOG_STOP] = "stop",
	};

	if ((unsigned)k >= TLS_LOG_NKINDS)
		return "invalid";
	return names[k];
}

const char *
tls_kx_name(enum tls_kx kx)
{
	static const char *const names[TLS_KX_NKINDS] = {
	    [TLS_KX_UNKNOWN] = "unknown", [TLS_KX_RSA] = "rsa",
	    [TLS_KX_DHE] = "dhe",	  [TLS_KX_ECDHE] = "ecdhe",
	    [TLS_KX_DH_ANON] = "dh_anon", [TLS_KX_ECDH_ANON] = "ecdh_anon",
	    [TLS_KX_DHE_PSK] = "dhe_psk", [TLS_KX_ECDHE_PSK] = "ecdhe_psk",
	    [TLS_KX_TLS13] = "tls13",	  [TLS_KX_OTHER] = "other",
	};

	if ((unsigned)kx >= TLS_KX_NKINDS)
		return "invalid";
	return names[kx];
}

/*
 * Key exchange by cipher suite, from the IANA "TLS Cipher Suites" registry
 * (RFC 5246, 4492, 8422, 4279, 5489, 6209, 6367, 6655, 7905, 8442).  Only
 * the layout of ServerKeyExchange depends on it, so static-key and
 * PSK-only suites are "other" and anything missing is "unknown".
 */
struct kx_range {
	uint16_t lo, hi;
	uint8_t kx;
};

static const struct kx_range kx_tab[] = {
    /* RSA key transport. */
    {0x0001, 0x000a, TLS_KX_RSA},
    {0x002f, 0x002f, TLS_KX_RSA},
    {0x0035, 0x0035, TLS_KX_RSA},
    {0x003b, 0x003d, TLS_KX_RSA},
    {0x0041, 0x0041, TLS_KX_RSA},
    {0x0060, 0x0062, TLS_KX_RSA},
    {0x0064, 0x0064, TLS_KX_RSA},
    {0x0084, 0x0084, TLS_KX_RSA},
    {0x0096, 0x0096, TLS_KX_RSA},
    {0x009c, 0x009d, TLS_KX_RSA},
    {0x00ba, 0x00ba, TLS_KX_RSA},
    {0x00c0, 0x00c0, TLS_KX_RSA},
    {0xc03c, 0xc03d, TLS_KX_RSA},
    {0xc050, 0xc051, TLS_KX_RSA},
    {0xc07a, 0xc07b, TLS_KX_RSA},
    {0xc09c, 0xc09d, TLS_KX_RSA},
    {0xc0a0, 0xc0a1, TLS_KX_RSA},
    /* Static DH and ECDH, PSK, RSA_PSK, SRP. */
    {0x000b, 0x0010, TLS_KX_OTHER},
    {0x002c, 0x002c, TLS_KX_OTHER},
    {0x002e, 0x002e, TLS_KX_OTHER},
    {0x0030, 0x0031, TLS_KX_OTHER},
    {0x0036, 0x0037, TLS_KX_OTHER},
    {0x003e, 0x003f, TLS_KX_OTHER},
    {0x0042, 0x0043, TLS_KX_OTHER},
    {0x0068, 0x0069, TLS_KX_OTHER},
    {0x0085, 0x0086, TLS_KX_OTHER},
    {0x008a, 0x008d, TLS_KX_OTHER},
    {0x0092, 0x0095, TLS_KX_OTHER},
    {0x0097, 0x0098, TLS_KX_OTHER},
    {0x00a0, 0x00a1, TLS_KX_OTHER},
    {0x00a4, 0x00a5, TLS_KX_OTHER},
    {0x00a8, 0x00a9, TLS_KX_OTHER},
    {0x00ac, 0x00af, TLS_KX_OTHER},
    {0x00b0, 0x00b1, TLS_KX_OTHER},
    {0x00b6, 0x00b9, TLS_KX_OTHER},
    {0xc001, 0xc005, TLS_KX_OTHER},
    {0xc00b, 0xc00f, TLS_KX_OTHER},
    {0xc01a, 0xc022, TLS_KX_OTHER},
    {0xc025, 0xc026, TLS_KX_OTHER},
    {0xc029, 0xc02a, TLS_KX_OTHER},
    {0xc02d, 0xc02e, TLS_KX_OTHER},
    {0xc031, 0xc032, TLS_KX_OTHER},
    /* DHE, signed with DSS or RSA. */
    {0x0011, 0x0016, TLS_KX_DHE},
    {0x0032, 0x0033, TLS_KX_DHE},
    {0x0038, 0x0039, TLS_KX_DHE},
    {0x0040, 0x0040, TLS_KX_DHE},
    {0x0044, 0x0045, TLS_KX_DHE},
    {0x0063, 0x0063, TLS_KX_DHE},
    {0x0065, 0x0067, TLS_KX_DHE},
    {0x006a, 0x006b, TLS_KX_DHE},
    {0x0087, 0x0088, TLS_KX_DHE},
    {0x0099, 0x009a, TLS_KX_DHE},
    {0x009e, 0x009f, TLS_KX_DHE},
    {0x00a2, 0x00a3, TLS_KX_DHE},
    {0x00bd, 0x00be, TLS_KX_DHE},
    {0x00c3, 0x00c4, TLS_KX_DHE},
    {0xc042, 0xc045, TLS_KX_DHE},
    {0xc052, 0xc053, TLS_KX_DHE},
    {0xc056, 0xc057, TLS_KX_DHE},
    {0xc07c, 0xc07d, TLS_KX_DHE},
    {0xc080, 0xc081, TLS_KX_DHE},
    {0xc09e, 0xc09f, TLS_KX_DHE},
    {0xc0a2, 0xc0a3, TLS_KX_DHE},
    {0xccaa, 0xccaa, TLS_KX_DHE},
    /* Anonymous DH. */
    {0x0017, 0x001b, TLS_KX_DH_ANON},
    {0x0034, 0x0034, TLS_KX_DH_ANON},
    {0x003a, 0x003a, TLS_KX_DH_ANON},
    {0x0046, 0x0046, TLS_KX_DH_ANON},
    {0x006c, 0x006d, TLS_KX_DH_ANON},
    {0x0089, 0x0089, TLS_KX_DH_ANON},
    {0x009b, 0x009b, TLS_KX_DH_ANON},
    {0x00a6, 0x00a7, TLS_KX_DH_ANON},
    {0x00bf, 0x00bf, TLS_KX_DH_ANON},
    {0x00c5, 0x00c5, TLS_KX_DH_ANON},
    {0xc046, 0xc047, TLS_KX_DH_ANON},
    {0xc05a, 0xc05b, TLS_KX_DH_ANON},
    {0xc084, 0xc085, TLS_KX_DH_ANON},
    /* DHE_PSK. */
    {0x002d, 0x002d, TLS_KX_DHE_PSK},
    {0x008e, 0x0091, TLS_KX_DHE_PSK},
    {0x00aa, 0x00ab, TLS_KX_DHE_PSK},
    {0x00b2, 0x00b5, TLS_KX_DHE_PSK},
    {0xc066, 0xc067, TLS_KX_DHE_PSK},
    {0xc06c, 0xc06d, TLS_KX_DHE_PSK},
    {0xc090, 0xc091, TLS_KX_DHE_PSK},
    {0xc096, 0xc097, TLS_KX_DHE_PSK},
    {0xc0a6, 0xc0a7, TLS_KX_DHE_PSK},
    {0xc0aa, 0xc0ab, TLS_KX_DHE_PSK},
    {0xccad, 0xccad, TLS_KX_DHE_PSK},
    /* ECDHE, signed with ECDSA or RSA. */
    {0xc006, 0xc00a, TLS_KX_ECDHE},
    {0xc010, 0xc014, TLS_KX_ECDHE},
    {0xc023, 0xc024, TLS_KX_ECDHE},
    {0xc027, 0xc028, TLS_KX_ECDHE},
    {0xc02b, 0xc02c, TLS_KX_ECDHE},
    {0xc02f, 0xc030, TLS_KX_ECDHE},
    {0xc048, 0xc049, TLS_KX_ECDHE},
    {0xc04c, 0xc04d, TLS_KX_ECDHE},
    {0xc05c, 0xc05d, TLS_KX_ECDHE},
    {0xc060, 0xc061, TLS_KX_ECDHE},
    {0xc072, 0xc073, TLS_KX_ECDHE},
    {0xc076, 0xc077, TLS_KX_ECDHE},
    {0xc086, 0xc087, TLS_KX_ECDHE},
    {0xc08a, 0xc08b, TLS_KX_ECDHE},
    {0xc0ac, 0xc0af, TLS_KX_ECDHE},
    {0xcca8, 0xcca9, TLS_KX_ECDHE},
    /* Anonymous ECDH. */
    {0xc015, 0xc019, TLS_KX_ECDH_ANON},
    /* ECDHE_PSK. */
    {0xc033, 0xc03b, TLS_KX_ECDHE_PSK},
    {0xc070, 0xc071, TLS_KX_ECDHE_PSK},
    {0xc09a, 0xc09b, TLS_KX_ECDHE_PSK},
    {0xccac, 0xccac, TLS_KX_ECDHE_PSK},
    {0xd001, 0xd005, TLS_KX_ECDHE_PSK},
    /* TLS 1.3 (RFC 8446 B.4): key exchange is in key_share. */
    {0x1301, 0x1305, TLS_KX_TLS13},
};

enum tls_kx
tls_suite_kx(uint16_t suite)
{
	size_t i;

	for (i = 0; i < sizeof(kx_tab) / sizeof(kx_tab[0]); i++)
		if (suite >= kx_tab[i].lo && suite <= kx_tab[i].hi)
			return (enum tls_kx)kx_tab[i].kx;
	return TLS_KX_UNKNOWN;
}

const uint8_t *
tls_cert_der(const struct tls_certs *c, unsigned i, size_t *len)
{
	if (c == NULL || c->buf == NULL || i >= c->ncerts) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	if (len != NULL)
		*len = c->cert[i].len;
	return c->buf + c->cert[i].off;
}

const uint8_t *
tls_ocsp_der(const struct tls_cert_status *s, size_t *len)
{
	if (s == NULL || s->buf == NULL || s->ocsp_len == 0) {
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	if (len != NULL)
		*len = s->ocsp_len;
	return s->buf + s->ocsp_off;
}

void
tls_facts_anomaly(struct tls_facts *f, enum tls_anomaly a)
{
	if ((unsigned)a < TLS_ANOM_COUNT && f->anomaly[a] != UINT32_MAX)
		f->anomaly[a]++;
}

/*
 * List helpers.  Each reads a whole vector, keeps the first `cap` entries
 * and returns how many the vector held; the caller checks what is left.
 */

static unsigned
list_u16(struct cur *v, uint16_t *arr, unsigned cap, unsigned *kept,
	 bool *trunc)
{
	unsigned total = 0, k = 0;
	uint16_t x;

	while (v->left >= 2 && cur_u16(v, &x)) {
		if (k < cap)
			arr[k++] = x;
		else
			*trunc = true;
		total++;
	}
	*kept = k;
	return total;
}

static unsigned
list_u8(struct cur *v, uint8_t *arr, unsigned cap, unsigned *kept, bool *trunc)
{
	unsigned total = 0, k = 0;
	uint8_t x;

	while (v->left >= 1 && cur_u8(v, &x)) {
		if (k < cap)
			arr[k++] = x;
		else
			*trunc = true;
		total++;
	}
	*kept = k;
	return total;
}

static uint8_t
clamp8(unsigned v)
{
	return v > UINT8_MAX ? UINT8_MAX : (uint8_t)v;
}

static uint16_t
clamp16(unsigned v)
{
	return v > UINT16_MAX ? UINT16_MAX : (uint16_t)v;
}

/* A vector of 16-bit values: even, at least `min` bytes, and the whole of
 * its extension.  Keeps the first entries. */
static bool
ext_u16_vec16(struct cur *d, size_t min, uint16_t *arr, unsigned cap,
	      uint8_t *n, bool *trunc)
{
	struct cur v;
	unsigned kept;

	if (!cur_vec16(d, &v))
		return false;
	if (v.left % 2 != 0 || v.left < min || d->left != 0) {
		(void)list_u16(&v, arr, cap, &kept, trunc);
		*n = clamp8(kept);
		return false;
	}
	(void)list_u16(&v, arr, cap, &kept, trunc);
	*n = clamp8(kept);
	return true;
}

/* The single ProtocolName of a ServerHello / EncryptedExtensions ALPN
 * (RFC 7301 3.1: exactly one name). */
static bool
alpn_one(struct cur *d, uint8_t *out, uint8_t *outlen)
{
	struct cur list, name;

	if (!cur_vec16(d, &list) || !cur_vec8(&list, &name) || name.left == 0)
		return false;
	*outlen = (uint8_t)name.left;
	(void)cur_bytes(&name, name.left, out);
	return list.left == 0 && d->left == 0;
}

/*
 * ClientHello extensions (RFC 8446 4.2 and the RFCs named in tls_msg.h).
 * Each decoder returns false when the content breaks its definition.
 */

/* RFC 6066 3. */
static bool
ch_server_name(struct cur *d, struct tls_client_hello *ch)
{
	struct cur list, name;
	uint8_t type;
	bool host = false, ok = true;
	size_t n;

	ch->sni_present = true;
	if (!cur_vec16(d, &list) || d->left != 0 || list.left == 0) {
		ch->sni_malformed = true;
		return false;
	}
	while (list.left > 0) {
		if (!cur_u8(&list, &type) || !cur_vec16(&list, &name)) {
			ch->sni_malformed = true;
			return false;
		}
		if (type != 0)
			continue; /* only host_name(0) is defined */
		if (host) {
			/* "MUST NOT contain more than one name of the same
			 * name_type": keep the first. */
			ch->sni_multiple = true;
			ok = false;
			continue;
		}
		host = true;
		if (name.left == 0) {
			ch->sni_malformed = true;
			ok = false;
			continue;
		}
		n = name.left > TLS_SNI_MAX ? TLS_SNI_MAX : name.left;
		ch->sni_truncated = name.left > TLS_SNI_MAX;
		ch->sni_len = (uint8_t)n;
		(void)cur_bytes(&name, n, ch->sni);
	}
	if (!host) {
		ch->sni_malformed = true;
		ok = false;
	}
	return ok;
}

/* RFC 6066 8: CertificateStatusRequest. */
static bool
ch_status_request(struct cur *d, struct tls_client_hello *ch)
{
	struct cur ids, exts;

	ch->status_request = true;
	if (!cur_u8(d, &ch->status_type))
		return false;
	if (ch->status_type != 1)
		return true; /* other types: opaque to us */
	return cur_vec16(d, &ids) && cur_vec16(d, &exts) && d->left == 0;
}

/* RFC 7301 3.1: ProtocolNameList, names of 1..255 bytes.  Whole entries
 * are kept while they fit. */
static bool
ch_alpn(struct cur *d, struct tls_client_hello *ch)
{
	struct cur list, name;
	uint8_t len;
	bool ok = true;

	ch->alpn_present = true;
	if (!cur_vec16(d, &list) || d->left != 0 || list.left < 2)
		return false;
	while (list.left > 0) {
		if (!cur_vec8(&list, &name))
			return false;
		if (name.left == 0)
			ok = false;
		len = (uint8_t)name.left;
		if ((size_t)ch->alpn_len + 1 + len > TLS_ALPN_MAX ||
		    ch->alpn_truncated) {
			ch->alpn_truncated = true;
			continue;
		}
		ch->alpn[ch->alpn_len++] = len;
		(void)cur_bytes(&name, len, ch->alpn + ch->alpn_len);
		ch->alpn_len = (uint16_t)(ch->alpn_len + len);
		ch->nalpn++;
	}
	return ok;
}

/* RFC 8446 4.2.8: KeyShareClientHello. */
static bool
ch_key_share(struct cur *d, struct tls_client_hello *ch)
{
	struct cur list, key;
	uint16_t group;
	unsigned k = 0;

	ch->key_share_present = true;
	if (!cur_vec16(d, &list) || d->left != 0)
		return false;
	while (list.left > 0) {
		if (!cur_u16(&list, &group) || !cur_vec16(&list, &key) ||
		    key.left == 0) {
			ch->nkey_shares = clamp8(k);
			return false;
		}
		if (k < TLS_KEY_SHARES_MAX)
			ch->key_shares[k++] = group;
		else
			ch->key_shares_truncated = true;
	}
	ch->nkey_shares = clamp8(k);
	return true;
}

/* RFC 8446 4.2.11: OfferedPsks. */
static bool
ch_psk(struct cur *d, struct tls_client_hello *ch)
{
	struct cur ids, binders, id, binder;
	uint32_t age;
	unsigned n = 0;

	ch->psk = true;
	if (!cur_vec16(d, &ids) || !cur_vec16(d, &binders) || d->left != 0 ||
	    ids.left < 7 || binders.left < 33)
		return false;
	while (ids.left > 0) {
		if (!cur_vec16(&ids, &id) || id.left == 0 ||
		    !cur_u32(&ids, &age))
			return false;
		n++;
		ch->psk_identities = clamp16(n);
	}
	while (binders.left > 0)
		if (!cur_vec8(&binders, &binder) || binder.left < 32)
			return false;
	return true;
}

static bool
ch_ext(struct tls_client_hello *ch, uint16_t type, struct cur *d)
{
	struct cur v;
	unsigned kept;

	switch (type) {
	case EXT_SERVER_NAME:
		return ch_server_name(d, ch);
	case EXT_STATUS_REQUEST:
		return ch_status_request(d, ch);
	case EXT_SUPPORTED_GROUPS:
		/* RFC 8422 5.1.1: NamedGroup named_group_list<2..2^16-1>. */
		ch->groups_present = true;
		return ext_u16_vec16(d, 2, ch->groups, TLS_GROUPS_MAX,
				     &ch->ngroups, &ch->groups_truncated);
	case EXT_EC_POINT_FORMATS:
		/* RFC 8422 5.1.2: ECPointFormat ec_point_format_list<1..2^8-1>.
		 */
		ch->point_formats_present = true;
		if (!cur_vec8(d, &v))
			return false;
		(void)list_u8(&v, ch->point_formats, TLS_POINT_FORMATS_MAX,
			      &kept, &ch->point_formats_truncated);
		ch->npoint_formats = clamp8(kept);
		return kept > 0 && d->left == 0;
	case EXT_SIGNATURE_ALGORITHMS:
		/* RFC 8446 4.2.3: supported_signature_algorithms<2..2^16-2>. */
		ch->sigalgs_present = true;
		return ext_u16_vec16(d, 2, ch->sigalgs, TLS_SIGALGS_MAX,
				     &ch->nsigalgs, &ch->sigalgs_truncated);
	case EXT_ALPN:
		return ch_alpn(d, ch);
	case EXT_EXTENDED_MASTER_SECRET:
		/* RFC 7627 5.1: "extension_data" is empty. */
		ch->ems = true;
		return d->left == 0;
	case EXT_SESSION_TICKET:
		/* RFC 5077 3.2: empty, or the ticket being offered. */
		ch->session_ticket = true;
		ch->session_ticket_len = clamp16((unsigned)d->left);
		return true;
	case EXT_PRE_SHARED_KEY:
		return ch_psk(d, ch);
	case EXT_EARLY_DATA:
		/* RFC 8446 4.2.10: empty in a ClientHello. */
		ch->early_data = true;
		return d->left == 0;
	case EXT_SUPPORTED_VERSIONS:
		/* RFC 8446 4.2.1: ProtocolVersion versions<2..254>. */
		ch->versions_present = true;
		if (!cur_vec8(d, &v))
			return false;
		(void)list_u16(&v, ch->versions, TLS_VERSIONS_MAX, &kept,
			       &ch->versions_truncated);
		ch->nversions = clamp8(kept);
		return v.left == 0 && kept > 0 && d->left == 0;
	case EXT_KEY_SHARE:
		return ch_key_share(d, ch);
	case EXT_ENCRYPTED_CLIENT_HELLO:
		/* Its content is encrypted for the server: presence only. */
		ch->ech = true;
		return true;
	case EXT_RENEGOTIATION_INFO:
		/* RFC 5746 3.2: opaque renegotiated_connection<0..255>. */
		ch->reneg_info = true;
		if (!cur_vec8(d, &v))
			return false;
		ch->reneg_info_len = (uint8_t)v.left;
		return d->left == 0;
	default:
		return true;
	}
}

/* Note an extension type in a hello's list; true if it repeats one kept. */
static bool
ext_note(uint16_t *arr, uint16_t *n, uint16_t *total, bool *trunc,
	 uint16_t type)
{
	uint16_t i;
	bool dup = false;

	for (i = 0; i < *n; i++)
		if (arr[i] == type)
			dup = true;
	if (*n < TLS_EXT_MAX)
		arr[(*n)++] = type;
	else
		*trunc = true;
	if (*total < UINT16_MAX)
		(*total)++;
	return dup;
}

static void
bad_ext(uint16_t *count, int32_t *first, uint16_t type)
{
	if (*count < UINT16_MAX)
		(*count)++;
	if (*first < 0)
		*first = type;
}

static int ch_decode(struct cur *body, struct tls_client_hello *ch);

static bool
any_grease(const uint16_t *v, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (is_grease(v[i]))
			return true;
	return false;
}

int
tls_msg_client_hello(struct cur *body, struct tls_client_hello *ch)
{
	int st = ch_decode(body, ch);

	ch->grease = any_grease(ch->suites, ch->nsuites) ||
		     any_grease(ch->ext, ch->next) ||
		     any_grease(ch->versions, ch->nversions) ||
		     any_grease(ch->groups, ch->ngroups) ||
		     any_grease(ch->sigalgs, ch->nsigalgs) ||
		     any_grease(ch->key_shares, ch->nkey_shares);
	return st;
}

static int
ch_decode(struct cur *body, struct tls_client_hello *ch)
{
	struct cur sid, suites, comp, exts, data;
	unsigned kept, total;
	uint16_t type;
	bool psk_seen = false;

	memset(ch, 0, sizeof(*ch));
	ch->first_bad_ext = -1;

	/* RFC 8446 4.1.2 (RFC 5246 7.4.1.2 before 1.3). */
	(void)cur_u16(body, &ch->legacy_version);
	(void)cur_bytes(body, sizeof(ch->random), ch->random);
	if (body->bad)
		goto bad;
	ch->gmt_unix_time = (uint32_t)ch->random[0] << 24 |
			    (uint32_t)ch->random[1] << 16 |
			    (uint32_t)ch->random[2] << 8 | ch->random[3];

	/* legacy_session_id<0..32>. */
	if (!cur_vec8(body, &sid) || sid.left > 32)
		goto bad;
	ch->session_id_len = (uint8_t)sid.left;
	(void)cur_bytes(&sid, sid.left, ch->session_id);

	/* cipher_suites<2..2^16-2>: an odd or empty list still frames, so the
	 * rest is decoded, but the hello is malformed. */
	if (!cur_vec16(body, &suites))
		goto bad;
	if (suites.left == 0 || suites.left % 2 != 0)
		ch->malformed = true;
	total = list_u16(&suites, ch->suites, TLS_SUITES_MAX, &kept,
			 &ch->suites_truncated);
	ch->nsuites = (uint16_t)kept;
	ch->suites_total = clamp16(total);

	/* legacy_compression_methods<1..2^8-1>. */
	if (!cur_vec8(body, &comp))
		goto bad;
	if (comp.left == 0)
		ch->malformed = true;
	total =
	    list_u8(&comp, ch->comp, TLS_COMP_MAX, &kept, &ch->comp_truncated);
	ch->ncomp = (uint8_t)kept;
	ch->comp_total = clamp8(total);

	/* Extensions are optional before TLS 1.3 (RFC 5246 7.4.1.2). */
	if (body->left == 0)
		return ch->malformed ? TLS_E_MALFORMED : TLS_OK;
	ch->has_extensions = true;
	if (!cur_vec16(body, &exts))
		goto bad;
	if (body->left != 0)
		ch->malformed = true; /* bytes after the extensions */
	while (exts.left > 0) {
		if (!cur_u16(&exts, &type) || !cur_vec16(&exts, &data))
			goto bad;
		if (ext_note(ch->ext, &ch->next, &ch->ext_total,
			     &ch->ext_truncated, type) &&
		    ch->ext_duplicates < UINT16_MAX)
			ch->ext_duplicates++;
		if (psk_seen)
			ch->psk_not_last = true;
		if (type == EXT_PRE_SHARED_KEY)
			psk_seen = true;
		if (!ch_ext(ch, type, &data))
			bad_ext(&ch->ext_malformed, &ch->first_bad_ext, type);
	}
	return ch->malformed ? TLS_E_MALFORMED : TLS_OK;
bad:
	ch->malformed = true;
	return TLS_E_MALFORMED;
}

int
tls_msg_sslv2_hello(struct cur *body, struct tls_client_hello *ch)
{
	struct cur specs, sid, chal;
	uint8_t type, b0;
	uint16_t cs_len, sid_len, ch_len, suite;
	unsigned k = 0, total = 0;

	memset(ch, 0, sizeof(*ch));
	ch->first_bad_ext = -1;
	ch->sslv2 = true;

	/* RFC 5246 E.2: msg_type, version, three lengths, then the data. */
	(void)cur_u8(body, &type);
	(void)cur_u16(body, &ch->legacy_version);
	(void)cur_u16(body, &cs_len);
	(void)cur_u16(body, &sid_len);
	(void)cur_u16(body, &ch_len);
	if (body->bad || type != 1)
		goto bad;
	if (!cur_sub(body, cs_len, &specs) || !cur_sub(body, sid_len, &sid) ||
	    !cur_sub(body, ch_len, &chal))
		goto bad;
	if (cs_len == 0 || cs_len % 3 != 0 || (sid_len != 0 && sid_len != 16) ||
	    ch_len < 16 || ch_len > 32 || body->left != 0)
		ch->malformed = true;

	/* V2CipherSpec is 3 bytes; those with a zero first byte are TLS
	 * suites. */
	while (specs.left >= 3 && cur_u8(&specs, &b0) &&
	       cur_u16(&specs, &suite)) {
		total++;
		if (b0 != 0)
			continue;
		if (k < TLS_SUITES_MAX)
			ch->suites[k++] = suite;
		else
			ch->suites_truncated = true;
		ch->suites_total = clamp16(ch->suites_total + 1u);
	}
	ch->nsuites = (uint16_t)k;
	ch->sslv2_specs = clamp16(total);

	if (sid.left <= sizeof(ch->session_id)) {
		ch->session_id_len = (uint8_t)sid.left;
		(void)cur_bytes(&sid, sid.left, ch->session_id);
	}
	/* "The challenge is placed right-justified in the random, with
	 * leading zeros" (E.2); a longer one keeps its last 32 bytes. */
	if (chal.left > sizeof(ch->random))
		(void)cur_skip(&chal, chal.left - sizeof(ch->random));
	ch->sslv2_challenge_len = clamp8(ch_len);
	(void)cur_bytes(&chal, chal.left,
			ch->random + sizeof(ch->random) - chal.left);
	ch->gmt_unix_time = (uint32_t)ch->random[0] << 24 |
			    (uint32_t)ch->random[1] << 16 |
			    (uint32_t)ch->random[2] << 8 | ch->random[3];
	return ch->malformed ? TLS_E_MALFORMED : TLS_OK;
bad:
	ch->malformed = true;
	return TLS_E_MALFORMED;
}

/* ServerHello / HelloRetryRequest extensions (RFC 8446 4.2). */
static bool
sh_ext(struct tls_server_hello *sh, uint16_t type, struct cur *d)
{
	struct cur v, key;

	switch (type) {
	case EXT_SERVER_NAME:
		/* RFC 6066 3: the server's acknowledgement is empty. */
		sh->sni_ack = true;
		return d->left == 0;
	case EXT_STATUS_REQUEST:
		sh->status_request = true;
		return d->left == 0;
	case EXT_EC_POINT_FORMATS:
		sh->point_formats = true;
		return cur_vec8(d, &v) && v.left > 0 && d->left == 0;
	case EXT_ALPN:
		sh->alpn_present = true;
		return alpn_one(d, sh->alpn, &sh->alpn_len);
	case EXT_EXTENDED_MASTER_SECRET:
		sh->ems = true;
		return d->left == 0;
	case EXT_ENCRYPT_THEN_MAC:
		/* RFC 7366 2: empty; CBC records are then MACed after
		 * encryption. */
		sh->etm = true;
		return d->left == 0;
	case EXT_SESSION_TICKET:
		sh->session_ticket = true;
		return d->left == 0;
	case EXT_PRE_SHARED_KEY:
		sh->psk = true;
		return cur_u16(d, &sh->psk_identity) && d->left == 0;
	case EXT_SUPPORTED_VERSIONS:
		/* RFC 8446 4.2.1: selected_version. */
		return cur_u16(d, &sh->selected_version) && d->left == 0;
	case EXT_KEY_SHARE:
		/* RFC 8446 4.2.8: KeyShareHelloRetryRequest is the group
		 * alone; KeyShareServerHello is a KeyShareEntry. */
		sh->key_share_present = true;
		if (!cur_u16(d, &sh->key_share_group))
			return false;
		if (sh->hrr)
			return d->left == 0;
		return cur_vec16(d, &key) && key.left > 0 && d->left == 0;
	case EXT_COOKIE: /* RFC 8446 4.2.2: opaque cookie<1..2^16-1> */
		sh->cookie = true;
		return cur_vec16(d, &v) && v.left > 0 && d->left == 0;
	case EXT_RENEGOTIATION_INFO:
		sh->reneg_info = true;
		return cur_vec8(d, &v) && d->left == 0;
	default:
		return true;
	}
}

int
tls_msg_server_hello(struct cur *body, struct tls_server_hello *sh)
{
	struct cur sid, exts, data;
	uint16_t type;

	memset(sh, 0, sizeof(*sh));
	sh->first_bad_ext = -1;

	/* RFC 8446 4.1.3 (RFC 5246 7.4.1.3). */
	(void)cur_u16(body, &sh->legacy_version);
	(void)cur_bytes(body, sizeof(sh->random), sh->random);
	if (body->bad)
		goto bad;
	sh->hrr = memcmp(sh->random, hrr_random, sizeof(hrr_random)) == 0;
	if (memcmp(sh->random + 24, downgrade_prefix,
		   sizeof(downgrade_prefix)) == 0) {
		if (sh->random[31] == 1)
			sh->downgrade = 12;
		else if (sh->random[31] == 0)
			sh->downgrade = 11;
	}
	if (((sh->legacy_version >> 8) == 0x7f &&
	     (sh->legacy_version & 0xff) < 22) ||
	    sh->legacy_version == 0x0304) {
		/* TLS 1.3 drafts before -22 (draft-ietf-tls-tls13-21 4.1.3):
		 * the version, the random, the cipher suite, the extensions;
		 * no session id and no compression method.  Their version
		 * field was the negotiated version itself, and early
		 * implementations wrote 0x0304 there; the final layout has
		 * 0x0303 (RFC 8446 4.1.3: legacy_version MUST be 0x0303). */
		(void)cur_u16(body, &sh->cipher);
	} else {
		if (!cur_vec8(body, &sid) || sid.left > 32)
			goto bad;
		sh->session_id_len = (uint8_t)sid.left;
		(void)cur_bytes(&sid, sid.left, sh->session_id);
		(void)cur_u16(body, &sh->cipher);
		(void)cur_u8(body, &sh->compression);
	}
	if (body->bad)
		goto bad;
	if (body->left == 0)
		return TLS_OK;
	sh->has_extensions = true;
	if (!cur_vec16(body, &exts))
		goto bad;
	if (body->left != 0)
		sh->malformed = true;
	while (exts.left > 0) {
		if (!cur_u16(&exts, &type) || !cur_vec16(&exts, &data))
			goto bad;
		if (ext_note(sh->ext, &sh->next, &sh->ext_total,
			     &sh->ext_truncated, type) &&
		    sh->ext_duplicates < UINT16_MAX)
			sh->ext_duplicates++;
		if (!sh_ext(sh, type, &data))
			bad_ext(&sh->ext_malformed, &sh->first_bad_ext, type);
	}
	return sh->malformed ? TLS_E_MALFORMED : TLS_OK;
bad:
	sh->malformed = true;
	return TLS_E_MALFORMED;
}

/* Certificate: RFC 5246 7.4.2 (tls13 false) or RFC 8446 4.4.2. */
static void
cert_decode(const uint8_t *buf, uint32_t len, bool tls13, struct tls_certs *c,
	    struct cur *leaf_ext)
{
	struct cur b = cur_make(buf, len), list, ctx, cert, ext;

	c->tls13 = tls13;
	c->malformed = false;
	c->truncated = false;
	c->ncerts = 0;
	c->certs_total = 0;
	c->context_len = 0;
	if (tls13) {
		if (!cur_vec8(&b, &ctx)) {
			c->malformed = true;
			return;
		}
		c->context_len = (uint8_t)ctx.left;
	}
	if (!cur_vec24(&b, &list)) {
		c->malformed = true;
		return;
	}
	if (b.left != 0)
		c->malformed = true;
	while (list.left > 0) {
		/* ASN.1Cert / cert_data<1..2^24-1>. */
		if (!cur_vec24(&list, &cert) || cert.left == 0) {
			c->malformed = true;
			return;
		}
		if (tls13 && !cur_vec16(&list, &ext)) {
			c->malformed = true;
			return;
		}
		if (tls13 && c->certs_total == 0 && leaf_ext != NULL)
			*leaf_ext = ext;
		c->certs_total++;
		if (c->ncerts < TLS_CERTS_MAX) {
			c->cert[c->ncerts].off = (uint32_t)(cert.p - buf);
			c->cert[c->ncerts].len = (uint32_t)cert.left;
			c->ncerts++;
		} else {
			c->truncated = true;
		}
	}
}

/* CertificateStatus: RFC 6066 8, RFC 6961 2.2 (ocsp_multi). */
static void
status_decode(const uint8_t *buf, uint32_t len, struct tls_cert_status *s)
{
	struct cur b = cur_make(buf, len), resp, list;

	if (!cur_u8(&b, &s->status_type)) {
		s->malformed = true;
		return;
	}
	if (s->status_type == 1) {
		/* opaque OCSPResponse<1..2^24-1>. */
		if (!cur_vec24(&b, &resp) || resp.left == 0 || b.left != 0) {
			s->malformed = true;
			return;
		}
	} else if (s->status_type == 2) {
		/* OCSPResponse ocsp_response_list<1..2^24-1>, each
		 * <0..2^24-1>: keep the first non-empty one. */
		if (!cur_vec24(&b, &list) || list.left == 0 || b.left != 0) {
			s->malformed = true;
			return;
		}
		resp = cur_make(NULL, 0);
		while (list.left > 0) {
			struct cur one;

			if (!cur_vec24(&list, &one)) {
				s->malformed = true;
				return;
			}
			if (resp.left == 0 && one.left > 0)
				resp = one;
		}
		if (resp.left == 0)
			return;
	} else {
		return; /* unknown status type: nothing to keep */
	}
	s->ocsp_off = (uint32_t)(resp.p - buf);
	s->ocsp_len = (uint32_t)resp.left;
}

/* Significant bits of a big-endian unsigned integer. */
static uint16_t
bignum_bits(struct cur v)
{
	uint8_t b = 0;
	size_t bytes;
	unsigned bits = 0;

	while (v.left > 0 && cur_u8(&v, &b) && b == 0)
		;
	if (b == 0)
		return 0;
	bytes = v.left + 1;
	while (b != 0) {
		bits++;
		b >>= 1;
	}
	if (bytes > 8191)
		return UINT16_MAX;
	return clamp16((unsigned)((bytes - 1) * 8 + bits));
}

/* ServerKeyExchange: RFC 8422 5.4 (ECDHE), RFC 5246 7.4.3 (DHE), RFC 4279
 * 3 and RFC 5489 2 (a psk_identity_hint first). */
static void
ske_decode(struct cur *b, enum tls_kx kx, uint16_t version, struct tls_ske *s)
{
	struct cur hint, p, g, ys, point, sig;
	bool signed_params = false, dh = false;

	s->kx = (uint8_t)kx;
	switch (kx) {
	case TLS_KX_DHE:
		signed_params = dh = true;
		break;
	case TLS_KX_ECDHE:
		signed_params = true;
		break;
	case TLS_KX_DH_ANON:
		dh = true;
		break;
	case TLS_KX_ECDH_ANON:
		break;
	case TLS_KX_DHE_PSK:
		dh = true;
		(void)cur_vec16(b, &hint);
		break;
	case TLS_KX_ECDHE_PSK:
		(void)cur_vec16(b, &hint);
		break;
	default:
		return; /* layout unknown: presence only */
	}
	if (dh) {
		/* dh_p<1..2^16-1>, dh_g<1..2^16-1>, dh_Ys<1..2^16-1>. */
		(void)cur_vec16(b, &p);
		(void)cur_vec16(b, &g);
		(void)cur_vec16(b, &ys);
		if (b->bad || p.left == 0 || g.left == 0 || ys.left == 0) {
			s->malformed = true;
			return;
		}
		s->dh_p_bits = bignum_bits(p);
	} else {
		if (!cur_u8(b, &s->curve_type)) {
			s->malformed = true;
			return;
		}
		if (s->curve_type != 3)
			return; /* explicit curves: no group to report */
		(void)cur_u16(b, &s->group);
		if (!cur_vec8(b, &point) || point.left == 0) {
			s->malformed = true;
			return;
		}
	}
	if (signed_params) {
		/* RFC 5246 7.4.3: TLS 1.2 names the algorithm. */
		if (version >= V_TLS12) {
			s->has_sigalg = true;
			(void)cur_u16(b, &s->sigalg);
		}
		(void)cur_vec16(b, &sig);
	}
	if (b->bad || b->left != 0)
		s->malformed = true;
}

/* CertificateRequest: RFC 5246 7.4.4 or RFC 8446 4.3.2. */
static void
cr_decode(struct cur *b, uint16_t version, bool tls13,
	  struct tls_cert_request *r)
{
	struct cur types, algs, cas, dn, ctx, exts, data;
	unsigned kept;
	uint16_t type;
	bool trunc;

	r->tls13 = tls13;
	if (tls13) {
		if (!cur_vec8(b, &ctx) || !cur_vec16(b, &exts) ||
		    b->left != 0) {
			r->malformed = true;
			return;
		}
		while (exts.left > 0) {
			if (!cur_u16(&exts, &type) ||
			    !cur_vec16(&exts, &data)) {
				r->malformed = true;
				return;
			}
			if (type == EXT_SIGNATURE_ALGORITHMS) {
				if (!ext_u16_vec16(
					&data, 2, r->sigalgs, TLS_SIGALGS_MAX,
					&r->nsigalgs, &r->sigalgs_truncated))
					r->malformed = true;
			} else if (type == EXT_CERTIFICATE_AUTHORITIES) {
				/* certificate_authorities (RFC 8446 4.2.4). */
				if (!cur_vec16(&data, &cas))
					r->malformed = true;
				while (cas.left > 0) {
					if (!cur_vec16(&cas, &dn)) {
						r->malformed = true;
						break;
					}
					r->ca_names = clamp16(r->ca_names + 1u);
				}
			}
		}
		return;
	}
	/* ClientCertificateType certificate_types<1..2^8-1>. */
	if (!cur_vec8(b, &types) || types.left == 0) {
		r->malformed = true;
		return;
	}
	trunc = false;
	(void)list_u8(&types, r->cert_types, TLS_CERT_TYPES_MAX, &kept, &trunc);
	r->ncert_types = (uint8_t)kept;
	r->cert_types_truncated = trunc;
	if (version >= V_TLS12) {
		/* supported_signature_algorithms<2..2^16-2>. */
		if (!cur_vec16(b, &algs) || algs.left < 2 ||
		    algs.left % 2 != 0) {
			r->malformed = true;
			return;
		}
		trunc = false;
		(void)list_u16(&algs, r->sigalgs, TLS_SIGALGS_MAX, &kept,
			       &trunc);
		r->nsigalgs = (uint8_t)kept;
		r->sigalgs_truncated = trunc;
	}
	/* DistinguishedName certificate_authorities<0..2^16-1>. */
	if (!cur_vec16(b, &cas) || b->left != 0) {
		r->malformed = true;
		return;
	}
	while (cas.left > 0) {
		if (!cur_vec16(&cas, &dn) || dn.left == 0) {
			r->malformed = true;
			return;
		}
		r->ca_names = clamp16(r->ca_names + 1u);
	}
}

/* EncryptedExtensions: RFC 8446 4.3.1. */
static void
ee_decode(struct cur *b, struct tls_enc_ext *e)
{
	struct cur exts, data;
	uint16_t type, n = 0, total = 0;

	if (!cur_vec16(b, &exts) || b->left != 0) {
		e->malformed = true;
		return;
	}
	while (exts.left > 0) {
		if (!cur_u16(&exts, &type) || !cur_vec16(&exts, &data)) {
			e->malformed = true;
			break;
		}
		(void)ext_note(e->ext, &n, &total, &e->ext_truncated, type);
		if (type == EXT_ALPN) {
			e->alpn_present = true;
			if (!alpn_one(&data, e->alpn, &e->alpn_len))
				e->malformed = true;
		} else if (type == EXT_EARLY_DATA) {
			e->early_data = true;
		} else if (type == EXT_SERVER_NAME) {
			e->sni_ack = true;
		}
	}
	e->next = clamp8(n);
}

/* NewSessionTicket: RFC 5077 3.3 or RFC 8446 4.6.1. */
static void
nst_decode(struct cur *b, bool tls13, struct tls_nst *t)
{
	struct cur nonce, ticket, exts;
	uint32_t age_add;

	(void)cur_u32(b, &t->lifetime);
	if (tls13) {
		(void)cur_u32(b, &age_add);
		(void)cur_vec8(b, &nonce);
	}
	(void)cur_vec16(b, &ticket);
	if (tls13)
		(void)cur_vec16(b, &exts);
	t->ticket_len = (uint16_t)ticket.left;
	if (b->bad || b->left != 0 || (tls13 && ticket.left == 0))
		t->malformed = true;
}

/*
 * Facts.
 */

void
tls_facts_init(struct tls_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->client_dir = -1;
	f->server_dir = -1;
	f->last_hs_type = -1;
	f->last_hs_dir = -1;
	f->ch.first_bad_ext = -1;
	f->sh.first_bad_ext = -1;
	f->hrr.first_bad_ext = -1;
}

static void
blob_free(struct membudget *mb, uint8_t **buf, uint32_t *len)
{
	if (*buf != NULL) {
		free(*buf);
		mem_release(mb, *len);
	}
	*buf = NULL;
	*len = 0;
}

void
tls_facts_free(struct tls_facts *f, struct membudget *mb)
{
	int d;

	for (d = 0; d < 2; d++)
		blob_free(mb, &f->cert[d].buf, &f->cert[d].buf_len);
	blob_free(mb, &f->cert_status.buf, &f->cert_status.buf_len);
	if (f->ch2 != NULL) {
		free(f->ch2);
		mem_release(mb, sizeof(*f->ch2));
		f->ch2 = NULL;
	}
}

static int8_t
flip8(int8_t d)
{
	return d < 0 ? d : (int8_t)(1 - d);
}

bool
tls_facts_server_alpn(const struct tls_facts *f, const uint8_t **p,
		      size_t *len)
{
	*p = NULL;
	*len = 0;
	if (f->tls13 && f->ee.present && f->ee.alpn_present) {
		*p = f->ee.alpn;
		*len = f->ee.alpn_len;
	} else if (!f->tls13 && f->sh_seen && f->sh.alpn_present) {
		*p = f->sh.alpn;
		*len = f->sh.alpn_len;
	}
	return *p != NULL;
}

void
tls_facts_swap(struct tls_facts *f)
{
	struct tls_dir_facts dt;
	struct tls_certs ct;
	uint32_t fl;
	unsigned i;

	dt = f->dir[0];
	f->dir[0] = f->dir[1];
	f->dir[1] = dt;
	ct = f->cert[0];
	f->cert[0] = f->cert[1];
	f->cert[1] = ct;
	fl = f->finished_len[0];
	f->finished_len[0] = f->finished_len[1];
	f->finished_len[1] = fl;
	fl = f->dec_records[0];
	f->dec_records[0] = f->dec_records[1];
	f->dec_records[1] = fl;
	fl = f->dec_failed[0];
	f->dec_failed[0] = f->dec_failed[1];
	f->dec_failed[1] = fl;
	f->client_dir = flip8(f->client_dir);
	f->server_dir = flip8(f->server_dir);
	f->last_hs_dir = flip8(f->last_hs_dir);
	for (i = 0; i < f->nalerts; i++) {
		f->alerts[i].dir = (uint8_t)(1 - f->alerts[i].dir);
		f->alerts[i].after_hs_dir = flip8(f->alerts[i].after_hs_dir);
	}
	for (i = 0; i < f->nlog; i++)
		f->log[i].dir = (uint8_t)(1 - f->log[i].dir);
	if (f->log_total > 0)
		f->log_last.dir = (uint8_t)(1 - f->log_last.dir);
}

/* Append to the message log; the index, or UINT16_MAX when full. */
static uint16_t
log_add(struct tls_facts *f, int dir, enum tls_log_kind kind, uint8_t type,
	uint64_t len, uint8_t flags, uint64_t ts_us)
{
	struct tls_log_entry e;
	uint16_t idx = UINT16_MAX;

	e.ts_us = ts_us;
	e.len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	e.dir = (uint8_t)dir;
	e.kind = (uint8_t)kind;
	e.type = type;
	e.flags = flags;
	if (f->decrypting)
		e.flags |= TLS_LOGF_DECRYPTED;
	if (f->nlog < TLS_LOG_MAX) {
		idx = f->nlog;
		f->log[f->nlog++] = e;
	}
	if (f->log_total < UINT32_MAX)
		f->log_total++;
	f->log_last = e;
	return idx;
}

static void
count_hello_anomalies(struct tls_facts *f, bool malformed,
		      enum tls_anomaly which, uint16_t ext_malformed,
		      uint16_t dups)
{
	uint16_t i;

	if (malformed)
		tls_facts_anomaly(f, which);
	for (i = 0; i < ext_malformed; i++)
		tls_facts_anomaly(f, TLS_ANOM_MALFORMED_EXTENSION);
	for (i = 0; i < dups; i++)
		tls_facts_anomaly(f, TLS_ANOM_DUPLICATE_EXTENSION);
}

static void
count_ch_truncations(struct tls_facts *f, const struct tls_client_hello *ch)
{
	const bool t[] = {
	    ch->suites_truncated,	 ch->comp_truncated,
	    ch->ext_truncated,		 ch->sni_truncated,
	    ch->versions_truncated,	 ch->groups_truncated,
	    ch->point_formats_truncated, ch->sigalgs_truncated,
	    ch->alpn_truncated,		 ch->key_shares_truncated};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i])
			tls_facts_anomaly(f, TLS_ANOM_LIST_TRUNCATED);
}

/* Decode a ClientHello into *ch, counting what it shows. */
static bool
client_hello(struct tls_facts *f, struct tls_client_hello *ch,
	     const uint8_t *body, uint32_t len, bool skipped)
{
	struct cur c = cur_make(body, len);
	bool bad;

	if (skipped) {
		memset(ch, 0, sizeof(*ch));
		ch->first_bad_ext = -1;
		ch->skipped = true;
		return false;
	}
	bad = tls_msg_client_hello(&c, ch) != TLS_OK;
	count_hello_anomalies(f, bad, TLS_ANOM_MALFORMED_CLIENT_HELLO,
			      ch->ext_malformed, ch->ext_duplicates);
	if (ch->psk_not_last)
		tls_facts_anomaly(f, TLS_ANOM_PSK_NOT_LAST);
	count_ch_truncations(f, ch);
	return ch->malformed;
}

/* RFC 8446 4 and RFC 5246 7.4: which side may send which message. */
static bool
client_only(uint8_t type)
{
	return type == HS_CLIENT_HELLO || type == HS_END_OF_EARLY_DATA ||
	       type == HS_CLIENT_KEY_EXCHANGE;
}

static bool
server_only(uint8_t type)
{
	switch (type) {
	case HS_HELLO_REQUEST:
	case HS_SERVER_HELLO:
	case HS_HELLO_VERIFY_REQUEST:
	case HS_NEW_SESSION_TICKET:
	case HS_ENCRYPTED_EXTENSIONS:
	case HS_SERVER_KEY_EXCHANGE:
	case HS_CERTIFICATE_REQUEST:
	case HS_SERVER_HELLO_DONE:
	case HS_CERTIFICATE_STATUS:
		return true;
	default:
		return false;
	}
}

static void
on_client_hello(struct tls_facts *f, struct membudget *mb, int dir,
		const uint8_t *body, uint32_t len, bool skipped,
		bool *malformed)
{
	/* A second ClientHello is expected only after a HelloRetryRequest
	 * (RFC 8446 4.1.4); renegotiation (RFC 5746) happens encrypted. */
	if (f->ch_count > 0 && !(f->ch_count == 1 && f->hrr_seen))
		tls_facts_anomaly(f, TLS_ANOM_UNEXPECTED_MESSAGE);
	if (f->ch_count < UINT8_MAX)
		f->ch_count++;
	if (f->ch_count == 1) {
		if (f->client_dir < 0)
			f->client_dir = (int8_t)dir;
		f->ch_seen = true;
		*malformed = client_hello(f, &f->ch, body, len, skipped);
		return;
	}
	if (f->ch_count == 2 && f->hrr_seen && f->ch2 == NULL) {
		if (!mem_reserve(mb, sizeof(*f->ch2))) {
			tls_facts_anomaly(f, TLS_ANOM_HS_MEM_REFUSED);
			return;
		}
		f->ch2 = malloc(sizeof(*f->ch2));
		if (f->ch2 == NULL) {
			mem_release(mb, sizeof(*f->ch2));
			tls_facts_anomaly(f, TLS_ANOM_HS_MEM_REFUSED);
			return;
		}
		*malformed = client_hello(f, f->ch2, body, len, skipped);
	}
}

static void
on_server_hello(struct tls_facts *f, int dir, const uint8_t *body, uint32_t len,
		bool skipped, bool *malformed, uint8_t *flags)
{
	struct tls_server_hello sh;
	const struct tls_client_hello *ch;
	struct cur c = cur_make(body, len);
	bool bad;

	if (skipped) {
		memset(&sh, 0, sizeof(sh));
		sh.first_bad_ext = -1;
		sh.skipped = true;
	} else {
		bad = tls_msg_server_hello(&c, &sh) != TLS_OK;
		count_hello_anomalies(f, bad, TLS_ANOM_MALFORMED_SERVER_HELLO,
				      sh.ext_malformed, sh.ext_duplicates);
		if (sh.ext_truncated)
			tls_facts_anomaly(f, TLS_ANOM_LIST_TRUNCATED);
		*malformed = sh.malformed;
	}
	if (sh.hrr) {
		*flags |= TLS_LOGF_HRR;
		if (f->hrr_seen || f->sh_seen) {
			tls_facts_anomaly(f, TLS_ANOM_UNEXPECTED_MESSAGE);
			return;
		}
		f->hrr = sh;
		f->hrr_seen = true;
	} else {
		if (f->sh_count < UINT8_MAX)
			f->sh_count++;
		if (f->sh_count > 1) {
			tls_facts_anomaly(f, TLS_ANOM_UNEXPECTED_MESSAGE);
			return;
		}
		ch = f->ch2 != NULL ? f->ch2 : &f->ch;
		sh.session_id_echoed =
		    f->ch_seen && sh.session_id_len > 0 &&
		    sh.session_id_len == ch->session_id_len &&
		    memcmp(sh.session_id, ch->session_id, sh.session_id_len) ==
			0;
		f->sh = sh;
		f->sh_seen = true;
	}
	if (f->server_dir < 0)
		f->server_dir = (int8_t)dir;
	if (!sh.skipped)
		f->version = sh.selected_version != 0 ? sh.selected_version
						      : sh.legacy_version;
	/* RFC 8446 2: everything after the ServerHello is encrypted. */
	if (!sh.hrr && !sh.skipped && tls_msg_version_is_13(f->version)) {
		f->tls13 = true;
		f->dir[0].encrypted = true;
		f->dir[1].encrypted = true;
	}
}

/* Adopt a message buffer: the facts now own it and its charge. */
static void
adopt(uint8_t **body, uint32_t len, uint8_t **to, uint32_t *to_len)
{
	*to = *body;
	*to_len = len;
	*body = NULL;
}

static void status_decode(const uint8_t *buf, uint32_t len,
			  struct tls_cert_status *s);

/* RFC 8446 4.4.2.1: in TLS 1.3 the server's OCSP response travels in the
 * leaf's CertificateEntry, as a status_request extension holding a
 * CertificateStatus body: kept (a copy, charged) as if it had come in a
 * CertificateStatus message. */
static void
leaf_status(struct tls_facts *f, struct membudget *mb, struct cur ext)
{
	struct tls_cert_status *s = &f->cert_status;
	struct cur one;
	uint16_t type;
	uint8_t *copy;

	while (ext.left > 0) {
		if (!cur_u16(&ext, &type) || !cur_vec16(&ext, &one))
			return; /* the entry's lengths lied: no staple */
		if (type != 5 || one.left == 0 || s->present)
			continue;
		s->present = true;
		if (!mem_reserve(mb, one.left)) {
			s->skipped = true;
			tls_facts_anomaly(f, TLS_ANOM_HS_MEM_REFUSED);
			return;
		}
		if ((copy = malloc(one.left)) == NULL) {
			mem_release(mb, one.left);
			s->skipped = true;
			return;
		}
		memcpy(copy, one.p, one.left);
		status_decode(copy, (uint32_t)one.left, s);
		if (s->malformed)
			tls_facts_anomaly(f, TLS_ANOM_MALFORMED_CERT_STATUS);
		if (s->ocsp_len > 0) {
			s->buf = copy;
			s->buf_len = (uint32_t)one.left;
		} else {
			free(copy);
			mem_release(mb, one.left);
		}
	}
}

static void
on_certificate(struct tls_facts *f, struct membudget *mb, int dir,
	       uint8_t **body, uint32_t len, bool skipped, bool *malformed)
{
	struct tls_certs *c = &f->cert[dir];
	struct cur lext = cur_make(NULL, 0);

	if (c->count < UINT16_MAX)
		c->count++;
	if (c->count > 1)
		return; /* keep the first chain of each side */
	c->present = true;
	c->msg_len = len;
	if (skipped || body == NULL || (len > 0 && *body == NULL)) {
		c->skipped = true;
		return;
	}
	if (f->sh_seen) {
		cert_decode(*body, len, f->tls13, c, &lext);
	} else {
		/* No ServerHello: the form the bytes fit. */
		cert_decode(*body, len, false, c, NULL);
		if (c->malformed)
			cert_decode(*body, len, true, c, NULL);
		if (c->malformed)
			cert_decode(*body, len, false, c, NULL);
	}
	c->decrypted = f->decrypting;
	if (c->tls13 && dir == f->server_dir && lext.left > 0)
		leaf_status(f, mb, lext);
	if (c->malformed) {
		*malformed = true;
		tls_facts_anomaly(f, TLS_ANOM_MALFORMED_CERTIFICATE);
	}
	if (c->truncated)
		tls_facts_anomaly(f, TLS_ANOM_CERTS_TRUNCATED);
	if (c->ncerts > 0)
		adopt(body, len, &c->buf, &c->buf_len);
}

static void
on_cert_status(struct tls_facts *f, uint8_t **body, uint32_t len, bool skipped,
	       bool *malformed)
{
	struct tls_cert_status *s = &f->cert_status;

	if (s->present)
		return;
	s->present = true;
	if (skipped || body == NULL || (len > 0 && *body == NULL)) {
		s->skipped = true;
		return;
	}
	status_decode(*body, len, s);
	if (s->malformed) {
		*malformed = true;
		tls_facts_anomaly(f, TLS_ANOM_MALFORMED_CERT_STATUS);
	}
	if (s->ocsp_len > 0)
		adopt(body, len, &s->buf, &s->buf_len);
}

bool
tls_msg_wants_body(uint8_t type)
{
	switch (type) {
	case HS_CLIENT_HELLO:
	case HS_SERVER_HELLO:
	case HS_NEW_SESSION_TICKET:
	case HS_ENCRYPTED_EXTENSIONS:
	case HS_CERTIFICATE:
	case HS_SERVER_KEY_EXCHANGE:
	case HS_CERTIFICATE_REQUEST:
	case HS_CERTIFICATE_STATUS:
		return true;
	default:
		return false;
	}
}

void
tls_msg_handshake(struct tls_facts *f, struct membudget *mb, int dir,
		  uint8_t type, uint8_t **body, uint32_t len, bool skipped,
		  uint64_t ts_us)
{
	struct tls_dir_facts *df = &f->dir[dir];
	const uint8_t *p = body != NULL ? *body : NULL;
	struct cur c;
	bool malformed = false;
	uint8_t flags = 0;

	/* A decoded type whose body is missing could not be decoded: it
	 * counts as skipped.  The others are never buffered. */
	if (len > 0 && p == NULL) {
		if (tls_msg_wants_body(type))
			skipped = true;
		p = NULL;
	}
	c = cur_make(p, p == NULL ? 0 : len);
	if (df->hs_msgs < UINT32_MAX)
		df->hs_msgs++;
	if (type < 32)
		df->hs_mask |= 1u << type;
	if ((client_only(type) && dir == f->server_dir) ||
	    (server_only(type) && dir == f->client_dir))
		tls_facts_anomaly(f, TLS_ANOM_UNEXPECTED_MESSAGE);

	switch (type) {
	case HS_CLIENT_HELLO:
		on_client_hello(f, mb, dir, p, len, skipped, &malformed);
		break;
	case HS_SERVER_HELLO:
		on_server_hello(f, dir, p, len, skipped, &malformed, &flags);
		break;
	case HS_CERTIFICATE:
		on_certificate(f, mb, dir, body, len, skipped, &malformed);
		break;
	case HS_CERTIFICATE_STATUS:
		on_cert_status(f, body, len, skipped, &malformed);
		break;
	case HS_SERVER_KEY_EXCHANGE:
		if (f->ske.present)
			break;
		f->ske.present = true;
		f->ske.len = len;
		if (skipped) {
			f->ske.skipped = true;
			break;
		}
		ske_decode(&c,
			   f->sh_seen ? tls_suite_kx(f->sh.cipher)
				      : TLS_KX_UNKNOWN,
			   f->version, &f->ske);
		if (f->ske.malformed) {
			malformed = true;
			tls_facts_anomaly(f, TLS_ANOM_MALFORMED_SKE);
		}
		break;
	case HS_CERTIFICATE_REQUEST:
		if (f->cert_req.present)
			break;
		f->cert_req.present = true;
		if (skipped) {
			f->cert_req.skipped = true;
			break;
		}
		cr_decode(&c, f->version, f->tls13, &f->cert_req);
		if (f->cert_req.malformed) {
			malformed = true;
			tls_facts_anomaly(f, TLS_ANOM_MALFORMED_CERT_REQUEST);
		}
		if (f->cert_req.cert_types_truncated ||
		    f->cert_req.sigalgs_truncated)
			tls_facts_anomaly(f, TLS_ANOM_LIST_TRUNCATED);
		break;
	case HS_ENCRYPTED_EXTENSIONS:
		if (f->ee.present)
			break;
		f->ee.present = true;
		if (skipped)
			break;
		ee_decode(&c, &f->ee);
		if (f->ee.malformed) {
			malformed = true;
			tls_facts_anomaly(f, TLS_ANOM_MALFORMED_HANDSHAKE);
		}
		break;
	case HS_NEW_SESSION_TICKET:
		if (f->nst.count < UINT16_MAX)
			f->nst.count++;
		if (f->nst.count > 1 || skipped)
			break;
		nst_decode(&c, f->tls13, &f->nst);
		if (f->nst.malformed) {
			malformed = true;
			tls_facts_anomaly(f, TLS_ANOM_MALFORMED_HANDSHAKE);
		}
		break;
	case HS_HELLO_REQUEST:
	case HS_SERVER_HELLO_DONE:
	case HS_END_OF_EARLY_DATA:
		/* All three are empty structures. */
		if (len != 0) {
			malformed = true;
			tls_facts_anomaly(f, TLS_ANOM_MALFORMED_HANDSHAKE);
		}
		break;
	case HS_CLIENT_KEY_EXCHANGE:
		if (f->cke_len == 0)
			f->cke_len = len;
		break;
	case HS_FINISHED:
		if (f->finished_len[dir] == 0)
			f->finished_len[dir] = len;
		break;
	case HS_HELLO_VERIFY_REQUEST:
	case HS_CERTIFICATE_VERIFY:
	case HS_KEY_UPDATE:
	case HS_COMPRESSED_CERTIFICATE:
		break;
	default:
		tls_facts_anomaly(f, TLS_ANOM_HS_UNKNOWN_TYPE);
		break;
	}
	if (skipped)
		flags |= TLS_LOGF_SKIPPED;
	if (malformed)
		flags |= TLS_LOGF_MALFORMED;
	(void)log_add(f, dir, TLS_LOG_HANDSHAKE, type, len, flags, ts_us);
	f->last_hs_type = type;
	f->last_hs_dir = (int8_t)dir;
}

void
tls_msg_sslv2(struct tls_facts *f, int dir, const uint8_t *body, uint32_t len,
	      uint64_t ts_us)
{
	struct cur c = cur_make(body, body != NULL ? len : 0);
	uint8_t flags = 0;

	if (f->ch_count > 0)
		tls_facts_anomaly(f, TLS_ANOM_UNEXPECTED_MESSAGE);
	if (f->ch_count < UINT8_MAX)
		f->ch_count++;
	if (f->ch_count == 1) {
		f->ch_seen = true;
		if (f->client_dir < 0)
			f->client_dir = (int8_t)dir;
		if (body == NULL) {
			memset(&f->ch, 0, sizeof(f->ch));
			f->ch.first_bad_ext = -1;
			f->ch.sslv2 = true;
			f->ch.skipped = true;
			flags |= TLS_LOGF_SKIPPED;
		} else if (tls_msg_sslv2_hello(&c, &f->ch) != TLS_OK) {
			tls_facts_anomaly(f, TLS_ANOM_MALFORMED_SSLV2_HELLO);
			flags |= TLS_LOGF_MALFORMED;
		} else if (f->ch.suites_truncated) {
			tls_facts_anomaly(f, TLS_ANOM_LIST_TRUNCATED);
		}
	}
	(void)log_add(f, dir, TLS_LOG_SSLV2_HELLO, HS_CLIENT_HELLO, len, flags,
		      ts_us);
	f->dir[dir].hs_msgs++;
	f->dir[dir].hs_mask |= 1u << HS_CLIENT_HELLO;
	f->last_hs_type = HS_CLIENT_HELLO;
	f->last_hs_dir = (int8_t)dir;
}

static void
alert_add(struct tls_facts *f, int dir, bool encrypted, uint8_t level,
	  uint8_t desc, uint16_t rec_len, uint16_t log_index, uint64_t ts_us)
{
	struct tls_alert *a;

	if (f->alerts_total < UINT32_MAX)
		f->alerts_total++;
	if (f->nalerts >= TLS_ALERTS_MAX)
		return;
	a = &f->alerts[f->nalerts++];
	a->ts_us = ts_us;
	a->rec_len = rec_len;
	a->dir = (uint8_t)dir;
	a->level = level;
	a->desc = desc;
	a->encrypted = encrypted;
	a->decrypted = f->decrypting;
	a->after_hs_type = f->last_hs_type;
	a->after_hs_dir = f->last_hs_dir;
	a->log_index = log_index;
}

void
tls_msg_alert(struct tls_facts *f, int dir, uint8_t level, uint8_t desc,
	      uint16_t rec_len, uint64_t ts_us)
{
	uint16_t idx;

	idx = log_add(f, dir, TLS_LOG_ALERT, desc, rec_len, 0, ts_us);
	alert_add(f, dir, false, level, desc, rec_len, idx, ts_us);
}

void
tls_msg_ccs(struct tls_facts *f, int dir, bool compat, uint16_t rec_len,
	    uint64_t ts_us)
{
	struct tls_dir_facts *df = &f->dir[dir];

	if (!df->ccs)
		df->ccs_ts = ts_us;
	df->ccs = true;
	if (!compat)
		df->encrypted = true;
	(void)log_add(f, dir, TLS_LOG_CCS, 1, rec_len,
		      compat ? TLS_LOGF_COMPAT : 0, ts_us);
}

void
tls_msg_ccs_rekeyed(struct tls_facts *f, int dir)
{
	uint16_t i;

	f->dir[dir].encrypted = true;
	for (i = f->nlog; i > 0; i--) {
		struct tls_log_entry *e = &f->log[i - 1];

		if (e->dir == dir && e->kind == TLS_LOG_CCS) {
			e->flags &= (uint8_t)~TLS_LOGF_COMPAT;
			break;
		}
	}
	if (f->log_last.dir == dir && f->log_last.kind == TLS_LOG_CCS)
		f->log_last.flags &= (uint8_t)~TLS_LOGF_COMPAT;
}

/* The encrypted-record part of tls_msg_record() and tls_msg_dec_record();
 * the log index of the record. */
static uint16_t
enc_record_add(struct tls_facts *f, int dir, uint8_t type, uint8_t inner,
	       uint16_t rec_len, uint64_t ts_us)
{
	struct tls_dir_facts *df = &f->dir[dir];
	struct tls_enc_record *e;

	if (type == CT_APPLICATION_DATA) {
		if (df->appdata_records == 0)
			df->appdata_first_ts = ts_us;
		df->appdata_records++;
		df->appdata_bytes += rec_len;
		if (inner == 0 || inner == CT_APPLICATION_DATA)
			df->data_records++;
	}
	if (df->nenc < TLS_ENC_RECORDS_MAX) {
		e = &df->enc[df->nenc++];
		e->ts_us = ts_us;
		e->len = rec_len;
		e->type = type;
		e->inner = inner;
	}
	df->enc_total++;
	return log_add(f, dir, TLS_LOG_ENCRYPTED, type, rec_len,
		       inner != 0 ? TLS_LOGF_DECRYPTED : 0, ts_us);
}

void
tls_msg_dec_record(struct tls_facts *f, int dir, uint8_t type, uint8_t inner,
		   uint16_t rec_len, uint64_t ts_us)
{
	if (f->dec_records[dir & 1] < UINT32_MAX)
		f->dec_records[dir & 1]++;
	(void)enc_record_add(f, dir, type, inner, rec_len, ts_us);
}

void
tls_msg_record(struct tls_facts *f, int dir, uint8_t type, uint16_t rec_len,
	       uint64_t ts_us)
{
	struct tls_dir_facts *df = &f->dir[dir];
	uint16_t idx;

	if (type == CT_HEARTBEAT) {
		if (df->heartbeats < UINT32_MAX)
			df->heartbeats++;
		tls_facts_anomaly(f, TLS_ANOM_HEARTBEAT);
		(void)log_add(f, dir, TLS_LOG_HEARTBEAT, type, rec_len, 0,
			      ts_us);
		return;
	}
	idx = enc_record_add(f, dir, type, 0, rec_len, ts_us);
	if (type == CT_ALERT)
		alert_add(f, dir, true, 0, 0, rec_len, idx, ts_us);
}

void
tls_msg_gap(struct tls_facts *f, int dir, uint64_t len, bool stopped,
	    uint64_t ts_us)
{
	struct tls_dir_facts *df = &f->dir[dir];

	if (df->gaps < UINT32_MAX)
		df->gaps++;
	df->gap_bytes += len;
	tls_facts_anomaly(f,
			  stopped ? TLS_ANOM_GAP_STOP : TLS_ANOM_GAP_SKIPPED);
	(void)log_add(f, dir, TLS_LOG_GAP, 0, len, 0, ts_us);
	if (stopped) {
		df->stop = TLS_STOP_GAP;
		(void)log_add(f, dir, TLS_LOG_STOP, TLS_STOP_GAP, 0, 0, ts_us);
	}
}

void
tls_msg_stop(struct tls_facts *f, int dir, enum tls_stop why, uint64_t ts_us)
{
	static const int anom[TLS_STOP_NREASONS] = {
	    [TLS_STOP_NONE] = -1,
	    [TLS_STOP_NOT_TLS] = TLS_ANOM_NOT_TLS,
	    [TLS_STOP_GAP] = TLS_ANOM_GAP_STOP,
	    [TLS_STOP_RECORD_TOO_LONG] = TLS_ANOM_RECORD_TOO_LONG,
	    [TLS_STOP_RECORD_BAD_TYPE] = TLS_ANOM_RECORD_BAD_TYPE,
	    [TLS_STOP_RECORD_BAD_VERSION] = TLS_ANOM_RECORD_BAD_VERSION,
	};

	if ((unsigned)why >= TLS_STOP_NREASONS || why == TLS_STOP_NONE)
		return;
	f->dir[dir].stop = (uint8_t)why;
	tls_facts_anomaly(f, (enum tls_anomaly)anom[why]);
	(void)log_add(f, dir, TLS_LOG_STOP, (uint8_t)why, 0, 0, ts_us);
}
