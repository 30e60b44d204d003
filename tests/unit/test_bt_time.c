/* test_bt_time.c - unit tests for instants, periods and control values. */
#include "bt_time.h"
#include "tap.h"

#include <string.h>

static bt_time
T( const char *s )
{
	bt_time t = 0;
	if ( bt_time_parse( s, strlen( s ), &t ) ) return -1;
	return t;
}

static const char *
F( bt_time t )
{
	static char buf[BT_TIME_BUFSZ];
	bt_time_format( t, buf );
	return buf;
}

static void
test_parse( void )
{
	is_int( T( "19700101000000Z" ), 0, "epoch" );
	is_int( T( "20240101000000Z" ), 1704067200, "2024-01-01" );
	is_int( T( "20240229120000Z" ), 1709208000, "leap day 2024" );
	is_int( T( "2024010100Z" ), 1704067200, "hours only" );
	is_int( T( "202401010000Z" ), 1704067200, "minutes, no seconds" );
	is_int( T( "20240101000000.123Z" ), 1704067200, "fraction truncated" );
	is_int( T( "20240101010000+0100" ), 1704067200, "offset +0100 is UTC-1h" );
	is_int( T( "20231231230000-0100" ), 1704067200, "offset -0100" );
	is_int( T( "19691231235959Z" ), -1, "before the epoch" );
	is_int( T( "20000229000000Z" ), 951782400, "2000 is a leap year" );

	ok( T( "20230229000000Z" ) == -1, "no Feb 29 in 2023" );
	ok( T( "19000229000000Z" ) == -1, "1900 is not a leap year" );
	ok( T( "20241301000000Z" ) == -1, "month 13" );
	ok( T( "20240132000000Z" ) == -1, "day 32" );
	ok( T( "20240101240000Z" ) == -1, "hour 24" );
	ok( T( "20240101006000Z" ) == -1, "minute 60" );
	/* POSIX time has no leap seconds: :60 is the last second of its
	 * minute (documented in slapo-bitemporal(5) CONTROLS) */
	is_int( T( "20161231235960Z" ), T( "20161231235959Z" ), "leap second :60 reads as :59" );
	ok( T( "20161231235961Z" ) == -1, "second 61" );
	ok( T( "20240101000000" ) == -1, "no zone: local time refused" );
	ok( T( "20240101000000Zjunk" ) == -1, "trailing junk" );
	ok( T( "2024-01-01" ) == -1, "ISO date is not GeneralizedTime" );
	ok( T( "" ) == -1, "empty" );
	ok( T( "2024010100.Z" ) == -1, "empty fraction" );
	ok( T( "20240101000000+2400" ) == -1, "offset hour 24" );
	bt_time t;
	ok( bt_time_parse( NULL, 0, &t ) == -1, "NULL" );
}

static void
test_format( void )
{
	is_str( F( 0 ), "19700101000000Z", "format epoch" );
	is_str( F( 1704067200 ), "20240101000000Z", "format 2024" );
	is_str( F( -1 ), "19691231235959Z", "format before epoch" );
	is_str( F( BT_INFINITY ), "infinity", "format infinity" );
	is_str( F( BT_NEG_INFINITY ), "-infinity", "format -infinity" );
	/* regression (tests/fuzz/fuzz_time): year 0 has no GeneralizedTime
	 * bt_time_parse() accepts, so it is written as -infinity, not as
	 * "00001231235959Z"; the bounds themselves are written exactly */
	is_str( F( BT_TIME_MIN - 1 ), "-infinity", "format BT_TIME_MIN - 1 (0000-12-31T23:59:59) as -infinity" );
	is_str( F( BT_TIME_MIN - INT64_C(86400) * 366 ), "-infinity", "format 0000-01-01 (year 0 is a leap year) as -infinity" );
	is_str( F( BT_TIME_MIN ), "00010101000000Z", "format BT_TIME_MIN" );
	is_str( F( BT_TIME_MAX ), "99991231235959Z", "format BT_TIME_MAX" );
	is_str( F( BT_TIME_MAX + 1 ), "infinity", "format BT_TIME_MAX + 1 as infinity" );
	is_str( F( BT_KNOWN_NOW ), "infinity", "format BT_KNOWN_NOW as infinity" );
	/* round trip over a wide range, every ~11.6 days and odd seconds */
	int bad = 0;
	for ( bt_time x = T( "18000101000000Z" ); x < T( "22000101000000Z" ); x += 1000003 ) {
		if ( T( F( x ) ) != x ) bad++;
	}
	is_int( bad, 0, "format/parse round trip 1800..2200" );
}

static void
test_keys( void )
{
	unsigned char a[8], b[8];
	bt_time v[] = { BT_NEG_INFINITY, -86400, -1, 0, 1, 1704067200, BT_INFINITY };
	int sorted = 1, round = 1;
	for ( unsigned i = 0; i + 1 < sizeof( v ) / sizeof( v[0] ); i++ ) {
		bt_time_put_key( v[i], a );
		bt_time_put_key( v[i + 1], b );
		if ( memcmp( a, b, 8 ) >= 0 ) sorted = 0;
		if ( bt_time_get_key( a ) != v[i] ) round = 0;
	}
	ok( sorted, "key encoding preserves order, including negatives and infinities" );
	ok( round, "key encoding round-trips" );
}

static void
test_periods( void )
{
	bt_period p = { 10, 20 }, q = { 15, 30 }, r = { 20, 25 };
	bt_period out[3];
	int inside, n;

	ok( bt_period_contains( p, 10 ), "from is included" );
	ok( !bt_period_contains( p, 20 ), "to is excluded" );
	ok( bt_period_overlaps( p, q ), "overlap" );
	ok( !bt_period_overlaps( p, r ), "adjacent half-open periods do not overlap" );
	bt_period i = bt_period_intersect( p, q );
	ok( i.from == 15 && i.to == 20, "intersection" );
	ok( !bt_period_is_valid( bt_period_intersect( p, r ) ), "empty intersection" );
	ok( !bt_period_is_valid( ( bt_period ){ 5, 5 } ), "empty period is invalid" );

	n = bt_period_split( ( bt_period ){ 0, BT_INFINITY }, ( bt_period ){ 10, 20 }, out, &inside );
	ok( n == 3 && inside == 1 && out[0].from == 0 && out[0].to == 10 &&
		out[1].from == 10 && out[1].to == 20 && out[2].from == 20 && out[2].to == BT_INFINITY,
		"split an open version by a closed period: 3 pieces" );
	n = bt_period_split( ( bt_period ){ 10, 20 }, ( bt_period ){ 0, BT_INFINITY }, out, &inside );
	ok( n == 1 && inside == 0 && out[0].from == 10 && out[0].to == 20, "period covering the version: 1 piece inside" );
	n = bt_period_split( ( bt_period ){ 10, 20 }, ( bt_period ){ 15, BT_INFINITY }, out, &inside );
	ok( n == 2 && inside == 1 && out[0].to == 15 && out[1].from == 15, "split at one boundary" );
	n = bt_period_split( ( bt_period ){ 10, 20 }, ( bt_period ){ 20, 30 }, out, &inside );
	ok( n == 1 && inside == -1, "no overlap: the version stays whole, nothing inside" );
}

static void
test_controls( void )
{
	bt_validity v;
	bt_asof a;
	const char *why = NULL;
	const bt_time now = 1704067200;
#define VP( s ) bt_validity_parse( s, strlen( s ), now, &v, &why )
#define AP( s ) bt_asof_parse( s, strlen( s ), now, &a, &why )

	ok( VP( "validFrom=20240201000000Z" ) == 0 && v.period.from == T( "20240201000000Z" ) &&
		v.period.to == BT_INFINITY && v.has_from && !v.has_to, "validFrom only" );
	ok( VP( "validFrom=20240201000000Z;validTo=20240301000000Z" ) == 0 &&
		v.period.to == T( "20240301000000Z" ), "both" );
	ok( VP( "validTo=20240301000000Z" ) == 0 && v.period.from == now && v.has_to, "validTo only: from now" );
	ok( VP( "VALIDTO=20240301000000Z ; validfrom=20240201000000Z" ) == 0 &&
		v.period.from == T( "20240201000000Z" ), "keys case-insensitive, any order, spaces" );
	ok( VP( "" ) == -1, "empty value refused (no value is not now)" );
	ok( VP( "   " ) == -1, "blank value refused" );
	ok( bt_validity_parse( NULL, 0, now, &v, &why ) == -1, "absent value refused" );
	ok( bt_asof_parse( NULL, 0, now, &a, &why ) == -1, "absent as-of value refused" );
	ok( VP( "validFrom=20240201000000Z;validTo=infinity" ) == 0 && v.period.to == BT_INFINITY, "explicit infinity" );
	ok( VP( "validFrom=2024-02-01" ) == -1 && why, "bad date refused" );
	ok( VP( "validFrom=20240201000000Z;validFrom=20240201000000Z" ) == -1, "key twice refused" );
	ok( VP( "validSince=20240201000000Z" ) == -1, "unknown key refused" );
	ok( VP( "validFrom" ) == -1, "missing '=' refused" );
	ok( VP( "validFrom=20240201000000Z;" ) == -1, "trailing ';' refused" );
	ok( VP( "validFrom=" ) == -1, "empty time refused" );
	ok( VP( "validFrom=infinity" ) == -1, "validFrom cannot be infinity" );
	/* validTo <= validFrom parses; the overlay refuses it (constraint) */
	ok( VP( "validFrom=20240301000000Z;validTo=20240201000000Z" ) == 0 && !bt_period_is_valid( v.period ),
		"inverted period parses but is not a valid period" );

	ok( AP( "validAt=20200101000000Z" ) == 0 && a.valid_at == T( "20200101000000Z" ) && a.known_at == now,
		"as-of validAt, knownAt defaults to now" );
	ok( AP( "validAt=20200101000000Z;knownAt=20210101000000Z" ) == 0 && a.known_at == T( "20210101000000Z" ),
		"as-of both" );
	ok( AP( "knownAt=20210101000000Z" ) == 0 && a.valid_at == now, "as-of knownAt only" );
	ok( AP( "validAt=yesterday" ) == -1, "as-of bad time refused" );
	ok( AP( "validFrom=20200101000000Z" ) == -1, "as-of refuses the validity control's keys" );
}

int
main( void )
{
	test_parse();
	test_format();
	test_keys();
	test_periods();
	test_controls();
	return tap_done();
}
