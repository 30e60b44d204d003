/* fail_task.c - preloaded into slapd by t_task_start.sh: the runqueue task
 * named by MODIR_FAIL_TASK cannot be started, as when libldap's
 * ldap_pvt_runqueue_insert() runs out of memory (it then returns NULL).
 * Every other task is started by the real function. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct re_s;
struct runqueue_s;
typedef void *(task_fn)( void *ctx, void *arg );
typedef struct re_s *(insert_fn)( struct runqueue_s *, time_t, task_fn *, void *, char *, char * );

struct re_s *
ldap_pvt_runqueue_insert( struct runqueue_s *rq, time_t interval, task_fn *routine,
	void *arg, char *tname, char *tspec )
{
	static insert_fn *real;
	const char *fail = getenv( "MODIR_FAIL_TASK" );

	if ( fail && tname && strcmp( fail, tname ) == 0 ) return NULL;
	if ( !real ) real = (insert_fn *)dlsym( RTLD_NEXT, "ldap_pvt_runqueue_insert" );
	return real ? real( rq, interval, routine, arg, tname, tspec ) : NULL;
}
