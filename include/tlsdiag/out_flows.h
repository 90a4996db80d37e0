/* out_flows.h -- the --flows view: one line per TCP connection.
 *
 * A flow_ops consumer that writes, when each connection ends, its
 * endpoints, packets and bytes each way, the reassembled payload, how and by
 * whom it was closed, why tracking ended, and any gaps, retransmissions
 * with differing bytes and guesses.  It is a debugging view of the capture
 * and reassembly layers; it knows nothing of TLS.
 */
#ifndef TLSDIAG_OUT_FLOWS_H
#define TLSDIAG_OUT_FLOWS_H

#include <stdio.h>

#include "tlsdiag/flow.h"

/* ops for flow_table_new(); ctx is the FILE * to write to. */
extern const struct flow_ops out_flows_ops;

/* The line for one flow, as printed when it ends (no newline). */
void out_flows_line(FILE *out, const struct flow *f, enum flow_end why);

#endif
