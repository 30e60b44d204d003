/* bt_bootstrap.c - the first version of entries that were there before
 * the history: at the first start with the overlay, and after slapadd.
 *
 * A search of the whole database straight to back-mdb finds the tracked
 * entries without versions; each gets a baseline version, valid since its
 * moValidFrom (an import's period) or its creation, written in
 * transactions bounded by the bytes of pages they hold (bitemporal.h,
 * BT_BOOTSTRAP_MIN_BYTES).  Then the periods an import stored in the live
 * entries are dropped (they are shown from the history), and the pages
 * LMDB kept from those large transactions are given back.  It runs at
 * db_open, before any other writer.
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"

#include "modir.h"
#include "bitemporal.h"

typedef struct boot_ctx {
	bt_info *bi;
	slap_overinst *on;
	MDB_txn *txn;
	size_t batch_bytes;		/* commit when the transaction dirtied this much */
	int total, commits, err;
	bt_time now;
	BerVarray stored;		/* entries that store moValidFrom/moValidTo */
	int nstored, maxstored;
} boot_ctx;

/* Notes an entry whose stored period is to be dropped.  The list grows by
 * doubling: ber_bvarray_add counts the whole array at every append, and
 * after a slapadd of periods every entry is noted (157,843 at 25,000
 * employees: some 10^10 steps, most of the first start). */
static void
stored_add( boot_ctx *b, struct berval *ndn )
{
	if ( b->nstored + 1 >= b->maxstored ) {
		b->maxstored = b->maxstored ? 2 * b->maxstored : 256;
		b->stored = ch_realloc( b->stored, b->maxstored * sizeof( struct berval ) );
	}
	ber_dupbv( &b->stored[b->nstored++], ndn );
	BER_BVZERO( &b->stored[b->nstored] );
}

static int
boot_cb( Operation *op, SlapReply *rs )
{
	boot_ctx *b = op->o_callback->sc_private;
	bt_uuid u;
	int has;

	if ( rs->sr_type != REP_SEARCH || b->err ) return 0;
	if ( !bt_is_tracked( b->bi, rs->sr_entry ) ) return 0;
	if ( bt_entry_uuid( rs->sr_entry, &u ) ) return 0;
	if ( attr_find( rs->sr_entry->e_attrs, bt_ad_validFrom ) ||
		attr_find( rs->sr_entry->e_attrs, bt_ad_validTo ) ) {
		stored_add( b, &rs->sr_entry->e_nname );
	}
	/* A write transaction begun here, inside back-mdb's search, while
	 * this thread's read transaction is live.  back-mdb 2.5 does not open
	 * its environment with MDB_NOTLS, so lmdb.h's "a thread may only have
	 * a single transaction at a time" cannot be waived by that flag; what
	 * the rule protects is the thread's reader slot, which LMDB keeps in
	 * thread-local storage and uses for read-only transactions only
	 * (mdb_txn_renew0: pthread_getspecific under MDB_TXN_RDONLY).  A write
	 * transaction takes the writer mutex and no reader slot, and a writer
	 * never waits for readers, so a live reader and one writer on a thread
	 * are legal in LMDB's implementation, and back-mdb does the same when
	 * an operation that started as a reader writes (mdb_opinfo_get).  The
	 * search's snapshot does not see these rows, which it never reads (the
	 * history's tables, not id2entry); the rows are written to the
	 * history's tables only, so back-mdb's attribute table is untouched and
	 * a plain mdb_txn_abort is enough (bt_backmdb.c).  Bootstrap runs at
	 * db_open, before any other writer. */
	if ( !b->txn && ( b->err = mdb_txn_begin( b->bi->bt_env, NULL, 0, &b->txn ) ) )
		return 0;
	if ( ( b->err = bt_has_rows( b->bi, b->txn, &u, &has ) ) || has ) return 0;
	{
		/* entry lookups of parents go below the overlays */
		BackendInfo *saved = op->o_bd->bd_info;
		op->o_bd->bd_info = (BackendInfo *)b->on;
		b->err = bt_ensure_history( b->bi, b->txn, op, b->on, rs->sr_entry, &u, b->now );
		op->o_bd->bd_info = saved;
	}
	b->total++;
	if ( !b->err && modir_mdb_txn_dirty_bytes( b->txn ) >= b->batch_bytes ) {
		b->err = mdb_txn_commit( b->txn );
		b->txn = NULL;
		b->commits++;
	}
	return 0;
}

static int
strip_cb( Operation *op, SlapReply *rs )
{
	if ( rs->sr_type == REP_RESULT ) *(int *)op->o_callback->sc_private = rs->sr_err;
	return LDAP_SUCCESS;	/* nobody to send it to */
}

/* An entry loaded by slapadd may carry its period as moValidFrom /
 * moValidTo; its versions have it now, and the live entry must not keep
 * it: those attributes are shown from the history (bt_operational), and a
 * stored copy would go on claiming the import's period after the next
 * dated change.  (Adds over LDAP never store them, see import_period().)
 * back-mdb's own modify, in batches of one transaction each; no
 * timestamps or CSNs change, since nothing a client wrote changes. */
static int
strip_stored_periods( Operation *op, BackendInfo *orig, BerVarray ndns, int n )
{
	Modifications mods[2];
	slap_callback cb = { 0 };
	OpExtra *oex = NULL;
	int i, done = 0, committed = 0, rc = 0, result;

	memset( mods, 0, sizeof( mods ) );
	mods[0].sml_desc = bt_ad_validFrom;
	mods[0].sml_op = SLAP_MOD_SOFTDEL;
	mods[0].sml_flags = SLAP_MOD_INTERNAL;
	mods[0].sml_next = &mods[1];
	mods[1].sml_desc = bt_ad_validTo;
	mods[1].sml_op = SLAP_MOD_SOFTDEL;
	mods[1].sml_flags = SLAP_MOD_INTERNAL;

	op->o_tag = LDAP_REQ_MODIFY;
	memset( &op->oq_modify, 0, sizeof( op->oq_modify ) );
	op->orm_modlist = mods;
	op->orm_no_opattrs = 1;
	cb.sc_response = strip_cb;
	cb.sc_private = &result;
	op->o_callback = &cb;

	for ( i = 0; i < n && !rc; i++ ) {
		SlapReply rs = { REP_RESULT };
		if ( !oex && ( rc = orig->bi_op_txn( op, SLAP_TXN_BEGIN, &oex ) ) ) break;
		op->o_req_dn = op->o_req_ndn = ndns[i];
		result = LDAP_OTHER;
		orig->bi_op_modify( op, &rs );
		if ( result != LDAP_SUCCESS && result != LDAP_NO_SUCH_OBJECT ) {
			Debug( LDAP_DEBUG_ANY, "bitemporal: cannot drop the stored period of \"%s\" (%d)\n",
				ndns[i].bv_val, result );
			rc = result;
		}
		if ( rc || ++done % BT_BOOTSTRAP_BATCH == 0 || i == n - 1 ) {
			int end = rc ? SLAP_TXN_ABORT : SLAP_TXN_COMMIT;
			LDAP_SLIST_REMOVE( &op->o_extra, oex, OpExtra, oe_next );
			if ( orig->bi_op_txn( op, end, &oex ) && !rc ) rc = LDAP_OTHER;
			if ( !rc ) committed = done;
			oex = NULL;
		}
	}
	if ( rc )
		Debug( LDAP_DEBUG_ANY, "bitemporal: %d entries keep a stored period (shown instead of "
			"their current version's)\n", n - committed );
	else if ( committed )
		Debug( LDAP_DEBUG_ANY, "bitemporal: dropped the stored period of %d entries loaded with it\n", committed );
	return rc;
}

/* The internal search for every entry of the database, as the root DN,
 * straight to back-mdb (db is a copy of be with its bare backend). */
static int
boot_search_op( Operation *op, BackendDB *be, BackendDB *db )
{
	op->o_bd = db;
	op->o_tag = LDAP_REQ_SEARCH;
	memset( &op->oq_search, 0, sizeof( op->oq_search ) );
	op->o_req_dn = be->be_suffix[0];
	op->o_req_ndn = be->be_nsuffix[0];
	op->o_dn = be->be_rootdn;
	op->o_ndn = be->be_rootndn;
	op->ors_scope = LDAP_SCOPE_SUBTREE;
	op->ors_slimit = SLAP_NO_LIMIT;
	op->ors_tlimit = SLAP_NO_LIMIT;
	/* boot_cb reads the stored entry: no operational attribute computed
	 * (back-mdb's hasSubordinates, our periods) */
	op->ors_attrs = slap_anlist_all_user_attributes;
	op->o_do_not_cache = 1;
	op->o_managedsait = SLAP_CONTROL_CRITICAL;
	ber_str2bv( "(objectClass=*)", 0, 0, &op->ors_filterstr );
	op->ors_filter = str2filter_x( op, op->ors_filterstr.bv_val );
	return op->ors_filter ? 0 : 1;
}

/* Commits the baselines boot_cb wrote (keep), or aborts them all; returns
 * the LMDB code that stopped it, if any. */
static int
boot_end( boot_ctx *b, int keep )
{
	if ( !b->txn ) return b->err;
	if ( b->err || !keep ) mdb_txn_abort( b->txn );
	else if ( !( b->err = mdb_txn_commit( b->txn ) ) ) b->commits++;
	b->txn = NULL;
	return b->err;
}

/* The baselines are committed: the periods stored in the entries go
 * (only once they are safely in the history; a failure here costs
 * accuracy of the shown period, not the start). */
static void
boot_done( boot_ctx *b, Operation *op, BackendInfo *orig, BackendDB *be )
{
	if ( b->nstored ) strip_stored_periods( op, orig, b->stored, b->nstored );
	if ( b->total )
		Debug( LDAP_DEBUG_ANY, "bitemporal: recorded baseline versions of %d existing entries in \"%s\" "
			"(%d transactions)\n", b->total, be->be_suffix[0].bv_val, b->commits );
}

/* What the bootstrap holds goes, then the memory it freed goes back to
 * the system, last, once everything it allocated is freed: its batches
 * dirtied thousands of pages at random places of four tables (~60 MB at
 * 25,000 employees, in batches of bitemporal-cache-size), which no later
 * write needs, and the DNs of the entries that stored a period (157,843,
 * 14.6 MB) were allocated between them; freed after the heap was trimmed,
 * they stayed resident in the main arena. */
static void
boot_free( boot_ctx *b )
{
	ber_bvarray_free( b->stored );
	b->stored = NULL;
	if ( b->total || b->nstored ) bt_release_write_memory( b->bi );
}

/* Gives every live tracked entry without history its baseline version:
 * at the first start with the overlay, and after slapadd. */
int
bt_bootstrap( bt_info *bi, BackendDB *be )
{
	slap_overinst *on = (slap_overinst *)be->bd_info;
	Connection conn = { 0 };
	OperationBuffer opbuf;
	Operation *op;
	BackendDB db = *be, *self = be->bd_self;
	BackendInfo *self_info;
	slap_callback cb = { 0 };
	SlapReply rs = { REP_RESULT };
	boot_ctx b = { bi, on, NULL, 0, 0, 0, 0, slap_get_time(), NULL, 0, 0 };
	int searched, rc;

	if ( slapMode & SLAP_TOOL_MODE ) return 0;
	b.batch_bytes = bi->bt_cache_max_bytes;
	if ( b.batch_bytes < BT_BOOTSTRAP_MIN_BYTES ) b.batch_bytes = BT_BOOTSTRAP_MIN_BYTES;
	if ( b.batch_bytes > BT_BOOTSTRAP_MAX_BYTES ) b.batch_bytes = BT_BOOTSTRAP_MAX_BYTES;

	connection_fake_init2( &conn, &opbuf, ldap_pvt_thread_pool_context(), 0 );
	op = &opbuf.ob_op;
	db.bd_info = on->on_info->oi_orig;
	db.be_flags |= SLAP_DBFLAG_OVERLAY;
	if ( boot_search_op( op, be, &db ) ) return 1;
	cb.sc_response = boot_cb;
	cb.sc_private = &b;
	op->o_callback = &cb;
	/* nothing else runs meanwhile (db_open, or a paused server) */
	bi->bt_bootstrapping = 1;

	/* Added live, back-config calls db_open with the database's own
	 * bd_info set to this overinst (bconfig.c config_add_internal).
	 * slap_send_search_entry() first asks backend_operational(), which
	 * selects that database and calls its be_operational: our bare
	 * bt_operational, whose SLAP_CB_CONTINUE (no overlay walk turns it
	 * into 0 there) makes it drop every entry before boot_cb sees it.
	 * The stack is what the database has at any other time. */
	self_info = self->bd_info;
	self->bd_info = (BackendInfo *)on->on_info;
	db.bd_info->bi_op_search( op, &rs );
	filter_free_x( op, op->ors_filter, 1 );
	/* a search that ended early saw only part of the entries */
	searched = rs.sr_err == LDAP_SUCCESS || rs.sr_err == LDAP_NO_SUCH_OBJECT;
	if ( !b.err && !searched )
		Debug( LDAP_DEBUG_ANY, "bitemporal: the search for existing entries failed (%d)\n",
			rs.sr_err );
	rc = boot_end( &b, searched ) || !searched;
	if ( !rc ) boot_done( &b, op, db.bd_info, be );
	self->bd_info = self_info;
	bi->bt_bootstrapping = 0;
	if ( rc && b.err )
		Debug( LDAP_DEBUG_ANY, "bitemporal: recording baseline versions failed: %s\n",
			mdb_strerror( b.err ) );
	boot_free( &b );
	return rc;
}
