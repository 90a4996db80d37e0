/* out_flows.c -- the --flows view: one line per TCP connection.
 *
 * Format (one line, fields separated by spaces; see tlsdiag(1)):
 *   TS CLIENT > SERVER c2s P pkts B bytes D data s2c P pkts B bytes D data
 *   close WHO end REASON dur SECONDS [gaps ...] [retrans ...] [...]
 * Bytes are frame lengths on the wire (tshark's "Bytes"); data is the
 * reassembled TCP payload.  Times are UTC.
 */
#include <inttypes.h>

#include "tlsdiag/fmt.h"
#include "tlsdiag/out_flows.h"

static const char *const side[2] = {"client", "server"};

/* How the connection was closed, judged from the first RST or FIN. */
static void
print_close(FILE *out, const struct flow *f)
{
	const struct flow_dir *c = &f->dir[FLOW_C2S], *s = &f->dir[FLOW_S2C];
	int first;

	if (c->rst || s->rst) {
		first = !c->rst || (s->rst && s->rst_ts < c->rst_ts);
		fprintf(out, " close rst-by-%s", side[first]);
	} else if (c->fin || s->fin) {
		first = !c->fin || (s->fin && s->fin_ts < c->fin_ts);
		fprintf(out, " close fin-by-%s%s", side[first],
		    c->fin && s->fin ? "" : "-half");
	} else {
		fprintf(out, " close none");
	}
}

static void
print_pair(FILE *out, const char *what, uint64_t a, uint64_t b)
{
	if (a != 0 || b != 0)
		fprintf(out, " %s %" PRIu64 "/%" PRIu64, what, a, b);
}

void
out_flows_line(FILE *out, const struct flow *f, enum flow_end why)
{
	char ts[FMT_TS_SIZE], cli[FMT_ENDPOINT_SIZE], srv[FMT_ENDPOINT_SIZE];
	const struct flow_dir *c = &f->dir[FLOW_C2S], *s = &f->dir[FLOW_S2C];
	uint64_t dur = f->last_ts - f->first_ts;

	fmt_ts(ts, f->first_ts);
	fmt_endpoint(cli, f->af, f->addr[FLOW_C2S], f->port[FLOW_C2S]);
	fmt_endpoint(srv, f->af, f->addr[FLOW_S2C], f->port[FLOW_S2C]);
	fprintf(out,
	    "%s %s > %s c2s %" PRIu64 " pkts %" PRIu64 " bytes %" PRIu64
	    " data s2c %" PRIu64 " pkts %" PRIu64 " bytes %" PRIu64 " data",
	    ts, cli, srv, c->pkts, c->wire_bytes, c->rs.delivered, s->pkts,
	    s->wire_bytes, s->rs.delivered);
	print_close(out, f);
	fprintf(out, " end %s dur %" PRIu64 ".%06" PRIu64, flow_end_name(why),
	    dur / 1000000u, dur % 1000000u);
	print_pair(out, "gaps", c->rs.gaps, s->rs.gaps);
	print_pair(out, "gap-bytes", c->rs.gap_bytes, s->rs.gap_bytes);
	print_pair(out, "retrans", c->rs.retrans, s->rs.retrans);
	print_pair(out, "conflicts", c->rs.conflicts, s->rs.conflicts);
	if (f->client_guessed)
		fprintf(out, " sides-guessed");
}

static void
flows_end(void *ctx, struct flow *f, enum flow_end why)
{
	FILE *out = ctx;

	out_flows_line(out, f, why);
	fputc('\n', out);
}

const struct flow_ops out_flows_ops = {
	.end = flows_end,
};
