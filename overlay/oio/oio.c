/* oio.c - the OIO organisation model overlay (slapo-oio(5)).
 *
 * Gives the OIO schema its meaning:
 *  - integrity over time: a function may only reference objects that exist
 *    during its whole period, classes of the right facet; at most one
 *    primary engagement per person at any instant; no termination of what
 *    others still refer to (oio_integrity.c);
 *  - terminating a person terminates their functions from that date, future
 *    ones included (or leaves their manager posts vacant: oio_cascade.c);
 *  - the derived attributes AD, IAM systems and phone books read, kept in
 *    the live entries (oio_model.c), computed by the overlay's task
 *    (oio_task.c) and written by oio_writer.c; at a point in time by
 *    oio_search.c.
 *
 * This file is the overlay itself: its configuration, what it does with
 * each write (the checks before, the model after) and its lifecycle.
 *
 * Configure it above the bitemporal overlay (after it in the config):
 * every write it sees, clients' and the bitemporal overlay's activations of
 * due changes alike, reaches the live DIT only through it.  Its own writes
 * (derived values, terminations) go to the overlays below it, so the
 * bitemporal overlay records them like any other change.
 */
#include "portable.h"

#include <ac/string.h>

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
	/* the values as-of reads kept were computed with the old value */
	oio_asof_cache_clear( oi->oi_asof_values );
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


/* The kind of object a write is about (as the model has it before the
 * write) and whether it may change inputs of derived values (*inputs):
 * a description or a phone-book note does not, a unit's move does. */
static oio_kind
write_kind( Operation *op, oio_info *oi, int *inputs )
{
	oio_kind kind = OIO_OTHER;
	Modifications *ml;
	oio_obj *o;

	*inputs = 0;
	switch ( op->o_tag ) {
	case LDAP_REQ_ADD:
		kind = oio_kind_of( op->ora_e );
		*inputs = kind != OIO_OTHER && kind != OIO_PERSON;
		break;
	case LDAP_REQ_MODIFY:
		ldap_pvt_thread_mutex_lock( &oi->oi_model.mutex );
		o = oio_model_get_dn( &oi->oi_model, &op->o_req_ndn );
		kind = o ? o->kind : OIO_OTHER;
		ldap_pvt_thread_mutex_unlock( &oi->oi_model.mutex );
		for ( ml = op->orm_modlist; ml; ml = ml->sml_next ) {
			if ( is_input( ml->sml_desc ) ) *inputs = 1;
		}
		if ( kind == OIO_PERSON ) *inputs = 0;
		break;
	case LDAP_REQ_DELETE:
	case LDAP_REQ_MODRDN:
		*inputs = 1;
		break;
	}
	return kind;
}

static int
oio_op_write( Operation *op, SlapReply *rs )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	oio_info *oi = on->on_bi.bi_private;
	oio_kind kind;
	int inputs;
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

	kind = write_kind( op, oi, &inputs );
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

/* The points of bi grew, or its cache's bound changed (a bt_shrinker,
 * bitemporal_api.h): the oio overlays above it give back what their
 * entities at a point borrowed. */
static void
oio_bt_shrink( slap_overinst *bt_on, bt_info *bi )
{
	slap_overinst *o2;

	for ( o2 = bt_on->on_info->oi_list; o2 && o2 != bt_on; o2 = o2->on_next ) {
		oio_info *oi = o2->on_bi.bi_private;
		if ( strcmp( o2->on_bi.bi_type, "oio" ) || !oi || oi->oi_bt != bi ) continue;
		oio_asof_fit( oi );
	}
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
		oio_asof_cache_clear( oi->oi_asof_values );
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
	oi->oi_asof_values = oio_asof_cache_new();
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
		oio_asof_cache_free( oi->oi_asof_values );
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
	if ( bt_shrinker_add( oio_bt_shrink ) ) return -1;
	return overlay_register( &oio );
}
