/* sensor.h -- one capture's packet path: decode, then the flow table.
 *
 * A sensor owns the flow table and the memory budget (--max-memory) that
 * everything charged to it shares, and counts every packet it could not use
 * by the reason decode gave (not IP, not TCP, truncated, malformed,
 * fragment).  The budget is one root with a child budget per kind of use
 * (sensor_budget_of()); each module is given its kind's.  At the start of
 * each packet -- no flow is being processed, no callback is running -- a
 * budget past its high-water mark is brought back under its low-water mark
 * by shedding the work whose loss costs least (sensor.c says the order),
 * every item counted by kind.  Allocations between those points are refused
 * and counted when the budget is full.  Its packet
 * function has the shape of a capture callback.  It never parses payload:
 * the consumer given as flow_ops does.
 */
#ifndef TLSDIAG_SENSOR_H
#define TLSDIAG_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <pcap/pcap.h>

#include "tlsdiag/decode.h"
#include "tlsdiag/flow.h"
#include "tlsdiag/mem.h"

/* What the budget is spent on.  The first six grow with traffic; the last
 * two are fixed tables reserved once at start. */
enum sensor_mem_kind {
	SENSOR_MEM_FLOWS,  /* flow entries (flow.c) */
	SENSOR_MEM_REASM,  /* out-of-order segments, retransmission history */
	SENSOR_MEM_CONNS,  /* per-connection TLS state, records, messages */
	SENSOR_MEM_KEEP,   /* -w: packets kept until a result is known */
	SENSOR_MEM_CERTS,  /* the certificate and validation cache */
	SENSOR_MEM_KEYLOG, /* --keylog secrets */
	SENSOR_MEM_TABLES, /* the flow table's bucket array */
	SENSOR_MEM_FLEET,  /* infer's fleet tables */
	SENSOR_MEM_NKINDS
};
#define SENSOR_MEM_NTRAFFIC SENSOR_MEM_TABLES

/* Sheds a least recently used cache entry; false if there is none. */
typedef bool (*sensor_shed_fn)(void *ctx);

struct sensor_stats {
	uint64_t packets;		/* packets given to sensor_packet() */
	uint64_t tcp;			/* decoded TCP packets */
	uint64_t skipped[DEC_NSTATUS];	/* by -decode status */
	uint64_t last_ts_us;		/* time of the latest packet */
	uint64_t shed_runs;		/* times the budget passed its
					   high-water mark */
	uint64_t shed_cache;		/* cache entries shed (flows shed are
					   in flow_stats.shed) */
};

struct sensor;

/* `cfg->mem`, `reasm_mem` and `table_mem` are ignored: the sensor
 * supplies its own budget, capped at `mem_cap` bytes (0: unlimited).  A
 * fixed table may take at most 1/MEM_FIXED_SHARE_DIV of it.  NULL if
 * memory is short, or if the flow table's bucket array does not fit. */
struct sensor *sensor_new(const struct flow_config *cfg, size_t mem_cap,
    const struct flow_ops *ops, void *ctx);

/* A cap_packet_fn: `ctx` is the sensor. */
void sensor_packet(void *ctx, const struct pcap_pkthdr *h, const uint8_t *data,
    int dlt);

/* End of input: end every flow. */
void sensor_finish(struct sensor *s);

void sensor_free(struct sensor *s);

const struct sensor_stats *sensor_stats(const struct sensor *s);
const struct flow_stats *sensor_flow_stats(const struct sensor *s);
/* The whole budget (the root). */
const struct membudget *sensor_mem(const struct sensor *s);
struct membudget *sensor_budget(struct sensor *s);
/* The budget of one kind of use, for the module that allocates it (fixed
 * tables reserve from SENSOR_MEM_TABLES or SENSOR_MEM_FLEET, whose cap is
 * their share). */
struct membudget *sensor_budget_of(struct sensor *s, enum sensor_mem_kind k);
const struct membudget *sensor_mem_of(const struct sensor *s,
    enum sensor_mem_kind k);
/* Stable names of the kinds, as in the summary and the metrics' labels. */
const char *sensor_mem_kind_name(enum sensor_mem_kind k);
/* Bytes reserved by the fixed tables. */
size_t sensor_mem_fixed(const struct sensor *s);
/* The highest use by traffic (everything but the fixed tables). */
size_t sensor_mem_traffic_peak(const struct sensor *s);

/* A cache whose entries may be shed when memory is short (the certificate
 * cache); `fn` is called only at the start of a packet. */
void sensor_set_cache_shed(struct sensor *s, sensor_shed_fn fn, void *ctx);

/* Bring the budget back under its low-water mark now, if it is over its
 * high-water mark (sensor_packet does this before each packet).  Call only
 * where no flow is being processed. */
void sensor_shed(struct sensor *s);
struct flow_table *sensor_flows(struct sensor *s);

/* The skip and flow counters in a few lines, each starting with `prefix`,
 * for the end-of-run summary. */
void sensor_print_stats(const struct sensor *s, FILE *out, const char *prefix);

/* -W: the counters of several sensors (one per worker thread), copied by
 * each worker and added up by the thread that reports them.  Peaks add up
 * to an upper bound of the peak of the sum. */
struct sensor_totals {
	struct sensor_stats st;
	struct flow_stats fs;
	struct membudget mem;	  /* the root: --max-memory (its share) */
	struct membudget traffic; /* what grows with traffic */
	struct membudget fixed;	  /* the fixed tables */
	struct membudget kind[SENSOR_MEM_NKINDS];
};
void sensor_totals_get(const struct sensor *s, struct sensor_totals *t);
void sensor_totals_add(struct sensor_totals *sum,
    const struct sensor_totals *t);
void sensor_print_totals(const struct sensor_totals *t, FILE *out,
    const char *prefix);
/* -W: add a budget of kind `k` that no sensor owns (what the workers
 * share: fleet tables, key log secrets) to the totals, as if it were the
 * kind's budget of one more sensor. */
void sensor_totals_add_budget(struct sensor_totals *t,
    enum sensor_mem_kind k, const struct membudget *b);

#endif
