/* bt_decode.c - a stored snapshot decoded into an Entry, as slapd's
 * entry_decode() does, with the attribute names resolved through a small
 * per-thread cache.
 *
 * entry_encode() stores each attribute by its name, and entry_decode()
 * looks every name up again with slap_bv2ad(): a case-insensitive walk of
 * the schema's AVL tree and the parse of its options, 80 % of decoding a
 * version (callgrind, as-of full search at 2,000 employees: 215 M of
 * entry_decode's 264 M instructions).  The history's snapshots name the
 * same few dozen descriptions over and over, so each thread keeps the
 * description it found last for each slot of a hash of the name, and
 * checks a hit against the description's own name (entry_encode wrote
 * ad_cname, byte for byte).  Descriptions live as long as slapd: a type
 * removed from cn=config is only marked (at_delete), so a kept pointer
 * never dangles, and a marked one is not taken from the cache.
 * Everything else is entry_decode()'s: one block holds the berval arrays
 * and the data, sorted-value types are sorted, an unknown name becomes
 * an undefined description.  The caller has checked the snapshot
 * (bt_snapshot_check); the lengths are read with the same reader
 * (bt_snapshot_len), which stops at the block's end either way.
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"

#include "bitemporal.h"
#include "bt_codec.h"

/* slots per thread: more than the attribute descriptions a directory's
 * entries use; a collision only costs a slap_bv2ad() */
#define BT_ADCACHE_SLOTS	256

static __thread AttributeDescription *bt_adcache[BT_ADCACHE_SLOTS];

/* The snapshot being read: the next of entry_encode()'s lengths
 * (bt_snapshot_len), or bad once one does not read */
typedef struct snap_cur {
	const unsigned char *p, *end;
	int bad;
} snap_cur;

static size_t
getlen( snap_cur *c )
{
	size_t len = 0;

	if ( !c->bad && bt_snapshot_len( &c->p, c->end, &len ) ) c->bad = 1;
	return c->bad ? 0 : len;
}

/* len bytes and their NUL: where they start; NULL (and bad) past end */
static char *
getbytes( snap_cur *c, size_t len )
{
	char *v = (char *)c->p;

	if ( c->bad || (size_t)( c->end - c->p ) <= len ) {
		c->bad = 1;
		return NULL;
	}
	c->p += len + 1;
	return v;
}

static unsigned
name_slot( const struct berval *name )
{
	uint32_t h = 2166136261u;

	for ( ber_len_t i = 0; i < name->bv_len; i++ )
		h = ( h ^ (unsigned char)name->bv_val[i] ) * 16777619u;
	return h % BT_ADCACHE_SLOTS;
}

/* The description of a stored name: slap_bv2ad(), or the undefined one
 * entry_decode() would take.  LDAP_SUCCESS or its error. */
static int
name_ad( struct berval *name, AttributeDescription **adp )
{
	AttributeDescription **slot = &bt_adcache[name_slot( name )], *ad = *slot;
	const char *text;
	int rc;

	if ( ad && ad->ad_cname.bv_len == name->bv_len &&
		memcmp( ad->ad_cname.bv_val, name->bv_val, name->bv_len ) == 0 &&
		!( ad->ad_type->sat_flags & SLAP_AT_DELETED ) ) {
		*adp = ad;
		return LDAP_SUCCESS;
	}
	ad = NULL;
	if ( slap_bv2ad( name, &ad, &text ) == LDAP_SUCCESS ) {
		*slot = ad;
		*adp = ad;
		return LDAP_SUCCESS;
	}
	ad = NULL;
	if ( ( rc = slap_bv2undef_ad( name, &ad, &text, 0 ) ) != LDAP_SUCCESS ) {
		Debug( LDAP_DEBUG_ANY, "bitemporal: a stored attribute name is unknown: %s\n", text );
		return rc;
	}
	*adp = ad;
	return LDAP_SUCCESS;
}

/* A list of values into *bptr, then its end: the count read.  An empty
 * list of normalized values takes no place (it means "the same as the
 * values": entry_partsize() counted none). */
static int
get_vals( snap_cur *c, BerVarray *bptr, int nvals )
{
	size_t j, n = getlen( c );

	if ( nvals && !n ) return 0;
	for ( j = 0; j < n && !c->bad; j++ ) {
		( *bptr )->bv_len = getlen( c );
		( *bptr )->bv_val = getbytes( c, ( *bptr )->bv_len );
		( *bptr )++;
	}
	BER_BVZERO( *bptr );
	( *bptr )++;
	return n;
}

static int
decode_attrs( snap_cur *c, int nattrs, BerVarray bptr, Attribute *a )
{
	struct berval name;
	const char *text;
	int rc, j;

	while ( nattrs > 0 && ( name.bv_len = getlen( c ) ) ) {
		if ( !( name.bv_val = getbytes( c, name.bv_len ) ) ) break;
		if ( ( rc = name_ad( &name, &a->a_desc ) ) ) return rc;
		a->a_flags = SLAP_ATTR_DONT_FREE_DATA | SLAP_ATTR_DONT_FREE_VALS;
		a->a_vals = bptr;
		a->a_numvals = get_vals( c, &bptr, 0 );
		a->a_nvals = bptr;
		if ( !get_vals( c, &bptr, 1 ) ) a->a_nvals = a->a_vals;
		if ( c->bad ) break;
		if ( a->a_desc->ad_type->sat_flags & SLAP_AT_SORTED_VAL ) {
			rc = slap_sort_vals( (Modifications *)a, &text, &j, NULL );
			if ( rc == LDAP_SUCCESS ) a->a_flags |= SLAP_ATTR_SORTED_VALS;
			else if ( rc == LDAP_TYPE_OR_VALUE_EXISTS ) return rc;
		}
		a = a->a_next;
		nattrs--;
	}
	/* bt_snapshot_check() let it through: a bug, never a read past it */
	return c->bad ? LDAP_OTHER : LDAP_SUCCESS;
}

int
bt_entry_decode( EntryHeader *eh, Entry **ep )
{
	snap_cur c = { (const unsigned char *)eh->data,
		(const unsigned char *)eh->bv.bv_val + eh->bv.bv_len, 0 };
	Entry *x = entry_alloc();
	int rc;

	x->e_attrs = attrs_alloc( eh->nattrs );
	x->e_name.bv_len = getlen( &c );
	x->e_name.bv_val = getbytes( &c, x->e_name.bv_len );
	x->e_nname.bv_len = getlen( &c );
	x->e_nname.bv_val = getbytes( &c, x->e_nname.bv_len );
	x->e_bv = eh->bv;
	rc = c.bad ? LDAP_OTHER :
		decode_attrs( &c, eh->nattrs, (BerVarray)eh->bv.bv_val, x->e_attrs );
	if ( rc != LDAP_SUCCESS ) {
		/* the block stays the caller's, as entry_decode() leaves it */
		BER_BVZERO( &x->e_bv );
		BER_BVZERO( &x->e_name );
		BER_BVZERO( &x->e_nname );
		entry_free( x );
		return rc;
	}
	*ep = x;
	return LDAP_SUCCESS;
}
