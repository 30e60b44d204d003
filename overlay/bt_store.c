/* bt_store.c - the history store: LMDB named databases inside back-mdb's
 * environment.
 *
 * Living in back-mdb's environment is what makes a history row and the
 * live change it describes atomic: both are written in back-mdb's write
 * transaction (shared through the operation's o_extra, the mechanism of
 * RFC 5805 transactions), one commit, one fsync.
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"
#include "slap-config.h"
#include "back-mdb/back-mdb.h"

#include "bitemporal.h"

#define BT_DB_VERSIONS "modir_bt_versions"
#define BT_DB_NAMES    "modir_bt_names"
#define BT_DB_DUE      "modir_bt_due"

int
bt_store_open( bt_info *bi, BackendDB *be, BackendInfo *backend, ConfigReply *cr )
{
	struct mdb_info *mdb;
	MDB_txn *txn;
	int rc;

	if ( strcmp( backend->bi_type, "mdb" ) != 0 ) {
		snprintf( cr->msg, sizeof( cr->msg ),
			"bitemporal overlay needs a back-mdb database (this one is \"%s\")",
			backend->bi_type );
		Debug( LDAP_DEBUG_ANY, "%s\n", cr->msg );
		return 1;
	}
	mdb = be->be_private;
	bi->bi_env = mdb->mi_dbenv;

	/* slapd's tool mode (slapadd, slapcat) opens the database read-only
	 * or exclusively; the tables are created at the first server start. */
	rc = mdb_txn_begin( bi->bi_env, NULL, ( slapMode & SLAP_TOOL_READONLY ) ? MDB_RDONLY : 0, &txn );
	if ( rc ) goto fail;
	if ( ( rc = mdb_dbi_open( txn, BT_DB_VERSIONS, MDB_CREATE, &bi->bi_versions ) ) ||
		( rc = mdb_dbi_open( txn, BT_DB_NAMES, MDB_CREATE | MDB_DUPSORT, &bi->bi_names ) ) ||
		( rc = mdb_dbi_open( txn, BT_DB_DUE, MDB_CREATE, &bi->bi_due ) ) ) {
		mdb_txn_abort( txn );
		goto fail;
	}
	rc = mdb_txn_commit( txn );
	if ( rc ) goto fail;
	bi->bi_open = 1;
	return 0;

fail:
	snprintf( cr->msg, sizeof( cr->msg ),
		"bitemporal: cannot open history tables in %s: %s",
		mdb->mi_dbenv_home, mdb_strerror( rc ) );
	Debug( LDAP_DEBUG_ANY, "%s\n", cr->msg );
	return 1;
}

void
bt_store_close( bt_info *bi )
{
	/* the DBI handles belong to back-mdb's environment, which back-mdb
	 * closes; nothing to release here */
	bi->bi_open = 0;
	bi->bi_env = NULL;
}
