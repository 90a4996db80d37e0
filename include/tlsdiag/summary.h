/* summary.h -- the end-of-run summary: results, causes, servers, clients.
 *
 * summary counts every connection the outputs were given: by result, and
 * for each cause (with the fix side it named most) the servers and clients
 * that showed it most.  Memory is fixed: SUMMARY_TOP entries of each kind
 * per cause, kept with the space-saving scheme (a new name replaces the
 * least counted one and inherits its count, so a name that keeps failing
 * rises to the top; counts of replaced entries are an upper bound, printed
 * with "~").  It keeps no pointer into what it is given and formats only
 * to the FILE it is handed; attacker-chosen names are escaped.
 */
#ifndef TLSDIAG_SUMMARY_H
#define TLSDIAG_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tlsdiag/conn.h"
#include "tlsdiag/infer.h"

/* Names tracked per cause and kind: the summary prints the top 3; ten
 * candidates keep the space-saving counts close to exact for them. */
#define SUMMARY_TOP 10
#define SUMMARY_SHOW 3
/* A server name (SNI) or an address and port, as printed. */
#define SUMMARY_NAME_MAX 64

struct summary_entry {
	char name[SUMMARY_NAME_MAX];
	uint64_t count;
	bool approx; /* inherited a replaced entry's count */
};

struct summary_cause {
	uint64_t count;
	uint64_t fix[4]; /* client, server, network, unknown */
	struct summary_entry servers[SUMMARY_TOP];
	struct summary_entry clients[SUMMARY_TOP];
};

struct summary {
	uint64_t results[CONN_NRESULTS];
	uint64_t warnings;	/* established connections with warnings */
	struct summary_cause cause[INFER_NCAUSES];
};

void summary_init(struct summary *s);

/* Count one connection and the verdict on it (cause may be NULL). */
void summary_add(struct summary *s, const struct conn_result *r,
    const struct infer_cause *cause);

/* The summary as text, each line starting with `prefix`. */
void summary_print(const struct summary *s, FILE *out, const char *prefix);

#endif
