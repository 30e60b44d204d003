/* modir_config_value.h - the values of both overlays' configuration
 * directives: what each accepts, the reason it refuses the rest, and the
 * form slapd writes back (cn=config, slaptest -f ... -F ...).
 *
 * Pure C, no slapd symbols: unit-tested (tests/unit/test_config_value.c)
 * and fuzzed (tests/fuzz/fuzz_config_value.c) on its own.  The config
 * handlers (bitemporal.c, oio.c) reach it through modir_cf_value() and
 * modir_cf_emit() (modir_config.c), which turn a refusal into the message
 * slaptest prints and the text a refused cn=config modify returns.  The
 * same handler runs for slapd.conf, slaptest and cn=config, so slaptest
 * refuses exactly what slapd would refuse at start.
 *
 * A value is accepted only in full: no default for what is malformed, no
 * sign, blank, suffix, trailing byte or second base (slapd's own numeric
 * directives read "010" as 8 and "0x40" as 64; these read neither).
 *
 * Not here: bitemporal-subtree, a DN, which slapd parses and normalizes
 * (ARG_DN; dnPrettyNormal needs the schema's matching rules); its handler
 * refuses one that is not within the database suffix.
 */
#ifndef MODIR_CONFIG_VALUE_H
#define MODIR_CONFIG_VALUE_H

#include <stddef.h>

typedef enum modir_cv_kind {
	MODIR_CV_COUNT,		/* a whole number in [min, max]: decimal digits, no
						 * leading zero but "0" itself */
	MODIR_CV_KEYWORD,	/* one of names[], in any case; the value is its index */
	MODIR_CV_BOOL,		/* on|off, true|false, yes|no in any case (as slapd's
						 * own on|off directives); 1 or 0 */
	MODIR_CV_NAME		/* a schema name (RFC 4512): a descr (a letter, then
						 * letters, digits, '-') or a numericoid; the value is
						 * the text itself, which the caller looks up */
} modir_cv_kind;

typedef struct modir_cv_spec {
	const char *directive;		/* the slapd.conf keyword */
	const char *attribute;		/* its cn=config attribute */
	modir_cv_kind kind;
	unsigned long long min, max;	/* COUNT: the range, both included */
	const char *unit;			/* COUNT: what is counted ("writes") */
	const char *const *names;	/* KEYWORD: the values, NULL-terminated */
} modir_cv_spec;

/* Every directive value of both overlays (modir_cv_specs[] is indexed by
 * these); the handlers name theirs, the tests and the fuzz target walk
 * them all. */
enum {
	MODIR_CV_BT_OBJECTCLASS = 0,		/* bitemporal-objectclass: NAME */
	MODIR_CV_BT_GROUP_COMMIT,		/* bitemporal-group-commit: COUNT 1..INT_MAX */
	MODIR_CV_BT_PAST_ACCESS,		/* bitemporal-past-access: manage|write */
	MODIR_CV_BT_CACHE_SIZE,			/* bitemporal-cache-size: COUNT 0..SIZE_MAX */
	MODIR_CV_OIO_INTERNAL_ADDRESSES,	/* oio-internal-addresses: BOOL */
	MODIR_CV_OIO_TERMINATED_MANAGERS,	/* oio-terminated-managers: terminate|vacate */
	MODIR_CV_N
};
extern const modir_cv_spec modir_cv_specs[MODIR_CV_N];

/* KEYWORD values: the index of the name in names[] */
#define MODIR_CV_PAST_MANAGE		0
#define MODIR_CV_PAST_WRITE			1
#define MODIR_CV_MANAGERS_TERMINATE	0
#define MODIR_CV_MANAGERS_VACATE	1

/* Parses the value s[0..len) (need not be NUL-terminated; never read
 * beyond len; s may be NULL only with len 0) by sp.  Returns NULL and sets
 * *out (COUNT: the number; KEYWORD: the index; BOOL: 1 or 0; NAME: 0), or
 * returns one of these static reasons and leaves *out alone:
 *   "empty value", "not a decimal number", "leading zero", "out of range",
 *   "unknown value", "malformed name". */
const char *modir_cv_parse( const modir_cv_spec *sp, const char *s, size_t len,
	unsigned long long *out );

/* Writes the form slapd stores for the value v (as modir_cv_parse() set
 * it) into buf (NUL-terminated, truncated to size) and returns its length,
 * as snprintf() does.  COUNT: decimal; KEYWORD: the name in lower case;
 * BOOL: TRUE or FALSE (the cn=config Boolean syntax).  NAME values are
 * written back by the caller (slapd's canonical name of the class);
 * here they write nothing and return 0.  modir_cv_parse() accepts what
 * this writes and gives v again. */
size_t modir_cv_emit( const modir_cv_spec *sp, unsigned long long v, char *buf, size_t size );

/* What sp accepts, for the text of a refusal: "manage or write", "a number
 * of bytes from 0 to 18446744073709551615".  Written into buf as by
 * modir_cv_emit(). */
size_t modir_cv_expected( const modir_cv_spec *sp, char *buf, size_t size );

#endif /* MODIR_CONFIG_VALUE_H */
