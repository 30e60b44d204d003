/* oio.c - the OIO organisation model overlay (slapo-oio(5)).
 *
 * Gives the OIO schema its meaning: integrity of references over time and
 * the derived attributes (title, manager, mail, ...) consumers read.
 * Configuration only for now: every operation passes through unchanged.
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"
#include "slap-config.h"

#include "modir.h"

typedef enum {
	OIO_TERMINATE_MANAGERS = 0,	/* a terminated person's manager posts end */
	OIO_VACATE_MANAGERS		/* ... or stay, vacant (OS2mo's option) */
} oio_manager_policy;

typedef struct oio_info {
	int oi_internal_addresses;	/* publish "internal" addresses too */
	oio_manager_policy oi_manager_policy;
} oio_info;

static slap_overinst oio;

enum { OIO_CFG_MANAGER_POLICY = 1 };

static ConfigDriver oio_cf_gen;

static ConfigTable oio_cfg[] = {
	{ "oio-internal-addresses", "on|off", 2, 2, 0,
	  ARG_ON_OFF|ARG_OFFSET,
	  (void *)offsetof( oio_info, oi_internal_addresses ),
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

static const char *const oio_manager_policy_names[] = { "terminate", "vacate" };

static int
oio_cf_gen( ConfigArgs *c )
{
	slap_overinst *on = (slap_overinst *)c->bi;
	oio_info *oi = on->on_bi.bi_private;

	switch ( c->op ) {
	case SLAP_CONFIG_EMIT: {
		struct berval bv;
		ber_str2bv( oio_manager_policy_names[oi->oi_manager_policy], 0, 0, &bv );
		value_add_one( &c->rvalue_vals, &bv );
		return 0;
	}
	case LDAP_MOD_DELETE:
		oi->oi_manager_policy = OIO_TERMINATE_MANAGERS;
		return 0;
	}

	for ( int i = 0; i < 2; i++ ) {
		if ( strcasecmp( c->argv[1], oio_manager_policy_names[i] ) == 0 ) {
			oi->oi_manager_policy = i;
			return 0;
		}
	}
	snprintf( c->cr_msg, sizeof( c->cr_msg ),
		"<%s> unknown value \"%s\" (expected terminate or vacate)",
		c->argv[0], c->argv[1] );
	Debug( LDAP_DEBUG_ANY, "%s: %s\n", c->log, c->cr_msg );
	return ARG_BAD_CONF;
}

static int
oio_db_init( BackendDB *be, ConfigReply *cr )
{
	slap_overinst *on = (slap_overinst *)be->bd_info;
	oio_info *oi = ch_calloc( 1, sizeof( oio_info ) );

	oi->oi_manager_policy = OIO_TERMINATE_MANAGERS;
	on->on_bi.bi_private = oi;
	return 0;
}

static int
oio_db_destroy( BackendDB *be, ConfigReply *cr )
{
	slap_overinst *on = (slap_overinst *)be->bd_info;

	ch_free( on->on_bi.bi_private );
	on->on_bi.bi_private = NULL;
	return 0;
}

int
oio_initialize( void )
{
	int rc;

	oio.on_bi.bi_type = "oio";
	oio.on_bi.bi_flags = SLAPO_BFLAG_SINGLE;
	oio.on_bi.bi_db_init = oio_db_init;
	oio.on_bi.bi_db_destroy = oio_db_destroy;
	oio.on_bi.bi_cf_ocs = oio_ocs;

	rc = config_register_schema( oio_cfg, oio_ocs );
	if ( rc ) return rc;
	return overlay_register( &oio );
}
