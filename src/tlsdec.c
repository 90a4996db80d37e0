/* tlsdec.c -- TLS 1.3 and TLS 1.2 AEAD record decryption with key log
 * secrets, on wolfCrypt.
 *
 * RFC 8446 5.2-5.4 and 7.1-7.3 (TLS 1.3 record protection and traffic
 * keys), RFC 5246 5, 6.2.3.3 and 6.3 (TLS 1.2 PRF, AEAD records, key block),
 * RFC 5288 (AES-GCM suites), RFC 6655 and RFC 7251 (AES-CCM suites), RFC
 * 7905 (ChaCha20-Poly1305 suites), RFC 5869 (HKDF); CBC suites: RFC 5246
 * 6.2.3.2, RFC 4346 and RFC 2246 (TLS 1.1 and 1.0), RFC 7366
 * (encrypt_then_mac).
 *
 * Must never: print or log a secret, key or IV; hand unauthenticated
 * plaintext to the caller; read a byte outside the lengths it is given;
 * allocate.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/chacha20_poly1305.h>
#include <wolfssl/wolfcrypt/des3.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/kdf.h>

#include <string.h>

#include "tlsdiag/cur.h"
#include "tlsdiag/tlsdec.h"

#define CT_ALERT 21
#define CT_HANDSHAKE 22
#define CT_APPDATA 23

/*
 * The suites that can be opened.  TLS 1.3: all five of RFC 8446 B.4.  TLS
 * 1.2: the AEAD suites of RFC 5288 (GCM), RFC 6655 and RFC 7251 (CCM) and
 * RFC 7905 (ChaCha20-Poly1305) with the key exchanges a server offers in
 * practice; PSK variants are listed too, as their record layer is the same.
 */
#define S13(id, aead, hash, klen, tlen)                                        \
	{                                                                      \
		(id), 13, (aead), (hash), (klen), 12, 0, (tlen), 0, 0, 0       \
	}
#define GCM12(id, aead, hash, klen)                                            \
	{                                                                      \
		(id), 12, (aead), (hash), (klen), 4, 8, 16, 0, 0, 0            \
	}
#define CCM12(id, aead, klen, tlen)                                            \
	{                                                                      \
		(id), 12, (aead), TLSDEC_SHA256, (klen), 4, 8, (tlen), 0, 0, 0 \
	}
#define CHA12(id)                                                              \
	{                                                                      \
		(id), 12, TLSDEC_CHACHA20_POLY1305, TLSDEC_SHA256, 32, 12, 0,  \
		    16, 0, 0, 0                                                \
	}
/* CBC: `hash` is the TLS 1.2 PRF's (SHA-384 for the *_SHA384 suites),
 * the IVs of the key block are a block long. */
#define CBC12(id, cipher, prf, klen, mac, mlen, blk)                           \
	{                                                                      \
		(id), 12, (cipher), (prf), (klen), (blk), 0, 0, (mac), (mlen), \
		    (blk)                                                      \
	}
#define A128_SHA(id)                                                           \
	CBC12(id, TLSDEC_AES_128_CBC, TLSDEC_SHA256, 16, TLSDEC_MAC_SHA1, 20,  \
	      16)
#define A256_SHA(id)                                                           \
	CBC12(id, TLSDEC_AES_256_CBC, TLSDEC_SHA256, 32, TLSDEC_MAC_SHA1, 20,  \
	      16)
#define A128_SHA256(id)                                                        \
	CBC12(id, TLSDEC_AES_128_CBC, TLSDEC_SHA256, 16, TLSDEC_MAC_SHA256,    \
	      32, 16)
#define A256_SHA256(id)                                                        \
	CBC12(id, TLSDEC_AES_256_CBC, TLSDEC_SHA256, 32, TLSDEC_MAC_SHA256,    \
	      32, 16)
#define A256_SHA384(id)                                                        \
	CBC12(id, TLSDEC_AES_256_CBC, TLSDEC_SHA384, 32, TLSDEC_MAC_SHA384,    \
	      48, 16)
#define DES3_SHA(id)                                                           \
	CBC12(id, TLSDEC_3DES_EDE_CBC, TLSDEC_SHA256, 24, TLSDEC_MAC_SHA1, 20, \
	      8)

static const struct tlsdec_suite suites[] = {
    S13(0x1301, TLSDEC_AES_128_GCM, TLSDEC_SHA256, 16, 16),
    S13(0x1302, TLSDEC_AES_256_GCM, TLSDEC_SHA384, 32, 16),
    S13(0x1303, TLSDEC_CHACHA20_POLY1305, TLSDEC_SHA256, 32, 16),
    S13(0x1304, TLSDEC_AES_128_CCM, TLSDEC_SHA256, 16, 16),
    S13(0x1305, TLSDEC_AES_128_CCM_8, TLSDEC_SHA256, 16, 8),

    /* RSA, DHE_RSA, DHE_DSS, ECDHE_ECDSA, ECDHE_RSA, PSK, DHE_PSK,
     * RSA_PSK, ECDHE_PSK with AES-GCM (RFC 5288, 5289, 5487, 8442). */
    GCM12(0x009c, TLSDEC_AES_128_GCM, TLSDEC_SHA256, 16),
    GCM12(0x009d, TLSDEC_AES_256_GCM, TLSDEC_SHA384, 32),
    GCM12(0x009e, TLSDEC_AES_128_GCM, TLSDEC_SHA256, 16),
    GCM12(0x009f, TLSDEC_AES_256_GCM, TLSDEC_SHA384, 32),
    GCM12(0x00a2, TLSDEC_AES_128_GCM, TLSDEC_SHA256, 16),
    GCM12(0x00a3, TLSDEC_AES_256_GCM, TLSDEC_SHA384, 32),
    GCM12(0x00a8, TLSDEC_AES_128_GCM, TLSDEC_SHA256, 16),
    GCM12(0x00a9, TLSDEC_AES_256_GCM, TLSDEC_SHA384, 32),
    GCM12(0x00aa, TLSDEC_AES_128_GCM, TLSDEC_SHA256, 16),
    GCM12(0x00ab, TLSDEC_AES_256_GCM, TLSDEC_SHA384, 32),
    GCM12(0x00ac, TLSDEC_AES_128_GCM, TLSDEC_SHA256, 16),
    GCM12(0x00ad, TLSDEC_AES_256_GCM, TLSDEC_SHA384, 32),
    GCM12(0xc02b, TLSDEC_AES_128_GCM, TLSDEC_SHA256, 16),
    GCM12(0xc02c, TLSDEC_AES_256_GCM, TLSDEC_SHA384, 32),
    GCM12(0xc02f, TLSDEC_AES_128_GCM, TLSDEC_SHA256, 16),
    GCM12(0xc030, TLSDEC_AES_256_GCM, TLSDEC_SHA384, 32),
    GCM12(0xd001, TLSDEC_AES_128_GCM, TLSDEC_SHA256, 16),
    GCM12(0xd002, TLSDEC_AES_256_GCM, TLSDEC_SHA384, 32),

    /* AES-CCM (RFC 6655, RFC 7251): the PRF is SHA-256 for all. */
    CCM12(0xc09c, TLSDEC_AES_128_CCM, 16, 16),
    CCM12(0xc09d, TLSDEC_AES_256_CCM, 32, 16),
    CCM12(0xc09e, TLSDEC_AES_128_CCM, 16, 16),
    CCM12(0xc09f, TLSDEC_AES_256_CCM, 32, 16),
    CCM12(0xc0a0, TLSDEC_AES_128_CCM_8, 16, 8),
    CCM12(0xc0a1, TLSDEC_AES_256_CCM_8, 32, 8),
    CCM12(0xc0a2, TLSDEC_AES_128_CCM_8, 16, 8),
    CCM12(0xc0a3, TLSDEC_AES_256_CCM_8, 32, 8),
    CCM12(0xc0a4, TLSDEC_AES_128_CCM, 16, 16),
    CCM12(0xc0a5, TLSDEC_AES_256_CCM, 32, 16),
    CCM12(0xc0a6, TLSDEC_AES_128_CCM, 16, 16),
    CCM12(0xc0a7, TLSDEC_AES_256_CCM, 32, 16),
    CCM12(0xc0a8, TLSDEC_AES_128_CCM_8, 16, 8),
    CCM12(0xc0a9, TLSDEC_AES_256_CCM_8, 32, 8),
    CCM12(0xc0aa, TLSDEC_AES_128_CCM_8, 16, 8),
    CCM12(0xc0ab, TLSDEC_AES_256_CCM_8, 32, 8),
    CCM12(0xc0ac, TLSDEC_AES_128_CCM, 16, 16),
    CCM12(0xc0ad, TLSDEC_AES_256_CCM, 32, 16),
    CCM12(0xc0ae, TLSDEC_AES_128_CCM_8, 16, 8),
    CCM12(0xc0af, TLSDEC_AES_256_CCM_8, 32, 8),
    CCM12(0xd003, TLSDEC_AES_128_CCM_8, 16, 8),
    CCM12(0xd005, TLSDEC_AES_128_CCM, 16, 16),

    /* ChaCha20-Poly1305 (RFC 7905): ECDHE_RSA, ECDHE_ECDSA, DHE_RSA, PSK,
     * ECDHE_PSK, DHE_PSK, RSA_PSK. */
    CHA12(0xcca8),
    CHA12(0xcca9),
    CHA12(0xccaa),
    CHA12(0xccab),
    CHA12(0xccac),
    CHA12(0xccad),
    CHA12(0xccae),

    /* CBC with HMAC (RFC 5246 A.5, RFC 4492, RFC 5289, RFC 4279, RFC
     * 5487, RFC 5489): every key exchange with AES-128, AES-256 and 3DES. */
    DES3_SHA(0x000a),
    DES3_SHA(0x000d),
    DES3_SHA(0x0010),
    DES3_SHA(0x0013),
    DES3_SHA(0x0016),
    DES3_SHA(0x001b),
    A128_SHA(0x002f),
    A128_SHA(0x0030),
    A128_SHA(0x0031),
    A128_SHA(0x0032),
    A128_SHA(0x0033),
    A128_SHA(0x0034),
    A256_SHA(0x0035),
    A256_SHA(0x0036),
    A256_SHA(0x0037),
    A256_SHA(0x0038),
    A256_SHA(0x0039),
    A256_SHA(0x003a),
    A128_SHA256(0x003c),
    A256_SHA256(0x003d),
    A128_SHA256(0x003e),
    A128_SHA256(0x003f),
    A128_SHA256(0x0040),
    A128_SHA256(0x0067),
    A256_SHA256(0x0068),
    A256_SHA256(0x0069),
    A256_SHA256(0x006a),
    A256_SHA256(0x006b),
    A128_SHA256(0x006c),
    A256_SHA256(0x006d),
    DES3_SHA(0x008b),
    A128_SHA(0x008c),
    A256_SHA(0x008d),
    DES3_SHA(0x008f),
    A128_SHA(0x0090),
    A256_SHA(0x0091),
    DES3_SHA(0x0093),
    A128_SHA(0x0094),
    A256_SHA(0x0095),
    A128_SHA256(0x00ae),
    A256_SHA384(0x00af),
    A128_SHA256(0x00b2),
    A256_SHA384(0x00b3),
    A128_SHA256(0x00b6),
    A256_SHA384(0x00b7),
    DES3_SHA(0xc003),
    A128_SHA(0xc004),
    A256_SHA(0xc005),
    DES3_SHA(0xc008),
    A128_SHA(0xc009),
    A256_SHA(0xc00a),
    DES3_SHA(0xc00d),
    A128_SHA(0xc00e),
    A256_SHA(0xc00f),
    DES3_SHA(0xc012),
    A128_SHA(0xc013),
    A256_SHA(0xc014),
    DES3_SHA(0xc017),
    A128_SHA(0xc018),
    A256_SHA(0xc019),
    A128_SHA256(0xc023),
    A256_SHA384(0xc024),
    A128_SHA256(0xc025),
    A256_SHA384(0xc026),
    A128_SHA256(0xc027),
    A256_SHA384(0xc028),
    A128_SHA256(0xc029),
    A256_SHA384(0xc02a),
    DES3_SHA(0xc034),
    A128_SHA(0xc035),
    A256_SHA(0xc036),
    A128_SHA256(0xc037),
    A256_SHA384(0xc038),
};

const struct tlsdec_suite *
tlsdec_suite_find(uint16_t id)
{
	size_t i;

	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i].id == id)
			return &suites[i];
	return NULL;
}

size_t
tlsdec_hash_len(enum tlsdec_hash h)
{
	return h == TLSDEC_SHA384 ? 48 : 32;
}

static int
wc_hash_type(enum tlsdec_hash h)
{
	return h == TLSDEC_SHA384 ? WC_SHA384 : WC_SHA256;
}

/* Clear key material so that it does not outlive its use in memory that
 * is freed or reused (explicit_bzero is not optimised away). */
static void
wipe(void *p, size_t n)
{
	explicit_bzero(p, n);
}

int
tlsdec_hkdf_expand_label(enum tlsdec_hash h, const uint8_t *secret,
			 size_t secret_len, const char *label,
			 const uint8_t *context, size_t context_len,
			 uint8_t *out, size_t out_len)
{
	/* struct HkdfLabel: uint16 length; opaque label<7..255> = "tls13 "
	 * + Label; opaque context<0..255>.  At most 2 + 1 + 255 + 1 + 255. */
	static const char prefix[] = "tls13 ";
	uint8_t info[2 + 1 + 255 + 1 + 255];
	size_t label_len, n = 0;
	int rc;

	if (secret == NULL || label == NULL || out == NULL ||
	    (context == NULL && context_len != 0))
		return TLSDEC_E_ARG;
	label_len = strlen(label);
	if (label_len > 255 - (sizeof(prefix) - 1) || context_len > 255 ||
	    out_len == 0 || out_len > 255 * tlsdec_hash_len(h) ||
	    secret_len == 0 || secret_len > UINT32_MAX)
		return TLSDEC_E_ARG;
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)(sizeof(prefix) - 1 + label_len);
	memcpy(info + n, prefix, sizeof(prefix) - 1);
	n += sizeof(prefix) - 1;
	memcpy(info + n, label, label_len);
	n += label_len;
	info[n++] = (uint8_t)context_len;
	if (context_len != 0)
		memcpy(info + n, context, context_len);
	n += context_len;

	rc = wc_HKDF_Expand(wc_hash_type(h), secret, (word32)secret_len, info,
			    (word32)n, out, (word32)out_len);
	return rc == 0 ? TLSDEC_OK : TLSDEC_E_CRYPTO;
}

static void
dir_reset(struct tlsdec_dir *d)
{
	wipe(d->key, sizeof(d->key));
	wipe(d->iv, sizeof(d->iv));
	wipe(d->mac_key, sizeof(d->mac_key));
	d->suite = NULL;
	d->seq = 0;
	d->version = 0;
	d->etm = false;
}

int
tlsdec_dir_init(struct tlsdec_dir *d, uint16_t suite, const uint8_t *secret,
		size_t len)
{
	const struct tlsdec_suite *s = tlsdec_suite_find(suite);
	int rc;

	if (d == NULL)
		return TLSDEC_E_ARG;
	dir_reset(d);
	if (s == NULL || s->version != 13)
		return TLSDEC_E_UNSUPPORTED;
	if (secret == NULL || len != tlsdec_hash_len(s->hash))
		return TLSDEC_E_ARG;
	rc = tlsdec_hkdf_expand_label(s->hash, secret, len, "key", NULL, 0,
				      d->key, s->key_len);
	if (rc == TLSDEC_OK)
		rc = tlsdec_hkdf_expand_label(s->hash, secret, len, "iv", NULL,
					      0, d->iv, s->iv_len);
	if (rc != TLSDEC_OK) {
		dir_reset(d);
		return rc;
	}
	d->suite = s;
	return TLSDEC_OK;
}

int
tlsdec_tls12_init(struct tlsdec_dir *client, struct tlsdec_dir *server,
		  uint16_t suite, uint16_t version, bool etm,
		  const uint8_t *master, size_t master_len,
		  const uint8_t client_random[32],
		  const uint8_t server_random[32])
{
	static const char label[] = "key expansion";
	const struct tlsdec_suite *s = tlsdec_suite_find(suite);
	uint8_t seed[sizeof(label) - 1 + 64];
	uint8_t kb[2 * (TLSDEC_MAC_MAX + TLSDEC_KEY_MAX + TLSDEC_IV_MAX)];
	size_t kb_len, off = 0;
	int rc;

	if (client == NULL || server == NULL)
		return TLSDEC_E_ARG;
	dir_reset(client);
	dir_reset(server);
	if (s == NULL || s->version != 12)
		return TLSDEC_E_UNSUPPORTED;
	/* The AEAD suites exist in TLS 1.2 only; CBC from TLS 1.0 on. */
	if (version != 0x0303 &&
	    (s->block == 0 || version < 0x0301 || version > 0x0303))
		return TLSDEC_E_UNSUPPORTED;
	if (master == NULL || master_len != 48 || client_random == NULL ||
	    server_random == NULL)
		return TLSDEC_E_ARG;

	/* RFC 5246 5: PRF(secret, label, seed) = P_hash(secret, label +
	 * seed); 6.3: the seed is server_random + client_random.  TLS 1.0
	 * and 1.1 (RFC 2246 5): P_MD5 of the first half of the secret XOR
	 * P_SHA1 of the second. */
	memcpy(seed, label, sizeof(label) - 1);
	memcpy(seed + sizeof(label) - 1, server_random, 32);
	memcpy(seed + sizeof(label) - 1 + 32, client_random, 32);
	kb_len = 2 * ((size_t)s->mac_len + s->key_len + s->iv_len);
	if (version == 0x0303)
		rc = wc_PRF(kb, (word32)kb_len, master, (word32)master_len,
			    seed, (word32)sizeof(seed),
			    s->hash == TLSDEC_SHA384 ? sha384_mac : sha256_mac,
			    NULL, INVALID_DEVID);
	else
		rc = wc_PRF_TLSv1(
		    kb, (word32)kb_len, master, (word32)master_len, seed,
		    (word32)sizeof(label) - 1, seed + sizeof(label) - 1, 64,
		    NULL, INVALID_DEVID);
	if (rc != 0) {
		wipe(kb, sizeof(kb));
		return TLSDEC_E_CRYPTO;
	}
	/* 6.3: client_write_MAC_key, server_write_MAC_key (CBC only: the
	 * AEAD ciphers have none), client_write_key, server_write_key,
	 * client_write_IV, server_write_IV. */
	memcpy(client->mac_key, kb + off, s->mac_len);
	off += s->mac_len;
	memcpy(server->mac_key, kb + off, s->mac_len);
	off += s->mac_len;
	memcpy(client->key, kb + off, s->key_len);
	off += s->key_len;
	memcpy(server->key, kb + off, s->key_len);
	off += s->key_len;
	memcpy(client->iv, kb + off, s->iv_len);
	off += s->iv_len;
	memcpy(server->iv, kb + off, s->iv_len);
	wipe(kb, sizeof(kb));
	client->suite = s;
	server->suite = s;
	client->version = server->version = version;
	client->etm = server->etm = etm && s->block != 0;
	return TLSDEC_OK;
}

void
tlsdec_dir_wipe(struct tlsdec_dir *d)
{
	if (d != NULL)
		dir_reset(d);
}

/* RFC 8446 5.3, RFC 7905 2: the 64-bit sequence number, big-endian and
 * left-padded with zeros to 12 bytes, XORed into the 12-byte IV. */
static void
xor_nonce(uint8_t nonce[12], const uint8_t iv[12], uint64_t seq)
{
	int i;

	memcpy(nonce, iv, 12);
	for (i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
}

/* Run the suite's AEAD; returns TLSDEC_OK, TLSDEC_E_AUTH or
 * TLSDEC_E_CRYPTO.  in and out may be the same buffer. */
static int
aead_open(const struct tlsdec_dir *d, const uint8_t *nonce, size_t nonce_len,
	  const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t n,
	  const uint8_t *tag, uint8_t *out)
{
	const struct tlsdec_suite *s = d->suite;
	Aes aes;
	int rc;

	if (s->aead == TLSDEC_CHACHA20_POLY1305) {
		if (nonce_len != CHACHA20_POLY1305_AEAD_IV_SIZE)
			return TLSDEC_E_CRYPTO;
		rc = wc_ChaCha20Poly1305_Decrypt(d->key, nonce, aad,
						 (word32)aad_len, in, (word32)n,
						 tag, out);
		if (rc == MAC_CMP_FAILED_E)
			return TLSDEC_E_AUTH;
		return rc == 0 ? TLSDEC_OK : TLSDEC_E_CRYPTO;
	}

	if (wc_AesInit(&aes, NULL, INVALID_DEVID) != 0)
		return TLSDEC_E_CRYPTO;
	switch (s->aead) {
	case TLSDEC_AES_128_GCM:
	case TLSDEC_AES_256_GCM:
		rc = wc_AesGcmSetKey(&aes, d->key, s->key_len);
		if (rc == 0)
			rc = wc_AesGcmDecrypt(&aes, out, in, (word32)n, nonce,
					      (word32)nonce_len, tag,
					      s->tag_len, aad, (word32)aad_len);
		rc = rc == AES_GCM_AUTH_E ? TLSDEC_E_AUTH
		     : rc == 0		  ? TLSDEC_OK
					  : TLSDEC_E_CRYPTO;
		break;
#ifdef HAVE_AESCCM
	case TLSDEC_AES_128_CCM:
	case TLSDEC_AES_128_CCM_8:
	case TLSDEC_AES_256_CCM:
	case TLSDEC_AES_256_CCM_8:
		rc = wc_AesCcmSetKey(&aes, d->key, s->key_len);
		if (rc == 0)
			rc = wc_AesCcmDecrypt(&aes, out, in, (word32)n, nonce,
					      (word32)nonce_len, tag,
					      s->tag_len, aad, (word32)aad_len);
		rc = rc == AES_CCM_AUTH_E ? TLSDEC_E_AUTH
		     : rc == 0		  ? TLSDEC_OK
					  : TLSDEC_E_CRYPTO;
		break;
#endif
	default:
		rc = TLSDEC_E_UNSUPPORTED;
		break;
	}
	wc_AesFree(&aes);
	/* The Aes struct holds the expanded key schedule. */
	wipe(&aes, sizeof(aes));
	return rc;
}

/* What TLS <= 1.2 authenticates before a record's content (RFC 5246
 * 6.2.3.1 and 6.2.3.3): seq_num + type + version + length, 13 bytes. */
static void
tls12_pseudo_header(uint8_t out[13], uint64_t seq, uint8_t type,
		    uint16_t version, size_t len)
{
	int i;

	for (i = 0; i < 8; i++)
		out[i] = (uint8_t)(seq >> (56 - 8 * i));
	out[8] = type;
	out[9] = (uint8_t)(version >> 8);
	out[10] = (uint8_t)version;
	out[11] = (uint8_t)(len >> 8);
	out[12] = (uint8_t)len;
}

/* The record MAC of a CBC suite (RFC 5246 6.2.3.1): HMAC over seq_num +
 * type + version + length + the n bytes at p (the content; with
 * encrypt_then_mac, RFC 7366 3, the IV and ciphertext).  0 or a wolfCrypt
 * error. */
static int
cbc_mac(const struct tlsdec_dir *d, uint8_t type, uint16_t version,
	const uint8_t *p, size_t n, uint8_t mac[TLSDEC_MAC_MAX])
{
	static const int wc[] = {WC_HASH_TYPE_NONE, WC_SHA, WC_SHA256,
				 WC_SHA384};
	const struct tlsdec_suite *s = d->suite;
	uint8_t pre[13];
	Hmac h;
	int rc;

	if (s->mac == TLSDEC_MAC_NONE || s->mac >= sizeof(wc) / sizeof(wc[0]))
		return BAD_FUNC_ARG;
	tls12_pseudo_header(pre, d->seq, type, version, n);
	rc = wc_HmacInit(&h, NULL, INVALID_DEVID);
	if (rc != 0)
		return rc;
	rc = wc_HmacSetKey(&h, wc[s->mac], d->mac_key, s->mac_len);
	if (rc == 0)
		rc = wc_HmacUpdate(&h, pre, sizeof(pre));
	if (rc == 0 && n > 0)
		rc = wc_HmacUpdate(&h, p, (word32)n);
	if (rc == 0)
		rc = wc_HmacFinal(&h, mac);
	wc_HmacFree(&h);
	/* The Hmac struct holds the key's pads. */
	wipe(&h, sizeof(h));
	return rc;
}

/* CBC-decrypt n bytes (whole blocks) in place. */
static int
cbc_decrypt(const struct tlsdec_dir *d, const uint8_t *iv, uint8_t *buf,
	    size_t n)
{
	const struct tlsdec_suite *s = d->suite;
	int rc;

	if (s->aead == TLSDEC_3DES_EDE_CBC) {
		Des3 des;

		rc = wc_Des3Init(&des, NULL, INVALID_DEVID);
		if (rc == 0) {
			rc = wc_Des3_SetKey(&des, d->key, iv, DES_DECRYPTION);
			if (rc == 0)
				rc = wc_Des3_CbcDecrypt(&des, buf, buf,
							(word32)n);
			wc_Des3Free(&des);
		}
		wipe(&des, sizeof(des));
	} else {
		Aes aes;

		rc = wc_AesInit(&aes, NULL, INVALID_DEVID);
		if (rc == 0) {
			rc = wc_AesSetKey(&aes, d->key, s->key_len, iv,
					  AES_DECRYPTION);
			if (rc == 0)
				rc =
				    wc_AesCbcDecrypt(&aes, buf, buf, (word32)n);
			wc_AesFree(&aes);
		}
		wipe(&aes, sizeof(aes));
	}
	return rc == 0 ? TLSDEC_OK : TLSDEC_E_CRYPTO;
}

/* Compare two MACs without an early exit. */
static bool
mac_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t diff = 0;
	size_t i;

	for (i = 0; i < n; i++)
		diff |= (uint8_t)(a[i] ^ b[i]);
	return diff == 0;
}

/* Open a CBC record (RFC 5246 6.2.3.2): [explicit IV] ciphertext, which
 * decrypts to content + MAC + padding (MAC-then-encrypt), or, with
 * encrypt_then_mac, [IV] ciphertext MAC, the padding inside the
 * ciphertext.  Same contract as tlsdec_record(). */
static int
cbc_open(struct tlsdec_dir *d, uint8_t type, uint16_t version,
	 const uint8_t *ct, size_t len, uint8_t *out, size_t *outlen,
	 uint8_t *inner_type)
{
	const struct tlsdec_suite *s = d->suite;
	size_t bs = s->block, ml = s->mac_len;
	size_t ivl = d->version >= 0x0302 ? bs : 0;
	size_t clen, n, pad, i;
	uint8_t iv[TLSDEC_IV_MAX], last[TLSDEC_IV_MAX];
	uint8_t mac[TLSDEC_MAC_MAX], want[TLSDEC_MAC_MAX];
	uint8_t bad = 0;
	const uint8_t *body;
	struct cur c = cur_make(ct, len);
	int rc = TLSDEC_OK;

	/* After any explicit IV: whole blocks, at least one, and (MAC
	 * first) room for the MAC and the padding length byte. */
	if (len > TLSDEC_RECORD12_MAX || len < ml)
		goto malformed;
	clen = d->etm ? len - ml : len;
	if (clen < ivl + bs || (clen - ivl) % bs != 0 ||
	    (!d->etm && clen - ivl < ml + 1))
		goto malformed;
	n = clen - ivl;
	/* [IV] ciphertext [MAC], carved with the cursor. */
	if (ivl != 0)
		cur_bytes(&c, ivl, iv);
	else
		memcpy(iv, d->iv, bs);
	body = c.p;
	cur_skip(&c, n);
	if (d->etm)
		cur_bytes(&c, ml, want);
	if (c.bad || c.left != 0)
		goto malformed;
	memcpy(last, body + n - bs, bs); /* TLS 1.0: the next IV */
	if (d->etm) {
		if (cbc_mac(d, type, version, ct, clen, mac) != 0) {
			rc = TLSDEC_E_CRYPTO;
			goto fail;
		}
		if (!mac_equal(mac, want, ml)) {
			rc = TLSDEC_E_AUTH;
			goto fail;
		}
	}
	/* The plaintext starts at out[0]: move the ciphertext there and
	 * decrypt in place (out may be ct itself). */
	memmove(out, body, n);
	rc = cbc_decrypt(d, iv, out, n);
	if (rc != TLSDEC_OK)
		goto fail;
	/* The padding: its length byte last, and as many bytes of that
	 * value before it (RFC 5246 6.2.3.2). */
	pad = out[n - 1];
	if (pad + 1 > n - (d->etm ? 0 : ml)) {
		bad = 1;
	} else {
		for (i = n - 1 - pad; i < n - 1; i++)
			bad |= (uint8_t)(out[i] ^ pad);
		n -= pad + 1;
	}
	if (bad == 0 && !d->etm) {
		n -= ml;
		memcpy(want, out + n, ml);
		if (cbc_mac(d, type, version, out, n, mac) != 0) {
			rc = TLSDEC_E_CRYPTO;
			goto fail;
		}
		bad = !mac_equal(mac, want, ml);
	}
	if (bad != 0) {
		/* MAC-then-encrypt: wrong keys give random padding and MAC.
		 * Encrypt-then-MAC: the record was authentic, its padding
		 * is not. */
		rc = d->etm ? TLSDEC_E_MALFORMED : TLSDEC_E_AUTH;
		goto fail;
	}
	if (ivl == 0)
		memcpy(d->iv, last, bs);
	wipe(iv, sizeof(iv));
	wipe(mac, sizeof(mac));
	wipe(want, sizeof(want));
	/* Padding and MAC are not content. */
	memset(out + n, 0, len - n);
	d->seq++;
	d->records_ok++;
	*inner_type = type;
	*outlen = n;
	return TLSDEC_OK;

malformed:
	rc = TLSDEC_E_MALFORMED;
fail:
	wipe(iv, sizeof(iv));
	wipe(mac, sizeof(mac));
	wipe(want, sizeof(want));
	memset(out, 0, len);
	d->records_failed++;
	return rc;
}

int
tlsdec_record(struct tlsdec_dir *d, const uint8_t hdr[5], const uint8_t *ct,
	      size_t len, uint8_t *out, size_t *outlen, uint8_t *inner_type)
{
	const struct tlsdec_suite *s;
	struct cur c, h;
	uint8_t type, nonce[12], aad[13];
	uint16_t version, rlen;
	const uint8_t *body, *tag;
	size_t n, aad_len, nonce_len;
	int rc;

	if (outlen != NULL)
		*outlen = 0;
	if (inner_type != NULL)
		*inner_type = 0;
	if (d == NULL || hdr == NULL || out == NULL || outlen == NULL ||
	    inner_type == NULL || (ct == NULL && len != 0))
		return TLSDEC_E_ARG;
	s = d->suite;
	if (s == NULL) {
		d->records_failed++;
		return TLSDEC_E_ARG;
	}
	h = cur_make(hdr, 5);
	cur_u8(&h, &type);
	cur_u16(&h, &version);
	cur_u16(&h, &rlen);
	if (h.bad || rlen != len) {
		d->records_failed++;
		return TLSDEC_E_ARG;
	}
	if (s->block != 0)
		return cbc_open(d, type, version, ct, len, out, outlen,
				inner_type);

	c = cur_make(ct, len);
	if (s->version == 13) {
		/* RFC 8446 5.2: the header is the additional data; the
		 * ciphertext is at most 2^14 + 256 bytes and holds at least
		 * the content type and the tag. */
		if (len > TLSDEC_RECORD13_MAX || len < (size_t)s->tag_len + 1)
			goto malformed;
		n = len - s->tag_len;
		memcpy(aad, hdr, 5);
		aad_len = 5;
		xor_nonce(nonce, d->iv, d->seq);
		nonce_len = 12;
	} else {
		/* RFC 5246 6.2.3.3: the GCM and CCM nonce is the 4-byte
		 * implicit salt, then the 8-byte explicit nonce carried in
		 * the record; RFC 7905 2: ChaCha20 builds it like TLS 1.3.
		 * The additional data is seq_num + type + version + the
		 * plaintext length. */
		if (len > TLSDEC_RECORD12_MAX ||
		    len < (size_t)s->explicit_len + s->tag_len)
			goto malformed;
		if (s->explicit_len != 0) {
			memcpy(nonce, d->iv, 4);
			cur_bytes(&c, s->explicit_len, nonce + 4);
			nonce_len = 4 + (size_t)s->explicit_len;
		} else {
			xor_nonce(nonce, d->iv, d->seq);
			nonce_len = 12;
		}
		n = len - s->explicit_len - s->tag_len;
		tls12_pseudo_header(aad, d->seq, type, version, n);
		aad_len = 13;
	}
	/* What is left is the encrypted content, then the tag: carve both
	 * from the cursor so neither can reach past `len`. */
	body = c.p;
	if (!cur_skip(&c, n))
		goto malformed;
	tag = c.p;
	if (!cur_skip(&c, s->tag_len) || c.left != 0)
		goto malformed;
	/* Decrypting in place, the plaintext lands at the start of `out`
	 * while the TLS 1.2 ciphertext starts after the explicit nonce: move
	 * it there first so that the AEAD never sees overlapping buffers. */
	if (out == ct && body != out) {
		uint8_t tagcopy[TLSDEC_TAG_MAX];

		memcpy(tagcopy, tag, s->tag_len);
		memmove(out, body, n);
		body = out;
		rc = aead_open(d, nonce, nonce_len, aad, aad_len, body, n,
			       tagcopy, out);
	} else {
		rc = aead_open(d, nonce, nonce_len, aad, aad_len, body, n, tag,
			       out);
	}
	wipe(nonce, sizeof(nonce));
	if (rc != TLSDEC_OK) {
		/* Never leave unauthenticated plaintext behind. */
		memset(out, 0, len);
		d->records_failed++;
		return rc;
	}
	d->seq++;

	if (s->version == 12) {
		*inner_type = type;
		*outlen = n;
		d->records_ok++;
		return TLSDEC_OK;
	}
	/* RFC 8446 5.4: TLSInnerPlaintext is content || type || zeros; the
	 * type is the last non-zero byte.  All zeros is an error
	 * (unexpected_message) though the record was authentic. */
	while (n > 0 && out[n - 1] == 0)
		n--;
	if (n == 0) {
		d->records_failed++;
		return TLSDEC_E_MALFORMED;
	}
	*inner_type = out[n - 1];
	*outlen = n - 1;
	d->records_ok++;
	return TLSDEC_OK;

malformed:
	memset(out, 0, len);
	d->records_failed++;
	return TLSDEC_E_MALFORMED;
}

const char *
tlsdec_strerror(int status)
{
	switch (status) {
	case TLSDEC_OK:
		return "ok";
	case TLSDEC_E_AUTH:
		return "auth";
	case TLSDEC_E_UNSUPPORTED:
		return "unsupported";
	case TLSDEC_E_MALFORMED:
		return "malformed";
	case TLSDEC_E_ARG:
		return "arg";
	case TLSDEC_E_CRYPTO:
		return "crypto";
	}
	return "unknown";
}
