/* bt_backmdb.c - everything the overlay reads or sets of back-mdb's own
 * structures, and nothing else: its environment, its reader protocol
 * (the thread's read transaction, an operation's published one), the
 * write transaction an operation publishes, nested transactions under it,
 * and the attribute table that an aborted transaction must leave as it
 * was.  back-mdb has no API for these; they are struct mdb_info and
 * mdb_op_info of back-mdb.h, of the OpenLDAP tree slapd was built from
 * (configure checks its version).  A change of back-mdb is found here.
 */
#include "portable.h"

#include <ac/errno.h>
#include <ac/string.h>

#include "slap.h"
#include "back-mdb/back-mdb.h"

#include "modir.h"
#include "bitemporal.h"

/* ------------------------------------------------------------------ */
/* back-mdb's attribute table and transactions that do not commit
 *
 * back-mdb stores an entry's attribute descriptions as small integers: the
 * first time an attribute is stored, mdb_ad_get (back-mdb/attr.c) gives it
 * the next index, mi_numads + 1, writes the pair to the ad2i table in the
 * writer's transaction and enters it in three process-wide arrays
 * (mi_ads[i] = ad, mi_adxs[ad->ad_index] = i, mi_numads = i) at once,
 * before that transaction has committed.  LMDB rolls the ad2i record back
 * with a transaction that is aborted (or a nested one that is), the arrays
 * stay.  back-mdb itself only ever aborts its own top-level transaction and
 * resets mi_numads there (to 0 in mdb_txn's SLAP_TXN_ABORT, to the count
 * it began with in add/modify), never mi_adxs: for the attribute that was
 * registered, mi_adxs still says "index i".  The next write of that
 * attribute skips mdb_ad_get (mdb_entry_partsize tests mi_adxs only) and
 * stores entries that say "attribute i" while no committed ad2i record
 * defines i.  A reader then finds i > mi_numads, rereads ad2i, does not
 * find it, and fails: "mdb_entry_decode: attribute index 22 not
 * recognized", err 80 on a search; mdb_entry_get returns on that error
 * without releasing its read transaction, and the next operation on that
 * thread renews a transaction that is still live: mdb_opinfo_get's
 * assert( !rc ).  Worse, when mi_numads is reread below i, the next new
 * attribute gets index i as well, and entries stored with the first
 * decode with the second's description.
 *
 * The overlays abort transactions back-mdb never does: each write of a
 * group commit (a failed or no-op write's nested transaction, below), the
 * oio task's batches of derived values (a batch with a failed write is
 * aborted, and those are the writes that first store moDirectReports,
 * moUnitManagerDN, ... on a new directory), a write whose consequence
 * (bt_consequence: oio's cascade, written in the write's transaction)
 * fails, the overlay's own transactions.  Every such abort
 * therefore unwinds the table first, to where it was when the transaction
 * began: bt_ads_mark before, bt_ads_unwind when it does not commit.  Only
 * the transaction's owner registers attributes meanwhile: it holds LMDB's
 * writer lock, and readers' rereads (mdb_ad_read) stop at what was
 * committed, which is below the mark. */

/* ------------------------------------------------------------------ */
/* back-mdb's structures, read here and nowhere else in the overlay */

int
bt_backend_env( BackendDB *be, MDB_env **env, void **mdb )
{
	struct mdb_info *mi = be->be_private;

	if ( !mi || !mi->mi_dbenv ) return 1;
	*env = mi->mi_dbenv;
	*mdb = mi;
	return 0;
}

/* back-mdb's transaction of op (a reader's or a writer's), if any */
static mdb_op_info *
op_info( void *mdb, Operation *op )
{
	OpExtra *oex;

	LDAP_SLIST_FOREACH( oex, &op->o_extra, oe_next ) {
		if ( oex->oe_key == mdb ) return (mdb_op_info *)oex;
	}
	return NULL;
}

MDB_txn *
bt_txn_published( void *mdb, Operation *op )
{
	mdb_op_info *moi = op_info( mdb, op );

	return moi && !( moi->moi_flag & MOI_READER ) ? moi->moi_txn : NULL;
}

MDB_txn *
bt_txn_of( OpExtra *oex )
{
	return ((mdb_op_info *)oex)->moi_txn;
}

OpExtra *
bt_txn_share( void *mdb, MDB_txn *txn )
{
	mdb_op_info *share = ch_calloc( 1, sizeof( *share ) );

	share->moi_oe.oe_key = mdb;
	share->moi_txn = txn;
	share->moi_flag = MOI_KEEPER;	/* not back-mdb's to free or commit */
	return &share->moi_oe;
}

void
bt_txn_share_free( OpExtra *share )
{
	ch_free( share );	/* moi_oe is the first member */
}

int
bt_ads_mark( void *mdbp )
{
	struct mdb_info *mdb = mdbp;

	return mdb->mi_numads;
}

/* Forgets the registrations above mark, up to high (mi_numads before a
 * commit that then failed: back-mdb has set mi_numads to 0 by then). */
void
bt_ads_unwind( void *mdbp, int mark, int high )
{
	struct mdb_info *mdb = mdbp;
	int i;

	if ( high < mdb->mi_numads ) high = mdb->mi_numads;
	if ( high >= MDB_MAXADS ) high = MDB_MAXADS - 1;
	for ( i = high; i > mark; i-- ) {
		if ( mdb->mi_ads[i] ) {
			if ( mdb->mi_adxs[mdb->mi_ads[i]->ad_index] == i )
				mdb->mi_adxs[mdb->mi_ads[i]->ad_index] = 0;
			mdb->mi_ads[i] = NULL;
		}
	}
	if ( mdb->mi_numads > mark ) mdb->mi_numads = mark;
}

OpExtra *
bt_nested_begin( void *mdbp, OpExtra *parent, int *mark )
{
	struct mdb_info *mdb = mdbp;
	mdb_op_info *moi;
	int rc;

	moi = ch_calloc( 1, sizeof( *moi ) );
	moi->moi_oe.oe_key = mdb;
	moi->moi_flag = MOI_KEEPER;
	*mark = bt_ads_mark( mdb );
	rc = mdb_txn_begin( mdb->mi_dbenv, ((mdb_op_info *)parent)->moi_txn, 0, &moi->moi_txn );
	if ( rc ) {
		Debug( LDAP_DEBUG_ANY, "bitemporal: cannot begin a nested transaction: %s (%d)\n",
			mdb_strerror( rc ), rc );
		ch_free( moi );
		return NULL;
	}
	return &moi->moi_oe;
}

int
bt_nested_end( void *mdbp, OpExtra *nested, int mark, int keep )
{
	mdb_op_info *moi = (mdb_op_info *)nested;
	int rc = 0, high = bt_ads_mark( mdbp );

	if ( keep ) {
		/* merging into the parent writes nothing to disk; it fails only
		 * when memory runs out, and LMDB has then aborted it */
		rc = mdb_txn_commit( moi->moi_txn );
	} else {
		mdb_txn_abort( moi->moi_txn );
	}
	if ( !keep || rc ) bt_ads_unwind( mdbp, mark, high );
	ch_free( moi );
	return rc;
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
	mdb_op_info *moi;
	void *ctx, *data = NULL;
	int rc;

	memset( rd, 0, sizeof( *rd ) );
	rd->op = op;
	if ( op && ( moi = op_info( bi->bt_mdb, op ) ) && moi->moi_txn ) {
		rd->txn = moi->moi_txn;
		return 0;
	}
	ctx = op ? op->o_threadctx : ldap_pvt_thread_pool_context();
	if ( ctx && ldap_pvt_thread_pool_getkey( ctx, bi->bt_env, &data, NULL ) == 0 && data ) {
		rc = mdb_txn_renew( (MDB_txn *)data );
		if ( rc ) return rc;
		rd->txn = data;
		rd->owned = 1;		/* the thread's reader: reset after use */
	} else {
		rc = mdb_txn_begin( bi->bt_env, NULL, MDB_RDONLY, &rd->txn );
		if ( rc ) return rc;
		if ( ctx && ldap_pvt_thread_pool_setkey( ctx, bi->bt_env, rd->txn,
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
		moi->moi_oe.oe_key = bi->bt_mdb;
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
