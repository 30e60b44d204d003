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
#include "oio_depend.h"

const char *const oio_derived_names[D_COUNT] = {
	"title", "ou", "departmentNumber", "employeeNumber", "employeeType",
	"manager", "mail", "telephoneNumber", "mobile", "moActive",
	"moDirectReports", "moUnitPath", "moRefUnitManager", "moUnitManagerDN"
};

void
oio_derived_range( oio_kind kind, int *first, int *last )
{
	*first = kind == OIO_UNIT ? D_PERSON_LAST + 1 : 0;
	*last = kind == OIO_PERSON ? D_PERSON_LAST : kind == OIO_UNIT ? D_COUNT - 1 : -1;
}

void
oio_obj_values_all( oio_model *m, oio_obj *o, BerVarray *v, BerVarray *nv )
{
	int d, first, last;

	oio_derived_range( o->kind, &first, &last );
	for ( d = first; d <= last; d++ ) {
		v[d] = oio_obj_values( m, o, d );
		nv[d] = oio_obj_nvalues( m, o, d );
	}
}

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

/* A derivation of the whole model works out the structure (pass 1, 2) for
 * every object into scratch by id; one of what changed (a tracking model,
 * oio_depend.c) reads the structure the model keeps (units' own managers,
 * the lists of reports) and works out a person's own part (primary
 * engagement, addresses) when it computes their values, in one. */
typedef struct derivation {
	oio_model *m;
	scratch *s;				/* by id; NULL: what changed only */
	scratch one;			/* what changed only: the person computed */
	int publish_internal;
	const oio_value_rules *vr;
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

static oio_obj *
unit_parent( derivation *d, oio_obj *u )
{
	return d->s ? BY_ID( d, S( d, u )->parent ) : parent_unit( d->m, u );
}

/* the unit's own manager (the person of its filled post of lowest entryUUID) */
static oio_obj *
unit_manager( derivation *d, oio_obj *u )
{
	oio_obj *p;

	if ( d->s ) return BY_ID( d, S( d, u )->manager );
	p = BY_ID( d, u->link[OIO_U_MANAGER] );
	return p && p->kind == OIO_PERSON ? p : NULL;
}

/* The nearest filled manager post from u upwards whose person is not
 * exclude (OS2mo's inherit + exclude_self). */
static oio_obj *
inherited_manager( derivation *d, oio_obj *u, oio_obj *exclude )
{
	int guard = 0;

	for ( ; u && guard < OIO_CHAIN_MAX; u = unit_parent( d, u ), guard++ ) {
		oio_obj *mgr = unit_manager( d, u );
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
 * as in OS2mo); one whose class is not known here is not.  s: the
 * owner's (a person). */
static void
structure_address( derivation *d, oio_obj *o, scratch *s )
{
	static const char *const types[3] = {
		"EmailEmployee", "PhoneEmployee", "MobilePhoneEmployee" };
	oio_model *m = d->m;
	const oio_value_rules *vr = d->vr;
	struct berval value;
	int i;

	oio_obj_str( o, OIO_S_VALUE, &value );
	if ( BER_BVISEMPTY( &value ) ) return;
	if ( o->has_visibility &&
		!class_scope_is( m, &o->visibility, "PUBLIC" ) &&
		!( d->publish_internal && class_scope_is( m, &o->visibility, "INTERNAL" ) ) )
		return;
	for ( i = 0; i < 3; i++ ) {
		if ( !class_key_is( m, &o->addrtype, types[i] ) ) continue;
		/* a value the attribute cannot hold is not published */
		if ( vr && vr->valid && !vr->valid( D_MAIL + i, &value ) ) break;
		if ( !s->addr && !( s->addr = ber_memcalloc( 3, sizeof( BerVarray ) ) ) ) break;
		add_distinct( &s->addr[i], &value, vr, D_MAIL + i );
		break;
	}
}

/* Engagement o counts for person s: they are active, and o is their
 * primary engagement if it is the primary one of lowest entryUUID. */
static void
structure_engagement( derivation *d, oio_obj *o, scratch *s )
{
	s->active = 1;
	if ( o->primary && ( !s->primary || uuid_less( &o->uuid, &BY_ID( d, s->primary )->uuid ) ) )
		s->primary = o->id;
}

/* Pass 1, structure: each person's primary engagement and whether they
 * are active, each unit's parent unit and its own manager (the lowest
 * entryUUID among its filled posts), each person's published addresses. */
static void
compute_structure( derivation *d )
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
			t = oio_model_get( m, &o->person );
			if ( !t || t->kind != OIO_PERSON ) continue;
			structure_engagement( d, o, S( d, t ) );
		} else if ( o->kind == OIO_MANAGER && o->has_person ) {
			oio_obj *p = oio_model_get( m, &o->person );
			t = oio_model_get( m, &o->unit );
			if ( !t || t->kind != OIO_UNIT || !p || p->kind != OIO_PERSON ) continue;
			if ( post_wins( d, o, S( d, t ) ) ) {
				S( d, t )->mgr_post = o->id;
				S( d, t )->manager = p->id;
			}
		} else if ( o->kind == OIO_ADDRESS ) {
			t = oio_model_get( m, &o->owner );
			if ( t && t->kind == OIO_PERSON ) structure_address( d, o, S( d, t ) );
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

/* A tracking model keeps what passes 1 and 2 found (oio_depend.c): each
 * unit's own manager and parent unit, each person's manager and reports;
 * a derivation of what changed starts from there. */
static void
keep_structure( derivation *d )
{
	oio_obj *o, *r;

	FOREACH_OBJ( d->m, o ) {
		if ( o->kind == OIO_UNIT ) {
			o->link[OIO_U_MANAGER] = S( d, o )->manager;
			o->link[OIO_U_PARENT] = S( d, o )->parent;
		} else if ( o->kind == OIO_PERSON ) {
			memset( o->link, 0, sizeof( o->link ) );
		}
	}
	FOREACH_OBJ( d->m, o ) {
		unsigned prev = 0;
		if ( o->kind != OIO_PERSON ) continue;
		o->link[OIO_P_REPORTS] = S( d, o )->reports;
		for ( r = BY_ID( d, S( d, o )->reports ); r; r = BY_ID( d, S( d, r )->next_report ) ) {
			r->link[OIO_P_MANAGER] = o->id;
			r->link[OIO_P_PREV] = prev;
			r->link[OIO_P_NEXT] = S( d, r )->next_report;
			prev = r->id;
		}
	}
}

static void
scratch_free( scratch *s )
{
	int i;

	if ( !s->addr ) return;
	for ( i = 0; i < 3; i++ ) ber_bvarray_free( s->addr[i] );
	ber_memfree( s->addr );
	s->addr = NULL;
}

/* Pass 1 for person o alone, into d->one: their engagements and
 * addresses, found in the list of what names them (a tracking model). */
static scratch *
person_alone( derivation *d, oio_obj *o )
{
	unsigned id;
	oio_obj *f;

	scratch_free( &d->one );
	memset( &d->one, 0, sizeof( d->one ) );
	for ( id = oio_depend_first( d->m, &o->uuid, OIO_DEPEND_BY_PERSON ); id;
			id = f->link[OIO_L_NEXT] ) {
		f = BY_ID( d, id );
		if ( f->kind == OIO_ENGAGEMENT ) structure_engagement( d, f, &d->one );
		else if ( f->kind == OIO_ADDRESS ) structure_address( d, f, &d->one );
	}
	return &d->one;
}

/* The first of the people who report to o (s: o's scratch), and the next */
static oio_obj *
first_report( derivation *d, oio_obj *o, scratch *s )
{
	return BY_ID( d, d->s ? s->reports : o->link[OIO_P_REPORTS] );
}

static oio_obj *
next_report( derivation *d, oio_obj *r )
{
	return BY_ID( d, d->s ? S( d, r )->next_report : r->link[OIO_P_NEXT] );
}

/* A person's derived values (the person attributes of oio_derived_names). */
static void
person_values( derivation *d, oio_obj *o, BerVarray *v )
{
	oio_model *m = d->m;
	scratch *s = d->s ? S( d, o ) : person_alone( d, o );
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
	for ( r = first_report( d, o, s ); r; r = next_report( d, r ) )
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

	for ( u = o; u && n < OIO_CHAIN_MAX; u = unit_parent( d, u ) )
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

/* keep: a tracking model's whole derivation (oio_model_derive_changed)
 * keeps the structure it found for the derivations of what changed */
static int
derive( oio_model *m, int publish_internal, const oio_value_rules *vr, oio_obj *only,
	int keep, oio_write_fn *write, void *arg )
{
	derivation d;
	unsigned id;
	int n;

	memset( &d, 0, sizeof( d ) );
	d.m = m;
	d.publish_internal = publish_internal;
	d.vr = vr;
	d.s = ber_memcalloc( m->nids, sizeof( scratch ) );
	if ( !d.s ) {
		if ( keep ) m->changed_all = 1;	/* try again whole */
		return 0;
	}
	compute_structure( &d );
	compute_reports( &d );
	if ( keep ) keep_structure( &d );
	n = compute_values( &d, only, write, arg );
	for ( id = 0; id < m->nids; id++ ) scratch_free( &d.s[id] );
	ber_memfree( d.s );
	return n;
}

int
oio_model_derive( oio_model *m, int publish_internal, const oio_value_rules *vr,
	oio_write_fn *write, void *arg )
{
	return derive( m, publish_internal, vr, NULL, 0, write, arg );
}

int
oio_model_derive_one( oio_model *m, int publish_internal, const oio_value_rules *vr,
	oio_obj *o, oio_write_fn *write, void *arg )
{
	return derive( m, publish_internal, vr, o, 0, write, arg );
}

/* ------------------------------------------------------------------ */
/* What changed only (a tracking model, oio_depend.c): the units whose own
 * manager or place changed reach their subtree and the people below
 * them; the people reached find their manager again, which reaches the
 * old and new managers' reports; then the values of all that are
 * computed with the same rules as above. */

/* The units as a forest by their index in m->units: parent (n: none) and
 * children (child[first[i] .. first[i + 1]]). */
typedef struct forest {
	unsigned n;
	unsigned *parent, *first, *child, *stack;
} forest;

static void
forest_free( forest *f )
{
	ber_memfree( f->parent );
	ber_memfree( f->first );
	ber_memfree( f->child );
	ber_memfree( f->stack );
}

/* Builds the forest; a unit whose parent unit is not the one of the last
 * derivation (a rename, a move, its parent gone) is marked.  -1 when out
 * of memory. */
static int
forest_build( derivation *d, forest *f )
{
	oio_model *m = d->m;
	unsigned i, n = m->nunits;

	memset( f, 0, sizeof( *f ) );
	f->n = n;
	f->parent = ber_memalloc( ( n + 1 ) * sizeof( unsigned ) );
	f->first = ber_memcalloc( n + 2, sizeof( unsigned ) );
	f->child = ber_memalloc( ( n + 1 ) * sizeof( unsigned ) );
	f->stack = ber_memalloc( ( n + 1 ) * sizeof( unsigned ) );
	if ( !f->parent || !f->first || !f->child || !f->stack ) return -1;
	for ( i = 0; i < n; i++ ) {
		oio_obj *u = BY_ID( d, m->units[i] ), *p = parent_unit( m, u );
		unsigned pid = p ? p->id : 0;
		if ( u->link[OIO_U_PARENT] != pid ) {
			u->link[OIO_U_PARENT] = pid;
			oio_depend_mark( m, u, OIO_CH_UNIT );
		}
		f->parent[i] = p ? p->link[OIO_U_INDEX] : n;
		if ( p ) f->first[f->parent[i] + 1]++;
	}
	for ( i = 0; i < n; i++ ) f->first[i + 1] += f->first[i];
	for ( i = 0; i < n; i++ ) {		/* first[p] counts up as children land */
		if ( f->parent[i] < n ) f->child[f->first[f->parent[i]]++] = i;
	}
	for ( i = n; i > 0; i-- ) f->first[i] = f->first[i - 1];	/* back to the starts */
	f->first[0] = 0;
	return 0;
}

/* The own manager of unit u: the person of its filled post of lowest
 * entryUUID (as pass 1 finds it). */
static oio_obj *
own_manager( derivation *d, oio_obj *u )
{
	oio_obj *f, *best = NULL, *who = NULL, *p;
	unsigned id;

	for ( id = oio_depend_first( d->m, &u->uuid, OIO_DEPEND_BY_UNIT ); id;
			id = f->link[2 + OIO_L_NEXT] ) {
		f = BY_ID( d, id );
		if ( f->kind != OIO_MANAGER || !f->has_person ) continue;
		p = oio_model_get( d->m, &f->person );
		if ( !p || p->kind != OIO_PERSON ) continue;
		if ( !best || uuid_less( &f->uuid, &best->uuid ) ) {
			best = f;
			who = p;
		}
	}
	return who;
}

/* The people engaged in unit u: their manager may have changed. */
static void
reach_engaged( derivation *d, oio_obj *u )
{
	oio_obj *f, *p;
	unsigned id;

	for ( id = oio_depend_first( d->m, &u->uuid, OIO_DEPEND_BY_UNIT ); id;
			id = f->link[2 + OIO_L_NEXT] ) {
		f = BY_ID( d, id );
		if ( f->kind != OIO_ENGAGEMENT ) continue;
		if ( ( p = oio_model_get( d->m, &f->person ) ) && p->kind == OIO_PERSON )
			oio_depend_mark( d->m, p, OIO_CH_PERSON );
	}
}

#define IN_REGION 0x80000000u

/* Unit top's own manager or place changed: every unit below it gets its
 * values again (path, inherited manager); in top's region (top and the
 * units below it that have no manager of their own, where the manager is
 * inherited from top or above) the people engaged may report to someone
 * else, and so may the managers of the first units below the region
 * (they report upwards).  A marked unit met on the way starts a region of
 * its own. */
static void
reach_below( derivation *d, forest *f, unsigned top )
{
	unsigned sp = 0, k;

	f->stack[sp++] = top | IN_REGION;
	while ( sp ) {
		unsigned e = f->stack[--sp], i = e & ~IN_REGION;
		oio_obj *u = BY_ID( d, d->m->units[i] );
		int region = ( e & IN_REGION ) || ( u->change & OIO_CH_UNIT );
		oio_depend_mark( d->m, u, OIO_CH_VALUES );
		if ( region ) reach_engaged( d, u );
		for ( k = f->first[i]; k < f->first[i + 1]; k++ ) {
			oio_obj *c = BY_ID( d, d->m->units[f->child[k]] ), *mgr = unit_manager( d, c );
			if ( region && mgr ) oio_depend_mark( d->m, mgr, OIO_CH_PERSON );
			f->stack[sp++] = f->child[k] | ( region && !mgr ? IN_REGION : 0 );
		}
	}
}

/* Whether a unit above unit i is marked (its reach covers i's). */
static int
above_marked( derivation *d, forest *f, unsigned i )
{
	unsigned guard = 0;

	for ( i = f->parent[i]; i < f->n && guard++ < f->n; i = f->parent[i] )
		if ( BY_ID( d, d->m->units[i] )->change & OIO_CH_UNIT ) return 1;
	return 0;
}

/* The units marked: their own managers first (every walk below reads
 * them), then what each reaches.  -1 when out of memory. */
static int
reach_units( derivation *d )
{
	oio_model *m = d->m;
	forest f;
	unsigned i;
	oio_obj *o, *p;

	if ( forest_build( d, &f ) ) {
		forest_free( &f );
		return -1;
	}
	for ( i = 0; i < m->nchanged; i++ ) {
		if ( !( o = BY_ID( d, m->changed[i] ) ) || o->kind != OIO_UNIT ||
			!( o->change & OIO_CH_UNIT ) ) continue;
		p = own_manager( d, o );
		o->link[OIO_U_MANAGER] = p ? p->id : 0;
	}
	for ( i = 0; i < m->nchanged; i++ ) {
		if ( !( o = BY_ID( d, m->changed[i] ) ) || o->kind != OIO_UNIT ||
			!( o->change & OIO_CH_UNIT ) || above_marked( d, &f, o->link[OIO_U_INDEX] ) )
			continue;
		reach_below( d, &f, o->link[OIO_U_INDEX] );
	}
	forest_free( &f );
	return 0;
}

/* The manager person o reports to now (pass 2 for o alone). */
static oio_obj *
person_manager( derivation *d, oio_obj *o )
{
	oio_obj *e = BY_ID( d, person_alone( d, o )->primary ), *unit;

	if ( !e || !( unit = oio_model_get( d->m, &e->unit ) ) || unit->kind != OIO_UNIT )
		return NULL;
	return inherited_manager( d, unit, o );
}

/* -1 when out of memory (nothing written), else how many were written */
static int
derive_changed( derivation *d, oio_write_fn *write, void *arg )
{
	oio_model *m = d->m;
	int need_units = m->units_moved, n = 0;
	unsigned i;
	oio_obj *o;

	for ( i = 0; i < m->nchanged && !need_units; i++ ) {
		o = BY_ID( d, m->changed[i] );
		need_units = o && o->kind == OIO_UNIT && ( o->change & OIO_CH_UNIT );
	}
	if ( need_units && reach_units( d ) ) return -1;
	/* managers before values: every manager's reports are known first
	 * (the list grows while it is walked: the old and new managers) */
	for ( i = 0; i < m->nchanged; i++ ) {
		o = BY_ID( d, m->changed[i] );
		if ( o && o->kind == OIO_PERSON && ( o->change & OIO_CH_PERSON ) )
			oio_depend_set_manager( m, o, person_manager( d, o ) );
	}
	for ( i = 0; i < m->nchanged; i++ ) {
		o = BY_ID( d, m->changed[i] );
		if ( !o || !( o->change & ( OIO_CH_PERSON | OIO_CH_UNIT | OIO_CH_VALUES ) ) ) continue;
		o->change &= ~( OIO_CH_PERSON | OIO_CH_UNIT | OIO_CH_VALUES );	/* once, if listed twice */
		n += object_values( d, o, write, arg );
	}
	scratch_free( &d->one );
	return n;
}

int
oio_model_derive_changed( oio_model *m, int publish_internal, const oio_value_rules *vr,
	oio_write_fn *write, void *arg )
{
	derivation d;
	int n, lost;

	if ( m->tracker && !m->changed_all ) {
		memset( &d, 0, sizeof( d ) );
		d.m = m;
		d.publish_internal = publish_internal;
		d.vr = vr;
		n = derive_changed( &d, write, arg );
		lost = m->changed_all;	/* a mark could not be listed meanwhile */
		oio_depend_done( m );
		if ( lost ) m->changed_all = 1;		/* the next run derives all */
		if ( n >= 0 ) return n;
	}
	if ( !m->tracker ) return derive( m, publish_internal, vr, NULL, 0, write, arg );
	oio_depend_done( m );
	return derive( m, publish_internal, vr, NULL, 1, write, arg );
}
