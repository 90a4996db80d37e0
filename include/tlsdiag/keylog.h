/* keylog.h -- TLS secrets from NSS key log files (SSLKEYLOGFILE), kept in a
 * bounded store keyed by the ClientHello random.
 *
 * The format (NSS "Key Log Format", also written by OpenSSL, GnuTLS, curl,
 * Go, browsers; draft-ietf-tls-keylogfile): one secret per line,
 *
 *	LABEL <client_random: 64 hex digits> <secret: hex>
 *
 * with '#' comments and blank lines.  Kept: CLIENT_HANDSHAKE_TRAFFIC_SECRET,
 * SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_TRAFFIC_SECRET_0,
 * SERVER_TRAFFIC_SECRET_0, CLIENT_EARLY_TRAFFIC_SECRET (32 or 48 bytes: the
 * TLS 1.3 suites' hash lengths) and CLIENT_RANDOM (the 48-byte TLS <= 1.2
 * master secret).  Recognised and ignored: EXPORTER_SECRET,
 * EARLY_EXPORTER_SECRET (they decrypt nothing), and OpenSSL's
 * CLIENT_TRAFFIC_SECRET_N and SERVER_TRAFFIC_SECRET_N (the secrets after a
 * KeyUpdate, which tls_record derives).  Any other line is malformed:
 * counted by reason (struct keylog_stats), skipped, never fatal.  Fields may
 * be separated by runs of spaces or tabs and lines may end in CRLF (files
 * edited by hand or on Windows); hex digits may be upper or lower case.
 *
 * Files: keylog_open() opens one (before the privilege drop: the process
 * keeps the descriptor) and keylog_poll() reads whatever was appended since
 * the last call, so a file that a client keeps writing during a live
 * capture is followed; an unfinished last line waits for its newline.  A
 * file that became shorter than what was read (truncated, or rewritten in
 * place) is read again from the start; its secrets already stored count as
 * duplicates.  Several files may feed one store.
 *
 * The store: entries keyed by client random in a hash table seeded at init
 * (the keys come from a file, the lookups from packets), at most
 * entries_max of them; each entry and the bucket array are charged to a
 * membudget before allocating.  A refused entry is counted (store_full,
 * mem_refused) and its line dropped.  Entries live until
 * keylog_store_free(), which zeroes the secrets before freeing.
 *
 * It never prints, logs or formats a secret (no debug output of them
 * exists); never reads a file other than those opened with keylog_open();
 * is not thread-safe (one store per worker, or a lock around it).
 */
#ifndef TLSDIAG_KEYLOG_H
#define TLSDIAG_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tlsdiag/mem.h"

/* Entries (client randoms) kept by default.  An entry costs about 350
 * bytes, so 65536 of them stay under 24 MiB: far more connections than a
 * debugging session writes keys for, and a bound if a client logs every
 * connection of a long capture. */
#define KEYLOG_ENTRIES_MAX_DEFAULT 65536u

/* Longest line accepted, newline excluded.  The longest valid line is a
 * 31-character label, 64 hex digits and a 96-digit secret plus separators
 * (under 200); a longer line is malformed, counted and skipped up to its
 * newline without being buffered. */
#define KEYLOG_LINE_MAX 512

/* Largest secret kept: SHA-384 (TLS_AES_256_GCM_SHA384), and the TLS 1.2
 * master secret (48 bytes). */
#define KEYLOG_SECRET_MAX 48

/* Room for any message keylog_open() writes. */
#define KEYLOG_ERR_SIZE 256

/* The kinds of secret kept, by label. */
enum keylog_kind {
	KEYLOG_CLIENT_HANDSHAKE, /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
	KEYLOG_SERVER_HANDSHAKE, /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
	KEYLOG_CLIENT_TRAFFIC_0, /* CLIENT_TRAFFIC_SECRET_0 */
	KEYLOG_SERVER_TRAFFIC_0, /* SERVER_TRAFFIC_SECRET_0 */
	KEYLOG_CLIENT_EARLY,	 /* CLIENT_EARLY_TRAFFIC_SECRET (0-RTT) */
	KEYLOG_MASTER,		 /* CLIENT_RANDOM: TLS <= 1.2 master secret */
	KEYLOG_NKINDS
};

/* Why a line was refused: stable names (stats, metrics).
 * X(id, name, meaning). */
#define KEYLOG_REASONS(X)                                                      \
	X(SYNTAX, "syntax", "not three fields: label, random, secret")         \
	X(UNKNOWN_LABEL, "unknown_label", "a label this reader does not use")  \
	X(RANDOM, "bad_random", "client random not 64 hex digits")             \
	X(SECRET, "bad_secret",                                                \
	  "secret not hex, or not 32/48 bytes (48 for CLIENT_RANDOM)")         \
	X(LINE_TOO_LONG, "line_too_long", "line over KEYLOG_LINE_MAX bytes")   \
	X(CONFLICT, "conflict",                                                \
	  "another secret for a random and label already kept: first kept")    \
	X(STORE_FULL, "store_full", "entries_max client randoms already kept") \
	X(MEM_REFUSED, "mem_refused", "the memory budget refused an entry")

enum keylog_reason {
	KEYLOG_NOT_BAD, /* 0: not a reason */
#define KEYLOG_X_ENUM(id, name, meaning) KEYLOG_BAD_##id,
	KEYLOG_REASONS(KEYLOG_X_ENUM)
#undef KEYLOG_X_ENUM
	    KEYLOG_NREASONS
};

/* What keylog_add_line() did with a line (>= 0), or -(enum
 * keylog_reason) for a refused one. */
#define KEYLOG_STORED 0	   /* a new secret was kept */
#define KEYLOG_DUPLICATE 1 /* the same secret was already kept */
#define KEYLOG_IGNORED 2   /* comment, blank line, exporter secret */

struct keylog_stats {
	uint64_t lines;	     /* lines seen (complete, or over the cap) */
	uint64_t stored;     /* secrets kept */
	uint64_t duplicates; /* lines repeating a kept secret */
	uint64_t ignored;    /* comments, blank lines, exporter secrets */
	uint64_t bad[KEYLOG_NREASONS]; /* refused lines, by reason */
	uint64_t rereads;     /* a file shrank: read again from the start */
	uint64_t read_errors; /* read(2) or fstat(2) failed */
};

/* The secrets known for one client random. */
struct keylog_secrets {
	uint8_t have;		    /* bit (1 << enum keylog_kind) */
	uint8_t len[KEYLOG_NKINDS]; /* bytes of each */
	uint8_t secret[KEYLOG_NKINDS][KEYLOG_SECRET_MAX];
};

static inline bool
keylog_has(const struct keylog_secrets *k, enum keylog_kind kind)
{
	return (k->have >> kind) & 1;
}

struct keylog_entry; /* private to keylog.c */

struct keylog_store {
	struct keylog_stats stats; /* for the consumer to read */
	uint32_t entries;	   /* client randoms kept */

	/* Private. */
	struct keylog_entry **bucket; /* owned; nbuckets, charged */
	uint32_t nbuckets;	      /* 0 or a power of two */
	uint32_t entries_max;
	uint64_t seed;
	struct membudget *mb; /* borrowed */
};

/* One key log file being followed. */
struct keylog_file {
	/* Private. */
	int fd;	       /* owned; -1 when closed */
	off_t off;     /* bytes read so far */
	size_t llen;   /* bytes of the unfinished line held in line[] */
	bool skiplong; /* inside a line over the cap: drop to newline */
	char line[KEYLOG_LINE_MAX];
};

/* Prepare an empty store of at most entries_max client randoms (0: the
 * default); `mb` may be NULL (unlimited, uncounted) and is borrowed for the
 * store's lifetime.  Allocates nothing. */
void keylog_store_init(struct keylog_store *s, uint32_t entries_max,
		       struct membudget *mb);

/* Zero and free every entry, release the charge; the store is empty and
 * may be used again. */
void keylog_store_free(struct keylog_store *s);

/* Parse one line (without its newline; a final '\r' is allowed) of `len`
 * bytes and keep its secret.  Returns KEYLOG_STORED, KEYLOG_DUPLICATE,
 * KEYLOG_IGNORED or -(enum keylog_reason); every outcome is counted in
 * s->stats. */
int keylog_add_line(struct keylog_store *s, const char *line, size_t len);

/* Copy the secrets known for `client_random` into *out; false (and
 * out->have 0) if there are none. */
bool keylog_lookup(const struct keylog_store *s,
		   const uint8_t client_random[32], struct keylog_secrets *out);

/* Open `path` for reading (a regular file; it may be empty and grow later).
 * Reads nothing yet.  0, or -1 with a message naming the file in errbuf. */
int keylog_open(struct keylog_file *f, const char *path, char *errbuf,
		size_t errlen) __attribute__((warn_unused_result));

/* Read what was appended to the file since the last call and add its
 * complete lines to `s`.  Returns the number of secrets newly stored
 * (>= 0), or -1 if reading failed (counted in read_errors; the next call
 * tries again from the same place). */
int keylog_poll(struct keylog_file *f, struct keylog_store *s);

/* Close the file (the store keeps its secrets). */
void keylog_close(struct keylog_file *f);

/* Stable names. */
const char *keylog_reason_name(enum keylog_reason r);
const char *keylog_reason_meaning(enum keylog_reason r);
const char *keylog_kind_label(enum keylog_kind k);

#endif
