/* infer.h -- the inference engine: why a handshake failed, who must fix it,
 * the evidence and the advice; and the fleet knowledge that feeds it.
 *
 * infer reads one `struct conn_result` at a time (the facts of the
 * handshake, the TCP events, the certificates judged at capture time) and
 * fills a `struct infer_cause`: a label of the cause registry
 * (causes.def, the cause table of DESIGN.md), the side that must fix it,
 * a confidence, short evidence lines a person can check in Wireshark, and
 * advice in the spirit of the seed article (upgrade, never downgrade).
 * Established handshakes get the id "none" and, when something is wrong
 * that the client accepted anyway, warnings.
 *
 * Every rule lives in one table in infer.c, each with the reason it holds.
 * Rules combine evidence, never the alert code alone: stacks differ in the
 * alert they send for the same fault (OpenSSL: unknown_ca for self-signed,
 * incomplete and untrusted chains, bad_certificate for not-yet-valid and
 * name mismatch; GnuTLS: bad_certificate for every certificate fault).
 * A wrong label is worse than "unknown", which is given with the facts
 * seen when nothing decides.
 *
 * Fleet knowledge: what this connection teaches is recorded before it is
 * judged, in bounded set-associative tables with time decay (packet time):
 * per server endpoint and name (versions, suites, groups and ALPN accepted,
 * successes with and without SNI), per SNI (certificate issuers and leaf
 * fingerprints presented, and whether they validated), per client address
 * (certificate date rejections across servers; whether its ClientHello
 * gmt_unix_time tracks the capture clock) and per JA4 cohort (failures and
 * successes across servers).  Connections are judged in the order their
 * results arrive, so only connections whose results came earlier teach a
 * later one: within one capture there is no second pass (a connection
 * judged first is never revised when later ones reveal more), and
 * conn_result order is not packet order (a failure waits for the end of
 * its exchange).
 *
 * Ownership: an infer owns its tables (allocated once by infer_new(), never
 * grown, charged to infer_config.mem).  infer_judge() reads the
 * conn_result and everything it points to only during the call and keeps
 * none of it.  Every attacker-chosen string
 * (SNI, ALPN, certificate names and URLs) copied into evidence, advice or
 * warnings is escaped for printing: bytes outside printable ASCII, and the
 * backslash, become \xNN.  It never reads packet bytes, never formats
 * output (the output modules print the struct), never reads the wall clock
 * (all times are packet times) and never fetches a URL it names.
 *
 * Not thread-safe: one infer per worker.
 */
#ifndef TLSDIAG_INFER_H
#define TLSDIAG_INFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tlsdiag/conn.h"

/*
 * Caps of this module, each with its reason.
 */

/* Evidence lines per cause: a decision rests on three to five facts; more
 * would not be read.  Lines past the cap are dropped and counted in
 * infer_cause.evidence_dropped. */
#define INFER_EVIDENCE_MAX 8

/* Characters of one evidence or warning line, NUL included: a fact plus an
 * escaped certificate name cut at INFER_NAME_SHOWN. */
#define INFER_LINE_MAX 320

/* Characters of the advice, NUL included: two or three sentences with a
 * URL or two dates. */
#define INFER_ADVICE_MAX 640

/* Warnings for an established handshake (or beside a cause): an accepted
 * bad certificate, a weak version, a weak suite, interception. */
#define INFER_WARNINGS_MAX 4

/* Characters of an attacker-chosen name shown in a line (before escaping
 * may make it up to four times longer): public CA names stay under 100. */
#define INFER_NAME_SHOWN 120

/* Fleet tables: default entries (each is set-associative in ways of
 * INFER_WAYS; a full set evicts its least recently seen entry, counted in
 * infer_stats).  Sizes: a server entry is about 300 bytes (the last chain
 * it presented, with its issuer's name), a name entry about 800 (issuer
 * names kept for evidence), a client entry about 120, a cohort entry about
 * 100.  The defaults cost about 15 MiB (infer_stats.bytes says exactly)
 * and cover a busy span port's distinct servers, names and clients within
 * the decay time. */
#define INFER_SERVERS_DEFAULT 16384
#define INFER_NAMES_DEFAULT 8192
#define INFER_CLIENTS_DEFAULT 32768
#define INFER_COHORTS_DEFAULT 4096
/* Hard ceiling on any table, so a configuration mistake cannot ask for
 * gigabytes: 1 Mi entries of the largest kind is about 700 MiB. */
#define INFER_TABLE_MAX (1u << 20)
#define INFER_WAYS 4

/* Counts are halved every half-life of packet time, so old behaviour
 * fades (a server upgraded at noon is judged by what it does now); an
 * entry not touched for INFER_TTL_DEFAULT is forgotten. */
#define INFER_HALF_LIFE_DEFAULT 3600u	/* seconds */
#define INFER_TTL_DEFAULT (24u * 3600u) /* seconds */

/* Distinct values remembered per entry: suites and groups a server chose
 * (a server picks one or two per version), issuers seen per name
 * (rotation plus one interceptor), servers per client or cohort (enough to
 * say "across three servers"). */
#define INFER_SUITES_KEPT 8
#define INFER_GROUPS_KEPT 4
#define INFER_ISSUERS_KEPT 4
#define INFER_SERVERS_KEPT 4

/* Characters of an issuer name kept per name entry (NUL included). */
#define INFER_ISSUER_MAX 128

/* The cause registry, from causes.def. */
enum infer_cause_id {
#define INFER_CAUSE(id, label, fix, meaning) INFER_##id,
#include "tlsdiag/causes.def"
#undef INFER_CAUSE
	INFER_NCAUSES
};

const char *infer_cause_label(enum infer_cause_id id);
const char *infer_cause_default_fix(enum infer_cause_id id);
const char *infer_cause_meaning(enum infer_cause_id id);
/* The id of a label, or -1. */
int infer_cause_from_label(const char *label);

/* Fix sides and confidences (static strings). */
#define INFER_FIX_CLIENT "client"
#define INFER_FIX_SERVER "server"
#define INFER_FIX_NETWORK "network"
#define INFER_FIX_UNKNOWN "unknown" /* "unknown" cause, undetermined */
#define INFER_FIX_NONE "none"	    /* "none": nothing to fix */

#define INFER_CONF_HIGH "high"
#define INFER_CONF_MEDIUM "medium"
#define INFER_CONF_LOW "low"

/* The verdict on one connection. */
struct infer_cause {
	enum infer_cause_id cause;
	const char *id;		/* infer_cause_label(cause) */
	const char *fix_side;	/* INFER_FIX_* */
	const char *confidence; /* INFER_CONF_*; NULL for "none" */
	const char *rule;	/* name of the rule that decided (stable,
				   for tests and --debug), or NULL */
	/* The handshake completed but the client gave up right after it
	 * without sending data (clients that check the host name or OCSP
	 * after the handshake): the cause is of this kind. */
	bool after_handshake;
	unsigned nevidence;
	unsigned evidence_dropped;
	char evidence[INFER_EVIDENCE_MAX][INFER_LINE_MAX];
	char advice[INFER_ADVICE_MAX]; /* "" for "none" */
	unsigned nwarnings;
	char warnings[INFER_WARNINGS_MAX][INFER_LINE_MAX];
};

struct infer_config {
	uint32_t max_servers; /* 0: the default; capped at INFER_TABLE_MAX */
	uint32_t max_names;
	uint32_t max_clients;
	uint32_t max_cohorts;
	uint32_t half_life_s; /* 0: the default */
	uint32_t ttl_s;	      /* 0: the default */
	/* The tables' bytes are reserved here (may be NULL); when it has
	 * less room, every table is halved until they fit (counted in
	 * infer_stats.halved). */
	struct membudget *mem;
};

void infer_config_default(struct infer_config *cfg);

struct infer_stats {
	uint64_t judged;
	uint64_t by_cause[INFER_NCAUSES];
	uint64_t evicted_servers, evicted_names, evicted_clients,
	    evicted_cohorts;	   /* live entries pushed out by a full set */
	uint64_t evidence_dropped; /* lines over INFER_EVIDENCE_MAX */
	size_t bytes;		   /* memory of the tables */
	unsigned halved;	   /* times the tables were halved to fit the
				      memory budget */
};

struct infer;

/* A new engine (cfg NULL: the defaults); NULL if memory is short. */
struct infer *infer_new(const struct infer_config *cfg);
void infer_free(struct infer *in);

/* Learn from r, then judge it into *out (filled completely).  With
 * r->judged set, r is taken as it was when the client closed (its facts,
 * certificates and ServerHello time from there). */
void infer_judge(struct infer *in, const struct conn_result *r,
		 struct infer_cause *out);

void infer_get_stats(const struct infer *in, struct infer_stats *st);

/* Escape n attacker-chosen bytes into dst (cap bytes, always
 * NUL-terminated): printable ASCII stays, the backslash and every other
 * byte become \xNN; a cut string ends with "...".  Returns dst. */
char *infer_escape(char *dst, size_t cap, const uint8_t *p, size_t n);

#endif
