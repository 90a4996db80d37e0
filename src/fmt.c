/* fmt.c -- formatting of times and addresses shared by every output.
 *
 * Output is always UTC: localtime would make offline results depend on the
 * machine that reads the capture.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "tlsdiag/fmt.h"

void
fmt_ts(char buf[FMT_TS_SIZE], uint64_t ts_us)
{
	time_t t = (time_t)(ts_us / 1000000u);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, FMT_TS_SIZE, "invalid-time");
		return;
	}
	snprintf(buf, FMT_TS_SIZE, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (unsigned)(ts_us % 1000000u));
}

void
fmt_addr(char buf[FMT_ADDR_SIZE], int af, const uint8_t addr[16])
{
	if (inet_ntop(af == 6 ? AF_INET6 : AF_INET, addr, buf,
		FMT_ADDR_SIZE) == NULL)
		snprintf(buf, FMT_ADDR_SIZE, "?");
}

void
fmt_endpoint(char buf[FMT_ENDPOINT_SIZE], int af, const uint8_t addr[16],
    uint16_t port)
{
	char a[FMT_ADDR_SIZE];

	fmt_addr(a, af, addr);
	if (af == 6)
		snprintf(buf, FMT_ENDPOINT_SIZE, "[%s]:%u", a, port);
	else
		snprintf(buf, FMT_ENDPOINT_SIZE, "%s:%u", a, port);
}
