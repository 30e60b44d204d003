/* bt_activate.c - changes that apply themselves: the runqueue task that
 * projects the history onto the live DIT when a validity boundary passes.
 *
 * A dated write stores its versions at once and queues a row in
 * modir_bt_due for every boundary still in the future.  Every second (as
 * dds.c expires objects) the task takes the due rows in time order and
 * makes the live entry equal to the version valid now: an internal add,
 * delete, modrdn or modify that runs through the whole overlay stack, so
 * syncprov, replicas and the oio overlay see it like any other change.
 * The due rows are removed in the same transaction as the live change
 * (bt_write.c, write_activation), so after a crash or downtime whatever
 * fell due meanwhile is applied at the next run, in order.
 *
 * A change that cannot be applied (a full map, an overlay above that
 * refuses it, a read error) keeps its due rows: it stays due until it is
 * live.  The entity is retried with a pause that doubles up to
 * BT_RETRY_PAUSE_MAX, each failure is logged, and until it succeeds the
 * live entry shows why in moActivationError.  The pauses are kept in
 * memory only: after a restart every failed change is tried at once.
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"
#include "ldap_rq.h"

#include "modir.h"
#include "bitemporal.h"

/* At most this many entities per run; the rest waits a second. */
#define BT_ACTIVATE_BATCH 2000
/* The pause after the first failed try of an entity, doubled with every
 * further failure up to the maximum (seconds). */
#define BT_RETRY_PAUSE_FIRST 1
#define BT_RETRY_PAUSE_MAX 300

typedef struct bt_retry {
	bt_uuid uuid;
	bt_time due;		/* the earliest due instant not yet applied */
	bt_time last, next;	/* the last try; no new one before next */
	int attempts;
	int rc;				/* LDAP result of the last try */
	char text[BT_WHY_LEN];	/* its text */
} bt_retry;

void
bt_retry_init( bt_info *bi )
{
	ldap_pvt_thread_mutex_init( &bi->bt_retry_mutex );
}

void
bt_retry_destroy( bt_info *bi )
{
	ch_free( bi->bt_retries );
	bi->bt_retries = NULL;
	bi->bt_nretry = bi->bt_maxretry = 0;
	ldap_pvt_thread_mutex_destroy( &bi->bt_retry_mutex );
}

/* under bt_retry_mutex */
static bt_retry *
retry_find( bt_info *bi, const bt_uuid *u )
{
	int i;

	for ( i = 0; i < bi->bt_nretry; i++ )
		if ( memcmp( &bi->bt_retries[i].uuid, u, sizeof( *u ) ) == 0 ) return &bi->bt_retries[i];
	return NULL;
}

/* Whether u failed before and its pause has not passed. */
static int
retry_waiting( bt_info *bi, const bt_uuid *u, bt_time now )
{
	bt_retry *r;
	int waiting;

	ldap_pvt_thread_mutex_lock( &bi->bt_retry_mutex );
	r = retry_find( bi, u );
	waiting = r && now < r->next;
	ldap_pvt_thread_mutex_unlock( &bi->bt_retry_mutex );
	return waiting;
}

static void
retry_failed( bt_info *bi, const bt_uuid *u, bt_time due, bt_time now,
	int rc, const char *text )
{
	char ubuf[LDAP_LUTIL_UUIDSTR_BUFSIZE] = "", tb[BT_TIME_BUFSZ];
	bt_retry *r;
	int pause;

	ldap_pvt_thread_mutex_lock( &bi->bt_retry_mutex );
	r = retry_find( bi, u );
	if ( !r ) {
		if ( bi->bt_nretry == bi->bt_maxretry ) {
			bi->bt_maxretry = bi->bt_maxretry ? 2 * bi->bt_maxretry : 16;
			bi->bt_retries = ch_realloc( bi->bt_retries, bi->bt_maxretry * sizeof( bt_retry ) );
		}
		r = &bi->bt_retries[bi->bt_nretry];
		__atomic_store_n( &bi->bt_nretry, bi->bt_nretry + 1, __ATOMIC_RELEASE );
		memset( r, 0, sizeof( *r ) );
		r->uuid = *u;
		r->due = due;
	}
	r->attempts++;
	pause = BT_RETRY_PAUSE_FIRST << ( r->attempts > 16 ? 15 : r->attempts - 1 );
	if ( pause > BT_RETRY_PAUSE_MAX ) pause = BT_RETRY_PAUSE_MAX;
	r->last = now;
	r->next = now + pause;
	r->rc = rc;
	snprintf( r->text, sizeof( r->text ), "%s", text && *text ? text : ldap_err2string( rc ) );
	ldap_pvt_thread_mutex_unlock( &bi->bt_retry_mutex );

	lutil_uuidstr_from_normalized( (char *)u->u, BT_UUID_LEN, ubuf, sizeof( ubuf ) );
	bt_time_format( due, tb );
	Debug( LDAP_DEBUG_ANY, "bitemporal: the change of entryUUID %s due at %s "
		"could not be applied (%d, %s); the history keeps it and it stays due, "
		"next try in %d s\n", ubuf, tb, rc, text && *text ? text : ldap_err2string( rc ), pause );
}

static void
retry_done( bt_info *bi, const bt_uuid *u )
{
	bt_retry *r;

	ldap_pvt_thread_mutex_lock( &bi->bt_retry_mutex );
	r = retry_find( bi, u );
	if ( r ) {
		char ubuf[LDAP_LUTIL_UUIDSTR_BUFSIZE] = "";
		int attempts = r->attempts;
		*r = bi->bt_retries[bi->bt_nretry - 1];
		__atomic_store_n( &bi->bt_nretry, bi->bt_nretry - 1, __ATOMIC_RELEASE );
		ldap_pvt_thread_mutex_unlock( &bi->bt_retry_mutex );
		lutil_uuidstr_from_normalized( (char *)u->u, BT_UUID_LEN, ubuf, sizeof( ubuf ) );
		Debug( LDAP_DEBUG_ANY, "bitemporal: the change of entryUUID %s is live "
			"after %d failed tries\n", ubuf, attempts );
		return;
	}
	ldap_pvt_thread_mutex_unlock( &bi->bt_retry_mutex );
}

int
bt_activation_failed( bt_info *bi, const bt_uuid *u, char *buf, size_t len )
{
	char db[BT_TIME_BUFSZ], lb[BT_TIME_BUFSZ], nb[BT_TIME_BUFSZ];
	bt_retry *r;
	int failed = 0;

	/* the common case, without the lock (a count read atomically; the
	 * task changes it under the mutex) */
	if ( !__atomic_load_n( &bi->bt_nretry, __ATOMIC_ACQUIRE ) ) return 0;
	ldap_pvt_thread_mutex_lock( &bi->bt_retry_mutex );
	r = retry_find( bi, u );
	if ( r ) {
		bt_time_format( r->due, db );
		bt_time_format( r->last, lb );
		bt_time_format( r->next, nb );
		snprintf( buf, len, "due %s; %d failed tries, the last at %s; next try at %s; "
			"result %d: %s", db, r->attempts, lb, nb, r->rc, r->text );
		failed = 1;
	}
	ldap_pvt_thread_mutex_unlock( &bi->bt_retry_mutex );
	return failed;
}

static int
null_response( Operation *op, SlapReply *rs )
{
	return 0;
}

typedef struct live_find {
	Entry *e;
} live_find;

static int
live_find_cb( Operation *op, SlapReply *rs )
{
	live_find *lf = op->o_callback->sc_private;

	if ( rs->sr_type == REP_SEARCH && !lf->e )
		lf->e = entry_dup( rs->sr_entry );
	return 0;
}

/* The live entry with this entryUUID, looked up in the backend itself
 * (an equality index on entryUUID makes this a single lookup). */
static Entry *
live_by_uuid( Operation *op, bt_info *bi, BackendInfo *backend, const bt_uuid *u )
{
	BackendDB db = *bi->bt_db;
	BackendDB *saved_bd = op->o_bd;
	slap_callback cb = { 0 };
	SlapReply rs = { REP_RESULT };
	live_find lf = { NULL };
	char fbuf[sizeof( "(entryUUID=)" ) + LDAP_LUTIL_UUIDSTR_BUFSIZE];
	char ubuf[LDAP_LUTIL_UUIDSTR_BUFSIZE];
	struct berval uv = { BT_UUID_LEN, (char *)u->u };
	int len;

	if ( lutil_uuidstr_from_normalized( uv.bv_val, uv.bv_len, ubuf, sizeof( ubuf ) ) < 0 )
		return NULL;
	len = snprintf( fbuf, sizeof( fbuf ), "(entryUUID=%s)", ubuf );

	db.bd_info = backend;
	op->o_bd = &db;
	op->o_tag = LDAP_REQ_SEARCH;
	memset( &op->oq_search, 0, sizeof( op->oq_search ) );
	op->o_req_dn = db.be_suffix[0];
	op->o_req_ndn = db.be_nsuffix[0];
	op->ors_scope = LDAP_SCOPE_SUBTREE;
	op->ors_slimit = 1;
	op->ors_tlimit = SLAP_NO_LIMIT;
	op->ors_attrs = slap_anlist_all_attributes;
	op->ors_filterstr.bv_val = fbuf;
	op->ors_filterstr.bv_len = len;
	op->ors_filter = str2filter_x( op, fbuf );
	cb.sc_response = live_find_cb;
	cb.sc_private = &lf;
	op->o_callback = &cb;
	if ( op->ors_filter ) {
		backend->bi_op_search( op, &rs );
		filter_free_x( op, op->ors_filter, 1 );
	}
	op->o_callback = NULL;
	op->o_bd = saved_bd;
	return lf.e;
}

static int
same_values( Attribute *a, Attribute *b )
{
	unsigned i, j;

	if ( a->a_numvals != b->a_numvals ) return 0;
	for ( i = 0; i < a->a_numvals; i++ ) {
		for ( j = 0; j < b->a_numvals; j++ ) {
			if ( bvmatch( &a->a_nvals[i], &b->a_nvals[j] ) ) break;
		}
		if ( j == b->a_numvals ) return 0;
	}
	return 1;
}

static Modifications *
mod_new( int op, AttributeDescription *ad, Attribute *a )
{
	Modifications *m = ch_calloc( 1, sizeof( Modifications ) );

	m->sml_op = op;
	m->sml_desc = ad;
	m->sml_type = ad->ad_cname;
	if ( a ) {
		m->sml_numvals = a->a_numvals;
		ber_bvarray_dup_x( &m->sml_values, a->a_vals, NULL );
		if ( a->a_nvals != a->a_vals )
			ber_bvarray_dup_x( &m->sml_nvalues, a->a_nvals, NULL );
	}
	return m;
}

/* The modifications that turn live into want (user attributes only; the
 * operational ones are slapd's to maintain). */
static Modifications *
diff_mods( bt_info *bi, Entry *live, Entry *want )
{
	Modifications *ml = NULL, **tail = &ml;
	Attribute *a, *b;

	for ( a = want->e_attrs; a; a = a->a_next ) {
		if ( is_at_operational( a->a_desc->ad_type ) ) continue;
		/* derived values are their overlay's to set, never a version's */
		if ( bt_is_computed( bi, a->a_desc, want ) ) continue;
		b = attr_find( live->e_attrs, a->a_desc );
		if ( b && same_values( a, b ) ) continue;
		*tail = mod_new( LDAP_MOD_REPLACE, a->a_desc, a );
		tail = &(*tail)->sml_next;
	}
	for ( b = live->e_attrs; b; b = b->a_next ) {
		if ( is_at_operational( b->a_desc->ad_type ) ) continue;
		if ( bt_is_computed( bi, b->a_desc, live ) ) continue;
		if ( attr_find( want->e_attrs, b->a_desc ) ) continue;
		*tail = mod_new( LDAP_MOD_DELETE, b->a_desc, NULL );
		tail = &(*tail)->sml_next;
	}
	return ml;
}

/* Runs one internal write through the whole stack, marked as ours; the
 * text of a refusal is copied to why. */
static int
internal_write( Operation *op, bt_info *bi, const bt_uuid *u, bt_time upto,
	char *why, size_t whylen )
{
	BackendDB db = *bi->bt_db;
	BackendDB *saved_bd = op->o_bd;
	slap_callback cb = { 0 };
	SlapReply rs = { REP_RESULT };
	void *mark;

	op->o_bd = &db;
	cb.sc_response = null_response;
	op->o_callback = &cb;
	mark = bt_activation_mark( op, u, upto );
	switch ( op->o_tag ) {
	case LDAP_REQ_ADD: db.bd_info->bi_op_add( op, &rs ); break;
	case LDAP_REQ_DELETE: db.bd_info->bi_op_delete( op, &rs ); break;
	case LDAP_REQ_MODRDN: db.bd_info->bi_op_modrdn( op, &rs ); break;
	case LDAP_REQ_MODIFY: db.bd_info->bi_op_modify( op, &rs ); break;
	}
	if ( rs.sr_err != LDAP_SUCCESS )
		snprintf( why, whylen, "%s", rs.sr_text ? rs.sr_text : "" );
	bt_activation_unmark( op, mark );
	op->o_callback = NULL;
	op->o_bd = saved_bd;
	return rs.sr_err;
}

static void
set_dn( Operation *op, struct berval *dn, struct berval *ndn )
{
	op->o_req_dn = *dn;
	op->o_req_ndn = *ndn;
}

/* The version of u valid (and known) now, under the DN it has now; *want
 * NULL when none is.  A version that cannot be shown is a failure, never
 * "nothing valid now" (which would delete the live entry). */
static int
version_now( Operation *op, bt_info *bi, const bt_uuid *u, bt_time now,
	Entry **want, char *why, size_t whylen )
{
	struct berval dn = BER_BVNULL, ndn = BER_BVNULL;
	bt_reader rd;
	bt_row r;
	int rc;

	*want = NULL;
	if ( bt_read_begin( bi, op, &rd ) ) {
		snprintf( why, whylen, "bitemporal: cannot read history" );
		return LDAP_OTHER;
	}
	rc = bt_row_at( bi, rd.txn, u, now, now, &r );
	if ( rc == 0 ) {
		/* a version that cannot be shown is an error, never "none" */
		if ( bt_row_dn( bi, rd.txn, &r, now, now, &dn, &ndn ) == 0 &&
			bt_row_entry( &r, want ) == 0 ) {
			ch_free( ( *want )->e_name.bv_val );
			ch_free( ( *want )->e_nname.bv_val );
			( *want )->e_name = dn;
			( *want )->e_nname = ndn;
			BER_BVZERO( &dn );
			BER_BVZERO( &ndn );
		} else {
			rc = MDB_CORRUPTED;
		}
		bt_row_free( &r );
	}
	bt_read_end( &rd );
	ch_free( dn.bv_val );
	ch_free( ndn.bv_val );
	if ( rc && rc != MDB_NOTFOUND ) {
		snprintf( why, whylen, "bitemporal: cannot read the version valid now" );
		return LDAP_OTHER;
	}
	return LDAP_SUCCESS;
}

/* Nothing is valid now: the live entry goes. */
static int
project_delete( Operation *op, bt_info *bi, const bt_uuid *u, bt_time now,
	Entry *live, char *why, size_t whylen )
{
	op->o_tag = LDAP_REQ_DELETE;
	set_dn( op, &live->e_name, &live->e_nname );
	return internal_write( op, bi, u, now, why, whylen );
}

/* A version valid now and no live entry: it comes back (or in), with
 * fresh operational attributes. */
static int
project_add( Operation *op, bt_info *bi, const bt_uuid *u, bt_time now,
	Entry *want, char *why, size_t whylen )
{
	static AttributeDescription **refresh[] = {
		&slap_schema.si_ad_entryCSN, &slap_schema.si_ad_modifiersName,
		&slap_schema.si_ad_modifyTimestamp, NULL
	};
	BackendDB db = *bi->bt_db;
	BackendDB *saved = op->o_bd;
	int i, rc;

	for ( i = 0; refresh[i]; i++ ) attr_delete( &want->e_attrs, *refresh[i] );
	op->o_tag = LDAP_REQ_ADD;
	set_dn( op, &want->e_name, &want->e_nname );
	op->ora_e = want;
	op->ora_modlist = NULL;
	op->o_bd = &db;
	slap_add_opattrs( op, NULL, NULL, 0, 1 );
	op->o_bd = saved;
	rc = internal_write( op, bi, u, now, why, whylen );
	op->ora_e = NULL;
	return rc;
}

/* The live entry has another name than the version valid now: renamed
 * (and moved) there; live then carries the new name. */
static int
project_rename( Operation *op, bt_info *bi, const bt_uuid *u, bt_time now,
	Entry *live, Entry *want, char *why, size_t whylen )
{
	struct berval pdn, npdn, lnpdn, newrdn, nnewrdn;
	SlapReply rs2 = { REP_RESULT };
	int rc;

	dnParent( &want->e_name, &pdn );
	dnParent( &want->e_nname, &npdn );
	dnParent( &live->e_nname, &lnpdn );
	dnRdn( &want->e_name, &newrdn );
	dnRdn( &want->e_nname, &nnewrdn );
	op->o_tag = LDAP_REQ_MODRDN;
	set_dn( op, &live->e_name, &live->e_nname );
	memset( &op->oq_modrdn, 0, sizeof( op->oq_modrdn ) );
	op->orr_newrdn = newrdn;
	op->orr_nnewrdn = nnewrdn;
	if ( !dn_match( &npdn, &lnpdn ) ) {
		op->orr_newSup = &pdn;
		op->orr_nnewSup = &npdn;
	}
	op->orr_deleteoldrdn = 1;
	rc = slap_modrdn2mods( op, &rs2 );
	if ( rc == LDAP_SUCCESS ) {
		slap_mods_opattrs( op, &op->orr_modlist, 1 );
		rc = internal_write( op, bi, u, now, why, whylen );
	}
	slap_mods_free( op->orr_modlist, 1 );
	op->orr_modlist = NULL;
	if ( rc != LDAP_SUCCESS ) return rc;
	/* the attributes are compared with the renamed entry next */
	ch_free( live->e_name.bv_val );
	ch_free( live->e_nname.bv_val );
	ber_dupbv( &live->e_name, &want->e_name );
	ber_dupbv( &live->e_nname, &want->e_nname );
	return LDAP_SUCCESS;
}

/* The attributes that differ between live and the version valid now;
 * *none set when nothing does. */
static int
project_modify( Operation *op, bt_info *bi, const bt_uuid *u, bt_time now,
	Entry *live, Entry *want, int *none, char *why, size_t whylen )
{
	Modifications *ml = diff_mods( bi, live, want );
	BackendDB db = *bi->bt_db;
	BackendDB *saved = op->o_bd;
	int rc;

	op->o_tag = LDAP_REQ_MODIFY;
	*none = !ml;
	if ( !ml ) return LDAP_SUCCESS;
	set_dn( op, &live->e_name, &live->e_nname );
	memset( &op->oq_modify, 0, sizeof( op->oq_modify ) );
	op->orm_modlist = ml;
	op->o_bd = &db;
	slap_mods_opattrs( op, &op->orm_modlist, 1 );
	op->o_bd = saved;
	rc = internal_write( op, bi, u, now, why, whylen );
	slap_mods_free( op->orm_modlist, 1 );
	op->orm_modlist = NULL;
	return rc;
}

/* The live DIT already shows the right thing: only the due rows go (a
 * rename above retired them already, harmlessly again). */
static int
retire_due( bt_info *bi, const bt_uuid *u, bt_time now, char *why, size_t whylen )
{
	MDB_txn *txn;
	int rc = mdb_txn_begin( bi->bt_env, NULL, 0, &txn );

	if ( rc == 0 ) {
		rc = bt_due_del_upto( bi, txn, now, u );
		if ( rc == 0 ) rc = mdb_txn_commit( txn );
		else mdb_txn_abort( txn );
	}
	if ( rc ) {
		snprintf( why, whylen, "bitemporal: cannot retire the due change (%s)",
			mdb_strerror( rc ) );
		return LDAP_OTHER;
	}
	return LDAP_SUCCESS;
}

/* Makes the live entry of u equal to its version valid (and known) now.
 * Returns an LDAP result; the text of a failure goes to why. */
static int
project( Operation *op, bt_info *bi, const bt_uuid *u, bt_time now,
	char *why, size_t whylen )
{
	BackendInfo *backend = ((slap_overinfo *)bi->bt_db->bd_info->bi_private)->oi_orig;
	Entry *want, *live;
	int rc, none = 0;

	rc = version_now( op, bi, u, now, &want, why, whylen );
	if ( rc != LDAP_SUCCESS ) return rc;
	live = live_by_uuid( op, bi, backend, u );

	if ( !want && !live ) {
		rc = retire_due( bi, u, now, why, whylen );	/* nothing to show, nothing shown */
	} else if ( !want ) {
		rc = project_delete( op, bi, u, now, live, why, whylen );
	} else if ( !live ) {
		rc = project_add( op, bi, u, now, want, why, whylen );
	} else {
		if ( !dn_match( &live->e_nname, &want->e_nname ) )
			rc = project_rename( op, bi, u, now, live, want, why, whylen );
		if ( rc == LDAP_SUCCESS )
			rc = project_modify( op, bi, u, now, live, want, &none, why, whylen );
		if ( rc == LDAP_SUCCESS && none ) rc = retire_due( bi, u, now, why, whylen );
	}
	if ( want ) entry_free( want );
	if ( live ) entry_free( live );
	return rc;
}

static void
activate_due( void *ctx, bt_info *bi )
{
	Connection conn = { 0 };
	OperationBuffer opbuf;
	Operation *op;
	bt_time now = slap_get_time(), t;
	bt_uuid u;
	int n, rc, started = 0;

	connection_fake_init2( &conn, &opbuf, ctx, 0 );
	op = &opbuf.ob_op;
	op->o_bd = bi->bt_db;
	op->o_dn = bi->bt_db->be_rootdn;
	op->o_ndn = bi->bt_db->be_rootndn;
	op->o_do_not_cache = 1;

	for ( n = 0; n < BT_ACTIVATE_BATCH; ) {
		bt_reader rd;
		char why[BT_WHY_LEN] = "";

		/* cn=config changes and slapd's shutdown pause the thread pool
		 * and wait for running tasks: what is left waits a second */
		if ( ldap_pvt_thread_pool_pausing( &connection_pool ) > 0 ) break;
		if ( bt_read_begin( bi, op, &rd ) ) break;
		rc = bt_due_next( bi, rd.txn, started ? &t : NULL, &u, &t, &u );
		bt_read_end( &rd );
		if ( rc || t > now ) break;
		started = 1;
		/* failed before and still pausing: the next entity's turn */
		if ( retry_waiting( bi, &u, now ) ) continue;
		n++;
		rc = project( op, bi, &u, now, why, sizeof( why ) );
		if ( rc == LDAP_SUCCESS ) retry_done( bi, &u );
		else retry_failed( bi, &u, t, now, rc, why );
	}
}

static void *
bt_activate_fn( void *ctx, void *arg )
{
	struct re_s *rtask = arg;
	bt_info *bi = rtask->arg;

	activate_due( ctx, bi );
	bt_heap_after_writes( bi );
	modir_task_done( rtask );
	return NULL;
}

int
bt_activation_start( bt_info *bi, BackendDB *be )
{
	if ( slapMode & SLAP_TOOL_MODE ) return 0;
	bi->bt_db = be->bd_self;
	ldap_pvt_thread_mutex_lock( &slapd_rq.rq_mutex );
	bi->bt_task = ldap_pvt_runqueue_insert( &slapd_rq,
		bi->bt_interval > 0 ? bi->bt_interval : 1,
		bt_activate_fn, bi, "bitemporal_activate", be->be_suffix[0].bv_val );
	ldap_pvt_thread_mutex_unlock( &slapd_rq.rq_mutex );
	return bi->bt_task ? 0 : 1;
}

void
bt_activation_stop( bt_info *bi )
{
	if ( !bi->bt_task ) return;
	ldap_pvt_thread_mutex_lock( &slapd_rq.rq_mutex );
	if ( ldap_pvt_runqueue_isrunning( &slapd_rq, bi->bt_task ) )
		ldap_pvt_runqueue_stoptask( &slapd_rq, bi->bt_task );
	ldap_pvt_runqueue_remove( &slapd_rq, bi->bt_task );
	ldap_pvt_thread_mutex_unlock( &slapd_rq.rq_mutex );
	bi->bt_task = NULL;
}

/* ------------------------------------------------------------------ */
/* The marker of the task's internal operations: the write path
 * (bt_write.c) knows by it that the history is already written and only
 * the live change and the due rows remain. */

int bt_activation_key;

void *
bt_activation_mark( Operation *op, const bt_uuid *u, bt_time upto )
{
	bt_activation *a = op->o_tmpcalloc( 1, sizeof( *a ), op->o_tmpmemctx );
	a->oe.oe_key = &bt_activation_key;
	a->uuid = *u;
	a->upto = upto;
	LDAP_SLIST_INSERT_HEAD( &op->o_extra, &a->oe, oe_next );
	return a;
}

void
bt_activation_unmark( Operation *op, void *mark )
{
	bt_activation *a = mark;
	LDAP_SLIST_REMOVE( &op->o_extra, &a->oe, OpExtra, oe_next );
	op->o_tmpfree( a, op->o_tmpmemctx );
}
