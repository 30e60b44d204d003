/* fuzz_time.c - libFuzzer target for bt_time_parse() (GeneralizedTime).
 *
 * Properties beyond "no crash" (overlay/bitemporal/bt_time.h):
 *  - the input is never read beyond len (exactly-sized heap copy, ASan);
 *  - on failure *out is untouched;
 *  - on success the instant lies in [BT_TIME_MIN, BT_TIME_MAX], and
 *    bt_time_format() writes it as a 15-byte GeneralizedTime that parses
 *    back to the same instant;
 *  - the first 8 bytes, read as an instant, format without crashing to a
 *    GeneralizedTime that round-trips, or to "infinity"/"-infinity" exactly
 *    when they lie outside [BT_TIME_MIN, BT_TIME_MAX].
 */
#include "bt_time.h"
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput( const uint8_t *data, size_t size )
{
	char *s = fuzz_copy( data, size );
	const bt_time canary = INT64_C(0x5a5a5a5a5a5a5a5a);
	bt_time t = canary, back = canary;
	char buf[BT_TIME_BUFSZ];

	if ( bt_time_parse( s, size, &t ) == 0 ) {
		FUZZ_ASSERT( t >= BT_TIME_MIN && t <= BT_TIME_MAX );
		FUZZ_ASSERT( bt_time_format( t, buf ) == 15 );
		FUZZ_ASSERT( strlen( buf ) == 15 && buf[14] == 'Z' );
		FUZZ_ASSERT( bt_time_parse( buf, 15, &back ) == 0 );
		FUZZ_ASSERT( back == t );
	} else {
		FUZZ_ASSERT( t == canary );
	}

	if ( size >= 8 ) {
		bt_time x = 0;
		size_t n;
		for ( int i = 0; i < 8; i++ ) x = (bt_time)( (uint64_t)x << 8 | data[i] );
		n = bt_time_format( x, buf );
		FUZZ_ASSERT( n == strlen( buf ) && n < BT_TIME_BUFSZ );
		if ( x >= BT_TIME_MIN && x <= BT_TIME_MAX ) {
			back = canary;
			FUZZ_ASSERT( n == 15 );
			FUZZ_ASSERT( bt_time_parse( buf, n, &back ) == 0 && back == x );
		} else {
			FUZZ_ASSERT( strcmp( buf, x < 0 ? "-infinity" : "infinity" ) == 0 );
		}
	}
	free( s );
	return 0;
}
