/* bitemporal.h - the bitemporal overlay's shared state and its history store. */
#ifndef BITEMPORAL_H
#define BITEMPORAL_H

#include "lmdb.h"
#include "bt_time.h"

typedef struct bt_info {
	/* configuration */
	BerVarray bi_subtrees, bi_nsubtrees;	/* NULL: the whole database */
	ObjectClass **bi_ocs;			/* NULL: every entry */

	/* the history store (bt_store.c) */
	MDB_env *bi_env;		/* back-mdb's environment; not ours to close */
	MDB_dbi bi_versions;	/* uuid|validFrom|recordedAt|seq -> version */
	MDB_dbi bi_names;		/* parent uuid|normalized RDN -> uuid (dup) */
	MDB_dbi bi_due;			/* due time|uuid -> (empty): pending activations */
	int bi_open;
} bt_info;

/* bt_store.c */
int bt_store_open( bt_info *bi, BackendDB *be, BackendInfo *backend, ConfigReply *cr );
void bt_store_close( bt_info *bi );

#endif /* BITEMPORAL_H */
