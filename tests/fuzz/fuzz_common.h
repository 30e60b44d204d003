/* fuzz_common.h - shared by modir's libFuzzer targets (tests/fuzz/run.sh). */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A property of the code under test does not hold: say which and abort,
 * so that libFuzzer keeps the input as a crash file. */
#define FUZZ_ASSERT( cond ) do { \
	if ( !( cond ) ) { \
		fprintf( stderr, "%s:%d: property failed: %s\n", \
			__FILE__, __LINE__, #cond ); \
		abort(); \
	} \
} while ( 0 )

/* The input in a buffer of exactly its size, without a NUL: with ASan a
 * read beyond len is a heap-buffer-overflow.  (malloc(0) may return NULL,
 * or a pointer to nothing; either is fine for len 0, but keep it
 * non-NULL so "NULL value" is tested on purpose only.) */
static inline char *
fuzz_copy( const uint8_t *data, size_t size )
{
	char *s = malloc( size ? size : 1 );
	if ( !s ) abort();
	if ( size ) memcpy( s, data, size );
	return s;
}



#include "bt_time.h"

/* The messages bt_time.h promises in *why. */
static inline int
fuzz_known_why( const char *why )
{
	static const char *const msgs[] = { "no value", "empty value",
		"expected key=value", "unknown key", "key given twice",
		"trailing ';'", "malformed GeneralizedTime" };
	if ( !why ) return 0;
	for ( size_t i = 0; i < sizeof( msgs ) / sizeof( msgs[0] ); i++ )
		if ( strcmp( why, msgs[i] ) == 0 ) return 1;
	return 0;
}

/* Two "now"s for every input: one an ordinary instant, one that
 * bt_time_parse() can never return (above BT_TIME_MAX), so a field that
 * took its default is told apart from one the value set. */
#define FUZZ_NOW1 INT64_C(1704067200)		/* 20240101000000Z */
#define FUZZ_NOW2 BT_KNOWN_NOW

static inline int
fuzz_in_range( bt_time t )
{
	return t >= BT_TIME_MIN && t <= BT_TIME_MAX;
}
#endif
