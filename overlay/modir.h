/* modir.h - what the module's overlays share. */
#ifndef MODIR_H
#define MODIR_H

#include "modir_oids.h"

int bitemporal_initialize( void );
int oio_initialize( void );

#endif /* MODIR_H */
