/* oio_model.c - the oio overlay's in-memory model: its objects and their
 * two indexes, by entryUUID and by normalized DN (oio_table.h).  Pure C
 * over liblber's memory: what fills objects from entries is oio_entry.c,
 * what derives values from them oio_derive.c (oio_model.h).
 *
 * Compact because the live model holds every object of the organisation
 * for as long as slapd runs (issue 12; docs/performance.md "Memory"):
 * objects are fixed records in pages, not allocations of their own; an
 * object's DN is its RDN under a parent that its siblings share; its
 * strings are one block; its derived values as stored are hashes where
 * they serve only to tell whether what the rules give differs.
 */
#include "portable.h"

#include <stdint.h>

#include <ac/string.h>

#include "oio_model.h"

/* An interned parent DN: key holds the normalized DN, a NUL, the DN and a
 * NUL; a parent is known by both (two children may spell their parent's
 * DN differently, and each keeps its own). */
struct oio_parent {
	unsigned refs;			/* objects whose parent it is */
	ber_len_t ndn_len, dn_len;
	char key[];
};

static void
key_uuid( const void *item, const void **key, size_t *len )
{
	const oio_obj *o = item;

	*key = o->uuid.u;
	*len = BT_UUID_LEN;
}

static void
key_parent( const void *item, const void **key, size_t *len )
{
	const oio_parent *p = item;

	*key = p->key;
	*len = p->ndn_len + 1 + p->dn_len;
}

static unsigned
hash_dn( const void *item )
{
	return ( (const oio_obj *)item )->dn_hash;
}

/* Whether o's normalized DN is the len bytes at key: its normalized RDN,
 * then (with a parent) ',' and the parent's normalized DN. */
static int
match_dn( const void *item, const void *key, size_t len )
{
	const oio_obj *o = item;
	const char *k = key;
	struct berval nrdn;

	oio_obj_str( o, OIO_S_NRDN, &nrdn );
	if ( len < nrdn.bv_len || memcmp( k, nrdn.bv_val, nrdn.bv_len ) ) return 0;
	if ( !o->parent ) return len == nrdn.bv_len;
	return len == nrdn.bv_len + 1 + o->parent->ndn_len && k[nrdn.bv_len] == ',' &&
		memcmp( k + nrdn.bv_len + 1, o->parent->key, o->parent->ndn_len ) == 0;
}

void
oio_model_init( oio_model *m, int keeps_values )
{
	memset( m, 0, sizeof( *m ) );
	ldap_pvt_thread_mutex_init( &m->mutex );
	oio_table_init( &m->by_uuid, key_uuid );
	oio_table_init_fn( &m->by_dn, hash_dn, match_dn );
	oio_table_init( &m->parents, key_parent );
	m->keeps_values = keeps_values;
	m->nids = 1;
}

/* ------------------------------------------------------------------ */
/* The block of strings: each as its length (one byte below 255, else 255
 * and four bytes), its bytes and a NUL, in the order of OIO_S_*.  The
 * normalized RDN is empty when it is the RDN's bytes. */

static size_t
str_size( const struct berval *bv )
{
	return ( bv->bv_len < 255 ? 1 : 5 ) + bv->bv_len + 1;
}

static char *
str_put( char *p, const struct berval *bv )
{
	if ( bv->bv_len < 255 ) {
		*p++ = (char)bv->bv_len;
	} else {
		uint32_t n = bv->bv_len;
		*p++ = (char)255;
		memcpy( p, &n, 4 );
		p += 4;
	}
	if ( bv->bv_len ) memcpy( p, bv->bv_val, bv->bv_len );
	p += bv->bv_len;
	*p++ = '\0';
	return p;
}

static const char *
str_get( const char *p, struct berval *out )
{
	unsigned char n = (unsigned char)*p++;

	if ( n < 255 ) {
		out->bv_len = n;
	} else {
		uint32_t l;
		memcpy( &l, p, 4 );
		p += 4;
		out->bv_len = l;
	}
	out->bv_val = (char *)p;
	return p + out->bv_len + 1;
}

static char empty_str[1];

void
oio_obj_str( const oio_obj *o, int which, struct berval *out )
{
	const char *p = o->names;
	int i;

	out->bv_val = empty_str;
	out->bv_len = 0;
	if ( !p ) return;
	for ( i = 0; i <= which; i++ ) p = str_get( p, out );
	if ( which == OIO_S_NRDN && !out->bv_len ) oio_obj_str( o, OIO_S_RDN, out );
}

/* Replaces o's block with the strings f (which may point into it). */
static int
names_set( oio_obj *o, struct berval *f )
{
	struct berval nrdn = { 0, empty_str };	/* none: the RDN's bytes */
	size_t n = 0;
	char *b, *p;
	int i, any = 0;

	for ( i = 0; i < OIO_S_COUNT; i++ ) {
		n += str_size( &f[i] );
		if ( f[i].bv_len ) any = 1;
	}
	if ( f[OIO_S_NRDN].bv_len == f[OIO_S_RDN].bv_len &&
		memcmp( f[OIO_S_NRDN].bv_val, f[OIO_S_RDN].bv_val, f[OIO_S_RDN].bv_len ) == 0 ) {
		n -= f[OIO_S_NRDN].bv_len;
	} else {
		nrdn = f[OIO_S_NRDN];
	}
	b = NULL;
	if ( any ) {
		if ( !( b = ber_memalloc( n ) ) ) return -1;
		for ( p = b, i = 0; i < OIO_S_COUNT; i++ )
			p = str_put( p, i == OIO_S_NRDN ? &nrdn : &f[i] );
	}
	ber_memfree( o->names );
	o->names = b;
	return 0;
}

static size_t
names_bytes( const oio_obj *o )
{
	struct berval s;
	const char *p = o->names;
	int i;

	if ( !p ) return 0;
	for ( i = 0; i < OIO_S_COUNT; i++ ) p = str_get( p, &s );
	return p - o->names;
}

int
oio_obj_set_strs( oio_obj *o, struct berval *name, struct berval *userkey,
	struct berval *scope, struct berval *value )
{
	struct berval f[OIO_S_COUNT], *given[4];
	int i;

	given[0] = name; given[1] = userkey; given[2] = scope; given[3] = value;
	oio_obj_str( o, OIO_S_RDN, &f[OIO_S_RDN] );
	oio_obj_str( o, OIO_S_NRDN, &f[OIO_S_NRDN] );
	for ( i = 0; i < 4; i++ ) {
		if ( given[i] && given[i]->bv_val ) f[OIO_S_NAME + i] = *given[i];
		else { f[OIO_S_NAME + i].bv_val = empty_str; f[OIO_S_NAME + i].bv_len = 0; }
	}
	return names_set( o, f );
}

/* ------------------------------------------------------------------ */
/* Names: an object's DN is its RDN, then ',' and its parent's DN. */

static void
parent_release( oio_model *m, oio_parent *p )
{
	if ( !p || --p->refs ) return;
	oio_table_del_item( &m->parents, p );
	ber_memfree( p );
}

/* A parent's key into k: ndn, NUL, dn, NUL */
static size_t
parent_key( char *k, struct berval *dn, struct berval *ndn )
{
	memcpy( k, ndn->bv_val, ndn->bv_len );
	k[ndn->bv_len] = '\0';
	memcpy( k + ndn->bv_len + 1, dn->bv_val, dn->bv_len );
	k[ndn->bv_len + 1 + dn->bv_len] = '\0';
	return ndn->bv_len + 1 + dn->bv_len;
}

/* The parent named dn/ndn, with one more reference; NULL: out of memory.
 * Most objects share a parent that is there already: it is looked for
 * before one is allocated. */
static oio_parent *
parent_get( oio_model *m, struct berval *dn, struct berval *ndn )
{
	size_t len = ndn->bv_len + 1 + dn->bv_len;
	oio_parent *p, *have;
	char buf[512];

	if ( len < sizeof( buf ) ) {
		parent_key( buf, dn, ndn );
		if ( ( have = oio_table_find( &m->parents, buf, len ) ) ) {
			have->refs++;
			return have;
		}
	}
	if ( !( p = ber_memalloc( sizeof( *p ) + len + 1 ) ) ) return NULL;
	p->refs = 1;
	p->ndn_len = ndn->bv_len;
	p->dn_len = dn->bv_len;
	parent_key( p->key, dn, ndn );
	if ( len >= sizeof( buf ) && ( have = oio_table_find( &m->parents, p->key, len ) ) ) {
		ber_memfree( p );
		have->refs++;
		return have;
	}
	if ( oio_table_put( &m->parents, p ) ) {
		ber_memfree( p );
		return NULL;
	}
	return p;
}

/* In a DN, slapd's as well as normalized, the first ',' ends the RDN (a
 * ',' in a value is escaped as \2C: dnParent). */
static void
dn_split( struct berval *dn, struct berval *rdn, struct berval *parent )
{
	char *c = dn->bv_len ? memchr( dn->bv_val, ',', dn->bv_len ) : NULL;

	*rdn = *dn;
	parent->bv_val = empty_str;
	parent->bv_len = 0;
	if ( !c ) return;
	rdn->bv_len = c - dn->bv_val;
	parent->bv_val = c + 1;
	parent->bv_len = dn->bv_len - rdn->bv_len - 1;
}

/* Gives o the names dn/ndn (not in the DN index meanwhile), and the
 * strings strs (NULL: o keeps its own; else name, user key, scope, value,
 * a NULL bv_val for none). */
static int
names_of( oio_model *m, oio_obj *o, struct berval *dn, struct berval *ndn,
	const struct berval *strs )
{
	struct berval f[OIO_S_COUNT], pdn, pndn;
	oio_parent *p = NULL;
	unsigned hash = oio_table_hash( ndn->bv_val, ndn->bv_len );	/* RDN, ',', parent */
	int i;

	for ( i = OIO_S_NAME; i < OIO_S_COUNT; i++ ) {
		if ( !strs ) {
			oio_obj_str( o, i, &f[i] );
		} else if ( strs[i - OIO_S_NAME].bv_val ) {
			f[i] = strs[i - OIO_S_NAME];
		} else {
			f[i].bv_val = empty_str;
			f[i].bv_len = 0;
		}
	}
	dn_split( dn, &f[OIO_S_RDN], &pdn );
	dn_split( ndn, &f[OIO_S_NRDN], &pndn );
	if ( pndn.bv_len ) {
		if ( !( p = parent_get( m, &pdn, &pndn ) ) ) return -1;
	} else {
		/* no parent: the whole names are the RDNs */
		f[OIO_S_RDN] = *dn;
		f[OIO_S_NRDN] = *ndn;
	}
	if ( names_set( o, f ) ) {
		parent_release( m, p );
		return -1;
	}
	parent_release( m, o->parent );
	o->parent = p;
	o->dn_hash = hash;
	return 0;
}

/* rdn, then ',' and parent: ber_memalloc'd into *out */
static void
dn_join( struct berval *rdn, const char *parent, ber_len_t plen, struct berval *out )
{
	out->bv_len = rdn->bv_len + ( plen ? plen + 1 : 0 );
	out->bv_val = ber_memalloc( out->bv_len + 1 );
	if ( !out->bv_val ) {
		out->bv_len = 0;
		return;
	}
	memcpy( out->bv_val, rdn->bv_val, rdn->bv_len );
	if ( plen ) {
		out->bv_val[rdn->bv_len] = ',';
		memcpy( out->bv_val + rdn->bv_len + 1, parent, plen );
	}
	out->bv_val[out->bv_len] = '\0';
}

void
oio_obj_dn( oio_obj *o, struct berval *dn, struct berval *ndn )
{
	struct berval rdn;
	oio_parent *p = o->parent;

	if ( dn ) {
		oio_obj_str( o, OIO_S_RDN, &rdn );
		dn_join( &rdn, p ? p->key + p->ndn_len + 1 : NULL, p ? p->dn_len : 0, dn );
	}
	if ( ndn ) {
		oio_obj_str( o, OIO_S_NRDN, &rdn );
		dn_join( &rdn, p ? p->key : NULL, p ? p->ndn_len : 0, ndn );
	}
}

void
oio_obj_parent_ndn( oio_obj *o, struct berval *out )
{
	out->bv_val = o->parent ? o->parent->key : empty_str;
	out->bv_len = o->parent ? o->parent->ndn_len : 0;
}

int
oio_obj_is_named( oio_obj *o, struct berval *ndn )
{
	return o->dn_hash == oio_table_hash( ndn->bv_val, ndn->bv_len ) &&
		match_dn( o, ndn->bv_val, ndn->bv_len );
}

/* ------------------------------------------------------------------ */
/* Objects: records in pages, given ids from 1; a dropped one's id is
 * given again. */

static oio_obj *
obj_new( oio_model *m )
{
	unsigned id;
	oio_obj *o;

	if ( m->nfree ) {
		id = m->free_ids[--m->nfree];
	} else {
		if ( m->nids / OIO_PAGE >= m->npages ) {
			oio_obj **pages = ber_memrealloc( m->pages, ( m->npages + 1 ) * sizeof( *pages ) );
			if ( !pages ) return NULL;
			m->pages = pages;
			/* (each object is cleared when it is given out) */
			if ( !( pages[m->npages] = ber_memalloc( OIO_PAGE * sizeof( oio_obj ) ) ) )
				return NULL;
			m->npages++;
		}
		id = m->nids++;
	}
	o = oio_model_by_id( m, id );
	memset( o, 0, sizeof( *o ) );
	o->id = id;
	return o;
}

/* What a model that keeps values stores of an object: its values by
 * attribute, then the normalized forms of the DN-valued ones by attribute
 * (oio_obj_store_norm). */
#define STORED_VALUES ( 2 * D_COUNT )

static void
stored_free( oio_model *m, oio_obj *o )
{
	int i;

	if ( m->keeps_values && o->stored ) {
		BerVarray *v = o->stored;
		for ( i = 0; i < STORED_VALUES; i++ ) ber_bvarray_free( v[i] );
	}
	ber_memfree( o->stored );
	o->stored = NULL;
}

/* Frees what o holds and gives its id back (o is in no index). */
static void
obj_free( oio_model *m, oio_obj *o )
{
	unsigned id = o->id;

	ber_memfree( o->names );
	parent_release( m, o->parent );
	stored_free( m, o );
	memset( o, 0, sizeof( *o ) );
	if ( m->nfree == m->maxfree ) {
		unsigned max = m->maxfree ? 2 * m->maxfree : 64;
		unsigned *ids = ber_memrealloc( m->free_ids, max * sizeof( *ids ) );
		if ( !ids ) return;		/* the id is not given again */
		m->free_ids = ids;
		m->maxfree = max;
	}
	m->free_ids[m->nfree++] = id;
}

oio_obj *
oio_model_by_id( oio_model *m, unsigned id )
{
	if ( !id || id >= m->nids ) return NULL;
	return &m->pages[id / OIO_PAGE][id % OIO_PAGE];
}

/* The live DIT has one entry per name: an object the model still records
 * under ndn other than o is stale (a change the model missed) and goes. */
static void
dn_claim( oio_model *m, struct berval *ndn, oio_obj *o )
{
	oio_obj *other = oio_table_find( &m->by_dn, ndn->bv_val, ndn->bv_len );

	if ( other && other != o ) oio_model_drop( m, other );
}

oio_obj *
oio_model_add_strs( oio_model *m, const bt_uuid *u, struct berval *dn, struct berval *ndn,
	const struct berval strs[4] )
{
	oio_obj *o = obj_new( m );

	if ( !o ) return NULL;
	o->uuid = *u;
	if ( names_of( m, o, dn, ndn, strs ) ) {
		obj_free( m, o );
		return NULL;
	}
	dn_claim( m, ndn, NULL );
	if ( oio_table_put( &m->by_uuid, o ) ) {
		obj_free( m, o );
		return NULL;
	}
	if ( oio_table_put( &m->by_dn, o ) ) {
		oio_model_drop( m, o );
		return NULL;
	}
	return o;
}

oio_obj *
oio_model_add_unnamed( oio_model *m, const bt_uuid *u )
{
	oio_obj *o = obj_new( m );

	if ( !o ) return NULL;
	o->uuid = *u;
	if ( oio_table_put( &m->by_uuid, o ) ) {
		obj_free( m, o );
		return NULL;
	}
	return o;
}

oio_obj *
oio_model_add( oio_model *m, const bt_uuid *u, struct berval *dn, struct berval *ndn )
{
	return oio_model_add_strs( m, u, dn, ndn, NULL );
}

void
oio_model_unindex( oio_model *m, oio_obj *o )
{
	oio_table_del_item( &m->by_dn, o );
}

int
oio_model_index( oio_model *m, oio_obj *o, struct berval *dn, struct berval *ndn )
{
	if ( names_of( m, o, dn, ndn, NULL ) ) {
		oio_model_drop( m, o );
		return -1;
	}
	dn_claim( m, ndn, o );
	if ( oio_table_put( &m->by_dn, o ) ) {
		oio_model_drop( m, o );
		return -1;
	}
	if ( m->tracker ) m->tracker->renamed( m, o );
	return 0;
}

int
oio_model_set_dn( oio_model *m, oio_obj *o, struct berval *dn, struct berval *ndn )
{
	oio_model_unindex( m, o );
	return oio_model_index( m, o, dn, ndn );
}

static size_t
vals_bytes( BerVarray v )
{
	size_t n = 0;

	for ( ; v && v->bv_val; v++ ) n += sizeof( *v ) + v->bv_len + 1;
	return v ? n + sizeof( *v ) : n;
}

size_t
oio_model_bytes( oio_model *m )
{
	unsigned pos = 0;
	size_t n = ( m->by_uuid.size + m->by_dn.size + m->parents.size ) * sizeof( void * ) +
		(size_t)m->npages * OIO_PAGE * sizeof( oio_obj ) + m->maxfree * sizeof( unsigned ) +
		( m->tracker ? m->tracker->bytes( m ) : 0 );
	oio_parent *p;
	oio_obj *o;
	int i;

	while ( ( p = oio_table_next( &m->parents, &pos ) ) )
		n += sizeof( *p ) + p->ndn_len + p->dn_len + 2;
	pos = 0;
	while ( ( o = oio_table_next( &m->by_uuid, &pos ) ) ) {
		n += names_bytes( o );
		if ( !o->stored ) continue;
		if ( !m->keeps_values ) {
			n += D_COUNT * sizeof( uint64_t );
			continue;
		}
		n += STORED_VALUES * sizeof( BerVarray );
		for ( i = 0; i < STORED_VALUES; i++ ) n += vals_bytes( ( (BerVarray *)o->stored )[i] );
	}
	return n;
}

void
oio_model_clear( oio_model *m )
{
	unsigned pos = 0, i;
	oio_obj *o;
	void *p;

	while ( ( o = oio_table_next( &m->by_uuid, &pos ) ) ) {
		ber_memfree( o->names );
		stored_free( m, o );
	}
	pos = 0;
	while ( ( p = oio_table_next( &m->parents, &pos ) ) ) ber_memfree( p );
	oio_table_clear( &m->by_uuid );
	oio_table_clear( &m->by_dn );
	oio_table_clear( &m->parents );
	for ( i = 0; i < m->npages; i++ ) ber_memfree( m->pages[i] );
	ber_memfree( m->pages );
	ber_memfree( m->free_ids );
	m->pages = NULL;
	m->free_ids = NULL;
	m->npages = m->nfree = m->maxfree = 0;
	m->nids = 1;
	m->loaded = 0;
	if ( m->tracker ) m->tracker->cleared( m );
}

/* The slots an emptied table keeps: enough for the objects of most
 * reads of one entry (a few dozen at a load of at most 1/2); a larger
 * table, grown by a read of a manager, would be walked whole by every
 * later read (the derivation walks the UUID index). */
#define OIO_KEPT_SLOTS 128

static void
table_empty( oio_table *t )
{
	if ( t->size > OIO_KEPT_SLOTS ) oio_table_clear( t );
	else oio_table_empty( t );
}

void
oio_model_empty( oio_model *m )
{
	unsigned pos = 0, id;
	void *p;

	if ( m->npages > 1 ) {
		oio_model_clear( m );
		return;
	}
	for ( id = 1; id < m->nids; id++ ) {
		oio_obj *o = oio_model_by_id( m, id );
		if ( o->id != id ) continue;	/* dropped */
		ber_memfree( o->names );
		stored_free( m, o );
	}
	while ( ( p = oio_table_next( &m->parents, &pos ) ) ) ber_memfree( p );
	table_empty( &m->by_uuid );
	table_empty( &m->by_dn );
	table_empty( &m->parents );
	m->nfree = 0;
	m->nids = 1;
	m->loaded = 0;
	if ( m->tracker ) m->tracker->cleared( m );
}

/* Exchanges the objects of a and b (their mutexes stay). */
void
oio_model_swap( oio_model *a, oio_model *b )
{
	oio_model t = *a;

	a->by_uuid = b->by_uuid; b->by_uuid = t.by_uuid;
	a->by_dn = b->by_dn; b->by_dn = t.by_dn;
	a->parents = b->parents; b->parents = t.parents;
	a->pages = b->pages; b->pages = t.pages;
	a->npages = b->npages; b->npages = t.npages;
	a->nids = b->nids; b->nids = t.nids;
	a->free_ids = b->free_ids; b->free_ids = t.free_ids;
	a->nfree = b->nfree; b->nfree = t.nfree;
	a->maxfree = b->maxfree; b->maxfree = t.maxfree;
	a->keeps_values = b->keeps_values; b->keeps_values = t.keeps_values;
	a->loaded = b->loaded; b->loaded = t.loaded;
	a->tracker = b->tracker; b->tracker = t.tracker;
	a->refs = b->refs; b->refs = t.refs;
	a->units = b->units; b->units = t.units;
	a->nunits = b->nunits; b->nunits = t.nunits;
	a->maxunits = b->maxunits; b->maxunits = t.maxunits;
	a->changed = b->changed; b->changed = t.changed;
	a->nchanged = b->nchanged; b->nchanged = t.nchanged;
	a->maxchanged = b->maxchanged; b->maxchanged = t.maxchanged;
	a->changed_all = b->changed_all; b->changed_all = t.changed_all;
	a->units_moved = b->units_moved; b->units_moved = t.units_moved;
}

void
oio_model_destroy( oio_model *m )
{
	oio_model_clear( m );
	ldap_pvt_thread_mutex_destroy( &m->mutex );
}

oio_obj *
oio_model_get( oio_model *m, const bt_uuid *u )
{
	return oio_table_find( &m->by_uuid, u->u, BT_UUID_LEN );
}

oio_obj *
oio_model_get_dn( oio_model *m, struct berval *ndn )
{
	return oio_table_find( &m->by_dn, ndn->bv_val, ndn->bv_len );
}

oio_obj *
oio_model_parent( oio_model *m, oio_obj *o )
{
	if ( !o->parent ) return NULL;
	return oio_table_find( &m->by_dn, o->parent->key, o->parent->ndn_len );
}

/* Removes o from both indexes and frees it. */
void
oio_model_drop( oio_model *m, oio_obj *o )
{
	if ( m->tracker ) m->tracker->dropped( m, o );
	oio_table_del_item( &m->by_dn, o );
	oio_table_del_item( &m->by_uuid, o );
	obj_free( m, o );
}

oio_kind
oio_model_del_dn( oio_model *m, struct berval *ndn )
{
	oio_obj *o = oio_table_find( &m->by_dn, ndn->bv_val, ndn->bv_len );
	oio_kind kind;

	if ( !o ) return OIO_OTHER;
	kind = o->kind;
	oio_model_drop( m, o );
	return kind;
}

/* ------------------------------------------------------------------ */
/* Derived values as stored.  A set's hash: the sum of its values' hashes
 * (any order gives it), mixed with their number; 0 only for no value.
 * The values of a derived attribute are distinct bytes (an entry's values
 * are distinct; the rules add each once), so equal hashes are the same
 * set but for a chance of 2^-64. */

static uint64_t
mix64( uint64_t x )
{
	x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ull;	/* splitmix64's finalizer */
	x ^= x >> 27; x *= 0x94d049bb133111ebull;
	return x ^ ( x >> 31 );
}

static uint64_t
set_hash( BerVarray v )
{
	uint64_t sum = 0, n = 0, h;
	ber_len_t i;

	for ( ; v && v->bv_val; v++, n++ ) {
		h = 14695981039346656037ull;	/* FNV-1a, 64 bits */
		for ( i = 0; i < v->bv_len; i++ ) {
			h ^= (unsigned char)v->bv_val[i];
			h *= 1099511628211ull;
		}
		sum += mix64( h );
	}
	if ( !n ) return 0;
	h = mix64( sum ^ mix64( n ) );
	return h ? h : 1;
}

/* o's stored values or hashes, allocated on first use (NULL: out of memory) */
static void *
stored_of( oio_model *m, oio_obj *o )
{
	if ( !o->stored )
		o->stored = m->keeps_values ? ber_memcalloc( STORED_VALUES, sizeof( BerVarray ) )
			: ber_memcalloc( D_COUNT, sizeof( uint64_t ) );
	return o->stored;
}

int
oio_obj_stored_is( oio_model *m, oio_obj *o, int d, BerVarray v )
{
	if ( m->keeps_values )
		return oio_same_values( v, o->stored ? ( (BerVarray *)o->stored )[d] : NULL );
	return set_hash( v ) == ( o->stored ? ( (uint64_t *)o->stored )[d] : 0 );
}

void
oio_obj_store( oio_model *m, oio_obj *o, BerVarray *v )
{
	void *s = stored_of( m, o );
	int d;

	for ( d = 0; d < D_COUNT; d++ ) {
		if ( s && m->keeps_values ) {
			ber_bvarray_free( ( (BerVarray *)s )[d] );
			ber_bvarray_free( ( (BerVarray *)s )[D_COUNT + d] );	/* oio_obj_store_norm's */
			( (BerVarray *)s )[d] = v[d];
			( (BerVarray *)s )[D_COUNT + d] = NULL;
		} else {
			if ( s ) ( (uint64_t *)s )[d] = set_hash( v[d] );
			ber_bvarray_free( v[d] );
		}
		v[d] = NULL;
	}
}

void
oio_obj_store_one( oio_model *m, oio_obj *o, int d, BerVarray v )
{
	void *s;

	if ( !v && !o->stored ) return;		/* none stored, none to store */
	if ( !( s = stored_of( m, o ) ) ) return;
	if ( m->keeps_values ) {
		BerVarray *vals = s;
		ber_bvarray_free( vals[d] );
		ber_bvarray_free( vals[D_COUNT + d] );	/* not known for these */
		vals[d] = vals[D_COUNT + d] = NULL;
		if ( v ) ber_bvarray_dup_x( &vals[d], v, NULL );
	} else {
		( (uint64_t *)s )[d] = set_hash( v );
	}
}

BerVarray
oio_obj_values( oio_model *m, oio_obj *o, int d )
{
	return m->keeps_values && o->stored ? ( (BerVarray *)o->stored )[d] : NULL;
}

void
oio_obj_store_norm( oio_model *m, oio_obj *o, BerVarray *nv )
{
	BerVarray *s;
	int d;

	if ( !m->keeps_values || !( s = stored_of( m, o ) ) ) return;
	for ( d = 0; d < D_COUNT; d++ ) {
		ber_bvarray_free( s[D_COUNT + d] );
		s[D_COUNT + d] = nv[d];
		nv[d] = NULL;
	}
}

BerVarray
oio_obj_nvalues( oio_model *m, oio_obj *o, int d )
{
	return m->keeps_values && o->stored ? ( (BerVarray *)o->stored )[D_COUNT + d] : NULL;
}

/* (here, not with the rules: the model compares what is stored with it) */
int
oio_same_values( BerVarray a, BerVarray b )
{
	int i, j, na = 0, nb = 0;

	for ( i = 0; a && a[i].bv_val; i++ ) na++;
	for ( i = 0; b && b[i].bv_val; i++ ) nb++;
	if ( na != nb ) return 0;
	for ( i = 0; i < na; i++ ) {
		for ( j = 0; j < nb; j++ ) if ( a[i].bv_len == b[j].bv_len &&
			memcmp( a[i].bv_val, b[j].bv_val, a[i].bv_len ) == 0 ) break;
		if ( j == nb ) return 0;
	}
	return 1;
}

/* the references of every kind fit the four kept (an address's three
 * share the engagement's places) */
_Static_assert( offsetof( oio_obj, visibility ) + sizeof( bt_uuid ) <=
	offsetof( oio_obj, person ) + sizeof( ( (oio_facts *)0 )->refs ),
	"oio_facts keeps every reference of oio_obj" );

void
oio_obj_facts( const oio_obj *o, oio_facts *facts )
{
	facts->kind = o->kind;
	facts->has_person = o->has_person;
	facts->primary = o->primary;
	facts->has_visibility = o->has_visibility;
	/* the address's owner, addrtype and visibility share these places */
	facts->refs[0] = o->person;
	facts->refs[1] = o->unit;
	facts->refs[2] = o->jobfn;
	facts->refs[3] = o->engtype;
}

void
oio_obj_set_facts( oio_obj *o, const oio_facts *facts )
{
	/* what the model gave it stays: its uuid, id, names and values */
	o->kind = facts->kind;
	o->has_person = facts->has_person;
	o->primary = facts->primary;
	o->has_visibility = facts->has_visibility;
	o->person = facts->refs[0];
	o->unit = facts->refs[1];
	o->jobfn = facts->refs[2];
	o->engtype = facts->refs[3];
}
