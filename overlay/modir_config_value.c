/* modir_config_value.c - the values of both overlays' configuration
 * directives, parsed, written back and explained (modir_config_value.h).
 *
 * Pure C, no slapd symbols.  Letters are compared as ASCII, whatever the
 * locale: a directive means the same on every server.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "modir_config_value.h"

static const char *const past_access_names[] = { "manage", "write", NULL };
static const char *const terminated_managers_names[] = { "terminate", "vacate", NULL };

const modir_cv_spec modir_cv_specs[MODIR_CV_N] = {
	[MODIR_CV_BT_OBJECTCLASS] = { .directive = "bitemporal-objectclass",
		.attribute = "olcBitemporalObjectClass", .kind = MODIR_CV_NAME },
	/* bt_group_max is an int */
	[MODIR_CV_BT_GROUP_COMMIT] = { .directive = "bitemporal-group-commit",
		.attribute = "olcBitemporalGroupCommit", .kind = MODIR_CV_COUNT,
		.min = 1, .max = INT_MAX, .unit = "writes" },
	[MODIR_CV_BT_PAST_ACCESS] = { .directive = "bitemporal-past-access",
		.attribute = "olcBitemporalPastAccess", .kind = MODIR_CV_KEYWORD,
		.names = past_access_names },
	/* bt_cache_max_bytes is a size_t */
	[MODIR_CV_BT_CACHE_SIZE] = { .directive = "bitemporal-cache-size",
		.attribute = "olcBitemporalCacheSize", .kind = MODIR_CV_COUNT,
		.min = 0, .max = SIZE_MAX, .unit = "bytes" },
	[MODIR_CV_OIO_INTERNAL_ADDRESSES] = { .directive = "oio-internal-addresses",
		.attribute = "olcOioInternalAddresses", .kind = MODIR_CV_BOOL },
	[MODIR_CV_OIO_TERMINATED_MANAGERS] = { .directive = "oio-terminated-managers",
		.attribute = "olcOioTerminatedManagers", .kind = MODIR_CV_KEYWORD,
		.names = terminated_managers_names },
};

static int
is_digit( char ch )
{
	return ch >= '0' && ch <= '9';
}

static int
is_alpha( char ch )
{
	return ( ch >= 'a' && ch <= 'z' ) || ( ch >= 'A' && ch <= 'Z' );
}

static char
lower( char ch )
{
	return ( ch >= 'A' && ch <= 'Z' ) ? ch - 'A' + 'a' : ch;
}

/* s[0..len) is name, in any case */
static int
same_word( const char *s, size_t len, const char *name )
{
	size_t i;

	if ( strlen( name ) != len ) return 0;
	for ( i = 0; i < len; i++ )
		if ( lower( s[i] ) != name[i] ) return 0;
	return 1;
}

static const char *
parse_count( const modir_cv_spec *sp, const char *s, size_t len, unsigned long long *out )
{
	unsigned long long n = 0;
	size_t i;
	int over = 0;

	for ( i = 0; i < len; i++ )
		if ( !is_digit( s[i] ) ) return "not a decimal number";
	if ( len > 1 && s[0] == '0' ) return "leading zero";
	for ( i = 0; i < len; i++ ) {
		unsigned d = (unsigned)( s[i] - '0' );
		/* keeps counting digits past an overflow: "out of range", not a
		 * wrapped number */
		if ( n > ( ULLONG_MAX - d ) / 10 ) over = 1;
		else n = n * 10 + d;
	}
	if ( over || n < sp->min || n > sp->max ) return "out of range";
	*out = n;
	return NULL;
}

static const char *
parse_keyword( const modir_cv_spec *sp, const char *s, size_t len, unsigned long long *out )
{
	unsigned long long i;

	for ( i = 0; sp->names[i]; i++ ) {
		if ( same_word( s, len, sp->names[i] ) ) {
			*out = i;
			return NULL;
		}
	}
	return "unknown value";
}

static const char *
parse_bool( const char *s, size_t len, unsigned long long *out )
{
	if ( same_word( s, len, "on" ) || same_word( s, len, "true" ) || same_word( s, len, "yes" ) ) {
		*out = 1;
		return NULL;
	}
	if ( same_word( s, len, "off" ) || same_word( s, len, "false" ) || same_word( s, len, "no" ) ) {
		*out = 0;
		return NULL;
	}
	return "unknown value";
}

/* numericoid = number 1*( DOT number ); number = DIGIT / ( LDIGIT 1*DIGIT ) */
static int
is_numericoid( const char *s, size_t len )
{
	size_t i = 0, arcs = 0;

	while ( i < len ) {
		size_t start = i;
		while ( i < len && is_digit( s[i] ) ) i++;
		if ( i == start || ( i - start > 1 && s[start] == '0' ) ) return 0;
		arcs++;
		if ( i == len ) break;
		if ( s[i] != '.' ) return 0;
		i++;
		if ( i == len ) return 0;	/* a trailing dot */
	}
	return arcs >= 2;
}

/* descr = leadkeychar *keychar; leadkeychar = ALPHA; keychar = ALPHA / DIGIT / HYPHEN */
static int
is_descr( const char *s, size_t len )
{
	size_t i;

	if ( !is_alpha( s[0] ) ) return 0;
	for ( i = 1; i < len; i++ )
		if ( !is_alpha( s[i] ) && !is_digit( s[i] ) && s[i] != '-' ) return 0;
	return 1;
}

const char *
modir_cv_parse( const modir_cv_spec *sp, const char *s, size_t len, unsigned long long *out )
{
	if ( !s || len == 0 ) return "empty value";
	switch ( sp->kind ) {
	case MODIR_CV_COUNT:
		return parse_count( sp, s, len, out );
	case MODIR_CV_KEYWORD:
		return parse_keyword( sp, s, len, out );
	case MODIR_CV_BOOL:
		return parse_bool( s, len, out );
	case MODIR_CV_NAME:
		if ( !is_descr( s, len ) && !is_numericoid( s, len ) ) return "malformed name";
		*out = 0;
		return NULL;
	}
	return "unknown value";
}

size_t
modir_cv_emit( const modir_cv_spec *sp, unsigned long long v, char *buf, size_t size )
{
	const char *text = "";
	int n;

	switch ( sp->kind ) {
	case MODIR_CV_COUNT:
		n = snprintf( buf, size, "%llu", v );
		return n < 0 ? 0 : (size_t)n;
	case MODIR_CV_KEYWORD:
		text = sp->names[v];
		break;
	case MODIR_CV_BOOL:
		text = v ? "TRUE" : "FALSE";
		break;
	case MODIR_CV_NAME:
		break;
	}
	n = snprintf( buf, size, "%s", text );
	return n < 0 ? 0 : (size_t)n;
}

size_t
modir_cv_expected( const modir_cv_spec *sp, char *buf, size_t size )
{
	size_t len = 0;
	int i, n = 0;

	switch ( sp->kind ) {
	case MODIR_CV_COUNT:
		n = snprintf( buf, size, "a number of %s from %llu to %llu", sp->unit, sp->min, sp->max );
		break;
	case MODIR_CV_KEYWORD:
		if ( size ) buf[0] = '\0';
		for ( i = 0; sp->names[i]; i++ ) {
			const char *sep = i == 0 ? "" : sp->names[i + 1] ? ", " : " or ";
			n = snprintf( len < size ? buf + len : NULL, len < size ? size - len : 0,
				"%s%s", sep, sp->names[i] );
			if ( n < 0 ) return len;
			len += (size_t)n;
		}
		return len;
	case MODIR_CV_BOOL:
		n = snprintf( buf, size, "on or off (or true/false, yes/no)" );
		break;
	case MODIR_CV_NAME:
		n = snprintf( buf, size, "an object class name or OID" );
		break;
	}
	return n < 0 ? 0 : (size_t)n;
}
