/* lmdb_embedded.h - what modir adds to the LMDB it embeds (lmdb_embedded.c).
 *
 * The module carries the LMDB of the OpenLDAP source tree that slapd's
 * back_mdb.so was built from, so that the MDB_env and MDB_txn it gets
 * from back-mdb are the structures its own copy knows.  These functions
 * read or trim those structures where lmdb.h of 0.9 has no call for it.
 */
#ifndef MODIR_LMDB_EMBEDDED_H
#define MODIR_LMDB_EMBEDDED_H

#include <stddef.h>
#include "lmdb.h"

/* Whether txn is read-only (a boolean; 0 for NULL). */
int modir_mdb_txn_rdonly( MDB_txn *txn );

/* Frees the pages LMDB keeps for reuse by write transactions beyond the
 * first keep, and returns how many it freed.  LMDB 0.9 keeps every single
 * page a write transaction dirtied when the transaction ends, for the
 * environment's life, so its heap holds as many pages as the largest
 * write ever dirtied.  txn: a write transaction of the environment (it
 * excludes every other writer, the list's only users, meanwhile); with a
 * read-only one or NULL nothing is freed (0). */
size_t modir_mdb_release_free_pages( MDB_txn *txn, size_t keep );

/* The bytes of the pages txn has dirtied so far (held in memory until
 * its commit writes them): 0 for a read-only transaction or NULL. */
size_t modir_mdb_txn_dirty_bytes( MDB_txn *txn );

#endif /* MODIR_LMDB_EMBEDDED_H */
