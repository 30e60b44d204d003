/* bt_versions.c - version rewriting: what each kind of write does to the
 * versions of the entity it names.  An add registers a first version; a
 * modify, delete or modrdn supersedes the current versions that overlap
 * its period and registers them again in pieces (before, inside, after),
 * the piece inside changed or (a termination) dropped.  Each checks what
 * the history must keep true at every instant of the period: one entity
 * per name, a parent that exists, no entry its own ancestor, and the
 * requester's right to the change on every version it rewrites (bt_access.c
 * has the rules).
 *
 * Runs inside the write's transaction, which bt_write.c opens, shares and
 * commits; an error is left in w->err and w->text (an LDAP code and its
 * text) and returned, and nothing of the write is committed.
 */
#include "portable.h"

#include <ac/string.h>

#include "slap.h"

#include "modir.h"
#include "bitemporal.h"
#include "bt_write.h"

int bt_actor_key;		/* an overlay's own write, recorded under its name */

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

/* The entity w->uuid, named by a name it had at another time, may still
 * be live under its present name, which a live change must then use
 * (w->live, w->live_dn, w->live_ndn).  Returns an LDAP result code. */
static int
find_live_name( bt_write *w )
{
	struct berval dn, ndn;
	bt_row r;
	Entry *e;
	int rc;

	rc = bt_row_at( w->bi, w->txn, &w->uuid, w->now, BT_KNOWN_NOW, &r );
	if ( rc == MDB_NOTFOUND ) return 0;		/* not live now */
	if ( rc ) FAIL( w, LDAP_OTHER, "bitemporal: cannot read the entry's history" );
	rc = bt_row_dn( w->bi, w->txn, &r, w->now, BT_KNOWN_NOW, &dn, &ndn );
	bt_row_free( &r );
	if ( rc ) FAIL( w, LDAP_OTHER, "bitemporal: cannot read the entry's history" );
	if ( live_get( w, &ndn, &e ) == 0 ) {
		bt_uuid lu;
		if ( bt_entry_uuid( e, &lu ) == 0 && memcmp( &lu, &w->uuid, sizeof( lu ) ) == 0 ) {
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
	return 0;
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
	if ( rc == 0 ) return find_live_name( w );
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

int
bt_version_add( bt_write *w )
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

/* The attributes a modify edits value by value (add, delete, increment
 * and their soft forms) made e's own: e was decoded in place, its values
 * in one block that slapd's modify functions must not free or grow.  A
 * replace needs no copy: it drops the attribute whole (attr_free heeds a
 * decoded attribute's flags) and adds values of its own. */
static void
own_edited( Entry *e, Modifications *ml )
{
	Modifications *m;
	Attribute *a;
	BerVarray v, nv;

	for ( m = ml; m; m = m->sml_next ) {
		if ( m->sml_op == LDAP_MOD_REPLACE ) continue;
		a = attr_find( e->e_attrs, m->sml_desc );
		if ( !a || !( a->a_flags & SLAP_ATTR_DONT_FREE_VALS ) ) continue;
		v = nv = NULL;
		ber_bvarray_dup_x( &v, a->a_vals, NULL );
		if ( a->a_nvals != a->a_vals ) ber_bvarray_dup_x( &nv, a->a_nvals, NULL );
		a->a_vals = v;
		a->a_nvals = nv ? nv : v;
		a->a_flags &= ~( SLAP_ATTR_DONT_FREE_DATA | SLAP_ATTR_DONT_FREE_VALS );
	}
}

/* The snapshot of old as an entry change() may edit.  A modify's is
 * decoded in place and only what its modifications edit is copied: a
 * copy of the whole entry (bt_row_entry) and its free were a tenth of
 * what the history added to a single writer's modify (issue 12).  A
 * rename, which renames the entry too, gets a whole copy. */
static int
edit_entry( bt_write *w, bt_opkind kind, bt_row *old, Entry **e )
{
	if ( kind != BT_OP_MODIFY ) return bt_row_entry( old, e );
	if ( bt_row_entry_ro( old, e ) ) return -1;
	own_edited( *e, w->op->orm_modlist );
	return 0;
}

static void
edit_done( bt_opkind kind, Entry *e )
{
	if ( kind == BT_OP_MODIFY ) {
		/* decoded in place: its names point into its block */
		BER_BVZERO( &e->e_name );
		BER_BVZERO( &e->e_nname );
	}
	entry_free( e );
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
			if ( edit_entry( w, kind, old, &e ) ) {
				w->err = LDAP_OTHER; w->text = "bitemporal: cannot decode history";
				break;
			}
			r.changed = *changed;
			change( w, old, e, &r );
			if ( !w->err ) {
				int rc = bt_row_put( w->bi, w->txn, &r, e );
				if ( rc ) history_put_failed( w, rc );
			}
			edit_done( kind, e );
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

int
bt_version_modify( bt_write *w )
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

int
bt_version_delete( bt_write *w )
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

int
bt_version_modrdn( bt_write *w )
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
