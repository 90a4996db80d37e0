/* floor.c -- the benchmark's floor: a bare libpcap read loop over a file.
 *
 * Reads a capture with pcap_open_offline() and pcap_next_ex() and touches
 * each packet as little as possible, so that its run time is what reading
 * the file costs and nothing else.  tests/bench/run.sh quotes tlsdiag's
 * speed as a ratio against this loop, measured in the same invocation, so
 * that the number means "how much slower than merely reading the packets"
 * whatever the machine.  It must never do per-packet work beyond what keeps
 * the compiler from deleting the loop: anything more would flatter tlsdiag.
 *
 * Output, one line on stdout:
 *   packets N bytes B wire_bytes W seconds S touch T
 * where B sums caplen (bytes read), W sums len (bytes on the wire) and T
 * is a byte derived from the packets, printed only so it must be computed.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <pcap/pcap.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hdr;
	const unsigned char *data;
	uint64_t packets = 0, bytes = 0, wire = 0;
	unsigned int touch = 0;
	pcap_t *p;
	double t0, t1;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE\n", argv[0]);
		return 2;
	}
	t0 = now();
	p = pcap_open_offline(argv[1], errbuf);
	if (p == NULL) {
		fprintf(stderr, "floor: %s: %s\n", argv[1], errbuf);
		return 1;
	}
	while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
		packets++;
		bytes += hdr->caplen;
		wire += hdr->len;
		/*
		 * Reading one byte of each packet makes the loop fault in the
		 * data as any real consumer would; libpcap has already copied
		 * the record into its buffer, so this costs almost nothing.
		 */
		if (hdr->caplen > 0)
			touch += data[0];
	}
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "floor: %s: %s\n", argv[1], pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	t1 = now();
	printf("packets %" PRIu64 " bytes %" PRIu64 " wire_bytes %" PRIu64
	       " seconds %.6f touch %u\n",
	       packets, bytes, wire, t1 - t0, touch & 0xff);
	return 0;
}
