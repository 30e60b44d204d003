/* modir_config.c - the slapd side of both overlays' directive values: a
 * config handler's argument parsed by its directive's rules
 * (modir_config_value.h), a refusal turned into the reason that slaptest
 * prints and a refused cn=config modify returns as its text, a value
 * written back in the form cn=config stores.
 */
#include "portable.h"

#include <stdarg.h>
#include <ac/string.h>

#include "slap.h"
#include "slap-config.h"

#include "modir.h"
#include "modir_config_value.h"

int
modir_cf_refuse( ConfigArgs *c, const char *fmt, ... )
{
	va_list ap;
	int n;

	n = snprintf( c->cr_msg, sizeof( c->cr_msg ), "<%s> ", c->argv[0] );
	if ( n < 0 || (size_t)n >= sizeof( c->cr_msg ) ) n = 0;
	va_start( ap, fmt );
	vsnprintf( c->cr_msg + n, sizeof( c->cr_msg ) - n, fmt, ap );
	va_end( ap );
	Debug( LDAP_DEBUG_ANY, "%s: %s\n", c->log, c->cr_msg );
	return ARG_BAD_CONF;
}

int
modir_cf_value( ConfigArgs *c, int directive, unsigned long long *out )
{
	const modir_cv_spec *sp = &modir_cv_specs[directive];
	const char *arg = c->argc > 1 ? c->argv[1] : "";
	const char *why = modir_cv_parse( sp, arg, strlen( arg ), out );
	char expected[96];

	if ( !why ) return 0;
	modir_cv_expected( sp, expected, sizeof( expected ) );
	/* the value as given, cut short: the reason must fit */
	return modir_cf_refuse( c, "invalid value \"%.64s%s\": %s; expected %s",
		arg, strlen( arg ) > 64 ? "..." : "", why, expected );
}

int
modir_cf_emit( ConfigArgs *c, int directive, unsigned long long v )
{
	char buf[32];
	struct berval bv;

	bv.bv_val = buf;
	bv.bv_len = modir_cv_emit( &modir_cv_specs[directive], v, buf, sizeof( buf ) );
	if ( bv.bv_len == 0 || bv.bv_len >= sizeof( buf ) ) return 1;
	return value_add_one( &c->rvalue_vals, &bv );
}
