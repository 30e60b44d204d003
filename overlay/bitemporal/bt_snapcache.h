/* bt_snapcache.h - a bounded cache of the inflated snapshots of versions,
 * shared by all of slapd's threads.
 *
 * Pure C, no slapd symbols: unit-tested on its own (tests/unit).
 *
 * Contract:
 *  - a key is BT_SNAP_KEY_LEN bytes: the stored key of the row that holds
 *    a snapshot (entity uuid, validFrom, recordedAt, seq).  A row's
 *    snapshot never changes and its key is never given to another row in
 *    the life of the cache, so a kept snapshot can never be stale; whoever
 *    could break that (reopening the store, whose sequence restarts)
 *    clears the cache;
 *  - get copies the bytes out (into a buffer from the caller's allocator
 *    with head bytes of room before them and one after), so nothing a
 *    reader holds belongs to the cache and the cache may drop an entry at
 *    any time;
 *  - the bytes held (the snapshots plus a fixed cost per entry and the
 *    hash buckets) never exceed the bound set last (0: nothing is kept);
 *    the least recently used entries go first;
 *  - every function may be called from any thread at any time, except
 *    free, which the owner calls once nobody else can reach the cache.
 */
#ifndef BT_SNAPCACHE_H
#define BT_SNAPCACHE_H

#include <stddef.h>

#define BT_SNAP_KEY_LEN ( 16 + 8 + 8 + 4 )

typedef struct bt_snapcache bt_snapcache;

typedef struct bt_snapcache_stat {
	size_t bytes, max;			/* held, and the bound */
	unsigned long entries, hits, misses;
} bt_snapcache_stat;

/* NULL when memory is short (then every call below is a no-op on NULL) */
bt_snapcache *bt_snapcache_new( size_t max );
void bt_snapcache_free( bt_snapcache *sc );
/* a new bound, honoured before it returns */
void bt_snapcache_set_max( bt_snapcache *sc, size_t max );
void bt_snapcache_clear( bt_snapcache *sc );
/* 0 and *buf (from alloc, NULL: malloc; head + *len + 1 bytes, the
 * snapshot at *buf + head), or -1: not kept (or no memory for the copy) */
int bt_snapcache_get( bt_snapcache *sc, const unsigned char *key, size_t head,
	void *(*alloc)( size_t ), char **buf, size_t *len );
/* keeps a copy of data[0..len) under key (nothing if it does not fit the
 * bound, or the key is kept already) */
void bt_snapcache_put( bt_snapcache *sc, const unsigned char *key,
	const char *data, size_t len );
void bt_snapcache_stats( bt_snapcache *sc, bt_snapcache_stat *st );

#endif /* BT_SNAPCACHE_H */
