/* infer.c -- the inference engine: rules that turn a connection's facts into
 * a cause, a fix side, evidence and advice; and the fleet knowledge.
 *
 * Implements the cause table of DESIGN.md (labels in causes.def), reading
 * alerts per RFC 8446 6 / RFC 5246 7.2, versions per RFC 8996 and RFC 9325,
 * mandatory-to-implement suites and groups per RFC 8446 9.1, and the
 * certificate facts of x509 (RFC 5280) and hostmatch (RFC 6125/9525).
 *
 * It must never read packet bytes, never read the wall clock, never keep a
 * pointer into a conn_result after infer_judge() returns, and never copy an
 * attacker-chosen string into its output without infer_escape().
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tlsdiag/cur.h"
#include "tlsdiag/fmt.h"
#include "tlsdiag/infer.h"
#include "tlsdiag/ja.h"
#include "tlsdiag/tls_names.h"

/*
 * The registry.
 */

static const char *const cause_label[INFER_NCAUSES] = {
#define INFER_CAUSE(id, label, fix, meaning) label,
#include "tlsdiag/causes.def"
#undef INFER_CAUSE
};

static const char *const cause_fix[INFER_NCAUSES] = {
#define INFER_CAUSE(id, label, fix, meaning) fix,
#include "tlsdiag/causes.def"
#undef INFER_CAUSE
};

static const char *const cause_meaning[INFER_NCAUSES] = {
#define INFER_CAUSE(id, label, fix, meaning) meaning,
#include "tlsdiag/causes.def"
#undef INFER_CAUSE
};

const char *
infer_cause_label(enum infer_cause_id id)
{
	return (unsigned)id < INFER_NCAUSES ? cause_label[id] : NULL;
}

const char *
infer_cause_default_fix(enum infer_cause_id id)
{
	return (unsigned)id < INFER_NCAUSES ? cause_fix[id] : NULL;
}

const char *
infer_cause_meaning(enum infer_cause_id id)
{
	return (unsigned)id < INFER_NCAUSES ? cause_meaning[id] : NULL;
}

int
infer_cause_from_label(const char *label)
{
	int i;

	if (label == NULL)
		return -1;
	for (i = 0; i < INFER_NCAUSES; i++)
		if (strcmp(cause_label[i], label) == 0)
			return i;
	return -1;
}

/*
 * Escaping and line building.
 */

char *
infer_escape(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (cap == 0)
		return dst;
	for (i = 0; i < n; i++) {
		bool plain = p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\';
		size_t need = plain ? 1 : 4;

		/* Keep room for "..." and the NUL in case more follows. */
		if (o + need + (i + 1 < n ? 3 : 0) + 1 > cap) {
			if (o + 4 <= cap) {
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (plain) {
			dst[o++] = (char)p[i];
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[p[i] >> 4];
			dst[o++] = hex[p[i] & 0xf];
		}
	}
	dst[o] = '\0';
	return dst;
}

/* An attacker-chosen C string (certificate name, URL), cut at
 * INFER_NAME_SHOWN bytes, escaped. */
#define ESC_MAX (4 * INFER_NAME_SHOWN + 8)
static const char *
esc_str(char buf[ESC_MAX], const char *s)
{
	size_t n;

	if (s == NULL)
		return infer_escape(buf, ESC_MAX, (const uint8_t *)"?", 1);
	n = strlen(s);
	if (n > INFER_NAME_SHOWN) {
		infer_escape(buf, ESC_MAX - 4, (const uint8_t *)s,
			     INFER_NAME_SHOWN);
		n = strlen(buf);
		memcpy(buf + n, "...", 4);
		return buf;
	}
	return infer_escape(buf, ESC_MAX, (const uint8_t *)s, n);
}

static void vline(char *dst, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
vline(char *dst, size_t cap, const char *fmt, va_list ap)
{
	int n = vsnprintf(dst, cap, fmt, ap);

	/* A cut line ends visibly rather than mid-word. */
	if (n >= 0 && (size_t)n >= cap && cap > 4)
		memcpy(dst + cap - 4, "...", 4);
}

static void evidence(struct infer_cause *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
evidence(struct infer_cause *o, const char *fmt, ...)
{
	va_list ap;

	if (o->nevidence >= INFER_EVIDENCE_MAX) {
		o->evidence_dropped++;
		return;
	}
	va_start(ap, fmt);
	vline(o->evidence[o->nevidence++], INFER_LINE_MAX, fmt, ap);
	va_end(ap);
}

static void warning(struct infer_cause *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
warning(struct infer_cause *o, const char *fmt, ...)
{
	va_list ap;

	if (o->nwarnings >= INFER_WARNINGS_MAX)
		return;
	va_start(ap, fmt);
	vline(o->warnings[o->nwarnings++], INFER_LINE_MAX, fmt, ap);
	va_end(ap);
}

static void advise(struct infer_cause *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
advise(struct infer_cause *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(o->advice, INFER_ADVICE_MAX, fmt, ap);
	va_end(ap);
}

/* "2025-01-01 00:00:00Z" (UTC, as x509 details print dates). */
#define DATE_MAX 40
static const char *
fmt_date(char buf[DATE_MAX], int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, DATE_MAX, "%Y-%m-%d %H:%M:%SZ", &tm) == 0)
		snprintf(buf, DATE_MAX, "@%" PRId64, t);
	return buf;
}

/* "protocol_version(70)". */
#define ALERT_MAX 48
static const char *
alert_str(char buf[ALERT_MAX], uint8_t desc)
{
	const char *n = tls_alert_name(desc);

	snprintf(buf, ALERT_MAX, "%s(%u)", n != NULL ? n : "alert",
		 (unsigned)desc);
	return buf;
}

/* "0.2 ms" between two packet times; "" when unknown. */
#define MS_MAX 48
static const char *
fmt_ms(char buf[MS_MAX], uint64_t from, uint64_t to)
{
	if (from == 0 || to == 0 || to < from) {
		buf[0] = '\0';
		return buf;
	}
	if (to - from >= 10000000u)
		snprintf(buf, MS_MAX, "%" PRIu64 " s", (to - from) / 1000000u);
	else
		snprintf(buf, MS_MAX, "%" PRIu64 ".%" PRIu64 " ms",
			 (to - from) / 1000u, ((to - from) % 1000u) / 100u);
	return buf;
}

/* Who closed, in words (conn_closer_name() gives the JSON identifiers;
 * these are for sentences). */
static const char *
closer_words(enum conn_closer c)
{
	switch (c) {
	case CONN_CLOSER_CLIENT_FIN:
		return "client FIN";
	case CONN_CLOSER_CLIENT_RST:
		return "client RST";
	case CONN_CLOSER_SERVER_FIN:
		return "server FIN";
	case CONN_CLOSER_SERVER_RST:
		return "server RST";
	default:
		return "no FIN or RST";
	}
}

static const char *
vname(uint16_t v)
{
	const char *n = tls_version_name(v);

	return n != NULL ? n : "an unknown version";
}

/*
 * Fleet tables: set-associative, fixed size, decayed in packet time.
 */

struct ent_hdr {
	uint64_t key;  /* 0: empty */
	int64_t last;  /* packet seconds of the last update */
	int64_t decay; /* packet seconds of the last halving */
};

struct issuer_seen {
	uint64_t hash;	/* of the issuer name and the chain's status: one
			   entry per outcome, so that servers sending the
			   same leaf with and without its intermediate stay
			   apart */
	uint64_t ihash; /* of the issuer name alone */
	uint64_t leaf;	/* first 8 bytes of the leaf's SHA-256 */
	uint32_t n;
	bool anchored;	/* the chain reached an anchor of the store */
	uint8_t status; /* enum x509_code of the chain */
	uint8_t host;	/* enum hm_status; 0xff unchecked */
	int64_t not_before, not_after, seen;
	char name[INFER_ISSUER_MAX];
};

struct srv_ent {
	struct ent_hdr h;
	uint32_t ok, fail, ok_sni, ok_nosni;
	uint16_t vers_ok; /* bit (v & 0xff) for 0x0300..0x0304 */
	uint8_t nsuites, ngroups;
	uint16_t suites[INFER_SUITES_KEPT];
	uint16_t groups[INFER_GROUPS_KEPT];
	uint8_t alpn_len;
	uint8_t alpn[32]; /* raw, escaped when shown */
	/* The chain this server (endpoint and name) last presented, judged
	 * at that time: what a later TLS 1.3 connection without keys to the
	 * same server most likely got too. */
	bool chain_seen;
	struct issuer_seen chain;
};

struct name_ent {
	struct ent_hdr h;
	uint8_t nis;
	struct issuer_seen is[INFER_ISSUERS_KEPT];
};

struct cli_ent {
	struct ent_hdr h;
	uint32_t ok, fail;
	uint32_t valid_rejects; /* rejected a certificate valid at the time */
	bool date_alert;	/* one of them with certificate_expired */
	uint8_t nservers;
	uint64_t servers[INFER_SERVERS_KEPT]; /* where it did */
	/* gmt_unix_time minus capture time of its last hello, and how many
	 * hellos in a row agreed with it within GMT_AGREE seconds. */
	bool gmt_seen;
	int64_t gmt_skew;
	uint32_t gmt_agree;
	/* Chains it accepted (the handshake completed and it sent
	 * application data) that reached one anchor, with one JA4
	 * (acc_anchor, accept_key()): the skews, its clock minus the capture
	 * clock, under which every certificate on all their paths was valid at
	 * once. */
	uint32_t acc_n;
	uint64_t acc_anchor;
	int64_t acc_lo, acc_hi;
};

struct coh_ent {
	struct ent_hdr h;
	uint32_t ok, fail;
	uint8_t nservers;
	uint64_t servers[INFER_SERVERS_KEPT]; /* where it failed */
};

struct tbl {
	uint8_t *mem;
	size_t stride;
	uint32_t nsets;
	uint64_t *evicted;
};

struct infer {
	struct infer_config cfg;
	struct tbl srv, name, cli, coh;
	struct infer_stats st;
};

/* Two hellos whose gmt_unix_time differ from the capture clock by the same
 * amount within this many seconds come from a client that puts its clock
 * there (random values never agree). */
#define GMT_AGREE 5
/* A clock this far off the capture clock is wrong, not drifting. */
#define GMT_WRONG (24 * 3600)

static uint32_t
clamp_size(uint32_t v, uint32_t def)
{
	if (v == 0)
		v = def;
	if (v > INFER_TABLE_MAX)
		v = INFER_TABLE_MAX;
	if (v < INFER_WAYS)
		v = INFER_WAYS;
	return v;
}

/* Entries of a table halved, keeping at least one set. */
static uint32_t
halve(uint32_t v)
{
	return v / 2 < INFER_WAYS ? INFER_WAYS : v / 2;
}

/* The bytes of an engine with these table sizes (as tbl_init makes them:
 * whole sets only). */
static size_t
fleet_bytes(const struct infer_config *c)
{
	return sizeof(struct infer) +
	       (size_t)(c->max_servers / INFER_WAYS) * INFER_WAYS *
		   sizeof(struct srv_ent) +
	       (size_t)(c->max_names / INFER_WAYS) * INFER_WAYS *
		   sizeof(struct name_ent) +
	       (size_t)(c->max_clients / INFER_WAYS) * INFER_WAYS *
		   sizeof(struct cli_ent) +
	       (size_t)(c->max_cohorts / INFER_WAYS) * INFER_WAYS *
		   sizeof(struct coh_ent);
}

static int
tbl_init(struct tbl *t, uint32_t entries, size_t stride, uint64_t *evicted)
{
	t->nsets = entries / INFER_WAYS;
	t->stride = stride;
	t->evicted = evicted;
	t->mem = calloc((size_t)t->nsets * INFER_WAYS, stride);
	return t->mem == NULL ? -1 : 0;
}

static struct ent_hdr *
tbl_slot(const struct tbl *t, uint32_t set, unsigned way)
{
	return (struct ent_hdr *)(void *)(t->mem +
					  ((size_t)set * INFER_WAYS + way) *
					      t->stride);
}

/* The entry of key (live: touched within the TTL), or with create a fresh
 * one in its set: an empty or forgotten slot first, else the least
 * recently updated (counted as an eviction). */
static void *
tbl_get(struct infer *in, struct tbl *t, uint64_t key, int64_t now, bool create)
{
	uint32_t set = (uint32_t)(key % t->nsets);
	struct ent_hdr *e, *victim = NULL;
	unsigned w;

	for (w = 0; w < INFER_WAYS; w++) {
		e = tbl_slot(t, set, w);
		if (e->key == key) {
			if (now - e->last <= (int64_t)in->cfg.ttl_s)
				return e;
			victim = e; /* forgotten: start again */
			break;
		}
	}
	if (!create)
		return NULL;
	if (victim == NULL) {
		for (w = 0; w < INFER_WAYS; w++) {
			e = tbl_slot(t, set, w);
			if (e->key == 0 ||
			    now - e->last > (int64_t)in->cfg.ttl_s) {
				victim = e;
				break;
			}
			if (victim == NULL || e->last < victim->last)
				victim = e;
		}
		if (victim->key != 0 &&
		    now - victim->last <= (int64_t)in->cfg.ttl_s)
			(*t->evicted)++;
	}
	memset(victim, 0, t->stride);
	victim->key = key;
	victim->last = now;
	victim->decay = now;
	return victim;
}

/* Halve *n once per half-life elapsed since the entry's last halving. */
static unsigned
halvings(const struct infer *in, struct ent_hdr *h, int64_t now)
{
	int64_t d = now - h->decay;
	unsigned k;

	if (d < (int64_t)in->cfg.half_life_s)
		return 0;
	k = (unsigned)(d / (int64_t)in->cfg.half_life_s);
	h->decay += (int64_t)k * in->cfg.half_life_s;
	return k > 31 ? 31 : k;
}

static void
decay_srv(const struct infer *in, struct srv_ent *e, int64_t now)
{
	unsigned k = halvings(in, &e->h, now);

	e->ok >>= k;
	e->fail >>= k;
	e->ok_sni >>= k;
	e->ok_nosni >>= k;
	if (k > 0 && e->ok == 0) {
		/* Nothing left to vouch for what it accepted. */
		e->vers_ok = 0;
		e->nsuites = e->ngroups = 0;
		e->alpn_len = 0;
	}
}

static void
decay_cli(const struct infer *in, struct cli_ent *e, int64_t now)
{
	unsigned k = halvings(in, &e->h, now);

	e->ok >>= k;
	e->fail >>= k;
	e->valid_rejects >>= k;
	if (k > 0 && e->valid_rejects == 0) {
		e->nservers = 0;
		e->date_alert = false;
	}
}

static void
decay_coh(const struct infer *in, struct coh_ent *e, int64_t now)
{
	unsigned k = halvings(in, &e->h, now);

	e->ok >>= k;
	e->fail >>= k;
	if (k > 0 && e->fail == 0)
		e->nservers = 0;
}

static void
decay_name(const struct infer *in, struct name_ent *e, int64_t now)
{
	unsigned k = halvings(in, &e->h, now), i;

	for (i = 0; i < e->nis; i++)
		e->is[i].n >>= k;
}

static bool
add_u16(uint16_t *v, uint8_t *n, unsigned cap, uint16_t x)
{
	unsigned i;

	for (i = 0; i < *n; i++)
		if (v[i] == x)
			return false;
	if (*n >= cap) {
		/* Keep the latest: the oldest choice fades first. */
		memmove(v, v + 1, (cap - 1) * sizeof(*v));
		v[cap - 1] = x;
		return true;
	}
	v[(*n)++] = x;
	return true;
}

static unsigned
add_u64(uint64_t *v, uint8_t *n, unsigned cap, uint64_t x)
{
	unsigned i;

	for (i = 0; i < *n; i++)
		if (v[i] == x)
			return *n;
	if (*n >= cap) {
		memmove(v, v + 1, (cap - 1) * sizeof(*v));
		v[cap - 1] = x;
		return *n;
	}
	v[(*n)++] = x;
	return *n;
}

void
infer_config_default(struct infer_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_servers = INFER_SERVERS_DEFAULT;
	cfg->max_names = INFER_NAMES_DEFAULT;
	cfg->max_clients = INFER_CLIENTS_DEFAULT;
	cfg->max_cohorts = INFER_COHORTS_DEFAULT;
	cfg->half_life_s = INFER_HALF_LIFE_DEFAULT;
	cfg->ttl_s = INFER_TTL_DEFAULT;
}

struct infer *
infer_new(const struct infer_config *cfg)
{
	struct infer *in = calloc(1, sizeof(*in));

	if (in == NULL)
		return NULL;
	infer_config_default(&in->cfg);
	if (cfg != NULL) {
		in->cfg.max_servers = cfg->max_servers;
		in->cfg.max_names = cfg->max_names;
		in->cfg.max_clients = cfg->max_clients;
		in->cfg.max_cohorts = cfg->max_cohorts;
		if (cfg->half_life_s != 0)
			in->cfg.half_life_s = cfg->half_life_s;
		if (cfg->ttl_s != 0)
			in->cfg.ttl_s = cfg->ttl_s;
		in->cfg.mem = cfg->mem;
	}
	in->cfg.max_servers =
	    clamp_size(in->cfg.max_servers, INFER_SERVERS_DEFAULT);
	in->cfg.max_names = clamp_size(in->cfg.max_names, INFER_NAMES_DEFAULT);
	in->cfg.max_clients =
	    clamp_size(in->cfg.max_clients, INFER_CLIENTS_DEFAULT);
	in->cfg.max_cohorts =
	    clamp_size(in->cfg.max_cohorts, INFER_COHORTS_DEFAULT);
	/* The tables are fixed: their whole size is reserved up front.  A
	 * budget too small for them gets smaller tables (the fleet is
	 * forgotten sooner) rather than none; each table keeps one set. */
	while (fleet_bytes(&in->cfg) > mem_room(in->cfg.mem)) {
		if (in->cfg.max_servers == INFER_WAYS &&
		    in->cfg.max_names == INFER_WAYS &&
		    in->cfg.max_clients == INFER_WAYS &&
		    in->cfg.max_cohorts == INFER_WAYS) {
			free(in);
			return NULL;
		}
		in->cfg.max_servers = halve(in->cfg.max_servers);
		in->cfg.max_names = halve(in->cfg.max_names);
		in->cfg.max_clients = halve(in->cfg.max_clients);
		in->cfg.max_cohorts = halve(in->cfg.max_cohorts);
		in->st.halved++;
	}
	if (!mem_reserve(in->cfg.mem, fleet_bytes(&in->cfg))) {
		free(in);
		return NULL;
	}
	in->st.bytes = fleet_bytes(&in->cfg);
	if (tbl_init(&in->srv, in->cfg.max_servers, sizeof(struct srv_ent),
		     &in->st.evicted_servers) != 0 ||
	    tbl_init(&in->name, in->cfg.max_names, sizeof(struct name_ent),
		     &in->st.evicted_names) != 0 ||
	    tbl_init(&in->cli, in->cfg.max_clients, sizeof(struct cli_ent),
		     &in->st.evicted_clients) != 0 ||
	    tbl_init(&in->coh, in->cfg.max_cohorts, sizeof(struct coh_ent),
		     &in->st.evicted_cohorts) != 0) {
		infer_free(in);
		return NULL;
	}
	return in;
}

void
infer_free(struct infer *in)
{
	if (in == NULL)
		return;
	free(in->srv.mem);
	free(in->name.mem);
	free(in->cli.mem);
	free(in->coh.mem);
	mem_release(in->cfg.mem, in->st.bytes);
	free(in);
}

void
infer_get_stats(const struct infer *in, struct infer_stats *st)
{
	*st = in->st;
}

/* FNV-1a, 64 bits, with a tag byte so that keys of different kinds never
 * meet; 0 is kept for "empty". */
static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t
key_done(uint64_t h)
{
	return h == 0 ? 1 : h;
}

/*
 * The judgement of one connection.
 */

struct judge {
	struct infer *in;
	const struct conn_result *r;
	const struct tls_facts *f;
	const struct certcheck *cc;
	struct infer_cause *out;
	int64_t now; /* capture seconds */

	bool chain; /* the server chain was decoded and validated */
	const struct x509_cert *leaf;
	bool has_sni;
	char sni[ESC_MAX]; /* escaped */
	uint16_t vmax, vmin;
	bool offers13, offers12;

	const struct tls_alert *salert; /* server's first refusal */
	const struct tls_alert *calert; /* client's, before the server left */
	const struct tls_alert *clate;	/* client's, after the server left */
	bool cenc, senc;		/* encrypted alert from the side */
	uint16_t cenc_len, senc_len;
	uint64_t cenc_ts, senc_ts;

	uint64_t srv_key, ep_key;
	struct srv_ent *srv, *ep;
	struct name_ent *name;
	struct cli_ent *cli;
	struct coh_ent *coh;
	bool have_ja4;
	char ja4[JA4_LEN];
	bool valid_reject; /* the client refused a valid certificate */
};

static void
decide(struct judge *j, enum infer_cause_id c, const char *fix,
       const char *conf)
{
	j->out->cause = c;
	j->out->id = cause_label[c];
	j->out->fix_side = fix != NULL ? fix : cause_fix[c];
	j->out->confidence = conf;
}

static const char *
lower_conf(const char *c)
{
	if (c != NULL && strcmp(c, INFER_CONF_HIGH) == 0)
		return INFER_CONF_MEDIUM;
	return INFER_CONF_LOW;
}

/* Alerts that end nothing by themselves (RFC 8446 6.1, RFC 5246 7.2.2):
 * closure, cancelled, no renegotiation; and a warning-level
 * unrecognized_name, which RFC 6066 3 lets a server send and go on. */
static bool
alert_refuses(const struct tls_alert *a)
{
	if (a->encrypted)
		return false;
	if (a->desc == TLS_ALERT_CLOSE_NOTIFY ||
	    a->desc == TLS_ALERT_USER_CANCELED ||
	    a->desc == TLS_ALERT_NO_RENEGOTIATION)
		return false;
	if (a->level == TLS_ALERT_LEVEL_WARNING &&
	    a->desc == TLS_ALERT_UNRECOGNIZED_NAME)
		return false;
	return true;
}

/* The alerts a client sends about the server's certificate (RFC 5246
 * 7.2.2, RFC 8446 6.2); which one depends on the stack, not the fault. */
static bool
alert_is_cert(uint8_t d)
{
	return d == TLS_ALERT_BAD_CERTIFICATE ||
	       d == TLS_ALERT_UNSUPPORTED_CERTIFICATE ||
	       d == TLS_ALERT_CERTIFICATE_REVOKED ||
	       d == TLS_ALERT_CERTIFICATE_EXPIRED ||
	       d == TLS_ALERT_CERTIFICATE_UNKNOWN ||
	       d == TLS_ALERT_UNKNOWN_CA || d == TLS_ALERT_ACCESS_DENIED;
}

static bool
sent_by_server_dir(uint8_t dir)
{
	return dir == TLS_DIR_S2C;
}

static bool
server_left(const struct conn_result *r)
{
	return r->closer == CONN_CLOSER_SERVER_FIN ||
	       r->closer == CONN_CLOSER_SERVER_RST;
}

static void
scan_alerts(struct judge *j)
{
	const struct tls_facts *f = j->f;
	const struct conn_result *r = j->r;
	unsigned i;

	for (i = 0; i < f->nalerts && i < TLS_ALERTS_MAX; i++) {
		const struct tls_alert *a = &f->alerts[i];

		if (a->encrypted) {
			/* TLS <= 1.2 alert after ChangeCipherSpec. */
			if (sent_by_server_dir(a->dir)) {
				if (!j->senc) {
					j->senc = true;
					j->senc_len = a->rec_len;
					j->senc_ts = a->ts_us;
				}
			} else if (!j->cenc) {
				j->cenc = true;
				j->cenc_len = a->rec_len;
				j->cenc_ts = a->ts_us;
			}
			continue;
		}
		if (!alert_refuses(a))
			continue;
		if (sent_by_server_dir(a->dir)) {
			if (j->salert == NULL)
				j->salert = a;
		} else if (server_left(r) && r->close_ts != 0 &&
			   a->ts_us > r->close_ts) {
			/* A client alert after the server hung up is its
			 * reaction to the truncated handshake (OpenSSL sends
			 * decode_error), not a judgement of what it got. */
			if (j->clate == NULL)
				j->clate = a;
		} else if (j->calert == NULL) {
			j->calert = a;
		}
	}
	if (r->enc13_alert) {
		if (r->enc13_alert_dir == TLS_DIR_S2C && !j->senc) {
			j->senc = true;
			j->senc_len = r->enc13_alert_len;
			j->senc_ts = r->enc13_alert_ts;
		} else if (r->enc13_alert_dir == TLS_DIR_C2S && !j->cenc) {
			j->cenc = true;
			j->cenc_len = r->enc13_alert_len;
			j->cenc_ts = r->enc13_alert_ts;
		}
	}
}

/* Versions the ClientHello offers: supported_versions when present (RFC
 * 8446 4.2.1), else everything up to legacy_version. */
static void
scan_versions(struct judge *j)
{
	const struct tls_client_hello *ch = &j->f->ch;
	unsigned i;

	j->vmax = 0;
	j->vmin = 0xffff;
	if (ch->versions_present && ch->nversions > 0) {
		for (i = 0; i < ch->nversions && i < TLS_VERSIONS_MAX; i++) {
			uint16_t v = ch->versions[i];

			if (tls_is_grease(v) || (v >> 8) != 3)
				continue;
			if (v > j->vmax)
				j->vmax = v;
			if (v < j->vmin)
				j->vmin = v;
		}
	}
	if (j->vmax == 0) {
		j->vmax = ch->legacy_version;
		/* Without the extension only the maximum is said; the
		 * minimum is the client's secret.  Call it the maximum so
		 * that "only deprecated versions" stays true to the offer. */
		j->vmin = ch->legacy_version;
	}
	j->offers13 = j->vmax >= TLS_VERSION_TLS13;
	j->offers12 =
	    j->vmin <= TLS_VERSION_TLS12 && j->vmax >= TLS_VERSION_TLS12;
}

/* "TLSv1.0" or "TLSv1.0 to TLSv1.2". */
#define VRANGE_MAX 64
static const char *
vrange(char buf[VRANGE_MAX], const struct judge *j)
{
	if (j->vmin == j->vmax || j->vmin == 0xffff)
		snprintf(buf, VRANGE_MAX, "%s", vname(j->vmax));
	else
		snprintf(buf, VRANGE_MAX, "%s to %s", vname(j->vmin),
			 vname(j->vmax));
	return buf;
}

static bool
offers_only_deprecated(const struct judge *j)
{
	return j->vmax != 0 && j->vmax < TLS_VERSION_TLS12;
}

static bool
offers_suite(const struct judge *j, uint16_t s)
{
	const struct tls_client_hello *ch = &j->f->ch;
	unsigned i;

	for (i = 0; i < ch->nsuites && i < TLS_SUITES_MAX; i++)
		if (ch->suites[i] == s)
			return true;
	return false;
}

static bool
offers_version(const struct judge *j, uint16_t v)
{
	return v >= j->vmin && v <= j->vmax;
}

/* A suite current guidance (RFC 9325 4.2) keeps: TLS 1.3, or an
 * ephemeral (EC)DHE key exchange with an AEAD cipher.  Static RSA key
 * exchange and CBC with HMAC are what an outdated peer offers. */
static bool
suite_modern(uint16_t s)
{
	const char *n;

	if (tls_cipher_is_tls13(s))
		return true;
	if (tls_cipher_is_weak(s, NULL) || tls_cipher_is_scsv(s))
		return false;
	n = tls_cipher_name(s);
	if (n == NULL)
		return false;
	if (strncmp(n, "TLS_ECDHE_", 10) != 0 && strncmp(n, "TLS_DHE_", 8) != 0)
		return false;
	return strstr(n, "_GCM_") != NULL ||
	       strstr(n, "CHACHA20_POLY1305") != NULL ||
	       strstr(n, "_CCM") != NULL;
}

static unsigned
count_suites(const struct judge *j, bool modern_only, unsigned *weak)
{
	const struct tls_client_hello *ch = &j->f->ch;
	unsigned i, n = 0;

	*weak = 0;
	for (i = 0; i < ch->nsuites && i < TLS_SUITES_MAX; i++) {
		uint16_t s = ch->suites[i];

		if (tls_is_grease(s) || tls_cipher_is_scsv(s))
			continue;
		if (tls_cipher_is_weak(s, NULL))
			(*weak)++;
		if (!modern_only || suite_modern(s))
			n++;
	}
	return n;
}

/* "TLS_RSA_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_AES_256_CBC_SHA" (the first
 * few real suites). */
#define LIST_MAX 200
static const char *
suite_list(char buf[LIST_MAX], const struct judge *j)
{
	const struct tls_client_hello *ch = &j->f->ch;
	unsigned i, shown = 0, total = 0;
	size_t o = 0;

	buf[0] = '\0';
	for (i = 0; i < ch->nsuites && i < TLS_SUITES_MAX; i++) {
		uint16_t s = ch->suites[i];
		char hx[TLS_HEX_LEN];
		const char *n;
		int k;

		if (tls_is_grease(s) || tls_cipher_is_scsv(s))
			continue;
		total++;
		if (shown >= 3)
			continue;
		n = tls_name_or_hex(tls_cipher_name(s), s, hx);
		k = snprintf(buf + o, LIST_MAX - o, "%s%s", shown ? ", " : "",
			     n);
		if (k < 0 || (size_t)k >= LIST_MAX - o)
			break;
		o += (size_t)k;
		shown++;
	}
	if (total > shown && o + 16 < LIST_MAX)
		snprintf(buf + o, LIST_MAX - o, " (+%u more)", total - shown);
	return buf;
}

static const char *
group_list(char buf[LIST_MAX], const uint16_t *g, unsigned n)
{
	unsigned i, shown = 0;
	size_t o = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		char hx[TLS_HEX_LEN];
		int k;

		if (tls_is_grease(g[i]))
			continue;
		k = snprintf(buf + o, LIST_MAX - o, "%s%s", shown ? ", " : "",
			     tls_name_or_hex(tls_group_name(g[i]), g[i], hx));
		if (k < 0 || (size_t)k >= LIST_MAX - o)
			break;
		o += (size_t)k;
		shown++;
	}
	if (shown == 0)
		snprintf(buf, LIST_MAX, "none");
	return buf;
}

/* The ALPN list as "h2, http/1.1", escaped. */
static const char *
alpn_list(char buf[ESC_MAX], const struct tls_client_hello *ch)
{
	struct cur c = cur_make(ch->alpn, ch->alpn_len);
	size_t o = 0;

	buf[0] = '\0';
	while (c.left > 0) {
		struct cur name;
		char one[ESC_MAX];
		int k;

		if (!cur_vec8(&c, &name))
			break;
		infer_escape(one, sizeof(one), name.p, name.left);
		k = snprintf(buf + o, ESC_MAX - o, "%s%s", o ? ", " : "", one);
		if (k < 0 || (size_t)k >= ESC_MAX - o)
			break;
		o += (size_t)k;
	}
	return buf;
}

static const char *
server_ep(char buf[FMT_ENDPOINT_SIZE], const struct judge *j)
{
	const struct flow *fl = j->r->flow;

	if (fl == NULL) {
		snprintf(buf, FMT_ENDPOINT_SIZE, "the server");
		return buf;
	}
	fmt_endpoint(buf, fl->af, fl->addr[FLOW_S2C], fl->port[FLOW_S2C]);
	return buf;
}

static const char *
leaf_name(char buf[ESC_MAX], const struct x509_cert *c)
{
	if (c == NULL || c->malformed)
		return esc_str(buf, "(undecodable certificate)");
	if (c->nsan > 0 && !c->san[0].ip && c->san[0].dns != NULL)
		return esc_str(buf, c->san[0].dns);
	return esc_str(buf, c->cn != NULL ? c->cn : c->subject);
}

static const char *
sni_or_none(const struct judge *j)
{
	return j->has_sni ? j->sni : "(no SNI)";
}

/*
 * Learning: what one connection teaches the fleet tables.
 */

static void
fleet_keys(struct judge *j, uint64_t *cli_key)
{
	const struct flow *fl = j->r->flow;
	const struct tls_client_hello *ch = &j->f->ch;
	uint64_t h = 0xcbf29ce484222325ULL;
	uint8_t tag;

	if (fl != NULL) {
		h = fnv(h, &fl->af, 1);
		h = fnv(h, fl->addr[FLOW_S2C], 16);
		h = fnv(h, &fl->port[FLOW_S2C], sizeof(fl->port[0]));
	}
	tag = 'A';
	j->ep_key = key_done(fnv(h, &tag, 1));
	tag = 'S';
	h = fnv(h, &tag, 1);
	if (ch->sni_present)
		h = fnv(h, ch->sni, ch->sni_len);
	j->srv_key = key_done(h);

	h = 0xcbf29ce484222325ULL;
	tag = 'C';
	h = fnv(h, &tag, 1);
	if (fl != NULL) {
		h = fnv(h, &fl->af, 1);
		h = fnv(h, fl->addr[FLOW_C2S], 16);
	}
	*cli_key = key_done(h);
}

static uint64_t
name_key(const struct tls_client_hello *ch)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	uint8_t tag = 'N', b;
	unsigned i;

	h = fnv(h, &tag, 1);
	for (i = 0; i < ch->sni_len && i < TLS_SNI_MAX; i++) {
		b = ch->sni[i];
		if (b >= 'A' && b <= 'Z')
			b = (uint8_t)(b - 'A' + 'a');
		h = fnv(h, &b, 1);
	}
	return key_done(h);
}

static void
compute_ja4(struct judge *j)
{
	struct ja_client jc;

	ja_client_from_hello(&j->f->ch, &jc);
	j->have_ja4 = ja4_client(&jc, j->ja4) == 0;
}

static bool
is_finished_len(uint16_t n)
{
	return n == 53 || n == 69;
}

/* A TLS 1.3 record that holds an alert, or, not decrypted, has an alert's
 * size: 2 bytes + type + 16-byte tag, or that padded to 35. */
static bool
enc13_alert(const struct tls_enc_record *e)
{
	return e->inner != 0 ? e->inner == TLS_CT_ALERT
			     : e->len == 19 || e->len == 35;
}

/* Where the client's last TLS 1.3 flight starts among its kept encrypted
 * records: the first one decrypted as a handshake message (its Finished,
 * or the Certificate before it under mutual TLS), or, not decrypted, the
 * first of a Finished's size.  -1 if none was kept. */
static int
client_fin13(const struct tls_dir_facts *cd)
{
	unsigned i;

	for (i = 0; i < cd->nenc && i < TLS_ENC_RECORDS_MAX; i++)
		if (cd->enc[i].inner == TLS_CT_HANDSHAKE ||
		    (cd->enc[i].inner == 0 && is_finished_len(cd->enc[i].len)))
			return (int)i;
	return -1;
}

static bool
chain_visible(const struct certcheck *cc)
{
	return cc != NULL && cc->server.n > 0 && cc->validated;
}

static bool
has_code(const struct certcheck *cc, enum x509_code c)
{
	return (cc->val.codes & (1u << c)) != 0;
}

/* The chain is clean for a client: valid at the capture time, names the
 * host asked for (or no SNI to check), and no weakness a strict client
 * refuses. */
static bool
chain_clean(const struct certcheck *cc)
{
	if (cc->val.status != X509_RES_OK)
		return false;
	if (has_code(cc, X509_RES_WEAK_KEY) ||
	    has_code(cc, X509_RES_WEAK_SIGNATURE))
		return false;
	if (cc->host_checked && cc->host.status != HM_MATCH)
		return false;
	return true;
}

/* The client accepted the server: after the handshake it sent application
 * data (TLS 1.3: a record after its Finished that is application data, or,
 * not decrypted, not the size of an alert). */
static bool
client_accepted(const struct judge *j)
{
	const struct tls_dir_facts *cd = &j->f->dir[TLS_DIR_C2S];
	unsigned i;
	int fin;

	if (j->r->result != CONN_ESTABLISHED)
		return false;
	if (!j->f->tls13) {
		for (i = 0; i < cd->nenc && i < TLS_ENC_RECORDS_MAX; i++)
			if (cd->enc[i].type == TLS_CT_APPLICATION_DATA)
				return true;
		return false;
	}
	if ((fin = client_fin13(cd)) < 0)
		return false;
	for (i = (unsigned)fin + 1; i < cd->nenc && i < TLS_ENC_RECORDS_MAX;
	     i++) {
		const struct tls_enc_record *e = &cd->enc[i];

		if (e->inner == TLS_CT_APPLICATION_DATA ||
		    (e->inner == 0 && !enc13_alert(e)))
			return true;
	}
	return false;
}

/* The skews (client clock minus capture clock) under which every
 * certificate on the chain's path was valid: [*lo, *hi].  False without a
 * path to an anchor, or when the path is at fault other than by dates. */
static bool
path_window(const struct judge *j, int64_t *lo, int64_t *hi)
{
	const struct certcheck *cc = j->cc;
	unsigned i;

	if (!chain_visible(cc) || !cc->val.anchored || cc->val.path_len == 0)
		return false;
	if (cc->val.codes &
	    ~((1u << X509_RES_OK) | (1u << X509_RES_EXPIRED) |
	      (1u << X509_RES_NOT_YET_VALID) | (1u << X509_RES_WRONG_ORDER) |
	      (1u << X509_RES_WEAK_KEY) | (1u << X509_RES_WEAK_SIGNATURE)))
		return false;
	*lo = INT64_MIN;
	*hi = INT64_MAX;
	for (i = 0; i < cc->val.path_len && i < TLS_CERTS_MAX; i++) {
		int k = cc->val.path[i];
		const struct x509_cert *c;

		if (k < 0 || (unsigned)k >= cc->server.n)
			return false;
		c = cc->server.cert[k];
		if (c == NULL || c->malformed)
			return false;
		if (c->not_before - cc->at > *lo)
			*lo = c->not_before - cc->at;
		if (c->not_after - cc->at < *hi)
			*hi = c->not_after - cc->at;
	}
	return *lo <= *hi;
}

/* The root the chain reached and the client software (its JA4: clients
 * behind one address are told apart) that accepted or refused it. */
static uint64_t
accept_key(const struct judge *j)
{
	const struct certcheck *cc = j->cc;
	uint64_t h = fnv(
	    0xcbf29ce484222325ULL, cc->val.anchor_subject,
	    strnlen(cc->val.anchor_subject, sizeof(cc->val.anchor_subject)));

	if (j->have_ja4)
		h = fnv(h, j->ja4, strlen(j->ja4));
	return h;
}

static void
learn(struct judge *j)
{
	struct infer *in = j->in;
	const struct conn_result *r = j->r;
	const struct tls_facts *f = j->f;
	const struct tls_client_hello *ch = &f->ch;
	bool ok = r->result == CONN_ESTABLISHED;
	bool failed = r->result == CONN_FAILED;
	uint64_t cli_key;

	fleet_keys(j, &cli_key);

	/* Servers: the endpoint (any name) first, then endpoint and name;
	 * the first is looked up again in case the second took its slot. */
	j->ep = tbl_get(in, &in->srv, j->ep_key, j->now, true);
	j->srv = tbl_get(in, &in->srv, j->srv_key, j->now, true);
	j->ep = tbl_get(in, &in->srv, j->ep_key, j->now, false);
	for (int k = 0; k < 2; k++) {
		struct srv_ent *e = k == 0 ? j->ep : j->srv;

		if (e == NULL)
			continue;
		decay_srv(in, e, j->now);
		e->h.last = j->now;
		if (failed)
			e->fail++;
		if (!ok || !f->sh_seen)
			continue;
		e->ok++;
		if (j->has_sni)
			e->ok_sni++;
		else
			e->ok_nosni++;
		if ((f->version >> 8) == 3 && (f->version & 0xff) <= 4)
			e->vers_ok |= (uint16_t)(1u << (f->version & 0xff));
		add_u16(e->suites, &e->nsuites, INFER_SUITES_KEPT,
			f->sh.cipher);
		if (f->tls13 && f->sh.key_share_present)
			add_u16(e->groups, &e->ngroups, INFER_GROUPS_KEPT,
				f->sh.key_share_group);
		else if (f->ske.present && f->ske.group != 0)
			add_u16(e->groups, &e->ngroups, INFER_GROUPS_KEPT,
				f->ske.group);
		if (f->sh.alpn_present && f->sh.alpn_len > 0) {
			e->alpn_len = f->sh.alpn_len > sizeof(e->alpn)
					  ? sizeof(e->alpn)
					  : f->sh.alpn_len;
			memcpy(e->alpn, f->sh.alpn, e->alpn_len);
		} else if (f->ee.alpn_present && f->ee.alpn_len > 0) {
			e->alpn_len = f->ee.alpn_len > sizeof(e->alpn)
					  ? sizeof(e->alpn)
					  : f->ee.alpn_len;
			memcpy(e->alpn, f->ee.alpn, e->alpn_len);
		}
	}

	/* Names: the certificate this name was presented with. */
	if (j->has_sni && chain_visible(j->cc) && j->leaf != NULL &&
	    !j->leaf->malformed && j->leaf->issuer != NULL) {
		uint64_t ih =
		    key_done(fnv(0xcbf29ce484222325ULL, j->leaf->issuer,
				 strlen(j->leaf->issuer)));
		uint64_t key = key_done(ih ^ ((uint64_t)j->cc->val.status + 1) *
						 0x9e3779b97f4a7c15ULL);
		struct name_ent *e;
		struct issuer_seen *s = NULL;
		unsigned i;

		e = tbl_get(in, &in->name, name_key(ch), j->now, true);
		decay_name(in, e, j->now);
		e->h.last = j->now;
		for (i = 0; i < e->nis; i++)
			if (e->is[i].hash == key)
				s = &e->is[i];
		if (s == NULL) {
			if (e->nis < INFER_ISSUERS_KEPT) {
				s = &e->is[e->nis++];
			} else {
				/* The least seen issuer gives way. */
				s = &e->is[0];
				for (i = 1; i < e->nis; i++)
					if (e->is[i].n < s->n)
						s = &e->is[i];
			}
			memset(s, 0, sizeof(*s));
			s->hash = key;
			s->ihash = ih;
			snprintf(s->name, sizeof(s->name), "%s",
				 j->leaf->issuer);
		}
		s->n++;
		memcpy(&s->leaf, j->leaf->sha256, sizeof(s->leaf));
		s->anchored = j->cc->val.anchored;
		s->status = j->cc->val.status;
		s->host =
		    j->cc->host_checked ? (uint8_t)j->cc->host.status : 0xff;
		s->not_before = j->leaf->not_before;
		s->not_after = j->leaf->not_after;
		s->seen = j->now;
		j->name = e;
		if (j->srv != NULL) {
			j->srv->chain = *s;
			j->srv->chain.n = 1;
			j->srv->chain_seen = true;
		}
	} else if (j->has_sni) {
		j->name = tbl_get(in, &in->name, name_key(ch), j->now, false);
		if (j->name != NULL)
			decay_name(in, j->name, j->now);
	}

	if (f->ch_seen && !ch->skipped)
		compute_ja4(j);

	/* Clients: refusals of valid certificates, the chains they accepted,
	 * and the hello clock. */
	j->cli = tbl_get(in, &in->cli, cli_key, j->now, true);
	decay_cli(in, j->cli, j->now);
	j->cli->h.last = j->now;
	if (ok)
		j->cli->ok++;
	if (failed)
		j->cli->fail++;
	if (failed && j->calert != NULL && chain_visible(j->cc) &&
	    chain_clean(j->cc) &&
	    (j->calert->desc == TLS_ALERT_CERTIFICATE_EXPIRED ||
	     j->calert->desc == TLS_ALERT_BAD_CERTIFICATE ||
	     j->calert->desc == TLS_ALERT_CERTIFICATE_UNKNOWN)) {
		j->valid_reject = true;
		j->cli->valid_rejects++;
		if (j->calert->desc == TLS_ALERT_CERTIFICATE_EXPIRED)
			j->cli->date_alert = true;
		add_u64(j->cli->servers, &j->cli->nservers, INFER_SERVERS_KEPT,
			j->srv_key);
	}
	if (client_accepted(j)) {
		int64_t lo, hi;

		if (path_window(j, &lo, &hi)) {
			struct cli_ent *c = j->cli;
			uint64_t ak = accept_key(j);

			/* Another root, or windows that do not meet (its
			 * clock was set in between): start again. */
			if (c->acc_n > 0 && c->acc_anchor == ak &&
			    (lo > c->acc_lo ? lo : c->acc_lo) <=
				(hi < c->acc_hi ? hi : c->acc_hi)) {
				c->acc_lo = lo > c->acc_lo ? lo : c->acc_lo;
				c->acc_hi = hi < c->acc_hi ? hi : c->acc_hi;
				c->acc_n++;
			} else {
				c->acc_anchor = ak;
				c->acc_lo = lo;
				c->acc_hi = hi;
				c->acc_n = 1;
			}
		}
	}
	if (f->ch_seen && !ch->sslv2 && !ch->skipped) {
		int64_t skew = (int64_t)ch->gmt_unix_time - j->now;
		int64_t d = skew - j->cli->gmt_skew;

		if (j->cli->gmt_seen && d >= -GMT_AGREE && d <= GMT_AGREE)
			j->cli->gmt_agree++;
		else
			j->cli->gmt_agree = 0;
		j->cli->gmt_seen = true;
		j->cli->gmt_skew = skew;
	}

	/* Cohorts: clients that look alike on the wire. */
	if (f->ch_seen && !ch->skipped) {
		if (j->have_ja4) {
			uint8_t tag = 'J';
			uint64_t h = fnv(0xcbf29ce484222325ULL, &tag, 1);

			h = key_done(fnv(h, j->ja4, strlen(j->ja4)));
			j->coh = tbl_get(in, &in->coh, h, j->now, true);
			decay_coh(in, j->coh, j->now);
			j->coh->h.last = j->now;
			if (ok)
				j->coh->ok++;
			if (failed) {
				j->coh->fail++;
				add_u64(j->coh->servers, &j->coh->nservers,
					INFER_SERVERS_KEPT, j->ep_key);
			}
		}
	}
}

/* The issuer other connections saw for this name that differs from this
 * leaf's and reached an anchor of the store; NULL if none. */
static const struct issuer_seen *
other_anchored_issuer(const struct judge *j)
{
	const struct issuer_seen *best = NULL;
	uint64_t ih;
	unsigned i;

	if (j->name == NULL || j->leaf == NULL || j->leaf->issuer == NULL)
		return NULL;
	ih = key_done(fnv(0xcbf29ce484222325ULL, j->leaf->issuer,
			  strlen(j->leaf->issuer)));
	for (i = 0; i < j->name->nis; i++) {
		const struct issuer_seen *s = &j->name->is[i];

		if (s->ihash == ih || !s->anchored || s->n == 0)
			continue;
		if (best == NULL || s->n > best->n)
			best = s;
	}
	return best;
}

/* What other connections learnt about this name's certificate, for a
 * connection that cannot see its own (TLS 1.3 without keys). */
/* What other connections learnt about the certificate this connection
 * cannot see (TLS 1.3 without keys): the chain the same server presented
 * for the same name, else the name's certificate as every server showed
 * it, but only when they all agree (one server's missing intermediate says
 * nothing about another's). */
static const struct issuer_seen *
name_latest(const struct judge *j)
{
	const struct issuer_seen *best = NULL;
	unsigned i;

	if (j->srv != NULL && j->srv->chain_seen)
		return &j->srv->chain;
	if (j->name == NULL)
		return NULL;
	for (i = 0; i < j->name->nis; i++) {
		const struct issuer_seen *s = &j->name->is[i];

		if (s->n == 0)
			continue;
		if (best != NULL && s->status != best->status)
			return NULL;
		if (best == NULL || s->seen > best->seen)
			best = s;
	}
	return best;
}

/*
 * Evidence shared by several rules.
 */

/* "server sent fatal alert X 0.2 ms after a ClientHello offering ...";
 * what NULL: the versions offered; "": nothing more. */
static void
ev_server_alert(struct judge *j, const char *what)
{
	char a[ALERT_MAX], ms[MS_MAX], vr[VRANGE_MAX];

	fmt_ms(ms, j->r->client_hello_ts, j->salert->ts_us);
	if (what == NULL)
		evidence(j->out,
			 "server sent fatal alert %s%s%s after a "
			 "ClientHello offering %s",
			 alert_str(a, j->salert->desc), ms[0] ? " " : "", ms,
			 vrange(vr, j));
	else
		evidence(j->out,
			 "server sent fatal alert %s%s%s after the "
			 "ClientHello%s%s",
			 alert_str(a, j->salert->desc), ms[0] ? " " : "", ms,
			 what[0] ? " " : "", what);
}

static void
ev_fleet_versions(struct judge *j, const struct srv_ent *e)
{
	char list[LIST_MAX];
	size_t o = 0;
	unsigned v;

	if (e == NULL || e->ok == 0 || e->vers_ok == 0)
		return;
	list[0] = '\0';
	for (v = 0; v <= 4; v++) {
		int k;

		if (!(e->vers_ok & (1u << v)))
			continue;
		k = snprintf(list + o, sizeof(list) - o, "%s%s", o ? ", " : "",
			     vname((uint16_t)(0x0300 | v)));
		if (k < 0 || (size_t)k >= sizeof(list) - o)
			break;
		o += (size_t)k;
	}
	evidence(j->out,
		 "the same server completed %" PRIu32
		 " handshake(s) with other clients in %s",
		 e->ok, list);
}

static void
ev_tls13_hidden(struct judge *j)
{
	evidence(j->out,
		 "the server's certificate is encrypted in TLS 1.3; "
		 "run with the client's key log (SSLKEYLOGFILE) to see it");
}

static void
ev_gmt(struct judge *j)
{
	const struct cli_ent *c = j->cli;
	int64_t s;

	if (c == NULL || !c->gmt_seen || c->gmt_agree == 0)
		return;
	s = c->gmt_skew < 0 ? -c->gmt_skew : c->gmt_skew;
	if (s < GMT_WRONG)
		evidence(j->out,
			 "the client's ClientHello gmt_unix_time "
			 "agrees with the capture clock (%" PRIu32 " hellos)",
			 c->gmt_agree + 1);
	else
		evidence(j->out,
			 "the client's ClientHello gmt_unix_time is "
			 "consistently %" PRId64 " days %s the capture clock "
			 "(%" PRIu32 " hellos)",
			 s / 86400, c->gmt_skew < 0 ? "behind" : "ahead of",
			 c->gmt_agree + 1);
}

/* True when the hello clock says this client's clock is right. */
static bool
gmt_says_right(const struct judge *j)
{
	const struct cli_ent *c = j->cli;

	return c != NULL && c->gmt_seen && c->gmt_agree > 0 &&
	       c->gmt_skew > -GMT_WRONG && c->gmt_skew < GMT_WRONG;
}

static bool
gmt_says_wrong(const struct judge *j)
{
	const struct cli_ent *c = j->cli;

	return c != NULL && c->gmt_seen && c->gmt_agree > 0 &&
	       (c->gmt_skew <= -GMT_WRONG || c->gmt_skew >= GMT_WRONG);
}

/* How the client refused what the server sent after its ServerHello. */
static void
ev_client_alert(struct judge *j)
{
	char a[ALERT_MAX], ms[MS_MAX];

	if (j->calert != NULL) {
		fmt_ms(ms, j->r->server_hello_ts, j->calert->ts_us);
		evidence(j->out,
			 "client sent fatal alert %s%s%s after the "
			 "ServerHello, having received the server's %s",
			 alert_str(a, j->calert->desc), ms[0] ? " " : "", ms,
			 j->f->tls13 ? "encrypted flight" : "certificate");
	} else if (j->cenc) {
		fmt_ms(ms, j->r->server_hello_ts, j->cenc_ts);
		evidence(
		    j->out,
		    "client sent a %u-byte encrypted record (the "
		    "size of an alert)%s%s after the ServerHello, instead of "
		    "its Finished",
		    (unsigned)j->cenc_len, ms[0] ? " " : "", ms);
	} else {
		evidence(j->out,
			 "client closed the connection (%s) after the "
			 "server's certificate, without an alert",
			 closer_words(j->r->closer));
	}
}

/*
 * The rules.  Each returns true when it decided; the table below runs them
 * in order and the first that decides wins.
 */

static bool
pre_sh(const struct judge *j)
{
	return j->f->ch_seen && !j->f->sh_seen;
}

static bool
failing(const struct judge *j)
{
	return j->r->result == CONN_FAILED || j->r->result == CONN_INCOMPLETE;
}

static const char *
detect_what(enum tls_detect_kind k)
{
	switch (k) {
	case TLS_DETECT_HTTP_REQUEST:
		return "a plain HTTP request";
	case TLS_DETECT_HTTP_RESPONSE:
		return "a plain HTTP response";
	case TLS_DETECT_SSH:
		return "an SSH banner";
	case TLS_DETECT_SMTP_FTP:
		return "an SMTP or FTP greeting (220)";
	case TLS_DETECT_POP3:
		return "a POP3 greeting (+OK)";
	case TLS_DETECT_IMAP:
		return "an IMAP greeting (* OK)";
	default:
		return "bytes that are not TLS";
	}
}

/* Only the server's side was captured (no ClientHello): say what was
 * seen, and that the other half is what is missing. */
static bool
r_one_sided(struct judge *j)
{
	const struct certcheck *cc = j->cc;
	char nm[ESC_MAX];

	if (j->r->result != CONN_INCOMPLETE || j->f->ch_seen || !j->f->sh_seen)
		return false;
	decide(j, INFER_UNKNOWN, NULL, INFER_CONF_LOW);
	j->out->fix_side = INFER_FIX_UNKNOWN;
	evidence(j->out,
		 "no ClientHello was captured: the capture holds only the "
		 "server's side of this connection (its ServerHello)");
	if (chain_visible(cc) && j->leaf != NULL) {
		if (cc->validated && cc->val.status != X509_RES_OK)
			evidence(
			    j->out, "the server's chain for %s is %s (%s)",
			    leaf_name(nm, j->leaf),
			    x509_code_name((enum x509_code)cc->val.status),
			    x509_code_meaning((enum x509_code)cc->val.status));
		else if (cc->validated)
			evidence(j->out, "the server's chain validates at "
					 "the capture time");
	}
	advise(j->out,
	       "Capture both directions: the client's side of this "
	       "connection is missing (asymmetric routing, a tap or span "
	       "port that mirrors one direction, or a capture started after "
	       "the ClientHello), and the server's side alone cannot say "
	       "why the handshake did not complete.");
	return true;
}

static bool
r_not_tls(struct judge *j)
{
	const struct conn_result *r = j->r;
	char ep[FMT_ENDPOINT_SIZE];
	bool client;

	if (r->result != CONN_NOT_TLS)
		return false;
	server_ep(ep, j);
	client = r->reason != NULL && strcmp(r->reason, "client_not_tls") == 0;
	if (client) {
		decide(j, INFER_NOT_TLS, INFER_FIX_CLIENT, INFER_CONF_HIGH);
		evidence(j->out,
			 "the client sent %s to %s instead of a "
			 "ClientHello",
			 detect_what(r->client_bytes), ep);
		if (j->f->dir[TLS_DIR_S2C].bytes > 0)
			evidence(j->out, "the server answered with %s",
				 detect_what(r->server_bytes));
		advise(
		    j->out,
		    "%s expects TLS: make the client use TLS "
		    "(https://, or its TLS option) for this port, or send the "
		    "plain protocol to the server's plain port.",
		    ep);
		return true;
	}
	decide(j, INFER_NOT_TLS, INFER_FIX_SERVER, INFER_CONF_HIGH);
	evidence(j->out,
		 "the client sent a ClientHello to %s and the server "
		 "answered with %s",
		 ep, detect_what(r->server_bytes));
	if (r->server_bytes == TLS_DETECT_SMTP_FTP ||
	    r->server_bytes == TLS_DETECT_POP3 ||
	    r->server_bytes == TLS_DETECT_IMAP)
		advise(
		    j->out,
		    "%s speaks a plaintext protocol (STARTTLS "
		    "port?): connect to its implicit-TLS port, or use STARTTLS "
		    "on this one.",
		    ep);
	else
		advise(
		    j->out,
		    "%s does not speak TLS: point the client at "
		    "the service's TLS port, or enable TLS on this listener.",
		    ep);
	return true;
}

/* The ClientHello itself is broken: the server's refusal is about the
 * client's bytes.  Only our parser's findings count, never the alert
 * alone (servers also send decode_error for their own reasons). */
static bool
r_hello_malformed(struct judge *j)
{
	const struct tls_facts *f = j->f;
	const struct tls_client_hello *ch = &f->ch;
	char a[ALERT_MAX], ms[MS_MAX], hx[TLS_HEX_LEN];
	bool bad;

	if (!failing(j) || !f->ch_seen || f->sh_seen)
		return false;
	bad = ch->malformed || ch->ext_malformed > 0 ||
	      ch->ext_duplicates > 0 || ch->psk_not_last ||
	      f->anomaly[TLS_ANOM_MALFORMED_CLIENT_HELLO] > 0 ||
	      f->anomaly[TLS_ANOM_MALFORMED_SSLV2_HELLO] > 0;
	if (!bad)
		return false;
	if (j->salert != NULL &&
	    (j->salert->desc == TLS_ALERT_DECODE_ERROR ||
	     j->salert->desc == TLS_ALERT_ILLEGAL_PARAMETER ||
	     j->salert->desc == TLS_ALERT_UNSUPPORTED_EXTENSION ||
	     j->salert->desc == TLS_ALERT_UNEXPECTED_MESSAGE))
		decide(j, INFER_CLIENT_SOFTWARE, NULL, INFER_CONF_HIGH);
	else
		decide(j, INFER_CLIENT_SOFTWARE, NULL, INFER_CONF_MEDIUM);
	if (ch->malformed)
		evidence(j->out,
			 "the ClientHello is malformed: its lengths lie");
	if (ch->ext_malformed > 0 && ch->first_bad_ext >= 0)
		evidence(
		    j->out,
		    "the ClientHello's %s extension (%s) breaks "
		    "its RFC; %u extension(s) malformed",
		    tls_name_or_hex(tls_ext_name((uint16_t)ch->first_bad_ext),
				    (uint16_t)ch->first_bad_ext, hx),
		    ch->sni_malformed ? "list length or name" : "content",
		    (unsigned)ch->ext_malformed);
	if (ch->ext_duplicates > 0)
		evidence(j->out,
			 "the ClientHello repeats %u extension type(s) "
			 "(RFC 8446 4.2 forbids it)",
			 (unsigned)ch->ext_duplicates);
	if (ch->psk_not_last)
		evidence(j->out, "pre_shared_key is not the last extension "
				 "(RFC 8446 4.2.11)");
	if (j->salert != NULL) {
		fmt_ms(ms, j->r->client_hello_ts, j->salert->ts_us);
		evidence(j->out, "server sent fatal alert %s%s%s after it",
			 alert_str(a, j->salert->desc), ms[0] ? " " : "", ms);
	}
	advise(j->out,
	       "The client software builds a broken ClientHello: "
	       "update or fix the client (its TLS library, or a proxy or "
	       "plug-in that rewrites TLS); the server is right to refuse it.");
	return true;
}

static bool
r_alpn(struct judge *j)
{
	char list[ESC_MAX], chosen[ESC_MAX];
	const struct srv_ent *e = j->ep;

	if (!failing(j) || j->salert == NULL ||
	    j->salert->desc != TLS_ALERT_NO_APPLICATION_PROTOCOL)
		return false;
	decide(j, INFER_ALPN_MISMATCH, NULL,
	       j->f->ch.alpn_present ? INFER_CONF_HIGH : INFER_CONF_MEDIUM);
	ev_server_alert(j, "");
	if (j->f->ch.alpn_present)
		evidence(j->out, "the client offered ALPN %s",
			 alpn_list(list, &j->f->ch));
	else
		evidence(j->out, "the client offered no ALPN at all");
	if (e != NULL && e->alpn_len > 0)
		evidence(
		    j->out,
		    "the same server chose ALPN %s for other "
		    "clients",
		    infer_escape(chosen, sizeof(chosen), e->alpn, e->alpn_len));
	advise(j->out,
	       "Client and server share no application protocol: "
	       "enable one the client offers on the server (for example "
	       "http/1.1 beside h2), or make the client offer one the server "
	       "speaks.");
	return true;
}

static bool
r_sni_alert(struct judge *j)
{
	if (!failing(j) || j->salert == NULL ||
	    j->salert->desc != TLS_ALERT_UNRECOGNIZED_NAME)
		return false;
	decide(j, INFER_SNI, NULL, INFER_CONF_HIGH);
	ev_server_alert(j, j->has_sni ? "asking for a name it does not serve"
				      : "without a server_name (SNI)");
	if (j->has_sni) {
		evidence(j->out, "the client asked for \"%s\"", j->sni);
		advise(
		    j->out,
		    "The server has no site for \"%s\": add the name "
		    "to the server's configuration (virtual host and "
		    "certificate), or correct the host name the client uses.",
		    j->sni);
	} else {
		evidence(
		    j->out,
		    "the ClientHello has no server_name "
		    "extension (a client connecting by IP address, or with SNI "
		    "turned off)");
		advise(
		    j->out,
		    "The server refuses clients without SNI: make "
		    "the client send the host name (connect by name, not by "
		    "address; enable SNI), or give the server a default site "
		    "for clients without SNI.");
	}
	return true;
}

/* The server refuses the ClientHello's version: RFC 8446 6.2 says
 * protocol_version means exactly that.  The outdated side fixes it: a
 * client offering only TLS 1.0/1.1 (RFC 8996), else the server. */
static void
advise_version(struct judge *j)
{
	char vr[VRANGE_MAX];

	if (offers_only_deprecated(j)) {
		j->out->fix_side = INFER_FIX_CLIENT;
		advise(
		    j->out,
		    "The client offers only %s, deprecated by RFC "
		    "8996: upgrade the client (or its TLS library) to TLS 1.2 "
		    "or 1.3. Do not re-enable old versions on the server.",
		    vrange(vr, j));
	} else if (j->vmin >= TLS_VERSION_TLS13) {
		j->out->fix_side = INFER_FIX_SERVER;
		advise(j->out,
		       "The client speaks only TLS 1.3 and the server "
		       "does not: upgrade the server (enable TLS 1.3). Do not "
		       "downgrade the client.");
	} else {
		j->out->fix_side = INFER_FIX_SERVER;
		advise(
		    j->out,
		    "The client offers %s, which current clients "
		    "still need (RFC 9325), and the server refuses it: enable "
		    "TLS 1.2 beside TLS 1.3 on the server, or upgrade the "
		    "client to TLS 1.3.",
		    vrange(vr, j));
	}
}

static bool
r_version_alert(struct judge *j)
{
	char vr[VRANGE_MAX];

	if (!failing(j) || !pre_sh(j) || j->salert == NULL ||
	    j->salert->desc != TLS_ALERT_PROTOCOL_VERSION)
		return false;
	decide(j, INFER_PROTOCOL_MISMATCH, NULL, INFER_CONF_HIGH);
	ev_server_alert(j, NULL);
	if (offers_only_deprecated(j))
		evidence(j->out, "%s is deprecated (RFC 8996)", vrange(vr, j));
	ev_fleet_versions(j, j->srv != NULL && j->srv->ok ? j->srv : j->ep);
	advise_version(j);
	return true;
}

/* The server chose a version the client will not speak. */
static bool
r_version_after_sh(struct judge *j)
{
	char a[ALERT_MAX];

	if (!failing(j) || !j->f->sh_seen || j->calert == NULL ||
	    (j->calert->desc != TLS_ALERT_PROTOCOL_VERSION &&
	     j->calert->desc != TLS_ALERT_INSUFFICIENT_SECURITY) ||
	    !tls_version_is_weak(j->f->version))
		return false;
	decide(j, INFER_PROTOCOL_MISMATCH, INFER_FIX_SERVER, INFER_CONF_HIGH);
	evidence(j->out, "the server chose %s (deprecated, RFC 8996)",
		 vname(j->f->version));
	evidence(j->out, "the client refused it with fatal alert %s",
		 alert_str(a, j->calert->desc));
	advise(j->out,
	       "The server offers only %s: upgrade the server to TLS "
	       "1.2 and 1.3. Do not re-enable old versions on the client.",
	       vname(j->f->version));
	return true;
}

/* handshake_failure and friends before the ServerHello: the server found
 * nothing it accepts in the offer.  Which part (version, suites, groups,
 * SNI) is decided from the offer and from what the same server accepted
 * from other clients; never from the alert, which says none of it. */
static bool
pre_sh_refusal(const struct judge *j)
{
	uint8_t d;

	if (!failing(j) || !pre_sh(j) || j->salert == NULL)
		return false;
	d = j->salert->desc;
	return d == TLS_ALERT_HANDSHAKE_FAILURE ||
	       d == TLS_ALERT_INSUFFICIENT_SECURITY ||
	       d == TLS_ALERT_INTERNAL_ERROR;
}

static bool
r_refusal_deprecated(struct judge *j)
{
	char vr[VRANGE_MAX];

	if (!pre_sh_refusal(j) || !offers_only_deprecated(j))
		return false;
	/* internal_error is what OpenSSL answers when it has nothing usable
	 * for TLS 1.0 at security level 2: weaker than the others. */
	decide(j, INFER_PROTOCOL_MISMATCH, INFER_FIX_CLIENT,
	       j->salert->desc == TLS_ALERT_INTERNAL_ERROR ? INFER_CONF_MEDIUM
							   : INFER_CONF_HIGH);
	ev_server_alert(j, NULL);
	evidence(j->out,
		 "%s is deprecated (RFC 8996); current servers refuse "
		 "it, often with an alert other than protocol_version",
		 vrange(vr, j));
	ev_fleet_versions(j, j->srv != NULL && j->srv->ok ? j->srv : j->ep);
	if ((j->srv != NULL && (j->srv->vers_ok & 0x18)) ||
	    (j->ep != NULL && (j->ep->vers_ok & 0x18)))
		j->out->confidence = INFER_CONF_HIGH;
	advise_version(j);
	return true;
}

/* The fleet knows what this server accepts: compare it with the offer. */
static bool
r_refusal_fleet(struct judge *j)
{
	const struct srv_ent *e;
	unsigned v, i, k;
	bool common_v = false, common_s = false, common_g = true;
	char list[LIST_MAX], hx[TLS_HEX_LEN];

	if (!pre_sh_refusal(j))
		return false;
	e = j->srv != NULL && j->srv->ok > 0 ? j->srv : j->ep;
	if (e == NULL || e->ok == 0 || e->vers_ok == 0)
		return false;
	for (v = 0; v <= 4; v++)
		if ((e->vers_ok & (1u << v)) &&
		    offers_version(j, (uint16_t)(0x0300 | v)))
			common_v = true;
	if (!common_v) {
		decide(j, INFER_PROTOCOL_MISMATCH, NULL,
		       e->ok >= 2 ? INFER_CONF_HIGH : INFER_CONF_MEDIUM);
		ev_server_alert(j, NULL);
		ev_fleet_versions(j, e);
		advise_version(j);
		return true;
	}
	for (i = 0; i < e->nsuites; i++)
		if (offers_suite(j, e->suites[i]))
			common_s = true;
	if (e->ngroups > 0 && j->f->ch.groups_present) {
		common_g = false;
		for (i = 0; i < e->ngroups; i++)
			for (k = 0; k < j->f->ch.ngroups; k++)
				if (j->f->ch.groups[k] == e->groups[i])
					common_g = true;
	}
	if (common_s && common_g)
		return false;
	decide(j, INFER_CIPHER_MISMATCH, NULL,
	       e->ok >= 2 ? INFER_CONF_HIGH : INFER_CONF_MEDIUM);
	ev_server_alert(j, NULL);
	if (!common_s) {
		unsigned weak, modern = count_suites(j, true, &weak);

		evidence(j->out, "the client offered %s", suite_list(list, j));
		list[0] = '\0';
		for (i = 0; i < e->nsuites && i < 3; i++) {
			size_t o = strlen(list);

			snprintf(list + o, sizeof(list) - o, "%s%s",
				 i ? ", " : "",
				 tls_name_or_hex(tls_cipher_name(e->suites[i]),
						 e->suites[i], hx));
		}
		evidence(j->out,
			 "the same server chose %s with %" PRIu32
			 " other client(s)",
			 list, e->ok);
		if (modern == 0) {
			j->out->fix_side = INFER_FIX_CLIENT;
			advise(
			    j->out,
			    "The client offers only outdated cipher "
			    "suites (no forward secrecy or no AEAD): upgrade "
			    "the client to offer ECDHE with AES-GCM or "
			    "ChaCha20-Poly1305. Do not add old suites to the "
			    "server.");
		} else {
			j->out->fix_side = INFER_FIX_SERVER;
			advise(
			    j->out,
			    "No cipher suite in common: enable on the "
			    "server one of the modern suites the client offers "
			    "(or upgrade the client to offer the server's).");
		}
	} else {
		evidence(j->out, "the client offered only the groups %s",
			 group_list(list, j->f->ch.groups, j->f->ch.ngroups));
		evidence(j->out, "the same server chose %s with other clients",
			 group_list(list, e->groups, e->ngroups));
		advise(j->out,
		       "No key-exchange group in common: enable "
		       "x25519 and secp256r1 on both sides (secp256r1 is "
		       "mandatory in TLS 1.3, RFC 8446 9.1).");
	}
	return true;
}

static bool
r_refusal_no_sni(struct judge *j)
{
	const struct srv_ent *e = j->ep;

	if (!pre_sh_refusal(j) || j->has_sni || e == NULL || e->ok_sni == 0 ||
	    e->ok_nosni > 0)
		return false;
	decide(j, INFER_SNI, NULL,
	       e->ok_sni >= 2 ? INFER_CONF_MEDIUM : INFER_CONF_LOW);
	ev_server_alert(j, "without a server_name (SNI)");
	evidence(j->out,
		 "the same server completed %" PRIu32 " handshake(s) "
		 "with clients that sent SNI, none without",
		 e->ok_sni);
	advise(
	    j->out,
	    "The server seems to refuse clients without SNI: make "
	    "the client send the host name (connect by name; enable SNI), or "
	    "give the server a default site for clients without SNI.");
	return true;
}

static bool
r_refusal_suites(struct judge *j)
{
	unsigned weak, modern;
	char list[LIST_MAX];

	if (!pre_sh_refusal(j))
		return false;
	modern = count_suites(j, true, &weak);
	if (modern > 0)
		return false;
	/* Every suite offered lacks forward secrecy or an AEAD (or is
	 * outright weak): RFC 9325 4.2 servers refuse such offers, and the
	 * client is the outdated side. */
	decide(j, INFER_CIPHER_MISMATCH, INFER_FIX_CLIENT, INFER_CONF_MEDIUM);
	ev_server_alert(j, NULL);
	evidence(j->out, "the client offered only outdated suites: %s",
		 suite_list(list, j));
	if (weak > 0)
		evidence(j->out,
			 "%u of them are weak (RC4, 3DES, export, NULL "
			 "or anonymous)",
			 weak);
	advise(j->out,
	       "The client offers only outdated cipher suites (no "
	       "forward secrecy or no AEAD): upgrade the client (or its TLS "
	       "library) to offer ECDHE with AES-GCM or ChaCha20-Poly1305. Do "
	       "not add old suites to the server.");
	return true;
}

/* A modern offer refused: what the offer lacks that every server has. */
static bool
r_refusal_modern(struct judge *j)
{
	const struct tls_client_hello *ch = &j->f->ch;
	char list[LIST_MAX];
	bool p256 = false;
	unsigned i, ngroups = 0;

	if (!pre_sh_refusal(j) || j->salert->desc == TLS_ALERT_INTERNAL_ERROR)
		return false;
	for (i = 0; i < ch->ngroups && i < TLS_GROUPS_MAX; i++) {
		if (tls_is_grease(ch->groups[i]))
			continue;
		ngroups++;
		if (ch->groups[i] == TLS_GROUP_SECP256R1)
			p256 = true;
	}
	if (j->offers13 && !j->offers12 && j->vmin >= TLS_VERSION_TLS13) {
		if (!offers_suite(j, 0x1301)) {
			/* RFC 8446 9.1: every TLS 1.3 server implements
			 * TLS_AES_128_GCM_SHA256; an offer without it can
			 * miss a server configured for other suites. */
			decide(j, INFER_CIPHER_MISMATCH, INFER_FIX_SERVER,
			       INFER_CONF_MEDIUM);
			ev_server_alert(j, NULL);
			evidence(
			    j->out,
			    "the client offered only %s, without "
			    "TLS_AES_128_GCM_SHA256 (mandatory, RFC 8446 9.1)",
			    suite_list(list, j));
			advise(
			    j->out,
			    "No TLS 1.3 cipher suite in common: "
			    "enable on the server the suites the client offers "
			    "(ChaCha20-Poly1305 and AES-GCM both), or make the "
			    "client offer TLS_AES_128_GCM_SHA256.");
			return true;
		}
		decide(j, INFER_PROTOCOL_MISMATCH, INFER_FIX_SERVER,
		       INFER_CONF_LOW);
		ev_server_alert(j, NULL);
		evidence(
		    j->out,
		    "the client offered only TLS 1.3, with its "
		    "mandatory suite TLS_AES_128_GCM_SHA256: a server that "
		    "speaks TLS 1.3 would have accepted it");
		advise_version(j);
		return true;
	}
	if (j->offers13 && ch->groups_present && ngroups > 0 && ngroups <= 2 &&
	    !p256) {
		/* A TLS 1.3 server must implement secp256r1 (RFC 8446 9.1)
		 * and can ask for it with a HelloRetryRequest; refusing an
		 * offer without it points at the groups. */
		decide(j, INFER_CIPHER_MISMATCH, INFER_FIX_SERVER,
		       INFER_CONF_MEDIUM);
		ev_server_alert(j, NULL);
		evidence(j->out,
			 "the client offered only the key-exchange "
			 "group(s) %s, not secp256r1 (mandatory, RFC 8446 9.1)",
			 group_list(list, ch->groups, ch->ngroups));
		advise(j->out,
		       "No key-exchange group in common: enable the "
		       "client's groups (x25519) on the server, or make the "
		       "client offer secp256r1 too.");
		return true;
	}
	if (!j->offers13 && j->vmax == TLS_VERSION_TLS12) {
		if (offers_suite(j, 0xC02F) || offers_suite(j, 0xC02B) ||
		    offers_suite(j, 0xC030) || offers_suite(j, 0xC02C)) {
			/* Every TLS 1.2 server enables ECDHE with AES-GCM
			 * (RFC 9325 4.2, RFC 7540 9.2.2): refusing an offer
			 * that has it means refusing TLS 1.2 itself. */
			decide(j, INFER_PROTOCOL_MISMATCH, INFER_FIX_SERVER,
			       INFER_CONF_LOW);
			ev_server_alert(j, NULL);
			evidence(
			    j->out,
			    "the client offered ECDHE with AES-GCM "
			    "(%s), which every TLS 1.2 server enables: the "
			    "server probably speaks only TLS 1.3",
			    suite_list(list, j));
			advise_version(j);
			return true;
		}
		decide(j, INFER_CIPHER_MISMATCH, INFER_FIX_SERVER,
		       INFER_CONF_MEDIUM);
		ev_server_alert(j, NULL);
		evidence(j->out,
			 "the client offered only %s, without the "
			 "ECDHE AES-GCM suites every TLS 1.2 server enables",
			 suite_list(list, j));
		advise(
		    j->out,
		    "No cipher suite in common: enable on the server "
		    "one of the modern suites the client offers, or make the "
		    "client offer ECDHE with AES-GCM too. Do not add outdated "
		    "suites.");
		return true;
	}
	return false;
}

/* Server decode_error / illegal_parameter right after a ClientHello our
 * parser found sound: the server could not use the hello, yet we see no
 * fault in it.  Client software is likelier, but only weakly. */
static bool
r_hello_refused_decode(struct judge *j)
{
	if (!failing(j) || !pre_sh(j) || j->salert == NULL ||
	    (j->salert->desc != TLS_ALERT_DECODE_ERROR &&
	     j->salert->desc != TLS_ALERT_ILLEGAL_PARAMETER))
		return false;
	decide(j, INFER_CLIENT_SOFTWARE, NULL, INFER_CONF_LOW);
	ev_server_alert(j, NULL);
	evidence(j->out, "tlsdiag found no fault in the ClientHello: the "
			 "server objects to something it does not tell");
	advise(j->out,
	       "The server cannot parse or accept this client's "
	       "ClientHello: try another client or TLS library version; if "
	       "others fail the same way, check the server's TLS library.");
	return true;
}

static bool
server_sent_nothing(const struct judge *j)
{
	return j->f->dir[TLS_DIR_S2C].bytes == 0;
}

static bool
r_reset(struct judge *j)
{
	const struct conn_result *r = j->r;
	const struct flow *fl = r->flow;
	char ms[MS_MAX];
	bool rst;

	if (r->result != CONN_FAILED || !pre_sh(j) || !server_sent_nothing(j))
		return false;
	if (r->closer != CONN_CLOSER_SERVER_RST &&
	    r->closer != CONN_CLOSER_SERVER_FIN)
		return false;
	rst = r->closer == CONN_CLOSER_SERVER_RST;
	decide(j, INFER_CONNECTION_RESET, NULL,
	       rst ? INFER_CONF_MEDIUM : INFER_CONF_LOW);
	fmt_ms(ms, r->client_hello_ts, r->close_ts);
	evidence(j->out,
		 "the server side answered the ClientHello (SNI %s) "
		 "with a TCP %s%s%s, without a single TLS byte",
		 sni_or_none(j), rst ? "RST" : "FIN", ms[0] ? " after " : "",
		 ms);
	if (fl != NULL &&
	    fl->dir[FLOW_S2C].ttl_min != fl->dir[FLOW_S2C].ttl_max) {
		/* Packets of one direction from one host share a TTL; a
		 * different one was made elsewhere on the path. */
		evidence(
		    j->out,
		    "server-side packets arrived with TTLs from "
		    "%u to %u (first %u): some were made by another box on the "
		    "path",
		    fl->dir[FLOW_S2C].ttl_min, fl->dir[FLOW_S2C].ttl_max,
		    fl->dir[FLOW_S2C].ttl_first);
		if (rst)
			j->out->confidence = INFER_CONF_HIGH;
	}
	advise(
	    j->out,
	    "Something refused the TLS connection after reading the "
	    "ClientHello: an SNI-filtering firewall or proxy on the path does "
	    "this (check its policy for %s); otherwise the server's own logs "
	    "say why it dropped the connection.",
	    sni_or_none(j));
	return true;
}

static bool
r_no_response(struct judge *j)
{
	const struct conn_result *r = j->r;
	char ms[MS_MAX], ep[FMT_ENDPOINT_SIZE];
	uint64_t end;

	if (!failing(j) || !pre_sh(j) || !server_sent_nothing(j))
		return false;
	if (r->result == CONN_FAILED && server_left(r))
		return false;
	end = r->close_ts != 0 ? r->close_ts : r->outcome_ts;
	fmt_ms(ms, r->client_hello_ts, end);
	server_ep(ep, j);
	if (r->result == CONN_FAILED) {
		decide(j, INFER_NO_SERVER_RESPONSE, NULL, INFER_CONF_HIGH);
		evidence(
		    j->out,
		    "%s sent no byte in the %s after the "
		    "ClientHello; then the client closed the connection (%s)",
		    ep, ms[0] ? ms : "time", closer_words(r->closer));
	} else {
		/* The flow ended without a close: the capture may simply
		 * have stopped, or lost the answer. */
		decide(j, INFER_NO_SERVER_RESPONSE, NULL, INFER_CONF_MEDIUM);
		evidence(j->out,
			 "%s sent no byte in the %s after the "
			 "ClientHello, until the flow ended (%s)",
			 ep, ms[0] ? ms : "time",
			 r->reason != NULL ? r->reason : "?");
	}
	advise(j->out,
	       "%s accepts TCP but never answers TLS: check that the "
	       "service on this port is a TLS server and is not hung, and "
	       "whether a firewall silently drops the ClientHello (SNI %s).",
	       ep, sni_or_none(j));
	return true;
}

/* The client's first encrypted records after the server's flight, TLS 1.3:
 * an empty Certificate (8 bytes) + type + 16-byte tag is 25 bytes; a
 * Finished is 32 or 48 bytes + 4 + 1 + 16 = 53 or 69. */
#define ENC13_EMPTY_CERT 25
static bool
r_client_cert(struct judge *j)
{
	const struct tls_facts *f = j->f;
	const struct tls_certs *cc = &f->cert[TLS_DIR_C2S];
	char a[ALERT_MAX], nm[ESC_MAX];
	const struct tls_dir_facts *cd = &f->dir[TLS_DIR_C2S];
	unsigned i, first = 0;
	bool seen_first = false, empty_cert = false, fin = false;

	if (!failing(j) || !f->sh_seen)
		return false;
	/* Plaintext (TLS <= 1.2), or decrypted: the request is visible. */
	if (f->cert_req.present && (j->salert != NULL || j->senc)) {
		if (cc->present && cc->ncerts == 0 && !cc->malformed) {
			decide(j, INFER_CLIENT_CERT_REQUIRED, NULL,
			       j->salert != NULL ? INFER_CONF_HIGH
						 : INFER_CONF_MEDIUM);
			evidence(j->out, "the server asked for a client "
					 "certificate (CertificateRequest)");
			evidence(j->out, "the client answered with an empty "
					 "Certificate message");
		} else if (!cc->present) {
			decide(j, INFER_CLIENT_CERT_REQUIRED, NULL,
			       INFER_CONF_MEDIUM);
			evidence(j->out, "the server asked for a client "
					 "certificate (CertificateRequest)");
			evidence(j->out, "no Certificate message from the "
					 "client was seen");
		} else {
			/* The client sent one and the server refused it:
			 * the same family, but the client had the wrong
			 * certificate, not none. */
			const struct x509_cert *c =
			    j->cc != NULL && j->cc->client.n > 0
				? j->cc->client.cert[0]
				: NULL;

			decide(j, INFER_CLIENT_CERT_REQUIRED, NULL,
			       INFER_CONF_LOW);
			evidence(
			    j->out,
			    "the server asked for a client "
			    "certificate and refused the one the client sent "
			    "(%s)",
			    leaf_name(nm, c));
		}
		if (j->salert != NULL)
			evidence(j->out, "then the server sent fatal alert %s",
				 alert_str(a, j->salert->desc));
		else
			evidence(j->out, "then the server sent an encrypted "
					 "alert");
		advise(
		    j->out,
		    "The server requires a client certificate "
		    "(mutual TLS): configure the client with a certificate and "
		    "key issued by a CA the server trusts, or ask the server's "
		    "owner whether this client should need one.");
		return true;
	}
	/* TLS 1.3 without keys: the CertificateRequest is encrypted.  What
	 * shows is the server's alert right after the client's flight and
	 * the size of the client's records. */
	if (!f->tls13 || !j->senc || j->salert != NULL)
		return false;
	for (i = 0; i < cd->nenc && i < TLS_ENC_RECORDS_MAX; i++) {
		if (cd->enc[i].ts_us < j->r->server_hello_ts)
			continue; /* early data */
		if (!seen_first) {
			first = i;
			seen_first = true;
		}
		if (cd->enc[i].len == ENC13_EMPTY_CERT && i == first)
			empty_cert = true;
		if (is_finished_len(cd->enc[i].len))
			fin = true;
	}
	if (!seen_first || j->senc_ts < cd->enc[first].ts_us)
		return false;
	if (empty_cert && fin) {
		decide(j, INFER_CLIENT_CERT_REQUIRED, NULL, INFER_CONF_MEDIUM);
		evidence(
		    j->out,
		    "the client's first encrypted record is %u "
		    "bytes, the size of an empty Certificate message, before "
		    "its Finished",
		    ENC13_EMPTY_CERT);
	} else if (is_finished_len(cd->enc[first].len)) {
		decide(j, INFER_CLIENT_CERT_REQUIRED, NULL, INFER_CONF_LOW);
		evidence(j->out,
			 "the client's first encrypted record is "
			 "Finished-sized (%u bytes): it sent no certificate",
			 (unsigned)cd->enc[first].len);
	} else {
		return false;
	}
	evidence(j->out,
		 "the server then sent a %u-byte encrypted record "
		 "(the size of an alert) and closed",
		 (unsigned)j->senc_len);
	evidence(j->out, "in TLS 1.3 the CertificateRequest is encrypted; "
			 "the client's key log would show it");
	advise(j->out,
	       "The server most likely requires a client certificate "
	       "(mutual TLS): configure the client with a certificate and key "
	       "issued by a CA the server trusts.");
	return true;
}

/* Did the client refuse what the server sent (after its ServerHello)? */
static bool
client_refused(const struct judge *j)
{
	if (j->r->result != CONN_FAILED || !j->f->sh_seen)
		return false;
	if (j->calert != NULL)
		return alert_is_cert(j->calert->desc);
	if (j->cenc)
		return true;
	/* A client that just hangs up after the server's flight (some do
	 * instead of alerting) before sending its own. */
	return (j->r->closer == CONN_CLOSER_CLIENT_FIN ||
		j->r->closer == CONN_CLOSER_CLIENT_RST) &&
	       j->f->cke_len == 0 && j->salert == NULL && !j->senc &&
	       j->clate == NULL && j->f->cert[TLS_DIR_S2C].present;
}

static const char *
client_alert_conf(const struct judge *j, uint8_t specific, unsigned nprob)
{
	uint8_t d;

	if (j->calert == NULL)
		return nprob == 1 ? INFER_CONF_MEDIUM : INFER_CONF_LOW;
	d = j->calert->desc;
	if (d == specific)
		return INFER_CONF_HIGH;
	if (d == TLS_ALERT_BAD_CERTIFICATE ||
	    d == TLS_ALERT_CERTIFICATE_UNKNOWN ||
	    (d == TLS_ALERT_UNKNOWN_CA && specific == TLS_ALERT_UNKNOWN_CA))
		return nprob == 1 ? INFER_CONF_HIGH : INFER_CONF_MEDIUM;
	/* An alert naming another fault: the evidence conflicts. */
	return INFER_CONF_LOW;
}

static unsigned
label_problems(const struct certcheck *cc)
{
	unsigned n = 0;

	n += has_code(cc, X509_RES_REVOKED) ||
	     cc->val.ocsp.status == X509_OCSP_REVOKED;
	n += has_code(cc, X509_RES_EXPIRED) ||
	     has_code(cc, X509_RES_NOT_YET_VALID);
	n += has_code(cc, X509_RES_SELF_SIGNED);
	n += has_code(cc, X509_RES_INCOMPLETE_CHAIN) ||
	     has_code(cc, X509_RES_WRONG_ORDER);
	n += has_code(cc, X509_RES_UNTRUSTED_ROOT);
	n += cc->host_checked && cc->host.status != HM_MATCH &&
	     cc->host.status != HM_BAD_REFERENCE;
	return n;
}

static const struct x509_problem *
find_problem(const struct certcheck *cc, enum x509_code c)
{
	unsigned i;

	for (i = 0; i < cc->val.nproblems && i < X509_PROBLEMS_MAX; i++)
		if (cc->val.problem[i].code == c)
			return &cc->val.problem[i];
	return NULL;
}

static const struct x509_cert *
problem_cert(const struct certcheck *cc, const struct x509_problem *p)
{
	if (p == NULL || p->index < 0 || (unsigned)p->index >= cc->server.n)
		return cc->server.n > 0 ? cc->server.cert[0] : NULL;
	return cc->server.cert[p->index];
}

static void
cert_interception(struct judge *j, const struct issuer_seen *o)
{
	char nm[ESC_MAX], is[ESC_MAX], os[ESC_MAX];

	decide(j, INFER_INTERCEPTION, NULL,
	       o->n >= 2 ? INFER_CONF_HIGH : INFER_CONF_MEDIUM);
	evidence(j->out, "the certificate for %s was issued by \"%s\"",
		 sni_or_none(j), esc_str(is, j->leaf->issuer));
	evidence(j->out,
		 "%" PRIu32 " other connection(s) for the same name "
		 "got a certificate from \"%s\" that chains to the trust store",
		 o->n, esc_str(os, o->name));
	evidence(j->out, "this chain does not (%s); the client rejected it",
		 x509_code_name((enum x509_code)j->cc->val.status));
	ev_client_alert(j);
	(void)nm;
	advise(
	    j->out,
	    "Something between this client and %s presents its "
	    "own certificate (a TLS-inspecting proxy, antivirus or captive "
	    "portal issuing from \"%s\"). If it is sanctioned, install its CA "
	    "on the client; if not, find and remove it from the client's "
	    "path.",
	    sni_or_none(j), is);
}

static void
cert_expired(struct judge *j)
{
	const struct certcheck *cc = j->cc;
	const struct x509_problem *p = find_problem(cc, X509_RES_EXPIRED);
	bool notyet = p == NULL;
	const struct x509_cert *c;
	char nm[ESC_MAX], d1[DATE_MAX], d2[DATE_MAX];

	if (notyet)
		p = find_problem(cc, X509_RES_NOT_YET_VALID);
	c = problem_cert(cc, p);
	decide(j, INFER_CERT_EXPIRED, NULL,
	       client_alert_conf(j, TLS_ALERT_CERTIFICATE_EXPIRED,
				 label_problems(cc)));
	if (c == NULL || c->malformed)
		return;
	if (!notyet) {
		evidence(j->out,
			 "certificate %s expired %s, %" PRId64 " days "
			 "before the capture",
			 leaf_name(nm, c), fmt_date(d1, c->not_after),
			 (j->now - c->not_after) / 86400);
		advise(j->out,
		       "Renew the certificate of %s that expired on %s "
		       "and install it on the server (with its intermediate).",
		       nm, d1);
	} else {
		evidence(j->out,
			 "certificate %s is not valid before %s, %" PRId64
			 " days after the capture",
			 leaf_name(nm, c), fmt_date(d1, c->not_before),
			 (c->not_before - j->now) / 86400);
		advise(
		    j->out,
		    "The server presents a certificate of %s that is "
		    "valid only from %s to %s: install a certificate valid now "
		    "(check the issuing system's clock).",
		    nm, d1, fmt_date(d2, c->not_after));
	}
	ev_client_alert(j);
}

static void
cert_chain_label(struct judge *j, enum infer_cause_id id, enum x509_code code)
{
	const struct certcheck *cc = j->cc;
	char nm[ESC_MAX], is[ESC_MAX], url[ESC_MAX];

	decide(j, id, NULL,
	       client_alert_conf(j, TLS_ALERT_UNKNOWN_CA, label_problems(cc)));
	leaf_name(nm, j->leaf);
	switch (id) {
	case INFER_CERT_SELF_SIGNED:
		evidence(j->out,
			 "certificate %s is self-signed (issuer = "
			 "subject, its own key verifies it)",
			 nm);
		ev_client_alert(j);
		advise(
		    j->out,
		    "The server presents a self-signed certificate "
		    "for %s: replace it with one issued by a CA the clients "
		    "trust (a public CA, or your private CA installed on the "
		    "clients).",
		    nm);
		break;
	case INFER_CERT_INCOMPLETE_CHAIN:
		if (code == X509_RES_WRONG_ORDER) {
			evidence(j->out, "the server sends its chain out of "
					 "order (not leaf first)");
			ev_client_alert(j);
			advise(j->out,
			       "Send the chain in order: the "
			       "certificate of %s first, then each issuer.",
			       nm);
			break;
		}
		evidence(j->out,
			 "the server sent %u certificate(s); the "
			 "issuer \"%s\" is neither among them nor in the trust "
			 "store",
			 cc->server.n,
			 esc_str(is, cc->val.missing_issuer[0]
					 ? cc->val.missing_issuer
					 : j->leaf->issuer));
		if (cc->val.issuer_known_elsewhere)
			evidence(
			    j->out,
			    "other connections sent that "
			    "intermediate: clients that cached it succeed, "
			    "others fail");
		ev_client_alert(j);
		if (cc->val.aia_ca_issuers[0])
			advise(
			    j->out,
			    "Install the missing intermediate \"%s\" "
			    "on the server, after the certificate of %s; it is "
			    "available at %s.",
			    is, nm, esc_str(url, cc->val.aia_ca_issuers));
		else
			advise(
			    j->out,
			    "Install the missing intermediate \"%s\" "
			    "on the server, after the certificate of %s (your "
			    "CA publishes it with the certificate).",
			    is, nm);
		break;
	default: /* INFER_CERT_UNTRUSTED_CA */
		evidence(
		    j->out,
		    "the chain of %s ends at \"%s\", a root that "
		    "is not in the trust store",
		    nm,
		    esc_str(
			is,
			cc->server.n > 0 &&
				cc->server.cert[cc->server.n - 1] != NULL &&
				!cc->server.cert[cc->server.n - 1]->malformed
			    ? cc->server.cert[cc->server.n - 1]->subject
			    : j->leaf->issuer));
		ev_client_alert(j);
		advise(j->out,
		       "The certificate of %s comes from a private CA "
		       "(\"%s\") the client does not trust: use a certificate "
		       "from "
		       "a CA the clients trust, or install that root on the "
		       "clients that must trust it.",
		       nm, is);
		break;
	}
}

static void
cert_revoked(struct judge *j)
{
	const struct certcheck *cc = j->cc;
	char nm[ESC_MAX], d1[DATE_MAX];

	decide(j, INFER_CERT_REVOKED, NULL,
	       client_alert_conf(j, TLS_ALERT_CERTIFICATE_REVOKED,
				 label_problems(cc)));
	leaf_name(nm, j->leaf);
	if (cc->val.ocsp.status == X509_OCSP_REVOKED)
		evidence(j->out,
			 "the server stapled an OCSP response saying "
			 "%s was revoked on %s (reason %d)",
			 nm, fmt_date(d1, cc->val.ocsp.revocation_time),
			 cc->val.ocsp.revocation_reason);
	else
		evidence(j->out,
			 "a CRL lists certificate %s (serial %s) as "
			 "revoked",
			 nm, j->leaf->serial);
	ev_client_alert(j);
	advise(j->out,
	       "The certificate of %s is revoked: install a newly "
	       "issued certificate (new key if it was compromised) and stop "
	       "stapling the old OCSP response.",
	       nm);
}

static void
cert_name(struct judge *j)
{
	const struct certcheck *cc = j->cc;
	const struct x509_cert *c = j->leaf;
	char nm[ESC_MAX], list[ESC_MAX];
	size_t o = 0;
	unsigned i;

	decide(j, INFER_CERT_NAME_MISMATCH, NULL,
	       client_alert_conf(j, TLS_ALERT_BAD_CERTIFICATE,
				 label_problems(cc)));
	list[0] = '\0';
	for (i = 0; c != NULL && i < c->nsan && i < 4; i++) {
		char one[ESC_MAX];
		int k;

		if (c->san[i].ip || c->san[i].dns == NULL)
			continue;
		k = snprintf(list + o, sizeof(list) - o, "%s%s", o ? ", " : "",
			     esc_str(one, c->san[i].dns));
		if (k < 0 || (size_t)k >= sizeof(list) - o)
			break;
		o += (size_t)k;
	}
	if (o == 0)
		snprintf(list, sizeof(list), "%s", leaf_name(nm, c));
	evidence(j->out,
		 "the client asked for \"%s\" (SNI); the certificate "
		 "names %s%s",
		 j->sni, list,
		 c != NULL && c->san_total > 4 ? " (and more)" : "");
	ev_client_alert(j);
	advise(j->out,
	       "The server presents a certificate that does not name "
	       "\"%s\": install a certificate whose subjectAltName includes it "
	       "(or a wildcard covering it), or make the client use a name the "
	       "certificate has.",
	       j->sni);
}

/* The certificate was valid at capture time and names the host, yet the
 * client refused it with a date alert (or the generic one): its clock. */
static void
cert_clock(struct judge *j, const char *conf)
{
	char nm[ESC_MAX], d1[DATE_MAX], d2[DATE_MAX], cap[DATE_MAX];

	decide(j, INFER_CLIENT_CLOCK, NULL, conf);
	leaf_name(nm, j->leaf);
	evidence(j->out,
		 "certificate %s is valid from %s to %s, and at the "
		 "capture time (%s); the chain validates and names the host",
		 nm, fmt_date(d1, j->leaf->not_before),
		 fmt_date(d2, j->leaf->not_after), fmt_date(cap, j->now));
	if (j->calert != NULL && j->calert->desc == TLS_ALERT_BAD_CERTIFICATE)
		evidence(
		    j->out,
		    "OpenSSL sends bad_certificate(42) for a "
		    "certificate not yet valid by its clock, GnuTLS for any "
		    "fault");
	ev_client_alert(j);
	if (j->cli != NULL && j->cli->nservers >= 2)
		evidence(j->out,
			 "this client refused certificates valid at "
			 "the capture time from %u different servers",
			 (unsigned)j->cli->nservers);
	ev_gmt(j);
	advise(j->out,
	       "Correct the client's clock (enable NTP): it rejects a "
	       "certificate valid from %s to %s. Nothing is wrong on the "
	       "server.",
	       d1, d2);
}

static bool
r_cert_visible(struct judge *j)
{
	const struct certcheck *cc = j->cc;
	const struct issuer_seen *o;
	uint8_t d;
	unsigned nprob;

	if (!client_refused(j) || !chain_visible(cc) || j->leaf == NULL)
		return false;
	d = j->calert != NULL ? j->calert->desc : 0;
	nprob = label_problems(cc);

	/* Another issuer for the same name reached the trust store while
	 * this chain does not: somebody else minted this one. */
	o = other_anchored_issuer(j);
	if (o != NULL && !cc->val.anchored) {
		cert_interception(j, o);
		return true;
	}
	/* A specific alert picks its matching problem first (OpenSSL checks
	 * trust before dates, so unknown_ca with an expired leaf is about
	 * trust); the generic ones (42, 46, encrypted) take the problems in
	 * the order a server must fix them. */
	if (d == TLS_ALERT_CERTIFICATE_REVOKED ||
	    d == TLS_ALERT_BAD_CERTIFICATE ||
	    d == TLS_ALERT_CERTIFICATE_UNKNOWN || d == 0) {
		if (has_code(cc, X509_RES_REVOKED) ||
		    cc->val.ocsp.status == X509_OCSP_REVOKED) {
			cert_revoked(j);
			goto out;
		}
	}
	if (d != TLS_ALERT_UNKNOWN_CA &&
	    (has_code(cc, X509_RES_EXPIRED) ||
	     has_code(cc, X509_RES_NOT_YET_VALID))) {
		cert_expired(j);
		goto out;
	}
	if (has_code(cc, X509_RES_SELF_SIGNED)) {
		cert_chain_label(j, INFER_CERT_SELF_SIGNED,
				 X509_RES_SELF_SIGNED);
		goto out;
	}
	if (has_code(cc, X509_RES_INCOMPLETE_CHAIN)) {
		cert_chain_label(j, INFER_CERT_INCOMPLETE_CHAIN,
				 X509_RES_INCOMPLETE_CHAIN);
		goto out;
	}
	if (has_code(cc, X509_RES_UNTRUSTED_ROOT)) {
		cert_chain_label(j, INFER_CERT_UNTRUSTED_CA,
				 X509_RES_UNTRUSTED_ROOT);
		goto out;
	}
	if (has_code(cc, X509_RES_EXPIRED) ||
	    has_code(cc, X509_RES_NOT_YET_VALID)) {
		cert_expired(j);
		goto out;
	}
	if (has_code(cc, X509_RES_REVOKED) ||
	    cc->val.ocsp.status == X509_OCSP_REVOKED) {
		cert_revoked(j);
		goto out;
	}
	if (has_code(cc, X509_RES_WRONG_ORDER)) {
		cert_chain_label(j, INFER_CERT_INCOMPLETE_CHAIN,
				 X509_RES_WRONG_ORDER);
		goto out;
	}
	if (cc->host_checked && (cc->host.status == HM_NO_MATCH ||
				 cc->host.status == HM_NO_IDENTIFIERS)) {
		cert_name(j);
		goto out;
	}
	return false; /* a clean chain, or faults without a label */
out:
	if (nprob > 1) {
		evidence(j->out,
			 "the chain has %u faults a client may refuse; "
			 "this one is the first to fix",
			 nprob);
		j->out->confidence = lower_conf(j->out->confidence);
	}
	return true;
}

/* No SNI, a clean chain, and the client refused it.  A client connecting
 * by IP address sends no SNI (RFC 6066 3) and checks the address; one
 * connecting by name without SNI gets the server's default certificate.
 * The wire looks the same, so only the fleet (this server completes
 * handshakes with clients that send SNI) makes it `sni`; otherwise the
 * literal fault, a certificate that names neither, at low confidence. */
static bool
ip_in_leaf(const struct judge *j)
{
	const struct flow *fl = j->r->flow;
	unsigned i, n;

	if (fl == NULL || j->leaf == NULL)
		return false;
	n = fl->af == 4 ? 4 : 16;
	for (i = 0; i < j->leaf->nsan && i < X509_SAN_MAX; i++)
		if (j->leaf->san[i].ip && j->leaf->san[i].addr_len == n &&
		    memcmp(j->leaf->san[i].addr, fl->addr[FLOW_S2C], n) == 0)
			return true;
	return false;
}

static bool
r_cert_no_sni(struct judge *j)
{
	char nm[ESC_MAX], ad[FMT_ADDR_SIZE];
	const struct flow *fl = j->r->flow;

	if (!client_refused(j) || j->has_sni || !chain_visible(j->cc) ||
	    j->leaf == NULL || j->cc->val.status != X509_RES_OK)
		return false;
	if (j->calert != NULL &&
	    j->calert->desc == TLS_ALERT_CERTIFICATE_EXPIRED)
		return false;
	if (ip_in_leaf(j))
		return false;
	if (fl != NULL)
		fmt_addr(ad, fl->af, fl->addr[FLOW_S2C]);
	else
		snprintf(ad, sizeof(ad), "?");
	leaf_name(nm, j->leaf);
	if (j->ep != NULL && j->ep->ok_sni > 0) {
		decide(j, INFER_SNI, NULL, INFER_CONF_MEDIUM);
		evidence(j->out,
			 "the ClientHello has no server_name (SNI); the "
			 "server answered with its default certificate, for %s",
			 nm);
		evidence(j->out,
			 "the same server completed %" PRIu32
			 " handshake(s) with clients that sent SNI",
			 j->ep->ok_sni);
		ev_client_alert(j);
		advise(
		    j->out,
		    "The server picks its certificate by SNI and "
		    "the client sends none: make the client send the host name "
		    "(connect by name, enable SNI), or make the server's "
		    "default "
		    "certificate cover the names clients use without SNI.");
		return true;
	}
	decide(j, INFER_CERT_NAME_MISMATCH, NULL, INFER_CONF_LOW);
	evidence(
	    j->out,
	    "the ClientHello has no server_name (SNI), as when a "
	    "client connects by IP address (RFC 6066 3 keeps addresses out of "
	    "SNI)");
	evidence(j->out,
		 "the certificate names %s, not the server's address "
		 "%s",
		 nm, ad);
	ev_client_alert(j);
	advise(j->out,
	       "If clients connect to %s by address, add it to the "
	       "certificate's subjectAltName (iPAddress) or make them use the "
	       "name; if they connect by name, they must send SNI, or the "
	       "server's default certificate must cover that name.",
	       ad);
	return true;
}

/* What the chains this client accepted from the same root say of its
 * clock against this refused chain: 1 a clock in their window and outside
 * this chain's explains both (its trust in the root is proven), -1 no
 * clock they allow makes this chain's dates wrong, 0 nothing known. */
static int
accepted_clock(const struct judge *j, int64_t *alo, int64_t *ahi, bool *apart)
{
	const struct cli_ent *c = j->cli;
	int64_t lo, hi;

	if (c == NULL || c->acc_n == 0 || !path_window(j, &lo, &hi) ||
	    c->acc_anchor != accept_key(j))
		return 0;
	*alo = c->acc_lo;
	*ahi = c->acc_hi;
	*apart = c->acc_hi <= lo || c->acc_lo >= hi;
	if (c->acc_lo >= lo && c->acc_hi <= hi)
		return -1;
	return 1;
}

static void
ev_accepted_clock(struct judge *j, int64_t lo, int64_t hi, bool apart)
{
	char d1[DATE_MAX], d2[DATE_MAX];

	evidence(j->out,
		 "the same client accepted %" PRIu32
		 " chain(s) from this root and sent data, so it trusts the "
		 "root; they are valid together only to a clock reading "
		 "between %s and %s now, to which this certificate is not "
		 "valid%s",
		 j->cli->acc_n, fmt_date(d1, j->now + lo),
		 fmt_date(d2, j->now + hi), apart ? "" : " for part of it");
}

static bool
r_cert_clock(struct judge *j)
{
	const struct certcheck *cc = j->cc;
	uint8_t d;
	const char *conf;
	int acc;
	int64_t alo = 0, ahi = 0;
	bool apart = false;

	if (!client_refused(j) || !chain_visible(cc) || j->leaf == NULL ||
	    !chain_clean(cc) || j->calert == NULL)
		return false;
	d = j->calert->desc;
	if (d == TLS_ALERT_CERTIFICATE_EXPIRED)
		conf = INFER_CONF_HIGH;
	else if (d == TLS_ALERT_BAD_CERTIFICATE ||
		 d == TLS_ALERT_CERTIFICATE_UNKNOWN)
		/* The generic alert on a clean chain: the clock is the
		 * likeliest fault a client sees and we do not. */
		conf = (j->cli != NULL && j->cli->nservers >= 2) ||
			       gmt_says_wrong(j)
			   ? INFER_CONF_HIGH
			   : INFER_CONF_MEDIUM;
	else
		return false;
	if (d == TLS_ALERT_CERTIFICATE_EXPIRED && j->cli != NULL &&
	    j->cli->nservers >= 3)
		conf = INFER_CONF_HIGH;
	if (gmt_says_right(j))
		conf = lower_conf(conf);
	/* The same client accepted chains from this root whose dates leave
	 * no clock under which this one is invalid: not the clock (and not
	 * its trust in the root); what is left is not seen here. */
	acc = accepted_clock(j, &alo, &ahi, &apart);
	if (acc < 0)
		return false;
	if (acc > 0 && !gmt_says_right(j))
		conf = INFER_CONF_HIGH;
	cert_clock(j, conf);
	if (acc > 0)
		ev_accepted_clock(j, alo, ahi, apart);
	return true;
}

/* unknown_ca on a chain that validates against tlsdiag's store: the client
 * trusts fewer roots than tlsdiag does. */
static bool
r_cert_client_store(struct judge *j)
{
	char nm[ESC_MAX], an[ESC_MAX];

	if (!client_refused(j) || !chain_visible(j->cc) || j->calert == NULL ||
	    j->calert->desc != TLS_ALERT_UNKNOWN_CA || !chain_clean(j->cc))
		return false;
	decide(j, INFER_CERT_UNTRUSTED_CA, INFER_FIX_CLIENT, INFER_CONF_LOW);
	evidence(j->out,
		 "the chain of %s validates against tlsdiag's trust "
		 "store (anchor \"%s\")",
		 leaf_name(nm, j->leaf),
		 esc_str(an, j->cc->val.anchor_subject));
	ev_client_alert(j);
	advise(j->out,
	       "The client does not trust \"%s\": add that root to the "
	       "client's trust store (or update its CA bundle).",
	       an);
	return true;
}

/* TLS 1.3 without keys: the certificate is invisible.  Only an alert that
 * names the fault, or what other connections showed for the same name,
 * decides; otherwise the facts are given as "unknown". */
static bool
r_cert_hidden13(struct judge *j)
{
	const struct issuer_seen *s;
	char a[ALERT_MAX], d1[DATE_MAX], d2[DATE_MAX], is[ESC_MAX];
	uint8_t d;
	bool valid_elsewhere, expired_elsewhere;

	if (!client_refused(j) || !j->f->tls13 || chain_visible(j->cc))
		return false;
	d = j->calert != NULL ? j->calert->desc : 0;
	s = name_latest(j);
	valid_elsewhere = s != NULL && s->not_before <= j->now &&
			  j->now <= s->not_after && s->status == X509_RES_OK;
	expired_elsewhere = s != NULL && (s->status == X509_RES_EXPIRED ||
					  s->status == X509_RES_NOT_YET_VALID);

	if (d == TLS_ALERT_CERTIFICATE_EXPIRED) {
		if (expired_elsewhere) {
			decide(j, INFER_CERT_EXPIRED, NULL, INFER_CONF_MEDIUM);
			evidence(j->out,
				 "other connections for %s saw its "
				 "certificate valid only from %s to %s",
				 j->sni, fmt_date(d1, s->not_before),
				 fmt_date(d2, s->not_after));
			advise(j->out,
			       "Renew the certificate of %s (valid "
			       "until %s) and install it on the server.",
			       j->sni, d2);
		} else if (valid_elsewhere ||
			   (j->cli != NULL && j->cli->nservers >= 1) ||
			   gmt_says_wrong(j) ||
			   (j->srv != NULL && j->srv->ok > 0)) {
			decide(j, INFER_CLIENT_CLOCK, NULL, INFER_CONF_MEDIUM);
			if (valid_elsewhere) {
				evidence(
				    j->out,
				    "other connections for %s saw "
				    "its certificate valid from %s to %s, and "
				    "at the capture time",
				    j->sni, fmt_date(d1, s->not_before),
				    fmt_date(d2, s->not_after));
			} else if (j->srv != NULL && j->srv->ok > 0) {
				evidence(j->out,
					 "the same server completed "
					 "%" PRIu32 " handshake(s) with other "
					 "clients",
					 j->srv->ok);
			}
			if (j->cli != NULL && j->cli->nservers >= 1)
				evidence(
				    j->out,
				    "this client refused "
				    "certificates valid at the capture time "
				    "from %u other server(s)",
				    (unsigned)j->cli->nservers);
			ev_gmt(j);
			advise(
			    j->out,
			    "Correct the client's clock (enable "
			    "NTP): it calls expired a certificate that other "
			    "connections accept.");
		} else {
			/* The alert names a date fault; whose date it is
			 * (the certificate's or the client's clock) is what
			 * the encrypted certificate would tell. */
			decide(j, INFER_CERT_EXPIRED, NULL, INFER_CONF_LOW);
			evidence(
			    j->out,
			    "a client whose clock is wrong sends "
			    "the same alert; nothing here tells the two apart");
			advise(
			    j->out,
			    "Check the validity dates of the "
			    "certificate served for %s and renew it if it has "
			    "expired; if it is valid, correct the client's "
			    "clock.",
			    sni_or_none(j));
		}
	} else if (d == TLS_ALERT_CERTIFICATE_REVOKED) {
		decide(j, INFER_CERT_REVOKED, NULL, INFER_CONF_MEDIUM);
		advise(j->out,
		       "The client says the certificate served for %s "
		       "is revoked: install a newly issued certificate.",
		       sni_or_none(j));
	} else if (s != NULL && s->status != X509_RES_OK &&
		   (d == 0 || d == TLS_ALERT_BAD_CERTIFICATE ||
		    d == TLS_ALERT_CERTIFICATE_UNKNOWN ||
		    (d == TLS_ALERT_UNKNOWN_CA &&
		     (s->status == X509_RES_SELF_SIGNED ||
		      s->status == X509_RES_INCOMPLETE_CHAIN ||
		      s->status == X509_RES_UNTRUSTED_ROOT)))) {
		enum infer_cause_id id;

		switch (s->status) {
		case X509_RES_EXPIRED:
		case X509_RES_NOT_YET_VALID:
			id = INFER_CERT_EXPIRED;
			break;
		case X509_RES_SELF_SIGNED:
			id = INFER_CERT_SELF_SIGNED;
			break;
		case X509_RES_INCOMPLETE_CHAIN:
		case X509_RES_WRONG_ORDER:
			id = INFER_CERT_INCOMPLETE_CHAIN;
			break;
		case X509_RES_UNTRUSTED_ROOT:
			id = INFER_CERT_UNTRUSTED_CA;
			break;
		case X509_RES_REVOKED:
			id = INFER_CERT_REVOKED;
			break;
		default:
			return false;
		}
		decide(j, id, NULL,
		       d == TLS_ALERT_UNKNOWN_CA ? INFER_CONF_MEDIUM
						 : INFER_CONF_LOW);
		evidence(j->out,
			 "other connections for %s saw a certificate "
			 "from \"%s\" whose chain is %s",
			 j->sni, esc_str(is, s->name),
			 x509_code_name(s->status));
		advise(j->out, "Fix the certificate served for %s (%s): %s.",
		       j->sni, x509_code_name(s->status),
		       x509_code_meaning(s->status));
	} else {
		return false;
	}
	if (j->calert != NULL)
		evidence(j->out,
			 "client sent fatal alert %s in plaintext "
			 "after the server's encrypted flight",
			 alert_str(a, j->calert->desc));
	else
		ev_client_alert(j);
	ev_tls13_hidden(j);
	return true;
}

/* Clients with this fingerprint fail at several servers and never
 * succeed, while those servers serve others: the software is at fault. */
static bool
r_cohort(struct judge *j)
{
	const struct coh_ent *c = j->coh;

	if (j->r->result != CONN_FAILED || c == NULL || c->ok > 0 ||
	    c->fail < 3 || c->nservers < 2 || j->ep == NULL || j->ep->ok == 0)
		return false;
	decide(j, INFER_CLIENT_SOFTWARE, NULL, INFER_CONF_LOW);
	evidence(j->out,
		 "clients with this fingerprint (JA4 %s) failed %" PRIu32
		 " handshakes at %u servers and completed none",
		 j->ja4, c->fail, (unsigned)c->nservers);
	evidence(j->out,
		 "the same server completed %" PRIu32 " handshake(s) "
		 "with other clients",
		 j->ep->ok);
	advise(j->out,
	       "This client software fails where others succeed: "
	       "update it or its TLS library, or try another client; check "
	       "plug-ins, proxies or security software that change its TLS.");
	return true;
}

/* Nothing decided: say what was seen, and what is missing. */
static bool
r_unknown(struct judge *j)
{
	const struct tls_facts *f = j->f;
	const struct certcheck *cc = j->cc;
	char a[ALERT_MAX], nm[ESC_MAX], ms[MS_MAX];
	const char *fix = INFER_FIX_UNKNOWN;

	if (j->r->result == CONN_ESTABLISHED)
		return false;
	decide(j, INFER_UNKNOWN, NULL, INFER_CONF_LOW);
	if (j->salert != NULL) {
		fmt_ms(ms, j->r->client_hello_ts, j->salert->ts_us);
		evidence(j->out,
			 "server sent fatal alert %s%s%s after the "
			 "ClientHello%s",
			 alert_str(a, j->salert->desc), ms[0] ? " " : "", ms,
			 f->sh_seen ? " and its ServerHello" : "");
	}
	if (j->calert != NULL)
		evidence(j->out, "client sent fatal alert %s",
			 alert_str(a, j->calert->desc));
	if (j->cenc && j->calert == NULL)
		evidence(j->out,
			 "client sent a %u-byte encrypted record (the "
			 "size of an alert) after the server's flight",
			 (unsigned)j->cenc_len);
	if (j->senc && j->salert == NULL)
		evidence(j->out,
			 "server sent a %u-byte encrypted record (the "
			 "size of an alert)",
			 (unsigned)j->senc_len);
	if (f->sh_seen && server_left(j->r) && j->salert == NULL && !j->senc) {
		fmt_ms(ms, j->r->server_hello_ts, j->r->close_ts);
		evidence(j->out,
			 "the server closed the connection (%s)%s%s "
			 "after its ServerHello, without an alert",
			 closer_words(j->r->closer), ms[0] ? " " : "", ms);
	}
	if (j->clate != NULL)
		evidence(j->out,
			 "the client's alert %s came after the server "
			 "had closed: its reaction to the cut, not a judgement",
			 alert_str(a, j->clate->desc));
	if (chain_visible(cc) && j->leaf != NULL) {
		if (has_code(cc, X509_RES_BAD_USAGE)) {
			fix = INFER_FIX_SERVER;
			evidence(
			    j->out,
			    "certificate %s may not be used by a "
			    "TLS server (no serverAuth extended key usage, or "
			    "an issuer that is not a CA)",
			    leaf_name(nm, j->leaf));
			advise(j->out,
			       "Reissue the certificate of %s with "
			       "extendedKeyUsage serverAuth.",
			       nm);
		} else if (has_code(cc, X509_RES_WEAK_KEY) ||
			   has_code(cc, X509_RES_WEAK_SIGNATURE)) {
			fix = INFER_FIX_SERVER;
			evidence(j->out,
				 "certificate %s has a %s%s%s; current "
				 "clients refuse it",
				 leaf_name(nm, j->leaf),
				 has_code(cc, X509_RES_WEAK_KEY) ? "weak key"
								 : "",
				 has_code(cc, X509_RES_WEAK_KEY) &&
					 has_code(cc, X509_RES_WEAK_SIGNATURE)
				     ? " and a "
				     : "",
				 has_code(cc, X509_RES_WEAK_SIGNATURE)
				     ? "weak (SHA-1 or MD5) signature"
				     : "");
			advise(
			    j->out,
			    "Reissue the certificate of %s with a "
			    "2048-bit RSA or P-256 key, signed with SHA-256.",
			    nm);
		} else if (has_code(cc, X509_RES_BAD_SIGNATURE) ||
			   has_code(cc, X509_RES_MALFORMED)) {
			/* A signature that does not verify: a damaged or
			 * forged certificate the server sends. */
			fix = INFER_FIX_SERVER;
			evidence(
			    j->out, "the server's chain is %s (%s)",
			    x509_code_name((enum x509_code)cc->val.status),
			    x509_code_meaning((enum x509_code)cc->val.status));
			advise(j->out,
			       "Reinstall the certificate of %s exactly "
			       "as the CA issued it (its signature does not "
			       "verify "
			       "with its issuer's key).",
			       leaf_name(nm, j->leaf));
		} else {
			evidence(j->out, "the server's chain validates at the "
					 "capture time and names the host");
		}
	} else if (f->tls13 && f->sh_seen && (j->calert != NULL || j->cenc)) {
		ev_tls13_hidden(j);
		if (!j->has_sni)
			evidence(
			    j->out,
			    "the ClientHello has no server_name "
			    "(SNI): the server could only present its default "
			    "certificate");
		if (j->calert != NULL &&
		    j->calert->desc == TLS_ALERT_UNKNOWN_CA)
			evidence(
			    j->out,
			    "unknown_ca(48) means the client did "
			    "not trust the chain: self-signed, missing "
			    "intermediate, untrusted root or interception");
	}
	if (j->out->nevidence == 0)
		evidence(j->out,
			 "the handshake ended (%s) without an alert "
			 "or a fact that decides its cause",
			 j->r->reason != NULL ? j->r->reason : "?");
	j->out->fix_side = fix;
	if (j->out->advice[0] == '\0')
		advise(j->out,
		       "tlsdiag cannot tell why this handshake failed: "
		       "check the logs of both sides around this time%s.",
		       f->tls13 && !chain_visible(cc)
			   ? ", or capture with the client's key log"
			   : "");
	return true;
}

/* Established: a label only when the client visibly gave up right after
 * the handshake (no request sent), with a fault its checks find only
 * then (curl checks the host name and OCSP status after the handshake).
 * Returns the client's closing alert record, or NULL. */
static const struct tls_enc_record *
client_gave_up(const struct judge *j)
{
	const struct tls_dir_facts *cd = &j->f->dir[TLS_DIR_C2S];
	const struct tls_enc_record *alert = NULL;
	unsigned i;
	int fin;

	if (!j->f->tls13) {
		/* After its CCS: Finished, then only an alert record. */
		for (i = 0; i < cd->nenc && i < TLS_ENC_RECORDS_MAX; i++) {
			if (cd->enc[i].type == TLS_CT_APPLICATION_DATA)
				return NULL;
			if (cd->enc[i].type == TLS_CT_ALERT && alert == NULL)
				alert = &cd->enc[i];
		}
		return alert;
	}
	/* TLS 1.3: Finished, then one alert-sized record and nothing else.
	 * With a key log each record's real content type is known: handshake
	 * messages (a KeyUpdate after the Finished) are no request, and an
	 * alert is one whatever its size. */
	if ((fin = client_fin13(cd)) < 0)
		return NULL;
	for (i = (unsigned)fin + 1; i < cd->nenc && i < TLS_ENC_RECORDS_MAX;
	     i++) {
		const struct tls_enc_record *e = &cd->enc[i];

		if (e->inner == TLS_CT_HANDSHAKE)
			continue;
		if (!enc13_alert(e))
			return NULL;
		if (alert == NULL)
			alert = e;
	}
	return alert;
}

/* A client that gave up is sure to have refused the server, not merely to
 * have looked at it, when the application protocol it negotiated is one in
 * which the client speaks first (HTTP: RFC 9112 and 9113 open with the
 * client's request or preface) and it closed at once, not after idling.
 * Not acme-tls/1 (RFC 8737): its validators only look at the certificate,
 * as do monitors and `s_client </dev/null`, which offer no ALPN. */
#define GAVE_UP_AT_ONCE_US 500000

static bool
alpn_is_http(const uint8_t *p, size_t n)
{
	static const char *const http[] = {"http/1.1", "http/1.0", "http/0.9",
					   "h2",       "spdy/3.1", "spdy/3",
					   "spdy/2",   "spdy/1"};
	size_t i;

	for (i = 0; i < sizeof(http) / sizeof(http[0]); i++)
		if (strlen(http[i]) == n && memcmp(http[i], p, n) == 0)
			return true;
	return false;
}

/* The HTTP protocol the server selected, or, when it selected none, the
 * client's whole offer being HTTP; writes it to buf ("" if not HTTP). */
static bool
negotiated_http(const struct judge *j, char buf[ESC_MAX])
{
	const struct tls_facts *f = j->f;
	const uint8_t *sel;
	size_t nsel;
	struct cur c;
	unsigned n = 0;

	buf[0] = '\0';
	if (tls_facts_server_alpn(f, &sel, &nsel)) {
		if (!alpn_is_http(sel, nsel))
			return false;
		infer_escape(buf, ESC_MAX, sel, nsel);
		return true;
	}
	/* TLS 1.3 without EncryptedExtensions: what the server chose is
	 * unknown. */
	if ((f->tls13 && !f->ee.present) || !f->ch.alpn_present ||
	    f->ch.alpn_truncated)
		return false;
	c = cur_make(f->ch.alpn, f->ch.alpn_len);
	while (c.left > 0) {
		struct cur name;

		if (!cur_vec8(&c, &name) || !alpn_is_http(name.p, name.left))
			return false;
		n++;
	}
	if (n == 0)
		return false;
	alpn_list(buf, &f->ch);
	return true;
}

/* How long after the end of the handshake the client's close came, in
 * microseconds, with the client's own turnaround taken out; false when
 * the records to tell are missing or the close was not at once.  TLS 1.3:
 * the client's Finished and its close travel the same way, so they are
 * compared directly.  TLS 1.2: the close answers the server's Finished,
 * and may take the time the client took to answer the server's first
 * flight (the path to it and back, as seen here). */
static bool
gave_up_at_once(const struct judge *j, const struct tls_enc_record *al,
		uint64_t *after_us)
{
	const struct tls_dir_facts *cd = &j->f->dir[TLS_DIR_C2S];
	const struct tls_dir_facts *sd = &j->f->dir[TLS_DIR_S2C];
	uint64_t from, allow = GAVE_UP_AT_ONCE_US;
	unsigned i;

	if (cd->nenc == 0 || al->ts_us < cd->enc[0].ts_us)
		return false;
	if (j->f->tls13) {
		int fin = client_fin13(cd);

		if (fin < 0)
			return false;
		from = cd->enc[fin].ts_us;
	} else {
		const struct tls_enc_record *sfin = NULL;

		for (i = 0; i < sd->nenc && i < TLS_ENC_RECORDS_MAX; i++)
			if (sd->enc[i].type == TLS_CT_HANDSHAKE) {
				sfin = &sd->enc[i];
				break;
			}
		if (sfin == NULL || j->r->server_hello_ts == 0 ||
		    cd->enc[0].ts_us < j->r->server_hello_ts)
			return false;
		from = sfin->ts_us;
		allow += cd->enc[0].ts_us - j->r->server_hello_ts;
	}
	if (al->ts_us < from || al->ts_us - from > allow)
		return false;
	*after_us = al->ts_us - from;
	return true;
}

static bool
r_after_handshake(struct judge *j)
{
	const struct certcheck *cc = j->cc;
	const struct tls_enc_record *al;
	char proto[ESC_MAX], ms[32];
	uint64_t after = 0;

	if (j->r->result != CONN_ESTABLISHED || !chain_visible(cc) ||
	    j->leaf == NULL || (al = client_gave_up(j)) == NULL)
		return false;
	if (cc->host_checked && (cc->host.status == HM_NO_MATCH ||
				 cc->host.status == HM_NO_IDENTIFIERS)) {
		cert_name(j);
	} else if (cc->val.ocsp.status == X509_OCSP_REVOKED) {
		cert_revoked(j);
	} else {
		return false;
	}
	j->out->after_handshake = true;
	/* The generic line of ev_client_alert() is wrong here: replace. */
	if (j->out->nevidence > 0)
		j->out->nevidence--;
	if (negotiated_http(j, proto) && gave_up_at_once(j, al, &after)) {
		snprintf(ms, sizeof(ms), "%" PRIu64 ".%01" PRIu64, after / 1000,
			 after % 1000 / 100);
		j->out->confidence = INFER_CONF_HIGH;
		evidence(j->out,
			 "the handshake completed with ALPN %s, in which the "
			 "client speaks first, then the client closed %s ms "
			 "after the handshake without sending a request: it "
			 "refused the server (clients such as curl check this "
			 "after the handshake)",
			 proto, ms);
		return true;
	}
	j->out->confidence = INFER_CONF_MEDIUM;
	evidence(j->out,
		 "the handshake completed, then the client closed with an "
		 "alert without sending a request (clients that check this "
		 "after the handshake, such as curl, do so; without HTTP "
		 "negotiated by ALPN and an immediate close, a client that "
		 "only probes the certificate cannot be ruled out)");
	return true;
}

/*
 * The rules, in the order they are tried; the first that decides wins.
 * Each comment says why the rule holds and why it sits where it does.
 */
static const struct rule {
	const char *name;
	bool (*fn)(struct judge *);
} rules[] = {
    /* The bytes were not TLS at all: nothing else applies. */
    {"not_tls", r_not_tls},
    /* No ClientHello, only the server's side: nothing to judge. */
    {"one_sided", r_one_sided},
    /* A broken ClientHello explains any refusal that follows it; our
     * parser's finding, not the server's alert, is the evidence. */
    {"hello_malformed", r_hello_malformed},
    /* no_application_protocol(120) means only that (RFC 7301 3.2). */
    {"alpn_alert", r_alpn},
    /* A fatal unrecognized_name(112) means only that (RFC 6066 3). */
    {"sni_alert", r_sni_alert},
    /* protocol_version(70) before a ServerHello means only that (RFC
     * 8446 6.2); the offer says which side is outdated. */
    {"version_alert", r_version_alert},
    /* The server chose a deprecated version and the client refused. */
    {"version_after_sh", r_version_after_sh},
    /* handshake_failure/insufficient_security/internal_error before a
     * ServerHello, most specific first: a deprecated-only offer (RFC
     * 8996 servers refuse it with any of these alerts) ... */
    {"refusal_deprecated", r_refusal_deprecated},
    /* ... what the same server accepted from other clients ... */
    {"refusal_fleet", r_refusal_fleet},
    /* ... no SNI where other clients with SNI succeed ... */
    {"refusal_no_sni", r_refusal_no_sni},
    /* ... an offer with no modern suite (the client is outdated) ... */
    {"refusal_suites", r_refusal_suites},
    /* ... a modern offer lacking what every server must implement. */
    {"refusal_modern", r_refusal_modern},
    /* decode_error/illegal_parameter to a hello we found sound. */
    {"hello_refused", r_hello_refused_decode},
    /* Not a byte of TLS from the server, then it hung up. */
    {"reset", r_reset},
    /* Not a byte from the server, and the client gave up waiting. */
    {"no_response", r_no_response},
    /* The server asked for a certificate and the client had none: the
     * server's alert after the client's flight, with the request (or,
     * in TLS 1.3 without keys, the record sizes) as evidence. */
    {"client_cert", r_client_cert},
    /* The client refused the server's visible chain: the chain's faults
     * and the fleet decide which; the alert only orders them. */
    {"cert_visible", r_cert_visible},
    /* No SNI and a refused certificate: the default certificate. */
    {"cert_no_sni", r_cert_no_sni},
    /* A clean chain refused as expired (or with the generic alert):
     * the client's clock. */
    {"cert_clock", r_cert_clock},
    /* unknown_ca on a chain tlsdiag trusts: the client's store. */
    {"cert_client_store", r_cert_client_store},
    /* TLS 1.3 without keys: an alert naming the fault, or what other
     * connections saw for the name; never unknown_ca alone. */
    {"cert_hidden13", r_cert_hidden13},
    /* A fingerprint that fails everywhere others succeed. */
    {"cohort", r_cohort},
    /* Established, then the client left at once over a visible fault. */
    {"after_handshake", r_after_handshake},
    /* Nothing decided: the facts seen, honestly. */
    {"unknown", r_unknown},
};

/* Warnings for a handshake that completed. */
static void
established_warnings(struct judge *j)
{
	const struct certcheck *cc = j->cc;
	const struct tls_facts *f = j->f;
	const struct issuer_seen *o;
	char nm[ESC_MAX], is[ESC_MAX], hx[TLS_HEX_LEN];
	unsigned why;

	if (chain_visible(cc) && j->leaf != NULL) {
		leaf_name(nm, j->leaf);
		o = other_anchored_issuer(j);
		if (o != NULL && !cc->val.anchored)
			warning(
			    j->out,
			    "possible interception: the "
			    "certificate for %s was issued by \"%s\", while "
			    "%" PRIu32 " other connection(s) got one from "
			    "\"%s\" that chains to the trust store",
			    sni_or_none(j), esc_str(is, j->leaf->issuer), o->n,
			    esc_str(nm, o->name));
		else if (cc->val.status != X509_RES_OK &&
			 j->out->after_handshake)
			/* It completed the handshake but then refused. */
			warning(
			    j->out, "the chain of certificate %s is %s (%s)",
			    nm, x509_code_name((enum x509_code)cc->val.status),
			    x509_code_meaning((enum x509_code)cc->val.status));
		else if (cc->val.status != X509_RES_OK)
			warning(
			    j->out,
			    "the client accepted certificate %s "
			    "although its chain is %s (%s)%s",
			    nm, x509_code_name((enum x509_code)cc->val.status),
			    x509_code_meaning((enum x509_code)cc->val.status),
			    cc->val.status == X509_RES_UNTRUSTED_ROOT ||
				    cc->val.status == X509_RES_SELF_SIGNED
				? ": a private CA the client trusts, or an "
				  "interception proxy"
				: "");
		if (cc->host_checked && cc->host.status != HM_MATCH)
			warning(j->out,
				"certificate %s does not name \"%s\" "
				"(%s)",
				leaf_name(nm, j->leaf), j->sni,
				hm_status_name(cc->host.status));
		if (cc->val.ocsp.status == X509_OCSP_REVOKED)
			warning(j->out, "the server stapled an OCSP response "
					"saying its certificate is revoked");
	}
	if (tls_version_is_weak(f->version))
		warning(j->out, "negotiated %s, deprecated by RFC 8996",
			vname(f->version));
	if (f->sh_seen && tls_cipher_is_weak(f->sh.cipher, &why))
		warning(j->out, "negotiated the weak cipher suite %s",
			tls_name_or_hex(tls_cipher_name(f->sh.cipher),
					f->sh.cipher, hx));
}

void
infer_judge(struct infer *in, const struct conn_result *r,
	    struct infer_cause *out)
{
	struct judge j;
	struct conn_result rj;
	size_t i;
	static const struct tls_facts empty;

	/* A client that closed early is judged as the connection was then
	 * (conn.h: conn_result.judged), not by what the server sent after. */
	if (r->judged != NULL) {
		rj = *r;
		rj.facts = r->judged->facts;
		rj.certs = r->judged->certs;
		rj.server_hello_ts = r->judged->server_hello_ts;
		rj.judged = NULL;
		r = &rj;
	}
	memset(out, 0, sizeof(*out));
	memset(&j, 0, sizeof(j));
	j.in = in;
	j.r = r;
	j.f = r->facts != NULL ? r->facts : &empty;
	j.cc = r->certs;
	j.out = out;
	j.now = (int64_t)((r->outcome_ts != 0 ? r->outcome_ts : r->first_ts) /
			  1000000u);
	if (j.cc != NULL && j.cc->at != 0)
		j.now = j.cc->at;
	j.chain = chain_visible(j.cc);
	j.leaf = j.chain ? j.cc->server.cert[0] : NULL;
	j.has_sni = j.f->ch_seen && j.f->ch.sni_present && j.f->ch.sni_len > 0;
	if (j.has_sni)
		infer_escape(j.sni, sizeof(j.sni), j.f->ch.sni,
			     j.f->ch.sni_len);
	scan_versions(&j);
	scan_alerts(&j);
	learn(&j);

	decide(&j, INFER_NONE, INFER_FIX_NONE, NULL);
	out->confidence = NULL;
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		if (rules[i].fn(&j)) {
			out->rule = rules[i].name;
			break;
		}
	}
	if (r->result == CONN_ESTABLISHED)
		established_warnings(&j);
	in->st.judged++;
	in->st.by_cause[out->cause]++;
	in->st.evidence_dropped += out->evidence_dropped;
}
