/* oio_below.c - the oio overlay's own writes: internal operations run
 * below it (the derived values oio.c writes, the cascade of a person's
 * termination in oio_integrity.c), as the root DN and recorded in the
 * history under the overlay's name (BT_ACTOR_OIO).
 *
 * Below oio.c and oio_integrity.c both, so that neither calls up into the
 * other for it.
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"

#include "oio.h"

/* A fresh internal operation below this overlay, as the root DN, with no
 * controls and none of the template's o_extra (an activation mark or a
 * finished transaction must not leak into it). */
void
oio_op_below( oio_writer *w, Operation *op2, BackendDB *db, slap_callback *cb, void **ctrls )
{
	*op2 = *w->op;
	*db = *w->op->o_bd;
	db->bd_info = (BackendInfo *)w->on;
	op2->o_bd = db;
	op2->o_dn = db->be_rootdn;
	op2->o_ndn = db->be_rootndn;
	LDAP_SLIST_INIT( &op2->o_extra );
	if ( w->txn ) LDAP_SLIST_INSERT_HEAD( &op2->o_extra, w->txn, oe_next );
	/* recorded in the history as ours, not as the rootdn's (one op2 of
	 * a writer at a time holds it) */
	w->actor.oe.oe_key = &bt_actor_key;
	ber_str2bv( BT_ACTOR_OIO, 0, 0, &w->actor.ndn );
	LDAP_SLIST_INSERT_HEAD( &op2->o_extra, &w->actor.oe, oe_next );
	memset( op2->o_ctrlflag, 0, sizeof( op2->o_ctrlflag ) );
	memset( ctrls, 0, SLAP_MAX_CIDS * sizeof( void * ) );
	op2->o_controls = ctrls;
	op2->o_ctrls = NULL;
	BER_BVZERO( &op2->o_csn );
	op2->o_noop = 0;
	op2->o_callback = cb;
	memset( cb, 0, sizeof( *cb ) );
	cb->sc_response = slap_null_cb;
}

int
oio_run_below( oio_writer *w, Operation *op2, slap_operation_t which )
{
	SlapReply rs2 = { REP_RESULT };

	overlay_op_walk( op2, &rs2, which, w->on->on_info, w->on->on_next );
	return rs2.sr_err;
}
