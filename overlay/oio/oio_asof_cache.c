/* oio_asof_cache.c - the entities an as-of read of one person or unit
 * visits, kept between reads: what oio_asof.c would otherwise read from
 * the history again for every date.
 *
 * An as-of read at a new date visits some forty entities (the person,
 * their functions, the units above them with the posts and people that
 * manage each), and most of them are the same for every person of a unit
 * and for every date in a long stretch of time: a unit's version holds
 * for years.  So what one read found out about an entity is kept with the
 * stretch of valid time in which it holds (the version's period, or the
 * gap between two versions) and the read snapshot it came from; a later
 * read at any date of that stretch takes it instead of walking the
 * entity's versions and decoding its snapshot.
 *
 * What is kept of an entity is its own facts (bt_row_at_span): its
 * kind, its references and strings as the rules read them
 * (oio_obj_facts), its parent and the name it was registered under (its
 * DN at a date depends on its parents' versions and is rebuilt per read),
 * or that it had no version then.  It is valid while no version of the
 * entity has been written since its snapshot (bt_unchanged_since) and only
 * for reads that know at least what it was read with (known_at >= the
 * entity's newest registration time, and a snapshot no older than its
 * own).  The same cache, in a second instance, keeps the derived values a
 * read computed (oio_asof_values): valid under the same conditions for
 * every entity they were computed from, each named by its slot.
 *
 * Shards with a mutex, a hash table and a least recently used list each,
 * bounded together by bytes (oio_asof_facts_max: a share of
 * bitemporal-cache-size and what the points and the organisation at a
 * point leave unused, taken again at each put; oio_asof_cache_fit gives
 * back what a point kept, or a smaller bound, takes).  A
 * kept fact never changes, so a read borrows it instead of copying it
 * (a read takes some fifty: copying their strings out and freeing them
 * again was a sixth of an as-of base lookup): each entry counts who holds
 * it, the cache as long as it is linked and each read until it gives it
 * back, and the last one frees it.
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"

#include "oio.h"

#define AC_SHARDS	64	/* 8 connections of as-of lookups at 25,000 employees:
						 * 16 shards made slapd spend 35-38 us of system
						 * time per lookup (futexes of contended shards),
						 * 64 shards 31-33 */
#define AC_BUCKETS_MIN	64	/* per shard, doubled as it fills: kept at most one
						 * per bucket (at 25,000 employees a shard holds
						 * 10,000 and a fixed 1,024 made each lookup walk
						 * ten: a fifth of an as-of base lookup's time) */

/* An entity at a point (AC_FACT: f), what refers to the entity u
 * through ad in versions of class oc (NULL: any; AC_REFS: refs, nrefs),
 * or the derived values of u over a stretch (AC_VALUES: v).  One block
 * each: a list of referrers ends where f would begin, a fact's strings
 * follow it (pack_fact), values their arrays and strings (pack_values).
 * What a kept entity costs decides how many fit the bound: a unit's
 * engagements and addresses are read again for every date unless they
 * stay. */
enum { AC_FACT, AC_REFS, AC_VALUES };
/* Kept values: their stretch, then the slots of their inputs
 * (bt_slot[ndeps]) and the values, packed (pack_values): some 600 bytes
 * a person, where arrays of bervals took twice that and a municipality's
 * people over five years did not fit the bound. */
typedef struct ac_values {
	bt_period span;
	bt_time newest;
	unsigned char kind;
	unsigned short ndeps;
} ac_values;
typedef struct ac_ent {
	struct ac_ent *hnext;			/* hash chain */
	struct ac_ent *lprev, *lnext;	/* least recently used list */
	size_t bytes;
	uint32_t hash;			/* ac_hash of u: its shard and bucket */
	unsigned held;			/* the cache while linked, and each read (atomic) */
	bt_uuid u;				/* the entity, or the one referred to */
	size_t built;
	int kind;
	AttributeDescription *ad;
	ObjectClass *oc;
	bt_uuid *refs;
	int nrefs;
	union {				/* (neither in a list of referrers) */
		oio_asof_fact f;
		ac_values v;
	};
} ac_ent;

#define AC_REFS_HEAD	offsetof( ac_ent, f )
#define AC_FACT_HEAD	( AC_REFS_HEAD + sizeof( oio_asof_fact ) )
#define AC_VALUES_HEAD	( AC_REFS_HEAD + sizeof( ac_values ) )
typedef struct ac_shard {
	ldap_pvt_thread_mutex_t mutex;
	ac_ent **buckets;				/* nbuckets, a power of two (0: none yet) */
	unsigned nbuckets, count;
	ac_ent *head, *tail;			/* most recently used first */
	size_t bytes, max;
	size_t *total;					/* the cache's bytes (atomic) */
} ac_shard;

struct oio_asof_cache {
	ac_shard shards[AC_SHARDS];
	size_t bytes;	/* of all shards, read without their locks */
};

/* s holds delta bytes more (or less) */
static void
shard_bytes( ac_shard *s, ssize_t delta )
{
	s->bytes += delta;
	__atomic_add_fetch( s->total, delta, __ATOMIC_RELAXED );
}

static uint32_t
ac_hash( const bt_uuid *u )
{
	uint32_t h = 2166136261u;
	int i;

	for ( i = 0; i < BT_UUID_LEN; i++ ) h = ( h ^ u->u[i] ) * 16777619u;
	return h;
}

/* (the strings are ber_memalloc'd here, never in an operation's slab:
 * ber_memfree spares ch_free's question to the thread pool) */
void
oio_asof_fact_clear( oio_asof_fact *f )
{
	int i;

	ber_memfree( f->sdn.bv_val );
	ber_memfree( f->sndn.bv_val );
	for ( i = 0; i < 4; i++ ) ber_memfree( f->strs[i].bv_val );
	memset( f, 0, sizeof( *f ) );
}

void
oio_asof_fact_of( oio_asof_fact *f, const oio_obj *o )
{
	static const int which[4] = { OIO_S_NAME, OIO_S_USERKEY, OIO_S_SCOPE, OIO_S_VALUE };
	struct berval bv;
	int i;

	f->has_facts = 1;
	oio_obj_facts( o, &f->facts );
	for ( i = 0; i < 4; i++ ) {
		oio_obj_str( o, which[i], &bv );
		if ( bv.bv_len ) ber_dupbv( &f->strs[i], &bv );
		else BER_BVZERO( &f->strs[i] );
	}
}

/* What a block of n bytes takes from the heap: glibc's chunk (the size
 * and 8 bytes of header, in steps of 16, at least 32).  Counted so that
 * the bound holds for the heap, not only for the bytes asked for (the
 * strings of a fact are small: their headers were a fifth of it). */
static size_t
heap_bytes( size_t n )
{
	n = ( n + 8 + 15 ) & ~(size_t)15;
	return n < 32 ? 32 : n;
}

/* The bytes of f's strings, each with its NUL */
static size_t
fact_strs_len( const oio_asof_fact *f )
{
	size_t n = 0;
	int i;

	if ( f->sdn.bv_val ) n += f->sdn.bv_len + 1;
	if ( f->sndn.bv_val ) n += f->sndn.bv_len + 1;
	for ( i = 0; i < 4; i++ ) n += f->strs[i].bv_val ? f->strs[i].bv_len + 1 : 0;
	return n;
}

/* s into the block at *at, which moves past it */
static void
pack_str( struct berval *s, char **at )
{
	if ( !s->bv_val ) return;
	memcpy( *at, s->bv_val, s->bv_len + 1 );
	ber_memfree( s->bv_val );
	s->bv_val = *at;
	*at += s->bv_len + 1;
}

/* A block holding f and its strings (f is emptied: its strings freed) */
static ac_ent *
pack_fact( oio_asof_fact *f, size_t len )
{
	ac_ent *e = ber_memcalloc( 1, AC_FACT_HEAD + len );
	char *at = (char *)e + AC_FACT_HEAD;
	int i;

	e->f = *f;
	pack_str( &e->f.sdn, &at );
	pack_str( &e->f.sndn, &at );
	for ( i = 0; i < 4; i++ ) pack_str( &e->f.strs[i], &at );
	memset( f, 0, sizeof( *f ) );
	return e;
}

oio_asof_cache *
oio_asof_cache_new( void )
{
	oio_asof_cache *c = ch_calloc( 1, sizeof( *c ) );
	int i;

	for ( i = 0; i < AC_SHARDS; i++ ) {
		ldap_pvt_thread_mutex_init( &c->shards[i].mutex );
		c->shards[i].total = &c->bytes;
	}
	return c;
}

static void
lru_unlink( ac_shard *s, ac_ent *e )
{
	if ( e->lprev ) e->lprev->lnext = e->lnext;
	else s->head = e->lnext;
	if ( e->lnext ) e->lnext->lprev = e->lprev;
	else s->tail = e->lprev;
	e->lprev = e->lnext = NULL;
}

static void
lru_front( ac_shard *s, ac_ent *e )
{
	e->lnext = s->head;
	if ( s->head ) s->head->lprev = e;
	s->head = e;
	if ( !s->tail ) s->tail = e;
}

/* e is the most recently used of s */
static void
lru_touch( ac_shard *s, ac_ent *e )
{
	lru_unlink( s, e );
	lru_front( s, e );
}

/* One holder less; the last one frees e. */
static void
ent_release( ac_ent *e )
{
	if ( __atomic_sub_fetch( &e->held, 1, __ATOMIC_ACQ_REL ) ) return;
	ber_memfree( e );	/* one block: what it refers to and its strings */
}

/* The chain of hash h in s (NULL: s has no buckets yet) */
static ac_ent **
chain( ac_shard *s, uint32_t h )
{
	return s->nbuckets ? &s->buckets[( h / AC_SHARDS ) & ( s->nbuckets - 1 )] : NULL;
}

static ac_ent *
chain_head( ac_shard *s, uint32_t h )
{
	ac_ent **c = chain( s, h );

	return c ? *c : NULL;
}

/* Takes e out of s: freed now, or by the last read that holds it. */
static void
ent_drop( ac_shard *s, ac_ent *e )
{
	ac_ent **pp;

	for ( pp = chain( s, e->hash ); *pp && *pp != e; pp = &( *pp )->hnext )
		;
	if ( *pp ) *pp = e->hnext;
	lru_unlink( s, e );
	shard_bytes( s, -(ssize_t)e->bytes );
	s->count--;
	ent_release( e );
}

/* Twice the buckets (at least AC_BUCKETS_MIN), every entry moved: all of
 * them are on the LRU list.  Without memory the chains only grow. */
static void
shard_grow( ac_shard *s )
{
	unsigned n = s->nbuckets ? 2 * s->nbuckets : AC_BUCKETS_MIN;
	ac_ent **b = ber_memcalloc( n, sizeof( *b ) ), *e;

	if ( !b ) return;
	ber_memfree( s->buckets );
	/* the buckets count toward the bound as the entries do */
	shard_bytes( s, (ssize_t)heap_bytes( n * sizeof( *b ) ) -
		(ssize_t)( s->nbuckets ? heap_bytes( s->nbuckets * sizeof( *b ) ) : 0 ) );
	s->buckets = b;
	s->nbuckets = n;
	for ( e = s->head; e; e = e->lnext ) {
		ac_ent **c = chain( s, e->hash );
		e->hnext = *c;
		*c = e;
	}
}

static void
shard_trim( ac_shard *s )
{
	while ( s->tail && s->bytes > s->max ) ent_drop( s, s->tail );
}

/* e (of hash h, bytes in all) into s, most recently used; the least
 * recently used go while s holds more than its bound */
static void
ent_link( ac_shard *s, ac_ent *e, uint32_t h, size_t bytes )
{
	ac_ent **c;

	if ( s->count >= s->nbuckets ) shard_grow( s );
	e->bytes = bytes;
	e->held = 1;
	e->hash = h;
	if ( !( c = chain( s, h ) ) ) {
		ent_release( e );	/* no memory for a first bucket: not kept */
		return;
	}
	e->hnext = *c;
	*c = e;
	lru_front( s, e );
	shard_bytes( s, bytes );
	s->count++;
	shard_trim( s );
}

void
oio_asof_cache_clear( oio_asof_cache *c )
{
	int i;

	for ( i = 0; c && i < AC_SHARDS; i++ ) {
		ac_shard *s = &c->shards[i];
		ldap_pvt_thread_mutex_lock( &s->mutex );
		while ( s->head ) ent_drop( s, s->head );
		ldap_pvt_thread_mutex_unlock( &s->mutex );
	}
}

void
oio_asof_cache_fit( oio_asof_cache *c, size_t max )
{
	int i;

	for ( i = 0; c && i < AC_SHARDS; i++ ) {
		ac_shard *s = &c->shards[i];
		ldap_pvt_thread_mutex_lock( &s->mutex );
		s->max = max / AC_SHARDS;
		shard_trim( s );
		ldap_pvt_thread_mutex_unlock( &s->mutex );
	}
}

void
oio_asof_cache_free( oio_asof_cache *c )
{
	int i;

	if ( !c ) return;
	oio_asof_cache_clear( c );
	for ( i = 0; i < AC_SHARDS; i++ ) {
		ber_memfree( c->shards[i].buckets );
		ldap_pvt_thread_mutex_destroy( &c->shards[i].mutex );
	}
	ch_free( c );
}

size_t
oio_asof_cache_bytes( oio_asof_cache *c )
{
	return c ? __atomic_load_n( &c->bytes, __ATOMIC_RELAXED ) : 0;
}

/* Whether e (a fact or values) can answer a read of snapshot snap at
 * (vt, kt): vt inside its stretch, a read that knows what it was read
 * with, and nothing it was read or computed from written since (each
 * input's slot); one that was written since is dropped. */
static int
ent_serves( ac_shard *s, ac_ent *e, bt_info *bi, bt_time vt, bt_time kt, size_t snap )
{
	const bt_slot *deps = (const bt_slot *)( (char *)e + AC_VALUES_HEAD );
	bt_period span = e->kind == AC_VALUES ? e->v.span : e->f.span;
	bt_time newest = e->kind == AC_VALUES ? e->v.newest : e->f.newest;
	int i, unchanged = 1;

	if ( e->kind == AC_FACT ) unchanged = bt_unchanged_since( bi, &e->u, e->built );
	for ( i = 0; e->kind == AC_VALUES && unchanged && i < e->v.ndeps; i++ )
		unchanged = bt_slot_unchanged_since( bi, deps[i], e->built );
	if ( !unchanged ) {
		ent_drop( s, e );
		return 0;
	}
	return span.from <= vt && vt < span.to && kt >= newest && e->built <= snap;
}

/* What is kept of u of kind (AC_FACT or AC_VALUES) that serves the read,
 * held for the caller (ent_release), or NULL */
static ac_ent *
ent_lend( oio_asof_cache *c, bt_info *bi, const bt_uuid *u, int kind, bt_time vt,
	bt_time kt, size_t snap )
{
	uint32_t h = ac_hash( u );
	ac_shard *s = &c->shards[h % AC_SHARDS];
	ac_ent *e, *next, *found = NULL;

	if ( !snap ) return NULL;
	ldap_pvt_thread_mutex_lock( &s->mutex );
	for ( e = chain_head( s, h ); e && !found; e = next ) {
		next = e->hnext;
		if ( e->kind != kind || memcmp( &e->u, u, sizeof( *u ) ) ) continue;
		if ( !ent_serves( s, e, bi, vt, kt, snap ) ) continue;
		__atomic_add_fetch( &e->held, 1, __ATOMIC_RELAXED );	/* linked: held >= 1 */
		lru_touch( s, e );
		found = e;
	}
	ldap_pvt_thread_mutex_unlock( &s->mutex );
	return found;
}

const oio_asof_fact *
oio_asof_cache_lend( oio_asof_cache *c, bt_info *bi, const bt_uuid *u,
	bt_time vt, bt_time kt, size_t snap )
{
	ac_ent *e = ent_lend( c, bi, u, AC_FACT, vt, kt, snap );

	return e ? &e->f : NULL;
}

void
oio_asof_cache_return( const oio_asof_fact *f )
{
	if ( f ) ent_release( (ac_ent *)( (char *)f - offsetof( ac_ent, f ) ) );
}

/* The stretch a fact or kept values hold for */
static bt_period
ent_span( const ac_ent *e )
{
	return e->kind == AC_VALUES ? e->v.span : e->f.span;
}

/* e (a fact or values, hash h, bytes in all) into s in place of what it
 * replaces: the same entity's of the same kind over an overlapping
 * stretch.  Freed instead when it does not fit the shard's part of max
 * (bitemporal-cache-size may have changed) or was not read from a read
 * snapshot. */
static void
ent_put( ac_shard *s, ac_ent *e, uint32_t h, size_t bytes, size_t max )
{
	ac_ent *old, *next;

	ldap_pvt_thread_mutex_lock( &s->mutex );
	s->max = max / AC_SHARDS;
	if ( !e->built || bytes > s->max ) {
		shard_trim( s );
		ldap_pvt_thread_mutex_unlock( &s->mutex );
		ber_memfree( e );
		return;
	}
	for ( old = chain_head( s, h ); old; old = next ) {
		next = old->hnext;
		if ( old->kind == e->kind && memcmp( &old->u, &e->u, sizeof( e->u ) ) == 0 &&
			bt_period_overlaps( ent_span( old ), ent_span( e ) ) )
			ent_drop( s, old );
	}
	ent_link( s, e, h, bytes );
	ldap_pvt_thread_mutex_unlock( &s->mutex );
}

void
oio_asof_cache_put( oio_asof_cache *c, oio_asof_fact *f, size_t max )
{
	uint32_t h = ac_hash( &f->u );
	ac_shard *s = &c->shards[h % AC_SHARDS];
	ac_ent *e;
	size_t len = fact_strs_len( f ), bytes = heap_bytes( AC_FACT_HEAD + len );

	e = pack_fact( f, len );	/* (copied before the shard's lock is taken) */
	e->u = e->f.u;
	e->built = e->f.built;
	ent_put( s, e, h, bytes, max );
}

/* The referrer lists: valid in any part of valid time (the index holds
 * every entity that ever referred), until something new refers. */
static ac_ent *
refs_find( ac_shard *s, uint32_t h, const bt_uuid *target, AttributeDescription *ad,
	ObjectClass *oc )
{
	ac_ent *e;

	for ( e = chain_head( s, h ); e; e = e->hnext )
		if ( e->kind == AC_REFS && e->ad == ad && e->oc == oc &&
			memcmp( &e->u, target, sizeof( *target ) ) == 0 ) return e;
	return NULL;
}

int
oio_asof_refs_get( oio_asof_cache *c, bt_info *bi, const bt_uuid *target,
	AttributeDescription *ad, ObjectClass *oc, size_t snap, bt_uuid **out, int *n )
{
	uint32_t h = ac_hash( target );
	ac_shard *s = &c->shards[h % AC_SHARDS];
	ac_ent *e;
	int found = 0;

	if ( !snap ) return 0;
	ldap_pvt_thread_mutex_lock( &s->mutex );
	e = refs_find( s, h, target, ad, oc );
	if ( e && !bt_refs_unchanged_since( bi, target, e->built ) ) {
		ent_drop( s, e );
	} else if ( e && e->built <= snap ) {
		*n = e->nrefs;
		*out = ch_malloc( ( e->nrefs ? e->nrefs : 1 ) * sizeof( bt_uuid ) );
		if ( e->nrefs ) memcpy( *out, e->refs, e->nrefs * sizeof( bt_uuid ) );
		lru_touch( s, e );
		found = 1;
	}
	ldap_pvt_thread_mutex_unlock( &s->mutex );
	return found;
}

void
oio_asof_refs_put( oio_asof_cache *c, const bt_uuid *target, AttributeDescription *ad,
	ObjectClass *oc, size_t built, const bt_uuid *refs, int n, size_t max )
{
	uint32_t h = ac_hash( target );
	ac_shard *s = &c->shards[h % AC_SHARDS];
	size_t bytes = heap_bytes( AC_REFS_HEAD + n * sizeof( bt_uuid ) );
	ac_ent *e;

	ldap_pvt_thread_mutex_lock( &s->mutex );
	s->max = max / AC_SHARDS;
	if ( !built || bytes > s->max ) {
		shard_trim( s );
		ldap_pvt_thread_mutex_unlock( &s->mutex );
		return;
	}
	if ( ( e = refs_find( s, h, target, ad, oc ) ) ) ent_drop( s, e );
	e = ber_memcalloc( 1, AC_REFS_HEAD + n * sizeof( bt_uuid ) );
	e->kind = AC_REFS;
	e->u = *target;
	e->built = built;
	e->ad = ad;
	e->oc = oc;
	e->nrefs = n;
	e->refs = (bt_uuid *)( (char *)e + AC_REFS_HEAD );	/* where f would start */
	if ( n ) memcpy( e->refs, refs, n * sizeof( bt_uuid ) );	/* refs: NULL for none */
	ent_link( s, e, h, bytes );
	ldap_pvt_thread_mutex_unlock( &s->mutex );
}

/* The packed form, per attribute of the kind: a 16-bit count of values,
 * a byte that says whether their normalized forms follow, then each value
 * (and each normalized form) as a 16-bit length, its bytes and a NUL. */
#define PACK_MAX 0xffff

static void
put16( unsigned char **at, size_t n )
{
	( *at )[0] = n >> 8;
	( *at )[1] = n & 0xff;
	*at += 2;
}

static size_t
get16( const unsigned char **at )
{
	size_t n = ( (size_t)( *at )[0] << 8 ) | ( *at )[1];

	*at += 2;
	return n;
}

/* The bytes a's values take packed (count and flag not counted), or
 * (size_t)-1 when one does not fit */
static size_t
packed_len( BerVarray a, int *n )
{
	size_t len = 0;

	for ( *n = 0; a && a[*n].bv_val; ( *n )++ ) {
		if ( a[*n].bv_len > PACK_MAX ) return (size_t)-1;
		len += 2 + a[*n].bv_len + 1;
	}
	return *n > PACK_MAX ? (size_t)-1 : len;
}

static void
pack_array( BerVarray a, unsigned char **at )
{
	int i;

	for ( i = 0; a && a[i].bv_val; i++ ) {
		put16( at, a[i].bv_len );
		memcpy( *at, a[i].bv_val, a[i].bv_len );
		( *at )[a[i].bv_len] = '\0';
		*at += a[i].bv_len + 1;
	}
}

/* The packed length of in's values, or (size_t)-1 */
static size_t
values_len( const oio_asof_values *in, int first, int last )
{
	size_t len = 0, l;
	int d, n, nn;

	for ( d = first; d <= last; d++ ) {
		if ( ( l = packed_len( in->v[d], &n ) ) == (size_t)-1 ) return l;
		len += 3 + l;
		if ( !in->nv[d] ) continue;
		if ( ( l = packed_len( in->nv[d], &nn ) ) == (size_t)-1 || nn != n ) return (size_t)-1;
		len += l;
	}
	return len;
}

static void
pack_values( const oio_asof_values *in, int first, int last, unsigned char *at )
{
	int d, n;

	for ( d = first; d <= last; d++ ) {
		for ( n = 0; in->v[d] && in->v[d][n].bv_val; n++ )
			;
		put16( &at, n );
		*at++ = in->nv[d] != NULL;
		pack_array( in->v[d], &at );
		if ( in->nv[d] ) pack_array( in->nv[d], &at );
	}
}

void
oio_asof_values_put( oio_asof_cache *c, const oio_asof_values *in, size_t max )
{
	uint32_t h = ac_hash( &in->u );
	ac_shard *s = &c->shards[h % AC_SHARDS];
	size_t deps = in->ndeps * sizeof( bt_slot ), len, n, bytes;
	ac_ent *e;
	int first, last;

	oio_derived_range( in->kind, &first, &last );
	if ( !in->built || in->ndeps > PACK_MAX ||
		( len = values_len( in, first, last ) ) == (size_t)-1 )
		return;
	n = AC_VALUES_HEAD + deps + len;
	bytes = heap_bytes( n );
	/* (copied before the shard's lock is taken) */
	if ( !( e = ber_memcalloc( 1, n ) ) ) return;
	e->kind = AC_VALUES;
	e->u = in->u;
	e->built = in->built;
	e->v.span = in->span;
	e->v.newest = in->newest;
	e->v.kind = in->kind;
	e->v.ndeps = in->ndeps;
	if ( deps ) memcpy( (char *)e + AC_VALUES_HEAD, in->deps, deps );
	pack_values( in, first, last, (unsigned char *)e + AC_VALUES_HEAD + deps );
	ent_put( s, e, h, bytes, max );
}

/* n values from *at into out (n + 1 bervals, pointing into the block) */
static void
unpack_array( const unsigned char **at, int n, struct berval *out )
{
	int i;

	for ( i = 0; i < n; i++ ) {
		out[i].bv_len = get16( at );
		out[i].bv_val = (char *)*at;
		*at += out[i].bv_len + 1;
	}
	BER_BVZERO( &out[n] );
}

/* e's values unpacked into arrays (from pool, or allocated when they do
 * not fit it) and given to fn */
static void
values_give( ac_ent *e, Entry *entry, oio_values_fn *fn, void *arg )
{
	const unsigned char *data = (unsigned char *)e + AC_VALUES_HEAD + e->v.ndeps * sizeof( bt_slot ),
		*at = data;
	struct berval pool[128], *bvs = pool, *next;
	BerVarray v[D_COUNT], nv[D_COUNT];
	size_t need = 0;
	int d, first, last;

	oio_derived_range( e->v.kind, &first, &last );
	/* how many bervals: a walk over the counts */
	for ( d = first; d <= last; d++ ) {
		int n = get16( &at ), has_nv = *at++, i;
		need += ( n + 1 ) * ( has_nv ? 2 : 1 );
		for ( i = 0; i < n * ( has_nv ? 2 : 1 ); i++ ) at += get16( &at ) + 1;
	}
	if ( need > sizeof( pool ) / sizeof( pool[0] ) ) bvs = ch_malloc( need * sizeof( *bvs ) );
	next = bvs;
	for ( at = data, d = first; d <= last; d++ ) {
		int n = get16( &at ), has_nv = *at++;
		v[d] = n ? next : NULL;
		unpack_array( &at, n, next );
		next += n + 1;
		nv[d] = NULL;
		if ( has_nv ) {
			nv[d] = n ? next : NULL;
			unpack_array( &at, n, next );
			next += n + 1;
		}
	}
	fn( entry, e->v.kind, v, nv, arg );
	if ( bvs != pool ) ch_free( bvs );
}

int
oio_asof_values_give( oio_asof_cache *c, bt_info *bi, const bt_uuid *u, bt_time vt,
	bt_time kt, size_t snap, Entry *entry, oio_values_fn *fn, void *arg )
{
	ac_ent *e = ent_lend( c, bi, u, AC_VALUES, vt, kt, snap );

	if ( !e ) return 0;
	values_give( e, entry, fn, arg );	/* (held: not freed meanwhile) */
	ent_release( e );
	return 1;
}
