/* bt_snapcache.c - the snapshots of versions, inflated, kept for the next
 * read of the same version.
 *
 * An as-of read of one entry reads its inputs from the history (the unit
 * chain above a person, the posts of each unit, the classes they name);
 * the next read of another person at another date reads most of the same
 * versions again.  Inflating a stored snapshot is most of what such a read
 * costs, and a version's snapshot never changes once it is written (a write
 * only closes the registration of old versions and adds new ones; the key
 * of a version is never used again in the run of the process), so the
 * inflated bytes, keyed by the key of the row that holds them, can never be
 * stale.  Kept in a bounded number of bytes, least recently used first
 * out; handed out as copies, so no reader holds anything of the cache.
 *
 * Shards, each with its own mutex, hash table and LRU list, keep slapd's
 * threads from queueing on one lock; a copy of a few KB is all that is done
 * under it.
 */
#include "bt_snapcache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SC_SHARDS 16

typedef struct sc_ent {
	struct sc_ent *hnext;			/* hash chain */
	struct sc_ent *prev, *next;		/* LRU list, most recent first */
	uint32_t hash;
	unsigned char key[BT_SNAP_KEY_LEN];
	size_t len;
	char data[];
} sc_ent;

/* what an entry costs beyond its bytes: the entry and malloc's header
 * (the buckets are counted apart) */
#define SC_OVERHEAD ( sizeof( sc_ent ) + 16 )

typedef struct sc_shard {
	pthread_mutex_t mutex;
	sc_ent **tab;
	unsigned nbuckets, n;
	sc_ent *newest, *oldest;		/* the LRU list */
	size_t bytes;
	unsigned long hits, misses;
} sc_shard;

struct bt_snapcache {
	sc_shard s[SC_SHARDS];
	size_t max;						/* atomic: bytes for all shards */
};

static uint32_t
sc_hash( const unsigned char *key )
{
	uint32_t h = 2166136261u;
	int i;

	for ( i = 0; i < BT_SNAP_KEY_LEN; i++ ) {
		h ^= key[i];
		h *= 16777619u;
	}
	return h;
}

bt_snapcache *
bt_snapcache_new( size_t max )
{
	bt_snapcache *sc = calloc( 1, sizeof( *sc ) );
	int i;

	if ( !sc ) return NULL;
	sc->max = max;
	for ( i = 0; i < SC_SHARDS; i++ ) {
		pthread_mutex_init( &sc->s[i].mutex, NULL );
	}
	return sc;
}

static void
lru_unlink( sc_shard *s, sc_ent *e )
{
	if ( e->prev ) e->prev->next = e->next;
	else s->newest = e->next;
	if ( e->next ) e->next->prev = e->prev;
	else s->oldest = e->prev;
}

static void
lru_push( sc_shard *s, sc_ent *e )
{
	e->prev = NULL;
	e->next = s->newest;
	if ( s->newest ) s->newest->prev = e;
	else s->oldest = e;
	s->newest = e;
}

static void
hash_unlink( sc_shard *s, sc_ent *e )
{
	sc_ent **pp = &s->tab[( e->hash / SC_SHARDS ) & ( s->nbuckets - 1 )];

	while ( *pp != e ) pp = &(*pp)->hnext;
	*pp = e->hnext;
}

/* Drops the least recently used entries of s until it holds at most max
 * bytes.  Under s->mutex. */
static void
shard_trim( sc_shard *s, size_t max )
{
	while ( s->bytes > max && s->oldest ) {
		sc_ent *e = s->oldest;
		lru_unlink( s, e );
		hash_unlink( s, e );
		s->bytes -= e->len + SC_OVERHEAD;
		s->n--;
		free( e );
	}
}

/* Twice the buckets; -1 (and s unchanged) without memory, or when the
 * buckets would take more than half of max (chains grow instead) */
static int
shard_grow( sc_shard *s, size_t max )
{
	unsigned nb = s->nbuckets ? s->nbuckets * 2 : 64, i;
	sc_ent **tab;

	if ( nb * sizeof( sc_ent * ) > max / 2 ) return -1;
	if ( !( tab = calloc( nb, sizeof( sc_ent * ) ) ) ) return -1;
	for ( i = 0; i < s->nbuckets; i++ ) {
		sc_ent *e, *next;
		for ( e = s->tab[i]; e; e = next ) {
			sc_ent **b = &tab[( e->hash / SC_SHARDS ) & ( nb - 1 )];
			next = e->hnext;
			e->hnext = *b;
			*b = e;
		}
	}
	free( s->tab );
	s->bytes += ( nb - s->nbuckets ) * sizeof( sc_ent * );
	s->tab = tab;
	s->nbuckets = nb;
	return 0;
}

void
bt_snapcache_clear( bt_snapcache *sc )
{
	int i;

	if ( !sc ) return;
	for ( i = 0; i < SC_SHARDS; i++ ) {
		sc_shard *s = &sc->s[i];
		pthread_mutex_lock( &s->mutex );
		shard_trim( s, 0 );
		s->bytes = 0;
		free( s->tab );
		s->tab = NULL;
		s->nbuckets = 0;
		pthread_mutex_unlock( &s->mutex );
	}
}

void
bt_snapcache_free( bt_snapcache *sc )
{
	int i;

	if ( !sc ) return;
	bt_snapcache_clear( sc );
	for ( i = 0; i < SC_SHARDS; i++ )
		pthread_mutex_destroy( &sc->s[i].mutex );
	free( sc );
}

void
bt_snapcache_set_max( bt_snapcache *sc, size_t max )
{
	int i;

	if ( !sc ) return;
	__atomic_store_n( &sc->max, max, __ATOMIC_RELAXED );
	for ( i = 0; i < SC_SHARDS; i++ ) {
		sc_shard *s = &sc->s[i];
		pthread_mutex_lock( &s->mutex );
		shard_trim( s, max / SC_SHARDS );
		if ( s->bytes > max / SC_SHARDS ) {
			/* the buckets alone: every entry is gone */
			free( s->tab );
			s->tab = NULL;
			s->nbuckets = 0;
			s->bytes = 0;
		}
		pthread_mutex_unlock( &s->mutex );
	}
}

int
bt_snapcache_get( bt_snapcache *sc, const unsigned char *key, size_t head,
	void *(*alloc)( size_t ), char **buf, size_t *len )
{
	uint32_t h;
	sc_shard *s;
	sc_ent *e;

	if ( !sc || !__atomic_load_n( &sc->max, __ATOMIC_RELAXED ) ) return -1;
	h = sc_hash( key );
	s = &sc->s[h % SC_SHARDS];
	pthread_mutex_lock( &s->mutex );
	for ( e = s->nbuckets ? s->tab[( h / SC_SHARDS ) & ( s->nbuckets - 1 )] : NULL;
		e; e = e->hnext ) {
		if ( e->hash == h && memcmp( e->key, key, BT_SNAP_KEY_LEN ) == 0 ) break;
	}
	if ( !e ) {
		s->misses++;
		pthread_mutex_unlock( &s->mutex );
		return -1;
	}
	s->hits++;
	lru_unlink( s, e );
	lru_push( s, e );
	if ( !( *buf = ( alloc ? alloc : malloc )( head + e->len + 1 ) ) ) {
		pthread_mutex_unlock( &s->mutex );
		return -1;
	}
	memcpy( *buf + head, e->data, e->len );
	*len = e->len;
	pthread_mutex_unlock( &s->mutex );
	return 0;
}

void
bt_snapcache_put( bt_snapcache *sc, const unsigned char *key,
	const char *data, size_t len )
{
	size_t max, cost = len + SC_OVERHEAD;
	uint32_t h;
	sc_shard *s;
	sc_ent *e, **b;

	if ( !sc ) return;
	max = __atomic_load_n( &sc->max, __ATOMIC_RELAXED ) / SC_SHARDS;
	if ( cost > max / 2 ) return;
	h = sc_hash( key );
	s = &sc->s[h % SC_SHARDS];
	if ( !( e = malloc( sizeof( *e ) + len ) ) ) return;
	e->hash = h;
	memcpy( e->key, key, BT_SNAP_KEY_LEN );
	e->len = len;
	memcpy( e->data, data, len );
	pthread_mutex_lock( &s->mutex );
	if ( s->n >= s->nbuckets && shard_grow( s, max ) && !s->nbuckets ) {
		pthread_mutex_unlock( &s->mutex );
		free( e );
		return;
	}
	b = &s->tab[( h / SC_SHARDS ) & ( s->nbuckets - 1 )];
	{
		/* two readers of one version may both have missed it */
		sc_ent *o;
		for ( o = *b; o; o = o->hnext )
			if ( o->hash == h && memcmp( o->key, key, BT_SNAP_KEY_LEN ) == 0 ) break;
		if ( o ) {
			pthread_mutex_unlock( &s->mutex );
			free( e );
			return;
		}
	}
	e->hnext = *b;
	*b = e;
	lru_push( s, e );
	s->n++;
	s->bytes += cost;
	shard_trim( s, max );
	pthread_mutex_unlock( &s->mutex );
}

void
bt_snapcache_stats( bt_snapcache *sc, bt_snapcache_stat *st )
{
	int i;

	memset( st, 0, sizeof( *st ) );
	if ( !sc ) return;
	for ( i = 0; i < SC_SHARDS; i++ ) {
		sc_shard *s = &sc->s[i];
		pthread_mutex_lock( &s->mutex );
		st->bytes += s->bytes;
		st->entries += s->n;
		st->hits += s->hits;
		st->misses += s->misses;
		pthread_mutex_unlock( &s->mutex );
	}
	st->max = __atomic_load_n( &sc->max, __ATOMIC_RELAXED );
}
