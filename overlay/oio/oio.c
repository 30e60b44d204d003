/* oio.c - the OIO organisation model overlay (slapo-oio(5)).
 *
 * Gives the OIO schema its meaning:
 *  - integrity over time: a function may only reference objects that exist
 *    during its whole period, classes of the right facet; at most one
 *    primary engagement per person at any instant; no termination of what
 *    others still refer to (oio_integrity.c);
 *  - terminating a person terminates their functions from that date, future
 *    ones included (or leaves their manager posts vacant);
 *  - the derived attributes AD, IAM systems and phone books read, kept in
 *    the live entries (oio_model.c).
 *
 * Configure it above the bitemporal overlay (after it in the config):
 * every write it sees, clients' and the bitemporal overlay's activations of
 * due changes alike, reaches the live DIT only through it.  Its own writes
 * (derived values, terminations) go to the overlays below it, so the
 * bitemporal overlay records them like any other change.
 */
#include "portable.h"

#include <ac/string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "slap.h"
#include "slap-config.h"
#include "ldap_rq.h"

#include "modir.h"
#include "modir_config_value.h"
#include "oio.h"

static slap_overinst oio;

enum { OIO_CFG_MANAGER_POLICY = 1, OIO_CFG_INTERNAL_ADDRESSES, OIO_CFG_N };

static ConfigDriver oio_cf_gen;

/* The values are parsed by modir_cf_value() (modir_config_value.h). */
static ConfigTable oio_cfg[] = {
	{ "oio-internal-addresses", "on|off", 2, 2, 0,
	  ARG_MAGIC|OIO_CFG_INTERNAL_ADDRESSES, oio_cf_gen,
	  "( " MODIR_CFG_AT_OIO ".1 NAME 'olcOioInternalAddresses' "
	  "DESC 'Publish addresses of visibility internal in derived attributes' "
	  "EQUALITY booleanMatch "
	  "SYNTAX OMsBoolean SINGLE-VALUE )", NULL, NULL },
	{ "oio-terminated-managers", "terminate|vacate", 2, 2, 0,
	  ARG_MAGIC|OIO_CFG_MANAGER_POLICY, oio_cf_gen,
	  "( " MODIR_CFG_AT_OIO ".2 NAME 'olcOioTerminatedManagers' "
	  "DESC 'On termination of a person: end their manager posts or leave them vacant' "
	  "EQUALITY caseIgnoreMatch "
	  "SYNTAX OMsDirectoryString SINGLE-VALUE )", NULL, NULL },
	{ NULL, NULL, 0, 0, 0, ARG_IGNORED }
};

static ConfigOCs oio_ocs[] = {
	{ "( " MODIR_CFG_OC_OIO " "
	  "NAME 'olcOioConfig' "
	  "DESC 'modir OIO organisation model overlay configuration' "
	  "SUP olcOverlayConfig "
	  "MAY ( olcOioInternalAddresses $ olcOioTerminatedManagers ) )",
	  Cft_Overlay, oio_cfg },
	{ NULL, 0, NULL }
};

static void oio_derive( oio_info *oi, void *ctx );

/* A value that feeds the derived attributes, changed in a running slapd
 * (cn=config): they are recomputed before the modify returns, not at the
 * next unrelated write.  The server is paused meanwhile (back-config), so
 * the overlay's task is not running and no write comes between. */
static int
oio_cf_rederive( ConfigArgs *c )
{
	slap_overinst *on = (slap_overinst *)c->bi;
	oio_info *oi = on->on_bi.bi_private;

	if ( !oi->oi_task ) return 0;	/* not open yet: the first run derives all */
	ldap_pvt_thread_mutex_lock( &oi->oi_model.mutex );
	oio_model_change_all( &oi->oi_model );
	ldap_pvt_thread_mutex_unlock( &oi->oi_model.mutex );
	oio_derive( oi, ldap_pvt_thread_pool_context() );
	return 0;
}

/* One function per directive and operation (slap-config.h: emit the
 * value, delete it (back to the default), set it from c->argv[1]); each
 * returns 0, or ARG_BAD_CONF with the reason in c->cr_msg. */

static int
internal_addresses_emit( ConfigArgs *c, oio_info *oi )
{
	return modir_cf_emit( c, MODIR_CV_OIO_INTERNAL_ADDRESSES, oi->oi_internal_addresses );
}

static void
internal_addresses_change( ConfigArgs *c, oio_info *oi, int on )
{
	if ( oi->oi_internal_addresses == on ) return;
	oi->oi_internal_addresses = on;
	config_push_cleanup( c, oio_cf_rederive );
}

static int
internal_addresses_delete( ConfigArgs *c, oio_info *oi )
{
	internal_addresses_change( c, oi, 0 );
	return 0;
}

static int
internal_addresses_set( ConfigArgs *c, oio_info *oi )
{
	unsigned long long v;

	if ( modir_cf_value( c, MODIR_CV_OIO_INTERNAL_ADDRESSES, &v ) ) return ARG_BAD_CONF;
	internal_addresses_change( c, oi, (int)v );
	return 0;
}

/* read by every termination as it is decided (oio_integrity.c) */
static int
manager_policy_emit( ConfigArgs *c, oio_info *oi )
{
	return modir_cf_emit( c, MODIR_CV_OIO_TERMINATED_MANAGERS, oi->oi_manager_policy );
}

static int
manager_policy_delete( ConfigArgs *c, oio_info *oi )
{
	oi->oi_manager_policy = OIO_TERMINATE_MANAGERS;
	return 0;
}

static int
manager_policy_set( ConfigArgs *c, oio_info *oi )
{
	unsigned long long v;

	if ( modir_cf_value( c, MODIR_CV_OIO_TERMINATED_MANAGERS, &v ) ) return ARG_BAD_CONF;
	oi->oi_manager_policy = v == MODIR_CV_MANAGERS_VACATE ? OIO_VACATE_MANAGERS : OIO_TERMINATE_MANAGERS;
	return 0;
}

typedef int (oio_cf_fn)( ConfigArgs *c, oio_info *oi );

static const struct {
	oio_cf_fn *emit, *delete, *set;
} oio_cf_directives[OIO_CFG_N] = {
	[OIO_CFG_MANAGER_POLICY] = { manager_policy_emit, manager_policy_delete, manager_policy_set },
	[OIO_CFG_INTERNAL_ADDRESSES] = { internal_addresses_emit, internal_addresses_delete, internal_addresses_set },
};

static int
oio_cf_gen( ConfigArgs *c )
{
	slap_overinst *on = (slap_overinst *)c->bi;
	oio_info *oi = on->on_bi.bi_private;

	if ( c->type <= 0 || c->type >= OIO_CFG_N ) return ARG_BAD_CONF;
	switch ( c->op ) {
	case SLAP_CONFIG_EMIT:
		return oio_cf_directives[c->type].emit( c, oi );
	case LDAP_MOD_DELETE:
		return oio_cf_directives[c->type].delete( c, oi );
	}
	return oio_cf_directives[c->type].set( c, oi );
}

/* The replace modifications that bring o's stored derived values to v:
 * none for an attribute whose set of values is unchanged. */
static Modifications *
derived_mods( oio_model *md, oio_obj *o, BerVarray *v )
{
	Modifications *ml = NULL, **tail = &ml;
	int i, first = o->kind == OIO_PERSON ? 0 : D_PERSON_LAST + 1;
	int last = o->kind == OIO_PERSON ? D_PERSON_LAST : D_COUNT - 1;

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

/* One object's derived values to write: computed under the model's mutex,
 * written after it is released, recorded in the model once they are
 * committed (oio_derive). */
typedef struct pending {
	bt_uuid uuid;
	struct berval dn, ndn;
	Modifications *ml;		/* the changes, consumed by the write */
	BerVarray v[D_COUNT];	/* the values, for the model */
	int written;			/* in the batch's transaction */
	int stored;				/* committed */
} pending;

typedef struct pending_list {
	pending *p;
	int n, max;
} pending_list;

/* An oio_write_fn: notes o's new values to write; the model records them
 * only once they are stored (returns 1), or at once when no attribute
 * of o's kind changed (returns 0). */
static int
pending_add( oio_model *m, oio_obj *o, BerVarray *v, void *arg )
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

static void
pending_free( pending_list *l )
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

/* ------------------------------------------------------------------ */
/* Loading the model: every live entry, once, at the first run of the
 * overlay's task; then derived values for everything (a slapadd'ed
 * directory gets them here), written in batches of one transaction. */

static int
load_cb( Operation *op, SlapReply *rs )
{
	oio_model *m = op->o_callback->sc_private;

	if ( rs->sr_type == REP_SEARCH ) oio_model_put( m, rs->sr_entry );
	return 0;
}

static int
model_load( oio_info *oi, Operation *op )
{
	BackendDB db = *oi->oi_db;
	slap_callback cb = { 0 };
	SlapReply rs = { REP_RESULT };
	Operation op2 = *op;

	db.bd_info = oi->oi_on->on_info->oi_orig;
	db.be_flags |= SLAP_DBFLAG_OVERLAY;
	op2.o_bd = &db;
	op2.o_tag = LDAP_REQ_SEARCH;
	memset( &op2.oq_search, 0, sizeof( op2.oq_search ) );
	op2.o_req_dn = db.be_suffix[0];
	op2.o_req_ndn = db.be_nsuffix[0];
	op2.o_dn = db.be_rootdn;
	op2.o_ndn = db.be_rootndn;
	op2.ors_scope = LDAP_SCOPE_SUBTREE;
	op2.ors_slimit = SLAP_NO_LIMIT;
	op2.ors_tlimit = SLAP_NO_LIMIT;
	/* the entries as stored (their entryUUIDs with them); "+" would have
	 * the bitemporal overlay compute every entry's period attributes from
	 * its history, which the model never reads: a pass over the history
	 * filling its cache of snapshots, and an entry whose current version
	 * does not read (bt_operational) would be left out of the model */
	op2.ors_attrs = slap_anlist_all_user_attributes;
	ber_str2bv( "(objectClass=*)", 0, 0, &op2.ors_filterstr );
	op2.ors_filter = str2filter_x( &op2, op2.ors_filterstr.bv_val );
	if ( !op2.ors_filter ) return LDAP_OTHER;
	cb.sc_response = load_cb;
	cb.sc_private = &oi->oi_model;
	op2.o_callback = &cb;
	oio_model_clear( &oi->oi_model );
	db.bd_info->bi_op_search( &op2, &rs );
	filter_free_x( &op2, op2.ors_filter, 1 );
	if ( rs.sr_err == LDAP_SUCCESS || rs.sr_err == LDAP_NO_SUCH_OBJECT ) {
		oi->oi_model.loaded = 1;
		Debug( LDAP_DEBUG_STATS, "oio: the live organisation loaded: %u objects, %lu bytes\n",
			oi->oi_model.by_uuid.count, (unsigned long)oio_model_bytes( &oi->oi_model ) );
	}
	return rs.sr_err;
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
static void
pending_write( oio_info *oi, Operation *op, pending_list *l )
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
static int
pending_record( oio_model *m, pending_list *l )
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

/* The overlay's task, every second (as the bitemporal overlay's
 * activations): the first time it loads the model and derives it whole;
 * afterwards, whenever writes have changed inputs since its last run, it
 * derives what those changes reach (oio_depend.c: a person's engagement
 * reaches that person, a post the people below its unit, not the whole
 * organisation) and writes the values that changed, in batched
 * transactions.  Many writes in a second (an import, a reorganisation)
 * cost one computation.
 *
 * The values are computed under the model's mutex and written after it
 * is released: a write inside an LDAP transaction (RFC 5805) holds
 * back-mdb's writer lock when it reaches oio_op_write and oio_response,
 * which take the mutex, so the mutex is never held while waiting for the
 * writer lock (oio.h, lock order). */
static void
oio_derive( oio_info *oi, void *ctx )
{
	Connection conn = { 0 };
	OperationBuffer opbuf;
	Operation *op;
	BackendDB db;
	pending_list l = { NULL, 0, 0 };
	int n, i;

	connection_fake_init2( &conn, &opbuf, ctx, 0 );
	op = &opbuf.ob_op;
	db = *oi->oi_db;
	db.bd_info = (BackendInfo *)oi->oi_on;
	op->o_bd = &db;
	op->o_dn = db.be_rootdn;
	op->o_ndn = db.be_rootndn;

	ldap_pvt_thread_mutex_lock( &oi->oi_model.mutex );
	/* a model read anew is derived whole (oio_depend.c) */
	if ( !oi->oi_model.loaded ) model_load( oi, op );
	if ( oi->oi_model.loaded && oio_model_has_changes( &oi->oi_model ) )
		oio_compute_changed( oi, &oi->oi_model, pending_add, &l );
	ldap_pvt_thread_mutex_unlock( &oi->oi_model.mutex );
	if ( !l.n ) return;

	pending_write( oi, op, &l );

	ldap_pvt_thread_mutex_lock( &oi->oi_model.mutex );
	n = pending_record( &oi->oi_model, &l );
	/* what could not be written (refused, or left for after a pause)
	 * is still to write: the next run tries it again */
	for ( i = 0; i < l.n; i++ ) {
		oio_obj *o;
		if ( !l.p[i].stored && ( o = oio_model_get( &oi->oi_model, &l.p[i].uuid ) ) )
			oio_model_change( &oi->oi_model, o );
	}
	ldap_pvt_thread_mutex_unlock( &oi->oi_model.mutex );
	pending_free( &l );
	if ( n )
		Debug( LDAP_DEBUG_STATS, "oio: derived attributes of %d entries updated in \"%s\"\n",
			n, db.be_suffix[0].bv_val );
}

/* An organisation at a point is built by whichever thread serves the
 * search, and glibc gives each thread an arena of its own: freed, the
 * megabytes of a discarded organisation stay in that arena, and a series
 * of searches at new points grows slapd's resident memory by a model's
 * size per arena although little is in use.  Handing free pages back
 * after a whole model is gone keeps the process near what it holds.  The
 * task does it (oi_trim_pending), within a second, once for any number of
 * models: trimming after each search cost a tenth of back-to-back as-of
 * full syncs. */
static void
release_freed_memory( void )
{
#ifdef __GLIBC__
	malloc_trim( 0 );
#endif
}

static void *
oio_task( void *ctx, void *arg )
{
	struct re_s *rtask = arg;
	oio_info *oi = rtask->arg;

	oio_derive( oi, ctx );
	if ( __atomic_exchange_n( &oi->oi_trim_pending, 0, __ATOMIC_RELAXED ) )
		release_freed_memory();
	modir_task_done( rtask );
	return NULL;
}

/* ------------------------------------------------------------------ */
/* After a write reached the live DIT: update the model, recompute. */

typedef struct oio_cb {
	slap_callback cb;
	oio_info *oi;
	slap_overinst *on;
	oio_kind kind;			/* of the entry written, before the write */
	int inputs;				/* the write touched inputs of derived values */
	/* a delete: the cascade of a person's termination, written in the
	 * delete's transaction (terminate_functions) */
	bt_consequence cq;
	int cq_hung;			/* cq is on the operation's o_extra */
	oio_terminated term;	/* what the check saw the delete terminate */
	BerVarray touched;		/* the functions the cascade ended or vacated */
} oio_cb;

static Entry *
live_entry( Operation *op, slap_overinst *on, struct berval *ndn )
{
	Entry *e = NULL;

	if ( overlay_entry_get_ov( op, ndn, NULL, NULL, 0, &e, on ) != LDAP_SUCCESS )
		return NULL;
	return e;
}


/* The client named the entry by a name it had at another time: the model
 * follows the live entry the write reached (bt_resolved).  The caller
 * restores the requested name. */
static void
follow_resolved( Operation *op )
{
	OpExtra *oex;

	LDAP_SLIST_FOREACH( oex, &op->o_extra, oe_next ) {
		if ( oex->oe_key == &bt_resolved_key ) {
			op->o_req_dn = ((bt_resolved *)oex)->dn;
			op->o_req_ndn = ((bt_resolved *)oex)->ndn;
			return;
		}
	}
}

/* The model learns the live entry named ndn as it is now, or forgets it
 * if it is gone.  Called with the model's mutex held. */
static void
model_refresh( Operation *op, slap_overinst *on, oio_model *m, struct berval *ndn )
{
	Entry *e = live_entry( op, on, ndn );

	if ( e ) {
		oio_model_put( m, e );
		overlay_entry_release_ov( op, e, 0, on );
	} else {
		oio_model_del_dn( m, ndn );
	}
}

/* A delete: the entry leaves the model if it left the live DIT now (a
 * dated delete leaves it live).  Called with the model's mutex held. */
static void
model_delete( Operation *op, oio_cb *c )
{
	oio_model *m = &c->oi->oi_model;
	oio_obj *o = oio_model_get_dn( m, &op->o_req_ndn );
	Entry *e;

	/* a person's delete that no bitemporal write carried (an entry it
	 * does not track): no cascade ran, and none can run now that the
	 * delete is committed */
	if ( o && o->kind == OIO_PERSON && !c->cq.ran )
		Debug( LDAP_DEBUG_ANY, "oio: \"%s\" was terminated without the bitemporal "
			"overlay (not tracked?): their functions are not ended\n", op->o_req_dn.bv_val );
	if ( ( e = live_entry( op, c->on, &op->o_req_ndn ) ) ) {
		overlay_entry_release_ov( op, e, 0, c->on );	/* still live: dated */
	} else {
		oio_model_del_dn( m, &op->o_req_ndn );
	}
}

/* A modrdn that took effect now renames the entry and everything below it
 * in the model; a dated one leaves the live entry where it is.  Called
 * with the model's mutex held. */
static void
model_rename( Operation *op, slap_overinst *on, oio_model *m )
{
	struct berval dn, ndn;
	Entry *e;

	if ( ( e = live_entry( op, on, &op->o_req_ndn ) ) ) {
		overlay_entry_release_ov( op, e, 0, on );	/* still there: dated */
		return;
	}
	modir_modrdn_newdn( op, &dn, &ndn );
	oio_model_rename( m, &op->o_req_ndn, &dn, &ndn );
	if ( ( e = live_entry( op, on, &ndn ) ) ) {
		oio_model_put( m, e );
		overlay_entry_release_ov( op, e, 0, on );
	}
	ch_free( dn.bv_val );
	ch_free( ndn.bv_val );
}

/* A bt_consequence (bitemporal_api.h): the delete of u has succeeded in
 * its transaction, not yet committed; if u is a person, their functions
 * end (or are vacated) from the same instant, in the same transaction, or
 * the delete is refused.  Under back-mdb's writer lock, maybe in a group
 * commit leader's thread: no lock of this overlay is taken (oio.h, lock
 * order); what was ended is recorded for oio_response. */
static int
terminate_functions( Operation *op, const bt_uuid *u, bt_time from, OpExtra *txn,
	bt_consequence *cq, char *text, size_t len )
{
	oio_cb *c = cq->arg;
	int person, rc;

	if ( op->o_tag != LDAP_REQ_DELETE ) return LDAP_SUCCESS;
	rc = oio_terminates_person( op, c->oi, u, &c->term, &person );
	if ( rc ) {
		snprintf( text, len, "oio: cannot read the history of %s to end the functions "
			"of a person with them (%s); nothing was changed",
			op->o_req_dn.bv_val, mdb_strerror( rc ) );
		return LDAP_OTHER;
	}
	if ( !person ) return LDAP_SUCCESS;
	ber_bvarray_free( c->touched );
	c->touched = NULL;
	return oio_cascade( op, c->oi, c->on, u, from, txn, &c->touched, text, len );
}

/* After a successful write: the model follows the live DIT, and the task
 * recomputes the derived values within a second when an input changed. */
static int
oio_response( Operation *op, SlapReply *rs )
{
	oio_cb *c = op->o_callback->sc_private;
	oio_info *oi = c->oi;
	slap_overinst *on = c->on;
	oio_model *m = &oi->oi_model;
	BackendInfo *saved = op->o_bd->bd_info;
	struct berval req_dn = op->o_req_dn, req_ndn = op->o_req_ndn;
	int i;
	Entry *e;

	if ( rs->sr_type != REP_RESULT || rs->sr_err != LDAP_SUCCESS )
		return SLAP_CB_CONTINUE;
	follow_resolved( op );

	ldap_pvt_thread_mutex_lock( &m->mutex );
	if ( !m->loaded ) goto done;	/* the load task will see it all */
	op->o_bd->bd_info = (BackendInfo *)on;

	switch ( op->o_tag ) {
	case LDAP_REQ_MODIFY:
		/* no input touched (a description, a phone-book note): the model
		 * has nothing to learn */
		if ( !c->inputs ) break;
		/* fall through */
	case LDAP_REQ_ADD:
		if ( ( e = live_entry( op, on, &op->o_req_ndn ) ) ) {
			oio_model_put( m, e );
			overlay_entry_release_ov( op, e, 0, on );
		}
		break;
	case LDAP_REQ_DELETE:
		model_delete( op, c );
		break;
	case LDAP_REQ_MODRDN:
		model_rename( op, on, m );
		break;
	}
	/* what a person's termination ended (or left vacant) with them,
	 * committed with the delete */
	for ( i = 0; c->touched && c->touched[i].bv_val; i++ )
		model_refresh( op, on, m, &c->touched[i] );
done:
	op->o_bd->bd_info = saved;
	ldap_pvt_thread_mutex_unlock( &m->mutex );
	op->o_req_dn = req_dn;
	op->o_req_ndn = req_ndn;
	return SLAP_CB_CONTINUE;
}

static int
oio_cleanup( Operation *op, SlapReply *rs )
{
	if ( rs->sr_type == REP_RESULT || op->o_abandon || rs->sr_err == SLAPD_ABANDON ) {
		slap_callback **sc;
		oio_cb *c = op->o_callback->sc_private;
		for ( sc = &op->o_callback; *sc; sc = &(*sc)->sc_next ) {
			if ( *sc == &c->cb ) {
				*sc = c->cb.sc_next;
				break;
			}
		}
		if ( c->cq_hung ) LDAP_SLIST_REMOVE( &op->o_extra, &c->cq.oe, OpExtra, oe_next );
		ber_bvarray_free( c->touched );
		op->o_tmpfree( c, op->o_tmpmemctx );
	}
	return SLAP_CB_CONTINUE;
}

/* Which attributes feed the derived values: a write touching none of them
 * (a person's description, a phone-book note) costs nothing here. */
static int
is_input( AttributeDescription *ad )
{
	return ad == oio_ad.refPerson || ad == oio_ad.refUnit ||
		ad == oio_ad.refJobFunction || ad == oio_ad.refEngagementType ||
		ad == oio_ad.refAddressType || ad == oio_ad.refVisibility ||
		ad == oio_ad.refOwner || ad == oio_ad.primary || ad == oio_ad.userKey ||
		ad == oio_ad.name || ad == oio_ad.scope || ad == oio_ad.addressValue ||
		ad == oio_ad.ou || ad == slap_schema.si_ad_objectClass;
}


static int
oio_op_write( Operation *op, SlapReply *rs )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	oio_info *oi = on->on_bi.bi_private;
	oio_kind kind = OIO_OTHER;
	int inputs = 0;
	oio_cb *c;

	if ( !oio_ad.ocPerson ) return SLAP_CB_CONTINUE;	/* no schema: nothing to do */
	if ( !oi->oi_bt ) {
		/* its bitemporal overlay was deleted from cn=config */
		op->o_bd->bd_info = (BackendInfo *)on->on_info;
		send_ldap_error( op, rs, LDAP_UNWILLING_TO_PERFORM,
			"oio: no bitemporal overlay below it (deleted from cn=config): "
			"add it back below oio, or delete the oio overlay" );
		return rs->sr_err;
	}

	switch ( op->o_tag ) {
	case LDAP_REQ_ADD:
		kind = oio_kind_of( op->ora_e );
		inputs = kind != OIO_OTHER && kind != OIO_PERSON;
		break;
	case LDAP_REQ_MODIFY: {
		Modifications *ml;
		oio_obj *o;
		ldap_pvt_thread_mutex_lock( &oi->oi_model.mutex );
		o = oio_model_get_dn( &oi->oi_model, &op->o_req_ndn );
		kind = o ? o->kind : OIO_OTHER;
		ldap_pvt_thread_mutex_unlock( &oi->oi_model.mutex );
		for ( ml = op->orm_modlist; ml; ml = ml->sml_next ) {
			if ( is_input( ml->sml_desc ) ) inputs = 1;
		}
		if ( kind == OIO_PERSON ) inputs = 0;
		break;
	}
	case LDAP_REQ_DELETE:
	case LDAP_REQ_MODRDN:
		inputs = 1;
		break;
	}

	c = op->o_tmpcalloc( 1, sizeof( *c ), op->o_tmpmemctx );
	if ( oio_check_write( op, rs, oi, on, kind, &c->term ) ) {
		op->o_tmpfree( c, op->o_tmpmemctx );
		return rs->sr_err;
	}
	c->cb.sc_response = oio_response;
	c->cb.sc_cleanup = oio_cleanup;
	c->cb.sc_private = c;
	c->cb.sc_next = op->o_callback;
	c->oi = oi;
	c->on = on;
	c->kind = kind;
	c->inputs = inputs;
	op->o_callback = &c->cb;
	if ( op->o_tag == LDAP_REQ_DELETE ) {
		/* a person's functions end in the delete's own transaction */
		c->cq.oe.oe_key = &bt_consequence_key;
		c->cq.fn = terminate_functions;
		c->cq.arg = c;
		LDAP_SLIST_INSERT_HEAD( &op->o_extra, &c->cq.oe, oe_next );
		c->cq_hung = 1;
	}
	return SLAP_CB_CONTINUE;
}

/* ------------------------------------------------------------------ */
/* As-of reads: the derived values as they were (or will be) at that point,
 * computed from the history of their inputs, not whatever was stored
 * then.  The organisation at (validAt, knownAt) is rebuilt once and kept
 * for the next as-of search at the same point. */

static void
asof_put( Entry *e, void *arg )
{
	oio_model_put( arg, e );
}

static int
asof_keep( oio_model *m, oio_obj *o, BerVarray *v, void *arg )
{
	return 0;	/* computed values become the object's values */
}

/* The derived values of o replace what the version of e stored, where
 * they differ. */
static void
apply_derived( Entry *e, oio_model *m, oio_obj *o, void *arg )
{
	int i, first, last;

	if ( o->kind != OIO_PERSON && o->kind != OIO_UNIT ) return;
	first = o->kind == OIO_PERSON ? 0 : D_PERSON_LAST + 1;
	last = o->kind == OIO_PERSON ? D_PERSON_LAST : D_COUNT - 1;
	for ( i = first; i <= last; i++ ) {
		Attribute *a = attr_find( e->e_attrs, oio_ad.derived[i] );
		BerVarray v = oio_obj_values( m, o, i ), nv;
		/* mostly what was stored then is what the rules give: keep it */
		if ( a ? oio_same_values( a->a_vals, v ) : !v ) continue;
		attr_delete( &e->e_attrs, oio_ad.derived[i] );
		if ( !v ) continue;
		/* DNs come with their normalized form from the model */
		if ( ( nv = oio_obj_nvalues( m, o, i ) ) ) attr_merge( e, oio_ad.derived[i], v, nv );
		else attr_merge_normalize( e, oio_ad.derived[i], v, NULL );
	}
}

/* A whole-organisation search: the entry's object in the model of the
 * point. */
static void
asof_fixup( Operation *op, Entry *e, bt_fixup *fx )
{
	oio_obj *o;
	bt_uuid u;

	if ( bt_entry_uuid( e, &u ) || !( o = oio_model_get( fx->arg, &u ) ) ) return;
	apply_derived( e, fx->arg, o, NULL );
}

/* A history listing: where a person's derived values change within a
 * version, the version is listed in pieces (oio_asof.c). */
static int
history_cuts( Operation *op, Entry *e, bt_period P, bt_time *at, int max, bt_fixup *fx )
{
	return oio_asof_cuts( fx->arg, fx->txn, e, P, at, max );
}

/* A base search: only what the entry depends on (oio_asof.c). */
static void
asof_fixup_one( Operation *op, Entry *e, bt_fixup *fx )
{
	if ( oio_asof_one( fx->arg, fx->txn, fx->vt, fx->kt, e, apply_derived, NULL ) )
		fx->err = 1;
}

/* The rest of the stack answers the search; the bitemporal overlay below
 * hands every entry it rebuilds to fx before the filter sees it. */
static int
search_completed( Operation *op, SlapReply *rs, slap_overinst *on, bt_fixup *fx )
{
	int rc;

	LDAP_SLIST_INSERT_HEAD( &op->o_extra, &fx->oe, oe_next );
	rc = overlay_op_walk( op, rs, op_search, on->on_info, on->on_next );
	op->o_bd->bd_info = (BackendInfo *)on;
	LDAP_SLIST_REMOVE( &op->o_extra, &fx->oe, OpExtra, oe_next );
	return rc;
}

#define OIO_ASOF_HOT 64

/* Whether this base lookup at a point that is not kept is the one that
 * builds it (see oi_hot_count). */
static int
base_point_is_hot( oio_info *oi, bt_time vt, bt_time kt, unsigned long gen )
{
	size_t too_big = __atomic_load_n( &oi->oi_org_too_big, __ATOMIC_RELAXED );
	int hot = 0;

	/* an organisation that would be dropped again is not worth reading
	 * (until the bound grows: bitemporal-cache-size set live) */
	if ( too_big && BT_SHARE_ORG( bt_cache_size( oi->oi_bt ) ) < too_big ) return 0;
	ldap_pvt_thread_mutex_lock( &oi->oi_hot_mutex );
	if ( oi->oi_hot_valid == vt && oi->oi_hot_known == kt && oi->oi_hot_gen == gen ) {
		if ( ++oi->oi_hot_count == OIO_ASOF_HOT ) hot = 1;
	} else {
		oi->oi_hot_valid = vt;
		oi->oi_hot_known = kt;
		oi->oi_hot_gen = gen;
		oi->oi_hot_count = 1;
	}
	ldap_pvt_thread_mutex_unlock( &oi->oi_hot_mutex );
	return hot;
}

/* The point an as-of search asks about, as kept points are keyed. */
typedef struct asof_point {
	bt_time vt, kt;
	unsigned long gen;
} asof_point;

/* under oi_asof_lock (read) */
static int
point_is_kept( oio_info *oi, const asof_point *pt )
{
	return oi->oi_asof.loaded && oi->oi_asof_valid == pt->vt &&
		oi->oi_asof_known == pt->kt && oi->oi_asof_gen == pt->gen;
}

/* The organisation at the point into own, computed; LDAP_OTHER (sent)
 * when it cannot be read whole: an organisation with parts missing would
 * derive wrong values, so no answer rather than a wrong one. */
static int
org_build( Operation *op, SlapReply *rs, oio_info *oi, oio_model *own )
{
	bt_asof *a = bt_asof_of( op );

	oio_model_init( own, 1 );
	if ( bt_visit_at( oi->oi_bt, op, a->valid_at, a->known_at, asof_put, own ) ) {
		oio_model_destroy( own );
		if ( rs ) send_ldap_error( op, rs, LDAP_OTHER,
			"oio: cannot read the organisation at that point" );
		return LDAP_OTHER;
	}
	own->loaded = 1;
	oio_compute( oi, own, asof_keep, NULL );
	return LDAP_SUCCESS;
}

/* Keeps own as the organisation at pt, within its share of
 * bitemporal-cache-size, the one bound of modir's as-of caches; when it
 * does not fit, the one kept from before (a larger bound) goes too.  A
 * search still reading the kept one is not waited for. */
static void
org_keep( oio_info *oi, oio_model *own, const asof_point *pt )
{
	if ( ldap_pvt_thread_rdwr_wtrylock( &oi->oi_asof_lock ) == 0 ) {
		size_t bytes = oio_model_bytes( own ), share = BT_SHARE_ORG( bt_cache_size( oi->oi_bt ) );
		Debug( LDAP_DEBUG_STATS, "oio: the organisation at a point, %lu bytes: %s "
			"(its share of bitemporal-cache-size: %lu)\n", (unsigned long)bytes,
			bytes <= share ? "kept" : "not kept", (unsigned long)share );
		if ( bytes <= share ) {
			oio_model_swap( &oi->oi_asof, own );
			oi->oi_asof_valid = pt->vt;
			oi->oi_asof_known = pt->kt;
			oi->oi_asof_gen = pt->gen;
		} else {
			oio_model_clear( &oi->oi_asof );
		}
		__atomic_store_n( &oi->oi_org_too_big, bytes <= share ? 0 : bytes, __ATOMIC_RELAXED );
		ldap_pvt_thread_rdwr_wunlock( &oi->oi_asof_lock );
	}
	__atomic_store_n( &oi->oi_trim_pending, 1, __ATOMIC_RELAXED );
}

/* A search over many entries at a point that is not kept computes the
 * values of the first people and units it sends one by one, from what
 * each depends on (oio_asof.c), and reads the organisation at the point
 * once more than OIO_ASOF_ONES of them need values: a search that finds
 * a few (a person by uid or CPR number at a date, the engagements of a
 * unit) reads a few hundred entities, not the whole organisation, and a
 * search of everyone pays for the first few one by one. */
#define OIO_ASOF_ONES 64

typedef struct lazy_org {
	oio_info *oi;
	int ones;			/* entries completed one by one */
	int built;			/* own is the organisation at the point */
	oio_model own;
} lazy_org;

static void
asof_fixup_lazy( Operation *op, Entry *e, bt_fixup *fx )
{
	lazy_org *lo = fx->arg;
	oio_kind kind = oio_kind_of( e );
	oio_obj *o;
	bt_uuid u;

	if ( kind != OIO_PERSON && kind != OIO_UNIT ) return;	/* nothing derived */
	if ( !lo->built && lo->ones < OIO_ASOF_ONES ) {
		lo->ones++;
		if ( oio_asof_one( lo->oi, fx->txn, fx->vt, fx->kt, e, apply_derived, NULL ) )
			fx->err = 1;
		return;
	}
	/* the walk's read snapshot: bt_visit_at reads through the search's
	 * own reader (bt_read_begin finds it on op) */
	if ( !lo->built ) {
		if ( org_build( op, NULL, lo->oi, &lo->own ) ) {
			fx->err = 1;
			return;
		}
		lo->built = 1;
	}
	if ( bt_entry_uuid( e, &u ) || !( o = oio_model_get( &lo->own, &u ) ) ) return;
	apply_derived( e, &lo->own, o, NULL );
}

/* A search over many entries: the organisation at the point, kept from
 * an earlier search at the same point, or (lazy) built by the search when
 * it needs it, or built for it, outside any lock (a rebuild never makes
 * another search, a write or a bind wait), and kept afterwards. */
static int
search_whole( Operation *op, SlapReply *rs, slap_overinst *on, bt_fixup *fx,
	const asof_point *pt, int lazy )
{
	oio_info *oi = on->on_bi.bi_private;
	lazy_org lo;
	int rc;

	ldap_pvt_thread_rdwr_rlock( &oi->oi_asof_lock );
	if ( point_is_kept( oi, pt ) ) {
		fx->fn = asof_fixup;
		fx->arg = &oi->oi_asof;
		rc = search_completed( op, rs, on, fx );
		ldap_pvt_thread_rdwr_runlock( &oi->oi_asof_lock );
		return rc;
	}
	ldap_pvt_thread_rdwr_runlock( &oi->oi_asof_lock );
	memset( &lo, 0, sizeof( lo ) );
	lo.oi = oi;
	if ( !lazy ) {
		if ( org_build( op, rs, oi, &lo.own ) ) return rs->sr_err;
		lo.built = 1;
		lo.ones = OIO_ASOF_ONES;
	}
	fx->fn = asof_fixup_lazy;
	fx->arg = &lo;
	rc = search_completed( op, rs, on, fx );
	if ( lo.built ) {
		org_keep( oi, &lo.own, pt );
		oio_model_destroy( &lo.own );
	}
	return rc;
}

/* A base search: the organisation of the point if it is at hand (an
 * earlier search kept it), the whole of it if lookups keep coming at this
 * point, else only what the entry needs (oio_asof.c). */
static int
search_one( Operation *op, SlapReply *rs, slap_overinst *on, bt_fixup *fx,
	const asof_point *pt )
{
	oio_info *oi = on->on_bi.bi_private;
	int rc;

	if ( ldap_pvt_thread_rdwr_rtrylock( &oi->oi_asof_lock ) == 0 ) {
		if ( point_is_kept( oi, pt ) ) {
			fx->fn = asof_fixup;
			fx->arg = &oi->oi_asof;
			rc = search_completed( op, rs, on, fx );
			ldap_pvt_thread_rdwr_runlock( &oi->oi_asof_lock );
			return rc;
		}
		ldap_pvt_thread_rdwr_runlock( &oi->oi_asof_lock );
	}
	if ( base_point_is_hot( oi, pt->vt, pt->kt, pt->gen ) )
		return search_whole( op, rs, on, fx, pt, 0 );
	fx->fn = asof_fixup_one;
	fx->arg = oi;
	return search_completed( op, rs, on, fx );
}

static int
oio_op_search( Operation *op, SlapReply *rs )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	oio_info *oi = on->on_bi.bi_private;
	asof_point pt;
	bt_fixup fx;
	bt_asof *a;
	bt_time last;

	if ( !oi->oi_bt || !oio_ad.ocPerson ) return SLAP_CB_CONTINUE;
	fx.oe.oe_key = &bt_fixup_key;
	fx.cuts = NULL;
	if ( bt_has_ctrl( op, bt_history_cid ) && !bt_has_ctrl( op, bt_asof_cid ) ) {
		/* versions hold an entry's own facts (bt_computed.c): the derived
		 * values of each are computed for its period */
		fx.fn = asof_fixup_one;
		fx.cuts = history_cuts;
		fx.arg = oi;
		return search_completed( op, rs, on, &fx );
	}
	if ( !bt_has_ctrl( op, bt_asof_cid ) ) return SLAP_CB_CONTINUE;
	a = bt_asof_of( op );
	/* nothing registered after the latest write: "known now" and "known
	 * at any later time" are the same view */
	last = bt_last_write( oi->oi_bt );
	pt.vt = a->valid_at;
	pt.kt = a->known_at > last && last ? last : a->known_at;
	pt.gen = bt_view_generation( oi->oi_bt );
	if ( op->ors_scope == LDAP_SCOPE_BASE ) return search_one( op, rs, on, &fx, &pt );
	return search_whole( op, rs, on, &fx, &pt, 1 );
}

/* ------------------------------------------------------------------ */
/* The history, the as-of reads and dated terminations are the bitemporal
 * overlay's, and every write this overlay makes must be recorded by it:
 * it must be below this one (configured before it; in cn=config, at a
 * lower index). */
static slap_overinst *
bitemporal_below( slap_overinst *on, ConfigReply *cr )
{
	slap_overinst *o2;

	for ( o2 = on->on_next; o2; o2 = o2->on_next )
		if ( strcmp( o2->on_bi.bi_type, "bitemporal" ) == 0 ) return o2;
	snprintf( cr->msg, sizeof( cr->msg ),
		"oio overlay needs the bitemporal overlay below it on the same database "
		"(configure \"overlay bitemporal\" before \"overlay oio\"; in cn=config "
		"give oio the higher olcOverlay index)" );
	Debug( LDAP_DEBUG_ANY, "%s\n", cr->msg );
	return NULL;
}

/* Tells the bitemporal overlay which attributes are ours to compute:
 * they are no facts of a person's or unit's own and stay out of its
 * versions (bt_computed.c); as-of and history reads get them from us. */
static void
oio_register_derived( bt_info *bi )
{
	int i;

	for ( i = 0; i < D_COUNT; i++ )
		bt_computed_add( bi, oio_ad.derived[i], i <= D_PERSON_LAST ? oio_ad.ocPerson : oio_ad.ocUnit );
}

/* The bitemporal overlay bt_on opened live (bi) or closed (NULL): the
 * oio overlays above it follow (a bt_listener, bitemporal_api.h). */
static void
oio_bt_attach( slap_overinst *bt_on, bt_info *bi )
{
	slap_overinst *o2;

	/* above bt_on: before it in the list (all of it once it is unlinked) */
	for ( o2 = bt_on->on_info->oi_list; o2 && o2 != bt_on; o2 = o2->on_next ) {
		oio_info *oi = o2->on_bi.bi_private;
		if ( strcmp( o2->on_bi.bi_type, "oio" ) || !oi ) continue;
		/* what was kept was read from the history that closed, and the
		 * marks of what changed since are that history's */
		oio_asof_cache_clear( oi->oi_asof_facts );
		if ( bi ) {
			oi->oi_bt = bi;
			oio_register_derived( bi );
		}
		else if ( oi->oi_bt == bt_on->on_bi.bi_private ) oi->oi_bt = NULL;
	}
}

static int
oio_db_init( BackendDB *be, ConfigReply *cr )
{
	slap_overinst *on = (slap_overinst *)be->bd_info;
	oio_info *oi;

	/* Refused here, not only at open: slaptest never opens the database.
	 * Not in a running slapd (added through cn=config): a db_init that
	 * fails there after overlay_config() inserted us at an index unlinks
	 * the overlays above that index too (backover.c, overlay_config:
	 * "*prev = on2->on_next" with prev still the list head), while a
	 * failed db_open is undone by overlay_destroy_one(), which finds us. */
	if ( !( slapMode & SLAP_SERVER_RUNNING ) && !bitemporal_below( on, cr ) ) return 1;
	oi = ch_calloc( 1, sizeof( oio_info ) );

	oi->oi_manager_policy = OIO_TERMINATE_MANAGERS;
	oio_model_init( &oi->oi_model, 0 );	/* hashes: its values only decide writes */
	oio_model_track( &oi->oi_model );	/* the task derives what changes reach */
	oio_model_init( &oi->oi_asof, 1 );	/* values: as-of reads show them */
	ldap_pvt_thread_rdwr_init( &oi->oi_asof_lock );
	ldap_pvt_thread_mutex_init( &oi->oi_hot_mutex );
	oi->oi_asof_facts = oio_asof_cache_new();
	on->on_bi.bi_private = oi;
	return 0;
}

static int
oio_db_open( BackendDB *be, ConfigReply *cr )
{
	slap_overinst *on = (slap_overinst *)be->bd_info, *o2;
	oio_info *oi = on->on_bi.bi_private;

	if ( oio_ads_init( cr ) ) {
		Debug( LDAP_DEBUG_ANY, "%s\n", cr->msg );
		return 1;
	}
	oi->oi_on = on;
	oi->oi_db = be->bd_self;
	if ( !( o2 = bitemporal_below( on, cr ) ) ) return 1;
	oi->oi_bt = o2->on_bi.bi_private;
	if ( !( slapMode & SLAP_TOOL_MODE ) ) {
		/* without the task no derived value is ever written: the
		 * database does not open (in a running slapd the cn=config add
		 * is refused) rather than serve values that never follow */
		ldap_pvt_thread_mutex_lock( &slapd_rq.rq_mutex );
		oi->oi_task = ldap_pvt_runqueue_insert( &slapd_rq, 1, oio_task, oi,
			"oio_derive", be->be_suffix[0].bv_val );
		ldap_pvt_thread_mutex_unlock( &slapd_rq.rq_mutex );
		if ( !oi->oi_task ) {
			snprintf( cr->msg, sizeof( cr->msg ), "oio: cannot start the task that "
				"writes the derived attributes of \"%s\" (out of memory)",
				be->be_suffix[0].bv_val );
			Debug( LDAP_DEBUG_ANY, "%s\n", cr->msg );
			return 1;
		}
	}
	/* last, when nothing can fail any more: an open that failed must not
	 * leave the bitemporal overlay keeping title, ou, ... out of the
	 * versions for an oio overlay that is not there */
	oio_register_derived( oi->oi_bt );
	return 0;
}

static int
oio_db_close( BackendDB *be, ConfigReply *cr )
{
	slap_overinst *on = (slap_overinst *)be->bd_info;
	oio_info *oi = on->on_bi.bi_private;

	if ( oi->oi_task ) {
		ldap_pvt_thread_mutex_lock( &slapd_rq.rq_mutex );
		if ( ldap_pvt_runqueue_isrunning( &slapd_rq, oi->oi_task ) )
			ldap_pvt_runqueue_stoptask( &slapd_rq, oi->oi_task );
		ldap_pvt_runqueue_remove( &slapd_rq, oi->oi_task );
		ldap_pvt_thread_mutex_unlock( &slapd_rq.rq_mutex );
		oi->oi_task = NULL;
	}
	ldap_pvt_thread_mutex_lock( &oi->oi_model.mutex );
	oio_model_clear( &oi->oi_model );
	ldap_pvt_thread_mutex_unlock( &oi->oi_model.mutex );
	return 0;
}

static int
oio_db_destroy( BackendDB *be, ConfigReply *cr )
{
	slap_overinst *on = (slap_overinst *)be->bd_info;
	oio_info *oi = on->on_bi.bi_private;

	if ( oi ) {
		oio_model_destroy( &oi->oi_model );
		oio_model_destroy( &oi->oi_asof );
		ldap_pvt_thread_rdwr_destroy( &oi->oi_asof_lock );
		ldap_pvt_thread_mutex_destroy( &oi->oi_hot_mutex );
		oio_asof_cache_free( oi->oi_asof_facts );
		ch_free( oi );
		on->on_bi.bi_private = NULL;
	}
	return 0;
}

int
oio_initialize( void )
{
	int rc;

	oio.on_bi.bi_type = "oio";
	oio.on_bi.bi_flags = SLAPO_BFLAG_SINGLE | SLAPO_BFLAG_DBONLY;
	oio.on_bi.bi_db_init = oio_db_init;
	oio.on_bi.bi_db_open = oio_db_open;
	oio.on_bi.bi_db_close = oio_db_close;
	oio.on_bi.bi_db_destroy = oio_db_destroy;
	oio.on_bi.bi_cf_ocs = oio_ocs;
	oio.on_bi.bi_op_add = oio_op_write;
	oio.on_bi.bi_op_modify = oio_op_write;
	oio.on_bi.bi_op_delete = oio_op_write;
	oio.on_bi.bi_op_modrdn = oio_op_write;
	oio.on_bi.bi_op_search = oio_op_search;

	rc = config_register_schema( oio_cfg, oio_ocs );
	if ( rc ) return rc;
	if ( bt_listener_add( oio_bt_attach ) ) return -1;
	return overlay_register( &oio );
}
