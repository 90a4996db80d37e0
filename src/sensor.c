/* sensor.c -- one capture's packet path: decode, then the flow table.
 *
 * The only work per packet here is the decode, the counters and, when the
 * memory budget runs high, shedding; everything that knows TCP state lives
 * in flow.c, everything that knows TLS above it.
 */
#include <stdlib.h>
#include <string.h>

#include "tlsdiag/caps.h"
#include "tlsdiag/sensor.h"

struct sensor {
	struct membudget mem;	  /* the root: --max-memory */
	struct membudget traffic; /* what grows with traffic */
	struct membudget fixed;	  /* the fixed tables */
	struct membudget kind[SENSOR_MEM_NKINDS];
	size_t shed_high, shed_low; /* bytes of the root; 0: never shed */
	sensor_shed_fn cache_shed;
	void *cache_ctx;
	struct flow_table *ft;
	struct sensor_stats st;
};

static const char *const kind_names[SENSOR_MEM_NKINDS] = {
    [SENSOR_MEM_FLOWS] = "flows",
    [SENSOR_MEM_REASM] = "reassembly",
    [SENSOR_MEM_CONNS] = "connections",
    [SENSOR_MEM_KEEP] = "kept_packets",
    [SENSOR_MEM_CERTS] = "cert_cache",
    [SENSOR_MEM_KEYLOG] = "keylog",
    [SENSOR_MEM_TABLES] = "flow_table",
    [SENSOR_MEM_FLEET] = "fleet_tables",
};

struct sensor *
sensor_new(const struct flow_config *cfg, size_t mem_cap,
    const struct flow_ops *ops, void *ctx)
{
	struct sensor *s;
	struct flow_config fc = *cfg;
	int k;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->mem.cap = mem_cap;
	s->traffic.parent = &s->mem;
	s->fixed.parent = &s->mem;
	for (k = 0; k < SENSOR_MEM_NKINDS; k++) {
		if (k < SENSOR_MEM_NTRAFFIC) {
			s->kind[k].parent = &s->traffic;
		} else {
			s->kind[k].parent = &s->fixed;
			s->kind[k].cap = mem_cap / MEM_FIXED_SHARE_DIV;
		}
	}
	if (mem_cap != 0) {
		s->shed_high = mem_cap - mem_cap / MEM_SHED_HIGH_DIV;
		s->shed_low = mem_cap - mem_cap / MEM_SHED_LOW_DIV;
	}
	fc.mem = &s->kind[SENSOR_MEM_FLOWS];
	fc.reasm_mem = &s->kind[SENSOR_MEM_REASM];
	fc.table_mem = &s->kind[SENSOR_MEM_TABLES];
	if ((s->ft = flow_table_new(&fc, ops, ctx)) == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

/* What is shed, in this order, each time from the least recently active:
 *   1. closed and opening flows (flow_shed's first classes): over, or a
 *      SYN nobody answered -- what a flood or a scan fills memory with;
 *   2. cache entries: they cost only the time to decode and validate a
 *      chain again (and an "issuer known elsewhere" hint for a rare
 *      chain);
 *   3. active and decided flows, whichever was idle longest: each loses
 *      a diagnosis (or the end of one), so they go last.
 * Fixed tables are never shed: they are sized at start to fit their
 * share.  Called only before a packet is decoded, so no flow is being
 * processed and no module is in the middle of an operation. */
void
sensor_shed(struct sensor *s)
{
	if (s->shed_high == 0 || s->mem.used <= s->shed_high)
		return;
	s->st.shed_runs++;
	while (s->mem.used > s->shed_low) {
		if (flow_shed(s->ft, true))
			continue;
		if (s->cache_shed != NULL && s->cache_shed(s->cache_ctx)) {
			s->st.shed_cache++;
			continue;
		}
		if (!flow_shed(s->ft, false))
			break; /* nothing left to shed */
	}
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
	sensor_shed(s);
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

struct membudget *
sensor_budget_of(struct sensor *s, enum sensor_mem_kind k)
{
	return &s->kind[k];
}

const struct membudget *
sensor_mem_of(const struct sensor *s, enum sensor_mem_kind k)
{
	return &s->kind[k];
}

const char *
sensor_mem_kind_name(enum sensor_mem_kind k)
{
	return (unsigned)k < SENSOR_MEM_NKINDS ? kind_names[k] : "unknown";
}

size_t
sensor_mem_fixed(const struct sensor *s)
{
	return s->fixed.used;
}

size_t
sensor_mem_traffic_peak(const struct sensor *s)
{
	return s->traffic.peak;
}

void
sensor_set_cache_shed(struct sensor *s, sensor_shed_fn fn, void *ctx)
{
	s->cache_shed = fn;
	s->cache_ctx = ctx;
}

struct flow_table *
sensor_flows(struct sensor *s)
{
	return s->ft;
}

/* The budget, its peaks by kind, and what was shed or refused. */
static void
print_memory(const struct sensor_totals *s, FILE *out, const char *prefix)
{
	const struct flow_stats *fs = &s->fs;
	const char *sep = "";
	bool any = false;
	int k;

	fprintf(out, "%smemory: ", prefix);
	if (s->mem.cap != 0)
		fprintf(out, "budget %zu bytes", s->mem.cap);
	else
		fputs("no budget", out);
	fprintf(out, ", peak %zu (fixed tables %zu, traffic peak %zu); "
	    "peaks:", s->mem.peak, s->fixed.used, s->traffic.peak);
	for (k = 0; k < SENSOR_MEM_NKINDS; k++)
		fprintf(out, "%s %s %zu", k == 0 ? "" : ",", kind_names[k],
		    s->kind[k].peak);
	fputc('\n', out);
	for (k = 0; k < FLOW_NSTATES; k++)
		any = any || fs->shed[k] != 0;
	for (k = 0; k < SENSOR_MEM_NKINDS; k++)
		any = any || s->kind[k].refused != 0;
	if (!any && s->st.shed_cache == 0)
		return;
	fprintf(out, "%smemory short: shed", prefix);
	for (k = 0; k < FLOW_NSTATES; k++) {
		if (fs->shed[k] == 0)
			continue;
		fprintf(out, "%s %llu %s flows", sep,
		    (unsigned long long)fs->shed[k],
		    flow_state_name((enum flow_state)k));
		sep = ",";
	}
	if (s->st.shed_cache != 0) {
		fprintf(out, "%s %llu cache entries", sep,
		    (unsigned long long)s->st.shed_cache);
		sep = ",";
	}
	if (*sep == '\0')
		fputs(" nothing", out);
	fputs("; refused", out);
	sep = "";
	for (k = 0; k < SENSOR_MEM_NKINDS; k++) {
		if (s->kind[k].refused == 0)
			continue;
		fprintf(out, "%s %llu %s", sep,
		    (unsigned long long)s->kind[k].refused, kind_names[k]);
		sep = ",";
	}
	if (*sep == '\0')
		fputs(" nothing", out);
	fputc('\n', out);
}

void
sensor_totals_get(const struct sensor *s, struct sensor_totals *t)
{
	t->st = s->st;
	t->fs = *flow_stats(s->ft);
	t->mem = s->mem;
	t->traffic = s->traffic;
	t->fixed = s->fixed;
	memcpy(t->kind, s->kind, sizeof(t->kind));
}

static void
budget_add(struct membudget *sum, const struct membudget *b)
{
	sum->used += b->used;
	sum->peak += b->peak;
	sum->cap += b->cap;
	sum->refused += b->refused;
}

void
sensor_totals_add_budget(struct sensor_totals *t, enum sensor_mem_kind k,
    const struct membudget *b)
{
	budget_add(&t->kind[k], b);
	budget_add(k < SENSOR_MEM_NTRAFFIC ? &t->traffic : &t->fixed, b);
	budget_add(&t->mem, b);
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
	sum->st.shed_runs += t->st.shed_runs;
	sum->st.shed_cache += t->st.shed_cache;
	sum->fs.packets += t->fs.packets;
	sum->fs.created += t->fs.created;
	sum->fs.active += t->fs.active;
	sum->fs.peak_active += t->fs.peak_active;
	for (i = 0; i < FLOW_END_NREASONS; i++)
		sum->fs.ended[i] += t->fs.ended[i];
	for (i = 0; i < FLOW_NSTATES; i++) {
		sum->fs.timed_out[i] += t->fs.timed_out[i];
		sum->fs.shed[i] += t->fs.shed[i];
	}
	sum->fs.decided_pkts += t->fs.decided_pkts;
	sum->fs.dropped_nomem += t->fs.dropped_nomem;
	budget_add(&sum->mem, &t->mem);
	budget_add(&sum->traffic, &t->traffic);
	budget_add(&sum->fixed, &t->fixed);
	for (i = 0; i < SENSOR_MEM_NKINDS; i++)
		budget_add(&sum->kind[i], &t->kind[i]);
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
	fputc('\n', out);
	print_memory(t, out, prefix);
}
