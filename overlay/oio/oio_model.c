/* oio_model.c - the in-memory model of the live organisation and the
 * computation of the derived attributes (slapo-oio(5), docs/schema-mapping.md
 * section 7).
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"
#include "slap-config.h"
#include "lutil.h"

#include "oio.h"

const char *const oio_derived_names[D_COUNT] = {
	"title", "ou", "departmentNumber", "employeeNumber", "employeeType",
	"manager", "mail", "telephoneNumber", "mobile", "moActive",
	"moDirectReports", "moUnitPath", "moRefUnitManager", "moUnitManagerDN"
};

oio_ads oio_ad;

static int
ad_get( const char *name, AttributeDescription **ad, ConfigReply *cr )
{
	const char *text;

	*ad = NULL;
	if ( slap_str2ad( name, ad, &text ) != LDAP_SUCCESS ) {
		snprintf( cr->msg, sizeof( cr->msg ),
			"oio overlay: attribute %s is not defined; load the modir-oio schema", name );
		return 1;
	}
	return 0;
}

static int
oc_get( const char *name, ObjectClass **oc, ConfigReply *cr )
{
	*oc = oc_find( name );
	if ( !*oc ) {
		snprintf( cr->msg, sizeof( cr->msg ),
			"oio overlay: object class %s is not defined; load the modir-oio schema", name );
		return 1;
	}
	return 0;
}

int
oio_ads_init( ConfigReply *cr )
{
	int i;

	if ( ad_get( "moRefPerson", &oio_ad.refPerson, cr ) ||
		ad_get( "moRefUnit", &oio_ad.refUnit, cr ) ||
		ad_get( "moRefJobFunction", &oio_ad.refJobFunction, cr ) ||
		ad_get( "moRefEngagementType", &oio_ad.refEngagementType, cr ) ||
		ad_get( "moRefAddressType", &oio_ad.refAddressType, cr ) ||
		ad_get( "moRefVisibility", &oio_ad.refVisibility, cr ) ||
		ad_get( "moRefOwner", &oio_ad.refOwner, cr ) ||
		ad_get( "moRefFacet", &oio_ad.refFacet, cr ) ||
		ad_get( "moPrimary", &oio_ad.primary, cr ) ||
		ad_get( "moUserKey", &oio_ad.userKey, cr ) ||
		ad_get( "moName", &oio_ad.name, cr ) ||
		ad_get( "moScope", &oio_ad.scope, cr ) ||
		ad_get( "moAddressValue", &oio_ad.addressValue, cr ) ||
		ad_get( "ou", &oio_ad.ou, cr ) ||
		ad_get( "moRefRelatedUnit", &oio_ad.refRelatedUnit, cr ) ||
		ad_get( "moCPRNumber", &oio_ad.cprNumber, cr ) )
		return 1;
	for ( i = 0; i < D_COUNT; i++ )
		if ( ad_get( oio_derived_names[i], &oio_ad.derived[i], cr ) ) return 1;
	if ( oc_get( "moOrganisation", &oio_ad.ocOrg, cr ) ||
		oc_get( "moOrgUnit", &oio_ad.ocUnit, cr ) ||
		oc_get( "moPerson", &oio_ad.ocPerson, cr ) ||
		oc_get( "moEngagement", &oio_ad.ocEngagement, cr ) ||
		oc_get( "moManager", &oio_ad.ocManager, cr ) ||
		oc_get( "moAddress", &oio_ad.ocAddress, cr ) ||
		oc_get( "moClass", &oio_ad.ocClass, cr ) ||
		oc_get( "moFacet", &oio_ad.ocFacet, cr ) ||
		oc_get( "moRelatedUnits", &oio_ad.ocRelatedUnits, cr ) )
		return 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The model's two indexes (oio_table.h): objects by uuid and by ndn. */

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

/* ------------------------------------------------------------------ */
void
oio_model_init( oio_model *m )
{
	memset( m, 0, sizeof( *m ) );
	ldap_pvt_thread_mutex_init( &m->mutex );
	oio_table_init( &m->by_uuid, key_uuid );
	oio_table_init( &m->by_dn, key_ndn );
}

static void
obj_free( oio_obj *o )
{
	int i;

	ch_free( o->dn.bv_val );
	ch_free( o->ndn.bv_val );
	ch_free( o->name.bv_val );
	ch_free( o->userkey.bv_val );
	ch_free( o->scope.bv_val );
	ch_free( o->value.bv_val );
	for ( i = 0; i < D_COUNT; i++ ) ber_bvarray_free( o->stored[i] );
	ber_bvarray_free( o->c_reports );
	for ( i = 0; i < 3; i++ ) ber_bvarray_free( o->c_addr[i] );
	ch_free( o );
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
		n += vals_bytes( o->c_reports );
		for ( i = 0; i < 3; i++ ) n += vals_bytes( o->c_addr[i] );
	}
	return n;
}

void
oio_model_clear( oio_model *m )
{
	unsigned pos = 0;
	oio_obj *o;

	while ( ( o = oio_table_next( &m->by_uuid, &pos ) ) ) obj_free( o );
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

oio_kind
oio_kind_of( Entry *e )
{
	if ( is_entry_objectclass( e, oio_ad.ocPerson, 0 ) ) return OIO_PERSON;
	if ( is_entry_objectclass( e, oio_ad.ocUnit, 0 ) ) return OIO_UNIT;
	if ( is_entry_objectclass( e, oio_ad.ocEngagement, 0 ) ) return OIO_ENGAGEMENT;
	if ( is_entry_objectclass( e, oio_ad.ocManager, 0 ) ) return OIO_MANAGER;
	if ( is_entry_objectclass( e, oio_ad.ocAddress, 0 ) ) return OIO_ADDRESS;
	if ( is_entry_objectclass( e, oio_ad.ocClass, 0 ) ) return OIO_CLASS;
	if ( is_entry_objectclass( e, oio_ad.ocFacet, 0 ) ) return OIO_FACET;
	if ( is_entry_objectclass( e, oio_ad.ocOrg, 0 ) ) return OIO_ORG;
	return OIO_OTHER;
}

static void
get_ref( Entry *e, AttributeDescription *ad, bt_uuid *u, int *has )
{
	Attribute *a = attr_find( e->e_attrs, ad );

	memset( u, 0, sizeof( *u ) );
	if ( has ) *has = 0;
	if ( a && a->a_nvals[0].bv_len == BT_UUID_LEN ) {
		memcpy( u->u, a->a_nvals[0].bv_val, BT_UUID_LEN );
		if ( has ) *has = 1;
	}
}

static void
get_str( Entry *e, AttributeDescription *ad, struct berval *out )
{
	Attribute *a = attr_find( e->e_attrs, ad );

	ch_free( out->bv_val );
	BER_BVZERO( out );
	if ( a ) ber_dupbv( out, &a->a_vals[0] );
}

/* Removes o from both indexes and frees it. */
static void
obj_drop( oio_model *m, oio_obj *o )
{
	if ( oio_table_find( &m->by_dn, o->ndn.bv_val, o->ndn.bv_len ) == o )
		oio_table_del( &m->by_dn, o->ndn.bv_val, o->ndn.bv_len );
	oio_table_del( &m->by_uuid, o->uuid.u, BT_UUID_LEN );
	obj_free( o );
}

/* The live DIT has one entry per name: an object the model still records
 * under ndn other than o is stale (a change the model missed) and goes. */
static void
dn_claim( oio_model *m, struct berval *ndn, oio_obj *o )
{
	oio_obj *other = oio_table_find( &m->by_dn, ndn->bv_val, ndn->bv_len );

	if ( other && other != o ) obj_drop( m, other );
}

/* A model that could not record an object no longer mirrors the live
 * DIT: it is read again by the task (oio.c), and until then not used. */
static oio_kind
model_lost( oio_model *m, oio_obj *o )
{
	Debug( LDAP_DEBUG_ANY, "oio: out of memory recording \"%s\"; the model is read again\n",
		o->dn.bv_val );
	obj_drop( m, o );
	m->loaded = 0;
	return OIO_OTHER;
}

/* Records a live entry (added, modified, renamed, or read at load). */
oio_kind
oio_model_put( oio_model *m, Entry *e )
{
	oio_kind kind = oio_kind_of( e );
	oio_obj *o;
	bt_uuid u;
	int i;

	if ( kind == OIO_OTHER || bt_entry_uuid( e, &u ) ) return OIO_OTHER;
	o = oio_table_find( &m->by_uuid, u.u, BT_UUID_LEN );
	if ( o ) {
		if ( !dn_match( &o->ndn, &e->e_nname ) ) {
			/* the key changes: out of the index, renamed, back in */
			if ( oio_table_find( &m->by_dn, o->ndn.bv_val, o->ndn.bv_len ) == o )
				oio_table_del( &m->by_dn, o->ndn.bv_val, o->ndn.bv_len );
			ch_free( o->dn.bv_val );
			ch_free( o->ndn.bv_val );
			ber_dupbv( &o->dn, &e->e_name );
			ber_dupbv( &o->ndn, &e->e_nname );
			dn_claim( m, &o->ndn, o );
			if ( oio_table_put( &m->by_dn, o ) ) return model_lost( m, o );
		}
	} else {
		o = ch_calloc( 1, sizeof( *o ) );
		o->uuid = u;
		ber_dupbv( &o->dn, &e->e_name );
		ber_dupbv( &o->ndn, &e->e_nname );
		dn_claim( m, &o->ndn, NULL );
		if ( oio_table_put( &m->by_uuid, o ) || oio_table_put( &m->by_dn, o ) )
			return model_lost( m, o );
	}
	o->kind = kind;
	get_ref( e, oio_ad.refPerson, &o->person, &o->has_person );
	get_ref( e, oio_ad.refUnit, &o->unit, NULL );
	get_ref( e, oio_ad.refJobFunction, &o->jobfn, NULL );
	get_ref( e, oio_ad.refEngagementType, &o->engtype, NULL );
	get_ref( e, oio_ad.refAddressType, &o->addrtype, NULL );
	get_ref( e, oio_ad.refVisibility, &o->visibility, &o->has_visibility );
	get_ref( e, oio_ad.refOwner, &o->owner, NULL );
	get_ref( e, oio_ad.refFacet, &o->facet, NULL );
	{
		Attribute *a = attr_find( e->e_attrs, oio_ad.primary );
		o->primary = a && a->a_vals[0].bv_len == 4 &&
			strncasecmp( a->a_vals[0].bv_val, "TRUE", 4 ) == 0;
	}
	get_str( e, oio_ad.userKey, &o->userkey );
	get_str( e, oio_ad.scope, &o->scope );
	get_str( e, oio_ad.addressValue, &o->value );
	switch ( kind ) {
	case OIO_UNIT:
		get_str( e, oio_ad.ou, &o->name );
		break;
	case OIO_CLASS:
		get_str( e, oio_ad.name, &o->name );
		break;
	default:
		break;
	}
	if ( kind == OIO_PERSON || kind == OIO_UNIT ) {
		for ( i = 0; i < D_COUNT; i++ ) {
			Attribute *a = attr_find( e->e_attrs, oio_ad.derived[i] );
			ber_bvarray_free( o->stored[i] );
			o->stored[i] = NULL;
			if ( a ) ber_bvarray_dup_x( &o->stored[i], a->a_vals, NULL );
		}
	}
	return kind;
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

oio_kind
oio_model_del_dn( oio_model *m, struct berval *ndn )
{
	oio_obj *o = oio_table_find( &m->by_dn, ndn->bv_val, ndn->bv_len );
	oio_kind kind;

	if ( !o ) return OIO_OTHER;
	kind = o->kind;
	obj_drop( m, o );
	return kind;
}

/* A rename: the entry named old_ndn (if it is in the model) and every
 * object below it take their new names. */
void
oio_model_rename( oio_model *m, struct berval *old_ndn,
	struct berval *dn, struct berval *ndn )
{
	oio_obj **moved = NULL, *o;
	unsigned i, n = 0, max = 0, pos = 0;

	/* collect first: a delete may move items the iteration has passed */
	while ( ( o = oio_table_next( &m->by_dn, &pos ) ) ) {
		if ( !dn_match( &o->ndn, old_ndn ) && !dnIsSuffix( &o->ndn, old_ndn ) ) continue;
		if ( n == max ) {
			max = max ? max * 2 : 64;
			moved = ch_realloc( moved, max * sizeof( *moved ) );
		}
		moved[n++] = o;
	}
	for ( i = 0; i < n; i++ )
		oio_table_del( &m->by_dn, moved[i]->ndn.bv_val, moved[i]->ndn.bv_len );
	for ( i = 0; i < n; i++ ) {
		oio_obj *o = moved[i];
		/* keep what is below the renamed entry, put the new name under it */
		size_t keep_n = o->ndn.bv_len - old_ndn->bv_len;
		size_t keep_p = keep_n;
		struct berval nd, nn;
		if ( o->dn.bv_len >= o->ndn.bv_len - keep_n ) {
			/* the pretty DN's part below the entry: as many RDNs as the
			 * normalized one; find it by counting separators */
			int rdns = 0, k;
			const char *p;
			for ( k = 0; k < (int)keep_n; k++ )
				if ( o->ndn.bv_val[k] == ',' && ( k == 0 || o->ndn.bv_val[k - 1] != '\\' ) ) rdns++;
			for ( p = o->dn.bv_val, k = 0; *p && k < rdns; p++ )
				if ( *p == ',' && ( p == o->dn.bv_val || p[-1] != '\\' ) ) k++;
			keep_p = rdns ? (size_t)( p - o->dn.bv_val ) : 0;
		}
		nn.bv_len = keep_n + ndn->bv_len;
		nn.bv_val = ch_malloc( nn.bv_len + 1 );
		memcpy( nn.bv_val, o->ndn.bv_val, keep_n );
		memcpy( nn.bv_val + keep_n, ndn->bv_val, ndn->bv_len + 1 );
		nd.bv_len = keep_p + dn->bv_len;
		nd.bv_val = ch_malloc( nd.bv_len + 1 );
		memcpy( nd.bv_val, o->dn.bv_val, keep_p );
		memcpy( nd.bv_val + keep_p, dn->bv_val, dn->bv_len + 1 );
		ch_free( o->dn.bv_val );
		ch_free( o->ndn.bv_val );
		o->dn = nd;
		o->ndn = nn;
	}
	for ( i = 0; i < n; i++ ) {
		/* after all have left their old names: one may take another's */
		dn_claim( m, &moved[i]->ndn, moved[i] );
		if ( oio_table_put( &m->by_dn, moved[i] ) ) model_lost( m, moved[i] );
	}
	ch_free( moved );
}

/* ------------------------------------------------------------------ */
/* The computation (docs/schema-mapping.md section 7). */

/* Nothing is added or removed while the computation walks the model. */
#define FOREACH_OBJ( m, o ) \
	for ( unsigned _pos = 0; ( (o) = oio_table_next( &(m)->by_uuid, &_pos ) ) != NULL; )

static int
uuid_less( const bt_uuid *a, const bt_uuid *b )
{
	return memcmp( a->u, b->u, BT_UUID_LEN ) < 0;
}

/* The unit's parent unit, if its DIT parent is one. */
static oio_obj *
parent_unit( oio_model *m, oio_obj *u )
{
	struct berval pdn;
	oio_obj *p;

	dnParent( &u->ndn, &pdn );
	p = oio_model_get_dn( m, &pdn );
	return p && p->kind == OIO_UNIT ? p : NULL;
}

/* The nearest filled manager post from u upwards whose person is not
 * exclude (OS2mo's inherit + exclude_self). */
static oio_obj *
inherited_manager( oio_obj *u, oio_obj *exclude )
{
	int guard = 0;

	for ( ; u && guard < 256; u = u->c_parent, guard++ ) {
		if ( u->c_manager && u->c_manager != exclude ) return u->c_manager;
	}
	return NULL;
}

static void
set_one( BerVarray *v, struct berval *val )
{
	if ( val && !BER_BVISNULL( val ) && val->bv_len ) value_add_one( v, val );
}

static int
class_scope_is( oio_model *m, const bt_uuid *cls, const char *scope )
{
	oio_obj *c = oio_model_get( m, cls );
	return c && c->kind == OIO_CLASS && c->scope.bv_len == strlen( scope ) &&
		strncasecmp( c->scope.bv_val, scope, c->scope.bv_len ) == 0;
}

static int
class_key_is( oio_model *m, const bt_uuid *cls, const char *key )
{
	oio_obj *c = oio_model_get( m, cls );
	return c && c->kind == OIO_CLASS && c->userkey.bv_len == strlen( key ) &&
		strncasecmp( c->userkey.bv_val, key, c->userkey.bv_len ) == 0;
}

int
oio_same_values( BerVarray a, BerVarray b )
{
	int i, j, na = 0, nb = 0;

	for ( i = 0; a && a[i].bv_val; i++ ) na++;
	for ( i = 0; b && b[i].bv_val; i++ ) nb++;
	if ( na != nb ) return 0;
	for ( i = 0; i < na; i++ ) {
		for ( j = 0; j < nb; j++ ) if ( bvmatch( &a[i], &b[j] ) ) break;
		if ( j == nb ) return 0;
	}
	return 1;
}

static struct berval bv_true = BER_BVC( "TRUE" ), bv_false = BER_BVC( "FALSE" );

/* Pass 1, structure: each person's primary engagement and whether they
 * are active, each unit's parent unit and its own manager (the lowest
 * entryUUID among its filled posts), each person's published addresses. */
static void
compute_structure( oio_info *oi, oio_model *m )
{
	oio_obj *o;
	int i;

	FOREACH_OBJ( m, o ) {
		o->c_primary = NULL;
		o->c_manager = NULL;
		o->c_active = 0;
		memset( &o->c_mgr_post, 0xff, sizeof( o->c_mgr_post ) );
		ber_bvarray_free( o->c_reports );
		o->c_reports = NULL;
		for ( i = 0; i < 3; i++ ) {
			ber_bvarray_free( o->c_addr[i] );
			o->c_addr[i] = NULL;
		}
		o->c_parent = o->kind == OIO_UNIT ? parent_unit( m, o ) : NULL;
	}
	FOREACH_OBJ( m, o ) {
		oio_obj *t;
		if ( o->kind == OIO_ENGAGEMENT ) {
			t = oio_model_get( m, &o->person );
			if ( !t || t->kind != OIO_PERSON ) continue;
			t->c_active = 1;
			if ( o->primary && ( !t->c_primary || uuid_less( &o->uuid, &t->c_primary->uuid ) ) )
				t->c_primary = o;
		} else if ( o->kind == OIO_MANAGER && o->has_person ) {
			oio_obj *p = oio_model_get( m, &o->person );
			t = oio_model_get( m, &o->unit );
			if ( !t || t->kind != OIO_UNIT || !p || p->kind != OIO_PERSON ) continue;
			if ( uuid_less( &o->uuid, &t->c_mgr_post ) ) {
				t->c_mgr_post = o->uuid;
				t->c_manager = p;
			}
		} else if ( o->kind == OIO_ADDRESS ) {
			/* a person's own addresses, public ones only (and internal
			 * ones where configured); secret ones never.  An address
			 * without a visibility class is public (docs/schema-mapping.md,
			 * as in OS2mo); one whose class is not known here is not */
			static const char *const types[3] = {
				"EmailEmployee", "PhoneEmployee", "MobilePhoneEmployee" };
			t = oio_model_get( m, &o->owner );
			if ( !t || t->kind != OIO_PERSON || BER_BVISEMPTY( &o->value ) ) continue;
			if ( o->has_visibility &&
				!class_scope_is( m, &o->visibility, "PUBLIC" ) &&
				!( oi->oi_internal_addresses && class_scope_is( m, &o->visibility, "INTERNAL" ) ) )
				continue;
			for ( i = 0; i < 3; i++ ) {
				if ( class_key_is( m, &o->addrtype, types[i] ) ) {
					value_add_one( &t->c_addr[i], &o->value );
					break;
				}
			}
		}
	}

}

/* Pass 2: whom each person reports to, so that every manager's direct
 * reports are known before anything is written. */
static void
compute_reports( oio_model *m )
{
	oio_obj *o;

	FOREACH_OBJ( m, o ) {
		oio_obj *unit, *mgr;
		if ( o->kind != OIO_PERSON || !o->c_primary ) continue;
		unit = oio_model_get( m, &o->c_primary->unit );
		if ( !unit || unit->kind != OIO_UNIT ) continue;
		mgr = inherited_manager( unit, o );
		if ( mgr ) value_add_one( &mgr->c_reports, &o->dn );
	}

}

/* A person's derived values (the person attributes of oio_derived_names). */
static void
person_values( oio_model *m, oio_obj *o, BerVarray *v )
{
	oio_obj *e = o->c_primary, *unit = NULL, *c;
	int i;

	if ( e ) {
		unit = oio_model_get( m, &e->unit );
		if ( unit && unit->kind != OIO_UNIT ) unit = NULL;
		if ( ( c = oio_model_get( m, &e->jobfn ) ) && c->kind == OIO_CLASS )
			set_one( &v[D_TITLE], &c->name );
		if ( ( c = oio_model_get( m, &e->engtype ) ) && c->kind == OIO_CLASS )
			set_one( &v[D_EMPLOYEE_TYPE], &c->name );
		set_one( &v[D_EMPLOYEE_NUMBER], &e->userkey );
		if ( unit ) {
			oio_obj *mgr = inherited_manager( unit, o );
			set_one( &v[D_OU], &unit->name );
			set_one( &v[D_DEPARTMENT], &unit->userkey );
			if ( mgr ) set_one( &v[D_MANAGER], &mgr->dn );
		}
	}
	for ( i = 0; i < 3; i++ )
		if ( o->c_addr[i] ) ber_bvarray_dup_x( &v[D_MAIL + i], o->c_addr[i], NULL );
	value_add_one( &v[D_ACTIVE], o->c_active ? &bv_true : &bv_false );
	if ( o->c_reports ) ber_bvarray_dup_x( &v[D_DIRECT_REPORTS], o->c_reports, NULL );
}

/* A unit's: its path from the organisation's root unit and its inherited
 * manager. */
static void
unit_values( oio_obj *o, BerVarray *v )
{
	oio_obj *u, *mgr = inherited_manager( o, NULL );
	struct berval path = BER_BVNULL;
	oio_obj *chain[256];
	int i, n = 0;

	for ( u = o; u && n < 256; u = u->c_parent ) chain[n++] = u;
	{
		size_t len = 0;
		char *p;
		for ( i = 0; i < n; i++ ) len += chain[i]->name.bv_len + 1;
		path.bv_val = p = ch_malloc( len + 1 );
		for ( i = n - 1; i >= 0; i-- ) {
			memcpy( p, chain[i]->name.bv_val, chain[i]->name.bv_len );
			p += chain[i]->name.bv_len;
			if ( i ) *p++ = '\\';
		}
		*p = '\0';
		path.bv_len = p - path.bv_val;
	}
	set_one( &v[D_UNIT_PATH], &path );
	ch_free( path.bv_val );
	if ( mgr ) {
		char buf[40];
		struct berval us;
		us.bv_len = lutil_uuidstr_from_normalized( (char *)mgr->uuid.u,
			BT_UUID_LEN, buf, sizeof( buf ) );
		us.bv_val = buf;
		if ( us.bv_len > 0 && us.bv_len < sizeof( buf ) )
			set_one( &v[D_UNIT_MANAGER], &us );
		set_one( &v[D_UNIT_MANAGER_DN], &mgr->dn );
	}
}

int
oio_compute( oio_info *oi, oio_model *m, oio_write_fn *write, void *arg )
{
	oio_obj *o;
	BerVarray v[D_COUNT];
	int i, rc, nwritten = 0;

	compute_structure( oi, m );
	compute_reports( m );

	/* pass 3: every derived value; write what differs */
	FOREACH_OBJ( m, o ) {
		if ( o->kind != OIO_PERSON && o->kind != OIO_UNIT ) continue;
		memset( v, 0, sizeof( v ) );
		if ( o->kind == OIO_PERSON ) person_values( m, o, v );
		else unit_values( o, v );
		for ( i = 0; i < D_COUNT; i++ ) {
			if ( !oio_same_values( v[i], o->stored[i] ) ) break;
		}
		if ( i < D_COUNT ) {
			rc = write( o, v, arg );
			if ( rc == 0 ) {
				for ( i = 0; i < D_COUNT; i++ ) {
					ber_bvarray_free( o->stored[i] );
					o->stored[i] = v[i];
					v[i] = NULL;
				}
				nwritten++;
			}
		}
		for ( i = 0; i < D_COUNT; i++ ) ber_bvarray_free( v[i] );
	}
	return nwritten;
}

