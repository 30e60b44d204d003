/* The LMDB of the OpenLDAP source tree slapd was built from (see Makefile.am). */
#include "mdb.c"

/* Whether txn is read-only.  lmdb.h of 0.9 has no accessor for it, and a
 * cache over the history (bt_snapshot_id) must not keep what a write
 * transaction shows: it may still be aborted. */
int
modir_mdb_txn_rdonly( MDB_txn *txn )
{
	return txn && ( txn->mt_flags & MDB_TXN_RDONLY ) != 0;
}
