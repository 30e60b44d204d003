/* oio_cascade.c - terminating a person: every function that refers to
 * them ends at the same date, future ones included, and what those
 * functions own; with oio-terminated-managers vacate, manager posts stay
 * and lose their person instead.
 *
 * All of it is written in the person's delete's own transaction, once the
 * delete has succeeded there and before it is committed (a bt_consequence,
 * oio.c): the person's termination and the end of every function are
 * committed together or not at all.  A function that cannot be ended
 * refuses the termination, naming it and why; nothing is changed.  Before,
 * the cascade ran after the delete was committed and acknowledged, and a
 * function it could not end kept naming a person who was gone.
 *
 * The functions are ended by writes below this overlay (oio_below.c), so
 * the bitemporal overlay records them, as cn=oio,cn=modir; the rules of
 * oio_integrity.c do not run on them: the cascade is the model's.  A
 * refusal names only what the requester may see (bitemporal_api.h,
 * bt_row_may_disclose).
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"
#include "lutil.h"

#include "oio.h"

typedef struct doomed {
	bt_uuid uuid;
	struct berval dn;
	int manager;
	int hidden;		/* the requester may not see it: a refusal never names it */
} doomed;

typedef struct doomed_list {
	doomed *d;
	int n;
} doomed_list;

static int
is_doomed( doomed_list *l, const bt_uuid *u )
{
	int j;

	for ( j = 0; j < l->n; j++ )
		if ( memcmp( &l->d[j].uuid, u, sizeof( bt_uuid ) ) == 0 ) return 1;
	return 0;
}

/* One function: if one of its versions from the termination on names
 * owner (the person, or a function that ends with them) by via, it is
 * doomed, under the DN it has when that version (or the termination)
 * begins. */
static int
doom_if_referring( Operation *op, bt_info *bi, MDB_txn *txn, const bt_uuid *u,
	AttributeDescription *via, const bt_uuid *owner, bt_period after, doomed_list *l )
{
	bt_rows rows = { 0 };
	int j, rc;

	if ( ( rc = bt_rows_current( bi, txn, u, after, &rows ) ) ) goto out;
	for ( j = 0; j < rows.n; j++ ) {
		Entry *e;
		Attribute *a;
		struct berval ndn;
		bt_time t;
		doomed *d;
		if ( bt_row_entry( &rows.r[j], &e ) ) {
			rc = MDB_CORRUPTED;
			break;
		}
		a = attr_find( e->e_attrs, via );
		if ( !a || a->a_nvals[0].bv_len != BT_UUID_LEN ||
			memcmp( a->a_nvals[0].bv_val, owner->u, BT_UUID_LEN ) != 0 ) {
			entry_free( e );
			continue;
		}
		l->d = ch_realloc( l->d, ( l->n + 1 ) * sizeof( doomed ) );
		d = &l->d[l->n];
		d->uuid = *u;
		d->manager = is_entry_objectclass( e, oio_ad.ocManager, 0 );
		t = rows.r[j].valid.from > after.from ? rows.r[j].valid.from : after.from;
		if ( bt_row_may_disclose( op, bi, txn, &rows.r[j], t, &d->hidden ) == 0 )
			d->hidden = !d->hidden;
		else
			d->hidden = 1;
		if ( ( rc = bt_row_dn( bi, txn, &rows.r[j], t, BT_KNOWN_NOW, &d->dn, &ndn ) ) == 0 ) {
			ch_free( ndn.bv_val );
			l->n++;
		}
		entry_free( e );
		break;
	}
out:
	bt_rows_free( &rows );
	return rc;
}

/* The functions that name owner by via from the termination on join the
 * doomed list. */
static int
doom_referrers( Operation *op, oio_info *oi, MDB_txn *txn, const bt_uuid *owner,
	AttributeDescription *via, bt_period after, doomed_list *l )
{
	bt_uuid *refs = NULL;
	int i, n = 0, rc;

	rc = bt_refs_get( oi->oi_bt, txn, owner, via, &refs, &n );
	for ( i = 0; i < n && !rc; i++ ) {
		if ( is_doomed( l, &refs[i] ) || memcmp( &refs[i], owner, sizeof( *owner ) ) == 0 )
			continue;
		rc = doom_if_referring( op, oi->oi_bt, txn, &refs[i], via, owner, after, l );
	}
	ch_free( refs );
	return rc;
}

/* Every function that names the person (as its person or its owner) in a
 * version from the termination on, and what those functions own in turn
 * (an address of an engagement: it would name a function that is gone),
 * read in the delete's transaction (what will be committed with it).
 * The list is walked as it grows; each entity joins it once, so an owner
 * cycle ends.  Returns an LMDB code: a function that cannot be read may
 * be one that must end, so the termination is refused rather than done
 * in part. */
static int
find_doomed( Operation *op, oio_info *oi, const bt_uuid *person, bt_period after,
	doomed_list *l )
{
	bt_reader rd;
	int k, rc;

	if ( ( rc = bt_read_begin( oi->oi_bt, op, &rd ) ) ) return rc;
	rc = doom_referrers( op, oi, rd.txn, person, oio_ad.refPerson, after, l );
	if ( !rc ) rc = doom_referrers( op, oi, rd.txn, person, oio_ad.refOwner, after, l );
	for ( k = 0; k < l->n && !rc; k++ ) {
		bt_uuid owner = l->d[k].uuid;	/* l->d moves as the list grows */
		rc = doom_referrers( op, oi, rd.txn, &owner, oio_ad.refOwner, after, l );
	}
	bt_read_end( &rd );
	return rc;
}

/* A manager post left vacant: the person reference removed from the
 * termination on. */
static int
vacate_post( oio_writer *w, Operation *op2 )
{
	Modifications *m = ch_calloc( 1, sizeof( *m ) );
	const char *text;
	char tb[SLAP_TEXT_BUFLEN];
	int rc;

	m->sml_op = LDAP_MOD_DELETE;
	m->sml_flags = SLAP_MOD_INTERNAL;
	m->sml_desc = oio_ad.refPerson;
	m->sml_type = m->sml_desc->ad_cname;
	op2->o_tag = LDAP_REQ_MODIFY;
	memset( &op2->oq_modify, 0, sizeof( op2->oq_modify ) );
	op2->orm_modlist = m;
	rc = slap_mods_check( op2, m, &text, tb, sizeof( tb ), NULL );
	if ( rc == LDAP_SUCCESS ) {
		slap_mods_opattrs( op2, &op2->orm_modlist, 1 );
		rc = oio_run_below( w, op2, op_modify );
	}
	slap_mods_free( op2->orm_modlist, 1 );
	return rc;
}

/* The text of the refusal of a write below us, for the termination's. */
typedef struct why_ctx {
	char buf[SLAP_TEXT_BUFLEN];
} why_ctx;

static int
why_response( Operation *op, SlapReply *rs )
{
	why_ctx *y = op->o_callback->sc_private;

	if ( rs->sr_type == REP_RESULT && rs->sr_err != LDAP_SUCCESS )
		snprintf( y->buf, sizeof( y->buf ), "%s",
			rs->sr_text && *rs->sr_text ? rs->sr_text : ldap_err2string( rs->sr_err ) );
	return 0;
}

/* Ends one doomed function with a dated delete from the termination on,
 * or vacates it (a manager post, by policy); below this overlay, so the
 * bitemporal overlay records it, in w->txn (the person's delete's).  Its
 * normalised DN joins touched.  Returns the write's LDAP result; why
 * says what refused it. */
static int
end_function( oio_writer *w, doomed *d, bt_validity *validity, BerVarray *touched,
	why_ctx *why )
{
	Operation op2;
	BackendDB db;
	slap_callback cb;
	void *ctrls[SLAP_MAX_CIDS];
	struct berval ndn;
	int rc;

	if ( dnNormalize( 0, NULL, NULL, &d->dn, &ndn, NULL ) ) {
		snprintf( why->buf, sizeof( why->buf ), "its name cannot be normalized" );
		return LDAP_OTHER;
	}
	oio_op_below( w, &op2, &db, &cb, ctrls );
	cb.sc_response = why_response;
	cb.sc_private = why;
	op2.o_req_dn = d->dn;
	op2.o_req_ndn = ndn;
	bt_op_set_validity( &op2, validity );
	if ( d->manager && w->oi->oi_manager_policy == OIO_VACATE_MANAGERS ) {
		rc = vacate_post( w, &op2 );
	} else {
		op2.o_tag = LDAP_REQ_DELETE;
		rc = oio_run_below( w, &op2, op_delete );
	}
	if ( rc != LDAP_SUCCESS ) {
		ch_free( ndn.bv_val );
		return rc;
	}
	ber_bvarray_add( touched, &ndn );
	return rc;
}

/* The refusal of a termination: a function could not end (rc, why), or
 * (d NULL) the functions could not be read (why). */
static int
refuse_termination( Operation *op, bt_time from, doomed *d, int rc, const char *why,
	char *text, size_t len )
{
	char fs[BT_TIME_BUFSZ];

	bt_time_format( from, fs );
	if ( !d ) {
		snprintf( text, len, "oio: cannot terminate %s from %s: the functions that "
			"end with them cannot all be read (%s); nothing was changed",
			op->o_req_dn.bv_val, fs, why );
		return LDAP_OTHER;
	}
	if ( d->hidden )	/* neither it nor what keeps it (why names that) */
		snprintf( text, len, "oio: cannot terminate %s from %s: a function of theirs "
			"that you may not see cannot be %s; nothing was changed", op->o_req_dn.bv_val,
			fs, d->manager ? "ended or left vacant" : "ended" );
	else
		snprintf( text, len, "oio: cannot terminate %s from %s: their function %s cannot be "
			"%s: %s (%d); nothing was changed", op->o_req_dn.bv_val, fs, d->dn.bv_val,
			d->manager ? "ended or left vacant" : "ended", why, rc );
	/* a function the rules keep alive is a constraint on the termination;
	 * a store that failed is no rule */
	switch ( rc ) {
	case LDAP_OTHER: case LDAP_BUSY: case LDAP_UNAVAILABLE:
	case LDAP_ADMINLIMIT_EXCEEDED:
		return LDAP_OTHER;
	}
	return LDAP_CONSTRAINT_VIOLATION;
}

int
oio_cascade( Operation *op, oio_info *oi, slap_overinst *on, const bt_uuid *person,
	bt_time from, OpExtra *txn, BerVarray *touched, char *text, size_t len )
{
	oio_writer w = { op, on, oi, txn };
	bt_period after = { from, BT_INFINITY };
	doomed_list l = { NULL, 0 };
	bt_validity validity;
	why_ctx why;
	int i, rc;

	rc = find_doomed( op, oi, person, after, &l );
	if ( rc ) {
		Debug( LDAP_DEBUG_ANY, "oio: the functions of \"%s\" cannot all be read (%s): "
			"its termination is refused\n", op->o_req_dn.bv_val, mdb_strerror( rc ) );
		rc = refuse_termination( op, from, NULL, rc, mdb_strerror( rc ), text, len );
	}
	memset( &validity, 0, sizeof( validity ) );
	validity.period = after;
	validity.has_from = 1;
	for ( i = 0; i < l.n && rc == LDAP_SUCCESS; i++ ) {
		why.buf[0] = '\0';
		rc = end_function( &w, &l.d[i], &validity, touched, &why );
		if ( rc != LDAP_SUCCESS ) {
			Debug( LDAP_DEBUG_ANY, "oio: ending \"%s\" with its person \"%s\" failed: %s (%d): "
				"the termination is refused\n", l.d[i].dn.bv_val, op->o_req_dn.bv_val,
				why.buf, rc );
			rc = refuse_termination( op, from, &l.d[i], rc, why.buf, text, len );
		}
	}
	for ( i = 0; i < l.n; i++ ) ch_free( l.d[i].dn.bv_val );
	ch_free( l.d );
	return rc;
}
