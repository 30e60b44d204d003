/* test_oio_rules.c - the oio overlay's derivation rules (overlay/oio/
 * oio_derive.c; docs/schema-mapping.md section 7, slapo-oio(5) DERIVED
 * ATTRIBUTES) on small hand-built models of a municipality.
 *
 * Why without slapd: the rules read only the model objects' plain fields
 * (entryUUIDs, names, references, strings; oio_model.h), so the model and
 * the rules were cut from the part that fills objects from slapd entries
 * (oio_entry.c) and this test links only them, with liblber and libldap.
 * Loading slapd's schema into a test would test the same code through far
 * more of slapd, and needs a built slapd.  What this does not see: how an
 * entry becomes an object (t_oio covers that through a running slapd).
 *
 * Validity is no input of the rules: the model holds the organisation at
 * one point, so an engagement outside its validity is one that is not in
 * the model (the activation deletes it at its end); the case below takes
 * it out and checks what is written again.
 *
 * A derived attribute holds values of its syntax and is a set under its
 * matching rule, which only slapd knows: the rules ask the schema
 * (oio_value_rules; the overlay's is oio_schema_values, which t_oio_rules
 * runs).  Here: any value and the bytes, or the test's own stand for
 * mail's IA5String syntax and caseIgnoreIA5Match.
 *
 * Every expected value is written out by hand from the model as drawn
 * here, never computed by the code under test.
 *
 *   dc=k,dc=dk
 *     ou=organisation
 *       o=line (organisation)
 *         ou=Kommune 1000          post: bo                       depth 1
 *           ou=Borgmesterens Afdeling 1100   post: anna           depth 2
 *             ou=IT 1110           post: vacant                   depth 3
 *               ou=Drift 1111      no post                        depth 4
 *                 ou=Servere 1112  post: vacant                   depth 5
 *       o=payroll (organisation)
 *         ou=Lønorganisation 9000  posts: gus (uuid 0x320), hans (uuid 0x310)
 *           ou=Løn IT 9100         no post
 *     ou=people: anna bo carl dora erik fie gus hans
 *
 *   engagements (primary unless said):
 *     anna  Borgmesterens Afdeling, Afdelingschef, E-anna
 *     bo    Kommune, Direktør, E-bo
 *     carl  Servere, Programmør, E-carl; and not primary: Løn IT, Lønkonsulent
 *     dora  not primary only: IT, Programmør
 *     erik  none (his engagement is not valid at this point)
 *     fie   Løn IT, Lønkonsulent, E-fie
 *     gus, hans  none
 *     ivan  a unit no longer in the model (a dangling reference), Programmør
 */
#include "portable.h"

#include <ctype.h>
#include <stdlib.h>

#include "oio_build.h"
#include "tap.h"

#define SUFFIX "dc=k,dc=dk"
#define PEOPLE "ou=people," SUFFIX
#define FUNCS "ou=functions," SUFFIX
#define CLASSES "ou=classification," SUFFIX
#define LINE "o=line,ou=organisation," SUFFIX
#define PAYROLL "o=payroll,ou=organisation," SUFFIX

/* DNs of the units, written out */
#define U1_DN "ou=Kommune," LINE
#define U2_DN "ou=Borgmesterens Afdeling," U1_DN
#define U3_DN "ou=IT," U2_DN
#define U4_DN "ou=Drift," U3_DN
#define U5_DN "ou=Servere," U4_DN
#define P1_DN "ou=Lønorganisation," PAYROLL
#define P2_DN "ou=Løn IT," P1_DN

/* entryUUIDs: 00000000-0000-4000-8000-00000000NNNN, so that their order
 * (the rules' tie-breaker) and their strings are plain to read */
#define uid oio_build_uid

enum {
	/* organisations, units */
	N_LINE = 0x001, N_PAYROLL, N_U1 = 0x011, N_U2, N_U3, N_U4, N_U5,
	N_P1 = 0x021, N_P2, N_GONE = 0x02f,
	/* classes */
	N_J_CHEF = 0x101, N_J_DIR, N_J_PROG, N_J_LON, N_ET_ANSAT,
	N_AT_MAIL = 0x111, N_AT_PHONE, N_AT_MOBILE, N_AT_POST,
	N_V_PUBLIC = 0x121, N_V_INTERNAL, N_V_SECRET, N_V_UNKNOWN,
	/* people */
	N_ANNA = 0x201, N_BO, N_CARL, N_DORA, N_ERIK, N_FIE, N_GUS, N_HANS, N_IVAN,
	/* posts */
	N_POST_U1 = 0x301, N_POST_U2, N_POST_U3, N_POST_U5,
	N_POST_P1_HANS = 0x310, N_POST_P1_GUS = 0x320, N_POST_GONE = 0x330,
	/* engagements */
	N_E_ANNA = 0x401, N_E_BO, N_E_CARL, N_E_CARL_PAY, N_E_DORA, N_E_FIE, N_E_IVAN,
	/* addresses */
	N_A1 = 0x501, N_A2, N_A3, N_A4, N_A5, N_A6, N_A7, N_A8, N_A9, N_A10, N_A11, N_A12, N_A13
};

/* The model the rules are checked on keeps the stored values, so that
 * they can be read back (as an as-of model does); its twin H keeps their
 * hashes only, as the overlay's live model does, gets every change M
 * gets, and must write exactly what M writes (derive()). */
static oio_model M, H;
static oio_model *cur = &M;		/* the one the builders below change */
#define BOTH( stmt ) do { cur = &M; stmt; cur = &H; stmt; cur = &M; } while ( 0 )

/* s as a berval (NULL: none) */
static struct berval *
bv( const char *s, struct berval *out )
{
	if ( !s ) return NULL;
	out->bv_val = (char *)s;
	out->bv_len = strlen( s );
	return out;
}

static void
strs( oio_obj *o, const char *name, const char *key, const char *scope, const char *value )
{
	struct berval b[4];

	if ( oio_obj_set_strs( o, bv( name, &b[0] ), bv( key, &b[1] ), bv( scope, &b[2] ),
			bv( value, &b[3] ) ) ) {
		printf( "Bail out! cannot build the model\n" );
		exit( 1 );
	}
}

/* A normalized DN as slapd makes one of these (ASCII names, no escapes):
 * lower case.  o is renamed dn (NULL: a new object u in cur). */
static oio_obj *
set_names( oio_obj *o, const bt_uuid *u, const char *dn )
{
	struct berval d, nd;
	size_t i;

	ber_str2bv( dn, 0, 1, &d );
	ber_str2bv( dn, 0, 1, &nd );
	for ( i = 0; i < nd.bv_len; i++ )
		nd.bv_val[i] = tolower( (unsigned char)nd.bv_val[i] );
	if ( o ? oio_model_set_dn( cur, o, &d, &nd ) != 0 : !( o = oio_model_add( cur, u, &d, &nd ) ) ) {
		printf( "Bail out! cannot build the model\n" );
		exit( 1 );
	}
	ber_memfree( d.bv_val );
	ber_memfree( nd.bv_val );
	return o;
}

static oio_obj *
obj( oio_kind kind, unsigned n, const char *dn )
{
	bt_uuid u = uid( n );
	oio_obj *o = set_names( NULL, &u, dn );

	o->kind = kind;
	return o;
}

static void
org( unsigned n, const char *dn, const char *name )
{
	strs( obj( OIO_ORG, n, dn ), name, NULL, NULL, NULL );
}

static void
unit( unsigned n, const char *dn, const char *name, const char *key )
{
	strs( obj( OIO_UNIT, n, dn ), name, key, NULL, NULL );
}

static void
cls( unsigned n, const char *key, const char *name, const char *scope )
{
	char dn[200];
	oio_obj *o;

	snprintf( dn, sizeof( dn ), "cn=%s,cn=facet," CLASSES, key );
	o = obj( OIO_CLASS, n, dn );
	strs( o, name, key, scope, NULL );
}

static void
person( unsigned n, const char *uid_ )
{
	char dn[200];

	snprintf( dn, sizeof( dn ), "uid=%s," PEOPLE, uid_ );
	obj( OIO_PERSON, n, dn );
}

static oio_obj *
function( oio_kind kind, unsigned n )
{
	char dn[200];

	snprintf( dn, sizeof( dn ), "cn=%04x," FUNCS, n );
	return obj( kind, n, dn );
}

static void
engagement( unsigned n, unsigned who, unsigned in, unsigned job, const char *key, int primary )
{
	oio_obj *o = function( OIO_ENGAGEMENT, n );

	o->person = uid( who );
	o->has_person = 1;
	o->unit = uid( in );
	o->jobfn = uid( job );
	o->engtype = uid( N_ET_ANSAT );
	if ( key ) strs( o, NULL, key, NULL, NULL );
	o->primary = primary;
}

/* who 0: a vacant post */
static void
post( unsigned n, unsigned in, unsigned who )
{
	oio_obj *o = function( OIO_MANAGER, n );

	o->unit = uid( in );
	if ( who ) {
		o->person = uid( who );
		o->has_person = 1;
	}
}

/* visibility 0: none given */
static void
address( unsigned n, unsigned owner, unsigned type, unsigned visibility, const char *value )
{
	oio_obj *o = function( OIO_ADDRESS, n );

	o->owner = uid( owner );
	o->addrtype = uid( type );
	if ( visibility ) {
		o->visibility = uid( visibility );
		o->has_visibility = 1;
	}
	strs( o, NULL, NULL, NULL, value );
}

static void
build( void )
{
	org( N_LINE, LINE, "line" );
	org( N_PAYROLL, PAYROLL, "payroll" );
	unit( N_U1, U1_DN, "Kommune", "1000" );
	unit( N_U2, U2_DN, "Borgmesterens Afdeling", "1100" );
	unit( N_U3, U3_DN, "IT", "1110" );
	unit( N_U4, U4_DN, "Drift", "1111" );
	unit( N_U5, U5_DN, "Servere", "1112" );
	unit( N_P1, P1_DN, "Lønorganisation", "9000" );
	unit( N_P2, P2_DN, "Løn IT", "9100" );

	cls( N_J_CHEF, "chef", "Afdelingschef", NULL );
	cls( N_J_DIR, "dir", "Direktør", NULL );
	cls( N_J_PROG, "prog", "Programmør", NULL );
	cls( N_J_LON, "lon", "Lønkonsulent", NULL );
	cls( N_ET_ANSAT, "ansat", "Ansat", NULL );
	cls( N_AT_MAIL, "EmailEmployee", "Email", NULL );
	cls( N_AT_PHONE, "PhoneEmployee", "Telefon", NULL );
	cls( N_AT_MOBILE, "MobilePhoneEmployee", "Mobil", NULL );
	cls( N_AT_POST, "AdressePostEmployee", "Postadresse", NULL );
	cls( N_V_PUBLIC, "Public", "Må vises eksternt", "PUBLIC" );
	cls( N_V_INTERNAL, "Internal", "Må vises internt", "INTERNAL" );
	cls( N_V_SECRET, "Secret", "Hemmelig", "SECRET" );

	person( N_ANNA, "anna" );
	person( N_BO, "bo" );
	person( N_CARL, "carl" );
	person( N_DORA, "dora" );
	person( N_ERIK, "erik" );
	person( N_FIE, "fie" );
	person( N_GUS, "gus" );
	person( N_HANS, "hans" );
	person( N_IVAN, "ivan" );

	post( N_POST_U1, N_U1, N_BO );
	post( N_POST_U2, N_U2, N_ANNA );
	post( N_POST_U3, N_U3, 0 );
	post( N_POST_U5, N_U5, 0 );
	post( N_POST_P1_GUS, N_P1, N_GUS );
	post( N_POST_P1_HANS, N_P1, N_HANS );
	post( N_POST_GONE, N_GONE, N_IVAN );

	engagement( N_E_ANNA, N_ANNA, N_U2, N_J_CHEF, "E-anna", 1 );
	engagement( N_E_BO, N_BO, N_U1, N_J_DIR, "E-bo", 1 );
	engagement( N_E_CARL, N_CARL, N_U5, N_J_PROG, "E-carl", 1 );
	engagement( N_E_CARL_PAY, N_CARL, N_P2, N_J_LON, "E-carl-pay", 0 );
	engagement( N_E_DORA, N_DORA, N_U3, N_J_PROG, "E-dora", 0 );
	engagement( N_E_FIE, N_FIE, N_P2, N_J_LON, "E-fie", 1 );
	engagement( N_E_IVAN, N_IVAN, N_GONE, N_J_PROG, "E-ivan", 1 );

	address( N_A1, N_CARL, N_AT_MAIL, N_V_PUBLIC, "carl@k.dk" );
	address( N_A2, N_CARL, N_AT_PHONE, 0, "+45 1111 1111" );	/* absent: public */
	address( N_A3, N_CARL, N_AT_MOBILE, N_V_SECRET, "+45 2222 2222" );
	address( N_A4, N_CARL, N_AT_MAIL, N_V_INTERNAL, "carl.intern@k.dk" );
	address( N_A5, N_CARL, N_AT_PHONE, N_V_UNKNOWN, "+45 3333 3333" );
	address( N_A6, N_CARL, N_AT_POST, N_V_PUBLIC, "Rådhuset 1" );
	address( N_A7, N_E_CARL, N_AT_MAIL, N_V_PUBLIC, "servere@k.dk" );	/* the engagement's */
	address( N_A8, N_FIE, N_AT_MOBILE, N_V_PUBLIC, "+45 4444 4444" );
	address( N_A9, N_FIE, N_AT_MAIL, N_V_PUBLIC, "" );
}

/* ------------------------------------------------------------------ */
/* Writers: the model records values as stored when write returns 0. */

static char written[2000];		/* "uid=..,ou=..;..." of one run, in write order */
static int refuse;

static int
write_rec( oio_model *m, oio_obj *o, BerVarray *values, void *arg )
{
	char *w = arg;
	struct berval dn;

	(void)m;
	(void)values;
	if ( refuse ) return -1;
	oio_obj_dn( o, &dn, NULL );
	if ( strlen( w ) + dn.bv_len + 2 < sizeof( written ) ) {
		strcat( w, dn.bv_val );
		strcat( w, ";" );
	}
	ber_memfree( dn.bv_val );
	return 0;
}

/* The test's stand for the schema (oio_schema_values in the overlay):
 * mail holds ASCII only, as its IA5String syntax; values are equal
 * case-insensitively, as mail's caseIgnoreIA5Match.  They note which
 * derived attributes they were asked about. */
static unsigned asked_valid, asked_same;

static int
ascii_only( int d, struct berval *v )
{
	ber_len_t i;

	asked_valid |= 1u << d;
	for ( i = 0; i < v->bv_len; i++ ) if ( (unsigned char)v->bv_val[i] > 0x7f ) return 0;
	return 1;
}

static int
same_caseless( int d, struct berval *a, struct berval *b )
{
	asked_same |= 1u << d;
	return a->bv_len == b->bv_len && strncasecmp( a->bv_val, b->bv_val, a->bv_len ) == 0;
}

static const oio_value_rules test_schema = { ascii_only, same_caseless };
static const oio_value_rules *schema;	/* NULL: any value, the same bytes */

static const char *written_set( const char *w );

static int
count_differs( oio_model *m, oio_obj *o, BerVarray *values, void *arg )
{
	(void)m;
	(void)o;
	(void)values;
	( *(int *)arg )++;
	return -1;	/* not stored */
}

/* After a computation that stored everything it wrote: each person's and
 * unit's values computed alone (oio_model_derive_one, as an as-of read of
 * one entry does) are those stored, so none differs. */
static int
derive_one_differs( int publish_internal )
{
	unsigned id;
	int differs = 0;

	for ( id = 1; id < M.nids; id++ ) {
		oio_obj *o = oio_model_by_id( &M, id );
		if ( o && o->id == id )
			oio_model_derive_one( &M, publish_internal, schema, o, count_differs, &differs );
	}
	return differs;
}

/* One computation on M, and on its twin H (hashes): the same writes. */
static int
derive( int publish_internal )
{
	static char written_h[sizeof( written )];
	static int run;
	char a[sizeof( written ) * 2];
	int n, nh;

	written[0] = written_h[0] = '\0';
	n = oio_model_derive( &M, publish_internal, schema, write_rec, written );
	nh = oio_model_derive( &H, publish_internal, schema, write_rec, written_h );
	snprintf( a, sizeof( a ), "%s", written_set( written ) );
	run++;
	ok( n == nh && strcmp( a, written_set( written_h ) ) == 0,
		"computation %d: the model of hashes writes what the model of values writes (%d, %d)",
		run, n, nh );
	if ( !refuse ) {
		int d = derive_one_differs( publish_internal );
		ok( d == 0, "computation %d: each object's values computed alone are the same (%d differ)",
			run, d );
	}
	return n;
}

static int
str_cmp( const void *a, const void *b )
{
	return strcmp( *(char *const *)a, *(char *const *)b );
}

/* A set of strings as one: sorted, joined by " | "; "(absent)" for none. */
static const char *
joined( char **s, int n )
{
	static char out[4][1000];
	static int turn;
	char *p = out[turn++ % 4];
	int i;

	qsort( s, n, sizeof( *s ), str_cmp );
	p[0] = '\0';
	for ( i = 0; i < n; i++ ) {
		if ( i ) strcat( p, " | " );
		strncat( p, s[i], 400 );
	}
	return n ? p : "(absent)";
}

/* The stored values of attribute d of the object named by n. */
static const char *
vals( unsigned n, int d )
{
	bt_uuid u = uid( n );
	oio_obj *o = oio_model_get( &M, &u );
	BerVarray v;
	char *s[16];
	int i;

	if ( !o ) return "(no such object)";
	v = oio_obj_values( &M, o, d );
	for ( i = 0; v && v[i].bv_val && i < 16; i++ )
		s[i] = v[i].bv_val;
	return joined( s, i );
}

/* The objects of a run's writes (w), as a set. */
static const char *
written_set( const char *w )
{
	static char copy[sizeof( written )];
	char *s[32], *p, *save = NULL;
	int n = 0;

	strcpy( copy, w );
	for ( p = strtok_r( copy, ";", &save ); p && n < 32; p = strtok_r( NULL, ";", &save ) )
		s[n++] = p;
	return joined( s, n );
}

#define DN_ANNA "uid=anna," PEOPLE
#define DN_BO "uid=bo," PEOPLE
#define DN_CARL "uid=carl," PEOPLE
#define DN_FIE "uid=fie," PEOPLE
#define DN_HANS "uid=hans," PEOPLE
#define UUID_ANNA "00000000-0000-4000-8000-000000000201"
#define UUID_BO "00000000-0000-4000-8000-000000000202"
#define UUID_HANS "00000000-0000-4000-8000-000000000208"

/* ------------------------------------------------------------------ */

static void
test_person_rules( void )
{
	/* primary engagement: title, ou, departmentNumber, employeeNumber,
	 * employeeType from it; manager inherited 3 levels up (Servere and IT
	 * vacant, Drift without a post) */
	is_str( vals( N_CARL, D_TITLE ), "Programmør", "title: the primary engagement's job function" );
	is_str( vals( N_CARL, D_OU ), "Servere", "ou: the primary engagement's unit, not the payroll one" );
	is_str( vals( N_CARL, D_DEPARTMENT ), "1112", "departmentNumber: that unit's user key" );
	is_str( vals( N_CARL, D_EMPLOYEE_NUMBER ), "E-carl", "employeeNumber: the primary engagement's user key" );
	is_str( vals( N_CARL, D_EMPLOYEE_TYPE ), "Ansat", "employeeType: the engagement type's name" );
	is_str( vals( N_CARL, D_MANAGER ), DN_ANNA,
		"manager: vacant posts and a unit without one are passed over, 3 levels up" );
	is_str( vals( N_CARL, D_ACTIVE ), "TRUE", "moActive: TRUE with engagements" );
	is_str( vals( N_CARL, D_DIRECT_REPORTS ), "(absent)", "moDirectReports: absent for one who manages nobody" );

	/* a manager of her own unit gets the next one up; the manager of the
	 * root unit has none */
	is_str( vals( N_ANNA, D_MANAGER ), DN_BO, "a unit's own manager: the manager of the unit above" );
	is_str( vals( N_BO, D_MANAGER ), "(absent)",
		"the root unit's manager: none (the walk stops at the organisation)" );
	is_str( vals( N_ANNA, D_DIRECT_REPORTS ), DN_CARL,
		"moDirectReports: the people whose manager she is (not dora: no primary engagement)" );
	is_str( vals( N_BO, D_DIRECT_REPORTS ), DN_ANNA, "moDirectReports of the root unit's manager" );
	is_str( vals( N_ANNA, D_TITLE ), "Afdelingschef", "a manager's title" );

	/* only a non-primary engagement: active, nothing else */
	is_str( vals( N_DORA, D_ACTIVE ), "TRUE", "moActive: TRUE with a non-primary engagement only" );
	is_str( vals( N_DORA, D_TITLE ), "(absent)", "no primary engagement: no title" );
	is_str( vals( N_DORA, D_OU ), "(absent)", "no primary engagement: no ou" );
	is_str( vals( N_DORA, D_DEPARTMENT ), "(absent)", "no primary engagement: no departmentNumber" );
	is_str( vals( N_DORA, D_EMPLOYEE_NUMBER ), "(absent)", "no primary engagement: no employeeNumber" );
	is_str( vals( N_DORA, D_MANAGER ), "(absent)", "no primary engagement: no manager" );

	/* no engagement valid at this point */
	is_str( vals( N_ERIK, D_ACTIVE ), "FALSE", "moActive: FALSE without engagements" );
	is_str( vals( N_ERIK, D_TITLE ), "(absent)", "without engagements: no title" );
	is_str( vals( N_ERIK, D_MANAGER ), "(absent)", "without engagements: no manager" );
	is_str( vals( N_GUS, D_ACTIVE ), "FALSE", "a manager without an engagement: moActive FALSE" );

	/* the payroll organisation: its own chain; two filled posts, the one
	 * with the lower entryUUID (hans, 0x310) wins over gus (0x320) */
	is_str( vals( N_FIE, D_OU ), "Løn IT", "payroll: ou" );
	is_str( vals( N_FIE, D_MANAGER ), DN_HANS,
		"payroll: of two filled posts, the lower entryUUID's person" );
	is_str( vals( N_HANS, D_DIRECT_REPORTS ), DN_FIE,
		"payroll manager's reports: fie only (carl's payroll engagement is not primary)" );
	is_str( vals( N_GUS, D_DIRECT_REPORTS ), "(absent)", "the losing post's person manages nobody" );

	/* a unit that is gone: its engagement gives no unit values and its
	 * post manages nobody */
	is_str( vals( N_IVAN, D_TITLE ), "Programmør", "engagement in a unit not in the model: title stays" );
	is_str( vals( N_IVAN, D_EMPLOYEE_NUMBER ), "E-ivan", "... and employeeNumber" );
	is_str( vals( N_IVAN, D_OU ), "(absent)", "... but no ou" );
	is_str( vals( N_IVAN, D_DEPARTMENT ), "(absent)", "... no departmentNumber" );
	is_str( vals( N_IVAN, D_MANAGER ), "(absent)", "... no manager" );
	is_str( vals( N_IVAN, D_DIRECT_REPORTS ), "(absent)", "a post in a unit not in the model: no reports" );
}

static void
test_addresses( void )
{
	is_str( vals( N_CARL, D_MAIL ), "carl@k.dk",
		"mail: the public one; not the internal one, not the engagement's" );
	is_str( vals( N_CARL, D_PHONE ), "+45 1111 1111",
		"telephoneNumber: without visibility = public; an unknown visibility class is not" );
	is_str( vals( N_CARL, D_MOBILE ), "(absent)", "mobile: a secret address is never published" );
	is_str( vals( N_FIE, D_MOBILE ), "+45 4444 4444", "mobile: public" );
	is_str( vals( N_FIE, D_MAIL ), "(absent)", "an empty address value gives no mail" );
	is_str( vals( N_ANNA, D_MAIL ), "(absent)", "no address: no mail" );
}

static void
test_unit_rules( void )
{
	is_str( vals( N_U1, D_UNIT_PATH ), "Kommune", "moUnitPath of a root unit: its name" );
	is_str( vals( N_U5, D_UNIT_PATH ),
		"Kommune\\Borgmesterens Afdeling\\IT\\Drift\\Servere", "moUnitPath at depth 5" );
	is_str( vals( N_P2, D_UNIT_PATH ), "Lønorganisation\\Løn IT",
		"moUnitPath in the payroll organisation" );
	is_str( vals( N_U1, D_UNIT_MANAGER ), UUID_BO, "moRefUnitManager: its own post's person" );
	is_str( vals( N_U1, D_UNIT_MANAGER_DN ), DN_BO, "moUnitManagerDN: its own post's person" );
	is_str( vals( N_U2, D_UNIT_MANAGER ), UUID_ANNA, "a unit's own manager (no exclusion for units)" );
	is_str( vals( N_U3, D_UNIT_MANAGER ), UUID_ANNA, "a vacant post: inherited from above" );
	is_str( vals( N_U5, D_UNIT_MANAGER ), UUID_ANNA, "depth 5: inherited 3 levels up" );
	is_str( vals( N_U5, D_UNIT_MANAGER_DN ), DN_ANNA, "depth 5: moUnitManagerDN" );
	is_str( vals( N_P2, D_UNIT_MANAGER ), UUID_HANS, "payroll: the lower post entryUUID's person" );
	is_str( vals( N_U5, D_TITLE ), "(absent)", "a unit has no person attributes" );
	is_str( vals( N_CARL, D_UNIT_PATH ), "(absent)", "a person has no unit attributes" );
}

/* Moves the object named n to dn (what the live DIT's modrdn does). */
static void
move( unsigned n, const char *dn )
{
	bt_uuid u = uid( n );

	set_names( oio_model_get( cur, &u ), NULL, dn );
}

/* Deletes the object named n by its DN, as the live DIT's delete does. */
static void
del( unsigned n, oio_kind kind )
{
	bt_uuid u = uid( n );
	oio_obj *o = oio_model_get( cur, &u );
	struct berval ndn;

	oio_obj_dn( o, NULL, &ndn );
	is_int( oio_model_del_dn( cur, &ndn ), kind, "deleted %s from the model", ndn.bv_val );
	ok( !oio_model_get( cur, &u ) && !oio_model_get_dn( cur, &ndn ), "... gone from both indexes" );
	ber_memfree( ndn.bv_val );
}

/* Fills the post named n with person who (a modify of its moRefPerson). */
static void
fill_post( unsigned n, unsigned who )
{
	bt_uuid u = uid( n );
	oio_obj *p = oio_model_get( cur, &u );

	p->person = uid( who );
	p->has_person = 1;
}

int
main( void )
{
	int n;

	setvbuf( stdout, NULL, _IOLBF, 0 );
	oio_model_init( &M, 1 );
	oio_model_init( &H, 0 );
	BOTH( build() );

	/* a writer that refuses: nothing is recorded as stored */
	refuse = 1;
	is_int( derive( 0 ), 0, "a refusing writer: nothing counted as written" );
	is_str( vals( N_CARL, D_TITLE ), "(absent)", "a refused write is not recorded as stored" );
	refuse = 0;

	/* people 9, units 7 (the organisations and functions have no values) */
	is_int( derive( 0 ), 16, "first computation: every person and unit written" );
	test_person_rules();
	test_addresses();
	test_unit_rules();
	is_int( derive( 0 ), 0, "nothing changed: nothing written" );

	/* a model built for one as-of read holds engagements, posts,
	 * addresses and classes without DNs (oio_model_add_unnamed): the same
	 * values.  Carl's primary engagement, in M only, becomes such a one. */
	{
		bt_uuid e = uid( N_E_CARL );
		oio_obj *o = oio_model_get( &M, &e ), *un;
		oio_facts facts;
		struct berval s[4], dn, none = BER_BVNULL;
		int i;
		oio_obj_facts( o, &facts );
		for ( i = 0; i < 4; i++ ) {
			oio_obj_str( o, OIO_S_NAME + i, &s[i] );
			ber_dupbv( &s[i], &s[i] );
		}
		oio_model_drop( &M, o );
		un = oio_model_add_unnamed( &M, &e );
		oio_obj_set_facts( un, &facts );
		oio_obj_set_strs( un, &s[0], &s[1], &s[2], &s[3] );
		oio_obj_dn( un, &dn, NULL );
		ok( un && oio_model_get( &M, &e ) == un && dn.bv_len == 0 && !oio_model_get_dn( &M, &none ),
			"an unnamed object: found by its UUID, no DN, not in the DN index" );
		ber_memfree( dn.bv_val );
		for ( i = 0; i < 4; i++ ) ber_memfree( s[i].bv_val );
		is_int( derive( 0 ), 0, "... the values derived with it are the same: nothing written" );
		is_str( vals( N_CARL, D_EMPLOYEE_NUMBER ), "E-carl", "... its strings kept" );
	}

	/* emptied (as a thread's as-of model after each read) and built
	 * again: nothing of before left, the same values */
	{
		char before[2][D_COUNT][400];
		unsigned who[2] = { N_CARL, N_ANNA };
		int i, d, same = 1;
		for ( i = 0; i < 2; i++ )
			for ( d = 0; d < D_COUNT; d++ ) snprintf( before[i][d], 400, "%s", vals( who[i], d ) );
		oio_model_empty( &M );
		oio_model_empty( &H );
		ok( M.by_uuid.count == 0 && M.by_dn.count == 0 && M.parents.count == 0 && M.nids == 1 &&
			M.npages == 1 && !M.loaded, "empty: no objects, names or parents; the first page kept" );
		BOTH( build() );
		is_int( derive( 0 ), 16, "built again: every person and unit written again" );
		for ( i = 0; i < 2; i++ )
			for ( d = 0; d < D_COUNT; d++ ) same &= strcmp( before[i][d], vals( who[i], d ) ) == 0;
		ok( same, "... with the values of before" );
	}

	/* internal addresses published where configured */
	n = derive( 1 );
	is_str( vals( N_CARL, D_MAIL ), "carl.intern@k.dk | carl@k.dk",
		"oio-internal-addresses on: the internal mail too" );
	is_str( vals( N_CARL, D_MOBILE ), "(absent)", "oio-internal-addresses on: secret still not" );
	is_int( n, 1, "... and only carl written" );
	derive( 0 );
	is_str( vals( N_CARL, D_MAIL ), "carl@k.dk", "oio-internal-addresses off again" );

	/* carl's primary engagement ends (leaves the model at its end): the
	 * payroll one keeps him active; anna loses her only report */
	BOTH( del( N_E_CARL, OIO_ENGAGEMENT ) );
	n = derive( 0 );
	is_str( written_set( written ), DN_ANNA " | " DN_CARL, "engagement ended: carl and his manager written" );
	is_int( n, 2, "... two entries" );
	is_str( vals( N_CARL, D_ACTIVE ), "TRUE", "still active through the non-primary engagement" );
	is_str( vals( N_CARL, D_TITLE ), "(absent)", "no primary engagement left: no title" );
	is_str( vals( N_CARL, D_OU ), "(absent)", "... no ou" );
	is_str( vals( N_CARL, D_MANAGER ), "(absent)", "... no manager" );
	is_str( vals( N_ANNA, D_DIRECT_REPORTS ), "(absent)", "the manager's reports lose him" );
	is_str( vals( N_CARL, D_MAIL ), "carl@k.dk", "his own addresses stay" );
	BOTH( engagement( N_E_CARL, N_CARL, N_U5, N_J_PROG, "E-carl", 1 ) );
	derive( 0 );
	is_str( vals( N_ANNA, D_DIRECT_REPORTS ), DN_CARL, "engagement back: a report again" );

	/* a unit in the chain closes: Servere moves up under IT, Drift goes */
	BOTH( move( N_U5, "ou=Servere," U3_DN ) );
	BOTH( del( N_U4, OIO_UNIT ) );
	n = derive( 0 );
	is_str( written_set( written ), "ou=Servere," U3_DN, "unit closed: only the moved unit written" );
	is_int( n, 1, "... one entry" );
	is_str( vals( N_U5, D_UNIT_PATH ), "Kommune\\Borgmesterens Afdeling\\IT\\Servere",
		"moUnitPath without the closed unit" );
	is_str( vals( N_CARL, D_MANAGER ), DN_ANNA, "the manager walk goes past where the unit was" );

	/* the vacant post of IT filled by dora: the units below and carl get
	 * her; dora herself (no primary engagement) none */
	BOTH( fill_post( N_POST_U3, N_DORA ) );
	derive( 0 );
	is_str( vals( N_CARL, D_MANAGER ), "uid=dora," PEOPLE, "a post filled below: the nearer manager" );
	is_str( vals( N_U5, D_UNIT_MANAGER ), "00000000-0000-4000-8000-000000000204",
		"the unit below inherits the new manager" );
	is_str( vals( N_ANNA, D_DIRECT_REPORTS ), "(absent)", "the old manager loses the report" );
	is_str( vals( N_DORA, D_DIRECT_REPORTS ), DN_CARL, "the new one has it" );

	/* a derived attribute is a set: slapd refuses a write naming a value
	 * twice, and the person's derived values would never be written */
	BOTH( address( N_A10, N_FIE, N_AT_MOBILE, 0, "+45 4444 4444" ) );
	n = derive( 0 );
	is_str( vals( N_FIE, D_MOBILE ), "+45 4444 4444", "two addresses of one value: the value once" );
	is_int( n, 0, "... and nothing to write" );
	BOTH( address( N_A11, N_CARL, N_AT_MAIL, N_V_PUBLIC, "CARL@k.dk" ) );
	derive( 0 );
	is_str( vals( N_CARL, D_MAIL ), "CARL@k.dk | carl@k.dk", "bytes equality: two values differing in case" );
	schema = &test_schema;
	n = derive( 0 );
	is_str( vals( N_CARL, D_MAIL ), "CARL@k.dk",
		"the attribute's equality: one value, the one that sorts first" );
	is_int( n, 1, "... carl written" );
	ok( asked_same == ( ( 1u << D_MAIL ) | ( 1u << D_MOBILE ) ),
		"the equality is asked about the attribute of the values: carl's mail, fie's mobile" );
	BOTH( address( N_A12, N_CARL, N_AT_MAIL, 0, "Carl@k.dk" ) );
	n = derive( 0 );
	is_str( vals( N_CARL, D_MAIL ), "CARL@k.dk", "a third equal value: still the first in order" );
	is_int( n, 0, "... nothing written" );

	/* a value the attribute cannot hold: slapd refuses the write (and
	 * with it every derived value of the person) */
	BOTH( address( N_A13, N_FIE, N_AT_MAIL, N_V_PUBLIC, "jørgen@k.dk" ) );
	asked_valid = 0;
	n = derive( 0 );
	is_str( vals( N_FIE, D_MAIL ), "(absent)", "a mail that is not ASCII is not published" );
	is_int( n, 0, "... nothing written" );
	ok( asked_valid & ( 1u << D_MAIL ), "the syntax is asked about mail" );
	schema = NULL;
	derive( 0 );
	is_str( vals( N_FIE, D_MAIL ), "jørgen@k.dk", "without the schema's view: any value" );

	/* sets compare in any order */
	{
		struct berval ab[3] = { BER_BVC( "a" ), BER_BVC( "b" ), BER_BVNULL };
		struct berval ba[3] = { BER_BVC( "b" ), BER_BVC( "a" ), BER_BVNULL };
		struct berval aa[3] = { BER_BVC( "a" ), BER_BVC( "a" ), BER_BVNULL };
		struct berval a[2] = { BER_BVC( "a" ), BER_BVNULL };
		ok( oio_same_values( ab, ba ), "same values in another order" );
		ok( !oio_same_values( ab, a ), "a value more" );
		ok( !oio_same_values( ab, aa ), "another value" );
		ok( oio_same_values( NULL, NULL ), "none and none" );
		ok( !oio_same_values( a, NULL ), "one and none" );
	}

	/* the model's own operations */
	{
		struct berval nope = BER_BVC( "cn=nope," FUNCS );
		bt_uuid u = uid( N_CARL );
		oio_model other;
		is_int( oio_model_del_dn( &M, &nope ), OIO_OTHER, "deleting a name not in the model: nothing" );
		oio_model_init( &other, 0 );
		M.loaded = 1;
		oio_model_swap( &M, &other );
		ok( !oio_model_get( &M, &u ) && oio_model_get( &other, &u ) && other.loaded && !M.loaded,
			"swap: the objects and the loaded mark change models" );
		oio_model_swap( &M, &other );
		oio_model_destroy( &other );
		oio_model_clear( &M );
		ok( !oio_model_get( &M, &u ) && M.by_uuid.count == 0 && M.by_dn.count == 0 && !M.loaded,
			"clear: nothing left, not loaded" );
	}

	oio_model_destroy( &M );
	oio_model_destroy( &H );
	return tap_done();
}
