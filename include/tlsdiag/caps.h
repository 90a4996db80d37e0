/* caps.h -- every hard limit of tlsdiag, each with the reason it exists.
 *
 * A cap that is hit is always counted and reported (see the stats of the
 * module that enforces it); nothing is dropped silently.  Values that a user
 * may change at run time are defaults here and fields in a config struct.
 */
#ifndef TLSDIAG_CAPS_H
#define TLSDIAG_CAPS_H

/* tcpdump's default snaplen since 4.0: whole packets, even with jumbo GRO. */
#define CAP_SNAPLEN_DEFAULT 262144

/* stdio buffer of a capture file read with -r: libpcap reads each record
 * header and packet with fread, and stdio's default (4 KiB) makes that a
 * read(2) every few packets; 1 MiB cuts the system calls (measured on the
 * benchmark capture) for memory that does not matter. */
#define CAP_FILE_BUFFER (1024u * 1024u)

/* Kernel capture buffer for live captures, in KiB.  libpcap's 2 MiB holds
 * only about 8 packets when an interface with offloads (TSO/GRO) makes it
 * size each ring slot for the 262144-byte snaplen; 32 MiB absorbs bursts
 * on a busy span port (measured: drops with 2 MiB under load, none with
 * 32 MiB). */
#define CAP_BUFFER_KIB_DEFAULT 32768

/* Flows tracked at once.  A flow costs about 400 bytes plus buffers, so the
 * default keeps the table itself under ~100 MiB on a busy span port. */
#define FLOW_MAX_DEFAULT 262144

/* Bytes buffered out of order in one direction of one flow.  A TLS
 * handshake flight is rarely over 64 KiB; four times that absorbs reordering
 * on a fast link without letting one flow hold the budget hostage. */
#define REASM_DIR_MAX_DEFAULT (256u * 1024u)

/* The memory budget (--max-memory): one ceiling for everything that grows
 * with traffic -- flow entries, reassembly buffers, per-connection TLS
 * state, -w packet copies, the certificate cache, --keylog secrets -- and
 * the fixed tables (the flow table's buckets, the fleet tables), sized to
 * fit it.  256 MiB suits a small sensor (a 1 GiB board or VM that runs
 * other things too): it holds the default tables (2 MiB of buckets, about
 * 15 MiB of fleet tables) and, at about 2 KiB per followed handshake plus
 * its buffers, tens of thousands of handshakes in flight; a busy span port
 * is given more.  What the budget does not count: the program and its
 * libraries, the trust store, the certificate cache's hash arrays, the
 * metrics registry, libpcap's capture buffer (-B) and malloc's own
 * overhead: about 30 MiB of RSS measured besides -B, most of it the
 * system trust store. */
#define MEM_MAX_DEFAULT (256u * 1024u * 1024u)

/* The smallest --max-memory accepted.  Below 8 MiB the default flow table's
 * buckets (2 MiB) no longer fit their share, and what is left would follow
 * only a few hundred handshakes. */
#define MEM_MIN (8u * 1024u * 1024u)

/* A fixed table (the flow table's buckets; the fleet tables) may take at
 * most a quarter of the budget each, so at least half is left for traffic;
 * the fleet tables are sized down to fit, a bucket array that does not fit
 * is a usage error (lower --max-flows). */
#define MEM_FIXED_SHARE_DIV 4

/* Shedding starts, at the start of a packet, when use passes 15/16 of the
 * budget and stops under 7/8.  The gap makes shedding a batch now and then
 * rather than work on every packet; the headroom above the high-water mark
 * (16 MiB of the default, 2 MiB of a 32 MiB budget) lets one packet's
 * allocations -- a record, a handshake message growing, a segment -- be
 * made rather than refused. */
#define MEM_SHED_HIGH_DIV 16
#define MEM_SHED_LOW_DIV 8

/* Out-of-order segments held in one direction: bounds the list walk for
 * each arriving segment, so a storm of tiny segments stays linear. */
#define REASM_DIR_SEGS_MAX 512

/* Bytes of already-delivered stream kept per direction (until the consumer
 * says it is done) so that a retransmission can be compared with the first
 * copy; a differing copy is an injection signal.  Covers a handshake flight. */
#define REASM_HISTORY_MAX 4096

/* Idle timeouts by flow state, in seconds of packet time.  Opening (a SYN
 * not yet answered): SYN retransmissions back off up to 64 s apart (Linux
 * tcp_syn_retries=6) and must stay one connection; floods are handled by
 * evicting opening flows first, not by this timeout.  Active: a handshake
 * stalled this long has failed.  Decided: bulk transfers and keep-alive
 * connections can be quiet for minutes.  Closed: a peer whose partner has
 * gone keeps retransmitting its FIN with backoff, and late RSTs come; 60 s
 * is Linux's TIME_WAIT. */
#define FLOW_TIMEOUT_OPENING 70
#define FLOW_TIMEOUT_ACTIVE 120
#define FLOW_TIMEOUT_DECIDED 600
#define FLOW_TIMEOUT_CLOSED 60

/* How often, in seconds of packet time, idle flows are looked for. */
#define FLOW_EXPIRE_INTERVAL 1

/* TLS records and handshake messages (tls_record, tls_msg). */

/* Largest record: TLSCiphertext.length is at most 2^14 + 2048 (RFC 5246
 * 6.2.3; RFC 8446 5.2 allows less).  A longer one is a violation that stops
 * parsing of its direction.  Records are streamed, never buffered whole. */
#define TLS_RECORD_MAX (16384u + 2048u)

/* Largest handshake message assembled.  The biggest real message is a
 * Certificate chain: OpenSSL clients refuse chains over 100 KiB by default
 * (max_cert_list), and chains seen in the wild stay under 20 KiB; 256 KiB
 * keeps every chain a real client accepts.  The buffer grows with the bytes
 * that actually arrive, so a lying length costs nothing. */
#define TLS_HS_MSG_MAX_DEFAULT (256u * 1024u)

/* Cipher suites kept from a ClientHello.  Browsers send under 20; scanners
 * offering every suite one stack implements send under 200. */
#define TLS_SUITES_MAX 256

/* Extension types kept from a hello, in order.  Browsers send about 20
 * (GREASE included); fewer than 64 types are assigned and in use. */
#define TLS_EXT_MAX 64

/* Compression methods kept (RFC 5246 7.4.1.2: 1..255; real: 1 or 2). */
#define TLS_COMP_MAX 16

/* supported_versions entries kept (RFC 8446 4.2.1: up to 127; real: 2-6). */
#define TLS_VERSIONS_MAX 16

/* supported_groups entries kept (real: up to about 12 with GREASE). */
#define TLS_GROUPS_MAX 32

/* ec_point_formats kept (RFC 8422 5.1.2 defines three). */
#define TLS_POINT_FORMATS_MAX 8

/* signature_algorithms entries kept (OpenSSL 3 sends about 30). */
#define TLS_SIGALGS_MAX 64

/* key_share groups kept from a ClientHello (real: 1-3). */
#define TLS_KEY_SHARES_MAX 8

/* Raw ALPN ProtocolNameList bytes kept ("h2" + "http/1.1" is 12). */
#define TLS_ALPN_MAX 256

/* host_name bytes kept from server_name: a DNS name is at most 255 octets
 * (RFC 1035 2.3.4); RFC 6066 3 allows 2^16-1, the rest is flagged. */
#define TLS_SNI_MAX 255

/* Certificates kept per chain.  Real chains hold 2-5; the DER bytes are
 * bounded by TLS_HS_MSG_MAX_DEFAULT through the message that holds them. */
#define TLS_CERTS_MAX 16

/* certificate_types kept from a CertificateRequest (RFC 5246 7.4.4). */
#define TLS_CERT_TYPES_MAX 16

/* Alerts kept per connection: a failing handshake sends one or two. */
#define TLS_ALERTS_MAX 8

/* Encrypted records whose length is kept, per direction: a TLS 1.3 server
 * flight plus the client's Finished or alert fit in the first few. */
#define TLS_ENC_RECORDS_MAX 8

/* Entries of the message log: a full handshake takes under 20. */
#define TLS_LOG_MAX 32

/* Stacked 802.1Q/802.1ad tags followed before giving up (DEC_MALFORMED).
 * Real networks stack two (QinQ), rarely three; eight is generous and keeps
 * a frame made of nothing but tags from costing a long walk. */
#define DEC_VLAN_MAX 8

/* IPv6 extension headers walked before giving up (DEC_MALFORMED).  RFC 8200
 * 4.1 recommends at most one of each kind (two destination options), about
 * seven in all; sixteen leaves room for odd stacks and still bounds the walk
 * over a chain of minimal 8-byte headers. */
#define DEC_IP6_EXT_MAX 16

/* Plaintext bytes of a direction scanned for TLS starting later (STARTTLS
 * in SMTP, IMAP, POP3, FTP, LDAP, PostgreSQL, MySQL; an HTTP CONNECT
 * through a proxy; a PROXY protocol header).  Those exchanges take a few
 * hundred bytes; 16 KiB leaves room for long banners and capability lists
 * while plaintext bulk traffic stops costing anything soon. */
#define TLS_UPGRADE_SCAN_MAX (16u * 1024u)
/* -w: packet bytes kept per connection until its result is known.  A
 * failed handshake, even with a large certificate flight, is well under
 * 64 KiB; established connections' buffers are dropped when decided. */
#define CONN_KEEP_MAX (256u * 1024u)

/* -W: worker threads, each reading one socket of an AF_PACKET fanout group.
 * One per core is the useful most; 64 covers the biggest sensors, and each
 * worker costs a flow table, a certificate cache and a trust store. */
#define WORKERS_MAX 64

/* Packet ids one OpenVPN control packet may acknowledge.  OpenVPN's own
 * reliability layer sends at most RELIABLE_ACK_SIZE (8) per packet; a
 * packet claiming more is not OpenVPN, and the cap bounds the header that
 * is held while a packet is de-framed. */
#define OVPN_ACKS_MAX 8
#endif
