/* mem.h -- a counted memory budget shared by the modules that buffer data.
 *
 * A budget is checked *before* allocating: a caller reserves bytes, and
 * allocates only if the reservation succeeded.  Refusals are counted.  The
 * budget owns no memory itself.
 *
 * Budgets nest: a budget with a parent is charged to it as well, and a
 * reservation succeeds only if every budget up the chain has room.  One
 * root holds the cap (--max-memory); its children count use, peak and
 * refusals by kind (flows, reassembly, certificate cache...) without each
 * module knowing about the others.  Not thread-safe.
 */
#ifndef TLSDIAG_MEM_H
#define TLSDIAG_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct membudget {
	size_t used;	   /* bytes currently reserved */
	size_t peak;	   /* highest `used` seen */
	size_t cap;	   /* 0 means unlimited */
	uint64_t refused;  /* reservations refused because of a cap (its
			      own or a parent's) */
	struct membudget *parent; /* also charged here; NULL: a root */
};

static inline bool
mem_reserve(struct membudget *mb, size_t n)
{
	if (mb == NULL)
		return true;
	if ((mb->cap != 0 && (n > mb->cap || mb->used > mb->cap - n)) ||
	    !mem_reserve(mb->parent, n)) {
		mb->refused++;
		return false;
	}
	mb->used += n;
	if (mb->used > mb->peak)
		mb->peak = mb->used;
	return true;
}

static inline void
mem_release(struct membudget *mb, size_t n)
{
	if (mb == NULL)
		return;
	mem_release(mb->parent, n > mb->used ? mb->used : n);
	mb->used = n > mb->used ? 0 : mb->used - n;
}

/* Bytes that may still be reserved here (SIZE_MAX: no cap up the chain). */
static inline size_t
mem_room(const struct membudget *mb)
{
	size_t r = SIZE_MAX, p;

	for (; mb != NULL; mb = mb->parent) {
		if (mb->cap == 0)
			continue;
		p = mb->used >= mb->cap ? 0 : mb->cap - mb->used;
		if (p < r)
			r = p;
	}
	return r;
}

#endif
