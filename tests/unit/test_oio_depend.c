/* test_oio_depend.c - the derivation of what changed (oio_depend.c,
 * oio_model_derive_changed) against the whole derivation, on long runs
 * of random changes to a small organisation.
 *
 * Why random: what a change reaches is a set of rules (oio_depend.c's
 * header); a rule missing or too narrow leaves some person's or unit's
 * stored values stale, and only a later, unrelated change would show it.
 * After every change here the model is derived the way the overlay's task
 * does it (what changed only), and then the whole derivation, run on the
 * same model without touching what the model keeps, must find nothing to
 * write: every stored value is what the rules give.  A write that fails
 * (the task's batch refused) is marked again and must be written later.
 *
 * The organisation: units in a tree under one organisation, people,
 * engagements (primary or not), manager posts (filled or vacant),
 * addresses of three types and visibilities, a few classes.  The changes:
 * every kind of add, change and drop the live model gets from writes
 * (oio_entry.c): an object's inputs (oio_model_set_inputs), its name
 * (oio_model_set_dn: people renamed, leaf units moved), adds and drops,
 * and rarely a class (which reaches everything).
 */
#include "portable.h"

#include <ctype.h>
#include <stdlib.h>

#include "oio_build.h"
#include "tap.h"

#define SUFFIX "dc=k,dc=dk"
#define ORG "o=line,ou=organisation," SUFFIX

static oio_model M;
static uint64_t rng_state;

static unsigned
rnd( unsigned n )
{
	return prng_below( &rng_state, n );
}

#define uid oio_build_uid

static void
bail( const char *why )
{
	printf( "Bail out! %s\n", why );
	exit( 1 );
}

/* uuid numbers by kind */
enum { N_ORG = 1, N_CLASS = 0x10, N_UNIT = 0x100, N_PERSON = 0x1000, N_FUNC = 0x10000 };
enum { C_JOB1 = N_CLASS, C_JOB2, C_MAIL, C_PHONE, C_MOBILE, C_PUBLIC, C_INTERNAL, C_SECRET,
	C_COUNT_ };
#define MAX_UNITS 24
#define MAX_PEOPLE 40
#define MAX_FUNCS 400

static int unit_parent[MAX_UNITS];		/* index, -1: under the organisation; -2: none */
static int person_here[MAX_PEOPLE];
static unsigned person_name[MAX_PEOPLE];	/* renames change it */
static int func_kind[MAX_FUNCS];			/* 0: none */

static oio_obj *
get( unsigned n )
{
	bt_uuid u = uid( n );
	return oio_model_get( &M, &u );
}

static void
unit_dn( int i, char *buf, size_t len )
{
	char parent[400];

	if ( unit_parent[i] < 0 ) {
		snprintf( buf, len, "ou=u%d," ORG, i );
		return;
	}
	unit_dn( unit_parent[i], parent, sizeof( parent ) );
	snprintf( buf, len, "ou=u%d,%s", i, parent );
}

/* names o (NULL: a new object numbered n) dn; the model's normalized DN
 * is the same (lower case ASCII) */
static oio_obj *
named( oio_obj *o, unsigned n, const char *dn )
{
	struct berval d;

	ber_str2bv( dn, 0, 0, &d );
	if ( o ? oio_model_set_dn( &M, o, &d, &d ) != 0 : !( o = oio_build_add( &M, n, dn, dn ) ) )
		bail( "cannot name" );
	return o;
}

static void
inputs( oio_obj *o, oio_kind kind, const oio_obj *in, const char *name, const char *key,
	const char *scope, const char *value )
{
	if ( oio_build_inputs( &M, o, kind, in, name, key, scope, value ) ) bail( "cannot set inputs" );
}

static void
put_class( unsigned n, const char *key, const char *name, const char *scope )
{
	char dn[128];
	oio_obj in, *o = get( n );

	memset( &in, 0, sizeof( in ) );
	snprintf( dn, sizeof( dn ), "cn=c%u,ou=classes," SUFFIX, n );
	if ( !o ) o = named( NULL, n, dn );
	inputs( o, OIO_CLASS, &in, name, key, scope, NULL );
}

static void
put_unit( int i, int keyed )
{
	char dn[512], name[32], key[32];
	oio_obj in, *o = get( N_UNIT + i );

	memset( &in, 0, sizeof( in ) );
	unit_dn( i, dn, sizeof( dn ) );
	if ( !o ) o = named( NULL, N_UNIT + i, dn );
	snprintf( name, sizeof( name ), "Unit %d%s", i, keyed % 3 ? "" : " (ny)" );
	snprintf( key, sizeof( key ), "%d", 1000 + i + 100 * ( keyed % 2 ) );
	inputs( o, OIO_UNIT, &in, name, keyed % 5 ? key : NULL, NULL, NULL );
}

static void
put_person( int i )
{
	char dn[128];
	oio_obj in;

	memset( &in, 0, sizeof( in ) );
	snprintf( dn, sizeof( dn ), "uid=p%d-%u,ou=people," SUFFIX, i, person_name[i] );
	inputs( named( get( N_PERSON + i ), N_PERSON + i, dn ), OIO_PERSON, &in,
		NULL, NULL, NULL, NULL );
	person_here[i] = 1;
}

static unsigned
some_unit( void )
{
	return N_UNIT + rnd( MAX_UNITS + 2 );	/* now and then one not in the model */
}

static unsigned
some_person( void )
{
	return N_PERSON + rnd( MAX_PEOPLE + 2 );
}

/* A function (engagement, post or address) numbered f, added or changed */
static void
put_function( int f )
{
	char dn[64], key[32], value[64];
	oio_obj in, *o = get( N_FUNC + f );
	oio_kind kind = func_kind[f] ? func_kind[f] :
		( rnd( 3 ) == 0 ? OIO_ENGAGEMENT : rnd( 2 ) ? OIO_MANAGER : OIO_ADDRESS );

	memset( &in, 0, sizeof( in ) );
	snprintf( dn, sizeof( dn ), "cn=f%d,ou=functions," SUFFIX, f );
	if ( !o ) o = named( NULL, N_FUNC + f, dn );
	func_kind[f] = kind;
	snprintf( key, sizeof( key ), "E-%u", rnd( 4 ) );
	if ( kind == OIO_ADDRESS ) {
		static const unsigned type[] = { C_MAIL, C_PHONE, C_MOBILE };
		static const unsigned vis[] = { C_PUBLIC, C_INTERNAL, C_SECRET };
		in.owner = uid( some_person() );
		in.addrtype = uid( type[rnd( 3 )] );
		if ( ( in.has_visibility = rnd( 4 ) != 0 ) ) in.visibility = uid( vis[rnd( 3 )] );
		snprintf( value, sizeof( value ), "v%u@k.dk", rnd( 6 ) );
		inputs( o, kind, &in, NULL, NULL, NULL, value );
		return;
	}
	if ( kind == OIO_ENGAGEMENT || rnd( 4 ) ) {
		in.person = uid( some_person() );
		in.has_person = 1;
	}
	in.unit = uid( some_unit() );
	in.jobfn = uid( rnd( 2 ) ? C_JOB1 : C_JOB2 );
	in.primary = kind == OIO_ENGAGEMENT && rnd( 3 ) != 0;
	inputs( o, kind, &in, NULL, kind == OIO_ENGAGEMENT ? key : NULL, NULL, NULL );
}

static int
is_below( int u, int top )
{
	int guard = 0;

	for ( ; u >= 0 && guard < MAX_UNITS; u = unit_parent[u], guard++ )
		if ( u == top ) return 1;
	return 0;
}

static int
has_children( int i )
{
	int k;

	for ( k = 0; k < MAX_UNITS; k++ )
		if ( unit_parent[k] == i && get( N_UNIT + k ) ) return 1;
	return 0;
}

/* One random change, as writes bring them. */
static void
change( void )
{
	unsigned what = rnd( 100 );
	int i;

	if ( what < 45 ) {
		put_function( rnd( MAX_FUNCS ) );
	} else if ( what < 60 ) {
		oio_obj *o = get( N_FUNC + ( i = rnd( MAX_FUNCS ) ) );
		if ( o ) oio_model_drop( &M, o );
		func_kind[i] = 0;
	} else if ( what < 68 ) {			/* a person renamed, added or dropped */
		oio_obj *o = get( N_PERSON + ( i = rnd( MAX_PEOPLE ) ) );
		if ( o && rnd( 3 ) == 0 ) {
			oio_model_drop( &M, o );
			person_here[i] = 0;
		} else {
			person_name[i]++;
			put_person( i );
		}
	} else if ( what < 78 ) {			/* a unit's strings */
		if ( get( N_UNIT + ( i = rnd( MAX_UNITS ) ) ) ) put_unit( i, rnd( 30 ) );
	} else if ( what < 88 ) {			/* a leaf unit moved (or added) */
		int to = (int)rnd( MAX_UNITS + 1 ) - 1;
		oio_obj *o = get( N_UNIT + ( i = rnd( MAX_UNITS ) ) );
		char dn[512];
		if ( has_children( i ) || ( to >= 0 && ( is_below( to, i ) || !get( N_UNIT + to ) ) ) )
			return;
		unit_parent[i] = to;
		unit_dn( i, dn, sizeof( dn ) );
		if ( o ) named( o, 0, dn );
		else put_unit( i, 1 );
	} else if ( what < 93 ) {			/* a unit dropped: its children stay (the
										 * model may lose a parent it had) */
		oio_obj *o = get( N_UNIT + ( i = rnd( MAX_UNITS ) ) );
		if ( o ) oio_model_drop( &M, o );
	} else if ( what < 95 ) {			/* a class renamed (reaches all) */
		put_class( C_JOB1, "job1", rnd( 2 ) ? "Programmør" : "Udvikler", NULL );
	} else {							/* a person or unit back */
		i = rnd( MAX_PEOPLE );
		if ( !person_here[i] ) put_person( i );
		if ( !get( N_UNIT + ( i = rnd( MAX_UNITS ) ) ) ) put_unit( i, 1 );
	}
}

/* The task's write: stored, or now and then refused (marked again after
 * the derivation, as oio.c does for a batch that failed). */
static oio_obj *refused[1024];
static int nrefused, refuse_some;

static int
write_task( oio_model *m, oio_obj *o, BerVarray *v, void *arg )
{
	int *n = arg;

	(*n)++;
	if ( refuse_some && rnd( 10 ) == 0 && nrefused < 1024 ) {
		refused[nrefused++] = o;
		return 1;
	}
	return 0;
}

static int
write_count( oio_model *m, oio_obj *o, BerVarray *v, void *arg )
{
	(*(int *)arg)++;
	return 1;		/* not stored: this derivation only looks */
}

/* What the whole derivation would still write (0: every value is what the
 * rules give), without changing what the model keeps. */
static int
stale( void )
{
	int n = 0;

	oio_model_derive( &M, 0, NULL, write_count, &n );
	return n;
}

static int
task_run( void )
{
	int n = 0, i;

	nrefused = 0;
	oio_model_derive_changed( &M, 0, NULL, write_task, &n );
	for ( i = 0; i < nrefused; i++ ) oio_model_change( &M, refused[i] );
	return n;
}

static void
build( void )
{
	oio_obj in;
	int i;

	memset( &in, 0, sizeof( in ) );
	inputs( named( NULL, N_ORG, ORG ), OIO_ORG, &in, "line", NULL, NULL, NULL );
	put_class( C_JOB1, "job1", "Programmør", NULL );
	put_class( C_JOB2, "job2", "Chef", NULL );
	put_class( C_MAIL, "EmailEmployee", "Email", NULL );
	put_class( C_PHONE, "PhoneEmployee", "Telefon", NULL );
	put_class( C_MOBILE, "MobilePhoneEmployee", "Mobil", NULL );
	put_class( C_PUBLIC, "public", "Offentlig", "PUBLIC" );
	put_class( C_INTERNAL, "internal", "Intern", "INTERNAL" );
	put_class( C_SECRET, "secret", "Hemmelig", "SECRET" );
	for ( i = 0; i < MAX_UNITS; i++ ) {
		unit_parent[i] = i ? (int)rnd( i ) - ( rnd( 4 ) == 0 ) : -1;
		put_unit( i, 1 );
	}
	for ( i = 0; i < MAX_PEOPLE; i++ ) put_person( i );
	for ( i = 0; i < MAX_FUNCS / 2; i++ ) put_function( i );
}

static void
run( uint64_t seed, int steps, int refuse )
{
	int step, first_stale = -1, nstale = 0, written = 0, n;

	rng_state = seed;
	memset( func_kind, 0, sizeof( func_kind ) );
	memset( person_here, 0, sizeof( person_here ) );
	memset( person_name, 0, sizeof( person_name ) );
	oio_model_init( &M, 0 );
	oio_model_track( &M );
	build();
	n = task_run();
	refuse_some = refuse;
	ok( n > 0 && stale() == 0, "seed %llu: the first run derives the whole model (%d written)",
		(unsigned long long)seed, n );
	for ( step = 0; step < steps; step++ ) {
		int k, changes = 1 + rnd( 3 );
		for ( k = 0; k < changes; k++ ) change();
		written += task_run();
		if ( refuse && nrefused ) continue;		/* written at a later run */
		if ( ( n = stale() ) ) {
			nstale++;
			if ( first_stale < 0 ) first_stale = step;
		}
	}
	refuse_some = 0;
	task_run();
	ok( nstale == 0, "seed %llu%s: after each of %d runs of random changes, nothing stale "
		"(%d stale runs, first at step %d; %d objects written)", (unsigned long long)seed,
		refuse ? ", some writes refused" : "", steps, nstale, first_stale, written );
	is_int( stale(), 0, "seed %llu: and at the end", (unsigned long long)seed );
	oio_model_destroy( &M );
}

int
main( void )
{
	run( 1, 3000, 0 );
	run( 2, 3000, 0 );
	run( 3, 3000, 1 );
	run( 0x9e3779b97f4a7c15ull, 3000, 1 );
	return tap_done();
}
