/* fuzz_validity.c - libFuzzer target for bt_validity_parse(), the value
 * of the validity control ("validFrom=<GT>[;validTo=<GT>]").
 *
 * Properties beyond "no crash" (overlay/bitemporal/bt_time.h):
 *  - the input is never read beyond len (exactly-sized heap copy, ASan);
 *  - on failure *why is one of the header's messages;
 *  - on success at least one key was given; a given validFrom is a
 *    GeneralizedTime instant in [BT_TIME_MIN, BT_TIME_MAX], a missing one
 *    is now; a given validTo is such an instant or BT_INFINITY, a missing
 *    one BT_INFINITY; "now" is used for nothing else (the same value
 *    parsed at two different nows differs only in a defaulted validFrom);
 *  - the result, written back as "validFrom=<GT>;validTo=<GT>" with the
 *    given keys only, parses to the same result;
 *  - from < to is not the parser's rule: the overlay refuses a period that
 *    is not bt_period_is_valid() (bt_write.c, unwillingToPerform), which
 *    is checked here to agree with from < to.
 */
#include "fuzz_common.h"

static void
check( const char *s, size_t len )
{
	bt_validity v1, v2, v3;
	const char *why1 = NULL, *why2 = NULL, *why3 = NULL;
	int r1 = bt_validity_parse( s, len, FUZZ_NOW1, &v1, &why1 );
	int r2 = bt_validity_parse( s, len, FUZZ_NOW2, &v2, &why2 );

	FUZZ_ASSERT( r1 == r2 );
	if ( r1 ) {
		FUZZ_ASSERT( r1 == -1 );
		FUZZ_ASSERT( fuzz_known_why( why1 ) && why1 == why2 );
		return;
	}
	FUZZ_ASSERT( v1.has_from == v2.has_from && v1.has_to == v2.has_to );
	FUZZ_ASSERT( v1.has_from || v1.has_to );
	if ( v1.has_from ) {
		FUZZ_ASSERT( fuzz_in_range( v1.period.from ) );
		FUZZ_ASSERT( v1.period.from == v2.period.from );
	} else {
		FUZZ_ASSERT( v1.period.from == FUZZ_NOW1 && v2.period.from == FUZZ_NOW2 );
	}
	FUZZ_ASSERT( v1.period.to == v2.period.to );
	if ( v1.has_to )
		FUZZ_ASSERT( v1.period.to == BT_INFINITY || fuzz_in_range( v1.period.to ) );
	else
		FUZZ_ASSERT( v1.period.to == BT_INFINITY );
	FUZZ_ASSERT( bt_period_is_valid( v1.period ) ==
		( v1.period.from < v1.period.to ) );

	/* write it back and parse again */
	char buf[64], tf[BT_TIME_BUFSZ], tt[BT_TIME_BUFSZ];
	int n;
	bt_time_format( v1.period.from, tf );
	bt_time_format( v1.period.to, tt );
	if ( v1.has_from && v1.has_to )
		n = snprintf( buf, sizeof( buf ), "validFrom=%s;validTo=%s", tf, tt );
	else if ( v1.has_from )
		n = snprintf( buf, sizeof( buf ), "validFrom=%s", tf );
	else
		n = snprintf( buf, sizeof( buf ), "validTo=%s", tt );
	FUZZ_ASSERT( n > 0 && (size_t)n < sizeof( buf ) );
	FUZZ_ASSERT( bt_validity_parse( buf, (size_t)n, FUZZ_NOW1, &v3, &why3 ) == 0 );
	FUZZ_ASSERT( v3.has_from == v1.has_from && v3.has_to == v1.has_to &&
		v3.period.from == v1.period.from && v3.period.to == v1.period.to );
}

int
LLVMFuzzerTestOneInput( const uint8_t *data, size_t size )
{
	char *s = fuzz_copy( data, size );
	check( s, size );
	free( s );
	return 0;
}
