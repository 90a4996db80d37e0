/* sensor.h -- one capture's packet path: decode, then the flow table.
 *
 * A sensor owns the flow table and the memory budget its buffers are
 * charged to, and counts every packet it could not use by the reason decode
 * gave (not IP, not TCP, truncated, malformed, fragment).  Its packet
 * function has the shape of a capture callback.  It never parses payload:
 * the consumer given as flow_ops does.
 */
#ifndef TLSDIAG_SENSOR_H
#define TLSDIAG_SENSOR_H

#include <stdint.h>
#include <stdio.h>

#include <pcap/pcap.h>

#include "tlsdiag/decode.h"
#include "tlsdiag/flow.h"
#include "tlsdiag/mem.h"

struct sensor_stats {
	uint64_t packets;		/* packets given to sensor_packet() */
	uint64_t tcp;			/* decoded TCP packets */
	uint64_t skipped[DEC_NSTATUS];	/* by -decode status */
	uint64_t last_ts_us;		/* time of the latest packet */
};

struct sensor;

/* `cfg->mem` is ignored: the sensor supplies its own budget, capped at
 * `mem_cap` bytes (0: unlimited).  NULL if memory is short. */
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
const struct membudget *sensor_mem(const struct sensor *s);
/* The budget, for a consumer that charges its own per-flow state to it. */
struct membudget *sensor_budget(struct sensor *s);
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
	struct membudget mem;
};
void sensor_totals_get(const struct sensor *s, struct sensor_totals *t);
void sensor_totals_add(struct sensor_totals *sum,
    const struct sensor_totals *t);
void sensor_print_totals(const struct sensor_totals *t, FILE *out,
    const char *prefix);

#endif
