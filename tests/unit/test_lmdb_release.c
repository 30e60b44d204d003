/* test_lmdb_release.c - giving back the pages LMDB keeps after a write
 * (overlay/lmdb_embedded.h, modir_mdb_release_free_pages): a large write
 * transaction leaves its dirtied pages on the environment's list for good;
 * the call frees all but the first keep of them, only inside a write
 * transaction, and the environment writes and reads the same afterwards;
 * and what a write transaction holds dirty (modir_mdb_txn_dirty_bytes).
 */
#include "lmdb_embedded.h"
#include "tap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ROWS 20000

/* key i: its number scattered (a large prime times i), so that the rows
 * of one transaction land on many pages, as the history's do */
static void
key_of( uint32_t i, unsigned char k[8] )
{
	uint64_t x = (uint64_t)i * 2654435761u;
	memcpy( k, &x, sizeof( x ) );
}

static int
write_rows( MDB_env *env, MDB_dbi dbi, uint32_t from, uint32_t n, unsigned char fill )
{
	MDB_txn *txn;
	unsigned char k[8], v[100];
	MDB_val key = { sizeof( k ), k }, val = { sizeof( v ), v };
	uint32_t i;
	int rc;

	if ( ( rc = mdb_txn_begin( env, NULL, 0, &txn ) ) ) return rc;
	memset( v, fill, sizeof( v ) );
	for ( i = from; i < from + n && !rc; i++ ) {
		key_of( i, k );
		memcpy( v, &i, sizeof( i ) );
		rc = mdb_put( txn, dbi, &key, &val, 0 );
	}
	if ( rc ) {
		mdb_txn_abort( txn );
		return rc;
	}
	return mdb_txn_commit( txn );
}

/* frees in a write transaction of its own; (size_t)-1 if none begins */
static size_t
release( MDB_env *env, size_t keep )
{
	MDB_txn *txn;
	size_t n;

	if ( mdb_txn_begin( env, NULL, 0, &txn ) ) return (size_t)-1;
	n = modir_mdb_release_free_pages( txn, keep );
	mdb_txn_abort( txn );
	return n;
}

/* every row from 0 to n has the value write_rows gave it */
static int
rows_intact( MDB_env *env, MDB_dbi dbi, uint32_t n, unsigned char fill )
{
	MDB_txn *txn;
	unsigned char k[8];
	MDB_val key = { sizeof( k ), k }, val;
	uint32_t i, got;
	int bad = 0;

	if ( mdb_txn_begin( env, NULL, MDB_RDONLY, &txn ) ) return 0;
	for ( i = 0; i < n && !bad; i++ ) {
		key_of( i, k );
		if ( mdb_get( txn, dbi, &key, &val ) || val.mv_size != 100 ) {
			bad = 1;
			break;
		}
		memcpy( &got, val.mv_data, sizeof( got ) );
		bad = got != i || ( (unsigned char *)val.mv_data )[99] != fill;
	}
	mdb_txn_abort( txn );
	return !bad;
}

int
main( void )
{
	char dir[] = "/tmp/test_lmdb_release.XXXXXX", path[64];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	size_t first, n;

	if ( !mkdtemp( dir ) ) return 99;
	if ( mdb_env_create( &env ) || mdb_env_set_mapsize( env, 256u << 20 ) ||
		mdb_env_set_maxdbs( env, 2 ) || mdb_env_open( env, dir, MDB_NOSYNC, 0600 ) ) {
		printf( "Bail out! cannot open an environment in %s\n", dir );
		return 99;
	}
	mdb_txn_begin( env, NULL, 0, &txn );
	mdb_dbi_open( txn, "rows", MDB_CREATE, &dbi );
	mdb_txn_commit( txn );

	is_int( write_rows( env, dbi, 0, ROWS, 'a' ), 0, "a write of %d rows at scattered keys", ROWS );
	first = release( env, 0 );
	ok( first != (size_t)-1 && first >= ROWS * 100 / 4096,
		"the pages it dirtied are kept after its commit and freed on request (%zu)", first );
	is_int( release( env, 0 ), 0, "nothing is left to free after that" );

	is_int( write_rows( env, dbi, 0, ROWS, 'b' ), 0, "a second large write over the same rows" );
	n = release( env, 100 );
	ok( n != (size_t)-1 && n > 0, "freeing keeps the first 100 pages (%zu freed)", n );
	is_int( release( env, 0 ), 100, "the 100 kept are there for the next writes" );
	ok( rows_intact( env, dbi, ROWS, 'b' ), "every row reads as written after the pages were freed" );

	is_int( write_rows( env, dbi, ROWS, 1000, 'b' ), 0, "writes go on after the list was emptied" );
	ok( rows_intact( env, dbi, ROWS + 1000, 'b' ), "and read back the same" );

	{
		/* what a transaction holds dirty grows with what it writes */
		unsigned char k[8], v[100] = { 0 };
		MDB_val key = { sizeof( k ), k }, val = { sizeof( v ), v };
		size_t before, after;
		uint32_t i;
		mdb_txn_begin( env, NULL, 0, &txn );
		before = modir_mdb_txn_dirty_bytes( txn );
		for ( i = 0; i < 5000; i++ ) {
			key_of( ROWS + 5000 + i, k );
			mdb_put( txn, dbi, &key, &val, 0 );
		}
		after = modir_mdb_txn_dirty_bytes( txn );
		ok( before == 0 && after >= 5000 * 100 && after % 4096 == 0,
			"a write transaction's dirty bytes: %zu before its puts, %zu after 5,000 rows", before, after );
		mdb_txn_abort( txn );
	}
	mdb_txn_begin( env, NULL, MDB_RDONLY, &txn );
	is_int( modir_mdb_txn_dirty_bytes( txn ), 0, "a read-only transaction holds nothing dirty" );
	is_int( modir_mdb_release_free_pages( txn, 0 ), 0,
		"a read-only transaction frees nothing (it does not exclude writers)" );
	mdb_txn_abort( txn );
	is_int( modir_mdb_release_free_pages( NULL, 0 ), 0, "nor does no transaction" );
	is_int( modir_mdb_txn_rdonly( NULL ), 0, "no transaction is not a read-only one" );

	mdb_env_close( env );
	snprintf( path, sizeof( path ), "%s/data.mdb", dir );
	unlink( path );
	snprintf( path, sizeof( path ), "%s/lock.mdb", dir );
	unlink( path );
	rmdir( dir );
	return tap_done();
}
