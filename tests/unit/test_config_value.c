/* test_config_value.c - unit tests for the values of both overlays'
 * directives (overlay/modir_config_value.h): the forms each accepts, the
 * reason for each it refuses, the form written back, and the text that
 * says what is expected. */
#include "modir_config_value.h"
#include "tap.h"

#include <stdint.h>
#include <string.h>

static const modir_cv_spec *
spec( int d )
{
	return &modir_cv_specs[d];
}

/* the reason, or "ok=<value>" */
static const char *
P( int d, const char *s )
{
	static char buf[64];
	unsigned long long v = 12345;
	const char *why = modir_cv_parse( spec( d ), s, strlen( s ), &v );

	if ( why ) {
		if ( v != 12345 ) return "refused, but *out was written";
		return why;
	}
	snprintf( buf, sizeof( buf ), "ok=%llu", v );
	return buf;
}

static const char *
E( int d, unsigned long long v )
{
	static char buf[64];
	modir_cv_emit( spec( d ), v, buf, sizeof( buf ) );
	return buf;
}

static void
test_group_commit( void )
{
	int d = MODIR_CV_BT_GROUP_COMMIT;

	is_str( spec( d )->directive, "bitemporal-group-commit", "group commit: its directive" );
	is_str( P( d, "1" ), "ok=1", "group commit 1" );
	is_str( P( d, "64" ), "ok=64", "group commit 64" );
	is_str( P( d, "2147483647" ), "ok=2147483647", "group commit INT_MAX" );
	is_str( P( d, "0" ), "out of range", "group commit 0 (at least 1)" );
	is_str( P( d, "2147483648" ), "out of range", "group commit INT_MAX + 1" );
	is_str( P( d, "-1" ), "not a decimal number", "group commit -1" );
	is_str( P( d, "+5" ), "not a decimal number", "group commit +5" );
	is_str( P( d, "" ), "empty value", "group commit empty" );
	is_str( P( d, " 5" ), "not a decimal number", "group commit with a leading blank" );
	is_str( P( d, "5 " ), "not a decimal number", "group commit with a trailing blank" );
	is_str( P( d, "5x" ), "not a decimal number", "group commit with trailing garbage" );
	is_str( P( d, "010" ), "leading zero", "group commit 010 (slapd's ARG_INT reads 8)" );
	is_str( P( d, "0x40" ), "not a decimal number", "group commit 0x40 (slapd's ARG_INT reads 64)" );
	is_str( P( d, "1e3" ), "not a decimal number", "group commit 1e3" );
	is_str( E( d, 64 ), "64", "group commit written back" );
}

static void
test_cache_size( void )
{
	int d = MODIR_CV_BT_CACHE_SIZE;
	char max[32];

	snprintf( max, sizeof( max ), "ok=%llu", (unsigned long long)SIZE_MAX );
	is_str( P( d, "0" ), "ok=0", "cache size 0 (no cache)" );
	is_str( P( d, "67108864" ), "ok=67108864", "cache size 64 MiB in bytes" );
	is_str( P( d, "18446744073709551615" ), max, "cache size SIZE_MAX" );
	is_str( P( d, "18446744073709551616" ), "out of range", "cache size SIZE_MAX + 1 (overflow)" );
	is_str( P( d, "99999999999999999999999999" ), "out of range", "cache size far beyond 64 bits" );
	is_str( P( d, "64MiB" ), "not a decimal number", "cache size 64MiB (no suffixes)" );
	is_str( P( d, "64M" ), "not a decimal number", "cache size 64M" );
	is_str( P( d, "-1" ), "not a decimal number", "cache size -1" );
	is_str( P( d, "" ), "empty value", "cache size empty" );
	is_str( P( d, "00" ), "leading zero", "cache size 00" );
	is_str( P( d, "1.5" ), "not a decimal number", "cache size 1.5" );
	{
		unsigned long long v = 7;
		ok( modir_cv_parse( spec( d ), "123", 2, &v ) == NULL && v == 12,
			"cache size: not read beyond len" );
		ok( modir_cv_parse( spec( d ), "1\0" "2", 3, &v ) != NULL && v == 12,
			"cache size: an embedded NUL is refused" );
		ok( modir_cv_parse( spec( d ), NULL, 0, &v ) != NULL, "cache size: NULL is refused" );
	}
	is_str( E( d, 67108864 ), "67108864", "cache size written back" );
}

static void
test_past_access( void )
{
	int d = MODIR_CV_BT_PAST_ACCESS;

	is_str( P( d, "manage" ), "ok=0", "past access manage" );
	is_str( P( d, "write" ), "ok=1", "past access write" );
	is_str( P( d, "MANAGE" ), "ok=0", "past access in capitals" );
	is_str( P( d, "read" ), "unknown value", "past access read" );
	is_str( P( d, "" ), "empty value", "past access empty" );
	is_str( P( d, "manage " ), "unknown value", "past access with a trailing blank" );
	is_str( P( d, "man" ), "unknown value", "past access: a prefix is not the word" );
	is_str( P( d, "managed" ), "unknown value", "past access: a longer word" );
	is_str( P( d, "manage,write" ), "unknown value", "past access: two at once" );
	is_str( E( d, MODIR_CV_PAST_MANAGE ), "manage", "past access manage written back" );
	is_str( E( d, MODIR_CV_PAST_WRITE ), "write", "past access write written back" );
}

static void
test_terminated_managers( void )
{
	int d = MODIR_CV_OIO_TERMINATED_MANAGERS;

	is_str( P( d, "terminate" ), "ok=0", "terminated managers terminate" );
	is_str( P( d, "Vacate" ), "ok=1", "terminated managers Vacate" );
	is_str( P( d, "sometimes" ), "unknown value", "terminated managers sometimes" );
	is_str( P( d, "" ), "empty value", "terminated managers empty" );
	is_str( P( d, "vacate!" ), "unknown value", "terminated managers with trailing garbage" );
	is_str( E( d, MODIR_CV_MANAGERS_VACATE ), "vacate", "terminated managers written back" );
}

static void
test_internal_addresses( void )
{
	int d = MODIR_CV_OIO_INTERNAL_ADDRESSES;

	is_str( P( d, "on" ), "ok=1", "internal addresses on" );
	is_str( P( d, "TRUE" ), "ok=1", "internal addresses TRUE (cn=config)" );
	is_str( P( d, "yes" ), "ok=1", "internal addresses yes" );
	is_str( P( d, "off" ), "ok=0", "internal addresses off" );
	is_str( P( d, "FALSE" ), "ok=0", "internal addresses FALSE" );
	is_str( P( d, "No" ), "ok=0", "internal addresses No" );
	is_str( P( d, "maybe" ), "unknown value", "internal addresses maybe" );
	is_str( P( d, "1" ), "unknown value", "internal addresses 1" );
	is_str( P( d, "" ), "empty value", "internal addresses empty" );
	is_str( P( d, "onn" ), "unknown value", "internal addresses onn" );
	is_str( E( d, 1 ), "TRUE", "internal addresses on written back" );
	is_str( E( d, 0 ), "FALSE", "internal addresses off written back" );
}

static void
test_objectclass( void )
{
	int d = MODIR_CV_BT_OBJECTCLASS;

	is_str( P( d, "inetOrgPerson" ), "ok=0", "object class name" );
	is_str( P( d, "mo-Unit2" ), "ok=0", "object class name with a hyphen and a digit" );
	is_str( P( d, "2.5.6.6" ), "ok=0", "object class OID" );
	is_str( P( d, "" ), "empty value", "object class empty" );
	is_str( P( d, "2person" ), "malformed name", "object class starting with a digit" );
	is_str( P( d, "-person" ), "malformed name", "object class starting with a hyphen" );
	is_str( P( d, "person)" ), "malformed name", "object class with trailing garbage" );
	is_str( P( d, "in etOrgPerson" ), "malformed name", "object class with a blank" );
	is_str( P( d, "2.5..6" ), "malformed name", "OID with an empty arc" );
	is_str( P( d, "2.5.6." ), "malformed name", "OID with a trailing dot" );
	is_str( P( d, "2.05.6" ), "malformed name", "OID with a leading zero" );
	is_str( P( d, "2" ), "malformed name", "OID of one arc" );
}

static void
test_expected( void )
{
	char buf[128];

	modir_cv_expected( spec( MODIR_CV_BT_PAST_ACCESS ), buf, sizeof( buf ) );
	is_str( buf, "manage or write", "what past access expects" );
	modir_cv_expected( spec( MODIR_CV_BT_GROUP_COMMIT ), buf, sizeof( buf ) );
	is_str( buf, "a number of writes from 1 to 2147483647", "what group commit expects" );
	ok( modir_cv_expected( spec( MODIR_CV_BT_CACHE_SIZE ), buf, 8 ) > 8 && strlen( buf ) == 7,
		"expected: truncated to the buffer, full length returned" );
}

/* every directive: what it writes back it reads as the same value */
static void
test_round_trip( void )
{
	static const unsigned long long samples[] = { 0, 1, 2, 63, 64, 2147483647ULL, 2147483648ULL,
		67108864ULL, 18446744073709551615ULL };
	int d, bad = 0, tried = 0;
	size_t i;

	for ( d = 0; d < MODIR_CV_N; d++ ) {
		const modir_cv_spec *sp = spec( d );
		for ( i = 0; i < sizeof( samples ) / sizeof( samples[0] ); i++ ) {
			unsigned long long v = samples[i], back = ~0ULL;
			char buf[64];
			size_t n;
			if ( sp->kind == MODIR_CV_NAME ) continue;
			if ( sp->kind == MODIR_CV_COUNT && ( v < sp->min || v > sp->max ) ) continue;
			if ( sp->kind == MODIR_CV_BOOL && v > 1 ) continue;
			if ( sp->kind == MODIR_CV_KEYWORD && v > 1 ) continue;
			n = modir_cv_emit( sp, v, buf, sizeof( buf ) );
			tried++;
			if ( modir_cv_parse( sp, buf, n, &back ) || back != v ) bad++;
		}
	}
	ok( tried > 10 && bad == 0, "every directive reads back what it writes (%d values)", tried );
}

int
main( void )
{
	test_group_commit();
	test_cache_size();
	test_past_access();
	test_terminated_managers();
	test_internal_addresses();
	test_objectclass();
	test_expected();
	test_round_trip();
	return tap_done();
}
