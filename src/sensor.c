/* sensor.c -- one capture's packet path: decode, then the flow table.
 *
 * The only work per packet here is the decode and the counters; everything
 * that knows TCP state lives in flow.c, everything that knows TLS above it.
 */
#include <stdlib.h>

#include "tlsdiag/sensor.h"

struct sensor {
	struct membudget mem;
	struct flow_table *ft;
	struct sensor_stats st;
};

struct sensor *
sensor_new(const struct flow_config *cfg, size_t mem_cap,
    const struct flow_ops *ops, void *ctx)
{
	struct sensor *s;
	struct flow_config fc = *cfg;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->mem.cap = mem_cap;
	fc.mem = &s->mem;
	if ((s->ft = flow_table_new(&fc, ops, ctx)) == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

void
sensor_packet(void *ctx, const struct pcap_pkthdr *h, const uint8_t *data,
    int dlt)
{
	struct sensor *s = ctx;
	struct pkt p;
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
	int rc;

	s->st.packets++;
	s->st.last_ts_us = ts;
	rc = decode_packet(dlt, data, h->caplen, h->len, ts, &p);
	if (rc != DEC_OK) {
		if (rc < 0 && -rc < DEC_NSTATUS)
			s->st.skipped[-rc]++;
		return;
	}
	s->st.tcp++;
	p.raw = data;
	p.dlt = dlt;
	flow_packet(s->ft, &p);
}

void
sensor_finish(struct sensor *s)
{
	flow_finish(s->ft);
}

void
sensor_free(struct sensor *s)
{
	if (s == NULL)
		return;
	flow_table_free(s->ft);
	free(s);
}

const struct sensor_stats *
sensor_stats(const struct sensor *s)
{
	return &s->st;
}

const struct flow_stats *
sensor_flow_stats(const struct sensor *s)
{
	return flow_stats(s->ft);
}

const struct membudget *
sensor_mem(const struct sensor *s)
{
	return &s->mem;
}

struct membudget *
sensor_budget(struct sensor *s)
{
	return &s->mem;
}

struct flow_table *
sensor_flows(struct sensor *s)
{
	return s->ft;
}

void
sensor_totals_get(const struct sensor *s, struct sensor_totals *t)
{
	t->st = s->st;
	t->fs = *flow_stats(s->ft);
	t->mem = s->mem;
}

void
sensor_totals_add(struct sensor_totals *sum, const struct sensor_totals *t)
{
	int i;

	sum->st.packets += t->st.packets;
	sum->st.tcp += t->st.tcp;
	for (i = 0; i < DEC_NSTATUS; i++)
		sum->st.skipped[i] += t->st.skipped[i];
	if (t->st.last_ts_us > sum->st.last_ts_us)
		sum->st.last_ts_us = t->st.last_ts_us;
	sum->fs.packets += t->fs.packets;
	sum->fs.created += t->fs.created;
	sum->fs.active += t->fs.active;
	sum->fs.peak_active += t->fs.peak_active;
	for (i = 0; i < FLOW_END_NREASONS; i++)
		sum->fs.ended[i] += t->fs.ended[i];
	for (i = 0; i < FLOW_NSTATES; i++)
		sum->fs.timed_out[i] += t->fs.timed_out[i];
	sum->fs.decided_pkts += t->fs.decided_pkts;
	sum->fs.dropped_nomem += t->fs.dropped_nomem;
	sum->mem.used += t->mem.used;
	sum->mem.peak += t->mem.peak;
	sum->mem.cap += t->mem.cap;
	sum->mem.refused += t->mem.refused;
}

void
sensor_print_stats(const struct sensor *s, FILE *out, const char *prefix)
{
	struct sensor_totals t;

	sensor_totals_get(s, &t);
	sensor_print_totals(&t, out, prefix);
}

void
sensor_print_totals(const struct sensor_totals *t, FILE *out,
    const char *prefix)
{
	const struct flow_stats *fs = &t->fs;
	int i;

	fprintf(out, "%s%llu packets, %llu TCP", prefix,
	    (unsigned long long)t->st.packets, (unsigned long long)t->st.tcp);
	for (i = 1; i < DEC_NSTATUS; i++)
		if (t->st.skipped[i] != 0)
			fprintf(out, ", %llu %s",
			    (unsigned long long)t->st.skipped[i],
			    decode_status_name(-i));
	fprintf(out, "\n%s%llu flows (peak %llu at once)", prefix,
	    (unsigned long long)fs->created,
	    (unsigned long long)fs->peak_active);
	for (i = 0; i < FLOW_END_NREASONS; i++)
		if (fs->ended[i] != 0 && i != FLOW_END_INPUT)
			fprintf(out, ", %llu ended by %s",
			    (unsigned long long)fs->ended[i],
			    flow_end_name((enum flow_end)i));
	if (fs->dropped_nomem != 0)
		fprintf(out, ", %llu packets dropped (no memory for a flow)",
		    (unsigned long long)fs->dropped_nomem);
	fprintf(out, "; reassembly memory peak %zu bytes",
	    t->mem.peak);
	if (t->mem.refused != 0)
		fprintf(out, ", %llu buffers refused by the memory cap",
		    (unsigned long long)t->mem.refused);
	fputc('\n', out);
}
