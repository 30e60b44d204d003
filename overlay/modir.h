/* modir.h - what the module's overlays share. */
#ifndef MODIR_H
#define MODIR_H

#include "modir_oids.h"

struct re_s;

int bitemporal_initialize( void );
int oio_initialize( void );

/* The name a modrdn gives its entry: new RDN under the new (or the same)
 * parent; dn and ndn are ch_malloc'd. */
void modir_modrdn_newdn( Operation *op, struct berval *dn, struct berval *ndn );

/* The end of a periodic runqueue task's run (as slapo-dds does it). */
void modir_task_done( struct re_s *rtask );

#endif /* MODIR_H */
