/* modir.c - the modir slapd module: one loadable object, two overlays.
 *
 *   bitemporal  generic bitemporal history for any DIT (slapo-bitemporal(5))
 *   oio         the OIO organisation model on top of it (slapo-oio(5))
 *
 * Load with "moduleload modir" (slapd.conf) or olcModuleLoad: modir
 * (cn=config), then "overlay bitemporal" / "overlay oio" on a database.
 */
#include "portable.h"

#include "slap.h"
#include "slap-config.h"
#include "ldap_rq.h"

#include "modir.h"

void
modir_modrdn_newdn( Operation *op, struct berval *dn, struct berval *ndn )
{
	struct berval pdn, npdn;

	if ( op->orr_nnewSup ) {
		pdn = *op->orr_newSup;
		npdn = *op->orr_nnewSup;
	} else {
		dnParent( &op->o_req_dn, &pdn );
		dnParent( &op->o_req_ndn, &npdn );
	}
	build_new_dn( dn, &pdn, &op->orr_newrdn, NULL );
	build_new_dn( ndn, &npdn, &op->orr_nnewrdn, NULL );
}

void
modir_task_done( struct re_s *rtask )
{
	ldap_pvt_thread_mutex_lock( &slapd_rq.rq_mutex );
	if ( ldap_pvt_runqueue_isrunning( &slapd_rq, rtask ) )
		ldap_pvt_runqueue_stoptask( &slapd_rq, rtask );
	ldap_pvt_runqueue_resched( &slapd_rq, rtask, 0 );
	ldap_pvt_thread_mutex_unlock( &slapd_rq.rq_mutex );
}

int
init_module( int argc, char *argv[] )
{
	int rc;

	(void)argc;
	(void)argv;
	rc = bitemporal_initialize();
	if ( rc ) {
		Debug( LDAP_DEBUG_ANY, "modir: bitemporal overlay failed to initialize (%d)\n", rc );
		return rc;
	}
	rc = oio_initialize();
	if ( rc ) {
		Debug( LDAP_DEBUG_ANY, "modir: oio overlay failed to initialize (%d)\n", rc );
		return rc;
	}
	return 0;
}
