/* conn.h -- the outcome of each TLS connection: established, failed,
 * incomplete or not_tls.
 *
 * conn is the flow table's consumer (struct flow_ops conn_ops): for every
 * flow it owns a `struct conn` (f->app) that embeds the TLS parser of the
 * connection (struct tls_conn, tls_record.h), feeds it each direction's
 * ordered bytes and gaps, watches FIN and RST, and decides from the facts
 * and the TCP events what became of the handshake.  It hands exactly one
 * `struct conn_result` per TLS-relevant connection to the output callback,
 * as soon as the result is known (then it tells the flow table the flow is
 * decided and releases the parser), or when the flow ends.
 *
 * What counts (RFC 8446, RFC 5246; record sizes as in DESIGN.md):
 *   not_tls      the client's first bytes are not TLS and the server port
 *                is one of the usual implicit-TLS ports, or the client sent
 *                a ClientHello and the server answered with something that
 *                is not TLS.  Non-TLS traffic on other ports is not
 *                reported at all.
 *   failed       a plaintext fatal alert; a TLS <= 1.2 encrypted alert
 *                record before both Finished; in TLS 1.3 an AEAD-sized
 *                alert record (2 + 1 + tag bytes) from the client as its
 *                first record after the server's flight, or from the server
 *                right after the client's Finished; FIN or RST after the
 *                ClientHello before the handshake completed.
 *   established  TLS <= 1.2: an encrypted Finished (or application data)
 *                from both sides after their ChangeCipherSpec; TLS 1.3: the
 *                client's first record after the server's flight is not an
 *                alert, and then the server sends a record that is not an
 *                alert, or the client a second record, or the flow ends
 *                without either.
 *   incomplete   the flow ended (timeout, eviction, end of input) after a
 *                ClientHello with nothing decisive.
 *
 * With a key source (conn_ctx.keys: an NSS key log), the records that
 * tls_record could open say what they are instead of their sizes: a
 * decrypted fatal alert is a failure ("fatal_alert", with its description
 * in the facts, marked decrypted), a decrypted record that is not an alert
 * counts where a record of another size did, and the client's decrypted
 * Finished is what "a Finished alone" was.  Records that did not open keep
 * the size rules.
 *
 * It never parses a byte itself (tls_record does), never formats anything
 * (the output modules do), never guesses a cause (infer does), and holds no
 * memory for a flow once its result has been handed over.
 */
#ifndef TLSDIAG_CONN_H
#define TLSDIAG_CONN_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsdiag/certcheck.h"
#include "tlsdiag/flow.h"
#include "tlsdiag/mem.h"
#include "tlsdiag/tls_detect.h"
#include "tlsdiag/tls_msg.h"
#include "tlsdiag/tls_record.h"

struct infer_cause;
struct pcapout;

enum conn_result_kind {
	CONN_ESTABLISHED, /* "established" */
	CONN_FAILED,	  /* "failed" */
	CONN_INCOMPLETE,  /* "incomplete" */
	CONN_NOT_TLS,	  /* "not_tls" */
	CONN_NRESULTS
};

/* Who ended the TCP connection first (FIN or RST), if anyone did. */
enum conn_closer {
	CONN_CLOSER_NONE,	/* "none" */
	CONN_CLOSER_CLIENT_FIN, /* "client_fin" */
	CONN_CLOSER_CLIENT_RST, /* "client_rst" */
	CONN_CLOSER_SERVER_FIN, /* "server_fin" */
	CONN_CLOSER_SERVER_RST, /* "server_rst" */
	CONN_NCLOSERS
};

/* Everything a writer needs about one connection.  `flow` and `facts` are
 * borrowed: valid during the emit callback only. */
struct conn_result {
	const struct flow *flow;
	const struct tls_facts *facts;
	enum conn_result_kind result;
	/* A stable identifier of why (failed: "fatal_alert",
	 * "encrypted_alert", "reset_after_client_hello",
	 * "closed_after_client_hello"; incomplete: the flow_end_name() of the
	 * end; not_tls: "client_not_tls" or "server_not_tls"); NULL for
	 * established. */
	const char *reason;
	int8_t reason_dir; /* the side the reason came from; -1 none */

	/* not_tls: what each side's first bytes were (tls_detect). */
	enum tls_detect_kind client_bytes, server_bytes;

	/* TLS 1.3 alert seen only by its record size (level and description
	 * encrypted): which side, when, and the record length. */
	bool enc13_alert;
	uint8_t enc13_alert_dir;
	uint16_t enc13_alert_len;
	uint64_t enc13_alert_ts;

	/* Packet times in microseconds; 0 when the event was not seen. */
	uint64_t first_ts;	  /* first packet of the flow */
	uint64_t client_hello_ts; /* the ClientHello was complete */
	uint64_t server_hello_ts; /* the ServerHello was complete */
	uint64_t outcome_ts;	  /* the result became known */

	enum conn_closer closer;
	uint64_t close_ts; /* its FIN or RST; 0 if none */

	/* The certificates judged at capture time; NULL when certificate
	 * checking is off or no certificate was seen. */
	const struct certcheck *certs;

	/* The inference engine's verdict (infer.h), filled in between conn
	 * and the outputs; NULL when none was made. */
	const struct infer_cause *cause;

	/* The client closed after its ClientHello, and the server's flight
	 * arrived after that (already in flight): facts and certs show it,
	 * but it played no part in the close.  The judge goes by this view,
	 * the connection as it was when the client closed; NULL: the fields
	 * above are that view. */
	const struct conn_judged *judged;
};

struct conn_judged {
	const struct tls_facts *facts;
	const struct certcheck *certs; /* NULL: none seen by then */
	uint64_t server_hello_ts;
};

typedef void (*conn_emit_fn)(void *out_ctx, const struct conn_result *r);

/* Servers seen answering with a ServerHello, remembered so that plaintext
 * sent to them later is "not TLS" on any port (a direct-mapped cache: a
 * collision forgets the older server, which only loses a hint).  4096
 * servers cover the busy endpoints of a span port in 80 KiB. */
#define CONN_TLS_SERVERS 4096

struct conn_tls_server {
	bool used;
	uint8_t af;
	uint16_t port;
	uint8_t addr[16];
};

/* Configuration and counters of the consumer; `ctx` of conn_ops.  The
 * caller fills ft (after flow_table_new()), emit, out_ctx, mem and lim,
 * and zeroes the rest. */
struct conn_ctx {
	struct flow_table *ft; /* borrowed: needed for flow_decided() */
	conn_emit_fn emit;     /* may be NULL: results are only counted */
	void *out_ctx;
	struct membudget *mem; /* per-flow state is charged here; NULL:
				  unlimited */
	struct membudget *keep_mem; /* -w packet copies; NULL: mem */
	struct tls_limits lim; /* zeroed: the defaults */
	/* Secrets for decryption, looked up by client random (NULL: none;
	 * tls_record.h). */
	tls_keys_fn keys;
	void *keys_arg;
	struct certcheck_ctx *certs; /* NULL: certificates are not judged */
	/* -w: the packets of connections that did not establish are written
	 * here once their result is known (NULL: off; borrowed). */
	struct pcapout *pcap;
	/* More ports where plaintext from the client means not_tls, besides
	 * conn_port_is_tls() (borrowed; a TLS service on a port of its own). */
	const uint16_t *tls_ports;
	size_t ntls_ports;

	/* Servers that spoke TLS (see CONN_TLS_SERVERS). */
	struct conn_tls_server tls_servers[CONN_TLS_SERVERS];
	/* -W: a table of CONN_TLS_SERVERS entries shared by every worker's
	 * conn_ctx, used instead of tls_servers under servers_lock, so that a
	 * server that answered a client of one worker is known to all
	 * (NULL: tls_servers above). */
	struct conn_tls_server *shared_servers;
	pthread_mutex_t *servers_lock;

	/* Counters. */
	uint64_t results[CONN_NRESULTS];
	uint64_t nomem; /* flows not followed: the budget or malloc refused */
};

extern const struct flow_ops conn_ops;

/* Stable names. */
const char *conn_result_name(enum conn_result_kind k);
const char *conn_closer_name(enum conn_closer c);

/* True for the ports where a plaintext first byte means "not TLS" rather
 * than "some other protocol": 443, 465, 636, 853, 993, 995, 8443.  Besides
 * these, any server endpoint that answered another client with a
 * ServerHello counts (struct conn_ctx.tls_servers). */
bool conn_port_is_tls(uint16_t port);

#endif
