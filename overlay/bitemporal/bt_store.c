/* bt_store.c - the history store: LMDB named databases inside back-mdb's
 * environment.
 *
 * Living in back-mdb's environment is what makes a history row and the
 * live change it describes atomic: both are written in back-mdb's write
 * transaction (shared through the operation's o_extra, the mechanism of
 * RFC 5805 transactions), one commit, one fsync.
 *
 * Tables:
 *   modir_bt_versions  uuid(16) validFrom(8) recordedAt(8) seq(4)
 *                        -> format(1) op(1) validTo(8) supersededAt(8)
 *                           parent(16) actorlen(2) changedlen(2)
 *                           actor changed entry_encode(snapshot)
 *   modir_bt_names     parent(16) normalized RDN -> uuid(16)  (dupsort)
 *                      every name an entity ever had; roots (parent all
 *                      zero) are keyed by their whole normalized DN
 *   modir_bt_due       time(8) uuid(16) -> ""  activations still to run
 *   modir_bt_refs      target uuid(16) attribute name -> uuid(16) (dupsort)
 *                      every entity whose versions ever referenced target
 *                      through a UUID-syntax attribute (moRefPerson, ...):
 *                      "everything that ever pointed at this person"
 *   modir_bt_refclass  the same keyed by the referring version's class
 *                      (bt_refclass.c)
 * Times are bt_time_put_key() encoded, so byte order is time order.
 */
#include "portable.h"

#include <ac/string.h>

#include <zlib.h>

#include "slap.h"
#include "slap-config.h"
#include "back-mdb/back-mdb.h"

#include "bitemporal.h"

#define BT_DB_VERSIONS "modir_bt_versions"
#define BT_DB_NAMES    "modir_bt_names"
#define BT_DB_DUE      "modir_bt_due"
#define BT_DB_REFS     "modir_bt_refs"
#define BT_DB_REFCLASS "modir_bt_refclass"

/* Row formats: 1 the snapshot as entry_encode() wrote it; 2 the same,
 * deflated (4 bytes of its plain length, then the zlib stream).  Snapshots
 * of directory entries compress well (attribute names, repeated values),
 * which keeps the history near the size of the directory itself. */
#define BT_ROW_FORMAT  1
#define BT_ROW_DEFLATE 2
/* 3: no snapshot of its own but that of another version of the same
 * entity, named by the rest of its key (validFrom, recordedAt, seq: 20
 * bytes), which is always a row of format 1 or 2.  A dated change
 * registers the unchanged parts of a version again with new periods; they
 * share its snapshot instead of copying it, which halves what a change
 * adds to the history and how often it splits a page. */
#define BT_ROW_SAME    3
#define BT_REF_LEN     ( 8 + 8 + 4 )
#define BT_KEY_LEN     ( BT_UUID_LEN + 8 + 8 + 4 )
#define BT_HDR_LEN     ( 1 + 1 + 8 + 8 + BT_UUID_LEN + 2 + 2 )
/* LMDB's default maximum key size is 511 bytes; longer RDNs are cut.  A
 * cut key can only add candidates, which every lookup checks against the
 * version's real name. */
#define BT_NAME_MAX    ( 480 - BT_UUID_LEN )
/* The largest snapshot a version may hold (its entry_encode() size, before
 * deflating): written only if it can be read back. */
#define BT_SNAPSHOT_MAX  ( 64 * 1024 * 1024 )
/* actor and changed-attribute list: 16-bit lengths in the header; longer
 * ones are refused (MDB_BAD_VALSIZE), never cut */
#define BT_FIELD_MAX     0xffff

const char *const bt_opkind_names[] = {
	"baseline", "add", "modify", "delete", "modrdn", "import"
};

int
bt_store_open( bt_info *bi, BackendDB *be, BackendInfo *backend, ConfigReply *cr )
{
	struct mdb_info *mdb;
	MDB_txn *txn;
	int rc;

	if ( strcmp( backend->bi_type, "mdb" ) != 0 ) {
		snprintf( cr->msg, sizeof( cr->msg ),
			"bitemporal overlay needs a back-mdb database (this one is \"%s\")",
			backend->bi_type );
		Debug( LDAP_DEBUG_ANY, "%s\n", cr->msg );
		return 1;
	}
	mdb = be->be_private;
	bi->bi_env = mdb->mi_dbenv;
	bi->bi_mdb = mdb;
	{
		/* LMDB has no nested transactions with a writable map
		 * (back-mdb's "envflags writemap"): then every write commits
		 * alone (bt_commit.c) */
		unsigned int flags = 0;
		mdb_env_get_flags( bi->bi_env, &flags );
		bi->bi_no_nesting = ( flags & MDB_WRITEMAP ) != 0;
	}

	if ( slapMode & SLAP_TOOL_READONLY ) {
		/* slapcat: the tables may not exist yet; nothing to create */
		rc = mdb_txn_begin( bi->bi_env, NULL, MDB_RDONLY, &txn );
		if ( rc ) goto fail;
		rc = mdb_dbi_open( txn, BT_DB_VERSIONS, 0, &bi->bi_versions );
		if ( !rc ) rc = mdb_dbi_open( txn, BT_DB_NAMES, MDB_DUPSORT, &bi->bi_names );
		if ( !rc ) rc = mdb_dbi_open( txn, BT_DB_DUE, 0, &bi->bi_due );
		if ( !rc ) rc = mdb_dbi_open( txn, BT_DB_REFS, MDB_DUPSORT, &bi->bi_refs );
		/* absent in a database from before it: readers use modir_bt_refs */
		bi->bi_has_refclass = !rc &&
			!mdb_dbi_open( txn, BT_DB_REFCLASS, MDB_DUPSORT, &bi->bi_refclass );
		mdb_txn_abort( txn );
		bi->bi_open = ( rc == 0 );
		return 0;
	}

	rc = mdb_txn_begin( bi->bi_env, NULL, 0, &txn );
	if ( rc ) goto fail;
	if ( ( rc = mdb_dbi_open( txn, BT_DB_VERSIONS, MDB_CREATE, &bi->bi_versions ) ) ||
		( rc = mdb_dbi_open( txn, BT_DB_NAMES, MDB_CREATE | MDB_DUPSORT, &bi->bi_names ) ) ||
		( rc = mdb_dbi_open( txn, BT_DB_DUE, MDB_CREATE, &bi->bi_due ) ) ||
		( rc = mdb_dbi_open( txn, BT_DB_REFS, MDB_CREATE | MDB_DUPSORT, &bi->bi_refs ) ) ||
		( rc = mdb_dbi_open( txn, BT_DB_REFCLASS, MDB_CREATE | MDB_DUPSORT, &bi->bi_refclass ) ) ||
		( rc = bt_refclass_complete( bi, txn ) ) ) {
		mdb_txn_abort( txn );
		goto fail;
	}
	bi->bi_has_refclass = 1;
	rc = mdb_txn_commit( txn );
	if ( rc ) goto fail;
	bi->bi_open = 1;
	/* keys of new rows are unique from here on, not against the
	 * snapshots kept while the store was open before */
	bi->bi_seq = 0;
	bt_snapcache_clear( bi->bi_snaps );
	return 0;

fail:
	snprintf( cr->msg, sizeof( cr->msg ),
		"bitemporal: cannot open history tables in %s: %s",
		mdb->mi_dbenv_home, mdb_strerror( rc ) );
	Debug( LDAP_DEBUG_ANY, "%s\n", cr->msg );
	return 1;
}

void
bt_store_close( bt_info *bi )
{
	/* the DBI handles belong to back-mdb's environment, which back-mdb
	 * closes; nothing to release here */
	bi->bi_open = 0;
	bi->bi_env = NULL;
}

/* ------------------------------------------------------------------ */
/* Read transactions.
 *
 * back-mdb opens its environment without MDB_NOTLS: a thread holds one
 * reader slot, and back-mdb keeps that thread's read transaction under a
 * thread-pool key (the environment pointer), reset between operations.
 * We follow the same protocol instead of opening a second reader:
 *  - if this operation already has a back-mdb transaction (we are called
 *    from inside back-mdb's search, or during our own write), use it;
 *  - otherwise renew the thread's reader (creating it as back-mdb would)
 *    and reset it again when done.
 */
static void
bt_reader_free( void *key, void *data )
{
	MDB_txn *txn = data;
	if ( txn ) mdb_txn_abort( txn );
}

int
bt_read_begin( bt_info *bi, Operation *op, bt_reader *rd )
{
	OpExtra *oex;
	mdb_op_info *moi;
	void *ctx, *data = NULL;
	int rc;

	memset( rd, 0, sizeof( *rd ) );
	rd->op = op;
	if ( op ) {
		LDAP_SLIST_FOREACH( oex, &op->o_extra, oe_next ) {
			if ( oex->oe_key == bi->bi_mdb ) break;
		}
		if ( oex && ((mdb_op_info *)oex)->moi_txn ) {
			rd->txn = ((mdb_op_info *)oex)->moi_txn;
			return 0;
		}
	}
	ctx = op ? op->o_threadctx : ldap_pvt_thread_pool_context();
	if ( ctx && ldap_pvt_thread_pool_getkey( ctx, bi->bi_env, &data, NULL ) == 0 && data ) {
		rc = mdb_txn_renew( (MDB_txn *)data );
		if ( rc ) return rc;
		rd->txn = data;
		rd->owned = 1;		/* the thread's reader: reset after use */
	} else {
		rc = mdb_txn_begin( bi->bi_env, NULL, MDB_RDONLY, &rd->txn );
		if ( rc ) return rc;
		if ( ctx && ldap_pvt_thread_pool_setkey( ctx, bi->bi_env, rd->txn,
				bt_reader_free, NULL, NULL ) == 0 ) {
			rd->owned = 1;	/* kept for the thread, as back-mdb would */
		} else {
			rd->owned = 2;	/* ours alone: abort after use */
		}
	}
	if ( op ) {
		/* back-mdb code reached from inside our operation (operational
		 * attributes, entry_get) must use this reader, not renew it */
		moi = op->o_tmpcalloc( 1, sizeof( *moi ), op->o_tmpmemctx );
		moi->moi_oe.oe_key = bi->bi_mdb;
		moi->moi_txn = rd->txn;
		moi->moi_ref = 1;
		moi->moi_flag = MOI_READER;
		LDAP_SLIST_INSERT_HEAD( &op->o_extra, &moi->moi_oe, oe_next );
		rd->moi = moi;
	}
	return 0;
}

void
bt_read_end( bt_reader *rd )
{
	if ( rd->moi ) {
		LDAP_SLIST_REMOVE( &rd->op->o_extra, (OpExtra *)rd->moi, OpExtra, oe_next );
		rd->op->o_tmpfree( rd->moi, rd->op->o_tmpmemctx );
		rd->moi = NULL;
	}
	if ( rd->owned == 1 ) mdb_txn_reset( rd->txn );
	else if ( rd->owned == 2 ) mdb_txn_abort( rd->txn );
	rd->txn = NULL;
	rd->owned = 0;
}

/* ------------------------------------------------------------------ */
static void
put_u16( unsigned char *p, unsigned v ) { p[0] = v >> 8; p[1] = v & 0xff; }
static unsigned
get_u16( const unsigned char *p ) { return ( p[0] << 8 ) | p[1]; }

static void
row_key( unsigned char key[BT_KEY_LEN], const bt_uuid *u, bt_time from,
	bt_time recorded, uint32_t seq )
{
	memcpy( key, u->u, BT_UUID_LEN );
	bt_time_put_key( from, key + BT_UUID_LEN );
	bt_time_put_key( recorded, key + BT_UUID_LEN + 8 );
	key[32] = seq >> 24; key[33] = seq >> 16; key[34] = seq >> 8; key[35] = seq;
}

/* ------------------------------------------------------------------ */
/* Compression.
 *
 * zlib's one-shot compress2()/uncompress() set up and tear down a whole
 * stream per call (deflate's ~270 KB of window and hash tables, zeroed),
 * which costs more than compressing a 1-2 KB snapshot and is paid inside
 * back-mdb's write lock.  Each thread keeps one deflate and one inflate
 * stream under a thread-pool key instead, and resets it per use.  A 4 KB
 * window covers a directory entry; the output is an ordinary zlib stream. */
typedef struct bt_zstreams {
	z_stream def, inf;
	int def_ok, inf_ok;
} bt_zstreams;

static char bt_zkey;

static void
bt_zstreams_free( void *key, void *data )
{
	bt_zstreams *z = data;
	if ( !z ) return;
	if ( z->def_ok ) deflateEnd( &z->def );
	if ( z->inf_ok ) inflateEnd( &z->inf );
	ch_free( z );
}

/* The calling thread's streams, or a fresh set the caller must free
 * (*owned) when the thread has no pool context. */
static bt_zstreams *
bt_zstreams_get( int *owned )
{
	void *ctx = ldap_pvt_thread_pool_context(), *data = NULL;
	bt_zstreams *z;

	*owned = 0;
	if ( ctx && ldap_pvt_thread_pool_getkey( ctx, &bt_zkey, &data, NULL ) == 0 && data )
		return data;
	z = ch_calloc( 1, sizeof( *z ) );
	if ( !ctx || ldap_pvt_thread_pool_setkey( ctx, &bt_zkey, z, bt_zstreams_free, NULL, NULL ) )
		*owned = 1;
	return z;
}

/* Deflates in into out (ch_malloc'd, 4 bytes of plain length first).
 * Returns 0, or -1 when it would not be smaller. */
static int
bt_deflate( struct berval *in, struct berval *out )
{
	int owned, rc = -1;
	bt_zstreams *z = bt_zstreams_get( &owned );
	uLong bound;
	unsigned char *buf;

	if ( !z->def_ok ) {
		if ( deflateInit2( &z->def, Z_BEST_SPEED, Z_DEFLATED, 12, 8, Z_DEFAULT_STRATEGY ) != Z_OK )
			goto done;
		z->def_ok = 1;
	} else if ( deflateReset( &z->def ) != Z_OK ) {
		goto done;
	}
	bound = deflateBound( &z->def, in->bv_len );
	buf = ch_malloc( bound + 4 );
	z->def.next_in = (Bytef *)in->bv_val;
	z->def.avail_in = in->bv_len;
	z->def.next_out = buf + 4;
	z->def.avail_out = bound;
	if ( deflate( &z->def, Z_FINISH ) != Z_STREAM_END || z->def.total_out + 4 >= in->bv_len ) {
		ch_free( buf );
		goto done;
	}
	buf[0] = in->bv_len >> 24; buf[1] = in->bv_len >> 16;
	buf[2] = in->bv_len >> 8; buf[3] = in->bv_len;
	out->bv_val = (char *)buf;
	out->bv_len = z->def.total_out + 4;
	rc = 0;
done:
	if ( owned ) bt_zstreams_free( NULL, z );
	return rc;
}

/* Inflates exactly plain bytes from in[0..len) into out. */
static int
bt_inflate( const unsigned char *in, size_t len, char *out, size_t plain )
{
	int owned, rc = -1;
	bt_zstreams *z = bt_zstreams_get( &owned );

	if ( !z->inf_ok ) {
		z->inf.next_in = Z_NULL;
		z->inf.avail_in = 0;
		if ( inflateInit( &z->inf ) != Z_OK ) goto done;
		z->inf_ok = 1;
	} else if ( inflateReset( &z->inf ) != Z_OK ) {
		goto done;
	}
	z->inf.next_in = (Bytef *)in;
	z->inf.avail_in = len;
	z->inf.next_out = (Bytef *)out;
	z->inf.avail_out = plain;
	if ( inflate( &z->inf, Z_FINISH ) == Z_STREAM_END && z->inf.total_out == plain )
		rc = 0;
done:
	if ( owned ) bt_zstreams_free( NULL, z );
	return rc;
}

/* The length of a stored value's header, actor and changed; -1 when the
 * value is too short to hold them. */
static int
row_head( const MDB_val *val, size_t *head )
{
	const unsigned char *v = val->mv_data;

	if ( val->mv_size < BT_HDR_LEN ) return -1;
	*head = BT_HDR_LEN + get_u16( v + 34 ) + get_u16( v + 36 );
	return *head > val->mv_size ? -1 : 0;
}

/* The key suffix (validFrom, recordedAt, seq) of the row that holds the
 * snapshot of the stored row key/val: its own, or the one it shares. */
static int
row_snapshot_ref( const MDB_val *key, const MDB_val *val, unsigned char ref[BT_REF_LEN] )
{
	const unsigned char *v = val->mv_data;
	size_t head;

	if ( row_head( val, &head ) ) return -1;
	if ( v[0] == BT_ROW_SAME ) {
		if ( val->mv_size - head != BT_REF_LEN ) return -1;
		memcpy( ref, v + head, BT_REF_LEN );
	} else {
		memcpy( ref, (const unsigned char *)key->mv_data + BT_UUID_LEN, BT_REF_LEN );
	}
	return 0;
}

/* Where a stored value keeps its snapshot: the bytes and their format (1
 * or 2), following a format-3 reference to the row that holds them. */
static int
row_snapshot( MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *val,
	int *format, const unsigned char **data, size_t *len )
{
	MDB_val t = *val;
	size_t head;

	if ( ((unsigned char *)val->mv_data)[0] == BT_ROW_SAME ) {
		unsigned char tkey[BT_KEY_LEN];
		MDB_val k;
		if ( !txn || row_snapshot_ref( key, val, tkey + BT_UUID_LEN ) ) return -1;
		memcpy( tkey, key->mv_data, BT_UUID_LEN );
		k.mv_data = tkey;
		k.mv_size = BT_KEY_LEN;
		if ( mdb_get( txn, dbi, &k, &t ) ) return -1;
	}
	if ( row_head( &t, &head ) ) return -1;
	*format = ((unsigned char *)t.mv_data)[0];
	if ( *format != BT_ROW_FORMAT && *format != BT_ROW_DEFLATE ) return -1;
	*data = (unsigned char *)t.mv_data + head;
	*len = t.mv_size - head;
	return 0;
}

static void *
ch_malloc_sz( size_t n )
{
	return ch_malloc( n );
}

/* Decodes a stored key/value into r, copying the value (its snapshot
 * inflated, a shared one fetched) so that r stays valid across later
 * writes in the same transaction. */
static int
row_decode( bt_info *bi, MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *val, bt_row *r )
{
	const unsigned char *k = key->mv_data, *v, *snap;
	unsigned char skey[BT_KEY_LEN];
	unsigned alen, clen;
	size_t head, slen, plain;
	int sformat;

	if ( key->mv_size != BT_KEY_LEN || row_head( val, &head ) ) return -1;
	v = val->mv_data;
	alen = get_u16( v + 34 );
	clen = get_u16( v + 36 );
	/* inflated by an earlier read (bt_snapcache.c): keyed by the row that
	 * holds the snapshot, which a format-3 row shares */
	memcpy( skey, k, BT_UUID_LEN );
	if ( row_snapshot_ref( key, val, skey + BT_UUID_LEN ) == 0 &&
		bt_snapcache_get( bi->bi_snaps, skey, head, ch_malloc_sz, &r->rw_buf, &plain ) == 0 ) {
		memcpy( r->rw_buf, v, head );
		goto fill;
	}
	if ( row_snapshot( txn, dbi, key, val, &sformat, &snap, &slen ) ) return -1;
	if ( sformat == BT_ROW_DEFLATE ) {
		if ( slen < 4 ) return -1;
		plain = ( (size_t)snap[0] << 24 ) | ( snap[1] << 16 ) | ( snap[2] << 8 ) | snap[3];
		if ( plain > BT_SNAPSHOT_MAX ) return -1;
	} else {
		plain = slen;
		if ( plain > BT_SNAPSHOT_MAX ) return -1;
	}
	r->rw_buf = ch_malloc( head + plain + 1 );
	memcpy( r->rw_buf, v, head );
	if ( sformat == BT_ROW_DEFLATE ) {
		if ( bt_inflate( snap + 4, slen - 4, r->rw_buf + head, plain ) ) {
			ch_free( r->rw_buf ); r->rw_buf = NULL; return -1;
		}
		bt_snapcache_put( bi->bi_snaps, skey, r->rw_buf + head, plain );
	} else {
		memcpy( r->rw_buf + head, snap, plain );
	}
fill:
	v = (unsigned char *)r->rw_buf;
	memcpy( r->uuid.u, k, BT_UUID_LEN );
	r->valid.from = bt_time_get_key( k + BT_UUID_LEN );
	r->recorded = bt_time_get_key( k + BT_UUID_LEN + 8 );
	r->seq = ( (uint32_t)k[32] << 24 ) | ( k[33] << 16 ) | ( k[34] << 8 ) | k[35];
	r->op = v[1];
	r->valid.to = bt_time_get_key( v + 2 );
	r->superseded = bt_time_get_key( v + 10 );
	memcpy( r->parent.u, v + 18, BT_UUID_LEN );
	r->actor.bv_val = r->rw_buf + BT_HDR_LEN;
	r->actor.bv_len = alen;
	r->changed.bv_val = r->actor.bv_val + alen;
	r->changed.bv_len = clen;
	r->blob.bv_val = r->changed.bv_val + clen;
	r->blob.bv_len = plain;
	return 0;
}

void
bt_row_free( bt_row *r )
{
	if ( r ) {
		ch_free( r->rw_buf );
		r->rw_buf = NULL;
	}
}

void
bt_rows_free( bt_rows *rs )
{
	for ( int i = 0; i < rs->n; i++ ) bt_row_free( &rs->r[i] );
	ch_free( rs->r );
	rs->r = NULL;
	rs->n = rs->max = 0;
}

static bt_row *
rows_push( bt_rows *rs )
{
	if ( rs->n == rs->max ) {
		rs->max = rs->max ? rs->max * 2 : 8;
		rs->r = ch_realloc( rs->r, rs->max * sizeof( bt_row ) );
	}
	memset( &rs->r[rs->n], 0, sizeof( bt_row ) );
	return &rs->r[rs->n++];
}

/* Adds key/val to a dupsort table unless it is there already.  Looking
 * first matters: a put of an existing pair still dirties the pages on
 * its path, and nearly every write repeats the names and references its
 * entry already had. */
static int
put_once( MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *val )
{
	MDB_cursor *mc;
	MDB_val k = *key, v = *val;
	int rc;

	rc = mdb_cursor_open( txn, dbi, &mc );
	if ( rc ) return rc;
	rc = mdb_cursor_get( mc, &k, &v, MDB_GET_BOTH );
	mdb_cursor_close( mc );
	if ( rc == 0 ) return 0;
	if ( rc != MDB_NOTFOUND ) return rc;
	rc = mdb_put( txn, dbi, key, val, MDB_NODUPDATA );
	return rc == MDB_KEYEXIST ? 0 : rc;
}

static int
names_put( bt_info *bi, MDB_txn *txn, const bt_uuid *parent,
	struct berval *nrdn, const bt_uuid *u )
{
	unsigned char kbuf[BT_UUID_LEN + BT_NAME_MAX];
	size_t nlen = nrdn->bv_len > BT_NAME_MAX ? BT_NAME_MAX : nrdn->bv_len;
	MDB_val key, val;

	memcpy( kbuf, parent->u, BT_UUID_LEN );
	memcpy( kbuf + BT_UUID_LEN, nrdn->bv_val, nlen );
	key.mv_data = kbuf;
	key.mv_size = BT_UUID_LEN + nlen;
	val.mv_data = (void *)u->u;
	val.mv_size = BT_UUID_LEN;
	return put_once( txn, bi->bi_names, &key, &val );
}

int
bt_is_reference( AttributeDescription *ad )
{
	static const struct berval uuid_syntax = BER_BVC( "1.3.6.1.1.16.1" );

	return ad != slap_schema.si_ad_entryUUID && ad->ad_type->sat_syntax &&
		bvmatch( &ad->ad_type->sat_syntax->ssyn_bvoid, &uuid_syntax );
}

/* Indexes the references a snapshot makes (its UUID-syntax attributes). */
static int
refs_put( bt_info *bi, MDB_txn *txn, Entry *e, const bt_uuid *u )
{
	unsigned char kbuf[BT_UUID_LEN + BT_NAME_MAX];
	Attribute *a;
	MDB_val key, val;
	unsigned i;
	int rc;

	for ( a = e->e_attrs; a; a = a->a_next ) {
		size_t nlen;
		if ( !bt_is_reference( a->a_desc ) ) continue;
		/* cut as bt_refs_get() cuts: the same key both ways */
		nlen = a->a_desc->ad_cname.bv_len > BT_NAME_MAX ? BT_NAME_MAX : a->a_desc->ad_cname.bv_len;
		for ( i = 0; i < a->a_numvals; i++ ) {
			if ( a->a_nvals[i].bv_len != BT_UUID_LEN ) continue;
			memcpy( kbuf, a->a_nvals[i].bv_val, BT_UUID_LEN );
			memcpy( kbuf + BT_UUID_LEN, a->a_desc->ad_cname.bv_val, nlen );
			key.mv_data = kbuf;
			key.mv_size = BT_UUID_LEN + nlen;
			val.mv_data = (void *)u->u;
			val.mv_size = BT_UUID_LEN;
			rc = put_once( txn, bi->bi_refs, &key, &val );
			if ( rc ) return rc;
		}
	}
	return bi->bi_has_refclass ? bt_refclass_put( bi, txn, e, u ) : 0;
}

/* Every entity that ever referenced target through attribute ad. */
int
bt_refs_get( bt_info *bi, MDB_txn *txn, const bt_uuid *target,
	AttributeDescription *ad, bt_uuid **uuids, int *n )
{
	unsigned char kbuf[BT_UUID_LEN + BT_NAME_MAX];
	size_t nlen = ad->ad_cname.bv_len > BT_NAME_MAX ? BT_NAME_MAX : ad->ad_cname.bv_len;
	MDB_cursor *mc;
	MDB_val key, val;
	int rc, max = 0;

	*uuids = NULL;
	*n = 0;
	if ( !bi->bi_refs ) return 0;
	memcpy( kbuf, target->u, BT_UUID_LEN );
	memcpy( kbuf + BT_UUID_LEN, ad->ad_cname.bv_val, nlen );
	key.mv_data = kbuf;
	key.mv_size = BT_UUID_LEN + nlen;
	rc = mdb_cursor_open( txn, bi->bi_refs, &mc );
	if ( rc ) return rc;
	for ( rc = mdb_cursor_get( mc, &key, &val, MDB_SET ); rc == 0;
		rc = mdb_cursor_get( mc, &key, &val, MDB_NEXT_DUP ) ) {
		if ( val.mv_size != BT_UUID_LEN ) continue;
		if ( *n == max ) {
			max = max ? max * 2 : 8;
			*uuids = ch_realloc( *uuids, max * sizeof( bt_uuid ) );
		}
		memcpy( (*uuids)[(*n)++].u, val.mv_data, BT_UUID_LEN );
	}
	mdb_cursor_close( mc );
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Writes r's header, actor and changed followed by a stored snapshot
 * (format BT_ROW_FORMAT or BT_ROW_DEFLATE) under a new key; r->seq is
 * assigned here. */
static int
row_store( bt_info *bi, MDB_txn *txn, bt_row *r, int format, struct berval *stored )
{
	unsigned char key[BT_KEY_LEN];
	MDB_val k, v;
	unsigned char *p;
	size_t alen = r->actor.bv_len;
	size_t clen = r->changed.bv_len;
	int rc;

	if ( alen > BT_FIELD_MAX || clen > BT_FIELD_MAX ) return MDB_BAD_VALSIZE;

	k.mv_data = key;
	k.mv_size = BT_KEY_LEN;
	v.mv_size = BT_HDR_LEN + alen + clen + stored->bv_len;
	for ( ;; ) {
		r->seq = __atomic_add_fetch( &bi->bi_seq, 1, __ATOMIC_RELAXED );
		row_key( key, &r->uuid, r->valid.from, r->recorded, r->seq );
		rc = mdb_put( txn, bi->bi_versions, &k, &v, MDB_NOOVERWRITE | MDB_RESERVE );
		if ( rc != MDB_KEYEXIST ) break;
		/* same second and sequence after a restart: take the next */
	}
	if ( rc ) return rc;
	p = v.mv_data;
	p[0] = format;
	p[1] = r->op;
	bt_time_put_key( r->valid.to, p + 2 );
	bt_time_put_key( r->superseded, p + 10 );
	memcpy( p + 18, r->parent.u, BT_UUID_LEN );
	put_u16( p + 34, alen );
	put_u16( p + 36, clen );
	if ( alen ) memcpy( p + BT_HDR_LEN, r->actor.bv_val, alen );
	if ( clen ) memcpy( p + BT_HDR_LEN + alen, r->changed.bv_val, clen );
	memcpy( p + BT_HDR_LEN + alen + clen, stored->bv_val, stored->bv_len );
	return 0;
}

/* Stores a new version.  r supplies uuid, periods, recorded, op, parent,
 * actor and changed; e the snapshot.  r->seq is assigned here. */
int
bt_row_put( bt_info *bi, MDB_txn *txn, bt_row *r, Entry *e )
{
	struct berval blob, nrdn, stored;
	unsigned char *z = NULL;
	Entry own;
	Attribute *own_attrs;
	int rc, format = BT_ROW_FORMAT;

	if ( !bt_period_is_valid( r->valid ) ) return 0;	/* nothing to keep */

	/* the entry's own facts only (bt_computed.c) */
	e = bt_entry_own_facts( bi, e, &own, &own_attrs );
	entry_encode( e, &blob );
	if ( blob.bv_len > BT_SNAPSHOT_MAX ) {
		ch_free( blob.bv_val );
		ch_free( own_attrs );
		return MDB_BAD_VALSIZE;
	}
	stored = blob;
	if ( bt_deflate( &blob, &stored ) == 0 ) {
		z = (unsigned char *)stored.bv_val;
		format = BT_ROW_DEFLATE;
	}
	rc = row_store( bi, txn, r, format, &stored );
	ch_free( blob.bv_val );
	ch_free( z );
	if ( rc ) goto out;

	if ( bt_uuid_is_zero( &r->parent ) ) {
		nrdn = e->e_nname;
	} else {
		dnRdn( &e->e_nname, &nrdn );
	}
	rc = names_put( bi, txn, &r->parent, &nrdn, &r->uuid );
	if ( rc ) goto out;
	rc = refs_put( bi, txn, e, &r->uuid );
out:
	ch_free( own_attrs );
	return rc;
}

/* Stores a new version whose snapshot and parent are those of the stored
 * version old (a piece of it outside a dated change's period): a format-3
 * row naming the row that holds the snapshot.  The names and references
 * tables already hold old's pairs. */
int
bt_row_put_same( bt_info *bi, MDB_txn *txn, bt_row *r, const bt_row *old )
{
	unsigned char key[BT_KEY_LEN], ref[BT_REF_LEN];
	MDB_val k, v;
	struct berval stored;
	int rc;

	if ( !bt_period_is_valid( r->valid ) ) return 0;
	row_key( key, &old->uuid, old->valid.from, old->recorded, old->seq );
	k.mv_data = key;
	k.mv_size = BT_KEY_LEN;
	rc = mdb_get( txn, bi->bi_versions, &k, &v );
	if ( rc ) return rc;
	/* a row that shares a snapshot itself: name the row that holds it */
	if ( row_snapshot_ref( &k, &v, ref ) ) return MDB_CORRUPTED;
	stored.bv_val = (char *)ref;
	stored.bv_len = BT_REF_LEN;
	r->parent = old->parent;
	return row_store( bi, txn, r, BT_ROW_SAME, &stored );
}

/* Closes a version's registration: the only change ever made to a stored
 * version, from "still current" (infinity) to the time it was replaced. */
int
bt_row_supersede( bt_info *bi, MDB_txn *txn, bt_row *r, bt_time when )
{
	unsigned char key[BT_KEY_LEN];
	MDB_val k, v;
	int rc;

	row_key( key, &r->uuid, r->valid.from, r->recorded, r->seq );
	k.mv_data = key;
	k.mv_size = BT_KEY_LEN;
	rc = mdb_get( txn, bi->bi_versions, &k, &v );
	if ( rc ) return rc;
	{
		/* copy out before writing: v points into the map */
		size_t len = v.mv_size;
		unsigned char *copy = ch_malloc( len );
		memcpy( copy, v.mv_data, len );
		bt_time_put_key( when, copy + 10 );
		v.mv_data = copy;
		rc = mdb_put( txn, bi->bi_versions, &k, &v, 0 );
		ch_free( copy );
	}
	if ( !rc ) r->superseded = when;
	return rc;
}

/* Calls fn on each stored version of u with validFrom <= upto, in key
 * order; fn returns non-zero to stop. */
typedef int (row_fn)( MDB_val *key, MDB_val *val, void *arg );

static int
rows_walk( bt_info *bi, MDB_txn *txn, const bt_uuid *u, bt_time upto,
	row_fn *fn, void *arg )
{
	unsigned char key[BT_KEY_LEN];
	MDB_cursor *mc;
	MDB_val k, v;
	int rc;

	rc = mdb_cursor_open( txn, bi->bi_versions, &mc );
	if ( rc ) return rc;
	row_key( key, u, BT_NEG_INFINITY, BT_NEG_INFINITY, 0 );
	k.mv_data = key;
	k.mv_size = BT_KEY_LEN;
	for ( rc = mdb_cursor_get( mc, &k, &v, MDB_SET_RANGE ); rc == 0;
		rc = mdb_cursor_get( mc, &k, &v, MDB_NEXT ) ) {
		if ( k.mv_size != BT_KEY_LEN || memcmp( k.mv_data, u->u, BT_UUID_LEN ) ) break;
		if ( bt_time_get_key( (unsigned char *)k.mv_data + BT_UUID_LEN ) > upto ) break;
		if ( fn( &k, &v, arg ) ) break;
	}
	mdb_cursor_close( mc );
	return rc == MDB_NOTFOUND ? 0 : rc;
}

typedef struct at_arg {
	bt_time vt, kt;
	MDB_val key, val;
	int found;
} at_arg;

static int
row_at_fn( MDB_val *key, MDB_val *val, void *arg )
{
	at_arg *a = arg;
	const unsigned char *k = key->mv_data, *v = val->mv_data;
	bt_time recorded, to, superseded;

	if ( val->mv_size < BT_HDR_LEN ) return 0;
	recorded = bt_time_get_key( k + BT_UUID_LEN + 8 );
	to = bt_time_get_key( v + 2 );
	superseded = bt_time_get_key( v + 10 );
	if ( a->vt < to && recorded <= a->kt && a->kt < superseded ) {
		a->key = *key;
		a->val = *val;
		a->found = 1;
	}
	return 0;
}

/* The version of u valid at valid_at as known at known_at. */
int
bt_row_at( bt_info *bi, MDB_txn *txn, const bt_uuid *u,
	bt_time valid_at, bt_time known_at, bt_row *out )
{
	at_arg a = { valid_at, known_at };
	int rc;

	rc = rows_walk( bi, txn, u, valid_at, row_at_fn, &a );
	if ( rc ) return rc;
	if ( !a.found ) return MDB_NOTFOUND;
	memset( out, 0, sizeof( *out ) );
	return row_decode( bi, txn, bi->bi_versions, &a.key, &a.val, out ) ? MDB_CORRUPTED : 0;
}

typedef struct cur_arg {
	bt_period within;
	bt_rows *out;
	int all;
	int err;
	MDB_txn *txn;		/* to fetch shared snapshots */
	MDB_dbi dbi;
	bt_info *bi;
} cur_arg;

static int
rows_collect_fn( MDB_val *key, MDB_val *val, void *arg )
{
	cur_arg *a = arg;
	const unsigned char *v = val->mv_data;
	bt_period p;

	if ( val->mv_size < BT_HDR_LEN ) return 0;
	if ( !a->all ) {
		if ( bt_time_get_key( v + 10 ) != BT_INFINITY ) return 0;	/* superseded */
		p.from = bt_time_get_key( (unsigned char *)key->mv_data + BT_UUID_LEN );
		p.to = bt_time_get_key( v + 2 );
		if ( !bt_period_overlaps( p, a->within ) ) return 0;
	}
	if ( row_decode( a->bi, a->txn, a->dbi, key, val, rows_push( a->out ) ) ) {
		a->out->n--;
		a->err = MDB_CORRUPTED;
		return 1;
	}
	return 0;
}

/* The current versions (registration still open) of u whose valid period
 * overlaps within, in validFrom order. */
int
bt_rows_current( bt_info *bi, MDB_txn *txn, const bt_uuid *u,
	bt_period within, bt_rows *out )
{
	cur_arg a = { within, out, 0, 0, txn, bi->bi_versions, bi };
	int rc = rows_walk( bi, txn, u, within.to, rows_collect_fn, &a );
	return rc ? rc : a.err;
}

/* Every version of u ever registered, in (validFrom, recordedAt) order. */
int
bt_rows_all( bt_info *bi, MDB_txn *txn, const bt_uuid *u, bt_rows *out )
{
	cur_arg a = { { 0, 0 }, out, 1, 0, txn, bi->bi_versions, bi };
	int rc = rows_walk( bi, txn, u, BT_INFINITY, rows_collect_fn, &a );
	return rc ? rc : a.err;
}

static int
any_fn( MDB_val *key, MDB_val *val, void *arg )
{
	*(int *)arg = 1;
	return 1;
}

int
bt_has_rows( bt_info *bi, MDB_txn *txn, const bt_uuid *u )
{
	int found = 0, rc = rows_walk( bi, txn, u, BT_INFINITY, any_fn, &found );

	if ( rc && rc != MDB_NOTFOUND ) return -1;
	return found;
}

/* The snapshot of a version as a normal, modifiable Entry. */
int
bt_row_entry( bt_row *r, Entry **ep )
{
	Entry *e;
	int rc = bt_row_entry_ro( r, &e );

	if ( rc ) return rc;
	/* the decoded entry lives in one block (e_bv) that its names point
	 * into; a copy can be modified and freed the normal way */
	*ep = entry_dup( e );
	BER_BVZERO( &e->e_name );
	BER_BVZERO( &e->e_nname );
	entry_free( e );
	return 0;
}

/* The snapshot decoded in place, for reading: attributes may be added or
 * removed, but its values and names point into one block, so the caller
 * gives it names of its own (or zeroes them) before entry_free(). */
int
bt_row_entry_ro( bt_row *r, Entry **ep )
{
	EntryHeader eh;
	Entry *e = NULL;
	ptrdiff_t eoff;
	int rc;

	eh.bv = r->blob;
	rc = entry_header( &eh );
	if ( rc ) return rc;
	eoff = eh.data - r->blob.bv_val;
	eh.bv.bv_len = eh.nvals * sizeof( struct berval ) + r->blob.bv_len;
	eh.bv.bv_val = ch_malloc( eh.bv.bv_len );
	eh.data = eh.bv.bv_val + eh.nvals * sizeof( struct berval );
	memcpy( eh.data, r->blob.bv_val, r->blob.bv_len );
	eh.data += eoff;
	rc = entry_decode( &eh, &e );
	if ( rc ) {
		ch_free( eh.bv.bv_val );
		return rc;
	}
	*ep = e;
	return 0;
}

/* ------------------------------------------------------------------ */
int
bt_names_get( bt_info *bi, MDB_txn *txn, const bt_uuid *parent,
	struct berval *nrdn, bt_uuid **uuids, int *n )
{
	unsigned char kbuf[BT_UUID_LEN + BT_NAME_MAX];
	size_t nlen = nrdn->bv_len > BT_NAME_MAX ? BT_NAME_MAX : nrdn->bv_len;
	MDB_cursor *mc;
	MDB_val key, val;
	int rc, max = 0;

	*uuids = NULL;
	*n = 0;
	memcpy( kbuf, parent->u, BT_UUID_LEN );
	memcpy( kbuf + BT_UUID_LEN, nrdn->bv_val, nlen );
	key.mv_data = kbuf;
	key.mv_size = BT_UUID_LEN + nlen;
	rc = mdb_cursor_open( txn, bi->bi_names, &mc );
	if ( rc ) return rc;
	for ( rc = mdb_cursor_get( mc, &key, &val, MDB_SET ); rc == 0;
		rc = mdb_cursor_get( mc, &key, &val, MDB_NEXT_DUP ) ) {
		if ( val.mv_size != BT_UUID_LEN ) continue;
		if ( *n == max ) {
			max = max ? max * 2 : 4;
			*uuids = ch_realloc( *uuids, max * sizeof( bt_uuid ) );
		}
		memcpy( (*uuids)[(*n)++].u, val.mv_data, BT_UUID_LEN );
	}
	mdb_cursor_close( mc );
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Every (name, uuid) ever registered under parent. */
int
bt_names_children( bt_info *bi, MDB_txn *txn, const bt_uuid *parent,
	bt_child_fn *fn, void *arg )
{
	MDB_cursor *mc;
	MDB_val key, val;
	bt_uuid u;
	struct berval nrdn;
	int rc;

	rc = mdb_cursor_open( txn, bi->bi_names, &mc );
	if ( rc ) return rc;
	key.mv_data = (void *)parent->u;
	key.mv_size = BT_UUID_LEN;
	for ( rc = mdb_cursor_get( mc, &key, &val, MDB_SET_RANGE ); rc == 0;
		rc = mdb_cursor_get( mc, &key, &val, MDB_NEXT ) ) {
		if ( key.mv_size < BT_UUID_LEN || memcmp( key.mv_data, parent->u, BT_UUID_LEN ) ) break;
		if ( val.mv_size != BT_UUID_LEN ) continue;
		memcpy( u.u, val.mv_data, BT_UUID_LEN );
		nrdn.bv_val = (char *)key.mv_data + BT_UUID_LEN;
		nrdn.bv_len = key.mv_size - BT_UUID_LEN;
		if ( fn( &u, &nrdn, arg ) ) break;
	}
	mdb_cursor_close( mc );
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* ------------------------------------------------------------------ */
int
bt_due_put( bt_info *bi, MDB_txn *txn, bt_time t, const bt_uuid *u )
{
	unsigned char kbuf[8 + BT_UUID_LEN];
	MDB_val key, val;

	bt_time_put_key( t, kbuf );
	memcpy( kbuf + 8, u->u, BT_UUID_LEN );
	key.mv_data = kbuf;
	key.mv_size = sizeof( kbuf );
	val.mv_data = "";
	val.mv_size = 0;
	return mdb_put( txn, bi->bi_due, &key, &val, 0 );
}

/* Removes the activations of u due at or before upto: one projection onto
 * the live DIT serves them all. */
int
bt_due_del_upto( bt_info *bi, MDB_txn *txn, bt_time upto, const bt_uuid *u )
{
	MDB_cursor *mc;
	MDB_val key, val;
	int rc;

	rc = mdb_cursor_open( txn, bi->bi_due, &mc );
	if ( rc ) return rc;
	for ( rc = mdb_cursor_get( mc, &key, &val, MDB_FIRST ); rc == 0;
		rc = mdb_cursor_get( mc, &key, &val, MDB_NEXT ) ) {
		if ( key.mv_size != 8 + BT_UUID_LEN ) continue;
		if ( bt_time_get_key( key.mv_data ) > upto ) break;
		if ( memcmp( (char *)key.mv_data + 8, u->u, BT_UUID_LEN ) == 0 ) {
			rc = mdb_cursor_del( mc, 0 );
			if ( rc ) break;
		}
	}
	mdb_cursor_close( mc );
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The first activation after (after_t, after_u), or the first of all
 * when after_t is NULL. */
int
bt_due_next( bt_info *bi, MDB_txn *txn, const bt_time *after_t,
	const bt_uuid *after_u, bt_time *t, bt_uuid *u )
{
	unsigned char kbuf[8 + BT_UUID_LEN];
	MDB_cursor *mc;
	MDB_val key, val;
	int rc;

	rc = mdb_cursor_open( txn, bi->bi_due, &mc );
	if ( rc ) return rc;
	if ( after_t ) {
		bt_time_put_key( *after_t, kbuf );
		memcpy( kbuf + 8, after_u->u, BT_UUID_LEN );
		key.mv_data = kbuf;
		key.mv_size = sizeof( kbuf );
		rc = mdb_cursor_get( mc, &key, &val, MDB_SET_RANGE );
		if ( rc == 0 && key.mv_size == sizeof( kbuf ) && memcmp( key.mv_data, kbuf, sizeof( kbuf ) ) == 0 )
			rc = mdb_cursor_get( mc, &key, &val, MDB_NEXT );
	} else {
		rc = mdb_cursor_get( mc, &key, &val, MDB_FIRST );
	}
	if ( rc == 0 ) {
		if ( key.mv_size != 8 + BT_UUID_LEN ) {
			rc = MDB_CORRUPTED;
		} else {
			*t = bt_time_get_key( key.mv_data );
			memcpy( u->u, (char *)key.mv_data + 8, BT_UUID_LEN );
		}
	}
	mdb_cursor_close( mc );
	return rc;
}
