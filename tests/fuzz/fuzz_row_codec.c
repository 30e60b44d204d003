/* fuzz_row_codec.c - libFuzzer target for the history's stored form
 * (overlay/bitemporal/bt_codec.h) on arbitrary stored bytes.
 *
 * Input: one selector byte (taken modulo 5), then the stored bytes of
 *   0 a modir_bt_versions value (a row of format 1, 2 or 3),
 *   1 a modir_bt_versions key,
 *   2 a modir_bt_names or modir_bt_refs key,
 *   3 a modir_bt_due key,
 *   4 a names or refs value (a uuid).
 * The seed corpus (corpus/fuzz_row_codec/) holds such bytes taken from the
 * tables of test slapds; the format-1 seeds are real format-2 rows stored
 * plain (no test entry is small enough not to compress).
 *
 * Properties beyond "no crash":
 *  - the input is never read beyond its size (exactly-sized heap copy,
 *    ASan), and a decoder refuses with MDB_CORRUPTED, nothing else;
 *  - whatever decodes re-encodes to exactly the input bytes.  The
 *    canonical form is the stored form itself: a format-2 row re-encodes
 *    with its zlib stream as stored (zlib's output depends on its
 *    parameters and version, so a stream is never recomputed to compare);
 *  - a row of format 1 or 2 whose snapshot reads (copied or inflated,
 *    then bt_snapshot_check()ed): deflating that snapshot again gives a
 *    row that reads back to the same snapshot, and so does the snapshot
 *    stored plain;
 *  - the stated plain length of a format-2 row that reads is exactly what
 *    its stream inflates to.
 */
#include "bt_codec.h"
#include "fuzz_common.h"

static bt_zstreams *fz;		/* one per process, as bt_store.c keeps one per thread */

/* v re-encodes to the n bytes at p */
static void
same_bytes( const bt_vval *v, const unsigned char *p, size_t n )
{
	size_t size = 0;
	unsigned char *out;

	FUZZ_ASSERT( bt_vval_size( v, &size ) == 0 );
	FUZZ_ASSERT( size == n );
	out = malloc( size ? size : 1 );
	FUZZ_ASSERT( bt_vval_encode( v, out ) == 0 );
	FUZZ_ASSERT( memcmp( out, p, n ) == 0 );
	free( out );
}

/* A row with v's header and snapshot (plain bytes), stored as format,
 * reads back to the same snapshot. */
static void
reads_back( const bt_vval *v, const unsigned char *snap, size_t slen,
	const unsigned char *zs, size_t zlen )
{
	bt_vval w = *v, d;
	unsigned char *enc, *back;
	size_t size;
	MDB_val val;

	if ( zs ) {
		w.format = BT_ROW_DEFLATE_DICT;
		w.body = zs;
		w.body_len = zlen;
	} else {
		w.format = BT_ROW_PLAIN;
		w.body = snap;
		w.body_len = slen;
	}
	w.plain_len = slen;
	FUZZ_ASSERT( bt_vval_size( &w, &size ) == 0 );
	enc = malloc( size );
	FUZZ_ASSERT( bt_vval_encode( &w, enc ) == 0 );
	val.mv_data = enc;
	val.mv_size = size;
	FUZZ_ASSERT( bt_vval_decode( &val, &d ) == 0 );
	FUZZ_ASSERT( d.plain_len == slen );
	back = malloc( slen + 1 );
	FUZZ_ASSERT( bt_vval_snapshot( fz, &d, back ) == 0 );
	FUZZ_ASSERT( memcmp( back, snap, slen ) == 0 );
	free( back );
	free( enc );
}

static void
row( const unsigned char *p, size_t n )
{
	MDB_val val = { n, (void *)p };
	bt_vval v;
	unsigned char *snap, *zs;
	size_t zlen = 0;
	int rc;

	rc = bt_vval_decode( &val, &v );
	FUZZ_ASSERT( rc == 0 || rc == MDB_CORRUPTED );
	if ( rc ) return;
	FUZZ_ASSERT( v.head_len == BT_VV_HDR_LEN + v.actor_len + v.changed_len && v.head_len <= n );
	same_bytes( &v, p, n );
	if ( v.format == BT_ROW_SAME ) return;

	snap = malloc( v.plain_len + 1 );
	rc = bt_vval_snapshot( fz, &v, snap );
	FUZZ_ASSERT( rc == 0 || rc == MDB_CORRUPTED );
	if ( rc == 0 ) {
		FUZZ_ASSERT( bt_snapshot_check( snap, v.plain_len ) == 0 );
		reads_back( &v, snap, v.plain_len, NULL, 0 );
		zs = malloc( v.plain_len ? v.plain_len : 1 );
		FUZZ_ASSERT( bt_deflate( fz, snap, v.plain_len, zs, &zlen ) == 0 );
		if ( zlen ) reads_back( &v, snap, v.plain_len, zs, zlen );
		free( zs );
	}
	free( snap );
}

int
LLVMFuzzerTestOneInput( const uint8_t *data, size_t size )
{
	unsigned char *p;
	size_t n;
	MDB_val in;
	int rc;

	if ( !fz ) fz = bt_zstreams_new();
	FUZZ_ASSERT( fz != NULL );
	if ( size < 1 ) return 0;
	n = size - 1;
	p = (unsigned char *)fuzz_copy( data + 1, n );
	in.mv_data = p;
	in.mv_size = n;

	switch ( data[0] % 5 ) {
	case 0:
		row( p, n );
		break;
	case 1: {
		bt_vkey k;
		unsigned char out[BT_VK_LEN];
		rc = bt_vkey_decode( &in, &k );
		FUZZ_ASSERT( rc == 0 || rc == MDB_CORRUPTED );
		FUZZ_ASSERT( ( rc == 0 ) == ( n == BT_VK_LEN ) );
		if ( rc == 0 ) {
			bt_vkey_encode( &k, out );
			FUZZ_ASSERT( memcmp( out, p, n ) == 0 );
		}
		break;
	}
	case 2: {
		bt_uuid u;
		const char *name = NULL;
		size_t len = 0, klen;
		unsigned char out[BT_NK_MAX];
		rc = bt_nkey_decode( &in, &u, &name, &len );
		FUZZ_ASSERT( rc == 0 || rc == MDB_CORRUPTED );
		FUZZ_ASSERT( ( rc == 0 ) == ( n >= BT_NK_NAME && n <= BT_NK_MAX ) );
		if ( rc == 0 ) {
			FUZZ_ASSERT( name == (const char *)p + BT_NK_NAME && len == n - BT_NK_NAME );
			klen = bt_nkey_encode( &u, name, len, out );
			FUZZ_ASSERT( klen == n && memcmp( out, p, n ) == 0 );
		}
		break;
	}
	case 3: {
		bt_time t;
		bt_uuid u;
		unsigned char out[BT_DK_LEN];
		rc = bt_dkey_decode( &in, &t, &u );
		FUZZ_ASSERT( rc == 0 || rc == MDB_CORRUPTED );
		FUZZ_ASSERT( ( rc == 0 ) == ( n == BT_DK_LEN ) );
		if ( rc == 0 ) {
			bt_dkey_encode( t, &u, out );
			FUZZ_ASSERT( memcmp( out, p, n ) == 0 );
		}
		break;
	}
	case 4: {
		bt_uuid u;
		rc = bt_uuid_decode( &in, &u );
		FUZZ_ASSERT( rc == 0 || rc == MDB_CORRUPTED );
		FUZZ_ASSERT( ( rc == 0 ) == ( n == BT_UUID_LEN ) );
		if ( rc == 0 ) FUZZ_ASSERT( memcmp( u.u, p, n ) == 0 );
		break;
	}
	}
	free( p );
	return 0;
}
