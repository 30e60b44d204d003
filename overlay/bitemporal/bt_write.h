/* bt_write.h - the state of one write, shared by the write path
 * (bt_write.c: transaction, result, live change) and version rewriting
 * (bt_versions.c).  Internal to overlay/bitemporal/.
 *
 * Convention: the functions below return an LDAP result code (0 is
 * success) and leave it, with a text for the client, in w->err and
 * w->text.
 */
#ifndef BT_WRITE_H
#define BT_WRITE_H

typedef struct bt_write {
	Operation *op;
	slap_overinst *on;
	bt_info *bi;
	bt_time now;
	bt_period P;
	int dated;

	MDB_txn *txn;
	OpExtra *oex;
	int own_txn;
	int ads_mark;		/* back-mdb's attribute table when it began */

	bt_uuid uuid;
	int live;			/* the entry is in the live DIT now */
	struct berval live_dn, live_ndn;	/* its live name, when the request named
										 * it by a name it had at another time */
	int live_change;	/* the change must reach the live DIT now */
	int untracked;		/* no history: the operation passes through */
	int foreign_txn;	/* the transaction is an LDAP transaction's */
	bt_time due[2];
	int ndue;

	/* modrdn: where the renamed versions go */
	bt_uuid *rename_parent;
	struct berval *rename_dn, *rename_ndn;

	bt_authz az;		/* what the requester may do (bt_access.c) */

	int err;
	const char *text;
	char textbuf[SLAP_TEXT_BUFLEN];
} bt_write;

#define FAIL( w, code, msg ) do { (w)->err = (code); (w)->text = (msg); return (code); } while ( 0 )

/* The versions a write registers, in w->txn (bt_versions.c).  Each
 * resolves the entity the request names (w->uuid, w->live*), checks the
 * requester's rights and the history's rules over the period w->P, and
 * records the due instants in w->due. */
int bt_version_add( bt_write *w );
int bt_version_modify( bt_write *w );
int bt_version_delete( bt_write *w );
int bt_version_modrdn( bt_write *w );

#endif /* BT_WRITE_H */
