/* oio_table.c - open addressing, linear probing, backward-shift deletion
 * (contract in oio_table.h). */
#include "oio_table.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define OIO_TABLE_MIN 64	/* slots of a table's first allocation */

/* Eight bytes at a step, each step a multiply and a shift (the mixing of
 * MurmurHash3's finalizer): the derivation looks objects up by entryUUID
 * some twenty thousand times per second of writes at 2,000 employees, and
 * FNV-1a's byte at a time was most of what a lookup cost. */
static unsigned
hash_bytes( const void *p, size_t n )
{
	const unsigned char *s = p;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

	for ( ; n >= 8; s += 8, n -= 8 ) {
		memcpy( &w, s, 8 );
		h = ( h ^ w ) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	w = 0;
	memcpy( &w, s, n );
	h = ( h ^ w ) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	return (unsigned)h;
}

static unsigned
home_of( const oio_table *t, const void *item )
{
	const void *k;
	size_t n;

	t->key( item, &k, &n );
	return hash_bytes( k, n ) & ( t->size - 1 );
}

void
oio_table_init( oio_table *t, oio_table_key_fn *key )
{
	memset( t, 0, sizeof( *t ) );
	t->key = key;
}

void
oio_table_clear( oio_table *t )
{
	free( t->slot );
	t->slot = NULL;
	t->size = t->count = 0;
}

/* Puts item into the first empty slot of its run; there is one, since the
 * load is kept at most 1/2. */
static void
place( oio_table *t, void *item )
{
	unsigned i;

	for ( i = home_of( t, item ); t->slot[i]; i = ( i + 1 ) & ( t->size - 1 ) )
		;
	t->slot[i] = item;
}

static int
resize( oio_table *t, unsigned size )
{
	void **old = t->slot;
	unsigned n = t->size, i;

	t->slot = calloc( size, sizeof( void * ) );
	if ( !t->slot ) {
		t->slot = old;
		return -1;
	}
	t->size = size;
	for ( i = 0; i < n; i++ )
		if ( old[i] ) place( t, old[i] );
	free( old );
	return 0;
}

int
oio_table_put( oio_table *t, void *item )
{
	/* every item is live, so count alone is the load */
	if ( ( t->count + 1 ) > t->size / 2 ) {
		unsigned size = t->size ? t->size * 2 : OIO_TABLE_MIN;
		if ( size <= t->size || resize( t, size ) ) return -1;
	}
	place( t, item );
	t->count++;
	return 0;
}

static int
slot_is( const oio_table *t, unsigned i, const void *key, size_t len )
{
	const void *k;
	size_t n;

	t->key( t->slot[i], &k, &n );
	return n == len && memcmp( k, key, len ) == 0;
}

/* The slot holding key, or size if none: the run from the key's home
 * ends at an empty slot, and there is always one. */
static unsigned
lookup( const oio_table *t, const void *key, size_t len )
{
	unsigned i;

	if ( !t->count ) return t->size;
	for ( i = hash_bytes( key, len ) & ( t->size - 1 ); t->slot[i];
		i = ( i + 1 ) & ( t->size - 1 ) ) {
		if ( slot_is( t, i, key, len ) ) return i;
	}
	return t->size;
}

void *
oio_table_find( const oio_table *t, const void *key, size_t len )
{
	unsigned i = lookup( t, key, len );

	return i < t->size ? t->slot[i] : NULL;
}

void *
oio_table_del( oio_table *t, const void *key, size_t len )
{
	unsigned mask = t->size - 1, i = lookup( t, key, len ), j;
	void *item;

	if ( i >= t->size ) return NULL;
	item = t->slot[i];
	t->slot[i] = NULL;
	t->count--;
	/* Close the hole: an item further on in the run may move back into
	 * it unless that would put it before its home (its home lies
	 * cyclically in (i, j]); the hole then moves on to where it was. */
	for ( j = ( i + 1 ) & mask; t->slot[j]; j = ( j + 1 ) & mask ) {
		unsigned h = home_of( t, t->slot[j] );
		if ( ( ( j - h ) & mask ) >= ( ( j - i ) & mask ) ) {
			t->slot[i] = t->slot[j];
			t->slot[j] = NULL;
			i = j;
		}
	}
	return item;
}

void *
oio_table_next( const oio_table *t, unsigned *pos )
{
	while ( *pos < t->size ) {
		void *item = t->slot[( *pos )++];
		if ( item ) return item;
	}
	return NULL;
}
