/* keylog.c -- NSS key log files (SSLKEYLOGFILE) parsed into a bounded store
 * keyed by client random.
 *
 * Format: the NSS Key Log Format (draft-ietf-tls-keylogfile); labels from
 * RFC 8446 7.1 (TLS 1.3 traffic secrets) and RFC 5246 8.1 (TLS 1.2 master
 * secret).
 *
 * Must never: print, log or format a secret; read outside the line it is
 * given; allocate before the budget agreed; stop on a malformed line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tlsdiag/cur.h"
#include "tlsdiag/keylog.h"

struct keylog_entry {
	struct keylog_entry *next; /* owned: the bucket chain */
	uint8_t random[32];
	struct keylog_secrets k;
};

/* Buckets allocated at the first insertion; the table doubles when it
 * holds as many entries as buckets, so chains stay about one long. */
#define KEYLOG_BUCKETS_MIN 64u

/* Bytes read from a file per read(2). */
#define KEYLOG_CHUNK 4096

/* The labels, with the kind each fills; kind -1: recognised and ignored
 * (exporter secrets decrypt nothing). */
static const struct {
	const char *label;
	int kind;
} labels[] = {
    {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", KEYLOG_CLIENT_HANDSHAKE},
    {"SERVER_HANDSHAKE_TRAFFIC_SECRET", KEYLOG_SERVER_HANDSHAKE},
    {"CLIENT_TRAFFIC_SECRET_0", KEYLOG_CLIENT_TRAFFIC_0},
    {"SERVER_TRAFFIC_SECRET_0", KEYLOG_SERVER_TRAFFIC_0},
    {"CLIENT_EARLY_TRAFFIC_SECRET", KEYLOG_CLIENT_EARLY},
    {"CLIENT_RANDOM", KEYLOG_MASTER},
    {"EXPORTER_SECRET", -1},
    {"EARLY_EXPORTER_SECRET", -1},
    /* OpenSSL 3.0 logs each side's secret after a KeyUpdate under these
     * (no generation number); the record layer derives them itself. */
    {"CLIENT_TRAFFIC_SECRET_N", -1},
    {"SERVER_TRAFFIC_SECRET_N", -1},
};

static const char *const reason_names[] = {"none",
#define X(id, name, meaning) name,
					   KEYLOG_REASONS(X)
#undef X
};

static const char *const reason_meanings[] = {"not a reason",
#define X(id, name, meaning) meaning,
					      KEYLOG_REASONS(X)
#undef X
};

const char *
keylog_reason_name(enum keylog_reason r)
{
	if ((unsigned)r >= KEYLOG_NREASONS)
		return "unknown";
	return reason_names[r];
}

const char *
keylog_reason_meaning(enum keylog_reason r)
{
	if ((unsigned)r >= KEYLOG_NREASONS)
		return "unknown";
	return reason_meanings[r];
}

const char *
keylog_kind_label(enum keylog_kind k)
{
	size_t i;

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (labels[i].kind == (int)k)
			return labels[i].label;
	return "unknown";
}

/* The hash seed: lookups use client randoms chosen by whoever sends a
 * ClientHello, so the bucket of a random must not be predictable. */
static uint64_t
make_seed(void)
{
	uint64_t seed = 0;
	struct timespec ts;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed))
		return seed;
	/* No entropy yet (early boot): the clock and an address still make
	 * the buckets differ between runs. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15u ^
	       (uint64_t)(uintptr_t)&seed ^ (uint64_t)ts.tv_sec;
}

static uint64_t
hash_random(uint64_t seed, const uint8_t r[32])
{
	uint64_t h = seed, w;
	int i, j;

	for (i = 0; i < 32; i += 8) {
		w = 0;
		for (j = 0; j < 8; j++)
			w = w << 8 | r[i + j];
		h ^= w;
		h *= 0x9e3779b97f4a7c15u;
		h ^= h >> 29;
	}
	h *= 0xbf58476d1ce4e5b9u;
	return h ^ (h >> 32);
}

void
keylog_store_init(struct keylog_store *s, uint32_t entries_max,
		  struct membudget *mb)
{
	memset(s, 0, sizeof(*s));
	s->entries_max =
	    entries_max == 0 ? KEYLOG_ENTRIES_MAX_DEFAULT : entries_max;
	s->mb = mb;
	s->seed = make_seed();
}

void
keylog_store_free(struct keylog_store *s)
{
	struct keylog_entry *e, *next;
	uint32_t i;

	for (i = 0; i < s->nbuckets; i++) {
		for (e = s->bucket[i]; e != NULL; e = next) {
			next = e->next;
			explicit_bzero(e, sizeof(*e));
			free(e);
			mem_release(s->mb, sizeof(*e));
		}
	}
	free(s->bucket);
	mem_release(s->mb, (size_t)s->nbuckets * sizeof(*s->bucket));
	s->bucket = NULL;
	s->nbuckets = 0;
	s->entries = 0;
}

static struct keylog_entry *
find(const struct keylog_store *s, const uint8_t random[32])
{
	struct keylog_entry *e;

	if (s->nbuckets == 0)
		return NULL;
	e = s->bucket[hash_random(s->seed, random) & (s->nbuckets - 1)];
	for (; e != NULL; e = e->next)
		if (memcmp(e->random, random, 32) == 0)
			return e;
	return NULL;
}

/* Grow the bucket array to n buckets.  A refusal (budget, malloc) is not
 * an error: chains just get longer. */
static void
rehash(struct keylog_store *s, uint32_t n)
{
	struct keylog_entry **nb, *e, *next;
	uint32_t i;
	uint64_t h;

	if (!mem_reserve(s->mb, (size_t)n * sizeof(*nb)))
		return;
	nb = calloc(n, sizeof(*nb));
	if (nb == NULL) {
		mem_release(s->mb, (size_t)n * sizeof(*nb));
		return;
	}
	for (i = 0; i < s->nbuckets; i++) {
		for (e = s->bucket[i]; e != NULL; e = next) {
			next = e->next;
			h = hash_random(s->seed, e->random) & (n - 1);
			e->next = nb[h];
			nb[h] = e;
		}
	}
	free(s->bucket);
	mem_release(s->mb, (size_t)s->nbuckets * sizeof(*nb));
	s->bucket = nb;
	s->nbuckets = n;
}

/* The entry of `random`, created if needed; NULL with *why set if the cap
 * or the budget refused it. */
static struct keylog_entry *
get_entry(struct keylog_store *s, const uint8_t random[32],
	  enum keylog_reason *why)
{
	struct keylog_entry *e = find(s, random);
	uint64_t h;

	if (e != NULL)
		return e;
	if (s->entries >= s->entries_max) {
		*why = KEYLOG_BAD_STORE_FULL;
		return NULL;
	}
	if (s->nbuckets == 0)
		rehash(s, KEYLOG_BUCKETS_MIN);
	else if (s->entries >= s->nbuckets && s->nbuckets <= UINT32_MAX / 2)
		rehash(s, s->nbuckets * 2);
	if (s->nbuckets == 0 || !mem_reserve(s->mb, sizeof(*e))) {
		*why = KEYLOG_BAD_MEM_REFUSED;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		mem_release(s->mb, sizeof(*e));
		*why = KEYLOG_BAD_MEM_REFUSED;
		return NULL;
	}
	memcpy(e->random, random, 32);
	h = hash_random(s->seed, random) & (s->nbuckets - 1);
	e->next = s->bucket[h];
	s->bucket[h] = e;
	s->entries++;
	return e;
}

static bool
is_blank(uint8_t ch)
{
	return ch == ' ' || ch == '\t';
}

static int
hexval(uint8_t ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* The next field: a run of non-blank bytes, after any blanks. */
static struct cur
field(struct cur *c)
{
	const uint8_t *start;
	size_t n = 0;

	while (c->left > 0 && is_blank(c->p[0]))
		cur_skip(c, 1);
	start = c->p;
	while (n < c->left && !is_blank(start[n]))
		n++;
	cur_skip(c, n);
	return cur_make(start, n);
}

/* Decode a field of hex digits into out (room for max bytes); the number
 * of bytes, or -1 if it is not an even run of hex digits that fits. */
static int
unhex(struct cur f, uint8_t *out, size_t max)
{
	size_t n = 0;
	uint8_t hi, lo;

	if (f.left % 2 != 0 || f.left / 2 > max)
		return -1;
	while (f.left > 0) {
		cur_u8(&f, &hi);
		cur_u8(&f, &lo);
		if (hexval(hi) < 0 || hexval(lo) < 0)
			return -1;
		out[n++] = (uint8_t)(hexval(hi) << 4 | hexval(lo));
	}
	return (int)n;
}

static int
refuse(struct keylog_store *s, enum keylog_reason why)
{
	s->stats.bad[why]++;
	return -(int)why;
}

int
keylog_add_line(struct keylog_store *s, const char *line, size_t len)
{
	struct cur c = cur_make((const uint8_t *)line, len), lab, rnd, sec;
	uint8_t random[32], secret[KEYLOG_SECRET_MAX];
	enum keylog_reason why = KEYLOG_NOT_BAD;
	struct keylog_entry *e;
	int kind = -2, n;
	size_t i;

	s->stats.lines++;
	if (len > KEYLOG_LINE_MAX)
		return refuse(s, KEYLOG_BAD_LINE_TOO_LONG);
	/* CRLF files: the '\r' belongs to the line ending. */
	if (c.left > 0 && c.p[c.left - 1] == '\r')
		c.left--;
	lab = field(&c);
	if (lab.left == 0 || lab.p[0] == '#') {
		s->stats.ignored++;
		return KEYLOG_IGNORED;
	}
	rnd = field(&c);
	sec = field(&c);
	while (c.left > 0 && is_blank(c.p[0]))
		cur_skip(&c, 1); /* trailing blanks */
	if (rnd.left == 0 || sec.left == 0 || c.left != 0)
		return refuse(s, KEYLOG_BAD_SYNTAX);

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		if (strlen(labels[i].label) == lab.left &&
		    memcmp(labels[i].label, lab.p, lab.left) == 0) {
			kind = labels[i].kind;
			break;
		}
	}
	if (kind == -2)
		return refuse(s, KEYLOG_BAD_UNKNOWN_LABEL);
	if (rnd.left != 64 || unhex(rnd, random, sizeof(random)) != 32)
		return refuse(s, KEYLOG_BAD_RANDOM);
	n = unhex(sec, secret, sizeof(secret));
	/* TLS 1.3 traffic secrets are as long as the suite's hash: 32
	 * (SHA-256) or 48 (SHA-384); a master secret is always 48 bytes
	 * (RFC 5246 8.1). */
	if (n < 0 || (kind == KEYLOG_MASTER ? n != 48 : n != 32 && n != 48)) {
		explicit_bzero(secret, sizeof(secret));
		return refuse(s, KEYLOG_BAD_SECRET);
	}
	if (kind < 0) {
		explicit_bzero(secret, sizeof(secret));
		s->stats.ignored++;
		return KEYLOG_IGNORED;
	}

	e = get_entry(s, random, &why);
	if (e == NULL) {
		explicit_bzero(secret, sizeof(secret));
		return refuse(s, why);
	}
	if (keylog_has(&e->k, (enum keylog_kind)kind)) {
		bool same = e->k.len[kind] == n &&
			    memcmp(e->k.secret[kind], secret, (size_t)n) == 0;

		explicit_bzero(secret, sizeof(secret));
		if (!same)
			return refuse(s, KEYLOG_BAD_CONFLICT);
		s->stats.duplicates++;
		return KEYLOG_DUPLICATE;
	}
	memcpy(e->k.secret[kind], secret, (size_t)n);
	explicit_bzero(secret, sizeof(secret));
	e->k.len[kind] = (uint8_t)n;
	e->k.have |= (uint8_t)(1u << kind);
	s->stats.stored++;
	return KEYLOG_STORED;
}

bool
keylog_lookup(const struct keylog_store *s, const uint8_t client_random[32],
	      struct keylog_secrets *out)
{
	const struct keylog_entry *e = find(s, client_random);

	if (e == NULL) {
		memset(out, 0, sizeof(*out));
		return false;
	}
	*out = e->k;
	return true;
}

int
keylog_open(struct keylog_file *f, const char *path, char *errbuf,
	    size_t errlen)
{
	struct stat st;
	int fd;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	/* O_NONBLOCK: opening a FIFO must not hang waiting for a writer;
	 * it is refused below anyway, as a FIFO cannot be re-read. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(errbuf, errlen, "keylog file '%s': %s", path,
			 strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(errbuf, errlen, "keylog file '%s': %s", path,
			 strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(errbuf, errlen, "keylog file '%s': not a regular file",
			 path);
		close(fd);
		return -1;
	}
	f->fd = fd;
	return 0;
}

/* Add the bytes of one read to the line being assembled; complete lines go
 * to the store.  Returns the number of secrets stored. */
static int
feed(struct keylog_file *f, struct keylog_store *s, const char *p, size_t n)
{
	const char *nl;
	size_t take;
	int stored = 0;

	while (n > 0) {
		nl = memchr(p, '\n', n);
		take = nl != NULL ? (size_t)(nl - p) : n;
		if (f->skiplong) {
			/* Counted when the cap was crossed; drop the rest. */
		} else if (take > sizeof(f->line) - f->llen) {
			f->skiplong = true;
			f->llen = 0;
			s->stats.lines++;
			(void)refuse(s, KEYLOG_BAD_LINE_TOO_LONG);
		} else {
			memcpy(f->line + f->llen, p, take);
			f->llen += take;
		}
		if (nl == NULL)
			break;
		if (!f->skiplong &&
		    keylog_add_line(s, f->line, f->llen) == KEYLOG_STORED)
			stored++;
		f->skiplong = false;
		f->llen = 0;
		p += take + 1;
		n -= take + 1;
	}
	return stored;
}

int
keylog_poll(struct keylog_file *f, struct keylog_store *s)
{
	char buf[KEYLOG_CHUNK];
	struct stat st;
	ssize_t r;
	int stored = 0;

	if (f->fd < 0)
		return -1;
	if (fstat(f->fd, &st) != 0) {
		s->stats.read_errors++;
		return -1;
	}
	/* Shorter than what was read: truncated or rewritten.  Read it
	 * again from the start; the unfinished line belonged to the old
	 * content.  XXX: a file truncated and then grown past the old size
	 * between two polls is not noticed (no size shrink is seen). */
	if (st.st_size < f->off) {
		f->off = 0;
		f->llen = 0;
		f->skiplong = false;
		s->stats.rereads++;
	}
	for (;;) {
		r = pread(f->fd, buf, sizeof(buf), f->off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			s->stats.read_errors++;
			return -1;
		}
		if (r == 0)
			break;
		f->off += r;
		stored += feed(f, s, buf, (size_t)r);
	}
	explicit_bzero(buf, sizeof(buf));
	return stored;
}

void
keylog_close(struct keylog_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	explicit_bzero(f->line, sizeof(f->line));
	f->llen = 0;
}
