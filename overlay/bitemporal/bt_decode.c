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
 * (bt_snapshot_check), which entry_decode() trusts as this does.
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"

#include "bitemporal.h"

/* slots per thread: more than the attribute descriptions a directory's
 * entries use; a collision only costs a slap_bv2ad() */
#define BT_ADCACHE_SLOTS	256

static __thread AttributeDescription *bt_adcache[BT_ADCACHE_SLOTS];

/* entry_encode()'s length: one byte below 0x80, else 0x80 | n and n
 * bytes, big-endian (entry.c, entry_getlen) */
static ber_len_t
getlen( unsigned char **buf )
{
	ber_len_t len = *( *buf )++;
	int i;

	if ( len <= 0x7f ) return len;
	for ( i = len & 0x7f, len = 0; i > 0; i-- ) len = ( len << 8 ) | *( *buf )++;
	return len;
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

/* A list of values from *ptr into *bptr, then its end: the count read.
 * An empty list of normalized values takes no place (it means "the
 * same as the values": entry_partsize() counted none). */
static int
get_vals( unsigned char **ptr, BerVarray *bptr, int nvals )
{
	int j, n = getlen( ptr );

	if ( nvals && !n ) return 0;
	for ( j = 0; j < n; j++ ) {
		( *bptr )->bv_len = getlen( ptr );
		( *bptr )->bv_val = (char *)*ptr;
		*ptr += ( *bptr )->bv_len + 1;
		( *bptr )++;
	}
	BER_BVZERO( *bptr );
	( *bptr )++;
	return n;
}

static int
decode_attrs( unsigned char *ptr, int nattrs, BerVarray bptr, Attribute *a )
{
	struct berval name;
	const char *text;
	int rc, j;

	while ( nattrs > 0 && ( name.bv_len = getlen( &ptr ) ) ) {
		name.bv_val = (char *)ptr;
		if ( ( rc = name_ad( &name, &a->a_desc ) ) ) return rc;
		ptr += name.bv_len + 1;
		a->a_flags = SLAP_ATTR_DONT_FREE_DATA | SLAP_ATTR_DONT_FREE_VALS;
		a->a_vals = bptr;
		a->a_numvals = get_vals( &ptr, &bptr, 0 );
		a->a_nvals = bptr;
		if ( !get_vals( &ptr, &bptr, 1 ) ) a->a_nvals = a->a_vals;
		if ( a->a_desc->ad_type->sat_flags & SLAP_AT_SORTED_VAL ) {
			rc = slap_sort_vals( (Modifications *)a, &text, &j, NULL );
			if ( rc == LDAP_SUCCESS ) a->a_flags |= SLAP_ATTR_SORTED_VALS;
			else if ( rc == LDAP_TYPE_OR_VALUE_EXISTS ) return rc;
		}
		a = a->a_next;
		nattrs--;
	}
	return LDAP_SUCCESS;
}

int
bt_entry_decode( EntryHeader *eh, Entry **ep )
{
	unsigned char *ptr = (unsigned char *)eh->data;
	Entry *x = entry_alloc();
	int rc;

	x->e_attrs = attrs_alloc( eh->nattrs );
	x->e_name.bv_len = getlen( &ptr );
	x->e_name.bv_val = (char *)ptr;
	ptr += x->e_name.bv_len + 1;
	x->e_nname.bv_len = getlen( &ptr );
	x->e_nname.bv_val = (char *)ptr;
	ptr += x->e_nname.bv_len + 1;
	x->e_bv = eh->bv;
	rc = decode_attrs( ptr, eh->nattrs, (BerVarray)eh->bv.bv_val, x->e_attrs );
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
