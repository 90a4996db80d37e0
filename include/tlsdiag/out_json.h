/* out_json.h -- one JSON object per TLS connection, one per line.
 *
 * out_json writes a `struct conn_result` as a JSON Lines record (RFC 8259,
 * jsonlines.org) to a stdio stream and flushes it, so a reader following
 * the file (tail -f | jq, a log shipper) sees each connection whole as soon
 * as its outcome is known.  Keys come in a fixed order and their names are
 * stable (documented in docs); times are UTC ISO 8601 with microseconds
 * (fmt.h); code points are IANA names, or "0x1a2b" when unassigned; GREASE
 * values (RFC 8701) are left out of lists.
 *
 * Output is the sanitising boundary: every attacker-chosen string (SNI,
 * ALPN) goes through out_json_string(), which escapes quotes, backslash,
 * control characters and DEL, and writes each byte that is not part of a
 * well-formed UTF-8 sequence (RFC 3629) as \u00XX, so the output is valid
 * JSON whatever the bytes were.
 *
 * It owns nothing, keeps no state and never decides anything: it prints
 * what conn and the parsers found.
 */
#ifndef TLSDIAG_OUT_JSON_H
#define TLSDIAG_OUT_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tlsdiag/conn.h"

/* Write r as one line (a JSON object and '\n') to out, then fflush. */
void out_json_write(FILE *out, const struct conn_result *r);

/* Write n bytes at p as a JSON string, quotes included. */
void out_json_string(FILE *out, const uint8_t *p, size_t n);

/* An emit callback for struct conn_ctx: out_ctx is the FILE *. */
void out_json_emit(void *out_ctx, const struct conn_result *r);

#endif
