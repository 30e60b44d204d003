/* bt_index.c - what the history's index tables are written with.
 * modir_bt_names, modir_bt_refs and modir_bt_refclass each keep uuids
 * under a key (dupsort); a pair goes in once (bt_put_once), and what the
 * reference indexes hold are the values of the attributes that are
 * references (bt_is_reference).
 *
 * Below the store (bt_store.c) and the index by class (bt_refclass.c),
 * which both write with them: neither calls the other for them.
 */
#include "portable.h"

#include "slap.h"

#include "bitemporal.h"

/* Adds key/val to a dupsort table unless it is there already; *added
 * (if not NULL) says which.  Looking first matters: a put of an existing
 * pair still dirties the pages on its path, and nearly every write
 * repeats the names and references its entry already had. */
int
bt_put_once( MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *val, int *added )
{
	MDB_cursor *mc;
	MDB_val k = *key, v = *val;
	int rc;

	if ( added ) *added = 0;
	rc = mdb_cursor_open( txn, dbi, &mc );
	if ( rc ) return rc;
	rc = mdb_cursor_get( mc, &k, &v, MDB_GET_BOTH );
	mdb_cursor_close( mc );
	if ( rc == 0 ) return 0;
	if ( rc != MDB_NOTFOUND ) return rc;
	rc = mdb_put( txn, dbi, key, val, MDB_NODUPDATA );
	if ( rc == 0 && added ) *added = 1;
	return rc == MDB_KEYEXIST ? 0 : rc;
}

/* A reference is a value of a UUID-syntax attribute (moRefPerson, ...),
 * entryUUID (the entry's own) excepted. */
int
bt_is_reference( AttributeDescription *ad )
{
	static const struct berval uuid_syntax = BER_BVC( "1.3.6.1.1.16.1" );

	return ad != slap_schema.si_ad_entryUUID && ad->ad_type->sat_syntax &&
		bvmatch( &ad->ad_type->sat_syntax->ssyn_bvoid, &uuid_syntax );
}
