/* bt_write.c - the write path: add, modify, delete and modrdn, dated or
 * not, become new versions in the history; the live DIT changes only
 * where a change covers now.
 *
 * Atomicity: the overlay opens back-mdb's write transaction itself
 * (bi_op_txn, as RFC 5805 transactions do), writes the history rows in it,
 * lets the rest of the stack and back-mdb apply the live change inside the
 * same transaction, and commits once.  The client's result is held back
 * until that commit, so no acknowledged write is ever missing from the
 * history and a crash at any moment leaves both or neither.
 *
 * The bitemporal overlay must therefore be the lowest overlay of its
 * database (configured first): the result capture relies on nothing below
 * it keeping state in the callback chain.
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"

#include "modir.h"
#include "bitemporal.h"

int bt_activation_key;
int bt_actor_key;		/* an overlay's own write, recorded under its name */
int bt_resolved_key;	/* the live name a write reached (bt_resolved) */
int bt_consequence_key;	/* what a write entails, in its transaction (bt_consequence) */

/* What bt_activate.c hangs on its internal operations: the projection of
 * this entity onto the live DIT, serving its activations due up to upto. */
typedef struct bt_activation {
	OpExtra oe;
	bt_uuid uuid;
	bt_time upto;
} bt_activation;

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

/* ------------------------------------------------------------------ */
/* back-mdb's transaction, shared with the operation */

static int
txn_begin( bt_write *w )
{
	Operation *op = w->op;
	BackendInfo *orig = w->on->on_info->oi_orig;

	if ( ( w->txn = bt_txn_published( w->bi->bt_mdb, op ) ) ) {
		/* someone else commits it, and our rows with it */
		w->own_txn = 0;
		return 0;
	}
	w->oex = NULL;
	if ( !orig->bi_op_txn || orig->bi_op_txn( op, SLAP_TXN_BEGIN, &w->oex ) ) {
		FAIL( w, LDAP_OTHER, "bitemporal: cannot begin a transaction" );
	}
	w->txn = bt_txn_of( w->oex );
	w->own_txn = 1;
	w->ads_mark = bt_ads_mark( w->bi->bt_mdb );	/* with the writer lock */
	return 0;
}

static int
txn_end( bt_write *w, int commit )
{
	BackendInfo *orig = w->on->on_info->oi_orig;
	int rc, high;

	if ( !w->own_txn || !w->oex ) return 0;
	LDAP_SLIST_REMOVE( &w->op->o_extra, w->oex, OpExtra, oe_next );
	/* what back-mdb registered in it goes with it (bt_backmdb.c) */
	high = bt_ads_mark( w->bi->bt_mdb );
	if ( !commit ) bt_ads_unwind( w->bi->bt_mdb, w->ads_mark, high );
	rc = orig->bi_op_txn( w->op, commit ? SLAP_TXN_COMMIT : SLAP_TXN_ABORT, &w->oex );
	if ( commit && rc ) bt_ads_unwind( w->bi->bt_mdb, w->ads_mark, high );
	w->oex = NULL;
	if ( rc )
		Debug( LDAP_DEBUG_ANY, "bitemporal: %s of \"%s\" failed: %s (%d)\n",
			commit ? "commit" : "abort", w->op->o_req_dn.bv_val, mdb_strerror( rc ), rc );
	return rc;
}

/* ------------------------------------------------------------------ */
/* Passing the operation down while holding its result back */

typedef struct bt_capture {
	int done;
	int err;
	char *matched;
	char *text;
	LDAPControl **ctrls;
} bt_capture;

static int
capture_response( Operation *op, SlapReply *rs )
{
	bt_capture *c = op->o_callback->sc_private;

	if ( rs->sr_type != REP_RESULT ) return SLAP_CB_CONTINUE;
	c->done = 1;
	c->err = rs->sr_err;
	if ( rs->sr_matched ) c->matched = ch_strdup( rs->sr_matched );
	if ( rs->sr_text ) c->text = ch_strdup( rs->sr_text );
	if ( rs->sr_ctrls ) c->ctrls = ldap_controls_dup( rs->sr_ctrls );
	/* not CONTINUE: the result reaches nobody until we have committed */
	return LDAP_SUCCESS;
}

static void
pass_down( bt_write *w, SlapReply *rs, slap_operation_t which, bt_capture *cap )
{
	Operation *op = w->op;
	slap_callback cb = { 0 };
	slap_callback *saved = op->o_callback;
	int rc;

	cb.sc_response = capture_response;
	cb.sc_private = cap;
	op->o_callback = &cb;	/* alone: nothing above sees the held result */
	rc = overlay_op_walk( op, rs, which, w->on->on_info, w->on->on_next );
	op->o_callback = saved;
	op->o_bd->bd_info = (BackendInfo *)w->on;
	if ( !cap->done ) {
		cap->done = 1;
		cap->err = ( rc == SLAP_CB_CONTINUE || rc == LDAP_SUCCESS ) ? LDAP_OTHER : rc;
	}
	if ( cap->err == LDAP_OTHER && cap->text &&
		strcmp( cap->text, "commit failed" ) == 0 ) {
		/* back-mdb 2.5 (delete, modify) tests a stale rs->sr_err after
		 * skipping its commit when the transaction is not its own: e.g.
		 * MDB_NOTFOUND left by the "is the parent now a leaf" probe of a
		 * delete that leaves its parent without children.  It committed
		 * nothing, so this text can only come from that test; the change
		 * itself is complete in the transaction.  That holds for every
		 * transaction published on the operation, whoever owns it: ours,
		 * a group's, an LDAP transaction's (RFC 5805), or the one a write
		 * entails its consequences in (bt_consequence).  Before, only ours
		 * and a group's were spared: an LDAP transaction deleting a
		 * parent's last child was aborted with "commit failed", and so was
		 * a termination whose cascade did. */
		cap->err = LDAP_SUCCESS;
		ch_free( cap->text );
		cap->text = NULL;
	}
}

static void
send_result( bt_write *w, SlapReply *rs, int err, const char *text,
	bt_capture *cap )
{
	Operation *op = w->op;

	rs->sr_err = err;
	rs->sr_text = text;
	rs->sr_matched = cap ? cap->matched : NULL;
	rs->sr_ctrls = cap ? cap->ctrls : NULL;
	rs->sr_ref = NULL;
	rs->sr_flags = 0;
	op->o_bd->bd_info = (BackendInfo *)w->on->on_info;
	send_ldap_result( op, rs );
	op->o_bd->bd_info = (BackendInfo *)w->on;
	rs->sr_matched = NULL;
	rs->sr_text = NULL;
	rs->sr_ctrls = NULL;
}

static void
capture_free( bt_capture *cap )
{
	ch_free( cap->matched );
	ch_free( cap->text );
	if ( cap->ctrls ) ldap_controls_free( cap->ctrls );
}

/* ------------------------------------------------------------------ */
static void
row_init( bt_write *w, bt_row *r, bt_opkind kind, bt_period valid, bt_uuid *parent )
{
	memset( r, 0, sizeof( *r ) );
	r->uuid = w->uuid;
	r->valid = valid;
	r->recorded = w->now;
	r->superseded = BT_INFINITY;
	r->op = kind;
	if ( parent ) r->parent = *parent;
	r->actor = w->op->o_ndn;
	{
		/* an overlay's own write: recorded under its name */
		OpExtra *oex;
		LDAP_SLIST_FOREACH( oex, &w->op->o_extra, oe_next ) {
			if ( oex->oe_key == &bt_actor_key ) {
				r->actor = ((bt_actor *)oex)->ndn;
				break;
			}
		}
	}
}

static int
live_get( bt_write *w, struct berval *ndn, Entry **e )
{
	*e = NULL;
	return overlay_entry_get_ov( w->op, ndn, NULL, NULL, 0, e, w->on ) == LDAP_SUCCESS && *e ? 0 : -1;
}

static void
live_release( bt_write *w, Entry *e )
{
	if ( e ) overlay_entry_release_ov( w->op, e, 0, w->on );
}

static bt_time
attr_time( Entry *e, AttributeDescription *ad, bt_time dflt )
{
	Attribute *a = ad ? attr_find( e->e_attrs, ad ) : NULL;
	bt_time t;

	if ( a && bt_time_parse( a->a_vals[0].bv_val, a->a_vals[0].bv_len, &t ) == 0 )
		return t;
	return dflt;
}

/* Gives a live entry that has no history yet (it was there before the
 * overlay, or came in through slapadd) its baseline version: valid since
 * its moValidFrom (set by an import) or its creation, known since its
 * creation.  Parents first, so names resolve. */
int
bt_ensure_history( bt_info *bi, MDB_txn *txn, Operation *op, slap_overinst *on,
	Entry *e, bt_uuid *u, bt_time now )
{
	bt_uuid parent;
	bt_row r;
	int rc, has;

	memset( &parent, 0, sizeof( parent ) );
	rc = bt_has_rows( bi, txn, u, &has );
	if ( rc || has ) return rc;

	if ( !be_issuffix( op->o_bd, &e->e_nname ) ) {
		struct berval pdn;
		Entry *p = NULL;

		dnParent( &e->e_nname, &pdn );
		if ( overlay_entry_get_ov( op, &pdn, NULL, NULL, 0, &p, on ) == LDAP_SUCCESS && p ) {
			if ( bt_is_tracked( bi, p ) && bt_entry_uuid( p, &parent ) == 0 ) {
				rc = bt_ensure_history( bi, txn, op, on, p, &parent, now );
				if ( rc ) {
					overlay_entry_release_ov( op, p, 0, on );
					return rc;
				}
			} else {
				memset( &parent, 0, sizeof( parent ) );
			}
			overlay_entry_release_ov( op, p, 0, on );
		}
	}

	memset( &r, 0, sizeof( r ) );
	r.uuid = *u;
	r.recorded = attr_time( e, slap_schema.si_ad_createTimestamp, now );
	if ( r.recorded > now ) r.recorded = now;
	r.valid.from = attr_time( e, bt_ad_validFrom,
		attr_time( e, slap_schema.si_ad_createTimestamp, BT_NEG_INFINITY ) );
	r.valid.to = attr_time( e, bt_ad_validTo, BT_INFINITY );
	if ( !bt_period_is_valid( r.valid ) ) r.valid.to = BT_INFINITY;
	r.superseded = BT_INFINITY;
	r.op = BT_OP_BASELINE;
	r.parent = parent;
	{
		Attribute *a = attr_find( e->e_attrs, slap_schema.si_ad_creatorsName );
		if ( a ) r.actor = a->a_nvals[0];
	}
	{
		/* the validity attributes are shown, never stored */
		Entry *copy = entry_dup( e );
		attr_delete( &copy->e_attrs, bt_ad_validFrom );
		attr_delete( &copy->e_attrs, bt_ad_validTo );
		rc = bt_row_put( bi, txn, &r, copy );
		entry_free( copy );
	}
	return rc;
}

/* The parent a new name hangs under at instant t: its entryUUID if it is
 * tracked, all-zero for a root (the suffix, or under an untracked entry). */
/* The parent a new name hangs under, which must exist during the whole
 * period P: an entry never outlives its parent. */
static int parent_at( bt_write *w, struct berval *ndn, bt_time t, bt_uuid *parent );

static int
parent_during( bt_write *w, struct berval *ndn, bt_period P, bt_uuid *parent )
{
	bt_rows rows = { 0 };
	bt_time t = P.from;
	int i, progress = 1;

	if ( parent_at( w, ndn, P.from, parent ) ) return w->err;
	if ( bt_uuid_is_zero( parent ) ) return 0;
	if ( bt_rows_current( w->bi, w->txn, parent, P, &rows ) ) {
		bt_rows_free( &rows );
		FAIL( w, LDAP_OTHER, "bitemporal: cannot read history" );
	}
	while ( progress && t < P.to ) {
		progress = 0;
		for ( i = 0; i < rows.n; i++ ) {
			if ( bt_period_contains( rows.r[i].valid, t ) ) {
				t = rows.r[i].valid.to;
				progress = 1;
			}
		}
	}
	bt_rows_free( &rows );
	if ( t < P.to ) {
		char tb[BT_TIME_BUFSZ];
		bt_time_format( t, tb );
		snprintf( w->textbuf, sizeof( w->textbuf ),
			"the parent entry does not exist from %s on, while the entry would", tb );
		FAIL( w, LDAP_CONSTRAINT_VIOLATION, w->textbuf );
	}
	return 0;
}

static int
parent_at( bt_write *w, struct berval *ndn, bt_time t, bt_uuid *parent )
{
	struct berval pdn;
	Entry *p;
	int rc;

	memset( parent, 0, sizeof( *parent ) );
	if ( be_issuffix( w->op->o_bd, ndn ) ) return 0;
	dnParent( ndn, &pdn );
	if ( live_get( w, &pdn, &p ) == 0 ) {
		if ( !bt_is_tracked( w->bi, p ) || bt_entry_uuid( p, parent ) ) {
			live_release( w, p );
			memset( parent, 0, sizeof( *parent ) );
			return 0;
		}
		rc = bt_ensure_history( w->bi, w->txn, w->op, w->on, p, parent, w->now );
		live_release( w, p );
		if ( rc ) FAIL( w, LDAP_OTHER, "bitemporal: cannot record the parent's history" );
		/* live now; was it there at t too? */
		{
			bt_row r;
			rc = bt_row_at( w->bi, w->txn, parent, t, BT_KNOWN_NOW, &r );
			if ( rc == 0 ) bt_row_free( &r );
		}
	} else {
		rc = bt_resolve( w->bi, w->txn, &pdn, t, BT_KNOWN_NOW, parent, NULL );
	}
	if ( rc == 0 ) return 0;
	/* a parent whose history cannot be read is not an absent one */
	if ( rc != MDB_NOTFOUND )
		FAIL( w, LDAP_OTHER, "bitemporal: cannot read the parent entry's history" );
	{
		char tb[BT_TIME_BUFSZ];
		bt_time_format( t, tb );
		snprintf( w->textbuf, sizeof( w->textbuf ),
			"parent entry does not exist at %s", tb );
	}
	FAIL( w, LDAP_NO_SUCH_OBJECT, w->textbuf );
}

/* Finds the entity a modify/delete/modrdn names: the live entry if there
 * is one, else the entry that had that DN during the period.  A live
 * entry the overlay does not track sets w->untracked (the caller stops
 * and the operation passes through). */
static int
load_target( bt_write *w, Entry **livep )
{
	Operation *op = w->op;
	Entry *e;
	int rc;

	*livep = NULL;
	if ( live_get( w, &op->o_req_ndn, &e ) == 0 ) {
		if ( !bt_is_tracked( w->bi, e ) ) {
			/* not ours: no refusal, the operation passes through */
			live_release( w, e );
			w->untracked = 1;
			return LDAP_SUCCESS;
		}
		if ( bt_entry_uuid( e, &w->uuid ) ) {
			live_release( w, e );
			FAIL( w, LDAP_OTHER, "bitemporal: live entry has no entryUUID" );
		}
		if ( bt_ensure_history( w->bi, w->txn, op, w->on, e, &w->uuid, w->now ) ) {
			live_release( w, e );
			FAIL( w, LDAP_OTHER, "bitemporal: cannot record the entry's history" );
		}
		w->live = 1;
		*livep = e;
		return 0;
	}
	rc = bt_resolve_any( w->bi, w->txn, &op->o_req_ndn, w->P, &w->uuid );
	if ( rc == 0 ) {
		/* named by a name it had at another time: it may still be live
		 * under its present name, which a live change must then use */
		bt_row r;
		rc = bt_row_at( w->bi, w->txn, &w->uuid, w->now, BT_KNOWN_NOW, &r );
		if ( rc != 0 && rc != MDB_NOTFOUND )
			FAIL( w, LDAP_OTHER, "bitemporal: cannot read the entry's history" );
		if ( rc == 0 ) {
			struct berval dn, ndn;
			rc = bt_row_dn( w->bi, w->txn, &r, w->now, BT_KNOWN_NOW, &dn, &ndn );
			if ( rc ) {
				bt_row_free( &r );
				FAIL( w, LDAP_OTHER, "bitemporal: cannot read the entry's history" );
			}
			if ( live_get( w, &ndn, &e ) == 0 ) {
				bt_uuid lu;
				if ( bt_entry_uuid( e, &lu ) == 0 &&
					memcmp( &lu, &w->uuid, sizeof( lu ) ) == 0 ) {
					w->live = 1;
					w->live_dn = dn;
					w->live_ndn = ndn;
					BER_BVZERO( &dn );
					BER_BVZERO( &ndn );
				}
				live_release( w, e );
			}
			ch_free( dn.bv_val );
			ch_free( ndn.bv_val );
			bt_row_free( &r );
		}
		return 0;
	}
	/* an entry whose history cannot be read is not an absent one */
	if ( rc != MDB_NOTFOUND )
		FAIL( w, LDAP_OTHER, "bitemporal: cannot read the history of the entries named so" );
	FAIL( w, LDAP_NO_SUCH_OBJECT, w->dated ?
		"no such entry during the given period" : NULL );
}

/* A version that does not fit the history (an actor or changed-attribute
 * list over 64 KiB, a snapshot over 64 MiB) is refused, never cut. */
static int
history_put_failed( bt_write *w, int rc )
{
	if ( rc == MDB_BAD_VALSIZE )
		FAIL( w, LDAP_ADMINLIMIT_EXCEEDED, "bitemporal: the version exceeds the history's "
			"limits (writer's DN or list of changed attributes over 64 KiB, entry over 64 MiB)" );
	FAIL( w, LDAP_OTHER, "bitemporal: cannot write history" );
}

static void
want_due( bt_write *w, bt_time t )
{
	if ( t > w->now && t != BT_INFINITY && w->ndue < 2 ) w->due[w->ndue++] = t;
}

/* Applies a modify (or the attribute side of a modrdn) to one snapshot,
 * with the functions back-mdb itself uses. */
static int
apply_mods( bt_write *w, Entry *e, Modifications *ml )
{
	Operation *op = w->op;
	int permissive = get_permissiveModify( op );
	Modifications *m;
	int rc = LDAP_SUCCESS;

	for ( m = ml; m && rc == LDAP_SUCCESS; m = m->sml_next ) {
		Modification *mod = &m->sml_mod;
		switch ( mod->sm_op ) {
		case LDAP_MOD_ADD:
			rc = modify_add_values( e, mod, permissive, &w->text, w->textbuf, sizeof( w->textbuf ) );
			break;
		case LDAP_MOD_DELETE:
			rc = modify_delete_values( e, mod, permissive, &w->text, w->textbuf, sizeof( w->textbuf ) );
			break;
		case LDAP_MOD_REPLACE:
			rc = modify_replace_values( e, mod, permissive, &w->text, w->textbuf, sizeof( w->textbuf ) );
			break;
		case LDAP_MOD_INCREMENT:
			rc = modify_increment_values( e, mod, permissive, &w->text, w->textbuf, sizeof( w->textbuf ) );
			break;
		case SLAP_MOD_SOFTADD:
			mod->sm_op = LDAP_MOD_ADD;
			rc = modify_add_values( e, mod, 1, &w->text, w->textbuf, sizeof( w->textbuf ) );
			mod->sm_op = SLAP_MOD_SOFTADD;
			if ( rc == LDAP_TYPE_OR_VALUE_EXISTS ) rc = LDAP_SUCCESS;
			break;
		case SLAP_MOD_SOFTDEL:
			mod->sm_op = LDAP_MOD_DELETE;
			rc = modify_delete_values( e, mod, 1, &w->text, w->textbuf, sizeof( w->textbuf ) );
			mod->sm_op = SLAP_MOD_SOFTDEL;
			if ( rc == LDAP_NO_SUCH_ATTRIBUTE ) rc = LDAP_SUCCESS;
			break;
		case SLAP_MOD_ADD_IF_NOT_PRESENT:
			if ( attr_find( e->e_attrs, mod->sm_desc ) ) break;
			mod->sm_op = LDAP_MOD_ADD;
			rc = modify_add_values( e, mod, 1, &w->text, w->textbuf, sizeof( w->textbuf ) );
			mod->sm_op = SLAP_MOD_ADD_IF_NOT_PRESENT;
			break;
		default:
			rc = LDAP_OTHER;
			w->text = "unknown modification type";
		}
	}
	if ( rc ) w->err = rc;
	return rc;
}

/* add: also supplies structuralObjectClass, as back-mdb's add does, so
 * that snapshots never stored in the live DIT are complete. */
static int
check_schema( bt_write *w, Entry *e, int add )
{
	int rc = entry_schema_check( w->op, e, NULL, get_relax( w->op ), add, NULL,
		&w->text, w->textbuf, sizeof( w->textbuf ) );
	if ( rc ) w->err = rc;
	return rc;
}

/* "attr1 attr2 ..." of the user-visible attributes a modlist touches. */
static void
changed_names( Modifications *ml, struct berval *out )
{
	Modifications *m;
	size_t len = 0;
	char *p;

	for ( m = ml; m; m = m->sml_next ) {
		if ( is_at_operational( m->sml_desc->ad_type ) ) continue;
		len += m->sml_desc->ad_cname.bv_len + 1;
	}
	out->bv_val = p = ch_malloc( len + 1 );
	for ( m = ml; m; m = m->sml_next ) {
		Modifications *prev;
		if ( is_at_operational( m->sml_desc->ad_type ) ) continue;
		for ( prev = ml; prev != m; prev = prev->sml_next )
			if ( prev->sml_desc == m->sml_desc ) break;
		if ( prev != m ) continue;	/* listed already */
		if ( p != out->bv_val ) *p++ = ' ';
		memcpy( p, m->sml_desc->ad_cname.bv_val, m->sml_desc->ad_cname.bv_len );
		p += m->sml_desc->ad_cname.bv_len;
	}
	*p = '\0';
	out->bv_len = p - out->bv_val;
}

/* ------------------------------------------------------------------ */
/* Authorisation (bt_access.c has the rules).  back-mdb checks what it
 * applies to the live DIT now; the overlay checks the rest itself, before
 * anything it wrote can be kept: a refusal aborts the write's transaction
 * with its history rows. */

/* Whether back-mdb's own checks see the whole change: an undated write to
 * a live entry is exactly the change it applies. */
static int
needs_authz( bt_write *w )
{
	if ( be_isroot( w->op ) ) return 0;
	return w->dated || !w->live;
}

static int
authz_fail( bt_write *w, int rc )
{
	w->err = rc;
	w->text = w->az.text;
	return rc;
}

/* The live entry named ndn, as a copy (NULL if there is none). */
static Entry *
live_copy( bt_write *w, struct berval *ndn )
{
	Entry *e, *copy;

	if ( live_get( w, ndn, &e ) ) return NULL;
	copy = entry_dup( e );
	live_release( w, e );
	return copy;
}

/* The parent of an entry named ndn, whose version hangs under parent, as
 * it is at t: the parent's version then, or for a root (parent all-zero)
 * the live entry above it, if any.  *e NULL: no parent (the suffix, or a
 * parent not there at t).  Returns an LMDB code: a parent whose history
 * cannot be read is not a missing one (a refusal, never a decision made
 * without it). */
static int
parent_entry( bt_write *w, struct berval *ndn, const bt_uuid *parent, bt_time t,
	Entry **e )
{
	struct berval pdn;
	bt_row pr;
	int rc;

	*e = NULL;
	if ( !bt_uuid_is_zero( parent ) ) {
		rc = bt_row_at( w->bi, w->txn, parent, t, BT_KNOWN_NOW, &pr );
		if ( rc == MDB_NOTFOUND ) return 0;
		if ( rc ) return rc;
		rc = bt_version_entry( w->bi, w->txn, &pr, t, e );
		bt_row_free( &pr );
		return rc;
	}
	if ( be_issuffix( w->op->o_bd, ndn ) ) return 0;
	dnParent( ndn, &pdn );
	*e = live_copy( w, &pdn );
	return 0;
}

/* The checks of one entry (the live one, or a version under its name at
 * that time) and of its parent's children. */
static int
authz_one( bt_write *w, Entry *e, const bt_uuid *parent, bt_time t,
	slap_access_t level, Modifications *ml, slap_access_t children )
{
	Entry *p;
	int rc;

	rc = bt_authz_entry( &w->az, e, level, ml );
	if ( rc || children == ACL_NONE ) return rc;
	if ( parent_entry( w, &e->e_nname, parent, t, &p ) ) {
		w->az.text = "bitemporal: cannot read the parent entry's history";
		return LDAP_OTHER;
	}
	rc = bt_authz_children( &w->az, p, children );
	if ( p ) entry_free( p );
	return rc;
}

/* A modify, delete or modrdn of an existing entity: checked on the live
 * entry (if any) and on every version the write rewrites. */
static int
authz_versions( bt_write *w, Entry *live, bt_rows *cur, slap_access_t level,
	Modifications *ml, slap_access_t children )
{
	static const bt_uuid root;
	int i, rc;

	if ( !needs_authz( w ) ) return 0;
	w->az.op = w->op;
	w->az.bi = w->bi;
	w->az.P = w->P;
	w->az.now = w->now;
	if ( live ) {
		bt_uuid lp;
		bt_row r;
		/* the live parent, through the live entry's version */
		rc = bt_row_at( w->bi, w->txn, &w->uuid, w->now, BT_KNOWN_NOW, &r );
		if ( rc == 0 ) {
			lp = r.parent;
			bt_row_free( &r );
		} else if ( rc == MDB_NOTFOUND ) {
			lp = root;
		} else {
			/* not "no parent" (which only the rootdn may write under) */
			FAIL( w, LDAP_OTHER, "bitemporal: cannot read the entry's history" );
		}
		if ( ( rc = authz_one( w, live, &lp, w->now, level, ml, children ) ) )
			return authz_fail( w, rc );
	}
	for ( i = 0; i < cur->n; i++ ) {
		bt_row *r = &cur->r[i];
		bt_time t = r->valid.from > w->P.from ? r->valid.from : w->P.from;
		Entry *e;
		if ( bt_version_entry( w->bi, w->txn, r, t, &e ) )
			FAIL( w, LDAP_OTHER, "bitemporal: cannot read history" );
		rc = authz_one( w, e, &r->parent, t, level, ml, children );
		entry_free( e );
		if ( rc ) return authz_fail( w, rc );
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* An entity exists once at a time: its current versions never overlap
 * (bt_rows_current relies on it), also when an add brings the entryUUID
 * of one that has a history.  Non-zero (w->err set) when it is taken
 * during the add's period or that cannot be told. */
static int
uuid_taken( bt_write *w )
{
	bt_rows same = { 0 };
	int rc, n;

	rc = bt_rows_current( w->bi, w->txn, &w->uuid, w->P, &same );
	n = same.n;
	bt_rows_free( &same );
	if ( rc ) FAIL( w, LDAP_OTHER, "bitemporal: cannot read history" );
	if ( n ) FAIL( w, LDAP_ALREADY_EXISTS, "an entry with this entryUUID exists during the given period" );
	return 0;
}

static int
write_add( bt_write *w )
{
	Operation *op = w->op;
	Entry *e = op->ora_e;
	bt_uuid parent, other;
	bt_row r;
	int rc;

	if ( bt_entry_uuid( e, &w->uuid ) ) {
		/* internal adds may come without operational attributes */
		char buf[LDAP_LUTIL_UUIDSTR_BUFSIZE];
		struct berval bv;
		bv.bv_len = lutil_uuidstr( buf, sizeof( buf ) );
		bv.bv_val = buf;
		attr_merge_normalize_one( e, slap_schema.si_ad_entryUUID, &bv, op->o_tmpmemctx );
		if ( bt_entry_uuid( e, &w->uuid ) ) FAIL( w, LDAP_OTHER, "bitemporal: cannot assign entryUUID" );
	}
	if ( parent_during( w, &e->e_nname, w->P, &parent ) ) return w->err;
	if ( uuid_taken( w ) ) return w->err;
	rc = bt_child_named( w->bi, w->txn, &parent, &e->e_nname, &w->P, 1, NULL, &other );
	if ( rc == MDB_NOTFOUND )
		rc = bt_resolve_any( w->bi, w->txn, &e->e_nname, w->P, &other );
	if ( rc == 0 ) {
		FAIL( w, LDAP_ALREADY_EXISTS, w->dated ?
			"an entry with this name exists during the given period" : NULL );
	}
	/* whether the name is free cannot be told: refused */
	if ( rc != MDB_NOTFOUND )
		FAIL( w, LDAP_OTHER, "bitemporal: cannot read the history of the entries named so" );
	w->live_change = bt_period_contains( w->P, w->now );
	if ( check_schema( w, e, 1 ) ) return w->err;
	if ( w->dated && !be_isroot( op ) ) {
		/* as back-mdb's add: the entry, its values, the parent's children */
		w->az.op = op;
		w->az.bi = w->bi;
		w->az.P = w->P;
		w->az.now = w->now;
		if ( ( rc = authz_one( w, e, &parent, w->P.from, ACL_WADD,
				op->ora_modlist, ACL_WADD ) ) )
			return authz_fail( w, rc );
	}

	row_init( w, &r, BT_OP_ADD, w->P, &parent );
	rc = bt_row_put( w->bi, w->txn, &r, e );
	if ( rc ) return history_put_failed( w, rc );
	want_due( w, w->P.from );
	want_due( w, w->P.to );
	return 0;
}

/* The heart of every dated change: each current version of the entity
 * that overlaps the period is superseded (its registration closed now) and
 * registered again in up to three pieces - before, inside and after the
 * period.  The pieces outside keep their content; the piece inside gets
 * the change (change() edits the snapshot and may give it a new parent),
 * or is dropped (change == NULL: a termination). */
typedef int (change_fn)( bt_write *w, bt_row *old, Entry *e, bt_row *r );

static int
rewrite_versions( bt_write *w, bt_rows *cur, bt_opkind kind,
	struct berval *changed, change_fn *change )
{
	int i, j;

	for ( i = 0; i < cur->n && !w->err; i++ ) {
		bt_row *old = &cur->r[i];
		bt_period piece[3];
		int n, inside;

		n = bt_period_split( old->valid, w->P, piece, &inside );
		if ( bt_row_supersede( w->bi, w->txn, old, w->now ) ) {
			w->err = LDAP_OTHER; w->text = "bitemporal: cannot write history";
			break;
		}
		for ( j = 0; j < n && !w->err; j++ ) {
			Entry *e;
			bt_row r;

			if ( j == inside && !change ) continue;
			row_init( w, &r, kind, piece[j], &old->parent );
			if ( j != inside ) {
				/* unchanged content: the stored snapshot as it is */
				if ( bt_row_put_same( w->bi, w->txn, &r, old ) ) {
					w->err = LDAP_OTHER; w->text = "bitemporal: cannot write history";
				}
				continue;
			}
			if ( bt_row_entry( old, &e ) ) {
				w->err = LDAP_OTHER; w->text = "bitemporal: cannot decode history";
				break;
			}
			r.changed = *changed;
			change( w, old, e, &r );
			if ( !w->err ) {
				int rc = bt_row_put( w->bi, w->txn, &r, e );
				if ( rc ) history_put_failed( w, rc );
			}
			entry_free( e );
		}
	}
	return w->err;
}

static int
modify_version( bt_write *w, bt_row *old, Entry *e, bt_row *r )
{
	/* the live piece is checked by back-mdb itself */
	if ( apply_mods( w, e, w->op->orm_modlist ) == 0 &&
		!( w->live && bt_period_contains( r->valid, w->now ) ) )
		check_schema( w, e, 0 );
	return w->err;
}

static int
write_modify( bt_write *w )
{
	Operation *op = w->op;
	Entry *live;
	bt_rows cur = { 0 };
	struct berval changed = BER_BVNULL;
	int rc;

	rc = load_target( w, &live );
	if ( rc || w->untracked ) return rc;

	rc = bt_rows_current( w->bi, w->txn, &w->uuid, w->P, &cur );
	if ( rc ) {
		live_release( w, live );
		bt_rows_free( &cur );
		FAIL( w, LDAP_OTHER, "bitemporal: cannot read history" );
	}
	if ( cur.n == 0 ) {
		live_release( w, live );
		bt_rows_free( &cur );
		FAIL( w, LDAP_NO_SUCH_OBJECT, "the entry does not exist during the given period" );
	}
	/* as back-mdb's modify: each value added or removed */
	rc = authz_versions( w, live, &cur, ACL_NONE, op->orm_modlist, ACL_NONE );
	live_release( w, live );
	if ( rc ) {
		bt_rows_free( &cur );
		return rc;
	}
	changed_names( op->orm_modlist, &changed );
	rewrite_versions( w, &cur, BT_OP_MODIFY, &changed, modify_version );
	ch_free( changed.bv_val );
	bt_rows_free( &cur );
	if ( w->err ) return w->err;

	w->live_change = w->live && bt_period_contains( w->P, w->now );
	want_due( w, w->P.from );
	want_due( w, w->P.to );
	return 0;
}

typedef struct child_arg {
	bt_write *w;
	int found;
	int err;			/* a child's history could not be read */
} child_arg;

static int
child_alive_fn( const bt_uuid *u, struct berval *nrdn, void *arg )
{
	child_arg *c = arg;
	bt_rows rows = { 0 };
	int i;

	if ( bt_rows_current( c->w->bi, c->w->txn, u, c->w->P, &rows ) ) {
		/* an unreadable child may be alive: refuse, never assume a leaf */
		c->err = 1;
		bt_rows_free( &rows );
		return 1;
	}
	for ( i = 0; i < rows.n; i++ ) {
		if ( memcmp( &rows.r[i].parent, &c->w->uuid, sizeof( bt_uuid ) ) == 0 ) {
			c->found = 1;
			break;
		}
	}
	bt_rows_free( &rows );
	return c->found;
}

static int
write_delete( bt_write *w )
{
	Entry *live;
	bt_rows cur = { 0 };
	child_arg ca = { w, 0, 0 };
	int rc;

	rc = load_target( w, &live );
	if ( rc || w->untracked ) return rc;
	rc = bt_rows_current( w->bi, w->txn, &w->uuid, w->P, &cur );
	if ( rc || cur.n == 0 ) {
		live_release( w, live );
		bt_rows_free( &cur );
		if ( rc ) FAIL( w, LDAP_OTHER, "bitemporal: cannot read history" );
		FAIL( w, LDAP_NO_SUCH_OBJECT, "the entry does not exist at the termination date" );
	}
	/* as back-mdb's delete: the entry and the parent's children; before
	 * the leaf test, which would tell what is below a hidden entry */
	rc = authz_versions( w, live, &cur, ACL_WDEL, NULL, ACL_WDEL );
	live_release( w, live );
	if ( rc ) {
		bt_rows_free( &cur );
		return rc;
	}

	if ( bt_names_children( w->bi, w->txn, &w->uuid, child_alive_fn, &ca ) && !ca.found )
		ca.err = 1;
	if ( ca.err ) {
		bt_rows_free( &cur );
		FAIL( w, LDAP_OTHER, "bitemporal: cannot read the history of the entry's subordinates" );
	}
	if ( ca.found ) {
		bt_rows_free( &cur );
		FAIL( w, LDAP_NOT_ALLOWED_ON_NONLEAF, w->dated ?
			"the entry has subordinates that exist after the termination date" : NULL );
	}
	{
		struct berval none = BER_BVNULL;
		rewrite_versions( w, &cur, BT_OP_DELETE, &none, NULL );
	}
	bt_rows_free( &cur );
	if ( w->err ) return w->err;
	w->live_change = w->live && w->P.from <= w->now;
	want_due( w, w->P.from );
	return 0;
}

/* The attribute side of a rename, for one version: its own RDN values go
 * (deleteoldrdn), the new ones come; a version may carry another name than
 * the request's (a rename already scheduled), so the request's modlist,
 * built from the live name, is used for its operational attributes only. */
static int
rename_version( bt_write *w, bt_row *old, Entry *e, bt_row *r )
{
	Operation *op = w->op;
	struct berval nrdn, rdn, save_dn = op->o_req_dn;
	Modifications *saved = op->orr_modlist, *ml, *m, *next;
	SlapReply rs2 = { REP_RESULT };

	r->parent = *w->rename_parent;
	ch_free( e->e_name.bv_val );
	ch_free( e->e_nname.bv_val );
	ber_dupbv( &e->e_name, w->rename_dn );
	ber_dupbv( &e->e_nname, w->rename_ndn );
	/* a version whose name cannot be read is not one already so named */
	if ( bt_row_nrdn( w->bi, old, &nrdn, &rdn ) ) {
		w->err = LDAP_OTHER;
		w->text = "bitemporal: cannot decode history";
		return w->err;
	}
	if ( !dn_match( &nrdn, &op->orr_nnewrdn ) ) {
		op->o_req_dn = rdn;
		op->orr_modlist = NULL;
		if ( slap_modrdn2mods( op, &rs2 ) == LDAP_SUCCESS ) {
			ml = op->orr_modlist;
			op->orr_modlist = saved;
			op->o_req_dn = save_dn;
			apply_mods( w, e, ml );
			slap_mods_free( ml, 1 );
		} else {
			op->orr_modlist = saved;
			op->o_req_dn = save_dn;
			w->err = rs2.sr_err;
			w->text = "cannot rename a version of the entry";
			return w->err;
		}
	}
	for ( m = saved; m && !w->err; m = m->sml_next ) {
		if ( !is_at_operational( m->sml_desc->ad_type ) ) continue;
		next = m->sml_next;
		m->sml_next = NULL;
		apply_mods( w, e, m );
		m->sml_next = next;
	}
	return w->err;
}

/* A move must never make the entry its own ancestor, at any instant of
 * the period: back-mdb checks only the live tree, while the parent's own
 * (past or scheduled) moves decide the tree at other instants. */
static int
refuse_cycle( bt_write *w, const bt_uuid *parent, bt_period P )
{
	bt_time at;
	char tb[BT_TIME_BUFSZ];
	int cycle;

	if ( bt_uuid_is_zero( parent ) ) return 0;
	if ( bt_would_be_ancestor( w->bi, w->txn, &w->uuid, parent, P, &cycle, &at ) )
		FAIL( w, LDAP_OTHER, "bitemporal: cannot read the new parent's ancestors" );
	if ( !cycle ) return 0;
	bt_time_format( at, tb );
	snprintf( w->textbuf, sizeof( w->textbuf ),
		"the new parent is the entry itself or one of its descendants at %s", tb );
	FAIL( w, LDAP_UNWILLING_TO_PERFORM, w->textbuf );
}

/* The requester may add children to the new parent, as it is when the
 * move takes effect (back-mdb's modrdn checks the same on the live DIT). */
static int
authz_new_parent( bt_write *w, struct berval *nnewdn )
{
	bt_uuid np;
	Entry *p;
	bt_time t = w->P.from > w->now ? w->P.from : w->now;
	int rc;

	if ( !w->op->orr_nnewSup || !needs_authz( w ) ) return 0;
	if ( parent_at( w, nnewdn, t, &np ) ) return w->err;
	if ( parent_entry( w, nnewdn, &np, t, &p ) )
		FAIL( w, LDAP_OTHER, "bitemporal: cannot read the new parent entry's history" );
	rc = bt_authz_children( &w->az, p, ACL_WADD );
	if ( p ) entry_free( p );
	if ( rc ) {
		authz_fail( w, rc );
		return w->err;
	}
	return 0;
}

/* The new name must be free where the entry exists: no other entry is a
 * child of the new parent with the new RDN while this one exists, and
 * none resolves to the new DN at an instant of the period.  This entry
 * may hold the name itself somewhere in the period.  Sets *parent to the
 * new parent during the period. */
static int
new_name_free( bt_write *w, bt_rows *cur, struct berval *nnewdn, bt_uuid *parent )
{
	bt_period clip = { BT_INFINITY, BT_NEG_INFINITY }, *exist;
	bt_uuid other;
	int i, rc;

	for ( i = 0; i < cur->n; i++ ) {
		if ( cur->r[i].valid.from < clip.from ) clip.from = cur->r[i].valid.from;
		if ( cur->r[i].valid.to > clip.to ) clip.to = cur->r[i].valid.to;
	}
	clip = bt_period_intersect( clip, w->P );
	if ( parent_during( w, nnewdn, clip, parent ) ) return w->err;
	if ( refuse_cycle( w, parent, clip ) ) return w->err;
	exist = ch_malloc( cur->n * sizeof( bt_period ) );
	for ( i = 0; i < cur->n; i++ ) exist[i] = bt_period_intersect( cur->r[i].valid, w->P );
	rc = bt_child_named( w->bi, w->txn, parent, nnewdn, exist, cur->n, &w->uuid, &other );
	ch_free( exist );
	if ( rc == MDB_NOTFOUND )
		rc = bt_resolve_other( w->bi, w->txn, nnewdn, clip, &w->uuid, &other );
	if ( rc == 0 )
		FAIL( w, LDAP_ALREADY_EXISTS, "an entry with the new name exists during the given period" );
	if ( rc != MDB_NOTFOUND )
		FAIL( w, LDAP_OTHER, "bitemporal: cannot read history" );
	return 0;
}

static int
write_modrdn( bt_write *w )
{
	Operation *op = w->op;
	Entry *live;
	bt_rows cur = { 0 };
	bt_uuid parent;
	struct berval changed = BER_BVNULL, newdn = BER_BVNULL, nnewdn = BER_BVNULL;
	int rc;

	rc = load_target( w, &live );
	if ( rc || w->untracked ) return rc;

	modir_modrdn_newdn( op, &newdn, &nnewdn );
	rc = bt_rows_current( w->bi, w->txn, &w->uuid, w->P, &cur );
	if ( rc || cur.n == 0 ) {
		live_release( w, live );
		w->err = rc ? LDAP_OTHER : LDAP_NO_SUCH_OBJECT;
		w->text = rc ? "bitemporal: cannot read history" : "the entry does not exist at the given date";
		goto out;
	}
	/* as back-mdb's modrdn: the entry, the old parent's children, the RDN
	 * values; then the new parent's children */
	rc = authz_versions( w, live, &cur, ACL_WRITE, op->orr_modlist,
		op->orr_nnewSup ? ACL_WDEL : ACL_WRITE );
	live_release( w, live );
	if ( rc || authz_new_parent( w, &nnewdn ) ) goto out;
	if ( new_name_free( w, &cur, &nnewdn, &parent ) ) goto out;
	changed_names( op->orr_modlist, &changed );
	w->rename_parent = &parent;
	w->rename_dn = &newdn;
	w->rename_ndn = &nnewdn;
	rewrite_versions( w, &cur, BT_OP_MODRDN, &changed, rename_version );
out:
	ch_free( changed.bv_val );
	bt_rows_free( &cur );
	ch_free( newdn.bv_val );
	ch_free( nnewdn.bv_val );
	if ( w->err ) return w->err;
	w->live_change = w->live && w->P.from <= w->now;
	want_due( w, w->P.from );
	return 0;
}

/* An add without the control may carry its period as moValidFrom /
 * moValidTo (an import with the relax control): the period of the
 * version, never stored as attributes. */
static int
import_period( bt_write *w, Entry *e )
{
	Attribute *from = attr_find( e->e_attrs, bt_ad_validFrom );
	Attribute *to = attr_find( e->e_attrs, bt_ad_validTo );

	if ( !from && !to ) return 0;
	if ( from && bt_time_parse( from->a_vals[0].bv_val, from->a_vals[0].bv_len, &w->P.from ) )
		FAIL( w, LDAP_INVALID_SYNTAX, "moValidFrom: malformed GeneralizedTime" );
	if ( to && bt_time_parse( to->a_vals[0].bv_val, to->a_vals[0].bv_len, &w->P.to ) )
		FAIL( w, LDAP_INVALID_SYNTAX, "moValidTo: malformed GeneralizedTime" );
	if ( !bt_period_is_valid( w->P ) )
		FAIL( w, LDAP_UNWILLING_TO_PERFORM, "moValidTo must be later than moValidFrom" );
	attr_delete( &e->e_attrs, bt_ad_validFrom );
	attr_delete( &e->e_attrs, bt_ad_validTo );
	w->dated = 1;
	return 0;
}

/* ------------------------------------------------------------------ */
static slap_operation_t
op_which( Operation *op )
{
	switch ( op->o_tag ) {
	case LDAP_REQ_ADD: return op_add;
	case LDAP_REQ_DELETE: return op_delete;
	case LDAP_REQ_MODRDN: return op_modrdn;
	default: return op_modify;
	}
}

/* What another overlay says the write entails (bt_consequence), written
 * in the write's transaction once its own change has succeeded: a
 * refusal there undoes the write, whose answer it becomes (cap).  u: the
 * entity written; from: when its change takes effect.  Returns non-zero
 * when the write may be kept. */
static int
write_consequence( bt_write *w, bt_capture *cap, const bt_uuid *u, bt_time from )
{
	OpExtra *oex;
	bt_consequence *cq;
	OpExtra *share;
	char text[BT_CONSEQUENCE_TEXT_LEN];
	int rc;

	if ( cap->err != LDAP_SUCCESS || w->op->o_noop ) return 1;
	LDAP_SLIST_FOREACH( oex, &w->op->o_extra, oe_next ) {
		if ( oex->oe_key == &bt_consequence_key ) break;
	}
	if ( !oex ) return 1;
	cq = (bt_consequence *)oex;
	/* w->txn for writes below the other overlay: back-mdb finds it
	 * published and leaves its begin and commit to its owner (MOI_KEEPER:
	 * not freed by back-mdb).  No nested transaction: a refusal undoes
	 * the whole write anyway, and LMDB cannot nest under writemap. */
	share = bt_txn_share( w->bi->bt_mdb, w->txn );
	text[0] = '\0';
	cq->ran = 1;
	rc = cq->fn( w->op, u, from, share, cq, text, sizeof( text ) );
	bt_txn_share_free( share );
	if ( rc == LDAP_SUCCESS ) return 1;
	cap->err = rc;
	ch_free( cap->text );
	cap->text = ch_strdup( text[0] ? text : "the write's consequences could not be written" );
	if ( cap->ctrls ) {
		ldap_controls_free( cap->ctrls );
		cap->ctrls = NULL;
	}
	return 0;
}

/* Our own activation (bt_activate.c): the history is already written; the
 * live change and the removal of the due rows commit together. */
static int
write_activation( bt_write *w, SlapReply *rs, bt_activation *act )
{
	bt_capture cap = { 0 };
	int rc;

	if ( txn_begin( w ) ) {
		send_result( w, rs, w->err, w->text, NULL );
		return w->err;
	}
	rc = bt_due_del_upto( w->bi, w->txn, act->upto, &act->uuid );
	if ( rc ) {
		txn_end( w, 0 );
		send_result( w, rs, LDAP_OTHER, "bitemporal: cannot update activations", NULL );
		return LDAP_OTHER;
	}
	pass_down( w, rs, op_which( w->op ), &cap );
	/* a person's termination falling due ends what is still theirs */
	write_consequence( w, &cap, &act->uuid, slap_get_time() );
	if ( cap.err == LDAP_SUCCESS ) {
		if ( txn_end( w, 1 ) ) {
			cap.err = LDAP_OTHER;
			ch_free( cap.text );
			cap.text = ch_strdup( "commit failed" );
		}
	} else {
		txn_end( w, 0 );
	}
	send_result( w, rs, cap.err, cap.text, &cap );
	capture_free( &cap );
	return rs->sr_err;
}

/* The activations the write leaves due, in its transaction: they commit
 * or vanish with its history rows. */
static int
schedule_due( bt_write *w )
{
	int i;

	for ( i = 0; i < w->ndue; i++ ) {
		if ( bt_due_put( w->bi, w->txn, w->due[i], &w->uuid ) )
			FAIL( w, LDAP_OTHER, "bitemporal: cannot schedule activation" );
	}
	return 0;
}

/* A modrdn of an entry the request named by a name it had at another
 * time: the frontend built the RDN changes from the requested name, the
 * live entry has another.  Rebuild them from the live name, keeping the
 * operational attributes the frontend appended.  Returns the requested
 * list, to be put back by live_rdn_mods_restore, or NULL if nothing was
 * rebuilt. */
static Modifications *
live_rdn_mods( Operation *op, Modifications **renamed, Modifications **tail )
{
	SlapReply rs2 = { REP_RESULT };
	Modifications *saved = op->orr_modlist, *m;

	*renamed = *tail = NULL;
	op->orr_modlist = NULL;
	if ( slap_modrdn2mods( op, &rs2 ) != LDAP_SUCCESS ) {
		op->orr_modlist = saved;
		return NULL;
	}
	*renamed = op->orr_modlist;
	for ( *tail = *renamed; *tail && (*tail)->sml_next; *tail = (*tail)->sml_next )
		;
	for ( m = saved; m && !is_at_operational( m->sml_desc->ad_type ); m = m->sml_next )
		;
	if ( *tail ) (*tail)->sml_next = m;
	else op->orr_modlist = m;
	return saved;
}

static void
live_rdn_mods_restore( Operation *op, Modifications *saved,
	Modifications *renamed, Modifications *tail )
{
	if ( !saved ) return;
	if ( tail ) {
		tail->sml_next = NULL;
		slap_mods_free( renamed, 1 );
	}
	op->orr_modlist = saved;
}

/* The live change, passed down under the entry's live name when the
 * request named it by another. */
static void
apply_live( bt_write *w, SlapReply *rs, bt_capture *cap )
{
	Operation *op = w->op;
	struct berval dn = op->o_req_dn, ndn = op->o_req_ndn;
	Modifications *saved = NULL, *renamed = NULL, *tail = NULL;

	if ( w->live_ndn.bv_val ) {
		op->o_req_dn = w->live_dn;
		op->o_req_ndn = w->live_ndn;
		if ( op->o_tag == LDAP_REQ_MODRDN )
			saved = live_rdn_mods( op, &renamed, &tail );
	}
	pass_down( w, rs, op_which( op ), cap );
	live_rdn_mods_restore( op, saved, renamed, tail );
	op->o_req_dn = dn;
	op->o_req_ndn = ndn;
}

/* Everything a write does inside its transaction: the history rows, the
 * due activations and the live change.  Returns non-zero when the
 * transaction should keep it.  Decides nothing about committing: that is
 * the caller's (alone) or the group's (bt_commit.c). */
static int
write_in_txn( bt_write *w, SlapReply *rs, bt_capture *cap )
{
	Operation *op = w->op;
	int rc;

	if ( txn_begin( w ) ) return 0;
	switch ( op->o_tag ) {
	case LDAP_REQ_ADD: rc = write_add( w ); break;
	case LDAP_REQ_MODIFY: rc = write_modify( w ); break;
	case LDAP_REQ_DELETE: rc = write_delete( w ); break;
	case LDAP_REQ_MODRDN: rc = write_modrdn( w ); break;
	default: rc = 0;
	}
	if ( rc || w->err || w->untracked ) return 0;
	if ( schedule_due( w ) ) return 0;
	if ( w->live_change ) {
		apply_live( w, rs, cap );
	} else {
		cap->done = 1;
		cap->err = LDAP_SUCCESS;
	}
	if ( !write_consequence( w, cap, &w->uuid, w->P.from ) ) return 0;
	return cap->err == LDAP_SUCCESS && !op->o_noop;
}

typedef struct write_args {
	bt_write *w;
	SlapReply *rs;
	bt_capture *cap;
} write_args;

static int
run_write( bt_job *job )
{
	write_args *a = job->arg;

	return write_in_txn( a->w, a->rs, a->cap );
}

/* After a commit: views cached before it may be stale.  Writes of one
 * group finish in any order; the latest registration time wins.
 *
 * Only after the commit: a view built between an early note and the
 * commit would be cached under the new generation with the old data, and
 * kept (the stale manager, the moved post missing from a search).  A
 * write in a transaction the overlay does not own (the oio task's batches,
 * an RFC 5805 transaction) notes once when it is written, which is
 * harmless, and once more when its owner has committed: oio.c after a
 * batch, bt_txn_hook below for LDAP transactions. */
void
bt_note_committed( bt_info *bi, bt_time now )
{
	bt_time last = __atomic_load_n( &bi->bt_last_write, __ATOMIC_RELAXED );

	while ( now > last && !__atomic_compare_exchange_n( &bi->bt_last_write,
			&last, now, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED ) )
		;
	__atomic_add_fetch( &bi->bt_write_gen, 1, __ATOMIC_RELEASE );
}

unsigned long
bt_view_generation( bt_info *bi )
{
	return __atomic_load_n( &bi->bt_write_gen, __ATOMIC_ACQUIRE );
}

bt_time
bt_last_write( bt_info *bi )
{
	return __atomic_load_n( &bi->bt_last_write, __ATOMIC_ACQUIRE );
}

/* back-mdb's transaction hook as an LDAP transaction (slapd's txn.c)
 * calls it: begin, then each write (which finds the transaction published
 * and leaves it alone), then commit or abort. */
int
bt_txn_hook( Operation *op, int txnop, OpExtra **ptr )
{
	slap_overinfo *oi = (slap_overinfo *)op->o_bd->bd_info;
	slap_overinst *on;
	bt_info *bi = NULL;
	int rc, high;

	for ( on = oi->oi_list; on; on = on->on_next ) {
		if ( on->on_bi.bi_type && strcmp( on->on_bi.bi_type, "bitemporal" ) == 0 ) {
			bi = on->on_bi.bi_private;
			break;
		}
	}
	if ( !bi || !bi->bt_mdb )
		return oi->oi_orig->bi_op_txn( op, txnop, ptr );
	switch ( txnop ) {
	case SLAP_TXN_BEGIN:
		rc = oi->oi_orig->bi_op_txn( op, txnop, ptr );
		/* the writer lock is ours until the commit or the abort */
		if ( rc == 0 ) bi->bt_ext_mark = bt_ads_mark( bi->bt_mdb );
		return rc;
	case SLAP_TXN_ABORT:
		bt_ads_unwind( bi->bt_mdb, bi->bt_ext_mark, bt_ads_mark( bi->bt_mdb ) );
		return oi->oi_orig->bi_op_txn( op, txnop, ptr );
	case SLAP_TXN_COMMIT:
		high = bt_ads_mark( bi->bt_mdb );
		rc = oi->oi_orig->bi_op_txn( op, txnop, ptr );
		if ( rc ) bt_ads_unwind( bi->bt_mdb, bi->bt_ext_mark, high );
		else bt_note_committed( bi, slap_get_time() );
		return rc;
	}
	return oi->oi_orig->bi_op_txn( op, txnop, ptr );
}

/* The period a write covers: the validity control's, an add's imported
 * moValidFrom/moValidTo, or from now on. */
static int
write_period( bt_write *w )
{
	Operation *op = w->op;
	bt_validity *v;

	w->dated = bt_has_ctrl( op, bt_validity_cid );
	if ( !w->dated ) {
		w->P.from = w->now;
		w->P.to = BT_INFINITY;
		if ( op->o_tag == LDAP_REQ_ADD && import_period( w, op->ora_e ) ) return w->err;
		return 0;
	}
	v = bt_validity_of( op );
	w->P = v->period;
	if ( !bt_period_is_valid( w->P ) )
		FAIL( w, LDAP_UNWILLING_TO_PERFORM, "validity control: validTo must be later than validFrom" );
	if ( v->has_to && op->o_tag == LDAP_REQ_DELETE )
		FAIL( w, LDAP_UNWILLING_TO_PERFORM,
			"validity control: a delete ends the entry at validFrom; validTo is not allowed" );
	if ( v->has_to && op->o_tag == LDAP_REQ_MODRDN )
		FAIL( w, LDAP_UNWILLING_TO_PERFORM,
			"validity control: a modrdn renames from validFrom on; validTo is not allowed" );
	return 0;
}

/* An undated modify of derived values only, by the overlay that derives
 * them (bt_computed.c): the live entry alone, no version; they are no
 * fact of the entry's own. */
static int
is_derived_write( bt_write *w )
{
	OpExtra *oex;

	if ( w->dated || w->op->o_tag != LDAP_REQ_MODIFY ||
		!bt_mods_computed_only( w->bi, w->op->orr_modlist ) )
		return 0;
	LDAP_SLIST_FOREACH( oex, &w->op->o_extra, oe_next ) {
		if ( oex->oe_key == &bt_derived_key ) return 1;
	}
	return 0;
}

static void
write_free( bt_write *w )
{
	ch_free( w->live_dn.bv_val );
	ch_free( w->live_ndn.bv_val );
}

/* The write is refused before anything was kept: its own result. */
static int
write_refuse( bt_write *w, SlapReply *rs )
{
	send_result( w, rs, w->err, w->text, NULL );
	write_free( w );
	return rs->sr_err;
}

/* An entry the overlay does not track passes through, unless the write
 * is dated: a date means nothing without a history. */
static int
write_untracked( bt_write *w, SlapReply *rs )
{
	if ( !w->dated ) {
		write_free( w );
		return SLAP_CB_CONTINUE;
	}
	w->err = LDAP_UNWILLING_TO_PERFORM;
	w->text = "validity control: the entry is not tracked by the bitemporal overlay";
	return write_refuse( w, rs );
}

/* Runs the write in a transaction and commits it: in a group that shares
 * one commit with the writes that arrive meanwhile, or alone, or inside
 * a transaction of someone else's (LDAP transactions), who commits it.
 * Returns the commit's LMDB code. */
static int
write_commit( bt_write *w, SlapReply *rs, bt_capture *cap )
{
	/* before the group publishes one of its own */
	w->foreign_txn = bt_txn_published( w->bi->bt_mdb, w->op ) != NULL;
	if ( !w->foreign_txn && w->bi->bt_group_max > 1 && !w->bi->bt_no_nesting ) {
		write_args a = { w, rs, cap };
		bt_job job = { 0 };

		job.op = w->op;
		job.orig = w->on->on_info->oi_orig;
		job.run = run_write;
		job.arg = &a;
		bt_group_write( w->bi, &job );
		if ( !job.ran && !w->err ) {
			w->err = LDAP_OTHER;
			w->text = "bitemporal: cannot begin a transaction";
		}
		return job.rc;
	}
	return txn_end( w, write_in_txn( w, rs, cap ) );
}

/* The held-back result, sent once the commit is known; a write that
 * reached the live entry under another name than the requested one tells
 * the overlays above which (bt_resolved). */
static int
write_reply( bt_write *w, SlapReply *rs, bt_capture *cap, int commit_rc )
{
	Operation *op = w->op;
	bt_resolved res;

	if ( cap->err == LDAP_SUCCESS && !op->o_noop ) {
		if ( commit_rc ) {
			cap->err = LDAP_OTHER;
			ch_free( cap->text );
			cap->text = ch_strdup( "commit failed" );
		} else {
			bt_note_committed( w->bi, w->now );
		}
	} else if ( op->o_noop && cap->err == LDAP_SUCCESS ) {
		cap->err = LDAP_X_NO_OPERATION;
	}
	if ( cap->err == LDAP_SUCCESS && w->live_change && w->live_ndn.bv_val ) {
		res.oe.oe_key = &bt_resolved_key;
		res.dn = w->live_dn;
		res.ndn = w->live_ndn;
		LDAP_SLIST_INSERT_HEAD( &op->o_extra, &res.oe, oe_next );
		send_result( w, rs, cap->err, cap->text, cap );
		LDAP_SLIST_REMOVE( &op->o_extra, &res.oe, OpExtra, oe_next );
	} else {
		send_result( w, rs, cap->err, cap->text, cap );
	}
	capture_free( cap );
	write_free( w );
	return rs->sr_err;
}

int
bt_op_write( Operation *op, SlapReply *rs )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	bt_write w;
	bt_capture cap = { 0 };
	OpExtra *oex;
	int commit_rc;

	memset( &w, 0, sizeof( w ) );
	w.op = op;
	w.on = on;
	w.bi = on->on_bi.bi_private;
	if ( !w.bi->bt_open ) return SLAP_CB_CONTINUE;

	LDAP_SLIST_FOREACH( oex, &op->o_extra, oe_next ) {
		if ( oex->oe_key == &bt_activation_key )
			return write_activation( &w, rs, (bt_activation *)oex );
	}

	w.now = slap_get_time();
	if ( write_period( &w ) ) return write_refuse( &w, rs );
	if ( is_derived_write( &w ) ) return SLAP_CB_CONTINUE;
	if ( op->o_tag == LDAP_REQ_ADD && !bt_is_tracked( w.bi, op->ora_e ) )
		return write_untracked( &w, rs );

	commit_rc = write_commit( &w, rs, &cap );
	if ( w.untracked || w.err ) {
		capture_free( &cap );
		return w.untracked ? write_untracked( &w, rs ) : write_refuse( &w, rs );
	}
	return write_reply( &w, rs, &cap, commit_rc );
}

/* Used by bt_activate.c to mark its internal operations. */
void *
bt_activation_mark( Operation *op, const bt_uuid *u, bt_time upto )
{
	bt_activation *a = op->o_tmpcalloc( 1, sizeof( *a ), op->o_tmpmemctx );
	a->oe.oe_key = &bt_activation_key;
	a->uuid = *u;
	a->upto = upto;
	LDAP_SLIST_INSERT_HEAD( &op->o_extra, &a->oe, oe_next );
	return a;
}

void
bt_activation_unmark( Operation *op, void *mark )
{
	bt_activation *a = mark;
	LDAP_SLIST_REMOVE( &op->o_extra, &a->oe, OpExtra, oe_next );
	op->o_tmpfree( a, op->o_tmpmemctx );
}
