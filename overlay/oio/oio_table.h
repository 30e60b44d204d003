/* oio_table.h - the hash table of the oio model (objects by entryUUID and
 * by normalized DN).
 *
 * Pure C, no slapd symbols: unit-tested on its own (tests/unit).
 *
 * Open addressing with linear probing and backward-shift deletion: a
 * delete moves the entries of the probe run behind the freed slot back
 * into it, so the table never holds tombstones.  Every slot is either
 * empty or holds a live item, the load (count / size) stays at most 1/2,
 * and a lookup always ends at an empty slot within the run of its key:
 * any mix of inserts and deletes, for as long as the directory lives,
 * leaves lookups as short as after a fresh load.  (A table that leaves
 * tombstones and counts only live items eventually has no empty slot, and
 * a lookup of an absent key then never ends.)
 *
 * Contract:
 *  - items are opaque pointers, never NULL; the table does not own them;
 *  - an item's key is whatever the key function returns for it; it must
 *    not change while the item is in the table (delete, change, put);
 *  - keys are unique: put of a key already present is the caller's bug;
 *  - iteration (oio_table_next) sees every item exactly once as long as
 *    nothing is put or deleted meanwhile (a delete may move an item into
 *    a slot already passed); collect first, then change the table;
 *  - memory comes from malloc; put returns -1 if the table cannot grow,
 *    and the table is then unchanged.
 */
#ifndef OIO_TABLE_H
#define OIO_TABLE_H

#include <stddef.h>

/* The key of an item: *key, *len (the bytes are hashed and compared). */
typedef void (oio_table_key_fn)( const void *item, const void **key, size_t *len );

/* Or, for an item whose key is not one run of bytes (the model's objects:
 * their normalized RDN, then their parent's normalized DN): the hash of
 * its key, which must be oio_table_hash( key bytes ) of the bytes a lookup
 * names it by, and whether the item has those bytes as its key. */
typedef unsigned (oio_table_hash_fn)( const void *item );
typedef int (oio_table_match_fn)( const void *item, const void *key, size_t len );

typedef struct oio_table {
	void **slot;			/* size slots; NULL: empty */
	unsigned size;			/* 0 or a power of two */
	unsigned count;			/* items in the table */
	oio_table_key_fn *key;	/* NULL: hash and match */
	oio_table_hash_fn *hash;
	oio_table_match_fn *match;
} oio_table;

void oio_table_init( oio_table *t, oio_table_key_fn *key );
void oio_table_init_fn( oio_table *t, oio_table_hash_fn *hash, oio_table_match_fn *match );

/* The table's hash of n bytes: eight at a time (the keys are DNs and
 * UUIDs; a byte at a time was a tenth of an as-of read), mixed so that the
 * low bits, which pick the slot, depend on every byte.  Not a stored
 * value: it may change with the code. */
unsigned oio_table_hash( const void *p, size_t n );
/* Frees the slots (not the items); the table is empty and usable again. */
void oio_table_clear( oio_table *t );
/* Empties the table (not freeing the items) and keeps its slots for the
 * items to come. */
void oio_table_empty( oio_table *t );

/* Adds item (its key must not be in the table).  0, or -1 when out of
 * memory (nothing changed). */
int oio_table_put( oio_table *t, void *item );
/* The item with this key, or NULL. */
void *oio_table_find( const oio_table *t, const void *key, size_t len );
/* Removes the item with this key and returns it; NULL if there is none. */
void *oio_table_del( oio_table *t, const void *key, size_t len );

/* Removes item itself (found by its hash, told by its address: no key
 * bytes needed); returns it, or NULL if it is not in the table. */
void *oio_table_del_item( oio_table *t, const void *item );

/* Iteration: unsigned pos = 0; while ( ( item = oio_table_next( t, &pos ) ) ) */
void *oio_table_next( const oio_table *t, unsigned *pos );

#endif /* OIO_TABLE_H */
