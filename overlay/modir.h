/* modir.h - what the module's overlays share. */
#ifndef MODIR_H
#define MODIR_H

#include "modir_oids.h"

struct re_s;

int bitemporal_initialize( void );
int oio_initialize( void );

/* modir_slapd.c: what both overlays do with slapd the same way */
/* The name a modrdn gives its entry: new RDN under the new (or the same)
 * parent; dn and ndn are ch_malloc'd. */
void modir_modrdn_newdn( Operation *op, struct berval *dn, struct berval *ndn );

/* The end of a periodic runqueue task's run (as slapo-dds does it). */
void modir_task_done( struct re_s *rtask );

/* Hands the memory freed in every thread's malloc arena back to the
 * system (glibc's malloc_trim; nothing elsewhere), after a one-off phase
 * that allocated and freed much: a bootstrap, a model's load, a burst
 * of writes.  It walks every arena's free blocks, so not per operation. */
void modir_heap_release( void );

/* The calling thread's object under key (a thread-pool key, as back-mdb
 * keeps a thread's reader): made by make() the first time, freed by
 * release when the thread's context goes.  *owned: 1 when it is a fresh
 * one the caller frees itself (no pool context, or the key could not be
 * set).  NULL when make() fails. */
void *modir_thread_object( void *key, void *(*make)( void ),
	ldap_pvt_thread_pool_keyfree_t *release, int *owned );

/* Directive values in a config handler (modir_config.c; what each
 * directive accepts: modir_config_value.h).  All three return 0 or
 * ARG_BAD_CONF (emit: 0 or 1), as a ConfigDriver does.
 *  - modir_cf_value(): c->argv[1] parsed by the rules of directive (a
 *    MODIR_CV_* index) into *out; refused with "<name> invalid value
 *    "...": <reason>; expected <what>" in c->cr_msg, logged;
 *  - modir_cf_refuse(): "<name> " and the formatted reason in c->cr_msg,
 *    logged, for refusals of the handler's own (a DN outside the suffix);
 *  - modir_cf_emit(): the value v of directive added to c->rvalue_vals in
 *    the form cn=config stores. */
struct config_args_s;
int modir_cf_value( struct config_args_s *c, int directive, unsigned long long *out );
int modir_cf_refuse( struct config_args_s *c, const char *fmt, ... )
	__attribute__(( format( printf, 2, 3 ) ));
int modir_cf_emit( struct config_args_s *c, int directive, unsigned long long v );

#endif /* MODIR_H */
