/* bt_pack.c - the block format of an entry of the as-of cache: an Entry
 * packed into one block, and unpacked into Attribute structures and berval
 * arrays the caller provides (bt_cache.c allocates them with slapd's
 * functions).  Only slapd's types are used here, none of its functions, so
 * the format is unit-tested on its own (tests/unit/test_bt_pack.c).
 *
 * The format lives only in this process's memory, so it names attributes
 * by their AttributeDescription pointers (which slapd keeps for its whole
 * run) and not by name: unpacking is then a walk over the block, with no
 * schema lookups, which is what makes it as cheap as back-mdb's own
 * decoding.  An unpacked entry's names and values point into the block.
 *
 * Layout (all lengths host-order uint32):
 *   header: nattrs, nbervals, dn length, ndn length
 *   nattrs x { AttributeDescription *, a_flags to keep, nvals, has nvals }
 *   dn NUL ndn NUL
 *   per attribute: nvals x { length, bytes, NUL } [ nvals x { ... } ]
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"

#include "bitemporal.h"

typedef struct pack_head {
	uint32_t nattrs, nbv, dnlen, ndnlen;
} pack_head;

typedef struct pack_attr {
	AttributeDescription *ad;
	uint32_t flags, nvals, has_nvals;
} pack_attr;

/* what an unpacked attribute keeps of a_flags: the rest says who owns
 * memory, which unpacking decides */
#define KEPT_FLAGS SLAP_ATTR_SORTED_VALS

/* a_numvals, where the attribute left it unset */
static uint32_t
attr_nvals( Attribute *a )
{
	uint32_t n = a->a_numvals;

	if ( !n ) while ( a->a_vals[n].bv_val ) n++;
	return n;
}

static size_t
vals_size( BerVarray v, uint32_t n )
{
	size_t len = 0;
	uint32_t i;

	for ( i = 0; i < n; i++ ) len += sizeof( uint32_t ) + v[i].bv_len + 1;
	return len;
}

static char *
put_vals( char *p, BerVarray v, uint32_t n )
{
	uint32_t i, l;

	for ( i = 0; i < n; i++ ) {
		l = v[i].bv_len;
		memcpy( p, &l, sizeof( l ) );
		p += sizeof( l );
		memcpy( p, v[i].bv_val, l );
		p += l;
		*p++ = '\0';
	}
	return p;
}

size_t
bt_pack_size( Entry *e )
{
	Attribute *a;
	size_t len;

	len = sizeof( pack_head ) + e->e_name.bv_len + 1 + e->e_nname.bv_len + 1;
	for ( a = e->e_attrs; a; a = a->a_next ) {
		uint32_t n = attr_nvals( a );
		len += sizeof( pack_attr ) + vals_size( a->a_vals, n );
		if ( a->a_nvals != a->a_vals ) len += vals_size( a->a_nvals, n );
	}
	return len;
}

void
bt_pack_into( Entry *e, char *block, size_t len, struct berval *ndn )
{
	pack_head h = { 0 };
	pack_attr *pa;
	Attribute *a;
	char *p = block;

	h.dnlen = e->e_name.bv_len;
	h.ndnlen = e->e_nname.bv_len;
	for ( a = e->e_attrs; a; a = a->a_next ) {
		uint32_t n = attr_nvals( a );
		h.nattrs++;
		h.nbv += n + 1;
		if ( a->a_nvals != a->a_vals ) h.nbv += n + 1;
	}
	memcpy( p, &h, sizeof( h ) );
	p += sizeof( h );
	pa = (pack_attr *)p;		/* the header keeps it aligned for pointers */
	p += h.nattrs * sizeof( pack_attr );
	memcpy( p, e->e_name.bv_val, h.dnlen );
	p += h.dnlen;
	*p++ = '\0';
	memcpy( p, e->e_nname.bv_val, h.ndnlen );
	ndn->bv_val = p;
	ndn->bv_len = h.ndnlen;
	p += h.ndnlen;
	*p++ = '\0';
	for ( a = e->e_attrs; a; a = a->a_next, pa++ ) {
		uint32_t n = attr_nvals( a );
		pa->ad = a->a_desc;
		pa->flags = a->a_flags & KEPT_FLAGS;
		pa->nvals = n;
		pa->has_nvals = a->a_nvals != a->a_vals;
		p = put_vals( p, a->a_vals, n );
		if ( pa->has_nvals ) p = put_vals( p, a->a_nvals, n );
	}
	assert( p == block + len );
	(void)len;
}

static char *
get_vals( char *p, BerVarray v, uint32_t n )
{
	uint32_t i, l;

	for ( i = 0; i < n; i++ ) {
		memcpy( &l, p, sizeof( l ) );
		p += sizeof( l );
		v[i].bv_len = l;
		v[i].bv_val = p;
		p += l + 1;
	}
	BER_BVZERO( &v[n] );
	return p;
}

void
bt_unpack_counts( struct berval *blob, unsigned *nattrs, unsigned *nbv )
{
	pack_head h;

	memcpy( &h, blob->bv_val, sizeof( h ) );
	*nattrs = h.nattrs;
	*nbv = h.nbv;
}

void
bt_unpack_into( struct berval *blob, Entry *e, Attribute *attrs, struct berval *bv )
{
	pack_head h;
	pack_attr *pa;
	Attribute *a;
	char *p = blob->bv_val;
	uint32_t i;

	memcpy( &h, p, sizeof( h ) );
	p += sizeof( h );
	pa = (pack_attr *)p;
	p += h.nattrs * sizeof( pack_attr );

	e->e_name.bv_val = p;
	e->e_name.bv_len = h.dnlen;
	p += h.dnlen + 1;
	e->e_nname.bv_val = p;
	e->e_nname.bv_len = h.ndnlen;
	p += h.ndnlen + 1;
	for ( i = 0, a = attrs; i < h.nattrs; i++, pa++, a = a->a_next ) {
		a->a_desc = pa->ad;
		a->a_flags = pa->flags | SLAP_ATTR_DONT_FREE_DATA | SLAP_ATTR_DONT_FREE_VALS;
		a->a_numvals = pa->nvals;
		a->a_vals = bv;
		p = get_vals( p, bv, pa->nvals );
		bv += pa->nvals + 1;
		if ( pa->has_nvals ) {
			a->a_nvals = bv;
			p = get_vals( p, bv, pa->nvals );
			bv += pa->nvals + 1;
		} else {
			a->a_nvals = a->a_vals;
		}
	}
}
