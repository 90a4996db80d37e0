/* capture.h -- packet sources: saved files and live interfaces (libpcap).
 *
 * capture opens the sources (every -r file up front, so a missing file is
 * reported before any packet is read; or one live interface), compiles and
 * sets the BPF filter on each (for files after their headers are read, which
 * may be after the privilege drop), and reads packets in order, the files one
 * after the other as one timeline.  It owns the pcap handles.  It never
 * decodes a packet: it hands the bytes and the link type to a callback.
 */
#ifndef TLSDIAG_CAPTURE_H
#define TLSDIAG_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <pcap/pcap.h>

#define CAP_ERRBUF_SIZE 512

struct cap_opts {
	const char *const *files; /* -r FILE..., "-" is stdin */
	int nfiles;
	const char *iface;	  /* -i IFACE; NULL when reading files */
	int snaplen;		  /* -s */
	bool promisc;		  /* not -p */
	int buffer_size;	  /* -B, in KiB; 0 keeps libpcap's default */
	bool immediate;		  /* deliver live packets as they come */
	const char *filter;	  /* BPF expression; "" means all packets;
				     NULL: files are read whole, live
				     captures get TCP, also under VLAN tags */
	int workers;		  /* -W: live sockets in one AF_PACKET
				     fanout group (0 or 1: one socket) */
};

struct cap_stats {
	uint64_t packets;	  /* packets read */
	uint64_t bytes;		  /* their wire length */
	uint64_t truncated;	  /* caplen < wire length */
	bool have_kernel;	  /* live: the fields below are valid */
	uint64_t kernel_recv;	  /* pcap_stats ps_recv */
	uint64_t kernel_drop;	  /* ps_drop: the buffer was full */
	uint64_t iface_drop;	  /* ps_ifdrop */
};

/* One packet: `data` is borrowed and valid only during the call. */
typedef void (*cap_packet_fn)(void *ctx, const struct pcap_pkthdr *h,
    const uint8_t *data, int dlt);

struct capture;

/* Called now and then while reading: every CAP_TICK_PACKETS packets, and
 * on every read timeout of a live capture (idle true: about every 100 ms
 * while nothing arrives), for periodic work (statistics, signals, idle
 * flows).  A power of two. */
#define CAP_TICK_PACKETS 1024
typedef void (*cap_tick_fn)(void *ctx, bool idle);

/* Open every source: a live interface is opened, activated and given its
 * filter (this needs the privileges); files are only opened, their headers
 * are read by cap_activate(), which can run after the privilege drop.  On
 * error returns NULL with a one-line message naming the file or interface
 * in errbuf.  `o` and its strings must outlive the capture. */
struct capture *cap_open(const struct cap_opts *o, char *errbuf);

/* Read the headers of the files opened by cap_open(), check their link
 * types and set the filter on them.  0, or -1 with the message in errbuf.
 * Nothing to do for a live capture. */
int cap_activate(struct capture *c, char *errbuf);

/* Read up to `count` packets (0: no limit) across all sources.  Returns 0
 * at the end of the input or after cap_break(), -1 on a read error (a
 * truncated or corrupt file) with the message in errbuf. */
int cap_run(struct capture *c, uint64_t count, cap_packet_fn fn, void *ctx,
    char *errbuf);

void cap_set_tick(struct capture *c, cap_tick_fn fn, void *ctx);

/* -W N: a live capture opened with o->workers > 1 has N sockets on the
 * interface, joined in one AF_PACKET fanout group hashed by flow
 * (PACKET_FANOUT_HASH, symmetric: both directions of a connection reach
 * the same socket; IP fragments are reassembled first so they follow their
 * flow).  Worker `w` (0..N-1) reads socket w with cap_run_worker(), each
 * from its own thread; `tick` (may be NULL) is that worker's periodic
 * call, with the same meaning as cap_set_tick()'s.  `count` (-c) is for
 * all workers together.  Returns as cap_run(). */
int cap_workers(const struct capture *c);
int cap_run_worker(struct capture *c, int w, uint64_t count, cap_packet_fn fn,
    void *ctx, cap_tick_fn tick, void *tick_ctx, char *errbuf);

/* Stop cap_run() soon; safe from a signal handler. */
void cap_break(struct capture *c);

/* Counters; for a live capture, also libpcap's (kernel) statistics, summed
 * over the workers' sockets.  Safe to call from any thread while workers
 * run (the counters are then those of each worker's last tick). */
void cap_stats(struct capture *c, struct cap_stats *st);

/* The link type of the first source (after cap_activate()). */
int cap_datalink(const struct capture *c);

/* The link type name of the source being read ("EN10MB"). */
const char *cap_link_name(const struct capture *c);

void cap_close(struct capture *c);

/* -D: print the interfaces libpcap can open, tcpdump style.  0 or -1. */
int cap_list_interfaces(FILE *out, char *errbuf);

#endif
