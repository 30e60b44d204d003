/* prng.h - the deterministic pseudo-random numbers of modir's unit tests
 * and benches (xorshift64): a run of random operations is the same run
 * for a seed on every machine, so a failure names a seed to replay. */
#ifndef MODIR_PRNG_H
#define MODIR_PRNG_H

#include <stdint.h>

/* a number below n from *state (a state of 0 stays 0: seed it otherwise) */
static inline unsigned
prng_below( uint64_t *state, unsigned n )
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return (unsigned)( *state % n );
}

#endif /* MODIR_PRNG_H */
