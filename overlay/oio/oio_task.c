/* oio_task.c - the overlay's runqueue task: the live organisation loaded
 * into the model once, then, every second that writes changed inputs, the
 * derived values those changes reach recomputed and handed to the writer
 * (oio_writer.c); memory freed by as-of reads handed back to the system.
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"
#include "ldap_rq.h"

#include "modir.h"
#include "oio.h"

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
void
oio_derive( oio_info *oi, void *ctx )
{
	Connection conn = { 0 };
	OperationBuffer opbuf;
	Operation *op;
	BackendDB db;
	pending_list l = { NULL, 0, 0 };
	int n, i, whole;

	connection_fake_init2( &conn, &opbuf, ctx, 0 );
	op = &opbuf.ob_op;
	db = *oi->oi_db;
	db.bd_info = (BackendInfo *)oi->oi_on;
	op->o_bd = &db;
	op->o_dn = db.be_rootdn;
	op->o_ndn = db.be_rootndn;

	ldap_pvt_thread_mutex_lock( &oi->oi_model.mutex );
	/* a model read anew is derived whole (oio_depend.c) */
	whole = !oi->oi_model.loaded;
	if ( whole ) model_load( oi, op );
	whole = oi->oi_model.loaded && ( whole || oi->oi_model.changed_all );
	if ( oi->oi_model.loaded && oio_model_has_changes( &oi->oi_model ) )
		oio_compute_changed( oi, &oi->oi_model, oio_pending_add, &l );
	ldap_pvt_thread_mutex_unlock( &oi->oi_model.mutex );
	/* The load (back-mdb's search, the entries it hands over) and a
	 * derivation of everything (its scratch, the values it compares)
	 * allocate and free a model's size again on this thread: at 25,000
	 * employees 7 MiB of its arena stayed resident, freed.  They happen
	 * once (at the start, after a configuration change), so the memory
	 * goes back after them (oio_task). */
	if ( whole ) __atomic_store_n( &oi->oi_trim_pending, 1, __ATOMIC_RELAXED );
	if ( !l.n ) return;

	oio_pending_write( oi, op, &l );

	ldap_pvt_thread_mutex_lock( &oi->oi_model.mutex );
	n = oio_pending_record( &oi->oi_model, &l );
	/* what could not be written (refused, or left for after a pause)
	 * is still to write: the next run tries it again */
	for ( i = 0; i < l.n; i++ ) {
		oio_obj *o;
		if ( !l.p[i].stored && ( o = oio_model_get( &oi->oi_model, &l.p[i].uuid ) ) )
			oio_model_change( &oi->oi_model, o );
	}
	ldap_pvt_thread_mutex_unlock( &oi->oi_model.mutex );
	oio_pending_free( &l );
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
void *
oio_task( void *ctx, void *arg )
{
	struct re_s *rtask = arg;
	oio_info *oi = rtask->arg;

	oio_derive( oi, ctx );
	if ( __atomic_exchange_n( &oi->oi_trim_pending, 0, __ATOMIC_RELAXED ) )
		modir_heap_release();
	modir_task_done( rtask );
	return NULL;
}
