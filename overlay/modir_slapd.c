/* modir_slapd.c - what both overlays do with slapd the same way: the name
 * a modrdn gives its entry, the end of a runqueue task's run, an object
 * kept per thread, the heap handed back after a one-off phase.
 *
 * Below both overlays and below modir.c (which only loads them), so that
 * either overlay may use them without calling up into the module's entry.
 */
#include "portable.h"

#ifdef __GLIBC__
#include <malloc.h>		/* malloc_trim */
#endif

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

/* glibc gives each thread that allocates while another holds the arena
 * an arena of its own (up to eight per core), and free() hands pages
 * back only from the top of one: what a phase freed in the middle of an
 * arena, or in an arena its thread no longer uses much, stays resident.
 * malloc_trim(0) walks every arena (not only the caller's) and gives back
 * each whole free page.  The process-wide settings (M_ARENA_MAX,
 * M_TRIM_THRESHOLD) are slapd's, not a module's, to choose. */
void
modir_heap_release( void )
{
#ifdef __GLIBC__
	malloc_trim( 0 );
#endif
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
