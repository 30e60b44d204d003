/* bt_cache.c - the as-of cache: the whole database at a few points
 * (validAt, knownAt, read snapshot), collected by bt_search.c for the big
 * subtree searches that follow at the same point (an IAM system paging
 * through everyone as of a date; a report run several times), kept here
 * within their share of bitemporal-cache-size, least recently used
 * dropped first; and their entries, packed.
 *
 * Each point holds the whole directory at its (validAt, knownAt).  Kept as
 * slapd Entry structures an entry cost ~4 KB per entry (an Attribute and two
 * berval arrays per attribute, each its own allocation, and the values the
 * oio overlay derives); packed it costs the bytes of its names and values
 * plus 24 bytes per attribute, in one allocation (the format: bt_pack.c).
 * An unpacked entry's names and values point into the block; only its
 * Attribute structures and berval arrays are allocated, here.
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"

#include "bitemporal.h"

/* Packs e into out (ch_malloc'd); ndn is set to the name inside it. */
void
bt_cache_pack( Entry *e, struct berval *out, struct berval *ndn )
{
	out->bv_len = bt_pack_size( e );
	out->bv_val = ch_malloc( out->bv_len );
	bt_pack_into( e, out->bv_val, out->bv_len, ndn );
}

Entry *
bt_cache_unpack( struct berval *blob )
{
	unsigned nattrs, nbv;
	struct berval *bv;
	Entry *e;

	bt_unpack_counts( blob, &nattrs, &nbv );
	e = entry_alloc();
	/* the berval arrays of all attributes: freed with the entry */
	bv = ch_malloc( ( nbv ? nbv : 1 ) * sizeof( struct berval ) );
	e->e_bv.bv_val = (char *)bv;
	e->e_bv.bv_len = nbv * sizeof( struct berval );
	e->e_attrs = nattrs ? attrs_alloc( nattrs ) : NULL;
	bt_unpack_into( blob, e, e->e_attrs, bv );
	return e;
}

/* An unpacked entry's names point into the block: not entry_free()'s. */
void
bt_cache_entry_free( Entry *e )
{
	BER_BVZERO( &e->e_name );
	BER_BVZERO( &e->e_nname );
	entry_free( e );
}

void
bt_cache_clear( bt_cache *c )
{
	int i;

	for ( i = 0; i < c->n; i++ ) ch_free( c->e[i].blob.bv_val );
	ch_free( c->e );
	c->e = NULL;
	c->n = c->max = 0;
	c->bytes = 0;
	c->valid = 0;
}

/* Whether one of the last BT_ASKED big searches before this one asked
 * for the same point, and the point may fit share (no collect of it
 * outgrew a share as large); remembers this one's. */
int
bt_point_asked_before( bt_info *bi, bt_time vt, bt_time kt, unsigned long gen,
	size_t share )
{
	int i, same = 0;
	size_t toobig = 0;

	ldap_pvt_thread_mutex_lock( &bi->bt_point_mutex );
	for ( i = 0; i < BT_ASKED && !same; i++ ) {
		bt_asked *a = &bi->bt_asks[i];
		if ( a->vt != vt || a->kt != kt ) continue;
		if ( a->toobig > toobig ) toobig = a->toobig;
		same = a->gen == gen;
	}
	if ( !same ) {
		bt_asked *a = &bi->bt_asks[bi->bt_nasked++ % BT_ASKED];
		a->vt = vt;
		a->kt = kt;
		a->gen = gen;
		a->toobig = toobig;
	}
	ldap_pvt_thread_mutex_unlock( &bi->bt_point_mutex );
	return same && share > toobig;
}

/* A collect of the point (vt, kt) outgrew share: remembered for the
 * point at every read snapshot (a write changes its size by little). */
void
bt_point_too_big( bt_info *bi, bt_time vt, bt_time kt, size_t share )
{
	int i;

	ldap_pvt_thread_mutex_lock( &bi->bt_point_mutex );
	for ( i = 0; i < BT_ASKED; i++ ) {
		bt_asked *a = &bi->bt_asks[i];
		if ( a->vt == vt && a->kt == kt && a->toobig < share ) a->toobig = share;
	}
	ldap_pvt_thread_mutex_unlock( &bi->bt_point_mutex );
}

/* The kept point (vt, kt) of read snapshot gen, held for reading until
 * bt_point_release(); NULL when there is none or the points are being
 * changed (never waited for: the caller walks).  The use stamp is a
 * relaxed store, which is all the LRU order needs. */
bt_cache *
bt_point_use( bt_info *bi, bt_time vt, bt_time kt, unsigned long gen )
{
	int i;

	if ( ldap_pvt_thread_rdwr_rtrylock( &bi->bt_cache_lock ) ) return NULL;
	for ( i = 0; i < bi->bt_npoints; i++ ) {
		bt_cache *c = bi->bt_points[i];
		if ( c->vt == vt && c->kt == kt && c->gen == gen ) {
			__atomic_store_n( &c->used, __atomic_add_fetch( &bi->bt_point_tick, 1,
				__ATOMIC_RELAXED ), __ATOMIC_RELAXED );
			return c;
		}
	}
	ldap_pvt_thread_rdwr_runlock( &bi->bt_cache_lock );
	return NULL;
}

void
bt_point_release( bt_info *bi )
{
	ldap_pvt_thread_rdwr_runlock( &bi->bt_cache_lock );
}

/* The caches above that borrow what the points leave unused
 * (bitemporal_api.h), registered as the listeners are. */
static bt_shrinker *shrinkers[BT_LISTENERS_MAX];
static int nshrinkers;

int
bt_shrinker_add( bt_shrinker *fn )
{
	if ( nshrinkers == BT_LISTENERS_MAX ) return -1;
	shrinkers[nshrinkers++] = fn;
	return 0;
}

void
bt_shrinkers_call( bt_info *bi )
{
	int i;

	for ( i = 0; i < nshrinkers; i++ ) shrinkers[i]( bi->bt_on, bi );
}

/* what the kept points hold, told to whoever borrows (under the lock) */
static void
points_count( bt_info *bi )
{
	size_t total = 0;
	int i;

	for ( i = 0; i < bi->bt_npoints; i++ ) total += bi->bt_points[i]->bytes;
	__atomic_store_n( &bi->bt_points_bytes, total, __ATOMIC_RELAXED );
}

static void
point_drop( bt_info *bi, int i )
{
	bt_cache_clear( bi->bt_points[i] );
	ch_free( bi->bt_points[i] );
	bi->bt_points[i] = bi->bt_points[--bi->bt_npoints];
	points_count( bi );
}

size_t
bt_points_spare( bt_info *bi )
{
	size_t share = BT_SHARE_POINTS( bi->bt_cache_max_bytes ),
		held = __atomic_load_n( &bi->bt_points_bytes, __ATOMIC_RELAXED );

	return held < share ? share - held : 0;
}

/* Keeps c among the points (or frees it): the points of older read
 * snapshots go (they are never asked for again), then the least recently
 * used until all fit their share of bitemporal-cache-size.  A search
 * reading the points is not waited for: c is dropped instead. */
void
bt_point_keep( bt_info *bi, bt_cache *c )
{
	size_t share = BT_SHARE_POINTS( bi->bt_cache_max_bytes ), total;
	int i, lru, kept = 0;

	if ( ldap_pvt_thread_rdwr_wtrylock( &bi->bt_cache_lock ) ) goto drop;
	for ( i = 0; i < bi->bt_npoints; ) {
		if ( bi->bt_points[i]->gen > c->gen ) break;	/* c is older */
		if ( bi->bt_points[i]->gen < c->gen ||
			( bi->bt_points[i]->vt == c->vt && bi->bt_points[i]->kt == c->kt ) ) {
			point_drop( bi, i );
			continue;
		}
		i++;
	}
	if ( i < bi->bt_npoints ) {
		ldap_pvt_thread_rdwr_wunlock( &bi->bt_cache_lock );
		goto drop;
	}
	for ( ;; ) {
		for ( i = 0, total = c->bytes; i < bi->bt_npoints; i++ ) total += bi->bt_points[i]->bytes;
		if ( ( total <= share && bi->bt_npoints < BT_POINTS_MAX ) || !bi->bt_npoints ) break;
		for ( i = 1, lru = 0; i < bi->bt_npoints; i++ )
			if ( bi->bt_points[i]->used < bi->bt_points[lru]->used ) lru = i;
		point_drop( bi, lru );
	}
	if ( c->bytes <= share ) {
		c->used = __atomic_add_fetch( &bi->bt_point_tick, 1, __ATOMIC_RELAXED );
		bi->bt_points[bi->bt_npoints++] = c;
		points_count( bi );
		kept = 1;
		c = NULL;
	}
	for ( i = 0, total = 0; i < bi->bt_npoints; i++ ) total += bi->bt_points[i]->bytes;
	Debug( LDAP_DEBUG_STATS, "bitemporal: as-of points kept: %d, %lu of %lu bytes\n",
		bi->bt_npoints, (unsigned long)total, (unsigned long)share );
	ldap_pvt_thread_rdwr_wunlock( &bi->bt_cache_lock );
	/* what was lent of the points' share comes back first */
	if ( kept ) bt_shrinkers_call( bi );
drop:
	if ( c ) {
		bt_cache_clear( c );
		ch_free( c );
	}
}

void
bt_points_clear( bt_info *bi )
{
	while ( bi->bt_npoints ) point_drop( bi, 0 );
}

size_t
bt_points_fit( bt_info *bi )
{
	size_t share = BT_SHARE_POINTS( bi->bt_cache_max_bytes ), total, dropped = 0;
	int i, lru;

	if ( ldap_pvt_thread_rdwr_wtrylock( &bi->bt_cache_lock ) ) return 0;
	for ( ;; ) {
		for ( i = 0, total = 0; i < bi->bt_npoints; i++ ) total += bi->bt_points[i]->bytes;
		if ( total <= share || !bi->bt_npoints ) break;
		for ( i = 1, lru = 0; i < bi->bt_npoints; i++ )
			if ( bi->bt_points[i]->used < bi->bt_points[lru]->used ) lru = i;
		dropped += bi->bt_points[lru]->bytes;
		point_drop( bi, lru );
	}
	Debug( LDAP_DEBUG_STATS, "bitemporal: as-of points kept: %d, %lu of %lu bytes\n",
		bi->bt_npoints, (unsigned long)total, (unsigned long)share );
	ldap_pvt_thread_rdwr_wunlock( &bi->bt_cache_lock );
	return dropped;
}
