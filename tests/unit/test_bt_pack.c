/* test_bt_pack.c - the as-of cache's block format (overlay/bitemporal/
 * bt_pack.c): entries packed into one block and unpacked again are the
 * same entries, for many attributes, empty and binary and long values,
 * attribute subtypes, separate normalized values, an entry with nothing.
 *
 * Why without slapd: the format uses slapd's types (Entry, Attribute, the
 * AttributeDescription pointers that name attributes) but none of its
 * functions, so the packing was cut from the allocation (bt_cache.c, which
 * calls entry_alloc/attrs_alloc/entry_free) and this test links only the
 * format.  The entries are built here by hand; an AttributeDescription is
 * only ever compared by address, so the test's own stand for them (with
 * their names filled in, as slapd's are).  What this does not see: that
 * entry_free of an unpacked entry frees what bt_cache_unpack allocated and
 * nothing in the block (the as-of tests in t_bitemporal run that in slapd,
 * under the sanitizers with --enable-sanitizers).
 */
#include "portable.h"

#include <ctype.h>
#include <stdlib.h>

#define CH_FREE 1	/* free() is libc's here, not slapd's ch_free */
#include "slap.h"

#include "bitemporal.h"
#include "tap.h"

#define MAXV 1024

/* The attribute descriptions of the entries below. */
static AttributeDescription ad_oc, ad_cn, ad_cn_da, ad_photo, ad_desc, ad_empty,
	ad_many[300];

static void
ad_init( AttributeDescription *ad, const char *name )
{
	ad->ad_cname.bv_val = (char *)name;
	ad->ad_cname.bv_len = strlen( name );
}

typedef struct built {
	Entry e;
	Attribute a[400];
	struct berval v[400][8], nv[400][8];
	int na;
} built;

/* Adds an attribute of n values (vals[i] of lens[i] bytes, lens NULL:
 * strings); nvals: separate normalized values (upper case of the values),
 * numvals: a_numvals set (slapd leaves it 0 in places). */
static void
add( built *b, AttributeDescription *ad, int n, const char **vals, const size_t *lens,
	int nvals, int numvals, unsigned flags )
{
	Attribute *a = &b->a[b->na];
	int i;

	a->a_desc = ad;
	a->a_flags = flags;
	a->a_numvals = numvals ? n : 0;
	a->a_vals = b->v[b->na];
	for ( i = 0; i < n; i++ ) {
		a->a_vals[i].bv_val = (char *)vals[i];
		a->a_vals[i].bv_len = lens ? lens[i] : strlen( vals[i] );
	}
	BER_BVZERO( &a->a_vals[n] );
	a->a_nvals = a->a_vals;
	if ( nvals ) {
		a->a_nvals = b->nv[b->na];
		for ( i = 0; i < n; i++ ) {
			size_t k, l = a->a_vals[i].bv_len;
			char *s = malloc( l + 1 );
			for ( k = 0; k < l; k++ ) s[k] = toupper( (unsigned char)a->a_vals[i].bv_val[k] );
			s[l] = '\0';
			a->a_nvals[i].bv_val = s;
			a->a_nvals[i].bv_len = l;
		}
		BER_BVZERO( &a->a_nvals[n] );
	}
	if ( b->na ) b->a[b->na - 1].a_next = a;
	b->e.e_attrs = &b->a[0];
	b->na++;
}

static built *
entry( const char *dn, const char *ndn )
{
	built *b = calloc( 1, sizeof( *b ) );

	b->e.e_name.bv_val = (char *)dn;
	b->e.e_name.bv_len = strlen( dn );
	b->e.e_nname.bv_val = (char *)ndn;
	b->e.e_nname.bv_len = strlen( ndn );
	return b;
}

static void
built_free( built *b )
{
	int i, k;

	for ( i = 0; i < b->na; i++ )
		if ( b->a[i].a_nvals != b->a[i].a_vals )
			for ( k = 0; b->a[i].a_nvals[k].bv_val; k++ ) free( b->a[i].a_nvals[k].bv_val );
	free( b );
}

/* An entry packed and unpacked, as bt_cache.c does it but with malloc. */
typedef struct packed {
	struct berval blob, ndn;
	unsigned nattrs, nbv;
	Entry e;
	Attribute *attrs;
	struct berval *bv;
} packed;

static void
pack( Entry *e, packed *p )
{
	unsigned i;

	memset( p, 0, sizeof( *p ) );
	p->blob.bv_len = bt_pack_size( e );
	p->blob.bv_val = malloc( p->blob.bv_len );
	bt_pack_into( e, p->blob.bv_val, p->blob.bv_len, &p->ndn );
	bt_unpack_counts( &p->blob, &p->nattrs, &p->nbv );
	p->attrs = calloc( p->nattrs + 1, sizeof( Attribute ) );
	for ( i = 0; i + 1 < p->nattrs; i++ ) p->attrs[i].a_next = &p->attrs[i + 1];
	p->bv = calloc( p->nbv + 1, sizeof( struct berval ) );
	bt_unpack_into( &p->blob, &p->e, p->nattrs ? p->attrs : NULL, p->bv );
	p->e.e_attrs = p->nattrs ? p->attrs : NULL;
}

static void
packed_free( packed *p )
{
	free( p->blob.bv_val );
	free( p->attrs );
	free( p->bv );
}

static int
inside( packed *p, const char *s, size_t len )
{
	return s >= p->blob.bv_val && s + len < p->blob.bv_val + p->blob.bv_len;
}

/* The values v of n entries against w: the same bytes, NUL-terminated in
 * the block, the array terminated. */
static const char *
same_vals( packed *p, BerVarray v, BerVarray w, unsigned n )
{
	unsigned i;

	for ( i = 0; i < n; i++ ) {
		if ( v[i].bv_len != w[i].bv_len ) return "a value's length differs";
		if ( memcmp( v[i].bv_val, w[i].bv_val, v[i].bv_len ) ) return "a value's bytes differ";
		if ( !inside( p, v[i].bv_val, v[i].bv_len ) ) return "a value is not in the block";
		if ( v[i].bv_val[v[i].bv_len] != '\0' ) return "a value is not NUL-terminated";
	}
	if ( !BER_BVISNULL( &v[n] ) ) return "the value array is not terminated";
	return NULL;
}

/* The unpacked entry of p against the original o. */
static const char *
same_entry( packed *p, Entry *o )
{
	Entry *e = &p->e;
	Attribute *a, *b;

	if ( !bvmatch( &e->e_name, &o->e_name ) ) return "the DN differs";
	if ( !bvmatch( &e->e_nname, &o->e_nname ) ) return "the normalized DN differs";
	if ( e->e_name.bv_val[e->e_name.bv_len] || e->e_nname.bv_val[e->e_nname.bv_len] )
		return "a DN is not NUL-terminated";
	if ( p->ndn.bv_val != e->e_nname.bv_val || p->ndn.bv_len != o->e_nname.bv_len )
		return "the packer's ndn is not the name in the block";
	for ( a = e->e_attrs, b = o->e_attrs; a && b; a = a->a_next, b = b->a_next ) {
		unsigned n = 0;
		const char *why;
		while ( b->a_vals[n].bv_val ) n++;
		if ( a->a_desc != b->a_desc ) return "an attribute's description differs (or order)";
		if ( a->a_numvals != n ) return "a_numvals is not the number of values";
		if ( a->a_flags != ( ( b->a_flags & SLAP_ATTR_SORTED_VALS ) |
				SLAP_ATTR_DONT_FREE_DATA | SLAP_ATTR_DONT_FREE_VALS ) )
			return "a_flags: not the sorted flag kept and the block's values not to be freed";
		if ( ( why = same_vals( p, a->a_vals, b->a_vals, n ) ) ) return why;
		if ( ( a->a_nvals == a->a_vals ) != ( b->a_nvals == b->a_vals ) )
			return "shared normalized values are not shared again (or the reverse)";
		if ( ( why = same_vals( p, a->a_nvals, b->a_nvals, n ) ) ) return why;
	}
	if ( a || b ) return "the number of attributes differs";
	return NULL;
}

/* Packs b, unpacks, compares; then packs the unpacked entry again: the
 * same size, the same entry. */
static void
round_trip( built *b, const char *what )
{
	packed p, q;
	const char *why;

	pack( &b->e, &p );
	why = same_entry( &p, &b->e );
	ok( !why, "%s: unpacked as packed%s%s", what, why ? ": " : "", why ? why : "" );
	pack( &p.e, &q );
	is_int( q.blob.bv_len, p.blob.bv_len, "%s: packed again, the same size", what );
	why = same_entry( &q, &b->e );
	ok( !why, "%s: packed again, the same entry%s%s", what, why ? ": " : "", why ? why : "" );
	packed_free( &q );
	packed_free( &p );
}

static void
test_small( void )
{
	static const char *oc[] = { "top", "person" }, *cn[] = { "Anna" };
	built *b = entry( "cn=Anna,dc=k", "cn=anna,dc=k" );
	packed p;

	add( b, &ad_oc, 2, oc, NULL, 0, 1, 0 );
	add( b, &ad_cn, 1, cn, NULL, 1, 0, SLAP_ATTR_SORTED_VALS | SLAP_ATTR_IXADD );
	pack( &b->e, &p );
	/* 16 header + 2 x 24 attributes + "cn=Anna,dc=k" 12+1 + ndn 12+1
	 * + objectClass (4+3+1) + (4+6+1) + cn (4+4+1) twice = 127 */
	is_int( p.blob.bv_len, 127, "size: the names and values, 24 bytes per attribute, 16 of header" );
	is_int( p.nattrs, 2, "2 attributes" );
	/* objectClass 2 values + end; cn 1 + end, twice */
	is_int( p.nbv, 7, "7 bervals (values and terminators, separate normalized ones too)" );
	ok( !same_entry( &p, &b->e ), "a small entry unpacked as packed" );
	ok( p.e.e_attrs->a_next->a_flags & SLAP_ATTR_SORTED_VALS, "the sorted flag is kept" );
	ok( !( p.e.e_attrs->a_next->a_flags & SLAP_ATTR_IXADD ), "an index flag is not" );
	packed_free( &p );
	round_trip( b, "small entry" );
	built_free( b );
}

static void
test_many( void )
{
	static const char *v3[] = { "one", "two", "three" };
	built *b = entry( "uid=many,ou=people,dc=k", "uid=many,ou=people,dc=k" );
	int i;

	for ( i = 0; i < 300; i++ )
		add( b, &ad_many[i], 1 + i % 3, v3, NULL, i % 2, i % 5 != 0, i % 7 ? 0 : SLAP_ATTR_SORTED_VALS );
	round_trip( b, "300 attributes" );
	built_free( b );
}

static void
test_values( void )
{
	static char bin[256], *big;
	static const char *empty[] = { "", "x", "" }, *none[] = { NULL };
	const char *binv[2], *bigv[1];
	size_t binl[2], bigl[1];
	static const char *cn[] = { "Anna Andersen" }, *cnda[] = { "Anna Andersen (da)", "Anna" };
	built *b = entry( "cn=values,dc=k", "cn=values,dc=k" );
	int i;

	for ( i = 0; i < 256; i++ ) bin[i] = (char)i;		/* NULs and all */
	binv[0] = bin; binl[0] = 256;
	binv[1] = bin + 1; binl[1] = 0;
	big = malloc( ( 1 << 20 ) + 1 );
	for ( i = 0; i < ( 1 << 20 ) + 1; i++ ) big[i] = 'a' + i % 26;
	bigv[0] = big; bigl[0] = ( 1 << 20 ) + 1;

	add( b, &ad_desc, 3, empty, NULL, 1, 1, 0 );
	add( b, &ad_photo, 2, binv, binl, 0, 1, 0 );
	add( b, &ad_cn, 1, cn, NULL, 1, 1, 0 );
	add( b, &ad_cn_da, 2, cnda, NULL, 1, 1, 0 );	/* cn;lang-da: its own description */
	add( b, &ad_desc, 1, bigv, bigl, 0, 0, 0 );		/* a second attribute of one description */
	add( b, &ad_empty, 0, none, NULL, 0, 0, 0 );
	round_trip( b, "empty, binary, 1 MiB values, a subtype, no values" );
	built_free( b );
	free( big );
}

static void
test_bare( void )
{
	built *b = entry( "", "" );
	packed p;

	pack( &b->e, &p );
	is_int( p.blob.bv_len, 16 + 1 + 1, "no attributes, empty DN: the header and two NULs" );
	is_int( p.nattrs, 0, "no attributes" );
	is_int( p.nbv, 0, "no bervals" );
	ok( !same_entry( &p, &b->e ), "the empty entry unpacked as packed" );
	packed_free( &p );
	built_free( b );

	{
		static char dn[20001], ndn[20001];
		memset( dn, 'A', 20000 );
		memcpy( dn, "cn=", 3 );
		memset( ndn, 'a', 20000 );
		memcpy( ndn, "cn=", 3 );
		b = entry( dn, ndn );
		round_trip( b, "a 20,000 byte DN" );
		built_free( b );
	}
}

int
main( void )
{
	int i;
	static char names[300][16];

	setvbuf( stdout, NULL, _IOLBF, 0 );
	ad_init( &ad_oc, "objectClass" );
	ad_init( &ad_cn, "cn" );
	ad_init( &ad_cn_da, "cn;lang-da" );
	ad_init( &ad_photo, "jpegPhoto" );
	ad_init( &ad_desc, "description" );
	ad_init( &ad_empty, "moEmpty" );
	for ( i = 0; i < 300; i++ ) {
		snprintf( names[i], sizeof( names[i] ), "attr%d", i );
		ad_init( &ad_many[i], names[i] );
	}
	test_small();
	test_many();
	test_values();
	test_bare();
	return tap_done();
}
