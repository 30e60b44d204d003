/* test_oio_table.c - the oio model's hash table (overlay/oio/oio_table.h)
 * against a reference (a presence array), through long random runs of
 * deletes and inserts: years of municipal churn (people leaving, units
 * renamed) on a table that must stay exact and keep every lookup ending.
 */
#include "oio_table.h"
#include "tap.h"
#include "prng.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A table whose lookup never ends (every slot used, none empty) would
 * hang the suite: after this long say so and stop.  Not a performance
 * bound: the runs below take well under a second on a healthy table. */
#ifndef HANG_GUARD_SECONDS
#define HANG_GUARD_SECONDS 300
#endif

static void
hang( int sig )
{
	static const char msg[] = "not ok - a table operation did not return "
		"(a probe that never ends)\n";
	(void)sig;
	if ( write( 1, msg, sizeof( msg ) - 1 ) < 0 ) _exit( 2 );
	_exit( 1 );
}

typedef struct item {
	unsigned char key[64];
	size_t len;
	unsigned id;
} item;

static void
item_key( const void *p, const void **key, size_t *len )
{
	const item *it = p;

	*key = it->key;
	*len = it->len;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned
rnd( unsigned n )
{
	return prng_below( &rng, n );
}

/* Keys as the model has them: 16-byte entryUUIDs (the fixture's style:
 * all alike but the last bytes) or normalized DNs of varying length. */
static void
set_key( item *it, unsigned id, int dn )
{
	memset( it, 0, sizeof( *it ) );
	it->id = id;
	if ( dn ) {
		it->len = (size_t)snprintf( (char *)it->key, sizeof( it->key ),
			"uid=u%u,ou=people,dc=kommune,dc=dk", id );
	} else {
		it->len = 16;
		it->key[6] = 0x40;
		it->key[8] = 0x80;
		it->key[12] = ( id >> 24 ) & 0xff;
		it->key[13] = ( id >> 16 ) & 0xff;
		it->key[14] = ( id >> 8 ) & 0xff;
		it->key[15] = id & 0xff;
	}
}

/* The reference: up to max objects live (live[0..nlive)), each with an id
 * never used before; where[id] is its index in live, or -1. */
typedef struct ref {
	item *live;
	unsigned nlive, max;
	int *where;
	unsigned next;		/* the next fresh id */
	int dn;
} ref;

/* The table against the reference: count, every live key found, absent
 * ones (deleted and never used) not, iteration sees each item once, no
 * slot holds anything but a live item, the load at most 1/2 (so there
 * are empty slots, where lookups end). */
static int
consistent( oio_table *t, ref *r, const char **why )
{
	unsigned i, pos = 0, seen = 0, used = 0;
	item *it, probe;

	for ( i = 0; i < r->nlive; i++ ) {
		if ( oio_table_find( t, r->live[i].key, r->live[i].len ) != &r->live[i] ) {
			*why = "a present key is not found";
			return 0;
		}
	}
	for ( i = 0; i < 1000; i++ ) {
		unsigned id = rnd( r->next + 1000 );
		if ( id < r->next && r->where[id] >= 0 ) continue;
		set_key( &probe, id, r->dn );
		if ( oio_table_find( t, probe.key, probe.len ) ) {
			*why = "an absent key is found";
			return 0;
		}
	}
	if ( t->count != r->nlive ) { *why = "count differs from the reference"; return 0; }
	while ( ( it = oio_table_next( t, &pos ) ) ) {
		if ( it < r->live || it >= r->live + r->nlive || seen++ > r->nlive ) {
			*why = "iteration: an item not in the table";
			return 0;
		}
	}
	if ( seen != r->nlive ) { *why = "iteration misses items or sees some twice"; return 0; }
	for ( i = 0; i < t->size; i++ ) {
		if ( !t->slot[i] ) continue;
		used++;
		if ( (item *)t->slot[i] < r->live || (item *)t->slot[i] >= r->live + r->nlive ) {
			*why = "a slot holds something other than a live item (a tombstone)";
			return 0;
		}
	}
	if ( used != t->count ) { *why = "used slots differ from count"; return 0; }
	if ( t->size && used * 2 > t->size ) { *why = "load above 1/2"; return 0; }
	return 1;
}

static const char *
ref_add( oio_table *t, ref *r )
{
	item *it = &r->live[r->nlive];

	set_key( it, r->next, r->dn );
	r->where[r->next++] = r->nlive++;
	return oio_table_put( t, it ) ? "put fails" : NULL;
}

/* Deletes live[i]; the last live object takes its place (in the table
 * too: it is deleted and put again under the same key). */
static const char *
ref_del( oio_table *t, ref *r, unsigned i )
{
	item *it = &r->live[i], *last = &r->live[r->nlive - 1];

	if ( oio_table_del( t, it->key, it->len ) != it ) return "delete does not return the item";
	if ( oio_table_del( t, it->key, it->len ) ) return "a second delete finds it again";
	r->where[it->id] = -1;
	if ( it != last ) {
		/* by the item, as the model takes objects out of its DN index */
		if ( oio_table_del_item( t, last ) != last ) return "delete by item does not return it";
		*it = *last;
		r->where[it->id] = i;
		if ( oio_table_put( t, it ) ) return "put fails";
	}
	r->nlive--;
	return NULL;
}

/* ops random operations with up to n objects live, as the organisation
 * lives: people leave (delete), are hired (put of a fresh key), entries
 * are renamed (delete and put under a new DN); each followed by a lookup
 * of a random key, live, deleted or never used (the lookup of an absent
 * key is the one that never ended).  The whole table is checked every
 * check operations. */
static void
churn( unsigned n, unsigned ops, int dn, unsigned check )
{
	oio_table t;
	ref r;
	unsigned op, bad_op = 0;
	const char *why = NULL;

	memset( &r, 0, sizeof( r ) );
	r.max = n;
	r.dn = dn;
	r.live = calloc( n, sizeof( item ) );
	r.where = malloc( ( (size_t)n * 4 + ops + 1 ) * sizeof( int ) );
	oio_table_init( &t, item_key );
	while ( r.nlive < n && !why ) why = ref_add( &t, &r );
	for ( op = 1; op <= ops && !why; op++ ) {
		unsigned kind = rnd( 3 ), q;
		item probe, *want = NULL;
		if ( kind == 0 && r.nlive > n / 2 ) {
			why = ref_del( &t, &r, rnd( r.nlive ) );
		} else if ( kind == 1 && r.nlive < n ) {
			why = ref_add( &t, &r );
		} else if ( r.nlive ) {
			why = ref_del( &t, &r, rnd( r.nlive ) );
			if ( !why ) why = ref_add( &t, &r );
		}
		q = rnd( r.next + 16 );
		if ( q < r.next && r.where[q] >= 0 ) want = &r.live[r.where[q]];
		set_key( &probe, q, dn );
		if ( !why && oio_table_find( &t, probe.key, probe.len ) != want )
			why = "lookup disagrees with the reference";
		if ( !why && op % check == 0 ) consistent( &t, &r, &why );
		if ( why ) bad_op = op;
	}
	if ( !why ) consistent( &t, &r, &why );
	ok( !why, "%u random deletes/puts with up to %u %s keys agree with the reference%s%s",
		ops, n, dn ? "DN" : "uuid", why ? ": " : "", why ? why : "" );
	if ( why ) printf( "#   at operation %u\n", bad_op );

	/* drained completely, then filled again: the same table serves */
	why = NULL;
	while ( r.nlive && !why ) why = ref_del( &t, &r, rnd( r.nlive ) );
	if ( !why ) consistent( &t, &r, &why );
	ok( !why && t.count == 0, "%u keys: drained to empty%s%s", n, why ? ": " : "", why ? why : "" );
	why = NULL;
	while ( r.nlive < n && !why ) why = ref_add( &t, &r );
	if ( !why ) consistent( &t, &r, &why );
	ok( !why && t.count == n, "%u keys: filled again%s%s", n, why ? ": " : "", why ? why : "" );

	oio_table_clear( &t );
	free( r.where );
	free( r.live );
}

static void
test_basics( void )
{
	oio_table t;
	item v[3];
	unsigned pos = 0, i;

	for ( i = 0; i < 3; i++ ) set_key( &v[i], i, 1 );

	oio_table_init( &t, item_key );
	ok( oio_table_find( &t, v[0].key, v[0].len ) == NULL, "empty table: nothing found" );
	ok( oio_table_del( &t, v[0].key, v[0].len ) == NULL, "empty table: nothing deleted" );
	ok( oio_table_next( &t, &pos ) == NULL, "empty table: iteration sees nothing" );
	is_int( oio_table_put( &t, &v[0] ), 0, "put" );
	is_int( oio_table_put( &t, &v[1] ), 0, "put another" );
	ok( oio_table_find( &t, v[0].key, v[0].len ) == &v[0], "found by its key" );
	ok( oio_table_find( &t, v[2].key, v[2].len ) == NULL, "an absent key is not found" );
	ok( oio_table_find( &t, v[0].key, v[0].len - 1 ) == NULL, "a prefix of a key is another key" );
	ok( oio_table_del( &t, v[0].key, v[0].len ) == &v[0], "delete returns the item" );
	ok( oio_table_find( &t, v[0].key, v[0].len ) == NULL, "gone after delete" );
	ok( oio_table_find( &t, v[1].key, v[1].len ) == &v[1], "the other stays" );
	is_int( t.count, 1, "count" );
	ok( oio_table_del_item( &t, &v[0] ) == NULL, "delete by item: an item not in the table" );
	is_int( oio_table_put( &t, &v[0] ), 0, "put it again" );
	ok( oio_table_del_item( &t, &v[1] ) == &v[1], "delete by item returns it" );
	ok( oio_table_find( &t, v[1].key, v[1].len ) == NULL && oio_table_find( &t, v[0].key, v[0].len ) == &v[0],
		"... gone; the other stays" );
	is_int( t.count, 1, "count" );
	{
		unsigned size = t.size;
		oio_table_empty( &t );
		ok( t.count == 0 && t.size == size && oio_table_find( &t, v[1].key, v[1].len ) == NULL,
			"empty: nothing found, the slots kept" );
		is_int( oio_table_put( &t, &v[1] ), 0, "an emptied table takes items again" );
		ok( oio_table_find( &t, v[1].key, v[1].len ) == &v[1], "... and finds them" );
	}
	oio_table_clear( &t );
	is_int( t.count, 0, "clear empties the table" );
	ok( oio_table_find( &t, v[1].key, v[1].len ) == NULL, "nothing found after clear" );
	is_int( oio_table_put( &t, &v[2] ), 0, "a cleared table is usable again" );
	oio_table_clear( &t );
}

int
main( void )
{
	setvbuf( stdout, NULL, _IOLBF, 0 );
	signal( SIGALRM, hang );
	alarm( HANG_GUARD_SECONDS );

	test_basics();
	/* 400 objects: the old table spun after ~4,200 delete+add cycles;
	 * 25,000 (the generator's default municipality): after ~566,000 */
	churn( 400, 1000000, 0, 10000 );
	churn( 400, 1000000, 1, 10000 );
	churn( 25000, 1000000, 0, 250000 );
	churn( 25000, 1000000, 1, 250000 );
	/* a small key space in a tiny table: runs wrap around its end */
	churn( 20, 200000, 0, 1000 );
	return tap_done();
}
