/* bt_control.c - the bitemporal overlay's public vocabulary: its controls
 * and the operational attributes it returns (slapo-bitemporal(5)).
 *
 * The attributes are defined here rather than in a schema file because
 * the overlay is generic: it must work on any DIT, with or without the
 * OIO schema.
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"
#include "slap-config.h"

#include "modir.h"
#include "bitemporal.h"

AttributeDescription *bt_ad_validFrom, *bt_ad_validTo, *bt_ad_recordedAt,
	*bt_ad_recordedBy, *bt_ad_supersededAt, *bt_ad_versionOp,
	*bt_ad_changedAttributes, *bt_ad_activationError;

int bt_validity_cid, bt_asof_cid, bt_history_cid;

static struct {
	char *def;
	AttributeDescription **ad;
} bt_attrs[] = {
	{ "( " MODIR_AT_VALID_FROM " NAME 'moValidFrom' "
	  "DESC 'Start of the valid-time period of the version shown (included)' "
	  "EQUALITY generalizedTimeMatch ORDERING generalizedTimeOrderingMatch "
	  "SYNTAX 1.3.6.1.4.1.1466.115.121.1.24 SINGLE-VALUE "
	  "NO-USER-MODIFICATION USAGE directoryOperation )", &bt_ad_validFrom },
	{ "( " MODIR_AT_VALID_TO " NAME 'moValidTo' "
	  "DESC 'End of the valid-time period of the version shown (excluded); absent if open' "
	  "EQUALITY generalizedTimeMatch ORDERING generalizedTimeOrderingMatch "
	  "SYNTAX 1.3.6.1.4.1.1466.115.121.1.24 SINGLE-VALUE "
	  "NO-USER-MODIFICATION USAGE directoryOperation )", &bt_ad_validTo },
	{ "( " MODIR_AT_RECORDED_AT " NAME 'moRecordedAt' "
	  "DESC 'When the version shown was registered' "
	  "EQUALITY generalizedTimeMatch ORDERING generalizedTimeOrderingMatch "
	  "SYNTAX 1.3.6.1.4.1.1466.115.121.1.24 SINGLE-VALUE "
	  "NO-USER-MODIFICATION USAGE directoryOperation )", &bt_ad_recordedAt },
	{ "( " MODIR_AT_RECORDED_BY " NAME 'moRecordedBy' "
	  "DESC 'Who registered the version shown' "
	  "EQUALITY distinguishedNameMatch "
	  "SYNTAX 1.3.6.1.4.1.1466.115.121.1.12 SINGLE-VALUE "
	  "NO-USER-MODIFICATION USAGE directoryOperation )", &bt_ad_recordedBy },
	{ "( " MODIR_AT_SUPERSEDED_AT " NAME 'moSupersededAt' "
	  "DESC 'When the version shown was replaced by a later registration; absent if current' "
	  "EQUALITY generalizedTimeMatch ORDERING generalizedTimeOrderingMatch "
	  "SYNTAX 1.3.6.1.4.1.1466.115.121.1.24 SINGLE-VALUE "
	  "NO-USER-MODIFICATION USAGE directoryOperation )", &bt_ad_supersededAt },
	{ "( " MODIR_AT_VERSION_OP " NAME 'moVersionOperation' "
	  "DESC 'The operation that registered the version: baseline, add, modify, delete, modrdn, import' "
	  "EQUALITY caseIgnoreMatch "
	  "SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE "
	  "NO-USER-MODIFICATION USAGE directoryOperation )", &bt_ad_versionOp },
	{ "( " MODIR_AT_CHANGED_ATTRS " NAME 'moChangedAttributes' "
	  "DESC 'Attributes the registering operation changed in this version' "
	  "EQUALITY caseIgnoreMatch "
	  "SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 "
	  "NO-USER-MODIFICATION USAGE directoryOperation )", &bt_ad_changedAttributes },
	{ "( " MODIR_AT_ACTIVATION_ERROR " NAME 'moActivationError' "
	  "DESC 'Why a change of this entry that fell due is not yet live: due time, attempts, next try, result' "
	  "EQUALITY caseIgnoreMatch "
	  "SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE "
	  "NO-USER-MODIFICATION USAGE dSAOperation )", &bt_ad_activationError },
	{ NULL, NULL }
};

/* The text of a refused control value: what is wrong (the parser's
 * static reason), what is expected, and for a missing or empty value how
 * to say "now" instead.  Built on the operation's memory: the frontend
 * sends it before the operation is freed. */
static const char *
bt_ctrl_error( Operation *op, const char *ctrl, const char *why,
	const char *expected, const char *now_hint )
{
	static const char fmt[] = "%s control: %s (expected %s)%s";
	char *text;
	int len;

	if ( !why ) why = "malformed value";
	if ( strcmp( why, "no value" ) && strcmp( why, "empty value" ) )
		now_hint = "";
	len = snprintf( NULL, 0, fmt, ctrl, why, expected, now_hint );
	text = op->o_tmpalloc( len + 1, op->o_tmpmemctx );
	snprintf( text, len + 1, fmt, ctrl, why, expected, now_hint );
	return text;
}

/* Each control's parsed value lives in op->o_controls[cid], allocated on
 * the operation's memory context.
 *
 * The value is handed to the parser as it came: slapd's frontend
 * (get_ctrls) keeps a value only when it is a primitive OCTET STRING and
 * leaves ldctl_value NULL otherwise (absent, a SEQUENCE, a constructed
 * string, a broken length), so NULL covers every value that is not text
 * and the parser refuses it, as it refuses an empty one: whatever the
 * criticality, a present validity or as-of control that does not carry a
 * well-formed value is a protocolError, never "now". */
static int
bt_parse_validity( Operation *op, SlapReply *rs, LDAPControl *ctrl )
{
	bt_validity *v;
	const char *why = NULL;

	if ( op->o_ctrlflag[bt_validity_cid] != SLAP_CONTROL_NONE ) {
		rs->sr_text = "validity control specified more than once";
		return LDAP_PROTOCOL_ERROR;
	}
	v = op->o_tmpalloc( sizeof( *v ), op->o_tmpmemctx );
	if ( bt_validity_parse( ctrl->ldctl_value.bv_val, ctrl->ldctl_value.bv_len,
			slap_get_time(), v, &why ) ) {
		op->o_tmpfree( v, op->o_tmpmemctx );
		rs->sr_text = bt_ctrl_error( op, "validity", why,
			"validFrom=<GeneralizedTime>[;validTo=<GeneralizedTime>]",
			"; to write from now, send no validity control" );
		return LDAP_PROTOCOL_ERROR;
	}
	op->o_controls[bt_validity_cid] = v;
	op->o_ctrlflag[bt_validity_cid] = ctrl->ldctl_iscritical ?
		SLAP_CONTROL_CRITICAL : SLAP_CONTROL_NONCRITICAL;
	return LDAP_SUCCESS;
}

static int
bt_parse_asof( Operation *op, SlapReply *rs, LDAPControl *ctrl )
{
	bt_asof *a;
	const char *why = NULL;

	if ( op->o_ctrlflag[bt_asof_cid] != SLAP_CONTROL_NONE ) {
		rs->sr_text = "as-of control specified more than once";
		return LDAP_PROTOCOL_ERROR;
	}
	a = op->o_tmpalloc( sizeof( *a ), op->o_tmpmemctx );
	if ( bt_asof_parse( ctrl->ldctl_value.bv_val, ctrl->ldctl_value.bv_len,
			slap_get_time(), a, &why ) ) {
		op->o_tmpfree( a, op->o_tmpmemctx );
		rs->sr_text = bt_ctrl_error( op, "as-of", why,
			"validAt=<GeneralizedTime>[;knownAt=<GeneralizedTime>]",
			"; to read as of now, send no as-of control" );
		return LDAP_PROTOCOL_ERROR;
	}
	op->o_controls[bt_asof_cid] = a;
	op->o_ctrlflag[bt_asof_cid] = ctrl->ldctl_iscritical ?
		SLAP_CONTROL_CRITICAL : SLAP_CONTROL_NONCRITICAL;
	return LDAP_SUCCESS;
}

/* The history control takes no value: any value present, an empty OCTET
 * STRING included, is refused.  A value that is not an OCTET STRING at
 * all reaches us as absent (see above), which for this control is what
 * the client should have sent anyway. */
static int
bt_parse_history( Operation *op, SlapReply *rs, LDAPControl *ctrl )
{
	if ( op->o_ctrlflag[bt_history_cid] != SLAP_CONTROL_NONE ) {
		rs->sr_text = "history control specified more than once";
		return LDAP_PROTOCOL_ERROR;
	}
	if ( !BER_BVISNULL( &ctrl->ldctl_value ) ) {
		rs->sr_text = "history control takes no value";
		return LDAP_PROTOCOL_ERROR;
	}
	op->o_ctrlflag[bt_history_cid] = ctrl->ldctl_iscritical ?
		SLAP_CONTROL_CRITICAL : SLAP_CONTROL_NONCRITICAL;
	return LDAP_SUCCESS;
}

int
bt_controls_register( void )
{
	int i, rc;

	for ( i = 0; bt_attrs[i].def; i++ ) {
		rc = register_at( bt_attrs[i].def, bt_attrs[i].ad, 0 );
		if ( rc ) {
			Debug( LDAP_DEBUG_ANY, "bitemporal: cannot register attribute type: %s\n",
				bt_attrs[i].def );
			return rc;
		}
	}
	/* An import (ldapadd -e relax, or slapadd) may carry an entry's
	 * validity as moValidFrom/moValidTo, as it may carry entryUUID or
	 * createTimestamp; the overlay turns them into the version's period. */
	bt_ad_validFrom->ad_type->sat_flags |= SLAP_AT_MANAGEABLE;
	bt_ad_validTo->ad_type->sat_flags |= SLAP_AT_MANAGEABLE;

	rc = register_supported_control( MODIR_CTRL_VALIDITY,
		SLAP_CTRL_ADD | SLAP_CTRL_DELETE | SLAP_CTRL_MODIFY | SLAP_CTRL_RENAME,
		NULL, bt_parse_validity, &bt_validity_cid );
	if ( rc ) return rc;
	rc = register_supported_control( MODIR_CTRL_ASOF, SLAP_CTRL_SEARCH,
		NULL, bt_parse_asof, &bt_asof_cid );
	if ( rc ) return rc;
	return register_supported_control( MODIR_CTRL_HISTORY, SLAP_CTRL_SEARCH,
		NULL, bt_parse_history, &bt_history_cid );
}

void
bt_op_set_validity( Operation *op, bt_validity *v )
{
	op->o_controls[bt_validity_cid] = v;
	op->o_ctrlflag[bt_validity_cid] = SLAP_CONTROL_CRITICAL;
}
