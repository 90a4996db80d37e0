/* tls_record.c -- TLS record framing and handshake message assembly.
 *
 * Implements the record layer of RFC 8446 5.1 and RFC 5246 6.2 (framing,
 * length limits, content types), handshake message fragmentation and
 * coalescing (RFC 8446 5.1, RFC 5246 6.2.1), alerts (RFC 8446 6, RFC 5246
 * 7.2), ChangeCipherSpec (RFC 5246 7.1, RFC 8446 D.4) and the SSLv2 record
 * header of an SSLv2-compatible ClientHello (RFC 5246 E.2); with a key
 * source, the reading of protected records (RFC 8446 5.2 and 7, RFC 5246
 * 6.2.3.3) through tlsdec.
 *
 * It must never read outside the chunk it is fed (every read goes through
 * the cursor), never allocate before the membudget agreed nor beyond the
 * declared length of the message being assembled, and never resume parsing
 * a direction whose framing it lost; never let a secret, key or decrypted
 * byte out except into the facts' decoders.
 */
#include "tlsdiag/tls_record.h"

#include <stdlib.h>
#include <string.h>

/* IANA values used here (tls_names.h has the full registries; this module
 * does not depend on it). */
enum {
	CT_CHANGE_CIPHER_SPEC = 20, /* RFC 8446 5.1 */
	CT_ALERT = 21,
	CT_HANDSHAKE = 22,
	CT_APPLICATION_DATA = 23,
	CT_HEARTBEAT = 24, /* RFC 6520 */
};

enum rmode {
	RM_DETECT,  /* first bytes: tls_detect decides */
	RM_SSLV2,   /* inside the SSLv2-compatible ClientHello */
	RM_RECORDS, /* TLS records */
	RM_PLAIN,   /* not TLS yet: watching for TLS to start (STARTTLS) */
	RM_STOPPED  /* framing lost or not TLS: bytes are only counted */
};

/* How the body of the current record is read. */
enum rclass {
	RC_OPAQUE, /* not parsed: encrypted, application data, heartbeat */
	RC_CCS,
	RC_ALERT,
	RC_HS,
	RC_DEC /* protected, and keys are known: buffered, then opened */
};

/* Decryption state of a direction (tls_rdir.dec_epoch). */
enum dec_epoch {
	DEC_NONE,    /* no keys yet */
	DEC_PENDING, /* TLS 1.2: keys ready, used from its CCS on */
	DEC_HS,	     /* TLS 1.3 handshake traffic keys */
	DEC_APP,     /* after the handshake: dec_app_left more records */
	DEC_OFF	     /* no keys, or they failed: sizes only */
};

/* The first allocation of a handshake buffer; it then doubles, never past
 * the declared length.  Most hellos fit the first one. */
#define HS_BUF_FIRST 1024u

/* hs_msg_max is never below this: a ClientHello padded to any size a
 * stack emits, and a ServerHello, must always be decodable. */
#define HS_MSG_MAX_FLOOR (65536u + 4u)

void
tls_limits_default(struct tls_limits *lim)
{
	lim->hs_msg_max = TLS_HS_MSG_MAX_DEFAULT;
}

void
tls_conn_init(struct tls_conn *c, const struct tls_limits *lim,
	      struct membudget *mb)
{
	memset(c, 0, sizeof(*c));
	tls_facts_init(&c->facts);
	c->hs_msg_max = lim != NULL ? lim->hs_msg_max : TLS_HS_MSG_MAX_DEFAULT;
	if (c->hs_msg_max < HS_MSG_MAX_FLOOR)
		c->hs_msg_max = HS_MSG_MAX_FLOOR;
	c->mb = mb;
	c->rd[0].mode = RM_DETECT;
	c->rd[1].mode = RM_DETECT;
}

/* Zero memory that held secrets or decrypted bytes, in a way the compiler
 * may not drop as a dead store. */
static void
wipe(void *p, size_t n)
{
	volatile uint8_t *v = p;

	while (n-- > 0)
		*v++ = 0;
}

void
tls_conn_set_keys(struct tls_conn *c, tls_keys_fn fn, void *arg)
{
	c->keys = fn;
	c->keys_arg = arg;
}

/* Stop decrypting a direction: forget its keys and its record buffer. */
static void
dec_off(struct tls_conn *c, struct tls_rdir *d)
{
	tlsdec_dir_wipe(&d->dec);
	if (d->rec_buf != NULL) {
		wipe(d->rec_buf, d->rec_alloc);
		free(d->rec_buf);
		mem_release(c->mb, d->rec_alloc);
	}
	d->rec_buf = NULL;
	d->rec_alloc = 0;
	d->rec_have = 0;
	d->dec_epoch = DEC_OFF;
}

/* Is the secret of `kind` known?  Asks the key source again while it is
 * not, at most TLS_KEYS_TRIES times per connection. */
static bool
keys_have(struct tls_conn *c, enum keylog_kind kind)
{
	const struct tls_facts *f = &c->facts;

	if (keylog_has(&c->sec, kind))
		return true;
	if (c->keys == NULL || !f->ch_seen || f->ch.sslv2 || f->ch.skipped ||
	    c->keys_tries >= TLS_KEYS_TRIES)
		return false;
	c->keys_tries++;
	if (c->keys(c->keys_arg, f->ch.random, &c->sec))
		c->facts.keys_found = true;
	return keylog_has(&c->sec, kind);
}

/* TLS 1.2: derive both directions' keys once the ServerHello and the
 * master secret are known; each is used from its own CCS on. */
static void
tls12_keys(struct tls_conn *c)
{
	const struct tls_facts *f = &c->facts;
	const struct tlsdec_suite *su;
	struct tls_rdir *cd, *sd;

	if (c->keys == NULL || f->tls13 || !f->sh_seen || f->sh.skipped ||
	    f->server_dir < 0 || tls_msg_version_is_13(f->version))
		return;
	sd = &c->rd[f->server_dir];
	cd = &c->rd[1 - f->server_dir];
	if (cd->dec_epoch != DEC_NONE || sd->dec_epoch != DEC_NONE)
		return;
	su = tlsdec_suite_find(f->sh.cipher);
	if (su == NULL || su->version != 12 || !keys_have(c, KEYLOG_MASTER))
		return;
	if (tlsdec_tls12_init(&cd->dec, &sd->dec, f->sh.cipher, f->version,
			      f->sh.etm, c->sec.secret[KEYLOG_MASTER],
			      c->sec.len[KEYLOG_MASTER], f->ch.random,
			      f->sh.random) != TLSDEC_OK)
		return;
	cd->dec_epoch = DEC_PENDING;
	sd->dec_epoch = DEC_PENDING;
}

/* TLS 1.3: start an epoch of direction `dir` with the secret of `kind`;
 * false (direction off) without it. */
static bool
tls13_epoch(struct tls_conn *c, int dir, enum keylog_kind kind,
	    enum dec_epoch ep)
{
	struct tls_rdir *d = &c->rd[dir];

	if (!keys_have(c, kind) ||
	    tlsdec_dir_init(&d->dec, c->facts.sh.cipher, c->sec.secret[kind],
			    c->sec.len[kind]) != TLSDEC_OK) {
		dec_off(c, d);
		return false;
	}
	d->dec_epoch = (uint8_t)ep;
	d->dec_fin = false;
	if (ep == DEC_APP)
		d->dec_app_left = TLS_DEC_APP_RECORDS;
	return true;
}

/* TLS 1.3 KeyUpdate (RFC 8446 7.2): the sender's next application traffic
 * secret is HKDF-Expand-Label(current, "traffic upd", "", Hash.length); it
 * replaces the current one in c->sec, and the direction's keys are derived
 * from it with the sequence number back to 0.  The records still to open
 * after the handshake are not reset.  False (direction off) if it fails. */
static bool
tls13_key_update(struct tls_conn *c, int dir)
{
	struct tls_rdir *d = &c->rd[dir];
	enum keylog_kind kind = dir == c->facts.server_dir
				    ? KEYLOG_SERVER_TRAFFIC_0
				    : KEYLOG_CLIENT_TRAFFIC_0;
	const struct tlsdec_suite *su = tlsdec_suite_find(c->facts.sh.cipher);
	uint8_t next[TLSDEC_SECRET_MAX];
	size_t n = c->sec.len[kind];
	bool ok;

	d->dec_ku = false;
	ok = su != NULL && su->version == 13 && keylog_has(&c->sec, kind) &&
	     n == tlsdec_hash_len((enum tlsdec_hash)su->hash) &&
	     n <= sizeof(next) &&
	     tlsdec_hkdf_expand_label((enum tlsdec_hash)su->hash,
				      c->sec.secret[kind], n, "traffic upd",
				      NULL, 0, next, n) == TLSDEC_OK &&
	     tlsdec_dir_init(&d->dec, c->facts.sh.cipher, next, n) == TLSDEC_OK;
	if (ok)
		memcpy(c->sec.secret[kind], next, n);
	else
		dec_off(c, d);
	wipe(next, sizeof(next));
	return ok;
}

/* Are this record's keys at hand (a protected record of content `type`)?
 * Moves the direction to its next epoch when the last one ended. */
static bool
dec_ready(struct tls_conn *c, int dir, uint8_t type)
{
	struct tls_rdir *d = &c->rd[dir];
	const struct tls_facts *f = &c->facts;
	bool server = dir == f->server_dir;

	if (c->keys == NULL || d->dec_epoch == DEC_OFF)
		return false;
	if (!f->tls13) {
		if (d->dec_epoch == DEC_APP && d->dec_app_left == 0) {
			dec_off(c, d);
			return false;
		}
		return d->ccs_enc && d->dec_epoch == DEC_APP;
	}
	if (type != CT_APPLICATION_DATA || f->sh.skipped)
		return false;
	if (d->dec_epoch == DEC_NONE)
		return tls13_epoch(c, dir,
				   server ? KEYLOG_SERVER_HANDSHAKE
					  : KEYLOG_CLIENT_HANDSHAKE,
				   DEC_HS);
	if (d->dec_epoch == DEC_HS && d->dec_fin)
		return tls13_epoch(c, dir,
				   server ? KEYLOG_SERVER_TRAFFIC_0
					  : KEYLOG_CLIENT_TRAFFIC_0,
				   DEC_APP);
	if (d->dec_epoch == DEC_APP && d->dec_app_left == 0) {
		dec_off(c, d);
		return false;
	}
	if (d->dec_epoch == DEC_APP && d->dec_ku)
		return tls13_key_update(c, dir);
	return d->dec_epoch == DEC_HS || d->dec_epoch == DEC_APP;
}

/* Room for a whole record of `len` bytes, charged first. */
static bool
rec_grow(struct tls_conn *c, struct tls_rdir *d, uint32_t len)
{
	uint8_t *p;

	if (len <= d->rec_alloc)
		return true;
	if (!mem_reserve(c->mb, len - d->rec_alloc))
		return false;
	p = malloc(len);
	if (p == NULL) {
		mem_release(c->mb, len - d->rec_alloc);
		return false;
	}
	if (d->rec_buf != NULL) {
		wipe(d->rec_buf, d->rec_alloc);
		free(d->rec_buf);
	}
	d->rec_buf = p;
	d->rec_alloc = len;
	return true;
}

static void
hs_buf_free(struct tls_conn *c, struct tls_rdir *d)
{
	if (d->hs_buf != NULL) {
		free(d->hs_buf);
		mem_release(c->mb, d->hs_alloc);
	}
	d->hs_buf = NULL;
	d->hs_alloc = 0;
}

/* Forget the handshake message in progress. */
static void
hs_reset(struct tls_conn *c, struct tls_rdir *d)
{
	hs_buf_free(c, d);
	d->hsh_len = 0;
	d->hs_type = 0;
	d->hs_keep = false;
	d->hs_skipped = false;
	d->hs_len = 0;
	d->hs_have = 0;
}

/* Make room for `need` body bytes, charging the budget first.  The size
 * doubles from HS_BUF_FIRST and is clamped to the declared length, so once
 * the message is complete hs_alloc == hs_len exactly. */
static bool
hs_grow(struct tls_conn *c, struct tls_rdir *d, uint32_t need)
{
	uint64_t size;
	uint8_t *p;

	if (need <= d->hs_alloc)
		return true;
	size = d->hs_alloc != 0 ? (uint64_t)d->hs_alloc * 2 : HS_BUF_FIRST;
	if (size < need)
		size = need;
	if (size > d->hs_len)
		size = d->hs_len;
	if (!mem_reserve(c->mb, (size_t)(size - d->hs_alloc)))
		return false;
	p = realloc(d->hs_buf, (size_t)size);
	if (p == NULL) {
		mem_release(c->mb, (size_t)(size - d->hs_alloc));
		return false;
	}
	d->hs_buf = p;
	d->hs_alloc = (uint32_t)size;
	return true;
}

/* The budget (or malloc) said no: the message is skipped, framing goes
 * on. */
static void
hs_refuse(struct tls_conn *c, struct tls_rdir *d)
{
	tls_facts_anomaly(&c->facts, TLS_ANOM_HS_MEM_REFUSED);
	hs_buf_free(c, d);
	d->hs_keep = false;
	d->hs_skipped = true;
}

/* Stop parsing a direction: drop what it held half-read. */
static void
dir_halt(struct tls_conn *c, struct tls_rdir *d)
{
	d->mode = RM_STOPPED;
	hs_reset(c, d);
	if (d->dec_epoch != DEC_NONE)
		dec_off(c, d);
	d->hdr_len = 0;
	d->al_len = 0;
	d->pre_len = 0;
}

static void
dir_stop(struct tls_conn *c, int dir, enum tls_stop why, uint64_t ts_us)
{
	dir_halt(c, &c->rd[dir]);
	tls_msg_stop(&c->facts, dir, why, ts_us);
}

/* The 4-byte handshake header is complete (RFC 8446 4). */
static void
hs_start(struct tls_conn *c, struct tls_rdir *d)
{
	struct cur h = cur_make(d->hsh, sizeof(d->hsh));

	(void)cur_u8(&h, &d->hs_type);
	(void)cur_u24(&h, &d->hs_len);
	d->hs_have = 0;
	d->hs_keep = false;
	d->hs_skipped = false;
	if (d->hs_len > c->hs_msg_max) {
		/* Never allocated: the body is skipped as it streams by. */
		tls_facts_anomaly(&c->facts, TLS_ANOM_HS_MSG_TOO_LONG);
		d->hs_skipped = true;
	} else if (d->hs_len > 0 && tls_msg_wants_body(d->hs_type)) {
		d->hs_keep = true;
	}
}

static void
hs_finish(struct tls_conn *c, int dir, uint64_t ts_us)
{
	struct tls_rdir *d = &c->rd[dir];
	bool sh_before = c->facts.sh_seen;

	tls_msg_handshake(&c->facts, c->mb, dir, d->hs_type,
			  d->hs_keep ? &d->hs_buf : NULL, d->hs_len,
			  d->hs_skipped, ts_us);
	if (d->hs_buf == NULL)
		d->hs_alloc = 0; /* adopted by the facts, with its charge */
	/* RFC 8446 4.4.4: the Finished is the last message under the
	 * handshake keys; the sender's next record uses its application
	 * traffic secret. */
	if (c->facts.decrypting && d->hs_type == 20 && d->dec_epoch == DEC_HS)
		d->dec_fin = true;
	/* RFC 8446 4.6.3: after a KeyUpdate the sender's next record is
	 * under its next application traffic secret.  A type-24 message
	 * anywhere else (TLS 1.2, or under the handshake keys) ends the
	 * direction's decryption. */
	if (c->facts.decrypting && d->hs_type == 24) {
		if (c->facts.tls13 && d->dec_epoch == DEC_APP)
			d->dec_ku = true;
		else
			d->dec_app_left = 0;
	}
	hs_reset(c, d);
	if (!sh_before && c->facts.sh_seen && c->keys != NULL) {
		/* The ServerHello (not an HRR): its client random's secrets
		 * are looked up now. */
		if (c->facts.tls13)
			(void)keys_have(c, KEYLOG_SERVER_HANDSHAKE);
		else
			tls12_keys(c);
	}
}

/* Handshake bytes of one record: headers and bodies, any number of
 * messages, any fragment of one. */
static void
hs_bytes(struct tls_conn *c, int dir, struct cur *b, uint64_t ts_us)
{
	struct tls_rdir *d = &c->rd[dir];
	size_t take;

	while (b->left > 0) {
		if (d->hsh_len < sizeof(d->hsh)) {
			take = sizeof(d->hsh) - d->hsh_len;
			if (take > b->left)
				take = b->left;
			(void)cur_bytes(b, take, d->hsh + d->hsh_len);
			d->hsh_len = (uint8_t)(d->hsh_len + take);
			if (d->hsh_len < sizeof(d->hsh))
				return;
			hs_start(c, d);
		} else {
			take = d->hs_len - d->hs_have;
			if (take > b->left)
				take = b->left;
			if (d->hs_keep &&
			    !hs_grow(c, d, d->hs_have + (uint32_t)take))
				hs_refuse(c, d);
			if (d->hs_keep)
				(void)cur_bytes(b, take,
						d->hs_buf + d->hs_have);
			else
				(void)cur_skip(b, take);
			d->hs_have += (uint32_t)take;
		}
		if (d->hs_have == d->hs_len)
			hs_finish(c, dir, ts_us);
	}
}

/* Plaintext alert bytes: two per alert, several per record, and an alert
 * split over two records is joined (RFC 5246 6.2.1 allows it). */
static void
alert_bytes(struct tls_conn *c, int dir, struct cur *b, uint64_t ts_us)
{
	struct tls_rdir *d = &c->rd[dir];

	while (b->left > 0) {
		(void)cur_u8(b, &d->al[d->al_len++]);
		if (d->al_len == 2) {
			tls_msg_alert(&c->facts, dir, d->al[0], d->al[1],
				      d->rlen, ts_us);
			d->al_len = 0;
		}
	}
}

/* RFC 8446 D.4: the ChangeCipherSpec that changes no keys.  With TLS 1.3
 * negotiated (ServerHello or HRR) every CCS is one.  Before any
 * ServerHello, a client cannot be sending a TLS <= 1.2 CCS (it needs the
 * server's parameters first), so a CCS from the client side while the
 * server has sent nothing (not even bytes the capture lost) is the one sent
 * right after a ClientHello. */
static bool
ccs_is_compat(const struct tls_conn *c, int dir)
{
	const struct tls_facts *f = &c->facts;

	if (tls_msg_version_is_13(f->version))
		return true;
	/* A ClientKeyExchange before it makes it a TLS <= 1.2 CCS, even when
	 * the server's flight was lost before the capture saw it. */
	if (f->dir[dir].hs_mask & (1u << 16))
		return false;
	return !f->sh_seen && !f->hrr_seen && dir != f->server_dir &&
	       f->dir[1 - dir].bytes == 0 && f->dir[1 - dir].gap_bytes == 0;
}

/* A TLS <= 1.2 ChangeCipherSpec of `dir`: its protected records start. */
static void
ccs_keys_change(struct tls_conn *c, int dir)
{
	struct tls_rdir *d = &c->rd[dir];

	d->ccs_enc = true;
	d->ccs_guess = false;
	tls12_keys(c);
	if (d->dec_epoch == DEC_PENDING) {
		d->dec_epoch = DEC_APP;
		d->dec_app_left = TLS_DEC_APP_RECORDS + 1;
	}
	/* RFC 8446 5.1: a message must not span a key change; its rest
	 * would be encrypted anyway. */
	if (d->hsh_len > 0) {
		tls_facts_anomaly(&c->facts, TLS_ANOM_HS_CUT_BY_CCS);
		hs_reset(c, d);
	}
}

/* A client CCS judged compat only because the server had sent nothing
 * (ccs_is_compat()) is followed by a handshake record while the server
 * still has sent nothing.  A TLS 1.3 client's next plaintext handshake
 * message could only be a second ClientHello, which answers a
 * HelloRetryRequest the server has not sent; so this is a TLS <= 1.2
 * client's encrypted Finished (an abbreviated handshake whose server
 * flight the capture does not hold), and the CCS did change keys. */
static bool
ccs_guess_wrong(const struct tls_conn *c, int dir, uint8_t type)
{
	const struct tls_facts *f = &c->facts;

	return c->rd[dir].ccs_guess && type == CT_HANDSHAKE &&
	       !f->sh_seen && !f->hrr_seen && f->dir[1 - dir].bytes == 0 &&
	       f->dir[1 - dir].gap_bytes == 0;
}

/* A protected record is whole in rec_buf: open it and read its content
 * like plaintext, or fall back to its size. */
static void
dec_record(struct tls_conn *c, int dir, uint64_t ts_us)
{
	struct tls_rdir *d = &c->rd[dir];
	struct tls_facts *f = &c->facts;
	struct cur b;
	size_t outlen = 0;
	uint8_t inner = 0;
	int rc;

	rc = tlsdec_record(&d->dec, d->hdr, d->rec_buf, d->rlen, d->rec_buf,
			   &outlen, &inner);
	d->rec_have = 0;
	if (rc != TLSDEC_OK || inner == 0) {
		if (f->dec_failed[dir] < UINT32_MAX)
			f->dec_failed[dir]++;
		tls_facts_anomaly(f, TLS_ANOM_DECRYPT_FAILED);
		/* A client's first records under its handshake keys may be
		 * 0-RTT data the server refused (RFC 8446 4.2.10): they were
		 * written with other keys, so try the next one.  Anything
		 * else means the keys or the stream are wrong. */
		if (!(rc == TLSDEC_E_AUTH && d->dec_epoch == DEC_HS &&
		      dir != f->server_dir && f->ch.early_data &&
		      d->dec.records_ok == 0)) {
			dec_off(c, d);
			hs_reset(c, d);
			d->al_len = 0;
		}
		tls_msg_record(f, dir, d->rtype, d->rlen, ts_us);
		return;
	}
	if (d->dec_epoch == DEC_APP && d->dec_app_left > 0)
		d->dec_app_left--;
	tls_msg_dec_record(f, dir, d->rtype, inner, d->rlen, ts_us);
	b = cur_make(d->rec_buf, outlen);
	f->decrypting = true;
	switch (inner) {
	case CT_HANDSHAKE:
		hs_bytes(c, dir, &b, ts_us);
		break;
	case CT_ALERT:
		alert_bytes(c, dir, &b, ts_us);
		if (d->al_len != 0) {
			/* RFC 8446 5.1: alerts never span records. */
			tls_facts_anomaly(f, TLS_ANOM_MALFORMED_ALERT);
			d->al_len = 0;
		}
		break;
	default:
		/* Application data (and, against RFC 8446 5, anything
		 * else) is not read. */
		break;
	}
	f->decrypting = false;
	if (outlen > 0)
		wipe(d->rec_buf, outlen);
}

/* The current record has all its bytes. */
static void
rec_done(struct tls_conn *c, int dir, uint64_t ts_us)
{
	struct tls_rdir *d = &c->rd[dir];
	bool compat;

	switch (d->rclass) {
	case RC_OPAQUE:
		tls_msg_record(&c->facts, dir, d->rtype, d->rlen, ts_us);
		break;
	case RC_CCS:
		if (d->rlen == 0)
			break;
		/* RFC 5246 7.1: one byte, of value 1. */
		if (d->rlen != 1 || d->ccs_bad)
			tls_facts_anomaly(&c->facts, TLS_ANOM_MALFORMED_CCS);
		compat = ccs_is_compat(c, dir);
		d->ccs_guess = compat &&
			       !tls_msg_version_is_13(c->facts.version);
		tls_msg_ccs(&c->facts, dir, compat, d->rlen, ts_us);
		if (!compat)
			ccs_keys_change(c, dir);
		break;
	case RC_DEC:
		dec_record(c, dir, ts_us);
		break;
	case RC_ALERT:
	case RC_HS:
		break;
	}
	d->hdr_len = 0;
}

/* The 5-byte record header is complete (RFC 8446 5.1). */
static void
rec_header(struct tls_conn *c, int dir, uint64_t ts_us)
{
	struct tls_rdir *d = &c->rd[dir];
	struct tls_dir_facts *df = &c->facts.dir[dir];
	struct cur h = cur_make(d->hdr, sizeof(d->hdr));
	uint16_t version, len;
	uint8_t type;
	bool unreadable;

	(void)cur_u8(&h, &type);
	(void)cur_u16(&h, &version);
	(void)cur_u16(&h, &len);
	if (df->records == 0)
		df->first_record_version = version;
	df->records++;
	if (type < CT_CHANGE_CIPHER_SPEC || type > CT_HEARTBEAT) {
		dir_stop(c, dir, TLS_STOP_RECORD_BAD_TYPE, ts_us);
		return;
	}
	if ((version >> 8) != 3) {
		dir_stop(c, dir, TLS_STOP_RECORD_BAD_VERSION, ts_us);
		return;
	}
	if (len > TLS_RECORD_MAX) {
		dir_stop(c, dir, TLS_STOP_RECORD_TOO_LONG, ts_us);
		return;
	}
	d->rtype = type;
	d->rlen = len;
	d->rleft = len;
	d->ccs_bad = false;

	if (ccs_guess_wrong(c, dir, type)) {
		tls_msg_ccs_rekeyed(&c->facts, dir);
		ccs_keys_change(c, dir);
	}
	/* TLS 1.3 records are encrypted as content type 23 (RFC 8446 5.2),
	 * so with 1.3 negotiated only type 23 is unreadable; before 1.3,
	 * everything after this direction's CCS is. */
	unreadable = d->ccs_enc && !c->facts.tls13;
	switch (type) {
	case CT_CHANGE_CIPHER_SPEC:
		d->rclass = RC_CCS;
		break;
	case CT_ALERT:
		d->rclass = unreadable ? RC_OPAQUE : RC_ALERT;
		break;
	case CT_HANDSHAKE:
		d->rclass = unreadable ? RC_OPAQUE : RC_HS;
		break;
	default:
		d->rclass = RC_OPAQUE;
		break;
	}
	if (d->rclass == RC_OPAQUE && type != CT_HEARTBEAT &&
	    d->dec_epoch != DEC_OFF && c->keys != NULL &&
	    (unreadable || type == CT_APPLICATION_DATA) &&
	    dec_ready(c, dir, type)) {
		if (len > 0 && rec_grow(c, d, len)) {
			d->rclass = RC_DEC;
			d->rec_have = 0;
		} else {
			/* No room (or an empty record, which cannot
			 * authenticate): the sequence is lost. */
			if (len > 0)
				tls_facts_anomaly(&c->facts,
						  TLS_ANOM_HS_MEM_REFUSED);
			else
				tls_facts_anomaly(&c->facts,
						  TLS_ANOM_DECRYPT_FAILED);
			dec_off(c, d);
		}
	}
	if (d->hsh_len > 0 && d->rclass != RC_HS && d->rclass != RC_DEC &&
	    type != CT_HEARTBEAT)
		tls_facts_anomaly(&c->facts, TLS_ANOM_HS_INTERLEAVED);
	if (d->al_len > 0 && d->rclass != RC_ALERT && d->rclass != RC_DEC) {
		tls_facts_anomaly(&c->facts, TLS_ANOM_MALFORMED_ALERT);
		d->al_len = 0;
	}
	/* RFC 5246 6.2.1: no empty handshake, alert or CCS fragments. */
	if (len == 0 && type != CT_APPLICATION_DATA)
		tls_facts_anomaly(&c->facts, TLS_ANOM_RECORD_EMPTY);
	if (len == 0)
		rec_done(c, dir, ts_us);
}

static void
rec_body(struct tls_conn *c, int dir, struct cur *in, uint64_t ts_us)
{
	struct tls_rdir *d = &c->rd[dir];
	struct cur b;
	size_t take = d->rleft;
	uint8_t v;

	if (take > in->left)
		take = in->left;
	(void)cur_sub(in, take, &b);
	d->rleft = (uint16_t)(d->rleft - take);
	switch (d->rclass) {
	case RC_OPAQUE:
		break;
	case RC_DEC:
		(void)cur_bytes(&b, take, d->rec_buf + d->rec_have);
		d->rec_have = (uint16_t)(d->rec_have + take);
		break;
	case RC_CCS:
		while (b.left > 0 && cur_u8(&b, &v))
			if (v != 1)
				d->ccs_bad = true;
		break;
	case RC_ALERT:
		alert_bytes(c, dir, &b, ts_us);
		break;
	case RC_HS:
		hs_bytes(c, dir, &b, ts_us);
		break;
	}
	if (d->rleft == 0 && d->mode == RM_RECORDS)
		rec_done(c, dir, ts_us);
}

static void
records_step(struct tls_conn *c, int dir, struct cur *in, uint64_t ts_us)
{
	struct tls_rdir *d = &c->rd[dir];
	size_t take;

	if (d->hdr_len < sizeof(d->hdr)) {
		take = sizeof(d->hdr) - d->hdr_len;
		if (take > in->left)
			take = in->left;
		(void)cur_bytes(in, take, d->hdr + d->hdr_len);
		d->hdr_len = (uint8_t)(d->hdr_len + take);
		if (d->hdr_len == sizeof(d->hdr))
			rec_header(c, dir, ts_us);
		return;
	}
	rec_body(c, dir, in, ts_us);
}

/* RFC 5246 E.2: a 2-byte header with the high bit set, then the
 * CLIENT-HELLO (at most 0x7fff bytes, under any hs_msg_max). */
static void
sslv2_step(struct tls_conn *c, int dir, struct cur *in, uint64_t ts_us)
{
	struct tls_rdir *d = &c->rd[dir];
	size_t take;

	if (d->hdr_len < 2) {
		take = 2 - d->hdr_len;
		if (take > in->left)
			take = in->left;
		(void)cur_bytes(in, take, d->hdr + d->hdr_len);
		d->hdr_len = (uint8_t)(d->hdr_len + take);
		if (d->hdr_len < 2)
			return;
		d->hs_len = (uint32_t)(d->hdr[0] & 0x7f) << 8 | d->hdr[1];
		d->hs_have = 0;
		d->hs_keep = d->hs_len > 0;
		d->hs_skipped = false;
	} else {
		take = d->hs_len - d->hs_have;
		if (take > in->left)
			take = in->left;
		if (d->hs_keep && !hs_grow(c, d, d->hs_have + (uint32_t)take))
			hs_refuse(c, d);
		if (d->hs_keep)
			(void)cur_bytes(in, take, d->hs_buf + d->hs_have);
		else
			(void)cur_skip(in, take);
		d->hs_have += (uint32_t)take;
	}
	if (d->hs_have == d->hs_len) {
		tls_msg_sslv2(&c->facts, dir, d->hs_keep ? d->hs_buf : NULL,
			      d->hs_len, ts_us);
		hs_reset(c, d);
		d->hdr_len = 0;
		d->mode = RM_RECORDS;
	}
}

static void run(struct tls_conn *c, int dir, struct cur *in, uint64_t ts_us);

/* Hold the first bytes until tls_detect decides, then replay them in the
 * mode it chose. */
static void
detect_step(struct tls_conn *c, int dir, struct cur *in, uint64_t ts_us)
{
	struct tls_rdir *d = &c->rd[dir];
	enum tls_detect_kind kind;
	struct cur pre;
	size_t take = sizeof(d->pre) - d->pre_len;
	size_t held = d->pre_len; /* bytes held from earlier chunks */

	if (take > in->left)
		take = in->left;
	(void)cur_bytes(in, take, d->pre + d->pre_len);
	d->pre_len = (uint8_t)(d->pre_len + take);
	if (tls_detect(d->pre, d->pre_len, &kind) > 0) {
		if (d->pre_len < sizeof(d->pre))
			return;
		kind =
		    TLS_DETECT_UNKNOWN; /* cannot happen: see TLS_DETECT_MAX */
	}
	c->facts.dir[dir].detect = (uint8_t)kind;
	if (kind == TLS_DETECT_TLS) {
		d->mode = RM_RECORDS;
	} else if (kind == TLS_DETECT_SSLV2_HELLO) {
		d->mode = RM_SSLV2;
	} else {
		/* Not TLS yet: the held bytes are plaintext to scan.  When
		 * they all came from this chunk, give them back to it, so that
		 * the scan sees the chunk whole (TLS may start inside it). */
		d->mode = RM_PLAIN;
		d->line_start = true;
		if (held == 0) {
			in->p -= take;
			in->left += take;
			d->pre_len = 0;
			return;
		}
	}
	pre = cur_make(d->pre, d->pre_len);
	d->pre_len = 0;
	run(c, dir, &pre, ts_us);
	/* Held bytes left over when the replay stopped the direction were
	 * ignored like any bytes after a stop (found by fuzz_tls_stream: the
	 * count must not depend on how the stream was cut). */
	c->facts.dir[dir].bytes_ignored += pre.left;
}

/* Does a TLS handshake record that starts the handshake of this side begin
 * at p: type 22, version 3.0 to 3.4, a sane length, and a ClientHello (from
 * the client) or ServerHello (from the server) inside? */
static bool
upgrade_at(const struct tls_conn *c, int dir, const uint8_t *p, size_t n)
{
	uint16_t len;
	uint8_t want;

	if (n < 6 || p[0] != CT_HANDSHAKE || p[1] != 3 || p[2] > 4)
		return false;
	len = (uint16_t)(p[3] << 8 | p[4]);
	if (len < 4 || len > TLS_RECORD_MAX)
		return false;
	/* The client speaks first; a server's TLS starts only after the
	 * client's ClientHello. */
	if (c->facts.ch_seen && dir != c->facts.client_dir)
		want = 2;
	else
		want = 1;
	return p[5] == want;
}

/* OpenVPN over TCP at the start of the stream (its first packet whole in
 * this chunk): from now on the direction's bytes are de-framed, and the
 * control-channel payload is the TLS stream, detected afresh.  A server's
 * reset counts only when the client's side is OpenVPN too. */
static bool
ovpn_start(struct tls_conn *c, int dir, const struct cur *in)
{
	struct tls_rdir *d = &c->rd[dir];
	uint8_t hmac_len;
	bool server = c->rd[1 - dir].ovpn;

	if (!ovpn_detect(in->p, in->left, server, &hmac_len))
		return false;
	ovpn_init(&d->ov, hmac_len);
	d->ovpn = true;
	d->mode = RM_DETECT;
	d->pre_len = 0;
	/* What the carried stream is will be known from its first bytes. */
	c->facts.dir[dir].detect = TLS_DETECT_NEED_MORE;
	c->facts.dir[dir].openvpn = true;
	return true;
}

/* Plaintext: look for TLS starting at the start of a chunk or of a line
 * (STARTTLS answers, CONNECT replies and PROXY v1 headers end in CRLF), or
 * right after a PROXY protocol v2 header (HAProxy's binary preamble).  A
 * record header split over two chunks is missed.  XXX: binary protocols
 * whose upgrade is not aligned with a segment (rare) are missed too. */
static void
plain_step(struct tls_conn *c, int dir, struct cur *in, uint64_t ts_us)
{
	static const uint8_t proxy2[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
					   0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
	struct tls_rdir *d = &c->rd[dir];
	struct tls_dir_facts *df = &c->facts.dir[dir];
	uint64_t base = d->plain_seen; /* where this chunk starts */
	size_t i, n = in->left;

	if (base == 0 && !d->ovpn_inner && ovpn_start(c, dir, in))
		return;
	for (i = 0; i < n; i++) {
		/* Offset 1 of the stream: PostgreSQL answers SSLRequest with
		 * the single byte 'S', often in the ServerHello's segment. */
		bool cand = i == 0 || d->line_start || base + i == 1;

		if (base + i == 0 && n >= 16 &&
		    memcmp(in->p, proxy2, sizeof(proxy2)) == 0) {
			size_t skip = 16u + (size_t)(in->p[14] << 8 | in->p[15]);

			if (skip < n && upgrade_at(c, dir, in->p + skip, n - skip)) {
				i = skip;
				cand = true;
			}
		}
		if (cand && upgrade_at(c, dir, in->p + i, n - i)) {
			(void)cur_skip(in, i);
			d->plain_seen += i;
			d->mode = RM_RECORDS;
			df->upgraded = true;
			df->upgrade_offset = d->plain_seen;
			return;
		}
		d->line_start = in->p[i] == '\n';
	}
	(void)cur_skip(in, n);
	d->plain_seen += n;
	if (d->plain_seen >= TLS_UPGRADE_SCAN_MAX)
		dir_stop(c, dir, TLS_STOP_NOT_TLS, ts_us);
}

struct ovpn_ctx {
	struct tls_conn *c;
	int dir;
	uint64_t ts_us;
};

/* A run of OpenVPN control-channel payload: the direction's TLS bytes. */
static void
ovpn_payload(void *arg, struct cur *payload)
{
	struct ovpn_ctx *x = arg;
	struct tls_rdir *d = &x->c->rd[x->dir];

	d->ovpn_inner = true;
	run(x->c, x->dir, payload, x->ts_us);
	d->ovpn_inner = false;
	x->c->facts.dir[x->dir].bytes_ignored += payload->left;
}

static void
run(struct tls_conn *c, int dir, struct cur *in, uint64_t ts_us)
{
	struct tls_rdir *d = &c->rd[dir];
	struct ovpn_ctx x;

	while (in->left > 0) {
		if (d->ovpn && !d->ovpn_inner) {
			if (d->mode == RM_STOPPED)
				return;
			x.c = c;
			x.dir = dir;
			x.ts_us = ts_us;
			if (!ovpn_feed(&d->ov, in, ovpn_payload, &x))
				dir_stop(c, dir, TLS_STOP_OPENVPN_FRAMING,
					 ts_us);
			return;
		}
		switch (d->mode) {
		case RM_DETECT:
			detect_step(c, dir, in, ts_us);
			break;
		case RM_SSLV2:
			sslv2_step(c, dir, in, ts_us);
			break;
		case RM_RECORDS:
			records_step(c, dir, in, ts_us);
			break;
		case RM_PLAIN:
			plain_step(c, dir, in, ts_us);
			break;
		default:
			return;
		}
	}
}

static uint32_t
max32(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

/* What the consumer is told after each call; also sets dir[d].need. */
static int
dir_status(struct tls_conn *c, int dir)
{
	struct tls_rdir *d = &c->rd[dir];
	struct tls_dir_facts *df = &c->facts.dir[dir];
	uint32_t need = 0;

	switch (d->mode) {
	case RM_STOPPED:
		df->need = 0;
		if (df->stop == TLS_STOP_NOT_TLS)
			return TLS_E_NOT_TLS;
		if (df->stop == TLS_STOP_GAP)
			return TLS_E_GAP;
		return TLS_E_VIOLATION;
	case RM_DETECT:
		need = d->pre_len > 0 ? 1 : 0;
		break;
	case RM_PLAIN:
		break;
	case RM_SSLV2:
		need =
		    d->hdr_len < 2 ? 2u - d->hdr_len : d->hs_len - d->hs_have;
		break;
	case RM_RECORDS:
		if (d->hdr_len > 0 && d->hdr_len < sizeof(d->hdr))
			need = (uint32_t)(sizeof(d->hdr) - d->hdr_len);
		else if (d->hdr_len == sizeof(d->hdr))
			need = d->rleft;
		if (d->hsh_len > 0 && d->hsh_len < sizeof(d->hsh))
			need = max32(need,
				     (uint32_t)(sizeof(d->hsh) - d->hsh_len));
		else if (d->hsh_len == sizeof(d->hsh))
			need = max32(need, d->hs_len - d->hs_have);
		if (d->al_len > 0)
			need = max32(need, 2u - d->al_len);
		break;
	}
	df->need = need;
	return need > INT32_MAX ? INT32_MAX : (int)need;
}

int
tls_conn_feed(struct tls_conn *c, int dir, const uint8_t *p, size_t n,
	      uint64_t ts_us)
{
	struct tls_dir_facts *df;
	struct cur in;

	if (dir != TLS_DIR_C2S && dir != TLS_DIR_S2C)
		return TLS_E_ARG;
	if (n > 0 && p == NULL)
		return TLS_E_ARG;
	df = &c->facts.dir[dir];
	if (n > 0) {
		if (df->bytes == 0)
			df->first_ts = ts_us;
		df->last_ts = ts_us;
		df->bytes += n;
	}
	in = cur_make(p, n);
	run(c, dir, &in, ts_us);
	df->bytes_ignored += in.left; /* what came after a stop */
	return dir_status(c, dir);
}

int
tls_conn_gap(struct tls_conn *c, int dir, uint64_t len, uint64_t ts_us)
{
	struct tls_rdir *d;
	struct tls_dir_facts *df;

	if (dir != TLS_DIR_C2S && dir != TLS_DIR_S2C)
		return TLS_E_ARG;
	d = &c->rd[dir];
	df = &c->facts.dir[dir];
	if (len == 0)
		return dir_status(c, dir);
	if (d->mode == RM_STOPPED) {
		if (df->gaps < UINT32_MAX)
			df->gaps++;
		df->gap_bytes += len;
		return dir_status(c, dir);
	}
	/* OpenVPN's framing cannot be found again after lost bytes. */
	if (d->ovpn) {
		dir_halt(c, d);
		tls_msg_gap(&c->facts, dir, len, true, ts_us);
		return dir_status(c, dir);
	}
	/* A record being buffered for decryption cannot be opened any
	 * more, nor any after it (the sequence is lost): it becomes an
	 * unparsed record. */
	if (d->mode == RM_RECORDS && d->hdr_len == sizeof(d->hdr) &&
	    d->rclass == RC_DEC) {
		d->rclass = RC_OPAQUE;
		dec_off(c, d);
	}
	/* Inside a record that is not parsed, the lost bytes are only
	 * bytes of it: framing survives if the gap ends within it. */
	if (d->mode == RM_RECORDS && d->hdr_len == sizeof(d->hdr) &&
	    d->rclass == RC_OPAQUE && len <= d->rleft) {
		d->rleft = (uint16_t)(d->rleft - len);
		tls_msg_gap(&c->facts, dir, len, false, ts_us);
		if (d->rleft == 0)
			rec_done(c, dir, ts_us);
		return dir_status(c, dir);
	}
	dir_halt(c, d);
	tls_msg_gap(&c->facts, dir, len, true, ts_us);
	return dir_status(c, dir);
}

void
tls_conn_swap(struct tls_conn *c)
{
	struct tls_rdir t = c->rd[0];

	c->rd[0] = c->rd[1];
	c->rd[1] = t;
	tls_facts_swap(&c->facts);
}

void
tls_conn_free(struct tls_conn *c)
{
	hs_reset(c, &c->rd[0]);
	hs_reset(c, &c->rd[1]);
	dec_off(c, &c->rd[0]);
	dec_off(c, &c->rd[1]);
	wipe(&c->sec, sizeof(c->sec));
	tls_facts_free(&c->facts, c->mb);
}
