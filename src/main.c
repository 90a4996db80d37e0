/* main.c -- command line, wiring of the modules, and the order of things.
 *
 * tlsdiag's options follow tcpdump's habits (-r, -i, -c, -s, -p, -B, -D,
 * a trailing filter expression).  main parses options, opens the sources,
 * connects capture -> sensor -> consumer, runs, and prints the summary.  It
 * parses no packet bytes itself.  Exit status: 0 success, 1 a runtime error
 * (unreadable or corrupt input, no permission), 2 a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "tlsdiag/capture.h"
#include "tlsdiag/caps.h"
#include "tlsdiag/certcheck.h"
#include "tlsdiag/conn.h"
#include "tlsdiag/infer.h"
#include "tlsdiag/keylog.h"
#include "tlsdiag/metrics.h"
#include "tlsdiag/out_flows.h"
#include "tlsdiag/out_json.h"
#include "tlsdiag/out_text.h"
#include "tlsdiag/pcapout.h"
#include "tlsdiag/priv.h"
#include "tlsdiag/sensor.h"
#include "tlsdiag/summary.h"

#define TLSDIAG_VERSION "0.1.0"

/* Most -r options accepted at once; tcpdump reads one, we read a timeline. */
#define MAX_FILES 256

/* The longest filter expression: a BPF program this long is a mistake. */
#define MAX_FILTER 8192

static struct capture *g_cap; /* for the signal handler only */
static volatile sig_atomic_t g_usr1, g_hup; /* summary, reopen asked */

/* Where each decided connection goes: the inference engine, then the
 * text report and/or JSON lines, and the metrics.  With -W N the workers
 * share them, one connection at a time (mu): the fleet tables of the
 * inference engine, the summary and the outputs are the whole sensor's. */
struct outputs {
	pthread_mutex_t mu;
	struct infer *infer;
	struct out_text text;
	bool text_on;
	FILE *json;	/* NULL: no JSON */
	struct metrics *metrics; /* NULL: no --metrics */
	struct summary sum;
};

static void
emit(void *ctx, const struct conn_result *r)
{
	struct outputs *o = ctx;
	struct conn_result rr = *r;
	struct infer_cause cause;
	const struct tls_facts *fa = r->facts;

	pthread_mutex_lock(&o->mu);
	if (o->infer != NULL) {
		infer_judge(o->infer, r, &cause);
		rr.cause = &cause;
	}
	summary_add(&o->sum, r, rr.cause);
	if (o->json != NULL)
		out_json_write(o->json, &rr);
	if (o->text_on)
		out_text_write(&o->text, &rr);
	if (o->metrics != NULL)
		metrics_count_result(o->metrics, conn_result_name(r->result),
		    rr.cause != NULL && rr.cause->cause != INFER_NONE
			? rr.cause->id : NULL,
		    rr.cause != NULL ? rr.cause->fix_side : NULL,
		    fa != NULL && fa->ch.sni_present ? fa->ch.sni : NULL,
		    fa != NULL && fa->ch.sni_present ? fa->ch.sni_len : 0);
	pthread_mutex_unlock(&o->mu);
}

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: tlsdiag [-Dnpv] [-r FILE]... [-i IFACE] [-c COUNT] [-s SNAPLEN]\n"
	    "               [-B KIB] [-W N] [-w FILE] [--json FILE|-] [--ca-file FILE]\n"
	    "               [--ca-dir DIR] [--add-ca FILE] [--crl FILE]\n"
	    "               [--no-cert-cache] [--keylog FILE] [-Z USER] [--no-drop]\n"
	    "               [--metrics ADDR:PORT] [--stats-interval SEC]\n"
	    "               [--tls-port PORT] [--max-flows N] [--max-memory SIZE]\n"
	    "               [--flows] [expression]\n"
	    "\n"
	    "Passive TLS handshake failure analyzer.\n"
	    "\n"
	    "  -r FILE        read packets from a pcap or pcapng file; '-' is standard\n"
	    "                 input; repeat to read several files as one timeline\n"
	    "  -i IFACE       capture live on an interface ('any' for all)\n"
	    "  -p             do not put the interface into promiscuous mode\n"
	    "  -s SNAPLEN     bytes to capture per packet (default %d)\n"
	    "  -B KIB         kernel capture buffer size in KiB (default 32768)\n"
	    "  -W N           live: N worker threads fed by an AF_PACKET fanout group,\n"
	    "                 flows hashed to workers (default 1)\n"
	    "  -c COUNT       stop after COUNT packets (of all workers)\n"
	    "  -D             list the interfaces that can be captured on\n"
	    "  -n             accepted for tcpdump habits: tlsdiag never resolves names\n"
	    "  -v             also report established handshakes in the text output\n"
	    "  --json FILE    write one JSON object per TLS connection to FILE\n"
	    "                 ('-' is standard output, and then no text report)\n"
	    "  --ca-file FILE trust the CA certificates in FILE instead of the system\n"
	    "                 bundle (repeatable)\n"
	    "  --ca-dir DIR   trust the CA certificates in DIR instead of the system\n"
	    "                 bundle (repeatable)\n"
	    "  --add-ca FILE  trust FILE's CA certificates besides the system bundle\n"
	    "  --crl FILE     check serials against a CRL, PEM or DER (repeatable)\n"
	    "  --no-cert-cache  decode and validate every chain anew (for measuring)\n"
	    "  -Z USER        started as root, drop to USER once the capture, trust\n"
	    "                 store and outputs are open (default: nobody)\n"
	    "  --no-drop      keep root (not recommended: packets are hostile input)\n"
	    "  --metrics ADDR:PORT  serve Prometheus metrics at http://ADDR:PORT/metrics\n"
	    "  --tls-port PORT  plaintext to PORT is not_tls, as on 443 (repeatable)\n"
	    "  --keylog FILE  decrypt handshakes with the TLS secrets of an NSS key\n"
	    "                 log (SSLKEYLOGFILE); followed as it grows (repeatable)\n"
	    "  --stats-interval SEC  print the summary and counters every SEC seconds\n"
	    "                 (also on SIGUSR1; SIGHUP reopens the --json file)\n"
	    "  -w FILE        write the packets of connections that did not establish\n"
	    "                 to FILE (pcap; '-' is standard output)\n"
	    "  --flows        print one line per TCP connection (debugging view)\n"
	    "  --max-flows N  connections tracked at once (default %d)\n"
	    "  --max-memory SIZE  memory for flows, buffers, caches and tables, in\n"
	    "                 bytes or with K, M, G (default %uM, at least %uM); the\n"
	    "                 least recently active work is shed first, and counted\n"
	    "  -h, --help     this help\n"
	    "  --version      print the version\n"
	    "  expression     a BPF filter, as in tcpdump (default: all TCP, also\n"
	    "                 under VLAN tags, PPPoE and MPLS)\n",
	    CAP_SNAPLEN_DEFAULT, FLOW_MAX_DEFAULT, MEM_MAX_DEFAULT >> 20,
	    MEM_MIN >> 20);
}

static void
die(int code, const char *fmt, const char *arg)
{
	fprintf(stderr, "tlsdiag: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(code);
}

/* A whole non-negative decimal number in [min, max], or a usage error. */
static uint64_t
parse_num(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		goto bad;
	return v;
bad:
	fprintf(stderr, "tlsdiag: %s: invalid number '%s' (expected %" PRIu64
	    "..%" PRIu64 ")\n", opt, s, min, max);
	exit(2);
}

/* A size in bytes: a whole number, with an optional K, M or G (powers of
 * 1024), at least `min`; or a usage error. */
static size_t
parse_size(const char *opt, const char *s, uint64_t min)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		goto bad;
	switch (*end) {
	case 'K':
	case 'k':
		shift = 10;
		break;
	case 'M':
	case 'm':
		shift = 20;
		break;
	case 'G':
	case 'g':
		shift = 30;
		break;
	}
	if (shift != 0)
		end++;
	if (*end != '\0' || v > (SIZE_MAX >> shift) || (v << shift) < min)
		goto bad;
	return (size_t)(v << shift);
bad:
	fprintf(stderr, "tlsdiag: %s: invalid size '%s' (expected bytes, or a "
	    "number with K, M or G; at least %" PRIu64 "M)\n", opt, s,
	    min >> 20);
	exit(2);
}

/* --max-memory: the certificate cache sheds through the sensor. */
static bool
shed_cert_cache(void *cache)
{
	return x509_cache_shed(cache);
}

static void
on_signal(int sig)
{
	if (sig == SIGUSR1) {
		g_usr1 = 1;
		return;
	}
	if (sig == SIGHUP) {
		g_hup = 1;
		return;
	}
	if (g_cap != NULL)
		cap_break(g_cap);
}

/* One worker: a sensor (flow table, reassembly, memory budget), the
 * connection consumer and its certificate cache and trust store.  Without
 * -W there is one, run by the main thread; with -W N each has a thread and
 * a socket of the fanout group, and copies its counters (snap, under
 * snap_mu) at each tick for the main thread's reports. */
struct worker {
	int idx;
	pthread_t th;
	struct run *run;
	struct sensor *sn;
	struct conn_ctx cc;
	struct x509_store *store;
	struct x509_cache *xcache;
	struct certcheck_ctx certs;
	uint64_t last_expire_s;
	int rc;
	char errbuf[CAP_ERRBUF_SIZE];
	pthread_mutex_t snap_mu;
	struct sensor_totals snap;
	uint64_t snap_nomem;
	struct x509_cache_stats snap_x;
};

/* What the periodic work needs: borrowed from main. */
struct run {
	struct outputs *outs;
	struct worker *w;
	int nw;
	bool threaded; /* -W N > 1: the workers run in their own threads */
	/* -W: the budgets of what the workers share, added to the totals
	 * (the key log's under its lock). */
	const struct membudget *shared_fleet, *shared_keylog;
	pthread_mutex_t *keylog_mu;
	atomic_int running;
	struct capture *cap;
	const char *json_path;
	bool flows, live;
	uint64_t count;
	uint64_t stats_interval_s; /* 0: none */
	uint64_t last_stats_s, last_metrics_s;
};

static uint64_t
mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec;
}

/* A worker's counters: its own (same thread, or after it ended), or the
 * copy of its last tick. */
static void
worker_counters(struct worker *w, bool live_copy, struct sensor_totals *t,
    uint64_t *nomem, struct x509_cache_stats *xs)
{
	if (live_copy) {
		pthread_mutex_lock(&w->snap_mu);
		*t = w->snap;
		*nomem = w->snap_nomem;
		*xs = w->snap_x;
		pthread_mutex_unlock(&w->snap_mu);
		return;
	}
	sensor_totals_get(w->sn, t);
	*nomem = w->cc.nomem;
	memset(xs, 0, sizeof(*xs));
	if (w->xcache != NULL)
		x509_cache_get_stats(w->xcache, xs);
}

/* The counters of all workers added up. */
static void
gather(struct run *r, struct sensor_totals *t, uint64_t *nomem,
    struct x509_cache_stats *xs)
{
	bool live_copy = r->threaded && atomic_load(&r->running) > 0;
	int i;

	memset(t, 0, sizeof(*t));
	memset(xs, 0, sizeof(*xs));
	*nomem = 0;
	for (i = 0; i < r->nw; i++) {
		struct sensor_totals wt;
		struct x509_cache_stats wx;
		uint64_t wn;

		worker_counters(&r->w[i], live_copy, &wt, &wn, &wx);
		sensor_totals_add(t, &wt);
		*nomem += wn;
		xs->chain_hits += wx.chain_hits;
		xs->chain_misses += wx.chain_misses;
	}
	if (r->threaded) {
		struct membudget kb;

		pthread_mutex_lock(r->keylog_mu);
		kb = *r->shared_keylog;
		pthread_mutex_unlock(r->keylog_mu);
		sensor_totals_add_budget(t, SENSOR_MEM_FLEET, r->shared_fleet);
		sensor_totals_add_budget(t, SENSOR_MEM_KEYLOG, &kb);
	}
}

/* Capture, memory and flow counters, for every summary. */
static void
print_counters(struct run *r, FILE *out)
{
	struct cap_stats cs;
	struct sensor_totals t;
	struct x509_cache_stats xs;
	uint64_t nomem;

	cap_stats(r->cap, &cs);
	gather(r, &t, &nomem, &xs);
	if (r->nw > 1) {
		/* How evenly the fanout hash shares the packets out. */
		bool live_copy = r->threaded && atomic_load(&r->running) > 0;
		int i;

		fprintf(out, "tlsdiag: %d workers (-W), packets each:", r->nw);
		for (i = 0; i < r->nw; i++) {
			struct sensor_totals wt;
			struct x509_cache_stats wx;
			uint64_t wn;

			worker_counters(&r->w[i], live_copy, &wt, &wn, &wx);
			fprintf(out, " %" PRIu64, wt.st.packets);
		}
		fputc('\n', out);
	}
	sensor_print_totals(&t, out, "tlsdiag: ");
	if (cs.truncated != 0)
		fprintf(out, "tlsdiag: %" PRIu64
		    " packets cut by the snaplen\n", cs.truncated);
	if (cs.have_kernel)
		fprintf(out, "tlsdiag: %" PRIu64 " received by filter, %"
		    PRIu64 " dropped by kernel, %" PRIu64
		    " dropped by interface\n", cs.kernel_recv, cs.kernel_drop,
		    cs.iface_drop);
	if (nomem != 0)
		fprintf(out, "tlsdiag: %" PRIu64
		    " connections not followed (memory)\n", nomem);
}

static void
update_metrics(struct run *r)
{
	struct metrics *m = r->outs->metrics;
	struct cap_stats cs;
	struct sensor_totals t;
	struct x509_cache_stats xs;
	uint64_t nomem;

	if (m == NULL)
		return;
	cap_stats(r->cap, &cs);
	gather(r, &t, &nomem, &xs);
	metrics_set_capture(m, &cs);
	metrics_set_flows(m, &t.fs);
	metrics_set_memory(m, t.mem.used);
	metrics_set_memory_budget(m, &t);
	if (r->w[0].xcache != NULL)
		metrics_set_cert_cache(m, xs.chain_hits, xs.chain_misses);
}

/* Reopen --json FILE (SIGHUP, after logrotate moved it).  After the
 * privilege drop this needs a directory the user may write to; when it
 * fails the old file is kept and the failure said. */
static void
reopen_json(struct run *r)
{
	FILE *n;

	if (r->json_path == NULL || r->outs->json == NULL ||
	    r->outs->json == stdout)
		return;
	if ((n = fopen(r->json_path, "a")) == NULL) {
		fprintf(stderr, "tlsdiag: cannot reopen %s: %s (still writing "
		    "to the old file)\n", r->json_path, strerror(errno));
		return;
	}
	pthread_mutex_lock(&r->outs->mu);
	fclose(r->outs->json);
	r->outs->json = n;
	pthread_mutex_unlock(&r->outs->mu);
}

/* Live and quiet: connections still age, in wall time (which is packet
 * time on a live capture); at most once a second. */
static void
expire_idle(struct worker *w, uint64_t now_s)
{
	struct timespec t;

	if (now_s == w->last_expire_s)
		return;
	w->last_expire_s = now_s;
	clock_gettime(CLOCK_REALTIME, &t);
	flow_expire(sensor_flows(w->sn),
	    (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u);
}

/* The sensor-wide periodic work: signals, summaries, metrics.  Run by the
 * main thread: from the capture's tick without -W, from its own loop with
 * -W. */
static void
periodic(struct run *r)
{
	uint64_t now = mono_s();

	if (g_hup) {
		g_hup = 0;
		reopen_json(r);
	}
	if (g_usr1 || (r->stats_interval_s != 0 &&
			  now - r->last_stats_s >= r->stats_interval_s)) {
		g_usr1 = 0;
		r->last_stats_s = now;
		if (!r->flows) {
			pthread_mutex_lock(&r->outs->mu);
			summary_print(&r->outs->sum, stderr, "tlsdiag: ");
			pthread_mutex_unlock(&r->outs->mu);
		}
		print_counters(r, stderr);
	}
	if (now != r->last_metrics_s) {
		r->last_metrics_s = now;
		update_metrics(r);
	}
}

/* Every CAP_TICK_PACKETS packets and on idle read timeouts (no -W). */
static void
tick(void *ctx, bool idle)
{
	struct run *r = ctx;

	periodic(r);
	if (idle && r->live)
		expire_idle(&r->w[0], mono_s());
}

/* A worker's tick (-W): its idle flows, and a copy of its counters. */
static void
worker_tick(void *ctx, bool idle)
{
	struct worker *w = ctx;

	if (idle)
		expire_idle(w, mono_s());
	pthread_mutex_lock(&w->snap_mu);
	sensor_totals_get(w->sn, &w->snap);
	w->snap_nomem = w->cc.nomem;
	if (w->xcache != NULL)
		x509_cache_get_stats(w->xcache, &w->snap_x);
	pthread_mutex_unlock(&w->snap_mu);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->run;

	w->rc = cap_run_worker(r->cap, w->idx, r->count, sensor_packet, w->sn,
	    worker_tick, w, w->errbuf);
	if (w->rc != 0)
		cap_break(r->cap); /* one socket failed: the run ends */
	sensor_finish(w->sn);
	worker_tick(w, false);
	atomic_fetch_sub(&r->running, 1);
	return NULL;
}

/* -W N: a thread per worker; the main thread does the periodic work until
 * every worker has ended.  The workers leave signals to the main thread. */
static int
run_workers(struct run *r, char *errbuf)
{
	sigset_t block, old;
	int i, started = 0, rc = 0;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	atomic_store(&r->running, r->nw);
	for (i = 0; i < r->nw; i++) {
		if (pthread_create(&r->w[i].th, NULL, worker_main, &r->w[i]) !=
		    0) {
			atomic_fetch_sub(&r->running, r->nw - i);
			cap_break(r->cap);
			snprintf(errbuf, CAP_ERRBUF_SIZE,
			    "-W: cannot start worker %d", i + 1);
			rc = -1;
			break;
		}
		started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	while (atomic_load(&r->running) > 0) {
		struct timespec ts = {0, 100 * 1000 * 1000};

		nanosleep(&ts, NULL);
		periodic(r);
	}
	for (i = 0; i < started; i++) {
		pthread_join(r->w[i].th, NULL);
		if (r->w[i].rc != 0 && rc == 0) {
			memcpy(errbuf, r->w[i].errbuf, CAP_ERRBUF_SIZE);
			rc = -1;
		}
	}
	return rc;
}

/* Join the trailing arguments into one filter expression, as tcpdump does. */
static const char *
join_filter(char **argv, int argc, char *buf, size_t size)
{
	size_t used = 0;
	int i;

	if (argc == 0)
		return NULL; /* capture's default: TCP, also under VLAN tags */
	buf[0] = '\0';
	for (i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (used + n + 2 > size)
			die(2, "%s", "filter expression too long");
		if (i > 0)
			buf[used++] = ' ';
		memcpy(buf + used, argv[i], n);
		used += n;
		buf[used] = '\0';
	}
	return buf;
}

enum {
	OPT_FLOWS = 256,
	OPT_VERSION,
	OPT_MAX_FLOWS,
	OPT_JSON,
	OPT_CA_FILE,
	OPT_CA_DIR,
	OPT_ADD_CA,
	OPT_CRL,
	OPT_NO_CERT_CACHE,
	OPT_NO_DROP,
	OPT_METRICS,
	OPT_TLS_PORT,
	OPT_STATS_INTERVAL,
	OPT_KEYLOG,
	OPT_MAX_MEMORY,
};

/* --keylog files followed at once; a few cover every client of a test. */
#define MAX_KEYLOGS 16

/* The key logs: one store fed by every --keylog file, shared by the
 * workers (mu). */
struct keylogs {
	pthread_mutex_t mu;
	struct keylog_store store;
	struct keylog_file file[MAX_KEYLOGS];
	int n;
};

/* Enough to decrypt: the TLS 1.2 master secret, or the four TLS 1.3
 * traffic secrets. */
static bool
keylog_complete(const struct keylog_secrets *k)
{
	return keylog_has(k, KEYLOG_MASTER) ||
	       (keylog_has(k, KEYLOG_CLIENT_HANDSHAKE) &&
		keylog_has(k, KEYLOG_SERVER_HANDSHAKE) &&
		keylog_has(k, KEYLOG_CLIENT_TRAFFIC_0) &&
		keylog_has(k, KEYLOG_SERVER_TRAFFIC_0));
}

/* The key source of conn (tls_keys_fn): the store, then, for a client
 * random not (fully) known yet, whatever the files gained since. */
static bool
keylogs_lookup(void *arg, const uint8_t client_random[32],
    struct keylog_secrets *out)
{
	struct keylogs *k = arg;
	bool found;
	int i;

	pthread_mutex_lock(&k->mu);
	found = keylog_lookup(&k->store, client_random, out) &&
		keylog_complete(out);
	if (!found) {
		for (i = 0; i < k->n; i++)
			(void)keylog_poll(&k->file[i], &k->store);
		found = keylog_lookup(&k->store, client_random, out);
	}
	pthread_mutex_unlock(&k->mu);
	return found;
}

/* Malformed key log lines are reported, never fatal. */
static void
keylogs_report(const struct keylogs *k, FILE *out)
{
	const struct keylog_stats *st = &k->store.stats;
	const char *sep = ":";
	uint64_t bad = 0;
	int r;

	for (r = 1; r < KEYLOG_NREASONS; r++)
		bad += st->bad[r];
	fprintf(out, "tlsdiag: --keylog: %" PRIu64 " secrets for %" PRIu32
	    " connections, %" PRIu64 " lines refused", st->stored,
	    k->store.entries, bad);
	for (r = 1; r < KEYLOG_NREASONS; r++) {
		if (st->bad[r] == 0)
			continue;
		fprintf(out, "%s %s %" PRIu64, sep,
		    keylog_reason_name((enum keylog_reason)r), st->bad[r]);
		sep = ",";
	}
	if (st->read_errors != 0)
		fprintf(out, ", %" PRIu64 " read errors", st->read_errors);
	fputc('\n', out);
}


/* Ports named with --tls-port; a few cover real deployments. */
#define MAX_TLS_PORTS 64

/* Trust store sources, in the order given. */
struct trust_arg {
	int kind; /* OPT_CA_FILE, OPT_CA_DIR, OPT_ADD_CA, OPT_CRL */
	const char *path;
};
#define MAX_TRUST_ARGS 64

/* Build the trust store: the system bundle unless --ca-file or --ca-dir
 * replaced it, then every file and directory given. */
static struct x509_store *
load_trust(const struct trust_arg *ta, int n)
{
	struct x509_store *st = x509_store_new();
	char err[256];
	bool replace = false;
	int i, rc = 0;

	if (st == NULL)
		die(1, "%s", "out of memory");
	for (i = 0; i < n; i++)
		if (ta[i].kind == OPT_CA_FILE || ta[i].kind == OPT_CA_DIR)
			replace = true;
	if (!replace && x509_store_load_default(st, err, sizeof(err)) != 0)
		die(1, "%s (give --ca-file to use another trust store)", err);
	for (i = 0; i < n && rc == 0; i++) {
		switch (ta[i].kind) {
		case OPT_CA_DIR:
			rc = x509_store_add_dir(st, ta[i].path, err, sizeof(err));
			break;
		case OPT_CRL:
			rc = x509_store_add_crl(st, ta[i].path, err, sizeof(err));
			break;
		default:
			rc = x509_store_add_file(st, ta[i].path, err, sizeof(err));
			break;
		}
	}
	if (rc != 0)
		die(1, "%s", err);
	return st;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"flows", no_argument, NULL, OPT_FLOWS},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, OPT_VERSION},
	    {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
	    {"json", required_argument, NULL, OPT_JSON},
	    {"ca-file", required_argument, NULL, OPT_CA_FILE},
	    {"ca-dir", required_argument, NULL, OPT_CA_DIR},
	    {"add-ca", required_argument, NULL, OPT_ADD_CA},
	    {"crl", required_argument, NULL, OPT_CRL},
	    {"no-cert-cache", no_argument, NULL, OPT_NO_CERT_CACHE},
	    {"no-drop", no_argument, NULL, OPT_NO_DROP},
	    {"metrics", required_argument, NULL, OPT_METRICS},
	    {"tls-port", required_argument, NULL, OPT_TLS_PORT},
	    {"stats-interval", required_argument, NULL, OPT_STATS_INTERVAL},
	    {"keylog", required_argument, NULL, OPT_KEYLOG},
	    {"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
	    {NULL, 0, NULL, 0},
	};
	const char *files[MAX_FILES];
	static char filter[MAX_FILTER];
	char errbuf[CAP_ERRBUF_SIZE];
	struct cap_opts co;
	struct flow_config fc;
	struct capture *cap;
	struct sigaction sa;
	static struct outputs outs;
	struct worker *wk;
	static struct conn_tls_server shared_servers[CONN_TLS_SERVERS];
	static struct membudget shared_fleet, shared_keylog; /* -W */
	static pthread_mutex_t servers_lock = PTHREAD_MUTEX_INITIALIZER;
	int nworkers = 1, wi;
	const char *json_path = NULL;
	struct trust_arg trust[MAX_TRUST_ARGS];
	int ntrust = 0;
	bool cert_cache = true;
	const char *drop_user = PRIV_USER_DEFAULT, *metrics_addr = NULL;
	const char *wpath = NULL;
	struct pcapout *wout = NULL;
	uint16_t tls_ports[MAX_TLS_PORTS];
	const char *keylog_paths[MAX_KEYLOGS];
	static struct keylogs keylogs;
	char kerr[KEYLOG_ERR_SIZE];
	int nkeylogs = 0, k;
	uint64_t stats_interval = 0;
	size_t max_mem = MEM_MAX_DEFAULT, worker_mem;
	struct infer_config ic;
	static struct run run;
	size_t ntls_ports = 0;
	bool drop = true;
	char perr[PRIV_ERR_SIZE > METRICS_ERR_SIZE ? PRIV_ERR_SIZE
						     : METRICS_ERR_SIZE];
	uint64_t count = 0;
	bool flows = false, list = false, verbose = false;
	int ch, rc, status = 0;

	memset(&co, 0, sizeof(co));
	co.snaplen = CAP_SNAPLEN_DEFAULT;
	co.buffer_size = CAP_BUFFER_KIB_DEFAULT;
	co.promisc = true;
	co.immediate = true;
	co.files = files;
	flow_config_default(&fc);

	while ((ch = getopt_long(argc, argv, "B:c:Dhi:npr:s:vW:w:Z:", longopts,
		    NULL)) != -1) {
		switch (ch) {
		case 'B':
			co.buffer_size = (int)parse_num("-B", optarg, 1,
			    INT_MAX / 1024);
			break;
		case 'c':
			count = parse_num("-c", optarg, 1, UINT64_MAX);
			break;
		case 'D':
			list = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'i':
			co.iface = optarg;
			break;
		case 'n':
			break;
		case 'p':
			co.promisc = false;
			break;
		case 'r':
			if (co.nfiles == MAX_FILES)
				die(2, "too many -r files (at most %s)", "256");
			files[co.nfiles++] = optarg;
			break;
		case 's':
			/* tcpdump: 0 means the default. */
			co.snaplen = (int)parse_num("-s", optarg, 0, 262144);
			if (co.snaplen == 0)
				co.snaplen = CAP_SNAPLEN_DEFAULT;
	co.buffer_size = CAP_BUFFER_KIB_DEFAULT;
			break;
		case 'v':
			verbose = true;
			break;
		case 'W':
			nworkers = (int)parse_num("-W", optarg, 1, WORKERS_MAX);
			break;
		case 'Z':
			drop_user = optarg;
			break;
		case 'w':
			wpath = optarg;
			break;
		case OPT_NO_DROP:
			drop = false;
			break;
		case OPT_METRICS:
			metrics_addr = optarg;
			break;
		case OPT_STATS_INTERVAL:
			stats_interval = parse_num("--stats-interval", optarg, 1,
			    86400 * 365);
			break;
		case OPT_KEYLOG:
			if (nkeylogs == MAX_KEYLOGS)
				die(2, "too many --keylog (at most %s)", "16");
			keylog_paths[nkeylogs++] = optarg;
			break;
		case OPT_TLS_PORT:
			if (ntls_ports == MAX_TLS_PORTS)
				die(2, "too many --tls-port (at most %s)", "64");
			tls_ports[ntls_ports++] = (uint16_t)parse_num(
			    "--tls-port", optarg, 1, 65535);
			break;
		case OPT_FLOWS:
			flows = true;
			break;
		case OPT_JSON:
			json_path = optarg;
			break;
		case OPT_CA_FILE:
		case OPT_CA_DIR:
		case OPT_ADD_CA:
		case OPT_CRL:
			if (ntrust == MAX_TRUST_ARGS)
				die(2, "too many trust store options (at most %s)",
				    "64");
			trust[ntrust].kind = ch;
			trust[ntrust++].path = optarg;
			break;
		case OPT_NO_CERT_CACHE:
			cert_cache = false;
			break;
		case OPT_MAX_FLOWS:
			fc.max_flows = (uint32_t)parse_num("--max-flows", optarg,
			    1, 1u << 26);
			break;
		case OPT_MAX_MEMORY:
			max_mem = parse_size("--max-memory", optarg, MEM_MIN);
			break;
		case OPT_VERSION:
			printf("tlsdiag %s (%s)\n", TLSDIAG_VERSION,
			    pcap_lib_version());
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (list) {
		if (cap_list_interfaces(stdout, errbuf) != 0)
			die(1, "%s", errbuf);
		return 0;
	}
	if (co.iface != NULL && co.nfiles > 0)
		die(2, "%s", "-i and -r cannot be used together");
	if (co.iface == NULL && co.nfiles == 0) {
		usage(stderr);
		return 2;
	}
	co.filter = join_filter(argv + optind, argc - optind, filter,
	    sizeof(filter));

	/* In the --flows view nothing decides a connection, so a quiet but live
	 * one keeps the timeout of a decided connection, not of a stalled
	 * handshake. */
	if (flows)
		fc.timeout[FLOW_ACTIVE] = fc.timeout[FLOW_DECIDED];

	if (flows && json_path != NULL)
		die(2, "%s", "--flows and --json cannot be used together");
	if (nworkers > 1 && co.iface == NULL)
		die(2, "%s", "-W needs a live capture (-i): a file is one "
		    "timeline, read in order by one worker");
	if (nworkers > 1 && flows)
		die(2, "%s", "-W and --flows cannot be used together (--flows "
		    "is a debugging view)");
	co.workers = nworkers;
	/* -W N: the fanout hash shares the flows out evenly, so each worker
	 * tracks its share of --max-flows within its share of --max-memory;
	 * the fleet tables and the key log secrets, shared by the workers,
	 * have a share of their own (shared_fleet, shared_keylog). */
	worker_mem = max_mem;
	if (nworkers > 1) {
		fc.max_flows = (fc.max_flows + (uint32_t)nworkers - 1) /
			       (uint32_t)nworkers;
		shared_fleet.cap = max_mem / MEM_FIXED_SHARE_DIV / 2;
		shared_keylog.cap = max_mem / MEM_FIXED_SHARE_DIV / 2;
		worker_mem = (max_mem - shared_fleet.cap - shared_keylog.cap) /
			     (size_t)nworkers;
	}
	if (flow_table_bytes(fc.max_flows) > worker_mem / MEM_FIXED_SHARE_DIV)
		die(2, "%s", "--max-flows: its table needs more than a quarter "
		    "of --max-memory (give more memory or fewer flows)");

	if ((cap = cap_open(&co, errbuf)) == NULL)
		die(1, "%s", errbuf);

	memset(&outs, 0, sizeof(outs));
	pthread_mutex_init(&outs.mu, NULL);
	summary_init(&outs.sum);
	if (json_path != NULL) {
		if (strcmp(json_path, "-") == 0) {
			outs.json = stdout;
		} else if ((outs.json = fopen(json_path, "a")) == NULL) {
			fprintf(stderr, "tlsdiag: %s: %s\n", json_path,
			    strerror(errno));
			exit(1);
		}
	}
	outs.text_on = outs.json != stdout;
	outs.text.out = stdout;
	outs.text.verbose = verbose;
	outs.text.color = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;

	/* Each worker judges certificates with its own trust store and
	 * cache, so that no lock is taken per certificate. */
	if ((wk = calloc((size_t)nworkers, sizeof(*wk))) == NULL)
		die(1, "%s", "out of memory");
	if (!flows)
		for (wi = 0; wi < nworkers; wi++)
			wk[wi].store = load_trust(trust, ntrust);

	if (wpath != NULL) {
		if (flows)
			die(2, "%s", "-w and --flows cannot be used together");
		if (json_path != NULL && strcmp(json_path, "-") == 0 &&
		    strcmp(wpath, "-") == 0)
			die(2, "%s", "--json - and -w - both want standard output");
		if ((wout = pcapout_open(wpath, perr, sizeof(perr))) == NULL)
			die(1, "%s", perr);
	}
	if (metrics_addr != NULL) {
		if ((outs.metrics = metrics_new()) == NULL)
			die(1, "%s", "out of memory");
		if (metrics_listen(outs.metrics, metrics_addr, perr,
			sizeof(perr)) != 0)
			die(1, "%s", perr);
	}

	/* One --max-memory budget, owned by the sensor, for everything (with
	 * -W: a share per worker). */
	for (wi = 0; wi < nworkers; wi++) {
		struct worker *w = &wk[wi];

		w->idx = wi;
		w->run = &run;
		pthread_mutex_init(&w->snap_mu, NULL);
		if (flows)
			w->sn = sensor_new(&fc, worker_mem, &out_flows_ops,
			    stdout);
		else
			w->sn = sensor_new(&fc, worker_mem, &conn_ops, &w->cc);
		if (w->sn == NULL)
			die(1, "%s", "out of memory");
	}

	/* Key logs are often readable by their writer only: open them while
	 * still privileged, and read what they hold already. */
	pthread_mutex_init(&keylogs.mu, NULL);
	keylog_store_init(&keylogs.store, 0,
	    nworkers > 1 ? &shared_keylog
			 : sensor_budget_of(wk[0].sn, SENSOR_MEM_KEYLOG));
	for (k = 0; k < nkeylogs; k++) {
		if (keylog_open(&keylogs.file[k], keylog_paths[k], kerr,
			sizeof(kerr)) != 0)
			die(1, "%s", kerr);
		keylogs.n++;
		(void)keylog_poll(&keylogs.file[k], &keylogs.store);
	}

	/* Everything that needs root is open: give root up before the first
	 * byte of a packet, or of a capture file's header, is parsed. */
	if (drop && priv_drop(drop_user, perr, sizeof(perr)) != 0)
		die(1, "%s", perr);
	if (cap_activate(cap, errbuf) != 0)
		die(1, "%s", errbuf);
	if (wout != NULL && pcapout_start(wout, cap_datalink(cap), co.snaplen,
				perr, sizeof(perr)) != 0)
		die(1, "%s", perr);
	if (outs.metrics != NULL &&
	    metrics_start(outs.metrics, perr, sizeof(perr)) != 0)
		die(1, "%s", perr);

	infer_config_default(&ic);
	ic.mem = nworkers > 1 ? &shared_fleet
			      : sensor_budget_of(wk[0].sn, SENSOR_MEM_FLEET);
	if (!flows && (outs.infer = infer_new(&ic)) == NULL)
		die(1, "%s", "out of memory");
	if (outs.infer != NULL) {
		struct infer_stats is;

		infer_get_stats(outs.infer, &is);
		if (is.halved != 0)
			fprintf(stderr, "tlsdiag: fleet tables cut to 1/%u of "
			    "their size to fit --max-memory\n", 1u << is.halved);
	}
	for (wi = 0; wi < nworkers; wi++) {
		struct worker *w = &wk[wi];
		struct conn_ctx *cc = &w->cc;

		cc->ft = sensor_flows(w->sn);
		cc->emit = emit;
		cc->out_ctx = &outs;
		cc->mem = sensor_budget_of(w->sn, SENSOR_MEM_CONNS);
		cc->keep_mem = sensor_budget_of(w->sn, SENSOR_MEM_KEEP);
		cc->tls_ports = tls_ports;
		cc->pcap = wout;
		cc->ntls_ports = ntls_ports;
		if (nworkers > 1) {
			cc->shared_servers = shared_servers;
			cc->servers_lock = &servers_lock;
		}
		if (keylogs.n > 0) {
			cc->keys = keylogs_lookup;
			cc->keys_arg = &keylogs;
		}
		if (w->store != NULL) {
			if (cert_cache &&
			    (w->xcache = x509_cache_new(X509_CACHE_CERTS_DEFAULT,
				 X509_CACHE_CHAINS_DEFAULT,
				 sensor_budget_of(w->sn, SENSOR_MEM_CERTS))) ==
				NULL)
				die(1, "%s", "out of memory");
			if (w->xcache != NULL)
				sensor_set_cache_shed(w->sn, shed_cert_cache,
				    w->xcache);
			w->certs.store = w->store;
			w->certs.cache = w->xcache;
			cc->certs = &w->certs;
		}
	}

	g_cap = cap;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	memset(&run, 0, sizeof(run));
	run.outs = &outs;
	run.w = wk;
	run.nw = nworkers;
	run.threaded = nworkers > 1;
	run.shared_fleet = &shared_fleet;
	run.shared_keylog = &shared_keylog;
	run.keylog_mu = &keylogs.mu;
	run.cap = cap;
	run.json_path = json_path;
	run.flows = flows;
	run.live = co.iface != NULL;
	run.count = count;
	run.stats_interval_s = stats_interval;
	run.last_stats_s = mono_s();

	if (run.threaded) {
		rc = run_workers(&run, errbuf);
	} else {
		cap_set_tick(cap, tick, &run);
		rc = cap_run(cap, count, sensor_packet, wk[0].sn, errbuf);
		sensor_finish(wk[0].sn);
	}
	fflush(stdout);
	if (rc != 0) {
		fprintf(stderr, "tlsdiag: %s\n", errbuf);
		status = 1;
	}
	if (!flows) {
		/* The summary closes the report (standard output), or goes
		 * to standard error when standard output carries JSON. */
		if (outs.text_on) {
			fputs("\nsummary: ", stdout);
			summary_print(&outs.sum, stdout, "");
		} else {
			summary_print(&outs.sum, stderr, "tlsdiag: ");
		}
		fflush(stdout);
	}
	print_counters(&run, stderr);
	if (keylogs.n > 0)
		keylogs_report(&keylogs, stderr);
	update_metrics(&run);
	if (wout != NULL) {
		struct pcapout_stats ws;

		pcapout_stats(wout, &ws);
		if (ws.other_link != 0 || ws.dropped != 0)
			fprintf(stderr, "tlsdiag: -w: %" PRIu64 " packets of "
			    "another link type and %" PRIu64 " over the "
			    "per-connection cap not written\n", ws.other_link,
			    ws.dropped);
		if (pcapout_close(wout, perr, sizeof(perr)) != 0) {
			fprintf(stderr, "tlsdiag: %s\n", perr);
			status = 1;
		}
	}
	g_cap = NULL;
	infer_free(outs.infer);
	metrics_free(outs.metrics);
	for (wi = 0; wi < nworkers; wi++) {
		/* The cache is charged to the sensor's budget: free it
		 * first. */
		x509_cache_free(wk[wi].xcache);
		x509_store_free(wk[wi].store);
	}
	for (k = 0; k < keylogs.n; k++)
		keylog_close(&keylogs.file[k]);
	/* The store is charged to the sensor's budget: free it first. */
	keylog_store_free(&keylogs.store);
	for (wi = 0; wi < nworkers; wi++) {
		sensor_free(wk[wi].sn);
		pthread_mutex_destroy(&wk[wi].snap_mu);
	}
	free(wk);
	cap_close(cap);
	if (outs.json != NULL && outs.json != stdout && fclose(outs.json) != 0) {
		fprintf(stderr, "tlsdiag: %s: %s\n", json_path, strerror(errno));
		status = 1;
	}
	return status;
}
