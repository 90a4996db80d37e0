/* pcapout.c -- -w FILE: the packets of connections that did not establish.
 *
 * libpcap writes the file (pcap_dump_fopen on a pcap_open_dead handle), so
 * the format is exactly what Wireshark and tcpdump expect.  With -W N the
 * workers write to one file: a mutex keeps each packet whole.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "tlsdiag/pcapout.h"

struct pcapout {
	FILE *fp;		/* until pcapout_start */
	const char *path;	/* borrowed, for messages */
	pcap_t *dead;
	pcap_dumper_t *d;
	int dlt;
	pthread_mutex_t mu; /* guards d and st once started */
	struct pcapout_stats st;
};

struct pcapout *
pcapout_open(const char *path, char *errbuf, size_t errlen)
{
	struct pcapout *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	w->path = path;
	w->fp = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
	if (w->fp == NULL) {
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		free(w);
		return NULL;
	}
	pthread_mutex_init(&w->mu, NULL);
	return w;
}

int
pcapout_start(struct pcapout *w, int dlt, int snaplen, char *errbuf,
    size_t errlen)
{
	w->dead = pcap_open_dead_with_tstamp_precision(dlt, snaplen,
	    PCAP_TSTAMP_PRECISION_MICRO);
	if (w->dead == NULL) {
		snprintf(errbuf, errlen, "%s: out of memory", w->path);
		return -1;
	}
	w->d = pcap_dump_fopen(w->dead, w->fp);
	if (w->d == NULL) {
		snprintf(errbuf, errlen, "%s: %s", w->path,
		    pcap_geterr(w->dead));
		return -1;
	}
	w->fp = NULL; /* the dumper owns it now */
	w->dlt = dlt;
	return 0;
}

void
pcapout_write(struct pcapout *w, uint64_t ts_us, uint32_t caplen,
    uint32_t wirelen, int dlt, const uint8_t *data)
{
	struct pcap_pkthdr h;

	if (w == NULL || w->d == NULL)
		return;
	h.ts.tv_sec = (time_t)(ts_us / 1000000u);
	h.ts.tv_usec = (suseconds_t)(ts_us % 1000000u);
	h.caplen = caplen;
	h.len = wirelen;
	pthread_mutex_lock(&w->mu);
	if (dlt != w->dlt) {
		w->st.other_link++;
	} else {
		pcap_dump((u_char *)w->d, &h, data);
		w->st.packets++;
	}
	pthread_mutex_unlock(&w->mu);
}

void
pcapout_count_dropped(struct pcapout *w, uint64_t n)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->st.dropped += n;
	pthread_mutex_unlock(&w->mu);
}

void
pcapout_stats(struct pcapout *w, struct pcapout_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	*st = w->st;
	pthread_mutex_unlock(&w->mu);
}

int
pcapout_close(struct pcapout *w, char *errbuf, size_t errlen)
{
	int rc = 0;

	if (w == NULL)
		return 0;
	if (w->d != NULL) {
		if (pcap_dump_flush(w->d) != 0) {
			snprintf(errbuf, errlen, "%s: write error", w->path);
			rc = -1;
		}
		pcap_dump_close(w->d);
	} else if (w->fp != NULL && w->fp != stdout) {
		fclose(w->fp);
	}
	if (w->dead != NULL)
		pcap_close(w->dead);
	pthread_mutex_destroy(&w->mu);
	free(w);
	return rc;
}
