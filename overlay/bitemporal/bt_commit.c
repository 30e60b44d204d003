/* bt_commit.c - group commit: writes that arrive while another write holds
 * back-mdb's transaction join that transaction, and one commit makes all
 * of them durable.
 *
 * Why: on back-mdb a commit costs a pwrite per dirty page and an
 * fdatasync, and writers queue for LMDB's single writer lock.  The history
 * puts the path of the versions table (three to four pages) into every
 * commit; measured, the commit is ~80 % of the time a modify holds the
 * lock.  When writes come concurrently (an IAM sync, an import, several
 * admins), paying that commit once per group instead of once per write
 * takes the history's cost off the writers' critical path.
 *
 * Each write still succeeds or fails on its own: it runs in a nested
 * transaction of the group's, which is merged when the write wants to keep
 * what it did and aborted otherwise (a write that leads while nobody has
 * joined yet runs in the group's transaction itself, which is aborted if
 * it keeps nothing: lead_alone).  Nothing is acknowledged before the
 * group's commit: the writer's own thread sends its result once the leader
 * says the group is durable (or failed, and then every write of the group
 * reports it and none is stored).
 *
 * The protocol: a write that finds no group in progress leads one.  It
 * begins back-mdb's transaction (back-mdb's own txn hook, so LMDB's writer
 * lock is taken by back-mdb's code), runs its own write, then every write
 * that queued meanwhile, in arrival order, up to bt_group_max, and commits.
 * Queued writers sleep on a condition variable; the leader marks them done
 * and hands the lead to the next writer in the queue, if any.  A leader
 * never waits for anything but LMDB's writer lock, whose holders never
 * wait for us, so the protocol cannot deadlock.
 *
 * A queued write runs in the leader's thread on the writer's Operation.
 * That is safe because the writer's thread is asleep until the write is
 * done: its memory context, its Operation and its stack (o_bd is a copy on
 * it) are used by one thread at a time, as always.
 */
#include "portable.h"

#include <ac/errno.h>
#include <ac/string.h>

#include "slap.h"

#include "modir.h"
#include "bitemporal.h"

enum { JOB_QUEUED, JOB_LEAD, JOB_DONE };

/* Set while this thread leads a group: a write reached from inside a
 * group's work would otherwise queue behind itself. */
static __thread int bt_leading;

void
bt_group_init( bt_info *bi )
{
	ldap_pvt_thread_mutex_init( &bi->bt_group_mutex );
	ldap_pvt_thread_cond_init( &bi->bt_group_cond );
	bi->bt_group_queue = NULL;
	bi->bt_group_tail = &bi->bt_group_queue;
	bi->bt_group_busy = 0;
}

void
bt_group_destroy( bt_info *bi )
{
	ldap_pvt_thread_cond_destroy( &bi->bt_group_cond );
	ldap_pvt_thread_mutex_destroy( &bi->bt_group_mutex );
}

/* One write, in a nested transaction of parent that is published on its
 * operation for back-mdb (which then neither begins nor commits one). */
static void
run_nested( bt_info *bi, bt_job *job, OpExtra *parent )
{
	OpExtra *oe;
	int keep, rc, mark;

	oe = bt_nested_begin( bi->bt_mdb, parent, &mark );
	if ( !oe ) {
		job->rc = MDB_BAD_TXN;	/* the reason is logged */
		return;
	}
	LDAP_SLIST_INSERT_HEAD( &job->op->o_extra, oe, oe_next );
	job->ran = 1;
	keep = job->run( job );
	LDAP_SLIST_REMOVE( &job->op->o_extra, oe, OpExtra, oe_next );
	rc = bt_nested_end( bi->bt_mdb, oe, mark, keep );
	if ( rc ) {
		/* this write alone is lost */
		Debug( LDAP_DEBUG_ANY, "bitemporal: cannot merge the write of \"%s\": %s (%d)\n",
			job->op->o_req_dn.bv_val, mdb_strerror( rc ), rc );
		job->rc = rc;
	}
}

/* One write in the group's transaction itself, published on its
 * operation as a nested one would be; non-zero when it keeps what it did. */
static int
run_top( bt_job *job, OpExtra *top )
{
	int keep;

	LDAP_SLIST_INSERT_HEAD( &job->op->o_extra, top, oe_next );
	job->ran = 1;
	keep = job->run( job );
	LDAP_SLIST_REMOVE( &job->op->o_extra, top, OpExtra, oe_next );
	return keep;
}

/* The first write of a group that nobody has joined yet (a single client
 * writing one change after another always is alone) runs in the group's
 * transaction itself: a nested transaction's begin and merge cost more
 * than its history rows.  Writes that queue meanwhile nest as usual.
 * Returns non-zero when it kept what it did; otherwise nothing else is in
 * the transaction, which is aborted (*top is then gone). */
static int
lead_alone( bt_info *bi, bt_job *first, OpExtra **top, int mark )
{
	if ( run_top( first, *top ) ) return 1;
	bt_ads_unwind( bi->bt_mdb, mark, bt_ads_mark( bi->bt_mdb ) );
	first->orig->bi_op_txn( first->op, SLAP_TXN_ABORT, top );
	bt_leading = 0;
	return 0;
}

/* Whether writes are waiting for the group in progress. */
static int
queued( bt_info *bi )
{
	int any;

	ldap_pvt_thread_mutex_lock( &bi->bt_group_mutex );
	any = bi->bt_group_queue != NULL;
	ldap_pvt_thread_mutex_unlock( &bi->bt_group_mutex );
	return any;
}

/* Takes up to max queued writes, in arrival order. */
static bt_job *
take_queued( bt_info *bi, int max )
{
	bt_job *head, **pp = &bi->bt_group_queue;
	int n = 0;

	ldap_pvt_thread_mutex_lock( &bi->bt_group_mutex );
	head = bi->bt_group_queue;
	while ( *pp && n < max ) {
		pp = &(*pp)->next;
		n++;
	}
	bi->bt_group_queue = *pp;
	if ( !*pp ) bi->bt_group_tail = &bi->bt_group_queue;
	*pp = NULL;
	ldap_pvt_thread_mutex_unlock( &bi->bt_group_mutex );
	return n ? head : NULL;
}

/* The writes of a group are done (each with its own result, or the
 * commit's rc); the first queued write, if any, leads the next group. */
static void
hand_off( bt_info *bi, bt_job *done, int rc )
{
	bt_job *j, *next;

	ldap_pvt_thread_mutex_lock( &bi->bt_group_mutex );
	for ( j = done; j; j = next ) {
		next = j->next;		/* j may be gone once it is marked done */
		if ( !j->rc ) j->rc = rc;
		j->state = JOB_DONE;
	}
	if ( bi->bt_group_queue ) {
		j = bi->bt_group_queue;
		bi->bt_group_queue = j->next;
		if ( !j->next ) bi->bt_group_tail = &bi->bt_group_queue;
		j->next = NULL;
		j->state = JOB_LEAD;
	} else {
		bi->bt_group_busy = 0;
	}
	ldap_pvt_thread_cond_broadcast( &bi->bt_group_cond );
	ldap_pvt_thread_mutex_unlock( &bi->bt_group_mutex );
}

static void
lead( bt_info *bi, bt_job *first )
{
	BackendInfo *orig = first->orig;
	OpExtra *oex = NULL;
	bt_job *done = NULL, **dtail = &done, *batch, *j, *next;
	int n = 0, rc, max = bi->bt_group_max, mark, high;

	rc = orig->bi_op_txn ? orig->bi_op_txn( first->op, SLAP_TXN_BEGIN, &oex ) : ENOTSUP;
	if ( rc == 0 ) {
		/* taken with LMDB's writer lock held: no one else registers */
		mark = bt_ads_mark( bi->bt_mdb );
		/* the group's transaction belongs to no single write: each sees
		 * only its own nested one */
		LDAP_SLIST_REMOVE( &first->op->o_extra, oex, OpExtra, oe_next );
		bt_leading = 1;
		first->next = NULL;
		batch = first;
		if ( !queued( bi ) ) {
			if ( !lead_alone( bi, first, &oex, mark ) ) {
				done = first;
				goto handoff;
			}
			done = first;
			dtail = &first->next;
			n = 1;
			batch = take_queued( bi, max - n );
		}
		for ( ; batch; batch = take_queued( bi, max - n ) ) {
			for ( j = batch; j; j = next ) {
				next = j->next;
				run_nested( bi, j, oex );
				*dtail = j;
				dtail = &j->next;
				n++;
			}
			*dtail = NULL;
			if ( n >= max ) break;
		}
		high = bt_ads_mark( bi->bt_mdb );
		rc = orig->bi_op_txn( first->op, SLAP_TXN_COMMIT, &oex );
		bt_leading = 0;
		if ( rc ) bt_ads_unwind( bi->bt_mdb, mark, high );
		if ( rc )
			Debug( LDAP_DEBUG_ANY, "bitemporal: commit of a group of %d writes failed: %s (%d)\n",
				n, mdb_strerror( rc ), rc );
	} else {
		Debug( LDAP_DEBUG_ANY, "bitemporal: cannot begin a transaction for \"%s\" (%d)\n",
			first->op->o_req_dn.bv_val, rc );
		done = first;
		first->next = NULL;
	}

handoff:
	hand_off( bi, done, rc );
}

void
bt_group_write( bt_info *bi, bt_job *job )
{
	job->next = NULL;
	job->state = JOB_QUEUED;
	job->ran = 0;
	job->rc = 0;

	if ( bt_leading ) {
		/* cannot happen through the overlay stack (nothing below us
		 * writes); refuse rather than wait for ourselves */
		Debug( LDAP_DEBUG_ANY, "bitemporal: a write of \"%s\" from inside a group commit\n",
			job->op->o_req_dn.bv_val );
		job->rc = EDEADLK;
		return;
	}

	ldap_pvt_thread_mutex_lock( &bi->bt_group_mutex );
	if ( bi->bt_group_busy ) {
		*bi->bt_group_tail = job;
		bi->bt_group_tail = &job->next;
		while ( job->state == JOB_QUEUED )
			ldap_pvt_thread_cond_wait( &bi->bt_group_cond, &bi->bt_group_mutex );
		if ( job->state == JOB_DONE ) {
			ldap_pvt_thread_mutex_unlock( &bi->bt_group_mutex );
			return;
		}
		/* JOB_LEAD: the previous leader handed the group on to us */
	} else {
		bi->bt_group_busy = 1;
	}
	ldap_pvt_thread_mutex_unlock( &bi->bt_group_mutex );
	lead( bi, job );
}
