/* test_bt_snapcache.c - the cache of inflated snapshots
 * (overlay/bitemporal/bt_snapcache.h): what is kept comes back byte for
 * byte, the bound in bytes holds whatever is put (also when it is
 * lowered), the least recently used entries go first, and threads that
 * get and put at once see only the bytes that were put under each key.
 */
#include "bt_snapcache.h"
#include "tap.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void
mkkey( unsigned char *k, uint32_t i )
{
	memset( k, 0, BT_SNAP_KEY_LEN );
	memcpy( k, &i, sizeof( i ) );
	k[BT_SNAP_KEY_LEN - 1] = (unsigned char)( i * 7 );
}

/* the bytes kept under key i: a function of i and the position */
static void
fill( char *p, size_t len, uint32_t i )
{
	size_t j;

	for ( j = 0; j < len; j++ ) p[j] = (char)( i * 31 + j );
}

static int
check( bt_snapcache *sc, uint32_t i, size_t want_len )
{
	unsigned char k[BT_SNAP_KEY_LEN];
	char *buf, *want;
	size_t len;
	int same;

	mkkey( k, i );
	if ( bt_snapcache_get( sc, k, 8, NULL, &buf, &len ) ) return -1;
	want = malloc( want_len );
	fill( want, want_len, i );
	same = len == want_len && memcmp( buf + 8, want, len ) == 0;
	free( want );
	free( buf );
	return same ? 1 : 0;
}

static void
put( bt_snapcache *sc, uint32_t i, size_t len )
{
	unsigned char k[BT_SNAP_KEY_LEN];
	char *p = malloc( len );

	mkkey( k, i );
	fill( p, len, i );
	bt_snapcache_put( sc, k, p, len );
	free( p );
}

typedef struct targ {
	bt_snapcache *sc;
	unsigned seed;
	int bad;
} targ;

static void *
worker( void *arg )
{
	targ *t = arg;
	int n;

	for ( n = 0; n < 20000; n++ ) {
		uint32_t i = rand_r( &t->seed ) % 3000;
		size_t len = 100 + i % 900;
		int r = check( t->sc, i, len );
		if ( r == 0 ) t->bad++;
		if ( r < 0 ) put( t->sc, i, len );
	}
	return NULL;
}

int
main( void )
{
	bt_snapcache_stat st;
	bt_snapcache *sc;
	uint32_t i;
	int kept, lost, r;

	sc = bt_snapcache_new( 1 << 20 );
	ok( sc != NULL, "a cache of 1 MiB" );
	is_int( check( sc, 1, 100 ), -1, "nothing is kept before a put" );
	put( sc, 1, 100 );
	is_int( check( sc, 1, 100 ), 1, "a kept snapshot comes back byte for byte, after head bytes of room" );
	put( sc, 2, 0 );
	is_int( check( sc, 2, 0 ), 1, "an empty snapshot is kept too" );

	/* 16 MiB of 4 KB snapshots through a 1 MiB cache */
	for ( i = 100; i < 4196; i++ ) put( sc, i, 4096 );
	bt_snapcache_stats( sc, &st );
	ok( st.bytes <= st.max && st.max == 1 << 20,
		"the bound holds after 16 times its size was put (%zu of %zu bytes)", st.bytes, st.max );
	ok( st.entries > 100, "and it is used (%lu entries kept)", st.entries );
	is_int( check( sc, 4195, 4096 ), 1, "the newest is kept" );
	is_int( check( sc, 100, 4096 ), -1, "the oldest went first" );

	/* the least recently used, not the least recently put */
	bt_snapcache_clear( sc );
	bt_snapcache_stats( sc, &st );
	is_int( st.entries, 0, "clear drops everything" );
	is_int( st.bytes, 0, "and the bytes with it" );
	put( sc, 7, 4096 );
	for ( i = 1000; i < 1400; i++ ) {
		put( sc, i, 4096 );
		check( sc, 7, 4096 );		/* read all along: never the oldest */
	}
	is_int( check( sc, 7, 4096 ), 1, "a snapshot read all along stays while others come and go" );

	put( sc, 1399, 10 );
	is_int( check( sc, 1399, 4096 ), 1, "a second put of a key kept already changes nothing" );

	put( sc, 5000, 2 << 20 );
	is_int( check( sc, 5000, 2 << 20 ), -1, "a snapshot larger than the bound is not kept" );

	bt_snapcache_set_max( sc, 64 << 10 );
	bt_snapcache_stats( sc, &st );
	ok( st.bytes <= 64 << 10, "a lower bound holds when set returns (%zu bytes)", st.bytes );
	bt_snapcache_set_max( sc, 0 );
	bt_snapcache_stats( sc, &st );
	is_int( st.bytes, 0, "bound 0: nothing is kept" );
	put( sc, 9, 10 );
	is_int( check( sc, 9, 10 ), -1, "and nothing is put" );
	bt_snapcache_free( sc );

	/* threads getting and putting at once */
	{
		pthread_t th[8];
		targ ta[8];
		sc = bt_snapcache_new( 256 << 10 );
		for ( r = 0; r < 8; r++ ) {
			ta[r].sc = sc;
			ta[r].seed = r + 1;
			ta[r].bad = 0;
			pthread_create( &th[r], NULL, worker, &ta[r] );
		}
		for ( r = 0, lost = 0; r < 8; r++ ) {
			pthread_join( th[r], NULL );
			lost += ta[r].bad;
		}
		is_int( lost, 0, "8 threads: every hit had the bytes put under its key" );
		bt_snapcache_stats( sc, &st );
		ok( st.bytes <= st.max, "and the bound held (%zu of %zu bytes)", st.bytes, st.max );
		for ( i = 0, kept = 0; i < 3000; i++ ) if ( check( sc, i, 100 + i % 900 ) == 1 ) kept++;
		is_int( kept, st.entries, "every entry counted is found" );
		bt_snapcache_free( sc );
	}
	return tap_done();
}
