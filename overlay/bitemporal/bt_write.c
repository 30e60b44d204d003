/* bt_write.c - the write path: add, modify, delete and modrdn, dated or
 * not, become new versions in the history (bt_versions.c says how); the
 * live DIT changes only where a change covers now.
 *
 * Atomicity: the overlay opens back-mdb's write transaction itself
 * (bi_op_txn, as RFC 5805 transactions do), writes the history rows in it,
 * lets the rest of the stack and back-mdb apply the live change inside the
 * same transaction, and commits once.  The client's result is held back
 * until that commit, so no acknowledged write is ever missing from the
 * history and a crash at any moment leaves both or neither.
 *
 * The bitemporal overlay must therefore be the lowest overlay of its
 * database (configured first): the result capture relies on nothing below
 * it keeping state in the callback chain.
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"

#include "modir.h"
#include "bitemporal.h"
#include "bt_write.h"

int bt_resolved_key;	/* the live name a write reached (bt_resolved) */
int bt_consequence_key;	/* what a write entails, in its transaction (bt_consequence) */



/* ------------------------------------------------------------------ */
/* back-mdb's transaction, shared with the operation */

static int
txn_begin( bt_write *w )
{
	Operation *op = w->op;
	BackendInfo *orig = w->on->on_info->oi_orig;

	if ( ( w->txn = bt_txn_published( w->bi->bt_mdb, op ) ) ) {
		/* someone else commits it, and our rows with it */
		w->own_txn = 0;
		return 0;
	}
	w->oex = NULL;
	if ( !orig->bi_op_txn || orig->bi_op_txn( op, SLAP_TXN_BEGIN, &w->oex ) ) {
		FAIL( w, LDAP_OTHER, "bitemporal: cannot begin a transaction" );
	}
	w->txn = bt_txn_of( w->oex );
	w->own_txn = 1;
	w->ads_mark = bt_ads_mark( w->bi->bt_mdb );	/* with the writer lock */
	return 0;
}

static int
txn_end( bt_write *w, int commit )
{
	BackendInfo *orig = w->on->on_info->oi_orig;
	int rc, high;

	if ( !w->own_txn || !w->oex ) return 0;
	LDAP_SLIST_REMOVE( &w->op->o_extra, w->oex, OpExtra, oe_next );
	/* what back-mdb registered in it goes with it (bt_backmdb.c) */
	high = bt_ads_mark( w->bi->bt_mdb );
	if ( !commit ) bt_ads_unwind( w->bi->bt_mdb, w->ads_mark, high );
	rc = orig->bi_op_txn( w->op, commit ? SLAP_TXN_COMMIT : SLAP_TXN_ABORT, &w->oex );
	if ( commit && rc ) bt_ads_unwind( w->bi->bt_mdb, w->ads_mark, high );
	w->oex = NULL;
	if ( rc )
		Debug( LDAP_DEBUG_ANY, "bitemporal: %s of \"%s\" failed: %s (%d)\n",
			commit ? "commit" : "abort", w->op->o_req_dn.bv_val, mdb_strerror( rc ), rc );
	return rc;
}

/* ------------------------------------------------------------------ */
/* Passing the operation down while holding its result back */

typedef struct bt_capture {
	int done;
	int err;
	char *matched;
	char *text;
	LDAPControl **ctrls;
} bt_capture;

static int
capture_response( Operation *op, SlapReply *rs )
{
	bt_capture *c = op->o_callback->sc_private;

	if ( rs->sr_type != REP_RESULT ) return SLAP_CB_CONTINUE;
	c->done = 1;
	c->err = rs->sr_err;
	if ( rs->sr_matched ) c->matched = ch_strdup( rs->sr_matched );
	if ( rs->sr_text ) c->text = ch_strdup( rs->sr_text );
	if ( rs->sr_ctrls ) c->ctrls = ldap_controls_dup( rs->sr_ctrls );
	/* not CONTINUE: the result reaches nobody until we have committed */
	return LDAP_SUCCESS;
}

static void
pass_down( bt_write *w, SlapReply *rs, slap_operation_t which, bt_capture *cap )
{
	Operation *op = w->op;
	slap_callback cb = { 0 };
	slap_callback *saved = op->o_callback;
	int rc;

	cb.sc_response = capture_response;
	cb.sc_private = cap;
	op->o_callback = &cb;	/* alone: nothing above sees the held result */
	rc = overlay_op_walk( op, rs, which, w->on->on_info, w->on->on_next );
	op->o_callback = saved;
	op->o_bd->bd_info = (BackendInfo *)w->on;
	if ( !cap->done ) {
		cap->done = 1;
		cap->err = ( rc == SLAP_CB_CONTINUE || rc == LDAP_SUCCESS ) ? LDAP_OTHER : rc;
	}
	if ( cap->err == LDAP_OTHER && cap->text &&
		strcmp( cap->text, "commit failed" ) == 0 ) {
		/* back-mdb 2.5 (delete, modify) tests a stale rs->sr_err after
		 * skipping its commit when the transaction is not its own: e.g.
		 * MDB_NOTFOUND left by the "is the parent now a leaf" probe of a
		 * delete that leaves its parent without children.  It committed
		 * nothing, so this text can only come from that test; the change
		 * itself is complete in the transaction.  That holds for every
		 * transaction published on the operation, whoever owns it: ours,
		 * a group's, an LDAP transaction's (RFC 5805), or the one a write
		 * entails its consequences in (bt_consequence).  Before, only ours
		 * and a group's were spared: an LDAP transaction deleting a
		 * parent's last child was aborted with "commit failed", and so was
		 * a termination whose cascade did. */
		cap->err = LDAP_SUCCESS;
		ch_free( cap->text );
		cap->text = NULL;
	}
}

static void
send_result( bt_write *w, SlapReply *rs, int err, const char *text,
	bt_capture *cap )
{
	Operation *op = w->op;

	rs->sr_err = err;
	rs->sr_text = text;
	rs->sr_matched = cap ? cap->matched : NULL;
	rs->sr_ctrls = cap ? cap->ctrls : NULL;
	rs->sr_ref = NULL;
	rs->sr_flags = 0;
	op->o_bd->bd_info = (BackendInfo *)w->on->on_info;
	send_ldap_result( op, rs );
	op->o_bd->bd_info = (BackendInfo *)w->on;
	rs->sr_matched = NULL;
	rs->sr_text = NULL;
	rs->sr_ctrls = NULL;
}

static void
capture_free( bt_capture *cap )
{
	ch_free( cap->matched );
	ch_free( cap->text );
	if ( cap->ctrls ) ldap_controls_free( cap->ctrls );
}

/* An add without the control may carry its period as moValidFrom /
 * moValidTo (an import with the relax control): the period of the
 * version, never stored as attributes. */
static int
import_period( bt_write *w, Entry *e )
{
	Attribute *from = attr_find( e->e_attrs, bt_ad_validFrom );
	Attribute *to = attr_find( e->e_attrs, bt_ad_validTo );

	if ( !from && !to ) return 0;
	if ( from && bt_time_parse( from->a_vals[0].bv_val, from->a_vals[0].bv_len, &w->P.from ) )
		FAIL( w, LDAP_INVALID_SYNTAX, "moValidFrom: malformed GeneralizedTime" );
	if ( to && bt_time_parse( to->a_vals[0].bv_val, to->a_vals[0].bv_len, &w->P.to ) )
		FAIL( w, LDAP_INVALID_SYNTAX, "moValidTo: malformed GeneralizedTime" );
	if ( !bt_period_is_valid( w->P ) )
		FAIL( w, LDAP_UNWILLING_TO_PERFORM, "moValidTo must be later than moValidFrom" );
	attr_delete( &e->e_attrs, bt_ad_validFrom );
	attr_delete( &e->e_attrs, bt_ad_validTo );
	w->dated = 1;
	return 0;
}

/* ------------------------------------------------------------------ */
static slap_operation_t
op_which( Operation *op )
{
	switch ( op->o_tag ) {
	case LDAP_REQ_ADD: return op_add;
	case LDAP_REQ_DELETE: return op_delete;
	case LDAP_REQ_MODRDN: return op_modrdn;
	default: return op_modify;
	}
}

/* What another overlay says the write entails (bt_consequence), written
 * in the write's transaction once its own change has succeeded: a
 * refusal there undoes the write, whose answer it becomes (cap).  u: the
 * entity written; from: when its change takes effect.  Returns non-zero
 * when the write may be kept. */
static int
write_consequence( bt_write *w, bt_capture *cap, const bt_uuid *u, bt_time from )
{
	OpExtra *oex;
	bt_consequence *cq;
	OpExtra *share;
	char text[BT_CONSEQUENCE_TEXT_LEN];
	int rc;

	if ( cap->err != LDAP_SUCCESS || w->op->o_noop ) return 1;
	LDAP_SLIST_FOREACH( oex, &w->op->o_extra, oe_next ) {
		if ( oex->oe_key == &bt_consequence_key ) break;
	}
	if ( !oex ) return 1;
	cq = (bt_consequence *)oex;
	/* w->txn for writes below the other overlay: back-mdb finds it
	 * published and leaves its begin and commit to its owner (MOI_KEEPER:
	 * not freed by back-mdb).  No nested transaction: a refusal undoes
	 * the whole write anyway, and LMDB cannot nest under writemap. */
	share = bt_txn_share( w->bi->bt_mdb, w->txn );
	text[0] = '\0';
	cq->ran = 1;
	rc = cq->fn( w->op, u, from, share, cq, text, sizeof( text ) );
	bt_txn_share_free( share );
	if ( rc == LDAP_SUCCESS ) return 1;
	cap->err = rc;
	ch_free( cap->text );
	cap->text = ch_strdup( text[0] ? text : "the write's consequences could not be written" );
	if ( cap->ctrls ) {
		ldap_controls_free( cap->ctrls );
		cap->ctrls = NULL;
	}
	return 0;
}

/* Our own activation (bt_activate.c): the history is already written; the
 * live change and the removal of the due rows commit together. */
static int
write_activation( bt_write *w, SlapReply *rs, bt_activation *act )
{
	bt_capture cap = { 0 };
	int rc;

	if ( txn_begin( w ) ) {
		send_result( w, rs, w->err, w->text, NULL );
		return w->err;
	}
	rc = bt_due_del_upto( w->bi, w->txn, act->upto, &act->uuid );
	if ( rc ) {
		txn_end( w, 0 );
		send_result( w, rs, LDAP_OTHER, "bitemporal: cannot update activations", NULL );
		return LDAP_OTHER;
	}
	pass_down( w, rs, op_which( w->op ), &cap );
	/* a person's termination falling due ends what is still theirs */
	write_consequence( w, &cap, &act->uuid, slap_get_time() );
	if ( cap.err == LDAP_SUCCESS ) {
		if ( txn_end( w, 1 ) ) {
			cap.err = LDAP_OTHER;
			ch_free( cap.text );
			cap.text = ch_strdup( "commit failed" );
		}
	} else {
		txn_end( w, 0 );
	}
	send_result( w, rs, cap.err, cap.text, &cap );
	capture_free( &cap );
	return rs->sr_err;
}

/* The activations the write leaves due, in its transaction: they commit
 * or vanish with its history rows. */
static int
schedule_due( bt_write *w )
{
	int i;

	for ( i = 0; i < w->ndue; i++ ) {
		if ( bt_due_put( w->bi, w->txn, w->due[i], &w->uuid ) )
			FAIL( w, LDAP_OTHER, "bitemporal: cannot schedule activation" );
	}
	return 0;
}

/* A modrdn of an entry the request named by a name it had at another
 * time: the frontend built the RDN changes from the requested name, the
 * live entry has another.  Rebuild them from the live name, keeping the
 * operational attributes the frontend appended.  Returns the requested
 * list, to be put back by live_rdn_mods_restore, or NULL if nothing was
 * rebuilt. */
static Modifications *
live_rdn_mods( Operation *op, Modifications **renamed, Modifications **tail )
{
	SlapReply rs2 = { REP_RESULT };
	Modifications *saved = op->orr_modlist, *m;

	*renamed = *tail = NULL;
	op->orr_modlist = NULL;
	if ( slap_modrdn2mods( op, &rs2 ) != LDAP_SUCCESS ) {
		op->orr_modlist = saved;
		return NULL;
	}
	*renamed = op->orr_modlist;
	for ( *tail = *renamed; *tail && (*tail)->sml_next; *tail = (*tail)->sml_next )
		;
	for ( m = saved; m && !is_at_operational( m->sml_desc->ad_type ); m = m->sml_next )
		;
	if ( *tail ) (*tail)->sml_next = m;
	else op->orr_modlist = m;
	return saved;
}

static void
live_rdn_mods_restore( Operation *op, Modifications *saved,
	Modifications *renamed, Modifications *tail )
{
	if ( !saved ) return;
	if ( tail ) {
		tail->sml_next = NULL;
		slap_mods_free( renamed, 1 );
	}
	op->orr_modlist = saved;
}

/* The live change, passed down under the entry's live name when the
 * request named it by another. */
static void
apply_live( bt_write *w, SlapReply *rs, bt_capture *cap )
{
	Operation *op = w->op;
	struct berval dn = op->o_req_dn, ndn = op->o_req_ndn;
	Modifications *saved = NULL, *renamed = NULL, *tail = NULL;

	if ( w->live_ndn.bv_val ) {
		op->o_req_dn = w->live_dn;
		op->o_req_ndn = w->live_ndn;
		if ( op->o_tag == LDAP_REQ_MODRDN )
			saved = live_rdn_mods( op, &renamed, &tail );
	}
	pass_down( w, rs, op_which( op ), cap );
	live_rdn_mods_restore( op, saved, renamed, tail );
	op->o_req_dn = dn;
	op->o_req_ndn = ndn;
}

/* Everything a write does inside its transaction: the history rows, the
 * due activations and the live change.  Returns non-zero when the
 * transaction should keep it.  Decides nothing about committing: that is
 * the caller's (alone) or the group's (bt_commit.c). */
static int
write_in_txn( bt_write *w, SlapReply *rs, bt_capture *cap )
{
	Operation *op = w->op;
	int rc;

	if ( txn_begin( w ) ) return 0;
	switch ( op->o_tag ) {
	case LDAP_REQ_ADD: rc = bt_version_add( w ); break;
	case LDAP_REQ_MODIFY: rc = bt_version_modify( w ); break;
	case LDAP_REQ_DELETE: rc = bt_version_delete( w ); break;
	case LDAP_REQ_MODRDN: rc = bt_version_modrdn( w ); break;
	default: rc = 0;
	}
	if ( rc || w->err || w->untracked ) return 0;
	if ( schedule_due( w ) ) return 0;
	if ( w->live_change ) {
		apply_live( w, rs, cap );
	} else {
		cap->done = 1;
		cap->err = LDAP_SUCCESS;
	}
	if ( !write_consequence( w, cap, &w->uuid, w->P.from ) ) return 0;
	return cap->err == LDAP_SUCCESS && !op->o_noop;
}

typedef struct write_args {
	bt_write *w;
	SlapReply *rs;
	bt_capture *cap;
} write_args;

static int
run_write( bt_job *job )
{
	write_args *a = job->arg;

	return write_in_txn( a->w, a->rs, a->cap );
}

/* After a commit: views cached before it may be stale.  Writes of one
 * group finish in any order; the latest registration time wins.
 *
 * Only after the commit: a view built between an early note and the
 * commit would be cached under the new generation with the old data, and
 * kept (the stale manager, the moved post missing from a search).  A
 * write in a transaction the overlay does not own (the oio task's batches,
 * an RFC 5805 transaction) notes once when it is written, which is
 * harmless, and once more when its owner has committed: oio.c after a
 * batch, bt_txn_hook below for LDAP transactions. */
void
bt_note_committed( bt_info *bi, bt_time now )
{
	bt_time last = __atomic_load_n( &bi->bt_last_write, __ATOMIC_RELAXED );

	while ( now > last && !__atomic_compare_exchange_n( &bi->bt_last_write,
			&last, now, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED ) )
		;
	__atomic_add_fetch( &bi->bt_write_gen, 1, __ATOMIC_RELEASE );
}

unsigned long
bt_view_generation( bt_info *bi )
{
	return __atomic_load_n( &bi->bt_write_gen, __ATOMIC_ACQUIRE );
}

bt_time
bt_last_write( bt_info *bi )
{
	return __atomic_load_n( &bi->bt_last_write, __ATOMIC_ACQUIRE );
}

/* back-mdb's transaction hook as an LDAP transaction (slapd's txn.c)
 * calls it: begin, then each write (which finds the transaction published
 * and leaves it alone), then commit or abort. */
int
bt_txn_hook( Operation *op, int txnop, OpExtra **ptr )
{
	slap_overinfo *oi = (slap_overinfo *)op->o_bd->bd_info;
	slap_overinst *on;
	bt_info *bi = NULL;
	int rc, high;

	for ( on = oi->oi_list; on; on = on->on_next ) {
		if ( on->on_bi.bi_type && strcmp( on->on_bi.bi_type, "bitemporal" ) == 0 ) {
			bi = on->on_bi.bi_private;
			break;
		}
	}
	if ( !bi || !bi->bt_mdb )
		return oi->oi_orig->bi_op_txn( op, txnop, ptr );
	switch ( txnop ) {
	case SLAP_TXN_BEGIN:
		rc = oi->oi_orig->bi_op_txn( op, txnop, ptr );
		/* the writer lock is ours until the commit or the abort */
		if ( rc == 0 ) bi->bt_ext_mark = bt_ads_mark( bi->bt_mdb );
		return rc;
	case SLAP_TXN_ABORT:
		bt_ads_unwind( bi->bt_mdb, bi->bt_ext_mark, bt_ads_mark( bi->bt_mdb ) );
		return oi->oi_orig->bi_op_txn( op, txnop, ptr );
	case SLAP_TXN_COMMIT:
		high = bt_ads_mark( bi->bt_mdb );
		rc = oi->oi_orig->bi_op_txn( op, txnop, ptr );
		if ( rc ) bt_ads_unwind( bi->bt_mdb, bi->bt_ext_mark, high );
		else bt_note_committed( bi, slap_get_time() );
		return rc;
	}
	return oi->oi_orig->bi_op_txn( op, txnop, ptr );
}

/* The period a write covers: the validity control's, an add's imported
 * moValidFrom/moValidTo, or from now on. */
static int
write_period( bt_write *w )
{
	Operation *op = w->op;
	bt_validity *v;

	w->dated = bt_has_ctrl( op, bt_validity_cid );
	if ( !w->dated ) {
		w->P.from = w->now;
		w->P.to = BT_INFINITY;
		if ( op->o_tag == LDAP_REQ_ADD && import_period( w, op->ora_e ) ) return w->err;
		return 0;
	}
	v = bt_validity_of( op );
	w->P = v->period;
	if ( !bt_period_is_valid( w->P ) )
		FAIL( w, LDAP_UNWILLING_TO_PERFORM, "validity control: validTo must be later than validFrom" );
	if ( v->has_to && op->o_tag == LDAP_REQ_DELETE )
		FAIL( w, LDAP_UNWILLING_TO_PERFORM,
			"validity control: a delete ends the entry at validFrom; validTo is not allowed" );
	if ( v->has_to && op->o_tag == LDAP_REQ_MODRDN )
		FAIL( w, LDAP_UNWILLING_TO_PERFORM,
			"validity control: a modrdn renames from validFrom on; validTo is not allowed" );
	return 0;
}

/* An undated modify of derived values only, by the overlay that derives
 * them (bt_computed.c): the live entry alone, no version; they are no
 * fact of the entry's own. */
static int
is_derived_write( bt_write *w )
{
	OpExtra *oex;

	if ( w->dated || w->op->o_tag != LDAP_REQ_MODIFY ||
		!bt_mods_computed_only( w->bi, w->op->orr_modlist ) )
		return 0;
	LDAP_SLIST_FOREACH( oex, &w->op->o_extra, oe_next ) {
		if ( oex->oe_key == &bt_derived_key ) return 1;
	}
	return 0;
}

static void
write_free( bt_write *w )
{
	ch_free( w->live_dn.bv_val );
	ch_free( w->live_ndn.bv_val );
}

/* The write is refused before anything was kept: its own result. */
static int
write_refuse( bt_write *w, SlapReply *rs )
{
	send_result( w, rs, w->err, w->text, NULL );
	write_free( w );
	return rs->sr_err;
}

/* An entry the overlay does not track passes through, unless the write
 * is dated: a date means nothing without a history. */
static int
write_untracked( bt_write *w, SlapReply *rs )
{
	if ( !w->dated ) {
		write_free( w );
		return SLAP_CB_CONTINUE;
	}
	w->err = LDAP_UNWILLING_TO_PERFORM;
	w->text = "validity control: the entry is not tracked by the bitemporal overlay";
	return write_refuse( w, rs );
}

/* Runs the write in a transaction and commits it: in a group that shares
 * one commit with the writes that arrive meanwhile, or alone, or inside
 * a transaction of someone else's (LDAP transactions), who commits it.
 * Returns the commit's LMDB code. */
static int
write_commit( bt_write *w, SlapReply *rs, bt_capture *cap )
{
	/* before the group publishes one of its own */
	w->foreign_txn = bt_txn_published( w->bi->bt_mdb, w->op ) != NULL;
	if ( !w->foreign_txn && w->bi->bt_group_max > 1 && !w->bi->bt_no_nesting ) {
		write_args a = { w, rs, cap };
		bt_job job = { 0 };

		job.op = w->op;
		job.orig = w->on->on_info->oi_orig;
		job.run = run_write;
		job.arg = &a;
		bt_group_write( w->bi, &job );
		if ( !job.ran && !w->err ) {
			w->err = LDAP_OTHER;
			w->text = "bitemporal: cannot begin a transaction";
		}
		return job.rc;
	}
	return txn_end( w, write_in_txn( w, rs, cap ) );
}

/* The held-back result, sent once the commit is known; a write that
 * reached the live entry under another name than the requested one tells
 * the overlays above which (bt_resolved). */
static int
write_reply( bt_write *w, SlapReply *rs, bt_capture *cap, int commit_rc )
{
	Operation *op = w->op;
	bt_resolved res;

	if ( cap->err == LDAP_SUCCESS && !op->o_noop ) {
		if ( commit_rc ) {
			cap->err = LDAP_OTHER;
			ch_free( cap->text );
			cap->text = ch_strdup( "commit failed" );
		} else {
			bt_note_committed( w->bi, w->now );
		}
	} else if ( op->o_noop && cap->err == LDAP_SUCCESS ) {
		cap->err = LDAP_X_NO_OPERATION;
	}
	if ( cap->err == LDAP_SUCCESS && w->live_change && w->live_ndn.bv_val ) {
		res.oe.oe_key = &bt_resolved_key;
		res.dn = w->live_dn;
		res.ndn = w->live_ndn;
		LDAP_SLIST_INSERT_HEAD( &op->o_extra, &res.oe, oe_next );
		send_result( w, rs, cap->err, cap->text, cap );
		LDAP_SLIST_REMOVE( &op->o_extra, &res.oe, OpExtra, oe_next );
	} else {
		send_result( w, rs, cap->err, cap->text, cap );
	}
	capture_free( cap );
	write_free( w );
	return rs->sr_err;
}

int
bt_op_write( Operation *op, SlapReply *rs )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	bt_write w;
	bt_capture cap = { 0 };
	OpExtra *oex;
	int commit_rc;

	memset( &w, 0, sizeof( w ) );
	w.op = op;
	w.on = on;
	w.bi = on->on_bi.bi_private;
	if ( !w.bi->bt_open ) return SLAP_CB_CONTINUE;

	LDAP_SLIST_FOREACH( oex, &op->o_extra, oe_next ) {
		if ( oex->oe_key == &bt_activation_key )
			return write_activation( &w, rs, (bt_activation *)oex );
	}

	w.now = slap_get_time();
	if ( write_period( &w ) ) return write_refuse( &w, rs );
	if ( is_derived_write( &w ) ) return SLAP_CB_CONTINUE;
	if ( op->o_tag == LDAP_REQ_ADD && !bt_is_tracked( w.bi, op->ora_e ) )
		return write_untracked( &w, rs );

	commit_rc = write_commit( &w, rs, &cap );
	if ( w.untracked || w.err ) {
		capture_free( &cap );
		return w.untracked ? write_untracked( &w, rs ) : write_refuse( &w, rs );
	}
	return write_reply( &w, rs, &cap, commit_rc );
}
