/* bt_cache.c - the entries of the as-of cache (bt_search.c), packed.
 *
 * The cache holds the whole directory at one (validAt, knownAt).  Kept as
 * slapd Entry structures it cost ~4 KB per entry (an Attribute and two
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
