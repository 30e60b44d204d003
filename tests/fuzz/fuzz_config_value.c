/* fuzz_config_value.c - libFuzzer target for modir_cv_parse(), the value
 * of every configuration directive of both overlays
 * (overlay/modir_config_value.h).
 *
 * The first byte of the input picks the directive (modulo MODIR_CV_N); the
 * rest is its value, as slapd.conf or a cn=config modify would give it.
 * Properties beyond "no crash":
 *  - the value is never read beyond its length (exactly-sized heap copy,
 *    ASan);
 *  - a refusal is one of the header's reasons and leaves *out alone;
 *  - an accepted value is within its directive's kind: a COUNT within
 *    [min, max], a KEYWORD an index of names[], a BOOL 0 or 1, a NAME the
 *    text itself (letters, digits, '-', '.' only);
 *  - what is accepted prints back (modir_cv_emit) and the printed form
 *    parses to the same value and prints the same again; a COUNT prints
 *    as exactly the bytes given (one spelling per number), a KEYWORD as
 *    the bytes given in lower case;
 *  - what a refusal says is expected fits any buffer (modir_cv_expected
 *    with a size taken from the input: truncated, NUL-terminated, the full
 *    length returned).
 */
#include "fuzz_common.h"
#include "modir_config_value.h"

static int
known_reason( const char *why )
{
	static const char *const reasons[] = { "empty value", "not a decimal number",
		"leading zero", "out of range", "unknown value", "malformed name" };
	for ( size_t i = 0; i < sizeof( reasons ) / sizeof( reasons[0] ); i++ )
		if ( strcmp( why, reasons[i] ) == 0 ) return 1;
	return 0;
}

static int
name_chars( const char *s, size_t len )
{
	for ( size_t i = 0; i < len; i++ ) {
		char ch = s[i];
		if ( !( ( ch >= 'a' && ch <= 'z' ) || ( ch >= 'A' && ch <= 'Z' ) ||
			( ch >= '0' && ch <= '9' ) || ch == '-' || ch == '.' ) ) return 0;
	}
	return 1;
}

static int
same_lower( const char *s, size_t len, const char *name, size_t nlen )
{
	if ( len != nlen ) return 0;
	for ( size_t i = 0; i < len; i++ ) {
		char ch = s[i];
		if ( ch >= 'A' && ch <= 'Z' ) ch = ch - 'A' + 'a';
		if ( ch != name[i] ) return 0;
	}
	return 1;
}

static void
check_expected( const modir_cv_spec *sp, size_t size )
{
	char full[256], cut[256];
	size_t n = modir_cv_expected( sp, full, sizeof( full ) );

	FUZZ_ASSERT( n > 0 && n < sizeof( full ) && strlen( full ) == n );
	size %= sizeof( cut );
	memset( cut, 'x', sizeof( cut ) );
	FUZZ_ASSERT( modir_cv_expected( sp, cut, size ) == n );
	if ( size ) FUZZ_ASSERT( strlen( cut ) == ( n < size ? n : size - 1 ) );
}

static void
check( const modir_cv_spec *sp, const char *s, size_t len )
{
	const unsigned long long untouched = 0x5a5a5a5a5a5a5a5aULL;
	unsigned long long v = untouched, v2 = untouched;
	const char *why = modir_cv_parse( sp, s, len, &v );
	char out[64], out2[64];
	size_t n, n2;

	if ( why ) {
		FUZZ_ASSERT( known_reason( why ) );
		FUZZ_ASSERT( v == untouched );
		check_expected( sp, len );
		return;
	}
	FUZZ_ASSERT( len > 0 );
	switch ( sp->kind ) {
	case MODIR_CV_COUNT:
		FUZZ_ASSERT( v >= sp->min && v <= sp->max );
		break;
	case MODIR_CV_KEYWORD: {
		unsigned long long k = 0;
		while ( sp->names[k] ) k++;
		FUZZ_ASSERT( v < k );
		break;
	}
	case MODIR_CV_BOOL:
		FUZZ_ASSERT( v == 0 || v == 1 );
		break;
	case MODIR_CV_NAME:
		FUZZ_ASSERT( v == 0 && name_chars( s, len ) );
		/* written back by the caller (slapd's name of the class) */
		FUZZ_ASSERT( modir_cv_emit( sp, v, out, sizeof( out ) ) == 0 );
		return;
	}

	n = modir_cv_emit( sp, v, out, sizeof( out ) );
	FUZZ_ASSERT( n > 0 && n < sizeof( out ) && strlen( out ) == n );
	FUZZ_ASSERT( modir_cv_parse( sp, out, n, &v2 ) == NULL && v2 == v );
	n2 = modir_cv_emit( sp, v2, out2, sizeof( out2 ) );
	FUZZ_ASSERT( n2 == n && memcmp( out, out2, n ) == 0 );
	if ( sp->kind == MODIR_CV_COUNT )
		FUZZ_ASSERT( n == len && memcmp( out, s, len ) == 0 );
	if ( sp->kind == MODIR_CV_KEYWORD )
		FUZZ_ASSERT( same_lower( s, len, out, n ) );
}

int
LLVMFuzzerTestOneInput( const uint8_t *data, size_t size )
{
	const modir_cv_spec *sp;
	char *s;

	if ( size == 0 ) return 0;
	sp = &modir_cv_specs[data[0] % MODIR_CV_N];
	s = fuzz_copy( data + 1, size - 1 );
	check( sp, s, size - 1 );
	free( s );
	return 0;
}
