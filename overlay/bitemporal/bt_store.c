/* bt_store.c - the history store: LMDB named databases inside back-mdb's
 * environment.
 *
 * Living in back-mdb's environment is what makes a history row and the
 * live change it describes atomic: both are written in back-mdb's write
 * transaction (shared through the operation's o_extra, the mechanism of
 * RFC 5805 transactions), one commit, one fsync.
 *
 * Tables (their keys and values byte for byte, and the row formats, are
 * in bt_codec.h, which encodes and decodes them; this file is what LMDB
 * and slapd do with them):
 *   modir_bt_versions  uuid validFrom recordedAt seq -> a version: its
 *                      periods, parent, actor, changed attributes and
 *                      snapshot (entry_encode(), maybe deflated or shared)
 *   modir_bt_names     parent normalized-RDN -> uuid  (dupsort)
 *                      every name an entity ever had; roots (parent all
 *                      zero) are keyed by their whole normalized DN
 *   modir_bt_due       time uuid -> ""  activations still to run
 *   modir_bt_refs      target attribute-name -> uuid (dupsort)
 *                      every entity whose versions ever referenced target
 *                      through a UUID-syntax attribute (moRefPerson, ...):
 *                      "everything that ever pointed at this person"
 *   modir_bt_refclass  the same keyed by the referring version's class
 *                      (bt_refclass.c)
 * A stored row that does not decode is returned as a read error
 * (MDB_CORRUPTED, or the LMDB error met), never skipped here and never
 * read past its end.
 */
#include "portable.h"

#include <ac/errno.h>
#include <ac/string.h>

#include "slap.h"
#include "slap-config.h"

#include "modir.h"
#include "bitemporal.h"
#include "bt_codec.h"

#define BT_DB_VERSIONS "modir_bt_versions"
#define BT_DB_NAMES    "modir_bt_names"
#define BT_DB_DUE      "modir_bt_due"
#define BT_DB_REFS     "modir_bt_refs"
#define BT_DB_REFCLASS "modir_bt_refclass"

static int refs_fold_options( bt_info *bi, MDB_txn *txn, int *moved );

const char *const bt_opkind_names[] = {
	"baseline", "add", "modify", "delete", "modrdn", "import"
};

void
bt_release_write_memory( bt_info *bi )
{
	MDB_txn *txn;
	size_t n;

	if ( !bi->bt_env || mdb_txn_begin( bi->bt_env, NULL, 0, &txn ) ) return;
	n = modir_mdb_release_free_pages( txn, BT_WRITE_PAGES_KEEP );
	mdb_txn_abort( txn );
	/* page-sized blocks freed in the middle of the heap stay the
	 * process's until trimmed: free() returns only the heap's top */
	if ( n >= BT_WRITE_PAGES_KEEP ) modir_heap_release();
	if ( n )
		Debug( LDAP_DEBUG_STATS, "bitemporal: released %zu pages of earlier write transactions\n", n );
}

/* slapcat: the tables may not exist yet, nothing is created; an absent
 * class index (a database from before it) leaves readers to modir_bt_refs */
static int
tables_open_readonly( bt_info *bi )
{
	MDB_txn *txn;
	int rc;

	if ( ( rc = mdb_txn_begin( bi->bt_env, NULL, MDB_RDONLY, &txn ) ) ) return rc;
	rc = mdb_dbi_open( txn, BT_DB_VERSIONS, 0, &bi->bt_versions );
	if ( !rc ) rc = mdb_dbi_open( txn, BT_DB_NAMES, MDB_DUPSORT, &bi->bt_names );
	if ( !rc ) rc = mdb_dbi_open( txn, BT_DB_DUE, 0, &bi->bt_due );
	if ( !rc ) rc = mdb_dbi_open( txn, BT_DB_REFS, MDB_DUPSORT, &bi->bt_refs );
	bi->bt_has_refclass = !rc &&
		!mdb_dbi_open( txn, BT_DB_REFCLASS, MDB_DUPSORT, &bi->bt_refclass );
	mdb_txn_abort( txn );
	bi->bt_open = ( rc == 0 );
	return 0;
}

/* modir_bt_refclass from the versions, when it holds fewer pairs than
 * modir_bt_refs: every version of every entity, in the store's open
 * transaction */
static int
refclass_complete( bt_info *bi, MDB_txn *txn )
{
	MDB_stat rs, cs;
	MDB_cursor *mc;
	MDB_val k, v;
	bt_uuid u, last;
	unsigned long n = 0;
	int rc, have = 0, i;

	if ( ( rc = mdb_stat( txn, bi->bt_refs, &rs ) ) ||
		( rc = mdb_stat( txn, bi->bt_refclass, &cs ) ) ) return rc;
	if ( cs.ms_entries >= rs.ms_entries ) return 0;
	Debug( LDAP_DEBUG_ANY, "bitemporal: indexing the references of the history "
		"by class (%lu of %lu pairs)\n", (unsigned long)cs.ms_entries,
		(unsigned long)rs.ms_entries );
	rc = mdb_cursor_open( txn, bi->bt_versions, &mc );
	if ( rc ) return rc;
	for ( rc = mdb_cursor_get( mc, &k, &v, MDB_FIRST ); rc == 0;
		rc = mdb_cursor_get( mc, &k, &v, MDB_NEXT ) ) {
		bt_rows rows = { 0 };
		if ( k.mv_size < BT_UUID_LEN ) continue;
		memcpy( u.u, k.mv_data, BT_UUID_LEN );
		if ( have && memcmp( &u, &last, sizeof( u ) ) == 0 ) continue;
		last = u;
		have = 1;
		/* the versions of one entity; the writes below go to another
		 * table, which leaves this cursor where it is */
		rc = bt_rows_all( bi, txn, &u, &rows );
		for ( i = 0; i < rows.n && !rc; i++ ) {
			Entry *e;
			if ( bt_row_entry_ro( &rows.r[i], &e ) ) {
				rc = MDB_CORRUPTED;
				break;
			}
			rc = bt_refclass_put( bi, txn, e, &u );
			BER_BVZERO( &e->e_name );
			BER_BVZERO( &e->e_nname );
			entry_free( e );
			n++;
		}
		bt_rows_free( &rows );
		if ( rc ) break;
	}
	mdb_cursor_close( mc );
	if ( rc == MDB_NOTFOUND ) rc = 0;
	if ( rc ) Debug( LDAP_DEBUG_ANY, "bitemporal: cannot index the references "
		"of the history by class: %s\n", mdb_strerror( rc ) );
	else Debug( LDAP_DEBUG_STATS, "bitemporal: %lu versions indexed by class\n", n );
	return rc;
}

/* The tables, created if absent, and brought to this version's form in
 * txn: references through attributes with options filed under their type,
 * then the class index completed from the versions (under the same type
 * names). */
static int
tables_open( bt_info *bi, MDB_txn *txn )
{
	int rc, moved;

	if ( ( rc = mdb_dbi_open( txn, BT_DB_VERSIONS, MDB_CREATE, &bi->bt_versions ) ) ||
		( rc = mdb_dbi_open( txn, BT_DB_NAMES, MDB_CREATE | MDB_DUPSORT, &bi->bt_names ) ) ||
		( rc = mdb_dbi_open( txn, BT_DB_DUE, MDB_CREATE, &bi->bt_due ) ) ||
		( rc = mdb_dbi_open( txn, BT_DB_REFS, MDB_CREATE | MDB_DUPSORT, &bi->bt_refs ) ) ||
		( rc = mdb_dbi_open( txn, BT_DB_REFCLASS, MDB_CREATE | MDB_DUPSORT, &bi->bt_refclass ) ) ||
		( rc = refs_fold_options( bi, txn, &moved ) ) )
		return rc;
	if ( moved )
		Debug( LDAP_DEBUG_ANY, "bitemporal: %d references through attributes "
			"with options indexed under their attribute type\n", moved );
	return refclass_complete( bi, txn );
}

int
bt_store_open( bt_info *bi, BackendDB *be, BackendInfo *backend, ConfigReply *cr )
{
	MDB_txn *txn;
	unsigned int flags = 0;
	int rc;

	if ( strcmp( backend->bi_type, "mdb" ) != 0 ) {
		snprintf( cr->msg, sizeof( cr->msg ),
			"bitemporal overlay needs a back-mdb database (this one is \"%s\")",
			backend->bi_type );
		Debug( LDAP_DEBUG_ANY, "%s\n", cr->msg );
		return 1;
	}
	if ( bt_backend_env( be, &bi->bt_env, &bi->bt_mdb ) ) {
		snprintf( cr->msg, sizeof( cr->msg ), "bitemporal overlay: the back-mdb database has no environment open" );
		Debug( LDAP_DEBUG_ANY, "%s\n", cr->msg );
		return 1;
	}
	/* LMDB has no nested transactions with a writable map (back-mdb's
	 * "envflags writemap"): then every write commits alone (bt_commit.c) */
	mdb_env_get_flags( bi->bt_env, &flags );
	bi->bt_no_nesting = ( flags & MDB_WRITEMAP ) != 0;

	if ( slapMode & SLAP_TOOL_READONLY ) {
		if ( ( rc = tables_open_readonly( bi ) ) ) goto fail;
		return 0;
	}
	if ( ( rc = mdb_txn_begin( bi->bt_env, NULL, 0, &txn ) ) ) goto fail;
	if ( ( rc = tables_open( bi, txn ) ) ) {
		mdb_txn_abort( txn );
		goto fail;
	}
	bi->bt_has_refclass = 1;
	if ( ( rc = mdb_txn_commit( txn ) ) ) goto fail;
	bi->bt_open = 1;
	/* keys of new rows are unique from here on, not against the
	 * snapshots kept while the store was open before */
	bi->bt_seq = 0;
	bt_snapcache_clear( bi->bt_snaps );
	return 0;

fail:
	{
		const char *home = NULL;
		mdb_env_get_path( bi->bt_env, &home );
		snprintf( cr->msg, sizeof( cr->msg ),
			"bitemporal: cannot open history tables in %s: %s",
			home ? home : "(unknown)", mdb_strerror( rc ) );
	}
	Debug( LDAP_DEBUG_ANY, "%s\n", cr->msg );
	return 1;
}

void
bt_store_close( bt_info *bi )
{
	/* the DBI handles belong to back-mdb's environment, which back-mdb
	 * closes; nothing to release here */
	bi->bt_open = 0;
	bi->bt_env = NULL;
}

/* ------------------------------------------------------------------ */
/* The calling thread's zlib streams (bt_codec.h), kept under a
 * thread-pool key as back-mdb keeps the thread's reader; a fresh set the
 * caller must free (*owned) when the thread has no pool context.  NULL
 * when out of memory. */
static char bt_zkey;

static void
bt_zstreams_release( void *key, void *data )
{
	bt_zstreams_free( data );
}

static void *
bt_zstreams_make( void )
{
	return bt_zstreams_new();
}

static bt_zstreams *
bt_zstreams_get( int *owned )
{
	return modir_thread_object( &bt_zkey, bt_zstreams_make, bt_zstreams_release, owned );
}

static void
row_key( unsigned char key[BT_VK_LEN], const bt_uuid *u, bt_time from,
	bt_time recorded, uint32_t seq )
{
	bt_vkey k;

	k.uuid = *u;
	k.from = from;
	k.recorded = recorded;
	k.seq = seq;
	bt_vkey_encode( &k, key );
}

/* The value that holds the snapshot of the stored row k/v: v itself, or
 * the row (of format 1 or 2) that a format-3 row names.  A reference to a
 * row that is missing, does not decode or shares a snapshot itself is
 * MDB_CORRUPTED. */
static int
row_snapshot( MDB_txn *txn, MDB_dbi dbi, const bt_vkey *k, const bt_vval *v,
	bt_vval *s )
{
	unsigned char tkey[BT_VK_LEN];
	MDB_val tk, tv;
	int rc;

	if ( v->format != BT_ROW_SAME ) {
		*s = *v;
		return 0;
	}
	row_key( tkey, &k->uuid, v->ref.from, v->ref.recorded, v->ref.seq );
	tk.mv_data = tkey;
	tk.mv_size = BT_VK_LEN;
	rc = mdb_get( txn, dbi, &tk, &tv );
	if ( rc ) return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
	rc = bt_vval_decode( &tv, s );
	if ( rc ) return rc;
	return s->format == BT_ROW_SAME ? MDB_CORRUPTED : 0;
}

static void *
ch_malloc_sz( size_t n )
{
	return ch_malloc( n );
}

/* Decodes a stored key/value into r, copying the value (its snapshot
 * inflated, a shared one fetched) so that r stays valid across later
 * writes in the same transaction.  0, or MDB_CORRUPTED for a row that does
 * not decode (bt_codec.h), or another LMDB code: a read error either way. */
/* The key of the row that holds the snapshot of k/v (itself, or the one a
 * format-3 row names): what the inflated-snapshot cache is keyed by, so
 * that rows sharing a snapshot share its entry (bt_snapcache.c). */
static void
snapshot_holder( const bt_vkey *k, const bt_vval *v, unsigned char out[BT_VK_LEN] )
{
	if ( v->format == BT_ROW_SAME )
		row_key( out, &k->uuid, v->ref.from, v->ref.recorded, v->ref.seq );
	else
		bt_vkey_encode( k, out );
}

/* The plain snapshot of k/v after v's head in a new buffer: from the
 * cache of inflated snapshots, or read (a shared one fetched), inflated,
 * checked and then kept there. */
static int
row_body( bt_info *bi, MDB_txn *txn, MDB_dbi dbi, const bt_vkey *k,
	const bt_vval *v, char **out, size_t *plain )
{
	unsigned char holder[BT_VK_LEN];
	bt_vval s;
	char *buf;
	int rc, owned;

	snapshot_holder( k, v, holder );
	if ( bt_snapcache_get( bi->bt_snaps, holder, v->head_len, ch_malloc_sz, out, plain ) == 0 )
		return 0;
	if ( ( rc = row_snapshot( txn, dbi, k, v, &s ) ) ) return rc;
	buf = ch_malloc( v->head_len + s.plain_len + 1 );
	if ( BT_ROW_DEFLATED( s.format ) ) {
		bt_zstreams *z = bt_zstreams_get( &owned );
		rc = z ? bt_vval_snapshot( z, &s, buf + v->head_len ) : ENOMEM;
		if ( owned ) bt_zstreams_free( z );
	} else {
		rc = bt_vval_snapshot( NULL, &s, buf + v->head_len );
	}
	if ( rc ) {
		ch_free( buf );
		return rc;
	}
	/* only a snapshot that decoded and checked is shared */
	bt_snapcache_put( bi->bt_snaps, holder, buf + v->head_len, s.plain_len );
	*out = buf;
	*plain = s.plain_len;
	return 0;
}

static int
row_decode( bt_info *bi, MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *val, bt_row *r )
{
	bt_vkey k;
	bt_vval v;
	size_t plain;
	char *buf;
	int rc;

	if ( ( rc = bt_vkey_decode( key, &k ) ) || ( rc = bt_vval_decode( val, &v ) ) ||
		( rc = row_body( bi, txn, dbi, &k, &v, &buf, &plain ) ) )
		return rc;
	/* the header, actor and changed as stored, then the plain snapshot */
	memcpy( buf, val->mv_data, v.head_len );
	r->rw_buf = buf;
	r->uuid = k.uuid;
	r->valid.from = k.from;
	r->valid.to = v.to;
	r->recorded = k.recorded;
	r->superseded = v.superseded;
	r->seq = k.seq;
	r->op = v.op;
	r->parent = v.parent;
	r->actor.bv_val = buf + BT_VV_HDR_LEN;
	r->actor.bv_len = v.actor_len;
	r->changed.bv_val = r->actor.bv_val + v.actor_len;
	r->changed.bv_len = v.changed_len;
	r->blob.bv_val = buf + v.head_len;
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

/* The uuids stored under key in a dupsort table (names, refs): *uuids
 * (ch_malloc'd) and *n.  On error, none (and *uuids NULL). */
static int
dups_get( MDB_txn *txn, MDB_dbi dbi, MDB_val *key, bt_uuid **uuids, int *n )
{
	MDB_cursor *mc;
	MDB_val k = *key, val;
	int rc, max = 0;

	rc = mdb_cursor_open( txn, dbi, &mc );
	if ( rc ) return rc;
	for ( rc = mdb_cursor_get( mc, &k, &val, MDB_SET ); rc == 0;
		rc = mdb_cursor_get( mc, &k, &val, MDB_NEXT_DUP ) ) {
		if ( *n == max ) {
			max = max ? max * 2 : 8;
			*uuids = ch_realloc( *uuids, max * sizeof( bt_uuid ) );
		}
		rc = bt_uuid_decode( &val, &( *uuids )[*n] );
		if ( rc ) break;
		( *n )++;
	}
	mdb_cursor_close( mc );
	if ( rc == MDB_NOTFOUND ) return 0;
	ch_free( *uuids );
	*uuids = NULL;
	*n = 0;
	return rc;
}

static int
names_put( bt_info *bi, MDB_txn *txn, const bt_uuid *parent,
	struct berval *nrdn, const bt_uuid *u )
{
	unsigned char kbuf[BT_NK_MAX];
	MDB_val key, val;
	int rc, added = 0;

	key.mv_data = kbuf;
	key.mv_size = bt_nkey_encode( parent, nrdn->bv_val, nrdn->bv_len, kbuf );
	val.mv_data = (void *)u->u;
	val.mv_size = BT_UUID_LEN;
	rc = bt_put_once( txn, bi->bt_names, &key, &val, &added );
	/* a cache that listed parent's children must learn of a new one */
	if ( !rc && added ) bt_refs_touch( bi, txn, parent );
	return rc;
}

/* Indexes the references a snapshot makes (its UUID-syntax attributes). */
static int
refs_put( bt_info *bi, MDB_txn *txn, Entry *e, const bt_uuid *u )
{
	unsigned char kbuf[BT_NK_MAX];
	Attribute *a;
	MDB_val key, val;
	unsigned i;
	int rc, added;

	for ( a = e->e_attrs; a; a = a->a_next ) {
		if ( !bt_is_reference( a->a_desc ) ) continue;
		for ( i = 0; i < a->a_numvals; i++ ) {
			if ( a->a_nvals[i].bv_len != BT_UUID_LEN ) continue;
			/* the key bt_refs_get() builds: one encoder, the same
			 * (cut) name both ways, the attribute type's (a value of
			 * moRefUnit;x-foo refers as moRefUnit does) */
			key.mv_data = kbuf;
			key.mv_size = bt_nkey_encode( (bt_uuid *)a->a_nvals[i].bv_val,
				a->a_desc->ad_type->sat_cname.bv_val,
				a->a_desc->ad_type->sat_cname.bv_len, kbuf );
			val.mv_data = (void *)u->u;
			val.mv_size = BT_UUID_LEN;
			rc = bt_put_once( txn, bi->bt_refs, &key, &val, &added );
			if ( rc ) return rc;
			if ( added ) bt_refs_touch( bi, txn, (bt_uuid *)a->a_nvals[i].bv_val );
		}
	}
	return bi->bt_has_refclass ? bt_refclass_put( bi, txn, e, u ) : 0;
}

/* Every entity that ever referenced target through attribute ad's type
 * (with any options). */
int
bt_refs_get( bt_info *bi, MDB_txn *txn, const bt_uuid *target,
	AttributeDescription *ad, bt_uuid **uuids, int *n )
{
	unsigned char kbuf[BT_NK_MAX];
	MDB_val key;

	*uuids = NULL;
	*n = 0;
	if ( !bi->bt_refs ) return 0;
	key.mv_data = kbuf;
	key.mv_size = bt_nkey_encode( target, ad->ad_type->sat_cname.bv_val,
		ad->ad_type->sat_cname.bv_len, kbuf );
	return dups_get( txn, bi->bt_refs, &key, uuids, n );
}

/* The entities that ever referenced target through ad in a version of
 * class oc (bt_refclass_get); where the index by class is missing (a
 * read-only tool on an older database), every one that referenced it. */
int
bt_refs_get_class( bt_info *bi, MDB_txn *txn, const bt_uuid *target,
	AttributeDescription *ad, ObjectClass *oc, bt_uuid **uuids, int *n )
{
	if ( !bi->bt_has_refclass ) return bt_refs_get( bi, txn, target, ad, uuids, n );
	return bt_refclass_get( bi, txn, target, ad, oc, uuids, n );
}

/* A database written before references were indexed by attribute type
 * holds those made through an attribute with options (moRefUnit;x-foo)
 * under the whole description, where no lookup finds them: they are
 * moved under the type's name (the part before the first ';') when the
 * store opens, in its transaction.  *moved counts them. */
static int
refs_fold_options( bt_info *bi, MDB_txn *txn, int *moved )
{
	typedef struct { unsigned char k[BT_NK_MAX]; size_t klen; bt_uuid v; } pair;
	MDB_cursor *mc;
	MDB_val key, val;
	pair *p = NULL;
	int n = 0, max = 0, i, rc;

	*moved = 0;
	rc = mdb_cursor_open( txn, bi->bt_refs, &mc );
	if ( rc ) return rc;
	for ( rc = mdb_cursor_get( mc, &key, &val, MDB_FIRST ); rc == 0;
		rc = mdb_cursor_get( mc, &key, &val, MDB_NEXT ) ) {
		bt_uuid target;
		const char *name;
		size_t len;
		if ( ( rc = bt_nkey_decode( &key, &target, &name, &len ) ) ) break;
		if ( !memchr( name, ';', len ) ) continue;
		if ( val.mv_size != BT_UUID_LEN || key.mv_size > BT_NK_MAX ) {
			rc = MDB_CORRUPTED;
			break;
		}
		if ( n == max ) {
			max = max ? 2 * max : 16;
			p = ch_realloc( p, max * sizeof( pair ) );
		}
		memcpy( p[n].k, key.mv_data, key.mv_size );
		p[n].klen = key.mv_size;
		memcpy( p[n].v.u, val.mv_data, BT_UUID_LEN );
		n++;
	}
	mdb_cursor_close( mc );
	if ( rc != MDB_NOTFOUND ) goto out;
	rc = 0;
	for ( i = 0; i < n && !rc; i++ ) {
		unsigned char kbuf[BT_NK_MAX];
		MDB_val ok = { p[i].klen, p[i].k }, nk, v = { BT_UUID_LEN, p[i].v.u };
		bt_uuid target;
		const char *name;
		size_t len;
		bt_nkey_decode( &ok, &target, &name, &len );
		nk.mv_data = kbuf;
		nk.mv_size = bt_nkey_encode( &target, name,
			(const char *)memchr( name, ';', len ) - name, kbuf );
		if ( !( rc = bt_put_once( txn, bi->bt_refs, &nk, &v, NULL ) ) )
			rc = mdb_del( txn, bi->bt_refs, &ok, &v );
	}
	if ( !rc ) *moved = n;
out:
	ch_free( p );
	return rc;
}

/* Writes a version under a new key: r's periods, op, parent, actor and
 * changed, and v's format and body (or reference).  r->seq is assigned
 * here.  MDB_BAD_VALSIZE when a field does not fit (bt_codec.h). */
static int
row_store( bt_info *bi, MDB_txn *txn, bt_row *r, bt_vval *v )
{
	unsigned char key[BT_VK_LEN];
	MDB_val k, d;
	size_t size;
	int rc;

	v->op = r->op;
	v->to = r->valid.to;
	v->superseded = r->superseded;
	v->parent = r->parent;
	v->actor = r->actor.bv_val;
	v->actor_len = r->actor.bv_len;
	v->changed = r->changed.bv_val;
	v->changed_len = r->changed.bv_len;
	rc = bt_vval_size( v, &size );
	if ( rc ) return rc;

	k.mv_data = key;
	k.mv_size = BT_VK_LEN;
	d.mv_size = size;
	for ( ;; ) {
		r->seq = __atomic_add_fetch( &bi->bt_seq, 1, __ATOMIC_RELAXED );
		row_key( key, &r->uuid, r->valid.from, r->recorded, r->seq );
		rc = mdb_put( txn, bi->bt_versions, &k, &d, MDB_NOOVERWRITE | MDB_RESERVE );
		if ( rc != MDB_KEYEXIST ) break;
		/* same second and sequence after a restart: take the next */
	}
	if ( rc ) return rc;
	bt_touch( bi, txn, &r->uuid );
	/* cannot fail: bt_vval_size() accepted v */
	return bt_vval_encode( v, d.mv_data );
}

/* Stores a new version.  r supplies uuid, periods, recorded, op, parent,
 * actor and changed; e the snapshot.  r->seq is assigned here. */
/* The body of a version holding the snapshot blob: deflated when that
 * makes it smaller (*z, the caller frees it), plain when it does not or
 * when zlib has no memory.  Returns MDB_BAD_VALSIZE for a snapshot over
 * BT_SNAPSHOT_MAX, else 0. */
static int
snapshot_body( struct berval *blob, bt_vval *v, unsigned char **z )
{
	bt_zstreams *zs;
	size_t zlen = 0;
	int rc, owned;

	memset( v, 0, sizeof( *v ) );
	v->format = BT_ROW_PLAIN;
	v->body = (unsigned char *)blob->bv_val;
	v->body_len = v->plain_len = blob->bv_len;
	*z = NULL;
	if ( !( zs = bt_zstreams_get( &owned ) ) ) return 0;
	*z = ch_malloc( blob->bv_len ? blob->bv_len : 1 );
	rc = bt_deflate( zs, blob->bv_val, blob->bv_len, *z, &zlen );
	if ( owned ) bt_zstreams_free( zs );
	if ( rc == MDB_BAD_VALSIZE ) return rc;
	if ( rc == 0 && zlen ) {
		v->format = BT_ROW_DEFLATE_DICT;
		v->body = *z;
		v->body_len = zlen;
	}
	return 0;
}

int
bt_row_put( bt_info *bi, MDB_txn *txn, bt_row *r, Entry *e )
{
	struct berval blob, nrdn;
	unsigned char *z = NULL;
	bt_vval v;
	Entry own;
	Attribute *own_attrs;
	int rc;

	if ( !bt_period_is_valid( r->valid ) ) return 0;	/* nothing to keep */

	/* the entry's own facts only (bt_computed.c) */
	e = bt_entry_own_facts( bi, e, &own, &own_attrs );
	entry_encode( e, &blob );
	rc = snapshot_body( &blob, &v, &z );
	if ( rc ) goto out;	/* over BT_SNAPSHOT_MAX */
	rc = row_store( bi, txn, r, &v );
	if ( rc ) goto out;
	/* The new version is what the entity's next change reads first (and
	 * inflated, that was a tenth of a single writer's modify): kept plain
	 * in the snapshot cache under the key it was given.  A key is never
	 * given twice while the cache lives (bt_seq only grows; a write that
	 * is aborted leaves an entry no row will ever name), and only a reader
	 * that found the row in LMDB asks for it: never before its commit,
	 * except the writer itself.  Not the bootstrap's baselines: they are
	 * every entry's, one after another, so the cache would keep the last
	 * few thousand written (a sample no read favours) after copying and
	 * dropping all the others, and what it keeps would be scattered over
	 * the megabytes of pages the bootstrap dirtied and freed: at 25,000
	 * employees 8 MiB kept that way held 23 MiB of the main arena
	 * resident that malloc_trim could not give back. */
	if ( !bi->bt_bootstrapping ) {
		unsigned char holder[BT_VK_LEN];
		row_key( holder, &r->uuid, r->valid.from, r->recorded, r->seq );
		bt_snapcache_put( bi->bt_snaps, holder, blob.bv_val, blob.bv_len );
	}

	if ( bt_uuid_is_zero( &r->parent ) ) {
		nrdn = e->e_nname;
	} else {
		dnRdn( &e->e_nname, &nrdn );
	}
	rc = names_put( bi, txn, &r->parent, &nrdn, &r->uuid );
	if ( rc ) goto out;
	rc = refs_put( bi, txn, e, &r->uuid );
out:
	ch_free( blob.bv_val );
	ch_free( z );
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
	unsigned char key[BT_VK_LEN];
	MDB_val k, d;
	bt_vval ov, v;
	int rc;

	if ( !bt_period_is_valid( r->valid ) ) return 0;
	row_key( key, &old->uuid, old->valid.from, old->recorded, old->seq );
	k.mv_data = key;
	k.mv_size = BT_VK_LEN;
	rc = mdb_get( txn, bi->bt_versions, &k, &d );
	if ( rc ) return rc;
	rc = bt_vval_decode( &d, &ov );
	if ( rc ) return rc;
	memset( &v, 0, sizeof( v ) );
	v.format = BT_ROW_SAME;
	if ( ov.format == BT_ROW_SAME ) {
		/* a row that shares a snapshot itself: name the row that holds it */
		v.ref = ov.ref;
	} else {
		v.ref.from = old->valid.from;
		v.ref.recorded = old->recorded;
		v.ref.seq = old->seq;
	}
	r->parent = old->parent;
	return row_store( bi, txn, r, &v );
}

/* Closes a version's registration: the only change ever made to a stored
 * version, from "still current" (infinity) to the time it was replaced. */
int
bt_row_supersede( bt_info *bi, MDB_txn *txn, bt_row *r, bt_time when )
{
	unsigned char key[BT_VK_LEN], *copy;
	MDB_val k, d;
	bt_vval v;
	int rc;

	row_key( key, &r->uuid, r->valid.from, r->recorded, r->seq );
	k.mv_data = key;
	k.mv_size = BT_VK_LEN;
	rc = mdb_get( txn, bi->bt_versions, &k, &d );
	if ( rc ) return rc;
	rc = bt_vval_decode( &d, &v );
	if ( rc ) return rc;
	/* copy out before writing: d points into the map */
	copy = ch_malloc( d.mv_size );
	memcpy( copy, d.mv_data, d.mv_size );
	bt_vval_set_superseded( copy, when );
	d.mv_data = copy;
	rc = mdb_put( txn, bi->bt_versions, &k, &d, 0 );
	ch_free( copy );
	if ( !rc ) {
		r->superseded = when;
		bt_touch( bi, txn, &r->uuid );
	}
	return rc;
}

/* Calls fn on each stored version of u with validFrom <= upto, in key
 * order (k is key decoded); fn returns non-zero to stop.  A key of u that
 * does not decode stops the walk with MDB_CORRUPTED. */
typedef int (row_fn)( MDB_val *key, const bt_vkey *k, MDB_val *val, void *arg );

static int
rows_walk( bt_info *bi, MDB_txn *txn, const bt_uuid *u, bt_time upto,
	row_fn *fn, void *arg )
{
	unsigned char key[BT_VK_LEN];
	MDB_cursor *mc;
	MDB_val k, v;
	bt_vkey vk;
	int rc;

	rc = mdb_cursor_open( txn, bi->bt_versions, &mc );
	if ( rc ) return rc;
	row_key( key, u, BT_NEG_INFINITY, BT_NEG_INFINITY, 0 );
	k.mv_data = key;
	k.mv_size = BT_VK_LEN;
	for ( rc = mdb_cursor_get( mc, &k, &v, MDB_SET_RANGE ); rc == 0;
		rc = mdb_cursor_get( mc, &k, &v, MDB_NEXT ) ) {
		if ( k.mv_size < BT_UUID_LEN || memcmp( (char *)k.mv_data + BT_VK_UUID, u->u, BT_UUID_LEN ) ) break;
		if ( ( rc = bt_vkey_decode( &k, &vk ) ) ) break;
		if ( vk.from > upto ) break;
		if ( fn( &k, &vk, &v, arg ) ) break;
	}
	mdb_cursor_close( mc );
	return rc == MDB_NOTFOUND ? 0 : rc;
}

typedef struct at_arg {
	bt_time vt, kt;
	MDB_val key, val;
	int found;
	int err;
} at_arg;

static int
row_at_fn( MDB_val *key, const bt_vkey *k, MDB_val *val, void *arg )
{
	at_arg *a = arg;
	bt_vval v;

	/* a row whose periods cannot be read might be the one: a read error */
	if ( ( a->err = bt_vval_decode( val, &v ) ) ) return 1;
	if ( a->vt < v.to && k->recorded <= a->kt && a->kt < v.superseded ) {
		a->key = *key;
		a->val = *val;
		a->found = 1;
	}
	return 0;
}

/* What a walk for the version at a point ended with (rc: the walk's):
 * the version decoded into out, MDB_NOTFOUND, or the error. */
static int
at_result( bt_info *bi, MDB_txn *txn, int rc, at_arg *a, bt_row *out )
{
	if ( rc ) return rc;
	if ( a->err ) return a->err;
	if ( !a->found ) return MDB_NOTFOUND;
	memset( out, 0, sizeof( *out ) );
	return row_decode( bi, txn, bi->bt_versions, &a->key, &a->val, out );
}

/* The version of u valid at valid_at as known at known_at. */
int
bt_row_at( bt_info *bi, MDB_txn *txn, const bt_uuid *u,
	bt_time valid_at, bt_time known_at, bt_row *out )
{
	at_arg a = { valid_at, known_at };

	return at_result( bi, txn, rows_walk( bi, txn, u, valid_at, row_at_fn, &a ), &a, out );
}

typedef struct span_arg {
	at_arg at;
	bt_period span;
	bt_time newest;
} span_arg;

static int
row_span_fn( MDB_val *key, const bt_vkey *k, MDB_val *val, void *arg )
{
	span_arg *a = arg;
	bt_vval v;

	if ( ( a->at.err = bt_vval_decode( val, &v ) ) ) return 1;
	if ( k->recorded > a->newest ) a->newest = k->recorded;
	if ( v.superseded != BT_INFINITY && v.superseded > a->newest ) a->newest = v.superseded;
	if ( !( k->recorded <= a->at.kt && a->at.kt < v.superseded ) ) return 0;
	if ( k->from <= a->at.vt && a->at.vt < v.to ) {
		a->at.key = *key;
		a->at.val = *val;
		a->at.found = 1;
		a->span.from = k->from;
		a->span.to = v.to;
	} else if ( !a->at.found && v.to <= a->at.vt && v.to > a->span.from ) {
		a->span.from = v.to;		/* the gap starts after this one */
	} else if ( !a->at.found && k->from > a->at.vt && k->from < a->span.to ) {
		a->span.to = k->from;		/* ... and ends where the next begins */
	}
	return 0;
}

int
bt_row_at_span( bt_info *bi, MDB_txn *txn, const bt_uuid *u,
	bt_time valid_at, bt_time known_at, bt_row *out, bt_period *span,
	bt_time *newest )
{
	span_arg a;
	int rc;

	memset( &a, 0, sizeof( a ) );
	a.at.vt = valid_at;
	a.at.kt = known_at;
	a.span.from = BT_NEG_INFINITY;
	a.span.to = BT_INFINITY;
	/* every version: the next one after valid_at ends a gap */
	rc = rows_walk( bi, txn, u, BT_INFINITY, row_span_fn, &a );
	*span = a.span;
	*newest = a.newest;
	return at_result( bi, txn, rc, &a.at, out );
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
rows_collect_fn( MDB_val *key, const bt_vkey *k, MDB_val *val, void *arg )
{
	cur_arg *a = arg;
	bt_vval v;
	bt_period p;

	if ( !a->all ) {
		if ( ( a->err = bt_vval_decode( val, &v ) ) ) return 1;
		if ( v.superseded != BT_INFINITY ) return 0;
		p.from = k->from;
		p.to = v.to;
		if ( !bt_period_overlaps( p, a->within ) ) return 0;
	}
	if ( ( a->err = row_decode( a->bi, a->txn, a->dbi, key, val, rows_push( a->out ) ) ) ) {
		a->out->n--;
		return 1;
	}
	return 0;
}

/* rows_walk backwards: from u's last version with validFrom <= upto
 * towards its first. */
static int
rows_walk_back( bt_info *bi, MDB_txn *txn, const bt_uuid *u, bt_time upto,
	row_fn *fn, void *arg )
{
	unsigned char key[BT_VK_LEN];
	MDB_cursor *mc;
	MDB_val k, v;
	bt_vkey vk;
	int rc, c;

	rc = mdb_cursor_open( txn, bi->bt_versions, &mc );
	if ( rc ) return rc;
	/* at or after the last key that can qualify, then back */
	row_key( key, u, upto, BT_INFINITY, UINT32_MAX );
	k.mv_data = key;
	k.mv_size = BT_VK_LEN;
	rc = mdb_cursor_get( mc, &k, &v, MDB_SET_RANGE );
	if ( rc == MDB_NOTFOUND ) rc = mdb_cursor_get( mc, &k, &v, MDB_LAST );
	for ( ; rc == 0; rc = mdb_cursor_get( mc, &k, &v, MDB_PREV ) ) {
		c = memcmp( (char *)k.mv_data + BT_VK_UUID, u->u,
			k.mv_size < BT_UUID_LEN ? k.mv_size : BT_UUID_LEN );
		if ( c > 0 ) continue;		/* the next entity's first key */
		if ( c < 0 ) break;
		if ( ( rc = bt_vkey_decode( &k, &vk ) ) ) break;
		if ( vk.from > upto ) continue;
		if ( fn( &k, &vk, &v, arg ) ) break;
	}
	mdb_cursor_close( mc );
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* rows_collect_fn for a walk backwards, which it ends as soon as no
 * earlier version can be current in within: the current versions of an
 * entity never overlap one another (every write supersedes those its
 * period overlaps, and registers the pieces outside it again), so the
 * ones before a current version end where it begins. */
static int
rows_current_fn( MDB_val *key, const bt_vkey *k, MDB_val *val, void *arg )
{
	cur_arg *a = arg;
	bt_vval v;
	bt_period p;

	if ( ( a->err = bt_vval_decode( val, &v ) ) ) return 1;
	if ( v.superseded != BT_INFINITY ) return 0;
	p.from = k->from;
	p.to = v.to;
	if ( bt_period_overlaps( p, a->within ) ) {
		if ( ( a->err = row_decode( a->bi, a->txn, a->dbi, key, val, rows_push( a->out ) ) ) ) {
			a->out->n--;
			return 1;
		}
	}
	return p.from <= a->within.from;
}

/* The current versions (registration still open) of u whose valid period
 * overlaps within, in validFrom order.
 *
 * Walked from the newest validFrom back, and only as far as the current
 * version that begins at or before within.from: an entity's superseded
 * versions pile up with every write, and a write from now on (the usual
 * one) needs only its newest current version.  Walking forward from the
 * first version read every version the entity ever had, a cost that grew
 * with its history. */
int
bt_rows_current( bt_info *bi, MDB_txn *txn, const bt_uuid *u,
	bt_period within, bt_rows *out )
{
	cur_arg a = { within, out, 0, 0, txn, bi->bt_versions, bi };
	int first = out->n, i, j, rc;

	rc = rows_walk_back( bi, txn, u, within.to, rows_current_fn, &a );
	if ( !rc ) rc = a.err;
	/* found newest first */
	for ( i = first, j = out->n - 1; i < j; i++, j-- ) {
		bt_row t = out->r[i];
		out->r[i] = out->r[j];
		out->r[j] = t;
	}
	return rc;
}

/* Every version of u ever registered, in (validFrom, recordedAt) order. */
int
bt_rows_all( bt_info *bi, MDB_txn *txn, const bt_uuid *u, bt_rows *out )
{
	cur_arg a = { { 0, 0 }, out, 1, 0, txn, bi->bt_versions, bi };
	int rc = rows_walk( bi, txn, u, BT_INFINITY, rows_collect_fn, &a );
	return rc ? rc : a.err;
}

static int
any_fn( MDB_val *key, const bt_vkey *k, MDB_val *val, void *arg )
{
	*(int *)arg = 1;
	return 1;
}

int
bt_has_rows( bt_info *bi, MDB_txn *txn, const bt_uuid *u, int *found )
{
	int rc;

	*found = 0;
	rc = rows_walk( bi, txn, u, BT_INFINITY, any_fn, found );
	return rc == MDB_NOTFOUND ? 0 : rc;
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

/* A decoded snapshot lives in one block of 1-2 KB.  glibc serves a
 * request of that size only after it has consolidated its fast bins,
 * which the small blocks every operation frees keep filling: on an as-of
 * lookup that was a tenth of its time (25,000 employees, perf).  So a
 * thread keeps the largest block of a snapshot it released
 * (bt_entry_release) for its next decode.  Only blocks of block_take
 * reach bt_entry_release: their size is block_size( e_bv.bv_len ). */
typedef struct spare_block {
	char *p;
	size_t size;
} spare_block;

static char spare_block_key;

static void *
spare_block_make( void )
{
	return ch_calloc( 1, sizeof( spare_block ) );
}

static void
spare_block_free( void *key, void *data )
{
	spare_block *s = data;

	ch_free( s->p );
	ch_free( s );
}

/* The calling thread's spare block, or NULL outside the thread pool */
static spare_block *
spare_block_get( void )
{
	int owned;
	spare_block *s = modir_thread_object( &spare_block_key, spare_block_make,
		spare_block_free, &owned );

	if ( s && owned ) {
		ch_free( s );
		s = NULL;
	}
	return s;
}

/* Blocks are allocated in steps of 1 KiB, so that a thread's spare fits
 * most snapshots (they differ by a few bytes: kept to the largest seen, a
 * spare was too small for three in four), and its size is known again
 * from the entry's length when it is released */
#define BLOCK_STEP 1024
static size_t
block_size( size_t n )
{
	return ( n + BLOCK_STEP - 1 ) & ~(size_t)( BLOCK_STEP - 1 );
}

static char *
block_take( size_t size )
{
	spare_block *s = spare_block_get();
	char *p;

	size = block_size( size );
	if ( s && s->p && s->size >= size ) {
		p = s->p;
		s->p = NULL;
		s->size = 0;
		return p;
	}
	return ch_malloc( size );
}

void
bt_entry_release( Entry *e )
{
	spare_block *s;

	if ( e->e_bv.bv_val && ( s = spare_block_get() ) &&
		s->size <= block_size( e->e_bv.bv_len ) ) {
		ch_free( s->p );
		s->p = e->e_bv.bv_val;
		s->size = block_size( e->e_bv.bv_len );
		BER_BVZERO( &e->e_bv );
	}
	entry_free( e );
}

/* The snapshot decoded in place, for reading: attributes may be added or
 * removed, but its values and names point into one block, so the caller
 * gives it names of its own (or zeroes them) before entry_free() (or
 * bt_entry_release()). */
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
	eh.bv.bv_val = block_take( eh.bv.bv_len );
	eh.data = eh.bv.bv_val + eh.nvals * sizeof( struct berval );
	memcpy( eh.data, r->blob.bv_val, r->blob.bv_len );
	eh.data += eoff;
	rc = bt_entry_decode( &eh, &e );
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
	unsigned char kbuf[BT_NK_MAX];
	MDB_val key;

	*uuids = NULL;
	*n = 0;
	key.mv_data = kbuf;
	key.mv_size = bt_nkey_encode( parent, nrdn->bv_val, nrdn->bv_len, kbuf );
	return dups_get( txn, bi->bt_names, &key, uuids, n );
}

/* Every (name, uuid) ever registered under parent. */
int
bt_names_children( bt_info *bi, MDB_txn *txn, const bt_uuid *parent,
	bt_child_fn *fn, void *arg )
{
	MDB_cursor *mc;
	MDB_val key, val;
	bt_uuid u, p;
	struct berval nrdn;
	const char *name;
	size_t len;
	int rc;

	rc = mdb_cursor_open( txn, bi->bt_names, &mc );
	if ( rc ) return rc;
	key.mv_data = (void *)parent->u;
	key.mv_size = BT_UUID_LEN;
	for ( rc = mdb_cursor_get( mc, &key, &val, MDB_SET_RANGE ); rc == 0;
		rc = mdb_cursor_get( mc, &key, &val, MDB_NEXT ) ) {
		if ( key.mv_size < BT_UUID_LEN || memcmp( (char *)key.mv_data + BT_NK_UUID, parent->u, BT_UUID_LEN ) ) break;
		if ( ( rc = bt_nkey_decode( &key, &p, &name, &len ) ) ||
			( rc = bt_uuid_decode( &val, &u ) ) )
			break;
		nrdn.bv_val = (char *)name;
		nrdn.bv_len = len;
		if ( fn( &u, &nrdn, arg ) ) break;
	}
	mdb_cursor_close( mc );
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* ------------------------------------------------------------------ */
int
bt_due_put( bt_info *bi, MDB_txn *txn, bt_time t, const bt_uuid *u )
{
	unsigned char kbuf[BT_DK_LEN];
	MDB_val key, val;

	bt_dkey_encode( t, u, kbuf );
	key.mv_data = kbuf;
	key.mv_size = sizeof( kbuf );
	val.mv_data = "";
	val.mv_size = 0;
	return mdb_put( txn, bi->bt_due, &key, &val, 0 );
}

/* Removes the activations of u due at or before upto: one projection onto
 * the live DIT serves them all. */
int
bt_due_del_upto( bt_info *bi, MDB_txn *txn, bt_time upto, const bt_uuid *u )
{
	MDB_cursor *mc;
	MDB_val key, val;
	bt_time t;
	bt_uuid ku;
	int rc;

	rc = mdb_cursor_open( txn, bi->bt_due, &mc );
	if ( rc ) return rc;
	for ( rc = mdb_cursor_get( mc, &key, &val, MDB_FIRST ); rc == 0;
		rc = mdb_cursor_get( mc, &key, &val, MDB_NEXT ) ) {
		if ( ( rc = bt_dkey_decode( &key, &t, &ku ) ) ) break;
		if ( t > upto ) break;
		if ( memcmp( ku.u, u->u, BT_UUID_LEN ) == 0 ) {
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
	unsigned char kbuf[BT_DK_LEN];
	MDB_cursor *mc;
	MDB_val key, val;
	int rc;

	rc = mdb_cursor_open( txn, bi->bt_due, &mc );
	if ( rc ) return rc;
	if ( after_t ) {
		bt_dkey_encode( *after_t, after_u, kbuf );
		key.mv_data = kbuf;
		key.mv_size = sizeof( kbuf );
		rc = mdb_cursor_get( mc, &key, &val, MDB_SET_RANGE );
		if ( rc == 0 && key.mv_size == sizeof( kbuf ) && memcmp( key.mv_data, kbuf, sizeof( kbuf ) ) == 0 )
			rc = mdb_cursor_get( mc, &key, &val, MDB_NEXT );
	} else {
		rc = mdb_cursor_get( mc, &key, &val, MDB_FIRST );
	}
	if ( rc == 0 ) rc = bt_dkey_decode( &key, t, u );
	mdb_cursor_close( mc );
	return rc;
}
