/* oio_build.h - what the oio unit tests and tests/bench/derive-bench.c
 * use to build models by hand: entryUUIDs numbered plainly, objects added
 * and given their inputs through the model's own calls (so that a model
 * that tracks what changes reach, oio_depend.c, marks them as the live
 * one does).  Header-only: each program is one file.
 */
#ifndef MODIR_OIO_BUILD_H
#define MODIR_OIO_BUILD_H

#include <stdint.h>
#include <string.h>

#include "oio_model.h"
#include "prng.h"

/* 00000000-0000-4000-8000-0000NNNNNNNN: their order is n's (the rules'
 * tie-breaker), their strings plain to read */
static inline bt_uuid
oio_build_uid( unsigned n )
{
	bt_uuid u;

	memset( &u, 0, sizeof( u ) );
	u.u[6] = 0x40;
	u.u[8] = 0x80;
	u.u[12] = ( n >> 24 ) & 0xff;
	u.u[13] = ( n >> 16 ) & 0xff;
	u.u[14] = ( n >> 8 ) & 0xff;
	u.u[15] = n & 0xff;
	return u;
}

/* A new object numbered n, named dn (normalized: ndn); NULL when the
 * model cannot take it. */
static inline oio_obj *
oio_build_add( oio_model *m, unsigned n, const char *dn, const char *ndn )
{
	struct berval d, nd;
	bt_uuid u = oio_build_uid( n );

	ber_str2bv( dn, 0, 0, &d );
	ber_str2bv( ndn, 0, 0, &nd );
	return oio_model_add( m, &u, &d, &nd );
}

/* o takes kind, the references and flags of in, and the strings given
 * (NULL: none), as oio_entry.c sets them; 0, or -1 (out of memory) */
static inline int
oio_build_inputs( oio_model *m, oio_obj *o, oio_kind kind, const oio_obj *in,
	const char *name, const char *key, const char *scope, const char *value )
{
	struct berval b[4], *s[4] = { NULL, NULL, NULL, NULL };
	const char *v[4] = { name, key, scope, value };
	int i;

	for ( i = 0; i < 4; i++ )
		if ( v[i] ) s[i] = ber_str2bv( v[i], 0, 0, &b[i] );
	return oio_model_set_inputs( m, o, kind, in, s );
}

#endif /* MODIR_OIO_BUILD_H */
