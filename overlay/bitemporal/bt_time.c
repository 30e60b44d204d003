/* bt_time.c - instants, half-open periods and the text of modir's controls. */

#include "bt_time.h"

#include <string.h>
#include <strings.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * civil-from-days inverse); no timegm()/TZ dependence. */
static int64_t
days_from_civil( int64_t y, unsigned m, unsigned d )
{
	y -= m <= 2;
	int64_t era = ( y >= 0 ? y : y - 399 ) / 400;
	unsigned yoe = (unsigned)( y - era * 400 );
	unsigned doy = ( 153 * ( m + ( m > 2 ? -3 : 9 ) ) + 2 ) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days( int64_t z, int64_t *y, unsigned *m, unsigned *d )
{
	z += 719468;
	int64_t era = ( z >= 0 ? z : z - 146096 ) / 146097;
	unsigned doe = (unsigned)( z - era * 146097 );
	unsigned yoe = ( doe - doe / 1460 + doe / 36524 - doe / 146096 ) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - ( 365 * yoe + yoe / 4 - yoe / 100 );
	unsigned mp = ( 5 * doy + 2 ) / 153;
	*d = doy - ( 153 * mp + 2 ) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + ( *m <= 2 );
}

static int
is_leap( int64_t y )
{
	return ( y % 4 == 0 && y % 100 != 0 ) || y % 400 == 0;
}

static int
digits( const char *s, size_t n, int *out )
{
	int v = 0;
	for ( size_t i = 0; i < n; i++ ) {
		if ( s[i] < '0' || s[i] > '9' ) return -1;
		v = v * 10 + ( s[i] - '0' );
	}
	*out = v;
	return 0;
}

/* The zone that ends a GeneralizedTime: Z, or +HH[MM] / -HH[MM], and
 * nothing after it.  A zone is mandatory: no local time.  *offset is
 * east of UTC in seconds. */
static int
parse_zone( const char *s, size_t len, int *offset )
{
	int oh, om = 0, sign;
	size_t i = 0;

	if ( len == 0 ) return -1;
	if ( s[0] == 'Z' ) {
		*offset = 0;
		return len == 1 ? 0 : -1;
	}
	if ( s[0] != '+' && s[0] != '-' ) return -1;
	sign = s[0] == '+' ? 1 : -1;
	i = 1;
	if ( i + 2 > len || digits( s + i, 2, &oh ) ) return -1;
	i += 2;
	if ( i + 2 <= len ) {
		if ( digits( s + i, 2, &om ) ) return -1;
		i += 2;
	}
	if ( oh > 23 || om > 59 || i != len ) return -1;
	*offset = sign * ( oh * 3600 + om * 60 );
	return 0;
}

int
bt_time_parse( const char *s, size_t len, bt_time *out )
{
	static const unsigned mdays[] = { 31,28,31,30,31,30,31,31,30,31,30,31 };
	int year, mon, day, hour, min = 0, sec = 0, offset;
	size_t i;

	if ( !s || len < 11 ) return -1;	/* YYYYMMDDHH + zone */
	if ( digits( s, 4, &year ) || digits( s + 4, 2, &mon ) ||
		digits( s + 6, 2, &day ) || digits( s + 8, 2, &hour ) )
		return -1;
	i = 10;
	if ( i + 2 <= len && s[i] >= '0' && s[i] <= '9' ) {
		if ( digits( s + i, 2, &min ) ) return -1;
		i += 2;
		if ( i + 2 <= len && s[i] >= '0' && s[i] <= '9' ) {
			if ( digits( s + i, 2, &sec ) ) return -1;
			i += 2;
		}
	}
	if ( i < len && ( s[i] == '.' || s[i] == ',' ) ) {
		size_t f = ++i;
		while ( i < len && s[i] >= '0' && s[i] <= '9' ) i++;
		if ( i == f ) return -1;
	}
	if ( year < 1 || mon < 1 || mon > 12 || day < 1 || hour > 23 ||
		min > 59 || sec > 60 )
		return -1;
	if ( day > (int)mdays[mon - 1] + ( mon == 2 && is_leap( year ) ) )
		return -1;
	if ( sec == 60 ) sec = 59;	/* a leap second is kept inside its minute */

	int64_t t = days_from_civil( year, mon, day ) * 86400 +
		hour * 3600 + min * 60 + sec;

	if ( parse_zone( s + i, len - i, &offset ) ) return -1;
	t -= offset;
	/* An offset can carry 00010101000000+0100 into year 0 and
	 * 99991231235959-0100 into year 10000, neither of which
	 * bt_time_format() can write back as a GeneralizedTime: refuse them,
	 * so that every instant parsed here is one that can be shown. */
	if ( t < BT_TIME_MIN || t > BT_TIME_MAX ) return -1;
	*out = t;
	return 0;
}

size_t
bt_time_format( bt_time t, char buf[BT_TIME_BUFSZ] )
{
	int64_t days, y, rem;
	unsigned m, d;

	/* Infinite, or finite but not representable as GeneralizedTime.
	 * The range is checked on the instant itself, against the bounds the
	 * header names: a check on the year computed below once read
	 * "y < 0", which let year 0 (BT_TIME_MIN - 1 and the 365 days before
	 * it) through as "0000...Z", a GeneralizedTime bt_time_parse()
	 * refuses (found by tests/fuzz/fuzz_time). */
	if ( t < BT_TIME_MIN ) { strcpy( buf, "-infinity" ); return 9; }
	if ( t > BT_TIME_MAX ) { strcpy( buf, "infinity" ); return 8; }
	days = t / 86400;
	rem = t % 86400;
	if ( rem < 0 ) { rem += 86400; days--; }
	civil_from_days( days, &y, &m, &d );
	buf[0] = '0' + y / 1000; buf[1] = '0' + y / 100 % 10;
	buf[2] = '0' + y / 10 % 10; buf[3] = '0' + y % 10;
	buf[4] = '0' + m / 10; buf[5] = '0' + m % 10;
	buf[6] = '0' + d / 10; buf[7] = '0' + d % 10;
	buf[8] = '0' + rem / 36000; buf[9] = '0' + rem / 3600 % 10;
	buf[10] = '0' + rem % 3600 / 600; buf[11] = '0' + rem % 3600 / 60 % 10;
	buf[12] = '0' + rem % 60 / 10; buf[13] = '0' + rem % 10;
	buf[14] = 'Z'; buf[15] = '\0';
	return 15;
}

void
bt_time_put_key( bt_time t, unsigned char key[8] )
{
	/* flip the sign bit so that unsigned byte order is numeric order */
	uint64_t u = (uint64_t)t ^ 0x8000000000000000ULL;
	for ( int i = 7; i >= 0; i-- ) { key[i] = u & 0xff; u >>= 8; }
}

bt_time
bt_time_get_key( const unsigned char key[8] )
{
	uint64_t u = 0;
	for ( int i = 0; i < 8; i++ ) u = ( u << 8 ) | key[i];
	return (bt_time)( u ^ 0x8000000000000000ULL );
}

bt_period
bt_period_intersect( bt_period a, bt_period b )
{
	bt_period r;
	r.from = a.from > b.from ? a.from : b.from;
	r.to = a.to < b.to ? a.to : b.to;
	return r;
}

int
bt_period_split( bt_period p, bt_period cut, bt_period out[3], int *inside )
{
	int n = 0;
	*inside = -1;
	if ( !bt_period_is_valid( p ) ) return 0;
	if ( !bt_period_overlaps( p, cut ) ) {
		out[n++] = p;
		return n;
	}
	if ( p.from < cut.from ) {
		out[n].from = p.from; out[n].to = cut.from; n++;
	}
	*inside = n;
	out[n++] = bt_period_intersect( p, cut );
	if ( cut.to < p.to ) {
		out[n].from = cut.to; out[n].to = p.to; n++;
	}
	return n;
}

/* Walks "key=value;key=value" (at least one pair).  For each pair calls
 * back with the key's index in keys[] (or fails on an unknown or repeated
 * key). */
typedef int (kv_cb)( int which, const char *v, size_t vlen, void *arg );

static int
kv_parse( const char *s, size_t len, const char *const keys[], int nkeys,
	kv_cb *cb, void *arg, const char **why )
{
	unsigned seen = 0;
	size_t i = 0;

	/* A control that is present always says something: an absent or
	 * empty value is refused here, never read as "all defaults" (that
	 * would turn a value slapd's frontend dropped, e.g. one that was not
	 * a primitive OCTET STRING, into "now"). */
	if ( !s ) { *why = "no value"; return -1; }
	while ( i < len && ( s[i] == ' ' ) ) i++;
	if ( i == len ) { *why = "empty value"; return -1; }
	while ( i < len ) {
		size_t ks = i, ke, vs, ve;
		int which = -1;
		while ( i < len && s[i] != '=' && s[i] != ';' ) i++;
		if ( i == len || s[i] != '=' ) { *why = "expected key=value"; return -1; }
		ke = i;
		while ( ke > ks && s[ke - 1] == ' ' ) ke--;
		while ( ks < ke && s[ks] == ' ' ) ks++;
		for ( int k = 0; k < nkeys; k++ ) {
			if ( strlen( keys[k] ) == ke - ks &&
				strncasecmp( keys[k], s + ks, ke - ks ) == 0 ) {
				which = k;
				break;
			}
		}
		if ( which < 0 ) { *why = "unknown key"; return -1; }
		if ( seen & ( 1u << which ) ) { *why = "key given twice"; return -1; }
		seen |= 1u << which;
		vs = ++i;
		while ( i < len && s[i] != ';' ) i++;
		ve = i;
		while ( vs < ve && s[vs] == ' ' ) vs++;
		while ( ve > vs && s[ve - 1] == ' ' ) ve--;
		if ( cb( which, s + vs, ve - vs, arg ) ) {
			*why = "malformed GeneralizedTime";
			return -1;
		}
		if ( i < len ) {
			i++;	/* ';' */
			if ( i == len ) { *why = "trailing ';'"; return -1; }
		}
	}
	return 0;
}

static int
time_or_infinity( const char *v, size_t vlen, bt_time *t, int allow_inf )
{
	if ( allow_inf && vlen == 8 && strncasecmp( v, "infinity", 8 ) == 0 ) {
		*t = BT_INFINITY;
		return 0;
	}
	return bt_time_parse( v, vlen, t );
}

static int
validity_cb( int which, const char *v, size_t vlen, void *arg )
{
	bt_validity *out = arg;
	if ( which == 0 ) {
		out->has_from = 1;
		return bt_time_parse( v, vlen, &out->period.from );
	}
	out->has_to = 1;
	return time_or_infinity( v, vlen, &out->period.to, 1 );
}

int
bt_validity_parse( const char *s, size_t len, bt_time now,
	bt_validity *out, const char **why )
{
	static const char *const keys[] = { "validFrom", "validTo" };
	out->period.from = now;
	out->period.to = BT_INFINITY;
	out->has_from = out->has_to = 0;
	return kv_parse( s, len, keys, 2, validity_cb, out, why );
}

static int
asof_cb( int which, const char *v, size_t vlen, void *arg )
{
	bt_asof *out = arg;
	return bt_time_parse( v, vlen, which == 0 ? &out->valid_at : &out->known_at );
}

int
bt_asof_parse( const char *s, size_t len, bt_time now,
	bt_asof *out, const char **why )
{
	static const char *const keys[] = { "validAt", "knownAt" };
	out->valid_at = now;
	out->known_at = now;
	return kv_parse( s, len, keys, 2, asof_cb, out, why );
}
