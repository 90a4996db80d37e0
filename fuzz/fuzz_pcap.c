/* fuzz_pcap.c -- libFuzzer target: the whole packet path fed the bytes of a
 * pcap file.
 *
 * The input is read by libpcap from memory (fmemopen, pcap_fopen_offline)
 * and every packet goes, like cap_run() does it, to sensor_packet(): decode,
 * flow table, TCP reassembly, and then two consumers, each behind its own
 * sensor: the --flows view (out_flows_ops, writing to /dev/null) and the TLS
 * consumer (conn_ops: tls_record, tls_msg, outcome, certcheck against a
 * store holding captures/pki/root.crt).  Each result then goes where
 * main.c's emit() sends it: the inference engine, the JSON and the text
 * report (to /dev/null).  A small flow table, small fleet tables and small
 * memory budgets make eviction and refusals happen.  It never writes to
 * the bytes it is given and never touches the network or the disk (but to
 * read the root once).
 *
 * After the input ends (sensor_finish) the promises of the headers are
 * checked: every flow created has ended exactly once, no flow is left, all
 * memory charged to the budgets is released, the packet counters add up,
 * and conn handed over at most one result per flow; every cause has a
 * label, a fix side, and a confidence unless it is none.  A broken promise
 * calls abort().
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "tlsdiag/certcheck.h"
#include "tlsdiag/conn.h"
#include "tlsdiag/flow.h"
#include "tlsdiag/infer.h"
#include "tlsdiag/out_flows.h"
#include "tlsdiag/out_json.h"
#include "tlsdiag/out_text.h"
#include "tlsdiag/sensor.h"
#include "tlsdiag/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small on purpose: a fuzzed capture easily holds more connections than
 * this, so eviction of the oldest flow runs all the time. */
#define FP_MAX_FLOWS 16
/* Sensor budget (reassembly buffers, flows) and conn budget (TLS parser
 * state, handshake buffers): small enough to be refused now and then. */
#define FP_SENSOR_MEM (1024u * 1024u)
#define FP_CONN_MEM (512u * 1024u)
/* Packets read from one input at most: keeps every input linear and fast
 * (libpcap records are at least 16 bytes, so inputs rarely reach it). */
#define FP_MAX_PACKETS 20000
/* Fleet table entries of each kind, and certificate cache entries. */
#define FP_INFER_ENTRIES 64
#define FP_CERT_CACHE 32
#define FP_CERT_MEM (512u * 1024u)

static void
fp_fail(const char *what)
{
	fprintf(stderr, "fuzz_pcap: broken promise: %s\n", what);
	abort();
}

#define FP_CHECK(cond)                                                         \
	do {                                                                   \
		if (!(cond))                                                   \
			fp_fail(#cond);                                        \
	} while (0)

/* Which flow ids conn reported, to catch a second result for one flow. */
struct fp_seen {
	uint8_t *by_id;
	size_t n;
	uint64_t results;
	FILE *devnull;
	struct infer *infer;
	struct out_text text;
};

/* The trust store, loaded once (TOP, else the current directory). */
static struct x509_store *
fp_store(void)
{
	static struct x509_store *st;
	const char *top;
	char path[4096], err[256];

	if (st != NULL)
		return st;
	if ((st = x509_store_new()) == NULL)
		abort();
	top = getenv("TOP");
	snprintf(path, sizeof(path), "%s/captures/pki/root.crt",
		 top != NULL && *top != '\0' ? top : ".");
	/* Without the file the store stays empty: still worth fuzzing. */
	if (x509_store_add_file(st, path, err, sizeof(err)) != 0)
		fprintf(stderr, "fuzz_pcap: %s (store left empty)\n", err);
	return st;
}

/* A cause as infer.h promises it: a label, its side, lines that end. */
static void
fp_check_cause(const struct infer_cause *c)
{
	unsigned i;

	FP_CHECK(c->cause < INFER_NCAUSES);
	FP_CHECK(c->id != NULL &&
		 strcmp(c->id, infer_cause_label(c->cause)) == 0);
	FP_CHECK(c->fix_side != NULL);
	FP_CHECK(c->cause == INFER_NONE || c->confidence != NULL);
	FP_CHECK(c->nevidence <= INFER_EVIDENCE_MAX);
	FP_CHECK(c->nwarnings <= INFER_WARNINGS_MAX);
	for (i = 0; i < c->nevidence; i++)
		FP_CHECK(memchr(c->evidence[i], '\0', INFER_LINE_MAX) != NULL);
	for (i = 0; i < c->nwarnings; i++)
		FP_CHECK(memchr(c->warnings[i], '\0', INFER_LINE_MAX) != NULL);
	FP_CHECK(memchr(c->advice, '\0', INFER_ADVICE_MAX) != NULL);
}

/* What main.c's emit() does with a result: judge it, then write it both
 * ways. */
static void
fp_outputs(struct fp_seen *s, const struct conn_result *r)
{
	struct conn_result rr = *r;
	struct infer_cause cause;

	infer_judge(s->infer, r, &cause);
	fp_check_cause(&cause);
	rr.cause = &cause;
	out_json_write(s->devnull, &rr);
	out_text_write(&s->text, &rr);
}

static void
fp_emit(void *ctx, const struct conn_result *r)
{
	struct fp_seen *s = ctx;
	uint64_t id;

	FP_CHECK(r != NULL && r->flow != NULL && r->facts != NULL);
	FP_CHECK(r->result < CONN_NRESULTS);
	FP_CHECK(conn_result_name(r->result) != NULL);
	FP_CHECK(r->closer < CONN_NCLOSERS);
	FP_CHECK(conn_closer_name(r->closer) != NULL);
	FP_CHECK(r->result == CONN_ESTABLISHED || r->reason != NULL);
	FP_CHECK(r->reason_dir >= -1 && r->reason_dir <= 1);
	if (r->reason != NULL)
		FP_CHECK(strlen(r->reason) > 0);
	/* The flow is still valid during the callback: format it. */
	out_flows_line(s->devnull, r->flow, FLOW_END_INPUT);
	fp_outputs(s, r);

	id = r->flow->id;
	FP_CHECK(id >= 1);
	if (id >= s->n) {
		size_t n = (size_t)id * 2 + 16;
		uint8_t *p = realloc(s->by_id, n);

		if (p == NULL)
			abort();
		memset(p + s->n, 0, n - s->n);
		s->by_id = p;
		s->n = n;
	}
	FP_CHECK(s->by_id[id] == 0); /* exactly one result per connection */
	s->by_id[id] = 1;
	s->results++;
}

/* What must hold for any sensor once the input has ended. */
static void
fp_check_sensor(const struct sensor *sn, uint64_t npackets)
{
	const struct sensor_stats *st = sensor_stats(sn);
	const struct flow_stats *fs = sensor_flow_stats(sn);
	const struct membudget *mb = sensor_mem(sn);
	uint64_t skipped = 0, ended = 0;
	int i;

	FP_CHECK(st->packets == npackets);
	for (i = 0; i < DEC_NSTATUS; i++)
		skipped += st->skipped[i];
	FP_CHECK(st->tcp + skipped == st->packets);
	FP_CHECK(fs->packets == st->tcp);
	FP_CHECK(fs->active == 0);
	FP_CHECK(fs->peak_active <= FP_MAX_FLOWS);
	for (i = 0; i < FLOW_END_NREASONS; i++)
		ended += fs->ended[i];
	FP_CHECK(ended == fs->created);
	FP_CHECK(mb->used == sensor_mem_fixed(sn)); /* the fixed tables stay */
	FP_CHECK(mb->peak <= FP_SENSOR_MEM);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	char errbuf[PCAP_ERRBUF_SIZE];
	struct flow_config fc;
	struct conn_ctx cx;
	struct membudget cmb, xmb;
	struct certcheck_ctx certs;
	struct infer_config ic;
	struct fp_seen seen;
	struct sensor *sf, *sc;
	struct pcap_pkthdr *h;
	const u_char *pkt;
	FILE *fp;
	pcap_t *p;
	uint64_t n = 0;
	int dlt, rc;

	if (size == 0)
		return 0;
	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	/* fmemopen() wants a non-const buffer; "rb" never writes to it. */
	if ((fp = fmemopen((void *)(uintptr_t)data, size, "rb")) == NULL)
		return 0;
	if ((p = pcap_fopen_offline(fp, errbuf)) == NULL) {
		fclose(fp); /* libpcap closes it only on success */
		return 0;
	}
	dlt = pcap_datalink(p);

	flow_config_default(&fc);
	fc.max_flows = FP_MAX_FLOWS;
	sf = sensor_new(&fc, FP_SENSOR_MEM, &out_flows_ops, devnull);

	memset(&cx, 0, sizeof(cx));
	memset(&cmb, 0, sizeof(cmb));
	memset(&seen, 0, sizeof(seen));
	memset(&xmb, 0, sizeof(xmb));
	memset(&certs, 0, sizeof(certs));
	seen.devnull = devnull;
	seen.text.out = devnull;
	seen.text.verbose = true;
	infer_config_default(&ic);
	ic.max_servers = ic.max_names = ic.max_clients = ic.max_cohorts =
	    FP_INFER_ENTRIES;
	if ((seen.infer = infer_new(&ic)) == NULL)
		abort();
	xmb.cap = FP_CERT_MEM;
	certs.store = fp_store();
	certs.cache = x509_cache_new(FP_CERT_CACHE, FP_CERT_CACHE, &xmb);
	if (certs.cache == NULL)
		abort();
	cmb.cap = FP_CONN_MEM;
	cx.emit = fp_emit;
	cx.out_ctx = &seen;
	cx.mem = &cmb;
	cx.certs = &certs;
	sc = sensor_new(&fc, FP_SENSOR_MEM, &conn_ops, &cx);
	if (sf == NULL || sc == NULL)
		abort();
	cx.ft = sensor_flows(sc);

	while (n < FP_MAX_PACKETS && (rc = pcap_next_ex(p, &h, &pkt)) == 1) {
		n++;
		sensor_packet(sf, h, pkt, dlt);
		sensor_packet(sc, h, pkt, dlt);
	}
	sensor_finish(sf);
	sensor_finish(sc);

	fp_check_sensor(sf, n);
	fp_check_sensor(sc, n);
	FP_CHECK(cmb.used == 0);
	FP_CHECK(cmb.peak <= FP_CONN_MEM);
	{
		uint64_t total = 0;
		int i;

		for (i = 0; i < CONN_NRESULTS; i++)
			total += cx.results[i];
		FP_CHECK(total == seen.results);
		FP_CHECK(seen.results <= sensor_flow_stats(sc)->created);
	}

	sensor_free(sf);
	sensor_free(sc);
	pcap_close(p); /* closes fp */
	free(seen.by_id);
	infer_free(seen.infer);
	x509_cache_free(certs.cache);
	FP_CHECK(xmb.used == 0);
	return 0;
}
