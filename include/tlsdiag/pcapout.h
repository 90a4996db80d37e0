/* pcapout.h -- -w FILE: the packets of connections that did not establish.
 *
 * pcapout owns the output file: it is opened before the privilege drop
 * (pcapout_open), given its link type once the capture's is known
 * (pcapout_start, after the drop), and written one packet at a time as
 * classic pcap with microsecond times.  It never reads packet bytes; it
 * only copies them.  Packets of a link type other than the file's are
 * counted and skipped (one pcap file has one link type).
 */
#ifndef TLSDIAG_PCAPOUT_H
#define TLSDIAG_PCAPOUT_H

#include <stddef.h>
#include <stdint.h>

struct pcapout;

struct pcapout_stats {
	uint64_t packets;	/* written */
	uint64_t other_link;	/* skipped: another link type */
	uint64_t dropped;	/* not kept: a connection's cap was reached */
};

/* Open FILE for writing ("-" is standard output).  NULL with a one-line
 * message in errbuf. */
struct pcapout *pcapout_open(const char *path, char *errbuf, size_t errlen);

/* The file's link type and snapshot length; writes the file header. */
int pcapout_start(struct pcapout *w, int dlt, int snaplen, char *errbuf,
    size_t errlen);

void pcapout_write(struct pcapout *w, uint64_t ts_us, uint32_t caplen,
    uint32_t wirelen, int dlt, const uint8_t *data);

/* A connection's packets that could not be kept (its cap was reached). */
void pcapout_count_dropped(struct pcapout *w, uint64_t n);

void pcapout_stats(struct pcapout *w, struct pcapout_stats *st);

/* Flush and close; 0, or -1 with the message (a write error). */
int pcapout_close(struct pcapout *w, char *errbuf, size_t errlen);

#endif
