/* oio_entry.c - live entries into the oio overlay's model (oio_model.h):
 * the schema it reads (attribute descriptions and object classes looked up
 * at open), which entries are model objects (by object class) and which
 * of their attributes are derived (oio_is_derived), the inputs an object
 * takes from its entry, renames of whole subtrees, and what the
 * rules ask of the schema about derived values (oio_value_rules).  The
 * slapd side of the model; the rules (oio_derive.c) never see an entry.
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"
#include "slap-config.h"

#include "oio.h"

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

/* Whether ad is one of the values derived on an object of this kind:
 * the overlay's to write, refused in a client's write. */
int
oio_is_derived( AttributeDescription *ad, oio_kind kind )
{
	int i, first = kind == OIO_PERSON ? 0 : D_PERSON_LAST + 1;
	int last = kind == OIO_PERSON ? D_PERSON_LAST : D_COUNT - 1;

	if ( kind != OIO_PERSON && kind != OIO_UNIT ) return 0;
	for ( i = first; i <= last; i++ )
		if ( ad == oio_ad.derived[i] ) return 1;
	return 0;
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

/* The live DIT has one entry per name: an object the model still records
 * under ndn other than o is stale (a change the model missed) and goes. */
static void
dn_claim( oio_model *m, struct berval *ndn, oio_obj *o )
{
	oio_obj *other = oio_table_find( &m->by_dn, ndn->bv_val, ndn->bv_len );

	if ( other && other != o ) oio_model_drop( m, other );
}

/* A model that could not record an object no longer mirrors the live
 * DIT: it is read again by the task (oio.c), and until then not used. */
static oio_kind
model_lost( oio_model *m, oio_obj *o )
{
	Debug( LDAP_DEBUG_ANY, "oio: out of memory recording \"%s\"; the model is read again\n",
		o->dn.bv_val );
	oio_model_drop( m, o );
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

static int
value_valid( int d, struct berval *v )
{
	AttributeDescription *ad = oio_ad.derived[d];
	struct berval pretty = BER_BVNULL;
	int rc;

	/* as slap_mods_check takes a value: prettified where the syntax can,
	 * else validated */
	if ( ad->ad_type->sat_syntax->ssyn_pretty ) {
		rc = ordered_value_pretty( ad, v, &pretty, NULL );
		ch_free( pretty.bv_val );
	} else if ( ad->ad_type->sat_syntax->ssyn_validate ) {
		rc = ordered_value_validate( ad, v, LDAP_MOD_REPLACE );
	} else {
		rc = LDAP_INVALID_SYNTAX;
	}
	return rc == LDAP_SUCCESS;
}

static int
value_same( int d, struct berval *a, struct berval *b )
{
	AttributeDescription *ad = oio_ad.derived[d];
	struct berval na = BER_BVNULL, nb = BER_BVNULL;
	int same;

	if ( attr_normalize_one( ad, a, &na, NULL ) != LDAP_SUCCESS ||
		attr_normalize_one( ad, b, &nb, NULL ) != LDAP_SUCCESS ) {
		/* a value the rule cannot read is no other value's twin */
		same = bvmatch( a, b );
	} else if ( BER_BVISNULL( &na ) || BER_BVISNULL( &nb ) ) {
		same = bvmatch( a, b );		/* no normalizer: the bytes */
	} else {
		same = bvmatch( &na, &nb );
	}
	ch_free( na.bv_val );
	ch_free( nb.bv_val );
	return same;
}

const oio_value_rules oio_schema_values = { value_valid, value_same };
