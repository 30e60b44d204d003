/* oio_model.c - the oio overlay's in-memory model: its objects and their
 * two indexes, by entryUUID and by normalized DN (oio_table.h).  Pure C
 * over liblber's memory: what fills objects from entries is oio_entry.c,
 * what derives values from them oio_derive.c (oio_model.h).
 */
#include "portable.h"

#include <ac/string.h>

#include "oio_model.h"

static void
key_uuid( const void *item, const void **key, size_t *len )
{
	const oio_obj *o = item;

	*key = o->uuid.u;
	*len = BT_UUID_LEN;
}

static void
key_ndn( const void *item, const void **key, size_t *len )
{
	const oio_obj *o = item;

	*key = o->ndn.bv_val;
	*len = o->ndn.bv_len;
}

void
oio_model_init( oio_model *m )
{
	memset( m, 0, sizeof( *m ) );
	ldap_pvt_thread_mutex_init( &m->mutex );
	oio_table_init( &m->by_uuid, key_uuid );
	oio_table_init( &m->by_dn, key_ndn );
}

void
oio_obj_free( oio_obj *o )
{
	int i;

	ber_memfree( o->dn.bv_val );
	ber_memfree( o->ndn.bv_val );
	ber_memfree( o->name.bv_val );
	ber_memfree( o->userkey.bv_val );
	ber_memfree( o->scope.bv_val );
	ber_memfree( o->value.bv_val );
	for ( i = 0; i < D_COUNT; i++ ) ber_bvarray_free( o->stored[i] );
	oio_obj_scratch_free( o );
	ber_memfree( o );
}

void
oio_obj_scratch_free( oio_obj *o )
{
	int i;

	if ( o->c_reports ) {
		ber_memfree( o->c_reports );
		o->c_reports = NULL;
	}
	for ( i = 0; i < 3; i++ ) {
		if ( !o->c_addr[i] ) continue;
		ber_memfree( o->c_addr[i] );
		o->c_addr[i] = NULL;
	}
}

/* The array of a scratch list alone: its values are other objects'. */
static size_t
list_bytes( BerVarray v )
{
	size_t n = 0;

	for ( ; v && v->bv_val; v++ ) n += sizeof( *v );
	return v ? n + sizeof( *v ) : n;
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
	size_t n = ( m->by_uuid.size + m->by_dn.size ) * sizeof( void * );
	oio_obj *o;
	int i;

	while ( ( o = oio_table_next( &m->by_uuid, &pos ) ) ) {
		n += sizeof( *o ) + o->dn.bv_len + o->ndn.bv_len + o->name.bv_len +
			o->userkey.bv_len + o->scope.bv_len + o->value.bv_len + 6;
		for ( i = 0; i < D_COUNT; i++ ) n += vals_bytes( o->stored[i] );
		n += list_bytes( o->c_reports );
		for ( i = 0; i < 3; i++ ) n += list_bytes( o->c_addr[i] );
	}
	return n;
}

void
oio_model_clear( oio_model *m )
{
	unsigned pos = 0;
	oio_obj *o;

	while ( ( o = oio_table_next( &m->by_uuid, &pos ) ) ) oio_obj_free( o );
	oio_table_clear( &m->by_uuid );
	oio_table_clear( &m->by_dn );
	m->loaded = 0;
}

/* Exchanges the objects of a and b (their mutexes stay). */
void
oio_model_swap( oio_model *a, oio_model *b )
{
	oio_table t;
	int loaded;

	t = a->by_uuid; a->by_uuid = b->by_uuid; b->by_uuid = t;
	t = a->by_dn; a->by_dn = b->by_dn; b->by_dn = t;
	loaded = a->loaded; a->loaded = b->loaded; b->loaded = loaded;
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

/* Removes o from both indexes and frees it. */
void
oio_model_drop( oio_model *m, oio_obj *o )
{
	if ( oio_table_find( &m->by_dn, o->ndn.bv_val, o->ndn.bv_len ) == o )
		oio_table_del( &m->by_dn, o->ndn.bv_val, o->ndn.bv_len );
	oio_table_del( &m->by_uuid, o->uuid.u, BT_UUID_LEN );
	oio_obj_free( o );
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
