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
	/* in this order where an entry has several of them */
	ObjectClass *ocs[] = { oio_ad.ocPerson, oio_ad.ocUnit, oio_ad.ocEngagement,
		oio_ad.ocManager, oio_ad.ocAddress, oio_ad.ocClass, oio_ad.ocFacet, oio_ad.ocOrg };
	static const oio_kind kinds[] = { OIO_PERSON, OIO_UNIT, OIO_ENGAGEMENT, OIO_MANAGER,
		OIO_ADDRESS, OIO_CLASS, OIO_FACET, OIO_ORG };
	Attribute *a = attr_find( e->e_attrs, slap_schema.si_ad_objectClass );
	int i, best = (int)( sizeof( kinds ) / sizeof( kinds[0] ) );
	BerVarray bv;

	/* each value looked up once (is_entry_objectclass per class looked
	 * every value up again: up to 24 walks of the schema's tree for an
	 * address, 6 % of building an organisation at a point) */
	for ( bv = a ? a->a_vals : NULL; bv && bv->bv_val; bv++ ) {
		ObjectClass *oc = oc_bvfind( bv );
		for ( i = 0; oc && i < best; i++ )
			if ( ocs[i] == oc ) best = i;
	}
	return best < (int)( sizeof( kinds ) / sizeof( kinds[0] ) ) ? kinds[best] : OIO_OTHER;
}

/* Whether ad is one of the values derived on an object of this kind:
 * the overlay's to write, refused in a client's write. */
int
oio_is_derived( AttributeDescription *ad, oio_kind kind )
{
	int i, first, last;

	oio_derived_range( kind, &first, &last );
	for ( i = first; i <= last; i++ )
		if ( ad == oio_ad.derived[i] ) return 1;
	return 0;
}

/* ad's entryUUID reference into *u (zero without one); whether it has one */
static int
get_ref( Entry *e, AttributeDescription *ad, bt_uuid *u )
{
	Attribute *a = attr_find( e->e_attrs, ad );

	memset( u, 0, sizeof( *u ) );
	if ( a && a->a_nvals[0].bv_len == BT_UUID_LEN ) {
		memcpy( u->u, a->a_nvals[0].bv_val, BT_UUID_LEN );
		return 1;
	}
	return 0;
}

static struct berval *
str_of( Entry *e, AttributeDescription *ad )
{
	Attribute *a = attr_find( e->e_attrs, ad );

	return a ? &a->a_vals[0] : NULL;
}

/* A model that could not record an object no longer mirrors the live
 * DIT: it is read again by the task (oio.c), and until then not used. */
static oio_kind
model_lost( oio_model *m, struct berval *dn )
{
	Debug( LDAP_DEBUG_ANY, "oio: out of memory recording \"%s\"; the model is read again\n",
		dn->bv_val );
	m->loaded = 0;
	return OIO_OTHER;
}

/* The inputs the rules read of an object of its kind (oio_derive.c): the
 * references of engagements, manager posts and addresses, and the
 * strings of units, classes, engagements and addresses; set on o through
 * the model, which marks what the change reaches (oio_depend.c). */
static int
put_inputs( oio_model *m, oio_obj *o, oio_kind kind, Entry *e )
{
	Attribute *a = attr_find( e->e_attrs, oio_ad.primary );
	struct berval *strs[4] = { NULL, NULL, NULL, NULL };	/* name, key, scope, value */
	oio_obj in;

	memset( &in, 0, sizeof( in ) );
	in.primary = a && a->a_vals[0].bv_len == 4 &&
		strncasecmp( a->a_vals[0].bv_val, "TRUE", 4 ) == 0;
	switch ( kind ) {
	case OIO_ENGAGEMENT:
	case OIO_MANAGER:
		in.has_person = get_ref( e, oio_ad.refPerson, &in.person );
		get_ref( e, oio_ad.refUnit, &in.unit );
		get_ref( e, oio_ad.refJobFunction, &in.jobfn );
		get_ref( e, oio_ad.refEngagementType, &in.engtype );
		strs[1] = str_of( e, oio_ad.userKey );
		break;
	case OIO_ADDRESS:
		get_ref( e, oio_ad.refOwner, &in.owner );
		get_ref( e, oio_ad.refAddressType, &in.addrtype );
		in.has_visibility = get_ref( e, oio_ad.refVisibility, &in.visibility );
		strs[3] = str_of( e, oio_ad.addressValue );
		break;
	case OIO_UNIT:
		strs[0] = str_of( e, oio_ad.ou );
		strs[1] = str_of( e, oio_ad.userKey );
		break;
	case OIO_CLASS:
		strs[0] = str_of( e, oio_ad.name );
		strs[1] = str_of( e, oio_ad.userKey );
		strs[2] = str_of( e, oio_ad.scope );
		break;
	default:
		break;
	}
	return oio_model_set_inputs( m, o, kind, &in, strs );
}

/* Records an entry: under its DN (named), or without one (an object of
 * a kind the rules never name by its DN, in a model built for one read). */
static oio_kind
put( oio_model *m, Entry *e, int named )
{
	oio_kind kind = oio_kind_of( e );
	oio_obj *o;
	bt_uuid u;
	int i;

	if ( kind == OIO_OTHER || bt_entry_uuid( e, &u ) ) return OIO_OTHER;
	o = oio_model_get( m, &u );
	if ( !named ) {
		if ( !o && !( o = oio_model_add_unnamed( m, &u ) ) ) return model_lost( m, &e->e_name );
	} else if ( o ) {
		/* the key changes: out of the index, renamed, back in */
		if ( !oio_obj_is_named( o, &e->e_nname ) &&
			oio_model_set_dn( m, o, &e->e_name, &e->e_nname ) )
			return model_lost( m, &e->e_name );
	} else if ( !( o = oio_model_add( m, &u, &e->e_name, &e->e_nname ) ) ) {
		return model_lost( m, &e->e_name );
	}
	if ( put_inputs( m, o, kind, e ) ) {
		oio_model_drop( m, o );
		return model_lost( m, &e->e_name );
	}
	if ( kind == OIO_PERSON || kind == OIO_UNIT ) {
		for ( i = 0; i < D_COUNT; i++ ) {
			Attribute *a = attr_find( e->e_attrs, oio_ad.derived[i] );
			BerVarray v = a ? a->a_vals : NULL;
			/* the entry holds other values than the model knew: the
			 * next derivation looks at it again */
			int other = m->tracker && !oio_obj_stored_is( m, o, i, v );
			oio_obj_store_one( m, o, i, v );
			if ( other ) oio_model_change( m, o );
		}
	}
	return kind;
}

/* Records a live entry (added, modified, renamed, or read at load). */
oio_kind
oio_model_put( oio_model *m, Entry *e )
{
	return put( m, e, 1 );
}

oio_kind
oio_model_put_unnamed( oio_model *m, Entry *e )
{
	return put( m, e, 0 );
}

/* The names of an object o named odn/ondn after the rename of old_ndn to
 * dn/ndn: what is below the renamed entry is kept, the new name put under
 * it.  ber_memalloc'd. */
static void
renamed( struct berval *odn, struct berval *ondn, struct berval *old_ndn,
	struct berval *dn, struct berval *ndn, struct berval *nd, struct berval *nn )
{
	size_t keep_n = ondn->bv_len - old_ndn->bv_len;
	size_t keep_p = keep_n;

	if ( odn->bv_len >= ondn->bv_len - keep_n ) {
		/* the pretty DN's part below the entry: as many RDNs as the
		 * normalized one; find it by counting separators */
		int rdns = 0, k;
		const char *p;
		for ( k = 0; k < (int)keep_n; k++ )
			if ( ondn->bv_val[k] == ',' && ( k == 0 || ondn->bv_val[k - 1] != '\\' ) ) rdns++;
		for ( p = odn->bv_val, k = 0; *p && k < rdns; p++ )
			if ( *p == ',' && ( p == odn->bv_val || p[-1] != '\\' ) ) k++;
		keep_p = rdns ? (size_t)( p - odn->bv_val ) : 0;
	}
	nn->bv_len = keep_n + ndn->bv_len;
	nn->bv_val = ch_malloc( nn->bv_len + 1 );
	memcpy( nn->bv_val, ondn->bv_val, keep_n );
	memcpy( nn->bv_val + keep_n, ndn->bv_val, ndn->bv_len + 1 );
	nd->bv_len = keep_p + dn->bv_len;
	nd->bv_val = ch_malloc( nd->bv_len + 1 );
	memcpy( nd->bv_val, odn->bv_val, keep_p );
	memcpy( nd->bv_val + keep_p, dn->bv_val, dn->bv_len + 1 );
}

/* Whether o is below old_ndn: its parent's DN is that or below it. */
static int
is_below( oio_obj *o, struct berval *old_ndn )
{
	struct berval pndn;

	oio_obj_parent_ndn( o, &pndn );
	return pndn.bv_len && ( dn_match( &pndn, old_ndn ) || dnIsSuffix( &pndn, old_ndn ) );
}

/* A rename: the entry named old_ndn (if it is in the model) and every
 * object below it take their new names. */
void
oio_model_rename( oio_model *m, struct berval *old_ndn,
	struct berval *dn, struct berval *ndn )
{
	oio_obj **moved = NULL, *o, *top = oio_model_get_dn( m, old_ndn );
	unsigned i, n = 0, max = 0, pos = 0;

	/* collect first: a delete may move items the iteration has passed */
	while ( ( o = oio_table_next( &m->by_dn, &pos ) ) ) {
		if ( o != top && !is_below( o, old_ndn ) ) continue;
		if ( n == max ) {
			max = max ? max * 2 : 64;
			moved = ch_realloc( moved, max * sizeof( *moved ) );
		}
		moved[n++] = o;
	}
	/* all leave their old names first: one may take another's */
	for ( i = 0; i < n; i++ ) oio_model_unindex( m, moved[i] );
	for ( i = 0; i < n; i++ ) {
		struct berval odn, ondn, nd, nn;
		oio_obj_dn( moved[i], &odn, &ondn );
		renamed( &odn, &ondn, old_ndn, dn, ndn, &nd, &nn );
		if ( oio_model_index( m, moved[i], &nd, &nn ) ) model_lost( m, &nd );
		ch_free( odn.bv_val );
		ch_free( ondn.bv_val );
		ch_free( nd.bv_val );
		ch_free( nn.bv_val );
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
