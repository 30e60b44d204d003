/* bt_access.c - who may write and who may see a version: the bitemporal
 * overlay's paths decided by slapd's own ACL engine (slapo-bitemporal(5),
 * AUTHORISATION).
 *
 * back-mdb checks access only for what reaches the live DIT now.  A dated
 * write whose period does not cover now, a correction of the past, an
 * as-of read and a history listing never reach it, so the overlay asks
 * access_allowed() and acl_check_modlist() itself, for the requesting
 * identity, with today's rules, on the entries involved:
 *
 *   - a write is authorised at the time it is requested, exactly as the
 *     same change would be if it took effect now (back-mdb's checks: the
 *     entry, each value, the "children" of the old and new parent), on the
 *     live entry and on every version the write rewrites, each under the
 *     name it has at that time;
 *   - a write whose period starts before now rewrites what consumers have
 *     already acted on: it needs "manage" on the entry as well (by
 *     default; bitemporal-past-access write relaxes it);
 *   - a version is shown only to a reader who may see the entry both as it
 *     was (the version) and as it is now (its current version), so that a
 *     past version never shows what today's visibility hides.
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"

#include "bitemporal.h"

/* The entry of a version under the name it had at vt (as known now).
 * A copy: the caller frees it with entry_free(). */
int
bt_version_entry( bt_info *bi, MDB_txn *txn, bt_row *r, bt_time vt, Entry **ep )
{
	struct berval dn, ndn;
	Entry *e;
	int rc;

	*ep = NULL;
	if ( ( rc = bt_row_dn( bi, txn, r, vt, BT_KNOWN_NOW, &dn, &ndn ) ) ) return rc;
	if ( bt_row_entry( r, &e ) ) {
		ch_free( dn.bv_val );
		ch_free( ndn.bv_val );
		return MDB_CORRUPTED;
	}
	ch_free( e->e_name.bv_val );
	ch_free( e->e_nname.bv_val );
	e->e_name = dn;
	e->e_nname = ndn;
	*ep = e;
	return 0;
}

/* The entity as it is now: its version valid now, or, if it no longer
 * exists (or does not exist yet), its version that is valid last, as
 * known now.  MDB_NOTFOUND if it has none. */
int
bt_current_entry( bt_info *bi, MDB_txn *txn, const bt_uuid *u, bt_time now,
	Entry **ep )
{
	bt_rows rows = { 0 };
	bt_row r, *last = NULL;
	int i, rc;

	*ep = NULL;
	rc = bt_row_at( bi, txn, u, now, BT_KNOWN_NOW, &r );
	if ( rc == 0 ) {
		rc = bt_version_entry( bi, txn, &r, now, ep );
		bt_row_free( &r );
		return rc;
	}
	if ( rc != MDB_NOTFOUND ) return rc;
	if ( ( rc = bt_rows_all( bi, txn, u, &rows ) ) ) {
		bt_rows_free( &rows );
		return rc;
	}
	for ( i = 0; i < rows.n; i++ ) {
		if ( rows.r[i].superseded != BT_INFINITY ) continue;
		if ( !last || rows.r[i].valid.from > last->valid.from ) last = &rows.r[i];
	}
	rc = last ? bt_version_entry( bi, txn, last, last->valid.from, ep ) : MDB_NOTFOUND;
	bt_rows_free( &rows );
	return rc;
}

/* The entity u as it is now for today's rules: its live entry, which
 * holds what other overlays compute for it (slapo-oio's title, manager:
 * ACLs may name them), when the entity is live under the name its
 * current version has; else that version, rebuilt.  *live says which (the
 * live one is released with overlay_entry_release_ov, the other freed). */
int
bt_entry_now( Operation *op, bt_info *bi, MDB_txn *txn, const bt_uuid *u, Entry **ep,
	int *live )
{
	struct berval dn, ndn;
	Entry *e = NULL;
	bt_time now = slap_get_time();
	bt_uuid lu;
	bt_row r;
	int rc;

	*ep = NULL;
	*live = 0;
	rc = bt_row_at( bi, txn, u, now, BT_KNOWN_NOW, &r );
	/* none valid now: its latest current version (bt_current_entry) */
	if ( rc == MDB_NOTFOUND ) return bt_current_entry( bi, txn, u, now, ep );
	if ( rc ) return rc;
	/* live under its name now, found without decoding the version (its
	 * snapshot is needed only when it is not live: an activation due) */
	if ( ( rc = bt_row_dn( bi, txn, &r, now, BT_KNOWN_NOW, &dn, &ndn ) ) == 0 ) {
		if ( overlay_entry_get_ov( op, &ndn, NULL, NULL, 0, &e, bi->bt_on ) ==
				LDAP_SUCCESS && e ) {
			if ( bt_entry_uuid( e, &lu ) == 0 && memcmp( &lu, u, sizeof( lu ) ) == 0 ) {
				*ep = e;
				*live = 1;
			} else {
				overlay_entry_release_ov( op, e, 0, bi->bt_on );
			}
		}
		ch_free( dn.bv_val );
		ch_free( ndn.bv_val );
		if ( !*live ) rc = bt_version_entry( bi, txn, &r, now, ep );
	}
	bt_row_free( &r );
	return rc;
}

int
bt_may_see( Operation *op, bt_info *bi, MDB_txn *txn, Entry *version,
	slap_access_t level, int *may )
{
	bt_uuid u;
	Entry *now;
	int rc, live;

	*may = 0;
	if ( be_isroot( op ) ) {
		*may = 1;
		return 0;
	}
	if ( !access_allowed( op, version, slap_schema.si_ad_entry, NULL, level, NULL ) )
		return 0;
	/* without an entryUUID there is no "now" to compare with: the
	 * version's own rules decide */
	if ( bt_entry_uuid( version, &u ) ) {
		*may = 1;
		return 0;
	}
	rc = bt_entry_now( op, bi, txn, &u, &now, &live );
	/* an entity whose every registration was withdrawn (terminated from
	 * before it began) has no present for today's rules to allow: not
	 * shown, as before */
	if ( rc == MDB_NOTFOUND ) return 0;
	if ( rc ) return rc;
	*may = access_allowed( op, now, slap_schema.si_ad_entry, NULL, level, NULL );
	bt_entry_now_done( op, bi, now, live );
	return 0;
}

void
bt_entry_now_done( Operation *op, bt_info *bi, Entry *e, int live )
{
	if ( live ) overlay_entry_release_ov( op, e, 0, bi->bt_on );
	else entry_free( e );
}

/* Whether the requester may learn of a version by name (a refusal that
 * would name it, an overlay's text): "disclose" on it, under the name it
 * had at vt, and on its current version, as bt_may_see() decides for a
 * history listing.  A version that cannot be judged is not disclosed. */
int
bt_row_may_disclose( Operation *op, bt_info *bi, MDB_txn *txn, bt_row *r, bt_time vt,
	int *may )
{
	Entry *e;
	int rc;

	*may = 0;
	if ( be_isroot( op ) ) {
		*may = 1;
		return 0;
	}
	if ( ( rc = bt_version_entry( bi, txn, r, vt, &e ) ) ) return rc;
	rc = bt_may_see( op, bi, txn, e, ACL_DISCLOSE, may );
	entry_free( e );
	return rc;
}

/* moChangedAttributes names only attributes the reader may read in the
 * version shown: that a userPassword changed is itself a fact about it. */
void
bt_prune_changed( Operation *op, Entry *e )
{
	Attribute *a = attr_find( e->e_attrs, bt_ad_changedAttributes );
	unsigned i, j;

	if ( !a || be_isroot( op ) ) return;
	for ( i = 0, j = 0; i < a->a_numvals; i++ ) {
		AttributeDescription *ad = NULL;
		const char *text;
		if ( slap_bv2ad( &a->a_vals[i], &ad, &text ) == LDAP_SUCCESS &&
			access_allowed( op, e, ad, NULL, ACL_READ, NULL ) ) {
			if ( i != j ) {
				a->a_vals[j] = a->a_vals[i];
				if ( a->a_nvals != a->a_vals ) a->a_nvals[j] = a->a_nvals[i];
			}
			j++;
			continue;
		}
		ch_free( a->a_vals[i].bv_val );
		if ( a->a_nvals != a->a_vals ) ch_free( a->a_nvals[i].bv_val );
	}
	BER_BVZERO( &a->a_vals[j] );
	if ( a->a_nvals != a->a_vals ) BER_BVZERO( &a->a_nvals[j] );
	a->a_numvals = j;
	if ( j == 0 ) attr_delete( &e->e_attrs, bt_ad_changedAttributes );
}

/* ------------------------------------------------------------------ */
/* Writes */

static int
authz_refuse( bt_authz *az, const char *text )
{
	az->text = text;
	return LDAP_INSUFFICIENT_ACCESS;
}

int
bt_authz_entry( bt_authz *az, Entry *e, slap_access_t level, Modifications *ml )
{
	Operation *op = az->op;

	if ( be_isroot( op ) ) return LDAP_SUCCESS;
	if ( level != ACL_NONE &&
		!access_allowed( op, e, slap_schema.si_ad_entry, NULL, level, NULL ) )
		return authz_refuse( az, "no write access to entry" );
	if ( ml && !acl_check_modlist( op, e, ml ) )
		return authz_refuse( az, "no write access to attribute" );
	if ( az->P.from < az->now && az->bi->bt_past_access == ACL_MANAGE &&
		!access_allowed( op, e, slap_schema.si_ad_entry, NULL, ACL_MANAGE, NULL ) )
		return authz_refuse( az, "a change that starts before now corrects the past: "
			"it needs manage access to the entry" );
	return LDAP_SUCCESS;
}

int
bt_authz_children( bt_authz *az, Entry *parent, slap_access_t level )
{
	Operation *op = az->op;

	if ( be_isroot( op ) ) return LDAP_SUCCESS;
	if ( !parent )	/* a root entry: only the rootdn adds or removes it */
		return authz_refuse( az, "no write access to parent" );
	if ( !access_allowed( op, parent, slap_schema.si_ad_children, NULL, level, NULL ) )
		return authz_refuse( az, level == ACL_WADD ?
			"no write access to parent's children (add)" :
			level == ACL_WDEL ? "no write access to parent's children (delete)" :
			"no write access to parent's children" );
	return LDAP_SUCCESS;
}
