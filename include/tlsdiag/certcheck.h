/* certcheck.h -- what a connection's certificates say, at capture time.
 *
 * certcheck joins the parser's facts to the certificate modules: it decodes
 * the server's chain (and the client's, when sent in the clear) through the
 * x509 cache, validates the server chain against the trust store at the
 * time the chain was seen, judges a stapled OCSP response, and checks the
 * ClientHello's SNI against the leaf (hostmatch).  It owns references to
 * cached certificates until certcheck_release(); it never formats output
 * and never decides a cause.
 */
#ifndef TLSDIAG_CERTCHECK_H
#define TLSDIAG_CERTCHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "tlsdiag/hostmatch.h"
#include "tlsdiag/tls_msg.h"
#include "tlsdiag/x509.h"

/* Process-lifetime configuration: the trust store and the cache (either
 * may be NULL: no validation / no caching). */
struct certcheck_ctx {
	const struct x509_store *store;
	struct x509_cache *cache;
	uint64_t chains;	/* chains judged */
};

struct certcheck_chain {
	unsigned n;	/* certificates decoded (kept in cert[]) */
	const struct x509_cert *cert[TLS_CERTS_MAX]; /* referenced: released
							by certcheck_release */
};

struct certcheck {
	int64_t at;			/* capture time used, Unix seconds */
	struct certcheck_chain server;	/* as sent: [0] is the leaf */
	struct certcheck_chain client;
	bool validated;			/* server chain judged (store given) */
	struct x509_result val;
	bool host_checked;		/* a leaf, and an SNI or address */
	bool host_by_ip;		/* no SNI: the server's address */
	struct hm_ref ref;
	struct hm_result host;
};

/* Judge the certificates in `facts` as seen at `at` (Unix seconds).  The
 * leaf is checked against the SNI, or without one against the server's
 * address (server_af 4 or 6; 0: not checked).  Fills *out completely; with
 * no certificate in the facts, out->server.n and out->client.n are 0 and
 * nothing else is meaningful. */
void certcheck_run(struct certcheck_ctx *cx, const struct tls_facts *facts,
    int64_t at, int server_af, const uint8_t *server_addr,
    struct certcheck *out);

/* Drop the references certcheck_run() took. */
void certcheck_release(struct certcheck_ctx *cx, struct certcheck *cc);

#endif
