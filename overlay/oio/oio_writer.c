/* oio_writer.c - the derived values the task computed, written to the
 * live entries below the overlay in batched transactions, and recorded in
 * the model once they are stored.  A write of derived values changes the
 * live entry only (bt_derived_key): they are no facts of the entry's own
 * (bitemporal_api.h, bt_computed.c).
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"

#include "modir.h"
#include "oio.h"

/* The replace modifications that bring o's stored derived values to v:
 * none for an attribute whose set of values is unchanged. */
static Modifications *
derived_mods( oio_model *md, oio_obj *o, BerVarray *v )
{
	Modifications *ml = NULL, **tail = &ml;
	int i, first, last;

	oio_derived_range( o->kind, &first, &last );
	for ( i = first; i <= last; i++ ) {
		Modifications *m;
		int nv = 0;
		if ( oio_obj_stored_is( md, o, i, v[i] ) ) continue;
		while ( v[i] && v[i][nv].bv_val ) nv++;
		m = ch_calloc( 1, sizeof( *m ) );
		m->sml_op = LDAP_MOD_REPLACE;
		m->sml_flags = SLAP_MOD_INTERNAL;
		m->sml_desc = oio_ad.derived[i];
		m->sml_type = m->sml_desc->ad_cname;
		m->sml_numvals = nv;
		if ( nv ) ber_bvarray_dup_x( &m->sml_values, v[i], NULL );
		*tail = m;
		tail = &m->sml_next;
	}
	return ml;
}


/* An oio_write_fn: notes o's new values to write; the model records them
 * only once they are stored (returns 1), or at once when no attribute
 * of o's kind changed (returns 0). */
int
oio_pending_add( oio_model *m, oio_obj *o, BerVarray *v, void *arg )
{
	pending_list *l = arg;
	Modifications *ml = derived_mods( m, o, v );
	pending *p;
	int i;

	if ( !ml ) return 0;
	if ( l->n == l->max ) {
		l->max = l->max ? 2 * l->max : 64;
		l->p = ch_realloc( l->p, l->max * sizeof( pending ) );
	}
	p = &l->p[l->n++];
	memset( p, 0, sizeof( *p ) );
	p->uuid = o->uuid;
	oio_obj_dn( o, &p->dn, &p->ndn );
	p->ml = ml;
	for ( i = 0; i < D_COUNT; i++ )
		if ( v[i] ) ber_bvarray_dup_x( &p->v[i], v[i], NULL );
	return 1;
}

void
oio_pending_free( pending_list *l )
{
	int i, j;

	for ( i = 0; i < l->n; i++ ) {
		ch_free( l->p[i].dn.bv_val );
		ch_free( l->p[i].ndn.bv_val );
		if ( l->p[i].ml ) slap_mods_free( l->p[i].ml, 1 );
		for ( j = 0; j < D_COUNT; j++ ) ber_bvarray_free( l->p[i].v[j] );
	}
	ch_free( l->p );
}

/* Writes p's changes to its live entry, below this overlay.  Returns an
 * LDAP result code; a failure is logged. */
static int
write_derived( oio_writer *w, pending *p )
{
	Operation op2;
	BackendDB db;
	slap_callback cb;
	void *ctrls[SLAP_MAX_CIDS];
	const char *text;
	char textbuf[SLAP_TEXT_BUFLEN];
	int rc;

	oio_op_below( w, &op2, &db, &cb, ctrls );
	op2.o_tag = LDAP_REQ_MODIFY;
	op2.o_req_dn = p->dn;
	op2.o_req_ndn = p->ndn;
	memset( &op2.oq_modify, 0, sizeof( op2.oq_modify ) );
	op2.orm_modlist = p->ml;
	p->ml = NULL;
	rc = slap_mods_check( &op2, op2.orm_modlist, &text, textbuf, sizeof( textbuf ), NULL );
	if ( rc == LDAP_SUCCESS ) {
		OpExtra mark = { { NULL }, &bt_derived_key };
		slap_mods_opattrs( &op2, &op2.orm_modlist, 1 );
		/* derived values: the live entry alone, no version (bt_computed.c) */
		LDAP_SLIST_INSERT_HEAD( &op2.o_extra, &mark, oe_next );
		rc = oio_run_below( w, &op2, op_modify );
		LDAP_SLIST_REMOVE( &op2.o_extra, &mark, OpExtra, oe_next );
	}
	slap_mods_free( op2.orm_modlist, 1 );
	if ( rc != LDAP_SUCCESS ) {
		Debug( LDAP_DEBUG_ANY, "oio: cannot update derived attributes of \"%s\": %d\n",
			p->dn.bv_val, rc );
	}
	return rc;
}

/* Batched writes: the rows of many derived updates share one back-mdb
 * transaction (as RFC 5805 transactions do), one fsync per batch.
 *
 * Each write runs in a transaction nested in the batch's (as a write of a
 * group commit does, bt_commit.c), so that one that fails (a refused
 * value, an entry gone meanwhile) is undone alone and the others are
 * kept.  Aborting the whole batch for it, as before, lost the derived
 * values of every other entry of the batch while the model recorded them
 * as stored (a stale manager nobody recomputed), and threw away back-mdb's
 * registration of attributes first stored in the batch while its table
 * kept them: entries later stored with an attribute index that no
 * committed record defines (bt_backmdb.c). */
typedef struct batch_writer {
	oio_writer w;
	Operation *base;
	OpExtra *batch;		/* back-mdb's transaction, w.txn while none runs */
	pending_list *l;
	int first;			/* the first pending of the open batch */
	int n;
	int mark;			/* back-mdb's attribute table when it began */
	bt_time now;
	int paused;			/* the thread pool is pausing: the rest waits */
} batch_writer;

/* Commits the open batch; what it wrote is stored once the commit
 * succeeds.  Returns an LMDB code. */
static int
batch_commit( batch_writer *b, int upto )
{
	BackendInfo *orig = b->w.on->on_info->oi_orig;
	void *mdb = b->w.oi->oi_db->be_private;
	int rc = 0, high, i;

	if ( !b->batch ) return 0;
	LDAP_SLIST_REMOVE( &b->base->o_extra, b->batch, OpExtra, oe_next );
	high = bt_ads_mark( mdb );
	rc = orig->bi_op_txn( b->base, SLAP_TXN_COMMIT, &b->batch );
	if ( rc ) {
		bt_ads_unwind( mdb, b->mark, high );
		Debug( LDAP_DEBUG_ANY, "oio: commit of %d derived updates failed: %s (%d)\n",
			b->n, mdb_strerror( rc ), rc );
	} else {
		for ( i = b->first; i < upto; i++ )
			if ( b->l->p[i].written ) b->l->p[i].stored = 1;
		/* now, not when the writes went through the history: a view
		 * cached in between saw none of them (bt_write.c) */
		if ( b->w.oi->oi_bt && b->n ) bt_note_committed( b->w.oi->oi_bt, b->now );
	}
	b->batch = NULL;
	b->w.txn = NULL;
	b->n = 0;
	b->first = upto;
	if ( ldap_pvt_thread_pool_pausing( &connection_pool ) > 0 ) b->paused = 1;
	return rc;
}

/* Writes the i-th pending in the open batch (begun if none is), in a
 * transaction of its own nested in the batch's.  Returns an LDAP result
 * code. */
static int
batch_write( batch_writer *b, int i )
{
	BackendInfo *orig = b->w.on->on_info->oi_orig;
	void *mdb = b->w.oi->oi_db->be_private;
	OpExtra *nested;
	int rc, mark;

	if ( !b->batch ) {
		if ( orig->bi_op_txn( b->base, SLAP_TXN_BEGIN, &b->batch ) ) {
			b->batch = NULL;
			return LDAP_OTHER;
		}
		b->mark = bt_ads_mark( mdb );	/* with the writer lock */
		b->now = slap_get_time();
		b->first = i;
	}
	nested = bt_nested_begin( mdb, b->batch, &mark );
	if ( !nested ) return LDAP_OTHER;
	b->w.txn = nested;
	rc = write_derived( &b->w, &b->l->p[i] );
	b->w.txn = NULL;
	if ( bt_nested_end( mdb, nested, mark, rc == LDAP_SUCCESS ) && rc == LDAP_SUCCESS )
		rc = LDAP_OTHER;
	if ( rc == LDAP_SUCCESS ) {
		b->l->p[i].written = 1;
		if ( ++b->n >= OIO_BATCH_MAX ) batch_commit( b, i + 1 );
	}
	return rc;
}

/* Writes every pending in batches, stopping when the thread pool pauses
 * (the rest is written by the next run).  Called without the model's
 * mutex: the batches take back-mdb's writer lock (oio.h, lock order). */
void
oio_pending_write( oio_info *oi, Operation *op, pending_list *l )
{
	batch_writer b;
	int i;

	memset( &b, 0, sizeof( b ) );
	b.w.op = op;
	b.w.on = oi->oi_on;
	b.w.oi = oi;
	b.base = op;
	b.l = l;
	for ( i = 0; i < l->n && !b.paused; i++ ) batch_write( &b, i );
	batch_commit( &b, i );
	/* a full batch (the derived values of the whole organisation at a
	 * first start) dirtied thousands of pages that LMDB would keep */
	if ( l->n >= OIO_BATCH_MAX && oi->oi_bt ) bt_release_write_memory( oi->oi_bt );
}

/* The model records what was stored; returns how many.  Called with the
 * model's mutex held.  An object gone meanwhile (deleted, reloaded) has
 * nothing to record. */
int
oio_pending_record( oio_model *m, pending_list *l )
{
	int i, n = 0;
	oio_obj *o;

	for ( i = 0; i < l->n; i++ ) {
		if ( !l->p[i].stored ) continue;
		n++;
		if ( !( o = oio_model_get( m, &l->p[i].uuid ) ) ) continue;
		oio_obj_store( m, o, l->p[i].v );
	}
	return n;
}
