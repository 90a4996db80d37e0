/* cur.h -- the bounded cursor through which every untrusted byte is read.
 *
 * A cursor owns nothing: it points into a buffer whose lifetime is the
 * caller's.  Reads past the end never happen; they set the sticky `bad` flag
 * instead, so a run of reads is checked once at the end.  Each length-prefixed
 * vector becomes a sub-cursor that the inner parser cannot escape.  Values
 * leave the cursor as host-order integers.
 */
#ifndef TLSDIAG_CUR_H
#define TLSDIAG_CUR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cur {
	const uint8_t *p; /* next unread byte (borrowed) */
	size_t left;	  /* bytes that may still be read */
	bool bad;	  /* sticky: some read ran past the end */
};

static inline struct cur
cur_make(const uint8_t *p, size_t n)
{
	struct cur c = {p, n, false};
	return c;
}

/* Fail the cursor: nothing more can be read from it. */
static inline bool
cur_fail(struct cur *c)
{
	c->bad = true;
	c->left = 0;
	return false;
}

static inline bool
cur_need(struct cur *c, size_t n)
{
	if (c->bad || n > c->left)
		return cur_fail(c);
	return true;
}

static inline bool
cur_skip(struct cur *c, size_t n)
{
	if (!cur_need(c, n))
		return false;
	c->p += n;
	c->left -= n;
	return true;
}

static inline bool
cur_u8(struct cur *c, uint8_t *v)
{
	if (!cur_need(c, 1)) {
		*v = 0;
		return false;
	}
	*v = c->p[0];
	c->p += 1;
	c->left -= 1;
	return true;
}

static inline bool
cur_u16(struct cur *c, uint16_t *v)
{
	if (!cur_need(c, 2)) {
		*v = 0;
		return false;
	}
	*v = (uint16_t)((uint16_t)c->p[0] << 8 | c->p[1]);
	c->p += 2;
	c->left -= 2;
	return true;
}

/* 24-bit big-endian length, as in TLS handshake headers (RFC 8446 4). */
static inline bool
cur_u24(struct cur *c, uint32_t *v)
{
	if (!cur_need(c, 3)) {
		*v = 0;
		return false;
	}
	*v = (uint32_t)c->p[0] << 16 | (uint32_t)c->p[1] << 8 | c->p[2];
	c->p += 3;
	c->left -= 3;
	return true;
}

static inline bool
cur_u32(struct cur *c, uint32_t *v)
{
	if (!cur_need(c, 4)) {
		*v = 0;
		return false;
	}
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
	     (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	c->left -= 4;
	return true;
}

/* Copy n bytes out. */
static inline bool
cur_bytes(struct cur *c, size_t n, uint8_t *out)
{
	if (!cur_need(c, n))
		return false;
	memcpy(out, c->p, n);
	c->p += n;
	c->left -= n;
	return true;
}

/* Carve the next n bytes into *sub; the inner parser cannot escape it. */
static inline bool
cur_sub(struct cur *c, size_t n, struct cur *sub)
{
	if (!cur_need(c, n)) {
		*sub = cur_make(NULL, 0);
		sub->bad = true;
		return false;
	}
	*sub = cur_make(c->p, n);
	c->p += n;
	c->left -= n;
	return true;
}

/* opaque x<0..2^8-1>: a 1-byte length, then the bytes. */
static inline bool
cur_vec8(struct cur *c, struct cur *sub)
{
	uint8_t n;

	if (!cur_u8(c, &n)) {
		*sub = cur_make(NULL, 0);
		sub->bad = true;
		return false;
	}
	return cur_sub(c, n, sub);
}

/* RFC 8446 3.4: opaque x<0..2^16-1> is a 2-byte length, then the bytes. */
static inline bool
cur_vec16(struct cur *c, struct cur *sub)
{
	uint16_t n;

	if (!cur_u16(c, &n)) {
		*sub = cur_make(NULL, 0);
		sub->bad = true;
		return false;
	}
	return cur_sub(c, n, sub);
}

/* opaque x<0..2^24-1>, as in certificate lists (RFC 5246 7.4.2). */
static inline bool
cur_vec24(struct cur *c, struct cur *sub)
{
	uint32_t n;

	if (!cur_u24(c, &n)) {
		*sub = cur_make(NULL, 0);
		sub->bad = true;
		return false;
	}
	return cur_sub(c, n, sub);
}

#endif
