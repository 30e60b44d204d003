/* oio_derive.c - the derivation rules of the oio overlay: the derived
 * person and unit attributes computed from the model of the organisation
 * at one point (docs/schema-mapping.md section 7, slapo-oio(5) DERIVED
 * ATTRIBUTES).  Pure C over the model's plain fields (oio_model.h), so
 * that the rules are unit-tested on hand-built models.  Validity is not
 * an input here: the model holds what is valid at its point.
 */
#include "portable.h"

#include <ac/string.h>

#include "oio_model.h"

const char *const oio_derived_names[D_COUNT] = {
	"title", "ou", "departmentNumber", "employeeNumber", "employeeType",
	"manager", "mail", "telephoneNumber", "mobile", "moActive",
	"moDirectReports", "moUnitPath", "moRefUnitManager", "moUnitManagerDN"
};

/* The deepest unit chain followed (a guard against a cycle in a model
 * that does not mirror a DIT). */
#define OIO_CHAIN_MAX 256

/* Nothing is added or removed while the computation walks the model. */
#define FOREACH_OBJ( m, o ) \
	for ( unsigned _pos = 0; ( (o) = oio_table_next( &(m)->by_uuid, &_pos ) ) != NULL; )

static int
uuid_less( const bt_uuid *a, const bt_uuid *b )
{
	return memcmp( a->u, b->u, BT_UUID_LEN ) < 0;
}

static int
same_bv( const struct berval *a, const struct berval *b )
{
	return a->bv_len == b->bv_len && memcmp( a->bv_val, b->bv_val, a->bv_len ) == 0;
}

/* Appends a copy of val to *v. */
static void
add_value( BerVarray *v, struct berval *val )
{
	struct berval dup;

	if ( !ber_dupbv( &dup, val ) ) return;
	if ( ber_bvarray_add( v, &dup ) < 0 ) ber_memfree( dup.bv_val );
}

/* Appends val itself (not a copy) to the scratch list *v: the scratch
 * lists of a computation (c_reports, c_addr) borrow the values of the
 * objects they name, which stay put while the computation runs, and are
 * copied only for an object whose values are written.  A copy per value
 * and computation, freed at the next one, was a fifth of what the
 * overlay's task did every second of a bulk import. */
static void
add_borrowed( BerVarray *v, struct berval *val )
{
	ber_bvarray_add( v, val );
}

/* Whether a sorts before b: the bytes, a prefix first. */
static int
bv_less( const struct berval *a, const struct berval *b )
{
	size_t n = a->bv_len < b->bv_len ? a->bv_len : b->bv_len;
	int c = memcmp( a->bv_val, b->bv_val, n );

	return c < 0 || ( c == 0 && a->bv_len < b->bv_len );
}

/* Adds val (borrowed) to the scratch list *v, the values of derived
 * attribute d, unless it is one of them already under the attribute's equality (oio_value_rules): a
 * derived attribute is a set.  Of two equal values the one that sorts
 * first stays, whatever order the model is walked in. */
static void
add_distinct( BerVarray *v, struct berval *val, const oio_value_rules *vr, int d )
{
	int i;

	for ( i = 0; *v && (*v)[i].bv_val; i++ ) {
		if ( vr && vr->same ? !vr->same( d, &(*v)[i], val ) : !same_bv( &(*v)[i], val ) )
			continue;
		if ( bv_less( val, &(*v)[i] ) ) (*v)[i] = *val;
		return;
	}
	add_borrowed( v, val );
}

/* The unit's parent unit, if its DIT parent is one.  In a normalized DN
 * the first ',' ends the RDN (oio_model.h). */
static oio_obj *
parent_unit( oio_model *m, oio_obj *u )
{
	struct berval pdn = BER_BVNULL;
	char *comma = u->ndn.bv_val ? memchr( u->ndn.bv_val, ',', u->ndn.bv_len ) : NULL;
	oio_obj *p;

	if ( !comma ) return NULL;
	pdn.bv_val = comma + 1;
	pdn.bv_len = u->ndn.bv_len - ( pdn.bv_val - u->ndn.bv_val );
	p = oio_model_get_dn( m, &pdn );
	return p && p->kind == OIO_UNIT ? p : NULL;
}

/* The nearest filled manager post from u upwards whose person is not
 * exclude (OS2mo's inherit + exclude_self). */
static oio_obj *
inherited_manager( oio_obj *u, oio_obj *exclude )
{
	int guard = 0;

	for ( ; u && guard < OIO_CHAIN_MAX; u = u->c_parent, guard++ ) {
		if ( u->c_manager && u->c_manager != exclude ) return u->c_manager;
	}
	return NULL;
}

/* An entryUUID as slapd shows it: RFC 4122's form, lower case. */
#define UUID_STR_LEN 36
static char *
uuid_str( const bt_uuid *u, char buf[UUID_STR_LEN + 1] )
{
	static const char hex[] = "0123456789abcdef";
	int i, n = 0;

	for ( i = 0; i < BT_UUID_LEN; i++ ) {
		if ( i == 4 || i == 6 || i == 8 || i == 10 ) buf[n++] = '-';
		buf[n++] = hex[u->u[i] >> 4];
		buf[n++] = hex[u->u[i] & 0xf];
	}
	buf[n] = '\0';
	return buf;
}

/* What the address rules ask of a class, found once per computation
 * (c_class) rather than per address and question: its scope, and which
 * of the three published address types its key names (CLS_TYPE << i). */
enum { CLS_PUBLIC = 1, CLS_INTERNAL = 2, CLS_TYPE = 4 };
static const char *const addr_types[3] = {
	"EmailEmployee", "PhoneEmployee", "MobilePhoneEmployee" };

static int
is_ci( const struct berval *v, const char *s )
{
	size_t n = strlen( s );
	return v->bv_len == n && strncasecmp( v->bv_val, s, n ) == 0;
}

static int
class_flags( oio_obj *c )
{
	int f = 0, i;

	if ( is_ci( &c->scope, "PUBLIC" ) ) f |= CLS_PUBLIC;
	if ( is_ci( &c->scope, "INTERNAL" ) ) f |= CLS_INTERNAL;
	for ( i = 0; i < 3; i++ )
		if ( is_ci( &c->userkey, addr_types[i] ) ) f |= CLS_TYPE << i;
	return f;
}

/* The class cls's flags, 0 when it is no class known here. */
static int
class_of( oio_model *m, const bt_uuid *cls )
{
	oio_obj *c = oio_model_get( m, cls );
	return c && c->kind == OIO_CLASS ? c->c_class : 0;
}

/* An address of a person's own, public only (and internal where
 * configured); secret ones never.  An address without a visibility class
 * is public (docs/schema-mapping.md, as in OS2mo); one whose class is not
 * known here is not. */
static void
person_address( oio_model *m, oio_obj *o, int publish_internal, const oio_value_rules *vr )
{
	oio_obj *t = oio_model_get( m, &o->owner );
	int i, type;

	if ( !t || t->kind != OIO_PERSON || BER_BVISEMPTY( &o->value ) ) return;
	if ( o->has_visibility ) {
		int vis = class_of( m, &o->visibility );
		if ( !( vis & CLS_PUBLIC ) && !( publish_internal && ( vis & CLS_INTERNAL ) ) )
			return;
	}
	type = class_of( m, &o->addrtype );
	for ( i = 0; i < 3; i++ ) {
		if ( !( type & ( CLS_TYPE << i ) ) ) continue;
		/* a value the attribute cannot hold is not published */
		if ( !vr || !vr->valid || vr->valid( D_MAIL + i, &o->value ) )
			add_distinct( &t->c_addr[i], &o->value, vr, D_MAIL + i );
		break;
	}
}

int
oio_same_values( BerVarray a, BerVarray b )
{
	int i, j, na = 0, nb = 0;

	for ( i = 0; a && a[i].bv_val; i++ ) na++;
	for ( i = 0; b && b[i].bv_val; i++ ) nb++;
	if ( na != nb ) return 0;
	for ( i = 0; i < na; i++ ) {
		for ( j = 0; j < nb; j++ ) if ( same_bv( &a[i], &b[j] ) ) break;
		if ( j == nb ) return 0;
	}
	return 1;
}

static struct berval bv_true = BER_BVC( "TRUE" ), bv_false = BER_BVC( "FALSE" );
/* Pass 1, structure: each person's primary engagement and whether they
 * are active, each unit's parent unit and its own manager (the lowest
 * entryUUID among its filled posts), each person's published addresses. */
static void
compute_structure( oio_model *m, int publish_internal, const oio_value_rules *vr )
{
	oio_obj *o;

	FOREACH_OBJ( m, o ) {
		o->c_primary = NULL;
		o->c_manager = NULL;
		o->c_active = 0;
		memset( &o->c_mgr_post, 0xff, sizeof( o->c_mgr_post ) );
		oio_obj_scratch_free( o );
		o->c_parent = o->kind == OIO_UNIT ? parent_unit( m, o ) : NULL;
		o->c_class = o->kind == OIO_CLASS ? class_flags( o ) : 0;
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
			person_address( m, o, publish_internal, vr );
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
		if ( mgr ) add_borrowed( &mgr->c_reports, &o->dn );
	}

}

/* The values the rules give one object, borrowed from the model: per
 * derived attribute one value (one[d]), a scratch list (many[d]) or none.
 * They are compared with what is stored as they are, and copied
 * (values_of) only for an object whose values changed: the computation
 * runs over the whole model every second that writes changed an input
 * (oio.c, oio_derive), and copying every value of every person and unit
 * to find the few that changed was most of its cost. */
typedef struct dview {
	struct berval one[D_COUNT];
	BerVarray many[D_COUNT];
	char uuid[UUID_STR_LEN + 1];	/* D_UNIT_MANAGER's value */
	char *path;						/* D_UNIT_PATH's value, reused */
	size_t pathmax;
} dview;

static void
set_one( dview *dv, int d, struct berval *val )
{
	if ( val && !BER_BVISNULL( val ) && val->bv_len ) dv->one[d] = *val;
}

/* A person's derived values (the person attributes of oio_derived_names). */
static void
person_values( oio_model *m, oio_obj *o, dview *dv )
{
	oio_obj *e = o->c_primary, *unit = NULL, *c;
	int i;

	if ( e ) {
		unit = oio_model_get( m, &e->unit );
		if ( unit && unit->kind != OIO_UNIT ) unit = NULL;
		if ( ( c = oio_model_get( m, &e->jobfn ) ) && c->kind == OIO_CLASS )
			set_one( dv, D_TITLE, &c->name );
		if ( ( c = oio_model_get( m, &e->engtype ) ) && c->kind == OIO_CLASS )
			set_one( dv, D_EMPLOYEE_TYPE, &c->name );
		set_one( dv, D_EMPLOYEE_NUMBER, &e->userkey );
		if ( unit ) {
			oio_obj *mgr = inherited_manager( unit, o );
			set_one( dv, D_OU, &unit->name );
			set_one( dv, D_DEPARTMENT, &unit->userkey );
			if ( mgr ) set_one( dv, D_MANAGER, &mgr->dn );
		}
	}
	for ( i = 0; i < 3; i++ ) dv->many[D_MAIL + i] = o->c_addr[i];
	dv->one[D_ACTIVE] = o->c_active ? bv_true : bv_false;
	dv->many[D_DIRECT_REPORTS] = o->c_reports;
}

/* A unit's: its path from the organisation's root unit and its inherited
 * manager.  Returns -1 when there is no memory for the path. */
static int
unit_values( oio_obj *o, dview *dv )
{
	oio_obj *u, *mgr = inherited_manager( o, NULL );
	oio_obj *chain[OIO_CHAIN_MAX];
	size_t len = 0;
	char *p;
	int i, n = 0;

	for ( u = o; u && n < OIO_CHAIN_MAX; u = u->c_parent ) chain[n++] = u;
	for ( i = 0; i < n; i++ ) len += chain[i]->name.bv_len + 1;
	if ( len + 1 > dv->pathmax ) {
		if ( !( p = ber_memrealloc( dv->path, len + 1 ) ) ) return -1;
		dv->path = p;
		dv->pathmax = len + 1;
	}
	for ( p = dv->path, i = n - 1; i >= 0; i-- ) {
		memcpy( p, chain[i]->name.bv_val, chain[i]->name.bv_len );
		p += chain[i]->name.bv_len;
		if ( i ) *p++ = '\\';
	}
	*p = '\0';
	if ( p > dv->path ) {
		dv->one[D_UNIT_PATH].bv_val = dv->path;
		dv->one[D_UNIT_PATH].bv_len = p - dv->path;
	}
	if ( mgr ) {
		dv->one[D_UNIT_MANAGER].bv_val = uuid_str( &mgr->uuid, dv->uuid );
		dv->one[D_UNIT_MANAGER].bv_len = UUID_STR_LEN;
		set_one( dv, D_UNIT_MANAGER_DN, &mgr->dn );
	}
	return 0;
}

/* Whether derived attribute d of the object has the values stored, as
 * oio_same_values tells of their copies. */
static int
view_same( dview *dv, int d, BerVarray stored )
{
	if ( dv->many[d] ) return oio_same_values( dv->many[d], stored );
	if ( dv->one[d].bv_val )
		return stored && stored[0].bv_val && !stored[1].bv_val &&
			same_bv( &stored[0], &dv->one[d] );
	return !stored || !stored[0].bv_val;
}

/* The object's values, copied into v (which the caller frees). */
static void
values_of( dview *dv, BerVarray *v )
{
	int d;

	for ( d = 0; d < D_COUNT; d++ ) {
		v[d] = NULL;
		if ( dv->many[d] ) ber_bvarray_dup_x( &v[d], dv->many[d], NULL );
		else if ( dv->one[d].bv_val ) add_value( &v[d], &dv->one[d] );
	}
}

int
oio_model_derive( oio_model *m, int publish_internal, const oio_value_rules *vr,
	oio_write_fn *write, void *arg )
{
	oio_obj *o;
	BerVarray v[D_COUNT];
	dview dv;
	int i, rc, nwritten = 0;

	compute_structure( m, publish_internal, vr );
	compute_reports( m );

	/* pass 3: every derived value; write what differs */
	memset( &dv, 0, sizeof( dv ) );
	FOREACH_OBJ( m, o ) {
		if ( o->kind != OIO_PERSON && o->kind != OIO_UNIT ) continue;
		memset( dv.one, 0, sizeof( dv.one ) );
		memset( dv.many, 0, sizeof( dv.many ) );
		if ( o->kind == OIO_PERSON ) person_values( m, o, &dv );
		else if ( unit_values( o, &dv ) ) continue;
		for ( i = 0; i < D_COUNT; i++ ) {
			if ( !view_same( &dv, i, o->stored[i] ) ) break;
		}
		if ( i == D_COUNT ) continue;
		values_of( &dv, v );
		rc = write( o, v, arg );
		if ( rc == 0 ) {
			for ( i = 0; i < D_COUNT; i++ ) {
				ber_bvarray_free( o->stored[i] );
				o->stored[i] = v[i];
				v[i] = NULL;
			}
			nwritten++;
		}
		for ( i = 0; i < D_COUNT; i++ ) ber_bvarray_free( v[i] );
	}
	ber_memfree( dv.path );
	return nwritten;
}
