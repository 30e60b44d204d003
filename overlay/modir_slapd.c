/* modir_slapd.c - what both overlays do with slapd the same way: the name
 * a modrdn gives its entry, the end of a runqueue task's run, an object
 * kept per thread.
 *
 * Below both overlays and below modir.c (which only loads them), so that
 * either overlay may use them without calling up into the module's entry.
 */
#include "portable.h"

#include "slap.h"
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

void *
modir_thread_object( void *key, void *(*make)( void ),
	ldap_pvt_thread_pool_keyfree_t *release, int *owned )
{
	void *ctx = ldap_pvt_thread_pool_context(), *data = NULL;

	*owned = 0;
	if ( ctx && ldap_pvt_thread_pool_getkey( ctx, key, &data, NULL ) == 0 && data )
		return data;
	if ( !( data = make() ) ) return NULL;
	if ( !ctx || ldap_pvt_thread_pool_setkey( ctx, key, data, release, NULL, NULL ) )
		*owned = 1;
	return data;
}
