/* fuzz_oio_table.c - libFuzzer target for the oio model's hash table
 * (overlay/oio/oio_table.h), driven by a byte stream of operations and
 * checked after each against a reference (an unordered array of the live
 * items, searched linearly).
 *
 * Stream: repeated  OP [LEN KEY...]
 *   OP % 4 == 0  put     LEN (0..15, low nibble) KEY bytes; a key already
 *                        live is not put again (that is the caller's bug by
 *                        contract): find must return the live item instead
 *   OP % 4 == 1  del     LEN KEY: returns the live item or NULL
 *   OP % 4 == 2  find    LEN KEY: the live item or NULL
 *   OP % 4 == 3  iterate (no key): oio_table_next sees every live item
 *                        exactly once and nothing else
 *   OP == 0xff   clear   (no key): the table is empty and usable again
 * A stream that ends inside a key reads as a key of what is left.
 *
 * Properties beyond "no crash": after every operation count equals the
 * reference's, the load is at most 1/2 (so a lookup always ends at an
 * empty slot: a hang would be a libFuzzer timeout), and every live item
 * is found under its key.  Items are malloc'd and freed when deleted, so
 * ASan reports a table that keeps a pointer to one.
 */
#include "oio_table.h"
#include "fuzz_common.h"

typedef struct item {
	size_t len;
	unsigned char key[16];
	unsigned seen;		/* iteration mark */
} item;

static void
item_key( const void *p, const void **key, size_t *len )
{
	const item *it = p;
	*key = it->key;
	*len = it->len;
}

#define MAXLIVE 4096
static item *live[MAXLIVE];
static unsigned nlive;

static int
ref_find( const unsigned char *k, size_t len )
{
	for ( unsigned i = 0; i < nlive; i++ )
		if ( live[i]->len == len && memcmp( live[i]->key, k, len ) == 0 )
			return (int)i;
	return -1;
}

static void
ref_clear( void )
{
	for ( unsigned i = 0; i < nlive; i++ ) free( live[i] );
	nlive = 0;
}

static void
check_all( const oio_table *t )
{
	FUZZ_ASSERT( t->count == nlive );
	FUZZ_ASSERT( t->size == 0 || ( t->size & ( t->size - 1 ) ) == 0 );
	FUZZ_ASSERT( t->count <= t->size / 2 );
	for ( unsigned i = 0; i < nlive; i++ )
		FUZZ_ASSERT( oio_table_find( t, live[i]->key, live[i]->len ) == live[i] );
}

static void
check_iteration( const oio_table *t )
{
	unsigned pos = 0, n = 0;
	void *p;

	for ( unsigned i = 0; i < nlive; i++ ) live[i]->seen = 0;
	while ( ( p = oio_table_next( t, &pos ) ) ) {
		item *it = p;
		int r = ref_find( it->key, it->len );
		FUZZ_ASSERT( r >= 0 && live[r] == it );
		FUZZ_ASSERT( it->seen == 0 );
		it->seen = 1;
		n++;
	}
	FUZZ_ASSERT( n == nlive );
}

int
LLVMFuzzerTestOneInput( const uint8_t *data, size_t size )
{
	/* exactly sized copy: the stream reader below must not run past it */
	unsigned char *s = (unsigned char *)fuzz_copy( data, size );
	oio_table t;
	size_t i = 0;

	oio_table_init( &t, item_key );
	nlive = 0;
	while ( i < size ) {
		unsigned op = s[i++];
		size_t len = 0;
		const unsigned char *k = s + i;

		if ( op == 0xff ) {
			oio_table_clear( &t );
			ref_clear();
			check_all( &t );
			continue;
		}
		if ( op % 4 != 3 ) {
			if ( i < size ) len = s[i++] & 15;
			k = s + i;
			if ( len > size - i ) len = size - i;
			i += len;
		}
		int r = ref_find( k, len );
		switch ( op % 4 ) {
		case 0:
			if ( r >= 0 ) {
				FUZZ_ASSERT( oio_table_find( &t, k, len ) == live[r] );
			} else if ( nlive < MAXLIVE ) {
				item *it = calloc( 1, sizeof( *it ) );
				if ( !it ) abort();
				it->len = len;
				if ( len ) memcpy( it->key, k, len );
				FUZZ_ASSERT( oio_table_put( &t, it ) == 0 );
				live[nlive++] = it;
			}
			break;
		case 1: {
			void *got = oio_table_del( &t, k, len );
			if ( r < 0 ) {
				FUZZ_ASSERT( got == NULL );
			} else {
				FUZZ_ASSERT( got == live[r] );
				free( got );
				live[r] = live[--nlive];
			}
			FUZZ_ASSERT( oio_table_find( &t, k, len ) == NULL );
			break;
		}
		case 2:
			FUZZ_ASSERT( oio_table_find( &t, k, len ) == ( r >= 0 ? live[r] : NULL ) );
			break;
		case 3:
			check_iteration( &t );
			break;
		}
		check_all( &t );
	}
	check_iteration( &t );
	oio_table_clear( &t );
	ref_clear();
	free( s );
	return 0;
}
