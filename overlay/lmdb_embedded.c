/* The LMDB of the OpenLDAP source tree slapd was built from (see Makefile.am). */
#include "mdb.c"
#include "lmdb_embedded.h"

/* Whether txn is read-only.  lmdb.h of 0.9 has no accessor for it, and a
 * cache over the history (bt_snapshot_id) must not keep what a write
 * transaction shows: it may still be aborted. */
int
modir_mdb_txn_rdonly( MDB_txn *txn )
{
	return txn && ( txn->mt_flags & MDB_TXN_RDONLY ) != 0;
}

/* Frees the pages the environment keeps for later write transactions
 * (me_dpages) beyond the first keep, and returns how many it freed; txn
 * must be a write transaction of env's, so that no other thread uses the
 * list meanwhile.  LMDB 0.9 puts every single page a write transaction
 * dirtied on that list when the transaction ends, and keeps them for the
 * environment's life: its heap holds as many pages as the largest write
 * transaction ever dirtied. */
size_t
modir_mdb_release_free_pages( MDB_txn *txn, size_t keep )
{
	MDB_page **link, *dp;
	size_t n = 0;

	if ( !txn || ( txn->mt_flags & MDB_TXN_RDONLY ) ) return 0;
	for ( link = &txn->mt_env->me_dpages; *link && keep; keep-- ) {
		VGMEMP_DEFINED( &( *link )->mp_next, sizeof( ( *link )->mp_next ) );
		link = &( *link )->mp_next;
	}
	while ( ( dp = *link ) != NULL ) {
		VGMEMP_DEFINED( &dp->mp_next, sizeof( dp->mp_next ) );
		*link = dp->mp_next;
		free( dp );
		n++;
	}
	return n;
}

size_t
modir_mdb_txn_dirty_bytes( MDB_txn *txn )
{
	if ( !txn || ( txn->mt_flags & MDB_TXN_RDONLY ) ) return 0;
	/* a top-level transaction's dirty list; its first slot is the count */
	return (size_t)txn->mt_u.dirty_list[0].mid * txn->mt_env->me_psize;
}
