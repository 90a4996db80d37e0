/* capture.c -- packet sources: saved files and live interfaces (libpcap).
 *
 * Every -r file is opened and given the filter before the first packet is
 * read, so a missing file or a bad filter is reported at once; files are
 * then read one after the other as one timeline.  A live interface is
 * opened with pcap_create()/pcap_activate() so that each failure (no such
 * device, no permission, interface down) gets its own clear message.
 * This module never decodes packet bytes.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __linux__
#include <linux/if_packet.h>
#include <sys/socket.h>
#endif

#include "tlsdiag/capture.h"
#include "tlsdiag/caps.h"
#include "tlsdiag/decode.h"

struct source {
	pcap_t *p;
	FILE *fp;	  /* a file opened, its header not read yet */
	char *iobuf;	  /* fp's stdio buffer (CAP_FILE_BUFFER), freed after
			     the file is closed */
	const char *name; /* borrowed from the options */
	int dlt;
	/* -W: this worker's counters, published at each of its ticks for
	 * cap_stats() on another thread. */
	uint64_t packets, bytes, truncated;
	_Atomic uint64_t pub_packets, pub_bytes, pub_truncated;
};

struct capture {
	struct source *src;
	int nsrc;
	int cur;		 /* source being read */
	bool live;
	struct cap_opts opts; /* borrowed strings: the caller's */
	cap_tick_fn tick;
	void *tick_ctx;
	volatile sig_atomic_t stop;
	struct cap_stats st;
	int workers;		     /* -W: sockets in the fanout group */
	_Atomic uint64_t w_packets; /* -W: packets read by all workers */
};

/* Without an expression: a file is read whole (decode skips and counts
 * what is not TCP, whatever encapsulation hides it: VLAN tags, PPPoE, MPLS);
 * a live capture asks the kernel for TCP, including under one or two VLAN
 * tags on Ethernet, since a plain "tcp" silently misses every tagged frame
 * of a span port (BPF's "vlan" is what shifts the offsets past a tag). */
static const char *
default_filter(int dlt, bool live)
{
	if (!live)
		return "";
	return dlt == DLT_EN10MB ? "tcp or (vlan and (tcp or (vlan and tcp)))"
				 : "tcp";
}

static int
set_filter(pcap_t *p, const char *name, const char *expr, int dlt, bool live,
    char *errbuf)
{
	struct bpf_program prog;

	if (expr == NULL)
		expr = default_filter(dlt, live);
	if (expr[0] == '\0')
		return 0;
	if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(errbuf, CAP_ERRBUF_SIZE, "bad filter expression '%s': %s",
		    expr, pcap_geterr(p));
		return -1;
	}
	if (pcap_setfilter(p, &prog) != 0) {
		snprintf(errbuf, CAP_ERRBUF_SIZE, "%s: cannot set filter: %s",
		    name, pcap_geterr(p));
		pcap_freecode(&prog);
		return -1;
	}
	pcap_freecode(&prog);
	return 0;
}

static int
check_link(struct source *s, char *errbuf)
{
	const char *ln;

	s->dlt = pcap_datalink(s->p);
	if (decode_link_supported(s->dlt))
		return 0;
	ln = pcap_datalink_val_to_name(s->dlt);
	snprintf(errbuf, CAP_ERRBUF_SIZE,
	    "%s: unsupported link type %d (%s); supported: EN10MB, "
	    "LINUX_SLL, LINUX_SLL2, RAW, IPV4, IPV6, NULL, LOOP",
	    s->name, s->dlt, ln != NULL ? ln : "unknown");
	return -1;
}

/* Open a file for reading: nothing of it is parsed yet, so this may run
 * with privileges that are dropped before the header is read. */
static int
open_file(struct source *s, const char *file, char *errbuf)
{
	s->name = strcmp(file, "-") == 0 ? "(stdin)" : file;
	s->fp = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
	if (s->fp == NULL) {
		snprintf(errbuf, CAP_ERRBUF_SIZE, "%s: %s", file,
		    strerror(errno));
		return -1;
	}
	/* libpcap reads a file through stdio, a record header and then its
	 * packet at a time: a large buffer turns that into few big reads
	 * (glibc ignores the size unless it is given the buffer).  Without
	 * the memory, stdio's own buffer does; standard input keeps its own
	 * (libpcap does not close it, so a buffer of ours would outlive its
	 * use). */
	if (s->fp != stdin && (s->iobuf = malloc(CAP_FILE_BUFFER)) != NULL &&
	    setvbuf(s->fp, s->iobuf, _IOFBF, CAP_FILE_BUFFER) != 0) {
		free(s->iobuf);
		s->iobuf = NULL;
	}
	return 0;
}

/* Read a file's header (hostile input: after the privilege drop), check
 * its link type and set the filter. */
static int
activate_file(struct source *s, const struct cap_opts *o, char *errbuf)
{
	char pcerr[PCAP_ERRBUF_SIZE];

	pcerr[0] = '\0';
	s->p = pcap_fopen_offline_with_tstamp_precision(s->fp,
	    PCAP_TSTAMP_PRECISION_MICRO, pcerr);
	if (s->p == NULL) {
		snprintf(errbuf, CAP_ERRBUF_SIZE, "%s: %s", s->name, pcerr);
		return -1;
	}
	s->fp = NULL; /* pcap_close() closes it now */
	if (check_link(s, errbuf) != 0)
		return -1;
	return set_filter(s->p, s->name, o->filter, s->dlt, false, errbuf);
}

/* Explain a pcap_activate() failure the way an operator needs it. */
static void
activate_error(pcap_t *p, const char *iface, int rc, char *errbuf)
{
	const char *why = pcap_geterr(p);

	switch (rc) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		snprintf(errbuf, CAP_ERRBUF_SIZE,
		    "%s: no such interface (tlsdiag -D lists them)", iface);
		break;
	case PCAP_ERROR_PERM_DENIED:
		snprintf(errbuf, CAP_ERRBUF_SIZE,
		    "%s: permission denied: capturing needs root or "
		    "CAP_NET_RAW (%s)", iface, why);
		break;
	case PCAP_ERROR_IFACE_NOT_UP:
		snprintf(errbuf, CAP_ERRBUF_SIZE, "%s: interface is down",
		    iface);
		break;
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		snprintf(errbuf, CAP_ERRBUF_SIZE,
		    "%s: no permission for promiscuous mode (try -p)", iface);
		break;
	default:
		snprintf(errbuf, CAP_ERRBUF_SIZE, "%s: %s", iface,
		    why[0] != '\0' ? why : pcap_statustostr(rc));
		break;
	}
}

static int
open_live(struct source *s, const struct cap_opts *o, char *errbuf)
{
	char pcerr[PCAP_ERRBUF_SIZE];
	int rc;

	s->name = o->iface;
	pcerr[0] = '\0';
	s->p = pcap_create(o->iface, pcerr);
	if (s->p == NULL) {
		snprintf(errbuf, CAP_ERRBUF_SIZE, "%s: %s", o->iface, pcerr);
		return -1;
	}
	if (pcap_set_snaplen(s->p, o->snaplen) != 0 ||
	    pcap_set_promisc(s->p, o->promisc ? 1 : 0) != 0 ||
	    pcap_set_timeout(s->p, 100) != 0 ||
	    (o->immediate && pcap_set_immediate_mode(s->p, 1) != 0) ||
	    (o->buffer_size > 0 &&
		pcap_set_buffer_size(s->p, o->buffer_size * 1024) != 0)) {
		snprintf(errbuf, CAP_ERRBUF_SIZE, "%s: cannot set options: %s",
		    o->iface, pcap_geterr(s->p));
		return -1;
	}
	rc = pcap_activate(s->p);
	if (rc < 0) {
		activate_error(s->p, o->iface, rc, errbuf);
		return -1;
	}
	if (rc > 0 && rc != PCAP_WARNING_PROMISC_NOTSUP)
		fprintf(stderr, "tlsdiag: warning: %s: %s\n", o->iface,
		    pcap_geterr(s->p));
	if (check_link(s, errbuf) != 0)
		return -1;
	if (pcap_setnonblock(s->p, 1, pcerr) != 0) {
		snprintf(errbuf, CAP_ERRBUF_SIZE, "%s: %s", o->iface, pcerr);
		return -1;
	}
	return set_filter(s->p, s->name, o->filter, s->dlt, true, errbuf);
}

/* -W: put socket `s` in fanout group `*id`.  The group is created by the
 * first socket; when another process holds that id with other settings,
 * the next id is tried (only by the first socket: the rest follow it). */
static int
join_fanout(struct source *s, int *id, bool first, char *errbuf)
{
#if defined(__linux__) && defined(PACKET_FANOUT)
	int tries = first ? 64 : 1;

	while (tries-- > 0) {
		/* The group id in the low 16 bits, mode and flags above
		 * (unsigned: the DEFRAG flag reaches bit 31). */
		uint32_t arg = ((uint32_t)*id & 0xffffu) |
			       ((uint32_t)(PACKET_FANOUT_HASH |
				    PACKET_FANOUT_FLAG_DEFRAG) << 16);

		if (setsockopt(pcap_fileno(s->p), SOL_PACKET, PACKET_FANOUT,
			&arg, sizeof(arg)) == 0)
			return 0;
		if (errno != EADDRINUSE || tries == 0)
			break;
		*id = (*id + 1) & 0xffff;
	}
	snprintf(errbuf, CAP_ERRBUF_SIZE,
	    "%s: -W: cannot join an AF_PACKET fanout group: %s", s->name,
	    strerror(errno));
	return -1;
#else
	(void)s;
	(void)id;
	(void)first;
	snprintf(errbuf, CAP_ERRBUF_SIZE,
	    "-W: AF_PACKET fanout needs Linux");
	return -1;
#endif
}

struct capture *
cap_open(const struct cap_opts *o, char *errbuf)
{
	struct capture *c;
	int i, n, nstdin = 0;

	errbuf[0] = '\0';
	if ((o->iface == NULL) == (o->nfiles == 0)) {
		snprintf(errbuf, CAP_ERRBUF_SIZE,
		    "give either -i INTERFACE or -r FILE");
		return NULL;
	}
	for (i = 0; i < o->nfiles; i++)
		if (strcmp(o->files[i], "-") == 0)
			nstdin++;
	if (nstdin > 1) {
		snprintf(errbuf, CAP_ERRBUF_SIZE,
		    "standard input (-r -) can be read only once");
		return NULL;
	}
	if (o->workers > 1 && o->iface == NULL) {
		snprintf(errbuf, CAP_ERRBUF_SIZE,
		    "-W needs a live capture (-i): a file is one timeline, "
		    "read in order");
		return NULL;
	}
	n = o->iface != NULL ? (o->workers > 1 ? o->workers : 1) : o->nfiles;
	c = calloc(1, sizeof(*c));
	if (c == NULL || (c->src = calloc((size_t)n, sizeof(*c->src))) == NULL) {
		free(c);
		snprintf(errbuf, CAP_ERRBUF_SIZE, "out of memory");
		return NULL;
	}
	c->nsrc = n;
	c->live = o->iface != NULL;
	c->workers = c->live ? n : 1;
	c->opts = *o;
	for (i = 0; i < n; i++) {
		int rc = c->live ? open_live(&c->src[i], o, errbuf)
				 : open_file(&c->src[i], o->files[i], errbuf);
		if (rc != 0) {
			cap_close(c);
			return NULL;
		}
	}
	if (c->workers > 1) {
		int id = (int)(getpid() & 0xffff);

		for (i = 0; i < n; i++)
			if (join_fanout(&c->src[i], &id, i == 0, errbuf) != 0) {
				cap_close(c);
				return NULL;
			}
	}
	return c;
}

int
cap_activate(struct capture *c, char *errbuf)
{
	int i;

	errbuf[0] = '\0';
	for (i = 0; i < c->nsrc; i++)
		if (c->src[i].p == NULL &&
		    activate_file(&c->src[i], &c->opts, errbuf) != 0)
			return -1;
	return 0;
}

int
cap_run(struct capture *c, uint64_t count, cap_packet_fn fn, void *ctx,
    char *errbuf)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;

	errbuf[0] = '\0';
	while (c->cur < c->nsrc && !c->stop) {
		struct source *s = &c->src[c->cur];

		if (s->p == NULL) {
			snprintf(errbuf, CAP_ERRBUF_SIZE,
			    "%s: not activated (cap_activate)", s->name);
			return -1;
		}

		if (count != 0 && c->st.packets >= count)
			break;
		rc = pcap_next_ex(s->p, &h, &data);
		if (rc == 1) {
			c->st.packets++;
			c->st.bytes += h->len;
			if (h->caplen < h->len)
				c->st.truncated++;
			fn(ctx, h, data, s->dlt);
			if (c->tick != NULL &&
			    (c->st.packets & (CAP_TICK_PACKETS - 1)) == 0)
				c->tick(c->tick_ctx, false);
		} else if (rc == 0) {
			/* Live, non-blocking: nothing now.  Wait up to 100 ms
			 * for packets, and on a quiet interface let the
			 * periodic work run (signals, statistics, idle flows):
			 * libpcap's own read timeout does not return on Linux
			 * while no packet comes. */
			struct pollfd pfd;

			pfd.fd = pcap_get_selectable_fd(s->p);
			pfd.events = POLLIN;
			if (pfd.fd < 0 || poll(&pfd, 1, 100) == 0) {
				if (c->tick != NULL)
					c->tick(c->tick_ctx, true);
			}
			continue;
		} else if (rc == PCAP_ERROR_BREAK) {
			if (c->live)
				break;
			c->cur++; /* end of this file: on to the next */
		} else {
			snprintf(errbuf, CAP_ERRBUF_SIZE, "%s: %s", s->name,
			    pcap_geterr(s->p));
			return -1;
		}
	}
	return 0;
}

int
cap_workers(const struct capture *c)
{
	return c->workers;
}

/* A worker's counters, for cap_stats() on another thread. */
static void
publish(struct source *s)
{
	atomic_store_explicit(&s->pub_packets, s->packets,
	    memory_order_relaxed);
	atomic_store_explicit(&s->pub_bytes, s->bytes, memory_order_relaxed);
	atomic_store_explicit(&s->pub_truncated, s->truncated,
	    memory_order_relaxed);
}

int
cap_run_worker(struct capture *c, int w, uint64_t count, cap_packet_fn fn,
    void *ctx, cap_tick_fn tick, void *tick_ctx, char *errbuf)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	struct source *s;
	int rc;

	errbuf[0] = '\0';
	if (!c->live || w < 0 || w >= c->workers) {
		snprintf(errbuf, CAP_ERRBUF_SIZE, "no capture worker %d", w);
		return -1;
	}
	s = &c->src[w];
	while (!c->stop) {
		if (count != 0 && atomic_load_explicit(&c->w_packets,
				      memory_order_relaxed) >= count)
			break;
		rc = pcap_next_ex(s->p, &h, &data);
		if (rc == 1) {
			/* -c counts the packets of all workers: the one
			 * that reads past the count drops it. */
			if (count != 0 && atomic_fetch_add(&c->w_packets, 1) >=
					      count)
				break;
			s->packets++;
			s->bytes += h->len;
			if (h->caplen < h->len)
				s->truncated++;
			fn(ctx, h, data, s->dlt);
			if ((s->packets & (CAP_TICK_PACKETS - 1)) == 0) {
				publish(s);
				if (tick != NULL)
					tick(tick_ctx, false);
			}
		} else if (rc == 0) {
			struct pollfd pfd;

			pfd.fd = pcap_get_selectable_fd(s->p);
			pfd.events = POLLIN;
			if (pfd.fd < 0 || poll(&pfd, 1, 100) == 0) {
				publish(s);
				if (tick != NULL)
					tick(tick_ctx, true);
			}
		} else if (rc == PCAP_ERROR_BREAK) {
			break;
		} else {
			snprintf(errbuf, CAP_ERRBUF_SIZE, "%s: %s", s->name,
			    pcap_geterr(s->p));
			publish(s);
			return -1;
		}
	}
	publish(s);
	return 0;
}

void
cap_set_tick(struct capture *c, cap_tick_fn fn, void *ctx)
{
	c->tick = fn;
	c->tick_ctx = ctx;
}

void
cap_break(struct capture *c)
{
	int i;

	c->stop = 1;
	if (c->workers > 1) {
		for (i = 0; i < c->nsrc; i++)
			if (c->src[i].p != NULL)
				pcap_breakloop(c->src[i].p);
	} else if (c->cur < c->nsrc && c->src[c->cur].p != NULL) {
		pcap_breakloop(c->src[c->cur].p);
	}
}

void
cap_stats(struct capture *c, struct cap_stats *st)
{
	struct pcap_stat ps;
	int i;

	*st = c->st;
	if (c->workers > 1) {
		for (i = 0; i < c->nsrc; i++) {
			struct source *s = &c->src[i];

			st->packets += atomic_load_explicit(&s->pub_packets,
			    memory_order_relaxed);
			st->bytes += atomic_load_explicit(&s->pub_bytes,
			    memory_order_relaxed);
			st->truncated += atomic_load_explicit(
			    &s->pub_truncated, memory_order_relaxed);
		}
	}
	if (!c->live)
		return;
	/* Each fanout socket has its own kernel counters; the interface's
	 * drops are the same for all of them. */
	for (i = 0; i < c->nsrc; i++) {
		if (c->src[i].p == NULL || pcap_stats(c->src[i].p, &ps) != 0)
			continue;
		st->have_kernel = true;
		st->kernel_recv += ps.ps_recv;
		st->kernel_drop += ps.ps_drop;
		if (i == 0)
			st->iface_drop = ps.ps_ifdrop;
	}
}

int
cap_datalink(const struct capture *c)
{
	return c->src[0].dlt;
}

const char *
cap_link_name(const struct capture *c)
{
	const char *n;
	int i = c->cur < c->nsrc ? c->cur : c->nsrc - 1;

	n = pcap_datalink_val_to_name(c->src[i].dlt);
	return n != NULL ? n : "unknown";
}

void
cap_close(struct capture *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nsrc; i++) {
		if (c->src[i].p != NULL)
			pcap_close(c->src[i].p);
		else if (c->src[i].fp != NULL && c->src[i].fp != stdin)
			fclose(c->src[i].fp);
		free(c->src[i].iobuf);
	}
	free(c->src);
	free(c);
}

int
cap_list_interfaces(FILE *out, char *errbuf)
{
	pcap_if_t *all, *d;
	char pcerr[PCAP_ERRBUF_SIZE];
	int i = 0;

	if (pcap_findalldevs(&all, pcerr) != 0) {
		snprintf(errbuf, CAP_ERRBUF_SIZE, "cannot list interfaces: %s",
		    pcerr);
		return -1;
	}
	for (d = all; d != NULL; d = d->next) {
		fprintf(out, "%d.%s", ++i, d->name);
		if (d->description != NULL)
			fprintf(out, " (%s)", d->description);
		fprintf(out, " [%s%s%s]",
		    (d->flags & PCAP_IF_UP) ? "Up" : "Down",
		    (d->flags & PCAP_IF_RUNNING) ? ", Running" : "",
		    (d->flags & PCAP_IF_LOOPBACK) ? ", Loopback" : "");
		fputc('\n', out);
	}
	pcap_freealldevs(all);
	return 0;
}
