/* mem.h -- a counted memory budget shared by the modules that buffer data.
 *
 * A budget is checked *before* allocating: a caller reserves bytes, and
 * allocates only if the reservation succeeded.  Refusals are counted.  The
 * budget owns no memory itself.
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
	uint64_t refused;  /* reservations refused because of the cap */
};

static inline bool
mem_reserve(struct membudget *mb, size_t n)
{
	if (mb == NULL)
		return true;
	if (mb->cap != 0 && (n > mb->cap || mb->used > mb->cap - n)) {
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
	mb->used = n > mb->used ? 0 : mb->used - n;
}

#endif
