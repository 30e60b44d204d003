/* bt_time.h - instants, half-open periods and the text of modir's controls.
 *
 * Pure C, no slapd symbols: unit-tested on its own (tests/unit).
 *
 * An instant is whole seconds since the epoch, UTC.  Periods are half-open
 * [from, to), as in SQL:2011 and OS2mo GraphQL >= v29; an open end is
 * BT_INFINITY (and an open start BT_NEG_INFINITY).
 */
#ifndef BT_TIME_H
#define BT_TIME_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t bt_time;

#define BT_NEG_INFINITY  INT64_MIN
#define BT_INFINITY      INT64_MAX
/* "as known now": later than every registration, yet not the open end of
 * a registration period (BT_INFINITY), so a view at it sees exactly the
 * registrations that are current */
#define BT_KNOWN_NOW     ( BT_INFINITY - 1 )

/* "YYYYMMDDHHMMSSZ" plus NUL */
#define BT_TIME_BUFSZ 16

/* The finite instants GeneralizedTime can write with a four-digit year:
 * 00010101000000Z .. 99991231235959Z. */
#define BT_TIME_MIN  INT64_C(-62135596800)
#define BT_TIME_MAX  INT64_C(253402300799)

typedef struct bt_period {
	bt_time from;	/* included */
	bt_time to;		/* excluded; BT_INFINITY if open */
} bt_period;

/* GeneralizedTime (RFC 4517) -> instant.  Accepts YYYYMMDDHH[MM[SS]][.f]
 * followed by Z or +hh[mm]/-hh[mm] (a zone is mandatory); fractions are
 * truncated to the second, and a leap second (:60) is read as :59 of its
 * minute.  The result lies within [BT_TIME_MIN, BT_TIME_MAX], so that
 * bt_time_format() writes it back exactly.  s need not be NUL-terminated
 * and is never read beyond len.  Returns 0, or -1 (and *out untouched) for
 * NULL, len 0, anything malformed or out of range. */
int bt_time_parse( const char *s, size_t len, bt_time *out );

/* instant -> "YYYYMMDDHHMMSSZ"; returns the length (15).  Infinite
 * instants are written as "infinity" / "-infinity" (and so, for want of
 * a GeneralizedTime, are finite ones outside [BT_TIME_MIN, BT_TIME_MAX],
 * which bt_time_parse() never returns). */
size_t bt_time_format( bt_time t, char buf[BT_TIME_BUFSZ] );

/* Order-preserving 8-byte big-endian key encoding of an instant. */
void bt_time_put_key( bt_time t, unsigned char key[8] );
bt_time bt_time_get_key( const unsigned char key[8] );

static inline int bt_period_is_valid( bt_period p ) { return p.from < p.to; }
static inline int bt_period_contains( bt_period p, bt_time t )
{ return p.from <= t && t < p.to; }
static inline int bt_period_overlaps( bt_period a, bt_period b )
{ return a.from < b.to && b.from < a.to; }
/* The common part of a and b; empty (from >= to) when they do not overlap. */
bt_period bt_period_intersect( bt_period a, bt_period b );

/* Splits p at the boundaries of cut: up to three pieces, in order, the
 * middle one (if any) being p ∩ cut.  Returns the number of pieces and
 * sets *inside to the index of the piece inside cut, or -1. */
int bt_period_split( bt_period p, bt_period cut, bt_period out[3], int *inside );

/* The control values below are text, parsed by these functions from the
 * bytes the client sent (s need not be NUL-terminated and is never read
 * beyond len).  A control that is present must say something: s == NULL
 * (the value was absent, or slapd's frontend dropped it because it was not
 * a primitive OCTET STRING), len 0 and a value of blanks only are refused
 * like any malformed value.  No value ever means "now": to write or read
 * as of now, a client sends no control at all.  On error *why is set to a
 * static message naming what is wrong ("no value", "empty value",
 * "expected key=value", "unknown key", "key given twice", "trailing ';'",
 * "malformed GeneralizedTime"); the caller answers protocolError (2). */

/* Value of the validity control: "validFrom=<GT>[;validTo=<GT>]", at
 * least one of the two, keys case-insensitive, each at most once, in any
 * order, blanks around keys and values ignored.  A missing validFrom
 * defaults to now, a missing validTo (or validTo=infinity) to BT_INFINITY.
 * Returns 0, or -1 with *why set. */
typedef struct bt_validity {
	bt_period period;
	int has_from, has_to;
} bt_validity;
int bt_validity_parse( const char *s, size_t len, bt_time now,
	bt_validity *out, const char **why );

/* Value of the as-of control: "validAt=<GT>[;knownAt=<GT>]", at least one
 * of the two, same rules; a missing one defaults to now.  Returns 0, or -1
 * with *why set. */
typedef struct bt_asof {
	bt_time valid_at;
	bt_time known_at;
} bt_asof;
int bt_asof_parse( const char *s, size_t len, bt_time now,
	bt_asof *out, const char **why );

#endif /* BT_TIME_H */
