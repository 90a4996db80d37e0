/* summary.c -- the end-of-run summary: results, causes, servers, clients.
 *
 * Space-saving top-k (Metwally, Agrawal, El Abbadi, 2005) with a handful of
 * counters per cause: bounded memory whatever the number of servers.
 */
#include <inttypes.h>
#include <string.h>

#include "tlsdiag/fmt.h"
#include "tlsdiag/summary.h"

static const char *const fix_names[4] = {"client", "server", "network",
					 "unknown"};

void
summary_init(struct summary *s)
{
	memset(s, 0, sizeof(*s));
}

static void
top_add(struct summary_entry *e, const char *name)
{
	unsigned i, min = 0;

	for (i = 0; i < SUMMARY_TOP; i++) {
		if (e[i].count != 0 && strcmp(e[i].name, name) == 0) {
			e[i].count++;
			return;
		}
		if (e[i].count < e[min].count)
			min = i;
	}
	/* An empty slot has count 0 and is the minimum. */
	e[min].approx = e[min].count != 0;
	snprintf(e[min].name, sizeof(e[min].name), "%s", name);
	e[min].count++;
}

/* The SNI as printable text (escaped), or the server's address and port. */
static void
server_name(const struct conn_result *r, char *out, size_t n)
{
	const struct tls_facts *fa = r->facts;
	size_t i, o = 0;

	if (fa != NULL && fa->ch_seen && fa->ch.sni_present) {
		for (i = 0; i < fa->ch.sni_len && o + 5 < n; i++) {
			uint8_t b = fa->ch.sni[i];

			if (b >= 0x20 && b < 0x7f && b != '\\')
				out[o++] = (char)b;
			else
				o += (size_t)snprintf(out + o, n - o, "\\x%02x", b);
		}
		out[o < n ? o : n - 1] = '\0';
		return;
	}
	{
		char ep[FMT_ENDPOINT_SIZE];

		fmt_endpoint(ep, r->flow->af, r->flow->addr[FLOW_S2C],
		    r->flow->port[FLOW_S2C]);
		snprintf(out, n, "%s", ep);
	}
}

void
summary_add(struct summary *s, const struct conn_result *r,
    const struct infer_cause *cause)
{
	struct summary_cause *c;
	char name[SUMMARY_NAME_MAX], addr[FMT_ADDR_SIZE];
	unsigned f;

	if (r->result < CONN_NRESULTS)
		s->results[r->result]++;
	if (cause == NULL)
		return;
	if (cause->cause == INFER_NONE) {
		if (cause->nwarnings > 0)
			s->warnings++;
		return;
	}
	if ((unsigned)cause->cause >= INFER_NCAUSES)
		return;
	c = &s->cause[cause->cause];
	c->count++;
	for (f = 0; f < 3; f++)
		if (strcmp(cause->fix_side, fix_names[f]) == 0)
			break;
	c->fix[f]++;
	server_name(r, name, sizeof(name));
	top_add(c->servers, name);
	fmt_addr(addr, r->flow->af, r->flow->addr[FLOW_C2S]);
	top_add(c->clients, addr);
}

static void
print_top(FILE *out, const char *prefix, const char *what,
    const struct summary_entry *e)
{
	bool used[SUMMARY_TOP] = {false};
	unsigned k, i, best;

	fprintf(out, "%s    %s:", prefix, what);
	for (k = 0; k < SUMMARY_SHOW; k++) {
		best = SUMMARY_TOP;
		for (i = 0; i < SUMMARY_TOP; i++)
			if (!used[i] && e[i].count != 0 &&
			    (best == SUMMARY_TOP || e[i].count > e[best].count))
				best = i;
		if (best == SUMMARY_TOP)
			break;
		used[best] = true;
		fprintf(out, "%s %s (%s%" PRIu64 ")", k > 0 ? "," : "",
		    e[best].name, e[best].approx ? "~" : "", e[best].count);
	}
	fputc('\n', out);
}

void
summary_print(const struct summary *s, FILE *out, const char *prefix)
{
	uint64_t total = 0;
	unsigned i, f, best;
	bool any = false;

	for (i = 0; i < CONN_NRESULTS; i++)
		total += s->results[i];
	fprintf(out, "%s%" PRIu64 " TLS connections:", prefix, total);
	for (i = 0; i < CONN_NRESULTS; i++)
		fprintf(out, "%s %" PRIu64 " %s", i > 0 ? "," : "",
		    s->results[i], conn_result_name((enum conn_result_kind)i));
	if (s->warnings > 0)
		fprintf(out, " (%" PRIu64 " established with warnings)",
		    s->warnings);
	fputc('\n', out);
	for (i = 0; i < INFER_NCAUSES; i++) {
		const struct summary_cause *c = &s->cause[i];

		if (c->count == 0)
			continue;
		if (!any)
			fprintf(out, "%sby cause:\n", prefix);
		any = true;
		best = 0;
		for (f = 1; f < 4; f++)
			if (c->fix[f] > c->fix[best])
				best = f;
		fprintf(out, "%s  %s: %" PRIu64 " (fix: %s)\n", prefix,
		    infer_cause_label((enum infer_cause_id)i), c->count,
		    fix_names[best]);
		print_top(out, prefix, "servers", c->servers);
		print_top(out, prefix, "clients", c->clients);
	}
}
