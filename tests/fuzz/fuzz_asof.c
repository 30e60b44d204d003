/* fuzz_asof.c - libFuzzer target for bt_asof_parse(), the value of the
 * as-of control ("validAt=<GT>[;knownAt=<GT>]").
 *
 * Properties beyond "no crash" (overlay/bitemporal/bt_time.h):
 *  - the input is never read beyond len (exactly-sized heap copy, ASan);
 *  - on failure *why is one of the header's messages;
 *  - on success each of validAt, knownAt is either given, then a
 *    GeneralizedTime instant in [BT_TIME_MIN, BT_TIME_MAX] whatever now
 *    is, or missing, then now (parsing at two nows tells them apart; the
 *    second now, BT_KNOWN_NOW, is no instant a value can name), and at
 *    least one is given;
 *  - the given fields, written back as "validAt=<GT>;knownAt=<GT>", parse
 *    to the same result.
 */
#include "fuzz_common.h"

static void
check( const char *s, size_t len )
{
	bt_asof a1, a2, a3;
	const char *why1 = NULL, *why2 = NULL, *why3 = NULL;
	int r1 = bt_asof_parse( s, len, FUZZ_NOW1, &a1, &why1 );
	int r2 = bt_asof_parse( s, len, FUZZ_NOW2, &a2, &why2 );

	FUZZ_ASSERT( r1 == r2 );
	if ( r1 ) {
		FUZZ_ASSERT( r1 == -1 );
		FUZZ_ASSERT( fuzz_known_why( why1 ) && why1 == why2 );
		return;
	}
	int has_v = a1.valid_at == a2.valid_at;
	int has_k = a1.known_at == a2.known_at;
	FUZZ_ASSERT( has_v || has_k );
	if ( has_v ) FUZZ_ASSERT( fuzz_in_range( a1.valid_at ) );
	else FUZZ_ASSERT( a1.valid_at == FUZZ_NOW1 && a2.valid_at == FUZZ_NOW2 );
	if ( has_k ) FUZZ_ASSERT( fuzz_in_range( a1.known_at ) );
	else FUZZ_ASSERT( a1.known_at == FUZZ_NOW1 && a2.known_at == FUZZ_NOW2 );

	char buf[64], tv[BT_TIME_BUFSZ], tk[BT_TIME_BUFSZ];
	int n;
	bt_time_format( a1.valid_at, tv );
	bt_time_format( a1.known_at, tk );
	if ( has_v && has_k )
		n = snprintf( buf, sizeof( buf ), "validAt=%s;knownAt=%s", tv, tk );
	else if ( has_v )
		n = snprintf( buf, sizeof( buf ), "validAt=%s", tv );
	else
		n = snprintf( buf, sizeof( buf ), "knownAt=%s", tk );
	FUZZ_ASSERT( n > 0 && (size_t)n < sizeof( buf ) );
	FUZZ_ASSERT( bt_asof_parse( buf, (size_t)n, FUZZ_NOW2, &a3, &why3 ) == 0 );
	FUZZ_ASSERT( a3.valid_at == a2.valid_at && a3.known_at == a2.known_at );
}

int
LLVMFuzzerTestOneInput( const uint8_t *data, size_t size )
{
	char *s = fuzz_copy( data, size );
	check( s, size );
	free( s );
	return 0;
}
