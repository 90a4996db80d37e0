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
#include <signal.h>
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
 * text report and/or JSON lines, and the metrics. */
struct outputs {
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

	if (o->infer != NULL) {
		if (r->judged != NULL) {
			/* As the connection was when the client closed. */
			struct conn_result rj = *r;

			rj.facts = r->judged->facts;
			rj.certs = r->judged->certs;
			rj.server_hello_ts = r->judged->server_hello_ts;
			rj.judged = NULL;
			infer_judge(o->infer, &rj, &cause);
		} else {
			infer_judge(o->infer, r, &cause);
		}
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
}

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: tlsdiag [-Dnpv] [-r FILE]... [-i IFACE] [-c COUNT] [-s SNAPLEN]\n"
	    "               [-B KIB] [-w FILE] [--json FILE|-] [--ca-file FILE]\n"
	    "               [--ca-dir DIR] [--add-ca FILE] [--crl FILE]\n"
	    "               [--no-cert-cache] [--keylog FILE] [-Z USER] [--no-drop]\n"
	    "               [--metrics ADDR:PORT] [--stats-interval SEC]\n"
	    "               [--tls-port PORT] [--max-flows N] [--flows] [expression]\n"
	    "\n"
	    "Passive TLS handshake failure analyzer.\n"
	    "\n"
	    "  -r FILE        read packets from a pcap or pcapng file; '-' is standard\n"
	    "                 input; repeat to read several files as one timeline\n"
	    "  -i IFACE       capture live on an interface ('any' for all)\n"
	    "  -p             do not put the interface into promiscuous mode\n"
	    "  -s SNAPLEN     bytes to capture per packet (default %d)\n"
	    "  -B KIB         kernel capture buffer size in KiB (default 32768)\n"
	    "  -c COUNT       stop after COUNT packets\n"
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
	    "  -h, --help     this help\n"
	    "  --version      print the version\n"
	    "  expression     a BPF filter, as in tcpdump (default: all TCP, also\n"
	    "                 under VLAN tags, PPPoE and MPLS)\n",
	    CAP_SNAPLEN_DEFAULT, FLOW_MAX_DEFAULT);
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

/* What the periodic work needs: borrowed from main. */
struct run {
	struct outputs *outs;
	struct sensor *sn;
	struct capture *cap;
	struct conn_ctx *cc;
	struct x509_cache *xcache;
	const char *json_path;
	bool flows, live;
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

/* Capture, memory and flow counters, for every summary. */
static void
print_counters(struct run *r, FILE *out)
{
	struct cap_stats cs;

	cap_stats(r->cap, &cs);
	sensor_print_stats(r->sn, out, "tlsdiag: ");
	if (cs.truncated != 0)
		fprintf(out, "tlsdiag: %" PRIu64
		    " packets cut by the snaplen\n", cs.truncated);
	if (cs.have_kernel)
		fprintf(out, "tlsdiag: %" PRIu64 " received by filter, %"
		    PRIu64 " dropped by kernel, %" PRIu64
		    " dropped by interface\n", cs.kernel_recv, cs.kernel_drop,
		    cs.iface_drop);
	if (r->cc->nomem != 0)
		fprintf(out, "tlsdiag: %" PRIu64
		    " connections not followed (memory)\n", r->cc->nomem);
}

static void
update_metrics(struct run *r)
{
	struct metrics *m = r->outs->metrics;
	struct cap_stats cs;

	if (m == NULL)
		return;
	cap_stats(r->cap, &cs);
	metrics_set_capture(m, &cs);
	metrics_set_flows(m, sensor_flow_stats(r->sn));
	metrics_set_memory(m, sensor_mem(r->sn)->used);
	if (r->xcache != NULL) {
		struct x509_cache_stats xs;

		x509_cache_get_stats(r->xcache, &xs);
		metrics_set_cert_cache(m, xs.chain_hits, xs.chain_misses);
	}
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
	fclose(r->outs->json);
	r->outs->json = n;
}

/* Every CAP_TICK_PACKETS packets and on idle read timeouts. */
static void
tick(void *ctx, bool idle)
{
	struct run *r = ctx;
	uint64_t now = mono_s();

	if (g_hup) {
		g_hup = 0;
		reopen_json(r);
	}
	if (g_usr1 || (r->stats_interval_s != 0 &&
			  now - r->last_stats_s >= r->stats_interval_s)) {
		g_usr1 = 0;
		r->last_stats_s = now;
		if (!r->flows)
			summary_print(&r->outs->sum, stderr, "tlsdiag: ");
		print_counters(r, stderr);
	}
	if (now != r->last_metrics_s) {
		r->last_metrics_s = now;
		update_metrics(r);
		/* Live and quiet: connections still age, in wall time (which
		 * is packet time on a live capture). */
		if (idle && r->live) {
			struct timespec t;

			clock_gettime(CLOCK_REALTIME, &t);
			flow_expire(sensor_flows(r->sn),
			    (uint64_t)t.tv_sec * 1000000u +
				(uint64_t)t.tv_nsec / 1000u);
		}
	}
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
};

/* --keylog files followed at once; a few cover every client of a test. */
#define MAX_KEYLOGS 16

/* The key logs: one store fed by every --keylog file. */
struct keylogs {
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
	int i;

	if (keylog_lookup(&k->store, client_random, out) &&
	    keylog_complete(out))
		return true;
	for (i = 0; i < k->n; i++)
		(void)keylog_poll(&k->file[i], &k->store);
	return keylog_lookup(&k->store, client_random, out);
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
	    {NULL, 0, NULL, 0},
	};
	const char *files[MAX_FILES];
	static char filter[MAX_FILTER];
	char errbuf[CAP_ERRBUF_SIZE];
	struct cap_opts co;
	struct flow_config fc;
	struct capture *cap;
	struct sensor *sn;
	struct sigaction sa;
	struct outputs outs;
	struct conn_ctx cc;
	const char *json_path = NULL;
	struct trust_arg trust[MAX_TRUST_ARGS];
	int ntrust = 0;
	bool cert_cache = true;
	struct x509_store *store = NULL;
	struct x509_cache *xcache = NULL;
	struct certcheck_ctx certs;
	const char *drop_user = PRIV_USER_DEFAULT, *metrics_addr = NULL;
	const char *wpath = NULL;
	struct pcapout *wout = NULL;
	uint16_t tls_ports[MAX_TLS_PORTS];
	const char *keylog_paths[MAX_KEYLOGS];
	static struct keylogs keylogs;
	char kerr[KEYLOG_ERR_SIZE];
	int nkeylogs = 0, k;
	uint64_t stats_interval = 0;
	struct run run;
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

	while ((ch = getopt_long(argc, argv, "B:c:Dhi:npr:s:vw:Z:", longopts,
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

	if ((cap = cap_open(&co, errbuf)) == NULL)
		die(1, "%s", errbuf);

	memset(&outs, 0, sizeof(outs));
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

	memset(&certs, 0, sizeof(certs));
	if (!flows)
		store = load_trust(trust, ntrust);

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

	/* Key logs are often readable by their writer only: open them while
	 * still privileged, and read what they hold already. */
	keylog_store_init(&keylogs.store, 0, NULL);
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

	memset(&cc, 0, sizeof(cc));
	if (flows)
		sn = sensor_new(&fc, REASM_TOTAL_MAX_DEFAULT, &out_flows_ops,
		    stdout);
	else
		sn = sensor_new(&fc, REASM_TOTAL_MAX_DEFAULT, &conn_ops, &cc);
	if (sn == NULL)
		die(1, "%s", "out of memory");
	cc.ft = sensor_flows(sn);
	cc.emit = emit;
	cc.out_ctx = &outs;
	cc.mem = sensor_budget(sn);
	cc.tls_ports = tls_ports;
	cc.pcap = wout;
	cc.ntls_ports = ntls_ports;
	if (keylogs.n > 0) {
		cc.keys = keylogs_lookup;
		cc.keys_arg = &keylogs;
	}
	if (!flows && (outs.infer = infer_new(NULL)) == NULL)
		die(1, "%s", "out of memory");
	if (store != NULL) {
		if (cert_cache &&
		    (xcache = x509_cache_new(X509_CACHE_CERTS_DEFAULT,
			 X509_CACHE_CHAINS_DEFAULT, sensor_budget(sn))) == NULL)
			die(1, "%s", "out of memory");
		certs.store = store;
		certs.cache = xcache;
		cc.certs = &certs;
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
	run.sn = sn;
	run.cap = cap;
	run.cc = &cc;
	run.xcache = xcache;
	run.json_path = json_path;
	run.flows = flows;
	run.live = co.iface != NULL;
	run.stats_interval_s = stats_interval;
	run.last_stats_s = mono_s();
	cap_set_tick(cap, tick, &run);

	rc = cap_run(cap, count, sensor_packet, sn, errbuf);
	sensor_finish(sn);
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
	/* The cache is charged to the sensor's budget: free it first. */
	x509_cache_free(xcache);
	x509_store_free(store);
	sensor_free(sn);
	for (k = 0; k < keylogs.n; k++)
		keylog_close(&keylogs.file[k]);
	keylog_store_free(&keylogs.store);
	cap_close(cap);
	if (outs.json != NULL && outs.json != stdout && fclose(outs.json) != 0) {
		fprintf(stderr, "tlsdiag: %s: %s\n", json_path, strerror(errno));
		status = 1;
	}
	return status;
}
