/* bitemporal.c - the bitemporal history overlay (slapo-bitemporal(5)).
 *
 * Keeps every version of every tracked entry with its valid-time period and
 * its registration period, in LMDB side tables inside back-mdb's own
 * environment, so a history row and the live change it describes are
 * committed by one LMDB transaction.
 *
 * This file is the overlay's glue to slapd: configuration, lifecycle and
 * the operation hooks.
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"
#include "slap-config.h"

#include "modir.h"
#include "modir_config_value.h"
#include "bt_time.h"
#include "bitemporal.h"

static slap_overinst bitemporal;

enum {
	BT_CFG_SUBTREE = 1,
	BT_CFG_OBJECTCLASS,
	BT_CFG_GROUP_COMMIT,
	BT_CFG_PAST_ACCESS,
	BT_CFG_CACHE_SIZE,
	BT_CFG_N
};

static ConfigDriver bt_cf_gen;

/* Every value but the subtree's (a DN, which slapd parses: ARG_DN) is
 * parsed by modir_cf_value() (modir_config_value.h), not by slapd's
 * ARG_INT/ARG_ULONG, which read "010" as 8 and " 5" as 5. */
static ConfigTable bt_cfg[] = {
	{ "bitemporal-subtree", "dn", 2, 2, 0,
	  ARG_MAGIC|ARG_DN|ARG_QUOTE|BT_CFG_SUBTREE, bt_cf_gen,
	  "( " MODIR_CFG_AT_BT ".1 NAME 'olcBitemporalSubtree' "
	  "DESC 'Keep history of entries in this subtree (default: the whole database)' "
	  "EQUALITY distinguishedNameMatch "
	  "SYNTAX OMsDN )", NULL, NULL },
	{ "bitemporal-objectclass", "name", 2, 2, 0,
	  ARG_MAGIC|BT_CFG_OBJECTCLASS, bt_cf_gen,
	  "( " MODIR_CFG_AT_BT ".2 NAME 'olcBitemporalObjectClass' "
	  "DESC 'Keep history only of entries of these object classes (default: all)' "
	  "EQUALITY caseIgnoreMatch "
	  "SYNTAX OMsDirectoryString )", NULL, NULL },
	{ "bitemporal-group-commit", "writes", 2, 2, 0,
	  ARG_MAGIC|BT_CFG_GROUP_COMMIT, bt_cf_gen,
	  "( " MODIR_CFG_AT_BT ".3 NAME 'olcBitemporalGroupCommit' "
	  "DESC 'At most this many concurrent writes share one commit (1: every write commits alone)' "
	  "EQUALITY integerMatch "
	  "SYNTAX OMsInteger SINGLE-VALUE )", NULL, NULL },
	{ "bitemporal-past-access", "manage|write", 2, 2, 0,
	  ARG_MAGIC|BT_CFG_PAST_ACCESS, bt_cf_gen,
	  "( " MODIR_CFG_AT_BT ".4 NAME 'olcBitemporalPastAccess' "
	  "DESC 'Access a change that starts before now needs to the entry besides its write access: manage (default) or write' "
	  "EQUALITY caseIgnoreMatch "
	  "SYNTAX OMsDirectoryString SINGLE-VALUE )", NULL, NULL },
	{ "bitemporal-cache-size", "bytes", 2, 2, 0,
	  ARG_MAGIC|BT_CFG_CACHE_SIZE, bt_cf_gen,
	  "( " MODIR_CFG_AT_BT ".5 NAME 'olcBitemporalCacheSize' "
	  "DESC 'Bytes the as-of cache of a whole-database point may hold (0: no cache)' "
	  "EQUALITY integerMatch SYNTAX OMsInteger SINGLE-VALUE )", NULL, NULL },
	{ NULL, NULL, 0, 0, 0, ARG_IGNORED }
};

static ConfigOCs bt_ocs[] = {
	{ "( " MODIR_CFG_OC_BT " "
	  "NAME 'olcBitemporalConfig' "
	  "DESC 'modir bitemporal history overlay configuration' "
	  "SUP olcOverlayConfig "
	  "MAY ( olcBitemporalSubtree $ olcBitemporalObjectClass $ olcBitemporalGroupCommit $ "
	  "olcBitemporalPastAccess $ olcBitemporalCacheSize ) )",
	  Cft_Overlay, bt_cfg },
	{ NULL, 0, NULL }
};

/* ------------------------------------------------------------------ */
/* Taking effect when a cn=config modify returns.  back-config pauses the
 * server around a modify and runs these cleanups after the values are
 * in place; they are pushed only while the overlay is open in a running
 * slapd (slapd.conf and a start from cn=config run none: db_open does it
 * all). */

/* olcBitemporalSubtree / olcBitemporalObjectClass changed: entries the
 * overlay now tracks get their baseline versions before the modify
 * returns, as at the start.  Entries no longer tracked keep the history
 * they have. */
static int
bt_cf_track( ConfigArgs *c )
{
	slap_overinst *on = (slap_overinst *)c->bi;
	bt_info *bi = on->on_bi.bi_private;
	BackendDB db;

	if ( !bi->bt_open || !( slapMode & SLAP_SERVER_RUNNING ) ) return 0;
	db = *c->be;
	db.bd_info = (BackendInfo *)on;
	if ( bt_bootstrap( bi, &db ) ) {
		snprintf( c->cr_msg, sizeof( c->cr_msg ),
			"bitemporal: cannot record baseline versions of the entries now tracked" );
		Debug( LDAP_DEBUG_ANY, "%s\n", c->cr_msg );
		return ARG_BAD_CONF;
	}
	return 0;
}

/* olcBitemporalCacheSize changed: what the caches hold beyond the new
 * bound is dropped before the modify returns, so the memory they hold is
 * within the bound from then on (the next whole-database as-of search
 * builds a point that fits, or walks). */
static int
bt_cf_cache_bound( ConfigArgs *c )
{
	slap_overinst *on = (slap_overinst *)c->bi;
	bt_info *bi = on->on_bi.bi_private;
	size_t dropped;

	/* the inflated snapshots and the points kept shrink to their shares
	 * at once, and what borrows from them; slapo-oio's organisation when
	 * the next one is built */
	bt_snapcache_set_max( bi->bt_snaps, BT_SHARE_SNAPS( bi->bt_cache_max_bytes ) );
	if ( ( dropped = bt_points_fit( bi ) ) )
		Debug( LDAP_DEBUG_CONFIG, "bitemporal: as-of points of %lu bytes dropped "
			"(bitemporal-cache-size %lu)\n", (unsigned long)dropped,
			(unsigned long)bi->bt_cache_max_bytes );
	bt_shrinkers_call( bi );	/* what they borrowed may be less now */
	return 0;
}

static void
bt_cf_live( ConfigArgs *c, bt_info *bi, ConfigDriver *cleanup )
{
	if ( bi->bt_open ) config_push_cleanup( c, cleanup );
}

/* ------------------------------------------------------------------ */
/* One function per directive and operation (slap-config.h: emit a value,
 * delete one (c->valx) or all (c->valx < 0), set one from c->argv[1]);
 * each returns 0, or ARG_BAD_CONF with the reason in c->cr_msg. */

static int
subtree_emit( ConfigArgs *c, bt_info *bi )
{
	if ( bi->bt_subtrees ) {
		value_add( &c->rvalue_vals, bi->bt_subtrees );
		value_add( &c->rvalue_nvals, bi->bt_nsubtrees );
	}
	return 0;
}

static int
subtree_delete( ConfigArgs *c, bt_info *bi )
{
	int i;

	bt_cf_live( c, bi, bt_cf_track );
	if ( c->valx < 0 ) {
		ber_bvarray_free( bi->bt_subtrees );
		ber_bvarray_free( bi->bt_nsubtrees );
		bi->bt_subtrees = bi->bt_nsubtrees = NULL;
		return 0;
	}
	ch_free( bi->bt_subtrees[c->valx].bv_val );
	ch_free( bi->bt_nsubtrees[c->valx].bv_val );
	for ( i = c->valx; bi->bt_subtrees[i].bv_val; i++ ) {
		bi->bt_subtrees[i] = bi->bt_subtrees[i + 1];
		bi->bt_nsubtrees[i] = bi->bt_nsubtrees[i + 1];
	}
	return 0;
}

static int
subtree_set( ConfigArgs *c, bt_info *bi )
{
	int rc = 0;

	/* slapd.conf takes "suffix" after "overlay": before it there is
	 * nothing to be within (dnIsSuffix() would assert) */
	if ( !c->be->be_nsuffix || BER_BVISNULL( &c->be->be_nsuffix[0] ) )
		rc = modir_cf_refuse( c, "\"%s\": the database has no suffix yet "
			"(give \"suffix\" before \"overlay bitemporal\")", c->value_dn.bv_val );
	else if ( !dnIsSuffixScope( &c->value_ndn, &c->be->be_nsuffix[0], LDAP_SCOPE_SUBTREE ) )
		rc = modir_cf_refuse( c, "\"%s\" is not within the database suffix \"%s\"",
			c->value_dn.bv_val, c->be->be_suffix[0].bv_val );
	if ( rc ) {
		ch_free( c->value_dn.bv_val );
		ch_free( c->value_ndn.bv_val );
		return rc;
	}
	ber_bvarray_add( &bi->bt_subtrees, &c->value_dn );
	ber_bvarray_add( &bi->bt_nsubtrees, &c->value_ndn );
	bt_cf_live( c, bi, bt_cf_track );
	return 0;
}

static int
objectclass_emit( ConfigArgs *c, bt_info *bi )
{
	int i;

	for ( i = 0; bi->bt_ocs && bi->bt_ocs[i]; i++ )
		value_add_one( &c->rvalue_vals, &bi->bt_ocs[i]->soc_cname );
	return 0;
}

static int
objectclass_delete( ConfigArgs *c, bt_info *bi )
{
	int i;

	bt_cf_live( c, bi, bt_cf_track );
	if ( c->valx < 0 ) {
		ch_free( bi->bt_ocs );
		bi->bt_ocs = NULL;
		return 0;
	}
	for ( i = c->valx; bi->bt_ocs[i]; i++ )
		bi->bt_ocs[i] = bi->bt_ocs[i + 1];
	return 0;
}

static int
objectclass_set( ConfigArgs *c, bt_info *bi )
{
	ObjectClass *oc;
	unsigned long long unused;
	int i;

	if ( modir_cf_value( c, MODIR_CV_BT_OBJECTCLASS, &unused ) ) return ARG_BAD_CONF;
	if ( !( oc = oc_find( c->argv[1] ) ) )
		return modir_cf_refuse( c, "unknown objectClass \"%s\"", c->argv[1] );
	for ( i = 0; bi->bt_ocs && bi->bt_ocs[i]; i++ )
		;
	bi->bt_ocs = ch_realloc( bi->bt_ocs, ( i + 2 ) * sizeof( ObjectClass * ) );
	bi->bt_ocs[i] = oc;
	bi->bt_ocs[i + 1] = NULL;
	bt_cf_live( c, bi, bt_cf_track );
	return 0;
}

/* read by every write as it starts: a new value applies to the next */
static int
group_commit_emit( ConfigArgs *c, bt_info *bi )
{
	return modir_cf_emit( c, MODIR_CV_BT_GROUP_COMMIT, bi->bt_group_max );
}

static int
group_commit_delete( ConfigArgs *c, bt_info *bi )
{
	bi->bt_group_max = BT_GROUP_MAX_DEFAULT;
	return 0;
}

static int
group_commit_set( ConfigArgs *c, bt_info *bi )
{
	unsigned long long n;

	if ( modir_cf_value( c, MODIR_CV_BT_GROUP_COMMIT, &n ) ) return ARG_BAD_CONF;
	bi->bt_group_max = (int)n;
	return 0;
}

/* read by the access check of every dated write (bt_access.c)
 *   write: any writer may correct the past; a site that lets consumers
 *   act on the history before it is final chooses so */
static int
past_access_emit( ConfigArgs *c, bt_info *bi )
{
	return modir_cf_emit( c, MODIR_CV_BT_PAST_ACCESS,
		bi->bt_past_access == ACL_MANAGE ? MODIR_CV_PAST_MANAGE : MODIR_CV_PAST_WRITE );
}

static int
past_access_delete( ConfigArgs *c, bt_info *bi )
{
	bi->bt_past_access = ACL_MANAGE;
	return 0;
}

static int
past_access_set( ConfigArgs *c, bt_info *bi )
{
	unsigned long long v;

	if ( modir_cf_value( c, MODIR_CV_BT_PAST_ACCESS, &v ) ) return ARG_BAD_CONF;
	bi->bt_past_access = v == MODIR_CV_PAST_MANAGE ? ACL_MANAGE : ACL_NONE;
	return 0;
}

static int
cache_size_emit( ConfigArgs *c, bt_info *bi )
{
	return modir_cf_emit( c, MODIR_CV_BT_CACHE_SIZE, bi->bt_cache_max_bytes );
}

static int
cache_size_delete( ConfigArgs *c, bt_info *bi )
{
	bi->bt_cache_max_bytes = BT_CACHE_SIZE_DEFAULT;
	bt_cf_live( c, bi, bt_cf_cache_bound );
	return 0;
}

static int
cache_size_set( ConfigArgs *c, bt_info *bi )
{
	unsigned long long n;

	if ( modir_cf_value( c, MODIR_CV_BT_CACHE_SIZE, &n ) ) return ARG_BAD_CONF;
	bi->bt_cache_max_bytes = (size_t)n;
	bt_cf_live( c, bi, bt_cf_cache_bound );
	return 0;
}

typedef int (bt_cf_fn)( ConfigArgs *c, bt_info *bi );

static const struct {
	bt_cf_fn *emit, *delete, *set;
} bt_cf_directives[BT_CFG_N] = {
	[BT_CFG_SUBTREE] = { subtree_emit, subtree_delete, subtree_set },
	[BT_CFG_OBJECTCLASS] = { objectclass_emit, objectclass_delete, objectclass_set },
	[BT_CFG_GROUP_COMMIT] = { group_commit_emit, group_commit_delete, group_commit_set },
	[BT_CFG_PAST_ACCESS] = { past_access_emit, past_access_delete, past_access_set },
	[BT_CFG_CACHE_SIZE] = { cache_size_emit, cache_size_delete, cache_size_set },
};

static int
bt_cf_gen( ConfigArgs *c )
{
	slap_overinst *on = (slap_overinst *)c->bi;
	bt_info *bi = on->on_bi.bi_private;

	if ( c->type <= 0 || c->type >= BT_CFG_N ) return ARG_BAD_CONF;
	switch ( c->op ) {
	case SLAP_CONFIG_EMIT:
		return bt_cf_directives[c->type].emit( c, bi );
	case LDAP_MOD_DELETE:
		return bt_cf_directives[c->type].delete( c, bi );
	}
	return bt_cf_directives[c->type].set( c, bi );
}

/* The write path holds back-mdb's result until its own commit; an overlay
 * below this one would see results that are not yet durable. */
static int
stacked_above_another( slap_overinst *on, ConfigReply *cr )
{
	if ( !on->on_next ) return 0;
	snprintf( cr->msg, sizeof( cr->msg ),
		"bitemporal overlay must be the first overlay configured on its "
		"database (it is stacked above \"%s\")", on->on_next->on_bi.bi_type );
	Debug( LDAP_DEBUG_ANY, "%s\n", cr->msg );
	return 1;
}

/* The overlays above that follow this one's life (bitemporal_api.h):
 * registered while the module initialises, read only afterwards. */
static bt_listener *listeners[BT_LISTENERS_MAX];
static int nlisteners;

int
bt_listener_add( bt_listener *fn )
{
	if ( nlisteners == BT_LISTENERS_MAX ) return -1;
	listeners[nlisteners++] = fn;
	return 0;
}

static void
listeners_tell( slap_overinst *on, bt_info *bi )
{
	int i;

	for ( i = 0; i < nlisteners; i++ ) listeners[i]( on, bi );
}

static int
bt_db_init( BackendDB *be, ConfigReply *cr )
{
	slap_overinst *on = (slap_overinst *)be->bd_info;
	bt_info *bi;

	if ( SLAP_ISGLOBALOVERLAY( be ) ) {
		snprintf( cr->msg, sizeof( cr->msg ),
			"bitemporal overlay must be configured on a database, not globally" );
		Debug( LDAP_DEBUG_ANY, "%s\n", cr->msg );
		return 1;
	}
	/* refused here too, not only at open: slaptest never opens the
	 * database, and must refuse what slapd would refuse at start.  Live
	 * (cn=config) only at open: see the oio overlay's db_init for why a failed
	 * db_init of an overlay inserted at an index must be avoided. */
	if ( !( slapMode & SLAP_SERVER_RUNNING ) && stacked_above_another( on, cr ) ) return 1;
	bi = ch_calloc( 1, sizeof( bt_info ) );
	bi->bt_interval = 1;
	bi->bt_cache_max_bytes = BT_CACHE_SIZE_DEFAULT;
	bi->bt_snaps = bt_snapcache_new( BT_SHARE_SNAPS( bi->bt_cache_max_bytes ) );
	bi->bt_touched = ch_calloc( BT_TOUCH_SLOTS, sizeof( *bi->bt_touched ) );
	bi->bt_touched_refs = ch_calloc( BT_TOUCH_SLOTS, sizeof( *bi->bt_touched_refs ) );
	bi->bt_group_max = BT_GROUP_MAX_DEFAULT;
	bi->bt_past_access = ACL_MANAGE;
	ldap_pvt_thread_rdwr_init( &bi->bt_cache_lock );
	ldap_pvt_thread_mutex_init( &bi->bt_point_mutex );
	bt_group_init( bi );
	bt_retry_init( bi );
	on->on_bi.bi_private = bi;
	bi->bt_on = on;

	/* a critical control on a database without the overlay gets
	 * unavailableCriticalExtension from slapd itself */
	overlay_register_control( be, MODIR_CTRL_VALIDITY );
	overlay_register_control( be, MODIR_CTRL_ASOF );
	overlay_register_control( be, MODIR_CTRL_HISTORY );
	return 0;
}

static int
bt_db_open( BackendDB *be, ConfigReply *cr )
{
	slap_overinst *on = (slap_overinst *)be->bd_info;
	bt_info *bi = on->on_bi.bi_private;
	int rc;

	/* The write path holds back-mdb's result until its own commit; an
	 * overlay below us would see results that are not yet durable. */
	if ( stacked_above_another( on, cr ) ) return 1;
	rc = bt_store_open( bi, be, on->on_info->oi_orig, cr );
	if ( rc ) return rc;
	/* LDAP transactions (RFC 5805) call the backend's bi_op_txn through
	 * the overlay info, not through any overlay: ours wraps back-mdb's to
	 * note their commits and unwind their aborts (bt_write.c) */
	if ( on->on_info->oi_orig->bi_op_txn )
		on->on_info->oi_bi.bi_op_txn = bt_txn_hook;
	if ( !( slapMode & SLAP_TOOL_MODE ) ) {
		if ( bt_bootstrap( bi, be ) ) {
			snprintf( cr->msg, sizeof( cr->msg ),
				"bitemporal: cannot record baseline versions of existing entries" );
			return 1;
		}
		/* everything stored so far was recorded before now */
		bi->bt_last_write = slap_get_time();
		/* added back live below an overlay that lost it */
		if ( slapMode & SLAP_SERVER_RUNNING ) listeners_tell( on, bi );
		if ( bt_activation_start( bi, be ) ) {
			snprintf( cr->msg, sizeof( cr->msg ),
				"bitemporal: cannot start the activation task" );
			return 1;
		}
	}
	return 0;
}

static int
bt_db_close( BackendDB *be, ConfigReply *cr )
{
	slap_overinst *on = (slap_overinst *)be->bd_info;
	bt_info *bi = on->on_bi.bi_private;

	/* removed live (cn=config delete): an overlay above must not go on
	 * using the history (oio refuses writes until one is back) */
	listeners_tell( on, NULL );
	bt_activation_stop( bi );
	bt_store_close( bi );
	return 0;
}

static int
bt_db_destroy( BackendDB *be, ConfigReply *cr )
{
	slap_overinst *on = (slap_overinst *)be->bd_info;
	bt_info *bi = on->on_bi.bi_private;

	if ( bi ) {
		bt_points_clear( bi );
		bt_snapcache_free( bi->bt_snaps );
		ch_free( bi->bt_touched );
		ch_free( bi->bt_touched_refs );
		ldap_pvt_thread_rdwr_destroy( &bi->bt_cache_lock );
		ldap_pvt_thread_mutex_destroy( &bi->bt_point_mutex );
		bt_group_destroy( bi );
		bt_retry_destroy( bi );
		ber_bvarray_free( bi->bt_subtrees );
		ber_bvarray_free( bi->bt_nsubtrees );
		ch_free( bi->bt_ocs );
		ch_free( bi->bt_computed );
		ch_free( bi );
		on->on_bi.bi_private = NULL;
	}
	return 0;
}

int
bitemporal_initialize( void )
{
	int rc;

	bitemporal.on_bi.bi_type = "bitemporal";
	bitemporal.on_bi.bi_flags = SLAPO_BFLAG_SINGLE | SLAPO_BFLAG_DBONLY;
	bitemporal.on_bi.bi_db_init = bt_db_init;
	bitemporal.on_bi.bi_db_open = bt_db_open;
	bitemporal.on_bi.bi_db_close = bt_db_close;
	bitemporal.on_bi.bi_db_destroy = bt_db_destroy;
	bitemporal.on_bi.bi_cf_ocs = bt_ocs;
	bitemporal.on_bi.bi_op_add = bt_op_write;
	bitemporal.on_bi.bi_op_modify = bt_op_write;
	bitemporal.on_bi.bi_op_delete = bt_op_write;
	bitemporal.on_bi.bi_op_modrdn = bt_op_write;
	bitemporal.on_bi.bi_op_search = bt_op_search;
	bitemporal.on_bi.bi_operational = bt_operational;

	rc = bt_controls_register();
	if ( rc ) return rc;
	rc = config_register_schema( bt_cfg, bt_ocs );
	if ( rc ) return rc;
	return overlay_register( &bitemporal );
}
