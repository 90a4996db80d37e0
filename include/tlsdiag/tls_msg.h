/* tls_msg.h -- TLS handshake messages and alerts decoded into facts.
 *
 * tls_msg turns complete handshake messages (assembled by tls_record) into
 * `struct tls_facts`: what each side offered and chose, as raw numeric
 * values in wire order (GREASE kept), the certificates' DER bytes, alerts
 * with their context, a log of what was seen in which order, and named
 * anomaly counters.  The facts of one connection are what the consumer
 * (conn) reads to decide established / failed / incomplete / not_tls; they
 * say what was on the wire, never what it means.
 *
 * Messages: ClientHello (RFC 8446 4.1.2, RFC 5246 7.4.1.2) and the
 * SSLv2-compatible one (RFC 5246 E.2); ServerHello and HelloRetryRequest
 * (RFC 8446 4.1.3, 4.1.4); Certificate in the TLS <= 1.2 form (RFC 5246
 * 7.4.2) and the TLS 1.3 form (RFC 8446 4.4.2); CertificateStatus (RFC 6066
 * 8, RFC 6961); ServerKeyExchange (RFC 8422 5.4, RFC 5246 7.4.3, RFC 4279
 * 2-3, RFC 5489 2); CertificateRequest (RFC 5246 7.4.4, RFC 8446 4.3.2);
 * EncryptedExtensions (RFC 8446 4.3.1), NewSessionTicket (RFC 5077 3.3,
 * RFC 8446 4.6.1); ServerHelloDone, ClientKeyExchange, CertificateVerify
 * and Finished by presence and length.  Extensions: server_name (RFC 6066
 * 3), status_request (RFC 6066 8), supported_groups and ec_point_formats
 * (RFC 8422 5.1), signature_algorithms (RFC 8446 4.2.3), ALPN (RFC 7301),
 * extended_master_secret (RFC 7627), session_ticket (RFC 5077),
 * pre_shared_key, early_data, supported_versions, key_share (RFC 8446 4.2),
 * renegotiation_info (RFC 5746), encrypted_client_hello (draft-ietf-tls-esni
 * 0xfe0d).  GREASE values (RFC 8701) are kept raw in every list and
 * noted in a flag (`grease`).
 *
 * Ownership: a `struct tls_facts` is embedded in its owner (struct tls_conn)
 * and owns the certificate and OCSP buffers it points to and the second
 * ClientHello; all of them are charged to the connection's membudget and
 * freed by tls_facts_free().  Every other field is fixed-size: lists longer
 * than their cap (caps.h) keep the first entries, set a `*_truncated` flag,
 * count the total and count the `list_truncated` anomaly.
 *
 * It never reads a byte outside the message it is given (every vector is a
 * sub-cursor), never allocates except the second ClientHello (after the
 * budget agreed; certificate and OCSP bytes are buffers tls_record hands
 * over, adopted without copying), never interprets (no labels, no names:
 * tls_names.h names values), and never formats attacker-chosen bytes (SNI,
 * ALPN, certificates are kept raw; output modules escape them).
 *
 * Size: a struct tls_facts is about 5 KB (the ClientHello's fixed arrays
 * are most of it); with no message buffered it owns no heap memory.
 */
#ifndef TLSDIAG_TLS_MSG_H
#define TLSDIAG_TLS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsdiag/caps.h"
#include "tlsdiag/cur.h"
#include "tlsdiag/mem.h"
#include "tlsdiag/tls_detect.h"

/* Directions, as the consumer feeds them. */
#define TLS_DIR_C2S 0 /* client to server */
#define TLS_DIR_S2C 1 /* server to client */

/* Status of the functions of tls_msg and tls_record: 0 ok, positive "need
 * more bytes", negative errors. */
#define TLS_OK 0
#define TLS_E_MALFORMED (-1) /* a length lied: the unit is malformed */
#define TLS_E_NOT_TLS (-2)   /* the direction does not speak TLS */
#define TLS_E_VIOLATION (-3) /* record framing broken: direction stopped */
#define TLS_E_GAP (-4)	     /* bytes lost: direction stopped */
#define TLS_E_ARG (-5)	     /* bad argument (direction out of range) */

/* Numeric values (content types 20..24, handshake types, extension types,
 * versions) are the IANA ones; tls_names.h names them and defines the
 * constants (TLS_HS_CLIENT_HELLO, TLS_EXT_SERVER_NAME, tls_is_grease(), ...):
 * this header deliberately defines none of them, so both can be included. */

/* TLS 1.3, or one of its drafts (0x7fNN), as a negotiated version. */
static inline bool
tls_msg_version_is_13(uint16_t v)
{
	return v == 0x0304 || (v >> 8) == 0x7f;
}

/* Key exchange of a cipher suite, as far as the ServerKeyExchange layout
 * depends on it.  TLS_KX_OTHER: static RSA, PSK, SRP, static (EC)DH, ...;
 * TLS_KX_UNKNOWN: not in the table (or no ServerHello seen). */
enum tls_kx {
	TLS_KX_UNKNOWN,	  /* "unknown" */
	TLS_KX_RSA,	  /* "rsa": no ServerKeyExchange (export aside) */
	TLS_KX_DHE,	  /* "dhe": signed ServerDHParams */
	TLS_KX_ECDHE,	  /* "ecdhe": signed ServerECDHParams */
	TLS_KX_DH_ANON,	  /* "dh_anon": unsigned ServerDHParams */
	TLS_KX_ECDH_ANON, /* "ecdh_anon": unsigned ServerECDHParams */
	TLS_KX_DHE_PSK,	  /* "dhe_psk": hint, then ServerDHParams */
	TLS_KX_ECDHE_PSK, /* "ecdhe_psk": hint, then ServerECDHParams */
	TLS_KX_TLS13,	  /* "tls13": 0x13NN suites, key_share instead */
	TLS_KX_OTHER,	  /* "other" */
	TLS_KX_NKINDS
};

/* Where a direction stopped being parsed, and why (stable names). */
enum tls_stop {
	TLS_STOP_NONE,		     /* "none": still parsing */
	TLS_STOP_NOT_TLS,	     /* "not_tls": tls_detect said so */
	TLS_STOP_GAP,		     /* "gap": bytes were lost */
	TLS_STOP_RECORD_TOO_LONG,    /* "record_too_long" */
	TLS_STOP_RECORD_BAD_TYPE,    /* "record_bad_type" */
	TLS_STOP_RECORD_BAD_VERSION, /* "record_bad_version" */
	TLS_STOP_OPENVPN_FRAMING,    /* "openvpn_framing": OpenVPN framing lost */
	TLS_STOP_NREASONS
};

/* Anomalies: stable names, counted in tls_facts.anomaly[] (saturating).
 * X(id, name, meaning). */
#define TLS_ANOMALIES(X)                                                       \
	X(RECORD_TOO_LONG, "record_too_long",                                  \
	  "record longer than 2^14+2048 (RFC 5246 6.2.3): direction stops")    \
	X(RECORD_BAD_TYPE, "record_bad_type",                                  \
	  "record content type not 20..24: direction stops")                   \
	X(RECORD_BAD_VERSION, "record_bad_version",                            \
	  "record version major not 3: direction stops")                       \
	X(RECORD_EMPTY, "record_empty",                                        \
	  "empty handshake, alert or CCS record (RFC 5246 6.2.1)")             \
	X(HS_MSG_TOO_LONG, "hs_msg_too_long",                                  \
	  "handshake message over the cap: skipped, not decoded")              \
	X(HS_MEM_REFUSED, "hs_mem_refused",                                    \
	  "memory budget refused a handshake buffer: message skipped")         \
	X(HS_INTERLEAVED, "hs_interleaved",                                    \
	  "other record type inside a handshake message (RFC 8446 5.1)")       \
	X(HS_CUT_BY_CCS, "hs_cut_by_ccs",                                      \
	  "handshake message unfinished at ChangeCipherSpec: dropped")         \
	X(HS_UNKNOWN_TYPE, "hs_unknown_type",                                  \
	  "handshake message of a type not decoded here")                      \
	X(MALFORMED_CLIENT_HELLO, "malformed_client_hello",                    \
	  "ClientHello whose lengths lie")                                     \
	X(MALFORMED_SSLV2_HELLO, "malformed_sslv2_hello",                      \
	  "SSLv2-compatible ClientHello whose lengths lie")                    \
	X(MALFORMED_SERVER_HELLO, "malformed_server_hello",                    \
	  "ServerHello or HelloRetryRequest whose lengths lie")                \
	X(MALFORMED_EXTENSION, "malformed_extension",                          \
	  "hello extension whose content lies or breaks its RFC")              \
	X(DUPLICATE_EXTENSION, "duplicate_extension",                          \
	  "same extension twice in one hello (RFC 8446 4.2)")                  \
	X(PSK_NOT_LAST, "psk_not_last",                                        \
	  "pre_shared_key not the last extension (RFC 8446 4.2.11)")           \
	X(MALFORMED_CERTIFICATE, "malformed_certificate",                      \
	  "Certificate message whose lengths lie")                             \
	X(MALFORMED_CERT_STATUS, "malformed_cert_status",                      \
	  "CertificateStatus whose lengths lie")                               \
	X(MALFORMED_SKE, "malformed_server_key_exchange",                      \
	  "ServerKeyExchange whose lengths lie")                               \
	X(MALFORMED_CERT_REQUEST, "malformed_cert_request",                    \
	  "CertificateRequest whose lengths lie")                              \
	X(MALFORMED_HANDSHAKE, "malformed_handshake",                          \
	  "other handshake message of an impossible length")                   \
	X(MALFORMED_ALERT, "malformed_alert",                                  \
	  "plaintext alert bytes not a whole number of alerts")                \
	X(MALFORMED_CCS, "malformed_ccs",                                      \
	  "ChangeCipherSpec record other than the single byte 1")              \
	X(UNEXPECTED_MESSAGE, "unexpected_message",                            \
	  "hello repeated or sent by the wrong side")                          \
	X(LIST_TRUNCATED, "list_truncated",                                    \
	  "a decoded list was longer than its cap: first entries kept")        \
	X(CERTS_TRUNCATED, "certs_truncated",                                  \
	  "more certificates in a chain than TLS_CERTS_MAX")                   \
	X(GAP_STOP, "gap_stop",                                                \
	  "bytes lost where framing cannot resume: direction stops")           \
	X(GAP_SKIPPED, "gap_skipped",                                          \
	  "bytes lost inside an unparsed record: framing kept")                \
	X(HEARTBEAT, "heartbeat", "heartbeat record (RFC 6520)")               \
	X(NOT_TLS, "not_tls", "a direction did not start with TLS")            \
	X(DECRYPT_FAILED, "decrypt_failed",                                    \
	  "record did not open with the key log's keys: sizes only from here")

enum tls_anomaly {
#define TLS_ANOM_ENUM_(id, name, what) TLS_ANOM_##id,
	TLS_ANOMALIES(TLS_ANOM_ENUM_)
#undef TLS_ANOM_ENUM_
	    TLS_ANOM_COUNT
};

/* Message log entry kinds (stable names). */
enum tls_log_kind {
	TLS_LOG_HANDSHAKE, /* "handshake": plaintext message, type = hs type */
	TLS_LOG_SSLV2_HELLO, /* "sslv2_client_hello": type = 1 */
	TLS_LOG_CCS,	     /* "change_cipher_spec": type = 1 */
	TLS_LOG_ALERT,	     /* "alert": plaintext, type = description */
	TLS_LOG_ENCRYPTED,   /* "encrypted": unreadable record, type = its
				content type on the wire (23 always; 21/22 after
				a TLS <= 1.2 ChangeCipherSpec) */
	TLS_LOG_HEARTBEAT,   /* "heartbeat": type = 24 */
	TLS_LOG_GAP,	     /* "gap": bytes lost, len = how many (capped) */
	TLS_LOG_STOP,	     /* "stop": direction stopped, type = tls_stop */
	TLS_LOG_NKINDS
};

/* Log entry flags. */
#define TLS_LOGF_HRR 0x01	/* ServerHello that is a HelloRetryRequest */
#define TLS_LOGF_SKIPPED 0x02	/* message not decoded (cap or budget) */
#define TLS_LOGF_MALFORMED 0x04 /* message decoded, but it was malformed */
#define TLS_LOGF_COMPAT 0x08	/* TLS 1.3 compatibility CCS: no key change */
#define TLS_LOGF_DECRYPTED 0x10 /* handshake message or alert read from a
				   record decrypted with a key log; on an
				   "encrypted" entry: that record opened */

struct tls_log_entry {
	uint64_t ts_us; /* when the message or record was complete */
	uint32_t len;	/* message length (handshake), record length */
	uint8_t dir;	/* TLS_DIR_C2S or TLS_DIR_S2C */
	uint8_t kind;	/* enum tls_log_kind */
	uint8_t type;	/* see enum tls_log_kind */
	uint8_t flags;	/* TLS_LOGF_* */
};

/* An alert.  Plaintext ones are decoded; an alert record after a TLS <= 1.2
 * ChangeCipherSpec is known to be an alert (content type 21) but its level
 * and description are encrypted: `encrypted` is set, level and description
 * are 0 and only rec_len is known.  (A TLS 1.3 encrypted alert travels as
 * content type 23 and is only in the encrypted-record list.) */
struct tls_alert {
	uint64_t ts_us;
	uint16_t rec_len; /* length of the record that carried it */
	uint8_t dir;	  /* sender */
	uint8_t level;	  /* 1 warning, 2 fatal (RFC 5246 7.2) */
	uint8_t desc;	  /* AlertDescription */
	bool encrypted;
	bool decrypted; /* read from a record decrypted with a key log
			   (then encrypted is false) */
	int16_t after_hs_type; /* last plaintext handshake type seen before
				  it, either direction, wire order; -1 none */
	int8_t after_hs_dir;   /* who sent that message; -1 none */
	uint16_t log_index;    /* this alert's index in log[], or
				  UINT16_MAX when the log was full */
};

/* A record whose content could not be read (see TLS_LOG_ENCRYPTED). */
struct tls_enc_record {
	uint64_t ts_us; /* when the record was complete */
	uint16_t len;	/* record payload length: TLSCiphertext.length */
	uint8_t type;	/* content type on the wire */
	uint8_t inner;	/* decrypted with a key log: the real content type
			   (TLS 1.3: after the padding); 0 otherwise */
};

struct tls_client_hello {
	bool sslv2;		 /* SSLv2-compatible hello (RFC 5246 E.2) */
	bool skipped;		 /* seen, not decoded: over the cap or the
				    budget (every other field is zero) */
	bool malformed;		 /* its framing lied: fields from the fault on
				    are missing (anomaly counted) */
	bool has_extensions;	 /* an extensions block was present */
	bool grease;		 /* a GREASE value (RFC 8701) in a kept list:
				    suites, extensions, versions, groups,
				    sigalgs or key shares (kept raw there) */
	uint16_t legacy_version; /* client_version; SSLv2: version field */
	uint8_t random[32];	 /* SSLv2: the challenge, right-aligned with
				    leading zeros, as E.2 says */
	uint32_t gmt_unix_time;	 /* random[0..3], big-endian (RFC 5246) */
	uint8_t session_id_len;
	uint8_t session_id[32];

	/* Cipher suites in wire order, GREASE kept.  SSLv2: the 3-byte specs
	 * whose first byte is 0, as 16-bit suites (E.2). */
	uint16_t suites[TLS_SUITES_MAX];
	uint16_t nsuites;      /* kept */
	uint16_t suites_total; /* in the hello */
	bool suites_truncated;
	uint16_t sslv2_specs;	     /* SSLv2: cipher specs in total */
	uint8_t sslv2_challenge_len; /* SSLv2: challenge length (16..32) */

	uint8_t comp[TLS_COMP_MAX]; /* compression methods, wire order */
	uint8_t ncomp;
	uint8_t comp_total;
	bool comp_truncated;

	/* Extension types in wire order, GREASE kept. */
	uint16_t ext[TLS_EXT_MAX];
	uint16_t next;	    /* kept */
	uint16_t ext_total; /* in the hello */
	bool ext_truncated;
	uint16_t ext_malformed;	 /* extensions whose content lied */
	int32_t first_bad_ext;	 /* type of the first of them; -1 none */
	uint16_t ext_duplicates; /* repeated types (among the kept ones) */
	bool psk_not_last;

	/* server_name: the first host_name, raw bytes (not NUL-terminated;
	 * attacker-chosen: escape before printing). */
	bool sni_present;
	bool sni_multiple;  /* more than one host_name entry */
	bool sni_malformed; /* bad list, empty name, or other name types
			       only (counted in ext_malformed) */
	bool sni_truncated; /* host_name longer than TLS_SNI_MAX */
	uint8_t sni_len;
	uint8_t sni[TLS_SNI_MAX];

	bool versions_present; /* supported_versions */
	bool versions_truncated;
	uint8_t nversions;
	uint16_t versions[TLS_VERSIONS_MAX];

	bool groups_present; /* supported_groups */
	bool groups_truncated;
	uint8_t ngroups;
	uint16_t groups[TLS_GROUPS_MAX];

	bool point_formats_present; /* ec_point_formats */
	bool point_formats_truncated;
	uint8_t npoint_formats;
	uint8_t point_formats[TLS_POINT_FORMATS_MAX];

	bool sigalgs_present; /* signature_algorithms */
	bool sigalgs_truncated;
	uint8_t nsigalgs;
	uint16_t sigalgs[TLS_SIGALGS_MAX];

	/* ALPN: the raw ProtocolNameList content (1-byte length, name, ...),
	 * whole entries only; attacker-chosen bytes. */
	bool alpn_present;
	bool alpn_truncated;
	uint8_t nalpn; /* entries kept */
	uint16_t alpn_len;
	uint8_t alpn[TLS_ALPN_MAX];

	bool key_share_present; /* key_share: the groups offered, in order */
	bool key_shares_truncated;
	uint8_t nkey_shares;
	uint16_t key_shares[TLS_KEY_SHARES_MAX];

	bool status_request;	     /* status_request present */
	uint8_t status_type;	     /* its CertificateStatusType (1 = ocsp) */
	bool reneg_info;	     /* renegotiation_info present */
	uint8_t reneg_info_len;	     /* renegotiated_connection length */
	bool session_ticket;	     /* session_ticket present */
	uint16_t session_ticket_len; /* > 0: resuming with a ticket */
	bool psk;		     /* pre_shared_key present */
	uint16_t psk_identities;     /* identities offered */
	bool early_data;	     /* early_data present (0-RTT attempted) */
	bool ech;		     /* encrypted_client_hello present */
	bool ems;		     /* extended_master_secret present */
};

struct tls_server_hello {
	bool hrr;	/* random is the HelloRetryRequest value */
	bool skipped;	/* seen, not decoded (cap or budget) */
	bool malformed; /* its framing lied (anomaly counted) */
	bool has_extensions;
	uint16_t legacy_version; /* server_version (TLS <= 1.2: the version) */
	uint8_t random[32];
	uint8_t session_id_len;
	uint8_t session_id[32];
	bool session_id_echoed; /* non-empty and equal to the ClientHello's:
				   resumption in TLS <= 1.2; always so in
				   TLS 1.3 middlebox-compatibility mode */
	uint16_t cipher;
	uint8_t compression;
	/* RFC 8446 4.1.3 downgrade sentinel in random[24..31]: 0 none, 12 for
	 * "DOWNGRD\1" (server negotiated 1.2), 11 for "DOWNGRD\0" (<= 1.1). */
	uint8_t downgrade;

	uint16_t ext[TLS_EXT_MAX];
	uint16_t next;
	uint16_t ext_total;
	bool ext_truncated;
	uint16_t ext_malformed;
	int32_t first_bad_ext;
	uint16_t ext_duplicates;

	uint16_t selected_version; /* supported_versions; 0 if absent */
	bool key_share_present;
	uint16_t key_share_group; /* SH: the server's share; HRR: the
				     group the client must retry with */
	bool alpn_present;
	uint8_t alpn_len; /* the selected protocol, raw, no length byte */
	uint8_t alpn[255];
	bool reneg_info;
	bool ems;
	bool etm;	       /* encrypt_then_mac (RFC 7366) */
	bool session_ticket;   /* will send a NewSessionTicket */
	bool status_request;   /* will send a CertificateStatus */
	bool point_formats;    /* ec_point_formats present */
	bool sni_ack;	       /* empty server_name: SNI was used */
	bool psk;	       /* pre_shared_key: resumption accepted */
	uint16_t psk_identity; /* its selected_identity */
	bool cookie;	       /* HRR: cookie present (RFC 8446 4.2.2) */
};

struct tls_cert_entry {
	uint32_t off; /* DER certificate at tls_certs.buf + off */
	uint32_t len;
};

/* One side's (first) Certificate message. */
struct tls_certs {
	bool present;	     /* a Certificate message was seen from this side */
	bool skipped;	     /* seen, not decoded: over the cap or the budget */
	bool malformed;	     /* the entries before the fault are kept */
	bool truncated;	     /* more than TLS_CERTS_MAX certificates */
	bool tls13;	     /* decoded in the TLS 1.3 form */
	bool decrypted;	     /* read from records decrypted with a key log */
	uint8_t context_len; /* TLS 1.3 certificate_request_context */
	uint16_t ncerts;     /* kept; 0 with !malformed: an empty list
				(a client without a certificate) */
	uint32_t certs_total; /* in the message */
	uint32_t msg_len;     /* the message's length */
	uint16_t count;	      /* Certificate messages from this side */
	struct tls_cert_entry cert[TLS_CERTS_MAX];
	uint8_t *buf; /* owned (facts): the message body, charged
			 to the membudget; NULL if nothing kept */
	uint32_t buf_len;
};

/* CertificateStatus (RFC 6066 8; ocsp_multi of RFC 6961: first response). */
struct tls_cert_status {
	bool present;
	bool skipped;
	bool malformed;
	uint8_t status_type; /* 1 ocsp, 2 ocsp_multi */
	uint32_t ocsp_off;   /* DER OCSPResponse at buf + ocsp_off */
	uint32_t ocsp_len;   /* 0: none kept */
	uint8_t *buf;	     /* owned (facts), charged; NULL if none */
	uint32_t buf_len;
};

/* ServerKeyExchange, decoded according to the ServerHello's suite. */
struct tls_ske {
	bool present;
	bool skipped;
	bool malformed;
	uint8_t kx;	    /* enum tls_kx used to decode it */
	uint8_t curve_type; /* ECDHE: 3 named_curve; 1, 2 explicit */
	uint16_t group;	    /* ECDHE named_curve: the NamedGroup */
	uint16_t dh_p_bits; /* DHE: significant bits of dh_p */
	bool has_sigalg;    /* TLS 1.2 signed params carry a sigalg */
	uint16_t sigalg;
	uint32_t len; /* message length */
};

/* CertificateRequest (TLS 1.2 form, or TLS 1.3 form when decrypted). */
struct tls_cert_request {
	bool present;
	bool skipped;
	bool malformed;
	bool tls13;
	uint8_t ncert_types;
	bool cert_types_truncated;
	uint8_t cert_types[TLS_CERT_TYPES_MAX];
	uint8_t nsigalgs;
	bool sigalgs_truncated;
	uint16_t sigalgs[TLS_SIGALGS_MAX];
	uint16_t ca_names; /* certificate_authorities entries */
};

/* EncryptedExtensions (only seen in plaintext once decryption exists). */
struct tls_enc_ext {
	bool present;
	bool malformed;
	uint8_t next;
	bool ext_truncated;
	uint16_t ext[TLS_EXT_MAX];
	bool alpn_present;
	uint8_t alpn_len;
	uint8_t alpn[255];
	bool early_data;
	bool sni_ack;
};

/* NewSessionTicket: count, and the first one's fields. */
struct tls_nst {
	uint16_t count;
	bool malformed;
	uint32_t lifetime; /* ticket_lifetime(_hint), seconds */
	uint16_t ticket_len;
};

/* What one direction showed. */
struct tls_dir_facts {
	uint8_t detect; /* enum tls_detect_kind of its first bytes */
	bool upgraded;	/* plaintext first (detect says what), then TLS from
			   byte upgrade_offset on (STARTTLS, CONNECT, PROXY) */
	bool openvpn;	/* the TLS is carried in OpenVPN's control channel
			   (OpenVPN over TCP, openvpn.h) */
	uint64_t upgrade_offset;
	uint8_t stop;	/* enum tls_stop */
	bool ccs;	/* a ChangeCipherSpec was seen */
	bool encrypted; /* TLS <= 1.2: after its CCS, records are
			   unreadable; TLS 1.3: after ServerHello */
	uint16_t first_record_version; /* version field of its first record */
	uint64_t ccs_ts;	       /* first CCS */
	uint64_t first_ts, last_ts;    /* first and last feed with bytes */
	uint64_t bytes;		       /* bytes fed */
	uint64_t bytes_ignored; /* bytes fed after the direction stopped */
	uint64_t gap_bytes;	/* bytes reported lost */
	uint32_t gaps;
	uint64_t records; /* record headers parsed */
	uint32_t need;	  /* bytes still needed to finish the record or
			     message in progress; 0 at a boundary */
	uint32_t hs_msgs; /* plaintext handshake messages */
	uint32_t hs_mask; /* bit t: a plaintext message of type t < 32 */
	uint64_t appdata_first_ts; /* first content-type-23 record (in TLS
				      1.3 that is the encrypted handshake) */
	uint64_t appdata_records;
	uint64_t appdata_bytes;
	uint64_t data_records; /* of those, not decrypted as something else
				  (a handshake message, an alert): data, as
				  far as is known */
	uint32_t heartbeats;
	struct tls_enc_record enc[TLS_ENC_RECORDS_MAX]; /* first ones */
	uint8_t nenc;
	uint64_t enc_total; /* unreadable records in all */
};

/* The facts of one connection. */
struct tls_facts {
	struct tls_dir_facts dir[2]; /* by TLS_DIR_* */

	int8_t client_dir; /* sender of the first ClientHello; -1 */
	int8_t server_dir; /* sender of the first ServerHello/HRR; -1 */
	uint16_t version;  /* negotiated: the ServerHello's (or HRR's)
			      supported_versions, else its
			      legacy_version; 0 before either */
	bool tls13;	   /* version is TLS 1.3 and a ServerHello (not
			      HRR) was seen: the rest is encrypted */

	uint8_t ch_count; /* ClientHellos seen (SSLv2 included) */
	bool ch_seen;
	struct tls_client_hello ch;   /* the first one */
	struct tls_client_hello *ch2; /* owned, charged: the second one
					 (after an HRR); NULL if none */
	bool hrr_seen;
	struct tls_server_hello hrr;
	uint8_t sh_count; /* ServerHellos seen, HRR excluded */
	bool sh_seen;
	struct tls_server_hello sh; /* the first real ServerHello */

	struct tls_certs cert[2]; /* by sender: cert[TLS_DIR_S2C] is
				     the server's chain */
	struct tls_cert_status cert_status;
	struct tls_ske ske;
	struct tls_cert_request cert_req;
	struct tls_enc_ext ee;
	struct tls_nst nst;
	uint32_t cke_len;	  /* ClientKeyExchange length; 0 if none */
	uint32_t finished_len[2]; /* plaintext Finished length, by sender */

	int16_t last_hs_type; /* last plaintext handshake message; -1 */
	int8_t last_hs_dir;

	struct tls_alert alerts[TLS_ALERTS_MAX]; /* first ones */
	uint16_t nalerts;
	uint32_t alerts_total;

	struct tls_log_entry log[TLS_LOG_MAX]; /* first ones, wire order */
	uint16_t nlog;
	uint32_t log_total;
	struct tls_log_entry log_last; /* the latest, even past the cap */

	uint32_t anomaly[TLS_ANOM_COUNT]; /* by enum tls_anomaly */

	/* Decryption with a key log (tls_record): records opened and
	 * refused, by sender.  `decrypting` is set by the record layer while
	 * it feeds decrypted content, so that what is decoded from it is
	 * marked (alerts, certificates, log entries). */
	bool keys_found; /* the key log had secrets for ch.random */
	bool decrypting;
	uint32_t dec_records[2];
	uint32_t dec_failed[2];
};

/* Stable names. */
const char *tls_anomaly_name(enum tls_anomaly a);
const char *tls_anomaly_meaning(enum tls_anomaly a);
const char *tls_stop_name(enum tls_stop s);
const char *tls_log_kind_name(enum tls_log_kind k);
const char *tls_kx_name(enum tls_kx kx);

/* The key exchange of a cipher suite (a small table of the IANA registry:
 * the suites whose ServerKeyExchange layout differs). */
enum tls_kx tls_suite_kx(uint16_t suite);

/* The i-th kept certificate of a chain (DER, borrowed from the facts);
 * NULL if i >= ncerts. */
const uint8_t *tls_cert_der(const struct tls_certs *c, unsigned i, size_t *len);

/* The OCSP response of a CertificateStatus (borrowed); NULL if none. */
const uint8_t *tls_ocsp_der(const struct tls_cert_status *s, size_t *len);

/* Count an anomaly (saturating). */
void tls_facts_anomaly(struct tls_facts *f, enum tls_anomaly a);

/*
 * Pure decoders, usable on any complete message body (for instance one
 * decrypted later).  Each reads only through `body`, fills *out (zeroed
 * first, so fields before a fault stay meaningful) and returns TLS_OK or
 * TLS_E_MALFORMED (then out->malformed is set).  A bad extension makes the
 * hello's ext_malformed count, not the hello malformed.
 */
int tls_msg_client_hello(struct cur *body, struct tls_client_hello *out)
    __attribute__((warn_unused_result));

/* The SSLv2 CLIENT-HELLO: body is the message after the 2-byte record
 * header (msg_type first). */
int tls_msg_sslv2_hello(struct cur *body, struct tls_client_hello *out)
    __attribute__((warn_unused_result));

int tls_msg_server_hello(struct cur *body, struct tls_server_hello *out)
    __attribute__((warn_unused_result));

/*
 * The record layer's entry points (tls_record.c).  The consumer of the
 * facts does not call these.
 */

void tls_facts_init(struct tls_facts *f);

/* Free what the facts own and release its charge on mb. */
void tls_facts_free(struct tls_facts *f, struct membudget *mb);

/* Exchange the two directions (the consumer found the sides guessed
 * wrong): every per-direction array and every direction field flips. */
void tls_facts_swap(struct tls_facts *f);

/* The protocol the server chose by ALPN: from its ServerHello (TLS <= 1.2)
 * or its EncryptedExtensions (TLS 1.3, so only with a key log).  Raw bytes
 * in *p (not NUL-terminated), *len of them; false, *p NULL and *len 0 when
 * none is known. */
bool tls_facts_server_alpn(const struct tls_facts *f, const uint8_t **p,
			   size_t *len);

/* True for the handshake types whose body tls_msg decodes (ClientHello,
 * ServerHello, NewSessionTicket, EncryptedExtensions, Certificate,
 * ServerKeyExchange, CertificateRequest, CertificateStatus): the record
 * layer buffers these and only counts the others. */
bool tls_msg_wants_body(uint8_t type);

/* A complete handshake message of `len` bytes from `dir`.  *body (NULL when
 * the message was skipped: `skipped` says why it is missing) holds the
 * bytes; it was charged `len` bytes on mb.  If the facts keep it they set
 * *body to NULL and own it (and its charge); otherwise the caller frees it.
 */
void tls_msg_handshake(struct tls_facts *f, struct membudget *mb, int dir,
		       uint8_t type, uint8_t **body, uint32_t len, bool skipped,
		       uint64_t ts_us);

/* An SSLv2-compatible ClientHello (message without its 2-byte header);
 * `body` NULL: skipped (budget). */
void tls_msg_sslv2(struct tls_facts *f, int dir, const uint8_t *body,
		   uint32_t len, uint64_t ts_us);

/* A plaintext alert. */
void tls_msg_alert(struct tls_facts *f, int dir, uint8_t level, uint8_t desc,
		   uint16_t rec_len, uint64_t ts_us);

/* A ChangeCipherSpec record; `compat`: the TLS 1.3 one that changes no
 * keys. */
void tls_msg_ccs(struct tls_facts *f, int dir, bool compat, uint16_t rec_len,
		 uint64_t ts_us);

/* The last CCS of `dir`, taken for a compatibility one, turned out to
 * change keys after all (a record after it shows it): the direction is
 * encrypted from that CCS on, and its log entry loses TLS_LOGF_COMPAT. */
void tls_msg_ccs_rekeyed(struct tls_facts *f, int dir);

/* A record whose content is not parsed: encrypted (type 21, 22 after a
 * TLS <= 1.2 CCS; 23 always) or heartbeat (24). */
void tls_msg_record(struct tls_facts *f, int dir, uint8_t type,
		    uint16_t rec_len, uint64_t ts_us);

/* A protected record that opened with a key log's keys: counted like
 * tls_msg_record() (appdata, the encrypted-record list, with `inner` its
 * real content type; the log entry flagged TLS_LOGF_DECRYPTED) except that
 * a TLS <= 1.2 alert record adds no encrypted alert: its content, fed
 * after this call with facts->decrypting set, is the alert itself. */
void tls_msg_dec_record(struct tls_facts *f, int dir, uint8_t type,
			uint8_t inner, uint16_t rec_len, uint64_t ts_us);

/* Bytes lost (len) in `dir`; `stopped`: parsing of the direction ended. */
void tls_msg_gap(struct tls_facts *f, int dir, uint64_t len, bool stopped,
		 uint64_t ts_us);

/* The direction stopped for `why` (not a gap: see tls_msg_gap). */
void tls_msg_stop(struct tls_facts *f, int dir, enum tls_stop why,
		  uint64_t ts_us);

#endif
