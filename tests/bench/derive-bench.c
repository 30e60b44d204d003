/* derive-bench.c - what one run of the oio overlay's task costs: the
 * derivation of the whole organisation against that of what changed
 * (oio_model_derive, oio_model_derive_changed; oio_depend.c), on a
 * synthetic organisation of N employees built in a tracking model as the
 * live one is (oio_model_set_inputs).  Part of "make bench"; prints
 * milliseconds per run and their ratio, asserts nothing.
 *
 *   tests/bench/derive-bench [EMPLOYEES] [RUNS]     (25000, 20)
 *
 * The organisation: EMPLOYEES / 25 units in a tree of fan-out 5, each
 * with a manager post filled by some person; each person a primary
 * engagement in a unit, a public e-mail address and a public phone
 * number; a job function and an engagement type.  Why synthetic: the run
 * measures the rules and the model alone (no slapd, no LMDB), so the
 * figure is the task's own work under the model's mutex, which writes wait
 * for; docs/performance.md has it against the load of "make bench".
 */
#include "portable.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "oio_build.h"

static oio_model M;

#define uid oio_build_uid

static void
die( const char *why )
{
	fprintf( stderr, "derive-bench: %s\n", why );
	exit( 2 );
}

/* a new object numbered n, named dn (already lower case) */
static oio_obj *
add( unsigned n, const char *dn )
{
	oio_obj *o = oio_build_add( &M, n, dn, dn );

	if ( !o ) die( "out of memory" );
	return o;
}

static void
set( oio_obj *o, oio_kind kind, const oio_obj *in, const char *name, const char *key,
	const char *scope, const char *value )
{
	if ( oio_build_inputs( &M, o, kind, in, name, key, scope, value ) ) die( "out of memory" );
}

static double
now( void )
{
	struct timespec t;

	clock_gettime( CLOCK_MONOTONIC, &t );
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int
store( oio_model *m, oio_obj *o, BerVarray *v, void *arg )
{
	(*(int *)arg)++;
	return 0;		/* stored at once (the task stores after its batch commits) */
}

static int
by_double( const void *a, const void *b )
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

enum { C_JOB = 1, C_TYPE, C_MAIL, C_PHONE, C_PUBLIC, N_UNIT = 16 };

static unsigned nunits, npeople, first_person, first_engagement, first_post;
static uint64_t rng = 88172645463325252ull;

static unsigned
rnd( unsigned n )
{
	return prng_below( &rng, n );
}

static char **unit_dns;

static void
build( unsigned employees )
{
	static const struct { unsigned n; const char *key, *name, *scope; } cls[] = {
		{ C_JOB, "paedagog", "Pædagog", NULL }, { C_TYPE, "ansat", "Ansat", NULL },
		{ C_MAIL, "EmailEmployee", "Email", NULL }, { C_PHONE, "PhoneEmployee", "Telefon", NULL },
		{ C_PUBLIC, "public", "Offentlig", "PUBLIC" } };
	char dn[512], s[64];
	oio_obj in;
	unsigned i, id;

	npeople = employees;
	nunits = employees / 25 ? employees / 25 : 1;
	unit_dns = calloc( nunits, sizeof( char * ) );
	for ( i = 0; i < sizeof( cls ) / sizeof( cls[0] ); i++ ) {
		memset( &in, 0, sizeof( in ) );
		snprintf( dn, sizeof( dn ), "cn=%s,ou=classification,dc=k", cls[i].key );
		set( add( cls[i].n, dn ), OIO_CLASS, &in, cls[i].name, cls[i].key, cls[i].scope, NULL );
	}
	memset( &in, 0, sizeof( in ) );
	set( add( 10, "o=line,ou=organisation,dc=k" ), OIO_ORG, &in, "line", NULL, NULL, NULL );
	for ( i = 0; i < nunits; i++ ) {
		if ( i ) snprintf( dn, sizeof( dn ), "ou=u%u,%s", i, unit_dns[( i - 1 ) / 5] );
		else snprintf( dn, sizeof( dn ), "ou=u0,o=line,ou=organisation,dc=k" );
		unit_dns[i] = strdup( dn );
		snprintf( s, sizeof( s ), "%u", 1000 + i );
		set( add( N_UNIT + i, dn ), OIO_UNIT, &in, dn + 3, s, NULL, NULL );
	}
	id = first_person = N_UNIT + nunits;
	for ( i = 0; i < npeople; i++, id++ ) {
		snprintf( dn, sizeof( dn ), "uid=p%u,ou=people,dc=k", i );
		set( add( id, dn ), OIO_PERSON, &in, NULL, NULL, NULL, NULL );
	}
	first_engagement = id;
	for ( i = 0; i < npeople; i++ ) {
		memset( &in, 0, sizeof( in ) );
		in.person = uid( first_person + i );
		in.has_person = 1;
		in.unit = uid( N_UNIT + i % nunits );
		in.jobfn = uid( C_JOB );
		in.engtype = uid( C_TYPE );
		in.primary = 1;
		snprintf( dn, sizeof( dn ), "cn=e%u,ou=functions,dc=k", i );
		snprintf( s, sizeof( s ), "%u", i );
		set( add( id++, dn ), OIO_ENGAGEMENT, &in, NULL, s, NULL, NULL );
		memset( &in, 0, sizeof( in ) );
		in.owner = uid( first_person + i );
		in.visibility = uid( C_PUBLIC );
		in.has_visibility = 1;
		in.addrtype = uid( C_MAIL );
		snprintf( dn, sizeof( dn ), "cn=m%u,ou=functions,dc=k", i );
		snprintf( s, sizeof( s ), "p%u@kommune.dk", i );
		set( add( id++, dn ), OIO_ADDRESS, &in, NULL, NULL, NULL, s );
		in.addrtype = uid( C_PHONE );
		snprintf( dn, sizeof( dn ), "cn=t%u,ou=functions,dc=k", i );
		snprintf( s, sizeof( s ), "%08u", i );
		set( add( id++, dn ), OIO_ADDRESS, &in, NULL, NULL, NULL, s );
	}
	first_post = id;
	for ( i = 0; i < nunits; i++ ) {
		memset( &in, 0, sizeof( in ) );
		in.unit = uid( N_UNIT + i );
		in.person = uid( first_person + rnd( npeople ) );
		in.has_person = 1;
		snprintf( dn, sizeof( dn ), "cn=l%u,ou=functions,dc=k", i );
		set( add( id++, dn ), OIO_MANAGER, &in, NULL, NULL, NULL, NULL );
	}
}

/* o's kind, references and flags in an oio_obj outside the model, as
 * oio_model_set_inputs takes them */
static void
facts_of( const oio_obj *o, oio_obj *in )
{
	oio_facts f;

	memset( in, 0, sizeof( *in ) );
	oio_obj_facts( o, &f );
	oio_obj_set_facts( in, &f );
}

/* an engagement moves to another unit, or a post gets another person */
static void
move_engagement( void )
{
	bt_uuid u = uid( first_engagement + 3 * rnd( npeople ) );
	oio_obj *o = oio_model_get( &M, &u ), in;
	struct berval key;
	char k[32];

	facts_of( o, &in );
	in.unit = uid( N_UNIT + rnd( nunits ) );
	oio_obj_str( o, OIO_S_USERKEY, &key );
	snprintf( k, sizeof( k ), "%.*s", (int)key.bv_len, key.bv_val );
	set( o, OIO_ENGAGEMENT, &in, NULL, k, NULL, NULL );
}

static void
change_post( void )
{
	bt_uuid u = uid( first_post + rnd( nunits ) );
	oio_obj *o = oio_model_get( &M, &u ), in;

	facts_of( o, &in );
	in.person = uid( first_person + rnd( npeople ) );
	set( o, OIO_MANAGER, &in, NULL, NULL, NULL, NULL );
}

/* median ms of runs of derive_changed after each, of n changes made by fn */
static double
changed_runs( int runs, int n, void (*fn)( void ), int *written )
{
	double *t = calloc( runs, sizeof( double ) ), med;
	int r, k;

	*written = 0;
	for ( r = 0; r < runs; r++ ) {
		double t0;
		for ( k = 0; k < n; k++ ) fn();
		t0 = now();
		oio_model_derive_changed( &M, 0, NULL, store, written );
		t[r] = ( now() - t0 ) * 1000;
	}
	qsort( t, runs, sizeof( double ), by_double );
	med = t[runs / 2];
	free( t );
	return med;
}

int
main( int argc, char **argv )
{
	unsigned employees = argc > 1 ? (unsigned)atoi( argv[1] ) : 25000;
	int runs = argc > 2 ? atoi( argv[2] ) : 20, written = 0, r;
	double t0, whole[3], eng, post;

	if ( employees < 25 || runs < 1 ) die( "usage: derive-bench [EMPLOYEES >= 25] [RUNS]" );
	oio_model_init( &M, 0 );
	oio_model_track( &M );
	t0 = now();
	build( employees );
	printf( "oio derivation, %u employees: %u model objects built in %.0f ms, %.1f MiB\n",
		employees, M.nids - 1, ( now() - t0 ) * 1000, oio_model_bytes( &M ) / 1048576.0 );
	t0 = now();
	oio_model_derive_changed( &M, 0, NULL, store, &written );
	printf( "  first run (everything, %d written): %.1f ms\n", written, ( now() - t0 ) * 1000 );
	for ( r = 0; r < 3; r++ ) {
		written = 0;
		oio_model_change_all( &M );
		t0 = now();
		oio_model_derive_changed( &M, 0, NULL, store, &written );
		whole[r] = ( now() - t0 ) * 1000;
	}
	qsort( whole, 3, sizeof( double ), by_double );
	eng = changed_runs( runs, 100, move_engagement, &written );
	printf( "  a run over the whole organisation (what every run cost before): %.1f ms\n", whole[1] );
	printf( "  a run after 100 engagements moved: %.2f ms (%.0f x less; %d entries written in %d runs)\n",
		eng, whole[1] / eng, written, runs );
	post = changed_runs( runs, 1, change_post, &written );
	printf( "  a run after one manager post changed hands: %.3f ms (%.0f x less; %d written)\n",
		post, whole[1] / post, written );
	oio_model_destroy( &M );
	return 0;
}
