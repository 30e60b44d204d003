/* modir-load - closed-loop LDAP load generator for modir's benchmark.
 *
 * N connections, each with exactly one request outstanding, driven by one
 * thread through libldap's asynchronous API (ldap_search_ext,
 * ldap_modify_ext, ldap_result) and poll(2).  After a warm-up the run
 * measures for a fixed duration and prints one JSON line: operations per
 * second and latency percentiles of the operations completed inside the
 * measurement window.
 *
 * Workloads (-k):
 *   phonebook    (|(cn=*T*)(mail=*T*)(telephoneNumber=*NNNN*)) under the
 *                people base, T from a list of name fragments
 *   fullsync     all people (objectClass=inetOrgPerson) under the people
 *                base, paged (-P, default 500); one complete sync = one op
 *   base         base-scope read of a random person (DN list, -f)
 *   modify       replace description of a random person
 *   modify-future  the same with modir's validity control, validFrom one
 *                year and a random number of seconds ahead
 *   asof-base    base lookup with modir's as-of control (-A)
 *   asof-fullsync  fullsync with the as-of control (-A)
 *   event        sequential: a modify due in 2 s (validity control), then
 *                poll the live entry until it shows the change; latency is
 *                measured from the due time; -n samples
 *   mixed        what a directory serves at once (see mixed_kind()): three
 *                connections in ten are history clients (as-of base
 *                lookups at random dates, history listings), the others
 *                plain clients (base lookups, phone book, dated modifies)
 *   mixed-plain  the same connections, the history clients connected but
 *                idle: what the plain clients get without as-of load
 *
 * For the mixed workloads the JSON line also has the plain clients' own
 * figures (plain_ops_per_s, plain_p50_ms, plain_p99_ms), the history
 * clients' (history_ops_per_s, history_p50_ms) and slow_ops, operations
 * that took 30 s or more (a client with a 30 s timeout would have given
 * up): "as-of load does not starve the rest" is plain_ops_per_s of mixed
 * over that of mixed-plain.
 *
 * The as-of and validity control values are plain text (no BER).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ldap.h>

#define CTRL_VALIDITY "2.25.206283864511547100393473690660207568560.3.1"
#define CTRL_ASOF     "2.25.206283864511547100393473690660207568560.3.2"
#define CTRL_HISTORY  "2.25.206283864511547100393473690660207568560.3.3"

enum kind { K_PHONEBOOK, K_FULLSYNC, K_BASE, K_MODIFY, K_MODFUTURE,
	K_ASOFBASE, K_ASOFSYNC, K_EVENT, K_MIXED, K_MIXED_PLAIN, K_HISTORY };

static const struct { const char *name; enum kind k; } kinds[] = {
	{ "phonebook", K_PHONEBOOK }, { "fullsync", K_FULLSYNC },
	{ "base", K_BASE }, { "modify", K_MODIFY },
	{ "modify-future", K_MODFUTURE }, { "asof-base", K_ASOFBASE },
	{ "asof-fullsync", K_ASOFSYNC }, { "event", K_EVENT },
	{ "mixed", K_MIXED }, { "mixed-plain", K_MIXED_PLAIN },
};
#define IS_MIXED(k) ( (k) == K_MIXED || (k) == K_MIXED_PLAIN )
/* an operation at least this long counts as a timeout (slow_ops) */
#define SLOW_MS 30000.0

/* name fragments for the phone book: common in Danish given and family
 * names, so that result sizes vary from a handful to hundreds */
static const char *terms[] = {
	"ann", "han", "sen", "per", "lar", "mar", "jen", "ols", "kri", "ras",
	"pet", "nie", "chr", "mik", "ben", "tho", "eri", "sør", "mad", "lis",
	"hel", "kar", "ing", "bir", "ole", "jak", "nik", "and", "fre", "mor",
	"hen", "ste", "ida", "emm", "sof", "lau", "mat", "fri", "joh", "kir",
};
#define NTERMS ( sizeof( terms ) / sizeof( terms[0] ) )

typedef struct conn {
	LDAP *ld;
	int fd;
	int msgid;		/* -1: idle */
	double t0;		/* start of the current op (first page of a sync) */
	struct berval cookie;	/* paged results */
	long entries;		/* entries of the current op */
	char asof[64];		/* the as-of control value of the current op */
	int history_client;	/* mixed: sends only as-of and history reads */
} conn;

static struct {
	const char *uri, *binddn, *pw, *base, *dnfile, *asof, *label;
	int nconn, pagesize, samples;
	int random_days;	/* -R: as-of at a random instant of the last N days */
	double duration, warmup;
	enum kind kind;
	unsigned seed;
} cfg = {
	"ldap://127.0.0.1:389/", "cn=admin,dc=kommune,dc=dk", "secret",
	"ou=people,dc=kommune,dc=dk", NULL, NULL, "", 8, 500, 5, 0, 10.0, 2.0,
	K_BASE, 1,
};

static char **dns;
static size_t ndns;

typedef struct lats {
	double *v;			/* milliseconds, ops completed in the window */
	size_t n, max;
} lats;
static lats all_lat, plain_lat, history_lat;
static long errors, entries_total, slow_ops;
static long seq;
static double win_start, win_end;
static char first_error[256];

static void
die( const char *fmt, ... )
{
	va_list ap;

	va_start( ap, fmt );
	fputs( "modir-load: ", stderr );
	vfprintf( stderr, fmt, ap );
	fputc( '\n', stderr );
	va_end( ap );
	exit( 2 );
}

static double
now_mono( void )
{
	struct timespec ts;

	clock_gettime( CLOCK_MONOTONIC, &ts );
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
now_real( void )
{
	struct timespec ts;

	clock_gettime( CLOCK_REALTIME, &ts );
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* xorshift: deterministic per seed, independent of libc's rand() */
static unsigned long long rng_state;

static unsigned long
rnd( unsigned long n )
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned long)( rng_state % n );
}

static void
gt( time_t t, char *buf, size_t len )
{
	struct tm tm;

	gmtime_r( &t, &tm );
	strftime( buf, len, "%Y%m%d%H%M%SZ", &tm );
}

static void
load_dns( const char *file )
{
	FILE *f = fopen( file, "r" );
	char line[1024];
	size_t max = 0;

	if ( !f ) die( "%s: %s", file, strerror( errno ) );
	while ( fgets( line, sizeof( line ), f ) ) {
		size_t l = strcspn( line, "\r\n" );

		if ( !l ) continue;
		line[l] = '\0';
		if ( ndns == max ) {
			max = max ? 2 * max : 1024;
			dns = realloc( dns, max * sizeof( *dns ) );
			if ( !dns ) die( "out of memory" );
		}
		dns[ndns++] = strdup( line );
	}
	fclose( f );
	if ( !ndns ) die( "%s: no DNs", file );
}

static void
lats_add( lats *l, double ms )
{
	if ( l->n == l->max ) {
		l->max = l->max ? 2 * l->max : 4096;
		l->v = realloc( l->v, l->max * sizeof( *l->v ) );
		if ( !l->v ) die( "out of memory" );
	}
	l->v[l->n++] = ms;
}

/* One operation completed in the window; c NULL: not a mixed client. */
static void
record( const conn *c, double ms, long nent )
{
	lats_add( &all_lat, ms );
	if ( c && IS_MIXED( cfg.kind ) )
		lats_add( c->history_client ? &history_lat : &plain_lat, ms );
	entries_total += nent;
}

static void
note_error( int rc, const char *msg )
{
	errors++;
	if ( !first_error[0] )
		snprintf( first_error, sizeof( first_error ), "%d %s%s%s", rc,
			ldap_err2string( rc ), msg && *msg ? ": " : "", msg ? msg : "" );
}

static LDAP *
open_conn( void )
{
	LDAP *ld;
	int v3 = LDAP_VERSION3, rc;
	struct berval cred;

	rc = ldap_initialize( &ld, cfg.uri );
	if ( rc != LDAP_SUCCESS ) die( "ldap_initialize %s: %s", cfg.uri, ldap_err2string( rc ) );
	ldap_set_option( ld, LDAP_OPT_PROTOCOL_VERSION, &v3 );
	ldap_set_option( ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF );
	cred.bv_val = (char *)cfg.pw;
	cred.bv_len = strlen( cfg.pw );
	rc = ldap_sasl_bind_s( ld, cfg.binddn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL );
	if ( rc != LDAP_SUCCESS ) die( "bind as %s to %s: %s", cfg.binddn, cfg.uri, ldap_err2string( rc ) );
	return ld;
}

/* A plain-text control value: the control value is the text itself. */
static void
text_control( LDAPControl *c, const char *oid, const char *text )
{
	c->ldctl_oid = (char *)oid;
	c->ldctl_value.bv_val = (char *)text;
	c->ldctl_value.bv_len = strlen( text );
	c->ldctl_iscritical = 1;
}

static int
issue_search( LDAP *ld, const char *base, int scope, const char *filter,
	char **attrs, LDAPControl **ctrls, int *msgid )
{
	return ldap_search_ext( ld, base, scope, filter, attrs, 0, ctrls, NULL,
		NULL, LDAP_NO_LIMIT, msgid );
}

static int
issue_sync_page( conn *c, int asof )
{
	LDAPControl *page = NULL, asofc, *ctrls[3];
	int rc, n = 0;

	rc = ldap_create_page_control( c->ld, cfg.pagesize,
		c->cookie.bv_len ? &c->cookie : NULL, 0, &page );
	if ( rc != LDAP_SUCCESS ) die( "page control: %s", ldap_err2string( rc ) );
	ctrls[n++] = page;
	if ( asof ) {
		text_control( &asofc, CTRL_ASOF, c->asof );
		ctrls[n++] = &asofc;
	}
	ctrls[n] = NULL;
	rc = issue_search( c->ld, cfg.base, LDAP_SCOPE_SUBTREE,
		"(objectClass=inetOrgPerson)", NULL, ctrls, &c->msgid );
	ldap_control_free( page );
	return rc;
}

/* The as-of point of the next operation: -A as given, or with -R a new
 * random instant each time (no two operations share a cached point). */
static void
pick_asof( conn *c )
{
	char gbuf[32];

	if ( !cfg.random_days ) {
		snprintf( c->asof, sizeof( c->asof ), "%s", cfg.asof );
		return;
	}
	gt( time( NULL ) - (time_t)rnd( (unsigned long)cfg.random_days * 86400 ), gbuf, sizeof( gbuf ) );
	snprintf( c->asof, sizeof( c->asof ), "validAt=%s", gbuf );
}

/* -k mixed: what a directory serves at once.  Overall (when both kinds
 * of client run at the same rate): plain base lookups 45%, as-of base
 * lookups at a random date 20%, phone-book searches 15%, history listings
 * of one entry 10%, dated (future) modifies 10%.  The history reads go
 * to their own clients (three connections in ten), so that what the
 * plain clients get can be compared with a run without them. */
static enum kind
mixed_kind( const conn *c )
{
	unsigned long r;

	if ( c->history_client ) {
		r = rnd( 30 );
		return r < 20 ? K_ASOFBASE : K_HISTORY;
	}
	r = rnd( 70 );
	if ( r < 45 ) return K_BASE;
	if ( r < 60 ) return K_PHONEBOOK;
	return K_MODFUTURE;
}

static int
issue( conn *c )
{
	static char *pb_attrs[] = { "cn", "mail", "telephoneNumber", NULL };
	char filter[256], desc[64], vbuf[80], gbuf[32];
	LDAPControl ctl, *ctrls[2] = { NULL, NULL };
	const char *dn;
	enum kind kind = IS_MIXED( cfg.kind ) ? mixed_kind( c ) : cfg.kind;
	int rc;

	c->t0 = now_mono();
	c->entries = 0;
	switch ( kind ) {
	case K_HISTORY:
		dn = dns[rnd( ndns )];
		ctl.ldctl_oid = CTRL_HISTORY;
		ctl.ldctl_value.bv_val = NULL;
		ctl.ldctl_value.bv_len = 0;
		ctl.ldctl_iscritical = 1;
		ctrls[0] = &ctl;
		return issue_search( c->ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
			NULL, ctrls, &c->msgid );
	case K_PHONEBOOK: {
		const char *t = terms[rnd( NTERMS )];

		snprintf( filter, sizeof( filter ),
			"(|(cn=*%s*)(mail=*%s*)(telephoneNumber=*%04lu*))", t, t, rnd( 10000 ) );
		return issue_search( c->ld, cfg.base, LDAP_SCOPE_SUBTREE, filter,
			pb_attrs, NULL, &c->msgid );
	}
	case K_FULLSYNC:
	case K_ASOFSYNC:
		c->cookie.bv_len = 0;
		if ( cfg.kind == K_ASOFSYNC ) pick_asof( c );
		return issue_sync_page( c, cfg.kind == K_ASOFSYNC );
	case K_BASE:
	case K_ASOFBASE:
		dn = dns[rnd( ndns )];
		if ( kind == K_ASOFBASE ) {
			pick_asof( c );
			text_control( &ctl, CTRL_ASOF, c->asof );
			ctrls[0] = &ctl;
		}
		return issue_search( c->ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
			NULL, ctrls[0] ? ctrls : NULL, &c->msgid );
	case K_MODIFY:
	case K_MODFUTURE: {
		char *vals[2];
		LDAPMod mod, *mods[2];

		dn = dns[rnd( ndns )];
		snprintf( desc, sizeof( desc ), "bench %ld %lu", ++seq, (unsigned long)getpid() );
		vals[0] = desc;
		vals[1] = NULL;
		mod.mod_op = LDAP_MOD_REPLACE;
		mod.mod_type = "description";
		mod.mod_values = vals;
		mods[0] = &mod;
		mods[1] = NULL;
		if ( kind == K_MODFUTURE ) {
			gt( time( NULL ) + 366 * 86400 + (time_t)rnd( 180 * 86400 ), gbuf, sizeof( gbuf ) );
			snprintf( vbuf, sizeof( vbuf ), "validFrom=%s", gbuf );
			text_control( &ctl, CTRL_VALIDITY, vbuf );
			ctrls[0] = &ctl;
		}
		rc = ldap_modify_ext( c->ld, dn, mods, ctrls[0] ? ctrls : NULL, NULL, &c->msgid );
		return rc;
	}
	case K_EVENT:
	case K_MIXED:
	case K_MIXED_PLAIN:
		break;
	}
	return LDAP_OTHER;
}

/* One finished op: record it if it ended inside the window. */
static void
done( conn *c, double t )
{
	if ( ( t - c->t0 ) * 1000.0 >= SLOW_MS ) slow_ops++;
	if ( t >= win_start && t <= win_end )
		record( c, ( t - c->t0 ) * 1000.0, c->entries );
	c->msgid = -1;
}

/* Reads whatever is available on a connection; returns 1 when its op has
 * finished (the caller may then issue the next). */
static int
drain( conn *c )
{
	struct timeval zero = { 0, 0 };
	LDAPMessage *res;
	int rc, fin = 0;

	for ( ;; ) {
		rc = ldap_result( c->ld, LDAP_RES_ANY, LDAP_MSG_ONE, &zero, &res );
		if ( rc == 0 ) break;
		if ( rc < 0 ) {
			int e = 0;

			ldap_get_option( c->ld, LDAP_OPT_RESULT_CODE, &e );
			die( "ldap_result: %s", ldap_err2string( e ) );
		}
		switch ( rc ) {
		case LDAP_RES_SEARCH_ENTRY:
			c->entries++;
			break;
		case LDAP_RES_SEARCH_REFERENCE:
			break;
		case LDAP_RES_SEARCH_RESULT:
		case LDAP_RES_MODIFY: {
			int err = 0;
			char *msg = NULL;
			LDAPControl **sctrls = NULL;

			if ( ldap_parse_result( c->ld, res, &err, NULL, &msg, NULL, &sctrls, 0 ) != LDAP_SUCCESS )
				err = LDAP_OTHER;
			if ( err != LDAP_SUCCESS ) {
				note_error( err, msg );
				c->msgid = -1;
				fin = 1;
			} else if ( rc == LDAP_RES_SEARCH_RESULT &&
					( cfg.kind == K_FULLSYNC || cfg.kind == K_ASOFSYNC ) ) {
				LDAPControl *pc = ldap_control_find( LDAP_CONTROL_PAGEDRESULTS, sctrls, NULL );
				ber_int_t count;

				if ( c->cookie.bv_val ) ber_memfree( c->cookie.bv_val );
				c->cookie.bv_val = NULL;
				c->cookie.bv_len = 0;
				/* no response control (an overlay answering the whole
				 * search itself) ends the sync like an empty cookie */
				if ( pc ) ldap_parse_pageresponse_control( c->ld, pc, &count, &c->cookie );
				if ( c->cookie.bv_len ) {
					if ( issue_sync_page( c, cfg.kind == K_ASOFSYNC ) != LDAP_SUCCESS )
						die( "paged search: next page failed" );
				} else {
					done( c, now_mono() );
					fin = 1;
				}
			} else {
				done( c, now_mono() );
				fin = 1;
			}
			ldap_memfree( msg );
			ldap_controls_free( sctrls );
			break;
		}
		default:
			break;
		}
		ldap_msgfree( res );
	}
	return fin;
}

static int
cmp_double( const void *a, const void *b )
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct( const lats *l, double p )
{
	size_t i;

	if ( !l->n ) return 0;
	i = (size_t)( p * ( l->n - 1 ) + 0.5 );
	return l->v[i];
}

static void
report( double window )
{
	lats *l = &all_lat;
	double sum = 0, ops;
	size_t i;

	qsort( l->v, l->n, sizeof( *l->v ), cmp_double );
	for ( i = 0; i < l->n; i++ ) sum += l->v[i];
	ops = window > 0 ? l->n / window : 0;
	printf( "{\"label\":\"%s\",\"workload\":\"%s\",\"conns\":%d,\"duration_s\":%.3f,"
		"\"ops\":%zu,\"ops_per_s\":%.2f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
		"\"mean_ms\":%.3f,\"max_ms\":%.3f,\"entries_per_op\":%.1f,\"errors\":%ld,"
		"\"slow_ops\":%ld",
		cfg.label, kinds[cfg.kind].name, cfg.nconn, window, l->n, ops,
		pct( l, 0.50 ), pct( l, 0.99 ), l->n ? sum / l->n : 0, l->n ? l->v[l->n - 1] : 0,
		l->n ? (double)entries_total / l->n : 0, errors, slow_ops );
	if ( IS_MIXED( cfg.kind ) && window > 0 ) {
		qsort( plain_lat.v, plain_lat.n, sizeof( double ), cmp_double );
		qsort( history_lat.v, history_lat.n, sizeof( double ), cmp_double );
		printf( ",\"plain_ops_per_s\":%.2f,\"plain_p50_ms\":%.3f,\"plain_p99_ms\":%.3f,"
			"\"history_ops_per_s\":%.2f,\"history_p50_ms\":%.3f,\"history_p99_ms\":%.3f",
			plain_lat.n / window, pct( &plain_lat, 0.50 ), pct( &plain_lat, 0.99 ),
			history_lat.n / window, pct( &history_lat, 0.50 ), pct( &history_lat, 0.99 ) );
	}
	if ( first_error[0] ) {
		char *p;

		for ( p = first_error; *p; p++ ) if ( *p == '"' || *p == '\\' || (unsigned char)*p < 32 ) *p = ' ';
		printf( ",\"first_error\":\"%s\"", first_error );
	}
	printf( "}\n" );
	fflush( stdout );
}

static void
run_closed_loop( void )
{
	conn *cs = calloc( cfg.nconn, sizeof( *cs ) );
	struct pollfd *pfd = calloc( cfg.nconn, sizeof( *pfd ) );
	double t, end_drain;
	int i, outstanding;

	if ( !cs || !pfd ) die( "out of memory" );
	for ( i = 0; i < cfg.nconn; i++ ) {
		cs[i].ld = open_conn();
		if ( ldap_get_option( cs[i].ld, LDAP_OPT_DESC, &cs[i].fd ) != LDAP_OPT_SUCCESS )
			die( "no socket descriptor" );
		cs[i].msgid = -1;
		cs[i].history_client = IS_MIXED( cfg.kind ) && i % 10 < 3;
	}
	t = now_mono();
	win_start = t + cfg.warmup;
	win_end = win_start + cfg.duration;

	for ( ;; ) {
		t = now_mono();
		if ( t >= win_end ) break;
		for ( i = 0; i < cfg.nconn; i++ ) {
			/* mixed-plain: the history clients stay idle */
			if ( cs[i].msgid < 0 && !( cfg.kind == K_MIXED_PLAIN && cs[i].history_client ) &&
					issue( &cs[i] ) != LDAP_SUCCESS )
				die( "cannot send request: %s", ldap_err2string( LDAP_OTHER ) );
			pfd[i].fd = cs[i].fd;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		if ( poll( pfd, cfg.nconn, 50 ) < 0 && errno != EINTR )
			die( "poll: %s", strerror( errno ) );
		for ( i = 0; i < cfg.nconn; i++ )
			if ( pfd[i].revents ) drain( &cs[i] );
	}

	/* let the requests in flight finish (not counted), so that the next
	 * run does not start against a server still busy with this one */
	end_drain = now_mono() + 60;
	do {
		outstanding = 0;
		for ( i = 0; i < cfg.nconn; i++ ) {
			pfd[i].fd = cs[i].msgid >= 0 ? cs[i].fd : -1;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
			outstanding += cs[i].msgid >= 0;
		}
		if ( !outstanding ) break;
		poll( pfd, cfg.nconn, 50 );
		for ( i = 0; i < cfg.nconn; i++ )
			if ( pfd[i].revents && cs[i].msgid >= 0 ) drain( &cs[i] );
	} while ( now_mono() < end_drain );

	for ( i = 0; i < cfg.nconn; i++ ) {
		if ( cs[i].cookie.bv_val ) ber_memfree( cs[i].cookie.bv_val );
		ldap_unbind_ext_s( cs[i].ld, NULL, NULL );
	}
	free( cs );
	free( pfd );
	report( cfg.duration );
}

/* The description of one entry, or NULL. */
static char *
read_description( LDAP *ld, const char *dn )
{
	static char *attrs[] = { "description", NULL };
	LDAPMessage *res = NULL, *e;
	struct berval **vals;
	char *out = NULL;
	int rc;

	rc = ldap_search_ext_s( ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0,
		NULL, NULL, NULL, 0, &res );
	if ( rc == LDAP_SUCCESS && ( e = ldap_first_entry( ld, res ) ) ) {
		vals = ldap_get_values_len( ld, e, "description" );
		if ( vals && vals[0] ) out = strndup( vals[0]->bv_val, vals[0]->bv_len );
		ldap_value_free_len( vals );
	}
	ldap_msgfree( res );
	return out;
}

/* Scheduled change -> event: a modify due 2 s ahead; how long after the due
 * time does the live entry show it? */
static void
run_event( void )
{
	LDAP *ld = open_conn();
	int i;

	for ( i = 0; i < cfg.samples; i++ ) {
		const char *dn = dns[rnd( ndns )];
		char token[64], gbuf[32], vbuf[80], *vals[2], *d;
		LDAPMod mod, *mods[2];
		LDAPControl ctl, *ctrls[2];
		time_t due = time( NULL ) + 2;
		double t, limit;
		int rc, seen = 0;

		/* due at a whole second, at least 1.5 s after the write is sent */
		if ( due - now_real() < 1.5 ) due++;
		snprintf( token, sizeof( token ), "event %d %lu %ld", i, (unsigned long)getpid(), (long)due );
		gt( due, gbuf, sizeof( gbuf ) );
		snprintf( vbuf, sizeof( vbuf ), "validFrom=%s", gbuf );
		text_control( &ctl, CTRL_VALIDITY, vbuf );
		ctrls[0] = &ctl;
		ctrls[1] = NULL;
		vals[0] = token;
		vals[1] = NULL;
		mod.mod_op = LDAP_MOD_REPLACE;
		mod.mod_type = "description";
		mod.mod_values = vals;
		mods[0] = &mod;
		mods[1] = NULL;
		rc = ldap_modify_ext_s( ld, dn, mods, ctrls, NULL );
		if ( rc != LDAP_SUCCESS ) {
			note_error( rc, "dated modify" );
			continue;
		}
		/* must not be visible before it is due */
		d = read_description( ld, dn );
		if ( d && !strcmp( d, token ) && now_real() < due - 0.05 )
			note_error( LDAP_OTHER, "dated change visible before its due time" );
		free( d );
		limit = (double)due + 30;
		while ( ( t = now_real() ) < limit ) {
			d = read_description( ld, dn );
			seen = d && !strcmp( d, token );
			free( d );
			if ( seen ) {
				/* negative if it showed up early (checked above) */
				record( NULL, ( t - (double)due ) * 1000.0, 1 );
				break;
			}
			usleep( 10000 );
		}
		if ( !seen ) note_error( LDAP_TIMEOUT, "change not live 30 s after its due time" );
	}
	ldap_unbind_ext_s( ld, NULL, NULL );
	/* sequential samples: no throughput */
	report( 0 );
}

static void
usage( void )
{
	fprintf( stderr,
		"usage: modir-load -k WORKLOAD [options]\n"
		"  -k phonebook|fullsync|base|modify|modify-future|asof-base|asof-fullsync|event|mixed|mixed-plain\n"
		"  -H URI        (ldap://127.0.0.1:389/)   -D DN -w PW   simple bind\n"
		"  -b BASE       people base (ou=people,dc=kommune,dc=dk)\n"
		"  -f FILE       DNs to pick from, one per line (base, modify, event)\n"
		"  -c N          connections (8)           -t SEC  measured duration (10)\n"
		"  -W SEC        warm-up (2)               -P N    page size (500)\n"
		"  -A TEXT       as-of control value, e.g. validAt=20241128000000Z\n"
		"  -R DAYS       as-of at a new random instant of the last DAYS days each op\n"
		"  -n N          samples for event (5)     -s SEED  (1)\n"
		"  -L LABEL      copied into the JSON line\n" );
	exit( 2 );
}

int
main( int argc, char **argv )
{
	int opt;
	size_t i;
	const char *kname = NULL;

	while ( ( opt = getopt( argc, argv, "k:H:D:w:b:f:c:t:W:P:A:R:n:s:L:h" ) ) != -1 ) {
		switch ( opt ) {
		case 'k': kname = optarg; break;
		case 'H': cfg.uri = optarg; break;
		case 'D': cfg.binddn = optarg; break;
		case 'w': cfg.pw = optarg; break;
		case 'b': cfg.base = optarg; break;
		case 'f': cfg.dnfile = optarg; break;
		case 'c': cfg.nconn = atoi( optarg ); break;
		case 't': cfg.duration = atof( optarg ); break;
		case 'W': cfg.warmup = atof( optarg ); break;
		case 'P': cfg.pagesize = atoi( optarg ); break;
		case 'A': cfg.asof = optarg; break;
		case 'R': cfg.random_days = atoi( optarg ); break;
		case 'n': cfg.samples = atoi( optarg ); break;
		case 's': cfg.seed = (unsigned)strtoul( optarg, NULL, 10 ); break;
		case 'L': cfg.label = optarg; break;
		default: usage();
		}
	}
	if ( !kname ) usage();
	for ( i = 0; i < sizeof( kinds ) / sizeof( kinds[0] ); i++ )
		if ( !strcmp( kinds[i].name, kname ) ) break;
	if ( i == sizeof( kinds ) / sizeof( kinds[0] ) ) die( "unknown workload %s", kname );
	cfg.kind = kinds[i].k;
	if ( cfg.nconn < 1 || cfg.duration <= 0 || cfg.pagesize < 1 ) usage();
	if ( IS_MIXED( cfg.kind ) && !cfg.asof && !cfg.random_days ) cfg.random_days = 1826;
	if ( ( cfg.kind == K_ASOFBASE || cfg.kind == K_ASOFSYNC ) && !cfg.asof && !cfg.random_days )
		die( "%s needs -A validAt=...", kname );
	if ( cfg.kind == K_BASE || cfg.kind == K_ASOFBASE || cfg.kind == K_MODIFY ||
			cfg.kind == K_MODFUTURE || cfg.kind == K_EVENT || IS_MIXED( cfg.kind ) ) {
		if ( !cfg.dnfile ) die( "%s needs -f DNFILE", kname );
		load_dns( cfg.dnfile );
	}
	rng_state = 0x9e3779b97f4a7c15ULL ^ ( (unsigned long long)cfg.seed * 0x100000001b3ULL );
	if ( !rng_state ) rng_state = 1;

	if ( cfg.kind == K_EVENT ) run_event();
	else run_closed_loop();
	return 0;
}
