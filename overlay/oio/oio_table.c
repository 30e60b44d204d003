/* oio_table.c - open addressing, linear probing, backward-shift deletion
 * (contract in oio_table.h). */
#include "oio_table.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define OIO_TABLE_MIN 64	/* slots of a table's first allocation */

#define MUL1 0x9e3779b97f4a7c15ull	/* odd constants with mixed bits */
#define MUL2 0xff51afd7ed558ccdull

unsigned
oio_table_hash( const void *p, size_t n )
{
	const unsigned char *s = p;
	uint64_t h = MUL1 ^ n, w;

	for ( ; n >= 8; s += 8, n -= 8 ) {
		memcpy( &w, s, 8 );
		h = ( h ^ w ) * MUL2;
		h ^= h >> 29;
	}
	if ( n ) {
		w = 0;
		memcpy( &w, s, n );
		h = ( h ^ w ) * MUL2;
	}
	h ^= h >> 32;	/* the high bits into the low ones (fmix64's finish) */
	h *= MUL1;
	h ^= h >> 29;
	return (unsigned)h;
}

static unsigned
hash_bytes( const void *p, size_t n )
{
	return oio_table_hash( p, n );
}

static unsigned
home_of( const oio_table *t, const void *item )
{
	const void *k;
	size_t n;

	if ( !t->key ) return t->hash( item ) & ( t->size - 1 );
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
oio_table_init_fn( oio_table *t, oio_table_hash_fn *hash, oio_table_match_fn *match )
{
	memset( t, 0, sizeof( *t ) );
	t->hash = hash;
	t->match = match;
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
void
oio_table_empty( oio_table *t )
{
	if ( t->slot ) memset( t->slot, 0, t->size * sizeof( void * ) );
	t->count = 0;
}

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

	if ( !t->key ) return t->match( t->slot[i], key, len );
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

/* Empties slot i and closes the hole: an item further on in the run may
 * move back into it unless that would put it before its home (its home
 * lies cyclically in (i, j]); the hole then moves on to where it was. */
static void *
remove_at( oio_table *t, unsigned i )
{
	unsigned mask = t->size - 1, j;
	void *item = t->slot[i];

	t->slot[i] = NULL;
	t->count--;
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
oio_table_del( oio_table *t, const void *key, size_t len )
{
	unsigned i = lookup( t, key, len );

	return i < t->size ? remove_at( t, i ) : NULL;
}

void *
oio_table_del_item( oio_table *t, const void *item )
{
	unsigned i;

	if ( !t->count ) return NULL;
	for ( i = home_of( t, item ); t->slot[i]; i = ( i + 1 ) & ( t->size - 1 ) )
		if ( t->slot[i] == item ) return remove_at( t, i );
	return NULL;
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
