/* metrics.h -- Prometheus metrics: a registry of counters and an HTTP
 * endpoint that serves them.
 *
 * metrics owns a registry (`struct metrics`) that the packet path updates --
 * one call per decided handshake, and setters fed from the stats snapshots
 * of capture, flow table, memory budget and certificate cache -- and a
 * libmicrohttpd daemon that answers GET /metrics with the registry in the
 * Prometheus text exposition format 0.0.4 (names tlsdiag_*, counters end in
 * _total, sizes in bytes).  Any other path is 404; any method other than GET
 * or HEAD on /metrics is 405.
 *
 * Concurrency: the HTTP server runs in libmicrohttpd's own thread.  Every
 * update and every read takes one mutex, held briefly: an update is a few
 * additions (plus, for a failure, a scan of at most K server entries), and
 * a read only copies the registry into a buffer allocated beforehand; the
 * text is formatted after the mutex is released, so a slow scraper never
 * stalls the packet thread.  A mutex rather than C11 atomics because a
 * scrape must see one consistent state: the server table renames its
 * entries as it evicts (a label and its value must move together), and
 * sums that users rely on (the server series add up to the failures; the
 * failures never exceed the handshakes) would not hold across separately
 * read atomics.
 *
 * Bounded cardinality.  Causes and fix sides are short identifiers
 * ([a-z][a-z0-9_]*, at most METRICS_LABEL_MAX bytes) from the inference
 * registry; at most METRICS_CAUSES_MAX distinct pairs get series of their
 * own, and an invalid label or a pair past the cap is counted under
 * cause="other",fix_side="other" and in tlsdiag_metrics_labels_rejected_total.
 * Server names (the SNI) are attacker-chosen, so only the top K servers by
 * failures have series of their own and the rest are summed as
 * server="other": at most K + 1 series at any scrape.  The top K are
 * tracked with Filtered Space-Saving (Homem and Carvalho, 2010; Space-Saving
 * is Metwally, Agrawal and El Abbadi, 2005): K monitored entries with an
 * estimated count each, plus 8 K hashed counters for unmonitored names; a
 * name is admitted, replacing the entry with the lowest estimate, only once
 * its hashed counter reaches that estimate, so once the table has warmed
 * up a flood of one-off names mostly raises the hashed counters instead of
 * replacing entries (fewer series appear and vanish between scrapes).  A true
 * heavy hitter (more than N/K of N failures) is always monitored.  Each series
 * shows the failures counted for that name since it was admitted (exact, never
 * an estimate); failures of names not monitored, and the series of an evicted
 * entry, go to server="other", so the server series always add up to the
 * failures and every series only grows while it exists.  An entry evicted and
 * later readmitted starts again from its new count: Prometheus sees a counter
 * reset, which rate() and increase() handle.
 *
 * Server label values: ASCII letters are lowercased (DNS names are
 * case-insensitive, RFC 4343) and trailing dots dropped, then the name is
 * cut to METRICS_SERVER_MAX bytes (RFC 1035: no name is longer).  A
 * handshake without SNI counts as server="none"; a real SNI of "other" or
 * "none" becomes "other." or "none." (a name never ends in a dot after the
 * trailing dots are dropped, so no two names share a series).  In the
 * exposition, backslash, double quote and newline are escaped as the format
 * says (\\, \", \n); every other byte outside printable ASCII, and '%', is
 * written as %XX: the format needs valid UTF-8, has no other escapes, and
 * dashboards should not render attacker-chosen Unicode.
 *
 * Privileges (priv.h): metrics_listen() only opens the listening socket,
 * which may need root for a port below 1024; connections wait in the
 * kernel's backlog until metrics_start() starts the server thread, after
 * the drop, so no HTTP byte is parsed as root and the drop happens while
 * the process has a single thread.
 *
 * It never parses HTTP itself (libmicrohttpd does), never resolves a host
 * name, and never blocks the packet thread on the network.
 */
#ifndef TLSDIAG_METRICS_H
#define TLSDIAG_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sys/socket.h>

#include "tlsdiag/capture.h"
#include "tlsdiag/flow.h"

/* Caps of this module (candidates for caps.h). */

/* Servers with a series of their own by default.  Prometheus' guidance is
 * to keep a metric's series in the low hundreds; 50 covers the servers an
 * operator looks at on a dashboard. */
#define METRICS_TOPK_DEFAULT 50

/* Largest K accepted: the top-K table is scanned on each failure and copied
 * on each scrape; past a thousand series per scrape a Prometheus server
 * with several sensors starts to feel it. */
#define METRICS_TOPK_MAX 1000

/* Longest server label kept, in bytes of the name (RFC 1035 3.1: a domain
 * name in text is at most 253 characters); longer SNIs are cut. */
#define METRICS_SERVER_MAX 253

/* Longest cause or fix-side label: the registry's names are under 32. */
#define METRICS_LABEL_MAX 32

/* Distinct (cause, fix_side) pairs with their own series: the registry has
 * about twenty causes, each with one fix side. */
#define METRICS_CAUSES_MAX 64

/* Concurrent HTTP connections, and per client address: a scraper needs
 * one; the rest keeps a misbehaving client from holding many threads'
 * worth of sockets. */
#define METRICS_HTTP_CONN_MAX 16
#define METRICS_HTTP_CONN_PER_IP 4

/* Seconds an idle HTTP connection is kept (a scraper's keep-alive). */
#define METRICS_HTTP_TIMEOUT 30

/* Room for any message metrics_listen() and metrics_start() write. */
#define METRICS_ERR_SIZE 256

struct metrics;

/* A registry with K = METRICS_TOPK_DEFAULT; NULL if memory is short. */
struct metrics *metrics_new(void);

/* A registry with top-K server series, 0 <= k <= METRICS_TOPK_MAX (0: only
 * server="other").  NULL if k is too large or memory is short. */
struct metrics *metrics_new_topk(size_t k);

/* Where to listen, from metrics_parse_addr(). */
struct metrics_addr {
	struct sockaddr_storage ss; /* an AF_INET or AF_INET6 address */
	socklen_t len;
	bool any; /* ":PORT": every address, IPv6 and IPv4 (dual stack) */
};

/* Parse ADDR:PORT strictly: "127.0.0.1:9797", "[::1]:9797", or ":9797"
 * for every address (IPv6 and IPv4; "[::]:PORT" is IPv6 only and
 * "0.0.0.0:PORT" IPv4 only).  Numeric addresses only: no DNS lookups.  The
 * port is decimal, 0 to 65535 (0: the kernel picks one, see
 * metrics_port()).  0, or -1 with "--metrics: invalid address 'X': why" in
 * errbuf. */
int metrics_parse_addr(const char *addr_port, struct metrics_addr *a,
		       char *errbuf, size_t errlen)
    __attribute__((warn_unused_result));

/* Parse addr_port and open the listening socket (SO_REUSEADDR, close on
 * exec).  Call before dropping privileges.  0, or -1 with a one-line
 * message in errbuf ("--metrics: cannot listen on 127.0.0.1:9797: Address
 * already in use").  Only one socket per registry. */
int metrics_listen(struct metrics *m, const char *addr_port, char *errbuf,
		   size_t errlen) __attribute__((warn_unused_result));

/* The port the socket is bound to (useful after port 0); 0 if none. */
uint16_t metrics_port(const struct metrics *m);

/* Start serving on the socket of metrics_listen(), in libmicrohttpd's own
 * thread.  Call after dropping privileges.  0, or -1 with a message. */
int metrics_start(struct metrics *m, char *errbuf, size_t errlen)
    __attribute__((warn_unused_result));

/* Counting and setters do nothing when m is NULL (no --metrics), so the
 * packet path can call them unconditionally. */

/* Count one decided handshake.  `result` is a conn_result_name()
 * ("established", "failed", "incomplete", "not_tls"); any other string is
 * ignored and counted as a rejected label.  A handshake is a failure when
 * it is not established and has a cause, or when it is "failed" (cause
 * "unknown" if NULL); a failure is counted by cause and fix side (fix_side
 * NULL: "unknown") and by server.  `sni` (sni_len bytes, borrowed; NULL or
 * 0 when the client sent none) is only read for a failure. */
void metrics_count_result(struct metrics *m, const char *result,
			  const char *cause, const char *fix_side,
			  const uint8_t *sni, size_t sni_len);

/* Setters from stats snapshots: each replaces the values it carries. */
void metrics_set_capture(struct metrics *m, const struct cap_stats *st);
void metrics_set_flows(struct metrics *m, const struct flow_stats *st);
void metrics_set_memory(struct metrics *m, size_t bytes_in_use);
/* The sensors' budget (sensor_totals_get, or the sum over -W workers):
 * its cap and peak, use and refusals by kind, and the flows (by state)
 * and cache entries shed. */
struct sensor_totals;
void metrics_set_memory_budget(struct metrics *m,
    const struct sensor_totals *t);
void metrics_set_cert_cache(struct metrics *m, uint64_t hits, uint64_t misses);

/* Write the exposition (what GET /metrics returns) to out.  0, or -1 if
 * writing failed. */
int metrics_render(struct metrics *m, FILE *out)
    __attribute__((warn_unused_result));

/* Stop the server (waiting for its thread), close the socket, free. */
void metrics_free(struct metrics *m);

#endif
