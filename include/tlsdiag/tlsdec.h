/* tlsdec.h -- TLS record decryption with secrets from a key log: the TLS 1.3
 * key schedule's last step and record protection, and the TLS 1.2 AEAD
 * suites.
 *
 * A `struct tlsdec_dir` is the read state of one direction of one
 * connection in one epoch: the suite, the write key and IV of the sender,
 * and the sequence number of the next record.  The record layer owns one
 * per direction and calls tlsdec_record() for each protected record, in
 * order; each authenticated record advances the sequence number by one.
 *
 * TLS 1.3 (RFC 8446): tlsdec_dir_init() derives key and iv from a traffic
 * secret with HKDF-Expand-Label (7.1, 7.3); records are opened per 5.2-5.3
 * (nonce = iv XOR the 64-bit sequence number, additional data = the 5-byte
 * record header) and the inner plaintext's zero padding is stripped to find
 * the real content type.  An epoch is one traffic secret: the sender's
 * handshake traffic secret from the first record after its ServerHello
 * (server) or its first type-23 record (client), then its
 * *_TRAFFIC_SECRET_0 from the record after the one that completed its
 * Finished message: the record layer calls tlsdec_dir_init() again, which
 * sets the sequence number back to 0.
 *
 * TLS 1.2 (RFC 5246 5 and 6.2.3.3, RFC 5288, RFC 6655, RFC 7905):
 * tlsdec_tls12_init() expands the master secret of a CLIENT_RANDOM line into
 * the key block (PRF with the suite's hash) and fills both directions; each
 * direction's first protected record is the one after its ChangeCipherSpec
 * (its Finished), sequence number 0.  AES-GCM and AES-CCM carry an 8-byte
 * explicit nonce after the header; ChaCha20-Poly1305 builds its nonce like
 * TLS 1.3.
 *
 * CBC suites (AES-128, AES-256, 3DES with HMAC-SHA1, -SHA256 or -SHA384;
 * TLS 1.0, 1.1 and 1.2): RFC 5246 6.2.3.2 and RFC 2246/4346 (the TLS 1.0
 * and 1.1 PRF, MD5 and SHA-1 together).  TLS 1.1 and 1.2 records start with
 * an explicit IV; in TLS 1.0 the IV is the key block's, then the last
 * ciphertext block of the record before.  MAC-then-encrypt: the padding
 * and the MAC are checked after decryption, and a failure of either is
 * TLSDEC_E_AUTH (wrong keys give random padding); with encrypt_then_mac
 * (RFC 7366) the MAC over the ciphertext is checked first.  Stream suites
 * (RC4, NULL) are not supported (TLSDEC_E_UNSUPPORTED).
 *
 * Ownership: a tlsdec_dir is plain memory owned by its embedder (about 140
 * bytes, no heap); it holds key material, so tlsdec_dir_wipe() clears it
 * when the connection ends.  Nothing here keeps a pointer to its arguments.
 *
 * It never prints, logs or returns a secret, key or IV except into the
 * caller's buffers; never writes unauthenticated plaintext to the caller
 * (on an authentication failure `out` is zeroed); never reads outside the
 * lengths it is given; never allocates.
 */
#ifndef TLSDIAG_TLSDEC_H
#define TLSDIAG_TLSDEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Status: 0 ok, negative errors (the record layer's sign convention). */
#define TLSDEC_OK 0
#define TLSDEC_E_AUTH                                                          \
	(-1) /* tag mismatch: wrong keys, wrong                                \
		sequence number or altered bytes */
#define TLSDEC_E_UNSUPPORTED                                                   \
	(-2) /* suite not supported, or a TLS 1.2                              \
		suite given to tlsdec_dir_init() and                           \
		the reverse */
#define TLSDEC_E_MALFORMED                                                     \
	(-3) /* record too short for nonce and tag,                            \
		longer than the RFC allows, or (TLS                            \
		1.3, authentic) inner plaintext all                            \
		zeros */
#define TLSDEC_E_ARG                                                           \
	(-4)		     /* direction not initialised, secret of           \
				the wrong length, header length not            \
				equal to len */
#define TLSDEC_E_CRYPTO (-5) /* wolfCrypt failed for another reason */

/* Largest key, IV, secret, tag and MAC key of any supported suite. */
#define TLSDEC_KEY_MAX 32
#define TLSDEC_IV_MAX 16     /* a CBC block: TLS 1.0's chained IV */
#define TLSDEC_SECRET_MAX 48 /* SHA-384 */
#define TLSDEC_TAG_MAX 16
#define TLSDEC_MAC_MAX 48 /* HMAC-SHA384 */

/* Longest protected record accepted: TLSCiphertext.length is at most
 * 2^14 + 256 in TLS 1.3 (RFC 8446 5.2) and 2^14 + 2048 before (RFC 5246
 * 6.2.3).  A plaintext never exceeds its ciphertext. */
#define TLSDEC_RECORD13_MAX (16384u + 256u)
#define TLSDEC_RECORD12_MAX (16384u + 2048u)

enum tlsdec_aead {
	TLSDEC_AES_128_GCM,
	TLSDEC_AES_256_GCM,
	TLSDEC_CHACHA20_POLY1305,
	TLSDEC_AES_128_CCM,
	TLSDEC_AES_128_CCM_8,
	TLSDEC_AES_256_CCM,
	TLSDEC_AES_256_CCM_8,
	/* Not AEAD: TLS <= 1.2 block ciphers with an HMAC. */
	TLSDEC_AES_128_CBC,
	TLSDEC_AES_256_CBC,
	TLSDEC_3DES_EDE_CBC
};

enum tlsdec_hash { TLSDEC_SHA256, TLSDEC_SHA384 };

/* The record MAC of a CBC suite (RFC 5246 6.2.3.1). */
enum tlsdec_mac {
	TLSDEC_MAC_NONE,
	TLSDEC_MAC_SHA1,
	TLSDEC_MAC_SHA256,
	TLSDEC_MAC_SHA384
};

/* What decryption needs to know about a cipher suite. */
struct tlsdec_suite {
	uint16_t id;	      /* IANA value */
	uint8_t version;      /* 13: TLS 1.3 suite; 12: TLS <= 1.2 suite */
	uint8_t aead;	      /* enum tlsdec_aead: the cipher */
	uint8_t hash;	      /* enum tlsdec_hash: HKDF or TLS 1.2 PRF hash */
	uint8_t key_len;      /* bytes */
	uint8_t iv_len;	      /* 12; TLS 1.2 GCM/CCM: 4 (implicit salt);
				 CBC: the block size */
	uint8_t explicit_len; /* TLS 1.2 GCM/CCM: 8; else 0 */
	uint8_t tag_len;      /* 16; CCM_8: 8; CBC: 0 */
	uint8_t mac;	      /* enum tlsdec_mac: CBC; else NONE */
	uint8_t mac_len;      /* CBC: 20, 32 or 48; else 0 */
	uint8_t block;	      /* CBC: 16 (AES) or 8 (3DES); else 0 */
};

/* The suite's parameters, or NULL if it cannot be decrypted here. */
const struct tlsdec_suite *tlsdec_suite_find(uint16_t id);

/* Bytes of the suite's hash (32 or 48): the length of its TLS 1.3
 * traffic secrets. */
size_t tlsdec_hash_len(enum tlsdec_hash h);

/* The read state of one direction in one epoch. */
struct tlsdec_dir {
	const struct tlsdec_suite *suite; /* NULL: not initialised */
	uint64_t seq;			  /* next record's sequence number */
	uint64_t records_ok;		  /* authenticated records */
	uint64_t records_failed;	  /* records refused (any error) */
	uint8_t key[TLSDEC_KEY_MAX];	  /* secret */
	uint8_t iv[TLSDEC_IV_MAX];	  /* secret */
	uint8_t mac_key[TLSDEC_MAC_MAX];  /* secret: CBC suites */
	uint16_t version; /* TLS <= 1.2: the negotiated version, as in the
			     MAC and the record header (0x0301-0x0303) */
	bool etm;	  /* CBC: encrypt_then_mac (RFC 7366) */
};

/*
 * RFC 8446 7.1: HKDF-Expand-Label(secret, label, context, out_len) with the
 * suite's hash; `label` is given without the "tls13 " prefix (at most 249
 * bytes), the context at most 255 bytes, out_len at most 255 * hash length.
 * Returns TLSDEC_OK, TLSDEC_E_ARG or TLSDEC_E_CRYPTO.
 */
int tlsdec_hkdf_expand_label(enum tlsdec_hash h, const uint8_t *secret,
			     size_t secret_len, const char *label,
			     const uint8_t *context, size_t context_len,
			     uint8_t *out, size_t out_len)
    __attribute__((warn_unused_result));

/*
 * TLS 1.3: start an epoch of `d` from a traffic secret of `len` bytes
 * (CLIENT_/SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_/SERVER_TRAFFIC_SECRET_0,
 * CLIENT_EARLY_TRAFFIC_SECRET): key = HKDF-Expand-Label(secret, "key", "",
 * key_len), iv = HKDF-Expand-Label(secret, "iv", "", 12); sequence number
 * 0, counters kept.  `len` must be the suite's hash length.  On any error
 * `d` is left not initialised (suite NULL, keys zeroed).
 */
int tlsdec_dir_init(struct tlsdec_dir *d, uint16_t suite, const uint8_t *secret,
		    size_t len) __attribute__((warn_unused_result));

/*
 * TLS <= 1.2: key_block = PRF(master_secret, "key expansion",
 * server_random + client_random) (RFC 5246 6.3), cut into the client and
 * server MAC keys (CBC suites only), write keys and IVs; fills `client` and
 * `server` with sequence number 0.  `version` is the negotiated one
 * (0x0303 for the AEAD suites; 0x0301-0x0303 for CBC, whose PRF, IV and MAC
 * depend on it); `etm`: the ServerHello agreed to encrypt_then_mac (used by
 * CBC suites only).  `master_len` must be 48.  On any error both are left
 * not initialised.
 */
int tlsdec_tls12_init(struct tlsdec_dir *client, struct tlsdec_dir *server,
		      uint16_t suite, uint16_t version, bool etm,
		      const uint8_t *master, size_t master_len,
		      const uint8_t client_random[32],
		      const uint8_t server_random[32])
    __attribute__((warn_unused_result));

/*
 * Open one protected record of d's direction.  `hdr` is its 5-byte header
 * as on the wire (type, version, length; the length must equal `len`),
 * `ct` its `len` body bytes.  `out` has room for `len` bytes; it may be
 * `ct` itself (decryption in place) but must not overlap it otherwise.
 *
 * On TLSDEC_OK: out[0 .. *outlen) is the content and *inner_type its real
 * content type (TLS 1.3: found after the padding, RFC 8446 5.4; TLS 1.2:
 * the header's type); the sequence number has advanced.  On
 * TLSDEC_E_MALFORMED for an authentic TLS 1.3 record whose inner plaintext
 * is all zeros, the sequence number has advanced too (the record used
 * it); on every other error it has not, so the caller may try other keys
 * for the same record (for instance after rejected 0-RTT data, RFC 8446
 * 4.2.10), and *outlen is 0 and `out` zeroed.
 */
int tlsdec_record(struct tlsdec_dir *d, const uint8_t hdr[5], const uint8_t *ct,
		  size_t len, uint8_t *out, size_t *outlen, uint8_t *inner_type)
    __attribute__((warn_unused_result));

/* Forget the keys (zeroed so that they do not linger in freed memory);
 * `d` is not initialised afterwards. */
void tlsdec_dir_wipe(struct tlsdec_dir *d);

/* Stable name of a status ("ok", "auth", "unsupported", ...). */
const char *tlsdec_strerror(int status);

#endif
