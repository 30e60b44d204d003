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

/* Whether a sorts before b: the bytes, a prefix first. */
static int
bv_less( const struct berval *a, const struct berval *b )
{
	size_t n = a->bv_len < b->bv_len ? a->bv_len : b->bv_len;
	int c = memcmp( a->bv_val, b->bv_val, n );

	return c < 0 || ( c == 0 && a->bv_len < b->bv_len );
}

/* Adds val to *v, the values of derived attribute d, unless it is one of
 * them already under the attribute's equality (oio_value_rules): a
 * derived attribute is a set.  Of two equal values the one that sorts
 * first stays, whatever order the model is walked in. */
static void
add_distinct( BerVarray *v, struct berval *val, const oio_value_rules *vr, int d )
{
	struct berval dup;
	int i;

	for ( i = 0; *v && (*v)[i].bv_val; i++ ) {
		if ( vr && vr->same ? !vr->same( d, &(*v)[i], val ) : !same_bv( &(*v)[i], val ) )
			continue;
		if ( bv_less( val, &(*v)[i] ) && ber_dupbv( &dup, val ) ) {
			ber_memfree( (*v)[i].bv_val );
			(*v)[i] = dup;
		}
		return;
	}
	add_value( v, val );
}

/* What one computation works out per object, by its id, kept while it
 * runs only: the model itself stays small (oio_model.h). */
typedef struct scratch {
	unsigned primary;		/* person: primary engagement */
	unsigned manager;		/* unit: its own filled post's person */
	unsigned parent;		/* unit: parent unit */
	unsigned mgr_post;		/* unit: that post (the lowest entryUUID wins) */
	unsigned reports, reports_last;	/* person: the first and last reporting to them */
	unsigned next_report;	/* person: the next one reporting to the same manager */
	int active;
	BerVarray *addr;		/* person: mail, telephoneNumber, mobile */
} scratch;

typedef struct derivation {
	oio_model *m;
	scratch *s;				/* by id */
	BerVarray *nv;			/* the object's normalized DN values, by attribute
							 * (NULL: not wanted) */
} derivation;

#define S( d, o ) ( &(d)->s[(o)->id] )
#define BY_ID( d, id ) oio_model_by_id( (d)->m, id )

/* The unit's parent unit, if its DIT parent is one. */
static oio_obj *
parent_unit( oio_model *m, oio_obj *u )
{
	oio_obj *p = oio_model_parent( m, u );

	return p && p->kind == OIO_UNIT ? p : NULL;
}

/* The nearest filled manager post from u upwards whose person is not
 * exclude (OS2mo's inherit + exclude_self). */
static oio_obj *
inherited_manager( derivation *d, oio_obj *u, oio_obj *exclude )
{
	int guard = 0;

	for ( ; u && guard < OIO_CHAIN_MAX; u = BY_ID( d, S( d, u )->parent ), guard++ ) {
		oio_obj *mgr = BY_ID( d, S( d, u )->manager );
		if ( mgr && mgr != exclude ) return mgr;
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

static void
set_one( BerVarray *v, struct berval *val )
{
	if ( val && !BER_BVISNULL( val ) && val->bv_len ) add_value( v, val );
}

/* o's string which, as a value */
static void
set_str( BerVarray *v, oio_obj *o, int which )
{
	struct berval s;

	oio_obj_str( o, which, &s );
	set_one( v, &s );
}

/* o's DN, as a value of attribute which; with its normalized form when
 * those are wanted (the model has it: normalizing the value again was a
 * tenth of an as-of read). */
static void
set_dn( derivation *d, BerVarray *v, int which, oio_obj *o )
{
	struct berval dn, ndn;

	oio_obj_dn( o, &dn, d->nv ? &ndn : NULL );
	if ( dn.bv_len ) {
		add_value( &v[which], &dn );
		if ( d->nv ) add_value( &d->nv[which], &ndn );
	}
	ber_memfree( dn.bv_val );
	if ( d->nv ) ber_memfree( ndn.bv_val );
}

static int
str_is( oio_obj *o, int which, const char *want )
{
	struct berval s;

	oio_obj_str( o, which, &s );
	return s.bv_len == strlen( want ) && strncasecmp( s.bv_val, want, s.bv_len ) == 0;
}

static int
class_scope_is( oio_model *m, const bt_uuid *cls, const char *scope )
{
	oio_obj *c = oio_model_get( m, cls );
	return c && c->kind == OIO_CLASS && str_is( c, OIO_S_SCOPE, scope );
}

static int
class_key_is( oio_model *m, const bt_uuid *cls, const char *key )
{
	oio_obj *c = oio_model_get( m, cls );
	return c && c->kind == OIO_CLASS && str_is( c, OIO_S_USERKEY, key );
}

static struct berval bv_true = BER_BVC( "TRUE" ), bv_false = BER_BVC( "FALSE" );

/* Whether post o's entryUUID is below that of the post that manages the
 * unit so far (none: all ones, as no entryUUID is above it). */
static int
post_wins( derivation *d, oio_obj *o, scratch *t )
{
	static const bt_uuid none = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	oio_obj *cur = BY_ID( d, t->mgr_post );

	return uuid_less( &o->uuid, cur ? &cur->uuid : &none );
}

/* A person's own address o, published where its visibility allows: public
 * ones only (and internal ones where configured); secret ones never.  An
 * address without a visibility class is public (docs/schema-mapping.md,
 * as in OS2mo); one whose class is not known here is not. */
static void
structure_address( derivation *d, oio_obj *o, int publish_internal, const oio_value_rules *vr )
{
	static const char *const types[3] = {
		"EmailEmployee", "PhoneEmployee", "MobilePhoneEmployee" };
	oio_model *m = d->m;
	oio_obj *t = oio_model_get( m, &o->owner );
	struct berval value;
	scratch *s;
	int i;

	oio_obj_str( o, OIO_S_VALUE, &value );
	if ( !t || t->kind != OIO_PERSON || BER_BVISEMPTY( &value ) ) return;
	if ( o->has_visibility &&
		!class_scope_is( m, &o->visibility, "PUBLIC" ) &&
		!( publish_internal && class_scope_is( m, &o->visibility, "INTERNAL" ) ) )
		return;
	s = S( d, t );
	for ( i = 0; i < 3; i++ ) {
		if ( !class_key_is( m, &o->addrtype, types[i] ) ) continue;
		/* a value the attribute cannot hold is not published */
		if ( vr && vr->valid && !vr->valid( D_MAIL + i, &value ) ) break;
		if ( !s->addr && !( s->addr = ber_memcalloc( 3, sizeof( BerVarray ) ) ) ) break;
		add_distinct( &s->addr[i], &value, vr, D_MAIL + i );
		break;
	}
}

/* Pass 1, structure: each person's primary engagement and whether they
 * are active, each unit's parent unit and its own manager (the lowest
 * entryUUID among its filled posts), each person's published addresses. */
static void
compute_structure( derivation *d, int publish_internal, const oio_value_rules *vr )
{
	oio_model *m = d->m;
	oio_obj *o;

	FOREACH_OBJ( m, o ) {
		oio_obj *p = o->kind == OIO_UNIT ? parent_unit( m, o ) : NULL;
		S( d, o )->parent = p ? p->id : 0;
	}
	FOREACH_OBJ( m, o ) {
		oio_obj *t;
		if ( o->kind == OIO_ENGAGEMENT ) {
			scratch *s;
			t = oio_model_get( m, &o->person );
			if ( !t || t->kind != OIO_PERSON ) continue;
			s = S( d, t );
			s->active = 1;
			if ( o->primary && ( !s->primary || uuid_less( &o->uuid, &BY_ID( d, s->primary )->uuid ) ) )
				s->primary = o->id;
		} else if ( o->kind == OIO_MANAGER && o->has_person ) {
			oio_obj *p = oio_model_get( m, &o->person );
			t = oio_model_get( m, &o->unit );
			if ( !t || t->kind != OIO_UNIT || !p || p->kind != OIO_PERSON ) continue;
			if ( post_wins( d, o, S( d, t ) ) ) {
				S( d, t )->mgr_post = o->id;
				S( d, t )->manager = p->id;
			}
		} else if ( o->kind == OIO_ADDRESS ) {
			structure_address( d, o, publish_internal, vr );
		}
	}
}

/* Pass 2: whom each person reports to, so that every manager's direct
 * reports are known before anything is written (in the order the model
 * is walked in). */
static void
compute_reports( derivation *d )
{
	oio_obj *o;

	FOREACH_OBJ( d->m, o ) {
		oio_obj *unit, *mgr, *e;
		scratch *ms;
		if ( o->kind != OIO_PERSON || !( e = BY_ID( d, S( d, o )->primary ) ) ) continue;
		unit = oio_model_get( d->m, &e->unit );
		if ( !unit || unit->kind != OIO_UNIT ) continue;
		if ( !( mgr = inherited_manager( d, unit, o ) ) ) continue;
		ms = S( d, mgr );
		if ( ms->reports_last ) S( d, BY_ID( d, ms->reports_last ) )->next_report = o->id;
		else ms->reports = o->id;
		ms->reports_last = o->id;
	}
}

/* A person's derived values (the person attributes of oio_derived_names). */
static void
person_values( derivation *d, oio_obj *o, BerVarray *v )
{
	oio_model *m = d->m;
	scratch *s = S( d, o );
	oio_obj *e = BY_ID( d, s->primary ), *unit = NULL, *c, *r;
	int i;

	if ( e ) {
		unit = oio_model_get( m, &e->unit );
		if ( unit && unit->kind != OIO_UNIT ) unit = NULL;
		if ( ( c = oio_model_get( m, &e->jobfn ) ) && c->kind == OIO_CLASS )
			set_str( &v[D_TITLE], c, OIO_S_NAME );
		if ( ( c = oio_model_get( m, &e->engtype ) ) && c->kind == OIO_CLASS )
			set_str( &v[D_EMPLOYEE_TYPE], c, OIO_S_NAME );
		set_str( &v[D_EMPLOYEE_NUMBER], e, OIO_S_USERKEY );
		if ( unit ) {
			oio_obj *mgr = inherited_manager( d, unit, o );
			set_str( &v[D_OU], unit, OIO_S_NAME );
			set_str( &v[D_DEPARTMENT], unit, OIO_S_USERKEY );
			if ( mgr ) set_dn( d, v, D_MANAGER, mgr );
		}
	}
	for ( i = 0; i < 3; i++ )
		if ( s->addr && s->addr[i] ) ber_bvarray_dup_x( &v[D_MAIL + i], s->addr[i], NULL );
	add_value( &v[D_ACTIVE], s->active ? &bv_true : &bv_false );
	for ( r = BY_ID( d, s->reports ); r; r = BY_ID( d, S( d, r )->next_report ) )
		set_dn( d, v, D_DIRECT_REPORTS, r );
}

/* A unit's: its path from the organisation's root unit and its inherited
 * manager. */
static void
unit_values( derivation *d, oio_obj *o, BerVarray *v )
{
	oio_obj *u, *mgr = inherited_manager( d, o, NULL );
	struct berval path = BER_BVNULL, name[OIO_CHAIN_MAX];
	int i, n = 0;

	for ( u = o; u && n < OIO_CHAIN_MAX; u = BY_ID( d, S( d, u )->parent ) )
		oio_obj_str( u, OIO_S_NAME, &name[n++] );
	{
		size_t len = 0;
		char *p;
		for ( i = 0; i < n; i++ ) len += name[i].bv_len + 1;
		path.bv_val = p = ber_memalloc( len + 1 );
		if ( !p ) return;
		for ( i = n - 1; i >= 0; i-- ) {
			memcpy( p, name[i].bv_val, name[i].bv_len );
			p += name[i].bv_len;
			if ( i ) *p++ = '\\';
		}
		*p = '\0';
		path.bv_len = p - path.bv_val;
	}
	set_one( &v[D_UNIT_PATH], &path );
	ber_memfree( path.bv_val );
	if ( mgr ) {
		char buf[UUID_STR_LEN + 1];
		struct berval us;
		us.bv_val = uuid_str( &mgr->uuid, buf );
		us.bv_len = UUID_STR_LEN;
		set_one( &v[D_UNIT_MANAGER], &us );
		set_dn( d, v, D_UNIT_MANAGER_DN, mgr );
	}
}

/* Pass 3: o's derived values; written (and recorded as stored) when they
 * differ from what is stored.  1 when written. */
static int
object_values( derivation *d, oio_obj *o, oio_write_fn *write, void *arg )
{
	BerVarray v[D_COUNT], nv[D_COUNT];
	int i, written = 0;

	if ( o->kind != OIO_PERSON && o->kind != OIO_UNIT ) return 0;
	memset( v, 0, sizeof( v ) );
	memset( nv, 0, sizeof( nv ) );
	d->nv = d->m->keeps_values ? nv : NULL;	/* values read back: with normalized DNs */
	if ( o->kind == OIO_PERSON ) person_values( d, o, v );
	else unit_values( d, o, v );
	for ( i = 0; i < D_COUNT; i++ ) {
		if ( !oio_obj_stored_is( d->m, o, i, v[i] ) ) break;
	}
	if ( i < D_COUNT && write( d->m, o, v, arg ) == 0 ) {
		oio_obj_store( d->m, o, v );
		oio_obj_store_norm( d->m, o, nv );
		written = 1;
	}
	for ( i = 0; i < D_COUNT; i++ ) {
		ber_bvarray_free( v[i] );
		ber_bvarray_free( nv[i] );
	}
	d->nv = NULL;
	return written;
}

/* Pass 3 for every person and unit (only: that object alone). */
static int
compute_values( derivation *d, oio_obj *only, oio_write_fn *write, void *arg )
{
	int nwritten = 0;
	oio_obj *o;

	if ( only ) return object_values( d, only, write, arg );
	FOREACH_OBJ( d->m, o ) nwritten += object_values( d, o, write, arg );
	return nwritten;
}

static int
derive( oio_model *m, int publish_internal, const oio_value_rules *vr, oio_obj *only,
	oio_write_fn *write, void *arg )
{
	derivation d;
	unsigned id;
	int i, n;

	d.m = m;
	d.s = ber_memcalloc( m->nids, sizeof( scratch ) );
	if ( !d.s ) return 0;
	compute_structure( &d, publish_internal, vr );
	compute_reports( &d );
	n = compute_values( &d, only, write, arg );
	for ( id = 0; id < m->nids; id++ ) {
		if ( !d.s[id].addr ) continue;
		for ( i = 0; i < 3; i++ ) ber_bvarray_free( d.s[id].addr[i] );
		ber_memfree( d.s[id].addr );
	}
	ber_memfree( d.s );
	return n;
}

int
oio_model_derive( oio_model *m, int publish_internal, const oio_value_rules *vr,
	oio_write_fn *write, void *arg )
{
	return derive( m, publish_internal, vr, NULL, write, arg );
}

int
oio_model_derive_one( oio_model *m, int publish_internal, const oio_value_rules *vr,
	oio_obj *o, oio_write_fn *write, void *arg )
{
	return derive( m, publish_internal, vr, o, write, arg );
}
