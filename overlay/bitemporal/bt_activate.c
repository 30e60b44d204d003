/* bt_activate.c - changes that apply themselves: the runqueue task that
 * projects the history onto the live DIT when a validity boundary passes,
 * and the bootstrap that gives pre-existing entries their first version.
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
	 * a plain mdb_txn_abort is enough (bt_commit.c).  Bootstrap runs at
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
	int searched;

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
	if ( boot_end( &b, searched ) || !searched ) {
		self->bd_info = self_info;
		if ( b.err )
			Debug( LDAP_DEBUG_ANY, "bitemporal: recording baseline versions failed: %s\n",
				mdb_strerror( b.err ) );
		ber_bvarray_free( b.stored );
		return 1;
	}
	/* only once their periods are safely in the history; a failure
	 * here costs accuracy of the shown period, not the start */
	if ( b.nstored ) strip_stored_periods( op, db.bd_info, b.stored, b.nstored );
	self->bd_info = self_info;
	ber_bvarray_free( b.stored );
	/* its batches dirtied thousands of pages at random places of four
	 * tables (some 16 MiB at 25,000 employees), which no later write needs */
	if ( b.total || b.nstored ) bt_release_write_memory( bi );
	if ( b.total )
		Debug( LDAP_DEBUG_ANY, "bitemporal: recorded baseline versions of %d existing entries in \"%s\" "
			"(%d transactions)\n", b.total, be->be_suffix[0].bv_val, b.commits );
	return 0;
}
