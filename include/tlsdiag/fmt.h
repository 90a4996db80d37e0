/* fmt.h -- formatting of times and addresses shared by every output.
 *
 * All times are UTC (gmtime_r), with microseconds, so offline output is the
 * same on every machine.  Functions write into caller buffers of the sizes
 * given here and never fail.
 */
#ifndef TLSDIAG_FMT_H
#define TLSDIAG_FMT_H

#include <stddef.h>
#include <stdint.h>

/* "2026-11-26T10:12:03.123456Z" plus NUL; room for any year gmtime_r
 * can give, so the compiler can prove nothing is cut. */
#define FMT_TS_SIZE 80
/* An IPv6 address in brackets, a colon and a port, plus NUL. */
#define FMT_ENDPOINT_SIZE 56
#define FMT_ADDR_SIZE 48

/* ISO 8601 UTC with microseconds. */
void fmt_ts(char buf[FMT_TS_SIZE], uint64_t ts_us);

/* "10.0.0.5" or "2001:db8::1" (RFC 5952, as inet_ntop writes it). */
void fmt_addr(char buf[FMT_ADDR_SIZE], int af, const uint8_t addr[16]);

/* "10.0.0.5:443" or "[2001:db8::1]:443". */
void fmt_endpoint(char buf[FMT_ENDPOINT_SIZE], int af, const uint8_t addr[16],
    uint16_t port);

#endif
