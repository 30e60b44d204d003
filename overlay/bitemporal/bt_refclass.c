/* bt_refclass.c - the history's references keyed by the class of the
 * referring version (modir_bt_refclass).
 *
 * modir_bt_refs answers "every entity that ever named this unit in
 * moRefUnit"; for a unit that is every engagement it ever had and its few
 * manager posts, and an as-of read of one person that only needs the posts
 * of each unit up the chain would read every engagement to find them.  The
 * same pairs keyed also by the structural class of the referring version
 * (and each of its superclasses but top) answer "the posts that ever named
 * this unit" directly.  Written with modir_bt_refs (bt_row_put); built
 * from the versions when the store opens a database that has fewer of its
 * pairs than modir_bt_refs (one from before it, the import of an older
 * export): every pair of the one has at least one in the other.  This
 * file is the table's key, its writes and its reads; the store
 * (bt_store.c) calls them, at a version's write, at open and in
 * bt_refs_get_class, and nothing here calls the store.
 *
 *   modir_bt_refclass  target uuid(16) attribute name NUL class name
 *                        -> uuid(16)  (dupsort)
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"

#include "bitemporal.h"

/* LMDB's default maximum key size is 511 bytes: the names in a key are
 * cut (the same way when written and when looked up; a cut key can only
 * add candidates, which the caller checks against the version). */
#define BT_REFCLASS_NAME_MAX ( 480 - BT_UUID_LEN )

/* The key of modir_bt_refclass: target, attribute type name, NUL, class
 * name, cut as modir_bt_names keys are (a cut key only adds candidates).
 * The type's name, as in modir_bt_refs: a reference through moRefUnit;x-foo
 * is found by a lookup of moRefUnit. */
static size_t
refclass_key( unsigned char *kbuf, const char *target, AttributeDescription *ad,
	ObjectClass *oc )
{
	struct berval *an = &ad->ad_type->sat_cname;
	size_t len = an->bv_len + 1 + oc->soc_cname.bv_len;
	char *p = (char *)kbuf + BT_UUID_LEN;

	memcpy( kbuf, target, BT_UUID_LEN );
	memcpy( p, an->bv_val, an->bv_len < BT_REFCLASS_NAME_MAX ? an->bv_len : BT_REFCLASS_NAME_MAX );
	if ( an->bv_len < BT_REFCLASS_NAME_MAX ) {
		p[an->bv_len] = '\0';
		memcpy( p + an->bv_len + 1, oc->soc_cname.bv_val,
			len > BT_REFCLASS_NAME_MAX ? BT_REFCLASS_NAME_MAX - an->bv_len - 1 : oc->soc_cname.bv_len );
	}
	return BT_UUID_LEN + ( len > BT_REFCLASS_NAME_MAX ? BT_REFCLASS_NAME_MAX : len );
}

#define BT_CLASSES_MAX 16

/* The structural class of e and its superclasses but top: what
 * is_entry_objectclass() finds structural in e.  Returns how many. */
static int
entry_classes( Entry *e, ObjectClass **out )
{
	Attribute *a = attr_find( e->e_attrs, slap_schema.si_ad_structuralObjectClass );
	ObjectClass *sc = NULL;
	int n = 0, i, j, k;

	if ( a && a->a_numvals ) {
		sc = oc_bvfind( &a->a_vals[0] );
	} else if ( ( a = attr_find( e->e_attrs, slap_schema.si_ad_objectClass ) ) ) {
		const char *text;
		char tb[SLAP_TEXT_BUFLEN];
		structural_class( a->a_vals, &sc, NULL, &text, tb, sizeof( tb ), NULL );
	}
	if ( !sc ) return 0;
	out[n++] = sc;
	for ( i = 0; i < n; i++ ) {
		for ( j = 0; out[i]->soc_sups && out[i]->soc_sups[j]; j++ ) {
			ObjectClass *sup = out[i]->soc_sups[j];
			if ( sup == slap_schema.si_oc_top ) continue;
			for ( k = 0; k < n && out[k] != sup; k++ )
				;
			if ( k == n && n < BT_CLASSES_MAX ) out[n++] = sup;
		}
	}
	return n;
}

/* The references of e (entity u) keyed by its classes. */
int
bt_refclass_put( bt_info *bi, MDB_txn *txn, Entry *e, const bt_uuid *u )
{
	unsigned char kbuf[BT_UUID_LEN + BT_REFCLASS_NAME_MAX];
	ObjectClass *ocs[BT_CLASSES_MAX];
	Attribute *a;
	MDB_val key, val;
	unsigned i;
	int n = -1, j, rc, added;

	for ( a = e->e_attrs; a; a = a->a_next ) {
		if ( !bt_is_reference( a->a_desc ) ) continue;
		if ( n < 0 ) n = entry_classes( e, ocs );
		for ( i = 0; i < a->a_numvals; i++ ) {
			if ( a->a_nvals[i].bv_len != BT_UUID_LEN ) continue;
			for ( j = 0; j < n; j++ ) {
				key.mv_data = kbuf;
				key.mv_size = refclass_key( kbuf, a->a_nvals[i].bv_val, a->a_desc, ocs[j] );
				val.mv_data = (void *)u->u;
				val.mv_size = BT_UUID_LEN;
				rc = bt_put_once( txn, bi->bt_refclass, &key, &val, &added );
				if ( !rc && added ) bt_refs_touch( bi, txn, (bt_uuid *)a->a_nvals[i].bv_val );
				if ( rc ) return rc;
			}
		}
	}
	return 0;
}

/* The entities that ever referenced target through ad in a version of
 * class oc: every one whose structural class is oc or below it (the
 * index by class must be there: bt_refs_get_class). */
int
bt_refclass_get( bt_info *bi, MDB_txn *txn, const bt_uuid *target,
	AttributeDescription *ad, ObjectClass *oc, bt_uuid **uuids, int *n )
{
	unsigned char kbuf[BT_UUID_LEN + BT_REFCLASS_NAME_MAX];
	MDB_cursor *mc;
	MDB_val key, val;
	int rc, max = 0;

	*uuids = NULL;
	*n = 0;
	key.mv_data = kbuf;
	key.mv_size = refclass_key( kbuf, (const char *)target->u, ad, oc );
	rc = mdb_cursor_open( txn, bi->bt_refclass, &mc );
	if ( rc ) return rc;
	for ( rc = mdb_cursor_get( mc, &key, &val, MDB_SET ); rc == 0;
		rc = mdb_cursor_get( mc, &key, &val, MDB_NEXT_DUP ) ) {
		if ( val.mv_size != BT_UUID_LEN ) continue;
		if ( *n == max ) {
			max = max ? max * 2 : 4;
			*uuids = ch_realloc( *uuids, max * sizeof( bt_uuid ) );
		}
		memcpy( (*uuids)[(*n)++].u, val.mv_data, BT_UUID_LEN );
	}
	mdb_cursor_close( mc );
	return rc == MDB_NOTFOUND ? 0 : rc;
}
