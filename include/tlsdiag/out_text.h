/* out_text.h -- the human-readable report: one block per connection.
 *
 * By default only connections that did not establish are written (failed,
 * incomplete, not_tls); verbose mode adds the established ones.  A block
 * names the endpoints, the result and why, what the client offered and the
 * server chose, every alert with who sent it and after which message, and
 * how the connection closed.  Attacker-chosen bytes (SNI, ALPN) are written
 * with non-printable bytes escaped as \xNN.  It decides nothing.
 */
#ifndef TLSDIAG_OUT_TEXT_H
#define TLSDIAG_OUT_TEXT_H

#include <stdbool.h>
#include <stdio.h>

#include "tlsdiag/conn.h"

struct out_text {
	FILE *out;
	bool verbose;	/* also established connections */
	bool color;	/* ANSI colour for the result word */
};

/* A conn_emit_fn: ctx is a struct out_text. */
void out_text_write(void *ctx, const struct conn_result *r);

/* Write n attacker-chosen bytes with every byte outside printable ASCII
 * (and the backslash) as \xNN. */
void out_text_bytes(FILE *out, const uint8_t *p, size_t n);

#endif
