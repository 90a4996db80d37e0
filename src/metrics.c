/* metrics.c -- Prometheus metrics: the registry and its HTTP endpoint.
 *
 * Implements the Prometheus text exposition format 0.0.4 (HELP and TYPE
 * lines, label value escaping) over HTTP/1.1 (RFC 9110: 404, 405 with
 * Allow) served by libmicrohttpd, and Filtered Space-Saving (Homem and
 * Carvalho 2010, after Metwally et al. 2005) for the top-K server names.
 *
 * It must never write an attacker-chosen byte except through
 * label_value(), never parse HTTP itself, never resolve a host name, and
 * never hold the mutex while writing to a stream or a socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "tlsdiag/conn.h"
#include "tlsdiag/metrics.h"
#include "tlsdiag/sensor.h"

/* The result names, in conn_result_kind order (conn_result_name()). */
_Static_assert(CONN_NRESULTS == 4, "metrics: one name per conn result");
static const char *const result_names[CONN_NRESULTS] = {
    [CONN_ESTABLISHED] = "established",
    [CONN_FAILED] = "failed",
    [CONN_INCOMPLETE] = "incomplete",
    [CONN_NOT_TLS] = "not_tls",
};

/* Reserved server label values; a real SNI equal to one of them gets a
 * trailing dot (see metrics.h). */
#define SRV_OTHER "other"
#define SRV_NONE "none"

/* Room for a normalised name: METRICS_SERVER_MAX bytes, or a reserved
 * word and its dot. */
#define SRV_NAME_SIZE (METRICS_SERVER_MAX + 1)

/* Hashed counters per monitored entry (Filtered Space-Saving's alpha
 * table).  The paper finds a few times the monitored list enough for the
 * filter to reject most one-off names. */
#define SRV_ALPHA_PER_ENTRY 8

struct srv {
	uint64_t est; /* Space-Saving estimate of the name's failures */
	uint64_t err; /* the estimate it was admitted with, less one:
			 est - err failures were counted since then */
	uint32_t hash;
	uint16_t len;
	char name[SRV_NAME_SIZE]; /* normalised, not NUL-terminated */
};

struct cause {
	char cause[METRICS_LABEL_MAX + 1];
	char fix[METRICS_LABEL_MAX + 1];
	uint64_t n;
};

/* Everything a scrape copies, except the server entries. */
struct mdata {
	uint64_t results[CONN_NRESULTS];
	uint64_t rejected;
	/* The pairs seen, in order of first appearance; the last slot is
	 * the overflow pair ("other", "other"), used only when needed. */
	struct cause causes[METRICS_CAUSES_MAX + 1];
	size_t ncauses;
	uint64_t srv_other; /* failures of names not monitored */
	size_t nsrv;

	uint64_t cap_packets, cap_bytes;
	bool have_kernel;
	uint64_t kernel_drop, iface_drop;
	uint64_t flows_active, flows_created, flows_evicted;
	uint64_t mem_bytes;
	uint64_t mem_cap, mem_peak;
	uint64_t mem_kind_used[SENSOR_MEM_NKINDS];
	uint64_t mem_kind_refused[SENSOR_MEM_NKINDS];
	uint64_t mem_shed_flows[FLOW_NSTATES];
	uint64_t mem_shed_cache;
	uint64_t cert_hits, cert_misses;
};

struct metrics {
	pthread_mutex_t mu; /* guards d, srv, alpha and mhd_err */
	struct mdata d;
	struct srv *srv; /* k entries, d.nsrv in use */
	size_t k;
	uint64_t *alpha; /* nalpha hashed counters */
	size_t nalpha;
	char mhd_err[METRICS_ERR_SIZE]; /* libmicrohttpd's latest message */

	int fd; /* listening socket, -1 if none */
	uint16_t port;
	struct MHD_Daemon *mhd;
};

struct metrics *
metrics_new_topk(size_t k)
{
	struct metrics *m;

	if (k > METRICS_TOPK_MAX)
		return NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->fd = -1;
	m->k = k;
	m->nalpha = k * SRV_ALPHA_PER_ENTRY;
	if (k > 0 &&
	    ((m->srv = calloc(k, sizeof(*m->srv))) == NULL ||
	     (m->alpha = calloc(m->nalpha, sizeof(*m->alpha))) == NULL))
		goto fail;
	if (pthread_mutex_init(&m->mu, NULL) != 0)
		goto fail;
	return m;
fail:
	free(m->srv);
	free(m->alpha);
	free(m);
	return NULL;
}

struct metrics *
metrics_new(void)
{
	return metrics_new_topk(METRICS_TOPK_DEFAULT);
}

/* Counting. */

/* A cause or fix-side label the exposition can carry unescaped and a
 * Prometheus query can match simply: [a-z][a-z0-9_]*, 1 to
 * METRICS_LABEL_MAX bytes. */
static bool
label_ok(const char *s)
{
	size_t i;

	if (s[0] < 'a' || s[0] > 'z')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= METRICS_LABEL_MAX)
			return false;
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	}
	return true;
}

/* FNV-1a, 32 bits: a quick first comparison and the alpha bucket.  A
 * crafted collision only costs a name comparison or shares a bucket; it
 * cannot merge two names. */
static uint32_t
fnv1a(const char *p, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (uint8_t)p[i];
		h *= 16777619u;
	}
	return h;
}

/* The server label of an SNI (see metrics.h): lowercase ASCII, no
 * trailing dots, at most METRICS_SERVER_MAX bytes; "none" without one;
 * reserved words get a dot.  Returns the length written to out. */
static size_t
srv_normalise(const uint8_t *sni, size_t n, char out[SRV_NAME_SIZE])
{
	size_t i;

	if (sni == NULL)
		n = 0;
	while (n > 0 && sni[n - 1] == '.')
		n--;
	if (n == 0) {
		memcpy(out, SRV_NONE, strlen(SRV_NONE));
		return strlen(SRV_NONE);
	}
	if (n > METRICS_SERVER_MAX)
		n = METRICS_SERVER_MAX;
	for (i = 0; i < n; i++)
		out[i] =
		    (char)(sni[i] >= 'A' && sni[i] <= 'Z' ? sni[i] - 'A' + 'a'
							  : sni[i]);
	if ((n == strlen(SRV_OTHER) && memcmp(out, SRV_OTHER, n) == 0) ||
	    (n == strlen(SRV_NONE) && memcmp(out, SRV_NONE, n) == 0))
		out[n++] = '.';
	return n;
}

static struct cause *
find_cause(struct mdata *d, const char *cause, const char *fix)
{
	size_t i;

	for (i = 0; i < d->ncauses; i++)
		if (strcmp(d->causes[i].cause, cause) == 0 &&
		    strcmp(d->causes[i].fix, fix) == 0)
			return &d->causes[i];
	return NULL;
}

static void
count_cause(struct mdata *d, const char *cause, const char *fix)
{
	struct cause *c;

	if (!label_ok(cause) || !label_ok(fix)) {
		d->rejected++;
		cause = fix = "other";
	}
	if ((c = find_cause(d, cause, fix)) == NULL &&
	    d->ncauses >= METRICS_CAUSES_MAX) {
		/* Full: the pair joins ("other", "other"), which takes the
		 * spare slot the first time it is needed. */
		if (strcmp(cause, "other") != 0 || strcmp(fix, "other") != 0)
			d->rejected++;
		cause = fix = "other";
		c = find_cause(d, cause, fix);
	}
	if (c == NULL) {
		c = &d->causes[d->ncauses++];
		memcpy(c->cause, cause, strlen(cause) + 1);
		memcpy(c->fix, fix, strlen(fix) + 1);
	}
	c->n++;
}

/* One failure for a normalised name: Filtered Space-Saving.  A monitored
 * name counts on its entry.  Otherwise, while the table has room, the name
 * is admitted; when it is full, the name replaces the entry of lowest
 * estimate only if its alpha counter would reach that estimate, and else
 * its alpha counter grows.  Counts that leave the table (not admitted, or
 * evicted) move to srv_other, so the exposed values always sum to the
 * failures. */
static void
count_server(struct metrics *m, const char *name, size_t len, uint32_t h)
{
	struct srv *e;
	uint64_t *alpha;
	size_t i, min;

	for (i = 0; i < m->d.nsrv; i++) {
		e = &m->srv[i];
		if (e->hash == h && e->len == len &&
		    memcmp(e->name, name, len) == 0) {
			e->est++;
			return;
		}
	}
	if (m->k == 0) {
		m->d.srv_other++;
		return;
	}
	alpha = &m->alpha[h % m->nalpha];
	if (m->d.nsrv < m->k) {
		e = &m->srv[m->d.nsrv++];
	} else {
		min = 0;
		for (i = 1; i < m->d.nsrv; i++)
			if (m->srv[i].est < m->srv[min].est)
				min = i;
		e = &m->srv[min];
		if (*alpha + 1 < e->est) {
			(*alpha)++;
			m->d.srv_other++;
			return;
		}
		m->d.srv_other += e->est - e->err;
		m->alpha[e->hash % m->nalpha] = e->est;
	}
	e->err = *alpha;
	e->est = *alpha + 1;
	e->hash = h;
	e->len = (uint16_t)len;
	memcpy(e->name, name, len);
}

void
metrics_count_result(struct metrics *m, const char *result, const char *cause,
		     const char *fix_side, const uint8_t *sni, size_t sni_len)
{
	char name[SRV_NAME_SIZE];
	size_t len = 0;
	uint32_t h = 0;
	int r;
	bool failure;

	if (m == NULL)
		return;
	for (r = 0; r < CONN_NRESULTS; r++)
		if (result != NULL && strcmp(result, result_names[r]) == 0)
			break;
	failure = r < CONN_NRESULTS && r != CONN_ESTABLISHED &&
		  (cause != NULL || r == CONN_FAILED);
	if (failure) {
		/* Outside the lock: it only reads the caller's bytes. */
		len = srv_normalise(sni, sni_len, name);
		h = fnv1a(name, len);
	}

	pthread_mutex_lock(&m->mu);
	if (r == CONN_NRESULTS) {
		m->d.rejected++;
	} else {
		m->d.results[r]++;
		if (failure) {
			count_cause(&m->d, cause != NULL ? cause : "unknown",
				    fix_side != NULL ? fix_side : "unknown");
			count_server(m, name, len, h);
		}
	}
	pthread_mutex_unlock(&m->mu);
}

void
metrics_set_capture(struct metrics *m, const struct cap_stats *st)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->mu);
	m->d.cap_packets = st->packets;
	m->d.cap_bytes = st->bytes;
	m->d.have_kernel = st->have_kernel;
	m->d.kernel_drop = st->kernel_drop;
	m->d.iface_drop = st->iface_drop;
	pthread_mutex_unlock(&m->mu);
}

void
metrics_set_flows(struct metrics *m, const struct flow_stats *st)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->mu);
	m->d.flows_active = st->active;
	m->d.flows_created = st->created;
	m->d.flows_evicted = st->ended[FLOW_END_EVICTED];
	pthread_mutex_unlock(&m->mu);
}

void
metrics_set_memory(struct metrics *m, size_t bytes_in_use)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->mu);
	m->d.mem_bytes = bytes_in_use;
	pthread_mutex_unlock(&m->mu);
}

void
metrics_set_memory_budget(struct metrics *m, const struct sensor_totals *t)
{
	int k;

	if (m == NULL)
		return;
	pthread_mutex_lock(&m->mu);
	m->d.mem_cap = t->mem.cap;
	m->d.mem_peak = t->mem.peak;
	for (k = 0; k < SENSOR_MEM_NKINDS; k++) {
		m->d.mem_kind_used[k] = t->kind[k].used;
		m->d.mem_kind_refused[k] = t->kind[k].refused;
	}
	for (k = 0; k < FLOW_NSTATES; k++)
		m->d.mem_shed_flows[k] = t->fs.shed[k];
	m->d.mem_shed_cache = t->st.shed_cache;
	pthread_mutex_unlock(&m->mu);
}

void
metrics_set_cert_cache(struct metrics *m, uint64_t hits, uint64_t misses)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->mu);
	m->d.cert_hits = hits;
	m->d.cert_misses = misses;
	pthread_mutex_unlock(&m->mu);
}

/* Exposition. */

/* A label value, quotes included: \\, \" and \n as the text format
 * escapes them; '%' and every other byte outside printable ASCII as %XX,
 * which keeps the output ASCII (the format wants UTF-8) and keeps distinct
 * names distinct. */
static void
label_value(FILE *out, const char *p, size_t n)
{
	size_t i;
	uint8_t b;

	putc('"', out);
	for (i = 0; i < n; i++) {
		b = (uint8_t)p[i];
		if (b == '\\' || b == '"') {
			putc('\\', out);
			putc(b, out);
		} else if (b == '\n') {
			fputs("\\n", out);
		} else if (b < 0x20 || b >= 0x7f || b == '%') {
			fprintf(out, "%%%02X", b);
		} else {
			putc(b, out);
		}
	}
	putc('"', out);
}

static void
family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
sample(FILE *out, const char *name, uint64_t v)
{
	fprintf(out, "%s %" PRIu64 "\n", name, v);
}

static int
cause_cmp(const void *a, const void *b)
{
	const struct cause *x = a, *y = b;
	int c = strcmp(x->cause, y->cause);

	return c != 0 ? c : strcmp(x->fix, y->fix);
}

/* Largest count first, then by name, so the output is deterministic. */
static int
srv_cmp(const void *a, const void *b)
{
	const struct srv *x = a, *y = b;
	uint64_t vx = x->est - x->err, vy = y->est - y->err;
	size_t n = x->len < y->len ? x->len : y->len;
	int c;

	if (vx != vy)
		return vx > vy ? -1 : 1;
	if ((c = memcmp(x->name, y->name, n)) != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static void
render(const struct mdata *d, struct srv *srv, FILE *out)
{
	struct cause causes[METRICS_CAUSES_MAX + 1];
	size_t i;
	int k;

	family(out, "tlsdiag_handshakes_total", "counter",
	       "TLS handshakes whose outcome is known, by result.");
	for (i = 0; i < CONN_NRESULTS; i++)
		fprintf(out,
			"tlsdiag_handshakes_total{result=\"%s\"} %" PRIu64 "\n",
			result_names[i], d->results[i]);

	family(out, "tlsdiag_failures_total", "counter",
	       "Failed TLS handshakes by cause and the side that must fix it.");
	memcpy(causes, d->causes, d->ncauses * sizeof(causes[0]));
	qsort(causes, d->ncauses, sizeof(causes[0]), cause_cmp);
	for (i = 0; i < d->ncauses; i++)
		fprintf(out,
			"tlsdiag_failures_total{cause=\"%s\",fix_side=\"%s\"} "
			"%" PRIu64 "\n",
			causes[i].cause, causes[i].fix, causes[i].n);

	family(
	    out, "tlsdiag_server_failures_total", "counter",
	    "Failed TLS handshakes by server name (SNI), for the servers with "
	    "the most failures; the rest are server=\"other\".");
	if (d->nsrv > 0) /* srv is NULL when K is 0 */
		qsort(srv, d->nsrv, sizeof(srv[0]), srv_cmp);
	for (i = 0; i < d->nsrv; i++) {
		fputs("tlsdiag_server_failures_total{server=", out);
		label_value(out, srv[i].name, srv[i].len);
		fprintf(out, "} %" PRIu64 "\n", srv[i].est - srv[i].err);
	}
	fprintf(out,
		"tlsdiag_server_failures_total{server=\"" SRV_OTHER
		"\"} %" PRIu64 "\n",
		d->srv_other);

	family(out, "tlsdiag_metrics_labels_rejected_total", "counter",
	       "Results with an unknown result name, or failures whose cause "
	       "label was invalid or past the series cap (counted as "
	       "cause=\"other\").");
	sample(out, "tlsdiag_metrics_labels_rejected_total", d->rejected);

	family(out, "tlsdiag_capture_packets_total", "counter",
	       "Packets read from the capture.");
	sample(out, "tlsdiag_capture_packets_total", d->cap_packets);
	family(out, "tlsdiag_capture_bytes_total", "counter",
	       "Bytes of the packets read, as long as they were on the wire.");
	sample(out, "tlsdiag_capture_bytes_total", d->cap_bytes);
	family(out, "tlsdiag_capture_drops_total", "counter",
	       "Packets dropped before tlsdiag read them: by the kernel (its "
	       "buffer was full) or by the interface.  Live captures only.");
	if (d->have_kernel) {
		fprintf(out,
			"tlsdiag_capture_drops_total{where=\"kernel\"} "
			"%" PRIu64 "\n",
			d->kernel_drop);
		fprintf(out,
			"tlsdiag_capture_drops_total{where=\"interface\"} "
			"%" PRIu64 "\n",
			d->iface_drop);
	}

	family(out, "tlsdiag_flows_active", "gauge",
	       "TCP connections in the flow table.");
	sample(out, "tlsdiag_flows_active", d->flows_active);
	family(out, "tlsdiag_flows_created_total", "counter",
	       "TCP connections added to the flow table.");
	sample(out, "tlsdiag_flows_created_total", d->flows_created);
	family(out, "tlsdiag_flows_evicted_total", "counter",
	       "TCP connections evicted because the flow table was full or "
	       "memory was short (tlsdiag_memory_shed_total).");
	sample(out, "tlsdiag_flows_evicted_total", d->flows_evicted);

	family(out, "tlsdiag_cert_cache_hits_total", "counter",
	       "Certificates found in the cache (already parsed and judged).");
	sample(out, "tlsdiag_cert_cache_hits_total", d->cert_hits);
	family(out, "tlsdiag_cert_cache_misses_total", "counter",
	       "Certificates not in the cache, parsed and judged.");
	sample(out, "tlsdiag_cert_cache_misses_total", d->cert_misses);

	family(
	    out, "tlsdiag_memory_used_bytes", "gauge",
	    "Bytes of buffers and per-connection state charged to the memory "
	    "budget.");
	sample(out, "tlsdiag_memory_used_bytes", d->mem_bytes);
	family(out, "tlsdiag_memory_budget_bytes", "gauge",
	       "The memory budget (--max-memory).");
	sample(out, "tlsdiag_memory_budget_bytes", d->mem_cap);
	family(out, "tlsdiag_memory_peak_bytes", "gauge",
	       "The highest use of the memory budget so far.");
	sample(out, "tlsdiag_memory_peak_bytes", d->mem_peak);
	family(out, "tlsdiag_memory_kind_used_bytes", "gauge",
	       "Bytes charged to the memory budget, by what uses them.");
	for (k = 0; k < SENSOR_MEM_NKINDS; k++)
		fprintf(out,
			"tlsdiag_memory_kind_used_bytes{kind=\"%s\"} %" PRIu64
			"\n",
			sensor_mem_kind_name((enum sensor_mem_kind)k),
			d->mem_kind_used[k]);
	family(out, "tlsdiag_memory_shed_total", "counter",
	       "Items dropped to bring the memory budget back under its "
	       "low-water mark: flows by state, certificate cache entries.");
	for (k = 0; k < FLOW_NSTATES; k++)
		fprintf(out,
			"tlsdiag_memory_shed_total{kind=\"flow_%s\"} %" PRIu64
			"\n",
			flow_state_name((enum flow_state)k),
			d->mem_shed_flows[k]);
	fprintf(out,
		"tlsdiag_memory_shed_total{kind=\"cert_cache\"} %" PRIu64 "\n",
		d->mem_shed_cache);
	family(out, "tlsdiag_memory_refused_total", "counter",
	       "Allocations refused because the memory budget was full, by "
	       "what asked.");
	for (k = 0; k < SENSOR_MEM_NKINDS; k++)
		fprintf(out,
			"tlsdiag_memory_refused_total{kind=\"%s\"} %" PRIu64
			"\n",
			sensor_mem_kind_name((enum sensor_mem_kind)k),
			d->mem_kind_refused[k]);
}

int
metrics_render(struct metrics *m, FILE *out)
{
	struct mdata *d;
	struct srv *srv = NULL;

	/* Allocate before taking the lock; then the lock covers two
	 * copies, and formatting runs without it. */
	if ((d = malloc(sizeof(*d))) == NULL)
		return -1;
	if (m->k > 0 && (srv = calloc(m->k, sizeof(*srv))) == NULL) {
		free(d);
		return -1;
	}
	pthread_mutex_lock(&m->mu);
	*d = m->d;
	if (d->nsrv > 0)
		memcpy(srv, m->srv, d->nsrv * sizeof(*srv));
	pthread_mutex_unlock(&m->mu);

	render(d, srv, out);
	free(srv);
	free(d);
	return ferror(out) || fflush(out) != 0 ? -1 : 0;
}

/* Address and socket. */

static int
bad_addr(char *errbuf, size_t errlen, const char *s, const char *why)
{
	snprintf(errbuf, errlen, "--metrics: invalid address '%s': %s", s, why);
	return -1;
}

/* A decimal port, 0 to 65535, digits only. */
static bool
parse_port(const char *p, uint16_t *port)
{
	uint32_t v = 0;
	size_t i;

	for (i = 0; p[i] != '\0'; i++) {
		if (p[i] < '0' || p[i] > '9' || i >= 5)
			return false;
		v = v * 10 + (uint32_t)(p[i] - '0');
	}
	if (i == 0 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

int
metrics_parse_addr(const char *s, struct metrics_addr *a, char *errbuf,
		   size_t errlen)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;
	char host[INET6_ADDRSTRLEN];
	const char *colon, *end;
	size_t hlen;
	uint16_t port;

	memset(a, 0, sizeof(*a));
	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL)
			return bad_addr(errbuf, errlen, s, "missing ']'");
		if (end[1] != ':')
			return bad_addr(errbuf, errlen, s,
					"expected [ADDR]:PORT");
		hlen = (size_t)(end - s - 1);
		if (hlen >= sizeof(host))
			return bad_addr(errbuf, errlen, s,
					"not a numeric IPv6 address");
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return bad_addr(errbuf, errlen, s,
					"not a numeric IPv6 address");
		in6->sin6_family = AF_INET6;
		a->len = sizeof(*in6);
		colon = end + 1;
	} else if ((colon = strrchr(s, ':')) == NULL) {
		return bad_addr(errbuf, errlen, s,
				"expected ADDR:PORT, [ADDR]:PORT or :PORT");
	} else if (colon == s) {
		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_any;
		a->len = sizeof(*in6);
		a->any = true;
	} else {
		hlen = (size_t)(colon - s);
		if (memchr(s, ':', hlen) != NULL)
			return bad_addr(
			    errbuf, errlen, s,
			    "an IPv6 address goes in brackets: [ADDR]:PORT");
		if (hlen >= sizeof(host))
			return bad_addr(
			    errbuf, errlen, s,
			    "not a numeric IPv4 address (host names are not "
			    "looked up)");
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		if (inet_pton(AF_INET, host, &in4->sin_addr) != 1)
			return bad_addr(
			    errbuf, errlen, s,
			    "not a numeric IPv4 address (host names are not "
			    "looked up)");
		in4->sin_family = AF_INET;
		a->len = sizeof(*in4);
	}
	if (!parse_port(colon + 1, &port))
		return bad_addr(errbuf, errlen, s,
				"the port must be a number from 0 to 65535");
	if (a->ss.ss_family == AF_INET)
		in4->sin_port = htons(port);
	else
		in6->sin6_port = htons(port);
	return 0;
}

/* A listening socket for a; -1 with errno set. */
static int
open_listener(struct metrics_addr *a)
{
	struct sockaddr_in *in4;
	int fd, one = 1, v6only = a->any ? 0 : 1, e;
	uint16_t port;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0 && a->any && errno == EAFNOSUPPORT) {
		/* A kernel without IPv6: every IPv4 address then. */
		port = ((struct sockaddr_in6 *)&a->ss)->sin6_port;
		memset(&a->ss, 0, sizeof(a->ss));
		in4 = (struct sockaddr_in *)&a->ss;
		in4->sin_family = AF_INET;
		in4->sin_addr.s_addr = htonl(INADDR_ANY);
		in4->sin_port = port;
		a->len = sizeof(*in4);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    0);
	}
	if (fd < 0)
		return -1;
	/* A restart must not wait for the old connections' TIME_WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    (a->ss.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
			sizeof(v6only)) != 0) ||
	    bind(fd, (struct sockaddr *)&a->ss, a->len) != 0 ||
	    listen(fd, METRICS_HTTP_CONN_MAX) != 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
metrics_listen(struct metrics *m, const char *addr_port, char *errbuf,
	       size_t errlen)
{
	struct metrics_addr a;
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);

	if (m->fd >= 0) {
		snprintf(errbuf, errlen, "--metrics: already listening");
		return -1;
	}
	if (metrics_parse_addr(addr_port, &a, errbuf, errlen) != 0)
		return -1;
	if ((m->fd = open_listener(&a)) < 0) {
		snprintf(errbuf, errlen, "--metrics: cannot listen on %s: %s",
			 addr_port, strerror(errno));
		return -1;
	}
	if (getsockname(m->fd, (struct sockaddr *)&bound, &blen) == 0)
		m->port =
		    ntohs(bound.ss_family == AF_INET
			      ? ((struct sockaddr_in *)&bound)->sin_port
			      : ((struct sockaddr_in6 *)&bound)->sin6_port);
	return 0;
}

uint16_t
metrics_port(const struct metrics *m)
{
	return m->fd >= 0 ? m->port : 0;
}

/* HTTP. */

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned int status, const char *body,
      const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body,
					    MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; charset=utf-8");
	if (allow != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* libmicrohttpd's access handler: runs in its thread.  Every request is
 * answered on the first call, before any request body is read (a body is
 * never wanted here; libmicrohttpd then closes the connection). */
static enum MHD_Result
http_handler(void *cls, struct MHD_Connection *c, const char *url,
	     const char *method, const char *version, const char *upload_data,
	     size_t *upload_data_size, void **con_cls)
{
	struct metrics *m = cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)con_cls;
	if (strcmp(url, "/metrics") != 0)
		return reply(c, MHD_HTTP_NOT_FOUND, "Not found: try /metrics\n",
			     NULL);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			     "Method not allowed\n", "GET, HEAD");

	if ((out = open_memstream(&buf, &len)) == NULL)
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
			     "Out of memory\n", NULL);
	if (metrics_render(m, out) != 0) {
		fclose(out);
		free(buf);
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
			     "Out of memory\n", NULL);
	}
	if (fclose(out) != 0) {
		free(buf);
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
			     "Out of memory\n", NULL);
	}
	r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; version=0.0.4; charset=utf-8");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* libmicrohttpd's messages: the latest is kept for metrics_start()'s
 * error; messages at run time (a client that vanished) are not news. */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct metrics *m = cls;
	size_t n;

	pthread_mutex_lock(&m->mu);
	vsnprintf(m->mhd_err, sizeof(m->mhd_err), fmt, ap);
	n = strlen(m->mhd_err);
	while (n > 0 && m->mhd_err[n - 1] == '\n')
		m->mhd_err[--n] = '\0';
	pthread_mutex_unlock(&m->mu);
}

int
metrics_start(struct metrics *m, char *errbuf, size_t errlen)
{
	sigset_t all, old;
	unsigned int flags;

	if (m->fd < 0) {
		snprintf(errbuf, errlen, "--metrics: no listening socket");
		return -1;
	}
	if (m->mhd != NULL)
		return 0;
	flags =
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
	/* The server thread inherits this mask: with every signal blocked
	 * there, SIGINT, SIGTERM, SIGHUP and SIGUSR1 always reach the thread
	 * that reads packets, which is the one that must react. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	m->mhd = MHD_start_daemon(
	    flags, 0, NULL, NULL, http_handler, m, MHD_OPTION_EXTERNAL_LOGGER,
	    mhd_log, m, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)m->fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_HTTP_CONN_MAX,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned int)METRICS_HTTP_CONN_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)METRICS_HTTP_TIMEOUT,
	    MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (m->mhd == NULL) {
		pthread_mutex_lock(&m->mu);
		snprintf(errbuf, errlen,
			 "--metrics: cannot start the HTTP server%s%s",
			 m->mhd_err[0] != '\0' ? ": " : "", m->mhd_err);
		pthread_mutex_unlock(&m->mu);
		return -1;
	}
	return 0;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	if (m->mhd != NULL)
		MHD_stop_daemon(m->mhd); /* joins its thread, closes m->fd */
	else if (m->fd >= 0)
		close(m->fd);
	pthread_mutex_destroy(&m->mu);
	free(m->srv);
	free(m->alpha);
	free(m);
}
