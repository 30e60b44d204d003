/* test_bt_codec.c - unit tests for the history's stored form (bt_codec.h):
 * round trips of every key and row format, the zlib streams, and that
 * stored bytes which do not decode are refused (truncated at every byte,
 * every length field corrupted, unknown format and op bytes), never read
 * past.  Each decode reads from a heap copy of exactly the bytes given, so
 * a sanitizer build reports any read beyond them. */
#include "bt_codec.h"
#include "bt_lz.h"
#include "tap.h"

#include <errno.h>
#include <zlib.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* A snapshot as slapd's entry_encode() writes it (its lengths as
 * entry_putlen writes them), built by hand. */
typedef struct sbuf { unsigned char *p; size_t n, max; } sbuf;

static void
sb_put( sbuf *b, const void *d, size_t n )
{
	if ( b->n + n > b->max ) {
		b->max = ( b->n + n ) * 2;
		b->p = realloc( b->p, b->max );
	}
	memcpy( b->p + b->n, d, n );
	b->n += n;
}

static void
sb_len( sbuf *b, size_t len )
{
	unsigned char t[5];
	int n = len < 0x80 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : len < 0x1000000 ? 4 : 5;

	if ( n == 1 ) {
		t[0] = len;
	} else {
		t[0] = 0x80 | ( n - 1 );
		for ( int i = n - 1; i > 0; i-- ) { t[i] = len & 0xff; len >>= 8; }
	}
	sb_put( b, t, n );
}

static void
sb_field( sbuf *b, const char *s, size_t n )
{
	sb_len( b, n );
	sb_put( b, s, n );
	sb_put( b, "", 1 );
}

/* An entry: dn, then attributes name=value (one value each; normalized
 * values for those flagged), repeated reps times with a counter so that
 * the snapshot is as large as wanted. */
static sbuf
snapshot( int reps, size_t biglen )
{
	sbuf b = { 0 }, body = { 0 };
	int nattrs = 0, nvals = 0;
	char name[32], val[64];
	char *big = NULL;

	sb_field( &body, "cn=Anna,ou=people,dc=kommune,dc=dk", 34 );
	sb_field( &body, "cn=anna,ou=people,dc=kommune,dc=dk", 34 );
	for ( int i = 0; i < reps; i++ ) {
		int n = snprintf( name, sizeof( name ), "attr%d", i );
		int m = snprintf( val, sizeof( val ), "value number %d of the entry", i );
		sb_field( &body, name, n );
		sb_len( &body, 1 );
		sb_field( &body, val, m );
		if ( i % 2 ) {		/* distinct normalized values */
			sb_len( &body, 1 );
			sb_field( &body, val, m );
			nvals += 3;	/* the value, its end, the normalized one, its end */
		} else {
			sb_len( &body, 0 );
			nvals += 1;	/* the value; its end below */
		}
		nattrs++;
		nvals += 1;
	}
	if ( biglen ) {		/* one long value: multi-byte lengths */
		big = malloc( biglen );
		for ( size_t i = 0; i < biglen; i++ ) big[i] = 'a' + ( i * 7 + i / 13 ) % 26;
		sb_field( &body, "description", 11 );
		sb_len( &body, 1 );
		sb_field( &body, big, biglen );
		sb_len( &body, 0 );
		nattrs++;
		nvals += 2;
		free( big );
	}
	sb_len( &b, nattrs );
	sb_len( &b, nvals );
	sb_put( &b, body.p, body.n );
	free( body.p );
	return b;
}

/* A heap copy of exactly n bytes (n 0: a 1-byte block, still not read) */
static unsigned char *
dup_exact( const void *p, size_t n )
{
	unsigned char *d = malloc( n ? n : 1 );
	if ( n ) memcpy( d, p, n );
	return d;
}

static bt_uuid
U( int seed )
{
	bt_uuid u;
	for ( int i = 0; i < BT_UUID_LEN; i++ ) u.u[i] = seed * 31 + i * 7;
	return u;
}

/* Encodes v into a fresh buffer; *n its size. */
static unsigned char *
encode( const bt_vval *v, size_t *n )
{
	unsigned char *out;
	if ( bt_vval_size( v, n ) ) return NULL;
	out = malloc( *n );
	if ( bt_vval_encode( v, out ) ) { free( out ); return NULL; }
	return out;
}

/* Reads a stored value the way bt_store.c does, short of following a
 * format-3 reference: decode, then the snapshot (inflated, checked).
 * Returns 0 or the first error; the bytes are copied to an exact block. */
static int
read_value( bt_zstreams *z, const unsigned char *p, size_t n, bt_vval *v )
{
	unsigned char *d = dup_exact( p, n );
	MDB_val val = { n, d };
	int rc = bt_vval_decode( &val, v );

	if ( !rc && v->format != BT_ROW_SAME ) {
		unsigned char *snap = malloc( v->plain_len + 1 );
		rc = bt_vval_snapshot( z, v, snap );
		free( snap );
	}
	free( d );
	return rc;
}

/* ------------------------------------------------------------------ */
static void
test_time_keys( void )
{
	bt_time t[] = { BT_NEG_INFINITY, BT_TIME_MIN, -86400, -1, 0, 1, 255, 256,
		1704067200, BT_TIME_MAX, BT_KNOWN_NOW, BT_INFINITY };
	int n = sizeof( t ) / sizeof( t[0] ), bad = 0;
	unsigned char a[8], b[8];

	for ( int i = 0; i < n; i++ )
		for ( int j = 0; j < n; j++ ) {
			int c;
			bt_time_put_key( t[i], a );
			bt_time_put_key( t[j], b );
			c = memcmp( a, b, 8 );
			if ( ( c < 0 ) != ( t[i] < t[j] ) || ( c == 0 ) != ( t[i] == t[j] ) ) bad++;
			if ( bt_time_get_key( a ) != t[i] ) bad++;
		}
	is_int( bad, 0, "time keys: byte order is time order, edges included (%d pairs)", n * n );

	srand( 11 );
	bad = 0;
	for ( int i = 0; i < 100000; i++ ) {
		bt_time x = (bt_time)( ( (uint64_t)rand() << 33 ) ^ ( (uint64_t)rand() << 16 ) ^ (uint64_t)rand() );
		bt_time y = (bt_time)( ( (uint64_t)rand() << 33 ) ^ ( (uint64_t)rand() << 16 ) ^ (uint64_t)rand() );
		/* bit 63 set by the first shift: negative ones too */
		bt_time_put_key( x, a );
		bt_time_put_key( y, b );
		int c = memcmp( a, b, 8 );
		if ( ( c < 0 ) != ( x < y ) || ( c == 0 ) != ( x == y ) ) bad++;
	}
	is_int( bad, 0, "time keys: byte order is time order for 100000 random pairs" );

	/* versions keys: (uuid, validFrom, recordedAt, seq) order */
	{
		bt_vkey k[] = {
			{ U( 1 ), -5, 10, 3 }, { U( 1 ), -5, 10, 4 }, { U( 1 ), -5, 11, 0 },
			{ U( 1 ), 0, BT_NEG_INFINITY, 0 }, { U( 1 ), 0, 0, 0xffffffff },
			{ U( 1 ), BT_INFINITY, 0, 0 }, { U( 2 ), BT_NEG_INFINITY, 0, 0 } };
		unsigned char ka[BT_VK_LEN], kb[BT_VK_LEN];
		int m = sizeof( k ) / sizeof( k[0] );
		bad = 0;
		for ( int i = 0; i + 1 < m; i++ ) {
			bt_vkey_encode( &k[i], ka );
			bt_vkey_encode( &k[i + 1], kb );
			if ( memcmp( ka, kb, BT_VK_LEN ) >= 0 ) bad++;
		}
		is_int( bad, 0, "versions keys sort as (uuid, validFrom, recordedAt, seq)" );
	}
	/* due keys: time first */
	{
		unsigned char da[BT_DK_LEN], db[BT_DK_LEN];
		bt_uuid hi = U( 9 ), lo = U( 1 );
		memset( hi.u, 0xff, BT_UUID_LEN );
		memset( lo.u, 0, BT_UUID_LEN );
		bt_dkey_encode( -1, &hi, da );
		bt_dkey_encode( 0, &lo, db );
		ok( memcmp( da, db, BT_DK_LEN ) < 0, "due keys sort by time before uuid" );
	}
}

static void
test_keys( void )
{
	unsigned char kb[BT_VK_LEN + 1], nb[BT_NK_MAX + 1], db[BT_DK_LEN + 1];
	bt_vkey k = { U( 3 ), BT_NEG_INFINITY, BT_INFINITY, 0xfedcba98 }, k2;
	bt_uuid u = U( 4 ), u2;
	bt_time t;
	MDB_val key;
	const char *name;
	size_t len;
	char longname[600];

	bt_vkey_encode( &k, kb );
	key.mv_data = kb;
	key.mv_size = BT_VK_LEN;
	ok( bt_vkey_decode( &key, &k2 ) == 0 && memcmp( &k.uuid, &k2.uuid, BT_UUID_LEN ) == 0 &&
		k2.from == k.from && k2.recorded == k.recorded && k2.seq == k.seq,
		"versions key round trip" );
	ok( kb[BT_VK_SEQ] == 0xfe && kb[BT_VK_SEQ + 3] == 0x98, "seq is big-endian at BT_VK_SEQ" );
	key.mv_size = BT_VK_LEN - 1;
	is_int( bt_vkey_decode( &key, &k2 ), MDB_CORRUPTED, "versions key one byte short refused" );
	key.mv_size = BT_VK_LEN + 1;
	is_int( bt_vkey_decode( &key, &k2 ), MDB_CORRUPTED, "versions key one byte long refused" );
	key.mv_size = 0;
	is_int( bt_vkey_decode( &key, &k2 ), MDB_CORRUPTED, "empty versions key refused" );

	/* names and refs */
	key.mv_data = nb;
	key.mv_size = bt_nkey_encode( &u, "ou=it", 5, nb );
	ok( key.mv_size == BT_NK_NAME + 5 && bt_nkey_decode( &key, &u2, &name, &len ) == 0 &&
		memcmp( &u, &u2, sizeof( u ) ) == 0 && len == 5 && memcmp( name, "ou=it", 5 ) == 0,
		"names key round trip" );
	key.mv_size = bt_nkey_encode( &u, "", 0, nb );
	ok( key.mv_size == BT_NK_NAME && bt_nkey_decode( &key, &u2, &name, &len ) == 0 && len == 0,
		"names key with an empty name (a root's parent) round trip" );
	memset( longname, 'x', sizeof( longname ) );
	/* issue 13: an attribute name over 255 bytes is neither skipped nor
	 * cut below what fits: the refs key holds it whole up to BT_NAME_MAX */
	key.mv_size = bt_nkey_encode( &u, longname, 300, nb );
	ok( key.mv_size == BT_NK_NAME + 300 && bt_nkey_decode( &key, &u2, &name, &len ) == 0 && len == 300,
		"a 300-byte attribute name is kept whole in its refs key" );
	key.mv_size = bt_nkey_encode( &u, longname, sizeof( longname ), nb );
	is_int( key.mv_size, BT_NK_MAX, "a name over BT_NAME_MAX is cut to it" );
	ok( BT_NK_MAX <= 511, "the longest names/refs key fits LMDB's default key size" );
	key.mv_size = BT_NK_MAX + 1;
	is_int( bt_nkey_decode( &key, &u2, &name, &len ), MDB_CORRUPTED, "names key longer than any written refused" );
	key.mv_size = BT_UUID_LEN - 1;
	is_int( bt_nkey_decode( &key, &u2, &name, &len ), MDB_CORRUPTED, "names key shorter than a uuid refused" );

	key.mv_data = u.u;
	key.mv_size = BT_UUID_LEN;
	ok( bt_uuid_decode( &key, &u2 ) == 0 && memcmp( &u, &u2, sizeof( u ) ) == 0, "uuid value round trip" );
	key.mv_size = BT_UUID_LEN - 1;
	is_int( bt_uuid_decode( &key, &u2 ), MDB_CORRUPTED, "uuid value of 15 bytes refused" );
	key.mv_size = BT_UUID_LEN + 1;
	is_int( bt_uuid_decode( &key, &u2 ), MDB_CORRUPTED, "uuid value of 17 bytes refused" );

	/* due */
	bt_dkey_encode( 1704067200, &u, db );
	key.mv_data = db;
	key.mv_size = BT_DK_LEN;
	ok( bt_dkey_decode( &key, &t, &u2 ) == 0 && t == 1704067200 && memcmp( &u, &u2, sizeof( u ) ) == 0,
		"due key round trip" );
	key.mv_size = BT_DK_LEN - 1;
	is_int( bt_dkey_decode( &key, &t, &u2 ), MDB_CORRUPTED, "due key one byte short refused" );
	key.mv_size = BT_DK_LEN + 1;
	is_int( bt_dkey_decode( &key, &t, &u2 ), MDB_CORRUPTED, "due key one byte long refused" );
}

/* The three formats of one version, stored and read back. */
typedef struct rows3 {
	unsigned char *b[3];
	size_t n[3];
} rows3;

static bt_vval
base_row( void )
{
	bt_vval v;
	memset( &v, 0, sizeof( v ) );
	v.op = BT_OP_MODRDN;
	v.to = BT_INFINITY;
	v.superseded = 1704067200;
	v.parent = U( 7 );
	v.actor = "cn=admin,dc=kommune,dc=dk";
	v.actor_len = strlen( v.actor );
	v.changed = "cn sn telephoneNumber";
	v.changed_len = strlen( v.changed );
	return v;
}

static int
same_head( const bt_vval *a, const bt_vval *b )
{
	return a->format == b->format && a->op == b->op && a->to == b->to &&
		a->superseded == b->superseded && memcmp( &a->parent, &b->parent, sizeof( bt_uuid ) ) == 0 &&
		a->actor_len == b->actor_len && memcmp( a->actor, b->actor, a->actor_len ) == 0 &&
		a->changed_len == b->changed_len && memcmp( a->changed, b->changed, a->changed_len ) == 0;
}

/* A zlib stream of s as another writer makes it: dynamic codes, and the
 * dictionary dict (NULL: none).  Its length, 0 on failure. */
static size_t
zlib_stream( const sbuf *s, const char *dict, unsigned char *out, size_t room )
{
	z_stream zs;
	size_t n = 0;

	memset( &zs, 0, sizeof( zs ) );
	if ( deflateInit2( &zs, Z_BEST_SPEED, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY ) != Z_OK )
		return 0;
	if ( dict && deflateSetDictionary( &zs, (const Bytef *)dict, strlen( dict ) ) != Z_OK )
		goto done;
	zs.next_in = s->p;
	zs.avail_in = s->n;
	zs.next_out = out;
	zs.avail_out = room;
	if ( deflate( &zs, Z_FINISH ) == Z_STREAM_END ) n = zs.total_out;
done:
	deflateEnd( &zs );
	return n;
}

/* The rows stored before format 4 (format 2: zlib streams) read as they
 * did, with the same streams between format-4 reads; a format-2 stream
 * that asks for a dictionary is none of ours. */
static void
test_old_streams( bt_zstreams *z, const sbuf *s, const bt_vval *tmpl )
{
	size_t room = s->n + 64, n;
	unsigned char *zb = malloc( room ), *plain = malloc( s->n + 1 );
	bt_vval d = *tmpl;

	d.format = BT_ROW_DEFLATE;
	n = zlib_stream( s, NULL, zb, room );
	d.body = zb;
	d.body_len = n;
	ok( n > 0 && !( zb[1] & 0x20 ) && bt_vval_snapshot( z, &d, plain ) == 0 &&
		memcmp( plain, s->p, s->n ) == 0,
		"format 2 (a zlib stream, as written before format 4) inflates to its snapshot" );
	n = zlib_stream( s, "objectClass entryUUID someone else's words", zb, room );
	d.body_len = n;
	ok( n > 0 && ( zb[1] & 0x20 ) && bt_vval_snapshot( z, &d, plain ) == MDB_CORRUPTED,
		"a format-2 stream naming a dictionary is refused as corrupt" );
	n = zlib_stream( s, NULL, zb, room );
	d.body_len = n;
	ok( bt_vval_snapshot( z, &d, plain ) == 0 && memcmp( plain, s->p, s->n ) == 0,
		"... and the same streams read the next row as before" );
	free( zb );
	free( plain );
}

static void
test_rows( bt_zstreams *z, rows3 *st )
{
	sbuf s = snapshot( 20, 0 );
	bt_vval v = base_row(), d;
	unsigned char *zb = malloc( s.n ), *enc, *plain;
	size_t zlen, n, n2;
	MDB_val val;

	is_int( bt_snapshot_check( s.p, s.n ), 0, "a snapshot as entry_encode() writes it passes the check" );

	/* format 1 */
	v.format = BT_ROW_PLAIN;
	v.body = s.p;
	v.body_len = v.plain_len = s.n;
	enc = encode( &v, &n );
	ok( enc && n == BT_VV_HDR_LEN + v.actor_len + v.changed_len + s.n, "format 1 encodes to header, actor, changed, snapshot" );
	val.mv_data = enc;
	val.mv_size = n;
	ok( bt_vval_decode( &val, &d ) == 0 && same_head( &v, &d ) && d.body_len == s.n &&
		memcmp( d.body, s.p, s.n ) == 0 && d.plain_len == s.n && d.head_len == n - s.n,
		"format 1 round trip" );
	ok( enc[BT_VV_FORMAT] == BT_ROW_PLAIN && enc[BT_VV_OP] == BT_OP_MODRDN &&
		enc[BT_VV_ACTORLEN] == 0 && enc[BT_VV_ACTORLEN + 1] == v.actor_len,
		"format 1: format, op and actor length at their named offsets" );
	{
		unsigned char *again = encode( &d, &n2 );
		ok( again && n2 == n && memcmp( again, enc, n ) == 0, "format 1 re-encodes to the same bytes" );
		free( again );
	}
	st->b[0] = enc;
	st->n[0] = n;

	/* format 4 */
	is_int( bt_deflate( z, s.p, s.n, zb, &zlen ), 0, "deflate a snapshot" );
	ok( zlen > 0 && zlen + BT_VB_PLAINLEN < s.n, "the deflated snapshot is smaller (%zu < %zu)", zlen + BT_VB_PLAINLEN, s.n );
	v.format = BT_ROW_DEFLATE_DICT;
	v.body = zb;
	v.body_len = zlen;
	v.plain_len = s.n;
	enc = encode( &v, &n );
	val.mv_data = enc;
	val.mv_size = n;
	ok( enc && bt_vval_decode( &val, &d ) == 0 && same_head( &v, &d ) && d.plain_len == s.n &&
		d.body_len == zlen && memcmp( d.body, zb, zlen ) == 0, "format 4 round trip" );
	plain = malloc( s.n + 1 );
	ok( bt_vval_snapshot( z, &d, plain ) == 0 && memcmp( plain, s.p, s.n ) == 0,
		"format 4: inflates to the snapshot deflated" );
	{
		unsigned char *again = encode( &d, &n2 );
		ok( again && n2 == n && memcmp( again, enc, n ) == 0, "format 4 re-encodes to the same bytes" );
		free( again );
	}
	/* again with the same streams: they are reset per use */
	memset( plain, 0, s.n );
	ok( bt_deflate( z, s.p, s.n, zb, &zlen ) == 0 && zlen == d.body_len &&
		bt_vval_snapshot( z, &d, plain ) == 0 && memcmp( plain, s.p, s.n ) == 0,
		"deflate and inflate again with the same streams: same stream, same snapshot" );
	{
		/* the blocks of one deflate are reused by the next (zalloc_keep):
		 * a hundred snapshots of other lengths in a row deflate to the
		 * bytes that fresh streams give them */
		unsigned char *fresh = malloc( s.n ), *reused = malloc( s.n );
		size_t lf = 0, lr = 0, len;
		int same = 1;
		for ( len = s.n; len > s.n / 2 && same; len -= ( s.n / 200 ) + 1 ) {
			bt_zstreams *f = bt_zstreams_new();
			same = f && bt_deflate( f, s.p, len, fresh, &lf ) == 0 &&
				bt_deflate( z, s.p, len, reused, &lr ) == 0 &&
				lf == lr && memcmp( fresh, reused, lf ) == 0;
			bt_zstreams_free( f );
		}
		ok( same, "a stream that deflated many snapshots deflates the next as a fresh one does" );
		free( fresh );
		free( reused );
	}
	{
		bt_vval d2 = d;
		d2.format = BT_ROW_DEFLATE;
		is_int( bt_vval_snapshot( z, &d2, plain ), MDB_CORRUPTED,
			"a stream written now is raw and starts from the dictionary: read as format 2, refused" );
	}
	{
		/* inflated with room to spare (zlib decodes fast only with 258
		 * bytes of room): a stream that yields more than the stated size,
		 * within that room or beyond it, or less, is still refused */
		bt_vval d3 = d;
		d3.plain_len = s.n - 1;
		is_int( bt_inflate( z, &d3, plain ), MDB_CORRUPTED,
			"format 4: a stream that yields one byte more than its stated size is refused" );
		d3.plain_len = s.n > 300 ? s.n - 300 : 1;
		is_int( bt_inflate( z, &d3, plain ), MDB_CORRUPTED,
			"... and one that yields more than the room to spare" );
		d3.plain_len = s.n + 1;
		is_int( bt_inflate( z, &d3, plain ), MDB_CORRUPTED,
			"... and one that yields one byte less" );
	}
	test_old_streams( z, &s, &d );
	st->b[1] = enc;
	st->n[1] = n;

	/* format 3 */
	v.format = BT_ROW_SAME;
	v.body = NULL;
	v.body_len = v.plain_len = 0;
	v.ref.from = -86400;
	v.ref.recorded = 1704067200;
	v.ref.seq = 0x01020304;
	enc = encode( &v, &n );
	val.mv_data = enc;
	val.mv_size = n;
	ok( enc && n == BT_VV_HDR_LEN + v.actor_len + v.changed_len + BT_VK_REF_LEN &&
		bt_vval_decode( &val, &d ) == 0 && same_head( &v, &d ) && d.ref.from == v.ref.from &&
		d.ref.recorded == v.ref.recorded && d.ref.seq == v.ref.seq, "format 3 round trip" );
	{
		unsigned char *again = encode( &d, &n2 );
		ok( again && n2 == n && memcmp( again, enc, n ) == 0, "format 3 re-encodes to the same bytes" );
		free( again );
	}
	{
		/* its reference is the key suffix of the row it names */
		bt_vkey k = { U( 1 ), v.ref.from, v.ref.recorded, v.ref.seq };
		unsigned char kb[BT_VK_LEN];
		bt_vkey_encode( &k, kb );
		ok( memcmp( enc + n - BT_VK_REF_LEN, kb + BT_VK_REF, BT_VK_REF_LEN ) == 0,
			"format 3 body is the named row's key from BT_VK_REF" );
	}
	is_int( bt_vval_snapshot( z, &d, plain ), EINVAL, "format 3 has no snapshot of its own" );
	st->b[2] = enc;
	st->n[2] = n;

	/* a snapshot that does not shrink is stored plain */
	{
		unsigned char rnd[200], out[200];
		srand( 5 );
		for ( size_t i = 0; i < sizeof( rnd ); i++ ) rnd[i] = rand();
		ok( bt_deflate( z, rnd, sizeof( rnd ), out, &zlen ) == 0 && zlen == 0,
			"deflate of incompressible bytes: not smaller, stored plain" );
		ok( bt_deflate( z, "abcde", 5, out, &zlen ) == 0 && zlen == 0,
			"deflate of 5 bytes: never smaller" );
	}
	/* a long value: multi-byte lengths in the snapshot, a larger stream */
	{
		sbuf big = snapshot( 3, 70000 );
		unsigned char *bz = malloc( big.n ), *bp = malloc( big.n );
		bt_vval bv = base_row(), bd;
		unsigned char *benc;
		size_t bn;
		ok( bt_snapshot_check( big.p, big.n ) == 0 && bt_deflate( z, big.p, big.n, bz, &zlen ) == 0 && zlen > 0,
			"a 70 KB snapshot checks and deflates" );
		bv.format = BT_ROW_DEFLATE_DICT;
		bv.body = bz;
		bv.body_len = zlen;
		bv.plain_len = big.n;
		benc = encode( &bv, &bn );
		val.mv_data = benc;
		val.mv_size = bn;
		ok( benc && bt_vval_decode( &val, &bd ) == 0 && bt_vval_snapshot( z, &bd, bp ) == 0 &&
			memcmp( bp, big.p, big.n ) == 0, "deflate round trip of a 70 KB snapshot" );
		free( benc ); free( bz ); free( bp ); free( big.p );
	}
	free( plain );
	free( zb );
	free( s.p );
}

static void
test_limits( bt_zstreams *z )
{
	bt_vval v = base_row();
	size_t n;
	char *big = malloc( BT_FIELD_MAX + 2 );
	unsigned char *huge;
	size_t zlen;

	memset( big, 'a', BT_FIELD_MAX + 2 );
	v.format = BT_ROW_PLAIN;
	v.body = (const unsigned char *)"x";
	v.body_len = v.plain_len = 1;
	v.actor = big;
	v.actor_len = BT_FIELD_MAX;
	ok( bt_vval_size( &v, &n ) == 0 && n == BT_VV_HDR_LEN + BT_FIELD_MAX + v.changed_len + 1,
		"an actor of exactly BT_FIELD_MAX bytes is kept" );
	v.actor_len = BT_FIELD_MAX + 1;
	is_int( bt_vval_size( &v, &n ), MDB_BAD_VALSIZE, "an actor over BT_FIELD_MAX is refused, not cut" );
	{
		unsigned char canary[8];
		memset( canary, 0x5a, sizeof( canary ) );
		is_int( bt_vval_encode( &v, canary ), MDB_BAD_VALSIZE, "encoding it is refused too" );
		ok( canary[0] == 0x5a && canary[7] == 0x5a, "and writes nothing" );
	}
	v.actor_len = 3;
	v.changed = big;
	v.changed_len = BT_FIELD_MAX + 1;
	is_int( bt_vval_size( &v, &n ), MDB_BAD_VALSIZE, "a changed list over BT_FIELD_MAX is refused, not cut" );
	v.changed_len = 0;

	v.body_len = v.plain_len = (size_t)BT_SNAPSHOT_MAX + 1;
	is_int( bt_vval_size( &v, &n ), MDB_BAD_VALSIZE, "a plain snapshot over BT_SNAPSHOT_MAX is refused" );
	huge = calloc( 1, (size_t)BT_SNAPSHOT_MAX + 1 );
	is_int( bt_deflate( z, huge, (size_t)BT_SNAPSHOT_MAX + 1, huge, &zlen ), MDB_BAD_VALSIZE,
		"deflating a snapshot over BT_SNAPSHOT_MAX is refused" );
	free( huge );
	v.format = BT_ROW_DEFLATE;
	v.body_len = 100;
	v.plain_len = (size_t)BT_SNAPSHOT_MAX + 1;
	is_int( bt_vval_size( &v, &n ), MDB_BAD_VALSIZE, "a deflated snapshot stating over BT_SNAPSHOT_MAX is refused" );
	v.plain_len = 100 * BT_INFLATE_RATIO + 1;
	is_int( bt_vval_size( &v, &n ), EINVAL, "a plain length no stream of that size can yield is refused" );
	v.format = BT_ROW_LAST + 1;
	is_int( bt_vval_size( &v, &n ), EINVAL, "an unknown format is not encoded" );
	v.format = BT_ROW_PLAIN;
	v.body_len = v.plain_len = 1;
	v.op = (bt_opkind)( BT_OP_LAST + 1 );
	is_int( bt_vval_size( &v, &n ), EINVAL, "an unknown op is not encoded" );
	free( big );
}

/* Every proper prefix of each stored row is refused. */
static void
test_truncation( bt_zstreams *z, rows3 *st )
{
	static const char *fname[3] = { "plain", "deflated", "shared" };
	bt_vval v;

	for ( int f = 0; f < 3; f++ ) {
		size_t bad = 0, first = 0;
		for ( size_t cut = 0; cut < st->n[f]; cut++ ) {
			if ( read_value( z, st->b[f], cut, &v ) == 0 ) {
				if ( !bad ) first = cut;
				bad++;
			}
		}
		is_int( bad, 0, "format %d (%s): truncation at each of %zu byte offsets refused%s",
			f + 1, fname[f], st->n[f], bad ? " (first accepted below)" : "" );
		if ( bad ) printf( "#   accepted a row cut to %zu bytes\n", first );
		ok( read_value( z, st->b[f], st->n[f], &v ) == 0, "format %d (%s): the whole row reads", f + 1, fname[f] );
	}
}

/* Every length field set to every other value (the 16-bit ones) or to a
 * set of wrong ones (the plain length) is refused. */
static void
test_lengths( bt_zstreams *z, rows3 *st )
{
	bt_vval v;

	for ( int f = 0; f < 3; f++ ) {
		for ( int field = BT_VV_ACTORLEN; field <= BT_VV_CHANGEDLEN; field += 2 ) {
			unsigned char *b = dup_exact( st->b[f], st->n[f] );
			unsigned orig = ( b[field] << 8 ) | b[field + 1];
			size_t bad = 0;
			for ( unsigned x = 0; x <= 0xffff; x++ ) {
				if ( x == orig ) continue;
				b[field] = x >> 8;
				b[field + 1] = x & 0xff;
				if ( read_value( z, b, st->n[f], &v ) == 0 ) bad++;
			}
			is_int( bad, 0, "format %d: %s length set to each other 16-bit value refused",
				f + 1, field == BT_VV_ACTORLEN ? "actor" : "changed" );
			free( b );
		}
	}
	/* the plain length of the deflated row */
	{
		size_t head;
		bt_vval d;
		MDB_val val = { st->n[1], st->b[1] };
		size_t bad = 0, tried = 0;
		bt_vval_decode( &val, &d );
		head = d.head_len;
		for ( long delta = -300; delta <= 300; delta++ ) {
			unsigned char *b;
			uint32_t pl;
			if ( delta == 0 || (long)d.plain_len + delta < 0 ) continue;
			b = dup_exact( st->b[1], st->n[1] );
			pl = (uint32_t)( d.plain_len + delta );
			b[head] = pl >> 24; b[head + 1] = pl >> 16; b[head + 2] = pl >> 8; b[head + 3] = pl;
			tried++;
			if ( read_value( z, b, st->n[1], &v ) == 0 ) bad++;
			free( b );
		}
		for ( int bit = 8; bit < 32; bit++ ) {
			unsigned char *b = dup_exact( st->b[1], st->n[1] );
			uint32_t pl = (uint32_t)d.plain_len ^ ( 1u << bit );
			b[head] = pl >> 24; b[head + 1] = pl >> 16; b[head + 2] = pl >> 8; b[head + 3] = pl;
			tried++;
			if ( read_value( z, b, st->n[1], &v ) == 0 ) bad++;
			free( b );
		}
		is_int( bad, 0, "format 2: a plain length that does not match the stream refused (%zu values)", tried );
	}
	/* a format-3 reference of the wrong size: the row one byte longer or shorter */
	{
		unsigned char *b = malloc( st->n[2] + 1 );
		memcpy( b, st->b[2], st->n[2] );
		b[st->n[2]] = 0;
		is_int( read_value( z, b, st->n[2] + 1, &v ), MDB_CORRUPTED, "format 3: a 21-byte reference refused" );
		is_int( read_value( z, b, st->n[2] - 1, &v ), MDB_CORRUPTED, "format 3: a 19-byte reference refused" );
		free( b );
	}
	/* trailing bytes after the zlib stream */
	{
		unsigned char *b = malloc( st->n[1] + 1 );
		memcpy( b, st->b[1], st->n[1] );
		b[st->n[1]] = 0;
		is_int( read_value( z, b, st->n[1] + 1, &v ), MDB_CORRUPTED, "format 2: a byte after the stream refused" );
		free( b );
	}
	/* format and op bytes */
	{
		size_t bad = 0;
		for ( int f = 0; f < 3; f++ ) {
			unsigned char *b = dup_exact( st->b[f], st->n[f] );
			for ( unsigned x = 0; x < 256; x++ ) {
				if ( x >= BT_ROW_PLAIN && x <= BT_ROW_LAST ) continue;
				b[BT_VV_FORMAT] = x;
				if ( read_value( z, b, st->n[f], &v ) != MDB_CORRUPTED ) bad++;
			}
			b[BT_VV_FORMAT] = st->b[f][BT_VV_FORMAT];
			for ( unsigned x = BT_OP_LAST + 1; x < 256; x++ ) {
				b[BT_VV_OP] = x;
				if ( read_value( z, b, st->n[f], &v ) != MDB_CORRUPTED ) bad++;
			}
			free( b );
		}
		is_int( bad, 0, "unknown format and op bytes refused" );
	}
	/* another format byte on a valid body: plain read as deflated, ... */
	{
		size_t bad = 0;
		for ( int f = 0; f < 3; f++ )
			for ( int g = BT_ROW_PLAIN; g <= BT_ROW_LAST; g++ ) {
				unsigned char *b;
				if ( g == st->b[f][BT_VV_FORMAT] ) continue;
				b = dup_exact( st->b[f], st->n[f] );
				b[BT_VV_FORMAT] = g;
				if ( read_value( z, b, st->n[f], &v ) == 0 ) bad++;
				free( b );
			}
		is_int( bad, 0, "a row read under another format's byte refused" );
	}
}

/* The snapshot's own lengths: every length byte changed is refused or
 * still reads inside the snapshot (ASan would say otherwise). */
static void
test_snapshot_lengths( void )
{
	sbuf s = snapshot( 4, 300 );
	size_t bad = 0;

	for ( size_t cut = 0; cut < s.n; cut++ ) {
		unsigned char *d = dup_exact( s.p, cut );
		if ( bt_snapshot_check( d, cut ) == 0 ) bad++;
		free( d );
	}
	is_int( bad, 0, "snapshot truncated at each of %zu byte offsets refused", s.n );
	bad = 0;
	for ( size_t i = 0; i < s.n; i++ ) {
		for ( unsigned x = 0; x < 256; x += 17 ) {
			unsigned char *d = dup_exact( s.p, s.n );
			if ( d[i] == x ) { free( d ); continue; }
			d[i] = x;
			/* only bytes inside names and values may change and still
			 * read: count the others that pass */
			if ( bt_snapshot_check( d, s.n ) == 0 ) {
				unsigned char *o = s.p;
				/* a changed byte that is a length, a count or a NUL
				 * changes the structure: the walk must fail */
				if ( o[i] == 0 || i < 2 ) bad++;
			}
			free( d );
		}
	}
	is_int( bad, 0, "snapshot with a count or NUL byte changed refused" );
	{
		unsigned char one[] = { 0, 2, 1, 'a', 0, 1, 'a', 0 };	/* no attributes */
		is_int( bt_snapshot_check( one, sizeof( one ) ), MDB_CORRUPTED, "snapshot without attributes refused" );
	}
	{
		/* 0x81 0x05: 5 in two bytes, not as entry_encode() writes it */
		unsigned char nm[] = { 1, 2, 0x81, 0x05, 'a', 'b', 'c', 'd', 'e', 0 };
		is_int( bt_snapshot_check( nm, sizeof( nm ) ), MDB_CORRUPTED, "a length not in its shortest form refused" );
	}
	free( s.p );
}

/* ------------------------------------------------------------------ */
/* bt_deflate's own encoder (bt_lz.c) against zlib's inflate: inputs of
 * every kind and of the lengths around the point where bt_deflate hands
 * over to zlib (dictionary and input over BT_LZ_MAX) */

/* deflated by bt_deflate, inflated as a format-4 body: 1 when it comes
 * back as it was or was refused as not smaller (*smaller 0) */
static int
lz_round_trip( bt_zstreams *z, const unsigned char *in, size_t len, int *smaller )
{
	unsigned char *out = malloc( len ), *back = malloc( len + 1 );
	size_t zlen = 0;
	bt_vval v;
	int good;

	memset( &v, 0, sizeof( v ) );
	good = bt_deflate( z, in, len, out, &zlen ) == 0;
	*smaller = zlen > 0;
	if ( good && zlen ) {
		v.format = BT_ROW_DEFLATE_DICT;
		v.body = out;
		v.body_len = zlen;
		v.plain_len = len;
		good = zlen + BT_VB_PLAINLEN < len && bt_inflate( z, &v, back ) == 0 &&
			memcmp( back, in, len ) == 0;
	}
	free( out );
	free( back );
	return good;
}

/* bytes of one kind: 0 text made of the dictionary's words and digits, 1
 * random, 2 one byte repeated, 3 a short pattern repeated (matches at
 * distances 1-7, matches of deflate's longest length, 258) */
static void
lz_fill( unsigned char *p, size_t n, int kind, unsigned seed )
{
	static const char *words[] = { "objectClass", "inetOrgPerson", "moPerson",
		"entryUUID", "description", "20261207125055Z", "cn=", ",ou=people,dc=kommune,dc=dk" };
	size_t i = 0, l;

	srand( seed );
	while ( i < n ) {
		const char *w = words[rand() % 8];
		switch ( kind ) {
		case 0:
			l = strlen( w );
			if ( rand() % 3 == 0 ) p[i++] = '0' + rand() % 10;
			else for ( size_t j = 0; j < l && i < n; j++ ) p[i++] = w[j];
			break;
		case 1: p[i++] = rand(); break;
		case 2: p[i++] = 'x'; break;
		default: p[i] = "abcdefg"[i % ( 1 + seed % 7 )]; i++;
		}
	}
}

static void
test_lz( bt_zstreams *z )
{
	unsigned char *buf = malloc( 40000 );
	int all = 1, smaller, kinds_smaller[4] = { 0 }, kinds_plain[4] = { 0 };
	size_t len;

	for ( int kind = 0; kind < 4; kind++ ) {
		for ( len = 0; len < 2000 && all; len += 1 + len / 16 ) {
			lz_fill( buf, len, kind, len + kind );
			all = lz_round_trip( z, buf, len, &smaller );
			if ( smaller ) kinds_smaller[kind]++;
			else kinds_plain[kind]++;
		}
	}
	ok( all, "inputs of 0-2000 bytes of four kinds come back as they were deflated" );
	ok( kinds_smaller[0] && kinds_smaller[2] && kinds_smaller[3],
		"text and repetitions deflate smaller" );
	ok( kinds_plain[1] > 0, "random bytes are refused as not smaller (stored plain)" );
	/* across the length where bt_deflate hands a snapshot to zlib */
	for ( len = BT_LZ_MAX - 4000; len < BT_LZ_MAX + 500 && all; len += 3 ) {
		lz_fill( buf, len, len % 2 ? 0 : 3, len );
		all = lz_round_trip( z, buf, len, &smaller ) && smaller;
	}
	ok( all, "inputs of %d-%d bytes (the encoder's bound) deflate and come back",
		BT_LZ_MAX - 4000, BT_LZ_MAX + 500 );
	lz_fill( buf, 40000, 0, 7 );
	ok( lz_round_trip( z, buf, 40000, &smaller ) && smaller, "40,000 bytes (zlib's) deflate and come back" );
	free( buf );
}

int
main( void )
{
	bt_zstreams *z = bt_zstreams_new();
	rows3 st;

	ok( z != NULL, "zlib streams" );
	test_time_keys();
	test_keys();
	test_rows( z, &st );
	test_limits( z );
	test_lz( z );
	test_truncation( z, &st );
	test_lengths( z, &st );
	test_snapshot_lengths();
	for ( int f = 0; f < 3; f++ ) free( st.b[f] );
	bt_zstreams_free( z );
	return tap_done();
}
